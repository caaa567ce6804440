/* render_md.c - answers' Markdown parsed by md4c (CommonMark with tables
 * and strikethrough, from Debian) and written for each platform: Slack
 * mrkdwn, Discord Markdown, terminal text. This file walks md4c's events
 * and keeps the layout: blocks separated by one blank line, list markers
 * and indentation, quote prefixes, code fences, headings (bold: neither
 * chat platform shows them in our messages), links and images collected
 * then written in the target's syntax (render_md_text.c). Raw HTML is not
 * parsed, so it stays text (escaped). What a platform cannot show - a
 * table, an image, raw HTML - is reported by renderMarkdownIssues for
 * `kb check`. md4c bounds its own work on hostile input; we add none of
 * our own recursion. */
#include <md4c.h>
#include <stdlib.h>
#include <string.h>

#include "base/common.h"
#include "render/render.h"
#include "render/render_md.h"

#define MD_RULE "\xE2\x94\x80\xE2\x94\x80\xE2\x94\x80\xE2\x94\x80\xE2\x94\x80\xE2\x94\x80"
#define MD_BULLET "\xE2\x80\xA2 "
#define ANSI_BOLD "\x1b[1m"
#define ANSI_BOLD_OFF "\x1b[22m"
#define ANSI_ITALIC "\x1b[3m"
#define ANSI_ITALIC_OFF "\x1b[23m"
#define ANSI_STRIKE "\x1b[9m"
#define ANSI_STRIKE_OFF "\x1b[29m"
#define ANSI_CODE "\x1b[36m"
#define ANSI_CODE_OFF "\x1b[39m"

void mdIssue(mdR *r, const char *what) {
    if (!r->issues) return;
    int line = 1;
    for (size_t i = 0; i < r->last_src && i < r->srclen; i++) line += r->src[i] == '\n';
    for (size_t i = 0; i < r->nissues; i++)
        if (r->issues[i].line == line && strcmp(r->issues[i].what, what) == 0) return;
    if (r->nissues < r->maxissues) r->issues[r->nissues++] = (renderMdIssue){line, what};
}

static int mdLevel(const mdR *r) {
    return r->nlists < MD_MAX_LISTS ? r->nlists : MD_MAX_LISTS;
}

/* Quote marks and list indentation at the start of a line. */
static void mdPrefix(mdR *r, int with_bullet) {
    if (r->b != &r->out) return; /* table cells are single lines */
    /* Slack and Discord quote one level deep: one mark for any depth. */
    int marks = r->t == MDT_TERM ? r->quote : r->quote > 0;
    for (int q = 0; q < marks; q++) mdRaw(r, "> ");
    int level = mdLevel(r), indent = r->t == MDT_TERM ? level : level - 1;
    for (int i = 0; i < indent; i++) mdRaw(r, "  ");
    if (!with_bullet) {
        if (level > 0 && !r->bullet) mdRaw(r, "  "); /* under the item's text */
        return;
    }
    mdList *l = &r->lists[level - 1];
    if (l->ordered) {
        bufPrintf(r->b, "%u. ", l->next++);
    } else {
        mdRaw(r, r->t == MDT_DISCORD ? "- " : MD_BULLET);
    }
}

void mdBeginContent(mdR *r) {
    if (r->b != &r->out) return;
    if (r->out.len == 0) r->sep = 0;
    for (int i = 0; i < r->sep; i++) {
        mdRaw(r, "\n");
        if (i + 1 < r->sep && r->quote > 0) mdRaw(r, r->t == MDT_TERM ? ">" : "> "); /* a blank line inside a quote */
    }
    int fresh = r->sep > 0 || r->out.len == 0;
    r->sep = 0;
    r->after_para = 0;
    if (!fresh) return;
    int bullet = r->bullet && r->nlists > 0;
    mdPrefix(r, bullet);
    r->bullet = 0;
}

static void mdOwe(mdR *r, int n) {
    if (r->sep < n) r->sep = n;
}

/* ---- blocks ---- */

