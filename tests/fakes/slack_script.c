/* slack_script.c - the fake Slack's scripting: POST /_control commands
 * that send real-shaped Socket Mode envelopes (mentions, DMs, bot and own
 * messages, edits, /faq, button clicks, redeliveries, disconnects, raw
 * frames, a frozen link), script errors (rejected tokens, 429 +
 * Retry-After, 5xx), run paced bursts, redeliver unacked envelopes as
 * Slack does (retry_attempt 1..3, retry_reason "timeout", a new
 * envelope_id, the same event_id), and report acks, answers given twice
 * and reply latencies.
 *
 * Every command answers {"ok": true, ...ids} or {"ok": false, "error"}. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "slack_fake.h"

void fslInit(fslState *st) {
    memset(st, 0, sizeof(*st));
    snprintf(st->reject_error, sizeof(st->reject_error), "invalid_auth");
    st->envelopes = json_object();
    st->messages = json_object();
    st->sent_ts = json_object();
    st->replied_ts = json_object();
    st->lat = malloc(FSL_MAX_LAT * sizeof(double));
}

void fslFree(fslState *st) {
    json_decref(st->envelopes);
    json_decref(st->messages);
    json_decref(st->sent_ts);
    json_decref(st->replied_ts);
    free(st->lat);
}

fslScript *fslScriptFor(fslState *st, const char *method) {
    for (size_t i = 0; i < st->nscripts; i++)
        if (strcmp(st->scripts[i].method, method) == 0) return &st->scripts[i];
    return NULL;
}

/* ---- sending ---- */

/* The link a command is for: "conn": "oldest", a link's number (from
 * "disconnect"; NULL once that link is closed), or the newest. */
static fsWs *fslTarget(fsServer *s, const json_t *cmd) {
    const char *which = json_string_value(json_object_get(cmd, "conn"));
    fsWs *w = fsWsFirst(s), *last = NULL;
    if (which && strcmp(which, "oldest") == 0) return w;
    if (json_is_integer(json_object_get(cmd, "conn"))) {
        long want = (long)json_integer_value(json_object_get(cmd, "conn"));
        for (; w; w = fsWsNext(w))
            if ((long)fsWsData(w) == want) return w;
        return NULL;
    }
    for (; w; w = fsWsNext(w)) last = w;
    return last;
}

/* Send env (stolen) as an envelope on ws; remembered for acks. */
static const char *fslSend(fslState *st, fsServer *s, fsWs *ws, json_t *env) {
    const char *id = json_string_value(json_object_get(env, "envelope_id"));
    char *text = json_dumps(env, JSON_COMPACT);
    double t = fsNowMs(s);
    int rc = fsWsSend(ws, text);
    free(text);
    if (rc != 0) {
        json_decref(env);
        return "send failed (queue full?)";
    }
    json_t *rec = json_pack("{s:f}", "t", t);
    if (!st->lean) json_object_set(rec, "env", env);
    json_object_set_new(st->envelopes, id, rec);
    if (st->first_send == 0) st->first_send = t;
    st->sent++;
    json_decref(env);
    return NULL;
}

static json_t *fslEnvelope(fslState *st, const char *type, json_t *payload, int accepts) {
    char id[48];
    snprintf(id, sizeof(id), "env-%lu-%06lu", (unsigned long)st->sent, ++st->seq);
    return json_pack("{s:s, s:s, s:b, s:i, s:s, s:o}", "envelope_id", id, "type", type,
                     "accepts_response_payload", accepts, "retry_attempt", 0, "retry_reason", "",
                     "payload", payload);
}

static const char *fslStr(const json_t *cmd, const char *key, const char *dflt) {
    const char *v = json_string_value(json_object_get(cmd, key));
    return v ? v : dflt;
}

