/* test_handler.c - hndHandle/hndShow against the small fixture knowledge
 * (tests/fixtures/app-kb, loaded with the real kb loader and engine):
 * commands (help, topics, topic NAME, show ID, ID, TOPIC: question), chit-chat
 * alone and before a question, the three engine outcomes, bad input (empty,
 * too long, invalid UTF-8, NUL), limits from the context, and that a reply
 * stays valid after the knowledge it came from is freed (ASan checks). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "base/common.h"
#include "handlers/handler.h"
#include "handlers/hnd_int.h"
#include "base/buf.h"
#include "render/render.h"

#define KB_DIR "tests/fixtures/app-kb"

static knowledge *loadKnowledge(double answer_threshold) {
    engParams p;
    engDefaultParams(&p);
    if (answer_threshold > 0) p.answer_threshold = answer_threshold;
    cbDiags d;
    cbDiagsInit(&d);
    knowledge *k = knowledgeLoad(KB_DIR, &p, &d);
    if (!k) cbDiagsPrint(&d, "text", stderr);
    cbDiagsFree(&d);
    return k;
}

static int setupKb(void **state) {
    setenv("CAREERBOT_TODAY", "2025-06-01", 1);
    knowledge *k = loadKnowledge(0);
    *state = k;
    return k ? 0 : -1;
}

static int teardownKb(void **state) {
    knowledgeFree(*state);
    return 0;
}

static void ask(const knowledge *k, const char *text, size_t len, hndReply *out) {
    hndContext ctx = {.k = k, .max_suggestions = 3};
    hndRequest req = {.platform = PLATFORM_CONSOLE, .text = text, .len = len, .user = "u1"};
    hndHandle(&ctx, &req, out);
    assert_non_null(out->body); /* never NULL after hndHandle */
}

static void askStr(const knowledge *k, const char *text, hndReply *out) {
    ask(k, text, strlen(text), out);
}

/* As a chat platform asks (Slack). */
static void askChat(const knowledge *k, const char *text, hndReply *out) {
    hndContext ctx = {.k = k, .max_suggestions = 3};
    hndRequest req = {.platform = PLATFORM_SLACK, .text = text, .len = strlen(text), .user = "U1"};
    hndHandle(&ctx, &req, out);
    assert_non_null(out->body);
}

static void assertHas(const char *text, const char *needle) {
    if (!text || !strstr(text, needle)) fail_msg("missing [%s] in [%s]", needle, text ? text : "(null)");
}

/* Someone who may be in crisis gets where to find help, before small
 * talk, commands or matching (the built-in crisis.yaml: app-kb has none),
 * on every platform; the same words about other things do not. */
static void testCrisis(void **state) {
    const knowledge *k = *state;
    static const char *const crisis[] = {
        "i want to kill myself because i cant find a job",
        "want to end it all after 200 rejections",
        "hi bot, honestly I don't want to live anymore, 2 years unemployed",
        "I feel suicidal after the layoff",
    };
    static const char *const not_crisis[] = {
        "how do I kill a process in python",
        "I'm killing it at my new job, should I ask for a raise?",
        "is moving into management career suicide?",
        "end-to-end testing skills for a first job",
    };
    hndReply r;
    for (size_t i = 0; i < CB_ARRAY_LEN(crisis); i++) {
        askStr(k, crisis[i], &r);
        if (r.kind != REPLY_CHITCHAT || !strstr(r.body, "findahelpline.com"))
            fail_msg("no crisis reply to '%s': %s", crisis[i], r.body);
        assert_null(r.entry_id);
        replyFree(&r);
        askChat(k, crisis[i], &r);
        assertHas(r.body, "988");
        replyFree(&r);
    }
    for (size_t i = 0; i < CB_ARRAY_LEN(not_crisis); i++) {
        askStr(k, not_crisis[i], &r);
        if (strstr(r.body, "findahelpline.com")) fail_msg("crisis reply to '%s'", not_crisis[i]);
        replyFree(&r);
    }
    assert_true(k->kb->crisis.builtin);
}

