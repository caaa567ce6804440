/* fake_discord.c - a fake Discord for the integration tests and the
 * benchmark: the REST API (discord_rest.c) and the Gateway on one port.
 *
 * Usage: fake_discord [--port N] [--token T] [--heartbeat MS] [--seconds S]
 *
 * Gateway (any websocket path; the bot must add ?v=10&encoding=json):
 * HELLO with heartbeat_interval, heartbeat ACKs (can be withheld), READY
 * with session_id and resume_gateway_url (this same fake, path /resume),
 * dispatches with increasing s, RESUME replaying what the connection
 * missed and then RESUMED. It checks what the bot sends (IDENTIFY token,
 * intents and properties, heartbeat d, RESUME fields) and logs problems as
 * kind "violation".
 *
 * POST /_control, a JSON object with "cmd":
 *   message {id, channel_id, guild_id?, content, author_id?, author_bot?,
 *            mention?, author_name?, nick?, reply_to?}
 *                              dispatch a MESSAGE_CREATE (mention: put the
 *                              bot in mentions[]; reply_to: a reply, type
 *                              19 with message_reference)
 *   plain_channel {channel_id} the bot posts there without a reply
 *                              (the mentors' channel)
 *   close_dms {user_id}        messages to that user's DM answer 50007
 *   dispatch {t, d}            dispatch any event
 *   reconnect                  op 7
 *   invalid_session {resumable} op 9
 *   close {code} | drop        close the gateway with code / drop TCP
 *                              (4007, 4009: the session ends with it)
 *   heartbeat_request          op 1 from the server
 *   raw {text}                 send text as is (malformed frames)
 *   withhold_acks {on}         stop/restart answering heartbeats
 *   end_session                the session expires: a RESUME gets op 9 false
 *   identify_close {code}      answer the next IDENTIFYs with this close
 *   rate_limit {count, retry_after, global}  next message POSTs get 429
 *   unauthorized {count}       next authorized REST calls get 401
 *   burst {n, channel_id, content, per_tick, channels, rate, kind}
 *                              bench: n mentions (kind "autocomplete": n
 *                              autocomplete interactions) spread over
 *                              `channels` channel ids, paced at `rate` per
 *                              second by the clock, or (rate 0) per_tick
 *                              (default 50) more every millisecond; a full
 *                              websocket queue delays, never drops, one;
 *                              ids follow the previous burst's (200,000
 *                              bench ids per run)
 *   stats                      bench figures (replies to this burst, sent,
 *                              p50/p99/max ms, elapsed_ms, burst_left,
 *                              violations, replies_total to any burst)
 *                              and gateway state
 * Each dispatch is also logged as kind "dispatch" {t, s, id} (except
 * during a burst), so tests can time replies from it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "discord_fake.h"

/* ---- gateway ---- */

static void fdSend(fdState *st, fsWs *ws, json_t *payload /* stolen */) {
    (void)st;
    char *text = json_dumps(payload, JSON_COMPACT);
    fsWsSend(ws, text);
    free(text);
    json_decref(payload);
}

static void fdStore(fdState *st, long seq, const char *text) {
    if (st->nevents >= FD_MAX_EVENTS) return;
    st->events[st->nevents].seq = seq;
    st->events[st->nevents].text = strdup(text);
    st->nevents++;
}

static void fdClearEvents(fdState *st) {
    for (size_t i = 0; i < st->nevents; i++) free(st->events[i].text);
    st->nevents = 0;
}

int fdDispatch(fdState *st, const char *t, json_t *d) {
    const char *id = json_string_value(json_object_get(d, "id"));
    if (!st->bursting) /* not while benchmarking */
        fsLogf(st->s, "dispatch", "{\"t\":\"%s\",\"s\":%ld,\"id\":\"%s\"}", t, st->seq + 1, id ? id : "");
    json_t *p = json_pack("{s:i,s:s,s:I,s:o}", "op", 0, "t", t, "s", (json_int_t)++st->seq, "d", d);
    char *text = json_dumps(p, JSON_COMPACT);
    json_decref(p);
    fdStore(st, st->seq, text);
    int rc = -1;
    if (st->gw) {
        fdConn *c = fsWsData(st->gw);
        rc = fsWsSend(st->gw, text);
        if (rc == 0 && c) c->last_sent = st->seq;
    }
    if (rc != 0 && st->bursting) { /* a bench dispatch is sent again later, not replayed */
        if (st->nevents && st->events[st->nevents - 1].seq == st->seq) free(st->events[--st->nevents].text);
        st->seq--;
    }
    free(text);
    return rc;
}

