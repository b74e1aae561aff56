/*
** test_index.c — the native index against the truth: postings read back
** equal what the analyzer produced (with and without flushes and merges),
** cursors skip correctly at block edges, pruned top-k equals the
** exhaustive oracle for hundreds of random queries, another analyzer is
** refused, and damaged files are refused naming the file.
*/
#include "harness.h"
#include "query_int.h"
#include "manifest.h"
#include "terms.h"

#include <math.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint32_t rnd(uint32_t n)
{
    zt_xorshift(&rng);
    return (uint32_t)(rng % n);     /* modulo of the whole state, as before */
}

#define NDOCS 3000
static const char alphabet[] = "数据安全个人信息保护处理者网络平台服务算法推荐政府公开监督管理机关责任法律规定条例国家部门应当不得违反罚款";
static char *texts[NDOCS];
static char words[80][8];

/* Edge document frequencies: token "dfN" in exactly N passages. */
static const unsigned edge_df[] = {1, 127, 128, 129, 256, 257, 1000};

#define SURGE_FROM 2560    /* 潮汐's 257th posting: its third block is the run */
#define SURGE_TO 2688

static void make_corpus(void)
{
    size_t nchars = zhs_utf8_count(alphabet, strlen(alphabet));
    for (int w = 0; w < 80; w++) {
        /* two characters, each 3 bytes in UTF-8 */
        uint32_t a = rnd((uint32_t)nchars), b = rnd((uint32_t)nchars);
        memcpy(words[w], alphabet + 3 * a, 3);
        memcpy(words[w] + 3, alphabet + 3 * b, 3);
        words[w][6] = 0;
    }
    for (int d = 0; d < NDOCS; d++) {
        zhs_buf b;
        zhs_buf_init(&b);
        int n = 3 + (int)rnd(d % 10 == 0 ? 300 : 40);
        for (int i = 0; i < n; i++) {
            /* skewed: low word numbers are frequent */
            uint32_t w = rnd(80);
            if (rnd(2)) w = w / 4;
            zhs_buf_puts(&b, words[w]);
            uint32_t r = rnd(10);
            if (r == 0) zhs_buf_puts(&b, "，");
            else if (r == 1) zhs_buf_puts(&b, "。");
            else if (r == 2) zhs_buf_puts(&b, " gdpr ");
        }
        for (size_t e = 0; e < sizeof edge_df / sizeof *edge_df; e++)
            if ((unsigned)d * edge_df[e] / NDOCS != ((unsigned)d + 1) * edge_df[e] / NDOCS || (edge_df[e] == 1 && d == 1234))
                if (edge_df[e] != 1 || d == 1234) zhs_buf_printf(&b, " df%u ", edge_df[e]);
        /* For the block-max split (check_window_split): 潮汐 once in the
        ** long passages, ten times in each of a run of short ones; 涟漪 in
        ** every 37th passage, none near that run. */
        if (d >= SURGE_FROM && d < SURGE_TO) {
            for (int i = 0; i < 10; i++) zhs_buf_puts(&b, " 潮汐");
        } else if (d % 10 == 0) {
            zhs_buf_puts(&b, " 潮汐");
        }
        if (d % 37 == 0 && (d < SURGE_FROM - 100 || d >= SURGE_TO + 200)) zhs_buf_puts(&b, " 涟漪");
        texts[d] = strdup(zhs_buf_cstr(&b));
        zhs_buf_free(&b);
    }
}

static int build(const char *dir, zhs_analyzer *an, size_t ram, zhs_error *err)
{
    zhs_writer_options o;
    zhs_writer_options_default(&o);
    o.ram_budget = ram;
    zhs_writer *w;
    if (zhs_writer_open(&w, dir, an, &o, err)) return err->code;
    for (int d = 0; d < NDOCS; d++) {
        char id[32];
        snprintf(id, sizeof id, "p%d", d);
        zhs_passage p = {id, texts[d], strlen(texts[d]), "", "", "", "synthetic", (uint32_t)d + 1, NULL, NULL, NULL, NULL, NULL};
        if (zhs_writer_add(w, &p, err)) break;
    }
    if (!zhs_err_code(err)) zhs_writer_commit(w, err);
    zhs_writer_close(w);
    return zhs_err_code(err);
}

/* ---------------------------------------------------------------- truth */

typedef struct tpost {
    char key[ZHS_TERM_MAX_KEY];
    uint32_t *docs, *tfs, *pos;     /* pos: all positions, doc after doc */
    size_t n, npos, cap, poscap;
} tpost;

static tpost *truth;
static size_t ntruth, truthcap;

static tpost *truth_get(const char *key)
{
    for (size_t i = 0; i < ntruth; i++)
        if (!strcmp(truth[i].key, key)) return &truth[i];
    if (ntruth == truthcap) {
        truthcap = truthcap ? truthcap * 2 : 1024;
        truth = realloc(truth, truthcap * sizeof *truth);
    }
    tpost *t = &truth[ntruth++];
    memset(t, 0, sizeof *t);
    snprintf(t->key, sizeof t->key, "%s", key);
    return t;
}

static void build_truth(zhs_analyzer *an)
{
    /* the passages have no title: the text starts at 1 without every
    ** character term (analysis/terms.h, text_start) */
    zhs_analyzer_config cfg;
    zhs_analyzer_config_get(an, &cfg);
    uint32_t start = cfg.chars == ZHS_CHARS_ALL ? 0 : 1;
    for (int d = 0; d < NDOCS; d++) {
        const zhs_token *tok;
        size_t n;
        zhs_error err = {0};
        zhs_analyzer_run(an, &tok, &n, texts[d], strlen(texts[d]), &err);
        for (size_t i = 0; i < n; i++) {
            char key[ZHS_TERM_MAX_KEY];
            zhs_term_key(key, &tok[i], false);
            tpost *t = truth_get(key);
            if (!t->n || t->docs[t->n - 1] != (uint32_t)d) {
                if (t->n == t->cap) {
                    t->cap = t->cap ? t->cap * 2 : 16;
                    t->docs = realloc(t->docs, t->cap * sizeof *t->docs);
                    t->tfs = realloc(t->tfs, t->cap * sizeof *t->tfs);
                }
                t->docs[t->n] = (uint32_t)d;
                t->tfs[t->n] = 0;
                t->n++;
            }
            t->tfs[t->n - 1]++;
            if (t->npos == t->poscap) {
                t->poscap = t->poscap ? t->poscap * 2 : 16;
                t->pos = realloc(t->pos, t->poscap * sizeof *t->pos);
            }
            t->pos[t->npos++] = tok[i].position + start;
        }
    }
}

/* With bigrams on, Han words of 2+ characters are written without
** positions (phrases match on bigrams). */
static bool is_long_han_word(const char *key)
{
    uint32_t cp;
    zhs_utf8_decode(key, strlen(key), &cp);
    return zhs_is_han(cp) && zhs_utf8_count(key, strlen(key)) >= 2;
}

