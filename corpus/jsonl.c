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
** The parser is a small recursive-descent one over [p, end): every read
** checks the bound first, nesting is limited, and a bad line only costs
** that line (counted in bad_records, warned with its line number).
*/
#include "corpus_int.h"

#include <stdio.h>

#define JSON_DEPTH_MAX 64

typedef struct json_in {
    const char *p, *end;
    size_t invalid;             /* lone surrogates replaced by U+FFFD */
} json_in;

typedef struct json_record {
    bool has_id, has_title, has_text;
} json_record;

static void skip_ws(json_in *in)
{
    while (in->p < in->end && (*in->p == ' ' || *in->p == '\t' || *in->p == '\r' || *in->p == '\n'))
        in->p++;
}

static bool hex4(const char *p, const char *end, uint32_t *v)
{
    if (end - p < 4) return false;
    uint32_t r = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        r <<= 4;
        if (c >= '0' && c <= '9') r |= (uint32_t)(c - '0');
        else if (c >= 'a' && c <= 'f') r |= (uint32_t)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') r |= (uint32_t)(c - 'A' + 10);
        else return false;
    }
    *v = r;
    return true;
}

static void put_cp(zhs_buf *out, uint32_t cp)
{
    if (!out) return;
    /* Control characters would only disturb the text: NUL would even cut
    ** it short.  Line breaks and tabs keep their meaning. */
    if (cp < 0x20 && cp != '\n' && cp != '\t') cp = ' ';
    char tmp[4];
    zhs_buf_append(out, tmp, zhs_utf8_encode(cp, tmp));
}

/* A \u escape after the "\u": surrogate pairs combined, a lone surrogate
** replaced (it cannot be encoded in UTF-8). */
static const char *unicode_escape(json_in *in, zhs_buf *out)
{
    uint32_t cp, lo;
    if (!hex4(in->p, in->end, &cp)) return "invalid \\u escape";
    in->p += 4;
    if (cp >= 0xD800 && cp <= 0xDBFF) {
        if (in->end - in->p >= 6 && in->p[0] == '\\' && in->p[1] == 'u' &&
            hex4(in->p + 2, in->end, &lo) && lo >= 0xDC00 && lo <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            in->p += 6;
        } else {
            cp = 0xFFFD;
            in->invalid++;
        }
    } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
        cp = 0xFFFD;
        in->invalid++;
    }
    put_cp(out, cp);
    return NULL;
}

/* A string at in->p (a '"'), unescaped into out unless out is NULL. */
static const char *parse_string(json_in *in, zhs_buf *out)
{
    in->p++;
    const char *run = in->p;
    while (in->p < in->end) {
        char c = *in->p;
        if (c != '"' && c != '\\') {
            in->p++;
            continue;
        }
        if (out) zhs_buf_append(out, run, (size_t)(in->p - run));
        in->p++;
        if (c == '"') return NULL;
        if (in->p >= in->end) break;
        char e = *in->p++;
        const char *why = NULL;
        switch (e) {
        case '"': case '\\': case '/': put_cp(out, (uint32_t)e); break;
        case 'b': case 'f': put_cp(out, ' '); break;
        case 'n': put_cp(out, '\n'); break;
        case 't': put_cp(out, '\t'); break;
        case 'r':
            /* "\r\n" is one line break, a lone "\r" another. */
            if (!(in->end - in->p >= 2 && in->p[0] == '\\' && in->p[1] == 'n')) put_cp(out, '\n');
            break;
        case 'u': why = unicode_escape(in, out); break;
        default: why = "invalid escape in a string"; break;
        }
        if (why) return why;
        run = in->p;
    }
    return "unterminated string";
}

static bool is_digit(const json_in *in)
{
    return in->p < in->end && *in->p >= '0' && *in->p <= '9';
}

static const char *parse_number(json_in *in)
{
    if (in->p < in->end && *in->p == '-') in->p++;
    if (!is_digit(in)) return "invalid number";
    while (is_digit(in)) in->p++;
    if (in->p < in->end && *in->p == '.') {
        in->p++;
        if (!is_digit(in)) return "invalid number";
        while (is_digit(in)) in->p++;
    }
    if (in->p < in->end && (*in->p == 'e' || *in->p == 'E')) {
        in->p++;
        if (in->p < in->end && (*in->p == '+' || *in->p == '-')) in->p++;
        if (!is_digit(in)) return "invalid number";
        while (is_digit(in)) in->p++;
    }
    return NULL;
}

static const char *parse_literal(json_in *in)
{
    static const char *const words[] = {"true", "false", "null"};
    for (int i = 0; i < 3; i++) {
        size_t m = strlen(words[i]);
        if ((size_t)(in->end - in->p) >= m && memcmp(in->p, words[i], m) == 0) {
            in->p += m;
            return NULL;
        }
    }
    return "unexpected character";
}

static const char *skip_value(json_in *in, int depth);

/* The members of an object or elements of an array, after its '{' or '['. */
static const char *skip_container(json_in *in, char close, int depth)
{
    in->p++;
    skip_ws(in);
    if (in->p < in->end && *in->p == close) {
        in->p++;
        return NULL;
    }
    for (;;) {
        const char *why;
        skip_ws(in);
        if (close == '}') {
            if (in->p >= in->end || *in->p != '"') return "expected a key";
            if ((why = parse_string(in, NULL))) return why;
            skip_ws(in);
            if (in->p >= in->end || *in->p != ':') return "expected ':'";
            in->p++;
        }
        if ((why = skip_value(in, depth + 1))) return why;
        skip_ws(in);
        if (in->p < in->end && *in->p == ',') {
            in->p++;
            continue;
        }
        if (in->p < in->end && *in->p == close) {
            in->p++;
            return NULL;
        }
        return close == '}' ? "expected ',' or '}'" : "expected ',' or ']'";
    }
}