static void mdCodeFence(mdR *r) {
    mdBeginContent(r);
    if (r->t != MDT_TERM) mdRaw(r, "```\n");
}

/* A table cell is written as plain terminal text, then laid out in a
 * monospace block for the real target (mdTableWrite). */
static void mdCellStart(mdR *r) {
    bufReset(&r->cell);
    r->b = &r->cell;
    r->cell_t = r->t;
    r->cell_color = r->color;
    r->t = MDT_TERM;
    r->color = 0;
}

static void mdCellEnd(mdR *r) {
    r->t = r->cell_t;
    r->color = r->cell_color;
    r->b = &r->out;
    mdTableCell(r);
}

static void mdRowEnd(mdR *r) {
    mdTable *t = &r->tab;
    while (t->nrows > 0 && t->row_cells < t->ncols) { /* pad a short row */
        bufReset(&r->cell);
        mdTableCell(r);
    }
    t->nrows++;
}

static void mdCodeLines(mdR *r, const char *s, size_t n) {
    for (size_t i = 0; i < n;) {
        const char *nl = memchr(s + i, '\n', n - i);
        size_t k = nl ? (size_t)(nl - (s + i)) + 1 : n - i;
        if (r->t == MDT_TERM && (r->b->len == 0 || bufStr(r->b)[r->b->len - 1] == '\n' || r->code_block == 1))
            mdRaw(r, "    ");
        r->code_block = 2;
        mdCode(r, s + i, k);
        i += k;
    }
}

static int mdEnterBlock(MD_BLOCKTYPE type, void *detail, void *ud) {
    mdR *r = ud;
    switch (type) {
    case MD_BLOCK_UL:
    case MD_BLOCK_OL:
        if (r->nlists < MD_MAX_LISTS) {
            const MD_BLOCK_OL_DETAIL *ol = detail;
            r->lists[r->nlists] = (mdList){type == MD_BLOCK_OL, type == MD_BLOCK_OL ? ol->start : 0};
        }
        r->nlists++;
        if (r->after_para == 1) r->sep = 1; /* a list right under its lead-in line */
        mdOwe(r, 1);
        break;
    case MD_BLOCK_LI: r->bullet = 1; mdOwe(r, 1); break;
    case MD_BLOCK_QUOTE: r->quote++; mdOwe(r, 2); break;
    case MD_BLOCK_H:
        mdBeginContent(r);
        r->heading = 1;
        r->marks_off++;
        if (r->t == MDT_SLACK) mdRaw(r, "*");
        else if (r->t == MDT_DISCORD) mdRaw(r, "**");
        else if (r->color) mdRaw(r, ANSI_BOLD);
        break;
    case MD_BLOCK_CODE: r->code_block = 1; mdCodeFence(r); break;
    case MD_BLOCK_HR: mdBeginContent(r); mdRaw(r, MD_RULE); mdOwe(r, 2); break;
    case MD_BLOCK_TABLE:
        r->table = 2; /* the issue is reported at the first cell's text */
        memset(&r->tab, 0, sizeof(r->tab));
        break;
    case MD_BLOCK_TR: r->tab.row_cells = 0; break;
    case MD_BLOCK_TH:
    case MD_BLOCK_TD: mdCellStart(r); break;
    case MD_BLOCK_HTML: r->html_block = 2; break; /* reported at its first line's text */
    default: break;
    }
    return 0;
}

/* Is the source line after the one holding the last text blank? (A list
 * keeps the blank line, or its absence, before it.) */
static int mdBlankAfter(const mdR *r) {
    size_t i = r->last_src;
    while (i < r->srclen && r->src[i] != '\n') i++;
    for (i++; i < r->srclen && r->src[i] != '\n'; i++)
        if (!strchr(" \t\r", r->src[i])) return 0;
    return 1;
}

