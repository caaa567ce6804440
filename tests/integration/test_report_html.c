/* test_report_html.c - `careerbot report --format html` is one page a
 * browser shows with its charts: the page is written from a known history,
 * rendered by headless Chromium (no network: the page needs none), and
 * both what Chromium built (the DOM: three SVG charts whose marks carry
 * the history's figures, no script, no external resource) and what it
 * drew (the screenshot: right size, not blank, the bar colors of the open
 * questions and the votes charts on screen) are checked. Set
 * CB_KEEP_REPORT=1 to keep the page and the screenshot for a look. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "base/common.h"
#include "cli/cli.h"
#include "ops/history.h"
#include "tproc.h"

#define SHOT_W 1200
#define SHOT_H 1800

static char dir[128], db[200], html[200], shot[200];

static void q(histStore *h, long long t, const char *user, const char *platform, const char *text,
              const char *outcome, const char *entry, double conf, const char *cands) {
    histQuestion x = {.time = t, .platform = platform, .channel_kind = "channel", .user = user,
                      .question = text, .normalized = "", .outcome = outcome, .entry_id = entry,
                      .confidence = conf, .candidates_json = cands};
    assert_int_equal(histRecordQuestion(h, &x, 0.7), CB_OK);
}

/* Three days of questions on two platforms, votes on two entries. */
static void makeHistory(void) {
    char err[CB_ERRLEN];
    histStore *h = histOpen(db, NULL, err);
    assert_non_null(h);
    long long now = cbWallTime();
    const char *g[] = {"Which ergonomic keyboard should I buy?", "ergonomic keyboard??", "Picking an ergonomic keyboard"};
    const char *pay[] = {"what do python devs earn", "What do Python developers earn?"};
    const char *cand = "[{\"id\":\"jobs/first-job\",\"confidence\":0.25}]";
    for (int day = 2; day >= 0; day--) {
        long long t = now - day * 86400;
        for (int i = 0; i <= 3 - day && i < 3; i++) /* 2, 3, 3 questions */
            q(h, t - i, "U1", "slack", g[i], "abstain", NULL, 0, cand);
        q(h, t, "U2", "discord", pay[day % 2], "did_you_mean", NULL, 0.3, "[]");
        for (int i = 0; i < 4 + day; i++)
            q(h, t, "U3", day % 2 ? "discord" : "slack", "django or flask", "answer",
              "frameworks/django-vs-flask", 0.9, "[]");
    }
    q(h, now, "U4", "slack", "how do I bake sourdough bread", "abstain", NULL, 0, "[]");
    const char *users[] = {"a", "b", "c", "d", "e"};
    for (size_t i = 0; i < CB_ARRAY_LEN(users); i++) {
        histVote v = {.time = now, .platform = "slack", .channel_kind = "channel", .user = users[i],
                      .entry_id = i < 3 ? "frameworks/django-vs-flask" : "jobs/cv", .helpful = i != 1};
        assert_int_equal(histRecordVote(h, &v, NULL, NULL), CB_OK);
    }
    histClose(h);
}

