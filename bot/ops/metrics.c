/* metrics.c - process-wide counters and the answer-latency histogram,
 * rendered in the Prometheus text exposition format (version 0.0.4) for
 * GET /metrics. Labelled counters live in small fixed tables (the label
 * values come from code, not from users, but the tables are still bounded:
 * past METRICS_MAX_SERIES new series are folded into one "other" series).
 * Series are rendered sorted by label values so the text is deterministic.
 * Single-threaded: only the loop touches these. */
#include "ops/metrics.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/common.h"

#define METRICS_MAX_SERIES 32
#define METRICS_LABEL_MAX 32
#define METRICS_MAX_TEXT (256 * 1024)

typedef struct mSeries {
    char a[METRICS_LABEL_MAX], b[METRICS_LABEL_MAX];
    unsigned long long v;
} mSeries;

typedef struct mCounter {
    mSeries s[METRICS_MAX_SERIES];
    size_t n;
} mCounter;

/* Upper bounds in seconds: 50 µs to 1 s, then +Inf. */
static const double latencyBounds[] = {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                       0.01,    0.025,  0.05,    0.1,    0.25,  0.5,   1.0};
static const char *latencyLabels[] = {"0.00005", "0.0001", "0.00025", "0.0005", "0.001",
                                     "0.0025",  "0.005",  "0.01",    "0.025",  "0.05",
                                     "0.1",     "0.25",   "0.5",     "1"};
#define NBOUNDS CB_ARRAY_LEN(latencyBounds)

/* End to end, from the event to the platform accepting the reply: 5 ms
 * to 10 s, then +Inf. */
static const double replyBounds[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0};
static const char *replyLabels[] = {"0.005", "0.01", "0.025", "0.05", "0.1", "0.25",
                                    "0.5",   "1",    "2.5",   "5",    "10"};
#define NREPLY CB_ARRAY_LEN(replyBounds)
_Static_assert(CB_ARRAY_LEN(replyLabels) == CB_ARRAY_LEN(replyBounds), "one label per bound");
#define METRICS_MAX_PLATFORMS 4

typedef struct mReplyHist {
    char platform[METRICS_LABEL_MAX];
    unsigned long long buckets[NREPLY]; /* non-cumulative */
    unsigned long long count;
    double sum;
} mReplyHist;
_Static_assert(CB_ARRAY_LEN(latencyLabels) == CB_ARRAY_LEN(latencyBounds), "one label per bound");

static struct {
    mCounter questions, reconnects, resumes, ratewaits, votes, reloads, cooldowns, failures, connected,
        completions, handoffs;
    unsigned long long lat_buckets[NBOUNDS]; /* non-cumulative counts */
    unsigned long long lat_count;
    double lat_sum;
    size_t kb_entries;
    unsigned long long hist_rows, hist_errors;
    mReplyHist reply[METRICS_MAX_PLATFORMS];
    size_t nreply;
} M;

void metricsReset(void) { memset(&M, 0, sizeof M); }

static void copyLabel(char *dst, const char *src) {
    snprintf(dst, METRICS_LABEL_MAX, "%s", src ? src : "");
}

static mSeries *seriesFind(mCounter *c, const char *a, const char *b) {
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->s[i].a, a) == 0 && strcmp(c->s[i].b, b) == 0) return &c->s[i];
    return NULL;
}

/* Add n to the series (a, b), creating it. The last slot is kept for the
 * series ("other", "other"), which absorbs anything past the limit. */
static void counterAdd(mCounter *c, const char *a, const char *b, unsigned long long n) {
    char la[METRICS_LABEL_MAX], lb[METRICS_LABEL_MAX];
    copyLabel(la, a);
    copyLabel(lb, b);
    mSeries *s = seriesFind(c, la, lb);
    if (!s && c->n >= METRICS_MAX_SERIES - 1) {
        copyLabel(la, "other");
        copyLabel(lb, b ? "other" : "");
        s = seriesFind(c, la, lb);
    }
    if (!s) {
        assert(c->n < METRICS_MAX_SERIES);
        s = &c->s[c->n++];
        memcpy(s->a, la, sizeof la);
        memcpy(s->b, lb, sizeof lb);
        s->v = 0;
    }
    s->v += n;
}

void metricsQuestion(const char *platform, const char *outcome, double latency_seconds) {
    counterAdd(&M.questions, platform, outcome, 1);
    if (!(latency_seconds >= 0)) latency_seconds = 0; /* NaN or negative */
    size_t i = 0;
    while (i < NBOUNDS && latency_seconds > latencyBounds[i]) i++;
    if (i < NBOUNDS) M.lat_buckets[i]++;
    M.lat_count++;
    M.lat_sum += latency_seconds;
}