/* A df-1 term's inline list (format 10) through the cursor's other
** calls: advance onto and past its one doc, no block bounds (the term's
** bound serves), its tf kept by a forced decode (the out-of-line one: the
** readers' in-line test never calls it for an inline list, whose tfs are
** ready from the start), its positions read one at
** a time, its shortest passage its passage's length. */
static void check_inline(const zhs_segment *s, const zhs_term_info *ti, const tpost *t, size_t *inl, size_t *inl_pos)
{
    (*inl)++;
    *inl_pos += ti->pos_inline != NULL;
    CHECK_MSG(ti->df == 1 && ti->post_len == 0 && ti->doc1 == t->docs[0] && ti->post_off >= ZHS_POST_OFF_INLINE,
              "inline entry of %s", t->key);
    CHECK_MSG(ti->min_len == zhs_get_u32(s->len.body + (size_t)ti->doc1 * 4), "shortest passage of %s", t->key);
    zhs_cursor c;
    zhs_skip sk;
    zhs_cursor_init(&c, s, ti);
    CHECK(zhs_cursor_advance(&c, 0) == t->docs[0] && zhs_cursor_advance(&c, t->docs[0]) == t->docs[0]);
    CHECK(!zhs_cursor_shallow(&c, t->docs[0], &sk));
    CHECK(c.tfs_ready);
    zhs_cursor_decode_tfs_now(&c);
    CHECK(c.bn == 1 && zhs_cursor_tf(&c) == t->tfs[0]);
    if (ti->pos_inline || ti->pos_len) {
        zhs_pos_iter it;
        uint32_t first;
        CHECK(zhs_cursor_first_position(&c, &first) == 1 && first == t->pos[0]);
        CHECK(zhs_cursor_pos_start(&c, &it) == 1 && it.pos == t->pos[0]);
        uint32_t k = 1;
        bool same = true;
        while (it.left > 0 && zhs_pos_step(&it) == 1) same &= k < t->npos && it.pos == t->pos[k++];
        CHECK_MSG(same && k == t->tfs[0], "positions of %s: %u of %u", t->key, k, t->tfs[0]);
        /* a seek past the last position finds none */
        CHECK(zhs_cursor_pos_start(&c, &it) == 1 && zhs_pos_seek(&it, (uint64_t)t->pos[t->npos - 1] + 1) == 0);
    }
    CHECK(zhs_cursor_advance(&c, t->docs[0] + 1) == ZHS_NO_DOC && !c.corrupt);
    zhs_cursor_init(&c, s, ti);
    CHECK(zhs_cursor_advance(&c, t->docs[0] + 1) == ZHS_NO_DOC && !c.corrupt);
}

/* Every truth term's postings, tfs and positions read back exactly. */
static void check_postings(zhs_index *ix)
{
    const zhs_segment *s = zhs_native_segment(ix);
    CHECK(s->nterms == ntruth);
    size_t bad = 0, inl = 0, inl_pos = 0, eager = 0;
    for (size_t i = 0; i < ntruth; i++) {
        tpost *t = &truth[i];
        zhs_term_info ti;
        zhs_error err = {0};
        if (zhs_segment_lookup(s, &ti, t->key, strlen(t->key), &err) != 1) { bad++; continue; }
        if (ti.df != t->n) { bad++; continue; }
        zhs_cursor c;
        zhs_cursor_init(&c, s, &ti);
        /* a short single block of all-one tfs has them at the start
        ** (segment.c, ZHS_TFS_EAGER): read below like every other */
        eager += !ti.post_inline && c.tfs_ready;
        size_t j = 0, pk = 0;
        for (uint32_t d = c.doc; d != ZHS_NO_DOC; d = zhs_cursor_next(&c), j++) {
            if (j >= t->n || d != t->docs[j] || zhs_cursor_tf(&c) != t->tfs[j]) { bad++; break; }
            if (ti.pos_len == 0 && (is_long_han_word(t->key) || t->key[0] == 'U' || !strncmp(t->key, "TU", 2)))
                continue;   /* written without positions: long Han words and characters */
            uint32_t pos[2048];
            int np = zhs_cursor_positions(&c, pos, 2048);
            if (np != (int)t->tfs[j] || memcmp(pos, t->pos + pk, (size_t)np * 4) != 0) { bad++; break; }
            pk += (size_t)np;
        }
        if (j != t->n) bad++;
        if (ti.post_inline) check_inline(s, &ti, t, &inl, &inl_pos);
    }
    CHECK_MSG(bad == 0, "%zu of %zu terms read back wrong", bad, ntruth);
    CHECK_MSG(eager > 0 && eager < ntruth - inl, "%zu lists with their tfs decoded at the start, of %zu", eager,
              ntruth - inl);
    /* format 10: the df-1 terms are inline, with positions in the entry
    ** (bigrams, Latin words) and without (long Han words, characters) */
    CHECK_MSG(inl > inl_pos && inl_pos > 0, "%zu inline lists, %zu with positions in the entry", inl, inl_pos);
}

/* advance(target) lands on the first doc >= target, at block edges too. */
static void check_advance(zhs_index *ix)
{
    for (size_t e = 0; e < sizeof edge_df / sizeof *edge_df; e++) {
        char key[16];
        snprintf(key, sizeof key, "df%u", edge_df[e]);
        tpost *t = truth_get(key);
        CHECK_MSG(t->n == edge_df[e], "%s has df %zu", key, t->n);
        zhs_term_info ti;
        zhs_error err = {0};
        CHECK(zhs_segment_lookup(zhs_native_segment(ix), &ti, key, strlen(key), &err) == 1);
        CHECK(ti.df == edge_df[e]);
        for (int trial = 0; trial < 200; trial++) {
            zhs_cursor c;
            zhs_cursor_init(&c, zhs_native_segment(ix), &ti);
            uint32_t target = 0;
            bool ok = true;
            for (int step = 0; step < 5 && ok; step++) {
                target += rnd(NDOCS / 3);
                uint32_t got = zhs_cursor_advance(&c, target);
                uint32_t want = ZHS_NO_DOC;
                for (size_t j = 0; j < t->n; j++)
                    if (t->docs[j] >= target) { want = t->docs[j]; break; }
                ok = got == want;
            }
            CHECK_MSG(ok, "advance on %s", key);
        }
    }
    zhs_term_info ti;
    zhs_error err = {0};
    /* a single-block list (decoded inline by the init) from a damaged
    ** entry: a df of 0, or postings too short for its block, or for its
    ** two heads, gives an exhausted, corrupt cursor, not a read past them */
    CHECK(zhs_segment_lookup(zhs_native_segment(ix), &ti, "df127", 5, &err) == 1);
    zhs_term_info bad[3] = {ti, ti, ti};
    bad[0].df = 0;
    bad[1].post_len = 3;
    bad[2].post_len = 1;
    for (int k = 0; k < 3; k++) {
        zhs_cursor c;
        zhs_cursor_init(&c, zhs_native_segment(ix), &bad[k]);
        CHECK_MSG(c.doc == ZHS_NO_DOC && c.corrupt, "damaged single-block entry %d", k);
    }
    CHECK(zhs_segment_lookup(zhs_native_segment(ix), &ti, "absent-term", 11, &err) == 0);
    CHECK(zhs_segment_lookup(zhs_native_segment(ix), &ti, "", 0, &err) == 0);
    CHECK(zhs_segment_lookup(zhs_native_segment(ix), &ti, "\xff\xff\xff", 3, &err) == 0);
    CHECK(zhs_segment_lookup(zhs_native_segment(ix), &ti, "0", 1, &err) == 0);
}

/* ---------------------------------------------------------------- queries */

/* A phrase of 3-5 characters cut from a random passage. */
static void put_phrase(zhs_buf *q)
{
    const char *t = texts[rnd(NDOCS)];
    size_t len = strlen(t), off = 3 * (size_t)rnd((uint32_t)(len / 3 > 4 ? len / 3 - 4 : 1));
    while (off < len && ((uint8_t)t[off] & 0xC0) == 0x80) off++;
    zhs_buf_putc(q, '"');
    size_t end = off, chars = 0;
    while (end < len && chars < 3 + rnd(3)) {
        end++;
        while (end < len && ((uint8_t)t[end] & 0xC0) == 0x80) end++;
        chars++;
    }
    for (size_t k = off; k < end; k++) if (t[k] != '"') zhs_buf_putc(q, t[k]);
    zhs_buf_putc(q, '"');
}

static void random_query(zhs_buf *q)
{
    zhs_buf_reset(q);
    int kind = (int)rnd(12);
    int n = 1 + (int)rnd(6);
    for (int i = 0; i < n; i++) {
        if (i) zhs_buf_putc(q, ' ');
        /* kind 10: every word required; 11: a required word without a
        ** phrase (both for the counting filters) */
        if ((kind == 7 && i == 0) || kind == 10 || (kind == 11 && i == 0)) zhs_buf_putc(q, '+');
        if ((kind == 8 || (kind == 7 && n == 2)) && i == n - 1 && n > 1) zhs_buf_putc(q, '-');
        if (kind == 11 && i == 1) {
            zhs_buf_putc(q, '-');
            put_phrase(q);
            continue;
        }
        if (kind == 9 && i == 0) {
            if (rnd(2)) zhs_buf_putc(q, '+');   /* a required phrase, scored by the other words */
            put_phrase(q);
            continue;
        }
        zhs_buf_puts(q, rnd(8) ? words[rnd(80)] : (rnd(2) ? "gdpr" : "df129"));
    }
}

