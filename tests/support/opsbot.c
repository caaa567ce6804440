/* opsbot.c - one careerbot process against the fake platforms, for the
 * operations tests (see opsbot.h). */
#include "opsbot.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define OPS_POLL_MS 10

double opsNow(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

void opsSleep(double ms) {
    struct timespec ts = {(time_t)(ms / 1000), (long)((long long)(ms * 1e6) % 1000000000LL)};
    nanosleep(&ts, NULL);
}

static int opsWriteFile(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    int rc = fputs(text, f) < 0 ? -1 : 0;
    return fclose(f) == 0 ? rc : -1;
}

/* ---- fakes ---- */

static int opsFakeStarted(opsFake *f, const char *marker) {
    if (!tpWaitFor(f->p.out_path, marker, 1, 10000)) return -1;
    char *out = tpReadFile(f->p.out_path);
    const char *p = strstr(out, "port=");
    if (p && !f->port) f->port = atoi(p + 5);
    free(out);
    snprintf(f->base, sizeof(f->base), "http://127.0.0.1:%d", f->port);
    f->log = json_array();
    return f->port > 0 ? 0 : -1;
}

static int opsStartSlack(opsFake *f) {
    char *bin = tpBuildPath("san/fake_slack");
    char *argv[] = {bin, "0", "120", NULL};
    int rc = tpSpawn(&f->p, argv, NULL, 0);
    free(bin);
    f->started = rc == 0;
    return rc == 0 ? opsFakeStarted(f, "port=") : -1;
}

static int opsStartDiscord(opsFake *f) {
    f->port = tpFreePort();
    char port[16];
    snprintf(port, sizeof(port), "%d", f->port);
    char *bin = tpBuildPath("san/fake_discord");
    char *argv[] = {bin, "--port", port, "--token", OPS_DISCORD_TOKEN, "--heartbeat", "1000",
                    "--seconds", "120", NULL};
    int rc = tpSpawn(&f->p, argv, NULL, 0);
    free(bin);
    f->started = rc == 0;
    return rc == 0 ? opsFakeStarted(f, "listening") : -1;
}

static void opsStopFake(opsFake *f) {
    if (!f->started) return;
    json_decref(opsCmd(f, "{\"cmd\":\"quit\"}"));
    if (tpWait(&f->p, 3000) < 0) tpStop(&f->p, 1000);
    tpCleanup(&f->p);
    json_decref(f->log);
    f->log = NULL;
    f->started = 0;
}

json_t *opsCmd(opsFake *f, const char *fmt, ...) {
    char body[4096], url[128], *resp = NULL;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(body, sizeof(body), fmt, ap);
    va_end(ap);
    snprintf(url, sizeof(url), "%s/_control", f->base);
    tpHttp("POST", url, body, &resp);
    json_t *j = resp ? json_loads(resp, 0, NULL) : NULL;
    free(resp);
    return j ? j : json_object();
}

json_t *opsFetchLog(opsFake *f) {
    json_t *j = tpFakeLog(f->base);
    if (!j) return f->log; /* keep the last good log */
    json_decref(f->log);
    f->log = j;
    return j;
}

static const char *opsS(const json_t *o, const char *k) {
    return json_string_value(json_object_get(o, k));
}

static int opsIs(const json_t *e, const char *kind, const char *path) {
    const char *k = opsS(e, "kind"), *p = opsS(e, "path");
    if (!k || strcmp(k, kind) != 0) return 0;
    return !path || (p && strstr(p, path));
}

size_t opsCountKind(opsFake *f, const char *kind, const char *path) {
    size_t n = 0, i;
    json_t *e;
    json_array_foreach(f->log, i, e) n += opsIs(e, kind, path);
    return n;
}

size_t opsCloseCodes(opsFake *f, int *codes, size_t max) {
    size_t n = 0, i;
    json_t *e;
    json_array_foreach(f->log, i, e) {
        if (opsIs(e, "ws_close", NULL) && n < max)
            codes[n++] = (int)json_integer_value(json_object_get(e, "code"));
    }
    return n;
}

/* ---- the bot ---- */

int opsInit(opsBot *b, int slack, int discord) {
    memset(b, 0, sizeof(*b));
    snprintf(b->dir, sizeof(b->dir), "/tmp/cbops-XXXXXX");
    if (!mkdtemp(b->dir)) return -1;
    snprintf(b->kb, sizeof(b->kb), "%s/kb", b->dir);
    snprintf(b->db, sizeof(b->db), "%s/h.db", b->dir);
    snprintf(b->conf, sizeof(b->conf), "%s/careerbot.conf", b->dir);
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "cp -r '%s' '%s'", OPS_KB_FIXTURE, b->kb);
    if (system(cmd) != 0) return -1;
    /* SIGHUP is the only reload trigger, so tests control when it happens */
    if (opsWriteFile(b->conf, "[knowledge]\nwatch = false\n[limits]\nuser_cooldown = 0\n") != 0) return -1;
    if (slack && opsStartSlack(&b->slack) != 0) return -1;
    if (discord && opsStartDiscord(&b->discord) != 0) return -1;
    return 0;
}

