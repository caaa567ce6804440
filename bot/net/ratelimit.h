/* ratelimit.h - per-route rate-limit state for the REST client (http.c).
 *
 * A route ("chat.postMessage", "POST /channels/123/messages") points at a
 * bucket holding what the server told us: remaining (-1 unknown), when it
 * resets, and until when a 429 blocks it. A route starts with a private
 * bucket keyed by its own name (so two methods of one path never share a
 * limit by accident); when Discord names the bucket (X-RateLimit-Bucket),
 * the route moves to the shared bucket keyed by that hash plus the route's
 * major parameter (channel/guild/webhook id), as Discord specifies. A
 * bucket with 0 remaining unfreezes when its reset time passes, and a
 * global 429 blocks every route until it expires.
 *
 * A route may also belong to a group with a proactive limit shared by all
 * its routes (Discord's global limit: at most N requests in any window_ms
 * at the server). Network delay makes our send times a poor guide to
 * when the server saw a request, so the group counts requests in flight
 * plus those whose response came within the last window_ms: a request
 * reached the server before its response came back, so N + 1 requests
 * can never arrive within one window, however the network bunches them.
 *
 * The table also holds the per-route FIFO of waiting requests (opaque
 * here; http.c owns the items). Single-threaded, times in cbNowMs() ms. */
#ifndef CB_RATELIMIT_H
#define CB_RATELIMIT_H

#include <stddef.h>

#define RL_SLOTS 256
#define RL_SWEEP_AT 512 /* routes kept before idle ones are dropped */

typedef struct rlBucket {
    char *key;
    int remaining;        /* -1: unknown */
    double reset_at;      /* 0: unknown */
    double blocked_until; /* set by a 429 on this bucket */
    int refs;             /* routes pointing here */
    struct rlBucket *next;
} rlBucket;

#define RL_MAX_GROUPS 4
#define RL_GROUP_MAX_N 1000

typedef struct rlGroup {
    char name[32];
    int n;            /* requests allowed per window */
    double window_ms;
    int inflight;     /* sent, no response yet */
    double *done;     /* ring of the last n response times, oldest at head */
    int head, count;
} rlGroup;

typedef struct rlRoute {
    char *name;
    rlBucket *bucket;
    rlGroup *group;       /* NULL: no shared proactive limit */
    void *head, *tail; /* FIFO of waiting requests (http.c's) */
    size_t queued;
    int inflight;
    int blocked; /* 1 while its queue is held by a rate limit */
    int urgent;  /* pumped before the others (http.c) */
    struct rlRoute *next;
    struct rlRoute *wprev, *wnext; /* in the table's list of routes with a queue */
} rlRoute;

typedef struct rlTable {
    rlRoute *routes[RL_SLOTS];
    rlBucket *buckets[RL_SLOTS];
    size_t nroutes;
    rlRoute *waiting, *waiting_tail; /* routes with queued requests, oldest first */
    double global_until;
    rlGroup groups[RL_MAX_GROUPS];
    int ngroups;
} rlTable;

void rlInit(rlTable *t);
void rlFree(rlTable *t); /* routes must have empty queues */
rlRoute *rlGet(rlTable *t, const char *name); /* find or create */
/* 0 when a request on r may be sent now, else the ms to wait. */
double rlWaitMs(rlTable *t, rlRoute *r, double now);
void rlSent(rlRoute *r);
/* The response to a request sent on r came (or it failed): now. */
void rlDoneAt(rlRoute *r, double now);
void rlDone(rlRoute *r);
/* The group name (find or create: n per window_ms, n <= RL_GROUP_MAX_N);
 * NULL when RL_MAX_GROUPS groups exist already. */
rlGroup *rlGroupGet(rlTable *t, const char *name, int n, double window_ms);
/* Headers of a response on r. bucket: NULL/"" if absent; remaining -1 and
 * reset_after_ms < 0 when absent. */
void rlLearn(rlTable *t, rlRoute *r, const char *bucket, int remaining, double reset_after_ms,
             double now);
/* A 429: block r's bucket (or everything when global) for wait_ms. */
void rlLimited(rlTable *t, rlRoute *r, double wait_ms, int global, double now);
/* Drop idle routes and expired unreferenced buckets once there are many. */
void rlSweep(rlTable *t, double now);
/* Call fn for every route with a non-empty queue. */
void rlEachQueued(rlTable *t, void (*fn)(rlRoute *r, void *arg), void *arg);
/* The queue's owner (http.c) says when r's queue turns non-empty
 * (rlQueueFilled) and empty (rlQueueEmptied), so rlEachQueued visits the
 * routes that wait, in the order they began to, not all RL_SLOTS slots. */
void rlQueueFilled(rlTable *t, rlRoute *r);
void rlQueueEmptied(rlTable *t, rlRoute *r);

#endif
