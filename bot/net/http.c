/* http.c - the REST client (see http.h): libcurl's multi interface driven
 * by libuv (CURLMOPT_SOCKETFUNCTION -> uv_poll, CURLMOPT_TIMERFUNCTION ->
 * uv_timer, as in curl's multi-uv example), with per-route FIFO queues and
 * rate limits (ratelimit.c), 429 waits, and 5xx/network retries with
 * full-jitter backoff (backoff.c).
 *
 * A request lives in one place at a time: its route's queue, or in flight
 * (on the multi handle and in the client's in-flight list). Requests are
 * started only by the pump, which runs from a uv timer (never inside
 * httpSubmit, so done is never called re-entrantly from httpSubmit). */
#include "net/http.h"

#include <curl/curl.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/backoff.h"
#include "base/buf.h"
#include "base/common.h"
#include "base/log.h"
#include "net/ratelimit.h"

#define HTTP_RETRY_BASE_MS 250.0
#define HTTP_RETRY_CAP_MS 8000.0
#define HTTP_RETRY_MIN_MS 50.0
#define HTTP_MAX_429_RETRIES 10
#define HTTP_DEFAULT_429_WAIT_MS 1000.0
#define HTTP_MAX_429_WAIT_MS 3600000.0
#define HTTP_SPARE_EASY 16 /* easy handles reused (curl_easy_reset) instead of made per call */
#define HTTP_EXPECT_AT (1024 * 1024) /* curl's EXPECT_100_THRESHOLD since 7.69.0 (1 KiB before) */
#define HTTP_URL_CACHE 8   /* URLs kept parsed (CURLOPT_CURLU) for the next calls to them */

/* A URL parsed once for the calls to it (httpUrlGet). */
typedef struct httpUrl {
    char *url;
    CURLU *u;
    int refs;           /* calls whose easy handle points at u */
    unsigned long used; /* when last handed out: the oldest unused one is replaced */
} httpUrl;

typedef struct httpCall {
    struct httpClient *c;
    struct httpCall *next;             /* route queue link */
    struct httpCall *fprev, *fnext;    /* in-flight list links */
    char *strs;                        /* the strings below, in one allocation */
    char *method, *url, *body, *ua;
    char *ctype_hdr, *auth_hdr;        /* "Content-Type: ...", "Authorization: ..." */
    int max_attempts, concurrency;
    double timeout_ms;
    rlRoute *route;
    httpDoneFn *done;
    void *ud;
    int attempts, fails, limited;      /* tries; 5xx/network failures; 429s */
    double not_before;                 /* backoff: no retry before */
    double blocked_since, waited_ms;   /* rate-limit wait accounting */
    CURL *easy;
    httpUrl *purl;                     /* the parsed URL the easy handle uses, or NULL */
    struct curl_slist *hdrs;
    cbBuf resp;
    int too_big;
    char errbuf[CURL_ERROR_SIZE];
    /* rate-limit headers of the current response */
    char bucket[128];
    int rl_remaining;
    double rl_reset_after, retry_after;
    int rl_global;
} httpCall;

/* A socket curl asked us to watch. A connection curl opened (httpOpenSocket)
 * keeps its poll handle until curl closes it (httpCloseSocket): between
 * calls it idles, watched for readable only, so a reused connection costs
 * no epoll_ctl, FIONBIO or handle set-up per call (7 system calls a REST
 * call before). Other sockets (the resolver's) get the handle only while
 * curl asks for them. */
typedef struct httpSock {
    uv_poll_t poll;
    curl_socket_t fd;
    struct httpClient *c;
    struct httpSock *prev, *next;
    int watching;       /* UV_READABLE/UV_WRITABLE the poll handle is started with */
    unsigned owned : 1; /* opened by httpOpenSocket: curl tells us when it closes it */
    unsigned busy : 1;  /* curl watches it (between its socket callback and REMOVE) */
} httpSock;

struct httpClient {
    cbLoop *loop;
    CURLM *multi;
    uv_timer_t curl_timer, pump_timer;
    rlTable rl;
    httpCall *flight;        /* in flight */
    httpSock *socks;
    size_t pending;          /* queued + in flight */
    unsigned long rl_waits;
    int depth;               /* inside callbacks that may call done */
    int closing, free_pending, pumping, repump;
    int handles_open;
    unsigned long polls_made; /* poll handles initialized (httpPollHandlesMade) */
    CURL *spare[HTTP_SPARE_EASY]; /* reset easy handles kept for the next calls */
    int nspare;
    httpUrl urls[HTTP_URL_CACHE];
    size_t expect_at;        /* bodies from this size go with "Expect:" (see httpSetupEasy) */
    unsigned long url_clock;
    size_t urgent_queued;    /* requests waiting in urgent routes' queues */
    size_t queued;           /* requests waiting in any route's queue */
};

