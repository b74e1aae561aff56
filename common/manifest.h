/*
** manifest.h — the MANIFEST file: the single commit point of an index.
**
** A text file of "key value" lines, the last of which is "crc32 XXXXXXXX"
** over all bytes before it.  A commit writes MANIFEST.tmp, fsyncs it and
** renames it over MANIFEST, so a reader sees the old or the new version,
** never a mix.
*/
#ifndef ZHS_MANIFEST_H
#define ZHS_MANIFEST_H

#include "common.h"

#define ZHS_MAX_SEGMENTS 64

typedef struct zhs_manifest_segment {
    char name[32];          /* file stem, e.g. "g3" */
    uint64_t base;          /* first passage number */
    uint64_t count;         /* passages */
    char deletions[32];     /* "" or the file marking deleted passages */
    /* From the "segmeta" line (absent in indexes written before segments
    ** could be added: then the index's own figures, one segment): */
    uint64_t terms;         /* distinct terms in the segment's dictionary */
    uint64_t tokens;        /* sum of its passage lengths, deleted ones included */
    double avglen;          /* the average length its stored bounds were built with */
    uint64_t deleted;       /* passages its deletion file marks */
} zhs_manifest_segment;

typedef struct zhs_manifest {
    int version;
    int engine;             /* enum zhs_engine */
    uint64_t generation;
    char analyzer[256];
    uint64_t passages, tokens, terms;
    uint64_t source_bytes;  /* passage text indexed */
    double avglen, k1, b;
    unsigned title_weight;
    unsigned nsegments;
    zhs_manifest_segment seg[ZHS_MAX_SEGMENTS];
    unsigned shards;        /* xapian: databases "x<GEN>-<i>" */
    char files[32];         /* "" or the file table of incremental updates */
} zhs_manifest;

/* Passages numbered by the reader: every segment's, deleted ones included
** (hits, the metadata table and filters number passages this way). */
static inline uint64_t zhs_manifest_numbered(const zhs_manifest *m)
{
    return m->nsegments ? m->seg[m->nsegments - 1].base + m->seg[m->nsegments - 1].count : 0;
}

/* Live passages, segment by segment: count - deleted. */
static inline uint64_t zhs_manifest_live(const zhs_manifest_segment *s) { return s->count - s->deleted; }

/* Is name (a directory entry of the index) named by m: a segment's file,
** a deletion file or the file table? */
bool zhs_manifest_names(const zhs_manifest *m, const char *name);

/* Describes the whole index as one segment of generation gen holding
** every passage, with terms (distinct terms, or postings for Xapian) and
** shards (0 for the native engine).  An engine's commit calls it. */
void zhs_manifest_set_single(zhs_manifest *m, uint64_t gen, uint64_t terms, unsigned shards);

/* The generation whose x<N>-<i> directories hold a Xapian index's shards:
** the build's (its one segment is named "g<N>"), which updates change in
** place under later generations. */
uint64_t zhs_manifest_shard_gen(const zhs_manifest *m);

/* Reads dir/MANIFEST.  ZHS_ENOTFOUND when there is none. */
int zhs_manifest_read(zhs_manifest *m, const char *dir, zhs_error *err);

/* Writes dir/MANIFEST atomically (tmp + fsync + rename + dir fsync). */
int zhs_manifest_write(const zhs_manifest *m, const char *dir, zhs_error *err);

#endif