static void testHelp(void **state) {
    const char *inputs[] = {"help", "/help", "HELP", "  help \n", "/faq help", "/faq   help", "help?"};
    for (size_t i = 0; i < CB_ARRAY_LEN(inputs); i++) {
        hndReply r;
        askStr(*state, inputs[i], &r);
        if (r.kind != REPLY_INFO) fail_msg("'%s': kind %d", inputs[i], r.kind);
        assertHas(r.body, "`topics`");
        assertHas(r.body, "`show ID`");
        assertHas(r.body, "Should I learn Django or Flask first?"); /* an example from the kb */
        assert_int_equal(r.nhits, 0);
        replyFree(&r);
    }
}

static void testTopics(void **state) {
    hndReply r;
    askStr(*state, "topics", &r);
    assert_int_equal(r.kind, REPLY_INFO);
    const char *want[] = {"Job search", "`jobs`", "Learning paths", "`learning`", "Frameworks",
                          "`frameworks`", "Landing a Python job", "(2 questions)"};
    for (size_t i = 0; i < CB_ARRAY_LEN(want); i++) assertHas(r.body, want[i]);
    replyFree(&r);
}

static void testTopicByNameOrTitle(void **state) {
    const char *inputs[] = {"topic jobs", "topic JOBS", "topic Job search", "topic job-search",
                            "/topic jobs", "jobs:", "topic job   search", "Job \t search:",
                            "topic job__search", "topic  Job-Search "};
    for (size_t i = 0; i < CB_ARRAY_LEN(inputs); i++) {
        hndReply r;
        askStr(*state, inputs[i], &r);
        if (r.kind != REPLY_INFO) fail_msg("'%s': kind %d", inputs[i], r.kind);
        assertHas(r.body, "jobs/first-job");
        assertHas(r.body, "What should a Python developer put on a CV?");
        assert_null(strstr(r.body, "learning/"));
        assert_string_equal(r.topic, "jobs");
        assert_string_equal(r.title, "Job search");
        replyFree(&r);
    }
}

static void testUnknownTopic(void **state) {
    hndReply r;
    askStr(*state, "topic cooking", &r);
    assert_int_equal(r.kind, REPLY_ERROR);
    assertHas(r.body, "`jobs`");
    assertHas(r.body, "`learning`");
    assertHas(r.body, "`frameworks`");
    replyFree(&r);
}

