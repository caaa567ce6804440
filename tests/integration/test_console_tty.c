/* test_console_tty.c - `careerbot --console` on a real terminal (a pty):
 * libedit edits the line (Ctrl-A to its start and Ctrl-K kill what was
 * typed before the command), keeps the history (Up brings the last question
 * back), the loop is not blocked while a line is being typed (SIGTERM in
 * the middle of a line still stops the bot at once), and /quit leaves with
 * exit 0. The history is kept in a file between sessions (0600, bounded,
 * tokens scrubbed, never written when the input is piped). Every read
 * waits for the expected text, bounded in time. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tproc.h"

#define WAIT_MS 20000.0
#define ANSWER_ID "id: learning/bootcamps" /* only an answer shows it */

typedef struct ttyBot {
    pid_t pid;
    int master;
    char out[1 << 17];
    size_t len;
} ttyBot;

static double nowMs(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* hist: CAREERBOT_CONSOLE_HISTORY ("off": none); size: ..._HISTORY_SIZE or NULL. */
static int startBotWith(ttyBot *b, const char *hist, const char *size) {
    memset(b, 0, sizeof(*b));
    char *bin = tpBuildPath("san/careerbot");
    struct winsize ws = {.ws_row = 40, .ws_col = 100};
    b->pid = forkpty(&b->master, NULL, NULL, &ws);
    if (b->pid < 0) return -1;
    if (b->pid == 0) {
        setenv("TERM", "xterm", 1);
        setenv("NO_COLOR", "1", 1);
        setenv("CAREERBOT_CONFIG", "", 1);
        setenv("CAREERBOT_KB", "tests/fixtures/app-kb", 1);
        setenv("CAREERBOT_HISTORY_PATH", "off", 1);
        setenv("CAREERBOT_CONSOLE_HISTORY", hist, 1);
        if (size) setenv("CAREERBOT_CONSOLE_HISTORY_SIZE", size, 1);
        else unsetenv("CAREERBOT_CONSOLE_HISTORY_SIZE");
        unsetenv("SLACK_APP_TOKEN");
        unsetenv("SLACK_BOT_TOKEN");
        unsetenv("DISCORD_TOKEN");
        execl(bin, bin, "--console", (char *)NULL);
        _exit(127);
    }
    free(bin);
    return 0;
}

static int startBot(ttyBot *b) {
    return startBotWith(b, "off", NULL);
}

/* Read from the pty until needle has appeared count times in all output. */
static int waitFor(ttyBot *b, const char *needle, int count) {
    double end = nowMs() + WAIT_MS;
    for (;;) {
        int seen = 0;
        for (const char *s = b->out; (s = strstr(s, needle)) != NULL; s++) seen++;
        if (seen >= count) return 1;
        double left = end - nowMs();
        if (left <= 0 || b->len + 1 >= sizeof(b->out)) return 0;
        struct pollfd pf = {.fd = b->master, .events = POLLIN};
        if (poll(&pf, 1, (int)left) <= 0) return 0;
        ssize_t n = read(b->master, b->out + b->len, sizeof(b->out) - 1 - b->len);
        if (n <= 0) return 0; /* the child is gone */
        b->len += (size_t)n;
        b->out[b->len] = '\0';
    }
}

static void type(ttyBot *b, const char *keys) {
    size_t n = strlen(keys);
    assert_int_equal(write(b->master, keys, n), (ssize_t)n);
}

/* Wait for the child's exit (bounded); its exit code, or -1. */
static int waitExit(ttyBot *b) {
    double end = nowMs() + WAIT_MS;
    int st;
    while (nowMs() < end) {
        char sink[4096];
        struct pollfd pf = {.fd = b->master, .events = POLLIN};
        if (poll(&pf, 1, 20) > 0 && read(b->master, sink, sizeof sink) < 0 && errno != EIO) break;
        pid_t r = waitpid(b->pid, &st, WNOHANG);
        if (r == b->pid) return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    }
    kill(b->pid, SIGKILL);
    waitpid(b->pid, &st, 0);
    return -1;
}

static void test_edit_history_quit(void **state) {
    (void)state;
    ttyBot *b = calloc(1, sizeof(*b));
    assert_non_null(b);
    assert_int_equal(startBot(b), 0);
    if (!waitFor(b, "careerbot> ", 1)) fail_msg("no prompt; output:\n%s", b->out);
    /* nonsense, Ctrl-A (to the start), Ctrl-K (kill to the end), then a
     * command: only line editing leaves "show learning/bootcamps" alone */
    type(b, "zzz qqq\001\013show learning/bootcamps\r");
    if (!waitFor(b, ANSWER_ID, 1)) fail_msg("not answered; output:\n%s", b->out);
    if (!waitFor(b, "careerbot> ", 2)) fail_msg("no second prompt; output:\n%s", b->out);
    type(b, "\033[A\r"); /* Up: the same question again */
    if (!waitFor(b, ANSWER_ID, 2)) fail_msg("history did not bring it back; output:\n%s", b->out);
    if (!waitFor(b, "careerbot> ", 3)) fail_msg("no third prompt; output:\n%s", b->out);
    type(b, "/quit\r");
    assert_int_equal(waitExit(b), 0);
    close(b->master);
    free(b);
}

/* Half a line typed: the loop still runs, so SIGTERM stops it promptly. */
static void test_sigterm_mid_line(void **state) {
    (void)state;
    ttyBot *b = calloc(1, sizeof(*b));
    assert_non_null(b);
    assert_int_equal(startBot(b), 0);
    if (!waitFor(b, "careerbot> ", 1)) fail_msg("no prompt; output:\n%s", b->out);
    type(b, "are bootcamps");
    assert_true(waitFor(b, "are bootcamps", 1)); /* echoed by libedit */
    kill(b->pid, SIGTERM);
    assert_int_equal(waitExit(b), 0);
    close(b->master);
    free(b);
}

/* Type n keys of text (no Enter) the way a paste arrives, reading and
 * dropping the echo meanwhile so neither side of the pty fills up. */
static void typeMany(ttyBot *b, size_t n) {
    static const char words[] = "career python job salary bootcamp ";
    int flags = fcntl(b->master, F_GETFL);
    assert_int_equal(fcntl(b->master, F_SETFL, flags | O_NONBLOCK), 0);
    double end = nowMs() + WAIT_MS;
    size_t sent = 0;
    while (sent < n && nowMs() < end) {
        struct pollfd pf = {.fd = b->master, .events = POLLIN | POLLOUT};
        if (poll(&pf, 1, 100) <= 0) continue;
        char sink[4096];
        if (pf.revents & POLLIN) assert_true(read(b->master, sink, sizeof sink) > 0);
        if (!(pf.revents & POLLOUT)) continue;
        char chunk[256];
        size_t k = n - sent < sizeof chunk ? n - sent : sizeof chunk;
        for (size_t i = 0; i < k; i++) chunk[i] = words[(sent + i) % (sizeof words - 1)];
        ssize_t w = write(b->master, chunk, k);
        if (w > 0) sent += (size_t)w;
    }
    assert_int_equal(sent, n);
    assert_int_equal(fcntl(b->master, F_SETFL, flags), 0);
}

/* A line far over the question limit (libedit itself breaks on 5,000+
 * characters): refused as too long at Enter, and the console goes on. */
static void test_overlong_line(void **state) {
    (void)state;
    ttyBot *b = calloc(1, sizeof(*b));
    assert_non_null(b);
    assert_int_equal(startBot(b), 0);
    if (!waitFor(b, "careerbot> ", 1)) fail_msg("no prompt; output:\n%s", b->out);
    typeMany(b, 7000);
    type(b, "\r");
    /* refused by the key cap, before libedit holds it all */
    if (!waitFor(b, "too long (over 4096", 1)) fail_msg("not refused; output:\n%s", b->out);
    type(b, "show learning/bootcamps\r");
    if (!waitFor(b, ANSWER_ID, 1)) fail_msg("not answered after it; output:\n%s", b->out);
    type(b, "/quit\r");
    assert_int_equal(waitExit(b), 0);
    close(b->master);
    free(b);
}

#define TOKEN "xoxb-123456789012-123456789012-abcdefghijklmnopqrstuvwx"

/* One session on the pty: each line typed waits for the next prompt. */
static void session(const char *hist, const char *size, const char *const *lines, size_t n,
                    const char *must_see) {
    ttyBot *b = calloc(1, sizeof(*b));
    assert_non_null(b);
    assert_int_equal(startBotWith(b, hist, size), 0);
    if (!waitFor(b, "careerbot> ", 1)) fail_msg("no prompt; output:\n%s", b->out);
    for (size_t i = 0; i < n; i++) {
        type(b, lines[i]);
        if (!waitFor(b, "careerbot> ", (int)i + 2)) fail_msg("no prompt after line %zu:\n%s", i, b->out);
    }
    if (must_see && !waitFor(b, must_see, 1)) fail_msg("no '%s'; output:\n%s", must_see, b->out);
    type(b, "/quit\r");
    assert_int_equal(waitExit(b), 0);
    close(b->master);
    free(b);
}

static int countLines(const char *s) {
    int n = 0;
    for (; *s; s++) n += *s == '\n';
    return n;
}

/* The history outlives the session: saved as typed (0600, in a folder
 * made for it), a token scrubbed before it is written, Up brings an
 * earlier session's question back, the file keeps at most
 * CAREERBOT_CONSOLE_HISTORY_SIZE lines, and piped input writes nothing. */
static void test_history_persisted(void **state) {
    (void)state;
    char dir[] = "/tmp/careerbot-hist-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char hist[128];
    snprintf(hist, sizeof hist, "%s/state/careerbot/console_history", dir);
    const char *first[] = {"show learning/bootcamps\r", "my token is " TOKEN "\r"};
    session(hist, NULL, first, 2, NULL);
    struct stat st;
    assert_int_equal(stat(hist, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    char *text = tpReadFile(hist);
    assert_string_equal(text, "show learning/bootcamps\nmy token is [redacted]\n/quit\n");
    free(text);
    /* Up three times: the first session's question, answered again */
    const char *again[] = {"\033[A\033[A\033[A\r"};
    session(hist, NULL, again, 1, ANSWER_ID);
    text = tpReadFile(hist);
    assert_int_equal(countLines(text), 5);
    free(text);
    session(hist, "2", NULL, 0, NULL); /* bounded: only the last 2 lines stay */
    text = tpReadFile(hist);
    assert_string_equal(text, "/quit\n/quit\n");
    free(text);
    /* not a terminal: nothing is written */
    char piped[160];
    snprintf(piped, sizeof piped, "%s/piped_history", dir);
    char *bin = tpBuildPath("san/careerbot"), *env_hist = NULL;
    assert_true(asprintf(&env_hist, "CAREERBOT_CONSOLE_HISTORY=%s", piped) > 0);
    char *argv[] = {bin, "--console", NULL};
    char *env[] = {"CAREERBOT_CONFIG=", "CAREERBOT_KB=tests/fixtures/app-kb", "CAREERBOT_HISTORY_PATH=off",
                   "SLACK_APP_TOKEN=", "SLACK_BOT_TOKEN=", "DISCORD_TOKEN=", env_hist, NULL};
    tpProc p;
    assert_int_equal(tpSpawn(&p, argv, env, 1), 0);
    assert_int_equal(tpWrite(&p, "show learning/bootcamps\n"), 0);
    tpCloseStdin(&p);
    assert_int_equal(tpWait(&p, WAIT_MS), 0);
    assert_int_equal(tpCount(p.out_path, ANSWER_ID), 1);
    assert_int_not_equal(stat(piped, &st), 0);
    tpCleanup(&p);
    free(env_hist);
    free(bin);
    unlink(hist);
    snprintf(hist, sizeof hist, "%s/state/careerbot", dir);
    rmdir(hist);
    snprintf(hist, sizeof hist, "%s/state", dir);
    rmdir(hist);
    rmdir(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_edit_history_quit),
        cmocka_unit_test(test_sigterm_mid_line),
        cmocka_unit_test(test_overlong_line),
        cmocka_unit_test(test_history_persisted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
