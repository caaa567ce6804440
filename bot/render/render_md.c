/* render_md.c - the small Markdown dialect of our answers (paragraphs,
 * "#" headings, "-"/"*" bullets, numbered lists, fenced code, **bold**,
 * *italic* or _italic_, `code`, [text](url), <url>) converted to Slack mrkdwn
 * or to terminal text. Hand-written: Debian's Markdown libraries render
 * HTML (discount) or would add a dependency outside the project's list just
 * to walk an AST (cmark), and our dialect is small.
 *
 * This file renders the spans (inline syntax); render_md_block.c splits
 * blocks, joins a paragraph's lines and calls mdInline(). Unterminated
 * markers stay literal; spans nest at most MD_MAX_DEPTH deep and every
 * search for a closing marker is charged to a budget proportional to the
 * input, so hostile text costs linear time and bounded stack. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "base/common.h"
#include "render/render_md.h"

#define MD_MAX_DEPTH 8
#define MD_MAX_SPAN 8192 /* bytes searched for a closing marker */

#define ANSI_BOLD "\x1b[1m"
#define ANSI_BOLD_OFF "\x1b[22m"
#define ANSI_ITALIC "\x1b[3m"
#define ANSI_ITALIC_OFF "\x1b[23m"
#define ANSI_CODE "\x1b[36m"
#define ANSI_CODE_OFF "\x1b[39m"

/* 1 when s[0..n) starts with p and has more after it. */
static int mdStarts(const char *s, size_t n, const char *p) {
    size_t k = strlen(p);
    return n > k && memcmp(s, p, k) == 0;
}

static int mdAlnum(unsigned char c) {
    return isalnum(c) || c >= 0x80;
}

void mdText(mdOut *o, const char *s, size_t n) {
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (o->mrkdwn && c == '&') bufAppendStr(o->b, "&amp;");
        else if (o->mrkdwn && c == '<') bufAppendStr(o->b, "&lt;");
        else if (o->mrkdwn && c == '>') bufAppendStr(o->b, "&gt;");
        else if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7F) continue; /* no ESC etc. */
        else bufAppend(o->b, s + i, 1);
    }
}

void mdRaw(mdOut *o, const char *s) {
    bufAppendStr(o->b, s);
}

static void mdStyle(mdOut *o, int bold, int on) {
    if (o->mrkdwn) {
        if (!o->no_marks) mdRaw(o, bold ? "*" : "_");
        return;
    }
    int *depth = bold ? &o->bold : &o->italic;
    if (on && (*depth)++ == 0 && o->color) mdRaw(o, bold ? ANSI_BOLD : ANSI_ITALIC);
    if (!on && --(*depth) == 0 && o->color) mdRaw(o, bold ? ANSI_BOLD_OFF : ANSI_ITALIC_OFF);
}

/* The end of a search from `from`: at most MD_MAX_SPAN bytes and within
 * the conversion's scan budget, so hostile input with thousands of unclosed
 * markers costs linear time (from itself once the budget is spent). */
static size_t mdSearchEnd(const mdOut *o, size_t n, size_t from) {
    size_t want = n - from > MD_MAX_SPAN ? MD_MAX_SPAN : n - from;
    return from + (want > o->budget ? o->budget : want);
}

/* Charge the bytes scanned from..to to the budget; returns ret. */
static size_t mdCharge(mdOut *o, size_t from, size_t to, size_t ret) {
    size_t k = to > from ? to - from : 0;
    o->budget -= k > o->budget ? o->budget : k;
    return ret;
}

/* Index of the closing backtick for a code span opened at s[from-1]. */
static size_t mdFindTick(mdOut *o, const char *s, size_t n, size_t from) {
    size_t end = mdSearchEnd(o, n, from);
    const char *p = memchr(s + from, '`', end - from);
    return p ? mdCharge(o, from, (size_t)(p - s), (size_t)(p - s)) : mdCharge(o, from, end, n);
}

