/*
** test_syncs.c — a build's files are synced together (common.h zhs_syncs:
** each fsync on a thread of its own, waited for before the MANIFEST) and
** that must not weaken what the commit promises:
**   - every file the MANIFEST names has been fsynced, to the end, before
**     the MANIFEST is renamed in (fsync is wrapped at link time and made
**     slow for .post, so that a commit that did not wait would be caught);
**   - an fsync that fails, whichever file's, fails the commit with that
**     file's path and its own errno, and the old index stays as it was,
**     without a file of the failed generation;
**   - with no failure the new index replaces the old one;
**   - a Xapian update (an engine that commits in place) whose files'
**     fsync fails leaves the old index as it was, openable;
**   - an outfile several writeback starts long (ZHS_OUTFILE_WRITEBACK),
**     written in odd pieces, with its fsync handed to a set, holds the
**     bytes given, its footer right, once the set is waited for.
** Built with -Wl,--wrap=fsync,--wrap=rename (tests/CMakeLists.txt).
*/
#include "harness.h"
#include "format.h"
#include "outfile.h"
#include "zhs.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The generation's files (of a build without a user dictionary). */
static const char *const kinds[] = {".post", ".pos", ".len", ".dict", ".store", ".files", ".meta", ".cite"};
#define NKINDS (sizeof kinds / sizeof kinds[0])

/* The wrappers' state: the test's, shared with the library's threads. */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static const char *fail_suffix;     /* fsync of a path ending so fails with fail_errno */
static int fail_errno;
static unsigned synced;             /* bit k: a file ending in kinds[k] was fsynced (returned) */
static int renames_early;           /* MANIFEST renamed in before every file was synced */

int __real_fsync(int fd);
int __real_rename(const char *from, const char *to);

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

int __wrap_fsync(int fd)
{
    char link[64], path[4096];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, path, sizeof path - 1);
    path[n > 0 ? n : 0] = 0;
    pthread_mutex_lock(&mu);
    bool fail = fail_suffix && ends_with(path, fail_suffix);
    int e = fail_errno;
    pthread_mutex_unlock(&mu);
    if (fail) {
        errno = e;
        return -1;
    }
    if (ends_with(path, ".post")) {
        /* a slow disk: the commit must wait for it */
        struct timespec ts = {0, 30 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    int rc = __real_fsync(fd);
    pthread_mutex_lock(&mu);
    for (size_t k = 0; k < NKINDS; k++)
        if (rc == 0 && ends_with(path, kinds[k])) synced |= 1u << k;
    pthread_mutex_unlock(&mu);
    return rc;
}

int __wrap_rename(const char *from, const char *to)
{
    if (ends_with(to, "/MANIFEST")) {
        pthread_mutex_lock(&mu);
        if (synced != (1u << NKINDS) - 1) renames_early++;
        pthread_mutex_unlock(&mu);
    }
    return __real_rename(from, to);
}

static void make_corpus(const char *dir, const char *word, int files)
{
    char name[64], text[512];
    for (int i = 0; i < files; i++) {
        snprintf(name, sizeof name, "法规/示例条例%d.md", i);
        snprintf(text, sizeof text, "# 示例条例%d\n\n第一条 本条例规定%s的管理。\n\n第二条 %s应当登记。\n", i, word,
                 word);
        zt_write_bytes(dir, name, text, strlen(text));
    }
}

/* Builds corpus into dir with threads analysing; returns the commit's
** code, its message in msg. */
static int build_as(const char *dir, const char *corpus, zhs_analyzer *an, unsigned threads, int engine, bool update,
                    char *msg, size_t msgn)
{
    zhs_error err = {0};
    zhs_corpus *c = NULL;
    zhs_writer *w = NULL;
    zhs_writer_options o;
    zhs_writer_options_default(&o);
    o.threads = threads;
    o.engine = engine;
    const char *paths[] = {corpus};
    int rc = zhs_corpus_open(&c, paths, 1, NULL, &err);
    if (!rc) rc = update ? zhs_writer_open_update(&w, dir, an, &o, &err) : zhs_writer_open(&w, dir, an, &o, &err);
    if (!rc) {
        zhs_corpus_set_filter(c, zt_name_source, w);
        for (;;) {
            const zhs_document *doc;
            rc = zhs_corpus_next(c, &doc, &err);
            if (rc == ZHS_DONE) {
                rc = ZHS_OK;
                break;
            }
            if (rc) break;
            for (size_t i = 0; i < doc->npassages && !rc; i++) rc = zhs_writer_add(w, &doc->passages[i], &err);
            if (rc) break;
        }
    }
    if (!rc) rc = zhs_writer_commit(w, &err);
    zhs_writer_close(w);
    zhs_corpus_close(c);
    snprintf(msg, msgn, "%s", rc ? err.message : "");
    return rc;
}

static int build(const char *dir, const char *corpus, zhs_analyzer *an, unsigned threads, char *msg, size_t msgn)
{
    return build_as(dir, corpus, an, threads, ZHS_ENGINE_NATIVE, false, msg, msgn);
}

static uint64_t passages_of(const char *dir, uint64_t *generation)
{
    zhs_error err = {0};
    zhs_index *ix = NULL;
    CHECK_OK(zhs_index_open(&ix, dir, &err), err);
    if (!ix) return 0;
    zhs_index_info info;
    zhs_index_info_get(ix, &info);
    zhs_index_close(ix);
    *generation = info.generation;
    return info.passages;
}

/* Files of a generation other than gen in dir. */
static int other_generation_files(const char *dir, uint64_t gen)
{
    char keep[32];
    snprintf(keep, sizeof keep, "g%llu.", (unsigned long long)gen);
    DIR *d = opendir(dir);
    if (!d) return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] == 'g' && strncmp(e->d_name, keep, strlen(keep)) != 0) n++;
    closedir(d);
    return n;
}

