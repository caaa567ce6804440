/* fuzz_query.c - libFuzzer target: any bytes as a question (and as a
 * partial for autocomplete, and for normalization) against a small
 * in-memory knowledge base with synonyms and patterns. Must never crash,
 * leak or hang; confidences stay in [0,1]; the asking part of a message
 * (asking.h) is never longer than the message and holds no line break. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/common.h"
#include "match/asking.h"
#include "match/engine.h"

static kbEntry entries[] = {
    {.id = "a/bootcamp", .topic = "a", .question = "Is a coding bootcamp worth it?",
     .alternates = {(char *[]){"bootcamp or degree", "are bootcamps worth the money"}, 2},
     .keywords = {(char *[]){"bootcamp", "coding school"}, 2},
     .patterns = {(char *[]){"\\bboot ?camps?\\b", "(a+)+$"}, 2},
     .answer = "A bootcamp can work if you need structure."},
    {.id = "b/aws", .topic = "b", .question = "Which cloud certification should I get?",
     .alternates = {(char *[]){"is the aws cert worth it", "amazon web services exam"}, 2},
     .keywords = {(char *[]){"aws", "c++", "ci/cd", "node.js"}, 4},
     .answer = "The AWS Developer Associate is a common first choice."},
    {.id = "b/django", .topic = "b", .question = "Django or Flask first?",
     .alternates = {(char *[]){"django vs flask", "which python web framework"}, 2},
     .answer = "Flask teaches the basics; Django is a full framework. Café naïve."},
};
static kbStrs syns[] = {{(char *[]){"aws", "amazon web services"}, 2},
                        {(char *[]){"bootcamp", "coding school", "boot camp"}, 3}};
static kb KB = {.entries = entries, .nentries = 3, .synonyms = syns, .nsynonyms = 2};
static engIndex *ix;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!ix) {
        char err[CB_ERRLEN];
        ix = engBuild(&KB, NULL, err);
        if (!ix) abort();
    }
    const char *s = (const char *)data;
    engResult r;
    char err[CB_ERRLEN];
    const char *topic = size && data[0] % 3 == 0 ? "b" : NULL;
    if (engQuery(ix, s, size, topic, ENG_MAX_TOP, &r, err) == CB_OK) {
        if (r.nhits > ENG_MAX_TOP) abort();
        for (size_t i = 0; i < r.nhits; i++)
            if (!(r.hits[i].confidence >= 0 && r.hits[i].confidence <= 1)) abort();
    }
    const kbEntry *out[5];
    if (engComplete(ix, s, size, 5, out) > 5) abort();
    free(engNormalize(ix, s, size));
    size_t n = 0;
    char *part = askingPart(s, size, &n);
    if (part && (n == 0 || n > size || strlen(part) > n || memchr(part, '\n', n))) abort();
    free(part);
    return 0;
}
