/* engine_cache.h - the trained classifier kept on disk (internal to
 * bot/match/engine*.c), so loading an unchanged knowledge base reads its
 * model instead of training it again.
 *
 * A cache file is named and checked by a key: an XXH3 hash over everything
 * training depends on (the examples and their classes, the synonyms,
 * matching.json's values, the number of classes and folds, the cache
 * format and the running program's build id, which stands for the code:
 * tokenizer, stop words, stemmer, training constants). The file holds the
 * model as sections of arrays (feature table, idf, weights classes x
 * features, biases, calibration, out-of-fold figures), each checked
 * against the model's sizes, and a checksum (XXH3) of it all: a corrupt, truncated
 * or foreign file is ignored (logged), never trusted. Files are written
 * to a temporary name and renamed, so a reader never sees half of one. */
#ifndef CB_ENGINE_CACHE_H
#define CB_ENGINE_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "match/engine_model.h"

#define MDC_KEYLEN 32

/* The keys, hashed a piece at a time (so a big knowledge's, which hashes
 * every answer, can be done in slices): mdcKeysBegin with the number of
 * examples and classes and the folds, then each input training depends
 * on (the examples' classes and texts, the synonyms ..., matching.json's
 * values), each added with its length so no two inputs run together,
 * then mdcKeysEnd: nkeys keys of the same inputs, key k salted with k (one
 * per model trained on them), and the hasher freed. mdcKeysCancel drops
 * a hasher (NULL is fine). */
typedef struct mdcHasher mdcHasher;
mdcHasher *mdcKeysBegin(size_t n, size_t nclass, int folds);
void mdcKeysAdd(mdcHasher *m, const void *p, size_t n);
void mdcKeysAddStr(mdcHasher *m, const char *s); /* NULL: as "" */
void mdcKeysEnd(mdcHasher *m, size_t nkeys, uint8_t (*keys)[MDC_KEYLEN]);
void mdcKeysCancel(mdcHasher *m);

/* The model in dir for key, or NULL (no file, or one that does not check:
 * then a log line says why). Collision examples are mapped back to
 * ex[0..n) (the texts the key was computed over). */
mdlModel *mdcLoad(const char *dir, const uint8_t key[MDC_KEYLEN], const mdlExample *ex, size_t n);
/* Write m for key into dir (made if missing), atomically. CB_OK or CB_ERR
 * with err filled (the caller logs it; a cache that cannot be written only
 * costs a training next time). */
int mdcSave(const char *dir, const uint8_t key[MDC_KEYLEN], const mdlModel *m,
            const mdlExample *ex, size_t n, char *err);

/* Parse a cache file's bytes (any bytes: the fuzzing entry point). The
 * model, or NULL with why filled. key: the key it must have, or NULL to
 * accept any. */
mdlModel *mdcParse(const uint8_t *data, size_t len, const uint8_t key[MDC_KEYLEN],
                   const mdlExample *ex, size_t n, char *why, size_t whylen);

/* A record: n numbers (what a small model is: the scaled path's
 * re-ranker, the mark "no dense model fits"), kept like a model (the same
 * header with kind as its magic, key, checksum, atomic write). */
int mdcSaveRecord(const char *dir, const uint8_t key[MDC_KEYLEN], const char kind[8],
                  const double *v, size_t n, char *err);
/* CB_OK with v[0..n) filled when dir holds key's record of this kind and
 * size and it checks (every number finite); else CB_ERR (no file, or one
 * that does not check: then a log line says why). */
int mdcLoadRecord(const char *dir, const uint8_t key[MDC_KEYLEN], const char kind[8], double *v,
                  size_t n);
/* The check of a record's bytes (any bytes: tests, fuzzing). */
int mdcParseRecord(const uint8_t *data, size_t len, const uint8_t key[MDC_KEYLEN],
                   const char kind[8], double *v, size_t n, char *why, size_t whylen);

#endif
