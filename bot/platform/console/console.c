/* console.c - the console transport (see console.h). On a terminal, lines
 * are read with libedit (line editing, history) in its callback mode: a
 * uv_poll tells when a key is there and rl_callback_read_char() takes it,
 * so the loop never blocks. Otherwise input comes from a libuv stream
 * (uv_pipe for pipes and sockets) or, for a regular file or /dev/null that
 * epoll cannot watch, from uv_fs_read.
 * Bytes are cut into lines in a bounded buffer; each line is one question
 * (or a console command), answered synchronously through appAnswer() and
 * printed with renderTerminal(). Nothing is in flight between lines, so
 * shutdown only has to close the input handle. */
#include "platform/console/console.h"
#include "platform/console/console_history.h"

#include <editline/readline.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <uv.h>

#include "app/app.h"
#include "base/buf.h"
#include "base/common.h"
#include "base/log.h"
#include "base/redact.h"
#include "handlers/handler.h"
#include "render/render.h"
#include "render/wrap.h"

#define CONSOLE_READ_CHUNK 65536

typedef struct consolePriv {
    cbTransport *t;
    int fd;
    FILE *out;
    int tty;   /* input is a terminal: prompt and greeting */
    int editor; /* libedit reads the terminal (its prompt, editing, history) */
    int editor_remove; /* remove libedit's handler once its callback returns */
    int in_editor; /* inside rl_callback_read_char() */
    int editor_line; /* a line was handled: install the handler again (prompt, raw mode) */
    size_t editor_keys; /* keys given to libedit since its line started */
    int editor_dropping; /* over CONSOLE_EDITOR_MAX_KEYS: reading the line's rest ourselves */
    FILE *editor_in; /* the input as a FILE for libedit */
    char *hist_path; /* the line history file kept between sessions (terminal only), or NULL */
    int hist_max;    /* lines of it kept */
    int color; /* output is a terminal */
    size_t width; /* wrap replies to this many columns (0: do not) */
    int use_fs; /* regular file: uv_fs_read instead of a stream */
    union {
        uv_handle_t handle;
        uv_stream_t stream;
        uv_tty_t tty;
        uv_pipe_t pipe;
        uv_poll_t poll;
    } h;
    uv_fs_t fsreq;
    int fs_active;   /* a uv_fs_read is pending */
    int handle_open; /* h was initialised and not yet closed */
    int closing;
    int started, stopped, free_pending;
    cbBuf line;
    int skipping; /* dropping the rest of an over-long line */
    size_t answered;
    char *last_answer; /* the entry the last answer showed, until it is voted on */
    char **choices; /* ids the last reply numbered (did you mean, then related) */
    size_t nchoices;
    consoleStopFn *stop_fn;
    void *stop_ud;
    char rbuf[CONSOLE_READ_CHUNK];
} consolePriv;

/* libedit's line callback has no user data: the one console using it. */
static consolePriv *editorOwner;

static void consoleForgetChoices(consolePriv *p) {
    for (size_t i = 0; i < p->nchoices; i++) free(p->choices[i]);
    free(p->choices);
    p->choices = NULL;
    p->nchoices = 0;
}

static void consoleDestroy(consolePriv *p) {
    cbTransport *t = p->t;
    if (editorOwner == p) editorOwner = NULL;
    consoleForgetChoices(p);
    free(p->last_answer);
    bufFree(&p->line);
    free(p->hist_path);
    free(p);
    free(t);
}

/* Free once nothing of libuv still points at p. */
static void consoleMaybeDestroy(consolePriv *p) {
    if (p->free_pending && !p->handle_open && !p->closing && !p->fs_active) consoleDestroy(p);
}

static void consoleOnClose(uv_handle_t *h) {
    consolePriv *p = h->data;
    p->closing = 0;
    p->handle_open = 0;
    consoleMaybeDestroy(p);
}

/* Give the terminal back (cooked mode, no handler). Not from inside
 * libedit's line callback: it touches its state after the callback. */
static void consoleEditorEnd(consolePriv *p) {
    if (!p->editor) return;
    if (p->in_editor) {
        p->editor_remove = 1;
        return;
    }
    rl_callback_handler_remove();
    p->editor = 0;
    if (p->editor_in) fclose(p->editor_in);
    p->editor_in = NULL;
}

