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
#include "ops/report_cluster.h"

typedef struct histStore histStore;

typedef struct histQuestion {
    long long time;          /* unix seconds */
    const char *platform;    /* "slack", "discord", "console" */
    const char *channel_kind;/* "channel", "dm", "command", "console" */
    const char *user;        /* raw platform id; hashed with the salt before storing */
    const char *question;    /* text (kept only for unanswered / low confidence) */
    const char *normalized;
    const char *outcome;     /* "answer", "did_you_mean", "abstain", "voted_down" */
    const char *entry_id;    /* may be NULL */
    double confidence;
    const char *candidates_json; /* [{"id":..,"confidence":..}, ...] */
    int keep_text; /* keep the text even of a confident answer (a rephrase after a 👎) */
    const char *message; /* "voted_down": the message voted on (as histVote's); may be NULL */
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
/* A user chose entry_id among did-you-mean choices (batched like questions):
 * the report reads it as "their question meant entry_id". */
int histRecordClick(histStore *h, long long time, const char *platform, const char *user,
                    const char *entry_id);
int histFlush(histStore *h); /* commit what is pending now */
void histClose(histStore *h); /* flushes, runs waiting done callbacks, frees */
/* Erase question text older than retention_days before now (also done at
 * open and daily). Returns rows changed, or -1 on error. */
long long histPurge(histStore *h, long long now);
size_t histPending(const histStore *h); /* questions + votes not yet committed */

/* ---- reading: the maintainers' report (history_report.c, report_*.c) ---- */

/* Ask the live knowledge again: 1 with *entry_id (caller frees) and
 * *confidence when it now answers question confidently, else 0. */
typedef int histRerunFn(void *ud, const char *question, char **entry_id, double *confidence);

typedef struct histReportOptions {
    long long since;      /* unix seconds; 0 = all */
    long long now;        /* for trends; 0 = the wall clock */
    size_t limit;         /* groups and entries listed per section; default 20 */
    double moderate;      /* closest entry at least this: the suggested target; default 0.2 */
    double review;        /* answers below this were kept for review; default 0.7 */
    double similarity;    /* questions at least this similar are grouped; default 0.5 */
    size_t max_questions; /* the most recent open questions grouped; default 3000 */
    const char *const *entries; /* the live knowledge's entry ids; NULL: not known */
    size_t nentries;
    histRerunFn *rerun; /* NULL: questions are not asked again */
    void *rerun_ud;
    const rcFeaturizer *features; /* NULL: rcDefaultFeaturizer */
} histReportOptions;

typedef enum {
    HIST_WHY_NONE,      /* nothing close: a new entry */
    HIST_WHY_CLOSEST,   /* the closest entry was moderately confident */
    HIST_WHY_CLICK,     /* users picked the entry among did-you-mean choices */
    HIST_WHY_REPHRASE,  /* a 👎, then the rephrased question was answered by it */
} histWhy;

typedef struct histCluster { /* questions that mean the same thing */
    char *id;                /* "q<lowest question id>": for report accept/dismiss */
    long long count;         /* questions in the group */
    long long *qids;         /* their ids */
    size_t nqids;
    char **examples;         /* up to HIST_EXAMPLES real questions, latest first */
    size_t nexamples;
    char *target;            /* the entry they mean; NULL: a new entry */
    histWhy why;
    long long evidence;      /* questions that say so */
    char *now_entry;         /* the live knowledge answers them now with it; NULL: open */
    long long now_answered;  /* questions of the group answered now */
    long long first, last;   /* times */
    char *suggestion;        /* what to do, in words */
} histCluster;
#define HIST_EXAMPLES 5

typedef struct histEntryStat {
    char *entry_id;
    long long answers, low; /* answers in the window; of them below the review threshold */
    long long helpful, not_helpful;
    long long recent, previous; /* answers in the last 7 days and the 7 before (trend) */
} histEntryStat;

typedef struct histDayStat {
    char day[11];      /* YYYY-MM-DD (UTC) */
    char platform[16]; /* "" for counts older than schema 5 */
    long long answered, unanswered;
} histDayStat;

typedef struct histMentorAnswer { /* a question a human mentor answered */
    char *id;        /* "h<hand-off id>": for report accept/dismiss */
    long long handoff, time; /* its id; when the answer came */
    char *platform, *question, *mentor, *answer;
    char *suggestion; /* what to do, in words */
} histMentorAnswer;

typedef struct histReport {
    long long since, now;
    long long answered;   /* answers given (confident ones are counted per entry/day) */
    long long unanswered; /* did_you_mean + abstain rows */
    histCluster *open;    /* still open, most asked first */
    size_t nopen;
    histCluster *fixed;   /* answered now by the live knowledge */
    size_t nfixed;
    long long dismissed;  /* questions hidden by a dismissal */
    histEntryStat *entries; /* most answered first; only live entries when known */
    size_t nentries;
    char **unasked;       /* live entries nobody asked about in the window */
    size_t nunasked;
    histDayStat *days;    /* by day, then platform */
    size_t ndays;
    histMentorAnswer *mentor; /* mentors' answers not yet decided on, latest first */
    size_t nmentor;
} histReport;

void histReportDefaults(histReportOptions *o);
int histReportBuild(histStore *h, const histReportOptions *o, histReport *out, char *err);
void histReportFree(histReport *r);
/* The group with this id, or the one holding question "q<N>"; NULL. */
const histCluster *histReportFind(const histReport *r, const char *id);
/* The mentor answer "h<N>"; NULL. */
const histMentorAnswer *histReportFindMentor(const histReport *r, const char *id);
/* Renderers (report_render.c, report_html.c); stream is a FILE*. */
char *histReportJson(const histReport *r); /* caller frees */
void histReportText(const histReport *r, void *stream);
void histReportCsv(const histReport *r, void *stream);
void histReportHtml(const histReport *r, void *stream);

/* A maintainer's decision ("accept" with the entry, or "dismiss") on the
 * questions of a group; a dismissed group does not come back. */
int histDecide(histStore *h, const char *decision, const char *entry_id, const long long *qids,
               size_t n, char *err);

/* ---- hand-offs to human mentors (history_handoff.c) ----
 * A hand-off is offered under a declined answer (or after a 👎), requested
 * when its asker clicks, posted to the mentors' channel, then relayed (the
 * first mentor reply went back), cancelled by the asker, or expired after
 * HIST_HANDOFF_TTL_S. Every write is committed at once; a change of state
 * happens only from the state before it, so it happens once. */
#define HIST_TOKEN_LEN 32 /* hex characters of a hand-off's token (in button ids) */
#define HIST_HANDOFF_TTL_S (7LL * 86400)

typedef struct histHandoff {
    long long id, time, requested, answered;
    char *token, *platform, *user_hash, *user_id; /* user_id: NULL once closed */
    char *channel, *thread;  /* where it was asked (to relay to) */
    char *question, *state, *post, *mentor, *answer;
    int named;               /* the asker chose to show their name */
} histHandoff;

typedef struct histHandoffOfferArgs {
    long long time;
    const char *platform, *user, *channel, *thread, *question;
} histHandoffOfferArgs;

typedef struct histHandoffChange {
    const char *to;       /* "requested", "offered", "posted", "relayed", "cancelled" */
    long long time;       /* requested: when; relayed: when answered; 0: unchanged */
    int named;            /* -1: unchanged */
    const char *post, *mentor, *answer; /* NULL: unchanged */
} histHandoffChange;

/* A new offer; token gets its id. CB_ERR (err) when it could not be stored. */
int histHandoffOffer(histStore *h, const histHandoffOfferArgs *o, char token[HIST_TOKEN_LEN + 1],
                     char *err);
/* CB_OK and *out filled (free with histHandoffFree), or CB_ERR: none. */
int histHandoffGet(histStore *h, const char *token, histHandoff *out);
int histHandoffByPost(histStore *h, const char *platform, const char *post, histHandoff *out);
void histHandoffFree(histHandoff *x);
/* 1 if user (raw id) is the one who asked. */
int histHandoffIsAsker(const histStore *h, const histHandoff *x, const char *user);
/* Hand-offs user requested since a time; -1 on error. */
long long histHandoffRequests(histStore *h, const char *platform, const char *user, long long since);
/* 1 if the hand-off moved to c->to (it was in a state that leads there),
 * 0 if not, -1 on error. */
int histHandoffMove(histStore *h, long long id, const histHandoffChange *c);
/* Open hand-offs requested more than HIST_HANDOFF_TTL_S before now become
 * expired; returns how many (-1 on error). */
long long histHandoffExpire(histStore *h, long long now);
/* A maintainer's decision on the mentor answer of hand-off hid. */
int histDecideHandoff(histStore *h, const char *decision, const char *entry_id, long long hid,
                      char *err);

/* One JSON object per line for each row since `since`: questions, votes,
 * daily answer counts, did-you-mean clicks, the maintainers' decisions
 * (with the questions each covered) and hand-offs to mentors; each has
 * "type". Stored text was scrubbed of tokens when it was written. */
int histExport(histStore *h, long long since, void *stream /* FILE* */, char *err);
/* "YYYY-MM-DD" (UTC midnight) or "Nd" (UTC midnight N days before today:
 * "0d" is today, "1d" yesterday and today) -> unix seconds. */
int histParseSince(const char *s, long long now, long long *out);

#endif
