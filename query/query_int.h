/*
** query_int.h — private interfaces of the query stage.
**
**   index.c      the zhs_index handle: manifest, snapshot retries, calls
**                through the engine table (common/engine.h)
**   native.c     the native engine's reader table: one mapped segment
**   verify.c     the native engine's full check ('zhs check')
**   parse.c      query text -> clauses of analyzed terms
**   search.c     BM25 top-k: MaxScore with block-max bounds for
**                disjunctions, leapfrog intersection for required
**                clauses, positions for phrases; and the exhaustive oracle
**   proximity.c  a term-proximity bonus that re-ranks the BM25 top hits
**   highlight.c  matched spans in a passage (text, title, heading)
**   cite.c       citations (刑法第二十条): an exact query on the article's
**                label term and the law's title, its hits put first
**   aliases.c    abbreviations of law names (个保法), built in and from files
*/
#ifndef ZHS_QUERY_INT_H
#define ZHS_QUERY_INT_H

#include "common.h"
#include "bm25.h"
#include "engine.h"
#include "manifest.h"
#include "meta.h"
#include "segment.h"
#include "terms.h"

#include <stdatomic.h>
#include <stddef.h>
#include <string.h>

/* A crime's name and the article of the criminal law that defines it
** (crimes.c). */
typedef struct zhs_crime {
    char name[96];              /* without 、, not NUL-terminated */
    size_t len;
    uint32_t article, sub;      /* 第X条之Y */
    uint32_t date;              /* of the document that gave it */
} zhs_crime;

struct zhs_index {
    char dir[ZHS_DIR_MAX + 1];
    zhs_manifest m;
    const zhs_engine_reader *eng;
    void *state;                /* the engine's */
    zhs_meta meta;              /* the metadata table (filter.c) */
    bool has_meta;              /* false: an index built before it, or remote shards */
    bool has_versions;          /* some title has two or more dates */
    /* per run of the metadata table: a version a run of another category
    ** repeats (the same title and date: a law filed under two folders),
    ** hidden unless all versions are asked for; NULL: none */
    uint8_t *dup_runs;
    zhs_cite_table cite;        /* the citation table (cite.c) */
    bool has_cite;              /* false: an index built before it, or remote shards */
    bool all_chars;             /* queries get every character term (index.c) */
    zhs_crime *crimes;          /* the crime names the index's documents give, longest first */
    size_t ncrimes, crime_cap;
};

/* ------------------------------------------------------------ native.c */

/* A segment indexed without character terms ("U" + a Han character) but
** with bigrams: a query's character term is made from the bigrams and
** words that hold the character (chars.c).  The table of its bigrams is
** built by the first query that needs it and shared by every reader. */
typedef struct zhs_char_table zhs_char_table;
typedef struct zhs_char_slot {
    _Atomic(zhs_char_table *) table;    /* NULL until built */
    unsigned title_weight;              /* the index's: a title's copies in the body */
    double k1, b, avglen;               /* the segment's stored bounds' (native_writer.c) */
} zhs_char_slot;
void zhs_char_slot_free(zhs_char_slot *s);

/* One segment of an open native index. */
typedef struct zhs_native_seg {
    zhs_segment seg;
    uint32_t base;              /* global number of its passage 0 */
    uint32_t *dels;             /* its deleted passages, increasing */
    uint32_t ndels;
    /* Live dfs already computed, shared by the threads searching this
    ** handle (zhs_native_live_df); NULL without deletions. */
    _Atomic uint64_t *dfcache;
    /* The bounds stored in the segment were computed at the index's k1/b
    ** and the segment's own average length avg_s when it was written.  At
    ** the collection's live average avg_g they hold once multiplied by
    ** max(1, avg_g / avg_s): with r = avg_s / avg_g < 1, K_g(len) =
    ** k1(1-b) + k1 b len / avg_g >= r K_s(len), and tf / (tf + r K) <=
    ** tf / (r (tf + K)).  (docs/FORMAT.md) */
    double bound_scale;
    /* Its analyzer indexed article-number terms (analysis/articles.h): a
    ** clause's alt elements match here as its elems would.  Every segment
    ** of an index was written by an analyzer of the MANIFEST's fingerprint
    ** (an update with another is refused), so this is that fingerprint's
    ** "arts=1"; kept per segment, where search.c decides. */
    bool article_terms;
    /* Non-NULL when character terms are made at query time (chars.c):
    ** the analyzer had none, had bigrams, and the postings are of the
    ** current block format the maker writes. */
    zhs_char_slot *chars;
} zhs_native_seg;

