/* history.c - the history store: questions are queued in memory and
 * committed in one transaction by a short uv timer (or at once when the
 * batch is full), so the loop never waits for the disk on a question;
 * votes are committed immediately (with whatever questions are pending) and
 * their done callbacks run afterwards from a 0 ms timer, never inside
 * histRecordVote. SQLITE_BUSY (another process writing the same file) is
 * not waited for on the loop: the busy timeout is short and the commit is
 * retried on the timer. Without a loop (CLI) everything is synchronous. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/common.h"
#include "ops/history_int.h"
#include "base/log.h"
#include "base/redact.h"
#include "ops/metrics.h"

#define HIST_MAX_TEXT 4000      /* bytes of question text kept */
#define HIST_MAX_CANDIDATES 4096 /* bytes of candidates JSON kept */
#define HIST_BUSY_RETRY_MS 50
#define HIST_PURGE_EVERY_MS (24.0 * 3600 * 1000)
/* With a loop, SQLite's automatic checkpoint (which copies the WAL into the
 * database and fsyncs, inside whichever COMMIT crosses 1000 pages) is off:
 * it made one commit in a hundred stall 10-100 ms on the benchmark. The
 * WAL is checkpointed on this timer instead, at a moment no question or
 * vote is waiting on it (and by SQLite when the last connection closes). */
#define HIST_CHECKPOINT_EVERY_MS 30000

enum { COMMIT_OK, COMMIT_BUSY, COMMIT_FAIL };

struct histTimers {
    uv_timer_t flush, ack, purge, checkpoint;
    int open; /* handles not yet closed */
};

void histDefaultOptions(histOptions *o) {
    o->retention_days = 90;
    o->flush_ms = 200;
    o->batch_max = 32; /* bench_history: p99 commit 0.7 ms, 256 rows took 1.4 ms at p50 */
    o->pending_max = 20000;
    o->busy_ms = 0; /* 0: chosen at open (20 with a loop, 5000 without) */
    o->vote_retry_ms = 10000;
}

/* ---- queue helpers ---- */

static void *grow(void *p, size_t *cap, size_t need, size_t elem) {
    if (need <= *cap) return p;
    size_t n = *cap ? *cap * 2 : 16;
    while (n < need) n *= 2;
    *cap = n;
    return cbRealloc(p, n * elem);
}

/* At most max bytes, cut back to a UTF-8 character boundary. */
static char *dupText(const char *s, size_t max) {
    if (!s) return NULL;
    size_t n = strlen(s);
    if (n > max) {
        n = max;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80) n--;
    }
    return cbStrndup(s, n);
}

static void rowFree(histRow *r) {
    free(r->platform);
    free(r->channel_kind);
    free(r->question);
    free(r->normalized);
    free(r->outcome);
    free(r->entry_id);
    free(r->candidates);
    free(r->message);
}

static void voteFree(histPendVote *v) {
    free(v->platform);
    free(v->channel_kind);
    free(v->entry_id);
    free(v->message);
}

static void pushAck(histStore *h, histDoneFn *done, void *ud, int ok) {
    if (!done) return;
    h->acks = grow(h->acks, &h->capacks, h->nacks + 1, sizeof *h->acks);
    h->acks[h->nacks++] = (histAck){.done = done, .ud = ud, .ok = ok};
}

/* Run the waiting callbacks; a callback may record another vote, which
 * queues its own ack for later. */
static void runAcks(histStore *h) {
    size_t n = h->nacks;
    histAck *acks = h->acks;
    h->acks = NULL;
    h->nacks = h->capacks = 0;
    for (size_t i = 0; i < n; i++) acks[i].done(acks[i].ok, acks[i].ud);
    free(acks);
}

static void onAckTimer(uv_timer_t *t) { runAcks(t->data); }

static void deliverAcks(histStore *h) {
    if (!h->nacks) return;
    if (h->loop && h->t) uv_timer_start(&h->t->ack, onAckTimer, 0, 0);
    else runAcks(h);
}

/* ---- committing ---- */

