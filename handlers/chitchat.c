/* chitchat.c - small talk: recognise a message that is only a greeting,
 * thanks, praise or goodbye and give a short friendly reply, and find a
 * leading greeting to skip in "hi, are bootcamps worth it?" so the rest is
 * answered as a question. Matching is on a folded form of the message
 * (ASCII lower case, letters/digits/apostrophes, single spaces). */
#include <string.h>
#include <strings.h>

#include "base/common.h"
#include "handlers/hnd_int.h"

#define HND_CHAT_MAX 80 /* longer messages are never only chit-chat */

#define CHAT_HI "Hi! I answer Python developers' career questions. Ask me one, or type `help`."
#define CHAT_THANKS "You're welcome! Ask me anything else about your Python career."
#define CHAT_OK "Glad to help. Anything else? Type `topics` to see what I know about."
#define CHAT_PRAISE "Thank you! I'm happy to help with any other career question."
#define CHAT_SORRY "Sorry about that. Try rephrasing your question, or type `topics` to browse what I know."
#define CHAT_BYE "Bye, and good luck with your career!"
#define CHAT_WHO                                                                    \
    "I'm careerbot: I answer Python developers' career questions (frameworks, "    \
    "bootcamps, certifications, experience, staying current, specializing) from a " \
    "knowledge base curated by people, and every answer shows its sources. Type "  \
    "`help` to see how to use me."
#define CHAT_HOW "Doing well, thanks! What would you like to know about your Python career?"

typedef struct hndChat {
    const char *phrase; /* folded */
    const char *reply;  /* NULL: answer with the help text */
} hndChat;

static const hndChat chats[] = {
    {"hi", CHAT_HI}, {"hello", CHAT_HI}, {"hey", CHAT_HI}, {"hiya", CHAT_HI},
    {"howdy", CHAT_HI}, {"yo", CHAT_HI}, {"greetings", CHAT_HI}, {"hey hey", CHAT_HI},
    {"good morning", CHAT_HI}, {"good afternoon", CHAT_HI}, {"good evening", CHAT_HI},
    {"sup", CHAT_HI}, {"what's up", CHAT_HI}, {"whats up", CHAT_HI},
    {"thanks", CHAT_THANKS}, {"thank you", CHAT_THANKS}, {"thx", CHAT_THANKS},
    {"ty", CHAT_THANKS}, {"tysm", CHAT_THANKS}, {"thanks a lot", CHAT_THANKS},
    {"thank you so much", CHAT_THANKS}, {"thanks so much", CHAT_THANKS},
    {"many thanks", CHAT_THANKS}, {"cheers", CHAT_THANKS}, {"thank you very much", CHAT_THANKS},
    {"ok thanks", CHAT_THANKS}, {"great thanks", CHAT_THANKS}, {"thanks a bunch", CHAT_THANKS},
    {"ok", CHAT_OK}, {"okay", CHAT_OK}, {"cool", CHAT_OK}, {"nice", CHAT_OK},
    {"great", CHAT_OK}, {"awesome", CHAT_OK}, {"perfect", CHAT_OK}, {"got it", CHAT_OK},
    {"good bot", CHAT_PRAISE}, {"nice bot", CHAT_PRAISE}, {"great bot", CHAT_PRAISE},
    {"you're great", CHAT_PRAISE}, {"you rock", CHAT_PRAISE}, {"love you", CHAT_PRAISE},
    {"bad bot", CHAT_SORRY}, {"wrong", CHAT_SORRY}, {"that's wrong", CHAT_SORRY},
    {"bye", CHAT_BYE}, {"goodbye", CHAT_BYE}, {"bye bye", CHAT_BYE}, {"see you", CHAT_BYE},
    {"see ya", CHAT_BYE}, {"cya", CHAT_BYE}, {"good night", CHAT_BYE}, {"later", CHAT_BYE},
    {"who are you", CHAT_WHO}, {"what are you", CHAT_WHO}, {"what is this", CHAT_WHO},
    {"who made you", CHAT_WHO}, {"are you a bot", CHAT_WHO},
    {"how are you", CHAT_HOW}, {"how's it going", CHAT_HOW}, {"how are you doing", CHAT_HOW},
    {"what can you do", NULL}, {"what do you do", NULL}, {"how do you work", NULL},
    {"how does this work", NULL}, {"how can you help", NULL}, {"what can i ask", NULL},
    {"what can i ask you", NULL}, {"what do you know", NULL}, {"how do i use you", NULL},
};