/* The native engine's state of an open index: its segments, in passage
** order (a hit's number is its segment's base plus its number there). */
typedef struct zhs_native {
    zhs_native_seg *segs;
    unsigned nsegs;
} zhs_native;

/* The segment holding global passage doc, and doc's number in it; NULL
** when there is none. */
const zhs_native_seg *zhs_native_locate(const zhs_native *nx, uint32_t doc, uint32_t *local);

/* Live passages of the segment that hold the term ti describes: its df
** minus the deleted passages among its postings.  -1 on damage. */
int64_t zhs_native_live_df(const zhs_native_seg *s, const zhs_term_info *ti);

/* Which of the passages docs[0..n) (global numbers, increasing) hold the
** term key in their postings: has[i].  ZHS_ECORRUPT on a damaged block. */
int zhs_native_holding(const zhs_index *ix, const char *key, size_t len, const uint32_t *docs, size_t n, bool *has,
                       zhs_error *err);

extern const zhs_engine_reader zhs_native_reader;

/* The first segment of a native index, NULL for another engine (white-box
** users: the bench's micro-benchmarks and tests, on one-segment indexes). */
const zhs_segment *zhs_native_segment(const zhs_index *ix);

/* ------------------------------------------------------------ chars.c */

/* Looks key up in segment ns, as zhs_segment_lookup; a character term of
** a segment with ns->chars is made from its bigrams and words, into the
** arena.  *from: the segment to read the postings through (ns's own, or
** a copy of it whose postings are the made list: a cursor on it is a
** stored term's).  *live, when not NULL: the term's live df here. */
int zhs_native_term(const zhs_native_seg *ns, zhs_arena *arena, const char *key, size_t len, zhs_term_info *ti,
                    const zhs_segment **from, int64_t *live, zhs_error *err);

/* ------------------------------------------------------------ verify.c */

int zhs_native_verify(zhs_index *ix, zhs_error *err);

/* ------------------------------------------------------------ parse.c */

enum { ZHS_OCCUR_SHOULD = 0, ZHS_OCCUR_MUST = 1, ZHS_OCCUR_MUST_NOT = 2 };

/* A term the query scores with (deduplicated by key). */
typedef struct zhs_qterm {
    char key[ZHS_TERM_MAX_KEY];
    uint32_t len;
    uint32_t qtf;               /* times the query names it */
    uint32_t kind;
} zhs_qterm;

/* An element of a required or excluded clause: a term key that must occur
** at offset qpos from the clause's first element (phrases), or anywhere
** (single-term clauses have one element). */
typedef struct zhs_qelem {
    char key[ZHS_TERM_MAX_KEY];
    uint32_t len;
    uint32_t qpos;
} zhs_qelem;

typedef struct zhs_qclause {
    int occur;                  /* MUST or MUST_NOT (SHOULD clauses only add terms) */
    bool title;                 /* elements are title-field terms */
    zhs_qelem *elems;
    size_t nelems;
    /* The Han word the elements spell, when they are the bigrams of one
    ** word (a part such as +人民政府): a passage in its list holds the
    ** characters in a row, so search.c can accept it without reading
    ** positions (see phrase_at there).  NULL otherwise. */
    zhs_qelem *word;
    /* The elements with each chain of bigrams 第c1 c1c2 … cm条 (an
    ** article number) replaced by its article-number term at the chain's
    ** first offset (analysis/articles.h): what a segment indexed with
    ** those terms matches instead of elems, with the same result.  NULL
    ** when the elements hold no such chain (and in the title field). */
    zhs_qelem *alt;
    size_t nalt;
    char text[256];             /* as written, for messages */
} zhs_qclause;

#define ZHS_QUERY_MAX_WARNINGS 8

struct zhs_qcite;

#define ZHS_QUERY_MAX_TERMS 1024    /* distinct terms of a query (parse.c) */