static void fdViolationf(fdState *st, const char *what) {
    fsLogf(st->s, "violation", "{\"what\":\"gateway\",\"why\":\"%s\"}", what);
}

static void fdReady(fdState *st, fsWs *ws) {
    snprintf(st->session, sizeof st->session, "sess-%d", ++st->nsessions);
    st->seq = 0;
    fdClearEvents(st);
    st->gw = ws;
    char resume[96];
    snprintf(resume, sizeof resume, "ws://127.0.0.1:%d/resume", fsPort(st->s));
    fdDispatch(st, "READY",
               json_pack("{s:i,s:s,s:s,s:{s:s,s:s,s:b},s:{s:s,s:i},s:[]}", "v", 10, "session_id",
                         st->session, "resume_gateway_url", resume, "user", "id", FD_BOT_ID,
                         "username", "careerbot", "bot", 1, "application", "id", FD_APP_ID, "flags",
                         0, "guilds"));
}

static void fdIdentify(fdState *st, fsWs *ws, fdConn *c, json_t *d) {
    st->nidentify++;
    const char *tok = json_string_value(json_object_get(d, "token"));
    if (!tok || strcmp(tok, st->token) != 0) {
        fsWsClose(ws, 4004, "Authentication failed.");
        return;
    }
    if (st->identify_close) {
        fsWsClose(ws, st->identify_close, "scripted close");
        return;
    }
    if (c->authed) fdViolationf(st, "second IDENTIFY on one connection");
    if (json_integer_value(json_object_get(d, "intents")) != FD_INTENTS)
        fdViolationf(st, "IDENTIFY intents are not GUILD_MESSAGES|DIRECT_MESSAGES|MESSAGE_CONTENT");
    json_t *props = json_object_get(d, "properties");
    const char *browser = json_string_value(json_object_get(props, "browser"));
    if (!json_string_value(json_object_get(props, "os")) || !browser || strcmp(browser, "careerbot"))
        fdViolationf(st, "IDENTIFY properties missing os/browser careerbot");
    json_t *shard = json_object_get(d, "shard");
    if (shard && (json_array_size(shard) != 2 ||
                  json_integer_value(json_array_get(shard, 0)) >= json_integer_value(json_array_get(shard, 1))))
        fdViolationf(st, "bad shard");
    c->authed = 1;
    fdReady(st, ws);
}

static void fdResume(fdState *st, fsWs *ws, fdConn *c, json_t *d) {
    st->nresume++;
    const char *tok = json_string_value(json_object_get(d, "token"));
    const char *sid = json_string_value(json_object_get(d, "session_id"));
    json_t *seqj = json_object_get(d, "seq");
    if (!tok || strcmp(tok, st->token) != 0) {
        fsWsClose(ws, 4004, "Authentication failed.");
        return;
    }
    if (!sid || strcmp(sid, st->session) != 0 || !json_is_integer(seqj) ||
        json_integer_value(seqj) > st->seq) {
        fsLogf(st->s, "resume_rejected", "{\"session_id\":\"%s\"}", sid ? sid : "");
        fdSend(st, ws, json_pack("{s:i,s:b}", "op", 9, "d", 0));
        return;
    }
    long from = (long)json_integer_value(seqj);
    c->authed = 1;
    st->gw = ws;
    for (size_t i = 0; i < st->nevents; i++)
        if (st->events[i].seq > from && fsWsSend(ws, st->events[i].text) == 0) c->last_sent = st->events[i].seq;
    fdDispatch(st, "RESUMED", json_object());
}

