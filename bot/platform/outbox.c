/* outbox.c - the queue, in-flight count, pump and drain every chat
 * platform shares (see outbox.h). Nothing here knows a platform: jobs are
 * answered and calls decoded by the owner's callbacks. */
#include "platform/outbox.h"

#include <inttypes.h>
#include <malloc.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/common.h"
#include "base/log.h"
#include "ops/metrics.h"

#define OUTBOX_TRIM_AFTER 1000 /* queued at once: trim the heap when they are answered */

/* A queued job: one allocation, its strings copied after the header (a
 * burst of 20,000 questions is 20,000 small blocks, not 120,000), found
 * again by walking them (no pointer per field). An id that is a plain
 * decimal number (Discord's snowflakes: user, channel, message, guild) is
 * kept as its 8-byte value instead of its 18-20 characters: a Discord
 * question waiting in a backlog is 96 bytes of heap instead of 144. */
enum { OB_TEXT, OB_USER, OB_CHANNEL, OB_THREAD, OB_TEAM, OB_NFIELDS };
#define OB_NUM_DIGITS 19 /* up to 19 digits always fit in a uint64_t */
typedef struct outboxItem {
    struct outboxItem *next;
    double t0_ms;    /* when it was queued (the event arrived) */
    uint8_t present; /* bit i: field i (OB_*) is not NULL */
    uint8_t numeric; /* bit i: field i is kept as a uint64_t */
    uint8_t is_dm;
    char bytes[];    /* the present fields in OB_* order: a number's 8
                      * bytes, or a string ending in NUL */
} outboxItem;

struct outbox {
    char name[32];
    const outboxOps *ops;
    void *owner; /* NULL once outboxFree ran */
    size_t max_jobs, max_bytes, max_inflight;
    outboxItem *jobs, *tail;
    size_t njobs;
    size_t job_bytes; /* what the queued jobs' allocations ask for */
    size_t peak_jobs; /* most queued since the queue was last empty */
    size_t inflight; /* calls and holds */
    int pumping;
    double answering_t0_ms; /* inside ops->answer: the job's t0 (its reply's start) */
};

struct outboxHold {
    outbox *ob;
};

typedef struct outboxCall {
    outbox *ob;
    outboxDoneFn *done;
    void *ud;
    double t0_ms; /* a reply: when its question arrived (0: another call) */
} outboxCall;

outbox *outboxNew(const outboxOptions *o, const outboxOps *ops, void *owner) {
    outbox *ob = cbCalloc(1, sizeof *ob);
    snprintf(ob->name, sizeof ob->name, "%s", o->name ? o->name : "outbox");
    ob->ops = ops;
    ob->owner = owner;
    ob->max_jobs = o->max_jobs;
    ob->max_bytes = o->max_bytes;
    ob->max_inflight = o->max_inflight ? o->max_inflight : 1;
    return ob;
}

static void outboxItemFree(outboxItem *j) {
    free(j);
}

/* Is s digits only, at most OB_NUM_DIGITS, without a leading zero (so
 * that printing its value gives s back)? */
static int outboxIsNumber(const char *s, size_t len) {
    if (len == 0 || len > OB_NUM_DIGITS || (s[0] == '0' && len > 1)) return 0;
    for (size_t i = 0; i < len; i++)
        if (s[i] < '0' || s[i] > '9') return 0;
    return 1;
}

static size_t outboxItemSize(size_t nbytes) {
    return offsetof(outboxItem, bytes) + nbytes;
}

static outboxItem *outboxItemNew(const outboxJob *job, size_t *size) {
    const char *s[OB_NFIELDS] = {[OB_TEXT] = job->text ? job->text : "", [OB_USER] = job->user,
                                 [OB_CHANNEL] = job->channel, [OB_THREAD] = job->thread,
                                 [OB_TEAM] = job->team};
    size_t len[OB_NFIELDS], n = 0;
    uint8_t numeric = 0;
    for (size_t i = 0; i < OB_NFIELDS; i++) {
        len[i] = s[i] ? strlen(s[i]) : 0;
        if (i != OB_TEXT && s[i] && outboxIsNumber(s[i], len[i])) numeric |= (uint8_t)(1u << i);
        n += !s[i] ? 0 : numeric & (1u << i) ? sizeof(uint64_t) : len[i] + 1;
    }
    *size = outboxItemSize(n);
    outboxItem *j = cbMalloc(*size);
    char *at = j->bytes;
    j->next = NULL;
    j->present = 0;
    j->numeric = numeric;
    for (size_t i = 0; i < OB_NFIELDS; i++) {
        if (!s[i]) continue;
        j->present |= (uint8_t)(1u << i);
        if (numeric & (1u << i)) {
            uint64_t v = strtoull(s[i], NULL, 10);
            memcpy(at, &v, sizeof v);
            at += sizeof v;
        } else {
            memcpy(at, s[i], len[i] + 1);
            at += len[i] + 1;
        }
    }
    j->is_dm = job->is_dm != 0;
    j->t0_ms = cbNowMs();
    return j;
}

