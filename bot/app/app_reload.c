/* app_reload.c - the running bot's reload in slices. Reading and indexing
 * a knowledge of 100,000 entries takes 20-35 s of CPU; done at once on the
 * loop it stalled every platform for that long. Here it is a
 * knowledgeJob (match/knowledge.h) advanced by a uv_idle_t a slice of
 * APP_RELOAD_SLICE_MS at a time (a file read, an entry indexed, or one of the
 * whole-index phases, until the slice is used up), so the loop polls its
 * sockets and timers between slices and the old knowledge answers until
 * the new one is swapped in. One libuv loop, no threads.
 *
 * When the slices are done: a knowledge whose model the cache lacks is
 * trained by the child process (app_train.c), which reloads again when it
 * ends; a failed load keeps the old knowledge (logged, counted); else the
 * new knowledge is pre-rendered, warmed and swapped (appSwapKnowledge).
 * The old knowledge is freed in ticks of its own after the swap, a
 * slice at a time too (knowledgeFreeStep). A
 * reload asked for while one is under way is done after it (the files
 * are read as they are then). The log line says how many slices it took,
 * the longest (the time the loop was blocked at most) and its stages. */
#include <stdio.h>
#include <stdlib.h>
#include <uv.h>

#include "app/process.h"
#include "base/common.h"
#include "base/log.h"

struct appReloader {
    uv_idle_t idle;
    cbApp *a;
    knowledgeJob *job; /* the reload under way, or NULL */
    cbDiags d;         /* its problems */
    double t0, longest, longest_cpu;
    size_t slices;
    char longest_in[96]; /* the stages the longest slice went from and to */
    knowledge *old;    /* the knowledge swapped out: freed in ticks of its own */
    int pending;       /* another reload was asked for meanwhile */
};

static void reloadBegin(struct appReloader *r);
static void reloadTick(uv_idle_t *h);

/* The job is done: train, fail or swap; then a reload asked for meanwhile. */
static void reloadFinish(struct appReloader *r, knowledge *k) {
    cbApp *a = r->a;
    if (k && engNeedsTraining(k->ix)) {
        knowledgeFree(k);
        char err[CB_ERRLEN];
        engParams p = appEngineParams(a);
        if (appTrainStart(a, p.cache_dir, err) == CB_OK) {
            if (r->pending) appTrainQueue(a); /* read again when it is trained */
            r->pending = 0;
            return;
        }
        logEvent(LOG_WARN, "knowledge.training_here", "msg=\"%s; training on the loop\"", err);
        a->train_inline = 1;
        reloadBegin(r);
        a->train_inline = 0;
        return;
    }
    appReloadStats st = {.slices = r->slices, .longest_ms = r->longest, .longest_in = r->longest_in,
                         .longest_cpu_ms = r->longest_cpu};
    knowledgeFree(r->old); /* none: the ticks free it before a job's step */
    appSwapKnowledge(a, k, r->t0, &st, &r->old);
    if (r->old) uv_idle_start(&r->idle, reloadTick);
    if (r->pending && !a->stopping) {
        r->pending = 0;
        reloadBegin(r);
    }
}

static void reloadTick(uv_idle_t *h) {
    struct appReloader *r = h->data;
    double t = cbNowMs();
    double slice = r->a->reload_slice_ms ? r->a->reload_slice_ms : APP_RELOAD_SLICE_MS;
    if (r->old) { /* the old knowledge is freed first, in slices of its own */
        if (!knowledgeFreeStep(r->old, t + slice)) return;
        r->old = NULL;
        if (!r->job) uv_idle_stop(h);
        return;
    }
    double c = cbCpuMs();
    const char *from = knowledgeJobStage(r->job);
    int done = knowledgeJobStep(r->job, t + slice);
    const char *to = knowledgeJobStage(r->job);
    knowledge *k = done ? knowledgeJobEnd(r->job) : NULL; /* done: nothing left to do */
    double took = cbNowMs() - t, cpu = cbCpuMs() - c;
    if (cpu > r->longest_cpu) r->longest_cpu = cpu;
    if (took > r->longest) {
        r->longest = took;
        snprintf(r->longest_in, sizeof(r->longest_in), "%s%s%s", from, from == to ? "" : " to ",
                 from == to ? "" : to);
    }
    r->slices++;
    if (!done) return;
    r->job = NULL;
    uv_idle_stop(h);
    appLogDiags(&r->d);
    cbDiagsFree(&r->d);
    reloadFinish(r, k);
}

static void reloadBegin(struct appReloader *r) {
    cbApp *a = r->a;
    engParams p = appEngineParams(a);
    /* a model not in the cache is trained in a child (app_train.c);
     * right after it trained (train_inline), here */
    p.cache_only = a->k && p.cache_dir && !a->train_inline;
    cbDiagsInit(&r->d);
    r->t0 = cbNowMs();
    r->longest = r->longest_cpu = 0;
    r->slices = 0;
    r->longest_in[0] = '\0';
    r->job = knowledgeJobStart(a->cfg.kb_dir, &p, &r->d);
    uv_idle_start(&r->idle, reloadTick);
}

int appReloadStart(cbApp *a) {
    struct appReloader *r = a->reloader;
    if (!r) {
        r = a->reloader = cbCalloc(1, sizeof(*r));
        r->a = a;
        uv_idle_init(a->loop.uv, &r->idle);
        r->idle.data = r;
    }
    if (r->job) {
        r->pending = 1;
        return CB_OK;
    }
    reloadBegin(r);
    return CB_OK;
}

static void reloaderClosed(uv_handle_t *h) { free(h->data); }

void appReloadStop(cbApp *a) {
    struct appReloader *r = a->reloader;
    if (!r) return;
    a->reloader = NULL;
    if (r->job) {
        knowledgeJobCancel(r->job);
        cbDiagsFree(&r->d);
    }
    knowledgeFree(r->old);
    uv_close((uv_handle_t *)&r->idle, reloaderClosed);
}
