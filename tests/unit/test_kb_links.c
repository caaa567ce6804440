/* test_kb_links.c - `kb check --links` against a tiny HTTP server on
 * 127.0.0.1 run by a thread of this test: 200, 404, 500, a redirect, a
 * redirect loop, HEAD refused with 405 then GET 200, a server that never
 * answers (timeout) and a closed port. Dead URLs must be errors at the
 * url's file:line:col; a URL used twice is fetched once. Then what is not
 * a dead link: 403 and a 429 whose Retry-After is too long are warnings, a
 * 429 with Retry-After: 1 is retried once after waiting and then ok, a
 * slow answer is a warning; --exclude skips; at most per_host connections
 * to one host at once; the command prints a summary and no progress line
 * when stderr is not a terminal. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/common.h"
#include "kb/kb.h"
#include "kb/kb_export.h"
#include "test_kb_util.h"
#include "tproc.h"

#define MAX_HELD 16

typedef struct srv {
    int fd, port;
    volatile int stop;
    pthread_t th;
    pthread_mutex_t mu;
    char log[4096]; /* "HEAD /ok\n" lines */
    int held[MAX_HELD]; /* connections left unanswered (/slow) */
    int nheld;
    int open_held, max_held; /* unanswered connections still open, and the most at once */
    int n429;                /* /ratelimited requests so far */
    double t429[2];          /* when the first two came */
} srv;

static void srvReply(int c, const char *status, const char *extra, int head) {
    char buf[512];
    int n = snprintf(buf, sizeof(buf),
                     "HTTP/1.1 %s\r\nContent-Length: 2\r\nConnection: close\r\n%s\r\n%s", status,
                     extra, head ? "" : "ok");
    if (write(c, buf, (size_t)n) < 0) {}
}

/* 600 ms, then 200: slower than slow_ms (300) whatever the load. */
static void *srvDelayed(void *arg) {
    int c = ((int *)arg)[0], head = ((int *)arg)[1];
    free(arg);
    struct timespec ts = {0, 600 * 1000000L};
    nanosleep(&ts, NULL);
    srvReply(c, "200 OK", "", head);
    close(c);
    return NULL;
}

static void srvServe(srv *s, int c) {
    char req[4096] = "";
    size_t n = 0;
    struct timeval tv = {2, 0};
    setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    while (n < sizeof(req) - 1 && !strstr(req, "\r\n\r\n")) {
        ssize_t r = read(c, req + n, sizeof(req) - 1 - n);
        if (r <= 0) break;
        n += (size_t)r;
        req[n] = '\0';
    }
    req[n] = '\0';
    char method[8] = "", path[256] = "";
    if (sscanf(req, "%7s %255s", method, path) != 2) {
        close(c);
        return;
    }
    pthread_mutex_lock(&s->mu);
    size_t l = strlen(s->log);
    snprintf(s->log + l, sizeof(s->log) - l, "%s %s\n", method, path);
    pthread_mutex_unlock(&s->mu);
    int head = strcmp(method, "HEAD") == 0;
    if (strncmp(path, "/slow", 5) == 0 && s->nheld < MAX_HELD) {
        s->held[s->nheld++] = c;
        if (++s->open_held > s->max_held) s->max_held = s->open_held;
        return;
    }
    if (strcmp(path, "/ratelimited") == 0) {
        if (s->n429 < 2) s->t429[s->n429] = cbNowMs();
        int first = s->n429++ == 0;
        srvReply(c, first ? "429 Too Many Requests" : "200 OK", first ? "Retry-After: 1\r\n" : "", head);
        close(c);
        return;
    }
    if (strcmp(path, "/delay") == 0) { /* answered by its own thread: others are not delayed */
        pthread_t t;
        int *arg = malloc(2 * sizeof(int));
        arg[0] = c;
        arg[1] = head;
        if (pthread_create(&t, NULL, srvDelayed, arg) == 0) pthread_detach(t);
        return;
    }
    if (strcmp(path, "/ok") == 0) srvReply(c, "200 OK", "", head);
    else if (strcmp(path, "/forbidden") == 0) srvReply(c, "403 Forbidden", "", head);
    else if (strcmp(path, "/always429") == 0)
        srvReply(c, "429 Too Many Requests", "Retry-After: 120\r\n", head);
    else if (strcmp(path, "/missing") == 0) srvReply(c, "404 Not Found", "", head);
    else if (strcmp(path, "/error") == 0) srvReply(c, "500 Internal Server Error", "", head);
    else if (strcmp(path, "/redirect") == 0) srvReply(c, "302 Found", "Location: /ok\r\n", head);
    else if (strcmp(path, "/loop") == 0) srvReply(c, "302 Found", "Location: /loop\r\n", head);
    else if (strcmp(path, "/nohead") == 0)
        srvReply(c, head ? "405 Method Not Allowed" : "200 OK", "", head);
    else srvReply(c, "404 Not Found", "", head);
    close(c);
}