static int stepReset(sqlite3_stmt *st) {
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int insertRow(histStore *h, const histRow *r) {
    if (r->click) {
        sqlite3_stmt *st = h->ins_click;
        sqlite3_bind_int64(st, 1, r->time);
        sqlite3_bind_text(st, 2, r->platform, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, r->user_hash, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, r->entry_id, -1, SQLITE_STATIC);
        return stepReset(st);
    }
    if (!r->keep_text) {
        sqlite3_stmt *st = h->upsert_c;
        sqlite3_bind_text(st, 1, r->entry_id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, r->time);
        sqlite3_bind_text(st, 3, r->platform, -1, SQLITE_STATIC);
        return stepReset(st);
    }
    sqlite3_stmt *st = h->ins_q;
    sqlite3_bind_int64(st, 1, r->time);
    sqlite3_bind_text(st, 2, r->platform, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, r->channel_kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, r->user_hash, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, r->question, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, r->normalized, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, r->outcome, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 8, r->entry_id, -1, SQLITE_STATIC);
    sqlite3_bind_double(st, 9, r->confidence);
    sqlite3_bind_text(st, 10, r->candidates, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 11, r->message, -1, SQLITE_STATIC);
    return stepReset(st);
}

static int insertVote(histStore *h, const histPendVote *v) {
    sqlite3_stmt *st = h->ins_v;
    sqlite3_bind_int64(st, 1, v->time);
    sqlite3_bind_text(st, 2, v->platform, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, v->channel_kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, v->user_hash, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, v->entry_id, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 6, v->helpful);
    sqlite3_bind_text(st, 7, v->message, -1, SQLITE_STATIC);
    return stepReset(st);
}

static int isBusy(int rc) { return rc == SQLITE_BUSY || rc == SQLITE_LOCKED; }

/* Everything pending in one transaction. */
static int writePending(histStore *h) {
    int rc = sqlite3_exec(h->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    if (rc != SQLITE_OK) return isBusy(rc) ? COMMIT_BUSY : COMMIT_FAIL;
    for (size_t i = 0; rc == SQLITE_OK && i < h->nrows; i++) rc = insertRow(h, &h->rows[i]);
    for (size_t i = 0; rc == SQLITE_OK && i < h->nvotes; i++) rc = insertVote(h, &h->votes[i]);
    if (rc == SQLITE_OK) rc = sqlite3_exec(h->db, "COMMIT", NULL, NULL, NULL);
    if (rc == SQLITE_OK) return COMMIT_OK;
    logEvent(isBusy(rc) ? LOG_DEBUG : LOG_ERROR, "history.write_failed", "msg=\"%s\"",
             sqlite3_errmsg(h->db));
    sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL);
    return isBusy(rc) ? COMMIT_BUSY : COMMIT_FAIL;
}

/* Forget the pending rows and votes; votes acknowledge with ok. */
static void settle(histStore *h, int ok) {
    for (size_t i = 0; i < h->nrows; i++) rowFree(&h->rows[i]);
    for (size_t i = 0; i < h->nvotes; i++) {
        pushAck(h, h->votes[i].done, h->votes[i].ud, ok);
        voteFree(&h->votes[i]);
    }
    h->nrows = h->nvotes = 0;
}

/* Votes still busy past their deadline fail; the rest wait. */
static void expireVotes(histStore *h) {
    double now = cbNowMs();
    size_t keep = 0;
    for (size_t i = 0; i < h->nvotes; i++) {
        if (h->votes[i].deadline_ms <= now) {
            pushAck(h, h->votes[i].done, h->votes[i].ud, 0);
            voteFree(&h->votes[i]);
            metricsHistoryError();
        } else {
            h->votes[keep++] = h->votes[i];
        }
    }
    h->nvotes = keep;
}

static void onFlushTimer(uv_timer_t *t);

static void armFlush(histStore *h, double ms) {
    if (!h->loop || !h->t) return;
    if (uv_is_active((uv_handle_t *)&h->t->flush) && ms >= h->opt.flush_ms) return;
    uv_timer_start(&h->t->flush, onFlushTimer, (uint64_t)ms, 0);
}

/* Commit now; on BUSY keep everything and retry on the timer. */
static int commitPending(histStore *h) {
    if (h->nrows == 0 && h->nvotes == 0) return COMMIT_OK;
    size_t n = h->nrows + h->nvotes;
    int r = writePending(h);
    if (r == COMMIT_OK) {
        metricsHistoryRows(n);
        settle(h, 1);
    } else if (r == COMMIT_FAIL) {
        metricsHistoryError();
        settle(h, 0);
    } else {
        expireVotes(h);
        armFlush(h, HIST_BUSY_RETRY_MS);
    }
    deliverAcks(h);
    return r;
}

static void onFlushTimer(uv_timer_t *t) { commitPending(t->data); }

/* ---- public API ---- */

static void hashUser(const histStore *h, const char *platform, const char *user,
                     char out[HIST_HASH_HEX + 1]) {
    histHashUser(h->salt, h->salt_len, platform, user, out);
}

int histRecordQuestion(histStore *h, const histQuestion *q, double review_threshold) {
    if (!h || !q || !q->outcome) return CB_ERR;
    int confident = strcmp(q->outcome, "answer") == 0 && q->entry_id &&
                    q->confidence >= review_threshold && !q->keep_text;
    if (h->nrows + h->nvotes >= h->opt.pending_max)
        return CB_ERR; /* the db has been busy for long: shed load (the caller counts it) */
    h->rows = grow(h->rows, &h->caprows, h->nrows + 1, sizeof *h->rows);
    histRow *r = &h->rows[h->nrows++];
    memset(r, 0, sizeof *r);
    r->time = q->time;
    r->keep_text = !confident;
    r->entry_id = cbStrdup(q->entry_id);
    r->platform = dupText(q->platform ? q->platform : "", 32);
    if (r->keep_text) {
        r->channel_kind = dupText(q->channel_kind ? q->channel_kind : "", 32);
        r->question = dupText(q->question, HIST_MAX_TEXT);
        r->normalized = redactText(r->question) ? NULL : dupText(q->normalized, HIST_MAX_TEXT);
        redactText(r->normalized);
        r->outcome = dupText(q->outcome, 32);
        r->confidence = q->confidence;
        if (q->candidates_json && strlen(q->candidates_json) <= HIST_MAX_CANDIDATES)
            r->candidates = cbStrdup(q->candidates_json);
        if (q->message && *q->message) r->message = dupText(q->message, 256);
        else if (strcmp(q->outcome, "voted_down") == 0 && q->entry_id) /* as histRecordVote */
            r->message = cbSprintf("entry:%s", q->entry_id);
        hashUser(h, q->platform, q->user, r->user_hash);
    }
    if (!h->loop || h->nrows >= h->opt.batch_max)
        return commitPending(h) == COMMIT_FAIL ? CB_ERR : CB_OK;
    armFlush(h, h->opt.flush_ms);
    return CB_OK;
}

int histRecordClick(histStore *h, long long time, const char *platform, const char *user,
                    const char *entry_id) {
    if (!h || !entry_id) return CB_ERR;
    if (h->nrows + h->nvotes >= h->opt.pending_max) return CB_ERR;
    h->rows = grow(h->rows, &h->caprows, h->nrows + 1, sizeof *h->rows);
    histRow *r = &h->rows[h->nrows++];
    memset(r, 0, sizeof *r);
    r->time = time;
    r->click = 1;
    r->platform = dupText(platform ? platform : "", 32);
    r->entry_id = dupText(entry_id, 256);
    hashUser(h, platform, user, r->user_hash);
    if (!h->loop || h->nrows >= h->opt.batch_max)
        return commitPending(h) == COMMIT_FAIL ? CB_ERR : CB_OK;
    armFlush(h, h->opt.flush_ms);
    return CB_OK;
}

int histRecordVote(histStore *h, const histVote *v, histDoneFn *done, void *ud) {
    if (!h || !v || !v->entry_id) return CB_ERR;
    h->votes = grow(h->votes, &h->capvotes, h->nvotes + 1, sizeof *h->votes);
    histPendVote *p = &h->votes[h->nvotes++];
    memset(p, 0, sizeof *p);
    p->time = v->time;
    p->platform = dupText(v->platform ? v->platform : "", 32);
    p->channel_kind = dupText(v->channel_kind ? v->channel_kind : "", 32);
    p->entry_id = dupText(v->entry_id, 256);
    p->message = v->message && *v->message ? dupText(v->message, 256)
                                           : cbSprintf("entry:%s", p->entry_id);
    p->helpful = v->helpful ? 1 : 0;
    p->done = done;
    p->ud = ud;
    p->deadline_ms = cbNowMs() + h->opt.vote_retry_ms;
    hashUser(h, v->platform, v->user, p->user_hash);
    commitPending(h);
    return CB_OK;
}

int histFlush(histStore *h) {
    if (!h) return CB_ERR;
    return commitPending(h) == COMMIT_OK ? CB_OK : CB_ERR;
}

size_t histPending(const histStore *h) { return h ? h->nrows + h->nvotes : 0; }

long long histPurge(histStore *h, long long now) {
    long long n = 0;
    if (histPurgeDb(h->db, now, h->opt.retention_days, &n) != CB_OK) {
        logEvent(LOG_WARN, "history.purge_failed", "msg=\"%s\"", sqlite3_errmsg(h->db));
        return -1;
    }
    h->last_purge = now;
    if (n) logEvent(LOG_INFO, "history.purged", "rows=%lld days=%d", n, h->opt.retention_days);
    return n;
}

/* ---- open / close ---- */

static int mkdirs(const char *dir) {
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", dir);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        if (mkdir(buf, 0755) != 0 && errno != EEXIST) return CB_ERR;
        *p = '/';
    }
    if (mkdir(buf, 0755) != 0 && errno != EEXIST) return CB_ERR;
    return CB_OK;
}

