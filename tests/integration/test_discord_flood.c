/* test_discord_flood.c - the Discord transport under a flood, against the
 * fake: a burst of mentions several times larger than the in-flight cap
 * (DC_MAX_INFLIGHT) is answered completely, each message exactly once and
 * in arrival order per channel, while never more than the cap of REST
 * calls is out (the rest wait as small jobs: bounded memory); a 429 in the
 * middle delays but loses nothing; and a graceful shutdown with messages
 * still queued answers them all before closing the gateway with 1000.
 * White-box where it must be: it reads the transport's outbox through
 * discord_int.h to see the cap and the queue. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "discord_harness.h"
#include "platform/discord/discord_int.h"

#define FL_BASE 700000000000000000LL /* the fake's bench message ids */
#define FL_CHANNELS 3

typedef struct flWatch {
    size_t max_inflight, max_jobs;
} flWatch;

/* A POST the fake answered with a 429 is not a reply (its retry is). */
static int flIs429(const json_t *e) {
    return json_integer_value(json_object_get(e, "status")) == 429;
}

static size_t flCountReplies(dhFixture *f) {
    size_t i, n = 0;
    json_t *e;
    json_array_foreach(f->log, i, e) n += dhMatch(e, "http", "/messages", -1) && !flIs429(e);
    return n;
}

/* Spin the bot until n replies to /messages arrived (<= ms), recording the
 * transport's peak in-flight and queue sizes. */
static int flWait(dhFixture *f, size_t n, double ms, flWatch *w) {
    discord *d = f->t->priv;
    double end = cbNowMs() + ms, next_fetch = 0;
    for (;;) {
        dhSpin(f, 2);
        if (outboxInFlight(d->ob) > w->max_inflight) w->max_inflight = outboxInFlight(d->ob);
        if (outboxQueued(d->ob) > w->max_jobs) w->max_jobs = outboxQueued(d->ob);
        if (cbNowMs() >= next_fetch) {
            dhFetchLog(f);
            if (flCountReplies(f) >= n) return 1;
            next_fetch = cbNowMs() + 100;
        }
        if (cbNowMs() > end || f->stopped) return 0;
    }
}

/* Every bench id 0..n-1 answered exactly once, and on each channel in
 * increasing order (= arrival order: the fake numbers them as it sends). */
static void flCheckReplies(dhFixture *f, size_t n) {
    char *seen = calloc(n, 1);
    long long last[FL_CHANNELS];
    for (int c = 0; c < FL_CHANNELS; c++) last[c] = -1;
    size_t i, got = 0;
    json_t *e;
    json_array_foreach(f->log, i, e) {
        if (!dhMatch(e, "http", "/messages", -1) || flIs429(e)) continue;
        const char *path = dhS(e, "path");
        const char *mid = dhS(json_object_get(json_object_get(e, "body"), "message_reference"), "message_id");
        assert_non_null(mid);
        long long k = atoll(mid) - FL_BASE;
        assert_true(k >= 0 && (size_t)k < n);
        assert_int_equal(seen[k], 0); /* once */
        seen[k] = 1;
        int ch = (int)(k % FL_CHANNELS);
        char want[64];
        snprintf(want, sizeof want, "/channels/%lld/messages", 600000000000000001LL + ch);
        assert_non_null(strstr(path, want)); /* to the channel it came from */
        assert_true(k > last[ch]);           /* in order on that channel */
        last[ch] = k;
        got++;
    }
    assert_int_equal(got, n);
    free(seen);
}

static void flBurst(dhFixture *f, size_t n) {
    dhCmdf(f, "{\"cmd\":\"burst\",\"n\":%zu,\"rate\":0,\"per_tick\":100,\"channels\":%d,"
              "\"channel_id\":\"600000000000000001\",\"content\":\"<@" DH_BOT "> should I learn django or flask?\"}",
           n, FL_CHANNELS);
}

static void testFloodAnsweredInOrder(void **state) {
    (void)state;
    enum { N = 5 * DC_MAX_INFLIGHT };
    dhFixture f;
    assert_int_equal(dhStart(&f, DH_TOKEN, 1), CB_OK);
    flWatch w = {0};
    flBurst(&f, N);
    assert_true(flWait(&f, N, 30000, &w));
    dhSpin(&f, 200); /* nothing more arrives */
    dhFetchLog(&f);
    flCheckReplies(&f, N);
    assert_true(w.max_inflight <= DC_MAX_INFLIGHT);
    assert_true(w.max_jobs > 0); /* the flood did queue */
    assert_int_equal(dhStop(&f), 0);
}

