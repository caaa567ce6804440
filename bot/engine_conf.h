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
} confFeat;

double confCompute(const confFeat *f);
/* How much a term matched in these fields counts toward coverage. */
double confFieldQuality(uint8_t fields);
/* The informativeness given to a query word the knowledge never uses. */
double confUnknownWeight(double idf_max);

#endif
