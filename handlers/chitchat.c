/* chitchat.c - small talk: recognise a message that is only a greeting,
 * thanks, praise or goodbye and give the knowledge's short reply, and find
 * a leading greeting to skip in "hi, are bootcamps worth it?" so the rest
 * is answered as a question. The phrases, replies, greetings and
 * addressees are the knowledge's (knowledge/smalltalk.yaml, kb_smalltalk.c);
 * this file is the rule that uses them. Matching is on the folded message
 * (kbSmalltalkFold: ASCII lower case, letters/digits/apostrophes, single
 * spaces). */
#include <string.h>
#include <strings.h>

#include "base/common.h"
#include "handlers/hnd_int.h"


static int chatIsAddressee(const kb *k, const char *w, size_t len) {
    const kbStrs *a = &k->smalltalk.addressees;
    for (size_t i = 0; i < a->n; i++)
        if (strlen(a->v[i]) == len && strncmp(w, a->v[i], len) == 0) return 1;
    return 0;
}

const kbSmalltalkPhrase *hndChitchat(const kb *k, const char *s, size_t len) {
    char folded[KB_SMALLTALK_MAX + 2];
    if (len > KB_SMALLTALK_MAX || !kbSmalltalkFold(s, len, folded, sizeof(folded)) || !*folded)
        return NULL;
    const kbSmalltalkPhrase *r = kbFindSmalltalk(k, folded);
    if (r) return r;
    /* "hi there", "thanks bot": drop one trailing addressee and retry. */
    char *sp = strrchr(folded, ' ');
    if (!sp || !chatIsAddressee(k, sp + 1, strlen(sp + 1))) return NULL;
    *sp = '\0';
    return kbFindSmalltalk(k, folded);
}

/* Length of word w at s[0..len) (ASCII case-insensitive) when it ends at a
 * word boundary; else 0. */
static size_t chatWord(const char *s, size_t len, const char *w) {
    size_t n = strlen(w);
    if (len < n || strncasecmp(s, w, n) != 0) return 0;
    if (n < len && kbWordByte((unsigned char)s[n])) return 0;
    return n;
}

static size_t chatSkipSeparators(const char *s, size_t len, size_t i) {
    while (i < len && strchr(" \t\r\n,!.:;-", s[i])) i++;
    return i;
}

/* "@careerbot" typed as text (the console; a chat where the name was not
 * picked as a mention): '@' and one of the addressees, as long as it
 * and the separators after it are, else 0. */
static size_t chatTypedMention(const kb *k, const char *s, size_t len) {
    const kbStrs *addressees = &k->smalltalk.addressees;
    if (len < 2 || s[0] != '@') return 0;
    for (size_t a = 0; a < addressees->n; a++) {
        size_t w = chatWord(s + 1, len - 1, addressees->v[a]);
        if (w) return chatSkipSeparators(s, len, 1 + w);
    }
    return 0;
}

size_t hndGreetingPrefix(const kb *k, const char *s, size_t len) {
    const kbStrs *greetings = &k->smalltalk.greetings, *addressees = &k->smalltalk.addressees;
    size_t m = chatTypedMention(k, s, len);
    if (m) return m < len ? m : 0; /* "@careerbot are bootcamps worth it?" */
    size_t g = 0;
    for (size_t i = 0; i < greetings->n && !g; i++) g = chatWord(s, len, greetings->v[i]);
    if (!g) return 0;
    size_t i = chatSkipSeparators(s, len, g);
    for (size_t a = 0; a < addressees->n; a++) {
        size_t w = chatWord(s + i, len - i, addressees->v[a]);
        /* "hi there, ..." but not "hi, there are ..." nor "hi there are ..." */
        if (w && s[g] == ' ' && i + w < len && strchr(",!.:;-", s[i + w])) {
            i = chatSkipSeparators(s, len, i + w);
            break;
        }
    }
    if (i == g || i >= len) return 0; /* "hiring ..." or nothing follows */
    return i;
}
