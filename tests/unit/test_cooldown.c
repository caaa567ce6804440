/* test_cooldown.c - per-user and per-channel cooldowns: the table (allow,
 * warn once, then silent until the cooldown has passed; keys apart; the
 * bound holds with many keys; 0 turns it off), and appAnswer with them on:
 * a second question from one user gets "slow down", a third nothing, other
 * users and DMs keep their own counts, the console has no cooldowns, the
 * notice is counted in /metrics. Also log.question_text at level info.
 * Times are given to the table, never slept for, except one short wait
 * that only has to be at least as long as a 1 ms cooldown. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/process.h"
#include "app/cooldown.h"
#include "base/common.h"
#include "base/log.h"
#include "ops/metrics.h"

static void test_table_allow_warn_silent(void **state) {
    (void)state;
    coolTable t;
    cdInit(&t, 1000, 64);
    assert_int_equal(cdCheck(&t, "u1", 0), COOL_ALLOW);
    cdRecord(&t, "u1", 0, COOL_ALLOW);
    assert_int_equal(cdCheck(&t, "u1", 10), COOL_WARN);
    cdRecord(&t, "u1", 10, COOL_WARN);
    assert_int_equal(cdCheck(&t, "u1", 20), COOL_SILENT);
    cdRecord(&t, "u1", 20, COOL_SILENT);
    assert_int_equal(cdCheck(&t, "u1", 999), COOL_SILENT);
    assert_float_equal(cdWaitSeconds(&t, "u1", 500), 0.5, 1e-9);
    assert_int_equal(cdCheck(&t, "u2", 20), COOL_ALLOW); /* keys apart */
    assert_int_equal(cdCheck(&t, "u1", 1000), COOL_ALLOW); /* passed since the answer */
    cdRecord(&t, "u1", 1000, COOL_ALLOW);
    assert_int_equal(cdCheck(&t, "u1", 1500), COOL_WARN); /* warned again after a new answer */
    assert_int_equal(cdCheck(&t, NULL, 1500), COOL_ALLOW);
    assert_int_equal(cdCheck(&t, "", 1500), COOL_ALLOW);
    cdFree(&t);
}

static void test_table_off_and_worse(void **state) {
    (void)state;
    coolTable t;
    cdInit(&t, 0, 64);
    cdRecord(&t, "u", 0, COOL_ALLOW);
    assert_int_equal(cdCheck(&t, "u", 1), COOL_ALLOW);
    cdFree(&t);
    assert_int_equal(cdWorse(COOL_ALLOW, COOL_WARN), COOL_WARN);
    assert_int_equal(cdWorse(COOL_SILENT, COOL_WARN), COOL_SILENT);
    assert_int_equal(cdWorse(COOL_ALLOW, COOL_ALLOW), COOL_ALLOW);
}

/* 100,000 keys in a 64-key table: memory stays as allocated, recent keys
 * are remembered, and an evicted key is simply allowed (never stuck). */
static void test_table_bound(void **state) {
    (void)state;
    coolTable t;
    cdInit(&t, 1e9, 64);
    assert_int_equal(t.nbuckets * 8, 64);
    char k[32];
    for (int i = 0; i < 100000; i++) {
        snprintf(k, sizeof k, "user%d", i);
        assert_int_equal(cdCheck(&t, k, i), COOL_ALLOW);
        cdRecord(&t, k, i, COOL_ALLOW);
        assert_int_equal(cdCheck(&t, k, i + 1), COOL_WARN); /* the newest is always kept */
    }
    size_t used = 0;
    for (size_t i = 0; i < t.nbuckets * 8; i++) used += t.slots[i].key != 0;
    assert_true(used <= 64);
    cdFree(&t);
}

/* ---- appAnswer with cooldowns ---- */

typedef struct appFix {
    cbApp app;
    char *log;
    size_t loglen;
    FILE *logf;
} appFix;

static int setupApp(void **state) {
    setenv("CAREERBOT_TODAY", "2025-06-01", 1);
    appFix *f = cbCalloc(1, sizeof(*f));
    cfgDefaults(&f->app.cfg);
    f->app.cfg.user_cooldown = 3600;
    f->app.cfg.channel_cooldown = 0;
    engParams p;
    engDefaultParams(&p);
    cbDiags d;
    cbDiagsInit(&d);
    f->app.k = knowledgeLoad("tests/fixtures/app-kb", &p, &d);
    cbDiagsFree(&d);
    if (!f->app.k) return -1;
    appLimitsInit(&f->app);
    f->logf = open_memstream(&f->log, &f->loglen);
    logInit(LOG_INFO, 0, f->logf);
    metricsReset();
    *state = f;
    return 0;
}

static int teardownApp(void **state) {
    appFix *f = *state;
    logInit(LOG_INFO, 0, NULL);
    fclose(f->logf);
    free(f->log);
    appLimitsFree(&f->app);
    knowledgeFree(f->app.k);
    cfgFree(&f->app.cfg);
    free(f);
    return 0;
}

