/* slack.c - the Slack transport's lifecycle and Socket Mode connections:
 * token checks, auth.test (to learn our own ids), apps.connections.open,
 * the websocket (hello, envelopes acked at once, disconnect), refreshes
 * without a gap or a loss (the new socket must say hello first; the old
 * one is read until Slack closes it, or SLK_RETIRE_MS), a silent link
 * noticed from missing pongs (slack.ping_interval / ping_timeout),
 * reconnects with backoff + jitter, and a graceful shutdown.
 * Acks go out before any other frame; an envelope whose ack could not be
 * queued is not answered (Slack delivers it again) and not remembered.
 * What to answer is decided in slack_reply.c; REST is in slack_rest.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/common.h"
#include "net/http.h"
#include "base/log.h"
#include "ops/metrics.h"
#include "platform/slack/slack_int.h"

#define SLK_BACKOFF_BASE_MS 1000
#define SLK_BACKOFF_CAP_MS 60000
#define SLK_BACKOFF_MIN_MS 250

static void slkConnect(slack *s);
static void slkEnsure(slack *s);

static void slkState(slack *s, const char *fmt, const char *arg) {
    snprintf(s->state, sizeof(s->state), fmt, arg ? arg : "");
}

/* ---- tokens ---- */

static int slkTokenOk(const char *name, const char *v, const char *prefix, const char *hint,
                      char *err) {
    if (!v || !*v) return cbErr(err, "%s is not set: %s", name, hint);
    if (strncmp(v, prefix, strlen(prefix)) != 0)
        return cbErr(err, "%s does not start with %s: %s", name, prefix, hint);
    for (const char *p = v; *p; p++)
        if ((unsigned char)*p <= 0x20 || *p == 0x7F)
            return cbErr(err, "%s contains whitespace or control characters", name);
    return CB_OK;
}

int slkCheckTokens(const char *app_token, const char *bot_token, char *err) {
    if (slkTokenOk("SLACK_APP_TOKEN", app_token, "xapp-",
                   "create an app-level token with connections:write (Basic Information)",
                   err) != CB_OK)
        return CB_ERR;
    return slkTokenOk("SLACK_BOT_TOKEN", bot_token, "xoxb-",
                      "copy the Bot User OAuth Token (OAuth & Permissions)", err);
}

int slkIsAuthError(const char *error) {
    static const char *fatal[] = {"invalid_auth", "not_authed", "account_inactive",
                                  "token_revoked", "token_expired", "not_allowed_token_type",
                                  "missing_scope", "team_access_not_granted"};
    for (size_t i = 0; error && i < CB_ARRAY_LEN(fatal); i++)
        if (strcmp(error, fatal[i]) == 0) return 1;
    return 0;
}

void slkFatal(slack *s, const char *msg) {
    if (s->fatal) return;
    s->fatal = 1;
    s->t.fatal = 1;
    snprintf(s->t.fatal_msg, sizeof(s->t.fatal_msg), "%s", msg);
    logRedact(s->t.fatal_msg);
    slkState(s, "stopped: %s", s->t.fatal_msg);
    appFatal(s->a, s->t.fatal_msg); /* prints the one line and stops with 78 */
}

/* ---- the socket ---- */

void slkConnClose(slkConn *c, const char *reason) {
    if (!c || !c->ws || c->closing) return;
    c->closing = 1;
    wsClose(c->ws, 1000, reason);
}

/* ---- retiring links: read until Slack closes them ---- */

static void slkOnRetireTimer(uv_timer_t *t) {
    slack *s = t->data;
    double now = cbNowMs(), next = 0;
    for (slkConn *c = s->conns, *nx; c; c = nx) {
        nx = c->link; /* in case on_close runs inside wsClose */
        if (!c->retire_at || c == s->cur || c == s->next || c->closing) continue;
        if (now >= c->retire_at) slkConnClose(c, "replaced");
        else if (!next || c->retire_at < next) next = c->retire_at;
    }
    if (next) uv_timer_start(s->retire_timer, slkOnRetireTimer, (uint64_t)(next - now) + 1, 0);
}

/* old was replaced: it keeps serving (and acking) what Slack still sends on
 * it until Slack closes it; SLK_RETIRE_MS later we close it ourselves. */