/* The Slack event for a mention/dm/bot_message/own_message/edit command. */
static json_t *fslEvent(fslState *st, const char *kind, const json_t *cmd, char *ts, size_t tslen) {
    snprintf(ts, tslen, "1600000000.%06lu", ++st->seq);
    const char *text = fslStr(cmd, "text", "hello"), *user = fslStr(cmd, "user", "U0HUMAN");
    int dm = strcmp(kind, "mention") != 0;
    const char *channel = fslStr(cmd, "channel", dm ? "D0DM" : "C0GENERAL");
    json_t *ev = json_pack("{s:s, s:s, s:s, s:s, s:s}", "type", dm ? "message" : "app_mention",
                           "channel", channel, "ts", ts, "event_ts", ts, "user", user);
    if (dm) json_object_set_new(ev, "channel_type", json_string("im"));
    char *full = dm ? strdup(text) : NULL;
    if (!dm && asprintf(&full, "<@%s> %s", FSL_BOT_USER, text) < 0) full = NULL;
    json_object_set_new(ev, "text", json_string(full ? full : ""));
    free(full);
    if (json_object_get(cmd, "thread_ts")) json_object_set(ev, "thread_ts", json_object_get(cmd, "thread_ts"));
    if (strcmp(kind, "bot_message") == 0) {
        json_object_set_new(ev, "subtype", json_string("bot_message"));
        json_object_set_new(ev, "bot_id", json_string("B0OTHER"));
        json_object_del(ev, "user");
    } else if (strcmp(kind, "own_message") == 0) {
        json_object_set_new(ev, "user", json_string(FSL_BOT_USER));
        json_object_set_new(ev, "bot_id", json_string(FSL_BOT_ID));
    } else if (strcmp(kind, "thread_reply") == 0) {
        /* a person's reply in a channel thread (what message.channels
         * delivers): thread_ts names the root, parent_user_id its author */
        json_object_set_new(ev, "channel", json_string(fslStr(cmd, "channel", "C0MENTORS")));
        json_object_set_new(ev, "channel_type", json_string("channel"));
        json_object_set_new(ev, "parent_user_id", json_string(fslStr(cmd, "parent_user_id", FSL_BOT_USER)));
        json_object_set_new(ev, "text", json_string(text));
        const char *name = fslStr(cmd, "name", "Mentor Mo");
        json_object_set_new(ev, "user_profile", json_pack("{s:s, s:s, s:s}", "display_name", name,
                                                          "real_name", name, "name", "mentor"));
    } else if (strcmp(kind, "edit") == 0) {
        json_object_set_new(ev, "subtype", json_string("message_changed"));
        json_object_set_new(ev, "message", json_pack("{s:s, s:s, s:s}", "user", user, "text", text,
                                                     "ts", ts));
        json_object_del(ev, "user");
        json_object_del(ev, "text");
    }
    return ev;
}

static json_t *fslEventPayload(fslState *st, json_t *ev, char *event_id, size_t n) {
    snprintf(event_id, n, "Ev%08lu", ++st->seq);
    return json_pack("{s:s, s:s, s:s, s:o, s:s, s:s, s:I, s:[{s:s, s:s, s:b}]}", "token", "fake",
                     "team_id", "T0FAKE", "api_app_id", "A0FAKE", "event", ev, "type",
                     "event_callback", "event_id", event_id, "event_time", (json_int_t)1600000000,
                     "authorizations", "team_id", "T0FAKE", "user_id", FSL_BOT_USER, "is_bot", 1);
}

static int fslOk(fsResponse *res, json_t *extra) {
    json_object_set_new(extra, "ok", json_true());
    char *t = json_dumps(extra, JSON_COMPACT);
    fsReplyJson(res, 200, t);
    free(t);
    json_decref(extra);
    return 0;
}

static int fslFail(fsResponse *res, int status, const char *error) {
    fsReplyf(res, status, "{\"ok\":false,\"error\":\"%s\"}", error);
    return -1;
}

