/* tproc.c - child processes and small HTTP calls for tests (see tproc.h). */
#include "tproc.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double nowMs(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void sleepMs(double ms) {
    struct timespec ts = {(time_t)(ms / 1000), (long)((long long)(ms * 1e6) % 1000000000LL)};
    nanosleep(&ts, NULL);
}

static void applyEnv(char *const env[]) {
    for (size_t i = 0; env && env[i]; i++) {
        const char *eq = strchr(env[i], '=');
        if (!eq) continue;
        char name[256];
        size_t n = (size_t)(eq - env[i]) < sizeof(name) - 1 ? (size_t)(eq - env[i]) : sizeof(name) - 1;
        memcpy(name, env[i], n);
        name[n] = '\0';
        if (eq[1] == '\0') unsetenv(name);
        else setenv(name, eq + 1, 1);
    }
}

static void childSetup(tpProc *p, int in_fd) {
    int out = open(p->out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int err = open(p->err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (out < 0 || err < 0 || in_fd < 0) _exit(127);
    dup2(in_fd, 0);
    dup2(out, 1);
    dup2(err, 2);
}

int tpSpawn(tpProc *p, char *const argv[], char *const env[], int pipe_stdin) {
    static int seq;
    memset(p, 0, sizeof(*p));
    p->stdin_fd = -1;
    snprintf(p->out_path, sizeof(p->out_path), "/tmp/cbtest-%d-%d.out", (int)getpid(), seq);
    snprintf(p->err_path, sizeof(p->err_path), "/tmp/cbtest-%d-%d.err", (int)getpid(), seq++);
    int fds[2] = {-1, -1};
    if (pipe_stdin && pipe(fds) != 0) return -1;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        int in_fd = pipe_stdin ? fds[0] : open("/dev/null", O_RDONLY);
        if (pipe_stdin) close(fds[1]);
        childSetup(p, in_fd);
        applyEnv(env);
        execv(argv[0], argv);
        _exit(127);
    }
    p->pid = pid;
    if (pipe_stdin) {
        close(fds[0]);
        p->stdin_fd = fds[1];
        signal(SIGPIPE, SIG_IGN);
    }
    return 0;
}

int tpWrite(tpProc *p, const char *s) {
    size_t len = strlen(s), off = 0;
    while (off < len) {
        ssize_t n = write(p->stdin_fd, s + off, len - off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return -1;
        off += (size_t)n;
    }
    return 0;
}

void tpCloseStdin(tpProc *p) {
    if (p->stdin_fd >= 0) close(p->stdin_fd);
    p->stdin_fd = -1;
}

static int exitCode(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return -1;
}

int tpWait(tpProc *p, double timeout_ms) {
    if (p->exited) return exitCode(p->status);
    double end = nowMs() + timeout_ms;
    for (;;) {
        pid_t r = waitpid(p->pid, &p->status, WNOHANG);
        if (r == p->pid) {
            p->exited = 1;
            tpCloseStdin(p);
            return exitCode(p->status);
        }
        if (nowMs() >= end) return -1;
        sleepMs(5);
    }
}

void tpSignal(tpProc *p, int sig) {
    if (!p->exited && p->pid > 0) kill(p->pid, sig);
}

int tpStop(tpProc *p, double grace_ms) {
    tpSignal(p, SIGTERM);
    int rc = tpWait(p, grace_ms);
    if (rc == -1) {
        tpSignal(p, SIGKILL);
        rc = tpWait(p, 5000);
    }
    return rc;
}

void tpCleanup(tpProc *p) {
    unlink(p->out_path);
    unlink(p->err_path);
}

char *tpReadFile(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return strdup("");
    size_t cap = 4096, len = 0;
    char *s = malloc(cap);
    size_t n;
    if (!s) abort();
    while ((n = fread(s + len, 1, cap - len - 1, f)) > 0) {
        len += n;
        if (cap - len - 1 == 0) {
            char *t = realloc(s, cap *= 2);
            if (!t) abort();
            s = t;
        }
    }
    fclose(f);
    s[len] = '\0';
    return s;
}

int tpCount(const char *path, const char *needle) {
    char *s = tpReadFile(path);
    int count = 0;
    size_t nl = strlen(needle);
    for (const char *q = s; nl && (q = strstr(q, needle)) != NULL; q += nl) count++;
    free(s);
    return count;
}

int tpWaitFor(const char *path, const char *needle, int count, double timeout_ms) {
    double end = nowMs() + timeout_ms;
    while (tpCount(path, needle) < count) {
        if (nowMs() >= end) return 0;
        sleepMs(10);
    }
    return 1;
}

int tpFreePort(void) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {0};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(a);
    int port = -1;
    if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    if (fd >= 0) close(fd);
    return port;
}

char *tpBuildPath(const char *rel) {
    const char *b = getenv("CB_BUILD_DIR");
    if (!b || !*b) b = "build";
    size_t n = strlen(b) + strlen(rel) + 2;
    char *s = malloc(n);
    if (!s) abort();
    snprintf(s, n, "%s/%s", b, rel);
    return s;
}

static size_t collect(char *data, size_t size, size_t nmemb, void *ud) {
    char **body = ud;
    size_t old = *body ? strlen(*body) : 0, add = size * nmemb;
    char *s = realloc(*body, old + add + 1);
    if (!s) return 0;
    memcpy(s + old, data, add);
    s[old + add] = '\0';
    *body = s;
    return add;
}

long tpHttp(const char *method, const char *url, const char *req_body, char **body) {
    CURL *c = curl_easy_init();
    char *resp = NULL;
    long status = 0;
    if (!c) return 0;
    curl_easy_setopt(c, CURLOPT_URL, url);
    if (strcmp(method, "HEAD") == 0) curl_easy_setopt(c, CURLOPT_NOBODY, 1L); /* no body follows */
    else curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 5000L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &resp);
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    if (req_body) curl_easy_setopt(c, CURLOPT_POSTFIELDS, req_body);
    if (curl_easy_perform(c) == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    if (body) *body = resp;
    else free(resp);
    return status;
}

json_t *tpFakeLog(const char *base) {
    char url[256], *body = NULL;
    snprintf(url, sizeof(url), "%s/_log", base);
    long status = tpHttp("GET", url, NULL, &body);
    json_t *log = status == 200 && body ? json_loads(body, 0, NULL) : NULL;
    free(body);
    if (json_is_array(log)) return log;
    json_decref(log);
    return NULL;
}

int tpStartFake(tpProc *p, char *const argv[]) {
    if (tpSpawn(p, argv, NULL, 0) != 0 || !tpWaitFor(p->out_path, "port=", 1, 10000)) return -1;
    char *out = tpReadFile(p->out_path);
    const char *at = strstr(out, "port=");
    int port = at ? atoi(at + 5) : 0;
    free(out);
    return port > 0 ? port : -1;
}

int tpQuitFake(tpProc *p, int port) {
    char url[128];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/_control", port);
    tpHttp("POST", url, "quit", NULL);
    int rc = tpWait(p, 5000);
    if (rc < 0) rc = tpStop(p, 1000);
    if (rc != 0) {
        char *log = tpReadFile(p->err_path);
        fprintf(stderr, "fake exited with %d:\n%s\n", rc, log);
        free(log);
    }
    tpCleanup(p);
    return rc;
}