static void slkRetire(slack *s, slkConn *old) {
    old->retire_at = cbNowMs() + SLK_RETIRE_MS;
    logEvent(LOG_INFO, "slack.link_retiring", "conn=%d close_in_ms=%d", old->id, SLK_RETIRE_MS);
    if (!uv_is_active((uv_handle_t *)s->retire_timer))
        uv_timer_start(s->retire_timer, slkOnRetireTimer, SLK_RETIRE_MS + 1, 0);
}

static void slkOnHello(slack *s, slkConn *c) {
    c->hello = 1;
    uv_timer_stop(s->hello_timer);
    backoffReset(&s->bo);
    if (c == s->next) {
        slkConn *old = s->cur;
        s->cur = c;
        s->next = NULL;
        if (old) slkRetire(s, old);
    }
    slkState(s, "connected%s", "");
    logEvent(LOG_INFO, "slack.connected", "conn=%d", c->id);
    if (s->stopping) slkCheckDrained(s);
}

static void slkOnDisconnect(slack *s, slkConn *c, const char *reason) {
    logEvent(LOG_INFO, "slack.disconnect_requested", "conn=%d reason=%s", c->id, reason);
    if (strcmp(reason, "link_disabled") == 0) {
        slkFatal(s, "Slack disabled the Socket Mode link (link_disabled): turn Socket Mode "
                    "back on in the app settings, then restart");
        return;
    }
    /* refresh_requested, warning, anything else: open a replacement now;
     * this one keeps serving until the new one says hello. */
    if (c == s->cur && !s->next && !s->opening && !s->stopping) {
        metricsReconnect("slack", 1);
        slkConnect(s);
    }
}

static void slkDispatch(slack *s, slkConn *c, json_t *m, const char *type) {
    const char *env_id = json_string_value(json_object_get(m, "envelope_id"));
    if (!env_id || !*env_id) {
        logEvent(LOG_WARN, "slack.skipped", "conn=%d reason=unknown_message type=%s", c->id, type);
        return;
    }
    if (s->stopping) { /* not acked: Slack redelivers to a live connection */
        logEvent(LOG_INFO, "slack.skipped", "conn=%d reason=shutting_down envelope=%s", c->id, env_id);
        return;
    }
    if (strcmp(type, "slash_commands") == 0) {
        slkOnSlash(s, c, m, env_id); /* acks with the answer as payload */
        return;
    }
    /* an event is known by its event_id (a redelivery has a new envelope) */
    const char *event_id = json_string_value(json_object_get(json_object_get(m, "payload"), "event_id"));
    const char *key = event_id && *event_id ? event_id : env_id;
    double now = cbNowMs();
    int dup = slkSeenHas(&s->seen, key, now);
    if (slkAck(c, env_id, NULL) != CB_OK) return; /* unacked: Slack redelivers; answer that one */
    if (dup) {
        logEvent(LOG_INFO, "slack.duplicate", "envelope=%s id=%s retry_attempt=%lld", env_id, key,
                 json_integer_value(json_object_get(m, "retry_attempt")));
        return;
    }
    slkSeenAdd(&s->seen, key, now);
    if (strcmp(type, "events_api") == 0) slkOnEventsApi(s, c, m);
    else if (strcmp(type, "interactive") == 0) slkOnInteractive(s, c, m);
    else logEvent(LOG_WARN, "slack.skipped", "conn=%d reason=unknown_envelope type=%s", c->id, type);
}

static void slkOnMessage(wsConn *w, const char *data, size_t len, void *ud) {
    (void)w;
    slkConn *c = ud;
    slack *s = c->s;
    if (!s) return;
    char err[CB_ERRLEN];
    json_t *m = slkParseMessage(data, len, err); /* rejects invalid UTF-8 too */
    const char *type = json_string_value(json_object_get(m, "type"));
    if (!json_is_object(m) || !type) {
        logEvent(LOG_WARN, "slack.skipped", "conn=%d reason=malformed bytes=%zu error=\"%s\"", c->id,
                 len, m ? "no type" : err);
        json_decref(m);
        return;
    }
    if (strcmp(type, "hello") == 0) slkOnHello(s, c);
    else if (strcmp(type, "disconnect") == 0) {
        const char *reason = json_string_value(json_object_get(m, "reason"));
        slkOnDisconnect(s, c, reason ? reason : "unknown");
    } else slkDispatch(s, c, m, type);
    json_decref(m);
}

static void slkOnOpen(wsConn *w, void *ud) {
    (void)w;
    slkConn *c = ud;
    if (c->s) logEvent(LOG_DEBUG, "slack.socket_open", "conn=%d", c->id);
}

