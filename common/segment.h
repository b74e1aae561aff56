/*
** segment.h — read access to one segment of a native index: its files
** mapped into memory, dictionary look-up and iteration, posting cursors.
** Used by the searcher (query/) and by 'zhs check'.  Every read is bounds
** checked: a damaged file gives ZHS_ECORRUPT, never a read out of bounds.
*/
#ifndef ZHS_SEGMENT_H
#define ZHS_SEGMENT_H

#include "format.h"
#include "record.h"
#include "textcode.h"

#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

typedef struct zhs_mapped {
    const uint8_t *data;
    size_t size;
    const uint8_t *body;        /* after magic, before footer */
    size_t body_len;
    char path[ZHS_PATH_MAX];
    /* not NULL: body is this memory, not the file's (the lengths of
    ** format 9 decoded at open, ztable.h); zhs_unmap_file frees it */
    uint8_t *owned;
} zhs_mapped;

int zhs_map_file(zhs_mapped *m, const char *path, const char *magic, bool verify, zhs_error *err);
/* Whether the file at path starts with magic (false when unreadable:
** mapping it then says why): which layout of a file to read. */
bool zhs_file_has_magic(const char *path, const char *magic);
/* The file's first ZHS_MAGIC_LEN bytes into m; false when it has fewer or
** cannot be read (a file of one of several layouts: the caller compares). */
bool zhs_file_magic(const char *path, char m[ZHS_MAGIC_LEN]);
void zhs_unmap_file(zhs_mapped *m);

typedef struct zhs_segment {
    zhs_mapped dict, post, pos, len, store;
    zhs_mapped del;                 /* optional: deleted passages */
    const uint8_t *deleted;         /* bitmap over ndocs, NULL when none */
    uint32_t ndocs;
    uint32_t max_len;               /* the longest passage's length */
    bool skip_v1;                   /* .post of format 1 or 2: 24-byte skip entries */
    bool post_packed;               /* .post of format 6 to 8 (ZHSPOST3, 4):
                                    ** blocks' exceptions as index bytes and
                                    ** packed high parts (zhs_block_encode) */
    bool skip_packed;               /* .post of format 8 and 9 (ZHSPOST4, 5):
                                    ** packed skip tables (zhs_skip_table) */
    bool post_unary;                /* .post of format 9 (ZHSPOST5): blocks
                                    ** may have unary or all-one tfs
                                    ** (zhs_block_encode_v9) */
    bool dict_v1;                   /* .dict of formats 1 to 6 (ZHSDICT1) */
    int dict_kind;                  /* ZHS_DICT_KIND_*: V1, V2 (formats 7 to 9),
                                    ** INLINE (format 10: df-1 lists inline) */
    uint32_t dict_nblocks;
    uint64_t nterms;
    const uint8_t *dict_table;      /* offsets of dictionary blocks */
    uint32_t dict_off_bytes;        /* theirs: 4 (format 9) or 8 */
    const uint8_t *store_table;
    uint32_t store_nblocks;
    const uint8_t *store_dict;      /* the blocks' preset dictionary */
    uint32_t store_dict_len;        /* 0: none (formats 1 and 2) */
    bool store_coded;               /* format 4: texts in store_tc's code */
    bool store_zstd;                /* format 5: zstd blocks */
    bool store_derived;             /* format 7: records derive strings (record.h) */
    ZSTD_DDict *store_ddict;        /* format 5 with a dictionary: shared by
                                    ** every reader (read-only once made) */
    zhs_textcode store_tc;
    int record_version;             /* of the stored records (record.h): the
                                    ** MANIFEST's format version; open sets
                                    ** the current one */
} zhs_segment;

/* Maps dir/stem.*; verify: check every CRC (else only magic, footer and
** lengths). */
int zhs_segment_open(zhs_segment *s, const char *dir, const char *stem, uint32_t ndocs,
                     bool verify, zhs_error *err);

/* Maps a deletion file (see format.h) for the open segment s. */
int zhs_segment_open_deletions(zhs_segment *s, const char *dir, const char *name, bool verify,
                               zhs_error *err);

static inline bool zhs_segment_deleted(const zhs_segment *s, uint32_t doc)
{
    return s->deleted && (s->deleted[doc >> 3] >> (doc & 7) & 1);
}
void zhs_segment_close(zhs_segment *s);

