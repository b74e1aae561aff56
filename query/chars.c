/*
** chars.c — character terms ("U" + one Han character) of a segment
** indexed without them, made at query time from the terms that hold the
** character (docs/QUERY.md, "One-character parts").
**
** Every Han character of a run of two or more stands in a bigram (the one
** it starts, or at a run's end the one it ends), and a run of one
** character is a word; so the passages whose text holds c are those of
** the bigrams "Bcx" and "Bxc" and of the word "c", and those whose title
** holds it are those of the title-field forms "TBcx", "TBxc", "Tc".  All
** of them keep positions, so the character's occurrences are counted
** exactly: a bigram at p puts c at p (Bcx) or p + 1 (Bxc), a word at p
** puts it at p, and the set of those positions has one entry per
** occurrence.  The body form's tf is the text's count plus title_weight
** times the title's (terms.h: the title's tokens are copied into the
** body, at position 0, title_weight times); its df is exact.  Copies at
** position 0 are the title's and the heading's (whose characters the
** index never gave character terms): they are left out, the title counted
** from its own field.  The text never starts at 0 in an index built
** without every character term (analysis/terms.h, text_start), even in
** a passage with no title or heading tokens, so no occurrence is lost;
** in an index built before that with --no-chars a passage with neither,
** whose text starts at 0, loses its first character when it occurs
** nowhere else there (docs/ANALYZER.md, one-character queries).
**
** The list is encoded as the segment's own lists are (zhs_block_encode,
** skip entries with the index's BM25 bounds) into the query's arena, and
** read through a copy of the segment whose postings are that buffer: the
** evaluators see a stored term.
*/
#include "query_int.h"

#include <stdlib.h>

#define CP_BITS 21
#define CP_MASK ((1ull << CP_BITS) - 1)

/* The bigram terms of a segment by character: first[] holds (field << 42
** | a << 21 | b) for each bigram "ab" (field 1: the title's "TB"), sorted;
** second[] the same with a and b swapped.  Built once per open segment, on
** its first one-character query. */
struct zhs_char_table {
    uint64_t *first, *second;
    size_t n;
    uint32_t *lens;             /* the passages' lengths, host order */
};

static void table_free(zhs_char_table *t)
{
    if (!t) return;
    free(t->first);
    free(t->second);
    free(t->lens);
    free(t);
}

void zhs_char_slot_free(zhs_char_slot *s)
{
    if (!s) return;
    table_free(atomic_load(&s->table));
    free(s);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* The two code points of a bigram key's text k[0..n), false when it is
** not exactly two. */
static bool two_chars(const char *k, size_t n, uint32_t *a, uint32_t *b)
{
    size_t l1 = zhs_utf8_decode(k, n, a);
    if (!l1 || l1 >= n) return false;
    size_t l2 = zhs_utf8_decode(k + l1, n - l1, b);
    return l2 && l1 + l2 == n;
}

static int build_table(zhs_char_table **out, const zhs_segment *seg, zhs_error *err)
{
    *out = NULL;
    zhs_char_table *t = calloc(1, sizeof *t);
    size_t cap = 0;
    if (!t) goto oom;
    t->lens = malloc(((size_t)seg->ndocs + 1) * sizeof *t->lens);
    if (!t->lens) goto oom;
    for (uint32_t d = 0; d < seg->ndocs; d++) t->lens[d] = zhs_get_u32(seg->len.body + (size_t)d * 4);
    zhs_dict_iter it;
    zhs_dict_iter_init(&it, seg);
    int rc;
    while ((rc = zhs_dict_iter_next(&it, err)) == ZHS_OK) {
        uint64_t field = it.keylen > 2 && it.key[0] == 'T' && it.key[1] == 'B';
        if (!field && !(it.keylen > 1 && it.key[0] == 'B')) continue;
        uint32_t a, b;
        if (!two_chars(it.key + 1 + field, it.keylen - 1 - field, &a, &b)) continue;
        if (!zhs_grow(&t->first, &cap, t->n + 1, sizeof *t->first, 4096)) goto oom;
        t->first[t->n++] = field << (2 * CP_BITS) | (uint64_t)a << CP_BITS | b;
    }
    if (rc != ZHS_DONE) {
        table_free(t);
        return rc;
    }
    t->second = malloc((t->n + 1) * sizeof *t->second);
    if (!t->second) goto oom;
    for (size_t i = 0; i < t->n; i++) {
        uint64_t v = t->first[i];
        t->second[i] = (v >> (2 * CP_BITS)) << (2 * CP_BITS) | (v & CP_MASK) << CP_BITS | (v >> CP_BITS & CP_MASK);
    }
    /* the dictionary's order is the keys' bytes, not the code points' */
    qsort(t->first, t->n, sizeof *t->first, cmp_u64);
    qsort(t->second, t->n, sizeof *t->second, cmp_u64);
    *out = t;
    return ZHS_OK;
oom:
    table_free(t);
    return zhs_fail(err, ZHS_ENOMEM, "out of memory listing a segment's bigrams");
}

/* The slot's table, built by the first reader that needs it; readers
** racing to build it keep the first one stored. */
static int get_table(const zhs_native_seg *ns, const zhs_char_table **out, zhs_error *err)
{
    zhs_char_table *t = atomic_load_explicit(&ns->chars->table, memory_order_acquire);
    if (!t) {
        zhs_char_table *mine = NULL;
        if (build_table(&mine, &ns->seg, err)) return err->code;
        zhs_char_table *expect = NULL;
        if (atomic_compare_exchange_strong_explicit(&ns->chars->table, &expect, mine, memory_order_acq_rel,
                                                    memory_order_acquire)) {
            t = mine;
        } else {
            table_free(mine);
            t = expect;
        }
    }
    *out = t;
    return ZHS_OK;
}

/* First index of v[0..n) >= x. */
static size_t lower(const uint64_t *v, size_t n, uint64_t x)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v[mid] < x) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

