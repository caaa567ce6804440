/* kb_field.c - validators for the knowledge files: reading a file within
 * the size limit, UTF-8/NUL checks with positions, dates, URLs (parsed
 * with uriparser rather than by hand), names, and typed access to
 * front-matter members that reports "must be X, got Y" at the value. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uriparser/Uri.h>

#include "base/common.h"
#include "base/jsonloc.h"
#include "kb/kb_int.h"

const char *kbTypeName(const json_t *v) {
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER:
    case JSON_REAL: return "a number";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    default: return "null";
    }
}

const char *kbTypeNameIn(const kbJson *j, const json_t *v) {
    if (!j || !j->map) return kbTypeName(v);
    switch (json_typeof(v)) { /* the words knowledge/README.md uses for YAML */
    case JSON_OBJECT: return "fields ('name: value' lines)";
    case JSON_ARRAY: return "a list";
    case JSON_STRING: return "a text";
    case JSON_INTEGER:
    case JSON_REAL: return "a number";
    case JSON_TRUE:
    case JSON_FALSE: return "yes/no (true or false)";
    default: return "nothing (an empty value)";
    }
}

size_t kbWordCount(const char *s) {
    size_t n = 0;
    for (int in = 0; *s; s++) {
        int blank = strchr(" \t\r\n\f\v", *s) != NULL;
        n += !blank && !in;
        in = !blank;
    }
    return n;
}

int kbValidDate(const char *s) {
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-') return 0;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9')) return 0;
    int y = atoi(s), m = atoi(s + 5), d = atoi(s + 8);
    if (y < 1900 || m < 1 || m > 12 || d < 1) return 0;
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return d <= mdays[m - 1] + (m == 2 && leap);
}

int kbValidPartialDate(const char *s) {
    size_t n = strlen(s);
    char full[11];
    if (n == 4) snprintf(full, sizeof(full), "%.4s-01-01", s);
    else if (n == 7) snprintf(full, sizeof(full), "%.7s-01", s);
    else if (n == 10) snprintf(full, sizeof(full), "%s", s);
    else return 0;
    return kbValidDate(full);
}

/* A host name's labels: none empty ("flask..com"; a final dot is the
 * root's), none starting or ending with '-'. */
static int kbLabelsOk(const char *h, size_t hl) {
    for (size_t at = 0; at < hl;) {
        size_t n = 0;
        while (at + n < hl && h[at + n] != '.') n++;
        if (n == 0 || h[at] == '-' || h[at + n - 1] == '-') return 0;
        at += n + 1;
    }
    return 1;
}

/* The host uriparser found in "scheme://authority/": a name with a dot,
 * not localhost, none of the characters curl refuses in a host name, and
 * not an IPvFuture literal. */
static int kbHostOk(const UriUriA *u) {
    const char *h = u->hostText.first, *end = u->hostText.afterLast;
    size_t hl = h && end > h ? (size_t)(end - h) : 0;
    if (!hl || u->hostData.ipFuture.first || !memchr(h, '.', hl)) return 0;
    if (hl == 9 && memcmp(h, "localhost", 9) == 0) return 0;
    for (size_t i = 0; i < hl; i++)
        if (strchr("!$&'()*+,;=%\"`^{}<>", h[i])) return 0;
    if (!u->hostData.ip4 && !u->hostData.ip6 && !kbLabelsOk(h, hl)) return 0;
    const char *p = u->portText.first, *pe = u->portText.afterLast;
    long port = 0;
    for (; p && p < pe; p++) {
        port = port * 10 + (*p - '0');
        if (port > 65535) return 0;
    }
    return 1;
}

/* A full http(s) address: no spaces or control characters anywhere, and
 * an authority (userinfo, host, port) that uriparser parses with a valid
 * host. The rest (path, query, fragment) may hold what browsers and curl
 * take ("?a[]=1", "|", a stray "%"), which RFC 3986 does not; non-ASCII
 * bytes (an IDN host, a path in UTF-8) stand as letters for the parse.
 * Loading the knowledge needs no network library (net/netlib.c). */
