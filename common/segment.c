/*
** segment.c — mapping a segment's files, the dictionary, posting cursors
** and the passage store (see segment.h, format.h).
*/
#include "segment.h"
#include "codec_simd.h"
#include "record.h"
#include "ztable.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

/* ---------------------------------------------------------------- files */

int zhs_map_file(zhs_mapped *m, const char *path, const char *magic, bool verify, zhs_error *err)
{
    memset(m, 0, sizeof *m);
    if (zhs_err_code(err)) return err->code;
    snprintf(m->path, sizeof m->path, "%s", path);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return zhs_fail(err, errno == ENOENT ? ZHS_ECORRUPT : ZHS_EIO,
                        "cannot open %s: %s: the index is incomplete or damaged; rebuild it",
                        path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return zhs_fail(err, ZHS_EIO, "cannot stat %s: %s", path, strerror(e));
    }
    m->size = (size_t)st.st_size;
    if (m->size > 0) {
        void *p = mmap(NULL, m->size, PROT_READ, MAP_SHARED, fd, 0);
        if (p == MAP_FAILED) {
            int e = errno;
            close(fd);
            return zhs_fail(err, ZHS_EIO, "cannot map %s: %s", path, strerror(e));
        }
        m->data = p;
    }
    close(fd);
    if (zhs_file_check(&m->body, &m->body_len, m->data, m->size, magic, verify, path, err)) {
        int rc = err->code;
        zhs_unmap_file(m);
        return rc;
    }
    return ZHS_OK;
}

void zhs_unmap_file(zhs_mapped *m)
{
    if (m->data) munmap((void *)m->data, m->size);
    free(m->owned);
    m->owned = NULL;
    m->data = NULL;
    m->size = 0;
}

static int corrupt(zhs_error *err, const zhs_mapped *m, const uint8_t *at, const char *what)
{
    size_t off = at && m->data && at >= m->data && at <= m->data + m->size ? (size_t)(at - m->data) : 0;
    return zhs_fail(err, ZHS_ECORRUPT, "%s: %s at offset %zu: the index is damaged; rebuild it",
                    m->path, what, off);
}

/* Where dictionary block b starts, from the file's start. */
static inline uint64_t dict_block_off(const zhs_segment *s, uint32_t b)
{
    return s->dict_off_bytes == 4 ? zhs_get_u32(s->dict_table + (size_t)b * 4)
                                  : zhs_get_u64(s->dict_table + (size_t)b * 8);
}

bool zhs_file_magic(const char *path, char m[ZHS_MAGIC_LEN])
{
    FILE *f = fopen(path, "rb");
    if (!f) return false;
    bool whole = fread(m, 1, ZHS_MAGIC_LEN, f) == ZHS_MAGIC_LEN;
    fclose(f);
    return whole;
}

static bool magic_is(const char m[ZHS_MAGIC_LEN], bool have, const char *magic)
{
    return have && memcmp(m, magic, ZHS_MAGIC_LEN) == 0;
}

bool zhs_file_has_magic(const char *path, const char *magic)
{
    char m[ZHS_MAGIC_LEN];
    return magic_is(m, zhs_file_magic(path, m), magic);
}

int zhs_segment_open(zhs_segment *s, const char *dir, const char *stem, uint32_t ndocs,
                     bool verify, zhs_error *err)
{
    memset(s, 0, sizeof *s);
    if (zhs_err_code(err)) return err->code;
    char path[ZHS_PATH_MAX];
    s->ndocs = ndocs;
    s->record_version = ZHS_FORMAT_VERSION;
    snprintf(path, sizeof path, "%s/%s.dict", dir, stem);
    /* the layout from the magic, read once (an unreadable file has none
    ** of them: mapping it says why) */
    char m[ZHS_MAGIC_LEN];
    bool have = zhs_file_magic(path, m);
    s->dict_v1 = magic_is(m, have, ZHS_MAGIC_DICT_V1);
    s->dict_kind = s->dict_v1 ? ZHS_DICT_KIND_V1 : magic_is(m, have, ZHS_MAGIC_DICT_V2) ? ZHS_DICT_KIND_V2
                                                                                        : ZHS_DICT_KIND_INLINE;
    zhs_map_file(&s->dict, path,
                 s->dict_kind == ZHS_DICT_KIND_V1   ? ZHS_MAGIC_DICT_V1
                 : s->dict_kind == ZHS_DICT_KIND_V2 ? ZHS_MAGIC_DICT_V2
                                                    : ZHS_MAGIC_DICT,
                 verify, err);
    snprintf(path, sizeof path, "%s/%s.post", dir, stem);
    have = zhs_file_magic(path, m);
    s->skip_v1 = magic_is(m, have, ZHS_MAGIC_POST_V1);
    s->post_unary = magic_is(m, have, ZHS_MAGIC_POST);
    s->skip_packed = s->post_unary || magic_is(m, have, ZHS_MAGIC_POST_V4);
    s->post_packed = s->skip_packed || magic_is(m, have, ZHS_MAGIC_POST_V3);
    zhs_map_file(&s->post, path,
                 s->skip_v1         ? ZHS_MAGIC_POST_V1
                 : s->post_unary    ? ZHS_MAGIC_POST
                 : s->skip_packed   ? ZHS_MAGIC_POST_V4
                 : s->post_packed   ? ZHS_MAGIC_POST_V3
                                    : ZHS_MAGIC_POST_V2,
                 verify, err);
    snprintf(path, sizeof path, "%s/%s.pos", dir, stem);
    zhs_map_file(&s->pos, path, ZHS_MAGIC_POS, verify, err);
    snprintf(path, sizeof path, "%s/%s.len", dir, stem);
    zhs_lens_open(&s->len, path, ndocs, verify, err);
    snprintf(path, sizeof path, "%s/%s.store", dir, stem);
    have = zhs_file_magic(path, m);
    s->store_coded = !magic_is(m, have, ZHS_MAGIC_STORE_V1);
    s->store_zstd = s->store_coded && !magic_is(m, have, ZHS_MAGIC_STORE_V2);
    s->store_derived = s->store_zstd && !magic_is(m, have, ZHS_MAGIC_STORE_V3);
    zhs_map_file(&s->store, path,
                 s->store_derived ? ZHS_MAGIC_STORE
                 : s->store_zstd  ? ZHS_MAGIC_STORE_V3
                 : s->store_coded ? ZHS_MAGIC_STORE_V2
                                  : ZHS_MAGIC_STORE_V1,
                 verify, err);
    if (zhs_err_code(err)) goto fail;

    /* dictionary trailer: u32 nblocks, u32 reserved, u64 nterms */
    if (s->dict.body_len < 16) { corrupt(err, &s->dict, s->dict.body, "dictionary too short"); goto fail; }
    const uint8_t *tr = s->dict.body + s->dict.body_len - 16;
    s->dict_nblocks = zhs_get_u32(tr);
    uint32_t width = zhs_get_u32(tr + 4);
    s->dict_off_bytes = width == ZHS_DICT_OFF32 ? 4 : 8;
    s->nterms = zhs_get_u64(tr + 8);
    if ((width != 0 && width != ZHS_DICT_OFF32) ||
        (uint64_t)s->dict_nblocks * s->dict_off_bytes > s->dict.body_len - 16 ||
        s->nterms > (uint64_t)s->dict_nblocks * ZHS_DICT_BLOCK ||
        (s->dict_nblocks && s->nterms <= (uint64_t)(s->dict_nblocks - 1) * ZHS_DICT_BLOCK)) {
        corrupt(err, &s->dict, tr, "bad dictionary trailer");
        goto fail;
    }
    s->dict_table = tr - (size_t)s->dict_nblocks * s->dict_off_bytes;
    for (uint32_t i = 0; i < s->dict_nblocks; i++) {
        uint64_t off = dict_block_off(s, i);
        uint64_t prev = i ? dict_block_off(s, i - 1) : 0;
        if (off < ZHS_MAGIC_LEN || off >= (uint64_t)(s->dict_table - s->dict.data) || (i && off <= prev)) {
            corrupt(err, &s->dict, s->dict_table + (size_t)i * s->dict_off_bytes, "bad dictionary block offset");
            goto fail;
        }
    }
    if (s->len.body_len != (size_t)ndocs * 4) {
        corrupt(err, &s->len, s->len.body, "passage count differs from the manifest");
        goto fail;
    }
    /* The longest passage bounds every term frequency on the query paths
    ** without a read of the passage's own length (a cache miss per
    ** candidate); 'zhs check' still compares each with its passage's. */
    s->max_len = 0;
    for (uint32_t d = 0; d < ndocs; d++) {
        uint32_t l = zhs_get_u32(s->len.body + (size_t)d * 4);
        s->max_len = l > s->max_len ? l : s->max_len;
    }
    /* store trailer: [u32 character table length (format 4)], u32
    ** nblocks, u32 dictionary length */
    size_t trailer = s->store_coded ? 12 : 8;
    if (s->store.body_len < trailer) { corrupt(err, &s->store, s->store.body, "store too short"); goto fail; }
    const uint8_t *st = s->store.body + s->store.body_len - 8;
    s->store_nblocks = zhs_get_u32(st);
    s->store_dict_len = zhs_get_u32(st + 4);
    s->store_tc.n = s->store_coded ? zhs_get_u32(st - 4) : 0;
    if ((uint64_t)s->store_nblocks * ZHS_STORE_ENTRY + s->store_dict_len + 2 * (uint64_t)s->store_tc.n >
        s->store.body_len - trailer) {
        corrupt(err, &s->store, st, "bad store trailer");
        goto fail;
    }
    s->store_table = s->store.body + s->store.body_len - trailer - (size_t)s->store_nblocks * ZHS_STORE_ENTRY;
    s->store_dict = s->store.body;
    s->store_tc.table = s->store.body + s->store_dict_len;
    if (s->store_coded && !zhs_textcode_valid(s->store_tc.table, s->store_tc.n)) {
        corrupt(err, &s->store, s->store_tc.table, "bad character table in store");
        goto fail;
    }
    if (s->store_zstd && s->store_dict_len) {
        /* NULL for a dictionary whose tables do not load (or no memory:
        ** rare enough at open to be told as damage too) */
        s->store_ddict = ZSTD_createDDict(s->store_dict, s->store_dict_len);
        if (!s->store_ddict) {
            corrupt(err, &s->store, s->store_dict, "bad zstd dictionary in store");
            goto fail;
        }
    }
    uint64_t blocks_start = ZHS_MAGIC_LEN + (uint64_t)s->store_dict_len + 2 * (uint64_t)s->store_tc.n;
    uint64_t expect_first = 0;
    for (uint32_t i = 0; i < s->store_nblocks; i++) {
        const uint8_t *e = s->store_table + (size_t)i * ZHS_STORE_ENTRY;
        uint64_t off = zhs_get_u64(e + 8), clen = zhs_get_u32(e + 16);
        if (zhs_get_u32(e) != expect_first || zhs_get_u32(e + 4) == 0 || off < blocks_start ||
            off + clen > (uint64_t)(s->store_table - s->store.data)) {
            corrupt(err, &s->store, e, "bad store block entry");
            goto fail;
        }
        expect_first += zhs_get_u32(e + 4);
    }
    if (expect_first != ndocs) {
        corrupt(err, &s->store, st, "store holds another number of passages than the manifest");
        goto fail;
    }
    return ZHS_OK;
fail:
    zhs_segment_close(s);
    return err->code;
}