static void *srvMain(void *arg) {
    srv *s = arg;
    double end = cbNowMs() + 20000; /* the test never needs longer */
    while (!s->stop && cbNowMs() < end) {
        struct pollfd p[1 + MAX_HELD] = {{s->fd, POLLIN, 0}};
        for (int i = 0; i < s->nheld; i++) p[1 + i] = (struct pollfd){s->held[i], POLLIN, 0};
        if (poll(p, (nfds_t)(1 + s->nheld), 50) <= 0) continue;
        for (int i = 0; i < s->nheld; i++) { /* closures first: then a new connection counts right */
            char b[64];
            if (p[1 + i].revents && s->held[i] >= 0 && read(s->held[i], b, sizeof b) <= 0) {
                close(s->held[i]);
                s->held[i] = -1;
                s->open_held--;
            }
        }
        if (!(p[0].revents & POLLIN)) continue;
        int c = accept(s->fd, NULL, NULL);
        if (c >= 0) srvServe(s, c);
    }
    return NULL;
}

static void srvStart(srv *s) {
    memset(s, 0, sizeof(*s));
    pthread_mutex_init(&s->mu, NULL);
    s->fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(s->fd >= 0);
    int one = 1;
    setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(s->fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(s->fd, 64), 0);
    socklen_t al = sizeof(a);
    getsockname(s->fd, (struct sockaddr *)&a, &al);
    s->port = ntohs(a.sin_port);
    assert_int_equal(pthread_create(&s->th, NULL, srvMain, s), 0);
}

static void srvStop(srv *s) {
    s->stop = 1;
    pthread_join(s->th, NULL);
    for (int i = 0; i < s->nheld; i++)
        if (s->held[i] >= 0) close(s->held[i]);
    close(s->fd);
    pthread_mutex_destroy(&s->mu);
}

static int srvCount(srv *s, const char *line) {
    pthread_mutex_lock(&s->mu);
    int n = 0;
    for (const char *p = s->log; (p = strstr(p, line)) != NULL; p += strlen(line)) n++;
    pthread_mutex_unlock(&s->mu);
    return n;
}

static void writeEntry(const char *dir, const char *name, const char *fm) {
    char *path = cbSprintf("%s/t/%s", dir, name);
    char *text = cbSprintf("---\n%s\n---\nAnswer.\n", fm);
    ktWrite(path, text);
    free(text);
    free(path);
}

typedef struct deadCase {
    const char *file;
    int line, col;
    const char *text;
} deadCase;

/* A knowledge dir whose two entries use every kind of URL. */
static char *writeLinkKb(int port, int closed) {
    char *dir = ktTempDir(), *t = cbSprintf("%s/t", dir), *tj = cbSprintf("%s/t/_topic.json", dir);
    mkdir(t, 0755);
    ktWrite(tj, "{\"title\": \"T\", \"description\": \"D\"}\n");
    char *a = cbSprintf("{\"question\": \"A\",\n"
                        " \"sources\": [{\"title\": \"s\", \"url\": \"http://127.0.0.1:%d/ok\"},\n"
                        "             {\"title\": \"s\", \"url\": \"http://127.0.0.1:%d/missing\"}],\n"
                        " \"links\": [{\"title\": \"l\", \"url\": \"http://127.0.0.1:%d/redirect\"},\n"
                        "           {\"title\": \"l\", \"url\": \"http://127.0.0.1:%d/nohead\"}]}",
                        port, port, port, port);
    char *b = cbSprintf("{\"question\": \"B\",\n"
                        " \"sources\": [{\"title\": \"s\", \"url\": \"http://127.0.0.1:%d/ok\"},\n"
                        "             {\"title\": \"s\", \"url\": \"http://127.0.0.1:%d/error\"}],\n"
                        " \"links\": [{\"title\": \"l\", \"url\": \"http://127.0.0.1:%d/x\"},\n"
                        "           {\"title\": \"l\", \"url\": \"http://127.0.0.1:%d/loop\"},\n"
                        "           {\"title\": \"l\", \"url\": \"http://127.0.0.1:%d/slow\"}]}",
                        port, port, closed, port, port);
    writeEntry(dir, "a.md", a);
    writeEntry(dir, "b.md", b);
    free(a);
    free(b);
    free(t);
    free(tj);
    return dir;
}