/* Occurrences collected from the lists: (doc << 32 | position of c). */
typedef struct occ {
    uint64_t *v;
    size_t n, cap;
    uint32_t *pos;              /* one passage's positions */
    size_t pcap;
} occ;

/* Adds the occurrences of c that list key[0..len) shows: its positions
** plus shift, those at position 0 left out when skip0 (copies). */
static int add_list(occ *o, const zhs_segment *seg, const char *key, size_t len, uint32_t shift, bool skip0,
                    zhs_error *err)
{
    zhs_term_info ti;
    int rc = zhs_segment_lookup(seg, &ti, key, len, err);
    if (rc <= 0) return rc;
    if (ti.pos_len == 0) return ZHS_OK;         /* no positions: nothing to count (not in a sound index) */
    zhs_cursor *c = malloc(sizeof *c);
    if (!c) return zhs_fail(err, ZHS_ENOMEM, "out of memory making a character's list");
    zhs_cursor_init(c, seg, &ti);
    rc = ZHS_OK;
    for (uint32_t d = c->doc; d != ZHS_NO_DOC; d = zhs_cursor_next(c)) {
        uint32_t tf = zhs_cursor_tf(c);
        if (tf > o->pcap && !zhs_grow(&o->pos, &o->pcap, tf, sizeof *o->pos, 64)) {
            rc = zhs_fail(err, ZHS_ENOMEM, "out of memory making a character's list");
            break;
        }
        int np = zhs_cursor_positions(c, o->pos, (uint32_t)o->pcap);
        if (np < 0) {
            c->corrupt = true;
            break;
        }
        if (!zhs_grow(&o->v, &o->cap, o->n + (size_t)np, sizeof *o->v, 4096)) {
            rc = zhs_fail(err, ZHS_ENOMEM, "out of memory making a character's list");
            break;
        }
        for (int i = 0; i < np; i++)
            if (!(skip0 && o->pos[i] == 0)) o->v[o->n++] = (uint64_t)d << 32 | (uint32_t)(o->pos[i] + shift);
    }
    if (!rc && c->corrupt)
        rc = zhs_fail(err, ZHS_ECORRUPT, "%s: a posting block is damaged: check the index and rebuild it",
                      seg->post.path);
    free(c);
    return rc;
}

/* The key prefix ("B", "TB", "", "T") and character into out. */
static size_t make_key(char *out, const char *prefix, uint32_t a, uint32_t b, bool two)
{
    size_t n = strlen(prefix);
    memcpy(out, prefix, n);
    n += zhs_utf8_encode(a, out + n);
    if (two) n += zhs_utf8_encode(b, out + n);
    return n;
}

