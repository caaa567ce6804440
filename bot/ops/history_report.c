/* history_report.c - what the maintainers' report reads from the history,
 * in one read transaction (so it works while the bot writes, WAL): the
 * answer rate per day and platform, per-entry answers, votes and trend,
 * the open questions (unanswered, answered below the review threshold,
 * 👎'd) and what users taught about them implicitly (a did-you-mean choice
 * clicked; a 👎 followed by a rephrased question that was answered). The
 * grouping and the suggestions are in report_groups.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/common.h"
#include "ops/history_int.h"
#include "ops/report_int.h"

#define REPORT_IMPLICIT_WINDOW_S 600 /* a click or a rephrase within 10 minutes */
#define REPORT_MAX_DAYS 4000         /* day x platform rows */

void histReportDefaults(histReportOptions *o) {
    memset(o, 0, sizeof *o);
    o->limit = 20;
    o->moderate = 0.2;
    o->review = 0.7;
    o->similarity = 0.5;
    o->max_questions = 3000;
}

static char *colDup(sqlite3_stmt *st, int i) {
    const unsigned char *s = sqlite3_column_text(st, i);
    return s ? cbStrdup((const char *)s) : NULL;
}

static int prep(sqlite3 *db, const char *sql, sqlite3_stmt **st, char *err) {
    if (sqlite3_prepare_v2(db, sql, -1, st, NULL) != SQLITE_OK)
        return cbErr(err, "report query: %s", sqlite3_errmsg(db));
    return CB_OK;
}

static int done(sqlite3 *db, sqlite3_stmt *st, int rc, char *err) {
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? CB_OK : cbErr(err, "report: %s", sqlite3_errmsg(db));
}

/* ---- answer rate per day and platform ---- */

static int loadDays(sqlite3 *db, histReport *r, char *err) {
    sqlite3_stmt *st;
    const char *sql =
        "SELECT day, platform, sum(a), sum(u) FROM ("
        " SELECT day, platform, count AS a, 0 AS u FROM answer_counts"
        "  WHERE day >= date(?1, 'unixepoch')"
        " UNION ALL SELECT date(time, 'unixepoch'), platform, outcome = 'answer',"
        "  outcome IN ('did_you_mean', 'abstain') FROM questions WHERE time >= ?1"
        "  AND outcome IN ('answer', 'did_you_mean', 'abstain'))"
        " GROUP BY day, platform ORDER BY day, platform LIMIT ?2";
    if (prep(db, sql, &st, err) != CB_OK) return CB_ERR;
    sqlite3_bind_int64(st, 1, r->since);
    sqlite3_bind_int(st, 2, REPORT_MAX_DAYS);
    r->days = cbCalloc(REPORT_MAX_DAYS, sizeof *r->days);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        histDayStat *d = &r->days[r->ndays++];
        const unsigned char *day = sqlite3_column_text(st, 0), *p = sqlite3_column_text(st, 1);
        snprintf(d->day, sizeof d->day, "%s", day ? (const char *)day : "");
        snprintf(d->platform, sizeof d->platform, "%s", p ? (const char *)p : "");
        d->answered = sqlite3_column_int64(st, 2);
        d->unanswered = sqlite3_column_int64(st, 3);
        r->answered += d->answered;
        r->unanswered += d->unanswered;
    }
    return done(db, st, rc, err);
}

/* ---- per entry ---- */

int rpIsLive(const histReportOptions *o, const char *id) {
    if (!o->entries) return 1;
    for (size_t i = 0; i < o->nentries; i++)
        if (strcmp(o->entries[i], id) == 0) return 1;
    return 0;
}

static int entryCmp(const void *a, const void *b) {
    const histEntryStat *x = a, *y = b;
    if (x->answers != y->answers) return x->answers < y->answers ? 1 : -1;
    if (x->not_helpful != y->not_helpful) return x->not_helpful < y->not_helpful ? 1 : -1;
    return strcmp(x->entry_id, y->entry_id);
}

