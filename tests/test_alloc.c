/*
** test_alloc.c — allocation failures, as SQLite's fault tests do them:
** the program is linked with malloc, calloc, realloc, strdup and mmap
** wrapped (-Wl,--wrap, tests/CMakeLists.txt; anonymous mappings only), and
** the wrapper fails the N-th allocation.  For every N over the whole run of an index build, and again
** over opening, searching, reading passages and highlights, the library
** must answer ZHS_ENOMEM or succeed, never crash, never call it damage,
** never lose a passage on success, and leave the previous index intact
** and valid when a build fails.  Under ASan (the CI's sanitizer build)
** the same run also proves that no failure path leaks.
**
** Allocations made inside ICU, zlib and Xapian are not counted: they are
** theirs to handle.  The build is swept twice: on one thread, and with
** three (indexer/pipeline.c), where the failed allocation may be a
** worker's; the counter is atomic for them.
*/
#include "common.h"
#include "harness.h"
#include "zhs.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* ------------------------------------------------------------ the hook */

static long fail_at = -1;       /* the allocation to fail, 1-based; -1: none */
static _Atomic long allocs;     /* allocations counted since arm() */
static _Atomic long failed;     /* how many were failed */

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t m);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
void *__real_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);

/* One failure, then the allocator works again: the code under test must
** cope with a single refusal anywhere, including in its clean-up. */
static int should_fail(void)
{
    if (++allocs == fail_at) {
        failed++;
        return 1;
    }
    return 0;
}

void *__wrap_malloc(size_t n) { return should_fail() ? NULL : __real_malloc(n); }
void *__wrap_calloc(size_t n, size_t m) { return should_fail() ? NULL : __real_calloc(n, m); }
void *__wrap_realloc(void *p, size_t n) { return should_fail() ? NULL : __real_realloc(p, n); }
char *__wrap_strdup(const char *s) { return should_fail() ? NULL : __real_strdup(s); }
/* Anonymous mappings are the inverter's memory too (its posting-stream
** pool and term tables, indexer/stream_pool.c): they count as allocations;
** mappings of files do not (opening them has its own errors). */
void *__wrap_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
    if ((flags & MAP_ANONYMOUS) && should_fail()) return MAP_FAILED;
    return __real_mmap(addr, len, prot, flags, fd, off);
}

static void arm(long n)
{
    allocs = 0;
    failed = 0;
    fail_at = n;
}

/* ------------------------------------------------------------ zhs_grow */

/* The growable-array helper every stage uses: it doubles from its first
** capacity, and a refused realloc or an overflowing size leaves the
** array and its capacity as they were. */
static void test_grow(void)
{
    int *a = NULL;
    size_t cap = 0;
    CHECK(zhs_grow(&a, &cap, 1, sizeof *a, 4) && a && cap == 4);
    for (int i = 0; i < 4; i++) a[i] = i;
    CHECK(zhs_grow(&a, &cap, 4, sizeof *a, 4) && cap == 4);
    CHECK(zhs_grow(&a, &cap, 9, sizeof *a, 4) && cap == 16 && a[3] == 3);
    int *before = a;
    arm(1);
    CHECK(!zhs_grow(&a, &cap, 17, sizeof *a, 4) && a == before && cap == 16 && failed == 1);
    arm(-1);
    CHECK(!zhs_grow(&a, &cap, SIZE_MAX / 2, sizeof *a, 4) && a == before && cap == 16);
    CHECK(!zhs_grow(&a, &cap, SIZE_MAX, 1, 4) && a == before && cap == 16);
    CHECK(zhs_grow(&a, &cap, 100, sizeof *a, 4) && cap == 128 && a[2] == 2);
    free(a);
}

/* ------------------------------------------------------------ fixtures */

static const char *corpus_dir;
static unsigned build_threads = 1;  /* the writer's threads option in build() */

static void write_file(const char *dir, const char *name, const char *text)
{
    char path[4400];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    if (!f) return;
    fputs(text, f);
    fclose(f);
}

