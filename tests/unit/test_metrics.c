/* test_metrics.c - the Prometheus exposition text, byte for byte, after a
 * known set of events; histogram bucket edges (a value equal to a bound
 * counts in that bucket); label escaping; the bound on series; reset. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/common.h"
#include "ops/metrics.h"

static const char *expected =
    "# HELP careerbot_questions_total Questions answered, by outcome.\n"
    "# TYPE careerbot_questions_total counter\n"
    "careerbot_questions_total{platform=\"discord\",outcome=\"abstained\"} 1\n"
    "careerbot_questions_total{platform=\"slack\",outcome=\"answered\"} 2\n"
    "# HELP careerbot_answer_latency_seconds Time to compute a reply to a question.\n"
    "# TYPE careerbot_answer_latency_seconds histogram\n"
    "careerbot_answer_latency_seconds_bucket{le=\"0.00005\"} 0\n"
    "careerbot_answer_latency_seconds_bucket{le=\"0.0001\"} 0\n"
    "careerbot_answer_latency_seconds_bucket{le=\"0.00025\"} 0\n"
    "careerbot_answer_latency_seconds_bucket{le=\"0.0005\"} 1\n"
    "careerbot_answer_latency_seconds_bucket{le=\"0.001\"} 1\n"
    "careerbot_answer_latency_seconds_bucket{le=\"0.0025\"} 1\n"
    "careerbot_answer_latency_seconds_bucket{le=\"0.005\"} 1\n"
    "careerbot_answer_latency_seconds_bucket{le=\"0.01\"} 1\n"
    "careerbot_answer_latency_seconds_bucket{le=\"0.025\"} 1\n"
    "careerbot_answer_latency_seconds_bucket{le=\"0.05\"} 1\n"
    "careerbot_answer_latency_seconds_bucket{le=\"0.1\"} 1\n"
    "careerbot_answer_latency_seconds_bucket{le=\"0.25\"} 1\n"
    "careerbot_answer_latency_seconds_bucket{le=\"0.5\"} 1\n"
    "careerbot_answer_latency_seconds_bucket{le=\"1\"} 2\n"
    "careerbot_answer_latency_seconds_bucket{le=\"+Inf\"} 3\n"
    "careerbot_answer_latency_seconds_sum 3.0003\n"
    "careerbot_answer_latency_seconds_count 3\n"
    "# HELP careerbot_reply_latency_seconds From a question's event to the platform accepting the reply.\n"
    "# TYPE careerbot_reply_latency_seconds histogram\n"
    "careerbot_reply_latency_seconds_bucket{platform=\"slack\",le=\"0.005\"} 0\n"
    "careerbot_reply_latency_seconds_bucket{platform=\"slack\",le=\"0.01\"} 0\n"
    "careerbot_reply_latency_seconds_bucket{platform=\"slack\",le=\"0.025\"} 1\n"
    "careerbot_reply_latency_seconds_bucket{platform=\"slack\",le=\"0.05\"} 1\n"
    "careerbot_reply_latency_seconds_bucket{platform=\"slack\",le=\"0.1\"} 1\n"
    "careerbot_reply_latency_seconds_bucket{platform=\"slack\",le=\"0.25\"} 1\n"
    "careerbot_reply_latency_seconds_bucket{platform=\"slack\",le=\"0.5\"} 1\n"
    "careerbot_reply_latency_seconds_bucket{platform=\"slack\",le=\"1\"} 1\n"
    "careerbot_reply_latency_seconds_bucket{platform=\"slack\",le=\"2.5\"} 1\n"
    "careerbot_reply_latency_seconds_bucket{platform=\"slack\",le=\"5\"} 2\n"
    "careerbot_reply_latency_seconds_bucket{platform=\"slack\",le=\"10\"} 2\n"
    "careerbot_reply_latency_seconds_bucket{platform=\"slack\",le=\"+Inf\"} 2\n"
    "careerbot_reply_latency_seconds_sum{platform=\"slack\"} 5.02\n"
    "careerbot_reply_latency_seconds_count{platform=\"slack\"} 2\n"
    "# HELP careerbot_reconnects_total Reconnections to a platform.\n"
    "# TYPE careerbot_reconnects_total counter\n"
    "careerbot_reconnects_total{platform=\"discord\"} 1\n"
    "careerbot_reconnects_total{platform=\"slack\"} 2\n"
    "# HELP careerbot_resumes_total Reconnections that resumed the previous session.\n"
    "# TYPE careerbot_resumes_total counter\n"
    "careerbot_resumes_total{platform=\"discord\"} 1\n"
    "# HELP careerbot_rate_limit_waits_total Requests delayed by a platform rate limit.\n"
    "# TYPE careerbot_rate_limit_waits_total counter\n"
    "careerbot_rate_limit_waits_total{platform=\"slack\"} 1\n"
    "# HELP careerbot_knowledge_entries Entries in the live knowledge base.\n"
    "# TYPE careerbot_knowledge_entries gauge\n"
    "careerbot_knowledge_entries 42\n"
    "# HELP careerbot_knowledge_reloads_total Knowledge reloads, by result.\n"
    "# TYPE careerbot_knowledge_reloads_total counter\n"
    "careerbot_knowledge_reloads_total{result=\"failed\"} 1\n"
    "careerbot_knowledge_reloads_total{result=\"ok\"} 2\n"
    "# HELP careerbot_feedback_votes_total Feedback votes on answers.\n"
    "# TYPE careerbot_feedback_votes_total counter\n"
    "careerbot_feedback_votes_total{platform=\"slack\",vote=\"helpful\"} 1\n"
    "careerbot_feedback_votes_total{platform=\"slack\",vote=\"not_helpful\"} 2\n"
    "# HELP careerbot_autocomplete_total Autocomplete requests (suggestions while a question is typed).\n"
    "# TYPE careerbot_autocomplete_total counter\n"
    "careerbot_autocomplete_total{platform=\"discord\"} 2\n"
    "# HELP careerbot_cooldowns_total Questions not answered because the user or channel was cooling down.\n"
    "# TYPE careerbot_cooldowns_total counter\n"
    "careerbot_cooldowns_total{platform=\"slack\",action=\"warned\"} 1\n"
    "# HELP careerbot_mentor_handoffs_total Questions handed to human mentors, by event.\n"
    "# TYPE careerbot_mentor_handoffs_total counter\n"
    "careerbot_mentor_handoffs_total{platform=\"slack\",event=\"relayed\"} 1\n"
    "careerbot_mentor_handoffs_total{platform=\"slack\",event=\"requested\"} 2\n"
    "# HELP careerbot_reply_failures_total Replies the platform did not accept, after retries.\n"
    "# TYPE careerbot_reply_failures_total counter\n"
    "careerbot_reply_failures_total{platform=\"discord\"} 2\n"
    "# HELP careerbot_platform_connected 1 when the platform connection is up.\n"
    "# TYPE careerbot_platform_connected gauge\n"
    "careerbot_platform_connected{platform=\"discord\"} 0\n"
    "careerbot_platform_connected{platform=\"slack\"} 1\n"
    "# HELP careerbot_history_rows_written_total Rows committed to the history database.\n"
    "# TYPE careerbot_history_rows_written_total counter\n"
    "careerbot_history_rows_written_total 7\n"
    "# HELP careerbot_history_write_errors_total Failed history writes.\n"
    "# TYPE careerbot_history_write_errors_total counter\n"
    "careerbot_history_write_errors_total 1\n";

static void test_exact_text(void **state) {
    (void)state;
    metricsReset();
    metricsQuestion("slack", "answered", 0.0003);
    metricsQuestion("slack", "answered", 1.0); /* == the last bound: le="1" */
    metricsQuestion("discord", "abstained", 2.0);
    metricsReconnect("slack", 0);
    metricsReconnect("slack", 0);
    metricsReconnect("discord", 1);
    metricsRateLimitWait("slack");
    metricsKnowledgeEntries(41);
    metricsKnowledgeEntries(42); /* a gauge: the last value */
    metricsReload(1);
    metricsReload(0);
    metricsReload(1);
    metricsVote("slack", 0);
    metricsVote("slack", 1);
    metricsVote("slack", 0);
    metricsHistoryRows(3);
    metricsHistoryRows(4);
    metricsHistoryError();
    metricsCooldown("slack", "warned");
    metricsAutocomplete("discord");
    metricsAutocomplete("discord");
    metricsReplyFailed("discord");
    metricsReplyFailed("discord");
    metricsHandoff("slack", "requested");
    metricsHandoff("slack", "requested");
    metricsHandoff("slack", "relayed");
    metricsReplyLatency("slack", 0.02);
    metricsReplyLatency("slack", 5.0); /* == a bound: le="5" */
    metricsPlatformConnected("slack", 0);
    metricsPlatformConnected("slack", 1); /* a gauge: the last value */
    metricsPlatformConnected("discord", 0);
    char *text = metricsRender();
    assert_string_equal(text, expected);
    free(text);
}