/* Whether the ranking features weigh some of the query's terms out
** (question words, stopwords.c): then plain BM25 scores differ from the
** ranked ones by more than the proximity bonus. */
static bool weighs_out_words(zhs_analyzer *an, const char *text)
{
    zhs_arena arena;
    zhs_arena_init(&arena, 16 * 1024);
    zhs_query q;
    zhs_error e = {0};
    bool out = false;
    if (zhs_query_parse(&q, &arena, an, text, &e) == ZHS_OK)
        for (size_t i = 0; i < q.nterms; i++)
            if (zhs_query_term_weight(&q, i) != 1.0) out = true;
    zhs_arena_free(&arena);
    return out;
}

/* Pages: the first k hits are the same whatever k is asked (the second
** phase re-ranks whole blocks of BM25 hits), so that a next page asked for
** with a larger k (as zhs serve's offset does) repeats and skips nothing:
** k 10, 100, 110, 130 against the first hits of k 250, with the bonus on. */
static void compare_pages(zhs_index *ix, zhs_analyzer *an, int nq)
{
    zhs_buf q;
    zhs_buf_init(&q);
    size_t long_lists = 0;
    for (int i = 0; i < nq; i++) {
        random_query(&q);
        zhs_search_options o;
        zhs_search_options_default(&o);
        o.exhaustive = i % 2;
        o.k = 250;
        zhs_results *all = NULL;
        zhs_error e = {0};
        if (zhs_index_search(&all, ix, an, zhs_buf_cstr(&q), &o, &e)) {
            zhs_results_free(all);
            continue;
        }
        if (zhs_results_count(all) > 130) long_lists++;
        size_t ks[] = {10, 100, 110, 130};
        for (size_t t = 0; t < 4; t++) {
            o.k = ks[t];
            zhs_results *r = NULL;
            CHECK_OK(zhs_index_search(&r, ix, an, zhs_buf_cstr(&q), &o, &e), e);
            size_t n = r ? zhs_results_count(r) : 0;
            bool same = n == (zhs_results_count(all) < ks[t] ? zhs_results_count(all) : ks[t]);
            for (size_t j = 0; same && j < n; j++)
                same = zhs_results_hit(r, j)->doc == zhs_results_hit(all, j)->doc &&
                       zhs_results_hit(r, j)->score == zhs_results_hit(all, j)->score;
            CHECK_MSG(same, "[%s] k=%zu (exhaustive %d): not the first hits of k=250", zhs_buf_cstr(&q), ks[t],
                      o.exhaustive);
            zhs_results_free(r);
        }
        zhs_results_free(all);
    }
    CHECK_MSG(long_lists > 0, "no query of %d had more than 130 hits: pages past the first block not tested", nq);
    zhs_buf_free(&q);
}

static void compare_paths(zhs_index *ix, zhs_analyzer *an, int nq)
{
    zhs_buf q;
    zhs_buf_init(&q);
    size_t diffs = 0, nonempty = 0, with_bonus = 0;
    size_t ks[] = {1, 10, 100, 130};
    for (int i = 0; i < nq; i++) {
        random_query(&q);
        zhs_search_options o;
        zhs_search_options_default(&o);
        o.k = ks[i % 4];
        if (i % 4 == 3) {   /* parameters other than the index's: loose bounds */
            o.k1 = 0.7;
            o.b = 0.9;
        }
        /* the proximity bonus: default (1), none, and a heavy one whose
        ** bound leaves the evaluators little to prune */
        if (i % 5 == 1) o.proximity = -1;
        if (i % 5 == 2) o.proximity = 4;
        zhs_results *a = NULL, *b = NULL;
        zhs_error e1 = {0}, e2 = {0};
        int r1 = zhs_index_search(&a, ix, an, zhs_buf_cstr(&q), &o, &e1);
        o.exhaustive = 1;
        int r2 = zhs_index_search(&b, ix, an, zhs_buf_cstr(&q), &o, &e2);
        CHECK_MSG(r1 == r2, "query %s: %d vs %d (%s)", zhs_buf_cstr(&q), r1, r2, e1.message);
        /* counting (shortcuts and walks) gives the oracle's match count */
        zhs_results *c = NULL;
        zhs_error e3 = {0};
        o.exhaustive = 0;
        o.count_only = 1;
        int r3 = zhs_index_search(&c, ix, an, zhs_buf_cstr(&q), &o, &e3);
        o.count_only = 0;
        o.exhaustive = 1;
        CHECK_MSG(r3 == r2, "count of %s: %d vs %d", zhs_buf_cstr(&q), r3, r2);
        if (r3 == 0 && r2 == 0)
            CHECK_MSG(zhs_results_matches(c) == zhs_results_matches(b), "count of [%s]: %llu, exhaustive %llu",
                      zhs_buf_cstr(&q), (unsigned long long)zhs_results_matches(c),
                      (unsigned long long)zhs_results_matches(b));
        zhs_results_free(c);
        if (r1 == 0 && r2 == 0 && o.proximity >= 0 && zhs_results_count(a) && !weighs_out_words(an, zhs_buf_cstr(&q))) {
            /* the bonus is there: some top hit scores more than its BM25
            ** (plain BM25 also keeps the question words' weights, so only
            ** queries without them compare) */
            zhs_search_options p = o;
            p.proximity = -1;
            p.exhaustive = 1;
            p.k = 100000;
            zhs_results *plain = NULL;
            zhs_error e4 = {0};
            CHECK_OK(zhs_index_search(&plain, ix, an, zhs_buf_cstr(&q), &p, &e4), e4);
            for (size_t j = 0; plain && j < zhs_results_count(plain); j++)
                if (zhs_results_hit(plain, j)->doc == zhs_results_hit(a, 0)->doc) {
                    double bm = zhs_results_hit(plain, j)->score, s = zhs_results_hit(a, 0)->score;
                    CHECK_MSG(s >= bm, "[%s]: proximity lowered a score (%.17g < %.17g)", zhs_buf_cstr(&q), s, bm);
                    if (s > bm) with_bonus++;
                }
            zhs_results_free(plain);
        }
        if (r1 == 0 && r2 == 0) {
            size_t n = zhs_results_count(a);
            if (n) nonempty++;
            bool same = n == zhs_results_count(b);
            for (size_t j = 0; same && j < n; j++) {
                const zhs_hit *x = zhs_results_hit(a, j), *y = zhs_results_hit(b, j);
                same = x->doc == y->doc && x->score == y->score;
            }
            if (!same) {
                diffs++;
                if (diffs < 5) fprintf(stderr, "pruned != exhaustive for [%s] k=%zu\n", zhs_buf_cstr(&q), o.k);
            }
        }
        zhs_results_free(a);
        zhs_results_free(b);
    }
    CHECK_MSG(diffs == 0, "%zu of %d queries differ", diffs, nq);
    CHECK_MSG(nonempty > (size_t)nq / 2, "only %zu queries had hits", nonempty);
    CHECK_MSG(with_bonus > 0, "no top hit of %d queries got a proximity bonus", nq);
    zhs_buf_free(&q);
}

/* Query q at o (at k1 0.7, b 0.9 when other_params: the bounds from max
** tf and min length) pruned and exhaustive: the same hits, checked; whether
** it matches more than k passages (so that pruning had work to do). */
static bool pruned_is_exhaustive(zhs_index *ix, zhs_analyzer *an, const char *q, zhs_search_options o, bool other_params)
{
    if (other_params) {
        o.k1 = 0.7;
        o.b = 0.9;
    }
    zhs_results *a = NULL, *b = NULL;
    zhs_error err = {0};
    bool full = false;
    CHECK_OK(zhs_index_search(&a, ix, an, q, &o, &err), err);
    o.exhaustive = 1;
    CHECK_OK(zhs_index_search(&b, ix, an, q, &o, &err), err);
    if (a && b) {
        zt_check_same_hits(a, b, q, o.k, "exhaustive");
        full = zhs_results_matches(b) > o.k;
    }
    zhs_results_free(a);
    zhs_results_free(b);
    return full;
}

