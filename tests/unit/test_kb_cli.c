/* test_kb_cli.c - the `careerbot kb` command line, run as a child process
 * (build/san/careerbot): exit codes (0 ok, 1 errors, 2 usage), the
 * diagnostics and summary line of `kb check` in text and GitHub formats,
 * --kb vs CAREERBOT_KB, export as JSON, import, and new -> check fails. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/common.h"
#include "test_kb_util.h"
#include "tproc.h"

typedef struct run {
    int rc;
    char *out, *err;
} run;

/* Run careerbot with args (NULL-terminated) and extra env; bounded wait. */
static run bot(char *const env[], const char *a1, const char *a2, const char *a3,
               const char *a4, const char *a5, const char *a6) {
    char *bin = getenv("CB_BOT") ? cbStrdup(getenv("CB_BOT")) : tpBuildPath("san/careerbot");
    char *argv[] = {bin, (char *)a1, (char *)a2, (char *)a3, (char *)a4, (char *)a5, (char *)a6, NULL};
    tpProc p;
    run r = {-1, NULL, NULL};
    if (tpSpawn(&p, argv, env, 0) != 0) fail_msg("cannot start %s", bin);
    r.rc = tpWait(&p, 120000); /* a hang guard: training the bundled model under ASan takes seconds */
    if (r.rc < 0) tpStop(&p, 1000);
    r.out = tpReadFile(p.out_path);
    r.err = tpReadFile(p.err_path);
    tpCleanup(&p);
    free(bin);
    return r;
}

static void runFree(run *r) {
    free(r->out);
    free(r->err);
}

static char *today[] = {"CAREERBOT_TODAY=2025-06-01", "CAREERBOT_KB=", NULL};

/* want (freed here) is somewhere in out. */
static void expectIn(const char *out, char *want) {
    if (!strstr(out, want)) fail_msg("no '%s' in:\n%s", want, out);
    free(want);
}

static void test_check(void **state) {
    (void)state;
    run r = bot(today, "kb", "check", "--kb", "tests/fixtures/kb/good", NULL, NULL);
    assert_int_equal(r.rc, 0);
    assert_string_equal(r.out, "4 entries in 2 topics: 0 errors, 0 warnings\n");
    runFree(&r);
    /* The house rules are opt-in (an outside FAQ keeps its shape): the
     * small fixture breaks them, each at its line. */
    r = bot(today, "kb", "check", "--rules", "--kb", "tests/fixtures/kb/good", NULL);
    assert_int_equal(r.rc, 1);
    assert_non_null(strstr(r.out, "good/frameworks/fastapi.md:4:1: error: 'alternates' has 2 "
                                  "items; the house rule is at least 5"));
    assert_non_null(strstr(r.out, "good/learning/certifications.md:3:1: error: 'related' has 0 "
                                  "items; the house rule is at least 1"));
    assert_non_null(strstr(r.out, "good/learning/bootcamps.md:19:1: error: the answer has 21 "
                                  "words; the house rule is 60 to 250"));
    assert_non_null(strstr(r.out, "4 entries in 2 topics: 13 errors, 0 warnings\n"));
    runFree(&r);
    /* An empty folder (a wrong --kb) is said to be one, not "0 errors". */
    char *empty = ktTempDir();
    r = bot(today, "kb", "check", "--kb", empty, NULL, NULL);
    assert_int_equal(r.rc, 0);
    assert_non_null(strstr(r.out, "warning: no entries in this folder: is it the knowledge folder"));
    assert_non_null(strstr(r.out, "0 entries in 0 topics: 0 errors, 1 warning\n"));
    runFree(&r);
    ktRmTree(empty);
    free(empty);
    r = bot(today, "kb", "check", "--kb=tests/fixtures/kb/broken", NULL, NULL, NULL);
    assert_int_equal(r.rc, 1);
    assert_non_null(strstr(r.out, "tests/fixtures/kb/broken/t/bad-date.md:5:14: error: "
                                  "2026-02-30 is not a date; use YYYY-MM-DD\n"));
    assert_non_null(strstr(r.out, "\n26 entries in 3 topics: 40 errors, "));
    runFree(&r);
    r = bot(today, "kb", "check", "--format", "github", "--kb", "tests/fixtures/kb/broken");
    assert_int_equal(r.rc, 1);
    assert_non_null(strstr(r.out, "::error file=tests/fixtures/kb/broken/t/bad-date.md,line=5,"
                                  "col=14::2026-02-30 is not a date; use YYYY-MM-DD\n"));
    assert_non_null(strstr(r.out, "::warning file=tests/fixtures/kb/broken/t/Dup.md,line=2,col=1::"));
    runFree(&r);
    /* CAREERBOT_KB when there is no --kb */
    char *env[] = {"CAREERBOT_TODAY=2025-06-01", "CAREERBOT_KB=tests/fixtures/kb/warn", NULL};
    r = bot(env, "kb", "check", NULL, NULL, NULL, NULL);
    assert_int_equal(r.rc, 0);
    assert_non_null(strstr(r.out, "6 entries in 1 topic: 0 errors, 8 warnings\n"));
    runFree(&r);
}

