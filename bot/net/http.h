/* http.h - non-blocking REST client on libcurl multi, sharing the loop.
 *
 * One call, one callback: httpSubmit() either fails at once (CB_ERR, the
 * callback is never called) or calls done exactly once with the final
 * outcome, after:
 *  - 429: waits Retry-After (header, or Discord's JSON `retry_after`) on
 *    that route and retries; the route (and, for a global limit, every
 *    route) stays closed meanwhile: queued requests wait, none is dropped.
 *  - Discord buckets: X-RateLimit-Bucket/-Remaining/-Reset-After are
 *    learned per route; a bucket with 0 remaining is not sent into until it
 *    resets. Routes that report the same bucket share its state.
 *  - 5xx and network errors: bounded retries with exponential backoff and
 *    jitter (max_attempts).
 *  - a group limit (Discord's global 50 requests/s): at most group_n
 *    requests of the group in any group_window_ms, all routes together;
 *    the others wait their turn in their route's queue.
 * Connections are reused (one multi handle). Response bodies are limited in
 * size. Authorization values are never logged. */
#ifndef CB_HTTP_H
#define CB_HTTP_H

#include <stddef.h>

#include "net/loop.h"

#define HTTP_MAX_BODY (4u << 20) /* response bytes kept; more is an error */
#define HTTP_MAX_CONNECTS 128    /* idle connections kept for reuse */

typedef struct httpClient httpClient;

typedef struct httpRequest {
    const char *method;       /* "GET", "POST", "PUT", "PATCH", "DELETE" */
    const char *url;
    const char *body;         /* may be NULL */
    const char *content_type; /* default "application/json; charset=utf-8" */
    const char *authorization;/* full header value, e.g. "Bearer xoxb-..."; may be NULL */
    const char *route;        /* rate-limit key, e.g. "chat.postMessage" or
                                 "POST /channels/123/messages"; default: url.
                                 A key without a space gets the method
                                 prefixed, so two methods of one path share
                                 a limit only when Discord's bucket header
                                 says so. Logged with any token after
                                 /webhooks/ID or /interactions/ID cut off. */
    int max_attempts;         /* for 5xx/network errors; default 4 */
    double timeout_ms;        /* per attempt; default 10000 */
    const char *user_agent;   /* default "careerbot/<version> (libcurl)" */
    const char *group;        /* shared proactive limit, e.g. "discord"; NULL: none */
    int group_n;              /* requests per window in that group */
    double group_window_ms;   /* default 1000 */
    int route_concurrency;    /* requests of this route in flight at once;
                                 default 1: strict FIFO order on the wire.
                                 Up to HTTP_MAX_ROUTE_CONCURRENCY. */
    int urgent;               /* started before other routes' requests
                                 (Discord's interaction callbacks, which a
                                 user waits for, over queued message posts) */
} httpRequest;

#define HTTP_MAX_ROUTE_CONCURRENCY 16

typedef struct httpResponse {
    long status;          /* 0 when no HTTP response (network error) */
    const char *body;     /* NUL-terminated, may be "" */
    size_t body_len;
    const char *error;    /* NULL when a final HTTP response arrived (any
                             status: check it, 4xx are final answers); else
                             what went wrong: network error or 5xx after
                             max_attempts, too many 429s, body over
                             HTTP_MAX_BODY, "shutting down" */
    int attempts;         /* how many tries it took */
    double waited_ms;     /* time spent waiting on rate limits */
} httpResponse;

/* Called from the loop, never from inside httpSubmit. res and its strings
 * are valid only during the call. */
typedef void httpDoneFn(const httpResponse *res, void *ud);

httpClient *httpClientNew(cbLoop *l, char *err);
/* Fails every queued and in-flight request with error "shutting down"
 * (each done is called, status 0) and frees; httpSubmit on a client being
 * freed fails. Safe from inside a done callback. The client's uv handles
 * close asynchronously: run the loop afterwards (loopFree does). */
void httpClientFree(httpClient *c);
int httpSubmit(httpClient *c, const httpRequest *req, httpDoneFn *done, void *ud, char *err);
/* Requests queued or in flight (for graceful shutdown). */
size_t httpPending(const httpClient *c);
/* Counters for /metrics. */
unsigned long httpRateLimitWaits(const httpClient *c);
/* For tests: poll handles set up so far (one per connection curl opened,
 * however many calls it carried), and sockets watched now (an idle
 * connection is watched until its server closes it). */
unsigned long httpPollHandlesMade(const httpClient *c);
size_t httpSocketsWatched(const httpClient *c);

#endif
