/*
** test_invert.c — the sharded inverter (indexer/invert.c) writes the very
** segment a single table writes: for 1, 3 and 8 shards, with a budget that
** holds everything, one that makes every shard flush runs, and one where
** only the shard of a heavy term flushes (the mixed case), the .dict,
** .post, .pos and .len files equal those of one shard with no runs.  With
** several shards each encodes its own terms (from memory or from its
** runs) and the segment is their concatenation: the same bytes.  And a
** title's terms, planned once per title, give the bytes of the same
** tokens taken one by one as the text's.  The hand-off of a shard's
** encoded terms to the merge (handoff.c) passes every record in order
** across many blocks, a record larger than a block included, with a
** producer that must wait; and a merge that gives up frees a waiting
** producer.  A shard's tables grown past huge pages (zhs_table_map) hold
** every term once, keys alike in their last 8 bytes included.
*/
#include "harness.h"
#include "indexer_int.h"
#include "terms.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define NDOCS 300

/* Passage d's terms: a title (changing every 50 passages, some passages
** repeating it) shaped as terms.c makes them (each word twice at position
** 0, then its title form at its position; a character term and a term of
** the text among them), 20 light terms out of 200, a term in every passage
** (three blocks: a skip table) and a character term (written without
** positions), and in every third passage a heavy term 600 times.  plain:
** the title's tokens are given as the text's (the inverter then takes
** them token by token rather than as the title it plans once). */
static void passage(zhs_passage_terms *pt, zhs_buf *keys, zhs_pterm *t, uint32_t d, uint32_t *seed, bool plain)
{
    zhs_buf_reset(keys);
    size_t n = 0;
    uint32_t pos = 0;
    char k[32];
    for (unsigned i = 0; i < 5; i++) {
        int kl = i == 4 ? snprintf(k, sizeof k, "%s", d / 50 % 2 ? "every" : "U\xe4\xb8\xad")
                        : snprintf(k, sizeof k, "tw%u-%u", d / 50, i % 2);
        for (unsigned r = 0; r < 2; r++) {
            t[n++] = (zhs_pterm){(uint32_t)keys->len, (uint32_t)kl, 0};
            zhs_buf_append(keys, k, (size_t)kl);
        }
        kl = snprintf(k, sizeof k, "Ttitle%u-%u", d / 50, i % 2);
        t[n++] = (zhs_pterm){(uint32_t)keys->len, (uint32_t)kl, pos++};
        zhs_buf_append(keys, k, (size_t)kl);
    }
    pt->ntitle = plain ? 0 : n;
    for (unsigned i = 0; i < 20; i++) {
        *seed = *seed * 1103515245u + 12345u;
        int kl = snprintf(k, sizeof k, "light%03u", (*seed >> 16) % 200);
        t[n++] = (zhs_pterm){(uint32_t)keys->len, (uint32_t)kl, pos++};
        zhs_buf_append(keys, k, (size_t)kl);
    }
    t[n++] = (zhs_pterm){(uint32_t)keys->len, 5, pos++};
    zhs_buf_append(keys, "every", 5);
    for (unsigned i = 0; i < 1 + d % 4; i++) {
        t[n++] = (zhs_pterm){(uint32_t)keys->len, 4, pos++};
        zhs_buf_append(keys, "U\xe4\xb8\xad", 4);
    }
    if (d % 3 == 0)
        for (unsigned i = 0; i < 600; i++) {
            t[n++] = (zhs_pterm){(uint32_t)keys->len, 5, pos++};
            zhs_buf_append(keys, "heavy", 5);
        }
    pt->t = t;
    pt->n = n;
    pt->length = pos;
    pt->keys.data = keys->data;
    pt->title_changed = plain || d % 50 == 0;
}

/* Many passages of terms each used once, so that a shard's tables grow
** well past a huge page (zhs_table_map): passage d has MANY_NEW terms
** never seen before, a third of them longer than 8 bytes with the same
** last 8 bytes (each term entry holds its key's last word: these agree on
** it and differ only in their heads), and "every".  plain: unused. */
#define MANY_DOCS 1400
#define MANY_NEW 200
static void many_passage(zhs_passage_terms *pt, zhs_buf *keys, zhs_pterm *t, uint32_t d, uint32_t *seed, bool plain)
{
    (void)seed;
    (void)plain;
    zhs_buf_reset(keys);
    size_t n = 0;
    char k[32];
    for (uint32_t i = 0; i < MANY_NEW; i++) {
        uint32_t id = d * MANY_NEW + i;
        int kl = i % 3 ? snprintf(k, sizeof k, "m%06u", id) : snprintf(k, sizeof k, "%u/same-tail", id);
        t[n] = (zhs_pterm){(uint32_t)keys->len, (uint32_t)kl, (uint32_t)n};
        n++;
        zhs_buf_append(keys, k, (size_t)kl);
    }
    t[n] = (zhs_pterm){(uint32_t)keys->len, 5, (uint32_t)n};
    n++;
    zhs_buf_append(keys, "every", 5);
    pt->t = t;
    pt->n = n;
    pt->ntitle = 0;
    pt->length = (uint32_t)n;
    pt->keys.data = keys->data;
    pt->title_changed = d == 0;
}

