/* app_handoff.c - hand-offs to human mentors, the part every platform
 * shares (app.h): whether a question may be offered (a mentors channel for
 * the platform, the history open, mentor.daily_limit), the checks of a
 * click (only the asker, once, within the day's limit, within 7 days),
 * and which mentor reply goes back (the first one to an open hand-off, not
 * the asker's own). State lives in the history (history_handoff.c) and
 * every step is one guarded change of state there, so a reply that
 * arrives twice, or after a restart, is relayed once. Transports only
 * render and send; metrics count every step for every platform alike. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/process.h"
#include "base/common.h"
#include "base/log.h"
#include "base/redact.h"
#include "ops/metrics.h"

#define AH_DAY_S 86400LL

long long appNow(const cbApp *a) { return a->clock ? a->clock() : cbWallTime(); }

const char *appMentorsChannel(const cbApp *a, cbPlatform p) {
    const char *c = p == PLATFORM_SLACK     ? a->cfg.slack_mentors_channel
                    : p == PLATFORM_DISCORD ? a->cfg.discord_mentors_channel
                                            : NULL;
    return c && *c ? c : NULL;
}

/* Open hand-offs older than 7 days become expired (counted). */
static void ahExpire(cbApp *a, cbPlatform p) {
    long long n = histHandoffExpire(a->hist, appNow(a));
    for (long long i = 0; i < n; i++) metricsHandoff(platformName(p), "expired");
    if (n > 0) logEvent(LOG_INFO, "mentor.expired", "count=%lld", n);
}

/* The words to hand over after a 👎: the question the user 👎'd, else
 * the question of the entry whose answer did not help. Caller frees. */
static char *ahVotedQuestion(cbApp *a, const appMentorAsk *o) {
    char *t = fbLastDownVoted(a->feedback, platformName(o->platform), o->user, appNow(a));
    if (t) return t;
    const kbEntry *e = o->voted_entry && a->k ? kbFindEntry(a->k->kb, o->voted_entry) : NULL;
    return e ? cbSprintf("(after the answer to \"%s\" did not help)", e->question) : NULL;
}

int appMentorOffer(cbApp *a, const appMentorAsk *o, char token[APP_MENTOR_TOKEN]) {
    if (!a->hist || a->cfg.mentor_daily_limit <= 0 || !appMentorsChannel(a, o->platform) ||
        !o->user || !*o->user)
        return 0;
    ahExpire(a, o->platform); /* now and then: the open ones past 7 days */
    char *q = o->question ? cbStrdup(o->question) : ahVotedQuestion(a, o);
    if (!q || !*q) {
        free(q);
        return 0;
    }
    redactText(q);
    histHandoffOfferArgs args = {.time = appNow(a), .platform = platformName(o->platform),
                                 .user = o->user, .channel = o->channel, .thread = o->thread,
                                 .question = q};
    char err[CB_ERRLEN];
    int rc = histHandoffOffer(a->hist, &args, token, err);
    free(q);
    if (rc != CB_OK) metricsHistoryError();
    return rc == CB_OK;
}

const char *appMentorVerdictText(appMentorVerdict v) {
    switch (v) {
    case MENTOR_OK: return "Sent to the mentors.";
    case MENTOR_LIMITED: return "You have asked the mentors as often as one person may today; "
                                "please try again tomorrow.";
    case MENTOR_NOT_ASKER: return "Only the person who asked this question can send it to a mentor.";
    case MENTOR_TAKEN: return "This question was already sent to the mentors.";
    case MENTOR_GONE: return "This offer has expired; please ask your question again.";
    case MENTOR_FAILED: return "Sorry, I could not send it to the mentors right now; please try "
                               "again in a minute.";
    }
    return "";
}

/* Whether x may be requested by user now (MENTOR_OK) or why not. */
static appMentorVerdict ahCheck(cbApp *a, cbPlatform p, const histHandoff *x, const char *user) {
    long long now = appNow(a);
    if (strcmp(x->platform, platformName(p)) != 0 || now - x->time > HIST_HANDOFF_TTL_S)
        return MENTOR_GONE;
    if (!user || !histHandoffIsAsker(a->hist, x, user)) return MENTOR_NOT_ASKER;
    if (strcmp(x->state, "offered") != 0) return MENTOR_TAKEN;
    long long today = histHandoffRequests(a->hist, x->platform, user, now - now % AH_DAY_S);
    if (today < 0) return MENTOR_FAILED;
    if (today >= a->cfg.mentor_daily_limit) return MENTOR_LIMITED;
    return MENTOR_OK;
}

