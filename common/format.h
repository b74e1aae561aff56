/*
** format.h — the native index's on-disk format, shared by the writer
** (indexer/) and the reader (query/).  docs/FORMAT.md describes it for
** people; this header is the source of truth for code.
**
** An index is a directory:
**     MANIFEST               text; the commit point (see manifest.c)
**     g<GEN>.dict            term dictionary
**     g<GEN>.post            doc-id/term-frequency blocks with skip data
**     g<GEN>.pos             positions
**     g<GEN>.len             passage lengths (u32 each; compressed byte
**                            planes from format 9, ztable.h)
**     g<GEN>.store           passage store (zstd blocks; zlib before format 5)
** Every file starts with an 8-byte magic and ends with a 16-byte footer:
**     u64 body_length   u32 crc32(everything before the footer)   "ZEND"
** All integers are little endian.
*/
#ifndef ZHS_FORMAT_H
#define ZHS_FORMAT_H

#include "common.h"

/* 2: passage records carry metadata (record.h) and a generation may have
** a metadata table (g<N>.meta).  3: posting and position groups may carry
** exceptions (PFOR, below) and the store a preset dictionary.  4: the
** store's texts are in a character code (textcode.h; .store magic
** ZHSSTOR2).  Versions 1 to 3 are still read: their files are valid files
** of version 4 without exceptions, dictionary or character code (the
** .store magic says which).  5: the store's blocks are zstd frames against
** a trained dictionary (.store magic ZHSSTOR3); the rest is format 4.
** 6: a posting block's exceptions are index bytes and bit-packed high
** parts (.post magic ZHSPOST3, zhs_block_encode below); positions and
** every other file are format 5's.  7: a smaller dictionary entry (.dict
** magic ZHSDICT2, below); the store's records leave out what the others
** give: strings that did not change, an id made of the path and the
** label, the next article's label, the text's copy of its label; the line
** is a difference (.store magic ZHSSTOR4, record.h); the store's blocks
** are format 5's.  8: a list's skip table is packed (.post magic
** ZHSPOST4, zhs_skip_table below); its blocks are format 6's.  9: a
** block's term frequencies may be in unary, or said to be all one, by a
** bit of its first head byte (.post magic ZHSPOST5, zhs_block_encode_v9
** below; every format-8 block is a format-9 block); the tables read whole
** at open are compressed (ztable.h): the file table (ZHSFILE2), metadata
** (ZHSMETA2), citations (ZHSCITE3) and passage lengths as byte planes
** (ZHSLENS2); the dictionary's block offsets are u32 (its trailer says
** so, below); the rest is format 8's.
** Format 10: a term of df 1 keeps its posting (the passage; its tf is
** cf) and, up to ZHS_INLINE_POS_MAX positions, its positions in its
** dictionary entry (.dict magic ZHSDICT3, below), not in .post and .pos;
** the rest is format 9's.
** Format 11: a metadata run holds the day its version is in force from
** (meta.h, magic ZHSMETA3); the rest is format 10's.
** Format 12: a metadata run holds the day its document is repealed by
** another's text, and by which (meta.h, magic ZHSMETA4); the rest is
** format 11's. */
#define ZHS_FORMAT_VERSION 12
#define ZHS_FORMAT_VERSION_MIN 1
#define ZHS_MAGIC_LEN 8
#define ZHS_FOOTER_LEN 16

#define ZHS_MAGIC_DICT  "ZHSDICT3"   /* format 10: df-1 lists inline */
#define ZHS_MAGIC_DICT_V2 "ZHSDICT2" /* formats 7 to 9 */
#define ZHS_MAGIC_DICT_V1 "ZHSDICT1" /* formats 1 to 6 */
#define ZHS_MAGIC_POST  "ZHSPOST5"   /* blocks with unary tfs (format 9) */
#define ZHS_MAGIC_POST_V4 "ZHSPOST4" /* format 8: packed skip tables, format-6 blocks */
#define ZHS_MAGIC_POST_V3 "ZHSPOST3" /* formats 6 and 7: blocks with packed exceptions, 18/14-byte skip entries */
#define ZHS_MAGIC_POST_V2 "ZHSPOST2" /* formats 3 to 5: exceptions as varints */
#define ZHS_MAGIC_POS   "ZHSPOSN1"
#define ZHS_MAGIC_LEN_  "ZHSLENS2"   /* byte planes, compressed (format 9, below) */
#define ZHS_MAGIC_LEN_V1 "ZHSLENS1"  /* u32 each (formats 1 to 8) */
#define ZHS_MAGIC_STORE "ZHSSTOR4"   /* records without derived strings (format 7) */
#define ZHS_MAGIC_STORE_V3 "ZHSSTOR3"   /* zstd blocks, a trained dictionary (formats 5, 6) */
#define ZHS_MAGIC_STORE_V2 "ZHSSTOR2"   /* texts in a character code (format 4) */
#define ZHS_MAGIC_STORE_V1 "ZHSSTOR1"
#define ZHS_MAGIC_DEL   "ZHSDELS1"   /* deleted passages: a bitmap, bit d = passage d */
#define ZHS_MAGIC_FILES "ZHSFILE2"   /* the file table of updates (indexer/sources.c),
                                    ** compressed (format 9, ztable.h) */