static void test_reset_and_empty(void **state) {
    (void)state;
    metricsReset();
    char *text = metricsRender();
    assert_non_null(strstr(text, "careerbot_answer_latency_seconds_count 0\n"));
    assert_non_null(strstr(text, "careerbot_knowledge_reloads_total{result=\"ok\"} 0\n"));
    assert_non_null(strstr(text, "careerbot_knowledge_reloads_total{result=\"failed\"} 0\n"));
    assert_null(strstr(text, "careerbot_questions_total{"));
    /* Every metric has its HELP and TYPE even without samples. */
    const char *names[] = {"careerbot_questions_total", "careerbot_reconnects_total",
                           "careerbot_resumes_total", "careerbot_rate_limit_waits_total",
                           "careerbot_feedback_votes_total"};
    for (size_t i = 0; i < CB_ARRAY_LEN(names); i++) {
        char line[128];
        snprintf(line, sizeof line, "# TYPE %s counter\n", names[i]);
        assert_non_null(strstr(text, line));
    }
    free(text);
}

static void test_buckets_edges(void **state) {
    (void)state;
    const struct {
        double v;
        const char *le; /* smallest bucket that must count it */
    } cases[] = {{0.0, "0.00005"}, {0.00005, "0.00005"}, {0.00006, "0.0001"},
                 {0.001, "0.001"}, {0.0011, "0.0025"},   {0.5, "0.5"},
                 {-1.0, "0.00005"}, {NAN, "0.00005"},    {5.0, "+Inf"}};
    for (size_t i = 0; i < CB_ARRAY_LEN(cases); i++) {
        metricsReset();
        metricsQuestion("console", "answered", cases[i].v);
        char *text = metricsRender();
        char want[128];
        snprintf(want, sizeof want, "careerbot_answer_latency_seconds_bucket{le=\"%s\"} 1\n",
                 cases[i].le);
        if (!strstr(text, want)) fail_msg("case %zu: missing %s", i, want);
        /* and the bucket just below (if any) holds 0 */
        free(text);
    }
    metricsReset();
    metricsQuestion("console", "answered", 0.00006);
    char *text = metricsRender();
    assert_non_null(strstr(text, "_bucket{le=\"0.00005\"} 0\n"));
    free(text);
}

