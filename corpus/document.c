/*
** document.c — the line loop: a document's text to paragraphs, headings and
** breaks for the passage builder.
**
** Markdown is read the way the laws corpus writes it, with the common
** constructs of other Markdown handled as a reader would see them:
**   - YAML front matter (a first line "---" up to the next "---" or "...")
**     is metadata, not text;
**   - HTML comments are dropped, also across lines; a line holding only a
**     comment is a paragraph break, and "<!-- INFO END -->" (which closes
**     the date lines of the laws corpus) also ends the passage;
**   - the first level-1 heading is the title; other headings build the
**     heading path, a heading of level L replacing those of level >= L;
**   - table rows become their cells joined by spaces, one paragraph each,
**     separator rows vanish; list items start paragraphs; blockquote
**     markers, thematic breaks and code fences go.
** Plain text gets only the paragraph logic.  In both, a line that opens an
** article, or is indented with U+3000 (the Chinese paragraph indent),
** starts a new paragraph even without a blank line before it.
**
** Column breaks.  A printed page ends a column in mid-sentence, often in
** mid-word, and the text taken from it shows a blank line there.  A
** paragraph that does not end a sentence and is not a heading is kept open
** over blank lines; the next line continues it unless it starts something
** of its own (an article, a numbered heading, an indent, Markdown block
** syntax).  The join is the hard-wrap join (paragraph.c), and the second
** half keeps its own line mark, so a passage that starts in it reports its
** line.
*/
#include "corpus_int.h"
#include "meta.h"

void corpus_doc_init(corpus_doc *d, corpus_builder *b, zhs_arena *arena)
{
    memset(d, 0, sizeof *d);
    d->b = b;
    d->arena = arena;
    corpus_para_init(&d->para);
    zhs_buf_init(&d->nocomment);
    zhs_buf_init(&d->clean);
    zhs_buf_init(&d->tmp);
    for (int i = 0; i < 7; i++) zhs_buf_init(&d->heads[i]);
}

void corpus_doc_free(corpus_doc *d)
{
    corpus_para_free(&d->para);
    zhs_buf_free(&d->nocomment);
    zhs_buf_free(&d->clean);
    zhs_buf_free(&d->tmp);
    for (int i = 0; i < 7; i++) zhs_buf_free(&d->heads[i]);
}

void corpus_doc_begin(corpus_doc *d, bool markdown, bool printed)
{
    d->markdown = markdown;
    d->printed = printed;
    d->after_folio = false;
    d->blank_before = true;
    d->in_comment = false;
    d->in_fence = false;
    d->in_quote = false;
    d->held = false;
    d->paragraphs = 0;
    d->title = NULL;
    d->info_date = d->info_effective = 0;
    d->info_done = false;
    corpus_para_reset(&d->para);
    for (int i = 0; i < 7; i++) zhs_buf_reset(&d->heads[i]);
}

static int nomem(zhs_error *err)
{
    return zhs_fail(err, ZHS_ENOMEM, "out of memory cleaning a document");
}

static int end_paragraph(corpus_doc *d, zhs_error *err)
{
    if (d->para.text.len) d->paragraphs++;
    int rc = corpus_builder_paragraph(d->b, &d->para, err);
    corpus_para_reset(&d->para);
    return rc;
}

/* ------------------------------------------------------------ comments */

static bool is_info_end(const char *s, size_t n)
{
    corpus_trim(&s, &n);
    return n == 8 && memcmp(s, "INFO END", 8) == 0;
}

/* Removes HTML comments from a line, carrying an open comment over to the
** next line.  *info_end tells that a comment said INFO END. */
static void strip_comments(corpus_doc *d, const char **line, size_t *len, bool *info_end)
{
    const char *s = *line;
    size_t n = *len;
    if (!d->in_comment && (!memchr(s, '<', n) || corpus_find(s, n, "<!--", 4) == n)) return;
    zhs_buf_reset(&d->nocomment);
    size_t i = 0;
    while (i < n) {
        if (d->in_comment) {
            size_t e = i + corpus_find(s + i, n - i, "-->", 3);
            if (is_info_end(s + i, e - i)) *info_end = true;
            if (e == n) break;
            d->in_comment = false;
            i = e + 3;
        } else {
            size_t o = i + corpus_find(s + i, n - i, "<!--", 4);
            zhs_buf_append(&d->nocomment, s + i, o - i);
            if (o == n) break;
            d->in_comment = true;
            i = o + 4;
        }
    }
    *line = zhs_buf_cstr(&d->nocomment);
    *len = d->nocomment.len;
}

