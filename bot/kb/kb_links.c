/* kb_links.c - `kb check --links`: fetch every source and link URL once,
 * in parallel with libcurl's multi interface (HEAD first, GET when HEAD
 * is refused with 405/501 or fails), with connect and total timeouts, a
 * redirect cap and at most a few connections per host. Dead URLs (4xx/5xx,
 * DNS, TLS, connection failures, timeouts) become errors at every place
 * the URL is used. A site that refuses robots is not a dead link: 403 is a
 * warning, and 429 waits out its Retry-After (once, bounded) before it
 * becomes one. Answers slower than slow_ms are warnings. URLs matching an
 * --exclude pattern are not fetched. */
#include <curl/curl.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/common.h"
#include "kb/kb_export.h"
#include "kb/kb_int.h"
#include "net/netlib.h"

#define KB_LINK_MAX_BODY (256 * 1024) /* a GET stops reading after this */

typedef struct kbUrlRef {
    const char *path;
    int line, col;
} kbUrlRef;

typedef struct kbUrl {
    const char *url;
    kbUrlRef *refs;
    size_t nrefs;
    CURL *h;
    int get;      /* 1 once retried with GET */
    size_t body;  /* bytes seen by a GET */
    int truncated;
    char error[CURL_ERROR_SIZE];
    long status;
    CURLcode rc;
    double started;    /* when the current request began (ms) */
    double took;       /* how long the answer took (ms) */
    double not_before; /* a 429's Retry-After: not again before this (ms) */
    long retry_after;  /* seconds asked by the last 429 (-1: none) */
    int retried_429;   /* already waited once */
    int queued;        /* waiting for its Retry-After */
    int excluded;
    int begun, finished;
    char host[256];    /* for the per-host limit */
} kbUrl;

void kbLinkOptsDefault(kbLinkOpts *o) {
    memset(o, 0, sizeof(*o));
    o->connect_timeout_ms = 5000;
    o->timeout_ms = 15000;
    o->slow_ms = 5000;
    o->retry_after_max_ms = 30000;
    o->max_parallel = 16;
    o->per_host = 4;
    o->max_redirects = 5;
    const char *env = getenv("CAREERBOT_LINK_TIMEOUT_MS");
    long v = env ? strtol(env, NULL, 10) : 0;
    if (v > 0) {
        o->timeout_ms = v;
        if (o->connect_timeout_ms > v) o->connect_timeout_ms = v;
    }
}

static int kbUrlCmp(const void *a, const void *b) {
    return strcmp(((const kbUrl *)a)->url, ((const kbUrl *)b)->url);
}

static void kbAddRef(kbUrl **v, size_t *n, size_t *cap, const char *url, const char *path,
                     int line, int col) {
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 64;
        *v = cbRealloc(*v, *cap * sizeof(kbUrl));
    }
    kbUrl *u = &(*v)[(*n)++];
    memset(u, 0, sizeof(*u));
    u->url = url;
    u->refs = cbMalloc(sizeof(kbUrlRef));
    u->refs[0] = (kbUrlRef){path, line, col};
    u->nrefs = 1;
}

/* Distinct URLs, each with every place it is used. */
static kbUrl *kbCollectUrls(const kb *k, size_t *count) {
    kbUrl *v = NULL;
    size_t n = 0, cap = 0;
    for (size_t i = 0; i < k->nentries; i++) {
        const kbEntry *e = &k->entries[i];
        for (size_t s = 0; s < e->nsources; s++)
            if (e->sources[s].url)
                kbAddRef(&v, &n, &cap, e->sources[s].url, e->path, e->sources[s].url_line,
                         e->sources[s].url_col);
        for (size_t l = 0; l < e->nlinks; l++)
            kbAddRef(&v, &n, &cap, e->links[l].url, e->path, e->links[l].url_line,
                     e->links[l].url_col);
    }
    if (n) qsort(v, n, sizeof(kbUrl), kbUrlCmp);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (o > 0 && strcmp(v[o - 1].url, v[i].url) == 0) {
            kbUrl *u = &v[o - 1];
            u->refs = cbRealloc(u->refs, (u->nrefs + 1) * sizeof(kbUrlRef));
            u->refs[u->nrefs++] = v[i].refs[0];
            free(v[i].refs);
        } else {
            v[o++] = v[i];
        }
    }
    *count = o;
    return v;
}

static size_t kbDiscard(char *p, size_t size, size_t n, void *ud) {
    (void)p;
    kbUrl *u = ud;
    u->body += size * n;
    if (u->body <= KB_LINK_MAX_BODY) return size * n;
    u->truncated = 1; /* enough: the status is known */
    return 0;
}

