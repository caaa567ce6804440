/* test_jobs.c - base/jobs.c runs every job once and the pool's sums in
 * fixed parts: the results are the same with one process or several, and
 * a worker that dies (here: kills itself in the middle of a job) costs
 * time, not a result; a worker runs none of the caller's signal
 * handlers and holds none of its file descriptors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include "base/common.h"
#include "base/jobs.h"

#define NJOBS 9
#define NPARTS 7

typedef struct jobCtx {
    uint64_t *out;   /* shared: one value per job */
    uint32_t *runs;  /* shared: how many times each job started */
    pid_t caller;
    size_t die_job;  /* the job a forked worker dies in (NJOBS: none) */
} jobCtx;

/* A job's value: some work that depends only on the job. */
static uint64_t jobValue(size_t j) {
    uint64_t v = j + 1;
    for (int i = 0; i < 100000; i++) v = v * 6364136223846793005ULL + 1442695040888963407ULL;
    return v;
}

static void job(void *ctx, size_t j) {
    jobCtx *c = ctx;
    __atomic_fetch_add(&c->runs[j], 1, __ATOMIC_RELAXED);
    if (j == c->die_job && getpid() != c->caller) _exit(3); /* before writing its output */
    c->out[j] = jobValue(j);
}

static void runJobs(int workers, size_t die_job, int *procs) {
    size_t bytes = NJOBS * (sizeof(uint64_t) + sizeof(uint32_t));
    uint8_t *mem = cbSharedAlloc(bytes);
    assert_non_null(mem);
    jobCtx c = {(uint64_t *)mem, (uint32_t *)(mem + NJOBS * sizeof(uint64_t)), getpid(), die_job};
    *procs = cbJobsRun(NJOBS, job, &c, workers);
    for (size_t j = 0; j < NJOBS; j++) {
        assert_int_equal(c.out[j], jobValue(j)); /* every job's output is there */
        if (j != die_job) assert_int_equal(c.runs[j], 1); /* and it ran once */
    }
    cbSharedFree(mem, bytes);
}

static void testJobsOnceEach(void **state) {
    (void)state;
    int procs = 0;
    runJobs(1, NJOBS, &procs);
    assert_int_equal(procs, 1);
    runJobs(3, NJOBS, &procs);
    assert_int_equal(procs, 3);
    runJobs(CB_JOBS_MAX, NJOBS, &procs); /* more processes than processors is fine */
    assert_int_equal(procs, CB_JOBS_MAX);
}

/* A worker that dies inside a job: the caller runs that job again. */
static void testJobsWorkerDies(void **state) {
    (void)state;
    for (size_t die = 0; die < NJOBS; die += 4) {
        int procs = 0;
        runJobs(4, die, &procs);
        assert_int_equal(procs, 4);
    }
}

static void testJobsNone(void **state) {
    (void)state;
    int procs = 0;
    runJobs(0, NJOBS, &procs); /* workers < 1: as many as processors */
    assert_true(procs >= 1 && procs <= CB_JOBS_MAX);
    assert_int_equal(cbJobsRun(0, job, NULL, 4), 1); /* no job: no worker, fn never called */
}

static void testJobWorkersEnv(void **state) {
    (void)state;
    setenv("CAREERBOT_TRAIN_WORKERS", "3", 1);
    assert_int_equal(cbJobWorkers(), 3);
    setenv("CAREERBOT_TRAIN_WORKERS", "0", 1); /* out of range: ignored */
    int n = cbJobWorkers();
    assert_true(n >= 1 && n <= CB_JOBS_MAX);
    setenv("CAREERBOT_TRAIN_WORKERS", "2x", 1);
    assert_int_equal(cbJobWorkers(), n);
    unsetenv("CAREERBOT_TRAIN_WORKERS");
    assert_int_equal(cbJobWorkers(), n);
}

/* What a worker inherited: the caller's SIGHUP handler (it counts in
 * shared memory) and a pipe. */
typedef struct inheritCtx {
    uint32_t *handled; /* shared: SIGHUP handler calls */
    uint32_t *fd_open; /* shared: the pipe was open in a worker */
    uint32_t *in_worker; /* shared: jobs a worker began */
    uint64_t *out;     /* shared: one value per job */
    pid_t caller;
    int fd;
} inheritCtx;

static uint32_t *hupCount;
static void onHup(int sig) {
    (void)sig;
    __atomic_fetch_add(hupCount, 1, __ATOMIC_RELAXED);
}

