/* buf.c - bounded growable buffers (see buf.h). */
#include "base/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/common.h"

void bufInit(cbBuf *b, size_t max) {
    b->p = NULL;
    b->len = b->cap = 0;
    b->max = max;
}

int bufAppend(cbBuf *b, const void *data, size_t n) {
    if (n > b->max || b->len > b->max - n) return CB_ERR;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n + 1) cap *= 2;
        b->p = cbRealloc(b->p, cap);
        b->cap = cap;
    }
    if (n) memcpy(b->p + b->len, data, n);
    b->len += n;
    b->p[b->len] = '\0';
    return CB_OK;
}

int bufAppendStr(cbBuf *b, const char *s) {
    return bufAppend(b, s, strlen(s));
}

int bufPrintf(cbBuf *b, const char *fmt, ...) {
    char small[256];
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);
    int rc;
    if (n < 0) {
        rc = CB_ERR;
    } else if ((size_t)n < sizeof(small)) {
        rc = bufAppend(b, small, (size_t)n);
    } else {
        char *big = cbMalloc((size_t)n + 1);
        vsnprintf(big, (size_t)n + 1, fmt, ap2);
        rc = bufAppend(b, big, (size_t)n);
        free(big);
    }
    va_end(ap2);
    return rc;
}

const char *bufStr(const cbBuf *b) {
    return b->p ? b->p : "";
}

char *bufDetach(cbBuf *b) {
    char *p = b->p ? b->p : cbStrdup("");
    b->p = NULL;
    b->len = b->cap = 0;
    return p;
}

void bufReset(cbBuf *b) {
    b->len = 0;
    if (b->p) b->p[0] = '\0';
}

void bufFree(cbBuf *b) {
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}