/* Looks a term up.  Returns 1 and fills *ti when found, 0 when absent,
** ZHS_ECORRUPT on damage. */
int zhs_segment_lookup(const zhs_segment *s, zhs_term_info *ti, const char *key, size_t keylen,
                       zhs_error *err);

/* A dictionary entry (format.h): the key, front-coded (prefix bytes
** shared with the previous key of the block), and ti's counts, ranges'
** lengths, bounds.  Put writes format 10 (ub rounded up to 16 bits, left
** out with ti->ub_from_max; a df-1 term must come with post_inline, its
** doc1 and, where it has positions and cf <= ZHS_INLINE_POS_MAX, their
** cf varints as pos_inline, pos_len bytes); ZHS_EINTERNAL when the counts
** contradict each other (a df of 1 whose max tf is not cf, ...),
** ZHS_ENOMEM.  Parse reads one entry of the layout kind (ZHS_DICT_KIND_*)
** at *pp, with key holding the previous key of the block (*keylen, 0 for
** the first) and the block's running offsets; false on damage.  An
** inline list's entry leaves min_len UINT32_MAX and post_off to the
** caller, who knows the segment (its passage's length, the entry's
** offset: segment.c's finish_inline); positions in the entry leave
** pos_off where it was (pos_len is their bytes in the entry). */
int zhs_dict_put_entry(zhs_buf *b, const char *key, size_t keylen, size_t prefix, const zhs_term_info *ti);
bool zhs_dict_parse_entry(const uint8_t **pp, const uint8_t *end, int kind, char *key, size_t *keylen,
                          zhs_term_info *ti, uint64_t *post_off, uint64_t *pos_off);

/* Dictionary iteration in term order. */
typedef struct zhs_dict_iter {
    const zhs_segment *seg;
    uint32_t block;
    uint32_t in_block;
    const uint8_t *p, *end;
    uint64_t post_off, pos_off;
    char key[ZHS_TERM_MAX_KEY];
    size_t keylen;
    zhs_term_info ti;
} zhs_dict_iter;

void zhs_dict_iter_init(zhs_dict_iter *it, const zhs_segment *s);
/* ZHS_OK with it->key/ti set, ZHS_DONE at the end, ZHS_ECORRUPT. */
int zhs_dict_iter_next(zhs_dict_iter *it, zhs_error *err);

/* ------------------------------------------------------------ cursors */

#define ZHS_NO_DOC UINT32_MAX

typedef struct zhs_cursor {
    const zhs_segment *seg;
    const uint8_t *skips;           /* NULL for single-block terms */
    const uint8_t *blocks, *end;
    const uint8_t *pos_base;        /* term's positions */
    const uint8_t *pos_end;
    uint32_t df, nblocks;
    zhs_skip_table skt;             /* the term's skip table (set only with skips) */
    uint32_t block;                 /* decoded block index, UINT32_MAX: none */
    uint32_t bn;                    /* postings in the decoded block */
    uint32_t i;                     /* index in block */
    uint32_t doc;                   /* current doc, ZHS_NO_DOC at the end */
    bool corrupt;
    bool tfs_ready;                 /* tfs[] decoded for this block */
    zhs_pfor_group tfg;             /* the block's term frequencies */
    zhs_pfor_patch tfp;             /* and their exceptions, laid out by the parse */
    uint32_t docs[ZHS_BLOCK];
    uint32_t tfs[ZHS_BLOCK];
    /* the block's positions, located once per block on first use: the
    ** docs' first positions decoded, the group of gaps located, with its
    ** exceptions */
    bool pos_ready;
    bool pos_inline;                /* format 10's inline list with its positions
                                    ** in its entry (read only where tfg says
                                    ** inline: other lists leave it unset) */
    /* pos_ready, and every tf of the block within the bound the readers
    ** check (zhs_cursor_tf_bounded): their start then checks nothing more */
    bool pos_fast;
    zhs_pfor_group pos_gaps;
    uint32_t pos_exc_idx[ZHS_PFOR_MAX_EXC], pos_exc_high[ZHS_PFOR_MAX_EXC];
    uint32_t pos_exc_at;            /* where the last read stopped */
    uint32_t pos_first[ZHS_BLOCK];
    uint64_t pos_before[ZHS_BLOCK]; /* gaps of the block's earlier docs */
    /* shallow position for block-max: the skip entry of the block that
    ** may hold a target, decoded once */
    uint32_t sblock;
    bool sk_valid;
    bool sk_full;                   /* sk's max_tf, min_len_q read too (else ub alone) */
    size_t soff;                    /* sblock's last doc: its byte in the table */
    int64_t sline;                  /* and its line's value (zhs_skip_table) */
    zhs_skip sk;
} zhs_cursor;