static const char *entrySql =
    "WITH a AS ("
    " SELECT entry_id, day, count AS n, 0 AS low FROM answer_counts"
    " UNION ALL SELECT entry_id, date(time, 'unixepoch'), 1, confidence < ?3 FROM questions"
    "  WHERE outcome = 'answer' AND entry_id IS NOT NULL),"
    " e AS (SELECT entry_id,"
    "  sum(CASE WHEN day >= date(?1, 'unixepoch') THEN n END) AS answers,"
    "  sum(CASE WHEN day >= date(?1, 'unixepoch') THEN low END) AS low,"
    "  sum(CASE WHEN day >= date(?2, 'unixepoch', '-6 days') THEN n END) AS recent,"
    "  sum(CASE WHEN day < date(?2, 'unixepoch', '-6 days')"
    "   AND day >= date(?2, 'unixepoch', '-13 days') THEN n END) AS previous"
    "  FROM a GROUP BY entry_id),"
    " v AS (SELECT entry_id, sum(helpful = 1) AS up, sum(helpful = 0) AS down FROM votes"
    "  WHERE time >= ?1 GROUP BY entry_id),"
    " ids AS (SELECT entry_id FROM e UNION SELECT entry_id FROM v)"
    " SELECT ids.entry_id, coalesce(e.answers, 0), coalesce(e.low, 0), coalesce(v.up, 0),"
    "  coalesce(v.down, 0), coalesce(e.recent, 0), coalesce(e.previous, 0)"
    " FROM ids LEFT JOIN e ON e.entry_id = ids.entry_id LEFT JOIN v ON v.entry_id = ids.entry_id";

static void addUnasked(const histReportOptions *o, histReport *r) {
    r->unasked = cbCalloc(o->nentries ? o->nentries : 1, sizeof *r->unasked);
    for (size_t i = 0; i < o->nentries; i++) {
        int asked = 0;
        for (size_t k = 0; k < r->nentries && !asked; k++)
            asked = strcmp(r->entries[k].entry_id, o->entries[i]) == 0 && r->entries[k].answers;
        if (!asked) r->unasked[r->nunasked++] = cbStrdup(o->entries[i]);
    }
}

static int loadEntries(sqlite3 *db, const histReportOptions *o, histReport *r, char *err) {
    sqlite3_stmt *st;
    if (prep(db, entrySql, &st, err) != CB_OK) return CB_ERR;
    sqlite3_bind_int64(st, 1, r->since);
    sqlite3_bind_int64(st, 2, r->now);
    sqlite3_bind_double(st, 3, o->review);
    size_t cap = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *id = (const char *)sqlite3_column_text(st, 0);
        if (!id || !rpIsLive(o, id)) continue; /* votes and answers of removed entries */
        if (r->nentries == cap) {
            cap = cap ? cap * 2 : 64;
            r->entries = cbRealloc(r->entries, cap * sizeof *r->entries);
        }
        histEntryStat *e = &r->entries[r->nentries++];
        *e = (histEntryStat){.entry_id = cbStrdup(id),
                             .answers = sqlite3_column_int64(st, 1),
                             .low = sqlite3_column_int64(st, 2),
                             .helpful = sqlite3_column_int64(st, 3),
                             .not_helpful = sqlite3_column_int64(st, 4),
                             .recent = sqlite3_column_int64(st, 5),
                             .previous = sqlite3_column_int64(st, 6)};
    }
    if (r->nentries) qsort(r->entries, r->nentries, sizeof *r->entries, entryCmp);
    if (o->entries) addUnasked(o, r);
    return done(db, st, rc, err);
}

/* ---- open questions ---- */

/* The helpful flag of the user's latest vote on the message a 👎'd
 * question q names (rows older than schema 6 name none: the user's latest
 * vote on the entry): a change of mind to 👍 closes the question. */
#define LATEST_VOTE                                                                           \
    "(SELECT v.helpful FROM votes v WHERE v.platform = q.platform"                            \
    " AND v.user_hash = q.user_hash AND (v.message = q.message"                               \
    "  OR (q.message IS NULL AND v.entry_id = q.entry_id)) ORDER BY v.time DESC, v.id DESC LIMIT 1)"

