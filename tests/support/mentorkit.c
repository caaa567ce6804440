/* mentorkit.c - see mentorkit.h. */
#include "mentorkit.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/common.h"
#include "ops/history.h"
#include "ops/metrics.h"

long long mkNow;

static long long mkClock(void) { return mkNow; }

void mkStart(cbApp *a, const char *platform, int limit, char *db, size_t cap) {
    char err[CB_ERRLEN];
    snprintf(db, cap, "/tmp/cb_mentor_%s_%d.db", platform, (int)getpid());
    unlink(db);
    a->cfg.mentor_daily_limit = limit;
    a->hist = histOpen(db, &a->loop, err);
    if (!a->hist) fail_msg("%s", err);
    mkNow = cbWallTime();
    a->clock = mkClock;
    metricsReset();
    metricsDeclarePlatform(platform);
}

void mkStop(cbApp *a, const char *db) {
    histClose(a->hist);
    a->hist = NULL;
    appFreeFeedback(a);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -f %s %s-wal %s-shm", db, db, db);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", db);
}
