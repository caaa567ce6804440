/* render_md_text.c - the writing half of the Markdown converter: text as
 * each platform needs it, links and images in its syntax, tables as an
 * aligned monospace block.
 *
 * Slack mrkdwn has no escape character: & < > become entities, and a
 * literal * _ ~ ` that could open or close formatting (next to a space,
 * punctuation or the end of the text) is written as a look-alike
 * (U+2217, U+FF3F, U+223C, U+02CB), so "\*not bold\*" stays literal;
 * snake_case_name keeps its underscores. Discord takes backslash escapes.
 * The terminal gets the text as is. Control characters never pass. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/common.h"
#include "render/render_md.h"

void mdRaw(mdR *r, const char *s) {
    bufAppendStr(r->b, s);
}

static int mdWordByte(unsigned char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
}

static const char *mdLookAlike(char c) {
    switch (c) {
    case '*': return "\xE2\x88\x97"; /* U+2217 asterisk operator */
    case '_': return "\xEF\xBC\xBF"; /* U+FF3F fullwidth low line */
    case '~': return "\xE2\x88\xBC"; /* U+223C tilde operator */
    default: return "\xCB\x8B";      /* U+02CB modifier letter grave accent */
    }
}

/* Slack: could this marker character open or close formatting? It opens
 * before a non-space after a non-word byte, closes after a non-space
 * before a non-word byte. The byte after the text comes from the source
 * (r->next_src), so "\*not bold\*" is judged as written. */
static int mdSlackMarker(mdR *r, const char *s, size_t n, size_t i) {
    const char *out = bufStr(r->b);
    unsigned char prev = i > 0 ? (unsigned char)s[i - 1]
                               : (r->b->len ? (unsigned char)out[r->b->len - 1] : ' ');
    unsigned char next = i + 1 < n ? (unsigned char)s[i + 1] : (unsigned char)r->next_src;
    int opens = !strchr(" \t\n", next) && !mdWordByte(prev);
    int closes = !strchr(" \t\n", prev) && !mdWordByte(next);
    return opens || closes;
}

static void mdSlackChar(mdR *r, const char *s, size_t n, size_t i) {
    char c = s[i];
    if (c == '&') mdRaw(r, "&amp;");
    else if (c == '<') mdRaw(r, "&lt;");
    else if (c == '>') mdRaw(r, "&gt;");
    else if (strchr("*_~`", c) && mdSlackMarker(r, s, n, i)) mdRaw(r, mdLookAlike(c));
    else bufAppend(r->b, s + i, 1);
}

static void mdDiscordChar(mdR *r, const char *s, size_t i, int line_start) {
    char c = s[i];
    if (strchr("\\*_~`|[]", c) || (line_start && strchr(">#-+", c))) bufAppend(r->b, "\\", 1);
    bufAppend(r->b, s + i, 1);
}

/* Bytes of the control character at s[i] (C0 but tab, DEL, a C1 control
 * in UTF-8, U+0080..U+009F: a terminal takes 0xC2 0x9B as CSI, or a
 * bidirectional override), 0 for anything else; s holds n bytes. */
static size_t mdControl(const char *s, size_t n, size_t i) {
    unsigned char c = (unsigned char)s[i];
    if ((c < 0x20 && c != '\t') || c == 0x7F) return 1;
    if (c != 0xC2 && c != 0xE2) return 0;
    char t[4] = {0}; /* cbControlLen's rule (C1, bidi controls) on a NUL-ended copy */
    for (size_t k = 0; k < 3 && i + k < n; k++) t[k] = s[i + k];
    return cbControlLen(t);
}

void mdText(mdR *r, const char *s, size_t n) {
    size_t start = r->b->len;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\n') {
            bufAppend(r->b, " ", 1);
            continue;
        }
        size_t ctl = mdControl(s, n, i);
        if (ctl) {
            i += ctl - 1;
            continue;
        }
        if (r->t == MDT_SLACK) {
            mdSlackChar(r, s, n, i);
        } else if (r->t == MDT_DISCORD) {
            int ls = r->b->len == start && (start == 0 || bufStr(r->b)[start - 1] == '\n');
            mdDiscordChar(r, s, i, ls);
        } else {
            bufAppend(r->b, s + i, 1);
        }
    }
}

