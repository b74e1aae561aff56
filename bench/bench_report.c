/*
** bench_report.c — the results: a table on stdout, JSON for machines and
** an SVG chart of latency by query type, engines side by side (written
** here: no plotting dependency).
*/
#include "bench.h"
#include "json.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <sys/utsname.h>
#include <unistd.h>

/* ---------------------------------------------------------------- machine */

void bench_machine_get(bench_machine *m)
{
    memset(m, 0, sizeof *m);
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    m->nproc = n > 0 ? (unsigned)n : 1;
    long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE);
    if (pages > 0 && psz > 0) m->mem_gb = (double)pages * (double)psz / 1e9;
    snprintf(m->cpu, sizeof m->cpu, "unknown CPU");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f) {
        char line[512];
        while (fgets(line, sizeof line, f))
            if (!strncmp(line, "model name", 10) && strchr(line, ':')) {
                char *v = strchr(line, ':') + 1;
                while (*v == ' ' || *v == '\t') v++;
                v[strcspn(v, "\n")] = 0;
                snprintf(m->cpu, sizeof m->cpu, "%s", v);
                break;
            }
        fclose(f);
    }
    f = fopen("/proc/loadavg", "r");
    if (f) {
        if (fscanf(f, "%lf", &m->load_start) != 1) m->load_start = -1;
        fclose(f);
    }
    struct utsname u;
    if (uname(&u) == 0) snprintf(m->kernel, sizeof m->kernel, "%s %s", u.sysname, u.release);
}

/* ---------------------------------------------------------------- stats */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

bool bench_stat_get(bench_stat *st, const bench_report *r, int engine, int type, int mode)
{
    memset(st, 0, sizeof *st);
    const bench_lat *l = r->lat;
    if (!l || !l->have[engine]) return false;
    double *v = malloc((r->qs->n + 1) * sizeof *v);
    if (!v) return false;
    size_t n = 0;
    double sum = 0;
    for (size_t i = 0; i < r->qs->n; i++)
        if (r->qs->q[i].type == type && !isnan(l->med[engine][mode][i])) {
            v[n++] = l->med[engine][mode][i];
            sum += l->med[engine][mode][i];
        }
    if (n > 0) {
        qsort(v, n, sizeof *v, cmp_double);
        st->n = n;
        st->mean = sum / (double)n;
        st->p50 = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
        size_t r99 = (size_t)ceil(0.99 * (double)n);     /* nearest rank */
        st->p99 = v[(r99 ? r99 : 1) - 1];
        st->qps = st->mean > 0 ? 1e3 / st->mean : 0;
    }
    free(v);
    return n > 0;
}

static size_t type_count(const bench_report *r, int type)
{
    size_t n = 0;
    for (size_t i = 0; i < r->qs->n; i++) n += r->qs->q[i].type == type;
    return n;
}

/* Queries on which two engines agree: COUNT-mode matches, TOP_10 doc sets. */
static void agreement(const bench_report *r, int a, int b, size_t *count_same, size_t *top_same, size_t *n)
{
    const bench_lat *l = r->lat;
    *count_same = *top_same = *n = 0;
    for (size_t i = 0; i < l->nq; i++) {
        if (isnan(l->med[a][MODE_COUNT][i]) || isnan(l->med[b][MODE_COUNT][i])) continue;
        (*n)++;
        *count_same += l->matches[a][MODE_COUNT][i] == l->matches[b][MODE_COUNT][i];
        bool same = l->ntop[a][i] == l->ntop[b][i];
        for (size_t j = 0; same && j < l->ntop[a][i]; j++) {
            bool found = false;
            for (size_t k = 0; k < l->ntop[b][i] && !found; k++)
                found = l->top[a][i * BENCH_TOPN + j] == l->top[b][i * BENCH_TOPN + k];
            same = found;
        }
        *top_same += same;
    }
}

/* ---------------------------------------------------------------- table */

static double mb(uint64_t bytes) { return (double)bytes / 1e6; }

