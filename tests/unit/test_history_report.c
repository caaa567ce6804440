/* test_history_report.c - the maintainers' report over a known history:
 * paraphrases grouped by meaning with real example questions (never
 * stemmed keys) and unrelated questions kept apart, the entry each group
 * means (closest entry, a did-you-mean click, a 👎 then an answered
 * rephrase), answer counts per day and platform, per-entry answers and
 * votes, entries nobody asked about, a dismissal that hides its group for
 * good, a 👎 taken back by a 👍 on the same message, --since, the JSON and
 * CSV forms, `careerbot report --json --db` end to end, and the JSON-lines
 * export of every table (clicks and decisions too; tokens scrubbed). */
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

static void q(histStore *h, long long t, const char *user, const char *text, const char *outcome,
              const char *entry, double conf, const char *cands) {
    histQuestion x = {.time = t, .platform = "slack", .channel_kind = "channel", .user = user,
                      .question = text, .normalized = "unused", .outcome = outcome,
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
    q(h, now - 100, "U1", "Which ergonomic keyboard should I buy?", "abstain", NULL, 0, "[]");
    q(h, now - 90, "U2", "ergonomic keyboard??", "abstain", NULL, 0, far);
    q(h, now - 80, "U3", "Picking an ergonomic keyboard", "abstain", NULL, 0, "[]");
    q(h, now - 70, "U4", "what do python devs earn", "did_you_mean", NULL, 0.35, salary);
    q(h, now - 60, "U5", "What do Python developers earn?", "did_you_mean", NULL, 0.35, salary);
    q(h, now - 50, "U6", "are bootcamps ok", "answer", "career/bootcamps", 0.55,
      "[{\"id\":\"career/bootcamps\",\"confidence\":0.55}]");
    q(h, now - 40, "U6", "bootcamp worth it?", "answer", "career/bootcamps", 0.65,
      "[{\"id\":\"career/bootcamps\",\"confidence\":0.65}]");
    for (int i = 0; i < 3; i++)
        q(h, now - 30, "U9", "django or flask", "answer", "frameworks/django", 0.9, "[]");
    q(h, now - 20, "U1", "how do I bake sourdough bread", "abstain", NULL, 0, "[]");
    q(h, now - 40 * 86400, "U1", "ancient question", "abstain", NULL, 0, "[]");
    /* U7 clicks fastapi among the did-you-mean choices. */
    q(h, now - 15, "U7", "which web framework should I learn first", "did_you_mean", NULL, 0.4,
      "[{\"id\":\"frameworks/django\",\"confidence\":0.4},"
      "{\"id\":\"frameworks/fastapi\",\"confidence\":0.3}]");
    assert_int_equal(histRecordClick(h, now - 14, "slack", "U7", "frameworks/fastapi"), CB_OK);
    /* U8 votes 👎 on a bootcamps answer, rephrases, gets learning/degree. */
    q(h, now - 12, "U8", "should i do a masters degree", "voted_down", "career/bootcamps", 0, "[]");
    histQuestion re = {.time = now - 10, .platform = "slack", .channel_kind = "channel",
                       .user = "U8", .question = "is a cs degree worth it", .normalized = "",
                       .outcome = "answer", .entry_id = "learning/degree", .confidence = 0.9,
                       .candidates_json = "[]", .keep_text = 1};
    assert_int_equal(histRecordQuestion(h, &re, 0.7), CB_OK);
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

/* The open group whose examples include text; NULL if none. */
static const histCluster *groupWith(const histReport *r, const char *text) {
    for (size_t i = 0; i < r->nopen; i++)
        for (size_t k = 0; k < r->open[i].nexamples; k++)
            if (strcmp(r->open[i].examples[k], text) == 0) return &r->open[i];
    return NULL;
}

static void test_report_groups(void **state) {
    (void)state;
    char err[CB_ERRLEN];
    histStore *h = histOpen(db, NULL, err);
    assert_non_null(h);
    histReport r;
    histReportOptions o;
    histReportDefaults(&o);
    o.since = now - 7 * 86400;
    assert_int_equal(histReportBuild(h, &o, &r, err), CB_OK);
    assert_int_equal(r.answered, 3 + 2 + 1); /* counted + low confidence + the rephrase */
    assert_int_equal(r.unanswered, 7);       /* the ancient one is before --since */
    /* Paraphrases in one group, with the real questions, latest first. */
    const histCluster *g = groupWith(&r, "ergonomic keyboard??");
    assert_non_null(g);
    assert_int_equal(g->count, 3);
    assert_int_equal(g->nexamples, 3);
    assert_string_equal(g->examples[0], "Picking an ergonomic keyboard");
    assert_string_equal(g->examples[2], "Which ergonomic keyboard should I buy?");
    assert_null(g->target);
    assert_int_equal(g->why, HIST_WHY_NONE);
    assert_non_null(strstr(g->suggestion, "new entry"));
    assert_non_null(strstr(g->suggestion, g->id));
    assert_non_null(strstr(g->suggestion, "--as TOPIC/SLUG")); /* the command that works */
    assert_non_null(strstr(g->suggestion, "--out-of-scope"));
    assert_ptr_equal(r.open, g); /* the most asked first */
    /* Unrelated questions stay apart. */
    const histCluster *bread = groupWith(&r, "how do I bake sourdough bread");
    assert_non_null(bread);
    assert_int_equal(bread->count, 1);
    const histCluster *pay = groupWith(&r, "what do python devs earn");
    assert_non_null(pay);
    assert_ptr_equal(pay, groupWith(&r, "What do Python developers earn?"));
    assert_int_equal(pay->count, 2);
    assert_string_equal(pay->target, "career/salary");
    assert_int_equal(pay->why, HIST_WHY_CLOSEST);
    assert_non_null(strstr(pay->suggestion, "examples of career/salary"));
    if (!strstr(pay->suggestion, " questions):") && !strstr(pay->suggestion, " question):"))
        fail_msg("the evidence is not counted in questions: %s", pay->suggestion);
    const histCluster *boot = groupWith(&r, "bootcamp worth it?");
    assert_non_null(boot);
    assert_int_equal(boot->count, 2);
    assert_string_equal(boot->target, "career/bootcamps");
    assert_true(g != pay && g != bread && pay != boot && bread != boot);
    /* What users taught: a click, and a 👎 followed by an answered rephrase. */
    const histCluster *click = groupWith(&r, "which web framework should I learn first");
    assert_non_null(click);
    assert_string_equal(click->target, "frameworks/fastapi"); /* not the closer django */
    assert_int_equal(click->why, HIST_WHY_CLICK);
    const histCluster *re = groupWith(&r, "should i do a masters degree");
    assert_non_null(re);
    assert_string_equal(re->target, "learning/degree");
    assert_int_equal(re->why, HIST_WHY_REPHRASE);
    assert_null(groupWith(&r, "is a cs degree worth it")); /* answered: not open */
    assert_int_equal(r.nopen, 6);
    /* Entries: answers, votes; the day x platform table. */
    assert_string_equal(r.entries[0].entry_id, "frameworks/django");
    assert_int_equal(r.entries[0].answers, 3);
    assert_int_equal(r.entries[0].recent, 3);
    assert_int_equal(r.entries[0].not_helpful, 1);
    int salary = 0;
    for (size_t i = 0; i < r.nentries; i++)
        if (strcmp(r.entries[i].entry_id, "career/salary") == 0) {
            salary = 1;
            assert_int_equal(r.entries[i].not_helpful, 2);
            assert_int_equal(r.entries[i].helpful, 1);
        }
    assert_true(salary);
    long long answered = 0, unanswered = 0;
    for (size_t i = 0; i < r.ndays; i++) {
        assert_string_equal(r.days[i].platform, "slack");
        answered += r.days[i].answered;
        unanswered += r.days[i].unanswered;
    }
    assert_int_equal(answered, r.answered);
    assert_int_equal(unanswered, r.unanswered);
    histReportFree(&r);
    histClose(h);
}

static void test_report_live_entries_and_limit(void **state) {
    (void)state;
    char err[CB_ERRLEN];
    histStore *h = histOpen(db, NULL, err);
    assert_non_null(h);
    const char *live[] = {"career/salary", "frameworks/django", "jobs/unasked"};
    histReport r;
    histReportOptions o;
    histReportDefaults(&o);
    o.entries = live;
    o.nentries = 3;
    o.limit = 1;
    assert_int_equal(histReportBuild(h, &o, &r, err), CB_OK);
    assert_int_equal(r.nopen, 1); /* the limit */
    assert_int_equal(r.open[0].count, 3);
    /* Removed entries are not targets, nor listed with their votes. */
    for (size_t i = 0; i < r.nentries; i++) assert_string_not_equal(r.entries[i].entry_id, "career/remote");
    assert_int_equal(r.nunasked, 2); /* career/salary was only voted on */
    assert_string_equal(r.unasked[1], "jobs/unasked");
    histReportFree(&r);
    o.limit = 20;
    assert_int_equal(histReportBuild(h, &o, &r, err), CB_OK);
    const histCluster *boot = groupWith(&r, "bootcamp worth it?");
    assert_non_null(boot);
    assert_null(boot->target); /* career/bootcamps is gone from the knowledge */
    assert_int_equal(r.unanswered, 8); /* all time: the ancient question too */
    histReportFree(&r);
    histClose(h);
}

static void test_dismiss_persists(void **state) {
    (void)state;
    char err[CB_ERRLEN];
    histStore *h = histOpen(db, NULL, err);
    assert_non_null(h);
    histReport r;
    histReportOptions o;
    histReportDefaults(&o);
    assert_int_equal(histReportBuild(h, &o, &r, err), CB_OK);
    size_t before = r.nopen;
    const histCluster *g = groupWith(&r, "ergonomic keyboard??");
    assert_non_null(g);
    assert_ptr_equal(histReportFind(&r, g->id), g);
    char qid[32];
    snprintf(qid, sizeof qid, "q%lld", g->qids[2]); /* any of its questions finds it */
    assert_ptr_equal(histReportFind(&r, qid), g);
    assert_null(histReportFind(&r, "q999999"));
    assert_int_equal(histDecide(h, "dismiss", NULL, g->qids, g->nqids, err), CB_OK);
    histReportFree(&r);
    histClose(h);
    /* Reopened, with one more paraphrase: the group does not come back. */
    h = histOpen(db, NULL, err);
    assert_non_null(h);
    q(h, now - 5, "U3", "an ergonomic keyboard", "abstain", NULL, 0, "[]");
    assert_int_equal(histReportBuild(h, &o, &r, err), CB_OK);
    assert_int_equal(r.nopen, before - 1);
    assert_null(groupWith(&r, "ergonomic keyboard??"));
    assert_null(groupWith(&r, "an ergonomic keyboard"));
    assert_int_equal(r.dismissed, 4);
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
    char *argv[] = {"report", "--json", "--since", "7d", "--db", db, "--kb", "tests/fixtures/app-kb",
                    NULL};
    int rc;
    char *text = captureStdout(cmdReport, 8, argv, &rc);
    assert_int_equal(rc, CB_EXIT_OK);
    json_error_t je;
    json_t *root = json_loads(text, 0, &je);
    if (!root) fail_msg("report --json is not JSON: %s", je.text);
    assert_int_equal(json_integer_value(json_object_get(root, "answered")), 6);
    json_t *groups = json_object_get(root, "unanswered_groups");
    json_t *g0 = json_array_get(groups, 0);
    assert_int_equal(json_integer_value(json_object_get(g0, "count")), 3);
    assert_string_equal(json_string_value(json_object_get(g0, "example")), "Picking an ergonomic keyboard");
    assert_int_equal(json_array_size(json_object_get(g0, "examples")), 3);
    assert_int_equal(json_array_size(json_object_get(g0, "question_ids")), 3);
    assert_null(strstr(text, "\"normalized\"")); /* real questions, never stemmed keys */
    /* career/salary is not in this knowledge: no target, no entry line. */
    size_t i;
    json_t *g;
    json_array_foreach(groups, i, g) assert_null(strstr(json_string_value(json_object_get(g, "suggestion")), "career/salary"));
    assert_true(json_array_size(json_object_get(root, "unasked_entries")) >= 5);
    assert_true(json_array_size(json_object_get(root, "days")) >= 1);
    json_decref(root);
    free(text);
    char *csv[] = {"report", "--format", "csv", "--db", db, "--kb", "tests/fixtures/app-kb", NULL};
    text = captureStdout(cmdReport, 7, csv, &rc);
    assert_int_equal(rc, CB_EXIT_OK);
    const char *head = "section,id,day,platform,entry,count,answered,unanswered,helpful,"
                       "not_helpful,evidence,now_answered,status,text\n";
    assert_true(strncmp(text, head, strlen(head)) == 0);
    assert_non_null(strstr(text, "\"group\",\"q"));
    assert_non_null(strstr(text, "\"Picking an ergonomic keyboard\""));
    assert_non_null(strstr(text, "\"unasked\""));
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
    assert_int_equal(questions, 12); /* kept for review, with the 👎 one and its rephrase */
    assert_int_equal(votes, 5);
    assert_int_equal(counts, 1);
    assert_int_equal(lines, 19); /* and U7's click */
    free(text);
}

/* A store of its own at name (removed first). */
static histStore *freshStore(const char *name, char *path, size_t n) {
    char err[CB_ERRLEN];
    snprintf(path, n, "%s/%s", dir, name);
    unlink(path);
    histStore *h = histOpen(path, NULL, err);
    if (!h) fail_msg("%s", err);
    return h;
}

static void voteOn(histStore *h, const char *user, const char *message, const char *entry,
                   int helpful, long long t) {
    histVote v = {.time = t, .platform = "slack", .channel_kind = "channel", .user = user,
                  .entry_id = entry, .message = message, .helpful = helpful};
    assert_int_equal(histRecordVote(h, &v, NULL, NULL), CB_OK);
}

static void downVoted(histStore *h, const char *user, const char *text, const char *message,
                      long long t) {
    histQuestion x = {.time = t, .platform = "slack", .channel_kind = "vote", .user = user,
                      .question = text, .normalized = "", .outcome = "voted_down",
                      .entry_id = "career/salary", .candidates_json = "[]", .message = message};
    assert_int_equal(histRecordQuestion(h, &x, 0.7), CB_OK);
}

/* A 👎'd question leaves the open groups when the same user changes the
 * vote on that message to 👍 (the latest vote wins); a 👎 on another
 * message, or another user's, stays; a 👎 again reopens it. */
static void test_vote_change_of_mind(void **state) {
    (void)state;
    char path[200], err[CB_ERRLEN];
    histStore *h = freshStore("mind.db", path, sizeof path);
    downVoted(h, "U20", "how much do interns earn in berlin", "C1:1.000001", now - 50);
    voteOn(h, "U20", "C1:1.000001", "career/salary", 0, now - 50);
    downVoted(h, "U21", "do freelancers earn more than employees", "C1:2.000002", now - 40);
    voteOn(h, "U21", "C1:2.000002", "career/salary", 0, now - 40);
    voteOn(h, "U21", "C1:3.000003", "career/salary", 1, now - 30); /* another message */
    voteOn(h, "U20", "C1:1.000001", "career/salary", 1, now - 20); /* U20 changes their mind */
    histReport r;
    histReportOptions o;
    histReportDefaults(&o);
    assert_int_equal(histReportBuild(h, &o, &r, err), CB_OK);
    assert_null(groupWith(&r, "how much do interns earn in berlin"));
    assert_non_null(groupWith(&r, "do freelancers earn more than employees"));
    assert_int_equal(r.nopen, 1);
    histReportFree(&r);
    voteOn(h, "U20", "C1:1.000001", "career/salary", 0, now - 10); /* and back again */
    assert_int_equal(histReportBuild(h, &o, &r, err), CB_OK);
    assert_non_null(groupWith(&r, "how much do interns earn in berlin"));
    assert_int_equal(r.nopen, 2);
    histReportFree(&r);
    histClose(h);
}

/* Every table in the export, with its type; stored text scrubbed. */
static void test_export_all_tables(void **state) {
    (void)state;
    char path[200], err[CB_ERRLEN];
    histStore *h = freshStore("export.db", path, sizeof path);
    q(h, now - 30, "U30", "my token xoxb-1234-5678-abcdefghijkl leaked, what now", "abstain", NULL,
      0, "[]");
    assert_int_equal(histRecordClick(h, now - 20, "discord", "U31", "career/salary"), CB_OK);
    long long qids[] = {1};
    assert_int_equal(histDecide(h, "dismiss", NULL, qids, 1, err), CB_OK);
    char out[200];
    snprintf(out, sizeof out, "%s/export.jsonl", dir);
    FILE *f = fopen(out, "w");
    assert_non_null(f);
    assert_int_equal(histExport(h, 0, f, err), CB_OK);
    fclose(f);
    histClose(h);
    char *text = tpReadFile(out);
    assert_null(strstr(text, "xoxb-1234")); /* scrubbed when it was stored */
    assert_non_null(strstr(text, "[redacted]"));
    int clicks = 0, decisions = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        json_t *o = json_loads(line, 0, NULL);
        if (!o) fail_msg("not JSON: %s", line);
        const char *type = json_string_value(json_object_get(o, "type"));
        if (strcmp(type, "click") == 0) {
            clicks++;
            assert_string_equal(json_string_value(json_object_get(o, "entry_id")), "career/salary");
            assert_string_equal(json_string_value(json_object_get(o, "platform")), "discord");
            assert_int_equal(strlen(json_string_value(json_object_get(o, "user_hash"))), 32);
        } else if (strcmp(type, "decision") == 0) {
            decisions++;
            assert_string_equal(json_string_value(json_object_get(o, "decision")), "dismiss");
            json_t *qs = json_object_get(o, "questions");
            assert_int_equal(json_array_size(qs), 1);
            assert_int_equal(json_integer_value(json_array_get(qs, 0)), 1);
        }
        json_decref(o);
    }
    assert_int_equal(clicks, 1);
    assert_int_equal(decisions, 1);
    free(text);
}

/* A question the bot redirected ("where to ask instead") was declined on
 * purpose: the report neither counts it unanswered nor lists it open. */
static void test_redirects_not_open(void **state) {
    (void)state;
    char err[CB_ERRLEN], path[200];
    snprintf(path, sizeof path, "%s/redirects.db", dir);
    histStore *h = histOpen(path, NULL, err);
    assert_non_null(h);
    q(h, now - 60, "u1", "my flask route raises a keyerror", "redirect", NULL, 0, NULL);
    q(h, now - 50, "u2", "flask route keyerror again", "redirect", NULL, 0, NULL);
    q(h, now - 40, "u3", "what is a staff engineer", "abstain", NULL, 0, NULL);
    histReport r;
    histReportOptions o;
    histReportDefaults(&o);
    assert_int_equal(histReportBuild(h, &o, &r, err), CB_OK);
    assert_int_equal(r.unanswered, 1);
    assert_null(groupWith(&r, "my flask route raises a keyerror"));
    assert_non_null(groupWith(&r, "what is a staff engineer"));
    histReportFree(&r);
    histClose(h);
}

/* Users' text reaches the maintainer's terminal, spreadsheet and browser
 * without control characters: an escape sequence in a question (retitle
 * the terminal, recolour it, a C1 CSI) is dropped, and a question that
 * reads like a spreadsheet formula is led by an apostrophe in the CSV. */
static void test_report_drops_control_characters(void **state) {
    (void)state;
    char edb[200], err[CB_ERRLEN];
    snprintf(edb, sizeof edb, "%s/esc.db", dir);
    histStore *h = histOpen(edb, NULL, err);
    assert_non_null(h);
    for (int i = 0; i < 2; i++) {
        q(h, now - 50 + i, "U1", "\x1b]0;PWNED\x07\x1b[31mbest standing desk\x1b[0m \xc2\x9b" "2J? \xE2\x80\xAE" "x", "abstain",
          NULL, 0, "[]");
        q(h, now - 40 + i, "U2", "=HYPERLINK(\"http://x.example\",\"desk\")", "abstain", NULL, 0, "[]");
    }
    histClose(h);
    const char *formats[] = {"text", "csv", "html"};
    for (size_t f = 0; f < 3; f++) {
        char *argv[] = {"report", "--format", (char *)formats[f], "--db", edb, "--kb",
                        "tests/fixtures/app-kb", NULL};
        int rc;
        char *out = captureStdout(cmdReport, 7, argv, &rc);
        assert_int_equal(rc, CB_EXIT_OK);
        if (!strstr(out, "best standing desk")) fail_msg("%s: the question is missing:\n%s", formats[f], out);
        for (const char *c = out; *c; c++)
            if ((unsigned char)*c < 0x20 && *c != '\n') fail_msg("%s: control byte 0x%02x", formats[f], *c);
        assert_null(strstr(out, "\xc2\x9b"));
        assert_null(strstr(out, "\xE2\x80\xAE")); /* a right-to-left override */
        if (f == 1) assert_non_null(strstr(out, "\"'=HYPERLINK("));
        free(out);
    }
}

/* An empty history reads as one: no "answer rate 0%" for 0 of 0, and
 * every section says none. */
static void test_report_empty_and_wording(void **state) {
    (void)state;
    char edb[200], err[CB_ERRLEN];
    snprintf(edb, sizeof edb, "%s/empty.db", dir);
    histStore *h = histOpen(edb, NULL, err);
    assert_non_null(h);
    histClose(h);
    char *argv[] = {"report", "--db", edb, "--kb", "tests/fixtures/app-kb", NULL};
    int rc;
    char *out = captureStdout(cmdReport, 5, argv, &rc);
    assert_int_equal(rc, CB_EXIT_OK);
    assert_non_null(strstr(out, "History (all time): no questions yet.\n"));
    assert_null(strstr(out, "answer rate 0%"));
    assert_non_null(strstr(out, "Answer rate per day and platform:\n  none\n"));
    free(out);
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
        cmocka_unit_test(test_report_live_entries_and_limit),
        cmocka_unit_test(test_report_json_cli),
        cmocka_unit_test(test_export_lines),
        cmocka_unit_test(test_redirects_not_open),
        cmocka_unit_test(test_parse_since),
        cmocka_unit_test(test_vote_change_of_mind),
        cmocka_unit_test(test_export_all_tables),
        cmocka_unit_test(test_report_drops_control_characters),
        cmocka_unit_test(test_report_empty_and_wording),
        cmocka_unit_test(test_dismiss_persists), /* last: it changes the history */
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
