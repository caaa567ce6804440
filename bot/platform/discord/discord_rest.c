/* discord_rest.c - the Discord transport's REST calls, sent through the
 * shared outbox (which counts them for a graceful shutdown and outlives
 * the transport); http.h does the rate limits (per route, and Discord's
 * global 50/s kept proactively) and retries, every call says who it is
 * (d->ua), and one place decides what a failure means: 401 is
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

dcReq *dcReqNew(const char *what, const char *channel) {
    dcReq *q = cbCalloc(1, sizeof *q);
    q->what = cbStrdup(what);
    q->channel = cbStrdup(channel);
    return q;
}

static void dcReqFree(dcReq *q) {
    cbFreeN(3, q->what, q->channel, q);
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

static void dcHttpDone(void *owner, void *ud, const httpResponse *res) {
    discord *d = owner;
    dcReq *q = ud;
    if (q->fn) q->fn(d, q, res);
    else if (d && !d->fatal) dcCheckResponse(d, q, res);
    dcReqFree(q);
}

int dcCall(discord *d, dcReq *q, const char *method, char *url, json_t *body, const char *route,
           dcDoneFn *fn) {
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    return dcCallText(d, q, method, url, text, route, fn);
}

int dcCallText(discord *d, dcReq *q, const char *method, char *url, char *text, const char *route,
               dcDoneFn *fn) {
    q->fn = fn;
    /* interaction endpoints do not count against the global limit */
    int interaction = strstr(route, "/interactions/") || strstr(route, "/webhooks/");
    httpRequest req = {
        .method = method,
        .url = url,
        .body = text,
        .authorization = d->auth,
        .route = route,
        .max_attempts = DC_REPLY_ATTEMPTS,
        .timeout_ms = 10000,
        .user_agent = d->ua,
        .group = interaction ? NULL : "discord",
        .urgent = interaction, /* someone is waiting on it: before queued posts */
        .group_n = DISCORD_GLOBAL_PER_S,
        .group_window_ms = DISCORD_GLOBAL_WINDOW_MS,
    };
    char err[CB_ERRLEN] = "";
    int rc = d->fatal ? CB_ERR : outboxSend(d->ob, d->loop->http, &req, dcHttpDone, q, err);
    free(url); /* http.h keeps its own copies */
    free(text);
    if (rc != CB_OK) dcReqFree(q); /* the outbox logged why (nothing is sent once fatal) */
    return rc;
}
