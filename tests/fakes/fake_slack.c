/* fake_slack.c - a fake Slack for the integration tests and the benchmark,
 * shaped like the real thing: Web API methods under /api/ (auth.test,
 * apps.connections.open, chat.postMessage, chat.update; errors as HTTP 200
 * {"ok":false,"error":...}; 429 + Retry-After + "ratelimited"), a Socket
 * Mode websocket (hello, envelopes, disconnect) and response_url endpoints.
 * It validates what the bot sends (tokens, JSON shapes, Block Kit limits,
 * acks) and logs every problem as kind "violation" in /_log; tests assert
 * there are none.
 *
 * Usage: fake_slack [port (0 = any)] [max_seconds (default 120)]
 *
 * POST /_control {"cmd": ...} scripts it (see fslControl in
 * slack_script.c): mention, dm, bot_message, own_message, edit,
 * thread_reply (a message in a channel thread: thread_ts, parent_user_id,
 * user_profile; what a mentor's answer to a hand-off looks like), slash,
 * click, redeliver, disconnect, raw, drop, freeze, close, reject_tokens,
 * ratelimit, fail, burst, redelivery, stats. Like Slack it can resend
 * envelopes not acked within 3 s ("redelivery"), and a disconnect message
 * ({"type":"disconnect","reason":"refresh_requested"|"warning"|
 * "link_disabled","debug_info":{...}}) may be followed by Slack closing
 * that link ("close_after_ms"). Log kinds it adds: "envelope" (sent), "ack",
 * "post" (a chat.postMessage / chat.update / response_url it accepted),
 * "violation". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "slack_fake.h"

static fslState st;

/* ---- Web API ---- */

static const char *fslToken(const fsRequest *req) {
    const char *auth = fsHeader(req, "authorization");
    if (!auth || strncmp(auth, "Bearer ", 7) != 0) return NULL;
    return auth + 7;
}

/* NULL when the request's token is acceptable for prefix, else the error. */
static const char *fslAuthError(fsServer *s, const fsRequest *req, const char *prefix) {
    const char *tok = fslToken(req);
    if (!tok || !*tok) {
        fsLogf(s, "violation", "%s without an Authorization: Bearer header", req->path);
        return "not_authed";
    }
    int is_app = strncmp(tok, "xapp-", 5) == 0;
    if ((is_app && st.reject_app) || (!is_app && st.reject_bot)) return st.reject_error;
    if (strncmp(tok, prefix, strlen(prefix)) != 0) {
        fsLogf(s, "violation", "%s called with a token not starting with %s", req->path, prefix);
        return "not_allowed_token_type";
    }
    return NULL;
}

static void fslError(fsResponse *res, const char *error) {
    fsReplyf(res, 200, "{\"ok\":false,\"error\":\"%s\"}", error);
}

/* A scripted 429/5xx for this method, if one is pending. */
static int fslScripted(const char *method, fsResponse *res) {
    fslScript *sc = fslScriptFor(&st, method);
    if (!sc || sc->count <= 0) return 0;
    sc->count--;
    if (sc->status == 429) {
        char ra[32];
        snprintf(ra, sizeof(ra), "%d", sc->retry_after);
        fsAddHeader(res, "Retry-After", ra);
        fsReplyJson(res, 429, "{\"ok\":false,\"error\":\"ratelimited\"}");
    } else {
        fsReplyJson(res, sc->status, "{\"ok\":false,\"error\":\"internal_error\"}");
    }
    return 1;
}

/* 1 (and the error reply) when the token is not acceptable. */
static int fslAuthFailed(fsServer *s, const fsRequest *req, fsResponse *res, const char *prefix) {
    const char *e = fslAuthError(s, req, prefix);
    if (e) fslError(res, e);
    return e != NULL;
}

static void fslAuthTest(fsServer *s, const fsRequest *req, fsResponse *res) {
    if (fslAuthFailed(s, req, res, "xoxb-")) return;
    fsReplyJson(res, 200,
                "{\"ok\":true,\"url\":\"https://fake.slack.com/\",\"team\":\"Fake\",\"user\":"
                "\"careerbot\",\"team_id\":\"T0FAKE\",\"user_id\":\"" FSL_BOT_USER
                "\",\"bot_id\":\"" FSL_BOT_ID "\",\"is_enterprise_install\":false}");
}