int kbValidUrl(const char *s) {
    size_t scheme = strncmp(s, "http://", 7) == 0 ? 7 : strncmp(s, "https://", 8) == 0 ? 8 : 0;
    if (!scheme) return 0;
    /* Not even browsers take quotes, angle brackets, a backslash or a
     * backquote as part of an address: copied along with it (|^{}[] are
     * taken, and real pages use them). */
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p <= ' ' || *p == 0x7F || strchr("\"<>\\`", *p)) return 0;
    size_t alen = strcspn(s + scheme, "/?#");
    char buf[512];
    if (alen == 0 || scheme + alen + 2 > sizeof(buf)) return 0;
    memcpy(buf, s, scheme + alen);
    for (size_t i = scheme; i < scheme + alen; i++)
        if ((unsigned char)buf[i] >= 0x80) buf[i] = 'x';
    buf[scheme + alen] = '/';
    buf[scheme + alen + 1] = '\0';
    UriUriA uri;
    const char *stop = NULL;
    if (uriParseSingleUriA(&uri, buf, &stop) != URI_SUCCESS) return 0;
    int ok = kbHostOk(&uri);
    uriFreeUriMembersA(&uri);
    return ok;
}

int kbValidName(const char *s) {
    if (!*s) return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-')) return 0;
    return 1;
}

int kbReservedTopic(const char *id) {
    return strncmp(id, KB_EXAMPLES_DIR, strlen(KB_EXAMPLES_DIR)) == 0 &&
           (id[strlen(KB_EXAMPLES_DIR)] == '/' || id[strlen(KB_EXAMPLES_DIR)] == '\0');
}

int kbValidId(const char *s) {
    const char *slash = strchr(s, '/');
    if (!slash || slash == s || kbReservedTopic(s)) return 0;
    char topic[256];
    size_t n = (size_t)(slash - s);
    if (n >= sizeof(topic)) return 0;
    memcpy(topic, s, n);
    topic[n] = '\0';
    return kbValidName(topic) && kbValidName(slash + 1);
}

/* Open for reading without blocking on a FIFO (opening one for reading
 * waits for a writer: it hung kb check and the bot), and refuse anything
 * that is not a regular file. A regular file's reads block whatever
 * O_NONBLOCK says on Linux, so the flag stays (cleared should a read say
 * EAGAIN). The descriptor, or -1. */
static int kbOpenRegular(const char *path, cbDiags *d, struct stat *st) {
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        cbDiagAdd(d, CB_DIAG_ERROR, path, 0, 0, "cannot read: %s", strerror(errno));
        return -1;
    }
    if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode)) {
        cbDiagAdd(d, CB_DIAG_ERROR, path, 0, 0,
                  "not a regular file (%s); skipped: remove it from the knowledge folder",
                  S_ISFIFO(st->st_mode) ? "a FIFO" : S_ISSOCK(st->st_mode) ? "a socket"
                                                                       : "a device or other");
        close(fd);
        return -1;
    }
    return fd;
}

/* Up to cap bytes into buf; how many in *n. CB_ERR on a read error. */
static int readUpTo(int fd, char *buf, size_t cap, size_t *n) {
    *n = 0;
    while (*n < cap) {
        ssize_t r = read(fd, buf + *n, cap - *n);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0 && errno == EAGAIN) { /* a file system that honours O_NONBLOCK: block */
            int fl = fcntl(fd, F_GETFL);
            if (fl >= 0 && (fl & O_NONBLOCK) && fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) == 0) continue;
        }
        if (r < 0) return CB_ERR;
        if (r == 0) break;
        *n += (size_t)r;
    }
    return CB_OK;
}

