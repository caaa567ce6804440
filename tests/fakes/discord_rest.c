/* discord_rest.c - the fake Discord's REST API: /gateway/bot, channel
 * messages, interaction callbacks, webhooks, application commands and
 * applications/@me, DM channels (POST /users/@me/channels; a closed DM
 * answers 403 code 50007), message edits, each shaped like Discord's (status, body, rate-limit
 * headers). Scripted 429s and 401s come from /_control. Like Discord it
 * answers a 51st request within one second (interaction endpoints not
 * counted) with a global 429 (body {"message", "retry_after", "global":
 * true}, headers Retry-After, X-RateLimit-Global, X-RateLimit-Scope:
 * global), and it requires the User-Agent Discord documents,
 * "DiscordBot ($url, $versionNumber)" (a violation otherwise). Every payload the
 * bot sends is checked (allowed_mentions parse [], no @everyone, embed and
 * component limits, interaction callback types); problems are logged as
 * kind "violation", which the tests assert never appear. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "discord_fake.h"

static size_t fdUnits(const char *s) {
    size_t u = 0;
    for (const unsigned char *p = (const unsigned char *)s; p && *p; p++)
        if ((*p & 0xC0) != 0x80) u += *p >= 0xF0 ? 2 : 1;
    return u;
}

static void fdViolation(fdState *st, const char *what, const char *why) {
    fsLogf(st->s, "violation", "{\"what\":\"%s\",\"why\":\"%s\"}", what, why);
}

static size_t fdCheckEmbed(fdState *st, json_t *e, const char *what) {
    const char *title = json_string_value(json_object_get(e, "title"));
    const char *desc = json_string_value(json_object_get(e, "description"));
    const char *foot = json_string_value(json_object_get(json_object_get(e, "footer"), "text"));
    size_t total = fdUnits(title) + fdUnits(desc) + fdUnits(foot), i;
    if (fdUnits(title) > 256) fdViolation(st, what, "embed title over 256");
    if (fdUnits(desc) > 4096) fdViolation(st, what, "embed description over 4096");
    if (!desc || !*desc) fdViolation(st, what, "embed without description");
    json_t *f, *fields = json_object_get(e, "fields");
    if (json_array_size(fields) > 25) fdViolation(st, what, "more than 25 fields");
    json_array_foreach(fields, i, f) {
        const char *n = json_string_value(json_object_get(f, "name"));
        const char *v = json_string_value(json_object_get(f, "value"));
        if (!n || !*n || fdUnits(n) > 256) fdViolation(st, what, "bad field name");
        if (!v || !*v || fdUnits(v) > 1024) fdViolation(st, what, "bad field value");
        total += fdUnits(n) + fdUnits(v);
    }
    return total;
}

static void fdCheckComponents(fdState *st, json_t *rows, const char *what) {
    size_t i, j;
    json_t *row, *b;
    if (json_array_size(rows) > 5) fdViolation(st, what, "more than 5 action rows");
    json_array_foreach(rows, i, row) {
        json_t *comps = json_object_get(row, "components");
        if (json_integer_value(json_object_get(row, "type")) != 1 || json_array_size(comps) < 1 ||
            json_array_size(comps) > 5)
            fdViolation(st, what, "bad action row");
        json_array_foreach(comps, j, b) {
            const char *l = json_string_value(json_object_get(b, "label"));
            const char *c = json_string_value(json_object_get(b, "custom_id"));
            if (!l || fdUnits(l) > 80 || !c || strlen(c) > 100) fdViolation(st, what, "bad button");
        }
    }
}

void fdCheckMessage(fdState *st, json_t *msg, const char *what, int need_reference) {
    if (!json_is_object(msg)) {
        fdViolation(st, what, "body is not a JSON object");
        return;
    }
    json_t *am = json_object_get(msg, "allowed_mentions");
    json_t *parse = json_object_get(am, "parse");
    if (!json_is_array(parse) || json_array_size(parse) != 0)
        fdViolation(st, what, "allowed_mentions.parse is not []");
    char *dump = json_dumps(msg, JSON_COMPACT);
    if (dump && (strstr(dump, "@everyone") || strstr(dump, "@here")))
        fdViolation(st, what, "unneutralized @everyone/@here");
    free(dump);
    if (fdUnits(json_string_value(json_object_get(msg, "content"))) > 2000)
        fdViolation(st, what, "content over 2000");
    size_t i, total = 0;
    json_t *e, *embeds = json_object_get(msg, "embeds");
    if (json_array_size(embeds) > 10) fdViolation(st, what, "more than 10 embeds");
    json_array_foreach(embeds, i, e) total += fdCheckEmbed(st, e, what);
    if (total > 6000) fdViolation(st, what, "embeds over 6000 characters");
    fdCheckComponents(st, json_object_get(msg, "components"), what);
    if (need_reference) {
        json_t *ref = json_object_get(msg, "message_reference");
        if (!json_string_value(json_object_get(ref, "message_id")))
            fdViolation(st, what, "reply without message_reference.message_id");
        if (json_is_true(json_object_get(am, "replied_user")))
            fdViolation(st, what, "replied_user pings the asker");
    }
}

void fdBenchReply(fdState *st, const char *id) {
    if (!id || !st->sent_ms) return;
    long long n = strtoll(id, NULL, 10) - FD_BENCH_BASE;
    if (n < 0 || n >= FD_BENCH_MAX || st->sent_ms[n] <= 0) return;
    double now = fsNowMs(st->s);
    st->replies_total++;
    if ((size_t)n >= st->burst_id0) { /* this burst's: its latency */
        st->lat_ms[st->nlat++] = now - st->sent_ms[n];
        st->last_reply_ms = now;
    }
    st->sent_ms[n] = -1; /* count once */
}