static void test_usage(void **state) {
    (void)state;
    static const char *cases[][4] = {
        {"kb", NULL, NULL, NULL},           {"kb", "frobnicate", NULL, NULL},
        {"kb", "check", "--bogus", NULL},   {"kb", "check", "--format", "xml"},
        {"kb", "check", "--kb", NULL},      {"kb", "import", "x.json", NULL},
        {"kb", "new", NULL, NULL},          {"kb", "export", "extra", NULL},
        {"kb", "new", "nope", NULL},        {"kb", "new", "examples/foo", NULL},
    };
    for (size_t i = 0; i < CB_ARRAY_LEN(cases); i++) {
        run r = bot(today, cases[i][0], cases[i][1], cases[i][2], cases[i][3], NULL, NULL);
        if (r.rc != 2 || !strstr(r.err, "usage: careerbot kb"))
            fail_msg("case %zu (%s %s): rc %d, stderr '%s'", i, cases[i][1] ? cases[i][1] : "",
                     cases[i][2] ? cases[i][2] : "", r.rc, r.err);
        /* the folder of training questions is no topic, and says so */
        if (cases[i][2] && strcmp(cases[i][2], "examples/foo") == 0)
            assert_non_null(strstr(r.err, "reserved"));
        runFree(&r);
    }
}

static void test_export_import_new(void **state) {
    (void)state;
    run r = bot(today, "kb", "export", "--kb", "tests/fixtures/kb/good", NULL, NULL);
    assert_int_equal(r.rc, 0);
    json_error_t je;
    json_t *j = json_loads(r.out, 0, &je);
    assert_non_null(j);
    assert_int_equal(json_array_size(json_object_get(j, "entries")), 4);
    assert_int_equal(json_array_size(json_object_get(j, "topics")), 2);
    assert_int_equal(json_array_size(json_object_get(j, "synonyms")), 3);
    json_decref(j);
    char *tmp = ktTempDir(), *file = cbSprintf("%s/k.json", tmp), *out = cbSprintf("%s/kb", tmp);
    ktWrite(file, r.out);
    run i = bot(today, "kb", "import", file, "--out", out, NULL);
    assert_int_equal(i.rc, 0);
    run e = bot(today, "kb", "export", "--kb", out, NULL, NULL);
    assert_int_equal(e.rc, 0);
    assert_string_equal(r.out, e.out);
    runFree(&e);
    runFree(&i);
    i = bot(today, "kb", "import", file, "--out", out, NULL); /* not empty now */
    assert_int_equal(i.rc, 1);
    assert_non_null(strstr(i.err, "--force"));
    runFree(&i);
    /* kb new, then check fails on the template */
    run n = bot(today, "kb", "new", "career/first-job", "--kb", out, NULL);
    assert_int_equal(n.rc, 0);
    runFree(&n);
    n = bot(today, "kb", "new", "career/first-job", "--kb", out, NULL);
    assert_int_equal(n.rc, 1);
    runFree(&n);
    run c = bot(today, "kb", "check", "--kb", out, NULL, NULL);
    assert_int_equal(c.rc, 1);
    assert_non_null(strstr(c.out, "career/first-job.md:5:11: error: 'question' still has the "
                                  "template text from 'kb new'"));
    runFree(&c);
    runFree(&r);
    ktRmTree(tmp);
    free(tmp);
    free(file);
    free(out);
}

