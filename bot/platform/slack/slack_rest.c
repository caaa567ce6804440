/* slack_rest.c - what the Slack transport sends: Socket Mode acks (urgent
 * frames on the websocket) and Web API calls, sent through the
 * shared outbox (which counts them for a graceful shutdown and outlives
 * the transport): Slack's {"ok": false, "error": ...} convention decoded
 * into one callback, and every failure logged with the method and channel
 * - never a token. Rate limits (429 Retry-After) and 5xx retries are
 * http.h's job. */
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/common.h"
#include "net/http.h"
#include "base/log.h"
#include "ops/metrics.h"
#include "platform/slack/slack_int.h"

static slkReq *slkReqNew(const char *what, const char *channel, slkDoneFn *fn) {
    slkReq *q = cbCalloc(1, sizeof(*q));
    q->fn = fn;
    q->what = cbStrdup(what);
    q->channel = cbStrdup(channel);
    return q;
}

static void slkReqFree(slkReq *q) {
    if (q->ud_free) q->ud_free(q->ud);
    cbFreeN(3, q->what, q->channel, q);
}

/* A Web API success that nobody reads: Slack's answer opens with its "ok"
 * member, so {"ok":true at the start settles it without parsing the rest
 * (chat.postMessage echoes the whole message back). */
static int slkPlainOk(const httpResponse *res) {
    static const char ok[] = "{\"ok\":true";
    return res->status >= 200 && res->status < 300 && res->body_len > sizeof ok &&
           memcmp(res->body, ok, sizeof ok - 1) == 0 &&
           (res->body[sizeof ok - 1] == ',' || res->body[sizeof ok - 1] == '}');
}

/* Decode an HTTP outcome into ok/error; *resp gets the parsed body (NULL
 * when need_body is 0 and the body says ok at once). */
static int slkOutcome(const httpResponse *res, int is_response_url, int need_body, json_t **resp,
                      char *error, size_t errlen) {
    *resp = NULL;
    if (res->error) {
        snprintf(error, errlen, "%s", res->error);
        return 0;
    }
    if (!need_body && !is_response_url && slkPlainOk(res)) return 1;
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

static void slkHttpDone(void *owner, void *ud, const httpResponse *res) {
    slack *s = owner;
    slkReq *q = ud;
    if (!s) { /* the transport is gone */
        slkReqFree(q);
        return;
    }
    char error[200] = "";
    json_t *resp = NULL;
    int ok = slkOutcome(res, strcmp(q->what, "response_url") == 0, q->fn != NULL, &resp, error,
                        sizeof(error));
    logRedact(error);
    if (!ok && !q->fn) {
        metricsReplyFailed("slack");
        logEvent(LOG_ERROR, "slack.reply_failed", "method=%s channel=%s error=\"%s\" attempts=%d",
                 q->what, q->channel ? q->channel : "-", error, res->attempts);
    }
    if (res->waited_ms > 0) metricsRateLimitWait("slack");
    if (q->fn) q->fn(s, q, ok, ok ? NULL : error, resp);
    json_decref(resp);
    slkReqFree(q); /* fn sends any follow-up call itself */
}

/* POST text (JSON, taken and freed; may be NULL) to url; q is freed on
 * failure. */
static int slkSubmitText(slack *s, slkReq *q, const char *url, char *text, const char *auth) {
    httpRequest req = {
        .method = "POST",
        .url = url,
        .body = text,
        .content_type = text ? "application/json; charset=utf-8"
                             : "application/x-www-form-urlencoded",
        .authorization = auth,
        .route = q->what,
        .max_attempts = SLK_REPLY_ATTEMPTS,
        .timeout_ms = 10000,
        /* replies go to different threads: no need for strict order */
        .route_concurrency = HTTP_MAX_ROUTE_CONCURRENCY,
    };
    char err[CB_ERRLEN];
    int rc = outboxSend(s->ob, s->loop->http, &req, slkHttpDone, q, err);
    free(text); /* http.h keeps its own copies */
    if (rc != CB_OK) slkReqFree(q); /* the outbox logged why */
    return rc;
}

/* POST body (stolen, may be NULL) to url; q is freed on failure. */
static int slkSubmit(slack *s, slkReq *q, const char *url, json_t *body, const char *auth) {
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    return slkSubmitText(s, q, url, text, auth);
}

int slkCall(slack *s, const char *method, json_t *body, const char *auth, slkDoneFn *fn) {
    slkReq *q = slkReqNew(method, json_string_value(json_object_get(body, "channel")), fn);
    char *url = cbConcat(s->api, method);
    int rc = slkSubmit(s, q, url, body, auth);
    free(url);
    return rc;
}

int slkCallUd(slack *s, const char *method, json_t *body, slkDoneFn *fn, void *ud,
              void (*ud_free)(void *)) {
    slkReq *q = slkReqNew(method, json_string_value(json_object_get(body, "channel")), fn);
    q->ud = ud;
    q->ud_free = ud_free;
    char *url = cbConcat(s->api, method);
    int rc = slkSubmit(s, q, url, body, s->bot_auth);
    free(url);
    return rc;
}

int slkCallText(slack *s, const char *method, const char *channel, char *text, const char *auth,
                slkDoneFn *fn) {
    slkReq *q = slkReqNew(method, channel, fn);
    char *url = cbConcat(s->api, method);
    int rc = slkSubmitText(s, q, url, text, auth);
    free(url);
    return rc;
}

int slkRespond(slack *s, const char *url, json_t *body) {
    return slkSubmit(s, slkReqNew("response_url", NULL, NULL), url, body, NULL);
}

/* ---- Socket Mode acks: the frames that must go first ---- */

/* {"envelope_id":ID} (with "payload" when there is one), as json_dumps
 * writes it; the plain ack, one per event, without building a json_t. */
static char *slkAckText(const char *envelope_id, json_t *payload) {
    if (payload) {
        json_t *ack = json_pack("{s:s}", "envelope_id", envelope_id);
        json_object_set_new(ack, "payload", payload);
        char *text = json_dumps(ack, JSON_COMPACT);
        json_decref(ack);
        return text;
    }
    cbBuf b;
    bufInit(&b, SLK_MAX_MESSAGE);
    bufAppendStr(&b, "{\"envelope_id\":");
    bufJsonStr(&b, envelope_id);
    bufAppendStr(&b, "}");
    return bufDetach(&b);
}

int slkAck(slkConn *c, const char *envelope_id, json_t *payload) {
    char *text = slkAckText(envelope_id, payload);
    int rc = c->ws && !c->closing ? wsSendUrgent(c->ws, text, strlen(text)) : CB_ERR;
    if (rc != CB_OK)
        logEvent(LOG_WARN, "slack.ack_failed", "envelope=%s conn=%d msg=\"not answered: Slack will redeliver\"",
                 envelope_id, c->id);
    free(text);
    return rc;
}
