/*
** handoff.c — a shard's encoded terms passed to the segment's merge in
** memory, while the shard is still encoding.
**
** Until the sixth session each shard encoded all its terms into a file
** of its own (a run) and the caller merged the files only once every
** shard was done: the files' bytes were written and read back once more
** than the segment's, and the merge ran alone on the caller's thread
** while one core idled (bench/RESULTS.md, "inv2").  Here the producer
** (a shard) appends its records to a block of about HANDOFF_BLOCK bytes
** (256 KB: blocks of 1 MB, up to 2 MB of buffer each, and the store's
** large buffers kept in its ring added 14 MB to a laws build's peak RSS)
** and publishes each full block; the consumer (the merge) takes the
** blocks in order and hands them back to the producer.  At most
** ZHS_HANDOFF_DEPTH blocks wait: a shard that runs ahead of the merge waits,
** so the memory stays bounded whatever the corpus (a record larger than a
** block makes its block as large).  The merge never waits on a shard
** whose queue is full (it only waits for a shard it has no record of),
** so the wait cannot close a cycle.
**
** Records are those of a run (runs.c): varint keylen, key, varint
** stream length, stream.
*/
#include "indexer_int.h"

#include <stdlib.h>

enum { HANDOFF_BLOCK = 256 << 10 };

int zhs_handoff_init(zhs_handoff *h, zhs_error *err)
{
    memset(h, 0, sizeof *h);
    if (pthread_mutex_init(&h->mu, NULL)) return zhs_fail(err, ZHS_EINTERNAL, "cannot make a lock for the shards");
    if (pthread_cond_init(&h->cv, NULL)) {
        pthread_mutex_destroy(&h->mu);
        return zhs_fail(err, ZHS_EINTERNAL, "cannot make a condition for the shards");
    }
    h->live = true;
    zhs_buf_init(&h->fill);
    zhs_buf_init(&h->spare);
    return ZHS_OK;
}

void zhs_handoff_destroy(zhs_handoff *h)
{
    if (!h->live) return;
    for (size_t i = 0; i < h->nq; i++) zhs_buf_free(&h->q[(h->head + i) % ZHS_HANDOFF_DEPTH]);
    zhs_buf_free(&h->fill);
    zhs_buf_free(&h->spare);
    zhs_buf_free(&h->reading);
    pthread_mutex_destroy(&h->mu);
    pthread_cond_destroy(&h->cv);
    h->live = false;
}

/* Moves the fill block to the queue (waiting for room) and
** takes the spare one back to fill; false when the merge gave up. */
static bool publish(zhs_handoff *h)
{
    pthread_mutex_lock(&h->mu);
    while (!h->aborted && h->nq == ZHS_HANDOFF_DEPTH)
        pthread_cond_wait(&h->cv, &h->mu);
    bool ok = !h->aborted;
    if (ok) {
        h->q[(h->head + h->nq++) % ZHS_HANDOFF_DEPTH] = h->fill;
        h->fill = h->spare;
        zhs_buf_init(&h->spare);
        pthread_cond_broadcast(&h->cv);
    }
    pthread_mutex_unlock(&h->mu);
    if (ok) zhs_buf_reset(&h->fill);
    return ok;
}

int zhs_handoff_put(zhs_handoff *h, const char *key, size_t keylen, const zhs_chunk *parts, size_t nparts,
                    zhs_error *err)
{
    size_t len = 0;
    for (size_t i = 0; i < nparts; i++) len += parts[i].len;
    zhs_buf *b = &h->fill;
    zhs_buf_put_varint(b, keylen);
    zhs_buf_append(b, key, keylen);
    zhs_buf_put_varint(b, len);
    for (size_t i = 0; i < nparts; i++) zhs_buf_append(b, parts[i].p, parts[i].len);
    if (b->oom) return zhs_fail(err, ZHS_ENOMEM, "out of memory passing on the postings of '%.*s'", (int)keylen, key);
    if (b->len >= HANDOFF_BLOCK && !publish(h))
        return zhs_fail(err, ZHS_EINTERNAL, "the segment's merge stopped");
    return ZHS_OK;
}

void zhs_handoff_end(zhs_handoff *h, bool failed)
{
    if (!failed && h->fill.len && !publish(h)) failed = true;
    pthread_mutex_lock(&h->mu);
    h->ended = true;
    h->failed = failed;
    pthread_cond_broadcast(&h->cv);
    pthread_mutex_unlock(&h->mu);
}

void zhs_handoff_abort(zhs_handoff *h)
{
    if (!h->live) return;
    pthread_mutex_lock(&h->mu);
    h->aborted = true;
    pthread_cond_broadcast(&h->cv);
    pthread_mutex_unlock(&h->mu);
}

/* The next block: 1, 0 at the end, -1 when the producer failed.  The
** block read before goes back as the producer's spare (one allocation
** reused, not a fresh one a block), unless a record larger than a block
** grew it: kept, such buffers would hold the largest record's size in
** every slot of the queue. */
static int next_block(zhs_handoff *h)
{
    pthread_mutex_lock(&h->mu);
    if (!h->spare.data && h->reading.cap <= 2 * (size_t)HANDOFF_BLOCK) {
        h->spare = h->reading;
        zhs_buf_reset(&h->spare);
    } else {
        zhs_buf_free(&h->reading);
    }
    zhs_buf_init(&h->reading);
    while (!h->nq && !h->ended) pthread_cond_wait(&h->cv, &h->mu);
    int r = -1;
    if (h->nq) {
        h->reading = h->q[h->head];
        h->head = (h->head + 1) % ZHS_HANDOFF_DEPTH;
        h->nq--;
        pthread_cond_broadcast(&h->cv);
        r = 1;
    } else if (!h->failed) {
        r = 0;
    }
    pthread_mutex_unlock(&h->mu);
    h->rp = (const uint8_t *)h->reading.data;
    h->rend = h->rp ? h->rp + h->reading.len : NULL;
    return r;
}

int zhs_handoff_next(zhs_handoff *h, const char **key, size_t *keylen, zhs_chunk *stream)
{
    while (h->rp == h->rend) {
        int r = next_block(h);
        if (r <= 0) return r;
    }
    const uint8_t *end = h->rend;
    uint64_t kl, sl;
    if (!zhs_varint_get(&h->rp, end, &kl) || kl > (uint64_t)(end - h->rp)) return -2;
    *key = (const char *)h->rp;
    *keylen = (size_t)kl;
    h->rp += kl;
    if (!zhs_varint_get(&h->rp, end, &sl) || sl > (uint64_t)(end - h->rp)) return -2;
    stream->p = h->rp;
    stream->len = (size_t)sl;
    h->rp += sl;
    return 1;
}