int zhs_segment_open_deletions(zhs_segment *s, const char *dir, const char *name, bool verify,
                               zhs_error *err)
{
    if (zhs_err_code(err)) return err->code;
    char path[ZHS_PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (zhs_map_file(&s->del, path, ZHS_MAGIC_DEL, verify, err)) return err->code;
    if (s->del.body_len != ((size_t)s->ndocs + 7) / 8)
        return corrupt(err, &s->del, s->del.body, "deletion bitmap does not cover the segment's passages");
    s->deleted = s->del.body;
    return ZHS_OK;
}

void zhs_segment_close(zhs_segment *s)
{
    zhs_unmap_file(&s->del);
    s->deleted = NULL;
    zhs_unmap_file(&s->dict);
    zhs_unmap_file(&s->post);
    zhs_unmap_file(&s->pos);
    zhs_unmap_file(&s->len);
    zhs_unmap_file(&s->store);
    ZSTD_freeDDict(s->store_ddict);
    s->store_ddict = NULL;
}

/* ---------------------------------------------------------------- dictionary */

/* Reads an entry's key at *pp: its shared and rest lengths (two varints
** in a ZHSDICT1 entry, a byte or an escape in a ZHSDICT2 one, format.h)
** and the rest.  key holds the previous key of the block (length
** *keylen, 0 before the first) and receives this one. */
static bool parse_key(const uint8_t **pp, const uint8_t *end, bool v1, char *key, size_t *keylen)
{
    uint64_t prefix, suffix;
    const uint8_t *p = *pp;
    if (!v1 && p < end && *p != 0xF0) {
        if (*p >> 4 == 15) return false;
        prefix = *p >> 4;
        suffix = *p & 15;
        p++;
    } else {
        if (!v1 && p < end) p++;
        if (!zhs_varint_get(&p, end, &prefix) || !zhs_varint_get(&p, end, &suffix)) return false;
    }
    if (prefix > *keylen || prefix + suffix >= ZHS_TERM_MAX_KEY || suffix > (uint64_t)(end - p)) return false;
    memcpy(key + prefix, p, suffix);
    p += suffix;
    *keylen = (size_t)(prefix + suffix);
    key[*keylen] = 0;
    *pp = p;
    return true;
}

/* The counts of a ZHSDICT1 entry after its key. */
static bool parse_counts_v1(const uint8_t **pp, const uint8_t *end, zhs_term_info *ti, uint64_t *df,
                            uint64_t *maxtf)
{
    const uint8_t *p = *pp;
    if (!zhs_varint_get(&p, end, df) || !zhs_varint_get(&p, end, &ti->cf) ||
        !zhs_varint_get(&p, end, &ti->post_len) || !zhs_varint_get(&p, end, &ti->pos_len) || end - p < 4)
        return false;
    uint32_t ub = zhs_get_u32(p);
    p += 4;
    memcpy(&ti->ub, &ub, 4);
    ti->ub_from_max = false;
    ti->post_inline = false;
    ti->pos_inline = NULL;
    if (!zhs_varint_get(&p, end, maxtf)) return false;
    *pp = p;
    return true;
}

/* Skips n varints at p (an inline list's positions); NULL when they do
** not end before end. */
static const uint8_t *skip_varints(const uint8_t *p, const uint8_t *end, uint64_t n)
{
    for (uint64_t k = 0; k < n; k++) {
        do {
            if (p >= end) return NULL;
        } while (*p++ & 0x80);
    }
    return p;
}

/* Format 10's inline list after its cf: the passage, then its positions
** in the entry (up to ZHS_INLINE_POS_MAX) or their length in .pos; no
** shortest passage (the caller's *minlen: UINT64_MAX, taken from .len). */
static bool parse_inline(const uint8_t **pp, const uint8_t *end, zhs_term_info *ti, bool has_pos)
{
    const uint8_t *p = *pp;
    uint64_t doc;
    if (ti->cf > UINT32_MAX || !zhs_varint_get(&p, end, &doc) || doc >= UINT32_MAX) return false;
    ti->post_inline = true;
    ti->doc1 = (uint32_t)doc;
    ti->post_len = 0;
    if (has_pos && ti->cf <= ZHS_INLINE_POS_MAX) {
        /* pos_len their bytes in the entry: every reader that asks
        ** whether a term has positions (pos_len > 0) is answered */
        ti->pos_inline = p;
        if (!(p = skip_varints(p, end, ti->cf))) return false;
        ti->pos_len = (uint64_t)(p - ti->pos_inline);
    } else if (has_pos && !zhs_varint_get(&p, end, &ti->pos_len)) {
        return false;
    }
    *pp = p;
    return true;
}

/* The counts of a ZHSDICT2 or ZHSDICT3 entry after its key: the flags
** byte says which are stored (format.h). */
static bool parse_counts_v2(const uint8_t **pp, const uint8_t *end, zhs_term_info *ti, uint64_t *df,
                            uint64_t *maxtf, bool inl)
{
    const uint8_t *p = *pp;
    if (p >= end) return false;
    unsigned f = *p++;
    uint64_t x = 0;
    *df = (f >> ZHS_DICT_DF_SHIFT) + 1;
    if (f >> ZHS_DICT_DF_SHIFT == ZHS_DICT_DF_ESC) {
        if (!zhs_varint_get(&p, end, &x) || x > UINT32_MAX) return false;
        *df += x;
    }
    ti->cf = *df;
    if (f & ZHS_DICT_CF) {
        if (!zhs_varint_get(&p, end, &x) || x >= UINT64_MAX - *df) return false;
        ti->cf += x + 1;
    }
    ti->pos_len = 0;
    ti->post_inline = false;
    ti->pos_inline = NULL;
    if (inl && *df == 1) {
        if (!parse_inline(&p, end, ti, f & ZHS_DICT_POS)) return false;
    } else if (!zhs_varint_get(&p, end, &ti->post_len) ||
               ((f & ZHS_DICT_POS) && !zhs_varint_get(&p, end, &ti->pos_len))) {
        return false;
    }
    ti->ub_from_max = !(f & ZHS_DICT_UB);
    ti->ub = 0;
    if (f & ZHS_DICT_UB) {
        if (end - p < 2) return false;
        uint32_t bits = (uint32_t)(p[0] | p[1] << 8) << 16;
        memcpy(&ti->ub, &bits, 4);
        p += 2;
    }
    *maxtf = *df == 1 ? ti->cf : !(f & ZHS_DICT_CF) ? 1 : 0;
    if (*maxtf == 0 && !zhs_varint_get(&p, end, maxtf)) return false;
    *pp = p;
    return true;
}

bool zhs_dict_parse_entry(const uint8_t **pp, const uint8_t *end, int kind, char *key, size_t *keylen,
                          zhs_term_info *ti, uint64_t *post_off, uint64_t *pos_off)
{
    uint64_t df, maxtf, minlen = UINT64_MAX;
    const uint8_t *p = *pp;
    bool v1 = kind == ZHS_DICT_KIND_V1;
    if (!parse_key(&p, end, v1, key, keylen) ||
        !(v1 ? parse_counts_v1(&p, end, ti, &df, &maxtf)
             : parse_counts_v2(&p, end, ti, &df, &maxtf, kind == ZHS_DICT_KIND_INLINE)))
        return false;
    if (!ti->post_inline && !zhs_varint_get(&p, end, &minlen)) return false;
    /* each of the other df - 1 postings has a tf of at least 1 */
    if (df == 0 || df > UINT32_MAX || ti->cf < df || maxtf == 0 || maxtf > ti->cf - df + 1) return false;
    ti->df = (uint32_t)df;
    ti->post_off = *post_off;
    ti->pos_off = *pos_off;
    ti->max_tf = maxtf > UINT32_MAX ? UINT32_MAX : (uint32_t)maxtf;
    ti->min_len = minlen > UINT32_MAX ? UINT32_MAX : (uint32_t)minlen;
    *post_off += ti->post_len;
    if (!ti->pos_inline) *pos_off += ti->pos_len;
    *pp = p;
    return true;
}

static void put_u8(zhs_buf *b, uint8_t v)
{
    zhs_buf_append(b, &v, 1);
}

int zhs_dict_put_entry(zhs_buf *b, const char *key, size_t keylen, size_t prefix, const zhs_term_info *ti)
{
    if (ti->df == 0 || ti->cf < ti->df || (ti->df == 1 && ti->max_tf != ti->cf) ||
        (ti->cf == ti->df && ti->max_tf != 1) || prefix > keylen || keylen >= ZHS_TERM_MAX_KEY ||
        (ti->df == 1) != ti->post_inline || (ti->df == 1 && ti->cf > UINT32_MAX) ||
        (ti->pos_inline && (ti->pos_len == 0 || ti->cf > ZHS_INLINE_POS_MAX)) ||
        (ti->post_inline && ti->pos_len && !ti->pos_inline && ti->cf <= ZHS_INLINE_POS_MAX))
        return ZHS_EINTERNAL;
    size_t rest = keylen - prefix;
    if (prefix <= 14 && rest <= 15) {
        put_u8(b, (uint8_t)(prefix << 4 | rest));
    } else {
        put_u8(b, 0xF0);
        zhs_buf_put_varint(b, prefix);
        zhs_buf_put_varint(b, rest);
    }
    zhs_buf_append(b, key + prefix, rest);
    unsigned flags = (ti->ub_from_max ? 0 : ZHS_DICT_UB) | (ti->pos_len ? ZHS_DICT_POS : 0) |
                     (ti->cf > ti->df ? ZHS_DICT_CF : 0);
    unsigned dfcode = ti->df - 1 < ZHS_DICT_DF_ESC ? ti->df - 1 : ZHS_DICT_DF_ESC;
    put_u8(b, (uint8_t)(flags | dfcode << ZHS_DICT_DF_SHIFT));
    if (dfcode == ZHS_DICT_DF_ESC) zhs_buf_put_varint(b, ti->df - 1 - ZHS_DICT_DF_ESC);
    if (ti->cf > ti->df) zhs_buf_put_varint(b, ti->cf - ti->df - 1);
    if (ti->post_inline) {
        zhs_buf_put_varint(b, ti->doc1);
        if (ti->pos_inline) zhs_buf_append(b, ti->pos_inline, ti->pos_len);
        else if (ti->pos_len) zhs_buf_put_varint(b, ti->pos_len);
    } else {
        zhs_buf_put_varint(b, ti->post_len);
        if (ti->pos_len) zhs_buf_put_varint(b, ti->pos_len);
    }
    if (!ti->ub_from_max) {
        uint16_t u = zhs_ub_round_up(ti->ub);
        put_u8(b, (uint8_t)u);
        put_u8(b, (uint8_t)(u >> 8));
    }
    if (ti->df > 1 && ti->cf > ti->df) zhs_buf_put_varint(b, ti->max_tf);
    if (!ti->post_inline) zhs_buf_put_varint(b, ti->min_len);
    return b->oom ? ZHS_ENOMEM : ZHS_OK;
}

static const uint8_t *block_start(const zhs_segment *s, uint32_t b)
{
    return s->dict.data + dict_block_off(s, b);
}

static const uint8_t *block_end(const zhs_segment *s, uint32_t b)
{
    return b + 1 < s->dict_nblocks ? block_start(s, b + 1) : s->dict_table;
}

static uint32_t block_count(const zhs_segment *s, uint32_t b)
{
    return b + 1 < s->dict_nblocks ? ZHS_DICT_BLOCK : (uint32_t)(s->nterms - (uint64_t)b * ZHS_DICT_BLOCK);
}

static int key_cmp(const char *a, size_t al, const char *b, size_t bl)
{
    int c = memcmp(a, b, al < bl ? al : bl);
    return c ? c : (al > bl) - (al < bl);
}

/* An inline list's entry, parsed at entry: its passage inside the
** segment, its shortest passage that passage's length (format 10 leaves
** it out), its post_off named after the entry (ZHS_POST_OFF_INLINE). */
static bool finish_inline(const zhs_segment *s, zhs_term_info *ti, const uint8_t *entry)
{
    if (ti->doc1 >= s->ndocs) return false;
    ti->min_len = zhs_get_u32(s->len.body + (size_t)ti->doc1 * 4);
    ti->post_off = ZHS_POST_OFF_INLINE + (uint64_t)(entry - s->dict.data);
    return true;
}

/* Checks that a term's ranges lie inside the postings and positions files. */
static bool ranges_ok(const zhs_segment *s, const zhs_term_info *ti)
{
    return (ti->post_inline || (ti->post_off >= ZHS_MAGIC_LEN && ti->post_len <= s->post.body_len &&
                                ti->post_off - ZHS_MAGIC_LEN <= s->post.body_len - ti->post_len)) &&
           (ti->pos_inline || (ti->pos_off >= ZHS_MAGIC_LEN && ti->pos_len <= s->pos.body_len &&
                               ti->pos_off - ZHS_MAGIC_LEN <= s->pos.body_len - ti->pos_len)) &&
           ti->df <= s->ndocs;
}

int zhs_segment_lookup(const zhs_segment *s, zhs_term_info *ti, const char *key, size_t keylen,
                       zhs_error *err)
{
    if (zhs_err_code(err)) return err->code;
    if (s->dict_nblocks == 0 || keylen >= ZHS_TERM_MAX_KEY) return 0;
    /* binary search for the last block whose first key <= key */
    uint32_t lo = 0, hi = s->dict_nblocks;
    char first[ZHS_TERM_MAX_KEY];
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        const uint8_t *p = block_start(s, mid), *end = block_end(s, mid);
        uint64_t a, b;
        size_t flen = 0;
        if (!zhs_varint_get(&p, end, &a) || !zhs_varint_get(&p, end, &b) ||
            !parse_key(&p, end, s->dict_v1, first, &flen))
            return corrupt(err, &s->dict, block_start(s, mid), "bad dictionary block");
        if (key_cmp(first, flen, key, keylen) <= 0) lo = mid;
        else hi = mid;
    }
    const uint8_t *p = block_start(s, lo), *end = block_end(s, lo);
    uint64_t post_off, pos_off;
    if (!zhs_varint_get(&p, end, &post_off) || !zhs_varint_get(&p, end, &pos_off))
        return corrupt(err, &s->dict, p, "bad dictionary block");
    char cur[ZHS_TERM_MAX_KEY];
    size_t curlen = 0;
    uint32_t n = block_count(s, lo);
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *entry = p;
        if (!zhs_dict_parse_entry(&p, end, s->dict_kind, cur, &curlen, ti, &post_off, &pos_off))
            return corrupt(err, &s->dict, p, "bad dictionary entry");
        int c = key_cmp(cur, curlen, key, keylen);
        if (c == 0) {
            if ((ti->post_inline && !finish_inline(s, ti, entry)) || !ranges_ok(s, ti))
                return corrupt(err, &s->dict, p, "term points outside the postings");
            return 1;
        }
        if (c > 0) break;
    }
    return 0;
}