int opsSpawn(opsBot *b, const char *app_token, const char *bot_token, char *const extra[]) {
    char e[10][256];
    b->health_port = tpFreePort();
    /* A fake that is not running has no URL: the variable is left unset
     * (an empty value unsets it), since a bad one stops the bot. */
    snprintf(e[0], sizeof(e[0]), "SLACK_API_URL=%s%s", b->slack.base, b->slack.started ? "/api/" : "");
    snprintf(e[1], sizeof(e[1]), "SLACK_APP_TOKEN=%s", b->slack.started ? (app_token ? app_token : OPS_APP_TOKEN) : "");
    snprintf(e[2], sizeof(e[2]), "SLACK_BOT_TOKEN=%s", b->slack.started ? (bot_token ? bot_token : OPS_BOT_TOKEN) : "");
    snprintf(e[3], sizeof(e[3]), "DISCORD_API_URL=%s%s", b->discord.base,
             b->discord.started ? "/api/v10" : "");
    snprintf(e[4], sizeof(e[4]), "DISCORD_TOKEN=%s", b->discord.started ? OPS_DISCORD_TOKEN : "");
    snprintf(e[5], sizeof(e[5]), "CAREERBOT_HEALTH_LISTEN=127.0.0.1:%d", b->health_port);
    snprintf(e[6], sizeof(e[6]), "CAREERBOT_HISTORY_PATH=%s", b->db);
    snprintf(e[7], sizeof(e[7]), "CAREERBOT_KB=%s", b->kb);
    snprintf(e[8], sizeof(e[8]), "CAREERBOT_CONFIG=%s", b->conf);
    char *env[24] = {e[0], e[1], e[2], e[3], e[4], e[5], e[6], e[7], e[8],
                     "CAREERBOT_LOG_LEVEL=info", "CAREERBOT_LOG_FORMAT=", "CAREERBOT_TODAY=2025-11-01",
                     "DISCORD_APPLICATION_ID=", NULL};
    size_t n = 13;
    for (size_t i = 0; extra && extra[i] && n < 23; i++) env[n++] = extra[i];
    env[n] = NULL;
    char *bin = tpBuildPath("san/careerbot");
    char *argv[] = {bin, "run", NULL};
    int rc = tpSpawn(&b->bot, argv, env, 0);
    free(bin);
    b->spawned = rc == 0;
    return rc;
}

int opsWaitReady(opsBot *b, double ms) {
    return opsWaitHealth(b, 200, NULL, ms, NULL);
}

void opsFree(opsBot *b) {
    if (b->spawned) {
        tpStop(&b->bot, 12000);
        tpCleanup(&b->bot);
        b->spawned = 0;
    }
    opsStopFake(&b->slack);
    opsStopFake(&b->discord);
    if (b->dir[0]) {
        char cmd[128];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", b->dir);
        if (system(cmd) != 0) fprintf(stderr, "opsFree: could not remove %s\n", b->dir);
    }
}

/* ---- health and metrics ---- */

long opsGet(opsBot *b, const char *path, char **body) {
    char url[128];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", b->health_port, path);
    return tpHttp("GET", url, NULL, body);
}

double opsMetric(opsBot *b, const char *series) {
    char *text = NULL;
    long st = opsGet(b, "/metrics", &text);
    double v = -1;
    size_t n = strlen(series);
    for (const char *p = text; st == 200 && p && *p;) {
        if (strncmp(p, series, n) == 0 && p[n] == ' ') {
            v = strtod(p + n + 1, NULL);
            break;
        }
        p = strchr(p, '\n');
        if (p) p++;
    }
    free(text);
    return v;
}

int opsWaitHealth(opsBot *b, long want, const char *needle, double ms, char **body_out) {
    double end = opsNow() + ms;
    do {
        char *body = NULL;
        long st = opsGet(b, "/healthz", &body);
        if (st == want && (!needle || (body && strstr(body, needle)))) {
            if (body_out) *body_out = body;
            else free(body);
            return 1;
        }
        free(body);
        opsSleep(OPS_POLL_MS);
    } while (opsNow() < end);
    return 0;
}

int opsSetup(void **state) {
    opsBot *b = calloc(1, sizeof(*b));
    *state = b;
    return b ? 0 : -1;
}

int opsTeardown(void **state) {
    opsFree(*state);
    free(*state);
    return 0;
}