/* A query form of check_pruned_forms: query i written into q (its words
** drawn from seed), the index into {1, 10, 100} of its k returned. */
typedef size_t (*query_form)(char *q, size_t qn, size_t i, uint64_t *seed);

/* nq queries of one form: pruned == exhaustive, hit for hit, at k 1, 10
** and 100, at the index's k1/b and others (every fourth), with and
** without the proximity bonus (by parity); and at least a quarter of them
** match more than k passages, so that the walks they are there for run. */
static void check_pruned_forms(zhs_index *ix, zhs_analyzer *an, uint64_t seed, query_form form, const char *what)
{
    size_t ks[] = {1, 10, 100}, full = 0, nq = 120;
    for (size_t i = 0; i < nq; i++) {
        char q[64];
        zhs_search_options o;
        zhs_search_options_default(&o);
        o.k = ks[form(q, sizeof q, i, &seed)];
        o.proximity = i % 2 ? -1 : 1;
        full += pruned_is_exhaustive(ix, an, q, o, i % 4 == 3);
    }
    CHECK_MSG(full >= nq / 4, "only %zu of %zu %s match more than k passages", full, nq, what);
}

/* Two required words, alone or with an optional or an excluded third:
** the shape search.c walks block pair by block pair once the top k is full
** (pair_window), its candidates left out by bounds from one list's parts
** before the other's block is read. */
static size_t pair_form(char *q, size_t qn, size_t i, uint64_t *seed)
{
    const char *x = words[zt_xorshift(seed) % 80], *y = words[zt_xorshift(seed) % 80],
               *z = words[zt_xorshift(seed) % 80];
    if (i % 3 == 0) snprintf(q, qn, "+%s +%s", x, y);
    else snprintf(q, qn, "+%s +%s %s%s", x, y, i % 3 == 1 ? "" : "-", z);
    return i % 3 == 0 ? i / 3 % 3 : i % 3;
}

static void check_pairs(zhs_index *ix, zhs_analyzer *an)
{
    /* its own seed: the later checks' queries stay as they were */
    check_pruned_forms(ix, an, 0x2545F4914F6CDD1Dull, pair_form, "pair queries");
}

/* A phrase of two elements (two words with a space between: the two
** bigrams adjacent, none across), alone, with an optional word, with an
** excluded one: pair_window walks its two lists block by block once the
** top k is full and checks the positions of the candidates its bounds let
** through. */
static size_t phrase_pair_form(char *q, size_t qn, size_t i, uint64_t *seed)
{
    /* the low word numbers are the frequent ones (make_corpus): their
    ** pairs stand side by side in many passages */
    const char *x = words[zt_xorshift(seed) % 12], *y = words[zt_xorshift(seed) % 12],
               *z = words[zt_xorshift(seed) % 80];
    const char *form[] = {"\"%s %s\"", "\"%s %s\" %s", "+\"%s %s\" -%s"};
    snprintf(q, qn, form[i % 3], x, y, z);
    return i / 4 % 3;
}

static void check_phrase_pairs(zhs_index *ix, zhs_analyzer *an)
{
    check_pruned_forms(ix, an, 0x7A3C19E5D2B4F681ull, phrase_pair_form, "two-element phrases");
}

/* Unions of one to eight words, frequent and rare ones mixed (涟漪 潮汐 and
** others, the df edge tokens): MaxScore's windows end where the blocks of
** the terms essential in the last window end, and a weaker term's bound
** there is the largest of the blocks it crosses (union_window); a window
** whose essential lists hold nothing is followed by a walk over the weak
** terms' blocks alone (skip_gap).  Pruned == exhaustive, hit for hit, at
** k 1, 10, 60 and 100, at the index's k1/b and others, with and without the
** proximity bonus; and most of them match more than k passages. */
static void check_long_unions(zhs_index *ix, zhs_analyzer *an)
{
    static const char *extra[] = {"df129", "df257", "df1000", "潮汐", "涟漪", "gdpr"};
    size_t ks[] = {1, 10, 60, 100}, full = 0, nq = 160;
    uint64_t seed = 0x9FB21C651E98DF25ull;     /* its own: the other checks' queries stay as they were */
    for (size_t i = 0; i < nq; i++) {
        char q[256];
        size_t len = 0, nw = 1 + zt_xorshift(&seed) % 8;
        q[0] = 0;
        for (size_t j = 0; j < nw; j++) {
            uint64_t r = zt_xorshift(&seed);
            /* the low word numbers are the frequent ones (make_corpus) */
            const char *w = j < 2 && i % 2 ? (j ? "潮汐" : "涟漪") : j == 0 ? extra[r % 6] : words[j % 2 ? r % 20 : 20 + r % 60];
            len += (size_t)snprintf(q + len, sizeof q - len, "%s%s", j ? " " : "", w);
        }
        zhs_search_options o;
        zhs_search_options_default(&o);
        o.k = ks[i / 2 % 4];
        o.proximity = i / 8 % 2 ? -1 : 1;
        full += pruned_is_exhaustive(ix, an, q, o, i % 4 == 3);
    }
    CHECK_MSG(full >= nq * 3 / 4, "only %zu of %zu long unions match more than k passages", full, nq);
}

/* Phrase hits really contain the phrase; +/- hold. */
/* 潮汐 is weak in its blocks of long passages and strong in the block of
** its run of short ones (make_corpus), so MaxScore's split by block bounds
** leaves it out around the run and must take it in there, though 涟漪
** (which the top k are full of) jumps over the run.  The run's passages
** reach the top k of the exhaustive search, and the pruned one agrees. */
static void check_window_split(zhs_index *ix, zhs_analyzer *an)
{
    size_t ks[] = {60, 80, 100};
    for (size_t i = 0; i < sizeof ks / sizeof *ks; i++) {
        zhs_search_options o;
        zhs_search_options_default(&o);
        o.k = ks[i];
        o.proximity = -1;
        zhs_results *a = NULL, *b = NULL;
        zhs_error err = {0};
        CHECK_OK(zhs_index_search(&a, ix, an, "涟漪 潮汐", &o, &err), err);
        o.exhaustive = 1;
        CHECK_OK(zhs_index_search(&b, ix, an, "涟漪 潮汐", &o, &err), err);
        if (!a || !b) {
            zhs_results_free(a);
            zhs_results_free(b);
            return;
        }
        size_t n = zhs_results_count(b), in_run = 0, other = 0;
        for (size_t j = 0; j < n; j++) {
            uint32_t d = zhs_results_hit(b, j)->doc;
            if (d >= SURGE_FROM && d < SURGE_TO) in_run++;
            else other++;
        }
        CHECK_MSG(in_run > 0 && other > 0, "k=%zu: %zu hits of the run, %zu others: the corpus no longer tests the split",
                  o.k, in_run, other);
        CHECK_MSG(zhs_results_count(a) == n, "涟漪 潮汐 k=%zu: %zu hits pruned, %zu exhaustive", o.k,
                  zhs_results_count(a), n);
        for (size_t j = 0; j < n && j < zhs_results_count(a); j++) {
            const zhs_hit *x = zhs_results_hit(a, j), *y = zhs_results_hit(b, j);
            CHECK_MSG(x->doc == y->doc && x->score == y->score, "涟漪 潮汐 k=%zu rank %zu: pruned %u %.17g, exhaustive %u %.17g",
                      o.k, j + 1, x->doc, x->score, y->doc, y->score);
        }
        zhs_results_free(a);
        zhs_results_free(b);
    }
}

