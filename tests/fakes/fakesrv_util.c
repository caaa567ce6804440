/* fakesrv_util.c - the parts of the fake-server library that do not touch
 * connections: response building, form/query decoding, one-shot timers on
 * lws's scheduler, and the bounded in-memory request log (see fakesrv.h). */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/common.h"
#include "fakesrv_int.h"

/* ---- responses ---- */

void fsReply(fsResponse *res, int status, const char *content_type, const char *body) {
    res->touched = 1;
    res->status = status;
    free(res->ctype);
    res->ctype = cbStrdup(content_type ? content_type : "text/plain");
    free(res->body);
    res->body = cbStrdup(body ? body : "");
    res->body_len = strlen(res->body);
}

void fsReplyJson(fsResponse *res, int status, const char *json) {
    fsReply(res, status, "application/json", json);
}

void fsReplyf(fsResponse *res, int status, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) < 0) s = NULL;
    va_end(ap);
    fsReplyJson(res, status, s ? s : "");
    free(s);
}

void fsAddHeader(fsResponse *res, const char *name, const char *value) {
    if (res->nhdrs == FS_MAX_RESP_HDRS || !name || !value) return;
    res->touched = 1;
    size_t n = strlen(name);
    char *lower = cbMalloc(n + 2);
    for (size_t i = 0; i < n; i++) lower[i] = (char)tolower((unsigned char)name[i]);
    lower[n] = n && name[n - 1] == ':' ? '\0' : ':';
    lower[n + 1] = '\0';
    res->hdrs[res->nhdrs].name = lower;
    res->hdrs[res->nhdrs].value = cbStrdup(value);
    res->nhdrs++;
}

void fsDelay(fsResponse *res, double ms) {
    res->delay_ms = ms > 0 ? ms : 0;
}

void fsResponseFree(fsResponse *r) {
    free(r->ctype);
    free(r->body);
    for (int i = 0; i < r->nhdrs; i++) {
        free(r->hdrs[i].name);
        free(r->hdrs[i].value);
    }
    memset(r, 0, sizeof(*r));
}

/* ---- form / query values ---- */

static int hexVal(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    c = (char)tolower((unsigned char)c);
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

static void urlDecode(const char *s, size_t n, char *out, size_t outlen) {
    size_t o = 0;
    for (size_t i = 0; i < n && o + 1 < outlen; i++) {
        if (s[i] == '+') {
            out[o++] = ' ';
        } else if (s[i] == '%' && i + 2 < n && hexVal(s[i + 1]) >= 0 &&
                   hexVal(s[i + 2]) >= 0) {
            out[o++] = (char)(hexVal(s[i + 1]) * 16 + hexVal(s[i + 2]));
            i += 2;
        } else {
            out[o++] = s[i];
        }
    }
    out[o] = '\0';
}

int fsFormValue(const char *form, const char *name, char *out, size_t outlen) {
    if (!form || !name || !out || outlen == 0) return 0;
    size_t nlen = strlen(name);
    const char *p = form;
    while (*p) {
        const char *end = strchr(p, '&');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len > nlen && strncmp(p, name, nlen) == 0 && p[nlen] == '=') {
            urlDecode(p + nlen + 1, len - nlen - 1, out, outlen);
            return 1;
        }
        if (len == nlen && strncmp(p, name, nlen) == 0) {
            out[0] = '\0';
            return 1;
        }
        if (!end) break;
        p = end + 1;
    }
    return 0;
}

/* ---- timers ---- */

static void timerFire(lws_sorted_usec_list_t *sul) {
    fsTimer *t = lws_container_of(sul, fsTimer, sul);
    fsServer *s = t->srv;
    if (t->prev) t->prev->next = t->next;
    else s->timers = t->next;
    if (t->next) t->next->prev = t->prev;
    fsTimerFn *fn = t->fn;
    void *ud = t->ud;
    free(t);
    fn(s, ud);
}

fsTimer *fsAfter(fsServer *s, double ms, fsTimerFn *fn, void *ud) {
    fsTimer *t = cbCalloc(1, sizeof(*t));
    t->srv = s;
    t->fn = fn;
    t->ud = ud;
    t->next = s->timers;
    if (s->timers) s->timers->prev = t;
    s->timers = t;
    lws_sul_schedule(s->ctx, 0, &t->sul, timerFire, (lws_usec_t)((ms > 0 ? ms : 0) * 1000));
    return t;
}

void fsCancel(fsTimer *t) {
    if (!t) return;
    fsServer *s = t->srv;
    lws_sul_cancel(&t->sul);
    if (t->prev) t->prev->next = t->next;
    else s->timers = t->next;
    if (t->next) t->next->prev = t->prev;
    free(t);
}

void fsTimersFree(fsServer *s) {
    while (s->timers) {
        fsTimer *t = s->timers;
        s->timers = t->next;
        lws_sul_cancel(&t->sul);
        free(t);
    }
}

/* ---- log ---- */

json_t *fsJsonBody(const char *body, size_t len) {
    if (!body || len == 0) return json_string("");
    json_t *j = json_loadb(body, len, JSON_DECODE_ANY, NULL);
    if (j) return j;
    j = json_stringn(body, len);
    return j ? j : json_sprintf("<%zu bytes, not UTF-8>", len);
}

double fsNowMs(const fsServer *s) {
    return cbNowMs() - s->t0;
}

static void logCountKind(fsServer *s, const json_t *entry) {
    const char *kind = json_string_value(json_object_get(entry, "kind"));
    if (!kind) return;
    json_int_t n = json_integer_value(json_object_get(s->log_kinds, kind));
    json_object_set_new(s->log_kinds, kind, json_integer(n + 1));
}

void fsLogAppend(fsServer *s, json_t *entry) {
    logCountKind(s, entry);
    if (json_array_size(s->log) >= FS_MAX_LOG) {
        s->log_dropped++;
        json_decref(entry);
        return;
    }
    json_object_set_new(entry, "t", json_real(fsNowMs(s)));
    json_array_append_new(s->log, entry);
}

void fsLog(fsServer *s, const char *kind, const char *body) {
    json_t *e = json_object();
    json_object_set_new(e, "kind", json_string(kind ? kind : "note"));
    json_object_set_new(e, "body", fsJsonBody(body, body ? strlen(body) : 0));
    fsLogAppend(s, e);
}

void fsLogf(fsServer *s, const char *kind, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char *msg = NULL;
    if (vasprintf(&msg, fmt, ap) < 0) msg = NULL;
    va_end(ap);
    fsLog(s, kind, msg ? msg : "");
    free(msg);
}

size_t fsLogCount(const fsServer *s, const char *kind) {
    if (!kind) return json_array_size(s->log);
    return (size_t)json_integer_value(json_object_get(s->log_kinds, kind));
}

char *fsLogDump(fsServer *s) {
    char *out = json_dumps(s->log, JSON_COMPACT);
    return out ? out : cbStrdup("[]");
}
