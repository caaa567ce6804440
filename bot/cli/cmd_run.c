/* cmd_run.c - `careerbot [run]`: wire the process together. Reads the
 * config and secrets, loads the knowledge, starts the loop, history, health
 * listener and the transports (Slack and/or Discord when their tokens are
 * set, else the console), and handles signals: SIGHUP reloads knowledge and
 * config, SIGTERM/SIGINT drain replies in flight (10 s at most), close the
 * websockets with 1000, commit pending history and exit 0. Knowledge files
 * are also watched (inotify via uv_fs_event) and reloaded on change. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <dirent.h>
#include <malloc.h>

#include "app/process.h"
#include "cli/cli.h"
#include "cli/cliopt.h"
#include "base/common.h"
#include "base/heap.h"
#include "platform/console/console.h"
#include "platform/discord/discord.h"
#include "ops/health.h"
#include "net/http.h"
#include "base/log.h"
#include "ops/metrics.h"
#include "platform/slack/slack.h"

#define RUN_DRAIN_MS 10000.0
#define RUN_DRAIN_TICK_MS 20
#define RUN_RELOAD_DEBOUNCE_MS 250
#define RUN_MAX_WATCHES 256

typedef struct runOpts {
    int console;
    const char *config;
    const char *kb;
} runOpts;

typedef struct runState {
    cbApp app;
    int console_mode;
    uv_signal_t sig_hup, sig_term, sig_int;
    uv_timer_t drain, debounce;
    uv_fs_event_t *watches[RUN_MAX_WATCHES];
    size_t nwatches;
    char kb_name[1024];/* the knowledge dir's last path component */
    double drain_deadline;
    int draining;
    healthServer *health;
} runState;

static const cliOpt runOptTable[] = {
    {"console", NULL, "answer in this terminal even when platform tokens are set"},
    {"config", "FILE", "the config file (default: $CAREERBOT_CONFIG, else " CLI_DEFAULT_CONFIG
                       " when it exists)"},
    {"kb", "DIR", "the knowledge directory (default: knowledge.dir, $CAREERBOT_KB, ./knowledge)"},
};

static const cliSpec runSpec = {
    .cmd = "run",
    .about = "Run the bot: Slack and/or Discord when their tokens are set, else the console.\n"
             "SIGHUP reloads the config and the knowledge; SIGTERM drains replies and exits 0.",
    .opts = runOptTable,
    .nopts = CB_ARRAY_LEN(runOptTable),
};

static int runOnOpt(void *ud, int i, const char *v) {
    runOpts *o = ud;
    if (i == 0) o->console = 1;
    else if (i == 1) o->config = v;
    else o->kb = v;
    return CB_OK;
}

static int runParse(int argc, char **argv, runOpts *o) {
    memset(o, 0, sizeof(*o));
    int first;
    int rc = cliParse(&runSpec, argc, argv, runOnOpt, o, &first);
    if (rc == CLI_HELP) {
        cliPrintEnv(stdout);
        return rc;
    }
    if (rc == CB_OK && first < argc) {
        fprintf(stderr, "careerbot run: unexpected argument '%s'\n", argv[first]);
        cliPrintUsage(&runSpec, stderr);
        return CB_ERR;
    }
    return rc;
}

/* Defaults, then the file, then the environment, then --kb. A bad value
 * in the file or the environment stops the start (exit 78), as
 * `config check` reports it. */
static int runLoadConfig(cbConfig *cfg, const runOpts *o) {
    cfgDefaults(cfg);
    const char *path = cliConfigPath(o->config);
    cbDiags d;
    cbDiagsInit(&d);
    int rc = path ? cfgLoadFile(cfg, path, &d) : CB_OK;
    if (rc == CB_OK) rc = cfgApplyEnvDiags(cfg, &d);
    cbDiagsPrint(&d, "text", stderr);
    cbDiagsFree(&d);
    if (rc != CB_OK) return CB_ERR;
    if (o->kb) {
        free(cfg->kb_dir);
        cfg->kb_dir = cbStrdup(o->kb);
    }
    return CB_OK;
}

