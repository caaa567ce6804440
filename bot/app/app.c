/* app.c - what every transport calls through app.h's door: answer a
 * question (cooldowns, handler, metrics, history), show an entry, record a
 * vote, stop on a fatal platform error; and, for the process, reload the
 * knowledge. Keeping this in one place means Slack, Discord and the
 * console are measured and remembered the same way. The rest of the door
 * (options, loop, channel lists, autocomplete, stop) is app_transport.c. */
#include "app/process.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/common.h"
#include "base/log.h"
#include "base/redact.h"
#include "handlers/handler.h"
#include "ops/metrics.h"

#define APP_MAX_SUGGESTIONS 3

static const char *outcomeMetric(replyKind k) {
    switch (k) {
    case REPLY_ANSWER: return "answered";
    case REPLY_DID_YOU_MEAN: return "did_you_mean";
    case REPLY_ABSTAIN: return "abstained";
    case REPLY_CHITCHAT: return "chitchat";
    case REPLY_INFO: return "info";
    case REPLY_ERROR: return "error";
    }
    return "error";
}

static const char *channelKind(const hndRequest *req) {
    if (req->platform == PLATFORM_CONSOLE) return "console";
    if (req->is_command) return "command";
    return req->is_dm ? "dm" : "channel";
}

/* [{"id": ..., "confidence": ...}] of what the reply considered. */
/* {"id":ID,"confidence":C} after sep (as json_dumps writes it); nothing
 * for what json_pack would refuse (no id, a confidence that is no number). */
static void candidateJson(cbBuf *b, const char *id, double confidence, int *first) {
    if (!id || !isfinite(confidence)) return;
    bufAppendStr(b, *first ? "{\"id\":" : ",{\"id\":");
    bufJsonStr(b, id);
    bufAppendStr(b, ",\"confidence\":");
    bufJsonReal(b, confidence);
    bufAppendStr(b, "}");
    *first = 0;
}

/* The reply's candidates for the history, a JSON array. */
static char *candidatesJson(const hndReply *r) {
    cbBuf b;
    bufInit(&b, (size_t)1 << 20);
    int first = 1;
    bufAppendStr(&b, "[");
    if (r->kind == REPLY_ANSWER) candidateJson(&b, r->entry_id, r->confidence, &first);
    for (size_t i = 0; i < r->nsuggestions; i++)
        candidateJson(&b, r->suggestions[i].id, r->suggestions[i].confidence, &first);
    bufAppendStr(&b, "]");
    return bufDetach(&b);
}

static void recordQuestion(cbApp *a, const hndRequest *req, const hndReply *r) {
    if (!a->hist) return;
    if (r->kind != REPLY_ANSWER && r->kind != REPLY_DID_YOU_MEAN && r->kind != REPLY_ABSTAIN)
        return;
    char *question = cbStrndup(req->text, req->len);
    if (!a->feedback) a->feedback = fbNew(0);
    int rephrase = fbOnQuestion(a->feedback, platformName(req->platform), req->user, question,
                                r->kind == REPLY_ANSWER ? r->entry_id : NULL, cbWallTime());
    char *cands = candidatesJson(r);
    histQuestion q = {
        .time = cbWallTime(),
        .platform = platformName(req->platform),
        .channel_kind = channelKind(req),
        .user = req->user ? req->user : "",
        .question = question,
        .normalized = r->normalized ? r->normalized : "",
        /* a redirect was declined on purpose, saying where to ask: not a
         * gap in the knowledge for the report to list */
        .outcome = r->redirect ? "redirect" : replyOutcomeName(r->kind),
        .entry_id = r->entry_id,
        .confidence = r->kind == REPLY_ANSWER ? r->confidence
                      : r->nsuggestions       ? r->suggestions[0].confidence
                                              : 0.0,
        .candidates_json = cands,
        .keep_text = rephrase && r->kind == REPLY_ANSWER, /* what a 👎 taught */
    };
    if (histRecordQuestion(a->hist, &q, a->cfg.review_threshold) != CB_OK) metricsHistoryError();
    free(cands);
    free(question);
}

