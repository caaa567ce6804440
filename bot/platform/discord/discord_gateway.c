/* discord_gateway.c - the Discord transport's lifecycle and its Gateway
 * connection: GET /gateway/bot, the websocket, HELLO and heartbeats (the
 * first after interval * jitter; a beat not ACKed before the next one is a
 * zombie connection), IDENTIFY (intents, shard, session start limits) and
 * RESUME, op 7/9, close codes (fatal ones stop with exit 78, the rest
 * reconnect with backoff and jitter), and a graceful shutdown that closes
 * with 1000 once every reply is out. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/common.h"
#include "platform/discord/discord_int.h"
#include "base/log.h"
#include "ops/metrics.h"

static void dcConnect(discord *d);
static void dcOpenSocket(discord *d);

/* ---- timers ---- */

static void dcArm(discord *d, double ms, uv_timer_cb cb) {
    uv_timer_stop(d->timer);
    uv_timer_start(d->timer, cb, ms > 0 ? (uint64_t)ms : 0, 0);
    d->timer_armed = 1;
}

static void dcOnReconnectTimer(uv_timer_t *t) {
    discord *d = t->data;
    d->timer_armed = 0;
    if (!d->stopping && !d->fatal) dcConnect(d);
}

static void dcScheduleReconnect(discord *d, double ms, const char *why) {
    logEvent(LOG_INFO, "discord.reconnect_scheduled", "in_ms=%.0f resume=%d reason=\"%s\"", ms,
             !d->identify_next && d->session_id != NULL, why);
    dcState(d, "reconnecting: %s", why);
    dcArm(d, ms, dcOnReconnectTimer);
}

/* ---- sending on the gateway ---- */

static int dcGwSend(discord *d, json_t *payload /* stolen */, int priority) {
    dcConn *c = d->conn;
    int rc = CB_ERR;
    if (c && c->ws && !c->closing && discordBucketTake(&d->bucket, cbNowMs(), priority)) {
        char *text = json_dumps(payload, JSON_COMPACT);
        rc = text ? wsSend(c->ws, text, strlen(text)) : CB_ERR;
        free(text);
    }
    json_decref(payload);
    return rc;
}

static void dcHeartbeat(discord *d) {
    json_t *p = json_pack("{s:i,s:o}", "op", 1, "d", d->seq >= 0 ? json_integer(d->seq) : json_null());
    if (dcGwSend(d, p, 1) != CB_OK) logEvent(LOG_WARN, "discord.heartbeat_not_sent", NULL);
    if (d->conn) d->conn->hb_acked = 0;
}

/* Close the current connection ourselves; what follows is `next`. */
static void dcRestart(discord *d, int code, dcNext next, const char *why) {
    dcConn *c = d->conn;
    if (!c || c->closing) return;
    logEvent(LOG_INFO, "discord.restart", "code=%d reason=\"%s\"", code, why);
    c->closing = 1;
    c->next = next;
    uv_timer_stop(d->hb_timer);
    wsClose(c->ws, code, why);
}

static void dcOnHeartbeatTimer(uv_timer_t *t) {
    discord *d = t->data;
    if (!d->conn || d->conn->closing) return;
    if (!d->conn->hb_acked) { /* zombie: the last beat never came back */
        dcRestart(d, 4000, DC_NEXT_RESUME, "heartbeat not acknowledged");
        return;
    }
    dcHeartbeat(d);
}

/* ---- identify / resume ---- */

static void dcIdentifyNow(discord *d) {
    json_t *props = json_pack("{s:s,s:s,s:s}", "os", "linux", "browser", "careerbot", "device", "careerbot");
    json_t *dd = json_pack("{s:s,s:i,s:o}", "token", d->o.token, "intents",
                           DISCORD_INTENTS, "properties", props);
    if (d->o.shard_count > 1)
        json_object_set_new(dd, "shard", json_pack("[i,i]", d->o.shard_id, d->o.shard_count));
    d->last_identify_ms = cbNowMs();
    if (d->starts_remaining > 0) d->starts_remaining--;
    logEvent(LOG_INFO, "discord.identify", "intents=%d shard=%d/%d", DISCORD_INTENTS,
             d->o.shard_id, d->o.shard_count);
    dcGwSend(d, json_pack("{s:i,s:o}", "op", 2, "d", dd), 0);
}

