/* test_history_report.c - the maintainers' report over a known history:
 * unanswered questions grouped by normalized form with counts, the latest
 * example and a suggestion ("add an alternate to X" when the closest entry
 * was moderately confident, "new entry?" otherwise), entries voted not
 * helpful, answers at low confidence, --since, the JSON form (parsed with
 * jansson), `careerbot report --json --db` end to end, and the JSON-lines
 * export. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "base/common.h"
#include "ops/history.h"
#include "tproc.h"

static char dir[128], db[160];
static long long now;

static void q(histStore *h, long long t, const char *text, const char *norm, const char *outcome,
              const char *entry, double conf, const char *cands) {
    histQuestion x = {.time = t, .platform = "slack", .channel_kind = "channel", .user = "U1",
                      .question = text, .normalized = norm, .outcome = outcome,
                      .entry_id = entry, .confidence = conf, .candidates_json = cands};
    assert_int_equal(histRecordQuestion(h, &x, 0.7), CB_OK);
}

static void vote(histStore *h, const char *entry, int helpful) {
    static int voter;
    char user[16];
    snprintf(user, sizeof user, "%d", ++voter); /* one vote per user per message */
    histVote v = {.time = now, .platform = "discord", .channel_kind = "channel", .user = user,
                  .entry_id = entry, .helpful = helpful};
    assert_int_equal(histRecordVote(h, &v, NULL, NULL), CB_OK);
}

static int setup(void **state) {
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/cb_test_history_report_%d", (int)getpid());
    snprintf(db, sizeof db, "%s/h.db", dir);
    now = cbWallTime();
    char err[CB_ERRLEN];
    histStore *h = histOpen(db, NULL, err);
    assert_non_null(h);
    const char *salary = "[{\"id\":\"career/salary\",\"confidence\":0.35}]";
    const char *far = "[{\"id\":\"career/remote\",\"confidence\":0.05}]";
    q(h, now - 100, "How do I get a job at Google?", "job google", "abstain", NULL, 0, "[]");
    q(h, now - 90, "job at google??", "job google", "abstain", NULL, 0, far);
    q(h, now - 80, "Getting a job at Google", "job google", "abstain", NULL, 0, "[]");
    q(h, now - 70, "what do python devs earn", "python dev earn", "did_you_mean", NULL, 0.35, salary);
    q(h, now - 60, "What do Python developers earn?", "python dev earn", "did_you_mean", NULL, 0.35,
      salary);
    q(h, now - 50, "are bootcamps ok", "bootcamp ok", "answer", "career/bootcamps", 0.55,
      "[{\"id\":\"career/bootcamps\",\"confidence\":0.55}]");
    q(h, now - 40, "bootcamp worth it?", "bootcamp worth", "answer", "career/bootcamps", 0.65,
      "[{\"id\":\"career/bootcamps\",\"confidence\":0.65}]");
    for (int i = 0; i < 3; i++)
        q(h, now - 30, "django or flask", "django flask", "answer", "frameworks/django", 0.9, "[]");
    q(h, now - 40 * 86400, "ancient question", "ancient", "abstain", NULL, 0, "[]");
    vote(h, "career/salary", 0);
    vote(h, "career/salary", 0);
    vote(h, "career/salary", 1);
    vote(h, "frameworks/django", 0);
    vote(h, "career/remote", 1);
    histClose(h);
    return 0;
}

static int teardown(void **state) {
    (void)state;
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
    return 0;
}

static void test_report_groups(void **state) {
    (void)state;
    char err[CB_ERRLEN];
    histStore *h = histOpen(db, NULL, err);
    assert_non_null(h);
    histReport r;
    histReportOptions o = {.since = now - 7 * 86400, .limit = 10, .moderate = 0.2};
    assert_int_equal(histReportBuild(h, &o, &r, err), CB_OK);
    assert_int_equal(r.answered, 3);
    assert_int_equal(r.unanswered, 5); /* the ancient one is before --since */
    assert_int_equal(r.ngroups, 2);
    assert_string_equal(r.groups[0].normalized, "job google");
    assert_int_equal(r.groups[0].count, 3);
    assert_string_equal(r.groups[0].example, "Getting a job at Google"); /* the latest */
    assert_null(r.groups[0].top_id);
    assert_string_equal(r.groups[0].suggestion, "new entry? 'Getting a job at Google'");
    assert_string_equal(r.groups[1].normalized, "python dev earn");
    assert_int_equal(r.groups[1].count, 2);
    assert_string_equal(r.groups[1].top_id, "career/salary");
    assert_true(r.groups[1].top_confidence > 0.34 && r.groups[1].top_confidence < 0.36);
    assert_string_equal(r.groups[1].suggestion,
                        "add an alternate to career/salary: 'What do Python developers earn?'");
    assert_int_equal(r.nvotes, 2); /* career/remote has no "not helpful" */
    assert_string_equal(r.votes[0].entry_id, "career/salary");
    assert_int_equal(r.votes[0].not_helpful, 2);
    assert_int_equal(r.votes[0].helpful, 1);
    assert_string_equal(r.votes[1].entry_id, "frameworks/django");
    assert_int_equal(r.nlow, 1);
    assert_string_equal(r.low[0].entry_id, "career/bootcamps");
    assert_int_equal(r.low[0].count, 2);
    assert_true(r.low[0].avg_confidence > 0.59 && r.low[0].avg_confidence < 0.61);
    assert_string_equal(r.low[0].suggestion,
                        "add an alternate to career/bootcamps: 'bootcamp worth it?'");
    histReportFree(&r);
    /* All time: the ancient question is a third group; limit 1 keeps the top. */
    o.since = 0;
    o.limit = 1;
    assert_int_equal(histReportBuild(h, &o, &r, err), CB_OK);
    assert_int_equal(r.unanswered, 6);
    assert_int_equal(r.ngroups, 1);
    assert_string_equal(r.groups[0].normalized, "job google");
    histReportFree(&r);
    /* A higher "moderate" bar turns the salary group into a new-entry idea. */
    o.limit = 10;
    o.moderate = 0.5;
    assert_int_equal(histReportBuild(h, &o, &r, err), CB_OK);
    assert_non_null(strstr(r.groups[1].suggestion, "new entry?"));
    histReportFree(&r);
    histClose(h);
}