/* kb export --format csv|tsv and kb import of it through the command
 * line; a malformed file names itself as given, at line:col. */
static void test_csv_cli(void **state) {
    (void)state;
    char *tmp = ktTempDir(), *file = cbSprintf("%s/k.csv", tmp), *out = cbSprintf("%s/kb", tmp);
    run r = bot(today, "kb", "export", "--kb", "tests/fixtures/kb/good", "--format=csv", NULL);
    assert_int_equal(r.rc, 0);
    ktWrite(file, r.out);
    run i = bot(today, "kb", "import", file, "--out", out, "--base=tests/fixtures/kb/good");
    assert_int_equal(i.rc, 0);
    run e = bot(today, "kb", "export", "--kb", out, "--format=csv", NULL);
    assert_string_equal(r.out, e.out);
    runFree(&e);
    runFree(&i);
    ktWrite(file, "Question,Answer\r\nA?,\"never closed\r\n");
    i = bot(today, "kb", "import", file, "--out", out, "--force");
    assert_int_equal(i.rc, 1);
    expectIn(i.err, cbSprintf("%s:2:4: error: unterminated quoted field; close it with \"\n",
                              file));
    runFree(&i);
    e = bot(today, "kb", "export", "--kb", out, "--format=csv", NULL);
    assert_string_equal(r.out, e.out); /* the failed import changed nothing */
    runFree(&e);
    /* A European spreadsheet's ';' is named as the cause */
    ktWrite(file, "Question;Answer\nA?;\"It is; really\"\n");
    i = bot(today, "kb", "import", file, "--out", out, "--force");
    assert_int_equal(i.rc, 1);
    expectIn(i.err, cbSprintf("%s:1:1: error: the header separates its columns with ';', not "
                              "','", file));
    runFree(&i);
    /* alternates typed "a, b, c" in one line of the cell: written (it may
     * be one question), with a warning at the cell */
    ktWrite(file, "Id,Question,Answer,Alternates\nlearning/x,How do I learn it?,Step by step.,"
                  "\"how to learn it, ways to learn it, learning tips\"\n");
    i = bot(today, "kb", "import", file, "--out", out, "--force");
    expectIn(i.err, cbSprintf("%s:2:45: warning: this alternates cell is one line with 2 "
                              "commas, so it is one item", file));
    runFree(&i);
    runFree(&r);
    ktRmTree(tmp);
    free(tmp);
    free(file);
    free(out);
}

/* `ask --json` on kb of questions (one a line, on stdin); caller frees. */
static char *askAll(const char *kbdir, const char *questions) {
    char *bin = getenv("CB_BOT") ? cbStrdup(getenv("CB_BOT")) : tpBuildPath("san/careerbot");
    char *argv[] = {bin, "ask", "--json", "--kb", (char *)kbdir, NULL};
    tpProc p;
    if (tpSpawn(&p, argv, today, 1) != 0) fail_msg("cannot start %s", bin);
    assert_int_equal(tpWrite(&p, questions), 0);
    tpCloseStdin(&p);
    int rc = tpWait(&p, 60000);
    if (rc < 0) tpStop(&p, 1000);
    assert_int_equal(rc, 0);
    char *out = tpReadFile(p.out_path);
    tpCleanup(&p);
    free(bin);
    return out;
}

/* The whole knowledge travels: an exported-then-imported knowledge
 * (out-of-scope.txt, stopwords.txt and matching.json included) answers
 * exactly as the original, declines included. */
