/* engine_conf.h - the engine's calibrated confidence (internal to
 * bot/match/engine*.c): a logistic function of a few features of a hit. */
#ifndef CB_ENGINE_CONF_H
#define CB_ENGINE_CONF_H

#include <stdint.h>

typedef struct confFeat {
    double cov;      /* share of the query's informativeness the entry covers, [0,1] */
    double margin;   /* (score - best other score) / score, [-1,1] */
    double strength; /* informativeness covered, in idf units */
    int pattern;     /* a maintainer's pattern matched */
    int coding;      /* the question has words of coding help ("traceback") */
    int ninf;        /* informative known words in the question */
    int nmatch;      /* of those, how many the entry holds */
    int asked;       /* one of them is in the entry's questions or keywords */
    double phrase;   /* best similarity to one of its phrasings, [0,1] */
    double covk;     /* share of the query's in-vocabulary (asked) weight covered, [0,1] */
    double selfrel;  /* score / the entry's question scored against itself */
    double score;    /* raw ranking score */
    int nclose;      /* other entries scoring at least AMBIG_SHARE of this one */
    int topic;       /* the user narrowed the search to the hit's topic */
    double miss;     /* weight of the query's words the entry does not hold (idf units) */
    double maxmiss;  /* the largest of them, / the largest idf */
    double covgap;   /* cov - the best other hit's cov, [-1,1] */
    int code;        /* marks of code in the question (txtCodeMarks) */
    int howto;       /* the question asks how to do something (txtHowTo) */
    int career;      /* the question has a word of career intent ("job", "hire") */
    double covq;     /* share of the query's weight in the entry's question/alternates */
    int fact;        /* the question asks for a fact (txtFactQuestion) */
    int support;     /* a word of logistics/support (confSupportCue) */
    int tech;        /* a word of software work (confTechCue) */
} confFeat;

#define CONF_AMBIG_SHARE 0.6

/* The feature vector (ENG_NFEAT values) of f. */
void confVector(const confFeat *f, double *x);
double confCompute(const confFeat *f);
/* How much a term matched in these fields counts toward coverage. */
double confFieldQuality(uint8_t fields);
/* The informativeness of a query term: its idf when people ask with it
 * (known 2: in a question, alternate or keyword); a small capped weight
 * for a word the knowledge never uses (known 0) or only in answer text
 * (known 1): filler ("even", "guys"), details ("city") or a subject we do
 * not cover; very little for numbers. */
double confTermWeight(const char *term, int known, double idf, double idf_max);
/* The idf from which a known word is "informative" (not "python", "job"). */
double confInformativeIdf(double idf_max);
/* A term's weight in phrasing similarity (floored so that a tiny
 * knowledge base, where every idf is small, still compares phrasings). */
double confPhraseWeight(double w);
/* 1 if the (stemmed) term is a sign of a coding-help question. */
int confCodingCue(const char *term);
/* 1 if the (stemmed) term says the question is about a career ("job",
 * "hire", "salari", "interview", "learn", "worth"). */
int confCareerCue(const char *term);
/* 1 if the (stemmed) term names software work ("python", "develop",
 * "django", "data"): a question with none is rarely about this career. */
int confTechCue(const char *term);
/* 1 if the (stemmed) term is one of account, order or event logistics
 * ("refund", "login", "visa", "ticket"): support, not career advice. */
int confSupportCue(const char *term);

#endif