static void slkOnClose(wsConn *w, int code, const char *reason, void *ud) {
    (void)w;
    slkConn *c = ud;
    slack *s = c->s;
    c->ws = NULL;
    if (s) {
        for (slkConn **pp = &s->conns; *pp; pp = &(*pp)->link)
            if (*pp == c) {
                *pp = c->link;
                break;
            }
        int was_cur = c == s->cur;
        if (c == s->cur) s->cur = NULL;
        if (c == s->next) s->next = NULL;
        logEvent(was_cur && !s->stopping ? LOG_WARN : LOG_INFO, "slack.socket_closed",
                 "conn=%d code=%d reason=\"%s\" hello=%d", c->id, code, reason ? reason : "",
                 c->hello);
        if (was_cur && !s->stopping && !s->fatal) {
            metricsReconnect("slack", 0);
            slkState(s, "reconnecting: socket closed%s", "");
        }
    }
    free(c);
    if (s) {
        slkEnsure(s);
        slkCheckDrained(s);
    }
}

static void slkOnHelloTimeout(uv_timer_t *t) {
    slack *s = t->data;
    if (!s->next || s->next->hello) return;
    logEvent(LOG_WARN, "slack.no_hello", "conn=%d after_ms=%d", s->next->id, SLK_HELLO_TIMEOUT_MS);
    slkConnClose(s->next, "no hello"); /* on_close reconnects */
}

static void slkOpenSocket(slack *s, const char *url) {
    static const wsCallbacks cbs = {slkOnOpen, slkOnMessage, slkOnClose};
    slkConn *c = cbCalloc(1, sizeof(*c));
    c->s = s;
    c->id = ++s->conn_seq;
    char err[CB_ERRLEN];
    c->ws = wsConnect(s->loop, url, &cbs, c, SLK_MAX_MESSAGE, err);
    if (!c->ws) {
        logEvent(LOG_WARN, "slack.connect_failed", "error=\"%s\"", err);
        free(c);
        return;
    }
    wsOptions o = {.ping_ms = (unsigned)(s->o.ping_interval * 1000),
                   .dead_ms = (unsigned)(s->o.ping_timeout * 1000),
                   .read_while_closing = 1}; /* unacked then, so not answered: Slack redelivers */
    wsSetOptions(c->ws, &o);
    slkConnClose(s->next, "superseded");
    s->next = c; /* serves at once; becomes s->cur when it says hello */
    c->link = s->conns;
    s->conns = c;
    uv_timer_start(s->hello_timer, slkOnHelloTimeout, SLK_HELLO_TIMEOUT_MS, 0);
}

/* ---- connecting: auth.test once, then apps.connections.open ---- */

static void slkFailed(slack *s, const char *step, const char *error, const char *var,
                      const char *hint) {
    if (slkIsAuthError(error)) {
        char msg[256];
        snprintf(msg, sizeof(msg), "%s was rejected by Slack (%s): %s", var, error, hint);
        slkFatal(s, msg);
        return;
    }
    logEvent(LOG_WARN, "slack.connect_failed", "step=%s error=\"%s\"", step, error);
    slkState(s, "reconnecting: %s failed", step);
}

static void slkOnOpenUrl(slack *s, slkReq *q, int ok, const char *error, json_t *resp) {
    (void)q;
    s->opening = 0;
    const char *url = json_string_value(json_object_get(resp, "url"));
    if (ok && !url) ok = 0, error = "no url in the response";
    if (!ok) slkFailed(s, "apps.connections.open", error, "SLACK_APP_TOKEN",
                       "create an app-level token with connections:write");
    else if (!s->stopping && !s->fatal) slkOpenSocket(s, url);
    slkEnsure(s);
}

static void slkOpenUrl(slack *s) {
    s->opening = 1;
    if (slkCall(s, "apps.connections.open", json_object(), s->app_auth, slkOnOpenUrl) !=
        CB_OK) {
        s->opening = 0;
        slkEnsure(s);
    }
}

