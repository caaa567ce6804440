/* redact.c - the secret scrubber shared by the logger and the history (see
 * redact.h). Registered secrets are found with strstr; token shapes with a
 * small hand scanner over token characters (no regex engine below the
 * match layer). */
#include "base/redact.h"

#include <stdlib.h>
#include <string.h>

#include "base/common.h"

#define REDACT_MAX_SECRETS 16
#define REDACT_SLACK_MIN_TAIL 10 /* characters after "xoxb-" / "xapp-" */

static const char mask[] = "[redacted]";

static struct {
    char *v[REDACT_MAX_SECRETS];
    int n;
} S;

void redactAddSecret(const char *secret) {
    if (!secret || strlen(secret) < 8 || S.n == REDACT_MAX_SECRETS) return;
    for (int i = 0; i < S.n; i++)
        if (strcmp(S.v[i], secret) == 0) return;
    S.v[S.n++] = cbStrdup(secret);
}

void redactClearSecrets(void) {
    for (int i = 0; i < S.n; i++) free(S.v[i]);
    S.n = 0;
}

/* Replace s[0..n) by the mask (or its first n bytes); the rest moves up. */
static void maskAt(char *s, size_t n) {
    size_t m = strlen(mask) < n ? strlen(mask) : n;
    memcpy(s, mask, m); /* NOLINT(bugprone-not-null-terminated-result): in place */
    memmove(s + m, s + n, strlen(s + n) + 1);
}

static int isB64url(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_';
}

static size_t runOf(const char *s) {
    size_t n = 0;
    while (isB64url(s[n])) n++;
    return n;
}

/* Length of a Slack token starting at s, or 0. */
static size_t slackToken(const char *s) {
    size_t prefix = 0;
    if (strncmp(s, "xox", 3) == 0 && s[3] && strchr("abposr", s[3]) && s[4] == '-') prefix = 5;
    else if (strncmp(s, "xapp-", 5) == 0) prefix = 5;
    if (!prefix) return 0;
    size_t tail = runOf(s + prefix);
    return tail >= REDACT_SLACK_MIN_TAIL ? prefix + tail : 0;
}

/* Length of a Discord bot token starting at s, or 0: base64url of the bot's
 * id (at least 18 characters), a dot, a timestamp part (5-8), a dot, an
 * HMAC part (at least 25). */
static size_t discordToken(const char *s) {
    size_t a = runOf(s);
    if (a < 18 || s[a] != '.') return 0;
    size_t b = runOf(s + a + 1);
    if (b < 5 || b > 8 || s[a + 1 + b] != '.') return 0;
    size_t c = runOf(s + a + b + 2);
    return c >= 25 ? a + b + c + 2 : 0;
}

static int scrubShapes(char *s) {
    int hits = 0;
    for (size_t i = 0; s[i];) {
        if (i > 0 && isB64url(s[i - 1])) { /* only at the start of a run */
            i++;
            continue;
        }
        size_t n = slackToken(s + i);
        if (!n) n = discordToken(s + i);
        if (n) {
            maskAt(s + i, n);
            hits++;
            i += strlen(mask) < n ? strlen(mask) : n;
        } else {
            i++;
        }
    }
    return hits;
}

int redactText(char *s) {
    if (!s) return 0;
    int hits = 0;
    for (int i = 0; i < S.n; i++) {
        size_t n = strlen(S.v[i]);
        char *hit;
        while ((hit = strstr(s, S.v[i])) != NULL) {
            maskAt(hit, n);
            hits++;
        }
    }
    return hits + scrubShapes(s);
}

size_t redactBytes(char *s, size_t len, int *hits) {
    size_t out = 0;
    int n = 0;
    for (size_t i = 0; i <= len;) {
        size_t seg = strnlen(s + i, len - i);
        char keep = s[i + seg]; /* a NUL inside the text, or the terminator */
        s[i + seg] = '\0';
        n += redactText(s + i);
        size_t m = strlen(s + i);
        memmove(s + out, s + i, m);
        out += m;
        if (i + seg < len) s[out++] = '\0';
        s[i + seg] = keep;
        i += seg + 1;
    }
    s[out] = '\0';
    if (hits) *hits = n;
    return out;
}
