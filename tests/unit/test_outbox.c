/* test_outbox.c - the queue every chat platform shares
 * (bot/platform/outbox.h): jobs are answered in arrival order and only
 * while fewer than max_inflight pieces of work are out; a full queue is a
 * clear error, not a crash; a release pumps the next job and then tells
 * the owner (settled), so a drain check sees the queue already moved; a
 * REST call's done runs once from the loop with its ud; an outbox freed
 * with work out lives until the last piece, whose callback sees no owner
 * (ASan fails a leak or a use after free); a queued job's fields come
 * back as given, NULLs kept, ids that are numbers packed as 8 bytes and
 * printed back the same; what the queue holds is counted in bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <cmocka.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/common.h"
#include "net/http.h"
#include "net/loop.h"
#include "platform/outbox.h"

#define MAX_SEEN 16

typedef struct owner {
    outbox *ob;
    char seen[MAX_SEEN][32]; /* what happened, in order */
    size_t nseen;
    outboxHold *holds[MAX_SEEN]; /* one per answered job */
    size_t nholds;
} owner;

static void note(owner *o, const char *what) {
    assert_true(o->nseen < MAX_SEEN);
    snprintf(o->seen[o->nseen++], sizeof o->seen[0], "%s", what);
}

/* An answer that stays in flight until the test releases it. */
static void answer(void *ud, const outboxJob *j) {
    owner *o = ud;
    char what[32];
    snprintf(what, sizeof what, "answer %s%s", j->text, j->is_dm ? " dm" : "");
    note(o, what);
    o->holds[o->nholds++] = outboxHoldNew(o->ob);
}

static void settled(void *ud) {
    owner *o = ud;
    char what[32];
    snprintf(what, sizeof what, "settled q=%zu f=%zu", outboxQueued(o->ob), outboxInFlight(o->ob));
    note(o, what);
}

static const outboxOps ops = {answer, settled, NULL};

static void schedule(void *ud) {
    note(ud, "schedule");
}

static const outboxOps deferredOps = {answer, settled, schedule};

static outbox *newOutbox(owner *o, size_t max_jobs, size_t max_inflight) {
    memset(o, 0, sizeof *o);
    outboxOptions opt = {.name = "test", .max_jobs = max_jobs, .max_inflight = max_inflight};
    o->ob = outboxNew(&opt, &ops, o);
    return o->ob;
}

static void queue(owner *o, const char *text, int want) {
    char err[CB_ERRLEN] = "";
    outboxJob j = {.text = text, .channel = "C1", .user = "U1"};
    assert_int_equal(outboxQueue(o->ob, &j, err), want);
    if (want == CB_ERR) assert_non_null(strstr(err, "waiting"));
}

static void testFifoAndLimit(void **state) {
    (void)state;
    owner o;
    outbox *ob = newOutbox(&o, 10, 2);
    queue(&o, "a", CB_OK);
    queue(&o, "b", CB_OK);
    queue(&o, "c", CB_OK); /* two are out: c waits */
    assert_int_equal(o.nseen, 2);
    assert_int_equal(outboxInFlight(ob), 2);
    assert_int_equal(outboxQueued(ob), 1);
    outboxRelease(o.holds[0]); /* a is done: c goes, then the owner hears */
    assert_int_equal(o.nseen, 4);
    assert_string_equal(o.seen[0], "answer a");
    assert_string_equal(o.seen[1], "answer b");
    assert_string_equal(o.seen[2], "answer c");
    assert_string_equal(o.seen[3], "settled q=0 f=2");
    outboxRelease(o.holds[1]);
    outboxRelease(o.holds[2]);
    assert_string_equal(o.seen[5], "settled q=0 f=0");
    assert_int_equal(outboxInFlight(ob), 0);
    outboxFree(ob);
}

/* With ops->schedule, queueing and completions never answer inline (Slack:
 * a socket callback acks, it does not answer); the owner pumps from the
 * loop with outboxPumpFor, which says whether work is left. */
