/*
** seg_writer.c — writes one segment's dictionary, postings and positions
** from terms that arrive in sorted order (see format.h for the layout).
*/
#include "indexer_int.h"
#include "terms.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

struct zhs_seg_writer {
    zhs_outfile post, pos, len;
    zhs_buf dict;                   /* dictionary body, kept in memory */
    zhs_buf dict_blocks;            /* u64 offsets of dictionary blocks */
    char dict_path[ZHS_PATH_MAX];
    uint64_t nterms;
    char prev_key[ZHS_TERM_MAX_KEY];
    size_t prev_len;
    const uint32_t *lens;
    uint32_t ndocs;
    float *kfac;                    /* K(len) = k1 * (1 - b + b * len / avglen) */
    double k1;
    bool word_positions;
    zhs_buf blocks;                 /* scratch: one term's blocks */
    zhs_buf skips;                  /* scratch: one term's skip table */
    uint32_t docs[ZHS_BLOCK], tfs[ZHS_BLOCK];
    uint32_t pfirst[ZHS_BLOCK];     /* first position of each posting in the block */
    uint32_t *pgaps;                /* the other positions' gaps */
    size_t ngaps, gapcap;
    zhs_buf posbuf;
    bool too_long;                  /* a term's postings or positions pass 4 GiB */
    bool finished;
};

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
    w->kfac = malloc(((size_t)ndocs + 1) * sizeof *w->kfac);
    if (!w->kfac) {
        free(w);
        return zhs_fail(err, ZHS_ENOMEM, "out of memory starting a segment");
    }
    for (uint32_t d = 0; d < ndocs; d++)
        w->kfac[d] = (float)(k1 * (1.0 - b + b * (double)lens[d] / (avglen > 0 ? avglen : 1.0)));
    char path[ZHS_PATH_MAX];
    snprintf(path, sizeof path, "%s/%s.post", dir, stem);
    zhs_outfile_open(&w->post, path, ZHS_MAGIC_POST, err);
    snprintf(path, sizeof path, "%s/%s.pos", dir, stem);
    zhs_outfile_open(&w->pos, path, ZHS_MAGIC_POS, err);
    snprintf(path, sizeof path, "%s/%s.len", dir, stem);
    zhs_outfile_open(&w->len, path, ZHS_MAGIC_LEN_, err);
    snprintf(w->dict_path, sizeof w->dict_path, "%s/%s.dict", dir, stem);
    zhs_buf_append(&w->dict, ZHS_MAGIC_DICT, ZHS_MAGIC_LEN);
    if (zhs_err_code(err)) {
        int rc = err->code;
        zhs_seg_writer_close(w);
        return rc;
    }
    *out = w;
    return ZHS_OK;
}

/* Encodes the buffered block (n postings, previous block ending at prev):
** doc gaps minus one, then term frequencies minus one, each a PFOR group. */
static void put_block(zhs_seg_writer *w, size_t n, int64_t prev)
{
    uint32_t deltas[ZHS_BLOCK], tfm1[ZHS_BLOCK];
    for (size_t i = 0; i < n; i++) {
        deltas[i] = (uint32_t)((int64_t)w->docs[i] - prev - 1);
        prev = w->docs[i];
        tfm1[i] = w->tfs[i] - 1;
    }
    if (!zhs_buf_reserve(&w->blocks, zhs_pfor_bound(n, n))) return;
    w->blocks.len += zhs_pfor_encode2((uint8_t *)w->blocks.data + w->blocks.len, deltas, n, tfm1, n);
}

static int bad_stream(zhs_error *err, const char *key)
{
    return zhs_fail(err, ZHS_EINTERNAL, "posting stream of term '%s' is malformed (a bug: please report it)", key);
}


/* Positions of a block: the first position of each posting, then the
** gaps between the following ones, each a PFOR group.  With the block's
** term frequencies a reader finds any posting's positions without
** scanning. */
static bool put_positions(zhs_seg_writer *w, size_t n)
{
    if (!zhs_buf_reserve(&w->posbuf, zhs_pfor_bound(n, w->ngaps))) return false;
    uint8_t *o = (uint8_t *)w->posbuf.data;
    zhs_outfile_write(&w->pos, o, zhs_pfor_encode2(o, w->pfirst, n, w->pgaps, w->ngaps));
    w->ngaps = 0;
    return true;
}

/* Per-term state while its postings are cut into blocks. */
typedef struct term_state {
    uint64_t pos_start, block_pos_start;
    int64_t prev_block_last;
    size_t nb;                      /* postings in the current block */
    float block_ub, term_ub;
    uint32_t block_max_tf, block_min_len, max_tf, min_len;
} term_state;

