/*
** bench.h — 'zhs bench': what the benchmark's phases share.
**
**   cmd_bench.c      options, the order of the phases, clean-up
**   bench_index.c    index phase: each engine built in a forked child
**                    (wall time, peak RSS via wait4, size by component)
**   bench_corpus.c   one pass over the corpus: passages sampled for the
**                    query sets, the analyzer timed, Lucene's tokens exported
**   bench_queries.c  the query sets, generated from the sample (fixed seed)
**   bench_latency.c  single-thread latency, engines interleaved query by
**                    query; the all-core throughput run
**   bench_micro.c    hot paths: posting decoding, the scoring loop
**   bench_quality.c  Recall@1/5/20 and MRR@10 on ../shared/eval
**   bench_lucene.c   the optional Lucene peer (bench/LuceneBench.java)
**   bench_report.c   table on stdout, --json, --svg
**   bench_util.c     names, the seeded random generator
** See bench/README.md for the protocol.
**
** The bench is white-box on purpose: it times internal paths (posting
** decoding, the scoring loop) and reads internal headers (query_int.h,
** terms.h), which its build alone may include (CMakeLists.txt); the rest
** of the zhs program sees only zhs.h and common/'s utilities.
*/
#ifndef ZHS_BENCH_H
#define ZHS_BENCH_H

#include "cli.h"

#include <stdio.h>

enum { ENG_NATIVE, ENG_XAPIAN, ENG_LUCENE, ENG_N };
enum { QT_TERM, QT_AND, QT_OR, QT_PHRASE, QT_REQOPT, QT_NOT, QT_USER, QT_N };
enum { MODE_TOP10, MODE_TOP100, MODE_COUNT, MODE_N };

extern const char *const bench_engine_names[ENG_N];
extern const char *const bench_type_names[QT_N];
extern const char *const bench_mode_names[MODE_N];

/* Deterministic random numbers (xorshift64*): the same seed gives the same
** query sets and the same shuffles on every machine. */
typedef struct bench_rng { uint64_t s; } bench_rng;
void bench_rng_seed(bench_rng *r, uint64_t seed);
uint64_t bench_rng_next(bench_rng *r);
size_t bench_rng_below(bench_rng *r, size_t n);      /* uniform in [0, n) */
void bench_shuffle(bench_rng *r, uint32_t *v, size_t n);

typedef struct bench_cfg {
    const char *corpus;
    const char *workdir;        /* NULL: a temporary directory, removed at the end */
    const char *queries_file;   /* --queries: type "user" */
    const char *json_path, *svg_path;
    const char *eval_dir;       /* NULL: no quality phase */
    bool quick, reuse, keep;
    bool lucene;                /* try the Lucene peer */
    bool xapian;                /* the Xapian engine too (--no-xapian: native alone) */
    bool threads_run;
    size_t per_type;            /* generated queries per type */
    size_t reps;                /* timed runs of every query per mode */
    size_t eval_max;            /* queries per evaluation set, 0: all */
    unsigned threads;           /* throughput run, 0: all cores */
    uint64_t seed;
} bench_cfg;

/* ------------------------------------------------------------ index phase */

typedef struct bench_comp { char name[40]; uint64_t bytes; } bench_comp;

typedef struct bench_build {
    bool ok, reused;
    double seconds;
    uint64_t raw_bytes;         /* bytes read from the corpus files */
    uint64_t passages;
    uint64_t source_bytes;      /* passage text indexed (zhs stats' "% text" base) */
    long maxrss_kb;             /* peak RSS of the child that built it */
    unsigned threads;           /* threads the build was given (0: reused) */
    bench_comp comp[8];
    size_t ncomp;
    uint64_t total;
} bench_build;

/* Builds an index of corpus (a file or folder) with engine in dir, in a
** forked child so that ru_maxrss is this build's alone, with threads
** analysing passages (zhs_writer_options.threads; 0: one per online core,
** what `zhs index` does by default). */
int bench_build_index(bench_build *out, const char *corpus, const char *dir, int engine, unsigned threads,
                      zhs_error *err);
/* Fills sizes and counts of an existing index (for --reuse and after a build). */
int bench_index_sizes(bench_build *out, const char *dir, zhs_error *err);

/* ------------------------------------------------------------ queries */

typedef struct bench_query { char *text; int type; } bench_query;

typedef struct bench_qset {
    bench_query *q;
    size_t n, cap;
    size_t dropped[QT_N];       /* generated but unusable (see bench_queries.c) */
} bench_qset;

/* Passages kept from the corpus scan (a reservoir sample). */
typedef struct bench_sample {
    char **texts;
    size_t n, cap;
    uint64_t seen;
} bench_sample;

typedef struct bench_corpus_info {
    uint64_t passages, raw_bytes, text_bytes, tokens;
    double analyze_seconds;     /* zhs_analyzer_run over every passage text */
    bool exported;              /* Lucene documents written */
} bench_corpus_info;

/* Reads the corpus once: samples passages into s, times the analyzer, and
** when lucene_docs is not NULL writes each passage's index terms to it. */
int bench_scan_corpus(bench_corpus_info *info, bench_sample *s, const char *corpus,
                      zhs_analyzer *an, unsigned title_weight, FILE *lucene_docs,
                      bench_rng *rng, zhs_error *err);
void bench_sample_free(bench_sample *s);

