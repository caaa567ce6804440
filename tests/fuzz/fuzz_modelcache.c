/* fuzz_modelcache.c - libFuzzer target: any bytes as a model cache file
 * (engine_cache.c's reader). When the input's last byte is odd, the
 * header's body length and checksum are made to fit the input first, so the
 * fuzzer reaches the sections behind the checksum. A file the reader
 * accepts must be a model that predicts without a fault: its features are
 * looked up and a softmax computed from the input's own keys. Must never
 * crash, leak or hang. The corpus seed is a real cache file of a small
 * knowledge base, with a probability map of three knots put in (too few
 * examples for a map of its own). The same bytes are also read as a record (the scaled
 * path's re-ranker: mdcParseRecord) of as many numbers as the body holds. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "base/common.h"
#include "match/engine_cache.h"

static const mdlExample EX[] = {{.text = "is a bootcamp worth it", .label = 0},
                                {.text = "django or flask", .label = 1},
                                {.text = "what is the weather", .label = 2}};

static void predictWith(const mdlModel *m, const uint8_t *data, size_t size) {
    uint64_t k[16];
    mdlKeys keys = {.k = k, .n = 0, .cap = 16};
    for (size_t i = 0; i + 8 <= size && keys.n < 16; i += 8) memcpy(&k[keys.n++], data + i, 8);
    for (size_t i = 0; i < m->kcap && keys.n < 16; i++)
        if (m->keys[i]) k[keys.n++] = m->keys[i]; /* some known features too */
    mdlVec v = {0};
    mdlVectorize(m, &keys, &v);
    double *p = cbMalloc(m->nclass * sizeof(*p));
    mdlPredict(m, &v, NULL, p);
    for (size_t c = 0; c < m->nclass; c++) {
        double q = mdlRecalApply(&m->recal, p[c]); /* the map is checked: never above p */
        if (!(q <= p[c])) __builtin_trap();
    }
    free(p);
    mdlVecFree(&v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    uint8_t *copy = cbMalloc(size ? size : 1);
    if (size) memcpy(copy, data, size);
    if (size >= 64 && (data[size - 1] & 1)) {
        uint64_t body = size - 64;
        uint64_t sum = XXH3_64bits(copy + 64, (size_t)body);
        memcpy(copy + 48, &body, 8);
        memcpy(copy + 56, &sum, 8);
    }
    char why[128];
    mdlModel *m = mdcParse(copy, size, NULL, EX, CB_ARRAY_LEN(EX), why, sizeof(why));
    if (m) predictWith(m, data, size);
    mdlFree(m);
    double rec[64];
    size_t nrec = size > 64 ? (size - 64) / sizeof(double) : 0;
    if (nrec <= CB_ARRAY_LEN(rec))
        (void)mdcParseRecord(copy, size, NULL, "CBRRANK\n", rec, nrec, why, sizeof(why));
    free(copy);
    return 0;
}