static int loadQuestions(sqlite3 *db, const histReportOptions *o, long long since, rpQuestions *qs,
                         char *err) {
    sqlite3_stmt *st;
    const char *sql =
        "SELECT q.id, q.time, q.question, q.outcome, q.entry_id, q.confidence, q.top_id,"
        " q.top_confidence, d.decision = 'dismiss' FROM questions q"
        " LEFT JOIN decided_questions dq ON dq.question_id = q.id"
        " LEFT JOIN decisions d ON d.id = dq.decision_id"
        " WHERE q.time >= ?1 AND q.question IS NOT NULL AND q.question <> ''"
        " AND (q.outcome IN ('did_you_mean', 'abstain')"
        "  OR (q.outcome = 'answer' AND q.confidence < ?2)"
        "  OR (q.outcome = 'voted_down' AND coalesce(" LATEST_VOTE ", 0) = 0))"
        " ORDER BY q.id DESC LIMIT ?3";
    if (prep(db, sql, &st, err) != CB_OK) return CB_ERR;
    sqlite3_bind_int64(st, 1, since);
    sqlite3_bind_double(st, 2, o->review);
    sqlite3_bind_int64(st, 3, (long long)o->max_questions);
    qs->v = cbCalloc(o->max_questions ? o->max_questions : 1, sizeof *qs->v);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && qs->n < o->max_questions) {
        rpQuestion *q = &qs->v[qs->n++];
        q->id = sqlite3_column_int64(st, 0);
        q->time = sqlite3_column_int64(st, 1);
        q->text = colDup(st, 2);
        q->outcome = colDup(st, 3);
        q->entry_id = colDup(st, 4);
        q->confidence = sqlite3_column_double(st, 5);
        q->top_id = colDup(st, 6);
        q->top_confidence = sqlite3_column_double(st, 7);
        q->dismissed = sqlite3_column_int(st, 8);
    }
    for (size_t i = 0; i < qs->n / 2; i++) { /* ascending ids */
        rpQuestion t = qs->v[i];
        qs->v[i] = qs->v[qs->n - 1 - i];
        qs->v[qs->n - 1 - i] = t;
    }
    return done(db, st, rc == SQLITE_ROW ? SQLITE_DONE : rc, err);
}

rpQuestion *rpFind(rpQuestions *qs, long long id) {
    size_t lo = 0, hi = qs->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (qs->v[mid].id == id) return &qs->v[mid];
        if (qs->v[mid].id < id) lo = mid + 1;
        else hi = mid;
    }
    return NULL;
}

/* Rows of (question id, entry): the question meant the entry. */
static int loadTaught(sqlite3 *db, const char *sql, long long since, rpQuestions *qs, histWhy why,
                      char *err) {
    sqlite3_stmt *st;
    if (prep(db, sql, &st, err) != CB_OK) return CB_ERR;
    sqlite3_bind_int64(st, 1, since);
    sqlite3_bind_int(st, 2, REPORT_IMPLICIT_WINDOW_S);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        rpQuestion *q = rpFind(qs, sqlite3_column_int64(st, 0));
        const char *entry = (const char *)sqlite3_column_text(st, 1);
        if (!q || !entry || (q->target && q->why == HIST_WHY_CLICK)) continue;
        free(q->target);
        q->target = cbStrdup(entry);
        q->why = why;
    }
    return done(db, st, rc, err);
}

/* A click on entry E: the user's latest did-you-mean (or abstain) question
 * before it, within the window, that offered E. */
static const char *clickSql =
    "SELECT (SELECT q.id FROM questions q WHERE q.user_hash = c.user_hash"
    "  AND q.platform = c.platform AND q.outcome IN ('did_you_mean', 'abstain')"
    "  AND q.time BETWEEN c.time - ?2 AND c.time"
    "  AND instr(q.candidates, '\"' || c.entry_id || '\"') > 0"
    "  ORDER BY q.id DESC LIMIT 1) AS qid, c.entry_id FROM clicks c"
    " WHERE c.time >= ?1 AND qid IS NOT NULL";