/* Ends the current block: skip entry, packed doc gaps and tfs, positions. */
static bool end_block(zhs_seg_writer *w, term_state *t, bool keep_pos)
{
    zhs_skip sk;
    sk.last_doc = w->docs[t->nb - 1];
    sk.post_off = (uint32_t)w->blocks.len;
    sk.pos_off = t->block_pos_start - t->pos_start;
    sk.ub = t->block_ub;
    sk.max_tf = (uint16_t)(t->block_max_tf > 0xFFFF ? 0xFFFF : t->block_max_tf);
    sk.min_len_q = zhs_len_q(t->block_min_len);
    /* skip entries hold 32-bit offsets */
    if (sk.pos_off > UINT32_MAX || w->blocks.len > UINT32_MAX) {
        w->too_long = true;
        return false;
    }
    uint8_t e[ZHS_SKIP_BYTES];
    unsigned size = keep_pos ? ZHS_SKIP_BYTES : ZHS_SKIP_BYTES_NOPOS;
    zhs_skip_encode(e, &sk, size);
    zhs_buf_append(&w->skips, e, size);
    put_block(w, t->nb, t->prev_block_last);
    if (keep_pos && !put_positions(w, t->nb)) return false;
    t->prev_block_last = w->docs[t->nb - 1];
    t->block_pos_start = w->pos.off;
    if (t->block_ub > t->term_ub) t->term_ub = t->block_ub;
    if (t->block_max_tf > t->max_tf) t->max_tf = t->block_max_tf;
    if (t->block_min_len < t->min_len) t->min_len = t->block_min_len;
    t->nb = 0;
    t->block_ub = 0;
    t->block_max_tf = 0;
    t->block_min_len = UINT32_MAX;
    return true;
}

static bool push_gap(zhs_seg_writer *w, uint32_t g)
{
    if (w->ngaps == w->gapcap) {
        size_t cap = w->gapcap ? w->gapcap * 2 : 1024;
        uint32_t *p = realloc(w->pgaps, cap * sizeof *p);
        if (!p) return false;
        w->pgaps = p;
        w->gapcap = cap;
    }
    w->pgaps[w->ngaps++] = g;
    return true;
}

static int end_block_failed(const zhs_seg_writer *w, const char *key, size_t keylen, zhs_error *err)
{
    if (w->too_long)
        return zhs_fail(err, ZHS_EINVAL, "the postings or positions of term '%.*s' pass 4 GiB, more than the index "
                        "format addresses: index the corpus in several indexes", (int)keylen, key);
    return zhs_fail(err, ZHS_ENOMEM, "out of memory writing the postings of '%.*s'", (int)keylen, key);
}

