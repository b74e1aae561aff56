/*
** fuzz_index.c — the index reader on damaged files.
**
** At start-up a small valid native index is built.  Each input damages one
** of its files and then opens the index, runs a few searches, loads and
** highlights the hits' passages and runs zhs_index_verify ('zhs check').
** Every call must fail cleanly (an error code and a message) or succeed;
** none may crash, hang or read out of bounds.
**
** Input:  byte 0   which file: MANIFEST, g1.dict, .post, .pos, .len, .store, .meta,
**                  .cite
**         byte 1   bits 0-1: 0 flip bytes: then groups of 4 bytes, a 24-bit
**                            offset (modulo the size) and an XOR mask
**                            1 truncate: a 24-bit length (modulo size+1)
**                            2 overwrite from a 24-bit offset with the rest
**                              of the input (the file may grow)
**                            3 replace the body: magic + the rest of the input
**                  bit 2:    repair the checksum afterwards (the footer of a
**                            binary file, the crc32 line of MANIFEST), so
**                            that the damage reaches the structural checks
**                            behind the CRC — the bounds-checked decoders
** The index is of format 9 (checked at start-up): dictionary entries
** whose flags say which counts are stored (.dict magic ZHSDICT2), PFOR
** groups (blocks' exceptions as index bytes and packed high parts), tfs in
** unary or left out (all one) and packed skip tables (.post magic
** ZHSPOST5), a store of zstd blocks with a trained dictionary and coded
** texts (docs/FORMAT.md); passage lengths as byte planes, the metadata
** and citation tables, each one zstd frame behind the footer (magics
** ZHSLENS2, ZHSMETA4 (format 12: runs with their days in force and repealed), ZHSCITE3:
** common/ztable.h), so that repairing the
** CRC lets damage reach the frame and the tables' parsers behind it.
** Invariants beyond "no crash":
**   - damage with the checksum left as it is is always refused on open,
**     naming the file (binary files; MANIFEST's crc32 line is hex, so a
**     change of case in it is no damage);
**   - when zhs_index_verify accepts the index, every search and every
**     passage load succeeds (check passed => the index is readable), and
**     the pruned top k of the first queries equals the exhaustive one
**     (check verifies the bounds that pruning trusts), except after damage
**     to .pos (see the assertion).
*/
#include "fuzz_common.h"
#include "format.h"
#include "manifest.h"
#include "segment.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define NFILES 8
static const char *const names[NFILES] = {"MANIFEST", "g1.dict", "g1.post", "g1.pos", "g1.len", "g1.store",
                                          "g1.meta", "g1.cite"};
#define POS_FILE 3   /* names[3] */
static uint8_t *pristine[NFILES];
static size_t psize[NFILES];
static char work[NFILES][4096];
static const char *workdir;
static zhs_analyzer *an;

