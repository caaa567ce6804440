/* jsonloc.c - map JSON pointers to positions in raw JSON text (see
 * jsonloc.h). Every loop advances through the text, so the work is bounded
 * by its length; nothing is allocated. */
#include "base/jsonloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/common.h"

#define JLOC_MAX_TOKEN 512

static size_t jlWs(const char *s, size_t len, size_t i) {
    while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) i++;
    return i;
}

static int jlHex4(const char *s, size_t len, size_t i, unsigned *out) {
    if (i + 4 > len) return CB_ERR;
    unsigned v = 0;
    for (size_t k = i; k < i + 4; k++) {
        char c = s[k];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
        else return CB_ERR;
    }
    *out = v;
    return CB_OK;
}

/* Decode one character of a string literal at *i (not the closing quote)
 * into o (4 bytes); *n = decoded bytes; *i moves past it. */
static int jlDecodeChar(const char *s, size_t len, size_t *i, char *o, size_t *n) {
    size_t p = *i;
    if (p >= len) return CB_ERR;
    if (s[p] != '\\') {
        o[0] = s[p];
        *n = 1;
        *i = p + 1;
        return CB_OK;
    }
    if (p + 1 >= len) return CB_ERR;
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    const char *hit = strchr(from, s[p + 1]);
    if (hit && s[p + 1]) {
        o[0] = to[hit - from];
        *n = 1;
        *i = p + 2;
        return CB_OK;
    }
    unsigned cp, lo;
    if (s[p + 1] != 'u' || jlHex4(s, len, p + 2, &cp) != CB_OK) return CB_ERR;
    p += 6;
    if (cp >= 0xD800 && cp <= 0xDBFF && p + 1 < len && s[p] == '\\' && s[p + 1] == 'u' &&
        jlHex4(s, len, p + 2, &lo) == CB_OK && lo >= 0xDC00 && lo <= 0xDFFF) {
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        p += 6;
    }
    *n = cbUtf8Encode(cp, o);
    *i = p;
    return CB_OK;
}

/* Skip the string literal at i; *end = just past the closing quote. */
static int jlSkipString(const char *s, size_t len, size_t i, size_t *end) {
    if (i >= len || s[i] != '"') return CB_ERR;
    for (i++; i < len; i++) {
        if (s[i] == '\\') i++;
        else if (s[i] == '"') {
            *end = i + 1;
            return CB_OK;
        }
    }
    return CB_ERR;
}

/* Skip any value at i (containers by counting brackets). */
static int jlSkipValue(const char *s, size_t len, size_t i, size_t *end) {
    if (i >= len) return CB_ERR;
    if (s[i] == '"') return jlSkipString(s, len, i, end);
    if (s[i] != '{' && s[i] != '[') {
        size_t k = i;
        while (k < len && strchr("+-.0123456789abcdefghijklmnopqrstuvwxyzE", s[k]) && s[k]) k++;
        if (k == i) return CB_ERR;
        *end = k;
        return CB_OK;
    }
    size_t depth = 0;
    while (i < len) {
        char c = s[i];
        if (c == '"') {
            if (jlSkipString(s, len, i, &i) != CB_OK) return CB_ERR;
            continue;
        }
        if (c == '{' || c == '[') depth++;
        if (c == '}' || c == ']') {
            if (--depth == 0) {
                *end = i + 1;
                return CB_OK;
            }
        }
        i++;
    }
    return CB_ERR;
}

/* 1 if the key literal at i decodes to exactly tok. */
static int jlKeyIs(const char *s, size_t len, size_t i, const char *tok, size_t toklen) {
    char buf[JLOC_MAX_TOKEN + 4] = {0};
    size_t n = 0, k = i + 1;
    while (k < len && s[k] != '"') {
        size_t m;
        if (n > JLOC_MAX_TOKEN || jlDecodeChar(s, len, &k, buf + n, &m) != CB_OK) return 0;
        n += m;
    }
    return n == toklen && memcmp(buf, tok, n) == 0;
}

/* Within the object at i, find member tok: *key = its key, *val = value. */
static int jlMember(const char *s, size_t len, size_t i, const char *tok, size_t toklen,
                    size_t *key, size_t *val) {
    i = jlWs(s, len, i + 1);
    while (i < len && s[i] == '"') {
        size_t k = i, v;
        if (jlSkipString(s, len, k, &v) != CB_OK) return CB_ERR;
        v = jlWs(s, len, v);
        if (v >= len || s[v] != ':') return CB_ERR;
        v = jlWs(s, len, v + 1);
        if (jlKeyIs(s, len, k, tok, toklen)) {
            *key = k;
            *val = v;
            return CB_OK;
        }
        if (jlSkipValue(s, len, v, &i) != CB_OK) return CB_ERR;
        i = jlWs(s, len, i);
        if (i >= len || s[i] != ',') return CB_ERR;
        i = jlWs(s, len, i + 1);
    }
    return CB_ERR;
}

