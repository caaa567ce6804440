/* fakesrv.c - fake platform server library: one lws context listening on
 * 127.0.0.1 whose single protocol serves both HTTP (built-in /_log and
 * /_control, then the fake's handler) and websockets (reassembled messages
 * in, a queue of messages out written as many frames per SERVER_WRITEABLE
 * as the socket takes, as a real server would).
 * See fakesrv.h for the API; fakesrv_util.c holds the connection-free
 * parts (responses, timers, log). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "base/common.h"
#include "fakesrv_int.h"

typedef struct fsPss {
    fsTx *tx;
    fsWs *ws;
} fsPss;

/* ---- HTTP transactions ---- */

static void txFree(fsTx *tx) {
    if (!tx) return;
    if (tx->sul_armed) lws_sul_cancel(&tx->sul);
    free(tx->path);
    free(tx->query);
    for (int i = 0; i < tx->nhdrs; i++) {
        free(tx->hdrs[i].name);
        free(tx->hdrs[i].value);
    }
    free(tx->hdrs);
    for (int i = 0; i < tx->nscratch; i++) free(tx->scratch[i]);
    bufFree(&tx->body);
    fsResponseFree(&tx->res);
    free(tx);
}

static char *hdrCopy(struct lws *wsi, enum lws_token_indexes tok) {
    int n = lws_hdr_total_length(wsi, tok);
    if (n <= 0) return NULL;
    char *v = cbMalloc((size_t)n + 1);
    if (lws_hdr_copy(wsi, v, n + 1, tok) < 0) {
        free(v);
        return NULL;
    }
    return v;
}

/* lws hands out the query decoded, one "k=v" fragment at a time; rebuild a
 * form-encoded string (re-encoding each part) so fsFormValue can read it. */
static void appendEncoded(cbBuf *b, const char *s, size_t n) {
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (isalnum(c) || strchr("-._~", c)) bufAppend(b, &s[i], 1);
        else bufPrintf(b, "%%%02X", c);
    }
}

static char *queryCopy(struct lws *wsi) {
    cbBuf q;
    bufInit(&q, FS_MAX_BODY);
    char frag[4096];
    for (int i = 0; i < 256; i++) {
        int n = lws_hdr_copy_fragment(wsi, frag, sizeof(frag), WSI_TOKEN_HTTP_URI_ARGS, i);
        if (n < 0) break;
        const char *eq = strchr(frag, '=');
        if (q.len) bufAppendStr(&q, "&");
        appendEncoded(&q, frag, eq ? (size_t)(eq - frag) : (size_t)n);
        if (eq) {
            bufAppendStr(&q, "=");
            appendEncoded(&q, eq + 1, strlen(eq + 1));
        }
    }
    return bufDetach(&q);
}

static const char *txMethod(struct lws *wsi) {
    static const struct { enum lws_token_indexes tok; const char *name; } m[] = {
        {WSI_TOKEN_GET_URI, "GET"},       {WSI_TOKEN_POST_URI, "POST"},
        {WSI_TOKEN_PUT_URI, "PUT"},       {WSI_TOKEN_PATCH_URI, "PATCH"},
        {WSI_TOKEN_DELETE_URI, "DELETE"}, {WSI_TOKEN_OPTIONS_URI, "OPTIONS"},
        {WSI_TOKEN_HEAD_URI, "HEAD"},
    };
    for (size_t i = 0; i < CB_ARRAY_LEN(m); i++)
        if (lws_hdr_total_length(wsi, m[i].tok) > 0) return m[i].name;
    return "GET";
}

/* Copy every header lws knows by name ("authorization:", ...). */
static void txSnapshotHeaders(fsTx *tx) {
    tx->hdrs = cbCalloc((size_t)WSI_TOKEN_COUNT, sizeof(fsHdr));
    for (int t = 0; t < (int)_WSI_TOKEN_CLIENT_SENT_PROTOCOLS; t++) {
        const char *name = (const char *)lws_token_to_string((enum lws_token_indexes)t);
        size_t n = name ? strlen(name) : 0;
        if (n < 2 || name[n - 1] != ':' || name[0] == ':') continue;
        char *v = hdrCopy(tx->wsi, (enum lws_token_indexes)t);
        if (!v) continue;
        tx->hdrs[tx->nhdrs].name = cbStrndup(name, n - 1);
        tx->hdrs[tx->nhdrs].value = v;
        tx->nhdrs++;
    }
}