static void testDeferredPump(void **state) {
    (void)state;
    owner o;
    memset(&o, 0, sizeof o);
    outboxOptions opt = {.name = "test", .max_jobs = 10, .max_inflight = 2};
    outbox *ob = o.ob = outboxNew(&opt, &deferredOps, &o);
    queue(&o, "a", CB_OK);
    queue(&o, "b", CB_OK);
    queue(&o, "c", CB_OK);
    assert_int_equal(outboxInFlight(ob), 0); /* nothing answered inside outboxQueue */
    assert_string_equal(o.seen[0], "schedule");
    assert_int_equal(outboxPumpFor(ob, 0), 0); /* a, b out; c waits for a slot: nothing to do now */
    assert_int_equal(outboxInFlight(ob), 2);
    assert_int_equal(outboxQueued(ob), 1);
    size_t before = o.nseen;
    outboxRelease(o.holds[0]); /* a slot: the owner is asked, c is not answered inline */
    assert_string_equal(o.seen[before], "schedule");
    assert_int_equal(outboxQueued(ob), 1);
    assert_int_equal(outboxPumpFor(ob, 0), 0);
    assert_int_equal(outboxQueued(ob), 0);
    outboxRelease(o.holds[1]);
    outboxRelease(o.holds[2]);
    assert_int_equal(outboxInFlight(ob), 0);
    outboxFree(ob);
}

static void testFullQueueRefuses(void **state) {
    (void)state;
    owner o;
    outbox *ob = newOutbox(&o, 2, 1);
    queue(&o, "a", CB_OK); /* answered: in flight */
    queue(&o, "b", CB_OK);
    queue(&o, "c", CB_OK);
    queue(&o, "d", CB_ERR); /* b and c wait: the queue is full */
    assert_int_equal(outboxQueued(ob), 2);
    outboxRelease(o.holds[0]); /* b goes out; there is room again */
    queue(&o, "e", CB_OK);
    assert_int_equal(outboxQueued(ob), 2);
    outboxFree(ob); /* c and e are dropped, b is still out */
    outboxRelease(o.holds[1]); /* the last piece frees the outbox */
    assert_int_equal(o.nholds, 2);
}

/* A bound in bytes refuses what would pass it, logged like a full queue
 * (one long question can fill what many short ones would), and takes
 * questions again once some are answered. */
static void testByteBound(void **state) {
    (void)state;
    owner o;
    outbox *probe = newOutbox(&o, 10, 1);
    queue(&o, "a", CB_OK); /* answered: in flight, not queued */
    queue(&o, "b", CB_OK);
    size_t one = outboxQueuedBytes(probe); /* what one short question holds */
    assert_true(one > 0);
    outboxFree(probe);
    outboxRelease(o.holds[0]);
    memset(&o, 0, sizeof o);
    outboxOptions opt = {.name = "test", .max_jobs = 100, .max_bytes = 3 * one, .max_inflight = 1};
    outbox *ob = o.ob = outboxNew(&opt, &ops, &o);
    queue(&o, "a", CB_OK); /* in flight */
    queue(&o, "b", CB_OK);
    queue(&o, "c", CB_OK);
    queue(&o, "d", CB_OK); /* three queued: the bound */
    queue(&o, "e", CB_ERR);
    assert_int_equal(outboxQueued(ob), 3);
    assert_int_equal(outboxQueuedBytes(ob), 3 * one);
    outboxRelease(o.holds[0]); /* a done: b goes out, there is room */
    queue(&o, "e", CB_OK);
    char big[512];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_true(sizeof big > 3 * one);
    queue(&o, big, CB_ERR); /* more than the bound alone */
    assert_int_equal(outboxQueued(ob), 3);
    outboxFree(ob); /* c, d, e dropped; b is still out */
    outboxRelease(o.holds[1]);
}

static void testDropJobs(void **state) {
    (void)state;
    owner o;
    outbox *ob = newOutbox(&o, 10, 1);
    queue(&o, "a", CB_OK);
    queue(&o, "b", CB_OK);
    outboxDropJobs(ob);
    assert_int_equal(outboxQueued(ob), 0);
    outboxRelease(o.holds[0]);
    assert_int_equal(o.nholds, 1); /* b was never answered */
    outboxFree(ob);
}

static void testHoldOwnerAfterFree(void **state) {
    (void)state;
    owner o;
    outbox *ob = newOutbox(&o, 10, 4);
    outboxHold *h = outboxHoldNew(ob);
    assert_ptr_equal(outboxHoldOwner(h), &o);
    outboxFree(ob);
    assert_null(outboxHoldOwner(h)); /* a vote committed late sends nothing */
    size_t before = o.nseen;
    outboxRelease(h);
    assert_int_equal(o.nseen, before); /* no settled call to a freed owner */
}

/* ---- REST calls: a port nothing listens on answers at once, refused ---- */

typedef struct callResult {
    int calls;
    void *owner;
    long status;
    int had_error;
} callResult;

