/* action.h - the ids of the buttons the chat renderers draw, encoded and
 * decoded in one place so every renderer and every transport agree. An id
 * is "<verb>:<entry id>":
 *   "show:<entry id>"      a "did you mean" or related question
 *   "vote:up:<entry id>"   Helpful
 *   "vote:down:<entry id>" Not helpful
 *   "share:<entry id>"     post an ephemeral answer to the channel
 *   "full:<entry id>"      the full answer under a summary, to the clicker
 *   "mentor:ask:<token>"   hand the question to a human mentor, anonymously
 *   "mentor:named:<token>" the same, showing the asker's name to the mentors
 *   "mentor:cancel:<token>" withdraw a hand-off before a mentor answers
 * (a token is a hand-off's id, app.h's appMentorOffer; it stands where an
 * entry id stands for the other verbs.)
 * Renderers encode (they know which buttons a reply gets); transports
 * decode a click and call the app. Adding a button is one row in
 * action.c's table and one value here. */
#ifndef CB_ACTION_H
#define CB_ACTION_H

typedef enum {
    ACTION_NONE = 0, /* not one of ours (or no entry id) */
    ACTION_SHOW,
    ACTION_VOTE_UP,
    ACTION_VOTE_DOWN,
    ACTION_SHARE,
    ACTION_FULL,
    ACTION_MENTOR,
    ACTION_MENTOR_NAMED,
    ACTION_MENTOR_CANCEL
} actionKind;

/* "<verb>:<entry_id>"; caller frees. NULL for ACTION_NONE or an empty or
 * NULL entry_id. */
char *actionEncode(actionKind kind, const char *entry_id);
/* The kind of an id; *entry_id (if not NULL) points into s, non-empty.
 * ACTION_NONE (and *entry_id NULL) for NULL, unknown verbs or no id. */
actionKind actionDecode(const char *s, const char **entry_id);
/* 1 for ACTION_VOTE_UP and ACTION_VOTE_DOWN. */
int actionIsVote(actionKind kind);
/* 1 for ACTION_MENTOR, ACTION_MENTOR_NAMED and ACTION_MENTOR_CANCEL. */
int actionIsMentor(actionKind kind);

#endif
