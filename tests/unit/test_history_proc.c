/* test_history_proc.c - the history file shared between processes: two
 * forked writers (each with its own loop, batching and busy retries) lose
 * no row, and a writer killed with SIGKILL in the middle of heavy writing
 * leaves a database that opens, passes PRAGMA integrity_check, and holds
 * every vote whose done(1) the writer had reported. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uv.h>

#include "base/common.h"
#include "ops/history.h"
#include "net/loop.h"

static char dir[128], db[160];

static int setup(void **state) {
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/cb_test_history_proc_%d", (int)getpid());
    snprintf(db, sizeof db, "%s/h.db", dir);
    return 0;
}

static int teardown(void **state) {
    (void)state;
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
    return 0;
}

static long long count(const char *sql) {
    sqlite3 *c;
    sqlite3_stmt *st;
    long long n = -1;
    assert_int_equal(sqlite3_open(db, &c), SQLITE_OK);
    sqlite3_busy_timeout(c, 2000);
    assert_int_equal(sqlite3_prepare_v2(c, sql, -1, &st, NULL), SQLITE_OK);
    if (sqlite3_step(st) == SQLITE_ROW) n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(c);
    return n;
}

/* Child: n questions in bursts of 25 while its loop runs, then close. */
static void writer(int id, int n) {
    uv_loop_t uvl;
    uv_loop_init(&uvl);
    cbLoop l = {.uv = &uvl};
    char err[CB_ERRLEN];
    histStore *h = histOpen(db, &l, err);
    if (!h) _exit(2);
    char text[64];
    for (int i = 0; i < n; i++) {
        snprintf(text, sizeof text, "writer %d question %d", id, i);
        histQuestion q = {.time = cbWallTime(), .platform = "discord", .channel_kind = "channel",
                          .user = "u", .question = text, .normalized = text,
                          .outcome = "abstain", .candidates_json = "[]"};
        if (histRecordQuestion(h, &q, 0.7) != CB_OK) _exit(3);
        if (i % 25 == 24) uv_run(&uvl, UV_RUN_NOWAIT);
    }
    double t0 = cbNowMs();
    while (histPending(h) && cbNowMs() - t0 < 10000) uv_run(&uvl, UV_RUN_ONCE);
    histClose(h);
    uv_run(&uvl, UV_RUN_NOWAIT);
    uv_loop_close(&uvl);
    _exit(0);
}

static int waitChild(pid_t pid, double timeout_ms) {
    int status;
    double t0 = cbNowMs();
    while (cbNowMs() - t0 < timeout_ms) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        usleep(5000);
    }
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    return -1;
}

static void test_two_writers_lose_nothing(void **state) {
    (void)state;
    char err[CB_ERRLEN];
    histStore *h = histOpen(db, NULL, err); /* create + migrate once up front */
    assert_non_null(h);
    histClose(h);
    const int n = 1500;
    pid_t a = fork();
    if (a == 0) writer(1, n);
    pid_t b = fork();
    if (b == 0) writer(2, n);
    assert_int_equal(waitChild(a, 60000), 0);
    assert_int_equal(waitChild(b, 60000), 0);
    assert_int_equal(count("SELECT count(*) FROM questions"), 2 * n);
    assert_int_equal(count("SELECT count(DISTINCT question) FROM questions"), 2 * n);
}

/* Child: votes as fast as they are acknowledged; each done(1) writes the
 * vote's number to the pipe. Runs until killed (or 20 s). */
static int ackFd;
static int nextVote;
static histStore *killH;

static void onAck(int ok, void *ud) {
    int id = (int)(intptr_t)ud;
    if (ok) {
        char line[32];
        int len = snprintf(line, sizeof line, "%d\n", id);
        if (write(ackFd, line, (size_t)len) != len) _exit(4);
    }
}

static void voter(int fd) {
    ackFd = fd;
    uv_loop_t uvl;
    uv_loop_init(&uvl);
    cbLoop l = {.uv = &uvl};
    char err[CB_ERRLEN];
    killH = histOpen(db, &l, err);
    if (!killH) _exit(2);
    char entry[32], text[64];
    double t0 = cbNowMs();
    while (cbNowMs() - t0 < 20000) {
        for (int i = 0; i < 20; i++) { /* heavy: questions between the votes */
            snprintf(text, sizeof text, "filler %d %d", nextVote, i);
            histQuestion q = {.time = cbWallTime(), .platform = "slack", .channel_kind = "dm",
                              .user = "u", .question = text, .normalized = text,
                              .outcome = "did_you_mean", .candidates_json = "[]"};
            histRecordQuestion(killH, &q, 0.7);
        }
        snprintf(entry, sizeof entry, "vote/%d", nextVote);
        histVote v = {.time = cbWallTime(), .platform = "slack", .channel_kind = "dm",
                      .user = "u", .entry_id = entry, .helpful = nextVote % 2};
        histRecordVote(killH, &v, onAck, (void *)(intptr_t)nextVote);
        nextVote++;
        uv_run(&uvl, UV_RUN_NOWAIT);
    }
    _exit(0);
}

static void test_kill9_keeps_acknowledged_votes(void **state) {
    (void)state;
    char err[CB_ERRLEN];
    histStore *h = histOpen(db, NULL, err);
    assert_non_null(h);
    histClose(h);
    int p[2];
    assert_int_equal(pipe(p), 0);
    pid_t pid = fork();
    if (pid == 0) {
        close(p[0]);
        voter(p[1]);
    }
    close(p[1]);
    /* Read acknowledgements for a while, then kill -9 mid-stream. */
    char buf[1 << 16];
    size_t len = 0;
    double t0 = cbNowMs();
    int killed = 0;
    for (;;) {
        if (!killed && cbNowMs() - t0 > 400) {
            kill(pid, SIGKILL);
            killed = 1;
        }
        struct pollfd pf = {.fd = p[0], .events = POLLIN};
        if (poll(&pf, 1, 50) <= 0) {
            if (killed && cbNowMs() - t0 > 5000) break;
            continue;
        }
        ssize_t n = read(p[0], buf + len, sizeof buf - 1 - len);
        if (n <= 0) break; /* the child is gone: EOF */
        len += (size_t)n;
        if (len >= sizeof buf - 1) len = 0; /* cannot happen in 400 ms; keep bounded */
    }
    buf[len] = '\0';
    close(p[0]);
    assert_int_equal(waitChild(pid, 5000), 128 + SIGKILL);
    assert_int_equal(count("SELECT count(*) FROM pragma_integrity_check WHERE integrity_check = 'ok'"), 1);
    int acked = 0;
    for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
        char sql[128];
        snprintf(sql, sizeof sql, "SELECT count(*) FROM votes WHERE entry_id = 'vote/%d'", atoi(line));
        if (count(sql) != 1) fail_msg("acknowledged vote %s is missing", line);
        acked++;
    }
    assert_true(acked > 10); /* the test really wrote under load */
    assert_true(count("SELECT count(*) FROM votes") >= acked);
    /* And the bot can open it again and go on writing. */
    h = histOpen(db, NULL, err);
    assert_non_null(h);
    histClose(h);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_two_writers_lose_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kill9_keeps_acknowledged_votes, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
