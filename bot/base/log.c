/* log.c - logfmt/JSON event logger with secret redaction (see log.h).
 * Callers' formats are logfmt with printf conversions; each value is
 * formatted on its own and escaped (logfmt) or put in a jansson object
 * (JSON, numbers as numbers), so a value can never forge a field. */
#include "base/log.h"

#include <jansson.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <utf8proc.h>

#include "base/buf.h"
#include "base/common.h"
#include "base/redact.h"

#define LOG_LINE_MAX 16384 /* a logfmt line; longer values are cut */
#define LOG_VALUE_MAX 4096 /* one formatted value */

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

/* Make a value valid UTF-8 without control characters' ambiguity: bytes
 * that are not UTF-8 become '?', so JSON encoding never fails on user text. */
static void appendValidUtf8(cbBuf *b, const char *s) {
    const unsigned char *u = (const unsigned char *)s;
    size_t n = strlen(s);
    for (size_t i = 0; i < n;) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t k = utf8proc_iterate(u + i, (utf8proc_ssize_t)(n - i), &cp);
        if (k <= 0) {
            bufAppendStr(b, "?");
            i++;
            continue;
        }
        bufAppend(b, u + i, (size_t)k);
        i += (size_t)k;
    }
}

/* A logfmt value: bare when it is a plain token, otherwise quoted with
 * '"', '\' and control characters escaped, so no value can start a field
 * or a line of its own. */
static void appendLogfmtValue(cbBuf *b, const char *v) {
    int bare = *v != '\0';
    for (const unsigned char *p = (const unsigned char *)v; *p && bare; p++)
        if (*p <= ' ' || *p == '=' || *p == '"' || *p == '\\' || *p == 0x7f) bare = 0;
    if (bare) {
        bufAppendStr(b, v);
        return;
    }
    bufAppendStr(b, "\"");
    for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
        if (*p == '"' || *p == '\\') bufPrintf(b, "\\%c", *p);
        else if (*p == '\n') bufAppendStr(b, "\\n");
        else if (*p == '\r') bufAppendStr(b, "\\r");
        else if (*p == '\t') bufAppendStr(b, "\\t");
        else if (*p < 0x20 || *p == 0x7f) bufPrintf(b, "\\u%04x", *p);
        else bufAppend(b, p, 1);
    }
    bufAppendStr(b, "\"");
}

/* One printf conversion of the caller's format, parsed so its argument can
 * be fetched with the right type. */
typedef struct {
    char spec[32]; /* "%-8.3lf" as written, '*' kept */
    char conv;     /* d i u o x X c s p f F e E g G a A */
    int len;       /* 0 none, 'H' hh, 'h', 'l', 'L' ll, 'z', 'j', 't', 'D' long double */
    int stars;     /* '*' width/precision arguments to fetch first */
    const char *end;
} logConv;

static int parseConv(const char *f, logConv *c) {
    memset(c, 0, sizeof(*c));
    const char *p = f + 1;
    while (*p && strchr("-+ #0", *p)) p++;
    for (int part = 0; part < 2; part++) {
        if (part == 1) {
            if (*p != '.') break;
            p++;
        }
        if (*p == '*') {
            c->stars++;
            p++;
        }
        while (*p >= '0' && *p <= '9') p++;
    }
    if (p[0] == 'h' && p[1] == 'h') c->len = 'H', p += 2;
    else if (p[0] == 'l' && p[1] == 'l') c->len = 'L', p += 2;
    else if (*p && strchr("hlzjt", *p)) c->len = (unsigned char)*p++;
    else if (*p == 'L') c->len = 'D', p++;
    if (!*p || !strchr("diuoxXcspfFeEgGaA", *p)) return CB_ERR;
    c->conv = *p++;
    size_t n = (size_t)(p - f);
    if (n >= sizeof(c->spec)) return CB_ERR;
    memcpy(c->spec, f, n);
    c->spec[n] = '\0';
    c->end = p;
    return CB_OK;
}

static long long intArg(const logConv *c, va_list *ap) {
    int uns = strchr("ouxXc", c->conv) != NULL;
    switch (c->len) {
    case 'l': return uns ? (long long)va_arg(*ap, unsigned long) : va_arg(*ap, long);
    case 'L': return uns ? (long long)va_arg(*ap, unsigned long long) : va_arg(*ap, long long);
    case 'z': return (long long)va_arg(*ap, size_t);
    case 'j': return (long long)va_arg(*ap, intmax_t);
    case 't': return (long long)va_arg(*ap, ptrdiff_t);
    default: return uns ? (long long)va_arg(*ap, unsigned) : va_arg(*ap, int);
    }
}

