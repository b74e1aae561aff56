/*
** passage.c — paragraphs to passages.
**
** A passage is what a search returns, so it should be a unit a reader can
** take in at a glance and that the text around it does not dilute:
**   - an article (a paragraph opening with "第十条 ") and the paragraphs
**     after it up to the next article or heading, under its label;
**   - elsewhere, consecutive paragraphs grouped to CORPUS_GROUP_MIN..MAX
**     code points, a heading or a hard break ending the group;
**   - a paragraph too long for its passage is split at sentence ends, a
**     sentence that is absurdly long is cut (at a code point boundary).
** Paragraphs are joined with "\n".  A passage is named "rel#n", n counting
** the passages of its document from 1.
*/
#include "corpus_int.h"
#include "meta.h"

#include <stdio.h>
#include <stdlib.h>

void corpus_builder_init(corpus_builder *b, zhs_arena *arena)
{
    memset(b, 0, sizeof *b);
    b->arena = arena;
    b->doc = 1;                 /* a zeroed label entry is never the document's */
    zhs_buf_init(&b->cur);
}

void corpus_builder_free(corpus_builder *b)
{
    free(b->v);
    free(b->labels);
    zhs_buf_free(&b->cur);
    memset(b, 0, sizeof *b);
}

void corpus_builder_start(corpus_builder *b, const char *path, const char *rel)
{
    b->path = path;
    b->rel = rel;
    b->n = 0;
    /* the label counts of the last document go stale, not erased */
    b->doc++;
    b->nlabels = 0;
    if (b->doc == 0) {
        /* the stamp wrapped: the table must be emptied for real */
        if (b->labels) memset(b->labels, 0, sizeof *b->labels << b->labels_bits);
        b->doc = 1;
    }
    zhs_buf_reset(&b->cur);
    b->cur_chars = 0;
    b->label = "";
    b->article = false;
    b->record = false;
    b->heading = "";
    b->date = b->category = b->status = b->issuer = b->extra = "";
}

int corpus_builder_file_meta(corpus_builder *b, zhs_error *err)
{
    const char *name = corpus_basename(b->rel);
    size_t n = corpus_stem_len(name);
    /* 反垄断法(2022-06-24).md: the date in ASCII or full-width brackets. */
    const char *close = NULL;
    if (n && name[n - 1] == ')') close = name + n - 1;
    else if (n >= 3 && memcmp(name + n - 3, "\xEF\xBC\x89", 3) == 0) close = name + n - 3;
    if (close) {
        const char *open = NULL;
        for (const char *s = close; s > name;) {
            s--;
            if (*s == '(') { open = s + 1; break; }
            if (s - name >= 2 && memcmp(s - 2, "\xEF\xBC\x88", 3) == 0) { open = s + 1; break; }
        }
        bool oom = false;
        if (open) corpus_builder_set_meta(b, "date", 4, open, (size_t)(close - open), &oom);
        if (oom) return zhs_fail(err, ZHS_ENOMEM, "out of memory reading %s", b->path);
    }
    /* the first folder under the root; a file given itself has none,
    ** whatever its path ("sub/f.md" names no category) */
    const char *slash = b->root_file ? NULL : strchr(b->rel, '/');
    if (slash) {
        b->category = zhs_arena_strndup(b->arena, b->rel, (size_t)(slash - b->rel));
        if (!b->category) return zhs_fail(err, ZHS_ENOMEM, "out of memory reading %s", b->path);
    }
    return ZHS_OK;
}

bool corpus_builder_info_dates(corpus_builder *b, uint32_t date, uint32_t effective)
{
    char buf[11];
    bool oom = false;
    if (date && !b->date[0]) {
        zhs_date_format(buf, date);
        corpus_builder_set_meta(b, "date", 4, buf, strlen(buf), &oom);
        for (size_t i = 0; i < b->n && !oom; i++) b->v[i].date = b->date;
    }
    if (effective && !b->extra[0] && !oom) {
        zhs_date_format(buf, effective);
        corpus_builder_set_meta(b, "effective", 9, buf, strlen(buf), &oom);
        for (size_t i = 0; i < b->n && !oom; i++) b->v[i].extra = b->extra;
    }
    return !oom;
}