/* Phrases of two to four words (a word repeated, or taken from a
** passage so that it occurs): the passages a search finds, for top k and
** for a count, are those whose text holds the phrase.  The check reads
** positions a few at a time and leapfrogs the elements (query/search.c,
** phrase_at): a start that fits some elements but not all, a term at two
** offsets of one phrase, and a match past a passage's first positions
** must all come out as strstr says. */
static void check_phrases(zhs_index *ix, zhs_analyzer *an)
{
    size_t bad = 0, found = 0;
    for (int i = 0; i < 80; i++) {
        char phrase[64] = "", q[80];
        int nw = 2 + (int)rnd(3);
        if (i % 2) {
            /* words in a row from a passage: most of them occur */
            const char *t = texts[rnd(NDOCS)];
            size_t len = strlen(t), at = len > 6 ? rnd((uint32_t)(len / 6)) * 6 : 0;
            size_t k = 0;
            while (k < (size_t)nw * 6 && at + k + 3 <= len && (unsigned char)t[at + k] >= 0xE4 &&
                   strncmp(t + at + k, "，", 3) && strncmp(t + at + k, "。", 3))
                k += 3;
            if (k < 6) continue;
            memcpy(phrase, t + at, k);
            phrase[k] = 0;
        } else {
            for (int w = 0; w < nw; w++) {
                uint32_t x = rnd(20);
                strcat(phrase, words[w > 0 && rnd(3) == 0 ? rnd(2) : x]);   /* repeats among the frequent */
            }
        }
        size_t want = 0;
        for (int d = 0; d < NDOCS; d++) want += strstr(texts[d], phrase) != NULL;
        found += want > 0;
        snprintf(q, sizeof q, "\"%s\"", phrase);
        for (int count = 0; count < 2; count++) {
            zhs_search_options o;
            zhs_search_options_default(&o);
            o.k = NDOCS;
            o.count_only = count;
            zhs_results *r = NULL;
            zhs_error err = {0};
            CHECK_OK(zhs_index_search(&r, ix, an, q, &o, &err), err);
            if (!r) continue;
            size_t got = count ? (size_t)zhs_results_matches(r) : zhs_results_count(r);
            for (size_t h = 0; !count && h < zhs_results_count(r); h++)
                if (!strstr(texts[zhs_results_hit(r, h)->doc], phrase)) got = SIZE_MAX;
            if (got != want) {
                bad++;
                fprintf(stderr, "phrase %s (%s): %zu, %zu passages hold it\n", phrase, count ? "count" : "top k", got, want);
            }
            zhs_results_free(r);
        }
    }
    CHECK_MSG(bad == 0, "%zu phrase searches found other passages than strstr", bad);
    CHECK_MSG(found >= 20, "only %zu of the phrases occur: the check tests little", found);
}

static void check_operators(zhs_index *ix, zhs_analyzer *an)
{
    zhs_error err = {0};
    zhs_results *r;
    char q[128];
    snprintf(q, sizeof q, "\"%s%s\"", words[1], words[2]);
    zhs_search_options o;
    zhs_search_options_default(&o);
    o.k = 1000;
    CHECK_OK(zhs_index_search(&r, ix, an, q, &o, &err), err);
    char phrase[32];
    snprintf(phrase, sizeof phrase, "%s%s", words[1], words[2]);
    size_t want = 0;
    for (int d = 0; d < NDOCS; d++) if (strstr(texts[d], phrase)) want++;
    CHECK_MSG(zhs_results_count(r) == want, "phrase %s: %zu hits, %zu passages contain it", phrase, zhs_results_count(r), want);
    zhs_results_free(r);

    snprintf(q, sizeof q, "+%s -gdpr", words[3]);
    CHECK_OK(zhs_index_search(&r, ix, an, q, &o, &err), err);
    bool ok = zhs_results_count(r) > 0;
    for (size_t i = 0; i < zhs_results_count(r); i++) {
        const char *t = texts[zhs_results_hit(r, i)->doc];
        ok &= strstr(t, "gdpr") == NULL;
    }
    CHECK(ok);
    zhs_results_free(r);
}

/* A deletion bitmap (the format allows one per segment): deleted passages
** never come back, and pruning still equals the oracle. */
static void check_deletions(const char *dir, zhs_analyzer *an)
{
    zhs_error err = {0};
    zhs_buf b;
    zhs_buf_init(&b);
    zhs_buf_append(&b, ZHS_MAGIC_DEL, ZHS_MAGIC_LEN);
    size_t nbytes = (NDOCS + 7) / 8;
    for (size_t i = 0; i < nbytes; i++) {
        uint8_t byte = 0;
        for (int bit = 0; bit < 8; bit++)
            if ((i * 8 + (size_t)bit) % 7 == 3) byte |= (uint8_t)(1u << bit);
        zhs_buf_putc(&b, (char)byte);
    }
    CHECK(zhs_footer_append(&b));
    char path[600];
    snprintf(path, sizeof path, "%s/g1-1.del", dir);
    CHECK_OK(zhs_file_write(path, b.data, b.len, &err), err);
    zhs_manifest m, saved;
    CHECK_OK(zhs_manifest_read(&m, dir, &err), err);
    saved = m;
    snprintf(m.seg[0].deletions, sizeof m.seg[0].deletions, "g1-1.del");
    /* the manifest counts live passages (the reader checks the bitmap
    ** against it); the average length is left, so the stored bounds hold */
    m.seg[0].deleted = 0;
    for (size_t d = 0; d < NDOCS; d++) m.seg[0].deleted += d % 7 == 3;
    m.passages = m.seg[0].count - m.seg[0].deleted;
    CHECK_OK(zhs_manifest_write(&m, dir, &err), err);
    zhs_index *ix;
    CHECK_OK(zhs_index_open(&ix, dir, &err), err);
    if (!zhs_err_code(&err)) {
        zhs_search_options o;
        zhs_search_options_default(&o);
        o.k = 1000;
        size_t bad = 0, total = 0;
        for (int w = 0; w < 20; w++) {
            zhs_results *r = NULL;
            CHECK_OK(zhs_index_search(&r, ix, an, words[w], &o, &err), err);
            if (!r) break;
            for (size_t i = 0; i < zhs_results_count(r); i++, total++)
                if (zhs_results_hit(r, i)->doc % 7 == 3) bad++;
            zhs_results_free(r);
        }
        CHECK_MSG(bad == 0 && total > 100, "%zu deleted passages returned of %zu", bad, total);
        compare_paths(ix, an, 60);
        zhs_index_close(ix);
    }
    /* a damaged deletion file is refused like any other */
    b.data[10] ^= 1;
    CHECK_OK(zhs_file_write(path, b.data, b.len, &err), err);
    zhs_error e2 = {0};
    ix = NULL;
    CHECK(zhs_index_open(&ix, dir, &e2) == ZHS_ECORRUPT && strstr(e2.message, "g1-1.del"));
    zhs_index_close(ix);
    CHECK_OK(zhs_manifest_write(&saved, dir, &err), err);
    unlink(path);
    zhs_buf_free(&b);
}

/* ---------------------------------------------------------------- updates */

/* A corpus of UFILES files of 30 passages; version v of a file has other
** texts; version -1: the file is gone. */
#define UFILES 110
static int uver[UFILES];

static const char *utext(int f, int j, int v)
{
    return texts[((unsigned)f * 30 + (unsigned)j + 777u * (unsigned)v) % NDOCS];
}

static int unpassages(int f) { return f % 7 == 0 ? 5 : 30; }

/* Gives the writer every present file, with its passages when it asks. */
static int feed(zhs_writer *w, zhs_error *err)
{
    for (int f = 0; f < UFILES; f++) {
        if (uver[f] < 0) continue;
        char rel[32];
        snprintf(rel, sizeof rel, "f%03d", f);
        zhs_source src = {"root", rel, 1000 + (uint64_t)f, uver[f], 0};
        int state;
        if (zhs_writer_source(w, &src, &state, err)) return err->code;
        if (state == ZHS_SOURCE_NEEDS_HASH) {
            src.hash = 1 + (uint64_t)uver[f];
            if (zhs_writer_source(w, &src, &state, err)) return err->code;
        }
        if (state == ZHS_SOURCE_UNCHANGED) continue;
        for (int j = 0; j < unpassages(f); j++) {
            char id[40];
            snprintf(id, sizeof id, "%s#%d", rel, j);
            const char *t = utext(f, j, uver[f]);
            zhs_passage p = {id, t, strlen(t), "", "", "", rel, (uint32_t)j + 1, "", "", "", "", ""};
            if (zhs_writer_add(w, &p, err)) return err->code;
        }
    }
    return ZHS_OK;
}

