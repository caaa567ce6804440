/* outbox.h - what every chat platform needs between "a question arrived"
 * and "its reply went out", in one place: a bounded FIFO of questions
 * waiting for a free slot, a count of work in flight (REST calls and
 * follow-ups such as a vote waiting for its commit), a pump that answers
 * queued questions while fewer than max_inflight are out, and a drain
 * signal for a graceful shutdown. A platform keeps only its connection,
 * its decoding of events and its way of sending (url, auth, body).
 *
 * Lifetime: the platform owns the outbox and calls outboxFree() when it is
 * freed. Calls and holds still out then keep the outbox alive; their
 * callbacks run with owner NULL (free what ud owns, send nothing) and the
 * last one frees the outbox. No callback runs inside the function that
 * started the work, except a hold released by its own caller. */
#ifndef CB_OUTBOX_H
#define CB_OUTBOX_H

#include <stddef.h>

#include "net/http.h"

typedef struct outbox outbox;

/* A question to answer: only its words and where to answer. The outbox
 * keeps copies while it waits (~200 bytes each, not a rendered reply and a
 * curl handle, so a flood costs bounded memory); in ops->answer the
 * strings are valid during the call. */
typedef struct outboxJob {
    const char *text;    /* mention already stripped */
    const char *user;
    const char *channel;
    const char *thread;  /* what to reply to in channel (Slack thread ts,
                          * Discord message id); may be NULL */
    const char *team;    /* the server the channel belongs to (a Discord
                          * guild); may be NULL */
    int is_dm;
} outboxJob;

typedef struct outboxOps {
    /* Answer one job (ask the app, render, outboxSend). */
    void (*answer)(void *owner, const outboxJob *job);
    /* A call or hold finished and the queue was pumped: check whether a
     * shutdown can now close the connection. May be NULL. */
    void (*settled)(void *owner);
    /* May be NULL: then queued questions are answered at once (inside
     * outboxQueue or a call's completion). Else the outbox only asks the
     * owner to call outboxPumpFor() soon, from the loop, so answering never
     * runs inside a socket or REST callback (Slack: acks go out first). */
    void (*schedule)(void *owner);
} outboxOps;

typedef struct outboxOptions {
    const char *name;    /* "slack", "discord": prefixes log events */
    size_t max_jobs;     /* queued questions; more are refused */
    size_t max_bytes;    /* and their bytes (outboxQueuedBytes); 0: no bound */
    size_t max_inflight; /* calls and holds out before questions wait */
} outboxOptions;

outbox *outboxNew(const outboxOptions *o, const outboxOps *ops, void *owner);
/* The owner is going away: queued jobs are dropped; what is in flight
 * finishes with owner NULL; the outbox frees itself after the last. */
void outboxFree(outbox *ob);

/* Queue a copy of job and pump. CB_ERR with err filled
 * (and "<name>.overloaded" logged) when max_jobs are already waiting. */
int outboxQueue(outbox *ob, const outboxJob *job, char *err);
/* Answer queued jobs while fewer than max_inflight are out (or ask the
 * owner to, see ops->schedule). */
void outboxPump(outbox *ob);
/* Answer queued jobs while slots are free, for about budget_ms (0: no
 * limit; at least one). 1 when jobs are left that a free slot could take. */
int outboxPumpFor(outbox *ob, double budget_ms);
/* Forget every queued job (the platform refused us for good). */
void outboxDropJobs(outbox *ob);
size_t outboxQueued(const outbox *ob);
/* The bytes the queued jobs' allocations ask for (malloc adds its own 8
 * and rounds to 16): what a backlog costs. */
size_t outboxQueuedBytes(const outbox *ob);
/* "<name>.shutdown in_flight=N queued=N": what a graceful stop waits for. */
void outboxLogShutdown(const outbox *ob);
size_t outboxInFlight(const outbox *ob);

/* One REST call over http (see http.h for retries and rate limits).
 * done(owner, ud, res) runs exactly once, from the loop, then the queue
 * is pumped and ops->settled runs. CB_ERR (err filled, done never called,
 * "<name>.request_failed" logged with the route and counted as a failed
 * reply) when http refused it. */
typedef void outboxDoneFn(void *owner, void *ud, const httpResponse *res);
int outboxSend(outbox *ob, httpClient *http, const httpRequest *req, outboxDoneFn *done,
               void *ud, char *err);

/* Follow-up work that is not a call (a vote waiting for its commit):
 * counted in flight until released. */
typedef struct outboxHold outboxHold;
outboxHold *outboxHoldNew(outbox *ob);
/* The owner, or NULL once outboxFree ran. */
void *outboxHoldOwner(const outboxHold *h);
/* Frees h; pumps and runs ops->settled (or frees a freed outbox after its
 * last piece of work). */
void outboxRelease(outboxHold *h);

#endif