/* ms to wait before an IDENTIFY is allowed (session start limit,
 * max_concurrency per 5 s, the gateway send bucket). */
static double dcIdentifyWait(discord *d) {
    double now = cbNowMs(), wait = 0;
    if (d->starts_remaining == 0 && d->starts_reset_ms > now) wait = d->starts_reset_ms - now;
    double gap = (double)DC_IDENTIFY_WINDOW_MS / (d->max_concurrency > 0 ? (double)d->max_concurrency : 1.0);
    if (d->last_identify_ms > 0 && now - d->last_identify_ms < gap && gap - (now - d->last_identify_ms) > wait)
        wait = gap - (now - d->last_identify_ms);
    double b = discordBucketWaitMs(&d->bucket, now, 0);
    return b > wait ? b : wait;
}

static void dcOnIdentifyTimer(uv_timer_t *t) {
    discord *d = t->data;
    d->timer_armed = 0;
    if (!d->conn || d->conn->closing || d->stopping) return;
    double wait = dcIdentifyWait(d);
    if (wait > 0) {
        dcArm(d, wait, dcOnIdentifyTimer);
        return;
    }
    dcIdentifyNow(d);
}

static void dcResume(discord *d) {
    logEvent(LOG_INFO, "discord.resume", "seq=%lld", d->seq);
    json_t *dd = json_pack("{s:s,s:s,s:o}", "token", d->o.token, "session_id",
                           d->session_id, "seq", d->seq >= 0 ? json_integer(d->seq) : json_null());
    dcGwSend(d, json_pack("{s:i,s:o}", "op", 6, "d", dd), 0);
}

static void dcForgetSession(discord *d) {
    free(d->session_id);
    d->session_id = NULL;
    free(d->resume_url);
    d->resume_url = NULL;
    d->seq = -1;
    d->identify_next = 1;
}

static void dcOnHello(discord *d, dcConn *c, json_t *data) {
    double iv = json_number_value(json_object_get(data, "heartbeat_interval"));
    if (iv < 50) iv = 41250; /* absent or absurd: Discord's usual value */
    c->hello = 1;
    c->hb_acked = 1;
    d->hb_interval = iv;
    uv_timer_start(d->hb_timer, dcOnHeartbeatTimer, (uint64_t)(iv * backoffRandom()), (uint64_t)iv);
    if (d->session_id && !d->identify_next) dcResume(d);
    else dcOnIdentifyTimer(d->timer);
}

/* ---- dispatches ---- */

static void dcSetStr(char **dst, const char *v) {
    if (!v) return;
    free(*dst);
    *dst = cbStrdup(v);
}

static void dcOnReady(discord *d, dcConn *c, json_t *data) {
    dcSetStr(&d->session_id, json_string_value(json_object_get(data, "session_id")));
    dcSetStr(&d->resume_url, json_string_value(json_object_get(data, "resume_gateway_url")));
    dcSetStr(&d->user_id, json_string_value(json_object_get(json_object_get(data, "user"), "id")));
    dcSetStr(&d->app_id, json_string_value(json_object_get(json_object_get(data, "application"), "id")));
    c->authed = 1;
    d->identify_next = 0;
    backoffReset(&d->bo);
    if (d->ever_ready) metricsReconnect("discord", 0);
    d->ever_ready = 1;
    dcState(d, "connected%s", "");
    logEvent(LOG_INFO, "discord.ready", "user=%s application=%s", d->user_id ? d->user_id : "-",
             d->app_id ? d->app_id : "-");
}

static void dcOnDispatch(discord *d, dcConn *c, const char *t, json_t *data) {
    if (strcmp(t, "READY") == 0) {
        dcOnReady(d, c, data);
    } else if (strcmp(t, "RESUMED") == 0) {
        c->authed = 1;
        backoffReset(&d->bo);
        metricsReconnect("discord", 1);
        dcState(d, "connected%s", "");
        logEvent(LOG_INFO, "discord.resumed", "seq=%lld", d->seq);
    } else if (d->stopping) {
        return; /* no new work after shutdown */
    } else if (strcmp(t, "MESSAGE_CREATE") == 0) {
        dcOnMessageCreate(d, data);
    } else if (strcmp(t, "INTERACTION_CREATE") == 0) {
        dcOnInteraction(d, data);
    }
}

