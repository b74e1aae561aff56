/*
** reader.c — the public corpus API: open (the walk), next (one file to one
** document), statistics, close.
**
** A file that cannot be used is skipped with a warning and the run goes
** on: only running out of memory for the reader's own structures stops it.
** Each document lives in an arena reset at every zhs_corpus_next(), and
** the file buffers are reused, so memory stays bounded by the largest file.
*/
#include "corpus_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

void zhs_corpus_options_default(zhs_corpus_options *o)
{
    zhs_corpus_options d = ZHS_CORPUS_OPTIONS_INIT;
    *o = d;
}

/* Where the last k components of path[0..n) start (n without trailing
** '/'); false when it has fewer than k. */
static bool tail_at(const char *path, size_t n, int k, size_t *at)
{
    size_t i = n;
    for (int c = 0; c < k; c++) {
        if (i == 0) return false;
        while (i > 0 && path[i - 1] != '/') i--;
        if (c + 1 < k) {
            if (i == 0) return false;
            i--;                        /* the '/' before this component */
        }
    }
    *at = i;
    return true;
}

static size_t trimmed_len(const char *p)
{
    size_t n = strlen(p);
    while (n > 1 && p[n - 1] == '/') n--;
    return n;
}

/* The name the ids of root i start with when several folders are given:
** its folder's name, or as many of its last folders as tell it from every
** other root (x/laws and y/laws for two folders called laws), the whole
** path (without a leading '/') when nothing shorter does.  In names. */
static const char *root_id_name(zhs_arena *names, const char *const *paths, size_t npaths, size_t i)
{
    size_t n = trimmed_len(paths[i]), at = 0;
    for (int k = 1;; k++) {
        if (!tail_at(paths[i], n, k, &at)) {
            at = 0;
            break;
        }
        bool unique = true;
        for (size_t j = 0; j < npaths && unique; j++) {
            if (j == i) continue;
            size_t m = trimmed_len(paths[j]), bt;
            if (!tail_at(paths[j], m, k, &bt)) bt = 0;
            unique = m - bt != n - at || memcmp(paths[j] + bt, paths[i] + at, n - at) != 0;
        }
        if (unique) break;
    }
    while (at < n && paths[i][at] == '/') at++;
    if (at == n) return zhs_arena_strndup(names, paths[i], n);   /* "/" */
    return zhs_arena_strndup(names, paths[i] + at, n - at);
}

int zhs_corpus_open(zhs_corpus **out, const char *const *paths, size_t npaths,
                    const zhs_corpus_options *opts, zhs_error *err)
{
    zhs_error local;
    ZHS_ERR_LOCAL(err, local);
    if (zhs_err_code(err)) return err->code;
    if (!out || (npaths && !paths))
        return zhs_fail(err, ZHS_EINVAL, "zhs_corpus_open: no output pointer or no paths");
    *out = NULL;
    for (size_t i = 0; i < npaths; i++)
        if (!paths[i])
            return zhs_fail(err, ZHS_EINVAL, "zhs_corpus_open: path %zu is NULL", i);
    if (opts && opts->version > ZHS_CORPUS_OPTIONS_VERSION)
        return zhs_fail(err, ZHS_EINVAL, "corpus options of version %u: newer than this library's (%u), or from "
                        "a zhs.h whose zhs_corpus_options had no version field: build the program against "
                        "this library's zhs.h", opts->version, ZHS_CORPUS_OPTIONS_VERSION);
    if (opts && opts->order != ZHS_ORDER_SIMILAR && opts->order != ZHS_ORDER_PATH)
        return zhs_fail(err, ZHS_EINVAL, "zhs_corpus_open: order %d is neither ZHS_ORDER_SIMILAR nor ZHS_ORDER_PATH",
                        opts->order);
    zhs_corpus *c = calloc(1, sizeof *c);
    if (!c) return zhs_fail(err, ZHS_ENOMEM, "out of memory opening a corpus");
    if (opts) {
        c->warn = opts->warn;
        c->warn_ctx = opts->warn_ctx;
        c->max_file_bytes = opts->max_file_bytes;
        c->order = opts->order;
    }
    if (!c->max_file_bytes) c->max_file_bytes = CORPUS_DEFAULT_MAX_FILE;
    zhs_arena_init(&c->names, 64 * 1024);
    zhs_arena_init(&c->arena, 1024 * 1024);
    zhs_buf_init(&c->raw);
    zhs_buf_init(&c->valid);
    zhs_buf_init(&c->rec_id);
    zhs_buf_init(&c->rec_title);
    zhs_buf_init(&c->rec_val);
    zhs_buf_init(&c->rec_extra);
    zhs_buf_init(&c->rec_text);
    zhs_buf_init(&c->rec_key);
    corpus_builder_init(&c->builder, &c->arena);
    corpus_doc_init(&c->parser, &c->builder, &c->arena);
    /* Ids of files found in folders are relative to the folder: with two
    ** folders or more they start with the folder's name (a file given by
    ** itself is named as given, which is unique already). */
    size_t ndirs = 0;
    for (size_t i = 0; i < npaths; i++) {
        struct stat st;
        ndirs += stat(paths[i], &st) == 0 && S_ISDIR(st.st_mode);
    }
    c->multi_root = ndirs > 1;
    for (size_t i = 0; i < npaths; i++) {
        const char *id_root = NULL;
        if (c->multi_root && !(id_root = root_id_name(&c->names, paths, npaths, i))) {
            zhs_corpus_close(c);
            return zhs_fail(err, ZHS_ENOMEM, "out of memory opening a corpus");
        }
        int rc = corpus_walk(c, paths[i], id_root, err);
        if (rc) {
            zhs_corpus_close(c);
            return rc;
        }
    }
    if (c->order == ZHS_ORDER_SIMILAR && corpus_order(c, err)) {
        zhs_corpus_close(c);
        return err->code;
    }
    *out = c;
    return ZHS_OK;
}