const char *fsHeader(const fsRequest *r, const char *name) {
    fsTx *tx = r->priv_;
    if (!tx || !name) return NULL;
    for (int i = 0; i < tx->nhdrs; i++)
        if (strcasecmp(tx->hdrs[i].name, name) == 0) return tx->hdrs[i].value;
    if (!tx->wsi || tx->nscratch == FS_MAX_SCRATCH) return NULL;
    char key[128];
    int kn = snprintf(key, sizeof(key), "%s:", name);
    if (kn <= 0 || (size_t)kn >= sizeof(key)) return NULL;
    for (int i = 0; i < kn; i++) key[i] = (char)tolower((unsigned char)key[i]);
    int len = lws_hdr_custom_length(tx->wsi, key, kn);
    if (len < 0) return NULL;
    char *v = cbMalloc((size_t)len + 1);
    if (lws_hdr_custom_copy(tx->wsi, v, len + 1, key, kn) < 0) {
        free(v);
        return NULL;
    }
    tx->scratch[tx->nscratch++] = v;
    return v;
}

static json_t *jsonStr(const char *s) {
    json_t *j = json_string(s);
    return j ? j : json_string("<not UTF-8>");
}

/* The request's log entry (borrowed; NULL when the log is full). */
static json_t *txLog(fsTx *tx) {
    json_t *e = json_object(), *h = json_object();
    json_object_set_new(e, "kind", json_string("http"));
    json_object_set_new(e, "method", json_string(tx->method));
    json_object_set_new(e, "path", jsonStr(tx->path));
    json_object_set_new(e, "query", jsonStr(tx->query));
    for (int i = 0; i < tx->nhdrs; i++)
        json_object_set_new(h, tx->hdrs[i].name, jsonStr(tx->hdrs[i].value));
    json_object_set_new(e, "headers", h);
    json_object_set_new(e, "body", fsJsonBody(bufStr(&tx->body), tx->body.len));
    size_t before = json_array_size(tx->srv->log);
    fsLogAppend(tx->srv, e);
    return json_array_size(tx->srv->log) > before ? json_array_get(tx->srv->log, before) : NULL;
}

static void txDelayFired(lws_sorted_usec_list_t *sul) {
    fsTx *tx = lws_container_of(sul, fsTx, sul);
    tx->sul_armed = 0;
    tx->ready = 1;
    lws_callback_on_writable(tx->wsi);
}

static int isQuit(const char *body, size_t len) {
    if (len == 4 && memcmp(body, "quit", 4) == 0) return 1;
    json_t *j = json_loadb(body, len, 0, NULL);
    const char *cmd = json_string_value(json_object_get(j, "cmd"));
    int q = cmd && strcmp(cmd, "quit") == 0;
    json_decref(j);
    return q;
}

static void txBuiltinOrHandler(fsTx *tx, const fsRequest *req) {
    fsServer *s = tx->srv;
    fsResponse *res = &tx->res;
    if (strcmp(tx->path, "/_log") == 0 && strcmp(tx->method, "GET") == 0) {
        char *dump = fsLogDump(s);
        fsReplyJson(res, 200, dump);
        free(dump);
    } else if (strcmp(tx->path, "/_log/clear") == 0) {
        json_array_clear(s->log);
        json_object_clear(s->log_kinds);
        fsReplyJson(res, 200, "{\"ok\":true}");
    } else if (strcmp(tx->path, "/_control") == 0) {
        fsReplyJson(res, 200, "{\"ok\":true}");
        if (isQuit(req->body, req->body_len)) fsStop(s);
        else if (s->h.control) s->h.control(s, req->body, req->body_len, res, s->ud);
    } else {
        json_t *e = txLog(tx);
        if (s->h.http) s->h.http(s, req, res, s->ud);
        if (e) json_object_set_new(e, "status", json_integer(res->touched ? res->status : 404));
    }
}

