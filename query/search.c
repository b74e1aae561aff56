/*
** search.c — BM25 top-k over the native index.
**
** score(d) = sum over query terms t of
**            qtf(t) * idf(t) * tf * (k1 + 1) / (tf + k1 * (1 - b + b * len(d) / avglen))
** with Lucene's idf = ln(1 + (N - df + 0.5) / (df + 0.5)).
**
** Four evaluators share one scoring function and one summation order (the
** query's term order), so that they agree to the last bit:
**   - disjunctions: MaxScore (terms split into essential and non-essential
**     by their upper bounds) refined with per-block bounds from the skip
**     data, as in BlockMax-MaxScore;
**   - required clauses: leapfrog intersection; for top k, block windows,
**     a bound check before a cursor decodes a block for a candidate, and
**     a score check before the dear part (positions, exclusions); two
**     required elements (two terms, or a phrase of two), a window at a
**     time (pair_window);
**   - one short required term under long optional lists (a cited
**     article's label under the user's words): its list leads, each
**     passage scored from the others' block bounds, then their lists
**     while they can matter (run_led);
**   - exhaustive: term-at-a-time over every posting, the test oracle.
** Counting takes document-frequency shortcuts where the shape allows, and
** otherwise reads whole decoded blocks without scoring: unions into a
** bitset, conjunctions (phrases and exclusions too) by filtering a
** candidate array list by list, positions read for the survivors only.
** A second phase adds the term-proximity bonus (proximity.c) to the BM25
** top k rounded up to whole blocks of ZHS_PROX_RESCORE, re-ranks each
** block on its own and keeps the first k (rerank_blocks): the first phase
** is exact, so every evaluator ends with the same hits.
*/
#include "query_int.h"
#include "articles.h"
#include "codec_simd.h"     /* zhs_simd_avx512: walk_block's kernel */

#include <math.h>
#if defined(__x86_64__) && !defined(ZHS_NO_SIMD) && (defined(__GNUC__) || defined(__clang__))
#define ZHS_WALK_AVX512 1
#include <immintrin.h>
#endif
#include <stdlib.h>

/* Bounds are stored as floats: pad them so rounding never prunes a passage
** that would have entered the top k. */
#define UB_PAD 1.0001

/* The required bigrams a word's bound is taken from (tie_words). */
#define TIE_MAX 4

typedef struct sterm {
    uint32_t idx;               /* position in the query's term order */
    zhs_cursor cur;
    double w;                   /* qtf * idf */
    double ub;                  /* upper bound of w * tf-part, padded */
    const zhs_term_info *ti;
    const zhs_segment *from;    /* the segment its list is read through (chars.c) */
    /* In a conjunction: the cursor of a required element of the same term,
    ** which stands on every candidate, so its tf is read there and this
    ** term's own list is never walked. */
    zhs_cursor *req;
    double wb;                  /* bound in the current window */
    /* The bound of the skip block that holds the last doc asked for
    ** (block_bound), kept until a doc past its last doc (block_upto) is
    ** asked for: windows and skip_gap ask in increasing order, and most
    ** blocks answer several asks (a window_at window ends where the first
    ** of the terms' blocks ends; union_window's span several blocks of
    ** the terms that do not lead). */
    double block_b;
    uint32_t block_upto;
    bool block_set;
    const char *key;            /* the term's key, len bytes */
    uint32_t len;
    /* An optional Han word of a conjunction whose bigrams are required
    ** terms: by[i] is one of them, ratio[i] = w / by[i]->w.  Where the
    ** word stands the analyzer puts each of its bigrams, so its tf never
    ** exceeds theirs, and its part is bounded by theirs times ratio. */
    struct sterm *by[TIE_MAX];
    double ratio[TIE_MAX];
    size_t nby;
    double raw;                 /* window_at: the bound of its own block */
    bool lead;                  /* run_maxscore: its blocks end the window (union_window) */
} sterm;

typedef struct celem {
    zhs_cursor cur;
    uint32_t qpos;
    uint64_t post_off;          /* identifies the term, with from */
    const zhs_segment *from;    /* the segment its list is read through (chars.c) */
} celem;

typedef struct cclause {
    celem *e;
    size_t n;
    int occur;
    zhs_cursor *word;           /* the word the elements spell, or NULL (word_decides) */
    /* The elements phrase_at brings into place first, before it starts
    ** the others' readers (choose_pair); pair_first false: all at once. */
    bool pair_first;
    size_t pair[2];
} cclause;

typedef struct scorer {
    const uint8_t *lens;        /* the passages' body lengths, 4 bytes each */
    zhs_bm25 bm;                /* K(len) at the query's k1/b */
    bool index_params;          /* stored float bounds are valid (times ub_scale) */
    double ub_scale;
} scorer;

typedef struct state {
    const zhs_segment *seg;     /* the segment being searched */
    uint32_t base;              /* its first passage's global number */
    const uint8_t *hidden;      /* the query's hidden passages (versions, filters) by global number, or NULL */
    scorer sc;
    sterm *t;
    size_t nt;
    cclause *must, *mustnot;
    size_t nmust, nmustnot;
    zhs_hit *heap;
    size_t k, nheap;
    uint64_t matches;
    zhs_pos_iter *it;           /* phrase_at's position readers */
    size_t itcap;
    int fault;                  /* ZHS_ECORRUPT or ZHS_ENOMEM once a walk had to stop */
    bool tied;                  /* tie_words held: every optional term has by[] */
    zhs_prox *prox;             /* the proximity bonus (proximity.c); outside the
                                ** state, which is zeroed per query */
} state;

/* The first doc >= d of c, searching the decoded block inline (the same
** as zhs_cursor_advance, without the call of zhs_cursor_advance_block
** while d lies in the block).
** Every evaluator moves its cursors through these two: most moves stay in
** the block, and the call itself (a prologue that saves the registers of
** the block decoder inlined in it) cost about as much as the move. */
static inline uint32_t seek(zhs_cursor *c, uint32_t d)
{
    if (c->doc >= d) return c->doc;         /* ZHS_NO_DOC included */
    if (d > c->docs[c->bn - 1]) return zhs_cursor_advance(c, d);
    uint32_t i = c->i;
    /* docs[i] < d <= docs[bn - 1]: most often the next doc is it (lists
    ** of like length); else eight at a time, then the range halved
    ** without branches on the data */
    if (c->docs[i + 1] >= d) {
        i++;
    } else {
        uint32_t last = c->bn - 1;
        while (i + 8 < c->bn && c->docs[i + 8] < d) i += 8;
        i += 4 * (i + 4 <= last && c->docs[i + 4 <= last ? i + 4 : last] < d);
        i += 2 * (i + 2 <= last && c->docs[i + 2 <= last ? i + 2 : last] < d);
        i += 1 * (i + 1 <= last && c->docs[i + 1 <= last ? i + 1 : last] < d);
        i += c->docs[i] < d;
    }
    c->i = i;
    return c->doc = c->docs[i];
}

/* The next doc of c (zhs_cursor_next), inline within the block. */
static inline uint32_t step(zhs_cursor *c)
{
    if (c->doc != ZHS_NO_DOC && c->i + 1 < c->bn) return c->doc = c->docs[++c->i];
    return zhs_cursor_next(c);
}

/* K(len) from the passage's length, by the expression every scorer uses
** (common/bm25.h), also at the index's own k1/b, where the native engine
** used to keep a table of it: the lengths are half its size (0.6 MB for
** the laws' 152k passages against 1.2 MB, beyond this machine's 1 MB L2),
** and scoring reads them at random, where the table's reads missed the
** cache more often than the multiply and add cost (term top k -3%, phrase
** and union -1%; the same bits). */
static inline double kfac_of(const scorer *s, uint32_t doc)
{
    return zhs_bm25_kfac(&s->bm, (double)zhs_get_u32(s->lens + (size_t)doc * 4));
}

/* Asks for the length of the passage a few postings on in c's block. */
static inline void prefetch_kfac(const scorer *s, const zhs_cursor *c)
{
    if (c->i + 4 < c->bn) __builtin_prefetch(s->lens + (size_t)c->docs[c->i + 4] * 4);
}

/* The tf part from its three inputs: run_maxscore takes K(len) once per
** candidate for all its terms, with the same operations (and bits). */
static inline double tf_part_k(double tf, double k1p, double kd)
{
    return tf * k1p / (tf + kd);
}

static inline double tf_part(const scorer *s, uint32_t tf, uint32_t doc)
{
    return tf_part_k((double)tf, s->bm.k1 + 1.0, kfac_of(s, doc));
}

/* Bound of the tf part from a max tf and a min length. */
static double tf_bound(const scorer *s, uint32_t max_tf, uint32_t min_len, bool saturated)
{
    if (saturated) return s->bm.k1 + 1.0;
    double K = zhs_bm25_kfac(&s->bm, (double)min_len);
    return (double)max_tf * (s->bm.k1 + 1.0) / ((double)max_tf + K);
}

/* Bound of t's weighted tf part over the passages of one skip block at
** another k1/b than the index's (from the block's max tf, min length). */
static double skip_bound(const state *st, const sterm *t, const zhs_skip *sk)
{
    double b = tf_bound(&st->sc, sk->max_tf, zhs_len_unq(sk->min_len_q), sk->max_tf == 0xFFFF);
    return t->w * b * UB_PAD;
}

/* The same at the index's own k1/b, from the block's stored bound. */
static inline double skip_bound_ub(const state *st, const sterm *t, float ub)
{
    double b = ub * st->sc.ub_scale;
    return t->w * b * UB_PAD;
}

/* ---------------------------------------------------------------- heap */

/* "a is worse than b": lower score, or equal score and later passage. */
static inline bool worse(const zhs_hit *a, const zhs_hit *b)
{
    return a->score < b->score || (a->score == b->score && a->doc > b->doc);
}

/* Puts x at the root of the heap h[0..n) (whose root is being replaced)
** and moves it down to its place. */
static inline void sift_down(zhs_hit *h, size_t n, zhs_hit x)
{
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        const zhs_hit *best = &x;
        if (l < n && worse(&h[l], best)) { m = l; best = &h[l]; }
        if (r < n && worse(&h[r], best)) m = r;
        if (m == i) break;
        h[i] = h[m];
        i = m;
    }
    h[i] = x;
}

/* doc is the segment's: hits carry global numbers. */
static void heap_push(state *st, uint32_t doc, double score)
{
    zhs_hit h = {st->base + doc, score};
    if (st->k == 0) return;
    if (st->nheap < st->k) {
        size_t i = st->nheap++;
        while (i > 0) {
            size_t p = (i - 1) / 2;
            if (!worse(&h, &st->heap[p])) break;
            st->heap[i] = st->heap[p];
            i = p;
        }
        st->heap[i] = h;
        return;
    }
    if (!worse(&st->heap[0], &h)) return;
    sift_down(st->heap, st->nheap, h);
}

static inline double threshold(const state *st)
{
    return st->nheap == st->k && st->k ? st->heap[0].score : -1.0;
}

/* A bound below theta by more than the rounding of any summation order
** of a query's parts (n terms: about n * 2^-53 of the sum), for tests of
** a sum taken in another order than the final score's. */
static inline double prune_cut(double theta)
{
    return theta - theta * 1e-9;
}

/* Sorts the heap best first, as cmp_hits orders (worse() is a total order
** on hits: passages differ): the worst, at the root, swapped to the end
** and the root sifted down, in turn.  The heap is one already, and this
** inline loop costs a third of qsort's calls to cmp_hits for 100 hits. */
static void heap_sort(state *st)
{
    zhs_hit *h = st->heap;
    for (size_t n = st->nheap; n > 1;) {
        zhs_hit x = h[--n];
        h[n] = h[0];
        sift_down(h, n, x);
    }
}

static int cmp_hits(const void *a, const void *b)
{
    const zhs_hit *x = a, *y = b;
    if (x->score != y->score) return x->score > y->score ? -1 : 1;
    return (x->doc > y->doc) - (x->doc < y->doc);
}

/* ---------------------------------------------------------------- clauses */

/* Stops the walk: a damaged block and an allocation failure both end it,
** and are reported as what they are.  The first fault is kept. */
static bool fault(state *st, int code)
{
    if (!st->fault) st->fault = code;
    return false;
}

/* A position reader for each element of c, in st->it (grown as needed). */
static zhs_pos_iter *pos_iters(state *st, size_t n)
{
    if (n > st->itcap) {
        zhs_pos_iter *it = realloc(st->it, n * sizeof *it);
        if (!it) return NULL;
        st->it = it;
        st->itcap = n;
    }
    return st->it;
}

/* Whether the last element, at the largest offset o from the first, has
** all its positions below o, where no start of the phrase can put it.
** Only a short list of positions is read (a long one would be read twice,
** here and by phrase_at); false means "not proven".  Every element's
** cursor is on the doc. */
static bool last_out_of_place(const cclause *c)
{
    enum { FEW = 4 };
    zhs_cursor *last = &c->e[c->n - 1].cur;
    uint32_t pos[FEW];
    if (c->e[c->n - 1].qpos <= c->e[0].qpos || !zhs_cursor_tf_bounded(last)) return false;
    uint32_t tf = zhs_cursor_tf(last);
    if (tf == 0 || tf > FEW || zhs_cursor_positions(last, pos, tf) != (int)tf) return false;
    return pos[tf - 1] < c->e[c->n - 1].qpos - c->e[0].qpos;
}

/* What the clause's word decides without the positions of every element:
** 1, the phrase matches; 0, it cannot; -1, the positions must decide.
** The word stands in the doc's text when the doc is in the word's list,
** and not only through the title or heading, whose terms the body field
** repeats at position 0 (terms.c), the word's bigrams with them.  So one
** of the word's bigrams whose first position is above 0 proves the word
** is in the text, its bigrams in a row there (parse.c, chain_word).  The
** bigrams are tried from the last: the first ones of a common word are
** often in titles too (人民 of 中华人民共和国 before 人民政府).  When the
** last one is at 0, the passage most often has the word in its title or
** heading only, each bigram at 0 once or twice and nowhere else: the last
** bigram out of place then proves no match (in the laws 47,645 passages
** have every bigram of 中华人民共和国, 6,442 the phrase).  Every
** element's cursor is on the doc. */
static int word_decides(cclause *c)
{
    uint32_t doc = c->e[0].cur.doc, first;
    if (zhs_cursor_advance(c->word, doc) != doc) return -1;
    for (size_t j = c->n; j-- > 0;) {
        if (zhs_cursor_first_position(&c->e[j].cur, &first) != 1) return -1;   /* phrase_at reports it */
        if (first > 0) return 1;
        if (j == c->n - 1 && last_out_of_place(c)) return 0;
    }
    return -1;
}

