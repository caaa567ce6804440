/* test_action.c - button ids (render/action.h): the cases the Slack and
 * Discord transports each tested for their own parser, now one codec, plus
 * encode/decode agreement for every kind. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/common.h"
#include "render/action.h"

static void testDecode(void **state) {
    (void)state;
    static const struct { const char *in; actionKind kind; const char *id; } tab[] = {
        {"show:jobs/bootcamps", ACTION_SHOW, "jobs/bootcamps"},
        {"show:frameworks/django", ACTION_SHOW, "frameworks/django"},
        {"vote:up:a/b", ACTION_VOTE_UP, "a/b"},
        {"vote:down:a/b", ACTION_VOTE_DOWN, "a/b"},
        {"share:x/y", ACTION_SHARE, "x/y"},
        {"mentor:ask:0123abcd", ACTION_MENTOR, "0123abcd"},
        {"mentor:named:0123abcd", ACTION_MENTOR_NAMED, "0123abcd"},
        {"mentor:cancel:0123abcd", ACTION_MENTOR_CANCEL, "0123abcd"},
        {"mentor:ask:", ACTION_NONE, NULL},
        {"mentor:0123abcd", ACTION_NONE, NULL},
        {"show:", ACTION_NONE, NULL},
        {"vote:", ACTION_NONE, NULL},
        {"vote:up:", ACTION_NONE, NULL},
        {"vote:sideways:a", ACTION_NONE, NULL},
        {"vote:sideways:a/b", ACTION_NONE, NULL},
        {"SHOW:a/b", ACTION_NONE, NULL},
        {"", ACTION_NONE, NULL},
        {NULL, ACTION_NONE, NULL},
    };
    for (size_t i = 0; i < CB_ARRAY_LEN(tab); i++) {
        const char *id = "unset";
        assert_int_equal(actionDecode(tab[i].in, &id), tab[i].kind);
        if (tab[i].id) assert_string_equal(id, tab[i].id);
        else assert_null(id);
    }
    assert_int_equal(actionDecode(NULL, NULL), ACTION_NONE);
    assert_int_equal(actionDecode("vote:up:a", NULL), ACTION_VOTE_UP);
}

static void testEncode(void **state) {
    (void)state;
    static const struct { actionKind kind; const char *want; } tab[] = {
        {ACTION_SHOW, "show:a/b"},
        {ACTION_VOTE_UP, "vote:up:a/b"},
        {ACTION_VOTE_DOWN, "vote:down:a/b"},
        {ACTION_SHARE, "share:a/b"},
        {ACTION_MENTOR, "mentor:ask:a/b"},
        {ACTION_MENTOR_NAMED, "mentor:named:a/b"},
        {ACTION_MENTOR_CANCEL, "mentor:cancel:a/b"},
    };
    for (size_t i = 0; i < CB_ARRAY_LEN(tab); i++) {
        char *s = actionEncode(tab[i].kind, "a/b");
        assert_string_equal(s, tab[i].want);
        const char *id = NULL;
        assert_int_equal(actionDecode(s, &id), tab[i].kind); /* one table, both ways */
        assert_string_equal(id, "a/b");
        free(s);
    }
    assert_null(actionEncode(ACTION_NONE, "a/b"));
    assert_null(actionEncode(ACTION_SHOW, ""));
    assert_null(actionEncode(ACTION_SHOW, NULL));
}

static void testIsVote(void **state) {
    (void)state;
    assert_true(actionIsVote(ACTION_VOTE_UP));
    assert_true(actionIsVote(ACTION_VOTE_DOWN));
    assert_false(actionIsVote(ACTION_SHOW));
    assert_false(actionIsVote(ACTION_SHARE));
    assert_false(actionIsVote(ACTION_NONE));
    assert_false(actionIsVote(ACTION_MENTOR));
    assert_true(actionIsMentor(ACTION_MENTOR));
    assert_true(actionIsMentor(ACTION_MENTOR_NAMED));
    assert_true(actionIsMentor(ACTION_MENTOR_CANCEL));
    assert_false(actionIsMentor(ACTION_VOTE_DOWN));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testDecode),
        cmocka_unit_test(testEncode),
        cmocka_unit_test(testIsVote),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
