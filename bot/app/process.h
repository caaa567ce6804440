/* process.h - the process behind the door of app.h: configuration,
 * secrets, the current knowledge, the loop, history and the transports.
 * For the runner (cli/cmd_run.c), app.c and tests; never for a transport,
 * which sees only app.h. */
#ifndef CB_PROCESS_H
#define CB_PROCESS_H

#include "app/app.h"
#include "app/config.h"
#include "app/cooldown.h"
#include "match/knowledge.h"
#include "ops/feedback.h"
#include "ops/history.h"
#include "platform/transport.h"

#define APP_MAX_TRANSPORTS 4
#define APP_COOLDOWN_KEYS 8192 /* users (and channels) remembered at once */
#define APP_RELOAD_SLICE_MS 8.0 /* a sliced reload's work before the loop runs again */
#define APP_MAX_RENDERERS 8  /* ways of rendering answers pre-rendered per knowledge */

struct cbApp {
    cbConfig cfg;
    cbSecrets secrets;
    cbLoop loop;
    knowledge *k;          /* current; replaced atomically by appReload() */
    /* Ways transports render answers, pre-rendered for each knowledge
     * (app_prerender.c; the payloads hang on the knowledge, freed with it). */
    const struct appRenderer *prerender[APP_MAX_RENDERERS];
    size_t nprerender;
    char cache_buf[4096]; /* the model cache directory in force (engCacheDir) */
    /* Reloads train in a child process (app_train.c) once the loop runs
     * and a model cache is in use: set by the runner. */
    int train_async;
    int train_inline;              /* the child just trained: a miss now trains here */
    struct appTrainer *trainer;    /* the child training, or NULL */
    /* Reloads are done in slices on the loop (app_reload.c), so it keeps
     * serving while a big knowledge loads: set by the runner once the
     * loop runs. */
    int reload_sliced;
    double reload_slice_ms;        /* work per slice; 0: APP_RELOAD_SLICE_MS (tests: < 0, one step) */
    struct appReloader *reloader;  /* the sliced reload's state, or NULL */
    histStore *hist;       /* may be NULL */
    /* Per-user and per-channel cooldowns (limits.*); off until
     * appLimitsInit() (the runner calls it; in-process tests need not). */
    coolTable cool_user, cool_channel;
    fbTracker *feedback;   /* implicit feedback; made with the first question */
    cbTransport *transports[APP_MAX_TRANSPORTS];
    size_t ntransports;
    int stopping;
    int exit_code;
    /* The wall clock in unix seconds (NULL: cbWallTime); tests move it to
     * see a hand-off expire without waiting 7 days. */
    long long (*clock)(void);
    /* Set by the runner: begin a graceful shutdown (drain, close, exit). */
    void (*request_stop)(void *ud, const char *why);
    void *stop_ud;
};

/* Turn the cooldowns on (sized for APP_COOLDOWN_KEYS keys each). */
void appLimitsInit(cbApp *a);
void appLimitsFree(cbApp *a);
/* Free what the app made for itself (implicit feedback memory). */
void appFreeFeedback(cbApp *a);
/* The app's wall clock (a->clock, else cbWallTime). */
long long appNow(const cbApp *a);
/* Load the knowledge again; on failure keep the old one, log, count. */
int appReload(cbApp *a);
/* Render every entry's answer in the registered ways for k (appReload
 * does it for the knowledge it loads; a lookup does it for a knowledge
 * that has none yet); the payloads are freed with k. */
void appPrerenderBuild(cbApp *a, knowledge *k);
/* app_train.c: train the knowledge in a child process that writes the
 * model cache; when it exits, appReload runs again (and swaps). A reload
 * asked for meanwhile is queued. CB_ERR + err when it cannot start. */
int appTrainStart(cbApp *a, const char *cache_dir, char *err);
int appTraining(const cbApp *a);
void appTrainQueue(cbApp *a);
/* Shutdown: stop the child (SIGTERM) and close its handle. */
void appTrainStop(cbApp *a);
/* app_reload.c: appReload once the loop runs (reload_sliced): the
 * knowledge is read and indexed in slices of a few milliseconds, the loop
 * serving between them and the old knowledge answering, then swapped (or
 * its model trained in a child first). A reload asked for meanwhile is
 * done after it. appReloadStop (shutdown) drops a reload under way. */
int appReloadStart(cbApp *a);
void appReloadStop(cbApp *a);
/* What appReload shares with app_reload.c: the engine's params in force,
 * the load's problems logged, and the swap of a loaded knowledge (NULL:
 * the reload failed; logged and counted) begun at t0, in st->slices
 * slices, the longest st->longest_ms in stage st->longest_in (logged: the
 * swap itself is one more, swap_ms); *old: the knowledge it replaced, for
 * the caller to free (NULL when none). */
typedef struct appReloadStats {
    size_t slices;
    double longest_ms;
    const char *longest_in;
    double longest_cpu_ms; /* the most CPU time a slice took (its own work) */
} appReloadStats;
engParams appEngineParams(cbApp *a);
void appLogDiags(const cbDiags *d);
int appSwapKnowledge(cbApp *a, knowledge *k, double t0, const appReloadStats *st,
                     knowledge **old);

#endif
