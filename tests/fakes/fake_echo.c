/* fake_echo.c - the network core's own fake server (tests/unit/test_http.c
 * and test_ws.c): HTTP echo with scripted responses, websocket echo with
 * scripted closes, drops and fragmented/large messages. Built on fakesrv.
 *
 * Usage: fake_echo [port (0 = any)] [max_seconds (default 60)]
 *
 * HTTP: a request to path P gets the next scripted response for P, else
 * P's sticky default, else 200 {"method","path","query","body","n"} where n
 * counts requests to P. GET /big?n=N answers N bytes.
 * POST /_control {"path": P, "push": [spec, ...]} queues responses for P;
 * {"path": P, "default": spec} sets the sticky default ({"path": P,
 * "default": null} clears it). spec: {"status": 429, "headers": {"Retry-After":
 * "1"}, "body": "text or JSON value", "delay_ms": 500}.
 * Websocket (any path): echoes text; "close:CODE" closes with CODE;
 * "drop" drops the TCP connection; "freeze" stops reading and writing
 * (a dead path: pings get no pong); "frag:N:F" sends N bytes in F-byte
 * fragments; "burst:K" sends K numbered messages; "later:MS:TEXT" sends
 * TEXT after MS milliseconds (a fakesrv timer). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fakesrv.h"

typedef struct echoState {
    json_t *queues;   /* path -> [spec...] */
    json_t *defaults; /* path -> spec */
    json_t *counts;   /* path -> n */
} echoState;

static void replySpec(fsResponse *res, json_t *spec) {
    int status = (int)json_integer_value(json_object_get(spec, "status"));
    json_t *body = json_object_get(spec, "body");
    char *text = NULL;
    if (json_is_string(body)) text = strdup(json_string_value(body));
    else if (body) text = json_dumps(body, JSON_COMPACT | JSON_ENCODE_ANY);
    fsReplyJson(res, status ? status : 200, text ? text : "{}");
    free(text);
    const char *k;
    json_t *v;
    json_object_foreach(json_object_get(spec, "headers"), k, v)
        if (json_is_string(v)) fsAddHeader(res, k, json_string_value(v));
    double delay = json_number_value(json_object_get(spec, "delay_ms"));
    if (delay > 0) fsDelay(res, delay);
}

static void replyBig(const fsRequest *req, fsResponse *res) {
    char num[32] = "0";
    fsFormValue(req->query, "n", num, sizeof(num));
    size_t n = (size_t)strtoull(num, NULL, 10);
    if (n > (64u << 20)) n = 64u << 20;
    char *b = malloc(n + 1);
    memset(b, 'x', n);
    b[n] = '\0';
    fsReply(res, 200, "text/plain", b);
    free(b);
}

static void onHttp(fsServer *s, const fsRequest *req, fsResponse *res, void *ud) {
    (void)s;
    echoState *st = ud;
    json_int_t n = json_integer_value(json_object_get(st->counts, req->path)) + 1;
    json_object_set_new(st->counts, req->path, json_integer(n));
    json_t *q = json_object_get(st->queues, req->path);
    if (json_array_size(q) > 0) {
        replySpec(res, json_array_get(q, 0));
        json_array_remove(q, 0);
        return;
    }
    json_t *d = json_object_get(st->defaults, req->path);
    if (d) {
        replySpec(res, d);
        return;
    }
    if (strcmp(req->path, "/big") == 0) {
        replyBig(req, res);
        return;
    }
    json_t *o = json_pack("{s:s, s:s, s:s, s:s%, s:I}", "method", req->method, "path", req->path,
                          "query", req->query, "body", req->body, req->body_len, "n", (json_int_t)n);
    const char *auth = fsHeader(req, "authorization");
    if (o && auth) json_object_set_new(o, "authorization", json_string(auth));
    const char *custom = fsHeader(req, "x-echo-test");
    if (o && custom) json_object_set_new(o, "x-echo-test", json_string(custom));
    char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
    fsReplyJson(res, 200, text ? text : "{}");
    free(text);
    json_decref(o);
}

