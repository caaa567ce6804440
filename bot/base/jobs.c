/* jobs.c - fork()ed workers for independent CPU work (see jobs.h).
 *
 * The jobs share a counter and a done flag per job in a shared mapping:
 * each process takes the next job with an atomic add until none is left,
 * so a slow worker takes fewer. The caller waits for every worker, then
 * runs any job not marked done (its worker could not be forked, crashed
 * or was killed), so a failure costs time, never a result. Workers leave
 * with _exit: no atexit handlers, no stdio flushed twice, no leak report
 * of memory the caller still owns. A worker drops the caller's signal
 * handlers and file descriptors (workerReset), and on Linux dies with
 * the caller (PR_SET_PDEATHSIG), so an interrupted training leaves none. */
#include "base/jobs.h"

#include "base/common.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

typedef struct jobBoard {
    size_t next;     /* the next job to take */
    uint8_t done[];  /* per job: 1 once it completed */
} jobBoard;

void *cbSharedAlloc(size_t bytes) {
    void *p = mmap(NULL, bytes ? bytes : 1, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1,
                   0);
    return p == MAP_FAILED ? NULL : p;
}

void cbSharedFree(void *p, size_t bytes) {
    if (p) munmap(p, bytes ? bytes : 1);
}

int cbJobWorkers(void) {
    const char *e = getenv("CAREERBOT_TRAIN_WORKERS");
    if (e && *e) {
        char *end = NULL;
        long v = strtol(e, &end, 10);
        if (end && !*end && v >= 1 && v <= CB_JOBS_MAX) return (int)v;
    }
    int n = 1;
#ifdef CPU_COUNT
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof(set), &set) == 0) n = CPU_COUNT(&set);
#else
    long c = sysconf(_SC_NPROCESSORS_ONLN);
    if (c > 0) n = (int)c;
#endif
    return n < 1 ? 1 : n > CB_JOBS_MAX ? CB_JOBS_MAX : n;
}

static void takeJobs(jobBoard *jb, size_t njobs, cbJobFn fn, void *ctx) {
    for (;;) {
        size_t j = __atomic_fetch_add(&jb->next, 1, __ATOMIC_ACQ_REL);
        if (j >= njobs) return;
        fn(ctx, j);
        __atomic_store_n(&jb->done[j], 1, __ATOMIC_RELEASE);
    }
}

/* A worker just forked: it only computes, so it gives back what it
 * inherited. The caller's signal handlers go (libuv's would write a
 * worker's SIGHUP or SIGTERM into the bot's own signal pipe: one signal
 * handled once per process), so do its file descriptors but keep (the
 * pool's socket; -1: none): the loop's epoll, sockets, the history. A
 * worker dies with the caller (PR_SET_PDEATHSIG). */
static void workerReset(pid_t parent, int keep) {
    for (int sig = 1; sig < NSIG; sig++)
        if (sig != SIGKILL && sig != SIGSTOP) (void)signal(sig, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    (void)sigprocmask(SIG_SETMASK, &none, NULL);
    if (keep < 0) (void)close_range(3, ~0U, 0);
    else {
        if (keep > 3) (void)close_range(3, (unsigned)keep - 1, 0);
        (void)close_range((unsigned)keep + 1, ~0U, 0);
    }
#ifdef __linux__
    (void)prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(1); /* the caller died before the line above */
#else
    (void)parent;
#endif
}

static pid_t forkWorker(jobBoard *jb, size_t njobs, cbJobFn fn, void *ctx) {
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid != 0) return pid; /* the caller, or -1 */
    workerReset(parent, -1);
    takeJobs(jb, njobs, fn, ctx);
    _exit(0);
}

static void waitWorker(pid_t pid) {
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
    }
}

int cbJobsRun(size_t njobs, cbJobFn fn, void *ctx, int workers) {
    if (workers < 1) workers = cbJobWorkers();
    if ((size_t)workers > njobs) workers = njobs ? (int)njobs : 1;
    size_t bytes = sizeof(jobBoard) + (njobs ? njobs : 1);
    jobBoard *jb = workers > 1 ? cbSharedAlloc(bytes) : NULL;
    if (!jb) {
        for (size_t j = 0; j < njobs; j++) fn(ctx, j);
        return 1;
    }
    pid_t pids[CB_JOBS_MAX];
    int forked = 0;
    for (int w = 1; w < workers && w < CB_JOBS_MAX; w++) {
        pid_t pid = forkWorker(jb, njobs, fn, ctx);
        if (pid < 0) break; /* the jobs left are this process's */
        pids[forked++] = pid;
    }
    takeJobs(jb, njobs, fn, ctx);
    for (int w = 0; w < forked; w++) waitWorker(pids[w]);
    for (size_t j = 0; j < njobs; j++) /* a worker's job that did not complete */
        if (!__atomic_load_n(&jb->done[j], __ATOMIC_ACQUIRE)) fn(ctx, j);
    cbSharedFree(jb, bytes);
    return forked + 1;
}