/* Readers a and b started: the first position p of a, from where it
** stands on, with b at p + d.  1 with *at = p, 0 when there is none, -1
** on damage. */
__attribute__((always_inline)) static inline int pair_from(zhs_pos_iter *a, zhs_pos_iter *b, uint64_t d, uint64_t *at)
{
    for (;;) {
        int rc = zhs_pos_seek(b, a->pos + d);
        if (rc <= 0) return rc;
        if (b->pos == a->pos + d) break;
        /* b stands past a's place for it: a moves to fit b */
        rc = zhs_pos_seek(a, b->pos - d);
        if (rc <= 0) return rc;
        if (b->pos == a->pos + d) break;
    }
    *at = a->pos;
    return 1;
}

/* All element cursors are on the doc: do the elements stand at their
** offsets from one start?  A leapfrog over the elements' positions, read
** one at a time: the start s is raised to fit the element that stands
** past s + its offset, and the elements are tried in turn until n of them
** in a row stand in place (a match) or one runs out (none: starts only
** grow).  Most candidates of a frequent phrase match at one of their
** first positions, so most positions are never decoded. */
static bool phrase_at(state *st, cclause *c)
{
    if (c->n == 1) return true;
    int known = c->word ? word_decides(c) : -1;
    if (known >= 0) return known == 1;
    zhs_pos_iter *it = pos_iters(st, c->n);
    if (!it) return fault(st, ZHS_ENOMEM);
    uint32_t q0 = c->e[0].qpos;
    for (size_t j = 1; j < c->n; j++)
        if (c->e[j].qpos < q0) q0 = c->e[j].qpos;
    /* s: the start, the position the element with the smallest qpos
    ** must have; element j stands at s + (qpos_j - q0) */
    int64_t s = 0;
    size_t pa = c->n, pb = c->n;
    if (c->n == 2 || c->pair_first) {
        /* two elements alone first: the whole check of a phrase of two,
        ** else the pair where two words meet (choose_pair); most
        ** candidates that fail, fail there, the other readers unstarted */
        pa = c->n == 2 ? 0 : c->pair[0];
        pb = c->n == 2 ? 1 : c->pair[1];
        if (c->e[pb].qpos < c->e[pa].qpos) {
            size_t t = pa;
            pa = pb;
            pb = t;
        }
        int ra = zhs_cursor_pos_start(&c->e[pa].cur, &it[pa]);
        int rb = ra > 0 ? zhs_cursor_pos_start(&c->e[pb].cur, &it[pb]) : ra;
        uint64_t at = 0;
        int rc = rb > 0 ? pair_from(&it[pa], &it[pb], c->e[pb].qpos - c->e[pa].qpos, &at) : rb;
        if (rc < 0) return fault(st, ZHS_ECORRUPT);
        if (rc == 0) return false;
        if (c->n == 2) return true;
        /* below 0 when the pair stands where the phrase would start
        ** before the passage: the first element's reader, started below,
        ** raises s to its first position */
        s = (int64_t)at - (int64_t)(c->e[pa].qpos - q0);
    }
    for (size_t j = 0; j < c->n; j++) {
        if (j == pa || j == pb) continue;
        int rc = zhs_cursor_pos_start(&c->e[j].cur, &it[j]);
        if (rc < 0) return fault(st, ZHS_ECORRUPT);
        if (rc == 0) return false;
        int64_t sj = (int64_t)it[j].pos - (int64_t)(c->e[j].qpos - q0);
        if (sj > s) s = sj;
    }
    size_t in_place = 0;
    for (size_t j = 0;; j = j + 1 == c->n ? 0 : j + 1) {
        uint64_t want = (uint64_t)s + (c->e[j].qpos - q0);
        int rc = zhs_pos_seek(&it[j], want);
        if (rc < 0) return fault(st, ZHS_ECORRUPT);
        if (rc == 0) return false;
        if (it[j].pos == want) {
            if (++in_place == c->n) return true;
        } else {
            s = (int64_t)it[j].pos - (int64_t)(c->e[j].qpos - q0);
            in_place = 1;
        }
    }
}

/* Does the clause match doc?  Advances its cursors (doc never decreases). */
static bool clause_matches(state *st, cclause *c, uint32_t doc)
{
    for (size_t j = 0; j < c->n; j++)
        if (seek(&c->e[j].cur, doc) != doc) return false;
    return phrase_at(st, c);
}

/* Excluded by a -clause, deleted from the segment, or hidden from this
** query (older versions, filters: filter.c). */
static bool hidden_or_deleted(const state *st, uint32_t doc)
{
    if (zhs_segment_deleted(st->seg, doc)) return true;
    uint32_t g = st->base + doc;
    return st->hidden && (st->hidden[g >> 3] >> (g & 7) & 1);
}

static bool excluded(state *st, uint32_t doc)
{
    if (hidden_or_deleted(st, doc)) return true;
    for (size_t i = 0; i < st->nmustnot; i++)
        if (clause_matches(st, &st->mustnot[i], doc)) return true;
    return false;
}

/* A window of passages [from, upto] and bounds of the scores in it: of all
** scoring terms, and of those without a required cursor.  The bounds of the
** skip blocks that cover `from` hold until the first of them ends. */
typedef struct window {
    uint32_t upto;
    bool valid;
    double all, opt, req;       /* all = opt + req, each summed on its own */
    unsigned gen;               /* counts the windows, for orders kept per window */
    bool opt_same;              /* the optional terms' bounds are those of window gen - 1 */
} window;

/* Term t's bound b in the window. */
static inline void window_add(window *w, sterm *t, double b)
{
    if (!t->req && b != t->wb) w->opt_same = false;
    t->wb = b;
    w->all += b;
    if (t->req) w->req += b;
    else w->opt += b;
}

/* Term t's bound over the skip block that holds `from` (from only grows),
** and in *upto the last passage it holds for: the block's last doc, or
** ZHS_NO_DOC for a single-block term (its bound holds everywhere) and past
** the last block (bound 0 from there on). */
static inline double block_bound(const state *st, sterm *t, uint32_t from, uint32_t *upto)
{
    if (!t->cur.skips) {
        *upto = ZHS_NO_DOC;
        return t->ub;
    }
    if (!t->block_set || from > t->block_upto) {
        t->block_b = 0;
        t->block_upto = ZHS_NO_DOC;
        if (st->sc.index_params) {
            /* the stored bound: the walk reads no other (format 8's
            ** columns made every other read cost) */
            uint32_t last;
            float ub;
            if (zhs_cursor_shallow_ub(&t->cur, from, &last, &ub)) {
                t->block_b = skip_bound_ub(st, t, ub);
                t->block_upto = last;
            }
        } else {
            zhs_skip sk;
            if (zhs_cursor_shallow(&t->cur, from, &sk)) {
                t->block_b = skip_bound(st, t, &sk);
                t->block_upto = sk.last_doc;
            }
        }
        t->block_set = true;
    }
    *upto = t->block_upto;
    return t->block_b;
}

static void window_at(state *st, window *w, uint32_t from)
{
    w->all = w->opt = w->req = 0;
    w->gen++;
    w->opt_same = w->gen > 1;
    w->upto = ZHS_NO_DOC;
    w->valid = true;
    for (size_t i = 0; i < st->nt; i++) {
        sterm *t = &st->t[i];
        uint32_t upto;
        double b = block_bound(st, t, from, &upto);
        if (upto < w->upto) w->upto = upto;
        t->raw = b;
        if (!t->nby) window_add(w, t, b);
    }
    if (!st->tied) return;
    for (size_t i = 0; i < st->nt; i++) {
        sterm *t = &st->t[i];
        if (!t->nby) continue;
        double b = t->raw;
        /* a tied word: the bigram's block covers the window too (it
        ** holds the window's start, and the window ends where the first
        ** block ends), and the word's tf is at most the bigram's there;
        ** the bigram's bound is padded, and so is this one */
        for (size_t j = 0; j < t->nby; j++)
            if (t->ratio[j] * t->by[j]->raw < b) b = t->ratio[j] * t->by[j]->raw;
        window_add(w, t, b);
    }
}

/* The window holding doc (docs only grow). */
static window *window_for(state *st, window *w, uint32_t doc)
{
    if (!w->valid || doc > w->upto) window_at(st, w, doc);
    return w;
}

/* What term t adds to doc (0 when doc lacks it); moves its cursor there. */
static inline double score_at(state *st, sterm *t, uint32_t doc)
{
    return seek(&t->cur, doc) == doc ? t->w * tf_part(&st->sc, zhs_cursor_tf(&t->cur), doc) : 0;
}

/* The optional terms of a conjunction, strongest in the window first, and
** rest[i], the sum of the window bounds of t[i..n) (rest[n] = 0). */
typedef struct optorder {
    sterm **t;
    double *rest;
    size_t n;
    unsigned gen;               /* the window it is for */
    /* t[0..ness) are essential at ess_theta: the others, the weakest,
    ** with the required terms cannot beat it (next_optional) */
    size_t ness;
    double ess_theta;
    /* the terms a required cursor scores, in term order (for the query) */
    sterm **req;
    size_t nreq;
    bool tied;                  /* every optional term has by[] (tie_words) */
} optorder;

static void order_optional(optorder *o, const state *st, const window *w)
{
    /* most windows end where a required list's block ends: the optional
    ** terms' order and sums stand, only the essential split may not */
    if (w->opt_same && o->gen + 1 == w->gen) {
        o->gen = w->gen;
        o->ess_theta = -1;
        return;
    }
    o->n = 0;
    for (size_t i = 0; i < st->nt; i++) {
        sterm *t = &st->t[i];
        if (t->req) continue;
        size_t j = o->n++;
        for (; j > 0 && o->t[j - 1]->wb < t->wb; j--) o->t[j] = o->t[j - 1];
        o->t[j] = t;
    }
    o->rest[o->n] = 0;
    for (size_t i = o->n; i-- > 0;) o->rest[i] = o->rest[i + 1] + o->t[i]->wb;
    o->gen = w->gen;
    o->ess_theta = -1;
}

/* The optional terms' contributions to doc, strongest first; false as
** soon as req, what they add so far and the rest's bounds cannot beat
** theta.  Out of line: the single-optional-term case (+word -word, whose
** word and bigram are one list) stays a tight loop. */
static __attribute__((noinline)) bool score_optional(state *st, uint32_t doc, double theta, const optorder *o,
                                                     double req, double *contrib)
{
    double acc = req;
    for (size_t i = 0; i < o->n; i++) {
        sterm *t = o->t[i];
        double c = score_at(st, t, doc);
        contrib[t->idx] = c;
        acc += c;
        /* with nothing left to bound, the sum in term order decides
        ** (acc adds up in another order: it may differ in the last bit) */
        if (o->rest[i + 1] > 0 && acc + o->rest[i + 1] <= theta) return false;
    }
    return true;
}

/* A bound of the optional terms' part of a candidate whose required
** terms' contributions are in contrib: a tied word's part from its
** bigrams' (the least of contrib[by] * ratio: its tf is at most each
** bigram's, the length factor is the passage's), padded so that the sum
** stays above the exact score in any summation order; the others' window
** bounds.  No list is read. */
static double tied_bound(const optorder *o, const double *contrib)
{
    double b = 0;
    for (size_t i = 0; i < o->n; i++) {
        const sterm *t = o->t[i];
        double x = t->wb;
        for (size_t j = 0; j < t->nby; j++) {
            double y = contrib[t->by[j]->idx] * t->ratio[j] * UB_PAD;
            if (y < x) x = y;
        }
        b += x;
    }
    return b;
}

/* The required terms' part of a candidate that has every required
** element, from the cursors standing on it, each into contrib. */
static inline double score_required(state *st, uint32_t doc, const optorder *o, double *contrib)
{
    double req = 0;
    for (size_t i = 0; i < o->nreq; i++) {
        sterm *t = o->req[i];
        contrib[t->idx] = t->w * tf_part(&st->sc, zhs_cursor_tf(t->req), doc);
        req += contrib[t->idx];
    }
    return req;
}

/* Whether a candidate whose required part is req may beat theta by the
** bounds alone: the optional terms' window bounds, then the tied words'
** bounds from their bigrams.  No list is read. */
static inline bool may_enter(const optorder *o, double req, const double *contrib, double theta)
{
    if (req + o->rest[0] <= theta) return false;
    return !o->tied || req + tied_bound(o, contrib) > theta;
}

/* Score of a candidate that has every required element and passed
** may_enter (or theta < 0), its required part req already in contrib: the
** optional terms, strongest in the window first, until the score so far
** and the window bounds of the rest cannot beat theta (MaxScore within the
** candidate: the weak terms' long lists are not read for a passage the
** strong ones already rule out).  Sums in term order, as the oracle does.
** False when the passage cannot enter the top k. */
__attribute__((always_inline)) static inline bool score_candidate(state *st, uint32_t doc, double theta, const optorder *o, double req, double *contrib,
                            double *out)
{
    if (theta >= 0 && o->n > 1) {
        if (!score_optional(st, doc, theta, o, req, contrib)) return false;
    } else {
        for (size_t i = 0; i < st->nt; i++) {
            sterm *t = &st->t[i];
            if (!t->req)
                contrib[i] = score_at(st, t, doc);
        }
    }
    double s = 0;
    for (size_t i = 0; i < st->nt; i++) s += contrib[i];
    *out = s;
    /* a later passage with an equal score would rank below the k-th */
    return theta < 0 || s > theta;
}

/* Sets the optional terms a passage of the window must have one of to
** beat theta: the others, the weakest, can be left out as long as they
** and the required terms together stay at or below theta (MaxScore's
** essential terms, among the optional ones).  o is in window order, the
** weakest last. */
static void mark_essential(optorder *o, const window *w, double theta)
{
    size_t m = o->n;
    while (m > 0 && w->req + o->rest[m - 1] <= theta) m--;
    o->ness = m;
    o->ess_theta = theta;
}