void zhs_cursor_init(zhs_cursor *c, const zhs_segment *s, const zhs_term_info *ti);
/* Moves to the first doc >= target (target may equal the current doc).
** The end of a list without a skip table (one block: most lists) is
** told in line, without a call: a query opens many short lists and
** walks each past its end. */
uint32_t zhs_cursor_advance_block(zhs_cursor *c, uint32_t target);
static inline uint32_t zhs_cursor_advance(zhs_cursor *c, uint32_t target)
{
    if (c->doc != ZHS_NO_DOC && !c->skips && target > c->docs[c->bn - 1]) return c->doc = ZHS_NO_DOC;
    return zhs_cursor_advance_block(c, target);
}
static inline uint32_t zhs_cursor_next(zhs_cursor *c)
{
    if (c->doc == ZHS_NO_DOC) return ZHS_NO_DOC;
    return zhs_cursor_advance(c, c->doc + 1);
}
/* Term frequencies are decoded on first use: most postings a pruned query
** touches are skipped over, not scored.  A short single block whose tfs
** are all one has them written at its decode (zhs_cursor_init), where
** they cost a few stores: its readers then make no call.  The test in
** line, the decode out of it. */
void zhs_cursor_decode_tfs_now(zhs_cursor *c);
static inline void zhs_cursor_decode_tfs(zhs_cursor *c)
{
    if (!c->tfs_ready) zhs_cursor_decode_tfs_now(c);
}
static inline uint32_t zhs_cursor_tf(zhs_cursor *c)
{
    if (ZHS_UNLIKELY(!c->tfs_ready)) zhs_cursor_decode_tfs_now(c);
    return c->tfs[c->i];
}

/* Skip entry of the block holding the first doc >= target, without decoding
** it (for block-max bounds): its last doc and bounds, the offsets left 0.
** Returns false past the end. */
bool zhs_cursor_shallow(zhs_cursor *c, uint32_t target, zhs_skip *sk);
/* The block-max walk: moves the shallow block to the one that may hold
** target and sets c->sk.last_doc and, with `full`, the three bounds, else
** ub alone (c->sk_full says which); false past the end; the cursor
** has a skip table.  Inlined into its two callers so that each decodes
** only what it returns. */
__attribute__((always_inline)) static inline bool zhs_cursor_shallow_walk(zhs_cursor *c, uint32_t target, bool full)
{
    /* the bounds' columns on the cursor's first block-max read */
    if (ZHS_UNLIKELY(c->skt.rest != NULL)) zhs_skip_table_parse_rest(&c->skt);
    /* the last docs read in order from the shallow block on: the byte
    ** offset and the line's value of the shallow block are kept in
    ** the cursor and advance by a step each (no multiply; the
    ** block-max walk calls this for every block it enters, and
    ** zhs_skip_value cost it a third more instructions); compared as
    ** unsigned, so that a value outside a u32 (damage) stops the walk
    ** as zhs_skip_last's UINT32_MAX does.  In line, not split off as
    ** a cold path: the block-max walk keeps its own bound per block,
    ** so nearly every call moves on */
    const zhs_skip_field *x = &c->skt.f[ZHS_SK_LAST];
    const uint8_t *tp = c->skt.p;
    uint32_t b = c->sblock, n = c->nblocks;
    size_t off = c->soff, stride = c->skt.last_bytes;
    uint64_t mask = x->mask, last = 0;
    int64_t line = c->sline, slope = x->slope;
    if (c->sk_valid) {
        /* the cached block ends before target: the walk starts after it */
        b++;
        off += stride;
        line += slope;
    }
    /* whole bytes (format.h, ZHS_SKIP_LAST_MAX): a load and a mask */
    for (; b < n; b++, off += stride, line += slope) {
        last = (uint64_t)line + (zhs_get_u64(tp + off) & mask);
        if (last >= target) break;
    }
    c->sblock = b;
    c->soff = off;
    c->sline = line;
    if (b >= n) {
        c->sk_valid = false;
        return false;
    }
    c->sk.last_doc = last > UINT32_MAX ? UINT32_MAX : (uint32_t)last;
    if (full) zhs_skip_get_bounds(&c->skt, b, &c->sk);
    else c->sk.ub = zhs_skip_get_ub(&c->skt, b);
    c->sk_full = full;
    c->sk_valid = true;
    return true;
}

