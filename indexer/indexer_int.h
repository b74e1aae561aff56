/*
** indexer_int.h — private interfaces of the indexer stage.
**
** Data flow inside a build:
**   writer.c     passages -> analyzer -> in-memory postings per term; when
**                the RAM budget is reached they are flushed as a sorted run
**   runs.c       sorted run files on disk and their k-way merge
**   seg_writer.c a term's postings -> blocks, skips, positions (an encoder,
**                one per thread), then sorted terms -> .dict/.post/.pos
**   handoff.c    a shard's encoded terms -> the segment's merge, in memory
**   store_writer.c passages -> zstd-compressed .store, streamed
** Postings travel between them as a "posting stream": per passage
**   varint (doc - prev_doc) [prev_doc = -1 at the start of a stream],
**   varint tf, tf varints: first position then gaps,
** the positions only for a term that keeps them in the segment
** (zhs_term_keeps_positions): the others' would only be skipped.
*/
#ifndef ZHS_INDEXER_INT_H
#define ZHS_INDEXER_INT_H

#include "common.h"
#include "format.h"
#include "outfile.h"

#include <pthread.h>

/* ============================================================ seg_writer.c */

typedef struct zhs_seg_writer zhs_seg_writer;

/* A piece of a term's posting stream; the pieces of one term cover
** increasing, disjoint ranges of passages. */
typedef struct zhs_chunk {
    const uint8_t *p;
    size_t len;
} zhs_chunk;

/* Whether the segment holds the term's positions (and so its posting
** stream carries them): not for characters and article labels, nor for
** long Han words unless word_positions (zhs_seg_writer_open). */
bool zhs_term_keeps_positions(const char *key, size_t keylen, bool word_positions);

/* lens: token count of each of ndocs passages (borrowed until finish).
** word_positions: keep the positions of Han words of two or more
** characters; without bigrams phrases need them, with bigrams they are
** never read (phrases match on bigrams) and are dropped. */
int zhs_seg_writer_open(zhs_seg_writer **out, const char *dir, const char *stem,
                        const uint32_t *lens, uint32_t ndocs, double avglen,
                        double k1, double b, bool word_positions, zhs_error *err);
/* Terms must come in strictly increasing byte order. */
int zhs_seg_writer_add(zhs_seg_writer *w, const char *key, size_t keylen,
                       const zhs_chunk *chunks, size_t nchunks, zhs_error *err);

/* Takes a term and the pieces of its posting stream (zhs_seg_writer_add
** with ctx a zhs_seg_writer, or an encoder's consumer). */
typedef int (*zhs_term_sink)(void *ctx, const char *key, size_t keylen, const zhs_chunk *chunks, size_t nchunks,
                             zhs_error *err);
int zhs_seg_writer_add_sink(void *w, const char *key, size_t keylen, const zhs_chunk *chunks, size_t nchunks,
                            zhs_error *err);

/* One term encoded: its postings (post[0], the skip table, then post[1],
** the blocks), its positions, and its dictionary figures. */
typedef struct zhs_term_code {
    uint32_t df;
    uint64_t cf;
    zhs_chunk post[2];
    zhs_chunk pos;
    float ub;                   /* BM25 bound at the segment's k1, b */
    uint32_t max_tf, min_len;
} zhs_term_code;

/* Encodes terms with w's passage lengths and BM25 parameters, on any
** thread (each encoder is one thread's; w only read, and must outlive it). */
typedef struct zhs_term_enc zhs_term_enc;
int zhs_term_enc_open(zhs_term_enc **out, const zhs_seg_writer *w, zhs_error *err);
/* out points into e until its next run. */
int zhs_term_enc_run(zhs_term_enc *e, const char *key, size_t keylen, const zhs_chunk *chunks, size_t nchunks,
                     zhs_term_code *out, zhs_error *err);
