/* test_ask.c - `careerbot ask` as a user or a script runs it (the san build
 * spawned with tproc): the --json contract (one line per question, keys
 * and types in order, ranked results, at most --top), answers from
 * arguments in text mode with sources and links, a 1 MB line, invalid
 * UTF-8 and NUL lines answered with an error while the next line is still
 * answered, and usage/knowledge errors with their exit codes; tokens in
 * questions scrubbed from every output, and a failed write an error. Uses the
 * fixture knowledge in tests/fixtures/app-kb. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tproc.h"

#define KB_DIR "tests/fixtures/app-kb"
#define WAIT_MS 60000

typedef struct askRun {
    int rc;
    char *out, *err;
} askRun;

static void writeAll(int fd, const char *s, size_t len) {
    size_t off = 0;
    while (off < len) {
        ssize_t n = write(fd, s + off, len - off);
        if (n < 0 && errno == EINTR) continue;
        assert_true(n > 0);
        off += (size_t)n;
    }
}

/* Run careerbot with args (NULL-terminated, after the binary), feeding
 * input (len bytes, may hold NULs) on stdin. */
static void runBotEnv(const char *const *args, const char *input, size_t len, const char *extra_env,
                      askRun *r) {
    char *bin = tpBuildPath("san/careerbot");
    char *argv[32] = {bin};
    size_t n = 1;
    for (; args[n - 1] && n < 31; n++) argv[n] = (char *)args[n - 1];
    argv[n] = NULL;
    char *env[] = {"CAREERBOT_TODAY=2025-06-01", "NO_COLOR=", "CAREERBOT_KB=", (char *)extra_env,
                   NULL};
    tpProc p;
    assert_int_equal(tpSpawn(&p, argv, env, 1), 0);
    if (len) writeAll(p.stdin_fd, input, len);
    tpCloseStdin(&p);
    r->rc = tpWait(&p, WAIT_MS);
    if (r->rc == -1) r->rc = tpStop(&p, 1000) + 1000; /* hung: fail below */
    r->out = tpReadFile(p.out_path);
    r->err = tpReadFile(p.err_path);
    tpCleanup(&p);
    free(bin);
}

static void runBot(const char *const *args, const char *input, size_t len, askRun *r) {
    runBotEnv(args, input, len, NULL, r);
}

static void runFree(askRun *r) {
    free(r->out);
    free(r->err);
}

/* Split out into lines (modifies it); returns how many. */
static size_t splitLines(char *out, char **lines, size_t max) {
    size_t n = 0;
    for (char *s = out; *s && n < max;) {
        char *nl = strchr(s, '\n');
        assert_non_null(nl); /* every line ends with a newline */
        *nl = '\0';
        lines[n++] = s;
        s = nl + 1;
    }
    return n;
}

static void assertKeys(json_t *o, const char *const *keys, size_t nkeys) {
    assert_true(json_is_object(o));
    assert_int_equal(json_object_size(o), nkeys);
    void *it = json_object_iter(o);
    for (size_t i = 0; i < nkeys; i++, it = json_object_iter_next(o, it)) {
        assert_non_null(it);
        assert_string_equal(json_object_iter_key(it), keys[i]);
    }
}

/* One --json line: shape, types and the invariants; returns the parsed
 * object (caller decrefs). */
static json_t *checkLine(const char *line, const char *want_query, size_t top) {
    json_error_t e;
    json_t *o = json_loads(line, 0, &e);
    if (!o) fail_msg("not JSON (%s): %.200s", e.text, line);
    static const char *const keys[] = {"query", "answered", "outcome", "results"};
    assertKeys(o, keys, 4);
    json_t *q = json_object_get(o, "query"), *a = json_object_get(o, "answered");
    json_t *oc = json_object_get(o, "outcome"), *res = json_object_get(o, "results");
    assert_true(json_is_string(q) && json_is_boolean(a) && json_is_string(oc) && json_is_array(res));
    if (want_query) assert_string_equal(json_string_value(q), want_query);
    const char *outcome = json_string_value(oc);
    const char *valid[] = {"answer", "did_you_mean", "abstain", "chitchat", "info", "error"};
    int ok = 0;
    for (size_t i = 0; i < 6; i++) ok |= strcmp(outcome, valid[i]) == 0;
    assert_true(ok);
    assert_int_equal(json_is_true(a), strcmp(outcome, "answer") == 0);
    assert_true(json_array_size(res) <= top);
    static const char *const rkeys[] = {"id", "score", "confidence"};
    double prev = 1e300;
    for (size_t i = 0; i < json_array_size(res); i++) {
        json_t *h = json_array_get(res, i);
        assertKeys(h, rkeys, 3);
        assert_true(json_is_string(json_object_get(h, "id")));
        assert_true(json_is_number(json_object_get(h, "score")));
        double c = json_number_value(json_object_get(h, "confidence"));
        double s = json_number_value(json_object_get(h, "score"));
        assert_true(c >= 0 && c <= 1);
        assert_true(s <= prev); /* ranked */
        prev = s;
    }
    if (!strcmp(outcome, "info") || !strcmp(outcome, "error") || !strcmp(outcome, "chitchat"))
        assert_int_equal(json_array_size(res), 0);
    return o;
}