static void writeHtml(void) {
    char *argv[] = {"report", "--format", "html", "--db", db, "--kb", "tests/fixtures/app-kb", NULL};
    fflush(stdout);
    int save = dup(1), fd = open(html, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(save >= 0 && fd >= 0);
    dup2(fd, 1);
    int rc = cmdReport(7, argv);
    fflush(stdout);
    dup2(save, 1);
    close(fd);
    close(save);
    assert_int_equal(rc, CB_EXIT_OK);
}

/* ---- the screenshot: a PNG read with zlib ---- */

typedef struct png {
    unsigned w, h, channels;
    unsigned char *px; /* w * h * channels */
} png;

static unsigned be32(const unsigned char *p) {
    return (unsigned)p[0] << 24 | (unsigned)p[1] << 16 | (unsigned)p[2] << 8 | p[3];
}

static int paeth(int a, int b, int c) {
    int p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);
    return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/* Undo the per-row filters of 8-bit samples (PNG spec, section 9). */
static void unfilter(png *img, const unsigned char *raw) {
    size_t stride = (size_t)img->w * img->channels, bpp = img->channels;
    img->px = calloc((size_t)img->h, stride);
    for (size_t y = 0; y < img->h; y++) {
        const unsigned char *src = raw + y * (stride + 1) + 1;
        unsigned char *row = img->px + y * stride, *up = y ? row - stride : NULL;
        for (size_t x = 0; x < stride; x++) {
            int a = x >= bpp ? row[x - bpp] : 0, b = up ? up[x] : 0;
            int c = up && x >= bpp ? up[x - bpp] : 0, v = src[x];
            switch (raw[y * (stride + 1)]) {
            case 1: v += a; break;
            case 2: v += b; break;
            case 3: v += (a + b) / 2; break;
            case 4: v += paeth(a, b, c); break;
            default: break;
            }
            row[x] = (unsigned char)v;
        }
    }
}

static void readPng(const char *path, png *img) {
    size_t cap = 1 << 22, n = 0, zn = 0;
    unsigned char *buf = malloc(cap), *z = malloc(cap);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    n = fread(buf, 1, cap, f);
    fclose(f);
    assert_true(n > 33 && n < cap && memcmp(buf, "\x89PNG\r\n\x1a\n", 8) == 0);
    img->w = be32(buf + 16);
    img->h = be32(buf + 20);
    assert_int_equal(buf[24], 8); /* bit depth */
    img->channels = buf[25] == 6 ? 4 : buf[25] == 2 ? 3 : 0;
    assert_true(img->channels && buf[28] == 0); /* RGB(A), not interlaced */
    for (size_t at = 8; at + 12 <= n;) {
        unsigned len = be32(buf + at);
        if (memcmp(buf + at + 4, "IDAT", 4) == 0 && zn + len <= cap) {
            memcpy(z + zn, buf + at + 8, len);
            zn += len;
        }
        at += 12 + (size_t)len;
    }
    uLongf rawlen = (uLongf)img->h * ((uLongf)img->w * img->channels + 1);
    unsigned char *raw = malloc(rawlen);
    assert_int_equal(uncompress(raw, &rawlen, z, zn), Z_OK);
    unfilter(img, raw);
    free(raw);
    free(z);
    free(buf);
}

/* Pixels within 40 (sum of channel differences) of #rrggbb. */
static size_t near(const png *img, unsigned rgb) {
    size_t hits = 0;
    int r = (int)(rgb >> 16), g = (int)(rgb >> 8 & 0xff), b = (int)(rgb & 0xff);
    for (size_t i = 0; i < (size_t)img->w * img->h; i++) {
        const unsigned char *p = img->px + i * img->channels;
        hits += abs(p[0] - r) + abs(p[1] - g) + abs(p[2] - b) < 40;
    }
    return hits;
}

/* ---- the DOM ---- */

static size_t count(const char *s, const char *needle) {
    size_t n = 0;
    for (const char *p = s; (p = strstr(p, needle)) != NULL; p += strlen(needle)) n++;
    return n;
}

/* The part of dom from the element with id to its closing </svg>. */
static char *svgOf(const char *dom, const char *id) {
    char key[64];
    snprintf(key, sizeof key, "id=\"%s\"", id);
    const char *a = strstr(dom, key), *b = a ? strstr(a, "</svg>") : NULL;
    return a && b ? cbStrndup(a, (size_t)(b - a)) : NULL;
}

static void checkDom(const char *dom) {
    assert_non_null(strstr(dom, "careerbot: what users asked"));
    assert_null(strstr(dom, "<script"));
    assert_null(strstr(dom, "http://"));
    assert_null(strstr(dom, "https://")); /* nothing fetched from anywhere */
    char *rate = svgOf(dom, "chart-answer-rate"), *open = svgOf(dom, "chart-open-groups"),
         *votes = svgOf(dom, "chart-votes");
    assert_non_null(rate);
    assert_non_null(open);
    assert_non_null(votes);
    /* three days, overall + slack + discord: a point per series and day */
    assert_int_equal(count(rate, "class=\"point\""), 9);
    assert_int_equal(count(rate, "<polyline"), 3);
    assert_non_null(strstr(rate, "data-platform=\"discord\""));
    /* open groups: the 8 keyboard questions, the 3 about pay, the bread */
    assert_int_equal(count(open, "class=\"bar\""), 3);
    assert_non_null(strstr(open, "data-value=\"8\""));
    assert_non_null(strstr(open, "data-value=\"3\""));
    assert_non_null(strstr(votes, "data-entry=\"frameworks/django-vs-flask\" data-vote=\"helpful\" data-value=\"2\""));
    assert_non_null(strstr(votes, "data-entry=\"jobs/cv\" data-vote=\"helpful\" data-value=\"2\""));
    assert_non_null(strstr(dom, "Picking an ergonomic keyboard")); /* real questions in the table */
    free(rate);
    free(open);
    free(votes);
}

static size_t all_pixels(const png *img) { return (size_t)img->w * img->h; }

static void test_html_in_chromium(void **state) {
    (void)state;
    makeHistory();
    writeHtml();
    char url[256], shotArg[256], profile[200];
    snprintf(url, sizeof url, "file://%s", html);
    snprintf(shotArg, sizeof shotArg, "--screenshot=%s", shot);
    snprintf(profile, sizeof profile, "--user-data-dir=%s/profile", dir);
    char *argv[] = {"/usr/bin/chromium", "--headless", "--no-sandbox", "--disable-gpu",
                    "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--hide-scrollbars",
                    profile, "--window-size=1200,1800", shotArg, "--dump-dom", url, NULL};
    tpProc p;
    assert_int_equal(tpSpawn(&p, argv, NULL, 0), 0);
    int rc = tpWait(&p, 180000); /* a loaded 2-core machine: Chromium starts slowly */
    if (rc < 0) tpStop(&p, 2000);
    char *dom = tpReadFile(p.out_path);
    if (rc != 0) fail_msg("chromium exited %d: %s", rc, tpReadFile(p.err_path));
    checkDom(dom);
    free(dom);
    tpCleanup(&p);
    png img;
    readPng(shot, &img);
    assert_int_equal(img.w, SHOT_W);
    assert_int_equal(img.h, SHOT_H);
    assert_true(near(&img, 0xf8fafc) > all_pixels(&img) / 4); /* the page's own background: CSS applied */
    size_t all = all_pixels(&img), ink = all - near(&img, 0xfbfcfd); /* #f8fafc and white */
    print_message("%zu of %zu pixels drawn; orange %zu green %zu red %zu blue %zu\n", ink, all,
                  near(&img, 0xf59e0b), near(&img, 0x10b981), near(&img, 0xef4444),
                  near(&img, 0x2563eb));
    assert_true(ink > all / 50); /* not blank: text, lines, bars */
    assert_true(near(&img, 0xf59e0b) > 500);  /* the open questions' bars */
    assert_true(near(&img, 0x10b981) > 200);  /* helpful votes */
    assert_true(near(&img, 0xef4444) > 50);   /* not helpful votes */
    assert_true(near(&img, 0x2563eb) > 50);   /* the overall answer-rate line */
    free(img.px);
}

static int setup(void **state) {
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/cb_test_report_html_%d", (int)getpid());
    snprintf(db, sizeof db, "%s/h.db", dir);
    snprintf(html, sizeof html, "%s/report.html", dir);
    snprintf(shot, sizeof shot, "%s/report.png", dir);
    return 0;
}

static int teardown(void **state) {
    (void)state;
    if (getenv("CB_KEEP_REPORT")) return 0;
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_html_in_chromium, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