typedef struct zhs_query {
    zhs_qterm *terms;
    size_t nterms;
    size_t termcap;             /* terms' room: grown in the arena up to the limit */
    bool oom;                   /* growing terms failed: the parse fails */
    zhs_qclause *clauses;       /* MUST and MUST_NOT clauses */
    size_t nclauses;
    size_t nterms_dropped;      /* terms beyond the limit, not searched */
    const char *warnings[ZHS_QUERY_MAX_WARNINGS];   /* what a lenient parse ignored */
    size_t nwarnings;
    struct zhs_qcite *cite;     /* the citation in the query (cite.c), NULL if none */
    zhs_arena *arena;           /* the query's memory */
    /* Set by filter.c after parsing: NULL, or a bitmap over the passages,
    ** bit set = out of this query (older versions, filters).  Every
    ** evaluator skips them before they can take a place in the top k. */
    const uint8_t *hidden;
    /* Analyze one-character parts into character terms although the
    ** analyzer has none (zhs_query_parse_chars). */
    bool make_chars;
    /* Per term, a weight below 1 for the statutes' wording a concept
    ** added (zhs_query_expand); NULL: every term 1.  Room for every term
    ** the query may hold (ZHS_QUERY_MAX_TERMS). */
    float *boost;
    float adding;               /* the weight of the terms being added now; 0: a parse */
} zhs_query;

/* Where q->terms holds the term key[0..len): its index, -1 if nowhere. */
static inline ptrdiff_t zhs_query_term_find(const zhs_query *q, const char *key, size_t len)
{
    for (size_t i = 0; i < q->nterms; i++)
        if (q->terms[i].len == len && memcmp(q->terms[i].key, key, len) == 0) return (ptrdiff_t)i;
    return -1;
}

/* Parses text into q; memory comes from arena.  Leniently: what cannot be
** read as the query language is ignored or read as words, with a warning
** in q->warnings.  ZHS_EQUERY only when nothing is left to search for. */
int zhs_query_parse(zhs_query *q, zhs_arena *arena, zhs_analyzer *an, const char *text,
                    zhs_error *err);

/* The same; make_chars: an analyzer without character terms (and with
** bigrams) still gives a one-character part its character term, which
** the native engine makes from the bigrams (chars.c).  zhs_query_parse
** is make_chars true; an engine that cannot make them passes false (the
** part is then its word, as the analyzer gives it). */
int zhs_query_parse_chars(zhs_query *q, zhs_arena *arena, zhs_analyzer *an, const char *text, bool make_chars,
                          zhs_error *err);

/* A required title clause: text as a phrase over title-field terms (a
** citation's law name, cite.c).  nelems 0 when text has no words. */
int zhs_query_title_clause(zhs_qclause *c, zhs_arena *arena, zhs_analyzer *an, const char *text, size_t len,
                           zhs_error *err);

/* ------------------------------------------------------------ prior.c */

#define ZHS_PRIOR_MAX 16

/* The categories whose passages rank higher (primary legislation), as
** string ids of the index's metadata. */
typedef struct zhs_prior {
    uint32_t ids[ZHS_PRIOR_MAX];
    size_t n;
} zhs_prior;

void zhs_prior_init(zhs_prior *p, const zhs_index *ix);
/* The factor of passage doc's score: > 1 for primary legislation, else 1. */
double zhs_prior_factor(const zhs_prior *p, const zhs_index *ix, uint32_t doc);

/* ------------------------------------------------------------ stopwords.c */

/* A question or function word (什么, 的; as a word or bigram key). */
bool zhs_query_stopword(const char *key, size_t len);

/* The factor of q->terms[i]'s weight: 0 for a stopword in a query with
** enough other terms (unless a required part names it), else 1.  Applied
** with the ranking features (proximity >= 0), not for plain BM25. */
double zhs_query_term_weight(const zhs_query *q, size_t i);

/* Adds a warning to q (its strings in arena): what a lenient reading
** ignored, changed or could not find.  The same warning is given once; past
** ZHS_QUERY_MAX_WARNINGS none is added. */
void zhs_query_warn(zhs_query *q, zhs_arena *arena, const char *fmt, ...) ZHS_PRINTF(3, 4);

/* The plain parts of a query text (not excluded, no field, not quoted), as
** the parse reads them: at most max into out; returns how many. */
typedef struct zhs_qpart {
    size_t at, len;
} zhs_qpart;
size_t zhs_query_plain_parts(zhs_qpart *out, size_t max, const char *text);

