/* test_http.c - the REST client (bot/net/http.h) against fake_echo on
 * 127.0.0.1: a plain 200 (method, body, Authorization reach the server),
 * 429 + Retry-After (done only after the wait, waited_ms recorded),
 * Discord buckets (0 remaining + reset-after holds the next request; two
 * routes naming one bucket share it, another major parameter does not),
 * global 429s (JSON body and X-RateLimit-Scope header) holding every
 * route, 500 500 200 (3 attempts), 500 forever (gives up), connection
 * refused, a body over HTTP_MAX_BODY, a per-attempt timeout, FIFO order on
 * one route (also across a 429), and httpClientFree failing what is
 * pending with "shutting down", one poll handle per keep-alive connection
 * (kept across calls, dropped when the server closes the idle connection).
 * Every wait is bounded. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <cmocka.h>
#include <jansson.h>
#include <uv.h>

#include "base/common.h"
#include "net/http.h"
#include "base/log.h"
#include "net/loop.h"
#include "net/netlib.h"
#include "net/ratelimit.h"
#include "tproc.h"

static tpProc fake;
static int fakePort;

static int startFake(void **state) {
    (void)state;
    char *bin = tpBuildPath("san/fake_echo");
    char *argv[] = {bin, "0", "180", NULL};
    fakePort = tpStartFake(&fake, argv);
    free(bin);
    return fakePort > 0 ? 0 : -1;
}

static int stopFake(void **state) {
    (void)state;
    return tpQuitFake(&fake, fakePort) == 0 ? 0 : -1; /* a leak or crash in the fake fails the group */
}

static char *url(const char *path) {
    return cbSprintf("http://127.0.0.1:%d%s", fakePort, path);
}

/* The fake's request log (it answers 200 with a JSON array). */
static json_t *fakeLog(void) {
    char base[64];
    snprintf(base, sizeof(base), "http://127.0.0.1:%d", fakePort);
    json_t *log = tpFakeLog(base);
    assert_non_null(log);
    return log;
}

/* Script the fake: POST /_control with a JSON document. */
static void control(const char *json) {
    char *u = url("/_control");
    assert_int_equal(tpHttp("POST", u, json, NULL), 200);
    free(u);
}

typedef struct result {
    int done;
    long status;
    char *body, *error;
    int attempts;
    double waited_ms, at_ms;
} result;

static void onDone(const httpResponse *res, void *ud) {
    result *r = ud;
    if (r->done++) { /* done must come exactly once */
        fprintf(stderr, "done called again (status %ld, error %s)\n", res->status,
                res->error ? res->error : "-");
        return;
    }
    r->status = res->status;
    r->body = cbStrndup(res->body, res->body_len);
    r->error = cbStrdup(res->error);
    r->attempts = res->attempts;
    r->waited_ms = res->waited_ms;
    r->at_ms = cbNowMs();
}

static void resultFree(result *r) {
    free(r->body);
    free(r->error);
    memset(r, 0, sizeof(*r));
}

static void submit(cbLoop *l, const char *method, const char *path, const char *body,
                   const char *route, result *r) {
    char *u = url(path);
    httpRequest req = {.method = method, .url = u, .body = body, .route = route,
                       .max_attempts = 3, .timeout_ms = 3000};
    char err[CB_ERRLEN];
    assert_int_equal(httpSubmit(l->http, &req, onDone, r, err), CB_OK);
    free(u);
}

static void runUntilDone(cbLoop *l, result *rs, int n, double ms) {
    double end = cbNowMs() + ms;
    for (;;) {
        int all = 1;
        for (int i = 0; i < n; i++) all &= rs[i].done > 0;
        if (all || cbNowMs() > end) break;
        loopRunFor(l, 5);
    }
    for (int i = 0; i < n; i++) assert_int_equal(rs[i].done, 1);
}

static int setupLoop(void **state) {
    cbLoop *l = cbCalloc(1, sizeof(*l));
    char err[CB_ERRLEN];
    if (loopInit(l, NULL, err) != CB_OK) return -1;
    *state = l;
    return 0;
}

static int teardownLoop(void **state) {
    cbLoop *l = *state;
    loopFree(l);
    free(l);
    return 0;
}

/* Both libraries load and have every function careerbot calls through
 * net/netlib.c (a misspelt or missing one in its lists fails here). */
