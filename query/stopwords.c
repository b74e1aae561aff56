/*
** stopwords.c — question and function words weigh nothing in a question.
**
** A question ("陆特和汉斯雷顿开创了哪一地区对梵语的学术研究？") names what
** it asks about with a few rare words and wraps them in words every
** passage has: 哪一, 的, 了, 什么, 是否.  Their idf is low but not zero, and
** in a long passage their many occurrences add up to more than one rare
** word; the answer passage need not contain them at all.  So a query term
** whose text (as a word, or as the bigram of a two-character word) is on
** the list below scores 0 when the query has at least
** ZHS_STOP_MIN_OTHER other scoring terms; a short query (`什么是正当防卫`
** has enough, `的` alone has not) and a required part (`+是否`) keep them.
** A weight of 0 keeps the term in the query, so every evaluator's bounds
** (weight times a tf bound) stay exact and the pruned top k equals the
** exhaustive one.  A list and not an idf threshold: cutting terms by
** df/N lost MRR on the dev sets (docs/RANKING.md has both).
**
** The keys are simplified: the analyzer folds traditional text first.
*/
#include "query_int.h"

#include <string.h>

#define ZHS_STOP_MIN_OTHER 3

static const char *const stop[] = {
    /* question words */
    "什么", "哪", "哪里", "哪个", "哪些", "哪一", "谁", "怎么", "怎样", "如何",
    "多少", "几", "是否", "为什么", "何", "何时", "多久", "甚么", "吗", "呢",
    "多大", "多长", "怎么办", "怎么样", "是不是", "有没有", "能不能",
    /* modal words */
    "可以", "能", "会", "要", "应该",
    /* function words */
    "的", "了", "是", "在", "和", "与", "有", "被", "把", "个", "么", "那",
    "这", "之", "于", "为", "以", "或", "及", "一",
};

/* The text of a word or bigram key. */
static const char *text_of(const char *key, size_t *len)
{
    if (*len > 1 && key[0] == 'B') {
        (*len)--;
        return key + 1;
    }
    return key;
}

bool zhs_query_stopword(const char *key, size_t len)
{
    key = text_of(key, &len);           /* a bigram: "B什么" (terms.h) */
    for (size_t i = 0; i < sizeof stop / sizeof *stop; i++)
        if (strlen(stop[i]) == len && memcmp(stop[i], key, len) == 0) return true;
    return false;
}

/* Whether a required part or phrase names t (as a word or a bigram: a
** required two-character word is matched on its bigram). */
static bool required(const zhs_query *q, const zhs_qterm *t)
{
    size_t tl = t->len;
    const char *tt = text_of(t->key, &tl);
    for (size_t c = 0; c < q->nclauses; c++) {
        if (q->clauses[c].occur != ZHS_OCCUR_MUST || q->clauses[c].title) continue;
        for (size_t e = 0; e < q->clauses[c].nelems; e++) {
            size_t el = q->clauses[c].elems[e].len;
            const char *et = text_of(q->clauses[c].elems[e].key, &el);
            if (el == tl && memcmp(et, tt, tl) == 0) return true;
        }
    }
    return false;
}

double zhs_query_term_weight(const zhs_query *q, size_t i)
{
    const zhs_qterm *t = &q->terms[i];
    /* a concept's expansion weighs less (concepts.c); a term the exact
    ** query of a citation adds past the array is the user's */
    double w = q->boost && i < ZHS_QUERY_MAX_TERMS ? q->boost[i] : 1.0;
    if (!zhs_query_stopword(t->key, t->len) || required(q, t)) return w;
    size_t other = 0;
    for (size_t j = 0; j < q->nterms; j++)
        if (!zhs_query_stopword(q->terms[j].key, q->terms[j].len)) other++;
    return other >= ZHS_STOP_MIN_OTHER ? 0.0 : w;
}