void metricsReconnect(const char *platform, int resumed) {
    counterAdd(&M.reconnects, platform, NULL, 1);
    if (resumed) counterAdd(&M.resumes, platform, NULL, 1);
}

void metricsRateLimitWait(const char *platform) { counterAdd(&M.ratewaits, platform, NULL, 1); }

void metricsReload(int ok) { counterAdd(&M.reloads, ok ? "ok" : "failed", NULL, 1); }

void metricsKnowledgeEntries(size_t n) { M.kb_entries = n; }

static const char *const handoffEvents[] = {"requested", "relayed", "cancelled", "expired",
                                            "limited"};

void metricsHandoff(const char *platform, const char *event) {
    counterAdd(&M.handoffs, platform, event, 1);
}

void metricsVote(const char *platform, int helpful) {
    counterAdd(&M.votes, platform, helpful ? "helpful" : "not_helpful", 1);
}

void metricsHistoryRows(size_t n) { M.hist_rows += n; }

void metricsHistoryError(void) { M.hist_errors++; }

void metricsAutocomplete(const char *platform) { counterAdd(&M.completions, platform, NULL, 1); }

void metricsCooldown(const char *platform, const char *action) {
    counterAdd(&M.cooldowns, platform, action, 1);
}

/* The platform's reply histogram; the last slot takes any platform past
 * the bound. */
static mReplyHist *replyHist(const char *platform) {
    char p[METRICS_LABEL_MAX];
    copyLabel(p, platform);
    for (size_t i = 0; i < M.nreply; i++)
        if (strcmp(M.reply[i].platform, p) == 0) return &M.reply[i];
    if (M.nreply == METRICS_MAX_PLATFORMS) return &M.reply[METRICS_MAX_PLATFORMS - 1];
    mReplyHist *h = &M.reply[M.nreply++];
    memcpy(h->platform, p, sizeof p);
    return h;
}

void metricsReplyLatency(const char *platform, double seconds) {
    mReplyHist *h = replyHist(platform);
    if (!(seconds >= 0)) seconds = 0;
    size_t i = 0;
    while (i < NREPLY && seconds > replyBounds[i]) i++;
    if (i < NREPLY) h->buckets[i]++;
    h->count++;
    h->sum += seconds;
}

void metricsReplyFailed(const char *platform) { counterAdd(&M.failures, platform, NULL, 1); }

void metricsPlatformConnected(const char *platform, int connected) {
    char la[METRICS_LABEL_MAX];
    copyLabel(la, platform);
    mSeries *s = seriesFind(&M.connected, la, "");
    if (!s) counterAdd(&M.connected, platform, NULL, 0), s = seriesFind(&M.connected, la, "");
    if (s) s->v = connected ? 1 : 0;
}

void metricsDeclarePlatform(const char *platform) {
    static const char *outcomes[] = {"answered", "did_you_mean", "abstained", "chitchat", "info", "error"};
    for (size_t i = 0; i < CB_ARRAY_LEN(outcomes); i++)
        counterAdd(&M.questions, platform, outcomes[i], 0);
    counterAdd(&M.reconnects, platform, NULL, 0);
    counterAdd(&M.resumes, platform, NULL, 0);
    counterAdd(&M.ratewaits, platform, NULL, 0);
    counterAdd(&M.votes, platform, "helpful", 0);
    counterAdd(&M.votes, platform, "not_helpful", 0);
    counterAdd(&M.cooldowns, platform, "warned", 0);
    counterAdd(&M.cooldowns, platform, "silenced", 0);
    counterAdd(&M.completions, platform, NULL, 0);
    for (size_t i = 0; i < CB_ARRAY_LEN(handoffEvents); i++)
        counterAdd(&M.handoffs, platform, handoffEvents[i], 0);
    counterAdd(&M.failures, platform, NULL, 0);
    counterAdd(&M.connected, platform, NULL, 0);
    (void)replyHist(platform);
}

/* Label values escaped as the exposition format asks: \\, \" and \n. */
static void putLabel(cbBuf *b, const char *name, const char *v) {
    bufPrintf(b, "%s=\"", name);
    for (const char *p = v; *p; p++) {
        if (*p == '\\') bufAppendStr(b, "\\\\");
        else if (*p == '"') bufAppendStr(b, "\\\"");
        else if (*p == '\n') bufAppendStr(b, "\\n");
        else bufAppend(b, p, 1);
    }
    bufAppendStr(b, "\"");
}

