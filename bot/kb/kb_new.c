/* kb_new.c - `kb new TOPIC/SLUG`: write a template entry (YAML front
 * matter) in which every field is present and explained, by comments and
 * by the placeholder values themselves; each value carries the
 * KB_PLACEHOLDER marker, which `kb check` reports as an error until it is
 * replaced (so a half-edited template can never be loaded by the bot). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/common.h"
#include "kb/kb_export.h"
#include "kb/kb_int.h"

#define P KB_PLACEHOLDER ": "

static const char kbEntryTemplate[] =
    "---\n"
    "# Replace every value marked " KB_PLACEHOLDER "; `careerbot kb check` fails until\n"
    "# none is left. Lines starting with # are comments. Quote a value with '...'\n"
    "# when it contains ': ' or ' #'.\n"
    "question: '" P "the main question, as a Python developer would ask it'\n"
    "# The short answer in plain text, at most 40 words: chat platforms show it first.\n"
    "summary: '" P "the answer in one or two sentences'\n"
    "# Other ways to ask the same thing (5 or more help matching).\n"
    "alternates:\n"
    "  - '" P "another way to ask the same thing'\n"
    "  - '" P "one more phrasing; delete items you do not need'\n"
    "keywords:\n"
    "  - '" P "a word or short phrase people use for this subject'\n"
    "# Optional PCRE2 regexes, matched case-insensitively; single quotes keep\n"
    "# backslashes as written ('\\bpcep\\b'). Use `patterns: []` for none.\n"
    "patterns:\n"
    "  - '" P "a regex that can only mean this question'\n"
    "sources:\n"
    "  - title: '" P "title of the page this answer is based on'\n"
    "    url: '" P "https://... address of that page (only a title starting with "
    "\"" KB_SEED_TITLE "\" may have none)'\n"
    "    publisher: '" P "who published it (optional; delete this line if unknown)'\n"
    "    date: '" P "YYYY-MM-DD when it was published (optional)'\n"
    "# Further reading shown under the answer (2 or more).\n"
    "links:\n"
    "  - title: '" P "further reading for the user'\n"
    "    url: '" P "https://...'\n"
    "related:\n"
    "  - '" P "ids of related entries, like topic/slug; use related: [] for none'\n"
    "updated: '" P "YYYY-MM-DD, the day you last checked this entry'\n"
    "---\n"
    "\n"
    P "the answer in Markdown (60 to 250 words): answer the question directly first,\n"
    "then give the details. Then run `careerbot kb check`.\n";

static const char kbTopicTemplate[] =
    "{\n"
    "  \"title\": \"" P "the topic's name as users see it, e.g. Frameworks\",\n"
    "  \"description\": \"" P "one sentence saying what questions this topic covers\"\n"
    "}\n";

/* Create path exclusively and write text; CB_ERR if it exists. */
static int kbCreate(const char *path, const char *text, char *err) {
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (fd < 0)
        return cbErr(err, errno == EEXIST ? "%s already exists; not overwriting it"
                                          : "cannot create %s: %s",
                     path, strerror(errno));
    size_t n = strlen(text), off = 0;
    while (off < n) {
        ssize_t w = write(fd, text + off, n - off);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            close(fd);
            return cbErr(err, "cannot write %s: %s", path, strerror(errno));
        }
        off += (size_t)w;
    }
    return close(fd) == 0 ? CB_OK : cbErr(err, "cannot write %s: %s", path, strerror(errno));
}

/* A JSON string is a valid YAML double-quoted scalar. Caller frees. */
static char *kbQuoted(const char *s) {
    json_t *j = json_string(s ? s : "");
    char *q = j ? json_dumps(j, JSON_ENCODE_ANY) : NULL;
    json_decref(j);
    return q ? q : cbStrdup("\"\"");
}

/* The template with the question and alternates filled in (the rest stays
 * placeholders). The template as it is when a marker is not found. */