static void runInitLog(const cbConfig *cfg, int console_mode, int level_explicit) {
    logLevel lvl = LOG_INFO;
    if (cfg->log_level) logLevelFromName(cfg->log_level, &lvl);
    if (console_mode && !level_explicit) lvl = LOG_WARN; /* keep the prompt clean */
    int json = cfg->log_format && strcmp(cfg->log_format, "json") == 0;
    logInit(lvl, json, stderr);
}

/* ---- transports ---- */

static int runAddTransport(runState *s, cbTransport *t, const char *err) {
    cbApp *a = &s->app;
    if (!t) {
        fprintf(stderr, "careerbot: %s\n", err);
        return CB_ERR;
    }
    a->transports[a->ntransports++] = t;
    char msg[CB_ERRLEN] = "";
    if (t->type->start(t, msg) != CB_OK) {
        fprintf(stderr, "careerbot: %s: %s\n", t->type->name, msg);
        logEvent(LOG_ERROR, "transport.start_failed", "platform=%s msg=\"%s\"", t->type->name, msg);
        if (t->fatal || a->exit_code == 0) a->exit_code = CB_EXIT_CONFIG;
        return CB_ERR;
    }
    return CB_OK;
}

static void runBeginShutdown(runState *s, const char *why);

static void runRequestStop(void *ud, const char *why) {
    runBeginShutdown(ud, why);
}

static int runStartTransports(runState *s) {
    cbApp *a = &s->app;
    char err[CB_ERRLEN] = "";
    if (s->console_mode) {
        cbTransport *t = consoleTransportNew(a); /* stops through a->request_stop */
        return runAddTransport(s, t, "cannot start the console");
    }
    if (a->secrets.slack_app_token || a->secrets.slack_bot_token) {
        if (runAddTransport(s, slackTransportNew(a, err), err) != CB_OK) return CB_ERR;
    }
    if (a->secrets.discord_token) {
        if (runAddTransport(s, discordTransportNew(a, err), err) != CB_OK) return CB_ERR;
    }
    return CB_OK;
}

/* ---- shutdown ---- */

static size_t runInFlight(const runState *s) {
    size_t n = 0;
    for (size_t i = 0; i < s->app.ntransports; i++) {
        const cbTransport *t = s->app.transports[i];
        n += t->type->in_flight(t);
    }
    return n;
}

static void runCloseHandles(runState *s) {
    uv_close((uv_handle_t *)&s->sig_hup, NULL);
    uv_close((uv_handle_t *)&s->sig_term, NULL);
    uv_close((uv_handle_t *)&s->sig_int, NULL);
    uv_close((uv_handle_t *)&s->drain, NULL);
    uv_close((uv_handle_t *)&s->debounce, NULL);
    for (size_t i = 0; i < s->nwatches; i++) uv_close((uv_handle_t *)s->watches[i], (uv_close_cb)free);
    s->nwatches = 0;
    healthStop(s->health);
    s->health = NULL;
    appTrainStop(&s->app);
    appReloadStop(&s->app);
}

static void runDrainTick(uv_timer_t *t) {
    runState *s = t->data;
    size_t n = runInFlight(s);
    int late = cbNowMs() >= s->drain_deadline;
    if (n > 0 && !late) return;
    if (late && n > 0)
        logEvent(LOG_WARN, "shutdown.timeout", "in_flight=%zu msg=\"gave up waiting after 10 s\"", n);
    uv_timer_stop(t);
    if (s->app.hist) histFlush(s->app.hist);
    runCloseHandles(s);
    loopStop(&s->app.loop);
}

static void runBeginShutdown(runState *s, const char *why) {
    if (s->draining) return;
    s->draining = 1;
    s->app.stopping = 1;
    logEvent(LOG_INFO, "shutdown.begin", "reason=\"%s\" in_flight=%zu", why, runInFlight(s));
    for (size_t i = 0; i < s->app.ntransports; i++) {
        cbTransport *t = s->app.transports[i];
        t->type->shutdown(t);
    }
    s->drain_deadline = cbNowMs() + RUN_DRAIN_MS;
    uv_timer_start(&s->drain, runDrainTick, 0, RUN_DRAIN_TICK_MS);
}

