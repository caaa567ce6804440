/* jsonpick.h - parse JSON into jansson values, keeping only named keys.
 *
 * A Slack Socket Mode envelope is ~0.5-4 KB of which the bot reads a dozen
 * short fields, and json_loadb spends ~200 instructions a byte building a
 * tree of all of it (a quarter of the bot's CPU per reply). jpickLoad reads
 * the whole text once, checking it exactly as json_loadb(data, len, 0)
 * does (syntax, UTF-8, escapes and surrogates, \u0000, integer and real
 * overflow, top-level object or array, nesting depth), and builds values
 * only for the keys a caller asked for. What it accepts json_loadb accepts
 * (it is stricter in one way: a NUL byte in the text is an error, where
 * jansson skips one that follows a number or true/false/null),
 * and the result is json_loadb's tree with the unasked keys removed
 * (tests/unit/test_jsonpick.c, tests/fuzz/fuzz_jsonpick.c). */
#ifndef CB_JSONPICK_H
#define CB_JSONPICK_H

#include <jansson.h>
#include <stddef.h>

/* One wanted key of an object. When sub is set and the key's value is an
 * object, that object keeps only sub's keys, and so on down; any other
 * value (arrays, strings, an object without sub) is kept whole. A list
 * ends with {NULL, NULL}. */
typedef struct jpickKey {
    const char *key;
    const struct jpickKey *sub;
} jpickKey;

/* The value of data[0..len) as json_loadb(data, len, 0) reads it, with
 * only want's keys kept in objects (want NULL: everything). NULL on bad
 * input, with err (CB_ERRLEN bytes) saying what and at which byte. */
json_t *jpickLoad(const char *data, size_t len, const jpickKey *want, char *err);

#endif
