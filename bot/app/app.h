/* app.h - the process: configuration, the current knowledge, the loop,
 * history, and the transports. Transports call appAnswer() for every
 * question; it runs the handler and records metrics and history, so every
 * platform is measured and remembered the same way. */
#ifndef CB_APP_H
#define CB_APP_H

#include "app/config.h"
#include "app/cooldown.h"
#include "handlers/handler.h"
#include "ops/history.h"
#include "match/knowledge.h"
#include "net/loop.h"
#include "platform/transport.h"

#define APP_MAX_TRANSPORTS 4
#define APP_COOLDOWN_KEYS 8192 /* users (and channels) remembered at once */

typedef struct cbApp {
    cbConfig cfg;
    cbSecrets secrets;
    cbLoop loop;
    knowledge *k;          /* current; replaced atomically by appReload() */
    histStore *hist;       /* may be NULL */
    /* Per-user and per-channel cooldowns (limits.*); off until
     * appLimitsInit() (the runner calls it; in-process tests need not). */
    coolTable cool_user, cool_channel;
    cbTransport *transports[APP_MAX_TRANSPORTS];
    size_t ntransports;
    int stopping;
    int exit_code;
    /* Set by the runner: begin a graceful shutdown (drain, close, exit). */
    void (*request_stop)(void *ud, const char *why);
    void *stop_ud;
} cbApp;

/* Answer a question into out. Returns 1 when the transport should send
 * out, 0 when it should say nothing: the user or the channel is cooling
 * down and was already told to slow down (out then holds that notice, for
 * a transport that must answer something, e.g. an interaction). The
 * console has no cooldowns. */
int appAnswer(cbApp *a, const hndRequest *req, hndReply *out);
/* Turn the cooldowns on (sized for APP_COOLDOWN_KEYS keys each). */
void appLimitsInit(cbApp *a);
void appLimitsFree(cbApp *a);
void appShow(cbApp *a, const char *id, hndReply *out);
/* Record a vote on a message (NULL: the entry stands for it; a user's
 * later vote on the same message replaces the earlier one); done runs once
 * it is committed (or failed). CB_ERR, without done, for an entry that is
 * not in the live knowledge. */
int appVote(cbApp *a, cbPlatform p, const char *user, const char *message, const char *entry_id,
            int helpful, histDoneFn *done, void *ud);
/* Load the knowledge again; on failure keep the old one, log, count. */
int appReload(cbApp *a);
/* A transport found a fatal condition (e.g. invalid token): log one clear
 * line, then stop gracefully with exit code 78. */
void appFatal(cbApp *a, const char *msg);

#endif
