/*
** cmd_index.c — 'zhs index': read a corpus, build an index, report.
*/
#include "cli.h"

#include <errno.h>
#include <limits.h>

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct index_ctx {
    zhs_writer *w;
    zhs_buf file;               /* a file read for its hash */
    bool tty, quiet;
    uint64_t warnings;
    uint64_t tokens;            /* from the writer's last progress report */
    double t0, last;
} index_ctx;

static void on_progress(void *ctx, const zhs_progress *p)
{
    ((index_ctx *)ctx)->tokens = p->tokens;
}

static void on_warn(void *ctx, const char *path, const char *message)
{
    index_ctx *c = ctx;
    c->warnings++;
    if (c->quiet) return;
    if (c->warnings <= 50) {
        if (c->tty) fputs("\r\033[K", stderr);
        /* Messages from file reading already name the file. */
        size_t pl = strlen(path);
        if (strncmp(message, path, pl) == 0)
            fprintf(stderr, "warning: %s\n", message);
        else
            fprintf(stderr, "warning: %s: %s\n", path, message);
    } else if (c->warnings == 51) {
        fprintf(stderr, "warning: more warnings follow; only their count is shown in the summary\n");
    }
}

int cli_writer_source(zhs_writer *w, zhs_buf *file, const zhs_corpus_file *f, zhs_error *err)
{
    zhs_source s = {f->root, f->rel, f->size, f->mtime_ns, 0};
    int state;
    for (int pass = 0; pass < 2; pass++) {
        if (zhs_writer_source(w, &s, &state, err)) return err->code;
        if (state != ZHS_SOURCE_NEEDS_HASH) break;
        zhs_buf_reset(file);
        zhs_error e = {0};
        /* unreadable now: it changed; the reader will say why */
        s.hash = zhs_file_read(file, f->path, false, (size_t)1 << 30, &e) == ZHS_OK
                     ? zhs_source_hash(file->data, file->len) : 1;
    }
    return state == ZHS_SOURCE_UNCHANGED ? 0 : 1;
}

static int on_file(void *vctx, const zhs_corpus_file *f, zhs_error *err)
{
    index_ctx *c = vctx;
    return cli_writer_source(c->w, &c->file, f, err);
}

static void show_progress(index_ctx *c, const zhs_corpus *corpus, uint64_t passages, bool force)
{
    if (!c->tty || c->quiet) return;
    double now = zhs_now();
    if (!force && now - c->last < 0.2) return;
    c->last = now;
    zhs_corpus_stats st;
    zhs_corpus_stats_get(corpus, &st);
    double el = now - c->t0;
    uint64_t total = zhs_corpus_total_bytes(corpus);
    double frac = total ? (double)st.bytes / (double)total : 0;
    if (frac > 1) frac = 1;
    double eta = frac > 0.01 ? el / frac - el : 0;
    fprintf(stderr, "\r\033[K%llu files  %.1f MB  %llu passages  %.0f passages/s  ETA %.0fs",
            (unsigned long long)(st.files_read + st.files_skipped), (double)st.bytes / 1e6,
            (unsigned long long)passages, el > 0 ? (double)passages / el : 0.0, eta);
}

static void human(char *out, size_t n, uint64_t bytes)
{
    if (bytes >= 10u << 20) snprintf(out, n, "%.1f MB", (double)bytes / 1e6);
    else snprintf(out, n, "%.1f KB", (double)bytes / 1e3);
}

