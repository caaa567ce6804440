/* action.c - button ids: one table of verbs, read in both directions
 * (see action.h), so a renderer cannot draw an id a transport does not
 * understand. */
#include "render/action.h"

#include <string.h>

#include "base/common.h"

static const struct {
    actionKind kind;
    const char *prefix;
} actionVerbs[] = {
    {ACTION_SHOW, "show:"},
    {ACTION_VOTE_UP, "vote:up:"},
    {ACTION_VOTE_DOWN, "vote:down:"},
    {ACTION_SHARE, "share:"},
    {ACTION_FULL, "full:"},
    {ACTION_MENTOR, "mentor:ask:"},
    {ACTION_MENTOR_NAMED, "mentor:named:"},
    {ACTION_MENTOR_CANCEL, "mentor:cancel:"},
};

char *actionEncode(actionKind kind, const char *entry_id) {
    if (!entry_id || !*entry_id) return NULL;
    for (size_t i = 0; i < CB_ARRAY_LEN(actionVerbs); i++)
        if (actionVerbs[i].kind == kind) return cbSprintf("%s%s", actionVerbs[i].prefix, entry_id);
    return NULL;
}

actionKind actionDecode(const char *s, const char **entry_id) {
    if (entry_id) *entry_id = NULL;
    if (!s) return ACTION_NONE;
    for (size_t i = 0; i < CB_ARRAY_LEN(actionVerbs); i++) {
        size_t n = strlen(actionVerbs[i].prefix);
        if (strncmp(s, actionVerbs[i].prefix, n) == 0 && s[n]) {
            if (entry_id) *entry_id = s + n;
            return actionVerbs[i].kind;
        }
    }
    return ACTION_NONE;
}

int actionIsVote(actionKind kind) {
    return kind == ACTION_VOTE_UP || kind == ACTION_VOTE_DOWN;
}

int actionIsMentor(actionKind kind) {
    return kind == ACTION_MENTOR || kind == ACTION_MENTOR_NAMED || kind == ACTION_MENTOR_CANCEL;
}