typedef void passage_fn(zhs_passage_terms *, zhs_buf *, zhs_pterm *, uint32_t, uint32_t *, bool);

/* Shard numbers that flushed a run into tmp (run-SSS-NNNNNN), as a count;
** coded: files of the shards' encoded terms (coded-SSS, before the sixth
** session's hand-off in memory) instead. */
static unsigned shards_with(const char *tmp, unsigned nshards, bool coded)
{
    unsigned char seen[256] = {0};
    unsigned n = 0;
    DIR *dir = opendir(tmp);
    struct dirent *e;
    while (dir && (e = readdir(dir)) != NULL) {
        unsigned s, r;
        bool hit = coded ? sscanf(e->d_name, "coded-%3u", &s) == 1
                         : sscanf(e->d_name, "run-%3u-%6u", &s, &r) == 2;
        if (hit && s < nshards && s < 256 && !seen[s]) {
            seen[s] = 1;
            n++;
        }
    }
    if (dir) closedir(dir);
    return n;
}

/* Builds the segment "g1" of ndocs passages made by make in a fresh
** directory; returns it, its term count in *nterms. */
static const char *build_of(passage_fn *make, uint32_t ndocs, unsigned nshards, size_t budget, bool plain,
                            bool *has_runs, unsigned *flushed, uint64_t *nterms)
{
    const char *dir = zt_tmpdir();
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s/tmp", dir);
    mkdir(tmp, 0755);
    zhs_error err = {0};
    zhs_inverter *iv = NULL;
    CHECK_OK(zhs_inverter_open(&iv, nshards, budget, true, tmp, &err), err);
    zhs_passage_terms pt;
    memset(&pt, 0, sizeof pt);
    zhs_buf keys;
    zhs_buf_init(&keys);
    static zhs_pterm t[720];
    static uint32_t lens[MANY_DOCS > NDOCS ? MANY_DOCS : NDOCS];
    uint32_t seed = 7;
    uint64_t total = 0;
    for (uint32_t d = 0; d < ndocs && !err.code; d++) {
        make(&pt, &keys, t, d, &seed, plain);
        lens[d] = pt.length;
        total += pt.length;
        CHECK_OK(zhs_inverter_add(iv, d, &pt, &err), err);
    }
    CHECK_OK(zhs_inverter_finish(iv, has_runs, &err), err);
    *flushed = shards_with(tmp, nshards, false);
    zhs_seg_writer *sw = NULL;
    CHECK_OK(zhs_seg_writer_open(&sw, dir, "g1", lens, ndocs, (double)total / ndocs, 1.2, 0.75, true, &err), err);
    *nterms = 0;
    CHECK_OK(zhs_inverter_write(iv, sw, *has_runs, &err), err);
    /* several shards encode their terms in their threads and pass them on
    ** in memory: no file of them */
    unsigned coded = shards_with(tmp, nshards, true);
    CHECK_MSG(coded == 0, "%u shards: %u wrote their encoded terms to a file", nshards, coded);
    CHECK_OK(zhs_seg_writer_finish(sw, nterms, &err), err);
    zhs_seg_writer_close(sw);
    zhs_inverter_close(iv);
    zhs_buf_free(&keys);
    CHECK_MSG(shards_with(tmp, nshards, false) == 0 && shards_with(tmp, nshards, true) == 0,
              "closing left runs or encoded terms in %s", tmp);
    return dir;
}

static const char *build(unsigned nshards, size_t budget, bool plain, bool *has_runs, unsigned *flushed)
{
    uint64_t nterms;
    const char *dir = build_of(passage, NDOCS, nshards, budget, plain, has_runs, flushed, &nterms);
    CHECK_MSG(nterms > 200, "%llu terms", (unsigned long long)nterms);
    return dir;
}

