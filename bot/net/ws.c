/* ws.c - websocket client connections on the loop's lws context (see
 * ws.h). One lws protocol serves every client; its callback finds the
 * connection attempt (and through it the wsConn) in the wsi's opaque user
 * data. Incoming fragments are joined into a bounded buffer (oversized
 * messages are skipped up to their final fragment, the connection stays).
 * A short outgoing message with nothing before it is written at once
 * (wsWriteNow); others wait in two byte-bounded queues, urgent first
 * (Slack's acks), and each CLIENT_WRITEABLE writes as many frames as the
 * socket takes (lws_send_pipe_choked), so a burst never waits a loop turn
 * per frame. A keepalive timer pings a silent link and drops one that stays
 * silent (no frame, no pong) for dead_ms, reported as 1006.
 *
 * A host name is resolved with uv_getaddrinfo (libuv's thread pool): lws's
 * own lookup would block the loop. Every address is tried, Happy Eyeballs
 * style (RFC 8305): families interleaved, a new attempt every 250 ms or as
 * soon as one fails, the first to finish the handshake wins and the others
 * are dropped. TLS still checks the certificate against the host name (lws
 * uses ci.host for SNI and the check, ci.address only to connect).
 *
 * on_close is called exactly once, then the wsConn is freed once its two
 * uv timers have closed. */
#include "net/ws.h"

#include <arpa/inet.h>
#include <libwebsockets.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/common.h"
#include "base/log.h"

#define WS_CLOSE_ABNORMAL 1006
#define WS_MAX_ATTEMPTS 8         /* addresses tried per connect */
#define WS_ATTEMPT_DELAY_MS 250   /* RFC 8305's Connection Attempt Delay */
#define WS_DEFAULT_PING_MS 30000
#define WS_DEFAULT_DEAD_MS 90000
/* lws's private LWS_WRITE_CLOSE (4): lws-write.h keeps the gap, the enum is ABI. */
#define WS_WRITE_CLOSE ((enum lws_write_protocol)4)
#define WS_DIRECT_MAX 1024 /* frames up to this size may skip the queue (wsWriteNow) */

typedef struct wsMsg {
    struct wsMsg *next;
    size_t len;
    char data[]; /* LWS_PRE bytes of headroom, then the text */
} wsMsg;

typedef struct wsQueue {
    wsMsg *head, *tail;
    size_t n, bytes; /* bytes: what the messages cost, headers included */
} wsQueue;

/* One connection attempt (one address); the wsi's opaque user data. */
typedef struct wsAttempt {
    wsConn *c;
    struct lws *wsi;
    int live;   /* started and not failed or dropped */
    int failed; /* CONNECTION_ERROR came (maybe inside the connect call) */
} wsAttempt;

struct wsConn {
    cbLoop *loop;
    wsConn *lprev, *lnext;   /* in loop->ws_conns */
    struct lws *wsi;         /* the attempt that won, once open */
    wsAttempt att[WS_MAX_ATTEMPTS];
    char addr[WS_MAX_ATTEMPTS][INET6_ADDRSTRLEN];
    int naddr, next_addr, live;
    wsCallbacks cb;
    void *ud;
    wsOptions opt;
    cbBuf rx;
    int rx_skip;   /* current message is oversized or binary: drop it */
    wsQueue urgent, normal;
    int open, closing, close_sent, done, ping_due;
    int close_code;     /* what we asked for in wsClose */
    int peer_code;      /* what the peer sent, 0 if none */
    char peer_reason[124];
    char close_reason[124];
    char last_error[96];     /* why the last attempt failed */
    double last_rx_ms, last_ping_ms;
    uv_timer_t timer;   /* the next attempt, or a deferred on_close */
    uv_timer_t alive;   /* keepalive while open */
    int handles_open;   /* uv handles not yet closed */
    struct wsLookup *lookup; /* the host name's lookup, while it runs */
    struct wsUrl *url;
};

