/* mentorkit.h - what the mentor hand-off integration tests (Slack and
 * Discord) share: the app's history in a scratch database on an injected
 * clock (so "a week later" needs no waiting), metrics reset for the
 * platform, and the database's files removed afterwards. */
#ifndef CB_MENTORKIT_H
#define CB_MENTORKIT_H

#include "app/process.h"

/* The injected clock's time; tests move it forward. */
extern long long mkNow;

/* Open a's history in a fresh /tmp file named after platform (kept in db,
 * cap bytes), set a's clock to mkNow (= the wall time), the daily
 * hand-off limit, and reset the metrics with platform declared. */
void mkStart(cbApp *a, const char *platform, int limit, char *db, size_t cap);
/* Close a's history and feedback, and remove db with its -wal and -shm. */
void mkStop(cbApp *a, const char *db);

#endif
