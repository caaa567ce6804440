/* jsonprune.h - a JSON tree with only the keys a jsonpick key list wants
 * (base/jsonpick.h): what jpickLoad must build, for the tests and the
 * fuzz target that compare it with json_loadb. Header only, since the
 * fuzz build does not link tests/support. */
#ifndef CB_TESTS_JSONPRUNE_H
#define CB_TESTS_JSONPRUNE_H

#include <jansson.h>
#include <string.h>

#include "base/jsonpick.h"

/* v with only want's keys kept, recursively (a new reference). */
static inline json_t *jsonPrune(json_t *v, const jpickKey *want) {
    if (!want || !json_is_object(v)) return json_incref(v);
    json_t *out = json_object();
    const char *k;
    json_t *x;
    json_object_foreach(v, k, x) {
        for (const jpickKey *w = want; w->key; w++)
            if (strcmp(w->key, k) == 0) json_object_set_new(out, k, jsonPrune(x, w->sub));
    }
    return out;
}

#endif