static CURL *kbEasy(kbUrl *u, const kbLinkOpts *o) {
    CURL *h = curl_easy_init();
    if (!h) return NULL;
    curl_easy_setopt(h, CURLOPT_URL, u->url);
    curl_easy_setopt(h, CURLOPT_NOBODY, u->get ? 0L : 1L);
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(h, CURLOPT_MAXREDIRS, o->max_redirects);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, o->connect_timeout_ms);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, o->timeout_ms);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "careerbot-linkcheck/" "0.1");
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, kbDiscard);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, u);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, u->error);
    curl_easy_setopt(h, CURLOPT_PRIVATE, u);
    u->error[0] = '\0';
    u->body = 0;
    u->truncated = 0;
    u->started = cbNowMs();
    return h;
}

/* Should a failed HEAD be retried with GET? */
static int kbRetryGet(const kbUrl *u) {
    if (u->get) return 0;
    if (u->rc == CURLE_OK)
        return u->status != 429 && (u->status == 405 || u->status == 501 || u->status >= 400);
    return u->rc != CURLE_COULDNT_RESOLVE_HOST && u->rc != CURLE_COULDNT_CONNECT &&
           u->rc != CURLE_OPERATION_TIMEDOUT;
}

static void kbStart(CURLM *m, kbUrl *u, const kbLinkOpts *o, int *active) {
    u->h = kbEasy(u, o);
    if (u->h && curl_multi_add_handle(m, u->h) == CURLM_OK) {
        (*active)++;
        return;
    }
    u->rc = CURLE_FAILED_INIT;
    if (u->h) curl_easy_cleanup(u->h);
    u->h = NULL;
}

/* A 429: wait out its Retry-After once when it is short enough. */
static int kbHonour429(kbUrl *u, const kbLinkOpts *o) {
    if (u->rc != CURLE_OK || u->status != 429 || u->retried_429) return 0;
    if (u->retry_after < 0 || u->retry_after * 1000 > o->retry_after_max_ms) return 0;
    u->retried_429 = 1;
    u->queued = 1;
    u->not_before = cbNowMs() + (double)u->retry_after * 1000.0;
    return 1;
}

/* Collect finished transfers; retry with GET, queue a 429, or record. */
static void kbReap(CURLM *m, const kbLinkOpts *o, int *active, size_t *done, size_t total) {
    CURLMsg *msg;
    int left;
    while ((msg = curl_multi_info_read(m, &left)) != NULL) {
        if (msg->msg != CURLMSG_DONE) continue;
        CURL *h = msg->easy_handle;
        kbUrl *u = NULL;
        curl_easy_getinfo(h, CURLINFO_PRIVATE, (char **)&u);
        u->rc = msg->data.result;
        u->status = 0;
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &u->status);
        curl_off_t ra = -1;
        if (curl_easy_getinfo(h, CURLINFO_RETRY_AFTER, &ra) != CURLE_OK || u->status != 429) ra = -1;
        u->retry_after = (long)ra;
        if (u->rc == CURLE_WRITE_ERROR && u->truncated) u->rc = CURLE_OK;
        u->took = cbNowMs() - u->started;
        curl_multi_remove_handle(m, h);
        curl_easy_cleanup(h);
        u->h = NULL;
        (*active)--;
        if (kbHonour429(u, o)) continue;
        if (kbRetryGet(u)) {
            u->get = 1;
            kbStart(m, u, o, active);
            continue;
        }
        u->finished = 1;
        (*done)++;
        if (o->progress) o->progress(*done, total, o->progress_ud);
    }
}

/* Record u's result in st and d. */
static void kbReport(const kbUrl *u, const kbLinkOpts *o, cbDiags *d, kbLinkStats *st) {
    char why[CURL_ERROR_SIZE + 96];
    cbSeverity sev = CB_DIAG_ERROR;
    const char *what = "dead link", *fix = "fix or replace the URL";
    if (u->excluded) {
        st->excluded++;
        return;
    }
    st->checked++;
    if (u->rc == CURLE_OK && u->status < 400) {
        if (o->slow_ms > 0 && u->took > (double)o->slow_ms) {
            st->slow++;
            snprintf(why, sizeof(why), "answered in %.1f s", u->took / 1000.0);
            sev = CB_DIAG_WARNING;
            what = "slow link";
            fix = "readers may give up; prefer a faster page";
        } else {
            st->ok++;
            return;
        }
    } else if (u->rc == CURLE_OK && (u->status == 403 || u->status == 429)) {
        st->warned++;
        sev = CB_DIAG_WARNING;
        what = "link not checked";
        fix = "the site refuses automated checks; open it in a browser to be sure";
        if (u->status == 429 && u->retry_after >= 0)
            snprintf(why, sizeof(why), "HTTP 429 (rate limited; asked to wait %ld s%s)",
                     u->retry_after, u->retried_429 ? ", waited once" : ", too long to wait");
        else
            snprintf(why, sizeof(why), "HTTP %ld%s", u->status,
                     u->status == 403 ? " (forbidden)" : " (rate limited)");
    } else {
        st->dead++;
        if (u->rc == CURLE_OK) snprintf(why, sizeof(why), "HTTP %ld", u->status);
        else snprintf(why, sizeof(why), "%s", u->error[0] ? u->error : curl_easy_strerror(u->rc));
    }
    for (size_t r = 0; r < u->nrefs; r++)
        cbDiagAdd(d, sev, u->refs[r].path, u->refs[r].line, u->refs[r].col, "%s %s: %s; %s", what,
                  u->url, why, fix);
}