static int ubuild(const char *dir, zhs_analyzer *an, bool update, zhs_error *err)
{
    zhs_writer *w;
    if ((update ? zhs_writer_open_update(&w, dir, an, NULL, err) : zhs_writer_open(&w, dir, an, NULL, err)))
        return err->code;
    if (!feed(w, err)) zhs_writer_commit(w, err);
    zhs_writer_close(w);
    return zhs_err_code(err);
}

/* Top k of the updated index equals a fresh build's: the same scores rank
** by rank (the same numbers: exactly), the same passages above the k-th
** score (at it, ties may pick others). */
static void compare_fresh(zhs_index *u, zhs_index *f, zhs_analyzer *an, int nq)
{
    zhs_buf q;
    zhs_buf_init(&q);
    size_t diffs = 0;
    for (int i = 0; i < nq; i++) {
        random_query(&q);
        zhs_search_options o;
        zhs_search_options_default(&o);
        o.k = i % 2 ? 10 : 50;
        zhs_results *a = NULL, *b = NULL, *ap = NULL;
        zhs_error e = {0};
        /* the proximity bonus re-ranks the BM25 top 100 (docs/RANKING.md):
        ** where BM25 ties at that edge, two builds that number passages
        ** differently may take other passages into it, so the rankings
        ** are compared on BM25; the bonus over segments is checked
        ** against its explanation below */
        CHECK_OK(zhs_index_search(&ap, u, an, zhs_buf_cstr(&q), &o, &e), e);
        o.proximity = -1;
        CHECK_OK(zhs_index_search(&a, u, an, zhs_buf_cstr(&q), &o, &e), e);
        CHECK_OK(zhs_index_search(&b, f, an, zhs_buf_cstr(&q), &o, &e), e);
        size_t np = ap ? zhs_results_count(ap) : 0;
        if (np) {
            zhs_explanation x;
            CHECK_OK(zhs_results_explain(&x, ap, zhs_results_hit(ap, 0)->doc, &e), e);
            CHECK_MSG(!e.code && x.score == zhs_results_hit(ap, 0)->score, "explain with proximity [%s]: %.17g, search %.17g",
                      zhs_buf_cstr(&q), x.score, zhs_results_hit(ap, 0)->score);
        }
        /* a passage in both top lists has the same score with the bonus:
        ** the bonus pairs the same terms in every segment */
        zhs_results *bp = NULL;
        o.proximity = 0;
        CHECK_OK(zhs_index_search(&bp, f, an, zhs_buf_cstr(&q), &o, &e), e);
        o.proximity = -1;
        size_t nb = bp ? zhs_results_count(bp) : 0;
        for (size_t j = 0; j < np && !e.code; j++) {
            zhs_passage pa;
            CHECK_OK(zhs_results_passage(&pa, ap, zhs_results_hit(ap, j)->doc, &e), e);
            char *id = e.code ? NULL : strdup(pa.id);
            for (size_t k = 0; id && k < nb && !e.code; k++) {
                zhs_passage pb;
                CHECK_OK(zhs_results_passage(&pb, bp, zhs_results_hit(bp, k)->doc, &e), e);
                if (e.code || strcmp(id, pb.id)) continue;
                CHECK_MSG(zhs_results_hit(ap, j)->score == zhs_results_hit(bp, k)->score,
                          "[%s] %s: %.17g updated, %.17g fresh (with proximity)", zhs_buf_cstr(&q), id,
                          zhs_results_hit(ap, j)->score, zhs_results_hit(bp, k)->score);
                break;
            }
            free(id);
        }
        zhs_results_free(bp);
        zhs_results_free(ap);
        if (!a || !b) {
            zhs_results_free(a);
            zhs_results_free(b);
            break;
        }
        size_t n = zhs_results_count(a);
        /* an explanation over segments adds up to the score, as on one */
        if (n && zhs_buf_cstr(&q)[0] != '+' && !strchr(zhs_buf_cstr(&q), '"')) {
            zhs_explanation x;
            CHECK_OK(zhs_results_explain(&x, a, zhs_results_hit(a, n - 1)->doc, &e), e);
            CHECK_MSG(!e.code && x.score == zhs_results_hit(a, n - 1)->score, "explain [%s]: %.17g, search %.17g",
                      zhs_buf_cstr(&q), x.score, zhs_results_hit(a, n - 1)->score);
        }
        bool same = n == zhs_results_count(b);
        for (size_t j = 0; same && j < n; j++) same = zhs_results_hit(a, j)->score == zhs_results_hit(b, j)->score;
        double last = n ? zhs_results_hit(a, n - 1)->score : 0;
        /* the ids of b's hits, read once (each read inflates a block) */
        char **ids = calloc(n + 1, sizeof *ids);
        for (size_t k = 0; same && k < n && !e.code; k++) {
            zhs_passage pb;
            CHECK_OK(zhs_results_passage(&pb, b, zhs_results_hit(b, k)->doc, &e), e);
            ids[k] = e.code ? NULL : strdup(pb.id);
        }
        for (size_t j = 0; same && j < n && !e.code; j++) {
            if (zhs_results_hit(a, j)->score == last) break;
            zhs_passage pa;
            CHECK_OK(zhs_results_passage(&pa, a, zhs_results_hit(a, j)->doc, &e), e);
            bool found = false;
            for (size_t k = 0; k < n && !found && ids[k]; k++)
                found = !strcmp(pa.id, ids[k]) && zhs_results_hit(b, k)->score == zhs_results_hit(a, j)->score;
            same = found;
        }
        for (size_t k = 0; k < n; k++) free(ids[k]);
        free(ids);
        if (!same && ++diffs < 5) fprintf(stderr, "updated != fresh for [%s]\n", zhs_buf_cstr(&q));
        zhs_results_free(a);
        zhs_results_free(b);
    }
    CHECK_MSG(diffs == 0, "%zu of %d queries differ from a fresh build", diffs, nq);
    zhs_buf_free(&q);
}

/* The live df of every term in every segment with deletions equals a
** count of its postings that the bitmap leaves, on the first call (the
** walk) and on the second (zhs_native_live_df's per-handle cache). */
static void check_live_df(zhs_index *ix)
{
    const zhs_native *nx = ix->state;
    size_t bad = 0, tested = 0;
    for (unsigned s = 0; s < nx->nsegs; s++) {
        const zhs_native_seg *ns = &nx->segs[s];
        if (!ns->ndels) continue;
        for (size_t i = 0; i < ntruth; i++) {
            zhs_term_info ti;
            zhs_error err = {0};
            if (zhs_segment_lookup(&ns->seg, &ti, truth[i].key, strlen(truth[i].key), &err) != 1) continue;
            zhs_cursor c;
            zhs_cursor_init(&c, &ns->seg, &ti);
            int64_t live = 0;
            for (uint32_t d = c.doc; d != ZHS_NO_DOC; d = zhs_cursor_next(&c)) live += !zhs_segment_deleted(&ns->seg, d);
            int64_t first = zhs_native_live_df(ns, &ti), again = zhs_native_live_df(ns, &ti);
            bad += first != live || again != live;
            tested++;
        }
    }
    CHECK_MSG(bad == 0, "%zu of %zu live dfs wrong", bad, tested);
}