/* A name lookup in libuv's thread pool. It belongs to its conn until the
 * conn ends; then it is detached (c = NULL) and frees itself when the
 * lookup returns, so nobody waits for the DNS. */
typedef struct wsLookup {
    uv_getaddrinfo_t req;
    wsConn *c;
} wsLookup;

static double wsNow(void) {
    return cbNowMs();
}

/* ---- queues ---- */

static size_t wsMsgCost(size_t len) {
    return sizeof(wsMsg) + LWS_PRE + len + 1;
}

static wsMsg *wsPop(wsQueue *q) {
    wsMsg *m = q->head;
    if (!m) return NULL;
    q->head = m->next;
    if (!q->head) q->tail = NULL;
    q->n--;
    q->bytes -= wsMsgCost(m->len);
    return m;
}

static void wsQueueFree(wsQueue *q) {
    wsMsg *m;
    while ((m = wsPop(q))) free(m);
}

/* ---- lifecycle ---- */

static void wsHandleClosed(uv_handle_t *h) {
    wsConn *c = h->data;
    if (--c->handles_open == 0) free(c);
}

static void wsLoopUnlink(wsConn *c) {
    if (c->lprev) c->lprev->lnext = c->lnext;
    else if (c->loop->ws_conns == c) c->loop->ws_conns = c->lnext;
    if (c->lnext) c->lnext->lprev = c->lprev;
    c->lprev = c->lnext = NULL;
}

/* Stop waiting for c's lookup (it frees itself when it returns). */
static void wsDetachLookup(wsConn *c) {
    if (!c->lookup) return;
    c->lookup->c = NULL;
    uv_cancel((uv_req_t *)&c->lookup->req); /* may be too late: it is detached anyway */
    c->lookup = NULL;
}

/* Forget one attempt: its wsi (if any) no longer reaches c and is killed. */
static void wsDropAttempt(wsAttempt *a) {
    if (a->wsi) {
        lws_set_opaque_user_data(a->wsi, NULL);
        if (a->wsi != a->c->wsi)
            lws_set_timeout(a->wsi, PENDING_TIMEOUT_AWAITING_PROXY_RESPONSE, LWS_TO_KILL_ASYNC);
    }
    if (a->live) a->c->live--;
    a->wsi = NULL;
    a->live = 0;
}

static void wsDropAttempts(wsConn *c) {
    for (int i = 0; i < WS_MAX_ATTEMPTS; i++)
        if (c->att[i].wsi || c->att[i].live) wsDropAttempt(&c->att[i]);
}

static void wsFreeConn(wsConn *c) {
    wsDetachLookup(c);
    wsLoopUnlink(c);
    wsDropAttempts(c);
    if (c->wsi) lws_set_opaque_user_data(c->wsi, NULL);
    c->wsi = NULL;
    free(c->url);
    c->url = NULL;
    wsQueueFree(&c->urgent);
    wsQueueFree(&c->normal);
    bufFree(&c->rx);
    uv_close((uv_handle_t *)&c->timer, wsHandleClosed);
    uv_close((uv_handle_t *)&c->alive, wsHandleClosed);
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
    if (c->closing) wsFinish(c, c->close_code, c->close_reason);
    else wsFinish(c, WS_CLOSE_ABNORMAL, c->last_error[0] ? c->last_error : "connect failed");
}

