/* discord_util.c - the Discord transport's pure parts: what a gateway
 * close code means, mention detection and stripping, the /faq command
 * definition and its options, and the token bucket that keeps the gateway
 * under 120 events per minute. No I/O here, so all of
 * it is unit-tested directly. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "base/common.h"
#include "platform/discord/discord.h"

discordCloseAction discordClosePolicy(int code, const char **why) {
    const char *msg = NULL;
    switch (code) {
    case 4004: msg = "Discord rejected the token (close 4004 authentication failed): check DISCORD_TOKEN"; break;
    case 4010: msg = "Discord rejected the shard (close 4010 invalid shard): check discord.shard"; break;
    case 4011: msg = "Discord requires sharding (close 4011): set discord.shard to id/count with count > 1"; break;
    case 4012: msg = "Discord rejected the API version (close 4012)"; break;
    case 4013: msg = "Discord rejected the intents (close 4013 invalid intents)"; break;
    case 4014:
        msg = "the MESSAGE_CONTENT intent is not enabled for this application: enable it in the "
              "Developer Portal > Bot > Privileged Gateway Intents (close 4014)";
        break;
    case 4007:
    case 4009: return DISCORD_CLOSE_IDENTIFY;
    default: return DISCORD_CLOSE_RESUME;
    }
    if (why) *why = msg;
    return DISCORD_CLOSE_FATAL;
}

/* Length of a mention of user_id at s ("<@ID>" or "<@!ID>"), else 0. */
static size_t dcMentionAt(const char *s, const char *user_id, size_t idlen) {
    if (s[0] != '<' || s[1] != '@') return 0;
    size_t i = 2;
    if (s[i] == '!') i++;
    if (strncmp(s + i, user_id, idlen) != 0 || s[i + idlen] != '>') return 0;
    return i + idlen + 1;
}

int discordHasMention(const char *content, const char *user_id) {
    if (!content || !user_id || !*user_id) return 0;
    size_t idlen = strlen(user_id);
    for (const char *p = strchr(content, '<'); p; p = strchr(p + 1, '<'))
        if (dcMentionAt(p, user_id, idlen)) return 1;
    return 0;
}

char *discordStripMention(const char *content, const char *user_id) {
    if (!content) return cbStrdup("");
    size_t n = strlen(content), idlen = user_id ? strlen(user_id) : 0, o = 0;
    char *out = cbMalloc(n + 1);
    for (size_t i = 0; i < n;) {
        size_t m = idlen ? dcMentionAt(content + i, user_id, idlen) : 0;
        if (m) {
            i += m;
            continue;
        }
        out[o++] = content[i++];
    }
    out[o] = '\0';
    size_t start = 0;
    while (start < o && isspace((unsigned char)out[start])) start++;
    while (o > start && isspace((unsigned char)out[o - 1])) o--;
    memmove(out, out + start, o - start);
    out[o - start] = '\0';
    return out;
}

char *discordUserAgent(const char *project_url) {
    return cbSprintf(DISCORD_USER_AGENT_FMT, project_url && *project_url ? project_url : CB_PROJECT_URL);
}

int discordIsSnowflake(const char *s) {
    if (!s || !*s) return 0;
    size_t n = 0;
    for (; s[n]; n++)
        if (!isdigit((unsigned char)s[n]) || n >= 20) return 0;
    return 1;
}

int discordIsToken(const char *s) {
    if (!s || !*s) return 0;
    size_t n = 0;
    for (; s[n]; n++) {
        unsigned char c = (unsigned char)s[n];
        if (n >= 500 || !(isalnum(c) || c == '-' || c == '_' || c == '.')) return 0;
    }
    return 1;
}

/* A copy of s cut to at most max bytes on a UTF-8 boundary. */
static char *dcCutBytes(const char *s, size_t max) {
    size_t n = strlen(s);
    if (n <= max) return cbStrdup(s);
    while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80) max--;
    return cbStrndup(s, max);
}

