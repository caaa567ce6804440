/* config_keys.c - the table of config keys, the check of each value (bool,
 * number in [0,1], days, enum, list, shard, listen address), the cross-key
 * checks, "did you mean" suggestions, and the environment overrides, which
 * go through the same checks as the file. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/common.h"
#include "app/config_int.h"

typedef enum {
    K_STR, K_URL, K_BOOL, K_NUM01, K_SECS, K_DAYS, K_SECONDS, K_LEVEL, K_FORMAT, K_LIST, K_SHARD,
    K_LISTEN, K_LINES, K_CHANNEL, K_COUNT, K_UA_URL
} cfgType;

typedef struct cfgKey {
    const char *name; /* section.key */
    cfgType type;
    size_t off;       /* into cbConfig */
} cfgKey;

#define OFF(f) offsetof(cbConfig, f)
static const cfgKey keys[] = {
    {"knowledge.dir", K_STR, OFF(kb_dir)},
    {"knowledge.watch", K_BOOL, OFF(watch_kb)},
    {"knowledge.cache_dir", K_STR, OFF(cache_dir)},
    {"matching.answer_threshold", K_NUM01, OFF(answer_threshold)},
    {"matching.suggest_threshold", K_NUM01, OFF(suggest_threshold)},
    {"matching.review_threshold", K_NUM01, OFF(review_threshold)},
    {"replies.slash_ephemeral", K_BOOL, OFF(slash_ephemeral)},
    {"limits.user_cooldown", K_SECONDS, OFF(user_cooldown)},
    {"limits.channel_cooldown", K_SECONDS, OFF(channel_cooldown)},
    {"slack.allow_channels", K_LIST, OFF(slack_allow)},
    {"slack.deny_channels", K_LIST, OFF(slack_deny)},
    {"slack.ping_interval", K_SECS, OFF(slack_ping_interval)},
    {"slack.ping_timeout", K_SECS, OFF(slack_ping_timeout)},
    {"slack.mentors_channel", K_CHANNEL, OFF(slack_mentors_channel)},
    {"discord.allow_channels", K_LIST, OFF(discord_allow)},
    {"discord.deny_channels", K_LIST, OFF(discord_deny)},
    {"discord.shard", K_SHARD, OFF(discord_shard_id)},
    {"discord.mentors_channel", K_CHANNEL, OFF(discord_mentors_channel)},
    {"discord.project_url", K_UA_URL, OFF(discord_project_url)},
    {"mentor.daily_limit", K_COUNT, OFF(mentor_daily_limit)},
    {"history.path", K_STR, OFF(history_path)},
    {"history.retention_days", K_DAYS, OFF(retention_days)},
    {"report.similarity", K_NUM01, OFF(report_similarity)},
    {"log.level", K_LEVEL, OFF(log_level)},
    {"log.format", K_FORMAT, OFF(log_format)},
    {"log.question_text", K_BOOL, OFF(log_question_text)},
    {"health.listen", K_LISTEN, OFF(health_addr)},
    {"console.history", K_STR, OFF(console_history)},
    {"console.history_size", K_LINES, OFF(console_history_size)},
};
#define NKEYS CB_ARRAY_LEN(keys)
_Static_assert(CB_ARRAY_LEN(keys) <= CFG_NKEYS_MAX, "raise CFG_NKEYS_MAX");

static const char *sections[] = {"knowledge", "matching", "replies", "limits", "slack", "discord",
                                 "mentor",    "history",  "report",  "log",    "health", "console"};

/* Environment overrides, applied after the file: every key as
 * CAREERBOT_SECTION_KEY (cfgEnvName), plus these. */
static const struct {
    const char *env, *key;
} envKeys[] = {
    {"CAREERBOT_KB", "knowledge.dir"},
    {"SLACK_API_URL", "@slack_api_url"},
    {"DISCORD_API_URL", "@discord_api_url"},
};

/* CAREERBOT_ variables other modules read (not config keys): a name
 * that is neither one of these nor a key's is a typo to warn about. */