void appLimitsInit(cbApp *a) {
    cdInit(&a->cool_user, a->cfg.user_cooldown * 1000.0, APP_COOLDOWN_KEYS);
    cdInit(&a->cool_channel, a->cfg.channel_cooldown * 1000.0, APP_COOLDOWN_KEYS);
}

void appLimitsFree(cbApp *a) {
    cdFree(&a->cool_user);
    cdFree(&a->cool_channel);
}

/* Cooldowns: the worse verdict of the user's and the channel's (DMs have
 * only the user's); both tables learn what was done. */
static coolVerdict appCooldown(cbApp *a, const hndRequest *req, double *wait_s) {
    if (req->platform == PLATFORM_CONSOLE || !a->cool_user.slots) return COOL_ALLOW;
    a->cool_user.cooldown_ms = a->cfg.user_cooldown * 1000.0; /* follows a config reload */
    a->cool_channel.cooldown_ms = a->cfg.channel_cooldown * 1000.0;
    char ukey[256], ckey[256];
    snprintf(ukey, sizeof ukey, "%s:%s", platformName(req->platform), req->user ? req->user : "");
    snprintf(ckey, sizeof ckey, "%s:%s", platformName(req->platform), req->channel ? req->channel : "");
    int channel = req->channel && !req->is_dm;
    double now = cbNowMs();
    coolVerdict v = req->user ? cdCheck(&a->cool_user, ukey, now) : COOL_ALLOW;
    if (channel) v = cdWorse(v, cdCheck(&a->cool_channel, ckey, now));
    if (v == COOL_SILENT) return v;
    double wu = req->user ? cdWaitSeconds(&a->cool_user, ukey, now) : 0;
    double wc = channel ? cdWaitSeconds(&a->cool_channel, ckey, now) : 0;
    *wait_s = wu > wc ? wu : wc;
    if (req->user) cdRecord(&a->cool_user, ukey, now, v);
    if (channel) cdRecord(&a->cool_channel, ckey, now, v);
    return v;
}

static void slowDownReply(hndReply *out, double wait_s) {
    replyInit(out);
    out->kind = REPLY_INFO;
    out->body = cbSprintf("You are asking faster than I can answer well. Please wait about %.0f "
                          "second%s and ask again; I will stay quiet until then.",
                          wait_s < 1 ? 1 : wait_s, wait_s < 1.5 ? "" : "s");
}

/* A token pasted into a question reaches neither the engine, the history
 * nor the log: the question is scrubbed once, here. */
int appAnswer(cbApp *a, const hndRequest *raw, hndReply *out) {
    assert(a->k != NULL);
    double wait_s = 0;
    coolVerdict cv = appCooldown(a, raw, &wait_s);
    if (cv != COOL_ALLOW) {
        slowDownReply(out, wait_s);
        metricsCooldown(platformName(raw->platform), cv == COOL_WARN ? "warned" : "silenced");
        logEvent(LOG_INFO, "cooldown", "platform=%s action=%s", platformName(raw->platform),
                 cv == COOL_WARN ? "warned" : "silenced");
        return cv == COOL_WARN;
    }
    double t0 = cbNowUs();
    char *text = cbMalloc(raw->len + 1);
    memcpy(text, raw->text, raw->len);
    int hits = 0;
    size_t len = redactBytes(text, raw->len, &hits);
    hndRequest scrubbed = *raw;
    const hndRequest *req = raw;
    if (hits) {
        scrubbed.text = text;
        scrubbed.len = len;
        req = &scrubbed;
    }
    hndContext ctx = {.k = a->k, .max_suggestions = APP_MAX_SUGGESTIONS};
    hndHandle(&ctx, req, out);
    double seconds = (cbNowUs() - t0) / 1e6;
    metricsQuestion(platformName(req->platform), outcomeMetric(out->kind), seconds);
    recordQuestion(a, req, out);
    /* log.question_text logs the text at info; otherwise only debug shows it. */
    logLevel lv = a->cfg.log_question_text ? LOG_INFO : LOG_DEBUG;
    if (lv >= logGetLevel()) {
        char *q = cbStrndup(req->text, req->len < 300 ? req->len : 300);
        logEvent(lv, "question", "platform=%s outcome=%s entry=%s confidence=%.3f text=\"%s\"",
                 platformName(req->platform), replyOutcomeName(out->kind),
                 out->entry_id ? out->entry_id : "-", out->confidence, q);
        free(q);
    }
    free(text);
    return 1;
}

