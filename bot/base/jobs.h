/* jobs.h - independent pieces of CPU work (the folds of the classifier's
 * training) spread over the machine's processors with fork(), not
 * threads: the bot keeps its one loop and no threads, and a job hands its
 * results back through memory mapped shared before the fork. Every job
 * runs once to completion; the jobs of a worker that cannot be forked or
 * dies are run again by the caller, so the results never depend on how
 * many processes ran them (a job must write all of its outputs). The
 * pool below does the same for a sum taken many times. */
#ifndef CB_JOBS_H
#define CB_JOBS_H

#include <stddef.h>

typedef void (*cbJobFn)(void *ctx, size_t job);

/* Run fn(ctx, j) for j in [0, njobs), each once, in this process and up
 * to workers - 1 forked ones (workers < 1: cbJobWorkers()). Jobs are
 * taken in order by whichever process is free: put the longest first.
 * Returns the number of processes that took part. */
int cbJobsRun(size_t njobs, cbJobFn fn, void *ctx, int workers);

/* How many processes to use: the processors this process may run on, at
 * most CB_JOBS_MAX; CAREERBOT_TRAIN_WORKERS (1..CB_JOBS_MAX) overrides. */
int cbJobWorkers(void);
#define CB_JOBS_MAX 8

/* A pool of forked workers for a sum computed again and again over the
 * same data with new arguments (the loss of a search): the sum is cut
 * into nparts fixed parts, fn(ctx, part, arg) computes one from the nargs
 * doubles at arg, each worker computes its share of the parts and the
 * caller adds them in order, so the sum is the same however many workers
 * there are. A worker that dies leaves its parts to the caller. The
 * workers see ctx as it was at cbPoolStart (fork's copy): data the parts
 * read must not change until cbPoolStop; scratch memory they write is
 * each process's own. workers < 1: cbJobWorkers(). Never NULL: with no
 * worker the caller computes every part. */
typedef double (*cbPartFn)(void *ctx, size_t part, const double *arg);
typedef struct cbPool cbPool;
cbPool *cbPoolStart(size_t nparts, size_t nargs, cbPartFn fn, void *ctx, int workers);
double cbPoolSum(cbPool *p, const double *arg);
void cbPoolStop(cbPool *p); /* ends the workers and waits for them; NULL is fine */

/* Zeroed memory that forked workers write and the caller reads: an
 * anonymous shared mapping (NULL when the system refuses one).
 * cbSharedFree takes the same size. */
void *cbSharedAlloc(size_t bytes);
void cbSharedFree(void *p, size_t bytes);

#endif