static void testShow(void **state) {
    hndReply r;
    askStr(*state, "show learning/bootcamps", &r);
    assert_int_equal(r.kind, REPLY_ANSWER);
    assert_string_equal(r.entry_id, "learning/bootcamps");
    assert_null(r.summary); /* this entry has none */
    assert_string_equal(r.title, "Is a coding bootcamp worth it?");
    assertHas(r.body, "structure and deadlines");
    assert_int_equal(r.nsources, 1);
    assert_string_equal(r.sources[0].url, "https://www.coursereport.com/");
    assert_int_equal(r.nlinks, 2);
    replyFree(&r);

    askStr(*state, "show nope/missing", &r);
    assert_int_equal(r.kind, REPLY_ERROR);
    assertHas(r.body, "no answer with that id");
    replyFree(&r);

    /* the id as people copy it from the bot's text: brackets, backquotes,
     * capitals, the file's path */
    static const char *const written[] = {"show [learning/bootcamps]", "SHOW LEARNING/BOOTCAMPS",
                                          "show `learning/bootcamps`.",
                                          "show knowledge/learning/bootcamps.md"};
    for (size_t i = 0; i < CB_ARRAY_LEN(written); i++) {
        askStr(*state, written[i], &r);
        if (r.kind != REPLY_ANSWER || !r.entry_id || strcmp(r.entry_id, "learning/bootcamps") != 0)
            fail_msg("'%s' did not show learning/bootcamps: %s", written[i], r.body);
        replyFree(&r);
    }

    /* an entry id alone (an autocomplete choice's value) shows it too */
    askStr(*state, "learning/bootcamps", &r);
    assert_int_equal(r.kind, REPLY_ANSWER);
    assert_string_equal(r.entry_id, "learning/bootcamps");
    assert_string_equal(r.title, "Is a coding bootcamp worth it?");
    assert_int_equal(r.nhits, 1); /* shown, not searched: no ranking score */
    assert_true(r.hits[0].score == 0.0 && r.confidence == 1.0);
    replyFree(&r);
    askStr(*state, "nope/missing", &r); /* not an id: a question like any other */
    assert_int_not_equal(r.kind, REPLY_ERROR);
    replyFree(&r);

    hndContext ctx = {.k = *state};
    const char *bad[] = {NULL, "", "\xff\xfe", "learning/bootcamps "};
    for (size_t i = 0; i < CB_ARRAY_LEN(bad); i++) {
        hndShow(&ctx, bad[i], &r);
        assert_int_equal(r.kind, REPLY_ERROR);
        replyFree(&r);
    }
    hndShow(&ctx, "jobs/first-job", &r); /* the summary travels on the reply */
    assert_string_equal(r.summary, "Build two or three small projects that solve real problems, "
                                   "put them on GitHub, and apply to junior roles that list the "
                                   "tools you used.");
    replyFree(&r);
    hndShow(&ctx, "jobs/cv", &r);
    assert_int_equal(r.kind, REPLY_ANSWER);
    assert_int_equal(r.nhits, 1);
    assert_string_equal(r.hits[0].id, "jobs/cv");
    replyFree(&r);

    askStr(*state, "show me how to write a python cv", &r); /* a question, not a command */
    assert_int_not_equal(r.kind, REPLY_ERROR);
    assert_non_null(r.normalized);
    replyFree(&r);
}

static void testAnswerCopiesEverything(void **state) {
    hndReply r;
    askStr(*state, "Is a coding bootcamp worth it?", &r);
    assert_int_equal(r.kind, REPLY_ANSWER);
    assert_string_equal(r.entry_id, "learning/bootcamps");
    assert_string_equal(r.title, "Is a coding bootcamp worth it?");
    assert_true(r.confidence >= 0.5 && r.confidence <= 1.0);
    assert_int_equal(r.nsources, 1);
    assert_string_equal(r.sources[0].title, "Course Report");
    assert_string_equal(r.sources[0].publisher, "Course Report");
    assert_null(r.sources[0].date);
    assert_int_equal(r.nlinks, 2);
    assert_string_equal(r.links[1].url, "https://wiki.python.org/moin/BeginnersGuide");
    assert_int_equal(r.nrelated, 2);
    assert_string_equal(r.related[0].id, "learning/certifications");
    assert_string_equal(r.related[0].question, "Are Python certifications worth getting?");
    assert_string_equal(r.related[1].id, "jobs/first-job");
    assert_non_null(r.normalized);
    assert_true(r.nhits >= 1);
    assert_string_equal(r.hits[0].id, "learning/bootcamps");
    assert_true(r.hits[0].confidence == r.confidence);
    for (size_t i = 1; i < r.nhits; i++)
        assert_true(r.hits[i].confidence <= r.hits[i - 1].confidence);
    assert_null(r.topic);
    replyFree(&r);
}