void zhs_term_enc_close(zhs_term_enc *e);
/* Appends an encoded term (strictly increasing byte order, as add). */
int zhs_seg_writer_put(zhs_seg_writer *w, const char *key, size_t keylen, const zhs_term_code *c, zhs_error *err);
/* Writes the dictionary and lengths and syncs every file (or, after
** set_syncs, hands their fsyncs to s: durable once s is waited for). */
void zhs_seg_writer_set_syncs(zhs_seg_writer *w, zhs_syncs *s);
int zhs_seg_writer_finish(zhs_seg_writer *w, uint64_t *nterms, zhs_error *err);
/* Frees; removes the files unless finish succeeded. */
void zhs_seg_writer_close(zhs_seg_writer *w);

/* ============================================================ store_writer.c */

typedef struct zhs_store_writer zhs_store_writer;

/* threaded: compress and write blocks in a thread of the store's own
** (the file is the same; without a thread if one cannot be started). */
int zhs_store_writer_open(zhs_store_writer **out, const char *path, bool threaded, zhs_error *err);
int zhs_store_writer_add(zhs_store_writer *w, const zhs_passage *p, zhs_error *err);
/* Ends the adds: the last block, and the dictionary when it was not
** trained yet, go to the compressor thread (or are written, without one),
** which goes on with them while the caller does other work; finish waits
** for it (and flushes first when flush was not called). */
int zhs_store_writer_flush(zhs_store_writer *w, zhs_error *err);
int zhs_store_writer_finish(zhs_store_writer *w, zhs_error *err);
/* Before finish: the file's fsync goes to s (common.h), not waited for. */
void zhs_store_writer_set_syncs(zhs_store_writer *w, zhs_syncs *s);
void zhs_store_writer_close(zhs_store_writer *w);

/* ============================================================ runs.c */

/* One flushed run: a file of records
**   varint keylen, key, varint stream_len, stream
** in increasing key order. */
int zhs_run_write(const char *path, const char *const *keys, const uint32_t *keylens,
                  const zhs_chunk *streams, size_t n, zhs_error *err);

/* A shard's posting streams' memory (stream_pool.c): blocks of a power
** of two bytes from chunks of its own (transparent huge pages where the
** kernel gives them on request), a free list per size; a stream past
** ZHS_POOL_MAX_BLOCK is malloc's.  One thread's. */
#define ZHS_POOL_MIN_SHIFT 4                        /* 16 B, a stream's first block */
#define ZHS_POOL_MAX_SHIFT 18
#define ZHS_POOL_MAX_BLOCK ((size_t)1 << ZHS_POOL_MAX_SHIFT)
#define ZHS_POOL_CHUNK ((size_t)4 << 20)
typedef struct zhs_pool {
    uint8_t *free[ZHS_POOL_MAX_SHIFT + 1];          /* by size class, linked through the blocks */
    uint8_t *next, *end;                            /* the current chunk's unused part; NULL: none */
    uint8_t **chunks;                               /* mapped, kept by a reset */
    size_t nchunks, chunks_cap, cur;                /* cur: the chunk next is in */
} zhs_pool;
void zhs_pool_init(zhs_pool *p);
/* The stream (len bytes in its block of cap bytes; NULL and 0 for none)
** moved to a block of newcap bytes, a power of two >= 16 (or grown where
** it is); NULL when out of memory, the old block untouched. */
uint8_t *zhs_pool_grow(zhs_pool *p, uint8_t *buf, size_t len, size_t cap, size_t newcap);
/* A block back, for reuse. */
void zhs_pool_release(zhs_pool *p, uint8_t *buf, size_t cap);
/* A block given up before zhs_pool_reset or zhs_pool_free, which reclaim
** the pool's own: frees only one of malloc's. */
void zhs_pool_drop(uint8_t *buf, size_t cap);
/* Every block free (drop the large ones first); the chunks stay mapped,
** their pages already faulted in. */
void zhs_pool_reset(zhs_pool *p);
void zhs_pool_free(zhs_pool *p);
/* The bytes of chunks handed out since the last reset (blocks in use, on
** the free lists, or carved off a chunk's end): what a budget counts. */
size_t zhs_pool_carved(const zhs_pool *p);

