/* ws.h - websocket client connections over libwebsockets on the loop.
 * Transports (Slack, Discord) see whole text messages and close events,
 * never lws callbacks: fragments are reassembled into a bounded buffer;
 * a short send with nothing queued is written at once, others wait in two
 * bounded queues (urgent first) and are written as many per
 * LWS_CALLBACK_CLIENT_WRITEABLE as the socket takes. A host name's
 * addresses are all tried, IPv6 and IPv4 interleaved (Happy Eyeballs,
 * RFC 8305). A link silent for ping_ms gets a ping; one silent for dead_ms
 * (no frame, no pong) is dropped and reported as 1006.
 *
 * Lifecycle: wsConnect() returns a connection or NULL (and then no callback
 * is ever called). Otherwise on_close is called exactly once, for a failed
 * connect too, and the wsConn is freed right after it returns. */
#ifndef CB_WS_H
#define CB_WS_H

#include <stddef.h>

#include "net/loop.h"

/* Each send queue holds at most this many bytes (text plus ~40 bytes of
 * bookkeeping per message); a send past it fails and is logged. */
#define WS_MAX_QUEUE_BYTES (16u << 20)

typedef struct wsConn wsConn;

typedef struct wsCallbacks {
    void (*on_open)(wsConn *c, void *ud);
    /* A complete text message (binary frames are dropped). Oversized
     * messages (> max_message) are dropped and logged; the connection stays. */
    void (*on_message)(wsConn *c, const char *data, size_t len, void *ud);
    /* code: the peer's close code, 1006 for a drop/failed connect/dead link. */
    void (*on_close)(wsConn *c, int code, const char *reason, void *ud);
} wsCallbacks;

typedef struct wsOptions {
    unsigned ping_ms;       /* ping after this much silence (0: 30 s) */
    unsigned dead_ms;       /* drop after this much silence (0: 90 s) */
    int read_while_closing; /* deliver messages that arrive after wsClose */
} wsOptions;

/* url: ws:// or wss:// with host, port, path and query. */
wsConn *wsConnect(cbLoop *l, const char *url, const wsCallbacks *cb, void *ud,
                  size_t max_message, char *err);
void wsSetOptions(wsConn *c, const wsOptions *o); /* right after wsConnect */
/* Written now or queued (copied); CB_ERR if closing, the queue is full or
 * the link broke. Urgent messages
 * (acks, heartbeats) go out before every normal one. */
int wsSend(wsConn *c, const char *text, size_t len);
int wsSendUrgent(wsConn *c, const char *text, size_t len);
void wsClose(wsConn *c, int code, const char *reason); /* on_close follows */
size_t wsQueued(const wsConn *c); /* messages not yet written */

/* Internal (loop.c): the lws protocol list the loop's context registers;
 * its one protocol dispatches every client callback to its wsConn. */
struct lws_protocols;
const struct lws_protocols *wsProtocolList(void);
/* Internal (loop.c): loopFree has begun; websockets not yet open (resolving
 * or connecting) get on_close(1006, "shutting down") now. */
void wsLoopFreeing(cbLoop *l);

#endif
