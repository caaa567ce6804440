/* common.h - the few things every careerbot module shares: the OK/ERR
 * status convention (Redis style: a function returns CB_OK or CB_ERR and,
 * on CB_ERR, fills a caller-supplied message buffer of CB_ERRLEN bytes),
 * allocation wrappers that abort on out-of-memory (a chat bot that cannot
 * allocate 100 bytes cannot do anything useful), and small string helpers.
 * Invariants are checked with assert(); runtime failures with CB_ERR. */
#ifndef CB_COMMON_H
#define CB_COMMON_H

#include <assert.h>
#include <stdarg.h>
#include <stddef.h>

#define CB_OK 0
#define CB_ERR (-1)
#define CB_ERRLEN 512

/* Exit codes shared by the CLI and the transports. */
#define CB_EXIT_OK 0
#define CB_EXIT_FAIL 1
#define CB_EXIT_USAGE 2
#define CB_EXIT_CONFIG 78 /* EX_CONFIG: bad token, fatal close code, bad config */

/* The release, and where the project is described (Discord's User-Agent
 * names both: "DiscordBot ($url, $version)"). CB_PROJECT_URL is only the
 * default of the config key discord.project_url; a build may set its own
 * (make PROJECT_URL=https://...). */
#define CB_VERSION "0.1.0"
#ifndef CB_PROJECT_URL
#define CB_PROJECT_URL "https://github.com/careerbot/careerbot"
#endif

#define CB_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Fill err (CB_ERRLEN bytes, may be NULL) with a formatted message. Always
 * returns CB_ERR so callers can write `return cbErr(err, "...")`. */
int cbErr(char *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

void *cbMalloc(size_t n);
void *cbCalloc(size_t n, size_t size);
#define CB_HUGE_PAGE ((size_t)2 << 20) /* bytes: x86-64 and arm64 transparent huge pages */
void *cbCallocLarge(size_t n, size_t size); /* zeroed, in huge pages when large; free() */
void *cbRealloc(void *p, size_t n);
char *cbStrdup(const char *s);         /* NULL in, NULL out */
char *cbStrndup(const char *s, size_t n);
char *cbSprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* a then b in one new string: cbSprintf("%s%s") for hot paths (~50 instructions, not ~1.7k) */
char *cbConcat(const char *a, const char *b);
/* free() each of the n pointers that follow (any may be NULL): one line
 * for a record's owned strings and the record itself. */
void cbFreeN(size_t n, ...);

/* Monotonic clock in milliseconds / microseconds; wall clock in seconds. */
double cbNowMs(void);
double cbNowUs(void);
/* CPU time of the calling thread in milliseconds (a slice's own work, not
 * the time another process held the core). */
double cbCpuMs(void);
long long cbWallTime(void);

/* 1 if s[0..len) is valid UTF-8 without NUL bytes, else 0. */
int cbValidUtf8(const char *s, size_t len);
/* The length of the control character at s (C0, DEL, or a C1 control
 * encoded in UTF-8, U+0080..U+009F, or a bidirectional embedding,
 * override or isolate, U+202A..U+202E and U+2066..U+2069, which reorder
 * what a reader sees), 0 when s starts with anything else (or is at its
 * end). Text from users that reaches a terminal or a file a maintainer
 * opens drops these: an escape sequence in a question must not retitle or
 * recolour the maintainer's terminal. */
size_t cbControlLen(const char *s);

/* Code point cp as UTF-8 in out (4 bytes of room); NUL, surrogates and
 * values past U+10FFFF become U+FFFD. Returns the bytes written. */
size_t cbUtf8Encode(unsigned long cp, char out[4]);

/* The name in names[0..n) closest to s[0..len) (Levenshtein, ASCII case
 * folded), or NULL when even the closest is more than a third of s away
 * (at least 2 edits allowed): the "did you mean" of ids, keys and topics. */
const char *cbClosestName(const char *s, size_t len, const char *const *names, size_t n);

#endif
