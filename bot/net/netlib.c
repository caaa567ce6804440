/* netlib.c - libcurl and libwebsockets, loaded when the network is first
 * used.
 *
 * Why: the two and the 33 libraries they pull in (TLS, Kerberos, LDAP, SSH,
 * RTMP, ...) were more than half of the process's start (11 of 19 ms on a
 * VM, the dynamic loader relocating them), and `ask`, `kb` and `report`
 * use no network. The program is not linked against them; it dlopens them
 * by the sonames it was built with, the first time a transport starts.
 *
 * How: each curl_* and lws_* function the bot calls is defined here with
 * the library's own prototype (the headers are included, so the compiler
 * checks every one) and calls the real function, looked up once with
 * dlsym in the library's handle. A program that links the libraries too
 * (the tests, the fakes) gets the same functions through the same path. */
#include "net/netlib.h"

#define CURL_DISABLE_TYPECHECK /* curl_easy_setopt and friends as functions */
#include <curl/curl.h>
#include <dlfcn.h>
#include <libwebsockets.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/common.h"

#ifndef NETLIB_CURL_SONAME /* the Makefile passes the sonames built against */
#define NETLIB_CURL_SONAME "libcurl.so.4"
#endif
#ifndef NETLIB_LWS_SONAME
#define NETLIB_LWS_SONAME "libwebsockets.so.17"
#endif

/* The functions careerbot calls, per library: each is defined below and
 * checked by netlibLoad. */
#define NL_CURL_FNS(X) \
    X(curl_easy_cleanup) \
    X(curl_easy_getinfo) \
    X(curl_easy_init) \
    X(curl_easy_perform) \
    X(curl_easy_reset) \
    X(curl_easy_setopt) \
    X(curl_easy_strerror) \
    X(curl_free) \
    X(curl_global_init) \
    X(curl_multi_add_handle) \
    X(curl_multi_assign) \
    X(curl_multi_cleanup) \
    X(curl_multi_info_read) \
    X(curl_multi_init) \
    X(curl_multi_perform) \
    X(curl_multi_poll) \
    X(curl_multi_remove_handle) \
    X(curl_multi_setopt) \
    X(curl_multi_socket_action) \
    X(curl_multi_strerror) \
    X(curl_slist_append) \
    X(curl_slist_free_all) \
    X(curl_url) \
    X(curl_url_cleanup) \
    X(curl_url_get) \
    X(curl_url_set) \
    X(curl_version_info)
#define NL_LWS_FNS(X) \
    X(lws_add_http_common_headers) \
    X(lws_add_http_header_by_name) \
    X(lws_callback_http_dummy) \
    X(lws_callback_on_writable) \
    X(lws_client_connect_via_info) \
    X(lws_context_destroy) \
    X(lws_create_context) \
    X(lws_create_vhost) \
    X(lws_finalize_write_http_header) \
    X(lws_frame_is_binary) \
    X(lws_get_opaque_user_data) \
    X(lws_get_vhost) \
    X(lws_get_vhost_listen_port) \
    X(lws_get_vhost_user) \
    X(lws_hdr_total_length) \
    X(lws_http_transaction_completed) \
    X(lws_is_final_fragment) \
    X(lws_is_first_fragment) \
    X(lws_partial_buffered) \
    X(lws_send_pipe_choked) \
    X(lws_set_log_level) \
    X(lws_set_opaque_user_data) \
    X(lws_set_timeout) \
    X(lws_vhost_destroy) \
    X(lws_write)

typedef enum { NL_CURL, NL_LWS, NL_NLIBS } nlLib;
_Static_assert(NETLIB_CURL == 1u << NL_CURL && NETLIB_LWS == 1u << NL_LWS,
               "netlibLoad's bits are the libraries' numbers");

#define NL_NAME(name) #name,
static const char *const nlCurlNames[] = {NL_CURL_FNS(NL_NAME)};
static const char *const nlLwsNames[] = {NL_LWS_FNS(NL_NAME)};

/* An empty soname (the build could not read it) would open the program
 * itself: the defaults then. */
static const struct {
    const char *soname, *package;
    const char *const *names;
    size_t nnames;
} nlLibs[NL_NLIBS] = {
    {NETLIB_CURL_SONAME[0] ? NETLIB_CURL_SONAME : "libcurl.so.4", "libcurl4", nlCurlNames,
     CB_ARRAY_LEN(nlCurlNames)},
    {NETLIB_LWS_SONAME[0] ? NETLIB_LWS_SONAME : "libwebsockets.so.17", "libwebsockets17",
     nlLwsNames, CB_ARRAY_LEN(nlLwsNames)},
};
static void *nlHandle[NL_NLIBS];

/* lib's real function name (self: this file's, never the answer), or
 * NULL and err saying what is missing. */
