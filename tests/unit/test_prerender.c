/* test_prerender.c - answers rendered once per knowledge load
 * (app_prerender.c): every entry's payload, in every confidence band, is
 * byte for byte what rendering the reply now gives; the per-message fields
 * are spliced in as json_object_set would have put them; only answers
 * have a payload; a reload swaps the payloads with the knowledge (an
 * edited answer shows at once) and a failed reload keeps the old ones. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app/process.h"
#include "base/common.h"
#include "base/log.h"
#include "handlers/handler.h"
#include "ops/metrics.h"
#include "render/render.h"

static int nrendered; /* calls of the test renderers */

static char *renderSlackText(const hndReply *r) {
    nrendered++;
    renderOpts o = {.show_votes = r->kind == REPLY_ANSWER};
    json_t *m = renderSlack(r, &o);
    char *t = json_dumps(m, JSON_COMPACT);
    json_decref(m);
    return t;
}

static char *renderDiscordText(const hndReply *r) {
    nrendered++;
    json_t *m = renderDiscord(r, NULL);
    char *t = json_dumps(m, JSON_COMPACT);
    json_decref(m);
    return t;
}

static const appRenderer slackWay = {"test.slack", renderSlackText};
static const appRenderer discordWay = {"test.discord", renderDiscordText};

typedef struct fix {
    cbApp app;
    char dir[64];
} fix;

static int run(const char *cmd) { return system(cmd) == 0 ? 0 : -1; }

static int setup(void **state) {
    setenv("CAREERBOT_TODAY", "2025-06-01", 1);
    logInit(LOG_ERROR, 0, NULL);
    fix *f = cbCalloc(1, sizeof(*f));
    snprintf(f->dir, sizeof(f->dir), "/tmp/cb-prerender-XXXXXX");
    if (!mkdtemp(f->dir)) return -1;
    char cmd[256];
    snprintf(cmd, sizeof(cmd), "cp -r tests/fixtures/app-kb/. %s/", f->dir);
    if (run(cmd) != 0) return -1;
    cfgDefaults(&f->app.cfg);
    free(f->app.cfg.kb_dir);
    f->app.cfg.kb_dir = cbStrdup(f->dir);
    metricsReset();
    if (appReload(&f->app) != CB_OK) return -1;
    *state = f;
    return 0;
}

static int teardown(void **state) {
    fix *f = *state;
    knowledgeFree(f->app.k);
    cfgFree(&f->app.cfg);
    char cmd[256];
    snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
    run(cmd);
    free(f);
    return 0;
}

/* Every entry and band: the payload is what the renderer gives now. */
static void test_payloads_are_the_renders(void **state) {
    fix *f = *state;
    nrendered = 0;
    appPrerenderAdd(&f->app, &slackWay);
    appPrerenderAdd(&f->app, &discordWay);
    appPrerenderAdd(&f->app, &slackWay); /* once is enough */
    const kb *k = f->app.k->kb;
    assert_true(k->nentries > 3);
    assert_int_equal(nrendered, (int)(2 * 3 * k->nentries)); /* 2 ways x 3 bands, done now */
    const double conf[] = {1.0, 0.93, 0.8, 0.79, 0.5, 0.31, 0.0};
    for (size_t e = 0; e < k->nentries; e++) {
        hndContext ctx = {.k = f->app.k};
        hndReply r;
        hndShow(&ctx, k->entries[e].id, &r);
        for (size_t c = 0; c < CB_ARRAY_LEN(conf); c++) {
            r.confidence = conf[c];
            for (int w = 0; w < 2; w++) {
                const appRenderer *how = w ? &discordWay : &slackWay;
                size_t len = 0;
                const char *pre = appPrerendered(&f->app, how, &r, &len);
                assert_non_null(pre);
                char *now = how->render(&r);
                assert_string_equal(pre, now);
                assert_int_equal(len, strlen(now));
                free(now);
            }
        }
        replyFree(&r);
    }
}