static void testTopicFilter(void **state) {
    hndReply r;
    askStr(*state, "Frameworks: django or flask for a beginner?", &r);
    assert_string_equal(r.topic, "frameworks");
    assert_int_equal(r.kind, REPLY_ANSWER);
    assert_string_equal(r.entry_id, "frameworks/django-vs-flask");
    for (size_t i = 0; i < r.nhits; i++) assert_memory_equal(r.hits[i].id, "frameworks/", 11);
    replyFree(&r);

    askStr(*state, "learning: django or flask for a beginner?", &r); /* filter excludes it */
    assert_string_equal(r.topic, "learning");
    for (size_t i = 0; i < r.nhits; i++) assert_memory_equal(r.hits[i].id, "learning/", 9);
    assert_true(r.entry_id == NULL || strncmp(r.entry_id, "learning/", 9) == 0);
    replyFree(&r);

    askStr(*state, "Job search: what should a Python developer put on a CV?", &r); /* by title */
    assert_string_equal(r.topic, "jobs");
    assert_int_equal(r.kind, REPLY_ANSWER);
    assert_string_equal(r.entry_id, "jobs/cv");
    for (size_t i = 0; i < r.nhits; i++) assert_memory_equal(r.hits[i].id, "jobs/", 5);
    replyFree(&r);

    askStr(*state, "note: i am new, is a coding bootcamp worth it?", &r); /* not a topic */
    assert_null(r.topic);
    assert_int_equal(r.kind, REPLY_ANSWER);
    assert_string_equal(r.entry_id, "learning/bootcamps");
    replyFree(&r);
}

static void testChitchat(void **state) {
    const char *inputs[] = {"hi", "Hello!", "hey", "hi there", "thanks", "Thank you!", "thx", "ty",
                            "good bot", "bye", "who are you?", "Thanks, careerbot"};
    for (size_t i = 0; i < CB_ARRAY_LEN(inputs); i++) {
        hndReply r;
        askStr(*state, inputs[i], &r);
        if (r.kind != REPLY_CHITCHAT) fail_msg("'%s': kind %d", inputs[i], r.kind);
        assert_true(strlen(r.body) > 0 && strlen(r.body) < 400);
        assert_int_equal(r.nhits, 0);
        replyFree(&r);
    }
    hndReply r;
    askStr(*state, "what can you do?", &r);
    assert_int_equal(r.kind, REPLY_CHITCHAT);
    assertHas(r.body, "`topics`"); /* like help */
    replyFree(&r);
    askStr(*state, "hiring managers want what on a cv?", &r); /* "hi" prefix is not a greeting */
    assert_int_not_equal(r.kind, REPLY_CHITCHAT);
    replyFree(&r);
}

static void testGreetingThenQuestion(void **state) {
    hndReply plain;
    askStr(*state, "is a coding bootcamp worth it?", &plain);
    assert_non_null(plain.normalized);
    const char *inputs[] = {"hi, is a coding bootcamp worth it?", "Hello there! Is a coding bootcamp worth it?",
                            "hey - is a coding bootcamp worth it?", "Good morning! Is a coding bootcamp worth it?",
                            "howdy team, is a coding bootcamp worth it?",
                            "@careerbot is a coding bootcamp worth it?", /* a mention typed as text */
                            "@Bot, is a coding bootcamp worth it?"};
    for (size_t i = 0; i < CB_ARRAY_LEN(inputs); i++) {
        hndReply r;
        askStr(*state, inputs[i], &r);
        if (r.kind != REPLY_ANSWER) fail_msg("'%s': kind %d", inputs[i], r.kind);
        assert_string_equal(r.entry_id, "learning/bootcamps");
        assert_string_equal(r.normalized, plain.normalized); /* the greeting was dropped */
        replyFree(&r);
    }
    hndReply r;
    askStr(*state, "@carl is a coding bootcamp worth it?", &r); /* not our name: a word */
    assert_non_null(r.normalized);
    assert_string_not_equal(r.normalized, plain.normalized);
    replyFree(&r);
    replyFree(&plain);
    askStr(*state, "@careerbot help", &r); /* a typed mention before a command, or alone */
    assert_int_equal(r.kind, REPLY_INFO);
    replyFree(&r);
    askStr(*state, "@careerbot", &r);
    assert_int_equal(r.kind, REPLY_CHITCHAT);
    replyFree(&r);
}

