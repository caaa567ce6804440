/* console.h - the console transport: questions typed on a terminal (a
 * "careerbot> " prompt) or piped in (one question per line, no prompt),
 * answered through appAnswer() and printed with renderTerminal(). Runs on
 * the app's libuv loop like the chat transports. Commands: /faq QUESTION,
 * /help, /topics, /topic NAME, /show ID, /quit (and `quit`/`exit` alone);
 * a number alone picks that choice of the last reply (did you mean, related).
 * End of input or /quit stops reading and calls the stop hook. */
#ifndef CB_CONSOLE_H
#define CB_CONSOLE_H

#include <stdio.h>

#include "platform/transport.h"

#define CONSOLE_MAX_LINE (1024 * 1024) /* bytes; longer lines get an error and are skipped */
#define CONSOLE_PROMPT "careerbot> "
/* Keys libedit edits on one line. libedit 3.1 (Debian 12) corrupts its heap
 * on lines of 5,000+ characters, so past this the rest of the line is read
 * and dropped by us, and the line is refused as too long, like any line
 * over the handler's limit (HND_MAX_QUESTION, 4,000 bytes). */
#define CONSOLE_EDITOR_MAX_KEYS 4096

struct cbApp;

/* Called once when the user is done (end of input, /quit). why: "eof",
 * "quit" or "read error". Default (no hook set): appStop(a, why). */
typedef void consoleStopFn(struct cbApp *a, void *ud, const char *why);

/* Reads stdin, writes stdout. */
cbTransport *consoleTransportNew(struct cbApp *a);
/* Reads in_fd (a TTY, pipe, socket or file), writes out (tests). */
cbTransport *consoleTransportNewWith(struct cbApp *a, int in_fd, FILE *out);
void consoleSetStopHook(cbTransport *t, consoleStopFn *fn, void *ud);
/* Questions answered so far (for tests and logs). */
size_t consoleAnswered(const cbTransport *t);

#endif
