/* config.c - the bot's settings: defaults, the INI-style config file, the
 * environment overrides, and the secrets (environment only).
 *
 * The file format: "[section]" headers, "key = value" lines, "#" or ";"
 * comments (whole line, or after whitespace behind an unquoted value),
 * values optionally in double quotes (\" \\ \n \t escapes), lists separated
 * by commas. Every problem is reported with line:column and what to fix;
 * parsing goes on after an error so one run shows all of them. Values are
 * never echoed when they look like a token, and secrets in the file are
 * refused outright: they come only from the environment. */
#include "app/config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/common.h"
#include "app/config_int.h"
#include "match/engine.h"
#include "base/log.h"

#define CFG_MAX_FILE (1024 * 1024)
#define CFG_MAX_LINE 4096

void cfgDefaults(cbConfig *c) {
    memset(c, 0, sizeof *c);
    c->kb_dir = cbStrdup("knowledge");
    c->cache_dir = cbStrdup("auto");
    c->watch_kb = 1;
    engParams ep; /* the engine owns the matching defaults */
    engDefaultParams(&ep);
    c->answer_threshold = ep.answer_threshold;
    c->suggest_threshold = ep.suggest_threshold;
    c->review_threshold = 0.7;
    c->slash_ephemeral = 1;
    c->slack_ping_interval = 5;
    c->slack_ping_timeout = 10;
    c->discord_shard_id = 0;
    c->discord_shard_count = 1;
    c->history_path = cbStrdup("data/careerbot.db");
    c->retention_days = 90;
    c->report_similarity = 0.5;
    c->mentor_daily_limit = 3;
    c->log_question_text = 0;
    c->user_cooldown = 2;
    c->channel_cooldown = 0;
    c->log_level = cbStrdup("info");
    c->log_format = cbStrdup("logfmt");
    c->health_addr = cbStrdup("127.0.0.1:8080");
    c->console_history = cbStrdup("");
    c->console_history_size = 1000;
    c->slack_api_url = cbStrdup("https://slack.com/api/");
    c->discord_api_url = cbStrdup("https://discord.com/api/v10");
    c->discord_project_url = cbStrdup(CB_PROJECT_URL);
}

void cfgListFree(cfgList *l) {
    for (size_t i = 0; i < l->n; i++) free(l->v[i]);
    l->n = 0;
}

void cfgFree(cbConfig *c) {
    free(c->kb_dir);
    free(c->cache_dir);
    free(c->history_path);
    free(c->log_level);
    free(c->log_format);
    free(c->health_addr);
    free(c->console_history);
    free(c->slack_api_url);
    free(c->discord_api_url);
    free(c->discord_project_url);
    free(c->config_path);
    free(c->slack_mentors_channel);
    free(c->discord_mentors_channel);
    cfgListFree(&c->slack_allow);
    cfgListFree(&c->slack_deny);
    cfgListFree(&c->discord_allow);
    cfgListFree(&c->discord_deny);
    memset(c, 0, sizeof *c);
}

static int listHas(const cfgList *l, const char *s) {
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i], s) == 0) return 1;
    return 0;
}

int cfgChannelAllowed(const cfgList *allow, const cfgList *deny, const char *channel) {
    if (!channel) return allow->n == 0;
    if (listHas(deny, channel)) return 0;
    return allow->n == 0 || listHas(allow, channel);
}

/* ---- the parser ---- */

/* 1-based column of p in the current line, counted in characters. */
static int colOf(const cfgParser *ps, const char *p) {
    if (!ps->linep) return 0;
    int col = 1;
    for (const char *q = ps->linep; q < p; q++)
        if (((unsigned char)*q & 0xC0) != 0x80) col++;
    return col;
}