static const deadCase deadTab[] = {
    {"t/a.md", 4, 36, "HTTP 404"},
    {"t/b.md", 4, 36, "HTTP 500"},
    {"t/b.md", 5, 34, "onnect"}, /* "Couldn't connect" / "Connection refused" */
    {"t/b.md", 6, 34, "edirect"},
    {"t/b.md", 7, 34, "timed out"},
};

static void expectDead(const cbDiags *d) {
    for (size_t i = 0; i < CB_ARRAY_LEN(deadTab); i++) {
        const deadCase *w = &deadTab[i];
        size_t j, wl = strlen(w->file);
        for (j = 0; j < d->n; j++) {
            size_t fl = strlen(d->v[j].file);
            if (fl >= wl && strcmp(d->v[j].file + fl - wl, w->file) == 0 &&
                d->v[j].line == w->line && d->v[j].col == w->col && strstr(d->v[j].msg, w->text))
                break;
        }
        if (j == d->n) fail_msg("no dead-link error %s:%d:%d", w->file, w->line, w->col);
    }
}

static void test_links(void **state) {
    (void)state;
    srv s;
    srvStart(&s);
    char *dir = writeLinkKb(s.port, tpFreePort());
    cbDiags d;
    cbDiagsInit(&d);
    kb *k = kbLoad(dir, &d);
    assert_non_null(k);
    kbLinkOpts o;
    kbLinkOptsDefault(&o);
    o.timeout_ms = 1500;
    o.connect_timeout_ms = 1000;
    double t0 = cbNowMs();
    kbLinkStats st;
    size_t dead = kbCheckLinks(k, &o, &d, &st);
    double took = cbNowMs() - t0;
    cbDiagsSort(&d);
    cbDiagsPrint(&d, "text", stderr);
    assert_int_equal(dead, 5);
    assert_int_equal(d.nerrors, 5);
    assert_int_equal(st.checked, 8); /* distinct URLs */
    assert_int_equal(st.dead, 5);
    assert_int_equal(st.ok + st.slow, 3);
    expectDead(&d);
    assert_int_equal(srvCount(&s, "HEAD /ok\n"), 2);     /* once itself, once via /redirect */
    assert_int_equal(srvCount(&s, "HEAD /redirect\n"), 1);
    assert_int_equal(srvCount(&s, "GET /ok\n"), 0);
    assert_int_equal(srvCount(&s, "HEAD /nohead\n"), 1); /* 405, then */
    assert_int_equal(srvCount(&s, "GET /nohead\n"), 1);  /* GET 200 */
    assert_int_equal(srvCount(&s, "GET /missing\n"), 1); /* HEAD failed: GET confirms */
    assert_int_equal(srvCount(&s, "HEAD /slow\n"), 1);   /* a timeout is not retried */
    assert_true(took < 6000); /* in parallel, bounded by the timeouts */
    kbFree(k);
    cbDiagsFree(&d);
    srvStop(&s);
    ktRmTree(dir);
    free(dir);
}

static void write1(const char *dir, const char *name, int port, const char *const *paths, size_t n) {
    char *fm = cbSprintf("{\"question\": \"%s\",\n \"sources\": [", name);
    for (size_t i = 0; i < n; i++) {
        char *more = cbSprintf("%s%s{\"title\": \"s\", \"url\": \"http://127.0.0.1:%d%s\"}", fm,
                               i ? ",\n  " : "", port, paths[i]);
        free(fm);
        fm = more;
    }
    char *all = cbSprintf("%s]}", fm), *file = cbSprintf("%s.md", name);
    writeEntry(dir, file, all);
    free(all);
    free(file);
    free(fm);
}

static char *kbWith(int port, const char *const *paths, size_t n) {
    char *dir = ktTempDir(), *t = cbSprintf("%s/t", dir), *tj = cbSprintf("%s/t/_topic.json", dir);
    mkdir(t, 0755);
    ktWrite(tj, "{\"title\": \"T\", \"description\": \"D\"}\n");
    write1(dir, "w", port, paths, n);
    free(t);
    free(tj);
    return dir;
}

static size_t countMsg(const cbDiags *d, cbSeverity sev, const char *text) {
    size_t n = 0;
    for (size_t i = 0; i < d->n; i++) n += d->v[i].severity == sev && strstr(d->v[i].msg, text);
    return n;
}

/* Not dead: 403 and a long Retry-After are warnings; a short one is waited
 * out once, then the link is ok; a slow answer is a warning; excluded
 * URLs are not fetched. */
