/* discord_int.h - the Discord transport's private state, shared by its
 * files: discord_gateway.c (lifecycle, the gateway connection, heartbeats,
 * identify/resume, reconnects), discord_rest.c (REST calls and their
 * bookkeeping), discord_events.c (MESSAGE_CREATE -> reply) and
 * discord_interactions.c (slash command, autocomplete, buttons). Not for
 * other modules. */
#ifndef CB_DISCORD_INT_H
#define CB_DISCORD_INT_H

#include <jansson.h>
#include <uv.h>

#include "app/app.h"
#include "base/backoff.h"
#include "platform/discord/discord.h"
#include "net/http.h"
#include "net/ws.h"

#define DC_REPLY_ATTEMPTS 5       /* 5xx/network tries per REST call */
#define DC_BACKOFF_BASE_MS 1000
#define DC_BACKOFF_CAP_MS 60000
#define DC_BACKOFF_MIN_MS 100
#define DC_SEND_LIMIT 120         /* gateway events per window */
#define DC_SEND_WINDOW_MS 60000
#define DC_SEND_RESERVE 5         /* kept for heartbeats */
#define DC_IDENTIFY_WINDOW_MS 5000
#define DC_MAX_FORBIDDEN 64       /* channels remembered after a 403 */
#define DC_MAX_INFLIGHT 64        /* REST calls at once; more messages wait as jobs */
#define DC_MAX_JOBS 100000        /* messages waiting to be answered */

typedef struct discord discord;
typedef struct dcReq dcReq;

/* A message for the bot waiting for a free REST slot: small (~200 bytes),
 * so a flood costs the text of each message, not a rendered reply, its
 * JSON and a curl handle. Answered in arrival order. */
typedef struct dcJob {
    struct dcJob *next;
    char *channel, *guild, *msg_id, *user, *text;
} dcJob;

typedef enum { DC_NEXT_RESUME = 0, DC_NEXT_IDENTIFY, DC_NEXT_IDENTIFY_LATER } dcNext;

typedef struct dcConn {
    discord *d; /* NULL once the transport is freed (the close is still pending) */
    wsConn *ws;
    int id;
    int hello, authed;
    int hb_acked;
    int closing;  /* we asked it to close */
    dcNext next;  /* what to do after our close */
} dcConn;

/* Called once per REST call with the final response. */
typedef void dcDoneFn(discord *d, dcReq *q, const httpResponse *res);

struct dcReq {
    discord *d; /* NULL once the transport is freed */
    dcReq *prev, *next;
    dcDoneFn *fn;
    char *what;    /* for logs, e.g. "reply", "callback" (never a token) */
    char *channel; /* for logs; may be NULL */
    char *url, *body, *route;
    /* vote follow-up */
    char *iid, *app_id;
    char *itoken;  /* interaction token (secret) */
    int vote_done, vote_ok, deferred;
    int ack_done, ack_ok; /* the type 6 acknowledgement went out (and was 2xx) */
    dcReq *vote;          /* on that acknowledgement's request: its vote */
};

struct discord {
    cbTransport t;
    cbApp *a;
    char *api;        /* base URL, no trailing '/' */
    char *auth;       /* "Bot <token>" (never logged) */
    char *gw_url;     /* from GET /gateway/bot */
    char *resume_url; /* from READY */
    char *session_id;
    long long seq;    /* last dispatch sequence, -1 for none */
    char *user_id, *app_id;
    dcConn *conn;
    int conn_seq;
    int started, stopping, fatal, fetching, ever_ready;
    int identify_next; /* the next HELLO gets an IDENTIFY, not a RESUME */
    double hb_interval;
    uv_timer_t *hb_timer, *timer;
    int timer_armed;
    cbBackoff bo;
    discordBucket bucket;
    double last_identify_ms;
    int max_concurrency;
    long long starts_remaining;
    double starts_reset_ms; /* cbNowMs() when remaining resets */
    dcReq *reqs;
    size_t inflight;
    dcJob *jobs, *jobs_tail; /* FIFO of messages to answer */
    size_t njobs;
    char *forbidden[DC_MAX_FORBIDDEN];
    size_t nforbidden;
    char state[320];
};

/* discord_gateway.c */
void dcFatal(discord *d, const char *msg);
void dcCheckDrained(discord *d);
void dcState(discord *d, const char *fmt, const char *arg);

/* discord_rest.c */
dcReq *dcReqNew(discord *d, const char *what, const char *channel);
void dcReqFree(dcReq *q);
/* Count q as in flight (REST calls do it themselves; votes waiting for
 * their commit use it directly). */
void dcReqLink(discord *d, dcReq *q);
void dcReqUnlink(dcReq *q);
/* Send method url with body (stolen, may be NULL) and the bot's auth.
 * route: the rate-limit key (with major parameters, no tokens). fn may be
 * NULL (failures are logged). CB_ERR if it could not be queued (q freed). */
int dcCall(discord *d, dcReq *q, const char *method, char *url, json_t *body, const char *route,
           dcDoneFn *fn);
/* Log a failed call (never the URL: it may hold a token); 401 is fatal. */
int dcCheckResponse(discord *d, dcReq *q, const httpResponse *res);
int dcChannelForbidden(discord *d, const char *channel);

/* discord_events.c */
void dcOnMessageCreate(discord *d, json_t *m);
/* Answer queued messages while fewer than DC_MAX_INFLIGHT calls are out
 * (called after every REST completion); drops them once fatal. */
void dcPump(discord *d);
void dcJobsFree(discord *d);

/* discord_interactions.c */
void dcOnInteraction(discord *d, json_t *i);
/* The deferred acknowledgement of a vote finished (d may be NULL). */
void dcOnVoteAcked(discord *d, dcReq *ack, const httpResponse *res);

#endif