/* The occurrences of c in one field (title: the title-field forms, at
** their title positions; else the text's, copies at 0 left out). */
static int collect(occ *o, const zhs_segment *seg, const zhs_char_table *t, uint32_t c, bool title, zhs_error *err)
{
    char key[16];
    uint64_t field = title;
    const char *bp = title ? "TB" : "B";
    int rc;
    for (int side = 0; side < 2; side++) {
        const uint64_t *v = side ? t->second : t->first;
        uint64_t lo = field << (2 * CP_BITS) | (uint64_t)c << CP_BITS;
        for (size_t i = lower(v, t->n, lo); i < t->n && v[i] >> CP_BITS == lo >> CP_BITS; i++) {
            uint32_t x = (uint32_t)(v[i] & CP_MASK);
            /* side 0: "cx", c at the bigram's position; side 1: "xc", one after */
            size_t kl = side ? make_key(key, bp, x, c, true) : make_key(key, bp, c, x, true);
            if ((rc = add_list(o, seg, key, kl, (uint32_t)side, !title, err)) < 0) return rc;
        }
    }
    size_t kl = make_key(key, title ? "T" : "", c, 0, false);
    rc = add_list(o, seg, key, kl, 0, !title, err);
    return rc < 0 ? rc : ZHS_OK;
}

/* Sorts v[0..n) by bytes, least significant first, skipping bytes no key
** sets: a common character has a million occurrences (法 in the laws),
** where qsort's comparisons were half of the query's time. */
static bool radix_sort(uint64_t *v, size_t n)
{
    uint64_t any = 0;
    for (size_t i = 0; i < n; i++) any |= v[i];
    uint64_t *tmp = malloc(n * sizeof *tmp);
    if (!tmp) return false;
    uint64_t *from = v, *to = tmp;
    for (unsigned shift = 0; shift < 64; shift += 8) {
        if (!(any >> shift & 0xFF)) continue;
        size_t count[257] = {0};
        for (size_t i = 0; i < n; i++) count[(from[i] >> shift & 0xFF) + 1]++;
        for (unsigned b = 0; b < 256; b++) count[b + 1] += count[b];
        for (size_t i = 0; i < n; i++) to[count[from[i] >> shift & 0xFF]++] = from[i];
        uint64_t *t = from;
        from = to;
        to = t;
    }
    if (from != v) memcpy(v, from, n * sizeof *v);
    free(tmp);
    return true;
}

/* Sorts the occurrences and removes duplicates (a character inside a run
** is in two bigrams, and may be a word as well). */
static void settle(occ *o)
{
    if (o->n == 0) return;
    if (!radix_sort(o->v, o->n)) qsort(o->v, o->n, sizeof *o->v, cmp_u64);
    size_t m = 1;
    for (size_t i = 1; i < o->n; i++)
        if (o->v[i] != o->v[m - 1]) o->v[m++] = o->v[i];
    o->n = m;
}

