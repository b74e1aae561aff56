/*
** store_writer.c — the passage store: records batched into blocks of about
** ZHS_STORE_BLOCK bytes, their texts in a character code ranked on the
** first records (textcode.h), each block a zstd frame compressed against
** a dictionary trained on the first coded records, streamed to disk so
** that a corpus larger than memory can be stored (see format.h).
**
** With a compressor thread (asked for by a build with several threads)
** full blocks go through a small ring to that thread, which compresses
** and writes them in order: the same bytes as without it, while the
** writer's thread goes on.  The blocks that wait for the dictionary go
** to the thread as its first entry, which trains the dictionary on them
** before it compresses anything.
*/
#include "indexer_int.h"
#include "record.h"
#include "textcode.h"

#include <pthread.h>
#include <stdlib.h>
#define ZDICT_STATIC_LINKING_ONLY     /* ZDICT_trainFromBuffer_fastCover */
#include <zdict.h>
#include <zstd.h>
#include <zstd_errors.h>

#define RING 4              /* entries queued for the compressor thread */
/* Blocks the writer's thread keeps while the ring is full before it waits:
** the blocks that waited for the dictionary (4 MiB, ZHS_STORE_DICT_SAMPLE)
** take the thread about 0.1 s on laws, in which the writer's thread
** fills another 30 or so. */
#define STAGE_MAX ((size_t)4 << 20)
/* A ring entry's buffers larger than this are freed once written. */
#define STAGE_KEEP ((size_t)256 << 10)

/* An entry of the ring: one block or several, their records one after
** the other in raw, and per block u32 first, u32 ndocs, u32 raw length in
** list.  train: the thread trains the dictionary on raw first (the
** blocks that waited for it), so that the writer's thread does not. */
typedef struct store_block {
    zhs_buf raw, list;
    bool train;
} store_block;

struct zhs_store_writer {
    zhs_outfile out;
    /* Until the texts' character code is chosen, records wait here
    ** uncoded (plain_docs of them) while their characters are counted. */
    zhs_buf plain;
    uint32_t plain_docs;
    uint32_t *counts;       /* by BMP code point, until the code is chosen */
    bool code_chosen;
    zhs_buf code_table;
    zhs_textcode code;
    uint16_t *rank;
    /* The block's last record, which the next one is written after
    ** (record.h), read back as the reader will. */
    zhs_record_state last;
    zhs_buf scratch;
    zhs_buf raw;            /* records of the block being filled */
    zhs_buf table;          /* block table entries */
    /* Until the dictionary is chosen, full blocks wait here: their raw
    ** bytes, and per block u32 first, u32 ndocs, u32 raw length. */
    zhs_buf pending, pending_blocks;
    bool dict_chosen;       /* or queued to be trained by the thread */
    zhs_buf dict;
    ZSTD_CCtx *cctx;        /* set up with the dictionary, once chosen */
    ZSTD_CDict *cdict;
    uint8_t *z;             /* compression buffer */
    size_t zcap;
    uint32_t ndocs, block_first, block_docs;
    size_t block_text;      /* uncoded bytes of the block's records */
    zhs_buf one;            /* the list of a ring entry of one block */
    zhs_buf stage, stage_list;  /* full blocks the ring had no room for */
    bool flushed;           /* every record queued or written: no more adds */
    bool finished;

    /* The compressor thread owns out, table, cctx, cdict, dict and z while
    ** it runs. */
    bool threaded;
    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;      /* a block queued or done, or stop */
    store_block ring[RING];
    uint64_t queued, done;  /* blocks: ring[s % RING] for done <= s < queued */
    bool stop;
    zhs_error err;          /* the thread's first failure */
};

/* Compresses one block of records against the dictionary and writes it
** with its table entry. */
static int put_block(zhs_store_writer *w, const uint8_t *raw, uint32_t rlen, uint32_t first, uint32_t ndocs,
                     zhs_error *err)
{
    size_t bound = ZSTD_compressBound(rlen);
    if (bound > w->zcap) {
        uint8_t *z = realloc(w->z, bound);
        if (!z) return zhs_fail(err, ZHS_ENOMEM, "out of memory compressing the passage store");
        w->z = z;
        w->zcap = bound;
    }
    size_t zlen = ZSTD_compress2(w->cctx, w->z, w->zcap, raw, rlen);
    if (ZSTD_isError(zlen))
        return zhs_fail(err, ZHS_EINTERNAL, "zstd could not compress a passage store block: %s",
                        ZSTD_getErrorName(zlen));
    uint64_t off = w->out.off;
    zhs_outfile_write(&w->out, w->z, zlen);
    zhs_buf_put_u32(&w->table, first);
    zhs_buf_put_u32(&w->table, ndocs);
    zhs_buf_put_u64(&w->table, off);
    zhs_buf_put_u32(&w->table, (uint32_t)zlen);
    zhs_buf_put_u32(&w->table, rlen);
    if (w->table.oom) return zhs_fail(err, ZHS_ENOMEM, "out of memory writing the passage store");
    return ZHS_OK;
}