static void test_outfile(const char *dir)
{
    zhs_error err = {0};
    char path[600];
    snprintf(path, sizeof path, "%s/big.post", dir);
    size_t n = 3 * ZHS_OUTFILE_WRITEBACK + 12345;
    uint8_t *want = malloc(n);
    if (!want) return;
    uint64_t seed = 0x2545F4914F6CDD1Dull;
    for (size_t i = 0; i < n; i++) want[i] = (uint8_t)zt_xorshift(&seed);
    zhs_syncs *s = NULL;
    CHECK_OK(zhs_syncs_open(&s, &err), err);
    zhs_outfile o;
    CHECK_OK(zhs_outfile_open(&o, path, ZHS_MAGIC_POST, &err), err);
    o.syncs = s;
    for (size_t done = 0; done < n;) {
        size_t k = 1 + zt_xorshift(&seed) % 300000;
        if (k > n - done) k = n - done;
        zhs_outfile_write(&o, want + done, k);
        done += k;
    }
    synced = 0;
    CHECK_OK(zhs_outfile_finish(&o, &err), err);
    CHECK_OK(zhs_syncs_wait(s, &err), err);
    CHECK(synced & 1u);         /* kinds[0], .post: synced by the set */
    zhs_buf b;
    zhs_buf_init(&b);
    CHECK_OK(zhs_file_read(&b, path, false, 0, &err), err);
    const uint8_t *body = NULL;
    size_t body_len = 0;
    CHECK_OK(zhs_file_check(&body, &body_len, (const uint8_t *)b.data, b.len, ZHS_MAGIC_POST, true, path, &err), err);
    CHECK(body_len == n && body && memcmp(body, want, n) == 0);
    zhs_buf_free(&b);
    zhs_syncs_close(s);
    free(want);
}

/* An engine that updates in place (Xapian) commits its own database
** right before the MANIFEST: a failed fsync of the generation's other
** files must fail the update before that commit, so that the old index
** still opens as it was (not a database a generation ahead of its
** MANIFEST, which no open accepts). */
static void test_xapian_update(const char *tmp, const char *a, const char *b, zhs_analyzer *an)
{
#ifdef ZHS_WITH_XAPIAN
    static const char *const xkinds[] = {".files", ".meta", ".cite"};
    char ix[512], msg[1024];
    snprintf(ix, sizeof ix, "%s/ixx", tmp);
    CHECK_MSG(build_as(ix, a, an, 1, ZHS_ENGINE_XAPIAN, false, msg, sizeof msg) == 0, "xapian: %s", msg);
    uint64_t gen = 0, old = passages_of(ix, &gen);
    CHECK(old > 0);
    for (size_t k = 0; k < sizeof xkinds / sizeof *xkinds; k++) {
        pthread_mutex_lock(&mu);
        fail_suffix = xkinds[k];
        fail_errno = EIO;
        pthread_mutex_unlock(&mu);
        int rc = build_as(ix, b, an, 1, ZHS_ENGINE_XAPIAN, true, msg, sizeof msg);
        pthread_mutex_lock(&mu);
        fail_suffix = NULL;
        pthread_mutex_unlock(&mu);
        CHECK_MSG(rc != 0, "xapian update: a failed fsync of %s did not fail it", xkinds[k]);
        CHECK_MSG(strstr(msg, xkinds[k]) && strstr(msg, strerror(EIO)), "xapian update, %s: \"%s\"", xkinds[k], msg);
        uint64_t g2 = 0, n = passages_of(ix, &g2);
        CHECK_MSG(n == old && g2 == gen, "xapian update, %s failing: the old index (%llu passages, generation "
                  "%llu) is now %llu, %llu", xkinds[k], (unsigned long long)old, (unsigned long long)gen,
                  (unsigned long long)n, (unsigned long long)g2);
    }
    CHECK_MSG(build_as(ix, b, an, 1, ZHS_ENGINE_XAPIAN, true, msg, sizeof msg) == 0, "xapian update: %s", msg);
    uint64_t g3 = 0, n = passages_of(ix, &g3);
    CHECK_MSG(n > old && g3 == gen + 1, "xapian update: %llu passages (before %llu), generation %llu",
              (unsigned long long)n, (unsigned long long)old, (unsigned long long)g3);
#else
    (void)tmp, (void)a, (void)b, (void)an;
    printf("test_syncs: built without Xapian: its in-place update is not tested\n");
#endif
}

