/* text.h - text analysis shared by the index and the queries: Unicode
 * normalization (NFKC + case folding with utf8proc, accents stripped from
 * Latin/Greek/Cyrillic letters, typographic punctuation lumped to ASCII),
 * tokens found with PCRE2 in UCP mode (keeping "c++", "c#", ".net",
 * "ci/cd", "node.js", "3.12" whole), stop words dropped (the knowledge's
 * stopwords.txt, given to txtNew), and Snowball English stems
 * (libstemmer).
 *
 * The index and every query must go through the same functions, or terms
 * would not meet. A txtCtx is not thread-safe (the stemmer and the stem
 * cache have state): its owner serializes its use (the engine does). */
#ifndef CB_TEXT_H
#define CB_TEXT_H

#include <stddef.h>
#include <stdint.h>

#define TXT_MAX_TOKEN 64 /* bytes; longer tokens are cut (on a UTF-8 boundary) */

typedef struct txtCtx txtCtx;

/* The tokens of one text: each has its surface form (normalized, not
 * stemmed) and its stem, both NUL-terminated strings in one arena. Stop
 * words are not in the list; nstop counts them. */
typedef struct txtToks {
    char *buf;
    size_t blen, bcap;
    uint32_t *raw, *stem; /* offsets into buf */
    size_t n, ncap;
    size_t nstop;
} txtToks;

/* A context whose stop words are stop[0..nstop), normalized like
 * questions (a duplicate, or a word that normalizes to none or to two, is
 * dropped). The context keeps its own copy. */
txtCtx *txtNew(const char *const *stop, size_t nstop, char *err);
void txtFree(txtCtx *c);

void txtToksInit(txtToks *t);
void txtToksReset(txtToks *t); /* empty, keeps memory */
void txtToksFree(txtToks *t);
static inline const char *txtRaw(const txtToks *t, size_t i) { return t->buf + t->raw[i]; }
static inline const char *txtStem(const txtToks *t, size_t i) { return t->buf + t->stem[i]; }
/* Append a token (stemming raw unless stem is given). */
void txtToksPush(txtCtx *c, txtToks *t, const char *raw, size_t rawlen, const char *stem);
/* Append a term that is its own stem (raw and stem share one string). */
void txtToksPushTerm(txtToks *t, const char *term, size_t len);

/* Normalize s[0..len) (must be valid UTF-8 without NUL: CB_ERR otherwise):
 * NFKC, case folded, Latin accents stripped, control characters removed.
 * *out is a heap string the caller frees. */
int txtNormalize(const char *s, size_t len, char **out, size_t *outlen, char *err);

/* Tokenize an already normalized string into t (appending). */
void txtTokenize(txtCtx *c, const char *norm, size_t len, txtToks *t);

/* Tests: always use PCRE2 (no hand-written ASCII fast path). */
void txtPcreOnly(txtCtx *c, int on);

/* Normalize then tokenize. CB_OK, or CB_ERR with err filled. */
int txtAnalyze(txtCtx *c, const char *s, size_t len, txtToks *t, char *err);

/* 1 if the (normalized, unstemmed) word is one of c's stop words. */
int txtIsStop(const txtCtx *c, const char *word);

/* c's stop words, normalized, in the order given to txtNew: *n gets
 * their number. */
const char *const *txtStopWords(const txtCtx *c, size_t *n);

/* The Snowball stem of an ASCII word into dst (cap bytes); words with
 * other characters are copied as they are. Returns the length. */
size_t txtStemWord(txtCtx *c, const char *w, size_t len, char *dst, size_t cap);

/* Truncate s[0..len) to at most max bytes on a UTF-8 boundary. */
size_t txtUtf8Cut(const char *s, size_t len, size_t max);

#endif