/* The request is complete: produce the response and ask to write it. */
static void txDispatch(fsTx *tx) {
    fsRequest req = {tx->method, tx->path, tx->query, bufStr(&tx->body), tx->body.len,
                     fsNowMs(tx->srv), tx};
    if (tx->too_big) {
        tx->close_after = 1;
        fsReplyJson(&tx->res, 413, "{\"error\":\"request body too large\"}");
    } else {
        txBuiltinOrHandler(tx, &req);
    }
    if (!tx->res.touched) fsReplyJson(&tx->res, 404, "{\"error\":\"not found\"}");
    if (tx->res.status == 0) tx->res.status = 200;
    if (!tx->res.body) fsReply(&tx->res, tx->res.status, tx->res.ctype, "");
    if (tx->res.delay_ms > 0) {
        tx->sul_armed = 1;
        lws_sul_schedule(tx->srv->ctx, 0, &tx->sul, txDelayFired,
                         (lws_usec_t)(tx->res.delay_ms * 1000));
        return;
    }
    tx->ready = 1;
    lws_callback_on_writable(tx->wsi);
}

static int txBegin(fsServer *s, fsPss *pss, struct lws *wsi, const char *uri) {
    txFree(pss->tx);
    fsTx *tx = pss->tx = cbCalloc(1, sizeof(*tx));
    tx->srv = s;
    tx->wsi = wsi;
    snprintf(tx->method, sizeof(tx->method), "%s", txMethod(wsi));
    tx->path = cbStrdup(uri && *uri ? uri : "/");
    tx->query = queryCopy(wsi);
    bufInit(&tx->body, FS_MAX_BODY);
    txSnapshotHeaders(tx);
    char *cl = hdrCopy(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH);
    long long len = cl ? atoll(cl) : 0;
    free(cl);
    if (len > (long long)FS_MAX_BODY) tx->too_big = 1;
    if (len > 0 && !tx->too_big) return 0; /* body callbacks follow */
    txDispatch(tx);
    return 0;
}

static int txWriteHeaders(fsTx *tx) {
    unsigned char buf[LWS_PRE + 4096];
    unsigned char *start = buf + LWS_PRE, *p = start, *end = buf + sizeof(buf) - 1;
    fsResponse *r = &tx->res;
    if (lws_add_http_common_headers(tx->wsi, (unsigned)r->status, r->ctype, r->body_len, &p, end))
        return -1;
    for (int i = 0; i < r->nhdrs; i++)
        if (lws_add_http_header_by_name(tx->wsi, (const unsigned char *)r->hdrs[i].name,
                                        (const unsigned char *)r->hdrs[i].value,
                                        (int)strlen(r->hdrs[i].value), &p, end))
            return -1;
    if (tx->close_after &&
        lws_add_http_header_by_name(tx->wsi, (const unsigned char *)"connection:",
                                    (const unsigned char *)"close", 5, &p, end))
        return -1;
    if (lws_finalize_write_http_header(tx->wsi, start, &p, end)) return -1;
    tx->hdr_sent = 1;
    return 0;
}

/* One write per callback: the headers, then body chunks. */
static int txWriteable(fsPss *pss) {
    fsTx *tx = pss->tx;
    if (!tx || !tx->ready) return 0;
    if (!tx->hdr_sent) {
        if (txWriteHeaders(tx)) return -1;
        if (tx->res.body_len) {
            lws_callback_on_writable(tx->wsi);
            return 0;
        }
    } else {
        size_t left = tx->res.body_len - tx->sent, n = left < 16384 ? left : 16384;
        unsigned char *b = cbMalloc(LWS_PRE + n);
        memcpy(b + LWS_PRE, tx->res.body + tx->sent, n);
        int fin = n == left;
        int w = lws_write(tx->wsi, b + LWS_PRE, n, fin ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP);
        free(b);
        if (w < (int)n) return -1;
        tx->sent += n;
        if (!fin) {
            lws_callback_on_writable(tx->wsi);
            return 0;
        }
    }
    int close_after = tx->close_after;
    struct lws *wsi = tx->wsi;
    txFree(tx);
    pss->tx = NULL;
    if (close_after) return -1;
    return lws_http_transaction_completed(wsi) ? -1 : 0;
}