/* zhs_table_map: zeroed and writable memory of at least the size asked
** for, 2 MB aligned from 2 MB up (huge pages need it). */
static void check_table_map(void)
{
    static const size_t sizes[] = {1, 4095, 4096, (2u << 20) - 1, 2u << 20, (2u << 20) + 1, 5u << 20};
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        size_t mapped;
        unsigned char *p = zhs_table_map(sizes[i], &mapped);
        CHECK_MSG(p && mapped >= sizes[i], "%zu bytes: mapped %zu", sizes[i], mapped);
        if (!p) continue;
        CHECK_MSG(sizes[i] < (2u << 20) || ((uintptr_t)p & ((2u << 20) - 1)) == 0, "%zu bytes at %p", sizes[i], (void *)p);
        bool zero = true;
        for (size_t j = 0; j < sizes[i]; j += 997) zero &= p[j] == 0;
        CHECK_MSG(zero && p[sizes[i] - 1] == 0, "%zu bytes: not zeroed", sizes[i]);
        memset(p, 0xa5, sizes[i]);
        zhs_table_unmap(p, mapped);
        /* the whole mapping is given back: mincore fails with ENOMEM on
        ** a page that is no longer mapped (its first and its last) */
        size_t pg = (size_t)sysconf(_SC_PAGESIZE);
        unsigned char vec;
        errno = 0;
        CHECK_MSG(mincore(p, pg, &vec) == -1 && errno == ENOMEM, "%zu bytes: first page still mapped", sizes[i]);
        errno = 0;
        CHECK_MSG(mincore(p + ((mapped - 1) & ~(pg - 1)), pg, &vec) == -1 && errno == ENOMEM,
                  "%zu bytes: last page still mapped", sizes[i]);
    }
    size_t mapped = 1;
    CHECK(zhs_table_map(0, &mapped) == NULL && mapped == 0);
    zhs_table_unmap(NULL, 0);
}

static void same_files(const char *a, const char *b, const char *what);

/* A shard's term table grown past huge pages (280,001 terms: entries
** 16 K -> 512 K, slots 64 K -> 1 M), keys that agree on their last word:
** every term once, and the same segment from 3 shards and from runs (the
** tables given back at a flush and grown again). */
static void check_many_terms(void)
{
    bool runs;
    unsigned flushed;
    uint64_t nterms;
    const uint64_t want = (uint64_t)MANY_DOCS * MANY_NEW + 1;
    const char *ref = build_of(many_passage, MANY_DOCS, 1, (size_t)1 << 30, false, &runs, &flushed, &nterms);
    CHECK_MSG(!runs && nterms == want, "many terms: %llu terms, %llu expected", (unsigned long long)nterms,
              (unsigned long long)want);
    const char *three = build_of(many_passage, MANY_DOCS, 3, (size_t)1 << 30, false, &runs, &flushed, &nterms);
    CHECK(!runs && nterms == want);
    same_files(ref, three, "many terms, 3 shards");
    /* 4 MB a shard: flushes, each after the tables outgrew the budget */
    const char *flushing = build_of(many_passage, MANY_DOCS, 3, (size_t)12 << 20, false, &runs, &flushed, &nterms);
    CHECK_MSG(runs && flushed == 3 && nterms == want, "many terms, flushing: %u shards flushed, %llu terms", flushed,
              (unsigned long long)nterms);
    same_files(ref, flushing, "many terms, 3 shards flushing");
}

static void same_files(const char *a, const char *b, const char *what)
{
    static const char *const ext[] = {"dict", "post", "pos", "len"};
    for (size_t i = 0; i < sizeof ext / sizeof *ext; i++) {
        char pa[4200], pb[4200];
        snprintf(pa, sizeof pa, "%s/g1.%s", a, ext[i]);
        snprintf(pb, sizeof pb, "%s/g1.%s", b, ext[i]);
        zhs_buf x, y;
        zhs_buf_init(&x);
        zhs_buf_init(&y);
        zhs_error err = {0};
        CHECK_OK(zhs_file_read(&x, pa, false, 1 << 26, &err), err);
        CHECK_OK(zhs_file_read(&y, pb, false, 1 << 26, &err), err);
        CHECK_MSG(x.len > 0 && x.len == y.len && memcmp(x.data, y.data, x.len) == 0, "%s: g1.%s differs (%zu, %zu bytes)",
                  what, ext[i], x.len, y.len);
        zhs_buf_free(&x);
        zhs_buf_free(&y);
    }
}

/* Record i of the hand-off test: key "k%08u", a stream of its length's
** bytes, each (i + j) & 0xff; every 5,000th larger than a block. */
static size_t handoff_len(uint32_t i) { return i % 5000 == 4999 ? (3u << 20) / 2 : (i * 37u) % 700; }

typedef struct {
    zhs_handoff *h;
    uint32_t n;
    int rc;
    uint32_t put;
} handoff_producer;