/* A shard's large tables (its term entries and slots, the sort's arrays)
** in mappings of their own (stream_pool.c): zeroed; from 2 MB up 2 MB
** aligned and marked for huge pages, so that filling them faults
** once per 2 MB instead of once per 4 KB.  *mapped: what to give
** zhs_table_unmap (0 with NULL).  NULL when out of memory. */
void *zhs_table_map(size_t bytes, size_t *mapped);
void zhs_table_unmap(void *p, size_t mapped);

/* The same records written one at a time (a record's stream given in
** parts); errors are kept and reported by finish, which removes the file
** after one, as abort does. */
typedef struct zhs_run_out {
    FILE *f;
    char *vbuf;                 /* f's buffer (zhs_wfile_create) */
    char path[ZHS_PATH_MAX];
    bool failed;
    int errnum;
} zhs_run_out;
int zhs_run_out_open(zhs_run_out *o, const char *path, zhs_error *err);
void zhs_run_out_put(zhs_run_out *o, const char *key, size_t keylen, const zhs_chunk *parts, size_t nparts);
int zhs_run_out_finish(zhs_run_out *o, zhs_error *err);
void zhs_run_out_abort(zhs_run_out *o);

/* Byte order of keys, the shorter first on a common prefix. */
int zhs_run_key_cmp(const char *a, size_t al, const char *b, size_t bl);
/* Merges runs (in passage order: run i holds earlier passages than run
** i+1) by key: each key goes to sink once, with its streams from every
** run that holds it, in run order.  share: how many merges run at once
** (the pages they keep mapped are shared out between them). */
int zhs_runs_merge(zhs_term_sink sink, void *ctx, const char *const *paths, size_t nruns, unsigned share,
                   zhs_error *err);

/* ============================================================ handoff.c */

/* A shard's encoded terms (records as a run's) passed to the merge that
** writes the segment, one producer and one consumer thread, in blocks of
** about 256 KB, at most ZHS_HANDOFF_DEPTH of them waiting. */
enum { ZHS_HANDOFF_DEPTH = 4 };
typedef struct zhs_handoff {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    zhs_buf q[ZHS_HANDOFF_DEPTH];   /* published blocks, from head */
    size_t head, nq;
    zhs_buf spare;              /* a block the merge read, for the producer */
    bool ended, failed, aborted;
    zhs_buf fill;               /* the producer's */
    zhs_buf reading;            /* the consumer's */
    const uint8_t *rp, *rend;
    bool live;                  /* initialised */
} zhs_handoff;

/* The producer waits while ZHS_HANDOFF_DEPTH blocks wait, so producer and
** consumer are on threads of their own (a build whose shard threads could
** not all start has one shard and no hand-off: invert.c). */
int zhs_handoff_init(zhs_handoff *h, zhs_error *err);
/* Frees (after both sides are done; nothing when never initialised). */
void zhs_handoff_destroy(zhs_handoff *h);
/* The producer's: appends a record; fails when out of memory or when the
** consumer gave up (zhs_handoff_abort). */
int zhs_handoff_put(zhs_handoff *h, const char *key, size_t keylen, const zhs_chunk *parts, size_t nparts,
                    zhs_error *err);
/* The producer's last call: failed, or every record was put. */
void zhs_handoff_end(zhs_handoff *h, bool failed);
/* The consumer's: the next record, valid until the next call: 1; 0 after
** the last; -1 when the producer failed; -2 when a record is damaged. */
int zhs_handoff_next(zhs_handoff *h, const char **key, size_t *keylen, zhs_chunk *stream);
/* The consumer stops: a waiting or later put fails. */
void zhs_handoff_abort(zhs_handoff *h);

/* ============================================================ invert.c */

/* Passages' terms become posting streams, split by term hash over shards
** each inverted in a thread of its own (invert.c says how). */
typedef struct zhs_inverter zhs_inverter;
struct zhs_passage_terms;

/* shards: 1 inverts on the caller's thread; more start a thread each.
** ram_budget: the bytes of postings all shards hold before flushing runs
** into tmpdir (each an equal share).  word_positions: the segment
** writer's (zhs_term_keeps_positions), which streams carry positions. */
int zhs_inverter_open(zhs_inverter **out, unsigned shards, size_t ram_budget, bool word_positions,
                      const char *tmpdir, zhs_error *err);