static void test_export_import_answers_same(void **state) {
    (void)state;
    struct stat st;
    if (stat("knowledge/out-of-scope.txt", &st) != 0 || stat("knowledge/matching.json", &st) != 0) {
        skip();
        return;
    }
    run r = bot(today, "kb", "export", "--kb", "knowledge", NULL, NULL);
    if (r.rc != 0) { /* ./knowledge is being edited and has errors: not this test's business */
        runFree(&r);
        skip();
        return;
    }
    json_t *j = json_loads(r.out, 0, NULL);
    assert_non_null(j);
    char *oos = ktRead("knowledge/out-of-scope.txt");
    assert_string_equal(json_string_value(json_object_get(j, "out_of_scope")), oos);
    char *stop = ktRead("knowledge/stopwords.txt");
    assert_string_equal(json_string_value(json_object_get(j, "stopwords")), stop);
    assert_true(json_is_object(json_object_get(j, "matching")));
    json_decref(j);
    char *tmp = ktTempDir(), *file = cbSprintf("%s/k.json", tmp), *out = cbSprintf("%s/kb", tmp);
    ktWrite(file, r.out);
    run i = bot(today, "kb", "import", file, "--out", out, NULL);
    assert_int_equal(i.rc, 0);
    char *oos2 = cbSprintf("%s/out-of-scope.txt", out), *copied = ktRead(oos2);
    assert_string_equal(copied, oos); /* verbatim, comments and all */
    char *stop2 = cbSprintf("%s/stopwords.txt", out), *stopcopy = ktRead(stop2);
    assert_string_equal(stopcopy, stop);
    cbFreeN(3, stop, stop2, stopcopy);
    /* examples/ travels verbatim, file by file */
    char *ex = ktRead("knowledge/examples/chat1.jsonl"), *ex2 = cbSprintf("%s/examples/chat1.jsonl", out);
    char *excopy = ktRead(ex2);
    assert_string_equal(excopy, ex);
    cbFreeN(3, ex, ex2, excopy);
    static const char qs[] = "are bootcamps worth it\n"
                             "how do i merge two dictionaries\n"
                             "should i learn django or flask first\n"
                             "what is the difference between a list and a tuple\n"
                             "is a masters degree worth it for a python dev\n"
                             "how to get experience\n";
    char *want = askAll("knowledge", qs), *got = askAll(out, qs);
    assert_string_equal(want, got);
    assert_non_null(strstr(want, "\"answered\": false")); /* a decline is among them */
    free(want);
    free(got);
    free(copied);
    free(oos2);
    free(oos);
    runFree(&i);
    runFree(&r);
    ktRmTree(tmp);
    free(tmp);
    free(file);
    free(out);
}

/* kb check warns, at the answer's line, about what chat platforms cannot
 * show: a table, an image, raw HTML. */
static void test_check_markdown(void **state) {
    (void)state;
    char *tmp = ktTempDir();
    ktCopyTree("tests/fixtures/kb/good", tmp);
    char *f = cbSprintf("%s/learning/bootcamps.md", tmp);
    char *text = ktRead(f), *more = cbSprintf("%s\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
                                              "![logo](https://example.org/l.png)\n\n<b>x</b>\n", text);
    ktWrite(f, more);
    run r = bot(today, "kb", "check", "--kb", tmp, NULL, NULL);
    assert_int_equal(r.rc, 0); /* warnings only */
    char *want[] = {cbSprintf("%s:22:1: warning: a table: Slack and Discord", f),
                    cbSprintf("%s:26:1: warning: an image: chat platforms show it as a link", f),
                    cbSprintf("%s:28:1: warning: raw HTML", f)};
    for (size_t i = 0; i < CB_ARRAY_LEN(want); i++) {
        if (!strstr(r.out, want[i])) fail_msg("no '%s' in:\n%s", want[i], r.out);
        free(want[i]);
    }
    assert_non_null(strstr(r.out, "4 entries in 2 topics: 0 errors, 3 warnings\n"));
    runFree(&r);
    /* a redirect's reply is the entries' Markdown: checked the same way */
    char *oos = cbSprintf("%s/out-of-scope.txt", tmp), *red = cbSprintf("%s/redirects.yaml", tmp);
    ktWrite(oos, "[coding-help]\nfix my code\n");
    ktWrite(red, "# where to ask\ncoding-help:\n  reply: Ask on [the forum](discuss.python.org).\n");
    r = bot(today, "kb", "check", "--kb", tmp, NULL, NULL);
    expectIn(r.out, cbSprintf("%s:3:1: warning: a link whose address is not a full http(s) "
                              "address", red));
    runFree(&r);
    cbFreeN(2, oos, red);
    ktRmTree(tmp);
    free(more);
    free(text);
    free(f);
    free(tmp);
}