static int mdLeaveBlock(MD_BLOCKTYPE type, void *detail, void *ud) {
    (void)detail;
    mdR *r = ud;
    switch (type) {
    case MD_BLOCK_HTML: r->html_block = 0; break;
    case MD_BLOCK_UL:
    case MD_BLOCK_OL: r->nlists--; mdOwe(r, r->nlists > 0 ? 1 : 2); break;
    case MD_BLOCK_LI: r->bullet = 0; mdOwe(r, 1); break;
    case MD_BLOCK_QUOTE: r->quote--; mdOwe(r, 2); break;
    case MD_BLOCK_P:
        mdOwe(r, r->nlists > 0 ? 1 : 2);
        r->after_para = mdBlankAfter(r) ? 2 : 1;
        break;
    case MD_BLOCK_H:
        if (r->t == MDT_SLACK) mdRaw(r, "*");
        else if (r->t == MDT_DISCORD) mdRaw(r, "**");
        else if (r->color) mdRaw(r, ANSI_BOLD_OFF);
        r->heading = 0;
        r->marks_off--;
        mdOwe(r, 1);
        break;
    case MD_BLOCK_CODE:
        if (r->out.len && r->out.p[r->out.len - 1] == '\n') {
            r->out.len--;
            r->out.p[r->out.len] = '\0';
        }
        if (r->t != MDT_TERM) mdRaw(r, "\n```");
        r->code_block = 0;
        mdOwe(r, 2);
        break;
    case MD_BLOCK_TH:
    case MD_BLOCK_TD: mdCellEnd(r); break;
    case MD_BLOCK_TR: mdRowEnd(r); break;
    case MD_BLOCK_TABLE: mdBeginContent(r); mdTableWrite(r); r->table = 0; mdOwe(r, 2); break;
    default: break;
    }
    return 0;
}

/* ---- spans ---- */

static void mdStyle(mdR *r, MD_SPANTYPE type, int on) {
    static const char *const slack[] = {"_", "*", "~"}, *const discord[] = {"*", "**", "~~"};
    int k = type == MD_SPAN_EM ? 0 : type == MD_SPAN_STRONG ? 1 : 2;
    if (r->t != MDT_TERM) {
        if (!r->marks_off) mdRaw(r, r->t == MDT_SLACK ? slack[k] : discord[k]);
        return;
    }
    int *depth = k == 0 ? &r->italic : k == 1 ? &r->bold : &r->strike;
    static const char *const ansiOn[] = {ANSI_ITALIC, ANSI_BOLD, ANSI_STRIKE};
    static const char *const ansiOff[] = {ANSI_ITALIC_OFF, ANSI_BOLD_OFF, ANSI_STRIKE_OFF};
    if (on && (*depth)++ == 0 && r->color) mdRaw(r, ansiOn[k]);
    if (!on && --(*depth) == 0 && r->color) mdRaw(r, ansiOff[k]);
}

static void mdLinkOpen(mdR *r, const MD_ATTRIBUTE *href, int image) {
    mdBeginContent(r);
    if (href->text >= r->src && href->text < r->src + r->srclen)
        r->last_src = (size_t)(href->text - r->src);
    if (image) mdIssue(r, "image");
    if (r->in_link++) return; /* an image inside a link's text: its alt text only */
    r->link_start = r->b->len;
    free(r->link_url);
    r->link_url = mdSafeUrl(href->text, href->size);
    r->link_safe = r->link_url != NULL;
    if (!r->link_safe && !image) mdIssue(r, "link-url");
    if (!r->link_url && href->size) r->link_url = cbStrndup(href->text, href->size);
    r->marks_off++;
}

static int mdEnterSpan(MD_SPANTYPE type, void *detail, void *ud) {
    mdR *r = ud;
    if (type == MD_SPAN_A) {
        mdLinkOpen(r, &((MD_SPAN_A_DETAIL *)detail)->href, 0);
    } else if (type == MD_SPAN_IMG) {
        mdLinkOpen(r, &((MD_SPAN_IMG_DETAIL *)detail)->src, 1);
    } else if (type == MD_SPAN_CODE) {
        mdBeginContent(r);
        r->code_span = 1;
        if (r->t != MDT_TERM || !r->color) mdRaw(r, "`");
        else mdRaw(r, ANSI_CODE);
    } else {
        mdBeginContent(r);
        mdStyle(r, type, 1);
    }
    return 0;
}

