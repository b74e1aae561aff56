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

bool zhs_record_encode(zhs_buf *b, const zhs_passage *p);

/* Decodes the record at *pp (advancing it).  The strings are copied,
** NUL-terminated, to the end of out (which may move: pointers are set
** only after the last append).  Returns ZHS_OK, ZHS_ECORRUPT for a
** malformed record, or ZHS_ENOMEM (out is then left as it was); it sets
** no message, the caller knows which file the record came from. */
int zhs_record_decode(const uint8_t **pp, const uint8_t *end, int version, zhs_buf *out, zhs_passage *p);

/* Skips one record; false when malformed. */
bool zhs_record_skip(const uint8_t **pp, const uint8_t *end, int version);

/*
** The record of the native store from format 4: each string but the text
** as varint k, varint n, n bytes (k bytes of the same string of the
** previous record in the block come first; the first record of a block
** has none before it), in the order above, the line, the text as varint
** length and bytes in the store's character code (textcode.h).  The
** title, path and metadata repeat from passage to passage of a law, and
** the id and label share their start.
*/
typedef struct zhs_textcode zhs_textcode;

/*
** From format 7 (`.store` magic ZHSSTOR4) a record leaves out what the
** others give ("derived" records, docs/FORMAT.md "Store"):
**   varint mask: bit b says that string b + 1 of the order above (title,
**     heading, label, path, date, category, status, issuer, extra)
**     follows, as k, n, bytes after the last record's; a string not named
**     is the last one's, but for the label, which is then the next
**     article's after the last one's ("第九条" after "第八条") when the last
**     is an article's;
**   the id: varint 1 + a when it is the path from byte a on, '#' and a
**     fragment, then varint 0 when the fragment is the label, else 1 + n
**     and its n bytes; or varint 0 and the id as k, n, bytes;
**   the line as the zigzag difference from the last record's (0 at a
**     block's start);
**   the text: varint 2 x its coded length, + 1 when it was the label, a
**     space and then what is coded; the coded bytes.
*/

/* Appends p's record after prev (NULL: the first of its block); scratch
** is any buffer, for the coded text.  derived: format 7's record. */
bool zhs_record_encode_store(zhs_buf *b, const zhs_passage *p, const zhs_passage *prev, const zhs_textcode *tc,
                             bool derived, zhs_buf *scratch);

/* Reading such records in order: the strings of the last one read, each
** kept NUL-terminated, and where its coded text is.  A record only
** changes the strings that differ from the last's (so that skipping to a
** block's 20th record copies little). */
typedef struct zhs_record_state {
    zhs_buf f[10];              /* id, title, heading, label, path, then the metadata */
    uint32_t line;
    const uint8_t *text;        /* coded, in the block read */
    size_t text_n;
    bool text_label;            /* the text is the label, a space, then text */
    bool derived;               /* format 7's records: set by the reader, kept by a reset */
} zhs_record_state;
void zhs_record_state_init(zhs_record_state *st);
void zhs_record_state_reset(zhs_record_state *st);     /* a block's start */
void zhs_record_state_free(zhs_record_state *st);

/* Reads the record at *pp into st (advancing *pp).  ZHS_ECORRUPT when it
** is cut short or damaged (st and *pp are then as they were), ZHS_ENOMEM. */
int zhs_record_next_store(const uint8_t **pp, const uint8_t *end, zhs_record_state *st);

/* The last record read, its text decoded, into out as zhs_record_decode
** does; ZHS_ECORRUPT when the text does not decode. */
int zhs_record_passage_store(const zhs_record_state *st, const zhs_textcode *tc, zhs_buf *out, zhs_passage *p);

/* A view of st's strings as a passage (text "", valid until st changes):
** the prev of zhs_record_encode_store. */
void zhs_record_state_passage(const zhs_record_state *st, zhs_passage *p);

/* The bytes of p's strings, uncoded: what a store block's size is
** measured in, whatever the code of its texts. */
size_t zhs_record_text_size(const zhs_passage *p);

#endif
