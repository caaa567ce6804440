/* render_handoff.c - the messages of a hand-off to human mentors, for
 * Slack (Block Kit) and Discord (embeds, components): the question posted
 * in the mentors' channel, the private note to the asker with a Cancel
 * button, the mentor's answer relayed to the asker, and one-line notices.
 * The words are the same on both platforms, so they live here once; every
 * text from a user or a mentor goes through the platform's plain-text
 * escaper (renderTextToMrkdwn / renderTextToDiscord), so nobody's words
 * can form a mention, <!here> or @everyone. The asker is shown as a
 * mention only when they chose to share their name. */
#include <stdlib.h>
#include <string.h>

#include "base/common.h"
#include "render/action.h"
#include "render/render.h"

#define RH_SLACK_SECTION 2900 /* bytes: under Slack's 3000 characters */
#define RH_DISCORD_DESC 4000  /* bytes: under Discord's 4096 units */
#define RH_DISCORD_FIELD 1000 /* bytes: under 1024 */
#define RH_DISCORD_NAME 200

#define RH_POST_TITLE "A question for a mentor"
#define RH_POST_HOW                                                                          \
    "Reply in a thread on this message: the first reply goes back to the asker, with your " \
    "name (for 7 days). Other replies stay here."
#define RH_ACK_SENT "Sent to the mentors. The first mentor who answers will be relayed to you "
#define RH_RELAY_TITLE "A mentor answered your question"

/* s cut to at most max bytes, on a UTF-8 boundary and not inside an
 * &entity; (Slack escapes). Caller frees. */
static char *rhCut(const char *s, size_t max) {
    size_t n = strlen(s);
    if (n <= max) return cbStrdup(s);
    while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80) max--;
    const char *amp = memchr(s + (max > 8 ? max - 8 : 0), '&', max > 8 ? 8 : max);
    if (amp && !memchr(amp, ';', (size_t)(s + max - amp))) max = (size_t)(amp - s);
    return cbSprintf("%.*s\xE2\x80\xA6", (int)max, s);
}

static char *rhSlackText(const char *plain, size_t max) {
    char *e = renderTextToMrkdwn(plain ? plain : "");
    char *c = rhCut(e, max);
    free(e);
    return c;
}

static char *rhDiscordText(const char *plain, size_t max) {
    char *e = renderTextToDiscord(plain ? plain : "");
    char *safe = renderDiscordSafe(e);
    char *c = rhCut(safe, max);
    cbFreeN(2, e, safe);
    return c;
}