/* Send one event envelope; *out gets its ids. NULL or an error. */
static const char *fslDoEvent(fslState *st, fsServer *s, fsWs *ws, const char *kind,
                              const json_t *cmd, json_t **out) {
    char ts[40], event_id[40];
    json_t *ev = fslEvent(st, kind, cmd, ts, sizeof(ts));
    json_t *env = fslEnvelope(st, "events_api", fslEventPayload(st, ev, event_id, sizeof(event_id)), 0);
    if (out)
        *out = json_pack("{s:O, s:s, s:s}", "envelope_id", json_object_get(env, "envelope_id"),
                         "event_id", event_id, "ts", ts);
    json_object_set_new(st->sent_ts, ts, json_real(fsNowMs(s)));
    const char *e = fslSend(st, s, ws, env);
    if (e) json_object_del(st->sent_ts, ts);
    return e;
}

static int cmdEvent(fslState *st, fsServer *s, const json_t *cmd, fsResponse *res, const char *kind) {
    fsWs *ws = fslTarget(s, cmd);
    if (!ws) return fslFail(res, 409, "no connection");
    json_t *out = NULL;
    const char *e = fslDoEvent(st, s, ws, kind, cmd, &out);
    if (e) {
        json_decref(out);
        return fslFail(res, 500, e);
    }
    return fslOk(res, out);
}

static char *fslNewResponseUrl(fsServer *s, fslState *st) {
    char *u = NULL;
    if (asprintf(&u, "http://127.0.0.1:%d/response/%lu", fsPort(s), ++st->seq) < 0) u = NULL;
    return u;
}

static int cmdSlash(fslState *st, fsServer *s, const json_t *cmd, fsResponse *res) {
    fsWs *ws = fslTarget(s, cmd);
    if (!ws) return fslFail(res, 409, "no connection");
    char *url = fslNewResponseUrl(s, st);
    json_t *p = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}",
                          "token", "fake", "team_id", "T0FAKE", "team_domain", "fake",
                          "channel_id", fslStr(cmd, "channel", "C0GENERAL"), "channel_name", "general",
                          "user_id", fslStr(cmd, "user", "U0HUMAN"), "user_name", "human",
                          "command", "/faq", "text", fslStr(cmd, "text", ""), "api_app_id", "A0FAKE",
                          "response_url", url ? url : "", "trigger_id", "1.2.3");
    free(url);
    json_t *accepts = json_object_get(cmd, "accepts_response_payload");
    json_t *env = fslEnvelope(st, "slash_commands", p, accepts ? json_is_true(accepts) : 1);
    json_t *out = json_pack("{s:O, s:O}", "envelope_id", json_object_get(env, "envelope_id"),
                            "response_url", json_object_get(p, "response_url"));
    const char *e = fslSend(st, s, ws, env);
    if (e) {
        json_decref(out);
        return fslFail(res, 500, e);
    }
    return fslOk(res, out);
}

/* The message a click is on: by message_ts, else the last one posted. */
static json_t *fslClickedMessage(fslState *st, const json_t *cmd) {
    const char *ts = fslStr(cmd, "message_ts", NULL);
    if (ts) return json_object_get(st->messages, ts);
    json_t *m = NULL, *v;
    const char *k;
    unsigned long best = 0;
    json_object_foreach(st->messages, k, v) {
        unsigned long n = strtoul(strchr(k, '.') ? strchr(k, '.') + 1 : k, NULL, 10);
        if (n >= best) best = n, m = v;
    }
    return m;
}