static void httpPump(httpClient *c);
static void httpOnPumpTimer(uv_timer_t *t);
static void httpReallyFree(httpClient *c);

/* ---- small helpers ---- */

/* A route or URL for logs: ids after /webhooks/ and /interactions/ are
 * followed by tokens, so cut there. */
static void httpLogRoute(const char *route, char *out, size_t n) {
    snprintf(out, n, "%s", route);
    static const char *secretish[] = {"/webhooks/", "/interactions/"};
    for (size_t i = 0; i < CB_ARRAY_LEN(secretish); i++) {
        char *p = strstr(out, secretish[i]);
        if (!p) continue;
        p += strlen(secretish[i]);
        p += strcspn(p, "/");
        if (*p && (size_t)(p - out) + 5 < n) memcpy(p, "/...", 5); /* with the NUL */
    }
}

static void httpEnter(httpClient *c) {
    c->depth++;
}

static void httpLeave(httpClient *c) {
    if (--c->depth == 0 && c->free_pending) httpReallyFree(c);
}

/* A finished call's easy handle goes back to the spares (reset: no option
 * of this call survives; curl keeps its buffers), or is cleaned up. */
static void httpEasyRelease(httpClient *c, CURL *e) {
    if (!e) return;
    if (c->nspare < HTTP_SPARE_EASY && !c->closing) {
        curl_easy_reset(e);
        c->spare[c->nspare++] = e;
        return;
    }
    curl_easy_cleanup(e);
}

static void httpCallFree(httpCall *h) {
    httpEasyRelease(h->c, h->easy);
    if (h->purl) h->purl->refs--; /* the easy handle no longer points at it */
    curl_slist_free_all(h->hdrs);
    bufFree(&h->resp);
    free(h->strs);
    free(h);
}

/* The final outcome: call done once, free the call. */
static void httpFinish(httpCall *h, long status, const char *error) {
    httpClient *c = h->c;
    httpResponse res = {status, bufStr(&h->resp), h->resp.len, error, h->attempts, h->waited_ms};
    if (error) {
        char r[256];
        httpLogRoute(h->route->name, r, sizeof(r));
        logEvent(LOG_WARN, "http.failed", "route=\"%s\" status=%ld attempts=%d error=\"%s\"", r,
                 status, h->attempts, error);
    }
    c->pending--;
    httpEnter(c);
    h->done(&res, h->ud);
    httpCallFree(h);
    httpLeave(c);
}

/* ---- route queues and rate-limit wait accounting ---- */

static void httpQueuePush(rlRoute *r, httpCall *h, int front) {
    if (!r->queued) rlQueueFilled(&h->c->rl, r);
    if (r->urgent) h->c->urgent_queued++;
    h->c->queued++;
    if (front) {
        h->next = r->head;
        r->head = h;
        if (!r->tail) r->tail = h;
    } else {
        h->next = NULL;
        if (r->tail) ((httpCall *)r->tail)->next = h;
        else r->head = h;
        r->tail = h;
    }
    r->queued++;
}

static httpCall *httpQueuePop(rlRoute *r) {
    httpCall *h = r->head;
    if (!h) return NULL;
    r->head = h->next;
    if (!r->head) r->tail = NULL;
    h->next = NULL;
    r->queued--;
    if (!r->queued) rlQueueEmptied(&h->c->rl, r);
    h->c->queued--;
    if (r->urgent) h->c->urgent_queued--;
    return h;
}

/* The route is held by a rate limit: start the clock of its requests. */
static void httpMarkBlocked(httpClient *c, rlRoute *r, double now) {
    for (httpCall *h = r->head; h; h = h->next) {
        if (h->blocked_since > 0) continue;
        h->blocked_since = now;
        c->rl_waits++;
    }
    r->blocked = 1;
}

static void httpUnmarkBlocked(rlRoute *r, double now) {
    if (!r->blocked) return;
    for (httpCall *h = r->head; h; h = h->next) {
        if (h->blocked_since <= 0) continue;
        h->waited_ms += now - h->blocked_since;
        h->blocked_since = 0;
    }
    r->blocked = 0;
}