static void print_index(FILE *f, const bench_report *r)
{
    unsigned threads = r->build[ENG_NATIVE].threads;
    fprintf(f, "\nIndex phase (each engine built in its own child process");
    if (threads) fprintf(f, ", %u thread%s", threads, threads == 1 ? "" : "s");
    fprintf(f, "; %% of the %.1f MB of passage text)\n", mb(r->build[ENG_NATIVE].source_bytes));
    fprintf(f, "%-8s %9s %7s %11s %11s %9s %8s  %s\n", "engine", "time s", "MB/s", "passages/s", "peak RSS MB",
            "index MB", "% text", "components, % of text");
    for (int e = 0; e < 2; e++) {
        const bench_build *b = &r->build[e];
        if (!b->ok && !b->reused) continue;
        double raw = b->source_bytes ? (double)b->source_bytes : 1;
        if (b->reused)
            fprintf(f, "%-8s %9s %7s %11s %11s", bench_engine_names[e], "reused", "-", "-", "-");
        else
            fprintf(f, "%-8s %9.2f %7.2f %11.0f %11.1f", bench_engine_names[e], b->seconds,
                    mb(b->raw_bytes) / b->seconds, (double)b->passages / b->seconds, (double)b->maxrss_kb / 1024.0);
        fprintf(f, " %9.1f %7.1f%% ", mb(b->total), 100.0 * (double)b->total / raw);
        for (size_t i = 0; i < b->ncomp; i++)
            fprintf(f, "%s %s %.1f", i ? "," : "", b->comp[i].name, 100.0 * (double)b->comp[i].bytes / raw);
        fputc('\n', f);
    }
    if (r->lucene.ran) {
        double raw = r->build[ENG_NATIVE].source_bytes ? (double)r->build[ENG_NATIVE].source_bytes : 1;
        fprintf(f, "%-8s %9.2f %7s %11.0f %11s %9.1f %7.1f%%   (from zhs's exported terms; no stored text)\n",
                "lucene", r->lucene.index_seconds, "-", (double)r->lucene.docs / r->lucene.index_seconds, "-",
                mb(r->lucene.index_bytes), 100.0 * (double)r->lucene.index_bytes / raw);
    }
}

/* Queries of a type on which native's median is above the other engine's:
** a type can be faster on average and still lose on some queries. */
static size_t native_slower(const bench_report *r, int other, int type, int mode)
{
    const bench_lat *l = r->lat;
    size_t n = 0;
    for (size_t i = 0; i < l->nq; i++)
        n += r->qs->q[i].type == type && l->med[ENG_NATIVE][mode][i] > l->med[other][mode][i];  /* NAN compares false */
    return n;
}

static void print_ratio(FILE *f, const bench_stat *a, const bench_stat *b, bool ok, size_t slower)
{
    if (ok) fprintf(f, "  %5.2f /%5.2f %4zu", a->mean / b->mean, a->p50 / b->p50, slower);
    else fprintf(f, "  %18s", "-");
}

static void print_latency(FILE *f, const bench_report *r)
{
    bool luc = r->lat->have[ENG_LUCENE];
    fprintf(f, "\nQuery latency in ms, single thread, warm: per query the median of %zu runs; mean, p50, p99 over the\n"
               "queries of a type; QPS = 1000 / mean.  Ratios native/other (mean / p50): below 1 native is faster;\n"
               "\"slower\": queries of the type whose native median is above the other engine's.\n",
            r->cfg->reps);
    fprintf(f, "%-13s %-7s %4s |", "type", "mode", "n");
    for (int e = 0; e < (luc ? 3 : 2); e++) fprintf(f, " %-7s %7s %7s %7s %7s |", bench_engine_names[e], "mean", "p50", "p99", "QPS");
    fprintf(f, "  %-18s", "nat/xap slower");
    if (luc) fprintf(f, "  %-18s", "nat/luc slower");
    fputc('\n', f);
    for (int t = 0; t < QT_N; t++) {
        if (!type_count(r, t)) continue;
        for (int m = 0; m < MODE_N; m++) {
            bench_stat st[ENG_N];
            bool ok[ENG_N];
            for (int e = 0; e < ENG_N; e++) ok[e] = bench_stat_get(&st[e], r, e, t, m);
            fprintf(f, "%-13s %-7s %4zu |", bench_type_names[t], bench_mode_names[m], st[0].n);
            for (int e = 0; e < (luc ? 3 : 2); e++) {
                if (ok[e]) fprintf(f, " %-7s %7.3f %7.3f %7.3f %7.0f |", "", st[e].mean, st[e].p50, st[e].p99, st[e].qps);
                else fprintf(f, " %-7s %7s %7s %7s %7s |", "", "-", "-", "-", "-");
            }
            print_ratio(f, &st[ENG_NATIVE], &st[ENG_XAPIAN], ok[ENG_NATIVE] && ok[ENG_XAPIAN],
                        native_slower(r, ENG_XAPIAN, t, m));
            if (luc)
                print_ratio(f, &st[ENG_NATIVE], &st[ENG_LUCENE], ok[ENG_NATIVE] && ok[ENG_LUCENE],
                            native_slower(r, ENG_LUCENE, t, m));
            fputc('\n', f);
        }
    }
    size_t cs, ts, n;
    agreement(r, ENG_NATIVE, ENG_XAPIAN, &cs, &ts, &n);
    if (r->lat->have[ENG_XAPIAN])
        fprintf(f, "agreement native vs xapian: same match count %zu/%zu, same top-10 set %zu/%zu\n", cs, n, ts, n);
    else
        fprintf(f, "xapian: not run (--no-xapian)\n");
    if (luc) {
        agreement(r, ENG_NATIVE, ENG_LUCENE, &cs, &ts, &n);
        fprintf(f, "agreement native vs lucene: same match count %zu/%zu, same top-10 set %zu/%zu\n", cs, n, ts, n);
    }
    if (r->lat->failures[ENG_NATIVE] || r->lat->failures[ENG_XAPIAN])
        fprintf(f, "failed queries: native %zu, xapian %zu (see the messages above)\n", r->lat->failures[ENG_NATIVE],
                r->lat->failures[ENG_XAPIAN]);
}