void cfgDiag(cfgParser *ps, cbSeverity sev, const char *at, const char *fmt, ...) {
    char msg[CB_ERRLEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    logRedact(msg);
    if (sev == CB_DIAG_ERROR) ps->errors++;
    if (ps->d)
        cbDiagAdd(ps->d, sev, ps->file, ps->line, at ? colOf(ps, at) : 0, "%s", msg);
    else
        logEvent(sev == CB_DIAG_ERROR ? LOG_ERROR : LOG_WARN, "config.problem", "where=%s msg=\"%s\"",
                 ps->file, msg);
}

static const char *skipSpace(const char *p) {
    while (*p == ' ' || *p == '\t') p++;
    return p;
}

/* "[name]" with optional spaces and a trailing comment. */
static void parseSection(cfgParser *ps, const char *p) {
    const char *open = p;
    const char *close = strchr(p, ']');
    if (!close) {
        cfgErr(ps, open, "section header without ']'; write it as [section]");
        ps->section_ok = 0;
        return;
    }
    const char *rest = skipSpace(close + 1);
    if (*rest && *rest != '#' && *rest != ';')
        cfgErr(ps, rest, "unexpected text after the section header");
    const char *s = skipSpace(p + 1), *e = close;
    while (e > s && (e[-1] == ' ' || e[-1] == '\t')) e--;
    size_t n = (size_t)(e - s);
    if (n == 0 || n >= sizeof ps->section) {
        cfgErr(ps, open, "empty or too long section name");
        ps->section_ok = 0;
        return;
    }
    memcpy(ps->section, s, n);
    ps->section[n] = '\0';
    ps->section_ok = 1;
    if (!cfgSectionKnown(ps->section)) {
        const char *best = cfgClosestSection(ps->section);
        if (best)
            cfgErr(ps, s, "unknown section [%s]; did you mean [%s]?", ps->section, best);
        else
            cfgErr(ps, s, "unknown section [%s]; known sections: %s", ps->section,
                 cfgSectionNames());
        ps->section_ok = 0;
    }
}

/* The value of a quoted string starting at q (the opening quote), owned by
 * the caller, or NULL after reporting the error. */
static char *readQuoted(cfgParser *ps, const char *q) {
    char *out = cbMalloc(strlen(q) + 1);
    size_t n = 0;
    const char *p = q + 1;
    for (; *p && *p != '"'; p++) {
        if (*p == '\\') {
            p++;
            switch (*p) {
            case '"': out[n++] = '"'; break;
            case '\\': out[n++] = '\\'; break;
            case 'n': out[n++] = '\n'; break;
            case 't': out[n++] = '\t'; break;
            default:
                cfgErr(ps, p - 1, "unknown escape in a quoted value; use \\\" \\\\ \\n or \\t");
                free(out);
                return NULL;
            }
        } else {
            out[n++] = *p;
        }
    }
    if (*p != '"') {
        cfgErr(ps, q, "unterminated quoted value; add the closing '\"'");
        free(out);
        return NULL;
    }
    out[n] = '\0';
    const char *rest = skipSpace(p + 1);
    if (*rest && *rest != '#' && *rest != ';') {
        cfgErr(ps, rest, "unexpected text after the closing quote; start a comment with '#'");
        free(out);
        return NULL;
    }
    return out;
}

/* An unquoted value ends at a comment that follows whitespace. */
static char *readPlain(const char *v) {
    const char *e = v;
    for (const char *p = v; *p; p++) {
        if ((*p == '#' || *p == ';') && p > v && (p[-1] == ' ' || p[-1] == '\t')) break;
        if (*p != ' ' && *p != '\t') e = p + 1;
    }
    return cbStrndup(v, (size_t)(e - v));
}

static void parseKeyValue(cfgParser *ps, const char *p) {
    const char *eq = strchr(p, '=');
    if (!eq) {
        cfgErr(ps, p, "expected 'key = value' or '[section]'");
        return;
    }
    const char *ke = eq;
    while (ke > p && (ke[-1] == ' ' || ke[-1] == '\t')) ke--;
    if (ke == p) {
        cfgErr(ps, p, "missing key name before '='");
        return;
    }
    if (ps->section[0] == '\0') {
        cfgErr(ps, p, "key outside a section; put it under a [section] header");
        return;
    }
    char key[128];
    int kn = snprintf(key, sizeof key, "%s.%.*s", ps->section, (int)(ke - p), p);
    if (kn < 0 || (size_t)kn >= sizeof key) {
        cfgErr(ps, p, "key name too long");
        return;
    }
    if (cfgRefuseSecretKey(ps, key, p)) return;
    if (!ps->section_ok) return; /* the section header was already reported */
    const char *v = skipSpace(eq + 1);
    char *val = *v == '"' ? readQuoted(ps, v) : readPlain(v);
    if (!val) return;
    cfgApplyKey(ps, key, p, val, v);
    free(val);
}

static void parseLine(cfgParser *ps, char *line) {
    ps->linep = line;
    if (!cbValidUtf8(line, strlen(line))) {
        cfgErr(ps, NULL, "invalid UTF-8; save the file as UTF-8");
        return;
    }
    const char *p = skipSpace(line);
    if (*p == '\0' || *p == '#' || *p == ';') return;
    if (*p == '[') parseSection(ps, p);
    else parseKeyValue(ps, p);
}

static char *readWhole(const char *path, size_t *len, char *err) {
    FILE *f = fopen(path, "rb");
    if (!f) return cbErr(err, "cannot open: %s", strerror(errno)), NULL;
    char *buf = cbMalloc(CFG_MAX_FILE + 1);
    size_t n = fread(buf, 1, CFG_MAX_FILE + 1, f);
    int bad = ferror(f);
    fclose(f);
    if (bad || n > CFG_MAX_FILE) {
        free(buf);
        cbErr(err, bad ? "read error" : "file larger than %d bytes", CFG_MAX_FILE);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

static void parseText(cfgParser *ps, char *text, size_t len) {
    char *p = text, *end = text + len;
    if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) p += 3; /* BOM */
    while (p < end) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        char *le = nl ? nl : end;
        int has_nul = memchr(p, '\0', (size_t)(le - p)) != NULL;
        ps->line++;
        ps->linep = p;
        *le = '\0';
        if (le > p && le[-1] == '\r') le[-1] = '\0';
        if (has_nul) cfgErr(ps, NULL, "NUL byte in the line; the config must be text");
        else if (le - p > CFG_MAX_LINE) cfgErr(ps, NULL, "line longer than %d bytes", CFG_MAX_LINE);
        else parseLine(ps, p);
        p = le + 1;
    }
}

int cfgLoadFile(cbConfig *c, const char *path, cbDiags *d) {
    char err[CB_ERRLEN];
    size_t len = 0;
    char *text = readWhole(path, &len, err);
    if (!text) {
        cbDiagAdd(d, CB_DIAG_ERROR, path, 0, 0, "%s", err);
        return CB_ERR;
    }
    cfgParser ps = {.c = c, .d = d, .file = path};
    parseText(&ps, text, len);
    free(text);
    cfgCheckRelations(&ps);
    free(c->config_path);
    c->config_path = cbStrdup(path);
    return ps.errors ? CB_ERR : CB_OK;
}

/* ---- secrets ---- */

static char *envDup(const char *name) {
    const char *v = getenv(name);
    return v && *v ? cbStrdup(v) : NULL;
}

void secretsFromEnv(cbSecrets *s) {
    memset(s, 0, sizeof *s);
    s->slack_app_token = envDup("SLACK_APP_TOKEN");
    s->slack_bot_token = envDup("SLACK_BOT_TOKEN");
    s->discord_token = envDup("DISCORD_TOKEN");
    s->discord_app_id = envDup("DISCORD_APPLICATION_ID");
    if (s->slack_app_token) logAddSecret(s->slack_app_token);
    if (s->slack_bot_token) logAddSecret(s->slack_bot_token);
    if (s->discord_token) logAddSecret(s->discord_token);
}

static void wipeFree(char *p) {
    if (!p) return;
    volatile char *v = p;
    while (*v) *v++ = '\0';
    free(p);
}

void secretsFree(cbSecrets *s) {
    wipeFree(s->slack_app_token);
    wipeFree(s->slack_bot_token);
    wipeFree(s->discord_token);
    free(s->discord_app_id);
    memset(s, 0, sizeof *s);
}