static char *captureStdout(int (*fn)(int, char **), int argc, char **argv, int *rc) {
    char out[160];
    snprintf(out, sizeof out, "%s/out.txt", dir);
    fflush(stdout);
    int save = dup(1);
    int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0 && save >= 0);
    dup2(fd, 1);
    *rc = fn(argc, argv);
    fflush(stdout);
    dup2(save, 1);
    close(fd);
    close(save);
    return tpReadFile(out);
}

static void test_report_json_cli(void **state) {
    (void)state;
    char *argv[] = {"report", "--json", "--since", "7d", "--db", db, NULL};
    int rc;
    char *text = captureStdout(cmdReport, 6, argv, &rc);
    assert_int_equal(rc, CB_EXIT_OK);
    json_error_t je;
    json_t *root = json_loads(text, 0, &je);
    if (!root) fail_msg("report --json is not JSON: %s", je.text);
    assert_int_equal(json_integer_value(json_object_get(root, "answered")), 3);
    json_t *groups = json_object_get(root, "unanswered_groups");
    assert_int_equal(json_array_size(groups), 2);
    json_t *g1 = json_array_get(groups, 1);
    assert_int_equal(json_integer_value(json_object_get(g1, "count")), 2);
    json_t *top = json_object_get(g1, "top_candidate");
    assert_string_equal(json_string_value(json_object_get(top, "id")), "career/salary");
    assert_true(json_is_null(json_object_get(json_array_get(groups, 0), "top_candidate")));
    json_t *nh = json_object_get(root, "not_helpful");
    assert_int_equal(json_integer_value(json_object_get(json_array_get(nh, 0), "not_helpful")), 2);
    json_t *low = json_object_get(root, "low_confidence");
    assert_string_equal(json_string_value(json_object_get(json_array_get(low, 0), "entry_id")),
                        "career/bootcamps");
    json_decref(root);
    free(text);
    char *bad[] = {"report", "--since", "yesterday", "--db", db, NULL};
    text = captureStdout(cmdReport, 5, bad, &rc);
    assert_int_equal(rc, CB_EXIT_USAGE);
    free(text);
    char missing[200];
    snprintf(missing, sizeof missing, "%s/none.db", dir);
    char *none[] = {"report", "--db", missing, NULL};
    text = captureStdout(cmdReport, 3, none, &rc);
    assert_int_equal(rc, CB_EXIT_FAIL);
    assert_int_equal(access(missing, F_OK), -1); /* a report never creates a db */
    free(text);
}

static void test_export_lines(void **state) {
    (void)state;
    char *argv[] = {"history", "export", "--db", db, NULL};
    int rc;
    char *text = captureStdout(cmdHistory, 4, argv, &rc);
    assert_int_equal(rc, CB_EXIT_OK);
    int questions = 0, votes = 0, counts = 0, lines = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        json_t *o = json_loads(line, 0, NULL);
        if (!o) fail_msg("not JSON: %s", line);
        const char *type = json_string_value(json_object_get(o, "type"));
        assert_non_null(type);
        if (strcmp(type, "question") == 0) {
            questions++;
            assert_true(json_is_array(json_object_get(o, "candidates")));
            assert_null(strstr(line, "\"U1\"")); /* raw user ids never stored */
        } else if (strcmp(type, "vote") == 0) {
            votes++;
            assert_true(json_is_boolean(json_object_get(o, "helpful")));
        } else if (strcmp(type, "answer_count") == 0) {
            counts++;
            assert_int_equal(json_integer_value(json_object_get(o, "count")), 3);
        }
        lines++;
        json_decref(o);
    }
    assert_int_equal(questions, 8);
    assert_int_equal(votes, 5);
    assert_int_equal(counts, 1);
    assert_int_equal(lines, 14);
    free(text);
}

static void test_parse_since(void **state) {
    (void)state;
    const struct {
        const char *s;
        int ok;
        long long want;
    } cases[] = {
        {"2024-03-01", 1, 1709251200}, {"1970-01-01", 1, 0}, {"30d", 1, 999993600 - 30 * 86400},
        {"0d", 1, 999993600} /* today: UTC midnight */, {"1d", 1, 999993600 - 86400},         {"2024-02-30", 0, 0}, {"2024-13-01", 0, 0},
        {"24-03-01", 0, 0},            {"yesterday", 0, 0},  {"5x", 0, 0},
        {"", 0, 0},                    {"2024-03-01x", 0, 0},
    };
    for (size_t i = 0; i < CB_ARRAY_LEN(cases); i++) {
        long long out = -1;
        int rc = histParseSince(cases[i].s, 1000000000, &out);
        if ((rc == CB_OK) != cases[i].ok || (cases[i].ok && out != cases[i].want))
            fail_msg("case '%s': rc=%d out=%lld", cases[i].s, rc, out);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_report_groups),
        cmocka_unit_test(test_report_json_cli),
        cmocka_unit_test(test_export_lines),
        cmocka_unit_test(test_parse_since),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
