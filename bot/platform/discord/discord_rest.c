/* discord_rest.c - the Discord transport's REST calls and their
 * bookkeeping: every call is a dcReq on a list (so shutdown knows what is
 * in flight and a freed transport can orphan them), http.h does the rate
 * limits and retries, and one place decides what a failure means: 401 is
 * fatal (exit 78, nothing else is sent), 403 marks the channel as
 * forbidden (no more replies there), anything else is logged with the
 * channel and reason. URLs are never logged: interaction and webhook URLs
 * contain tokens. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/common.h"
#include "platform/discord/discord_int.h"
#include "base/log.h"
#include "ops/metrics.h"

dcReq *dcReqNew(discord *d, const char *what, const char *channel) {
    dcReq *q = cbCalloc(1, sizeof *q);
    q->d = d;
    q->what = cbStrdup(what);
    q->channel = cbStrdup(channel);
    return q;
}

void dcReqFree(dcReq *q) {
    if (!q) return;
    free(q->what);
    free(q->channel);
    free(q->url);
    free(q->body);
    free(q->route);
    free(q->itoken);
    free(q->iid);
    free(q->app_id);
    free(q);
}

void dcReqLink(discord *d, dcReq *q) {
    q->next = d->reqs;
    if (d->reqs) d->reqs->prev = q;
    d->reqs = q;
    d->inflight++;
}

void dcReqUnlink(dcReq *q) {
    discord *d = q->d;
    if (!d) return;
    if (q->prev) q->prev->next = q->next;
    else d->reqs = q->next;
    if (q->next) q->next->prev = q->prev;
    q->prev = q->next = NULL;
    d->inflight--;
}

int dcChannelForbidden(discord *d, const char *channel) {
    for (size_t i = 0; channel && i < d->nforbidden; i++)
        if (strcmp(d->forbidden[i], channel) == 0) return 1;
    return 0;
}

static void dcForbid(discord *d, const char *channel) {
    if (!channel || dcChannelForbidden(d, channel)) return;
    if (d->nforbidden == DC_MAX_FORBIDDEN) { /* forget the oldest */
        free(d->forbidden[0]);
        memmove(d->forbidden, d->forbidden + 1, (DC_MAX_FORBIDDEN - 1) * sizeof d->forbidden[0]);
        d->nforbidden--;
    }
    d->forbidden[d->nforbidden++] = cbStrdup(channel);
}

/* The "message" of a Discord error body, cut and redacted, into out. */
static void dcErrorText(const httpResponse *res, char *out, size_t outlen) {
    json_t *j = res->body ? json_loads(res->body, 0, NULL) : NULL;
    const char *msg = json_string_value(json_object_get(j, "message"));
    snprintf(out, outlen, "%s", msg ? msg : res->error ? res->error : "");
    json_decref(j);
    for (char *p = out; *p; p++)
        if (*p == '"' || *p == '\n') *p = '\'';
    logRedact(out);
}

int dcCheckResponse(discord *d, dcReq *q, const httpResponse *res) {
    if (res->status >= 200 && res->status < 300) return CB_OK;
    char why[200];
    dcErrorText(res, why, sizeof why);
    metricsReplyFailed("discord");
    logEvent(LOG_ERROR, "discord.request_failed", "what=%s channel=%s status=%ld attempts=%d reason=\"%s\"",
             q->what, q->channel ? q->channel : "-", res->status, res->attempts, why);
    if (res->status == 401) {
        dcFatal(d, "Discord answered 401 Unauthorized: DISCORD_TOKEN is invalid or was reset");
    } else if (res->status == 403 && q->channel) {
        dcForbid(d, q->channel);
        logEvent(LOG_WARN, "discord.channel_forbidden",
                 "channel=%s msg=\"the bot lacks permission here (View Channel, Send Messages, "
                 "Embed Links, Read Message History); no more replies to it until restart\"",
                 q->channel);
    }
    return CB_ERR;
}

static void dcHttpDone(const httpResponse *res, void *ud) {
    dcReq *q = ud;
    discord *d = q->d;
    dcReqUnlink(q);
    if (q->vote) {
        dcOnVoteAcked(d, q, res); /* also when the transport is gone: frees the vote */
    } else if (d && !d->fatal) {
        if (q->fn) q->fn(d, q, res);
        else dcCheckResponse(d, q, res);
    }
    dcReqFree(q);
    if (d) {
        dcPump(d);
        dcCheckDrained(d);
    }
}

int dcCall(discord *d, dcReq *q, const char *method, char *url, json_t *body, const char *route,
           dcDoneFn *fn) {
    q->fn = fn;
    free(q->url);
    q->url = url;
    q->route = cbSprintf("%s", route);
    if (body) {
        q->body = json_dumps(body, JSON_COMPACT);
        json_decref(body);
    }
    httpRequest req = {
        .method = method,
        .url = q->url,
        .body = q->body,
        .authorization = d->auth,
        .route = q->route,
        .max_attempts = DC_REPLY_ATTEMPTS,
        .timeout_ms = 10000,
    };
    char err[CB_ERRLEN];
    dcReqLink(d, q);
    if (d->fatal || httpSubmit(d->a->loop.http, &req, dcHttpDone, q, err) != CB_OK) {
        dcReqUnlink(q);
        if (!d->fatal) {
            logRedact(err);
            metricsReplyFailed("discord");
            logEvent(LOG_ERROR, "discord.request_failed", "what=%s channel=%s error=\"%s\"", q->what,
                     q->channel ? q->channel : "-", err);
        }
        dcReqFree(q);
        return CB_ERR;
    }
    free(q->url); /* http.h keeps its own copies */
    free(q->body);
    q->url = q->body = NULL;
    return CB_OK;
}