/* Thousands of greetings: answered without deep recursion or a crash. */
static void testManyGreetings(void **state) {
    char *s = cbMalloc(HND_MAX_QUESTION + 1);
    size_t n = 0;
    while (n + 4 <= HND_MAX_QUESTION) memcpy(s + n, "hi, ", 4), n += 4;
    hndReply r;
    ask(*state, s, n, &r);
    assert_int_not_equal(r.kind, REPLY_ANSWER);
    replyFree(&r);
    free(s);
}

static void testAbstain(void **state) {
    hndReply r;
    askStr(*state, "what is the airspeed velocity of an unladen swallow", &r);
    assert_int_equal(r.kind, REPLY_ABSTAIN);
    assert_true(r.nsuggestions <= 3);
    assertHas(r.body, "don't know");
    assertHas(r.body, "`jobs`");
    assertHas(r.body, "`topics`");
    assert_null(r.entry_id);
    replyFree(&r);
}

/* With an answer threshold nobody reaches, a good question is a "did you mean". */
/* "show" alone explains itself; a mistyped id or topic gets the closest. */
static void testShowUsageAndClosest(void **state) {
    const char *bare[] = {"show", "/show", "SHOW", "/faq show"};
    for (size_t i = 0; i < CB_ARRAY_LEN(bare); i++) {
        hndReply r;
        askStr(*state, bare[i], &r);
        if (r.kind != REPLY_INFO) fail_msg("'%s': kind %d", bare[i], r.kind);
        assertHas(r.body, "needs an answer id, for example `show ");
        replyFree(&r);
    }
    hndReply r;
    askStr(*state, "show learning/bootcmps", &r);
    assert_int_equal(r.kind, REPLY_ERROR);
    assertHas(r.body, "Did you mean `show learning/bootcamps`?");
    replyFree(&r);
    askStr(*state, "show zzz/qqqqqqqq", &r); /* nothing close: no guess */
    assert_int_equal(r.kind, REPLY_ERROR);
    assert_null(strstr(r.body, "Did you mean"));
    replyFree(&r);
    askStr(*state, "topic lerning", &r);
    assert_int_equal(r.kind, REPLY_ERROR);
    assertHas(r.body, "Did you mean `topic learning`?");
    assertHas(r.body, "`frameworks`"); /* and the list */
    replyFree(&r);
    askStr(*state, "topic cooking", &r);
    assert_null(strstr(r.body, "Did you mean"));
    replyFree(&r);
}

/* Chat platforms get no console wording: nothing to "type `show ID`". */
static void testChatWording(void **state) {
    const char *asks[] = {"help", "topic learning", "topics"};
    for (size_t i = 0; i < CB_ARRAY_LEN(asks); i++) {
        hndReply r;
        askChat(*state, asks[i], &r);
        if (strstr(r.body, "show ID") || strstr(r.body, "Type `show"))
            fail_msg("'%s' on Slack: console wording in [%s]", asks[i], r.body);
        replyFree(&r);
        askStr(*state, asks[i], &r); /* the console keeps it where it helps */
        if (i < 2) assertHas(r.body, "show ID");
        replyFree(&r);
    }
    knowledge *k = loadKnowledge(1.01);
    assert_non_null(k);
    hndReply r;
    askChat(k, "django or flask for a beginner", &r);
    assert_int_equal(r.kind, REPLY_DID_YOU_MEAN);
    assertHas(r.body, "Pick one below");
    assert_null(strstr(r.body, "show ID"));
    replyFree(&r);
    knowledgeFree(k);
}

static void testDidYouMean(void **state) {
    (void)state;
    knowledge *k = loadKnowledge(1.01);
    assert_non_null(k);
    hndContext ctx = {.k = k, .max_suggestions = 2};
    const char *q = "django or flask for a beginner";
    hndRequest req = {.text = q, .len = strlen(q)};
    hndReply r;
    hndHandle(&ctx, &req, &r);
    assert_int_equal(r.kind, REPLY_DID_YOU_MEAN);
    assert_true(r.nsuggestions >= 1 && r.nsuggestions <= 2);
    assert_string_equal(r.suggestions[0].id, "frameworks/django-vs-flask");
    assert_string_equal(r.suggestions[0].question, "Should I learn Django or Flask first?");
    assert_true(r.suggestions[0].confidence > 0);
    assert_null(r.entry_id);
    assertHas(r.body, "not sure");
    replyFree(&r);
    ctx.max_hits = 1;
    hndHandle(&ctx, &req, &r);
    assert_int_equal(r.nhits, 1);
    replyFree(&r);
    knowledgeFree(k);
}