/* The query with the boolean words people type read as operators: A AND
** B as +A +B, NOT B as -B, OR dropped (parts are optional already); only
** the upper-case words standing alone outside quotes.  text itself when it
** has none; else the rewritten query in arena memory. */
const char *zhs_query_boolean(zhs_arena *arena, const char *text);

/* Adds the statutes' wording for the everyday expressions in the query's
** plain parts (concepts.c), and a law's full name for a part that is an
** alias alone (刑诉法: 刑事诉讼法; aliases, then the built-in list), as
** optional terms of weight ZHS_CONCEPT_WEIGHT; terms the query has already
** keep theirs. */
#define ZHS_CONCEPT_WEIGHT 0.7f
int zhs_query_expand(zhs_query *q, zhs_arena *arena, zhs_analyzer *an, const char *text, const zhs_aliases *aliases,
                     zhs_error *err);
/* The expansions (space-separated phrases) of the concepts in s[0..n),
** each once, at most max; returns how many (concepts.c).  edge, if not
** NULL, marks s's word boundaries (per byte, n + 1 of them: bit 1 a word
** starts there, bit 2 one ends): a key must start and end on them. */
size_t zhs_concepts_find(const char *s, size_t n, const uint8_t *edge, const char **out, size_t max);

/* ------------------------------------------------------------ aliases.c */

/* The full name of a law abbreviation: a's entries first, then the
** built-in list; NULL when s is none. */
const char *zhs_alias_lookup(const zhs_aliases *a, const char *s, size_t n);
/* The same for s[0..n) as written, then as the analyzer folds it (個保法 is
** 个保法: titles and everyday words are compared folded too); NULL when it
** is no alias (or on error: err). */
const char *zhs_alias_lookup_folded(zhs_analyzer *an, const zhs_aliases *a, const char *s, size_t n, zhs_error *err);

/* ------------------------------------------------------------ search.c */

typedef struct zhs_topk {
    zhs_hit *hits;
    size_t n;
    uint64_t matches;
    const char **data;          /* xapian: each hit's stored record */
    size_t *datalen;
} zhs_topk;

int zhs_native_search(zhs_topk *out, zhs_arena *arena, zhs_index *ix, const zhs_query *q,
                      const zhs_search_options *o, zhs_error *err);

/* ------------------------------------------------------------ proximity.c */

#define ZHS_PROX_TERMS 32       /* query terms with positions the bonus looks at */
#define ZHS_PROX_MIN_DIST 2     /* nearest distance of a pair's two positions */
#define ZHS_PROX_WINDOW 5       /* farthest */
#define ZHS_PROX_RESCORE 100     /* BM25 top hits the bonus re-ranks (at least k) */

typedef struct zhs_prox_term {
    zhs_cursor cur;             /* its own: the evaluator's stay where they are */
    bool absent;                /* not in this segment (cur unused) */
    double w;                   /* qtf * idf */
    uint32_t *pos, npos, cap;   /* positions at the passage scored last */
} zhs_prox_term;

/* The term-proximity bonus of one query over one segment (proximity.c). */
typedef struct zhs_prox {
    zhs_prox_term t[ZHS_PROX_TERMS];
    size_t n;
    double weight, k1;
    int fault;                  /* ZHS_ECORRUPT or ZHS_ENOMEM once a read failed */
} zhs_prox;

/* weight <= 0: no bonus (every score 0). */
void zhs_prox_init(zhs_prox *p, double weight, double k1);
void zhs_prox_free(zhs_prox *p);
/* Forgets the terms (a new segment), keeps the buffers. */
void zhs_prox_reset(zhs_prox *p);
/* The next term of the query that has positions in the collection, in
** the query's order (while there is room); ti NULL, or without positions
** here, when seg lacks it: it keeps its place and never matches. */
void zhs_prox_add(zhs_prox *p, const zhs_segment *seg, const zhs_term_info *ti, double w);
/* The bonus of passage doc (docs never decrease between calls; K is its
** BM25 length factor).  0 and p->fault set when its positions are damaged. */
double zhs_prox_score(zhs_prox *p, uint32_t doc, double K);

/* ------------------------------------------------------------ filter.c */