void zhs_dict_iter_init(zhs_dict_iter *it, const zhs_segment *s)
{
    memset(it, 0, sizeof *it);
    it->seg = s;
    it->block = 0;
    it->in_block = 0;
}

int zhs_dict_iter_next(zhs_dict_iter *it, zhs_error *err)
{
    const zhs_segment *s = it->seg;
    if (zhs_err_code(err)) return err->code;
    if (it->block >= s->dict_nblocks) return ZHS_DONE;
    if (it->in_block == 0) {
        it->p = block_start(s, it->block);
        it->end = block_end(s, it->block);
        it->keylen = 0;
        if (!zhs_varint_get(&it->p, it->end, &it->post_off) || !zhs_varint_get(&it->p, it->end, &it->pos_off))
            return corrupt(err, &s->dict, it->p, "bad dictionary block");
    }
    char prev[ZHS_TERM_MAX_KEY];
    size_t prevlen = it->keylen;
    memcpy(prev, it->key, prevlen);
    const uint8_t *entry = it->p;
    if (!zhs_dict_parse_entry(&it->p, it->end, s->dict_kind, it->key, &it->keylen, &it->ti, &it->post_off,
                              &it->pos_off))
        return corrupt(err, &s->dict, it->p, "bad dictionary entry");
    if ((it->ti.post_inline && !finish_inline(s, &it->ti, entry)) || !ranges_ok(s, &it->ti)) return corrupt(err, &s->dict, it->p, "term points outside the postings");
    if (it->in_block > 0 && key_cmp(prev, prevlen, it->key, it->keylen) >= 0)
        return corrupt(err, &s->dict, it->p, "terms out of order");
    if (++it->in_block == block_count(s, it->block)) {
        if (it->p != it->end) return corrupt(err, &s->dict, it->p, "trailing bytes in dictionary block");
        it->block++;
        it->in_block = 0;
    }
    return ZHS_OK;
}