static void httpFlightAdd(httpClient *c, httpCall *h) {
    h->fprev = NULL;
    h->fnext = c->flight;
    if (c->flight) c->flight->fprev = h;
    c->flight = h;
}

static void httpFlightRemove(httpClient *c, httpCall *h) {
    if (h->fprev) h->fprev->fnext = h->fnext;
    else c->flight = h->fnext;
    if (h->fnext) h->fnext->fprev = h->fprev;
    h->fprev = h->fnext = NULL;
}

/* ---- libcurl <-> libuv ---- */

static void httpCheckDone(httpClient *c);

static void httpSockClosed(uv_handle_t *h) {
    free(h->data);
}

static void httpSockClose(httpClient *c, httpSock *s) {
    if (s->prev) s->prev->next = s->next;
    else c->socks = s->next;
    if (s->next) s->next->prev = s->prev;
    uv_poll_stop(&s->poll);
    s->poll.data = s;
    uv_close((uv_handle_t *)&s->poll, httpSockClosed);
}

static httpSock *httpSockNew(httpClient *c, curl_socket_t fd, int owned) {
    httpSock *s = cbCalloc(1, sizeof(*s));
    s->fd = fd;
    s->c = c;
    s->owned = owned != 0;
    if (uv_poll_init_socket(c->loop->uv, &s->poll, fd) != 0) {
        free(s);
        return NULL;
    }
    c->polls_made++;
    s->poll.data = s;
    s->next = c->socks;
    if (c->socks) c->socks->prev = s;
    c->socks = s;
    return s;
}

static httpSock *httpSockFind(httpClient *c, curl_socket_t fd) {
    for (httpSock *s = c->socks; s; s = s->next)
        if (s->fd == fd) return s;
    return NULL;
}

static void httpOnPoll(uv_poll_t *p, int status, int events);

/* Start the handle with ev unless it is already: a change costs libuv two
 * epoll_ctl calls, and curl repeats its wishes. */
static void httpSockWatch(httpSock *s, int ev) {
    if (ev == s->watching) return;
    s->watching = ev;
    if (ev) uv_poll_start(&s->poll, ev, httpOnPoll);
    else uv_poll_stop(&s->poll);
}

static void httpOnPoll(uv_poll_t *p, int status, int events) {
    httpSock *s = p->data;
    httpClient *c = s->c;
    if (!s->busy) {
        /* an idle connection became readable: the server closed it (or
         * broke the protocol). Stop watching; curl finds it dead when it
         * next looks at it and closes it (httpCloseSocket). */
        httpSockWatch(s, 0);
        return;
    }
    int flags = 0;
    if (status < 0) flags |= CURL_CSELECT_ERR;
    if (events & UV_READABLE) flags |= CURL_CSELECT_IN;
    if (events & UV_WRITABLE) flags |= CURL_CSELECT_OUT;
    int running;
    httpEnter(c);
    curl_multi_socket_action(c->multi, s->fd, flags, &running);
    httpCheckDone(c);
    httpLeave(c);
}

static int httpSocketCb(CURL *e, curl_socket_t fd, int what, void *userp, void *socketp) {
    (void)e;
    httpClient *c = userp;
    httpSock *s = socketp;
    if (what == CURL_POLL_REMOVE) {
        if (!s) return 0;
        curl_multi_assign(c->multi, fd, NULL);
        s->busy = 0;
        if (s->owned) httpSockWatch(s, UV_READABLE); /* idle until curl reuses or closes it */
        else httpSockClose(c, s);
        return 0;
    }
    if (!s) {
        s = httpSockFind(c, fd);
        if (s && !s->owned) s = NULL; /* a stale one: only owned sockets are kept */
        if (!s) s = httpSockNew(c, fd, 0);
        if (!s) return -1;
        curl_multi_assign(c->multi, fd, s);
    }
    s->busy = 1;
    int ev = 0;
    if (what == CURL_POLL_IN || what == CURL_POLL_INOUT) ev |= UV_READABLE;
    if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT) ev |= UV_WRITABLE;
    httpSockWatch(s, ev);
    return 0;
}

/* curl opens a connection: its socket gets a poll handle for its life. */
static curl_socket_t httpOpenSocket(void *ud, curlsocktype purpose, struct curl_sockaddr *a) {
    httpClient *c = ud;
    if (purpose != CURLSOCKTYPE_IPCXN) return CURL_SOCKET_BAD;
    curl_socket_t fd = socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
    if (fd == CURL_SOCKET_BAD) return CURL_SOCKET_BAD;
    if (!httpSockNew(c, fd, 1)) {
        close(fd);
        return CURL_SOCKET_BAD;
    }
    return fd;
}

