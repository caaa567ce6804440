/* slack_fake.h - the fake Slack's state and its parts (fake_slack.c: HTTP
 * routing and the socket; slack_script.c: /_control scripting, envelopes,
 * acks and latency statistics; slack_chat.c: chat.* and response_url
 * handling with validation of everything the bot sends). */
#ifndef CB_SLACK_FAKE_H
#define CB_SLACK_FAKE_H

#include <jansson.h>
#include <stddef.h>

#include "fakesrv.h"

#define FSL_BOT_USER "U0BOT"
#define FSL_BOT_ID "B0BOT"
#define FSL_MAX_SCRIPTS 16
#define FSL_MAX_LAT 1000000 /* latency samples kept */
#define FSL_ACK_DEADLINE_MS 3000

typedef struct fslScript {
    char method[64];
    int status;      /* 429 or 5xx */
    int count;       /* responses left to script */
    int retry_after; /* seconds, for 429 */
} fslScript;

typedef struct fslState {
    int ticket, used_ticket;
    int reject_app, reject_bot;
    char reject_error[64];
    int no_hello;
    int lean;          /* benchmark: no validation, no stored messages, small replies */
    fslScript scripts[FSL_MAX_SCRIPTS];
    size_t nscripts;
    json_t *envelopes; /* envelope_id -> {"t": sent ms, "env": envelope, "ack": ms} */
    json_t *messages;  /* ts -> message as stored by chat.postMessage */
    json_t *sent_ts;   /* event ts -> sent ms, until its reply arrives */
    json_t *replied_ts;/* event ts -> 1 once answered (answers_twice counts more) */
    unsigned long seq;
    double *lat;       /* reply latencies (ms) */
    size_t nlat;
    size_t sent, replied, acks, late_acks;
    size_t answered_twice;  /* chat.postMessage in a thread already answered */
    size_t redelivered;     /* envelopes sent again because they were not acked */
    int redeliver_on;       /* like Slack: resend unacked envelopes (retry_attempt+1) */
    double redeliver_after_ms;
    double first_send, last_reply, max_ack_ms;
    int burst_left, burst_per_tick;
    double burst_tick_ms;
    char burst_channel[64];
} fslState;

void fslInit(fslState *st);
void fslFree(fslState *st);
fslScript *fslScriptFor(fslState *st, const char *method);

/* slack_script.c */
void fslControl(fslState *st, fsServer *s, const char *body, size_t len, fsResponse *res);
void fslOnAck(fslState *st, fsServer *s, const char *data, size_t len);
void fslOnWritten(fslState *st, fsServer *s, const char *data, size_t len);
void fslRecordReply(fslState *st, fsServer *s, const char *thread_ts);

/* slack_chat.c */
void fslChat(fslState *st, fsServer *s, const fsRequest *req, fsResponse *res, int post);
void fslResponseUrl(fslState *st, fsServer *s, const fsRequest *req, fsResponse *res);
/* NULL when msg ({"text", "blocks"}) is valid for Slack, else why not
 * (a static string or one in buf). */
const char *fslValidateMessage(const json_t *msg, char *buf, size_t buflen);

#endif