static void fdHeartbeat(fdState *st, fsWs *ws, fdConn *c, json_t *d) {
    if (!json_is_null(d) && !json_is_integer(d)) fdViolationf(st, "heartbeat d not an integer or null");
    long v = json_is_integer(d) ? (long)json_integer_value(d) : -1;
    if (v > st->seq) fdViolationf(st, "heartbeat d ahead of what was sent");
    if (v < c->last_hb_d) fdViolationf(st, "heartbeat d went backwards");
    c->last_hb_d = v;
    if (!st->withhold_acks) fdSend(st, ws, json_pack("{s:i}", "op", 11));
}

static void fdWsMessage(fsWs *ws, const char *data, size_t len, void *ud) {
    fdState *st = ud;
    fdConn *c = fsWsData(ws);
    json_t *j = json_loadb(data, len, 0, NULL);
    if (!j || !c) {
        fdViolationf(st, "gateway payload is not JSON");
        json_decref(j);
        return;
    }
    json_t *d = json_object_get(j, "d");
    switch (json_integer_value(json_object_get(j, "op"))) {
    case 1: fdHeartbeat(st, ws, c, d); break;
    case 2: fdIdentify(st, ws, c, d); break;
    case 6: fdResume(st, ws, c, d); break;
    default: fdViolationf(st, "unexpected opcode from the bot");
    }
    json_decref(j);
}

static void fdWsOpen(fsWs *ws, const char *path, const char *query, void *ud) {
    fdState *st = ud;
    (void)path;
    fdConn *c = calloc(1, sizeof *c);
    c->last_hb_d = -1;
    fsWsSetData(ws, c);
    char v[16] = "", enc[16] = "";
    fsFormValue(query, "v", v, sizeof v);
    fsFormValue(query, "encoding", enc, sizeof enc);
    if (strcmp(v, "10") != 0 || strcmp(enc, "json") != 0) fdViolationf(st, "gateway URL without v=10&encoding=json");
    fdSend(st, ws, json_pack("{s:i,s:n,s:n,s:{s:f}}", "op", 10, "s", "t", "d", "heartbeat_interval", st->hb_ms));
}

static void fdWsClose(fsWs *ws, int code, void *ud) {
    fdState *st = ud;
    (void)code;
    if (st->gw == ws) st->gw = NULL;
    free(fsWsData(ws));
    fsWsSetData(ws, NULL);
}

/* ---- control ---- */

static int fdMessage(fdState *st, json_t *j) {
    const char *content = json_string_value(json_object_get(j, "content"));
    const char *author = json_string_value(json_object_get(j, "author_id"));
    json_t *d = json_pack("{s:s,s:s,s:s,s:{s:s,s:s,s:b},s:[],s:i}", "id",
                          json_string_value(json_object_get(j, "id")) ? json_string_value(json_object_get(j, "id")) : "1",
                          "channel_id",
                          json_string_value(json_object_get(j, "channel_id")) ? json_string_value(json_object_get(j, "channel_id")) : "1",
                          "content", content ? content : "", "author", "id", author ? author : "300000000000000001",
                          "username", "asker", "bot", json_is_true(json_object_get(j, "author_bot")),
                          "mentions", "type", 0);
    const char *guild = json_string_value(json_object_get(j, "guild_id"));
    if (guild) json_object_set_new(d, "guild_id", json_string(guild));
    const char *name = json_string_value(json_object_get(j, "author_name"));
    if (name) { /* a person's names: username, display name, server nickname */
        json_object_set_new(json_object_get(d, "author"), "username", json_string(name));
        json_object_set_new(json_object_get(d, "author"), "global_name", json_string(name));
    }
    const char *nick = json_string_value(json_object_get(j, "nick"));
    if (guild && nick) json_object_set_new(d, "member", json_pack("{s:s,s:[]}", "nick", nick, "roles"));
    const char *reply_to = json_string_value(json_object_get(j, "reply_to"));
    if (reply_to) { /* a reply: type 19 with message_reference (and the message, abridged) */
        json_object_set_new(d, "type", json_integer(19));
        json_t *ref = json_pack("{s:i,s:s,s:O}", "type", 0, "message_id", reply_to, "channel_id",
                                json_object_get(d, "channel_id"));
        if (guild) json_object_set_new(ref, "guild_id", json_string(guild));
        json_object_set_new(d, "message_reference", ref);
        json_object_set_new(d, "referenced_message",
                            json_pack("{s:s,s:O,s:{s:s,s:b}}", "id", reply_to, "channel_id",
                                      json_object_get(d, "channel_id"), "author", "id", FD_BOT_ID, "bot", 1));
    }
    if (json_is_true(json_object_get(j, "mention")))
        json_array_append_new(json_object_get(d, "mentions"), json_pack("{s:s,s:b}", "id", FD_BOT_ID, "bot", 1));
    return fdDispatch(st, "MESSAGE_CREATE", d);
}