static int cmdClick(fslState *st, fsServer *s, const json_t *cmd, fsResponse *res) {
    fsWs *ws = fslTarget(s, cmd);
    if (!ws) return fslFail(res, 409, "no connection");
    int eph = json_is_true(json_object_get(cmd, "ephemeral"));
    json_t *msg = eph ? NULL : fslClickedMessage(st, cmd);
    if (!eph && !msg) return fslFail(res, 404, "no message to click on");
    const char *action = fslStr(cmd, "action_id", "show:none");
    const char *channel = fslStr(cmd, "channel", "C0GENERAL");
    const char *ts = msg ? json_string_value(json_object_get(msg, "ts")) : "1700000000.999999";
    char *url = fslNewResponseUrl(s, st);
    json_t *p = json_pack(
        "{s:s, s:{s:s, s:s, s:s}, s:s, s:s, s:{s:s, s:s, s:s, s:b}, s:s, s:{s:s, s:s},"
        " s:{s:s, s:s}, s:s, s:[{s:s, s:s, s:{s:s, s:s}, s:s, s:s, s:s}]}",
        "type", "block_actions", "user", "id", fslStr(cmd, "user", "U0HUMAN"), "username", "human",
        "team_id", "T0FAKE", "api_app_id", "A0FAKE", "token", "fake", "container", "type", "message",
        "message_ts", ts, "channel_id", channel, "is_ephemeral", eph, "trigger_id", "1.2.3", "team",
        "id", "T0FAKE", "domain", "fake", "channel", "id", channel, "name", "general",
        "response_url", url ? url : "", "actions", "action_id", action, "block_id", "b1", "text",
        "type", "plain_text", "text", "button", "value", action, "type", "button", "action_ts",
        "1700000001.000000");
    free(url);
    if (msg) json_object_set(p, "message", msg);
    json_t *env = fslEnvelope(st, "interactive", p, 0);
    json_t *out = json_pack("{s:O, s:s}", "envelope_id", json_object_get(env, "envelope_id"),
                            "message_ts", ts);
    const char *e = fslSend(st, s, ws, env);
    if (e) {
        json_decref(out);
        return fslFail(res, 500, e);
    }
    return fslOk(res, out);
}

/* The envelope of rec again as Slack sends it after a missed ack: same
 * payload (same event_id), retry_attempt + 1, retry_reason "timeout", a
 * new envelope_id unless same. */
static json_t *fslRetryOf(fslState *st, const json_t *rec, int same) {
    json_t *env = json_deep_copy(json_object_get(rec, "env"));
    json_object_set_new(env, "retry_attempt",
                        json_integer(json_integer_value(json_object_get(env, "retry_attempt")) + 1));
    json_object_set_new(env, "retry_reason", json_string("timeout"));
    if (!same) {
        char id[48];
        snprintf(id, sizeof(id), "env-retry-%06lu", ++st->seq);
        json_object_set_new(env, "envelope_id", json_string(id));
    }
    return env;
}

static int cmdRedeliver(fslState *st, fsServer *s, const json_t *cmd, fsResponse *res) {
    fsWs *ws = fslTarget(s, cmd);
    json_t *rec = json_object_get(st->envelopes, fslStr(cmd, "envelope_id", ""));
    if (!ws || !rec || !json_object_get(rec, "env")) return fslFail(res, 404, "no connection or unknown envelope");
    int same = json_is_true(json_object_get(cmd, "same"));
    json_t *env = fslRetryOf(st, rec, same);
    if (same) json_object_del(st->envelopes, fslStr(cmd, "envelope_id", ""));
    json_t *out = json_pack("{s:O}", "envelope_id", json_object_get(env, "envelope_id"));
    const char *e = fslSend(st, s, ws, env);
    if (e) {
        json_decref(out);
        return fslFail(res, 500, e);
    }
    return fslOk(res, out);
}

typedef struct fslCloseLater {
    long ticket;
    int code;
} fslCloseLater;

static void fslCloseTimer(fsServer *s, void *ud) {
    fslCloseLater *c = ud;
    for (fsWs *w = fsWsFirst(s); w; w = fsWsNext(w))
        if ((long)fsWsData(w) == c->ticket) fsWsClose(w, c->code, "closed by fake slack");
    free(c);
}

