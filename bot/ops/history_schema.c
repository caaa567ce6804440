/* history_schema.c - the history database's shape and housekeeping:
 * connection pragmas (WAL, busy timeout, synchronous=NORMAL), the schema
 * versioned with PRAGMA user_version and migrated forward one step at a
 * time inside BEGIN IMMEDIATE (so two processes opening an old file at once
 * migrate it once), the per-installation salt, the user-id hash
 * (HMAC-SHA-256 from OpenSSL's libcrypto, truncated to 128 bits), and the
 * retention purge.
 *
 * Durability: with WAL and synchronous=NORMAL a committed transaction is in
 * the WAL file before COMMIT returns, so killing the process (even kill -9)
 * loses nothing committed; only a power loss or OS crash can lose the last
 * transactions, which is out of scope for a chat bot's history. */
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/common.h"
#include "ops/history_int.h"

/* Migration i takes the schema from version i to i + 1. Never edit a
 * shipped step: add a new one. */
static const char *const migrations[HIST_SCHEMA_VERSION] = {
    /* 0 -> 1: questions kept for review, votes, confident answers counted. */
    "CREATE TABLE questions ("
    " id INTEGER PRIMARY KEY, time INTEGER NOT NULL, platform TEXT NOT NULL,"
    " channel_kind TEXT NOT NULL, user_hash TEXT NOT NULL, question TEXT,"
    " normalized TEXT, outcome TEXT NOT NULL, entry_id TEXT,"
    " confidence REAL NOT NULL DEFAULT 0, candidates TEXT);"
    "CREATE TABLE votes ("
    " id INTEGER PRIMARY KEY, time INTEGER NOT NULL, platform TEXT NOT NULL,"
    " channel_kind TEXT NOT NULL, user_hash TEXT NOT NULL, entry_id TEXT NOT NULL,"
    " helpful INTEGER NOT NULL);"
    "CREATE TABLE answer_counts ("
    " entry_id TEXT NOT NULL, day TEXT NOT NULL, count INTEGER NOT NULL,"
    " PRIMARY KEY (entry_id, day)) WITHOUT ROWID;",
    /* 1 -> 2: the top candidate in columns, so the report need not parse
     * JSON per row; filled in for the rows already there. */
    "ALTER TABLE questions ADD COLUMN top_id TEXT;"
    "ALTER TABLE questions ADD COLUMN top_confidence REAL;"
    "UPDATE questions SET"
    " top_id = CASE WHEN json_valid(candidates) THEN json_extract(candidates, '$[0].id') END,"
    " top_confidence = CASE WHEN json_valid(candidates)"
    "   THEN json_extract(candidates, '$[0].confidence') END;",
    /* 2 -> 3: indexes for the report, the export and the purge. The
     * partial ones cover their report query (no table lookups): grouping
     * 1M rows reads only the index. */
    "CREATE INDEX questions_unanswered ON questions (normalized, time)"
    " WHERE outcome IN ('did_you_mean', 'abstain');"
    "CREATE INDEX questions_low ON questions (entry_id, time, confidence)"
    " WHERE outcome = 'answer';"
    "CREATE INDEX questions_time ON questions (time);"
    "CREATE INDEX votes_entry ON votes (entry_id, helpful, time);"
    "CREATE INDEX votes_time ON votes (time);",
    /* 3 -> 4: one vote per user per message. Older votes carry no message:
     * the entry stands for it, and of a user's repeated votes on one entry
     * only the last is kept (four clicks were counted four times). */
    "ALTER TABLE votes ADD COLUMN message TEXT;"
    "DELETE FROM votes WHERE id NOT IN"
    " (SELECT max(id) FROM votes GROUP BY platform, user_hash, entry_id);"
    "UPDATE votes SET message = 'entry:' || entry_id;"
    "CREATE UNIQUE INDEX votes_one_per_message ON votes (platform, user_hash, message);",
    /* 4 -> 5: what the report learns from. Answer counts per platform
     * (older counts: platform ''), clicks on did-you-mean choices, and the
     * maintainers' decisions on suggestions (accepted, dismissed) with the
     * questions each one covered, so a dismissed group does not come back. */
    "CREATE TABLE answer_counts_v5 ("
    " entry_id TEXT NOT NULL, day TEXT NOT NULL, platform TEXT NOT NULL DEFAULT '',"
    " count INTEGER NOT NULL, PRIMARY KEY (entry_id, day, platform)) WITHOUT ROWID;"
    "INSERT INTO answer_counts_v5 (entry_id, day, platform, count)"
    " SELECT entry_id, day, '', count FROM answer_counts;"
    "DROP TABLE answer_counts;"
    "ALTER TABLE answer_counts_v5 RENAME TO answer_counts;"
    "CREATE TABLE clicks ("
    " id INTEGER PRIMARY KEY, time INTEGER NOT NULL, platform TEXT NOT NULL,"
    " user_hash TEXT NOT NULL, entry_id TEXT NOT NULL);"
    "CREATE INDEX clicks_time ON clicks (time);"
    "CREATE INDEX questions_user ON questions (user_hash, time);"
    "CREATE TABLE decisions ("
    " id INTEGER PRIMARY KEY, time INTEGER NOT NULL, decision TEXT NOT NULL,"
    " entry_id TEXT, note TEXT);"
    "CREATE TABLE decided_questions ("
    " question_id INTEGER PRIMARY KEY, decision_id INTEGER NOT NULL REFERENCES decisions (id));",
    /* 5 -> 6: a 👎'd question names the message voted on, so a change of
     * mind (👍 on the same message) closes it again; older rows fall back
     * to the user's latest vote on the entry. */
    "ALTER TABLE questions ADD COLUMN message TEXT;",
    /* 6 -> 7: questions handed to human mentors (history_handoff.c): who
     * asked (hashed; the raw id only while open, to relay), where, the
     * mentors' post, the first mentor answer, the maintainers' decision. */
    "CREATE TABLE handoffs ("
    " id INTEGER PRIMARY KEY, token TEXT NOT NULL UNIQUE, time INTEGER NOT NULL,"
    " platform TEXT NOT NULL, user_hash TEXT NOT NULL, user_id TEXT, channel TEXT, thread TEXT,"
    " question TEXT, state TEXT NOT NULL, named INTEGER NOT NULL DEFAULT 0, requested INTEGER,"
    " post TEXT, mentor TEXT, answer TEXT, answered INTEGER,"
    " decision_id INTEGER REFERENCES decisions (id));"
    "CREATE INDEX handoffs_post ON handoffs (post, platform) WHERE post IS NOT NULL;"
    "CREATE INDEX handoffs_requests ON handoffs (user_hash, requested) WHERE requested IS NOT NULL;"
    "CREATE INDEX handoffs_time ON handoffs (time);"
    "CREATE INDEX handoffs_open ON handoffs (requested) WHERE state IN ('requested', 'posted');",
};

