/*
** seg_writer.c — writes one segment's dictionary, postings and positions
** from terms that arrive in sorted order (see format.h for the layout).
**
** Two steps per term: an encoder (zhs_term_enc) cuts its posting stream
** into blocks, skips and positions, each term on its own (every offset it
** writes is from the term's start); the writer appends those bytes and the
** dictionary entry, where the absolute offsets are.  So the inverter's
** shards encode their terms in their threads and the writer only
** concatenates (invert.c); zhs_seg_writer_add does both steps here.
*/
#include "indexer_int.h"
#include "bm25.h"
#include "segment.h"
#include "terms.h"
#include "ztable.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* Cuts one term's posting stream into blocks: its postings (skip table,
** then blocks) and positions in buffers of its own, so that encoders in
** several threads can share one writer's passage lengths (read only). */
struct zhs_term_enc {
    const zhs_seg_writer *w;
    zhs_buf blocks;                 /* one term's blocks */
    zhs_buf entries;                /* its skip entries (zhs_skip), one a block */
    zhs_buf skips;                  /* its skip table, packed from them */
    zhs_buf posout;                 /* its positions */
    uint32_t docs[ZHS_BLOCK], tfs[ZHS_BLOCK];
    uint32_t pfirst[ZHS_BLOCK];     /* first position of each posting in the block */
    uint32_t *pgaps;                /* the other positions' gaps */
    size_t ngaps, gapcap;
    bool too_long;                  /* a term's blocks or positions reach 4 GiB
                                    ** (2^32 bytes): skip entries hold their
                                    ** offsets and lengths in 32 bits */
};

struct zhs_seg_writer {
    zhs_outfile post, pos;
    char len_path[ZHS_PATH_MAX];
    zhs_buf dict;                   /* dictionary body, kept in memory */
    zhs_buf dict_blocks;            /* u64 offsets of dictionary blocks */
    char dict_path[ZHS_PATH_MAX];
    uint64_t nterms;
    char prev_key[ZHS_TERM_MAX_KEY];
    size_t prev_len;
    const uint32_t *lens;
    uint32_t ndocs;
    float *kfac;                    /* K(len) = k1 * (1 - b + b * len / avglen) */
    double k1, b, avglen;           /* avglen: > 0 (1 for an empty segment) */
    bool word_positions;
    zhs_term_enc enc;               /* the encoder of zhs_seg_writer_add */
    zhs_syncs *syncs;               /* the files' fsyncs go to it; NULL: finish syncs */
    bool finished;
};

/* K(len) as the stored bounds are computed: the postings' scores (kfac)
** and the dictionary's choice to leave a bound out (ub_follows) must use
** the same arithmetic, or a bound could be judged against another. */
static double seg_kfac(const zhs_seg_writer *w, uint32_t len)
{
    return w->k1 * (1.0 - w->b + w->b * (double)len / w->avglen);
}

int zhs_seg_writer_open(zhs_seg_writer **out, const char *dir, const char *stem,
                        const uint32_t *lens, uint32_t ndocs, double avglen,
                        double k1, double b, bool word_positions, zhs_error *err)
{
    *out = NULL;
    if (zhs_err_code(err)) return err->code;
    zhs_seg_writer *w = calloc(1, sizeof *w);
    if (!w) return zhs_fail(err, ZHS_ENOMEM, "out of memory starting a segment");
    w->lens = lens;
    w->ndocs = ndocs;
    w->word_positions = word_positions;
    w->k1 = k1;
    w->b = b;
    w->avglen = avglen > 0 ? avglen : 1.0;
    w->kfac = malloc(((size_t)ndocs + 1) * sizeof *w->kfac);
    if (!w->kfac) {
        free(w);
        return zhs_fail(err, ZHS_ENOMEM, "out of memory starting a segment");
    }
    for (uint32_t d = 0; d < ndocs; d++)
        w->kfac[d] = zhs_bm25_stored_kfac(w->k1, w->b, w->avglen, lens[d]);
    char path[ZHS_PATH_MAX];
    snprintf(path, sizeof path, "%s/%s.post", dir, stem);
    zhs_outfile_open(&w->post, path, ZHS_MAGIC_POST, err);
    snprintf(path, sizeof path, "%s/%s.pos", dir, stem);
    zhs_outfile_open(&w->pos, path, ZHS_MAGIC_POS, err);
    snprintf(w->len_path, sizeof w->len_path, "%s/%s.len", dir, stem);
    snprintf(w->dict_path, sizeof w->dict_path, "%s/%s.dict", dir, stem);
    zhs_buf_append(&w->dict, ZHS_MAGIC_DICT, ZHS_MAGIC_LEN);
    w->enc.w = w;
    if (zhs_err_code(err)) {
        int rc = err->code;
        zhs_seg_writer_close(w);
        return rc;
    }
    *out = w;
    return ZHS_OK;
}

