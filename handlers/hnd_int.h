/* hnd_int.h - helpers shared by the handler's own files (handler.c,
 * chitchat.c, info.c). Not an interface for transports: they use
 * handler.h. */
#ifndef CB_HND_INT_H
#define CB_HND_INT_H

#include <stddef.h>

#include "base/buf.h"
#include "handlers/handler.h"

#define HND_BODY_MAX (1024 * 1024) /* bytes of a generated reply body */

/* ---- chitchat.c ---- */
/* When the whole message s[0..len) is chit-chat ("hi", "thanks!", "good
 * bot") by k's small talk, its phrase (owned by k): its reply is the
 * Markdown to give, or NULL when the message asks what the bot can do
 * (answer with the help text). NULL when the message is not chit-chat. */
const kbSmalltalkPhrase *hndChitchat(const kb *k, const char *s, size_t len);
/* Bytes of a leading greeting of k's to skip ("hi, " in "hi, are bootcamps
 * worth it?"), including the separators after it; 0 when there is none or
 * when nothing follows it. */
size_t hndGreetingPrefix(const kb *k, const char *s, size_t len);

/* ---- info.c ---- */
/* The help text as kind (REPLY_INFO, or REPLY_CHITCHAT for "what can you do"). */
void hndHelp(const hndContext *ctx, hndReply *out, replyKind kind);
void hndTopics(const hndContext *ctx, hndReply *out);
void hndTopicQuestions(const hndContext *ctx, const kbTopic *t, hndReply *out);
/* REPLY_ERROR: unknown topic name[0..len), the closest known name if one
 * is close, and the list of topics. */
void hndUnknownTopic(const hndContext *ctx, const char *name, size_t len, hndReply *out);
/* "- **Title** (`name`)" lines, one per topic. */
/* Knowledge text (a question, a topic's title or description) into the
 * Markdown of a reply, its Markdown characters escaped: "__init__" or
 * "*args" in a question stay as written on every platform. */
void hndAppendPlain(cbBuf *b, const char *s);
void hndAppendTopicList(const kb *k, cbBuf *b, int with_details);
/* A topic by name or title: ASCII case-insensitive, '-', '_' and ' ' equal. */
const kbTopic *hndFindTopic(const kb *k, const char *name, size_t len);
/* Fill out as REPLY_ERROR with a formatted Markdown body. */
void hndError(hndReply *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- handler.c ---- */
/* Trim ASCII whitespace from both ends of s[0..*len); returns the new start. */
const char *hndTrim(const char *s, size_t *len);

#endif