/* Within the array at i, find element number idx. */
static int jlElement(const char *s, size_t len, size_t i, unsigned long idx, size_t *val) {
    i = jlWs(s, len, i + 1);
    if (i < len && s[i] == ']') return CB_ERR;
    for (unsigned long n = 0; i < len; n++) {
        if (n == idx) {
            *val = i;
            return CB_OK;
        }
        if (jlSkipValue(s, len, i, &i) != CB_OK) return CB_ERR;
        i = jlWs(s, len, i);
        if (i >= len || s[i] != ',') return CB_ERR;
        i = jlWs(s, len, i + 1);
    }
    return CB_ERR;
}

/* Next pointer token from *p, unescaped into tok; CB_ERR if too long. */
static int jlToken(const char **p, char *tok, size_t *toklen) {
    const char *q = *p + 1; /* skip '/' */
    size_t n = 0;
    while (*q && *q != '/') {
        if (n >= JLOC_MAX_TOKEN) return CB_ERR;
        if (q[0] == '~' && (q[1] == '0' || q[1] == '1')) {
            tok[n++] = q[1] == '0' ? '~' : '/';
            q += 2;
        } else {
            tok[n++] = *q++;
        }
    }
    tok[n] = '\0';
    *toklen = n;
    *p = q;
    return CB_OK;
}

int jlocFind(const char *text, size_t len, const char *ptr, int key, size_t *off) {
    size_t i = jlWs(text, len, 0), keypos = 0;
    int depth = 0;
    char tok[JLOC_MAX_TOKEN + 1];
    while (*ptr) {
        size_t toklen;
        if (*ptr != '/' || ++depth > JLOC_MAX_DEPTH || jlToken(&ptr, tok, &toklen) != CB_OK)
            return CB_ERR;
        if (i >= len) return CB_ERR;
        if (text[i] == '{') {
            if (jlMember(text, len, i, tok, toklen, &keypos, &i) != CB_OK) return CB_ERR;
            continue;
        }
        char *endp;
        unsigned long idx = strtoul(tok, &endp, 10);
        if (text[i] != '[' || !toklen || *endp || (tok[0] == '0' && toklen > 1)) return CB_ERR;
        if (jlElement(text, len, i, idx, &i) != CB_OK) return CB_ERR;
        keypos = 0;
    }
    if (key && keypos == 0) return CB_ERR;
    *off = key ? keypos : i;
    return CB_OK;
}

void jlocIndex(char *dst, size_t cap, const char *ptr, size_t index) {
    if (!cap) return;
    char digits[24];
    size_t nd = 0;
    do {
        digits[nd++] = (char)('0' + index % 10);
        index /= 10;
    } while (index);
    size_t o = 0;
    for (; *ptr && o + 1 < cap; ptr++) dst[o++] = *ptr;
    if (o + 1 < cap) dst[o++] = '/';
    while (nd && o + 1 < cap) dst[o++] = digits[--nd];
    dst[o] = '\0';
}

void jlocLineCol(const char *text, size_t len, size_t off, int *line, int *col) {
    int l = 1, c = 1;
    if (off > len) off = len;
    size_t from = 0; /* the start of off's line: lines are counted with memchr */
    for (const char *nl; (nl = memchr(text + from, '\n', off - from)) != NULL; l++)
        from = (size_t)(nl - text) + 1;
    for (size_t i = from; i < off; i++) c += ((unsigned char)text[i] & 0xC0) != 0x80;
    *line = l;
    *col = c;
}

int jlocStringByte(const char *text, size_t len, size_t off, size_t index, size_t *out) {
    if (off >= len || text[off] != '"') return CB_ERR;
    size_t i = off + 1, decoded = 0;
    while (i < len) {
        if (text[i] == '"') {
            if (index != decoded) return CB_ERR;
            *out = i;
            return CB_OK;
        }
        size_t start = i, n;
        char o[4];
        if (jlDecodeChar(text, len, &i, o, &n) != CB_OK) return CB_ERR;
        if (index < decoded + n) {
            *out = start;
            return CB_OK;
        }
        decoded += n;
    }
    return CB_ERR;
}

void jlocEscape(char *dst, size_t cap, const char *token) {
    size_t n = strlen(dst);
    for (; *token && n + 3 < cap; token++) {
        if (*token == '~' || *token == '/') {
            dst[n++] = '~';
            dst[n++] = *token == '~' ? '0' : '1';
        } else {
            dst[n++] = *token;
        }
    }
    if (n < cap) dst[n] = '\0';
}
