/* slack_reply.c - what the Slack transport does with an acknowledged
 * envelope: events (mentions answered in a thread, DMs directly), /faq
 * slash commands (answered in the acknowledgement itself, as Socket Mode
 * allows, ephemeral by default with a "Share in channel" button) and button
 * clicks (show an entry, share it, vote and then thank the voter by
 * updating the message). Decisions about which events count are in
 * slack_events.c; answers come from appAnswer/appShow. */
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/common.h"
#include "base/log.h"
#include "render/action.h"
#include "render/render.h"
#include "platform/slack/slack_int.h"

static const char *slkStr(const json_t *o, const char *key) {
    const char *s = json_string_value(json_object_get(o, key));
    return s && *s ? s : NULL;
}

/* What chat.postMessage adds to a rendered message: where it goes. */
static void slkPostFields(json_t *msg, const char *channel, const char *thread) {
    json_object_set_new(msg, "channel", json_string(channel));
    if (thread) json_object_set_new(msg, "thread_ts", json_string(thread));
    json_object_set_new(msg, "unfurl_links", json_false());
    json_object_set_new(msg, "unfurl_media", json_false());
}

/* chat.postMessage msg (stolen) to channel, in thread when not NULL. */
static void slkPost(slack *s, json_t *msg, const char *channel, const char *thread) {
    slkPostFields(msg, channel, thread);
    json_object_del(msg, "response_type");
    slkCall(s, "chat.postMessage", msg, s->bot_auth, NULL);
}

/* 1 when the bot did not answer: a human mentor may. */
static int slkDeclined(const hndReply *r) {
    return r->kind == REPLY_ABSTAIN || r->kind == REPLY_DID_YOU_MEAN;
}

static char *slkRenderMention(const hndReply *r) {
    renderOpts o = {.show_votes = r->kind == REPLY_ANSWER};
    json_t *msg = renderSlack(r, &o);
    char *text = json_dumps(msg, JSON_COMPACT);
    json_decref(msg);
    return text;
}

const appRenderer slkMentionRenderer = {"slack.mention", slkRenderMention};

/* A mention's reply: an answer's payload rendered at knowledge load with
 * this message's fields spliced in, else rendered now (with the mentor
 * offer, mentor_token, of a reply that did not answer). */
static void slkPostAnswer(slack *s, const hndReply *r, const char *mentor_token,
                          const char *channel, const char *thread) {
    cbBuf fields; /* slkPostFields's members, as json_dumps writes them */
    bufInit(&fields, SLK_MAX_MESSAGE);
    bufAppendStr(&fields, "{\"channel\":");
    bufJsonStr(&fields, channel);
    if (thread) {
        bufAppendStr(&fields, ",\"thread_ts\":");
        bufJsonStr(&fields, thread);
    }
    bufAppendStr(&fields, ",\"unfurl_links\":false,\"unfurl_media\":false}");
    char *f = bufDetach(&fields);
    char *body = mentor_token ? NULL : appPrerenderedWith(s->a, &slkMentionRenderer, r, f);
    free(f);
    if (body) {
        slkCallText(s, "chat.postMessage", channel, body, s->bot_auth, NULL);
        return;
    }
    renderOpts o = {.show_votes = r->kind == REPLY_ANSWER, .mentor_token = mentor_token};
    slkPost(s, renderSlack(r, &o), channel, thread);
}

/* ---- events ---- */

void slkOnEventsApi(slack *s, slkConn *c, json_t *env) {
    json_t *p = json_object_get(env, "payload");
    const char *event_id = slkStr(p, "event_id"); /* duplicates were skipped in slkDispatch */
    slkEvent e;
    slkClassifyEvent(json_object_get(p, "event"), s->self_user, s->self_bot, &e);
    if (e.kind == SLK_IGNORE) {
        logEvent(LOG_DEBUG, "slack.ignored", "conn=%d event=%s why=%s", c->id,
                 event_id ? event_id : "-", e.why);
        return;
    }
    const char *mentors = appMentorsChannel(s->a, PLATFORM_SLACK);
    if (e.kind == SLK_THREAD) { /* never a question; maybe a mentor's answer */
        if (mentors && strcmp(e.channel, mentors) == 0) slkMentorThreadReply(s, &e);
        slkEventFree(&e);
        return;
    }
    if (e.kind == SLK_MENTION && ((mentors && strcmp(e.channel, mentors) == 0) ||
                                  !appChannelAllowed(s->a, PLATFORM_SLACK, e.channel))) {
        logEvent(LOG_INFO, "slack.ignored", "channel=%s why=%s", e.channel,
                 mentors && strcmp(e.channel, mentors) == 0 ? "mentors_channel"
                                                           : "channel_not_allowed");
        slkEventFree(&e);
        return;
    }
    outboxJob j = {.text = e.text, .user = e.user, .channel = e.channel, .thread = e.thread_ts,
                   .is_dm = e.kind == SLK_DM};
    char err[CB_ERRLEN];
    outboxQueue(s->ob, &j, err); /* a full queue is logged there */
    slkEventFree(&e);
}