#define ZHS_MAGIC_FILES_V1 "ZHSFILE1" /* the same body as it is (formats 1 to 8) */
/* The layouts of the file table that are read as they are. */
extern const char *const zhs_files_plain_magics[];

/* ------------------------------------------------------------ postings */
/*
** A term's postings in .post:
**     [skip table]   only when df > ZHS_BLOCK: nblocks entries of
**                    ZHS_SKIP_BYTES each (struct zhs_skip)
**     block 0 .. block nblocks-1
** A block holds up to ZHS_BLOCK postings:
**     u8 doc_bits, u8 tf_bits,
**     packed (doc - prev_doc - 1) values, doc_bits each,
**     packed (tf - 1) values, tf_bits each;
** prev_doc is the previous block's last doc (-1 before the first block).
** Positions in .pos, one group per block (the skip entry says where each
** starts):  u8 first_bits, u8 gap_bits, the first position of each
** posting packed with first_bits, then the gaps between each posting's
** later positions packed with gap_bits (sum of tf - 1 values).  Han words
** of two or more characters have no positions when bigrams are indexed
** (phrases match on bigrams): their pos_len is 0.
*/
#define ZHS_BLOCK 128
/* Skip entries, fixed size within a term (binary searched on last_doc):
**   format 3 (.post magic ZHSPOST2): u32 last_doc, u32 post_off,
**     u16 max_tf, u16 min_len_q, u16 ub (the float's upper 16 bits,
**     rounded up: a bound stays a bound), and u32 pos_off only when the
**     term has positions: 18 or 14 bytes;
**   formats 1 and 2 (ZHSPOST1): u32 last_doc, u32 post_off, u64 pos_off,
**     f32 ub, u16 max_tf, u16 min_len_q: 24 bytes. */
#define ZHS_SKIP_BYTES 18
#define ZHS_SKIP_BYTES_NOPOS 14
#define ZHS_SKIP_BYTES_V1 24
#define ZHS_MAGIC_POST_V1 "ZHSPOST1"

typedef struct zhs_skip {
    uint32_t last_doc;      /* last doc id in the block */
    uint32_t post_off;      /* block start, from the term's first block */
    uint64_t pos_off;       /* positions start, from the term's positions start */
    float ub;               /* max tf*(k1+1)/(tf+K(len)) in the block, at the
                            ** index's k1/b (a bound for BlockMax pruning) */
    uint16_t max_tf;        /* saturated: a bound valid for any k1/b */
    uint16_t min_len_q;     /* min length, quantized down (see zhs_len_q) */
} zhs_skip;

/* size: ZHS_SKIP_BYTES, ZHS_SKIP_BYTES_NOPOS (pos_off left out, decoded
** as 0) or ZHS_SKIP_BYTES_V1.  Encoding rounds ub up to what the entry
** holds. */
void zhs_skip_encode(uint8_t *out, const zhs_skip *s, unsigned size);
void zhs_skip_decode(zhs_skip *s, const uint8_t *in, unsigned size);
/* A non-negative float's upper 16 bits, rounded up: the float they give
** back (as the upper half of an f32) is >= f.  Skip entries and format 7
** dictionary entries store bounds so. */
uint16_t zhs_ub_round_up(float f);