/* ---- websockets ---- */

static void wsLogEvent(fsWs *ws, const char *kind, int code, const char *body, size_t len) {
    json_t *e = json_object();
    json_object_set_new(e, "kind", json_string(kind));
    json_object_set_new(e, "path", jsonStr(ws->path));
    if (code) json_object_set_new(e, "code", json_integer(code));
    if (body) json_object_set_new(e, "body", fsJsonBody(body, len));
    fsLogAppend(ws->srv, e);
}

static void wsOpen(fsServer *s, fsPss *pss, struct lws *wsi) {
    fsWs *ws = pss->ws = cbCalloc(1, sizeof(*ws));
    ws->srv = s;
    ws->wsi = wsi;
    ws->path = hdrCopy(wsi, WSI_TOKEN_GET_URI);
    if (!ws->path) ws->path = cbStrdup("/");
    ws->query = queryCopy(wsi);
    bufInit(&ws->rx, FS_MAX_BODY);
    ws->prev = s->ws_tail;
    if (s->ws_tail) s->ws_tail->next = ws;
    else s->ws_head = ws;
    s->ws_tail = ws;
    s->nws++;
    wsLogEvent(ws, "ws_open", 0, NULL, 0);
    if (s->h.ws_open) s->h.ws_open(ws, ws->path, ws->query, s->ud);
}

static void wsFree(fsWs *ws) {
    fsServer *s = ws->srv;
    if (ws->prev) ws->prev->next = ws->next;
    else s->ws_head = ws->next;
    if (ws->next) ws->next->prev = ws->prev;
    else s->ws_tail = ws->prev;
    s->nws--;
    while (ws->qhead) {
        fsMsg *m = ws->qhead;
        ws->qhead = m->next;
        free(m->data);
        free(m);
    }
    bufFree(&ws->rx);
    free(ws->path);
    free(ws->query);
    free(ws);
}

static void wsClosed(fsPss *pss) {
    fsWs *ws = pss->ws;
    if (!ws) return;
    pss->ws = NULL;
    int code = ws->peer_code ? ws->peer_code : ws->closing ? ws->close_code : 1006;
    if (!ws->srv->destroying) {
        wsLogEvent(ws, "ws_close", code, NULL, 0);
        if (ws->srv->h.ws_close) ws->srv->h.ws_close(ws, code, ws->srv->ud);
    }
    wsFree(ws);
}

static void wsReceive(fsWs *ws, struct lws *wsi, const char *in, size_t len) {
    if (lws_is_first_fragment(wsi)) {
        bufReset(&ws->rx);
        ws->rx_oversize = 0;
    }
    if (!ws->rx_oversize && bufAppend(&ws->rx, in, len) != CB_OK) {
        ws->rx_oversize = 1;
        bufReset(&ws->rx);
    }
    if (!lws_is_final_fragment(wsi)) return;
    if (ws->rx_oversize) {
        wsLogEvent(ws, "ws_oversize", 0, NULL, 0);
        return;
    }
    wsLogEvent(ws, "ws", 0, bufStr(&ws->rx), ws->rx.len);
    if (ws->srv->h.ws_message) ws->srv->h.ws_message(ws, bufStr(&ws->rx), ws->rx.len, ws->srv->ud);
}