/* In a window where the required terms alone cannot reach the k-th score,
** a passage needs an essential optional term too: the first passage from
** doc on that has one, or the window's end when none has one inside it.
** (So `+common rare` walks the rare list once the top k is full, as
** Lucene's ReqOptSumScorer does.) */
static uint32_t next_optional(state *st, uint32_t doc, const window *w, optorder *o, double theta)
{
    if (o->gen != w->gen) order_optional(o, st, w);
    if (o->ess_theta != theta) mark_essential(o, w, theta);
    uint32_t m = ZHS_NO_DOC;
    for (size_t i = 0; i < o->ness; i++) {
        uint32_t x = seek(&o->t[i]->cur, doc);
        prefetch_kfac(&st->sc, &o->t[i]->cur);
        if (x < m) m = x;
    }
    if (m <= w->upto) return m;
    return w->upto == ZHS_NO_DOC ? ZHS_NO_DOC : w->upto + 1;
}

/* Whether the optional terms a passage of the window needs one of
** (next_optional) are together rarer than half the rarer required list:
** then they lead the leapfrog (+应当 +政府: the word 政府, 4,629 passages,
** against 36,156 of 政府 the bigram), not pair_window's merge of the
** required blocks. */
static __attribute__((noinline)) bool sparse_lead(const state *st, const window *w, optorder *o, double theta, uint32_t df)
{
    if (o->gen != w->gen) order_optional(o, st, w);
    if (o->ess_theta != theta) mark_essential(o, w, theta);
    uint64_t sum = 0;
    for (size_t i = 0; i < o->ness; i++) sum += o->t[i]->cur.df;
    return sum * 2 < df;
}

/* Points each scoring term that is also a required element at that
** element's cursor. */
static inline __attribute__((always_inline)) void link_required(state *st)
{
    for (size_t i = 0; i < st->nt; i++) {
        sterm *t = &st->t[i];
        t->req = NULL;
        for (size_t c = 0; c < st->nmust && !t->req; c++)
            for (size_t j = 0; j < st->must[c].n && !t->req; j++)
                if (st->must[c].e[j].post_off == t->ti->post_off && st->must[c].e[j].from == t->from)
                    t->req = &st->must[c].e[j].cur;
    }
}

/* Whether the bigram term key b (B + two Han characters) is the bigram
** of two adjacent characters of the Han word w. */
static bool bigram_of(const char *w, size_t wl, const char *b, size_t bl)
{
    uint32_t c1, c2;
    if (!zhs_article_bigram(b, bl, &c1, &c2) || !zhs_is_han(c1) || !zhs_is_han(c2)) return false;
    bool found = false;
    uint32_t prev = 0;
    for (size_t i = 0; i < wl;) {
        uint32_t cp;
        size_t l = zhs_utf8_decode(w + i, wl - i, &cp);
        if (!l || !zhs_is_han(cp)) return false;
        found |= i > 0 && prev == c1 && cp == c2;
        prev = cp;
        i += l;
    }
    return found;
}

/* Ties each optional Han word of a conjunction to the required terms that
** are its bigrams.  The analyzer emits a word's bigrams wherever it emits
** the word, in the same field (the fact parse.c's chain_word rests on),
** so in every passage the word's tf is at most each bigram's and its part
** of the score at most the bigram's times w / w_bigram: a bound from
** cursors that stand on the candidate anyway, and for a window from the
** bigram's block, far below the word's own block bound where the word is
** as common as its bigram (条例, 规定, 人民政府).  True when one is tied. */
static bool tie_words(state *st)
{
    bool all = true;
    for (size_t i = 0; i < st->nt; i++) {
        sterm *t = &st->t[i];
        t->nby = 0;
        if (t->req || t->key[0] == 'B') continue;
        for (size_t j = 0; j < st->nt && t->nby < TIE_MAX; j++) {
            sterm *u = &st->t[j];
            if (!u->req || u->w <= 0 || !bigram_of(t->key, t->len, u->key, u->len)) continue;
            t->by[t->nby] = u;
            t->ratio[t->nby++] = t->w / u->w;
        }
        all &= t->nby > 0;
    }
    if (!all)
        for (size_t i = 0; i < st->nt; i++) st->t[i].nby = 0;
    return all;
}

/* ---------------------------------------------------------------- evaluators */

/* Orders ord[0..n) by window bound, weakest first (insertion sort: a
** query has few terms), and sets prefix[i] to the sum of the i weakest. */
static void order_by_window(sterm **ord, double *prefix, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        sterm *t = ord[i];
        size_t j = i;
        for (; j > 0 && ord[j - 1]->wb > t->wb; j--) ord[j] = ord[j - 1];
        ord[j] = t;
    }
    prefix[0] = 0;
    for (size_t i = 0; i < n; i++) prefix[i + 1] = prefix[i] + ord[i]->wb;
}

/* The scoring terms from which run_maxscore's windows are union_window's:
** with fewer (a single word: the word and its bigrams) the looser bounds of
** the longer windows cost more candidates than the windows saved (term
** top 10 +4% CPU with every query on them, -3% with this rule). */
#define LEAD_MIN 4

/* run_maxscore's window from `from` on: it ends where the first of the
** lead terms' blocks ends (the terms essential in the last window, as
** Lucene's MaxScore does; every term at first), and each other term's
** bound is the largest of its blocks' up to there.  A window that ended
** at the first block end of any term was some 300 passages long for a
** union of 6-8 terms, and set up again (bounds, order, split) each time
** a weak dense list crossed a block boundary. */
static void union_window(state *st, window *w, uint32_t from)
{
    w->upto = ZHS_NO_DOC;
    w->valid = true;
    w->all = 0;
    bool any = false;
    for (size_t i = 0; i < st->nt; i++) any |= st->t[i].lead;
    for (size_t i = 0; i < st->nt; i++) {
        sterm *t = &st->t[i];
        uint32_t u;
        t->wb = block_bound(st, t, from, &u);
        if ((t->lead || !any) && u < w->upto) w->upto = u;
    }
    for (size_t i = 0; i < st->nt; i++) {
        sterm *t = &st->t[i];
        uint32_t u;
        block_bound(st, t, from, &u);
        while (u < w->upto) {
            double b = block_bound(st, t, u + 1, &u);
            if (b > t->wb) t->wb = b;
        }
        w->all += t->wb;
    }
}

/* Where a walk that found no essential term's passage in the window can
** go on: the essential terms ord[ness..) hold nothing in [from, d), so a
** passage there has non-essential terms only, ord[0..ness), and cannot beat
** theta where their block bounds add up to theta or less.  Those spans
** are passed over block by block of the non-essential terms alone (their
** blocks' ends, not every term's); the first passage from which they might
** beat theta is returned, else d.  Most windows of a union ended with no
** essential passage in them (a dense weak term's block ends every few
** hundred passages), and a whole window (every term's bound, the order,
** the split, the essential cursors' seeks) was set up for each. */
static uint32_t skip_gap(const state *st, sterm *const *ord, size_t ness, uint32_t from, uint32_t d, double theta)
{
    while (from < d) {
        double sum = 0;
        uint32_t upto = ZHS_NO_DOC;
        for (size_t i = 0; i < ness; i++) {
            uint32_t u;
            sum += block_bound(st, ord[i], from, &u);
            if (u < upto) upto = u;
        }
        if (sum > theta) return from;
        if (upto >= d - 1) break;
        from = upto + 1;
    }
    return d;
}

/* MaxScore over the scoring terms; no required clauses.  Once the top k
** is full the terms are split window by window (from LEAD_MIN terms on the
** span of the lead terms' current skip blocks, union_window; with fewer,
** up to the first end of any term's block, window_at) by their block bounds, not
** their global ones: the weakest, whose bounds together cannot beat the
** k-th score, are non-essential there and only looked up for a passage
** one of the others holds.  A frequent bigram whose blocks here hold low
** tfs or long passages drops out where a global split keeps walking it
** (Block-Max MaxScore). */
/* The evaluators stay out of line (here and run_conjunctive): which of
** them GCC inlined into zhs_native_search followed their sizes, and a
** union's and a single word's top k ran 3-5% slower (thread CPU, the same
** instructions) when a larger run_conjunctive made it inline this one. */
static __attribute__((noinline)) int run_maxscore(state *st, zhs_error *err)
{
    size_t n = st->nt;
    sterm **ord = malloc((n + 1) * sizeof *ord);
    double *prefix = malloc((n + 1) * sizeof *prefix);
    double *contrib = malloc((n + 1) * sizeof *contrib);
    if (!ord || !prefix || !contrib) {
        free(ord); free(prefix); free(contrib);
        return zhs_fail(err, ZHS_ENOMEM, "out of memory running the query");
    }
    for (size_t i = 0; i < n; i++) ord[i] = &st->t[i];
    size_t ess = 0;             /* ord[ess..n) are essential */
    double ess_theta = -1;      /* the theta ess is for */
    window win = {0};
    uint32_t next = 0;          /* every passage before it is done with */
    double theta = threshold(st);   /* changes only with a push */
    /* The candidate's tests compare with cut, a hair below theta: part
    ** adds up in another order than the final score, and once every term
    ** is in it (prefix[0] = 0: no padded bound left) it may fall a last
    ** bit below a score that beats theta.  Leaving out only the ties
    ** within 1e-9 of theta keeps the early exit (a test only while a
    ** padded bound is in the sum cost a single word's top 10 3-4%: its
    ** candidates then went through the exclusions and the heap). */
    double cut = prune_cut(theta);
    /* The least doc of the essential cursors, found while the last
    ** candidate was scored (each cursor that stood on it stepped on, the
    ** others lay past it): the seek of every essential cursor to `next`
    ** that would find it again is left out while the essential terms are
    ** the same (d_ok). */
    uint32_t d_next = ZHS_NO_DOC;
    bool d_ok = false;
    for (;;) {
        if (theta >= 0 && (!win.valid || next > win.upto)) {
            d_ok = false;
            if (next == ZHS_NO_DOC) break;
            if (n >= LEAD_MIN) {
                for (size_t i = 0; i < n; i++) ord[i]->lead = i >= ess;
                union_window(st, &win, next);
            } else {
                window_at(st, &win, next);
            }
            if (win.all <= theta) {
                /* no passage up to the end of these blocks can make it */
                if (win.upto == ZHS_NO_DOC) break;
                next = win.upto + 1;
                win.valid = false;
                continue;
            }
            order_by_window(ord, prefix, n);
            ess = 0;
            ess_theta = -1;
        }
        if (theta >= 0 && theta != ess_theta) {
            size_t was = ess;
            while (ess < n && prefix[ess + 1] <= theta) ess++;
            ess_theta = theta;
            if (ess != was) d_ok = false;
        }
        uint32_t d = d_next;
        if (!d_ok) {
            d = ZHS_NO_DOC;
            for (size_t i = ess; i < n; i++) {
                zhs_cursor *c = &ord[i]->cur;
                uint32_t x = seek(c, next);
                if (x < d) d = x;
            }
        }
        /* the passages before d hold non-essential terms only: none of
        ** them in this window can make it, but the next window may split
        ** the terms otherwise */
        if (theta >= 0 && d > win.upto) {
            if (win.upto == ZHS_NO_DOC) break;
            next = skip_gap(st, ord, ess, win.upto + 1, d, theta);
            win.valid = false;
            continue;
        }
        if (d == ZHS_NO_DOC) break;
        next = d + 1;
        double part = 0;
        /* Which terms contributed: a bitmask when the query is short,
        ** so nothing has to be cleared per candidate. */
        uint64_t mask = 0;
        if (n > 64) for (size_t i = 0; i < n; i++) contrib[i] = 0;
        /* K(len) of d once for all its terms (tf_part_k, as tf_part) */
        double kd = kfac_of(&st->sc, d), k1p = st->sc.bm.k1 + 1.0;
        d_next = ZHS_NO_DOC;
        for (size_t i = ess; i < n; i++) {
            sterm *t = ord[i];
            if (t->cur.doc == d) {
                double c = t->w * tf_part_k((double)zhs_cursor_tf(&t->cur), k1p, kd);
                contrib[t->idx] = c;
                mask |= (uint64_t)1 << (t->idx & 63);
                part += c;
                step(&t->cur);
                prefetch_kfac(&st->sc, &t->cur);
            }
            if (t->cur.doc < d_next) d_next = t->cur.doc;
        }
        d_ok = true;
        if (ess > 0 && part + prefix[ess] <= cut) continue;
        bool pruned = false;
        /* the non-essential terms, strongest first: stop as soon as the
        ** passage cannot make it */
        for (size_t i = ess; i-- > 0;) {
            sterm *t = ord[i];
            if (seek(&t->cur, d) == d) {
                double c = t->w * tf_part_k((double)zhs_cursor_tf(&t->cur), k1p, kd);
                contrib[t->idx] = c;
                mask |= (uint64_t)1 << (t->idx & 63);
                part += c;
            }
            if (theta >= 0 && part + prefix[i] <= cut) { pruned = true; break; }
        }
        if (pruned || excluded(st, d)) continue;
        /* the final score adds up in query term order, as the exhaustive
        ** oracle does, so both agree to the last bit */
        double s = 0;
        if (n > 64) {
            for (size_t i = 0; i < n; i++) s += contrib[i];
        } else {
            for (uint64_t m = mask; m; m &= m - 1) s += contrib[__builtin_ctzll(m)];
        }
        st->matches++;
        heap_push(st, d, s);
        theta = threshold(st);
        cut = prune_cut(theta);
    }
    free(ord);
    free(prefix);
    free(contrib);
    return ZHS_OK;
}

/* What the leapfrog knows of a candidate's score, filled in only as far
** as a decision needs it (may_beat). */
typedef struct lfbound {
    celem **e;                  /* the elements in leapfrog order */
    sterm **et;                 /* the scoring term element j's cursor scores, or NULL */
    double *rest;               /* rest[j]: the window bounds of et[j..ne) */
    size_t ne;
    const window *w;
    unsigned gen;               /* the window rest is for */
    const optorder *o;
    bool via_opt;               /* the candidate is the first doc of o's essential terms */
    size_t done;                /* the terms of elements [0, done) are in exact */
    double exact;
    double opt;                 /* bound of the optional terms; < 0 until needed */
} lfbound;