static void test_netlib_loads(void **state) {
    (void)state;
    char err[CB_ERRLEN] = "";
    assert_int_equal(netlibLoad(NETLIB_CURL | NETLIB_LWS, err), CB_OK);
    assert_string_equal(err, "");
    assert_int_equal(netlibLoad(NETLIB_CURL, err), CB_OK); /* idempotent */
}

static void test_ok_200(void **state) {
    cbLoop *l = *state;
    result r = {0};
    char *u = url("/echo?x=1");
    httpRequest req = {.method = "POST", .url = u, .body = "{\"q\":1}", .authorization = "Bearer xoxb-secret"};
    assert_int_equal(httpSubmit(l->http, &req, onDone, &r, NULL), CB_OK);
    free(u);
    assert_int_equal(r.done, 0); /* never called from inside httpSubmit */
    assert_int_equal(httpPending(l->http), 1);
    runUntilDone(l, &r, 1, 5000);
    assert_int_equal(r.status, 200);
    assert_null(r.error);
    assert_int_equal(r.attempts, 1);
    json_t *j = json_loads(r.body, 0, NULL);
    assert_string_equal(json_string_value(json_object_get(j, "method")), "POST");
    assert_string_equal(json_string_value(json_object_get(j, "body")), "{\"q\":1}");
    assert_string_equal(json_string_value(json_object_get(j, "authorization")), "Bearer xoxb-secret");
    json_decref(j);
    assert_int_equal(httpPending(l->http), 0);
    resultFree(&r);
}

static void test_429_retry_after(void **state) {
    cbLoop *l = *state;
    control("{\"path\":\"/slack429\",\"push\":[{\"status\":429,\"headers\":{\"Retry-After\":\"1\"},"
            "\"body\":{\"ok\":false,\"error\":\"ratelimited\"}}]}");
    unsigned long waits = httpRateLimitWaits(l->http);
    result r = {0};
    double t0 = cbNowMs();
    submit(l, "POST", "/slack429", "{}", "chat.postMessage", &r);
    runUntilDone(l, &r, 1, 5000);
    assert_int_equal(r.status, 200);
    assert_null(r.error);
    assert_int_equal(r.attempts, 2);
    assert_true(r.at_ms - t0 >= 1000);
    assert_true(r.waited_ms >= 900);
    assert_true(httpRateLimitWaits(l->http) > waits);
    resultFree(&r);
}

static void test_bucket_remaining_zero_waits(void **state) {
    cbLoop *l = *state;
    control("{\"path\":\"/b1\",\"push\":[{\"status\":200,\"headers\":{\"X-RateLimit-Bucket\":\"hb1\","
            "\"X-RateLimit-Remaining\":\"0\",\"X-RateLimit-Reset-After\":\"0.7\"}}]}");
    result a = {0}, b = {0};
    submit(l, "GET", "/b1", NULL, "GET /channels/7/b1", &a);
    runUntilDone(l, &a, 1, 5000);
    submit(l, "GET", "/b1", NULL, "GET /channels/7/b1", &b);
    runUntilDone(l, &b, 1, 5000);
    assert_int_equal(b.status, 200);
    assert_true(b.at_ms - a.at_ms >= 650); /* held until the reset */
    assert_true(b.waited_ms >= 600);
    /* The bucket unfroze: the next one goes at once. */
    result c = {0};
    submit(l, "GET", "/b1", NULL, "GET /channels/7/b1", &c);
    runUntilDone(l, &c, 1, 5000);
    assert_true(c.waited_ms < 1.0); /* never held by the limiter */
    resultFree(&a);
    resultFree(&b);
    resultFree(&c);
}

static void test_bucket_shared_by_routes(void **state) {
    cbLoop *l = *state;
    /* Two methods on channel 5 report one bucket; channel 6 has its own. */
    control("{\"path\":\"/s1\",\"push\":[{\"status\":200,\"headers\":{\"X-RateLimit-Bucket\":\"shared\","
            "\"X-RateLimit-Remaining\":\"3\",\"X-RateLimit-Reset-After\":\"5\"}}]}");
    control("{\"path\":\"/s2\",\"push\":[{\"status\":200,\"headers\":{\"X-RateLimit-Bucket\":\"shared\","
            "\"X-RateLimit-Remaining\":\"0\",\"X-RateLimit-Reset-After\":\"0.8\"}}]}");
    result r[4] = {{0}};
    submit(l, "GET", "/s1", NULL, "GET /channels/5/messages", &r[0]);
    runUntilDone(l, &r[0], 1, 5000);
    submit(l, "POST", "/s2", "{}", "POST /channels/5/messages", &r[1]);
    runUntilDone(l, &r[1], 1, 5000);
    submit(l, "GET", "/s1", NULL, "GET /channels/5/messages", &r[2]);  /* same bucket: waits */
    submit(l, "GET", "/s1", NULL, "GET /channels/6/messages", &r[3]);  /* other channel: free */
    runUntilDone(l, &r[2], 2, 5000);
    assert_true(r[3].waited_ms < 1.0);
    assert_true(r[2].waited_ms > 0);
    assert_true(r[2].at_ms - r[1].at_ms >= 700); /* the reset, 0.8 s after r[1]'s answer */
    for (int i = 0; i < 4; i++) resultFree(&r[i]);
}