/* One frame of the first queued message; -1 when the write failed. */
static int wsWriteFrame(fsWs *ws) {
    fsMsg *m = ws->qhead;
    size_t n = m->len - m->off < m->frag ? m->len - m->off : m->frag;
    int first = m->off == 0, last = m->off + n == m->len;
    unsigned char *b = cbMalloc(LWS_PRE + n + 1);
    memcpy(b + LWS_PRE, m->data + m->off, n);
    int flags = lws_write_ws_flags(LWS_WRITE_TEXT, first, last);
    int w = lws_write(ws->wsi, b + LWS_PRE, n, (enum lws_write_protocol)flags);
    free(b);
    if (w < (int)n) return -1;
    m->off += n;
    if (last) {
        if (ws->srv->h.ws_sent) ws->srv->h.ws_sent(ws, m->data, m->len, ws->srv->ud);
        ws->qhead = m->next;
        if (!ws->qhead) ws->qtail = NULL;
        ws->qlen--;
        free(m->data);
        free(m);
    }
    return 0;
}

/* Frames while the socket takes them; then the pending close, if any. */
static int wsWriteable(fsWs *ws) {
    if (ws->dropped) return -1;
    if (ws->frozen) return 0;
    while (ws->qhead && !lws_send_pipe_choked(ws->wsi))
        if (wsWriteFrame(ws) < 0) return -1;
    if (!ws->qhead && ws->closing) {
        lws_close_reason(ws->wsi, (enum lws_close_status)ws->close_code,
                         (unsigned char *)ws->close_reason, strlen(ws->close_reason));
        return -1;
    }
    if (ws->qhead) lws_callback_on_writable(ws->wsi);
    return 0;
}

int fsWsSendFragmented(fsWs *ws, const char *data, size_t len, size_t frag) {
    if (!ws || ws->closing || ws->dropped || ws->qlen >= FS_MAX_WS_QUEUE) return -1;
    fsMsg *m = cbCalloc(1, sizeof(*m));
    m->data = cbStrndup(data, len);
    m->len = len;
    m->frag = frag && frag < len ? frag : (len ? len : 1);
    if (ws->qtail) ws->qtail->next = m;
    else ws->qhead = m;
    ws->qtail = m;
    ws->qlen++;
    lws_callback_on_writable(ws->wsi);
    return 0;
}

int fsWsSendLen(fsWs *ws, const char *data, size_t len) {
    return fsWsSendFragmented(ws, data, len, 0);
}

int fsWsSend(fsWs *ws, const char *text) {
    return fsWsSendLen(ws, text, strlen(text));
}

void fsWsClose(fsWs *ws, int code, const char *reason) {
    if (!ws || ws->closing || ws->dropped) return;
    ws->closing = 1;
    ws->close_code = code;
    snprintf(ws->close_reason, sizeof(ws->close_reason), "%s", reason ? reason : "");
    lws_callback_on_writable(ws->wsi);
}

void fsWsDrop(fsWs *ws) {
    if (!ws || ws->dropped) return;
    ws->dropped = 1;
    /* No close frame: shut the socket down under lws, which then sees EOF. */
    shutdown(lws_get_socket_fd(ws->wsi), SHUT_RDWR);
    lws_callback_on_writable(ws->wsi);
}

void fsWsFreeze(fsWs *ws) {
    if (!ws || ws->frozen) return;
    ws->frozen = 1;
    lws_rx_flow_control(ws->wsi, 0); /* nothing read: no pongs either */
}

void fsWsSetData(fsWs *ws, void *data) { ws->data = data; }
void *fsWsData(const fsWs *ws) { return ws->data; }
const char *fsWsPath(const fsWs *ws) { return ws->path; }
fsServer *fsWsServer(const fsWs *ws) { return ws->srv; }
fsWs *fsWsFirst(const fsServer *s) { return s->ws_head; }
fsWs *fsWsNext(const fsWs *ws) { return ws->next; }
size_t fsWsCount(const fsServer *s) { return s->nws; }

/* ---- the protocol callback ---- */