/* Can the candidate d, whose elements [0, j) the leapfrog has found on
** it, still beat theta?  Asked before element j's cursor decodes a block
** to reach d: the terms of the elements found score exactly, the rest by
** their window bounds, the optional terms by theirs, or exactly when an
** essential one brought the walk to d (next_optional).  "Yes" when no
** padded bound is left in the sum, so that the last-bit difference of
** another summation order never drops a passage (as score_optional). */
static bool may_beat(state *st, lfbound *b, uint32_t d, size_t j, double theta)
{
    const window *w = b->w;
    if (b->gen != w->gen) {
        b->rest[b->ne] = 0;
        for (size_t k = b->ne; k-- > 0;) b->rest[k] = b->rest[k + 1] + (b->et[k] ? b->et[k]->wb : 0);
        b->gen = w->gen;
    }
    for (; b->done < j; b->done++) {
        const sterm *t = b->et[b->done];
        if (t) b->exact += t->w * tf_part(&st->sc, zhs_cursor_tf(&b->e[b->done]->cur), d);
    }
    if (b->opt < 0) {
        const optorder *o = b->o;
        if (b->via_opt) {
            b->opt = o->rest[o->ness];
            for (size_t i = 0; i < o->ness; i++)
                if (o->t[i]->cur.doc == d) b->opt += o->t[i]->w * tf_part(&st->sc, zhs_cursor_tf(&o->t[i]->cur), d);
        } else {
            b->opt = w->opt;
        }
    }
    /* only the bounds are padded: the essential optional terms' exact
    ** part of opt is not, and does not count as padding */
    double padded = b->rest[j] + (b->via_opt ? b->o->rest[b->o->ness] : w->opt);
    return !(padded > 0) || b->exact + b->rest[j] + b->opt > theta;
}

/* A candidate of pair_window whose required part req is in contrib, its
** cursors on it: the same tests as run_conjunctive's, in its order
** (bounds, the optional terms, the phrase's positions where it has one —
** before the optional terms when they are its own words — the
** exclusions).  True when it entered the top k. */
static bool offer(state *st, uint32_t d, double theta, const optorder *o, double req, double *contrib,
                  cclause *phrase, bool late)
{
    double score = 0;
    if (!may_enter(o, req, contrib, theta) || (!late && !score_candidate(st, d, theta, o, req, contrib, &score)) ||
        (phrase && !phrase_at(st, phrase)) || (late && !score_candidate(st, d, theta, o, req, contrib, &score)) ||
        excluded(st, d))
        return false;
    st->matches++;
    heap_push(st, d, score);
    return true;
}

/* The first index from i on of the block docs[0..n) whose doc is past
** upto (n if none): most windows end at the block's end, the others
** somewhere inside it, found by halving. */
static inline uint32_t block_end(const uint32_t *docs, uint32_t i, uint32_t n, uint32_t upto)
{
    if (docs[n - 1] <= upto) return n;
    uint32_t hi = n - 1;                /* docs[hi] > upto; docs[i - 1] <= upto */
    while (i < hi) {
        uint32_t m = i + (hi - i) / 2;
        if (docs[m] <= upto) i = m + 1;
        else hi = m;
    }
    return hi;
}

/* t's part of the docs docs[at[k]], k < n, into part[k] (0 without t):
** one loop without branches, whose passages' lengths are read and whose
** divisions run many at a time. */
static void parts(const state *st, const sterm *t, const zhs_cursor *c, const uint32_t *docs, const uint32_t *at,
                  size_t n, double *part)
{
    for (size_t k = 0; k < n; k++)
        part[k] = t ? t->w * tf_part(&st->sc, c->tfs[at[k]], docs[at[k]]) : 0;
}

/* A conjunction of two required elements, two plain terms or the two of
** a phrase (whose positions are checked on the candidates the bounds let
** through, as run_conjunctive checks them), top k full: the window
** [d, w->upto] one block pair at a time, ca the rarer list.  The leapfrog
** spends a turn (threshold, window, bounds before a decode) per posting,
** and tests each candidate as it finds it: the passage's length read, the
** divisions and the test in one chain that the next candidate waits for
** behind the test's branch.  Here the window's docs of ca are scored at
** once, and only those whose part with every other term's window bound
** can beat the k-th score are looked for in cb (whose block is not even
** decoded when none is left); the common ones are scored with cb's part,
** then tested one by one against the current k-th score, and offered.
** The window lies within each cursor's current block (it ends where the
** first block of a scoring term ends); a block that ends before it anyway
** (a list without skips) ends the walk, and the leapfrog goes on.  Every
** common doc of the window is either ruled out by a bound or passes the
** same exact tests as in the leapfrog, its parts added as score_required
** adds them: the same hits.  Returns the next doc to look at, or d
** itself where it declines: the optional words a passage of the window
** needs are much rarer than the lists (sparse_lead), and lead the
** leapfrog. */
static __attribute__((noinline)) uint32_t pair_window(state *st, window *w, celem *lead, celem *other,
                                                      sterm *const *et, optorder *o, double *contrib, uint32_t d,
                                                      double theta0, bool own_words, cclause *phrase)
{
    if (w->req <= theta0 && !own_words && sparse_lead(st, w, o, theta0, lead->cur.df)) return d;
    zhs_cursor *ca = &lead->cur, *cb = &other->cur;
    if (o->gen != w->gen) order_optional(o, st, w);
    uint32_t upto = w->upto;
    if (seek(ca, d) > upto) return ca->doc;
    uint32_t i = ca->i, na = ca->bn;
    const uint32_t *a = ca->docs;
    uint32_t ea = block_end(a, i, na, upto);
    /* the walk goes on past ca's docs of the window, the cursor on the last */
    uint32_t next = ea < na ? a[ea] : a[na - 1] + 1;
    ca->i = ea - 1;
    ca->doc = a[ea - 1];
    const sterm *ta = et[0], *tb = et[1];     /* each element's scoring term (run_conjunctive's et) */
    if (!ca->tfs_ready) zhs_cursor_decode_tfs(ca);
    uint32_t at[ZHS_BLOCK], bt[ZHS_BLOCK];
    double pa[ZHS_BLOCK], pb[ZHS_BLOCK];
    size_t n = ea - i;
    for (size_t k = 0; k < n; k++) at[k] = i + (uint32_t)k;
    parts(st, ta, ca, a, at, n, pa);
    /* a doc whose part with a bound of the others' cannot beat theta is
    ** left out: the others' window bounds, but a word tied to ta's bigram
    ** (tie_words) the least of its own and its ratio to ta's part, padded
    ** as tied_bound pads it.  Without padding in the sum (only ta scores)
    ** the bound is the score. */
    double fixed = 0, tie_r[TIE_MAX], tie_b[TIE_MAX];
    size_t ntie = 0;
    for (size_t r = 0; r < o->nreq; r++)
        if (o->req[r] != ta) fixed += o->req[r]->wb;
    for (size_t q = 0; q < o->n; q++) {
        const sterm *t = o->t[q];
        double ratio = 0;
        for (size_t y = 0; y < t->nby; y++)
            if (t->by[y] == ta) ratio = t->ratio[y];
        if (ratio > 0 && ntie < TIE_MAX) {
            tie_r[ntie] = ratio;
            tie_b[ntie++] = t->wb;
        } else {
            fixed += t->wb;
        }
    }
    double theta = threshold(st);
    size_t kept = 0;
    for (size_t k = 0; k < n; k++) {
        double bound = pa[k] + fixed;
        for (size_t y = 0; y < ntie; y++) {
            double x = pa[k] * tie_r[y] * UB_PAD;
            bound += x < tie_b[y] ? x : tie_b[y];
        }
        at[kept] = at[k];
        pa[kept] = pa[k];
        kept += bound > theta;
    }
    n = kept;
    if (n == 0 || seek(cb, a[at[0]]) > upto) return next > cb->doc ? next : cb->doc;
    /* each doc left looks for its match in cb's block, four docs at a
    ** time then one (the lists are often of unlike length: 条例 and 根据,
    ** 96k and 16k passages) */
    uint32_t j = cb->i, nb = cb->bn, eb = block_end(cb->docs, j, nb, upto);
    const uint32_t *b = cb->docs;
    size_t m = 0;
    for (size_t k = 0; k < n; k++) {
        uint32_t x = a[at[k]];
        while (j + 4 < eb && b[j + 4] < x) j += 4;
        while (j < eb && b[j] < x) j++;
        if (j == eb) break;
        at[m] = at[k];
        pa[m] = pa[k];
        bt[m] = j;
        m += b[j] == x;
    }
    cb->i = j < nb ? j : nb - 1;
    cb->doc = b[cb->i];
    if (m == 0) return next;
    if (!cb->tfs_ready) zhs_cursor_decode_tfs(cb);
    parts(st, tb, cb, b, bt, m, pb);
    /* the required part in o->req's order, as score_required sums it */
    bool a_first = o->nreq && o->req[0] == ta;
    /* the phrase's positions before the optional words' lists where the
    ** words stand nearly wherever their bigrams do (own_words: their
    ** bounds rule out little); else the words first, which rule most
    ** candidates out ("直接 责任": 13,376 positions read against 1,364
    ** that entered the top k) */
    bool late = phrase && own_words;
    for (size_t k = 0; k < m; k++) {
        double req = a_first ? 0 + pa[k] + pb[k] : 0 + pb[k] + pa[k];
        if (req + o->rest[0] <= theta) continue;
        if (ta) contrib[ta->idx] = pa[k];
        if (tb) contrib[tb->idx] = pb[k];
        ca->i = at[k];
        cb->i = bt[k];
        ca->doc = cb->doc = a[at[k]];
        if (offer(st, a[at[k]], theta, o, req, contrib, phrase, late)) {
            theta = threshold(st);
            if (w->all <= theta) break;
        }
    }
    ca->i = ea - 1;
    ca->doc = a[ea - 1];
    cb->i = j < nb ? j : nb - 1;
    cb->doc = b[cb->i];
    return next;
}

static int cmp_celem_df(const void *a, const void *b)
{
    const celem *x = *(celem *const *)a, *y = *(celem *const *)b;
    return (x->cur.df > y->cur.df) - (x->cur.df < y->cur.df);
}

/* A conjunction of one required term and optional terms whose lists are
** together at least LED_RATIO times longer than the required one: the
** required list drives the search (the label of a cited article, A4 in
** "公司 履行职责 第四条"'s exact query: 3,287 passages of the laws under
** optional lists of 1,189 to 36,726).  run_conjunctive's windows end
** where any term's block ends, and its next_optional walks the optional
** lists for the passages where the required part (a label's: 0) cannot
** reach the k-th score alone: with lists this much longer than the lead
** that is a new window, an order and a union walk for nearly every
** candidate.  Here each candidate costs the optional terms' stored block
** bounds (cached while a block lasts), then their lists, strongest bound
** first, only while the bounds of those not read yet can still lift the
** candidate above the k-th score. */
#define LED_RATIO 4

/* Whether run_led runs the query: one required clause of one element, a
** scoring term (a passage the lead stands on has a scoring term, as the
** exhaustive evaluator requires of a match), and the other scoring
** terms' lists together LED_RATIO times as long.  Links the required term. */
static bool led_pays(state *st)
{
    if (st->nmust != 1 || st->must[0].n != 1) return false;
    link_required(st);
    uint64_t lead_df = st->must[0].e[0].cur.df;
    size_t nreq = 0, nopt = 0;
    uint64_t opt_df = 0;
    for (size_t i = 0; i < st->nt; i++) {
        const sterm *t = &st->t[i];
        if (t->req) {
            nreq++;
        } else {
            nopt++;
            opt_df += t->cur.df;
        }
    }
    return nreq == 1 && nopt > 0 && opt_df >= lead_df * LED_RATIO;
}

static __attribute__((noinline)) int run_led(state *st, zhs_error *err)
{
    zhs_cursor *lead = &st->must[0].e[0].cur;
    sterm **opt = malloc((st->nt + 1) * sizeof *opt);
    double *bnd = malloc((st->nt + 1) * sizeof *bnd);
    double *contrib = malloc((st->nt + 1) * sizeof *contrib);
    if (!opt || !bnd || !contrib) {
        free(opt); free(bnd); free(contrib);
        return zhs_fail(err, ZHS_ENOMEM, "out of memory running the query");
    }
    /* the optional terms by their bound over the list, strongest first:
    ** they are read in that order and the weak ones' lists are the ones
    ** a candidate's bounds spare */
    sterm *rt = NULL;
    size_t n = 0;
    for (size_t i = 0; i < st->nt; i++) {
        sterm *t = &st->t[i];
        if (t->req) {
            rt = t;
            continue;
        }
        size_t j = n++;
        for (; j > 0 && opt[j - 1]->ub < t->ub; j--) opt[j] = opt[j - 1];
        opt[j] = t;
    }
    /* bnd[j]: the bounds of opt[j..n) at d, summed from the weakest; they
    ** hold up to bupto, where the first of the blocks they come from ends */
    bnd[n] = 0;
    uint32_t bupto = 0;
    bool bset = false;
    double k1p = st->sc.bm.k1 + 1.0;
    /* MaxScore's split at theta: opt[0..ness) are the essential terms, the
    ** others and the required term together cannot beat it; where the
    ** essential lists are together under half the lead's (+公司 校内 应当:
    ** 校内 29 passages), they lead instead: the next candidate is the
    ** next passage of theirs the lead holds */
    size_t ness = n;
    double ess_theta = -1;
    bool leap = false;
    for (uint32_t d = lead->doc; d != ZHS_NO_DOC; d = step(lead), prefetch_kfac(&st->sc, lead)) {
        double theta = threshold(st);
        if (theta >= 0 && theta != ess_theta) {
            double rest = rt->ub;
            ness = n;
            while (ness > 0 && rest + opt[ness - 1]->ub <= theta) rest += opt[--ness]->ub;
            if (ness == 0) break;       /* nothing left can beat theta */
            uint64_t ess_df = 0;
            for (size_t j = 0; j < ness; j++) ess_df += opt[j]->cur.df;
            leap = ess_df * 2 < lead->df;
            ess_theta = theta;
        }
        while (leap) {
            uint32_t m = ZHS_NO_DOC;
            for (size_t j = 0; j < ness; j++) {
                uint32_t x = seek(&opt[j]->cur, d);
                if (x < m) m = x;
            }
            if (m == d) break;
            d = m == ZHS_NO_DOC ? ZHS_NO_DOC : seek(lead, m);
            if (d == m || d == ZHS_NO_DOC) break;
        }
        if (d == ZHS_NO_DOC) break;
        if (hidden_or_deleted(st, d)) continue;
        /* K(len) once for every term of the candidate (tf_part's
        ** operations), read once the bounds let the candidate through; a
        ** weight of 0 (a label) adds exactly 0: its tfs stay undecoded */
        double kd = 0, req = 0;
        if (rt->w != 0) {
            kd = kfac_of(&st->sc, d);
            req = rt->w * tf_part_k((double)zhs_cursor_tf(lead), k1p, kd);
        }
        if (theta >= 0) {
            if (!bset || d > bupto) {
                double rest = 0;
                bupto = ZHS_NO_DOC;
                for (size_t j = n; j-- > 0;) {
                    uint32_t upto;
                    rest += block_bound(st, opt[j], d, &upto);
                    bnd[j] = rest;
                    if (upto < bupto) bupto = upto;
                }
                bset = true;
            }
            if (req + bnd[0] <= theta) continue;
        }
        if (rt->w == 0) kd = kfac_of(&st->sc, d);
        double acc = req;
        bool ok = true;
        for (size_t j = 0; j < n && ok; j++) {
            sterm *t = opt[j];
            double c = seek(&t->cur, d) == d ? t->w * tf_part_k((double)zhs_cursor_tf(&t->cur), k1p, kd) : 0;
            contrib[t->idx] = c;
            acc += c;
            /* with nothing left to bound, the sum in term order decides
            ** (acc adds up in another order: it may differ in the last bit) */
            ok = theta < 0 || bnd[j + 1] <= 0 || acc + bnd[j + 1] > theta;
        }
        if (!ok) continue;
        contrib[rt->idx] = req;
        double s = 0;
        for (size_t i = 0; i < st->nt; i++) s += contrib[i];
        /* a later passage with an equal score would rank below the k-th */
        if ((theta >= 0 && s <= theta) || excluded(st, d)) continue;
        st->matches++;
        heap_push(st, d, s);
    }
    free(opt);
    free(bnd);
    free(contrib);
    return ZHS_OK;
}

