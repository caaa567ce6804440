/* bench_discord.c - Discord figures (not a test): the release-built Discord
 * transport runs in this process against the fake Discord (a child) on
 * loopback. Prints
 *   - answered messages per second and p50/p99 from the fake sending
 *     MESSAGE_CREATE to the fake receiving the REST reply (burst of N),
 *   - autocomplete: in-process engComplete p50/p99, and end to end
 *     (dispatch -> type 8 callback received) p50/p99,
 *   - peak RSS of this process (the bot plus this small driver).
 * Targets: >= 2,000 msg/s, p99 < 20 ms, autocomplete p99 < 2 ms, RSS < 30 MB.
 * Usage: bench_discord [BUILD_DIR] [N] (defaults: build, 5000). */
#include <curl/curl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "app.h"
#include "buf.h"
#include "common.h"
#include "discord.h"
#include "log.h"

#define BD_TOKEN "bench-discord-token"

static size_t bdCollect(char *p, size_t sz, size_t n, void *ud) {
    cbBuf *b = ud;
    bufAppend(b, p, sz * n);
    return sz * n;
}

/* POST (body != NULL) or GET base+path; the response body (caller frees). */
static char *bdHttp(const char *base, const char *path, const char *body) {
    CURL *c = curl_easy_init();
    char url[256];
    snprintf(url, sizeof url, "%s%s", base, path);
    cbBuf b;
    bufInit(&b, 64u << 20);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 10000L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, bdCollect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    if (body) curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_perform(c);
    curl_easy_cleanup(c);
    return bufDetach(&b);
}

static pid_t bdSpawnFake(const char *build, int port) {
    char bin[256], ps[16];
    snprintf(bin, sizeof bin, "%s/san/fake_discord", build);
    snprintf(ps, sizeof ps, "%d", port);
    pid_t pid = fork();
    if (pid == 0) {
        freopen("/dev/null", "w", stdout);
        execl(bin, bin, "--port", ps, "--token", BD_TOKEN, "--heartbeat", "30000", "--seconds", "300", (char *)NULL);
        _exit(127);
    }
    return pid;
}

static int bdCmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void bdAutocompleteInProcess(const knowledge *k) {
    static const char *partials[] = {"dj", "django or fl", "cert", "how do i get", "boot", "pyth", "sal", "remote"};
    enum { N = 20000 };
    double *lat = cbMalloc(N * sizeof *lat);
    const kbEntry *out[25];
    for (int i = 0; i < N; i++) {
        const char *p = partials[i % 8];
        double t0 = cbNowUs();
        engComplete(k->ix, p, strlen(p), 25, out);
        lat[i] = (cbNowUs() - t0) / 1000.0;
    }
    qsort(lat, N, sizeof *lat, bdCmp);
    printf("discord autocomplete in-process (engComplete, %d calls): p50 %.3f ms, p99 %.3f ms (target p99 < 2 ms)\n",
           N, lat[N / 2], lat[N * 99 / 100]);
    free(lat);
}

static double bdStat(const char *base, const char *key) {
    char *s = bdHttp(base, "/_control", "{\"cmd\":\"stats\"}");
    json_t *j = json_loads(s, 0, NULL);
    double v = json_number_value(json_object_get(j, key));
    json_decref(j);
    free(s);
    return v;
}

static void bdBurst(cbApp *a, const char *base, int n, int per_tick, int channels, const char *what) {
    char body[300];
    snprintf(body, sizeof body, "{\"cmd\":\"burst\",\"n\":%d,\"per_tick\":%d,\"channels\":%d,\"content\":\"<@100000000000000001> should I learn django or flask?\"}", n, per_tick, channels);
    free(bdHttp(base, "/_control", body));
    double end = cbNowMs() + 60000;
    while (cbNowMs() < end) {
        loopRunFor(&a->loop, 50);
        if (bdStat(base, "replies") >= n) break;
    }
    char *s = bdHttp(base, "/_control", "{\"cmd\":\"stats\"}");
    json_t *j = json_loads(s, 0, NULL);
    printf("discord messages, %s: %lld of %d answered, %.0f msg/s, p50 %.2f ms, p99 %.2f ms, max %.2f ms\n", what,
           (long long)json_number_value(json_object_get(j, "replies")), n,
           json_number_value(json_object_get(j, "per_second")), json_number_value(json_object_get(j, "p50_ms")),
           json_number_value(json_object_get(j, "p99_ms")), json_number_value(json_object_get(j, "max_ms")));
    json_decref(j);
    free(s);
}