bool corpus_builder_set_meta(corpus_builder *b, const char *key, size_t keylen, const char *v, size_t n,
                             bool *oom)
{
    const char **field = NULL;
    if (keylen == 4 && memcmp(key, "date", 4) == 0) {
        uint32_t d;
        if (!zhs_date_parse(v, n, &d)) return true;     /* a date we cannot read is no date */
        char buf[11];
        zhs_date_format(buf, d);
        const char *s = zhs_arena_strndup(b->arena, buf, strlen(buf));
        if (!s) *oom = true;
        else b->date = s;
        return true;
    }
    if (keylen == 9 && memcmp(key, "effective", 9) == 0) {
        /* the day a front matter says its text is in force from: kept as
        ** the passages' extra, which a JSONL record's "effective" member
        ** is too, where the metadata table reads it (meta.c) */
        uint32_t d;
        if (!zhs_date_parse(v, n, &d)) return true;
        char buf[40];
        snprintf(buf, sizeof buf, "{\"effective\":\"%04u-%02u-%02u\"}", (unsigned)(d / 10000),
                 (unsigned)(d / 100 % 100), (unsigned)(d % 100));
        const char *s = zhs_arena_strndup(b->arena, buf, strlen(buf));
        if (!s) *oom = true;
        else b->extra = s;
        return true;
    }
    if (keylen == 6 && memcmp(key, "status", 6) == 0) field = &b->status;
    else if (keylen == 6 && memcmp(key, "issuer", 6) == 0) field = &b->issuer;
    else if (keylen == 8 && memcmp(key, "category", 8) == 0) field = &b->category;
    else return false;
    corpus_trim(&v, &n);
    /* YAML quotes around a scalar are not part of it. */
    if (n >= 2 && (v[0] == '"' || v[0] == '\'') && v[n - 1] == v[0]) v++, n -= 2;
    const char *s = zhs_arena_strndup(b->arena, v, n);
    if (!s) *oom = true;
    else *field = s;
    return true;
}

void corpus_builder_set_heading(corpus_builder *b, const char *heading)
{
    b->heading = heading;
}

static int oom(zhs_error *err, const corpus_builder *b)
{
    return zhs_fail(err, ZHS_ENOMEM, "out of memory splitting %s into passages", b->path);
}

/* Passage ids that survive edits of other parts of the file
** (docs/CORPUS.md): an article's passage is "rel#第二十条", and the k-th
** passage with the same label in the file (the rest of a long article, or
** a second article so numbered, as in an annex) "rel#第二十条-k"; any
** other passage is "rel#n", n counting only the passages outside articles,
** so that a file without articles keeps the ids of its ordinal scheme. */
static uint64_t label_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) h = (h ^ (uint8_t)*s) * 1099511628211ull;
    return h ^ h >> 29;
}

/* label's entry in the document's counts: its own, or the empty one where
** it would go. */
static corpus_label_count *label_entry(const corpus_builder *b, const char *label, uint64_t h)
{
    uint32_t mask = (1u << b->labels_bits) - 1;
    for (uint32_t i = (uint32_t)h & mask;; i = (i + 1) & mask) {
        corpus_label_count *e = &b->labels[i];
        if (e->doc != b->doc || (e->hash == h && strcmp(e->label, label) == 0)) return e;
    }
}

/* The passages of the document so far with this label. */
static uint32_t label_seen(const corpus_builder *b, const char *label)
{
    if (!b->labels) return 0;
    const corpus_label_count *e = label_entry(b, label, label_hash(label));
    return e->doc == b->doc ? e->count : 0;
}

/* Counts a passage with this label; false when out of memory. */
static bool label_add(corpus_builder *b, const char *label)
{
    if (!b->labels || (b->nlabels + 1) * 2 > 1u << b->labels_bits) {
        uint32_t bits = b->labels ? b->labels_bits + 1 : 6;
        corpus_label_count *old = b->labels, *t = bits <= 30 ? calloc((size_t)1 << bits, sizeof *t) : NULL;
        if (!t) return false;
        uint32_t old_bits = b->labels_bits;
        b->labels = t;
        b->labels_bits = bits;
        for (size_t i = 0; old && i < (size_t)1 << old_bits; i++)
            if (old[i].doc == b->doc) *label_entry(b, old[i].label, old[i].hash) = old[i];
        free(old);
    }
    uint64_t h = label_hash(label);
    corpus_label_count *e = label_entry(b, label, h);
    if (e->doc != b->doc) {
        *e = (corpus_label_count){.label = label, .hash = h, .doc = b->doc, .count = 0};
        b->nlabels++;
    }
    e->count++;
    return true;
}