/* One bench dispatch (number st->burst_sent): a mention or an autocomplete
 * interaction with a bench id. 0 when the gateway took it. */
static int fdBurstOne(fdState *st) {
    static const char *partials[] = {"dj", "django or fl", "cert", "how do i get", "boot", "pyth", "sal", "remote"};
    char id[32], ch[32];
    snprintf(id, sizeof id, "%lld", FD_BENCH_BASE + (long long)(st->burst_id0 + st->burst_sent));
    snprintf(ch, sizeof ch, "%lld", atoll(st->burst_channel) + (long long)(st->burst_sent % st->burst_channels));
    if (st->burst_kind == FD_BURST_AUTOCOMPLETE) {
        char tok[48];
        snprintf(tok, sizeof tok, "benchtoken%zu", st->burst_sent);
        return fdDispatch(st, "INTERACTION_CREATE",
                          json_pack("{s:s,s:i,s:s,s:s,s:s,s:s,s:{s:s},s:{s:s,s:i,s:[{s:s,s:i,s:s,s:b}]}}", "id", id,
                                    "type", 4, "application_id", FD_APP_ID, "token", tok, "channel_id", ch,
                                    "guild_id", "500000000000000001", "member", "user", "300000000000000001",
                                    "data", "name", "faq", "type", 1, "options", "name", "question", "type", 3,
                                    "value", partials[st->burst_sent % 8], "focused", 1));
    }
    json_t *j = json_pack("{s:s,s:s,s:s,s:s,s:b}", "id", id, "channel_id", ch, "guild_id", "500000000000000001",
                          "content", st->burst_content, "mention", 1);
    int rc = fdMessage(st, j);
    json_decref(j);
    return rc;
}

/* Send what is due: rate * elapsed (paced by time, not by ticks), or
 * per_tick more when unpaced. A full websocket queue is retried next tick. */
static void fdBurstTick(fsServer *s, void *ud) {
    fdState *st = ud;
    double now = fsNowMs(s);
    if (st->burst_sent == 0) st->burst_first_ms = now;
    size_t due = st->burst_rate > 0 ? (size_t)((now - st->burst_first_ms) * st->burst_rate / 1000.0) + 1
                                    : st->burst_sent + st->burst_per_tick;
    if (due > st->burst_n) due = st->burst_n;
    while (st->burst_sent < due && st->gw) {
        st->sent_ms[st->burst_id0 + st->burst_sent] = fsNowMs(s);
        if (fdBurstOne(st) != 0) {
            st->sent_ms[st->burst_id0 + st->burst_sent] = 0;
            st->burst_full++;
            break;
        }
        st->burst_sent++;
    }
    if (st->burst_sent < st->burst_n) fsAfter(s, 1, fdBurstTick, st);
    else st->bursting = 0;
}