void appShow(cbApp *a, const char *id, hndReply *out) {
    hndContext ctx = {.k = a->k, .max_suggestions = APP_MAX_SUGGESTIONS};
    hndShow(&ctx, id, out);
}

/* The question that got a 👎, kept with the entry that answered it. */
static void recordDownVoted(cbApp *a, cbPlatform p, const char *user, const char *message,
                            const char *entry_id) {
    char *text = fbOnDownVote(a->feedback, platformName(p), user, entry_id, cbWallTime());
    if (!text) return;
    histQuestion q = {.time = cbWallTime(), .platform = platformName(p), .channel_kind = "vote",
                      .user = user ? user : "", .question = text, .normalized = "",
                      .outcome = "voted_down", .entry_id = entry_id, .candidates_json = "[]",
                      .message = message};
    if (histRecordQuestion(a->hist, &q, a->cfg.review_threshold) != CB_OK) metricsHistoryError();
    free(text);
}

void appNoteChoice(cbApp *a, cbPlatform p, const char *user, const char *entry_id) {
    if (!a->hist || !entry_id || !a->k || !kbFindEntry(a->k->kb, entry_id)) return;
    if (histRecordClick(a->hist, cbWallTime(), platformName(p), user ? user : "", entry_id) !=
        CB_OK)
        metricsHistoryError();
}

void appFreeFeedback(cbApp *a) {
    fbFree(a->feedback);
    a->feedback = NULL;
}

int appVote(cbApp *a, cbPlatform p, const char *user, const char *message, const char *entry_id,
            int helpful, appVoteDoneFn *done, void *ud) {
    if (!entry_id || !a->k || !kbFindEntry(a->k->kb, entry_id)) {
        logEvent(LOG_WARN, "vote.unknown_entry", "platform=%s msg=\"no such entry in the knowledge\"",
                 platformName(p));
        return CB_ERR;
    }
    metricsVote(platformName(p), helpful);
    if (!a->hist) { /* nothing to commit: acknowledge right away */
        if (done) done(1, ud);
        return CB_OK;
    }
    if (!helpful) recordDownVoted(a, p, user, message, entry_id);
    histVote v = {
        .time = cbWallTime(),
        .platform = platformName(p),
        .channel_kind = p == PLATFORM_CONSOLE ? "console" : "channel",
        .user = user ? user : "",
        .entry_id = entry_id,
        .message = message,
        .helpful = helpful ? 1 : 0,
    };
    return histRecordVote(a->hist, &v, done, ud);
}

engParams appEngineParams(cbApp *a) {
    engParams p;
    engDefaultParams(&p);
    p.answer_threshold = a->cfg.answer_threshold;
    p.suggest_threshold = a->cfg.suggest_threshold;
    p.cache_dir = engCacheDir(a->cfg.cache_dir, a->cache_buf, sizeof(a->cache_buf));
    return p;
}

void appLogDiags(const cbDiags *d) {
    for (size_t i = 0; i < d->n; i++) {
        const cbDiag *g = &d->v[i];
        logEvent(g->severity == CB_DIAG_ERROR ? LOG_ERROR : LOG_WARN, "knowledge.problem",
                 "file=%s line=%d col=%d msg=\"%s\"", g->file, g->line, g->col, g->msg);
    }
}

/* The knowledge loaded; *needs_training set when it waits for a model
 * that another process trains (then it is not returned). */