/* The single-block lists whose tfs are in unary and those whose tfs are
** all one (format 9: the first byte's bit 6, its width field below 33 or
** not): both layouts must be in the index, or the fuzzer never damages
** them. */
static void count_tf_layouts(const char *dir)
{
    zhs_error err = {0};
    zhs_manifest m;
    zhs_segment s;
    if (zhs_manifest_read(&m, dir, &err) || zhs_segment_open(&s, dir, "g1", (uint32_t)m.seg[0].count, true, &err))
        fuzz_die(__FILE__, __LINE__, "open", "the pristine index: %s", err.message);
    zhs_dict_iter it;
    zhs_dict_iter_init(&it, &s);
    unsigned unary = 0, ones = 0, inl = 0, inl_pos = 0;
    while (zhs_dict_iter_next(&it, &err) == ZHS_OK) {
        inl += it.ti.post_inline;
        inl_pos += it.ti.pos_inline != NULL;
        if (it.ti.df > ZHS_BLOCK || it.ti.post_len == 0) continue;
        uint8_t b = s.post.data[it.ti.post_off];
        if (!(b & ZHS_BLOCK_TF_SPECIAL)) continue;
        if ((b & ZHS_BLOCK_WIDTH_MASK) >= ZHS_BLOCK_TF_ONES) ones++;
        else unary++;
    }
    zhs_segment_close(&s);
    if (unary == 0 || ones == 0)
        fuzz_die(__FILE__, __LINE__, "format", "g1.post has %u unary and %u all-one single blocks", unary, ones);
    /* format 10's inline lists, with their positions in the entry and
    ** without (long words) */
    if (inl_pos == 0 || inl == inl_pos)
        fuzz_die(__FILE__, __LINE__, "format", "g1.dict has %u inline lists, %u with positions", inl, inl_pos);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    zhs_error err = {0};
    if (zhs_analyzer_open(&an, NULL, &err)) fuzz_die(__FILE__, __LINE__, "analyzer", "%s", err.message);
    const char *built = fuzz_tmpdir("index-built");
    workdir = fuzz_tmpdir("index-work");
    fuzz_build_index(built, an, ZHS_ENGINE_NATIVE);
    for (int i = 0; i < NFILES; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", built, names[i]);
        pristine[i] = fuzz_read(path, &psize[i]);
        snprintf(work[i], sizeof work[i], "%s/%s", workdir, names[i]);
        fuzz_write(work[i], pristine[i], psize[i]);
    }
    if (zhs_index_verify(workdir, &err)) fuzz_die(__FILE__, __LINE__, "verify", "the pristine index: %s", err.message);
    /* The structures of format 10 must be there to be damaged: dictionary
    ** entries with flags and inline df-1 lists (g1.dict magic ZHSDICT3;
    ** counted below), packed skip tables
    ** and blocks with packed exceptions, unary and all-one tfs (g1.post
    ** magic ZHSPOST5; 数据 spans three blocks; the single-block lists
    ** counted below), the store's coded texts in zstd blocks of
    ** format 7's records (magic ZHSSTOR4, record.h) and dictionary
    ** (trailer: u32 ntab, u32 nblocks, u32 dict_len, then the footer). */
    if (psize[1] < 8 || memcmp(pristine[1], "ZHSDICT3", 8) != 0)
        fuzz_die(__FILE__, __LINE__, "format", "g1.dict is not of format 10");
    if (psize[2] < 8 || memcmp(pristine[2], "ZHSPOST5", 8) != 0)
        fuzz_die(__FILE__, __LINE__, "format", "g1.post is not of format 9");
    count_tf_layouts(workdir);
    if (psize[5] < 8 || memcmp(pristine[5], "ZHSSTOR4", 8) != 0)
        fuzz_die(__FILE__, __LINE__, "format", "g1.store is not of format 7 or 8");
    static const struct { int file; const char *magic; } z[] = {{4, "ZHSLENS2"}, {6, "ZHSMETA4"}, {7, "ZHSCITE3"}};
    for (size_t i = 0; i < sizeof z / sizeof *z; i++)
        if (psize[z[i].file] < 8 || memcmp(pristine[z[i].file], z[i].magic, 8) != 0)
            fuzz_die(__FILE__, __LINE__, "format", "%s is not of format 9 or 11 (%s)", names[z[i].file], z[i].magic);
    const uint8_t *tr = psize[5] >= 40 ? pristine[5] + psize[5] - 16 - 4 : NULL;
    if (!tr || (tr[0] | tr[1] << 8 | tr[2] << 16 | (uint32_t)tr[3] << 24) == 0)
        fuzz_die(__FILE__, __LINE__, "format", "g1.store has no dictionary: the fuzzed index must have one");
    return 0;
}

static uint32_t u24(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16; }

static void put_u32(uint8_t *p, uint32_t v) { for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i)); }

/* Rewrites the 16-byte footer of a binary file so that it is consistent
** with the bytes before it.  b has room for 16 more bytes. */
static size_t fix_footer(uint8_t *b, size_t n, bool append)
{
    if (append) {
        memset(b + n, 0, 16);
        n += 16;
    }
    if (n < 16) return n;
    size_t body = n - 16;
    uint8_t *f = b + body;
    put_u32(f, (uint32_t)body);
    put_u32(f + 4, (uint32_t)((uint64_t)body >> 32));
    put_u32(f + 8, (uint32_t)crc32(crc32(0L, Z_NULL, 0), b, (uInt)body));
    memcpy(f + 12, "ZEND", 4);
    return n;
}