/* Ask; returns appAnswer's verdict and whether the reply was the notice. */
static int ask(appFix *f, cbPlatform p, const char *user, const char *channel, int dm,
               int *slow) {
    const char *q = "are bootcamps worth it?";
    hndRequest req = {.platform = p, .text = q, .len = strlen(q), .user = user,
                      .channel = channel, .is_dm = dm};
    hndReply r;
    int send = appAnswer(&f->app, &req, &r);
    *slow = r.body && strstr(r.body, "Please wait") != NULL;
    replyFree(&r);
    return send;
}

static void test_app_user_cooldown(void **state) {
    appFix *f = *state;
    int slow;
    assert_int_equal(ask(f, PLATFORM_SLACK, "U1", "C1", 0, &slow), 1);
    assert_false(slow);
    assert_int_equal(ask(f, PLATFORM_SLACK, "U1", "C1", 0, &slow), 1); /* told once */
    assert_true(slow);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(ask(f, PLATFORM_SLACK, "U1", "C1", 0, &slow), 0); /* then silence */
        assert_int_equal(ask(f, PLATFORM_SLACK, "U1", "D1", 1, &slow), 0); /* in a DM too */
    }
    assert_int_equal(ask(f, PLATFORM_SLACK, "U2", "C1", 0, &slow), 1); /* another user */
    assert_false(slow);
    assert_int_equal(ask(f, PLATFORM_DISCORD, "U1", "C1", 0, &slow), 1); /* other platform */
    assert_false(slow);
    for (int i = 0; i < 5; i++) { /* the console is the operator's own */
        assert_int_equal(ask(f, PLATFORM_CONSOLE, "U1", NULL, 0, &slow), 1);
        assert_false(slow);
    }
    char *m = metricsRender();
    assert_non_null(strstr(m, "careerbot_cooldowns_total{platform=\"slack\",action=\"warned\"} 1\n"));
    assert_non_null(strstr(m, "careerbot_cooldowns_total{platform=\"slack\",action=\"silenced\"} 10\n"));
    free(m);
}

static void test_app_channel_cooldown(void **state) {
    appFix *f = *state;
    f->app.cfg.user_cooldown = 0;
    f->app.cfg.channel_cooldown = 3600; /* applied on the next question */
    int slow;
    assert_int_equal(ask(f, PLATFORM_SLACK, "U1", "C9", 0, &slow), 1);
    assert_false(slow);
    assert_int_equal(ask(f, PLATFORM_SLACK, "U2", "C9", 0, &slow), 1);
    assert_true(slow);
    assert_int_equal(ask(f, PLATFORM_SLACK, "U3", "C9", 0, &slow), 0);
    assert_int_equal(ask(f, PLATFORM_SLACK, "U3", "C8", 0, &slow), 1); /* another channel */
    assert_false(slow);
    assert_int_equal(ask(f, PLATFORM_SLACK, "U3", "D9", 1, &slow), 1); /* DMs: no channel limit */
    assert_int_equal(ask(f, PLATFORM_SLACK, "U3", "D9", 1, &slow), 1);
    assert_false(slow);
}

static void test_app_cooldown_passes(void **state) {
    appFix *f = *state;
    f->app.cfg.user_cooldown = 0.001; /* 1 ms */
    int slow;
    assert_int_equal(ask(f, PLATFORM_SLACK, "U7", "C7", 0, &slow), 1);
    usleep(20 * 1000); /* at least the cooldown: only a lower bound matters */
    assert_int_equal(ask(f, PLATFORM_SLACK, "U7", "C7", 0, &slow), 1);
    assert_false(slow);
}

static void test_question_text_at_info(void **state) {
    appFix *f = *state;
    f->app.cfg.user_cooldown = 0;
    int slow;
    ask(f, PLATFORM_SLACK, "U1", "C1", 0, &slow);
    fflush(f->logf);
    assert_null(strstr(f->log, "event=question")); /* off by default at info */
    f->app.cfg.log_question_text = 1;
    ask(f, PLATFORM_SLACK, "U1", "C1", 0, &slow);
    fflush(f->logf);
    assert_non_null(strstr(f->log, "level=info event=question"));
    assert_non_null(strstr(f->log, "text=\"are bootcamps worth it?\""));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_allow_warn_silent),
        cmocka_unit_test(test_table_off_and_worse),
        cmocka_unit_test(test_table_bound),
        cmocka_unit_test_setup_teardown(test_app_user_cooldown, setupApp, teardownApp),
        cmocka_unit_test_setup_teardown(test_app_channel_cooldown, setupApp, teardownApp),
        cmocka_unit_test_setup_teardown(test_app_cooldown_passes, setupApp, teardownApp),
        cmocka_unit_test_setup_teardown(test_question_text_at_info, setupApp, teardownApp),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
