/* discord_harness.h - shared by the Discord integration tests: start the
 * fake Discord (build/san/fake_discord) as a child, run an in-process cbApp
 * with the Discord transport against it (the loop only turns while a test
 * spins it), script the fake through /_control and read its /_log. The
 * bot's log goes to a temporary file so tests can assert no token leaks.
 * Header-only (static inline): each integration test is its own program
 * and tests/support/ belongs to another module. Every wait is bounded. */
#ifndef CB_DISCORD_HARNESS_H
#define CB_DISCORD_HARNESS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "app/process.h"
#include "base/common.h"
#include "platform/discord/discord.h"
#include "base/log.h"
#include "tproc.h"

#define DH_TOKEN "dh-test-token.Abc123_secret-value"
#define DH_BOT "100000000000000001"
#define DH_APP "100000000000000002"
#define DH_GUILD "500000000000000001"
#define DH_CHANNEL "600000000000000001"
#define DH_ITOKEN "aW50ZXJhY3Rpb246c2VjcmV0.itok_Secret"

typedef struct dhFixture {
    tpProc fake;
    char base[64];
    cbApp a;
    cbTransport *t;
    int stopped;
    char stop_why[256];
    FILE *logf;
    char log_path[128];
    json_t *log; /* last /_log */
} dhFixture;

static inline void dhOnStop(void *ud, const char *why) {
    dhFixture *f = ud;
    f->stopped = 1;
    snprintf(f->stop_why, sizeof f->stop_why, "%s", why ? why : "");
}

static inline void dhSpin(dhFixture *f, double ms) { loopRunFor(&f->a.loop, ms); }

static inline void dhCmd(dhFixture *f, const char *body) {
    char url[128], *resp = NULL;
    snprintf(url, sizeof url, "%s/_control", f->base);
    tpHttp("POST", url, body, &resp);
    free(resp);
}

