/* health.h - the health and metrics listener: an HTTP/1.1 vhost created on
 * the loop's libwebsockets context (so it shares the one uv loop) serving
 *   /livez    200 {"status":"ok"} while the loop runs (a platform outage
 *             is no reason to restart the process)
 *   /readyz   200 {"status":"ok",...} when the knowledge is loaded and
 *             every configured platform is connected, else
 *             503 {"status":"unavailable","reason":"slack: not connected"}
 *   /healthz  the same as /readyz (kept for existing probes)
 *   /metrics  the Prometheus text (metricsRenderAll), with each platform's
 *             connected gauge updated from the status
 * GET and HEAD (headers only, same Content-Length); other paths 404, other
 * methods 405 with Allow. Default 127.0.0.1:8080; "off" disables it. */
#ifndef CB_HEALTH_H
#define CB_HEALTH_H

#include <stddef.h>

#include "net/loop.h"

#define HEALTH_MAX_PLATFORMS 4

typedef struct healthPlatform {
    const char *name; /* "slack", "discord" */
    int configured;   /* has tokens: its connection counts */
    int connected;
} healthPlatform;

typedef struct healthReport {
    int shutting_down; /* draining after SIGTERM: 503 "shutting down" */
    int knowledge_loaded;
    size_t knowledge_entries;
    healthPlatform platforms[HEALTH_MAX_PLATFORMS];
    size_t nplatforms;
} healthReport;

/* Called on /readyz, /healthz and /metrics: fill *out (zeroed before). */
typedef void healthStatusFn(void *ud, healthReport *out);

typedef struct healthServer healthServer;

/* 1 when addr says the listener is off ("off", "" or NULL). */
int healthDisabled(const char *addr);
/* addr "HOST:PORT" (port 0 picks a free one: see healthPort). NULL + err
 * on failure (e.g. the port is taken). */
healthServer *healthStart(cbLoop *l, const char *addr, healthStatusFn *fn, void *ud, char *err);
int healthPort(const healthServer *s);
/* Close the listener; call before loopFree(). NULL is fine. */
void healthStop(healthServer *s);
/* The /healthz answer for a report: the HTTP status and the JSON body
 * (caller frees). Exposed for tests. */
int healthRender(const healthReport *r, char **body);

#endif
