/*
** cmd_bench.c — 'zhs bench': the benchmark harness.  Builds a native and
** a Xapian index of one corpus, times the query hot path of both side by
** side (and Lucene's when it is installed), measures throughput on all
** cores, the native hot paths in isolation and retrieval quality on the
** evaluation sets, and reports a table, JSON and an SVG chart.
** bench/README.md describes the protocol.
*/
#include "bench.h"
#include "query_int.h"

#include <errno.h>
#include <libgen.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---------------------------------------------------------------- options */

static const char help[] =
    "usage: zhs bench [options]\n"
    "Benchmarks the native and the Xapian engine side by side on one corpus:\n"
    "index build (time, MB/s, peak RSS, size by component), query latency by\n"
    "type (term, intersection, union, phrase, req_opt, negation) and mode (TOP_10,\n"
    "TOP_100, COUNT), throughput on all cores, the native hot paths, and\n"
    "Recall/MRR on the evaluation sets; Lucene 8 too when it is installed.\n"
    "  --corpus PATH     corpus folder or file (default ../shared/corpus/laws when\n"
    "                    present, else corpus/sample)\n"
    "  --workdir DIR     keep indexes and exchange files in DIR (default: a\n"
    "                    temporary directory, removed at the end)\n"
    "  --reuse           with --workdir: use the indexes already in DIR\n"
    "  --queries FILE    also run these queries (one a line) as type \"user\"\n"
    "  --json FILE       every result as JSON\n"
    "  --svg FILE        latency chart by query type, engines side by side\n"
    "  --quick           a small run for tests: 10 queries a type, 3 runs each,\n"
    "                    300 queries of the first evaluation set, short\n"
    "                    micro-benchmarks\n"
    "  --per-type N      generated queries per type (default 100)\n"
    "  --reps N          timed runs of every query in every mode (default 10)\n"
    "  --seed N          seed of the query sets and shuffles (default 42)\n"
    "  --threads N       threads of the index builds and of the throughput run\n"
    "                    (default: all cores)\n"
    "  --eval DIR        evaluation sets NAME.{passages,queries}.jsonl (default\n"
    "                    ../shared/eval when present)\n"
    "  --no-eval  --no-lucene  --no-throughput   leave a phase out\n"
    "  --no-xapian       native alone (and Lucene): no Xapian index, queries or\n"
    "                    ratios; native's queries then run back to back, as\n"
    "                    Lucene's do, not interleaved with Xapian's\n";

/* The first of the candidates that exists, relative to the working
** directory or else to the program's build directory's parent. */
static bool find_default(char *out, size_t n, const char *rel_cwd, const char *rel_exe)
{
    struct stat st;
    if (stat(rel_cwd, &st) == 0) {
        snprintf(out, n, "%s", rel_cwd);
        return true;
    }
    char exe[ZHS_PATH_MAX];
    ssize_t l = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (l <= 0) return false;
    exe[l] = 0;
    snprintf(out, n, "%s/%s", dirname(exe), rel_exe);
    return stat(out, &st) == 0;
}

