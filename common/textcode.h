/*
** textcode.h — the stored text's character code (store of format 4).
**
** Deflate codes bytes, and a Han character in UTF-8 is three of them whose
** first two say little: the frequent characters of a corpus get one or
** two bytes here instead, by rank in a table the store carries, so that
** deflate's Huffman codes see one symbol per frequent character.  On the
** laws texts: 15.8 MB deflated as UTF-8, 12.3 MB so coded (FORMAT.md).
**
** A coded string, byte by byte:
**   0x00-0x7F            that ASCII byte
**   0x80-0xDF            table[b - 0x80]                   (96 one-byte codes)
**   0xE0-0xFE, c         table[96 + (b - 0xE0) * 256 + c]  (7,936 two-byte codes)
**   0xFF, 3 bytes v (LE) v < 0x110000: the character v;
**                        v >= 0x800000: the byte v & 0xFF, which was not
**                        part of valid UTF-8 (any bytes round-trip)
** The table: up to ZHS_TEXTCODE_MAX BMP characters (u16 little endian,
** none below 0x80 and no surrogates), most frequent first.
*/
#ifndef ZHS_TEXTCODE_H
#define ZHS_TEXTCODE_H

#include "common.h"

#define ZHS_TEXTCODE_ONE 96
#define ZHS_TEXTCODE_MAX (ZHS_TEXTCODE_ONE + 31 * 256)

/* A table as stored: n u16 code points; table points into the file or
** the writer's buffer (not owned). */
typedef struct zhs_textcode {
    const uint8_t *table;
    uint32_t n;
    const uint16_t *rank;   /* encoding only: 65,536 entries, rank + 1 (0: absent) */
} zhs_textcode;

/* Counts the characters of valid UTF-8 in s into counts (65,536 entries,
** by BMP code point; other characters are not counted). */
void zhs_textcode_count(uint32_t *counts, const uint8_t *s, size_t n);

/* Appends the table for counts to out (u16 each, by falling count, then
** code point) and returns how many characters it holds. */
uint32_t zhs_textcode_table(zhs_buf *out, const uint32_t *counts);

/* Checks a stored table: every entry a BMP character >= 0x80, no
** surrogate, none twice.  False when damaged. */
bool zhs_textcode_valid(const uint8_t *table, uint32_t n);

/* Fills rank (65,536 entries) for tc's table and points tc->rank at it. */
void zhs_textcode_ranks(zhs_textcode *tc, uint16_t *rank);

/* Appends s coded to out; false when out of memory. */
bool zhs_textcode_encode(zhs_buf *out, const uint8_t *s, size_t n, const zhs_textcode *tc);

/* Appends the UTF-8 (or original bytes) of the coded s to out.  Returns
** ZHS_OK, ZHS_ECORRUPT for a code the table does not hold or a cut
** escape, ZHS_ENOMEM (out is then as it was). */
int zhs_textcode_decode(zhs_buf *out, const uint8_t *s, size_t n, const zhs_textcode *tc);

/* The most bytes decoding n coded bytes can give. */
static inline size_t zhs_textcode_decoded_max(size_t n) { return 3 * n; }

#endif