static int kbExcluded(const char *url, const kbLinkOpts *o) {
    for (size_t i = 0; i < o->nexclude; i++)
        if (fnmatch(o->exclude[i], url, 0) == 0 || strstr(url, o->exclude[i])) return 1;
    return 0;
}

/* The host part of url ("" when it has none). */
static void kbHostOf(kbUrl *u) {
    u->host[0] = '\0';
    CURLU *cu = curl_url();
    char *h = NULL;
    if (cu && curl_url_set(cu, CURLUPART_URL, u->url, 0) == CURLUE_OK &&
        curl_url_get(cu, CURLUPART_HOST, &h, 0) == CURLUE_OK && h)
        snprintf(u->host, sizeof(u->host), "%s", h);
    curl_free(h);
    curl_url_cleanup(cu);
}

static int kbHostActive(const kbUrl *v, size_t n, const kbUrl *u) {
    int k = 0;
    for (size_t i = 0; i < n; i++) k += v[i].h && strcmp(v[i].host, u->host) == 0;
    return k;
}

/* Start what may start: at most max requests, per_host to one host;
 * a 429 once its wait is over; excluded URLs are finished unfetched. */
static void kbSchedule(CURLM *m, kbUrl *v, size_t n, const kbLinkOpts *o, int *active, int max,
                       size_t *done) {
    double now = cbNowMs();
    for (size_t i = 0; i < n && *active < max; i++) {
        kbUrl *u = &v[i];
        if (u->h || u->finished || (u->queued && now < u->not_before)) continue;
        if (!u->begun && kbExcluded(u->url, o)) {
            u->excluded = u->finished = 1;
            (*done)++;
            continue;
        }
        if (o->per_host > 0 && kbHostActive(v, n, u) >= o->per_host) continue;
        u->queued = 0;
        u->begun = 1;
        kbStart(m, u, o, active);
        if (!u->h) u->finished = 1; /* could not start: reported as such */
    }
}

static int kbAnyPending(const kbUrl *v, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (!v[i].finished) return 1;
    return 0;
}

size_t kbCheckLinks(const kb *k, const kbLinkOpts *o, cbDiags *d, kbLinkStats *stats) {
    size_t n, done = 0;
    kbLinkStats st = {0};
    char err[CB_ERRLEN];
    if (netlibLoad(NETLIB_CURL, err) != CB_OK) {
        cbDiagAdd(d, CB_DIAG_ERROR, k->dir, 0, 0, "cannot check links: %s", err);
        if (stats) *stats = st;
        return 0;
    }
    kbUrl *v = kbCollectUrls(k, &n);
    CURLM *m = curl_multi_init();
    for (size_t i = 0; i < n; i++) kbHostOf(&v[i]);
    int active = 0, max = o->max_parallel > 0 ? o->max_parallel : 1;
    /* Each request is bounded by its own timeout (and a 429 by its capped
     * wait); this is a backstop. */
    double deadline = cbNowMs() + (double)o->retry_after_max_ms +
                      2.0 * (double)(o->timeout_ms + 1000) * ((double)n / (double)max + 2.0);
    if (o->progress) o->progress(0, n, o->progress_ud);
    while (kbAnyPending(v, n) && cbNowMs() < deadline) {
        kbSchedule(m, v, n, o, &active, max, &done);
        int running;
        curl_multi_perform(m, &running);
        kbReap(m, o, &active, &done, n);
        if (active > 0) curl_multi_poll(m, NULL, 0, 200, NULL);
        else if (kbAnyPending(v, n)) curl_multi_poll(m, NULL, 0, 50, NULL); /* a 429's wait */
    }
    for (size_t i = 0; i < n; i++) {
        if (!v[i].finished) { /* backstop hit: count as a timeout */
            if (v[i].h) {
                curl_multi_remove_handle(m, v[i].h);
                curl_easy_cleanup(v[i].h);
            }
            v[i].rc = CURLE_OPERATION_TIMEDOUT;
        }
        kbReport(&v[i], o, d, &st);
        free(v[i].refs);
    }
    curl_multi_cleanup(m);
    free(v);
    if (stats) *stats = st;
    return st.dead;
}