/* The same block's last doc and ub alone: what block-max pruning at the
** index's own k1/b reads (max_tf and min_len_q only serve other k1/b).
** The walk then decodes no other bound and copies no entry: the walk is
** most of what format 8's tables cost a query over format 7's.  In
** line (in the query's block_bound): the call, its six saved registers
** and the second test of c->skips were a fifth of the walk's cost. */
static inline bool zhs_cursor_shallow_ub(zhs_cursor *c, uint32_t target, uint32_t *last_doc, float *ub)
{
    if (!c->skips) return false;
    if (!(c->sk_valid && target <= c->sk.last_doc) && !zhs_cursor_shallow_walk(c, target, false)) return false;
    *last_doc = c->sk.last_doc;
    *ub = c->sk.ub;
    return true;
}

/* A term occurs at most once per token of a passage (title tokens counted
** title_weight times), so tf <= the passage length in every sound index. */
static inline bool zhs_cursor_tf_sane(zhs_cursor *c)
{
    /* tf 0 is damage too (a packed tf - 1 of 2^32 - 1 wraps): its
    ** positions would be "every gap but the first", 2^32 - 1 of them */
    return zhs_cursor_tf(c) - 1u < zhs_get_u32(c->seg->len.body + (size_t)c->doc * 4);
}
/* The bound the query paths check before reading positions: tf <= the
** segment's longest passage.  It bounds the work a damaged tf can cause
** as well, without reading the passage's length ('zhs check' uses the
** exact test above). */
static inline bool zhs_cursor_tf_bounded(zhs_cursor *c)
{
    return zhs_cursor_tf(c) - 1u < c->seg->max_len;     /* 1 <= tf <= max_len */
}

/* Positions of the current doc into out (up to max); returns the count,
** or -1 on damage (a term frequency above the passage length included:
** an index with it would have a position loop bounded only by 2^32). */
int zhs_cursor_positions(zhs_cursor *c, uint32_t *out, uint32_t max);
/* The current doc's positions one at a time, in order, decoded as they
** are asked for: a phrase check that finds its match early (or learns it
** cannot match) reads no more of them.  Valid while the cursor stays on
** the doc. */
#define ZHS_POS_EXC_UNKNOWN UINT32_MAX  /* zhs_pos_iter.e not searched yet */
typedef struct zhs_pos_iter {
    zhs_cursor *c;                  /* its exception search moves c->pos_exc_at */
    uint64_t pos;                   /* the current position */
    uint32_t left;                  /* positions after it */
    uint32_t e;                     /* the gap group's next exception */
    size_t j;                       /* the next gap in the block's gap group */
} zhs_pos_iter;
/* Starts on the current doc's first position: 1, 0 at the end, -1 on
** damage (as zhs_cursor_positions).  Inline, as the readers below: a
** phrase check starts one per element and candidate; the first read of a
** block's positions locates them (segment.c). */
int zhs_cursor_pos_start_slow(zhs_cursor *c, zhs_pos_iter *it);
static inline int zhs_cursor_pos_start(zhs_cursor *c, zhs_pos_iter *it);

/* First exception of the gap group at index >= i, searched on from where
** the previous call on this block stopped (c->pos_exc_at): the docs of a
** block are read in order, so each exception is passed once, without the
** binary search per doc whose branches mispredict (tried: slower); a call
** for an earlier doc starts over. */
static inline uint32_t zhs_pos_exception_from(zhs_cursor *c, uint64_t i)
{
    const uint32_t *idx = c->pos_exc_idx;
    uint32_t nexc = c->pos_gaps.nexc, e = c->pos_exc_at;
    if (e > 0 && idx[e - 1] >= i) e = 0;
    while (e < nexc && idx[e] < i) e++;
    c->pos_exc_at = e;
    return e;
}

/* A reader on the current doc, whose block's positions are located and
** whose tf is bounded. */
static inline void zhs_pos_iter_begin(zhs_cursor *c, zhs_pos_iter *it)
{
    it->c = c;
    it->pos = c->pos_first[c->i];
    it->left = c->tfs[c->i] - 1;
    it->j = c->pos_before[c->i];
    /* the gap group's exceptions are searched on the first step: most
    ** readers of a phrase check are never stepped (a term once or twice
    ** in the passage, a match at the first positions) */
    it->e = c->pos_gaps.nexc ? ZHS_POS_EXC_UNKNOWN : 0;
}