/* curl closes a connection: the handle goes first (libuv must not watch a
 * closed descriptor), and curl forgets it, so a late REMOVE finds none. */
static int httpCloseSocket(void *ud, curl_socket_t fd) {
    httpClient *c = ud;
    httpSock *s = httpSockFind(c, fd);
    if (s) {
        if (s->busy) curl_multi_assign(c->multi, fd, NULL);
        httpSockClose(c, s);
    }
    return close(fd);
}

static void httpOnCurlTimer(uv_timer_t *t) {
    httpClient *c = t->data;
    int running;
    httpEnter(c);
    curl_multi_socket_action(c->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    httpCheckDone(c);
    httpLeave(c);
}

static int httpTimerCb(CURLM *m, long timeout_ms, void *userp) {
    (void)m;
    httpClient *c = userp;
    if (timeout_ms < 0) uv_timer_stop(&c->curl_timer);
    else uv_timer_start(&c->curl_timer, httpOnCurlTimer, (uint64_t)timeout_ms, 0);
    return 0;
}

/* ---- one attempt ---- */

static size_t httpOnBody(char *data, size_t size, size_t n, void *ud) {
    httpCall *h = ud;
    if (bufAppend(&h->resp, data, size * n) != CB_OK) {
        h->too_big = 1;
        return 0; /* curl fails the transfer with CURLE_WRITE_ERROR */
    }
    return size * n;
}

static int httpHeaderIs(const char *line, size_t len, const char *name, const char **value) {
    size_t n = strlen(name);
    if (len <= n || strncasecmp(line, name, n) != 0 || line[n] != ':') return 0;
    *value = line + n + 1;
    while (**value == ' ' || **value == '\t') (*value)++;
    return 1;
}

static size_t httpOnHeader(char *data, size_t size, size_t n, void *ud) {
    httpCall *h = ud;
    size_t len = size * n;
    char line[512];
    size_t m = len < sizeof(line) - 1 ? len : sizeof(line) - 1;
    memcpy(line, data, m);
    while (m && (line[m - 1] == '\r' || line[m - 1] == '\n')) m--;
    line[m] = '\0';
    const char *v;
    if (strncmp(line, "HTTP/", 5) == 0) { /* a new response (after 100, redirects) */
        h->bucket[0] = '\0';
        h->rl_remaining = -1;
        h->rl_reset_after = h->retry_after = -1;
        h->rl_global = 0;
    } else if (httpHeaderIs(line, m, "retry-after", &v)) {
        char *end;
        double s = strtod(v, &end);
        if (end != v && s >= 0) h->retry_after = s * 1000;
    } else if (httpHeaderIs(line, m, "x-ratelimit-bucket", &v)) {
        snprintf(h->bucket, sizeof(h->bucket), "%s", v);
    } else if (httpHeaderIs(line, m, "x-ratelimit-remaining", &v)) {
        h->rl_remaining = atoi(v);
    } else if (httpHeaderIs(line, m, "x-ratelimit-reset-after", &v)) {
        h->rl_reset_after = strtod(v, NULL) * 1000;
    } else if (httpHeaderIs(line, m, "x-ratelimit-global", &v)) {
        h->rl_global |= strncasecmp(v, "true", 4) == 0;
    } else if (httpHeaderIs(line, m, "x-ratelimit-scope", &v)) {
        h->rl_global |= strncasecmp(v, "global", 6) == 0;
    }
    return len;
}

/* url parsed once for every call to it: curl parses a CURLOPT_URL at each
 * transfer (curl_url_set, ~6k instructions for a Web API URL) but only
 * copies a CURLOPT_CURLU handle. The handle must outlive the transfers
 * that use it, so a slot in use (refs) is never replaced. NULL when every
 * slot is in use or url does not parse (the caller then sets CURLOPT_URL,
 * and curl reports its own error). */
static httpUrl *httpUrlGet(httpClient *c, const char *url) {
    httpUrl *slot = NULL;
    for (int i = 0; i < HTTP_URL_CACHE; i++) {
        httpUrl *x = &c->urls[i];
        if (x->url && strcmp(x->url, url) == 0) {
            x->refs++;
            x->used = ++c->url_clock;
            return x;
        }
        if (x->refs == 0 && (!slot || x->used < slot->used)) slot = x;
    }
    if (!slot) return NULL;
    CURLU *u = curl_url(); /* the flags curl itself parses a CURLOPT_URL with */
    if (!u || curl_url_set(u, CURLUPART_URL, url, CURLU_GUESS_SCHEME | CURLU_NON_SUPPORT_SCHEME)) {
        curl_url_cleanup(u);
        return NULL;
    }
    curl_url_cleanup(slot->u);
    free(slot->url);
    *slot = (httpUrl){cbStrdup(url), u, 1, ++c->url_clock};
    return slot;
}

static void httpUrlsFree(httpClient *c) {
    for (int i = 0; i < HTTP_URL_CACHE; i++) {
        curl_url_cleanup(c->urls[i].u);
        free(c->urls[i].url);
    }
}

static void httpSetupEasy(httpCall *h) {
    httpClient *c = h->c;
    CURL *e = h->easy = c->nspare ? c->spare[--c->nspare] : curl_easy_init();
    h->purl = httpUrlGet(c, h->url);
    if (h->purl) curl_easy_setopt(e, CURLOPT_CURLU, h->purl->u);
    else curl_easy_setopt(e, CURLOPT_URL, h->url);
    curl_easy_setopt(e, CURLOPT_PRIVATE, h);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, httpOpenSocket);
    curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, c);
    curl_easy_setopt(e, CURLOPT_CLOSESOCKETFUNCTION, httpCloseSocket);
    curl_easy_setopt(e, CURLOPT_CLOSESOCKETDATA, c);
    /* No Accept-Encoding: the APIs answer in small JSON, and asking for
     * gzip cost ~9k instructions a call (curl formats the header and sets up
     * a decoder), more than the bytes it saves are worth to a bot. */
    curl_easy_setopt(e, CURLOPT_USERAGENT, h->ua);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)h->timeout_ms);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)(h->timeout_ms < 10000 ? h->timeout_ms : 10000));
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, h->errbuf);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, httpOnBody);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, h);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, httpOnHeader);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, h);
    int get = strcmp(h->method, "GET") == 0, post = strcmp(h->method, "POST") == 0;
    if (!get && !post) curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, h->method); /* PUT, PATCH, DELETE */
    if (get) {
        curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
    } else if (h->body || post || strcmp(h->method, "PUT") == 0 ||
               strcmp(h->method, "PATCH") == 0) {
        size_t blen = h->body ? strlen(h->body) : 0;
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)blen);
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, h->body ? h->body : "");
        h->hdrs = curl_slist_append(h->hdrs, h->ctype_hdr);
        /* curl sends "Expect: 100-continue" (and waits for the 100) only
         * before a body over 1 MiB: an empty Expect turns that off. Smaller
         * calls go without it (curl compares each custom header with every
         * header it adds, and the APIs' bodies are a few kilobytes). */
        if (blen >= c->expect_at) h->hdrs = curl_slist_append(h->hdrs, "Expect:");
    }
    if (h->auth_hdr) h->hdrs = curl_slist_append(h->hdrs, h->auth_hdr);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, h->hdrs);
}