static void test_global_429(void **state) {
    static const char *scripts[] = {
        "{\"path\":\"/g\",\"push\":[{\"status\":429,\"body\":{\"message\":\"You are being rate limited.\","
        "\"retry_after\":0.6,\"global\":true}}]}",
        "{\"path\":\"/g\",\"push\":[{\"status\":429,\"headers\":{\"Retry-After\":\"1\","
        "\"X-RateLimit-Scope\":\"global\"},\"body\":{\"retry_after\":0.6}}]}",
    };
    cbLoop *l = *state;
    for (size_t i = 0; i < 2; i++) {
        control(scripts[i]);
        result g = {0}, o = {0};
        double t0 = cbNowMs();
        unsigned long waits = httpRateLimitWaits(l->http);
        submit(l, "POST", "/g", "{}", "POST /channels/1/messages", &g);
        /* Until g got its 429 and is held (the client counts the wait). */
        for (double end = cbNowMs() + 5000; httpRateLimitWaits(l->http) == waits && cbNowMs() < end;)
            loopRunFor(l, 2);
        assert_true(httpRateLimitWaits(l->http) > waits);
        submit(l, "GET", "/other", NULL, "GET /users/@me", &o);
        runUntilDone(l, &g, 1, 5000);
        runUntilDone(l, &o, 1, 5000);
        assert_int_equal(g.status, 200);
        assert_int_equal(o.status, 200);
        if (g.at_ms - t0 < 600 || o.at_ms - t0 < 600) /* a global limit holds every route */
            fail_msg("script %zu: g after %.1f ms (%d attempts), other after %.1f ms", i,
                     g.at_ms - t0, g.attempts, o.at_ms - t0);
        assert_true(o.waited_ms > 0);
        resultFree(&g);
        resultFree(&o);
    }
}

static void test_5xx_then_ok(void **state) {
    cbLoop *l = *state;
    control("{\"path\":\"/flaky\",\"push\":[{\"status\":500},{\"status\":503}]}");
    result r = {0};
    submit(l, "POST", "/flaky", "{}", NULL, &r);
    runUntilDone(l, &r, 1, 10000);
    assert_int_equal(r.status, 200);
    assert_null(r.error);
    assert_int_equal(r.attempts, 3);
    resultFree(&r);
}

static void test_5xx_forever_gives_up(void **state) {
    cbLoop *l = *state;
    control("{\"path\":\"/down\",\"default\":{\"status\":502,\"body\":\"bad gateway\"}}");
    result r = {0};
    submit(l, "GET", "/down", NULL, NULL, &r);
    runUntilDone(l, &r, 1, 10000);
    assert_int_equal(r.status, 502);
    assert_non_null(r.error);
    assert_non_null(strstr(r.error, "gave up after 3 attempts"));
    assert_int_equal(r.attempts, 3);
    resultFree(&r);
}

static void test_4xx_final_at_once(void **state) {
    cbLoop *l = *state;
    control("{\"path\":\"/unauth\",\"default\":{\"status\":401,\"body\":{\"message\":\"401: Unauthorized\",\"code\":0}}}");
    result r = {0};
    submit(l, "GET", "/unauth", NULL, NULL, &r);
    runUntilDone(l, &r, 1, 5000);
    assert_int_equal(r.status, 401);
    assert_null(r.error);
    assert_int_equal(r.attempts, 1);
    assert_non_null(strstr(r.body, "Unauthorized"));
    resultFree(&r);
}

static void test_connection_refused(void **state) {
    cbLoop *l = *state;
    result r = {0};
    char *u = cbSprintf("http://127.0.0.1:%d/x", tpFreePort());
    httpRequest req = {.url = u, .max_attempts = 2, .timeout_ms = 2000};
    assert_int_equal(httpSubmit(l->http, &req, onDone, &r, NULL), CB_OK);
    free(u);
    runUntilDone(l, &r, 1, 10000);
    assert_int_equal(r.status, 0);
    assert_non_null(r.error);
    assert_int_equal(r.attempts, 2);
    resultFree(&r);
}