/* Skip tables of format 8 (.post magic ZHSPOST4).  The n entries are
** kept column by column, each field at the fewest bits its values need
** after a prediction is taken off.  A fixed header, then the columns:
**     u8 width of each field: last_doc, post_off, max_tf, min_len_q, ub
**        (the upper 16 bits, as above), then pos_off with positions only;
**     5 bytes zigzag(last_base), u32 last_slope, u32 post_down,
**        u16 max_tf_base, u16 min_len_base, u16 ub_base, then u32
**        pos_down with positions only (all little endian): 29 bytes, 24
**        without positions;
**     the columns, in that order, n values each at its width, one bit
**        stream (zhs_pack's order), padded to a byte; but the three
**        bounds are one column of rows: entry b's max_tf, min_len_q
**        and ub side by side (one load reads them);
** then the blocks.  Entry b's value of a field is base + b * slope + its
** packed value: last_doc's base and slope are as written (slope: the
** average step from the first entry to the last), post_off's slope is
** (the blocks' bytes) / n and its base -post_down, pos_off's slope
** (the term's positions bytes) / n and base -pos_down, the other fields'
** slope 0.  Why: 18 bytes an entry (14 without positions) held values
** of 18 bits (a doc id of the laws), a dozen (an offset inside a list
** of a few KB) and a few (bounds that vary little within a term).
** Offsets grow about linearly, so what is left after the line is small.
** The header is fixed (no varints) so that opening a cursor reads it in
** a few loads: every width is checked in one word, the fixed fields
** bound every sum by their size. */
#define ZHS_SKIP_NFIELDS 6
enum { ZHS_SK_LAST, ZHS_SK_POST, ZHS_SK_MAXTF, ZHS_SK_MINLEN, ZHS_SK_UB, ZHS_SK_POS };
/* Widest packed value of a field: 33 bits for doc ids and offsets (a
** u32 less its line spans up to twice its range; the last docs' column
** rounds its width up, below), 16 for the bounds.
** The last docs' column is at whole bytes (its width a multiple of 8,
** at most 40): the block-max walk and the gallop read a last doc with a
** load and a mask, no bit offset (that read was most of what the packed
** table cost a query over format 7's entries). */
#define ZHS_SKIP_WIDE_MAX 33
#define ZHS_SKIP_LAST_MAX 40
/* The header's bytes, with and without positions. */
#define ZHS_SKIP_HEAD_POS 29
#define ZHS_SKIP_HEAD_NOPOS 24

/* Where a field of entry b is: its value is base + b * slope + the raw
** value of `mask`'s bits at bit (at + b * stride) of the table.  Format
** 1-7 entries are fixed records read the same way (stride: the entry's
** bits, base and slope 0), so that the cursor has one reader. */
typedef struct zhs_skip_field {
    uint64_t at;
    uint64_t mask;
    int64_t base, slope;
    uint32_t stride;
} zhs_skip_field;

/* The three bounds of an entry lie side by side (a row, one load): each
** is base + (row >> shift & mask). */
typedef struct zhs_skip_bound {
    uint32_t base, mask;
    uint32_t shift;
} zhs_skip_bound;

typedef struct zhs_skip_table {
    const uint8_t *p;               /* where the fields' bit offsets start:
                                    ** the columns (format 8), the entries */
    size_t len;                     /* the table's bytes: the blocks follow */
    unsigned ub_shift;              /* ub's raw bits << ub_shift: the f32's bits */
    /* last_doc, post_off and pos_off (f[ZHS_SK_LAST], f[ZHS_SK_POST],
    ** f[ZHS_SK_POS]; the bounds' f[] are unused) */
    zhs_skip_field f[ZHS_SKIP_NFIELDS];
    /* f[ZHS_SK_LAST] starts at p and its stride is whole bytes: this
    ** many (format 8: its width / 8; formats 1-7: the entry's bytes) */
    uint32_t last_bytes;
    /* the bounds' row of entry b: bit (row_at + b * row_stride) */
    uint64_t row_at;
    uint32_t row_stride;
    zhs_skip_bound max_tf, min_len, ub;
    /* a format-8 table whose bounds and positions offsets are not read
    ** yet (zhs_skip_table_parse_head): its header, else NULL */
    const uint8_t *rest;
    uint32_t n;
    uint64_t pos_len;
} zhs_skip_table;

/* Encodes the n > 1 entries e[] of a list as a format-8 table into out;
** pos: the term has positions.  blocks_len and pos_len: the bytes of the
** list's blocks and positions (they give the offsets' slopes).  False
** when out of memory (out->oom) or a value does not fit the layout. */
bool zhs_skip_table_encode(zhs_buf *out, const zhs_skip *e, uint32_t n, bool pos, uint64_t blocks_len,
                           uint64_t pos_len);
/* Parses the format-8 table of n > 1 entries at p (list_len: the list's
** bytes, table included; it must hold the table), pos_len: the term's
** positions bytes (0: none).  False on damage.  Every value it then
** gives is a sum in 64 bits of bounded parts (no overflow); a value
** outside its field's range is damage the caller's checks see. */
bool zhs_skip_table_parse(zhs_skip_table *t, const uint8_t *p, uint32_t n, uint64_t list_len, uint64_t pos_len);
/* The parse in two steps, for a cursor: the head checks the whole header
** and the table's size (false on damage) and sets last_doc and post_off,
** all that finding and decoding a block needs; the rest (bounds,
** positions offsets: t->rest not NULL) cannot fail and is left to the
** first block-max or positions read, which many cursors never make. */
bool zhs_skip_table_parse_head(zhs_skip_table *t, const uint8_t *p, uint32_t n, uint64_t list_len,
                               uint64_t pos_len);
void zhs_skip_table_parse_rest(zhs_skip_table *t);
/* The fixed entries of formats 1-7 (size: ZHS_SKIP_BYTES, _NOPOS, _V1)
** as a table of n entries at p. */
void zhs_skip_table_fixed(zhs_skip_table *t, const uint8_t *p, uint32_t n, unsigned size);

