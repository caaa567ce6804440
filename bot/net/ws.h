/* ws.h - websocket client connections over libwebsockets on the loop.
 * Transports (Slack, Discord) see whole text messages and close events,
 * never lws callbacks: fragments are reassembled into a bounded buffer,
 * sends are queued and written one per LWS_CALLBACK_CLIENT_WRITEABLE.
 *
 * Lifecycle: wsConnect() returns a connection or NULL (and then no callback
 * is ever called). Otherwise on_close is called exactly once, for a failed
 * connect too, and the wsConn is freed right after it returns. */
#ifndef CB_WS_H
#define CB_WS_H

#include <stddef.h>

#include "net/loop.h"

typedef struct wsConn wsConn;

typedef struct wsCallbacks {
    void (*on_open)(wsConn *c, void *ud);
    /* A complete text message (binary frames are dropped). Oversized
     * messages (> max_message) are dropped and logged; the connection stays. */
    void (*on_message)(wsConn *c, const char *data, size_t len, void *ud);
    /* code: the peer's close code, 1006 for a drop/failed connect. */
    void (*on_close)(wsConn *c, int code, const char *reason, void *ud);
} wsCallbacks;

/* url: ws:// or wss:// with host, port, path and query. */
wsConn *wsConnect(cbLoop *l, const char *url, const wsCallbacks *cb, void *ud,
                  size_t max_message, char *err);
int wsSend(wsConn *c, const char *text, size_t len); /* queued; CB_ERR if closing */
void wsClose(wsConn *c, int code, const char *reason); /* on_close follows */
size_t wsQueued(const wsConn *c); /* messages not yet written */

/* Internal (loop.c): the lws protocol list the loop's context registers;
 * its one protocol dispatches every client callback to its wsConn. */
struct lws_protocols;
const struct lws_protocols *wsProtocolList(void);

#endif
