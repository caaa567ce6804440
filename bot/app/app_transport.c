/* app_transport.c - the rest of app.h's door: what a transport may ask of
 * the process besides answers and votes. Its own options (from the config
 * and the environment, so it never sees cbConfig or the other platforms'
 * secrets), the loop, the channel allow/deny lists, autocomplete over the
 * live knowledge (counted in metrics) and a graceful stop. */
#include <stdlib.h>
#include <string.h>

#include "app/process.h"
#include "base/common.h"
#include "match/engine.h"
#include "ops/metrics.h"

void appTransportOptionsFor(const cbApp *a, cbPlatform p, appTransportOptions *out) {
    const cbConfig *c = &a->cfg;
    *out = (appTransportOptions){.slash_ephemeral = c->slash_ephemeral, .shard_count = 1};
    if (p == PLATFORM_SLACK) {
        out->api_url = c->slack_api_url;
        out->token = a->secrets.slack_bot_token;
        out->app_token = a->secrets.slack_app_token;
        out->ping_interval = c->slack_ping_interval;
        out->ping_timeout = c->slack_ping_timeout;
    } else if (p == PLATFORM_CONSOLE) {
        out->history_file = c->console_history;
        out->history_size = c->console_history_size;
    } else if (p == PLATFORM_DISCORD) {
        out->api_url = c->discord_api_url;
        out->token = a->secrets.discord_token;
        out->shard_id = c->discord_shard_id;
        out->shard_count = c->discord_shard_count;
        out->project_url = c->discord_project_url;
    }
}

cbLoop *appLoop(cbApp *a) {
    return &a->loop;
}

int appChannelAllowed(const cbApp *a, cbPlatform p, const char *channel) {
    const cbConfig *c = &a->cfg;
    if (p == PLATFORM_SLACK) return cfgChannelAllowed(&c->slack_allow, &c->slack_deny, channel);
    if (p == PLATFORM_DISCORD) return cfgChannelAllowed(&c->discord_allow, &c->discord_deny, channel);
    return 1;
}

size_t appComplete(cbApp *a, cbPlatform p, const char *partial, size_t max, replyRef *out) {
    metricsAutocomplete(platformName(p));
    if (!a->k || !partial || max == 0) return 0;
    const kbEntry *stack[32];
    const kbEntry **hits = max <= CB_ARRAY_LEN(stack) ? stack : cbCalloc(max, sizeof(const kbEntry *));
    size_t n = engComplete(a->k->ix, partial, strlen(partial), max, hits);
    for (size_t i = 0; i < n; i++) {
        out[i].id = cbStrdup(hits[i]->id);
        out[i].question = cbStrdup(hits[i]->question);
        out[i].confidence = 0;
    }
    if (hits != stack) free(hits);
    return n;
}

void appCompleteFree(replyRef *refs, size_t n) {
    for (size_t i = 0; i < n; i++) {
        free(refs[i].id);
        free(refs[i].question);
        refs[i].id = refs[i].question = NULL;
    }
}

void appStop(cbApp *a, const char *why) {
    if (a->request_stop) {
        a->request_stop(a->stop_ud, why);
    } else {
        a->stopping = 1;
        loopStop(&a->loop);
    }
}