/* A 👎'd question: the user's next question within the window answered by
 * another entry (kept because of the 👎). */
static const char *rephraseSql =
    "SELECT d.id, (SELECT a.entry_id FROM questions a WHERE a.user_hash = d.user_hash"
    "  AND a.platform = d.platform AND a.id > d.id AND a.time <= d.time + ?2"
    "  AND a.outcome = 'answer' AND a.entry_id IS NOT NULL AND a.entry_id <> d.entry_id"
    "  ORDER BY a.id LIMIT 1) AS meant FROM questions d"
    " WHERE d.outcome = 'voted_down' AND d.time >= ?1 AND meant IS NOT NULL";

static void questionsFree(rpQuestions *qs) {
    for (size_t i = 0; i < qs->n; i++) {
        rpQuestion *q = &qs->v[i];
        free(q->text);
        free(q->outcome);
        free(q->entry_id);
        free(q->top_id);
        free(q->target);
        free(q->now_entry);
    }
    free(qs->v);
}

/* ---- mentors' answers: each a suggested entry ---- */

static int loadMentor(sqlite3 *db, const histReportOptions *o, histReport *r, char *err) {
    sqlite3_stmt *st;
    const char *sql = "SELECT id, answered, platform, question, mentor, answer FROM handoffs"
                      " WHERE state = 'relayed' AND decision_id IS NULL AND answered >= ?1"
                      " AND question IS NOT NULL AND answer IS NOT NULL"
                      " ORDER BY answered DESC, id DESC LIMIT ?2";
    if (prep(db, sql, &st, err) != CB_OK) return CB_ERR;
    sqlite3_bind_int64(st, 1, r->since);
    sqlite3_bind_int64(st, 2, (long long)o->limit);
    r->mentor = cbCalloc(o->limit ? o->limit : 1, sizeof *r->mentor);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && r->nmentor < o->limit) {
        histMentorAnswer *m = &r->mentor[r->nmentor++];
        m->handoff = sqlite3_column_int64(st, 0);
        m->id = cbSprintf("h%lld", m->handoff);
        m->time = sqlite3_column_int64(st, 1);
        m->platform = colDup(st, 2);
        m->question = colDup(st, 3);
        m->mentor = colDup(st, 4);
        m->answer = colDup(st, 5);
        m->suggestion = cbSprintf("a mentor answered it: careerbot report accept %s --as "
                                  "TOPIC/SLUG drafts an entry with the answer to edit", m->id);
    }
    return done(db, st, rc == SQLITE_ROW ? SQLITE_DONE : rc, err);
}

static int loadAll(histStore *h, const histReportOptions *o, histReport *r, rpQuestions *qs,
                   char *err) {
    int rc = loadDays(h->db, r, err);
    if (rc == CB_OK) rc = loadEntries(h->db, o, r, err);
    if (rc == CB_OK) rc = loadQuestions(h->db, o, r->since, qs, err);
    if (rc == CB_OK) rc = loadTaught(h->db, rephraseSql, r->since, qs, HIST_WHY_REPHRASE, err);
    if (rc == CB_OK) rc = loadTaught(h->db, clickSql, r->since, qs, HIST_WHY_CLICK, err);
    if (rc == CB_OK) rc = loadMentor(h->db, o, r, err);
    return rc;
}

int histReportBuild(histStore *h, const histReportOptions *o, histReport *out, char *err) {
    histReportOptions opt;
    histReportDefaults(&opt);
    if (o) opt = *o;
    if (opt.limit == 0) opt.limit = 20;
    if (opt.max_questions == 0) opt.max_questions = 3000;
    if (opt.similarity <= 0) opt.similarity = 0.5;
    if (opt.review <= 0) opt.review = 0.7;
    memset(out, 0, sizeof *out);
    out->since = opt.since;
    out->now = opt.now ? opt.now : cbWallTime();
    histFlush(h);
    if (histExecRetry(h->db, "BEGIN", 100) != SQLITE_OK) /* one consistent snapshot */
        return cbErr(err, "report: %s", sqlite3_errmsg(h->db));
    rpQuestions qs = {0};
    int rc = loadAll(h, &opt, out, &qs, err);
    sqlite3_exec(h->db, "COMMIT", NULL, NULL, NULL);
    if (rc == CB_OK) rc = rpGroup(&qs, &opt, out, err);
    questionsFree(&qs);
    if (rc != CB_OK) histReportFree(out);
    return rc;
}

