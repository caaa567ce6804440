/* history.h - what the maintainers learn from: unanswered and low-
 * confidence questions and feedback votes, in SQLite (WAL, busy timeout,
 * schema versioned with PRAGMA user_version and migrated forward on open).
 * Rows are batched into one transaction on a short timer; a vote is
 * committed before its callback runs, so the bot acknowledges only what is
 * on disk. Behind this small interface another backend could sit. */
#ifndef CB_HISTORY_H
#define CB_HISTORY_H

#include <stddef.h>

#include "loop.h"

typedef struct histStore histStore;

typedef struct histQuestion {
    long long time;          /* unix seconds */
    const char *platform;    /* "slack", "discord", "console" */
    const char *channel_kind;/* "channel", "dm", "command", "console" */
    const char *user;        /* raw platform id; hashed with the salt before storing */
    const char *question;    /* text (kept only for unanswered / low confidence) */
    const char *normalized;
    const char *outcome;     /* "answer", "did_you_mean", "abstain" */
    const char *entry_id;    /* may be NULL */
    double confidence;
    const char *candidates_json; /* [{"id":..,"confidence":..}, ...] */
} histQuestion;

typedef struct histVote {
    long long time;
    const char *platform;
    const char *channel_kind;
    const char *user;
    const char *entry_id;
    int helpful; /* 1 up, 0 down */
} histVote;

typedef void histDoneFn(int ok, void *ud);

/* loop may be NULL (CLI use: writes are synchronous). */
histStore *histOpen(const char *path, cbLoop *loop, char *err);
/* Queues; a question answered confidently is only counted per entry/day. */
int histRecordQuestion(histStore *h, const histQuestion *q, double review_threshold);
/* done(ok) runs after the vote is committed (or failed). */
int histRecordVote(histStore *h, const histVote *v, histDoneFn *done, void *ud);
int histFlush(histStore *h); /* commit what is pending now */
void histClose(histStore *h); /* flushes */

#endif