/* Required clauses: leapfrog over all their elements.  For top k, a
** candidate is scored (cheap) before its phrases are checked (positions:
** dear), and runs of passages whose block bounds cannot reach the k-th
** score are skipped whole, as in BlockMax-WAND. */
static __attribute__((noinline)) int run_conjunctive(state *st, bool count_only, zhs_error *err)
{
    size_t ne = 0;
    for (size_t i = 0; i < st->nmust; i++) ne += st->must[i].n;
    celem **e = malloc((ne + 1) * sizeof *e);
    if (!e) return zhs_fail(err, ZHS_ENOMEM, "out of memory running the query");
    ne = 0;
    for (size_t i = 0; i < st->nmust; i++)
        for (size_t j = 0; j < st->must[i].n; j++) e[ne++] = &st->must[i].e[j];
    qsort(e, ne, sizeof *e, cmp_celem_df);
    double *contrib = malloc((st->nt + 1) * sizeof *contrib);
    sterm **et = malloc((ne + 1) * sizeof *et);
    double *lf_rest = malloc((ne + 1) * sizeof *lf_rest);
    optorder oo = {malloc((st->nt + 1) * sizeof *oo.t), malloc((st->nt + 1) * sizeof *oo.rest), 0, 0, 0, -1,
                   malloc((st->nt + 1) * sizeof *oo.req), 0, false};
    if (!contrib || !oo.t || !oo.rest || !oo.req || !et || !lf_rest) {
        free(e); free(contrib); free(oo.t); free(oo.rest); free(oo.req); free(et); free(lf_rest);
        return zhs_fail(err, ZHS_ENOMEM, "out of memory running the query");
    }
    link_required(st);
    oo.tied = st->tied = !count_only && tie_words(st);
    for (size_t i = 0; i < st->nt; i++)
        if (st->t[i].req) oo.req[oo.nreq++] = &st->t[i];
    for (size_t j = 0; j < ne; j++) {
        et[j] = NULL;
        for (size_t i = 0; i < st->nt && !et[j]; i++)
            if (st->t[i].req == &e[j]->cur) et[j] = &st->t[i];
    }
    double all_ub = 0;
    for (size_t i = 0; i < st->nt; i++) all_ub += st->t[i].ub;
    /* Where the optional terms are the words of the required clauses
    ** (tied) and a word stands nearly wherever its bigram does (df at
    ** least 95% of its rarest bigram's: 规定 58,303 of 61,313), a window
    ** that needs one of them is still walked by the leapfrog's lead, not
    ** by the words' lists (next_optional): their union is then no sparser
    ** than the bigrams it stands for, and more lists in every turn cost
    ** more than the candidates they spare.  In a phrase one such word
    ** decides (条例 规定 -10%, 按照 下列 -12%; the 100 phrases' top 100
    ** -3%); where every word is rarer than its bigram (有关 部门, 交通 行政:
    ** the segmenter makes 有关部门 and 交通 words of their own) the words
    ** still lead.  Between single words every one must be such a word
    ** (+应当 -从事: negation's top 100 -9%): in +应当 +政府 the rare word
    ** 政府 (人民政府 is a word) is by far the better lead.  Both ways are
    ** exact: the lead's candidates pass the same bounds. */
    bool phrase = false, some_dense = false, all_dense = true;
    for (size_t i = 0; i < st->nmust; i++) phrase |= st->must[i].n > 1;
    for (size_t i = 0; i < st->nt && oo.tied; i++) {
        const sterm *t = &st->t[i];
        if (t->req) continue;
        uint32_t m = UINT32_MAX;
        for (size_t j = 0; j < t->nby; j++)
            if (t->by[j]->cur.df < m) m = t->by[j]->cur.df;
        bool dense = t->nby && (uint64_t)t->cur.df * 20 >= (uint64_t)m * 19;
        some_dense |= dense;
        all_dense &= dense;
    }
    bool own_words = oo.tied && (phrase ? some_dense : all_dense);
    /* pair_window: two required elements (two plain terms, or the two of
    ** one phrase), each a scoring term's cursor:
    ** the window ends where a scoring term's block ends, so a required
    ** list that scores nothing (a title: clause, an article-number term,
    ** a citation's title phrase) may end its block inside the window,
    ** and pair_window would pass over the candidates beyond it */
    bool pair = ne == 2 && (!phrase || st->nmust == 1) && !count_only && oo.nreq <= 2 && et[0] && et[1];
    /* a phrase of two elements: pair_window checks its positions on the
    ** candidates its bounds let through */
    cclause *pair_phrase = pair && phrase ? &st->must[0] : NULL;
    window win = {0};
    lfbound lf = {e, et, lf_rest, ne, &win, 0, &oo, false, 0, 0, -1};
    uint32_t d = e[0]->cur.doc;
    while (d != ZHS_NO_DOC) {
        double theta = count_only ? -1.0 : threshold(st);
        lf.via_opt = false;
        if (theta >= 0) {
            if (all_ub <= theta) break;
            window *w = window_for(st, &win, d);
            uint32_t to = d;
            if (w->all <= theta) to = w->upto == ZHS_NO_DOC ? ZHS_NO_DOC : w->upto + 1;
            else if (pair && (to = pair_window(st, w, e[0], e[1], et, &oo, contrib, d, theta, own_words, pair_phrase)) != d) {
            }
            else if (w->req <= theta && !own_words) {
                to = next_optional(st, d, w, &oo, theta);
                lf.via_opt = true;
            }
            if (to != d) {
                d = to == ZHS_NO_DOC ? ZHS_NO_DOC : seek(&e[0]->cur, to);
                continue;
            }
        }
        bool agree = true;
        lf.done = 0;
        lf.exact = 0;
        lf.opt = -1;
        for (size_t j = 0; j < ne; j++) {
            zhs_cursor *c = &e[j]->cur;
            /* before a block is decoded for d: can d still beat theta? */
            if (theta >= 0 && c->doc < d && d > c->docs[c->bn - 1] && !may_beat(st, &lf, d, j, theta)) {
                d++;
                agree = false;
                break;
            }
            uint32_t x = seek(c, d);
            if (x != d) {
                d = x;
                agree = false;
                break;
            }
        }
        if (!agree) continue;
        double score = 0;
        if (theta >= 0 && oo.gen != win.gen) order_optional(&oo, st, &win);
        /* the bounds first (cheap: the cursors stand on d); then, where
        ** the optional terms are the phrase's own words, whose bounds
        ** from their bigrams leave them little to rule out, the positions
        ** before their lists; until the top k is full (theta < 0) no
        ** score rules a candidate out, so positions first too */
        double req = 0;
        bool ok = true, late = !count_only && (theta < 0 || oo.tied);
        if (!count_only && theta >= 0) {
            req = score_required(st, d, &oo, contrib);
            ok = may_enter(&oo, req, contrib, theta);
            if (ok && !late) ok = score_candidate(st, d, theta, &oo, req, contrib, &score);
        }
        for (size_t i = 0; i < st->nmust && ok; i++) ok = phrase_at(st, &st->must[i]);
        if (ok && late) {
            if (theta < 0) req = score_required(st, d, &oo, contrib);
            ok = score_candidate(st, d, theta, &oo, req, contrib, &score);
        }
        if (ok && !excluded(st, d)) {
            st->matches++;
            if (!count_only) heap_push(st, d, score);
        }
        d = step(&e[0]->cur);
        if (!count_only) prefetch_kfac(&st->sc, &e[0]->cur);
    }
    free(oo.t);
    free(oo.rest);
    free(oo.req);
    free(contrib);
    free(et);
    free(lf_rest);
    free(e);
    return ZHS_OK;
}

/* Counts the union of the scoring terms that passes the filters. */
static int run_count_union(state *st)
{
    for (;;) {
        uint32_t d = ZHS_NO_DOC;
        for (size_t i = 0; i < st->nt; i++)
            if (st->t[i].cur.doc < d) d = st->t[i].cur.doc;
        if (d == ZHS_NO_DOC) break;
        for (size_t i = 0; i < st->nt; i++)
            if (st->t[i].cur.doc == d) step(&st->t[i].cur);
        if (!excluded(st, d)) st->matches++;
    }
    return ZHS_OK;
}

/* ------------------------------------------------------------ counting
** COUNT needs no scores, so these walk the decoded blocks (docs[] of the
** cursor) in tight loops instead of stepping cursors posting by posting. */

/* Whether a passage can be left out by anything but the query's terms. */
static bool may_exclude(const state *st)
{
    return st->seg->deleted || st->hidden || st->nmustnot;
}

/* Calls the per-block body on each decoded block of c from its current
** position on, then leaves c exhausted. */
#define FOR_EACH_BLOCK(c, from, body)                                         \
    while ((c)->doc != ZHS_NO_DOC) {                                          \
        uint32_t from = (c)->i;                                               \
        body;                                                                 \
        zhs_cursor_advance((c), (c)->docs[(c)->bn - 1] + 1);                  \
    }

/* Counts the passages of a bitset of the segment that pass the filters. */
static uint64_t count_bits(state *st, const uint64_t *bits, size_t words)
{
    uint64_t n = 0;
    if (!may_exclude(st)) {
        for (size_t w = 0; w < words; w++) n += (uint64_t)__builtin_popcountll(bits[w]);
        return n;
    }
    for (size_t w = 0; w < words; w++)
        for (uint64_t m = bits[w]; m; m &= m - 1)
            n += !excluded(st, (uint32_t)(w * 64 + (unsigned)__builtin_ctzll(m)));
    return n;
}

/* The union of the scoring terms as a bitset of the segment's passages:
** every list decoded block by block, one bit set per posting, then a
** population count.  Used when the lists hold more postings than the
** bitset has words, where it beats merging the cursors. */
static bool count_union_bitset(state *st, zhs_error *err)
{
    uint64_t total = 0;
    for (size_t i = 0; i < st->nt; i++) total += st->t[i].cur.df;
    size_t words = ((size_t)st->seg->ndocs + 63) / 64;
    if (total < words) return false;
    uint64_t *bits = calloc(words + 1, sizeof *bits);
    if (!bits) {
        zhs_fail(err, ZHS_ENOMEM, "out of memory counting the query's matches (a bitset of %zu words)", words);
        return true;
    }
    for (size_t i = 0; i < st->nt; i++) {
        zhs_cursor *c = &st->t[i].cur;
        FOR_EACH_BLOCK(c, from, {
            for (uint32_t j = from; j < c->bn; j++) bits[c->docs[j] >> 6] |= (uint64_t)1 << (c->docs[j] & 63);
        })
    }
    st->matches += count_bits(st, bits, words);
    free(bits);
    return true;
}

static int cmp_cursor_df(const void *a, const void *b)
{
    const zhs_cursor *x = *(zhs_cursor *const *)a, *y = *(zhs_cursor *const *)b;
    return (x->df > y->df) - (x->df < y->df);
}

/* The first set bit of bits[0..words) at or after bit `from`, or
** ZHS_NO_DOC. */
static uint32_t next_bit(const uint64_t *bits, size_t words, uint32_t from)
{
    size_t w = from >> 6;
    if (w >= words) return ZHS_NO_DOC;
    uint64_t m = bits[w] & (~(uint64_t)0 << (from & 63));
    while (!m) {
        if (++w == words) return ZHS_NO_DOC;
        m = bits[w];
    }
    return (uint32_t)(w * 64 + (unsigned)__builtin_ctzll(m));
}

/* The walk of a list against a bitset of candidates, shared by the
** filters below: a list not much longer than the candidates (df / 16 at
** most) is read block by block, each block's candidates gathered without
** a branch on the data (a bit tested per posting, sequential, where a
** seek per candidate scanned the block and mispredicted its end), and
** from the end of each block the cursor jumps to the next candidate: the
** blocks between (candidates come in runs, the passages of a few laws)
** are never decoded.  The bitset is set by walk_begin (or, for a lone
** phrase's count, by count_and from its rarest element's blocks: preset,
** or block by block by walk_windows) and cleared whole by walk_end: a filter overwrites its candidate array as it walks. */
static bool walk_pays(const zhs_cursor *c, size_t n)
{
    return c->df / 16 <= n;
}

