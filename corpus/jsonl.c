/*
** jsonl.c — JSON lines: one record {"id", "title", "text"} per line, one
** passage per record.
**
** A record's id is what evaluation sets and callers refer to, so a record
** stays one passage up to the article cap; a longer one is split like an
** article (passage.c) and every piece answers to the record's id, which
** keeps indexing memory and highlighting time bounded by the cap.  The
** text is cleaned like a plain-text file (paragraphs, hard wraps).  A record
** without an id is named "rel#LINE".
**
** A file is handed out as documents of CORPUS_JSONL_CHUNK records, all with
** the file's path and its name as title: the passages of one chunk are all
** that is in memory besides the file itself.  A chunk's bytes are those of
** its lines; the file's invalid UTF-8 count goes with its first chunk.
**
** The JSON is read with common/json.h (every read checks the bound first,
** nesting is limited); a bad line only costs that line (counted in
** bad_records, warned with its line number).
*/
#include "corpus_int.h"
#include "json.h"

#include <stdio.h>
#include <stdlib.h>

typedef struct json_record {
    bool has_id, has_title, has_text;
} json_record;

/* parse_record's answer when a buffer could not grow: not the record's
** fault, and the caller stops the run with ZHS_ENOMEM instead of skipping
** the record (which would lose it, or read its id as missing). */
static const char json_oom[] = "out of memory";

static bool key_is(const zhs_buf *key, const char *name)
{
    size_t m = strlen(name);
    return key->len == m && memcmp(key->data, name, m) == 0;
}

/* One member's value, stored when the key is one of ours. */
static const char *member_value(zhs_corpus *c, zhs_json_in *in, json_record *r)
{
    const zhs_buf *key = &c->rec_key;
    char first = *in->p;
    if (key_is(key, "id")) {
        zhs_buf_reset(&c->rec_id);
        r->has_id = false;
        if (first == '"') {
            r->has_id = true;
            return zhs_json_string(in, &c->rec_id);
        }
        if (first == '-' || (first >= '0' && first <= '9')) {
            const char *start = in->p, *why = zhs_json_number(in);
            if (!why) {
                zhs_buf_append(&c->rec_id, start, (size_t)(in->p - start));
                r->has_id = true;
            }
            return why;
        }
        if (first == 'n') return zhs_json_literal(in);
        return "\"id\" is neither a string nor a number";
    }
    if (key_is(key, "title") && first == '"') {
        zhs_buf_reset(&c->rec_title);
        r->has_title = true;
        return zhs_json_string(in, &c->rec_title);
    }
    if (key_is(key, "text")) {
        if (first != '"') return "\"text\" is not a string";
        zhs_buf_reset(&c->rec_text);
        r->has_text = true;
        return zhs_json_string(in, &c->rec_text);
    }
    if (first == '"' && (key_is(key, "date") || key_is(key, "status") || key_is(key, "issuer") ||
                         key_is(key, "category"))) {
        zhs_buf_reset(&c->rec_val);
        const char *why = zhs_json_string(in, &c->rec_val);
        if (why) return why;
        bool oom = c->rec_val.oom;
        if (!oom)
            corpus_builder_set_meta(&c->builder, key->data, key->len, zhs_buf_cstr(&c->rec_val), c->rec_val.len,
                                    &oom);
        return oom ? json_oom : NULL;
    }
    /* Any other member is kept as written and returned with the hits. */
    const char *start = in->p, *why = zhs_json_skip(in, 1);
    if (why) return why;
    zhs_buf_putc(&c->rec_extra, c->rec_extra.len ? ',' : '{');
    zhs_buf_append(&c->rec_extra, c->rec_key_raw, c->rec_key_rawlen);
    zhs_buf_putc(&c->rec_extra, ':');
    zhs_buf_append(&c->rec_extra, start, (size_t)(in->p - start));
    return c->rec_extra.oom ? json_oom : NULL;
}


static const char *parse_record(zhs_corpus *c, zhs_json_in *in, json_record *r)
{
    memset(r, 0, sizeof *r);
    /* A record's metadata start from its file's. */
    corpus_builder *b = &c->builder;
    b->date = c->file_meta[0];
    b->category = c->file_meta[1];
    b->status = c->file_meta[2];
    b->issuer = c->file_meta[3];
    b->extra = "";
    zhs_buf_reset(&c->rec_extra);
    zhs_json_ws(in);
    if (in->p >= in->end || *in->p != '{') return "not a JSON object";
    in->p++;
    zhs_json_ws(in);
    if (in->p < in->end && *in->p == '}') {
        in->p++;
    } else {
        for (;;) {
            const char *why;
            zhs_json_ws(in);
            if (in->p >= in->end || *in->p != '"') return "expected a key";
            zhs_buf_reset(&c->rec_key);
            c->rec_key_raw = in->p;
            if ((why = zhs_json_string(in, &c->rec_key))) return why;
            c->rec_key_rawlen = (size_t)(in->p - c->rec_key_raw);
            if (c->rec_key.oom) return json_oom;
            zhs_json_ws(in);
            if (in->p >= in->end || *in->p != ':') return "expected ':'";
            in->p++;
            zhs_json_ws(in);
            if (in->p >= in->end) return "unexpected end of line";
            if ((why = member_value(c, in, r))) return why;
            if (c->rec_id.oom || c->rec_title.oom || c->rec_text.oom) return json_oom;
            zhs_json_ws(in);
            if (in->p < in->end && *in->p == ',') {
                in->p++;
                continue;
            }
            if (in->p < in->end && *in->p == '}') {
                in->p++;
                break;
            }
            return "expected ',' or '}'";
        }
    }
    zhs_json_ws(in);
    if (in->p != in->end) return "text after the record";
    if (!r->has_text) return "no \"text\" field";
    return NULL;
}