/* ------------------------------------------------------------- blocks */

static size_t heading_level(const char *s, size_t n)
{
    size_t k = 0;
    while (k < n && k < 7 && s[k] == '#') k++;
    if (k < 1 || k > 6) return 0;
    return k == n || s[k] == ' ' || s[k] == '\t' ? k : 0;
}

/* "***", "- - -", "___": a thematic break. */
static bool is_thematic_break(const char *s, size_t n)
{
    char c = s[0];
    if (c != '-' && c != '*' && c != '_') return false;
    size_t count = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == c) count++;
        else if (s[i] != ' ' && s[i] != '\t') return false;
    }
    return count >= 3;
}

static size_t fence_length(const char *s, size_t n, char *ch)
{
    if (n < 3 || (s[0] != '`' && s[0] != '~')) return 0;
    size_t k = 0;
    while (k < n && s[k] == s[0]) k++;
    if (k < 3) return 0;
    /* "```a``` text" is a code span, not a fence: an info string after
    ** backticks holds none. */
    if (s[0] == '`' && memchr(s + k, '`', n - k)) return 0;
    *ch = s[0];
    return k;
}

/* Bytes of a list marker ("- ", "* ", "+ ", "12. ", "3) ") at s, 0 if none. */
static size_t list_marker(const char *s, size_t n)
{
    if (n >= 2 && (s[0] == '-' || s[0] == '*' || s[0] == '+') && (s[1] == ' ' || s[1] == '\t'))
        return 2;
    size_t k = 0;
    while (k < n && k < 10 && s[k] >= '0' && s[k] <= '9') k++;
    if (k == 0 || k > 9 || k + 1 >= n) return 0;
    if ((s[k] == '.' || s[k] == ')') && (s[k + 1] == ' ' || s[k + 1] == '\t')) return k + 2;
    return 0;
}

static bool is_table_separator(const char *s, size_t n)
{
    bool dash = false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '-') dash = true;
        else if (c != '|' && c != ':' && c != ' ' && c != '\t') return false;
    }
    return dash;
}

/* The cells of a table row, each as plain text, joined by one space. */
static bool table_row(corpus_doc *d, const char *s, size_t n)
{
    zhs_buf_reset(&d->clean);
    size_t i = 0;
    if (n && s[0] == '|') i = 1;
    while (i < n) {
        size_t j = i;
        while (j < n && !(s[j] == '|' && (j == 0 || s[j - 1] != '\\'))) j++;
        const char *cell = s + i;
        size_t len = j - i;
        corpus_trim(&cell, &len);
        if (len) {
            size_t before = d->clean.len;
            if (before) zhs_buf_putc(&d->clean, ' ');
            if (!corpus_md_inline(&d->clean, cell, len)) return false;
            /* A cell whose markup was all it had leaves no trace. */
            if (d->clean.len == before + (before ? 1 : 0)) d->clean.len = before;
        }
        i = j + 1;
    }
    if (d->clean.data) d->clean.data[d->clean.len] = 0;
    return !d->clean.oom;
}

/* ----------------------------------------------------------- headings */

/* Rebuilds the heading path from the levels present, " › " between. */
static const char *heading_path(corpus_doc *d)
{
    zhs_buf_reset(&d->tmp);
    for (int l = 1; l <= 6; l++) {
        if (!d->heads[l].len) continue;
        if (d->tmp.len) zhs_buf_puts(&d->tmp, " \xE2\x80\xBA ");
        zhs_buf_append(&d->tmp, d->heads[l].data, d->heads[l].len);
    }
    if (d->tmp.oom) return NULL;
    return zhs_arena_strndup(d->arena, zhs_buf_cstr(&d->tmp), d->tmp.len);
}