static inline int zhs_cursor_pos_start(zhs_cursor *c, zhs_pos_iter *it)
{
    if (ZHS_UNLIKELY(c->doc == ZHS_NO_DOC || !c->pos_fast)) return zhs_cursor_pos_start_slow(c, it);
    zhs_pos_iter_begin(c, it);
    return 1;
}

/* The low bits of gap i, 8 bytes read at once: the group lies inside the
** .pos file's body, which the 16-byte footer follows, so the bytes past
** the packed area are mapped (zhs_pfor_low reads only inside it). */
static inline uint32_t zhs_pos_low(const zhs_pfor_group *g, size_t i)
{
    size_t bp = i * g->bits;
    uint64_t w;
    memcpy(&w, g->packed + (bp >> 3), 8);
    return (uint32_t)((w >> (bp & 7)) & (((uint64_t)1 << g->bits) - 1));
}

/* The next position (it->left > 0): the next gap added, an exception's
** high part with it where the gap is one.  -1 past 2^32 - 1 (damage). */
static inline int zhs_pos_step(zhs_pos_iter *it)
{
    const zhs_cursor *c = it->c;
    const zhs_pfor_group *gg = &c->pos_gaps;
    uint64_t g = zhs_pos_low(gg, it->j);
    if (ZHS_UNLIKELY(it->e == ZHS_POS_EXC_UNKNOWN)) it->e = zhs_pos_exception_from(it->c, it->j);
    if (it->e < gg->nexc && c->pos_exc_idx[it->e] == it->j) g |= (uint64_t)c->pos_exc_high[it->e++] << gg->bits;
    it->j++;
    it->left--;
    it->pos += g;
    return it->pos > UINT32_MAX ? -1 : 1;
}

/* Moves to the first position >= target: 1 (it->pos is it), 0 when the
** doc has none, -1 on damage. */
static inline int zhs_pos_seek(zhs_pos_iter *it, uint64_t target)
{
    while (it->pos < target) {
        if (it->left == 0) return 0;
        if (zhs_pos_step(it) < 0) return -1;
    }
    return 1;
}

/* The current doc's first position alone (the others are not decoded):
** 1 with *out set, 0 at the end, -1 on damage. */
int zhs_cursor_first_position(zhs_cursor *c, uint32_t *out);

/* ------------------------------------------------------------ store */

/* What reading passages needs between calls: one inflate state (or zstd
** context) and one block buffer, set up on first use and reused (no
** 32 KiB window allocated per passage).  Owned by one thread at a time (a result set has its own). */
typedef struct zhs_store_reader {
    z_stream zs;
    bool zs_ready;
    ZSTD_DCtx *dctx;            /* format 5 */
    zhs_buf raw;                /* the block's bytes inflated so far */
    /* Format 5 decompresses a whole block: the last one is kept, and a
    ** read of another passage of it (hits of one law) starts here. */
    const zhs_segment *cached_seg;
    const uint8_t *cached_block;    /* its entry in the block table */
    zhs_record_state st;        /* format 4: the records before the one read,
                                ** read in turn (each refers to the last) */
} zhs_store_reader;
void zhs_store_reader_init(zhs_store_reader *rd);
void zhs_store_reader_free(zhs_store_reader *rd);

/* Returns doc's record: its strings appended to buf, out's fields pointing
** into buf.  A zlib block (formats 1 to 4) is inflated only up to the end
** of the record (its whole bytes are checked by the file checksum at open
** and by zhs_store_verify); a zstd block (format 5) is decompressed whole
** and kept in rd for the next read. */
int zhs_store_get(const zhs_segment *s, uint32_t doc, zhs_store_reader *rd, zhs_buf *buf,
                  zhs_passage *out, zhs_error *err);

/* Decompresses every store block and parses every record. */
int zhs_store_verify(const zhs_segment *s, zhs_error *err);

/* Reads every stored record in order, a block at a time, and calls fn with
** each (doc counts from 0; the passage's strings last until fn returns).
** fn returns a status; a non-zero one stops the walk and is returned. */
typedef int (*zhs_store_fn)(void *ctx, uint32_t doc, const zhs_passage *p, zhs_error *err);
int zhs_store_each(const zhs_segment *s, zhs_store_fn fn, void *ctx, zhs_error *err);

#endif