void mdCode(mdR *r, const char *s, size_t n) {
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        size_t ctl = c == '\n' ? 0 : mdControl(s, n, i);
        if (ctl) {
            i += ctl - 1;
            continue;
        }
        if (r->t == MDT_SLACK && strchr("&<>", c) && c) {
            mdRaw(r, c == '&' ? "&amp;" : c == '<' ? "&lt;" : "&gt;");
        } else if (r->t != MDT_TERM && c == '`' && !r->code_block) {
            mdRaw(r, mdLookAlike('`')); /* a backtick would end the span */
        } else if (r->t != MDT_TERM && c == '`' && r->b->len >= 2 &&
                   memcmp(bufStr(r->b) + r->b->len - 2, "``", 2) == 0) {
            mdRaw(r, "\xE2\x80\x8B`"); /* a third backtick in a row would end the block */
        } else {
            bufAppend(r->b, s + i, 1);
        }
    }
}

void mdEntity(mdR *r, const char *s, size_t n) {
    static const struct { const char *name, *text; } named[] = {
        {"&amp;", "&"}, {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&apos;", "'"},
        {"&nbsp;", "\xC2\xA0"}, {"&mdash;", "\xE2\x80\x94"}, {"&ndash;", "\xE2\x80\x93"},
        {"&hellip;", "\xE2\x80\xA6"}, {"&copy;", "\xC2\xA9"}, {"&euro;", "\xE2\x82\xAC"}};
    for (size_t i = 0; i < CB_ARRAY_LEN(named); i++)
        if (strlen(named[i].name) == n && memcmp(named[i].name, s, n) == 0) {
            mdText(r, named[i].text, strlen(named[i].text));
            return;
        }
    if (n >= 4 && s[1] == '#') {
        int hex = s[2] == 'x' || s[2] == 'X';
        char num[16];
        size_t k = n - (hex ? 4 : 3);
        if (k > 0 && k < sizeof(num)) {
            memcpy(num, s + (hex ? 3 : 2), k);
            num[k] = '\0';
            char o[4];
            size_t len = cbUtf8Encode(strtoul(num, NULL, hex ? 16 : 10), o);
            mdText(r, o, len);
            return;
        }
    }
    mdText(r, s, n);
}

char *mdSafeUrl(const char *s, size_t n) {
    if (!(n > 8 && strncmp(s, "https://", 8) == 0) && !(n > 7 && strncmp(s, "http://", 7) == 0) &&
        !(n > 7 && strncmp(s, "mailto:", 7) == 0))
        return NULL;
    cbBuf b;
    bufInit(&b, 3 * n + 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= ' ' || c == 0x7F || strchr("|<>\"`()[]{}\\^", c)) bufPrintf(&b, "%%%02X", c);
        else bufAppend(&b, s + i, 1);
    }
    return bufDetach(&b);
}

static void mdSlackUrl(mdR *r, const char *url) {
    for (const char *p = url; *p; p++) {
        if (*p == '&') mdRaw(r, "&amp;");
        else bufAppend(r->b, p, 1);
    }
}

/* The link's text is at r->link_start in *r->b; rewrite it with its url. */
/* The host of an http(s) address at s (n bytes: up to the first / ? #),
 * or n = 0 when s is no such address. */
static const char *mdHostOf(const char *s, size_t *n) {
    size_t skip = strncmp(s, "https://", 8) == 0 ? 8 : strncmp(s, "http://", 7) == 0 ? 7 : 0;
    *n = skip ? strcspn(s + skip, "/?# ") : 0;
    return s + skip;
}

/* A link whose text is an address of another host than where it goes
 * ("[https://docs.python.org](https://elsewhere)") misleads the reader. */
static int mdMisleading(const char *text, const char *url) {
    size_t tn, un;
    const char *th = mdHostOf(text, &tn), *uh = mdHostOf(url, &un);
    return tn && (tn != un || strncasecmp(th, uh, tn) != 0);
}