static void httpStart(httpClient *c, httpCall *h) {
    if (!h->easy) httpSetupEasy(h);
    bufReset(&h->resp);
    h->too_big = 0;
    h->errbuf[0] = '\0';
    h->attempts++;
    rlSent(h->route);
    httpFlightAdd(c, h);
    CURLMcode mc = curl_multi_add_handle(c->multi, h->easy);
    if (mc != CURLM_OK) {
        httpFlightRemove(c, h);
        rlDone(h->route);
        httpFinish(h, 0, curl_multi_strerror(mc));
    }
}

/* ---- outcomes ---- */

/* How long a 429 asks us to wait: Discord's JSON retry_after (seconds,
 * float) first, else the Retry-After header, else a default. */
static double http429Wait(httpCall *h, int *global) {
    double wait = -1;
    *global = h->rl_global;
    json_t *j = h->resp.len ? json_loadb(h->resp.p, h->resp.len, 0, NULL) : NULL;
    if (json_is_object(j)) {
        json_t *ra = json_object_get(j, "retry_after");
        if (json_is_number(ra) && json_number_value(ra) >= 0) wait = json_number_value(ra) * 1000;
        if (json_is_true(json_object_get(j, "global"))) *global = 1;
    }
    json_decref(j);
    if (wait < 0) wait = h->retry_after;
    if (wait < 0) wait = HTTP_DEFAULT_429_WAIT_MS;
    return wait < HTTP_MAX_429_WAIT_MS ? wait : HTTP_MAX_429_WAIT_MS;
}

