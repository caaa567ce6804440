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

/* Terminal text. Caller frees. Flags: */
#define RENDER_TERM_COLOR 1u /* ANSI styling */
#define RENDER_TERM_PICK 2u  /* the reader can pick a choice by its number (the console):
                              * related entries are numbered after the did-you-mean
                              * choices, and both lists say so */
char *renderTerminal(const hndReply *r, unsigned flags);

typedef struct renderOpts {
    int ephemeral;   /* slash-command reply only the asker sees */
    int show_share;  /* Slack: add a "Share in channel" button */
    int show_votes;  /* add Helpful / Not helpful buttons (answers only) */
    int full;        /* the whole answer even when it has a summary */
    const char *mentor_token; /* not NULL: "Ask a mentor" buttons for this hand-off */
} renderOpts;

/* Slack and Discord lead an answer that has a summary with just that (two
 * lines, not a page) and a "Full answer" button (action "full:<id>") that
 * brings the rest to the clicker; o->full (the click) renders it all. */
int renderSummaryFirst(const hndReply *r, const renderOpts *o);
/* Plain text (a summary) escaped so Slack / Discord show it as written. */
char *renderTextToMrkdwn(const char *plain);
char *renderTextToDiscord(const char *plain);
/* s as valid UTF-8 in which "@everyone" and "@here" cannot ping (a
 * zero-width space after the @), for any text a Discord message carries.
 * Caller frees. */
char *renderDiscordSafe(const char *s);

/* Slack: a new object {"text": fallback, "blocks": [...]} (caller owns the
 * reference); add channel/thread_ts before posting. */
json_t *renderSlack(const hndReply *r, const renderOpts *o);
/* Discord: a new message object {"embeds": [...], "components": [...],
 * "allowed_mentions": {"parse": []}} plus "flags": 64 when ephemeral. */
json_t *renderDiscord(const hndReply *r, const renderOpts *o);

/* ---- hand-offs to human mentors (render_handoff.c) ----
 * Every text from a user or a mentor is escaped for its platform (no
 * mention or @everyone/@here can be formed); the asker appears as a
 * mention only when asker_id is set (they chose to show their name). */
typedef struct renderHandoff {
    const char *question;  /* the asker's words */
    const char *asker_id;  /* NULL: anonymous */
    const char *mentor;    /* the mentor's display name (relay) */
    const char *answer;    /* the mentor's words (relay) */
    const char *token;     /* the hand-off, for its Cancel button (ack) */
} renderHandoff;
/* What the mentors' channel gets. New references; add the channel. */
json_t *renderSlackHandoffPost(const renderHandoff *h);
json_t *renderDiscordHandoffPost(const renderHandoff *h);
/* The private note to the asker that it was sent, with a Cancel button:
 * Slack {"response_type": "ephemeral", ...}, Discord flags 64. */
json_t *renderSlackHandoffAck(const renderHandoff *h);
json_t *renderDiscordHandoffAck(const renderHandoff *h);
/* The mentor's answer for the asker. */
json_t *renderSlackHandoffRelay(const renderHandoff *h);
json_t *renderDiscordHandoffRelay(const renderHandoff *h);
/* The "Ask a mentor" / "Ask a mentor (show my name)" buttons for token:
 * a Slack actions block, a Discord action row (new references). */
json_t *renderSlackMentorButtons(const char *token);
json_t *renderDiscordMentorRow(const char *token);
/* What the asker is told after Cancel (ok: it was withdrawn; else it was
 * closed already), and what the mentors' post becomes. Plain text. */
const char *renderHandoffCancelText(int ok);
#define RENDER_HANDOFF_WITHDRAWN "(The asker withdrew this question.)"
/* A one-line notice (plain text, escaped): "cancelled", a limit, ... */
json_t *renderSlackNotice(const char *text);
json_t *renderDiscordNotice(const char *text);

/* Markdown (CommonMark, tables, ~~strikethrough~~; md4c) converted for the
 * renderers (caller frees; NULL in = ""). */
char *renderMarkdownToMrkdwn(const char *md);  /* Slack mrkdwn, & < > escaped */
char *renderMarkdownToDiscord(const char *md); /* Discord Markdown */
char *renderMarkdownToPlain(const char *md, int color);

/* What the platforms show of an answer's text (Discord's embed
 * description, in UTF-16 units) and of its title (Slack's header block,
 * in characters): longer is cut with "...". */
#define RENDER_DISCORD_DESC_MAX 4096
#define RENDER_SLACK_HEADER_MAX 150

/* What a chat platform cannot show as written, for `kb check`: "table"
 * (a monospace block), "image" (a link), "html" (literal text),
 * "link-text" (text naming another site), "link-url" (an address that is
 * not http(s) or mailto), "link-broken" (a link md4c could not read),
 * "marks" (** or __ that close nothing) or "fence" (a code fence never
 * closed), with its 1-based line in md. Returns how many were found (at
 * most max). */
typedef struct renderMdIssue {
    int line;
    const char *what;
} renderMdIssue;
size_t renderMarkdownIssues(const char *md, renderMdIssue *out, size_t max);

/* 1 if the first n bytes of s (Slack mrkdwn or Discord markdown as the
 * renderers write it) end inside a ``` code block: a cut there must close
 * the fence, or the rest of the message renders as code or the code's
 * characters as formatting. */
int renderInsideFence(const char *s, size_t n);

#endif