static void print_rest(FILE *f, const bench_report *r)
{
    const bench_tput *t = &r->tput;
    if (t->done) {
        fprintf(f, "\nThroughput, TOP_10, all query types shuffled (%zu searches a run)\n", t->tasks);
        fprintf(f, "%-8s %12s %14s %9s\n", "engine", "1 thread QPS", "threads", "speed-up");
        for (int e = 0; e < 2; e++)
            if (t->qps1[e] > 0)     /* 0: not run (--no-xapian) */
                fprintf(f, "%-8s %12.0f %6u: %5.0f %8.2fx\n", bench_engine_names[e], t->qps1[e], t->threads,
                        t->qpsn[e], t->qpsn[e] / t->qps1[e]);
    }
    const bench_micro *m = &r->micro;
    fprintf(f, "\nHot paths (native engine)\n");
    if (m->post_seconds > 0)
        fprintf(f, "posting decoding   %8.1f M ints/s  (%.1f M docids+tfs of %llu lists in %.3f s CPU, block by block)\n",
                (double)m->post_ints / m->post_seconds / 1e6, (double)m->post_ints / 1e6,
                (unsigned long long)m->post_terms, m->post_seconds);
    if (m->walk_seconds > 0)
        fprintf(f, "cursor walk        %8.1f M ints/s  (the same, posting by posting, in %.3f s CPU)\n",
                (double)m->post_ints / m->walk_seconds / 1e6, m->walk_seconds);
    if (m->score_seconds > 0)
        fprintf(f, "scoring loop       %8.1f M postings/s  (exhaustive, %zu union queries, %.2f M postings in %.3f s)\n",
                (double)m->score_postings / m->score_seconds / 1e6, m->score_queries, (double)m->score_postings / 1e6,
                m->score_seconds);
    if (m->an_seconds > 0)
        fprintf(f, "analyzer           %8.2f MB/s  (%.1f MB, %.2f M tokens, %.2f M tokens/s)\n",
                mb(m->an_bytes) / m->an_seconds, mb(m->an_bytes), (double)m->an_tokens / 1e6,
                (double)m->an_tokens / m->an_seconds / 1e6);
    if (r->nquality) {
        fprintf(f, "\nRetrieval quality (20 hits; scored like 'zhs eval')\n");
        fprintf(f, "%-16s %-7s %8s %8s %8s %8s %8s\n", "set", "engine", "queries", "R@1", "R@5", "R@20", "MRR@10");
        for (size_t i = 0; i < r->nquality; i++) {
            const bench_quality *q = &r->quality[i];
            fprintf(f, "%-16s %-7s %8zu %8.4f %8.4f %8.4f %8.4f\n", q->set, bench_engine_names[q->engine], q->queries,
                    q->r1, q->r5, q->r20, q->mrr);
        }
    }
    if (!r->lucene.ran) fprintf(f, "\nLucene: skipped: %s\n", r->lucene.why);
}

