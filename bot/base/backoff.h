/* backoff.h - exponential backoff with "full jitter" (AWS architecture
 * blog, 2015): the n-th retry waits a uniformly random time in
 * [0, min(cap, base * 2^n)). Every reconnect and retry in careerbot (REST
 * 5xx retries, Slack/Discord websocket reconnects) uses it, so a fleet of
 * bots that lost the same server never reconnects in lock step and no
 * failure turns into a tight loop.
 *
 * Randomness comes from a small process-wide xorshift generator seeded from
 * the OS (getrandom); tests may seed it for reproducible sequences. */
#ifndef CB_BACKOFF_H
#define CB_BACKOFF_H

/* The upper bound of the n-th delay: min(cap_ms, base_ms * 2^attempt).
 * attempt < 0 counts as 0; never overflows (large attempts give cap_ms). */
double backoffCeilMs(int attempt, double base_ms, double cap_ms);

/* A delay uniformly drawn from [0, backoffCeilMs(attempt, base, cap)). */
double backoffDelayMs(int attempt, double base_ms, double cap_ms);

/* Uniform in [0, 1): also for other jitter (e.g. Discord's first heartbeat,
 * the 1-5 s wait after an INVALID_SESSION). */
double backoffRandom(void);

/* Uniform in [lo, hi) (lo when hi <= lo). */
double backoffUniform(double lo, double hi);

/* Seed the generator (tests); 0 re-seeds from the OS. */
void backoffSeed(unsigned long long seed);

/* A retry counter for one reconnecting thing: next() returns the delay for
 * the current attempt and advances; reset() after a success (e.g. a
 * websocket that said hello / READY). min_ms is added to every delay so a
 * reconnect never happens "immediately" in a tight loop (0 allowed). */
typedef struct cbBackoff {
    double base_ms;
    double cap_ms;
    double min_ms;
    int attempt; /* retries since the last reset */
} cbBackoff;

void backoffInit(cbBackoff *b, double base_ms, double cap_ms, double min_ms);
double backoffNext(cbBackoff *b);
void backoffReset(cbBackoff *b);

#endif
