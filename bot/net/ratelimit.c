/* ratelimit.c - per-route / per-bucket rate-limit state (see ratelimit.h). */
#include "net/ratelimit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/common.h"
#include "base/hash.h"

static unsigned rlHash(const char *s) {
    return (unsigned)(cbFnv1aStr(s) % RL_SLOTS);
}

void rlInit(rlTable *t) {
    memset(t, 0, sizeof(*t));
}

static rlBucket *rlBucketGet(rlTable *t, const char *key) {
    unsigned h = rlHash(key);
    for (rlBucket *b = t->buckets[h]; b; b = b->next)
        if (strcmp(b->key, key) == 0) return b;
    rlBucket *b = cbCalloc(1, sizeof(*b));
    b->key = cbStrdup(key);
    b->remaining = -1;
    b->next = t->buckets[h];
    t->buckets[h] = b;
    return b;
}

static void rlBucketFree(rlTable *t, rlBucket *b) {
    rlBucket **pp = &t->buckets[rlHash(b->key)];
    while (*pp != b) pp = &(*pp)->next;
    *pp = b->next;
    free(b->key);
    free(b);
}

/* 1 while the bucket holds requests back (429 or 0 remaining before reset). */
static int rlBlocking(const rlBucket *b, double now) {
    return b->blocked_until > now || (b->remaining == 0 && b->reset_at > now);
}

/* A bucket nobody uses and that blocks nothing can go. */
static int rlBucketIdle(const rlBucket *b, double now) {
    return b->refs == 0 && !rlBlocking(b, now);
}

static void rlRelease(rlTable *t, rlBucket *b, double now) {
    b->refs--;
    if (rlBucketIdle(b, now)) rlBucketFree(t, b);
}

rlRoute *rlGet(rlTable *t, const char *name) {
    unsigned h = rlHash(name);
    for (rlRoute *r = t->routes[h]; r; r = r->next)
        if (strcmp(r->name, name) == 0) return r;
    rlRoute *r = cbCalloc(1, sizeof(*r));
    r->name = cbStrdup(name);
    char *key = cbSprintf("route:%s", name);
    r->bucket = rlBucketGet(t, key);
    free(key);
    r->bucket->refs++;
    r->next = t->routes[h];
    t->routes[h] = r;
    t->nroutes++;
    return r;
}

rlGroup *rlGroupGet(rlTable *t, const char *name, int n, double window_ms) {
    for (int i = 0; i < t->ngroups; i++)
        if (strcmp(t->groups[i].name, name) == 0) return &t->groups[i];
    if (t->ngroups == RL_MAX_GROUPS || n < 1) return NULL;
    rlGroup *g = &t->groups[t->ngroups++];
    snprintf(g->name, sizeof(g->name), "%s", name);
    g->n = n > RL_GROUP_MAX_N ? RL_GROUP_MAX_N : n;
    g->window_ms = window_ms;
    g->done = cbCalloc((size_t)g->n, sizeof(double));
    return g;
}

/* ms until the group allows one more request: fewer than n in flight or
 * answered within the window. */
static double rlGroupWait(const rlGroup *g, double now) {
    if (g->inflight >= g->n) return g->window_ms; /* a response pumps sooner */
    int recent = 0;
    while (recent < g->count &&
           g->done[(g->head + g->count - 1 - recent) % g->n] > now - g->window_ms)
        recent++;
    int over = g->inflight + recent - g->n + 1; /* recent ones that must age out */
    if (over <= 0) return 0;
    double t = g->done[(g->head + g->count - recent + over - 1) % g->n];
    return t + g->window_ms - now;
}

static void rlGroupDone(rlGroup *g, double now) {
    if (g->inflight > 0) g->inflight--;
    if (g->count < g->n) {
        g->done[(g->head + g->count++) % g->n] = now;
    } else {
        g->done[g->head] = now;
        g->head = (g->head + 1) % g->n;
    }
}

double rlWaitMs(rlTable *t, rlRoute *r, double now) {
    double w = 0;
    if (t->global_until > now) w = t->global_until - now;
    if (r->group && rlGroupWait(r->group, now) > w) w = rlGroupWait(r->group, now);
    rlBucket *b = r->bucket;
    if (b->blocked_until > now && b->blocked_until - now > w) w = b->blocked_until - now;
    if (b->remaining == 0) {
        if (b->reset_at > now) {
            if (b->reset_at - now > w) w = b->reset_at - now;
        } else {
            b->remaining = -1; /* the window passed: unfreeze */
            b->reset_at = 0;
        }
    }
    return w;
}