/* The closer for emphasis marker c repeated k (1 or 2) times, opened just
 * before from; n when there is none. Skips code spans, escapes and runs of
 * the other length (a nested pair); in a run of three the marker nearest
 * the text closes first. */
static size_t mdFindCloser(mdOut *o, const char *s, size_t n, size_t from, char c, int k) {
    size_t end = mdSearchEnd(o, n, from);
    for (size_t j = from; j < end; j++) {
        if (s[j] == '\\') { j++; continue; }
        if (s[j] == '`') {
            const char *p = memchr(s + j + 1, '`', end - j - 1);
            size_t t = p ? (size_t)(p - s) : n;
            if (t < n) j = t;
            continue;
        }
        if (s[j] != c) continue;
        size_t run = 1;
        while (j + run < end && s[j + run] == c) run++;
        int flanked = j > from && !isspace((unsigned char)s[j - 1]);
        size_t at = j + run - (size_t)k; /* "***": the inner marker closes first */
        size_t after = at + (size_t)k;
        int ok = flanked && (run == (size_t)k || run == 3) &&
                 !(c == '_' && after < n && mdAlnum((unsigned char)s[after]));
        if (!ok) {
            j += run - 1; /* skip the whole run (a nested pair, or too long) */
            continue;
        }
        return mdCharge(o, from, j, at);
    }
    return mdCharge(o, from, end, n);
}

/* A link [text](url) starting at s[i] == '['; fills text and url spans and
 * returns the index after it, or 0 when it is not a link. */
static size_t mdParseLink(mdOut *o, const char *s, size_t n, size_t i, size_t *t0, size_t *t1,
                          size_t *u0, size_t *u1) {
    size_t end = mdSearchEnd(o, n, i), j, depth = 0;
    for (j = i; j < end; j++) {
        if (s[j] == '\\') j++;
        else if (s[j] == '[') depth++;
        else if (s[j] == ']' && --depth == 0) break;
    }
    if (j >= end || j + 1 >= n || s[j + 1] != '(') return mdCharge(o, i, j, 0);
    *t0 = i + 1, *t1 = j;
    size_t k = j + 2, par = 1;
    for (; k < end; k++) {
        if (s[k] == '(') par++;
        else if (s[k] == ')' && --par == 0) break;
        else if (isspace((unsigned char)s[k])) break;
    }
    *u0 = j + 2, *u1 = k;
    while (k < end && s[k] != ')') k++; /* skip a "title" */
    if (k >= end || *u1 == *u0) return mdCharge(o, i, k, 0);
    return mdCharge(o, i, k, k + 1);
}

/* An autolink <http...> at s[i] == '<': index after it, or 0. */
static size_t mdParseAutolink(mdOut *o, const char *s, size_t n, size_t i, size_t *u0,
                              size_t *u1) {
    if (!mdStarts(s + i + 1, n - i - 1, "http://") && !mdStarts(s + i + 1, n - i - 1, "https://"))
        return 0;
    size_t end = mdSearchEnd(o, n, i);
    for (size_t j = i + 1; j < end; j++) {
        if (s[j] == '>') {
            *u0 = i + 1, *u1 = j;
            return mdCharge(o, i, j, j + 1);
        }
        if (isspace((unsigned char)s[j]) || s[j] == '<') return mdCharge(o, i, j, 0);
    }
    return mdCharge(o, i, end, 0);
}

static int mdSafeUrl(const char *u, size_t n) {
    return mdStarts(u, n, "http://") || mdStarts(u, n, "https://") || mdStarts(u, n, "mailto:");
}

/* url for inside <url|text>: & escaped, | < > spaces and controls
 * percent-encoded so the text part cannot be forged. */
static void mdUrlMrkdwn(mdOut *o, const char *u, size_t n) {
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)u[i];
        if (c == '&') mdRaw(o, "&amp;");
        else if (c == '|' || c == '<' || c == '>' || c <= 0x20 || c == 0x7F)
            bufPrintf(o->b, "%%%02X", c);
        else bufAppend(o->b, u + i, 1);
    }
}

