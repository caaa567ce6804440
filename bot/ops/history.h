/* history.h - what the maintainers learn from: unanswered and low-
 * confidence questions and feedback votes, in SQLite (WAL, busy timeout,
 * schema versioned with PRAGMA user_version and migrated forward on open).
 * Rows are batched into one transaction on a short timer; a vote is
 * committed before its callback runs, so the bot acknowledges only what is
 * on disk. Behind this small interface another backend could sit. */
#ifndef CB_HISTORY_H
#define CB_HISTORY_H

#include <stddef.h>

#include "net/loop.h"

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
    const char *message; /* the voted message (channel:ts, message id); NULL: the entry */
    int helpful; /* 1 up, 0 down */
} histVote;

typedef void histDoneFn(int ok, void *ud);

typedef struct histOptions {
    int retention_days; /* question text kept this long; 0 = forever; default 90 */
    int flush_ms;       /* batch timer; default 200 (<= 250) */
    size_t batch_max;   /* a full batch commits at once; default 32 */
    size_t pending_max; /* rows kept while the db is busy; beyond, dropped + counted */
    int busy_ms;        /* sqlite busy_timeout: default 20 with a loop (retry on the
                         * timer instead of blocking it), 5000 without */
    int vote_retry_ms;  /* a vote still busy after this fails: done(0); default 10000 */
} histOptions;

void histDefaultOptions(histOptions *o);

/* Open (creating the file and its directory), set WAL, migrate the schema
 * forward, purge expired text. loop may be NULL (CLI use: writes are
 * synchronous). histOpen = histOpenWith(default options). */
histStore *histOpen(const char *path, cbLoop *loop, char *err);
histStore *histOpenWith(const char *path, cbLoop *loop, const histOptions *o, char *err);
/* Queues; a question answered confidently is only counted per entry/day.
 * Secrets and token-shaped strings are scrubbed from the stored text
 * (base/redact.h); a question that had one keeps no normalized form. */
int histRecordQuestion(histStore *h, const histQuestion *q, double review_threshold);
/* One vote per user per message: a second vote on the same message
 * replaces the first (a change of mind). Without a message the entry
 * stands for it. The vote and every pending question are committed in one transaction
 * right away. done(ok) runs after the commit (or the failure): with a loop
 * always from the loop (a 0 ms timer), never inside histRecordVote; without
 * a loop, synchronously before histRecordVote returns. SQLITE_BUSY is
 * retried on the timer until vote_retry_ms, then done(0). */
int histRecordVote(histStore *h, const histVote *v, histDoneFn *done, void *ud);
int histFlush(histStore *h); /* commit what is pending now */
void histClose(histStore *h); /* flushes, runs waiting done callbacks, frees */
/* Erase question text older than retention_days before now (also done at
 * open and daily). Returns rows changed, or -1 on error. */
long long histPurge(histStore *h, long long now);
size_t histPending(const histStore *h); /* questions + votes not yet committed */

/* ---- reading: report and export (history_report.c) ---- */

typedef struct histGroup { /* unanswered questions with one normalized form */
    char *normalized, *example, *top_id; /* top_id may be NULL */
    long long count;
    double top_confidence;
    char *suggestion;
} histGroup;

typedef struct histEntryVotes {
    char *entry_id;
    long long not_helpful, helpful;
    char *suggestion;
} histEntryVotes;

typedef struct histLowEntry { /* answers given below the review threshold */
    char *entry_id, *example;
    long long count;
    double avg_confidence;
    char *suggestion;
} histLowEntry;

typedef struct histReport {
    long long since;          /* unix seconds; 0 = all */
    long long answered;       /* confident answers (counted per entry/day) */
    long long unanswered;     /* did_you_mean + abstain rows */
    histGroup *groups;
    size_t ngroups;
    histEntryVotes *votes;
    size_t nvotes;
    histLowEntry *low;
    size_t nlow;
} histReport;

typedef struct histReportOptions {
    long long since;       /* 0 = all */
    size_t limit;          /* per section; default 20 */
    double moderate;       /* top candidate at least this: "add an alternate"; default 0.2 */
} histReportOptions;

int histReportBuild(histStore *h, const histReportOptions *o, histReport *out, char *err);
void histReportFree(histReport *r);
char *histReportJson(const histReport *r); /* caller frees */
void histReportText(const histReport *r, void *stream /* FILE* */);
/* One JSON object per line for each question and vote row since `since`. */
int histExport(histStore *h, long long since, void *stream /* FILE* */, char *err);
/* "YYYY-MM-DD" (UTC midnight) or "Nd" (UTC midnight N days before today:
 * "0d" is today, "1d" yesterday and today) -> unix seconds. */
int histParseSince(const char *s, long long now, long long *out);

#endif
