/* opsbot.h - test support for the process-level operations tests: run one
 * `careerbot run` process against the fake Slack and/or the fake Discord
 * (each a child process on 127.0.0.1), with its own temporary directory
 * (a copy of the fixture knowledge, the history database, a config file),
 * a health listener on a free port, and helpers to script the fakes, read
 * their logs, poll /healthz and read /metrics values. Every wait is bounded
 * and opsFree() stops everything that was started. */
#ifndef CB_OPSBOT_H
#define CB_OPSBOT_H

#include <stddef.h>

#include <jansson.h>

#include "tproc.h"

#define OPS_APP_TOKEN "xapp-1-A0OPS-1-opsapptoken0123456789"
#define OPS_BOT_TOKEN "xoxb-1-2-opsbottoken0123456789"
#define OPS_DISCORD_TOKEN "ops-discord-token.Xyz789_secret-value"
#define OPS_DISCORD_BOT "100000000000000001" /* the fake's bot user id */
#define OPS_GUILD "500000000000000001"
#define OPS_CHANNEL "600000000000000001"
#define OPS_KB_FIXTURE "tests/fixtures/app-kb"

typedef struct opsFake {
    tpProc p;
    int started;
    int port;
    char base[64];
    json_t *log; /* the last GET /_log (an array) */
} opsFake;

typedef struct opsBot {
    opsFake slack, discord;
    tpProc bot;
    int spawned;
    int health_port;
    char dir[64];   /* private temporary directory */
    char kb[128];   /* dir/kb: a copy of the fixture knowledge */
    char db[128];   /* dir/h.db: the history */
    char conf[128]; /* dir/careerbot.conf: knowledge.watch = false */
} opsBot;

/* Temporary directory, knowledge copy and config; start the fakes asked
 * for. 0 on success. */
int opsInit(opsBot *b, int slack, int discord);
/* Spawn `careerbot run` with the tokens of the started fakes (a NULL token
 * means the default test token); extra: more "K=V" env or NULL. */
int opsSpawn(opsBot *b, const char *app_token, const char *bot_token, char *const extra[]);
/* Wait until /healthz answers 200 (1) or ms pass (0). */
int opsWaitReady(opsBot *b, double ms);
/* SIGTERM the bot (SIGKILL after a grace period) if still running, stop
 * the fakes, remove the directory and the output files. */
void opsFree(opsBot *b);
/* cmocka per-test setup and teardown: *state is a fresh opsBot; the
 * teardown runs after failures too, so nothing started is left running. */
int opsSetup(void **state);
int opsTeardown(void **state);

/* POST /_control to a fake; the parsed answer (new reference, never NULL). */
json_t *opsCmd(opsFake *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* GET /_log; the array is kept in f->log (borrowed). */
json_t *opsFetchLog(opsFake *f);
/* Entries of f->log of this kind (and, when path is not NULL, whose path
 * contains it). */
size_t opsCountKind(opsFake *f, const char *kind, const char *path);
/* Codes of the "ws_close" entries in f->log, in order; returns how many
 * (at most max). */
size_t opsCloseCodes(opsFake *f, int *codes, size_t max);

/* GET path on the bot's health listener; status (0 on transport error). */
long opsGet(opsBot *b, const char *path, char **body);
/* The value of one /metrics series, e.g.
 * careerbot_questions_total{platform="slack",outcome="answered"}; -1 when
 * the series is absent or /metrics cannot be read. */
double opsMetric(opsBot *b, const char *series);
/* Poll /healthz every few ms until it answers status want and (when not
 * NULL) its body contains needle. 1 when seen; *body_out (may be NULL)
 * gets that body (caller frees). */
int opsWaitHealth(opsBot *b, long want, const char *needle, double ms, char **body_out);

/* Slack: a mention in channel; ts gets the event ts (the reply's thread).
 * 0 on success. */
int opsSlackMention(opsBot *b, const char *text, const char *channel, char *ts, size_t tslen);
/* Accepted chat.postMessage replies in thread ts (fetches the log). */
size_t opsSlackReplies(opsBot *b, const char *ts);
/* Wait for an accepted reply in thread ts; the JSON body of the request
 * that produced it as text (caller frees), or NULL on timeout. */
char *opsSlackWaitReply(opsBot *b, const char *ts, double ms);
/* The ts of the accepted reply in thread ts (copied into out), 0 if none. */
int opsSlackReplyTs(opsBot *b, const char *ts, char *out, size_t n);

/* Discord: a MESSAGE_CREATE with id mentioning the bot in OPS_CHANNEL. */
void opsDiscordMention(opsBot *b, const char *id, const char *question);
/* POST /channels/OPS_CHANNEL/messages requests replying to message id
 * (fetches the log); *last (may be NULL) gets the last body as JSON text
 * (caller frees, NULL when none). */
size_t opsDiscordReplies(opsBot *b, const char *id, char **last);
/* Wait until there are at least n such requests; the last body as text
 * (caller frees) or NULL on timeout. */
char *opsDiscordWaitReply(opsBot *b, const char *id, size_t n, double ms);

/* Replace the Markdown body of a knowledge file (front matter kept);
 * path relative to b->kb. 0 on success. */
int opsRewriteAnswer(opsBot *b, const char *rel, const char *body);
/* Overwrite a knowledge file with text. 0 on success. */
int opsWriteKb(opsBot *b, const char *rel, const char *text);

/* Sleep ms milliseconds; now in ms (monotonic). */
void opsSleep(double ms);
double opsNow(void);

#endif