/* Writes the blocks of raw as list lists them (see store_block). */
static int put_blocks(zhs_store_writer *w, const zhs_buf *raw, const zhs_buf *list, zhs_error *err)
{
    const uint8_t *e = (const uint8_t *)list->data, *src = (const uint8_t *)raw->data;
    size_t at = 0;
    for (size_t i = 0; i + 12 <= list->len; i += 12) {
        uint32_t first = zhs_get_u32(e + i), ndocs = zhs_get_u32(e + i + 4), rlen = zhs_get_u32(e + i + 8);
        if (put_block(w, src + at, rlen, first, ndocs, err)) return err->code;
        at += rlen;
    }
    return ZHS_OK;
}

static int train_dict(zhs_store_writer *w, const zhs_buf *sample, zhs_error *err);

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
        if (!skip && b->train) train_dict(w, &b->raw, &e);
        if (!skip && !e.code) put_blocks(w, &b->raw, &b->list, &e);
        b->train = false;
        if (b->raw.cap > STAGE_KEEP) {
            /* a backlog's or a stage's buffer: not kept in the ring */
            zhs_buf_free(&b->raw);
            zhs_buf_free(&b->list);
        }
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
    if (w) {
        zhs_record_state_init(&w->last);
        w->last.derived = true;     /* format 7's records (record.h) */
        w->counts = calloc(0x10000, sizeof *w->counts);
        w->rank = malloc(0x10000 * sizeof *w->rank);
    }
    if (!w || !w->counts || !w->rank) {
        if (w) free(w->counts), free(w->rank), free(w);
        return zhs_fail(err, ZHS_ENOMEM, "out of memory opening the passage store");
    }
    if (zhs_outfile_open(&w->out, path, ZHS_MAGIC_STORE, err)) {
        free(w->counts);
        free(w->rank);
        free(w);
        return err->code;
    }
    if (threaded) {
        for (int i = 0; i < RING; i++) zhs_buf_init(&w->ring[i].raw), zhs_buf_init(&w->ring[i].list);
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

/* Hands raw and list (an entry, see store_block) to the compressor
** thread, when the ring has room or wait says to wait for it; the buffers
** trade places with the ring's, and come back emptied.  *queued: whether
** it went; reports the thread's first failure. */
static int queue_entry(zhs_store_writer *w, zhs_buf *raw, zhs_buf *list, bool wait, bool train, bool *queued,
                       zhs_error *err)
{
    *queued = false;
    pthread_mutex_lock(&w->mu);
    while (wait && w->queued - w->done == RING) pthread_cond_wait(&w->cv, &w->mu);
    zhs_error e = w->err;
    if (!e.code && w->queued - w->done < RING) {
        store_block *b = &w->ring[w->queued % RING];
        zhs_buf t = b->raw;
        b->raw = *raw;
        *raw = t;
        t = b->list;
        b->list = *list;
        *list = t;
        b->train = train;
        w->queued++;
        *queued = true;
        pthread_cond_broadcast(&w->cv);
    }
    pthread_mutex_unlock(&w->mu);
    if (e.code) {
        *err = e;
        return err->code;
    }
    if (*queued) {
        zhs_buf_reset(raw);
        zhs_buf_reset(list);
    }
    return ZHS_OK;
}

static bool list_put(zhs_buf *list, uint32_t first, uint32_t ndocs, uint32_t rlen)
{
    zhs_buf_put_u32(list, first);
    zhs_buf_put_u32(list, ndocs);
    return zhs_buf_put_u32(list, rlen);
}

/* The full block to the compressor thread, after the staged ones; staged
** itself while the ring is full, up to STAGE_MAX. */
static int queue_block(zhs_store_writer *w, zhs_error *err)
{
    bool queued = false;
    if (!w->stage.len) {
        zhs_buf_reset(&w->one);
        if (!list_put(&w->one, w->block_first, w->block_docs, (uint32_t)w->raw.len))
            return zhs_fail(err, ZHS_ENOMEM, "out of memory writing the passage store");
        if (queue_entry(w, &w->raw, &w->one, false, false, &queued, err)) return err->code;
        if (queued) return ZHS_OK;
    }
    if (!zhs_buf_append(&w->stage, w->raw.data, w->raw.len) ||
        !list_put(&w->stage_list, w->block_first, w->block_docs, (uint32_t)w->raw.len))
        return zhs_fail(err, ZHS_ENOMEM, "out of memory writing the passage store");
    return queue_entry(w, &w->stage, &w->stage_list, w->stage.len >= STAGE_MAX, false, &queued, err);
}

/* The trainer's parameters, fixed.  ZDICT_trainFromBuffer searches
** segment sizes k (four trainings, each scored by compressing a quarter of
** the samples held out): 0.47 s on the writer's thread for laws, where it
** picked k = 50.  One training at k = 50 on every sample takes 0.10 s and
** gives a store 0.3% smaller there (docs/FORMAT.md, "Store"). */
static ZDICT_fastCover_params_t train_params(void)
{
    ZDICT_fastCover_params_t p;
    memset(&p, 0, sizeof p);
    p.k = 50;                   /* segment size */
    p.d = 8;                    /* dmer size */
    p.f = 20;                   /* log2 of the frequency table */
    p.accel = 1;
    p.splitPoint = 1.0;         /* train on every sample, score none */
    p.zParams.compressionLevel = 3;     /* for the entropy tables, as the default trainer */
    return p;
}

/* Trains the dictionary on sample, the blocks that waited for it
** (fastCover, deterministic: one thread, fixed parameters), writes it and
** the character table, and sets up the compressor.  Samples are pieces of
** ZHS_STORE_DICT_PIECE bytes rather than whole blocks, so that a small
** store still has enough of them to train on.  Runs on the compressor
** thread when there is one. */
static int train_dict(zhs_store_writer *w, const zhs_buf *sample, zhs_error *err)
{
    const uint8_t *src = (const uint8_t *)sample->data;
    size_t len = sample->len;
    /* at most 1/32 of the sample: a small store would not win back
    ** a large dictionary */
    size_t cap = len / 32 < ZHS_STORE_DICT_MAX ? len / 32 : ZHS_STORE_DICT_MAX;
    if (cap >= ZHS_STORE_DICT_MIN) {
        size_t ns = (len + ZHS_STORE_DICT_PIECE - 1) / ZHS_STORE_DICT_PIECE;
        size_t *sizes = malloc(ns * sizeof *sizes);
        if (!sizes || !zhs_buf_reserve(&w->dict, cap)) {
            free(sizes);
            return zhs_fail(err, ZHS_ENOMEM, "out of memory writing the passage store");
        }
        for (size_t i = 0; i < ns; i++) sizes[i] = i + 1 < ns ? ZHS_STORE_DICT_PIECE : len - i * ZHS_STORE_DICT_PIECE;
        size_t dl = ZDICT_trainFromBuffer_fastCover(w->dict.data, cap, src, sizes, (unsigned)ns, train_params());
        free(sizes);
        /* The trainer allocates its own tables: out of memory is an error
        ** (without it the same corpus would give other bytes); its other
        ** errors say the samples were too few, and the store goes without. */
        if (ZDICT_isError(dl) && ZSTD_getErrorCode(dl) == ZSTD_error_memory_allocation)
            return zhs_fail(err, ZHS_ENOMEM, "out of memory training the passage store's dictionary");
        w->dict.len = ZDICT_isError(dl) ? 0 : dl;
    }
    zhs_outfile_write(&w->out, w->dict.data, w->dict.len);
    zhs_outfile_write(&w->out, w->code_table.data, w->code_table.len);
    /* frames without content size or dictionary id (the table has the
    ** raw length, there is one dictionary), but with zstd's checksum of
    ** the block's records: the file's CRC covers the compressed bytes, and
    ** a change behind a repaired CRC would otherwise come back as changed
    ** text (4 bytes a block) */
    int level = ZHS_STORE_LEVEL;
    w->cctx = ZSTD_createCCtx();
    if (!w->cctx) return zhs_fail(err, ZHS_ENOMEM, "out of memory starting zstd for the passage store");
    if (w->dict.len) {
        w->cdict = ZSTD_createCDict(w->dict.data, w->dict.len, level);
        if (!w->cdict) return zhs_fail(err, ZHS_ENOMEM, "out of memory starting zstd for the passage store");
    }
    size_t zr = w->cdict ? ZSTD_CCtx_refCDict(w->cctx, w->cdict)
                         : ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_compressionLevel, level);
    if (!ZSTD_isError(zr)) zr = ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_contentSizeFlag, 0);
    if (!ZSTD_isError(zr)) zr = ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_checksumFlag, 1);
    if (!ZSTD_isError(zr)) zr = ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_dictIDFlag, 0);
    if (ZSTD_isError(zr))
        return zhs_fail(err, ZHS_EINTERNAL, "zstd could not start the passage store: %s", ZSTD_getErrorName(zr));
    return ZHS_OK;
}