/* ------------------------------------------------------------- chunks */

void corpus_jsonl_begin(zhs_corpus *c, const corpus_file *f)
{
    c->jsonl = f;
    c->jsonl_pos = 0;
    c->jsonl_line = 1;
    c->jsonl_bad = 0;
    c->jsonl_first = true;
    /* the ids of the files read before stay: an id given again in
    ** another file is said too */
    c->id_dups = 0;
}

/* The place (file and line) that gave this id before, in this file or in
** another JSONL file of the corpus read before it (by its 64-bit hash:
** two ids of one hash are taken as one, about once in 10^19): *before_line
** 0 when none; records it at (file, line).  The first 2M ids of the corpus
** are checked (64 MB at most).  False when out of memory. */
static bool id_seen(zhs_corpus *c, const char *id, size_t n, uint32_t file, uint32_t line,
                    uint32_t *before_file, uint32_t *before_line)
{
    *before_line = 0;
    if (2 * (c->id_n + 1) > c->id_cap) {
        if (c->id_cap >= CORPUS_JSONL_IDS_MAX) return true;   /* past 2M ids: not checked */
        size_t cap = c->id_cap ? c->id_cap * 2 : 1024;
        uint64_t *h = calloc(cap, sizeof *h);
        uint32_t *l = malloc(cap * sizeof *l);
        uint32_t *f = malloc(cap * sizeof *f);
        if (!h || !l || !f) {
            free(h);
            free(l);
            free(f);
            return false;
        }
        for (size_t i = 0; i < c->id_cap; i++) {
            if (!c->id_hash[i]) continue;
            size_t j = c->id_hash[i] & (cap - 1);
            while (h[j]) j = (j + 1) & (cap - 1);
            h[j] = c->id_hash[i];
            l[j] = c->id_line[i];
            f[j] = c->id_file[i];
        }
        free(c->id_hash);
        free(c->id_line);
        free(c->id_file);
        c->id_hash = h;
        c->id_line = l;
        c->id_file = f;
        c->id_cap = cap;
    }
    uint64_t key = zhs_source_hash(id, n);      /* never 0 */
    size_t j = key & (c->id_cap - 1);
    while (c->id_hash[j] && c->id_hash[j] != key) j = (j + 1) & (c->id_cap - 1);
    if (c->id_hash[j]) {
        *before_file = c->id_file[j];
        *before_line = c->id_line[j];
        return true;
    }
    c->id_hash[j] = key;
    c->id_line[j] = line;
    c->id_file[j] = file;
    c->id_n++;
    return true;
}

static int record_passage(zhs_corpus *c, const json_record *r, uint32_t line, bool *made,
                          zhs_error *err)
{
    corpus_builder *b = &c->builder;
    char *id;
    if (r->has_id && c->rec_id.len) {
        id = zhs_arena_strndup(&c->arena, c->rec_id.data, c->rec_id.len);
        /* an id twice in the corpus: both records are kept, and said so */
        uint32_t file = (uint32_t)(c->jsonl - c->files), before_file = 0, before;
        if (!id_seen(c, c->rec_id.data, c->rec_id.len, file, line, &before_file, &before))
            return zhs_fail(err, ZHS_ENOMEM, "out of memory reading %s", c->jsonl->path);
        if (before && ++c->id_dups <= CORPUS_JSONL_WARN_MAX) {
            int idlen = (int)(c->rec_id.len > 80 ? 80 : c->rec_id.len);
            if (before_file == file)
                corpus_warn(c, c->jsonl->path, "line %u: id \"%.*s\" was given on line %u too: both records are "
                            "indexed ('zhs delete' of the id deletes both); give each record its own id",
                            (unsigned)line, idlen, c->rec_id.data, (unsigned)before);
            else
                corpus_warn(c, c->jsonl->path, "line %u: id \"%.*s\" was given in %s (line %u) too: both records "
                            "are indexed ('zhs delete' of the id deletes both); give each record its own id",
                            (unsigned)line, idlen, c->rec_id.data, c->files[before_file].path, (unsigned)before);
        }
    } else {
        size_t len = strlen(c->jsonl->rel) + 16;
        id = zhs_arena_alloc(&c->arena, len);
        if (id) snprintf(id, len, "%s#%u", c->jsonl->rel, (unsigned)line);
    }
    const char *title = r->has_title
        ? zhs_arena_strndup(&c->arena, zhs_buf_cstr(&c->rec_title), c->rec_title.len) : NULL;
    if (!id || (r->has_title && !title) || c->rec_id.oom || c->rec_title.oom || c->rec_text.oom)
        return zhs_fail(err, ZHS_ENOMEM, "out of memory reading %s", c->jsonl->path);
    if (c->rec_extra.len) {
        zhs_buf_putc(&c->rec_extra, '}');
        b->extra = c->rec_extra.oom ? NULL : zhs_arena_strndup(&c->arena, c->rec_extra.data, c->rec_extra.len);
        if (!b->extra) return zhs_fail(err, ZHS_ENOMEM, "out of memory reading %s", c->jsonl->path);
    }
    corpus_builder_begin_record(b, id, title, line);
    corpus_doc_begin(&c->parser, false, false);
    int rc = corpus_doc_parse(&c->parser, zhs_buf_cstr(&c->rec_text), c->rec_text.len, line, err);
    if (rc) return rc;
    return corpus_builder_end_record(b, made, err);
}