/* Format one conversion into b; *num is set when it is a number. */
static void formatConv(cbBuf *b, const logConv *c, va_list *ap, int *num) {
    char out[LOG_VALUE_MAX];
    int w[2] = {0, 0};
    for (int i = 0; i < c->stars; i++) w[i] = va_arg(*ap, int);
    /* The spec came from the caller's own (compile-time checked) format. */
    /* NOLINTBEGIN(clang-analyzer-valist.Uninitialized) */
#define LOG_FMT(arg)                                                                               \
    (c->stars == 2   ? snprintf(out, sizeof(out), c->spec, w[0], w[1], arg)                       \
     : c->stars == 1 ? snprintf(out, sizeof(out), c->spec, w[0], arg)                             \
                     : snprintf(out, sizeof(out), c->spec, arg))
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    *num = 0;
    if (c->conv == 's') {
        const char *s = va_arg(*ap, const char *);
        LOG_FMT(s ? s : "(null)");
    } else if (c->conv == 'p') {
        LOG_FMT(va_arg(*ap, void *));
    } else if (strchr("fFeEgGaA", c->conv)) {
        if (c->len == 'D') LOG_FMT(va_arg(*ap, long double));
        else LOG_FMT(va_arg(*ap, double));
        *num = 1;
    } else {
        long long v = intArg(c, ap);
        int uns = strchr("ouxXc", c->conv) != NULL;
        if (c->len == 'L' || c->len == 'j' || c->len == 't') {
            if (uns) LOG_FMT((unsigned long long)v);
            else LOG_FMT(v);
        } else if (c->len == 'l') {
            if (uns) LOG_FMT((unsigned long)v);
            else LOG_FMT((long)v);
        } else if (c->len == 'z') {
            LOG_FMT((size_t)v);
        } else if (uns) {
            LOG_FMT((unsigned)v);
        } else {
            LOG_FMT((int)v);
        }
        *num = c->conv != 'c';
    }
#pragma GCC diagnostic pop
#undef LOG_FMT
    /* NOLINTEND(clang-analyzer-valist.Uninitialized) */
    bufAppendStr(b, out);
}

/* Format f[0..stop) (literal text and conversions) into b. *num says the
 * segment was exactly one numeric conversion. */
static const char *formatSegment(cbBuf *b, const char *f, const char *stop, va_list *ap,
                                 int *num) {
    int parts = 0, lastNum = 0;
    while (*f && !strchr(stop, *f)) {
        logConv c;
        if (f[0] == '%' && f[1] == '%') {
            bufAppendStr(b, "%");
            f += 2;
        } else if (f[0] == '%' && parseConv(f, &c) == CB_OK) {
            formatConv(b, &c, ap, &lastNum);
            f = c.end;
        } else {
            bufAppend(b, f++, 1);
            lastNum = 0;
        }
        parts++;
    }
    *num = parts == 1 && lastNum;
    return f;
}

typedef struct {
    cbBuf text; /* logfmt line or nothing */
    json_t *obj;
} logLine;

static void addField(logLine *ln, const char *key, cbBuf *raw, int num, int bare) {
    logRedact(raw->p ? raw->p : (char *)"");
    cbBuf v;
    bufInit(&v, LOG_VALUE_MAX * 2);
    appendValidUtf8(&v, bufStr(raw));
    if (ln->obj) {
        json_t *j = NULL;
        char *end = NULL;
        if (num && v.len) {
            if (strpbrk(bufStr(&v), ".eEnN")) {
                double d = strtod(bufStr(&v), &end);
                if (*end == '\0') j = json_real(d);
            } else {
                long long ll = strtoll(bufStr(&v), &end, 10);
                if (*end == '\0') j = json_integer(ll);
            }
        }
        if (!j) j = bare ? json_true() : json_stringn(bufStr(&v), v.len);
        json_object_set_new(ln->obj, key, j ? j : json_null());
    } else {
        bufPrintf(&ln->text, " %s", key);
        if (!bare) {
            bufAppendStr(&ln->text, "=");
            appendLogfmtValue(&ln->text, bufStr(&v));
        }
    }
    bufFree(&v);
}

/* Walk the caller's logfmt format: key=value pairs, a value bare, or in
 * double quotes, each made of literal text and printf conversions. Values
 * are formatted one by one and then escaped, so their content can never
 * add a field. */
static void addFields(logLine *ln, const char *fmt, va_list *ap) {
    const char *f = fmt;
    while (*f) {
        while (*f == ' ') f++;
        if (!*f) break;
        cbBuf key, val;
        bufInit(&key, 128);
        bufInit(&val, LOG_VALUE_MAX);
        int num = 0, bare = 1;
        f = formatSegment(&key, f, "= ", ap, &num);
        if (*f == '=') {
            bare = 0;
            f++;
            if (*f == '"') {
                f = formatSegment(&val, f + 1, "\"", ap, &num);
                if (*f == '"') f++;
                num = 0; /* quoted by the caller: text */
            } else {
                f = formatSegment(&val, f, " ", ap, &num);
            }
        }
        cbBuf k;
        bufInit(&k, 256);
        appendValidUtf8(&k, key.len ? bufStr(&key) : "_");
        addField(ln, bufStr(&k), &val, num, bare);
        bufFree(&k);
        bufFree(&key);
        bufFree(&val);
    }
}

void logEvent(logLevel level, const char *event, const char *fmt, ...) {
    if (level < L.level || level >= LOG_OFF) return;
    char ts[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
    logLine ln = {.obj = NULL};
    bufInit(&ln.text, LOG_LINE_MAX);
    if (L.json) {
        ln.obj = json_object();
        json_object_set_new(ln.obj, "ts", json_string(ts));
        json_object_set_new(ln.obj, "level", json_string(levelNames[level]));
        json_object_set_new(ln.obj, "event", json_string(event));
    } else {
        bufPrintf(&ln.text, "ts=%s level=%s event=", ts, levelNames[level]);
        appendLogfmtValue(&ln.text, event);
    }
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        addFields(&ln, fmt, &ap);
        va_end(ap);
    }
    char *json = ln.obj ? json_dumps(ln.obj, JSON_COMPACT | JSON_REAL_PRECISION(12)) : NULL;
    FILE *out = L.out ? L.out : stderr;
    fprintf(out, "%s\n", json ? json : bufStr(&ln.text));
    fflush(out);
    free(json);
    json_decref(ln.obj);
    bufFree(&ln.text);
}
