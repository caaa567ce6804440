/* slack_harness.h - shared by the Slack integration tests: start the fake
 * Slack (build/san/fake_slack) as a child, run an in-process cbApp with the
 * Slack transport against it, script the fake through /_control and read
 * its /_log. Header-only (static inline) because each integration test is a
 * separate programs and tests/support/ belongs to another module. Every
 * wait is bounded; objects handed out are kept in the fixture and freed by
 * shStop(), so tests stay leak-free without bookkeeping. */
#ifndef CB_SLACK_HARNESS_H
#define CB_SLACK_HARNESS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "app/process.h"
#include "base/common.h"
#include "base/log.h"
#include "platform/slack/slack.h"
#include "tproc.h"

#define SH_APP_TOKEN "xapp-1-A0FAKE-1-testapptoken0123456789"
#define SH_BOT_TOKEN "xoxb-1-2-testbottoken0123456789"
#define SH_KB "tests/fixtures/app-kb"

typedef struct shFixture {
    tpProc fake;
    int port;
    char base[64];
    cbApp a;
    cbTransport *t;
    int stopped;       /* appFatal/request_stop was called */
    char stop_why[256];
    json_t *keep;      /* objects handed to the test */
    json_t *log;       /* last /_log */
    size_t violations; /* already reported */
    double ping_interval, ping_timeout; /* s; 0 = the config's defaults */
} shFixture;

static inline void shOnStop(void *ud, const char *why) {
    shFixture *f = ud;
    f->stopped = 1;
    snprintf(f->stop_why, sizeof(f->stop_why), "%s", why ? why : "");
}

/* Run the in-process bot's loop for ms (or just sleep when the bot is a
 * separate process). */
static inline void shSpin(shFixture *f, double ms) {
    if (f->a.loop.uv) {
        loopRunFor(&f->a.loop, ms);
        return;
    }
    struct timespec ts = {(time_t)(ms / 1000), (long)((long long)(ms * 1e6) % 1000000000LL)};
    nanosleep(&ts, NULL);
}

static inline json_t *shKeep(shFixture *f, json_t *o) {
    if (o) json_array_append_new(f->keep, o);
    return o;
}

/* POST /_control; the parsed answer (kept by the fixture; caller may also
 * json_decref it after a json_incref... simpler: treat it as borrowed). */
static inline json_t *shCmdRaw(shFixture *f, const char *body) {
    char url[128], *resp = NULL;
    snprintf(url, sizeof(url), "%s/_control", f->base);
    tpHttp("POST", url, body, &resp);
    json_t *j = resp ? json_loads(resp, 0, NULL) : NULL;
    free(resp);
    return j ? j : json_object();
}

/* A command; returns a new reference (the test decrefs it). */
static inline json_t *shCmd(shFixture *f, const char *body) {
    return shCmdRaw(f, body);
}

static inline json_t *shFetchLog(shFixture *f) {
    char url[128], *resp = NULL;
    snprintf(url, sizeof(url), "%s/_log", f->base);
    tpHttp("GET", url, NULL, &resp);
    json_t *j = resp ? json_loads(resp, 0, NULL) : NULL;
    free(resp);
    json_decref(f->log);
    f->log = json_is_array(j) ? j : (json_decref(j), json_array());
    return f->log;
}

static inline const char *shS(const json_t *o, const char *k) {
    return json_string_value(json_object_get(o, k));
}

static inline int shIsKind(const json_t *e, const char *kind) {
    const char *k = shS(e, "kind");
    return k && strcmp(k, kind) == 0;
}

static inline size_t shCountKindNow(shFixture *f, const char *kind) {
    size_t n = 0, i;
    json_t *e;
    json_array_foreach(f->log, i, e) n += shIsKind(e, kind);
    return n;
}

static inline size_t shCountKind(shFixture *f, const char *kind) {
    shFetchLog(f);
    return shCountKindNow(f, kind);
}

static inline int shWaitKind(shFixture *f, const char *kind, size_t n, double ms) {
    double end = cbNowMs() + ms;
    do {
        shSpin(f, 10);
        if (shCountKind(f, kind) >= n) return 1;
    } while (cbNowMs() < end);
    return 0;
}

/* "post" entries (accepted chat.* / response_url calls) matching. */
static inline int shPostMatches(const json_t *e, const char *method, const char *channel,
                                const char *thread) {
    if (!shIsKind(e, "post")) return 0;
    const json_t *b = json_object_get(e, "body");
    if (method && (!shS(b, "method") || strcmp(shS(b, "method"), method) != 0)) return 0;
    if (channel && (!shS(b, "channel") || strcmp(shS(b, "channel"), channel) != 0)) return 0;
    if (thread && (!shS(b, "thread_ts") || strcmp(shS(b, "thread_ts"), thread) != 0)) return 0;
    return 1;
}

/* The n-th (0-based) matching post, as {"t", "reply_ts", "body", "headers"}
 * from the HTTP request that produced it; NULL when there is none yet. */