static inline void dhCmdf(dhFixture *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline void dhCmdf(dhFixture *f, const char *fmt, ...) {
    char body[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(body, sizeof body, fmt, ap);
    va_end(ap);
    dhCmd(f, body);
}

static inline json_t *dhFetchLog(dhFixture *f) {
    char url[128], *resp = NULL;
    snprintf(url, sizeof url, "%s/_log", f->base);
    tpHttp("GET", url, NULL, &resp);
    json_t *j = resp ? json_loads(resp, 0, NULL) : NULL;
    free(resp);
    json_decref(f->log);
    f->log = json_is_array(j) ? j : (json_decref(j), json_array());
    return f->log;
}

static inline const char *dhS(const json_t *o, const char *k) { return json_string_value(json_object_get(o, k)); }

/* Does log entry e match: kind, path containing `path` (may be NULL), and
 * for websocket messages op == `op` (-1: any)? */
static inline int dhMatch(const json_t *e, const char *kind, const char *path, int op) {
    const char *k = dhS(e, "kind"), *p = dhS(e, "path");
    if (!k || strcmp(k, kind) != 0) return 0;
    if (path && (!p || !strstr(p, path))) return 0;
    if (op >= 0 && json_integer_value(json_object_get(json_object_get(e, "body"), "op")) != op) return 0;
    if (op >= 0 && !json_is_integer(json_object_get(json_object_get(e, "body"), "op"))) return 0;
    return 1;
}

/* The n-th matching entry of the last fetched log (borrowed), or NULL. */
static inline json_t *dhNth(dhFixture *f, const char *kind, const char *path, int op, size_t n) {
    size_t i;
    json_t *e;
    json_array_foreach(f->log, i, e) {
        if (dhMatch(e, kind, path, op) && n-- == 0) return e;
    }
    return NULL;
}

static inline size_t dhCount(dhFixture *f, const char *kind, const char *path, int op) {
    size_t i, n = 0;
    json_t *e;
    json_array_foreach(f->log, i, e) n += dhMatch(e, kind, path, op);
    return n;
}

/* Spin the bot until at least n entries match (fetching the log), up to ms. */
static inline int dhWait(dhFixture *f, const char *kind, const char *path, int op, size_t n, double ms) {
    double end = cbNowMs() + ms;
    do {
        dhSpin(f, 20);
        dhFetchLog(f);
        if (dhCount(f, kind, path, op) >= n) return 1;
    } while (cbNowMs() < end && !f->stopped);
    return dhCount(f, kind, path, op) >= n;
}

/* HTTP requests whose path contains path and whose body (as JSON text)
 * contains needle. */
static inline size_t dhCountBody(dhFixture *f, const char *path, const char *needle) {
    size_t i, n = 0;
    json_t *e;
    json_array_foreach(f->log, i, e) {
        if (!dhMatch(e, "http", path, -1)) continue;
        char *b = json_dumps(json_object_get(e, "body"), JSON_COMPACT | JSON_ENCODE_ANY);
        n += b && strstr(b, needle) != NULL;
        free(b);
    }
    return n;
}

static inline int dhWaitBody(dhFixture *f, const char *path, const char *needle, size_t n, double ms) {
    double end = cbNowMs() + ms;
    do {
        dhSpin(f, 20);
        dhFetchLog(f);
        if (dhCountBody(f, path, needle) >= n) return 1;
    } while (cbNowMs() < end && !f->stopped);
    return 0;
}

/* A message the fake dispatches as MESSAGE_CREATE in the guild channel,
 * mentioning the bot. */
static inline void dhMention(dhFixture *f, const char *id, const char *question) {
    dhCmdf(f, "{\"cmd\":\"message\",\"id\":\"%s\",\"channel_id\":\"" DH_CHANNEL "\",\"guild_id\":\"" DH_GUILD
              "\",\"content\":\"<@" DH_BOT "> %s\",\"mention\":true}", id, question);
}

static inline int dhStartFake(dhFixture *f) {
    int port = tpFreePort();
    char ps[16];
    snprintf(ps, sizeof ps, "%d", port);
    char *bin = tpBuildPath("san/fake_discord");
    char *argv[] = {bin, "--port", ps, "--token", DH_TOKEN, "--heartbeat", "500", "--seconds", "120", NULL};
    int rc = tpSpawn(&f->fake, argv, NULL, 0);
    free(bin);
    if (rc != 0 || !tpWaitFor(f->fake.out_path, "listening", 1, 10000)) return CB_ERR;
    snprintf(f->base, sizeof f->base, "http://127.0.0.1:%d", port);
    return CB_OK;
}

/* Fake + app + transport started; waits for READY unless wait_ready is 0;
 * project_url (NULL: the default) is discord.project_url. */
static inline int dhStartUrl(dhFixture *f, const char *token, int wait_ready, const char *project_url) {
    memset(f, 0, sizeof *f);
    if (dhStartFake(f) != CB_OK) return CB_ERR;
    snprintf(f->log_path, sizeof f->log_path, "/tmp/cbdiscord-%d.log", (int)getpid());
    f->logf = fopen(f->log_path, "w+");
    logInit(LOG_DEBUG, 0, f->logf);
    cfgDefaults(&f->a.cfg);
    free(f->a.cfg.kb_dir);
    f->a.cfg.kb_dir = cbStrdup("knowledge");
    free(f->a.cfg.discord_api_url);
    f->a.cfg.discord_api_url = cbSprintf("%s/api/v10", f->base);
    if (project_url) {
        free(f->a.cfg.discord_project_url);
        f->a.cfg.discord_project_url = cbStrdup(project_url);
    }
    f->a.secrets.discord_token = cbStrdup(token);
    logAddSecret(token);
    f->a.request_stop = dhOnStop;
    f->a.stop_ud = f;
    char err[CB_ERRLEN];
    if (loopInit(&f->a.loop, NULL, err) != CB_OK || appReload(&f->a) != CB_OK) return CB_ERR;
    f->t = discordTransportNew(&f->a, err);
    if (!f->t || f->t->type->start(f->t, err) != CB_OK) return CB_ERR;
    if (wait_ready && !dhWait(f, "ws", NULL, 2, 1, 10000)) return CB_ERR;
    if (wait_ready) { /* READY delivered and handled */
        char why[128];
        double end = cbNowMs() + 5000;
        while (!f->t->type->healthy(f->t, why, sizeof why) && cbNowMs() < end) dhSpin(f, 10);
    }
    return CB_OK;
}

static inline int dhStart(dhFixture *f, const char *token, int wait_ready) {
    return dhStartUrl(f, token, wait_ready, NULL);
}

/* The bot's log so far (caller frees). */
static inline char *dhBotLog(dhFixture *f) {
    fflush(f->logf);
    return tpReadFile(f->log_path);
}

/* Graceful shutdown, then free everything; returns violations seen. */
static inline size_t dhStop(dhFixture *f) {
    if (f->t) {
        f->t->type->shutdown(f->t);
        double end = cbNowMs() + 5000;
        while (f->t->type->in_flight(f->t) > 0 && cbNowMs() < end) dhSpin(f, 10);
    }
    dhFetchLog(f);
    size_t v = dhCount(f, "violation", NULL, -1);
    for (size_t i = 0; i < v; i++) {
        char *s = json_dumps(dhNth(f, "violation", NULL, -1, i), JSON_COMPACT);
        fprintf(stderr, "violation: %s\n", s);
        free(s);
    }
    if (f->t) f->t->type->free(f->t);
    loopFree(&f->a.loop);
    knowledgeFree(f->a.k);
    cfgFree(&f->a.cfg);
    free(f->a.secrets.discord_token);
    dhCmd(f, "quit");
    if (tpWait(&f->fake, 5000) < 0) tpStop(&f->fake, 1000);
    tpCleanup(&f->fake);
    json_decref(f->log);
    logInit(LOG_INFO, 0, stderr);
    logClearSecrets();
    if (f->logf) fclose(f->logf);
    unlink(f->log_path);
    return v;
}

#endif
