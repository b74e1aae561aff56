/*
** verify.c — 'zhs check' of a native index: after the checksums that
** opening verifies, every structural invariant the reader relies on,
** walking the whole dictionary, every posting list, every position list
** and every stored passage.
*/
#include "query_int.h"
#include "record.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int verify_postings(const zhs_segment *s, const zhs_dict_iter *it, uint64_t *total_len,
                           zhs_error *err)
{
    zhs_cursor c;
    zhs_cursor_init(&c, s, &it->ti);
    uint32_t n = 0, prev = 0, max_tf = 0, min_len = UINT32_MAX;
    uint64_t cf = 0;
    uint32_t pos[64];
    for (uint32_t d = c.doc; d != ZHS_NO_DOC; d = zhs_cursor_next(&c)) {
        if (n > 0 && d <= prev) break;
        if (!zhs_cursor_tf_sane(&c) || d >= s->ndocs) {
            c.corrupt = true;
            break;
        }
        uint32_t tf = zhs_cursor_tf(&c), len = zhs_get_u32(s->len.body + (size_t)d * 4);
        cf += tf;
        if (tf > max_tf) max_tf = tf;
        if (len < min_len) min_len = len;
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
    /* The entry's largest tf and shortest passage bound the term's score
    ** (from format 7 they are the bound itself for most terms): one that
    ** says less than the postings would prune passages that belong in a
    ** top k.  A bound looser than the postings costs speed only, so
    ** only this direction is refused. */
    if (it->ti.max_tf < max_tf || it->ti.min_len > min_len)
        return zhs_fail(err, ZHS_ECORRUPT,
                        "%s: the entry of term '%s' says largest tf %u and shortest passage %u, its postings have "
                        "%u and %u: rebuild the index",
                        s->dict.path, it->key, it->ti.max_tf, it->ti.min_len, max_tf, min_len);
    return ZHS_OK;
}

static int verify_segment(const zhs_native_seg *ns, const zhs_manifest_segment *ms, uint64_t *live_tokens,
                          zhs_error *err)
{
    const zhs_segment *s = &ns->seg;
    zhs_dict_iter it;
    zhs_dict_iter_init(&it, s);
    uint64_t nterms = 0, total = 0;
    int rc;
    while ((rc = zhs_dict_iter_next(&it, err)) == ZHS_OK) {
        nterms++;
        if ((rc = verify_postings(s, &it, &total, err)) != ZHS_OK) break;
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
        rc = verify_segment(&nx->segs[i], &ix->m.seg[i], &live_tokens, err);
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
        zhs_mapped f;
        rc = zhs_map_file(&f, path, ZHS_MAGIC_FILES, true, err);
        if (rc == ZHS_OK) zhs_unmap_file(&f);
    }
    if (rc == ZHS_OK && ix->m.passages &&
        fabs((double)live_tokens / (double)ix->m.passages - ix->m.avglen) > 1e-12 * ix->m.avglen)
        rc = zhs_fail(err, ZHS_ECORRUPT, "%s/MANIFEST: the average length is not that of the live passages",
                      ix->dir);
    return rc;
}
