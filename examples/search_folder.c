/*
** search_folder.c — index a folder and print the best passages for a query,
** with nothing but the public API of zhsearch (zhs.h).
**
**   cc search_folder.c $(pkg-config --cflags --libs zhsearch) -o search_folder
**   ./search_folder corpus/sample '个人信息 处理者' 5
**
** The index is built in a temporary directory and removed at the end.  The
** exit status is the one of 'zhs search': 0 with hits, 1 without, 2 on an
** error.  docs/C_API.md walks through this file.
*/
#define _XOPEN_SOURCE 700 /* mkdtemp, nftw */

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zhs.h>

/* Corpus warnings (a file skipped or only partly read) go to stderr. */
static void on_warning(void *ctx, const char *path, const char *message)
{
    (void)ctx;
    fprintf(stderr, "warning: %s: %s\n", path, message);
}

/* Builds an index of folder in dir.  The calls are chained on one error
** struct: once a call fails, the following ones return its code without
** doing anything, so the error is checked once, at the end. */
static int build(const char *dir, const char *folder, zhs_error *err)
{
    zhs_analyzer *an = NULL;
    zhs_writer *w = NULL;
    zhs_corpus *c = NULL;
    zhs_writer_options wo = ZHS_WRITER_OPTIONS_INIT;   /* the defaults */
    zhs_corpus_options co = ZHS_CORPUS_OPTIONS_INIT;
    co.warn = on_warning;
    const char *paths[] = {folder};

    zhs_analyzer_open(&an, NULL, err);                  /* NULL: default configuration */
    zhs_writer_open(&w, dir, an, &wo, err);             /* the writer borrows an */
    zhs_corpus_open(&c, paths, 1, &co, err);

    const zhs_document *doc;
    while (zhs_corpus_next(c, &doc, err) == ZHS_OK)     /* ZHS_DONE or an error ends it */
        for (size_t i = 0; i < doc->npassages; i++)
            if (zhs_writer_add(w, &doc->passages[i], err) != ZHS_OK) break;
    zhs_writer_commit(w, err);

    /* close(NULL) is a no-op, so cleanup needs no test.  The analyzer is
    ** closed after the writer that borrowed it. */
    zhs_corpus_close(c);
    zhs_writer_close(w);
    zhs_analyzer_close(an);
    return err->code;
}

/* Prints at most max characters of text (UTF-8), with the highlighted byte
** ranges in [brackets]. */
static void print_marked(const char *text, size_t len, const zhs_span *spans, size_t nspans, size_t max)
{
    size_t chars = 0, s = 0;
    for (size_t i = 0; i < len; i++) {
        int lead = ((unsigned char)text[i] & 0xC0) != 0x80;
        if (lead) {
            if (s < nspans && spans[s].end == i) {
                putchar(']');
                s++;
            }
            if (chars++ == max) {
                fputs(s < nspans && spans[s].start < i ? "]…" : "…", stdout);
                return;
            }
            if (s < nspans && spans[s].start == i) putchar('[');
        }
        putchar(text[i] == '\n' ? ' ' : text[i]);
    }
    if (s < nspans && spans[s].end == len) putchar(']');
}

static int search(const char *dir, const char *query, size_t k, zhs_error *err)
{
    zhs_index *ix = NULL;
    zhs_analyzer *qa = NULL;
    zhs_results *res = NULL;
    zhs_search_options so = ZHS_SEARCH_OPTIONS_INIT;
    so.k = k;

    zhs_index_open(&ix, dir, err);
    zhs_index_open_analyzer(&qa, ix, err);              /* analyze the query as the index did */
    zhs_index_search(&res, ix, qa, query, &so, err);

    size_t n = err->code ? 0 : zhs_results_count(res);
    for (size_t i = 0; i < n; i++) {
        const zhs_hit *h = zhs_results_hit(res, i);
        zhs_passage p;
        const zhs_span *spans;
        size_t nspans;
        /* The passage's strings and the spans belong to res. */
        if (zhs_results_passage(&p, res, h->doc, err) != ZHS_OK) break;
        if (zhs_results_highlights(&spans, &nspans, res, qa, &p, err) != ZHS_OK) break;
        printf("%zu. %.3f  %s%s%s  %s\n", i + 1, h->score, p.title,
               p.heading[0] ? " › " : "", p.heading, p.label);
        printf("   %s:%u  id %s\n   ", p.path, (unsigned)p.line, p.id);
        print_marked(p.text, p.text_len, spans, nspans, 100);
        putchar('\n');
    }
    if (!err->code)
        printf("%zu of at least %llu matching passages\n", n,
               (unsigned long long)zhs_results_matches(res));

    zhs_results_free(res);
    zhs_analyzer_close(qa);
    zhs_index_close(ix);
    return err->code ? err->code : (n ? 0 : ZHS_DONE);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: %s FOLDER QUERY [K]\n", argv[0]);
        return 2;
    }
    size_t k = argc == 4 ? strtoul(argv[3], NULL, 10) : 10;

    const char *tmp = getenv("TMPDIR");
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/search_folder.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 2;
    }

    zhs_error err = {0};
    int rc = build(dir, argv[1], &err);
    if (rc == ZHS_OK) rc = search(dir, argv[2], k, &err);
    if (rc < 0)
        fprintf(stderr, "error: %s (%s)\n", err.message, zhs_status_name(rc));

    nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    return rc < 0 ? 2 : rc == ZHS_DONE ? 1 : 0;
}