void slkAnswer(void *owner, const outboxJob *j) {
    slack *s = owner;
    hndRequest req = {.platform = PLATFORM_SLACK, .text = j->text, .len = strlen(j->text),
                      .user = j->user, .channel = j->channel, .thread = j->thread,
                      .is_dm = j->is_dm};
    hndReply r;
    if (appAnswer(s->a, &req, &r)) { /* 0: cooling down, say nothing */
        char token[APP_MENTOR_TOKEN];
        appMentorAsk ask = {.platform = PLATFORM_SLACK, .user = j->user, .channel = j->channel,
                            .thread = j->thread, .question = j->text};
        const char *mentor = slkDeclined(&r) ? slkMentorOffer(s, &ask, token) : NULL;
        slkPostAnswer(s, &r, mentor, j->channel, j->thread);
    }
    replyFree(&r);
}

/* ---- /faq ---- */

void slkOnSlash(slack *s, slkConn *c, json_t *env, const char *envelope_id) {
    json_t *p = json_object_get(env, "payload");
    double now = cbNowMs();
    if (slkSeenHas(&s->seen, envelope_id, now)) {
        slkAck(c, envelope_id, NULL);
        logEvent(LOG_INFO, "slack.duplicate", "envelope=%s", envelope_id);
        return;
    }
    const char *channel = slkStr(p, "channel_id"), *text = json_string_value(json_object_get(p, "text"));
    if (channel && !appChannelAllowed(s->a, PLATFORM_SLACK, channel)) {
        slkAck(c, envelope_id, json_pack("{s:s, s:s}", "response_type", "ephemeral", "text",
                                         "Sorry, I am not enabled in this channel."));
        return;
    }
    int eph = s->o.slash_ephemeral;
    char *typed = slkPlainText(text ? text : ""); /* a command's text is escaped like a message's */
    hndRequest req = {.platform = PLATFORM_SLACK, .text = typed, .len = strlen(typed),
                      .user = slkStr(p, "user_id"), .channel = channel, .is_command = 1,
                      .is_dm = channel && channel[0] == 'D'};
    hndReply r;
    if (!appAnswer(s->a, &req, &r)) { /* cooling down: acknowledge, say nothing */
        replyFree(&r);
        free(typed);
        slkAck(c, envelope_id, NULL);
        return;
    }
    char token[APP_MENTOR_TOKEN]; /* a private /faq: the answer comes to their DM */
    appMentorAsk ask = {.platform = PLATFORM_SLACK, .user = req.user,
                        .channel = eph ? req.user : channel, .question = req.text};
    renderOpts o = {.ephemeral = eph, .show_share = eph && r.entry_id,
                    .show_votes = r.kind == REPLY_ANSWER,
                    .mentor_token = slkDeclined(&r) ? slkMentorOffer(s, &ask, token) : NULL};
    json_t *msg = renderSlack(&r, &o);
    replyFree(&r);
    free(typed); /* the mentor offer copied the question */
    if (!eph) json_object_set_new(msg, "response_type", json_string("in_channel"));
    const char *url = slkStr(p, "response_url");
    if (json_is_true(json_object_get(env, "accepts_response_payload")) || !url) {
        /* the answer travels in the ack; not acked: Slack redelivers */
        if (slkAck(c, envelope_id, msg) == CB_OK) slkSeenAdd(&s->seen, envelope_id, now);
        return;
    }
    if (slkAck(c, envelope_id, NULL) != CB_OK) {
        json_decref(msg);
        return;
    }
    slkSeenAdd(&s->seen, envelope_id, now);
    slkRespond(s, url, msg);
}

/* ---- buttons ---- */