/* Encodes the buffered block (n postings, previous block ending at prev):
** doc gaps minus one, then term frequencies minus one, each a PFOR group
** (format 6: exceptions as index bytes and packed high parts), the tfs
** in unary or left out (all one) where that is smaller (format 9). */
static void put_block(zhs_term_enc *e, size_t n, int64_t prev)
{
    uint32_t deltas[ZHS_BLOCK], tfm1[ZHS_BLOCK];
    for (size_t i = 0; i < n; i++) {
        deltas[i] = (uint32_t)((int64_t)e->docs[i] - prev - 1);
        prev = e->docs[i];
        tfm1[i] = e->tfs[i] - 1;
    }
    if (!zhs_buf_reserve(&e->blocks, zhs_pfor_bound(n, n))) return;
    e->blocks.len += zhs_block_encode_v9((uint8_t *)e->blocks.data + e->blocks.len, deltas, tfm1, n);
}

static int bad_stream(zhs_error *err, const char *key, size_t keylen)
{
    return zhs_fail(err, ZHS_EINTERNAL, "posting stream of term '%.*s' is malformed (a bug: please report it)",
                    (int)keylen, key);
}


/* Positions of a block: the first position of each posting, then the
** gaps between the following ones, each a PFOR group.  With the block's
** term frequencies a reader finds any posting's positions without
** scanning. */
static bool put_positions(zhs_term_enc *e, size_t n)
{
    if (!zhs_buf_reserve(&e->posout, zhs_pfor_bound(n, e->ngaps))) return false;
    e->posout.len += zhs_pfor_encode2((uint8_t *)e->posout.data + e->posout.len, e->pfirst, n, e->pgaps, e->ngaps);
    e->ngaps = 0;
    return true;
}

/* Per-term state while its postings are cut into blocks. */
typedef struct term_state {
    uint64_t block_pos_start;       /* from the term's first position byte */
    int64_t prev_block_last;
    size_t nb;                      /* postings in the current block */
    float block_ub, term_ub;
    uint32_t block_max_tf, block_min_len, max_tf, min_len;
} term_state;

/* Ends the current block: skip entry, packed doc gaps and tfs, positions. */
static bool end_block(zhs_term_enc *e, term_state *t, bool keep_pos)
{
    zhs_skip sk;
    sk.last_doc = e->docs[t->nb - 1];
    sk.post_off = (uint32_t)e->blocks.len;
    sk.pos_off = t->block_pos_start;
    sk.ub = t->block_ub;
    sk.max_tf = (uint16_t)(t->block_max_tf > 0xFFFF ? 0xFFFF : t->block_max_tf);
    sk.min_len_q = zhs_len_q(t->block_min_len);
    /* skip entries hold 32-bit offsets */
    if (sk.pos_off > UINT32_MAX || e->blocks.len > UINT32_MAX) {
        e->too_long = true;
        return false;
    }
    /* packed once the term's last block is known (zhs_skip_table) */
    zhs_buf_append(&e->entries, &sk, sizeof sk);
    put_block(e, t->nb, t->prev_block_last);
    if (keep_pos && !put_positions(e, t->nb)) return false;
    t->prev_block_last = e->docs[t->nb - 1];
    t->block_pos_start = e->posout.len;
    if (t->block_ub > t->term_ub) t->term_ub = t->block_ub;
    if (t->block_max_tf > t->max_tf) t->max_tf = t->block_max_tf;
    if (t->block_min_len < t->min_len) t->min_len = t->block_min_len;
    t->nb = 0;
    t->block_ub = 0;
    t->block_max_tf = 0;
    t->block_min_len = UINT32_MAX;
    return true;
}