static void set_bits(const uint32_t *cand, size_t n, uint64_t *bits)
{
    for (size_t j = 0; j < n; j++) bits[cand[j] >> 6] |= (uint64_t)1 << (cand[j] & 63);
}

/* preset: the caller set the bits of cand[0..n) already, and only cand[0]
** is in the array (count_and, a lone phrase). */
static void walk_begin(const uint32_t *cand, size_t n, zhs_cursor *c, uint64_t *bits, bool preset)
{
    if (!preset) set_bits(cand, n, bits);
    if (n) seek(c, cand[0]);
}

/* Room walk_block needs in at: a block's indices, and the vector kernel
** stores sixteen slots whole at the count so far. */
#define WALK_AT (ZHS_BLOCK + 16)

#ifdef ZHS_WALK_AVX512
/* walk_block sixteen docs a step: their bitset words gathered (32-bit
** words: bit d of the little-endian bitset is bit d & 31 of word d >> 5),
** the bits tested into a mask and the indices compressed in a register,
** then stored whole (a compressing store to memory is microcoded on AMD's
** cores).  The scalar loop took about 6.5 instructions a doc, 11% of a
** phrase count's. */
__attribute__((target("avx512f,avx512vl"))) static uint32_t walk_block_avx512(const zhs_cursor *c,
                                                                             const uint64_t *bits, uint32_t *at,
                                                                             uint32_t last)
{
    uint32_t nat = 0, bn = c->bn;
    const __m512i one = _mm512_set1_epi32(1), low5 = _mm512_set1_epi32(31);
    __m512i idx = _mm512_add_epi32(_mm512_set1_epi32((int)c->i),
                                   _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15));
    for (uint32_t j = c->i; j < bn && c->docs[j] <= last; j += 16) {
        __mmask16 live = bn - j >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (bn - j)) - 1);
        __m512i d = _mm512_maskz_loadu_epi32(live, c->docs + j);
        __m512i w = _mm512_mask_i32gather_epi32(_mm512_setzero_si512(), live, _mm512_srli_epi32(d, 5), bits, 4);
        __m512i b = _mm512_srlv_epi32(w, _mm512_and_si512(d, low5));
        __mmask16 hit = _mm512_mask_test_epi32_mask(live, b, one);
        _mm512_storeu_si512(at + nat, _mm512_maskz_compress_epi32(hit, idx));
        nat += (uint32_t)__builtin_popcount(hit);
        idx = _mm512_add_epi32(idx, _mm512_set1_epi32(16));
    }
    return nat;
}
#endif

/* The indices in c's decoded block, from its current doc on, of the docs
** whose bit is set, into at (WALK_AT slots); returns their number.  The
** docs past `last` need not be read (their bits are not set: a window of
** walk_windows), and the walk may stop before them. */
static inline uint32_t walk_block(const zhs_cursor *c, const uint64_t *bits, uint32_t *at, uint32_t last)
{
#ifdef ZHS_WALK_AVX512
    if (zhs_simd_avx512()) return walk_block_avx512(c, bits, at, last);
#endif
    uint32_t nat = 0;
    for (uint32_t j = c->i; j < c->bn && c->docs[j] <= last; j++) {
        uint32_t d = c->docs[j];
        at[nat] = j;
        nat += bits[d >> 6] >> (d & 63) & 1;
    }
    return nat;
}

/* Moves c from its block's end to the next candidate's block; false when
** no candidate is left (c then stays where it is). */
static bool walk_next(zhs_cursor *c, const uint64_t *bits, size_t words)
{
    uint32_t next = next_bit(bits, words, c->docs[c->bn - 1] + 1);
    return next != ZHS_NO_DOC && zhs_cursor_advance(c, next) != ZHS_NO_DOC;
}

static void walk_end(uint64_t *bits, size_t words)
{
    memset(bits, 0, words * sizeof *bits);
}

/* Keeps the candidates that list c holds: the walk above when it pays,
** else each candidate sought. */
static size_t filter_candidates(uint32_t *cand, size_t n, zhs_cursor *c, uint64_t *bits, size_t words)
{
    size_t kept = 0;
    if (walk_pays(c, n)) {
        uint32_t at[WALK_AT];
        walk_begin(cand, n, c, bits, false);
        while (c->doc != ZHS_NO_DOC) {
            uint32_t nat = walk_block(c, bits, at, ZHS_NO_DOC);
            for (uint32_t h = 0; h < nat; h++) cand[kept++] = c->docs[at[h]];
            if (!walk_next(c, bits, words)) break;
        }
        walk_end(bits, words);
        return kept;
    }
    for (size_t j = 0; j < n; j++) {
        uint32_t x = seek(c, cand[j]);
        if (x == ZHS_NO_DOC) break;
        cand[kept] = cand[j];
        kept += x == cand[j];
    }
    return kept;
}

/* Puts back a cursor saved before a filtering pass, keeping what that
** pass found: a damaged block must still fail the search. */
static void restore_cursor(zhs_cursor *c, const zhs_cursor *saved)
{
    bool corrupt = c->corrupt;
    *c = *saved;
    c->corrupt |= corrupt;
}

/* The phrase clauses among clause[0..n) that do not stand at doc, whose
** elements' cursors (restored after a filtering pass) are brought to doc. */
static bool phrases_at(state *st, cclause *clause, size_t n, uint32_t doc)
{
    for (size_t i = 0; i < n; i++) {
        if (clause[i].n == 1) continue;
        for (size_t e = 0; e < clause[i].n; e++)
            if (seek(&clause[i].e[e].cur, doc) != doc) return false;
        if (!phrase_at(st, &clause[i])) return false;
    }
    return true;
}

/* Removes from cand[0..n) the passages that the -clause x matches: the
** candidates filtered through its elements' lists, positions read for the
** survivors when it is a phrase.  Returns the new n; on failure sets err. */
static size_t drop_matches(state *st, cclause *x, uint32_t *cand, size_t n, uint64_t *bits, size_t words,
                           zhs_error *err)
{
    uint32_t *hit = malloc((n + 1) * sizeof *hit);
    zhs_cursor *saved = malloc(x->n * sizeof *saved);
    if (!hit || !saved) {
        free(hit);
        free(saved);
        zhs_fail(err, ZHS_ENOMEM, "out of memory counting the query's matches");
        return n;
    }
    for (size_t e = 0; e < x->n; e++) saved[e] = x->e[e].cur;
    memcpy(hit, cand, n * sizeof *hit);
    size_t k = n;
    for (size_t e = 0; e < x->n && k; e++) k = filter_candidates(hit, k, &x->e[e].cur, bits, words);
    if (x->n > 1) {
        for (size_t e = 0; e < x->n; e++) restore_cursor(&x->e[e].cur, &saved[e]);
        size_t m = 0;
        for (size_t j = 0; j < k; j++) {
            hit[m] = hit[j];
            m += phrases_at(st, x, 1, hit[j]);
        }
        k = m;
    }
    /* cand minus hit: both ascending, hit a subset of cand; without
    ** branches on the data, which mispredict half the time */
    size_t out = 0;
    hit[k] = ZHS_NO_DOC;
    for (size_t j = 0, h = 0; j < n; j++) {
        uint32_t d = cand[j];
        size_t in = hit[h] == d;
        cand[out] = d;
        out += 1 - in;
        h += in;
    }
    free(hit);
    free(saved);
    return out;
}

/* Does phrase c stand at d, where the cursor of its element `dense`
** stands?  The other elements sought to d, then phrase_at. */
static inline bool elements_at(state *st, cclause *c, size_t dense, uint32_t d)
{
    bool ok = true;
    for (size_t e = 0; e < c->n && ok; e++) ok = e == dense || seek(&c->e[e].cur, d) == d;
    return ok && phrase_at(st, c);
}

/* The same for a phrase of two elements without a word: the other
** sought, the two readers walked against each other inline (pair_from),
** without phrase_at's call and set-up per candidate (the heavy
** two-element counts, 按照 规定, 条例 规定, 有关 部门: 3-6% less CPU). */
static inline bool two_at(state *st, cclause *c, size_t dense, uint32_t d)
{
    if (seek(&c->e[1 - dense].cur, d) != d) return false;
    size_t a = c->e[1].qpos < c->e[0].qpos;     /* the element at the smaller offset */
    zhs_pos_iter ia, ib;
    int ra = zhs_cursor_pos_start(&c->e[a].cur, &ia);
    int rb = ra > 0 ? zhs_cursor_pos_start(&c->e[1 - a].cur, &ib) : ra;
    uint64_t at;
    int rc = rb > 0 ? pair_from(&ia, &ib, c->e[1 - a].qpos - c->e[a].qpos, &at) : rb;
    return rc < 0 ? fault(st, ZHS_ECORRUPT) : rc > 0;
}

/* The rank of d in a bitset: the set bits before it, from pre[w], the
** bits set in the words before d's.  Inlined only into windows_ranked,
** which has the popcnt instruction (else a libgcc call per hit). */
__attribute__((always_inline)) static inline uint32_t bit_rank(const uint64_t *bits, const uint32_t *pre, uint32_t d)
{
    return pre[d >> 6] + (uint32_t)__builtin_popcountll(bits[d >> 6] & (((uint64_t)1 << (d & 63)) - 1));
}

/* Puts c on d, the r-th doc of its list (counted from 0): where the
** decoded block holds index r, without the search a seek makes in the
** block (whose branches on the data mispredict); else (the next block,
** or a damaged list whose docs are not the bitset's) the seek. */
static inline void place_ranked(zhs_cursor *c, uint32_t d, uint32_t r)
{
    uint32_t i = r - c->block * ZHS_BLOCK;      /* wraps past bn when r is before the block */
    if (c->doc != ZHS_NO_DOC && i < c->bn && c->docs[i] == d) {
        c->i = i;
        c->doc = d;
    } else {
        seek(c, d);
    }
}

/* phrase_filter's walk of the dense element's list against the bitset
** of candidates, `at` (one of the two above, a constant where this is
** inlined: each has a loop of its own) deciding each candidate it holds. */
__attribute__((always_inline)) static inline size_t walk_phrase(state *st, cclause *c, size_t dense, uint32_t *cand,
                                                                size_t n, uint64_t *bits, size_t words, bool preset,
                                                                bool (*at_doc)(state *, cclause *, size_t, uint32_t))
{
    size_t kept = 0;
    zhs_cursor *w = &c->e[dense].cur;
    uint32_t at[WALK_AT];
    walk_begin(cand, n, w, bits, preset);
    while (w->doc != ZHS_NO_DOC) {
        uint32_t nat = walk_block(w, bits, at, ZHS_NO_DOC);
        for (uint32_t h = 0; h < nat; h++) {
            uint32_t d = w->docs[at[h]];
            w->i = at[h];
            w->doc = d;
            if (at_doc(st, c, dense, d)) cand[kept++] = d;
        }
        if (!walk_next(w, bits, words)) break;
    }
    walk_end(bits, words);
    return kept;
}

/* Keeps the candidates cand[0..n) where phrase c matches; its elements'
** cursors stand before the first.  When its densest element's list is
** not much longer than the candidates, that list is walked against a
** bitset of them (the walk above), its cursor set on each candidate it
** holds, and only the other elements are sought.  Otherwise each element
** is sought to each candidate. */
static size_t phrase_dense(const cclause *c)
{
    size_t dense = 0;
    for (size_t e = 1; e < c->n; e++)
        if (c->e[e].cur.df > c->e[dense].cur.df) dense = e;
    return dense;
}

/* A lone phrase's walk where its rarest element r (not the dense one)
** gives the candidates: r's list is read a block at a time, the block's
** docs set in the bitset, and the dense element's list walked against
** them up to the block's last doc (walk_phrase's walk, in windows).  r
** then stands on the block of every candidate, each list decoded once:
** the bitset set from r's whole list first had r's blocks decoded again
** by the seeks to the candidates (a third of a two-element count's
** block decoding).  r is put on each candidate by its rank (pre: the set
** bits before each word, made as the windows pass) or, without pre, by
** a seek within its block. */
__attribute__((always_inline)) static inline size_t walk_windows(state *st, cclause *c, size_t dense, zhs_cursor *r,
                                                                 uint32_t *cand, uint64_t *bits, size_t words,
                                                                 uint32_t *pre,
                                                                 bool (*at_doc)(state *, cclause *, size_t, uint32_t))
{
    size_t kept = 0, next_word = 0;
    uint32_t sum = 0, at[WALK_AT];
    zhs_cursor *w = &c->e[dense].cur;
    while (r->doc != ZHS_NO_DOC) {
        uint32_t first = r->docs[r->i], last = r->docs[r->bn - 1];
        size_t wl = last >> 6;
        set_bits(r->docs + r->i, r->bn - r->i, bits);
        if (pre) {
            /* a word the next block may share is counted once that
            ** block's bits are in: pre[wl] alone now */
            for (; next_word < wl; next_word++) {
                pre[next_word] = sum;
                sum += (uint32_t)__builtin_popcountll(bits[next_word]);
            }
            pre[wl] = sum;
        }
        if (seek(w, first) == ZHS_NO_DOC) break;
        for (;;) {
            uint32_t nat = walk_block(w, bits, at, last);
            for (uint32_t h = 0; h < nat; h++) {
                uint32_t d = w->docs[at[h]];
                w->i = at[h];
                w->doc = d;
                if (pre) place_ranked(r, d, bit_rank(bits, pre, d));
                else seek(r, d);
                if (at_doc(st, c, dense, d)) cand[kept++] = d;
            }
            /* the rest of a block that reaches past the window waits for
            ** the next one (seek above); bits past `last` are not set */
            uint32_t end = w->docs[w->bn - 1];
            if (end >= last) break;
            uint32_t next = next_bit(bits, wl + 1, end + 1);
            if (next == ZHS_NO_DOC || zhs_cursor_advance(w, next) == ZHS_NO_DOC) break;
        }
        if (w->doc == ZHS_NO_DOC || zhs_cursor_advance(r, last + 1) == ZHS_NO_DOC) break;
    }
    walk_end(bits, words);
    return kept;
}

