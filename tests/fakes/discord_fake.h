/* discord_fake.h - the fake Discord's shared state, split between
 * fake_discord.c (main, gateway, /_control) and discord_rest.c (REST routes
 * and what they check). Only for the fake. */
#ifndef CB_DISCORD_FAKE_H
#define CB_DISCORD_FAKE_H

#include <jansson.h>
#include <stddef.h>

#include "fakesrv.h"

#define FD_BOT_ID "100000000000000001"
#define FD_APP_ID "100000000000000002"
#define FD_INTENTS ((1 << 9) | (1 << 12) | (1 << 15))
#define FD_MAX_EVENTS 50000
#define FD_BENCH_BASE 700000000000000000LL /* ids of bench messages */
#define FD_BENCH_MAX 200000
#define FD_BURST_MESSAGES 0
#define FD_BURST_AUTOCOMPLETE 1
#define FD_GLOBAL_PER_S 50 /* Discord's global limit: requests per second per bot */

typedef struct fdEvent {
    long seq;
    char *text; /* the whole payload as sent */
} fdEvent;

typedef struct fdConn { /* per gateway websocket */
    long last_sent;     /* highest seq sent on this connection */
    int authed;         /* identified or resumed */
    long last_hb_d;     /* last heartbeat d (-1 null) */
} fdConn;

typedef struct fdState {
    fsServer *s;
    char *token;        /* what the bot must send */
    double hb_ms;
    int withhold_acks;
    int identify_close; /* close code answered to IDENTIFY (0: READY) */
    fsWs *gw;           /* the connection that gets dispatches */
    char session[32];
    int nsessions, nidentify, nresume;
    long seq;
    fdEvent *events;    /* this session's dispatches, for RESUME replay */
    size_t nevents;
    /* REST scripting */
    int rl_count;       /* next message POSTs answered 429 */
    double rl_retry_after;
    int rl_global;
    int unauthorized;   /* next REST calls answered 401 */
    double global_sent[FD_GLOBAL_PER_S]; /* arrival ms of the last 50 counted requests */
    int global_next;
    size_t global_limited; /* requests answered with a global 429 */
    long long next_id;
    /* bench: send time per message/interaction id (index id - base); a
     * burst's ids follow the previous burst's (burst_id0 first), so replies
     * to an earlier burst still being answered are told apart */
    double *sent_ms;
    double *lat_ms;
    size_t nlat;           /* replies to this burst (their latencies) */
    size_t replies_total;  /* replies to any burst */
    size_t burst_id0, bench_ids;
    size_t burst_n, burst_sent, burst_per_tick, burst_channels;
    double burst_rate;  /* dispatches per second (0: per_tick every ms) */
    int burst_kind;     /* FD_BURST_MESSAGES or FD_BURST_AUTOCOMPLETE */
    int bursting;       /* dispatches are not logged meanwhile */
    size_t burst_full;  /* sends refused by a full websocket queue (retried) */
    char *burst_channel, *burst_content;
    json_t *dm_channels;   /* DM channel id -> recipient id (POST /users/@me/channels) */
    json_t *plain_channels;/* channels the bot posts to without replying (mentors) */
    json_t *closed_dms;    /* recipient ids whose DMs are closed: 50007 */
    double burst_first_ms, last_reply_ms;
} fdState;

/* fake_discord.c */
/* 0, or -1 when the gateway did not take it (no connection, queue full). */
int fdDispatch(fdState *st, const char *t, json_t *d /* stolen */);

/* discord_rest.c */
void fdHttp(fsServer *s, const fsRequest *req, fsResponse *res, void *ud);
/* Record a reply to a bench id (message_reference or interaction id). */
void fdBenchReply(fdState *st, const char *id);
/* Check a message payload (POST/PATCH body or callback data); violations
 * are logged with what. */
void fdCheckMessage(fdState *st, json_t *msg, const char *what, int need_reference);

#endif