static int fsCallback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                      size_t len) {
    fsServer *s = lws_context_user(lws_get_context(wsi));
    fsPss *pss = user;
    if (!pss) /* e.g. a connection closed before its request was parsed */
        return lws_callback_http_dummy(wsi, reason, user, in, len);
    switch (reason) {
    case LWS_CALLBACK_HTTP:
        return txBegin(s, pss, wsi, in);
    case LWS_CALLBACK_HTTP_BODY:
        if (pss->tx && !pss->tx->too_big && bufAppend(&pss->tx->body, in, len) != CB_OK)
            pss->tx->too_big = 1;
        return 0;
    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
        if (pss->tx) txDispatch(pss->tx);
        return 0;
    case LWS_CALLBACK_HTTP_WRITEABLE:
        return txWriteable(pss);
    case LWS_CALLBACK_CLOSED_HTTP:
        txFree(pss->tx);
        pss->tx = NULL;
        return 0;
    case LWS_CALLBACK_ESTABLISHED:
        wsOpen(s, pss, wsi);
        return 0;
    case LWS_CALLBACK_RECEIVE:
        if (pss->ws) wsReceive(pss->ws, wsi, in, len);
        return 0;
    case LWS_CALLBACK_SERVER_WRITEABLE:
        return pss->ws ? wsWriteable(pss->ws) : 0;
    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
        if (pss->ws && len >= 2)
            pss->ws->peer_code = ((const unsigned char *)in)[0] << 8 | ((const unsigned char *)in)[1];
        return 0;
    case LWS_CALLBACK_CLOSED:
        wsClosed(pss);
        return 0;
    default:
        return lws_callback_http_dummy(wsi, reason, user, in, len);
    }
}

static const struct lws_protocols fsProtocols[] = {
    {"fakesrv", fsCallback, sizeof(fsPss), 65536, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

/* ---- server lifecycle ---- */

static void fsTick(lws_sorted_usec_list_t *sul) {
    fsServer *s = lws_container_of(sul, fsServer, tick);
    lws_sul_schedule(s->ctx, 0, &s->tick, fsTick, 20 * LWS_US_PER_MS);
}

fsServer *fsStart(int port, const fsHandlers *h, void *ud) {
    fsServer *s = cbCalloc(1, sizeof(*s));
    if (h) s->h = *h;
    s->ud = ud;
    s->t0 = cbNowMs();
    s->log = json_array();
    s->log_kinds = json_object();
    lws_set_log_level(LLL_ERR, NULL);
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof(info));
    info.port = port;
    info.iface = "127.0.0.1";
    info.protocols = fsProtocols;
    info.user = s;
    info.options = LWS_SERVER_OPTION_DISABLE_IPV6;
    s->ctx = lws_create_context(&info);
    if (!s->ctx) {
        fprintf(stderr, "fakesrv: cannot listen on 127.0.0.1:%d\n", port);
        json_decref(s->log);
        json_decref(s->log_kinds);
        free(s);
        return NULL;
    }
    s->vh = lws_get_vhost_by_name(s->ctx, "default");
    s->port = s->vh ? lws_get_vhost_listen_port(s->vh) : port;
    printf("fakesrv listening port=%d\n", s->port);
    fflush(stdout);
    return s;
}

int fsPort(const fsServer *s) { return s->port; }

void fsStop(fsServer *s) {
    if (s->stop) return;
    s->stop = 1;
    s->stop_at = fsNowMs(s) + 100; /* let the reply to "quit" go out */
}

int fsRun(fsServer *s, double max_seconds) {
    double deadline = fsNowMs(s) + max_seconds * 1000;
    fsTick(&s->tick); /* wakes lws_service at least every 20 ms */
    while (!(s->stop && fsNowMs(s) >= s->stop_at) && fsNowMs(s) < deadline)
        if (lws_service(s->ctx, 0) < 0) break;
    lws_sul_cancel(&s->tick);
    return s->stop ? 0 : 1;
}

void fsFree(fsServer *s) {
    if (!s) return;
    s->destroying = 1;
    fsTimersFree(s);
    lws_sul_cancel(&s->tick);
    lws_context_destroy(s->ctx);
    json_decref(s->log);
    json_decref(s->log_kinds);
    free(s);
}
