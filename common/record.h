/*
** record.h — the serialised form of a passage, shared by the native
** passage store and the Xapian document data:
**   varint length + bytes of id, title, heading, label, path;
**   varint line; varint length + bytes of text;
** and from version 2 (ZHS_FORMAT_VERSION 2) the metadata strings date,
** category, status, issuer, extra.  version: 1, or 2 and up, for a record among
** others (the native store: the MANIFEST's format version says), 0 for a
** record that fills [*pp, end) alone (Xapian's document data: the metadata
** are there when bytes are left after the text).
*/
#ifndef ZHS_RECORD_H
#define ZHS_RECORD_H

#include "common.h"

typedef struct zhs_textcode zhs_textcode;

bool zhs_record_encode(zhs_buf *b, const zhs_passage *p);
/* The bytes of p's strings, uncoded: what a store block's size is
** measured in, whatever code its texts are in. */
size_t zhs_record_text_size(const zhs_passage *p);
/* The same as zhs_record_encode with the text in tc's code (textcode.h; the store of format
** 4), or as it is when tc is NULL. */
bool zhs_record_encode_coded(zhs_buf *b, const zhs_passage *p, const zhs_textcode *tc);

/* Decodes the record at *pp (advancing it).  The strings are copied,
** NUL-terminated, to the end of out (which may move: pointers are set
** only after the last append).  Returns ZHS_OK, ZHS_ECORRUPT for a
** malformed record, or ZHS_ENOMEM (out is then left as it was); it sets
** no message, the caller knows which file the record came from. */
int zhs_record_decode(const uint8_t **pp, const uint8_t *end, int version, zhs_buf *out, zhs_passage *p);
/* The same for a record whose text is in tc's code (NULL: none); a text
** that does not decode is ZHS_ECORRUPT. */
int zhs_record_decode_coded(const uint8_t **pp, const uint8_t *end, int version, zhs_buf *out, zhs_passage *p,
                            const zhs_textcode *tc);

/* Skips one record; false when malformed. */
bool zhs_record_skip(const uint8_t **pp, const uint8_t *end, int version);

#endif
