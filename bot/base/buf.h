/* buf.h - growable byte buffers with a hard size limit (curl's dynbuf
 * habit). Every buffer fed by the network or by a user gets a limit, so a
 * hostile peer or a 1 GB paste cannot make the bot allocate without bound.
 * The content is always NUL-terminated, so b->p can be used as a C string. */
#ifndef CB_BUF_H
#define CB_BUF_H

#include <stddef.h>

typedef struct cbBuf {
    char *p;    /* NULL until the first append */
    size_t len; /* bytes used, excluding the terminating NUL */
    size_t cap;
    size_t max; /* the limit on len */
} cbBuf;

void bufInit(cbBuf *b, size_t max);
/* CB_OK, or CB_ERR when the result would exceed b->max (buffer unchanged). */
int bufAppend(cbBuf *b, const void *data, size_t n);
int bufAppendStr(cbBuf *b, const char *s);
int bufPrintf(cbBuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The content as a C string, never NULL ("" when empty). */
const char *bufStr(const cbBuf *b);
/* Hand the heap string to the caller (never NULL) and reset the buffer. */
char *bufDetach(cbBuf *b);
void bufReset(cbBuf *b); /* len = 0, keeps memory */
void bufFree(cbBuf *b);

/* JSON written as jansson's json_dumps(JSON_COMPACT) writes it, byte for
 * byte, for the hot paths that would otherwise build a json_t only to
 * serialize it: s (valid UTF-8) as a string literal with its quotes; v as
 * a real ("%.17g", ".0" added to a whole number, exponent without '+' or
 * leading zeros). CB_ERR past b->max. */
int bufJsonStr(cbBuf *b, const char *s);
int bufJsonReal(cbBuf *b, double v);

#endif