static void onDone(void *own, void *ud, const httpResponse *res) {
    callResult *r = ud;
    r->calls++;
    r->owner = own;
    r->status = res->status;
    r->had_error = res->error != NULL;
}

static int closedPort(void) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t n = sizeof a;
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &n), 0);
    close(fd);
    return ntohs(a.sin_port);
}

static void runUntil(cbLoop *l, const int *flag) {
    for (int i = 0; i < 2000 && !*flag; i++) loopRunFor(l, 5); /* at most ~10 s */
}

static void sendRefused(owner *o, cbLoop *l, callResult *r) {
    char *u = cbSprintf("http://127.0.0.1:%d/x", closedPort());
    httpRequest req = {.method = "POST", .url = u, .body = "{}", .route = "x", .max_attempts = 1,
                       .timeout_ms = 5000};
    char err[CB_ERRLEN];
    assert_int_equal(outboxSend(o->ob, l->http, &req, onDone, r, err), CB_OK);
    free(u);
    assert_int_equal(r->calls, 0); /* never from inside outboxSend */
    assert_int_equal(outboxInFlight(o->ob), 1);
}

static void testSendDone(void **state) {
    (void)state;
    cbLoop l;
    char err[CB_ERRLEN];
    assert_int_equal(loopInit(&l, NULL, err), CB_OK);
    owner o;
    newOutbox(&o, 10, 4);
    callResult r = {0};
    sendRefused(&o, &l, &r);
    runUntil(&l, &r.calls);
    assert_int_equal(r.calls, 1);
    assert_ptr_equal(r.owner, &o);
    assert_int_equal(r.status, 0);
    assert_true(r.had_error);
    assert_int_equal(outboxInFlight(o.ob), 0);
    assert_string_equal(o.seen[o.nseen - 1], "settled q=0 f=0"); /* after done */
    httpRequest bad = {.method = "GET", .url = "http://127.0.0.1:1/", .route = "x"};
    assert_int_equal(outboxSend(o.ob, NULL, &bad, onDone, &r, err), CB_ERR);
    assert_int_equal(outboxInFlight(o.ob), 0);
    outboxFree(o.ob);
    loopFree(&l);
}

static void testSendOutlivesOwner(void **state) {
    (void)state;
    cbLoop l;
    char err[CB_ERRLEN];
    assert_int_equal(loopInit(&l, NULL, err), CB_OK);
    owner o;
    newOutbox(&o, 10, 4);
    callResult r = {0};
    sendRefused(&o, &l, &r);
    outboxFree(o.ob); /* the transport is freed with the call out */
    runUntil(&l, &r.calls);
    assert_int_equal(r.calls, 1);
    assert_null(r.owner);
    loopFree(&l);
}

/* An answer that writes down every field of the job it got. */
static void answerFields(void *ud, const outboxJob *j) {
    owner *o = ud;
    const char *f[] = {j->text, j->user, j->channel, j->thread, j->team};
    char what[32] = "";
    for (size_t i = 0; i < CB_ARRAY_LEN(f); i++) {
        size_t n = strlen(what);
        snprintf(what + n, sizeof what - n, "%s|", f[i] ? f[i] : "-");
    }
    strncat(what, j->is_dm ? "dm" : "ch", sizeof what - strlen(what) - 1);
    note(o, what);
    o->holds[o->nholds++] = outboxHoldNew(o->ob);
}

static const outboxOps fieldOps = {answerFields, NULL, NULL};

/* A queued job comes back with each field as given (NULL as NULL, an
 * empty string as empty; no text: empty), whatever its neighbours. */
static void testJobFieldsKept(void **state) {
    (void)state;
    owner o;
    memset(&o, 0, sizeof o);
    outboxOptions opt = {.name = "test", .max_jobs = 10, .max_inflight = 1};
    outbox *ob = o.ob = outboxNew(&opt, &fieldOps, &o);
    const outboxJob jobs[] = {
        {.text = "busy", .user = "U0", .channel = "C0"},
        {.text = "hi", .user = "U1", .channel = "C1", .thread = "1.2", .team = "T1", .is_dm = 1},
        {.text = NULL, .user = NULL, .channel = "C2", .thread = NULL, .team = "T2"},
        {.text = "", .user = "", .channel = "", .thread = "", .team = NULL, .is_dm = 7},
    };
    const char *want[] = {"busy|U0|C0|-|-|ch", "hi|U1|C1|1.2|T1|dm", "|-|C2|-|T2|ch", "||||-|dm"};
    char err[CB_ERRLEN];
    for (size_t i = 0; i < CB_ARRAY_LEN(jobs); i++)
        assert_int_equal(outboxQueue(ob, &jobs[i], err), CB_OK);
    assert_int_equal(outboxQueued(ob), 3); /* the first is out; the rest were packed */
    for (size_t i = 0; i < CB_ARRAY_LEN(jobs); i++) {
        assert_int_equal(o.nseen, i + 1);
        assert_string_equal(o.seen[i], want[i]);
        outboxRelease(o.holds[i]);
    }
    outboxFree(ob);
}

