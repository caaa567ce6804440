/* feedback.c - the per-user memory behind implicit feedback (see
 * feedback.h): a small array searched linearly (a few hundred users at
 * most are active within ten minutes; a hash table would save nothing
 * measurable at that size). */
#include "ops/feedback.h"

#include <stdlib.h>
#include <string.h>

#include "base/common.h"

#define FB_MAX_USERS 512
#define FB_MAX_TEXT 1000
#define FB_DEFAULT_WINDOW_S 600

typedef struct fbUser {
    char *key;      /* platform:user */
    char *text;     /* last question answered; NULL when none */
    char *entry_id; /* what answered it */
    char *down_text; /* the question last 👎'd */
    long long asked, down; /* times: last question, last 👎 (0 = none) */
} fbUser;

struct fbTracker {
    fbUser u[FB_MAX_USERS];
    size_t n;
    int window;
};

fbTracker *fbNew(int window_s) {
    fbTracker *t = cbCalloc(1, sizeof *t);
    t->window = window_s > 0 ? window_s : FB_DEFAULT_WINDOW_S;
    return t;
}

static void fbUserFree(fbUser *u) {
    free(u->key);
    free(u->text);
    free(u->entry_id);
    free(u->down_text);
    memset(u, 0, sizeof *u);
}

void fbFree(fbTracker *t) {
    if (!t) return;
    for (size_t i = 0; i < t->n; i++) fbUserFree(&t->u[i]);
    free(t);
}

static long long fbLast(const fbUser *u) { return u->asked > u->down ? u->asked : u->down; }

/* The user's slot; a new one replaces the least recently active when full. */
static fbUser *fbFind(fbTracker *t, const char *platform, const char *user, int create) {
    char *key = cbSprintf("%s:%s", platform ? platform : "", user ? user : "");
    fbUser *found = NULL;
    for (size_t i = 0; i < t->n && !found; i++)
        if (strcmp(t->u[i].key, key) == 0) found = &t->u[i];
    if (found || !create) {
        free(key);
        return found;
    }
    if (t->n < FB_MAX_USERS) {
        found = &t->u[t->n++];
    } else {
        found = &t->u[0];
        for (size_t i = 1; i < t->n; i++)
            if (fbLast(&t->u[i]) < fbLast(found)) found = &t->u[i];
        fbUserFree(found);
    }
    found->key = key;
    return found;
}

int fbOnQuestion(fbTracker *t, const char *platform, const char *user, const char *text,
                 const char *entry_id, long long now) {
    if (!t || !user || !*user) return 0;
    fbUser *u = fbFind(t, platform, user, 1);
    int rephrase = u->down && now - u->down <= t->window;
    free(u->text);
    free(u->entry_id);
    size_t n = text ? strlen(text) : 0;
    u->text = text ? cbStrndup(text, n < FB_MAX_TEXT ? n : FB_MAX_TEXT) : NULL;
    u->entry_id = cbStrdup(entry_id);
    u->asked = now;
    return rephrase;
}

char *fbOnDownVote(fbTracker *t, const char *platform, const char *user, const char *entry_id,
                   long long now) {
    if (!t || !user || !*user || !entry_id) return NULL;
    fbUser *u = fbFind(t, platform, user, 1);
    u->down = now;
    if (!u->text || !u->entry_id || strcmp(u->entry_id, entry_id) != 0 ||
        now - u->asked > t->window)
        return NULL;
    char *text = u->text;
    u->text = NULL; /* one 👎 per question is enough */
    free(u->down_text);
    u->down_text = cbStrdup(text);
    return text;
}

char *fbLastDownVoted(fbTracker *t, const char *platform, const char *user, long long now) {
    if (!t || !user || !*user) return NULL;
    fbUser *u = fbFind(t, platform, user, 0);
    if (!u || !u->down_text || now - u->down > t->window) return NULL;
    return cbStrdup(u->down_text);
}