int kbReadFile(const char *path, cbDiags *d, char **data, size_t *len) {
    struct stat st;
    int fd = kbOpenRegular(path, d, &st);
    if (fd < 0) return CB_ERR;
    size_t plen = strlen(path);
    int entry = plen > 3 && strcmp(path + plen - 3, ".md") == 0;
    int examples = plen > 6 && strcmp(path + plen - 6, ".jsonl") == 0;
    if (st.st_size > KB_MAX_FILE) {
        cbDiagAdd(d, CB_DIAG_ERROR, path, 0, 0, "file is %lld bytes; the limit is 256 KiB: %s",
                  (long long)st.st_size,
                  entry      ? "split it into several entries"
                  : examples ? "split it into several files in examples/"
                             : "make it smaller");
        close(fd);
        return CB_ERR;
    }
    /* Sized by the file (it may grow while read: then up to the limit + 1,
     * to tell that it is over), not the limit: every entry's buffer lives
     * until the load ends. */
    size_t cap = st.st_size >= 0 && st.st_size < KB_MAX_FILE ? (size_t)st.st_size + 1
                                                             : KB_MAX_FILE + 1;
    char *buf = cbMalloc(cap + 1);
    size_t n = 0, more = 0;
    int bad = readUpTo(fd, buf, cap, &n) != CB_OK;
    if (!bad && n == cap && cap <= KB_MAX_FILE) { /* it grew: read the rest */
        buf = cbRealloc(buf, KB_MAX_FILE + 2);
        bad = readUpTo(fd, buf + n, KB_MAX_FILE + 1 - n, &more) != CB_OK;
        n += more;
    }
    close(fd);
    if (bad || n > KB_MAX_FILE) {
        cbDiagAdd(d, CB_DIAG_ERROR, path, 0, 0,
                  bad ? "cannot read the file" : "file is over the 256 KiB limit");
        free(buf);
        return CB_ERR;
    }
    if (n >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) { /* a BOM (Windows editors): not text */
        memmove(buf, buf + 3, n - 3);
        n -= 3;
    }
    buf[n] = '\0';
    *data = buf;
    *len = n;
    return CB_OK;
}

/* UTF-16 without a byte-order mark (a BOM is refused when the file is
 * read): mostly ASCII text, so NUL in at least a third of the bytes,
 * nearly all on one side of each pair. */
static int kbLooksUtf16(const char *data, size_t len) {
    size_t nul[2] = {0, 0};
    for (size_t i = 0; i < len; i++) nul[i & 1] += data[i] == '\0';
    size_t most = nul[0] > nul[1] ? nul[0] : nul[1], least = nul[0] + nul[1] - most;
    return len >= 4 && most * 3 >= len && least * 20 <= most;
}

int kbCheckText(const char *path, const char *data, size_t len, cbDiags *d) {
    size_t i = 0;
    while (i < len) {
        unsigned char c = (unsigned char)data[i];
        if (c - 1u < 0x7Fu) { /* ASCII but NUL: valid, no call */
            i++;
            continue;
        }
        size_t n = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
        if (c == 0 || i + n > len || !cbValidUtf8(data + i, n)) break;
        i += n;
    }
    if (i == len) return CB_OK;
    int line, col;
    jlocLineCol(data, len, i, &line, &col);
    if (data[i] == '\0' && kbLooksUtf16(data, len))
        cbDiagAdd(d, CB_DIAG_ERROR, path, 0, 0,
                  "the file is saved as UTF-16 (every other byte is NUL); save it as UTF-8");
    else if (data[i] == '\0')
        cbDiagAdd(d, CB_DIAG_ERROR, path, line, col, "NUL byte in the file; remove it");
    else
        cbDiagAdd(d, CB_DIAG_ERROR, path, line, col,
                  "invalid UTF-8 (byte 0x%02X); save the file as UTF-8",
                  (unsigned char)data[i]);
    return CB_ERR;
}

size_t kbCheckKeys(cbDiags *d, const kbJson *j, json_t *obj, const char *ptr,
                   const char *const *known, size_t n) {
    const char *key;
    json_t *val;
    size_t bad = 0;
    json_object_foreach(obj, key, val) {
        size_t i;
        for (i = 0; i < n && strcmp(key, known[i]) != 0; i++) {}
        if (i < n) continue;
        char p[700];
        snprintf(p, sizeof(p), "%s/", ptr);
        jlocEscape(p, sizeof(p), key);
        const char *near = kbClosest(key, known, n);
        if (near)
            kbDiagAt(d, CB_DIAG_ERROR, j, p, 1, "unknown field '%s'; did you mean '%s'?", key, near);
        else
            kbDiagAt(d, CB_DIAG_ERROR, j, p, 1, "unknown field '%s' (known fields: %s%s%s%s)", key,
                     known[0], n > 1 ? ", " : "", n > 1 ? known[1] : "", n > 2 ? ", ..." : "");
        bad++;
    }
    return bad;
}

