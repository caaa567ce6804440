/* jsonpick.c - a one-pass JSON reader that checks everything as jansson's
 * json_loadb does and builds jansson values only for wanted keys (see
 * jsonpick.h for why). Skipped values are scanned, never copied; kept
 * strings are decoded into one growing scratch buffer. */
#include "base/jsonpick.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/common.h"

#define JPICK_MAX_DEPTH 2048 /* jansson's JSON_PARSER_MAX_DEPTH */

typedef struct {
    const unsigned char *start, *p, *end;
    size_t depth;
    char *buf; /* a kept string or key, decoded */
    size_t len, cap;
    char *err;
} jpState;

static int jpFail(jpState *s, const char *what) {
    snprintf(s->err, CB_ERRLEN, "%s at byte %zu", what, (size_t)(s->p - s->start));
    return CB_ERR;
}

static void jpWs(jpState *s) {
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\n' || *s->p == '\r' || *s->p == '\t'))
        s->p++;
}

static void jpPut(jpState *s, const void *b, size_t n) {
    if (s->len + n + 1 > s->cap) {
        s->cap = (s->len + n + 1) * 2;
        s->buf = cbRealloc(s->buf, s->cap);
    }
    memcpy(s->buf + s->len, b, n);
    s->len += n;
}

/* The multi-byte UTF-8 character at s->p, as jansson's utf8_check_full
 * takes it (no overlong forms, surrogates or code points past U+10FFFF);
 * its length, or 0. */
