/* discord_interactions.c - INTERACTION_CREATE: the /faq slash command
 * (callback type 4 with the rendered answer, ephemeral when configured),
 * autocomplete on its question option (type 8 with up to 25 entries from
 * appComplete, answered without touching anything slow) and buttons
 * ("show:<id>" -> the answer, ephemeral; "vote:up|down:<id>" -> appVote,
 * then type 7 replacing the buttons with a thank-you line, or type 6 at
 * once and a PATCH of the original message when the commit is slow).
 * Interaction tokens are secrets: they only ever appear in request URLs,
 * which are never logged. */
#include <stdlib.h>
#include <string.h>

#include "base/common.h"
#include "platform/discord/discord_int.h"
#include "base/log.h"
#include "render/action.h"
#include "render/render.h"

#define DC_CALLBACK_MESSAGE 4
#define DC_CALLBACK_DEFERRED_UPDATE 6
#define DC_CALLBACK_UPDATE 7
#define DC_CALLBACK_AUTOCOMPLETE 8
#define DC_MAX_CHOICES 25

void dcInteractionCallback(discord *d, const dcInteraction *in, int type, json_t *data) {
    json_t *body = json_pack("{s:i}", "type", type);
    if (data) json_object_set_new(body, "data", data);
    char route[96];
    snprintf(route, sizeof route, "POST /interactions/%s/callback", in->id);
    dcReq *q = dcReqNew("interaction_callback", in->channel);
    dcCall(d, q, "POST", cbSprintf("%s/interactions/%s/%s/callback", d->api, in->id, in->token), body,
           route, NULL);
}

static void dcRespondReply(discord *d, const dcInteraction *in, const hndReply *r, int ephemeral) {
    renderOpts o = {.ephemeral = ephemeral, .show_votes = r->kind == REPLY_ANSWER};
    dcInteractionCallback(d, in, DC_CALLBACK_MESSAGE, renderDiscord(r, &o));
}

static void dcOnCommand(discord *d, const dcInteraction *in) {
    const char *name = json_string_value(json_object_get(in->data, "name"));
    if (!name || strcmp(name, "faq") != 0) {
        logEvent(LOG_WARN, "discord.unknown_command", "name=%s", name ? name : "-");
        return;
    }
    json_t *opts = json_object_get(in->data, "options");
    char *text = discordFaqText(opts);
    hndReply r;
    int eph = d->o.slash_ephemeral;
    /* an autocomplete choice's value is an entry id: the handler shows it */
    hndRequest req = {
        .platform = PLATFORM_DISCORD, .text = text, .len = strlen(text), .user = in->user,
        .channel = in->channel, .is_command = 1, .is_dm = in->guild == NULL,
    };
    /* cooling down: an interaction must still be answered; privately */
    int answered = appAnswer(d->a, &req, &r);
    if (!answered) eph = 1;
    char token[APP_MENTOR_TOKEN];
    appMentorAsk ask = {.platform = PLATFORM_DISCORD, .user = in->user, .channel = in->channel,
                        .question = text};
    renderOpts o = {.ephemeral = eph, .show_votes = r.kind == REPLY_ANSWER,
                    .mentor_token = answered && (r.kind == REPLY_ABSTAIN || r.kind == REPLY_DID_YOU_MEAN)
                                        ? dcMentorOffer(d, &ask, token) : NULL};
    dcInteractionCallback(d, in, DC_CALLBACK_MESSAGE, renderDiscord(&r, &o));
    replyFree(&r);
    free(text);
}

/* A copy of s cut to at most max bytes on a UTF-8 boundary (<= max chars). */
static char *dcCut(const char *s, size_t max) {
    size_t n = strlen(s);
    if (n <= max) return cbStrdup(s);
    while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80) max--;
    return cbStrndup(s, max);
}

static void dcOnAutocomplete(discord *d, const dcInteraction *in) {
    const char *opt = NULL;
    const char *v = discordFocusedValue(json_object_get(in->data, "options"), &opt);
    json_t *choices = json_array();
    if (strcmp(opt, "question") == 0) {
        replyRef hits[DC_MAX_CHOICES];
        size_t n = appComplete(d->a, PLATFORM_DISCORD, v, DC_MAX_CHOICES, hits);
        for (size_t i = 0; i < n; i++) {
            if (strlen(hits[i].id) > 100) continue;
            char *q = dcCut(hits[i].question, 100);
            json_array_append_new(choices, json_pack("{s:s,s:s}", "name", q, "value", hits[i].id));
            free(q);
        }
        appCompleteFree(hits, n);
    }
    dcInteractionCallback(d, in, DC_CALLBACK_AUTOCOMPLETE, json_pack("{s:o}", "choices", choices));
}