static char *make_id(corpus_builder *b)
{
    if (b->record && b->rec_id) return (char *)b->rec_id;
    const char *label = b->label && !b->record ? b->label : "";
    size_t same = 1 + (size_t)label_seen(b, label);
    size_t len = strlen(b->rel) + strlen(label) + 24;
    char *id = zhs_arena_alloc(b->arena, len);
    if (!id) return NULL;
    if (!*label) snprintf(id, len, "%s#%zu", b->rel, same);
    else if (same == 1) snprintf(id, len, "%s#%s", b->rel, label);
    else snprintf(id, len, "%s#%s-%zu", b->rel, label, same);
    return id;
}

/* Turns the text gathered so far into a passage. */
static int emit(corpus_builder *b, zhs_error *err)
{
    size_t len = b->cur.len - corpus_space_suffix(b->cur.data ? b->cur.data : "", b->cur.len);
    if (b->cur.oom) return oom(err, b);
    if (len == 0) return ZHS_OK;
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 64;
        zhs_passage *v = realloc(b->v, cap * sizeof *v);
        if (!v) return oom(err, b);
        b->v = v;
        b->cap = cap;
    }
    zhs_passage *p = &b->v[b->n];
    memset(p, 0, sizeof *p);
    p->text = zhs_arena_strndup(b->arena, b->cur.data, len);
    p->text_len = len;
    p->id = make_id(b);
    p->title = b->record ? b->rec_title : NULL;
    p->heading = b->cur_heading ? b->cur_heading : "";
    p->label = b->label;
    p->path = b->path;
    p->line = b->cur_line;
    p->date = b->date;
    p->category = b->category;
    p->status = b->status;
    p->issuer = b->issuer;
    p->extra = b->extra;
    if (!p->text || !p->id || !label_add(b, p->label ? p->label : "")) return oom(err, b);
    b->n++;
    zhs_buf_reset(&b->cur);
    b->cur_chars = 0;
    return ZHS_OK;
}

int corpus_builder_break(corpus_builder *b, zhs_error *err)
{
    int rc = emit(b, err);
    b->article = false;
    b->label = "";
    return rc;
}

/* Adds one piece of text: a whole paragraph (newline) or the next piece of
** a split one.  Ends the passage first when the piece would overfill it. */
static int add_unit(corpus_builder *b, const char *s, size_t n, size_t chars, bool newline,
                    uint32_t line, zhs_error *err)
{
    if (b->cur.len) {
        /* A JSONL record is capped like an article: its pieces all answer
        ** to the record's id. */
        bool full = b->article || b->record ? b->cur_chars + chars > CORPUS_ARTICLE_MAX
                               : b->cur_chars >= CORPUS_GROUP_MIN &&
                                 b->cur_chars + chars > CORPUS_GROUP_MAX;
        if (full) {
            int rc = emit(b, err);
            if (rc) return rc;
        }
    }
    if (!b->cur.len) {
        size_t lead = corpus_space_prefix(s, n);
        chars -= zhs_utf8_count(s, lead);
        s += lead;
        n -= lead;
        if (!n) return ZHS_OK;
        if (!b->record) b->cur_line = line;
        b->cur_heading = b->heading;
    } else if (newline) {
        zhs_buf_putc(&b->cur, '\n');
        b->cur_chars++;
    }
    zhs_buf_append(&b->cur, s, n);
    b->cur_chars += chars;
    return b->cur.oom ? oom(err, b) : ZHS_OK;
}

static bool at(const char *s, size_t n, size_t i, const char *lit, size_t m)
{
    return i + m <= n && memcmp(s + i, lit, m) == 0;
}

/* Bytes of a sentence-final mark at i: 。！？； or ASCII ! ? ; . before a
** space or the end. */
static size_t sentence_mark(const char *s, size_t n, size_t i)
{
    switch ((unsigned char)s[i]) {
    case 0xE3:
        return at(s, n, i, "\xE3\x80\x82", 3) ? 3 : 0;
    case 0xEF:
        return at(s, n, i, "\xEF\xBC\x81", 3) || at(s, n, i, "\xEF\xBC\x9F", 3) ||
               at(s, n, i, "\xEF\xBC\x9B", 3) ? 3 : 0;
    case '!': case '?': case ';': case '.':
        return i + 1 == n || s[i + 1] == ' ' ? 1 : 0;
    default:
        return 0;
    }
}

