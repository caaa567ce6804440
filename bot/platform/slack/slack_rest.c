/* slack_rest.c - the Slack transport's Web API calls over http.h: one
 * request record per call (kept in a list so replies in flight are counted
 * for a graceful shutdown and survive the transport being freed first),
 * Slack's {"ok": false, "error": ...} convention decoded into one callback,
 * and every failure logged with the method and channel - never a token.
 * Rate limits (429 Retry-After) and 5xx retries are http.h's job. */
#include <stdlib.h>
#include <string.h>

#include "base/common.h"
#include "net/http.h"
#include "base/log.h"
#include "ops/metrics.h"
#include "platform/slack/slack_int.h"

slkReq *slkReqNew(slack *s, const char *what, const char *channel) {
    slkReq *q = cbCalloc(1, sizeof(*q));
    q->s = s;
    q->what = cbStrdup(what);
    q->channel = cbStrdup(channel);
    return q;
}

void slkReqFree(slkReq *q) {
    if (!q) return;
    free(q->what);
    free(q->channel);
    free(q->url);
    free(q->body);
    free(q->auth);
    free(q->entry_id);
    free(q->ts);
    free(q->response_url);
    free(q->user);
    json_decref(q->blocks);
    free(q);
}

void slkReqLink(slack *s, slkReq *q) {
    q->s = s;
    q->prev = NULL;
    q->next = s->reqs;
    if (s->reqs) s->reqs->prev = q;
    s->reqs = q;
    s->inflight++;
}

void slkReqUnlink(slkReq *q) {
    slack *s = q->s;
    if (!s) return;
    if (q->prev) q->prev->next = q->next;
    else s->reqs = q->next;
    if (q->next) q->next->prev = q->prev;
    q->prev = q->next = NULL;
    assert(s->inflight > 0);
    s->inflight--;
}

/* Decode an HTTP outcome into ok/error; *resp gets the parsed body. */
static int slkOutcome(const httpResponse *res, int is_response_url, json_t **resp,
                      char *error, size_t errlen) {
    *resp = NULL;
    if (res->error) {
        snprintf(error, errlen, "%s", res->error);
        return 0;
    }
    if (res->body && res->body_len) *resp = json_loadb(res->body, res->body_len, 0, NULL);
    if (res->status < 200 || res->status >= 300) {
        const char *e = json_string_value(json_object_get(*resp, "error"));
        snprintf(error, errlen, "http_%ld%s%s", res->status, e ? " " : "", e ? e : "");
        return 0;
    }
    if (is_response_url && !json_is_object(*resp)) return 1; /* plain "ok" body */
    if (json_is_true(json_object_get(*resp, "ok"))) return 1;
    const char *e = json_string_value(json_object_get(*resp, "error"));
    snprintf(error, errlen, "%s", e ? e : "malformed_response");
    return 0;
}

static void slkHttpDone(const httpResponse *res, void *ud) {
    slkReq *q = ud;
    slack *s = q->s;
    if (!s) { /* the transport is gone */
        slkReqFree(q);
        return;
    }
    slkReqUnlink(q);
    char error[200] = "";
    json_t *resp = NULL;
    int ok = slkOutcome(res, strcmp(q->what, "response_url") == 0, &resp, error, sizeof(error));
    logRedact(error);
    if (!ok && !q->fn) {
        metricsReplyFailed("slack");
        logEvent(LOG_ERROR, "slack.reply_failed", "method=%s channel=%s error=\"%s\" attempts=%d",
                 q->what, q->channel ? q->channel : "-", error, res->attempts);
    }
    if (res->waited_ms > 0) metricsRateLimitWait("slack");
    if (q->fn) q->fn(s, q, ok, ok ? NULL : error, resp);
    json_decref(resp);
    slkReqFree(q); /* fn makes new records for any follow-up call */
    slkPump(s);
    slkCheckDrained(s);
}

static int slkSubmit(slack *s, slkReq *q, const char *route, int attempts) {
    httpRequest req = {
        .method = "POST",
        .url = q->url,
        .body = q->body,
        .content_type = q->body ? "application/json; charset=utf-8"
                                : "application/x-www-form-urlencoded",
        .authorization = q->auth,
        .route = route,
        .max_attempts = attempts,
        .timeout_ms = 10000,
        /* replies go to different threads: no need for strict order */
        .route_concurrency = HTTP_MAX_ROUTE_CONCURRENCY,
    };
    char err[CB_ERRLEN];
    slkReqLink(s, q);
    if (httpSubmit(s->a->loop.http, &req, slkHttpDone, q, err) != CB_OK) {
        slkReqUnlink(q);
        logRedact(err);
        metricsReplyFailed("slack");
        logEvent(LOG_ERROR, "slack.reply_failed", "method=%s channel=%s error=\"%s\"", q->what,
                 q->channel ? q->channel : "-", err);
        slkReqFree(q);
        return CB_ERR;
    }
    return CB_OK;
}

static char *slkDump(json_t *body) {
    if (!body) return NULL;
    char *s = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    return s;
}

int slkCall(slack *s, const char *method, json_t *body, const char *auth, slkReq *q,
            slkDoneFn *fn) {
    if (!q) q = slkReqNew(s, method, json_string_value(json_object_get(body, "channel")));
    q->fn = fn;
    q->url = cbSprintf("%s%s", s->api, method);
    q->body = slkDump(body);
    q->auth = cbStrdup(auth);
    return slkSubmit(s, q, method, SLK_REPLY_ATTEMPTS);
}

int slkRespond(slack *s, const char *url, json_t *body, slkReq *q, slkDoneFn *fn) {
    if (!q) q = slkReqNew(s, "response_url", NULL);
    free(q->what);
    q->what = cbStrdup("response_url");
    q->fn = fn;
    q->url = cbStrdup(url);
    q->body = slkDump(body);
    return slkSubmit(s, q, "response_url", SLK_REPLY_ATTEMPTS);
}
