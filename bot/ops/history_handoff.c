/* history_handoff.c - the state of questions handed to human mentors, in
 * the history's SQLite file (table handoffs, schema 7), so a mentor's reply
 * after a restart is still relayed, and relayed once: every change of
 * state is one UPDATE guarded by the state it leaves (offered -> requested
 * -> posted -> relayed | cancelled | expired), so two processes (shards)
 * or a redelivered event cannot both win. Unlike questions and votes these
 * writes are not batched: a click needs the row at once, and each is a
 * single indexed statement. The raw user id (needed to relay: a Discord DM,
 * a mention) is kept only while a hand-off is open and erased when it
 * closes; the question and the answer are scrubbed of tokens. */
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/common.h"
#include "base/log.h"
#include "base/redact.h"
#include "ops/history_int.h"

#define HH_MAX_TEXT 4000 /* bytes of question or answer kept */
#define HH_COLS                                                                                 \
    "id, token, time, platform, user_hash, user_id, channel, thread, question, state, named,"  \
    " requested, post, mentor, answer, answered"

void histHandoffFree(histHandoff *x) {
    cbFreeN(11, x->token, x->platform, x->user_id, x->channel, x->thread, x->question, x->state,
            x->post, x->mentor, x->answer, x->user_hash);
    memset(x, 0, sizeof *x);
}

/* At most HH_MAX_TEXT bytes (on a UTF-8 boundary), tokens scrubbed. */
static char *hhText(const char *s) {
    if (!s) return NULL;
    size_t n = strlen(s);
    if (n > HH_MAX_TEXT) {
        n = HH_MAX_TEXT;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80) n--;
    }
    char *t = cbStrndup(s, n);
    redactText(t);
    return t;
}

static char *hhCol(sqlite3_stmt *st, int i) {
    const unsigned char *s = sqlite3_column_text(st, i);
    return s ? cbStrdup((const char *)s) : NULL;
}

static void hhRow(sqlite3_stmt *st, histHandoff *x) {
    x->id = sqlite3_column_int64(st, 0);
    x->token = hhCol(st, 1);
    x->time = sqlite3_column_int64(st, 2);
    x->platform = hhCol(st, 3);
    x->user_hash = hhCol(st, 4);
    x->user_id = hhCol(st, 5);
    x->channel = hhCol(st, 6);
    x->thread = hhCol(st, 7);
    x->question = hhCol(st, 8);
    x->state = hhCol(st, 9);
    x->named = sqlite3_column_int(st, 10);
    x->requested = sqlite3_column_int64(st, 11);
    x->post = hhCol(st, 12);
    x->mentor = hhCol(st, 13);
    x->answer = hhCol(st, 14);
    x->answered = sqlite3_column_int64(st, 15);
}

static int hhFail(histStore *h, const char *what, char *err) {
    logEvent(LOG_ERROR, "history.handoff_failed", "what=%s msg=\"%s\"", what, sqlite3_errmsg(h->db));
    return cbErr(err, "hand-off %s: %s", what, sqlite3_errmsg(h->db));
}

int histHandoffOffer(histStore *h, const histHandoffOfferArgs *o, char token[HIST_TOKEN_LEN + 1],
                     char *err) {
    unsigned char raw[HIST_TOKEN_LEN / 2];
    if (RAND_bytes(raw, (int)sizeof raw) != 1) return cbErr(err, "no random bytes for a token");
    for (size_t i = 0; i < sizeof raw; i++) snprintf(token + 2 * i, 3, "%02x", raw[i]);
    sqlite3_stmt *st;
    const char *sql = "INSERT INTO handoffs (token, time, platform, user_hash, user_id, channel,"
                      " thread, question, state) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'offered')";
    if (sqlite3_prepare_v2(h->db, sql, -1, &st, NULL) != SQLITE_OK) return hhFail(h, "offer", err);
    char hash[HIST_HASH_HEX + 1];
    histHashUser(h->salt, h->salt_len, o->platform, o->user, hash);
    char *q = hhText(o->question);
    sqlite3_bind_text(st, 1, token, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, o->time);
    sqlite3_bind_text(st, 3, o->platform, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, hash, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, o->user, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, o->channel, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, o->thread, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 8, q, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    free(q);
    return rc == SQLITE_DONE ? CB_OK : hhFail(h, "offer", err);
}

/* One row by a text key (sql has ?1, ?2), into out. */
static int hhFind(histStore *h, const char *sql, const char *a, const char *b, histHandoff *out) {
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(h->db, sql, -1, &st, NULL) != SQLITE_OK) return CB_ERR;
    sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
    if (b) sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
    int found = sqlite3_step(st) == SQLITE_ROW;
    if (found) hhRow(st, out);
    sqlite3_finalize(st);
    return found ? CB_OK : CB_ERR;
}

int histHandoffGet(histStore *h, const char *token, histHandoff *out) {
    if (!h || !token) return CB_ERR;
    return hhFind(h, "SELECT " HH_COLS " FROM handoffs WHERE token = ?1", token, NULL, out);
}

int histHandoffByPost(histStore *h, const char *platform, const char *post, histHandoff *out) {
    if (!h || !post || !*post) return CB_ERR;
    return hhFind(h, "SELECT " HH_COLS " FROM handoffs WHERE post = ?2 AND platform = ?1", platform,
                  post, out);
}

