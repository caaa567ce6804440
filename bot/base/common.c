/* common.c - error messages, aborting allocators, clocks and UTF-8
 * validation shared by every module (see common.h). */
#include "base/common.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <ctype.h>
#include <utf8proc.h>

int cbErr(char *err, const char *fmt, ...) {
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, CB_ERRLEN, fmt, ap);
        va_end(ap);
    }
    return CB_ERR;
}

static _Noreturn void cbOom(size_t n) {
    fprintf(stderr, "careerbot: out of memory allocating %zu bytes\n", n);
    abort();
}

void *cbMalloc(size_t n) {
    void *p = malloc(n ? n : 1);
    if (!p) cbOom(n);
    return p;
}

void *cbCalloc(size_t n, size_t size) {
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p) cbOom(n * size);
    return p;
}

/* Large arrays (a model's weights: 7-14 MB) in transparent huge pages
 * where the kernel offers them (madvise mode): a page fault per 2 MiB
 * instead of per 4 KiB. On a virtual machine a fault costs ~10 us, and the
 * weights' 1,700 faults were a fifth of a start-up. Freed with free(). */
void *cbCallocLarge(size_t n, size_t size) {
    if (size && n > SIZE_MAX / size) cbOom(SIZE_MAX); /* as calloc refuses it */
    size_t bytes = (n ? n : 1) * (size ? size : 1);
    if (bytes < 2 * CB_HUGE_PAGE) return cbCalloc(n, size);
    size_t whole = (bytes + CB_HUGE_PAGE - 1) / CB_HUGE_PAGE * CB_HUGE_PAGE;
    void *p = aligned_alloc(CB_HUGE_PAGE, whole);
    if (!p) cbOom(whole);
    (void)madvise(p, whole, MADV_HUGEPAGE); /* a hint: without it, small pages */
    memset(p, 0, bytes);
    return p;
}

void *cbRealloc(void *p, size_t n) {
    void *q = realloc(p, n ? n : 1);
    if (!q) cbOom(n);
    return q;
}

char *cbStrdup(const char *s) {
    return s ? cbStrndup(s, strlen(s)) : NULL;
}

char *cbStrndup(const char *s, size_t n) {
    char *d = cbMalloc(n + 1);
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

char *cbConcat(const char *a, const char *b) {
    size_t na = strlen(a), nb = strlen(b);
    char *d = cbMalloc(na + nb + 1);
    memcpy(d, a, na + 1);
    memcpy(d + na, b, nb + 1);
    return d;
}

char *cbSprintf(const char *fmt, ...) {
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    assert(n >= 0);
    char *s = cbMalloc((size_t)n + 1);
    vsnprintf(s, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    return s;
}

double cbNowMs(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

double cbCpuMs(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

double cbNowUs(void) {
    return cbNowMs() * 1e3;
}

long long cbWallTime(void) {
    return (long long)time(NULL);
}

/* Length of the UTF-8 sequence starting with byte c, 0 if c cannot start one. */
static int utf8SeqLen(unsigned char c) {
    if (c < 0x80) return 1;
    if (c >= 0xC2 && c <= 0xDF) return 2;
    if (c >= 0xE0 && c <= 0xEF) return 3;
    if (c >= 0xF0 && c <= 0xF4) return 4;
    return 0;
}

int cbValidUtf8(const char *s, size_t len) {
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        if (p[i] - 1u < 0x7Fu) { /* ASCII but NUL: most of any text */
            i++;
            continue;
        }
        if (p[i] == 0) return 0;
        int n = utf8SeqLen(p[i]);
        if (n == 0 || i + (size_t)n > len) return 0;
        for (int k = 1; k < n; k++)
            if ((p[i + k] & 0xC0) != 0x80) return 0;
        if (n == 3 && p[i] == 0xE0 && p[i + 1] < 0xA0) return 0;  /* overlong */
        if (n == 3 && p[i] == 0xED && p[i + 1] >= 0xA0) return 0; /* surrogate */
        if (n == 4 && p[i] == 0xF0 && p[i + 1] < 0x90) return 0;  /* overlong */
        if (n == 4 && p[i] == 0xF4 && p[i + 1] >= 0x90) return 0; /* > U+10FFFF */
        i += (size_t)n;
    }
    return 1;
}

void cbFreeN(size_t n, ...) {
    va_list ap;
    va_start(ap, n);
    for (size_t i = 0; i < n; i++) free(va_arg(ap, void *));
    va_end(ap);
}

size_t cbUtf8Encode(unsigned long cp, char out[4]) {
    if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
    return (size_t)utf8proc_encode_char((utf8proc_int32_t)cp, (utf8proc_uint8_t *)out);
}

/* Levenshtein distance, ASCII case folded; names over 63 bytes never match. */
static size_t cbDistance(const char *a, size_t la, const char *b) {
    size_t lb = strlen(b);
    if (la > 63 || lb > 63) return (size_t)-1;
    size_t row[64];
    for (size_t j = 0; j <= lb; j++) row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t cost = tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
            size_t best = diag + cost;
            if (up + 1 < best) best = up + 1;
            if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

const char *cbClosestName(const char *s, size_t len, const char *const *names, size_t n) {
    const char *best = NULL;
    size_t bd = (size_t)-1, limit = len / 3 > 2 ? len / 3 : 2;
    for (size_t i = 0; i < n; i++) {
        size_t d = cbDistance(s, len, names[i]);
        if (d < bd) bd = d, best = names[i];
    }
    return bd <= limit ? best : NULL;
}

size_t cbControlLen(const char *s) {
    const unsigned char *u = (const unsigned char *)s;
    if (!u[0]) return 0;
    if (u[0] < 0x20 || u[0] == 0x7F) return 1;
    if (u[0] == 0xC2) return u[1] >= 0x80 && u[1] <= 0x9F ? 2 : 0;
    if (u[0] != 0xE2 || !u[1]) return 0;
    if (u[1] == 0x80 && u[2] >= 0xAA && u[2] <= 0xAE) return 3; /* U+202A..U+202E */
    if (u[1] == 0x81 && u[2] >= 0xA6 && u[2] <= 0xA9) return 3; /* U+2066..U+2069 */
    return 0;
}