static void consoleCloseInput(consolePriv *p) {
    if (!p->handle_open || p->closing) return;
    if (p->editor) uv_poll_stop(&p->h.poll);
    else if (!p->use_fs) uv_read_stop(&p->h.stream);
    consoleEditorEnd(p);
    if (p->tty && !p->editor) uv_tty_reset_mode();
    p->closing = 1;
    uv_close(&p->h.handle, consoleOnClose);
}

static void consolePrint(consolePriv *p, const char *s) {
    fputs(s, p->out);
    fflush(p->out);
}

static void consolePrompt(consolePriv *p) {
    if (p->tty && !p->editor && !p->stopped) consolePrint(p, CONSOLE_PROMPT);
}

/* The user is done: stop reading and tell the runner (once). */
static void consoleStop(consolePriv *p, const char *why) {
    if (p->stopped) return;
    p->stopped = 1;
    if (p->tty) consolePrint(p, "\n");
    consoleCloseInput(p);
    cbApp *a = p->t->app;
    logEvent(LOG_INFO, "console.stop", "reason=%s answered=%zu", why, p->answered);
    if (p->stop_fn) p->stop_fn(a, p->stop_ud, why);
    else appStop(a, why);
}

/* The entries a reply numbered, in renderTerminal's order, so the next
 * line can pick one by its number. An error keeps the earlier list (a
 * mistyped pick can be typed again). */
static void consoleKeepChoices(consolePriv *p, const hndReply *r) {
    if (r->kind == REPLY_ERROR) return;
    consoleForgetChoices(p);
    size_t n = r->nsuggestions + r->nrelated;
    if (!n) return;
    p->choices = cbCalloc(n, sizeof(*p->choices));
    for (size_t i = 0; i < r->nsuggestions; i++) p->choices[p->nchoices++] = cbStrdup(r->suggestions[i].id);
    for (size_t i = 0; i < r->nrelated; i++) p->choices[p->nchoices++] = cbStrdup(r->related[i].id);
}

static void consoleShowReply(consolePriv *p, hndReply *r) {
    consoleKeepChoices(p, r);
    char *raw = renderTerminal(r, (p->color ? RENDER_TERM_COLOR : 0) | RENDER_TERM_PICK);
    char *text = wrapText(raw, p->width);
    free(raw);
    fputs(text, p->out);
    if (!p->tty) fputs("\n", p->out); /* a blank line between piped answers */
    fflush(p->out);
    free(text);
    replyFree(r);
}

static void consoleVoteDone(int ok, void *ud) {
    (void)ud; /* the console may be gone by now: only the log hears of a failure */
    if (!ok) logEvent(LOG_WARN, "console.vote_failed", "msg=\"a not-helpful vote was not saved\"");
}

/* "not helpful", "wrong" (smalltalk.yaml's feedback: not-helpful) right
 * after an answer: a thumbs-down on that answer, as the chat platforms'
 * button gives, said in the reply. Once per answer. */
static void consoleNotHelpful(consolePriv *p, hndReply *r) {
    if (!p->last_answer || appVote(p->t->app, PLATFORM_CONSOLE, "console", NULL, p->last_answer, 0,
                                   consoleVoteDone, NULL) != CB_OK)
        return;
    char *body = cbSprintf("%s\n\nI've noted that the answer `%s` did not help you; the "
                           "maintainers review such answers in `careerbot report`.",
                           r->body, p->last_answer);
    free(r->body);
    r->body = body;
    free(p->last_answer);
    p->last_answer = NULL;
}

static void consoleAsk(consolePriv *p, const char *s, size_t len) {
    hndRequest req = {.platform = PLATFORM_CONSOLE, .text = s, .len = len, .user = "console"};
    hndReply r;
    appAnswer(p->t->app, &req, &r);
    p->answered++;
    if (r.kind == REPLY_CHITCHAT && r.not_helpful) consoleNotHelpful(p, &r);
    if (r.kind == REPLY_ANSWER && r.entry_id) {
        free(p->last_answer);
        p->last_answer = cbStrdup(r.entry_id);
    }
    consoleShowReply(p, &r);
}

