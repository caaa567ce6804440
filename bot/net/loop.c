/* loop.c - the one event loop (see loop.h): libuv owns it, libwebsockets
 * joins it as a foreign loop, the REST client (http.c) drives curl multi on
 * it. Teardown follows lws's rule for foreign loops: destroy the context,
 * keep running the uv loop until lws has closed its handles (pcontext turns
 * NULL), and only then close the uv loop. */
#include "net/loop.h"

#include <libwebsockets.h>
#include <stdlib.h>
#include <string.h>

#include "base/common.h"
#include "net/http.h"
#include "net/netlib.h"
#include "base/log.h"
#include "net/ws.h"

#define LOOP_DRAIN_MAX_ITERS 10000
#define LOOP_DRAIN_MAX_MS 3000.0

/* lws's own log lines become bot log events (errors and warnings only). */
static void loopLwsLog(int level, const char *line) {
    char msg[512];
    size_t n = strlen(line);
    if (n >= sizeof(msg)) n = sizeof(msg) - 1;
    memcpy(msg, line, n);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r')) n--;
    msg[n] = '\0';
    for (char *p = msg; *p; p++)
        if (*p == '"') *p = '\'';
    logEvent(level & LLL_ERR ? LOG_ERROR : LOG_WARN, "lws", "msg=\"%s\"", msg);
}

static int loopLwsInit(cbLoop *l, char *err) {
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof(info));
    void *foreign[1] = {l->uv};
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.protocols = wsProtocolList();
    info.options = LWS_SERVER_OPTION_LIBUV | LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT |
                   LWS_SERVER_OPTION_UV_NO_SIGSEGV_SIGFPE_SPIN;
    info.foreign_loops = foreign;
    info.pcontext = &l->lws;
    info.user = l;
    info.timeout_secs = 20; /* connect + handshake */
    l->lws = lws_create_context(&info);
    if (!l->lws) return cbErr(err, "cannot create the websocket context (is libwebsockets-evlib-uv installed?)");
    return CB_OK;
}

int loopInit(cbLoop *l, uv_loop_t *uv, char *err) {
    memset(l, 0, sizeof(*l));
    if (netlibLoad(NETLIB_CURL | NETLIB_LWS, err) != CB_OK) return CB_ERR; /* loaded now */
    lws_set_log_level(LLL_ERR | LLL_WARN, loopLwsLog);
    if (uv) {
        l->uv = uv;
    } else {
        l->uv = cbMalloc(sizeof(*l->uv));
        int rc = uv_loop_init(l->uv);
        if (rc != 0) {
            free(l->uv);
            l->uv = NULL;
            return cbErr(err, "uv_loop_init: %s", uv_strerror(rc));
        }
        l->owns_uv = 1;
    }
    if (loopLwsInit(l, err) != CB_OK) {
        loopFree(l);
        return CB_ERR;
    }
    l->http = httpClientNew(l, err);
    if (!l->http) {
        loopFree(l);
        return CB_ERR;
    }
    return CB_OK;
}

int loopRun(cbLoop *l) {
    uv_run(l->uv, UV_RUN_DEFAULT);
    return CB_OK;
}

void loopStop(cbLoop *l) {
    if (l->uv) uv_stop(l->uv);
}

static void loopCountClosing(uv_handle_t *h, void *arg) {
    if (uv_is_closing(h)) (*(int *)arg)++;
}

static void loopDescribe(uv_handle_t *h, void *arg) {
    (void)arg;
    logEvent(LOG_ERROR, "loop.handle_left_open", "type=%s active=%d",
             uv_handle_type_name(uv_handle_get_type(h)), uv_is_active(h));
}

/* Run the loop without blocking until lws has finished and no handle is
 * still closing (bounded in iterations and time). */
static void loopDrain(cbLoop *l) {
    double deadline = cbNowMs() + LOOP_DRAIN_MAX_MS;
    for (int i = 0; i < LOOP_DRAIN_MAX_ITERS && cbNowMs() < deadline; i++) {
        int alive = uv_run(l->uv, UV_RUN_NOWAIT);
        int closing = 0;
        uv_walk(l->uv, loopCountClosing, &closing);
        if (!l->lws && closing == 0 && (!alive || !l->owns_uv)) break;
    }
}

void loopFree(cbLoop *l) {
    if (!l->uv) return;
    l->freeing = 1;
    wsLoopFreeing(l);
    if (l->http) httpClientFree(l->http);
    l->http = NULL;
    /* With a foreign loop, the first destroy starts closing lws's handles;
     * once the loop has run their close callbacks, a second call finalizes
     * and frees the context (pcontext sets l->lws = NULL). */
    if (l->lws) {
        lws_context_destroy(l->lws);
        loopDrain(l);
    }
    if (l->lws) {
        lws_context_destroy(l->lws);
        loopDrain(l);
    }
    if (l->lws) logEvent(LOG_ERROR, "loop.lws_not_destroyed", NULL);
    if (l->owns_uv) {
        int rc = uv_loop_close(l->uv);
        if (rc != 0) {
            logEvent(LOG_ERROR, "loop.close_failed", "error=\"%s\"", uv_strerror(rc));
            uv_walk(l->uv, loopDescribe, NULL);
            return; /* handles still reference the loop: leave it allocated */
        }
        free(l->uv);
    }
    l->uv = NULL;
}

static void loopTimerClosed(uv_handle_t *h) {
    free(h);
}

static void loopRunForExpired(uv_timer_t *t) {
    uv_stop(t->loop);
}

void loopRunFor(cbLoop *l, double ms) {
    uv_timer_t *t = cbMalloc(sizeof(*t));
    uv_timer_init(l->uv, t);
    uv_timer_start(t, loopRunForExpired, ms > 0 ? (uint64_t)ms : 0, 0);
    uv_run(l->uv, UV_RUN_DEFAULT);
    uv_close((uv_handle_t *)t, loopTimerClosed);
    uv_run(l->uv, UV_RUN_NOWAIT); /* lets the close callback run */
}
