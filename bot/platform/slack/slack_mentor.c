/* slack_mentor.c - hand-offs to human mentors on Slack: "Ask a mentor"
 * under a declined answer (or after a 👎) posts the question to
 * slack.mentors_channel with chat.postMessage, then tells the asker
 * privately (response_url, ephemeral) with a Cancel button; a reply in the
 * thread of that post (a message event with its thread_ts) goes back once
 * to the asker, as a reply in the thread where they asked (or their DM).
 * The decisions (who may click, the daily limit, the first reply only, 7
 * days) are app.h's appMentor*; this file renders and sends. */
#include <stdlib.h>
#include <string.h>

#include "base/common.h"
#include "base/log.h"
#include "platform/slack/slack_int.h"
#include "render/render.h"

const char *slkMentorOffer(slack *s, const appMentorAsk *ask, char token[APP_MENTOR_TOKEN]) {
    return appMentorOffer(s->a, ask, token) ? token : NULL;
}

/* A private note to the clicker (response_url), or nothing without one. */
static void slkMentorNote(slack *s, const char *response_url, json_t *msg) {
    if (!response_url) {
        json_decref(msg);
        return;
    }
    json_object_set_new(msg, "replace_original", json_false());
    slkRespond(s, response_url, msg);
}

typedef struct slkAsk { /* a request waiting for its post */
    char token[APP_MENTOR_TOKEN];
    char *response_url;
} slkAsk;

static void slkAskFree(void *ud) {
    slkAsk *k = ud;
    free(k->response_url);
    free(k);
}

/* The post to the mentors went out (ok, resp has its ts) or failed. */
static void slkOnMentorPosted(slack *s, slkReq *q, int ok, const char *error, json_t *resp) {
    slkAsk *k = q->ud;
    const char *channel = json_string_value(json_object_get(resp, "channel"));
    const char *ts = json_string_value(json_object_get(resp, "ts"));
    char *post = ok && ts ? cbSprintf("%s:%s", channel ? channel : q->channel, ts) : NULL;
    appMentorPosted(s->a, PLATFORM_SLACK, k->token, post);
    if (!post)
        logEvent(LOG_ERROR, "slack.mentor_post_failed", "channel=%s error=\"%s\"",
                 q->channel ? q->channel : "-", error ? error : "no ts");
    renderHandoff h = {.token = k->token};
    slkMentorNote(s, k->response_url, post ? renderSlackHandoffAck(&h)
                                           : renderSlackNotice(appMentorVerdictText(MENTOR_FAILED)));
    free(post);
}

static void slkMentorAsk(slack *s, const char *token, int named, const slkClick *k) {
    appMentorPost p;
    appMentorVerdict v = appMentorRequest(s->a, PLATFORM_SLACK, token, k->user, named, &p);
    if (v != MENTOR_OK) {
        slkMentorNote(s, k->response_url, renderSlackNotice(appMentorVerdictText(v)));
        return;
    }
    renderHandoff h = {.question = p.question, .asker_id = p.asker_id};
    json_t *msg = renderSlackHandoffPost(&h);
    json_object_set_new(msg, "channel", json_string(p.channel));
    json_object_set_new(msg, "unfurl_links", json_false());
    json_object_set_new(msg, "unfurl_media", json_false());
    slkAsk *ask = cbCalloc(1, sizeof *ask);
    snprintf(ask->token, sizeof ask->token, "%s", token);
    ask->response_url = cbStrdup(k->response_url);
    if (slkCallUd(s, "chat.postMessage", msg, slkOnMentorPosted, ask, slkAskFree) != CB_OK)
        appMentorPosted(s->a, PLATFORM_SLACK, token, NULL); /* the asker may try again */
    appMentorPostFree(&p);
}

/* The asker withdrew it: say so to them, and in the mentors' post. */
static void slkMentorCancel(slack *s, const char *token, const slkClick *k) {
    char *post = NULL;
    int ok = appMentorCancel(s->a, PLATFORM_SLACK, token, k->user, &post);
    json_t *note = renderSlackNotice(renderHandoffCancelText(ok));
    if (ok && k->response_url) {
        json_object_set_new(note, "replace_original", json_true());
        slkRespond(s, k->response_url, note);
    } else {
        slkMentorNote(s, k->response_url, note);
    }
    const char *colon = post ? strchr(post, ':') : NULL;
    if (colon) { /* "CHANNEL:ts" */
        json_t *upd = renderSlackNotice(RENDER_HANDOFF_WITHDRAWN);
        json_object_del(upd, "response_type");
        json_object_set_new(upd, "channel", json_stringn(post, (size_t)(colon - post)));
        json_object_set_new(upd, "ts", json_string(colon + 1));
        slkCall(s, "chat.update", upd, s->bot_auth, NULL);
    }
    free(post);
}

void slkMentorClick(slack *s, actionKind kind, const char *token, const slkClick *k) {
    if (kind == ACTION_MENTOR_CANCEL) slkMentorCancel(s, token, k);
    else slkMentorAsk(s, token, kind == ACTION_MENTOR_NAMED, k);
}

void slkMentorThreadReply(slack *s, const slkEvent *e) {
    char *post = cbSprintf("%s:%s", e->channel, e->thread_ts);
    appMentorReply in = {.posts = {post, NULL}, .mentor_user = e->user, .mentor_name = e->name,
                         .text = e->text};
    appMentorRelay r;
    if (appMentorReplied(s->a, PLATFORM_SLACK, &in, &r) > 0) {
        renderHandoff h = {.question = r.question, .mentor = r.mentor, .answer = r.answer};
        json_t *msg = renderSlackHandoffRelay(&h);
        /* where they asked: the thread of their mention, their DM, or (a
         * private /faq) their DM with the app, by user id */
        json_object_set_new(msg, "channel", json_string(r.channel ? r.channel : r.user));
        if (r.thread) json_object_set_new(msg, "thread_ts", json_string(r.thread));
        slkCall(s, "chat.postMessage", msg, s->bot_auth, NULL);
    }
    appMentorRelayFree(&r);
    free(post);
}