static int heading(corpus_doc *d, size_t level, const char *s, size_t n, zhs_error *err)
{
    int rc = end_paragraph(d, err);
    if (!rc) rc = corpus_builder_break(d->b, err);
    if (rc) return rc;
    corpus_trim(&s, &n);
    /* A closing run of '#' ("## Title ##") is decoration. */
    size_t k = n;
    while (k > 0 && s[k - 1] == '#') k--;
    if (k == 0 || s[k - 1] == ' ' || s[k - 1] == '\t') n = k;
    zhs_buf_reset(&d->tmp);
    if (!corpus_md_inline(&d->tmp, s, n)) return nomem(err);
    zhs_buf_reset(&d->clean);
    if (!corpus_collapse_spaces(&d->clean, zhs_buf_cstr(&d->tmp), d->tmp.len)) return nomem(err);
    if (level == 1 && !d->title && d->clean.len) {
        d->title = zhs_arena_strndup(d->arena, d->clean.data, d->clean.len);
        return d->title ? ZHS_OK : nomem(err);
    }
    zhs_buf_reset(&d->heads[level]);
    zhs_buf_append(&d->heads[level], zhs_buf_cstr(&d->clean), d->clean.len);
    for (size_t l = level + 1; l <= 6; l++) zhs_buf_reset(&d->heads[l]);
    const char *path = heading_path(d);
    if (!path || d->heads[level].oom) return nomem(err);
    corpus_builder_set_heading(d->b, path);
    return ZHS_OK;
}

/* Whether a line starts something of its own rather than continuing a
** hard-wrapped sentence: no paragraph is open, or the open one ends a
** sentence (or a colon).  A wrapped line may start with 第三章规定的… or
** 3．5万元, which are text. */
static bool ends_sentence(uint32_t cp);

static bool at_para_start(const corpus_doc *d)
{
    const corpus_para *p = &d->para;
    if (!p->text.len) return true;
    return ends_sentence(corpus_last_cp(p->text.data, p->text.len));
}

/* A line that is a structural heading written as text (第二章 网络运行安全
** in a .txt file, 第五章法律责任 in a Markdown file that gives its other
** chapters as "##"): a heading as "##" would make it, one level below the
** nearest heading of a higher unit (编 above 章 above 节), or the level of
** one of its own unit, which it replaces. */
static int structure_heading(corpus_doc *d, int rank, const char *s, size_t n, zhs_error *err)
{
    size_t level = 0, above = 1;
    for (size_t l = 2; l <= 6 && !level; l++) {
        if (!d->heads[l].len) continue;
        int r = corpus_structure_unit_rank(d->heads[l].data, d->heads[l].len);
        if (r == rank) level = l;
        else if (r && r < rank) above = l;
    }
    if (!level) level = above < 6 ? above + 1 : 6;
    return heading(d, level, s, n, err);
}

/* ------------------------------------------------------- column breaks */

/* Marks that end a sentence, or close one.  The colon too: what it
** announces (a list, a quotation) is a block of its own. */
static bool ends_sentence(uint32_t cp)
{
    switch (cp) {
    case 0x3002: case 0xFF01: case 0xFF1F: case 0xFF1B: case 0xFF1A:   /* 。！？；： */
    case 0x2026: case 0x2025: case 0xFF0E: case 0xFE12:                 /* … ‥ ． ︒ */
    case 0x201D: case 0x2019: case 0x300D: case 0x300F: case 0xFF09:   /* ” ’ 」 』 ） */
    case 0x3011: case 0x300B: case 0x3009: case 0x3015: case 0x3017:   /* 】 》 〉 〕 〗 */
    case '.': case '!': case '?': case ';': case ':': case ')': case ']': case '"': case '\'':
        return true;
    default:
        return false;
    }
}

/* Whether a single line reads like running text: it has a comma or a
** sentence mark inside (，、。；！？ or ", ") and no space between two
** non-ASCII characters.  Headlines, bylines, date lines and signatures have
** no such mark or separate their parts with spaces ("本报记者 许可馨");
** Chinese prose does neither. */
static bool reads_as_prose(const char *s, size_t n)
{
    bool comma = false;
    uint32_t before = 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        i += zhs_utf8_decode(s + i, n - i, &cp);
        if (cp == 0xFF0C || cp == 0x3001 || cp == 0x3002 || cp == 0xFF1B || cp == 0xFF01 ||
            cp == 0xFF1F || (cp == ',' && (i == n || s[i] == ' ')))
            comma = true;
        if (cp == ' ' && before >= 0x80 && i < n && (unsigned char)s[i] >= 0x80) return false;
        before = cp;
    }
    return comma;
}

