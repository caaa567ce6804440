/* engine_phrase.c - each entry's phrasings (its question and alternates)
 * as lists of analyzed terms, kept by the index for the scaled path's
 * re-ranker (engine_scaled.c): how well a question matches a candidate's
 * single best phrasing, both ways (the share of the question's weight
 * that phrasing holds, and the share of the phrasing's weight the
 * question holds), which BM25F over the entry's fields mixed together
 * cannot tell. A phrasing left out (the re-ranker's training scores each
 * phrasing as if it were not in the index) is skipped. */
#include <stdlib.h>
#include <string.h>

#include "base/common.h"
#include "match/engine_int.h"

void engPhraseEntry(engIndex *ix, uint32_t e) {
    if (e + 2 > ix->ph_capent) {
        ix->ph_capent = (e + 2) * 2;
        ix->ph_first = cbRealloc(ix->ph_first, ix->ph_capent * sizeof(*ix->ph_first));
    }
    ix->ph_first[e] = (uint32_t)ix->nph;
    ix->ph_first[e + 1] = (uint32_t)ix->nph;
}

void engPhraseAdd(engIndex *ix, const txtToks *terms) {
    if (ix->nph + 2 > ix->ph_cap) {
        ix->ph_cap = (ix->nph + 2) * 2;
        ix->ph_off = cbRealloc(ix->ph_off, ix->ph_cap * sizeof(*ix->ph_off));
    }
    if (ix->nph == 0) ix->ph_off[0] = 0;
    size_t at = ix->ph_off[ix->nph], n = 0;
    for (size_t i = 0; terms && i < terms->n; i++) {
        uint32_t t = engTermId(ix, txtStem(terms, i));
        int seen = t == ENG_NOTERM;
        for (size_t k = 0; k < n && !seen; k++) seen = ix->ph_term[at + k] == t;
        if (seen) continue;
        if (at + n == ix->ph_termcap) {
            ix->ph_termcap = ix->ph_termcap ? ix->ph_termcap * 2 : 1024;
            ix->ph_term = cbRealloc(ix->ph_term, ix->ph_termcap * sizeof(*ix->ph_term));
        }
        ix->ph_term[at + n++] = t;
    }
    ix->ph_off[++ix->nph] = (uint32_t)(at + n);
}

void engPhraseFinish(engIndex *ix) {
    size_t ne = ix->k->nentries;
    if (ne + 1 > ix->ph_capent) {
        ix->ph_capent = ne + 1;
        ix->ph_first = cbRealloc(ix->ph_first, ix->ph_capent * sizeof(*ix->ph_first));
    }
    if (!ix->ph_off) ix->ph_off = cbCalloc(1, sizeof(*ix->ph_off));
    ix->ph_first[ne] = (uint32_t)ix->nph;
    ix->ph_mass = cbCalloc(ix->nph ? ix->nph : 1, sizeof(*ix->ph_mass));
    for (size_t p = 0; p < ix->nph; p++)
        for (uint32_t i = ix->ph_off[p]; i < ix->ph_off[p + 1]; i++)
            ix->ph_mass[p] += ix->terms[ix->ph_term[i]].idf;
    ix->ph_qpos = cbCalloc(ix->nterms ? ix->nterms : 1, sizeof(*ix->ph_qpos));
}

void engPhraseFree(engIndex *ix) {
    free(ix->ph_first);
    free(ix->ph_off);
    free(ix->ph_term);
    free(ix->ph_mass);
    free(ix->ph_qpos);
}

void engPhraseMark(const engIndex *ix, int on) {
    const engScratch *s = ix->scr;
    for (size_t i = 0; i < s->nq; i++) ix->ph_qpos[s->qterm[i]] = on ? (uint16_t)(i + 1) : 0;
}

void engPhraseMatch(const engIndex *ix, uint32_t c, uint32_t skip, double mass, double *both,
                    double *cover) {
    const engScratch *s = ix->scr;
    *both = *cover = 0;
    for (uint32_t p = ix->ph_first[c], j = 0; p < ix->ph_first[c + 1]; p++, j++) {
        if (j == skip || ix->ph_mass[p] <= 0) continue;
        double m = 0;
        for (uint32_t i = ix->ph_off[p]; i < ix->ph_off[p + 1]; i++) {
            uint16_t q = ix->ph_qpos[ix->ph_term[i]];
            if (q) m += ix->terms[ix->ph_term[i]].idf * s->qmult[q - 1];
        }
        double d = 2 * m / (mass + ix->ph_mass[p]); /* Dice: both ways at once */
        if (d > *both) *both = d;
        if (m / ix->ph_mass[p] > *cover) *cover = m / ix->ph_mass[p];
    }
    if (*both > 1) *both = 1;
    if (*cover > 1) *cover = 1;
}
