/* render_md.h - internals shared by the two halves of the Markdown
 * converter (render_md.c: spans; render_md_block.c: blocks). The public
 * entry points are renderMarkdownToMrkdwn/renderMarkdownToPlain in render.h. */
#ifndef CB_RENDER_MD_H
#define CB_RENDER_MD_H

#include <stddef.h>

#include "base/buf.h"

typedef struct mdOut {
    cbBuf *b;
    int mrkdwn;   /* 1: Slack mrkdwn; 0: terminal text */
    int color;    /* terminal: ANSI styles */
    int no_marks; /* mrkdwn: inside a link text or heading, emit no style markers */
    int bold, italic; /* terminal: open style depth */
    size_t budget;    /* bytes that closer searches may still scan */
} mdOut;

/* Render the spans of s[0..n) (emphasis, code, links) into o->b. */
void mdInline(mdOut *o, const char *s, size_t n, int depth);
/* Literal text: mrkdwn escapes & < >; control characters are dropped. */
void mdText(mdOut *o, const char *s, size_t n);
void mdRaw(mdOut *o, const char *s);

#endif