/* Field f of entry b; the table must be followed by 8 readable bytes
** (a list's blocks, the file's footer). */
static inline int64_t zhs_skip_value(const zhs_skip_table *t, unsigned f, uint32_t b)
{
    const zhs_skip_field *x = &t->f[f];
    uint64_t bit = x->at + (uint64_t)b * x->stride, w = zhs_get_u64(t->p + (bit >> 3));
    return x->base + (int64_t)b * x->slope + (int64_t)((w >> (bit & 7)) & x->mask);
}
/* Entry b's last doc; UINT32_MAX (never a doc id) when it is outside a
** u32: damage. */
static inline uint32_t zhs_skip_last(const zhs_skip_table *t, uint32_t b)
{
    const zhs_skip_field *x = &t->f[ZHS_SK_LAST];
    /* whole bytes: a load and a mask */
    uint64_t v = (uint64_t)(x->base + (int64_t)b * x->slope) +
                 (zhs_get_u64(t->p + (size_t)b * t->last_bytes) & x->mask);     /* < 0: above 2^63 */
    return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}
/* Entry b whole; an offset outside 0..UINT32_MAX (damage) is UINT32_MAX
** (post_off) or UINT64_MAX (pos_off). */
void zhs_skip_get(const zhs_skip_table *t, uint32_t b, zhs_skip *s);
/* Entry b's ub alone (zhs_cursor_shallow_ub: pruning at the index's own
** k1/b reads no other bound). */
static inline float zhs_skip_get_ub(const zhs_skip_table *t, uint32_t b)
{
    uint64_t bit = t->row_at + (uint64_t)b * t->row_stride;
    uint64_t row = zhs_get_u64(t->p + (bit >> 3)) >> (bit & 7);
    uint32_t f = (t->ub.base + ((uint32_t)(row >> t->ub.shift) & t->ub.mask)) << t->ub_shift;
    float ub;
    memcpy(&ub, &f, 4);
    return ub;
}

/* Entry b's bounds alone (ub, max_tf, min_len_q), the rest of *s left as
** it is: what block-max pruning reads for every block it passes at other
** k1/b, inline (the offsets and a call cost a term top 10 query 2-3% more
** CPU). */
static inline void zhs_skip_get_bounds(const zhs_skip_table *t, uint32_t b, zhs_skip *s)
{
    /* one load for the three (a row of at most 48 bits in format 8, 64
    ** aligned ones in format 1: with the bit's shift it fits a word);
    ** zhs_skip_get_ub's load is the same one, merged by the compiler */
    float ub = zhs_skip_get_ub(t, b);
    uint64_t bit = t->row_at + (uint64_t)b * t->row_stride;
    uint64_t row = zhs_get_u64(t->p + (bit >> 3)) >> (bit & 7);
    s->ub = ub;
    s->max_tf = (uint16_t)(t->max_tf.base + ((uint32_t)(row >> t->max_tf.shift) & t->max_tf.mask));
    s->min_len_q = (uint16_t)(t->min_len.base + ((uint32_t)(row >> t->min_len.shift) & t->min_len.mask));
}

/* Lengths quantized to 16 bits, rounding down (a bound must not overshoot):
** exact below 4096, then in steps. */
uint16_t zhs_len_q(uint32_t len);
uint32_t zhs_len_unq(uint16_t q);

/* Bit packing: n values of `bits` bits each; out must have
** zhs_pack_bytes(n, bits) + 8 bytes of room (unpacking reads whole words). */
static inline size_t zhs_pack_bytes(size_t n, unsigned bits) { return (n * bits + 7) / 8; }
/* Inline: the encoder asks it three times per value of every group, and
** as a call from the shared library (interposable) it was 1.3% of a
** laws build's samples. */
static inline unsigned zhs_bits_needed(uint32_t max) { return max ? 32u - (unsigned)__builtin_clz(max) : 0u; }
size_t zhs_pack(uint8_t *out, const uint32_t *v, size_t n, unsigned bits);
/* Reads n values; in must have zhs_pack_bytes(n, bits) readable bytes. */
void zhs_unpack(uint32_t *v, const uint8_t *in, size_t n, unsigned bits);

/* As zhs_unpack, but may read up to 8 bytes past the packed area (the
** caller guarantees they are mapped): the hot path of posting decoding. */
void zhs_unpack_padded(uint32_t *v, const uint8_t *in, size_t n, unsigned bits);
/* As zhs_unpack_padded where the bytes in[0..limit - in) are readable
** (limit - in >= zhs_pack_bytes(n, bits) + 8): the vector kernel's loads,
** 16 bytes and more a group, then reach the last groups too, which the
** padded contract leaves to a scalar loop (a block's first positions:
** one to seven groups of its sixteen at widths 1 to 15). */
void zhs_unpack_bounded(uint32_t *v, const uint8_t *in, size_t n, unsigned bits, const uint8_t *limit);
/* As zhs_unpack_padded, plus one: term frequencies from their packed tf - 1. */
void zhs_unpack_tfs_padded(uint32_t *v, const uint8_t *in, size_t n, unsigned bits);
/* As zhs_unpack_padded for n >= 1 packed doc gaps (doc - prev_doc - 1), turned
** into doc ids after prev (-1 before the first): v[i] = prev + sum over
** j <= i of (gap_j + 1).  Returns the last doc id, exact in 64 bits, so that
** a damaged block whose ids pass 2^32 - 1 is seen. */
uint64_t zhs_unpack_docs_padded(uint32_t *v, const uint8_t *in, size_t n, unsigned bits, int64_t prev);