static int parse_options(bench_cfg *c, int argc, char **argv, bool *help_shown)
{
    memset(c, 0, sizeof *c);
    c->lucene = c->threads_run = c->xapian = true;
    c->seed = 42;
    bool no_eval = false;
    size_t per_type = 0, reps = 0;
    const char *eval = NULL;
    for (int i = 1; i < argc; i++) {
        const char *v;
        size_t n;
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(help, stdout);
            *help_shown = true;
            return CLI_OK;
        } else if (cli_opt_value(argc, argv, &i, "--corpus", &v)) {
            if (!v) return cli_usage_error("bench", "--corpus needs a path");
            c->corpus = v;
        } else if (cli_opt_value(argc, argv, &i, "--workdir", &v)) {
            if (!v) return cli_usage_error("bench", "--workdir needs a directory");
            c->workdir = v;
        } else if (cli_opt_value(argc, argv, &i, "--queries", &v)) {
            if (!v) return cli_usage_error("bench", "--queries needs a file");
            c->queries_file = v;
        } else if (cli_opt_value(argc, argv, &i, "--json", &v)) {
            if (!v) return cli_usage_error("bench", "--json needs a file");
            c->json_path = v;
        } else if (cli_opt_value(argc, argv, &i, "--svg", &v)) {
            if (!v) return cli_usage_error("bench", "--svg needs a file");
            c->svg_path = v;
        } else if (cli_opt_value(argc, argv, &i, "--eval", &v)) {
            if (!v) return cli_usage_error("bench", "--eval needs a directory");
            eval = v;
        } else if (cli_opt_value(argc, argv, &i, "--per-type", &v)) {
            if (!cli_parse_size(v, &per_type) || per_type == 0 || per_type > 100000)
                return cli_usage_error("bench", "--per-type takes a number from 1 to 100000");
        } else if (cli_opt_value(argc, argv, &i, "--reps", &v)) {
            if (!cli_parse_size(v, &reps) || reps == 0 || reps > 10000)
                return cli_usage_error("bench", "--reps takes a number from 1 to 10000");
        } else if (cli_opt_value(argc, argv, &i, "--seed", &v)) {
            if (!cli_parse_size(v, &n)) return cli_usage_error("bench", "--seed takes a number");
            c->seed = n;
        } else if (cli_opt_value(argc, argv, &i, "--threads", &v)) {
            if (!cli_parse_size(v, &n) || n == 0 || n > 1024) return cli_usage_error("bench", "--threads takes a number from 1 to 1024");
            c->threads = (unsigned)n;
        } else if (cli_opt_flag(argv, i, "--quick")) c->quick = true;
        else if (cli_opt_flag(argv, i, "--reuse")) c->reuse = true;
        else if (cli_opt_flag(argv, i, "--no-eval")) no_eval = true;
        else if (cli_opt_flag(argv, i, "--no-lucene")) c->lucene = false;
        else if (cli_opt_flag(argv, i, "--no-xapian")) c->xapian = false;
        else if (cli_opt_flag(argv, i, "--no-throughput")) c->threads_run = false;
        else return cli_usage_error("bench", "unknown argument %s", argv[i]);
    }
    if (c->reuse && !c->workdir) return cli_usage_error("bench", "--reuse needs --workdir DIR (the indexes to reuse)");
    c->per_type = per_type ? per_type : c->quick ? 10 : 100;
    c->reps = reps ? reps : c->quick ? 3 : 10;
    c->eval_max = c->quick ? 300 : 0;
    static char corpus[ZHS_PATH_MAX], evaldir[ZHS_PATH_MAX];
    if (!c->corpus) {
        if (find_default(corpus, sizeof corpus, "../shared/corpus/laws", "../../shared/corpus/laws"))
            c->corpus = corpus;
        else if (find_default(corpus, sizeof corpus, "corpus/sample", "../corpus/sample")) {
            /* a run from another folder (a worktree) finds no laws: say
            ** so, or its figures pass for the real corpus's */
            fprintf(stderr, "zhs bench: no ../shared/corpus/laws from here: benchmarking the sample corpus %s "
                            "(give --corpus PATH for another)\n", corpus);
            c->corpus = corpus;
        } else
            return cli_usage_error("bench", "no corpus found: give one with --corpus PATH");
    }
    if (eval) c->eval_dir = eval;
    else if (!no_eval && find_default(evaldir, sizeof evaldir, "../shared/eval", "../../shared/eval")) c->eval_dir = evaldir;
    if (no_eval) c->eval_dir = NULL;
    return CLI_OK;
}

/* ---------------------------------------------------------------- phases */

typedef struct bench_state {
    bench_cfg cfg;
    bench_report rep;
    char work[ZHS_PATH_MAX];
    bool own_work;              /* created here: removed at the end */
    char dirs[2][ZHS_PATH_MAX];
    zhs_index *ix[2];
    zhs_analyzer *an;
    bench_sample sample;
    bench_qset qs;
    bench_lat lat;
    char lucene_docs[ZHS_PATH_MAX], lucene_queries[ZHS_PATH_MAX];
} bench_state;

static int make_workdir(bench_state *s, zhs_error *err)
{
    if (s->cfg.workdir) {
        snprintf(s->work, sizeof s->work, "%s", s->cfg.workdir);
        if (mkdir(s->work, 0755) != 0 && errno != EEXIST)
            return zhs_fail(err, ZHS_EIO, "bench: cannot create %s: %s", s->work, strerror(errno));
    } else {
        const char *tmp = getenv("TMPDIR");
        snprintf(s->work, sizeof s->work, "%s/zhs-bench.XXXXXX", tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(s->work)) return zhs_fail(err, ZHS_EIO, "bench: cannot create a temporary directory: %s", strerror(errno));
        s->own_work = true;
    }
    for (int e = 0; e < 2; e++) zhs_path_join(s->dirs[e], sizeof s->dirs[e], s->work, bench_engine_names[e]);
    return ZHS_OK;
}