/* What the platforms would cut: an answer longer than a Discord embed,
 * a question longer than Slack's header. Warnings at their lines. */
static void test_check_lengths(void **state) {
    (void)state;
    char *tmp = ktTempDir();
    ktCopyTree("tests/fixtures/kb/good", tmp);
    char *f = cbSprintf("%s/learning/bootcamps.md", tmp);
    char *text = ktRead(f);
    cbBuf b;
    bufInit(&b, 1 << 20);
    bufAppend(&b, text, strlen(text));
    for (int i = 0; i < 90; i++) bufPrintf(&b, "Bootcamps suit some people and not others. ");
    ktWrite(f, bufStr(&b));
    run r = bot(today, "kb", "check", "--kb", tmp, NULL, NULL);
    assert_int_equal(r.rc, 0);
    assert_non_null(strstr(r.out, "4 entries in 2 topics: 0 errors, 0 warnings\n"));
    runFree(&r);
    /* Each of these counts as Discord counts: é one unit (two bytes), the
     * emoji two (four bytes, a surrogate pair). */
    bufAppend(&b, "\xc3\xa9\xc3\xa9 \xf0\x9f\x98\x80 ", 10);
    for (int i = 0; i < 4; i++) bufPrintf(&b, "Bootcamps suit some people and not others. ");
    ktWrite(f, bufStr(&b));
    r = bot(today, "kb", "check", "--kb", tmp, NULL, NULL);
    assert_int_equal(r.rc, 0); /* a warning only */
    const char *w = strstr(r.out, ":19:1: warning: the answer is ");
    if (!w) fail_msg("no length warning in:\n%s", r.out);
    size_t n = strtoul(w + strlen(":19:1: warning: the answer is "), NULL, 10);
    assert_true(n > 4096);
    assert_non_null(strstr(w, " characters on Discord, which shows 4096 and cuts the rest"));
    runFree(&r);
    /* one more é (+1 unit, +2 bytes) and one more emoji (+2 units, +4
     * bytes), after the space the answer's trim dropped before (+1) */
    bufAppend(&b, "\xc3\xa9\xf0\x9f\x98\x80", 6);
    ktWrite(f, bufStr(&b));
    r = bot(today, "kb", "check", "--kb", tmp, NULL, NULL);
    expectIn(r.out, cbSprintf(":19:1: warning: the answer is %zu characters on Discord", n + 4));
    runFree(&r);
    /* The question is the answer's title: Slack's header shows 150. */
    char *q = cbSprintf("%s/learning/certifications.md", tmp), *qt = ktRead(q);
    char *at = strstr(qt, "\"question\": \"");
    assert_non_null(at);
    char *longer = cbSprintf("%.*s\"question\": \"%s %s", (int)(at - qt), qt,
                             "Which certifications, of all the ones that training companies sell "
                             "to Python developers at every level, are worth their price and the "
                             "weeks of study,", at + strlen("\"question\": \""));
    ktWrite(q, longer);
    r = bot(today, "kb", "check", "--kb", tmp, NULL, NULL);
    expectIn(r.out, cbSprintf("%s:3:1: warning: the question is 196 characters; it is the "
                              "answer's title, and Slack shows 150", q));
    runFree(&r);
    bufFree(&b);
    ktRmTree(tmp);
    cbFreeN(5, text, f, q, qt, longer);
    free(tmp);
}

/* kb check lists the out-of-scope lines the trained matcher still
 * answers (here one an entry's pattern catches), and only those; and the
 * pattern that claims it. */
