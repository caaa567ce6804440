/* test_ws.c - the websocket client (bot/net/ws.h) against fake_echo on
 * 127.0.0.1: connect and echo, messages queued before the handshake,
 * ordered bursts, a fragmented 200 kB message reassembled, an oversized
 * message dropped while the connection survives, the peer's close code,
 * a dropped TCP connection (1006), a closed port (1006, no on_open), a bad
 * URL (NULL, no callback), wsClose(1000) as seen by the server, a host
 * name resolved off the loop, a name whose first addresses are IPv6 ones
 * nobody listens on (every address is tried), a name that does not
 * resolve, a close or a loop freed while the name resolves, urgent frames
 * before queued ones, and a silent link (no pong) dropped as 1006. Every
 * wait is bounded with loopRunFor; the fake stops by itself.
 *
 * getaddrinfo is interposed for the one name V6FIRST_HOST, so the test
 * does not depend on /etc/hosts (a stock Debian one lists ::1 first for
 * localhost; this machine's may not): it answers ::1 and 100::1 (the
 * discard prefix) before 127.0.0.1, where the fake listens. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <dlfcn.h>
#include <jansson.h>
#include <netdb.h>

#include "base/common.h"
#include "net/loop.h"
#include "tproc.h"
#include "net/ws.h"

#define V6FIRST_HOST "v6first.careerbot.test"

typedef int gaiFn(const char *, const char *, const struct addrinfo *, struct addrinfo **);

static gaiFn *realGetaddrinfo(void) {
    static gaiFn *real;
    if (!real) *(void **)&real = dlsym(RTLD_NEXT, "getaddrinfo");
    return real;
}

/* The real lookup of each numeric address, chained in this order. */
int getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
                struct addrinfo **res) {
    if (!node || strcmp(node, V6FIRST_HOST) != 0) return realGetaddrinfo()(node, service, hints, res);
    static const char *order[] = {"::1", "100::1", "127.0.0.1"};
    struct addrinfo h, *head = NULL, **tail = &head;
    memset(&h, 0, sizeof(h));
    h.ai_flags = AI_NUMERICHOST;
    h.ai_socktype = SOCK_STREAM;
    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
        struct addrinfo *r = NULL;
        if (realGetaddrinfo()(order[i], service, &h, &r) != 0 || !r) continue;
        *tail = r;
        while (*tail) tail = &(*tail)->ai_next;
    }
    *res = head;
    return head ? 0 : EAI_NONAME;
}

static tpProc fake;
static int fakePort;

static int startFake(void **state) {
    (void)state;
    char *bin = tpBuildPath("san/fake_echo");
    char *argv[] = {bin, "0", "120", NULL};
    fakePort = tpStartFake(&fake, argv);
    free(bin);
    return fakePort > 0 ? 0 : -1;
}

static int stopFake(void **state) {
    (void)state;
    return tpQuitFake(&fake, fakePort) == 0 ? 0 : -1; /* a leak or crash in the fake fails the group */
}

typedef struct wsT {
    cbLoop *l;
    int opened, closed, code, nmsg;
    char reason[128];
    char *last;
    size_t last_len;
    char order[4096]; /* messages joined with ',' (short ones) */
    const char *send_on_open;
} wsT;

static void onOpen(wsConn *c, void *ud) {
    wsT *t = ud;
    t->opened++;
    if (t->send_on_open) wsSend(c, t->send_on_open, strlen(t->send_on_open));
}

static void onMessage(wsConn *c, const char *data, size_t len, void *ud) {
    (void)c;
    wsT *t = ud;
    t->nmsg++;
    free(t->last);
    t->last = cbStrndup(data, len);
    t->last_len = len;
    if (len < 64 && strlen(t->order) + len + 2 < sizeof(t->order)) {
        if (t->order[0]) strcat(t->order, ",");
        strncat(t->order, data, len);
    }
}

static void onClose(wsConn *c, int code, const char *reason, void *ud) {
    (void)c;
    wsT *t = ud;
    t->closed++;
    t->code = code;
    snprintf(t->reason, sizeof(t->reason), "%s", reason);
}

static const wsCallbacks cbs = {onOpen, onMessage, onClose};

static void runUntil(cbLoop *l, int *flag, int want, double ms) {
    double end = cbNowMs() + ms;
    while (*flag < want && cbNowMs() < end) loopRunFor(l, 5);
}

