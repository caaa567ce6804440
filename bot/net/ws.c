/* ws.c - websocket client connections on the loop's lws context (see
 * ws.h). One lws protocol serves every client; its callback finds the
 * wsConn through the wsi's opaque user data. Incoming fragments are joined
 * into a bounded buffer (oversized messages are skipped up to their final
 * fragment, the connection stays); outgoing messages are copied into a
 * bounded queue and written one per CLIENT_WRITEABLE. on_close is called
 * exactly once, then the wsConn is freed (its uv timer, used to report a
 * connect that failed inside wsConnect asynchronously, is closed first).
 * A host name is resolved with uv_getaddrinfo (libuv's thread pool) before
 * lws connects to the address: Debian's lws has no async DNS and would
 * block the loop, and every platform, in getaddrinfo. TLS still checks the
 * certificate against the host name (lws uses ci.host for SNI and the
 * check, ci.address only to connect). */
#include "net/ws.h"

#include <arpa/inet.h>
#include <libwebsockets.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/common.h"
#include "base/log.h"

#define WS_MAX_QUEUE 1024
#define WS_CLOSE_ABNORMAL 1006
/* lws's private LWS_WRITE_CLOSE (4): lws-write.h keeps the gap, the enum is ABI. */
#define WS_WRITE_CLOSE ((enum lws_write_protocol)4)

typedef struct wsMsg {
    struct wsMsg *next;
    size_t len;
    char data[]; /* LWS_PRE bytes of headroom, then the text */
} wsMsg;

struct wsConn {
    cbLoop *loop;
    struct lws *wsi;
    wsCallbacks cb;
    void *ud;
    cbBuf rx;
    int rx_skip;   /* current message is oversized or binary: drop it */
    wsMsg *qhead, *qtail;
    size_t qlen;
    int open, closing, close_sent, done;
    int in_connect, connect_failed; /* inside lws_client_connect_via_info */
    int close_code;     /* what we asked for in wsClose */
    int peer_code;      /* what the peer sent, 0 if none */
    char peer_reason[124];
    char close_reason[124];
    uv_timer_t timer;   /* deferred on_close for a connect that failed early */
    uv_getaddrinfo_t dns; /* the host's lookup, while resolving */
    int resolving;
    struct wsUrl *url;  /* kept until lws has it */
};

/* ---- lifecycle ---- */

static void wsTimerClosed(uv_handle_t *h) {
    free(h->data);
}

static void wsFreeConn(wsConn *c) {
    free(c->url);
    c->url = NULL;
    while (c->qhead) {
        wsMsg *m = c->qhead;
        c->qhead = m->next;
        free(m);
    }
    bufFree(&c->rx);
    if (c->wsi) lws_set_opaque_user_data(c->wsi, NULL);
    c->timer.data = c;
    uv_close((uv_handle_t *)&c->timer, wsTimerClosed);
}

/* Report the end once and free. */
static void wsFinish(wsConn *c, int code, const char *reason) {
    if (c->done) return;
    c->done = 1;
    if (c->cb.on_close) c->cb.on_close(c, code, reason ? reason : "", c->ud);
    wsFreeConn(c);
}

static void wsDeferredFail(uv_timer_t *t) {
    wsConn *c = t->data;
    wsFinish(c, c->closing ? c->close_code : WS_CLOSE_ABNORMAL, "connect failed");
}

/* ---- URL parsing ---- */

struct wsUrl {
    int tls;
    int port;
    char host[256];
    char path[2048];
};
typedef struct wsUrl wsUrl;

