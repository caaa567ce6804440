/* test_slack_load.c - the Slack transport under a burst: 5,000 mentions
 * at 5,000 events/s from the fake Slack, with Slack's redelivery on (an
 * envelope not acked within 3 s is sent again with retry_attempt + 1 and a
 * new envelope_id). Every envelope must be acked and every event answered
 * exactly once. Before acks had their own queue and several frames went
 * out per writeable callback, hundreds of acks came late or never and the
 * redeliveries were answered a second time.
 *
 * The wait is bounded by count (all answered, none unacked) and by a
 * generous 120 s wall-clock limit; ack delays are printed (from the fake's
 * timestamps), not asserted, so a loaded machine cannot fail the test by
 * timing alone: a late ack would be redelivered, and then the assertions
 * on duplicates and unacked envelopes decide. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "app/app.h"
#include "base/common.h"
#include "base/log.h"
#include "platform/slack/slack.h"
#include "slack_harness.h" /* after cmocka.h */

#define BURST_N 5000
#define BURST_RATE 5000
#define BURST_LIMIT_MS 120000 /* generous: ~30 s on a loaded 2-core machine under ASan */

static double num(const json_t *o, const char *k) {
    return json_number_value(json_object_get(o, k));
}

static void testBurstAckedAndAnsweredOnce(void **state) {
    (void)state;
    shFixture F;
    assert_int_equal(shStart(&F, NULL), 0);
    json_decref(shCmd(&F, "{\"cmd\":\"redelivery\",\"on\":true,\"after_ms\":3000}"));
    char cmd[160];
    snprintf(cmd, sizeof(cmd), "{\"cmd\":\"burst\",\"n\":%d,\"rate\":%d,\"channel\":\"C0BURST\"}",
             BURST_N, BURST_RATE);
    json_decref(shCmd(&F, cmd));
    double start = cbNowMs();
    json_t *st = NULL;
    for (;;) {
        shSpin(&F, 200);
        json_decref(st);
        st = shCmd(&F, "{\"cmd\":\"stats\"}");
        int done = num(st, "burst_left") == 0 && num(st, "replied") >= BURST_N &&
                   num(st, "unacked") == 0;
        if (done || cbNowMs() - start > BURST_LIMIT_MS) break;
    }
    shSpin(&F, 1000); /* room for a late duplicate answer to show up */
    json_decref(st);
    st = shCmd(&F, "{\"cmd\":\"stats\"}");
    json_decref(shCmd(&F, "{\"cmd\":\"redelivery\",\"on\":false}"));
    fprintf(stderr,
            "burst: sent %.0f (redelivered %.0f), acked %.0f, unacked %.0f, answered %.0f, "
            "answered twice %.0f; ack p99 %.1f ms, max %.1f ms, late (>3 s) %.0f; reply p99 %.1f ms; "
            "%.1f s\n",
            num(st, "sent"), num(st, "redelivered"), num(st, "acks"), num(st, "unacked"),
            num(st, "replied"), num(st, "answered_twice"), num(st, "ack_p99_ms"), num(st, "max_ack_ms"),
            num(st, "late_acks"), num(st, "p99_ms"), (cbNowMs() - start) / 1000);
    assert_int_equal((int)num(st, "burst_left"), 0);
    assert_int_equal((int)num(st, "unacked"), 0);         /* every envelope acked */
    assert_int_equal((int)num(st, "replied"), BURST_N);   /* every event answered */
    assert_int_equal((int)num(st, "answered_twice"), 0);  /* none twice */
    /* the fake's only complaint may be a late ack (timing), nothing else */
    assert_int_equal((int)(num(st, "violations") - num(st, "late_acks")), 0);
    json_decref(st);
    shStop(&F);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testBurstAckedAndAnsweredOnce),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