/* Encodes the postings (docs, tfs) as the segment writer does for a term
** without positions: skip table when more than one block, then the
** blocks (zhs_block_encode), with the BM25 bounds at the segment's k1, b
** and average length.  Fills ti (post_off 0, into the returned buffer).
** ZHS_OK, ZHS_ENOMEM, or ZHS_EINVAL when the skip table's layout cannot
** hold the list. */
static int encode(zhs_buf *out, zhs_term_info *ti, const uint32_t *docs, const uint32_t *tfs, uint32_t df,
                  const uint32_t *lens, const zhs_char_slot *cs)
{
    zhs_buf entries, blocks;
    zhs_buf_init(&entries);
    zhs_buf_init(&blocks);
    memset(ti, 0, sizeof *ti);
    ti->min_len = UINT32_MAX;
    ti->df = df;
    int64_t prev = -1;
    double avg = cs->avglen > 0 ? cs->avglen : 1.0;
    for (uint32_t at = 0; at < df; at += ZHS_BLOCK) {
        uint32_t n = df - at < ZHS_BLOCK ? df - at : ZHS_BLOCK;
        uint32_t gaps[ZHS_BLOCK], tfm1[ZHS_BLOCK], max_tf = 0, min_len = UINT32_MAX;
        float ub = 0;
        for (uint32_t i = 0; i < n; i++) {
            uint32_t d = docs[at + i], tf = tfs[at + i];
            gaps[i] = (uint32_t)((int64_t)d - prev - 1);
            prev = d;
            tfm1[i] = tf - 1;
            ti->cf += tf;
            float sc = zhs_bm25_stored_part(cs->k1, tf, zhs_bm25_stored_kfac(cs->k1, cs->b, avg, lens[d]));
            if (sc > ub) ub = sc;
            if (tf > max_tf) max_tf = tf;
            if (lens[d] < min_len) min_len = lens[d];
        }
        zhs_skip sk = {.last_doc = docs[at + n - 1], .post_off = (uint32_t)blocks.len, .pos_off = 0, .ub = ub,
                       .max_tf = (uint16_t)(max_tf > 0xFFFF ? 0xFFFF : max_tf), .min_len_q = zhs_len_q(min_len)};
        zhs_buf_append(&entries, &sk, sizeof sk);
        if (zhs_buf_reserve(&blocks, zhs_pfor_bound(n, n)))
            blocks.len += zhs_block_encode((uint8_t *)blocks.data + blocks.len, gaps, tfm1, n);
        if (ub > ti->ub) ti->ub = ub;
        if (max_tf > ti->max_tf) ti->max_tf = max_tf;
        if (min_len < ti->min_len) ti->min_len = min_len;
    }
    /* the segment writer's packed skip table (format 8) */
    bool fits = entries.oom || blocks.oom || df <= ZHS_BLOCK ||
                zhs_skip_table_encode(out, (const zhs_skip *)entries.data, (uint32_t)(entries.len / sizeof(zhs_skip)),
                                      false, blocks.len, 0);
    zhs_buf_append(out, blocks.data, blocks.len);
    bool oom = entries.oom || blocks.oom || out->oom;
    zhs_buf_free(&entries);
    zhs_buf_free(&blocks);
    ti->post_len = out->len;
    return oom ? ZHS_ENOMEM : fits ? ZHS_OK : ZHS_EINVAL;
}

/* The segment's own list of the key, (doc << 32 | tf), when it has one:
** the characters as written that OpenCC's phrases folded into others
** (ZHS_CHARS_WRITTEN), which no bigram holds. */
static int stored_list(occ *o, const zhs_segment *seg, const char *key, size_t len, zhs_error *err)
{
    zhs_term_info ti;
    int rc = zhs_segment_lookup(seg, &ti, key, len, err);
    if (rc <= 0) return rc;
    zhs_cursor *c = malloc(sizeof *c);
    if (!c || !zhs_grow(&o->v, &o->cap, ti.df, sizeof *o->v, 16)) {
        free(c);
        return zhs_fail(err, ZHS_ENOMEM, "out of memory making a character's list");
    }
    zhs_cursor_init(c, seg, &ti);
    for (uint32_t d = c->doc; d != ZHS_NO_DOC && o->n < ti.df; d = zhs_cursor_next(c))
        o->v[o->n++] = (uint64_t)d << 32 | zhs_cursor_tf(c);
    rc = c->corrupt || o->n != ti.df
             ? zhs_fail(err, ZHS_ECORRUPT, "%s: a posting block is damaged: check the index and rebuild it",
                        seg->post.path)
             : ZHS_OK;
    free(c);
    return rc;
}

/* The passages and tfs from the occurrences, text (copies left out) and
** title, and the stored list's tfs, in doc order, into docs/tfs. */
static int count_docs(const occ *text, const occ *title, const occ *stored, unsigned tw, uint32_t **docs,
                      uint32_t **tfs, uint32_t *df)
{
    size_t cap = text->n + title->n + stored->n + 1;
    *docs = malloc(cap * sizeof **docs);
    *tfs = malloc(cap * sizeof **tfs);
    if (!*docs || !*tfs) return ZHS_ENOMEM;
    size_t i = 0, j = 0, k = 0;
    uint32_t n = 0;
    while (i < text->n || j < title->n || k < stored->n) {
        uint32_t d = i < text->n ? (uint32_t)(text->v[i] >> 32) : UINT32_MAX;
        uint32_t dt = j < title->n ? (uint32_t)(title->v[j] >> 32) : UINT32_MAX;
        uint32_t ds = k < stored->n ? (uint32_t)(stored->v[k] >> 32) : UINT32_MAX;
        if (dt < d) d = dt;
        if (ds < d) d = ds;
        uint64_t tf = 0;
        for (; i < text->n && text->v[i] >> 32 == d; i++) tf++;
        for (; j < title->n && title->v[j] >> 32 == d; j++) tf += tw;
        for (; k < stored->n && stored->v[k] >> 32 == d; k++) tf += (uint32_t)stored->v[k];
        if (tf == 0) continue;          /* title_weight 0: the body has no title copies */
        (*docs)[n] = d;
        (*tfs)[n] = tf > UINT32_MAX ? UINT32_MAX : (uint32_t)tf;
        n++;
    }
    *df = n;
    return ZHS_OK;
}