/* Gives MANIFEST text a correct crc32 line: the one it has (at the start
** of a line) is replaced, or one is appended. */
static size_t fix_manifest(uint8_t *b, size_t n)
{
    size_t cut = n;
    for (size_t i = 0; i + 6 <= n; i++)
        if ((i == 0 || b[i - 1] == '\n') && memcmp(b + i, "crc32 ", 6) == 0) cut = i;
    if (cut == n && n > 0 && b[n - 1] != '\n') b[n++] = '\n';
    /* the reader finds the crc line with strstr: a NUL hides it, which is
    ** the reader's business, not ours */
    uint32_t crc = (uint32_t)crc32(crc32(0L, Z_NULL, 0), b, (uInt)cut);
    char line[32];
    int l = snprintf(line, sizeof line, "crc32 %08x\n", crc);
    memcpy(b + cut, line, (size_t)l);
    return cut + (size_t)l;
}

static const char *const queries[] = {
    "数据", "个人信息 保护", "\"数据安全\"", "+数据 -草案", "title:条例", "\"个人信息保护\" 处理者",
    "ai 5g 2024年", "+处理者 +\"必要措施\"", "罚款 警告 -title:办法",
    "条例第三条", "第十条", "个保法第五条",     /* citations: the citation table */
};

static bool names_file(const char *msg, int f)
{
    const char *ext = strchr(names[f], '.');
    return strstr(msg, ext ? ext : names[f]) != NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2 || size > 1 << 16) return -1;
    int f = data[0] % NFILES;
    int op = data[1] & 3;
    bool fix = (data[1] & 4) != 0;
    const uint8_t *arg = data + 2;
    size_t nargs = size - 2;
    size_t n = psize[f];
    size_t cap = n + nargs + 64;
    uint8_t *b = malloc(cap);
    memcpy(b, pristine[f], n);
    bool binary = f != 0;
    bool changed = false;

    switch (op) {
    case 0:
        for (size_t i = 0; i + 4 <= nargs; i += 4) {
            size_t off = n ? u24(arg + i) % n : 0;
            if (n) b[off] ^= arg[i + 3];
        }
        if (fix) n = binary ? fix_footer(b, n, false) : fix_manifest(b, n);
        changed = n != psize[f] || memcmp(b, pristine[f], n) != 0;
        break;
    case 1: {
        size_t len = nargs >= 3 ? u24(arg) % (n + 1) : n / 2;
        if (fix && binary) {
            /* cut the body, keep a consistent footer */
            if (len > n - 16) len = n - 16;
            n = fix_footer(b, len, true);
        } else {
            n = len;
            if (fix) n = fix_manifest(b, n);
        }
        changed = n != psize[f] || memcmp(b, pristine[f], n) != 0;
        break;
    }
    case 2: {
        size_t off = nargs >= 3 ? u24(arg) % (n + 1) : 0;
        size_t m = nargs >= 3 ? nargs - 3 : 0;
        memcpy(b + off, arg + 3, m);
        if (off + m > n) n = off + m;
        if (fix) n = binary ? fix_footer(b, n, false) : fix_manifest(b, n);
        changed = n != psize[f] || memcmp(b, pristine[f], n) != 0;
        break;
    }
    case 3:
        if (binary) {
            memcpy(b + 8, arg, nargs);      /* the magic stays */
            n = 8 + nargs;
            if (fix) n = fix_footer(b, n, true);
        } else {
            memcpy(b, arg, nargs);
            n = nargs;
            if (fix) n = fix_manifest(b, n);
        }
        changed = n != psize[f] || memcmp(b, pristine[f], n) != 0;
        break;
    }
    fuzz_write(work[f], b, n);

    zhs_error err = {0};
    zhs_index *ix = NULL;
    int rc = zhs_index_open(&ix, workdir, &err);
    FUZZ_ASSERT(rc <= 0 && rc != ZHS_EINTERNAL, "open returned %d: %s", rc, err.message);
    FUZZ_ASSERT(rc == ZHS_OK || err.message[0], "open failed (%d) without a message", rc);
    if (binary && changed && !fix)
        FUZZ_ASSERT(rc != ZHS_OK && names_file(err.message, f),
                    "damage to %s without a checksum repair was not refused naming it (rc %d: %s)", names[f], rc,
                    err.message);

    bool read_failed = false, pruned_differs = false;
    char read_msg[ZHS_ERROR_MAX] = "", pruned_msg[ZHS_ERROR_MAX] = "";
    if (rc == ZHS_OK) {
        for (size_t qi = 0; qi < sizeof queries / sizeof queries[0]; qi++) {
            /* the pruned top k, for the exhaustive search's to match */
            zhs_hit pruned[5];
            size_t npruned = SIZE_MAX;
            for (int ex = 0; ex < (qi < 3 ? 2 : 1); ex++) {
                zhs_search_options o;
                zhs_search_options_default(&o);
                o.k = 5;
                o.exhaustive = ex;
                zhs_results *r = NULL;
                zhs_error e2 = {0};
                int src = zhs_index_search(&r, ix, an, queries[qi], &o, &e2);
                FUZZ_ASSERT(src <= 0 && src != ZHS_EINTERNAL, "search returned %d: %s", src, e2.message);
                if (src != ZHS_OK) {
                    FUZZ_ASSERT(e2.message[0], "search failed (%d) without a message", src);
                    if (src != ZHS_EANALYZER && !read_failed) {
                        read_failed = true;
                        snprintf(read_msg, sizeof read_msg, "search '%s': %s", queries[qi], e2.message);
                    }
                    continue;
                }
                size_t nh = zhs_results_count(r);
                if (ex == 0 && nh <= 5) {
                    npruned = nh;
                    for (size_t h = 0; h < nh; h++) pruned[h] = *zhs_results_hit(r, h);
                } else if (ex == 1 && npruned != SIZE_MAX && !pruned_differs) {
                    bool same = nh == npruned;
                    for (size_t h = 0; h < nh && same; h++)
                        same = zhs_results_hit(r, h)->doc == pruned[h].doc &&
                               zhs_results_hit(r, h)->score == pruned[h].score;
                    if (!same) {
                        pruned_differs = true;
                        snprintf(pruned_msg, sizeof pruned_msg, "'%s': %zu hits pruned, %zu exhaustive", queries[qi],
                                 npruned, nh);
                    }
                }
                for (size_t h = 0; h < nh; h++) {
                    zhs_passage p;
                    zhs_error e3 = {0};
                    uint32_t doc = zhs_results_hit(r, h)->doc;
                    if (zhs_results_passage(&p, r, doc, &e3) != ZHS_OK) {
                        FUZZ_ASSERT(e3.message[0], "passage load failed without a message");
                        if (!read_failed) {
                            read_failed = true;
                            snprintf(read_msg, sizeof read_msg, "passage %u: %s", doc, e3.message);
                        }
                        continue;
                    }
                    const zhs_span *sp;
                    size_t nsp;
                    if (zhs_results_highlights(&sp, &nsp, r, an, &p, &e3) == ZHS_OK)
                        for (size_t j = 0; j < nsp; j++)
                            FUZZ_ASSERT(sp[j].start < sp[j].end && sp[j].end <= p.text_len, "span outside the text");
                }
                zhs_results_free(r);
            }
        }
        zhs_index_close(ix);
    }
    zhs_error ev = {0};
    int vrc = zhs_index_verify(workdir, &ev);
    FUZZ_ASSERT(vrc <= 0 && vrc != ZHS_EINTERNAL, "verify returned %d: %s", vrc, ev.message);
    FUZZ_ASSERT(vrc == ZHS_OK || ev.message[0], "verify failed (%d) without a message", vrc);
    FUZZ_ASSERT(rc == ZHS_OK || vrc != ZHS_OK, "open failed (%s) but verify passed", err.message);
    if (vrc == ZHS_OK)
        FUZZ_ASSERT(!read_failed, "'zhs check' accepts the index but reading it fails: %s", read_msg);
    /* check verifies every bound pruning trusts (the skip entries' and the
    ** dictionary's): an index it accepts ranks as the exhaustive search does.
    ** Not after damage to .pos: the pruned search lets a phrase's word list
    ** decide a passage that has the word (search.c, word_decides), the
    ** exhaustive one reads the bigrams' positions alone, and positions that
    ** still decode in order (a term may stand twice at one place, so no gap
    ** is refused) need not agree with the word's list any more.  Checking
    ** that agreement would be a phrase search per word and passage. */
    if (vrc == ZHS_OK && f != POS_FILE)
        FUZZ_ASSERT(!pruned_differs, "'zhs check' accepts the index but pruned and exhaustive top k differ: %s",
                    pruned_msg);

    fuzz_write(work[f], pristine[f], psize[f]);
    free(b);
    return 0;
}
