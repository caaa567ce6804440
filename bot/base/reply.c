/* reply.c - the request/reply types shared by every transport: names for
 * platforms and outcomes, and the owned-string lifetime of an hndReply
 * (init, free, confidence band). Kept apart from the handler so renderers
 * and transports can use replies without pulling in the matcher. */
#include "base/reply.h"

#include <stdlib.h>
#include <string.h>

const char *platformName(cbPlatform p) {
    switch (p) {
    case PLATFORM_CONSOLE: return "console";
    case PLATFORM_SLACK: return "slack";
    case PLATFORM_DISCORD: return "discord";
    }
    return "unknown";
}

const char *replyOutcomeName(replyKind k) {
    switch (k) {
    case REPLY_ANSWER: return "answer";
    case REPLY_DID_YOU_MEAN: return "did_you_mean";
    case REPLY_ABSTAIN: return "abstain";
    case REPLY_CHITCHAT: return "chitchat";
    case REPLY_INFO: return "info";
    case REPLY_ERROR: return "error";
    }
    return "error";
}

void replyInit(hndReply *r) {
    memset(r, 0, sizeof(*r));
    r->kind = REPLY_ERROR;
}

static void replyFreeRefs(replyRef *v, size_t n) {
    for (size_t i = 0; i < n; i++) {
        free(v[i].id);
        free(v[i].question);
    }
    free(v);
}

void replyFree(hndReply *r) {
    if (!r) return;
    free(r->entry_id);
    free(r->redirect);
    free(r->title);
    free(r->summary);
    free(r->body);
    for (size_t i = 0; i < r->nsources; i++) {
        free(r->sources[i].title);
        free(r->sources[i].url);
        free(r->sources[i].publisher);
        free(r->sources[i].date);
    }
    free(r->sources);
    for (size_t i = 0; i < r->nlinks; i++) {
        free(r->links[i].title);
        free(r->links[i].url);
    }
    free(r->links);
    replyFreeRefs(r->suggestions, r->nsuggestions);
    replyFreeRefs(r->related, r->nrelated);
    for (size_t i = 0; i < r->nhits; i++) free(r->hits[i].id);
    free(r->hits);
    free(r->normalized);
    free(r->topic);
    replyInit(r);
}

const char *replyConfidenceBand(double confidence) {
    if (confidence >= 0.8) return "high";
    if (confidence >= 0.5) return "medium";
    return "low";
}