static void test_check_oos_answered(void **state) {
    (void)state;
    char *tmp = ktTempDir();
    ktCopyTree("tests/fixtures/kb/good", tmp);
    char *f = cbSprintf("%s/out-of-scope.txt", tmp);
    ktWrite(f, "what is the capital of france\ntell me a joke\nhow do i fix my wifi\n"
               "my dog needs a boot camp for puppies\nrecommend a good movie\n");
    run r = bot(today, "kb", "check", "--kb", tmp, NULL, NULL);
    assert_int_equal(r.rc, 0);
    const char *head = strstr(r.out, "out-of-scope lines the model alone still answers");
    if (!head || !strstr(head, "\"my dog needs a boot camp for puppies\" -> learning/bootcamps"))
        fail_msg("got:\n%s", r.out);
    assert_null(strstr(r.out, "capital of france"));
    assert_null(strstr(r.out, "tell me a joke"));
    const char *claims = strstr(r.out, "patterns that claim what the knowledge puts elsewhere");
    if (!claims || !strstr(claims, "learning/bootcamps pattern 1 matches \"my dog needs a boot "
                                   "camp for puppies\", an out-of-scope.txt line"))
        fail_msg("got:\n%s", r.out);
    runFree(&r);
    ktRmTree(tmp);
    free(f);
    free(tmp);
}

/* A FIFO in the folder is reported and skipped; kb check must not block
 * opening it (it used to hang until a writer came). Bounded by bot()'s
 * 20 s wait. */
static void test_check_fifo(void **state) {
    (void)state;
    char *tmp = ktTempDir();
    ktCopyTree("tests/fixtures/kb/good", tmp);
    char *fifo = cbSprintf("%s/learning/pipe.md", tmp), *fifo2 = cbSprintf("%s/synonyms.json", tmp);
    unlink(fifo2);
    assert_int_equal(mkfifo(fifo, 0644), 0);
    assert_int_equal(mkfifo(fifo2, 0644), 0);
    run r = bot(today, "kb", "check", "--kb", tmp, NULL, NULL);
    assert_int_equal(r.rc, 1);
    char *want = cbSprintf("%s: error: not a regular file (a FIFO); skipped", fifo);
    char *want2 = cbSprintf("%s: error: not a regular file (a FIFO); skipped", fifo2);
    if (!strstr(r.out, want) || !strstr(r.out, want2)) fail_msg("got:\n%s", r.out);
    runFree(&r);
    ktRmTree(tmp);
    free(want);
    free(want2);
    free(fifo);
    free(fifo2);
    free(tmp);
}

/* kb eval's threshold table: one row per answer threshold, fewer right
 * and fewer wrong answers as it rises, and a row at the knowledge's own
 * threshold (knowledge/matching.json's answer_threshold, a row of its
 * own when it falls between two steps) is the main figures. */
static void test_eval_sweep(void **state) {
    (void)state;
    json_error_t me;
    json_t *matching = json_load_file("knowledge/matching.json", 0, &me);
    if (!matching) fail_msg("knowledge/matching.json: %s", me.text);
    double own = json_number_value(json_object_get(matching, "answer_threshold"));
    json_decref(matching);
    assert_true(own >= 0.5 && own <= 0.9);
    run r = bot(today, "kb", "eval", "--json", "--kb=knowledge", "tests/eval/fresh.jsonl", NULL);
    if (r.rc != 0 && r.rc != 1) fail_msg("rc %d: %s", r.rc, r.err);
    json_error_t e;
    json_t *j = json_loads(r.out, 0, &e);
    if (!j) fail_msg("not JSON: %s\n%s", e.text, r.out);
    json_t *sw = json_object_get(j, "threshold_sweep");
    /* 0.5 to 0.9 in steps of 0.05, and the knowledge's own if between */
    assert_int_equal(json_array_size(sw), fabs(own * 20 - round(own * 20)) < 1e-9 ? 9 : 10);
    double last_t = 0, last_c = 2, last_w = 2, last_o = -1;
    int matched = 0;
    for (size_t i = 0; i < json_array_size(sw); i++) {
        json_t *row = json_array_get(sw, i);
        double t = json_real_value(json_object_get(row, "answer_threshold"));
        double c = json_real_value(json_object_get(row, "answered_correct"));
        double w = json_real_value(json_object_get(row, "wrong"));
        double o = json_real_value(json_object_get(row, "out_of_scope_abstained"));
        assert_true(t > last_t && c <= last_c && w <= last_w && o >= last_o);
        if (fabs(t - own) < 1e-9) {
            matched = 1;
            assert_true(c == json_real_value(json_object_get(j, "answered_correct")));
            assert_true(w == json_real_value(json_object_get(j, "wrong")));
            assert_true(o == json_real_value(json_object_get(j, "out_of_scope_abstained")));
        }
        last_t = t, last_c = c, last_w = w, last_o = o;
    }
    assert_true(matched);
    double c_lo = json_real_value(json_object_get(json_array_get(sw, 0), "answered_correct"));
    assert_true(c_lo > last_c); /* the rows differ: 0.5 answers more than 0.9 */
    json_decref(j);
    runFree(&r);
}