/* Whether a column break may have cut the paragraph: it does not end a
** sentence, is no heading and not the document's first paragraph (the
** headline of a text file).  A single line is a heading when it is short
** or does not read as prose. */
static bool may_continue(const corpus_doc *d)
{
    const corpus_para *p = &d->para;
    const char *s = p->text.data;
    size_t n = p->text.len;
    if (!n || p->oom || !d->paragraphs) return false;
    /* Private-use characters after the last mark are debris of a PDF font
    ** (the laws corpus has some), not text that runs on. */
    uint32_t last = corpus_last_cp(s, n);
    while (n > 3 && last >= 0xE000 && last <= 0xF8FF && ((unsigned char)s[n - 3] & 0xF0) == 0xE0) {
        n -= 3;
        last = corpus_last_cp(s, n);
    }
    if (ends_sentence(last) || corpus_numbered_heading(s, n)) return false;
    /* The space after an article label is the label's, not a headline's. */
    if (p->nmarks == 1 && (zhs_utf8_count(s, n) <= CORPUS_HEADING_MAX ||
                           !reads_as_prose(s + p->label_len, n - p->label_len)))
        return false;
    return true;
}

static size_t list_marker(const char *s, size_t n);
static bool is_thematic_break(const char *s, size_t n);

/* Whether a line after blank lines may be the rest of a paragraph a column
** break cut: not when it starts something of its own. */
static bool may_resume(const corpus_doc *d, const char *s, size_t n, bool indented)
{
    if (indented || corpus_article_label(s, n) || corpus_numbered_heading(s, n)) return false;
    if (!d->markdown) return true;
    char c = s[0];
    if (c == '#' || c == '>' || c == '|' || c == '`' || c == '~' || c == '<') return false;
    return !list_marker(s, n) && !is_thematic_break(s, n);
}

/* ------------------------------------------------------ page furniture */

/* The end of the run of marks that frame a page number (- — – － · ― and
** spaces) from s + i. */
static size_t folio_marks(const char *s, size_t n, size_t i)
{
    while (i < n) {
        uint32_t cp;
        size_t l = zhs_utf8_decode(s + i, n - i, &cp);
        if (cp != '-' && cp != 0x2014 && cp != 0x2013 && cp != 0xFF0D && cp != 0x00B7 && cp != 0x2015 && cp != ' ' &&
            cp != 0x3000)
            break;
        i += l;
    }
    return i;
}

/* Whether a line is a page number as printed pages carry them: digits
** alone (12, １２), between dashes or dots (— 12 —, - 3 -, －3－, ·3·), or
** 第 3 页 (共 10 页). */
static bool is_folio(const char *s, size_t n, bool *framed)
{
    *framed = false;
    size_t lead = folio_marks(s, n, 0), i = lead, digits = 0;
    bool di = false;
    uint32_t cp;
    if (i + 3 <= n && !memcmp(s + i, "\xE7\xAC\xAC", 3)) {          /* 第 */
        di = true;
        i += 3;
        while (i < n && s[i] == ' ') i++;
    }
    while (i < n) {
        size_t l = zhs_utf8_decode(s + i, n - i, &cp);
        cp = zhs_fold_fullwidth(cp);
        if (cp < '0' || cp > '9') break;
        digits++;
        i += l;
    }
    if (!digits || digits > 4) return false;
    *framed = di || lead > 0;       /* 第…页, or marks before the digits */
    if (di) {
        while (i < n && s[i] == ' ') i++;
        if (i + 3 > n || memcmp(s + i, "\xE9\xA1\xB5", 3)) return false;   /* 页 */
        i += 3;
        /* 共 N 页 after it */
        while (i < n && s[i] == ' ') i++;
        if (i + 3 <= n && !memcmp(s + i, "\xE5\x85\xB1", 3)) {        /* 共 */
            i += 3;
            while (i < n && (s[i] == ' ' || (s[i] >= '0' && s[i] <= '9'))) i++;
            if (i + 3 > n || memcmp(s + i, "\xE9\xA1\xB5", 3)) return false;
            i += 3;
        }
    }
    /* trailing marks, the same as leading ones */
    size_t end = folio_marks(s, n, i);
    if (end > i) *framed = true;
    return end == n;
}