static void test_body_limit(void **state) {
    cbLoop *l = *state;
    result ok = {0}, big = {0};
    char path[64];
    snprintf(path, sizeof(path), "/big?n=%u", HTTP_MAX_BODY);
    submit(l, "GET", path, NULL, NULL, &ok);
    snprintf(path, sizeof(path), "/big?n=%u", HTTP_MAX_BODY + 1);
    submit(l, "GET", path, NULL, NULL, &big);
    runUntilDone(l, &ok, 1, 10000);
    runUntilDone(l, &big, 1, 10000);
    assert_null(ok.error);
    assert_int_equal(strlen(ok.body), HTTP_MAX_BODY);
    assert_non_null(big.error);
    assert_non_null(strstr(big.error, "size limit"));
    assert_int_equal(big.attempts, 1); /* not retried */
    resultFree(&ok);
    resultFree(&big);
}

static void test_timeout(void **state) {
    cbLoop *l = *state;
    control("{\"path\":\"/slow\",\"default\":{\"status\":200,\"delay_ms\":1500}}");
    result r = {0};
    char *u = url("/slow");
    httpRequest req = {.url = u, .max_attempts = 1, .timeout_ms = 300};
    double t0 = cbNowMs();
    assert_int_equal(httpSubmit(l->http, &req, onDone, &r, NULL), CB_OK);
    free(u);
    runUntilDone(l, &r, 1, 5000);
    assert_int_equal(r.status, 0);
    assert_non_null(r.error);
    assert_true(r.at_ms - t0 < 1200);
    control("{\"path\":\"/slow\",\"default\":null}");
    resultFree(&r);
}

#define FIFO_N 40

static void test_fifo_one_route(void **state) {
    cbLoop *l = *state;
    /* A 429 in the middle must not reorder anything. */
    control("{\"path\":\"/fifo\",\"push\":[{\"status\":200},{\"status\":200},{\"status\":200},"
            "{\"status\":429,\"headers\":{\"Retry-After\":\"0.3\"}}]}");
    result r[FIFO_N] = {{0}};
    char body[32];
    for (int i = 0; i < FIFO_N; i++) {
        snprintf(body, sizeof(body), "{\"i\":%d}", i);
        submit(l, "POST", "/fifo", body, "POST /channels/9/messages", &r[i]);
    }
    assert_int_equal(httpPending(l->http), FIFO_N);
    runUntilDone(l, r, FIFO_N, 15000);
    for (int i = 1; i < FIFO_N; i++) assert_true(r[i].at_ms >= r[i - 1].at_ms);
    /* The server saw the bodies in submission order (the 429'd one twice). */
    json_t *arr = fakeLog();
    int next = 0, last = -1;
    size_t k;
    json_t *e;
    json_array_foreach(arr, k, e) {
        const char *p = json_string_value(json_object_get(e, "path"));
        if (!p || strcmp(p, "/fifo") != 0) continue;
        int i = (int)json_integer_value(json_object_get(json_object_get(e, "body"), "i"));
        if (i == last) continue; /* the retried one */
        assert_int_equal(i, next);
        last = i;
        next++;
    }
    assert_int_equal(next, FIFO_N);
    json_decref(arr);
    for (int i = 0; i < FIFO_N; i++) resultFree(&r[i]);
}

static void test_free_with_pending(void **state) {
    (void)state;
    cbLoop l;
    char err[CB_ERRLEN];
    assert_int_equal(loopInit(&l, NULL, err), CB_OK);
    control("{\"path\":\"/hang\",\"default\":{\"status\":200,\"delay_ms\":3000}}");
    result r[5] = {{0}};
    for (int i = 0; i < 5; i++) submit(&l, "GET", "/hang", NULL, "GET hang", &r[i]);
    loopRunFor(&l, 100); /* the first is in flight, four are queued */
    assert_int_equal(httpPending(l.http), 5);
    httpClient *c = l.http;
    l.http = NULL;
    httpClientFree(c);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(r[i].done, 1);
        assert_int_equal(r[i].status, 0);
        assert_string_equal(r[i].error, "shutting down");
        resultFree(&r[i]);
    }
    loopFree(&l);
    control("{\"path\":\"/hang\",\"default\":null}");
}