/* ---------------------------------------------------------------- cursors */

static inline uint32_t skip_last(const zhs_cursor *c, uint32_t b)
{
    return zhs_skip_last(&c->skt, b);
}

/* Where the block decoders must stop reading: the end of the postings
** file's mapping. */
static inline const uint8_t *post_limit(const zhs_cursor *c)
{
    return c->seg->post.data + c->seg->post.size;
}

/* The longest single block whose all-one tfs are written at its decode:
** 32 of them are eight 16-byte stores. */
#define ZHS_TFS_EAGER 32

/* Decodes the n postings of block b at p, after doc prev; false on
** damage.  Inlined into its two callers: the block of a single-block list
** (most lists; its place and prev are known, and four in five have no
** exceptions: their heads are parsed inline) and a block found through
** the skip table (three in four of those have exceptions: the parse is
** called at once). */
__attribute__((always_inline)) static inline bool decode_block_at(zhs_cursor *c, uint32_t b, uint32_t n,
                                                                  const uint8_t *p, int64_t prev, uint32_t last_doc,
                                                                  bool single)
{
    zhs_pfor_group dg;
    zhs_pfor_patch dp;
    bool packed = c->seg->post_packed;
    /* p < c->end: the callers checked */
    if (ZHS_UNLIKELY(p[0] & ZHS_BLOCK_TF_SPECIAL)) {
        /* format 9's unary or all-one tfs (damage in earlier formats) */
        if (!c->seg->post_unary || !zhs_block_special_parse_inline(&dg, &dp, &c->tfg, n, p, c->end, post_limit(c)))
            return false;
    } else if (!(single ? zhs_block_parse(&dg, &dp, &c->tfg, &c->tfp, n, p, c->end, post_limit(c), packed)
                 : packed ? zhs_block_parse_packed_inline(&dg, &dp, &c->tfg, &c->tfp, n, p, c->end, post_limit(c))
                          : zhs_pfor_parse_pair(&dg, &dp, n, &c->tfg, &c->tfp, n, p, c->end))) {
        return false;
    }
    /* The block lies inside the term's postings, which lie inside the
    ** file body, which the 16-byte footer follows: the kernels may read
    ** up to the end of the mapping, at least 16 bytes past the packed
    ** areas. */
    uint64_t last = zhs_pfor_block_docs(c->docs, &dg, &dp, n, prev, post_limit(c));
    if (single && n <= ZHS_TFS_EAGER && c->tfg.bits == 0 && c->tfg.nexc == 0) {
        /* every tf one in a short list (most lists of 2 to 8 postings):
        ** a fixed count of stores now, no call at the first read */
        for (size_t i = 0; i < ZHS_TFS_EAGER; i++) c->tfs[i] = 1;
        c->tfs_ready = true;
    } else {
        c->tfs_ready = false;
    }
    c->pos_ready = c->pos_fast = false;
    if (last >= c->seg->ndocs || (c->skips && c->docs[n - 1] != last_doc)) return false;
    c->block = b;
    c->bn = n;
    c->i = 0;
    return true;
}

