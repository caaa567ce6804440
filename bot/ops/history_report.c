/* history_report.c - reading the history for the maintainers: the report
 * (the most frequent unanswered questions grouped by normalized form, the
 * entries voted "not helpful", the answers given at low confidence, each
 * with a suggestion of what to change in the knowledge base), in text or
 * JSON, and the raw export as JSON lines for jq. Reads run in their own
 * read transaction, so they work while the bot writes (WAL). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/common.h"
#include "ops/history_int.h"

#define REPORT_EXAMPLE_MAX 100 /* characters of an example in a suggestion */

static char *colDup(sqlite3_stmt *st, int i) {
    const unsigned char *s = sqlite3_column_text(st, i);
    return s ? cbStrdup((const char *)s) : NULL;
}

/* The example, cut to REPORT_EXAMPLE_MAX characters, single quotes kept. */
static char *shortExample(const char *s) {
    if (!s) return cbStrdup("");
    size_t n = 0, chars = 0;
    while (s[n] && chars < REPORT_EXAMPLE_MAX) {
        n++;
        while (((unsigned char)s[n] & 0xC0) == 0x80) n++;
        chars++;
    }
    return s[n] ? cbSprintf("%.*s...", (int)n, s) : cbStrdup(s);
}

static char *groupSuggestion(const histGroup *g, double moderate) {
    char *ex = shortExample(g->example ? g->example : g->normalized);
    char *s = g->top_id && g->top_confidence >= moderate
                  ? cbSprintf("add an alternate to %s: '%s'", g->top_id, ex)
                  : cbSprintf("new entry? '%s'", ex);
    free(ex);
    return s;
}

static int prep(sqlite3 *db, const char *sql, sqlite3_stmt **st, long long since, char *err) {
    if (sqlite3_prepare_v2(db, sql, -1, st, NULL) != SQLITE_OK)
        return cbErr(err, "report query: %s", sqlite3_errmsg(db));
    sqlite3_bind_int64(*st, 1, since);
    return CB_OK;
}

static int loadGroups(sqlite3 *db, const histReportOptions *o, histReport *r, char *err) {
    sqlite3_stmt *st;
    const char *sql =
        "WITH g AS (SELECT normalized, count(*) AS n, max(id) AS last FROM questions"
        "  WHERE outcome IN ('did_you_mean', 'abstain') AND time >= ?1"
        "  AND normalized IS NOT NULL AND normalized <> ''"
        "  GROUP BY normalized ORDER BY n DESC, normalized LIMIT ?2)"
        " SELECT g.normalized, g.n, q.question, q.top_id, q.top_confidence"
        " FROM g JOIN questions q ON q.id = g.last ORDER BY g.n DESC, g.normalized";
    if (prep(db, sql, &st, o->since, err) != CB_OK) return CB_ERR;
    sqlite3_bind_int64(st, 2, (long long)o->limit);
    r->groups = cbCalloc(o->limit ? o->limit : 1, sizeof *r->groups);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && r->ngroups < o->limit) {
        histGroup *g = &r->groups[r->ngroups++];
        g->normalized = colDup(st, 0);
        g->count = sqlite3_column_int64(st, 1);
        g->example = colDup(st, 2);
        g->top_id = colDup(st, 3);
        g->top_confidence = sqlite3_column_double(st, 4);
        g->suggestion = groupSuggestion(g, o->moderate);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? CB_OK : cbErr(err, "report: %s", sqlite3_errmsg(db));
}

static int loadVotes(sqlite3 *db, const histReportOptions *o, histReport *r, char *err) {
    sqlite3_stmt *st;
    const char *sql = "SELECT entry_id, sum(helpful = 0) AS down, sum(helpful = 1) AS up"
                      " FROM votes WHERE time >= ?1 GROUP BY entry_id HAVING down > 0"
                      " ORDER BY down DESC, up ASC, entry_id LIMIT ?2";
    if (prep(db, sql, &st, o->since, err) != CB_OK) return CB_ERR;
    sqlite3_bind_int64(st, 2, (long long)o->limit);
    r->votes = cbCalloc(o->limit ? o->limit : 1, sizeof *r->votes);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && r->nvotes < o->limit) {
        histEntryVotes *v = &r->votes[r->nvotes++];
        v->entry_id = colDup(st, 0);
        v->not_helpful = sqlite3_column_int64(st, 1);
        v->helpful = sqlite3_column_int64(st, 2);
        v->suggestion = cbSprintf("review the answer of %s: %lld not helpful, %lld helpful",
                                  v->entry_id, v->not_helpful, v->helpful);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? CB_OK : cbErr(err, "report: %s", sqlite3_errmsg(db));
}

