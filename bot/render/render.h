/* render.h - turn a platform-neutral hndReply into each platform's native
 * format: terminal text, Slack Block Kit, Discord embeds and components.
 * Renderers never fail: content that exceeds a platform limit is cut at a
 * word boundary with an ellipsis, and the reply stays valid.
 *
 * Button ids come from action.h, so the transports decode clicks the same
 * way for every platform. */
#ifndef CB_RENDER_H
#define CB_RENDER_H

#include <jansson.h>

#include "base/reply.h"

/* Terminal text; color != 0 adds ANSI styling. Caller frees. */
char *renderTerminal(const hndReply *r, int color);

typedef struct renderOpts {
    int ephemeral;   /* slash-command reply only the asker sees */
    int show_share;  /* Slack: add a "Share in channel" button */
    int show_votes;  /* add Helpful / Not helpful buttons (answers only) */
    int full;        /* the whole answer even when it has a summary */
} renderOpts;

/* Slack and Discord lead an answer that has a summary with just that (two
 * lines, not a page) and a "Full answer" button (action "full:<id>") that
 * brings the rest to the clicker; o->full (the click) renders it all. */
int renderSummaryFirst(const hndReply *r, const renderOpts *o);
/* Plain text (a summary) escaped so Slack / Discord show it as written. */
char *renderTextToMrkdwn(const char *plain);
char *renderTextToDiscord(const char *plain);

/* Slack: a new object {"text": fallback, "blocks": [...]} (caller owns the
 * reference); add channel/thread_ts before posting. */
json_t *renderSlack(const hndReply *r, const renderOpts *o);
/* Discord: a new message object {"embeds": [...], "components": [...],
 * "allowed_mentions": {"parse": []}} plus "flags": 64 when ephemeral. */
json_t *renderDiscord(const hndReply *r, const renderOpts *o);

/* Markdown (CommonMark, tables, ~~strikethrough~~; md4c) converted for the
 * renderers (caller frees; NULL in = ""). */
char *renderMarkdownToMrkdwn(const char *md);  /* Slack mrkdwn, & < > escaped */
char *renderMarkdownToDiscord(const char *md); /* Discord Markdown */
char *renderMarkdownToPlain(const char *md, int color);

/* What a chat platform cannot show as written, for `kb check`: "table"
 * (a monospace block), "image" (a link) or "html" (literal text), with
 * its 1-based line in md. Returns how many were found (at most max). */
typedef struct renderMdIssue {
    int line;
    const char *what;
} renderMdIssue;
size_t renderMarkdownIssues(const char *md, renderMdIssue *out, size_t max);

#endif