/* The thanks for a vote; after a 👎, with "Ask a mentor" (mentor: token). */
static json_t *dcThanks(int ok, const char *mentor) {
    json_t *msg = json_pack("{s:s,s:[],s:{s:[]}}", "content",
                            ok ? "Thanks for the feedback!" : "Sorry, your feedback could not be saved. Please try again later.",
                            "components", "allowed_mentions", "parse");
    if (ok && mentor) json_array_append_new(json_object_get(msg, "components"), renderDiscordMentorRow(mentor));
    return msg;
}

/* A button vote: committed by the app, acknowledged to Discord; when the
 * commit is slow, the message is edited once both are done. */
typedef struct dcVote {
    outboxHold *hold; /* in flight until the last of the two */
    char *iid, *app_id, *channel, *user, *entry;
    char *itoken;     /* interaction token (secret) */
    int vote_done, vote_ok, deferred, helpful;
    int ack_done, ack_ok; /* the type 6 acknowledgement went out (and was 2xx) */
    char token[APP_MENTOR_TOKEN];
} dcVote;

static void dcVoteFree(dcVote *v) {
    outboxRelease(v->hold);
    cbFreeN(7, v->iid, v->app_id, v->channel, v->itoken, v->user, v->entry, v);
}

/* After a committed 👎: a hand-off to offer with the thanks, or NULL. */
static const char *dcVoteMentor(discord *d, dcVote *v) {
    if (v->helpful || !v->vote_ok) return NULL;
    appMentorAsk ask = {.platform = PLATFORM_DISCORD, .user = v->user, .channel = v->channel,
                        .voted_entry = v->entry};
    return dcMentorOffer(d, &ask, v->token);
}

/* Both the acknowledgement and the commit are done: edit the message. */
static void dcVoteFinish(dcVote *v) {
    discord *d = outboxHoldOwner(v->hold);
    if (d && !d->fatal && v->ack_ok) {
        char route[96];
        snprintf(route, sizeof route, "PATCH /webhooks/%s/%s", v->app_id, v->iid);
        dcReq *q = dcReqNew("vote_followup", v->channel);
        dcCall(d, q, "PATCH", cbSprintf("%s/webhooks/%s/%s/messages/@original", d->api, v->app_id, v->itoken),
               dcThanks(v->vote_ok, dcVoteMentor(d, v)), route, NULL);
    }
    dcVoteFree(v);
}

/* The deferred acknowledgement of a vote finished (d may be NULL). */
static void dcOnVoteAcked(discord *d, dcReq *ack, const httpResponse *res) {
    dcVote *v = ack->ud;
    v->ack_done = 1;
    v->ack_ok = res->status >= 200 && res->status < 300;
    if (d && !d->fatal && !v->ack_ok) dcCheckResponse(d, ack, res);
    if (v->vote_done) dcVoteFinish(v); /* else the commit's callback finishes */
}

static void dcOnVoteDone(int ok, void *ud) {
    dcVote *v = ud;
    v->vote_done = 1;
    v->vote_ok = ok;
    if (!v->deferred) return; /* answered synchronously: dcOnVote replies */
    if (v->ack_done) dcVoteFinish(v); /* else the acknowledgement's callback finishes */
}

/* Acknowledge a button click now (type 6); the message is edited when the
 * vote is committed and this acknowledgement has reached Discord. */
static void dcDeferVote(discord *d, const dcInteraction *in, dcVote *v) {
    char route[96];
    snprintf(route, sizeof route, "POST /interactions/%s/callback", in->id);
    dcReq *q = dcReqNew("interaction_callback", in->channel);
    q->ud = v;
    if (dcCall(d, q, "POST", cbSprintf("%s/interactions/%s/%s/callback", d->api, in->id, in->token),
               json_pack("{s:i}", "type", DC_CALLBACK_DEFERRED_UPDATE), route, dcOnVoteAcked) != CB_OK) {
        v->ack_done = 1; /* not sent: nothing to edit later */
        v->ack_ok = 0;
    }
}