static json_t *dcTopicChoices(const kb *k) {
    json_t *choices = json_array();
    for (size_t i = 0; k && i < k->ntopics && i < 25; i++) {
        const kbTopic *t = &k->topics[i];
        if (strlen(t->name) > 100) continue;
        char *name = dcCutBytes(t->title && *t->title ? t->title : t->name, 100);
        json_array_append_new(choices, json_pack("{s:s,s:s}", "name", name, "value", t->name));
        free(name);
    }
    return choices;
}

json_t *discordCommandDefs(const kb *k) {
    json_t *question = json_pack("{s:i,s:s,s:s,s:b,s:b,s:i}", "type", 3, "name", "question",
                                 "description", "Your question (suggestions appear as you type)",
                                 "required", 0, "autocomplete", 1, "max_length", 1000);
    json_t *topic = json_pack("{s:i,s:s,s:s,s:b}", "type", 3, "name", "topic", "description",
                              "List the questions of a topic", "required", 0);
    json_t *choices = dcTopicChoices(k);
    if (json_array_size(choices)) json_object_set_new(topic, "choices", choices);
    else json_decref(choices);
    json_t *help = json_pack("{s:i,s:s,s:s,s:b}", "type", 5, "name", "help", "description",
                             "Show what I can answer", "required", 0);
    json_t *faq = json_pack("{s:s,s:i,s:s,s:[o,o,o]}", "name", "faq", "type", 1, "description",
                            "Ask a Python career question", "options", question, topic, help);
    return json_pack("[o]", faq);
}

static const json_t *dcOption(const json_t *options, const char *name) {
    size_t i;
    const json_t *o;
    json_array_foreach(options, i, o) {
        const char *n = json_string_value(json_object_get(o, "name"));
        if (n && strcmp(n, name) == 0) return o;
    }
    return NULL;
}

char *discordFaqText(const json_t *options) {
    const json_t *h = dcOption(options, "help");
    const char *q = json_string_value(json_object_get(dcOption(options, "question"), "value"));
    const char *t = json_string_value(json_object_get(dcOption(options, "topic"), "value"));
    if (h && json_is_true(json_object_get(h, "value"))) return cbStrdup("help");
    if (q && *q && t && *t) return cbSprintf("%s: %s", t, q);
    if (q && *q) return cbStrdup(q);
    if (t && *t) return cbSprintf("topic %s", t);
    return cbStrdup("help");
}

const char *discordFocusedValue(const json_t *options, const char **name) {
    size_t i;
    const json_t *o;
    if (name) *name = "";
    json_array_foreach(options, i, o) {
        if (!json_is_true(json_object_get(o, "focused"))) continue;
        const char *n = json_string_value(json_object_get(o, "name"));
        const char *v = json_string_value(json_object_get(o, "value"));
        if (name && n) *name = n;
        return v ? v : "";
    }
    return "";
}

void discordBucketInit(discordBucket *b, double cap, double window_ms, double reserve, double now_ms) {
    assert(cap > reserve && window_ms > 0);
    b->tokens = cap;
    b->cap = cap;
    b->per_ms = cap / window_ms;
    b->reserve = reserve;
    b->last_ms = now_ms;
}

static void dcRefill(discordBucket *b, double now_ms) {
    if (now_ms > b->last_ms) {
        b->tokens += (now_ms - b->last_ms) * b->per_ms;
        if (b->tokens > b->cap) b->tokens = b->cap;
    }
    b->last_ms = now_ms;
}

int discordBucketTake(discordBucket *b, double now_ms, int priority) {
    dcRefill(b, now_ms);
    double need = priority ? 1.0 : 1.0 + b->reserve;
    if (b->tokens < need) return 0;
    b->tokens -= 1.0;
    return 1;
}

double discordBucketWaitMs(discordBucket *b, double now_ms, int priority) {
    dcRefill(b, now_ms);
    double need = priority ? 1.0 : 1.0 + b->reserve;
    if (b->tokens >= need) return 0;
    return (need - b->tokens) / b->per_ms;
}
