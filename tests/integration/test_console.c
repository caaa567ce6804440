/* test_console.c - the console transport. In-process: a cbApp on a private
 * uv loop with the fixture knowledge, fed through a pipe or a regular file,
 * output captured in a temporary file: answers, /topics, /help, /faq, /show,
 * unknown /commands, blank lines, quit/EOF calling the stop hook, a line
 * over 1 MB answered with an error and skipped, shutdown and free with the
 * input still open (LeakSanitizer checks), a choice picked by its number,
 * "not helpful" as a vote on the last answer.
 * Then as a user runs it:
 * `careerbot --console` with piped stdin must answer and exit 0. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/process.h"
#include "base/common.h"
#include "platform/console/console.h"
#include "tproc.h"

#define KB_DIR "tests/fixtures/app-kb"
#define RUN_MS 20000.0

typedef struct consoleFix {
    cbApp app;
    uv_loop_t loop;
    FILE *out;
    int stops;
    char why[32];
} consoleFix;

static int setupFix(void **state) {
    setenv("CAREERBOT_TODAY", "2025-06-01", 1);
    consoleFix *f = cbCalloc(1, sizeof(*f));
    engParams p;
    engDefaultParams(&p);
    cbDiags d;
    cbDiagsInit(&d);
    f->app.k = knowledgeLoad(KB_DIR, &p, &d);
    cbDiagsFree(&d);
    if (!f->app.k || uv_loop_init(&f->loop) != 0) return -1;
    f->app.loop.uv = &f->loop;
    f->out = tmpfile();
    *state = f;
    return f->out ? 0 : -1;
}

static int teardownFix(void **state) {
    consoleFix *f = *state;
    assert_int_equal(uv_loop_close(&f->loop), 0); /* every handle was closed */
    knowledgeFree(f->app.k);
    fclose(f->out);
    free(f);
    return 0;
}

static void onStop(cbApp *a, void *ud, const char *why) {
    consoleFix *f = ud;
    assert_ptr_equal(a, &f->app);
    f->stops++;
    snprintf(f->why, sizeof(f->why), "%s", why);
    uv_stop(&f->loop);
}

/* Run the loop until the stop hook ran and the input handle closed. */
static void runUntilStopped(consoleFix *f, cbTransport *t) {
    double end = cbNowMs() + RUN_MS;
    while ((f->stops == 0 || t->type->in_flight(t) > 0) && cbNowMs() < end)
        uv_run(&f->loop, UV_RUN_ONCE);
    assert_int_equal(f->stops, 1);
    assert_int_equal(t->type->in_flight(t), 0);
}

static char *readOut(consoleFix *f) {
    fflush(f->out);
    long n = ftell(f->out);
    char *s = cbMalloc((size_t)n + 1);
    rewind(f->out);
    assert_int_equal(fread(s, 1, (size_t)n, f->out), (size_t)n);
    s[n] = '\0';
    return s;
}

static void assertHas(const char *text, const char *needle) {
    if (!strstr(text, needle)) fail_msg("missing [%s] in:\n%s", needle, text);
}

static cbTransport *startOnFd(consoleFix *f, int fd) {
    cbTransport *t = consoleTransportNewWith(&f->app, fd, f->out);
    consoleSetStopHook(t, onStop, f);
    char err[CB_ERRLEN];
    assert_int_equal(t->type->start(t, err), CB_OK);
    assert_string_equal(t->type->name, "console");
    return t;
}

static void testPipedCommandsAndQuit(void **state) {
    consoleFix *f = *state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    const char *in = "is a coding bootcamp worth it?\n/topics\n/help\n"
                     "/faq django or flask for a beginner\n/show jobs/cv\n/bogus\n\n   \n"
                     "QUIT\nwhat should a python developer put on a cv\n";
    assert_int_equal(write(fds[1], in, strlen(in)), (ssize_t)strlen(in));
    cbTransport *t = startOnFd(f, fds[0]);
    char why[64];
    assert_int_equal(t->type->healthy(t, why, sizeof(why)), 1);
    runUntilStopped(f, t);
    assert_string_equal(f->why, "quit");
    assert_int_equal(consoleAnswered(t), 5); /* /bogus and blanks are not questions; nothing after quit */
    assert_int_equal(t->type->healthy(t, why, sizeof(why)), 0);
    char *out = readOut(f);
    const char *want[] = {"structure and deadlines", "https://www.coursereport.com/", "Topics",
                          "Learning paths", "`topic NAME`", "Should I learn Django or Flask first?",
                          "What should a Python developer put on a CV?", "I don't know that command"};
    for (size_t i = 0; i < CB_ARRAY_LEN(want); i++) assertHas(out, want[i]);
    assert_null(strstr(out, CONSOLE_PROMPT)); /* a pipe gets no prompt */
    /* the CV entry was shown once (by /show); the question after QUIT was not answered */
    assert_non_null(strstr(out, "Lead with"));
    assert_null(strstr(strstr(out, "Lead with") + 1, "Lead with"));
    free(out);
    t->type->free(t);
    close(fds[1]);
}