static const char *skip_value(json_in *in, int depth)
{
    if (depth > JSON_DEPTH_MAX) return "nested too deeply";
    skip_ws(in);
    if (in->p >= in->end) return "unexpected end of line";
    switch (*in->p) {
    case '"': return parse_string(in, NULL);
    case '{': return skip_container(in, '}', depth);
    case '[': return skip_container(in, ']', depth);
    case 't': case 'f': case 'n': return parse_literal(in);
    default: return parse_number(in);
    }
}

static bool key_is(const zhs_buf *key, const char *name)
{
    size_t m = strlen(name);
    return key->len == m && memcmp(key->data, name, m) == 0;
}

/* One member's value, stored when the key is one of ours. */
static const char *member_value(zhs_corpus *c, json_in *in, json_record *r)
{
    const zhs_buf *key = &c->rec_key;
    char first = *in->p;
    if (key_is(key, "id")) {
        zhs_buf_reset(&c->rec_id);
        r->has_id = false;
        if (first == '"') {
            r->has_id = true;
            return parse_string(in, &c->rec_id);
        }
        if (first == '-' || (first >= '0' && first <= '9')) {
            const char *start = in->p, *why = parse_number(in);
            if (!why) {
                zhs_buf_append(&c->rec_id, start, (size_t)(in->p - start));
                r->has_id = true;
            }
            return why;
        }
        if (first == 'n') return parse_literal(in);
        return "\"id\" is neither a string nor a number";
    }
    if (key_is(key, "title") && first == '"') {
        zhs_buf_reset(&c->rec_title);
        r->has_title = true;
        return parse_string(in, &c->rec_title);
    }
    if (key_is(key, "text")) {
        if (first != '"') return "\"text\" is not a string";
        zhs_buf_reset(&c->rec_text);
        r->has_text = true;
        return parse_string(in, &c->rec_text);
    }
    return skip_value(in, 1);
}

/* parse_record's answer when a buffer could not grow: not the record's
** fault, and the caller stops the run with ZHS_ENOMEM instead of skipping
** the record (which would lose it, or read its id as missing). */
static const char json_oom[] = "out of memory";

static const char *parse_record(zhs_corpus *c, json_in *in, json_record *r)
{
    memset(r, 0, sizeof *r);
    skip_ws(in);
    if (in->p >= in->end || *in->p != '{') return "not a JSON object";
    in->p++;
    skip_ws(in);
    if (in->p < in->end && *in->p == '}') {
        in->p++;
    } else {
        for (;;) {
            const char *why;
            skip_ws(in);
            if (in->p >= in->end || *in->p != '"') return "expected a key";
            zhs_buf_reset(&c->rec_key);
            if ((why = parse_string(in, &c->rec_key))) return why;
            if (c->rec_key.oom) return json_oom;
            skip_ws(in);
            if (in->p >= in->end || *in->p != ':') return "expected ':'";
            in->p++;
            skip_ws(in);
            if (in->p >= in->end) return "unexpected end of line";
            if ((why = member_value(c, in, r))) return why;
            if (c->rec_id.oom || c->rec_title.oom || c->rec_text.oom) return json_oom;
            skip_ws(in);
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
    skip_ws(in);
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
}

static int record_passage(zhs_corpus *c, const json_record *r, uint32_t line, bool *made,
                          zhs_error *err)
{
    corpus_builder *b = &c->builder;
    char *id;
    if (r->has_id && c->rec_id.len) {
        id = zhs_arena_strndup(&c->arena, c->rec_id.data, c->rec_id.len);
    } else {
        size_t len = strlen(c->jsonl->rel) + 16;
        id = zhs_arena_alloc(&c->arena, len);
        if (id) snprintf(id, len, "%s#%u", c->jsonl->rel, (unsigned)line);
    }
    const char *title = r->has_title
        ? zhs_arena_strndup(&c->arena, zhs_buf_cstr(&c->rec_title), c->rec_title.len) : NULL;
    if (!id || (r->has_title && !title) || c->rec_id.oom || c->rec_title.oom || c->rec_text.oom)
        return zhs_fail(err, ZHS_ENOMEM, "out of memory reading %s", c->jsonl->path);
    corpus_builder_begin_record(b, id, title, line);
    corpus_doc_begin(&c->parser, false);
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
    if (c->jsonl_first)
        corpus_skip(c, &c->stats.skipped_empty, c->jsonl->path, "no records: file skipped");
    c->jsonl = NULL;
}

int corpus_jsonl_next(zhs_corpus *c, bool *made, zhs_error *err)
{
    const corpus_file *f = c->jsonl;
    const char *name = corpus_basename(f->path);
    char *title = zhs_arena_strndup(&c->arena, name, corpus_stem_len(name));
    if (!title) return zhs_fail(err, ZHS_ENOMEM, "out of memory reading %s", f->path);
    corpus_builder_start(&c->builder, f->path, f->rel);
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
        json_in in = {s, s + n, 0};
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