/* Marks the cursor exhausted and corrupt. */
static void cursor_damaged(zhs_cursor *c)
{
    c->corrupt = true;
    c->doc = ZHS_NO_DOC;
}

/* Decodes block b of a list with a skip table, where the table says (its
** entry's last doc: last_doc, read by the caller's search); on damage
** marks the cursor exhausted and corrupt. */
static bool decode_block(zhs_cursor *c, uint32_t b, uint32_t last_doc)
{
    uint32_t n = b + 1 < c->nblocks ? ZHS_BLOCK : c->df - ZHS_BLOCK * (c->nblocks - 1);
    /* an offset outside the blocks (negative too: damage) is refused
    ** before it makes a pointer */
    uint64_t off = (uint64_t)zhs_skip_value(&c->skt, ZHS_SK_POST, b);
    /* after the block before it (the walk's common case) its last doc is
    ** at hand, and equal to its entry's: the decode checked them */
    int64_t prev = b == 0 ? -1 : b == c->block + 1 ? (int64_t)c->docs[c->bn - 1] : (int64_t)skip_last(c, b - 1);
    if (off >= (uint64_t)(c->end - c->blocks) || !decode_block_at(c, b, n, c->blocks + off, prev, last_doc, false)) {
        cursor_damaged(c);
        return false;
    }
    return true;
}

void zhs_cursor_decode_tfs_now(zhs_cursor *c)
{
    /* one test for both kinds of group that are no PFOR group */
    if (ZHS_UNLIKELY(c->tfg.bits >= ZHS_TF_UNARY_BITS)) {
        /* format 10's inline list: its one tf was set at the cursor's
        ** start (the readers' in-line test of tfs_ready never calls
        ** this for it; a guard for a forced decode, test_index) */
        if (c->tfg.bits == ZHS_TF_INLINE_BITS) return;
        /* format 9's unary area, found and checked only now (the parse
        ** left it): damage marks the cursor corrupt, which every reader
        ** reports at its end ('zhs check' too); the tfs read meanwhile
        ** are 1, harmless */
        if (!zhs_unary_block_tfs(c->tfs, &c->tfg, c->bn, c->end, post_limit(c))) {
            c->corrupt = true;
            for (uint32_t i = 0; i < c->bn; i++) c->tfs[i] = 1;
        }
    } else {
        zhs_pfor_block_tfs(c->tfs, &c->tfg, &c->tfp, c->bn, post_limit(c));
    }
    c->tfs_ready = true;
}

/* Format 10's inline list (df 1): its one posting from the entry, no
** block to decode; its positions, when in the entry, decoded on first
** use (prepare_inline_positions). */
static void init_inline(zhs_cursor *c, const zhs_term_info *ti)
{
    c->blocks = c->end = NULL;
    c->pos_inline = ti->pos_inline != NULL;
    if (ti->pos_inline) {
        /* the entry's varints, which its parse found inside the block */
        c->pos_base = ti->pos_inline;
        c->pos_end = ti->pos_inline + ti->pos_len;
    }
    c->docs[0] = ti->doc1;
    c->tfs[0] = (uint32_t)ti->cf;
    c->tfs_ready = true;
    c->tfg.bits = ZHS_TF_INLINE_BITS;
    c->pos_ready = c->pos_fast = false;
    c->block = 0;
    c->bn = 1;
    c->i = 0;
    c->doc = ti->doc1;
}

void zhs_cursor_init(zhs_cursor *c, const zhs_segment *s, const zhs_term_info *ti)
{
    uint32_t df = ti->df, nblocks = (df + ZHS_BLOCK - 1) / ZHS_BLOCK;
    c->seg = s;
    c->df = df;
    c->nblocks = nblocks;
    c->skips = NULL;
    c->corrupt = false;
    c->sblock = 0;
    c->sk_valid = false;
    c->pos_base = s->pos.data + ti->pos_off;
    c->pos_end = c->pos_base + ti->pos_len;
    c->block = UINT32_MAX;
    if (nblocks > 1) {
        const uint8_t *base = s->post.data + ti->post_off;
        c->end = base + ti->post_len;
        /* read only through the skip table: a single-block list (most
        ** lists) leaves it unset */
        if (s->skip_packed) {
            if (!zhs_skip_table_parse_head(&c->skt, base, nblocks, ti->post_len, ti->pos_len)) {
                cursor_damaged(c);
                return;
            }
        } else {
            unsigned size = s->skip_v1 ? ZHS_SKIP_BYTES_V1 : ti->pos_len ? ZHS_SKIP_BYTES : ZHS_SKIP_BYTES_NOPOS;
            if ((uint64_t)nblocks * size > ti->post_len) {
                cursor_damaged(c);
                return;
            }
            zhs_skip_table_fixed(&c->skt, base, nblocks, size);
        }
        c->skips = base;
        c->blocks = base + c->skt.len;
        c->soff = 0;    /* the last docs' column starts the table */
        c->sline = c->skt.f[ZHS_SK_LAST].base;
        if (!decode_block(c, 0, skip_last(c, 0))) return;
    } else if (ZHS_UNLIKELY(ti->post_len == 0)) {
        /* format 10's inline list, else damage.  Tested here, where an
        ** empty list was tested before, so that the other lists pay
        ** nothing for it; its post_off names its entry, not a place in
        ** .post: no pointer is made from it */
        if (ti->post_inline && df == 1) {
            init_inline(c, ti);
            return;
        }
        c->blocks = c->end = NULL;
        cursor_damaged(c);
        return;
    } else {
        const uint8_t *base = s->post.data + ti->post_off;
        c->end = base + ti->post_len;
        c->blocks = base;
        if (df == 0 || !decode_block_at(c, 0, df, base, -1, 0, true)) {
            /* the single block, at the list's start after no doc, decoded
            ** inline (most lists; a df of 0 is damage) */
            cursor_damaged(c);
            return;
        }
    }
    c->doc = c->docs[0];
}

/* The block that may hold target when the next one ends before it
** (first > the current block + 1: the first candidate): a gallop over
** the skip entries, then a binary search; decodes it.  Out of line, so
** that the common block change (the next block) saves no registers. */
__attribute__((noinline)) static bool gallop_block(zhs_cursor *c, uint32_t target, uint32_t first)
{
    uint32_t step = 1, lo = first, b = first;
    while (b < c->nblocks && skip_last(c, b) < target) {
        lo = b + 1;
        b += step;
        step *= 2;
    }
    uint32_t hi = b < c->nblocks ? b : c->nblocks;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (skip_last(c, mid) < target) lo = mid + 1;
        else hi = mid;
    }
    if (lo >= c->nblocks) return false;
    /* the entry found's last doc is kept for the decode's check */
    return decode_block(c, lo, skip_last(c, lo));
}

/* Moves to the block that may hold target (> the current block's last
** doc) and decodes it; false at the end of the list or on damage (the
** cursor is then exhausted).  In line again since the last docs are at
** whole bytes (a load and a mask): skp4 had it out of line, when the
** bit-offset read made the inlined advance save twice the registers on
** every call, but the call itself then cost a block change more than
** format 7's (query loop COUNT 764.9 -> 757.6 M instructions in line,
** K 10 842.4 -> 841.9 M); the gallop and the decode stay out of line. */
static inline bool advance_block(zhs_cursor *c, uint32_t target)
{
    if (!c->skips) return false;
    uint32_t b = c->block + 1;
    if (b >= c->nblocks) return false;
    /* the next block (a walk's every step), else the gallop.  The
    ** block-max walk (zhs_cursor_shallow) has often read the next
    ** block's last doc already. */
    uint32_t last = c->sk_valid && c->sblock == b ? c->sk.last_doc : skip_last(c, b);
    if (last < target) return gallop_block(c, target, b + 1);
    return decode_block(c, b, last);
}