/* Every kind of input the reader handles: Markdown articles with headings,
** plain text paragraphs, JSONL records (one too long for one passage). */
static void make_corpus(const char *tmp)
{
    static char dir[4200];
    snprintf(dir, sizeof dir, "%s/corpus", tmp);
    CHECK(mkdir(dir, 0755) == 0);
    write_file(dir, "law.md",
               "# 测试数据保护条例\n\n## 第一章 总则\n\n"
               "第一条 为了规范个人信息处理活动，保护个人信息权益，制定本条例。\n\n"
               "第二条 个人信息处理者应当采取必要措施保障所处理的个人信息的安全。\n\n"
               "## 第二章 处理规则\n\n"
               "第三条 处理个人信息应当具有明确、合理的目的，并应当与处理目的直接相关。\n\n"
               "第四条 个人信息处理者委托处理个人信息的，应当与受托人约定委托处理的目的、期限。\n");
    write_file(dir, "news.txt",
               "人工智能治理框架发布\n\n"
               "有关部门近日发布人工智能治理框架，推动全球法律和标准的对接，避免治理碎片化。\n\n"
               "框架提出，数据安全和个人信息保护是人工智能发展的基础。\n");
    static char big[6000];
    size_t n = 0;
    n += (size_t)snprintf(big + n, sizeof big - n, "{\"id\":\"faq-1\",\"title\":\"常见问题\",\"text\":\"");
    while (n < sizeof big - 200) n += (size_t)snprintf(big + n, sizeof big - n, "数据出境安全评估申报。");
    snprintf(big + n, sizeof big - n, "\"}\n{\"id\":\"faq-2\",\"title\":\"常见问题\",\"text\":\"网信部门负责统筹协调个人信息保护工作。\"}\n");
    write_file(dir, "faq.jsonl", big);
    corpus_dir = dir;
}

/* ------------------------------------------------------------ scenarios */

static bool damage_message(const zhs_error *e)
{
    return e->code == ZHS_ECORRUPT || strstr(e->message, "damaged") || strstr(e->message, "corrupt");
}

/* Builds dir from the corpus; returns the status and the passage count. */
static int build(const char *dir, uint64_t *passages, zhs_error *e)
{
    zhs_analyzer *an = NULL;
    zhs_corpus *c = NULL;
    zhs_writer *w = NULL;
    *passages = 0;
    const char *paths[] = {corpus_dir};
    /* A small RAM budget: postings are flushed as runs and merged. */
    zhs_writer_options o = ZHS_WRITER_OPTIONS_INIT;
    o.ram_budget = 4096;
    o.threads = build_threads;
    if (zhs_analyzer_open(&an, NULL, e) == ZHS_OK && zhs_corpus_open(&c, paths, 1, NULL, e) == ZHS_OK &&
        zhs_writer_open(&w, dir, an, &o, e) == ZHS_OK) {
        const zhs_document *d;
        int rc;
        while ((rc = zhs_corpus_next(c, &d, e)) == ZHS_OK)
            for (size_t i = 0; i < d->npassages && !e->code; i++)
                if (zhs_writer_add(w, &d->passages[i], e) == ZHS_OK) (*passages)++;
        if (rc == ZHS_DONE && !e->code) zhs_writer_commit(w, e);
    }
    zhs_writer_close(w);
    zhs_corpus_close(c);
    zhs_analyzer_close(an);
    return e->code;
}

/* The last has more distinct terms than the parse's first room for them
** (16; query/parse.c grows it in the arena): a failed growth is an error,
** not a shorter query. */
static const char *const queries[] = {"个人信息 处理", "\"个人信息处理者\"", "+数据 安全 -草案", "title:条例 目的",
                                      "人工智能 治理",
                                      "个人信息处理者应当采取必要措施保障数据安全 网信部门负责统筹协调 人工智能治理框架"};
#define NQ (sizeof queries / sizeof queries[0])

/* What a reader sees: per query the hits' ids, scores and highlight counts,
** as one string. */
static int read_all(const char *dir, char *out, size_t outn, zhs_error *e)
{
    zhs_index *ix = NULL;
    zhs_analyzer *an = NULL;
    size_t n = 0;
    out[0] = 0;
    if (zhs_index_open(&ix, dir, e) == ZHS_OK && zhs_index_open_analyzer(&an, ix, e) == ZHS_OK) {
        for (size_t q = 0; q < NQ && !e->code; q++) {
            zhs_results *r = NULL;
            if (zhs_index_search(&r, ix, an, queries[q], NULL, e)) break;
            for (size_t i = 0; i < zhs_results_count(r) && !e->code; i++) {
                const zhs_hit *h = zhs_results_hit(r, i);
                zhs_passage p;
                const zhs_span *sp;
                size_t nsp = 0;
                if (zhs_results_passage(&p, r, h->doc, e) || zhs_results_highlights(&sp, &nsp, r, an, &p, e)) break;
                if (n < outn)
                    n += (size_t)snprintf(out + n, outn - n, "%s %.9f %zu;", p.id, h->score, nsp);
            }
            zhs_results_free(r);
            if (n < outn) n += (size_t)snprintf(out + n, outn - n, "|");
        }
    }
    zhs_analyzer_close(an);
    zhs_index_close(ix);
    if (!e->code) zhs_index_verify(dir, e);
    return e->code;
}