/* A user id safe to put inside <@...>: letters and digits only. */
static int rhIsId(const char *s) {
    if (!s || !*s || strlen(s) > 32) return 0;
    for (; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9')))
            return 0;
    return 1;
}

static char *rhAsker(const renderHandoff *h) {
    return rhIsId(h->asker_id) ? cbSprintf("Asked by <@%s>.", h->asker_id)
                               : cbStrdup("Asked anonymously.");
}

const char *renderHandoffCancelText(int ok) {
    return ok ? "Cancelled: your question was withdrawn from the mentors."
              : "This can no longer be cancelled (it was answered, withdrawn or has expired).";
}

/* ---- Slack ---- */

static json_t *rsSection(const char *mrkdwn) {
    return json_pack("{s:s, s:{s:s, s:s}}", "type", "section", "text", "type", "mrkdwn", "text",
                     *mrkdwn ? mrkdwn : " ");
}

static json_t *rsContext(const char *mrkdwn) {
    return json_pack("{s:s, s:[{s:s, s:s}]}", "type", "context", "elements", "type", "mrkdwn",
                     "text", mrkdwn);
}

json_t *renderSlackHandoffPost(const renderHandoff *h) {
    char *q = rhSlackText(h->question, RH_SLACK_SECTION), *who = rhAsker(h);
    char *head = cbSprintf("*" RH_POST_TITLE "*  %s", who);
    json_t *msg = json_pack("{s:s, s:[o, o, o]}", "text", RH_POST_TITLE, "blocks", rsSection(head),
                            rsSection(q), rsContext(RH_POST_HOW));
    cbFreeN(3, q, who, head);
    return msg;
}

static json_t *rsCancel(const char *token) {
    char *id = actionEncode(ACTION_MENTOR_CANCEL, token);
    json_t *b = json_pack("{s:s, s:{s:s, s:s}, s:s, s:s, s:s}", "type", "button", "text", "type",
                          "plain_text", "text", "Cancel", "action_id", id ? id : "mentor:cancel:-",
                          "value", id ? id : "mentor:cancel:-", "style", "danger");
    free(id);
    return json_pack("{s:s, s:[o]}", "type", "actions", "elements", b);
}

json_t *renderSlackMentorButtons(const char *token) {
    json_t *elems = json_array();
    const struct { const char *label; actionKind kind; } btn[] = {
        {"\xF0\x9F\x99\x8B Ask a mentor", ACTION_MENTOR},
        {"Ask a mentor (show my name)", ACTION_MENTOR_NAMED},
    };
    for (size_t i = 0; i < CB_ARRAY_LEN(btn); i++) {
        char *id = actionEncode(btn[i].kind, token);
        if (id && strlen(id) <= 255)
            json_array_append_new(elems, json_pack("{s:s, s:{s:s, s:s, s:b}, s:s, s:s}", "type",
                                                   "button", "text", "type", "plain_text", "text",
                                                   btn[i].label, "emoji", 1, "action_id", id,
                                                   "value", id));
        free(id);
    }
    return json_pack("{s:s, s:o}", "type", "actions", "elements", elems);
}

json_t *renderSlackHandoffAck(const renderHandoff *h) {
    const char *text = RH_ACK_SENT "here. You can cancel until then.";
    json_t *blocks = json_pack("[o]", rsSection(text));
    if (h->token) json_array_append_new(blocks, rsCancel(h->token));
    return json_pack("{s:s, s:s, s:o}", "response_type", "ephemeral", "text", text, "blocks", blocks);
}

json_t *renderSlackHandoffRelay(const renderHandoff *h) {
    char *name = rhSlackText(h->mentor && *h->mentor ? h->mentor : "a mentor", 200);
    char *q = rhSlackText(h->question, 600), *a = rhSlackText(h->answer, RH_SLACK_SECTION);
    char *head = cbSprintf("*" RH_RELAY_TITLE "* \xE2\x80\x94 %s", name);
    char *asked = cbSprintf("You asked: %s", q);
    json_t *msg = json_pack("{s:s, s:[o, o, o], s:b, s:b}", "text", RH_RELAY_TITLE, "blocks",
                            rsSection(head), rsSection(a), rsContext(asked), "unfurl_links", 0,
                            "unfurl_media", 0);
    cbFreeN(5, name, q, a, head, asked);
    return msg;
}

json_t *renderSlackNotice(const char *text) {
    char *t = rhSlackText(text, RH_SLACK_SECTION);
    json_t *msg = json_pack("{s:s, s:s, s:[o]}", "response_type", "ephemeral", "text", t, "blocks",
                            rsSection(t));
    free(t);
    return msg;
}

/* ---- Discord ---- */

static json_t *rdMessage(json_t *embed, const char *content) {
    json_t *msg = json_pack("{s:[o], s:{s:[]}}", "embeds", embed, "allowed_mentions", "parse");
    if (content) json_object_set_new(msg, "content", json_string(content));
    return msg;
}

json_t *renderDiscordHandoffPost(const renderHandoff *h) {
    char *q = rhDiscordText(h->question, RH_DISCORD_DESC), *who = rhAsker(h);
    json_t *e = json_pack("{s:s, s:s, s:{s:s}, s:i}", "title", RH_POST_TITLE, "description",
                          *q ? q : "\xE2\x80\xA6", "footer", "text", RH_POST_HOW, "color", 0x5865F2);
    json_t *msg = rdMessage(e, who); /* a mention shows the name; parse [] pings nobody */
    cbFreeN(2, q, who);
    return msg;
}

json_t *renderDiscordMentorRow(const char *token) {
    json_t *comps = json_array();
    const struct { const char *label; actionKind kind; } btn[] = {
        {"Ask a mentor", ACTION_MENTOR},
        {"Ask a mentor (show my name)", ACTION_MENTOR_NAMED},
    };
    for (size_t i = 0; i < CB_ARRAY_LEN(btn); i++) {
        char *id = actionEncode(btn[i].kind, token);
        if (id && strlen(id) <= 100)
            json_array_append_new(comps, json_pack("{s:i, s:i, s:s, s:s}", "type", 2, "style", 2,
                                                   "label", btn[i].label, "custom_id", id));
        free(id);
    }
    return json_pack("{s:i, s:o}", "type", 1, "components", comps);
}

json_t *renderDiscordHandoffAck(const renderHandoff *h) {
    json_t *msg = json_pack("{s:s, s:{s:[]}, s:i, s:[]}", "content",
                            RH_ACK_SENT "as a direct message. You can cancel until then.",
                            "allowed_mentions", "parse", "flags", 64, "components");
    char *id = h->token ? actionEncode(ACTION_MENTOR_CANCEL, h->token) : NULL;
    if (id && strlen(id) <= 100)
        json_array_append_new(json_object_get(msg, "components"),
                              json_pack("{s:i, s:[{s:i, s:i, s:s, s:s}]}", "type", 1, "components",
                                        "type", 2, "style", 4, "label", "Cancel", "custom_id", id));
    free(id);
    return msg;
}

/* Text for a place Discord shows as written (an embed's footer, which
 * renders no Markdown): no escapes, only made safe and cut. */
static char *rhDiscordLiteral(const char *plain, size_t max) {
    char *safe = renderDiscordSafe(plain ? plain : "");
    char *c = rhCut(safe, max);
    free(safe);
    return c;
}

json_t *renderDiscordHandoffRelay(const renderHandoff *h) {
    char *name = rhDiscordLiteral(h->mentor && *h->mentor ? h->mentor : "a mentor", RH_DISCORD_NAME);
    char *q = rhDiscordText(h->question, RH_DISCORD_FIELD), *a = rhDiscordText(h->answer, RH_DISCORD_DESC);
    char *foot = cbSprintf("\xE2\x80\x94 %s", name);
    json_t *e = json_pack("{s:s, s:s, s:[{s:s, s:s, s:b}], s:{s:s}, s:i}", "title", RH_RELAY_TITLE,
                          "description", *a ? a : "\xE2\x80\xA6", "fields", "name", "You asked",
                          "value", *q ? q : "\xE2\x80\xA6", "inline", 0, "footer", "text", foot,
                          "color", 0x57F287);
    cbFreeN(4, name, q, a, foot);
    return rdMessage(e, NULL);
}

json_t *renderDiscordNotice(const char *text) {
    char *t = rhDiscordText(text, 1900);
    json_t *msg = json_pack("{s:s, s:{s:[]}, s:i, s:[]}", "content", t, "allowed_mentions", "parse",
                            "flags", 64, "components");
    free(t);
    return msg;
}