static void onControl(fsServer *s, const char *body, size_t len, fsResponse *res, void *ud) {
    (void)s;
    echoState *st = ud;
    json_t *j = json_loadb(body, len, 0, NULL);
    const char *path = json_string_value(json_object_get(j, "path"));
    if (!path) {
        fsReplyJson(res, 400, "{\"ok\":false,\"error\":\"path missing\"}");
        json_decref(j);
        return;
    }
    json_t *push = json_object_get(j, "push");
    if (json_is_array(push)) {
        json_t *q = json_object_get(st->queues, path);
        if (!q) json_object_set_new(st->queues, path, q = json_array());
        json_array_extend(q, push);
    }
    json_t *d = json_object_get(j, "default");
    if (json_is_object(d)) json_object_set(st->defaults, path, d);
    else if (json_is_null(d)) json_object_del(st->defaults, path);
    json_decref(j);
}

static void sendFrag(fsWs *ws, size_t n, size_t frag) {
    if (n > (16u << 20)) n = 16u << 20;
    char *b = malloc(n + 1);
    for (size_t i = 0; i < n; i++) b[i] = (char)('a' + i % 26);
    fsWsSendFragmented(ws, b, n, frag);
    free(b);
}

typedef struct laterMsg {
    fsWs *ws;
    char text[64];
} laterMsg;

static laterMsg *pendingLater; /* at most one at a time: enough for tests */
static fsTimer *pendingTimer;

static void sendLater(fsServer *s, void *ud) {
    (void)s;
    laterMsg *m = ud;
    fsWsSend(m->ws, m->text);
    free(m);
    pendingLater = NULL;
    pendingTimer = NULL;
}

static void onWsClose(fsWs *ws, int code, void *ud) {
    (void)code, (void)ud;
    if (pendingLater && pendingLater->ws == ws) { /* the socket is gone */
        fsCancel(pendingTimer);
        free(pendingLater);
        pendingLater = NULL;
        pendingTimer = NULL;
    }
}

static void onWsMessage(fsWs *ws, const char *data, size_t len, void *ud) {
    (void)ud;
    char cmd[64];
    size_t n = len < sizeof(cmd) - 1 ? len : sizeof(cmd) - 1;
    memcpy(cmd, data, n);
    cmd[n] = '\0';
    unsigned long a = 0, b = 0;
    if (sscanf(cmd, "close:%lu", &a) == 1) {
        fsWsClose(ws, (int)a, "scripted close");
    } else if (strcmp(cmd, "drop") == 0) {
        fsWsDrop(ws);
    } else if (strcmp(cmd, "freeze") == 0) {
        fsWsFreeze(ws);
    } else if (sscanf(cmd, "frag:%lu:%lu", &a, &b) == 2) {
        sendFrag(ws, a, b);
    } else if (sscanf(cmd, "later:%lu:", &a) == 1 && !pendingLater) {
        laterMsg *m = calloc(1, sizeof(*m));
        m->ws = ws;
        snprintf(m->text, sizeof(m->text), "%s", strchr(cmd + 6, ':') + 1);
        pendingLater = m;
        pendingTimer = fsAfter(fsWsServer(ws), (double)a, sendLater, m);
    } else if (sscanf(cmd, "burst:%lu", &a) == 1) {
        for (unsigned long i = 0; i < a && i < 10000; i++) {
            char m[32];
            snprintf(m, sizeof(m), "m%lu", i);
            fsWsSend(ws, m);
        }
    } else {
        fsWsSendLen(ws, data, len);
    }
}

int main(int argc, char **argv) {
    int port = argc > 1 ? atoi(argv[1]) : 0;
    double secs = argc > 2 ? atof(argv[2]) : 60;
    echoState st = {json_object(), json_object(), json_object()};
    fsHandlers h = {.http = onHttp, .ws_message = onWsMessage, .ws_close = onWsClose, .control = onControl};
    fsServer *s = fsStart(port, &h, &st);
    if (!s) return 1;
    int rc = fsRun(s, secs);
    fsFree(s);
    free(pendingLater);
    json_decref(st.queues);
    json_decref(st.defaults);
    json_decref(st.counts);
    return rc == 0 ? 0 : 3;
}