/* Whether the line after the one that holds p is blank or the text ends. */
static bool next_blank(const corpus_doc *d, const char *p)
{
    const char *end = d->text_end;
    if (!end || p > end) return false;
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    if (!nl) return true;
    const char *q = nl + 1, *e = memchr(q, '\n', (size_t)(end - q));
    if (!e) e = end;
    size_t n = (size_t)(e - q);
    size_t lead = corpus_space_prefix(q, n);
    return lead == n || (lead + 1 == n && q[lead] == '\r');
}

/* Whether a line after a page number is the running header or footer
** printed with it (东岚省人民政府公报   2024年第3期): short, without the
** marks of running text, and no article, heading or numbered item. */
static bool is_running_head(const char *s, size_t n)
{
    if (zhs_utf8_count(s, n) > 40 || reads_as_prose(s, n)) return false;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        i += zhs_utf8_decode(s + i, n - i, &cp);
        if (cp == 0x3002 || cp == 0xFF1A || cp == ':') return false;     /* 。：a sentence, a label */
    }
    return !corpus_article_label(s, n) && !corpus_numbered_heading(s, n) && !corpus_structure_unit_rank(s, n);
}

/* ---------------------------------------------------------- the lines */

/* Adds a cleaned, trimmed line to the paragraph, starting a new one first
** when the line opens an article or is indented the Chinese way. */
static int add_line(corpus_doc *d, const char *s, size_t n, uint32_t line, bool new_para,
                    zhs_error *err)
{
    size_t label = corpus_article_label(s, n);
    /* a numbered item ((一), 1., ①) starts a line of its own, as a list
    ** item does in Markdown, where the line before ended a sentence or a
    ** colon (a wrapped 补贴金额为 / 3．5万元 is one sentence) */
    if (!label && corpus_numbered_heading(s, n) && at_para_start(d)) new_para = true;
    if ((label || new_para) && d->para.text.len) {
        int rc = end_paragraph(d, err);
        if (rc) return rc;
    }
    corpus_para_add(&d->para, s, n, line, label);
    return d->para.oom ? nomem(err) : ZHS_OK;
}

/* One line of Markdown outside code fences, already trimmed. */
static int markdown_line(corpus_doc *d, const char *s, size_t n, uint32_t line, bool new_para,
                         zhs_error *err)
{
    bool quote = s[0] == '>';
    while (n && s[0] == '>') {
        s++;
        n--;
        corpus_trim(&s, &n);
    }
    /* A quote is a block of its own; the lines after it join it lazily. */
    if (quote && !d->in_quote) new_para = true;
    d->in_quote = quote || (d->in_quote && d->para.text.len);
    if (!n) return end_paragraph(d, err);
    size_t level = heading_level(s, n);
    if (level) {
        /* an article written as a heading (#### 第九百九十条, or with its
        ** text) opens an article, as the line would without the #s: it is
        ** no heading of the articles after it */
        const char *h = s + level;
        size_t hl = n - level;
        corpus_trim(&h, &hl);
        if (level > 1 && hl && corpus_article_label(h, hl)) return add_line(d, h, hl, line, true, err);
        return heading(d, level, s + level, n - level, err);
    }
    size_t fence = fence_length(s, n, &d->fence_char);
    if (fence) {
        d->fence_len = fence;
        d->in_fence = true;
        return end_paragraph(d, err);
    }
    if (is_thematic_break(s, n)) return end_paragraph(d, err);
    if (s[0] == '|') {
        int rc = end_paragraph(d, err);
        if (rc || is_table_separator(s, n)) return rc;
        if (!table_row(d, s, n)) return nomem(err);
        if (!d->clean.len) return ZHS_OK;
        corpus_para_add(&d->para, d->clean.data, d->clean.len, line, 0);
        return end_paragraph(d, err);
    }
    size_t marker = list_marker(s, n);
    if (marker) {
        s += marker;
        n -= marker;
        new_para = true;
    }
    if (corpus_md_has_markup(s, n)) {
        zhs_buf_reset(&d->clean);
        if (!corpus_md_inline(&d->clean, s, n)) return nomem(err);
        s = zhs_buf_cstr(&d->clean);
        n = d->clean.len;
        corpus_trim(&s, &n);
    }
    if (!n) return ZHS_OK;      /* markup only, e.g. an image without alt text */
    return add_line(d, s, n, line, new_para, err);
}

static bool closes_fence(const corpus_doc *d, const char *s, size_t n)
{
    size_t k = 0;
    while (k < n && s[k] == d->fence_char) k++;
    return k >= d->fence_len && k == n;
}

