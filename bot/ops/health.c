/* health.c - /livez, /readyz (= /healthz) and /metrics, GET or HEAD, on an
 * extra libwebsockets vhost
 * of the loop's context (see health.h). lws parses the request (with its
 * own header size limits); we answer from LWS_CALLBACK_HTTP by writing the
 * headers at once and the body when the socket is writable. A body is a
 * few KB at most, built fresh per request; nothing is cached. */
#include "ops/health.h"

#include <jansson.h>
#include <libwebsockets.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/common.h"
#include "ops/metrics.h"

#define HEALTH_CHUNK 4096

struct healthServer {
    struct lws_vhost *vh;
    healthStatusFn *fn;
    void *ud;
    char host[256];
    struct lws_protocols protocols[2];
};

typedef struct healthPss { /* per connection */
    char *body;
    size_t len, off;
    int head; /* HEAD: headers only */
} healthPss;

int healthDisabled(const char *addr) { return !addr || !*addr || strcmp(addr, "off") == 0; }

int healthRender(const healthReport *r, char **body) {
    char reason[160] = "";
    if (r->shutting_down) snprintf(reason, sizeof reason, "shutting down");
    else if (!r->knowledge_loaded) snprintf(reason, sizeof reason, "knowledge: not loaded");
    json_t *plats = json_object();
    for (size_t i = 0; i < r->nplatforms && i < HEALTH_MAX_PLATFORMS; i++) {
        const healthPlatform *p = &r->platforms[i];
        if (!p->configured || !p->name) continue;
        json_object_set_new(plats, p->name, json_string(p->connected ? "connected" : "not connected"));
        if (!p->connected && !reason[0]) snprintf(reason, sizeof reason, "%s: not connected", p->name);
    }
    json_t *o = json_pack("{s:s}", "status", reason[0] ? "unavailable" : "ok");
    if (reason[0]) json_object_set_new(o, "reason", json_string(reason));
    json_object_set_new(o, "knowledge_entries", json_integer((json_int_t)r->knowledge_entries));
    json_object_set_new(o, "platforms", plats);
    char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    *body = cbSprintf("%s\n", s);
    free(s);
    return reason[0] ? 503 : 200;
}

/* The platforms' connected gauges follow the status at each scrape. */
static void updateGauges(const healthReport *r) {
    for (size_t i = 0; i < r->nplatforms && i < HEALTH_MAX_PLATFORMS; i++)
        if (r->platforms[i].name && r->platforms[i].configured)
            metricsPlatformConnected(r->platforms[i].name, r->platforms[i].connected);
}

/* Status, content type and body for a request (GET or HEAD). */
static int route(healthServer *s, const char *path, char **body, const char **ctype) {
    *ctype = "text/plain; charset=utf-8";
    healthReport r;
    memset(&r, 0, sizeof r);
    if (strcmp(path, "/livez") == 0) { /* the loop runs: it is answering this */
        *ctype = "application/json";
        *body = cbStrdup("{\"status\":\"ok\"}\n");
        return 200;
    }
    if (strcmp(path, "/readyz") == 0 || strcmp(path, "/healthz") == 0) {
        if (s->fn) s->fn(s->ud, &r);
        *ctype = "application/json";
        return healthRender(&r, body);
    }
    if (strcmp(path, "/metrics") == 0) {
        if (s->fn) s->fn(s->ud, &r);
        updateGauges(&r);
        *ctype = "text/plain; version=0.0.4; charset=utf-8";
        *body = metricsRenderAll();
        return 200;
    }
    *body = cbStrdup("not found: try /livez, /readyz, /healthz or /metrics\n");
    return 404;
}

static int sendHeaders(struct lws *wsi, int status, const char *ctype, size_t len) {
    unsigned char buf[LWS_PRE + 1024], *start = buf + LWS_PRE, *p = start,
                                        *end = buf + sizeof buf - 1;
    if (lws_add_http_common_headers(wsi, (unsigned)status, ctype, (lws_filepos_t)len, &p, end))
        return -1;
    if (lws_add_http_header_by_name(wsi, (const unsigned char *)"cache-control:",
                                    (const unsigned char *)"no-store", 8, &p, end))
        return -1;
    if (status == 405 && lws_add_http_header_by_name(wsi, (const unsigned char *)"allow:",
                                                     (const unsigned char *)"GET, HEAD", 9, &p, end))
        return -1;
    return lws_finalize_write_http_header(wsi, start, &p, end) ? -1 : 0;
}