static knowledge *appLoadKnowledge(cbApp *a, int *needs_training) {
    engParams p = appEngineParams(a);
    /* Once the loop serves, a model not in the cache is trained in a
     * child (app_train.c); at start-up, or when that failed, here. */
    p.cache_only = a->train_async && a->k && p.cache_dir && !a->train_inline;
    cbDiags d;
    cbDiagsInit(&d);
    knowledge *k = knowledgeLoad(a->cfg.kb_dir, &p, &d);
    appLogDiags(&d);
    cbDiagsFree(&d);
    *needs_training = k && engNeedsTraining(k->ix);
    if (!*needs_training) return k;
    knowledgeFree(k);
    char err[CB_ERRLEN];
    if (appTrainStart(a, p.cache_dir, err) == CB_OK) return NULL;
    logEvent(LOG_WARN, "knowledge.training_here", "msg=\"%s; training on the loop\"", err);
    *needs_training = 0;
    a->train_inline = 1;
    k = appLoadKnowledge(a, needs_training);
    a->train_inline = 0;
    return k;
}

int appReload(cbApp *a) {
    if (appTraining(a)) { /* the files are read again when the training ends */
        appTrainQueue(a);
        return CB_OK;
    }
    if (a->reload_sliced) return appReloadStart(a); /* app_reload.c */
    double t0 = cbNowMs(), c0 = cbCpuMs();
    int training = 0;
    knowledge *k = appLoadKnowledge(a, &training);
    if (training) return CB_OK; /* swapped when the child is done */
    appReloadStats st = {.slices = 1, .longest_ms = cbNowMs() - t0, .longest_in = "all",
                         .longest_cpu_ms = cbCpuMs() - c0};
    knowledge *old = NULL;
    int rc = appSwapKnowledge(a, k, t0, &st, &old);
    knowledgeFree(old); /* replies own their strings: nothing points into it */
    return rc;
}

int appSwapKnowledge(cbApp *a, knowledge *k, double t0, const appReloadStats *st,
                     knowledge **old) {
    *old = NULL;
    if (!k && !a->k) { /* at start: there is no old knowledge to keep */
        metricsReload(0);
        logEvent(LOG_ERROR, "knowledge.load_failed",
                 "dir=%s msg=\"the knowledge does not load; fix the errors above\"", a->cfg.kb_dir);
        return CB_ERR;
    }
    if (!k) {
        metricsReload(0);
        logEvent(LOG_ERROR, "knowledge.reload_failed",
                 "dir=%s kept_generation=%lu msg=\"the old knowledge stays live; fix the errors above\"",
                 a->cfg.kb_dir, a->k->generation);
        return CB_ERR;
    }
    double s0 = cbNowMs(), sc0 = cbCpuMs();
    k->generation = a->k ? a->k->generation + 1 : 1;
    appPrerenderBuild(a, k); /* its replies rendered before it goes live */
    double w0 = cbNowMs();
    size_t warmed = engWarm(k->ix); /* and what its first questions would build */
    logEvent(LOG_DEBUG, "knowledge.warmed", "built=%zu ms=%.1f", warmed, cbNowMs() - w0);
    *old = a->k; /* freed by the caller: a block of its own */
    a->k = k;
    metricsReload(1);
    metricsKnowledgeEntries(k->kb->nentries);
    logEvent(LOG_INFO, "knowledge.loaded",
             "dir=%s entries=%zu topics=%zu generation=%lu ms=%.1f slices=%zu longest_slice_ms=%.1f "
             "longest_slice_in=\"%s\" longest_slice_cpu_ms=%.1f swap_ms=%.1f swap_cpu_ms=%.1f",
             a->cfg.kb_dir, k->kb->nentries, k->kb->ntopics, k->generation, cbNowMs() - t0,
             st->slices, st->longest_ms, st->longest_in, st->longest_cpu_ms, cbNowMs() - s0,
             cbCpuMs() - sc0);
    return CB_OK;
}

void appFatal(cbApp *a, const char *msg) {
    if (a->exit_code == 0) a->exit_code = CB_EXIT_CONFIG;
    fprintf(stderr, "careerbot: %s\n", msg);
    appStop(a, msg);
}