/* Bytes of a mark that stays with the sentence before it: closing quotes
** and brackets, and repeated final marks ("？！"). */
static size_t closer(const char *s, size_t n, size_t i)
{
    static const char *const closers[] = {
        "\xE2\x80\x9D", "\xE2\x80\x99", "\xE3\x80\x8D", "\xE3\x80\x8F", "\xEF\xBC\x89",
        "\xE3\x80\x91", "\xE3\x80\x8B", "\xE3\x80\x82", "\xEF\xBC\x81", "\xEF\xBC\x9F",
    };
    for (size_t k = 0; k < sizeof closers / sizeof *closers; k++)
        if (at(s, n, i, closers[k], 3)) return 3;
    char c = s[i];
    return c == ')' || c == '"' || c == '\'' || c == ']' ? 1 : 0;
}

/* Where the sentence starting at pos ends (after its closing marks and
** spaces); n when it runs to the end. */
static size_t sentence_end(const char *s, size_t n, size_t pos)
{
    for (size_t i = pos; i < n; i++) {
        size_t k = sentence_mark(s, n, i);
        if (!k) continue;
        i += k;
        while (i < n && (k = closer(s, n, i)) != 0) i += k;
        while (i < n && s[i] == ' ') i++;
        return i;
    }
    return n;
}

/* Cuts an overlong sentence into pieces of CORPUS_CUT code points.  The
** first piece tops up a group still under CORPUS_GROUP_MIN to exactly
** CORPUS_GROUP_MAX, since a cut can fall anywhere. */
static int cut_sentence(corpus_builder *b, const corpus_para *p, size_t pos, size_t end,
                        size_t *cursor, zhs_error *err)
{
    const char *s = p->text.data;
    while (pos < end) {
        size_t q = pos, k = 0, want = CORPUS_CUT;
        if (!b->article && !b->record && b->cur.len && b->cur_chars < CORPUS_GROUP_MIN)
            want = CORPUS_GROUP_MAX - b->cur_chars - (pos == 0);
        while (q < end && k < want) {
            q++;
            while (q < end && ((unsigned char)s[q] & 0xC0) == 0x80) q++;
            k++;
        }
        int rc = add_unit(b, s + pos, q - pos, k, pos == 0, corpus_para_line_at(p, pos, cursor), err);
        if (rc) return rc;
        pos = q;
    }
    return ZHS_OK;
}

static int split_paragraph(corpus_builder *b, const corpus_para *p, zhs_error *err)
{
    const char *s = p->text.data;
    size_t n = p->text.len, pos = 0, cursor = 0;
    while (pos < n) {
        size_t end = sentence_end(s, n, pos), chars = zhs_utf8_count(s + pos, end - pos);
        int rc = chars > CORPUS_SENTENCE_MAX
                     ? cut_sentence(b, p, pos, end, &cursor, err)
                     : add_unit(b, s + pos, end - pos, chars, pos == 0,
                                corpus_para_line_at(p, pos, &cursor), err);
        if (rc) return rc;
        pos = end;
    }
    return ZHS_OK;
}

int corpus_builder_paragraph(corpus_builder *b, const corpus_para *p, zhs_error *err)
{
    if (p->oom) return oom(err, b);
    if (!p->text.len) return ZHS_OK;
    if (p->label_len && !b->record) {
        int rc = corpus_builder_break(b, err);
        if (rc) return rc;
        b->label = zhs_arena_strndup(b->arena, p->text.data, p->label_len);
        if (!b->label) return oom(err, b);
        b->article = true;
    }
    size_t chars = zhs_utf8_count(p->text.data, p->text.len);
    size_t limit = b->article || b->record ? CORPUS_ARTICLE_MAX : CORPUS_GROUP_MAX;
    if (chars <= limit)
        return add_unit(b, p->text.data, p->text.len, chars, true,
                        p->nmarks ? p->marks[0].line : 0, err);
    return split_paragraph(b, p, err);
}

void corpus_builder_begin_record(corpus_builder *b, const char *id, const char *title,
                                 uint32_t line)
{
    zhs_buf_reset(&b->cur);
    b->cur_chars = 0;
    b->record = true;
    b->rec_id = id;
    b->rec_title = title;
    b->cur_line = line;
    b->label = "";
    b->article = false;
}

int corpus_builder_end_record(corpus_builder *b, bool *made, zhs_error *err)
{
    size_t before = b->n;
    int rc = emit(b, err);
    b->record = false;
    *made = b->n > before;
    return rc;
}

void corpus_builder_finish(corpus_builder *b, const char *title)
{
    for (size_t i = 0; i < b->n; i++)
        if (!b->v[i].title) b->v[i].title = title;
}
