/* cooldown.c - per-key cooldowns in a bounded set-associative table (see
 * cooldown.h). Keys are FNV-1a hashes; no allocation after cdInit. */
#include "app/cooldown.h"

#include <stdlib.h>

#include "base/common.h"
#include "base/hash.h"

#define COOL_WAYS 8

static uint64_t hashKey(const char *s) {
    uint64_t h = cbFnv1aStr(s);
    return h ? h : 1; /* 0 marks an empty slot */
}

void cdInit(coolTable *t, double cooldown_ms, size_t capacity) {
    t->cooldown_ms = cooldown_ms > 0 ? cooldown_ms : 0;
    t->nbuckets = capacity < COOL_WAYS ? 1 : (capacity + COOL_WAYS - 1) / COOL_WAYS;
    t->slots = cbCalloc(t->nbuckets * COOL_WAYS, sizeof(coolSlot));
}

void cdFree(coolTable *t) {
    free(t->slots);
    t->slots = NULL;
    t->nbuckets = 0;
}

static coolSlot *bucketOf(const coolTable *t, uint64_t h) {
    return &t->slots[(h % t->nbuckets) * COOL_WAYS];
}

static int cooling(const coolTable *t, const coolSlot *s, double now_ms) {
    return s->key && now_ms - s->last_ms < t->cooldown_ms;
}

static coolSlot *findSlot(const coolTable *t, uint64_t h, double now_ms) {
    coolSlot *b = bucketOf(t, h);
    for (int i = 0; i < COOL_WAYS; i++)
        if (b[i].key == h && cooling(t, &b[i], now_ms)) return &b[i];
    return NULL;
}

coolVerdict cdCheck(const coolTable *t, const char *key, double now_ms) {
    if (t->cooldown_ms <= 0 || !key || !*key || !t->slots) return COOL_ALLOW;
    const coolSlot *s = findSlot(t, hashKey(key), now_ms);
    if (!s) return COOL_ALLOW;
    return s->warned ? COOL_SILENT : COOL_WARN;
}

/* The slot for h: its own, else a free or expired one, else the oldest. */
static coolSlot *claimSlot(coolTable *t, uint64_t h, double now_ms) {
    coolSlot *b = bucketOf(t, h), *pick = NULL;
    for (int i = 0; i < COOL_WAYS; i++)
        if (b[i].key == h) return &b[i];
    for (int i = 0; i < COOL_WAYS && !pick; i++)
        if (!cooling(t, &b[i], now_ms)) pick = &b[i];
    if (!pick) {
        pick = &b[0];
        for (int i = 1; i < COOL_WAYS; i++)
            if (b[i].last_ms < pick->last_ms) pick = &b[i];
    }
    pick->key = h;
    pick->warned = 0;
    pick->last_ms = now_ms;
    return pick;
}

void cdRecord(coolTable *t, const char *key, double now_ms, coolVerdict v) {
    if (t->cooldown_ms <= 0 || !key || !*key || !t->slots || v == COOL_SILENT) return;
    uint64_t h = hashKey(key);
    if (v == COOL_ALLOW) {
        coolSlot *s = claimSlot(t, h, now_ms);
        s->last_ms = now_ms;
        s->warned = 0;
        return;
    }
    coolSlot *s = findSlot(t, h, now_ms);
    if (s) s->warned = 1;
}

coolVerdict cdWorse(coolVerdict a, coolVerdict b) { return a > b ? a : b; }

double cdWaitSeconds(const coolTable *t, const char *key, double now_ms) {
    if (t->cooldown_ms <= 0 || !key || !*key || !t->slots) return 0;
    const coolSlot *s = findSlot(t, hashKey(key), now_ms);
    return s ? (s->last_ms + t->cooldown_ms - now_ms) / 1000.0 : 0;
}