static const char *outcomeOf(json_t *o) {
    return json_string_value(json_object_get(o, "outcome"));
}

static void testJsonContract(void **state) {
    (void)state;
    const char *qs[] = {"is a coding bootcamp worth it?", "help", "hi",
                        "what is the airspeed velocity of an unladen swallow", "topic jobs",
                        "show jobs/cv", "", "Frameworks: django or flask for a beginner"};
    const char *want[] = {"answer", "info", "chitchat", "abstain", "info", "answer", "error", "answer"};
    char input[1024] = "";
    for (size_t i = 0; i < 8; i++) {
        strcat(input, qs[i]);
        strcat(input, "\n");
    }
    const char *args[] = {"ask", "--kb", KB_DIR, "--json", "--top", "2", NULL};
    askRun r;
    runBot(args, input, strlen(input), &r);
    assert_int_equal(r.rc, 0);
    char *lines[16];
    assert_int_equal(splitLines(r.out, lines, 16), 8);
    for (size_t i = 0; i < 8; i++) {
        json_t *o = checkLine(lines[i], qs[i], 2);
        if (strcmp(outcomeOf(o), want[i]) != 0)
            fail_msg("'%s': outcome %s, want %s", qs[i], outcomeOf(o), want[i]);
        json_t *res = json_object_get(o, "results");
        if (i == 0 || i == 7) {
            assert_true(json_array_size(res) >= 1);
            const char *id = json_string_value(json_object_get(json_array_get(res, 0), "id"));
            assert_string_equal(id, i == 0 ? "learning/bootcamps" : "frameworks/django-vs-flask");
        }
        json_decref(o);
    }
    runFree(&r);
}

static void testDefaultTopAndArgs(void **state) {
    (void)state;
    const char *args[] = {"ask", "--kb=" KB_DIR, "--json", "is", "a", "coding", "bootcamp", "worth", "it", NULL};
    askRun r;
    runBot(args, "", 0, &r);
    assert_int_equal(r.rc, 0);
    char *lines[4];
    assert_int_equal(splitLines(r.out, lines, 4), 1);
    json_t *o = checkLine(lines[0], "is a coding bootcamp worth it", 5);
    assert_string_equal(outcomeOf(o), "answer");
    assert_true(json_array_size(json_object_get(o, "results")) > 2); /* default top is 5, not 2 */
    json_decref(o);
    runFree(&r);
}

static void testTextModeShowsSources(void **state) {
    (void)state;
    const char *args[] = {"ask", "--kb", KB_DIR, "Is a coding bootcamp worth it?", NULL};
    askRun r;
    runBot(args, "", 0, &r);
    assert_int_equal(r.rc, 0);
    const char *want[] = {"Is a coding bootcamp worth it?", "structure and deadlines", "Sources:",
                          "https://www.coursereport.com/", "Links:",
                          "https://wiki.python.org/moin/BeginnersGuide", "learning/certifications",
                          "Confidence: high"};
    for (size_t i = 0; i < 8; i++)
        if (!strstr(r.out, want[i])) fail_msg("missing [%s] in:\n%s", want[i], r.out);
    assert_null(strchr(r.out, '\x1b')); /* stdout is a file: no color */
    runFree(&r);
}

/* With COLUMNS (or a terminal), answers wrap at spaces to that width;
 * URLs stay whole. Without it (a pipe), lines are left as they are. */