/* Autocomplete end to end: dispatch -> callback, one at a time. */
static void bdAutocompleteE2E(cbApp *a, const char *base) {
    enum { N = 300 };
    double lat[N];
    int got = 0;
    char *clear = bdHttp(base, "/_log/clear", "");
    free(clear);
    for (int i = 0; i < N; i++) {
        char body[600];
        snprintf(body, sizeof body,
                 "{\"cmd\":\"dispatch\",\"t\":\"INTERACTION_CREATE\",\"d\":{\"id\":\"%lld\",\"type\":4,"
                 "\"application_id\":\"100000000000000002\",\"token\":\"tok%d\",\"channel_id\":\"1\","
                 "\"user\":{\"id\":\"2\"},\"data\":{\"name\":\"faq\",\"options\":[{\"name\":\"question\","
                 "\"value\":\"djan\",\"focused\":true}]}}}", 700000000000000000LL + i, i);
        free(bdHttp(base, "/_control", body));
        loopRunFor(&a->loop, 3);
    }
    loopRunFor(&a->loop, 300);
    char *s = bdHttp(base, "/_log", NULL);
    json_t *log = json_loads(s, 0, NULL), *e;
    free(s);
    double sent[N] = {0};
    size_t i;
    json_array_foreach(log, i, e) {
        const char *kind = json_string_value(json_object_get(e, "kind"));
        const char *path = json_string_value(json_object_get(e, "path"));
        double t = json_number_value(json_object_get(e, "t"));
        if (kind && strcmp(kind, "dispatch") == 0) {
            long long id = atoll(json_string_value(json_object_get(json_object_get(e, "body"), "id")));
            if (id >= 700000000000000000LL && id < 700000000000000000LL + N) sent[id - 700000000000000000LL] = t;
        } else if (kind && strcmp(kind, "http") == 0 && path && strstr(path, "/interactions/")) {
            long long id = atoll(path + strlen("/api/v10/interactions/"));
            if (id >= 700000000000000000LL && id < 700000000000000000LL + N && got < N)
                lat[got++] = t - sent[id - 700000000000000000LL];
        }
    }
    json_decref(log);
    qsort(lat, (size_t)got, sizeof *lat, bdCmp);
    printf("discord autocomplete end to end (dispatch -> type 8 callback at the fake, %d): p50 %.2f ms, p99 %.2f ms\n",
           got, got ? lat[got / 2] : 0, got ? lat[got * 99 / 100] : 0);
}

int main(int argc, char **argv) {
    const char *build = argc > 1 ? argv[1] : "build";
    int n = argc > 2 ? atoi(argv[2]) : 5000;
    signal(SIGPIPE, SIG_IGN);
    logInit(LOG_WARN, 0, stderr);
    int port = 20000 + (int)(getpid() % 20000);
    pid_t fake = bdSpawnFake(build, port);
    char base[64];
    snprintf(base, sizeof base, "http://127.0.0.1:%d", port);
    usleep(500000);
    cbApp a;
    memset(&a, 0, sizeof a);
    cfgDefaults(&a.cfg);
    free(a.cfg.discord_api_url);
    a.cfg.discord_api_url = cbSprintf("%s/api/v10", base);
    a.secrets.discord_token = cbStrdup(BD_TOKEN);
    char err[CB_ERRLEN];
    if (loopInit(&a.loop, NULL, err) != CB_OK || appReload(&a) != CB_OK) {
        fprintf(stderr, "bench_discord: %s\n", err);
        kill(fake, SIGTERM);
        return 1;
    }
    bdAutocompleteInProcess(a.k);
    cbTransport *t = discordTransportNew(&a, err);
    t->type->start(t, err);
    for (double end = cbNowMs() + 10000; !t->type->healthy(t, NULL, 0) && cbNowMs() < end;) loopRunFor(&a.loop, 20);
    printf("discord messages: latency = the fake sends MESSAGE_CREATE -> the fake receives the reply "
           "(targets >= 2000 msg/s, p99 < 20 ms)\n");
    bdBurst(&a, base, n, 50, 1, "saturating burst, one channel (offered 50 per ms)");
    bdBurst(&a, base, n, 50, 50, "saturating burst, 50 channels (offered 50 per ms)");
    bdBurst(&a, base, n / 2, 1, 50, "paced, 50 channels (offered 1 per ms tick)");
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("discord peak RSS after the bursts (release transport + bench driver): %.1f MB (target < 30 MB)\n",
           ru.ru_maxrss / 1024.0);
    bdAutocompleteE2E(&a, base);
    t->type->shutdown(t);
    for (double end = cbNowMs() + 3000; t->type->in_flight(t) && cbNowMs() < end;) loopRunFor(&a.loop, 20);
    t->type->free(t);
    loopFree(&a.loop);
    knowledgeFree(a.k);
    cfgFree(&a.cfg);
    free(a.secrets.discord_token);
    free(bdHttp(base, "/_control", "quit"));
    waitpid(fake, NULL, 0);
    return 0;
}