static void dcOnOp(discord *d, dcConn *c, json_t *m) {
    json_t *data = json_object_get(m, "d");
    json_t *s = json_object_get(m, "s");
    int op = json_is_integer(json_object_get(m, "op")) ? (int)json_integer_value(json_object_get(m, "op")) : -1;
    if (op == 0 && json_is_integer(s)) d->seq = json_integer_value(s);
    switch (op) {
    case 0: {
        const char *t = json_string_value(json_object_get(m, "t"));
        if (t && json_is_object(data)) dcOnDispatch(d, c, t, data);
        break;
    }
    case 1: dcHeartbeat(d); break;
    case 7: dcRestart(d, 4000, DC_NEXT_RESUME, "server asked to reconnect (op 7)"); break;
    case 9:
        if (json_is_true(data)) {
            dcRestart(d, 4000, DC_NEXT_RESUME, "invalid session, resumable (op 9)");
        } else {
            dcForgetSession(d);
            dcRestart(d, 4000, DC_NEXT_IDENTIFY_LATER, "invalid session (op 9)");
        }
        break;
    case 10: dcOnHello(d, c, data); break;
    case 11: c->hb_acked = 1; break;
    default: logEvent(LOG_WARN, "discord.unknown_opcode", "op=%d", op);
    }
}

/* ---- websocket callbacks ---- */

static void dcOnMessage(wsConn *w, const char *data, size_t len, void *ud) {
    (void)w;
    dcConn *c = ud;
    discord *d = c->d;
    if (!d || c != d->conn || c->closing) return;
    json_error_t je;
    json_t *m = json_loadb(data, len, 0, &je);
    if (!json_is_object(m)) {
        logEvent(LOG_WARN, "discord.bad_payload", "bytes=%zu error=\"%s\"", len, je.text);
        json_decref(m);
        return;
    }
    dcOnOp(d, c, m);
    json_decref(m);
}

static void dcOnOpen(wsConn *w, void *ud) {
    (void)w;
    dcConn *c = ud;
    if (c->d) logEvent(LOG_INFO, "discord.socket_open", "conn=%d", c->id);
}

/* After a close we did not ask for: what the code says. */
static void dcAfterPeerClose(discord *d, int code, const char *reason) {
    const char *why = NULL;
    discordCloseAction act = discordClosePolicy(code, &why);
    if (act == DISCORD_CLOSE_FATAL) {
        dcFatal(d, why);
        return;
    }
    if (act == DISCORD_CLOSE_IDENTIFY) dcForgetSession(d);
    char r[160];
    snprintf(r, sizeof r, "closed with %d %s", code, reason ? reason : "");
    dcScheduleReconnect(d, backoffNext(&d->bo), r);
}

static void dcOnClose(wsConn *w, int code, const char *reason, void *ud) {
    (void)w;
    dcConn *c = ud;
    discord *d = c->d;
    int ours = c->closing;
    dcNext next = c->next;
    free(c);
    if (!d) return;
    if (d->conn != c) return;
    d->conn = NULL;
    uv_timer_stop(d->hb_timer);
    logEvent(LOG_INFO, "discord.socket_closed", "code=%d ours=%d reason=\"%s\"", code, ours,
             reason ? reason : "");
    if (d->stopping || d->fatal) {
        dcCheckDrained(d);
        return;
    }
    if (!ours) {
        dcAfterPeerClose(d, code, reason);
    } else if (next == DC_NEXT_IDENTIFY_LATER) {
        dcScheduleReconnect(d, backoffUniform(1000, 5000), "new session after op 9");
    } else {
        dcScheduleReconnect(d, backoffNext(&d->bo), "restart");
    }
}

/* url + "?v=10&encoding=json" (a "/" path added when there is none). */
static char *dcGatewayUrl(const char *base) {
    const char *host = strstr(base, "://");
    host = host ? host + 3 : base;
    int has_path = strchr(host, '/') != NULL;
    return cbSprintf("%s%s%sv=10&encoding=json", base, has_path ? "" : "/",
                     strchr(host, '?') ? "&" : "?");
}