static bool push_gap(zhs_term_enc *e, uint32_t g)
{
    if (e->ngaps == e->gapcap && !zhs_grow(&e->pgaps, &e->gapcap, e->ngaps + 1, sizeof *e->pgaps, 1024)) return false;
    e->pgaps[e->ngaps++] = g;
    return true;
}

static int end_block_failed(const zhs_term_enc *e, const char *key, size_t keylen, zhs_error *err)
{
    if (e->too_long)
        return zhs_fail(err, ZHS_EINVAL, "the postings or positions of term '%.*s' reach 4 GiB, more than the index "
                        "format addresses: index the corpus in several indexes", (int)keylen, key);
    return zhs_fail(err, ZHS_ENOMEM, "out of memory writing the postings of '%.*s'", (int)keylen, key);
}

bool zhs_term_keeps_positions(const char *key, size_t keylen, bool word_positions)
{
    return !zhs_term_is_char(key, keylen) && !zhs_term_is_label(key, keylen) &&
           (word_positions || !zhs_term_is_long_han_word(key, keylen));
}

int zhs_term_enc_open(zhs_term_enc **out, const zhs_seg_writer *w, zhs_error *err)
{
    *out = NULL;
    if (zhs_err_code(err)) return err->code;
    zhs_term_enc *e = calloc(1, sizeof *e);
    if (!e) return zhs_fail(err, ZHS_ENOMEM, "out of memory starting to write postings");
    e->w = w;
    *out = e;
    return ZHS_OK;
}

static void enc_free(zhs_term_enc *e)
{
    zhs_buf_free(&e->blocks);
    zhs_buf_free(&e->entries);
    zhs_buf_free(&e->skips);
    zhs_buf_free(&e->posout);
    free(e->pgaps);
}

void zhs_term_enc_close(zhs_term_enc *e)
{
    if (!e) return;
    enc_free(e);
    free(e);
}

/* A term of df 1 (format 10): its list goes into its dictionary entry
** (zhs_seg_writer_put), so out carries it as varints: the passage as
** post[1], the positions (the first, then the gaps) as pos when there
** are at most ZHS_INLINE_POS_MAX, else pos is the .pos block as before. */
static int put_inline(zhs_term_enc *e, term_state *t, bool keep_pos, zhs_term_code *out)
{
    uint32_t tf = e->tfs[0];
    zhs_buf_put_varint(&e->blocks, e->docs[0]);
    if (keep_pos && tf <= ZHS_INLINE_POS_MAX) {
        zhs_buf_put_varint(&e->posout, e->pfirst[0]);
        for (size_t k = 0; k < e->ngaps; k++) zhs_buf_put_varint(&e->posout, e->pgaps[k]);
    } else if (keep_pos && !put_positions(e, 1)) {
        e->posout.oom = true;
    }
    memset(out, 0, sizeof *out);
    out->df = 1;
    out->cf = tf;
    out->post[1] = (zhs_chunk){(const uint8_t *)e->blocks.data, e->blocks.len};
    out->pos = (zhs_chunk){(const uint8_t *)e->posout.data, e->posout.len};
    out->ub = t->block_ub;
    out->max_tf = t->block_max_tf;
    out->min_len = t->block_min_len;
    return e->blocks.oom || e->posout.oom ? ZHS_ENOMEM : ZHS_OK;
}