static void test_escaping_and_bound(void **state) {
    (void)state;
    metricsReset();
    metricsQuestion("we\"ird\\pl\natform", "x", 0.001);
    char *text = metricsRender();
    assert_non_null(strstr(text, "{platform=\"we\\\"ird\\\\pl\\natform\",outcome=\"x\"} 1\n"));
    free(text);
    metricsReset();
    for (int i = 0; i < 100; i++) {
        char p[16];
        snprintf(p, sizeof p, "p%03d", i);
        metricsRateLimitWait(p);
    }
    text = metricsRender();
    int lines = 0;
    for (const char *s = text; (s = strstr(s, "careerbot_rate_limit_waits_total{")); s++) lines++;
    assert_true(lines <= 32);
    assert_non_null(strstr(text, "careerbot_rate_limit_waits_total{platform=\"other\"} 69\n"));
    free(text);
}

/* A declared platform has every series from the start, at zero. */
static void test_declared_series_at_zero(void **state) {
    (void)state;
    metricsReset();
    metricsDeclarePlatform("slack");
    char *text = metricsRender();
    const char *want[] = {
        "careerbot_questions_total{platform=\"slack\",outcome=\"answered\"} 0\n",
        "careerbot_questions_total{platform=\"slack\",outcome=\"abstained\"} 0\n",
        "careerbot_questions_total{platform=\"slack\",outcome=\"did_you_mean\"} 0\n",
        "careerbot_questions_total{platform=\"slack\",outcome=\"error\"} 0\n",
        "careerbot_reconnects_total{platform=\"slack\"} 0\n",
        "careerbot_resumes_total{platform=\"slack\"} 0\n",
        "careerbot_rate_limit_waits_total{platform=\"slack\"} 0\n",
        "careerbot_feedback_votes_total{platform=\"slack\",vote=\"helpful\"} 0\n",
        "careerbot_feedback_votes_total{platform=\"slack\",vote=\"not_helpful\"} 0\n",
        "careerbot_cooldowns_total{platform=\"slack\",action=\"warned\"} 0\n",
        "careerbot_cooldowns_total{platform=\"slack\",action=\"silenced\"} 0\n",
        "careerbot_autocomplete_total{platform=\"slack\"} 0\n",
        "careerbot_reply_failures_total{platform=\"slack\"} 0\n",
        "careerbot_mentor_handoffs_total{platform=\"slack\",event=\"requested\"} 0\n",
        "careerbot_mentor_handoffs_total{platform=\"slack\",event=\"relayed\"} 0\n",
        "careerbot_mentor_handoffs_total{platform=\"slack\",event=\"cancelled\"} 0\n",
        "careerbot_mentor_handoffs_total{platform=\"slack\",event=\"expired\"} 0\n",
        "careerbot_mentor_handoffs_total{platform=\"slack\",event=\"limited\"} 0\n",
        "careerbot_platform_connected{platform=\"slack\"} 0\n",
        "careerbot_knowledge_reloads_total{result=\"failed\"} 0\n",
        "careerbot_answer_latency_seconds_count 0\n",
        "careerbot_reply_latency_seconds_count{platform=\"slack\"} 0\n",
        "careerbot_reply_latency_seconds_bucket{platform=\"slack\",le=\"+Inf\"} 0\n",
    };
    for (size_t i = 0; i < CB_ARRAY_LEN(want); i++)
        if (!strstr(text, want[i])) fail_msg("missing %s", want[i]);
    free(text);
    metricsQuestion("slack", "answered", 0.001); /* counting goes on from there */
    text = metricsRender();
    assert_non_null(strstr(text, "careerbot_questions_total{platform=\"slack\",outcome=\"answered\"} 1\n"));
    free(text);
}

