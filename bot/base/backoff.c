/* backoff.c - exponential backoff with full jitter and a tiny process-wide
 * random generator (xorshift64*), see backoff.h. Single-threaded like the
 * rest of the bot, so the generator state is a plain static. */
#include "base/backoff.h"

#include <math.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

static unsigned long long rngState;

static unsigned long long rngSeedFromOs(void) {
    unsigned long long s = 0;
    if (getrandom(&s, sizeof(s), GRND_NONBLOCK) != (ssize_t)sizeof(s) || s == 0) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        s = (unsigned long long)ts.tv_nsec ^ ((unsigned long long)ts.tv_sec << 20) ^
            ((unsigned long long)getpid() << 40);
    }
    return s ? s : 0x9E3779B97F4A7C15ULL;
}

void backoffSeed(unsigned long long seed) {
    rngState = seed ? seed : rngSeedFromOs();
}

static unsigned long long rngNext(void) {
    if (rngState == 0) rngState = rngSeedFromOs();
    rngState ^= rngState >> 12;
    rngState ^= rngState << 25;
    rngState ^= rngState >> 27;
    return rngState * 0x2545F4914F6CDD1DULL;
}

double backoffRandom(void) {
    /* 53 random bits -> [0, 1) exactly representable. */
    return (double)(rngNext() >> 11) * (1.0 / 9007199254740992.0);
}

double backoffUniform(double lo, double hi) {
    if (!(hi > lo)) return lo;
    double v = lo + (hi - lo) * backoffRandom();
    return v < hi ? v : lo;
}

double backoffCeilMs(int attempt, double base_ms, double cap_ms) {
    if (base_ms <= 0 || cap_ms <= 0) return 0;
    if (attempt < 0) attempt = 0;
    if (attempt > 62) return cap_ms; /* 2^62 * base exceeds any cap */
    double v = ldexp(base_ms, attempt);
    return v < cap_ms ? v : cap_ms;
}

double backoffDelayMs(int attempt, double base_ms, double cap_ms) {
    return backoffUniform(0, backoffCeilMs(attempt, base_ms, cap_ms));
}

void backoffInit(cbBackoff *b, double base_ms, double cap_ms, double min_ms) {
    b->base_ms = base_ms;
    b->cap_ms = cap_ms;
    b->min_ms = min_ms > 0 ? min_ms : 0;
    b->attempt = 0;
}

double backoffNext(cbBackoff *b) {
    double d = b->min_ms + backoffDelayMs(b->attempt, b->base_ms, b->cap_ms);
    if (b->attempt < 1000) b->attempt++;
    return d;
}

void backoffReset(cbBackoff *b) {
    b->attempt = 0;
}