int histExecRetry(sqlite3 *db, const char *sql, int tries) {
    int rc;
    for (int i = 0;; i++) {
        rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
        if ((rc != SQLITE_BUSY && rc != SQLITE_LOCKED) || i + 1 >= tries) return rc;
        usleep(10000);
    }
}

int histPragmas(sqlite3 *db, int busy_ms, char *err) {
    sqlite3_busy_timeout(db, busy_ms);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "PRAGMA journal_mode=WAL", -1, &st, NULL) != SQLITE_OK)
        return cbErr(err, "journal_mode: %s", sqlite3_errmsg(db));
    int rc = sqlite3_step(st);
    const char *mode = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
    int wal = mode && strcmp(mode, "wal") == 0;
    sqlite3_finalize(st);
    if (!wal) return cbErr(err, "cannot switch the database to WAL mode: %s", sqlite3_errmsg(db));
    if (sqlite3_exec(db, "PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON", NULL, NULL, NULL) !=
        SQLITE_OK)
        return cbErr(err, "pragmas: %s", sqlite3_errmsg(db));
    return CB_OK;
}

int histUserVersion(sqlite3 *db) {
    sqlite3_stmt *st;
    int v = -1;
    if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK) return -1;
    if (sqlite3_step(st) == SQLITE_ROW) v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* One step inside the caller's transaction. */
static int migrateStep(sqlite3 *db, int from, char *err) {
    char *msg = NULL;
    if (sqlite3_exec(db, migrations[from], NULL, NULL, &msg) != SQLITE_OK) {
        cbErr(err, "migrating the history from version %d to %d: %s", from, from + 1,
              msg ? msg : "?");
        sqlite3_free(msg);
        return CB_ERR;
    }
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA user_version=%d", from + 1);
    if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return cbErr(err, "setting user_version: %s", sqlite3_errmsg(db));
    return CB_OK;
}

int histMigrate(sqlite3 *db, char *err) {
    if (histUserVersion(db) == HIST_SCHEMA_VERSION) return CB_OK; /* the usual case */
    if (histExecRetry(db, "BEGIN IMMEDIATE", 500) != SQLITE_OK)
        return cbErr(err, "locking the history for migration: %s", sqlite3_errmsg(db));
    int v = histUserVersion(db); /* again, now that we hold the write lock */
    if (v < 0 || v > HIST_SCHEMA_VERSION) {
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        return cbErr(err, "history schema version %d is newer than this careerbot (%d); "
                          "upgrade careerbot",
                     v, HIST_SCHEMA_VERSION);
    }
    for (; v < HIST_SCHEMA_VERSION; v++)
        if (migrateStep(db, v, err) != CB_OK) {
            sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
            return CB_ERR;
        }
    if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        cbErr(err, "committing the migration: %s", sqlite3_errmsg(db));
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        return CB_ERR;
    }
    return CB_OK;
}

/* ---- salt ---- */

static int hexDecode(const char *s, unsigned char *out, size_t max, size_t *len) {
    size_t n = strlen(s);
    while (n && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' ')) n--;
    if (n < 32 || n % 2 || n / 2 > max) return CB_ERR; /* at least 128 bits */
    for (size_t i = 0; i < n / 2; i++) {
        unsigned v;
        if (sscanf(s + 2 * i, "%2x", &v) != 1) return CB_ERR;
        out[i] = (unsigned char)v;
    }
    *len = n / 2;
    return CB_OK;
}