static wsConn *connectT(cbLoop *l, wsT *t, size_t max) {
    char url[128], err[CB_ERRLEN];
    snprintf(url, sizeof(url), "ws://127.0.0.1:%d/socket?x=1", fakePort);
    memset(t, 0, sizeof(*t));
    t->l = l;
    wsConn *c = wsConnect(l, url, &cbs, t, max, err);
    assert_non_null(c);
    return c;
}

static void finish(cbLoop *l, wsT *t) {
    free(t->last);
    t->last = NULL;
    loopFree(l);
}

/* Each test's loop and its connection's record (f->t), freed after the
 * test unless the test freed the loop itself (finishNow). */
typedef struct wsFix {
    cbLoop l;
    wsT t;
    int freed;
} wsFix;

static int loopSetup(void **state) {
    wsFix *f = cbCalloc(1, sizeof(*f));
    char err[CB_ERRLEN];
    if (loopInit(&f->l, NULL, err) != CB_OK) {
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static void finishNow(wsFix *f) {
    finish(&f->l, &f->t);
    f->freed = 1;
}

static int loopTeardown(void **state) {
    wsFix *f = *state;
    if (!f->freed) finish(&f->l, &f->t);
    free(f);
    return 0;
}

/* Count log entries of kind with the given code ("ws_close"). */
static int serverSawClose(int code) {
    char base[64];
    snprintf(base, sizeof(base), "http://127.0.0.1:%d", fakePort);
    json_t *log = tpFakeLog(base);
    int n = 0;
    size_t i;
    json_t *e;
    json_array_foreach(log, i, e) {
        const char *kind = json_string_value(json_object_get(e, "kind"));
        if (kind && strcmp(kind, "ws_close") == 0 &&
            json_integer_value(json_object_get(e, "code")) == code)
            n++;
    }
    json_decref(log);
    return n;
}

static void test_echo_and_client_close(void **state) {
    wsFix *f = *state;
    wsConn *c = connectT(&f->l, &f->t, 1 << 16);
    f->t.send_on_open = "hello";
    runUntil(&f->l, &f->t.nmsg, 1, 5000);
    assert_int_equal(f->t.opened, 1);
    assert_string_equal(f->t.last, "hello");
    int before = serverSawClose(1000);
    wsClose(c, 1000, "bye");
    assert_int_equal(wsSend(c, "late", 4), CB_ERR); /* closing: refused */
    runUntil(&f->l, &f->t.closed, 1, 5000);
    assert_int_equal(f->t.closed, 1);
    assert_int_equal(f->t.code, 1000);
    loopRunFor(&f->l, 100);
    assert_int_equal(serverSawClose(1000), before + 1);
}

static void test_queued_before_open_and_burst_order(void **state) {
    wsFix *f = *state;
    wsConn *c = connectT(&f->l, &f->t, 1 << 16);
    assert_int_equal(wsSend(c, "a", 1), CB_OK); /* before the handshake */
    assert_int_equal(wsSend(c, "b", 1), CB_OK);
    assert_int_equal(wsSend(c, "burst:20", 8), CB_OK);
    runUntil(&f->l, &f->t.nmsg, 22, 5000);
    assert_string_equal(f->t.order, "a,b,m0,m1,m2,m3,m4,m5,m6,m7,m8,m9,m10,m11,m12,m13,m14,m15,"
                                    "m16,m17,m18,m19");
    assert_int_equal(wsQueued(c), 0);
    wsClose(c, 1000, NULL);
    runUntil(&f->l, &f->t.closed, 1, 5000);
    assert_int_equal(f->t.closed, 1);
}

static void test_fragmented_large_message(void **state) {
    wsFix *f = *state;
    wsConn *c = connectT(&f->l, &f->t, 1 << 20);
    f->t.send_on_open = "frag:200000:4096";
    runUntil(&f->l, &f->t.nmsg, 1, 5000);
    assert_int_equal(f->t.nmsg, 1);
    assert_int_equal(f->t.last_len, 200000);
    for (size_t i = 0; i < f->t.last_len; i += 997)
        assert_int_equal(f->t.last[i], 'a' + (int)(i % 26));
    wsClose(c, 1000, NULL);
    runUntil(&f->l, &f->t.closed, 1, 5000);
}

static void test_oversize_dropped_connection_survives(void **state) {
    wsFix *f = *state;
    wsConn *c = connectT(&f->l, &f->t, 1000);
    f->t.send_on_open = "frag:5000:700";
    runUntil(&f->l, &f->t.opened, 1, 5000);
    loopRunFor(&f->l, 200);
    assert_int_equal(f->t.nmsg, 0); /* dropped */
    wsSend(c, "still here", 10);
    runUntil(&f->l, &f->t.nmsg, 1, 5000);
    assert_int_equal(f->t.nmsg, 1);
    assert_string_equal(f->t.last, "still here");
    wsSend(c, "frag:1000:100", 13); /* exactly the limit: kept */
    runUntil(&f->l, &f->t.nmsg, 2, 5000);
    assert_int_equal(f->t.last_len, 1000);
    assert_int_equal(f->t.closed, 0);
    wsClose(c, 1000, NULL);
    runUntil(&f->l, &f->t.closed, 1, 5000);
}

static void test_close_codes(void **state) {
    (void)state;
    static const struct {
        const char *cmd;
        int want;
    } cases[] = {{"close:4004", 4004}, {"close:1001", 1001}, {"close:4014", 4014}, {"drop", 1006}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        cbLoop l;
        char err[CB_ERRLEN];
        assert_int_equal(loopInit(&l, NULL, err), CB_OK);
        wsT t;
        connectT(&l, &t, 1 << 16);
        t.send_on_open = cases[i].cmd;
        runUntil(&l, &t.closed, 1, 8000);
        assert_int_equal(t.opened, 1);
        assert_int_equal(t.closed, 1);
        assert_int_equal(t.code, cases[i].want);
        if (cases[i].want != 1006) assert_string_equal(t.reason, "scripted close");
        finish(&l, &t);
    }
}

static void test_server_timer_message(void **state) {
    wsFix *f = *state;
    wsConn *c = connectT(&f->l, &f->t, 1 << 16);
    f->t.send_on_open = "later:300:tick";
    runUntil(&f->l, &f->t.opened, 1, 5000);
    double t0 = cbNowMs();
    runUntil(&f->l, &f->t.nmsg, 1, 5000);
    assert_string_equal(f->t.last, "tick");
    assert_true(cbNowMs() - t0 >= 250);
    wsClose(c, 4000, "done");
    runUntil(&f->l, &f->t.closed, 1, 5000);
    assert_int_equal(f->t.code, 4000);
}

static void test_loop_free_closes_open_socket(void **state) {
    wsFix *f = *state;
    connectT(&f->l, &f->t, 1 << 16);
    runUntil(&f->l, &f->t.opened, 1, 5000);
    assert_int_equal(f->t.closed, 0);
    finishNow(f); /* loopFree with the socket still open */
    assert_int_equal(f->t.closed, 1);
    assert_int_equal(f->t.code, 1006);
}

static void test_close_before_open(void **state) {
    wsFix *f = *state;
    wsConn *c = connectT(&f->l, &f->t, 1 << 16);
    wsClose(c, 1000, "never mind");
    runUntil(&f->l, &f->t.closed, 1, 5000);
    loopRunFor(&f->l, 100);
    assert_int_equal(f->t.closed, 1);
    assert_int_equal(f->t.opened, 0);
}

static void test_connect_refused(void **state) {
    wsFix *f = *state;
    char err[CB_ERRLEN], url[128];
    snprintf(url, sizeof(url), "ws://127.0.0.1:%d/", tpFreePort());
    wsConn *c = wsConnect(&f->l, url, &cbs, &f->t, 1024, err);
    assert_non_null(c);
    runUntil(&f->l, &f->t.closed, 1, 8000);
    assert_int_equal(f->t.opened, 0);
    assert_int_equal(f->t.closed, 1);
    assert_int_equal(f->t.code, 1006);
    loopRunFor(&f->l, 50);
    assert_int_equal(f->t.closed, 1); /* exactly once */
}

/* A host name is resolved off the loop (uv_getaddrinfo) and then
 * connected to: "localhost" reaches the fake like 127.0.0.1 does. */
static void test_connect_by_name(void **state) {
    wsFix *f = *state;
    char err[CB_ERRLEN], url[128];
    snprintf(url, sizeof(url), "ws://localhost:%d/socket", fakePort);
    f->t.send_on_open = "by name";
    wsConn *c = wsConnect(&f->l, url, &cbs, &f->t, 1024, err);
    assert_non_null(c);
    runUntil(&f->l, &f->t.nmsg, 1, 8000);
    assert_int_equal(f->t.opened, 1);
    assert_string_equal(f->t.last, "by name");
    wsClose(c, 1000, NULL);
    runUntil(&f->l, &f->t.closed, 1, 5000);
    assert_int_equal(f->t.code, 1000);
}

/* A name whose first addresses are IPv6 ones nobody listens on (::1 is
 * refused, 100::1 is a black hole) still connects, to 127.0.0.1: every
 * address is tried, families interleaved. The old client tried only the
 * first and ended in 1006. */
static void test_connect_ipv6_first(void **state) {
    wsFix *f = *state;
    char err[CB_ERRLEN], url[128];
    snprintf(url, sizeof(url), "ws://" V6FIRST_HOST ":%d/socket", fakePort);
    f->t.send_on_open = "v6 first";
    wsConn *c = wsConnect(&f->l, url, &cbs, &f->t, 1024, err);
    assert_non_null(c);
    runUntil(&f->l, &f->t.nmsg, 1, 15000);
    assert_int_equal(f->t.closed, 0);
    assert_int_equal(f->t.opened, 1);
    assert_string_equal(f->t.last, "v6 first");
    wsClose(c, 1000, NULL);
    runUntil(&f->l, &f->t.closed, 1, 5000);
    assert_int_equal(f->t.code, 1000);
    loopRunFor(&f->l, 50);
    assert_int_equal(f->t.opened, 1); /* the losing attempts never surface */
    assert_int_equal(f->t.closed, 1);
}

/* Urgent messages (acks) go out before normal ones queued earlier. */
static void test_urgent_first(void **state) {
    wsFix *f = *state;
    wsConn *c = connectT(&f->l, &f->t, 1 << 16);
    char m[16];
    for (int i = 0; i < 50; i++) {
        snprintf(m, sizeof(m), "n%d", i);
        assert_int_equal(wsSend(c, m, strlen(m)), CB_OK);
    }
    assert_int_equal(wsSendUrgent(c, "u0", 2), CB_OK);
    assert_int_equal(wsSendUrgent(c, "u1", 2), CB_OK);
    runUntil(&f->l, &f->t.nmsg, 52, 8000);
    assert_int_equal(f->t.nmsg, 52);
    assert_memory_equal(f->t.order, "u0,u1,n0,n1,", 12);
    wsClose(c, 1000, NULL);
    runUntil(&f->l, &f->t.closed, 1, 5000);
}

/* Once open, a short frame with nothing before it is written at once (no
 * writeable callback, no loop turn); a long one is queued, and a short one
 * sent after it waits its turn instead of overtaking it. */
static void test_short_frame_written_at_once(void **state) {
    wsFix *f = *state;
    wsConn *c = connectT(&f->l, &f->t, 1 << 16);
    runUntil(&f->l, &f->t.opened, 1, 5000);
    assert_int_equal(f->t.opened, 1);
    assert_int_equal(wsSendUrgent(c, "ack1", 4), CB_OK);
    assert_int_equal(wsQueued(c), 0); /* handed to the socket already */
    char big[2000];
    memset(big, 'b', sizeof(big));
    assert_int_equal(wsSend(c, big, sizeof(big)), CB_OK);
    assert_int_equal(wsQueued(c), 1);
    assert_int_equal(wsSend(c, "after", 5), CB_OK);
    assert_int_equal(wsQueued(c), 2); /* the long one goes first */
    runUntil(&f->l, &f->t.nmsg, 3, 5000);
    assert_int_equal(f->t.nmsg, 3);
    assert_string_equal(f->t.order, "ack1,after"); /* the long one is not listed */
    assert_string_equal(f->t.last, "after");
    assert_int_equal(wsQueued(c), 0);
    wsClose(c, 1000, NULL);
    runUntil(&f->l, &f->t.closed, 1, 5000);
}

/* A peer that stops answering (no data, no pong) is dropped after dead_ms
 * and reported as 1006, instead of after 90 s. */
static void test_silent_link_dropped(void **state) {
    wsFix *f = *state;
    wsConn *c = connectT(&f->l, &f->t, 1 << 16);
    wsOptions o = {.ping_ms = 100, .dead_ms = 600};
    wsSetOptions(c, &o);
    f->t.send_on_open = NULL;
    runUntil(&f->l, &f->t.opened, 1, 5000);
    assert_int_equal(wsSend(c, "freeze", 6), CB_OK);
    runUntil(&f->l, &f->t.closed, 1, 15000);
    assert_int_equal(f->t.closed, 1);
    assert_int_equal(f->t.code, 1006);
    assert_non_null(strstr(f->t.reason, "no frame or pong"));
}

/* A name that cannot resolve ends in on_close(1006) once, never on_open. */
static void test_dns_failure(void **state) {
    wsFix *f = *state;
    char err[CB_ERRLEN];
    wsConn *c = wsConnect(&f->l, "ws://a..b:1/x", &cbs, &f->t, 1024, err); /* an empty label */
    assert_non_null(c);
    runUntil(&f->l, &f->t.closed, 1, 10000);
    loopRunFor(&f->l, 50);
    assert_int_equal(f->t.opened, 0);
    assert_int_equal(f->t.closed, 1);
    assert_int_equal(f->t.code, 1006);
    assert_string_equal(f->t.reason, "cannot resolve the host");
}

/* wsClose while the name resolves: on_close with our code, once; and a
 * loop freed while a name resolves reports 1006 and starts nothing. */
static void test_close_while_resolving(void **state) {
    wsFix *f = *state;
    char err[CB_ERRLEN], url[128];
    snprintf(url, sizeof(url), "ws://localhost:%d/socket", fakePort);
    wsConn *c = wsConnect(&f->l, url, &cbs, &f->t, 1024, err);
    assert_non_null(c);
    wsClose(c, 4000, "changed my mind");
    runUntil(&f->l, &f->t.closed, 1, 8000);
    loopRunFor(&f->l, 100);
    assert_int_equal(f->t.closed, 1);
    assert_int_equal(f->t.opened, 0);
    assert_int_equal(f->t.code, 4000);
    finishNow(f);
    cbLoop l2;
    assert_int_equal(loopInit(&l2, NULL, err), CB_OK);
    wsT t2;
    memset(&t2, 0, sizeof(t2));
    assert_non_null(wsConnect(&l2, url, &cbs, &t2, 1024, err));
    finish(&l2, &t2); /* loopFree with the lookup pending */
    assert_int_equal(t2.closed, 1);
    assert_int_equal(t2.opened, 0);
    assert_int_equal(t2.code, 1006);
}

static void test_bad_urls(void **state) {
    wsFix *f = *state;
    static const char *bad[] = {"http://127.0.0.1/", "ws://", "ws://:80/", "ws://host:0/",
                                "ws://host:70000/", "wss://host:12x/", "ftp://x", ""};
    char err[CB_ERRLEN];
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        err[0] = '\0';
        assert_null(wsConnect(&f->l, bad[i], &cbs, &f->t, 1024, err));
        assert_true(strlen(err) > 0);
    }
    loopRunFor(&f->l, 20);
    assert_int_equal(f->t.closed + f->t.opened, 0);
}

/* A test with its own loop (wsFix). */
#define WS_TEST(fn) cmocka_unit_test_setup_teardown(fn, loopSetup, loopTeardown)

int main(void) {
    const struct CMUnitTest tests[] = {
        WS_TEST(test_echo_and_client_close),
        WS_TEST(test_queued_before_open_and_burst_order),
        WS_TEST(test_fragmented_large_message),
        WS_TEST(test_oversize_dropped_connection_survives),
        cmocka_unit_test(test_close_codes),
        WS_TEST(test_server_timer_message),
        WS_TEST(test_loop_free_closes_open_socket),
        WS_TEST(test_close_before_open),
        WS_TEST(test_connect_refused),
        WS_TEST(test_connect_by_name),
        WS_TEST(test_connect_ipv6_first),
        WS_TEST(test_urgent_first),
        WS_TEST(test_short_frame_written_at_once),
        WS_TEST(test_silent_link_dropped),
        WS_TEST(test_dns_failure),
        WS_TEST(test_close_while_resolving),
        WS_TEST(test_bad_urls),
    };
    return cmocka_run_group_tests(tests, startFake, stopFake);
}