/* Words that may follow a greeting: "hi there", "hello careerbot". */
static const char *const addressees[] = {"there", "bot", "careerbot", "all", "everyone",
                                         "folks", "team", "friend"};

static const char *const greetings[] = {"good morning", "good afternoon", "good evening",
                                        "hello", "hiya", "howdy", "hey", "hi", "yo",
                                        "greetings"};

static int chatIsAlnum(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* Fold s into out (cap bytes): lower-case letters, digits and apostrophes,
 * other bytes as word breaks. 0 when it does not fit. */
static int chatFold(const char *s, size_t len, char *out, size_t cap) {
    size_t n = 0;
    int space = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (chatIsAlnum(c) || c == '\'') {
            if (space && n > 0) out[n++] = ' ';
            space = 0;
            if (n + 2 >= cap) return 0;
            out[n++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
        } else {
            space = 1;
        }
    }
    out[n] = '\0';
    return 1;
}

static const char *chatLookup(const char *folded, int *like_help) {
    for (size_t i = 0; i < CB_ARRAY_LEN(chats); i++) {
        if (strcmp(folded, chats[i].phrase) != 0) continue;
        *like_help = chats[i].reply == NULL;
        return chats[i].reply ? chats[i].reply : "";
    }
    return NULL;
}

const char *hndChitchat(const char *s, size_t len, int *like_help) {
    char folded[HND_CHAT_MAX + 2];
    *like_help = 0;
    if (len > HND_CHAT_MAX || !chatFold(s, len, folded, sizeof(folded)) || !*folded)
        return NULL;
    const char *r = chatLookup(folded, like_help);
    if (r) return r;
    /* "hi there", "thanks bot": drop one trailing addressee and retry. */
    char *sp = strrchr(folded, ' ');
    if (!sp) return NULL;
    for (size_t i = 0; i < CB_ARRAY_LEN(addressees); i++) {
        if (strcmp(sp + 1, addressees[i]) != 0) continue;
        *sp = '\0';
        return chatLookup(folded, like_help);
    }
    return NULL;
}

/* Length of word w at s[0..len) (ASCII case-insensitive) when it ends at a
 * word boundary; else 0. */
static size_t chatWord(const char *s, size_t len, const char *w) {
    size_t n = strlen(w);
    if (len < n || strncasecmp(s, w, n) != 0) return 0;
    if (n < len && (chatIsAlnum((unsigned char)s[n]) || s[n] == '\'')) return 0;
    return n;
}

static size_t chatSkipSeparators(const char *s, size_t len, size_t i) {
    while (i < len && strchr(" \t\r\n,!.:;-", s[i])) i++;
    return i;
}

size_t hndGreetingPrefix(const char *s, size_t len) {
    size_t g = 0;
    for (size_t i = 0; i < CB_ARRAY_LEN(greetings) && !g; i++) g = chatWord(s, len, greetings[i]);
    if (!g) return 0;
    size_t i = chatSkipSeparators(s, len, g);
    for (size_t k = 0; k < CB_ARRAY_LEN(addressees); k++) {
        size_t w = chatWord(s + i, len - i, addressees[k]);
        /* "hi there, ..." but not "hi, there are ..." nor "hi there are ..." */
        if (w && s[g] == ' ' && i + w < len && strchr(",!.:;-", s[i + w])) {
            i = chatSkipSeparators(s, len, i + w);
            break;
        }
    }
    if (i == g || i >= len) return 0; /* "hiring ..." or nothing follows */
    return i;
}
