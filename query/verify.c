/*
** verify.c — 'zhs check' of a native index: after the checksums that
** opening verifies, every structural invariant the reader relies on,
** walking the whole dictionary, every posting list, every position list
** and every stored passage.
*/
#include "query_int.h"
#include "record.h"
#include "ztable.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The writer's figures for the bounds of one block, or of a whole list
** (zhs_bm25_stored_part, as the writer takes them). */
typedef struct bound_par {
    double k1, b, avglen;
} bound_par;

typedef struct bound_acc {
    uint32_t max_tf, min_len, last;
    float ub;
} bound_acc;

static void bound_reset(bound_acc *a)
{
    a->max_tf = a->last = 0;
    a->min_len = UINT32_MAX;
    a->ub = 0;
}

static void bound_add(bound_acc *a, const bound_par *bm, uint32_t d, uint32_t tf, uint32_t len)
{
    float sc = zhs_bm25_stored_part(bm->k1, tf, zhs_bm25_stored_kfac(bm->k1, bm->b, bm->avglen, len));
    if (sc > a->ub) a->ub = sc;
    if (tf > a->max_tf) a->max_tf = tf;
    if (len < a->min_len) a->min_len = len;
    a->last = d;
}

/* A stored bound below what the postings reach would make block-max and
** MaxScore pruning drop passages that belong in a top k (the searcher pads
** bounds by 1e-4 for float rounding; 1e-6 here leaves room for a last bit
** of another compiler's arithmetic).  A looser bound costs speed only, so
** only this direction is refused. */
static bool ub_below(float stored, float reached) { return (double)stored < (double)reached * (1.0 - 1e-6); }

/* Block b's skip entry against its postings: the last doc the cursor's
** skips trust, and the three bounds pruning trusts. */
static int verify_block(const zhs_segment *s, const zhs_dict_iter *it, zhs_cursor *c, uint32_t b,
                        const bound_acc *a, zhs_error *err)
{
    zhs_skip sk;
    zhs_skip_get(&c->skt, b, &sk);
    const char *what = NULL;
    if (sk.last_doc != a->last) what = "last passage";
    else if (sk.max_tf < (a->max_tf > 0xFFFF ? 0xFFFF : a->max_tf)) what = "largest tf";
    else if (zhs_len_unq(sk.min_len_q) > a->min_len) what = "shortest passage";
    else if (ub_below(sk.ub, a->ub)) what = "score bound";
    if (!what) return ZHS_OK;
    return zhs_fail(err, ZHS_ECORRUPT,
                    "%s: block %u of term '%s' (postings at offset %llu) has a skip entry whose %s does not hold for "
                    "its postings (stored last %u, largest tf %u, shortest %u, bound %g; postings %u, %u, %u, %g): "
                    "rebuild the index",
                    s->post.path, b, it->key, (unsigned long long)it->ti.post_off, what, sk.last_doc, sk.max_tf,
                    zhs_len_unq(sk.min_len_q), (double)sk.ub, a->last, a->max_tf, a->min_len, (double)a->ub);
}