int histHandoffIsAsker(const histStore *h, const histHandoff *x, const char *user) {
    char hash[HIST_HASH_HEX + 1];
    histHashUser(h->salt, h->salt_len, x->platform, user, hash);
    return x->user_hash && strcmp(hash, x->user_hash) == 0;
}

long long histHandoffRequests(histStore *h, const char *platform, const char *user, long long since) {
    char hash[HIST_HASH_HEX + 1];
    histHashUser(h->salt, h->salt_len, platform, user, hash);
    sqlite3_stmt *st;
    const char *sql = "SELECT count(*) FROM handoffs WHERE platform = ?1 AND user_hash = ?2"
                      " AND requested >= ?3";
    if (sqlite3_prepare_v2(h->db, sql, -1, &st, NULL) != SQLITE_OK) return -1;
    sqlite3_bind_text(st, 1, platform, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, hash, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, since);
    long long n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_finalize(st);
    return n;
}

/* Each state, and the states it may be entered from. Closing states
 * erase the raw user id. */
static const char *hhMoveSql =
    "UPDATE handoffs SET state = ?2, named = coalesce(?3, named),"
    " requested = CASE WHEN ?2 = 'offered' THEN NULL ELSE coalesce(?4, requested) END,"
    " post = coalesce(?5, post), mentor = coalesce(?6, mentor), answer = coalesce(?7, answer),"
    " answered = coalesce(?8, answered),"
    " user_id = CASE WHEN ?2 IN ('relayed', 'cancelled', 'expired') THEN NULL ELSE user_id END"
    " WHERE id = ?1 AND ((?2 = 'requested' AND state = 'offered')"
    "  OR (?2 = 'offered' AND state = 'requested') OR (?2 = 'posted' AND state = 'requested')"
    "  OR (?2 = 'cancelled' AND state IN ('requested', 'posted'))"
    "  OR (?2 = 'relayed' AND state = 'posted'))";

static void hhBindOpt(sqlite3_stmt *st, int i, const char *s) {
    if (s) sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
}

int histHandoffMove(histStore *h, long long id, const histHandoffChange *c) {
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(h->db, hhMoveSql, -1, &st, NULL) != SQLITE_OK) return -1;
    char *mentor = hhText(c->mentor), *answer = hhText(c->answer);
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, c->to, -1, SQLITE_STATIC);
    if (c->named >= 0) sqlite3_bind_int(st, 3, c->named);
    if (c->time) sqlite3_bind_int64(st, 4, c->time);
    hhBindOpt(st, 5, c->post);
    hhBindOpt(st, 6, mentor);
    hhBindOpt(st, 7, answer);
    if (c->answer) sqlite3_bind_int64(st, 8, c->time);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    cbFreeN(2, mentor, answer);
    if (rc != SQLITE_DONE) {
        logEvent(LOG_ERROR, "history.handoff_failed", "what=%s msg=\"%s\"", c->to,
                 sqlite3_errmsg(h->db));
        return -1;
    }
    return sqlite3_changes(h->db) > 0;
}

long long histHandoffExpire(histStore *h, long long now) {
    sqlite3_stmt *st;
    const char *sql = "UPDATE handoffs SET state = 'expired', user_id = NULL"
                      " WHERE state IN ('requested', 'posted') AND requested < ?1";
    if (sqlite3_prepare_v2(h->db, sql, -1, &st, NULL) != SQLITE_OK) return -1;
    sqlite3_bind_int64(st, 1, now - HIST_HANDOFF_TTL_S);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) return -1;
    return sqlite3_changes(h->db);
}

int histDecideHandoff(histStore *h, const char *decision, const char *entry_id, long long hid,
                      char *err) {
    if (histExecRetry(h->db, "BEGIN IMMEDIATE", 500) != SQLITE_OK)
        return cbErr(err, "recording the decision: %s", sqlite3_errmsg(h->db));
    sqlite3_stmt *d = NULL, *u = NULL;
    int rc = sqlite3_prepare_v2(h->db, "INSERT INTO decisions (time, decision, entry_id, note)"
                                       " VALUES (?1, ?2, ?3, ?4)", -1, &d, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(h->db, "UPDATE handoffs SET decision_id = ?1 WHERE id = ?2", -1, &u,
                                NULL);
    char note[48];
    snprintf(note, sizeof note, "handoff h%lld", hid);
    if (rc == SQLITE_OK) {
        sqlite3_bind_int64(d, 1, cbWallTime());
        sqlite3_bind_text(d, 2, decision, -1, SQLITE_STATIC);
        sqlite3_bind_text(d, 3, entry_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(d, 4, note, -1, SQLITE_STATIC);
        rc = sqlite3_step(d) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
    }
    if (rc == SQLITE_OK) {
        sqlite3_bind_int64(u, 1, sqlite3_last_insert_rowid(h->db));
        sqlite3_bind_int64(u, 2, hid);
        rc = sqlite3_step(u) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
    }
    if (rc == SQLITE_OK) rc = sqlite3_exec(h->db, "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_OK) cbErr(err, "recording the decision: %s", sqlite3_errmsg(h->db));
    if (rc != SQLITE_OK) sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_finalize(d);
    sqlite3_finalize(u);
    return rc == SQLITE_OK ? CB_OK : CB_ERR;
}