static const char *const envOthers[] = {
    "CAREERBOT_CONFIG",    "CAREERBOT_KNOWLEDGE_CACHE_DIR", "CAREERBOT_HASH_SALT",
    "CAREERBOT_TODAY",     "CAREERBOT_LINK_TIMEOUT_MS",     "CAREERBOT_TRAINER",
    "CAREERBOT_DENSE_MAX",
};

/* ---- suggestions ---- */

static const char *closest(const char *s, const char *const *names, size_t n) {
    return cbClosestName(s, strlen(s), names, n);
}

int cfgSectionKnown(const char *section) {
    for (size_t i = 0; i < CB_ARRAY_LEN(sections); i++)
        if (strcmp(section, sections[i]) == 0) return 1;
    return 0;
}

const char *cfgClosestSection(const char *section) {
    return closest(section, sections, CB_ARRAY_LEN(sections));
}

const char *cfgSectionNames(void) {
    return "[knowledge] [matching] [replies] [limits] [slack] [discord] [mentor] [history] [report] "
           "[log] [health] [console]";
}

static const char *closestKey(const char *key) {
    const char *names[NKEYS];
    for (size_t i = 0; i < NKEYS; i++) names[i] = keys[i].name;
    return closest(key, names, NKEYS);
}

/* ---- secrets ---- */

static int looksLikeToken(const char *v) {
    static const char *prefixes[] = {"xoxb-", "xoxp-", "xapp-", "xoxa-", "xoxe", "xoxs-"};
    for (size_t i = 0; i < CB_ARRAY_LEN(prefixes); i++)
        if (strncmp(v, prefixes[i], strlen(prefixes[i])) == 0) return 1;
    size_t n = strlen(v), dots = 0; /* Discord: three base64url parts */
    for (const char *p = v; *p; p++) {
        if (*p == '.') dots++;
        else if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_') return 0;
    }
    return n >= 50 && dots == 2;
}

/* The value as it may appear in a message: hidden if it looks secret. */
static const char *shown(const char *v, char out[48]) {
    if (looksLikeToken(v)) return "(hidden: looks like a token)";
    snprintf(out, 48, "%.40s%s", v, strlen(v) > 40 ? "..." : "");
    return out;
}

int cfgRefuseSecretKey(cfgParser *ps, const char *key, const char *key_at) {
    static const char *words[] = {"token", "secret", "password", "api_key", "apikey"};
    int secret = 0;
    for (size_t i = 0; i < CB_ARRAY_LEN(words); i++)
        if (strcasestr(key, words[i])) secret = 1;
    if (!secret) return 0;
    const char *env = "the environment";
    if (strncasecmp(key, "slack.", 6) == 0)
        env = strcasestr(key, "app") ? "SLACK_APP_TOKEN" : "SLACK_BOT_TOKEN";
    else if (strncasecmp(key, "discord.", 8) == 0)
        env = "DISCORD_TOKEN";
    cfgErr(ps, key_at, "'%s': secrets come only from the environment (%s); remove this line",
           key, env);
    return 1;
}

/* ---- values ---- */

static void setStr(char **dst, const char *v) {
    free(*dst);
    *dst = cbStrdup(v);
}

static int parseBool(const char *v, int *out) {
    static const char *yes[] = {"true", "yes", "on", "1"}, *no[] = {"false", "no", "off", "0"};
    for (size_t i = 0; i < CB_ARRAY_LEN(yes); i++) {
        if (strcasecmp(v, yes[i]) == 0) return *out = 1, CB_OK;
        if (strcasecmp(v, no[i]) == 0) return *out = 0, CB_OK;
    }
    return CB_ERR;
}

static int parseLong(const char *v, long lo, long hi, long *out) {
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (!*v || *end || errno || n < lo || n > hi) return CB_ERR;
    *out = n;
    return CB_OK;
}