/* The job j holds: strings pointing into j, numbers printed into num. */
static outboxJob outboxItemView(const outboxItem *j, char num[OB_NFIELDS][OB_NUM_DIGITS + 1]) {
    const char *f[OB_NFIELDS] = {NULL};
    const char *at = j->bytes;
    for (size_t i = 0; i < OB_NFIELDS; i++) {
        if (!(j->present & (1u << i))) continue;
        if (j->numeric & (1u << i)) {
            uint64_t v;
            memcpy(&v, at, sizeof v);
            snprintf(num[i], OB_NUM_DIGITS + 1, "%" PRIu64, v);
            f[i] = num[i];
            at += sizeof v;
        } else {
            f[i] = at;
            at += strlen(at) + 1;
        }
    }
    return (outboxJob){.text = f[OB_TEXT], .user = f[OB_USER], .channel = f[OB_CHANNEL],
                       .thread = f[OB_THREAD], .team = f[OB_TEAM], .is_dm = j->is_dm};
}

/* The heap an item holds, as its allocation size (its NUL-ended strings
 * walked again, as the view does). */
static size_t outboxItemBytes(const outboxItem *j) {
    const char *at = j->bytes;
    for (size_t i = 0; i < OB_NFIELDS; i++) {
        if (!(j->present & (1u << i))) continue;
        at += j->numeric & (1u << i) ? sizeof(uint64_t) : strlen(at) + 1;
    }
    return outboxItemSize((size_t)(at - j->bytes));
}

void outboxDropJobs(outbox *ob) {
    while (ob->jobs) {
        outboxItem *j = ob->jobs;
        ob->jobs = j->next;
        outboxItemFree(j);
    }
    ob->tail = NULL;
    ob->njobs = 0;
    ob->job_bytes = 0;
}

void outboxFree(outbox *ob) {
    if (!ob) return;
    outboxDropJobs(ob);
    ob->owner = NULL;
    if (ob->inflight == 0 && !ob->pumping) free(ob); /* else the last piece or the pump does */
}

size_t outboxQueued(const outbox *ob) { return ob->njobs; }
size_t outboxQueuedBytes(const outbox *ob) { return ob->job_bytes; }
size_t outboxInFlight(const outbox *ob) { return ob->inflight; }

int outboxQueue(outbox *ob, const outboxJob *job, char *err) {
    if (!ob->owner) return cbErr(err, "%s: shutting down", ob->name);
    size_t size = 0;
    outboxItem *j = ob->njobs < ob->max_jobs ? outboxItemNew(job, &size) : NULL;
    if (!j || (ob->max_bytes && ob->job_bytes + size > ob->max_bytes)) {
        outboxItemFree(j); /* a full queue refuses before copying anything */
        char event[48];
        snprintf(event, sizeof event, "%s.overloaded", ob->name);
        logEvent(LOG_ERROR, event,
                 "channel=%s queued=%zu queued_bytes=%zu msg=\"question dropped\"",
                 job->channel ? job->channel : "-", ob->njobs, ob->job_bytes);
        return cbErr(err, "%s: %zu questions (%zu bytes) are waiting already", ob->name, ob->njobs,
                     ob->job_bytes);
    }
    ob->job_bytes += size;
    if (ob->tail) ob->tail->next = j;
    else ob->jobs = j;
    ob->tail = j;
    if (++ob->njobs > ob->peak_jobs) ob->peak_jobs = ob->njobs;
    outboxPump(ob);
    return CB_OK;
}