static void consoleError(consolePriv *p, char *body) {
    hndReply r;
    replyInit(&r);
    r.kind = REPLY_ERROR;
    r.body = body;
    consoleShowReply(p, &r);
}

static void consoleUnknownCommand(consolePriv *p) {
    consoleError(p, cbStrdup("I don't know that command. Commands: `/faq QUESTION`, `/help`, "
                             "`/topics`, `/topic NAME`, `/show ID`, `/quit`; or just type a "
                             "question."));
}

/* A line that is only a number ("2", "#2", "2." or "2)") picks that
 * choice of the last reply: 1 when it was one (and was answered). */
static int consolePick(consolePriv *p, const char *s, size_t len) {
    if (!p->nchoices || !(s[0] == '#' || (s[0] >= '0' && s[0] <= '9'))) return 0;
    size_t i = s[0] == '#', k = 0;
    while (i < len && s[i] >= '0' && s[i] <= '9' && k < 1000) k = k * 10 + (size_t)(s[i++] - '0');
    if (i < len && (s[i] == '.' || s[i] == ')')) i++;
    if (i != len || k == 0) return 0;
    if (k > p->nchoices) {
        consoleError(p, cbSprintf("There is no choice %zu: type a number from 1 to %zu, or ask a "
                                  "question.", k, p->nchoices));
        return 1;
    }
    appNoteChoice(p->t->app, PLATFORM_CONSOLE, "console", p->choices[k - 1]); /* as a click */
    char *cmd = cbSprintf("show %s", p->choices[k - 1]);
    consoleAsk(p, cmd, strlen(cmd));
    free(cmd);
    return 1;
}

/* 1 when s[0..len) is command word w alone or followed by a space. */
static int consoleIsCmd(const char *s, size_t len, const char *w) {
    size_t n = strlen(w);
    return len >= n && strncasecmp(s, w, n) == 0 && (len == n || s[n] == ' ' || s[n] == '\t');
}

/* One complete input line (without its newline). */
static void consoleLine(consolePriv *p, const char *s, size_t len) {
    if (len && s[len - 1] == '\r') len--;
    size_t n = len;
    const char *t = s;
    while (n && (*t == ' ' || *t == '\t')) t++, n--;
    while (n && (t[n - 1] == ' ' || t[n - 1] == '\t')) n--;
    if (n == 0) { /* blank: nothing to answer */
        consolePrompt(p);
        return;
    }
    if ((n == 5 && !strncasecmp(t, "/quit", 5)) || (n == 4 && !strncasecmp(t, "quit", 4)) ||
        (n == 4 && !strncasecmp(t, "exit", 4)) || (n == 5 && !strncasecmp(t, "/exit", 5))) {
        consoleStop(p, "quit");
        return;
    }
    if (consolePick(p, t, n)) {
        consolePrompt(p);
        return;
    }
    if (t[0] == '/' && !consoleIsCmd(t, n, "/faq") && !consoleIsCmd(t, n, "/help") &&
        !consoleIsCmd(t, n, "/topics") && !consoleIsCmd(t, n, "/topic") &&
        !consoleIsCmd(t, n, "/show"))
        consoleUnknownCommand(p);
    else if (t[0] == '/' && !consoleIsCmd(t, n, "/faq"))
        consoleAsk(p, t + 1, n - 1); /* "/topics" -> "topics" */
    else
        consoleAsk(p, t, n); /* the handler strips "/faq" */
    consolePrompt(p);
}

/* Cut data into lines; a line longer than the buffer is answered (the
 * handler refuses it as too long) and the rest of it skipped. */
static void consoleFeed(consolePriv *p, const char *data, size_t n) {
    while (n && !p->stopped) {
        const char *nl = memchr(data, '\n', n);
        size_t seg = nl ? (size_t)(nl - data) : n;
        if (!p->skipping) {
            size_t room = p->line.max - p->line.len;
            bufAppend(&p->line, data, seg < room ? seg : room);
            if (seg > room) { /* over the limit: answer what we have, skip the rest */
                consoleAsk(p, bufStr(&p->line), p->line.len);
                bufReset(&p->line);
                p->skipping = 1;
            }
        }
        if (!nl) return;
        if (!p->skipping) consoleLine(p, bufStr(&p->line), p->line.len);
        else consolePrompt(p);
        bufReset(&p->line);
        p->skipping = 0;
        data += seg + 1;
        n -= seg + 1;
    }
}

