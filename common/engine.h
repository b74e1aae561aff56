/*
** engine.h — the seam between zhsearch and the engines that store and
** search its terms.
**
** An engine is two tables of operations: a reader (open a generation,
** search it, read a hit's passage, verify it, name its files) and a writer
** (add passages, commit, abort).  The index handle (query/index.c) and the
** index writer (indexer/writer.c) call only through these tables and name
** no engine; the registry (engine.c) is the one place that knows which
** engines this build has.  Tables carry ZHS_ENGINE_ABI so that a table
** written against another shape of this header is refused, not misread.
**
** Both engines are in this library: native (query/native.c and
** indexer/native_writer.c) and, when built with ZHS_WITH_XAPIAN, Xapian
** (xapian/xapian_engine.c).
*/
#ifndef ZHS_ENGINE_H
#define ZHS_ENGINE_H

#include "common.h"
#include "manifest.h"

#define ZHS_ENGINE_ABI 1

struct zhs_index;
struct zhs_topk;
struct zhs_query;
struct zhs_passage_terms;

/* One file or directory of an index generation, for 'zhs stats'. */
typedef struct zhs_engine_component {
    char label[24];             /* "postings", "x3-0" */
    char file[64];              /* name inside the index directory */
} zhs_engine_component;

typedef struct zhs_engine_reader {
    unsigned abi;               /* ZHS_ENGINE_ABI */
    int kind;                   /* enum zhs_engine, as MANIFEST records it */
    const char *name;
    bool shareable;             /* one handle may serve concurrent threads */

    /* Opens the generation ix->m names in ix->dir; sets ix->state. */
    int (*open)(struct zhs_index *ix, zhs_error *err);
    /* Frees ix->state (also after a failed open). */
    void (*close)(struct zhs_index *ix);
    int (*search)(struct zhs_topk *out, zhs_arena *arena, struct zhs_index *ix,
                  const struct zhs_query *q, const zhs_search_options *o, zhs_error *err);
    /* A hit's stored passage; its strings may point into buf. */
    int (*passage)(zhs_passage *out, zhs_buf *buf, zhs_results *r, uint32_t doc, zhs_error *err);
    /* Checks what open does not: every posting, length and record. */
    int (*verify)(struct zhs_index *ix, zhs_error *err);
    /* The generation's files; returns how many (at most cap written). */
    size_t (*components)(const zhs_manifest *m, zhs_engine_component *out, size_t cap);
    /* Opens an index served over the network (NULL: the engine has none);
    ** fills ix->m from what the servers say. */
    int (*open_remote)(struct zhs_index *ix, const char *const *hostports, size_t n,
                       unsigned timeout_ms, zhs_error *err);
} zhs_engine_reader;

/* What a writer is told about the build it belongs to. */
typedef struct zhs_engine_build {
    const char *dir;            /* the index directory */
    const char *tmpdir;         /* scratch of this build, removed after it */
    uint64_t gen;               /* name the generation's files with it */
    const zhs_writer_options *opts;     /* resolved: no zero means default */
    const char *analyzer;       /* the analyzer's fingerprint */
    bool bigrams;               /* the analyzer emits Han bigrams */
    /* Reports a new phase of the build ("merging"); may be NULL. */
    void (*phase)(void *ctx, const char *phase);
    void *phase_ctx;
    /* native: the stem of the segment's files ("g3" for a build, "s4" for
    ** the segment an update or merge adds) */
    const char *segment;
    /* an update: the index as it is (NULL: a new build) */
    const zhs_manifest *old;
    /* commit may hand its files' fsyncs to it (common.h): the caller waits
    ** for them before it publishes the MANIFEST; NULL: commit syncs */
    zhs_syncs *syncs;
} zhs_engine_build;

typedef struct zhs_engine_writer {
    unsigned abi;               /* ZHS_ENGINE_ABI */
    int kind;
    const char *name;

    int (*open)(void **out, const zhs_engine_build *b, zhs_error *err);
    /* Adds passage doc (0, 1, 2, ... in order) with its terms. */
    int (*add)(void *w, uint32_t doc, const zhs_passage *p, const struct zhs_passage_terms *pt,
               zhs_error *err);
    /* Writes and syncs the generation's files (or hands the fsyncs to b's
    ** syncs).  m arrives with the
    ** collection's figures set (and, in an update, the segments it keeps);
    ** the engine fills terms and shards and appends its segment (none when
    ** an update added no passage).  Publishing (the MANIFEST) is the
    ** caller's. */
    int (*commit)(void *w, zhs_manifest *m, zhs_error *err);
    /* Frees the writer.  Files of an uncommitted generation are removed by
    ** the caller, which knows the generation's names. */
    void (*close)(void *w);

    /* Updates of an engine that deletes passages itself (Xapian); NULL for
    ** one whose deletion files the writer keeps (native).  Passages are
    ** numbered as its reader numbers hits.  remove: the live passages of
    ** [first, first + n); remove_id: the live passages with that id that
    ** the index had before this update; both add how many and their
    ** lengths to *removed and *tokens.  record: passage doc as it will
    ** be after the commit (ZHS_ENOTFOUND, err clear: none such), for the
    ** metadata table. */
    int (*remove)(void *w, uint64_t first, uint64_t n, uint64_t *removed, uint64_t *tokens, zhs_error *err);
    int (*remove_id)(void *w, const char *id, uint64_t *removed, uint64_t *tokens, zhs_error *err);
    int (*record)(void *w, uint32_t doc, zhs_passage *out, zhs_buf *buf, zhs_error *err);
} zhs_engine_writer;

/* The engines of this build, by kind; NULL when the build has none such. */
const zhs_engine_reader *zhs_engine_reader_get(int kind);
const zhs_engine_writer *zhs_engine_writer_get(int kind);

/* The kind of an engine named in a MANIFEST, whether or not this build has
** it; -1 for a name no version of zhsearch wrote. */
int zhs_engine_kind_of(const char *name);

/* The first engine that can open remote indexes, or NULL. */
const zhs_engine_reader *zhs_engine_reader_remote(void);

#endif
