/* bench_history.c - history performance figures (not a test):
 *   1. for batch sizes 256, 64 and 32: questions recorded per second while
 *      a uv loop runs, the longest
 *      single histRecordQuestion call (a full batch commits inside it: the
 *      longest loop stall a commit causes; target <= 2 ms) and the longest
 *      gap seen by a 1 ms uv timer;
 *   2. `report` over 1 million question rows (target < 2 s).
 * Usage: bench_history [ROWS_LIVE] [ROWS_REPORT] (defaults 100000, 1000000).
 * Works in a scratch directory under /tmp and removes it. */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "base/common.h"
#include "ops/history.h"
#include "net/loop.h"

typedef struct liveBench {
    histStore *h;
    long rows, done;
    double max_call_ms, max_gap_ms, last_tick;
    double *commits; /* durations of the calls that committed */
    size_t ncommits;
    uv_timer_t tick, feed;
} liveBench;

static void onTick(uv_timer_t *t) {
    liveBench *b = t->data;
    double now = cbNowMs();
    if (b->last_tick > 0 && now - b->last_tick > b->max_gap_ms) b->max_gap_ms = now - b->last_tick;
    b->last_tick = now;
}

/* A burst of 50 questions per loop turn, like a busy bot would never see. */
static void onFeed(uv_timer_t *t) {
    liveBench *b = t->data;
    char text[96];
    for (int i = 0; i < 50 && b->done < b->rows; i++, b->done++) {
        snprintf(text, sizeof text, "how do i become a python developer number %ld", b->done % 5000);
        histQuestion q = {.time = cbWallTime(), .platform = "slack", .channel_kind = "channel",
                          .user = "U0123456", .question = text, .normalized = text,
                          .outcome = b->done % 3 ? "abstain" : "did_you_mean",
                          .confidence = 0.3,
                          .candidates_json = "[{\"id\":\"career/salary\",\"confidence\":0.3}]"};
        double t0 = cbNowMs();
        histRecordQuestion(b->h, &q, 0.7);
        double d = cbNowMs() - t0;
        if (d > b->max_call_ms) b->max_call_ms = d;
        if (histPending(b->h) == 0) b->commits[b->ncommits++] = d; /* this call committed */
    }
    if (b->done >= b->rows) {
        uv_timer_stop(&b->feed);
        uv_timer_stop(&b->tick);
    }
}