static int mdLeaveSpan(MD_SPANTYPE type, void *detail, void *ud) {
    (void)detail;
    mdR *r = ud;
    if (type == MD_SPAN_A || type == MD_SPAN_IMG) {
        if (--r->in_link > 0) return 0;
        r->marks_off--;
        mdLinkClose(r, type == MD_SPAN_IMG);
    } else if (type == MD_SPAN_CODE) {
        r->code_span = 0;
        if (r->t != MDT_TERM || !r->color) mdRaw(r, "`");
        else mdRaw(r, ANSI_CODE_OFF);
    } else {
        mdStyle(r, type, 0);
    }
    return 0;
}

/* ---- text ---- */

/* Markup md4c read as plain text, which users then see as typed: "**" or
 * "__" that closes nothing, and "](" of a link that did not parse (an
 * unclosed parenthesis, a space in the address). */
static void mdLeftovers(mdR *r, const char *text, size_t size) {
    for (size_t i = 0; i + 1 < size; i++) {
        if ((text[i] == '*' || text[i] == '_') && text[i + 1] == text[i]) mdIssue(r, "marks");
        if (text[i] == ']' && text[i + 1] == '(') mdIssue(r, "link-broken");
    }
}

static int mdOnText(MD_TEXTTYPE type, const MD_CHAR *text, MD_SIZE size, void *ud) {
    mdR *r = ud;
    r->next_src = ' ';
    if (text >= r->src && text < r->src + r->srclen) {
        r->last_src = (size_t)(text - r->src);
        if (r->last_src + size < r->srclen) r->next_src = text[size];
    }
    if (r->table == 2) {
        mdIssue(r, "table");
        r->table = 1;
    }
    switch (type) {
    case MD_TEXT_BR: /* a link's text and a heading stay on one line */
        if (r->b != &r->out || r->heading || r->in_link) mdRaw(r, " ");
        else r->sep = 1;
        return 0;
    case MD_TEXT_SOFTBR: mdRaw(r, " "); return 0;
    case MD_TEXT_NULLCHAR: mdBeginContent(r); mdRaw(r, "\xEF\xBF\xBD"); return 0;
    case MD_TEXT_ENTITY: mdBeginContent(r); mdEntity(r, text, size); return 0;
    case MD_TEXT_HTML: /* a block once, at its first line; inline HTML where it is */
        if (r->html_block != 1) mdIssue(r, "html");
        if (r->html_block) r->html_block = 1;
        mdBeginContent(r);
        mdText(r, text, size);
        return 0;
    case MD_TEXT_CODE:
        if (!r->code_block) mdBeginContent(r);
        if (r->code_block) mdCodeLines(r, text, size);
        else mdCode(r, text, size);
        return 0;
    default:
        mdBeginContent(r);
        if (type == MD_TEXT_NORMAL && r->issues) mdLeftovers(r, text, size);
        mdText(r, text, size);
        return 0;
    }
}

static void mdDebugLog(const char *msg, void *ud) {
    (void)msg;
    (void)ud;
}

static char *mdRun(const char *md, mdTarget t, int color, unsigned flags, renderMdIssue *issues,
                   size_t max, size_t *nissues) {
    mdR r;
    memset(&r, 0, sizeof(r));
    r.t = t;
    r.color = color;
    r.src = md ? md : "";
    r.srclen = strlen(r.src);
    r.issues = issues;
    r.maxissues = max;
    bufInit(&r.out, 4 * r.srclen + 65536);
    bufInit(&r.cell, 4 * r.srclen + 4096);
    r.b = &r.out;
    MD_PARSER p = {0, flags, mdEnterBlock, mdLeaveBlock, mdEnterSpan, mdLeaveSpan, mdOnText,
                   mdDebugLog, NULL};
    md_parse(r.src, (MD_SIZE)r.srclen, &p, &r);
    free(r.link_url);
    mdTableFree(&r.tab);
    bufFree(&r.cell);
    if (nissues) *nissues = r.nissues;
    return bufDetach(&r.out);
}