static void mdLink(mdOut *o, const char *s, size_t t0, size_t t1, size_t u0, size_t u1,
                   int depth) {
    const char *url = s + u0;
    size_t ulen = u1 - u0;
    int same = t1 - t0 == ulen && memcmp(s + t0, url, ulen) == 0;
    if (o->mrkdwn && !o->no_marks && mdSafeUrl(url, ulen)) {
        mdRaw(o, "<");
        mdUrlMrkdwn(o, url, ulen);
        mdRaw(o, "|");
        o->no_marks = 1;
        if (t1 > t0) mdInline(o, s + t0, t1 - t0, depth + 1);
        else mdText(o, url, ulen);
        o->no_marks = 0;
        mdRaw(o, ">");
        return;
    }
    if (t1 > t0) mdInline(o, s + t0, t1 - t0, depth + 1);
    if (same || t1 == t0) {
        if (t1 == t0) mdText(o, url, ulen);
        return;
    }
    mdRaw(o, " (");
    mdText(o, url, ulen);
    mdRaw(o, ")");
}

static void mdCode(mdOut *o, const char *s, size_t n) {
    if (o->mrkdwn) {
        if (!o->no_marks) mdRaw(o, "`");
        mdText(o, s, n);
        if (!o->no_marks) mdRaw(o, "`");
    } else if (o->color) {
        mdRaw(o, ANSI_CODE);
        mdText(o, s, n);
        mdRaw(o, ANSI_CODE_OFF);
    } else {
        mdRaw(o, "`");
        mdText(o, s, n);
        mdRaw(o, "`");
    }
}

/* Emphasis at s[i] (c is '*' or '_'); index after it, or 0 when literal. */
static size_t mdEmphasis(mdOut *o, const char *s, size_t n, size_t i, int depth) {
    char c = s[i];
    int k = (i + 1 < n && s[i + 1] == c) ? 2 : 1;
    if (c == '_' && i > 0 && mdAlnum((unsigned char)s[i - 1])) return 0; /* snake_case */
    size_t from = i + (size_t)k;
    if (from >= n || isspace((unsigned char)s[from])) return 0;
    size_t close = mdFindCloser(o, s, n, from, c, k);
    if (close >= n) return 0;
    mdStyle(o, k == 2, 1);
    mdInline(o, s + from, close - from, depth + 1);
    mdStyle(o, k == 2, 0);
    return close + (size_t)k;
}

/* One special construct at s[i]; index after it, or 0 when s[i] is literal. */
static size_t mdSpan(mdOut *o, const char *s, size_t n, size_t i, int depth) {
    size_t t0, t1, u0, u1, next;
    switch (s[i]) {
    case '\\':
        if (i + 1 < n && ispunct((unsigned char)s[i + 1])) {
            mdText(o, s + i + 1, 1);
            return i + 2;
        }
        return 0;
    case '`':
        t0 = mdFindTick(o, s, n, i + 1);
        if (t0 >= n) return 0;
        mdCode(o, s + i + 1, t0 - i - 1);
        return t0 + 1;
    case '*':
    case '_':
        return depth < MD_MAX_DEPTH ? mdEmphasis(o, s, n, i, depth) : 0;
    case '[':
        if (depth >= MD_MAX_DEPTH || !(next = mdParseLink(o, s, n, i, &t0, &t1, &u0, &u1)))
            return 0;
        mdLink(o, s, t0, t1, u0, u1, depth);
        return next;
    case '<':
        if (!(next = mdParseAutolink(o, s, n, i, &u0, &u1))) return 0;
        mdLink(o, s, u0, u1, u0, u1, depth);
        return next;
    }
    return 0;
}

void mdInline(mdOut *o, const char *s, size_t n, int depth) {
    size_t i = 0;
    while (i < n) {
        size_t next = mdSpan(o, s, n, i, depth);
        if (next) {
            i = next;
            continue;
        }
        size_t j = i + 1; /* a run of ordinary characters */
        while (j < n && !strchr("\\`*_[<", s[j])) j++;
        mdText(o, s + i, j - i);
        i = j;
    }
}