static int wsParseUrl(const char *url, wsUrl *u, char *err) {
    memset(u, 0, sizeof(*u));
    const char *p;
    if (strncmp(url, "wss://", 6) == 0) u->tls = 1, p = url + 6;
    else if (strncmp(url, "ws://", 5) == 0) p = url + 5;
    else return cbErr(err, "websocket URL must start with ws:// or wss://");
    size_t hl = strcspn(p, ":/?#");
    if (hl == 0 || hl >= sizeof(u->host)) return cbErr(err, "websocket URL has no valid host");
    memcpy(u->host, p, hl);
    p += hl;
    u->port = u->tls ? 443 : 80;
    if (*p == ':') {
        char *end;
        long port = strtol(p + 1, &end, 10);
        if (end == p + 1 || port < 1 || port > 65535) return cbErr(err, "websocket URL has a bad port");
        u->port = (int)port;
        p = end;
    }
    if (*p && *p != '/' && *p != '?') return cbErr(err, "websocket URL is malformed");
    int n = snprintf(u->path, sizeof(u->path), "%s%s", *p == '/' ? "" : "/", p);
    if (n < 0 || (size_t)n >= sizeof(u->path)) return cbErr(err, "websocket URL path too long");
    char *hash = strchr(u->path, '#');
    if (hash) *hash = '\0';
    return CB_OK;
}

/* ---- connect ---- */

/* A connection silent for 30 s gets a ping; one silent for 90 s (no pong,
 * no data) is dropped and reported as 1006, so a dead TCP path cannot
 * leave a transport waiting forever. Reconnect backoff is the caller's. */
static const lws_retry_bo_t wsIdlePolicy = {
    .secs_since_valid_ping = 30,
    .secs_since_valid_hangup = 90,
};

/* Hand the connection to lws, to address (a numeric IP). */
static void wsStartLws(wsConn *c, const char *address) {
    const wsUrl *u = c->url;
    struct lws_client_connect_info ci;
    memset(&ci, 0, sizeof(ci));
    ci.context = c->loop->lws;
    ci.address = address;
    ci.port = u->port;
    ci.path = u->path;
    ci.host = u->host; /* Host header, SNI and the certificate's name */
    ci.origin = u->host;
    ci.ssl_connection = u->tls ? LCCSCF_USE_SSL : 0; /* certificate checks stay on */
    ci.local_protocol_name = "cb-ws";
    ci.opaque_user_data = c;
    ci.retry_and_idle_policy = &wsIdlePolicy;
    c->in_connect = 1;
    c->wsi = lws_client_connect_via_info(&ci);
    c->in_connect = 0;
    if (!c->wsi || c->connect_failed) {
        /* Failed at once: report it from the loop like any other failure. */
        if (c->wsi) lws_set_opaque_user_data(c->wsi, NULL);
        c->wsi = NULL;
        uv_timer_start(&c->timer, wsDeferredFail, 0, 0);
    }
}

static void wsResolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res) {
    wsConn *c = req->data;
    c->resolving = 0;
    char ip[64] = "";
    if (status == 0 && res && res->ai_family == AF_INET)
        uv_ip4_name((const struct sockaddr_in *)res->ai_addr, ip, sizeof(ip));
    else if (status == 0 && res && res->ai_family == AF_INET6)
        uv_ip6_name((const struct sockaddr_in6 *)res->ai_addr, ip, sizeof(ip));
    uv_freeaddrinfo(res);
    if (c->closing) { /* wsClose came first */
        wsFinish(c, c->close_code, c->close_reason);
    } else if (c->loop->freeing || !c->loop->lws) { /* the loop is going away */
        wsFinish(c, WS_CLOSE_ABNORMAL, "shutting down");
    } else if (!ip[0]) {
        logEvent(LOG_WARN, "ws.dns_failed", "host=%s reason=\"%s\"", c->url->host,
                 status ? uv_strerror(status) : "no address");
        wsFinish(c, WS_CLOSE_ABNORMAL, "cannot resolve the host");
    } else {
        wsStartLws(c, ip);
    }
}

static int isNumericHost(const char *host) {
    unsigned char a[16];
    return inet_pton(AF_INET, host, a) == 1 || inet_pton(AF_INET6, host, a) == 1;
}