static size_t jpUtf8(const jpState *s) {
    const unsigned char *u = s->p;
    unsigned c = u[0];
    size_t n = c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
    if (!n || (size_t)(s->end - u) < n) return 0;
    uint32_t v = c & (0xFF >> (n + 1));
    for (size_t i = 1; i < n; i++) {
        if ((u[i] & 0xC0) != 0x80) return 0;
        v = (v << 6) | (u[i] & 0x3F);
    }
    if ((n == 3 && v < 0x800) || (n == 4 && v < 0x10000) || v > 0x10FFFF ||
        (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    return n;
}

static int jpHex4(const unsigned char *p, uint32_t *v) {
    *v = 0;
    for (int i = 0; i < 4; i++) {
        unsigned c = p[i], d = c >= '0' && c <= '9'   ? c - '0'
                               : c >= 'a' && c <= 'f' ? c - 'a' + 10
                               : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                                      : 16;
        if (d == 16) return CB_ERR;
        *v = (*v << 4) | d;
    }
    return CB_OK;
}

static void jpPutCode(jpState *s, uint32_t v) {
    unsigned char u[4];
    size_t n;
    if (v < 0x80) u[0] = (unsigned char)v, n = 1;
    else if (v < 0x800) u[0] = (unsigned char)(0xC0 | (v >> 6)), n = 2;
    else if (v < 0x10000) u[0] = (unsigned char)(0xE0 | (v >> 12)), n = 3;
    else u[0] = (unsigned char)(0xF0 | (v >> 18)), n = 4;
    for (size_t i = 1; i < n; i++) u[i] = (unsigned char)(0x80 | ((v >> (6 * (n - 1 - i))) & 0x3F));
    jpPut(s, u, n);
}

/* \uXXXX at s->p (at the 'u'), with its low surrogate when it is a high one. */
static int jpUnicode(jpState *s, int keep) {
    uint32_t v, lo;
    if (s->end - s->p < 5 || jpHex4(s->p + 1, &v) != CB_OK) return jpFail(s, "invalid escape");
    s->p += 5;
    if (v >= 0xDC00 && v <= 0xDFFF) return jpFail(s, "invalid Unicode (lone low surrogate)");
    if (v >= 0xD800 && v <= 0xDBFF) {
        if (s->end - s->p < 6 || s->p[0] != '\\' || s->p[1] != 'u' ||
            jpHex4(s->p + 2, &lo) != CB_OK || lo < 0xDC00 || lo > 0xDFFF)
            return jpFail(s, "invalid Unicode (high surrogate without a low one)");
        s->p += 6;
        v = ((v - 0xD800) << 10) + (lo - 0xDC00) + 0x10000;
    }
    if (v == 0) return jpFail(s, "\\u0000 is not allowed");
    if (keep) jpPutCode(s, v);
    return CB_OK;
}

static int jpEscape(jpState *s, int keep) {
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    s->p++; /* the backslash */
    if (s->p >= s->end) return jpFail(s, "premature end of input");
    if (*s->p == 'u') return jpUnicode(s, keep);
    const char *k = *s->p ? strchr(from, *s->p) : NULL;
    if (!k) return jpFail(s, "invalid escape");
    if (keep) jpPut(s, &to[k - from], 1);
    s->p++;
    return CB_OK;
}

/* The string whose opening quote is at s->p; kept: decoded into s->buf
 * from s->len on (the caller sets s->len). */
static int jpString(jpState *s, int keep) {
    s->p++;
    for (;;) {
        const unsigned char *run = s->p;
        while (s->p < s->end && *s->p >= 0x20 && *s->p < 0x80 && *s->p != '"' && *s->p != '\\') s->p++;
        if (keep && s->p > run) jpPut(s, run, (size_t)(s->p - run));
        if (s->p >= s->end) return jpFail(s, "premature end of input in a string");
        unsigned c = *s->p;
        if (c == '"') {
            s->p++;
            return CB_OK;
        }
        if (c == '\\') {
            if (jpEscape(s, keep) != CB_OK) return CB_ERR;
        } else if (c < 0x20) {
            return jpFail(s, "control character in a string");
        } else {
            size_t n = jpUtf8(s);
            if (!n) return jpFail(s, "invalid UTF-8");
            if (keep) jpPut(s, s->p, n);
            s->p += n;
        }
    }
}

static int jpDigits(jpState *s) {
    const unsigned char *d = s->p;
    while (s->p < s->end && *s->p >= '0' && *s->p <= '9') s->p++;
    return s->p > d;
}

/* A number as jansson lexes it: overflow is an error; *out when kept. */
static int jpNumber(jpState *s, int keep, json_t **out) {
    const unsigned char *n0 = s->p;
    if (*s->p == '-') s->p++;
    if (s->p < s->end && *s->p == '0') {
        s->p++;
        if (s->p < s->end && *s->p >= '0' && *s->p <= '9') return jpFail(s, "invalid number");
    } else if (!jpDigits(s)) {
        return jpFail(s, "invalid number");
    }
    int real = 0;
    if (s->p < s->end && *s->p == '.') {
        s->p++, real = 1;
        if (!jpDigits(s)) return jpFail(s, "invalid number");
    }
    if (s->p < s->end && (*s->p == 'e' || *s->p == 'E')) {
        s->p++, real = 1;
        if (s->p < s->end && (*s->p == '+' || *s->p == '-')) s->p++;
        if (!jpDigits(s)) return jpFail(s, "invalid number");
    }
    size_t n = (size_t)(s->p - n0);
    if (!real && n < 19 && !keep) return CB_OK; /* fits in a long long */
    char small[64], *txt = n < sizeof(small) ? small : cbMalloc(n + 1);
    memcpy(txt, n0, n);
    txt[n] = '\0';
    errno = 0;
    long long i = real ? 0 : strtoll(txt, NULL, 10);
    double d = real ? strtod(txt, NULL) : 0;
    int over = errno == ERANGE && (!real || isinf(d));
    if (txt != small) free(txt);
    if (over) return jpFail(s, real ? "real number overflow" : "too big integer");
    if (keep) *out = real ? json_real(d) : json_integer(i);
    return CB_OK;
}

static int jpLiteral(jpState *s, int keep, json_t **out) {
    const unsigned char *w = s->p;
    while (s->p < s->end && ((*s->p | 0x20) >= 'a' && (*s->p | 0x20) <= 'z')) s->p++;
    size_t n = (size_t)(s->p - w);
    json_t *v = n == 4 && memcmp(w, "true", 4) == 0    ? json_true()
                : n == 5 && memcmp(w, "false", 5) == 0 ? json_false()
                : n == 4 && memcmp(w, "null", 4) == 0  ? json_null()
                                                       : NULL;
    if (!v) {
        s->p = w;
        return jpFail(s, "invalid token");
    }
    if (keep) *out = v;
    return CB_OK;
}

static int jpValue(jpState *s, const jpickKey *want, int keep, json_t **out);

/* want's entry for key s->buf[0..len), or NULL. */
static const jpickKey *jpWanted(const jpickKey *want, const char *key, size_t len) {
    for (; want->key; want++)
        if (strncmp(want->key, key, len) == 0 && want->key[len] == '\0') return want;
    return NULL;
}

/* One "key": value member of an object being kept (obj) or skipped. */
static int jpMember(jpState *s, const jpickKey *want, json_t *obj) {
    if (s->p >= s->end || *s->p != '"') return jpFail(s, "string or '}' expected");
    s->len = 0;
    if (jpString(s, obj != NULL) != CB_OK) return CB_ERR;
    const jpickKey *w = obj && want ? jpWanted(want, s->buf ? s->buf : "", s->len) : NULL;
    int keep = obj && (!want || w);
    char small[64], *key = NULL;
    size_t klen = s->len;
    if (keep) {
        key = klen < sizeof(small) ? small : cbMalloc(klen + 1);
        memcpy(key, s->buf ? s->buf : "", klen);
        key[klen] = '\0';
    }
    jpWs(s);
    json_t *v = NULL;
    int rc = CB_ERR;
    if (s->p >= s->end || *s->p != ':') jpFail(s, "':' expected");
    else {
        s->p++;
        jpWs(s);
        rc = jpValue(s, w ? w->sub : NULL, keep, &v);
    }
    if (rc == CB_OK && keep) json_object_setn_new_nocheck(obj, key, klen, v);
    if (key != small) free(key);
    return rc;
}

static int jpObject(jpState *s, const jpickKey *want, int keep, json_t **out) {
    json_t *obj = keep ? json_object() : NULL;
    s->p++;
    jpWs(s);
    if (s->p < s->end && *s->p == '}') {
        s->p++;
        if (keep) *out = obj;
        return CB_OK;
    }
    for (;;) {
        if (jpMember(s, want, obj) != CB_OK) break;
        jpWs(s);
        if (s->p < s->end && *s->p == ',') {
            s->p++;
            jpWs(s);
            continue;
        }
        if (s->p < s->end && *s->p == '}') {
            s->p++;
            if (keep) *out = obj;
            return CB_OK;
        }
        jpFail(s, "'}' expected");
        break;
    }
    json_decref(obj);
    return CB_ERR;
}

static int jpArray(jpState *s, int keep, json_t **out) {
    json_t *arr = keep ? json_array() : NULL;
    s->p++;
    jpWs(s);
    if (s->p < s->end && *s->p == ']') {
        s->p++;
        if (keep) *out = arr;
        return CB_OK;
    }
    for (;;) {
        json_t *v = NULL;
        if (jpValue(s, NULL, keep, &v) != CB_OK) break;
        if (keep) json_array_append_new(arr, v);
        jpWs(s);
        if (s->p < s->end && *s->p == ',') {
            s->p++;
            jpWs(s);
            continue;
        }
        if (s->p < s->end && *s->p == ']') {
            s->p++;
            if (keep) *out = arr;
            return CB_OK;
        }
        jpFail(s, "']' expected");
        break;
    }
    json_decref(arr);
    return CB_ERR;
}

static int jpStringValue(jpState *s, int keep, json_t **out) {
    s->len = 0;
    if (jpString(s, keep) != CB_OK) return CB_ERR;
    if (keep) *out = json_stringn_nocheck(s->buf ? s->buf : "", s->len);
    return CB_OK;
}

static int jpValue(jpState *s, const jpickKey *want, int keep, json_t **out) {
    if (++s->depth > JPICK_MAX_DEPTH) return jpFail(s, "maximum parsing depth reached");
    if (s->p >= s->end) return jpFail(s, "premature end of input");
    unsigned c = *s->p;
    int rc = c == '{'                               ? jpObject(s, want, keep, out)
             : c == '['                             ? jpArray(s, keep, out)
             : c == '"'                             ? jpStringValue(s, keep, out)
             : c == '-' || (c >= '0' && c <= '9')   ? jpNumber(s, keep, out)
             : (c | 0x20) >= 'a' && (c | 0x20) <= 'z' ? jpLiteral(s, keep, out)
                                                    : jpFail(s, "invalid token");
    s->depth--;
    return rc;
}

json_t *jpickLoad(const char *data, size_t len, const jpickKey *want, char *err) {
    jpState s = {.start = (const unsigned char *)data, .p = (const unsigned char *)data,
                 .end = (const unsigned char *)data + len, .err = err};
    json_t *v = NULL;
    jpWs(&s);
    if (s.p >= s.end || (*s.p != '{' && *s.p != '[')) jpFail(&s, "'[' or '{' expected");
    else if (jpValue(&s, want, 1, &v) == CB_OK) {
        jpWs(&s);
        if (s.p < s.end) {
            jpFail(&s, "end of input expected");
            json_decref(v);
            v = NULL;
        }
    }
    free(s.buf);
    return v;
}