/* Threads of the index builds and of the throughput run: --threads, or
** every core (what `zhs index` uses by default). */
static unsigned run_threads(const bench_state *s)
{
    return s->cfg.threads ? s->cfg.threads : s->rep.machine.nproc;
}

/* Phase 1: each engine's index, built (or reused). */
static int index_phase(bench_state *s, zhs_error *err)
{
    for (int e = 0; e < (s->cfg.xapian ? 2 : 1); e++) {
        bench_build *b = &s->rep.build[e];
        char manifest[ZHS_PATH_MAX];
        zhs_path_join(manifest, sizeof manifest, s->dirs[e], "MANIFEST");
        if (s->cfg.reuse && access(manifest, R_OK) == 0) {
            memset(b, 0, sizeof *b);
            b->reused = true;
            if (bench_index_sizes(b, s->dirs[e], err)) return err->code;
            fprintf(stderr, "zhs bench: reusing the %s index in %s\n", bench_engine_names[e], s->dirs[e]);
            continue;
        }
        fprintf(stderr, "zhs bench: building the %s index of %s…\n", bench_engine_names[e], s->cfg.corpus);
        zhs_path_remove(s->dirs[e]);
        if (bench_build_index(b, s->cfg.corpus, s->dirs[e], e == ENG_XAPIAN ? ZHS_ENGINE_XAPIAN : ZHS_ENGINE_NATIVE,
                              run_threads(s), err))
            return err->code;
        fprintf(stderr, "zhs bench: %s: %llu passages in %.1f s, peak RSS %.0f MB\n", bench_engine_names[e],
                (unsigned long long)b->passages, b->seconds, (double)b->maxrss_kb / 1024.0);
    }
    return ZHS_OK;
}

static int open_indexes(bench_state *s, zhs_error *err)
{
    if (zhs_index_open(&s->ix[0], s->dirs[0], err) || zhs_index_open_analyzer(&s->an, s->ix[0], err))
        return err->code;
    if (s->cfg.xapian && (zhs_index_open(&s->ix[1], s->dirs[1], err) || zhs_index_check_analyzer(s->ix[1], s->an, err)))
        return err->code;
    zhs_index_info in;
    zhs_index_info_get(s->ix[0], &in);
    s->rep.k1 = in.k1;
    s->rep.b = in.b;
    return ZHS_OK;
}

/* The corpus pass and the query sets. */
static int query_sets(bench_state *s, zhs_error *err)
{
    bench_rng rs, rq;
    bench_rng_seed(&rs, s->cfg.seed);
    bench_rng_seed(&rq, s->cfg.seed + 1);
    s->sample.cap = s->cfg.per_type * 20 > 2000 ? s->cfg.per_type * 20 : 2000;
    FILE *docs = NULL;
    if (s->rep.lucene.available) {
        zhs_path_join(s->lucene_docs, sizeof s->lucene_docs, s->work, "lucene-docs.txt");
        docs = fopen(s->lucene_docs, "w");
        if (!docs) return zhs_fail(err, ZHS_EIO, "bench: cannot write %s: %s", s->lucene_docs, strerror(errno));
    }
    fprintf(stderr, "zhs bench: reading the corpus%s…\n", docs ? " (and exporting its terms for Lucene)" : "");
    int rc = bench_scan_corpus(&s->rep.corpus_info, &s->sample, s->cfg.corpus, s->an, s->ix[0]->m.title_weight, docs,
                               &rs, err);
    if (docs) fclose(docs);
    if (rc) return rc;
    bench_micro *m = &s->rep.micro;
    m->an_bytes = s->rep.corpus_info.text_bytes;
    m->an_tokens = s->rep.corpus_info.tokens;
    m->an_seconds = s->rep.corpus_info.analyze_seconds;
    if (bench_make_queries(&s->qs, &s->sample, s->ix[0], s->an, s->cfg.per_type, &rq, err)) return err->code;
    if (s->cfg.queries_file && bench_add_user_queries(&s->qs, s->cfg.queries_file, s->ix[0], s->an, err)) return err->code;
    if (s->qs.n == 0) return zhs_fail(err, ZHS_EINVAL, "bench: no usable queries");
    if (s->rep.lucene.available) {
        zhs_path_join(s->lucene_queries, sizeof s->lucene_queries, s->work, "lucene-queries.txt");
        if (bench_lucene_export_queries(s->lucene_queries, &s->qs, s->an, err)) return err->code;
    }
    return ZHS_OK;
}