static void *nlLookup(nlLib lib, const char *name, const void *self, char *err) {
    if (!nlHandle[lib] && !(nlHandle[lib] = dlopen(nlLibs[lib].soname, RTLD_NOW | RTLD_LOCAL))) {
        const char *why = dlerror();
        cbErr(err, "cannot load %s (%s): install the Debian package %s", nlLibs[lib].soname,
              why ? why : "not found", nlLibs[lib].package);
        return NULL;
    }
    void *fn = dlsym(nlHandle[lib], name);
    if (!fn || fn == self)
        cbErr(err, "%s has no %s: it is older than the one careerbot was built with (update the "
                   "Debian package %s)", nlLibs[lib].soname, name, nlLibs[lib].package);
    return fn == self ? NULL : fn;
}

int netlibLoad(unsigned libs, char *err) {
    for (int lib = 0; lib < NL_NLIBS; lib++)
        for (size_t i = 0; (libs >> lib & 1u) && i < nlLibs[lib].nnames; i++)
            if (!nlLookup((nlLib)lib, nlLibs[lib].names[i], NULL, err)) return CB_ERR;
    return CB_OK;
}

/* The real function: there is no way to report a failure through the
 * library's own API, so a library or function that is missing ends the
 * process with a message (netlibLoad, called where a transport or command
 * starts, reports it as an error first). */
static void *nlSym(nlLib lib, const char *name, const void *self) {
    char err[CB_ERRLEN];
    void *fn = nlLookup(lib, name, self, err);
    if (!fn) {
        fprintf(stderr, "careerbot: %s\n", err);
        abort();
    }
    return fn;
}

/* real_NAME(): the real NAME, with its own type, looked up once. */
#define NL_REAL(lib, name)                                                              \
    static __typeof__(&(name)) real_##name(void) {                                      \
        static __typeof__(&(name)) fn;                                                  \
        if (!fn) fn = (__typeof__(&(name)))nlSym(lib, #name, (const void *)&(name));    \
        return fn;                                                                      \
    }

/* ---- libcurl ---- */

#define NL_REAL_CURL(name) NL_REAL(NL_CURL, name)
NL_CURL_FNS(NL_REAL_CURL)

CURLcode curl_global_init(long flags) { return real_curl_global_init()(flags); }
curl_version_info_data *curl_version_info(CURLversion v) { return real_curl_version_info()(v); }
CURL *curl_easy_init(void) { return real_curl_easy_init()(); }
void curl_easy_cleanup(CURL *curl) { real_curl_easy_cleanup()(curl); }
void curl_easy_reset(CURL *curl) { real_curl_easy_reset()(curl); }
CURLcode curl_easy_perform(CURL *curl) { return real_curl_easy_perform()(curl); }
const char *curl_easy_strerror(CURLcode c) { return real_curl_easy_strerror()(c); }
void curl_free(void *p) { real_curl_free()(p); }
struct curl_slist *curl_slist_append(struct curl_slist *list, const char *data) {
    return real_curl_slist_append()(list, data);
}
void curl_slist_free_all(struct curl_slist *list) { real_curl_slist_free_all()(list); }
CURLU *curl_url(void) { return real_curl_url()(); }
void curl_url_cleanup(CURLU *u) { real_curl_url_cleanup()(u); }
CURLUcode curl_url_get(CURLU *u, CURLUPart what, char **part, unsigned int flags) {
    return real_curl_url_get()(u, what, part, flags);
}
CURLUcode curl_url_set(CURLU *u, CURLUPart what, const char *part, unsigned int flags) {
    return real_curl_url_set()(u, what, part, flags);
}

/* An option's one argument, by the type its number says (curl.h's
 * CURLOPTTYPE_* ranges, shared by the multi options): read as curl
 * itself reads it. */
typedef void (*nlAnyFn)(void);
#define NL_SETOPT(fn, h, option, ap)                                                    \
    ((option) < CURLOPTTYPE_OBJECTPOINT     ? fn(h, option, va_arg(ap, long))           \
     : (option) < CURLOPTTYPE_FUNCTIONPOINT ? fn(h, option, va_arg(ap, void *))         \
     : (option) < CURLOPTTYPE_OFF_T         ? fn(h, option, va_arg(ap, nlAnyFn))        \
     : (option) < CURLOPTTYPE_BLOB          ? fn(h, option, va_arg(ap, curl_off_t))     \
                                            : fn(h, option, va_arg(ap, void *)))

CURLcode curl_easy_setopt(CURL *curl, CURLoption option, ...) {
    va_list ap;
    va_start(ap, option);
    CURLcode rc = NL_SETOPT(real_curl_easy_setopt(), curl, option, ap);
    va_end(ap);
    return rc;
}

CURLMcode curl_multi_setopt(CURLM *m, CURLMoption option, ...) {
    va_list ap;
    va_start(ap, option);
    CURLMcode rc = NL_SETOPT(real_curl_multi_setopt(), m, option, ap);
    va_end(ap);
    return rc;
}

CURLcode curl_easy_getinfo(CURL *curl, CURLINFO info, ...) { /* always a pointer to the result */
    va_list ap;
    va_start(ap, info);
    CURLcode rc = real_curl_easy_getinfo()(curl, info, va_arg(ap, void *));
    va_end(ap);
    return rc;
}