static int verify_postings(const zhs_segment *s, const zhs_dict_iter *it, const bound_par *bm, uint64_t *total_len,
                           zhs_error *err)
{
    zhs_cursor c;
    zhs_cursor_init(&c, s, &it->ti);
    /* the bounds' columns of a packed table are parsed on first use */
    if (c.skips && c.skt.rest != NULL) zhs_skip_table_parse_rest(&c.skt);
    uint32_t n = 0, prev = 0, block = c.block;
    uint64_t cf = 0;
    uint32_t pos[64];
    bound_acc list, blk;
    bound_reset(&list);
    bound_reset(&blk);
    int rc = ZHS_OK;
    for (uint32_t d = c.doc; d != ZHS_NO_DOC; d = zhs_cursor_next(&c)) {
        if (n > 0 && d <= prev) break;
        if (!zhs_cursor_tf_sane(&c) || d >= s->ndocs) {
            c.corrupt = true;
            break;
        }
        if (c.block != block) {
            if (c.skips && n > 0 && (rc = verify_block(s, it, &c, block, &blk, err)) != ZHS_OK) return rc;
            block = c.block;
            bound_reset(&blk);
        }
        uint32_t tf = zhs_cursor_tf(&c), len = zhs_get_u32(s->len.body + (size_t)d * 4);
        cf += tf;
        bound_add(&list, bm, d, tf, len);
        bound_add(&blk, bm, d, tf, len);
        /* terms written without positions (long Han words) have none */
        if (it->ti.pos_len > 0 && zhs_cursor_positions(&c, pos, 64) < 0) {
            c.corrupt = true;
            break;
        }
        prev = d;
        n++;
    }
    *total_len += cf;
    if (c.corrupt || n != it->ti.df || cf != it->ti.cf)
        return zhs_fail(err, ZHS_ECORRUPT,
                        "%s: postings of term '%s' at offset %llu are damaged (df %u, read %u): rebuild the index",
                        s->post.path, it->key, (unsigned long long)it->ti.post_off, it->ti.df, n);
    if (c.skips && (rc = verify_block(s, it, &c, block, &blk, err)) != ZHS_OK) return rc;
    /* The entry's largest tf and shortest passage bound the term's score
    ** (from format 7 they are the bound itself for most terms), and so
    ** does its stored bound where it has one: each must hold for the
    ** postings, as the blocks' must (verify_block). */
    if (it->ti.max_tf < list.max_tf || it->ti.min_len > list.min_len)
        return zhs_fail(err, ZHS_ECORRUPT,
                        "%s: the entry of term '%s' says largest tf %u and shortest passage %u, its postings have "
                        "%u and %u: rebuild the index",
                        s->dict.path, it->key, it->ti.max_tf, it->ti.min_len, list.max_tf, list.min_len);
    if (!it->ti.ub_from_max && ub_below(it->ti.ub, list.ub))
        return zhs_fail(err, ZHS_ECORRUPT,
                        "%s: the entry of term '%s' stores the score bound %g, its postings reach %g: rebuild the "
                        "index",
                        s->dict.path, it->key, (double)it->ti.ub, (double)list.ub);
    return ZHS_OK;
}

static int verify_segment(const zhs_native_seg *ns, const zhs_manifest_segment *ms, const zhs_manifest *m,
                          uint64_t *live_tokens, zhs_error *err)
{
    const zhs_segment *s = &ns->seg;
    /* the figures the segment's bounds were written with */
    bound_par bm = {.k1 = m->k1, .b = m->b, .avglen = ms->avglen > 0 ? ms->avglen : 1.0};
    zhs_dict_iter it;
    zhs_dict_iter_init(&it, s);
    uint64_t nterms = 0, total = 0;
    int rc;
    while ((rc = zhs_dict_iter_next(&it, err)) == ZHS_OK) {
        nterms++;
        if ((rc = verify_postings(s, &it, &bm, &total, err)) != ZHS_OK) break;
    }
    if (rc == ZHS_DONE) rc = ZHS_OK;
    if (rc == ZHS_OK && nterms != s->nterms)
        rc = zhs_fail(err, ZHS_ECORRUPT, "%s: %llu terms read, trailer says %llu", s->dict.path,
                      (unsigned long long)nterms, (unsigned long long)s->nterms);
    /* lengths must add up to the segment's token count, and those of its
    ** live passages count towards the collection's */
    uint64_t sum = 0;
    for (uint32_t d = 0; d < s->ndocs; d++) {
        uint32_t len = zhs_get_u32(s->len.body + (size_t)d * 4);
        sum += len;
        if (!zhs_segment_deleted(s, d)) *live_tokens += len;
    }
    if (rc == ZHS_OK && sum != ms->tokens)
        rc = zhs_fail(err, ZHS_ECORRUPT, "%s: passage lengths add up to %llu, the manifest says %llu tokens",
                      s->len.path, (unsigned long long)sum, (unsigned long long)ms->tokens);
    if (rc == ZHS_OK) rc = zhs_store_verify(s, err);
    return rc;
}