int main(void)
{
    zhs_error err = {0};
    zhs_analyzer *an = NULL;
    zhs_analyzer_config ac;
    zhs_analyzer_config_default(&ac);
    CHECK_OK(zhs_analyzer_open(&an, &ac, &err), err);
    if (!an) return zt_done("test_syncs");
    const char *tmp = zt_tmpdir();
    char a[512], b[512], ix[512];
    snprintf(a, sizeof a, "%s/a", tmp);
    snprintf(b, sizeof b, "%s/b", tmp);
    snprintf(ix, sizeof ix, "%s/ix", tmp);
    make_corpus(a, "船舶", 3);
    make_corpus(b, "车辆", 5);
    test_outfile(tmp);
    test_xapian_update(tmp, a, b, an);

    char msg[1024];
    for (unsigned threads = 1; threads <= 2; threads++) {
        /* the old index: A, every file synced before its MANIFEST */
        synced = 0;
        renames_early = 0;
        CHECK_MSG(build(ix, a, an, threads, msg, sizeof msg) == 0, "threads %u: %s", threads, msg);
        CHECK_MSG(renames_early == 0, "threads %u: MANIFEST renamed in before every file was synced (%#x)",
                  threads, synced);
        uint64_t gen = 0, old = passages_of(ix, &gen);
        CHECK(old > 0);

        /* each file's fsync failing in turn, with two errnos */
        for (size_t k = 0; k < NKINDS; k++) {
            int e = k % 2 ? ENOSPC : EIO;
            pthread_mutex_lock(&mu);
            fail_suffix = kinds[k];
            fail_errno = e;
            pthread_mutex_unlock(&mu);
            int rc = build(ix, b, an, threads, msg, sizeof msg);
            pthread_mutex_lock(&mu);
            fail_suffix = NULL;
            pthread_mutex_unlock(&mu);
            char want[64];
            snprintf(want, sizeof want, "g%llu%s", (unsigned long long)gen + 1, kinds[k]);
            CHECK_MSG(rc != 0, "threads %u: a failed fsync of %s did not fail the build", threads, kinds[k]);
            CHECK_MSG(strstr(msg, want) && strstr(msg, strerror(e)), "threads %u: fsync of %s failed with %s: "
                      "the build said \"%s\"", threads, want, strerror(e), msg);
            uint64_t g2 = 0, n = passages_of(ix, &g2);
            CHECK_MSG(n == old && g2 == gen, "threads %u, %s: the old index (%llu passages, generation %llu) "
                      "is now %llu, %llu", threads, kinds[k], (unsigned long long)old, (unsigned long long)gen,
                      (unsigned long long)n, (unsigned long long)g2);
            CHECK_MSG(other_generation_files(ix, gen) == 0, "threads %u, %s: files of the failed build stay",
                      threads, kinds[k]);
        }

        /* no failure: B replaces A */
        synced = 0;
        renames_early = 0;
        CHECK_MSG(build(ix, b, an, threads, msg, sizeof msg) == 0, "threads %u: %s", threads, msg);
        CHECK(renames_early == 0);
        uint64_t g3 = 0, n = passages_of(ix, &g3);
        CHECK_MSG(n > old && g3 == gen + 1, "threads %u: %llu passages (A had %llu), generation %llu", threads,
                  (unsigned long long)n, (unsigned long long)old, (unsigned long long)g3);
        CHECK(other_generation_files(ix, g3) == 0);
        /* the next round starts from A again */
        char cmd[1100];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", ix);
        CHECK(system(cmd) == 0);
    }
    zhs_analyzer_close(an);
    return zt_done("test_syncs");
}