/* Patched frame of reference (PFOR): a group of values bit-packed at a
** width chosen for the group, the few values that do not fit kept apart
** as exceptions (their high bits), so that one outlier (the first doc gap
** of a title term's run of passages, a long gap between two positions) no
** longer widens every value of its group.  Groups come in pairs (doc gaps
** and term frequencies, first positions and position gaps), written as
**     head A, head B, packed A, packed B
** where a head is
**     u8 width | ZHS_PFOR_EXC when exceptions follow,
**     [varint nexc (1..ZHS_PFOR_MAX_EXC), then per exception
**      varint (index - previous exception's index - 1; the first: index),
**      varint (value >> width), never 0]
** and packed holds the values' low `width` bits (zhs_pack).  A pair
** without exceptions is byte for byte the layout of format 2 (two width
** bytes, two packed areas), so format-2 segments are read as they are.
*/
#define ZHS_PFOR_EXC 0x80
#define ZHS_PFOR_MAX_EXC 64
/* Room zhs_pfor_encode2 (or zhs_block_encode, na = nb = n) may write
** for na + nb values (8 bytes of unpacking slack included). */
static inline size_t zhs_pfor_bound(size_t na, size_t nb)
{
    return 2 * (1 + 2 + (size_t)ZHS_PFOR_MAX_EXC * 7) + (na + nb) * 4 + 8;
}
/* Writes the pair of groups a[0..na), b[0..nb), each at the width that
** costs it the fewest bytes; returns the bytes written. */
size_t zhs_pfor_encode2(uint8_t *out, const uint32_t *a, size_t na, const uint32_t *b, size_t nb);

/* A parsed group: where its parts are. */
typedef struct zhs_pfor_group {
    const uint8_t *exc;         /* exceptions (nexc pairs of varints) */
    const uint8_t *packed;      /* the packed low bits */
    size_t packed_bytes;
    uint64_t high_sum;          /* of the exceptions' high parts: bounds a sum */
    uint32_t nexc;
    uint8_t bits;
} zhs_pfor_group;
/* A group's exceptions as the parse found them, for decoding the group
** whole without walking its varints again: exception k is value idx[k]
** (in increasing order), whose high part << width is add[k].  Groups of
** up to ZHS_BLOCK values (an index fits a byte). */
typedef struct zhs_pfor_patch {
    uint32_t add[ZHS_PFOR_MAX_EXC];
    uint8_t idx[ZHS_PFOR_MAX_EXC];
} zhs_pfor_patch;
/* Parses and checks the pair at p (exceptions in range and in order,
** everything inside [p, end)).  Returns the pair's end, NULL on damage.
** With patches (both or neither; then na, nb <= ZHS_BLOCK, else NULL),
** each group's exceptions are laid out in its patch as they are checked
** (written only for a group that has exceptions): decoding a block then
** walks no varint again. */
const uint8_t *zhs_pfor_parse_pair(zhs_pfor_group *ga, zhs_pfor_patch *pa, size_t na, zhs_pfor_group *gb,
                                   zhs_pfor_patch *pb, size_t nb, const uint8_t *p, const uint8_t *end);
