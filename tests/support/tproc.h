/* tproc.h - test support: spawn careerbot or a fake server as a child
 * process with extra environment, capture its output to files, wait for
 * text to appear in them, and stop it, always within a time bound. Also a
 * tiny blocking HTTP client (libcurl easy) for poking fakes and /healthz. */
#ifndef CB_TPROC_H
#define CB_TPROC_H

#include <jansson.h>
#include <stddef.h>
#include <sys/types.h>

typedef struct tpProc {
    pid_t pid;
    int stdin_fd;       /* write end of the child's stdin, or -1 */
    char out_path[256]; /* child's stdout */
    char err_path[256]; /* child's stderr */
    int exited;
    int status;         /* waitpid status once exited */
} tpProc;

/* argv[0] is the program path. env: NULL-terminated "K=V" strings added to
 * (or overriding) the current environment; "K=" removes K. pipe_stdin: give
 * the child a pipe on stdin (else /dev/null). 0 on success. */
int tpSpawn(tpProc *p, char *const argv[], char *const env[], int pipe_stdin);
/* Write s to the child's stdin (0 on success). */
int tpWrite(tpProc *p, const char *s);
void tpCloseStdin(tpProc *p);
/* Wait up to timeout_ms for exit; returns the exit code, 128+signal when
 * killed by a signal, or -1 on timeout (the child keeps running). */
int tpWait(tpProc *p, double timeout_ms);
/* SIGTERM, then SIGKILL after grace_ms; returns as tpWait. */
int tpStop(tpProc *p, double grace_ms);
void tpSignal(tpProc *p, int sig);
/* Remove the output files. */
void tpCleanup(tpProc *p);

/* Whole file as a NUL-terminated string ("" if missing); caller frees. */
char *tpReadFile(const char *path);
/* Poll path until it contains needle (count times), up to timeout_ms.
 * 1 when found, 0 on timeout. */
int tpWaitFor(const char *path, const char *needle, int count, double timeout_ms);
/* Count the occurrences of needle in path. */
int tpCount(const char *path, const char *needle);
/* A TCP port on 127.0.0.1 that was free a moment ago. */
int tpFreePort(void);
/* The build dir ($CB_BUILD_DIR or "build") joined with rel; caller frees. */
char *tpBuildPath(const char *rel);

/* Start a fake server (argv as for tpSpawn) that prints "port=N" on
 * stdout once it listens; returns N, or -1 if it did not within 10 s. */
int tpStartFake(tpProc *p, char *const argv[]);
/* Ask a fakesrv-based fake to quit (POST /_control "quit"), wait for it,
 * remove its output files; returns its exit code (0 = clean, leak-free). */
int tpQuitFake(tpProc *p, int port);

/* Blocking HTTP on 127.0.0.1 for tests: returns the status (0 on a
 * transport error) and the body in *body (caller frees; may be NULL). */
long tpHttp(const char *method, const char *url, const char *req_body, char **body);

/* A fakesrv-based fake's request log (GET base/_log), parsed: the JSON
 * array, or NULL when it did not answer 200 with one (caller decrefs). */
json_t *tpFakeLog(const char *base);

#endif
