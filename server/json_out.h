/*
** json_out.h — the JSON that both 'zhs search --json' and the server's
** /search write for a hit, so that the two can never drift apart.
*/
#ifndef ZHS_JSON_OUT_H
#define ZHS_JSON_OUT_H

#include "common.h"

/* Snippet width (characters) when nobody asks for another. */
#define ZHS_SNIPPET_WIDTH 120

/* Appends one hit as a JSON object (no separator before it): rank, score,
** doc, id, title, heading, label, path, line, text, snippet, highlights
** (byte offsets into text) and highlights_chars (the same spans in code
** points, for languages that slice strings by character).  spans: sorted,
** merged, on UTF-8 boundaries of p->text (zhs_results_highlights).
** Then the metadata: date, category, status, issuer (strings, "" when
** unknown), extra (the JSONL record's other members, an object, when it
** has any) and, when v says the passage has a dated version, version:
** {date, in_force (zhs_results_in_force; left out when in_force is NULL
** or ""), newest, versions, dates (newest first)}.  v may be NULL.  Then,
** when rep says the passage's document is repealed (zhs_results_repealed),
** repealed: {day, by, by_date}.  rep may be NULL. */
bool zhs_json_hit(zhs_buf *o, size_t rank, const zhs_hit *h, const zhs_passage *p, const zhs_span *sp,
                  size_t nsp, size_t width, const zhs_version_info *v, const char *in_force,
                  const zhs_repeal_info *rep);

/* The passage's own fields, each preceded by a comma: id, title,
** heading, label, article ({label, number, sub} when the label is an
** article), path, line (zhs_json_passage_names); date, category,
** status, issuer and extra (zhs_json_passage_meta).  A hit and
** /passages/N write them with these two, so they always agree. */
void zhs_json_passage_names(zhs_buf *o, const zhs_passage *p);
void zhs_json_passage_meta(zhs_buf *o, const zhs_passage *p);

/* Appends [[start,end],...] with the spans' byte offsets converted to code
** point offsets in text[0..len).  Invalid sequences count as one code point
** each, as U+FFFD replaces them everywhere else. */
bool zhs_json_char_spans(zhs_buf *o, const char *text, size_t len, const zhs_span *sp, size_t nsp);

#endif