static inline json_t *shFindPost(shFixture *f, const char *method, const char *channel,
                                 const char *thread, size_t nth) {
    size_t i, seen = 0;
    json_t *e;
    json_array_foreach(f->log, i, e) {
        if (!shPostMatches(e, method, channel, thread) || seen++ != nth) continue;
        const char *path = method ? method : shS(json_object_get(e, "body"), "method");
        const char *url_path = shS(json_object_get(e, "body"), "path");
        char want[160];
        if (path && strcmp(path, "response_url") == 0 && url_path) /* not an /api/ call */
            snprintf(want, sizeof(want), "%s", url_path);
        else
            snprintf(want, sizeof(want), "/api/%s", path);
        for (size_t j = i; j-- > 0;) { /* the request just before it */
            json_t *h = json_array_get(f->log, j);
            if (!shIsKind(h, "http") || !shS(h, "path") || strcmp(shS(h, "path"), want) != 0) continue;
            return shKeep(f, json_pack("{s:O, s:O?, s:O, s:O}", "t", json_object_get(e, "t"),
                                       "reply_ts", json_object_get(json_object_get(e, "body"), "ts"),
                                       "body", json_object_get(h, "body"), "headers",
                                       json_object_get(h, "headers")));
        }
    }
    return NULL;
}

static inline json_t *shWaitPostN(shFixture *f, const char *method, const char *channel,
                                  const char *thread, size_t nth, double ms) {
    double end = cbNowMs() + ms;
    do {
        shSpin(f, 10);
        shFetchLog(f);
        json_t *p = shFindPost(f, method, channel, thread, nth);
        if (p) return p;
    } while (cbNowMs() < end);
    return NULL;
}

static inline json_t *shWaitPost(shFixture *f, const char *method, const char *thread, double ms) {
    return shWaitPostN(f, method, NULL, thread, 0, ms);
}

static inline json_t *shWaitPostChannel(shFixture *f, const char *channel, double ms) {
    return shWaitPostN(f, "chat.postMessage", channel, NULL, 0, ms);
}

static inline size_t shCountPosts(shFixture *f, const char *channel) {
    shFetchLog(f);
    size_t n = 0, i;
    json_t *e;
    json_array_foreach(f->log, i, e) n += shPostMatches(e, "chat.postMessage", channel, NULL);
    return n;
}

static inline size_t shCountThread(shFixture *f, const char *thread) {
    shFetchLog(f);
    size_t n = 0, i;
    json_t *e;
    json_array_foreach(f->log, i, e) n += shPostMatches(e, "chat.postMessage", NULL, thread);
    return n;
}

/* The bot's ack of envelope id (the "ws" log entry), or NULL. */
static inline json_t *shWaitAck(shFixture *f, const char *id, double ms) {
    double end = cbNowMs() + ms;
    do {
        shSpin(f, 10);
        shFetchLog(f);
        size_t i;
        json_t *e;
        json_array_foreach(f->log, i, e) {
            if (!shIsKind(e, "ws")) continue;
            const char *got = shS(json_object_get(e, "body"), "envelope_id");
            if (got && id && strcmp(got, id) == 0) return shKeep(f, json_incref(e));
        }
    } while (cbNowMs() < end);
    return NULL;
}

/* Wait until every envelope id in ids (a JSON array of strings) is acked. */
static inline int shWaitAcks(shFixture *f, const json_t *ids, double ms) {
    double end = cbNowMs() + ms;
    do {
        shSpin(f, 10);
        shFetchLog(f);
        json_t *acked = json_object(), *e;
        size_t i, missing = 0;
        json_array_foreach(f->log, i, e) {
            const char *got = shIsKind(e, "ws") ? shS(json_object_get(e, "body"), "envelope_id") : NULL;
            if (got) json_object_set_new(acked, got, json_true());
        }
        json_array_foreach(ids, i, e) missing += !json_object_get(acked, json_string_value(e));
        json_decref(acked);
        if (!missing) return 1;
    } while (cbNowMs() < end);
    return 0;
}

static inline double shStat(shFixture *f, const char *key) {
    json_t *st = shCmd(f, "{\"cmd\":\"stats\"}");
    double v = json_number_value(json_object_get(st, key));
    json_decref(st);
    return v;
}

static inline size_t shCountAcks(shFixture *f) {
    return (size_t)shStat(f, "acks");
}

static inline size_t shCountSent(shFixture *f) {
    return (size_t)shStat(f, "sent");
}

/* t of the first HTTP request to path whose JSON body has channel. */
static inline double shFirstRequestTime(shFixture *f, const char *path, const char *channel) {
    shFetchLog(f);
    size_t i;
    json_t *e;
    json_array_foreach(f->log, i, e) {
        if (!shIsKind(e, "http") || strcmp(shS(e, "path") ? shS(e, "path") : "", path) != 0) continue;
        const char *c = shS(json_object_get(e, "body"), "channel");
        if (c && strcmp(c, channel) == 0) return json_number_value(json_object_get(e, "t"));
    }
    return -1;
}