static void fdRateHeaders(fsResponse *res, const char *bucket, int remaining) {
    char v[64];
    fsAddHeader(res, "X-RateLimit-Limit", "10000");
    snprintf(v, sizeof v, "%d", remaining);
    fsAddHeader(res, "X-RateLimit-Remaining", v);
    snprintf(v, sizeof v, "%lld", (long long)time(NULL) + 1);
    fsAddHeader(res, "X-RateLimit-Reset", v);
    fsAddHeader(res, "X-RateLimit-Reset-After", "1.000");
    fsAddHeader(res, "X-RateLimit-Bucket", bucket);
}

static void fdReplyMessage(fdState *st, fsResponse *res, const char *channel, json_t *body) {
    json_t *m = json_pack("{s:i,s:s,s:O?,s:O?,s:O?}", "type", 0, "channel_id", channel, "embeds",
                          json_object_get(body, "embeds"), "components",
                          json_object_get(body, "components"), "content",
                          json_object_get(body, "content"));
    char id[32];
    snprintf(id, sizeof id, "%lld", st->next_id++);
    json_object_set_new(m, "id", json_string(id));
    fsLogf(st->s, "message", "{\"id\":\"%s\",\"channel_id\":\"%s\"}", id, channel);
    json_object_set_new(m, "author", json_pack("{s:s,s:b}", "id", FD_BOT_ID, "bot", 1));
    char *text = json_dumps(m, JSON_COMPACT);
    fsReplyJson(res, 200, text);
    free(text);
    json_decref(m);
}

static void fd429(fdState *st, fsResponse *res) {
    st->rl_count--;
    char ra[32];
    snprintf(ra, sizeof ra, "%.3f", st->rl_retry_after);
    fsReplyf(res, 429, "{\"message\":\"You are being rate limited.\",\"retry_after\":%.3f,\"global\":%s}",
             st->rl_retry_after, st->rl_global ? "true" : "false");
    fsAddHeader(res, "Retry-After", ra);
    fsAddHeader(res, "X-RateLimit-Scope", st->rl_global ? "global" : "user");
    if (!st->rl_global) {
        fdRateHeaders(res, "msgbucket", 0);
        fsAddHeader(res, "X-RateLimit-Reset-After", ra);
    } else {
        fsAddHeader(res, "X-RateLimit-Global", "true");
    }
}

static void fdMessages(fdState *st, const fsRequest *req, fsResponse *res, const char *channel) {
    if (st->rl_count > 0) {
        fd429(st, res);
        return;
    }
    const char *rcpt = json_string_value(json_object_get(st->dm_channels, channel));
    if (rcpt && json_object_get(st->closed_dms, rcpt)) { /* Discord's answer to a closed DM */
        fsReplyJson(res, 403, "{\"message\": \"Cannot send messages to this user\", \"code\": 50007}");
        return;
    }
    json_t *body = json_loadb(req->body, req->body_len, 0, NULL);
    /* replies to a user's message reference it; DMs and the mentors'
     * channel get messages of their own */
    int plain = rcpt || json_object_get(st->plain_channels, channel);
    fdCheckMessage(st, body, "POST /channels/messages", !plain);
    fdBenchReply(st, json_string_value(json_object_get(json_object_get(body, "message_reference"),
                                                       "message_id")));
    fdRateHeaders(res, "msgbucket", 9999);
    fdReplyMessage(st, res, channel, body);
    json_decref(body);
}