static void putHeader(cbBuf *b, const char *name, const char *type, const char *help) {
    bufPrintf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static int seriesCmp(const void *x, const void *y) {
    const mSeries *a = x, *b = y;
    int c = strcmp(a->a, b->a);
    return c ? c : strcmp(a->b, b->b);
}

/* One labelled series of type (counter or gauge): la (and lb when not
 * NULL) name the labels, sorted so the output is stable. */
static void putSeries(cbBuf *b, const mCounter *c, const char *name, const char *type,
                      const char *help, const char *la, const char *lb) {
    mSeries sorted[METRICS_MAX_SERIES];
    memcpy(sorted, c->s, c->n * sizeof *sorted);
    qsort(sorted, c->n, sizeof *sorted, seriesCmp);
    putHeader(b, name, type, help);
    for (size_t i = 0; i < c->n; i++) {
        bufPrintf(b, "%s{", name);
        putLabel(b, la, sorted[i].a);
        if (lb) {
            bufAppendStr(b, ",");
            putLabel(b, lb, sorted[i].b);
        }
        bufPrintf(b, "} %llu\n", sorted[i].v);
    }
}

static void putCounter(cbBuf *b, const mCounter *c, const char *name, const char *help,
                       const char *la, const char *lb) {
    putSeries(b, c, name, "counter", help, la, lb);
}

/* A labelled gauge (values are 0/1 here). */
static void putGauge(cbBuf *b, const mCounter *c, const char *name, const char *help,
                     const char *la) {
    putSeries(b, c, name, "gauge", help, la, NULL);
}

static void putLatency(cbBuf *b) {
    const char *name = "careerbot_answer_latency_seconds";
    putHeader(b, name, "histogram", "Time to compute a reply to a question.");
    unsigned long long cum = 0;
    for (size_t i = 0; i < NBOUNDS; i++) {
        cum += M.lat_buckets[i];
        bufPrintf(b, "%s_bucket{le=\"%s\"} %llu\n", name, latencyLabels[i], cum);
    }
    bufPrintf(b, "%s_bucket{le=\"+Inf\"} %llu\n", name, M.lat_count);
    bufPrintf(b, "%s_sum %.9g\n", name, M.lat_sum);
    bufPrintf(b, "%s_count %llu\n", name, M.lat_count);
}

static int replyCmp(const void *x, const void *y) {
    return strcmp(((const mReplyHist *)x)->platform, ((const mReplyHist *)y)->platform);
}

static void putReplyLatency(cbBuf *b) {
    const char *name = "careerbot_reply_latency_seconds";
    putHeader(b, name, "histogram",
              "From a question's event to the platform accepting the reply.");
    mReplyHist sorted[METRICS_MAX_PLATFORMS];
    memcpy(sorted, M.reply, M.nreply * sizeof *sorted);
    qsort(sorted, M.nreply, sizeof *sorted, replyCmp);
    for (size_t p = 0; p < M.nreply; p++) {
        const mReplyHist *h = &sorted[p];
        unsigned long long cum = 0;
        for (size_t i = 0; i < NREPLY; i++) {
            cum += h->buckets[i];
            bufPrintf(b, "%s_bucket{", name);
            putLabel(b, "platform", h->platform);
            bufPrintf(b, ",le=\"%s\"} %llu\n", replyLabels[i], cum);
        }
        bufPrintf(b, "%s_bucket{", name);
        putLabel(b, "platform", h->platform);
        bufPrintf(b, ",le=\"+Inf\"} %llu\n%s_sum{", h->count, name);
        putLabel(b, "platform", h->platform);
        bufPrintf(b, "} %.9g\n%s_count{", h->sum, name);
        putLabel(b, "platform", h->platform);
        bufPrintf(b, "} %llu\n", h->count);
    }
}

static void putScalar(cbBuf *b, const char *name, const char *type, const char *help,
                      unsigned long long v) {
    putHeader(b, name, type, help);
    bufPrintf(b, "%s %llu\n", name, v);
}

char *metricsRender(void) {
    cbBuf b;
    bufInit(&b, METRICS_MAX_TEXT);
    mCounter reloads = M.reloads; /* both results always shown, 0 included */
    counterAdd(&reloads, "ok", NULL, 0);
    counterAdd(&reloads, "failed", NULL, 0);
    putCounter(&b, &M.questions, "careerbot_questions_total", "Questions answered, by outcome.",
               "platform", "outcome");
    putLatency(&b);
    putReplyLatency(&b);
    putCounter(&b, &M.reconnects, "careerbot_reconnects_total",
               "Reconnections to a platform.", "platform", NULL);
    putCounter(&b, &M.resumes, "careerbot_resumes_total",
               "Reconnections that resumed the previous session.", "platform", NULL);
    putCounter(&b, &M.ratewaits, "careerbot_rate_limit_waits_total",
               "Requests delayed by a platform rate limit.", "platform", NULL);
    putScalar(&b, "careerbot_knowledge_entries", "gauge", "Entries in the live knowledge base.",
              M.kb_entries);
    putCounter(&b, &reloads, "careerbot_knowledge_reloads_total",
               "Knowledge reloads, by result.", "result", NULL);
    putCounter(&b, &M.votes, "careerbot_feedback_votes_total", "Feedback votes on answers.",
               "platform", "vote");
    putCounter(&b, &M.completions, "careerbot_autocomplete_total",
               "Autocomplete requests (suggestions while a question is typed).", "platform", NULL);
    putCounter(&b, &M.cooldowns, "careerbot_cooldowns_total",
               "Questions not answered because the user or channel was cooling down.",
               "platform", "action");
    putCounter(&b, &M.handoffs, "careerbot_mentor_handoffs_total",
               "Questions handed to human mentors, by event.", "platform", "event");
    putCounter(&b, &M.failures, "careerbot_reply_failures_total",
               "Replies the platform did not accept, after retries.", "platform", NULL);
    putGauge(&b, &M.connected, "careerbot_platform_connected",
             "1 when the platform connection is up.", "platform");
    putScalar(&b, "careerbot_history_rows_written_total", "counter",
              "Rows committed to the history database.", M.hist_rows);
    putScalar(&b, "careerbot_history_write_errors_total", "counter",
              "Failed history writes.", M.hist_errors);
    return bufDetach(&b);
}

/* ---- process_* (the names of the Prometheus client libraries) ---- */

static double procStartTime(void) {
    long ticks = sysconf(_SC_CLK_TCK);
    unsigned long long start = 0, btime = 0;
    char buf[1024];
    FILE *f = fopen("/proc/self/stat", "r");
    if (f) {
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        buf[n] = '\0';
        fclose(f);
        const char *p = strrchr(buf, ')'); /* the name may hold spaces */
        for (int field = 2; p && *p && field < 22; p++)
            if (*p == ' ') field++;
        if (p) start = strtoull(p, NULL, 10);
    }
    f = fopen("/proc/stat", "r");
    while (f && fgets(buf, sizeof buf, f))
        if (sscanf(buf, "btime %llu", &btime) == 1) break;
    if (f) fclose(f);
    return ticks > 0 ? (double)btime + (double)start / (double)ticks : 0;
}

static size_t procOpenFds(void) {
    size_t n = 0;
    DIR *d = opendir("/proc/self/fd");
    if (!d) return 0;
    const struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.') n++;
    closedir(d);
    return n > 0 ? n - 1 : 0; /* not the one opendir holds */
}

static void putProcess(cbBuf *b) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
                 (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
    putHeader(b, "process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.");
    bufPrintf(b, "process_cpu_seconds_total %.6f\n", cpu);
    unsigned long long pages_virt = 0, pages_res = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (f) {
        if (fscanf(f, "%llu %llu", &pages_virt, &pages_res) != 2) pages_virt = pages_res = 0;
        fclose(f);
    }
    unsigned long long page = (unsigned long long)sysconf(_SC_PAGESIZE);
    putScalar(b, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.",
              pages_res * page);
    putScalar(b, "process_virtual_memory_bytes", "gauge", "Virtual memory size in bytes.",
              pages_virt * page);
    putHeader(b, "process_start_time_seconds", "gauge",
              "Start time of the process since unix epoch in seconds.");
    bufPrintf(b, "process_start_time_seconds %.2f\n", procStartTime());
    putScalar(b, "process_open_fds", "gauge", "Number of open file descriptors.", procOpenFds());
    struct rlimit rl;
    unsigned long long maxfds = getrlimit(RLIMIT_NOFILE, &rl) == 0 ? (unsigned long long)rl.rlim_cur : 0;
    putScalar(b, "process_max_fds", "gauge", "Maximum number of open file descriptors.", maxfds);
}

static char buildVersion[METRICS_LABEL_MAX] = "unknown";

void metricsSetVersion(const char *version) { copyLabel(buildVersion, version); }

char *metricsRenderAll(void) {
    char *core = metricsRender();
    cbBuf b;
    bufInit(&b, METRICS_MAX_TEXT * 2);
    bufAppendStr(&b, core);
    free(core);
    putProcess(&b);
    putHeader(&b, "careerbot_build_info", "gauge", "Always 1; the version in a label.");
    bufAppendStr(&b, "careerbot_build_info{");
    putLabel(&b, "version", buildVersion);
    bufAppendStr(&b, "} 1\n");
    return bufDetach(&b);
}