/* Passages come in order, doc = 0, 1, ...; pt is read during the call only. */
int zhs_inverter_add(zhs_inverter *iv, uint32_t doc, const struct zhs_passage_terms *pt, zhs_error *err);
/* Waits for the shards and sorts their terms; has_runs: whether the
** segment comes from runs on disk (a merge phase). */
int zhs_inverter_finish(zhs_inverter *iv, bool *has_runs, zhs_error *err);
/* Writes every term, in key order, to w (after finish). */
int zhs_inverter_write(zhs_inverter *iv, zhs_seg_writer *w, bool has_runs, zhs_error *err);
/* Stops the threads, frees, removes the runs. */
void zhs_inverter_close(zhs_inverter *iv);

/* ============================================================ sources.c */

/* The file table of an index (g<GEN>.files, docs/FORMAT.md): each source
** file under its root, what it was when indexed, and where its passages
** are (a run of consecutive passages of one segment). */

typedef struct zhs_src {
    uint32_t root;              /* index into the table's roots */
    char *rel;
    uint64_t size;
    int64_t mtime_ns;
    uint64_t hash;
    char seg[32];               /* the segment holding its passages */
    uint32_t first, count;      /* their numbers in that segment */
} zhs_src;

typedef struct zhs_src_table {
    char **roots;
    size_t nroots;
    zhs_src *e;
    size_t n, cap;
    uint32_t *slots;            /* look-up: entry + 1, 0 empty */
    size_t nslots;
} zhs_src_table;

void zhs_src_table_free(zhs_src_table *t);
/* Index of root (added when absent); -1 when out of memory. */
long zhs_src_root(zhs_src_table *t, const char *root);
/* Appends a copy of e (its rel copied) under root index root; NULL: no memory. */
zhs_src *zhs_src_add(zhs_src_table *t, const zhs_src *e);
/* Builds the look-up of zhs_src_find (after the last add); false: no memory. */
bool zhs_src_index(zhs_src_table *t);
/* The entry of (root, rel); NULL when absent (or not indexed since an add). */
zhs_src *zhs_src_find(const zhs_src_table *t, const char *root, const char *rel);
int zhs_src_table_read(zhs_src_table *t, const char *path, zhs_error *err);
int zhs_src_table_write(const zhs_src_table *t, const char *path, zhs_syncs *syncs, zhs_error *err);

/* ============================================================ pipeline.c */

/* Passages analysed in worker threads and handed on in the order they
** were added (pipeline.c says how, and what it holds in memory). */
typedef struct zhs_pipeline zhs_pipeline;
struct zhs_passage_terms;

/* Takes one analysed passage, on the thread that calls add or drain, or
** with own_sink on the pipeline's consumer thread (one call at a time, in
** order); pt is valid for the call only. */
typedef int (*zhs_pipeline_sink)(void *ctx, const zhs_passage *p, const struct zhs_passage_terms *pt,
                                 zhs_error *err);

/* The thread count asked for resolved: 0 means one per online core. */
unsigned zhs_pipeline_threads(unsigned asked);
/* threads >= 2: threads - 1 workers, each with a copy of an (a user
** dictionary goes through a file in scratch); the caller's thread uses an
** itself.  own_sink: the sink runs on a thread of the pipeline's (when it
** can be started), so that the caller goes on reading while it waits. */
int zhs_pipeline_open(zhs_pipeline **out, unsigned threads, zhs_analyzer *an, unsigned title_weight,
                      const char *scratch, zhs_pipeline_sink sink, void *sink_ctx, bool own_sink,
                      zhs_error *err);
/* Queues a copy of p; passages that are ready go to the sink.  A failure,
** here or of an earlier passage, is returned by this and every later call. */
int zhs_pipeline_add(zhs_pipeline *pl, const zhs_passage *p, zhs_error *err);
/* Returns when every passage added has gone to the sink. */
int zhs_pipeline_drain(zhs_pipeline *pl, zhs_error *err);
/* Stops and joins the workers; passages not drained are dropped. */
void zhs_pipeline_close(zhs_pipeline *pl);

#endif