/* Two questions in one message: the answer to one, the other's entry as
 * a choice ("You also asked"), not repeated among the related entries
 * (jobs/cv lists jobs/first-job as related). */
static void testAlsoAsked(void **state) {
    hndReply r;
    askStr(*state, "what should i put on my cv? and how do i get my first job?", &r);
    assert_int_equal(r.kind, REPLY_ANSWER);
    assert_string_equal(r.entry_id, "jobs/cv");
    assert_int_equal(r.nsuggestions, 1);
    assert_string_equal(r.suggestions[0].id, "jobs/first-job");
    assert_true(r.suggestions[0].confidence > 0);
    for (size_t i = 0; i < r.nrelated; i++) assert_string_not_equal(r.related[i].id, "jobs/first-job");
    char *t = renderTerminal(&r, 0);
    assertHas(t, "You also asked:\n  1. How do I get my first");
    free(t);
    replyFree(&r);
    askStr(*state, "what should a python developer put on a cv?", &r); /* one question */
    assert_int_equal(r.kind, REPLY_ANSWER);
    assert_int_equal(r.nsuggestions, 0);
    replyFree(&r);
}

static void testBadInput(void **state) {
    hndReply r;
    const char *empties[] = {"", "   \t\n ", "/faq", "/faq   ", "@everyone", " @here ",
                             "<!channel> <!here|@here>"};
    for (size_t i = 0; i < CB_ARRAY_LEN(empties); i++) {
        askStr(*state, empties[i], &r);
        assert_int_equal(r.kind, REPLY_ERROR);
        assertHas(r.body, "Ask me a question");
        replyFree(&r);
    }
    ask(*state, NULL, 0, &r);
    assert_int_equal(r.kind, REPLY_ERROR);
    replyFree(&r);

    char *big = cbMalloc(HND_MAX_QUESTION + 2);
    memset(big, 'a', HND_MAX_QUESTION + 1);
    big[HND_MAX_QUESTION + 1] = '\0';
    ask(*state, big, HND_MAX_QUESTION + 1, &r);
    assert_int_equal(r.kind, REPLY_ERROR);
    assertHas(r.body, "4000 bytes");
    replyFree(&r);
    for (size_t i = 0; i < HND_MAX_QUESTION; i += 2) big[i] = ' '; /* at the limit: read */
    ask(*state, big, HND_MAX_QUESTION, &r);
    assert_null(strstr(r.body, "too long"));
    replyFree(&r);
    free(big);

    const char *invalid[] = {"\xff\xfe", "caf\xc3", "\xc0\xaf", "\xed\xa0\x80"};
    for (size_t i = 0; i < CB_ARRAY_LEN(invalid); i++) {
        askStr(*state, invalid[i], &r);
        assert_int_equal(r.kind, REPLY_ERROR);
        assertHas(r.body, "UTF-8");
        replyFree(&r);
    }
    ask(*state, "is a bootcamp\0 worth it", 24, &r); /* NUL inside */
    assert_int_equal(r.kind, REPLY_ERROR);
    replyFree(&r);
}

/* A broadcast ping is addressed to people, not part of the question: the
 * same answer with and without it, on any platform's syntax; an address
 * that merely contains "@here" is text. */