static inline const uint8_t *zhs_pfor_parse2(zhs_pfor_group *ga, size_t na, zhs_pfor_group *gb, size_t nb,
                                             const uint8_t *p, const uint8_t *end)
{
    return zhs_pfor_parse_pair(ga, NULL, na, gb, NULL, nb, p, end);
}
/* The pair of a block of n <= ZHS_BLOCK postings (NULL for n >
** ZHS_BLOCK too), doc gaps into dg and dp, term frequencies into tg and
** tp.  Inline for its common case, two heads without exceptions (four
** lists in five of the laws' single-block lists): two width bytes, no
** varint, nothing to lay out. */
static inline const uint8_t *zhs_pfor_parse_block(zhs_pfor_group *dg, zhs_pfor_patch *dp, zhs_pfor_group *tg,
                                                  zhs_pfor_patch *tp, size_t n, const uint8_t *p,
                                                  const uint8_t *end)
{
    if (n > ZHS_BLOCK) return NULL;
    if (ZHS_LIKELY(end - p >= 2 && ((p[0] | p[1]) & ZHS_PFOR_EXC) == 0)) {
        unsigned db = p[0], tb = p[1];
        if (db > 32 || tb > 32) return NULL;
        size_t dbytes = zhs_pack_bytes(n, db), tbytes = zhs_pack_bytes(n, tb);
        if ((size_t)(end - p) - 2 < dbytes + tbytes) return NULL;
        *dg = (zhs_pfor_group){.exc = p + 1, .packed = p + 2, .packed_bytes = dbytes, .bits = (uint8_t)db};
        *tg = (zhs_pfor_group){.exc = p + 2, .packed = p + 2 + dbytes, .packed_bytes = tbytes, .bits = (uint8_t)tb};
        return p + 2 + dbytes + tbytes;
    }
    return zhs_pfor_parse_pair(dg, dp, n, tg, tp, n, p, end);
}
/* Posting blocks of format 6 (.post magic ZHSPOST3).  The pair of a
** block (doc gaps, then tfs minus one, n <= ZHS_BLOCK values each) is
** laid out as above, head A, head B, packed A, packed B, but a head with
** exceptions is
**     u8 width | ZHS_PFOR_EXC, u8 nexc (1..ZHS_PFOR_MAX_EXC, <= n),
**     u8 hbits (1..32 - width), nexc index bytes (strictly increasing,
**     < n), then the high parts (value >> width) bit-packed at hbits
**     (zhs_pack: zhs_pack_bytes(nexc, hbits) bytes)
** so that a reader takes every index as it is and unpacks the high parts
** eight at a time, without a varint or a branch per exception.  A head
** without exceptions is the one byte of every earlier format. */
size_t zhs_block_encode(uint8_t *out, const uint32_t *gaps, const uint32_t *tfm1, size_t n);

/* Posting blocks of format 9 (.post magic ZHSPOST5): a format-6 block,
** or, where the first head byte (the doc gaps') has ZHS_BLOCK_TF_SPECIAL
** set, a block without a tf head:
**     doc head, packed doc gaps, then the tf area
** where the doc head is format 6's with its byte's width field
** (byte & ZHS_BLOCK_WIDTH_MASK) meaning
**     0..32   the doc gaps' width; the tf area holds the n values tf - 1
**             in unary, each as that many 0 bits then a 1 bit (zhs_pack's
**             little-endian bit stream), zero bits to the byte after the
**             n-th 1 bit: the area ends at the byte holding it;
**     33..63  the doc gaps' width + ZHS_BLOCK_TF_ONES (0..30); every tf
**             is 1 and there is no tf area.
** Why: most blocks' tfs are small (on laws 71% are 1, 20% 2): unary
** takes n + sum(tf - 1) bits where a PFOR group takes its head byte and
** n times its width; a block whose tfs are all one drops the byte that
** said width 0.  The writer takes the unary area only where it is
** strictly smaller than the PFOR group (head included), all-ones where
** the doc width allows it.  A 1 bit past the n-th in the last byte, an
** area without n 1 bits inside the list, or one of 2^29 bytes and more
** is damage, seen when the tfs are read (the doc ids need no more than
** where the area starts). */
#define ZHS_BLOCK_TF_SPECIAL 0x40u
#define ZHS_BLOCK_WIDTH_MASK 0x3Fu
#define ZHS_BLOCK_TF_ONES 33u
/* A parsed tf group in unary has this width (no PFOR group has it):
** packed is the area's start; the parse leaves packed_bytes 0 (the area
** is found when the tfs are read: codec_simd.h, zhs_unary_block_tfs),
** a placed group has its bytes, and high_sum the sum of tf - 1. */
#define ZHS_TF_UNARY_BITS 64u
/* A cursor's tf group of format 10's inline list (segment.c): its one tf
** set at the start, nothing to decode */
#define ZHS_TF_INLINE_BITS 65u
#define ZHS_TF_UNARY_MAX_BYTES ((size_t)1 << 29)
size_t zhs_block_encode_v9(uint8_t *out, const uint32_t *gaps, const uint32_t *tfm1, size_t n);
/* Locates the unary area of n >= 1 values at p, inside [p, end), into g;
** returns its end, NULL on damage (above). */
const uint8_t *zhs_unary_place(zhs_pfor_group *g, const uint8_t *p, const uint8_t *end, size_t n);
/* Parses and checks the format-6 pair of a block of n values at p, the
** exceptions laid out in the patches; as zhs_pfor_parse_pair otherwise.
** The bytes up to limit (>= end) are readable: the indexes and high
** parts are read with vector loads where limit leaves room. */
const uint8_t *zhs_block_parse_packed(zhs_pfor_group *dg, zhs_pfor_patch *dp, zhs_pfor_group *tg, zhs_pfor_patch *tp,
                                      size_t n, const uint8_t *p, const uint8_t *end, const uint8_t *limit);