void bench_print_table(FILE *f, const bench_report *r)
{
    fprintf(f, "zhs bench — corpus %s: %llu passages, %.1f MB — %s, %u cores, %.0f GB, %s, load %.2f at start\n",
            r->corpus, (unsigned long long)r->corpus_info.passages, mb(r->corpus_info.raw_bytes), r->machine.cpu,
            r->machine.nproc, r->machine.mem_gb, r->machine.kernel, r->machine.load_start);
    fprintf(f, "queries:");
    for (int t = 0; t < QT_N; t++)
        if (type_count(r, t)) fprintf(f, " %s %zu", bench_type_names[t], type_count(r, t));
    fprintf(f, " (seed %llu); BM25 k1 %.2f b %.2f\n", (unsigned long long)r->cfg->seed, r->k1, r->b);
    print_index(f, r);
    print_latency(f, r);
    print_rest(f, r);
    fprintf(f, "\ntotal %.1f s\n", r->total_seconds);
}

/* ---------------------------------------------------------------- JSON */

static void json_kv_str(zhs_buf *o, const char *key, const char *v)
{
    zhs_buf_printf(o, "\"%s\":", key);
    zhs_json_str(o, v, strlen(v));
}

/* JSON has no NaN or infinity: print null. */
static void json_num(zhs_buf *o, double v)
{
    if (isnan(v) || isinf(v)) zhs_buf_puts(o, "null");
    else zhs_buf_printf(o, "%.6g", v);
}

static void json_build(zhs_buf *o, const bench_build *b)
{
    zhs_buf_printf(o, "{\"reused\":%s,\"seconds\":", b->reused ? "true" : "false");
    json_num(o, b->reused ? NAN : b->seconds);
    zhs_buf_puts(o, ",\"mb_per_s\":");
    json_num(o, b->reused || b->seconds <= 0 ? NAN : mb(b->raw_bytes) / b->seconds);
    zhs_buf_puts(o, ",\"passages_per_s\":");
    json_num(o, b->reused || b->seconds <= 0 ? NAN : (double)b->passages / b->seconds);
    zhs_buf_printf(o, ",\"threads\":%u", b->threads);
    zhs_buf_printf(o, ",\"peak_rss_kb\":%ld,\"passages\":%llu,\"raw_bytes\":%llu,\"text_bytes\":%llu,\"index_bytes\":%llu,"
                   "\"components\":{",
                   b->reused ? 0L : b->maxrss_kb, (unsigned long long)b->passages, (unsigned long long)b->raw_bytes,
                   (unsigned long long)b->source_bytes, (unsigned long long)b->total);
    for (size_t i = 0; i < b->ncomp; i++) {
        zhs_buf_printf(o, "%s\"%s\":{\"bytes\":%llu,\"pct_text\":", i ? "," : "", b->comp[i].name,
                       (unsigned long long)b->comp[i].bytes);
        json_num(o, b->source_bytes ? 100.0 * (double)b->comp[i].bytes / (double)b->source_bytes : NAN);
        zhs_buf_puts(o, "}");
    }
    zhs_buf_puts(o, "}}");
}

static void json_latency(zhs_buf *o, const bench_report *r)
{
    zhs_buf_puts(o, "\"latency\":[");
    bool first = true;
    for (int t = 0; t < QT_N; t++)
        for (int m = 0; m < MODE_N; m++)
            for (int e = 0; e < ENG_N; e++) {
                bench_stat st;
                if (!bench_stat_get(&st, r, e, t, m)) continue;
                zhs_buf_printf(o, "%s{\"engine\":\"%s\",\"type\":\"%s\",\"mode\":\"%s\",\"queries\":%zu,\"mean_ms\":",
                               first ? "" : ",", bench_engine_names[e], bench_type_names[t], bench_mode_names[m], st.n);
                json_num(o, st.mean);
                zhs_buf_puts(o, ",\"p50_ms\":");
                json_num(o, st.p50);
                zhs_buf_puts(o, ",\"p99_ms\":");
                json_num(o, st.p99);
                zhs_buf_puts(o, ",\"qps\":");
                json_num(o, st.qps);
                if (e != ENG_NATIVE) {
                    bench_stat nat;
                    bool ok = bench_stat_get(&nat, r, ENG_NATIVE, t, m);
                    zhs_buf_puts(o, ",\"native_ratio_mean\":");
                    json_num(o, ok ? nat.mean / st.mean : NAN);
                    zhs_buf_puts(o, ",\"native_ratio_p50\":");
                    json_num(o, ok ? nat.p50 / st.p50 : NAN);
                    zhs_buf_printf(o, ",\"native_slower_queries\":%zu", native_slower(r, e, t, m));
                }
                zhs_buf_puts(o, "}");
                first = false;
            }
    zhs_buf_puts(o, "]");
}