/* The date written at s[0..n) (2014年1月1日, 2014-01-01): its bytes, 0 if
** none.  It ends at a space or at its 日. */
static size_t date_at(const char *s, size_t n, uint32_t *day)
{
    size_t k = 0;
    while (k < n && k < 32 && s[k] != ' ' && s[k] != '\t' && !(k + 3 <= n && !memcmp(s + k, "\xE3\x80\x80", 3)) &&
           !(k >= 3 && !memcmp(s + k - 3, "\xE6\x97\xA5", 3)))     /* U+3000; 日 */
        k++;
    return zhs_date_parse(s, k, day) ? k : 0;
}

static bool ends_with_one(const char *s, size_t n, const char *const *words, size_t nw)
{
    for (size_t i = 0; i < nw; i++)
        if (n >= 6 && !memcmp(s + n - 6, words[i], 6)) return true;
    return false;
}

/* A date line of the laws corpus's head, before <!-- INFO END -->: a
** date, then what happened on it ("2003年9月5日 北京市…会议通过", "…修正",
** "…公布"), or that the text is in force from it ("2024年7月1日 施行"), or
** from a day of its own ("2013年12月9日 …公布 自2014年1月1日施行").  A line
** that says the text ended (废止, 失效) dates no version.  Other lines, and
** dates that do not parse, are not ours. */
static void info_line(corpus_doc *d, const char *s, size_t n)
{
    uint32_t day;
    size_t k;
    if (n < 8 || s[0] < '0' || s[0] > '9' || !(k = date_at(s, n, &day))) return;
    const char *r = s + k;
    size_t rn = n - k;
    corpus_trim(&r, &rn);
    static const char *const ended[] = {"\xE5\xBA\x9F\xE6\xAD\xA2", "\xE5\xBB\xA2\xE6\xAD\xA2",
                                        "\xE5\xA4\xB1\xE6\x95\x88"};                      /* 废止 廢止 失效 */
    static const char *const force[] = {"\xE6\x96\xBD\xE8\xA1\x8C", "\xE5\xAE\x9E\xE6\x96\xBD",
                                        "\xE7\x94\x9F\xE6\x95\x88", "\xE5\xAF\xA6\xE6\x96\xBD"};  /* 施行 实施 生效 實施 */
    if (ends_with_one(r, rn, ended, 3)) return;
    if (ends_with_one(r, rn, force, 4)) {
        /* the last date inside the line is the day in force; else the
        ** line's own date is, and a line that says more than the verb
        ** (公布施行, 自公布之日起施行) also dates the version */
        uint32_t inner = 0, x;
        for (size_t i = 0; i + 8 <= rn; i++)
            if (r[i] >= '0' && r[i] <= '9' && (i == 0 || r[i - 1] < '0' || r[i - 1] > '9') && date_at(r + i, rn - i, &x))
                inner = x;
        uint32_t eff = inner ? inner : day;
        if (eff > d->info_effective) d->info_effective = eff;
        if ((inner || rn > 9) && day > d->info_date) d->info_date = day;
        return;
    }
    if (day > d->info_date) d->info_date = day;
}