static const char help[] =
    "usage: zhs index -o INDEX [options] CORPUS...\n"
    "Builds an index of CORPUS files and folders (.md, .txt, .jsonl, each also .gz).\n"
    "An existing index of the same CORPUS is rebuilt and replaced atomically when\n"
    "the build succeeds; an index of another corpus needs --update or --replace.\n"
    "  -o, --output INDEX    index directory (created if missing)\n"
    "  --update              bring INDEX up to date with CORPUS: index new and changed\n"
    "                        files, delete the passages of changed and removed ones\n"
    "                        (native, or Xapian of one shard; analyzer and BM25 options\n"
    "                        are the index's); 'zhs add' and 'zhs delete' for single files\n"
    "  --replace             replace INDEX even when it was built from another corpus\n"
    "  --engine native|xapian  storage engine (default native)\n"
    "  --shards N            xapian: split passages over N databases\n"
    "  --ram MB              postings held in memory before a flush (default 256)\n"
    "  --order similar|path  the order files are read in, and so passage ids:\n"
    "                        files with like names together (default; a smaller\n"
    "                        index), or the paths as given, folders in byte order\n"
    "                        of their names; --update adds new and changed files\n"
    "                        after the existing ones, in this order among themselves\n"
    "  --threads N           threads that analyse passages (default: one per online\n"
    "                        core; 1: all on one thread); the index is the same\n"
    "  --k1 X --b X          BM25 parameters the index's score bounds use (1.2, 0.5)\n"
    "  --title-weight N      each title token counts N times (default 2)\n"
    "  --segmenter dict|icu  Han words from the dictionary (default) or ICU's word break\n"
    "  --user-dict FILE      more words for the dict segmenter: one a line, optionally\n"
    "                        a tab and a frequency; stored with the index for queries\n"
    "  --no-fold             keep traditional characters (no T->S folding)\n"
    "  --fold phrases|chars|none  traditional -> simplified by OpenCC's Taiwan phrases\n"
    "                        (default), by ICU one character at a time, or not at all\n"
    "  --no-bigrams, --no-words  analyzer token kinds\n"
    "  --chars, --no-chars   index a term per Han character (default: not, a\n"
    "                        one-character query finds the character from the\n"
    "                        bigrams and words that hold it; on with --no-bigrams\n"
    "                        and with --engine xapian, which cannot: there\n"
    "                        --no-chars finds the character only as a word)\n"
    "  -q, --quiet           no progress or summary; warnings only as a count on\n"
    "                        stderr (\"N warnings\") when there are any\n";