wsConn *wsConnect(cbLoop *l, const char *url, const wsCallbacks *cb, void *ud,
                  size_t max_message, char *err) {
    wsUrl u;
    if (!l || !l->lws || !url || !cb) {
        cbErr(err, "wsConnect: no loop, URL or callbacks");
        return NULL;
    }
    if (wsParseUrl(url, &u, err) != CB_OK) return NULL;
    wsConn *c = cbCalloc(1, sizeof(*c));
    c->loop = l;
    c->cb = *cb;
    c->ud = ud;
    c->url = cbMalloc(sizeof(*c->url));
    *c->url = u;
    bufInit(&c->rx, max_message ? max_message : (1u << 20));
    uv_timer_init(l->uv, &c->timer);
    c->timer.data = c;
    if (isNumericHost(u.host)) {
        wsStartLws(c, u.host);
        return c;
    }
    struct addrinfo hints;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    c->dns.data = c;
    int rc = uv_getaddrinfo(l->uv, &c->dns, wsResolved, c->url->host, NULL, &hints);
    if (rc != 0) {
        logEvent(LOG_WARN, "ws.dns_failed", "host=%s reason=\"%s\"", u.host, uv_strerror(rc));
        uv_timer_start(&c->timer, wsDeferredFail, 0, 0);
    } else {
        c->resolving = 1;
    }
    return c;
}

/* ---- sending / closing ---- */

int wsSend(wsConn *c, const char *text, size_t len) {
    if (!c || c->closing || c->done || c->qlen >= WS_MAX_QUEUE) return CB_ERR;
    wsMsg *m = cbMalloc(sizeof(*m) + LWS_PRE + len + 1);
    m->next = NULL;
    m->len = len;
    memcpy(m->data + LWS_PRE, text, len);
    if (c->qtail) c->qtail->next = m;
    else c->qhead = m;
    c->qtail = m;
    c->qlen++;
    if (c->open && c->wsi) lws_callback_on_writable(c->wsi);
    return CB_OK;
}

void wsClose(wsConn *c, int code, const char *reason) {
    if (!c || c->closing || c->done) return;
    c->closing = 1;
    c->close_code = code;
    snprintf(c->close_reason, sizeof(c->close_reason), "%s", reason ? reason : "");
    if (c->resolving) { /* on_close comes from wsResolved */
        uv_cancel((uv_req_t *)&c->dns);
        return;
    }
    if (!c->wsi) return; /* the deferred failure reports it */
    if (c->open) lws_callback_on_writable(c->wsi);
    else lws_set_timeout(c->wsi, PENDING_TIMEOUT_AWAITING_PROXY_RESPONSE, LWS_TO_KILL_ASYNC);
}

size_t wsQueued(const wsConn *c) {
    return c ? c->qlen : 0;
}

/* One frame per callback; the close frame once the queue is empty. */
static int wsWriteable(wsConn *c) {
    wsMsg *m = c->qhead;
    if (!m) {
        if (!c->closing) return 0;
        if (c->close_sent) return 0;
        c->close_sent = 1;
        /* The close frame is written by hand rather than with
         * lws_close_reason() + "return -1": Debian's lws 4.1.6 is a _DEBUG
         * build whose libuv path then closes a second time ("uv repeat
         * test") and drops the socket before the frame goes out. The peer
         * echoes the close and lws then ends the connection; if it never
         * does, the timeout kills it. */
        unsigned char frame[LWS_PRE + 2 + sizeof(c->close_reason)];
        size_t rlen = strlen(c->close_reason);
        frame[LWS_PRE] = (unsigned char)(c->close_code >> 8);
        frame[LWS_PRE + 1] = (unsigned char)(c->close_code & 0xff);
        memcpy(frame + LWS_PRE + 2, c->close_reason, rlen);
        if (lws_write(c->wsi, frame + LWS_PRE, 2 + rlen, WS_WRITE_CLOSE) < 0) return -1;
        lws_set_timeout(c->wsi, PENDING_TIMEOUT_CLOSE_ACK, 5);
        return 0;
    }
    int w = lws_write(c->wsi, (unsigned char *)m->data + LWS_PRE, m->len, LWS_WRITE_TEXT);
    c->qhead = m->next;
    if (!c->qhead) c->qtail = NULL;
    c->qlen--;
    size_t len = m->len;
    free(m);
    if (w < (int)len) {
        logEvent(LOG_WARN, "ws.write_failed", "bytes=%zu", len);
        return -1;
    }
    if (c->qhead || c->closing) lws_callback_on_writable(c->wsi);
    return 0;
}