static void consoleEof(consolePriv *p, const char *why) {
    if (p->line.len && !p->skipping && !p->stopped) { /* a last line without a newline */
        consoleLine(p, bufStr(&p->line), p->line.len);
    }
    bufReset(&p->line);
    consoleStop(p, why);
}

static void consoleAlloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
    (void)suggested;
    consolePriv *p = h->data;
    *buf = uv_buf_init(p->rbuf, sizeof(p->rbuf));
}

static void consoleOnRead(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf) {
    consolePriv *p = s->data;
    if (nread > 0) {
        consoleFeed(p, buf->base, (size_t)nread);
    } else if (nread == UV_EOF) {
        consoleEof(p, "eof");
    } else if (nread < 0) {
        logEvent(LOG_ERROR, "console.read_failed", "error=\"%s\"", uv_strerror((int)nread));
        consoleEof(p, "read error");
    }
}

static void consoleFsRead(consolePriv *p);

static void consoleOnFsRead(uv_fs_t *req) {
    consolePriv *p = req->data;
    ssize_t n = req->result;
    uv_fs_req_cleanup(req);
    /* fs_active stays set while we feed, so a stop hook that frees the
     * transport defers the free to the end of this callback. */
    if (!p->free_pending && n > 0) {
        consoleFeed(p, p->rbuf, (size_t)n);
    } else if (!p->free_pending && !p->stopped) {
        if (n < 0) logEvent(LOG_ERROR, "console.read_failed", "error=\"%s\"", uv_strerror((int)n));
        consoleEof(p, n == 0 ? "eof" : "read error");
    }
    p->fs_active = 0;
    if (p->free_pending) consoleMaybeDestroy(p);
    else if (n > 0 && !p->stopped) consoleFsRead(p);
}

static void consoleFsRead(consolePriv *p) {
    uv_buf_t b = uv_buf_init(p->rbuf, sizeof(p->rbuf));
    p->fsreq.data = p;
    int rc = uv_fs_read(appLoop(p->t->app)->uv, &p->fsreq, p->fd, &b, 1, -1, consoleOnFsRead);
    if (rc < 0) {
        logEvent(LOG_ERROR, "console.read_failed", "error=\"%s\"", uv_strerror(rc));
        consoleStop(p, "read error");
        return;
    }
    p->fs_active = 1;
}

static int consoleOpenStream(consolePriv *p, uv_loop_t *loop, uv_handle_type kind, char *err) {
    int rc;
    if (kind == UV_TTY) {
        rc = uv_tty_init(loop, &p->h.tty, p->fd, 1);
    } else {
        rc = uv_pipe_init(loop, &p->h.pipe, 0);
        if (rc == 0) {
            p->handle_open = 1;
            p->h.handle.data = p;
            rc = uv_pipe_open(&p->h.pipe, p->fd);
        }
    }
    if (rc == 0 && kind == UV_TTY) p->handle_open = 1;
    p->h.handle.data = p;
    if (rc == 0) rc = uv_read_start(&p->h.stream, consoleAlloc, consoleOnRead);
    if (rc != 0) {
        consoleCloseInput(p);
        return cbErr(err, "cannot read the console input: %s", uv_strerror(rc));
    }
    return CB_OK;
}

/* A typed line into the history, in memory and in the file, with any
 * token in it scrubbed out first. */
static void consoleRemember(consolePriv *p, const char *line) {
    char *clean = cbStrdup(line), err[CB_ERRLEN];
    redactText(clean);
    add_history(clean);
    if (p->hist_path && conHistAppend(p->hist_path, clean, p->hist_max, err) != CB_OK) {
        logEvent(LOG_WARN, "console.history_failed", "error=\"%s\"", err);
        free(p->hist_path); /* said once; the session goes on without it */
        p->hist_path = NULL;
    }
    free(clean);
}