static void slkShow(slack *s, const char *id, const slkClick *k) {
    hndReply r;
    appNoteChoice(s->a, PLATFORM_SLACK, k->user, id);
    appShow(s->a, id, &r);
    renderOpts o = {.ephemeral = k->ephemeral, .show_share = k->ephemeral && r.entry_id,
                    .show_votes = r.kind == REPLY_ANSWER};
    json_t *msg = renderSlack(&r, &o);
    replyFree(&r);
    if (k->ephemeral && k->response_url) { /* keep it private, like the original */
        json_object_set_new(msg, "replace_original", json_false());
        slkRespond(s, k->response_url, msg);
    } else if (k->channel) {
        slkPost(s, msg, k->channel, k->thread);
    } else {
        json_decref(msg);
    }
}

/* "Full answer" under a summary: the whole entry to the clicker only
 * (ephemeral through response_url), or in the thread when there is none. */
static void slkFull(slack *s, const char *id, const slkClick *k) {
    hndReply r;
    appShow(s->a, id, &r);
    renderOpts o = {.ephemeral = 1, .full = 1, .show_votes = r.kind == REPLY_ANSWER};
    json_t *msg = renderSlack(&r, &o);
    replyFree(&r);
    if (k->response_url) {
        json_object_set_new(msg, "replace_original", json_false());
        slkRespond(s, k->response_url, msg);
    } else if (k->channel) {
        json_object_del(msg, "response_type");
        slkPost(s, msg, k->channel, k->thread);
    } else {
        json_decref(msg);
    }
}

