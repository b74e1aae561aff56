/*
** fuzz_corpus.c — the corpus reader: Markdown, plain text, JSONL, gzip.
**
** The input's bytes are written to a.md, a.txt and a.jsonl, as they are
** to a.md.gz (arbitrary bytes where gzip is expected), and gzip-compressed
** to b.jsonl.gz and b.md.gz (so the parsers also run behind the gzip
** reader); each file is read alone with zhs_corpus.  Every file must give
** documents or be skipped with a warning, never an error (there is no way
** to run out of memory here), and every passage must be well formed:
** valid UTF-8 text of the length it claims with no NUL, every string
** present, a line number inside the file, ids unique within a document,
** a date that is none or a real one.  Each passage's text also goes
** through the clause readers the metadata builder runs on it (clause.h):
** a day in force that is a real date, repealed titles that are non-empty
** valid UTF-8 inside the text.
*/
#include "fuzz_common.h"
#include "clause.h"
#include "meta.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

static const char *dir;
static char paths[6][4096];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    struct stat st;
    /* a RAM disk when there is one: six small files per input */
    if (!getenv("TMPDIR") && stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode)) setenv("TMPDIR", "/dev/shm", 1);
    dir = fuzz_tmpdir("corpus");
    static const char *const names[6] = {"a.md", "a.txt", "a.jsonl", "a.md.gz", "b.jsonl.gz", "b.md.gz"};
    for (int i = 0; i < 6; i++) snprintf(paths[i], sizeof paths[i], "%s/%s", dir, names[i]);
    return 0;
}

typedef struct title_ctx {
    const char *text;
    size_t len;
} title_ctx;

static int on_title(void *ctx, const char *t, size_t n)
{
    const title_ctx *c = ctx;
    FUZZ_ASSERT(n > 0 && t >= c->text && t + n <= c->text + c->len, "a repealed title outside its text");
    FUZZ_ASSERT(fuzz_utf8_valid(t, n), "a repealed title of invalid UTF-8");
    return 0;
}

/* The clause readers over one passage's text. */
static void read_clauses(const zhs_passage *ps)
{
    uint32_t day = 0;
    int kind = zhs_effective_clause(ps->text, ps->text_len, &day);
    FUZZ_ASSERT(kind != ZHS_EFFECTIVE_DATE || (day >= 10000101 && day <= 99991231), "day in force %u", day);
    title_ctx c = {ps->text, ps->text_len};
    FUZZ_ASSERT(zhs_repeal_clauses(ps->text, ps->text_len, on_title, &c) == 0, "the repeal reader failed");
    uint32_t d;
    FUZZ_ASSERT(!ps->date || !ps->date[0] || (strlen(ps->date) == 10 && zhs_date_parse(ps->date, 10, &d)),
                "a passage's date \"%s\"", ps->date ? ps->date : "");
}

typedef struct warn_ctx {
    unsigned n;
} warn_ctx;

static void on_warn(void *ctx, const char *path, const char *message)
{
    FUZZ_ASSERT(path && message && message[0], "a warning without a path or message");
    ((warn_ctx *)ctx)->n++;
}

static void write_gz(const char *path, const uint8_t *data, size_t size)
{
    gzFile g = gzopen(path, "wb1");
    FUZZ_ASSERT(g != NULL, "gzopen %s", path);
    if (size) FUZZ_ASSERT(gzwrite(g, data, (unsigned)size) == (int)size, "gzwrite");
    gzclose(g);
}