static void *produce(void *arg)
{
    handoff_producer *pr = arg;
    static uint8_t data[(3u << 20) / 2 + 256];
    zhs_error err = {0};
    pr->rc = ZHS_OK;
    for (uint32_t i = 0; i < pr->n && pr->rc == ZHS_OK; i++) {
        char key[16];
        snprintf(key, sizeof key, "k%08u", i);
        size_t len = handoff_len(i);
        for (size_t j = 0; j < len; j++) data[j] = (uint8_t)(i + j);
        /* in two parts, as the encoder's head and blocks */
        zhs_chunk parts[2] = {{data, len / 2}, {data + len / 2, len - len / 2}};
        pr->rc = zhs_handoff_put(pr->h, key, strlen(key), parts, 2, &err);
        if (pr->rc == ZHS_OK) pr->put++;
    }
    zhs_handoff_end(pr->h, pr->rc != ZHS_OK);
    return NULL;
}

static void check_handoff(void)
{
    zhs_error err = {0};
    zhs_handoff h;
    CHECK_OK(zhs_handoff_init(&h, &err), err);
    handoff_producer pr = {&h, 20000, -99, 0};
    pthread_t th;
    CHECK(pthread_create(&th, NULL, produce, &pr) == 0);
    /* let the producer fill its queue and wait */
    struct timespec ts = {0, 50 * 1000 * 1000};
    nanosleep(&ts, NULL);
    const char *key;
    size_t keylen;
    zhs_chunk st;
    uint32_t got = 0, bad = 0;
    int r;
    while ((r = zhs_handoff_next(&h, &key, &keylen, &st)) == 1) {
        char want[16];
        snprintf(want, sizeof want, "k%08u", got);
        bool ok = keylen == strlen(want) && memcmp(key, want, keylen) == 0 && st.len == handoff_len(got);
        for (size_t j = 0; ok && j < st.len; j++) ok = st.p[j] == (uint8_t)(got + j);
        if (!ok) bad++;
        got++;
    }
    pthread_join(th, NULL);
    CHECK_MSG(r == 0 && got == 20000 && bad == 0 && pr.rc == ZHS_OK, "hand-off: end %d, %u records, %u wrong, put %d",
              r, got, bad, pr.rc);
    zhs_handoff_destroy(&h);

    /* the merge reads one record and gives up: the waiting producer fails */
    CHECK_OK(zhs_handoff_init(&h, &err), err);
    pr = (handoff_producer){&h, 20000, -99, 0};
    CHECK(pthread_create(&th, NULL, produce, &pr) == 0);
    CHECK(zhs_handoff_next(&h, &key, &keylen, &st) == 1);
    nanosleep(&ts, NULL);
    zhs_handoff_abort(&h);
    pthread_join(th, NULL);
    CHECK_MSG(pr.rc != ZHS_OK && pr.put < 20000, "hand-off abort: put %d after %u records", pr.rc, pr.put);
    zhs_handoff_destroy(&h);

    /* a producer that fails: the merge is told so, not that the records ended */
    CHECK_OK(zhs_handoff_init(&h, &err), err);
    zhs_chunk one = {(const uint8_t *)"x", 1};
    CHECK_OK(zhs_handoff_put(&h, "a", 1, &one, 1, &err), err);
    zhs_handoff_end(&h, true);
    CHECK(zhs_handoff_next(&h, &key, &keylen, &st) == -1);
    zhs_handoff_destroy(&h);
}

int main(void)
{
    check_handoff();
    check_table_map();
    check_many_terms();
    bool runs;
    unsigned flushed;
    const char *ref = build(1, (size_t)1 << 30, false, &runs, &flushed);
    CHECK(!runs && flushed == 0);
    /* a title's terms planned once (invert.c) make the streams of the
    ** same tokens taken one by one */
    same_files(ref, build(1, (size_t)1 << 30, true, &runs, &flushed), "title tokens as the text's");
    same_files(ref, build(3, (size_t)3 << 10, true, &runs, &flushed), "title tokens as the text's, 3 shards flushing");
    static const unsigned shards[] = {1, 3, 8};
    for (size_t i = 0; i < sizeof shards / sizeof *shards; i++) {
        unsigned n = shards[i];
        char what[64];
        snprintf(what, sizeof what, "%u shards, no runs", n);
        same_files(ref, build(n, (size_t)1 << 30, false, &runs, &flushed), what);
        CHECK(!runs);
        /* a budget of 1 KB a shard: every shard flushes */
        snprintf(what, sizeof what, "%u shards, all flush", n);
        same_files(ref, build(n, (size_t)n << 10, false, &runs, &flushed), what);
        CHECK_MSG(runs && flushed == n, "%s: %u shards flushed", what, flushed);
        /* 48 KB a shard: only the heavy term's shard (60 KB of positions)
        ** outgrows it */
        if (n > 1) {
            snprintf(what, sizeof what, "%u shards, one flushes", n);
            same_files(ref, build(n, (size_t)n * (48u << 10), false, &runs, &flushed), what);
            CHECK_MSG(runs && flushed == 1, "%s: %u shards flushed", what, flushed);
        }
    }
    return zt_done("test_invert");
}
