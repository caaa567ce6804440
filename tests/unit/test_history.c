/* test_history.c - the history store on a real SQLite file and a real uv
 * loop: WAL mode, questions committed by the batch timer within 250 ms, a
 * full batch committed at once, a vote on disk before its done callback
 * (which never runs inside histRecordVote), a busy database retried,
 * close flushing, confident answers only counted, user ids hashed with a
 * private salt, the retention purge, one vote per user per message (a
 * change of mind replaces it), tokens scrubbed from stored questions, and
 * migration from every earlier schema version (built here with that
 * version's own DDL; old repeated votes collapse to the last). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#include "base/common.h"
#include "base/redact.h"
#include "ops/history.h"
#include "net/loop.h"

static char dir[128], db[160];
static uv_loop_t uvl;
static cbLoop L;

static int setup(void **state) {
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/cb_test_history_%d/sub", (int)getpid());
    snprintf(db, sizeof db, "%s/h.db", dir);
    unsetenv("CAREERBOT_HASH_SALT");
    uv_loop_init(&uvl);
    L = (cbLoop){.uv = &uvl};
    return 0;
}

static int teardown(void **state) {
    (void)state;
    uv_run(&uvl, UV_RUN_NOWAIT);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf /tmp/cb_test_history_%d", (int)getpid());
    assert_int_equal(system(cmd), 0);
    assert_int_equal(uv_loop_close(&uvl), 0); /* every handle closed */
    return 0;
}