/* The history file of earlier sessions, when one is configured. */
static void consoleHistoryStart(consolePriv *p) {
    appTransportOptions o;
    appTransportOptionsFor(p->t->app, PLATFORM_CONSOLE, &o);
    p->hist_max = o.history_size;
    p->hist_path = o.history_size > 0 ? conHistPath(o.history_file) : NULL;
    char err[CB_ERRLEN];
    if (p->hist_path && conHistLoad(p->hist_path, p->hist_max, err) != CB_OK) {
        logEvent(LOG_WARN, "console.history_failed", "error=\"%s\"", err);
        free(p->hist_path);
        p->hist_path = NULL;
    }
}

static void consoleEditorLine(char *line) {
    consolePriv *p = editorOwner;
    if (!p || p->stopped) {
        free(line);
        return;
    }
    if (!line) { /* Ctrl-D on an empty line */
        consoleEof(p, "eof");
        return;
    }
    const char *s = line;
    while (*s == ' ' || *s == '\t') s++;
    if (*s) consoleRemember(p, line);
    p->editor_line = 1;
    consoleLine(p, line, strlen(line));
    free(line);
}

/* The line was too long for libedit: drop what it holds (leaving and
 * entering its callback mode starts an empty line), refuse the line the
 * way the handler refuses any over-long question, and prompt again. */
static void consoleEditorRefuse(consolePriv *p) {
    rl_callback_handler_remove();
    consolePrint(p, "\n");
    consoleError(p, cbSprintf("That message is too long (over %d characters). I can read questions "
                              "of up to %d bytes; please ask a shorter question.",
                              CONSOLE_EDITOR_MAX_KEYS, HND_MAX_QUESTION));
    p->editor_keys = 0;
    p->editor_dropping = 0;
    rl_callback_handler_install(CONSOLE_PROMPT, consoleEditorLine);
}

/* Past the key cap: read what the terminal has, without libedit, up to the
 * end of the line. Keys typed after that Enter in the same read are
 * dropped with it. Readable with nothing to read is a hang-up. */
static void consoleEditorDrop(consolePriv *p) {
    int avail = 0;
    if (ioctl(p->fd, FIONREAD, &avail) != 0 || avail <= 0) {
        consoleEof(p, "eof");
        return;
    }
    size_t want = (size_t)avail < sizeof(p->rbuf) ? (size_t)avail : sizeof(p->rbuf);
    ssize_t n = read(p->fd, p->rbuf, want);
    if (n <= 0) {
        consoleEof(p, n == 0 ? "eof" : "read error");
        return;
    }
    if (memchr(p->rbuf, '\r', (size_t)n) || memchr(p->rbuf, '\n', (size_t)n))
        consoleEditorRefuse(p);
}

static void consoleOnKey(uv_poll_t *h, int status, int events) {
    consolePriv *p = h->data;
    (void)events;
    if (status < 0) {
        logEvent(LOG_ERROR, "console.read_failed", "error=\"%s\"", uv_strerror(status));
        consoleEof(p, "read error");
        return;
    }
    if (!p->editor_dropping && ++p->editor_keys > CONSOLE_EDITOR_MAX_KEYS) p->editor_dropping = 1;
    if (p->editor_dropping) {
        consoleEditorDrop(p);
        return;
    }
    p->in_editor = 1;
    rl_callback_read_char(); /* one key; a finished line calls consoleEditorLine */
    p->in_editor = 0;
    if (p->editor_remove) {
        p->editor_remove = 0;
        consoleEditorEnd(p);
    } else if (p->editor_line && p->editor) {
        /* libedit leaves its raw mode after a line: start the next one */
        rl_callback_handler_install(CONSOLE_PROMPT, consoleEditorLine);
    }
    if (p->editor_line) p->editor_keys = 0;
    p->editor_line = 0;
}

/* A terminal: libedit edits the line and keeps the history; the loop
 * watches the descriptor and hands each key to libedit. */