static int setList(cfgParser *ps, cfgList *l, const char *v, const char *at) {
    cfgList nl = {.n = 0};
    const char *p = v;
    while (*v) {
        const char *c = strchr(p, ',');
        const char *e = c ? c : p + strlen(p);
        const char *s = p;
        while (s < e && isspace((unsigned char)*s)) s++;
        const char *t = e;
        while (t > s && isspace((unsigned char)t[-1])) t--;
        if (t == s) {
            cfgErr(ps, at, "empty item in the list; separate items with single commas");
            return cfgListFree(&nl), CB_ERR;
        }
        if (nl.n == CFG_MAX_LIST) {
            cfgErr(ps, at, "more than %d items in the list", CFG_MAX_LIST);
            return cfgListFree(&nl), CB_ERR;
        }
        nl.v[nl.n++] = cbStrndup(s, (size_t)(t - s));
        if (!c) break;
        p = c + 1;
    }
    cfgListFree(l);
    *l = nl;
    return CB_OK;
}

static int setShard(cfgParser *ps, const char *name, const char *v, const char *at) {
    cbConfig *c = ps->c;
    char idbuf[32], cntbuf[32];
    const char *slash = strchr(v, '/');
    long id, count;
    if (!slash || (size_t)(slash - v) >= sizeof idbuf || strlen(slash + 1) >= sizeof cntbuf) {
        cfgErr(ps, at, "%s must be ID/COUNT, e.g. 0/2", name);
        return CB_ERR;
    }
    snprintf(idbuf, sizeof idbuf, "%.*s", (int)(slash - v), v);
    snprintf(cntbuf, sizeof cntbuf, "%s", slash + 1);
    if (parseLong(cntbuf, 1, 65535, &count) != CB_OK || parseLong(idbuf, 0, 65535, &id) != CB_OK ||
        id >= count) {
        cfgErr(ps, at, "%s must be ID/COUNT with 0 <= ID < COUNT, e.g. 0/2", name);
        return CB_ERR;
    }
    c->discord_shard_id = (int)id;
    c->discord_shard_count = (int)count;
    return CB_OK;
}

/* "off", or HOST:PORT (HOST may be [v6]). */
static int checkListen(const char *v) {
    if (strcmp(v, "off") == 0) return CB_OK;
    const char *colon = strrchr(v, ':');
    long port;
    if (!colon || colon == v || parseLong(colon + 1, 1, 65535, &port) != CB_OK) return CB_ERR;
    for (const char *p = v; p < colon; p++)
        if (isspace((unsigned char)*p)) return CB_ERR;
    return CB_OK;
}

/* A channel id: letters and digits (Slack C0123ABCD, a Discord snowflake). */
static int checkChannel(const char *v) {
    size_t n = strlen(v);
    if (n == 0 || n > 32) return CB_ERR;
    for (const char *p = v; *p; p++)
        if (!isalnum((unsigned char)*p)) return CB_ERR;
    return CB_OK;
}

static int oneOf(const char *v, const char *const *opts, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (strcmp(v, opts[i]) == 0) return CB_OK;
    return CB_ERR;
}