/* A second connection, as another process would see the file. */
static long long count(const char *sql) {
    sqlite3 *c;
    sqlite3_stmt *st;
    long long n = -1;
    assert_int_equal(sqlite3_open_v2(db, &c, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_busy_timeout(c, 2000);
    assert_int_equal(sqlite3_prepare_v2(c, sql, -1, &st, NULL), SQLITE_OK);
    if (sqlite3_step(st) == SQLITE_ROW) n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(c);
    return n;
}

static histQuestion question(const char *text, const char *outcome, double conf) {
    return (histQuestion){.time = cbWallTime(), .platform = "slack", .channel_kind = "channel",
                          .user = "U123", .question = text, .normalized = text,
                          .outcome = outcome, .entry_id = strcmp(outcome, "answer") == 0 ? "career/salary" : NULL,
                          .confidence = conf,
                          .candidates_json = "[{\"id\":\"career/salary\",\"confidence\":0.3}]"};
}

static void closeAndDrain(histStore *h) {
    histClose(h);
    uv_run(&uvl, UV_RUN_NOWAIT); /* let the timers' close callbacks run */
}

static void test_wal_and_batch_timer(void **state) {
    (void)state;
    char err[CB_ERRLEN];
    histStore *h = histOpen(db, &L, err);
    assert_non_null(h);
    sqlite3 *c;
    sqlite3_open(db, &c);
    sqlite3_stmt *st;
    sqlite3_prepare_v2(c, "PRAGMA journal_mode", -1, &st, NULL);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
    sqlite3_finalize(st);
    sqlite3_close(c);
    for (int i = 0; i < 3; i++) {
        histQuestion q = question("how do i learn rust", "abstain", 0.0);
        assert_int_equal(histRecordQuestion(h, &q, 0.7), CB_OK);
    }
    assert_int_equal(count("SELECT count(*) FROM questions"), 0); /* queued, not written */
    double t0 = cbNowMs();
    while (count("SELECT count(*) FROM questions") < 3 && cbNowMs() - t0 < 2000)
        uv_run(&uvl, UV_RUN_ONCE);
    /* Written by the timer (nothing else flushes), within the loop's bound:
     * how soon is the scheduler's business, not asserted here. */
    assert_int_equal(count("SELECT count(*) FROM questions"), 3);
    assert_int_equal(histPending(h), 0);
    /* Users' questions: the file and its WAL are the owner's only. */
    char wal[300];
    snprintf(wal, sizeof wal, "%s-wal", db);
    struct stat sb;
    assert_int_equal(stat(db, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    assert_int_equal(stat(wal, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    closeAndDrain(h);
}

static void test_full_batch_commits_at_once(void **state) {
    (void)state;
    char err[CB_ERRLEN];
    histOptions o;
    histDefaultOptions(&o);
    o.batch_max = 4;
    histStore *h = histOpenWith(db, &L, &o, err);
    assert_non_null(h);
    for (int i = 0; i < 4; i++) {
        histQuestion q = question("q", "did_you_mean", 0.3);
        histRecordQuestion(h, &q, 0.7);
    }
    assert_int_equal(count("SELECT count(*) FROM questions"), 4); /* no loop run needed */
    closeAndDrain(h);
}

typedef struct voteCtx {
    int calls, ok, in_record;
    long long rows_seen;
} voteCtx;

static void onVote(int ok, void *ud) {
    voteCtx *v = ud;
    assert_int_equal(v->in_record, 0); /* never re-entrantly */
    v->calls++;
    v->ok = ok;
    v->rows_seen = count("SELECT count(*) FROM votes");
}

static void test_vote_durable_before_done(void **state) {
    (void)state;
    char err[CB_ERRLEN];
    histStore *h = histOpen(db, &L, err);
    assert_non_null(h);
    histQuestion q = question("pending question", "abstain", 0.0);
    histRecordQuestion(h, &q, 0.7);
    voteCtx v = {0};
    histVote vote = {.time = cbWallTime(), .platform = "discord", .channel_kind = "channel",
                     .user = "42", .entry_id = "career/salary", .helpful = 0};
    v.in_record = 1;
    assert_int_equal(histRecordVote(h, &vote, onVote, &v), CB_OK);
    v.in_record = 0;
    assert_int_equal(v.calls, 0);
    for (int i = 0; i < 100 && v.calls == 0; i++) uv_run(&uvl, UV_RUN_ONCE);
    assert_int_equal(v.calls, 1);
    assert_int_equal(v.ok, 1);
    assert_int_equal(v.rows_seen, 1); /* on disk when done ran */
    /* the pending question went in the same transaction */
    assert_int_equal(count("SELECT count(*) FROM questions"), 1);
    closeAndDrain(h);
}

static void test_busy_is_retried(void **state) {
    (void)state;
    char err[CB_ERRLEN];
    histStore *h = histOpen(db, &L, err);
    assert_non_null(h);
    sqlite3 *other;
    sqlite3_open(db, &other);
    assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    voteCtx v = {0};
    histVote vote = {.time = cbWallTime(), .platform = "slack", .channel_kind = "dm",
                     .user = "U1", .entry_id = "career/bootcamps", .helpful = 1};
    histRecordVote(h, &vote, onVote, &v);
    for (int i = 0; i < 3; i++) uv_run(&uvl, UV_RUN_ONCE);
    assert_int_equal(v.calls, 0); /* still waiting for the lock */
    assert_int_equal(histPending(h), 1);
    sqlite3_exec(other, "COMMIT", NULL, NULL, NULL);
    sqlite3_close(other);
    double t0 = cbNowMs();
    while (v.calls == 0 && cbNowMs() - t0 < 2000) uv_run(&uvl, UV_RUN_ONCE);
    assert_int_equal(v.calls, 1);
    assert_int_equal(v.ok, 1);
    assert_int_equal(v.rows_seen, 1);
    closeAndDrain(h);
}

static void test_close_flushes_and_counts(void **state) {
    (void)state;
    char err[CB_ERRLEN];
    histStore *h = histOpen(db, &L, err);
    assert_non_null(h);
    for (int i = 0; i < 10; i++) {
        histQuestion q = question("low", "answer", 0.55); /* below review: kept */
        histRecordQuestion(h, &q, 0.7);
    }
    for (int i = 0; i < 5; i++) {
        histQuestion q = question("confident", "answer", 0.95); /* only counted */
        histRecordQuestion(h, &q, 0.7);
    }
    closeAndDrain(h); /* no loop turn: close must commit */
    assert_int_equal(count("SELECT count(*) FROM questions"), 10);
    assert_int_equal(count("SELECT count(*) FROM questions WHERE question = 'confident'"), 0);
    assert_int_equal(count("SELECT count FROM answer_counts WHERE entry_id = 'career/salary'"), 5);
    assert_int_equal(count("SELECT count(*) FROM questions WHERE top_id = 'career/salary'"), 10);
}

static void test_user_hash_and_salt(void **state) {
    (void)state;
    char err[CB_ERRLEN];
    histStore *h = histOpen(db, NULL, err); /* synchronous */
    assert_non_null(h);
    histQuestion q = question("a", "abstain", 0);
    histRecordQuestion(h, &q, 0.7);
    q.user = "U999";
    histRecordQuestion(h, &q, 0.7);
    q.user = "U123";
    histRecordQuestion(h, &q, 0.7);
    histClose(h);
    assert_int_equal(count("SELECT count(DISTINCT user_hash) FROM questions"), 2);
    assert_int_equal(count("SELECT count(*) FROM questions WHERE user_hash LIKE '%U123%'"), 0);
    assert_int_equal(count("SELECT min(length(user_hash)) FROM questions"), 32);
    char salt[200];
    snprintf(salt, sizeof salt, "%s/salt", dir);
    struct stat st;
    assert_int_equal(stat(salt, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    /* A different salt gives a different hash for the same user. */
    setenv("CAREERBOT_HASH_SALT", "00112233445566778899aabbccddeeff", 1);
    h = histOpen(db, NULL, err);
    assert_non_null(h);
    histRecordQuestion(h, &q, 0.7);
    histClose(h);
    unsetenv("CAREERBOT_HASH_SALT");
    assert_int_equal(count("SELECT count(DISTINCT user_hash) FROM questions"), 3);
}

static void test_retention_purge(void **state) {
    (void)state;
    char err[CB_ERRLEN];
    histOptions o;
    histDefaultOptions(&o);
    o.retention_days = 30;
    histStore *h = histOpenWith(db, NULL, &o, err);
    assert_non_null(h);
    long long now = cbWallTime();
    histQuestion q = question("old question", "abstain", 0);
    q.time = now - 31 * 86400;
    histRecordQuestion(h, &q, 0.7);
    q = question("recent question", "abstain", 0);
    q.time = now - 29 * 86400;
    histRecordQuestion(h, &q, 0.7);
    q = question("confident", "answer", 0.9);
    q.time = now - 60 * 86400;
    histRecordQuestion(h, &q, 0.7);
    assert_int_equal(histPurge(h, now), 1);
    assert_int_equal(histPurge(h, now), 0); /* nothing left to erase */
    histClose(h);
    assert_int_equal(count("SELECT count(*) FROM questions"), 2); /* rows (counts) kept */
    assert_int_equal(count("SELECT count(*) FROM questions WHERE question IS NULL"
                           " AND normalized IS NULL AND outcome = 'abstain'"), 1);
    assert_int_equal(count("SELECT count(*) FROM questions WHERE question = 'recent question'"), 1);
    assert_int_equal(count("SELECT sum(count) FROM answer_counts"), 1);
}

/* The DDL of each shipped version, written out here on purpose: the test
 * must not share the migration code it checks. */
static const char *ddlV1 =
    "CREATE TABLE questions (id INTEGER PRIMARY KEY, time INTEGER NOT NULL,"
    " platform TEXT NOT NULL, channel_kind TEXT NOT NULL, user_hash TEXT NOT NULL,"
    " question TEXT, normalized TEXT, outcome TEXT NOT NULL, entry_id TEXT,"
    " confidence REAL NOT NULL DEFAULT 0, candidates TEXT);"
    "CREATE TABLE votes (id INTEGER PRIMARY KEY, time INTEGER NOT NULL, platform TEXT NOT NULL,"
    " channel_kind TEXT NOT NULL, user_hash TEXT NOT NULL, entry_id TEXT NOT NULL,"
    " helpful INTEGER NOT NULL);"
    "CREATE TABLE answer_counts (entry_id TEXT NOT NULL, day TEXT NOT NULL,"
    " count INTEGER NOT NULL, PRIMARY KEY (entry_id, day)) WITHOUT ROWID;"
    "INSERT INTO questions (time, platform, channel_kind, user_hash, question, normalized,"
    " outcome, confidence, candidates) VALUES (CAST(strftime('%s', 'now') AS INTEGER), 'slack', 'dm', 'abc', 'Old one?',"
    " 'old one', 'did_you_mean', 0.4, '[{\"id\":\"career/x\",\"confidence\":0.4}]');"
    "INSERT INTO questions (time, platform, channel_kind, user_hash, question, normalized,"
    " outcome, confidence, candidates) VALUES (CAST(strftime('%s', 'now') AS INTEGER), 'slack', 'dm', 'abc', 'Bad json',"
    " 'bad json', 'abstain', 0, 'not json');"
    "INSERT INTO votes (time, platform, channel_kind, user_hash, entry_id, helpful)"
    " VALUES (CAST(strftime('%s', 'now') AS INTEGER), 'slack', 'dm', 'abc', 'career/x', 0);"
    "INSERT INTO votes (time, platform, channel_kind, user_hash, entry_id, helpful)"
    " VALUES (CAST(strftime('%s', 'now') AS INTEGER), 'slack', 'dm', 'abc', 'career/x', 1);";
static const char *ddlV2 = "ALTER TABLE questions ADD COLUMN top_id TEXT;"
                           "ALTER TABLE questions ADD COLUMN top_confidence REAL;";
static const char *ddlV3 =
    "CREATE INDEX questions_unanswered ON questions (normalized, time)"
    " WHERE outcome IN ('did_you_mean', 'abstain');"
    "CREATE INDEX questions_low ON questions (entry_id, time, confidence) WHERE outcome = 'answer';"
    "CREATE INDEX questions_time ON questions (time);"
    "CREATE INDEX votes_entry ON votes (entry_id, helpful, time);"
    "CREATE INDEX votes_time ON votes (time);";

static const char *ddlV4 =
    "ALTER TABLE votes ADD COLUMN message TEXT;"
    "UPDATE votes SET message = 'entry:' || entry_id WHERE id = (SELECT max(id) FROM votes);"
    "DELETE FROM votes WHERE message IS NULL;"
    "CREATE UNIQUE INDEX votes_one_per_message ON votes (platform, user_hash, message);"
    "INSERT INTO answer_counts (entry_id, day, count) VALUES ('career/x', '2026-01-01', 4);";

static void makeOld(const char *sql_a, const char *sql_b, const char *sql_c, const char *sql_d,
                    int version) {
    char cmd[64];
    sqlite3 *c;
    mkdir(dir, 0755); /* parent made by system() below */
    assert_int_equal(sqlite3_open(db, &c), SQLITE_OK);
    if (sql_a) assert_int_equal(sqlite3_exec(c, sql_a, NULL, NULL, NULL), SQLITE_OK);
    if (sql_b) assert_int_equal(sqlite3_exec(c, sql_b, NULL, NULL, NULL), SQLITE_OK);
    if (sql_c) assert_int_equal(sqlite3_exec(c, sql_c, NULL, NULL, NULL), SQLITE_OK);
    if (sql_d) assert_int_equal(sqlite3_exec(c, sql_d, NULL, NULL, NULL), SQLITE_OK);
    snprintf(cmd, sizeof cmd, "PRAGMA user_version=%d", version);
    assert_int_equal(sqlite3_exec(c, cmd, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(c);
}

static void test_migrations(void **state) {
    (void)state;
    char cmd[256], err[CB_ERRLEN];
    snprintf(cmd, sizeof cmd, "mkdir -p %s", dir);
    for (int from = 0; from <= 4; from++) {
        assert_int_equal(system(cmd), 0);
        makeOld(from >= 1 ? ddlV1 : NULL, from >= 2 ? ddlV2 : NULL, from >= 3 ? ddlV3 : NULL,
                from >= 4 ? ddlV4 : NULL, from);
        histStore *h = histOpen(db, NULL, err);
        if (!h) fail_msg("from v%d: %s", from, err);
        histQuestion q = question("new", "abstain", 0);
        assert_int_equal(histRecordQuestion(h, &q, 0.7), CB_OK);
        histClose(h);
        assert_int_equal(count("PRAGMA user_version"), 7);
        if (from == 4) /* counts kept, platform unknown */
            assert_int_equal(count("SELECT count FROM answer_counts WHERE platform = ''"), 4);
        assert_int_equal(count("SELECT count(*) FROM sqlite_master WHERE type = 'index'"
                               " AND name = 'questions_unanswered'"), 1);
        assert_int_equal(count("SELECT count(*) FROM questions"), from >= 1 ? 3 : 1);
        if (from >= 1) {
            assert_int_equal(count("SELECT count(*) FROM votes"), 1); /* two clicks, one vote */
            assert_int_equal(count("SELECT helpful FROM votes"), 1);     /* the last one */
            assert_int_equal(count("SELECT count(*) FROM questions WHERE question = 'Old one?'"), 1);
        }
        if (from == 1) /* backfilled by the v2 step; bad JSON left NULL */
            assert_int_equal(count("SELECT count(*) FROM questions WHERE top_id = 'career/x'"), 1);
        unlink(db);
    }
    makeOld(NULL, NULL, NULL, NULL, 99); /* from the future */
    assert_null(histOpen(db, NULL, err));
    assert_non_null(strstr(err, "newer than this careerbot"));
}

static void vote(histStore *h, const char *user, const char *message, const char *entry,
                 int helpful) {
    histVote v = {.time = cbWallTime(), .platform = "slack", .channel_kind = "channel",
                  .user = user, .message = message, .entry_id = entry, .helpful = helpful};
    assert_int_equal(histRecordVote(h, &v, NULL, NULL), CB_OK);
}

static void test_one_vote_per_user_per_message(void **state) {
    (void)state;
    char err[CB_ERRLEN];
    histStore *h = histOpen(db, NULL, err);
    assert_non_null(h);
    for (int i = 0; i < 4; i++) vote(h, "U1", "C1:1.1", "career/salary", 0); /* four clicks */
    assert_int_equal(count("SELECT count(*) FROM votes"), 1);
    vote(h, "U1", "C1:1.1", "career/salary", 1); /* a change of mind */
    assert_int_equal(count("SELECT count(*) FROM votes"), 1);
    assert_int_equal(count("SELECT helpful FROM votes"), 1);
    vote(h, "U2", "C1:1.1", "career/salary", 0); /* another user */
    vote(h, "U1", "C1:2.2", "career/salary", 0); /* another message */
    assert_int_equal(count("SELECT count(*) FROM votes"), 3);
    vote(h, "U3", NULL, "career/remote", 0); /* no message: the entry stands for it */
    vote(h, "U3", NULL, "career/remote", 0);
    vote(h, "U3", NULL, "career/salary", 1);
    assert_int_equal(count("SELECT count(*) FROM votes"), 5);
    histClose(h);
}

static void test_tokens_scrubbed_from_questions(void **state) {
    (void)state;
    char err[CB_ERRLEN];
    redactAddSecret("my-own-bot-secret-123");
    histStore *h = histOpen(db, NULL, err);
    assert_non_null(h);
    const char *texts[] = {
        "why does xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOp fail?",
        "token xapp-1-A0123456789-1234567890-abcdef0123456789 leaked",
        "discord MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.abcdefghijklmnopqrstuvwxyz0123 help",
        "pasted my-own-bot-secret-123 by mistake",
    };
    for (size_t i = 0; i < CB_ARRAY_LEN(texts); i++) {
        histQuestion q = question(texts[i], "abstain", 0);
        assert_int_equal(histRecordQuestion(h, &q, 0.7), CB_OK);
    }
    histQuestion plain = question("is python.org a good start for jobs?", "abstain", 0);
    assert_int_equal(histRecordQuestion(h, &plain, 0.7), CB_OK);
    histClose(h);
    redactClearSecrets();
    assert_int_equal(count("SELECT count(*) FROM questions WHERE question LIKE '%xox%'"
                           " OR question LIKE '%xapp%' OR question LIKE '%GaBcDe%'"
                           " OR question LIKE '%secret-123%' OR normalized LIKE '%xox%'"
                           " OR normalized LIKE '%secret%' OR normalized LIKE '%GaBcDe%'"),
                     0);
    assert_int_equal(count("SELECT count(*) FROM questions WHERE question LIKE '%[redacted]%'"), 4);
    assert_int_equal(count("SELECT count(*) FROM questions WHERE normalized IS NULL"), 4);
    assert_int_equal(count("SELECT count(*) FROM questions"
                           " WHERE question = 'why does [redacted] fail?'"), 1);
    assert_int_equal(count("SELECT count(*) FROM questions"
                           " WHERE question = 'is python.org a good start for jobs?'"), 1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_wal_and_batch_timer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_full_batch_commits_at_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vote_durable_before_done, setup, teardown),
        cmocka_unit_test_setup_teardown(test_busy_is_retried, setup, teardown),
        cmocka_unit_test_setup_teardown(test_close_flushes_and_counts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_user_hash_and_salt, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retention_purge, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migrations, setup, teardown),
        cmocka_unit_test_setup_teardown(test_one_vote_per_user_per_message, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tokens_scrubbed_from_questions, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