/* All n values of a parsed group into v (any n; up to 8 bytes past the
** packed area are read and must be mapped). */
void zhs_pfor_unpack(uint32_t *v, const zhs_pfor_group *g, size_t n);
/* The exceptions of a parsed group, for random access: g->nexc indexes
** and high parts (value >> bits). */
void zhs_pfor_exceptions(const zhs_pfor_group *g, uint32_t *idx, uint32_t *high);
/* The low bits of value i of a parsed group, for random access (reads
** only inside the packed area); an exception's value is this | its high
** part << bits. */
static inline uint32_t zhs_pfor_low(const zhs_pfor_group *g, size_t i)
{
    unsigned bits = g->bits;
    if (bits == 0) return 0;
    size_t bp = i * bits, byte = bp >> 3, avail = g->packed_bytes - byte;
    uint64_t w = 0;
    memcpy(&w, g->packed + byte, avail < 8 ? avail : 8);
    uint64_t mask = bits == 32 ? 0xFFFFFFFFu : ((uint64_t)1 << bits) - 1;
    return (uint32_t)((w >> (bp & 7)) & mask);
}

/* End of a block of n postings starting at p, NULL if it is damaged or
** does not fit in [p, end). */
const uint8_t *zhs_block_end(const uint8_t *p, const uint8_t *end, size_t n);

/* ------------------------------------------------------------ dictionary */
/*
** .dict body: blocks of up to ZHS_DICT_BLOCK terms, then the block table.
** Block:  varint post_start, varint pos_start (absolute offsets of the
**         block's first term), then per term its key, front-coded: the
**         length shared with the previous term in the block (0 for the
**         first) and the rest of the key.
** Format 7 entry (ZHSDICT2), what follows from the rest left out:
**         u8 lengths: shared << 4 | rest when shared <= 14 and rest <= 15,
**            else 0xF0 and varint shared, varint rest;
**         the rest of the key;
**         u8 flags: bit 0 the bound is stored, bit 1 the term has
**            positions, bit 2 cf > df, bits 3-7 df - 1 when below 31,
**            else 31 and a varint df - 32 follows;
**         [varint df - 32], [varint cf - df - 1] (bit 2), varint post_len,
**         [varint pos_len] (bit 1), [u16 ub: the f32's upper 16 bits
**         rounded up, zhs_ub_round_up] (bit 0), [varint max_tf] (only
**         where df > 1 and cf > df: with df 1 it is cf, with cf = df 1),
**         varint min_len.  Without bit 0 the bound is the tf part of
**         max_tf at min_len (ub_from_max): the writer leaves the bound out
**         where that is no looser than the stored 16 bits would be.
** Format 10 entry (ZHSDICT3): format 7's, but where df is 1 (bits 3-7
**         zero) the list is in the entry (an *inline* list), its place
**         in .post and .pos taken by nothing:
**         [varint cf - 2] (bit 2; the one tf is cf), varint doc (in
**         place of post_len), then with bit 1: when cf <=
**         ZHS_INLINE_POS_MAX, cf varints, the first position and the
**         gaps to the others (in place of pos_len: a reader skips them
**         by counting), else varint pos_len as before (the positions in
**         .pos); [u16 ub] (bit 0), and no min_len: the passage's length
**         is it (the reader takes it from .len).
** Formats 1 to 6 entry (ZHSDICT1): varint shared, varint rest, the rest,
**         varint df, varint cf, varint post_len, varint pos_len, f32 ub,
**         varint max_tf, varint min_len.
** Table:  the offset of each block (from the file start), then
**         u32 nblocks, u32 offset width, u64 nterms.  The width is the
**         offsets' bytes: 4 from format 9 when the file is under 4 GiB,
**         0 (written as "reserved" before) for u64 offsets: formats 1 to
**         8, and a larger file.  On laws: 20,541 blocks, 82 KB less.
*/
#define ZHS_DICT_OFF32 4u
/* 32 was tried: 218 KB smaller on laws, a look-up 45% more instructions */
#define ZHS_DICT_BLOCK 16
#define ZHS_TERM_MAX_KEY 256   /* longest term key, prefix included */
/* Format 7 entry flags (above). */
#define ZHS_DICT_UB 1u
#define ZHS_DICT_POS 2u
#define ZHS_DICT_CF 4u
#define ZHS_DICT_DF_SHIFT 3
#define ZHS_DICT_DF_ESC 31u
/* An inline list's positions are in its entry up to this many (format
** 10): a reader decodes them into the cursor (zhs_cursor.pos_before's
** room); more stay in .pos.  On laws every df-1 term has cf <= 16
** (90,835 of the 96,199 cf 1). */
#define ZHS_INLINE_POS_MAX 64u
/* The dictionary layouts (zhs_dict_parse_entry): ZHSDICT2, ZHSDICT1,
** ZHSDICT3; 0 and 1 as the bool the function took before. */
enum { ZHS_DICT_KIND_V2 = 0, ZHS_DICT_KIND_V1 = 1, ZHS_DICT_KIND_INLINE = 2 };
/* An inline list's post_off (it has no place in .post): this plus its
** entry's offset in .dict, so that post_off still names one term of a
** segment (the searcher matches terms by it). */
#define ZHS_POST_OFF_INLINE ((uint64_t)1 << 62)