/* Loads the generation's metadata table, if it has one. */
int zhs_filter_open(zhs_index *ix, zhs_error *err);
void zhs_filter_close(zhs_index *ix);
/* Takes the metadata conditions out of a query (category:X status:X
** issuer:X date>=D) into *rest (an arena string) and *conds (appended
** to o->filter); NULL when there are none. */
int zhs_filter_split(const char **rest, const char **conds, zhs_arena *a, const char *query, zhs_error *err);
/* Sets q->hidden for o's versions and the conditions in conds. */
/* The conditions split off a query, read strictly (as --filter is): for a
** query of conditions only, whose lenient reading would leave it empty
** without saying why. */
int zhs_filter_check(const zhs_index *ix, const char *conds, zhs_error *err);
int zhs_filter_apply(zhs_query *q, zhs_arena *a, const zhs_index *ix, const zhs_search_options *o,
                     const char *conds, zhs_error *err);
/* Keeps the best o->group_size hits per law of top (in place). */
int zhs_filter_group(zhs_topk *top, zhs_arena *a, const zhs_index *ix, unsigned group_size, size_t k,
                     bool *enough, zhs_error *err);

/* ------------------------------------------------------------ results */

struct zhs_results {
    zhs_arena arena;
    zhs_index *ix;
    zhs_topk top;
    zhs_query q;
    zhs_store_reader store;     /* reads the hits' passages */
    double proximity;           /* the search's proximity weight (<= 0: none), for explain.c */
    zhs_buf span_buf;
};

/* ------------------------------------------------------------ cite.c */

#include "numeral.h"

typedef struct zhs_qcite {
    zhs_article_ref ref;
    char key[ZHS_ARTICLE_KEY_MAX];  /* the label term, "A20" */
    size_t keylen;
    const char *name;               /* the law's name (an alias resolved), NULL if none */
    size_t namelen;
    const char *full;               /* a title holding 《name》 (山东省实施《渔业法》办法), */
    size_t fulllen;                 /* tried before name; NULL if none */
    const char *interp;             /* 公司法司法解释（四）: a judicial interpretation */
    size_t interplen;               /* of what interp names (公司法), tried first; */
    uint32_t ordinal;               /* its number (4), 0 if none; NULL if none */
    bool quiet;                     /* not written as a citation (a crime's name): no warning when it finds nothing */
    struct zhs_qcite *next;         /* the query's next citation (刑法第二十条、第二十一条) */
} zhs_qcite;

/* Finds the citations in the query text (第X条, with the law's name before
** it or in the part before; a later 第Y条 without a name of its own cites
** the same law, 第X条至第Y条 the articles between too) and sets q->cite
** to the first, NULL when there is none. */
int zhs_query_cite(zhs_query *q, zhs_arena *arena, const char *text, const zhs_aliases *aliases, zhs_error *err);

/* Loads the generation's citation table, if it has one; and frees it. */
int zhs_cite_open(zhs_index *ix, zhs_error *err);
void zhs_cite_close(zhs_index *ix);

/* 'zhs check': each title's key in the citation table is the one an
** computes; passage doc (global number) has the title and version date of
** its record p (a deleted passage is checked against an empty record). */
int zhs_cite_verify_keys(const zhs_index *ix, zhs_analyzer *an, zhs_error *err);
int zhs_cite_verify_record(const zhs_index *ix, uint32_t doc, const zhs_passage *p, zhs_error *err);
/* The table's label forms against those of a builder given every record,
** as the writer numbers them (nothing to check in a ZHSCITE1 table). */
int zhs_cite_verify_forms(const zhs_index *ix, const zhs_meta_builder *b, zhs_error *err);

/* ------------------------------------------------------------ crimes.c */

/* Reads the crime names of the index's documents that assign them (a
** title with 罪名); and frees them. */
int zhs_crimes_open(zhs_index *ix, zhs_error *err);
void zhs_crimes_close(zhs_index *ix);
/* Appends to q's citations 刑法 第X条 for each crime name in text (at most
** four, the longest names first), as the analyzer an folds it. */
int zhs_query_crimes(zhs_query *q, zhs_arena *a, const zhs_index *ix, zhs_analyzer *an, const char *text,
                     zhs_error *err);

/* Runs the citation's exact query and puts its hits before r's. */
int zhs_query_cite_run(zhs_results *r, zhs_analyzer *an, const zhs_search_options *o, zhs_error *err);

#endif
