/* loop.h - the one event loop: libuv owns it; libwebsockets joins it as a
 * foreign loop (LWS_SERVER_OPTION_LIBUV + info.foreign_loops); libcurl's
 * multi interface is driven by uv_poll/uv_timer. No threads.
 *
 * Everything asynchronous in careerbot (websockets, REST calls, timers,
 * signals, inotify, the health server) runs on the loop in cbLoop.uv. */
#ifndef CB_LOOP_H
#define CB_LOOP_H

#include <uv.h>

struct lws_context;
struct httpClient;

typedef struct cbLoop {
    uv_loop_t *uv;               /* owned when loopInit created it */
    struct lws_context *lws;     /* websocket client + HTTP server */
    struct httpClient *http;     /* REST client on curl multi */
    int owns_uv;
    int freeing;                 /* loopFree has begun: start nothing new */
    struct wsConn *ws_conns;     /* ws.c: every websocket not yet ended */
} cbLoop;

/* uv may be NULL (a new loop is created). Creates l->lws and l->http.
 * lws keeps a pointer to l->lws: a cbLoop must not be moved or copied
 * after loopInit. CB_OK / CB_ERR + err. */
int loopInit(cbLoop *l, uv_loop_t *uv, char *err);
/* Run until loopStop() or nothing is left to do. */
int loopRun(cbLoop *l);
void loopStop(cbLoop *l);
/* Close curl, lws and (if owned) the uv loop; safe after loopStop().
 * Pending REST calls get done("shutting down"); websockets still open get
 * on_close(1006) while lws is destroyed. Every other handle on an owned
 * loop must be closed before: a handle left open is logged
 * (loop.handle_left_open) and the loop is then not freed. */
void loopFree(cbLoop *l);

/* Run uv for at most ms milliseconds (tests). */
void loopRunFor(cbLoop *l, double ms);

#endif
