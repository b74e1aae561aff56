/*
** store_writer.c — the passage store: records batched into blocks of about
** ZHS_STORE_BLOCK bytes, each compressed with zlib, streamed to disk so
** that a corpus larger than memory can be stored.
**
** Compressing is a tenth of a build's time.  With a compressor thread
** (asked for by a build with several threads) full blocks go through a
** small ring to that thread, which compresses and writes them in order:
** the same bytes as without it, while the writer's thread goes on.
*/
#include "indexer_int.h"
#include "record.h"

#include <pthread.h>
#include <stdlib.h>
#include <zlib.h>

#define RING 4              /* blocks queued for the compressor thread */

typedef struct store_block {
    zhs_buf raw;
    uint32_t first, docs;
} store_block;

struct zhs_store_writer {
    zhs_outfile out;
    zhs_buf raw;            /* records of the block being filled */
    zhs_buf table;          /* block table entries */
    uint8_t *z;             /* compression buffer */
    size_t zcap;
    uint32_t ndocs, block_first, block_docs;
    bool finished;

    /* The compressor thread owns out, table and z while it runs. */
    bool threaded;
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;      /* a block queued or done, or stop */
    store_block ring[RING];
    uint64_t queued, done;  /* blocks: ring[s % RING] for done <= s < queued */
    bool stop;
    zhs_error err;          /* the thread's first failure */
};

/* Compresses and appends one block and its table entry. */
static int write_block(zhs_store_writer *w, const zhs_buf *raw, uint32_t first, uint32_t docs, zhs_error *err)
{
    uLong bound = compressBound((uLong)raw->len);
    if (bound > w->zcap) {
        uint8_t *z = realloc(w->z, bound);
        if (!z) return zhs_fail(err, ZHS_ENOMEM, "out of memory compressing the passage store");
        w->z = z;
        w->zcap = bound;
    }
    uLongf zlen = (uLongf)w->zcap;
    if (compress2(w->z, &zlen, (const Bytef *)raw->data, (uLong)raw->len, 6) != Z_OK)
        return zhs_fail(err, ZHS_EINTERNAL, "zlib could not compress a passage store block");
    uint64_t off = w->out.off;
    zhs_outfile_write(&w->out, w->z, zlen);
    zhs_buf_put_u32(&w->table, first);
    zhs_buf_put_u32(&w->table, docs);
    zhs_buf_put_u64(&w->table, off);
    zhs_buf_put_u32(&w->table, (uint32_t)zlen);
    zhs_buf_put_u32(&w->table, (uint32_t)raw->len);
    if (w->table.oom) return zhs_fail(err, ZHS_ENOMEM, "out of memory writing the passage store");
    return ZHS_OK;
}

static void *compressor_main(void *arg)
{
    zhs_store_writer *w = arg;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (!w->stop && w->done == w->queued) pthread_cond_wait(&w->cv, &w->mu);
        if (w->done == w->queued) break;        /* stopped, nothing left */
        store_block *b = &w->ring[w->done % RING];
        bool skip = w->err.code != 0;
        pthread_mutex_unlock(&w->mu);
        zhs_error e = {0};
        if (!skip) write_block(w, &b->raw, b->first, b->docs, &e);
        pthread_mutex_lock(&w->mu);
        if (e.code && !w->err.code) w->err = e;
        w->done++;
        pthread_cond_broadcast(&w->cv);
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

int zhs_store_writer_open(zhs_store_writer **out, const char *path, bool threaded, zhs_error *err)
{
    *out = NULL;
    if (zhs_err_code(err)) return err->code;
    zhs_store_writer *w = calloc(1, sizeof *w);
    if (!w) return zhs_fail(err, ZHS_ENOMEM, "out of memory opening the passage store");
    if (zhs_outfile_open(&w->out, path, ZHS_MAGIC_STORE, err)) {
        free(w);
        return err->code;
    }
    if (threaded) {
        for (int i = 0; i < RING; i++) zhs_buf_init(&w->ring[i].raw);
        if (pthread_mutex_init(&w->mu, NULL)) goto no_thread;
        if (pthread_cond_init(&w->cv, NULL)) {
            pthread_mutex_destroy(&w->mu);
            goto no_thread;
        }
        if (pthread_create(&w->th, NULL, compressor_main, w)) {
            pthread_cond_destroy(&w->cv);
            pthread_mutex_destroy(&w->mu);
            goto no_thread;
        }
        w->threaded = true;
    }
no_thread:      /* without a thread the store is written all the same */
    *out = w;
    return ZHS_OK;
}

/* Stops the compressor thread once it has written what is queued. */
static void stop_thread(zhs_store_writer *w)
{
    if (!w->threaded) return;
    pthread_mutex_lock(&w->mu);
    w->stop = true;
    pthread_cond_broadcast(&w->cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->th, NULL);
    pthread_cond_destroy(&w->cv);
    pthread_mutex_destroy(&w->mu);
    w->threaded = false;
}

static int flush_block(zhs_store_writer *w, zhs_error *err)
{
    if (w->block_docs == 0) return ZHS_OK;
    if (w->threaded) {
        pthread_mutex_lock(&w->mu);
        while (w->queued - w->done == RING) pthread_cond_wait(&w->cv, &w->mu);
        zhs_error e = w->err;
        store_block *b = &w->ring[w->queued % RING];
        if (!e.code) {
            /* the buffers trade places: no copy, and both keep their capacity */
            zhs_buf t = b->raw;
            b->raw = w->raw;
            w->raw = t;
            b->first = w->block_first;
            b->docs = w->block_docs;
            w->queued++;
            pthread_cond_broadcast(&w->cv);
        }
        pthread_mutex_unlock(&w->mu);
        if (e.code) {
            *err = e;
            return err->code;
        }
    } else if (write_block(w, &w->raw, w->block_first, w->block_docs, err)) {
        return err->code;
    }
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
    stop_thread(w);
    if (w->err.code) {
        *err = w->err;
        return err->code;
    }
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
    if (w->threaded) {
        pthread_mutex_lock(&w->mu);
        if (!w->err.code) zhs_fail(&w->err, ZHS_EINTERNAL, "the passage store was abandoned");
        pthread_mutex_unlock(&w->mu);
        stop_thread(w);     /* skips the blocks still queued */
    }
    for (int i = 0; i < RING; i++) zhs_buf_free(&w->ring[i].raw);
    if (!w->finished) zhs_outfile_abort(&w->out);
    zhs_buf_free(&w->raw);
    zhs_buf_free(&w->table);
    free(w->z);
    free(w);
}
