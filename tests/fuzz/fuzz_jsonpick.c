/* fuzz_jsonpick.c - libFuzzer target: any bytes through jpickLoad and
 * jansson's json_loadb. Both must give the same verdict (except that a
 * NUL byte, which jansson skips after a number or a literal, is always an
 * error for jpickLoad), and jpickLoad's
 * tree must be json_loadb's (everything wanted) or json_loadb's with the
 * unwanted keys removed (a Slack-envelope-like list of keys). Must never
 * crash, leak or read past the input. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/common.h"
#include "base/jsonpick.h"
#include "tests/support/jsonprune.h"

static const jpickKey profile[] = {{"display_name", NULL}, {"real_name", NULL}, {NULL, NULL}};
static const jpickKey event[] = {{"type", NULL},    {"text", NULL},        {"user", NULL},
                                 {"ts", NULL},      {"user_profile", profile}, {NULL, NULL}};
static const jpickKey payload[] = {{"event_id", NULL}, {"event", event}, {NULL, NULL}};
static const jpickKey envelope[] = {{"type", NULL}, {"envelope_id", NULL}, {"payload", payload},
                                    {"a", NULL},    {"b", event},          {NULL, NULL}};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    /* a copy of exactly size bytes, so ASan sees any read past the end */
    char *text = malloc(size ? size : 1);
    if (!text) return 0;
    if (size) memcpy(text, data, size);
    json_t *ref = json_loadb(text, size, 0, NULL);
    for (int i = 0; i < 2; i++) {
        char err[CB_ERRLEN];
        const jpickKey *want = i ? envelope : NULL;
        json_t *got = jpickLoad(text, size, want, err);
        if (got && !ref) abort(); /* accepts what jansson rejects */
        if (ref && !got && !memchr(text, 0, size)) abort(); /* rejects good JSON */
        if (got) {
            json_t *exp = jsonPrune(ref, want);
            if (!json_equal(exp, got)) abort();
            json_decref(exp);
            json_decref(got);
        }
    }
    json_decref(ref);
    free(text);
    return 0;
}
