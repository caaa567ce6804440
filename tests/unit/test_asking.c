/* test_asking.c - the part of a message that asks (asking.h): a table of
 * messages and the sentences kept, and NULL whenever that part would be
 * the whole message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/common.h"
#include "match/asking.h"

static void testTable(void **state) {
    (void)state;
    static const struct {
        const char *msg, *want; /* want NULL: the whole message */
    } cases[] = {
        {"I'm 39, eight years in logistics. Too old to switch?", "Too old to switch?"},
        {"39 and wanna become a dev. too old? be honest", "too old?"},
        {"Is Django worth it? I like it. Or is Flask better?", "Is Django worth it? Or is Flask better?"},
        {"I work in a warehouse. how can i get experience", "how can i get experience"},
        {"hi all\nhow do I start with open source?", "how do I start with open source?"},
        {"hi all\r\n\r\n  how do I start?  \n", "how do I start?"},
        {"I have 3.5 years in. what now?", "what now?"},
        {"Python 3.12 or 3.13? Asking for a course.", "Python 3.12 or 3.13?"}, /* no end in 3.12 */
        {"I use node.js. Should I learn Django?", "Should I learn Django?"},
        {"Plan B. What now?", "What now?"},
        {"Some jobs, e.g. in the U.S. want a degree. Is that true?", "Is that true?"},
        {"Bootcamp!! worth it??", "worth it??"},
        {"Should I learn Django?", NULL},
        {"Is it late? Am I too old?", NULL}, /* every sentence asks */
        {"just one statement without a mark", NULL},
        {"", NULL},
        {"   \n\n  ", NULL},
        {"...", NULL},
        {"Привет. Стоит ли учить Django?", "Стоит ли учить Django?"}, /* UTF-8 kept whole */
        {"line one\nline two", "line two"},
        {"e.g. this?", NULL}, /* initials end no sentence */
        {"i.e. django. ok?", "ok?"},
    };
    int bad = 0;
    for (size_t i = 0; i < CB_ARRAY_LEN(cases); i++) {
        size_t n = 99;
        char *got = askingPart(cases[i].msg, strlen(cases[i].msg), &n);
        int ok = cases[i].want ? got && strcmp(got, cases[i].want) == 0 && n == strlen(got)
                               : !got && n == 0;
        if (!ok) {
            print_error("'%s': got '%s', want '%s'\n", cases[i].msg, got ? got : "(whole)",
                        cases[i].want ? cases[i].want : "(whole)");
            bad++;
        }
        free(got);
    }
    assert_int_equal(bad, 0);
}

/* Each sentence that asks, on its own (askingSentences), bounded by max. */
static void testSentences(void **state) {
    (void)state;
    const char *m = "I'm 30. Is X legit? and is Y as good?\nthanks!  Z? ";
    size_t at[4], n[4];
    assert_int_equal(askingSentences(m, strlen(m), at, n, 4), 3);
    assert_true(n[0] == strlen("Is X legit?") && strncmp(m + at[0], "Is X legit?", n[0]) == 0);
    assert_true(n[1] == strlen("and is Y as good?") && strncmp(m + at[1], "and is Y", 8) == 0);
    assert_true(n[2] == 2 && strncmp(m + at[2], "Z?", 2) == 0);
    assert_int_equal(askingSentences(m, strlen(m), at, n, 2), 2); /* at most max */
    assert_int_equal(askingSentences("No question here.", 17, at, n, 4), 0);
    assert_int_equal(askingSentences("", 0, at, n, 4), 0);
}

/* Not NUL-terminated input: only len bytes are read. */
static void testLengthBound(void **state) {
    (void)state;
    const char msg[] = {'A', '.', ' ', 'B', '?', ' ', 'C', '.'};
    size_t n = 0;
    char *got = askingPart(msg, sizeof(msg), &n);
    assert_non_null(got);
    assert_string_equal(got, "B?");
    free(got);
    got = askingPart(msg, 5, &n); /* "A. B?": cut before C */
    assert_non_null(got);
    assert_string_equal(got, "B?");
    free(got);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testTable),
        cmocka_unit_test(testLengthBound),
        cmocka_unit_test(testSentences),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