static void json_rest(zhs_buf *o, const bench_report *r)
{
    size_t cs, ts, n;
    agreement(r, ENG_NATIVE, ENG_XAPIAN, &cs, &ts, &n);
    zhs_buf_printf(o, ",\"agreement\":{\"xapian\":{\"queries\":%zu,\"same_count\":%zu,\"same_top10\":%zu}", n, cs, ts);
    if (r->lat->have[ENG_LUCENE]) {
        agreement(r, ENG_NATIVE, ENG_LUCENE, &cs, &ts, &n);
        zhs_buf_printf(o, ",\"lucene\":{\"queries\":%zu,\"same_count\":%zu,\"same_top10\":%zu}", n, cs, ts);
    }
    zhs_buf_puts(o, "}");
    const bench_tput *t = &r->tput;
    if (t->done)
        zhs_buf_printf(o, ",\"throughput\":{\"mode\":\"TOP_10\",\"searches\":%zu,\"threads\":%u,"
                       "\"native\":{\"qps_1\":%.1f,\"qps_n\":%.1f},\"xapian\":{\"qps_1\":%.1f,\"qps_n\":%.1f}}",
                       t->tasks, t->threads, t->qps1[0], t->qpsn[0], t->qps1[1], t->qpsn[1]);
    const bench_micro *m = &r->micro;
    zhs_buf_printf(o, ",\"micro\":{\"postings\":{\"ints\":%llu,\"lists\":%llu,\"seconds\":",
                   (unsigned long long)m->post_ints, (unsigned long long)m->post_terms);
    json_num(o, m->post_seconds);
    zhs_buf_puts(o, ",\"ints_per_s\":");
    json_num(o, m->post_seconds > 0 ? (double)m->post_ints / m->post_seconds : NAN);
    zhs_buf_puts(o, ",\"walk_seconds\":");
    json_num(o, m->walk_seconds);
    zhs_buf_puts(o, ",\"walk_ints_per_s\":");
    json_num(o, m->walk_seconds > 0 ? (double)m->post_ints / m->walk_seconds : NAN);
    zhs_buf_printf(o, "},\"scoring\":{\"queries\":%zu,\"postings\":%llu,\"seconds\":", m->score_queries,
                   (unsigned long long)m->score_postings);
    json_num(o, m->score_seconds);
    zhs_buf_puts(o, ",\"postings_per_s\":");
    json_num(o, m->score_seconds > 0 ? (double)m->score_postings / m->score_seconds : NAN);
    zhs_buf_printf(o, "},\"analyzer\":{\"bytes\":%llu,\"tokens\":%llu,\"seconds\":", (unsigned long long)m->an_bytes,
                   (unsigned long long)m->an_tokens);
    json_num(o, m->an_seconds);
    zhs_buf_puts(o, ",\"mb_per_s\":");
    json_num(o, m->an_seconds > 0 ? mb(m->an_bytes) / m->an_seconds : NAN);
    zhs_buf_puts(o, "}},\"quality\":[");
    for (size_t i = 0; i < r->nquality; i++) {
        const bench_quality *q = &r->quality[i];
        zhs_buf_printf(o, "%s{\"set\":", i ? "," : "");
        zhs_json_str(o, q->set, strlen(q->set));
        zhs_buf_printf(o, ",\"engine\":\"%s\",\"queries\":%zu,\"without_results\":%zu,\"Recall@1\":%.4f,"
                       "\"Recall@5\":%.4f,\"Recall@20\":%.4f,\"MRR@10\":%.4f}",
                       bench_engine_names[q->engine], q->queries, q->empty, q->r1, q->r5, q->r20, q->mrr);
    }
    zhs_buf_printf(o, "],\"lucene\":{\"ran\":%s,", r->lucene.ran ? "true" : "false");
    json_kv_str(o, "note", r->lucene.ran ? r->lucene.version : r->lucene.why);
    if (r->lucene.ran) {
        zhs_buf_puts(o, ",\"index_seconds\":");
        json_num(o, r->lucene.index_seconds);
        zhs_buf_printf(o, ",\"index_bytes\":%llu", (unsigned long long)r->lucene.index_bytes);
    }
    zhs_buf_puts(o, "}");
}