static void slkOnAuthTest(slack *s, slkReq *q, int ok, const char *error, json_t *resp) {
    (void)q;
    s->opening = 0;
    const char *user = json_string_value(json_object_get(resp, "user_id"));
    if (ok && !user) ok = 0, error = "no user_id in the response";
    if (!ok) {
        slkFailed(s, "auth.test", error, "SLACK_BOT_TOKEN",
                  "reinstall the app and copy the Bot User OAuth Token (xoxb-)");
        slkEnsure(s);
        return;
    }
    free(s->self_user);
    free(s->self_bot);
    s->self_user = cbStrdup(user);
    s->self_bot = cbStrdup(json_string_value(json_object_get(resp, "bot_id")));
    logEvent(LOG_INFO, "slack.authenticated", "user_id=%s bot_id=%s", s->self_user,
             s->self_bot ? s->self_bot : "-");
    if (!s->stopping && !s->fatal) slkOpenUrl(s);
}

static void slkConnect(slack *s) {
    if (s->stopping || s->fatal || s->opening) return;
    if (s->self_user) {
        slkOpenUrl(s);
        return;
    }
    s->opening = 1;
    if (slkCall(s, "auth.test", json_object(), s->bot_auth, slkOnAuthTest) != CB_OK) {
        s->opening = 0;
        slkEnsure(s);
    }
}

static void slkOnTimer(uv_timer_t *t) {
    slack *s = t->data;
    s->timer_armed = 0;
    slkConnect(s);
}

/* Nothing connected or connecting: try again after a backoff delay. */
static void slkEnsure(slack *s) {
    if (s->stopping || s->fatal || !s->started || s->cur || s->next || s->opening ||
        s->timer_armed)
        return;
    double ms = backoffNext(&s->bo);
    s->timer_armed = 1;
    uv_timer_start(s->timer, slkOnTimer, (uint64_t)ms, 0);
    logEvent(LOG_INFO, "slack.reconnect_scheduled", "in_ms=%.0f attempt=%d", ms, s->bo.attempt);
}

/* ---- the transport ops ---- */

static int slkStart(cbTransport *t, char *err) {
    slack *s = t->priv;
    if (slkCheckTokens(s->o.app_token, s->o.token, err) != CB_OK) {
        t->fatal = 1;
        snprintf(t->fatal_msg, sizeof(t->fatal_msg), "%s", err);
        return CB_ERR;
    }
    if (!s->loop->http || !s->loop->uv) return cbErr(err, "slack: the event loop is not ready");
    const char *base = s->o.api_url && *s->o.api_url ? s->o.api_url : "https://slack.com/api/";
    size_t n = strlen(base);
    s->api = cbSprintf("%s%s", base, n && base[n - 1] == '/' ? "" : "/");
    s->app_auth = cbSprintf("Bearer %s", s->o.app_token);
    s->bot_auth = cbSprintf("Bearer %s", s->o.token);
    logAddSecret(s->o.app_token);
    logAddSecret(s->o.token);
    s->timer = cbMalloc(sizeof(*s->timer));
    uv_timer_init(s->loop->uv, s->timer);
    s->timer->data = s;
    s->hello_timer = cbMalloc(sizeof(*s->hello_timer));
    uv_timer_init(s->loop->uv, s->hello_timer);
    s->hello_timer->data = s;
    s->retire_timer = cbMalloc(sizeof(*s->retire_timer));
    uv_timer_init(s->loop->uv, s->retire_timer);
    s->retire_timer->data = s;
    s->pump = cbMalloc(sizeof(*s->pump));
    uv_check_init(s->loop->uv, s->pump);
    s->pump->data = s;
    s->awake = cbMalloc(sizeof(*s->awake));
    uv_idle_init(s->loop->uv, s->awake);
    s->started = 1;
    slkState(s, "connecting%s", "");
    slkConnect(s);
    return CB_OK;
}

/* Replies still to deliver: REST calls in flight and queued events, not
 * counting a pending connect (auth.test / apps.connections.open), which a
 * shutdown abandons. */
static size_t slkPendingReplies(const slack *s) {
    size_t inflight = outboxInFlight(s->ob);
    size_t connect = s->opening && inflight > 0 ? 1 : 0;
    return inflight - connect + outboxQueued(s->ob);
}

void slkCheckDrained(slack *s) {
    if (!s->stopping || slkPendingReplies(s)) return;
    for (slkConn *c = s->conns, *nx; c; c = nx) {
        nx = c->link; /* in case on_close runs inside wsClose */
        slkConnClose(c, "shutting down");
    }
}

/* No more reconnects, hello watchdogs or retirements. */
static void slkStopTimers(slack *s) {
    if (s->timer_armed) uv_timer_stop(s->timer), s->timer_armed = 0;
    uv_timer_stop(s->hello_timer);
    uv_timer_stop(s->retire_timer);
}