void mdLinkClose(mdR *r, int image) {
    char *text = cbStrdup(bufStr(r->b) + r->link_start);
    if (r->link_url && mdMisleading(text, r->link_url)) mdIssue(r, "link-text");
    if (r->b->p) {
        r->b->len = r->link_start;
        r->b->p[r->b->len] = '\0';
    }
    const char *url = r->link_url;
    int safe = r->link_safe;
    if (!*text && image) {
        free(text);
        text = cbStrdup("image");
    }
    int same = url && strcmp(text, url) == 0;
    if (!url) {
        mdRaw(r, text);
    } else if (safe && r->t == MDT_SLACK) {
        mdRaw(r, "<");
        mdSlackUrl(r, url);
        mdRaw(r, "|");
        mdRaw(r, *text ? text : url);
        mdRaw(r, ">");
    } else if (safe && r->t == MDT_DISCORD && !same && *text) {
        bufPrintf(r->b, "[%s](%s)", text, url);
    } else if (same || !*text) {
        if (safe) mdRaw(r, url);
        else mdText(r, url, strlen(url));
    } else {
        mdRaw(r, text);
        mdRaw(r, " (");
        if (safe && r->t != MDT_SLACK) mdRaw(r, url);
        else mdText(r, url, strlen(url));
        mdRaw(r, ")");
    }
    free(text);
    free(r->link_url);
    r->link_url = NULL;
}

/* ---- tables ---- */

void mdTableCell(mdR *r) {
    mdTable *t = &r->tab;
    if (t->nrows > 0 && t->row_cells >= t->ncols) return; /* more cells than the header */
    if (t->ncells >= MD_MAX_CELLS) return;
    if (t->ncells == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 16;
        t->cells = cbRealloc(t->cells, t->cap * sizeof(char *));
    }
    t->cells[t->ncells++] = cbStrdup(bufStr(&r->cell));
    t->row_cells++;
    if (t->nrows == 0) t->ncols++;
}

void mdTableFree(mdTable *t) {
    for (size_t i = 0; i < t->ncells; i++) free(t->cells[i]);
    free(t->cells);
    memset(t, 0, sizeof(*t));
}

/* Display columns of UTF-8 text (code points; wide characters count one). */
static size_t mdCols(const char *s) {
    size_t n = 0;
    for (; *s; s++) n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

static void mdTableRow(mdR *r, char **cells, size_t ncols, const size_t *w) {
    if (r->t == MDT_TERM) mdRaw(r, "  ");
    for (size_t c = 0; c < ncols; c++) {
        const char *s = cells[c] ? cells[c] : "";
        if (c) mdRaw(r, " | ");
        mdCode(r, s, strlen(s));
        for (size_t k = mdCols(s); c + 1 < ncols && k < w[c]; k++) mdRaw(r, " ");
    }
    mdRaw(r, "\n");
}

void mdTableWrite(mdR *r) {
    mdTable *t = &r->tab;
    size_t nc = t->ncols;
    if (nc == 0) {
        mdTableFree(t);
        return;
    }
    size_t nrows = (t->ncells + nc - 1) / nc;
    size_t *w = cbCalloc(nc, sizeof(size_t));
    char **row = cbCalloc(nc, sizeof(char *));
    for (size_t i = 0; i < t->ncells; i++) {
        size_t k = mdCols(t->cells[i]);
        if (k > w[i % nc]) w[i % nc] = k;
    }
    if (r->t != MDT_TERM) mdRaw(r, "```\n");
    r->code_block = 1; /* cells are code now: backticks stay */
    for (size_t rr = 0; rr < nrows; rr++) {
        for (size_t c = 0; c < nc; c++) row[c] = rr * nc + c < t->ncells ? t->cells[rr * nc + c] : NULL;
        mdTableRow(r, row, nc, w);
        if (rr > 0) continue;
        if (r->t == MDT_TERM) mdRaw(r, "  ");
        for (size_t c = 0; c < nc; c++) {
            if (c) mdRaw(r, "-+-");
            for (size_t k = 0; k < w[c]; k++) mdRaw(r, "-");
        }
        mdRaw(r, "\n");
    }
    if (r->b->p && r->b->len) { /* the last row's newline */
        r->b->len--;
        r->b->p[r->b->len] = '\0';
    }
    r->code_block = 0;
    if (r->t != MDT_TERM) mdRaw(r, "\n```");
    free(row);
    free(w);
    mdTableFree(t);
}