/* "empty" and placeholder checks shared by strings. */
static int kbStrOk(cbDiags *d, const kbJson *j, const char *p, const char *name,
                   const char *s) {
    const char *t = s;
    while (*t == ' ' || *t == '\t' || *t == '\n' || *t == '\r') t++;
    if (!*t) {
        kbDiagAt(d, CB_DIAG_ERROR, j, p, 0, "'%s' is empty; write some text or remove it", name);
        return CB_ERR;
    }
    if (strstr(s, KB_PLACEHOLDER)) {
        kbDiagAt(d, CB_DIAG_ERROR, j, p, 0,
                 "'%s' still has the template text from 'kb new'; replace it", name);
        return CB_ERR;
    }
    return CB_OK;
}

/* What to do when YAML read a value meant as text as something else: a
 * number, true/no, or (an unquoted ": " inside) a field. "" for JSON. */
static const char *kbYamlTextHint(const kbJson *j, json_t *v) {
    if (!j->map) return "";
    if (json_is_number(v) || json_is_boolean(v)) return "; put it in quotes to make it text";
    if (json_is_object(v))
        return "; a ': ' inside makes YAML read it as a field: put the whole text in single "
               "quotes";
    return "";
}

int kbGetStr(cbDiags *d, const kbJson *j, json_t *obj, const char *ptr, const char *key,
             int required, char **out) {
    *out = NULL;
    json_t *v = json_object_get(obj, key);
    char p[256];
    snprintf(p, sizeof(p), "%s/%s", ptr, key);
    if (!v) {
        if (!required) return CB_OK;
        kbDiagAt(d, CB_DIAG_ERROR, j, ptr, 0, "missing required field '%s'", key);
        return CB_ERR;
    }
    if (!json_is_string(v)) {
        kbDiagAt(d, CB_DIAG_ERROR, j, p, 0, "'%s' must be %s, got %s%s", key,
                 j->map ? "a text" : "a string", kbTypeNameIn(j, v),
                 j->map && json_is_null(v) ? ": write the text after the ':' or remove the line"
                                           : kbYamlTextHint(j, v));
        return CB_ERR;
    }
    if (kbStrOk(d, j, p, key, json_string_value(v)) != CB_OK) return CB_ERR;
    *out = cbStrdup(json_string_value(v));
    return CB_OK;
}

int kbGetStrs(cbDiags *d, const kbJson *j, json_t *obj, const char *key, kbStrs *out) {
    return kbGetStrsAt(d, j, obj, "", key, out);
}

int kbGetStrsAt(cbDiags *d, const kbJson *j, json_t *obj, const char *ptr, const char *key,
                kbStrs *out) {
    out->v = NULL;
    out->n = 0;
    json_t *v = json_object_get(obj, key);
    char p[256];
    snprintf(p, sizeof(p), "%s/%s", ptr, key);
    if (!v) return CB_OK;
    if (!json_is_array(v)) {
        kbDiagAt(d, CB_DIAG_ERROR, j, p, 0, "'%s' must be %s, got %s", key,
                 j->map ? "a list ('- item' lines, or [a, b]; [] for none)"
                        : "an array of strings",
                 kbTypeNameIn(j, v));
        return CB_ERR;
    }
    int rc = CB_OK;
    size_t n = json_array_size(v);
    if (n > KB_MAX_ITEMS) {
        kbDiagAt(d, CB_DIAG_ERROR, j, p, 0, "'%s' has %zu items; the limit is %d", key, n,
                 KB_MAX_ITEMS);
        return CB_ERR;
    }
    out->v = cbCalloc(n ? n : 1, sizeof(char *));
    for (size_t i = 0; i < n; i++) {
        json_t *s = json_array_get(v, i);
        char pi[300];
        jlocIndex(pi, sizeof(pi), p, i);
        if (!json_is_string(s)) {
            kbDiagAt(d, CB_DIAG_ERROR, j, pi, 0,
                     "'%s' must be %s, but item %zu is %s%s", key,
                     j->map ? "a list of texts" : "an array of strings", i + 1,
                     kbTypeNameIn(j, s), kbYamlTextHint(j, s));
            rc = CB_ERR;
        } else if (kbStrOk(d, j, pi, key, json_string_value(s)) != CB_OK) {
            rc = CB_ERR;
        } else {
            out->v[out->n++] = cbStrdup(json_string_value(s));
        }
    }
    if (rc != CB_OK) kbStrsFree(out);
    return rc;
}

void kbStrsFree(kbStrs *s) {
    for (size_t i = 0; i < s->n; i++) free(s->v[i]);
    free(s->v);
    s->v = NULL;
    s->n = 0;
}