void zhs_corpus_close(zhs_corpus *c)
{
    if (!c) return;
    free(c->files);
    free(c->id_hash);
    free(c->id_line);
    free(c->id_file);
    zhs_arena_free(&c->names);
    zhs_arena_free(&c->arena);
    zhs_buf_free(&c->raw);
    zhs_buf_free(&c->valid);
    zhs_buf_free(&c->rec_id);
    zhs_buf_free(&c->rec_title);
    zhs_buf_free(&c->rec_val);
    zhs_buf_free(&c->rec_extra);
    zhs_buf_free(&c->rec_text);
    zhs_buf_free(&c->rec_key);
    corpus_doc_free(&c->parser);
    corpus_builder_free(&c->builder);
    free(c);
}

void zhs_corpus_set_filter(zhs_corpus *c, zhs_corpus_filter_fn filter, void *ctx)
{
    if (!c) return;
    c->filter = filter;
    c->filter_ctx = ctx;
}

void zhs_corpus_stats_get(const zhs_corpus *c, zhs_corpus_stats *out)
{
    if (!out) return;
    if (c) *out = c->stats;
    else memset(out, 0, sizeof *out);
}

uint64_t zhs_corpus_total_bytes(const zhs_corpus *c)
{
    return c ? c->total_bytes : 0;
}

/* Reads f into c->text as valid UTF-8 without a BOM.  *ok is false when
** the file was skipped (and counted). */
static int load(zhs_corpus *c, const corpus_file *f, bool *ok, zhs_error *err)
{
    zhs_error e;
    zhs_error_clear(&e);
    *ok = false;
    if (zhs_file_read(&c->raw, f->path, f->gz, c->max_file_bytes, &e) != ZHS_OK) {
        /* Files over the size limit are refused before they are read, so
        ** running out of memory below it is the machine's state, not the
        ** file's problem: skipping would lose the file's passages while
        ** the build reports success. */
        if (e.code == ZHS_ENOMEM) {
            zhs_buf_free(&c->raw);
            *err = e;
            return e.code;
        }
        corpus_skip(c, &c->stats.skipped_error, f->path, "%s", e.message);
        return ZHS_OK;
    }
    const char *s = zhs_buf_cstr(&c->raw);
    size_t n = c->raw.len;
    c->stats.bytes += n;
    bool oom = false;
    if (memchr(s, 0, n)) {
        /* UTF-16 (a Windows "Unicode" export) is read, with a warning */
        const char *enc = corpus_read_utf16(&c->valid, s, n, &oom);
        if (oom) return zhs_fail(err, ZHS_ENOMEM, "out of memory reading %s", f->path);
        if (!enc) {
            corpus_skip(c, &c->stats.skipped_binary, f->path, "binary file (NUL bytes): skipped");
            return ZHS_OK;
        }
        corpus_warn(c, f->path, "%s text, read as such (convert it to UTF-8 to silence this: iconv -f %s -t UTF-8)",
                    enc, enc);
        c->stats.other_encoding++;
        s = zhs_buf_cstr(&c->valid);
        n = c->valid.len;
    }
    if (n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) {
        s += 3;
        n -= 3;
    }
    c->invalid = 0;
    if (zhs_utf8_valid_prefix(s, n) < n) {
        zhs_buf_reset(&c->valid);
        size_t invalid = zhs_utf8_sanitize(&c->valid, s, n);
        if (c->valid.oom) return zhs_fail(err, ZHS_ENOMEM, "out of memory reading %s", f->path);
        if (corpus_mostly_invalid(s, n, invalid)) {
            /* GBK/GB18030: read as such when it decodes without an error */
            bool cut = false;
            if (corpus_decode_cut(&c->valid, s, n, "GB18030", 3, &oom, &cut)) {
                corpus_warn(c, f->path, "not UTF-8 (%zu invalid sequences): read as GB18030%s (convert it to UTF-8 "
                            "to silence this: iconv -f GB18030 -t UTF-8)", invalid,
                            cut ? ", its last character cut short" : "");
                c->stats.other_encoding++;
                s = zhs_buf_cstr(&c->valid);
                n = c->valid.len;
                goto decoded;
            }
            if (oom) return zhs_fail(err, ZHS_ENOMEM, "out of memory reading %s", f->path);
            /* another encoding: its ASCII stays searchable, the rest is lost */
            zhs_buf_reset(&c->valid);
            zhs_utf8_sanitize(&c->valid, s, n);
            if (c->valid.oom) return zhs_fail(err, ZHS_ENOMEM, "out of memory reading %s", f->path);
            corpus_warn(c, f->path, "not UTF-8 nor GB18030: %zu invalid sequences replaced by U+FFFD, only the rest "
                        "is searchable (convert it to UTF-8: iconv -f ENCODING -t UTF-8)", invalid);
        } else {
            corpus_warn(c, f->path, "%zu invalid UTF-8 sequence%s replaced by U+FFFD", invalid,
                        invalid == 1 ? "" : "s");
        }
        c->invalid = invalid;
        s = zhs_buf_cstr(&c->valid);
        n = c->valid.len;
    }
decoded:
    c->stats.invalid_utf8 += c->invalid;
    c->text = s;
    c->text_len = n;
    *ok = true;
    return ZHS_OK;
}

