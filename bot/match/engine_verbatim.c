/* engine_verbatim.c - the knowledge's own phrasings, word for word: a
 * question that says exactly what one of them says (case, accents,
 * punctuation and spacing aside: kbPhraseKey) gets what its author said.
 *
 * The classifier learns from the phrasings, but with the lexical evidence
 * on top it does not always give one back its own label: "how old are
 * you", a line of out-of-scope.txt, went to the entry about starting a
 * career later at 0.72, and adding the line changed nothing. A maintainer
 * who adds a line or an alternate expects that wording, at least, to be
 * handled as written (question-answering services treat an exact match of
 * a stored question the same way). So:
 *   an entry's question or alternate lifts that entry to at least
 *   pattern_confidence, as a pattern does;
 *   an out-of-scope line is declined, with its section (so redirects.yaml
 *   applies) and no "did you mean" choices.
 * A key two labels share (an alternate that is also an out-of-scope line)
 * decides nothing. Training never queries, so leave-one-out figures are
 * the model's own; `kb check` lists the lines the model alone would still
 * answer (engParams.model_only).
 *
 * Built with the index (each entry's as it is indexed, so a build in
 * slices shares the work): the keys' 64-bit hashes (kbPhraseHash; those
 * the loader's shared-phrasings check kept when it ran) with their label,
 * sorted (engVerbatimSort, a job: in slices too), found by binary search. */
#include <stdlib.h>
#include <string.h>

#include "base/common.h"
#include "base/radix.h"
#include "match/engine_int.h"

#define VERBATIM_TIE UINT32_MAX /* a key with two labels */

static uint64_t verbatimHash(const char *text) {
    char *key = kbPhraseKey(text);
    uint64_t h = kbPhraseHash(key);
    free(key);
    return h;
}

/* A phrasing's record; h: its key's hash (0: an empty key, none). */
static void verbatimPush(engIndex *ix, uint64_t h, uint32_t label, uint32_t line) {
    if (!h) return;
    if (ix->nverbatim == ix->capverbatim) {
        ix->capverbatim = ix->capverbatim ? ix->capverbatim * 2 : 256;
        ix->verbatim = cbRealloc(ix->verbatim, ix->capverbatim * sizeof(*ix->verbatim));
    }
    ix->verbatim[ix->nverbatim++] = (engVerbatim){h, label, line};
}

static uint64_t textHash(const char *text) { return text ? verbatimHash(text) : 0; }

/* Entry e's phrasings; their hashes as the loader kept them when it did
 * (its shared-phrasings check folds them already), else folded here. */
void engVerbatimAddEntry(engIndex *ix, uint32_t e) {
    const kbEntry *en = &ix->k->entries[e];
    const uint64_t *kept = en->phrase_hash;
    verbatimPush(ix, kept ? kept[0] : textHash(en->question), e, 0);
    for (size_t a = 0; a < en->alternates.n; a++)
        verbatimPush(ix, kept ? kept[a + 1] : textHash(en->alternates.v[a]), e, 0);
}

cbRadixJob *engVerbatimSort(engIndex *ix) {
    const kb *k = ix->k;
    for (size_t l = 0; l < k->out_of_scope.n; l++)
        verbatimPush(ix, textHash(k->out_of_scope.v[l]), (uint32_t)k->nentries, (uint32_t)l);
    /* stable by hash: the labels were pushed in order, so this is by
     * (hash, label) */
    return cbRadixBegin(ix->verbatim, ix->nverbatim, sizeof(*ix->verbatim),
                        offsetof(engVerbatim, hash));
}

void engVerbatimFinish(engIndex *ix) {
    size_t o = 0; /* one record per key; two labels: a tie */
    for (size_t i = 0; i < ix->nverbatim; i++) {
        engVerbatim *last = o ? &ix->verbatim[o - 1] : NULL;
        if (last && last->hash == ix->verbatim[i].hash) {
            if (last->label != ix->verbatim[i].label) last->label = VERBATIM_TIE;
            continue;
        }
        ix->verbatim[o++] = ix->verbatim[i];
    }
    ix->nverbatim = o;
}

const engVerbatim *engVerbatimFind(const engIndex *ix, const char *text, size_t len) {
    if (!ix->nverbatim || ix->p.model_only) return NULL;
    char *s = cbStrndup(text, len);
    uint64_t h = verbatimHash(s);
    free(s);
    size_t i = engKeyLowerBound(ix->verbatim, ix->nverbatim, sizeof(*ix->verbatim), h);
    if (!h || i == ix->nverbatim || ix->verbatim[i].hash != h) return NULL;
    return ix->verbatim[i].label == VERBATIM_TIE ? NULL : &ix->verbatim[i];
}
