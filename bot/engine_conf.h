/* engine_conf.h - the engine's calibrated confidence (internal to
 * bot/engine*.c): a logistic function of a few features of a hit. */
#ifndef CB_ENGINE_CONF_H
#define CB_ENGINE_CONF_H

#include <stdint.h>

typedef struct confFeat {
    double cov;      /* share of the query's informativeness the entry covers, [0,1] */
    double margin;   /* (score - best other score) / score, [-1,1] */
    double strength; /* informativeness covered, in idf units */
    int pattern;     /* a maintainer's pattern matched */
    int coding;      /* the question has words of coding help ("traceback") */
} confFeat;

double confCompute(const confFeat *f);
/* How much a term matched in these fields counts toward coverage. */
double confFieldQuality(uint8_t fields);
/* The informativeness of a query term: its idf, or for a word the
 * knowledge never uses a high one; little for numbers ("15k", "2026"). */
double confTermWeight(const char *term, int known, double idf, double idf_max);
/* 1 if the (stemmed) term is a sign of a coding-help question. */
int confCodingCue(const char *term);

#endif
