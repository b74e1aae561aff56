/*
** test_store_writer.c — the passage store's writer (indexer/store_writer.c)
** writes the same bytes with its compressor thread as without it, wherever
** the dictionary's training falls: none at all (too few records), at the
** flush (a store smaller than the training sample: the thread trains while
** the caller goes on) and in the middle of the adds (the thread trains on
** its first ring entry while the writer's thread queues and stages the
** blocks after it).  And the flush that ends the adds: finish without it
** flushes first, a second flush does nothing, an add after it fails.
*/
#include "harness.h"
#include "indexer_int.h"

#include <stdio.h>
#include <stdlib.h>

/* Passage d's text: clauses of Han characters drawn from a small set, so
** that the blocks compress and the dictionary has something to learn. */
static void passage_text(zhs_buf *b, uint64_t *seed, uint32_t d)
{
    static const char *const han[] = {"法", "律", "第", "条", "的", "人", "民", "国", "家", "规",
                                      "定", "行", "政", "机", "关", "应", "当", "依", "照", "本"};
    zhs_buf_reset(b);
    uint32_t n = 40 + zt_xorshift(seed) % 400;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t r = zt_xorshift(seed);
        /* runs repeat across passages: a phrase per passage number mod 7 */
        const char *c = r % 3 ? han[(i + d % 7) % 20] : han[r % 20];
        zhs_buf_append(b, c, strlen(c));
        if (r % 29 == 0) zhs_buf_append(b, "，", strlen("，"));
    }
    zhs_buf_append(b, "。", strlen("。"));
}

/* Writes n passages to path; flush: call zhs_store_writer_flush before
** finish (and check what it allows after). */
static void write_store(const char *path, uint32_t n, bool threaded, bool flush)
{
    zhs_error err = {0};
    zhs_store_writer *w = NULL;
    CHECK_OK(zhs_store_writer_open(&w, path, threaded, &err), err);
    if (!w) return;
    zhs_buf text;
    zhs_buf_init(&text);
    uint64_t seed = 0x9E3779B97F4A7C15ull;
    char id[32], title[32], label[32];
    for (uint32_t d = 0; d < n && !err.code; d++) {
        passage_text(&text, &seed, d);
        snprintf(id, sizeof id, "law%u.md#%u", d / 40, d % 40);
        snprintf(title, sizeof title, "法律%u", d / 40);
        snprintf(label, sizeof label, "第%u条", d % 40 + 1);
        zhs_passage p = {.id = id, .text = text.data, .text_len = text.len, .title = title, .heading = "",
                         .label = label, .path = "law.md", .line = d + 1, .date = "", .category = "",
                         .status = "", .issuer = "", .extra = ""};
        CHECK_OK(zhs_store_writer_add(w, &p, &err), err);
    }
    if (flush) {
        CHECK_OK(zhs_store_writer_flush(w, &err), err);
        CHECK_OK(zhs_store_writer_flush(w, &err), err);     /* a second one: nothing */
        /* no add after the flush: its record would miss the store */
        zhs_error e2 = {0};
        zhs_passage p = {.id = "late", .text = "迟", .text_len = strlen("迟"), .title = "", .heading = "",
                         .label = "", .path = "", .date = "", .category = "", .status = "", .issuer = "",
                         .extra = ""};
        CHECK(zhs_store_writer_add(w, &p, &e2) == ZHS_EINTERNAL);
    }
    CHECK_OK(zhs_store_writer_finish(w, &err), err);
    zhs_store_writer_close(w);
    zhs_buf_free(&text);
}

static bool read_all(const char *path, zhs_buf *out)
{
    FILE *f = fopen(path, "rb");
    if (!f) return false;
    char b[65536];
    size_t k;
    while ((k = fread(b, 1, sizeof b, f)) > 0) zhs_buf_append(out, b, k);
    fclose(f);
    return !out->oom;
}

/* The store of n passages: one thread, threaded with a flush, threaded
** without one; all three the same bytes.  Returns its size. */
static size_t same_bytes(const char *dir, uint32_t n)
{
    char pa[512], pb[512], pc[512];
    snprintf(pa, sizeof pa, "%s/a%u.store", dir, n);
    snprintf(pb, sizeof pb, "%s/b%u.store", dir, n);
    snprintf(pc, sizeof pc, "%s/c%u.store", dir, n);
    write_store(pa, n, false, false);
    write_store(pb, n, true, true);
    write_store(pc, n, true, false);
    zhs_buf a, b, c;
    zhs_buf_init(&a);
    zhs_buf_init(&b);
    zhs_buf_init(&c);
    CHECK(read_all(pa, &a) && read_all(pb, &b) && read_all(pc, &c));
    CHECK_MSG(a.len == b.len && memcmp(a.data, b.data, a.len) == 0, "%u passages: threaded with a flush differs", n);
    CHECK_MSG(a.len == c.len && memcmp(a.data, c.data, a.len) == 0, "%u passages: threaded differs", n);
    size_t len = a.len;
    zhs_buf_free(&a);
    zhs_buf_free(&b);
    zhs_buf_free(&c);
    return len;
}

int main(void)
{
    const char *dir = zt_tmpdir();
    /* no passage, one (no dictionary: too few samples), a store under the
    ** training sample (trained at the flush), and one over it (~600 bytes
    ** of text a passage: trained while passages are still added, then
    ** the ring and the stage fill behind the training) */
    same_bytes(dir, 0);
    same_bytes(dir, 1);
    size_t small = same_bytes(dir, 3000);
    size_t large = same_bytes(dir, 40000);
    CHECK(small > 0 && large > small);
    printf("stores of 3000 and 40000 passages: %zu and %zu bytes\n", small, large);
    return zt_done("test_store_writer");
}
