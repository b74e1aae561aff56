/*
** outfile.h — a buffered output file that keeps a running CRC32 and ends
** with the index footer (see format.h).  The file is fsynced on finish; on
** abort it is removed, so no half-written file survives an error.
*/
#ifndef ZHS_OUTFILE_H
#define ZHS_OUTFILE_H

#include "common.h"

#include <stdio.h>

typedef struct zhs_outfile {
    FILE *f;
    char *vbuf;             /* f's buffer, ours (ZHS_OUTFILE_BUF bytes) */
    char path[ZHS_PATH_MAX];
    uint64_t off;           /* bytes written so far, magic included */
    uint64_t started;       /* the bytes before this had their writeback started */
    unsigned long crc;
    bool failed;
    int failed_errno;       /* the failed write's errno, for finish's message */
    /* set after open: finish hands the file's fsync to it (common.h)
    ** instead of waiting for it; NULL: finish syncs */
    zhs_syncs *syncs;
} zhs_outfile;

/* Creates path for writing, with a stdio buffer of size bytes in *vbuf,
** the caller's to free after fclose.  glibc ignores setvbuf's size when it
** is not given the buffer itself (it allocates st_blksize, 4 KB): a laws
** build wrote .post, .pos and .store in 15,000 write() calls of 4 KB. */
int zhs_wfile_create(FILE **f, char **vbuf, const char *path, size_t size, zhs_error *err);
/* Closes *f (when open) and removes path; frees *vbuf. */
void zhs_wfile_discard(FILE **f, char **vbuf, const char *path);

/* The buffer of an outfile: ~300 write() calls for laws' 80 MB. */
#define ZHS_OUTFILE_BUF ((size_t)1 << 18)

/* Every this many bytes written the outfile has the kernel start writing
** them to the disk (not waiting), so that the disk works while the build
** goes on and finish's fsync finds little left: at the end of a laws
** build the fsyncs of its 65 MB, together, still kept the caller waiting
** ~0.1 s with both cores idle. */
#define ZHS_OUTFILE_WRITEBACK ((size_t)1 << 20)

/* Creates path and writes the 8-byte magic. */
int zhs_outfile_open(zhs_outfile *o, const char *path, const char *magic, zhs_error *err);
/* Appends bytes; errors are remembered and reported by finish. */
void zhs_outfile_write(zhs_outfile *o, const void *p, size_t n);
/* Writes the footer, flushes, fsyncs (or hands the fsync to o->syncs) and
** closes.  On error removes the file. */
int zhs_outfile_finish(zhs_outfile *o, zhs_error *err);
/* Closes and removes the file (safe to call after finish: then a no-op). */
void zhs_outfile_abort(zhs_outfile *o);

#endif
