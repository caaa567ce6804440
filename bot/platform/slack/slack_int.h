/* slack_int.h - the Slack transport's private state, shared by its files:
 * slack.c (lifecycle, Socket Mode connections, envelopes, the answer
 * pump), slack_rest.c (what goes out: acks and Web API calls) and
 * slack_reply.c (turning events, slash commands and button clicks into
 * replies). Calls go one way: slack.c -> slack_reply.c -> slack_rest.c.
 * Not for other modules. */
#ifndef CB_SLACK_INT_H
#define CB_SLACK_INT_H

#include <jansson.h>
#include <uv.h>

#include "app/app.h"
#include "base/backoff.h"
#include "platform/outbox.h"
#include "platform/slack/slack.h"
#include "net/ws.h"
#include "render/action.h"

#define SLK_MAX_MESSAGE (1u << 20) /* socket messages; larger are dropped */
#define SLK_REPLY_ATTEMPTS 6        /* 5xx/network tries per reply */
#define SLK_MAX_INFLIGHT 64         /* REST calls and votes at once; more events wait */
#define SLK_PUMP_BUDGET_MS 5.0      /* answering per loop turn, so reads and acks go first */
#define SLK_MAX_JOBS 100000         /* acked events waiting to be answered */
#define SLK_HELLO_TIMEOUT_MS 5000   /* a socket that has not said hello by then is closed */
#define SLK_RETIRE_MS 30000         /* a replaced socket Slack has not closed by then is closed */

typedef struct slack slack;
typedef struct slkReq slkReq;

typedef struct slkConn {
    slack *s; /* NULL once the transport is freed (the close is still pending) */
    wsConn *ws;
    int hello;
    int closing; /* wsClose was called */
    double retire_at; /* replaced: close it at this cbNowMs() unless Slack does first; 0 = serving */
    int id;
    struct slkConn *link; /* every open connection: slack.conns */
} slkConn;

/* Called once per REST call: ok is Slack's "ok" (or HTTP 2xx for a
 * response_url); error says why not; resp is the parsed body (may be NULL). */
typedef void slkDoneFn(slack *s, slkReq *q, int ok, const char *error, json_t *resp);

/* A REST call out: what it was, for its log line and its callback. */
struct slkReq {
    slkDoneFn *fn; /* may be NULL: failures are logged */
    char *what;    /* method name or "response_url", for logs */
    char *channel; /* for logs; may be NULL */
    void *ud;      /* fn's; freed with ud_free when the call is over */
    void (*ud_free)(void *ud);
};

/* A button click, as slack_reply.c decodes it for the handlers of each
 * kind of button (borrowed from the payload). */
typedef struct slkClick {
    const char *user, *channel, *msg_ts, *thread, *response_url;
    json_t *blocks; /* the clicked message's blocks (not for ephemeral ones) */
    int ephemeral;
} slkClick;

struct slack {
    cbTransport t;
    cbApp *a;                 /* only through app.h's door */
    appTransportOptions o;    /* tokens, API URL, slash_ephemeral */
    cbLoop *loop;
    char *api;                /* base URL ending in '/' */
    char *app_auth, *bot_auth;/* "Bearer ..." (never logged) */
    char *self_user, *self_bot;
    slkConn *cur;             /* the connection serving events */
    slkConn *next;            /* a replacement waiting for its hello */
    slkConn *conns;           /* all sockets not yet closed (incl. closing ones) */
    int opening;              /* apps.connections.open or auth.test in flight */
    int started, stopping, fatal;
    int conn_seq;
    cbBackoff bo;
    uv_timer_t *timer;        /* reconnect backoff */
    int timer_armed;
    uv_timer_t *hello_timer;  /* watchdog for s->next */
    uv_timer_t *retire_timer; /* closes replaced sockets Slack left open */
    uv_check_t *pump;         /* answers queued events a little each loop turn */
    uv_idle_t *awake;         /* while events wait: the loop's poll does not block */
    slkSeen seen;
    outbox *ob;               /* questions waiting, replies and votes in flight */
    char state[300];          /* for healthy() */
};

/* slack.c */
void slkFatal(slack *s, const char *msg);
void slkConnClose(slkConn *c, const char *reason); /* close 1000, once */
void slkCheckDrained(slack *s); /* after shutdown: close sockets when idle */
void slkSchedulePump(void *s);  /* the outbox's schedule op: answer from the loop */

/* slack_rest.c */
/* Ack an envelope on c before any other frame; payload stolen, may be
 * NULL. CB_ERR (logged) when it could not be queued. */
int slkAck(slkConn *c, const char *envelope_id, json_t *payload);
/* POST a Web API method (JSON body, stolen) with auth; fn may be NULL
 * (failures are logged). CB_ERR when it could not even be queued (logged). */
int slkCall(slack *s, const char *method, json_t *body, const char *auth, slkDoneFn *fn);
/* slkCall with a ud for fn, freed by ud_free (may be NULL) after fn ran,
 * or at once when the call could not be queued. */
int slkCallUd(slack *s, const char *method, json_t *body, slkDoneFn *fn, void *ud,
              void (*ud_free)(void *));
/* The same with the body already serialized (text: taken and freed);
 * channel (may be NULL) names the call in logs. */
int slkCallText(slack *s, const char *method, const char *channel, char *text, const char *auth,
                slkDoneFn *fn);
/* POST to a response_url (absolute; no token). */
int slkRespond(slack *s, const char *url, json_t *body);

/* slack_reply.c */
void slkAnswer(void *s, const outboxJob *j); /* the outbox's answer op */
/* How a mention's answer is rendered, once per knowledge load (app.h). */
extern const appRenderer slkMentionRenderer;
void slkOnEventsApi(slack *s, slkConn *c, json_t *env);
void slkOnSlash(slack *s, slkConn *c, json_t *env, const char *envelope_id);
void slkOnInteractive(slack *s, slkConn *c, json_t *env);

/* slack_mentor.c: hand-offs to human mentors (app.h's appMentor*) */
/* The token to offer under a reply to this question, or NULL. */
const char *slkMentorOffer(slack *s, const appMentorAsk *ask, char token[APP_MENTOR_TOKEN]);
/* "Ask a mentor", "... (show my name)" and "Cancel" clicks. */
void slkMentorClick(slack *s, actionKind kind, const char *token, const slkClick *k);
/* A reply in a channel thread: relayed if it answers a hand-off. */
void slkMentorThreadReply(slack *s, const slkEvent *e);

#endif