static int countOf(const char *s, const char *needle) {
    int n = 0;
    for (; (s = strstr(s, needle)) != NULL; s++) n++;
    return n;
}

/* A number alone picks a choice the last reply numbered (its related
 * entries here); with no list it is just a question, past the list it
 * says which numbers there are, and an error keeps the list. */
static void testPickByNumber(void **state) {
    consoleFix *f = *state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    const char *in = "7\n/show learning/bootcamps\n2.\n5\n/bogus\n#2\n";
    assert_int_equal(write(fds[1], in, strlen(in)), (ssize_t)strlen(in));
    close(fds[1]);
    cbTransport *t = startOnFd(f, fds[0]);
    runUntilStopped(f, t);
    char *out = readOut(f);
    assertHas(out, "Related (type its number or `show ID`):\n  1. ");
    assert_int_equal(countOf(out, "id: learning/bootcamps"), 2); /* /show, then #2 of first-job's */
    assert_int_equal(countOf(out, "id: jobs/first-job"), 1);      /* 2. of the bootcamps answer */
    assertHas(out, "There is no choice 5: type a number from 1 to 2, or ask a question.");
    assert_true(strstr(out, "id: jobs/first-job") < strstr(out, "There is no choice 5"));
    assert_int_equal(countOf(out, "There is no choice"), 1); /* "7" came before any list */
    free(out);
    t->type->free(t);
}

/* "not helpful" (smalltalk.yaml's feedback: not-helpful) after an answer
 * is a thumbs-down on it, said once; before any answer it is only the
 * small-talk reply. */
static void testNotHelpfulVotes(void **state) {
    consoleFix *f = *state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    const char *in = "not helpful\n/show learning/bootcamps\nthat didn't help!\nwrong\n";
    assert_int_equal(write(fds[1], in, strlen(in)), (ssize_t)strlen(in));
    close(fds[1]);
    cbTransport *t = startOnFd(f, fds[0]);
    runUntilStopped(f, t);
    char *out = readOut(f);
    assert_int_equal(countOf(out, "Sorry about that."), 3);
    assert_int_equal(countOf(out, "I've noted that the answer `learning/bootcamps` did not help"), 1);
    assert_true(strstr(out, "id: learning/bootcamps") < strstr(out, "I've noted"));
    free(out);
    t->type->free(t);
}

static void testEofWithoutNewline(void **state) {
    consoleFix *f = *state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    const char *in = "help\nis a coding bootcamp worth it?";
    assert_int_equal(write(fds[1], in, strlen(in)), (ssize_t)strlen(in));
    close(fds[1]);
    cbTransport *t = startOnFd(f, fds[0]);
    runUntilStopped(f, t);
    assert_string_equal(f->why, "eof");
    assert_int_equal(consoleAnswered(t), 2);
    char *out = readOut(f);
    assertHas(out, "structure and deadlines");
    free(out);
    t->type->free(t);
}

/* A regular file (uv_fs_read path) with a 1.5 MB line between questions. */
static void testHugeLineFromFile(void **state) {
    consoleFix *f = *state;
    char path[] = "/tmp/cb-console-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    unlink(path);
    size_t big = 1536 * 1024;
    char *line = cbMalloc(big);
    memset(line, 'x', big);
    assert_int_equal(write(fd, "topics\n", 7), 7);
    assert_int_equal(write(fd, line, big), (ssize_t)big);
    assert_int_equal(write(fd, "\nis a coding bootcamp worth it?\n", 32), 32);
    free(line);
    assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
    cbTransport *t = startOnFd(f, fd);
    runUntilStopped(f, t);
    assert_string_equal(f->why, "eof");
    assert_int_equal(consoleAnswered(t), 3); /* topics, the refused line once, the question */
    char *out = readOut(f);
    assertHas(out, "too long");
    assertHas(out, "Learning paths");
    assertHas(out, "structure and deadlines");
    assert_true(strstr(out, "too long") < strstr(out, "structure and deadlines"));
    free(out);
    t->type->free(t);
    close(fd);
}