static int cmpDouble(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void benchLive(const char *db, long rows, size_t batch) {
    uv_loop_t uvl;
    uv_loop_init(&uvl);
    cbLoop l = {.uv = &uvl};
    char err[CB_ERRLEN];
    liveBench b = {.rows = rows, .commits = cbCalloc((size_t)rows + 1, sizeof(double))};
    histOptions o;
    histDefaultOptions(&o);
    o.batch_max = batch;
    b.h = histOpenWith(db, &l, &o, err);
    if (!b.h) {
        fprintf(stderr, "bench: %s\n", err);
        exit(1);
    }
    uv_timer_init(&uvl, &b.tick);
    uv_timer_init(&uvl, &b.feed);
    b.tick.data = b.feed.data = &b;
    uv_timer_start(&b.tick, onTick, 1, 1);
    uv_timer_start(&b.feed, onFeed, 0, 1);
    double t0 = cbNowMs();
    uv_run(&uvl, UV_RUN_DEFAULT); /* until the feed stops and the last batch commits */
    histClose(b.h);
    double secs = (cbNowMs() - t0) / 1000;
    uv_close((uv_handle_t *)&b.tick, NULL);
    uv_close((uv_handle_t *)&b.feed, NULL);
    uv_run(&uvl, UV_RUN_DEFAULT);
    uv_loop_close(&uvl);
    qsort(b.commits, b.ncommits, sizeof(double), cmpDouble);
    double p50 = b.ncommits ? b.commits[b.ncommits / 2] : 0;
    double p99 = b.ncommits ? b.commits[b.ncommits * 99 / 100] : 0;
    printf("history: batch %3zu: %ld questions in %.2f s = %.0f rows/s; %zu commits on the loop:"
           " p50 %.2f ms, p99 %.2f ms, max %.2f ms (target <= 2); longest 1 ms tick gap %.2f ms\n",
           batch, rows, secs, rows / secs, b.ncommits, p50, p99, b.max_call_ms, b.max_gap_ms);
    free(b.commits);
}

/* 1M rows written straight with SQLite (fast), then the report timed. */
static void fill(const char *db, long rows) {
    sqlite3 *c;
    sqlite3_stmt *st;
    sqlite3_open(db, &c);
    sqlite3_exec(c, "BEGIN", NULL, NULL, NULL);
    sqlite3_prepare_v2(c,
                       "INSERT INTO questions (time, platform, channel_kind, user_hash, question,"
                       " normalized, outcome, entry_id, confidence, candidates, top_id,"
                       " top_confidence) VALUES (?, 'slack', 'channel', 'abcdef', ?, ?, ?, ?, ?,"
                       " '[]', ?, ?)",
                       -1, &st, NULL);
    long long now = cbWallTime();
    char text[96], norm[64], entry[32];
    for (long i = 0; i < rows; i++) {
        int answer = i % 4 == 0;
        snprintf(norm, sizeof norm, "question form %ld", (i * 7919) % 20000);
        snprintf(text, sizeof text, "Question form %ld, asked again?", (i * 7919) % 20000);
        snprintf(entry, sizeof entry, "topic%ld/entry%ld", i % 9, i % 120);
        sqlite3_bind_int64(st, 1, now - (i % (60 * 86400)));
        sqlite3_bind_text(st, 2, text, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 3, norm, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 4, answer ? "answer" : i % 2 ? "abstain" : "did_you_mean", -1, SQLITE_STATIC);
        if (answer) sqlite3_bind_text(st, 5, entry, -1, SQLITE_TRANSIENT);
        else sqlite3_bind_null(st, 5);
        sqlite3_bind_double(st, 6, answer ? 0.6 : 0.25);
        sqlite3_bind_text(st, 7, entry, -1, SQLITE_TRANSIENT);
        sqlite3_bind_double(st, 8, 0.25);
        sqlite3_step(st);
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    sqlite3_exec(c, "COMMIT", NULL, NULL, NULL);
    sqlite3_close(c);
}

static void benchReport(const char *db, long rows) {
    char err[CB_ERRLEN];
    histStore *h = histOpen(db, NULL, err); /* creates the schema */
    if (!h) {
        fprintf(stderr, "bench: %s\n", err);
        exit(1);
    }
    histClose(h);
    fill(db, rows);
    h = histOpen(db, NULL, err);
    histReport r;
    const struct {
        const char *what;
        long long since;
    } runs[] = {{"all time", 0}, {"last 7 days", cbWallTime() - 7 * 86400}};
    for (size_t i = 0; i < CB_ARRAY_LEN(runs); i++) {
        histReportOptions o;
        histReportDefaults(&o);
        o.since = runs[i].since; /* groups the 3000 most recent open questions */
        double t0 = cbNowMs();
        if (histReportBuild(h, &o, &r, err) != CB_OK) {
            fprintf(stderr, "bench: %s\n", err);
            exit(1);
        }
        double ms = cbNowMs() - t0;
        printf("report: %ld rows, %s: %.0f ms (target < 2000), %zu open groups, %lld unanswered\n",
               rows, runs[i].what, ms, r.nopen, r.unanswered);
        histReportFree(&r);
    }
    histClose(h);
}

int main(int argc, char **argv) {
    long live = argc > 1 ? atol(argv[1]) : 100000;
    long big = argc > 2 ? atol(argv[2]) : 1000000;
    char dir[64], db1[96], db2[96], cmd[128];
    snprintf(dir, sizeof dir, "/tmp/cb_bench_history_%d", (int)getpid());
    snprintf(db1, sizeof db1, "%s/live.db", dir);
    snprintf(db2, sizeof db2, "%s/report.db", dir);
    const size_t batches[] = {256, 64, 32};
    for (size_t i = 0; i < CB_ARRAY_LEN(batches); i++) {
        benchLive(db1, live, batches[i]);
        unlink(db1);
    }
    benchReport(db2, big);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : 1;
}