/* The dictionary is chosen on the waiting blocks, then they are written.
** With a compressor thread both go to it as one entry: training (about
** 0.1 s on laws) and the backlog (another 0.1 s) on the writer's thread
** held it, and with it every stage behind it, so that one core idled; the
** writer's thread goes on, its blocks queued after the training. */
static int choose_dict(zhs_store_writer *w, zhs_error *err)
{
    int rc = ZHS_OK;
    if (w->threaded) {
        bool queued;
        rc = queue_entry(w, &w->pending, &w->pending_blocks, true, true, &queued, err);
    } else if (!train_dict(w, &w->pending, err)) {
        rc = put_blocks(w, &w->pending, &w->pending_blocks, err);
    } else {
        rc = err->code;
    }
    if (!rc) w->dict_chosen = true;
    zhs_buf_free(&w->pending);
    zhs_buf_free(&w->pending_blocks);
    return rc;
}

static int flush_block(zhs_store_writer *w, zhs_error *err)
{
    if (w->block_docs == 0) return ZHS_OK;
    int rc;
    if (w->dict_chosen && w->threaded) {
        rc = queue_block(w, err);
    } else if (w->dict_chosen) {
        rc = put_block(w, (const uint8_t *)w->raw.data, (uint32_t)w->raw.len, w->block_first, w->block_docs, err);
    } else {
        zhs_buf_append(&w->pending, w->raw.data, w->raw.len);
        list_put(&w->pending_blocks, w->block_first, w->block_docs, (uint32_t)w->raw.len);
        rc = w->pending.oom || w->pending_blocks.oom
                 ? zhs_fail(err, ZHS_ENOMEM, "out of memory writing the passage store")
                 : w->pending.len >= ZHS_STORE_DICT_SAMPLE ? choose_dict(w, err) : ZHS_OK;
    }
    if (rc) return rc;
    zhs_buf_reset(&w->raw);
    w->block_first = w->ndocs;
    w->block_docs = 0;
    w->block_text = 0;
    return ZHS_OK;
}

