/* app.h - the door between a chat transport and the process. A transport
 * sees only this: its own options, the loop it runs on, and six calls:
 * appAnswer (a question: the handler runs, metrics and history record it
 * for every platform alike), appShow (an entry, for a button), appComplete
 * (autocomplete, counted in metrics), appVote, appChannelAllowed and
 * appFatal (plus appStop for a console whose user is done). cbApp itself
 * (config, secrets, knowledge, history) is opaque here; the process that
 * owns it includes app/process.h. */
#ifndef CB_APP_H
#define CB_APP_H

#include <stddef.h>

#include "base/reply.h"
#include "net/loop.h"

typedef struct cbApp cbApp;

/* A transport's own settings, from the config file and the environment.
 * Strings are borrowed from the app (valid while it lives). */
typedef struct appTransportOptions {
    const char *api_url;   /* the platform's REST base; NULL or "": its default */
    const char *token;     /* Slack: the bot token (xoxb-); Discord: the bot token */
    const char *app_token; /* Slack: the app-level token (xapp-); else NULL */
    int slash_ephemeral;   /* slash-command answers only the asker sees */
    int shard_id, shard_count; /* Discord: this process's shard (count 1: none) */
    const char *project_url;   /* Discord: the URL its User-Agent names */
    double ping_interval, ping_timeout; /* Slack: seconds of silence before a ping / a new link */
    const char *history_file; /* console: the line history file ("" default, "off" none) */
    int history_size;         /* console: lines of it kept (0: none) */
} appTransportOptions;

void appTransportOptionsFor(const cbApp *a, cbPlatform p, appTransportOptions *out);
/* The loop every transport runs on (uv, libwebsockets, the REST client). */
cbLoop *appLoop(cbApp *a);

/* Answer a question into out (the handler runs; metrics and history
 * record it). Returns 1 when the transport should send out, 0 when it
 * should say nothing: the user or the channel is cooling down and was
 * already told to slow down (out then holds that notice, for a transport
 * that must answer something, e.g. an interaction). The console has no
 * cooldowns. */
int appAnswer(cbApp *a, const hndRequest *req, hndReply *out);
/* One entry's answer, for a button ("show ID"). */
void appShow(cbApp *a, const char *id, hndReply *out);

/* Replies rendered once per knowledge load. A transport names a way it
 * renders answers (a static appRenderer: render returns a malloc'd
 * payload, e.g. Block Kit JSON) with appPrerenderAdd; every entry's answer
 * is rendered that way, in every confidence band, when the knowledge loads
 * or reloads, and swapped with it. appPrerendered gives the payload of r
 * (an answer of the current knowledge, as appAnswer/appShow made it) and
 * its length, or NULL when there is none (not an answer, or not rendered):
 * render r then. Valid until the next reload; the bytes are exactly what
 * how->render(r) returns. */
typedef struct appRenderer {
    const char *name; /* for logs, e.g. "slack.mention" */
    char *(*render)(const hndReply *r);
} appRenderer;
void appPrerenderAdd(cbApp *a, const appRenderer *how);
const char *appPrerendered(cbApp *a, const appRenderer *how, const hndReply *r, size_t *len);
/* The payload (a JSON object) with the members of the JSON object fields
 * (e.g. {"channel":"C1"}) appended after its own, as json_object_set on
 * the rendered object would have put them; caller frees. NULL when r has
 * no pre-rendered payload. */
char *appPrerenderedWith(cbApp *a, const appRenderer *how, const hndReply *r, const char *fields);
/* Up to max entries whose question best matches a partial question (for
 * autocomplete): out[i].id and .question are copies; free them with
 * appCompleteFree. Counted in metrics. Fast: no history, no log. */
size_t appComplete(cbApp *a, cbPlatform p, const char *partial, size_t max, replyRef *out);
void appCompleteFree(replyRef *refs, size_t n);

typedef void appVoteDoneFn(int ok, void *ud);
/* Record a vote on a message (NULL: the entry stands for it; a user's
 * later vote on the same message replaces the earlier one). CB_OK: done
 * runs exactly once when it is committed (or failed), maybe before
 * appVote returns; CB_ERR, done never runs: an entry that is not in the
 * live knowledge, or nothing could be queued. */
int appVote(cbApp *a, cbPlatform p, const char *user, const char *message, const char *entry_id,
            int helpful, appVoteDoneFn *done, void *ud);