static void testFloodThrough429(void **state) {
    (void)state;
    enum { N = 3 * DC_MAX_INFLIGHT };
    dhFixture f;
    assert_int_equal(dhStart(&f, DH_TOKEN, 1), CB_OK);
    dhCmd(&f, "{\"cmd\":\"rate_limit\",\"count\":3,\"retry_after\":0.3,\"global\":false}");
    flWatch w = {0};
    flBurst(&f, N);
    assert_true(flWait(&f, N, 30000, &w)); /* the three 429'd tries are not counted */
    dhSpin(&f, 200);
    dhFetchLog(&f);
    /* the 429'd attempts are logged too: count distinct replies by id */
    size_t i, replied = 0;
    json_t *e;
    char *seen = calloc(N, 1);
    json_array_foreach(f.log, i, e) {
        if (!dhMatch(e, "http", "/messages", -1)) continue;
        const char *mid = dhS(json_object_get(json_object_get(e, "body"), "message_reference"), "message_id");
        long long k = mid ? atoll(mid) - FL_BASE : -1;
        if (k >= 0 && k < N && !seen[k]) seen[k] = 1, replied++;
    }
    free(seen);
    assert_int_equal(replied, N);
    assert_true(w.max_inflight <= DC_MAX_INFLIGHT);
    assert_int_equal(dhStop(&f), 0);
}

/* Discord's global limit (50 requests/s, all routes together) is kept
 * proactively: 200 mentions in 200 channels (200 routes, so no per-route
 * bucket slows them) take at least 3 windows to answer; the old bot sent
 * them as fast as its 64 REST slots allowed. The bot counts requests in
 * flight or answered within the last second, so by the fake's own clock
 * the (k+50)-th arrives >= 1 s after the k-th whatever the delays: no
 * global 429, and a span of at least 3 s; neither can fail by slowness. */
static void testGlobalLimitKept(void **state) {
    (void)state;
    enum { N = 200 };
    dhFixture f;
    assert_int_equal(dhStart(&f, DH_TOKEN, 1), CB_OK);
    dhCmdf(&f, "{\"cmd\":\"burst\",\"n\":%d,\"rate\":0,\"per_tick\":100,\"channels\":%d,"
               "\"channel_id\":\"600000000000000001\",\"content\":\"<@" DH_BOT "> should I learn django or flask?\"}",
           N, N);
    flWatch w = {0};
    assert_true(flWait(&f, N, 60000, &w));
    dhFetchLog(&f);
    double first = -1, last = -1;
    size_t i, posts = 0;
    json_t *e;
    json_array_foreach(f.log, i, e) {
        if (!dhMatch(e, "http", "/messages", -1)) continue;
        double t = json_number_value(json_object_get(e, "t"));
        if (first < 0) first = t;
        last = t;
        posts++;
    }
    fprintf(stderr, "global limit: %zu posts over %.0f ms\n", posts, last - first);
    assert_int_equal(posts, N);      /* not one global 429 from the fake */
    assert_true(last - first >= 3000); /* the 151st >= 1 s after the 101st, and so on */
    assert_int_equal(dhStop(&f), 0);
}

static void testShutdownDrainsQueue(void **state) {
    (void)state;
    enum { N = 4 * DC_MAX_INFLIGHT };
    dhFixture f;
    assert_int_equal(dhStart(&f, DH_TOKEN, 1), CB_OK);
    discord *d = f.t->priv;
    flBurst(&f, N);
    double end = cbNowMs() + 10000;
    /* every slot taken and messages waiting for one (queued alone is not
     * enough: mentions are answered from the loop's idle turn) */
    while (!(outboxQueued(d->ob) > 0 && outboxInFlight(d->ob) >= DC_MAX_INFLIGHT) && cbNowMs() < end)
        dhSpin(&f, 1);
    assert_true(outboxQueued(d->ob) > 0); /* messages are waiting */
    assert_true(outboxInFlight(d->ob) >= DC_MAX_INFLIGHT);
    f.t->type->shutdown(f.t);
    end = cbNowMs() + 30000;
    while (f.t->type->in_flight(f.t) > 0 && cbNowMs() < end) dhSpin(&f, 10);
    assert_int_equal(f.t->type->in_flight(f.t), 0);
    dhSpin(&f, 200);
    dhFetchLog(&f);
    size_t received = dhCount(&f, "http", "/messages", -1);
    assert_true(received > DC_MAX_INFLIGHT); /* the queued ones too */
    /* everything the bot had read was answered before the close */
    json_t *close = dhNth(&f, "ws_close", NULL, -1, 0);
    assert_non_null(close);
    assert_int_equal(json_integer_value(json_object_get(close, "code")), 1000);
    size_t i, after_close = 0, seen_close = 0;
    json_t *e;
    json_array_foreach(f.log, i, e) {
        if (e == close) seen_close = 1;
        else if (seen_close && dhMatch(e, "http", "/messages", -1)) after_close++;
    }
    assert_int_equal(after_close, 0);
    assert_int_equal(dhStop(&f), 0);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testFloodAnsweredInOrder),
        cmocka_unit_test(testFloodThrough429),
        cmocka_unit_test(testGlobalLimitKept),
        cmocka_unit_test(testShutdownDrainsQueue),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
