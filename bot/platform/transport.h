/* transport.h - a chat platform behind a table of function pointers
 * (Redis's ConnectionType habit). A transport only translates platform
 * events into hndRequests (via app.h) and replies back into platform
 * payloads (via render.h); it decides nothing about what to answer. */
#ifndef CB_TRANSPORT_H
#define CB_TRANSPORT_H

#include <stddef.h>

struct cbApp;

typedef struct cbTransport cbTransport;

typedef struct cbTransportType {
    const char *name; /* "console", "slack", "discord" */
    /* Connect and start taking events. CB_ERR + err on a failure that is
     * final (bad token: the caller exits 78). */
    int (*start)(cbTransport *t, char *err);
    /* Stop taking new events; replies in flight still go out; websockets
     * close with 1000 once nothing is in flight. */
    void (*shutdown)(cbTransport *t);
    /* Replies queued or being sent; after shutdown, also 1 while a socket
     * is still closing. The process exits when every transport reports 0
     * (or after 10 s). */
    size_t (*in_flight)(const cbTransport *t);
    /* 1 when connected and serving; else 0 with why filled. */
    int (*healthy)(const cbTransport *t, char *why, size_t whylen);
    void (*free)(cbTransport *t);
} cbTransportType;

struct cbTransport {
    const cbTransportType *type;
    struct cbApp *app;
    int fatal;      /* set when the platform refused us for good (exit 78) */
    char fatal_msg[256];
    void *priv;
};

/* Fill the common part of a transport: its table, the app, its state. */
static inline void transportInit(cbTransport *t, const cbTransportType *type, struct cbApp *app,
                                 void *priv) {
    t->type = type;
    t->app = app;
    t->priv = priv;
}

#endif
