/*
** xapian_engine.h — zhsearch's second engine: the glue between the index
** writer / index handle and the Xapian shim.  Same terms, same query
** language, same output as the native engine; the index directory holds
** MANIFEST (engine xapian) and one Xapian database per shard, x<GEN>-<i>.
** Passage i goes to shard i % shards, so that its Xapian docid is i + 1
** whether the shards are searched locally, remotely, or as one database.
*/
#ifndef ZHS_XAPIAN_ENGINE_H
#define ZHS_XAPIAN_ENGINE_H

#include "zhs.h"

#include <stdbool.h>

struct zhs_index;
struct zhs_topk;
struct zhs_query;
struct zhs_arena;
struct zhs_buf;
struct zhs_passage_terms;

typedef struct zhs_xwriter zhs_xwriter;

int zhs_xengine_writer_open(zhs_xwriter **out, const char *dir, uint64_t gen, unsigned shards,
                            bool bigrams, zhs_error *err);
/* Adds passage doc with its terms. */
int zhs_xengine_writer_add(zhs_xwriter *xw, uint32_t doc, const zhs_passage *p,
                           const struct zhs_passage_terms *pt, zhs_error *err);
/* Records the analyzer and BM25 settings in every shard and commits. */
int zhs_xengine_writer_commit(zhs_xwriter *xw, const char *analyzer, const char *params,
                              uint64_t *nterms, zhs_error *err);
void zhs_xengine_writer_close(zhs_xwriter *xw);

/* Opens the shards of a local Xapian index (ix->m already read). */
int zhs_xengine_open_index(struct zhs_index *ix, zhs_error *err);
void zhs_xengine_close_index(struct zhs_index *ix);

int zhs_xengine_search(struct zhs_topk *out, struct zhs_arena *arena, struct zhs_index *ix,
                       const struct zhs_query *q, const zhs_search_options *o, zhs_error *err);

/* The stored passage of a hit of the last search of r. */
int zhs_xengine_passage(zhs_passage *out, struct zhs_buf *buf, zhs_results *r, uint32_t doc,
                        zhs_error *err);

#endif
