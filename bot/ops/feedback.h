/* feedback.h - implicit feedback from a conversation, remembered in memory
 * for a few minutes per user: the last question answered to each user, so
 * a 👎 can be tied to the words that got the wrong answer, and whether a
 * user 👎'd recently, so their next (rephrased) question is kept in the
 * history with its answer. The report reads the pair as "the first
 * question means the entry that answered the second". Bounded: at most
 * FB_MAX_USERS users (the oldest is forgotten first); nothing is written
 * to disk here, and the user ids never leave this table. */
#ifndef CB_FEEDBACK_H
#define CB_FEEDBACK_H

typedef struct fbTracker fbTracker;

fbTracker *fbNew(int window_s); /* window_s <= 0: 600 */
void fbFree(fbTracker *t);
/* A question was answered (entry_id may be NULL). Returns 1 when this user
 * voted 👎 within the window: keep this question's text (the rephrase). */
int fbOnQuestion(fbTracker *t, const char *platform, const char *user, const char *text,
                 const char *entry_id, long long now);
/* A 👎 on entry_id: the text of the user's last question if entry_id
 * answered it within the window (caller frees), else NULL. */
char *fbOnDownVote(fbTracker *t, const char *platform, const char *user, const char *entry_id,
                   long long now);
/* The text of the question the user last 👎'd within the window (a copy,
 * caller frees), else NULL: what "Ask a mentor" after a 👎 hands over. */
char *fbLastDownVoted(fbTracker *t, const char *platform, const char *user, long long now);

#endif
