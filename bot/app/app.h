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

#endif
