/* console_history.c - the console's line history file (see
 * console_history.h). Plain text rather than libedit's own format
 * (write_history's vis(3)-encoded lines): the file stays readable, and
 * appending one line per question keeps a crash from losing the session.
 * The file is opened without following a symlink and only if regular (a
 * FIFO would block the loop); it is rewritten (temp file, rename) when it
 * holds more than the bound. */
#include "platform/console/console_history.h"

#include <editline/readline.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/common.h"

#define CONHIST_MAX_READ (16L * 1024 * 1024) /* bytes read, from the file's end */

char *conHistPath(const char *configured) {
    if (configured && strcmp(configured, "off") == 0) return NULL;
    if (configured && *configured) return cbStrdup(configured);
    const char *state = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
    if (state && state[0] == '/') return cbSprintf("%s/careerbot/console_history", state);
    if (home && *home) return cbSprintf("%s/.local/state/careerbot/console_history", home);
    return NULL;
}

/* The last CONHIST_MAX_READ bytes of path, from a line start. *data NULL
 * (CB_OK) when there is no file. */
static int conHistRead(const char *path, char **data, size_t *len, char *err) {
    *data = NULL;
    *len = 0;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0 && errno == ENOENT) return CB_OK;
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        int e = fd < 0 ? errno : 0;
        if (fd >= 0) close(fd);
        return cbErr(err, "cannot read %s: %s", path, e ? strerror(e) : "not a regular file");
    }
    off_t from = st.st_size > CONHIST_MAX_READ ? st.st_size - CONHIST_MAX_READ : 0;
    size_t cap = (size_t)(st.st_size - from);
    char *buf = cbMalloc(cap + 1);
    ssize_t n = pread(fd, buf, cap, from);
    close(fd);
    if (n < 0) {
        free(buf);
        return cbErr(err, "cannot read %s: %s", path, strerror(errno));
    }
    size_t skip = 0; /* a line cut by the window is dropped */
    if (from > 0)
        while (skip < (size_t)n && buf[skip++] != '\n') {}
    memmove(buf, buf + skip, (size_t)n - skip);
    *len = (size_t)n - skip;
    buf[*len] = '\0';
    *data = buf;
    return CB_OK;
}

/* Offsets of the kept lines of data (not blank, not too long). */
static size_t conHistLines(const char *data, size_t len, size_t **starts) {
    size_t n = 0, cap = 0;
    *starts = NULL;
    for (size_t i = 0; i < len;) {
        const char *nl = memchr(data + i, '\n', len - i);
        size_t end = nl ? (size_t)(nl - data) : len;
        if (end > i && end - i <= CONHIST_MAX_LINE) {
            if (n == cap) *starts = cbRealloc(*starts, (cap = cap ? cap * 2 : 256) * sizeof(size_t));
            (*starts)[n++] = i;
        }
        i = end + 1;
    }
    return n;
}

/* Rewrite path with lines [first, n) of data (temp file, then rename). */
static int conHistRewrite(const char *path, const char *data, const size_t *starts, size_t first,
                          size_t n, char *err) {
    char *tmp = cbSprintf("%s.%ld.tmp", path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
    int rc = fd >= 0 ? CB_OK : cbErr(err, "cannot write %s: %s", tmp, strerror(errno));
    for (size_t i = first; i < n && rc == CB_OK; i++) {
        size_t l = strcspn(data + starts[i], "\n");
        if (write(fd, data + starts[i], l) != (ssize_t)l || write(fd, "\n", 1) != 1)
            rc = cbErr(err, "cannot write %s: %s", tmp, strerror(errno));
    }
    if (fd >= 0 && close(fd) != 0 && rc == CB_OK)
        rc = cbErr(err, "cannot write %s: %s", tmp, strerror(errno));
    if (rc == CB_OK && rename(tmp, path) != 0)
        rc = cbErr(err, "cannot replace %s: %s", path, strerror(errno));
    if (rc != CB_OK) unlink(tmp);
    free(tmp);
    return rc;
}

/* Keep at most max lines in path; add them to libedit's history when add. */
static int conHistKeep(const char *path, int max, int add, char *err) {
    char *data;
    size_t len, *starts;
    if (conHistRead(path, &data, &len, err) != CB_OK) return CB_ERR;
    if (!data) return CB_OK;
    for (size_t i = 0; i < len; i++) data[i] = data[i] == '\0' ? '\n' : data[i]; /* no NULs */
    size_t n = conHistLines(data, len, &starts), first = n > (size_t)max ? n - (size_t)max : 0;
    int rc = CB_OK;
    if (n > (size_t)max) rc = conHistRewrite(path, data, starts, first, n, err);
    for (size_t i = first; add && i < n; i++) {
        size_t l = strcspn(data + starts[i], "\n");
        data[starts[i] + l] = '\0';
        add_history(data + starts[i]);
    }
    free(starts);
    free(data);
    return rc;
}

int conHistLoad(const char *path, int max, char *err) {
    stifle_history(max);
    return conHistKeep(path, max, 1, err);
}

/* mkdir -p of path's folder, each new level 0700. */
static int conHistFolder(const char *path, char *err) {
    char *dir = cbStrdup(path);
    char *slash = strrchr(dir, '/');
    int rc = CB_OK;
    if (slash && slash != dir) {
        *slash = '\0';
        for (char *p = dir + 1; rc == CB_OK; p++) {
            char c = *p;
            if (c != '/' && c != '\0') continue;
            *p = '\0';
            if (mkdir(dir, 0700) != 0 && errno != EEXIST)
                rc = cbErr(err, "cannot create %s: %s", dir, strerror(errno));
            *p = c;
            if (c == '\0') break;
        }
    }
    free(dir);
    return rc;
}

int conHistAppend(const char *path, const char *line, int max, char *err) {
    size_t n = strlen(line);
    if (n == 0 || n > CONHIST_MAX_LINE || strchr(line, '\n') || max <= 0) return CB_OK;
    if (conHistFolder(path, err) != CB_OK) return CB_ERR;
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);
    if (fd < 0) return cbErr(err, "cannot write %s: %s", path, strerror(errno));
    struct stat st;
    char *rec = cbSprintf("%s\n", line);
    int rc = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? CB_OK
                                                        : cbErr(err, "%s is not a regular file", path);
    if (rc == CB_OK && write(fd, rec, n + 1) != (ssize_t)(n + 1))
        rc = cbErr(err, "cannot write %s: %s", path, strerror(errno));
    close(fd);
    free(rec);
    return rc == CB_OK ? conHistKeep(path, max, 0, err) : rc;
}
