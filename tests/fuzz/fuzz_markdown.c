/* fuzz_markdown.c - libFuzzer target for the Markdown converters
 * (render_md*.c, md4c; Slack, Discord, terminal, kb check's issues, plain
 * summaries): any bytes must convert without a crash, a leak or a hang,
 * and the output must keep the promises the renderers rely on: mrkdwn has
 * no raw '<' or '>' outside the links it generated itself (and quote
 * markers at a line start), and terminal
 * text without color carries no control characters but newlines and tabs. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "render/render.h"

static void checkMrkdwn(const char *s) {
    for (const char *p = s; *p; p++) {
        int quote = *p == '>' && (p == s || p[-1] == '\n') && p[1] == ' ';
        if (*p == '>' && !quote) abort(); /* else every '>' closes a link we opened */
        if (*p != '<') continue;
        /* a link we generated: <http(s)://...|text> or <mailto:...|text> */
        if (strncmp(p + 1, "http://", 7) && strncmp(p + 1, "https://", 8) && strncmp(p + 1, "mailto:", 7))
            abort();
        const char *bar = strchr(p, '|'), *close = strchr(p, '>');
        if (!bar || !close || bar > close) abort();
        p = close;
    }
}

static void checkPlain(const char *s) {
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if ((*p < 0x20 && *p != '\n' && *p != '\t') || *p == 0x7F) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *md = malloc(size + 1);
    if (!md) return 0;
    memcpy(md, data, size);
    md[size] = '\0'; /* the converters take C strings: stop at a NUL */
    char *a = renderMarkdownToMrkdwn(md);
    char *b = renderMarkdownToPlain(md, 0);
    char *c = renderMarkdownToPlain(md, 1);
    char *dc = renderMarkdownToDiscord(md);
    char *t = renderTextToMrkdwn(md); /* a summary: plain text, same promises */
    checkMrkdwn(a);
    checkMrkdwn(t);
    checkPlain(b);
    renderMdIssue v[8];
    size_t n = renderMarkdownIssues(md, v, 8);
    for (size_t i = 0; i < n; i++)
        if (v[i].line < 1 || (size_t)v[i].line > size + 1) abort(); /* a line of the input */
    free(a);
    free(b);
    free(c);
    free(dc);
    free(t);
    free(md);
    return 0;
}
