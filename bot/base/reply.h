/* reply.h - the two types every transport speaks: a request (what a user
 * asked, from which platform/channel/thread) and a reply (what to answer,
 * platform-neutral). Transports translate platform events into an
 * hndRequest and hand the hndReply to a renderer; nothing here knows about
 * Slack or Discord payloads.
 *
 * Ownership: a request borrows its strings from the caller. A reply owns
 * every string it holds (copies, never pointers into the kb), so it stays
 * valid after a knowledge reload; free it with replyFree(). */
#ifndef CB_REPLY_H
#define CB_REPLY_H

#include <stddef.h>

typedef enum { PLATFORM_CONSOLE = 0, PLATFORM_SLACK, PLATFORM_DISCORD } cbPlatform;
const char *platformName(cbPlatform p); /* "console", "slack", "discord" */

typedef struct hndRequest {
    cbPlatform platform;
    const char *text;    /* the user's words, mention and "/faq" already stripped */
    size_t len;
    const char *user;    /* platform user id (hashed before it is stored) */
    const char *channel; /* may be NULL */
    const char *thread;  /* may be NULL */
    int is_command;      /* came from a slash command */
    int is_dm;           /* direct message */
} hndRequest;

typedef enum {
    REPLY_ANSWER = 0,    /* an entry's answer */
    REPLY_DID_YOU_MEAN,  /* not sure: suggestions */
    REPLY_ABSTAIN,       /* nothing fits: say so, list topics */
    REPLY_CHITCHAT,      /* "thanks", "hi" */
    REPLY_INFO,          /* help, topics, a topic's questions */
    REPLY_ERROR          /* bad input: empty, too long, invalid UTF-8, unknown id */
} replyKind;

const char *replyOutcomeName(replyKind k); /* "answer", "did_you_mean", "abstain", "chitchat", "info", "error" */

typedef struct replySource {
    char *title, *url, *publisher, *date; /* url/publisher/date may be NULL */
} replySource;

typedef struct replyLink {
    char *title, *url;
} replyLink;

typedef struct replyRef { /* a pointer to another entry: "did you mean", related */
    char *id;
    char *question;
    double confidence; /* 0 for related */
} replyRef;

typedef struct replyHit { /* one ranked engine hit, for `ask --json` and evals */
    char *id;
    double score;      /* raw ranking score */
    double confidence; /* calibrated, in [0,1] */
} replyHit;

typedef struct hndReply {
    replyKind kind;
    char *entry_id;   /* REPLY_ANSWER: the entry; else NULL */
    char *title;      /* the entry's question, or a heading; may be NULL */
    char *summary;    /* REPLY_ANSWER: the entry's plain-text short answer (at
                       * most 40 words) to lead with; NULL when it has none */
    char *body;       /* Markdown; never NULL after hndHandle */
    double confidence;/* REPLY_ANSWER: the top hit's confidence */
    replySource *sources;
    size_t nsources;
    replyLink *links;
    size_t nlinks;
    replyRef *suggestions; /* did you mean (<= 3); with an answer, the entry the
                            * message's other question asks for ("you also asked") */
    size_t nsuggestions;
    replyRef *related;
    size_t nrelated;
    char *normalized;  /* the question's normalized form (for history); may be NULL */
    char *topic;       /* topic filter used, if any */
    int not_helpful;   /* REPLY_CHITCHAT: the message says the last answer did not
                        * help (smalltalk.yaml's "feedback: not-helpful") */
    char *redirect;    /* REPLY_ABSTAIN: the redirects.yaml section whose reply
                        * says where to ask instead; else NULL */
    replyHit *hits;    /* the engine's ranked hits for a question (best first,
                        * at most hndContext.max_hits); none for commands */
    size_t nhits;
} hndReply;

void replyInit(hndReply *r);
void replyFree(hndReply *r);
/* "high" (>= 0.8), "medium" (>= 0.5) or "low": shown to users. */
const char *replyConfidenceBand(double confidence);

#endif