/* Every query's medians and match counts, for looking into one query. */
static void json_per_query(zhs_buf *o, const bench_report *r)
{
    const bench_lat *l = r->lat;
    zhs_buf_puts(o, ",\"per_query\":[");
    for (size_t i = 0; i < l->nq; i++) {
        zhs_buf_printf(o, "%s{\"type\":\"%s\",\"query\":", i ? "," : "", bench_type_names[r->qs->q[i].type]);
        zhs_json_str(o, r->qs->q[i].text, strlen(r->qs->q[i].text));
        for (int e = 0; e < ENG_N; e++) {
            if (!l->have[e]) continue;
            zhs_buf_printf(o, ",\"%s\":{\"matches\":%llu,\"ms\":[", bench_engine_names[e],
                           (unsigned long long)l->matches[e][MODE_COUNT][i]);
            for (int m = 0; m < MODE_N; m++) {
                if (m) zhs_buf_putc(o, ',');
                json_num(o, l->med[e][m][i]);
            }
            zhs_buf_puts(o, "]}");
        }
        zhs_buf_puts(o, "}");
    }
    zhs_buf_puts(o, "]");
}

int bench_write_json(const char *path, const bench_report *r, zhs_error *err)
{
    if (zhs_err_code(err)) return err->code;
    zhs_buf o;
    zhs_buf_init(&o);
    zhs_buf_puts(&o, "{");
    json_kv_str(&o, "corpus", r->corpus);
    zhs_buf_puts(&o, ",\"machine\":{");
    json_kv_str(&o, "cpu", r->machine.cpu);
    zhs_buf_printf(&o, ",\"nproc\":%u,\"mem_gb\":%.1f,", r->machine.nproc, r->machine.mem_gb);
    json_kv_str(&o, "kernel", r->machine.kernel);
    zhs_buf_printf(&o, ",\"loadavg_1min_at_start\":%.2f", r->machine.load_start);
    zhs_buf_printf(&o, "},\"config\":{\"seed\":%llu,\"reps\":%zu,\"per_type\":%zu,\"quick\":%s,\"k1\":%.3f,\"b\":%.3f},",
                   (unsigned long long)r->cfg->seed, r->cfg->reps, r->cfg->per_type, r->cfg->quick ? "true" : "false",
                   r->k1, r->b);
    zhs_buf_printf(&o, "\"corpus_stats\":{\"passages\":%llu,\"raw_bytes\":%llu,\"text_bytes\":%llu},",
                   (unsigned long long)r->corpus_info.passages, (unsigned long long)r->corpus_info.raw_bytes,
                   (unsigned long long)r->corpus_info.text_bytes);
    zhs_buf_puts(&o, "\"queries\":{");
    bool first = true;
    for (int t = 0; t < QT_N; t++) {
        if (!type_count(r, t)) continue;
        zhs_buf_printf(&o, "%s\"%s\":{\"n\":%zu,\"dropped\":%zu,\"examples\":[", first ? "" : ",", bench_type_names[t],
                       type_count(r, t), r->qs->dropped[t]);
        size_t shown = 0;
        for (size_t i = 0; i < r->qs->n && shown < 3; i++)
            if (r->qs->q[i].type == t) {
                zhs_buf_puts(&o, shown++ ? "," : "");
                zhs_json_str(&o, r->qs->q[i].text, strlen(r->qs->q[i].text));
            }
        zhs_buf_puts(&o, "]}");
        first = false;
    }
    zhs_buf_puts(&o, "},\"index\":{\"native\":");
    json_build(&o, &r->build[ENG_NATIVE]);
    zhs_buf_puts(&o, ",\"xapian\":");
    json_build(&o, &r->build[ENG_XAPIAN]);
    zhs_buf_puts(&o, "},");
    json_latency(&o, r);
    json_rest(&o, r);
    json_per_query(&o, r);
    zhs_buf_printf(&o, ",\"total_seconds\":%.1f}\n", r->total_seconds);
    if (o.oom) {
        zhs_buf_free(&o);
        return zhs_fail(err, ZHS_ENOMEM, "out of memory");
    }
    FILE *f = fopen(path, "w");
    if (!f || fwrite(o.data, 1, o.len, f) != o.len) {
        if (f) fclose(f);
        zhs_buf_free(&o);
        return zhs_fail(err, ZHS_EIO, "bench: cannot write %s: %s", path, strerror(errno));
    }
    zhs_buf_free(&o);
    if (fclose(f) != 0) return zhs_fail(err, ZHS_EIO, "bench: cannot write %s: %s", path, strerror(errno));
    return ZHS_OK;
}