static int readSaltFile(const char *path, unsigned char *salt, size_t *len) {
    char buf[2 * HIST_SALT_BYTES + 8] = {0};
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return CB_ERR;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) return CB_ERR;
    return hexDecode(buf, salt, HIST_SALT_BYTES, len);
}

/* New random salt written to a private temp file, then linked into place:
 * link() fails if another process won the race, and we read theirs. */
static int createSaltFile(const char *path, char *err) {
    unsigned char raw[HIST_SALT_BYTES];
    int rfd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (rfd < 0 || read(rfd, raw, sizeof raw) != (ssize_t)sizeof raw) {
        if (rfd >= 0) close(rfd);
        return cbErr(err, "reading /dev/urandom: %s", strerror(errno));
    }
    close(rfd);
    char hex[2 * HIST_SALT_BYTES + 2], tmp[4200];
    for (size_t i = 0; i < sizeof raw; i++) snprintf(hex + 2 * i, 3, "%02x", raw[i]);
    strcat(hex, "\n");
    snprintf(tmp, sizeof tmp, "%s.%d.tmp", path, (int)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return cbErr(err, "creating %s: %s", tmp, strerror(errno));
    int ok = write(fd, hex, strlen(hex)) == (ssize_t)strlen(hex) && fsync(fd) == 0;
    close(fd);
    int linked = ok && link(tmp, path) == 0;
    int lerr = errno;
    unlink(tmp);
    if (!ok) return cbErr(err, "writing %s", tmp);
    if (!linked && lerr != EEXIST) return cbErr(err, "creating %s: %s", path, strerror(lerr));
    return CB_OK;
}

int histLoadSalt(const char *dir, unsigned char *salt, size_t *len, char *err) {
    const char *env = getenv("CAREERBOT_HASH_SALT");
    if (env && *env) {
        if (hexDecode(env, salt, HIST_SALT_BYTES, len) == CB_OK) return CB_OK;
        return cbErr(err, "CAREERBOT_HASH_SALT must be 32 to 64 hex digits");
    }
    char path[4096];
    snprintf(path, sizeof path, "%s/salt", dir);
    if (readSaltFile(path, salt, len) == CB_OK) return CB_OK;
    if (access(path, F_OK) == 0)
        return cbErr(err, "%s is not a hex salt; remove it to make a new one "
                          "(old user hashes will no longer match)",
                     path);
    if (createSaltFile(path, err) != CB_OK) return CB_ERR;
    if (readSaltFile(path, salt, len) != CB_OK) return cbErr(err, "reading %s", path);
    return CB_OK;
}

void histHashUser(const unsigned char *salt, size_t salt_len, const char *platform,
                  const char *user, char out[HIST_HASH_HEX + 1]) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned mdlen = 0;
    char msg[512];
    int n = snprintf(msg, sizeof msg, "%s:%s", platform ? platform : "", user ? user : "");
    if (n < 0) n = 0;
    if ((size_t)n >= sizeof msg) n = sizeof msg - 1;
    if (!HMAC(EVP_sha256(), salt, (int)salt_len, (const unsigned char *)msg, (size_t)n, md,
              &mdlen) ||
        mdlen < HIST_HASH_HEX / 2) {
        memset(md, 0, sizeof md); /* cannot happen with a working libcrypto */
    }
    for (size_t i = 0; i < HIST_HASH_HEX / 2; i++) snprintf(out + 2 * i, 3, "%02x", md[i]);
}

int histPurgeDb(sqlite3 *db, long long now, int days, long long *changed) {
    *changed = 0;
    if (days <= 0) return CB_OK;
    sqlite3_stmt *st;
    const char *sql = "UPDATE questions SET question = NULL, normalized = NULL"
                      " WHERE time < ? AND (question IS NOT NULL OR normalized IS NOT NULL)";
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) return CB_ERR;
    sqlite3_bind_int64(st, 1, now - (long long)days * 86400);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) return CB_ERR;
    *changed = sqlite3_changes(db);
    /* hand-offs: offers never taken go with the text; closed ones keep
     * their counts, not their words */
    const char *ho = "DELETE FROM handoffs WHERE state = 'offered' AND time < ?1;"
                     "UPDATE handoffs SET question = NULL, answer = NULL, mentor = NULL"
                     " WHERE time < ?1 AND question IS NOT NULL AND state <> 'offered'";
    for (const char *sql = ho; sql && *sql;) {
        if (sqlite3_prepare_v2(db, sql, -1, &st, &sql) != SQLITE_OK) return CB_ERR;
        if (!st) break;
        sqlite3_bind_int64(st, 1, now - (long long)days * 86400);
        rc = sqlite3_step(st);
        sqlite3_finalize(st);
        if (rc != SQLITE_DONE) return CB_ERR;
        *changed += sqlite3_changes(db);
    }
    return CB_OK;
}