static void httpOn429(httpClient *c, httpCall *h, double now) {
    int global;
    double wait = http429Wait(h, &global);
    rlLimited(&c->rl, h->route, wait, global, now);
    char r[256];
    httpLogRoute(h->route->name, r, sizeof(r));
    logEvent(LOG_WARN, "http.rate_limited", "route=\"%s\" wait_ms=%.0f global=%d", r, wait, global);
    if (++h->limited > HTTP_MAX_429_RETRIES) {
        httpFinish(h, 429, "rate limited: too many 429 responses");
        return;
    }
    h->not_before = 0;
    httpQueuePush(h->route, h, 1); /* back to the front: FIFO order kept */
}

/* 5xx or a network error: retry after a backoff, or give up. */
static void httpRetryOrFail(httpCall *h, long status, const char *what, double now) {
    h->fails++;
    if (h->fails < h->max_attempts) {
        double delay = HTTP_RETRY_MIN_MS + backoffDelayMs(h->fails - 1, HTTP_RETRY_BASE_MS, HTTP_RETRY_CAP_MS);
        char r[256];
        httpLogRoute(h->route->name, r, sizeof(r));
        logEvent(LOG_INFO, "http.retry", "route=\"%s\" status=%ld attempt=%d delay_ms=%.0f error=\"%s\"",
                 r, status, h->attempts, delay, what);
        h->not_before = now + delay;
        httpQueuePush(h->route, h, 1);
        return;
    }
    char msg[CURL_ERROR_SIZE + 64];
    snprintf(msg, sizeof(msg), "%s (gave up after %d attempts)", what, h->attempts);
    httpFinish(h, status, msg);
}

static void httpAttemptDone(httpClient *c, httpCall *h, CURLcode rc) {
    long status = 0;
    double now = cbNowMs();
    curl_multi_remove_handle(c->multi, h->easy);
    httpFlightRemove(c, h);
    rlDone(h->route);
    if (rc != CURLE_OK) {
        if (h->too_big) {
            httpFinish(h, 0, "response body exceeds the size limit");
            return;
        }
        char what[CURL_ERROR_SIZE + 64];
        snprintf(what, sizeof(what), "%s", h->errbuf[0] ? h->errbuf : curl_easy_strerror(rc));
        httpRetryOrFail(h, 0, what, now);
        return;
    }
    curl_easy_getinfo(h->easy, CURLINFO_RESPONSE_CODE, &status);
    rlLearn(&c->rl, h->route, h->bucket, h->rl_remaining, h->rl_reset_after, now);
    if (status == 429) {
        httpOn429(c, h, now);
    } else if (status >= 500) {
        char what[64];
        snprintf(what, sizeof(what), "server error %ld", status);
        httpRetryOrFail(h, status, what, now);
    } else {
        httpFinish(h, status, NULL);
    }
}

static void httpCheckDone(httpClient *c) {
    CURLMsg *msg;
    int left;
    while ((msg = curl_multi_info_read(c->multi, &left))) {
        if (msg->msg != CURLMSG_DONE) continue;
        httpCall *h = NULL;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&h);
        CURLcode rc = msg->data.result;
        httpAttemptDone(c, h, rc);
        if (c->closing) return;
    }
    httpPump(c);
}

/* ---- the pump: start every request its route allows ---- */

typedef struct httpPumpCtx {
    httpClient *c;
    double now, wake; /* wake: earliest time to look again (0 = none) */
} httpPumpCtx;

static void httpWakeAt(httpPumpCtx *p, double t) {
    if (p->wake == 0 || t < p->wake) p->wake = t;
}

static void httpPumpRoute(rlRoute *r, void *arg) {
    httpPumpCtx *p = arg;
    while (r->head && !p->c->closing) {
        httpCall *h = r->head;
        if (r->inflight >= h->concurrency) return; /* a completion pumps again */
        double w = rlWaitMs(&p->c->rl, r, p->now);
        if (w > 0) {
            httpMarkBlocked(p->c, r, p->now);
            httpWakeAt(p, p->now + w);
            return;
        }
        httpUnmarkBlocked(r, p->now);
        if (h->not_before > p->now) {
            httpWakeAt(p, h->not_before);
            return;
        }
        httpStart(p->c, httpQueuePop(r));
    }
}