/* Adds a record in the chosen code to the block being filled. */
static int add_coded(zhs_store_writer *w, const zhs_passage *p, zhs_error *err)
{
    zhs_buf *b = &w->raw;
    zhs_passage prev;
    if (w->block_docs) zhs_record_state_passage(&w->last, &prev);
    else zhs_record_state_reset(&w->last);
    size_t at = b->len;
    if (!zhs_record_encode_store(b, p, w->block_docs ? &prev : NULL, &w->code, true, &w->scratch))
        return zhs_fail(err, ZHS_ENOMEM, "out of memory storing passage %s", p->id ? p->id : "");
    const uint8_t *q = (const uint8_t *)b->data + at;
    int rc = zhs_record_next_store(&q, (const uint8_t *)b->data + b->len, &w->last);
    if (rc == ZHS_ENOMEM) return zhs_fail(err, ZHS_ENOMEM, "out of memory storing passage %s", p->id ? p->id : "");
    if (rc) return zhs_fail(err, ZHS_EINTERNAL, "passage %s did not read back from the store", p->id ? p->id : "");
    w->ndocs++;
    w->block_docs++;
    w->block_text += zhs_record_text_size(p);
    if (w->block_text >= ZHS_STORE_BLOCK) return flush_block(w, err);
    return ZHS_OK;
}

