/* history_int.h - shared by the history modules: the store itself
 * (history.c: batching, timers, votes), the schema and its migrations, the
 * salt and user hashing, retention (history_schema.c), and the report and
 * export queries (history_report.c). Not for other modules. */
#ifndef CB_HISTORY_INT_H
#define CB_HISTORY_INT_H

#include <sqlite3.h>

#include "ops/history.h"

#define HIST_SCHEMA_VERSION 7
#define HIST_HASH_HEX 32 /* 128 bits of HMAC-SHA-256, in hex */
#define HIST_SALT_BYTES 32

typedef struct histRow { /* a queued question, strings owned */
    long long time;
    char *platform, *channel_kind, *question, *normalized, *outcome, *entry_id, *candidates;
    char *message; /* a voted_down question: the voted message */
    char user_hash[HIST_HASH_HEX + 1];
    double confidence;
    int keep_text; /* 0: only counted per entry/day/platform */
    int click;     /* a did-you-mean choice: platform, user_hash, entry_id, time */
} histRow;

typedef struct histPendVote {
    long long time;
    char *platform, *channel_kind, *entry_id, *message;
    char user_hash[HIST_HASH_HEX + 1];
    int helpful;
    histDoneFn *done;
    void *ud;
    double deadline_ms; /* give up retrying SQLITE_BUSY after this */
} histPendVote;

typedef struct histAck { /* a done callback waiting to run on the loop */
    histDoneFn *done;
    void *ud;
    int ok;
} histAck;

typedef struct histTimers histTimers; /* uv handles, freed by their close callbacks */

struct histStore {
    sqlite3 *db;
    cbLoop *loop; /* NULL: synchronous */
    histOptions opt;
    unsigned char salt[HIST_SALT_BYTES];
    size_t salt_len;
    sqlite3_stmt *ins_q, *upsert_c, *ins_v, *ins_click;
    histRow *rows;
    size_t nrows, caprows;
    histPendVote *votes;
    size_t nvotes, capvotes;
    histAck *acks;
    size_t nacks, capacks;
    histTimers *t;
    long long last_purge;
};

/* history_schema.c */
int histPragmas(sqlite3 *db, int busy_ms, char *err);
int histMigrate(sqlite3 *db, char *err); /* forward to HIST_SCHEMA_VERSION */
int histUserVersion(sqlite3 *db);
/* The salt: $CAREERBOT_HASH_SALT, else dir/salt (created 0600 from
 * /dev/urandom). */
int histLoadSalt(const char *dir, unsigned char *salt, size_t *len, char *err);
void histHashUser(const unsigned char *salt, size_t salt_len, const char *platform,
                  const char *user, char out[HIST_HASH_HEX + 1]);
/* Erase question text older than now - days (0 days: keep forever). */
int histPurgeDb(sqlite3 *db, long long now, int days, long long *changed);
int histExecRetry(sqlite3 *db, const char *sql, int tries);

#endif
