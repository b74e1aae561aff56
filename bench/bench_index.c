/*
** bench_index.c — the index phase: each engine builds the corpus in a
** forked child.  getrusage(RUSAGE_SELF) is cumulative for a process, so a
** child per engine is what makes ru_maxrss (read by wait4) the peak of that
** build alone.  The child runs the same calls as 'zhs index', allocator
** settings included.
*/
#include "bench.h"
#include "manifest.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* What the child reports through the pipe (smaller than PIPE_BUF, so one
** write is atomic). */
typedef struct child_msg {
    int code;
    char message[ZHS_ERROR_MAX];
    uint64_t passages, raw_bytes;
    double seconds;
} child_msg;

/* The build itself, in the child, with the allocator settings 'zhs index'
** makes (cli_build_malloc: they are the child's alone, and without them
** the figure was a build 'zhs index' does not run). */
static void build_in_child(child_msg *m, const char *corpus, const char *dir, int engine, unsigned threads)
{
    cli_build_malloc();
    zhs_error err = {0};
    zhs_analyzer_config ac;
    zhs_analyzer_config_default(&ac);
    /* as 'zhs index --engine xapian': Xapian cannot make character terms */
    if (engine == ZHS_ENGINE_XAPIAN) ac.chars = ZHS_CHARS_ALL;
    zhs_writer_options wo;
    zhs_writer_options_default(&wo);
    wo.engine = engine;
    wo.threads = threads;
    zhs_analyzer *an = NULL;
    zhs_corpus *c = NULL;
    zhs_writer *w = NULL;
    const char *paths[1] = {corpus};
    double t0 = zhs_now();
    if (zhs_analyzer_open(&an, &ac, &err) || zhs_corpus_open(&c, paths, 1, NULL, &err) ||
        zhs_writer_open(&w, dir, an, &wo, &err))
        goto done;
    for (;;) {
        const zhs_document *doc;
        int rc = zhs_corpus_next(c, &doc, &err);
        if (rc == ZHS_DONE) break;
        if (rc) goto done;
        for (size_t i = 0; i < doc->npassages; i++)
            if (zhs_writer_add(w, &doc->passages[i], &err)) goto done;
        m->passages += doc->npassages;
    }
    if (m->passages == 0) {
        zhs_fail(&err, ZHS_EINVAL, "%s: no passages found (give a folder of .md/.txt/.jsonl files)", corpus);
        goto done;
    }
    zhs_writer_commit(w, &err);
done:
    m->seconds = zhs_now() - t0;
    if (c) {
        zhs_corpus_stats st;
        zhs_corpus_stats_get(c, &st);
        m->raw_bytes = st.bytes;
    }
    zhs_writer_close(w);
    zhs_corpus_close(c);
    zhs_analyzer_close(an);
    m->code = err.code;
    snprintf(m->message, sizeof m->message, "%s", err.message);
}

static uint64_t path_size(const char *dir, const char *name)
{
    char path[ZHS_PATH_MAX];
    if (!zhs_path_join(path, sizeof path, dir, name)) return 0;
    struct stat st;
    if (stat(path, &st) != 0) return 0;
    if (S_ISDIR(st.st_mode)) return zhs_path_size(path);
    return (uint64_t)st.st_size;
}

/* The generation's tables both engines write beside their postings
** (metadata, citations, the file table, the user dictionary): counted as
** one component, so that the total is the whole index, as 'zhs stats'
** counts it. */
static uint64_t tables_size(const char *dir, uint64_t gen)
{
    static const char *const ext[] = {"meta", "cite", "files", "userdict"};
    uint64_t sum = 0;
    for (size_t i = 0; i < sizeof ext / sizeof *ext; i++) {
        char name[64];
        snprintf(name, sizeof name, "g%llu.%s", (unsigned long long)gen, ext[i]);
        sum += path_size(dir, name);
    }
    return sum;
}