static int query_phase(bench_state *s, zhs_error *err)
{
    bench_rng rl, rt;
    bench_rng_seed(&rl, s->cfg.seed + 2);
    bench_rng_seed(&rt, s->cfg.seed + 3);
    if (bench_lat_alloc(&s->lat, s->qs.n)) return zhs_fail(err, ZHS_ENOMEM, "out of memory");
    if (bench_latency(&s->lat, &s->qs, s->ix, s->an, s->cfg.reps, &rl, err)) return err->code;
    bench_lucene *lu = &s->rep.lucene;
    if (lu->available) {
        zhs_error e2 = {0};
        fprintf(stderr, "zhs bench: running Lucene (%s)…\n", lu->jar);
        if (bench_lucene_run(lu, &s->lat, s->work, s->lucene_docs, s->lucene_queries, s->rep.k1, s->rep.b, s->cfg.reps,
                             s->cfg.seed + 2, s->cfg.quick, &e2))
            fprintf(stderr, "zhs bench: Lucene left out: %s\n", e2.message);   /* an optional peer */
    }
    if (s->cfg.threads_run) {
        unsigned threads = run_threads(s);
        const char *dirs[2] = {s->dirs[0], s->cfg.xapian ? s->dirs[1] : NULL};
        if (bench_throughput(&s->rep.tput, &s->qs, dirs, s->ix[0], threads, s->cfg.quick ? 1 : 3, &rt, err))
            return err->code;
    }
    return ZHS_OK;
}

static int micro_phase(bench_state *s, zhs_error *err)
{
    double t0 = zhs_now();
    if (bench_micro_postings(&s->rep.micro, s->ix[0], s->cfg.quick, err) ||
        bench_micro_scoring(&s->rep.micro, &s->qs, s->ix[0], s->an, s->cfg.quick, err))
        return err->code;
    fprintf(stderr, "zhs bench: hot paths: %.1f s\n", zhs_now() - t0);
    return ZHS_OK;
}

static int output_phase(bench_state *s, zhs_error *err)
{
    bench_print_table(stdout, &s->rep);
    if (s->cfg.json_path && bench_write_json(s->cfg.json_path, &s->rep, err)) return err->code;
    if (s->cfg.svg_path && bench_write_svg(s->cfg.svg_path, &s->rep, err)) return err->code;
    return ZHS_OK;
}

static void cleanup(bench_state *s)
{
    zhs_analyzer_close(s->an);
    zhs_index_close(s->ix[0]);
    zhs_index_close(s->ix[1]);
    bench_sample_free(&s->sample);
    bench_qset_free(&s->qs);
    bench_lat_free(&s->lat);
    free(s->rep.quality);
    if (s->own_work) zhs_path_remove(s->work);
}

int cmd_bench(int argc, char **argv)
{
    bench_state *s = calloc(1, sizeof *s);
    if (!s) return CLI_ERR;
    bool help_shown = false;
    int rc = parse_options(&s->cfg, argc, argv, &help_shown);
    if (rc != CLI_OK || help_shown) {
        free(s);
        return rc;
    }
    double t0 = zhs_now();
    zhs_error err = {0};
    s->rep.cfg = &s->cfg;
    s->rep.corpus = s->cfg.corpus;
    bench_machine_get(&s->rep.machine);
    if (s->cfg.lucene) bench_lucene_detect(&s->rep.lucene);
    else snprintf(s->rep.lucene.why, sizeof s->rep.lucene.why, "--no-lucene");
    if (!s->rep.lucene.available) fprintf(stderr, "zhs bench: Lucene skipped: %s\n", s->rep.lucene.why);
    s->rep.qs = &s->qs;
    s->rep.lat = &s->lat;
    /* The index phase comes first, while this process is small: a forked
    ** child's peak RSS includes the pages it shares with its parent. */
    if (make_workdir(s, &err) || index_phase(s, &err) || open_indexes(s, &err) || query_sets(s, &err) ||
        query_phase(s, &err) || micro_phase(s, &err))
        goto fail;
    if (s->cfg.eval_dir &&
        bench_quality_run(&s->rep.quality, &s->rep.nquality, s->cfg.eval_dir, s->work, s->cfg.quick ? 1 : 0,
                          s->cfg.eval_max, s->cfg.xapian, &err))
        goto fail;
    s->rep.total_seconds = zhs_now() - t0;
    if (output_phase(s, &err)) goto fail;
    cleanup(s);
    free(s);
    return CLI_OK;
fail:
    rc = cli_error(&err);
    if (s->own_work) fprintf(stderr, "zhs bench: work directory %s removed\n", s->work);
    cleanup(s);
    free(s);
    return rc;
}