/* ---- reload: knowledge (SIGHUP, file changes) and config (SIGHUP) ---- */

static void runWatch(runState *s);

/* Settings that are safe to change while running; URLs (the User-Agent's
 * too), the history path and the health address stay as started (restart
 * to change them). */
static void runApplyConfig(cbConfig *cur, cbConfig *next) {
    cbConfig tmp = *cur;
    *cur = *next;
    *next = tmp;
    char **keep[] = {&cur->slack_api_url, &cur->discord_api_url, &cur->discord_project_url,
                     &cur->history_path, &cur->health_addr};
    char **old[] = {&next->slack_api_url, &next->discord_api_url, &next->discord_project_url,
                    &next->history_path, &next->health_addr};
    for (size_t i = 0; i < CB_ARRAY_LEN(keep); i++) {
        char *t = *keep[i];
        *keep[i] = *old[i];
        *old[i] = t;
    }
    cur->discord_shard_id = next->discord_shard_id;
    cur->discord_shard_count = next->discord_shard_count;
}

static void runReloadConfig(runState *s) {
    if (!s->app.cfg.config_path) return;
    char path[1024]; /* the swap below frees the old config's copy */
    snprintf(path, sizeof(path), "%s", s->app.cfg.config_path);
    cbConfig next;
    cfgDefaults(&next);
    cbDiags d;
    cbDiagsInit(&d);
    int rc = cfgLoadFile(&next, path, &d);
    for (size_t i = 0; i < d.n; i++)
        logEvent(LOG_ERROR, "config.problem", "file=%s line=%d col=%d msg=\"%s\"", d.v[i].file,
                 d.v[i].line, d.v[i].col, d.v[i].msg);
    cbDiagsFree(&d);
    if (rc != CB_OK) {
        logEvent(LOG_ERROR, "config.reload_failed", "file=%s msg=\"kept the old config\"", path);
        cfgFree(&next);
        return;
    }
    cfgApplyEnv(&next);
    free(next.kb_dir); /* --kb given at start wins over the file */
    next.kb_dir = cbStrdup(s->app.cfg.kb_dir);
    runApplyConfig(&s->app.cfg, &next);
    cfgFree(&next);
    logLevel lvl;
    if (s->app.cfg.log_level && logLevelFromName(s->app.cfg.log_level, &lvl) == CB_OK) logSetLevel(lvl);
    logEvent(LOG_INFO, "config.reloaded", "file=%s", path);
}

static void runOnSignal(uv_signal_t *h, int signum) {
    runState *s = h->data;
    if (signum == SIGHUP) {
        logEvent(LOG_INFO, "signal", "name=SIGHUP action=reload");
        runReloadConfig(s);
        appReload(&s->app);
        runWatch(s);
        return;
    }
    runBeginShutdown(s, signum == SIGTERM ? "SIGTERM" : "SIGINT");
}

static void runOnDebounce(uv_timer_t *t) {
    runState *s = t->data;
    if (s->draining) return;
    runWatch(s); /* first: a change made while reloading is not missed */
    appReload(&s->app);
}

static void runOnFsEvent(uv_fs_event_t *h, const char *file, int events, int status) {
    (void)file;
    (void)events;
    runState *s = h->data;
    if (status < 0 || s->draining) return;
    uv_timer_start(&s->debounce, runOnDebounce, RUN_RELOAD_DEBOUNCE_MS, 0);
}

/* The knowledge dir's parent: only events on the knowledge dir's own name
 * count (it was created, deleted, renamed over, or a symlink swapped). */
static void runOnParentEvent(uv_fs_event_t *h, const char *file, int events, int status) {
    runState *s = h->data;
    if (file && strcmp(file, s->kb_name) != 0) return;
    runOnFsEvent(h, file, events, status);
}

