/* fakesrv_int.h - the internals shared by fakesrv.c (lws callbacks, HTTP
 * and websocket serving) and fakesrv_util.c (log, timers, responses, form
 * parsing). Not for fakes: they use fakesrv.h only. */
#ifndef CB_FAKESRV_INT_H
#define CB_FAKESRV_INT_H

#include <jansson.h>
#include <libwebsockets.h>

#include "base/buf.h"
#include "fakesrv.h"

#define FS_MAX_RESP_HDRS 32
#define FS_MAX_SCRATCH 16

typedef struct fsHdr {
    char *name;
    char *value;
} fsHdr;

struct fsResponse {
    int status;
    int touched; /* a handler set something */
    char *ctype;
    char *body;
    size_t body_len;
    fsHdr hdrs[FS_MAX_RESP_HDRS];
    int nhdrs;
    double delay_ms;
};

typedef struct fsMsg {
    struct fsMsg *next;
    char *data;
    size_t len;
    size_t off;  /* bytes already written */
    size_t frag; /* bytes per frame (len when unfragmented) */
} fsMsg;

struct fsWs {
    fsServer *srv;
    struct lws *wsi;
    fsWs *prev, *next;
    char *path, *query;
    cbBuf rx;
    int rx_oversize;
    fsMsg *qhead, *qtail;
    size_t qlen;
    int closing, close_code;
    char close_reason[120];
    int dropped;
    int frozen; /* fsWsFreeze: reads and writes nothing more */
    int peer_code;
    void *data;
};

typedef struct fsTx { /* one HTTP request/response on a connection */
    fsServer *srv;
    struct lws *wsi;
    char method[8];
    char *path, *query;
    fsHdr *hdrs;
    int nhdrs;
    char *scratch[FS_MAX_SCRATCH]; /* custom header values handed out */
    int nscratch;
    cbBuf body;
    int too_big;
    fsResponse res;
    int ready, hdr_sent, close_after;
    size_t sent;
    lws_sorted_usec_list_t sul; /* delayed response */
    int sul_armed;
} fsTx;

struct fsTimer {
    lws_sorted_usec_list_t sul;
    fsServer *srv;
    fsTimerFn *fn;
    void *ud;
    fsTimer *prev, *next;
};

struct fsServer {
    struct lws_context *ctx;
    struct lws_vhost *vh;
    int port;
    fsHandlers h;
    void *ud;
    double t0;
    int stop;
    double stop_at;
    int destroying;
    fsWs *ws_head, *ws_tail;
    size_t nws;
    fsTimer *timers;
    json_t *log;
    json_t *log_kinds; /* kind -> entries appended since the last clear, kept or not */
    size_t log_dropped;
    lws_sorted_usec_list_t tick;
};

/* fakesrv_util.c */
void fsResponseFree(fsResponse *r);
void fsTimersFree(fsServer *s);
json_t *fsJsonBody(const char *body, size_t len);
void fsLogAppend(fsServer *s, json_t *entry); /* steals entry; adds "t" */
char *fsLogDump(fsServer *s);

#endif