int zhs_term_enc_run(zhs_term_enc *e, const char *key, size_t keylen, const zhs_chunk *chunks, size_t nchunks,
                     zhs_term_code *out, zhs_error *err)
{
    if (zhs_err_code(err)) return err->code;
    const zhs_seg_writer *w = e->w;
    zhs_buf_reset(&e->blocks);
    zhs_buf_reset(&e->entries);
    zhs_buf_reset(&e->skips);
    zhs_buf_reset(&e->posout);
    e->ngaps = 0;
    bool keep_pos = zhs_term_keeps_positions(key, keylen, w->word_positions);
    term_state t = {0};
    t.prev_block_last = -1;
    t.block_min_len = t.min_len = UINT32_MAX;
    uint32_t df = 0;
    uint64_t cf = 0;

    for (size_t c = 0; c < nchunks; c++) {
        const uint8_t *p = chunks[c].p, *end = p + chunks[c].len;
        int64_t prev = -1;
        while (p < end) {
            uint64_t delta, tf;
            if (!zhs_varint_next(&p, end, &delta) || !zhs_varint_next(&p, end, &tf) || delta == 0 || tf == 0 ||
                tf > UINT32_MAX)
                return bad_stream(err, key, keylen);
            int64_t doc = prev + (int64_t)delta;
            if (doc >= (int64_t)w->ndocs) return bad_stream(err, key, keylen);
            prev = doc;
            for (uint64_t i = 0; keep_pos && i < tf; i++) {
                uint64_t v;
                if (!zhs_varint_next(&p, end, &v) || v > UINT32_MAX) return bad_stream(err, key, keylen);
                if (i == 0) e->pfirst[t.nb] = (uint32_t)v;
                else if (!push_gap(e, (uint32_t)v)) return zhs_fail(err, ZHS_ENOMEM, "out of memory writing positions");
            }
            uint32_t t32 = (uint32_t)tf;
            e->docs[t.nb] = (uint32_t)doc;
            e->tfs[t.nb] = t32;
            t.nb++;
            df++;
            cf += tf;
            uint32_t len = w->lens[doc];
            float sc = zhs_bm25_stored_part(w->k1, t32, w->kfac[doc]);
            if (sc > t.block_ub) t.block_ub = sc;
            if (t32 > t.block_max_tf) t.block_max_tf = t32;
            if (len < t.block_min_len) t.block_min_len = len;
            if (t.nb == ZHS_BLOCK && !end_block(e, &t, keep_pos)) return end_block_failed(e, key, keylen, err);
        }
    }
    if (df == 0) return bad_stream(err, key, keylen);
    if (df == 1 && put_inline(e, &t, keep_pos, out) != ZHS_OK)
        return zhs_fail(err, ZHS_ENOMEM, "out of memory writing the postings of '%.*s'", (int)keylen, key);
    if (df == 1) return ZHS_OK;
    if (t.nb > 0 && !end_block(e, &t, keep_pos)) return end_block_failed(e, key, keylen, err);
    if (e->blocks.oom || e->entries.oom)
        return zhs_fail(err, ZHS_ENOMEM, "out of memory writing the postings of '%.*s'", (int)keylen, key);
    if (df > ZHS_BLOCK) {
        uint32_t nb = (uint32_t)(e->entries.len / sizeof(zhs_skip));
        if (!zhs_skip_table_encode(&e->skips, (const zhs_skip *)e->entries.data, nb, keep_pos, e->blocks.len,
                                   e->posout.len)) {
            if (e->skips.oom)
                return zhs_fail(err, ZHS_ENOMEM, "out of memory writing the postings of '%.*s'", (int)keylen, key);
            e->too_long = true;
            return end_block_failed(e, key, keylen, err);
        }
    }
    memset(out, 0, sizeof *out);
    out->df = df;
    out->cf = cf;
    if (df > ZHS_BLOCK) out->post[0] = (zhs_chunk){(const uint8_t *)e->skips.data, e->skips.len};
    out->post[1] = (zhs_chunk){(const uint8_t *)e->blocks.data, e->blocks.len};
    out->pos = (zhs_chunk){(const uint8_t *)e->posout.data, e->posout.len};
    out->ub = t.term_ub;
    out->max_tf = t.max_tf;
    out->min_len = t.min_len;
    return ZHS_OK;
}

