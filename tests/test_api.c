/*
** test_api.c — the error contract of include/zhs.h, entry point by entry
** point: every failure path returns its status when err is NULL (and
** does not crash), the same status with a message when err is given, and
** does nothing when err already holds an error (calls chain).  Also the
** options contract: a zeroed options struct means "defaults", the
** initialisers give the documented defaults, and bad values are refused.
*/
#include "harness.h"
#include "zhs.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Runs a call three ways: err NULL, err clear, err already failed. */
#define CONTRACT(want, call_with_err)                                                      \
    do {                                                                                   \
        zhs_error *err = NULL;                                                             \
        int rc_null = (call_with_err);                                                     \
        CHECK_MSG(rc_null == (want), "%s with err NULL: %d, want %d", #call_with_err,      \
                  rc_null, (want));                                                        \
        zhs_error e;                                                                       \
        zhs_error_clear(&e);                                                               \
        err = &e;                                                                          \
        int rc_err = (call_with_err);                                                      \
        CHECK_MSG(rc_err == (want) && e.code == (want) && e.message[0],                     \
                  "%s: %d (%s), want %d with a message", #call_with_err, rc_err,           \
                  e.message, (want));                                                      \
        zhs_error pre;                                                                     \
        zhs_error_clear(&pre);                                                             \
        pre.code = ZHS_EIO;                                                                \
        snprintf(pre.message, sizeof pre.message, "earlier");                              \
        err = &pre;                                                                        \
        int rc_pre = (call_with_err);                                                      \
        CHECK_MSG(rc_pre == ZHS_EIO && !strcmp(pre.message, "earlier"),                    \
                  "%s after an earlier error: %d (%s)", #call_with_err, rc_pre, pre.message); \
    } while (0)

static const char *sample_dir(void) { return zt_src("corpus/sample/news"); }

static void build_index(const char *dir, zhs_analyzer *an)
{
    zhs_error e = {0};
    zhs_corpus *c = NULL;
    zhs_writer *w = NULL;
    const char *paths[] = {sample_dir()};
    CHECK_OK(zhs_corpus_open(&c, paths, 1, NULL, &e), e);
    CHECK_OK(zhs_writer_open(&w, dir, an, NULL, &e), e);
    const zhs_document *d;
    while (c && w && zhs_corpus_next(c, &d, &e) == ZHS_OK)
        for (size_t i = 0; i < d->npassages; i++) CHECK_OK(zhs_writer_add(w, &d->passages[i], &e), e);
    CHECK_OK(zhs_writer_commit(w, &e), e);
    zhs_writer_close(w);
    zhs_corpus_close(c);
}

static void test_analyzer(zhs_analyzer *an)
{
    const zhs_token *tok;
    size_t n;
    const char *out;
    size_t outlen;
    /* A length past the limit is refused before the text is read. */
    CONTRACT(ZHS_EINVAL, zhs_analyzer_run(an, &tok, &n, "x", (size_t)1 << 31, err));
    CONTRACT(ZHS_EINVAL, zhs_analyzer_segment(an, &out, &outlen, "x", (size_t)1 << 31, err));
    int rc = zhs_analyzer_run(an, &tok, &n, "个人信息", strlen("个人信息"), NULL);
    CHECK(rc == ZHS_OK && n > 0);
}

static void test_corpus(void)
{
    zhs_corpus *c = NULL;
    const char *nullpath[] = {NULL};
    CONTRACT(ZHS_EINVAL, zhs_corpus_open(&c, nullpath, 1, NULL, err));
    CHECK(c == NULL);
    const char *paths[] = {sample_dir()};
    CHECK(zhs_corpus_open(&c, paths, 1, NULL, NULL) == ZHS_OK && c);
    const zhs_document *d;
    size_t docs = 0;
    int rc;
    while ((rc = zhs_corpus_next(c, &d, NULL)) == ZHS_OK) docs++;
    CHECK(rc == ZHS_DONE && docs > 0);
    zhs_corpus_close(c);
}

static void test_engine_names(void)
{
    int kind = -1;
    CONTRACT(ZHS_EINVAL, zhs_engine_from_name(&kind, "lucene", err));
    CHECK(zhs_engine_from_name(&kind, "native", NULL) == ZHS_OK && kind == ZHS_ENGINE_NATIVE);
    CHECK_STR(zhs_engine_name(ZHS_ENGINE_NATIVE), "native");
    CHECK_STR(zhs_engine_name(ZHS_ENGINE_XAPIAN), "xapian");
    CHECK_STR(zhs_engine_name(42), "unknown");
}

static void test_writer(zhs_analyzer *an, const char *tmp)
{
    char file[4200], dir[4200];
    snprintf(file, sizeof file, "%s/a-file", tmp);
    FILE *f = fopen(file, "w");
    CHECK(f != NULL);
    if (f) fclose(f);
    zhs_writer *w = (zhs_writer *)1;
    /* A plain file is not an index directory. */
    CONTRACT(ZHS_EINVAL, zhs_writer_open(&w, file, an, NULL, err));
    CHECK(w == NULL);
    /* Bad options are refused (the struct says it was initialised). */
    zhs_writer_options o = ZHS_WRITER_OPTIONS_INIT;
    o.b = 2;
    snprintf(dir, sizeof dir, "%s/w-bad", tmp);
    CONTRACT(ZHS_EINVAL, zhs_writer_open(&w, dir, an, &o, err));
    struct stat st;
    CHECK_MSG(stat(dir, &st) != 0, "a refused writer left %s behind", dir);
    o = (zhs_writer_options)ZHS_WRITER_OPTIONS_INIT;
    o.version = ZHS_WRITER_OPTIONS_VERSION + 1;
    CONTRACT(ZHS_EINVAL, zhs_writer_open(&w, dir, an, &o, err));
    o = (zhs_writer_options)ZHS_WRITER_OPTIONS_INIT;
    o.engine = 42;
    CONTRACT(ZHS_EINVAL, zhs_writer_open(&w, dir, an, &o, err));

    /* add after commit, commit twice */
    snprintf(dir, sizeof dir, "%s/w-ok", tmp);
    CHECK(zhs_writer_open(&w, dir, an, NULL, NULL) == ZHS_OK);
    zhs_passage p = {0};
    p.id = "x#1";
    p.text = "个人信息处理者应当告知";
    p.text_len = strlen(p.text);
    p.title = "测试";
    p.heading = p.label = "";
    p.path = "x";
    p.line = 1;
    CHECK(zhs_writer_add(w, &p, NULL) == ZHS_OK);
    CHECK(zhs_writer_commit(w, NULL) == ZHS_OK);
    CONTRACT(ZHS_EINVAL, zhs_writer_add(w, &p, err));
    CONTRACT(ZHS_EINVAL, zhs_writer_commit(w, err));
    zhs_writer_close(w);
}

/* An analyzer opened with the library's default (chars=w) searches an
** index built with every character term (--chars, chars=1: the default
** before character terms were made at query time) with the results of
** the index's own analyzer: the fingerprints differ only in chars=. */
static void test_chars_fingerprint(zhs_analyzer *an, const char *tmp)
{
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/ix-chars", tmp);
    zhs_analyzer_config cfg;
    zhs_analyzer_config_default(&cfg);
    cfg.chars = ZHS_CHARS_ALL;
    zhs_analyzer *all = NULL;
    zhs_index *ix = NULL;
    CHECK(zhs_analyzer_open(&all, &cfg, NULL) == ZHS_OK && all);
    if (!all) return;
    build_index(dir, all);
    CHECK(zhs_index_open(&ix, dir, NULL) == ZHS_OK && ix);
    if (ix) {
        CHECK(zhs_index_check_analyzer(ix, an, NULL) == ZHS_OK);
        const char *queries[] = {"罚", "+罚 数据", "\"法\"", "数据 安全"};
        for (size_t q = 0; q < sizeof queries / sizeof *queries; q++) {
            zhs_results *ra = NULL, *rd = NULL;
            CHECK(zhs_index_search(&ra, ix, all, queries[q], NULL, NULL) == ZHS_OK);
            CHECK(zhs_index_search(&rd, ix, an, queries[q], NULL, NULL) == ZHS_OK);
            if (ra && rd) {
                CHECK(zhs_results_count(ra) > 0 && zhs_results_count(ra) == zhs_results_count(rd));
                for (size_t i = 0; i < zhs_results_count(ra) && i < zhs_results_count(rd); i++)
                    CHECK(zhs_results_hit(ra, i)->doc == zhs_results_hit(rd, i)->doc &&
                          zhs_results_hit(ra, i)->score == zhs_results_hit(rd, i)->score);
            }
            zhs_results_free(ra);
            zhs_results_free(rd);
        }
        zhs_index_close(ix);
    }
    zhs_analyzer_close(all);
    /* Without bigrams no character term is made (the parse makes them
    ** from a bigram analyzer's tokens, chars.c its lists from bigrams):
    ** an index of every character term refuses an analyzer without them. */
    snprintf(dir, sizeof dir, "%s/ix-chars-nobigrams", tmp);
    cfg.bigrams = 0;
    zhs_analyzer *nob_all = NULL, *nob_written = NULL;
    CHECK(zhs_analyzer_open(&nob_all, &cfg, NULL) == ZHS_OK && nob_all);
    cfg.chars = ZHS_CHARS_WRITTEN;
    CHECK(zhs_analyzer_open(&nob_written, &cfg, NULL) == ZHS_OK && nob_written);
    if (nob_all && nob_written) {
        build_index(dir, nob_all);
        ix = NULL;
        CHECK(zhs_index_open(&ix, dir, NULL) == ZHS_OK && ix);
        if (ix) {
            CHECK(zhs_index_check_analyzer(ix, nob_all, NULL) == ZHS_OK);
            zhs_error e;
            zhs_error_clear(&e);
            CHECK(zhs_index_check_analyzer(ix, nob_written, &e) == ZHS_EANALYZER);
            zhs_index_close(ix);
        }
    }
    zhs_analyzer_close(nob_all);
    zhs_analyzer_close(nob_written);
    /* An index of format 2 (tests/data/v2-index: chars=1, bigrams) takes an
    ** analyzer differing only in chars= too: it holds every character term,
    ** and the parse gives them. */
    snprintf(dir, sizeof dir, "%s/tests/data/v2-index", ZHS_SOURCE_DIR);
    ix = NULL;
    zhs_analyzer *own = NULL, *written = NULL;
    CHECK(zhs_index_open(&ix, dir, NULL) == ZHS_OK && ix);
    if (ix && zhs_index_open_analyzer(&own, ix, NULL) == ZHS_OK) {
        zhs_analyzer_config v2;
        CHECK(zhs_analyzer_config_from_fingerprint(&v2, zhs_analyzer_fingerprint(own)) == ZHS_OK);
        v2.chars = ZHS_CHARS_WRITTEN;
        CHECK(zhs_analyzer_open(&written, &v2, NULL) == ZHS_OK && written);
        if (written) {
            CHECK(zhs_index_check_analyzer(ix, written, NULL) == ZHS_OK);
            zhs_results *ro = NULL, *rw = NULL;
            CHECK(zhs_index_search(&ro, ix, own, "+罚 数据", NULL, NULL) == ZHS_OK);
            CHECK(zhs_index_search(&rw, ix, written, "+罚 数据", NULL, NULL) == ZHS_OK);
            if (ro && rw) CHECK(zhs_results_count(ro) > 0 && zhs_results_count(ro) == zhs_results_count(rw));
            zhs_results_free(ro);
            zhs_results_free(rw);
        }
    }
    zhs_analyzer_close(own);
    zhs_analyzer_close(written);
    zhs_index_close(ix);
}

static void test_index(zhs_analyzer *an, const char *tmp)
{
    char missing[4200], dir[4200];
    snprintf(missing, sizeof missing, "%s/no-such-index", tmp);
    zhs_index *ix = (zhs_index *)1;
    CONTRACT(ZHS_ENOTFOUND, zhs_index_open(&ix, missing, err));
    CHECK(ix == NULL);
    CONTRACT(ZHS_ENOTFOUND, zhs_index_verify(missing, err));
    CONTRACT(ZHS_EINVAL, zhs_index_open_remote(&ix, NULL, 0, 0, err));

    snprintf(dir, sizeof dir, "%s/ix", tmp);
    build_index(dir, an);
    CHECK(zhs_index_open(&ix, dir, NULL) == ZHS_OK && ix);
    if (!ix) return;
    CHECK(zhs_index_verify(dir, NULL) == ZHS_OK);

    zhs_analyzer *own = NULL;
    CHECK(zhs_index_open_analyzer(&own, ix, NULL) == ZHS_OK && own);
    CHECK_STR(zhs_analyzer_fingerprint(own), zhs_analyzer_fingerprint(an));
    zhs_analyzer_close(own);

    zhs_analyzer_config cfg;
    zhs_analyzer_config_default(&cfg);
    cfg.fold_traditional = 0;
    zhs_analyzer *other = NULL;
    CHECK(zhs_analyzer_open(&other, &cfg, NULL) == ZHS_OK);
    CONTRACT(ZHS_EANALYZER, zhs_index_check_analyzer(ix, other, err));
    zhs_results *r = (zhs_results *)1;
    CONTRACT(ZHS_EANALYZER, zhs_index_search(&r, ix, other, "数据", NULL, err));
    zhs_analyzer_close(other);

    /* a query with nothing searchable */
    CONTRACT(ZHS_EQUERY, zhs_index_search(&r, ix, an, "-数据", NULL, err));
    CHECK(r == NULL);
    zhs_search_options so = ZHS_SEARCH_OPTIONS_INIT;
    so.version = 99;
    CONTRACT(ZHS_EINVAL, zhs_index_search(&r, ix, an, "数据", &so, err));
    so = (zhs_search_options)ZHS_SEARCH_OPTIONS_INIT;
    so.b = 3;
    CONTRACT(ZHS_EINVAL, zhs_index_search(&r, ix, an, "数据", &so, err));

    /* a zeroed options struct means the defaults, not k = 0 */
    zhs_search_options zero;
    memset(&zero, 0, sizeof zero);
    zhs_results *rz = NULL, *rd = NULL;
    CHECK(zhs_index_search(&rz, ix, an, "数据 安全", &zero, NULL) == ZHS_OK);
    CHECK(zhs_index_search(&rd, ix, an, "数据 安全", NULL, NULL) == ZHS_OK);
    if (rz && rd) {
        CHECK(zhs_results_count(rz) == ZHS_DEFAULT_K || zhs_results_count(rz) == zhs_results_matches(rz));
        CHECK(zhs_results_count(rz) == zhs_results_count(rd) && zhs_results_count(rz) > 0);
        for (size_t i = 0; i < zhs_results_count(rz) && i < zhs_results_count(rd); i++)
            CHECK(zhs_results_hit(rz, i)->doc == zhs_results_hit(rd, i)->doc &&
                  zhs_results_hit(rz, i)->score == zhs_results_hit(rd, i)->score);
        zhs_passage p;
        CONTRACT(ZHS_EINVAL, zhs_results_passage(&p, rd, 0xFFFFFFF0u, err));
        CHECK(zhs_results_passage(&p, rd, zhs_results_hit(rd, 0)->doc, NULL) == ZHS_OK && p.text);
        const zhs_span *spans;
        size_t nspans;
        CHECK(zhs_results_highlights(&spans, &nspans, rd, an, &p, NULL) == ZHS_OK && nspans > 0);
        /* explanations add up to the search's score, to the bit */
        zhs_explanation ex;
        const zhs_hit *top = zhs_results_hit(rd, 0);
        CONTRACT(ZHS_ENOTFOUND, zhs_results_explain(&ex, rd, 0xFFFFFFF0u, err));
        CHECK(zhs_results_explain(&ex, rd, top->doc, NULL) == ZHS_OK && ex.nterms > 0 && ex.score == top->score);
        /* passages by number, without a query */
        zhs_results *re = NULL;
        CHECK(zhs_index_results(&re, ix, NULL) == ZHS_OK && re);
        if (re) {
            CHECK(zhs_results_passage(&p, re, top->doc, NULL) == ZHS_OK && p.text);
            CONTRACT(ZHS_EINVAL, zhs_results_passage(&p, re, 0xFFFFFFF0u, err));
        }
        zhs_results_free(re);
    }
    zhs_results_free(rz);
    zhs_results_free(rd);

    zhs_index_file files[16];
    size_t nfiles = 0;
    /* The native engine's five files, the metadata and citation tables. */
    CHECK(zhs_index_files(files, 16, &nfiles, ix, NULL) == ZHS_OK && nfiles == 7);
    /* too little room: the first ones written, all counted */
    zhs_index_file two[2];
    size_t all = 0;
    CHECK(zhs_index_files(two, 2, &all, ix, NULL) == ZHS_OK && all == 7 && !strcmp(two[0].file, files[0].file));
    CHECK(nfiles == 7 && !strcmp(files[5].label, "metadata") && !strcmp(files[6].label, "citations"));
    for (size_t i = 0; i < nfiles; i++) CHECK(files[i].bytes > 0);
    zhs_index_info in;
    zhs_index_info_get(ix, &in);
    CHECK_STR(in.engine_name, "native");
    CHECK(in.k1 == ZHS_DEFAULT_K1 && in.b == ZHS_DEFAULT_B && in.shareable == 1);
    zhs_index_close(ix);
}

static void test_options(void)
{
    zhs_writer_options a = ZHS_WRITER_OPTIONS_INIT, b;
    zhs_writer_options_default(&b);
    CHECK(a.version == ZHS_WRITER_OPTIONS_VERSION && a.k1 == ZHS_DEFAULT_K1 && a.b == ZHS_DEFAULT_B &&
          a.title_weight == ZHS_DEFAULT_TITLE_WEIGHT && a.ram_budget == ZHS_DEFAULT_RAM_BUDGET);
    CHECK(b.version == a.version && b.k1 == a.k1 && b.b == a.b && b.title_weight == a.title_weight &&
          b.engine == a.engine && b.ram_budget == a.ram_budget);
    zhs_search_options s = ZHS_SEARCH_OPTIONS_INIT, t;
    zhs_search_options_default(&t);
    CHECK(s.version == ZHS_SEARCH_OPTIONS_VERSION && s.k == ZHS_DEFAULT_K && s.k == t.k && s.b == t.b);
}

/* A zeroed writer options struct builds the same index as the defaults
** (title weight 2, b 0.5), not title weight 0 or b 0. */
static void test_zeroed_writer_options(zhs_analyzer *an, const char *tmp)
{
    char d1[4200], d2[4200];
    snprintf(d1, sizeof d1, "%s/zero", tmp);
    snprintf(d2, sizeof d2, "%s/dflt", tmp);
    zhs_writer_options zero;
    memset(&zero, 0, sizeof zero);
    zhs_writer *w1 = NULL, *w2 = NULL;
    CHECK(zhs_writer_open(&w1, d1, an, &zero, NULL) == ZHS_OK);
    CHECK(zhs_writer_open(&w2, d2, an, NULL, NULL) == ZHS_OK);
    zhs_passage p = {0};
    p.id = "x#1";
    p.text = "数据安全";
    p.text_len = strlen(p.text);
    p.title = "数据法";
    p.heading = p.label = p.path = "";
    CHECK(zhs_writer_add(w1, &p, NULL) == ZHS_OK && zhs_writer_add(w2, &p, NULL) == ZHS_OK);
    CHECK(zhs_writer_commit(w1, NULL) == ZHS_OK && zhs_writer_commit(w2, NULL) == ZHS_OK);
    zhs_writer_close(w1);
    zhs_writer_close(w2);
    zhs_index *i1 = NULL, *i2 = NULL;
    CHECK(zhs_index_open(&i1, d1, NULL) == ZHS_OK && zhs_index_open(&i2, d2, NULL) == ZHS_OK);
    if (i1 && i2) {
        zhs_index_info a, b;
        zhs_index_info_get(i1, &a);
        zhs_index_info_get(i2, &b);
        CHECK(a.k1 == b.k1 && a.b == b.b && a.tokens == b.tokens && a.b == ZHS_DEFAULT_B);
    }
    zhs_index_close(i1);
    zhs_index_close(i2);
}

/* Progress of a build in threads: the engine takes passages on a thread
** of the pipeline's (pipeline.c, own_sink), but the callback still runs on
** the caller's thread, its counts never go back, and "done" counts every
** passage added. */
typedef struct progress_seen {
    pthread_t caller;
    bool other_thread;
    uint64_t last_passages, last_tokens, indexing, done_passages;
} progress_seen;

static void on_progress(void *ctx, const zhs_progress *pr)
{
    progress_seen *ps = ctx;
    if (!pthread_equal(pthread_self(), ps->caller)) ps->other_thread = true;
    CHECK_MSG(pr->passages >= ps->last_passages && pr->tokens >= ps->last_tokens,
              "progress went back: %llu passages after %llu", (unsigned long long)pr->passages,
              (unsigned long long)ps->last_passages);
    ps->last_passages = pr->passages;
    ps->last_tokens = pr->tokens;
    if (!strcmp(pr->phase, "indexing")) ps->indexing++;
    if (!strcmp(pr->phase, "done")) ps->done_passages = pr->passages;
}

static void test_progress_threads(zhs_analyzer *an, const char *tmp)
{
    char dir[4200], id[32], text[256];
    snprintf(dir, sizeof dir, "%s/w-progress", tmp);
    progress_seen ps = {.caller = pthread_self()};
    zhs_writer_options o = ZHS_WRITER_OPTIONS_INIT;
    o.threads = 3;
    o.progress = on_progress;
    o.progress_ctx = &ps;
    zhs_writer *w = NULL;
    zhs_error e = {0};
    CHECK_OK(zhs_writer_open(&w, dir, an, &o, &e), e);
    if (!w) return;
    /* until the build has reported while indexing (every 0.25 s at most) */
    uint32_t n = 0;
    for (; n < 400000 && (ps.indexing < 2 || n % 1000); n++) {
        zhs_passage p = {0};
        snprintf(id, sizeof id, "p#%u", n);
        snprintf(text, sizeof text, "第%u条 个人信息处理者应当告知第%u项数据安全义务", n, n % 97);
        p.id = id;
        p.text = text;
        p.text_len = strlen(text);
        p.title = n % 50 < 25 ? "测试法" : "数据安全法";
        p.heading = p.label = "";
        p.path = "x";
        p.line = n + 1;
        CHECK_OK(zhs_writer_add(w, &p, &e), e);
        if (e.code) break;
    }
    CHECK_OK(zhs_writer_commit(w, &e), e);
    zhs_writer_close(w);
    CHECK_MSG(ps.indexing >= 2, "no progress while indexing %u passages", n);
    CHECK_MSG(!ps.other_thread, "a progress callback ran on another thread than the caller's");
    CHECK_MSG(ps.done_passages == n, "done reports %llu passages of %u", (unsigned long long)ps.done_passages, n);
}

int main(void)
{
    const char *tmp = zt_tmpdir();
    zhs_analyzer *an = NULL;
    zhs_error e = {0};
    CHECK_OK(zhs_analyzer_open(&an, NULL, &e), e);
    if (!an) return zt_done("test_api");
    test_analyzer(an);
    test_corpus();
    test_engine_names();
    test_options();
    test_writer(an, tmp);
    test_index(an, tmp);
    test_chars_fingerprint(an, tmp);
    test_zeroed_writer_options(an, tmp);
    test_progress_threads(an, tmp);
    zhs_analyzer_close(an);
    zhs_error_clear(NULL);
    return zt_done("test_api");
}
