/* render_md.h - internals shared by the halves of the Markdown converter:
 * render_md.c walks md4c's events (blocks, spans, text) and keeps the
 * layout state; render_md_text.c writes text for each platform (escapes,
 * look-alikes, link destinations, tables). Public entry points are in
 * render.h. */
#ifndef CB_RENDER_MD_H
#define CB_RENDER_MD_H

#include <stddef.h>

#include "base/buf.h"
#include "render/render.h"

#define MD_MAX_LISTS 16 /* deeper lists render at this depth */
#define MD_MAX_CELLS 4096

typedef enum { MDT_SLACK = 0, MDT_DISCORD, MDT_TERM } mdTarget;

typedef struct mdList {
    int ordered;
    unsigned next; /* the next item's number */
} mdList;

typedef struct mdTable {
    char **cells; /* row-major, ncols per row (short rows padded) */
    size_t ncells, cap;
    size_t ncols, row_cells; /* columns of the header; cells in the current row */
    size_t nrows;
} mdTable;

typedef struct mdR {
    mdTarget t;
    int color;          /* terminal: ANSI styles */
    cbBuf out;          /* the document */
    cbBuf cell;         /* the table cell being written */
    cbBuf *b;           /* where text goes now: &out or &cell */
    const char *src;    /* the Markdown, for issue lines */
    size_t srclen;
    mdList lists[MD_MAX_LISTS];
    int nlists;         /* open lists (may exceed MD_MAX_LISTS) */
    int quote;          /* blockquote depth */
    int sep;            /* newlines owed before the next content (0-2) */
    int after_para;     /* the last block was a paragraph: 1, or 2 if a blank line followed */
    int bullet;         /* an item's marker is still to be written */
    int code_block, code_span;
    int heading;
    int in_link;        /* inside a link's or image's text */
    int marks_off;      /* no style markers (Slack link text, headings, table cells) */
    int bold, italic, strike; /* terminal: open style depth */
    size_t link_start;  /* offset in *b where the link text began */
    char *link_url;     /* the destination (NULL if none) */
    int link_safe;      /* link_url is a web or mail address made safe */
    mdTarget cell_t;    /* the target while a table cell is written as plain text */
    int cell_color;
    int table;          /* inside a table */
    int html_block;     /* inside raw HTML: 2 until its first text (where it is reported) */
    mdTable tab;
    size_t last_src;    /* source offset of the last text seen */
    char next_src;      /* the source byte after the current text (' ' at the end) */
    renderMdIssue *issues;
    size_t nissues, maxissues;
} mdR;

/* Text of a paragraph, heading, cell or link: escaped for the target. */
void mdText(mdR *r, const char *s, size_t n);
/* Code (span or block): only what the platform needs escaped. */
void mdCode(mdR *r, const char *s, size_t n);
/* Markup we generate ourselves, written as is. */
void mdRaw(mdR *r, const char *s);
/* An entity ("&amp;", "&#233;"): decoded when known, else literal. */
void mdEntity(mdR *r, const char *s, size_t n);
/* The link or image whose text starts at r->link_start in *r->b. */
void mdLinkClose(mdR *r, int image);
/* A web or mail destination made safe for the target; NULL otherwise. */
char *mdSafeUrl(const char *s, size_t n);
/* Table cells and the finished table. */
void mdTableCell(mdR *r);
void mdTableWrite(mdR *r);
void mdTableFree(mdTable *t);
/* Note something a chat platform cannot show. */
void mdIssue(mdR *r, const char *what);
/* Start a line of content: owed newlines, quote and list prefixes, bullet. */
void mdBeginContent(mdR *r);

#endif
