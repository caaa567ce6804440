/* discord_int.h - the Discord transport's private state, shared by its
 * files: discord_gateway.c (lifecycle, the gateway connection, heartbeats,
 * identify/resume, reconnects), discord_rest.c (REST calls through the
 * shared outbox, and what their failures mean), discord_events.c (MESSAGE_CREATE -> reply) and
 * discord_interactions.c (slash command, autocomplete, buttons). Not for
 * other modules. */
#ifndef CB_DISCORD_INT_H
#define CB_DISCORD_INT_H

#include <jansson.h>
#include <uv.h>

#include "app/app.h"
#include "base/backoff.h"
#include "platform/discord/discord.h"
#include "platform/outbox.h"
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
#define DC_MAX_INFLIGHT 64        /* REST calls and votes at once; more messages wait */
#define DC_MAX_JOBS 100000        /* messages waiting to be answered */
/* ...and their bytes: 2.5 MiB holds ~31,000 short mentions (a queued one
 * is 84 bytes and its text) or ~1,300 of Discord's longest; without it
 * 100,000 long ones would hold ~200 MB. With 60,000 or 100,000 offered at
 * once the bot's peak was 29.2-29.4 MB (bench_discord.sh). More are
 * dropped, logged as discord.overloaded (at the 50/s limit the queue is
 * ten minutes long by then). */
#define DC_MAX_QUEUE_BYTES (5u << 19) /* 2.5 MiB */
#define DC_PUMP_BUDGET_MS 1.0     /* answering per loop turn, so the gateway is read in between */

typedef struct discord discord;
typedef struct dcReq dcReq;

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

/* Called once per REST call with the final response; d is NULL when the
 * transport is gone (then only free what ud holds). */
typedef void dcDoneFn(discord *d, dcReq *q, const httpResponse *res);

/* A REST call out: what it was, for its log line and its callback. */
struct dcReq {
    dcDoneFn *fn;  /* NULL: failures are logged (dcCheckResponse) */
    void *ud;      /* fn's */
    char *what;    /* for logs, e.g. "reply", "callback" (never a token) */
    char *channel; /* for logs; may be NULL */
};

struct discord {
    cbTransport t;
    cbApp *a;         /* only through app.h's door */
    appTransportOptions o; /* token, API URL, shard, slash_ephemeral */
    cbLoop *loop;
    char *api;        /* base URL, no trailing '/' */
    char *auth;       /* "Bot <token>" (never logged) */
    char *ua;         /* "DiscordBot ($url, $version)" */
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
    uv_idle_t *pump;  /* answers queued mentions a little each loop turn */
    int timer_armed;
    cbBackoff bo;
    discordBucket bucket;
    double last_identify_ms;
    int max_concurrency;
    long long starts_remaining;
    double starts_reset_ms; /* cbNowMs() when remaining resets */
    outbox *ob;  /* messages waiting, replies and votes in flight */
    char *forbidden[DC_MAX_FORBIDDEN];
    size_t nforbidden;
    char state[320];
};

/* discord_gateway.c */
void dcFatal(discord *d, const char *msg);
void dcCheckDrained(discord *d);
void dcState(discord *d, const char *fmt, const char *arg);

/* discord_rest.c */
dcReq *dcReqNew(const char *what, const char *channel);
/* Send method url (taken) with body (stolen, may be NULL) and the bot's
 * auth. route: the rate-limit key (with major parameters, no tokens). fn
 * (q->fn) runs once with the response, also after the transport is gone.
 * CB_ERR if it could not be queued (logged; q freed, fn not called). */
int dcCall(discord *d, dcReq *q, const char *method, char *url, json_t *body, const char *route,
           dcDoneFn *fn);
/* The same with the body already serialized (text: taken, may be NULL). */
int dcCallText(discord *d, dcReq *q, const char *method, char *url, char *text, const char *route,
               dcDoneFn *fn);
/* Log a failed call (never the URL: it may hold a token); 401 is fatal. */
int dcCheckResponse(discord *d, dcReq *q, const httpResponse *res);
int dcChannelForbidden(discord *d, const char *channel);

/* An interaction as discord_interactions.c decodes it (borrowed). */
typedef struct dcInteraction {
    const char *id, *token, *app_id, *channel, *guild, *user;
    const char *message; /* the message a component belongs to; may be NULL */
    json_t *data;
} dcInteraction;

/* discord_events.c */
void dcOnMessageCreate(discord *d, json_t *m);
void dcAnswer(void *d, const outboxJob *j); /* the outbox's answer op */
/* How a mention's answer is rendered, once per knowledge load (app.h). */
extern const appRenderer dcMentionRenderer;

/* discord_interactions.c */
void dcOnInteraction(discord *d, json_t *i);
/* Answer an interaction: callback type with data (stolen, may be NULL). */
void dcInteractionCallback(discord *d, const dcInteraction *in, int type, json_t *data);

/* discord_mentor.c: hand-offs to human mentors (app.h's appMentor*) */
const char *dcMentorOffer(discord *d, const appMentorAsk *ask, char token[APP_MENTOR_TOKEN]);
/* "Ask a mentor", "... (show my name)" and "Cancel" clicks. */
void dcMentorClick(discord *d, const dcInteraction *in, int kind, const char *token);
/* 1 when MESSAGE_CREATE m is for the mentors (a reply to a hand-off's
 * post, in a thread on it, or anything in the mentors channel): handled,
 * never answered as a question. */
int dcMentorMessage(discord *d, json_t *m);

#endif