static int loadLow(sqlite3 *db, const histReportOptions *o, histReport *r, char *err) {
    sqlite3_stmt *st;
    const char *sql =
        "WITH g AS (SELECT entry_id, count(*) AS n, avg(confidence) AS c, max(id) AS last"
        "  FROM questions WHERE outcome = 'answer' AND time >= ?1 AND entry_id IS NOT NULL"
        "  GROUP BY entry_id ORDER BY n DESC, entry_id LIMIT ?2)"
        " SELECT g.entry_id, g.n, g.c, q.question FROM g JOIN questions q ON q.id = g.last"
        " ORDER BY g.n DESC, g.entry_id";
    if (prep(db, sql, &st, o->since, err) != CB_OK) return CB_ERR;
    sqlite3_bind_int64(st, 2, (long long)o->limit);
    r->low = cbCalloc(o->limit ? o->limit : 1, sizeof *r->low);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && r->nlow < o->limit) {
        histLowEntry *l = &r->low[r->nlow++];
        l->entry_id = colDup(st, 0);
        l->count = sqlite3_column_int64(st, 1);
        l->avg_confidence = sqlite3_column_double(st, 2);
        l->example = colDup(st, 3);
        char *ex = shortExample(l->example);
        l->suggestion = l->example ? cbSprintf("add an alternate to %s: '%s'", l->entry_id, ex)
                                   : cbSprintf("add alternates to %s", l->entry_id);
        free(ex);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? CB_OK : cbErr(err, "report: %s", sqlite3_errmsg(db));
}

static long long scalar(sqlite3 *db, const char *sql, long long since) {
    sqlite3_stmt *st;
    long long v = 0;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) return 0;
    sqlite3_bind_int64(st, 1, since);
    if (sqlite3_step(st) == SQLITE_ROW) v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

int histReportBuild(histStore *h, const histReportOptions *o, histReport *out, char *err) {
    histReportOptions opt = {.since = 0, .limit = 20, .moderate = 0.2};
    if (o) opt = *o;
    if (opt.limit == 0) opt.limit = 20;
    memset(out, 0, sizeof *out);
    out->since = opt.since;
    histFlush(h);
    if (histExecRetry(h->db, "BEGIN", 100) != SQLITE_OK) /* one consistent snapshot */
        return cbErr(err, "report: %s", sqlite3_errmsg(h->db));
    out->answered = scalar(h->db, "SELECT coalesce(sum(count), 0) FROM answer_counts"
                                  " WHERE day >= date(?1, 'unixepoch')", opt.since);
    out->unanswered = scalar(h->db, "SELECT count(*) FROM questions WHERE time >= ?1"
                                    " AND outcome IN ('did_you_mean', 'abstain')", opt.since);
    int rc = loadGroups(h->db, &opt, out, err);
    if (rc == CB_OK) rc = loadVotes(h->db, &opt, out, err);
    if (rc == CB_OK) rc = loadLow(h->db, &opt, out, err);
    sqlite3_exec(h->db, "COMMIT", NULL, NULL, NULL);
    if (rc != CB_OK) histReportFree(out);
    return rc;
}

void histReportFree(histReport *r) {
    for (size_t i = 0; i < r->ngroups; i++) {
        free(r->groups[i].normalized);
        free(r->groups[i].example);
        free(r->groups[i].top_id);
        free(r->groups[i].suggestion);
    }
    for (size_t i = 0; i < r->nvotes; i++) {
        free(r->votes[i].entry_id);
        free(r->votes[i].suggestion);
    }
    for (size_t i = 0; i < r->nlow; i++) {
        free(r->low[i].entry_id);
        free(r->low[i].example);
        free(r->low[i].suggestion);
    }
    free(r->groups);
    free(r->votes);
    free(r->low);
    memset(r, 0, sizeof *r);
}