/* Fail (printing them) if the fake logged any violation. */
static inline void shAssertClean(shFixture *f) {
    shFetchLog(f);
    size_t i, n = 0, seen = 0;
    json_t *e;
    json_array_foreach(f->log, i, e) {
        if (!shIsKind(e, "violation") || seen++ < f->violations) continue;
        f->violations++;
        char *s = json_dumps(json_object_get(e, "body"), JSON_ENCODE_ANY);
        fprintf(stderr, "violation: %s\n", s);
        free(s);
        n++;
    }
    if (n) fail_msg("the fake logged %zu violation(s)", n);
}

static inline int shStartFake(shFixture *f) {
    char *path = tpBuildPath("san/fake_slack");
    char *argv[] = {path, "0", "90", NULL};
    int rc = tpSpawn(&f->fake, argv, NULL, 0);
    free(path);
    if (rc != 0 || !tpWaitFor(f->fake.out_path, "port=", 1, 10000)) return -1;
    char *out = tpReadFile(f->fake.out_path);
    const char *p = strstr(out, "port=");
    f->port = p ? atoi(p + 5) : 0;
    free(out);
    snprintf(f->base, sizeof(f->base), "http://127.0.0.1:%d", f->port);
    return f->port > 0 ? 0 : -1;
}

static inline int shStartApp(shFixture *f) {
    char err[CB_ERRLEN];
    cfgDefaults(&f->a.cfg);
    free(f->a.cfg.kb_dir);
    f->a.cfg.kb_dir = cbStrdup(SH_KB);
    free(f->a.cfg.slack_api_url);
    f->a.cfg.slack_api_url = cbSprintf("%s/api/", f->base);
    f->a.secrets.slack_app_token = cbStrdup(SH_APP_TOKEN);
    f->a.secrets.slack_bot_token = cbStrdup(SH_BOT_TOKEN);
    if (f->ping_interval > 0) f->a.cfg.slack_ping_interval = f->ping_interval;
    if (f->ping_timeout > 0) f->a.cfg.slack_ping_timeout = f->ping_timeout;
    f->a.request_stop = shOnStop;
    f->a.stop_ud = f;
    if (loopInit(&f->a.loop, NULL, err) != CB_OK || appReload(&f->a) != CB_OK) {
        fprintf(stderr, "harness: %s\n", err);
        return -1;
    }
    f->t = slackTransportNew(&f->a, err);
    if (!f->t || f->t->type->start(f->t, err) != CB_OK) {
        fprintf(stderr, "harness: slack start: %s\n", err);
        return -1;
    }
    return 0;
}

/* Only the fake (for tests that spawn careerbot itself). */
static inline int shStartFakeOnly(shFixture *f) {
    memset(f, 0, sizeof(*f));
    f->keep = json_array();
    f->log = json_array();
    return shStartFake(f);
}

/* Start the fake (pre: a /_control command sent before the bot starts,
 * may be NULL) and the bot; wait until it is connected unless pre is set. */
static inline int shStartPing(shFixture *f, const char *pre, double ping_interval,
                              double ping_timeout);

static inline int shStart(shFixture *f, const char *pre) {
    return shStartPing(f, pre, 0, 0);
}

/* shStart with Slack's keepalive settings (seconds; 0 = defaults). */
static inline int shStartPing(shFixture *f, const char *pre, double ping_interval,
                              double ping_timeout) {
    memset(f, 0, sizeof(*f));
    f->ping_interval = ping_interval;
    f->ping_timeout = ping_timeout;
    f->keep = json_array();
    f->log = json_array();
    logInit(LOG_WARN, 0, stderr);
    if (shStartFake(f) != 0) return -1;
    if (pre) json_decref(shCmd(f, pre));
    if (shStartApp(f) != 0) return -1;
    if (pre) return 0;
    char why[128];
    for (int i = 0; i < 500; i++) {
        if (f->t->type->healthy(f->t, why, sizeof(why))) return 0;
        shSpin(f, 10);
    }
    fprintf(stderr, "harness: not healthy: %s\n", why);
    return -1;
}

static inline void shStopFake(shFixture *f) {
    if (f->port) json_decref(shCmd(f, "quit"));
    tpWait(&f->fake, 3000);
    tpStop(&f->fake, 1000);
    tpCleanup(&f->fake);
    json_decref(f->keep);
    json_decref(f->log);
}

static inline int shStop(shFixture *f) {
    if (f->t) {
        f->t->type->shutdown(f->t);
        for (int i = 0; i < 300 && f->t->type->in_flight(f->t) > 0; i++) shSpin(f, 10);
        f->t->type->free(f->t);
        shSpin(f, 500);
    }
    loopFree(&f->a.loop);
    knowledgeFree(f->a.k);
    cfgFree(&f->a.cfg);
    secretsFree(&f->a.secrets);
    shStopFake(f);
    return 0;
}

#endif