static char *dirOf(const char *path) {
    const char *slash = strrchr(path, '/');
    if (!slash) return cbStrdup(".");
    if (slash == path) return cbStrdup("/");
    return cbStrndup(path, (size_t)(slash - path));
}

static int prepare(histStore *h, char *err) {
    static const char *q =
        "INSERT INTO questions (time, platform, channel_kind, user_hash, question, normalized,"
        " outcome, entry_id, confidence, candidates, message, top_id, top_confidence)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11,"
        " CASE WHEN json_valid(?10) THEN json_extract(?10, '$[0].id') END,"
        " CASE WHEN json_valid(?10) THEN json_extract(?10, '$[0].confidence') END)";
    static const char *c = "INSERT INTO answer_counts (entry_id, day, platform, count)"
                           " VALUES (?1, date(?2, 'unixepoch'), ?3, 1)"
                           " ON CONFLICT (entry_id, day, platform) DO UPDATE SET count = count + 1";
    static const char *k = "INSERT INTO clicks (time, platform, user_hash, entry_id)"
                           " VALUES (?1, ?2, ?3, ?4)";
    static const char *v = "INSERT INTO votes (time, platform, channel_kind, user_hash,"
                           " entry_id, helpful, message) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
                           " ON CONFLICT (platform, user_hash, message) DO UPDATE SET"
                           " time = excluded.time, channel_kind = excluded.channel_kind,"
                           " entry_id = excluded.entry_id, helpful = excluded.helpful";
    if (sqlite3_prepare_v2(h->db, q, -1, &h->ins_q, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(h->db, c, -1, &h->upsert_c, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(h->db, v, -1, &h->ins_v, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(h->db, k, -1, &h->ins_click, NULL) != SQLITE_OK)
        return cbErr(err, "preparing history statements: %s", sqlite3_errmsg(h->db));
    return CB_OK;
}

static void onPurgeTimer(uv_timer_t *t) { histPurge(t->data, cbWallTime()); }

static void onCheckpointTimer(uv_timer_t *t) {
    histStore *h = t->data;
    int log = 0, done = 0;
    if (sqlite3_wal_checkpoint_v2(h->db, NULL, SQLITE_CHECKPOINT_PASSIVE, &log, &done) == SQLITE_OK &&
        log > 0)
        logEvent(LOG_DEBUG, "history.checkpoint", "wal_pages=%d copied=%d", log, done);
}

static void startTimers(histStore *h) {
    h->t = cbCalloc(1, sizeof *h->t);
    uv_timer_t *ts[] = {&h->t->flush, &h->t->ack, &h->t->purge, &h->t->checkpoint};
    for (size_t i = 0; i < CB_ARRAY_LEN(ts); i++) {
        uv_timer_init(h->loop->uv, ts[i]);
        ts[i]->data = h;
        h->t->open++;
    }
    uv_timer_start(&h->t->purge, onPurgeTimer, (uint64_t)HIST_PURGE_EVERY_MS,
                   (uint64_t)HIST_PURGE_EVERY_MS);
    uv_unref((uv_handle_t *)&h->t->purge); /* housekeeping keeps no loop alive */
    sqlite3_wal_autocheckpoint(h->db, 0);
    uv_timer_start(&h->t->checkpoint, onCheckpointTimer, HIST_CHECKPOINT_EVERY_MS,
                   HIST_CHECKPOINT_EVERY_MS);
    uv_unref((uv_handle_t *)&h->t->checkpoint);
}

static int openDb(histStore *h, const char *path, char *err) {
    char *dir = dirOf(path);
    int ok = mkdirs(dir) == CB_OK;
    if (!ok) cbErr(err, "creating %s: %s", dir, strerror(errno));
    if (ok) ok = histLoadSalt(dir, h->salt, &h->salt_len, err) == CB_OK;
    free(dir);
    if (!ok) return CB_ERR;
    /* Users' questions are in it: a new file is the owner's only, as the
     * salt beside it is (SQLite gives its -wal and -shm the same mode). An
     * existing file keeps the mode its operator gave it. */
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd >= 0) close(fd);
    if (sqlite3_open_v2(path, &h->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
        SQLITE_OK)
        return cbErr(err, "opening %s: %s", path, h->db ? sqlite3_errmsg(h->db) : "out of memory");
    if (histPragmas(h->db, h->opt.busy_ms, err) != CB_OK || histMigrate(h->db, err) != CB_OK ||
        prepare(h, err) != CB_OK)
        return CB_ERR;
    return CB_OK;
}

histStore *histOpenWith(const char *path, cbLoop *loop, const histOptions *o, char *err) {
    histStore *h = cbCalloc(1, sizeof *h);
    if (o) h->opt = *o;
    else histDefaultOptions(&h->opt);
    if (h->opt.busy_ms <= 0) h->opt.busy_ms = loop ? 20 : 5000;
    if (h->opt.batch_max == 0) h->opt.batch_max = 1;
    if (h->opt.flush_ms <= 0) h->opt.flush_ms = 200;
    h->loop = loop && loop->uv ? loop : NULL;
    if (openDb(h, path, err) != CB_OK) {
        histClose(h);
        return NULL;
    }
    histPurge(h, cbWallTime());
    if (h->loop) startTimers(h);
    return h;
}

histStore *histOpen(const char *path, cbLoop *loop, char *err) {
    return histOpenWith(path, loop, NULL, err);
}

static void onTimerClosed(uv_handle_t *handle) {
    histTimers *t = handle->data;
    if (--t->open == 0) free(t);
}

static void closeTimers(histStore *h) {
    if (!h->t) return;
    uv_timer_t *ts[] = {&h->t->flush, &h->t->ack, &h->t->purge, &h->t->checkpoint};
    for (size_t i = 0; i < CB_ARRAY_LEN(ts); i++) {
        uv_timer_stop(ts[i]);
        ts[i]->data = h->t;
        uv_close((uv_handle_t *)ts[i], onTimerClosed);
    }
    h->t = NULL;
}

/* The last commit may wait for a busy writer a little longer: nothing
 * else will run on this store again. */
static void finalFlush(histStore *h) {
    for (int i = 0; i < 100 && h->nrows + h->nvotes; i++) {
        if (commitPending(h) != COMMIT_BUSY) break;
        usleep(20000);
    }
    if (h->nrows + h->nvotes) {
        logEvent(LOG_ERROR, "history.lost", "rows=%zu votes=%zu msg=\"database stayed busy\"",
                 h->nrows, h->nvotes);
        metricsHistoryError();
        settle(h, 0);
    }
}

void histClose(histStore *h) {
    if (!h) return;
    closeTimers(h); /* from here on acks run synchronously */
    if (h->db && h->ins_q) finalFlush(h);
    settle(h, 0);
    runAcks(h);
    sqlite3_finalize(h->ins_q);
    sqlite3_finalize(h->upsert_c);
    sqlite3_finalize(h->ins_v);
    sqlite3_finalize(h->ins_click);
    if (h->db) sqlite3_exec(h->db, "PRAGMA optimize", NULL, NULL, NULL); /* planner stats */
    if (h->db) sqlite3_close(h->db);
    free(h->rows);
    free(h->votes);
    free(h->acks);
    memset(h->salt, 0, sizeof h->salt);
    free(h);
}
