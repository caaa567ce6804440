/* history_export.c - `careerbot history export`: every row since a date
 * (questions, votes, daily answer counts, did-you-mean clicks, the
 * maintainers' decisions with the questions they covered, hand-offs to
 * mentors) as one JSON
 * object per line with its "type" (for jq), and the --since parser shared
 * with `careerbot report`. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/common.h"
#include "ops/history_int.h"

static json_t *colJson(sqlite3_stmt *st, int i) {
    switch (sqlite3_column_type(st, i)) {
    case SQLITE_INTEGER: return json_integer(sqlite3_column_int64(st, i));
    case SQLITE_FLOAT: return json_real(sqlite3_column_double(st, i));
    case SQLITE_TEXT: return json_string((const char *)sqlite3_column_text(st, i));
    default: return json_null();
    }
}

/* Rows of sql as objects with "type": type and one key per column;
 * json_cols are parsed as JSON (kept as a string if they are not). */
static int exportRows(sqlite3 *db, const char *sql, const char *type, long long since, FILE *f,
                      char *err) {
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return cbErr(err, "export: %s", sqlite3_errmsg(db));
    sqlite3_bind_int64(st, 1, since);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        json_t *o = json_object();
        json_object_set_new(o, "type", json_string(type));
        for (int i = 0; i < sqlite3_column_count(st); i++) {
            const char *name = sqlite3_column_name(st, i);
            json_t *v = colJson(st, i);
            if ((strcmp(name, "candidates") == 0 || strcmp(name, "questions") == 0) &&
                json_is_string(v)) {
                json_t *parsed = json_loads(json_string_value(v), 0, NULL);
                if (parsed) json_decref(v), v = parsed;
            } else if (strcmp(name, "helpful") == 0 && json_is_integer(v)) {
                json_t *b = json_boolean(json_integer_value(v) != 0);
                json_decref(v), v = b;
            }
            json_object_set_new(o, name, v);
        }
        char *line = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
        json_decref(o);
        if (line) fprintf(f, "%s\n", line);
        free(line);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? CB_OK : cbErr(err, "export: %s", sqlite3_errmsg(db));
}

/* What is exported, table by table: its "type" and the query (?1 since). */
static const struct {
    const char *type, *sql;
} exportSets[] = {
    {"question", "SELECT id, time, platform, channel_kind, user_hash, question, normalized,"
                 " outcome, entry_id, confidence, candidates, message FROM questions"
                 " WHERE time >= ?1 ORDER BY id"},
    {"vote", "SELECT id, time, platform, channel_kind, user_hash, entry_id, helpful, message"
             " FROM votes WHERE time >= ?1 ORDER BY id"},
    {"answer_count", "SELECT entry_id, day, platform, count FROM answer_counts"
                     " WHERE day >= date(?1, 'unixepoch') ORDER BY day, entry_id, platform"},
    {"click", "SELECT id, time, platform, user_hash, entry_id FROM clicks"
              " WHERE time >= ?1 ORDER BY id"},
    {"decision", "SELECT d.id, d.time, d.decision, d.entry_id, d.note,"
                 " (SELECT json_group_array(question_id) FROM (SELECT question_id FROM"
                 "  decided_questions WHERE decision_id = d.id ORDER BY question_id)) AS questions"
                 " FROM decisions d WHERE d.time >= ?1 ORDER BY d.id"},
    /* never the raw user id nor the token of a hand-off */
    {"handoff", "SELECT id, time, platform, user_hash, state, named, requested, post, question,"
                " mentor, answer, answered, decision_id FROM handoffs WHERE time >= ?1 ORDER BY id"},
};

int histExport(histStore *h, long long since, void *stream, char *err) {
    FILE *f = stream;
    histFlush(h);
    if (histExecRetry(h->db, "BEGIN", 100) != SQLITE_OK)
        return cbErr(err, "export: %s", sqlite3_errmsg(h->db));
    int rc = CB_OK;
    for (size_t i = 0; rc == CB_OK && i < CB_ARRAY_LEN(exportSets); i++)
        rc = exportRows(h->db, exportSets[i].sql, exportSets[i].type, since, f, err);
    sqlite3_exec(h->db, "COMMIT", NULL, NULL, NULL);
    return rc;
}

int histParseSince(const char *s, long long now, long long *out) {
    int y, m, d, n = 0;
    char unit = 0, extra;
    if (sscanf(s, "%d%c%c", &n, &unit, &extra) == 2 && unit == 'd' && n >= 0 && n <= 100000) {
        *out = now - now % 86400 - (long long)n * 86400; /* UTC midnight */
        return CB_OK;
    }
    if (strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &extra) != 3) return CB_ERR;
    if (y < 1970 || m < 1 || m > 12 || d < 1 || d > 31) return CB_ERR;
    struct tm tm = {.tm_year = y - 1900, .tm_mon = m - 1, .tm_mday = d};
    time_t t = timegm(&tm);
    if (tm.tm_mday != d || tm.tm_mon != m - 1) return CB_ERR; /* 2024-02-31 */
    *out = (long long)t;
    return CB_OK;
}