static void dcOpenSocket(discord *d) {
    static const wsCallbacks cbs = {dcOnOpen, dcOnMessage, dcOnClose};
    int resume = d->session_id && d->resume_url && !d->identify_next;
    char *url = dcGatewayUrl(resume ? d->resume_url : d->gw_url);
    dcConn *c = cbCalloc(1, sizeof *c);
    c->d = d;
    c->id = ++d->conn_seq;
    char err[CB_ERRLEN];
    c->ws = wsConnect(d->loop, url, &cbs, c, DISCORD_MAX_MESSAGE, err);
    free(url);
    if (!c->ws) {
        free(c);
        logEvent(LOG_WARN, "discord.connect_failed", "error=\"%s\"", err);
        dcScheduleReconnect(d, backoffNext(&d->bo), "connect failed");
        return;
    }
    d->conn = c;
    dcState(d, "connecting%s", "");
}

/* ---- GET /gateway/bot ---- */

static void dcOnGatewayBot(discord *d, dcReq *q, const httpResponse *res) {
    if (!d) return; /* the transport is gone */
    d->fetching = 0;
    if (d->stopping || d->fatal) return;
    if (dcCheckResponse(d, q, res) != CB_OK) {
        if (!d->fatal) dcScheduleReconnect(d, backoffNext(&d->bo), "GET /gateway/bot failed");
        return;
    }
    json_t *j = json_loads(res->body, 0, NULL);
    const char *url = json_string_value(json_object_get(j, "url"));
    json_t *ssl = json_object_get(j, "session_start_limit");
    if (!url || strncmp(url, "ws", 2) != 0) {
        json_decref(j);
        dcScheduleReconnect(d, backoffNext(&d->bo), "GET /gateway/bot: no url");
        return;
    }
    dcSetStr(&d->gw_url, url);
    if (json_is_integer(json_object_get(ssl, "remaining"))) {
        d->starts_remaining = json_integer_value(json_object_get(ssl, "remaining"));
        d->starts_reset_ms = cbNowMs() + json_number_value(json_object_get(ssl, "reset_after"));
    }
    json_int_t mc = json_integer_value(json_object_get(ssl, "max_concurrency"));
    d->max_concurrency = mc > 0 ? (int)mc : 1;
    logEvent(LOG_INFO, "discord.gateway", "url=%s starts_remaining=%lld max_concurrency=%d", url,
             d->starts_remaining, d->max_concurrency);
    json_decref(j);
    dcOpenSocket(d);
}

static void dcConnect(discord *d) {
    if (d->conn || d->fetching || d->stopping || d->fatal) return;
    if (d->gw_url) {
        dcOpenSocket(d);
        return;
    }
    d->fetching = 1;
    dcState(d, "fetching the gateway URL%s", "");
    dcReq *q = dcReqNew("gateway/bot", NULL);
    if (dcCall(d, q, "GET", cbSprintf("%s/gateway/bot", d->api), NULL, "GET /gateway/bot",
               dcOnGatewayBot) != CB_OK) {
        d->fetching = 0;
        dcScheduleReconnect(d, backoffNext(&d->bo), "GET /gateway/bot not queued");
    }
}

/* ---- the transport ops ---- */

static int dcStart(cbTransport *t, char *err) {
    discord *d = t->priv;
    const char *tok = d->o.token;
    if (!tok || !*tok) {
        t->fatal = 1;
        snprintf(t->fatal_msg, sizeof t->fatal_msg, "discord: DISCORD_TOKEN is not set");
        return cbErr(err, "%s", t->fatal_msg);
    }
    if (!d->loop->http || !d->loop->uv) return cbErr(err, "discord: the event loop is not ready");
    logAddSecret(tok);
    const char *base = d->o.api_url && *d->o.api_url ? d->o.api_url : DISCORD_DEFAULT_API;
    d->api = cbStrdup(base);
    size_t n = strlen(d->api);
    while (n > 0 && d->api[n - 1] == '/') d->api[--n] = '\0';
    d->auth = cbSprintf("Bot %s", tok);
    d->ua = discordUserAgent(d->o.project_url);
    d->timer = cbMalloc(sizeof *d->timer);
    d->hb_timer = cbMalloc(sizeof *d->hb_timer);
    uv_timer_init(d->loop->uv, d->timer);
    uv_timer_init(d->loop->uv, d->hb_timer);
    d->timer->data = d->hb_timer->data = d;
    d->pump = cbMalloc(sizeof *d->pump);
    uv_idle_init(d->loop->uv, d->pump);
    d->pump->data = d;
    discordBucketInit(&d->bucket, DC_SEND_LIMIT, DC_SEND_WINDOW_MS, DC_SEND_RESERVE, cbNowMs());
    d->started = 1;
    dcConnect(d);
    return CB_OK;
}