/* POST /users/@me/channels {"recipient_id"}: a DM channel object. */
static void fdOpenDm(fdState *st, const fsRequest *req, fsResponse *res) {
    json_t *body = json_loadb(req->body, req->body_len, 0, NULL);
    const char *rcpt = json_string_value(json_object_get(body, "recipient_id"));
    if (!rcpt || !*rcpt) {
        fdViolation(st, "POST /users/@me/channels", "no recipient_id");
        fsReplyJson(res, 400, "{\"code\": 50035, \"errors\": {\"recipient_id\": {\"_errors\": "
                              "[{\"code\": \"BASE_TYPE_REQUIRED\", \"message\": \"This field is "
                              "required\"}]}}, \"message\": \"Invalid Form Body\"}");
        json_decref(body);
        return;
    }
    const char *id = NULL, *k;
    json_t *v;
    json_object_foreach(st->dm_channels, k, v) if (strcmp(json_string_value(v), rcpt) == 0) id = k;
    char fresh[32];
    if (!id) { /* the same DM channel for the same user, as Discord does */
        snprintf(fresh, sizeof fresh, "%lld", st->next_id++);
        json_object_set_new(st->dm_channels, fresh, json_string(rcpt));
        id = fresh;
    }
    json_t *ch = json_pack("{s:s,s:i,s:n,s:i,s:[{s:s,s:s,s:s}]}", "id", id, "type", 1,
                           "last_message_id", "flags", 0, "recipients", "id", rcpt, "username",
                           "asker", "discriminator", "0");
    char *text = json_dumps(ch, JSON_COMPACT);
    fsReplyJson(res, 200, text);
    free(text);
    json_decref(ch);
    json_decref(body);
}

static void fdCallback(fdState *st, const fsRequest *req, fsResponse *res, const char *iid) {
    json_t *body = json_loadb(req->body, req->body_len, 0, NULL);
    json_int_t type = json_integer_value(json_object_get(body, "type"));
    json_t *data = json_object_get(body, "data");
    if (type == 4 || type == 7) {
        fdCheckMessage(st, data, "interaction callback", 0);
    } else if (type == 8) {
        json_t *choices = json_object_get(data, "choices"), *c;
        size_t i;
        if (!json_is_array(choices) || json_array_size(choices) > 25)
            fdViolation(st, "autocomplete", "choices missing or over 25");
        json_array_foreach(choices, i, c) {
            const char *n = json_string_value(json_object_get(c, "name"));
            const char *v = json_string_value(json_object_get(c, "value"));
            if (!n || !*n || fdUnits(n) > 100 || !v || fdUnits(v) > 100)
                fdViolation(st, "autocomplete", "bad choice");
        }
    } else if (type != 5 && type != 6) {
        fdViolation(st, "interaction callback", "unexpected callback type");
    }
    fdBenchReply(st, iid);
    json_decref(body);
    fsReply(res, 204, "application/json", "");
}

static void fdCommands(fdState *st, const fsRequest *req, fsResponse *res) {
    json_t *body = json_loadb(req->body, req->body_len, 0, NULL), *c;
    if (!json_is_array(body)) {
        fdViolation(st, "PUT commands", "body is not an array");
        fsReplyJson(res, 400, "{\"message\":\"Invalid Form Body\",\"code\":50035}");
        json_decref(body);
        return;
    }
    size_t i;
    json_array_foreach(body, i, c) {
        char id[32];
        snprintf(id, sizeof id, "%lld", st->next_id++);
        json_object_set_new(c, "id", json_string(id));
        json_object_set_new(c, "application_id", json_string(FD_APP_ID));
        if (!json_string_value(json_object_get(c, "name")) || !json_string_value(json_object_get(c, "description")))
            fdViolation(st, "PUT commands", "command without name/description");
    }
    char *text = json_dumps(body, JSON_COMPACT);
    fsReplyJson(res, 200, text);
    free(text);
    json_decref(body);
}

/* 1 if the request carries the bot token, else answers 401 and 0. */
static int fdAuthorized(fdState *st, const fsRequest *req, fsResponse *res) {
    const char *auth = fsHeader(req, "authorization");
    char want[600];
    snprintf(want, sizeof want, "Bot %s", st->token);
    if (st->unauthorized > 0 || !auth || strcmp(auth, want) != 0) {
        if (st->unauthorized > 0) st->unauthorized--;
        fsReplyJson(res, 401, "{\"message\": \"401: Unauthorized\", \"code\": 0}");
        return 0;
    }
    return 1;
}

static void fdGatewayBot(fdState *st, fsResponse *res) {
    fsReplyf(res, 200,
             "{\"url\":\"ws://127.0.0.1:%d/gateway\",\"shards\":1,\"session_start_limit\":"
             "{\"total\":1000,\"remaining\":999,\"reset_after\":14400000,\"max_concurrency\":1}}",
             fsPort(st->s));
    fdRateHeaders(res, "gwbucket", 9999);
}

