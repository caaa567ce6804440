/* test_health.c - the health listener on the real loop (uv + lws): a
 * forked child makes the HTTP requests with curl while the parent runs the
 * loop. /readyz (= /healthz) answers 200 when everything configured is up
 * and 503 with the reason otherwise; /livez 200 while the loop runs;
 * /metrics is the Prometheus text with process_*, build info and the
 * connected gauge; HEAD gives headers only; unknown paths 404; other
 * methods 405; a taken port is a clear error; "off" disables. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/common.h"
#include "ops/health.h"
#include "net/loop.h"
#include "ops/metrics.h"
#include "tproc.h"

static int calls;

/* Each /healthz call sees the next state of a script. */
static void status(void *ud, healthReport *r) {
    (void)ud;
    int step = calls++;
    r->knowledge_loaded = step != 2;
    r->knowledge_entries = 17;
    r->nplatforms = 2;
    r->platforms[0] = (healthPlatform){.name = "slack", .configured = 1, .connected = step != 1};
    r->platforms[1] = (healthPlatform){.name = "discord", .configured = 0, .connected = 0};
}

typedef struct req {
    const char *method, *path;
    long want;
    const char *needle; /* in the body */
} req;

static const req reqs[] = {
    {"GET", "/healthz", 200, "{\"status\":\"ok\",\"knowledge_entries\":17,\"platforms\":{\"slack\":\"connected\"}}"},
    {"GET", "/readyz", 503, "\"reason\":\"slack: not connected\""},
    {"GET", "/readyz", 503, "\"reason\":\"knowledge: not loaded\""},
    {"GET", "/metrics", 200, "careerbot_questions_total{platform=\"slack\",outcome=\"answered\"} 1\n"},
    {"GET", "/metrics", 200, "careerbot_platform_connected{platform=\"slack\"} 1\n"},
    {"GET", "/metrics", 200, "\nprocess_resident_memory_bytes "},
    {"GET", "/metrics", 200, "\ncareerbot_build_info{version=\"9.9.9\"} 1\n"},
    {"GET", "/livez", 200, "{\"status\":\"ok\"}"},
    {"HEAD", "/livez", 200, NULL},
    {"HEAD", "/readyz", 200, NULL},
    {"HEAD", "/metrics", 200, NULL},
    {"GET", "/nope", 404, "not found"},
    {"POST", "/healthz", 405, "method not allowed"},
    {"DELETE", "/metrics", 405, "method not allowed"},
    {"GET", "/healthz?verbose=1", 200, "\"status\":\"ok\""},
};

/* Child: every request in turn; one line per result in the file. */
static void client(int port, const char *out) {
    FILE *f = fopen(out, "w");
    if (!f) _exit(2);
    for (size_t i = 0; i < CB_ARRAY_LEN(reqs); i++) {
        char url[128], *body = NULL;
        snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, reqs[i].path);
        long st = tpHttp(reqs[i].method, url, NULL, &body);
        int ok = st == reqs[i].want &&
                 (reqs[i].needle ? body && strstr(body, reqs[i].needle) : !body || !*body);
        fprintf(f, "%zu %s %ld\n", i, ok ? "ok" : "bad", st);
        if (!ok) fprintf(f, "   body: %s\n", body ? body : "(none)");
        free(body);
    }
    fclose(f);
    _exit(0);
}

static int runUntilExit(cbLoop *l, pid_t pid) {
    double t0 = cbNowMs();
    int st;
    while (cbNowMs() - t0 < 15000) {
        loopRunFor(l, 10);
        if (waitpid(pid, &st, WNOHANG) == pid) return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    }
    kill(pid, SIGKILL);
    waitpid(pid, &st, 0);
    return -1;
}

static void test_endpoints(void **state) {
    (void)state;
    cbLoop l;
    char err[CB_ERRLEN];
    assert_int_equal(loopInit(&l, NULL, err), CB_OK);
    metricsReset();
    metricsQuestion("slack", "answered", 0.001);
    metricsSetVersion("9.9.9");
    calls = 0;
    healthServer *s = healthStart(&l, "127.0.0.1:0", status, NULL, err);
    if (!s) fail_msg("healthStart: %s", err);
    int port = healthPort(s);
    assert_true(port > 0);
    char out[64];
    snprintf(out, sizeof out, "/tmp/cb_test_health_%d", (int)getpid());
    pid_t pid = fork();
    if (pid == 0) client(port, out);
    assert_int_equal(runUntilExit(&l, pid), 0);
    char *text = tpReadFile(out);
    unlink(out);
    int good = 0;
    for (const char *p = text; (p = strstr(p, " ok ")); p++) good++;
    if (good != (int)CB_ARRAY_LEN(reqs)) fail_msg("results:\n%s", text);
    free(text);
    assert_int_equal(calls, 10); /* readiness and metrics ask; /livez does not */
    healthStop(s);
    loopFree(&l);
}

static void test_render_and_off(void **state) {
    (void)state;
    healthReport r = {.knowledge_loaded = 1, .knowledge_entries = 3, .nplatforms = 2};
    r.platforms[0] = (healthPlatform){.name = "slack", .configured = 1, .connected = 1};
    r.platforms[1] = (healthPlatform){.name = "discord", .configured = 1, .connected = 0};
    char *body;
    assert_int_equal(healthRender(&r, &body), 503);
    json_t *o = json_loads(body, 0, NULL);
    assert_non_null(o);
    assert_string_equal(json_string_value(json_object_get(o, "status")), "unavailable");
    assert_string_equal(json_string_value(json_object_get(o, "reason")), "discord: not connected");
    json_decref(o);
    free(body);
    r.platforms[1].connected = 1;
    assert_int_equal(healthRender(&r, &body), 200);
    free(body);
    r.shutting_down = 1; /* draining after SIGTERM says so, not "not loaded" */
    assert_int_equal(healthRender(&r, &body), 503);
    assert_non_null(strstr(body, "\"reason\":\"shutting down\""));
    free(body);
    assert_true(healthDisabled("off"));
    assert_true(healthDisabled(""));
    assert_false(healthDisabled("127.0.0.1:8080"));
    char err[CB_ERRLEN];
    cbLoop l;
    assert_int_equal(loopInit(&l, NULL, err), CB_OK);
    assert_null(healthStart(&l, "nonsense", status, NULL, err));
    assert_non_null(strstr(err, "HOST:PORT"));
    /* A port another socket listens on: a clear error, not a crash. */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t sl = sizeof sa;
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(listen(fd, 1), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
    char addr[64];
    snprintf(addr, sizeof addr, "127.0.0.1:%d", ntohs(sa.sin_port));
    assert_null(healthStart(&l, addr, status, NULL, err));
    assert_non_null(strstr(err, "cannot listen"));
    close(fd);
    loopFree(&l);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_endpoints),
        cmocka_unit_test(test_render_and_off),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