#ifdef ZHS_WALK_AVX512
/* walk_windows with the rank table, compiled for popcnt (the AVX2 level
** is chosen only where the CPU has it, codec_avx2.c), which the build's
** baseline lacks: a libgcc call per hit. */
__attribute__((target("popcnt"))) static size_t windows_ranked(state *st, cclause *c, size_t dense, zhs_cursor *r,
                                                              uint32_t *cand, uint64_t *bits, size_t words,
                                                              uint32_t *pre)
{
    if (c->n == 2 && !c->word) return walk_windows(st, c, dense, r, cand, bits, words, pre, two_at);
    return walk_windows(st, c, dense, r, cand, bits, words, pre, elements_at);
}
#endif

/* preset: as walk_begin's (count_and sets it only where the walk pays);
** win: the rarest element of a lone phrase, which walk_windows reads
** (the bitset empty), or NULL. */
static size_t phrase_filter(state *st, cclause *c, uint32_t *cand, size_t n, uint64_t *bits, size_t words, bool preset,
                            zhs_cursor *win)
{
    size_t kept = 0, dense = phrase_dense(c);
    zhs_cursor *w = &c->e[dense].cur;
    if (win) {
#ifdef ZHS_WALK_AVX512
        /* the rank table, a word each, where it costs less than the
        ** seeks it saves, a candidate each */
        uint32_t *pre;
        if (win->df >= words / 4 && zhs_simd_avx2() && (pre = malloc(words * sizeof *pre)) != NULL) {
            kept = windows_ranked(st, c, dense, win, cand, bits, words, pre);
            free(pre);
            return kept;
        }
#endif
        if (c->n == 2 && !c->word) return walk_windows(st, c, dense, win, cand, bits, words, NULL, two_at);
        return walk_windows(st, c, dense, win, cand, bits, words, NULL, elements_at);
    }
    /* preset walks whatever n is: a damaged list may have given fewer
    ** docs than its df said, and cand holds no more than the first */
    if (!preset && !walk_pays(w, n)) {
        for (size_t j = 0; j < n; j++) {
            cand[kept] = cand[j];
            kept += phrases_at(st, c, 1, cand[j]);
        }
        return kept;
    }
    if (c->n == 2 && !c->word) return walk_phrase(st, c, dense, cand, n, bits, words, preset, two_at);
    return walk_phrase(st, c, dense, cand, n, bits, words, preset, elements_at);
}

/* Required clauses: the rarest element's list decoded whole into a
** candidate array, which each other element's list, rarest first, filters
** in place; a phrase filters by its rarest element alone.  Phrases then
** need positions: their cursors, saved before the filtering, are brought
** to each surviving candidate in turn (phrase_filter).  -clauses remove
** their matches from the survivors the same way. */
static bool count_and(state *st, zhs_error *err)
{
    size_t ne = 0, nphr = 0;
    for (size_t i = 0; i < st->nmust; i++) {
        ne += st->must[i].n;
        if (st->must[i].n > 1) nphr += st->must[i].n;
    }
    zhs_cursor **c = malloc((ne + 1) * sizeof *c);
    zhs_cursor *saved = malloc((nphr + 1) * sizeof *saved);
    size_t words = (size_t)st->seg->ndocs / 64 + 1;
    uint64_t *bits = calloc(words, sizeof *bits);
    uint32_t *cand = NULL;
    if (c && saved && bits) {
        ne = nphr = 0;
        for (size_t i = 0; i < st->nmust; i++) {
            /* a phrase filters by its rarest element: the others are
            ** brought to each candidate anyway to read their positions
            ** (phrases_at), which finds the passages they lack */
            zhs_cursor *rare = NULL;
            for (size_t j = 0; j < st->must[i].n; j++) {
                zhs_cursor *e = &st->must[i].e[j].cur;
                if (st->must[i].n == 1) c[ne++] = e;
                else if (!rare || e->df < rare->df) rare = e;
                if (st->must[i].n > 1) saved[nphr++] = *e;
            }
            if (rare) c[ne++] = rare;
        }
        qsort(c, ne, sizeof *c, cmp_cursor_df);
        cand = malloc(((size_t)c[0]->df + 1) * sizeof *cand);
    }
    if (!c || !saved || !bits || !cand) {
        free(c); free(saved); free(bits); free(cand);
        zhs_fail(err, ZHS_ENOMEM, "out of memory counting the query's matches");
        return true;
    }
    size_t n = 0;
    /* A lone phrase whose dense element's walk pays (the bench's phrase
    ** counts): its rarest element's docs go straight into the walk's
    ** bitset, not through the candidate array first (a copy of the whole
    ** list, 1.7% of the phrase counts' CPU time), and a block at a time
    ** as the walk goes (walk_windows) unless that element is the dense
    ** one (equal dfs): then here, cand[0] alone kept, where the walk
    ** starts. */
    const zhs_cursor *dense = ne == 1 && st->nmust == 1 && st->must[0].n > 1
                                  ? &st->must[0].e[phrase_dense(&st->must[0])].cur
                                  : NULL;
    bool preset = dense && walk_pays(dense, c[0]->df);
    zhs_cursor *win = preset && c[0] != dense ? c[0] : NULL;
    /* a block at a time: the test of n against df in the loop, per doc,
    ** kept it from being a copy (2% of the phrase counts' instructions) */
    if (win) n = win->doc != ZHS_NO_DOC;
    else FOR_EACH_BLOCK(c[0], from, {
        size_t m = c[0]->bn - from;
        if (m > c[0]->df - n) m = c[0]->df - n;
        if (!preset) memcpy(cand + n, c[0]->docs + from, m * sizeof *cand);
        else if (m) {
            if (!n) cand[0] = c[0]->docs[from];
            set_bits(c[0]->docs + from, m, bits);
        }
        n += m;
    })
    for (size_t k = 1; k < ne && n; k++) n = filter_candidates(cand, n, c[k], bits, words);
    nphr = 0;
    for (size_t i = 0; i < st->nmust; i++)
        for (size_t j = 0; st->must[i].n > 1 && j < st->must[i].n; j++)
            restore_cursor(&st->must[i].e[j].cur, &saved[nphr++]);
    for (size_t i = 0; i < st->nmust && n; i++)
        if (st->must[i].n > 1) n = phrase_filter(st, &st->must[i], cand, n, bits, words, preset, win);
    for (size_t i = 0; i < st->nmustnot && n && !zhs_err_code(err); i++)
        n = drop_matches(st, &st->mustnot[i], cand, n, bits, words, err);
    if (st->seg->deleted || st->hidden) {
        for (size_t j = 0; j < n; j++) st->matches += !hidden_or_deleted(st, cand[j]);
    } else {
        st->matches += n;
    }
    free(cand);
    free(bits);
    free(saved);
    free(c);
    return true;
}

/* Passages of a that also match clause c (a term, or a phrase): leapfrog
** from the rarest of a and c's elements, the positions read only where
** all of them agree (the word's shortcuts included, phrase_at).  An
** excluded phrase is most often much rarer than the term it is taken
** from (+应当 -第二十八条: 79,763 passages less a few thousand), so this
** walks the few. */
static uint64_t count_with_clause(state *st, zhs_cursor *a, cclause *c)
{
    zhs_cursor *lead = a;
    for (size_t j = 0; j < c->n; j++)
        if (c->e[j].cur.df < lead->df) lead = &c->e[j].cur;
    uint64_t n = 0;
    for (uint32_t d = lead->doc; d != ZHS_NO_DOC;) {
        uint32_t x = zhs_cursor_advance(a, d);
        for (size_t j = 0; j < c->n && x == d; j++) x = zhs_cursor_advance(&c->e[j].cur, d);
        if (x != d) {
            d = x == ZHS_NO_DOC ? ZHS_NO_DOC : zhs_cursor_advance(lead, x);
            continue;
        }
        if (phrase_at(st, c)) n++;
        d = zhs_cursor_next(lead);
    }
    return n;
}

/* Counts that need no walk over every match: one term is its document
** frequency, and one term without another (a term or a phrase) is df(a)
** - |a and b|.  Only without deletions, where df counts live passages.
** False when the query has another shape. */
static bool count_shortcut(state *st)
{
    if (st->seg->deleted || st->hidden || st->nmustnot > 1) return false;
    zhs_cursor *base;
    if (st->nmust == 1 && st->must[0].n == 1) base = &st->must[0].e[0].cur;
    else if (st->nmust == 0 && st->nt == 1) base = &st->t[0].cur;
    else return false;
    if (st->nmustnot == 0) {
        st->matches += base->df;
        return true;
    }
    cclause *no = &st->mustnot[0];
    st->matches += base->df - count_with_clause(st, base, no);
    return true;
}

/* Term-at-a-time over every posting: slow, simple, the oracle. */
static int run_exhaustive(state *st, uint32_t ndocs, zhs_error *err)
{
    double *acc = calloc((size_t)ndocs + 1, sizeof *acc);
    uint8_t *seen = calloc((size_t)ndocs + 1, 1);
    if (!acc || !seen) {
        free(acc);
        free(seen);
        return zhs_fail(err, ZHS_ENOMEM, "out of memory running the query exhaustively");
    }
    for (size_t i = 0; i < st->nt; i++) {
        sterm *t = &st->t[i];
        for (uint32_t d = t->cur.doc; d != ZHS_NO_DOC; d = zhs_cursor_next(&t->cur)) {
            acc[d] += t->w * tf_part(&st->sc, zhs_cursor_tf(&t->cur), d);
            seen[d] = 1;
        }
    }
    for (uint32_t d = 0; d < ndocs; d++) {
        if (!seen[d]) continue;
        bool ok = true;
        for (size_t i = 0; i < st->nmust && ok; i++) ok = clause_matches(st, &st->must[i], d);
        if (!ok || excluded(st, d)) continue;
        st->matches++;
        heap_push(st, d, acc[d]);
    }
    free(acc);
    free(seen);
    return ZHS_OK;
}

/* ---------------------------------------------------------------- setup */

/* The term info of query term i in segment s, when it is there. */
typedef struct tinfo {
    zhs_term_info ti;
    const zhs_segment *from;    /* the segment its list is read through (chars.c) */
    bool found;
} tinfo;

/* Looks key up in seg, or takes what the query's terms found for the same
** key (inf, looked up for the weights): a required word is most often a
** scoring term too, and a dictionary look-up was 6% of a cheap
** conjunction's instructions.  As zhs_segment_lookup. */
static int lookup_elem(const zhs_native_seg *ns, zhs_arena *a, const zhs_query *q, const tinfo *inf,
                       zhs_term_info *ti, const zhs_segment **from, const char *key, size_t len, zhs_error *err)
{
    ptrdiff_t i = zhs_query_term_find(q, key, len);
    if (i >= 0) {
        if (!inf[i].found) return 0;
        *ti = inf[i].ti;
        *from = inf[i].from;
        return 1;
    }
    return zhs_native_term(ns, a, key, len, ti, from, NULL, err);
}

/* The pair of elements phrase_at checks first: two elements adjacent in
** the phrase across a word boundary (offsets more than one apart: a space
** in the phrase adds no bigram), the rarest such pair.  The bigrams of one
** word stand together wherever the word stands, so a candidate that has
** every element most often fails where two words meet (人民政府 应当:
** 22,922 passages with all four bigrams, 10,177 with the phrase, 政府 and
** 应当 decide); the other elements' readers start only for a candidate
** whose pair stands in place.  A phrase of one word, or of two elements,
** has no such pair: all readers start at once, as before. */
static void choose_pair(cclause *c)
{
    c->pair_first = false;
    if (c->n < 3) return;
    uint64_t best = UINT64_MAX;
    for (size_t i = 0; i < c->n; i++) {
        /* i's successor in the phrase: the element at the next offset */
        size_t nx = c->n;
        for (size_t j = 0; j < c->n; j++)
            if (c->e[j].qpos > c->e[i].qpos && (nx == c->n || c->e[j].qpos < c->e[nx].qpos)) nx = j;
        if (nx == c->n || c->e[nx].qpos - c->e[i].qpos < 2) continue;
        uint64_t df = (uint64_t)c->e[i].cur.df + c->e[nx].cur.df;
        if (df < best) {
            best = df;
            c->pair[0] = i;
            c->pair[1] = nx;
            c->pair_first = true;
        }
    }
}

/* Looks every element up; returns false when one is absent (the clause
** can never match). */
static int setup_clause(cclause *c, const zhs_qclause *qc, zhs_arena *a, const zhs_native_seg *ns,
                        const zhs_query *q, const tinfo *inf, bool words, bool arts, bool *possible, zhs_error *err)
{
    /* article numbers from their terms where the segment has them: one
    ** short list instead of a chain of frequent bigrams (parse.c,
    ** article_elems); the word then decides nothing the term does not */
    bool alt = arts && qc->alt;
    const zhs_qelem *el = alt ? qc->alt : qc->elems;
    c->occur = qc->occur;
    c->n = alt ? qc->nalt : qc->nelems;
    c->word = NULL;
    c->e = zhs_arena_alloc(a, c->n * sizeof *c->e);
    if (!c->e) return zhs_fail(err, ZHS_ENOMEM, "out of memory running the query");
    *possible = true;
    for (size_t j = 0; j < c->n; j++) {
        zhs_term_info ti;
        const zhs_segment *from;
        int rc = lookup_elem(ns, a, q, inf, &ti, &from, el[j].key, el[j].len, err);
        if (rc < 0) return rc;
        if (rc == 0) {
            *possible = false;
            return ZHS_OK;
        }
        zhs_cursor_init(&c->e[j].cur, from, &ti);
        c->e[j].qpos = el[j].qpos;
        c->e[j].post_off = ti.post_off;
        c->e[j].from = from;
    }
    choose_pair(c);
    /* the word's list, when the segment has the word (an index built
    ** without words has not) */
    if (words && qc->word && !alt) {
        zhs_term_info ti;
        const zhs_segment *from;
        int rc = lookup_elem(ns, a, q, inf, &ti, &from, qc->word->key, qc->word->len, err);
        if (rc < 0) return rc;
        if (rc == 1 && (c->word = zhs_arena_alloc(a, sizeof *c->word)) == NULL)
            return zhs_fail(err, ZHS_ENOMEM, "out of memory running the query");
        if (rc == 1) zhs_cursor_init(c->word, from, &ti);
    }
    return ZHS_OK;
}