/* Runs scenario for N = 1, 2, ... until a run makes no more allocations
** than N; every N up to 3000, then every step-th (the count is printed). */
static void sweep_build(const char *tmp, unsigned threads)
{
    build_threads = threads;
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/ix", tmp);
    zhs_error e = {0};
    uint64_t want = 0;
    arm(-1);
    CHECK_OK(build(dir, &want, &e), e);
    long total = allocs;
    char ref[8192], got[8192];
    CHECK_OK(read_all(dir, ref, sizeof ref, &e), e);
    CHECK(want > 5 && strlen(ref) > 20);
    long step = total > 3000 ? total / 1500 : 1, runs = 0, nomem = 0;
    for (long n = 1; n <= total; n += (n < 3000 ? 1 : step)) {
        zhs_error_clear(&e);
        uint64_t got_passages = 0;
        arm(n);
        int rc = build(dir, &got_passages, &e);
        arm(-1);
        runs++;
        CHECK_MSG(rc == ZHS_OK || rc == ZHS_ENOMEM, "build, allocation %ld failed: status %d: %s", n, rc, e.message);
        CHECK_MSG(!damage_message(&e), "build, allocation %ld failed: reported as damage: %s", n, e.message);
        if (rc == ZHS_OK) CHECK_MSG(got_passages == want, "build, allocation %ld failed: %llu passages, want %llu",
                                    n, (unsigned long long)got_passages, (unsigned long long)want);
        else nomem++;
        /* failed or not, the index on disk is a whole version */
        zhs_error_clear(&e);
        int rrc = read_all(dir, got, sizeof got, &e);
        if (getenv("ZT_DEBUG") && strcmp(got, ref)) fprintf(stderr, "REF %s\nGOT %s\n", ref, got);
        CHECK_MSG(rrc == ZHS_OK && !strcmp(got, ref),
                  "build, allocation %ld failed: the index after it differs or is unreadable: %s", n, e.message);
    }
    printf("build, %u thread%s: %ld allocations, %ld runs, %ld answered out of memory\n", threads,
           threads == 1 ? "" : "s", total, runs, nomem);
    CHECK(nomem > 0);
}

static void sweep_read(const char *tmp)
{
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/ix", tmp);
    zhs_error e = {0};
    char ref[8192], got[8192];
    arm(-1);
    CHECK_OK(read_all(dir, ref, sizeof ref, &e), e);
    long total = allocs, runs = 0, nomem = 0;
    long step = total > 3000 ? total / 1500 : 1;
    for (long n = 1; n <= total; n += (n < 3000 ? 1 : step)) {
        zhs_error_clear(&e);
        arm(n);
        int rc = read_all(dir, got, sizeof got, &e);
        arm(-1);
        runs++;
        CHECK_MSG(rc == ZHS_OK || rc == ZHS_ENOMEM, "read, allocation %ld failed: status %d: %s", n, rc, e.message);
        CHECK_MSG(!damage_message(&e), "read, allocation %ld failed: reported as damage: %s", n, e.message);
        if (rc == ZHS_OK) CHECK_MSG(!strcmp(got, ref), "read, allocation %ld failed: other results", n);
        else nomem++;
    }
    printf("read: %ld allocations, %ld runs, %ld answered out of memory\n", total, runs, nomem);
    CHECK(nomem > 0);
}

/* ------------------------------------------------------------ updates */

static int on_file(void *ctx, const zhs_corpus_file *f, zhs_error *err)
{
    zhs_writer *w = ctx;
    zhs_source s = {f->root, f->rel, f->size, f->mtime_ns, 0};
    int state;
    if (zhs_writer_source(w, &s, &state, err)) return err->code;
    if (state == ZHS_SOURCE_NEEDS_HASH) {
        /* the test's files differ in size when their text does */
        s.hash = 1 + f->size;
        if (zhs_writer_source(w, &s, &state, err)) return err->code;
    }
    return state != ZHS_SOURCE_UNCHANGED;
}

/* A build (or an update) of dir that names its files, then (for an
** update) a merge into one segment. */
static int build_src(const char *dir, bool update, zhs_error *e)
{
    zhs_analyzer *an = NULL;
    zhs_corpus *c = NULL;
    zhs_writer *w = NULL;
    zhs_index *ix = NULL;
    const char *paths[] = {corpus_dir};
    int rc = ZHS_OK;
    if (update) {
        if (zhs_index_open(&ix, dir, e) == ZHS_OK) zhs_index_open_analyzer(&an, ix, e);
        zhs_index_close(ix);
    } else {
        zhs_analyzer_open(&an, NULL, e);
    }
    if (!e->code && zhs_corpus_open(&c, paths, 1, NULL, e) == ZHS_OK &&
        (update ? zhs_writer_open_update(&w, dir, an, NULL, e) : zhs_writer_open(&w, dir, an, NULL, e)) == ZHS_OK) {
        const zhs_document *d;
        zhs_corpus_set_filter(c, on_file, w);
        while ((rc = zhs_corpus_next(c, &d, e)) == ZHS_OK)
            for (size_t i = 0; i < d->npassages && !e->code; i++) zhs_writer_add(w, &d->passages[i], e);
        if (rc == ZHS_DONE && !e->code) zhs_writer_commit(w, e);
    }
    zhs_writer_close(w);
    zhs_corpus_close(c);
    if (update && !e->code) {
        zhs_merge_options mo = ZHS_MERGE_OPTIONS_INIT;
        mo.max_segments = 1;
        zhs_index_merge(dir, an, &mo, NULL, e);
    }
    zhs_analyzer_close(an);
    return e->code;
}