uint32_t zhs_cursor_advance_block(zhs_cursor *c, uint32_t target)
{
    if (c->doc == ZHS_NO_DOC || target <= c->doc) return c->doc;
    if (target > c->docs[c->bn - 1] && !advance_block(c, target)) return c->doc = ZHS_NO_DOC;
    uint32_t i = c->i;
    while (c->docs[i] < target) i++;
    c->i = i;
    return c->doc = c->docs[i];
}

bool zhs_cursor_shallow(zhs_cursor *c, uint32_t target, zhs_skip *sk)
{
    if (!c->skips) return false;    /* single block: the caller uses the term bound */
    if (!(c->sk_valid && target <= c->sk.last_doc)) {
        if (!zhs_cursor_shallow_walk(c, target, true)) return false;
    } else if (!c->sk_full) {
        /* cached by zhs_cursor_shallow_ub, which read ub alone */
        zhs_skip_get_bounds(&c->skt, c->sblock, &c->sk);
        c->sk_full = true;
    }
    /* the offsets are not wanted here (left 0) */
    *sk = c->sk;
    sk->post_off = 0;
    sk->pos_off = 0;
    return true;
}

/* A block's first positions: the vector kernel up to the mapping's end
** (zhs_unpack_bounded dispatches; width 0 by memset), then the exceptions
** added in place.  zhs_pfor_unpack takes
** the scalar loop for a group with exceptions, and most first-position
** groups have some (a passage's first position is often far past the
** others'): that loop was 6% of a phrase count. */
static void unpack_first_positions(uint32_t *v, const zhs_pfor_group *g, uint32_t n, const uint8_t *limit)
{
    /* Width 0 (every first position 0 but the exceptions: a term of the
    ** titles and headings, which stand at position 0, such as 条例 or
    ** 规定) is most blocks a phrase count locates, and the vector kernel
    ** has no bytes to load for it: it took the scalar loop for all the
    ** block's values (70% of the blocks of "条例 规定", 10% of its
    ** instructions).  Zeros are what that loop stores. */
    if (g->bits == 0) memset(v, 0, n * sizeof *v);
    else zhs_unpack_bounded(v, g->packed, n, g->bits, limit);
    if (!g->nexc) return;
    uint32_t idx[ZHS_PFOR_MAX_EXC], high[ZHS_PFOR_MAX_EXC];
    zhs_pfor_exceptions(g, idx, high);
    for (uint32_t k = 0; k < g->nexc; k++) v[idx[k]] += (uint32_t)((uint64_t)high[k] << g->bits);
}

/* Locates the current block's positions: the docs' first positions
** decoded whole (a phrase reads several docs of a block, each of its
** elements' first position at least), the group of gaps located with its
** exceptions, and where each doc's gaps start.  False on damage. */
static bool prepare_inline_positions(zhs_cursor *c);

static bool prepare_positions(zhs_cursor *c)
{
    if (!c->tfs_ready) zhs_cursor_decode_tfs(c);
    const uint8_t *p = c->pos_base;
    if (ZHS_UNLIKELY(c->tfg.bits == ZHS_TF_INLINE_BITS) && c->pos_inline) return prepare_inline_positions(c);
    if (c->skips) {
        if (ZHS_UNLIKELY(c->skt.rest != NULL)) zhs_skip_table_parse_rest(&c->skt);
        /* negative (damage) reads as past the end */
        uint64_t off = (uint64_t)zhs_skip_value(&c->skt, ZHS_SK_POS, c->block);
        if (off > (uint64_t)(c->pos_end - c->pos_base)) return false;
        p += off;
    } else if (c->block != 0) {
        return false;
    }
    uint64_t total = zhs_gap_offsets(c->pos_before, c->tfs, c->bn);
    if (total == UINT64_MAX) return false;      /* a wrapped tf: damage */
    if (total > SIZE_MAX / 64) return false;
    zhs_pfor_group fg;
    if (!zhs_pfor_parse2(&fg, c->bn, &c->pos_gaps, (size_t)total, p, c->pos_end)) return false;
    /* the group lies inside the file's body, which the 16-byte footer
    ** follows: the kernel may read up to the mapping's end, as the
    ** postings' (post_limit) */
    unpack_first_positions(c->pos_first, &fg, c->bn, c->seg->pos.data + c->seg->pos.size);
    zhs_pfor_exceptions(&c->pos_gaps, c->pos_exc_idx, c->pos_exc_high);
    c->pos_exc_at = 0;
    c->pos_ready = true;
    /* each tf - 1 is at most their sum (a tf of 0 was refused above, where
    ** zhs_gap_offsets gave UINT64_MAX): the readers' per-doc check then
    ** holds for the whole block
    ** (that check, through the segment pointer, was ~2% of a phrase
    ** count's samples) */
    c->pos_fast = total < c->seg->max_len;
    return true;
}

/* An inline list's positions from its dictionary entry (format 10): the
** cf varints decoded into a gap group of width 32 the readers step as
** any other, held in pos_before's room past its first entry (the one
** doc's: 0); its first position into pos_first.  False on damage. */
static bool prepare_inline_positions(zhs_cursor *c)
{
    uint32_t tf = c->tfs[0];
    uint32_t *gaps = (uint32_t *)(void *)&c->pos_before[1];
    /* room for ZHS_INLINE_POS_MAX - 1 gaps and the 4 bytes zhs_pos_low
    ** reads past the last */
    _Static_assert((ZHS_BLOCK - 1) * 2 >= ZHS_INLINE_POS_MAX, "pos_before holds an inline list's gaps");
    if (tf == 0 || tf > ZHS_INLINE_POS_MAX) return false;
    const uint8_t *p = c->pos_base;
    uint64_t v, first = 0;
    for (uint32_t k = 0; k < tf; k++) {
        if (!zhs_varint_get(&p, c->pos_end, &v) || v > UINT32_MAX) return false;
        if (k == 0) first = v;
        else gaps[k - 1] = (uint32_t)v;
    }
    gaps[tf - 1] = 0;
    c->pos_before[0] = 0;
    c->pos_first[0] = (uint32_t)first;
    memset(&c->pos_gaps, 0, sizeof c->pos_gaps);
    c->pos_gaps.packed = (const uint8_t *)gaps;
    c->pos_gaps.packed_bytes = (size_t)(tf - 1) * 4;
    c->pos_gaps.bits = 32;
    c->pos_exc_at = 0;
    c->pos_ready = true;
    c->pos_fast = tf - 1 < c->seg->max_len;
    return true;
}

/* The current doc's first position; the block's positions located first.
** UINT64_MAX on damage. */
static uint64_t first_position(zhs_cursor *c)
{
    if (!zhs_cursor_tf_bounded(c)) return UINT64_MAX;
    if (!c->pos_ready && !prepare_positions(c)) return UINT64_MAX;
    return c->pos_first[c->i];
}

int zhs_cursor_first_position(zhs_cursor *c, uint32_t *out)
{
    if (c->doc == ZHS_NO_DOC) return 0;
    uint64_t pos = first_position(c);
    if (pos > UINT32_MAX) return -1;
    *out = (uint32_t)pos;
    return 1;
}

int zhs_cursor_pos_start_slow(zhs_cursor *c, zhs_pos_iter *it)
{
    if (c->doc == ZHS_NO_DOC) return 0;
    if (first_position(c) == UINT64_MAX) return -1;
    zhs_pos_iter_begin(c, it);      /* the block's positions are ready now, the tf bounded */
    return 1;
}

