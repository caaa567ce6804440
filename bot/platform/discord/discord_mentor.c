/* discord_mentor.c - hand-offs to human mentors on Discord: "Ask a
 * mentor" under a declined answer (or after a 👎) is acknowledged to the
 * asker at once (an ephemeral interaction response with a Cancel button),
 * then the question is posted to discord.mentors_channel (POST
 * /channels/{id}/messages). A mentor's reply to that post
 * (message_reference) or in a thread started from it (a thread's channel
 * id is the id of the message it started from) goes back once to the
 * asker as a DM (POST /users/@me/channels, then a message there), with the
 * mentor's name. The decisions are app.h's appMentor*; this file renders
 * and sends, with allowed_mentions {"parse": []} on everything. */
#include <stdlib.h>
#include <string.h>

#include "base/common.h"
#include "base/log.h"
#include "platform/discord/discord_int.h"
#include "render/action.h"
#include "render/render.h"

#define DC_CALLBACK_MESSAGE 4
#define DC_CALLBACK_UPDATE 7

const char *dcMentorOffer(discord *d, const appMentorAsk *ask, char token[APP_MENTOR_TOKEN]) {
    return appMentorOffer(d->a, ask, token) ? token : NULL;
}

typedef struct dcAsk { /* a request waiting for its post */
    char token[APP_MENTOR_TOKEN];
    char *app_id, *itoken; /* for a follow-up if the post fails (itoken: secret) */
} dcAsk;

static void dcAskFree(dcAsk *k) {
    cbFreeN(3, k->app_id, k->itoken, k);
}

/* The message id Discord gave a created message (caller frees), or NULL. */
static char *dcCreatedId(const httpResponse *res) {
    if (res->status < 200 || res->status >= 300 || !res->body) return NULL;
    json_t *j = json_loadb(res->body, res->body_len, 0, NULL);
    const char *id = json_string_value(json_object_get(j, "id"));
    char *out = discordIsSnowflake(id) ? cbStrdup(id) : NULL;
    json_decref(j);
    return out;
}

static void dcOnMentorPosted(discord *d, dcReq *q, const httpResponse *res) {
    dcAsk *k = q->ud;
    if (!d) {
        dcAskFree(k);
        return;
    }
    char *post = dcCreatedId(res);
    appMentorPosted(d->a, PLATFORM_DISCORD, k->token, post);
    if (!post && !d->fatal) { /* tell the asker, privately, in a follow-up */
        dcCheckResponse(d, q, res);
        char route[96];
        snprintf(route, sizeof route, "POST /webhooks/%s", k->app_id);
        dcCall(d, dcReqNew("mentor_followup", q->channel), "POST",
               cbSprintf("%s/webhooks/%s/%s", d->api, k->app_id, k->itoken),
               renderDiscordNotice(appMentorVerdictText(MENTOR_FAILED)), route, NULL);
    }
    free(post);
    dcAskFree(k);
}

static void dcMentorAsk(discord *d, const dcInteraction *in, const char *token, int named) {
    appMentorPost p;
    appMentorVerdict v = appMentorRequest(d->a, PLATFORM_DISCORD, token, in->user, named, &p);
    if (v != MENTOR_OK) {
        dcInteractionCallback(d, in, DC_CALLBACK_MESSAGE, renderDiscordNotice(appMentorVerdictText(v)));
        return;
    }
    renderHandoff h = {.question = p.question, .asker_id = p.asker_id, .token = token};
    dcInteractionCallback(d, in, DC_CALLBACK_MESSAGE, renderDiscordHandoffAck(&h));
    dcAsk *k = cbCalloc(1, sizeof *k);
    snprintf(k->token, sizeof k->token, "%s", token);
    k->app_id = cbStrdup(in->app_id);
    k->itoken = cbStrdup(in->token);
    char route[96];
    snprintf(route, sizeof route, "POST /channels/%s/messages", p.channel);
    dcReq *q = discordIsSnowflake(p.channel) ? dcReqNew("mentor_post", p.channel) : NULL;
    if (q) q->ud = k;
    if (!q || dcCall(d, q, "POST", cbSprintf("%s/channels/%s/messages", d->api, p.channel),
                     renderDiscordHandoffPost(&h), route, dcOnMentorPosted) != CB_OK) {
        appMentorPosted(d->a, PLATFORM_DISCORD, token, NULL);
        dcAskFree(k);
    }
    appMentorPostFree(&p);
}

