/* report_cluster.h - groups questions that mean the same thing, for the
 * maintainers' report. Behind a small interface: a featurizer turns one
 * question into features and compares two (0 = unrelated, 1 = the same);
 * rcCluster groups by single link over those similarities. The default
 * featurizer uses the engine's own text analysis (normalized, stop words
 * out, Snowball stems) plus character 3-grams of the words, compared by
 * cosine; the matcher's learned features can be plugged in instead. */
#ifndef CB_REPORT_CLUSTER_H
#define CB_REPORT_CLUSTER_H

#include <stddef.h>

typedef struct rcFeaturizer {
    void *ud;
    void *(*make)(void *ud, const char *text); /* NULL: no features (empty text) */
    double (*similarity)(void *ud, const void *a, const void *b);
    void (*release)(void *ud, void *features);
    void (*destroy)(void *ud); /* frees ud; may be NULL */
} rcFeaturizer;

/* Stems + character 3-grams, cosine, without the built-in stop words.
 * CB_OK or CB_ERR with err filled. */
int rcDefaultFeaturizer(rcFeaturizer *f, char *err);
void rcFeaturizerFree(rcFeaturizer *f);

/* Group texts[0..n): cluster_of[i] gets the group of text i (0-based, in
 * order of first appearance). Text i joins the group of the most similar
 * earlier text (among each group's first members) when the similarity is
 * at least threshold. Returns the number of groups. */
size_t rcCluster(const rcFeaturizer *f, const char *const *texts, size_t n, double threshold,
                 size_t *cluster_of);

#endif