int cmd_index(int argc, char **argv)
{
    const char *out = NULL;
    zhs_writer_options wo;
    zhs_writer_options_default(&wo);
    wo.threads = 0;             /* every core, unless --threads says otherwise */
    zhs_analyzer_config ac;
    zhs_analyzer_config_default(&ac);
    index_ctx ctx = {0};
    bool update = false, replace = false, chars_given = false;
    const char *kept_option = NULL;    /* an option an update keeps as the index has it */
    int order = ZHS_ORDER_SIMILAR;
    const char **paths = calloc((size_t)argc + 1, sizeof *paths);
    size_t npaths = 0;
    if (!paths) return CLI_ERR;
    for (int i = 1; i < argc; i++) {
        const char *v;
        int r;
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(help, stdout);
            free(paths);
            return CLI_OK;
        } else if (cli_opt_value(argc, argv, &i, "-o", &v) || cli_opt_value(argc, argv, &i, "--output", &v)) {
            if (!v) goto missing;
            out = v;
        } else if (cli_opt_value(argc, argv, &i, "--engine", &v)) {
            if (!v) goto missing;
            zhs_error e = {0};
            if (zhs_engine_from_name(&wo.engine, v, &e)) { free(paths); return cli_usage_error("index", "%s", e.message); }
        } else if (cli_opt_value(argc, argv, &i, "--shards", &v)) {
            size_t n;
            if (!cli_parse_size(v, &n) || n == 0 || n > 256) { free(paths); return cli_usage_error("index", "--shards takes a number from 1 to 256"); }
            wo.shards = (unsigned)n;
        } else if (cli_opt_value(argc, argv, &i, "--ram", &v)) {
            size_t mb;
            if (!cli_parse_size(v, &mb) || mb == 0) { free(paths); return cli_usage_error("index", "--ram takes a number of megabytes"); }
            wo.ram_budget = mb << 20;
        } else if (cli_opt_value(argc, argv, &i, "--order", &v)) {
            if (!v) goto missing;
            if (!strcmp(v, "similar")) order = ZHS_ORDER_SIMILAR;
            else if (!strcmp(v, "path")) order = ZHS_ORDER_PATH;
            else { free(paths); return cli_usage_error("index", "--order takes similar or path, not %s", v); }
        } else if (cli_opt_value(argc, argv, &i, "--threads", &v)) {
            size_t n;
            if (!cli_parse_size(v, &n) || n == 0 || n > 256) { free(paths); return cli_usage_error("index", "--threads takes a number from 1 to 256"); }
            wo.threads = (unsigned)n;
        } else if (cli_opt_value(argc, argv, &i, "--k1", &v)) {
            if (!cli_parse_double(v, &wo.k1) || wo.k1 <= 0) { free(paths); return cli_usage_error("index", "--k1 takes a positive number"); }
            if (!kept_option) kept_option = "--k1";
        } else if (cli_opt_value(argc, argv, &i, "--b", &v)) {
            if (!cli_parse_double(v, &wo.b) || wo.b < 0 || wo.b > 1) { free(paths); return cli_usage_error("index", "--b takes a number from 0 to 1"); }
            if (!kept_option) kept_option = "--b";
        } else if (cli_opt_value(argc, argv, &i, "--title-weight", &v)) {
            size_t n;
            if (!cli_parse_size(v, &n) || n == 0 || n > 16) { free(paths); return cli_usage_error("index", "--title-weight takes a number from 1 to 16"); }
            wo.title_weight = (unsigned)n;
            if (!kept_option) kept_option = "--title-weight";
        } else if ((r = cli_analyzer_option(argc, argv, &i, &ac, "index")) != 0) {
            chars_given |= !strcmp(argv[i], "--chars") || !strcmp(argv[i], "--no-chars");
            if (!kept_option) kept_option = argv[i][0] == '-' ? argv[i] : argv[i - 1];
            if (r < 0) { free(paths); return CLI_ERR; }
        } else if (cli_opt_flag(argv, i, "-q") || cli_opt_flag(argv, i, "--quiet")) ctx.quiet = true;
        else if (cli_opt_flag(argv, i, "--update")) update = true;
        else if (cli_opt_flag(argv, i, "--replace")) replace = true;
        else if (argv[i][0] == '-' && argv[i][1]) { free(paths); return cli_usage_error("index", "unknown option %s", argv[i]); }
        else paths[npaths++] = argv[i];
        continue;
    missing:
        free(paths);
        return cli_usage_error("index", "%s needs a value", argv[i]);
    }
    if (!out) { free(paths); return cli_usage_error("index", "give the index directory with -o INDEX"); }
    /* Character terms are made from bigrams, by the native engine only:
    ** keep them all without bigrams or for Xapian, unless told not to (a
    ** Xapian index without them finds a one-character part only where it
    ** is a word).  A native index's analyzer (chars=w) searches it still
    ** (zhs_index_check_analyzer), as 'zhs bench' and bench/scale.sh do. */
    if (!chars_given && (!ac.bigrams || wo.engine == ZHS_ENGINE_XAPIAN)) ac.chars = ZHS_CHARS_ALL;
    if (!npaths) { free(paths); return cli_usage_error("index", "give at least one CORPUS file or folder"); }
    if (update && replace) { free(paths); return cli_usage_error("index", "--update and --replace exclude each other"); }

    /* The index stores each passage's file by its absolute path, so that a
    ** hit's path:line opens from wherever the index is searched ('zhs
    ** search' prints it relative to the directory it runs in).  A corpus
    ** path that does not exist is an error, not a warning: a typo must not
    ** replace an index with a smaller one. */
    char **abs = calloc(npaths + 1, sizeof *abs);
    if (!abs) { free(paths); fputs("zhs: out of memory\n", stderr); return CLI_ERR; }
    for (size_t i = 0; i < npaths; i++) {
        abs[i] = realpath(paths[i], NULL);
        if (!abs[i]) {
            fprintf(stderr, "zhs index: corpus path %s: %s: give existing files or folders\n", paths[i], strerror(errno));
            for (size_t j = 0; j < i; j++) free(abs[j]);
            free(abs);
            free(paths);
            return CLI_ERR;
        }
        paths[i] = abs[i];
    }
    /* A folder given twice, or inside another given folder, would index
    ** its files twice, under two ids. */
    for (size_t i = 0; i < npaths; i++)
        for (size_t j = 0; j < npaths; j++) {
            size_t l = strlen(paths[j]);
            if (i == j || strncmp(paths[i], paths[j], l) || (paths[i][l] && paths[i][l] != '/' && l > 1)) continue;
            if (i < j || paths[i][l]) {
                fprintf(stderr, "zhs index: corpus path %s %s %s: give each folder once, and no folder inside "
                        "another\n", paths[i], paths[i][l] ? "is inside" : "is given twice as", paths[j]);
                for (size_t k = 0; k < npaths; k++) free(abs[k]);
                free(abs);
                free(paths);
                return CLI_ERR;
            }
        }

    cli_build_malloc();
    ctx.tty = isatty(2);
    ctx.t0 = zhs_now();
    wo.progress = on_progress;
    wo.progress_ctx = &ctx;
    zhs_error err = {0};
    zhs_analyzer *an = NULL;
    zhs_corpus *corpus = NULL;
    zhs_writer *w = NULL;
    zhs_corpus_options co = {ZHS_CORPUS_OPTIONS_VERSION, on_warn, &ctx, 0, order};
    uint64_t passages = 0;
    zhs_buf_init(&ctx.file);
    bool have_index = false;
    if (update) {
        /* an update analyses with the index's own analyzer */
        zhs_index *ix = NULL;
        zhs_error e = {0};
        if (zhs_index_open(&ix, out, &e) == ZHS_OK) {
            have_index = true;
            /* said, not silently dropped: a new user dictionary given to an
            ** update would otherwise seem to have been taken */
            if (kept_option)
                fprintf(stderr, "zhs index: warning: %s is ignored by --update: %s keeps the analyzer and BM25 "
                        "options it was built with (rebuild with --replace to change them)\n", kept_option, out);
            int rc = zhs_index_open_analyzer(&an, ix, &err);
            zhs_index_close(ix);
            if (rc) goto fail;
        } else if (e.code != ZHS_ENOTFOUND) {
            err = e;
            goto fail;
        }
    }
    if ((!an && zhs_analyzer_open(&an, &ac, &err)) || zhs_corpus_open(&corpus, paths, npaths, &co, &err))
        goto fail;
    if (update ? zhs_writer_open_update(&w, out, an, &wo, &err) : zhs_writer_open(&w, out, an, &wo, &err)) goto fail;
    /* a root left out would lose all its files: an update names them all */
    if (update && have_index && zhs_writer_check_update_roots(w, (const char *const *)paths, npaths, &err)) goto fail;
    if (!update && !replace && zhs_writer_check_roots(w, paths, npaths, &err)) {
        fprintf(stderr, "zhs index: %s\n(use --update to bring it up to date with this corpus, or --replace to "
                "replace it with an index of this corpus)\n", err.message);
        zhs_writer_close(w);
        zhs_corpus_close(corpus);
        zhs_analyzer_close(an);
        zhs_buf_free(&ctx.file);
        for (size_t i = 0; i < npaths; i++) free(abs[i]);
        free(abs);
        free(paths);
        return CLI_ERR;
    }
    ctx.w = w;
    zhs_corpus_set_filter(corpus, on_file, &ctx);
    for (;;) {
        const zhs_document *doc;
        int rc = zhs_corpus_next(corpus, &doc, &err);
        if (rc == ZHS_DONE) break;
        if (rc) goto fail;
        for (size_t i = 0; i < doc->npassages; i++)
            if (zhs_writer_add(w, &doc->passages[i], &err)) goto fail;
        passages += doc->npassages;
        show_progress(&ctx, corpus, passages, false);
    }
    /* A corpus that leaves no passage is refused: in a build nothing would
    ** be written; in an update (an empty or unmounted folder, only empty
    ** files) every passage of the index would be deleted.  Files that are
    ** gone while others remain are deleted as usual. */
    zhs_update_counts uc0 = {0};
    if (update && have_index) zhs_writer_update_counts(w, &uc0);
    if (passages == 0 && (!(update && have_index) || uc0.unchanged == 0)) {
        zhs_corpus_stats st;
        zhs_corpus_stats_get(corpus, &st);
        if (update && have_index)
            zhs_fail(&err, ZHS_EINVAL, "no passages found in the corpus (%llu files read, %llu skipped): the "
                     "update would delete every passage of %s; nothing was written (check the corpus path; to "
                     "empty the index, build it anew or 'zhs delete' its files)",
                     (unsigned long long)st.files_read, (unsigned long long)st.files_skipped, out);
        else
            zhs_fail(&err, ZHS_EINVAL, "no passages found in the corpus (%llu files read, %llu skipped): "
                     "give folders or files with .md, .txt or .jsonl text; nothing was written",
                     (unsigned long long)st.files_read, (unsigned long long)st.files_skipped);
        goto fail;
    }
    if (ctx.tty && !ctx.quiet) fputs("\r\033[Kwriting the index…", stderr);
    if (zhs_writer_commit(w, &err)) goto fail;
    if (ctx.tty && !ctx.quiet) fputs("\r\033[K", stderr);
    if (update && have_index) {
        zhs_update_counts uc;
        zhs_writer_update_counts(w, &uc);
        zhs_writer_close(w);
        w = NULL;
        /* the tiered policy keeps the segment count bounded */
        unsigned merged = 0;
        if (zhs_index_merge(out, an, NULL, &merged, &err)) goto fail;
        if (!ctx.quiet) {
            printf("updated %s: %llu added, %llu changed, %llu deleted, %llu unchanged files; "
                   "%llu passages added, %llu deleted; %u segments in %.2f s\n",
                   out, (unsigned long long)uc.added, (unsigned long long)uc.changed,
                   (unsigned long long)uc.deleted, (unsigned long long)uc.unchanged,
                   (unsigned long long)uc.passages_added, (unsigned long long)uc.passages_deleted,
                   uc.segments, zhs_now() - ctx.t0);
            if (merged) printf("merged %u segments\n", merged);
        }
    } else if (!ctx.quiet) {
        zhs_corpus_stats st;
        zhs_corpus_stats_get(corpus, &st);
        double el = zhs_now() - ctx.t0;
        char sz[32], raw[32];
        uint64_t isz = zhs_path_size(out);
        human(sz, sizeof sz, isz);
        human(raw, sizeof raw, st.bytes);
        uint64_t tokens = ctx.tokens;
        printf("indexed %llu files (%s) into %s: %llu passages, %llu tokens in %.2f s (%.1f MB/s, %.0f passages/s)\n",
               (unsigned long long)st.files_read, raw, out, (unsigned long long)passages, (unsigned long long)tokens, el,
               el > 0 ? (double)st.bytes / 1e6 / el : 0.0, el > 0 ? (double)passages / el : 0.0);
        printf("index size %s (%.0f%% of the raw text), engine %s\n", sz,
               st.bytes ? 100.0 * (double)isz / (double)st.bytes : 0.0,
               zhs_engine_name(wo.engine));
        if (st.files_skipped)
            printf("skipped %llu files: %llu not text (.md/.txt/.jsonl), %llu binary, %llu empty, %llu unreadable\n",
                   (unsigned long long)st.files_skipped, (unsigned long long)st.skipped_type,
                   (unsigned long long)st.skipped_binary, (unsigned long long)st.skipped_empty,
                   (unsigned long long)st.skipped_error);
        if (st.invalid_utf8) printf("replaced %llu invalid UTF-8 sequences with U+FFFD\n", (unsigned long long)st.invalid_utf8);
        if (st.bad_records) printf("skipped %llu bad JSONL records\n", (unsigned long long)st.bad_records);
        if (st.other_encoding)
            printf("read %llu files in another encoding than UTF-8 (GB18030, UTF-16): convert them to UTF-8\n",
                   (unsigned long long)st.other_encoding);
        if (ctx.warnings > 50)
            printf("%llu warnings in all, the first 50 shown\n", (unsigned long long)ctx.warnings);
    }
    zhs_writer_close(w);
    zhs_buf_free(&ctx.file);
    if (ctx.quiet && ctx.warnings)
        fprintf(stderr, "zhs index: %llu warning%s (run without -q to see them)\n",
                (unsigned long long)ctx.warnings, ctx.warnings == 1 ? "" : "s");
    zhs_corpus_close(corpus);
    zhs_analyzer_close(an);
    for (size_t i = 0; i < npaths; i++) free(abs[i]);
    free(abs);
    free(paths);
    return CLI_OK;
fail:
    if (ctx.tty && !ctx.quiet) fputs("\r\033[K", stderr);
    zhs_writer_close(w);       /* without commit: the previous index stays */
    zhs_buf_free(&ctx.file);
    zhs_corpus_close(corpus);
    zhs_analyzer_close(an);
    for (size_t i = 0; i < npaths; i++) free(abs[i]);
    free(abs);
    free(paths);
    return cli_error(&err);
}
