/* cooldown.h - per-key cooldowns (a user, a channel) in a bounded table, so
 * one user (or one busy channel) cannot make the bot post without bound.
 *
 * A key that was answered less than `cooldown_ms` ago is cooling down: the
 * first request in that time gets COOL_WARN (tell them once to slow down),
 * later ones COOL_SILENT (say nothing) until the cooldown has passed since
 * the last answer. cdCheck() only looks; cdRecord() stores the verdict, so
 * two tables (user, channel) can be checked before either is changed.
 *
 * The table holds at most `capacity` keys (set-associative, 8 per bucket,
 * keys stored as 64-bit hashes). A key whose cooldown has passed is as good
 * as absent and its slot is reused; when all 8 slots of a bucket are still
 * cooling down, the one answered longest ago is replaced (that key may be
 * answered a little early: the bound wins over exactness). */
#ifndef CB_COOLDOWN_H
#define CB_COOLDOWN_H

#include <stddef.h>
#include <stdint.h>

typedef enum { COOL_ALLOW = 0, COOL_WARN, COOL_SILENT } coolVerdict;

typedef struct coolSlot {
    uint64_t key;   /* 0 = empty */
    double last_ms; /* when the key was last answered */
    int warned;     /* told to slow down since then */
} coolSlot;

typedef struct coolTable {
    double cooldown_ms; /* 0 disables: every check allows */
    coolSlot *slots;
    size_t nbuckets;
} coolTable;

/* capacity is rounded up to a multiple of 8 (at least 8). */
void cdInit(coolTable *t, double cooldown_ms, size_t capacity);
void cdFree(coolTable *t);
/* The verdict for key at now_ms, without changing the table. NULL or ""
 * keys always allow. */
coolVerdict cdCheck(const coolTable *t, const char *key, double now_ms);
/* Store what was done: COOL_ALLOW (answered now), COOL_WARN (warned). */
void cdRecord(coolTable *t, const char *key, double now_ms, coolVerdict v);
/* The worse of two verdicts (SILENT > WARN > ALLOW). */
coolVerdict cdWorse(coolVerdict a, coolVerdict b);
/* Seconds until key may be answered again (0 when it may now). */
double cdWaitSeconds(const coolTable *t, const char *key, double now_ms);

#endif