/* "DiscordBot (URL, VERSION)": a URL without spaces, a comma, a version. */
static void fdCheckUserAgent(fdState *st, const fsRequest *req) {
    const char *ua = fsHeader(req, "user-agent");
    char url[256] = "", ver[64] = "", close = 0;
    if (!ua || sscanf(ua, "DiscordBot (%255[^, ], %63[^) ]%c", url, ver, &close) != 3 || close != ')' ||
        strncmp(url, "http", 4) != 0)
        fdViolation(st, "User-Agent", "not DiscordBot ($url, $versionNumber)");
}

/* 1 (and a global 429 answered) when this request is over 50 in a second. */
static int fdGlobalLimited(fdState *st, const fsRequest *req, fsResponse *res) {
    double oldest = st->global_sent[st->global_next];
    if (oldest > 0 && req->t_ms - oldest < 1000) {
        double ra = (1000 - (req->t_ms - oldest)) / 1000.0;
        st->global_limited++;
        fsLogf(st->s, "global_limited", "{\"path\":\"%s\"}", req->path);
        fsReplyf(res, 429, "{\"message\":\"You are being rate limited.\",\"retry_after\":%.3f,\"global\":true}", ra);
        char v[32];
        snprintf(v, sizeof v, "%.3f", ra);
        fsAddHeader(res, "Retry-After", v);
        fsAddHeader(res, "X-RateLimit-Global", "true");
        fsAddHeader(res, "X-RateLimit-Scope", "global");
        return 1;
    }
    st->global_sent[st->global_next] = req->t_ms;
    st->global_next = (st->global_next + 1) % FD_GLOBAL_PER_S;
    return 0;
}

void fdHttp(fsServer *s, const fsRequest *req, fsResponse *res, void *ud) {
    (void)s;
    fdState *st = ud;
    const char *p = req->path;
    if (strncmp(p, "/api/v10/", 9) != 0) return; /* 404 */
    p += 8;
    char a[128] = "", b[600] = "", c[64] = "";
    fdCheckUserAgent(st, req);
    int webhook = strncmp(p, "/webhooks/", 10) == 0 || strncmp(p, "/interactions/", 14) == 0;
    if (!webhook && !fdAuthorized(st, req, res)) return;
    if (!webhook && fdGlobalLimited(st, req, res)) return;
    int post = strcmp(req->method, "POST") == 0, put = strcmp(req->method, "PUT") == 0;
    if (strcmp(req->method, "GET") == 0 && strcmp(p, "/gateway/bot") == 0) {
        fdGatewayBot(st, res);
    } else if (post && sscanf(p, "/channels/%127[0-9]/messages%63s", a, c) == 1) {
        fdMessages(st, req, res, a);
    } else if (post && strcmp(p, "/users/@me/channels") == 0) {
        fdOpenDm(st, req, res);
    } else if (strcmp(req->method, "PATCH") == 0 &&
               sscanf(p, "/channels/%127[0-9]/messages/%599[0-9]", a, b) == 2) {
        json_t *body = json_loadb(req->body, req->body_len, 0, NULL);
        fdCheckMessage(st, body, "PATCH /channels/messages", 0);
        fdReplyMessage(st, res, a, body);
        json_decref(body);
    } else if (post && sscanf(p, "/interactions/%127[0-9]/%599[^/]/callback", a, b) == 2) {
        fdCallback(st, req, res, a);
    } else if (sscanf(p, "/webhooks/%127[0-9]/%599[^/]", a, b) == 2 &&
               (post || strcmp(req->method, "PATCH") == 0)) {
        json_t *body = json_loadb(req->body, req->body_len, 0, NULL);
        fdCheckMessage(st, body, "webhook", 0);
        fdReplyMessage(st, res, "0", body);
        json_decref(body);
    } else if (put && (sscanf(p, "/applications/%127[0-9]/commands%63s", a, c) == 1 ||
                       sscanf(p, "/applications/%127[0-9]/guilds/%599[0-9]/commands%63s", a, b, c) == 2)) {
        fdCommands(st, req, res);
    } else if (strcmp(req->method, "GET") == 0 &&
               (strcmp(p, "/applications/@me") == 0 || strcmp(p, "/oauth2/applications/@me") == 0)) {
        fsReplyJson(res, 200, "{\"id\":\"" FD_APP_ID "\",\"name\":\"careerbot\",\"bot_public\":false}");
    } else {
        fsReplyJson(res, 404, "{\"message\": \"404: Not Found\", \"code\": 0}");
    }
}