static void httpPumpUrgent(rlRoute *r, void *arg) {
    if (r->urgent) httpPumpRoute(r, arg);
}

static void httpPump(httpClient *c) {
    if (c->closing) return;
    if (c->pumping) {
        c->repump = 1;
        return;
    }
    c->pumping = 1;
    httpPumpCtx p;
    do {
        c->repump = 0;
        p = (httpPumpCtx){c, cbNowMs(), 0};
        if (c->urgent_queued) rlEachQueued(&c->rl, httpPumpUrgent, &p); /* they go out first */
        if (c->queued) rlEachQueued(&c->rl, httpPumpRoute, &p); /* a walk of every slot */
    } while (c->repump && !c->closing);
    c->pumping = 0;
    if (c->closing) return;
    rlSweep(&c->rl, p.now);
    if (p.wake > 0)
        uv_timer_start(&c->pump_timer, httpOnPumpTimer, (uint64_t)ceil(p.wake - p.now) + 1, 0);
}

static void httpOnPumpTimer(uv_timer_t *t) {
    httpClient *c = t->data;
    httpEnter(c);
    httpPump(c);
    httpLeave(c);
}

/* ---- public API ---- */

httpClient *httpClientNew(cbLoop *l, char *err) {
    static int curlReady;
    if (!curlReady) {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
            cbErr(err, "curl_global_init failed");
            return NULL;
        }
        curlReady = 1;
    }
    httpClient *c = cbCalloc(1, sizeof(*c));
    c->loop = l;
    c->expect_at = curl_version_info(CURLVERSION_NOW)->version_num >= 0x074500 ? HTTP_EXPECT_AT : 0;
    c->multi = curl_multi_init();
    if (!c->multi) {
        free(c);
        cbErr(err, "curl_multi_init failed");
        return NULL;
    }
    rlInit(&c->rl);
    uv_timer_init(l->uv, &c->curl_timer);
    uv_timer_init(l->uv, &c->pump_timer);
    c->curl_timer.data = c->pump_timer.data = c;
    c->handles_open = 2;
    curl_multi_setopt(c->multi, CURLMOPT_SOCKETFUNCTION, httpSocketCb);
    curl_multi_setopt(c->multi, CURLMOPT_SOCKETDATA, c);
    curl_multi_setopt(c->multi, CURLMOPT_TIMERFUNCTION, httpTimerCb);
    curl_multi_setopt(c->multi, CURLMOPT_TIMERDATA, c);
    /* Keep idle connections: curl's default cache is 4x the transfers in
     * flight, so it shrinks when traffic dips and every burst reconnects. */
    curl_multi_setopt(c->multi, CURLMOPT_MAXCONNECTS, (long)HTTP_MAX_CONNECTS);
    return c;
}

/* prefix then s (NULL: none) at *at, NUL-terminated; *at moves past it. */
static char *httpPut(char **at, const char *prefix, const char *s) {
    if (!s) return NULL;
    char *start = *at;
    *at = stpcpy(stpcpy(start, prefix), s) + 1;
    return start;
}

/* A call's strings, copied into one allocation (a REST call made six
 * copies and two header lines apart before). */
static void httpCopyStrings(httpCall *h, const httpRequest *req) {
    static const char ctp[] = "Content-Type: ", authp[] = "Authorization: ";
    const char *method = req->method ? req->method : "GET";
    const char *ctype = req->content_type ? req->content_type : "application/json; charset=utf-8";
    const char *ua = req->user_agent ? req->user_agent : "careerbot/" CB_VERSION " (libcurl)";
    size_t n = strlen(method) + strlen(req->url) + sizeof(ctp) + strlen(ctype) + strlen(ua) + 3;
    if (req->body) n += strlen(req->body) + 1;
    if (req->authorization) n += sizeof(authp) + strlen(req->authorization);
    char *at = h->strs = cbMalloc(n);
    h->method = httpPut(&at, "", method);
    h->url = httpPut(&at, "", req->url);
    h->body = httpPut(&at, "", req->body);
    h->ctype_hdr = httpPut(&at, ctp, ctype);
    h->auth_hdr = httpPut(&at, authp, req->authorization);
    h->ua = httpPut(&at, "", ua);
}

/* The call's rate-limit route: the caller's name when it has a method in
 * it ("POST /channels/1/messages"), else the method and the name (or URL). */