/* The pool: a socket pair per worker, one byte each way per sum ("go",
 * "done"); the arguments, the number of processes and the parts' values
 * in one shared mapping. send() with MSG_NOSIGNAL: a dead worker's socket
 * gives an error, not a SIGPIPE that would kill the caller. */
typedef struct poolShared {
    size_t total; /* processes computing parts: the caller + live workers at start */
    double v[];   /* nargs arguments, then nparts values */
} poolShared;

struct cbPool {
    size_t nparts, nargs, bytes;
    cbPartFn fn;
    void *ctx;
    poolShared *sh;
    int nforked;
    int fd[CB_JOBS_MAX]; /* the caller's end per worker; -1 once it died */
    pid_t pid[CB_JOBS_MAX];
};

/* Parts p with p % total == who (0: the caller, w + 1: worker w). */
static void poolParts(cbPool *p, size_t who) {
    for (size_t part = who; part < p->nparts; part += p->sh->total)
        p->sh->v[p->nargs + part] = p->fn(p->ctx, part, p->sh->v);
}

static int poolByte(int fd, int out) {
    char b = 'g';
    for (;;) {
        ssize_t r = out ? send(fd, &b, 1, MSG_NOSIGNAL) : recv(fd, &b, 1, 0);
        if (r == 1) return 1;
        if (r < 0 && errno == EINTR) continue;
        return 0;
    }
}

static void poolWorker(cbPool *p, int fd, size_t who) {
    while (poolByte(fd, 0)) {
        poolParts(p, who);
        if (!poolByte(fd, 1)) break;
    }
    _exit(0);
}

static void poolFork(cbPool *p, int workers) {
    pid_t parent = getpid();
    for (int w = 0; w + 1 < workers && w < CB_JOBS_MAX; w++) {
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) return;
        pid_t pid = fork();
        if (pid < 0) {
            close(sv[0]), close(sv[1]);
            return;
        }
        if (pid == 0) {
            workerReset(parent, sv[1]); /* the caller's end, earlier workers' too */
            poolWorker(p, sv[1], (size_t)w + 1);
        }
        close(sv[1]);
        p->fd[p->nforked] = sv[0], p->pid[p->nforked++] = pid;
    }
}

cbPool *cbPoolStart(size_t nparts, size_t nargs, cbPartFn fn, void *ctx, int workers) {
    cbPool *p = cbCalloc(1, sizeof(*p));
    *p = (cbPool){nparts, nargs, sizeof(poolShared) + (nargs + nparts) * sizeof(double), fn, ctx,
                  NULL, 0, {0}, {0}};
    p->sh = cbSharedAlloc(p->bytes);
    if (!p->sh) { /* the caller's own memory: no workers */
        p->sh = cbCalloc(1, p->bytes);
        p->bytes = 0;
    }
    if (workers < 1) workers = cbJobWorkers();
    if ((size_t)workers > nparts) workers = nparts ? (int)nparts : 1;
    p->sh->total = 1;
    if (p->bytes && workers > 1) {
        p->sh->total = (size_t)workers; /* before the fork: the workers read it */
        poolFork(p, workers);
        p->sh->total = (size_t)p->nforked + 1; /* fewer forked: the first ones, in order */
    }
    return p;
}

double cbPoolSum(cbPool *p, const double *arg) {
    memcpy(p->sh->v, arg, p->nargs * sizeof(double));
    for (int w = 0; w < p->nforked; w++)
        if (p->fd[w] >= 0 && !poolByte(p->fd[w], 1)) close(p->fd[w]), p->fd[w] = -1;
    poolParts(p, 0);
    for (int w = 0; w < p->nforked; w++) {
        if (p->fd[w] >= 0 && poolByte(p->fd[w], 0)) continue;
        if (p->fd[w] >= 0) close(p->fd[w]), p->fd[w] = -1;
        poolParts(p, (size_t)w + 1); /* a dead worker's parts */
    }
    double sum = 0;
    for (size_t part = 0; part < p->nparts; part++) sum += p->sh->v[p->nargs + part];
    return sum;
}

void cbPoolStop(cbPool *p) {
    if (!p) return;
    for (int w = 0; w < p->nforked; w++) {
        if (p->fd[w] >= 0) close(p->fd[w]);
        waitWorker(p->pid[w]);
    }
    if (p->bytes) cbSharedFree(p->sh, p->bytes);
    else free(p->sh);
    free(p);
}
