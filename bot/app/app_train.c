/* app_train.c - a reload whose classifier must be trained again trains it
 * in a child process, so training never stalls the loop: the old
 * knowledge keeps answering; the child (this program's `ask` with no
 * question: it loads the knowledge, trains, writes the model cache and
 * exits) is watched by a uv_process_t; when it exits, the reload runs
 * again, reads the fresh model from the cache and swaps the knowledge on
 * the loop. One libuv loop and no threads in the bot; the training has a
 * process of its own.
 *
 * Reloads asked for while the child runs are remembered and done when it
 * ends (they read the files as they are then). If the child cannot start,
 * or it succeeded and the cache still has no model (an unwritable cache),
 * the reload trains on the loop as before, once, with a warning. The
 * child gets the environment without the platform tokens.
 * CAREERBOT_TRAINER (tests): a program run in front of the child's
 * command line (it must exec its arguments). */
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "app/process.h"
#include "base/common.h"
#include "base/log.h"
#include "ops/metrics.h"

extern char **environ;

#define TRAIN_MAX_ENV 512

struct appTrainer {
    uv_process_t proc;
    cbApp *a;
    int running;
    int pending; /* a reload was asked for while it ran */
    double t0;
};

static void trainClosed(uv_handle_t *h) { free(h->data); }

static void trainExited(uv_process_t *p, int64_t status, int signal) {
    struct appTrainer *t = p->data;
    cbApp *a = t->a;
    int pending = t->pending;
    a->trainer = NULL;
    uv_close((uv_handle_t *)p, trainClosed);
    if (a->stopping) return;
    logEvent(status == 0 ? LOG_INFO : LOG_ERROR, "knowledge.trained",
             "exit=%lld signal=%d ms=%.0f", (long long)status, signal, cbNowMs() - t->t0);
    if (status != 0 || signal) {
        metricsReload(0);
        if (a->k)
            logEvent(LOG_ERROR, "knowledge.reload_failed",
                     "dir=%s kept_generation=%lu msg=\"training failed; the old knowledge stays live\"",
                     a->cfg.kb_dir, a->k->generation);
        else
            logEvent(LOG_ERROR, "knowledge.load_failed", "dir=%s msg=\"training failed\"",
                     a->cfg.kb_dir);
        if (pending) appReload(a);
        return;
    }
    /* The model is in the cache now; if it is not (an unwritable cache),
     * train here. Unless the files changed meanwhile: then train anew. */
    a->train_inline = !pending;
    appReload(a);
    a->train_inline = 0;
}

/* The environment without the platform tokens, with the cache dir set. */
static char **trainEnv(const char *cache_dir, char *cache_var, size_t cap) {
    static const char *const drop[] = {"SLACK_APP_TOKEN=", "SLACK_BOT_TOKEN=", "DISCORD_TOKEN=",
                                       "CAREERBOT_KNOWLEDGE_CACHE_DIR=", "CAREERBOT_KB="};
    char **env = cbCalloc(TRAIN_MAX_ENV + 2, sizeof(*env));
    size_t n = 0;
    for (char **e = environ; e && *e && n < TRAIN_MAX_ENV; e++) {
        int keep = 1;
        for (size_t i = 0; i < CB_ARRAY_LEN(drop) && keep; i++)
            keep = strncmp(*e, drop[i], strlen(drop[i])) != 0;
        if (keep) env[n++] = *e;
    }
    snprintf(cache_var, cap, "CAREERBOT_KNOWLEDGE_CACHE_DIR=%s", cache_dir);
    env[n] = cache_var;
    return env;
}

int appTrainStart(cbApp *a, const char *cache_dir, char *err) {
    if (a->trainer) {
        a->trainer->pending = 1;
        return CB_OK;
    }
    char exe[4096];
    size_t elen = sizeof(exe);
    if (uv_exepath(exe, &elen) != 0) return cbErr(err, "cannot find this program's path");
    const char *wrap = getenv("CAREERBOT_TRAINER");
    char *args[8];
    size_t n = 0;
    if (wrap && *wrap) args[n++] = (char *)wrap;
    args[n++] = exe;
    args[n++] = "ask";
    args[n++] = "--kb";
    args[n++] = a->cfg.kb_dir;
    args[n] = NULL;
    char var[4200];
    char **env = trainEnv(cache_dir, var, sizeof(var));
    uv_stdio_container_t io[3] = {{.flags = UV_IGNORE}, {.flags = UV_IGNORE},
                                  {.flags = UV_INHERIT_FD, .data.fd = 2}};
    uv_process_options_t o = {.exit_cb = trainExited, .file = args[0], .args = args, .env = env,
                              .stdio_count = 3, .stdio = io};
    struct appTrainer *t = cbCalloc(1, sizeof(*t));
    t->a = a;
    t->t0 = cbNowMs();
    t->proc.data = t;
    int rc = uv_spawn(a->loop.uv, &t->proc, &o);
    free(env);
    if (rc != 0) {
        uv_close((uv_handle_t *)&t->proc, trainClosed);
        return cbErr(err, "cannot start the training process: %s", uv_strerror(rc));
    }
    t->running = 1;
    a->trainer = t;
    logEvent(LOG_INFO, "knowledge.training", "dir=%s pid=%d msg=\"the old knowledge answers "
             "until the new model is trained\"", a->cfg.kb_dir, t->proc.pid);
    return CB_OK;
}

int appTraining(const cbApp *a) { return a->trainer != NULL; }

void appTrainQueue(cbApp *a) {
    if (a->trainer) a->trainer->pending = 1;
}

void appTrainStop(cbApp *a) {
    struct appTrainer *t = a->trainer;
    if (!t) return;
    a->trainer = NULL;
    uv_process_kill(&t->proc, SIGTERM);
    t->proc.exit_cb = NULL; /* its exit no longer reloads */
    uv_close((uv_handle_t *)&t->proc, trainClosed);
}
