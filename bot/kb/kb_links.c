/* kb_links.c - `kb check --links`: fetch every source and link URL once,
 * in parallel with libcurl's multi interface (HEAD first, GET when HEAD
 * is refused with 405/501 or fails), with connect and total timeouts and
 * a redirect cap. Dead URLs (4xx/5xx, DNS, TLS, connection failures,
 * timeouts) become errors at every place the URL is used. */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/common.h"
#include "kb/kb_export.h"
#include "kb/kb_int.h"

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
} kbUrl;

void kbLinkOptsDefault(kbLinkOpts *o) {
    o->connect_timeout_ms = 5000;
    o->timeout_ms = 15000;
    o->max_parallel = 16;
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
    return h;
}

/* Should a failed HEAD be retried with GET? */
static int kbRetryGet(const kbUrl *u) {
    if (u->get) return 0;
    if (u->rc == CURLE_OK) return u->status == 405 || u->status == 501 || u->status >= 400;
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

/* Collect finished transfers; retry with GET or record the result. */
static void kbReap(CURLM *m, const kbLinkOpts *o, int *active) {
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
        if (u->rc == CURLE_WRITE_ERROR && u->truncated) u->rc = CURLE_OK;
        curl_multi_remove_handle(m, h);
        curl_easy_cleanup(h);
        u->h = NULL;
        (*active)--;
        if (kbRetryGet(u)) {
            u->get = 1;
            kbStart(m, u, o, active);
        }
    }
}

static void kbReport(const kbUrl *u, cbDiags *d) {
    char why[CURL_ERROR_SIZE + 64];
    if (u->rc == CURLE_OK && u->status < 400) return;
    if (u->rc == CURLE_OK)
        snprintf(why, sizeof(why), "HTTP %ld", u->status);
    else
        snprintf(why, sizeof(why), "%s", u->error[0] ? u->error : curl_easy_strerror(u->rc));
    for (size_t r = 0; r < u->nrefs; r++)
        cbDiagAdd(d, CB_DIAG_ERROR, u->refs[r].path, u->refs[r].line, u->refs[r].col,
                  "dead link %s: %s; fix or replace the URL", u->url, why);
}

size_t kbCheckLinks(const kb *k, const kbLinkOpts *o, cbDiags *d) {
    size_t n, next = 0, dead = 0;
    kbUrl *v = kbCollectUrls(k, &n);
    CURLM *m = curl_multi_init();
    int active = 0, max = o->max_parallel > 0 ? o->max_parallel : 1;
    /* Each request is bounded by its own timeout; this is a backstop. */
    double deadline = cbNowMs() + 2.0 * (double)(o->timeout_ms + 1000) * ((double)n / (double)max + 2.0);
    while ((next < n || active > 0) && cbNowMs() < deadline) {
        while (next < n && active < max) kbStart(m, &v[next++], o, &active);
        int running;
        curl_multi_perform(m, &running);
        kbReap(m, o, &active);
        if (active > 0) curl_multi_poll(m, NULL, 0, 200, NULL);
    }
    for (size_t i = 0; i < n; i++) {
        if (v[i].h) { /* backstop hit: count as a timeout */
            curl_multi_remove_handle(m, v[i].h);
            curl_easy_cleanup(v[i].h);
            v[i].rc = CURLE_OPERATION_TIMEDOUT;
        }
        if (v[i].rc != CURLE_OK || v[i].status >= 400) dead++;
        kbReport(&v[i], d);
        free(v[i].refs);
    }
    curl_multi_cleanup(m);
    free(v);
    return dead;
}
