/* render_md_block.c - the block half of the Markdown converter: splits the
 * text into lines, recognises headings, bullets, numbered items, quotes,
 * rules and fenced code, joins a paragraph's (or item's) lines, and renders
 * each block's text with mdInline() (render_md.c). Output blocks are
 * separated by one blank line where the source had one. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/common.h"
#include "render/render.h"
#include "render/render_md.h"

#define MD_MAX_INDENT 8
#define MD_HEAD_ON "\x1b[1;4m"
#define MD_HEAD_OFF "\x1b[22;24m"
#define MD_CODE_ON "\x1b[36m"
#define MD_CODE_OFF "\x1b[39m"

typedef enum { MB_NONE = 0, MB_PARA, MB_BULLET, MB_NUMBER, MB_QUOTE } mbKind;

typedef struct mdState {
    mdOut o;
    mbKind kind;  /* the pending block */
    size_t indent;
    char num[16]; /* "3." for MB_NUMBER */
    cbBuf text;   /* its joined lines */
    int blank;    /* a blank line since the last emitted block */
    int emitted;
    int fence;    /* inside ``` */
} mdState;

static size_t mdIndent(const char *s, size_t n) {
    size_t i = 0;
    while (i < n && s[i] == ' ') i++;
    return i;
}

/* Start an output block: one blank line if the source had one. */
static void mdBegin(mdState *st) {
    if (st->emitted && st->blank) mdRaw(&st->o, "\n");
    st->blank = 0;
    st->emitted = 1;
}

static void mdPad(mdState *st, size_t n) {
    for (size_t i = 0; i < n && i < MD_MAX_INDENT; i++) mdRaw(&st->o, " ");
}

static void mdFlush(mdState *st) {
    if (st->kind == MB_NONE) return;
    mdOut *o = &st->o;
    mdBegin(st);
    if (st->kind == MB_BULLET) {
        mdPad(st, st->indent + (o->mrkdwn ? 0 : 2));
        mdRaw(o, "\xE2\x80\xA2 "); /* • */
    } else if (st->kind == MB_NUMBER) {
        mdPad(st, st->indent + (o->mrkdwn ? 0 : 2));
        mdRaw(o, st->num);
        mdRaw(o, " ");
    } else if (st->kind == MB_QUOTE) {
        mdRaw(o, o->mrkdwn ? ">" : "  \xE2\x94\x82"); /* │ */
        mdRaw(o, " ");
    }
    mdInline(o, bufStr(&st->text), st->text.len, 0);
    mdRaw(o, "\n");
    st->kind = MB_NONE;
    bufReset(&st->text);
}

/* Append a line's text to the pending block (joined with a space, or a
 * newline after a hard break: two trailing spaces). */
static void mdAddText(mdState *st, const char *s, size_t n) {
    size_t lead = mdIndent(s, n);
    s += lead, n -= lead;
    int hard = n >= 2 && s[n - 1] == ' ' && s[n - 2] == ' ';
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t')) n--;
    if (st->text.len) bufAppendStr(&st->text, st->text.p[st->text.len - 1] == '\n' ? "" : " ");
    bufAppend(&st->text, s, n);
    if (hard) bufAppendStr(&st->text, "\n");
}

static void mdStart(mdState *st, mbKind k, size_t indent, const char *num, const char *s,
                    size_t n) {
    mdFlush(st);
    snprintf(st->num, sizeof(st->num), "%s", num);
    st->kind = k;
    st->indent = indent;
    mdAddText(st, s, n);
}

static void mdHeading(mdState *st, const char *s, size_t n) {
    mdOut *o = &st->o;
    mdFlush(st);
    mdBegin(st);
    while (n && (s[n - 1] == '#' || s[n - 1] == ' ')) n--; /* closing #s */
    size_t lead = mdIndent(s, n);
    s += lead, n -= lead;
    if (o->mrkdwn) {
        mdRaw(o, "*");
        o->no_marks = 1;
        mdInline(o, s, n, 0);
        o->no_marks = 0;
        mdRaw(o, "*");
    } else {
        if (o->color) mdRaw(o, MD_HEAD_ON);
        mdInline(o, s, n, 0);
        if (o->color) mdRaw(o, MD_HEAD_OFF);
    }
    mdRaw(o, "\n");
}

static int mdIsFence(const char *s, size_t n) {
    size_t i = mdIndent(s, n);
    return i <= 3 && n - i >= 3 && (strncmp(s + i, "```", 3) == 0 || strncmp(s + i, "~~~", 3) == 0);
}