int zhs_seg_writer_add(zhs_seg_writer *w, const char *key, size_t keylen,
                       const zhs_chunk *chunks, size_t nchunks, zhs_error *err)
{
    if (zhs_err_code(err)) return err->code;
    if (keylen >= ZHS_TERM_MAX_KEY)
        return zhs_fail(err, ZHS_EINTERNAL, "term of %zu bytes is too long", keylen);
    if (w->nterms > 0) {
        size_t m = keylen < w->prev_len ? keylen : w->prev_len;
        int c = memcmp(w->prev_key, key, m);
        if (c > 0 || (c == 0 && w->prev_len >= keylen))
            return zhs_fail(err, ZHS_EINTERNAL, "terms out of order at '%.*s' (a bug: please report it)", (int)keylen, key);
    }
    zhs_buf_reset(&w->blocks);
    zhs_buf_reset(&w->skips);
    w->ngaps = 0;
    bool keep_pos = !zhs_term_is_char(key, keylen) && !zhs_term_is_label(key, keylen) &&
                    (w->word_positions || !zhs_term_is_long_han_word(key, keylen));
    term_state t = {0};
    t.pos_start = t.block_pos_start = w->pos.off;
    t.prev_block_last = -1;
    t.block_min_len = t.min_len = UINT32_MAX;
    uint32_t df = 0;
    uint64_t cf = 0;

    for (size_t c = 0; c < nchunks; c++) {
        const uint8_t *p = chunks[c].p, *end = p + chunks[c].len;
        int64_t prev = -1;
        while (p < end) {
            uint64_t delta, tf;
            if (!zhs_varint_get(&p, end, &delta) || !zhs_varint_get(&p, end, &tf) || delta == 0 || tf == 0 ||
                tf > UINT32_MAX)
                return bad_stream(err, key);
            int64_t doc = prev + (int64_t)delta;
            if (doc >= (int64_t)w->ndocs) return bad_stream(err, key);
            prev = doc;
            for (uint64_t i = 0; i < tf; i++) {
                uint64_t v;
                if (!zhs_varint_get(&p, end, &v) || v > UINT32_MAX) return bad_stream(err, key);
                if (!keep_pos) continue;
                if (i == 0) w->pfirst[t.nb] = (uint32_t)v;
                else if (!push_gap(w, (uint32_t)v)) return zhs_fail(err, ZHS_ENOMEM, "out of memory writing positions");
            }
            uint32_t t32 = (uint32_t)tf;
            w->docs[t.nb] = (uint32_t)doc;
            w->tfs[t.nb] = t32;
            t.nb++;
            df++;
            cf += tf;
            uint32_t len = w->lens[doc];
            float sc = (float)((double)t32 * (w->k1 + 1.0) / ((double)t32 + w->kfac[doc]));
            if (sc > t.block_ub) t.block_ub = sc;
            if (t32 > t.block_max_tf) t.block_max_tf = t32;
            if (len < t.block_min_len) t.block_min_len = len;
            if (t.nb == ZHS_BLOCK && !end_block(w, &t, keep_pos)) return end_block_failed(w, key, keylen, err);
        }
    }
    if (df == 0) return bad_stream(err, key);
    if (t.nb > 0 && !end_block(w, &t, keep_pos)) return end_block_failed(w, key, keylen, err);
    uint32_t max_tf = t.max_tf, min_len = t.min_len;
    float term_ub = t.term_ub;
    uint64_t pos_start = t.pos_start;
    if (w->blocks.oom || w->skips.oom)
        return zhs_fail(err, ZHS_ENOMEM, "out of memory writing the postings of '%.*s'", (int)keylen, key);

    uint64_t post_start = w->post.off;
    if (df > ZHS_BLOCK) zhs_outfile_write(&w->post, w->skips.data, w->skips.len);
    zhs_outfile_write(&w->post, w->blocks.data, w->blocks.len);

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
    zhs_buf_put_varint(&w->dict, prefix);
    zhs_buf_put_varint(&w->dict, keylen - prefix);
    zhs_buf_append(&w->dict, key + prefix, keylen - prefix);
    zhs_buf_put_varint(&w->dict, df);
    zhs_buf_put_varint(&w->dict, cf);
    zhs_buf_put_varint(&w->dict, w->post.off - post_start);
    zhs_buf_put_varint(&w->dict, w->pos.off - pos_start);
    uint32_t ubits;
    memcpy(&ubits, &term_ub, 4);
    zhs_buf_put_u32(&w->dict, ubits);
    zhs_buf_put_varint(&w->dict, max_tf);
    zhs_buf_put_varint(&w->dict, min_len);
    if (w->dict.oom || w->dict_blocks.oom)
        return zhs_fail(err, ZHS_ENOMEM, "out of memory writing the dictionary");
    memcpy(w->prev_key, key, keylen);
    w->prev_len = keylen;
    w->nterms++;
    return ZHS_OK;
}

int zhs_seg_writer_finish(zhs_seg_writer *w, uint64_t *nterms, zhs_error *err)
{
    if (zhs_err_code(err)) return err->code;
    /* lengths */
    for (uint32_t d = 0; d < w->ndocs; d++) {
        uint8_t b[4];
        zhs_set_u32(b, w->lens[d]);
        zhs_outfile_write(&w->len, b, 4);
    }
    /* dictionary: blocks, then the block table */
    uint32_t nblocks = (uint32_t)(w->dict_blocks.len / 8);
    zhs_buf_append(&w->dict, w->dict_blocks.data, w->dict_blocks.len);
    zhs_buf_put_u32(&w->dict, nblocks);
    zhs_buf_put_u32(&w->dict, 0);
    zhs_buf_put_u64(&w->dict, w->nterms);
    if (!zhs_footer_append(&w->dict) || w->dict.oom)
        return zhs_fail(err, ZHS_ENOMEM, "out of memory writing the dictionary");
    if (zhs_outfile_finish(&w->post, err) || zhs_outfile_finish(&w->pos, err) ||
        zhs_outfile_finish(&w->len, err) ||
        zhs_file_write(w->dict_path, w->dict.data, w->dict.len, err))
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
        zhs_outfile_abort(&w->len);
    }
    zhs_buf_free(&w->dict);
    zhs_buf_free(&w->dict_blocks);
    zhs_buf_free(&w->blocks);
    zhs_buf_free(&w->skips);
    zhs_buf_free(&w->posbuf);
    free(w->pgaps);
    free(w->kfac);
    free(w);
}
