/* engine_conf.c - confidence of a hit, in [0,1]:
 *
 *   conf = 1 / (1 + exp(-(C0 + C_COV*cov' + C_MARGIN*margin
 *                          + C_STR*min(strength/STR_FULL, 1)
 *                          + C_PAT*pattern + C_CODING*coding)))
 *
 * cov is the key feature: the idf-weighted share of the question's
 * informative words that the entry holds (a word in the question or
 * alternates counts fully, in keywords a bit less, only in the answer
 * about a third; a typo-corrected word half). A query word weighs its
 * idf only when people ask with it (it is in some question, alternate or
 * keyword); a word seen only in answer texts ("even", "city") weighs
 * little (BODY_W): it is a detail, not the topic. A real word the
 * knowledge never uses ("pilot", "bitcoin", "reverse") weighs like a rare
 * word (capped), so "how do I reverse a list in python" covers little
 * even though "python" and "list" are known: that is how coding help, the
 * weather or other careers abstain. Numbers ("15k", "35") weigh little.
 * Chat filler ("hey", "pls", "guys") is a stop word (text.c).
 * Three rules on top of the logistic: a hit that nearly repeats one of the
 * entry's own phrasings (phrase >= PHR_NEAR) is sure; a hit holding the
 * query's informative words only in its answer text never answers
 * (BODY_CAP: "what is the meaning of life"); and when the query has two or
 * more informative words, a hit holding only one is at most a "did you
 * mean" (THIN_CAP).
 * strength is the matched informativeness in idf units; below STR_MIN it
 * scales cov down (cov'), so one very common word ("python", "job") never
 * answers on its own. margin separates a clear winner from a near tie.
 * coding is set by a few words of code mechanics ("traceback", "syntax").
 * A maintainer's pattern is a deliberate match (never below PAT_FLOOR).
 *
 * Fitting: a logistic regression of "top hit is a gold entry" on these
 * features over tests/eval/dev.jsonl (in-scope and out-of-scope queries
 * together); then C0 was lowered by logit(0.76) so that the default answer
 * threshold 0.5 sits where the fitted probability of a right answer is
 * about 0.76 (a wrong answer costs more than an abstention). Refit when
 * the features change, not when one eval question fails. */
#include "engine_conf.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine_int.h"

#define C0 (-8.5)
#define C_COV 9.1
#define C_MARGIN 1.1
#define C_STR 3.7
#define C_PAT 5.4
#define C_CODING (-5.0)
#define PAT_FLOOR 0.92
#define STR_FULL 4.0
#define STR_MIN 1.5
#define OOV_SHARE 0.8 /* of idf_max, for a real word the knowledge never uses... */
#define OOV_CAP 3.0 /* ...at most this (idf units) */
#define BODY_W 0.6 /* at most this for a word only in answer texts */
#define NUM_WEIGHT 0.1
#define INF_IDF 0.3    /* not "python", "job", "developer" */
#define PHR_FLOOR_W 0.3
#define PHR_NEAR 0.8   /* phrasing similarity from which a hit is sure... */
#define PHR_LOW 0.6    /* ...from this confidence at PHR_NEAR... */
#define PHR_HIGH 0.92  /* ...to this one for the exact phrasing */
#define THIN_CAP 0.45  /* several informative words, only one held: did you mean */
#define BODY_CAP 0.3   /* informative words held only in the answer text */

double confFieldQuality(uint8_t fields) {
    if (fields & ENG_F_Q) return 1.0;
    if (fields & ENG_F_K) return 0.85;
    return 0.35;
}

double confTermWeight(const char *term, int known, double idf, double idf_max) {
    if (strpbrk(term, "0123456789")) return NUM_WEIGHT;
    if (known >= 2) return idf;
    if (known == 1) return idf < BODY_W ? idf : BODY_W;
    double w = OOV_SHARE * (idf_max > 1.0 ? idf_max : 1.0);
    return w < OOV_CAP ? w : OOV_CAP;
}

double confInformativeIdf(double idf_max) {
    (void)idf_max;
    return INF_IDF;
}

double confPhraseWeight(double w) { return w > PHR_FLOOR_W ? w : PHR_FLOOR_W; }

/* Words of debugging and code mechanics (stems), chosen so that none is
 * also a career word: not "bug" (bug bounty), "mock" (mock interview),
 * "crash" (crash course), "fail", "fix", "example", "explain". Sorted. */
static const char *const CODING[] = {
    "closur", "compil",    "debug",     "dictionari", "error", "except",  "function",
    "instal", "regex",     "snippet",   "stacktrac",  "string", "syntax", "traceback",
    "tupl",   "variabl",
};

static int cmpStr(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int confCodingCue(const char *term) {
    return bsearch(&term, CODING, sizeof(CODING) / sizeof(CODING[0]), sizeof(CODING[0]), cmpStr) !=
           NULL;
}

double confCompute(const confFeat *f) {
    double cov = f->cov < 0 ? 0 : f->cov > 1 ? 1 : f->cov;
    if (f->strength < STR_MIN) cov *= f->strength > 0 ? f->strength / STR_MIN : 0;
    double m = f->margin;
    double st = f->strength / STR_FULL;
    if (st > 1) st = 1;
    if (st < 0) st = 0;
    double z = C0 + C_COV * cov + C_MARGIN * m + C_STR * st + (f->pattern ? C_PAT : 0) +
               (f->coding ? C_CODING : 0);
    double c = 1.0 / (1.0 + exp(-z));
    if (f->pattern && c < PAT_FLOOR) c = PAT_FLOOR; /* a pattern is a deliberate match */
    if (f->pattern) return c > 1 ? 1 : c;
    if (f->phrase >= PHR_NEAR) { /* (nearly) one of its own phrasings */
        double near = PHR_LOW + (PHR_HIGH - PHR_LOW) * (f->phrase - PHR_NEAR) / (1 - PHR_NEAR);
        if (c < near) c = near;
        return c > 1 ? 1 : c;
    }
    if (f->nmatch > 0 && !f->asked && c > BODY_CAP) c = BODY_CAP;
    if (f->ninf >= 2 && f->nmatch < 2 && c > THIN_CAP) c = THIN_CAP;
    return c < 0 ? 0 : c > 1 ? 1 : c;
}
