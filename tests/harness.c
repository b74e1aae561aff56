/*
** harness.c — see harness.h.
*/
#include "harness.h"
#include "format.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

int zt_checks, zt_failures;

int zt_done(const char *name)
{
    printf("%s: %d checks, %d failed\n", name, zt_checks, zt_failures);
    return zt_failures ? 1 : 0;
}

void zt_skip(const char *why)
{
    printf("SKIPPED: %s\n", why);
    exit(77);
}

const char *zt_src(const char *rel)
{
    static char bufs[8][4096];
    static int i;
    char *b = bufs[i++ & 7];
    snprintf(b, sizeof bufs[0], "%s/%s", ZHS_SOURCE_DIR, rel);
    return b;
}

const char *zt_shared_dir(void)
{
    static char buf[4096];
    const char *env = getenv("ZHS_SHARED");
    if (env && *env) snprintf(buf, sizeof buf, "%s", env);
    else snprintf(buf, sizeof buf, "%s/../shared", ZHS_SOURCE_DIR);
    struct stat st;
    char probe[4200];
    snprintf(probe, sizeof probe, "%s/corpus", buf);
    return stat(probe, &st) == 0 ? buf : NULL;
}

static char tmp_root[256];
static char *tmp_dirs[256];
static int ntmp_dirs;

static void rm_tmp(void)
{
    for (int i = 0; i < ntmp_dirs; i++) free(tmp_dirs[i]);
    if (tmp_root[0]) {
        char cmd[300];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp_root);
        if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", tmp_root);
    }
}

const char *zt_tmpdir(void)
{
    char buf[300];
    static int n;
    if (!tmp_root[0]) {
        snprintf(tmp_root, sizeof tmp_root, "/tmp/zhs-test-XXXXXX");
        if (!mkdtemp(tmp_root)) { perror("mkdtemp"); exit(2); }
        atexit(rm_tmp);
    }
    snprintf(buf, sizeof buf, "%s/%d", tmp_root, n++);
    mkdir(buf, 0755);
    /* each call its own string: callers keep several at once */
    char *copy = strdup(buf);
    if (!copy || ntmp_dirs == 256) exit(2);
    tmp_dirs[ntmp_dirs++] = copy;   /* freed at exit */
    return copy;
}

void zt_make_parents(const char *path)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s", path);
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/') continue;
        *p = 0;
        mkdir(tmp, 0755);
        *p = '/';
    }
}

void zt_write_bytes(const char *dir, const char *name, const void *data, size_t n)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    zt_make_parents(path);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, n, f) != n || fclose(f) != 0) {
        fprintf(stderr, "cannot write %s: %s\n", path, strerror(errno));
        exit(2);
    }
}

int zt_name_source(void *writer, const zhs_corpus_file *f, zhs_error *err)
{
    zhs_source s = {f->root, f->rel, f->size, f->mtime_ns, 0};
    int state;
    for (int pass = 0; pass < 2; pass++) {
        if (zhs_writer_source(writer, &s, &state, err)) return err->code;
        if (state != ZHS_SOURCE_NEEDS_HASH) break;
        FILE *fp = fopen(f->path, "rb");
        char buf[1 << 16];
        size_t n = fp ? fread(buf, 1, sizeof buf, fp) : 0;
        if (fp) fclose(fp);
        s.hash = zhs_source_hash(buf, n) ^ (uint64_t)f->size;
    }
    return state == ZHS_SOURCE_UNCHANGED ? 0 : 1;
}

char *zt_dup_n(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (!p) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

size_t zt_index_sample(const char *dir, zhs_analyzer *an, void (*each)(void *ctx, const zhs_passage *p), void *ctx)
{
    const char *paths[1] = {zt_src("corpus/sample")};
    return zt_index_paths(dir, an, paths, 1, each, ctx);
}

size_t zt_index_paths(const char *dir, zhs_analyzer *an, const char *const *paths, size_t npaths,
                      void (*each)(void *ctx, const zhs_passage *p), void *ctx)
{
    zhs_error err = {0};
    zhs_corpus *c = NULL;
    zhs_writer *w = NULL;
    size_t n = 0;
    CHECK_OK(zhs_corpus_open(&c, paths, npaths, NULL, &err), err);
    if (c) CHECK_OK(zhs_writer_open(&w, dir, an, NULL, &err), err);
    if (!w) {
        zhs_corpus_close(c);
        return 0;
    }
    zhs_corpus_set_filter(c, zt_name_source, w);
    for (;;) {
        const zhs_document *doc;
        int rc = zhs_corpus_next(c, &doc, &err);
        if (rc == ZHS_DONE) break;
        CHECK_OK(rc, err);
        if (rc) break;
        for (size_t i = 0; i < doc->npassages; i++, n++) {
            CHECK_OK(zhs_writer_add(w, &doc->passages[i], &err), err);
            if (each) each(ctx, &doc->passages[i]);
        }
    }
    CHECK_OK(zhs_writer_commit(w, &err), err);
    zhs_writer_close(w);
    zhs_corpus_close(c);
    return n;
}

uint32_t zt_xorshift(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return (uint32_t)*s;
}

void zt_check_same_hits(const zhs_results *a, const zhs_results *b, const char *q, size_t k, const char *b_is)
{
    size_t n = zhs_results_count(a);
    CHECK_MSG(n == zhs_results_count(b), "[%s] k=%zu: %zu hits, %s %zu", q, k, n, b_is, zhs_results_count(b));
    for (size_t j = 0; j < n && j < zhs_results_count(b); j++) {
        const zhs_hit *x = zhs_results_hit(a, j), *y = zhs_results_hit(b, j);
        CHECK_MSG(x->doc == y->doc && x->score == y->score, "[%s] k=%zu rank %zu: %u %.17g, %s %u %.17g", q, k,
                  j + 1, x->doc, x->score, b_is, y->doc, y->score);
    }
}

void zt_write_repaired(const char *path, const void *data, size_t len)
{
    zhs_error err = {0};
    zhs_buf d;
    zhs_buf_init(&d);
    CHECK(len >= ZHS_FOOTER_LEN);
    if (len >= ZHS_FOOTER_LEN) zhs_buf_append(&d, data, len - ZHS_FOOTER_LEN);
    CHECK(zhs_footer_append(&d));
    CHECK_OK(zhs_file_write(path, d.data, d.len, &err), err);
    zhs_buf_free(&d);
}