static void test_links_not_dead(void **state) {
    (void)state;
    srv s;
    srvStart(&s);
    static const char *const paths[] = {"/forbidden", "/always429", "/ratelimited", "/delay",
                                        "/excluded/page", "/ok"};
    char *dir = kbWith(s.port, paths, CB_ARRAY_LEN(paths));
    cbDiags d;
    cbDiagsInit(&d);
    kb *k = kbLoad(dir, &d);
    assert_non_null(k);
    kbLinkOpts o;
    kbLinkOptsDefault(&o);
    o.timeout_ms = 5000;
    o.slow_ms = 300;
    static const char *const ex[] = {"*/excluded/*"};
    o.exclude = ex;
    o.nexclude = 1;
    kbLinkStats st;
    assert_int_equal(kbCheckLinks(k, &o, &d, &st), 0);
    cbDiagsPrint(&d, "text", stderr);
    assert_int_equal(d.nerrors, 0);
    assert_int_equal(countMsg(&d, CB_DIAG_WARNING, "HTTP 403 (forbidden)"), 1);
    assert_int_equal(countMsg(&d, CB_DIAG_WARNING, "HTTP 429 (rate limited; asked to wait 120 s, too long"), 1);
    assert_int_equal(countMsg(&d, CB_DIAG_WARNING, "slow link"), 1);
    assert_int_equal(countMsg(&d, CB_DIAG_WARNING, "/ratelimited"), 0); /* ok after waiting */
    assert_int_equal(s.n429, 2);
    assert_true(s.t429[1] - s.t429[0] >= 950); /* Retry-After: 1 was honoured */
    assert_int_equal(srvCount(&s, "/excluded"), 0);
    assert_int_equal(st.checked, 5);
    assert_int_equal(st.warned, 2);
    assert_int_equal(st.slow, 1);
    assert_int_equal(st.ok, 2);
    assert_int_equal(st.dead, 0);
    assert_int_equal(st.excluded, 1);
    kbFree(k);
    cbDiagsFree(&d);
    srvStop(&s);
    ktRmTree(dir);
    free(dir);
}

/* per_host bounds the connections to one host: 4 unanswered URLs, 2 at a
 * time (the server counts the connections it holds open). */
static void test_links_per_host(void **state) {
    (void)state;
    srv s;
    srvStart(&s);
    static const char *const paths[] = {"/slow1", "/slow2", "/slow3", "/slow4"};
    char *dir = kbWith(s.port, paths, CB_ARRAY_LEN(paths));
    cbDiags d;
    cbDiagsInit(&d);
    kb *k = kbLoad(dir, &d);
    assert_non_null(k);
    kbLinkOpts o;
    kbLinkOptsDefault(&o);
    o.timeout_ms = 800;
    o.connect_timeout_ms = 800;
    o.per_host = 2;
    kbLinkStats st;
    assert_int_equal(kbCheckLinks(k, &o, &d, &st), 4); /* all time out */
    assert_int_equal(s.max_held, 2);
    assert_int_equal(s.nheld, 4);
    kbFree(k);
    cbDiagsFree(&d);
    srvStop(&s);
    ktRmTree(dir);
    free(dir);
}

/* The command: a summary line, and no progress line when stderr is a
 * file (not a terminal); --timeout and --exclude are taken. */
static void test_links_command(void **state) {
    (void)state;
    srv s;
    srvStart(&s);
    static const char *const paths[] = {"/ok", "/missing", "/skip/me"};
    char *dir = kbWith(s.port, paths, CB_ARRAY_LEN(paths));
    char *bin = getenv("CB_BOT") ? cbStrdup(getenv("CB_BOT")) : tpBuildPath("san/careerbot");
    char *argv[] = {bin, "kb", "check", "--kb", dir, "--links", "--timeout", "3", "--exclude",
                    "/skip/", NULL};
    char *env[] = {"CAREERBOT_TODAY=2025-06-01", NULL};
    tpProc p;
    assert_int_equal(tpSpawn(&p, argv, env, 0), 0);
    int rc = tpWait(&p, 20000);
    if (rc < 0) tpStop(&p, 1000);
    char *out = tpReadFile(p.out_path), *err = tpReadFile(p.err_path);
    tpCleanup(&p);
    assert_int_equal(rc, 1); /* /missing is dead */
    if (!strstr(out, "links: 2 checked, 1 ok, 1 dead, 0 slow, 0 not checkable (403/429), 1 excluded\n"))
        fail_msg("stdout:\n%s", out);
    assert_null(strstr(err, "checking links"));
    assert_null(strchr(err, '\r'));
    assert_int_equal(srvCount(&s, "/skip/me"), 0);
    free(out);
    free(err);
    free(bin);
    srvStop(&s);
    ktRmTree(dir);
    free(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_links),
                                       cmocka_unit_test(test_links_not_dead),
                                       cmocka_unit_test(test_links_per_host),
                                       cmocka_unit_test(test_links_command)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
