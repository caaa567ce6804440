/* discord_events.c - MESSAGE_CREATE: decide whether a message is for the
 * bot (a mention in a guild channel, or any message in a DM; never a bot
 * author or itself; channel allow/deny lists), strip the mention, answer
 * through app.h and post the rendered reply as a Discord reply
 * (message_reference) with allowed_mentions {"parse": []}. Messages wait
 * in the shared outbox while DC_MAX_INFLIGHT REST calls are out, so a
 * flood costs bounded memory; the per-channel routes of http.h keep each
 * channel's replies in order. */
#include <stdlib.h>
#include <string.h>

#include "base/common.h"
#include "platform/discord/discord_int.h"
#include "base/log.h"
#include "render/render.h"

/* 1 if the bot's user id is in m.mentions[] or the content. */
static int dcMentioned(discord *d, json_t *m, const char *content) {
    size_t i;
    json_t *u;
    json_array_foreach(json_object_get(m, "mentions"), i, u) {
        const char *id = json_string_value(json_object_get(u, "id"));
        if (id && strcmp(id, d->user_id) == 0) return 1;
    }
    return discordHasMention(content, d->user_id);
}

/* Why a message is not for the bot, or NULL when it is. */
static const char *dcIgnoreWhy(discord *d, json_t *m, const char *content, const char *channel,
                               const char *guild) {
    json_t *author = json_object_get(m, "author");
    const char *author_id = json_string_value(json_object_get(author, "id"));
    if (!d->user_id) return "not_ready";
    if (!content || !channel || !author_id) return "malformed";
    if (json_is_true(json_object_get(author, "bot")) || json_object_get(m, "webhook_id")) return "bot_author";
    if (strcmp(author_id, d->user_id) == 0) return "own_message";
    if (!discordIsSnowflake(channel)) return "bad_channel";
    if (guild && !dcMentioned(d, m, content)) return "not_mentioned";
    if (guild && !appChannelAllowed(d->a, PLATFORM_DISCORD, channel))
        return "channel_not_allowed";
    if (dcChannelForbidden(d, channel)) return "channel_forbidden";
    return NULL;
}

static void dcOnReplied(discord *d, dcReq *q, const httpResponse *res) {
    if (!d || d->fatal) return;
    if (dcCheckResponse(d, q, res) == CB_OK && res->waited_ms > 0)
        logEvent(LOG_INFO, "discord.reply_delayed", "channel=%s waited_ms=%.0f", q->channel, res->waited_ms);
}

/* What a reply to a mention adds to its rendered message: the message it
 * answers. */
static void dcReplyFields(json_t *msg, const outboxJob *j) {
    if (!j->thread) return;
    json_t *ref = json_pack("{s:s,s:s,s:b}", "message_id", j->thread, "channel_id", j->channel,
                            "fail_if_not_exists", 0);
    if (j->team) json_object_set_new(ref, "guild_id", json_string(j->team));
    json_object_set_new(msg, "message_reference", ref);
}

/* A mention's reply as rendered for every message alike (mentor_token:
 * the mentor offer of a reply that did not answer, or NULL). */
static json_t *dcRenderMentionJson(const hndReply *r, const char *mentor_token) {
    renderOpts o = {.show_votes = r->kind == REPLY_ANSWER, .mentor_token = mentor_token};
    json_t *msg = renderDiscord(r, &o);
    json_object_set_new(json_object_get(msg, "allowed_mentions"), "replied_user", json_false());
    return msg;
}

static char *dcRenderMention(const hndReply *r) {
    json_t *msg = dcRenderMentionJson(r, NULL);
    char *text = json_dumps(msg, JSON_COMPACT);
    json_decref(msg);
    return text;
}

const appRenderer dcMentionRenderer = {"discord.mention", dcRenderMention};

/* The reply's body: an answer's payload rendered at knowledge load with
 * this message's fields spliced in, else rendered now. Caller frees. */
static char *dcReplyPayload(discord *d, const hndReply *r, const outboxJob *j) {
    char token[APP_MENTOR_TOKEN];
    appMentorAsk ask = {.platform = PLATFORM_DISCORD, .user = j->user, .channel = j->channel,
                        .thread = j->thread, .question = j->text};
    int declined = r->kind == REPLY_ABSTAIN || r->kind == REPLY_DID_YOU_MEAN;
    const char *mentor = declined ? dcMentorOffer(d, &ask, token) : NULL;
    json_t *fields = json_object();
    dcReplyFields(fields, j);
    char *f = json_dumps(fields, JSON_COMPACT);
    char *body = mentor ? NULL : appPrerenderedWith(d->a, &dcMentionRenderer, r, f);
    free(f);
    if (!body) {
        json_t *msg = dcRenderMentionJson(r, mentor);
        json_object_update(msg, fields);
        body = json_dumps(msg, JSON_COMPACT);
        json_decref(msg);
    }
    json_decref(fields);
    return body;
}

void dcAnswer(void *owner, const outboxJob *j) {
    discord *d = owner;
    if (d->fatal) return;
    hndRequest req = {
        .platform = PLATFORM_DISCORD,
        .text = j->text,
        .len = strlen(j->text),
        .user = j->user,
        .channel = j->channel,
        .is_dm = j->is_dm,
    };
    hndReply r;
    if (!appAnswer(d->a, &req, &r)) { /* cooling down: say nothing */
        replyFree(&r);
        return;
    }
    char *payload = dcReplyPayload(d, &r, j);
    replyFree(&r);
    char route[96];
    snprintf(route, sizeof route, "POST /channels/%s/messages", j->channel);
    dcReq *q = dcReqNew("reply", j->channel);
    dcCallText(d, q, "POST", cbSprintf("%s/channels/%s/messages", d->api, j->channel), payload, route,
               dcOnReplied);
}

void dcOnMessageCreate(discord *d, json_t *m) {
    const char *content = json_string_value(json_object_get(m, "content"));
    const char *channel = json_string_value(json_object_get(m, "channel_id"));
    const char *guild = json_string_value(json_object_get(m, "guild_id"));
    if (dcMentorMessage(d, m)) return; /* a mentor's reply, or the mentors' channel */
    const char *why = dcIgnoreWhy(d, m, content, channel, guild);
    if (why) {
        logEvent(LOG_DEBUG, "discord.ignored", "why=%s", why);
        return;
    }
    char *text = discordStripMention(content, d->user_id);
    outboxJob j = {
        .text = text,
        .user = json_string_value(json_object_get(json_object_get(m, "author"), "id")),
        .channel = channel,
        .thread = json_string_value(json_object_get(m, "id")),
        .team = guild,
        .is_dm = guild == NULL,
    };
    char err[CB_ERRLEN];
    outboxQueue(d->ob, &j, err); /* a full queue is logged there */
    free(text);
}