appMentorVerdict appMentorRequest(cbApp *a, cbPlatform p, const char *token, const char *user,
                                  int named, appMentorPost *out) {
    memset(out, 0, sizeof *out);
    const char *channel = appMentorsChannel(a, p);
    histHandoff x;
    if (!a->hist || !channel || histHandoffGet(a->hist, token, &x) != CB_OK) return MENTOR_GONE;
    appMentorVerdict v = ahCheck(a, p, &x, user);
    if (v == MENTOR_OK) {
        histHandoffChange c = {.to = "requested", .time = appNow(a), .named = named ? 1 : 0};
        int moved = histHandoffMove(a->hist, x.id, &c);
        v = moved < 0 ? MENTOR_FAILED : moved ? MENTOR_OK : MENTOR_TAKEN;
    }
    if (v == MENTOR_OK) {
        out->channel = cbStrdup(channel);
        out->question = cbStrdup(x.question ? x.question : "");
        out->asker_id = named ? cbStrdup(user) : NULL;
        metricsHandoff(platformName(p), "requested");
    } else if (v == MENTOR_LIMITED) {
        metricsHandoff(platformName(p), "limited");
    }
    logEvent(LOG_INFO, "mentor.request", "platform=%s handoff=%lld named=%d verdict=%d",
             platformName(p), x.id, named ? 1 : 0, (int)v);
    histHandoffFree(&x);
    return v;
}

void appMentorPostFree(appMentorPost *out) {
    cbFreeN(3, out->channel, out->question, out->asker_id);
    memset(out, 0, sizeof *out);
}

void appMentorPosted(cbApp *a, cbPlatform p, const char *token, const char *post) {
    histHandoff x;
    if (!a->hist || histHandoffGet(a->hist, token, &x) != CB_OK) return;
    histHandoffChange c = {.to = post ? "posted" : "offered", .named = -1, .post = post};
    if (histHandoffMove(a->hist, x.id, &c) != 1)
        logEvent(LOG_WARN, "mentor.post_unrecorded", "platform=%s handoff=%lld state=%s",
                 platformName(p), x.id, x.state);
    else if (!post)
        logEvent(LOG_WARN, "mentor.post_failed", "platform=%s handoff=%lld msg=\"the asker may "
                 "try again\"", platformName(p), x.id);
    histHandoffFree(&x);
}

int appMentorCancel(cbApp *a, cbPlatform p, const char *token, const char *user, char **post) {
    *post = NULL;
    histHandoff x;
    if (!a->hist || histHandoffGet(a->hist, token, &x) != CB_OK) return 0;
    int ok = strcmp(x.platform, platformName(p)) == 0 && user && histHandoffIsAsker(a->hist, &x, user);
    histHandoffChange c = {.to = "cancelled", .named = -1};
    ok = ok && histHandoffMove(a->hist, x.id, &c) == 1;
    if (ok) {
        *post = cbStrdup(x.post);
        metricsHandoff(platformName(p), "cancelled");
        logEvent(LOG_INFO, "mentor.cancelled", "platform=%s handoff=%lld", platformName(p), x.id);
    }
    histHandoffFree(&x);
    return ok;
}

/* The open hand-off one of in->posts names; CB_ERR when none does. */
static int ahFindPost(cbApp *a, cbPlatform p, const appMentorReply *in, histHandoff *x) {
    for (size_t i = 0; i < CB_ARRAY_LEN(in->posts); i++)
        if (in->posts[i] && histHandoffByPost(a->hist, platformName(p), in->posts[i], x) == CB_OK)
            return CB_OK;
    return CB_ERR;
}

int appMentorReplied(cbApp *a, cbPlatform p, const appMentorReply *in, appMentorRelay *out) {
    memset(out, 0, sizeof *out);
    histHandoff x;
    if (!a->hist || ahFindPost(a, p, in, &x) != CB_OK) return -1;
    if (strcmp(x.state, "posted") == 0 && appNow(a) - x.requested > HIST_HANDOFF_TTL_S) {
        ahExpire(a, p); /* too late: closed, and counted, now */
        free(x.state);
        x.state = cbStrdup("expired");
    }
    int relay = in->text && *in->text;
    relay = relay && strcmp(x.state, "posted") == 0 && x.user_id && in->mentor_user &&
                !histHandoffIsAsker(a->hist, &x, in->mentor_user);
    const char *name = in->mentor_name && *in->mentor_name ? in->mentor_name : "a mentor";
    histHandoffChange c = {.to = "relayed", .time = appNow(a), .named = -1, .mentor = name,
                           .answer = in->text};
    relay = relay && histHandoffMove(a->hist, x.id, &c) == 1;
    if (relay) {
        *out = (appMentorRelay){.user = cbStrdup(x.user_id), .channel = cbStrdup(x.channel),
                                .thread = cbStrdup(x.thread), .question = cbStrdup(x.question),
                                .answer = cbStrdup(in->text), .mentor = cbStrdup(name)};
        redactText(out->answer);
        metricsHandoff(platformName(p), "relayed");
    }
    logEvent(LOG_INFO, "mentor.reply", "platform=%s handoff=%lld state=%s relayed=%d",
             platformName(p), x.id, x.state, relay);
    histHandoffFree(&x);
    return relay;
}

void appMentorRelayFree(appMentorRelay *r) {
    cbFreeN(6, r->user, r->channel, r->thread, r->question, r->answer, r->mentor);
    memset(r, 0, sizeof *r);
}