/* Whether a term's bound may be left out of its dictionary entry: the
** bound of its largest tf at its shortest passage (what the reader then
** uses, ub_from_max) is no looser than the 16 bits it would otherwise
** store.  Always so where one posting has both (every term with df 1 or
** all tfs 1: 222,000 of 329,000 on laws). */
static bool ub_follows(const zhs_seg_writer *w, const zhs_term_code *c, uint16_t ub16)
{
    double K = seg_kfac(w, c->min_len);
    double from_max = (double)c->max_tf * (w->k1 + 1.0) / ((double)c->max_tf + K);
    uint32_t bits = (uint32_t)ub16 << 16;
    float stored;
    memcpy(&stored, &bits, 4);
    return from_max <= (double)stored;
}

int zhs_seg_writer_put(zhs_seg_writer *w, const char *key, size_t keylen, const zhs_term_code *c, zhs_error *err)
{
    if (zhs_err_code(err)) return err->code;
    if (keylen >= ZHS_TERM_MAX_KEY)
        return zhs_fail(err, ZHS_EINTERNAL, "term of %zu bytes is too long", keylen);
    if (w->nterms > 0) {
        size_t m = keylen < w->prev_len ? keylen : w->prev_len;
        int cmp = memcmp(w->prev_key, key, m);
        if (cmp > 0 || (cmp == 0 && w->prev_len >= keylen))
            return zhs_fail(err, ZHS_EINTERNAL, "terms out of order at '%.*s' (a bug: please report it)", (int)keylen, key);
    }
    uint64_t post_start = w->post.off, pos_start = w->pos.off;
    /* a df-1 term's list is in its entry (format 10, put_inline): its
    ** passage, and its positions where they are few enough */
    bool inl = c->df == 1, pos_inl = inl && c->pos.len > 0 && c->cf <= ZHS_INLINE_POS_MAX;
    uint64_t doc1 = 0;
    if (inl) {
        const uint8_t *p = c->post[1].p;
        if (c->post[0].len || !zhs_varint_get(&p, p + c->post[1].len, &doc1) || p != c->post[1].p + c->post[1].len ||
            doc1 >= w->ndocs)
            return zhs_fail(err, ZHS_EINTERNAL, "the encoded posting of '%.*s' is damaged (a bug: please report it)",
                            (int)keylen, key);
    } else {
        zhs_outfile_write(&w->post, c->post[0].p, c->post[0].len);
        zhs_outfile_write(&w->post, c->post[1].p, c->post[1].len);
    }
    if (!pos_inl) zhs_outfile_write(&w->pos, c->pos.p, c->pos.len);

    /* dictionary entry, front-coded within blocks of ZHS_DICT_BLOCK */
    size_t prefix = 0;
    if (w->nterms % ZHS_DICT_BLOCK == 0) {
        zhs_buf_put_u64(&w->dict_blocks, w->dict.len);
        zhs_buf_put_varint(&w->dict, post_start);
        zhs_buf_put_varint(&w->dict, pos_start);
    } else {
        size_t m = keylen < w->prev_len ? keylen : w->prev_len;
        while (prefix < m && w->prev_key[prefix] == key[prefix]) prefix++;
    }
    zhs_term_info ti = {.df = c->df, .cf = c->cf, .post_len = w->post.off - post_start,
                        .pos_len = pos_inl ? c->pos.len : w->pos.off - pos_start, .ub = c->ub, .max_tf = c->max_tf,
                        .min_len = c->min_len, .post_inline = inl, .doc1 = (uint32_t)doc1,
                        .pos_inline = pos_inl ? c->pos.p : NULL};
    ti.ub_from_max = ub_follows(w, c, zhs_ub_round_up(c->ub));
    int rc = zhs_dict_put_entry(&w->dict, key, keylen, prefix, &ti);
    if (rc == ZHS_EINTERNAL)
        return zhs_fail(err, rc, "inconsistent counts for '%.*s' (a bug: please report it)", (int)keylen, key);
    if (rc || w->dict_blocks.oom) return zhs_fail(err, ZHS_ENOMEM, "out of memory writing the dictionary");
    memcpy(w->prev_key, key, keylen);
    w->prev_len = keylen;
    w->nterms++;
    return ZHS_OK;
}