/* Ids given as numbers come back as the same text: plain decimals are
 * packed, anything printing would change (a leading zero, 20 digits, a
 * sign, a letter) is kept as text. */
static const char *const idCases[][4] = {
    {"0", "1", "1234567890123456789", "999999999999999999"},
    {"007", "12345678901234567890", "18446744073709551615", "-1"},
    {"12a", " 1", "1.5", "100000000000000001"},
};
static size_t idSeen;

static void answerIds(void *ud, const outboxJob *j) {
    owner *o = ud;
    const char *const *want = idCases[idSeen++];
    assert_string_equal(j->user, want[0]);
    assert_string_equal(j->channel, want[1]);
    assert_string_equal(j->thread, want[2]);
    assert_string_equal(j->team, want[3]);
    assert_string_equal(j->text, "why?");
    o->holds[o->nholds++] = outboxHoldNew(o->ob);
}

static const outboxOps idOps = {answerIds, NULL, NULL};

static void testNumericIdsKept(void **state) {
    (void)state;
    owner o;
    memset(&o, 0, sizeof o);
    idSeen = 0;
    outboxOptions opt = {.name = "test", .max_jobs = 10, .max_inflight = 1};
    outbox *ob = o.ob = outboxNew(&opt, &idOps, &o);
    char err[CB_ERRLEN];
    for (size_t i = 0; i < CB_ARRAY_LEN(idCases); i++) {
        outboxJob j = {.text = "why?", .user = idCases[i][0], .channel = idCases[i][1],
                       .thread = idCases[i][2], .team = idCases[i][3]};
        assert_int_equal(outboxQueue(ob, &j, err), CB_OK);
    }
    for (size_t i = 0; i < CB_ARRAY_LEN(idCases); i++) outboxRelease(o.holds[i]);
    assert_int_equal(idSeen, CB_ARRAY_LEN(idCases));
    outboxFree(ob);
}

/* A Discord mention waiting in a backlog (four snowflakes and its text)
 * costs its text and 8 bytes an id, so 19,000 of them stay under 2 MB;
 * what the queue holds is counted and given back as it is answered. */
static void testQueuedJobIsSmall(void **state) {
    (void)state;
    owner o;
    outbox *ob = newOutbox(&o, 100, 1);
    static const char text[] = "should I learn django or flask?";
    outboxJob j = {.text = text, .user = "100000000000000042", .channel = "200000000000000007",
                   .thread = "1300000000000000123", .team = "400000000000000001"};
    char err[CB_ERRLEN];
    assert_int_equal(outboxQueue(ob, &j, err), CB_OK); /* answered at once: held */
    assert_int_equal(outboxQueuedBytes(ob), 0);
    assert_int_equal(outboxQueue(ob, &j, err), CB_OK);
    assert_int_equal(outboxQueue(ob, &j, err), CB_OK);
    size_t each = outboxQueuedBytes(ob) / 2;
    assert_true(each <= 24 + sizeof text + 4 * 8); /* the ids as text took 78 bytes */
    assert_true(each >= sizeof text + 4 * 8);
    outboxRelease(o.holds[0]);
    assert_int_equal(outboxQueuedBytes(ob), each);
    outboxRelease(o.holds[1]);
    outboxRelease(o.holds[2]);
    assert_int_equal(outboxQueuedBytes(ob), 0);
    outboxFree(ob);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testFifoAndLimit),   cmocka_unit_test(testFullQueueRefuses),
        cmocka_unit_test(testDeferredPump),   cmocka_unit_test(testJobFieldsKept),
        cmocka_unit_test(testByteBound),
        cmocka_unit_test(testDropJobs),       cmocka_unit_test(testHoldOwnerAfterFree),
        cmocka_unit_test(testSendDone),       cmocka_unit_test(testSendOutlivesOwner),
        cmocka_unit_test(testNumericIdsKept), cmocka_unit_test(testQueuedJobIsSmall),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
