/* netlib.h - libcurl and libwebsockets, loaded on first use (see netlib.c).
 * The rest of the code calls curl_* and lws_* as usual. */
#ifndef CB_NETLIB_H
#define CB_NETLIB_H

#define NETLIB_CURL 1u /* libcurl */
#define NETLIB_LWS 2u  /* libwebsockets */

/* Load the libraries in libs (NETLIB_*) now, idempotent, and check that
 * each has every function careerbot calls: CB_OK, or CB_ERR and err
 * saying which library or function is missing and which Debian package
 * has it. Without this call the first curl_* or lws_* call loads its
 * library, and a missing one then ends the process with that message. */
int netlibLoad(unsigned libs, char *err);

#endif