static void dcOnVote(discord *d, const dcInteraction *in, const char *entry, int helpful) {
    dcVote *v = cbCalloc(1, sizeof *v);
    v->hold = outboxHoldNew(d->ob);
    v->iid = cbStrdup(in->id);
    v->itoken = cbStrdup(in->token);
    v->app_id = cbStrdup(in->app_id);
    v->channel = cbStrdup(in->channel);
    v->user = cbStrdup(in->user);
    v->entry = cbStrdup(entry);
    v->helpful = helpful;
    int rc = appVote(d->a, PLATFORM_DISCORD, in->user, in->message, entry, helpful,
                     dcOnVoteDone, v);
    if (v->vote_done || rc != CB_OK) { /* committed (or failed) already: answer in one go */
        int ok = rc == CB_OK && v->vote_ok;
        json_t *thanks = dcThanks(ok, ok ? dcVoteMentor(d, v) : NULL);
        dcVoteFree(v);
        dcInteractionCallback(d, in, DC_CALLBACK_UPDATE, thanks);
        return;
    }
    v->deferred = 1; /* the commit is pending: acknowledge now, edit when it is done */
    dcDeferVote(d, in, v);
}

static void dcOnComponent(discord *d, const dcInteraction *in) {
    const char *id = NULL;
    actionKind k = actionDecode(json_string_value(json_object_get(in->data, "custom_id")), &id);
    if (k == ACTION_SHOW) {
        hndReply r;
        appNoteChoice(d->a, PLATFORM_DISCORD, in->user, id);
        appShow(d->a, id, &r);
        dcRespondReply(d, in, &r, 1);
        replyFree(&r);
    } else if (k == ACTION_FULL) { /* under a summary: the whole entry, to the clicker only */
        hndReply r;
        appShow(d->a, id, &r);
        renderOpts o = {.ephemeral = 1, .full = 1, .show_votes = r.kind == REPLY_ANSWER};
        dcInteractionCallback(d, in, DC_CALLBACK_MESSAGE, renderDiscord(&r, &o));
        replyFree(&r);
    } else if (actionIsVote(k) && discordIsSnowflake(in->app_id)) {
        dcOnVote(d, in, id, k == ACTION_VOTE_UP);
    } else if (actionIsMentor(k)) {
        dcMentorClick(d, in, (int)k, id);
    } else {
        logEvent(LOG_WARN, "discord.unknown_component", "type=%lld",
                 (long long)json_integer_value(json_object_get(in->data, "component_type")));
    }
}

void dcOnInteraction(discord *d, json_t *i) {
    json_t *member_user = json_object_get(json_object_get(i, "member"), "user");
    json_t *user = member_user ? member_user : json_object_get(i, "user");
    dcInteraction in = {
        .id = json_string_value(json_object_get(i, "id")),
        .token = json_string_value(json_object_get(i, "token")),
        .app_id = json_string_value(json_object_get(i, "application_id")),
        .channel = json_string_value(json_object_get(i, "channel_id")),
        .guild = json_string_value(json_object_get(i, "guild_id")),
        .user = json_string_value(json_object_get(user, "id")),
        .message = json_string_value(json_object_get(json_object_get(i, "message"), "id")),
        .data = json_object_get(i, "data"),
    };
    if (!in.app_id) in.app_id = d->app_id;
    if (!discordIsSnowflake(in.id) || !discordIsToken(in.token) || !json_is_object(in.data)) {
        logEvent(LOG_WARN, "discord.bad_interaction", "id=%s", discordIsSnowflake(in.id) ? in.id : "-");
        return;
    }
    if (in.channel && !discordIsSnowflake(in.channel)) in.channel = NULL;
    if (in.message && !discordIsSnowflake(in.message)) in.message = NULL;
    switch (json_integer_value(json_object_get(i, "type"))) {
    case 2: dcOnCommand(d, &in); break;
    case 3: dcOnComponent(d, &in); break;
    case 4: dcOnAutocomplete(d, &in); break;
    default: logEvent(LOG_DEBUG, "discord.ignored_interaction", "type=%lld",
                      (long long)json_integer_value(json_object_get(i, "type")));
    }
}