int zhs_native_term(const zhs_native_seg *ns, zhs_arena *arena, const char *key, size_t len, zhs_term_info *ti,
                    const zhs_segment **from, int64_t *live, zhs_error *err)
{
    *from = &ns->seg;
    bool title = len > 1 && key[0] == 'T';
    size_t pre = title ? 2 : 1;
    uint32_t c;
    if (!ns->chars || !zhs_term_is_char(key, len) || len <= pre || zhs_utf8_decode(key + pre, len - pre, &c) != len - pre) {
        int rc = zhs_segment_lookup(&ns->seg, ti, key, len, err);
        if (rc == 1 && live) {
            *live = zhs_native_live_df(ns, ti);
            if (*live < 0)
                return zhs_fail(err, ZHS_ECORRUPT, "%s: a posting block is damaged: check the index and rebuild it",
                                ns->seg.post.path);
        }
        return rc;
    }
    const zhs_char_table *t = NULL;
    if (get_table(ns, &t, err)) return err->code;
    occ text = {0}, tit = {0}, st = {0};
    uint32_t *docs = NULL, *tfs = NULL, df = 0;
    zhs_buf buf;
    zhs_buf_init(&buf);
    int rc = collect(&tit, &ns->seg, t, c, true, err);
    if (!rc && !title) rc = collect(&text, &ns->seg, t, c, false, err);
    if (!rc) rc = stored_list(&st, &ns->seg, key, len, err);
    if (!rc) {
        settle(&text);
        settle(&tit);
        rc = count_docs(&text, &tit, &st, title ? 1 : ns->chars->title_weight, &docs, &tfs, &df);
        if (rc) rc = zhs_fail(err, ZHS_ENOMEM, "out of memory making a character's list");
    }
    free(text.v);
    free(text.pos);
    free(tit.v);
    free(tit.pos);
    free(st.v);
    /* encode says which failed: memory, or a list the skip table's layout
    ** cannot hold (blocks past 4 GiB: not from a segment that opened) */
    int erc = !rc && df > 0 ? encode(&buf, ti, docs, tfs, df, t->lens, ns->chars) : ZHS_OK;
    if (erc == ZHS_ENOMEM) rc = zhs_fail(err, ZHS_ENOMEM, "out of memory making a character's list");
    else if (erc) rc = zhs_fail(err, erc, "a character's list does not fit the skip table's layout");
    int64_t alive = 0;
    for (uint32_t i = 0; !rc && i < df; i++) alive += !zhs_segment_deleted(&ns->seg, docs[i]);
    free(docs);
    free(tfs);
    if (rc || df == 0) {
        zhs_buf_free(&buf);
        return rc ? rc : 0;
    }
    /* the list and a copy of the segment reading it, for the query's life;
    ** the block decoders may read 16 bytes past a list (segment.c) */
    zhs_segment *copy = zhs_arena_alloc(arena, sizeof *copy);
    uint8_t *bytes = zhs_arena_alloc(arena, buf.len + 64);
    if (!copy || !bytes) {
        zhs_buf_free(&buf);
        return zhs_fail(err, ZHS_ENOMEM, "out of memory making a character's list");
    }
    memcpy(bytes, buf.data, buf.len);
    memset(bytes + buf.len, 0, 64);
    *copy = ns->seg;
    copy->post.data = bytes;
    copy->post.size = buf.len + 64;
    copy->post.body = bytes;
    copy->post.body_len = buf.len;
    /* encoded as format 8 (zhs_block_encode, packed skip tables)
    ** whatever format the segment's own lists are in */
    copy->post_packed = true;
    copy->skip_packed = true;
    copy->skip_v1 = false;
    zhs_buf_free(&buf);
    *from = copy;
    if (live) *live = alive;
    return 1;
}