/* kb eval counts the answers the sentences that ask gave after context
 * (and how many were right), and marks such a miss. The bundled
 * knowledge's examples teach it stories like this one, so a copy with an
 * answer threshold of 0.95 leaves the whole unsure. */
static void test_eval_asked_part(void **state) {
    (void)state;
    char *tmp = ktTempDir(), *path = cbSprintf("%s/asked.jsonl", tmp);
    char *kbdir = cbSprintf("%s/kb", tmp), *cmd = cbSprintf("cp -r knowledge %s", kbdir);
    assert_int_equal(system(cmd), 0);
    char *mpath = cbSprintf("%s/matching.json", kbdir), *kbopt = cbSprintf("--kb=%s", kbdir);
    json_t *m = json_load_file(mpath, 0, NULL);
    assert_non_null(m);
    json_object_set_new(m, "answer_threshold", json_real(0.95));
    assert_int_equal(json_dump_file(m, mpath, 0), 0);
    json_decref(m);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    const char *story = "I'm 39 and I have driven trucks for fifteen years. I did a free Python "
                        "course last winter and loved it. Am I too old to become a developer?";
    fprintf(f,
            "{\"q\": \"%s\", \"gold\": [\"learning/career-change-later\"]}\n"
            "{\"q\": \"%s!\", \"gold\": [\"learning/career-switch\"]}\n",
            story, story);
    fputs("{\"q\": \"Is a coding bootcamp worth it?\", \"gold\": [\"bootcamps/worth-it\"]}\n", f);
    fclose(f);
    run r = bot(today, "kb", "eval", "--json", kbopt, path, NULL);
    if (r.rc != 0 && r.rc != 1) fail_msg("rc %d: %s", r.rc, r.err);
    json_error_t e;
    json_t *j = json_loads(r.out, 0, &e);
    if (!j) fail_msg("not JSON: %s\n%s", e.text, r.out);
    json_t *counts = json_object_get(j, "counts");
    assert_int_equal(json_integer_value(json_object_get(counts, "asked_part")), 2);
    assert_int_equal(json_integer_value(json_object_get(counts, "asked_part_right")), 1);
    json_t *miss = json_array_get(json_object_get(j, "misses"), 0); /* the second: wrong gold */
    assert_non_null(miss);
    assert_true(json_is_true(json_object_get(miss, "asked_part")));
    json_decref(j);
    runFree(&r);
    r = bot(today, "kb", "eval", kbopt, path, NULL, NULL);
    if (!strstr(r.out, "answered from the sentences that ask, after context: 2 (1 right)"))
        fail_msg("got:\n%s", r.out);
    runFree(&r);
    unlink(path);
    ktRmTree(tmp);
    cbFreeN(6, path, tmp, kbdir, cmd, mpath, kbopt);
}

/* An eval file's problems are named and not counted: a BOM is fine, a
 * blank question is a bad line, a copied phrasing (an alternate, or a
 * question of examples/) is left out of the
 * figures, and with any of them the eval does not pass (exit 1, "pass"
 * false); no question at all, or a directory, is an error too. A
 * question's control characters never reach the MISS list. */
