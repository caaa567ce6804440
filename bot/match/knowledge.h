/* knowledge.h - a loaded knowledge base together with its search index: the
 * unit that hot reload swaps atomically. Loading builds a complete new one
 * or fails and leaves the caller's current one untouched. */
#ifndef CB_KNOWLEDGE_H
#define CB_KNOWLEDGE_H

#include "match/engine.h"
#include "kb/kb.h"

typedef struct knowledge {
    kb *kb;
    engIndex *ix;
    unsigned long generation; /* set by the owner; increases with each reload */
    /* What a higher layer derived from this knowledge (the app's
     * pre-rendered replies), freed with it by derived_free when set. */
    void *derived;
    void (*derived_free)(void *derived);
} knowledge;

/* NULL on failure, with every problem in d (index build failures too). */
knowledge *knowledgeLoad(const char *dir, const engParams *p, cbDiags *d);
/* The same with kbLoadWith's options (o may be NULL). */
knowledge *knowledgeLoadWith(const char *dir, const engParams *p, kbLoadOpts *o, cbDiags *d);
void knowledgeFree(knowledge *k);
/* knowledgeFree in pieces (the running bot frees its old knowledge
 * between loop turns): what derived from it, its index, then its entries
 * KNOWLEDGE_FREE_CHUNK at a time, until cbNowMs() reaches deadline (at
 * least one piece); 1 when k is freed (it is then gone), else 0. */
int knowledgeFreeStep(knowledge *k, double deadline);
#define KNOWLEDGE_FREE_CHUNK 256

/* knowledgeLoad in slices, for the running bot's reload (its loop serves
 * between them): knowledgeJobStart, then knowledgeJobStep until it returns
 * 1 (each call works until cbNowMs() reaches deadline: files read, then
 * the whole-base checks, then the index an entry or a phase at a time,
 * then its typo tables warmed (engWarmStep; not for an index that needs
 * training); at least one step), then knowledgeJobEnd: what knowledgeLoad
 * would return (NULL with the problems in d). knowledgeJobCancel drops a job.
 * d must outlive the job; the params' strings too. */
typedef struct knowledgeJob knowledgeJob;
knowledgeJob *knowledgeJobStart(const char *dir, const engParams *p, cbDiags *d);
int knowledgeJobStep(knowledgeJob *j, double deadline);
knowledge *knowledgeJobEnd(knowledgeJob *j);
void knowledgeJobCancel(knowledgeJob *j);
/* What the job's next step does, for logs ("files", "index: entries" ...). */
const char *knowledgeJobStage(const knowledgeJob *j);

#endif