static void check_updated(const char *du, zhs_analyzer *an, unsigned want_segments)
{
    zhs_error err = {0};
    const char *df = zt_tmpdir();
    CHECK_OK(ubuild(df, an, false, &err), err);
    CHECK_OK(zhs_index_verify(du, &err), err);
    zhs_index *u = NULL, *f = NULL;
    CHECK_OK(zhs_index_open(&u, du, &err), err);
    CHECK_OK(zhs_index_open(&f, df, &err), err);
    if (u && f) {
        CHECK_MSG(u->m.nsegments == want_segments, "%u segments, want %u", u->m.nsegments, want_segments);
        CHECK(u->m.passages == f->m.passages && u->m.tokens == f->m.tokens && u->m.avglen == f->m.avglen);
        CHECK_MSG(u->m.source_bytes == f->m.source_bytes, "updated index counts %llu bytes of text, a fresh build %llu",
                  (unsigned long long)u->m.source_bytes, (unsigned long long)f->m.source_bytes);
        compare_paths(u, an, 80);      /* pruned == exhaustive over segments and deletions */
        compare_fresh(u, f, an, 80);
        check_live_df(u);
    }
    zhs_index_close(u);
    zhs_index_close(f);
}

static void check_updates(zhs_analyzer *an)
{
    zhs_error err = {0};
    const char *du = zt_tmpdir();
    for (int f = 0; f < UFILES; f++) uver[f] = f < 100 ? 0 : -1;
    CHECK_OK(ubuild(du, an, false, &err), err);
    /* change some files, remove some, add some */
    uver[5] = uver[17] = uver[63] = 1;
    for (int f = 40; f < 45; f++) uver[f] = -1;
    for (int f = 100; f < 104; f++) uver[f] = 0;
    CHECK_OK(ubuild(du, an, true, &err), err);
    check_updated(du, an, 2);
    /* again: a file changed twice, a whole segment's worth gone */
    uver[17] = 2;
    uver[101] = -1;
    uver[7] = -1;
    CHECK_OK(ubuild(du, an, true, &err), err);
    check_updated(du, an, 3);
    /* nothing changed: nothing written but the file table */
    CHECK_OK(ubuild(du, an, true, &err), err);
    check_updated(du, an, 3);
    /* merged: one segment, the deleted passages gone, the same scores */
    zhs_merge_options mo = ZHS_MERGE_OPTIONS_INIT;
    mo.max_segments = 1;
    unsigned merged = 0;
    CHECK_OK(zhs_index_merge(du, an, &mo, &merged, &err), err);
    CHECK(merged == 3);
    check_updated(du, an, 1);
    /* and updated after the merge (the file table followed the passages) */
    uver[17] = 3;
    uver[63] = -1;
    uver[104] = 0;
    CHECK_OK(ubuild(du, an, true, &err), err);
    check_updated(du, an, 2);
    /* a damaged file table fails the check and the next update, naming it */
    zhs_manifest m;
    CHECK_OK(zhs_manifest_read(&m, du, &err), err);
    char path[600];
    snprintf(path, sizeof path, "%s/%s", du, m.files);
    zhs_buf b;
    zhs_buf_init(&b);
    CHECK_OK(zhs_file_read(&b, path, false, 0, &err), err);
    if (b.len > 20) {
        b.data[12] ^= 0x40;
        CHECK_OK(zhs_file_write(path, b.data, b.len, &err), err);
        zhs_error e1 = {0}, e2 = {0};
        CHECK(zhs_index_verify(du, &e1) == ZHS_ECORRUPT && strstr(e1.message, m.files));
        CHECK(ubuild(du, an, true, &e2) == ZHS_ECORRUPT && strstr(e2.message, m.files));
        b.data[12] ^= 0x40;
        CHECK_OK(zhs_file_write(path, b.data, b.len, &err), err);
        CHECK_OK(zhs_index_verify(du, &err), err);
    }
    zhs_buf_free(&b);
}

static void check_damage(const char *dir, zhs_analyzer *an)
{
    static const char *const ext[] = {"dict", "post", "pos", "len", "store"};
    for (size_t i = 0; i < 5; i++) {
        char path[600];
        snprintf(path, sizeof path, "%s/g1.%s", dir, ext[i]);
        zhs_buf b;
        zhs_buf_init(&b);
        zhs_error err = {0};
        CHECK_OK(zhs_file_read(&b, path, false, 0, &err), err);
        for (int trial = 0; trial < 8; trial++) {
            size_t off = rnd((uint32_t)b.len);
            char orig = b.data[off];
            b.data[off] = (char)(orig ^ (char)(1 + rnd(255)));
            zhs_file_write(path, b.data, b.len, &err);
            zhs_index *ix = NULL;
            zhs_error e2 = {0};
            int rc = zhs_index_open(&ix, dir, &e2);
            CHECK_MSG(rc == ZHS_ECORRUPT && strstr(e2.message, ext[i]), "flip in %s at %zu: rc %d %s", ext[i], off, rc, e2.message);
            zhs_index_close(ix);
            b.data[off] = orig;
            CHECK_OK(zhs_file_write(path, b.data, b.len, &err), err);
        }
        zhs_buf_free(&b);
        (void)an;
    }
}

/* Writes b (a file's bytes, footer included) back with its footer's
** checksum repaired, as tampering or a writer's bug could leave it, and
** expects 'zhs check' to refuse the index naming what it found. */
static void expect_check_refuses(const char *dir, const char *path, const zhs_buf *b, const char *want,
                                 const char *what)
{
    zt_write_repaired(path, b->data, b->len);
    zhs_error e1 = {0};
    int rc = zhs_index_verify(dir, &e1);
    CHECK_MSG(rc == ZHS_ECORRUPT && strstr(e1.message, want), "%s: check gave %d '%s'", what, rc, e1.message);
}

static size_t varint_len(uint64_t v)
{
    size_t n = 1;
    while (v >= 128) v >>= 7, n++;
    return n;
}

/* A skip entry's field lowered (or a shortest passage raised) to another
** block's value of the same term, so that the packed table keeps its
** widths and length; *b_out the block changed.  False when no block of
** the table allows it. */
static bool lower_entry(zhs_skip *e, uint32_t n, int field, uint32_t *b_out)
{
    for (uint32_t b = 0; b < n; b++)
        for (uint32_t o = 0; o < n; o++) {
            bool ok = field == 0   ? e[o].ub < e[b].ub
                      : field == 1 ? e[o].max_tf < e[b].max_tf
                                   : e[o].min_len_q > e[b].min_len_q;
            if (!ok) continue;
            if (field == 0) e[b].ub = e[o].ub;
            else if (field == 1) e[b].max_tf = e[o].max_tf;
            else e[b].min_len_q = e[o].min_len_q;
            *b_out = b;
            return true;
        }
    return false;
}