static int cmdDisconnect(fslState *st, fsServer *s, const json_t *cmd, fsResponse *res) {
    (void)st;
    fsWs *ws = fslTarget(s, cmd);
    if (!ws) return fslFail(res, 409, "no connection");
    char text[256];
    snprintf(text, sizeof(text),
             "{\"type\":\"disconnect\",\"reason\":\"%s\",\"debug_info\":{\"host\":\"fake-slack-%ld\"}}",
             fslStr(cmd, "reason", "refresh_requested"), (long)fsWsData(ws));
    fsWsSend(ws, text);
    double after = json_number_value(json_object_get(cmd, "close_after_ms"));
    if (after > 0) {
        fslCloseLater *c = malloc(sizeof(*c));
        c->ticket = (long)fsWsData(ws);
        c->code = 1000;
        fsAfter(s, after, fslCloseTimer, c);
    }
    return fslOk(res, json_pack("{s:i}", "conn", (int)(long)fsWsData(ws)));
}

/* Slack's side of a missed ack: every envelope not acked within
 * redeliver_after_ms is sent again on the newest link (at most 3 retries),
 * until redelivery is turned off. */
static void fslRedeliverTick(fsServer *s, void *ud) {
    fslState *st = ud;
    if (!st->redeliver_on) return;
    fsWs *ws = fslTarget(s, NULL);
    double now = fsNowMs(s);
    json_t *due = json_array(), *v;
    const char *k;
    json_object_foreach(st->envelopes, k, v) {
        json_t *env = json_object_get(v, "env");
        if (json_object_get(v, "ack") || json_object_get(v, "retried") || !env) continue;
        if (!json_object_get(v, "written")) continue; /* still in our own send queue */
        if (json_integer_value(json_object_get(env, "retry_attempt")) >= 3) continue;
        if (now - json_number_value(json_object_get(v, "t")) >= st->redeliver_after_ms)
            json_array_append(due, v);
    }
    size_t i;
    json_array_foreach(due, i, v) {
        if (!ws) break;
        json_object_set_new(v, "retried", json_true());
        if (!fslSend(st, s, ws, fslRetryOf(st, v, 0))) st->redelivered++;
    }
    json_decref(due);
    fsAfter(s, 100, fslRedeliverTick, st);
}

/* {"on": bool, "after_ms": ms (default 3000, Slack's ack deadline)} */
static int cmdRedelivery(fslState *st, fsServer *s, const json_t *cmd, fsResponse *res) {
    int was = st->redeliver_on;
    st->redeliver_on = json_is_true(json_object_get(cmd, "on"));
    double after = json_number_value(json_object_get(cmd, "after_ms"));
    st->redeliver_after_ms = after > 0 ? after : FSL_ACK_DEADLINE_MS;
    if (st->redeliver_on && !was) fsAfter(s, 100, fslRedeliverTick, st);
    return fslOk(res, json_object());
}