/* A user chose entry_id among did-you-mean choices (a "show" button):
 * remembered as "their question meant entry_id" for the report. */
void appNoteChoice(cbApp *a, cbPlatform p, const char *user, const char *entry_id);
/* 1 if the platform's allow/deny lists let the bot answer in channel. */
int appChannelAllowed(const cbApp *a, cbPlatform p, const char *channel);
/* A transport found a fatal condition (e.g. invalid token): log one clear
 * line, then stop gracefully with exit code 78. */
void appFatal(cbApp *a, const char *msg);
/* A transport is done for good (the console's input ended): stop
 * gracefully with the exit code so far. */
void appStop(cbApp *a, const char *why);

/* ---- hand-offs to human mentors (app_handoff.c) ----
 * A question the bot declined (or a 👎'd answer) can go to the platform's
 * mentors channel (slack./discord.mentors_channel): the transport offers
 * it (buttons with a token), posts it when its asker clicks, and relays
 * the first mentor reply back. The state is in the history, so it
 * survives a restart; each step happens once. */
#define APP_MENTOR_TOKEN 33 /* a token and its NUL */

typedef struct appMentorAsk {
    cbPlatform platform;
    const char *user;
    const char *channel, *thread; /* where to relay the answer (Discord: a DM instead) */
    const char *question;         /* NULL: the question the user just 👎'd */
    const char *voted_entry;      /* after a 👎: the entry whose answer did not help */
} appMentorAsk;

/* 1 and token filled when the question can be handed over (a mentors
 * channel is configured for the platform, the history is open and
 * mentor.daily_limit is not 0), else 0: no buttons. */
int appMentorOffer(cbApp *a, const appMentorAsk *o, char token[APP_MENTOR_TOKEN]);

typedef enum {
    MENTOR_OK = 0,   /* post it (out filled) */
    MENTOR_LIMITED,  /* the asker's hand-offs for today are used up */
    MENTOR_NOT_ASKER,/* someone else clicked */
    MENTOR_TAKEN,    /* already sent (or cancelled, answered) */
    MENTOR_GONE,     /* unknown token or too old */
    MENTOR_FAILED    /* could not be stored */
} appMentorVerdict;

typedef struct appMentorPost {
    char *channel;  /* the mentors channel */
    char *question;
    char *asker_id; /* NULL unless the asker chose to show their name */
} appMentorPost;

/* The asker clicked "Ask a mentor" (named: "show my name"). MENTOR_OK:
 * post out to out->channel, then call appMentorPosted. */
appMentorVerdict appMentorRequest(cbApp *a, cbPlatform p, const char *token, const char *user,
                                  int named, appMentorPost *out);
void appMentorPostFree(appMentorPost *out);
/* What to tell the clicker for a verdict other than MENTOR_OK. */
const char *appMentorVerdictText(appMentorVerdict v);
/* The post is in the mentors channel as post (Slack "CHANNEL:ts", a
 * Discord message id), or NULL: it could not be posted (the asker may try
 * again). */
void appMentorPosted(cbApp *a, cbPlatform p, const char *token, const char *post);
/* The asker withdraws it: 1 (and *post, caller frees, may be NULL) when it
 * was open, 0 when it was not theirs or is closed already. */
int appMentorCancel(cbApp *a, cbPlatform p, const char *token, const char *user, char **post);

typedef struct appMentorReply {
    const char *posts[2];     /* what it may reply to (a thread's root, a replied message) */
    const char *mentor_user;  /* platform id */
    const char *mentor_name;  /* display name; may be NULL */
    const char *text;
} appMentorReply;

typedef struct appMentorRelay {
    char *user, *channel, *thread; /* the asker, and where they asked */
    char *question, *answer, *mentor;
} appMentorRelay;

/* A message that may answer a hand-off's post. 1 (out filled: relay it)
 * for the first reply to an open hand-off, by someone other than its
 * asker, within 7 days; 0 for a reply to a hand-off that is not relayed (a
 * second reply, closed, expired, the asker's own); -1: no hand-off. */
int appMentorReplied(cbApp *a, cbPlatform p, const appMentorReply *in, appMentorRelay *out);
void appMentorRelayFree(appMentorRelay *r);
/* The platform's mentors channel, or NULL (never answer questions there). */
const char *appMentorsChannel(const cbApp *a, cbPlatform p);

#endif
