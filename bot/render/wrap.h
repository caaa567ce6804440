/* wrap.h - word wrapping of rendered terminal text to the terminal's width
 * (the console and `careerbot ask`), so answers read as paragraphs instead
 * of lines the terminal breaks mid-word. */
#ifndef CB_WRAP_H
#define CB_WRAP_H

#include <stddef.h>

/* text re-flowed so no line is wider than width display columns, breaking
 * at spaces only (a longer word, e.g. a URL, stays whole). Continuation
 * lines keep the line's indentation, and after a bullet ("  • ", "  2. ")
 * align with the bullet's text. ANSI SGR sequences take no width; wide
 * characters take two. width 0: an unchanged copy. Caller frees. */
char *wrapText(const char *text, size_t width);

/* The width to wrap fd's output to: the terminal's columns when fd is a
 * terminal (else $COLUMNS when set), at most 100 for readability; 0 when
 * output is not a terminal and $COLUMNS is unset (pipes stay unwrapped). */
size_t wrapWidthFor(int fd);

#endif