static void dcMentorCancel(discord *d, const dcInteraction *in, const char *token) {
    char *post = NULL;
    int ok = appMentorCancel(d->a, PLATFORM_DISCORD, token, in->user, &post);
    json_t *note = renderDiscordNotice(renderHandoffCancelText(ok));
    if (ok) json_object_del(note, "flags"); /* an update keeps the note's own (ephemeral) flags */
    dcInteractionCallback(d, in, ok ? DC_CALLBACK_UPDATE : DC_CALLBACK_MESSAGE, note);
    const char *channel = appMentorsChannel(d->a, PLATFORM_DISCORD);
    if (ok && discordIsSnowflake(post) && discordIsSnowflake(channel)) { /* tell the mentors */
        json_t *edit = renderDiscordNotice(RENDER_HANDOFF_WITHDRAWN);
        json_object_del(edit, "flags");
        json_object_set_new(edit, "embeds", json_array());
        char route[96];
        snprintf(route, sizeof route, "PATCH /channels/%s/messages", channel);
        dcCall(d, dcReqNew("mentor_withdrawn", channel), "PATCH",
               cbSprintf("%s/channels/%s/messages/%s", d->api, channel, post), edit, route, NULL);
    }
    free(post);
}

void dcMentorClick(discord *d, const dcInteraction *in, int kind, const char *token) {
    if (kind == ACTION_MENTOR_CANCEL) dcMentorCancel(d, in, token);
    else dcMentorAsk(d, in, token, kind == ACTION_MENTOR_NAMED);
}

/* ---- the mentor's reply, relayed by DM ---- */

/* The DM channel is open: send the relay (q->ud, a message) there. */
static void dcOnDmOpened(discord *d, dcReq *q, const httpResponse *res) {
    json_t *msg = q->ud;
    char *dm = d && !d->fatal ? dcCreatedId(res) : NULL;
    if (d && !d->fatal && !dm) dcCheckResponse(d, q, res);
    if (dm) {
        char route[96];
        snprintf(route, sizeof route, "POST /channels/%s/messages", dm);
        dcCall(d, dcReqNew("mentor_relay", dm), "POST",
               cbSprintf("%s/channels/%s/messages", d->api, dm), json_incref(msg), route, NULL);
    }
    free(dm);
    json_decref(msg);
}

static void dcRelay(discord *d, const appMentorRelay *r) {
    if (!discordIsSnowflake(r->user)) return;
    renderHandoff h = {.question = r->question, .mentor = r->mentor, .answer = r->answer};
    dcReq *q = dcReqNew("mentor_dm", NULL);
    q->ud = renderDiscordHandoffRelay(&h);
    json_t *ud = q->ud;
    if (dcCall(d, q, "POST", cbSprintf("%s/users/@me/channels", d->api),
               json_pack("{s:s}", "recipient_id", r->user), "POST /users/@me/channels",
               dcOnDmOpened) != CB_OK)
        json_decref(ud);
}

/* The name mentors know: the server nickname, else the display name, else
 * the username. */
static const char *dcAuthorName(json_t *m) {
    json_t *author = json_object_get(m, "author");
    const char *names[] = {json_string_value(json_object_get(json_object_get(m, "member"), "nick")),
                           json_string_value(json_object_get(author, "global_name")),
                           json_string_value(json_object_get(author, "username"))};
    for (size_t i = 0; i < CB_ARRAY_LEN(names); i++)
        if (names[i] && *names[i]) return names[i];
    return NULL;
}

int dcMentorMessage(discord *d, json_t *m) {
    const char *mentors = appMentorsChannel(d->a, PLATFORM_DISCORD);
    json_t *author = json_object_get(m, "author");
    const char *author_id = json_string_value(json_object_get(author, "id"));
    const char *channel = json_string_value(json_object_get(m, "channel_id"));
    if (!mentors || !json_string_value(json_object_get(m, "guild_id")) || !author_id || !channel)
        return 0;
    int in_mentors = strcmp(channel, mentors) == 0;
    if (json_is_true(json_object_get(author, "bot")) || json_object_get(m, "webhook_id") ||
        (d->user_id && strcmp(author_id, d->user_id) == 0))
        return in_mentors; /* bots, and the bot itself, are never relayed */
    appMentorReply in = {
        .posts = {json_string_value(json_object_get(json_object_get(m, "message_reference"), "message_id")),
                  channel /* a thread started from the post has the post's id */},
        .mentor_user = author_id,
        .mentor_name = dcAuthorName(m),
        .text = json_string_value(json_object_get(m, "content")),
    };
    appMentorRelay r;
    int rc = appMentorReplied(d->a, PLATFORM_DISCORD, &in, &r);
    if (rc > 0) dcRelay(d, &r);
    appMentorRelayFree(&r);
    return in_mentors || rc >= 0;
}