/* Markdown or plain text: the whole file is one document. */
static int read_text(zhs_corpus *c, const corpus_file *f, bool *made, zhs_error *err)
{
    corpus_builder *b = &c->builder;
    corpus_builder_start(b, f->path, f->rel);
    b->root_file = f->root_is_file;
    if (corpus_builder_file_meta(b, err)) return err->code;
    corpus_doc_begin(&c->parser, f->kind == CORPUS_MD, true);
    int rc = corpus_doc_parse(&c->parser, c->text, c->text_len, 1, err);
    if (!rc) rc = corpus_builder_break(b, err);
    if (rc) return rc;
    if (!b->n) {
        corpus_skip(c, &c->stats.skipped_empty, f->path, "no text: skipped");
        return ZHS_OK;
    }
    const char *title = c->parser.title;
    if (!title) {
        const char *name = corpus_basename(f->path);
        title = zhs_arena_strndup(&c->arena, name, corpus_title_len(name));
        if (!title) return zhs_fail(err, ZHS_ENOMEM, "out of memory reading %s", f->path);
    }
    corpus_builder_finish(b, title);
    zhs_document *d = &c->doc;
    d->path = f->path;
    d->title = title;
    d->passages = b->v;
    d->npassages = b->n;
    d->bytes = c->raw.len;
    d->invalid_utf8 = c->invalid;
    c->stats.files_read++;
    c->stats.passages += b->n;
    *made = true;
    return ZHS_OK;
}

int zhs_corpus_next(zhs_corpus *c, const zhs_document **doc, zhs_error *err)
{
    zhs_error local;
    ZHS_ERR_LOCAL(err, local);
    if (zhs_err_code(err)) return err->code;
    if (!c || !doc) return zhs_fail(err, ZHS_EINVAL, "zhs_corpus_next: no corpus or no output");
    *doc = NULL;
    for (;;) {
        bool made = false;
        int rc;
        zhs_arena_reset(&c->arena);
        if (c->jsonl) {
            rc = corpus_jsonl_next(c, &made, err);
        } else {
            if (c->next >= c->nfiles) return ZHS_DONE;
            const corpus_file *f = &c->files[c->next++];
            if (c->filter) {
                zhs_corpus_file cf = {f->root, f->root_is_file ? "" : f->rel + f->rel_skip, f->path, f->size, f->mtime_ns};
                int keep = c->filter(c->filter_ctx, &cf, err);
                if (keep < 0) return zhs_err_code(err) ? err->code : keep;
                if (keep == 0) continue;
            }
            bool ok;
            rc = load(c, f, &ok, err);
            if (!rc && ok) {
                if (f->kind == CORPUS_JSONL) corpus_jsonl_begin(c, f);
                else rc = read_text(c, f, &made, err);
            }
        }
        if (rc) return rc;
        if (made) {
            *doc = &c->doc;
            return ZHS_OK;
        }
    }
}