static void testTextModeWraps(void **state) {
    (void)state;
    const char *args[] = {"ask", "--kb", KB_DIR, "Is a coding bootcamp worth it?", NULL};
    askRun r, plain;
    runBotEnv(args, "", 0, "COLUMNS=40", &r);
    runBot(args, "", 0, &plain);
    assert_int_equal(r.rc, 0);
    size_t longest = 0, plain_longest = 0;
    for (char *line = strtok(r.out, "\n"); line; line = strtok(NULL, "\n")) {
        if (strlen(line) > 40 && strchr(line, ' ') && !strstr(line, "http"))
            fail_msg("wider than 40 columns: '%s'", line);
        if (strlen(line) > longest && !strstr(line, "http")) longest = strlen(line);
    }
    for (char *line = strtok(plain.out, "\n"); line; line = strtok(NULL, "\n"))
        if (strlen(line) > plain_longest) plain_longest = strlen(line);
    assert_true(longest > 20);
    assert_true(plain_longest > 60); /* the same answer, unwrapped */
    runFree(&r);
    runFree(&plain);
}

static void testHugeAndInvalidLines(void **state) {
    (void)state;
    size_t big = 1000 * 1000;
    static const char tail[] = "\n\xff\xfe not utf-8\nbad\0nul\nis a coding bootcamp worth it?\n";
    size_t tlen = sizeof(tail) - 1;
    char *input = malloc(big + tlen);
    assert_non_null(input);
    memset(input, 'a', big);
    memcpy(input + big, tail, tlen);
    const char *args[] = {"ask", "--kb", KB_DIR, "--json", NULL};
    askRun r;
    runBot(args, input, big + tlen, &r);
    free(input);
    assert_int_equal(r.rc, 0);
    char *lines[8];
    assert_int_equal(splitLines(r.out, lines, 8), 4);
    const char *want[] = {"error", "error", "error", "answer"};
    for (size_t i = 0; i < 4; i++) {
        json_t *o = checkLine(lines[i], NULL, 5);
        assert_string_equal(outcomeOf(o), want[i]);
        if (i == 0) assert_int_equal(strlen(json_string_value(json_object_get(o, "query"))), big);
        if (i == 1) assert_string_equal(json_string_value(json_object_get(o, "query")),
                                        "\xEF\xBF\xBD\xEF\xBF\xBD not utf-8");
        json_decref(o);
    }
    runFree(&r);
}

static void testErrors(void **state) {
    (void)state;
    struct {
        const char *args[8];
        int rc;
        const char *err;
    } cases[] = {
        {{"ask", "--bogus", NULL}, 2, "usage: careerbot ask"},
        {{"ask", "--top", "0", "x", NULL}, 2, "--top"},
        {{"ask", "--top", NULL}, 2, "needs a value"},
        {{"ask", "--threshold", "2", "x", NULL}, 2, "--threshold"},
        {{"ask", "--kb", "/nonexistent-careerbot-kb", "x", NULL}, 1, "/nonexistent-careerbot-kb"},
        {{"ask", "--kb", "tests/fixtures/kb/broken", "x", NULL}, 1, "error:"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        askRun r;
        runBot(cases[i].args, "", 0, &r);
        if (r.rc != cases[i].rc) fail_msg("case %zu: rc %d, want %d; stderr: %s", i, r.rc, cases[i].rc, r.err);
        if (!strstr(r.err, cases[i].err)) fail_msg("case %zu: stderr lacks [%s]: %s", i, cases[i].err, r.err);
        assert_string_equal(r.out, "");
        runFree(&r);
    }
}

/* A token in a question never comes back out: the bot's own (from the
 * environment, whatever its shape), a Slack-shaped one, and one after a
 * NUL, in the --json echo and in the text reply alike. */
static void testScrubsTokens(void **state) {
    (void)state;
    static const char input[] = "my token is plain-secret-value-123, ok?\n"
                                "is xoxb-1234567890-abcdefghijkl safe to share?\n"
                                "a\0xoxb-1234567890-abcdefghijkl b\n";
    for (int json = 0; json < 2; json++) {
        const char *args[] = {"ask", "--kb", KB_DIR, json ? "--json" : NULL, NULL};
        askRun r;
        runBotEnv(args, input, sizeof(input) - 1, "SLACK_BOT_TOKEN=plain-secret-value-123", &r);
        assert_int_equal(r.rc, 0);
        if (strstr(r.out, "plain-secret") || strstr(r.out, "xoxb-") || strstr(r.err, "xoxb-"))
            fail_msg("a token came back out:\n%s\n%s", r.out, r.err);
        if (json) {
            char *lines[4];
            assert_int_equal(splitLines(r.out, lines, 4), 3);
            json_t *o = checkLine(lines[0], "my token is [redacted], ok?", 5);
            json_decref(o);
            o = checkLine(lines[2], NULL, 5);
            assert_string_equal(outcomeOf(o), "error"); /* the NUL is still refused */
            json_decref(o);
        }
        runFree(&r);
    }
}

/* Output that cannot be written (a full disk) fails the command with a
 * message, instead of exiting 0 as if it had worked. */
static void testOutputWriteFails(void **state) {
    (void)state;
    char *bin = tpBuildPath("san/careerbot");
    char errp[] = "/tmp/careerbot-ask-full-XXXXXX";
    int fd = mkstemp(errp);
    assert_true(fd >= 0);
    close(fd);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "CAREERBOT_KB= %s ask --kb %s 'are bootcamps worth it' >/dev/full 2>%s",
             bin, KB_DIR, errp);
    int st = system(cmd);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 1);
    char *err = tpReadFile(errp);
    assert_non_null(strstr(err, "cannot write the output"));
    free(err);
    unlink(errp);
    free(bin);
}

