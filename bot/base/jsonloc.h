/* jsonloc.h - find where things are in raw JSON text.
 *
 * jansson parses JSON into values but forgets where each value was, and the
 * knowledge maintainers need "file:line:col" for every mistake. This is a
 * small, bounded scanner over the raw text that maps a JSON pointer
 * (RFC 6901, e.g. "/sources/1/url") to the byte offset of that value (or of
 * its key), plus helpers to turn offsets into line:column (columns count
 * characters, as jansson's do) and to map a byte offset inside a decoded
 * string back to the raw literal (for PCRE2's error offsets). It expects
 * text that jansson already accepted; on anything else it just fails. */
#ifndef CB_JSONLOC_H
#define CB_JSONLOC_H

#include <stddef.h>

#define JLOC_MAX_DEPTH 64

/* Offset of the value at pointer ptr ("" = the root), or with key=1 of the
 * key string of the member ptr names (its parent must be an object).
 * CB_OK, or CB_ERR when there is no such value. */
int jlocFind(const char *text, size_t len, const char *ptr, int key, size_t *off);

/* 1-based line and column (in UTF-8 characters) of byte offset off. */
void jlocLineCol(const char *text, size_t len, size_t off, int *line, int *col);

/* The string literal starting at text[off] (its opening quote) decodes to
 * some bytes; return in *out the offset in text of the raw character that
 * produced decoded byte `index` (the closing quote if index is the decoded
 * length). CB_ERR if text[off] is not a string or index is past its end. */
int jlocStringByte(const char *text, size_t len, size_t off, size_t index, size_t *out);

/* Append the JSON-pointer escaping of token (~ -> ~0, / -> ~1) to dst of
 * size cap (always NUL-terminated, truncated if needed). */
void jlocEscape(char *dst, size_t cap, const char *token);

/* ptr + "/" + index into dst of size cap: what snprintf(dst, cap, "%s/%zu",
 * ptr, index) writes (truncated the same way), without its cost (the
 * loader names every list item this way). */
void jlocIndex(char *dst, size_t cap, const char *ptr, size_t index);

#endif
