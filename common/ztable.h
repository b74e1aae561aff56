/*
** ztable.h — a table file whose body is compressed (format 9): the file
** table, the metadata and citation tables and the passage lengths are
** read whole at open, so their bytes need no random access and zstd
** takes two thirds to three quarters of them off (docs/FORMAT.md,
** "Compressed tables").
**
** File: the table's own magic (a new one for the compressed layout),
**     u64 raw length, one zstd frame of the raw body (its header holds
**     the same length), the usual footer (format.h).
** The raw body is the layout the table had uncompressed; the readers
** take either file through zhs_table_open and parse the same bytes.
*/
#ifndef ZHS_ZTABLE_H
#define ZHS_ZTABLE_H

#include "segment.h"

/* 9 against 19 on laws' four tables (1.07 MB raw): 362 KB against 334 KB,
** but 22 ms against 0.9 s of a build's CPU (zstd -b); decoding either
** runs at about 0.5-0.8 GB/s. */
#define ZHS_ZTABLE_LEVEL 9

/* Writes magic + the compressed raw[0..n) + footer to path (fsynced, or
** the fsync handed to syncs when not NULL). */
int zhs_ztable_write(zhs_syncs *syncs, const char *path, const char *magic, const void *raw, size_t n,
                     zhs_error *err);

/* A table's raw body, wherever it lives: in the mapped file (a plain
** table) or decompressed into raw (a compressed one). */
typedef struct zhs_table_body {
    const uint8_t *body;        /* the raw body: after the magic, before the footer */
    size_t len;
    const char *magic;          /* the one of the caller's the file has */
    bool compressed;
    zhs_mapped f;               /* a plain table's mapping */
    uint8_t *raw;               /* a compressed table's body, owned */
} zhs_table_body;

/* Opens path, whose magic must be zmagic (compressed) or one of the
** NULL-terminated plain[] (the body as it is); checks the footer, the
** CRC when verify, and the frame: one frame, its length that of the
** header, decoded whole.  what names the table in messages ("citation
** table").  ZHS_ENOTFOUND when path does not exist, ZHS_ECORRUPT on
** damage (the message names the file and says to rebuild the index). */
int zhs_table_open(zhs_table_body *t, const char *path, const char *zmagic, const char *const *plain,
                   const char *what, bool verify, zhs_error *err);
/* As zhs_table_open, refusing as damage a compressed table whose raw
** length is above max before anything is allocated: a small crafted frame
** can claim gigabytes.  zhs_table_open's cap is ZHS_ZTABLE_MAX, the file
** table's limit before format 9. */
#define ZHS_ZTABLE_MAX ((uint64_t)1 << 31)
int zhs_table_open_max(zhs_table_body *t, const char *path, const char *zmagic, const char *const *plain,
                       const char *what, bool verify, uint64_t max, zhs_error *err);
void zhs_table_close(zhs_table_body *t);

/* ------------------------------------------------- passage lengths (.len) */
/*
** Format 9's raw body (magic ZHSLENS2): u32 ndocs, u8 width (the bytes of
** the longest length, 0 to 4), then width planes of ndocs bytes: plane k
** holds byte k of every length.  Laws' lengths run from 6 to 4876 tokens
** with most of 7 to 9 bits: their high bytes are nearly constant (zstd
** takes that plane to little) and the low bytes are entropy-coded
** literals.  On laws: 608 KB as u32 (format 8), 247 KB bit-packed at 13
** bits, 177 KB as planes at level 9.
*/
#define ZHS_LENS_HEAD 5

int zhs_lens_write(zhs_syncs *syncs, const char *path, const uint32_t *lens, uint32_t n, zhs_error *err);
/* Opens the lengths of a segment of ndocs passages, of format 9 or of
** formats 1 to 8, as a u32 (little endian) per passage at m->body: the
** old file mapped, the new one decoded into m->owned (ndocs * 4 bytes of
** private memory; zhs_unmap_file frees it).  Damage, a missing file or a
** count other than ndocs (format 9; the caller checks format 8's
** size) give ZHS_ECORRUPT naming the file. */
int zhs_lens_open(zhs_mapped *m, const char *path, uint32_t ndocs, bool verify, zhs_error *err);

#endif