static void fslOpen(fsServer *s, const fsRequest *req, fsResponse *res) {
    if (strcmp(req->method, "POST") != 0) fslError(res, "insecure_request");
    else if (!fslAuthFailed(s, req, res, "xapp-")) {
        st.ticket++;
        fsReplyf(res, 200,
                 "{\"ok\":true,\"url\":\"ws://127.0.0.1:%d/link/?ticket=%d&app_id=A0FAKE\"}",
                 fsPort(s), st.ticket);
    }
}

static void fslApi(fsServer *s, const fsRequest *req, fsResponse *res) {
    const char *method = req->path + 5; /* after "/api/" */
    int post = strcmp(method, "chat.postMessage") == 0;
    if (fslScripted(method, res)) return;
    if (strcmp(method, "auth.test") == 0) fslAuthTest(s, req, res);
    else if (strcmp(method, "apps.connections.open") == 0) fslOpen(s, req, res);
    else if (!post && strcmp(method, "chat.update") != 0) fslError(res, "unknown_method");
    else if (!fslAuthFailed(s, req, res, "xoxb-")) fslChat(&st, s, req, res, post);
}

static void onHttp(fsServer *s, const fsRequest *req, fsResponse *res, void *ud) {
    (void)ud;
    if (strncmp(req->path, "/api/", 5) == 0) fslApi(s, req, res);
    else if (strncmp(req->path, "/response/", 10) == 0) fslResponseUrl(&st, s, req, res);
}

/* ---- the socket ---- */

static void onWsOpen(fsWs *ws, const char *path, const char *query, void *ud) {
    (void)ud;
    fsServer *s = fsWsServer(ws);
    char ticket[32] = "";
    if (strcmp(path, "/link/") != 0 || !fsFormValue(query, "ticket", ticket, sizeof(ticket)) ||
        atoi(ticket) <= st.used_ticket || atoi(ticket) > st.ticket) {
        fsLogf(s, "violation", "websocket opened without a fresh ticket: path=%s query=%s", path, query);
        fsWsClose(ws, 4001, "bad ticket");
        return;
    }
    st.used_ticket = atoi(ticket);
    fsWsSetData(ws, (void *)(long)st.used_ticket);
    char hello[256];
    snprintf(hello, sizeof(hello),
             "{\"type\":\"hello\",\"num_connections\":%zu,\"debug_info\":{\"host\":\"fake-slack-%s\","
             "\"build_number\":1,\"approximate_connection_time\":18060},"
             "\"connection_info\":{\"app_id\":\"A0FAKE\"}}",
             fsWsCount(s), ticket);
    if (!st.no_hello) fsWsSend(ws, hello);
}

static void onWsMessage(fsWs *ws, const char *data, size_t len, void *ud) {
    (void)ud;
    fslOnAck(&st, fsWsServer(ws), data, len);
}

static void onWsSent(fsWs *ws, const char *data, size_t len, void *ud) {
    (void)ud;
    fslOnWritten(&st, fsWsServer(ws), data, len);
}

static void onControl(fsServer *s, const char *body, size_t len, fsResponse *res, void *ud) {
    (void)ud;
    fslControl(&st, s, body, len, res);
}

int main(int argc, char **argv) {
    int port = argc > 1 ? atoi(argv[1]) : 0;
    double secs = argc > 2 ? atof(argv[2]) : 120;
    fslInit(&st);
    fsHandlers h = {.http = onHttp, .ws_open = onWsOpen, .ws_message = onWsMessage,
                    .ws_sent = onWsSent, .control = onControl};
    fsServer *s = fsStart(port, &h, NULL);
    if (!s) return 1;
    int rc = fsRun(s, secs);
    fsFree(s);
    fslFree(&st);
    return rc == 0 ? 0 : 3;
}
