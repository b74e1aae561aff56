/*
** paragraph.c — joins the lines of a paragraph, repairing hard wraps.
**
** Text wrapped at a fixed width breaks lines in the middle of Chinese words.
** A line break between two Han characters, or with CJK punctuation on
** either side, is such a wrap and disappears; anywhere else it stood for a
** space between words and becomes one space.  Full-width punctuation next
** to Latin text takes no space either ("（\nAI）" is "（AI）"): it carries
** its own spacing.  Han next to Latin or digits gets the space, as the
** text cannot tell whether the writer put one there.
*/
#include "corpus_int.h"

#include <stdlib.h>

void corpus_para_init(corpus_para *p)
{
    memset(p, 0, sizeof *p);
    zhs_buf_init(&p->text);
}

void corpus_para_free(corpus_para *p)
{
    zhs_buf_free(&p->text);
    free(p->marks);
    memset(p, 0, sizeof *p);
}

void corpus_para_reset(corpus_para *p)
{
    zhs_buf_reset(&p->text);
    p->nmarks = 0;
    p->label_len = 0;
    p->label_alone = false;
}

static void add_mark(corpus_para *p, size_t off, uint32_t line)
{
    if (p->nmarks == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 16;
        corpus_mark *m = realloc(p->marks, cap * sizeof *m);
        if (!m) {
            p->oom = true;
            return;
        }
        p->marks = m;
        p->cap = cap;
    }
    p->marks[p->nmarks].off = off;
    p->marks[p->nmarks].line = line;
    p->nmarks++;
}

void corpus_para_add(corpus_para *p, const char *s, size_t n, uint32_t line, size_t label_len)
{
    if (p->text.len == 0) {
        p->label_len = label_len;
        /* "第一条" alone on its line: the separator was trimmed away with
        ** the line end, and the article text must not stick to the label. */
        p->label_alone = label_len && label_len == n;
    } else if (p->label_alone) {
        zhs_buf_putc(&p->text, ' ');
        p->label_alone = false;
    } else {
        /* Private-use characters at the line's end are debris of a PDF
        ** font, not text (document.c looks through them too): dropped where
        ** the line joins the next, so that a word cut there reads whole. */
        size_t len = p->text.len;
        uint32_t a = corpus_last_cp(p->text.data, len);
        while (len > 3 && a >= 0xE000 && a <= 0xF8FF && ((unsigned char)p->text.data[len - 3] & 0xF0) == 0xE0) {
            len -= 3;
            a = corpus_last_cp(p->text.data, len);
        }
        if (len < p->text.len && a >= 0x80) p->text.len = len;
        else a = corpus_last_cp(p->text.data, p->text.len);
        uint32_t b = corpus_first_cp(s, n);
        bool wrap = (zhs_is_han(a) && zhs_is_han(b)) || zhs_is_cjk_punct(a) || zhs_is_cjk_punct(b);
        if (!wrap) zhs_buf_putc(&p->text, ' ');
    }
    add_mark(p, p->text.len, line);
    zhs_buf_append(&p->text, s, n);
    if (p->text.oom) p->oom = true;
}

uint32_t corpus_para_line_at(const corpus_para *p, size_t off, size_t *cursor)
{
    if (!p->nmarks) return 0;
    size_t i = *cursor < p->nmarks ? *cursor : 0;
    while (i + 1 < p->nmarks && p->marks[i + 1].off <= off) i++;
    *cursor = i;
    return p->marks[i].line;
}