static int runWatchDir(runState *s, const char *dir, uv_fs_event_cb cb) {
    if (s->nwatches == RUN_MAX_WATCHES) return CB_ERR;
    uv_fs_event_t *w = cbCalloc(1, sizeof(*w));
    uv_fs_event_init(s->app.loop.uv, w);
    w->data = s;
    if (uv_fs_event_start(w, cb, dir, 0) != 0) {
        uv_close((uv_handle_t *)w, (uv_close_cb)free);
        return CB_ERR;
    }
    s->watches[s->nwatches++] = w;
    return CB_OK;
}

/* Split the knowledge dir into its parent and its name ("kb" -> ".", "kb"). */
static void runKbParent(const char *root, char *parent, size_t np, char *name, size_t nn) {
    char path[1024];
    snprintf(path, sizeof path, "%s", root);
    size_t n = strlen(path);
    while (n > 1 && path[n - 1] == '/') path[--n] = '\0';
    char *slash = strrchr(path, '/');
    if (!slash) {
        snprintf(parent, np, ".");
        snprintf(name, nn, "%s", path);
    } else {
        snprintf(name, nn, "%s", slash + 1);
        if (slash == path) slash[1] = '\0';
        else *slash = '\0';
        snprintf(parent, np, "%s", path);
    }
}

/* Watch the knowledge dir, each topic dir (inotify is not recursive) and
 * the parent, so a knowledge dir deleted and made again (or renamed into
 * place) is watched again. Re-armed after every reload. Only directories
 * are watched; stat() and readdir() never block on a FIFO. */
static void runWatch(runState *s) {
    if (!s->app.cfg.watch_kb || s->draining) return;
    for (size_t i = 0; i < s->nwatches; i++) uv_close((uv_handle_t *)s->watches[i], (uv_close_cb)free);
    s->nwatches = 0;
    const char *root = s->app.cfg.kb_dir;
    char parent[1024];
    runKbParent(root, parent, sizeof parent, s->kb_name, sizeof s->kb_name);
    runWatchDir(s, parent, runOnParentEvent);
    if (runWatchDir(s, root, runOnFsEvent) != CB_OK) return;
    DIR *d = opendir(root);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue;
        char *path = cbSprintf("%s/%s", root, e->d_name);
        struct stat st;
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) runWatchDir(s, path, runOnFsEvent);
        free(path);
    }
    closedir(d);
}

/* ---- health ---- */

static void runHealthStatus(void *ud, healthReport *out) {
    runState *s = ud;
    out->shutting_down = s->draining;
    out->knowledge_loaded = s->app.k != NULL;
    out->knowledge_entries = s->app.k ? s->app.k->kb->nentries : 0;
    for (size_t i = 0; i < s->app.ntransports && i < HEALTH_MAX_PLATFORMS; i++) {
        const cbTransport *t = s->app.transports[i];
        char why[200] = "";
        healthPlatform *p = &out->platforms[out->nplatforms++];
        p->name = t->type->name;
        p->configured = 1;
        p->connected = t->type->healthy(t, why, sizeof(why));
    }
}

static void runStartHealth(runState *s) {
    metricsSetVersion(CAREERBOT_VERSION);
    for (size_t i = 0; i < s->app.ntransports; i++)
        metricsDeclarePlatform(s->app.transports[i]->type->name);
    const char *addr = s->app.cfg.health_addr;
    if (healthDisabled(addr) || s->console_mode) return;
    char err[CB_ERRLEN] = "";
    s->health = healthStart(&s->app.loop, addr, runHealthStatus, s, err);
    if (!s->health) logEvent(LOG_WARN, "health.disabled", "addr=%s msg=\"%s\"", addr, err);
}

/* ---- start, run, stop ---- */