static void slkShutdown(cbTransport *t) {
    slack *s = t->priv;
    if (s->stopping) return;
    s->stopping = 1;
    slkState(s, "shutting down%s", "");
    slkStopTimers(s);
    outboxLogShutdown(s->ob);
    slkCheckDrained(s);
}

static size_t slkInFlight(const cbTransport *t) {
    const slack *s = t->priv;
    size_t n = slkPendingReplies(s);
    if (s->stopping && s->conns) n++; /* a socket still closing */
    return n;
}

static int slkHealthy(const cbTransport *t, char *why, size_t whylen) {
    const slack *s = t->priv;
    if (s->cur && s->cur->hello && !s->stopping && !s->fatal) return 1;
    if (why && whylen) snprintf(why, whylen, "slack: %s", s->state);
    return 0;
}

static void slkFreeHandle(uv_handle_t *h) {
    free(h);
}

static void slkFree(cbTransport *t) {
    if (!t) return;
    slack *s = t->priv;
    for (slkConn *c = s->conns, *nx; c; c = nx) {
        nx = c->link;
        c->s = NULL; /* freed by its on_close */
        slkConnClose(c, "shutting down");
    }
    outboxFree(s->ob); /* calls and votes out finish without us */
    if (s->timer) uv_close((uv_handle_t *)s->timer, slkFreeHandle);
    if (s->hello_timer) uv_close((uv_handle_t *)s->hello_timer, slkFreeHandle);
    if (s->retire_timer) uv_close((uv_handle_t *)s->retire_timer, slkFreeHandle);
    if (s->pump) uv_close((uv_handle_t *)s->pump, slkFreeHandle);
    if (s->awake) uv_close((uv_handle_t *)s->awake, slkFreeHandle);
    slkSeenFree(&s->seen);
    cbFreeN(6, s->api, s->app_auth, s->bot_auth, s->self_user, s->self_bot, s);
}

/* Answers run from a check handle, SLK_PUMP_BUDGET_MS per loop turn right
 * after the turn's poll, never inside a socket or REST callback: each turn
 * the loop reads and acks what arrived before it answers more, so a burst
 * cannot hold acks back. While events wait, an idle handle keeps the poll
 * from blocking. An event that arrives alone is answered in the turn that
 * read it; with the answering in an idle handle (before the poll) it took
 * one more turn and an epoll_wait of its own. */
static void slkPumpCheck(uv_check_t *h) {
    slack *s = h->data;
    if (!outboxPumpFor(s->ob, SLK_PUMP_BUDGET_MS)) {
        uv_check_stop(h);
        uv_idle_stop(s->awake);
        slkCheckDrained(s);
    }
}

static void slkStayAwake(uv_idle_t *h) {
    (void)h; /* it only keeps the poll from blocking: slkPumpCheck answers */
}

void slkSchedulePump(void *owner) {
    slack *s = owner;
    if (!s->pump) return;
    uv_check_start(s->pump, slkPumpCheck);
    uv_idle_start(s->awake, slkStayAwake);
}

static void slkSettled(void *s) {
    slkCheckDrained(s);
}

static const outboxOps slackOutboxOps = {.answer = slkAnswer, .settled = slkSettled,
                                         .schedule = slkSchedulePump};

static const cbTransportType slackType = {.name = "slack", .start = slkStart,
    .shutdown = slkShutdown, .in_flight = slkInFlight, .healthy = slkHealthy, .free = slkFree};

cbTransport *slackTransportNew(struct cbApp *a, char *err) {
    (void)err;
    slack *s = cbCalloc(1, sizeof(*s));
    s->a = a;
    appTransportOptionsFor(a, PLATFORM_SLACK, &s->o);
    s->loop = appLoop(a);
    transportInit(&s->t, &slackType, a, s);
    backoffInit(&s->bo, SLK_BACKOFF_BASE_MS, SLK_BACKOFF_CAP_MS, SLK_BACKOFF_MIN_MS);
    slkSeenInit(&s->seen);
    outboxOptions o = {.name = "slack", .max_jobs = SLK_MAX_JOBS, .max_inflight = SLK_MAX_INFLIGHT};
    s->ob = outboxNew(&o, &slackOutboxOps, s);
    appPrerenderAdd(a, &slkMentionRenderer);
    slkState(s, "not started%s", "");
    return &s->t;
}
