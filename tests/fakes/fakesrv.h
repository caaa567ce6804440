/* fakesrv.h - a small library for fake platform servers (fake Slack, fake
 * Discord, fake_echo) used by the tests. A fake is its own process: it
 * serves HTTP routes and websocket endpoints on 127.0.0.1 with
 * libwebsockets (lws's default event loop), records everything it receives
 * in an in-memory log, and stops by itself.
 *
 * Built-in routes (handled before the fake's own handler):
 *   GET  /_log      the request log as a JSON array, oldest first; entries
 *                   {"t": ms since start, "kind": "http", "method", "path",
 *                    "query", "headers": {lower-case name: value}, "body",
 *                    "status": the status answered}
 *                   {"t", "kind": "ws", "path", "body"}           (message in)
 *                   {"t", "kind": "ws_open"|"ws_close", "path", "code"?}
 *                   {"t", "kind": <anything a fake logs with fsLog>, "body"}
 *                   "body" is the parsed JSON when the text is JSON, else a
 *                   string. Only headers lws knows by name (authorization,
 *                   content-type, user-agent, ...) appear in "headers";
 *                   fsHeader() can also read any other header.
 *   POST /_log/clear   empties the log.
 *   POST /_control  body "quit" (or {"cmd":"quit"}) makes fsRun() return;
 *                   any other body goes to fsHandlers.control.
 * A websocket upgrade is accepted on any path; HTTP requests to other paths
 * go to fsHandlers.http (404 when it leaves the response untouched).
 *
 * Output: fsStart() prints "fakesrv listening port=NNNN" on stdout (flushed)
 * so a test that passed port 0 can read the port from the child's output.
 *
 * Everything runs on one thread; every callback below is called from
 * fsRun(). fsWs pointers stay valid until their ws_close callback returns. */
#ifndef CB_FAKESRV_H
#define CB_FAKESRV_H

#include <stddef.h>

#define FS_MAX_BODY (1u << 20)   /* request bodies / ws messages; larger: 413 / dropped */
#define FS_MAX_LOG 20000         /* log entries kept; later ones are counted, not kept */
#define FS_MAX_WS_QUEUE 4096     /* messages queued per websocket; more: fsWsSend fails */

typedef struct fsServer fsServer;
typedef struct fsWs fsWs;
typedef struct fsResponse fsResponse;
typedef struct fsTimer fsTimer;

typedef struct fsRequest {
    const char *method; /* "GET", "POST", "PUT", "PATCH", "DELETE" */
    const char *path;   /* "/api/chat.postMessage" (no query) */
    const char *query;  /* query after '?', re-encoded "k=v&k2=v2"; "" when none */
    const char *body;   /* NUL-terminated, "" when none */
    size_t body_len;
    double t_ms;        /* ms since the server started */
    void *priv_;        /* fakesrv's own */
} fsRequest;

typedef struct fsHandlers {
    /* An HTTP request (body complete). Fill res with fsReply*; untouched ->
     * 404. May be NULL. */
    void (*http)(fsServer *s, const fsRequest *req, fsResponse *res, void *ud);
    /* Websocket events. path/query are those of the upgrade request. */
    void (*ws_open)(fsWs *ws, const char *path, const char *query, void *ud);
    void (*ws_message)(fsWs *ws, const char *data, size_t len, void *ud);
    /* A message was written to the socket completely (after fsWsSend). */
    void (*ws_sent)(fsWs *ws, const char *data, size_t len, void *ud);
    /* code: the client's close code, 1006 when it dropped without one. */
    void (*ws_close)(fsWs *ws, int code, void *ud);
    /* POST /_control body (not "quit"); reply with fsReply* (default 200 {"ok":true}). */
    void (*control)(fsServer *s, const char *body, size_t len, fsResponse *res, void *ud);
} fsHandlers;

/* Listen on 127.0.0.1:port (0 = any free port). NULL on failure (message on
 * stderr). h is copied. */
fsServer *fsStart(int port, const fsHandlers *h, void *ud);
int fsPort(const fsServer *s);
/* Serve until max_seconds pass or /_control "quit" / fsStop(). Returns 0
 * after a quit/stop, 1 after the time limit. */
int fsRun(fsServer *s, double max_seconds);
void fsStop(fsServer *s);
/* Close every connection, cancel timers, free. */
void fsFree(fsServer *s);
double fsNowMs(const fsServer *s); /* ms since fsStart */

/* Request helpers. fsHeader: case-insensitive name without ':'; the value
 * is valid until the handler returns; NULL when absent. */
const char *fsHeader(const fsRequest *r, const char *name);
/* Decoded value of name in an application/x-www-form-urlencoded string
 * (a query or a form body). 1 when found (out NUL-terminated, cut to
 * outlen-1), 0 when absent. */
int fsFormValue(const char *form, const char *name, char *out, size_t outlen);

/* Responses. Last call wins for status/body; headers accumulate. */
void fsReply(fsResponse *res, int status, const char *content_type, const char *body);
void fsReplyJson(fsResponse *res, int status, const char *json);
void fsReplyf(fsResponse *res, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4))); /* JSON body from a format */
void fsAddHeader(fsResponse *res, const char *name, const char *value); /* e.g. "Retry-After", "1" */
/* Send the response only after ms (to test client timeouts). */
void fsDelay(fsResponse *res, double ms);

/* Websockets. Sends are queued (copied) and written as the socket takes
 * them; CB-style 0 / -1 (-1 when closing or the queue is full). */
int fsWsSend(fsWs *ws, const char *text);
int fsWsSendLen(fsWs *ws, const char *data, size_t len);
/* Send a message as several continuation frames of frag bytes each. */
int fsWsSendFragmented(fsWs *ws, const char *data, size_t len, size_t frag);
/* Close with a close frame (after the queued messages are written). */
void fsWsClose(fsWs *ws, int code, const char *reason);
/* Abrupt TCP close: no close frame (the client sees 1006). */
void fsWsDrop(fsWs *ws);
/* A dead path: stop reading (so no pong answers a ping) and writing; the
 * TCP connection stays open. */
void fsWsFreeze(fsWs *ws);
void fsWsSetData(fsWs *ws, void *data);
void *fsWsData(const fsWs *ws);
const char *fsWsPath(const fsWs *ws);
fsServer *fsWsServer(const fsWs *ws);
/* Open websockets, oldest first: for (w = fsWsFirst(s); w; w = fsWsNext(w)). */
fsWs *fsWsFirst(const fsServer *s);
fsWs *fsWsNext(const fsWs *ws);
size_t fsWsCount(const fsServer *s);

/* Timers: fn runs once after ms. fsCancel before it fires (not after). */
typedef void fsTimerFn(fsServer *s, void *ud);
fsTimer *fsAfter(fsServer *s, double ms, fsTimerFn *fn, void *ud);
void fsCancel(fsTimer *t);

/* Append an entry {"t", "kind", "body"} to the log (e.g. kind "violation"
 * for something the bot did wrong, which tests assert is absent). body is
 * embedded as JSON when it parses, else as a string. */
void fsLog(fsServer *s, const char *kind, const char *body);
void fsLogf(fsServer *s, const char *kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Entries of one kind appended since the last /_log/clear, including those
 * past FS_MAX_LOG; NULL kind: entries kept. O(1): stats call it while busy. */
size_t fsLogCount(const fsServer *s, const char *kind);

#endif