/* The splice equals setting the fields on the rendered object. */
static void test_fields_spliced(void **state) {
    fix *f = *state;
    appPrerenderAdd(&f->app, &slackWay);
    hndContext ctx = {.k = f->app.k};
    hndReply r;
    hndShow(&ctx, f->app.k->kb->entries[0].id, &r);
    const char *fields = "{\"channel\":\"C1\\\"x\",\"thread_ts\":\"1.2\",\"unfurl_links\":false}";
    char *got = appPrerenderedWith(&f->app, &slackWay, &r, fields);
    assert_non_null(got);
    renderOpts o = {.show_votes = 1};
    json_t *m = renderSlack(&r, &o), *fj = json_loads(fields, 0, NULL);
    json_object_update(m, fj);
    char *want = json_dumps(m, JSON_COMPACT);
    assert_string_equal(got, want);
    free(got);
    got = appPrerenderedWith(&f->app, &slackWay, &r, "{}");
    char *plain = renderSlackText(&r);
    assert_string_equal(got, plain);
    assert_null(appPrerenderedWith(&f->app, &slackWay, &r, "not json"));
    cbFreeN(3, got, plain, want);
    json_decref(m);
    json_decref(fj);
    replyFree(&r);
}

/* Not an answer, or a way never added: no payload (render it then). */
static void test_only_answers(void **state) {
    fix *f = *state;
    appPrerenderAdd(&f->app, &slackWay);
    hndContext ctx = {.k = f->app.k};
    hndReply r;
    hndShow(&ctx, "no/such-entry", &r);
    size_t len;
    assert_int_equal(r.kind, REPLY_ERROR);
    assert_null(appPrerendered(&f->app, &slackWay, &r, &len));
    replyFree(&r);
    hndShow(&ctx, f->app.k->kb->entries[0].id, &r);
    assert_null(appPrerendered(&f->app, &discordWay, &r, &len));
    /* an answer with a "you also asked" choice is not the entry's usual payload */
    assert_non_null(appPrerendered(&f->app, &slackWay, &r, &len));
    r.suggestions = cbCalloc(1, sizeof(*r.suggestions));
    r.suggestions[r.nsuggestions++] = (replyRef){cbStrdup("x/y"), cbStrdup("Other?"), 0.97};
    assert_null(appPrerendered(&f->app, &slackWay, &r, &len));
    free(r.entry_id); /* an answer without its entry id is not one of ours */
    r.entry_id = NULL;
    assert_null(appPrerendered(&f->app, &slackWay, &r, &len));
    replyFree(&r);
}

static char *payloadOf(fix *f, const char *id) {
    hndContext ctx = {.k = f->app.k};
    hndReply r;
    hndShow(&ctx, id, &r);
    size_t len = 0;
    const char *p = appPrerendered(&f->app, &slackWay, &r, &len);
    replyFree(&r);
    return p ? cbStrdup(p) : NULL;
}

/* A reload renders the new knowledge's answers before it goes live; a
 * broken edit keeps the old knowledge and its payloads. */
static void test_reload_swaps(void **state) {
    fix *f = *state;
    appPrerenderAdd(&f->app, &slackWay);
    const kbEntry *e = &f->app.k->kb->entries[0];
    char *id = cbStrdup(e->id), *path = cbStrdup(e->path);
    char *before = payloadOf(f, id);
    assert_non_null(before);
    assert_null(strstr(before, "ZebraMarker"));
    FILE *fp = fopen(path, "a");
    assert_non_null(fp);
    fputs("\nZebraMarker paragraph added by the test.\n", fp);
    fclose(fp);
    nrendered = 0;
    assert_int_equal(appReload(&f->app), CB_OK);
    assert_true(nrendered > 0); /* at the reload, not at the first reply */
    char *after = payloadOf(f, id);
    assert_non_null(strstr(after, "ZebraMarker"));
    fp = fopen(path, "w");
    fputs("---\nnot: [valid\n", fp);
    fclose(fp);
    assert_int_equal(appReload(&f->app), CB_ERR);
    char *kept = payloadOf(f, id);
    assert_string_equal(kept, after);
    cbFreeN(5, id, path, before, after, kept);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_payloads_are_the_renders, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fields_spliced, setup, teardown),
        cmocka_unit_test_setup_teardown(test_only_answers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reload_swaps, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