static void runInitHandles(runState *s) {
    uv_loop_t *uv = s->app.loop.uv;
    uv_signal_t *sigs[] = {&s->sig_hup, &s->sig_term, &s->sig_int};
    int nums[] = {SIGHUP, SIGTERM, SIGINT};
    for (size_t i = 0; i < 3; i++) {
        uv_signal_init(uv, sigs[i]);
        sigs[i]->data = s;
        uv_signal_start(sigs[i], runOnSignal, nums[i]);
    }
    uv_timer_init(uv, &s->drain);
    uv_timer_init(uv, &s->debounce);
    s->drain.data = s->debounce.data = s;
    signal(SIGPIPE, SIG_IGN);
}

static int runPlatformsConfigured(const cbSecrets *sec) {
    return sec->slack_app_token || sec->slack_bot_token || sec->discord_token;
}

static void runOpenHistory(cbApp *a) {
    const char *path = a->cfg.history_path;
    if (!path || strcmp(path, "off") == 0) return;
    char err[CB_ERRLEN] = "";
    histOptions o;
    histDefaultOptions(&o);
    o.retention_days = a->cfg.retention_days;
    a->hist = histOpenWith(path, &a->loop, &o, err);
    if (!a->hist) logEvent(LOG_WARN, "history.disabled", "path=%s msg=\"%s\"", path, err);
}

static void runTeardown(runState *s) {
    cbApp *a = &s->app;
    for (size_t i = 0; i < a->ntransports; i++) a->transports[i]->type->free(a->transports[i]);
    a->ntransports = 0;
    histClose(a->hist);
    a->hist = NULL;
    appLimitsFree(a);
    appFreeFeedback(a);
    loopFree(&a->loop);
    knowledgeFree(a->k);
    a->k = NULL;
    cfgFree(&a->cfg);
    secretsFree(&a->secrets);
}

int cmdRun(int argc, char **argv) {
    runOpts o;
    int prc = runParse(argc, argv, &o);
    if (prc != CB_OK) return prc == CLI_HELP ? CB_EXIT_OK : CB_EXIT_USAGE;
    runState *s = cbCalloc(1, sizeof(*s));
    cbApp *a = &s->app;
    if (runLoadConfig(&a->cfg, &o) != CB_OK) {
        cfgFree(&a->cfg);
        free(s);
        return CB_EXIT_CONFIG;
    }
    secretsFromEnv(&a->secrets);
    a->request_stop = runRequestStop;
    a->stop_ud = s;
    s->console_mode = o.console || !runPlatformsConfigured(&a->secrets);
    runInitLog(&a->cfg, s->console_mode, getenv("CAREERBOT_LOG_LEVEL") || a->cfg.config_path);
    char err[CB_ERRLEN] = "";
    int rc = CB_EXIT_OK;
    if (appReload(a) != CB_OK) {
        fprintf(stderr, "careerbot: cannot load the knowledge in %s (see the errors above)\n", a->cfg.kb_dir);
        rc = CB_EXIT_FAIL;
    } else if (loopInit(&a->loop, NULL, err) != CB_OK) {
        fprintf(stderr, "careerbot: %s\n", err);
        rc = CB_EXIT_FAIL;
    } else {
        runOpenHistory(a);
        appLimitsInit(a);
        a->train_async = 1; /* from now on a reload trains in a child */
        a->reload_sliced = 1; /* and is read and indexed in slices */
        /* No fast bins: glibc defers merging freed small blocks in them
         * until some large allocation, which then pays for all of them at
         * once; after a reload freed 100,000 entries' strings in slices,
         * that was one block of 0.2 s on the loop. Without them each free
         * merges its own block (bench/bench_reload.sh). */
        mallopt(M_MXFAST, 0);
        heapStartupEnd(); /* up: from now on freed memory goes back */
        runInitHandles(s);
        if (runStartTransports(s) == CB_OK) {
            runStartHealth(s);
            runWatch(s);
            loopRun(&a->loop);
        } else {
            runCloseHandles(s);
            loopRunFor(&a->loop, 100);
        }
        rc = a->exit_code;
    }
    runTeardown(s);
    free(s);
    return rc;
}
