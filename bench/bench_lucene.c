/*
** bench_lucene.c — Lucene 8 as an optional peer.  When Debian's
** liblucene8-java and a JDK are installed, bench/LuceneBench.java is
** compiled into the work directory and run on the terms zhs exported (the
** same analyzed tokens, the same queries already analyzed), and its
** per-query medians are merged into the latency table.  Otherwise the
** bench says why it skipped Lucene and goes on.
*/
#include "bench.h"
#include "query_int.h"

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <libgen.h>
#include <math.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static bool on_path(const char *prog)
{
    const char *path = getenv("PATH");
    if (!path) return false;
    char *copy = strdup(path);
    bool found = false;
    for (char *save = NULL, *d = copy ? strtok_r(copy, ":", &save) : NULL; d && !found; d = strtok_r(NULL, ":", &save)) {
        char p[ZHS_PATH_MAX];
        snprintf(p, sizeof p, "%s/%s", d, prog);
        found = access(p, X_OK) == 0;
    }
    free(copy);
    return found;
}

/* The first file matching one of the patterns. */
static bool find_jar(char *out, size_t n)
{
    const char *env = getenv("ZHS_LUCENE_JAR");
    if (env && *env) {
        snprintf(out, n, "%s", env);
        return access(out, R_OK) == 0;
    }
    static const char *const pats[] = {
        "/usr/share/java/lucene8-core.jar", "/usr/share/java/lucene-core-8*.jar",
        "/usr/share/maven-repo/org/apache/lucene/lucene-core/8.*/lucene-core-8*.jar",
    };
    for (size_t i = 0; i < sizeof pats / sizeof pats[0]; i++) {
        glob_t g;
        if (glob(pats[i], 0, NULL, &g) == 0 && g.gl_pathc > 0) {
            snprintf(out, n, "%s", g.gl_pathv[g.gl_pathc - 1]);
            globfree(&g);
            return true;
        }
        globfree(&g);
    }
    return false;
}

/* bench/LuceneBench.java: next to this source file (cmake compiles with
** absolute paths), or next to the program's build directory. */
static bool find_source(char *out, size_t n)
{
    const char *env = getenv("ZHS_LUCENE_SRC");
    if (env && *env) {
        snprintf(out, n, "%s", env);
        return access(out, R_OK) == 0;
    }
    char here[ZHS_PATH_MAX];
    snprintf(here, sizeof here, "%s", __FILE__);
    snprintf(out, n, "%s/LuceneBench.java", dirname(here));
    if (access(out, R_OK) == 0) return true;
    char exe[ZHS_PATH_MAX];
    ssize_t l = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (l > 0) {
        exe[l] = 0;
        snprintf(out, n, "%s/../bench/LuceneBench.java", dirname(exe));
        if (access(out, R_OK) == 0) return true;
    }
    return false;
}

void bench_lucene_detect(bench_lucene *l)
{
    memset(l, 0, sizeof *l);
    char src[ZHS_PATH_MAX];
    if (!find_jar(l->jar, sizeof l->jar))
        snprintf(l->why, sizeof l->why, "Lucene 8 not found (apt-get install liblucene8-java default-jdk-headless; "
                 "or set ZHS_LUCENE_JAR)");
    else if (!on_path("javac") || !on_path("java"))
        snprintf(l->why, sizeof l->why, "no JDK: javac and java are needed (apt-get install default-jdk-headless)");
    else if (!find_source(src, sizeof src))
        snprintf(l->why, sizeof l->why, "bench/LuceneBench.java not found (set ZHS_LUCENE_SRC)");
    else
        l->available = true;
}

/* ---------------------------------------------------------------- export */

static void put_key(FILE *f, const char *key, uint32_t len, unsigned num)
{
    fwrite(key, 1, len, f);
    fprintf(f, "\x1f%u", num);
}