void dcCheckDrained(discord *d) {
    if (!d->stopping || outboxInFlight(d->ob) || outboxQueued(d->ob)) return;
    dcConn *c = d->conn;
    if (c && c->ws && !c->closing) {
        c->closing = 1;
        uv_timer_stop(d->hb_timer);
        wsClose(c->ws, 1000, "shutting down");
    }
}

static void dcShutdown(cbTransport *t) {
    discord *d = t->priv;
    if (d->stopping) return;
    d->stopping = 1;
    dcState(d, "shutting down%s", "");
    if (d->timer_armed) uv_timer_stop(d->timer), d->timer_armed = 0;
    outboxLogShutdown(d->ob);
    dcCheckDrained(d);
}

static size_t dcInFlight(const cbTransport *t) {
    const discord *d = t->priv;
    return outboxInFlight(d->ob) + outboxQueued(d->ob) + (d->stopping && d->conn ? 1 : 0);
}

static int dcHealthy(const cbTransport *t, char *why, size_t whylen) {
    const discord *d = t->priv;
    if (d->conn && d->conn->authed && !d->conn->closing && !d->stopping && !d->fatal) return 1;
    if (why && whylen) snprintf(why, whylen, "discord: %s", d->state);
    return 0;
}

static void dcFreeHandle(uv_handle_t *h) { free(h); }

static void dcFree(cbTransport *t) {
    if (!t) return;
    discord *d = t->priv;
    if (d->conn) {
        d->conn->d = NULL; /* freed by its on_close */
        if (!d->conn->closing) wsClose(d->conn->ws, 1000, "shutting down");
    }
    outboxFree(d->ob); /* calls and votes out finish without us */
    if (d->timer) uv_close((uv_handle_t *)d->timer, dcFreeHandle);
    if (d->hb_timer) uv_close((uv_handle_t *)d->hb_timer, dcFreeHandle);
    if (d->pump) uv_close((uv_handle_t *)d->pump, dcFreeHandle);
    for (size_t i = 0; i < d->nforbidden; i++) free(d->forbidden[i]);
    cbFreeN(9, d->api, d->auth, d->ua, d->gw_url, d->resume_url, d->session_id, d->user_id, d->app_id, d);
}

static void dcSettled(void *d) {
    dcCheckDrained(d);
}

/* Queued mentions are answered from an idle handle, DC_PUMP_BUDGET_MS per
 * loop turn, never inside a REST completion: with a backlog waiting for
 * the global limit, the gateway (autocomplete, slash commands) is read
 * between answers instead of after a run of them. */
static void dcPumpIdle(uv_idle_t *h) {
    discord *d = h->data;
    if (!outboxPumpFor(d->ob, DC_PUMP_BUDGET_MS)) {
        uv_idle_stop(h);
        dcCheckDrained(d);
    }
}

static void dcSchedulePump(void *owner) {
    discord *d = owner;
    if (d->pump) uv_idle_start(d->pump, dcPumpIdle);
}

static const outboxOps discordOutboxOps = {.answer = dcAnswer, .settled = dcSettled,
                                           .schedule = dcSchedulePump};

static const cbTransportType discordType = {.name = "discord", .start = dcStart,
    .shutdown = dcShutdown, .in_flight = dcInFlight, .healthy = dcHealthy, .free = dcFree};

cbTransport *discordTransportNew(struct cbApp *a, char *err) {
    (void)err;
    discord *d = cbCalloc(1, sizeof *d);
    d->a = a;
    appTransportOptionsFor(a, PLATFORM_DISCORD, &d->o);
    d->loop = appLoop(a);
    transportInit(&d->t, &discordType, a, d);
    d->seq = -1;
    d->starts_remaining = -1;
    d->max_concurrency = 1;
    backoffInit(&d->bo, DC_BACKOFF_BASE_MS, DC_BACKOFF_CAP_MS, DC_BACKOFF_MIN_MS);
    outboxOptions o = {.name = "discord", .max_jobs = DC_MAX_JOBS, .max_bytes = DC_MAX_QUEUE_BYTES,
                       .max_inflight = DC_MAX_INFLIGHT};
    d->ob = outboxNew(&o, &discordOutboxOps, d);
    appPrerenderAdd(a, &dcMentionRenderer);
    dcState(d, "not started%s", "");
    return &d->t;
}