static int setScalar(cfgParser *ps, const cfgKey *k, const char *v, const char *at) {
    void *base = (char *)ps->c + k->off;
    char sh[48];
    static const char *levels[] = {"debug", "info", "warn", "error"}, *fmts[] = {"logfmt", "json"};
    long n;
    char *end;
    switch (k->type) {
    case K_BOOL:
        if (parseBool(v, (int *)base) == CB_OK) return CB_OK;
        cfgErr(ps, at, "%s must be true or false, not '%s'", k->name, shown(v, sh));
        return CB_ERR;
    case K_NUM01: {
        errno = 0;
        double x = strtod(v, &end);
        if (*v && !*end && !errno && isfinite(x) && x >= 0 && x <= 1)
            return *(double *)base = x, CB_OK;
        cfgErr(ps, at, "%s must be a number from 0 to 1, not '%s'", k->name, shown(v, sh));
        return CB_ERR;
    }
    case K_SECS: {
        errno = 0;
        double x = strtod(v, &end);
        if (*v && !*end && !errno && isfinite(x) && x >= 0.05 && x <= 3600)
            return *(double *)base = x, CB_OK;
        cfgErr(ps, at, "%s must be a number of seconds from 0.05 to 3600, not '%s'", k->name,
               shown(v, sh));
        return CB_ERR;
    }
    case K_LINES:
        if (parseLong(v, 0, 100000, &n) == CB_OK) return *(int *)base = (int)n, CB_OK;
        cfgErr(ps, at, "%s must be a whole number of lines from 0 to 100000 (0 keeps none), not '%s'",
               k->name, shown(v, sh));
        return CB_ERR;
    case K_DAYS:
        if (parseLong(v, 0, 36500, &n) == CB_OK) return *(int *)base = (int)n, CB_OK;
        cfgErr(ps, at, "%s must be a whole number of days from 0 to 36500 (0 keeps text forever), not '%s'",
               k->name, shown(v, sh));
        return CB_ERR;
    case K_SECONDS: {
        errno = 0;
        double x = strtod(v, &end);
        if (*v && !*end && !errno && isfinite(x) && x >= 0 && x <= 86400)
            return *(double *)base = x, CB_OK;
        cfgErr(ps, at, "%s must be a number of seconds from 0 to 86400 (0 turns it off), not '%s'",
               k->name, shown(v, sh));
        return CB_ERR;
    }
    case K_LEVEL:
        if (oneOf(v, levels, 4) == CB_OK) return setStr((char **)base, v), CB_OK;
        cfgErr(ps, at, "%s must be debug, info, warn or error, not '%s'", k->name, shown(v, sh));
        return CB_ERR;
    case K_FORMAT:
        if (oneOf(v, fmts, 2) == CB_OK) return setStr((char **)base, v), CB_OK;
        cfgErr(ps, at, "%s must be logfmt or json, not '%s'", k->name, shown(v, sh));
        return CB_ERR;
    case K_COUNT:
        if (parseLong(v, 0, 1000, &n) == CB_OK) return *(int *)base = (int)n, CB_OK;
        cfgErr(ps, at, "%s must be a whole number from 0 to 1000, not '%s'", k->name, shown(v, sh));
        return CB_ERR;
    case K_CHANNEL: /* empty: none */
        if (!*v) return free(*(char **)base), *(char **)base = NULL, CB_OK;
        if (checkChannel(v) == CB_OK) return setStr((char **)base, v), CB_OK;
        cfgErr(ps, at, "%s must be a channel id (letters and digits, e.g. C0123ABCD or "
                       "123456789012345678), or empty for none, not '%s'", k->name, shown(v, sh));
        return CB_ERR;
    case K_LISTEN:
        if (checkListen(v) == CB_OK) return setStr((char **)base, v), CB_OK;
        cfgErr(ps, at, "%s must be HOST:PORT (e.g. 127.0.0.1:8080) or off, not '%s'", k->name,
               shown(v, sh));
        return CB_ERR;
    default:
        return CB_ERR;
    }
}

/* A URL that goes into the User-Agent "DiscordBot ($url, $version)": no
 * character that would end its part of that form. */
static int setUaUrl(cfgParser *ps, const cfgKey *k, char **dst, const char *v, const char *at) {
    if (strncmp(v, "http://", 7) != 0 && strncmp(v, "https://", 8) != 0) {
        cfgErr(ps, at, "%s must start with http:// or https://", k->name);
        return CB_ERR;
    }
    for (const char *p = v; *p; p++)
        if ((unsigned char)*p <= 0x20 || *p == 0x7F || *p == ',' || *p == '(' || *p == ')') {
            cfgErr(ps, at, "%s must be a URL without spaces, commas or parentheses", k->name);
            return CB_ERR;
        }
    setStr(dst, v);
    return CB_OK;
}

