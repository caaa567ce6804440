/* hash.h - FNV-1a, the one byte-string hash the bot's tables share.
 *
 * Every hash set and map in the bot (stop words, rate-limit buckets,
 * cooldown keys, Slack's seen events, the matcher's feature keys) keys its
 * slots with FNV-1a: short keys, no seed to manage, and a value that is
 * stable across builds, which the model cache relies on (its feature keys
 * are engHash values). Callers that need well-spread low bits add their
 * own finishing mix on top, as engHash and the Slack ring do. */
#ifndef CB_HASH_H
#define CB_HASH_H

#include <stddef.h>
#include <stdint.h>

/* FNV-1a of p[0..n), started from the offset basis xor seed (seed 0 is
 * plain FNV-1a). */
uint64_t cbFnv1a(const void *p, size_t n, uint64_t seed);

/* Plain FNV-1a of the NUL-terminated string s. */
uint64_t cbFnv1aStr(const char *s);

#endif