/* Each stored record against the citation table (a deleted passage's
** entry is that of an empty record, as the writer makes it); the records
** also go to a builder, whose label forms the table's must be. */
typedef struct cite_walk {
    const zhs_index *ix;
    const zhs_segment *seg;
    uint32_t base;
    zhs_meta_builder *forms;
} cite_walk;

static int cite_record(void *ctx, uint32_t doc, const zhs_passage *p, zhs_error *err)
{
    const cite_walk *cw = ctx;
    zhs_passage gone;
    if (zhs_segment_deleted(cw->seg, doc)) {
        memset(&gone, 0, sizeof gone);
        gone.title = gone.path = "";
        p = &gone;
    }
    if (zhs_cite_verify_record(cw->ix, cw->base + doc, p, err)) return err->code;
    return zhs_meta_builder_add(cw->forms, cw->base + doc, p, err);
}

int zhs_native_verify(zhs_index *ix, zhs_error *err)
{
    if (zhs_err_code(err)) return err->code;
    const zhs_native *nx = ix->state;
    uint64_t live_tokens = 0;
    int rc = ZHS_OK;
    for (unsigned i = 0; i < nx->nsegs && rc == ZHS_OK; i++)
        rc = verify_segment(&nx->segs[i], &ix->m.seg[i], &ix->m, &live_tokens, err);
    zhs_meta_builder *forms = NULL;
    if (rc == ZHS_OK && ix->has_cite) rc = zhs_meta_builder_open(&forms, err);
    for (unsigned i = 0; i < nx->nsegs && rc == ZHS_OK && ix->has_cite; i++) {
        cite_walk cw = {ix, &nx->segs[i].seg, nx->segs[i].base, forms};
        rc = zhs_store_each(&nx->segs[i].seg, cite_record, &cw, err);
    }
    if (rc == ZHS_OK && ix->has_cite) rc = zhs_cite_verify_forms(ix, forms, err);
    zhs_meta_builder_close(forms);
    /* opening checked each deletion file against the manifest's counts */
    if (rc == ZHS_OK && live_tokens != ix->m.tokens)
        rc = zhs_fail(err, ZHS_ECORRUPT, "%s: live passage lengths add up to %llu, the manifest says %llu tokens",
                      ix->dir, (unsigned long long)live_tokens, (unsigned long long)ix->m.tokens);
    /* the file table is read by updates only: check its bytes here */
    if (rc == ZHS_OK && ix->m.files[0]) {
        char path[ZHS_PATH_MAX];
        snprintf(path, sizeof path, "%s/%s", ix->dir, ix->m.files);
        zhs_table_body f;
        rc = zhs_table_open(&f, path, ZHS_MAGIC_FILES, zhs_files_plain_magics, "file table", true, err);
        if (rc == ZHS_OK) zhs_table_close(&f);
        /* a file the manifest names and that is gone is damage, not an
        ** index to build */
        if (rc == ZHS_ENOTFOUND && err) {
            zhs_error_clear(err);
            rc = zhs_fail(err, ZHS_ECORRUPT, "%s is missing: the MANIFEST names it (searches do not read it; "
                          "'zhs index --update' does)", path);
        }
    }
    if (rc == ZHS_OK && ix->m.passages &&
        fabs((double)live_tokens / (double)ix->m.passages - ix->m.avglen) > 1e-12 * ix->m.avglen)
        rc = zhs_fail(err, ZHS_ECORRUPT, "%s/MANIFEST: the average length is not that of the live passages",
                      ix->dir);
    return rc;
}
