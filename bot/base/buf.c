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

/* ---- JSON text, byte for byte as jansson's json_dumps(JSON_COMPACT) ---- */

int bufJsonStr(cbBuf *b, const char *s) {
    static const char hex[] = "0123456789ABCDEF";
    if (bufAppend(b, "\"", 1) != CB_OK) return CB_ERR;
    const char *run = s;
    for (const char *p = s;; p++) {
        unsigned char c = (unsigned char)*p;
        if (c && c >= 0x20 && c != '"' && c != '\\') continue;
        if (bufAppend(b, run, (size_t)(p - run)) != CB_OK) return CB_ERR;
        if (!c) break;
        char esc[7] = {'\\', 0};
        size_t n = 2;
        switch (c) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '\b': esc[1] = 'b'; break;
        case '\f': esc[1] = 'f'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        default:
            memcpy(esc + 1, "u00", 3);
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            n = 6;
        }
        if (bufAppend(b, esc, n) != CB_OK) return CB_ERR;
        run = p + 1;
    }
    return bufAppend(b, "\"", 1);
}

int bufJsonReal(cbBuf *b, double v) {
    char s[64];
    snprintf(s, sizeof s, "%.17g", v);
    if (!strchr(s, '.') && !strchr(s, 'e') && strlen(s) + 2 < sizeof s) strcat(s, ".0");
    char *e = strchr(s, 'e'); /* "1e+05" -> "1e5", "1e-05" -> "1e-5" */
    if (e) {
        char *start = e + 1, *end = e + 2;
        if (*start == '-') start++;
        while (*end == '0') end++;
        if (end != start) memmove(start, end, strlen(end) + 1);
    }
    return bufAppendStr(b, s);
}