int zhs_seg_writer_add(zhs_seg_writer *w, const char *key, size_t keylen,
                       const zhs_chunk *chunks, size_t nchunks, zhs_error *err)
{
    zhs_term_code c;
    if (zhs_term_enc_run(&w->enc, key, keylen, chunks, nchunks, &c, err)) return err->code;
    return zhs_seg_writer_put(w, key, keylen, &c, err);
}

int zhs_seg_writer_add_sink(void *w, const char *key, size_t keylen, const zhs_chunk *chunks, size_t nchunks,
                            zhs_error *err)
{
    return zhs_seg_writer_add(w, key, keylen, chunks, nchunks, err);
}

void zhs_seg_writer_set_syncs(zhs_seg_writer *w, zhs_syncs *s)
{
    w->syncs = s;
    w->post.syncs = w->pos.syncs = s;
}

int zhs_seg_writer_finish(zhs_seg_writer *w, uint64_t *nterms, zhs_error *err)
{
    if (zhs_err_code(err)) return err->code;
    /* The postings and positions are complete: with a sync set their
    ** fsyncs (most of the segment's bytes) run while the rest is written. */
    if (zhs_outfile_finish(&w->post, err) || zhs_outfile_finish(&w->pos, err)) return err->code;
    /* dictionary: blocks, then the block table, its offsets u32 when the
    ** file stays under 4 GiB (format 9), else u64 */
    uint32_t nblocks = (uint32_t)(w->dict_blocks.len / 8);
    bool narrow = (uint64_t)w->dict.len + (uint64_t)nblocks * 4 + 16 + ZHS_FOOTER_LEN <= UINT32_MAX;
    for (uint32_t i = 0; i < nblocks; i++) {
        uint64_t off = zhs_get_u64((const uint8_t *)w->dict_blocks.data + (size_t)i * 8);
        if (narrow) zhs_buf_put_u32(&w->dict, (uint32_t)off);
        else zhs_buf_put_u64(&w->dict, off);
    }
    zhs_buf_put_u32(&w->dict, nblocks);
    zhs_buf_put_u32(&w->dict, narrow ? ZHS_DICT_OFF32 : 0);
    zhs_buf_put_u64(&w->dict, w->nterms);
    if (!zhs_footer_append(&w->dict) || w->dict.oom)
        return zhs_fail(err, ZHS_ENOMEM, "out of memory writing the dictionary");
    if (zhs_lens_write(w->syncs, w->len_path, w->lens, w->ndocs, err) ||
        zhs_file_write_to(w->syncs, w->dict_path, w->dict.data, w->dict.len, err))
        return err->code;
    w->finished = true;
    if (nterms) *nterms = w->nterms;
    return ZHS_OK;
}

void zhs_seg_writer_close(zhs_seg_writer *w)
{
    if (!w) return;
    if (!w->finished) {
        zhs_outfile_abort(&w->post);
        zhs_outfile_abort(&w->pos);
        unlink(w->len_path);    /* written before the dictionary failed, or absent */
    }
    zhs_buf_free(&w->dict);
    zhs_buf_free(&w->dict_blocks);
    enc_free(&w->enc);
    free(w->kfac);
    free(w);
}