static void inheritJob(void *ctx, size_t j) {
    inheritCtx *c = ctx;
    if (getpid() != c->caller) {
        __atomic_fetch_add(c->in_worker, 1, __ATOMIC_RELAXED);
        if (fcntl(c->fd, F_GETFD) != -1) __atomic_store_n(c->fd_open, 1, __ATOMIC_RELAXED);
        kill(getpid(), SIGHUP); /* the default action: the worker dies, its job is redone */
    } else { /* the caller waits for a worker to begin one (at most 20 s) */
        for (int i = 0; i < 20000 && !__atomic_load_n(c->in_worker, __ATOMIC_RELAXED); i++)
            usleep(1000);
    }
    c->out[j] = jobValue(j);
}

/* A worker neither runs the caller's signal handlers (libuv's would
 * handle one signal once per process) nor holds its file descriptors. */
static void testWorkersInheritNothing(void **state) {
    (void)state;
    size_t bytes = 4 * sizeof(uint32_t) + NJOBS * sizeof(uint64_t);
    uint8_t *mem = cbSharedAlloc(bytes);
    assert_non_null(mem);
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    inheritCtx c = {(uint32_t *)mem, (uint32_t *)mem + 1, (uint32_t *)mem + 2,
                    (uint64_t *)(mem + 16), getpid(), fds[0]};
    hupCount = c.handled;
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = onHup;
    assert_int_equal(sigaction(SIGHUP, &sa, &old), 0);
    assert_int_equal(cbJobsRun(NJOBS, inheritJob, &c, 3), 3);
    sigaction(SIGHUP, &old, NULL);
    assert_true(*c.in_worker > 0); /* workers did begin jobs */
    assert_int_equal(*c.handled, 0);
    assert_int_equal(*c.fd_open, 0);
    for (size_t j = 0; j < NJOBS; j++) assert_int_equal(c.out[j], jobValue(j));
    close(fds[0]);
    close(fds[1]);
    cbSharedFree(mem, bytes);
}

typedef struct sumCtx {
    const double *data; /* read by every process */
    size_t n;
    double *scratch;    /* written: each process's own copy */
    pid_t caller;
    int die;            /* a forked worker dies on its first part */
} sumCtx;

/* The sum of (data[i] - arg[0])^2 * arg[1] over the part's run. */
static double part(void *ctx, size_t p, const double *arg) {
    sumCtx *c = ctx;
    if (c->die && getpid() != c->caller) _exit(4);
    size_t from = p * c->n / NPARTS, to = (p + 1) * c->n / NPARTS;
    double s = 0;
    for (size_t i = from; i < to; i++) {
        c->scratch[0] = c->data[i] - arg[0];
        s += c->scratch[0] * c->scratch[0] * arg[1];
    }
    return s;
}

/* The sums of a search's worth of arguments with `workers` processes. */
static void poolSums(int workers, int die, double *out, size_t nout) {
    static double data[1000];
    for (size_t i = 0; i < 1000; i++) data[i] = sin((double)i) * 1e3 + 1.0 / (double)(i + 3);
    double scratch[1];
    sumCtx c = {data, 1000, scratch, getpid(), die};
    cbPool *p = cbPoolStart(NPARTS, 2, part, &c, workers);
    for (size_t k = 0; k < nout; k++) {
        double arg[2] = {(double)k * 0.37 - 3, 1.0 + (double)k / 7};
        out[k] = cbPoolSum(p, arg);
    }
    cbPoolStop(p);
}

static void testPoolSameSums(void **state) {
    (void)state;
    double one[20], two[20], many[20], died[20];
    poolSums(1, 0, one, 20);
    poolSums(2, 0, two, 20);
    poolSums(NPARTS + 3, 0, many, 20); /* more workers than parts: as many as parts */
    poolSums(3, 1, died, 20);          /* every worker dies: the caller does all */
    for (size_t k = 0; k < 20; k++) {
        assert_true(one[k] > 0);
        assert_memory_equal(&one[k], &two[k], sizeof(double)); /* bit for bit */
        assert_memory_equal(&one[k], &many[k], sizeof(double));
        assert_memory_equal(&one[k], &died[k], sizeof(double));
    }
    cbPoolStop(NULL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testJobsOnceEach),   cmocka_unit_test(testJobsWorkerDies),
        cmocka_unit_test(testJobsNone),       cmocka_unit_test(testJobWorkersEnv),
        cmocka_unit_test(testPoolSameSums),   cmocka_unit_test(testWorkersInheritNothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