#define MD_FLAGS (MD_FLAG_TABLES | MD_FLAG_STRIKETHROUGH | MD_FLAG_NOHTML)

char *renderMarkdownToMrkdwn(const char *md) {
    return mdRun(md, MDT_SLACK, 0, MD_FLAGS, NULL, 0, NULL);
}

char *renderMarkdownToDiscord(const char *md) {
    return mdRun(md, MDT_DISCORD, 0, MD_FLAGS, NULL, 0, NULL);
}

char *renderMarkdownToPlain(const char *md, int color) {
    return mdRun(md, MDT_TERM, color, MD_FLAGS, NULL, 0, NULL);
}

/* Plain text through the same text writer (escapes, look-alikes). */
static char *mdPlainText(const char *plain, mdTarget t) {
    mdR r;
    memset(&r, 0, sizeof(r));
    r.t = t;
    r.src = plain ? plain : "";
    r.srclen = strlen(r.src);
    r.next_src = ' ';
    bufInit(&r.out, 4 * r.srclen + 64);
    r.b = &r.out;
    mdText(&r, r.src, r.srclen);
    return bufDetach(&r.out);
}

char *renderTextToMrkdwn(const char *plain) {
    return mdPlainText(plain, MDT_SLACK);
}

char *renderTextToDiscord(const char *plain) {
    return mdPlainText(plain, MDT_DISCORD);
}

int renderSummaryFirst(const hndReply *r, const renderOpts *o) {
    return r->kind == REPLY_ANSWER && r->summary && *r->summary && r->entry_id &&
           !(o && o->full);
}

/* A code fence's line: up to three spaces, then three or more ` or ~.
 * Returns the run's length (0: not a fence) and its character. */
static size_t mdFenceRun(const char *s, size_t n, char *ch) {
    size_t i = 0;
    while (i < n && i < 3 && s[i] == ' ') i++;
    if (i >= n || (s[i] != '`' && s[i] != '~')) return 0;
    size_t run = 0;
    *ch = s[i];
    while (i + run < n && s[i + run] == *ch) run++;
    return run >= 3 ? run : 0;
}

/* The line of a code fence that is never closed (CommonMark: a closing
 * fence is the same character, at least as long, with nothing after it),
 * or 0. md4c runs such a block to the end of the answer, so everything
 * after the fence would be shown as code. */
static int mdUnclosedFence(const char *md) {
    int line = 0, open_line = 0;
    size_t open_run = 0;
    char open_ch = 0;
    for (const char *s = md; *s;) {
        size_t n = strcspn(s, "\n");
        line++;
        char ch = 0;
        size_t run = mdFenceRun(s, n, &ch);
        if (run && !open_run) {
            open_run = run, open_ch = ch, open_line = line;
        } else if (run && ch == open_ch && run >= open_run) {
            const char *rest = s + strspn(s, " ") + run;
            if ((size_t)(rest - s) >= n || strspn(rest, " \t\r") >= n - (size_t)(rest - s))
                open_run = 0;
        }
        s += n + (s[n] == '\n');
    }
    return open_run ? open_line : 0;
}

size_t renderMarkdownIssues(const char *md, renderMdIssue *out, size_t max) {
    size_t n = 0; /* raw HTML is parsed as HTML here, to find it */
    free(mdRun(md, MDT_TERM, 0, MD_FLAG_TABLES | MD_FLAG_STRIKETHROUGH, out, max, &n));
    int fence = md ? mdUnclosedFence(md) : 0;
    if (fence && n < max) out[n++] = (renderMdIssue){fence, "fence"};
    return n;
}

int renderInsideFence(const char *s, size_t n) {
    int open = 0;
    for (size_t i = 0; i + 2 < n; i++)
        if (s[i] == '`' && s[i + 1] == '`' && s[i + 2] == '`') {
            open = !open;
            i += 2;
        }
    return open;
}
