/* discord_state.c - the Discord transport's one-line state (for /healthz
 * and logs) and its fatal stop: close the gateway with 1000, drop what is
 * queued, tell the app (exit 78). Its own file so that the REST calls (a
 * 401) and the gateway (a fatal close code) both stop the transport without
 * calling into each other: gateway -> rest, both -> state, never back. */
#include <stdio.h>

#include "base/log.h"
#include "platform/discord/discord_int.h"

void dcState(discord *d, const char *fmt, const char *arg) {
    snprintf(d->state, sizeof d->state, fmt, arg);
}

void dcFatal(discord *d, const char *msg) {
    if (d->fatal) return;
    d->fatal = 1;
    d->t.fatal = 1;
    snprintf(d->t.fatal_msg, sizeof d->t.fatal_msg, "discord: %s", msg);
    logRedact(d->t.fatal_msg);
    dcState(d, "stopped: %s", d->t.fatal_msg);
    if (d->conn && d->conn->ws && !d->conn->closing) {
        d->conn->closing = 1;
        wsClose(d->conn->ws, 1000, "fatal");
    }
    outboxDropJobs(d->ob); /* nothing more is sent */
    appFatal(d->a, d->t.fatal_msg);
}
