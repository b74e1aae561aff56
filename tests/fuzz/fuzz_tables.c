/*
** fuzz_tables.c — libFuzzer target for the parsers of the tables read
** whole at open: the file table, metadata, citation table and passage
** lengths (common/meta.c, common/lens.c, indexer/sources.c).
**
** fuzz_index flips bytes of whole index files, and a flip inside a zstd
** frame or under a CRC is refused long before a table's parser sees it.
** Here the input is the raw body itself: it is written behind a valid
** header and footer, compressed (format 9's layout) or as it is (the
** plain magic of formats 1 to 8), so every input reaches the parser.
**
** Input: byte 0 picks the table (bits 0-1), the layout (bit 2: plain) and
** for a plain citation table its version (bit 3: ZHSCITE1, no forms),
** bytes 1-2 the passage count the loader is told (u16, little endian),
** the rest is the body.  The parser must refuse damage with ZHS_ECORRUPT and a message,
** and what it accepts must answer lookups for every passage it was told.
*/
#include "fuzz_common.h"

#include "common.h"
#include "format.h"
#include "indexer_int.h"
#include "meta.h"
#include "ztable.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zstd.h>

static char g_path[4200];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    struct stat st;
    /* a RAM disk when there is one: a file written and fsynced per input */
    if (!getenv("TMPDIR") && stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode)) setenv("TMPDIR", "/dev/shm", 1);
    snprintf(g_path, sizeof g_path, "%s/t", fuzz_tmpdir("tables"));
    return 0;
}

/* The table at g_path: magic, body, footer, the body compressed as
** ztable.c writes it (u64 raw length, one frame) unless as_plain.  Level
** 1 and one context for the run, not the writer's level 9: a context of
** level 9 per input made the target twenty times slower, and the reader
** parses any level's frame the same. */
static void write_table(const char *zmagic, const char *plain, bool as_plain, const uint8_t *body, size_t n)
{
    static ZSTD_CCtx *cctx;
    if (!cctx) FUZZ_ASSERT((cctx = ZSTD_createCCtx()) != NULL, "out of memory");
    zhs_buf b;
    zhs_buf_init(&b);
    FUZZ_ASSERT(zhs_buf_append(&b, as_plain ? plain : zmagic, ZHS_MAGIC_LEN), "out of memory");
    if (as_plain) {
        FUZZ_ASSERT(zhs_buf_append(&b, body, n), "out of memory");
    } else {
        size_t bound = ZSTD_compressBound(n);
        FUZZ_ASSERT(zhs_buf_put_u64(&b, n) && zhs_buf_reserve(&b, bound), "out of memory");
        size_t z = ZSTD_compressCCtx(cctx, b.data + b.len, bound, body, n, 1);
        FUZZ_ASSERT(!ZSTD_isError(z), "zstd: %s", ZSTD_getErrorName(z));
        b.len += z;
    }
    FUZZ_ASSERT(zhs_footer_append(&b), "out of memory");
    fuzz_write(g_path, b.data, b.len);
    zhs_buf_free(&b);
}

static void check_refusal(int rc, const zhs_error *err, const char *what)
{
    FUZZ_ASSERT(rc == ZHS_ECORRUPT || rc == ZHS_ENOMEM, "%s: status %d (%s)", what, rc, err->message);
    FUZZ_ASSERT(err->message[0] != 0, "%s refused without a message", what);
}

static void fuzz_meta(uint32_t n)
{
    zhs_error err;
    zhs_error_clear(&err);
    zhs_meta m;
    int rc = zhs_meta_load(&m, g_path, n, &err);
    if (rc) {
        check_refusal(rc, &err, "metadata");
        return;
    }
    for (uint32_t d = 0; d < n; d++) FUZZ_ASSERT(zhs_meta_run_of(&m, d) != NULL, "passage %u has no run", d);
    for (size_t i = 0; i < m.nstrings; i++) (void)zhs_meta_string(&m, m.strings[i]);
    zhs_meta_free(&m);
}

static void fuzz_cite(uint32_t n)
{
    zhs_error err;
    zhs_error_clear(&err);
    zhs_cite_table t;
    int rc = zhs_cite_table_load(&t, g_path, n, &err);
    if (rc) {
        check_refusal(rc, &err, "citation table");
        return;
    }
    for (uint32_t d = 0; d < n; d++) {
        const zhs_cite_run *r = zhs_cite_run_of(&t, d);
        FUZZ_ASSERT(r != NULL && r->group < t.ngroups, "passage %u: no run or a group past the table", d);
        FUZZ_ASSERT(strlen(t.key[r->group]) == t.keylen[r->group], "group %u: key length", r->group);
        (void)strlen(t.title[r->group]);
    }
    zhs_cite_table_free(&t);
}

static void fuzz_lens(uint32_t n)
{
    zhs_error err;
    zhs_error_clear(&err);
    zhs_mapped m;
    int rc = zhs_lens_open(&m, g_path, n, true, &err);
    if (rc) {
        check_refusal(rc, &err, "passage lengths");
        return;
    }
    /* The plain layout's size is the caller's to check (segment.c): only
    ** a compressed table promises n lengths. */
    uint64_t sum = 0;
    size_t have = m.body_len / 4;
    for (size_t d = 0; d < have; d++) sum += zhs_get_u32(m.body + 4 * d);
    (void)sum;
    zhs_unmap_file(&m);
}

static void fuzz_files(void)
{
    zhs_error err;
    zhs_error_clear(&err);
    zhs_src_table t;
    int rc = zhs_src_table_read(&t, g_path, &err);
    if (rc) {
        check_refusal(rc, &err, "file table");
        return;
    }
    zhs_src_table_free(&t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3) return 0;
    int table = data[0] & 3;
    bool as_plain = data[0] & 4;
    uint32_t n = data[1] | (uint32_t)data[2] << 8;
    const uint8_t *body = data + 3;
    size_t len = size - 3;
    switch (table) {
    case 0:
        write_table(ZHS_MAGIC_META, ZHS_MAGIC_META_V1, as_plain, body, len);
        fuzz_meta(n);
        break;
    case 1:
        write_table(ZHS_MAGIC_CITE, data[0] & 8 ? ZHS_MAGIC_CITE_V1 : ZHS_MAGIC_CITE_V2, as_plain, body, len);
        fuzz_cite(n);
        break;
    case 2:
        write_table(ZHS_MAGIC_LEN_, ZHS_MAGIC_LEN_V1, as_plain, body, len);
        fuzz_lens(n);
        break;
    default:
        write_table(ZHS_MAGIC_FILES, ZHS_MAGIC_FILES_V1, as_plain, body, len);
        fuzz_files();
        break;
    }
    return 0;
}