/* The runner stops (or frees) the console while input is still open. */
static void testShutdownAndFreeWhileReading(void **state) {
    consoleFix *f = *state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    cbTransport *t = startOnFd(f, fds[0]);
    uv_run(&f->loop, UV_RUN_NOWAIT);
    t->type->shutdown(t);
    assert_int_equal(t->type->in_flight(t), 1); /* the handle is closing */
    for (int i = 0; i < 100 && t->type->in_flight(t); i++) uv_run(&f->loop, UV_RUN_NOWAIT);
    assert_int_equal(t->type->in_flight(t), 0);
    assert_int_equal(f->stops, 0); /* shutdown by the runner: no stop hook */
    t->type->free(t);
    close(fds[0]);
    int fds2[2];
    assert_int_equal(pipe(fds2), 0);
    t = startOnFd(f, fds2[0]);
    t->type->free(t); /* still open: closes, frees from the close callback */
    for (int i = 0; i < 100 && uv_loop_alive(&f->loop); i++) uv_run(&f->loop, UV_RUN_NOWAIT);
    close(fds2[0]);
    close(fds2[1]);
    close(fds[1]);
}

/* `careerbot --console` as a user runs it, stdin piped. */
static void testBinaryConsole(void **state) {
    (void)state;
    char *bin = tpBuildPath("san/careerbot");
    char *argv[] = {bin, "--console", "--kb", KB_DIR, NULL};
    char *env[] = {"CAREERBOT_TODAY=2025-06-01", "SLACK_APP_TOKEN=", "SLACK_BOT_TOKEN=",
                   "DISCORD_TOKEN=", "CAREERBOT_CONFIG=", "CAREERBOT_KB=", "NO_COLOR=1", NULL};
    tpProc p;
    assert_int_equal(tpSpawn(&p, argv, env, 1), 0);
    tpWrite(&p, "is a coding bootcamp worth it?\n/topics\n/help\n/quit\nhelp\n");
    int rc = tpWait(&p, RUN_MS);
    if (rc == -1) rc = tpStop(&p, 2000);
    char *out = tpReadFile(p.out_path), *err = tpReadFile(p.err_path);
    if (rc != 0) fail_msg("exit %d\nstdout:\n%s\nstderr:\n%s", rc, out, err);
    assertHas(out, "structure and deadlines");
    assertHas(out, "https://www.coursereport.com/");
    assertHas(out, "Learning paths");
    assertHas(out, "`topic NAME`");
    assert_int_equal(tpCount(p.out_path, "What I can do"), 1); /* "help" after /quit unanswered */
    free(out);
    free(err);
    free(bin);
    tpCleanup(&p);
}

/* As a user runs it with a history: a choice picked by its number is
 * remembered as a click and "not helpful" as a thumbs-down, which the
 * report reads (the chat platforms' buttons record the same). */
static void testPicksAndVotesReachHistory(void **state) {
    (void)state;
    char dir[] = "/tmp/careerbot-con-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char *bin = tpBuildPath("san/careerbot"), *hist = NULL;
    assert_true(asprintf(&hist, "CAREERBOT_HISTORY_PATH=%s/h.db", dir) > 0);
    char *env[] = {"CAREERBOT_TODAY=2025-06-01", "SLACK_APP_TOKEN=", "SLACK_BOT_TOKEN=",
                   "DISCORD_TOKEN=", "CAREERBOT_CONFIG=", "CAREERBOT_KB=", "NO_COLOR=1", hist, NULL};
    char *run[] = {bin, "--console", "--kb", KB_DIR, NULL};
    tpProc p;
    assert_int_equal(tpSpawn(&p, run, env, 1), 0);
    tpWrite(&p, "/show learning/bootcamps\n2\nnot helpful\n");
    tpCloseStdin(&p);
    assert_int_equal(tpWait(&p, RUN_MS), 0);
    assert_int_equal(tpCount(p.out_path, "id: jobs/first-job"), 1);
    tpCleanup(&p);
    char *exp[] = {bin, "history", "export", NULL};
    assert_int_equal(tpSpawn(&p, exp, env, 0), 0);
    assert_int_equal(tpWait(&p, RUN_MS), 0);
    char *out = tpReadFile(p.out_path);
    assertHas(out, "\"type\":\"click\"");
    assertHas(out, "\"entry_id\":\"jobs/first-job\"");
    assertHas(out, "\"type\":\"vote\"");
    assertHas(out, "\"helpful\":false");
    free(out);
    tpCleanup(&p);
    char *db = hist + strlen("CAREERBOT_HISTORY_PATH=");
    unlink(db);
    rmdir(dir);
    free(hist);
    free(bin);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(testPipedCommandsAndQuit, setupFix, teardownFix),
        cmocka_unit_test_setup_teardown(testPickByNumber, setupFix, teardownFix),
        cmocka_unit_test_setup_teardown(testNotHelpfulVotes, setupFix, teardownFix),
        cmocka_unit_test_setup_teardown(testEofWithoutNewline, setupFix, teardownFix),
        cmocka_unit_test_setup_teardown(testHugeLineFromFile, setupFix, teardownFix),
        cmocka_unit_test_setup_teardown(testShutdownAndFreeWhileReading, setupFix, teardownFix),
        cmocka_unit_test(testBinaryConsole),
        cmocka_unit_test(testPicksAndVotesReachHistory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
