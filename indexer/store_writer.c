/*
** store_writer.c — the passage store: records batched into blocks of about
** ZHS_STORE_BLOCK bytes, each compressed with zlib, streamed to disk so
** that a corpus larger than memory can be stored.
*/
#include "indexer_int.h"
#include "record.h"

#include <stdlib.h>
#include <zlib.h>

struct zhs_store_writer {
    zhs_outfile out;
    zhs_buf raw;            /* records of the block being filled */
    zhs_buf table;          /* block table entries */
    uint8_t *z;             /* compression buffer */
    size_t zcap;
    uint32_t ndocs, block_first, block_docs;
    bool finished;
};

int zhs_store_writer_open(zhs_store_writer **out, const char *path, zhs_error *err)
{
    *out = NULL;
    if (zhs_err_code(err)) return err->code;
    zhs_store_writer *w = calloc(1, sizeof *w);
    if (!w) return zhs_fail(err, ZHS_ENOMEM, "out of memory opening the passage store");
    if (zhs_outfile_open(&w->out, path, ZHS_MAGIC_STORE, err)) {
        free(w);
        return err->code;
    }
    *out = w;
    return ZHS_OK;
}

static int flush_block(zhs_store_writer *w, zhs_error *err)
{
    if (w->block_docs == 0) return ZHS_OK;
    uLong bound = compressBound((uLong)w->raw.len);
    if (bound > w->zcap) {
        uint8_t *z = realloc(w->z, bound);
        if (!z) return zhs_fail(err, ZHS_ENOMEM, "out of memory compressing the passage store");
        w->z = z;
        w->zcap = bound;
    }
    uLongf zlen = (uLongf)w->zcap;
    if (compress2(w->z, &zlen, (const Bytef *)w->raw.data, (uLong)w->raw.len, 6) != Z_OK)
        return zhs_fail(err, ZHS_EINTERNAL, "zlib could not compress a passage store block");
    uint64_t off = w->out.off;
    zhs_outfile_write(&w->out, w->z, zlen);
    zhs_buf_put_u32(&w->table, w->block_first);
    zhs_buf_put_u32(&w->table, w->block_docs);
    zhs_buf_put_u64(&w->table, off);
    zhs_buf_put_u32(&w->table, (uint32_t)zlen);
    zhs_buf_put_u32(&w->table, (uint32_t)w->raw.len);
    if (w->table.oom) return zhs_fail(err, ZHS_ENOMEM, "out of memory writing the passage store");
    zhs_buf_reset(&w->raw);
    w->block_first = w->ndocs;
    w->block_docs = 0;
    return ZHS_OK;
}

int zhs_store_writer_add(zhs_store_writer *w, const zhs_passage *p, zhs_error *err)
{
    if (zhs_err_code(err)) return err->code;
    zhs_buf *b = &w->raw;
    if (!zhs_record_encode(b, p)) return zhs_fail(err, ZHS_ENOMEM, "out of memory storing passage %s", p->id ? p->id : "");
    w->ndocs++;
    w->block_docs++;
    if (b->len >= ZHS_STORE_BLOCK) return flush_block(w, err);
    return ZHS_OK;
}

int zhs_store_writer_finish(zhs_store_writer *w, zhs_error *err)
{
    if (zhs_err_code(err)) return err->code;
    if (flush_block(w, err)) return err->code;
    uint32_t nblocks = (uint32_t)(w->table.len / ZHS_STORE_ENTRY);
    zhs_outfile_write(&w->out, w->table.data, w->table.len);
    uint8_t t[8];
    zhs_set_u32(t, nblocks);
    zhs_set_u32(t + 4, 0);
    zhs_outfile_write(&w->out, t, 8);
    if (zhs_outfile_finish(&w->out, err)) return err->code;
    w->finished = true;
    return ZHS_OK;
}

void zhs_store_writer_close(zhs_store_writer *w)
{
    if (!w) return;
    if (!w->finished) zhs_outfile_abort(&w->out);
    zhs_buf_free(&w->raw);
    zhs_buf_free(&w->table);
    free(w->z);
    free(w);
}
