/* handler.h - decides what to answer. Platform-neutral: takes an hndRequest
 * and the current knowledge, fills an hndReply. Commands understood in the
 * request text (after the transport stripped a mention or "/faq"):
 *   help | topics | topic NAME | show ID | ID | TOPIC: QUESTION | QUESTION
 * (ID alone: an entry id such as an autocomplete choice's value)
 * plus chit-chat ("hi", "thanks"), answered briefly. */
#ifndef CB_HANDLER_H
#define CB_HANDLER_H

#include "match/knowledge.h"
#include "base/reply.h"

#define HND_MAX_QUESTION 4000 /* bytes; longer questions get a polite error */

typedef struct hndContext {
    const knowledge *k; /* current knowledge; never NULL */
    size_t max_suggestions; /* "did you mean" choices, default 3 */
    size_t max_hits;        /* ranked hits copied into the reply; 0 = 10 (<= ENG_MAX_TOP) */
    double suggest_floor;   /* abstain: suggest hits at or above this confidence;
                             * 0 = half the default suggest threshold */
    int chat;               /* set by hndHandle from the request: a chat platform,
                             * where choices are buttons and there is nothing to
                             * "type" (no console wording such as `show ID`) */
} hndContext;

/* Always fills out (replyInit first is not needed). */
void hndHandle(const hndContext *ctx, const hndRequest *req, hndReply *out);
/* The answer of one entry, as for a button click ("show ID"). REPLY_ERROR
 * if the id is unknown (e.g. removed by a reload since the button was drawn). */
void hndShow(const hndContext *ctx, const char *id, hndReply *out);

#endif
