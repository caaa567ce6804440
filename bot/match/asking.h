/* asking.h - the part of a message that asks: its sentences that end in a
 * question mark, or its last sentence when none does.
 *
 * People put context before (or after) what they ask: "I'm 39, eight
 * years in logistics, two kids. Too old to switch to Python?" The
 * context's words pull the classifier away from every entry (they are
 * words the knowledge never uses), while the sentence that asks names
 * the need. The engine reads this part as a second opinion (see
 * engine_query.c). */
#ifndef CB_ASKING_H
#define CB_ASKING_H

#include <stddef.h>

/* The asking part of s[0..len) as a heap string (*outlen gets its length;
 * sentences joined by one space), or NULL when it is the whole message
 * (one sentence) or empty. Sentences end at '.', '!' or '?' followed by
 * white space (not at the dots of initials such as "e.g." or "U.S."), and
 * at line breaks. */
char *askingPart(const char *s, size_t len, size_t *outlen);

/* The sentences of s[0..len) that end in a question mark, each on its
 * own (at most max): their offsets and lengths into at[] and n[]. The
 * count found (0 or 1: not two questions). */
size_t askingSentences(const char *s, size_t len, size_t *at, size_t *n, size_t max);

#endif