static int consoleOpenEditor(consolePriv *p, uv_loop_t *loop, char *err) {
    int fd = dup(p->fd);
    p->editor_in = fd >= 0 ? fdopen(fd, "r") : NULL;
    if (!p->editor_in) {
        if (fd >= 0) close(fd);
        return cbErr(err, "cannot read the console input");
    }
    int rc = uv_poll_init(loop, &p->h.poll, p->fd);
    if (rc != 0) {
        fclose(p->editor_in);
        p->editor_in = NULL;
        return cbErr(err, "cannot watch the console input: %s", uv_strerror(rc));
    }
    p->handle_open = 1;
    p->h.handle.data = p;
    rl_instream = p->editor_in;
    rl_outstream = p->out;
    rl_catch_signals = 0; /* the loop handles SIGINT and SIGTERM */
    consoleHistoryStart(p);
    editorOwner = p;
    p->editor = 1;
    rl_callback_handler_install(CONSOLE_PROMPT, consoleEditorLine);
    uv_poll_start(&p->h.poll, UV_READABLE, consoleOnKey);
    return CB_OK;
}

static int consoleStart(cbTransport *t, char *err) {
    consolePriv *p = t->priv;
    uv_loop_t *loop = appLoop(t->app)->uv;
    if (p->started) return CB_OK;
    uv_handle_type kind = uv_guess_handle(p->fd);
    p->tty = kind == UV_TTY;
    const char *nc = getenv("NO_COLOR");
    p->color = isatty(fileno(p->out)) && !(nc && *nc);
    p->width = wrapWidthFor(fileno(p->out));
    p->use_fs = kind == UV_FILE || kind == UV_UNKNOWN_HANDLE;
    if (p->tty)
        consolePrint(p, "careerbot: ask me about your Python career. Type /help for the "
                        "commands, /quit to leave.\n");
    if (p->use_fs) consoleFsRead(p);
    else if (p->tty && isatty(fileno(p->out)) && !editorOwner) {
        if (consoleOpenEditor(p, loop, err) != CB_OK) return CB_ERR;
    } else if (consoleOpenStream(p, loop, kind, err) != CB_OK) {
        return CB_ERR;
    }
    p->started = 1;
    if (p->tty) consolePrompt(p);
    logEvent(LOG_INFO, "console.started", "input=%s", p->tty ? "tty" : p->use_fs ? "file" : "pipe");
    return CB_OK;
}

static void consoleShutdown(cbTransport *t) {
    consolePriv *p = t->priv;
    p->stopped = 1; /* the runner is stopping: no stop hook */
    consoleCloseInput(p);
    if (p->fs_active) uv_cancel((uv_req_t *)&p->fsreq);
}

static size_t consoleInFlight(const cbTransport *t) {
    const consolePriv *p = t->priv;
    return (size_t)(p->closing != 0) + (size_t)(p->fs_active != 0);
}

static int consoleHealthy(const cbTransport *t, char *why, size_t whylen) {
    const consolePriv *p = t->priv;
    if (p->started && !p->stopped) return 1;
    snprintf(why, whylen, "%s", p->started ? "console input closed" : "console not started");
    return 0;
}

static void consoleFree(cbTransport *t) {
    if (!t) return;
    consolePriv *p = t->priv;
    p->free_pending = 1;
    consoleShutdown(t);
    consoleMaybeDestroy(p); /* else the close/read callback frees it */
}

static const cbTransportType consoleType = {.name = "console", .start = consoleStart,
    .shutdown = consoleShutdown, .in_flight = consoleInFlight, .healthy = consoleHealthy,
    .free = consoleFree};

cbTransport *consoleTransportNewWith(struct cbApp *a, int in_fd, FILE *out) {
    cbTransport *t = cbCalloc(1, sizeof(*t));
    consolePriv *p = cbCalloc(1, sizeof(*p));
    transportInit(t, &consoleType, a, p);
    p->t = t;
    p->fd = in_fd;
    p->out = out;
    bufInit(&p->line, CONSOLE_MAX_LINE);
    return t;
}

cbTransport *consoleTransportNew(struct cbApp *a) {
    return consoleTransportNewWith(a, STDIN_FILENO, stdout);
}

void consoleSetStopHook(cbTransport *t, consoleStopFn *fn, void *ud) {
    consolePriv *p = t->priv;
    p->stop_fn = fn;
    p->stop_ud = ud;
}

size_t consoleAnswered(const cbTransport *t) {
    const consolePriv *p = t->priv;
    return p->answered;
}