void rlSent(rlRoute *r) {
    if (r->bucket->remaining > 0) r->bucket->remaining--;
    r->inflight++;
    if (r->group) r->group->inflight++;
}

void rlDoneAt(rlRoute *r, double now) {
    r->inflight--;
    if (r->group) rlGroupDone(r->group, now);
}

void rlDone(rlRoute *r) {
    rlDoneAt(r, cbNowMs());
}

/* Discord's major parameters: the id after channels/, guilds/ or webhooks/. */
static void rlMajor(const char *route, char *out, size_t outlen) {
    static const char *majors[] = {"/channels/", "/guilds/", "/webhooks/"};
    out[0] = '\0';
    for (size_t i = 0; i < CB_ARRAY_LEN(majors); i++) {
        const char *p = strstr(route, majors[i]);
        if (!p) continue;
        p += strlen(majors[i]);
        size_t n = strcspn(p, "/?");
        if (n >= outlen) n = outlen - 1;
        memcpy(out, p, n);
        out[n] = '\0';
        return;
    }
}

void rlLearn(rlTable *t, rlRoute *r, const char *bucket, int remaining, double reset_after_ms,
             double now) {
    if (bucket && *bucket) {
        char major[128];
        rlMajor(r->name, major, sizeof(major));
        char *key = cbSprintf("bucket:%s:%s", bucket, major);
        if (strcmp(key, r->bucket->key) != 0) {
            rlBucket *nb = rlBucketGet(t, key);
            nb->refs++;
            rlRelease(t, r->bucket, now);
            r->bucket = nb;
        }
        free(key);
    }
    rlBucket *b = r->bucket;
    if (remaining >= 0) {
        /* Requests already sent into this window will use some of it. */
        int other = r->inflight;
        b->remaining = remaining > other ? remaining - other : 0;
    }
    if (reset_after_ms >= 0) b->reset_at = now + reset_after_ms;
}

void rlLimited(rlTable *t, rlRoute *r, double wait_ms, int global, double now) {
    double until = now + (wait_ms > 0 ? wait_ms : 0);
    if (global) {
        if (until > t->global_until) t->global_until = until;
        return;
    }
    rlBucket *b = r->bucket;
    if (until > b->blocked_until) b->blocked_until = until;
    b->remaining = 0;
    if (until > b->reset_at) b->reset_at = until;
}

static void rlRouteFree(rlTable *t, rlRoute *r, double now) {
    rlRoute **pp = &t->routes[rlHash(r->name)];
    while (*pp != r) pp = &(*pp)->next;
    *pp = r->next;
    rlRelease(t, r->bucket, now);
    free(r->name);
    free(r);
    t->nroutes--;
}

void rlSweep(rlTable *t, double now) {
    if (t->nroutes < RL_SWEEP_AT) return;
    for (int i = 0; i < RL_SLOTS; i++) {
        rlRoute *r = t->routes[i];
        while (r) {
            rlRoute *next = r->next;
            if (r->queued == 0 && r->inflight == 0 && !rlBlocking(r->bucket, now))
                rlRouteFree(t, r, now);
            r = next;
        }
    }
}

void rlQueueFilled(rlTable *t, rlRoute *r) {
    r->wnext = NULL;
    r->wprev = t->waiting_tail;
    if (t->waiting_tail) t->waiting_tail->wnext = r;
    else t->waiting = r;
    t->waiting_tail = r;
}

void rlQueueEmptied(rlTable *t, rlRoute *r) {
    if (r->wprev) r->wprev->wnext = r->wnext;
    else t->waiting = r->wnext;
    if (r->wnext) r->wnext->wprev = r->wprev;
    else t->waiting_tail = r->wprev;
    r->wprev = r->wnext = NULL;
}

/* fn may empty r's queue (and so take r off the list) or fill others' (they
 * join at the tail): the next route is taken before fn runs. */
void rlEachQueued(rlTable *t, void (*fn)(rlRoute *r, void *arg), void *arg) {
    for (rlRoute *r = t->waiting, *next; r; r = next) {
        next = r->wnext;
        if (r->queued) fn(r, arg);
    }
}

void rlFree(rlTable *t) {
    for (int i = 0; i < t->ngroups; i++) free(t->groups[i].done);
    for (int i = 0; i < RL_SLOTS; i++) {
        while (t->routes[i]) {
            rlRoute *r = t->routes[i];
            t->routes[i] = r->next;
            free(r->name);
            free(r);
        }
        while (t->buckets[i]) {
            rlBucket *b = t->buckets[i];
            t->buckets[i] = b->next;
            free(b->key);
            free(b);
        }
    }
    memset(t, 0, sizeof(*t));
}