/* A walk that stopped on a damaged block of the clause's lists fails
** the search. */
static void clause_fault(state *st, const cclause *c)
{
    for (size_t j = 0; j < c->n; j++)
        if (c->e[j].cur.corrupt) fault(st, ZHS_ECORRUPT);
    if (c->word && c->word->corrupt) fault(st, ZHS_ECORRUPT);
}

/* Searches one segment into the shared heap (its threshold carries over
** from the segments before, so later ones prune from the start). */
static int search_segment(state *st, const zhs_native_seg *ns, const zhs_index *ix, const zhs_query *q,
                          const zhs_search_options *o, const tinfo *inf, const double *w, zhs_arena *arena,
                          zhs_error *err)
{
    const zhs_segment *seg = &ns->seg;
    st->seg = seg;
    st->base = ns->base;
    st->nt = st->nmust = st->nmustnot = 0;
    st->tied = false;
    /* The stored float bounds hold at the index's k1/b, scaled for the
    ** collection's average length (zhs_native_seg); at other parameters
    ** bounds come from each block's largest tf and shortest passage. */
    st->sc.index_params = o->k1 == ix->m.k1 && o->b == ix->m.b;
    st->sc.ub_scale = ns->bound_scale;
    st->sc.lens = seg->len.body;
    for (size_t i = 0; i < q->nterms; i++) {
        if (!inf[i].found || w[i] < 0) continue;
        sterm *t = &st->t[st->nt];
        t->idx = (uint32_t)st->nt++;
        t->ti = &inf[i].ti;
        t->req = NULL;
        t->block_set = false;
        t->wb = 0;
        t->key = q->terms[i].key;
        t->len = q->terms[i].len;
        t->nby = 0;
        t->from = inf[i].from;
        zhs_cursor_init(&t->cur, inf[i].from, &inf[i].ti);
        t->w = w[i];
        /* a bound a format 7 dictionary left out is that of max_tf at
        ** min_len (format.h) */
        double tb = st->sc.index_params && !inf[i].ti.ub_from_max
                        ? inf[i].ti.ub * ns->bound_scale
                        : tf_bound(&st->sc, inf[i].ti.max_tf, inf[i].ti.min_len, false);
        t->ub = t->w * tb * UB_PAD;
    }
    int rc = ZHS_OK;
    for (size_t i = 0; i < q->nclauses && rc == ZHS_OK; i++) {
        bool possible = false;
        cclause c;
        /* the exhaustive oracle reads every phrase's positions */
        rc = setup_clause(&c, &q->clauses[i], arena, ns, q, inf, !o->exhaustive, !o->exhaustive && ns->article_terms,
                          &possible, err);
        if (rc) return rc;
        if (q->clauses[i].occur == ZHS_OCCUR_MUST) {
            if (!possible) return ZHS_OK;   /* a required part that is nowhere in this segment */
            st->must[st->nmust++] = c;
        } else if (possible) {
            st->mustnot[st->nmustnot++] = c;
        }
    }
    if (st->nt == 0) return ZHS_OK;
    if (o->exhaustive) rc = run_exhaustive(st, seg->ndocs, err);
    else if (o->count_only && count_shortcut(st)) rc = ZHS_OK;
    else if (o->count_only && st->nmust && count_and(st, err)) rc = zhs_err_code(err);
    else if (o->count_only && !st->nmust && count_union_bitset(st, err)) rc = zhs_err_code(err);
    else if (st->nmust && !o->count_only && led_pays(st)) rc = run_led(st, err);
    else if (st->nmust) rc = run_conjunctive(st, o->count_only != 0, err);
    else if (o->count_only) rc = run_count_union(st);
    else rc = run_maxscore(st, err);
    if (rc) return rc;
    for (size_t i = 0; i < st->nt; i++)
        if (st->t[i].cur.corrupt) fault(st, ZHS_ECORRUPT);
    for (size_t i = 0; i < st->nmust; i++) clause_fault(st, &st->must[i]);
    for (size_t i = 0; i < st->nmustnot; i++) clause_fault(st, &st->mustnot[i]);
    return ZHS_OK;
}

static int cmp_hit_doc(const void *a, const void *b)
{
    const zhs_hit *x = a, *y = b;
    return (x->doc > y->doc) - (x->doc < y->doc);
}

/* Whether query term i takes part in the proximity bonus: it scores and
** has positions in some segment.  Decided over the collection, not per
** segment, so that every segment pairs the same terms (a term a segment
** lacks keeps its place there): an updated index and a fresh build of the
** same passages give the same bonus. */
static bool prox_term(const tinfo *inf, unsigned nsegs, size_t nterms, size_t i, const double *w)
{
    if (w[i] <= 0) return false;
    for (unsigned s = 0; s < nsegs; s++) {
        const tinfo *ti = &inf[s * nterms + i];
        if (ti->found && ti->ti.pos_len > 0) return true;
    }
    return false;
}

/* Adds the proximity bonus (proximity.c) to the BM25 top hits and applies
** the document prior (prior.c), segment by
** segment in passage order (the bonus's cursors only move forward).  The
** terms it looks at are those search_segment scores, in the same order. */
static int rescore(state *st, const zhs_index *ix, const zhs_query *q, const tinfo *inf, const double *w,
                   zhs_error *err)
{
    const zhs_native *nx = ix->state;
    zhs_prior prior;
    zhs_prior_init(&prior, ix);
    qsort(st->heap, st->nheap, sizeof *st->heap, cmp_hit_doc);
    size_t h = 0;
    for (unsigned s = 0; s < nx->nsegs && h < st->nheap; s++) {
        const zhs_native_seg *ns = &nx->segs[s];
        uint32_t end = ns->base + ns->seg.ndocs;
        if (st->heap[h].doc >= end) continue;
        st->sc.lens = ns->seg.len.body;
        zhs_prox_reset(st->prox);
        for (size_t i = 0; i < q->nterms && st->prox->n < ZHS_PROX_TERMS; i++) {
            if (!prox_term(inf, nx->nsegs, q->nterms, i, w)) continue;
            const tinfo *ti = &inf[s * q->nterms + i];
            zhs_prox_add(st->prox, &ns->seg, ti->found ? &ti->ti : NULL, w[i]);
        }
        for (; h < st->nheap && st->heap[h].doc < end; h++) {
            uint32_t local = st->heap[h].doc - ns->base;
            if (st->prox->n >= 2) st->heap[h].score += zhs_prox_score(st->prox, local, kfac_of(&st->sc, local));
            st->heap[h].score *= zhs_prior_factor(&prior, ix, st->heap[h].doc);   /* prior.c */
        }
        for (size_t i = 0; i < st->prox->n; i++)
            if (!st->prox->t[i].absent && st->prox->t[i].cur.corrupt && !st->prox->fault) st->prox->fault = ZHS_ECORRUPT;
        if (st->prox->fault == ZHS_ENOMEM) return zhs_fail(err, ZHS_ENOMEM, "out of memory reading positions for the query");
        if (st->prox->fault)
            return zhs_fail(err, ZHS_ECORRUPT, "%s/%s.pos: a position block is damaged: check the index and rebuild it",
                            ix->dir, ix->m.seg[s].name);
    }
    return ZHS_OK;
}

/* A hit with the block of BM25 ranks it was in. */
typedef struct ranked_hit {
    uint32_t block;
    zhs_hit hit;
} ranked_hit;

static int cmp_ranked_doc(const void *a, const void *b)
{
    const ranked_hit *x = a, *y = b;
    return (x->hit.doc > y->hit.doc) - (x->hit.doc < y->hit.doc);
}

static int cmp_ranked(const void *a, const void *b)
{
    const ranked_hit *x = a, *y = b;
    if (x->block != y->block) return x->block < y->block ? -1 : 1;
    return cmp_hits(&x->hit, &y->hit);
}

/* The second phase: the bonus and the prior added to every hit
** (rescore), then each block of ZHS_PROX_RESCORE hits in BM25 order
** sorted by its new scores, the blocks kept in their order.  A hit moves
** within its block only, so the order of the first hits does not depend
** on how many were asked for (st->k is whole blocks); a BM25 hit past the
** first block never rises above one of it. */
static int rerank_blocks(state *st, zhs_arena *arena, const zhs_index *ix, const zhs_query *q, const tinfo *inf,
                         const double *w, zhs_error *err)
{
    size_t n = st->nheap;
    if (n <= ZHS_PROX_RESCORE) {
        int rc = rescore(st, ix, q, inf, w, err);
        if (rc == ZHS_OK) qsort(st->heap, n, sizeof *st->heap, cmp_hits);
        return rc;
    }
    ranked_hit *r = zhs_arena_alloc(arena, n * sizeof *r);
    if (!r) return zhs_fail(err, ZHS_ENOMEM, "out of memory ranking the query's hits");
    qsort(st->heap, n, sizeof *st->heap, cmp_hits);
    for (size_t i = 0; i < n; i++) r[i] = (ranked_hit){(uint32_t)(i / ZHS_PROX_RESCORE), st->heap[i]};
    /* rescore walks the hits in passage order: the blocks follow them */
    qsort(r, n, sizeof *r, cmp_ranked_doc);
    int rc = rescore(st, ix, q, inf, w, err);
    if (rc) return rc;
    for (size_t i = 0; i < n; i++) r[i].hit = st->heap[i];   /* both in passage order */
    qsort(r, n, sizeof *r, cmp_ranked);
    for (size_t i = 0; i < n; i++) st->heap[i] = r[i].hit;
    return ZHS_OK;
}

int zhs_native_search(zhs_topk *out, zhs_arena *arena, zhs_index *ix, const zhs_query *q,
                      const zhs_search_options *o, zhs_error *err)
{
    memset(out, 0, sizeof *out);
    if (zhs_err_code(err)) return err->code;
    const zhs_native *nx = ix->state;
    state st;
    memset(&st, 0, sizeof st);
    zhs_prox prox;
    st.prox = &prox;
    st.hidden = q->hidden;
    double k1 = o->k1, b = o->b;      /* resolved by zhs_index_search */
    zhs_bm25_init(&st.sc.bm, k1, b, ix->m.avglen);
    /* a count needs no scores; o->proximity < 0: plain BM25 */
    zhs_prox_init(&prox, o->count_only ? 0 : o->proximity, k1);
    st.k = o->k;
    /* the second phase re-ranks whole blocks of ZHS_PROX_RESCORE BM25
    ** hits (rerank_blocks): the first phase keeps every block the k hits
    ** reach whole, so that the first k are the same whatever k is asked
    ** (a next page, asked for with a larger k, repeats none and skips none) */
    if (prox.weight > 0)
        st.k = (st.k + ZHS_PROX_RESCORE - 1) / ZHS_PROX_RESCORE * ZHS_PROX_RESCORE;
    if (prox.weight > 0 && st.k < ZHS_PROX_RESCORE) st.k = ZHS_PROX_RESCORE;
    st.heap = zhs_arena_alloc(arena, (st.k + 1) * sizeof *st.heap);
    st.t = zhs_arena_alloc(arena, (q->nterms + 1) * sizeof *st.t);
    st.must = zhs_arena_alloc(arena, (q->nclauses + 1) * sizeof *st.must);
    st.mustnot = zhs_arena_alloc(arena, (q->nclauses + 1) * sizeof *st.mustnot);
    size_t ns = nx->nsegs;
    tinfo *inf = zhs_arena_alloc(arena, (ns * q->nterms + 1) * sizeof *inf);
    double *w = zhs_arena_alloc(arena, (q->nterms + 1) * sizeof *w);
    if (!st.heap || !st.t || !st.must || !st.mustnot || !inf || !w)
        return zhs_fail(err, ZHS_ENOMEM, "out of memory running the query");

    /* Weights from the collection: N and df count live passages only, in
    ** every segment, as a fresh build of them would. */
    double N = (double)ix->m.passages;
    int rc = ZHS_OK;
    const char *bad_seg = NULL;
    for (size_t i = 0; i < q->nterms; i++) {
        int64_t df = 0;
        for (size_t s = 0; s < ns; s++) {
            tinfo *ti = &inf[s * q->nterms + i];
            int64_t live = 0;
            rc = zhs_native_term(&nx->segs[s], arena, q->terms[i].key, q->terms[i].len, &ti->ti, &ti->from, &live, err);
            if (rc < 0) return rc;
            ti->found = rc == 1;
            rc = ZHS_OK;
            if (!ti->found) continue;
            df += live;
        }
        if (bad_seg) break;
        /* a term only deleted passages hold is absent from the collection */
        w[i] = df > 0 ? q->terms[i].qtf * log(1.0 + (N - (double)df + 0.5) / ((double)df + 0.5)) : -1;
        /* An article-label term ("A20", terms.h) only selects passages, as
        ** a title-field term does: it scores nothing, here as in Xapian
        ** (which holds it with wdf 0).  It stays a scoring term so that
        ** the exhaustive evaluator sees the passages that have it. */
        if (df > 0 && zhs_term_is_label(q->terms[i].key, q->terms[i].len)) w[i] = 0;
        /* question words weigh nothing (stopwords.c), with the ranking
        ** features on; the weight scales every bound, so pruning stays exact */
        if (df > 0 && o->proximity >= 0) w[i] *= zhs_query_term_weight(q, i);
    }
    for (size_t s = 0; s < ns && !rc && !st.fault && !bad_seg; s++) {
        rc = search_segment(&st, &nx->segs[s], ix, q, o, inf + s * q->nterms, w, arena, err);
        if (st.fault) bad_seg = ix->m.seg[s].name;
    }
    if (rc) goto done;
    if (st.fault == ZHS_ENOMEM) {
        rc = zhs_fail(err, ZHS_ENOMEM, "out of memory reading positions for the query");
        goto done;
    }
    if (st.fault || bad_seg) {
        rc = zhs_fail(err, ZHS_ECORRUPT, "%s/%s.post or .pos: a posting block is damaged: check the index and rebuild it",
                      ix->dir, bad_seg ? bad_seg : "?");
        goto done;
    }
    if (o->count_only) st.nheap = 0;
    if (prox.weight > 0 && st.nheap) {
        rc = rerank_blocks(&st, arena, ix, q, inf, w, err);
        if (rc) goto done;
    } else {
        heap_sort(&st);
    }
    if (st.nheap > o->k) st.nheap = o->k;
    out->hits = st.heap;
    out->n = st.nheap;
    out->matches = st.matches;
done:
    zhs_prox_free(&prox);
    free(st.it);
    return rc;
}