/* Reads the six files with one reader (one open: the reader's buffers are
** large and reused, as in a real run). */
static void read_all(size_t size, size_t nlines)
{
    zhs_error err = {0};
    warn_ctx wc = {0};
    zhs_corpus_options opts = {ZHS_CORPUS_OPTIONS_VERSION, on_warn, &wc, 0, ZHS_ORDER_SIMILAR};
    zhs_corpus *c;
    const char *p[6];
    for (int i = 0; i < 6; i++) p[i] = paths[i];
    int rc = zhs_corpus_open(&c, p, 6, &opts, &err);
    FUZZ_ASSERT(rc == ZHS_OK, "open: %s", err.message);
    uint64_t passages = 0;
    for (;;) {
        const zhs_document *d;
        rc = zhs_corpus_next(c, &d, &err);
        if (rc == ZHS_DONE) break;
        FUZZ_ASSERT(rc == ZHS_OK, "next: %s", err.message);
        FUZZ_ASSERT(d->path && d->title && (d->npassages == 0 || d->passages), "document fields");
        FUZZ_ASSERT(d->npassages > 0, "%s: a document without passages", d->path);
        /* a.md.gz holds the input as gzip data: its text is unknown */
        bool rawgz = strcmp(d->path, paths[3]) == 0, jsonl = strstr(d->path, ".jsonl") != NULL;
        size_t raw = rawgz ? (size_t)64 << 20 : size, lines = rawgz ? (size_t)-2 : nlines;
        for (size_t i = 0; i < d->npassages; i++) {
            const zhs_passage *ps = &d->passages[i];
            FUZZ_ASSERT(ps->id && ps->text && ps->title && ps->heading && ps->label && ps->path,
                        "%s passage %zu: a NULL field", d->path, i);
            FUZZ_ASSERT(strlen(ps->text) == ps->text_len, "%s passage %zu: text_len %zu, strlen %zu", d->path, i,
                        ps->text_len, strlen(ps->text));
            FUZZ_ASSERT(ps->text_len > 0, "%s passage %zu: empty text", d->path, i);
            FUZZ_ASSERT(fuzz_utf8_valid(ps->text, ps->text_len), "%s passage %zu: invalid UTF-8 text", d->path, i);
            FUZZ_ASSERT(fuzz_utf8_valid(ps->title, strlen(ps->title)) &&
                        fuzz_utf8_valid(ps->heading, strlen(ps->heading)) &&
                        fuzz_utf8_valid(ps->label, strlen(ps->label)) &&
                        fuzz_utf8_valid(ps->id, strlen(ps->id)),
                        "%s passage %zu: invalid UTF-8 in id/title/heading/label", d->path, i);
            FUZZ_ASSERT(ps->line >= 1 && ps->line <= lines + 1, "%s passage %zu: line %u of a %zu-line file",
                        d->path, i, ps->line, lines);
            /* text grows at most 3x (U+FFFD for each invalid byte) */
            FUZZ_ASSERT(ps->text_len <= 3 * raw + 16, "%s passage %zu: %zu bytes from a %zu-byte file", d->path, i,
                        ps->text_len, raw);
            read_clauses(ps);
            /* ids the reader makes up are unique (JSONL ids are the data's) */
            if (!jsonl && i > 0)
                FUZZ_ASSERT(strcmp(ps->id, d->passages[i - 1].id) != 0, "%s passage %zu: duplicate id %s", d->path,
                            i, ps->id);
        }
        passages += d->npassages;
    }
    zhs_corpus_stats st;
    zhs_corpus_stats_get(c, &st);
    FUZZ_ASSERT(st.passages == passages, "stats say %llu passages, read %llu", (unsigned long long)st.passages,
                (unsigned long long)passages);
    FUZZ_ASSERT(st.files_read + st.files_skipped == 6, "six files: %llu read, %llu skipped",
                (unsigned long long)st.files_read, (unsigned long long)st.files_skipped);
    FUZZ_ASSERT(wc.n >= st.files_skipped, "%llu files skipped, %u warnings", (unsigned long long)st.files_skipped,
                wc.n);
    zhs_corpus_close(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 256 * 1024) return -1;
    size_t nlines = 1;
    for (size_t i = 0; i < size; i++) nlines += data[i] == '\n';
    for (int i = 0; i < 4; i++) fuzz_write(paths[i], data, size);
    write_gz(paths[4], data, size);
    write_gz(paths[5], data, size);
    read_all(size, nlines);
    return 0;
}