int outboxPumpFor(outbox *ob, double budget_ms) {
    if (ob->pumping || !ob->owner) return 0; /* an answer's sends do not recurse */
    ob->pumping = 1;
    double end = budget_ms > 0 ? cbNowMs() + budget_ms : 0;
    while (ob->jobs && ob->inflight < ob->max_inflight && ob->owner && (!end || cbNowMs() < end)) {
        outboxItem *j = ob->jobs;
        ob->jobs = j->next;
        if (!ob->jobs) ob->tail = NULL;
        ob->njobs--;
        ob->job_bytes -= outboxItemBytes(j);
        char num[OB_NFIELDS][OB_NUM_DIGITS + 1];
        outboxJob view = outboxItemView(j, num);
        ob->answering_t0_ms = j->t0_ms;
        ob->ops->answer(ob->owner, &view);
        ob->answering_t0_ms = 0;
        outboxItemFree(j);
    }
    ob->pumping = 0;
    if (!ob->jobs) {
        /* a burst is answered: give its memory back to the system instead
         * of keeping the heap at its peak for good */
        if (ob->peak_jobs >= OUTBOX_TRIM_AFTER) malloc_trim(0);
        ob->peak_jobs = 0;
    }
    if (!ob->owner) {
        if (ob->inflight == 0) free(ob); /* freed by an answer */
        return 0;
    }
    return ob->jobs && ob->inflight < ob->max_inflight;
}

void outboxPump(outbox *ob) {
    if (!ob->ops->schedule) {
        outboxPumpFor(ob, 0);
        return;
    }
    if (ob->owner && ob->jobs && ob->inflight < ob->max_inflight) ob->ops->schedule(ob->owner);
}

/* One piece of work is over: pump and tell the owner, or free a freed
 * outbox after its last piece. */
static void outboxSettle(outbox *ob) {
    assert(ob->inflight > 0);
    ob->inflight--;
    if (!ob->owner) {
        if (ob->inflight == 0) free(ob);
        return;
    }
    outboxPump(ob);
    if (ob->owner && ob->ops->settled) ob->ops->settled(ob->owner);
}

static void outboxHttpDone(const httpResponse *res, void *ud) {
    outboxCall *c = ud;
    outbox *ob = c->ob;
    if (c->t0_ms > 0 && res->status >= 200 && res->status < 300)
        metricsReplyLatency(ob->name, (cbNowMs() - c->t0_ms) / 1000.0);
    if (c->done) c->done(ob->owner, c->ud, res);
    free(c);
    outboxSettle(ob);
}

/* http refused a call: count it and say why (the route names the call;
 * it never holds a token). */
static void outboxRefused(const outbox *ob, const httpRequest *req, char *err) {
    char event[48];
    snprintf(event, sizeof event, "%s.request_failed", ob->name);
    logRedact(err);
    metricsReplyFailed(ob->name);
    logEvent(LOG_ERROR, event, "route=\"%s\" error=\"%s\"", req->route ? req->route : "-", err);
}

void outboxLogShutdown(const outbox *ob) {
    char event[48];
    snprintf(event, sizeof event, "%s.shutdown", ob->name);
    logEvent(LOG_INFO, event, "in_flight=%zu queued=%zu", ob->inflight, ob->njobs);
}

int outboxSend(outbox *ob, httpClient *http, const httpRequest *req, outboxDoneFn *done,
               void *ud, char *err) {
    if (!ob->owner) return cbErr(err, "%s: shutting down", ob->name);
    if (!http) return cbErr(err, "%s: no REST client", ob->name);
    outboxCall *c = cbCalloc(1, sizeof *c);
    c->ob = ob;
    c->done = done;
    c->ud = ud;
    c->t0_ms = ob->answering_t0_ms; /* the reply of the job being answered */
    if (httpSubmit(http, req, outboxHttpDone, c, err) != CB_OK) {
        free(c);
        outboxRefused(ob, req, err);
        return CB_ERR;
    }
    ob->inflight++;
    return CB_OK;
}

outboxHold *outboxHoldNew(outbox *ob) {
    outboxHold *h = cbCalloc(1, sizeof *h);
    h->ob = ob;
    ob->inflight++;
    return h;
}

void *outboxHoldOwner(const outboxHold *h) { return h->ob->owner; }

void outboxRelease(outboxHold *h) {
    if (!h) return;
    outbox *ob = h->ob;
    free(h);
    outboxSettle(ob);
}