/* Chooses the character code from the counts of the waiting records,
** then stores them in it. */
static int choose_code(zhs_store_writer *w, zhs_error *err)
{
    w->code.n = zhs_textcode_table(&w->code_table, w->counts);
    w->code.table = (const uint8_t *)w->code_table.data;
    if (w->code_table.oom) return zhs_fail(err, ZHS_ENOMEM, "out of memory writing the passage store");
    zhs_textcode_ranks(&w->code, w->rank);
    w->code_chosen = true;
    free(w->counts);
    w->counts = NULL;
    zhs_buf rec;
    zhs_buf_init(&rec);
    const uint8_t *q = (const uint8_t *)w->plain.data, *end = q + w->plain.len;
    int rc = ZHS_OK;
    for (uint32_t i = 0; i < w->plain_docs && rc == ZHS_OK; i++) {
        zhs_passage ps;
        zhs_buf_reset(&rec);
        int d = zhs_record_decode(&q, end, ZHS_FORMAT_VERSION, &rec, &ps);
        if (d == ZHS_ENOMEM) rc = zhs_fail(err, ZHS_ENOMEM, "out of memory writing the passage store");
        else if (d) rc = zhs_fail(err, ZHS_EINTERNAL, "a passage store record did not read back");
        else rc = add_coded(w, &ps, err);
    }
    zhs_buf_free(&rec);
    zhs_buf_free(&w->plain);
    return rc;
}

int zhs_store_writer_add(zhs_store_writer *w, const zhs_passage *p, zhs_error *err)
{
    if (zhs_err_code(err)) return err->code;
    if (w->flushed) return zhs_fail(err, ZHS_EINTERNAL, "passage %s added to a flushed passage store", p->id ? p->id : "");
    if (w->code_chosen) return add_coded(w, p, err);
    if (!zhs_record_encode(&w->plain, p)) return zhs_fail(err, ZHS_ENOMEM, "out of memory storing passage %s", p->id ? p->id : "");
    if (p->text) zhs_textcode_count(w->counts, (const uint8_t *)p->text, p->text_len);
    w->plain_docs++;
    return w->plain.len >= ZHS_STORE_CODE_SAMPLE ? choose_code(w, err) : ZHS_OK;
}

int zhs_store_writer_flush(zhs_store_writer *w, zhs_error *err)
{
    if (zhs_err_code(err)) return err->code;
    if (w->flushed) return ZHS_OK;
    if (!w->code_chosen && choose_code(w, err)) return err->code;
    if (flush_block(w, err)) return err->code;
    if (!w->dict_chosen && choose_dict(w, err)) return err->code;
    /* the staged blocks go now if the ring has room; else finish waits
    ** for it, so that a flush before the segment is written does not hold
    ** the caller while the thread trains or catches up */
    bool queued;
    if (w->stage.len && queue_entry(w, &w->stage, &w->stage_list, false, false, &queued, err)) return err->code;
    w->flushed = true;
    return ZHS_OK;
}

int zhs_store_writer_finish(zhs_store_writer *w, zhs_error *err)
{
    if (zhs_store_writer_flush(w, err)) return err->code;
    bool queued;
    if (w->stage.len && queue_entry(w, &w->stage, &w->stage_list, true, false, &queued, err)) return err->code;
    stop_thread(w);
    if (w->err.code) {
        *err = w->err;
        return err->code;
    }
    uint32_t nblocks = (uint32_t)(w->table.len / ZHS_STORE_ENTRY);
    zhs_outfile_write(&w->out, w->table.data, w->table.len);
    uint8_t t[12];
    zhs_set_u32(t, w->code.n);
    zhs_set_u32(t + 4, nblocks);
    zhs_set_u32(t + 8, (uint32_t)w->dict.len);
    zhs_outfile_write(&w->out, t, 12);
    if (zhs_outfile_finish(&w->out, err)) return err->code;
    w->finished = true;
    return ZHS_OK;
}

void zhs_store_writer_set_syncs(zhs_store_writer *w, zhs_syncs *s)
{
    w->out.syncs = s;
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
    for (int i = 0; i < RING; i++) zhs_buf_free(&w->ring[i].raw), zhs_buf_free(&w->ring[i].list);
    zhs_buf_free(&w->one);
    zhs_buf_free(&w->stage);
    zhs_buf_free(&w->stage_list);
    if (!w->finished) zhs_outfile_abort(&w->out);
    ZSTD_freeCCtx(w->cctx);
    ZSTD_freeCDict(w->cdict);
    zhs_buf_free(&w->raw);
    zhs_buf_free(&w->table);
    zhs_buf_free(&w->pending);
    zhs_buf_free(&w->pending_blocks);
    zhs_buf_free(&w->dict);
    zhs_buf_free(&w->plain);
    zhs_buf_free(&w->code_table);
    zhs_record_state_free(&w->last);
    zhs_buf_free(&w->scratch);
    free(w->counts);
    free(w->rank);
    free(w->z);
    free(w);
}