/* ---- rendering ---- */

static json_t *jstr(const char *s) { return s ? json_string(s) : json_null(); }

char *histReportJson(const histReport *r) {
    json_t *groups = json_array(), *votes = json_array(), *low = json_array();
    for (size_t i = 0; i < r->ngroups; i++) {
        const histGroup *g = &r->groups[i];
        json_t *top = g->top_id ? json_pack("{s:s,s:f}", "id", g->top_id, "confidence",
                                            g->top_confidence)
                                : json_null();
        json_array_append_new(groups, json_pack("{s:o,s:I,s:o,s:o,s:s}", "normalized",
                                                jstr(g->normalized), "count", (json_int_t)g->count,
                                                "example", jstr(g->example), "top_candidate", top,
                                                "suggestion", g->suggestion));
    }
    for (size_t i = 0; i < r->nvotes; i++) {
        const histEntryVotes *v = &r->votes[i];
        json_array_append_new(votes, json_pack("{s:s,s:I,s:I,s:s}", "entry_id", v->entry_id,
                                               "not_helpful", (json_int_t)v->not_helpful,
                                               "helpful", (json_int_t)v->helpful, "suggestion",
                                               v->suggestion));
    }
    for (size_t i = 0; i < r->nlow; i++) {
        const histLowEntry *l = &r->low[i];
        json_array_append_new(low, json_pack("{s:s,s:I,s:f,s:o,s:s}", "entry_id", l->entry_id,
                                             "count", (json_int_t)l->count, "avg_confidence",
                                             l->avg_confidence, "example", jstr(l->example),
                                             "suggestion", l->suggestion));
    }
    json_t *root = json_pack("{s:I,s:I,s:I,s:o,s:o,s:o}", "since", (json_int_t)r->since,
                             "answered", (json_int_t)r->answered, "unanswered",
                             (json_int_t)r->unanswered, "unanswered_groups", groups,
                             "not_helpful", votes, "low_confidence", low);
    char *s = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(root);
    return s;
}

static void printSince(FILE *f, long long since) {
    if (!since) {
        fprintf(f, "History (all time)");
        return;
    }
    char day[32];
    time_t t = (time_t)since;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(day, sizeof day, "%Y-%m-%d", &tm);
    fprintf(f, "History since %s", day);
}

void histReportText(const histReport *r, void *stream) {
    FILE *f = stream;
    printSince(f, r->since);
    fprintf(f, ": %lld confident answers, %lld unanswered questions.\n", r->answered,
            r->unanswered);
    fprintf(f, "\nUnanswered questions (most frequent first):\n");
    if (!r->ngroups) fprintf(f, "  none\n");
    for (size_t i = 0; i < r->ngroups; i++) {
        const histGroup *g = &r->groups[i];
        fprintf(f, "  %5lldx  %s", g->count, g->normalized);
        if (g->top_id) fprintf(f, "   (closest: %s %.2f)", g->top_id, g->top_confidence);
        fprintf(f, "\n          -> %s\n", g->suggestion);
    }
    fprintf(f, "\nAnswers voted not helpful:\n");
    if (!r->nvotes) fprintf(f, "  none\n");
    for (size_t i = 0; i < r->nvotes; i++)
        fprintf(f, "  %s: %lld not helpful, %lld helpful\n          -> %s\n", r->votes[i].entry_id,
                r->votes[i].not_helpful, r->votes[i].helpful, r->votes[i].suggestion);
    fprintf(f, "\nAnswered at low confidence (by entry):\n");
    if (!r->nlow) fprintf(f, "  none\n");
    for (size_t i = 0; i < r->nlow; i++)
        fprintf(f, "  %5lldx  %s (average confidence %.2f)\n          -> %s\n", r->low[i].count,
                r->low[i].entry_id, r->low[i].avg_confidence, r->low[i].suggestion);
}
