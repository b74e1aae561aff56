/*
** json_out.c — see json_out.h.
*/
#include "json_out.h"
#include "json.h"
#include "snippet.h"
#include "numeral.h"

static void json_cstr(zhs_buf *o, const char *s)
{
    zhs_json_str(o, s, strlen(s));
}

bool zhs_json_char_spans(zhs_buf *o, const char *text, size_t len, const zhs_span *sp, size_t nsp)
{
    /* One pass over the text: spans are sorted, so the byte cursor and the
    ** code-point count only move forward. */
    size_t at = 0, chars = 0;
    zhs_buf_putc(o, '[');
    for (size_t i = 0; i < nsp; i++) {
        uint32_t bounds[2] = {sp[i].start, sp[i].end};
        size_t out[2];
        for (int e = 0; e < 2; e++) {
            size_t target = bounds[e] < len ? bounds[e] : len;
            while (at < target) {
                uint32_t cp;
                at += zhs_utf8_decode(text + at, len - at, &cp);
                chars++;
            }
            out[e] = chars;
        }
        zhs_buf_printf(o, "%s[%zu,%zu]", i ? "," : "", out[0], out[1]);
    }
    zhs_buf_putc(o, ']');
    return !o->oom;
}

void zhs_json_passage_names(zhs_buf *o, const zhs_passage *p)
{
    zhs_buf_puts(o, ",\"id\":");
    json_cstr(o, p->id);
    zhs_buf_puts(o, ",\"title\":");
    json_cstr(o, p->title);
    zhs_buf_puts(o, ",\"heading\":");
    json_cstr(o, p->heading);
    zhs_buf_puts(o, ",\"label\":");
    json_cstr(o, p->label);
    /* the label as a number too, for programs that cite: 第十条之一 is
    ** {"label": "第十条之一", "number": 10, "sub": 1} */
    zhs_article_ref ref;
    if (p->label[0] && zhs_article_ref_parse(p->label, strlen(p->label), &ref)) {
        zhs_buf_puts(o, ",\"article\":{\"label\":");
        json_cstr(o, p->label);
        zhs_buf_printf(o, ",\"number\":%u,\"sub\":%u}", ref.article, ref.sub);
    }
    zhs_buf_puts(o, ",\"path\":");
    json_cstr(o, p->path);
    zhs_buf_printf(o, ",\"line\":%u", p->line);
}

void zhs_json_passage_meta(zhs_buf *o, const zhs_passage *p)
{
    const char *meta[4][2] = {{"date", p->date}, {"category", p->category}, {"status", p->status},
                              {"issuer", p->issuer}};
    for (int i = 0; i < 4; i++) {
        zhs_buf_printf(o, ",\"%s\":", meta[i][0]);
        json_cstr(o, meta[i][1] ? meta[i][1] : "");
    }
    /* The record's own members, as they were written (the corpus reader
    ** kept only what its JSON reader accepted). */
    if (p->extra && p->extra[0] == '{') {
        zhs_buf_puts(o, ",\"extra\":");
        zhs_buf_puts(o, p->extra);
    }
}

bool zhs_json_hit(zhs_buf *o, size_t rank, const zhs_hit *h, const zhs_passage *p, const zhs_span *sp,
                  size_t nsp, size_t width, const zhs_version_info *v, const char *in_force,
                  const zhs_repeal_info *rep)
{
    zhs_buf_printf(o, "{\"rank\":%zu,\"score\":%.6f,\"doc\":%u", rank, h->score, h->doc);
    zhs_json_passage_names(o, p);
    zhs_buf_puts(o, ",\"text\":");
    zhs_json_str(o, p->text, p->text_len);
    zhs_buf snip;
    zhs_buf_init(&snip);
    zhs_snippet(&snip, p->text, p->text_len, sp, nsp, width, "[", "]");
    zhs_buf_puts(o, ",\"snippet\":");
    zhs_json_str(o, zhs_buf_cstr(&snip), snip.len);
    bool ok = !snip.oom;
    zhs_buf_free(&snip);
    zhs_buf_puts(o, ",\"highlights\":[");
    for (size_t i = 0; i < nsp; i++) zhs_buf_printf(o, "%s[%u,%u]", i ? "," : "", sp[i].start, sp[i].end);
    zhs_buf_puts(o, "],\"highlights_chars\":");
    zhs_json_char_spans(o, p->text, p->text_len, sp, nsp);
    zhs_json_passage_meta(o, p);
    if (v && v->date[0]) {
        zhs_buf_puts(o, ",\"version\":{\"date\":");
        json_cstr(o, v->date);
        if (in_force && in_force[0]) {
            zhs_buf_puts(o, ",\"in_force\":");
            json_cstr(o, in_force);
        }
        zhs_buf_printf(o, ",\"newest\":%s,\"versions\":%u,\"dates\":[", v->newest ? "true" : "false", v->versions);
        for (uint32_t i = 0; i < v->ndates; i++) {
            if (i) zhs_buf_putc(o, ',');
            json_cstr(o, v->dates[i]);
        }
        zhs_buf_puts(o, "]}");
    }
    if (rep && rep->day[0]) {
        zhs_buf_puts(o, ",\"repealed\":{\"day\":");
        json_cstr(o, rep->day);
        zhs_buf_puts(o, ",\"by\":");
        json_cstr(o, rep->by);
        zhs_buf_puts(o, ",\"by_date\":");
        json_cstr(o, rep->by_date);
        zhs_buf_putc(o, '}');
    }
    zhs_buf_putc(o, '}');
    return ok && !o->oom;
}
