/* test_wrap.c - word wrapping for the terminal (wrap.c): breaks at spaces
 * within the width, hanging indents under bullets, long words whole, ANSI
 * sequences and wide characters measured as the terminal shows them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "base/common.h"
#include "render/wrap.h"

static void testTable(void **state) {
    (void)state;
    static const struct {
        const char *in;
        size_t width;
        const char *want;
    } cases[] = {
        {"one two three four five six seven eight nine ten eleven twelve", 20,
         "one two three four\nfive six seven eight\nnine ten eleven\ntwelve"},
        {"short line\n\nnext paragraph here", 20, "short line\n\nnext paragraph here"},
        {"  \xE2\x80\xA2 a bullet item that runs past the width", 24,
         "  \xE2\x80\xA2 a bullet item that\n    runs past the width"},
        {"  12. numbered item that is long enough to wrap", 26,
         "  12. numbered item that\n      is long enough to\n      wrap"},
        {"see https://example.com/a/very/long/path/that/cannot/break now", 20,
         "see\nhttps://example.com/a/very/long/path/that/cannot/break\nnow"},
        {"\x1b[1mbold words\x1b[0m that are styled go here", 20,
         "\x1b[1mbold words\x1b[0m that are\nstyled go here"},
        {"\xE4\xB8\xAD\xE6\x96\x87\xE5\xAD\x97 \xE4\xB8\xAD\xE6\x96\x87\xE5\xAD\x97 "
         "\xE4\xB8\xAD\xE6\x96\x87\xE5\xAD\x97 \xE4\xB8\xAD\xE6\x96\x87\xE5\xAD\x97",
         19, /* 6 columns a word: three and two spaces are 20 */
         "\xE4\xB8\xAD\xE6\x96\x87\xE5\xAD\x97 \xE4\xB8\xAD\xE6\x96\x87\xE5\xAD\x97\n"
         "\xE4\xB8\xAD\xE6\x96\x87\xE5\xAD\x97 \xE4\xB8\xAD\xE6\x96\x87\xE5\xAD\x97"},
        {"exactly twenty chars", 20, "exactly twenty chars"},
        {"\xE2\x80\xA2 supercalifragilisticexpialidocious-and-more done", 30, /* bullet, long word */
         "\xE2\x80\xA2 supercalifragilisticexpialidocious-and-more\n  done"},
        {"                         deep https://example.com/long", 30, /* too deep to hang */
         "                         deep\nhttps://example.com/long"},
        {"trailing spaces      ", 10, "trailing\nspaces"},
        {"unchanged when width is zero, however long the line is", 0,
         "unchanged when width is zero, however long the line is"},
        {"", 20, ""},
    };
    for (size_t i = 0; i < CB_ARRAY_LEN(cases); i++) {
        char *got = wrapText(cases[i].in, cases[i].width);
        if (strcmp(got, cases[i].want) != 0)
            fail_msg("case %zu (width %zu):\n got: '%s'\nwant: '%s'", i, cases[i].width, got,
                     cases[i].want);
        free(got);
    }
}

/* No output line is wider than the width unless it is one word. */
static void testNeverWider(void **state) {
    (void)state;
    char text[4096] = "";
    for (int i = 0; i < 200; i++) strcat(text, i % 7 ? "word " : "lengthier ");
    for (size_t w = 20; w <= 100; w += 7) {
        char *got = wrapText(text, w);
        for (char *line = strtok(got, "\n"); line; line = strtok(NULL, "\n"))
            if (strlen(line) > w && strchr(line, ' ')) fail_msg("width %zu: '%s'", w, line);
        free(got);
    }
}

static void testWidthFor(void **state) {
    (void)state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    unsetenv("COLUMNS");
    assert_int_equal(wrapWidthFor(fds[1]), 0); /* a pipe: not wrapped */
    setenv("COLUMNS", "72", 1);
    assert_int_equal(wrapWidthFor(fds[1]), 72);
    setenv("COLUMNS", "300", 1);
    assert_int_equal(wrapWidthFor(fds[1]), 100); /* readable lines */
    setenv("COLUMNS", "5", 1);
    assert_int_equal(wrapWidthFor(fds[1]), 0);
    unsetenv("COLUMNS");
    close(fds[0]);
    close(fds[1]);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(testTable),
        cmocka_unit_test(testNeverWider),
        cmocka_unit_test(testWidthFor),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