static void mdFenceLine(mdState *st, const char *s, size_t n, int marker) {
    mdOut *o = &st->o;
    if (marker) {
        if (!st->fence) { mdFlush(st); mdBegin(st); }
        st->fence = !st->fence;
        if (o->mrkdwn) mdRaw(o, "```\n");
        return;
    }
    if (!o->mrkdwn) mdRaw(o, o->color ? "    " MD_CODE_ON : "    ");
    mdText(o, s, n);
    if (!o->mrkdwn && o->color) mdRaw(o, MD_CODE_OFF);
    mdRaw(o, "\n");
}

/* "---", "***", "___" (three or more, spaces allowed) */
static int mdIsRule(const char *s, size_t n) {
    size_t count = 0;
    char c = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == ' ') continue;
        if (!strchr("-*_", s[i]) || (c && s[i] != c)) return 0;
        c = s[i];
        count++;
    }
    return count >= 3;
}

/* A list item marker at s[i]: "- ", "* ", "+ " (bullet) or "12. ", "3) "
 * (number, copied to num). Returns the text's offset, or 0. */
static size_t mdItem(const char *s, size_t n, size_t i, mbKind *k, char *num, size_t numcap) {
    if (i + 1 < n && strchr("-*+", s[i]) && (s[i + 1] == ' ' || s[i + 1] == '\t')) {
        *k = MB_BULLET;
        return i + 2;
    }
    size_t j = i;
    while (j < n && j - i < 9 && isdigit((unsigned char)s[j])) j++;
    if (j == i || j + 1 >= n || (s[j] != '.' && s[j] != ')') || s[j + 1] != ' ') return 0;
    size_t len = j - i + 1 < numcap ? j - i + 1 : numcap - 1;
    memcpy(num, s + i, len);
    num[len] = '\0';
    *k = MB_NUMBER;
    return j + 2;
}

static void mdLine(mdState *st, const char *s, size_t n) {
    if (n && s[n - 1] == '\r') n--;
    if (mdIsFence(s, n) || st->fence) {
        mdFenceLine(st, s, n, mdIsFence(s, n));
        return;
    }
    size_t i = mdIndent(s, n);
    mbKind k;
    size_t t;
    char num[16];
    if (i == n) { /* blank */
        mdFlush(st);
        st->blank = 1;
    } else if (i < 4 && s[i] == '#') {
        size_t h = i;
        while (h < n && s[h] == '#') h++;
        if (h - i <= 6 && (h == n || s[h] == ' ')) mdHeading(st, s + h, n - h);
        else mdStart(st, MB_PARA, 0, "", s, n);
    } else if (mdIsRule(s, n)) {
        mdFlush(st);
        mdBegin(st);
        mdRaw(&st->o, st->o.mrkdwn ? "\xE2\x80\x94\xE2\x80\x94\xE2\x80\x94\n" : "  ----------\n");
    } else if ((t = mdItem(s, n, i, &k, num, sizeof(num))) != 0) {
        mdStart(st, k, i, k == MB_NUMBER ? num : "", s + t, n - t);
    } else if (s[i] == '>') {
        t = i + 1 + (i + 1 < n && s[i + 1] == ' ');
        if (st->kind == MB_QUOTE) mdAddText(st, s + t, n - t);
        else mdStart(st, MB_QUOTE, 0, "", s + t, n - t);
    } else if (st->kind != MB_NONE) {
        mdAddText(st, s, n); /* a continuation line */
    } else {
        mdStart(st, MB_PARA, 0, "", s, n);
    }
}

static char *mdConvert(const char *md, int mrkdwn, int color) {
    size_t len = md ? strlen(md) : 0;
    cbBuf out;
    bufInit(&out, 16 * len + 4096); /* escapes and styles grow text; never this much */
    mdState st = {.o = {.b = &out, .mrkdwn = mrkdwn, .color = color, .budget = 64 * len + 65536}};
    bufInit(&st.text, len + 16);
    for (size_t off = 0; off < len;) {
        const char *nl = memchr(md + off, '\n', len - off);
        size_t end = nl ? (size_t)(nl - md) : len;
        mdLine(&st, md + off, end - off);
        off = end + 1;
    }
    mdFlush(&st);
    if (st.fence && mrkdwn) mdRaw(&st.o, "```\n"); /* close an unterminated fence */
    bufFree(&st.text);
    while (out.len && out.p[out.len - 1] == '\n') out.p[--out.len] = '\0';
    return bufDetach(&out);
}

char *renderMarkdownToMrkdwn(const char *md) {
    return mdConvert(md, 1, 0);
}

char *renderMarkdownToPlain(const char *md, int color) {
    return mdConvert(md, 0, color);
}