/* The value of "name " at the start of a line in text, or -1. */
static double sample(const char *text, const char *name) {
    char key[96];
    snprintf(key, sizeof key, "\n%s ", name);
    const char *p = strstr(text, key);
    return p ? strtod(p + strlen(key), NULL) : -1;
}

static void test_process_and_build_info(void **state) {
    (void)state;
    metricsReset();
    metricsSetVersion("1.2.3");
    for (volatile int i = 0; i < 2000000; i++) { /* some CPU time */
    }
    char *text = metricsRenderAll();
    assert_true(sample(text, "process_cpu_seconds_total") > 0);
    assert_true(sample(text, "process_resident_memory_bytes") > 1e6);
    assert_true(sample(text, "process_virtual_memory_bytes") > 1e6);
    double start = sample(text, "process_start_time_seconds"), now = (double)time(NULL);
    assert_true(start > now - 86400 * 365.0 && start <= now + 1);
    assert_true(sample(text, "process_open_fds") >= 3);
    assert_true(sample(text, "process_max_fds") >= 64);
    assert_non_null(strstr(text, "# TYPE process_cpu_seconds_total counter\n"));
    assert_non_null(strstr(text, "\ncareerbot_build_info{version=\"1.2.3\"} 1\n"));
    assert_non_null(strstr(text, "careerbot_answer_latency_seconds_count 0\n")); /* and the rest */
    free(text);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exact_text),
        cmocka_unit_test(test_reset_and_empty),
        cmocka_unit_test(test_buckets_edges),
        cmocka_unit_test(test_escaping_and_bound),
        cmocka_unit_test(test_declared_series_at_zero),
        cmocka_unit_test(test_process_and_build_info),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