int zhs_cursor_positions(zhs_cursor *c, uint32_t *out, uint32_t max)
{
    zhs_pos_iter it;
    int rc = zhs_cursor_pos_start(c, &it);
    if (rc <= 0) return rc;
    uint32_t n = 0;
    for (;;) {
        if (n < max) out[n++] = (uint32_t)it.pos;
        if (it.left == 0) break;
        if (zhs_pos_step(&it) < 0) return -1;
    }
    /* every gap of the doc was read: the next doc's exceptions start here */
    if (c->pos_gaps.nexc && it.e != ZHS_POS_EXC_UNKNOWN) c->pos_exc_at = it.e;
    return (int)n;
}

/* ---------------------------------------------------------------- store */

void zhs_store_reader_init(zhs_store_reader *rd)
{
    memset(rd, 0, sizeof *rd);
    zhs_buf_init(&rd->raw);
    zhs_record_state_init(&rd->st);
}

void zhs_store_reader_free(zhs_store_reader *rd)
{
    if (rd->zs_ready) inflateEnd(&rd->zs);
    rd->zs_ready = false;
    ZSTD_freeDCtx(rd->dctx);
    rd->dctx = NULL;
    rd->cached_seg = NULL;
    zhs_buf_free(&rd->raw);
    zhs_record_state_free(&rd->st);
}

/* Prepares zs for one store block: a zlib stream in formats 1 and 2, raw
** deflate against the dictionary when the store has one (the file's CRC,
** checked at open, covers the blocks, while a zlib stream's dictionary
** check would compute an adler32 of the whole dictionary on every passage
** read).  Returns zlib's status. */
static int start_block(const zhs_segment *s, z_stream *zs, bool *ready)
{
    int bits = s->store_dict_len ? -15 : 15;
    int z = *ready ? inflateReset2(zs, bits) : inflateInit2(zs, bits);
    if (z != Z_OK) return z;
    *ready = true;
    return s->store_dict_len ? inflateSetDictionary(zs, s->store_dict, s->store_dict_len) : Z_OK;
}

/* The error for a failed start_block. */
static int start_failed(zhs_error *err, int z, const char *what)
{
    if (z == Z_VERSION_ERROR)
        return zhs_fail(err, ZHS_EINVAL, "zlib %s at run time differs from the %s zhs was built with: rebuild zhs",
                        zlibVersion(), ZLIB_VERSION);
    if (z == Z_MEM_ERROR) return zhs_fail(err, ZHS_ENOMEM, "out of memory reading %s", what);
    return zhs_fail(err, ZHS_EINVAL, "cannot start zlib reading %s", what);
}

/* Bytes a passage read inflates at a time: records average about 400 bytes,
** so a step holds several and a record at a block's start costs one. */
#define STORE_STEP 4096

/* Inflates up to STORE_STEP more bytes of the block into rd->raw.  *ended
** when the stream is complete.  False on a stream that does not inflate,
** with *zout its zlib status (Z_MEM_ERROR: out of memory, not damage). */
static bool inflate_more(zhs_store_reader *rd, uint32_t rlen, bool *ended, int *zout)
{
    size_t room = rlen - rd->raw.len, chunk = room < STORE_STEP ? room : STORE_STEP;
    rd->zs.next_out = (Bytef *)rd->raw.data + rd->raw.len;
    rd->zs.avail_out = (uInt)chunk;
    int z = inflate(&rd->zs, Z_NO_FLUSH);
    *zout = z;
    rd->raw.len += chunk - rd->zs.avail_out;
    if (z == Z_STREAM_END) {
        *ended = true;
        return rd->raw.len == rlen;
    }
    /* a stream that cannot go on with room left to write is damaged */
    return z == Z_OK && !(rd->zs.avail_out > 0 && rd->zs.avail_in == 0);
}

/* Table entry e's block: where its bytes are, how long they are and
** inflate to; raw reset with room for one byte more than that (a block
** that gives more is damaged). */
static int block_room(const zhs_segment *s, const uint8_t *e, zhs_buf *raw, const char *what, uint64_t *off,
                      uint32_t *clen, uint32_t *rlen, zhs_error *err)
{
    *off = zhs_get_u64(e + 8);
    *clen = zhs_get_u32(e + 16);
    *rlen = zhs_get_u32(e + 20);
    if (*rlen > (64u << 20)) return corrupt(err, &s->store, e, "store block too large");
    zhs_buf_reset(raw);
    if (!zhs_buf_reserve(raw, (size_t)*rlen + 1)) return zhs_fail(err, ZHS_ENOMEM, "out of memory reading %s", what);
    return ZHS_OK;
}

/* Decompresses the format-5 block of table entry e into raw (reset
** first): exactly its raw length, or the block is damaged.  *dctx is
** made on first use. */
static int zstd_block(const zhs_segment *s, const uint8_t *e, ZSTD_DCtx **dctx, zhs_buf *raw, const char *what,
                      zhs_error *err)
{
    uint64_t off;
    uint32_t clen, rlen;
    if (!*dctx && !(*dctx = ZSTD_createDCtx())) return zhs_fail(err, ZHS_ENOMEM, "out of memory reading %s", what);
    if (block_room(s, e, raw, what, &off, &clen, &rlen, err)) return err->code;
    /* room for one byte more: a block that gives more is damaged */
    size_t got = s->store_ddict ? ZSTD_decompress_usingDDict(*dctx, raw->data, (size_t)rlen + 1, s->store.data + off,
                                                             clen, s->store_ddict)
                                : ZSTD_decompressDCtx(*dctx, raw->data, (size_t)rlen + 1, s->store.data + off, clen);
    if (ZSTD_isError(got) && ZSTD_getErrorCode(got) == ZSTD_error_memory_allocation)
        return zhs_fail(err, ZHS_ENOMEM, "out of memory reading %s", what);
    if (ZSTD_isError(got) || got != rlen)
        return corrupt(err, &s->store, s->store.data + off, "store block does not decompress");
    raw->len = rlen;
    return ZHS_OK;
}

/* Format 5: doc's record from its whole block, kept in rd for the next
** read of the same block. */
static int zstd_get(const zhs_segment *s, const uint8_t *e, uint32_t doc, zhs_store_reader *rd, zhs_buf *buf,
                    zhs_passage *out, zhs_error *err)
{
    const uint8_t *zdata = s->store.data + zhs_get_u64(e + 8);
    /* keyed on the table entry, not on the bytes: two entries of a
    ** damaged table that point at one frame must not share its records */
    if (rd->cached_seg != s || rd->cached_block != e) {
        rd->cached_seg = NULL;
        if (zstd_block(s, e, &rd->dctx, &rd->raw, "a passage", err)) return err->code;
        rd->cached_seg = s;
        rd->cached_block = e;
    }
    const uint8_t *p = (const uint8_t *)rd->raw.data, *end = p + rd->raw.len;
    zhs_record_state_reset(&rd->st);
    rd->st.derived = s->store_derived;      /* one reader reads segments of several formats */
    for (uint32_t d = zhs_get_u32(e); d <= doc; d++) {
        int r = zhs_record_next_store(&p, end, &rd->st);
        if (r == ZHS_ENOMEM) return zhs_fail(err, ZHS_ENOMEM, "out of memory reading a passage");
        if (r) return corrupt(err, &s->store, zdata, "bad record in store block");
    }
    int r = zhs_record_passage_store(&rd->st, &s->store_tc, buf, out);
    if (r == ZHS_ENOMEM) return zhs_fail(err, ZHS_ENOMEM, "out of memory reading a passage");
    if (r) return corrupt(err, &s->store, zdata, "bad record in store block");
    return ZHS_OK;
}