/* The trained model kept between runs: the run that reads it answers
 * every question exactly as a run that trained (no cache at all). */
static void testModelCache(void **state) {
    (void)state;
    char dir[] = "/tmp/cb-ask-cache-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char on[128];
    snprintf(on, sizeof(on), "CAREERBOT_KNOWLEDGE_CACHE_DIR=%s", dir);
    const char *in = "are bootcamps worth it\ndjango or flask\nwhat is the weather on mars\n"
                     "pcep certfication\njobs\n";
    const char *const args[] = {"ask", "--kb", KB_DIR, "--json", "--top", "5", NULL};
    askRun fresh, first, second;
    runBotEnv(args, in, strlen(in), "CAREERBOT_KNOWLEDGE_CACHE_DIR=off", &fresh);
    runBotEnv(args, in, strlen(in), on, &first);  /* trains, writes the cache */
    char cmd[256];
    snprintf(cmd, sizeof(cmd), "ls %s | grep -q '^model-.*\\.bin$'", dir);
    assert_int_equal(system(cmd), 0);
    runBotEnv(args, in, strlen(in), on, &second); /* reads it */
    assert_int_equal(fresh.rc, 0);
    assert_int_equal(second.rc, 0);
    assert_true(strlen(fresh.out) > 100);
    assert_string_equal(fresh.out, first.out);
    assert_string_equal(fresh.out, second.out);
    runFree(&fresh);
    runFree(&first);
    runFree(&second);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

/* `ask` loads no network library (bot/net/netlib.c): with the knowledge
 * loaded and a question answered, neither libcurl nor libwebsockets is
 * mapped, while the libraries it uses are. */
static void testLoadsNoNetworkLibrary(void **state) {
    (void)state;
    char *bin = tpBuildPath("san/careerbot");
    char *argv[] = {bin, "ask", "--json", "--kb", KB_DIR, NULL};
    char *env[] = {"CAREERBOT_KB=", NULL};
    tpProc p;
    assert_int_equal(tpSpawn(&p, argv, env, 1), 0);
    assert_int_equal(tpWrite(&p, "do certifications help?\n"), 0);
    assert_true(tpWaitFor(p.out_path, "\"query\"", 1, WAIT_MS)); /* loaded, answered */
    char maps[64];
    snprintf(maps, sizeof maps, "/proc/%d/maps", (int)p.pid);
    assert_true(tpCount(maps, "libjansson") > 0);
    assert_int_equal(tpCount(maps, "libcurl"), 0);
    assert_int_equal(tpCount(maps, "libwebsockets"), 0);
    tpCloseStdin(&p);
    assert_int_equal(tpWait(&p, WAIT_MS), 0);
    tpCleanup(&p);
    free(bin);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testJsonContract),
        cmocka_unit_test(testDefaultTopAndArgs),
        cmocka_unit_test(testTextModeShowsSources),
        cmocka_unit_test(testTextModeWraps),
        cmocka_unit_test(testHugeAndInvalidLines),
        cmocka_unit_test(testErrors),
        cmocka_unit_test(testModelCache),
        cmocka_unit_test(testLoadsNoNetworkLibrary),
        cmocka_unit_test(testScrubsTokens),
        cmocka_unit_test(testOutputWriteFails),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
