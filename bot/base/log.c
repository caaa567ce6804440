/* log.c - logfmt/JSON event logger with secret redaction (see log.h). */
#include "base/log.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/common.h"
#include "base/redact.h"

#define LOG_LINE_MAX 8192

static struct {
    logLevel level;
    int json;
    FILE *out;
} L = {LOG_INFO, 0, NULL};

static const char *levelNames[] = {"debug", "info", "warn", "error", "off"};

void logInit(logLevel level, int json, FILE *out) {
    L.level = level;
    L.json = json;
    L.out = out;
}

void logSetLevel(logLevel level) { L.level = level; }
logLevel logGetLevel(void) { return L.level; }

int logLevelFromName(const char *name, logLevel *out) {
    for (int i = 0; i <= LOG_OFF; i++) {
        if (strcmp(name, levelNames[i]) == 0) {
            *out = (logLevel)i;
            return CB_OK;
        }
    }
    return CB_ERR;
}

void logAddSecret(const char *secret) { redactAddSecret(secret); }

void logClearSecrets(void) { redactClearSecrets(); }

void logRedact(char *s) { redactText(s); }

/* Escape control characters so one event is always one line. */
static void appendSanitized(cbBuf *b, const char *s) {
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '\n') bufAppendStr(b, "\\n");
        else if (c == '\r') bufAppendStr(b, "\\r");
        else if (c == '\t') bufAppendStr(b, "\\t");
        else if (c < 0x20 || c == 0x7f) bufPrintf(b, "\\x%02x", c);
        else bufAppend(b, s, 1);
    }
}

static void appendJsonString(cbBuf *b, const char *s, size_t n) {
    bufAppendStr(b, "\"");
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') bufPrintf(b, "\\%c", c);
        else if (c < 0x20) bufPrintf(b, "\\u%04x", c);
        else bufAppend(b, &s[i], 1);
    }
    bufAppendStr(b, "\"");
}

/* Convert `k=v k2="quoted \" v"` to `,"k":"v","k2":"quoted \" v"`. */
static void logfmtToJson(cbBuf *b, const char *s) {
    while (*s) {
        while (*s == ' ') s++;
        const char *k = s;
        while (*s && *s != '=' && *s != ' ') s++;
        size_t klen = (size_t)(s - k);
        if (klen == 0) break;
        cbBuf v;
        bufInit(&v, LOG_LINE_MAX);
        if (*s == '=') {
            s++;
            if (*s == '"') {
                for (s++; *s && *s != '"'; s++) {
                    if (*s == '\\' && s[1]) s++;
                    bufAppend(&v, s, 1);
                }
                if (*s == '"') s++;
            } else {
                const char *vs = s;
                while (*s && *s != ' ') s++;
                bufAppend(&v, vs, (size_t)(s - vs));
            }
        }
        bufAppendStr(b, ",");
        appendJsonString(b, k, klen);
        bufAppendStr(b, ":");
        appendJsonString(b, bufStr(&v), v.len);
        bufFree(&v);
    }
}

void logEvent(logLevel level, const char *event, const char *fmt, ...) {
    if (level < L.level || level >= LOG_OFF) return;
    char kv[LOG_LINE_MAX];
    kv[0] = '\0';
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(kv, sizeof(kv), fmt, ap);
        va_end(ap);
    }
    logRedact(kv);
    char ts[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
    cbBuf line;
    bufInit(&line, LOG_LINE_MAX * 2);
    cbBuf clean;
    bufInit(&clean, LOG_LINE_MAX * 4);
    appendSanitized(&clean, kv);
    if (L.json) {
        bufPrintf(&line, "{\"ts\":\"%s\",\"level\":\"%s\",\"event\":", ts, levelNames[level]);
        appendJsonString(&line, event, strlen(event));
        logfmtToJson(&line, bufStr(&clean));
        bufAppendStr(&line, "}");
    } else {
        bufPrintf(&line, "ts=%s level=%s event=%s", ts, levelNames[level], event);
        if (clean.len) bufPrintf(&line, " %s", bufStr(&clean));
    }
    FILE *out = L.out ? L.out : stderr;
    fprintf(out, "%s\n", bufStr(&line));
    fflush(out);
    bufFree(&clean);
    bufFree(&line);
}
