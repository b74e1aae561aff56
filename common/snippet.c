/*
** snippet.c — see snippet.h.
*/
#include "snippet.h"

/* Byte offset width characters after start (or len). */
static size_t advance_chars(const char *text, size_t len, size_t start, size_t width)
{
    size_t i = start;
    while (i < len && width > 0) {
        i++;
        while (i < len && ((uint8_t)text[i] & 0xC0) == 0x80) i++;
        width--;
    }
    return i;
}

/* Byte offset of the character boundary at or before off. */
static size_t floor_char(const char *text, size_t off)
{
    while (off > 0 && ((uint8_t)text[off] & 0xC0) == 0x80) off--;
    return off;
}

/* Moves back up to n characters from off. */
static size_t back_chars(const char *text, size_t off, size_t n)
{
    while (off > 0 && n > 0) {
        off--;
        while (off > 0 && ((uint8_t)text[off] & 0xC0) == 0x80) off--;
        n--;
    }
    return off;
}

bool zhs_snippet(zhs_buf *out, const char *text, size_t len, const zhs_span *spans, size_t nspans,
                 size_t width, const char *open, const char *close)
{
    if (width == 0) width = 120;
    /* Window starts considered: a little before each span.  Score: matched
    ** bytes inside the window. */
    size_t best_start = 0, best_score = 0;
    for (size_t i = 0; i < nspans; i++) {
        size_t start = back_chars(text, spans[i].start, width / 6);
        size_t end = advance_chars(text, len, start, width);
        size_t score = 0;
        for (size_t j = i; j < nspans && spans[j].start < end; j++)
            score += (spans[j].end < end ? spans[j].end : end) - spans[j].start;
        if (score > best_score) {
            best_score = score;
            best_start = start;
        }
    }
    size_t start = floor_char(text, best_start);
    size_t end = advance_chars(text, len, start, width);
    /* a window that reaches the text's end takes in what fits before it:
    ** a short passage shows whole, not cut a little before its match */
    if (end == len) start = back_chars(text, len, width);
    if (start > 0) zhs_buf_puts(out, "…");
    size_t s = 0;
    while (s < nspans && spans[s].end <= start) s++;
    size_t i = start;
    while (i < end) {
        if (s < nspans && spans[s].start <= i) {
            size_t e = spans[s].end < end ? spans[s].end : end;
            zhs_buf_puts(out, open);
            for (size_t k = i; k < e; k++) zhs_buf_putc(out, text[k] == '\n' ? ' ' : text[k]);
            zhs_buf_puts(out, close);
            i = e;
            s++;
            continue;
        }
        size_t stop = s < nspans && spans[s].start < end ? spans[s].start : end;
        for (size_t k = i; k < stop; k++) zhs_buf_putc(out, text[k] == '\n' || text[k] == '\r' ? ' ' : text[k]);
        i = stop;
    }
    if (end < len) zhs_buf_puts(out, "…");
    return !out->oom;
}