static int process_line(corpus_doc *d, const char *s, size_t n, uint32_t line, zhs_error *err)
{
    while (n && s[n - 1] == '\r') n--;
    bool info_end = false;
    const char *raw = s;
    if (d->markdown && (!d->in_fence || d->in_comment)) strip_comments(d, &s, &n, &info_end);
    bool commented = s != raw;
    size_t lead = corpus_space_prefix(s, n);
    bool indented = corpus_find(s, lead, "\xE3\x80\x80", 3) < lead;
    s += lead;
    n -= lead;
    n -= corpus_space_suffix(s, n);
    if (d->markdown && !d->info_done) {
        if (info_end) {
            d->info_done = true;
            if ((d->info_date || d->info_effective) &&
                !corpus_builder_info_dates(d->b, d->info_date, d->info_effective))
                return zhs_fail(err, ZHS_ENOMEM, "out of memory reading a document's dates");
        } else if (!commented) {
            info_line(d, s, n);
        }
    }
    /* Page numbers of a printed page, and the running header next to one,
    ** are dropped as if they were not there: a column break held open
    ** over them still joins the text on both sides. */
    if (n && d->printed && !(d->markdown && d->in_fence)) {
        bool framed;
        /* a framed page number (— 3 —, 第 3 页) anywhere; a bare one (12)
        ** only in plain text and standing between blank lines, since a
        ** table taken out one cell a line has bare numbers too */
        if (is_folio(s, n, &framed) &&
            (framed || (!d->markdown && d->blank_before && next_blank(d, s + n)))) {
            d->after_folio = framed;
            d->blank_before = false;
            return ZHS_OK;
        }
        bool head = d->after_folio && is_running_head(s, n);
        d->after_folio = false;
        if (head) return ZHS_OK;
    }
    d->blank_before = !n;
    if (!n) {
        bool quote = d->in_quote;
        d->in_quote = false;
        /* Only a truly blank line may be a column break: a comment line is
        ** a break the author made. */
        if (!commented && !quote && !(d->markdown && d->in_fence) && may_continue(d)) {
            d->held = true;
            return ZHS_OK;
        }
        d->held = false;
        int rc = end_paragraph(d, err);
        if (!rc && info_end) rc = corpus_builder_break(d->b, err);
        return rc;
    }
    if (d->held) {
        d->held = false;
        if (!may_resume(d, s, n, indented)) {
            int rc = end_paragraph(d, err);
            if (rc) return rc;
        }
    }
    if (d->markdown && d->in_fence) {
        if (closes_fence(d, s, n)) {
            d->in_fence = false;
            return end_paragraph(d, err);
        }
        return add_line(d, s, n, line, indented, err);
    }
    int rank = at_para_start(d) ? corpus_structure_rank(s, n) : 0;
    if (rank) return structure_heading(d, rank, s, n, err);
    if (d->markdown) return markdown_line(d, s, n, line, indented, err);
    return add_line(d, s, n, line, indented, err);
}

/* Reads the metadata of a front matter line "key: value" (date, status,
** issuer, category); other lines are not ours. */
static bool front_matter_line(corpus_doc *d, const char *s, size_t n)
{
    const char *colon = memchr(s, ':', n);
    if (!colon) return true;
    size_t kl = (size_t)(colon - s);
    const char *k = s;
    corpus_trim(&k, &kl);
    bool oom = false;
    corpus_builder_set_meta(d->b, k, kl, colon + 1, (size_t)(s + n - (colon + 1)), &oom);
    return !oom;
}

/* Length of the front matter at the start of text (0 if none) and the
** lines it spans; its metadata go to the builder. */
static size_t front_matter(corpus_doc *d, const char *text, size_t len, uint32_t *lines, bool *oom)
{
    size_t pos = 0;
    uint32_t count = 0;
    while (pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - text) : len;
        const char *s = text + pos;
        size_t n = end - pos;
        n -= corpus_space_suffix(s, n);
        bool dashes = n == 3 && memcmp(s, "---", 3) == 0;
        if (count == 0 && !dashes) return 0;
        count++;
        if (count > 1 && (dashes || (n == 3 && memcmp(s, "...", 3) == 0))) {
            *lines = count;
            /* Only a closed front matter is one: read its lines now. */
            size_t at = 0;
            for (uint32_t i = 0; i < count; i++) {
                const char *e = memchr(text + at, '\n', len - at);
                size_t ln = e ? (size_t)(e - text) - at : len - at;
                if (i > 0 && i + 1 < count && !front_matter_line(d, text + at, ln)) *oom = true;
                at += ln + 1;
            }
            return nl ? end + 1 : len;
        }
        if (!nl) break;
        pos = end + 1;
    }
    return 0;       /* never closed: a thematic break, not front matter */
}

int corpus_doc_parse(corpus_doc *d, const char *text, size_t len, uint32_t first_line,
                     zhs_error *err)
{
    if (zhs_err_code(err)) return err->code;
    size_t pos = 0;
    uint32_t line = first_line;
    d->text_end = text + len;
    if (d->markdown) {
        uint32_t skipped = 0;
        bool oom = false;
        pos = front_matter(d, text, len, &skipped, &oom);
        if (oom) return zhs_fail(err, ZHS_ENOMEM, "out of memory reading front matter");
        line += skipped;
    }
    while (pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - text) : len;
        int rc = process_line(d, text + pos, end - pos, line, err);
        if (rc) return rc;
        pos = end + 1;
        line++;
    }
    d->held = false;
    return end_paragraph(d, err);
}
