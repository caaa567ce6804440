/* wrap.c - greedy word wrapping by display width (see wrap.h). A line is
 * built in a buffer; when it grows past the width, it is cut at its last
 * breakable space and the rest moves to a new line that starts with the
 * hanging indent. Widths come from utf8proc, so "—", "•" and CJK text
 * count as the terminal shows them. */
#include "render/wrap.h"

#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <utf8proc.h>

#include "base/buf.h"
#include "base/common.h"

#define WRAP_MAX_WIDTH 100
#define WRAP_MAX_OUT (8 * 1024 * 1024)

/* Bytes of the ANSI escape sequence at s (ESC [ ... final byte), or 0. */
static size_t ansiLen(const char *s, size_t n) {
    if (n < 2 || s[0] != '\x1b' || s[1] != '[') return 0;
    for (size_t i = 2; i < n; i++)
        if ((unsigned char)s[i] >= 0x40 && (unsigned char)s[i] <= 0x7E) return i + 1;
    return n;
}

/* The line's prefix: leading spaces, plus "• " or "12. ". *bytes gets its
 * length in bytes (no break inside it); returns its width in columns (the
 * hanging indent of continuation lines). */
static size_t linePrefix(const char *s, size_t n, size_t *bytes) {
    size_t i = 0;
    while (i < n && s[i] == ' ') i++;
    *bytes = i;
    if (n - i >= 4 && memcmp(s + i, "\xE2\x80\xA2 ", 4) == 0) { /* • is 3 bytes, 1 column */
        *bytes = i + 4;
        return i + 2;
    }
    size_t d = i;
    while (d < n && s[d] >= '0' && s[d] <= '9') d++;
    if (d > i && d + 1 < n && s[d] == '.' && s[d + 1] == ' ') *bytes = d + 2;
    return *bytes;
}

/* Bytes of s[0..n) that fit in room display columns. */
static size_t fitPrefix(const char *s, size_t n, size_t room) {
    size_t i = 0, cols = 0;
    while (i < n) {
        size_t a = ansiLen(s + i, n - i);
        if (a) {
            i += a;
            continue;
        }
        utf8proc_int32_t cp;
        utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)s + i, (utf8proc_ssize_t)(n - i), &cp);
        int cw = k > 0 ? utf8proc_charwidth(cp) : 1;
        size_t w = cw > 0 ? (size_t)cw : 0;
        if (cols + w > room) break;
        cols += w;
        i += k > 0 ? (size_t)k : 1;
    }
    return i;
}

/* Where to break s[lo..hi]: its last space, or else the first space after
 * hi (a word wider than the room stays whole); n when there is none. */
static size_t breakAt(const char *s, size_t lo, size_t hi, size_t n) {
    for (size_t i = hi + 1; i-- > lo;)
        if (s[i] == ' ') return i;
    for (size_t i = hi; i < n; i++)
        if (s[i] == ' ') return i;
    return n;
}

/* Wrap one line (without its newline) onto out. */
static void wrapLine(cbBuf *out, const char *s, size_t n, size_t width) {
    size_t prefix;
    size_t hang = linePrefix(s, n, &prefix);
    if (hang + 20 > width) hang = 0; /* too deep to hang under */
    size_t start = 0;
    for (int first = 1;; first = 0) {
        size_t indent = first ? 0 : hang;
        size_t fit = fitPrefix(s + start, n - start, width - indent);
        if (indent) bufPrintf(out, "%*s", (int)indent, "");
        if (start + fit >= n) {
            bufAppend(out, s + start, n - start);
            return;
        }
        size_t lo = start + (first ? prefix : 0); /* never break inside the prefix */
        size_t sp = breakAt(s, lo, start + fit, n), end = sp;
        while (end > lo && s[end - 1] == ' ') end--; /* no trailing blanks */
        bufAppend(out, s + start, end - start);
        while (sp < n && s[sp] == ' ') sp++;
        if (sp >= n) return;
        bufAppendStr(out, "\n");
        start = sp;
    }
}

char *wrapText(const char *text, size_t width) {
    if (!text) return cbStrdup("");
    if (width == 0) return cbStrdup(text);
    cbBuf out;
    bufInit(&out, WRAP_MAX_OUT);
    const char *p = text;
    for (;;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        wrapLine(&out, p, n, width);
        if (!nl) break;
        bufAppendStr(&out, "\n");
        p = nl + 1;
    }
    return bufDetach(&out);
}

size_t wrapWidthFor(int fd) {
    size_t w = 0;
    struct winsize ws;
    if (isatty(fd) && ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) w = ws.ws_col;
    const char *cols = getenv("COLUMNS");
    if (!w && cols && *cols) w = (size_t)strtoul(cols, NULL, 10);
    if (w > WRAP_MAX_WIDTH) w = WRAP_MAX_WIDTH;
    return w >= 20 ? w : 0; /* a silly width: do not wrap */
}
