/*
** cmd_stats.c — 'zhs stats' (what an index holds, size by component) and
** 'zhs check' (verify it).
*/
#include "cli.h"

#include <stdlib.h>


int cmd_stats(int argc, char **argv)
{
    const char *dir = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            printf("usage: zhs stats INDEX\nPrints passages, terms, tokens and the size of each component.\n");
            return CLI_OK;
        }
        if (argv[i][0] == '-') return cli_usage_error("stats", "unknown option %s", argv[i]);
        if (dir) return cli_usage_error("stats", "give one INDEX");
        dir = argv[i];
    }
    if (!dir) return cli_usage_error("stats", "give the INDEX");
    zhs_error err = {0};
    zhs_index *ix;
    if (zhs_index_open(&ix, dir, &err)) return cli_error(&err);
    zhs_index_info in;
    zhs_index_info_get(ix, &in);
    printf("index       %s\n", dir);
    printf("engine      %s%s\n", in.engine_name, in.shards > 1 ? " (sharded)" : "");
    printf("generation  %llu\n", (unsigned long long)in.generation);
    printf("analyzer    %s\n", in.analyzer);
    printf("passages    %llu\n", (unsigned long long)in.passages);
    printf("%s %llu\n", in.shards ? "postings   " : "terms      ", (unsigned long long)in.terms);
    printf("tokens      %llu (%.1f per passage)\n", (unsigned long long)in.tokens, in.avglen);
    printf("text        %.2f MB indexed\n", (double)in.source_bytes / 1e6);
    printf("bm25        k1 %.2f, b %.2f\n", in.k1, in.b);
    double raw = in.source_bytes ? (double)in.source_bytes : 1;
    uint64_t total = 0;
    printf("\n%-12s %12s %8s\n", "component", "bytes", "% text");
    /* room for every file: *n says how many there are */
    size_t cap = 64, nfiles = 0;
    zhs_index_file *files = NULL;
    for (;;) {
        zhs_index_file *grown = realloc(files, cap * sizeof *files);
        if (!grown) {
            free(files);
            zhs_index_close(ix);
            fprintf(stderr, "zhs stats: out of memory\n");
            return CLI_ERR;
        }
        files = grown;
        if (zhs_index_files(files, cap, &nfiles, ix, &err)) {
            free(files);
            zhs_index_close(ix);
            return cli_error(&err);
        }
        if (nfiles <= cap) break;
        cap = nfiles;
    }
    for (size_t i = 0; i < nfiles; i++) {
        total += files[i].bytes;
        printf("%-12s %12llu %7.1f%%\n", files[i].label, (unsigned long long)files[i].bytes,
               100.0 * (double)files[i].bytes / raw);
    }
    printf("%-12s %12llu %7.1f%%\n", "total", (unsigned long long)total, 100.0 * (double)total / raw);
    free(files);
    zhs_index_close(ix);
    return CLI_OK;
}

int cmd_check(int argc, char **argv)
{
    const char *dir = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            printf("usage: zhs check INDEX\nVerifies every checksum and structural invariant; exits 0 when the\n"
                   "index is sound, 2 naming the damaged file and offset otherwise.\n");
            return CLI_OK;
        }
        if (argv[i][0] == '-') return cli_usage_error("check", "unknown option %s", argv[i]);
        if (dir) return cli_usage_error("check", "give one INDEX");
        dir = argv[i];
    }
    if (!dir) return cli_usage_error("check", "give the INDEX");
    zhs_error err = {0};
    double t0 = zhs_now();
    if (zhs_index_verify(dir, &err)) return cli_error(&err);
    printf("%s: ok (%.2f s)\n", dir, zhs_now() - t0);
    return CLI_OK;
}

int cmd_merge(int argc, char **argv)
{
    const char *dir = NULL;
    size_t max = 1;
    for (int i = 1; i < argc; i++) {
        const char *v;
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            printf("usage: zhs merge INDEX [--max-segments N]\n"
                   "Merges the smallest segments of a native index until at most N remain\n"
                   "(default 1), dropping deleted passages; readers keep their snapshot.\n"
                   "A Xapian index deletes in place and has nothing to merge.\n"
                   "  --max-segments N      segments to leave (1 to 64)\n");
            return CLI_OK;
        }
        if (cli_opt_value(argc, argv, &i, "--max-segments", &v)) {
            if (!cli_parse_size(v, &max) || max == 0 || max > 64)
                return cli_usage_error("merge", "--max-segments takes a number from 1 to 64");
            continue;
        }
        if (argv[i][0] == '-') return cli_usage_error("merge", "unknown option %s", argv[i]);
        if (dir) return cli_usage_error("merge", "give one INDEX");
        dir = argv[i];
    }
    if (!dir) return cli_usage_error("merge", "give the INDEX");
    zhs_error err = {0};
    double t0 = zhs_now();
    zhs_index *ix = NULL;
    zhs_analyzer *an = NULL;
    if (zhs_index_open(&ix, dir, &err) || zhs_index_open_analyzer(&an, ix, &err)) {
        zhs_index_close(ix);
        return cli_error(&err);
    }
    zhs_index_info in;
    zhs_index_info_get(ix, &in);
    zhs_index_close(ix);
    if (in.engine != ZHS_ENGINE_NATIVE) {
        /* as --help says: a script that merges after every update runs
        ** on either engine */
        zhs_analyzer_close(an);
        printf("%s: nothing to merge (a %s index deletes passages in place)\n", dir, in.engine_name);
        return CLI_OK;
    }
    zhs_merge_options mo = ZHS_MERGE_OPTIONS_INIT;
    mo.max_segments = (unsigned)max;
    unsigned merged = 0;
    int rc = zhs_index_merge(dir, an, &mo, &merged, &err);
    zhs_analyzer_close(an);
    if (rc) return cli_error(&err);
    if (merged) printf("%s: merged %u segments in %.2f s\n", dir, merged, zhs_now() - t0);
    else printf("%s: nothing to merge\n", dir);
    return CLI_OK;
}