static int fslHex(int c) {
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static int cmdRaw(fslState *st, fsServer *s, const json_t *cmd, fsResponse *res) {
    fsWs *ws = fslTarget(s, cmd);
    if (!ws) return fslFail(res, 409, "no connection");
    const char *text = fslStr(cmd, "text", NULL), *hex = fslStr(cmd, "hex", NULL);
    json_t *j = text ? json_loads(text, 0, NULL) : NULL;
    const char *id = json_string_value(json_object_get(j, "envelope_id"));
    if (id) /* an envelope after all: expect its ack */
        json_object_set_new(st->envelopes, id, json_pack("{s:f, s:O}", "t", fsNowMs(s), "env", j));
    json_decref(j);
    if (text) fsWsSend(ws, text);
    if (hex) {
        size_t n = strlen(hex) / 2;
        char *b = malloc(n + 1);
        for (size_t i = 0; i < n; i++) b[i] = (char)(fslHex(hex[2 * i]) * 16 + fslHex(hex[2 * i + 1]));
        fsWsSendLen(ws, b, n);
        free(b);
    }
    return fslOk(res, json_object());
}

static int cmdScript(fslState *st, const json_t *cmd, fsResponse *res, int status) {
    const char *method = fslStr(cmd, "method", "chat.postMessage");
    fslScript *sc = fslScriptFor(st, method);
    if (!sc) {
        if (st->nscripts >= FSL_MAX_SCRIPTS) return fslFail(res, 400, "too many scripts");
        sc = &st->scripts[st->nscripts++];
        snprintf(sc->method, sizeof(sc->method), "%s", method);
    }
    sc->status = status ? status : (int)json_integer_value(json_object_get(cmd, "status"));
    if (sc->status < 400) sc->status = 500;
    sc->count = (int)json_integer_value(json_object_get(cmd, "count"));
    sc->retry_after = (int)json_integer_value(json_object_get(cmd, "retry_after"));
    return fslOk(res, json_object());
}

static int cmdReject(fslState *st, const json_t *cmd, fsResponse *res) {
    st->reject_app = json_is_true(json_object_get(cmd, "app"));
    st->reject_bot = json_is_true(json_object_get(cmd, "bot"));
    snprintf(st->reject_error, sizeof(st->reject_error), "%s", fslStr(cmd, "error", "invalid_auth"));
    return fslOk(res, json_object());
}

static void fslBurstTick(fsServer *s, void *ud) {
    fslState *st = ud;
    fsWs *ws = fslTarget(s, NULL);
    if (!ws) {
        st->burst_left = 0;
        return;
    }
    json_t *cmd = json_pack("{s:s, s:s}", "text", "are bootcamps worth it", "channel", st->burst_channel);
    for (int i = 0; i < st->burst_per_tick && st->burst_left > 0; i++, st->burst_left--)
        if (fslDoEvent(st, s, ws, "mention", cmd, NULL)) break; /* queue full: next tick */
    json_decref(cmd);
    if (st->burst_left > 0) fsAfter(s, st->burst_tick_ms, fslBurstTick, st);
}

/* {"n": N, "rate": events per second (0 = 400 per ms tick), "text", "channel"} */
static int cmdBurst(fslState *st, fsServer *s, const json_t *cmd, fsResponse *res) {
    if (!fslTarget(s, NULL)) return fslFail(res, 409, "no connection");
    double rate = json_number_value(json_object_get(cmd, "rate"));
    st->burst_left = (int)json_integer_value(json_object_get(cmd, "n"));
    st->burst_tick_ms = 1;
    st->burst_per_tick = rate > 0 ? (int)(rate / 1000.0 + 0.5) : 400;
    if (st->burst_per_tick < 1) { /* slow rates: one event every 1000/rate ms */
        st->burst_per_tick = 1;
        st->burst_tick_ms = 1000.0 / rate;
    }
    snprintf(st->burst_channel, sizeof(st->burst_channel), "%s", fslStr(cmd, "channel", "C0BENCH"));
    fsAfter(s, 0, fslBurstTick, st);
    return fslOk(res, json_pack("{s:i, s:f}", "per_tick", st->burst_per_tick, "tick_ms", st->burst_tick_ms));
}

static int fslCmpD(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* p99 of the ack delays recorded so far (ms). */
static double fslAckP99(fslState *st) {
    size_t n = 0, i = 0;
    const char *k;
    json_t *v;
    json_object_foreach(st->envelopes, k, v) n += json_object_get(v, "ack") != NULL;
    if (!n) return 0;
    double *d = malloc(n * sizeof(double));
    json_object_foreach(st->envelopes, k, v)
        if (json_object_get(v, "ack")) d[i++] = json_number_value(json_object_get(v, "ack"));
    qsort(d, n, sizeof(double), fslCmpD);
    double p = d[(size_t)((double)(n - 1) * 0.99)];
    free(d);
    return p;
}

static int cmdStats(fslState *st, fsServer *s, fsResponse *res) {
    double p50 = 0, p99 = 0, max = 0;
    if (st->nlat) {
        double *v = malloc(st->nlat * sizeof(double));
        memcpy(v, st->lat, st->nlat * sizeof(double));
        qsort(v, st->nlat, sizeof(double), fslCmpD);
        p50 = v[st->nlat / 2];
        p99 = v[(size_t)((double)(st->nlat - 1) * 0.99)];
        max = v[st->nlat - 1];
        free(v);
    }
    size_t unacked = 0;
    const char *k;
    json_t *v;
    json_object_foreach(st->envelopes, k, v) unacked += json_object_get(v, "ack") == NULL;
    return fslOk(res, json_pack("{s:I, s:I, s:f, s:f, s:f, s:f, s:I, s:I, s:f, s:I, s:I, s:i, s:I, s:I, s:f}",
                                "sent", (json_int_t)st->sent, "replied", (json_int_t)st->replied,
                                "p50_ms", p50, "p99_ms", p99, "max_ms", max, "elapsed_ms",
                                st->last_reply > st->first_send ? st->last_reply - st->first_send : 0.0,
                                "acks", (json_int_t)st->acks, "unacked", (json_int_t)unacked,
                                "max_ack_ms", st->max_ack_ms, "late_acks", (json_int_t)st->late_acks,
                                "violations", (json_int_t)fsLogCount(s, "violation"), "burst_left",
                                st->burst_left, "answered_twice", (json_int_t)st->answered_twice,
                                "redelivered", (json_int_t)st->redelivered, "ack_p99_ms",
                                fslAckP99(st)));
}

static int cmdConn(fslState *st, fsServer *s, const json_t *cmd, fsResponse *res, const char *c) {
    (void)st;
    fsWs *ws = fslTarget(s, cmd);
    if (!ws) return fslFail(res, 409, "no connection");
    if (strcmp(c, "drop") == 0) fsWsDrop(ws);
    else if (strcmp(c, "freeze") == 0) fsWsFreeze(ws);
    else {
        int code = (int)json_integer_value(json_object_get(cmd, "code"));
        fsWsClose(ws, code ? code : 1000, "closed by fake slack");
    }
    return fslOk(res, json_pack("{s:f}", "t", fsNowMs(s)));
}

void fslControl(fslState *st, fsServer *s, const char *body, size_t len, fsResponse *res) {
    static const char *events[] = {"mention", "dm", "bot_message", "own_message", "edit",
                                   "thread_reply"};
    json_t *cmd = json_loadb(body, len, 0, NULL);
    const char *c = fslStr(cmd, "cmd", "");
    for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++)
        if (strcmp(c, events[i]) == 0) {
            cmdEvent(st, s, cmd, res, c);
            json_decref(cmd);
            return;
        }
    if (strcmp(c, "slash") == 0) cmdSlash(st, s, cmd, res);
    else if (strcmp(c, "click") == 0) cmdClick(st, s, cmd, res);
    else if (strcmp(c, "redeliver") == 0) cmdRedeliver(st, s, cmd, res);
    else if (strcmp(c, "disconnect") == 0) cmdDisconnect(st, s, cmd, res);
    else if (strcmp(c, "raw") == 0) cmdRaw(st, s, cmd, res);
    else if (strcmp(c, "drop") == 0 || strcmp(c, "close") == 0 || strcmp(c, "freeze") == 0)
        cmdConn(st, s, cmd, res, c);
    else if (strcmp(c, "redelivery") == 0) cmdRedelivery(st, s, cmd, res);
    else if (strcmp(c, "reject_tokens") == 0) cmdReject(st, cmd, res);
    else if (strcmp(c, "ratelimit") == 0) cmdScript(st, cmd, res, 429);
    else if (strcmp(c, "fail") == 0) cmdScript(st, cmd, res, 0);
    else if (strcmp(c, "burst") == 0) cmdBurst(st, s, cmd, res);
    else if (strcmp(c, "stats") == 0) cmdStats(st, s, res);
    else if (strcmp(c, "reset_stats") == 0) {
        st->nlat = st->sent = st->replied = 0;
        st->first_send = st->last_reply = 0;
        fslOk(res, json_object());
    }
    else if (strcmp(c, "lean") == 0) {
        st->lean = json_is_true(json_object_get(cmd, "on"));
        fslOk(res, json_object());
    } else if (strcmp(c, "no_hello") == 0) {
        st->no_hello = json_is_true(json_object_get(cmd, "on"));
        fslOk(res, json_object());
    }
    else fslFail(res, 400, "unknown cmd");
    json_decref(cmd);
}

/* An envelope left for the bot: its ack clock starts now, as Slack's does
 * when it sends (not when the fake queued it behind others). */
void fslOnWritten(fslState *st, fsServer *s, const char *data, size_t len) {
    static const char key[] = "\"envelope_id\":\"";
    const char *p = memmem(data, len, key, sizeof(key) - 1);
    if (!p) return;
    p += sizeof(key) - 1;
    const char *q = memchr(p, '"', len - (size_t)(p - data));
    if (!q || q - p >= 64) return;
    char id[64];
    memcpy(id, p, (size_t)(q - p));
    id[q - p] = '\0';
    json_t *rec = json_object_get(st->envelopes, id);
    if (!rec || json_object_get(rec, "ack")) return;
    json_object_set_new(rec, "t", json_real(fsNowMs(s)));
    json_object_set_new(rec, "written", json_true());
}

/* ---- what the bot sends on the socket ---- */

void fslOnAck(fslState *st, fsServer *s, const char *data, size_t len) {
    json_t *m = json_loadb(data, len, 0, NULL);
    const char *id = json_string_value(json_object_get(m, "envelope_id"));
    json_t *rec = id ? json_object_get(st->envelopes, id) : NULL;
    if (!rec) {
        fsLogf(s, "violation", "socket message that is not an ack of a known envelope: %.200s",
               json_is_object(m) ? (id ? id : "(no envelope_id)") : "(not JSON)");
        json_decref(m);
        return;
    }
    if (json_object_get(rec, "ack")) fsLogf(s, "violation", "envelope %s acked twice", id);
    double ms = fsNowMs(s) - json_number_value(json_object_get(rec, "t"));
    json_object_set_new(rec, "ack", json_real(ms));
    st->acks++;
    if (ms > st->max_ack_ms) st->max_ack_ms = ms;
    if (ms > FSL_ACK_DEADLINE_MS) {
        st->late_acks++;
        fsLogf(s, "violation", "envelope %s acked after %.0f ms", id, ms);
    }
    json_t *payload = json_object_get(m, "payload");
    json_t *env = json_object_get(rec, "env");
    if (st->lean) {
        json_decref(m);
        return;
    }
    if (payload && !json_is_true(json_object_get(env, "accepts_response_payload")))
        fsLogf(s, "violation", "envelope %s acked with a payload it does not accept", id);
    char buf[256];
    const char *why = payload ? fslValidateMessage(payload, buf, sizeof(buf)) : NULL;
    if (why) fsLogf(s, "violation", "ack payload of %s: %s", id, why);
    fsLogf(s, "ack", "{\"envelope_id\":\"%s\",\"ms\":%.3f,\"payload\":%s}", id, ms,
           payload ? "true" : "false");
    json_decref(m);
}

void fslRecordReply(fslState *st, fsServer *s, const char *thread_ts) {
    json_t *t = thread_ts ? json_object_get(st->sent_ts, thread_ts) : NULL;
    if (!t) {
        if (thread_ts && json_object_get(st->replied_ts, thread_ts)) st->answered_twice++;
        return;
    }
    json_object_set_new(st->replied_ts, thread_ts, json_true());
    double now = fsNowMs(s);
    if (st->nlat < FSL_MAX_LAT) st->lat[st->nlat++] = now - json_number_value(t);
    st->replied++;
    st->last_reply = now;
    json_object_del(st->sent_ts, thread_ts);
}