/* Report a failure from the loop, never from inside wsConnect/lws. */
static void wsFailLater(wsConn *c) {
    wsDropAttempts(c);
    uv_timer_start(&c->timer, wsDeferredFail, 0, 0);
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

/* ---- connect: every address, Happy Eyeballs style ---- */

/* lws's own idle policy stays lenient: the keepalive timer below decides. */
static const lws_retry_bo_t wsIdlePolicy = {
    .secs_since_valid_ping = 3000,
    .secs_since_valid_hangup = 3600,
};

/* Start an attempt to address (numeric); 0 when it failed at once. */
static int wsStartAttempt(wsConn *c, const char *address) {
    wsAttempt *a = NULL;
    for (int i = 0; i < WS_MAX_ATTEMPTS && !a; i++)
        if (!c->att[i].live && !c->att[i].wsi) a = &c->att[i];
    if (!a) return 0;
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
    ci.opaque_user_data = a;
    ci.retry_and_idle_policy = &wsIdlePolicy;
    memset(a, 0, sizeof(*a));
    a->c = c;
    a->live = 1;
    c->live++;
    struct lws *wsi = lws_client_connect_via_info(&ci);
    if (wsi && !a->failed && a->live) {
        a->wsi = wsi;
        return 1;
    }
    if (wsi) lws_set_opaque_user_data(wsi, NULL);
    if (a->live) c->live--;
    a->live = 0;
    a->wsi = NULL;
    return 0;
}

static void wsNextTimer(uv_timer_t *t);

/* Start the next address (skipping those that fail at once); while more
 * are left, the next one starts after the attempt delay unless this one
 * fails first. Nothing live and nothing left: the connect failed. */
static void wsConnectNext(wsConn *c) {
    if (c->done || c->open || c->closing) return;
    int started = 0;
    while (!started && c->next_addr < c->naddr) {
        const char *ip = c->addr[c->next_addr++];
        started = wsStartAttempt(c, ip);
        if (!started)
            logEvent(LOG_DEBUG, "ws.attempt_failed", "address=%s reason=\"%s\"", ip, c->last_error);
    }
    if (c->next_addr < c->naddr && started)
        uv_timer_start(&c->timer, wsNextTimer, WS_ATTEMPT_DELAY_MS, 0);
    else if (c->live == 0)
        uv_timer_start(&c->timer, wsDeferredFail, 0, 0);
}

static void wsNextTimer(uv_timer_t *t) {
    wsConnectNext(t->data);
}

static void wsCopyAddr(char dst[INET6_ADDRSTRLEN], const char *src) {
    size_t n = strnlen(src, INET6_ADDRSTRLEN - 1);
    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* Keep up to WS_MAX_ATTEMPTS addresses, families interleaved (RFC 8305
 * 4): the first family getaddrinfo preferred, then the other, and so on. */
static void wsTakeAddresses(wsConn *c, const struct addrinfo *res) {
    char v6[WS_MAX_ATTEMPTS][INET6_ADDRSTRLEN], v4[WS_MAX_ATTEMPTS][INET6_ADDRSTRLEN];
    int n6 = 0, n4 = 0, first6 = res && res->ai_family == AF_INET6;
    for (const struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        if (ai->ai_family == AF_INET6 && n6 < WS_MAX_ATTEMPTS)
            n6 += uv_ip6_name((const struct sockaddr_in6 *)ai->ai_addr, v6[n6], sizeof(v6[0])) == 0;
        else if (ai->ai_family == AF_INET && n4 < WS_MAX_ATTEMPTS)
            n4 += uv_ip4_name((const struct sockaddr_in *)ai->ai_addr, v4[n4], sizeof(v4[0])) == 0;
    }
    c->naddr = c->next_addr = 0;
    for (int i = 0; c->naddr < WS_MAX_ATTEMPTS && (i < n6 || i < n4); i++) {
        const char *a = first6 ? (i < n6 ? v6[i] : NULL) : (i < n4 ? v4[i] : NULL);
        const char *b = first6 ? (i < n4 ? v4[i] : NULL) : (i < n6 ? v6[i] : NULL);
        if (a) wsCopyAddr(c->addr[c->naddr++], a);
        if (b && c->naddr < WS_MAX_ATTEMPTS) wsCopyAddr(c->addr[c->naddr++], b);
    }
}

static void wsResolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res) {
    wsLookup *lk = (wsLookup *)req;
    wsConn *c = lk->c;
    free(lk);
    if (!c) { /* detached: the conn is gone or finished */
        uv_freeaddrinfo(res);
        return;
    }
    c->lookup = NULL;
    if (status == 0) wsTakeAddresses(c, res);
    uv_freeaddrinfo(res);
    if (c->naddr == 0) {
        logEvent(LOG_WARN, "ws.dns_failed", "host=%s reason=\"%s\"", c->url->host,
                 status ? uv_strerror(status) : "no address");
        snprintf(c->last_error, sizeof(c->last_error), "cannot resolve the host");
        wsFailLater(c);
        return;
    }
    wsConnectNext(c);
}

/* Start the lookup of c's host; CB_ERR when libuv refused it. */
static int wsLookupStart(wsConn *c) {
    struct addrinfo hints;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC; /* no AI_ADDRCONFIG: it hides ::1 on hosts without IPv6 routes */
    hints.ai_socktype = SOCK_STREAM;
    wsLookup *lk = cbCalloc(1, sizeof(*lk));
    lk->c = c;
    int rc = uv_getaddrinfo(c->loop->uv, &lk->req, wsResolved, c->url->host, NULL, &hints);
    if (rc != 0) {
        free(lk);
        logEvent(LOG_WARN, "ws.dns_failed", "host=%s reason=\"%s\"", c->url->host, uv_strerror(rc));
        snprintf(c->last_error, sizeof(c->last_error), "cannot resolve the host");
        return CB_ERR;
    }
    c->lookup = lk;
    return CB_OK;
}

static int isNumericHost(const char *host) {
    unsigned char a[16];
    return inet_pton(AF_INET, host, a) == 1 || inet_pton(AF_INET6, host, a) == 1;
}

void wsLoopFreeing(cbLoop *l) {
    for (wsConn *c = l->ws_conns, *nx; c; c = nx) {
        nx = c->lnext;
        if (!c->open) wsFinish(c, WS_CLOSE_ABNORMAL, "shutting down"); /* open ones: lws ends them */
    }
}

wsConn *wsConnect(cbLoop *l, const char *url, const wsCallbacks *cb, void *ud,
                  size_t max_message, char *err) {
    wsUrl u;
    if (!l || !l->lws || !url || !cb) {
        cbErr(err, "wsConnect: no loop, URL or callbacks");
        return NULL;
    }
    if (l->freeing) {
        cbErr(err, "wsConnect: the loop is shutting down");
        return NULL;
    }
    if (wsParseUrl(url, &u, err) != CB_OK) return NULL;
    wsConn *c = cbCalloc(1, sizeof(*c));
    c->loop = l;
    c->cb = *cb;
    c->ud = ud;
    c->opt.ping_ms = WS_DEFAULT_PING_MS;
    c->opt.dead_ms = WS_DEFAULT_DEAD_MS;
    c->url = cbMalloc(sizeof(*c->url));
    *c->url = u;
    bufInit(&c->rx, max_message ? max_message : (1u << 20));
    uv_timer_init(l->uv, &c->timer);
    uv_timer_init(l->uv, &c->alive);
    c->timer.data = c->alive.data = c;
    c->handles_open = 2;
    c->lnext = l->ws_conns;
    if (c->lnext) c->lnext->lprev = c;
    l->ws_conns = c;
    if (isNumericHost(u.host)) {
        c->naddr = 1; /* a numeric address fits: INET6_ADDRSTRLEN */
        wsCopyAddr(c->addr[0], u.host);
        wsConnectNext(c);
    } else if (wsLookupStart(c) != CB_OK) {
        wsFailLater(c);
    }
    return c;
}

void wsSetOptions(wsConn *c, const wsOptions *o) {
    if (!c || !o) return;
    c->opt = *o;
    if (!c->opt.ping_ms) c->opt.ping_ms = WS_DEFAULT_PING_MS;
    if (!c->opt.dead_ms) c->opt.dead_ms = WS_DEFAULT_DEAD_MS;
}

/* ---- sending / closing ---- */

/* A short frame goes out at once when nothing waits before it: no queued
 * frame and no bytes lws still holds from a partial write
 * (lws_partial_buffered). The socket then almost always takes it, and
 * what it does not take lws keeps and writes first when it drains, so the
 * order holds. Asking for a writeable callback instead cost a loop turn
 * and four epoll_ctl calls (libuv re-adds the descriptor each time lws
 * turns POLLOUT on or off): a third of a Slack reply's system calls went
 * to its ack. 1: written; 0: not tried (queue it); -1: the link broke. */
static int wsWriteNow(wsConn *c, const char *text, size_t len) {
    unsigned char frame[LWS_PRE + WS_DIRECT_MAX];
    if (len > WS_DIRECT_MAX || !c->open || !c->wsi || wsQueued(c) || c->close_sent ||
        lws_partial_buffered(c->wsi))
        return 0;
    memcpy(frame + LWS_PRE, text, len);
    if (lws_write(c->wsi, frame + LWS_PRE, len, LWS_WRITE_TEXT) >= (int)len) return 1;
    logEvent(LOG_WARN, "ws.write_failed", "bytes=%zu", len);
    lws_set_timeout(c->wsi, PENDING_TIMEOUT_AWAITING_PROXY_RESPONSE, LWS_TO_KILL_ASYNC);
    return -1;
}

static int wsEnqueue(wsConn *c, wsQueue *q, const char *text, size_t len) {
    if (!c || c->closing || c->done) return CB_ERR;
    int now = wsWriteNow(c, text, len);
    if (now) return now > 0 ? CB_OK : CB_ERR;
    if (q->bytes + wsMsgCost(len) > WS_MAX_QUEUE_BYTES) {
        logEvent(LOG_WARN, "ws.queue_full", "queued=%zu bytes=%zu", q->n, q->bytes);
        return CB_ERR;
    }
    wsMsg *m = cbMalloc(sizeof(*m) + LWS_PRE + len + 1);
    m->next = NULL;
    m->len = len;
    memcpy(m->data + LWS_PRE, text, len);
    if (q->tail) q->tail->next = m;
    else q->head = m;
    q->tail = m;
    q->n++;
    q->bytes += wsMsgCost(len);
    if (c->open && c->wsi) lws_callback_on_writable(c->wsi);
    return CB_OK;
}

int wsSend(wsConn *c, const char *text, size_t len) {
    return c ? wsEnqueue(c, &c->normal, text, len) : CB_ERR;
}

int wsSendUrgent(wsConn *c, const char *text, size_t len) {
    return c ? wsEnqueue(c, &c->urgent, text, len) : CB_ERR;
}

void wsClose(wsConn *c, int code, const char *reason) {
    if (!c || c->closing || c->done) return;
    c->closing = 1;
    c->close_code = code;
    snprintf(c->close_reason, sizeof(c->close_reason), "%s", reason ? reason : "");
    if (!c->open) { /* resolving or connecting: report it from the loop */
        wsDetachLookup(c);
        wsFailLater(c);
        return;
    }
    if (c->wsi) lws_callback_on_writable(c->wsi);
}

size_t wsQueued(const wsConn *c) {
    return c ? c->urgent.n + c->normal.n : 0;
}

/* The close frame, once the queues are empty. It is written by hand rather
 * than with lws_close_reason() + "return -1": Debian's lws 4.1.6 is a
 * _DEBUG build whose libuv path then closes a second time ("uv repeat
 * test") and drops the socket before the frame goes out. The peer echoes
 * the close and lws then ends the connection; if it never does, the
 * timeout kills it. */
static int wsWriteClose(wsConn *c) {
    c->close_sent = 1;
    unsigned char frame[LWS_PRE + 2 + sizeof(c->close_reason)];
    size_t rlen = strlen(c->close_reason);
    frame[LWS_PRE] = (unsigned char)(c->close_code >> 8);
    frame[LWS_PRE + 1] = (unsigned char)(c->close_code & 0xff);
    memcpy(frame + LWS_PRE + 2, c->close_reason, rlen);
    if (lws_write(c->wsi, frame + LWS_PRE, 2 + rlen, WS_WRITE_CLOSE) < 0) return -1;
    lws_set_timeout(c->wsi, PENDING_TIMEOUT_CLOSE_ACK, 5);
    return 0;
}

/* A due ping, then urgent frames, then the others, as long as the socket
 * takes them; then the close frame once nothing is left. The socket is
 * writable when lws calls this, so the first write goes without asking;
 * lws_send_pipe_choked (a poll() each time) is asked before each further
 * one, never when nothing is left to write: an ack alone costs no poll. */
static int wsWriteable(wsConn *c) {
    int wrote = 0;
    if (c->ping_due && !c->close_sent) {
        unsigned char ping[LWS_PRE + 1];
        c->ping_due = 0;
        c->last_ping_ms = wsNow();
        if (lws_write(c->wsi, ping + LWS_PRE, 0, LWS_WRITE_PING) < 0) return -1;
        wrote = 1;
    }
    while (!c->close_sent && wsQueued(c)) {
        if (wrote && lws_send_pipe_choked(c->wsi)) break;
        wsMsg *m = c->urgent.head ? wsPop(&c->urgent) : wsPop(&c->normal);
        if (!m) break;
        wrote = 1;
        int w = lws_write(c->wsi, (unsigned char *)m->data + LWS_PRE, m->len, LWS_WRITE_TEXT);
        size_t len = m->len;
        free(m);
        if (w < (int)len) {
            logEvent(LOG_WARN, "ws.write_failed", "bytes=%zu", len);
            return -1;
        }
    }
    if (wsQueued(c)) {
        lws_callback_on_writable(c->wsi);
        return 0;
    }
    if (!c->closing || c->close_sent) return 0;
    if (lws_send_pipe_choked(c->wsi)) {
        lws_callback_on_writable(c->wsi);
        return 0;
    }
    return wsWriteClose(c);
}

/* ---- keepalive ---- */

static void wsAliveTick(uv_timer_t *t) {
    wsConn *c = t->data;
    if (!c->open || !c->wsi || c->done) return;
    double now = wsNow(), quiet = now - c->last_rx_ms;
    if (quiet >= c->opt.dead_ms) {
        char why[96];
        snprintf(why, sizeof(why), "no frame or pong for %.0f ms", quiet);
        logEvent(LOG_WARN, "ws.link_dead", "quiet_ms=%.0f", quiet);
        struct lws *wsi = c->wsi;
        lws_set_opaque_user_data(wsi, NULL);
        c->wsi = NULL;
        lws_set_timeout(wsi, PENDING_TIMEOUT_AWAITING_PROXY_RESPONSE, LWS_TO_KILL_ASYNC);
        wsFinish(c, WS_CLOSE_ABNORMAL, why);
        return;
    }
    if (quiet >= c->opt.ping_ms && now - c->last_ping_ms >= c->opt.ping_ms) {
        c->ping_due = 1;
        lws_callback_on_writable(c->wsi);
    }
}

static void wsAliveStart(wsConn *c) {
    unsigned tick = (c->opt.ping_ms < c->opt.dead_ms ? c->opt.ping_ms : c->opt.dead_ms) / 4;
    if (tick < 20) tick = 20;
    if (tick > 1000) tick = 1000;
    c->last_rx_ms = wsNow();
    uv_timer_start(&c->alive, wsAliveTick, tick, tick);
}

/* ---- receiving ---- */

static void wsReceive(wsConn *c, struct lws *wsi, const char *in, size_t len) {
    c->last_rx_ms = wsNow();
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
    int deliver = !c->closing || c->opt.read_while_closing;
    if (!c->rx_skip && deliver && c->cb.on_message)
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

/* An attempt finished its handshake: the first one wins. */
static int wsEstablished(wsAttempt *a, struct lws *wsi) {
    wsConn *c = a->c;
    a->wsi = wsi;
    if (c->open || c->closing) { /* another won, or we gave up */
        wsDropAttempt(a);
        return -1;
    }
    c->open = 1;
    c->wsi = wsi; /* from now on callbacks tell the winner by its wsi */
    a->wsi = NULL;
    a->live = 0;
    c->live--;
    uv_timer_stop(&c->timer);
    for (int i = 0; i < WS_MAX_ATTEMPTS; i++)
        if (&c->att[i] != a && (c->att[i].wsi || c->att[i].live)) wsDropAttempt(&c->att[i]);
    wsAliveStart(c);
    if (c->cb.on_open) c->cb.on_open(c, c->ud);
    if (!c->done && c->wsi && (wsQueued(c) || c->closing)) lws_callback_on_writable(c->wsi);
    return 0;
}

/* An attempt failed before the handshake: try the next address now. */
static void wsAttemptFailed(wsAttempt *a, struct lws *wsi, const char *why) {
    wsConn *c = a->c;
    lws_set_opaque_user_data(wsi, NULL);
    snprintf(c->last_error, sizeof(c->last_error), "%s", why ? why : "connect failed");
    logEvent(LOG_DEBUG, "ws.attempt_failed", "reason=\"%s\"", c->last_error);
    a->failed = 1;
    a->wsi = NULL;
    if (!a->live) return;
    a->live = 0;
    c->live--;
    if (c->closing) return; /* wsClose reports it */
    if (c->next_addr < c->naddr) {
        uv_timer_start(&c->timer, wsNextTimer, 0, 0); /* from the loop, not inside lws */
    } else if (c->live == 0) {
        logEvent(LOG_WARN, "ws.connect_failed", "reason=\"%s\"", c->last_error);
        uv_timer_start(&c->timer, wsDeferredFail, 0, 0);
    }
}

static void wsClosed(wsConn *c, struct lws *wsi) {
    lws_set_opaque_user_data(wsi, NULL);
    c->wsi = NULL;
    if (c->closing) wsFinish(c, c->close_code, c->close_reason); /* we asked */
    else if (c->peer_code) wsFinish(c, c->peer_code, c->peer_reason);
    else wsFinish(c, WS_CLOSE_ABNORMAL, "connection lost");
}

static int wsCallback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                      size_t len) {
    wsAttempt *a = lws_get_opaque_user_data(wsi);
    if (!a || !a->c) return lws_callback_http_dummy(wsi, reason, user, in, len);
    wsConn *c = a->c;
    int winner = c->wsi == wsi;
    switch (reason) {
    case LWS_CALLBACK_CLIENT_ESTABLISHED:
        return wsEstablished(a, wsi);
    case LWS_CALLBACK_CLIENT_RECEIVE:
        if (winner) wsReceive(c, wsi, in, len);
        return 0;
    case LWS_CALLBACK_CLIENT_RECEIVE_PONG:
        if (winner) c->last_rx_ms = wsNow();
        return 0;
    case LWS_CALLBACK_CLIENT_WRITEABLE:
        return winner ? wsWriteable(c) : 0;
    case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
        if (winner) wsPeerClose(c, in, len);
        return 0;
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
        wsAttemptFailed(a, wsi, in ? (const char *)in : NULL);
        return 0;
    case LWS_CALLBACK_CLIENT_CLOSED:
    case LWS_CALLBACK_WSI_DESTROY:
        if (winner) wsClosed(c, wsi);
        else wsAttemptFailed(a, wsi, "connection lost");
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
