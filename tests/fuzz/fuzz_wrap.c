/* fuzz_wrap.c - libFuzzer target for terminal wrapping (wrap.c): the first
 * byte picks the width, the rest is the text (any bytes, invalid UTF-8 and
 * escape sequences included). Must never crash or leak, and wrapping only
 * changes spaces and newlines: the other bytes come out in the same order. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/common.h"
#include "render/wrap.h"

static size_t keep(const char *s, char *out) { /* the bytes that are not blanks */
    size_t n = 0;
    for (; *s; s++)
        if (*s != ' ' && *s != '\n') out[n++] = *s;
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1 || size > 16384) return 0;
    size_t width = data[0] % 2 ? 0 : 20 + data[0] % 80;
    char *in = cbStrndup((const char *)data + 1, size - 1); /* stops at a NUL */
    char *out = wrapText(in, width);
    char *a = malloc(strlen(in) + 1), *b = malloc(strlen(out) + 1);
    size_t na = keep(in, a), nb = keep(out, b);
    if (na != nb || memcmp(a, b, na) != 0) abort();
    free(a);
    free(b);
    free(out);
    free(in);
    return 0;
}