CURLM *curl_multi_init(void) { return real_curl_multi_init()(); }
CURLMcode curl_multi_cleanup(CURLM *m) { return real_curl_multi_cleanup()(m); }
CURLMcode curl_multi_add_handle(CURLM *m, CURL *e) { return real_curl_multi_add_handle()(m, e); }
CURLMcode curl_multi_remove_handle(CURLM *m, CURL *e) {
    return real_curl_multi_remove_handle()(m, e);
}
CURLMcode curl_multi_assign(CURLM *m, curl_socket_t s, void *p) {
    return real_curl_multi_assign()(m, s, p);
}
CURLMsg *curl_multi_info_read(CURLM *m, int *left) { return real_curl_multi_info_read()(m, left); }
CURLMcode curl_multi_perform(CURLM *m, int *running) { return real_curl_multi_perform()(m, running); }
CURLMcode curl_multi_poll(CURLM *m, struct curl_waitfd extra[], unsigned int nextra, int timeout_ms,
                          int *numfds) {
    return real_curl_multi_poll()(m, extra, nextra, timeout_ms, numfds);
}
CURLMcode curl_multi_socket_action(CURLM *m, curl_socket_t s, int ev, int *running) {
    return real_curl_multi_socket_action()(m, s, ev, running);
}
const char *curl_multi_strerror(CURLMcode c) { return real_curl_multi_strerror()(c); }

/* ---- libwebsockets ---- */

#define NL_REAL_LWS(name) NL_REAL(NL_LWS, name)
NL_LWS_FNS(NL_REAL_LWS)

void lws_set_log_level(int level, void (*emit)(int level, const char *line)) {
    real_lws_set_log_level()(level, emit);
}
struct lws_context *lws_create_context(const struct lws_context_creation_info *info) {
    return real_lws_create_context()(info);
}
void lws_context_destroy(struct lws_context *c) { real_lws_context_destroy()(c); }
struct lws_vhost *lws_create_vhost(struct lws_context *c,
                                   const struct lws_context_creation_info *info) {
    return real_lws_create_vhost()(c, info);
}
void lws_vhost_destroy(struct lws_vhost *vh) { real_lws_vhost_destroy()(vh); }
struct lws_vhost *lws_get_vhost(struct lws *wsi) { return real_lws_get_vhost()(wsi); }
void *lws_get_vhost_user(struct lws_vhost *vh) { return real_lws_get_vhost_user()(vh); }
int lws_get_vhost_listen_port(struct lws_vhost *vh) { return real_lws_get_vhost_listen_port()(vh); }
struct lws *lws_client_connect_via_info(const struct lws_client_connect_info *i) {
    return real_lws_client_connect_via_info()(i);
}
int lws_callback_on_writable(struct lws *wsi) { return real_lws_callback_on_writable()(wsi); }
int lws_callback_http_dummy(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                            size_t len) {
    return real_lws_callback_http_dummy()(wsi, reason, user, in, len);
}
int lws_write(struct lws *wsi, unsigned char *buf, size_t len, enum lws_write_protocol wp) {
    return real_lws_write()(wsi, buf, len, wp);
}
int lws_send_pipe_choked(struct lws *wsi) { return real_lws_send_pipe_choked()(wsi); }
int lws_partial_buffered(struct lws *wsi) { return real_lws_partial_buffered()(wsi); }
int lws_frame_is_binary(struct lws *wsi) { return real_lws_frame_is_binary()(wsi); }
int lws_is_final_fragment(struct lws *wsi) { return real_lws_is_final_fragment()(wsi); }
int lws_is_first_fragment(struct lws *wsi) { return real_lws_is_first_fragment()(wsi); }
void *lws_get_opaque_user_data(const struct lws *wsi) { return real_lws_get_opaque_user_data()(wsi); }
void lws_set_opaque_user_data(struct lws *wsi, void *data) {
    real_lws_set_opaque_user_data()(wsi, data);
}
void lws_set_timeout(struct lws *wsi, enum pending_timeout reason, int secs) {
    real_lws_set_timeout()(wsi, reason, secs);
}
int lws_hdr_total_length(struct lws *wsi, enum lws_token_indexes h) {
    return real_lws_hdr_total_length()(wsi, h);
}
int lws_add_http_header_by_name(struct lws *wsi, const unsigned char *name,
                                const unsigned char *value, int length, unsigned char **p,
                                unsigned char *end) {
    return real_lws_add_http_header_by_name()(wsi, name, value, length, p, end);
}
int lws_finalize_write_http_header(struct lws *wsi, unsigned char *start, unsigned char **p,
                                   unsigned char *end) {
    return real_lws_finalize_write_http_header()(wsi, start, p, end);
}
int lws_add_http_common_headers(struct lws *wsi, unsigned int code, const char *content_type,
                                lws_filepos_t content_len, unsigned char **p, unsigned char *end) {
    return real_lws_add_http_common_headers()(wsi, code, content_type, content_len, p, end);
}
int lws_http_transaction_completed(struct lws *wsi) {
    return real_lws_http_transaction_completed()(wsi);
}