static void test_submit_rejects_bad_input(void **state) {
    cbLoop *l = *state;
    result r = {0};
    char err[CB_ERRLEN];
    httpRequest noUrl = {.method = "GET"};
    assert_int_equal(httpSubmit(l->http, &noUrl, onDone, &r, err), CB_ERR);
    httpRequest ftp = {.url = "ftp://127.0.0.1/x"};
    assert_int_equal(httpSubmit(l->http, &ftp, onDone, &r, err), CB_ERR);
    assert_non_null(strstr(err, "http"));
    loopRunFor(l, 20);
    assert_int_equal(r.done, 0);
}

/* Calls in a row on one keep-alive connection: one poll handle for the
 * connection's life, watched while idle (no epoll_ctl per call). */
static void test_connection_keeps_its_poll_handle(void **state) {
    cbLoop *l = *state;
    for (int i = 0; i < 5; i++) {
        result r = {0};
        submit(l, "GET", "/keep", NULL, "GET keep", &r);
        runUntilDone(l, &r, 1, 5000);
        assert_int_equal(r.status, 200);
        resultFree(&r);
    }
    assert_int_equal(httpPollHandlesMade(l->http), 1);
    assert_int_equal(httpSocketsWatched(l->http), 1);
}

/* A server on this loop that answers each request with 200 {} and then
 * closes the connection without saying so (an idle keep-alive timeout). */
typedef struct closer {
    uv_tcp_t srv;
    int port, accepted;
} closer;

static void closerFree(uv_handle_t *h) {
    free(h);
}

static void closerAlloc(uv_handle_t *h, size_t n, uv_buf_t *b) {
    (void)h;
    static char buf[4096];
    *b = uv_buf_init(buf, n < sizeof(buf) ? (unsigned)n : sizeof(buf));
}

static void closerWritten(uv_write_t *w, int status) {
    (void)status;
    uv_close((uv_handle_t *)w->handle, closerFree);
    free(w);
}

static void closerRead(uv_stream_t *c, ssize_t n, const uv_buf_t *b) {
    static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                             "Content-Length: 2\r\n\r\n{}";
    if (n < 0) {
        uv_close((uv_handle_t *)c, closerFree);
        return;
    }
    if (n == 0 || !memmem(b->base, (size_t)n, "\r\n\r\n", 4)) return; /* one read holds a GET */
    uv_read_stop(c);
    uv_write_t *w = cbMalloc(sizeof(*w));
    uv_buf_t out = uv_buf_init((char *)ok, sizeof(ok) - 1);
    uv_write(w, c, &out, 1, closerWritten);
}

static void closerAccept(uv_stream_t *srv, int status) {
    closer *k = srv->data;
    if (status < 0) return;
    uv_tcp_t *c = cbMalloc(sizeof(*c));
    uv_tcp_init(srv->loop, c);
    if (uv_accept(srv, (uv_stream_t *)c) != 0) {
        uv_close((uv_handle_t *)c, closerFree);
        return;
    }
    k->accepted++;
    uv_read_start((uv_stream_t *)c, closerAlloc, closerRead);
}

static void test_idle_connection_closed_by_server(void **state) {
    cbLoop *l = *state;
    closer k = {0};
    struct sockaddr_in a;
    uv_ip4_addr("127.0.0.1", 0, &a);
    uv_tcp_init(l->uv, &k.srv);
    k.srv.data = &k;
    assert_int_equal(uv_tcp_bind(&k.srv, (const struct sockaddr *)&a, 0), 0);
    assert_int_equal(uv_listen((uv_stream_t *)&k.srv, 8, closerAccept), 0);
    struct sockaddr_in got;
    int len = sizeof(got);
    uv_tcp_getsockname(&k.srv, (struct sockaddr *)&got, &len);
    char *u = cbSprintf("http://127.0.0.1:%d/x", ntohs(got.sin_port));
    httpRequest req = {.method = "GET", .url = u, .max_attempts = 1, .timeout_ms = 3000};
    for (int i = 0; i < 2; i++) {
        result r = {0};
        assert_int_equal(httpSubmit(l->http, &req, onDone, &r, NULL), CB_OK);
        runUntilDone(l, &r, 1, 5000);
        assert_int_equal(r.status, 200);
        resultFree(&r);
        /* the server's close is seen on the idle connection: no longer
         * watched (a readable idle socket left watched spins the loop) */
        for (double end = cbNowMs() + 5000; httpSocketsWatched(l->http) && cbNowMs() < end;)
            loopRunFor(l, 5);
        assert_int_equal(httpSocketsWatched(l->http), 0);
    }
    assert_int_equal(k.accepted, 2); /* the dead connection was not reused */
    assert_int_equal(httpPollHandlesMade(l->http), 2);
    free(u);
    uv_close((uv_handle_t *)&k.srv, NULL);
    loopRunFor(l, 1);
}

