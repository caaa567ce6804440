/* test_kb_util.h - small helpers for the kb tests (test_kb*.c): fixed
 * dates, temporary directories under /tmp, copying and removing trees,
 * writing and reading files. static inline so each test program takes
 * only what it uses. */
#ifndef CB_TEST_KB_UTIL_H
#define CB_TEST_KB_UTIL_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/common.h"

/* Wall time of midnight UTC on YYYY-MM-DD. */
static inline long long ktDay(const char *ymd) {
    struct tm tm = {0};
    if (!strptime(ymd, "%Y-%m-%d", &tm)) abort();
    return (long long)timegm(&tm);
}

static inline char *ktTempDir(void) {
    char *t = cbStrdup("/tmp/careerbot-kbtest-XXXXXX");
    if (!mkdtemp(t)) abort();
    return t;
}

static inline void ktWrite(const char *path, const char *text) {
    FILE *f = fopen(path, "wb");
    if (!f) abort();
    fputs(text, f);
    fclose(f);
}

static inline char *ktRead(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return cbStrdup("");
    char *buf = NULL;
    size_t n = 0, cap = 0, got;
    char chunk[65536];
    while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        if (n + got + 1 > cap) {
            cap = (n + got + 1) * 2;
            buf = cbRealloc(buf, cap);
        }
        memcpy(buf + n, chunk, got);
        n += got;
    }
    fclose(f);
    if (!buf) return cbStrdup("");
    buf[n] = '\0';
    return buf;
}

static inline int ktRmOne(const char *p, const struct stat *st, int flag, struct FTW *f) {
    (void)st;
    (void)flag;
    (void)f;
    return remove(p);
}

static inline void ktRmTree(const char *dir) {
    nftw(dir, ktRmOne, 16, FTW_DEPTH | FTW_PHYS);
}

/* [0] = source root, [1] = destination root, for the nftw callback. */
static inline const char **ktCopyPaths(void) {
    static const char *paths[2];
    return paths;
}

static inline int ktCopyOne(const char *p, const struct stat *st, int flag, struct FTW *f) {
    (void)f;
    char *to = cbSprintf("%s%s", ktCopyPaths()[1], p + strlen(ktCopyPaths()[0]));
    if (flag == FTW_D) {
        mkdir(to, 0755);
    } else if (S_ISREG(st->st_mode)) {
        char *data = ktRead(p);
        ktWrite(to, data);
        free(data);
    }
    free(to);
    return 0;
}

/* Copy the tree src into the existing directory dst (text files only). */
static inline void ktCopyTree(const char *src, const char *dst) {
    ktCopyPaths()[0] = src;
    ktCopyPaths()[1] = dst;
    nftw(src, ktCopyOne, 16, FTW_PHYS);
}

#endif
