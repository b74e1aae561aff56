/*
** prior.c — a document prior: primary legislation over what restates it.
**
** A concept (正当防卫, 诉讼时效) is defined in a statute's short article
** that says it once; judicial interpretations, local regulations and case
** write-ups restate and discuss it, longer and more often, and BM25 puts
** them first.  People looking a concept up want the statute.  So a passage
** whose category (its folder, docs/CORPUS.md) is one of the national laws
** passed by the NPC — the categories of the laws corpus below — has its
** score multiplied by 1 + ZHS_PRIOR_PRIMARY.  Interpretations, regulations,
** rules, local law, cases and other texts keep theirs.
**
** It is applied with the proximity bonus, in the second phase over the
** BM25 top hits (search.c, rescore), so the pruned and the exhaustive
** searches give the same hits; an index without categories (the dev sets,
** JSONL without "category") is unchanged.  The factor was measured on the
** legal judged set only for 0.1 to 0.4 and set at a conservative 0.2
** (docs/RANKING.md); it is not fitted to single queries.
*/
#include "query_int.h"

#define ZHS_PRIOR_PRIMARY 0.2

static const char *const primary[] = {
    "宪法", "宪法相关法", "民法典", "民法商法", "行政法", "经济法", "社会法", "刑法",
    "诉讼与非诉讼程序法",
};

void zhs_prior_init(zhs_prior *p, const zhs_index *ix)
{
    p->n = 0;
    if (!ix->has_meta) return;
    for (size_t i = 0; i < sizeof primary / sizeof *primary && p->n < ZHS_PRIOR_MAX; i++) {
        uint32_t id = zhs_meta_string(&ix->meta, primary[i]);
        if (id != UINT32_MAX) p->ids[p->n++] = id;
    }
}

double zhs_prior_factor(const zhs_prior *p, const zhs_index *ix, uint32_t doc)
{
    if (p->n == 0) return 1.0;
    const zhs_meta_run *r = zhs_meta_run_of(&ix->meta, doc);
    if (!r) return 1.0;
    for (size_t i = 0; i < p->n; i++)
        if (r->category == p->ids[i]) return 1.0 + ZHS_PRIOR_PRIMARY;
    return 1.0;
}