static int fdCmpDouble(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void fdStats(fdState *st, fsResponse *res) {
    double *v = malloc((st->nlat + 1) * sizeof *v);
    memcpy(v, st->lat_ms, st->nlat * sizeof *v);
    qsort(v, st->nlat, sizeof *v, fdCmpDouble);
    double p50 = st->nlat ? v[st->nlat / 2] : 0, p99 = st->nlat ? v[(st->nlat * 99) / 100] : 0;
    double span = st->last_reply_ms - st->burst_first_ms;
    fsReplyf(res, 200,
             "{\"replies\":%zu,\"sent\":%zu,\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f,"
             "\"per_second\":%.1f,\"session_id\":\"%s\",\"seq\":%ld,\"connected\":%s,"
             "\"identifies\":%d,\"resumes\":%d,\"burst_left\":%zu,\"elapsed_ms\":%.1f,"
             "\"queue_full\":%zu,\"violations\":%zu,\"global_limited\":%zu,\"replies_total\":%zu}",
             st->nlat, st->burst_sent, p50, p99, st->nlat ? v[st->nlat - 1] : 0,
             span > 0 ? st->nlat * 1000.0 / span : 0, st->session, st->seq, st->gw ? "true" : "false",
             st->nidentify, st->nresume, st->burst_n - st->burst_sent, span > 0 ? span : 0, st->burst_full,
             fsLogCount(st->s, "violation"), st->global_limited, st->replies_total);
    free(v);
}

static void fdBurst(fdState *st, json_t *j) {
    size_t n = (size_t)json_integer_value(json_object_get(j, "n"));
    st->burst_id0 = st->bench_ids; /* fresh ids: earlier bursts may still be answered */
    if (n > FD_BENCH_MAX - st->burst_id0) n = FD_BENCH_MAX - st->burst_id0;
    st->bench_ids += n;
    free(st->burst_channel);
    free(st->burst_content);
    const char *ch = json_string_value(json_object_get(j, "channel_id"));
    const char *ct = json_string_value(json_object_get(j, "content"));
    st->burst_channel = strdup(ch ? ch : "600000000000000001");
    st->burst_content = strdup(ct ? ct : "<@" FD_BOT_ID "> hello");
    st->nlat = 0;
    st->burst_n = n;
    st->burst_sent = 0;
    json_int_t per = json_integer_value(json_object_get(j, "per_tick"));
    st->burst_per_tick = per > 0 ? (size_t)per : 50;
    json_int_t chans = json_integer_value(json_object_get(j, "channels"));
    st->burst_channels = chans > 0 ? (size_t)chans : 1;
    st->burst_rate = json_number_value(json_object_get(j, "rate"));
    const char *kind = json_string_value(json_object_get(j, "kind"));
    st->burst_kind = kind && strcmp(kind, "autocomplete") == 0 ? FD_BURST_AUTOCOMPLETE : FD_BURST_MESSAGES;
    st->burst_full = 0;
    st->last_reply_ms = 0;
    st->bursting = 1;
    fsAfter(st->s, 0, fdBurstTick, st);
}

static void fdGatewayCmd(fdState *st, const char *cmd, json_t *j, fsResponse *res) {
    if (!st->gw) {
        fsReplyJson(res, 409, "{\"ok\":false,\"error\":\"no gateway connection\"}");
        return;
    }
    if (strcmp(cmd, "reconnect") == 0) fdSend(st, st->gw, json_pack("{s:i,s:n}", "op", 7, "d"));
    else if (strcmp(cmd, "invalid_session") == 0)
        fdSend(st, st->gw, json_pack("{s:i,s:b}", "op", 9, "d", json_is_true(json_object_get(j, "resumable"))));
    else if (strcmp(cmd, "close") == 0) {
        int code = (int)json_integer_value(json_object_get(j, "code"));
        /* 4007 and 4009 end the session as Discord's do: a RESUME after
         * them (the bot may miss the close frame) gets op 9 false. */
        if (code == 4007 || code == 4009) st->session[0] = '\0';
        fsWsClose(st->gw, code, "scripted close");
    }
    else if (strcmp(cmd, "drop") == 0) fsWsDrop(st->gw);
    else if (strcmp(cmd, "heartbeat_request") == 0) fdSend(st, st->gw, json_pack("{s:i,s:n}", "op", 1, "d"));
    else if (strcmp(cmd, "raw") == 0) {
        const char *t = json_string_value(json_object_get(j, "text"));
        fsWsSend(st->gw, t ? t : "");
    }
}

static void fdControl(fsServer *s, const char *body, size_t len, fsResponse *res, void *ud) {
    (void)s;
    fdState *st = ud;
    json_t *j = json_loadb(body, len, 0, NULL);
    const char *cmd = json_string_value(json_object_get(j, "cmd"));
    if (!cmd) cmd = "";
    if (strcmp(cmd, "message") == 0) fdMessage(st, j);
    else if (strcmp(cmd, "dispatch") == 0) {
        const char *t = json_string_value(json_object_get(j, "t"));
        json_t *d = json_object_get(j, "d");
        fdDispatch(st, t ? t : "UNKNOWN_EVENT", d ? json_incref(d) : json_object());
    }
    else if (strcmp(cmd, "plain_channel") == 0) /* the bot posts here without replying */
        json_object_set_new(st->plain_channels, json_string_value(json_object_get(j, "channel_id")) ?
                            json_string_value(json_object_get(j, "channel_id")) : "", json_true());
    else if (strcmp(cmd, "close_dms") == 0) /* this user's DMs refuse the bot: 50007 */
        json_object_set_new(st->closed_dms, json_string_value(json_object_get(j, "user_id")) ?
                            json_string_value(json_object_get(j, "user_id")) : "", json_true());
    else if (strcmp(cmd, "end_session") == 0) st->session[0] = '\0'; /* expired while away */
    else if (strcmp(cmd, "withhold_acks") == 0) st->withhold_acks = json_is_true(json_object_get(j, "on"));
    else if (strcmp(cmd, "identify_close") == 0) st->identify_close = (int)json_integer_value(json_object_get(j, "code"));
    else if (strcmp(cmd, "rate_limit") == 0) {
        st->rl_count = (int)json_integer_value(json_object_get(j, "count"));
        st->rl_retry_after = json_number_value(json_object_get(j, "retry_after"));
        st->rl_global = json_is_true(json_object_get(j, "global"));
    } else if (strcmp(cmd, "unauthorized") == 0) st->unauthorized = (int)json_integer_value(json_object_get(j, "count"));
    else if (strcmp(cmd, "burst") == 0) fdBurst(st, j);
    else if (strcmp(cmd, "stats") == 0) fdStats(st, res);
    else if (strcmp(cmd, "reconnect") == 0 || strcmp(cmd, "invalid_session") == 0 || strcmp(cmd, "close") == 0 ||
             strcmp(cmd, "drop") == 0 || strcmp(cmd, "heartbeat_request") == 0 || strcmp(cmd, "raw") == 0)
        fdGatewayCmd(st, cmd, j, res);
    else fsReplyJson(res, 400, "{\"ok\":false,\"error\":\"unknown cmd\"}");
    json_decref(j);
}

int main(int argc, char **argv) {
    int port = 0;
    double secs = 120;
    fdState st = {.token = "test-discord-token", .hb_ms = 500, .next_id = 900000000000000000LL};
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--port") == 0) port = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--token") == 0) st.token = argv[i + 1];
        else if (strcmp(argv[i], "--heartbeat") == 0) st.hb_ms = atof(argv[i + 1]);
        else if (strcmp(argv[i], "--seconds") == 0) secs = atof(argv[i + 1]);
    }
    st.events = calloc(FD_MAX_EVENTS, sizeof *st.events);
    st.dm_channels = json_object();
    st.plain_channels = json_object();
    st.closed_dms = json_object();
    st.sent_ms = calloc(FD_BENCH_MAX, sizeof *st.sent_ms);
    st.lat_ms = calloc(FD_BENCH_MAX, sizeof *st.lat_ms);
    fsHandlers h = {.http = fdHttp, .ws_open = fdWsOpen, .ws_message = fdWsMessage,
                    .ws_close = fdWsClose, .control = fdControl};
    st.s = fsStart(port, &h, &st);
    if (!st.s) return 1;
    int rc = fsRun(st.s, secs);
    fsFree(st.s);
    fdClearEvents(&st);
    free(st.events);
    free(st.sent_ms);
    free(st.lat_ms);
    free(st.burst_channel);
    free(st.burst_content);
    json_decref(st.dm_channels);
    json_decref(st.plain_channels);
    json_decref(st.closed_dms);
    return rc == 0 ? 0 : 3;
}