static char *kbDraftText(const char *question, const char *const *alts, size_t n) {
    const char *t = kbEntryTemplate, *q = strstr(t, "\nquestion: "), *a = strstr(t, "\nalternates:\n"),
               *k = strstr(t, "\nkeywords:");
    if (!q || !a || !k || !(q < a && a < k)) return cbStrdup(t);
    const char *qend = strchr(q + 1, '\n');
    cbBuf b;
    bufInit(&b, KB_MAX_FILE);
    char *qs = kbQuoted(question);
    bufPrintf(&b, "%.*s\nquestion: %s%.*s\n", (int)(q - t), t, qs, (int)(a - qend), qend);
    free(qs);
    if (n == 0) /* none known: the template's placeholders ask for them */
        bufPrintf(&b, "%.*s", (int)(k - a - 1), a + 1);
    else
        bufAppendStr(&b, "alternates:\n");
    for (size_t i = 0; i < n; i++) {
        char *as = kbQuoted(alts[i]);
        bufPrintf(&b, "  - %s\n", as);
        free(as);
    }
    bufAppendStr(&b, k + 1);
    char *out = cbStrdup(bufStr(&b));
    bufFree(&b);
    return out;
}

int kbNewEntry(const char *dir, const char *id, char **path, char *err) {
    return kbNewEntryDraft(dir, id, NULL, NULL, 0, NULL, path, err);
}

/* text with its body (after the closing ---) replaced by answer, under a
 * placeholder line. Caller frees. */
static char *kbWithAnswer(char *text, const char *answer) {
    char *end = strstr(text, "\n---\n");
    if (!answer || !end) return text;
    char *out = cbSprintf("%.*s\n---\n\n" P "the answer below is a mentor's reply to this question; "
                          "rewrite it in the bot's own words (60 to 250 words, the direct answer "
                          "first), give its sources, delete this line, then run `careerbot kb "
                          "check`.\n\n%s\n",
                          (int)(end - text), text, answer);
    free(text);
    return out;
}

int kbNewIdValid(const char *id) { return kbValidId(id); }
int kbNewIdReserved(const char *id) { return kbReservedTopic(id); }

int kbNewEntryDraft(const char *dir, const char *id, const char *question,
                    const char *const *alts, size_t n, const char *answer, char **path, char *err) {
    *path = NULL;
    if (kbReservedTopic(id))
        return cbErr(err, "'%s': the topic name '" KB_EXAMPLES_DIR "' is reserved for the folder "
                          "of training questions (knowledge/" KB_EXAMPLES_DIR "/); pick another topic",
                     id);
    if (!kbValidId(id))
        return cbErr(err, "'%s' is not TOPIC/SLUG (lowercase letters, digits and '-', e.g. "
                          "frameworks/django-vs-flask)",
                     id);
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return cbErr(err, "%s is not a directory (use --kb DIR)", dir);
    size_t tn = strcspn(id, "/");
    char *tdir = cbSprintf("%s/%.*s", dir, (int)tn, id);
    char *file = cbSprintf("%s/%s.md", dir, id);
    char *tjson = cbSprintf("%s/_topic.json", tdir);
    int rc = CB_OK;
    if (stat(file, &st) == 0) rc = cbErr(err, "%s already exists; not overwriting it", file);
    else if (mkdir(tdir, 0755) != 0 && errno != EEXIST)
        rc = cbErr(err, "cannot create %s: %s", tdir, strerror(errno));
    else if (stat(tjson, &st) != 0) rc = kbCreate(tjson, kbTopicTemplate, err);
    if (rc == CB_OK) {
        char *text = question ? kbDraftText(question, alts, n) : cbStrdup(kbEntryTemplate);
        text = kbWithAnswer(text, answer);
        rc = kbCreate(file, text, err);
        free(text);
    }
    free(tdir);
    free(tjson);
    if (rc == CB_OK) *path = file;
    else free(file);
    return rc;
}
