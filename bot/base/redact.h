/* redact.h - one scrubber for secrets, used by the logger (every line) and
 * by the history (every stored question), and every question before it is
 * answered (app.c, `ask`): the bot's own tokens, registered
 * at start-up, and any string shaped like a Slack token (xoxb-/xoxp-/xoxa-/
 * xoxo-/xoxs-/xoxr-..., xapp-...) or a Discord bot token (three base64url
 * parts joined by dots), so a token a user pastes into a question is never
 * stored or logged. Each hit becomes "[redacted]"; text never grows. */
#ifndef CB_REDACT_H
#define CB_REDACT_H

#include <stddef.h>

void redactAddSecret(const char *secret); /* copies; ignores strings under 8 bytes */
void redactClearSecrets(void);
/* Replace secrets and token-shaped strings in s, in place (s may shorten).
 * Returns the number of replacements. */
int redactText(char *s);
/* The same over len bytes that may hold NULs (each part between them
 * scrubbed, the NULs kept); s[len] must be writable and is set to NUL.
 * Returns the new length; *hits (may be NULL) the replacements. */
size_t redactBytes(char *s, size_t len, int *hits);

#endif