static void bad_record(zhs_corpus *c, uint32_t line, const char *why)
{
    c->stats.bad_records++;
    if (++c->jsonl_bad <= CORPUS_JSONL_WARN_MAX)
        corpus_warn(c, c->jsonl->path, "line %u: %s; record skipped", (unsigned)line, why);
}

static void close_file(zhs_corpus *c)
{
    if (c->jsonl_bad > CORPUS_JSONL_WARN_MAX)
        corpus_warn(c, c->jsonl->path, "%llu bad records in all",
                    (unsigned long long)c->jsonl_bad);
    if (c->id_dups > CORPUS_JSONL_WARN_MAX)
        corpus_warn(c, c->jsonl->path, "%llu records in all repeat an id given before (in the file or in another)",
                    (unsigned long long)c->id_dups);
    if (c->jsonl_first)
        corpus_skip(c, &c->stats.skipped_empty, c->jsonl->path, "no records: file skipped");
    c->jsonl = NULL;
}

int corpus_jsonl_next(zhs_corpus *c, bool *made, zhs_error *err)
{
    const corpus_file *f = c->jsonl;
    const char *name = corpus_basename(f->path);
    char *title = zhs_arena_strndup(&c->arena, name, corpus_title_len(name));
    if (!title) return zhs_fail(err, ZHS_ENOMEM, "out of memory reading %s", f->path);
    corpus_builder_start(&c->builder, f->path, f->rel);
    c->builder.root_file = f->root_is_file;
    if (corpus_builder_file_meta(&c->builder, err)) return err->code;
    c->file_meta[0] = c->builder.date;
    c->file_meta[1] = c->builder.category;
    c->file_meta[2] = c->builder.status;
    c->file_meta[3] = c->builder.issuer;
    size_t records = 0, start = c->jsonl_pos, surrogates = 0;
    *made = false;
    while (c->jsonl_pos < c->text_len && records < CORPUS_JSONL_CHUNK) {
        const char *s = c->text + c->jsonl_pos;
        const char *nl = memchr(s, '\n', c->text_len - c->jsonl_pos);
        size_t n = nl ? (size_t)(nl - s) : c->text_len - c->jsonl_pos;
        uint32_t line = c->jsonl_line++;
        c->jsonl_pos += n + (nl ? 1 : 0);
        corpus_trim(&s, &n);
        if (!n) continue;
        zhs_json_in in = {s, s + n, 0, true};
        json_record r;
        const char *why = parse_record(c, &in, &r);
        if (why == json_oom) return zhs_fail(err, ZHS_ENOMEM, "out of memory reading %s", f->path);
        bool one = false;
        if (!why) {
            int rc = record_passage(c, &r, line, &one, err);
            if (rc) return rc;
            if (!one) why = "no text in the record";
        }
        if (why) {
            bad_record(c, line, why);
            continue;
        }
        records++;
        surrogates += in.invalid;
    }
    if (!records) {
        close_file(c);
        return ZHS_OK;
    }
    corpus_builder_finish(&c->builder, title);
    zhs_document *d = &c->doc;
    d->path = f->path;
    d->title = title;
    d->passages = c->builder.v;
    d->npassages = c->builder.n;
    d->bytes = c->jsonl_pos - start;
    d->invalid_utf8 = surrogates + (c->jsonl_first ? c->invalid : 0);
    if (c->jsonl_first) c->stats.files_read++;
    c->jsonl_first = false;
    c->stats.passages += d->npassages;
    c->stats.invalid_utf8 += surrogates;
    *made = true;
    return ZHS_OK;
}
