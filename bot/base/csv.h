/* csv.h - comma- or tab-separated records (RFC 4180: a field in double
 * quotes may hold the separator, line breaks and quotes written twice;
 * records end with CRLF or LF) read from text in memory, keeping the byte
 * offset of every field, so whoever reads a person's file can say
 * file:line:col. Strict: a quote inside an unquoted field, text after a
 * closing quote, an unterminated quote and a carriage return alone are
 * errors with their offset. Blank lines between records are skipped.
 * Used by `kb import` for question/answer spreadsheets; the fuzz target
 * tests/fuzz/fuzz_csv.c feeds it anything. */
#ifndef CB_CSV_H
#define CB_CSV_H

#include <stddef.h>

#define CSV_MAX_FIELDS 256 /* fields in one record */

typedef struct csvField {
    char *s;    /* the value, unquoted (NUL-terminated; owned by the table) */
    size_t len;
    size_t off; /* offset of the field's first byte (its opening quote if quoted) */
} csvField;

typedef struct csvRecord {
    csvField *f;
    size_t n;
    size_t off; /* offset of the record's first byte */
    size_t end; /* offset of its line end (or of the end of the text) */
} csvRecord;

typedef struct csvTable {
    csvRecord *r;
    size_t n, cap;
} csvTable;

/* Parse text (len bytes; NUL bytes are data) with separator sep into t.
 * CB_OK, or CB_ERR with what is wrong and how to fix it in err and its
 * offset in *erroff (t then holds the records before it). Free t with
 * csvFree either way. */
int csvParse(const char *text, size_t len, char sep, csvTable *t, size_t *erroff, char *err);
void csvFree(csvTable *t);

#endif
