/* test_report_accept.c - one step from a report suggestion to the
 * knowledge, on a knowledge checkout written by `kb import`: `report accept
 * ID` adds the group's real questions as training examples of the entry
 * they mean (examples/accepted.jsonl; the entry files untouched), and
 * with --alternates as its alternates, the entry file's diff exactly
 * those lines (on a copy of the repository's knowledge/, whose older
 * files have JSON front matter, also at most the comma after the old last
 * alternate); `report dismiss --out-of-scope` adds them as examples to
 * decline; a question an example already teaches otherwise is not added
 * (a warning), and a full file continues in accepted-2.jsonl;
 * `kb check` passes; asking the questions again now finds the entry, so the
 * report lists the group as answered; accept refuses an entry that does
 * not exist, and a group that means no entry becomes a `kb new` draft with
 * the questions filled in. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include "base/common.h"
#include "cli/cli.h"
#include "kb/kb.h"
#include "kb/kb_export.h"
#include "ops/history.h"
#include "tproc.h"

static char dir[128], db[200], kbdir[200], entry[260];

static char *run(int argc, char **argv, int *rc) {
    char out[200];
    snprintf(out, sizeof out, "%s/out.txt", dir);
    fflush(stdout);
    int save = dup(1), fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(save >= 0 && fd >= 0);
    dup2(fd, 1);
    *rc = cmdReport(argc, argv);
    fflush(stdout);
    dup2(save, 1);
    close(fd);
    close(save);
    return tpReadFile(out);
}

/* A checkout of the fixture knowledge as `kb import` writes it. */
static void makeCheckout(void) {
    cbDiags d;
    cbDiagsInit(&d);
    kb *k = kbLoad("tests/fixtures/app-kb", &d);
    assert_non_null(k);
    char *json = kbExportJson(k), file[200], err[CB_ERRLEN];
    kbFree(k);
    snprintf(file, sizeof file, "%s/export.json", dir);
    FILE *f = fopen(file, "w");
    assert_non_null(f);
    fputs(json, f);
    fclose(f);
    free(json);
    if (kbImport(file, kbdir, 0, &d, err) != CB_OK) fail_msg("import: %s", err);
    cbDiagsFree(&d);
}

static void q(histStore *h, const char *text, const char *cands) {
    histQuestion x = {.time = cbWallTime(), .platform = "slack", .channel_kind = "channel",
                      .user = "U1", .question = text, .normalized = "", .outcome = "abstain",
                      .candidates_json = cands};
    assert_int_equal(histRecordQuestion(h, &x, 0.7), CB_OK);
}

static int setup(void **state) {
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/cb_test_report_accept_%d", (int)getpid());
    snprintf(db, sizeof db, "%s/h.db", dir);
    snprintf(kbdir, sizeof kbdir, "%s/kb", dir);
    snprintf(entry, sizeof entry, "%s/jobs/first-job.md", kbdir);
    char err[CB_ERRLEN];
    histStore *h = histOpen(db, NULL, err); /* makes dir */
    assert_non_null(h);
    /* Questions none of whose words the fixture knowledge uses (it has no
     * out-of-scope examples, so the learned matcher answers anything close
     * to an entry): unanswered until their group is accepted. */
    const char *near = "[{\"id\":\"jobs/first-job\",\"confidence\":0.25}]";
    q(h, "Which ergonomic keyboard should I buy?", near);
    q(h, "ergonomic keyboard??", near);
    q(h, "Picking an ergonomic keyboard", near);
    q(h, "how do I bake sourdough bread", "[]");
    histClose(h);
    makeCheckout();
    return 0;
}

