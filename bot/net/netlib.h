/* netlib.h - libcurl and libwebsockets, loaded on first use (see netlib.c).
 * The rest of the code calls curl_* and lws_* as usual. */
#ifndef CB_NETLIB_H
#define CB_NETLIB_H

/* Load both libraries now (idempotent): CB_OK, or CB_ERR and err saying
 * which library is missing and which Debian package has it. Without this
 * call the first curl_* or lws_* call loads them, and a missing library
 * then ends the process with that message. */
int netlibLoad(char *err);

/* 1 once a library has been loaded in this process (tests). */
int netlibLoaded(void);

#endif