static void corpus_state(int v)
{
    char path[4400];
    snprintf(path, sizeof path, "%s/news.txt", corpus_dir);
    if (v == 1) {
        write_file(corpus_dir, "news.txt", "人工智能治理框架发布\n\n框架提出，数据安全和个人信息保护是人工智能发展的基础。\n");
        CHECK(unlink(path) == 0);
        write_file(corpus_dir, "law.md", "# 测试数据保护条例\n\n第一条 为了规范个人信息处理活动，制定本条例。\n\n"
                   "第二条 个人信息处理者应当采取必要措施。\n");
        write_file(corpus_dir, "added.md", "# 新增规定\n\n第一条 数据处理者应当建立数据安全管理制度。\n");
    }
}

/* Replaces the corpus by snapshot v (cp -a keeps mtimes: unchanged files
** stay unchanged for the update). */
static void corpus_load(const char *tmp, int v)
{
    char cmd[13000];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && cp -a '%s/corpus-%d' '%s'", corpus_dir, tmp, v, corpus_dir);
    CHECK(system(cmd) == 0);
}

/* An update and a merge, the N-th allocation failed: ZHS_ENOMEM or
** success, never damage, and the index afterwards reads as the old
** version or as the new one. */
static void sweep_update(const char *tmp)
{
    char dir[4200], cmd[13000];
    snprintf(dir, sizeof dir, "%s/ux", tmp);
    snprintf(cmd, sizeof cmd, "cp -a '%s' '%s/corpus-0'", corpus_dir, tmp);
    CHECK(system(cmd) == 0);
    corpus_state(1);
    snprintf(cmd, sizeof cmd, "cp -a '%s' '%s/corpus-1'", corpus_dir, tmp);
    CHECK(system(cmd) == 0);
    zhs_error e = {0};
    char ref_old[8192], ref_new[8192], got[8192];
    corpus_load(tmp, 0);
    arm(-1);
    CHECK_OK(build_src(dir, false, &e), e);
    CHECK_OK(read_all(dir, ref_old, sizeof ref_old, &e), e);
    corpus_load(tmp, 1);
    arm(-1);
    CHECK_OK(build_src(dir, true, &e), e);
    long total = allocs;
    CHECK_OK(read_all(dir, ref_new, sizeof ref_new, &e), e);
    CHECK(strcmp(ref_old, ref_new) != 0);
    long runs = 0, nomem = 0;
    /* every N up to 200, then 200 more spread over the rest (each run
    ** rebuilds the old version first) */
    long step = total > 400 ? total / 200 : 1;
    for (long n = 1; n <= total; n += (n < 200 ? 1 : step)) {
        /* the old version of the index, then the corpus as it is now */
        zhs_error_clear(&e);
        arm(-1);
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        CHECK(system(cmd) == 0);
        corpus_load(tmp, 0);
        CHECK_OK(build_src(dir, false, &e), e);
        corpus_load(tmp, 1);
        arm(n);
        int rc = build_src(dir, true, &e);
        arm(-1);
        runs++;
        CHECK_MSG(rc == ZHS_OK || rc == ZHS_ENOMEM, "update, allocation %ld failed: status %d: %s", n, rc, e.message);
        CHECK_MSG(!damage_message(&e), "update, allocation %ld failed: reported as damage: %s", n, e.message);
        if (rc) nomem++;
        zhs_error_clear(&e);
        int rrc = read_all(dir, got, sizeof got, &e);
        CHECK_MSG(rrc == ZHS_OK && (!strcmp(got, ref_old) || !strcmp(got, ref_new)),
                  "update, allocation %ld failed: the index is neither version: %s", n, e.message);
    }
    printf("update: %ld allocations, %ld runs, %ld answered out of memory\n", total, runs, nomem);
    CHECK(nomem > 0);
}

int main(void)
{
    const char *tmp = zt_tmpdir();
    test_grow();
    make_corpus(tmp);
    sweep_build(tmp, 1);
    sweep_build(tmp, 3);
    sweep_read(tmp);
    sweep_update(tmp);
    return zt_done("test_alloc");
}