/* ---------------------------------------------------------------- SVG */

static const char *const eng_color[ENG_N] = {"#2b6cb0", "#dd6b20", "#38a169"};

static void xml_text(zhs_buf *o, const char *s)
{
    for (; *s; s++) {
        if (*s == '<') zhs_buf_puts(o, "&lt;");
        else if (*s == '>') zhs_buf_puts(o, "&gt;");
        else if (*s == '&') zhs_buf_puts(o, "&amp;");
        else if (*s == '"') zhs_buf_puts(o, "&quot;");
        else zhs_buf_putc(o, *s);
    }
}

typedef struct panel {
    double x0, y0, w, h;        /* plot area */
    double lo, hi;              /* log10 of the axis range, ms */
} panel;

static double ypos(const panel *p, double ms)
{
    double v = log10(ms > 0 ? ms : 1e-6);
    if (v < p->lo) v = p->lo;
    if (v > p->hi) v = p->hi;
    return p->y0 + p->h - (v - p->lo) / (p->hi - p->lo) * p->h;
}

static void svg_axis(zhs_buf *o, const panel *p, const char *title)
{
    for (int d = (int)p->lo; d <= (int)p->hi; d++) {
        double y = ypos(p, pow(10, d));
        zhs_buf_printf(o, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ccc\"/>\n", p->x0, y, p->x0 + p->w, y);
        char lab[32];
        if (d >= 0) snprintf(lab, sizeof lab, "%.0f", pow(10, d));
        else snprintf(lab, sizeof lab, "%.*f", -d, pow(10, d));
        zhs_buf_printf(o, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" font-size=\"11\">%s</text>\n", p->x0 - 6, y + 4, lab);
    }
    zhs_buf_printf(o, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#333\"/>\n", p->x0, p->y0, p->x0, p->y0 + p->h);
    zhs_buf_printf(o, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#333\"/>\n", p->x0, p->y0 + p->h,
                   p->x0 + p->w, p->y0 + p->h);
    zhs_buf_printf(o, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"13\" font-weight=\"bold\">%s</text>\n", p->x0, p->y0 - 8, title);
    double cy = p->y0 + p->h / 2;
    zhs_buf_printf(o, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"middle\" transform=\"rotate(-90 %.1f %.1f)\">"
                   "latency, ms (log scale)</text>\n", p->x0 - 44, cy, p->x0 - 44, cy);
}

/* One panel: a group of bars per query type, one bar per engine. */
static void svg_panel(zhs_buf *o, const bench_report *r, const panel *p, int mode, const int *types, size_t ntypes,
                      const int *engs, size_t nengs)
{
    char title[64];
    snprintf(title, sizeof title, "%s", bench_mode_names[mode]);
    svg_axis(o, p, title);
    double gw = p->w / (double)ntypes, bw = gw * 0.7 / (double)nengs;
    for (size_t ti = 0; ti < ntypes; ti++) {
        double gx = p->x0 + gw * (double)ti + gw * 0.15;
        for (size_t ei = 0; ei < nengs; ei++) {
            bench_stat st;
            if (!bench_stat_get(&st, r, engs[ei], types[ti], mode)) continue;
            double x = gx + bw * (double)ei, ytop = ypos(p, st.p50), ybot = p->y0 + p->h;
            zhs_buf_printf(o, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\">"
                           "<title>%s %s %s: p50 %.3f ms, p99 %.3f ms, mean %.3f ms (%zu queries)</title></rect>\n",
                           x + 1, ytop, bw - 2, ybot - ytop, eng_color[engs[ei]], bench_engine_names[engs[ei]],
                           bench_type_names[types[ti]], bench_mode_names[mode], st.p50, st.p99, st.mean, st.n);
            double cx = x + bw / 2, y99 = ypos(p, st.p99);
            zhs_buf_printf(o, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#111\"/>\n", cx, ytop, cx, y99);
            zhs_buf_printf(o, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#111\"/>\n", cx - bw / 4, y99,
                           cx + bw / 4, y99);
            char v[32];
            snprintf(v, sizeof v, st.p50 >= 10 ? "%.0f" : st.p50 >= 1 ? "%.1f" : st.p50 >= 0.01 ? "%.2f" : "%.3f", st.p50);
            zhs_buf_printf(o, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"9\" text-anchor=\"middle\" fill=\"#fff\">%s</text>\n",
                           cx, ybot - 4, v);
        }
        zhs_buf_printf(o, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"middle\">%s</text>\n",
                       p->x0 + gw * ((double)ti + 0.5), p->y0 + p->h + 16, bench_type_names[types[ti]]);
    }
}

/* The axis range: decades around every p50 and p99 shown. */
static void svg_range(const bench_report *r, const int *types, size_t nt, const int *engs, size_t ne, double *lo, double *hi)
{
    double mn = INFINITY, mx = -INFINITY;
    for (int m = 0; m < MODE_N; m++)
        for (size_t t = 0; t < nt; t++)
            for (size_t e = 0; e < ne; e++) {
                bench_stat st;
                if (!bench_stat_get(&st, r, engs[e], types[t], m)) continue;
                if (st.p50 > 0 && st.p50 < mn) mn = st.p50;
                if (st.p99 > mx) mx = st.p99;
            }
    if (!isfinite(mn) || !isfinite(mx)) mn = 0.01, mx = 10;
    *lo = floor(log10(mn));
    *hi = ceil(log10(mx));
    if (*hi <= *lo) *hi = *lo + 1;
}

int bench_write_svg(const char *path, const bench_report *r, zhs_error *err)
{
    if (zhs_err_code(err)) return err->code;
    int types[QT_N], engs[ENG_N];
    size_t nt = 0, ne = 0;
    for (int t = 0; t < QT_N; t++)
        if (type_count(r, t)) types[nt++] = t;
    for (int e = 0; e < ENG_N; e++)
        if (r->lat->have[e]) engs[ne++] = e;
    if (nt == 0) nt = 1, types[0] = QT_TERM;
    double W = 980, ph = 230, top = 96, gap = 56;
    double H = top + MODE_N * (ph + gap) + 20;
    panel p = {80, 0, W - 110, ph, 0, 1};
    svg_range(r, types, nt, engs, ne, &p.lo, &p.hi);
    zhs_buf o;
    zhs_buf_init(&o);
    zhs_buf_printf(&o, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                   "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" "
                   "font-family=\"sans-serif\">\n<rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>\n", W, H, W, H);
    zhs_buf_puts(&o, "<text x=\"20\" y=\"28\" font-size=\"17\" font-weight=\"bold\">zhs bench: query latency by type — ");
    xml_text(&o, r->corpus);
    zhs_buf_printf(&o, " (%llu passages)</text>\n<text x=\"20\" y=\"48\" font-size=\"12\">", (unsigned long long)r->corpus_info.passages);
    xml_text(&o, r->machine.cpu);
    zhs_buf_printf(&o, ", %u cores; single thread, warm; bar: p50 of the per-query medians of %zu runs, whisker: p99</text>\n",
                   r->machine.nproc, r->cfg->reps);
    for (size_t e = 0; e < ne; e++) {
        double lx = 20 + 120 * (double)e;
        zhs_buf_printf(&o, "<rect x=\"%.0f\" y=\"60\" width=\"14\" height=\"14\" fill=\"%s\"/>"
                       "<text x=\"%.0f\" y=\"72\" font-size=\"12\">%s</text>\n", lx, eng_color[engs[e]], lx + 20,
                       bench_engine_names[engs[e]]);
    }
    for (int m = 0; m < MODE_N; m++) {
        p.y0 = top + 20 + (double)m * (ph + gap);
        svg_panel(&o, r, &p, m, types, nt, engs, ne);
    }
    zhs_buf_puts(&o, "</svg>\n");
    FILE *f = o.oom ? NULL : fopen(path, "w");
    bool ok = f && fwrite(o.data, 1, o.len, f) == o.len;
    if (f && fclose(f) != 0) ok = false;
    zhs_buf_free(&o);
    return ok ? ZHS_OK : zhs_fail(err, ZHS_EIO, "bench: cannot write %s: %s", path, strerror(errno));
}