static int teardown(void **state) {
    (void)state;
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static json_t *report(void) {
    char *argv[] = {"report", "--json", "--db", db, "--kb", kbdir, NULL};
    int rc;
    char *out = run(6, argv, &rc);
    assert_int_equal(rc, CB_EXIT_OK);
    json_t *j = json_loads(out, 0, NULL);
    free(out);
    assert_non_null(j);
    return j;
}

/* The group (in section) whose examples include text, or NULL. */
static json_t *group(json_t *root, const char *section, const char *text) {
    size_t i, k;
    json_t *g, *ex;
    json_array_foreach(json_object_get(root, section), i, g)
        json_array_foreach(json_object_get(g, "examples"), k, ex)
            if (strcmp(json_string_value(ex), text) == 0) return g;
    return NULL;
}

static int countLines(const char *text, char c) {
    int n = 0;
    for (const char *p = text; *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : p + strlen(p))
        n += *p == c;
    return n;
}

static const char *groupId(const char *text, char *id, size_t n) {
    json_t *root = report();
    json_t *g = group(root, "unanswered_groups", text);
    assert_non_null(g);
    snprintf(id, n, "%s", json_string_value(json_object_get(g, "id")));
    json_decref(root);
    return id;
}

/* A copy of the entry file as it is now, at before. */
static void saveEntry(char *before, size_t n) {
    char cmd[800];
    snprintf(before, n, "%s/before.md", dir);
    snprintf(cmd, sizeof cmd, "cp %s %s", entry, before);
    assert_int_equal(system(cmd), 0);
}

static void test_accept_adds_alternates(void **state) {
    (void)state;
    json_t *root = report();
    json_t *g = group(root, "unanswered_groups", "ergonomic keyboard??");
    assert_non_null(g);
    assert_string_equal(json_string_value(json_object_get(g, "target")), "jobs/first-job");
    json_decref(root);
    char id[32], before[260], cmd[800];
    groupId("ergonomic keyboard??", id, sizeof id);
    saveEntry(before, sizeof before);
    char *argv[] = {"report", "accept", id, "--alternates", "--db", db, "--kb", kbdir, NULL};
    int rc;
    char *out = run(8, argv, &rc);
    assert_int_equal(rc, CB_EXIT_OK);
    assert_non_null(strstr(out, "3 alternates added to jobs/first-job"));
    assert_non_null(strstr(out, "0 errors")); /* kb check ran */
    free(out);
    /* The diff: three lines added, nothing else. */
    char diffout[260];
    snprintf(diffout, sizeof diffout, "%s/diff.txt", dir);
    snprintf(cmd, sizeof cmd, "diff %s %s > %s", before, entry, diffout);
    assert_int_equal(WEXITSTATUS(system(cmd)), 1);
    char *diff = tpReadFile(diffout);
    assert_int_equal(countLines(diff, '<'), 0);
    assert_int_equal(countLines(diff, '>'), 3);
    assert_non_null(strstr(diff, "Which ergonomic keyboard should I buy?"));
    assert_non_null(strstr(diff, "ergonomic keyboard??"));
    assert_non_null(strstr(diff, "Picking an ergonomic keyboard"));
    free(diff);
    /* Asked again, the live knowledge answers them: listed as answered. */
    root = report();
    assert_null(group(root, "unanswered_groups", "ergonomic keyboard??"));
    g = group(root, "now_answered_groups", "ergonomic keyboard??");
    assert_non_null(g);
    assert_string_equal(json_string_value(json_object_get(g, "now_answered_by")), "jobs/first-job");
    assert_int_equal(json_integer_value(json_object_get(g, "now_answered")), 3);
    json_decref(root);
    /* A second accept adds nothing (already there) and records no second
     * decision: the first keeps its three questions. */
    out = run(8, argv, &rc);
    assert_int_equal(rc, CB_EXIT_OK);
    assert_non_null(strstr(out, "nothing to add: every question of group"));
    free(out);
    sqlite3 *c;
    assert_int_equal(sqlite3_open(db, &c), SQLITE_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(c, "SELECT count(*), (SELECT count(*) FROM "
                                           "decided_questions WHERE decision_id = min(d.id)) "
                                           "FROM decisions d WHERE decision = 'accept'",
                                        -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), 1);
    assert_int_equal(sqlite3_column_int(st, 1), 3);
    sqlite3_finalize(st);
    sqlite3_close(c);
}


static char *examplesFile(int n) {
    char path[260];
    if (n == 1) snprintf(path, sizeof path, "%s/examples/accepted.jsonl", kbdir);
    else snprintf(path, sizeof path, "%s/examples/accepted-%d.jsonl", kbdir, n);
    return access(path, F_OK) == 0 ? tpReadFile(path) : NULL;
}

/* The default: examples of the entry, its file untouched, the bot (the
 * report's fresh load) answers them after retraining on its own. */
static void test_accept_adds_examples(void **state) {
    (void)state;
    char id[32], before[260], cmd[800];
    groupId("ergonomic keyboard??", id, sizeof id);
    saveEntry(before, sizeof before);
    char *argv[] = {"report", "accept", id, "--db", db, "--kb", kbdir, NULL};
    int rc;
    char *out = run(7, argv, &rc);
    assert_int_equal(rc, CB_EXIT_OK);
    assert_non_null(strstr(out, "3 examples of jobs/first-job added"));
    assert_non_null(strstr(out, "0 errors")); /* kb check ran */
    free(out);
    snprintf(cmd, sizeof cmd, "cmp -s %s %s", before, entry);
    assert_int_equal(system(cmd), 0); /* the entry file is as it was */
    char *ex = examplesFile(1);
    assert_non_null(ex);
    assert_int_equal(countLines(ex, '{'), 3);
    assert_non_null(strstr(ex, "{\"q\": \"ergonomic keyboard??\", \"gold\": [\"jobs/first-job\"]}\n"));
    assert_int_equal(ex[0], '#'); /* a new file says where its lines come from */
    free(ex);
    json_t *root = report();
    assert_null(group(root, "unanswered_groups", "ergonomic keyboard??"));
    json_t *g = group(root, "now_answered_groups", "ergonomic keyboard??");
    assert_non_null(g);
    assert_string_equal(json_string_value(json_object_get(g, "now_answered_by")), "jobs/first-job");
    json_decref(root);
    out = run(7, argv, &rc); /* again: nothing new, no second decision */
    assert_int_equal(rc, CB_EXIT_OK);
    assert_non_null(strstr(out, "nothing to add"));
    free(out);
    ex = examplesFile(1);
    assert_int_equal(countLines(ex, '{'), 3);
    free(ex);
}

/* dismiss --out-of-scope: the questions become examples to decline; a
 * question an example teaches otherwise is not added. */
static void test_dismiss_out_of_scope(void **state) {
    (void)state;
    char id[32];
    groupId("how do I bake sourdough bread", id, sizeof id);
    char *argv[] = {"report", "dismiss", id, "--out-of-scope", "--db", db, "--kb", kbdir, NULL};
    int rc;
    char *out = run(8, argv, &rc);
    assert_int_equal(rc, CB_EXIT_OK);
    assert_non_null(strstr(out, "1 example of out of scope added"));
    assert_non_null(strstr(out, "dismissed"));
    free(out);
    char *ex = examplesFile(1);
    assert_non_null(strstr(ex, "{\"q\": \"how do I bake sourdough bread\", \"gold\": []}\n"));
    free(ex);
    json_t *root = report();
    assert_null(group(root, "unanswered_groups", "how do I bake sourdough bread"));
    json_decref(root);
    /* The same question as an example of an entry: a warning, nothing
     * written, one question left to decide; not text: the same. */
    const char *qs[] = {"How do I bake sourdough bread?", "bad \xff\xfe utf8 keyboard"};
    kbLearned got;
    char err[CB_ERRLEN];
    cbDiags notes, d;
    cbDiagsInit(&notes);
    cbDiagsInit(&d);
    assert_int_equal(kbAddExamples(kbdir, "jobs/first-job", qs, 2, &got, &notes, &d, err), CB_OK);
    assert_int_equal(got.added, 0);
    assert_int_equal(got.skipped, 2);
    assert_null(got.path);
    assert_int_equal(notes.nwarnings, 2);
    assert_non_null(strstr(notes.v[0].msg, "is an example of '(out of scope)' here"));
    assert_non_null(strstr(notes.v[0].file, "examples/accepted.jsonl"));
    assert_int_equal(notes.v[0].line, 2); /* the line after the file's comment */
    assert_non_null(strstr(notes.v[1].msg, "not valid UTF-8"));
    assert_int_equal(kbAddExamples(kbdir, "jobs/nope", qs, 1, &got, &notes, &d, err), CB_ERR);
    assert_non_null(strstr(err, "no entry 'jobs/nope'"));
    cbDiagsFree(&notes);
    cbDiagsFree(&d);
}

/* A group one of whose questions an example teaches otherwise: the
 * others are added, no decision is recorded, the group stays in the
 * report for a person to settle. */
static void test_conflict_keeps_group(void **state) {
    (void)state;
    char id[32], cmd[600];
    groupId("ergonomic keyboard??", id, sizeof id);
    snprintf(cmd, sizeof cmd, "mkdir -p %s/examples && printf '%%s\\n' "
             "'{\"q\": \"ergonomic keyboard\", \"gold\": []}' > %s/examples/mine.jsonl", kbdir, kbdir);
    assert_int_equal(system(cmd), 0);
    char *argv[] = {"report", "accept", id, "--db", db, "--kb", kbdir, NULL};
    int rc;
    char *out = run(7, argv, &rc);
    assert_int_equal(rc, CB_EXIT_OK);
    assert_non_null(strstr(out, "2 examples of jobs/first-job added"));
    assert_non_null(strstr(out, "1 question of group"));
    assert_non_null(strstr(out, "no decision recorded"));
    free(out);
    json_t *root = report();
    assert_non_null(group(root, "unanswered_groups", "ergonomic keyboard??")); /* still there */
    json_decref(root);
}

/* examples/accepted.jsonl of the checkout filled with valid lines to at
 * least bytes; its path into path. */
static void fillExamples(char *path, size_t n, long bytes) {
    char cmd[300];
    snprintf(cmd, sizeof cmd, "mkdir -p %s/examples", kbdir);
    assert_int_equal(system(cmd), 0);
    snprintf(path, n, "%s/examples/accepted.jsonl", kbdir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    for (long i = 0, wrote = 0; wrote < bytes; i++)
        wrote += fprintf(f, "{\"q\": \"filler question %ld\", \"gold\": [\"jobs/first-job\"]}\n", i);
    fclose(f);
}

/* A write that fails (the file size limit here; a full disk alike)
 * leaves the examples file as it was, and no temporary file. */
static void test_failed_write_keeps_file(void **state) {
    (void)state;
    char path[260], cmd[600];
    fillExamples(path, sizeof path, 16384);
    char *before = tpReadFile(path);
    struct rlimit old, small = {.rlim_cur = 8192, .rlim_max = RLIM_INFINITY};
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    small.rlim_max = old.rlim_max;
    void (*was)(int) = signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
    const char *qs[] = {"a question about keyboards for the limit"};
    kbLearned got;
    char err[CB_ERRLEN];
    cbDiags notes, d;
    cbDiagsInit(&notes);
    cbDiagsInit(&d);
    int rc = kbAddExamples(kbdir, "jobs/first-job", qs, 1, &got, &notes, &d, err);
    setrlimit(RLIMIT_FSIZE, &old);
    signal(SIGXFSZ, was);
    assert_int_equal(rc, CB_ERR);
    assert_int_equal(got.added, 0);
    assert_non_null(strstr(err, "left as it was"));
    char *after = tpReadFile(path);
    assert_string_equal(before, after);
    snprintf(cmd, sizeof cmd, "ls %s/examples | grep -c tmp", kbdir);
    assert_int_not_equal(system(cmd), 0); /* grep found no temporary file */
    free(got.path);
    free(before);
    free(after);
    cbDiagsFree(&notes);
    cbDiagsFree(&d);
}

/* Questions as users type them, hostile to a JSON line (quotes,
 * backslashes, newlines, control characters, a leading '#', line and
 * paragraph separators, emoji): each written line reads back, after a
 * load, as exactly the question it came from. */
static void test_hostile_text_round_trips(void **state) {
    (void)state;
    const char *qs[] = {"she said \"certs?\" and left", "path C:\\Users\\me\\cv.pdf?",
                        "line one\nline two\r\nline three", "tab\there \x01\x1f bell\a",
                        "# not a comment, a question about git", "u2028\xe2\x80\xa8 and \xe2\x80\xa9 u2029",
                        "emoji \xf0\x9f\x98\x85 keyboards?"};
    size_t n = CB_ARRAY_LEN(qs);
    kbLearned got;
    char err[CB_ERRLEN];
    cbDiags notes, d;
    cbDiagsInit(&notes);
    cbDiagsInit(&d);
    int rc = kbAddExamples(kbdir, "jobs/first-job", qs, n, &got, &notes, &d, err);
    if (rc != CB_OK) cbDiagsPrint(&d, "text", stderr);
    assert_int_equal(rc, CB_OK);
    assert_int_equal(got.added, n);
    free(got.path);
    kb *k = kbLoad(kbdir, &d);
    assert_non_null(k);
    for (size_t i = 0; i < n; i++) {
        size_t found = 0;
        for (size_t t = 0; t < k->train_q.n; t++)
            found += strcmp(k->train_q.v[t], qs[i]) == 0 &&
                     strcmp(k->train_ids.v[t], "jobs/first-job") == 0;
        if (found != 1) fail_msg("question %zu did not read back once: %zu", i, found);
    }
    kbFree(k);
    cbDiagsFree(&notes);
    cbDiagsFree(&d);
}

/* accepted.jsonl near the file bound: the next lines go to accepted-2. */
static void test_full_file_continues(void **state) {
    (void)state;
    char path[260];
    fillExamples(path, sizeof path, KB_MAX_FILE - 100);
    const char *qs[] = {"a first real question about keyboards", "a second one about keyboards"};
    kbLearned got;
    char err[CB_ERRLEN];
    cbDiags notes, d;
    cbDiagsInit(&notes);
    cbDiagsInit(&d);
    int rc = kbAddExamples(kbdir, "jobs/first-job", qs, 2, &got, &notes, &d, err);
    if (rc != CB_OK) cbDiagsPrint(&d, "text", stderr);
    assert_int_equal(rc, CB_OK);
    assert_int_equal(got.added, 2);
    assert_non_null(strstr(got.path, "accepted-2.jsonl"));
    char *two = examplesFile(2);
    assert_non_null(strstr(two, "a second one about keyboards"));
    free(two);
    free(got.path);
    /* a batch bigger than a file can hold: refused, nothing written */
    char *huge = cbCalloc(KB_MAX_FILE, 1);
    memset(huge, 'k', KB_MAX_FILE - 10);
    const char *big[] = {huge};
    assert_int_equal(kbAddExamples(kbdir, "jobs/first-job", big, 1, &got, &notes, &d, err), CB_ERR);
    assert_non_null(strstr(err, "smaller groups"));
    assert_null(examplesFile(3));
    free(huge);
    cbDiagsFree(&notes);
    cbDiagsFree(&d);
}

static void test_accept_refuses_unknown_and_drafts_new(void **state) {
    (void)state;
    json_t *root = report();
    json_t *g = group(root, "unanswered_groups", "how do I bake sourdough bread");
    assert_non_null(g);
    assert_true(json_is_null(json_object_get(g, "target")));
    char id[32];
    snprintf(id, sizeof id, "%s", json_string_value(json_object_get(g, "id")));
    json_decref(root);
    int rc;
    char *plain[] = {"report", "accept", id, "--db", db, "--kb", kbdir, NULL};
    free(run(7, plain, &rc));
    assert_int_equal(rc, CB_EXIT_USAGE); /* means no entry: name one */
    char *unknown[] = {"report", "accept", id, "--entry", "jobs/nope", "--db", db, "--kb", kbdir, NULL};
    free(run(9, unknown, &rc));
    assert_int_equal(rc, CB_EXIT_FAIL);
    char *as[] = {"report", "accept", id, "--as", "jobs/baking", "--db", db, "--kb", kbdir, NULL};
    char *out = run(9, as, &rc);
    assert_int_equal(rc, CB_EXIT_OK);
    assert_non_null(strstr(out, "new entry draft"));
    free(out);
    char draft[260];
    snprintf(draft, sizeof draft, "%s/jobs/baking.md", kbdir);
    char *text = tpReadFile(draft);
    assert_non_null(strstr(text, "\nquestion: \"how do I bake sourdough bread\"\n"));
    assert_null(strstr(text, "the main question")); /* the question's placeholder is gone */
    assert_non_null(strstr(text, "TODO(kb new)")); /* the rest is for a person to write */
    free(text);
}

/* The repository's own knowledge, front matter as it is (JSON or YAML). */
static void test_accept_keeps_the_file_format(void **state) {
    (void)state;
    char cmd[800], target[260], before[260], diffout[260];
    snprintf(cmd, sizeof cmd, "rm -rf %s && cp -r knowledge %s", kbdir, kbdir);
    assert_int_equal(system(cmd), 0);
    snprintf(target, sizeof target, "%s/bootcamps/choosing.md", kbdir);
    snprintf(before, sizeof before, "%s/before.md", dir);
    snprintf(cmd, sizeof cmd, "cp %s %s", target, before);
    assert_int_equal(system(cmd), 0);
    json_t *root = report();
    json_t *g = group(root, "unanswered_groups", "ergonomic keyboard??");
    assert_non_null(g);
    char id[32];
    snprintf(id, sizeof id, "%s", json_string_value(json_object_get(g, "id")));
    json_decref(root);
    char *argv[] = {"report", "accept", id, "--entry", "bootcamps/choosing", "--alternates", "--db",
                    db, "--kb", kbdir, NULL};
    int rc;
    char *out = run(10, argv, &rc);
    assert_int_equal(rc, CB_EXIT_OK);
    assert_non_null(strstr(out, "3 alternates added to bootcamps/choosing"));
    free(out);
    snprintf(diffout, sizeof diffout, "%s/diff.txt", dir);
    snprintf(cmd, sizeof cmd, "diff %s %s > %s", before, target, diffout);
    assert_int_equal(WEXITSTATUS(system(cmd)), 1);
    char *diff = tpReadFile(diffout);
    int removed = countLines(diff, '<');
    assert_true(removed <= 1); /* JSON: the comma after the old last alternate */
    assert_int_equal(countLines(diff, '>'), 3 + removed);
    free(diff);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_accept_adds_examples, setup, teardown),
        cmocka_unit_test_setup_teardown(test_accept_adds_alternates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dismiss_out_of_scope, setup, teardown),
        cmocka_unit_test_setup_teardown(test_full_file_continues, setup, teardown),
        cmocka_unit_test_setup_teardown(test_conflict_keeps_group, setup, teardown),
        cmocka_unit_test_setup_teardown(test_hostile_text_round_trips, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_write_keeps_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_accept_refuses_unknown_and_drafts_new, setup, teardown),
        cmocka_unit_test_setup_teardown(test_accept_keeps_the_file_format, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