static int slkIsId(const char *s) {
    if (!s || !*s || strlen(s) > 32) return 0;
    for (; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9'))) return 0;
    return 1;
}

static void slkShare(slack *s, const char *id, const slkClick *k) {
    if (!k->channel) return;
    hndReply r;
    appShow(s->a, id, &r);
    renderOpts o = {.show_votes = r.kind == REPLY_ANSWER};
    json_t *msg = renderSlack(&r, &o);
    replyFree(&r);
    if (slkIsId(k->user)) {
        char *t = cbSprintf("Shared by <@%s>", k->user);
        json_array_append_new(json_object_get(msg, "blocks"),
                              json_pack("{s:s, s:[{s:s, s:s}]}", "type", "context", "elements",
                                        "type", "mrkdwn", "text", t));
        free(t);
    }
    slkPost(s, msg, k->channel, NULL);
}

/* A vote waiting for its commit, then thanked by editing the message. */
typedef struct slkVoteRec {
    outboxHold *hold; /* in flight until the commit is done */
    char *entry_id, *channel, *ts, *response_url, *user, *thread;
    json_t *blocks; /* the clicked message's (NULL for ephemeral ones) */
    int ephemeral, up;
    const char *mentor; /* after a 👎: the hand-off offered with the thanks */
    char token[APP_MENTOR_TOKEN];
} slkVoteRec;

static void slkVoteFree(slkVoteRec *v) {
    json_decref(v->blocks);
    cbFreeN(7, v->entry_id, v->channel, v->ts, v->response_url, v->user, v->thread, v);
}

/* The clicked message with its vote buttons replaced by a thank-you. */
static json_t *slkThanked(slack *s, const slkVoteRec *v) {
    json_t *blocks;
    if (json_is_array(v->blocks)) {
        blocks = slkThankBlocks(v->blocks);
    } else { /* ephemeral messages do not come back: draw the entry again */
        hndReply r;
        appShow(s->a, v->entry_id, &r);
        renderOpts o = {.ephemeral = v->ephemeral, .show_share = v->ephemeral && r.entry_id};
        json_t *msg = renderSlack(&r, &o);
        replyFree(&r);
        blocks = slkThankBlocks(json_object_get(msg, "blocks"));
        json_decref(msg);
    }
    if (v->mentor) json_array_append_new(blocks, renderSlackMentorButtons(v->mentor));
    return json_pack("{s:s, s:o}", "text", "Thanks for the feedback", "blocks", blocks);
}

static void slkThank(slack *s, const slkVoteRec *v) {
    json_t *msg = slkThanked(s, v);
    if (v->ephemeral && v->response_url) {
        json_object_set_new(msg, "replace_original", json_true());
        slkRespond(s, v->response_url, msg);
    } else if (v->channel && v->ts) {
        json_object_set_new(msg, "channel", json_string(v->channel));
        json_object_set_new(msg, "ts", json_string(v->ts));
        slkCall(s, "chat.update", msg, s->bot_auth, NULL);
    } else {
        json_decref(msg);
    }
}

/* The commit is done (ok) or failed; s is NULL once the transport is gone. */
static void slkOnVoted(int ok, void *ud) {
    slkVoteRec *v = ud;
    slack *s = outboxHoldOwner(v->hold);
    if (s && !ok)
        logEvent(LOG_WARN, "slack.vote_failed", "entry=%s channel=%s", v->entry_id,
                 v->channel ? v->channel : "-");
    if (s && ok && !v->up) { /* a 👎: a human mentor may help (once committed: the words are known) */
        appMentorAsk ask = {.platform = PLATFORM_SLACK, .user = v->user, .voted_entry = v->entry_id,
                            .channel = v->ephemeral ? v->user : v->channel, .thread = v->thread};
        v->mentor = slkMentorOffer(s, &ask, v->token);
    }
    if (s && ok) slkThank(s, v);
    outboxRelease(v->hold);
    slkVoteFree(v);
}

static void slkVote(slack *s, const char *id, int up, const slkClick *k) {
    slkVoteRec *v = cbCalloc(1, sizeof(*v));
    v->hold = outboxHoldNew(s->ob);
    v->entry_id = cbStrdup(id);
    v->channel = cbStrdup(k->channel);
    v->ts = cbStrdup(k->msg_ts);
    v->response_url = cbStrdup(k->response_url);
    v->ephemeral = k->ephemeral;
    v->up = up;
    v->user = cbStrdup(k->user);
    v->thread = cbStrdup(k->thread);
    v->blocks = json_incref(k->blocks);
    char *message = k->msg_ts ? cbSprintf("%s:%s", k->channel ? k->channel : "-", k->msg_ts) : NULL;
    /* CB_OK: slkOnVoted runs exactly once (maybe already); CB_ERR: never */
    int rc = appVote(s->a, PLATFORM_SLACK, k->user, message, id, up, slkOnVoted, v);
    free(message);
    if (rc != CB_OK) {
        logEvent(LOG_WARN, "slack.vote_failed", "entry=%s why=not_recorded", id);
        outboxRelease(v->hold);
        slkVoteFree(v);
    }
}

void slkOnInteractive(slack *s, slkConn *c, json_t *env) {
    json_t *p = json_object_get(env, "payload");
    const char *type = slkStr(p, "type");
    if (!type || strcmp(type, "block_actions") != 0) {
        logEvent(LOG_INFO, "slack.skipped", "conn=%d reason=interaction type=%s", c->id,
                 type ? type : "-");
        return;
    }
    json_t *act = json_array_get(json_object_get(p, "actions"), 0);
    json_t *container = json_object_get(p, "container"), *message = json_object_get(p, "message");
    const char *id;
    actionKind kind = actionDecode(slkStr(act, "action_id"), &id);
    if (kind == ACTION_NONE) kind = actionDecode(slkStr(act, "value"), &id);
    slkClick k = {
        .user = slkStr(json_object_get(p, "user"), "id"),
        .channel = slkStr(json_object_get(p, "channel"), "id"),
        .msg_ts = slkStr(message, "ts") ? slkStr(message, "ts") : slkStr(container, "message_ts"),
        .response_url = slkStr(p, "response_url"),
        .blocks = json_object_get(message, "blocks"),
        .ephemeral = json_is_true(json_object_get(container, "is_ephemeral")),
    };
    if (!k.channel) k.channel = slkStr(container, "channel_id");
    k.thread = slkStr(message, "thread_ts") ? slkStr(message, "thread_ts") : k.msg_ts;
    switch (kind) {
    case ACTION_SHOW: slkShow(s, id, &k); break;
    case ACTION_SHARE: slkShare(s, id, &k); break;
    case ACTION_FULL: slkFull(s, id, &k); break;
    case ACTION_VOTE_UP: slkVote(s, id, 1, &k); break;
    case ACTION_VOTE_DOWN: slkVote(s, id, 0, &k); break;
    case ACTION_MENTOR:
    case ACTION_MENTOR_NAMED:
    case ACTION_MENTOR_CANCEL: slkMentorClick(s, kind, id, &k); break;
    case ACTION_NONE:
        logEvent(LOG_INFO, "slack.skipped", "conn=%d reason=unknown_action", c->id);
        break;
    }
}