static void test_eval_file_problems(void **state) {
    (void)state;
    char *tmp = ktTempDir(), *path = cbSprintf("%s/odd.jsonl", tmp);
    ktWrite(path, "\xEF\xBB\xBF{\"q\": \"is a coding bootcamp worth it?\", \"gold\": [\"bootcamps/worth-it\"]}\n"
                  "{\"q\": \"python developer salary\", \"gold\": [\"career/salary\"]}\n"
                  "{\"q\": \"   \", \"gold\": []}\n"
                  "{\"q\": \"fix my \\u001b[31mcode\\nMISS fake.jsonl:99\", \"gold\": [\"career/salary\"]}\n"
                  "{\"q\": \"Le Wagon vs Ironhack vs a small local one in Madrid... how do you "
                  "even compare these, is there some checklist\", \"gold\": [\"bootcamps/choosing\"]}\n"
                  "{\"q\": \"certs worth it?\", \"gold\": [\"certifications/value\"],}\n"
                  "{\"q\": \"certs worth it??\", \"gold\": [\"certifications/valu\"]}\n");
    run r = bot(today, "kb", "eval", "--json", "--kb=knowledge", path, NULL);
    assert_int_equal(r.rc, 1);
    json_t *j = json_loads(r.out, 0, NULL);
    if (!j) fail_msg("not JSON:\n%s", r.out);
    json_t *counts = json_object_get(j, "counts");
    assert_int_equal(json_integer_value(json_object_get(counts, "queries")), 2);
    assert_int_equal(json_integer_value(json_object_get(counts, "copied")), 2); /* examples/ too */
    assert_non_null(strstr(r.err, "odd.jsonl:5: error: eval question \"Le Wagon"));
    assert_non_null(strstr(r.err, "is an example at knowledge/examples/chat1.jsonl:2;"));
    assert_int_equal(json_integer_value(json_object_get(counts, "bad_lines")), 3);
    assert_false(json_is_true(json_object_get(j, "pass")));
    json_decref(j);
    assert_non_null(strstr(r.err, "odd.jsonl:3:1: error: each line must be {\"q\""));
    /* kb check's words for the same slips in examples/: column and fix */
    assert_non_null(strstr(r.err, "odd.jsonl:6:59: error: malformed JSON: string or '}' "
                                  "expected near '}'; remove the comma before it"));
    assert_non_null(strstr(r.err, "odd.jsonl:7:36: error: no entry has the id "
                                  "'certifications/valu'; did you mean 'certifications/value'?"));
    runFree(&r);
    r = bot(today, "kb", "eval", "--kb=knowledge", path, NULL, NULL);
    assert_null(strchr(r.out, '\x1b'));
    assert_null(strstr(r.out, "\nMISS fake.jsonl:99"));
    runFree(&r);
    ktWrite(path, "");
    r = bot(today, "kb", "eval", "--kb=knowledge", path, NULL, NULL);
    assert_int_equal(r.rc, 1);
    assert_non_null(strstr(r.err, "no questions to measure"));
    runFree(&r);
    r = bot(today, "kb", "eval", "--kb=knowledge", tmp, NULL, NULL);
    assert_int_equal(r.rc, 1);
    assert_non_null(strstr(r.err, "is a directory"));
    runFree(&r);
    unlink(path);
    ktRmTree(tmp);
    free(path);
    free(tmp);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_eval_file_problems),
        cmocka_unit_test(test_eval_sweep),
        cmocka_unit_test(test_eval_asked_part),
        cmocka_unit_test(test_check_fifo),
        cmocka_unit_test(test_check_markdown),
        cmocka_unit_test(test_check_lengths),
        cmocka_unit_test(test_check_oos_answered),
        cmocka_unit_test(test_check),
        cmocka_unit_test(test_usage),
        cmocka_unit_test(test_export_import_new),
        cmocka_unit_test(test_export_import_answers_same),
        cmocka_unit_test(test_csv_cli),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