int bench_lucene_export_queries(const char *path, const bench_qset *qs, zhs_analyzer *an, zhs_error *err)
{
    if (zhs_err_code(err)) return err->code;
    FILE *f = fopen(path, "w");
    if (!f) return zhs_fail(err, ZHS_EIO, "bench: cannot write %s: %s", path, strerror(errno));
    zhs_arena a;
    zhs_arena_init(&a, 64 * 1024);
    for (size_t i = 0; i < qs->n; i++) {
        zhs_query q;
        zhs_arena_reset(&a);
        /* every query parsed when it was generated or read */
        if (zhs_query_parse(&q, &a, an, qs->q[i].text, err)) break;
        fprintf(f, "%zu\t", i);
        for (size_t t = 0; t < q.nterms; t++) {
            if (t) fputc(' ', f);
            put_key(f, q.terms[t].key, q.terms[t].len, q.terms[t].qtf);
        }
        for (size_t c = 0; c < q.nclauses; c++) {
            const zhs_qclause *cl = &q.clauses[c];
            fputs(cl->occur == ZHS_OCCUR_MUST ? "\t+" : "\t-", f);
            for (size_t e = 0; e < cl->nelems; e++) {
                if (e) fputc(' ', f);
                put_key(f, cl->elems[e].key, cl->elems[e].len, cl->elems[e].qpos);
            }
        }
        fputc('\n', f);
    }
    zhs_arena_free(&a);
    if (fclose(f) != 0 && !zhs_err_code(err)) zhs_fail(err, ZHS_EIO, "bench: cannot write %s", path);
    return zhs_err_code(err);
}

/* ---------------------------------------------------------------- run */

/* Runs argv with stdout and stderr appended to log; returns the exit status. */
static int run_logged(char *const argv[], const char *log)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
            close(fd);
        }
        execvp(argv[0], argv);
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static const char *log_tail(const char *log)
{
    static char tail[400];
    tail[0] = 0;
    FILE *f = fopen(log, "r");
    if (!f) return tail;
    fseek(f, 0, SEEK_END);
    long sz = ftell(f);
    fseek(f, sz > 300 ? sz - 300 : 0, SEEK_SET);
    size_t n = fread(tail, 1, sizeof tail - 1, f);
    tail[n] = 0;
    for (char *p = tail; *p; p++)
        if (*p == '\n') *p = ' ';
    fclose(f);
    return tail;
}

static int mode_index(const char *name)
{
    for (int m = 0; m < MODE_N; m++)
        if (!strcmp(name, bench_mode_names[m])) return m;
    return -1;
}

/* Reads LuceneBench's output into lu and lat. */
static int parse_output(bench_lucene *lu, bench_lat *lat, const char *path, zhs_error *err)
{
    FILE *f = fopen(path, "r");
    if (!f) return zhs_fail(err, ZHS_EIO, "bench: LuceneBench wrote no results (%s)", path);
    char *line = NULL;
    size_t cap = 0;
    size_t nlat = 0;
    while (getline(&line, &cap, f) >= 0) {
        line[strcspn(line, "\n")] = 0;
        char *save = NULL, *kind = strtok_r(line, "\t", &save);
        if (!kind) continue;
        if (!strcmp(kind, "index")) {
            char *s = strtok_r(NULL, "\t", &save), *d = strtok_r(NULL, "\t", &save), *b = strtok_r(NULL, "\t", &save),
                 *v = strtok_r(NULL, "\t", &save);
            if (!s || !d || !b) continue;
            lu->index_seconds = atof(s);
            lu->docs = strtoull(d, NULL, 10);
            lu->index_bytes = strtoull(b, NULL, 10);
            snprintf(lu->version, sizeof lu->version, "Lucene %s", v ? v : "8");
        } else if (!strcmp(kind, "lat")) {
            char *m = strtok_r(NULL, "\t", &save), *q = strtok_r(NULL, "\t", &save), *ms = strtok_r(NULL, "\t", &save),
                 *c = strtok_r(NULL, "\t", &save);
            int mode = m ? mode_index(m) : -1;
            size_t qi = q ? strtoul(q, NULL, 10) : SIZE_MAX;
            if (mode < 0 || qi >= lat->nq || !ms || !c) continue;
            lat->med[ENG_LUCENE][mode][qi] = atof(ms);
            lat->matches[ENG_LUCENE][mode][qi] = strtoull(c, NULL, 10);
            nlat++;
        } else if (!strcmp(kind, "top")) {
            char *q = strtok_r(NULL, "\t", &save), *docs = strtok_r(NULL, "\t", &save);
            size_t qi = q ? strtoul(q, NULL, 10) : SIZE_MAX;
            if (qi >= lat->nq) continue;
            uint8_t n = 0;
            for (char *s2 = NULL, *d = docs ? strtok_r(docs, " ", &s2) : NULL; d && n < BENCH_TOPN; d = strtok_r(NULL, " ", &s2))
                lat->top[ENG_LUCENE][qi * BENCH_TOPN + n++] = (uint32_t)strtoul(d, NULL, 10);
            lat->ntop[ENG_LUCENE][qi] = n;
        }
    }
    free(line);
    fclose(f);
    if (nlat != lat->nq * MODE_N)
        return zhs_fail(err, ZHS_EINTERNAL, "bench: LuceneBench returned %zu of %zu latencies", nlat, lat->nq * MODE_N);
    return ZHS_OK;
}

