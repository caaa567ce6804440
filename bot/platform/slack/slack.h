/* slack.h - the Slack transport: Socket Mode (apps.connections.open +
 * websocket) for events, slash commands and button clicks; the Web API
 * (chat.postMessage, chat.update, response_url) for replies.
 *
 * slackTransportNew() only allocates; start() checks the tokens
 * (SLACK_APP_TOKEN must start with "xapp-", SLACK_BOT_TOKEN with "xoxb-"),
 * runs auth.test and connects. A token Slack rejects (invalid_auth,
 * not_authed, account_inactive, token_revoked) or a disabled link is final:
 * one clear line, t->fatal set, appFatal() (exit 78); never a retry loop.
 *
 * The slk* functions below are the transport's pure parts (event
 * classification, mention stripping, duplicate detection, the
 * "thanks for the feedback" rewrite), declared here for the unit tests. */
#ifndef CB_SLACK_H
#define CB_SLACK_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "platform/transport.h"

struct cbApp;

/* NULL (err filled) only when the loop has no REST client. */
cbTransport *slackTransportNew(struct cbApp *a, char *err);

/* ---- token checks (slack.c) ---- */
/* CB_OK, or CB_ERR with a message naming the variable (never its value). */
int slkCheckTokens(const char *app_token, const char *bot_token, char *err);
/* 1 for Slack errors that mean "this token will never work". */
int slkIsAuthError(const char *error);

/* ---- duplicate detection (slack_events.c) ----
 * Event ids (and the envelope ids of slash commands and clicks) are
 * remembered for SLK_SEEN_TTL_MS: Slack retries an unacked event for
 * minutes (retry_attempt 1..3, the last about 5 minutes after the first).
 * At most SLK_SEEN_MAX ids (16 bytes each: 16 MiB plus a 4 MiB index,
 * allocated only as needed); past that the oldest is forgotten before its
 * time and counted in evicted_early (at 100 events/s the bound is never
 * reached; at a sustained 5,000/s it holds about 3.5 minutes). */
#define SLK_SEEN_TTL_MS (15 * 60 * 1000)
#define SLK_SEEN_MAX (1u << 20)
#define SLK_SEEN_FIRST 1024u
typedef struct slkSeen {
    struct slkSeenEnt *ring; /* arrival order, oldest at head */
    uint32_t *bucket;        /* hash -> ring index + 1, chained */
    size_t cap, head, n;
    double t0;               /* ms of the first id; -1 before */
    unsigned long long evicted_early;
} slkSeen;

void slkSeenInit(slkSeen *s);
void slkSeenFree(slkSeen *s);
/* now_ms: a monotonic clock (cbNowMs). NULL or "" ids are never seen. */
int slkSeenHas(slkSeen *s, const char *id, double now_ms);
void slkSeenAdd(slkSeen *s, const char *id, double now_ms);
/* Has, else Add: 1 if seen within the TTL, else remembers it and 0. */
int slkSeenCheck(slkSeen *s, const char *id, double now_ms);

/* ---- events (slack_events.c) ---- */
typedef enum {
    SLK_IGNORE = 0, /* not for us: why says which rule */
    SLK_MENTION,    /* app_mention in a channel: answer in a thread */
    SLK_DM,         /* a person's message in an IM: answer directly */
    SLK_THREAD      /* a person's reply in a channel thread: maybe a mentor's answer */
} slkEventKind;

typedef struct slkEvent {
    slkEventKind kind;
    const char *why;     /* SLK_IGNORE: "own_message", "bot_message", "subtype", ... */
    const char *channel; /* borrowed from the event */
    const char *user;
    const char *thread_ts; /* where to reply: thread_ts or ts (mention); NULL for a DM;
                            * SLK_THREAD: the thread's root */
    const char *name;    /* user_profile's display (else real) name; may be NULL */
    char *text;          /* mention stripped, trimmed; caller frees */
} slkEvent;

/* A Socket Mode message as json_loadb reads it (invalid JSON or UTF-8 is
 * NULL with err filled). An events_api envelope keeps only what the
 * transport reads (its type, ids, retry_attempt and the payload.event fields
 * slkClassifyEvent uses): a field read from an event must be added to the
 * list in slack_events.c. Other messages are read whole. */
json_t *slkParseMessage(const char *data, size_t len, char *err);

/* Classify payload.event; self_user/self_bot are the bot's ids (may be NULL). */
void slkClassifyEvent(const json_t *event, const char *self_user, const char *self_bot,
                      slkEvent *out);
void slkEventFree(slkEvent *e);
/* text with every <@self_user> / <@self_user|name> removed, whitespace
 * trimmed; caller frees. */
char *slkStripMention(const char *text, const char *self_user);
/* A message's text as its author typed it: Slack's escapes (&amp; &lt;
 * &gt;) decoded and its control sequences (<url|label>, <#C..|name>,
 * <@U..>, <!here>) turned into plain text; caller frees. */
char *slkPlainText(const char *text);

/* ---- button actions (slack_events.c; ids are render/action.h's) ---- */
/* A copy of blocks with the vote buttons removed (empty actions blocks
 * dropped) and a context line "Thanks for the feedback" appended. */
json_t *slkThankBlocks(const json_t *blocks);

#endif