void histReportFree(histReport *r) {
    for (size_t i = 0; i < r->nopen; i++) rpClusterFree(&r->open[i]);
    for (size_t i = 0; i < r->nfixed; i++) rpClusterFree(&r->fixed[i]);
    for (size_t i = 0; i < r->nentries; i++) free(r->entries[i].entry_id);
    for (size_t i = 0; i < r->nunasked; i++) free(r->unasked[i]);
    free(r->open);
    free(r->fixed);
    free(r->entries);
    free(r->unasked);
    free(r->days);
    for (size_t i = 0; i < r->nmentor; i++) {
        histMentorAnswer *m = &r->mentor[i];
        cbFreeN(6, m->id, m->platform, m->question, m->mentor, m->answer, m->suggestion);
    }
    free(r->mentor);
    memset(r, 0, sizeof *r);
}

const histMentorAnswer *histReportFindMentor(const histReport *r, const char *id) {
    long long hid = 0;
    if (!id || sscanf(id, "h%lld", &hid) != 1) return NULL;
    for (size_t i = 0; i < r->nmentor; i++)
        if (r->mentor[i].handoff == hid) return &r->mentor[i];
    return NULL;
}

const histCluster *histReportFind(const histReport *r, const char *id) {
    long long qid = 0;
    if (!id || sscanf(id, "q%lld", &qid) != 1) return NULL;
    const histCluster *sets[] = {r->open, r->fixed};
    size_t ns[] = {r->nopen, r->nfixed};
    for (size_t s = 0; s < 2; s++)
        for (size_t i = 0; i < ns[s]; i++)
            for (size_t k = 0; k < sets[s][i].nqids; k++)
                if (sets[s][i].qids[k] == qid) return &sets[s][i];
    return NULL;
}

int histDecide(histStore *h, const char *decision, const char *entry_id, const long long *qids,
               size_t n, char *err) {
    sqlite3_stmt *d = NULL, *q = NULL;
    if (histExecRetry(h->db, "BEGIN IMMEDIATE", 500) != SQLITE_OK)
        return cbErr(err, "recording the decision: %s", sqlite3_errmsg(h->db));
    int rc = sqlite3_prepare_v2(h->db, "INSERT INTO decisions (time, decision, entry_id)"
                                       " VALUES (?1, ?2, ?3)", -1, &d, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(h->db, "INSERT OR REPLACE INTO decided_questions"
                                       " (question_id, decision_id) VALUES (?1, ?2)", -1, &q, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_int64(d, 1, cbWallTime());
        sqlite3_bind_text(d, 2, decision, -1, SQLITE_STATIC);
        sqlite3_bind_text(d, 3, entry_id, -1, SQLITE_STATIC);
        rc = sqlite3_step(d) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
    }
    long long did = sqlite3_last_insert_rowid(h->db);
    for (size_t i = 0; rc == SQLITE_OK && i < n; i++) {
        sqlite3_bind_int64(q, 1, qids[i]);
        sqlite3_bind_int64(q, 2, did);
        rc = sqlite3_step(q) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
        sqlite3_reset(q);
    }
    if (rc == SQLITE_OK) rc = sqlite3_exec(h->db, "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_OK) cbErr(err, "recording the decision: %s", sqlite3_errmsg(h->db));
    if (rc != SQLITE_OK) sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_finalize(d);
    sqlite3_finalize(q);
    return rc == SQLITE_OK ? CB_OK : CB_ERR;
}