typedef struct zhs_term_info {
    uint32_t df;
    uint64_t cf;
    uint64_t post_off, post_len;
    uint64_t pos_off, pos_len;
    float ub;               /* max over postings of tf*(k1+1)/(tf+K) */
    uint32_t max_tf;
    uint32_t min_len;
    bool ub_from_max;       /* ub not stored (format 7): the bound is that
                            ** of max_tf at min_len, at any k1/b */
    /* format 10's inline list (df 1, post_len 0): its passage, and its
    ** positions' varints in the entry, pos_len bytes (NULL: in .pos at
    ** pos_off, or none) */
    bool post_inline;
    uint32_t doc1;
    const uint8_t *pos_inline;
} zhs_term_info;

/* ------------------------------------------------------------ store */
/*
** .store body: the dictionary (dict_len bytes, possibly none), then from
** format 4 (magic ZHSSTOR2, and ZHSSTOR3 in format 5) the texts'
** character table (ntab u16 code points, textcode.h), then the compressed
** blocks of about ZHS_STORE_BLOCK bytes of records, then the block table:
** per block u32 first_doc, u32 ndocs, u64 offset, u32 compressed length,
** u32 raw length; then from format 4 u32 ntab; then u32 nblocks, u32
** dict_len (0 in formats 1 and 2, whose stores have no dictionary).  The
** character table ranks the characters of the first ZHS_STORE_CODE_SAMPLE
** bytes of records (held back uncoded until it is chosen).
** Format 7 (ZHSSTOR4): format 5's file whose records leave out the
** strings the others give: unchanged ones, the id, the next article's
** label, the text's copy of its label (record.h).
** Format 5 (ZHSSTOR3): every block is a zstd frame (no content size or
** dictionary id: the table has the raw length; with zstd's checksum of
** the raw bytes since the fifth session, which frames of earlier stores
** lack) compressed at level ZHS_STORE_LEVEL against the dictionary, a
** zstd dictionary trained (fastCover, fixed parameters) on the
** first ZHS_STORE_DICT_SAMPLE bytes of coded records, in pieces of
** ZHS_STORE_DICT_PIECE bytes: at most ZHS_STORE_DICT_MAX bytes and 1/32
** of the sample, none when that is under ZHS_STORE_DICT_MIN or training
** fails (too few samples).
** Formats 3 and 4: every block is a raw deflate stream (no zlib header and
** adler32) compressed with a preset dictionary (deflateSetDictionary)
** sampled from the first 1 MiB of records: up to 256 pieces of 128 bytes,
** evenly spaced.  Formats 1 and 2: zlib streams, no dictionary.
** Record: varint lengths and bytes of id, title, heading, label, path,
** then varint line, then varint length and bytes of text, then the
** metadata strings; from format 4 each string but the text shares a
** prefix with the previous record's and the text is coded (record.h).
*/
/* 32 KiB of uncoded strings (zhs_record_text_size; about 12 KiB coded on
** laws).  A format-5 read decompresses the hit's whole block (zstd
** decodes a frame this small in one step) and keeps it for the next hit
** of the same block.  On laws, level 6 (docs/FORMAT.md, "Store"): store
** % of the text / CPU s of 409 queries x 100 hits read, --format trec:
** 16 KiB 27.5% / 0.87, 32 KiB 26.0% / 1.22, 64 KiB 24.8% / 1.85 (format 4
** at 16 KiB: 29.2% / 1.37). */
#define ZHS_STORE_BLOCK (32 * 1024)
#define ZHS_STORE_LEVEL 6
#define ZHS_STORE_CODE_SAMPLE (1024 * 1024)
#define ZHS_STORE_DICT_SAMPLE (4 * 1024 * 1024)
#define ZHS_STORE_DICT_PIECE 1024
#define ZHS_STORE_DICT_MAX (112 * 1024)
#define ZHS_STORE_DICT_MIN 256
#define ZHS_STORE_ENTRY 24

/* ------------------------------------------------------------ files */

/* Appends the footer to a file body held in b (which starts with the
** magic). */
bool zhs_footer_append(zhs_buf *b);

/* Checks magic, footer, length and (when verify_crc) the CRC of a mapped
** file.  On success *body and *body_len describe the bytes after the magic
** and before the footer. */
int zhs_file_check(const uint8_t **body, size_t *body_len, const uint8_t *data, size_t size,
                   const char *magic, bool verify_crc, const char *path, zhs_error *err);

#endif