/* ratelimit.c directly: waits, unfreezing, bucket moves and the sweep. */
static void test_ratelimit_table(void **state) {
    (void)state;
    rlTable t;
    rlInit(&t);
    rlRoute *a = rlGet(&t, "POST /channels/1/messages");
    rlRoute *b = rlGet(&t, "PATCH /channels/1/messages/9");
    assert_ptr_equal(rlGet(&t, "POST /channels/1/messages"), a);
    assert_ptr_not_equal(a->bucket, b->bucket); /* separate until told */
    double now = 1000;
    assert_float_equal(rlWaitMs(&t, a, now), 0, 0);
    rlLearn(&t, a, "h1", 0, 500, now);
    assert_float_equal(rlWaitMs(&t, a, now + 100), 400, 1e-9);
    rlLearn(&t, b, "h1", 0, 500, now);
    assert_ptr_equal(a->bucket, b->bucket); /* same hash, same major id */
    rlRoute *c = rlGet(&t, "POST /channels/2/messages");
    rlLearn(&t, c, "h1", 5, 500, now);
    assert_ptr_not_equal(c->bucket, a->bucket); /* other major parameter */
    /* After the reset the bucket unfreezes (remaining unknown again). */
    assert_float_equal(rlWaitMs(&t, a, now + 600), 0, 0);
    assert_int_equal(a->bucket->remaining, -1);
    /* A 429 blocks the bucket; a global one blocks everything. */
    rlLimited(&t, a, 300, 0, now);
    assert_float_equal(rlWaitMs(&t, b, now + 100), 200, 1e-9);
    assert_float_equal(rlWaitMs(&t, c, now + 100), 0, 0);
    rlLimited(&t, c, 1000, 1, now);
    assert_float_equal(rlWaitMs(&t, c, now + 100), 900, 1e-9);
    assert_float_equal(rlWaitMs(&t, a, now + 1100), 0, 0);
    /* Local accounting: each send uses one of the remaining. */
    rlLearn(&t, c, NULL, 2, 1000, now + 1100);
    rlSent(c);
    rlSent(c);
    assert_int_equal(c->bucket->remaining, 0);
    assert_true(rlWaitMs(&t, c, now + 1200) > 0);
    c->inflight = 0;
    /* Idle routes are swept once there are many; busy ones stay. */
    a->queued = 1;
    char name[64];
    for (int i = 0; i < RL_SWEEP_AT; i++) {
        snprintf(name, sizeof(name), "GET /guilds/%d", i);
        rlGet(&t, name);
    }
    size_t before = t.nroutes;
    rlSweep(&t, now + 5000);
    assert_true(t.nroutes < before);
    assert_ptr_equal(rlGet(&t, "POST /channels/1/messages"), a);
    a->queued = 0;
    rlFree(&t);
}

/* A group limit (Discord's global 50/s): routes of one group together get
 * at most n requests in flight or answered within the window; other
 * routes are not held. */
/* An urgent request (a Discord interaction callback) is started before
 * requests queued on other routes: with a group letting one request out
 * at a time, the one submitted last (behind eight queued on other routes)
 * is the next to go out after the first. */
static void test_urgent_first(void **state) {
    cbLoop *l = *state;
    enum { N = 8 };
    result r[N + 1] = {{0}};
    char body[32], route[64];
    for (int i = 0; i <= N; i++) {
        int urgent = i == N;
        snprintf(body, sizeof body, "{\"i\":%d}", i);
        snprintf(route, sizeof route, "POST /%s/%d", urgent ? "interactions" : "channels", i);
        char *u = url("/urgent");
        httpRequest req = {.method = "POST", .url = u, .body = body, .route = route,
                           .group = "one", .group_n = 1, .group_window_ms = 1, .urgent = urgent};
        char err[CB_ERRLEN];
        assert_int_equal(httpSubmit(l->http, &req, onDone, &r[i], err), CB_OK);
        free(u);
        if (i == 0) { /* the first is in flight before the others queue */
            double end = cbNowMs() + 3000;
            while (!r[0].done && cbNowMs() < end) loopRunFor(l, 1);
        }
    }
    runUntilDone(l, r, N + 1, 15000);
    json_t *arr = fakeLog();
    int seen = 0, urgent_at = -1;
    size_t k;
    json_t *e;
    json_array_foreach(arr, k, e) {
        const char *p = json_string_value(json_object_get(e, "path"));
        if (!p || strcmp(p, "/urgent") != 0) continue;
        if (json_integer_value(json_object_get(json_object_get(e, "body"), "i")) == N) urgent_at = seen;
        seen++;
    }
    assert_int_equal(seen, N + 1);
    assert_int_equal(urgent_at, 1);
    json_decref(arr);
    for (int i = 0; i <= N; i++) resultFree(&r[i]);
}

