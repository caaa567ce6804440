/* console_history.h - the console's line history kept between sessions:
 * a plain text file, one line per entry (oldest first), created 0600 in
 * its own 0700 folder, holding at most a bounded number of lines. The
 * console loads it into libedit when it edits a terminal and appends each
 * line, already scrubbed of tokens, as it is typed; nothing is read or
 * written when the input is not a terminal. */
#ifndef CB_CONSOLE_HISTORY_H
#define CB_CONSOLE_HISTORY_H

#include <stddef.h>

#define CONHIST_MAX_LINE 4096 /* bytes; a longer line is not saved */

/* The file to use: configured ("off": none; "": the default,
 * $XDG_STATE_HOME/careerbot/console_history, else
 * $HOME/.local/state/careerbot/console_history). NULL when none; caller
 * frees. */
char *conHistPath(const char *configured);

/* Add the last max lines of path to libedit's history (a missing file is
 * an empty one) and bound the in-memory history to max; a file holding
 * more is rewritten with its last max lines. CB_OK or CB_ERR with err. */
int conHistLoad(const char *path, int max, char *err);

/* Append line (no newline in it; scrubbed by the caller) to path,
 * creating the file 0600 and its folder 0700, then keep only its last max
 * lines. A blank or over-long line is not saved. CB_OK or CB_ERR with err. */
int conHistAppend(const char *path, const char *line, int max, char *err);

#endif