/* The components 'zhs stats' lists: g<gen>.{dict,post,pos,len,store} for
** the native engine, the x<gen>-<shard> databases for Xapian; then both
** engines' tables. */
int bench_index_sizes(bench_build *out, const char *dir, zhs_error *err)
{
    zhs_manifest m;
    if (zhs_manifest_read(&m, dir, err)) return err->code;
    out->passages = m.passages;
    out->source_bytes = m.source_bytes;
    out->ncomp = 0;
    out->total = 0;
    if (m.engine == ZHS_ENGINE_NATIVE) {
        static const char *const comp[] = {"dict", "post", "pos", "len", "store"};
        for (size_t i = 0; i < 5; i++) {
            bench_comp *c = &out->comp[out->ncomp++];
            char name[64];
            snprintf(name, sizeof name, "g%llu.%s", (unsigned long long)m.generation, comp[i]);
            snprintf(c->name, sizeof c->name, "%s", comp[i]);
            c->bytes = path_size(dir, name);
            out->total += c->bytes;
        }
    } else {
        for (unsigned i = 0; i < m.shards; i++) {
            char name[40];
            snprintf(name, sizeof name, "x%llu-%u", (unsigned long long)m.generation, i);
            uint64_t sz = path_size(dir, name);
            out->total += sz;
            if (out->ncomp < 7) {          /* the last slot is the tables' */
                snprintf(out->comp[out->ncomp].name, sizeof out->comp[0].name, "%s", name);
                out->comp[out->ncomp++].bytes = sz;
            } else {
                out->comp[6].bytes += sz;   /* many shards: the rest are summed in the last */
            }
        }
    }
    bench_comp *t = &out->comp[out->ncomp++];
    snprintf(t->name, sizeof t->name, "tables");
    t->bytes = tables_size(dir, m.generation);
    out->total += t->bytes;
    return ZHS_OK;
}

static bool read_all(int fd, void *buf, size_t n)
{
    uint8_t *p = buf;
    while (n > 0) {
        ssize_t r = read(fd, p, n);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return false;
        p += r;
        n -= (size_t)r;
    }
    return true;
}

int bench_build_index(bench_build *out, const char *corpus, const char *dir, int engine, unsigned threads,
                      zhs_error *err)
{
    memset(out, 0, sizeof *out);
    if (zhs_err_code(err)) return err->code;
    int fd[2];
    if (pipe(fd) != 0) return zhs_fail(err, ZHS_EIO, "bench: pipe: %s", strerror(errno));
    fflush(NULL);               /* the child must not write our buffered output twice */
    pid_t pid = fork();
    if (pid < 0) {
        close(fd[0]);
        close(fd[1]);
        return zhs_fail(err, ZHS_EIO, "bench: fork: %s", strerror(errno));
    }
    if (pid == 0) {
        close(fd[0]);
        child_msg m;
        memset(&m, 0, sizeof m);
        build_in_child(&m, corpus, dir, engine, threads);
        ssize_t w = write(fd[1], &m, sizeof m);
        _exit(w == (ssize_t)sizeof m && m.code == 0 ? 0 : 1);
    }
    close(fd[1]);
    child_msg m;
    bool got = read_all(fd[0], &m, sizeof m);
    close(fd[0]);
    int status = 0;
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    while (wait4(pid, &status, 0, &ru) < 0 && errno == EINTR) {}
    if (!got)
        return zhs_fail(err, ZHS_EINTERNAL, "bench: building the %s index of %s: the child died (status %d)",
                        engine == ZHS_ENGINE_XAPIAN ? "xapian" : "native", corpus, status);
    if (m.code) return zhs_fail(err, m.code, "%s", m.message);
    out->seconds = m.seconds;
    out->raw_bytes = m.raw_bytes;
    out->maxrss_kb = ru.ru_maxrss;
    out->threads = threads;
    if (bench_index_sizes(out, dir, err)) return err->code;
    out->ok = true;
    return ZHS_OK;
}