/* Requests held by a group limit on several routes go out in the order
 * their routes began to wait (the pump walks the waiting routes in that
 * order, not the route table's hash slots). */
static void test_routes_in_waiting_order(void **state) {
    cbLoop *l = *state;
    enum { N = 8 };
    result r[N] = {{0}};
    char body[32], route[64];
    for (int i = 0; i < N; i++) {
        snprintf(body, sizeof body, "{\"i\":%d}", i);
        snprintf(route, sizeof route, "POST /channels/%d", 1000 + 37 * i);
        char *u = url("/order");
        httpRequest req = {.method = "POST", .url = u, .body = body, .route = route,
                           .group = "one", .group_n = 1, .group_window_ms = 1};
        char err[CB_ERRLEN];
        assert_int_equal(httpSubmit(l->http, &req, onDone, &r[i], err), CB_OK);
        free(u);
    }
    runUntilDone(l, r, N, 15000);
    json_t *arr = fakeLog();
    int seen = 0;
    size_t k;
    json_t *e;
    json_array_foreach(arr, k, e) {
        const char *p = json_string_value(json_object_get(e, "path"));
        if (!p || strcmp(p, "/order") != 0) continue;
        assert_int_equal(json_integer_value(json_object_get(json_object_get(e, "body"), "i")), seen);
        seen++;
    }
    assert_int_equal(seen, N);
    json_decref(arr);
    for (int i = 0; i < N; i++) resultFree(&r[i]);
}

/* More distinct URLs in flight at once than the client keeps parsed (8):
 * the ones past it are set as plain URLs, every request reaches its own
 * path, and the parsed ones serve the next calls to the same URLs. */
static void test_many_urls_in_flight(void **state) {
    cbLoop *l = *state;
    enum { N = 12 };
    result r[2 * N] = {{0}};
    char path[64], route[64];
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < N; i++) {
            snprintf(path, sizeof path, "/many/%d", i);
            snprintf(route, sizeof route, "POST /many/%d", i);
            submit(l, "POST", path, "{}", route, &r[round * N + i]);
        }
        runUntilDone(l, r + round * N, N, 15000);
    }
    for (int i = 0; i < 2 * N; i++) assert_int_equal(r[i].status, 200);
    json_t *arr = fakeLog();
    int hits[N] = {0};
    size_t k;
    json_t *e;
    json_array_foreach(arr, k, e) {
        const char *p = json_string_value(json_object_get(e, "path"));
        int i;
        if (p && sscanf(p, "/many/%d", &i) == 1 && i >= 0 && i < N) hits[i]++;
    }
    for (int i = 0; i < N; i++) assert_int_equal(hits[i], 2);
    json_decref(arr);
    for (int i = 0; i < 2 * N; i++) resultFree(&r[i]);
}

static void test_ratelimit_group(void **state) {
    (void)state;
    rlTable t;
    rlInit(&t);
    rlGroup *g = rlGroupGet(&t, "discord", 50, 1000);
    assert_non_null(g);
    assert_ptr_equal(rlGroupGet(&t, "discord", 50, 1000), g);
    double now = 5000;
    char name[64];
    rlRoute *r[50];
    for (int i = 0; i < 50; i++) { /* 50 channels: 50 routes, one group */
        snprintf(name, sizeof name, "POST /channels/%d/messages", i);
        r[i] = rlGet(&t, name);
        r[i]->group = g;
        assert_float_equal(rlWaitMs(&t, r[i], now), 0, 0);
        rlSent(r[i]);
    }
    rlRoute *r51 = rlGet(&t, "POST /channels/51/messages");
    r51->group = g;
    assert_true(rlWaitMs(&t, r51, now) > 0); /* 50 in flight */
    for (int i = 0; i < 50; i++) rlDoneAt(r[i], now + 100 + i); /* answered at +100..+149 */
    assert_float_equal(rlWaitMs(&t, r51, now + 200), 900, 1e-9);  /* until the 1st answer is 1 s old */
    assert_float_equal(rlWaitMs(&t, r51, now + 1100), 0, 0);
    rlSent(r51);
    assert_float_equal(rlWaitMs(&t, r[0], now + 1100), 1, 1e-9); /* the 2nd answer, +101 */
    rlRoute *other = rlGet(&t, "chat.postMessage");                /* no group: not held */
    assert_float_equal(rlWaitMs(&t, other, now + 200), 0, 0);
    rlDoneAt(r51, now + 1200);
    rlFree(&t);
}