static int onHttp(struct lws *wsi, healthPss *pss, const char *path) {
    healthServer *s = lws_get_vhost_user(lws_get_vhost(wsi));
    const char *ctype = "text/plain; charset=utf-8";
    free(pss->body);
    pss->body = NULL;
    pss->head = lws_hdr_total_length(wsi, WSI_TOKEN_HEAD_URI) > 0;
    int status;
    if (!pss->head && lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) <= 0) {
        pss->body = cbStrdup("method not allowed: use GET or HEAD\n");
        status = 405;
    } else {
        status = route(s, path ? path : "", &pss->body, &ctype);
    }
    pss->len = strlen(pss->body);
    pss->off = 0;
    if (sendHeaders(wsi, status, ctype, pss->len) != 0) return -1;
    lws_callback_on_writable(wsi);
    return 0;
}

static int onWritable(struct lws *wsi, healthPss *pss) {
    if (!pss->body) return 0;
    if (pss->head) { /* the headers said how long the body is; no body */
        free(pss->body);
        pss->body = NULL;
        return lws_http_transaction_completed(wsi) ? -1 : 0;
    }
    unsigned char buf[LWS_PRE + HEALTH_CHUNK];
    size_t n = pss->len - pss->off;
    if (n > HEALTH_CHUNK) n = HEALTH_CHUNK;
    int last = pss->off + n == pss->len;
    memcpy(buf + LWS_PRE, pss->body + pss->off, n);
    if (lws_write(wsi, buf + LWS_PRE, n, last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) < (int)n)
        return -1;
    pss->off += n;
    if (!last) {
        lws_callback_on_writable(wsi);
        return 0;
    }
    free(pss->body);
    pss->body = NULL;
    return lws_http_transaction_completed(wsi) ? -1 : 0;
}

static int healthCallback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                          size_t len) {
    healthPss *pss = user;
    switch (reason) {
    case LWS_CALLBACK_HTTP: return onHttp(wsi, pss, in);
    case LWS_CALLBACK_HTTP_WRITEABLE: return onWritable(wsi, pss);
    case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
    case LWS_CALLBACK_CLOSED_HTTP:
        if (pss) {
            free(pss->body);
            pss->body = NULL;
        }
        return 0;
    default: return lws_callback_http_dummy(wsi, reason, user, in, len);
    }
}

/* "HOST:PORT" or "[V6]:PORT" into s->host and *port. */
static int parseAddr(healthServer *s, const char *addr, int *port, char *err) {
    const char *colon = strrchr(addr, ':');
    char *end;
    long p = colon ? strtol(colon + 1, &end, 10) : -1;
    if (!colon || colon == addr || *end || p < 0 || p > 65535)
        return cbErr(err, "health.listen must be HOST:PORT or off, not '%s'", addr);
    const char *h = addr;
    size_t n = (size_t)(colon - addr);
    if (h[0] == '[' && n >= 2 && h[n - 1] == ']') h++, n -= 2;
    if (n == 0 || n >= sizeof s->host) return cbErr(err, "health.listen: bad host in '%s'", addr);
    memcpy(s->host, h, n);
    s->host[n] = '\0';
    *port = (int)p;
    return CB_OK;
}

healthServer *healthStart(cbLoop *l, const char *addr, healthStatusFn *fn, void *ud, char *err) {
    if (healthDisabled(addr)) return cbErr(err, "%s", ""), NULL;
    if (!l || !l->lws) return cbErr(err, "health: the loop has no lws context"), NULL;
    healthServer *s = cbCalloc(1, sizeof *s);
    int port = 0;
    if (parseAddr(s, addr, &port, err) != CB_OK) return free(s), NULL;
    s->fn = fn;
    s->ud = ud;
    s->protocols[0] = (struct lws_protocols){.name = "careerbot-health",
                                             .callback = healthCallback,
                                             .per_session_data_size = sizeof(healthPss)};
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.vhost_name = "careerbot-health";
    info.port = port; /* 0: the kernel picks a free port (tests) */
    info.iface = s->host;
    info.protocols = s->protocols;
    info.user = s;
    info.options = LWS_SERVER_OPTION_DISABLE_IPV6 * (strchr(s->host, ':') == NULL);
    s->vh = lws_create_vhost(l->lws, &info);
    if (!s->vh) {
        cbErr(err, "cannot listen on %s for /healthz (port taken? set health.listen)", addr);
        free(s);
        return NULL;
    }
    return s;
}

int healthPort(const healthServer *s) { return s ? lws_get_vhost_listen_port(s->vh) : 0; }

void healthStop(healthServer *s) {
    if (!s) return;
    lws_vhost_destroy(s->vh);
    free(s);
}
