/* asking.c - the part of a message that asks (see asking.h). A byte scan:
 * the separators are ASCII, so UTF-8 sequences are never cut. */
#include "match/asking.h"

#include <stdlib.h>
#include <string.h>

#include "base/common.h"

typedef struct span {
    size_t at, len;
} span;

static int isBlank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

/* s[at..at+len) without the white space around it. */
static span trimmed(const char *s, size_t at, size_t len) {
    while (len && isBlank(s[at])) at++, len--;
    while (len && isBlank(s[at + len - 1])) len--;
    return (span){at, len};
}

static int isAsciiLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

/* Does the word ending at s[i] (a '.') spell initials, as "e.g.", "i.e."
 * and "U.S." do: two or more letter-dot pairs that start the word? Those
 * end no sentence. */
static int endsInitials(const char *s, size_t from, size_t i) {
    size_t pairs = 0, k = i + 1; /* the pairs seen cover s[k..i] */
    while (k >= from + 2 && s[k - 1] == '.' && isAsciiLetter(s[k - 2])) pairs++, k -= 2;
    return pairs >= 2 && (k == from || isBlank(s[k - 1]));
}

/* The end of the sentence starting at `at`: one past its closing mark, or
 * the line break or end of text that stops it. */
static size_t sentenceEnd(const char *s, size_t len, size_t at) {
    for (size_t i = at; i < len; i++) {
        if (s[i] == '\n') return i;
        int mark = s[i] == '!' || s[i] == '?' || (s[i] == '.' && !endsInitials(s, at, i));
        if (mark && (i + 1 == len || isBlank(s[i + 1]))) return i + 1;
    }
    return len;
}

static int asks(const char *s, span sp) { return memchr(s + sp.at, '?', sp.len) != NULL; }

/* Append sentence sp to out (a space between sentences). */
static void append(char *out, size_t *n, const char *s, span sp) {
    if (*n) out[(*n)++] = ' ';
    memcpy(out + *n, s + sp.at, sp.len);
    *n += sp.len;
}

size_t askingSentences(const char *s, size_t len, size_t *at, size_t *n, size_t max) {
    size_t k = 0;
    for (size_t i = 0; i < len && k < max;) {
        size_t end = sentenceEnd(s, len, i);
        span sp = trimmed(s, i, end - i);
        i = end < len && s[end] == '\n' ? end + 1 : end;
        if (sp.len && asks(s, sp)) at[k] = sp.at, n[k] = sp.len, k++;
    }
    return k;
}

char *askingPart(const char *s, size_t len, size_t *outlen) {
    *outlen = 0;
    char *out = cbMalloc(len + 1);
    size_t n = 0, nsent = 0, nasked = 0;
    span last = {0, 0};
    for (size_t at = 0; at < len;) {
        size_t end = sentenceEnd(s, len, at);
        span sp = trimmed(s, at, end - at);
        at = end < len && s[end] == '\n' ? end + 1 : end;
        if (!sp.len) continue;
        nsent++;
        last = sp;
        if (asks(s, sp)) append(out, &n, s, sp), nasked++;
    }
    if (!nasked && last.len) append(out, &n, s, last);
    if (nsent < 2 || (nasked == nsent) || !n) { /* the whole message, or nothing */
        free(out);
        return NULL;
    }
    out[n] = '\0';
    *outlen = n;
    return out;
}