/* Failure logs name the route, but never an Authorization value nor the
 * token that follows an interaction/webhook id. */
static void test_logs_hold_no_secrets(void **state) {
    cbLoop *l = *state;
    FILE *f = tmpfile();
    assert_non_null(f);
    logInit(LOG_DEBUG, 0, f);
    control("{\"path\":\"/cb\",\"push\":[{\"status\":429,\"headers\":{\"Retry-After\":\"0.1\"}},"
            "{\"status\":500},{\"status\":500},{\"status\":500}]}");
    result r = {0};
    char *u = url("/cb");
    httpRequest req = {.method = "POST", .url = u, .body = "{}", .authorization = "Bot TOPSECRETVALUE",
                       .route = "POST /interactions/123/INTERACTIONTOKEN/callback", .max_attempts = 2};
    assert_int_equal(httpSubmit(l->http, &req, onDone, &r, NULL), CB_OK);
    free(u);
    runUntilDone(l, &r, 1, 10000);
    assert_non_null(r.error);
    logInit(LOG_INFO, 0, NULL);
    rewind(f);
    char buf[8192];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = '\0';
    fclose(f);
    assert_non_null(strstr(buf, "http.rate_limited"));
    assert_non_null(strstr(buf, "http.failed"));
    assert_non_null(strstr(buf, "/interactions/123/..."));
    assert_null(strstr(buf, "INTERACTIONTOKEN"));
    assert_null(strstr(buf, "TOPSECRETVALUE"));
    resultFree(&r);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_netlib_loads),
        cmocka_unit_test(test_ratelimit_table),
        cmocka_unit_test(test_ratelimit_group),
        cmocka_unit_test_setup_teardown(test_ok_200, setupLoop, teardownLoop),
        cmocka_unit_test_setup_teardown(test_429_retry_after, setupLoop, teardownLoop),
        cmocka_unit_test_setup_teardown(test_bucket_remaining_zero_waits, setupLoop, teardownLoop),
        cmocka_unit_test_setup_teardown(test_bucket_shared_by_routes, setupLoop, teardownLoop),
        cmocka_unit_test_setup_teardown(test_global_429, setupLoop, teardownLoop),
        cmocka_unit_test_setup_teardown(test_5xx_then_ok, setupLoop, teardownLoop),
        cmocka_unit_test_setup_teardown(test_5xx_forever_gives_up, setupLoop, teardownLoop),
        cmocka_unit_test_setup_teardown(test_4xx_final_at_once, setupLoop, teardownLoop),
        cmocka_unit_test_setup_teardown(test_connection_refused, setupLoop, teardownLoop),
        cmocka_unit_test_setup_teardown(test_body_limit, setupLoop, teardownLoop),
        cmocka_unit_test_setup_teardown(test_timeout, setupLoop, teardownLoop),
        cmocka_unit_test_setup_teardown(test_fifo_one_route, setupLoop, teardownLoop),
        cmocka_unit_test_setup_teardown(test_urgent_first, setupLoop, teardownLoop),
        cmocka_unit_test_setup_teardown(test_routes_in_waiting_order, setupLoop, teardownLoop),
        cmocka_unit_test_setup_teardown(test_many_urls_in_flight, setupLoop, teardownLoop),
        cmocka_unit_test_setup_teardown(test_logs_hold_no_secrets, setupLoop, teardownLoop),
        cmocka_unit_test(test_free_with_pending),
        cmocka_unit_test_setup_teardown(test_submit_rejects_bad_input, setupLoop, teardownLoop),
        cmocka_unit_test_setup_teardown(test_connection_keeps_its_poll_handle, setupLoop, teardownLoop),
        cmocka_unit_test_setup_teardown(test_idle_connection_closed_by_server, setupLoop, teardownLoop),
    };
    return cmocka_run_group_tests(tests, startFake, stopFake);
}