static int setValue(cfgParser *ps, const cfgKey *k, const char *v, const char *at) {
    void *base = (char *)ps->c + k->off;
    if (looksLikeToken(v)) {
        cfgErr(ps, at, "this value looks like a token; secrets come only from the environment");
        return CB_ERR;
    }
    if (*v == '\0' && k->type != K_LIST && k->type != K_CHANNEL) {
        cfgErr(ps, at, "%s has no value; remove the line to keep the default", k->name);
        return CB_ERR;
    }
    switch (k->type) {
    case K_STR: setStr((char **)base, v); return CB_OK;
    case K_URL:
        if (strncmp(v, "http://", 7) == 0 || strncmp(v, "https://", 8) == 0)
            return setStr((char **)base, v), CB_OK;
        cfgErr(ps, at, "%s must start with http:// or https://", k->name);
        return CB_ERR;
    case K_UA_URL: return setUaUrl(ps, k, (char **)base, v, at);
    case K_LIST: return setList(ps, (cfgList *)base, v, at);
    case K_SHARD: return setShard(ps, k->name, v, at);
    default: return setScalar(ps, k, v, at);
    }
}

static const cfgKey *findKey(const char *name, size_t *idx) {
    for (size_t i = 0; i < NKEYS; i++)
        if (strcmp(keys[i].name, name) == 0) return *idx = i, &keys[i];
    return NULL;
}

void cfgApplyKey(cfgParser *ps, const char *key, const char *key_at, const char *val,
                 const char *val_at) {
    size_t i;
    const cfgKey *k = findKey(key, &i);
    if (!k) {
        const char *best = closestKey(key);
        if (best) cfgErr(ps, key_at, "unknown key '%s'; did you mean '%s'?", key, best);
        else cfgErr(ps, key_at, "unknown key '%s'; see config/careerbot.conf.example", key);
        return;
    }
    if (ps->seen[i].line) {
        cfgErr(ps, key_at, "duplicate key '%s' (first set on line %d); keep one", key,
               ps->seen[i].line);
        return;
    }
    ps->seen[i].line = ps->line;
    ps->seen[i].col = 1;
    if (ps->linep && val_at) {
        int col = 1;
        for (const char *q = ps->linep; q < val_at; q++)
            if (((unsigned char)*q & 0xC0) != 0x80) col++;
        ps->seen[i].col = col;
    }
    setValue(ps, k, val, val_at);
}

/* ---- cross-key checks ---- */

static void diagAt(cfgParser *ps, cbSeverity sev, size_t key_idx, const char *msg) {
    int line = ps->seen[key_idx].line;
    if (!ps->d) {
        cfgDiag(ps, sev, NULL, "%s", msg);
        return;
    }
    if (sev == CB_DIAG_ERROR) ps->errors++;
    cbDiagAdd(ps->d, sev, ps->file, line, line ? ps->seen[key_idx].col : 0, "%s", msg);
}

void cfgCheckRelations(cfgParser *ps) {
    size_t ia = 0, is = 0, ir = 0;
    findKey("matching.answer_threshold", &ia);
    findKey("matching.suggest_threshold", &is);
    findKey("matching.review_threshold", &ir);
    const cbConfig *c = ps->c;
    char msg[CB_ERRLEN];
    /* 0 leaves a threshold to the knowledge's matching.json */
    if (c->answer_threshold > 0 && c->suggest_threshold > c->answer_threshold) {
        snprintf(msg, sizeof msg,
                 "matching.suggest_threshold (%g) is above matching.answer_threshold (%g); "
                 "make it lower",
                 c->suggest_threshold, c->answer_threshold);
        diagAt(ps, CB_DIAG_ERROR, ps->seen[is].line ? is : ia, msg);
    }
    if (c->answer_threshold > 0 && c->review_threshold < c->answer_threshold) {
        snprintf(msg, sizeof msg,
                 "matching.review_threshold (%g) is below matching.answer_threshold (%g): "
                 "no answer will be kept for review",
                 c->review_threshold, c->answer_threshold);
        diagAt(ps, CB_DIAG_WARNING, ps->seen[ir].line ? ir : ia, msg);
    }
}