/* Bounds that say less than the postings (a block's score bound, largest
** tf or shortest passage; a term's stored score bound) are refused by
** 'zhs check': pruning trusts them, and would drop passages that belong in
** a top k.  Each is written behind a repaired checksum. */
static void check_bound_damage(const char *dir)
{
    zhs_error err = {0};
    zhs_index *ix = NULL;
    CHECK_OK(zhs_index_open(&ix, dir, &err), err);
    if (!ix) return;
    const zhs_segment *s = zhs_native_segment(ix);
    char post_path[ZHS_PATH_MAX], dict_path[ZHS_PATH_MAX];
    snprintf(post_path, sizeof post_path, "%s", s->post.path);
    snprintf(dict_path, sizeof dict_path, "%s", s->dict.path);
    zhs_buf post, dict;
    zhs_buf_init(&post);
    zhs_buf_init(&dict);
    CHECK_OK(zhs_file_read(&post, post_path, false, 0, &err), err);
    CHECK_OK(zhs_file_read(&dict, dict_path, false, 0, &err), err);
    static const char *const field_name[] = {"score bound", "largest tf", "shortest passage"};
    bool done[3] = {false, false, false}, dict_done = false;
    zhs_dict_iter it;
    zhs_dict_iter_init(&it, s);
    while (zhs_dict_iter_next(&it, &err) == ZHS_OK && !(done[0] && done[1] && done[2] && dict_done)) {
        const zhs_term_info *ti = &it.ti;
        uint32_t n = (ti->df + ZHS_BLOCK - 1) / ZHS_BLOCK;
        if (!dict_done && !ti->ub_from_max && ti->ub > 0) {
            /* the entry's last fields: the bound's 16 bits, the largest tf
            ** (where df > 1 and cf > df), the shortest passage */
            size_t tail = 2 + varint_len(ti->min_len) + (ti->df > 1 && ti->cf > ti->df ? varint_len(ti->max_tf) : 0);
            size_t at = (size_t)(it.p - s->dict.data) - tail;
            uint8_t *u = (uint8_t *)dict.data + at;
            /* the f32's upper half, little-endian: its exponent one lower
            ** halves the bound, below what the postings reach */
            unsigned keep = (unsigned)(u[0] | u[1] << 8), half = keep - 0x80;
            u[0] = (uint8_t)half;
            u[1] = (uint8_t)(half >> 8);
            expect_check_refuses(dir, dict_path, &dict, "score bound", "a term's bound halved");
            u[0] = (uint8_t)keep;
            u[1] = (uint8_t)(keep >> 8);
            dict_done = true;
        }
        if (n < 3 || !s->skip_packed) continue;
        zhs_skip_table t;
        const uint8_t *p = s->post.data + ti->post_off;
        if (!zhs_skip_table_parse(&t, p, n, ti->post_len, ti->pos_len)) {
            CHECK_MSG(0, "the skip table of '%s' does not parse", it.key);
            break;
        }
        zhs_skip *e = calloc(n, sizeof *e);
        for (uint32_t b = 0; b < n; b++) zhs_skip_get(&t, b, &e[b]);
        for (int f = 0; f < 3; f++) {
            if (done[f]) continue;
            zhs_skip *m = malloc(n * sizeof *m);
            memcpy(m, e, n * sizeof *m);
            uint32_t b;
            zhs_buf enc;
            zhs_buf_init(&enc);
            if (lower_entry(m, n, f, &b) &&
                zhs_skip_table_encode(&enc, m, n, ti->pos_len > 0, ti->post_len - t.len, ti->pos_len) &&
                enc.len == t.len) {
                size_t at = (size_t)ti->post_off;
                char what[400];
                snprintf(what, sizeof what, "block %u of '%s': its %s", b, it.key, field_name[f]);
                /* the mapping may show what is written: keep the bytes */
                char *keep = malloc(enc.len);
                memcpy(keep, post.data + at, enc.len);
                memcpy(post.data + at, enc.data, enc.len);
                expect_check_refuses(dir, post_path, &post, field_name[f], what);
                memcpy(post.data + at, keep, enc.len);
                free(keep);
                done[f] = true;
            }
            zhs_buf_free(&enc);
            free(m);
        }
        free(e);
    }
    CHECK_MSG(done[0] && done[1] && done[2] && dict_done, "no term to damage: score bound %d, tf %d, length %d, "
              "entry %d", done[0], done[1], done[2], dict_done);
    zhs_index_close(ix);
    CHECK_OK(zhs_file_write(post_path, post.data, post.len, &err), err);
    CHECK_OK(zhs_file_write(dict_path, dict.data, dict.len, &err), err);
    CHECK_OK(zhs_index_verify(dir, &err), err);
    zhs_buf_free(&post);
    zhs_buf_free(&dict);
}

/* A term frequency of 0 (a packed tf - 1 of 2^32 - 1 wraps to it) is
** damage: the position readers would otherwise walk 2^32 - 1 gaps.  A
** cursor made by hand, no index needed: the checks refuse tf 0 before
** any position is located. */
static void check_tf_zero(void)
{
    static zhs_segment seg;
    static zhs_cursor c;
    uint8_t len[4];
    zhs_set_u32(len, 50);
    seg.max_len = 100;
    seg.len.body = len;
    c.seg = &seg;
    c.bn = 1;
    c.doc = 0;
    c.tfs_ready = true;
    c.tfs[0] = 1;
    CHECK(zhs_cursor_tf_bounded(&c) && zhs_cursor_tf_sane(&c));
    c.tfs[0] = 50;
    CHECK(zhs_cursor_tf_bounded(&c) && zhs_cursor_tf_sane(&c));
    c.tfs[0] = 51;
    CHECK(zhs_cursor_tf_bounded(&c) && !zhs_cursor_tf_sane(&c));
    c.tfs[0] = 0;
    CHECK(!zhs_cursor_tf_bounded(&c) && !zhs_cursor_tf_sane(&c));
    uint32_t out[4], first;
    CHECK(zhs_cursor_positions(&c, out, 4) == -1);
    CHECK(zhs_cursor_first_position(&c, &first) == -1);
}

int main(void)
{
    check_tf_zero();
    make_corpus();
    zhs_error err = {0};
    zhs_analyzer *an;
    if (zhs_analyzer_open(&an, NULL, &err)) {
        fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    build_truth(an);
    const char *d1 = zt_tmpdir(), *d2 = zt_tmpdir();
    CHECK_OK(build(d1, an, 0, &err), err);
    CHECK_OK(build(d2, an, 64 * 1024, &err), err);   /* many runs, then a merge */
    char tmp[600];
    snprintf(tmp, sizeof tmp, "%s/tmp-1", d2);
    struct stat st;
    CHECK(stat(tmp, &st) != 0);                     /* runs cleaned up */

    for (int i = 0; i < 2; i++) {
        zhs_index *ix;
        CHECK_OK(zhs_index_open(&ix, i ? d2 : d1, &err), err);
        if (zhs_err_code(&err)) break;
        check_postings(ix);
        check_advance(ix);
        compare_paths(ix, an, i ? 100 : 400);
        if (!i) compare_pages(ix, an, 60);
        check_window_split(ix, an);
        check_pairs(ix, an);
        check_phrase_pairs(ix, an);
        check_long_unions(ix, an);
        check_operators(ix, an);
        check_phrases(ix, an);
        CHECK_OK(zhs_index_verify(i ? d2 : d1, &err), err);
        zhs_index_close(ix);
    }

    /* another analyzer is refused, with a message that says what to do */
    zhs_analyzer_config cfg;
    zhs_analyzer_config_default(&cfg);
    cfg.fold_traditional = 0;
    zhs_analyzer *other;
    CHECK_OK(zhs_analyzer_open(&other, &cfg, &err), err);
    zhs_index *ix;
    CHECK_OK(zhs_index_open(&ix, d1, &err), err);
    zhs_results *r = NULL;
    zhs_error e2 = {0};
    CHECK(zhs_index_search(&r, ix, other, words[0], NULL, &e2) == ZHS_EANALYZER);
    CHECK(strstr(e2.message, "rebuild") != NULL || strstr(e2.message, "same analyzer") != NULL);
    zhs_index_close(ix);
    zhs_analyzer_close(other);

    /* an abandoned rebuild leaves the committed index as it was */
    zhs_writer *w;
    CHECK_OK(zhs_writer_open(&w, d1, an, NULL, &err), err);
    zhs_passage p = {"x", "新的文本", strlen("新的文本"), "", "", "", "x", 1, NULL, NULL, NULL, NULL, NULL};
    CHECK_OK(zhs_writer_add(w, &p, &err), err);
    zhs_writer_close(w);
    CHECK_OK(zhs_index_open(&ix, d1, &err), err);
    zhs_index_info info;
    zhs_index_info_get(ix, &info);
    CHECK(info.passages == NDOCS && info.generation == 1);
    zhs_index_close(ix);

    /* a directory with other files is not written into */
    const char *d3 = zt_tmpdir();
    snprintf(tmp, sizeof tmp, "%s/precious.txt", d3);
    CHECK_OK(zhs_file_write(tmp, "keep", 4, &err), err);
    zhs_error e3 = {0};
    CHECK(zhs_writer_open(&w, d3, an, NULL, &e3) == ZHS_EINVAL);
    CHECK(access(tmp, F_OK) == 0);

    check_deletions(d1, an);
    check_damage(d1, an);
    check_bound_damage(d1);
    check_updates(an);

    zhs_analyzer_close(an);
    for (int d = 0; d < NDOCS; d++) free(texts[d]);
    for (size_t i = 0; i < ntruth; i++) {
        free(truth[i].docs);
        free(truth[i].tfs);
        free(truth[i].pos);
    }
    free(truth);
    return zt_done("test_index");
}