static rlRoute *httpRoute(httpClient *c, const char *method, const char *name) {
    if (strchr(name, ' ')) return rlGet(&c->rl, name);
    char key[512];
    if ((size_t)snprintf(key, sizeof(key), "%s %s", method, name) < sizeof(key))
        return rlGet(&c->rl, key);
    char *k = cbSprintf("%s %s", method, name);
    rlRoute *r = rlGet(&c->rl, k);
    free(k);
    return r;
}

int httpSubmit(httpClient *c, const httpRequest *req, httpDoneFn *done, void *ud, char *err) {
    if (!c || c->closing) return cbErr(err, "shutting down");
    if (!req || !req->url || !done) return cbErr(err, "httpSubmit: url and done are required");
    if (strncmp(req->url, "http://", 7) != 0 && strncmp(req->url, "https://", 8) != 0)
        return cbErr(err, "URL must start with http:// or https://");
    httpCall *h = cbCalloc(1, sizeof(*h));
    h->c = c;
    httpCopyStrings(h, req);
    h->max_attempts = req->max_attempts > 0 ? req->max_attempts : 4;
    h->timeout_ms = req->timeout_ms > 0 ? req->timeout_ms : 10000;
    h->concurrency = req->route_concurrency > 0 ? req->route_concurrency : 1;
    if (h->concurrency > HTTP_MAX_ROUTE_CONCURRENCY) h->concurrency = HTTP_MAX_ROUTE_CONCURRENCY;
    h->done = done;
    h->ud = ud;
    h->rl_remaining = -1;
    h->rl_reset_after = h->retry_after = -1;
    bufInit(&h->resp, HTTP_MAX_BODY);
    h->route = httpRoute(c, h->method, req->route ? req->route : req->url);
    if (req->group && req->group_n > 0 && !h->route->group)
        h->route->group = rlGroupGet(&c->rl, req->group, req->group_n,
                                     req->group_window_ms > 0 ? req->group_window_ms : 1000);
    if (req->urgent) h->route->urgent = 1;
    httpQueuePush(h->route, h, 0);
    if (h->route->blocked) {
        h->blocked_since = cbNowMs();
        c->rl_waits++;
    }
    c->pending++;
    uv_timer_start(&c->pump_timer, httpOnPumpTimer, 0, 0); /* sent from the loop */
    return CB_OK;
}

static void httpHandleClosed(uv_handle_t *hd) {
    httpClient *c = hd->data;
    if (--c->handles_open == 0) free(c);
}

static void httpReallyFree(httpClient *c) {
    c->free_pending = 0;
    while (c->nspare) curl_easy_cleanup(c->spare[--c->nspare]);
    httpUrlsFree(c); /* every call is over: no easy handle points at them */
    rlFree(&c->rl);
    curl_multi_cleanup(c->multi);
    c->multi = NULL;
    while (c->socks) httpSockClose(c, c->socks); /* any curl did not remove */
    uv_timer_stop(&c->curl_timer);
    uv_timer_stop(&c->pump_timer);
    uv_close((uv_handle_t *)&c->curl_timer, httpHandleClosed);
    uv_close((uv_handle_t *)&c->pump_timer, httpHandleClosed);
}

static void httpFailQueued(rlRoute *r, void *arg) {
    (void)arg;
    httpCall *h;
    while ((h = httpQueuePop(r))) httpFinish(h, 0, "shutting down");
}

void httpClientFree(httpClient *c) {
    if (!c || c->closing) return;
    c->closing = 1;
    httpEnter(c);
    while (c->flight) {
        httpCall *h = c->flight;
        assert(!h->fprev); /* the head of the in-flight list */
        curl_multi_remove_handle(c->multi, h->easy);
        httpFlightRemove(c, h);
        rlDone(h->route);
        httpFinish(h, 0, "shutting down");
    }
    rlEachQueued(&c->rl, httpFailQueued, NULL);
    c->free_pending = 1;
    httpLeave(c);
}

size_t httpPending(const httpClient *c) {
    return c ? c->pending : 0;
}

unsigned long httpPollHandlesMade(const httpClient *c) {
    return c ? c->polls_made : 0;
}

size_t httpSocketsWatched(const httpClient *c) {
    size_t n = 0;
    if (c)
        for (const httpSock *s = c->socks; s; s = s->next) n += s->watching != 0;
    return n;
}

unsigned long httpRateLimitWaits(const httpClient *c) {
    return c ? c->rl_waits : 0;
}