/* ---- environment ---- */

void cfgEnvName(const char *key, char *out, size_t n) {
    size_t j = (size_t)snprintf(out, n, "CAREERBOT_");
    for (const char *p = key; *p && j + 1 < n; p++)
        out[j++] = *p == '.' ? '_' : (char)toupper((unsigned char)*p);
    if (j < n) out[j] = '\0';
}

size_t cfgKeyCount(void) { return NKEYS; }
const char *cfgKeyName(size_t i) { return i < NKEYS ? keys[i].name : NULL; }

static void applyEnvValue(cfgParser *ps, const char *env, const cfgKey *key, const char *v) {
    char name[128];
    snprintf(name, sizeof name, "%s (%s)", env, key->name);
    cfgKey k = *key;
    k.name = name;
    setValue(ps, &k, v, NULL);
}

/* A CAREERBOT_ variable careerbot does not read: a warning naming the
 * closest one it does (a mistyped key in a file gets the same). */
static void checkEnvNames(cfgParser *ps) {
    extern char **environ;
    char generic[CFG_NKEYS_MAX][96];
    const char *known[CFG_NKEYS_MAX + CB_ARRAY_LEN(envKeys) + CB_ARRAY_LEN(envOthers)];
    size_t n = 0;
    for (size_t i = 0; i < NKEYS; i++) {
        cfgEnvName(keys[i].name, generic[i], sizeof generic[i]);
        known[n++] = generic[i];
    }
    for (size_t i = 0; i < CB_ARRAY_LEN(envKeys); i++) known[n++] = envKeys[i].env;
    for (size_t i = 0; i < CB_ARRAY_LEN(envOthers); i++) known[n++] = envOthers[i];
    for (char **e = environ; e && *e; e++) {
        const char *eq = strchr(*e, '=');
        if (strncmp(*e, "CAREERBOT_", 10) != 0 || !eq) continue;
        size_t len = (size_t)(eq - *e), i = 0;
        while (i < n && !(strlen(known[i]) == len && strncmp(*e, known[i], len) == 0)) i++;
        if (i < n) continue;
        const char *near = cbClosestName(*e, len, known, n);
        cfgDiag(ps, CB_DIAG_WARNING, NULL, "%.*s is not a setting careerbot reads%s%s%s", (int)len,
                *e, near ? "; did you mean " : " (see `careerbot --help`)", near ? near : "",
                near ? "?" : "");
    }
}

int cfgApplyEnvDiags(cbConfig *c, cbDiags *d) {
    cfgParser ps = {.c = c, .d = d, .file = "environment"};
    checkEnvNames(&ps);
    for (size_t i = 0; i < CB_ARRAY_LEN(envKeys); i++) {
        const char *v = getenv(envKeys[i].env);
        if (!v || !*v) continue;
        cfgKey k = {.name = envKeys[i].key};
        size_t idx;
        if (strcmp(envKeys[i].key, "@slack_api_url") == 0) {
            k.type = K_URL, k.off = OFF(slack_api_url), k.name = "slack api url";
        } else if (strcmp(envKeys[i].key, "@discord_api_url") == 0) {
            k.type = K_URL, k.off = OFF(discord_api_url), k.name = "discord api url";
        } else {
            k = *findKey(envKeys[i].key, &idx);
        }
        applyEnvValue(&ps, envKeys[i].env, &k, v);
    }
    for (size_t i = 0; i < NKEYS; i++) { /* the generic names win over the aliases */
        char env[96];
        cfgEnvName(keys[i].name, env, sizeof env);
        const char *v = getenv(env);
        if (v && *v) applyEnvValue(&ps, env, &keys[i], v);
    }
    return ps.errors ? CB_ERR : CB_OK;
}

void cfgApplyEnv(cbConfig *c) { cfgApplyEnvDiags(c, NULL); }