int bench_lucene_run(bench_lucene *lu, bench_lat *lat, const char *workdir, const char *docs,
                     const char *queries, double k1, double b, size_t reps, uint64_t seed,
                     bool quick, zhs_error *err)
{
    if (zhs_err_code(err)) return err->code;
    char src[ZHS_PATH_MAX], classes[ZHS_PATH_MAX], log[ZHS_PATH_MAX], out[ZHS_PATH_MAX], index[ZHS_PATH_MAX], cp[9000];
    find_source(src, sizeof src);
    zhs_path_join(classes, sizeof classes, workdir, "lucene-classes");
    zhs_path_join(log, sizeof log, workdir, "lucene.log");
    zhs_path_join(out, sizeof out, workdir, "lucene-results.tsv");
    zhs_path_join(index, sizeof index, workdir, "lucene-index");
    snprintf(cp, sizeof cp, "%s:%s", lu->jar, classes);
    zhs_path_remove(index);
    unlink(out);
    unlink(log);
    double t0 = zhs_now();
    char *javac[] = {"javac", "-nowarn", "-cp", lu->jar, "-d", classes, src, NULL};
    if (run_logged(javac, log) != 0) {
        snprintf(lu->why, sizeof lu->why, "javac failed: %s", log_tail(log));
        return zhs_fail(err, ZHS_EINTERNAL, "bench: compiling %s failed: %s", src, log_tail(log));
    }
    char sk1[32], sb[32], sreps[32], sseed[32], swarm[16];
    snprintf(sk1, sizeof sk1, "%g", k1);
    snprintf(sb, sizeof sb, "%g", b);
    snprintf(sreps, sizeof sreps, "%zu", reps);
    snprintf(sseed, sizeof sseed, "%llu", (unsigned long long)seed);
    snprintf(swarm, sizeof swarm, "%d", quick ? 1 : 5);
    char *java[] = {"java", "-cp", cp, "LuceneBench", (char *)docs, (char *)queries, index, sk1, sb, sreps, sseed,
                    swarm, out, NULL};
    if (run_logged(java, log) != 0) {
        snprintf(lu->why, sizeof lu->why, "LuceneBench failed: %s", log_tail(log));
        return zhs_fail(err, ZHS_EINTERNAL, "bench: LuceneBench failed (%s): %s", log, log_tail(log));
    }
    if (parse_output(lu, lat, out, err)) return err->code;
    lat->have[ENG_LUCENE] = true;
    lu->ran = true;
    fprintf(stderr, "zhs bench: lucene (%s): index %.1f s, all phases %.1f s\n", lu->version, lu->index_seconds,
            zhs_now() - t0);
    return ZHS_OK;
}