/* ---- receiving ---- */

static void wsReceive(wsConn *c, struct lws *wsi, const char *in, size_t len) {
    if (lws_is_first_fragment(wsi)) {
        bufReset(&c->rx);
        c->rx_skip = lws_frame_is_binary(wsi) ? 2 : 0;
    }
    if (!c->rx_skip && bufAppend(&c->rx, in, len) != CB_OK) {
        c->rx_skip = 1;
        logEvent(LOG_WARN, "ws.message_dropped", "reason=oversized limit=%zu", c->rx.max);
        bufReset(&c->rx);
    }
    if (!lws_is_final_fragment(wsi)) return;
    if (c->rx_skip == 2) logEvent(LOG_WARN, "ws.message_dropped", "reason=binary");
    if (!c->rx_skip && !c->closing && c->cb.on_message)
        c->cb.on_message(c, bufStr(&c->rx), c->rx.len, c->ud);
    bufReset(&c->rx);
    c->rx_skip = 0;
}

static void wsPeerClose(wsConn *c, const unsigned char *in, size_t len) {
    if (len >= 2) c->peer_code = in[0] << 8 | in[1];
    size_t n = len > 2 ? len - 2 : 0;
    if (n >= sizeof(c->peer_reason)) n = sizeof(c->peer_reason) - 1;
    if (n) memcpy(c->peer_reason, in + 2, n);
    c->peer_reason[n] = '\0';
}

static int wsCallback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                      size_t len) {
    wsConn *c = lws_get_opaque_user_data(wsi);
    if (!c) return lws_callback_http_dummy(wsi, reason, user, in, len);
    if (!c->wsi && !c->connect_failed) c->wsi = wsi;
    switch (reason) {
    case LWS_CALLBACK_CLIENT_ESTABLISHED:
        c->open = 1;
        if (c->cb.on_open && !c->closing) c->cb.on_open(c, c->ud);
        if (c->qhead || c->closing) lws_callback_on_writable(wsi);
        return 0;
    case LWS_CALLBACK_CLIENT_RECEIVE:
        wsReceive(c, wsi, in, len);
        return 0;
    case LWS_CALLBACK_CLIENT_WRITEABLE:
        return wsWriteable(c);
    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
        wsPeerClose(c, in, len);
        return 0;
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
        logEvent(LOG_WARN, "ws.connect_failed", "reason=\"%s\"", in ? (const char *)in : "unknown");
        lws_set_opaque_user_data(wsi, NULL);
        c->wsi = NULL;
        if (c->in_connect) {
            c->connect_failed = 1; /* wsConnect reports it */
            return 0;
        }
        wsFinish(c, c->closing ? c->close_code : WS_CLOSE_ABNORMAL, in ? (const char *)in : "connect failed");
        return 0;
    case LWS_CALLBACK_CLIENT_CLOSED:
    case LWS_CALLBACK_WSI_DESTROY:
        c->wsi = NULL;
        lws_set_opaque_user_data(wsi, NULL);
        if (c->closing) wsFinish(c, c->close_code, c->close_reason); /* we asked */
        else if (c->peer_code) wsFinish(c, c->peer_code, c->peer_reason);
        else wsFinish(c, WS_CLOSE_ABNORMAL, "connection lost");
        return 0;
    default:
        return lws_callback_http_dummy(wsi, reason, user, in, len);
    }
}

static const struct lws_protocols wsProtocols[] = {
    {"cb-ws", wsCallback, 0, 65536, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
};

const struct lws_protocols *wsProtocolList(void) {
    return wsProtocols;
}