static void testPingsAreNotWords(void **state) {
    hndReply plain, r;
    askStr(*state, "Is a coding bootcamp worth it?", &plain);
    assert_int_equal(plain.kind, REPLY_ANSWER);
    const char *pinged[] = {"@everyone Is a coding bootcamp worth it?",
                            "<!here> Is a coding bootcamp worth it? @HERE",
                            "Is a coding bootcamp worth it? <!channel|@channel>"};
    for (size_t i = 0; i < CB_ARRAY_LEN(pinged); i++) {
        askChat(*state, pinged[i], &r);
        assert_int_equal(r.kind, REPLY_ANSWER);
        assert_string_equal(r.entry_id, plain.entry_id);
        assert_true(r.confidence == plain.confidence);
        replyFree(&r);
    }
    askStr(*state, "write to me at someone@here.org", &r);
    assertHas(r.normalized, "here");
    replyFree(&r);
    replyFree(&plain);
}

/* Knowledge text put into a reply's Markdown (topic lists, help) keeps
 * its characters: "__init__" and "*args" are not formatting. */
static void testKnowledgeTextStaysText(void **state) {
    (void)state;
    const char *q = "What is __init__ for, and *args | [x]?";
    cbBuf b;
    bufInit(&b, 1024);
    bufAppendStr(&b, "- ");
    hndAppendPlain(&b, q);
    char *plain = renderMarkdownToPlain(bufStr(&b), 0), *slack = renderMarkdownToMrkdwn(bufStr(&b));
    char *discord = renderMarkdownToDiscord(bufStr(&b));
    assertHas(plain, q);
    assertHas(slack, "init"); /* Slack has no escapes: look-alikes, not formatting */
    assertHas(slack, "args | [x]?");
    assert_null(strstr(slack, "*args"));
    assertHas(discord, "What is \\_\\_init\\_\\_ for, and \\*args \\| \\[x\\]?");
    free(plain), free(slack), free(discord);
    bufFree(&b);
}

/* The reply owns its strings: free the knowledge, then use every string. */
static void testReplyOutlivesKnowledge(void **state) {
    (void)state;
    const char *qs[] = {"Is a coding bootcamp worth it?", "topics", "topic jobs", "help",
                        "what is the airspeed velocity of an unladen swallow", "show jobs/cv"};
    for (size_t i = 0; i < CB_ARRAY_LEN(qs); i++) {
        knowledge *k = loadKnowledge(i % 2 ? 1.01 : 0);
        assert_non_null(k);
        hndReply r;
        askStr(k, qs[i], &r);
        knowledgeFree(k);
        char *t = renderTerminal(&r, RENDER_TERM_COLOR);
        assert_true(strlen(t) > 0);
        size_t sum = (r.title ? strlen(r.title) : 0) + (r.normalized ? strlen(r.normalized) : 0) +
                     (r.topic ? strlen(r.topic) : 0) + (r.entry_id ? strlen(r.entry_id) : 0);
        for (size_t j = 0; j < r.nhits; j++) sum += strlen(r.hits[j].id);
        assert_true(sum < (size_t)-1);
        free(t);
        replyFree(&r);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testCrisis),
        cmocka_unit_test(testHelp),
        cmocka_unit_test(testTopics),
        cmocka_unit_test(testTopicByNameOrTitle),
        cmocka_unit_test(testUnknownTopic),
        cmocka_unit_test(testShow),
        cmocka_unit_test(testAnswerCopiesEverything),
        cmocka_unit_test(testTopicFilter),
        cmocka_unit_test(testChitchat),
        cmocka_unit_test(testGreetingThenQuestion),
        cmocka_unit_test(testManyGreetings),
        cmocka_unit_test(testAbstain),
        cmocka_unit_test(testShowUsageAndClosest),
        cmocka_unit_test(testChatWording),
        cmocka_unit_test(testDidYouMean),
        cmocka_unit_test(testAlsoAsked),
        cmocka_unit_test(testBadInput),
        cmocka_unit_test(testPingsAreNotWords),
        cmocka_unit_test(testKnowledgeTextStaysText),
        cmocka_unit_test(testReplyOutlivesKnowledge),
    };
    return cmocka_run_group_tests(tests, setupKb, teardownKb);
}