int bench_make_queries(bench_qset *qs, const bench_sample *s, zhs_index *native,
                       zhs_analyzer *an, size_t per_type, bench_rng *rng, zhs_error *err);
int bench_add_user_queries(bench_qset *qs, const char *path, zhs_index *native,
                           zhs_analyzer *an, zhs_error *err);
void bench_qset_free(bench_qset *qs);

/* ------------------------------------------------------------ latency */

#define BENCH_TOPN 10

typedef struct bench_lat {
    size_t nq;
    bool have[ENG_N];
    double *med[ENG_N][MODE_N];         /* ms per query (median of reps); NAN: failed */
    uint64_t *matches[ENG_N][MODE_N];   /* from the warm-up pass */
    uint32_t *top[ENG_N];               /* TOP_10 docs, BENCH_TOPN per query */
    uint8_t *ntop[ENG_N];
    size_t failures[ENG_N];
} bench_lat;

int bench_lat_alloc(bench_lat *l, size_t nq);
void bench_lat_free(bench_lat *l);

/* Native and Xapian, one thread, warm, interleaved query by query; native
** alone when ix[1] is NULL (--no-xapian). */
int bench_latency(bench_lat *l, const bench_qset *qs, zhs_index *ix[2], zhs_analyzer *an,
                  size_t reps, bench_rng *rng, zhs_error *err);

typedef struct bench_tput {
    bool done;
    unsigned threads;
    size_t tasks;                       /* searches per run */
    double qps1[2], qpsn[2];            /* 1 thread, all threads */
} bench_tput;

int bench_throughput(bench_tput *t, const bench_qset *qs, const char *dirs[2], zhs_index *native,
                     unsigned threads, size_t reps, bench_rng *rng, zhs_error *err);

/* ------------------------------------------------------------ micro */

typedef struct bench_micro {
    uint64_t post_ints, post_terms;     /* docids + tfs decoded per pass */
    double post_seconds;                /* per pass, block by block (thread CPU time) */
    double walk_seconds;                /* per pass, posting by posting (thread CPU time) */
    uint64_t score_postings;            /* postings scored (sum of df) per pass */
    size_t score_queries;
    double score_seconds;
    uint64_t an_bytes, an_tokens;
    double an_seconds;
} bench_micro;

int bench_micro_postings(bench_micro *m, zhs_index *native, bool quick, zhs_error *err);
int bench_micro_scoring(bench_micro *m, const bench_qset *qs, zhs_index *native,
                        zhs_analyzer *an, bool quick, zhs_error *err);

/* ------------------------------------------------------------ quality */

typedef struct bench_quality {
    char set[64];
    int engine;
    size_t queries, empty;
    double r1, r5, r20, mrr;
    double seconds;
} bench_quality;

/* For every NAME.passages.jsonl + NAME.queries.jsonl in eval_dir (the
** first max_sets in name order, 0: all): index it with the engines
** (native, and Xapian when xapian) under workdir and score the queries (the
** first max_queries, 0: all). */
int bench_quality_run(bench_quality **out, size_t *nout, const char *eval_dir, const char *workdir,
                      size_t max_sets, size_t max_queries, bool xapian, zhs_error *err);

/* ------------------------------------------------------------ Lucene */

typedef struct bench_lucene {
    bool available, ran;
    char why[512];                      /* why it was skipped or failed */
    char jar[1024];
    char version[64];
    double index_seconds;
    uint64_t index_bytes;
    uint64_t docs;
} bench_lucene;

/* Looks for Lucene 8 and a JDK; fills l->available/why/jar. */
void bench_lucene_detect(bench_lucene *l);
/* Writes the queries with their analyzed terms for LuceneBench. */
int bench_lucene_export_queries(const char *path, const bench_qset *qs, zhs_analyzer *an,
                                zhs_error *err);
/* Compiles and runs LuceneBench; merges its medians into l->med[ENG_LUCENE]. */
int bench_lucene_run(bench_lucene *lu, bench_lat *lat, const char *workdir, const char *docs,
                     const char *queries, double k1, double b, size_t reps, uint64_t seed,
                     bool quick, zhs_error *err);

/* ------------------------------------------------------------ report */

typedef struct bench_machine {
    char cpu[256];
    unsigned nproc;
    double mem_gb;
    char kernel[160];
    double load_start;          /* 1-minute load average when the bench started */
} bench_machine;

typedef struct bench_report {
    const bench_cfg *cfg;
    bench_machine machine;
    const char *corpus;
    double k1, b;
    bench_build build[ENG_N];           /* ENG_LUCENE: index time and size only */
    bench_corpus_info corpus_info;
    const bench_qset *qs;
    const bench_lat *lat;
    bench_tput tput;
    bench_micro micro;
    bench_quality *quality;
    size_t nquality;
    bench_lucene lucene;
    double total_seconds;
} bench_report;

/* Latency summary of one engine, type and mode over the per-query medians. */
typedef struct bench_stat {
    size_t n;
    double mean, p50, p99, qps;         /* ms, ms, ms, queries/s */
} bench_stat;
bool bench_stat_get(bench_stat *st, const bench_report *r, int engine, int type, int mode);

void bench_machine_get(bench_machine *m);
void bench_print_table(FILE *f, const bench_report *r);
int bench_write_json(const char *path, const bench_report *r, zhs_error *err);
int bench_write_svg(const char *path, const bench_report *r, zhs_error *err);

#endif