int zhs_store_get(const zhs_segment *s, uint32_t doc, zhs_store_reader *rd, zhs_buf *buf,
                  zhs_passage *out, zhs_error *err)
{
    if (zhs_err_code(err)) return err->code;
    if (doc >= s->ndocs) return zhs_fail(err, ZHS_EINVAL, "passage %u does not exist (the index has %u)", doc, s->ndocs);
    uint32_t lo = 0, hi = s->store_nblocks;
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (zhs_get_u32(s->store_table + (size_t)mid * ZHS_STORE_ENTRY) <= doc) lo = mid;
        else hi = mid;
    }
    const uint8_t *e = s->store_table + (size_t)lo * ZHS_STORE_ENTRY;
    if (s->store_zstd) return zstd_get(s, e, doc, rd, buf, out, err);
    rd->cached_seg = NULL;      /* raw is about to hold a part of a zlib block */
    uint32_t first = zhs_get_u32(e);
    uint64_t off = zhs_get_u64(e + 8);
    uint32_t clen = zhs_get_u32(e + 16), rlen = zhs_get_u32(e + 20);
    const uint8_t *zdata = s->store.data + off;
    if (rlen > (64u << 20)) return corrupt(err, &s->store, e, "store block too large");
    int zst = start_block(s, &rd->zs, &rd->zs_ready);
    if (zst != Z_OK) return start_failed(err, zst, "a passage");
    zhs_buf_reset(&rd->raw);
    if (!zhs_buf_reserve(&rd->raw, rlen + 1)) return zhs_fail(err, ZHS_ENOMEM, "out of memory reading a passage");
    rd->zs.next_in = (Bytef *)(uintptr_t)zdata;
    rd->zs.avail_in = clen;
    /* Inflate step by step until doc's record is whole: records before it
    ** are skipped as they arrive. */
    size_t at = 0;
    uint32_t d = first;
    bool ended = false;
    zhs_record_state_reset(&rd->st);
    rd->st.derived = false;     /* zlib stores are formats 1 to 4 */
    for (;;) {
        const uint8_t *base = (const uint8_t *)rd->raw.data, *end = base + rd->raw.len;
        const uint8_t *p = base + at;
        while (d <= doc) {
            int r;
            if (s->store_coded) {
                /* a record not yet all inflated fails as a damaged one
                ** does: both wait for more (damage shows at the end) */
                r = zhs_record_next_store(&p, end, &rd->st);
                if (r == ZHS_ENOMEM) return zhs_fail(err, ZHS_ENOMEM, "out of memory reading a passage");
                if (r) break;
                if (d == doc) {
                    r = zhs_record_passage_store(&rd->st, &s->store_tc, buf, out);
                    if (r == ZHS_ENOMEM) return zhs_fail(err, ZHS_ENOMEM, "out of memory reading a passage");
                    if (r) return corrupt(err, &s->store, zdata, "bad record in store block");
                    return ZHS_OK;
                }
            } else {
                const uint8_t *q = p;
                if (!zhs_record_skip(&q, end, s->record_version)) break;   /* not all here yet, or damaged */
                if (d == doc) {
                    r = zhs_record_decode(&p, end, s->record_version, buf, out);
                    if (r == ZHS_ENOMEM) return zhs_fail(err, ZHS_ENOMEM, "out of memory reading a passage");
                    if (r) return corrupt(err, &s->store, zdata, "bad record in store block");
                    return ZHS_OK;
                }
                p = q;
            }
            d++;
        }
        at = (size_t)(p - base);
        if (ended || rd->raw.len == rlen)
            return corrupt(err, &s->store, zdata, "bad record in store block");
        int z = Z_OK;
        if (!inflate_more(rd, rlen, &ended, &z)) {
            if (z == Z_MEM_ERROR) return zhs_fail(err, ZHS_ENOMEM, "out of memory reading a passage");
            return corrupt(err, &s->store, zdata, "store block does not decompress");
        }
    }
}

/* Inflates the zlib block (formats 1 to 4) of table entry e whole into
** raw (reset first). */
static int inflate_block(const zhs_segment *s, const uint8_t *e, z_stream *zs, bool *zs_ready, zhs_buf *raw,
                         zhs_error *err)
{
    uint64_t off;
    uint32_t clen, rlen;
    if (block_room(s, e, raw, "the store", &off, &clen, &rlen, err)) return err->code;
    int zi = start_block(s, zs, zs_ready);
    if (zi != Z_OK) return start_failed(err, zi, "the store");
    zs->next_in = (Bytef *)(uintptr_t)(s->store.data + off);
    zs->avail_in = clen;
    zs->next_out = (Bytef *)raw->data;
    zs->avail_out = rlen + 1;    /* one byte more: a longer stream is damage */
    int z = inflate(zs, Z_FINISH);
    size_t got = rlen + 1 - zs->avail_out;
    if (z == Z_MEM_ERROR) return zhs_fail(err, ZHS_ENOMEM, "out of memory reading the store");
    if (z != Z_STREAM_END || got != rlen)
        return corrupt(err, &s->store, s->store.data + off, "store block does not decompress");
    raw->len = rlen;
    return ZHS_OK;
}

int zhs_store_each(const zhs_segment *s, zhs_store_fn fn, void *ctx, zhs_error *err)
{
    if (zhs_err_code(err)) return err->code;
    zhs_buf raw, rec;
    zhs_buf_init(&raw);
    zhs_buf_init(&rec);
    zhs_record_state st;    /* format 4: each record after the last */
    zhs_record_state_init(&st);
    st.derived = s->store_derived;
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    bool zs_ready = false;
    ZSTD_DCtx *dctx = NULL;
    int rc = ZHS_OK;
    uint32_t doc = 0;
    for (uint32_t b = 0; b < s->store_nblocks && rc == ZHS_OK; b++) {
        const uint8_t *e = s->store_table + (size_t)b * ZHS_STORE_ENTRY;
        uint32_t ndocs = zhs_get_u32(e + 4);
        uint64_t off = zhs_get_u64(e + 8);
        rc = s->store_zstd ? zstd_block(s, e, &dctx, &raw, "the store", err)
                           : inflate_block(s, e, &zs, &zs_ready, &raw, err);
        if (rc) break;
        const uint8_t *p = (const uint8_t *)raw.data, *end = p + raw.len;
        zhs_record_state_reset(&st);
        for (uint32_t i = 0; i < ndocs && rc == ZHS_OK; i++, doc++) {
            if (!fn && !s->store_coded) {     /* a coded record is checked by decoding it */
                if (!zhs_record_skip(&p, end, s->record_version))
                    rc = corrupt(err, &s->store, s->store.data + off, "bad record in store block");
                continue;
            }
            zhs_passage ps;
            zhs_buf_reset(&rec);
            int d = !s->store_coded ? zhs_record_decode(&p, end, s->record_version, &rec, &ps)
                                    : zhs_record_next_store(&p, end, &st);
            if (s->store_coded && d == ZHS_OK) d = zhs_record_passage_store(&st, &s->store_tc, &rec, &ps);
            if (d == ZHS_ENOMEM) rc = zhs_fail(err, ZHS_ENOMEM, "out of memory reading the store");
            else if (d) rc = corrupt(err, &s->store, s->store.data + off, "bad record in store block");
            else if (fn) rc = fn(ctx, doc, &ps, err);
        }
        if (rc == ZHS_OK && p != end) rc = corrupt(err, &s->store, s->store.data + off, "trailing bytes in store block");
    }
    if (zs_ready) inflateEnd(&zs);
    ZSTD_freeDCtx(dctx);
    zhs_buf_free(&raw);
    zhs_buf_free(&rec);
    zhs_record_state_free(&st);
    return rc;
}

int zhs_store_verify(const zhs_segment *s, zhs_error *err)
{
    return zhs_store_each(s, NULL, NULL, err);
}
