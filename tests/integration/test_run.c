/* test_run.c - the running bot's process behaviour, end to end through the
 * console transport: knowledge hot reload on file change (inotify) and on
 * SIGHUP, a broken edit keeping the old knowledge live with a file:line:col
 * error in the log, a FIFO in the folder never blocking the loop, a reload
 * that must train doing it in another process while the old knowledge
 * keeps answering (the dense classifier, and the scaled path's re-ranker), and SIGTERM / end of input exiting 0. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tproc.h"

/* The bound of one wait for an event (a reply, a log line). Every wait
 * ends as soon as its event comes; the bound only decides how long a
 * broken bot is waited for. A reload under ASan on a loaded 2-core machine
 * took close to 8 s once (testFifoNeverBlocks failed there). */
#define WAIT_MS 20000

typedef struct runFixture {
    char dir[128]; /* a private copy of the fixture knowledge */
    char kb[160];
    char conf[160];
    tpProc bot;
} runFixture;

static void writeFile(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* Replace the answer body of an entry file, keeping its front matter. */
static void rewriteAnswer(const char *path, const char *body) {
    char *s = tpReadFile(path);
    char *second = strstr(s + 3, "\n---\n");
    assert_non_null(second);
    second[5] = '\0';
    size_t n = strlen(s) + strlen(body) + 2;
    char *out = malloc(n);
    assert_non_null(out);
    snprintf(out, n, "%s%s\n", s, body);
    writeFile(path, out);
    free(out);
    free(s);
}

static int setupFixtureEnv(void **state, int watch, char *const *extra);

static int setupFixture(void **state, int watch) { return setupFixtureEnv(state, watch, NULL); }

static int setupFixtureEnv(void **state, int watch, char *const *extra) {
    runFixture *f = calloc(1, sizeof(*f));
    snprintf(f->dir, sizeof(f->dir), "/tmp/cbrun-%d-%d", (int)getpid(), watch);
    snprintf(f->kb, sizeof(f->kb), "%s/kb", f->dir);
    snprintf(f->conf, sizeof(f->conf), "%s/careerbot.conf", f->dir);
    char cmd[512];
    snprintf(cmd, sizeof(cmd), "rm -rf %s && mkdir -p %s && cp -r tests/fixtures/app-kb %s", f->dir,
             f->dir, f->kb);
    *state = f; /* teardown frees it even when the set-up fails below */
    if (system(cmd) != 0) return -1;
    char conf[512];
    snprintf(conf, sizeof(conf),
             "[knowledge]\ndir = %s\nwatch = %s\n[history]\npath = off\n[health]\nlisten = off\n"
             "[log]\nlevel = info\n",
             f->kb, watch ? "true" : "false");
    writeFile(f->conf, conf);
    char *bin = tpBuildPath("san/careerbot");
    char *argv[] = {bin, "--console", "--config", f->conf, NULL};
    char *env[8] = {"SLACK_APP_TOKEN=", "SLACK_BOT_TOKEN=", "DISCORD_TOKEN=", "CAREERBOT_KB="};
    for (size_t i = 0; extra && extra[i] && i < 3; i++) env[4 + i] = extra[i];
    int rc = tpSpawn(&f->bot, argv, env, 1);
    free(bin);
    return rc;
}

static int setupWatch(void **state) { return setupFixture(state, 1); }
static int setupNoWatch(void **state) { return setupFixture(state, 0); }

static int teardown(void **state) {
    runFixture *f = *state;
    tpStop(&f->bot, 3000);
    tpCleanup(&f->bot);
    char cmd[256];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
    if (system(cmd) != 0) return -1;
    free(f);
    return 0;
}

static void ask(runFixture *f, const char *line) {
    assert_int_equal(tpWrite(&f->bot, line), 0);
}

/* A file change is picked up without a signal; a broken edit is reported
 * with its position and the old knowledge keeps answering. */
static void testWatchReloadAndBrokenEdit(void **state) {
    runFixture *f = *state;
    char entry[256];
    snprintf(entry, sizeof(entry), "%s/frameworks/fastapi.md", f->kb);
    ask(f, "show frameworks/fastapi\n");
    assert_true(tpWaitFor(f->bot.out_path, "FastAPI", 1, WAIT_MS));
    assert_int_equal(tpCount(f->bot.out_path, "RELOADED-MARKER"), 0);

    rewriteAnswer(entry, "The answer was edited: RELOADED-MARKER, with enough words to count.");
    assert_true(tpWaitFor(f->bot.err_path, "generation=2", 1, WAIT_MS));
    ask(f, "show frameworks/fastapi\n");
    assert_true(tpWaitFor(f->bot.out_path, "RELOADED-MARKER", 1, WAIT_MS));

    writeFile(entry, "---\n{\"question\": \"broken\",, }\n---\nbody\n");
    assert_true(tpWaitFor(f->bot.err_path, "knowledge.reload_failed", 1, WAIT_MS));
    char *err = tpReadFile(f->bot.err_path);
    assert_non_null(strstr(err, "fastapi.md line=2 col="));
    free(err);
    ask(f, "show frameworks/fastapi\n");
    assert_true(tpWaitFor(f->bot.out_path, "RELOADED-MARKER", 2, WAIT_MS));

    tpCloseStdin(&f->bot); /* end of input: the console stops, exit 0 */
    assert_int_equal(tpWait(&f->bot, WAIT_MS), 0);
}

/* The bot loads the network libraries when its loop starts (the program
 * is not linked against them: bot/net/netlib.c). */
static void testLoadsNetworkLibraries(void **state) {
    runFixture *f = *state;
    ask(f, "show frameworks/fastapi\n");
    assert_true(tpWaitFor(f->bot.out_path, "FastAPI", 1, WAIT_MS));
    char maps[64];
    snprintf(maps, sizeof maps, "/proc/%d/maps", (int)f->bot.pid);
    assert_true(tpCount(maps, "libcurl") > 0);
    assert_true(tpCount(maps, "libwebsockets") > 0);
    tpCloseStdin(&f->bot);
    assert_int_equal(tpWait(&f->bot, WAIT_MS), 0);
}

/* With watching off, only SIGHUP reloads; a broken edit + SIGHUP keeps the
 * old knowledge; SIGTERM exits 0. */
static void testSighupReload(void **state) {
    runFixture *f = *state;
    char entry[256];
    snprintf(entry, sizeof(entry), "%s/learning/bootcamps.md", f->kb);
    ask(f, "show learning/bootcamps\n");
    assert_true(tpWaitFor(f->bot.out_path, "Sources", 1, WAIT_MS));

    rewriteAnswer(entry, "Edited for the SIGHUP-MARKER test, long enough to be a real answer.");
    usleep(400 * 1000); /* longer than the reload debounce: no watch must fire */
    ask(f, "show learning/bootcamps\n");
    assert_true(tpWaitFor(f->bot.out_path, "Sources", 2, WAIT_MS));
    assert_int_equal(tpCount(f->bot.out_path, "SIGHUP-MARKER"), 0);

    tpSignal(&f->bot, SIGHUP);
    assert_true(tpWaitFor(f->bot.err_path, "generation=2", 1, WAIT_MS));
    ask(f, "show learning/bootcamps\n");
    assert_true(tpWaitFor(f->bot.out_path, "SIGHUP-MARKER", 1, WAIT_MS));

    writeFile(entry, "---\n{\"question\": 3}\n---\n\n");
    tpSignal(&f->bot, SIGHUP);
    assert_true(tpWaitFor(f->bot.err_path, "knowledge.reload_failed", 1, WAIT_MS));
    ask(f, "show learning/bootcamps\n");
    assert_true(tpWaitFor(f->bot.out_path, "SIGHUP-MARKER", 2, WAIT_MS));

    tpSignal(&f->bot, SIGTERM);
    assert_int_equal(tpWait(&f->bot, WAIT_MS), 0);
}

/* The knowledge dir deleted and made again (as a deploy that replaces the
 * folder does): the bot notices both, loads the new folder, and keeps
 * watching it (a later edit inside it reloads again). */
static void testWatchSurvivesDeleteAndRecreate(void **state) {
    runFixture *f = *state;
    ask(f, "show frameworks/fastapi\n");
    assert_true(tpWaitFor(f->bot.out_path, "FastAPI", 1, WAIT_MS));
    char cmd[1024];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", f->kb);
    assert_int_equal(system(cmd), 0);
    assert_true(tpWaitFor(f->bot.err_path, "knowledge.reload_failed", 1, WAIT_MS));

    snprintf(cmd, sizeof(cmd), "cp -r tests/fixtures/app-kb %s.new && mv %s.new %s", f->kb, f->kb, f->kb);
    assert_int_equal(system(cmd), 0);
    char entry[256];
    snprintf(entry, sizeof(entry), "%s/frameworks/fastapi.md", f->kb);
    assert_true(tpWaitFor(f->bot.err_path, "generation=2", 1, WAIT_MS));
    rewriteAnswer(entry, "Edited after the folder came back: RECREATED-MARKER, long enough.");
    assert_true(tpWaitFor(f->bot.err_path, "generation=3", 1, WAIT_MS));
    ask(f, "show frameworks/fastapi\n");
    assert_true(tpWaitFor(f->bot.out_path, "RECREATED-MARKER", 1, WAIT_MS));

    /* deleted and made again in place (mkdir, then the files) */
    snprintf(cmd, sizeof(cmd), "rm -rf %s && mkdir %s && cp -r tests/fixtures/app-kb/. %s", f->kb,
             f->kb, f->kb);
    assert_int_equal(system(cmd), 0);
    rewriteAnswer(entry, "Edited once more: SECOND-MARKER, with enough words to count.");
    /* each question is answered from the knowledge live when it is asked:
     * ask until the edit shows, at most WAIT_MS in all */
    int seen = 0;
    for (int i = 0; i < 8 && !seen; i++) {
        ask(f, "show frameworks/fastapi\n");
        seen = tpWaitFor(f->bot.out_path, "SECOND-MARKER", 1, WAIT_MS / 8);
    }
    assert_true(seen);
    tpCloseStdin(&f->bot);
    assert_int_equal(tpWait(&f->bot, WAIT_MS), 0);
}

/* A FIFO dropped into the watched folder: the reload it triggers reports
 * it (never opens it: opening a FIFO for reading blocks until a writer
 * comes, which would stop the loop for good), the old knowledge keeps
 * answering, and the reload after it is removed succeeds. */
static void testFifoNeverBlocks(void **state) {
    runFixture *f = *state;
    char fifo[256];
    snprintf(fifo, sizeof(fifo), "%s/frameworks/pipe.md", f->kb);
    ask(f, "show frameworks/fastapi\n"); /* the bot is up and answering */
    assert_true(tpWaitFor(f->bot.out_path, "FastAPI", 1, WAIT_MS));
    assert_int_equal(mkfifo(fifo, 0644), 0);
    assert_true(tpWaitFor(f->bot.err_path, "knowledge.reload_failed", 1, WAIT_MS));
    assert_true(tpWaitFor(f->bot.err_path, "FIFO", 1, WAIT_MS));
    ask(f, "show frameworks/fastapi\n");
    assert_true(tpWaitFor(f->bot.out_path, "FastAPI", 2, WAIT_MS));
    tpSignal(&f->bot, SIGHUP); /* the same on an explicit reload */
    assert_true(tpWaitFor(f->bot.err_path, "knowledge.reload_failed", 2, WAIT_MS));
    ask(f, "show frameworks/fastapi\n");
    assert_true(tpWaitFor(f->bot.out_path, "FastAPI", 3, WAIT_MS));
    assert_int_equal(unlink(fifo), 0);
    assert_true(tpWaitFor(f->bot.err_path, "generation=2", 1, WAIT_MS));
    tpCloseStdin(&f->bot);
    assert_int_equal(tpWait(&f->bot, WAIT_MS), 0);
}

/* Training held at a FIFO: a wrapper in front of the training process
 * waits until the test opens and closes it. */
static char trainEnv[3][256];

static int setupTrainWith(void **state, const char *dense_max) {
    char dir[64];
    snprintf(dir, sizeof(dir), "/tmp/cbrun-%d-train", (int)getpid());
    char cmd[1024];
    snprintf(cmd, sizeof(cmd),
             "rm -rf %s && mkdir -p %s && mkfifo %s/gate && "
             "printf '#!/bin/sh\\ncat %s/gate >/dev/null\\nexec \"$@\"\\n' > %s/hold.sh && "
             "chmod +x %s/hold.sh",
             dir, dir, dir, dir, dir, dir);
    if (system(cmd) != 0) return -1;
    snprintf(trainEnv[0], sizeof(trainEnv[0]), "CAREERBOT_TRAINER=%s/hold.sh", dir);
    snprintf(trainEnv[1], sizeof(trainEnv[1]), "CAREERBOT_KNOWLEDGE_CACHE_DIR=%s/cache", dir);
    snprintf(trainEnv[2], sizeof(trainEnv[2]), "CAREERBOT_DENSE_MAX=%s", dense_max);
    char *extra[] = {trainEnv[0], trainEnv[1], trainEnv[2], NULL};
    return setupFixtureEnv(state, 0, extra);
}

static int setupTrain(void **state) { return setupTrainWith(state, ""); }

/* The same on the scaled path (no dense classifier): its re-ranker is
 * trained by the child too, never on the loop. */
static int setupTrainScaled(void **state) { return setupTrainWith(state, "1"); }

static int teardownTrain(void **state) {
    char cmd[256];
    snprintf(cmd, sizeof(cmd), "rm -rf /tmp/cbrun-%d-train", (int)getpid());
    int rc = teardown(state);
    return system(cmd) == 0 ? rc : -1;
}

/* A reload whose examples changed trains in another process: meanwhile
 * the old knowledge answers; once trained, the new one does. */
static void testReloadTrainsOffLoop(void **state) {
    runFixture *f = *state;
    ask(f, "zebra quantum pickle\n");
    assert_true(tpWaitFor(f->bot.out_path, "know that one", 1, WAIT_MS));
    char entry[256];
    snprintf(entry, sizeof(entry), "%s/learning/bootcamps.md", f->kb);
    char *s = tpReadFile(entry);
    char *at = strstr(s, "\"alternates\": [");
    assert_non_null(at);
    size_t cut = (size_t)(at - s) + strlen("\"alternates\": [");
    char *edited = malloc(strlen(s) + 64);
    assert_non_null(edited);
    snprintf(edited, strlen(s) + 64, "%.*s\"zebra quantum pickle\", %s", (int)cut, s, s + cut);
    writeFile(entry, edited);
    free(edited);
    free(s);
    rewriteAnswer(entry, "Zebra answers, edited for the TRAINED-MARKER test of off-loop training.");
    tpSignal(&f->bot, SIGHUP);
    assert_true(tpWaitFor(f->bot.err_path, "knowledge.training", 1, WAIT_MS));
    ask(f, "zebra quantum pickle\n"); /* answered now, by the old knowledge */
    assert_true(tpWaitFor(f->bot.out_path, "know that one", 2, WAIT_MS));
    assert_int_equal(tpCount(f->bot.out_path, "TRAINED-MARKER"), 0);
    assert_int_equal(tpCount(f->bot.err_path, "generation=2"), 0);
    char gate[160];
    snprintf(gate, sizeof(gate), "/tmp/cbrun-%d-train/gate", (int)getpid());
    int fd = open(gate, O_WRONLY); /* the wrapper is reading: let it train */
    assert_true(fd >= 0);
    close(fd);
    assert_true(tpWaitFor(f->bot.err_path, "generation=2", 1, 10 * WAIT_MS));
    assert_true(tpWaitFor(f->bot.err_path, "knowledge.trained exit=0", 1, WAIT_MS));
    ask(f, "zebra quantum pickle\n");
    assert_true(tpWaitFor(f->bot.out_path, "TRAINED-MARKER", 1, WAIT_MS));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(testWatchReloadAndBrokenEdit, setupWatch, teardown),
        cmocka_unit_test_setup_teardown(testSighupReload, setupNoWatch, teardown),
        cmocka_unit_test_setup_teardown(testLoadsNetworkLibraries, setupNoWatch, teardown),
        cmocka_unit_test_setup_teardown(testWatchSurvivesDeleteAndRecreate, setupWatch, teardown),
        cmocka_unit_test_setup_teardown(testFifoNeverBlocks, setupWatch, teardown),
        cmocka_unit_test_setup_teardown(testReloadTrainsOffLoop, setupTrain, teardownTrain),
        cmocka_unit_test_setup_teardown(testReloadTrainsOffLoop, setupTrainScaled, teardownTrain),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
