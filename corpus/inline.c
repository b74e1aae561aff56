/*
** inline.c — Markdown inline markup to plain text, one line at a time.
**
** Only what occurs in documents meant to be read is handled: emphasis
** (*, **, _, __, ***), code spans, links [text](url), images ![alt](url)
** and backslash escapes.  Everything is linear in the line length, whatever
** the line: a 100 MB line full of stray '*', '[' or '`' must not take
** quadratic time or memory.
**
** Emphasis: a delimiter run is written out as text first; when a later run
** closes it, the opener's bytes in the output are overwritten with NUL and
** squeezed out at the end.  NUL never occurs in text (binary files are
** skipped, JSON \u0000 is mapped to a space), so it is a safe marker, and
** the pairing needs no memory beyond a small stack of recent openers.
** Runs that find no partner stay as they are: "2*（N+1）" keeps its '*'.
*/
#include "corpus_int.h"

/* Unclosed openers remembered per kind of run; older ones are forgotten
** (and stay literal), which bounds the stack on pathological input. */
#define EMPH_DEPTH 32
/* Code spans are delimited by runs of at most this many backticks. */
#define TICK_MAX 8

typedef struct emph_stack {
    size_t pos[EMPH_DEPTH];     /* output offsets of opener runs */
    size_t top, count;
} emph_stack;

/* The next occurrence of one byte, remembered: the scan only moves
** forward, so one answer serves every query up to it. */
typedef struct find_cache {
    size_t at;
    bool valid;
} find_cache;

typedef struct inline_state {
    const char *s;
    size_t n;
    zhs_buf *out;
    size_t start;               /* where this line's output starts */
    emph_stack emph[7];         /* '*' and '_', runs of 1..3; "~~" (strikethrough) */
    bool marked;                /* some opener was overwritten with NUL */
    bool no_tick_close[TICK_MAX + 1];
    find_cache rbracket, rparen;
    size_t link_close, link_end;    /* pending link: its ']' and after ')' */
} inline_state;

static const unsigned char special[256] = {
    ['\\'] = 1, ['`'] = 1, ['!'] = 1, ['['] = 1, [']'] = 1, ['*'] = 1, ['_'] = 1, ['~'] = 1,
};

static size_t find_byte(find_cache *fc, const char *s, size_t n, size_t from, char ch)
{
    if (fc->valid && fc->at >= from) return fc->at;
    const char *p = from < n ? memchr(s + from, ch, n - from) : NULL;
    fc->at = p ? (size_t)(p - s) : n;
    fc->valid = true;
    return fc->at;
}

static bool is_space_at(const char *s, size_t n, size_t i)
{
    if (i >= n) return true;
    unsigned char c = (unsigned char)s[i];
    return c == ' ' || c == '\t' ||
           (c == 0xE3 && i + 2 < n && (unsigned char)s[i + 1] == 0x80 && (unsigned char)s[i + 2] == 0x80);
}

static bool is_space_before(const char *s, size_t i)
{
    if (i == 0) return true;
    unsigned char c = (unsigned char)s[i - 1];
    return c == ' ' || c == '\t' ||
           (i >= 3 && (unsigned char)s[i - 3] == 0xE3 && (unsigned char)s[i - 2] == 0x80 && c == 0x80);
}

/* Underscores inside a Latin word ("snake_case_name") are not emphasis.
** Han characters do not count as word characters here: Chinese writes
** "这是__重点__内容" without spaces and means the emphasis. */
static bool is_word_byte(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_ascii_punct(unsigned char c)
{
    return (c >= '!' && c <= '/') || (c >= ':' && c <= '@') || (c >= '[' && c <= '`') ||
           (c >= '{' && c <= '~');
}

static size_t run_length(const char *s, size_t n, size_t i)
{
    size_t j = i;
    while (j < n && s[j] == s[i]) j++;
    return j - i;
}

static void emph_push(emph_stack *st, size_t pos)
{
    st->pos[st->top % EMPH_DEPTH] = pos;
    st->top++;
    if (st->count < EMPH_DEPTH) st->count++;
}

static bool emph_pop(emph_stack *st, size_t *pos)
{
    if (!st->count) return false;
    st->top--;
    st->count--;
    *pos = st->pos[st->top % EMPH_DEPTH];
    return true;
}

/* A run of '*' or '_' at i (or "~~", strikethrough, whose text stays):
** closes the latest matching opener, opens, or is text.  Returns the bytes
** consumed. */
static size_t emphasis(inline_state *st, size_t i)
{
    const char *s = st->s;
    size_t n = st->n, len = run_length(s, n, i);
    if (len > 3 || (s[i] == '~' && len != 2)) {
        zhs_buf_append(st->out, s + i, len);
        return len;
    }
    bool left = !is_space_at(s, n, i + len);    /* text follows: may open */
    bool right = !is_space_before(s, i);        /* text precedes: may close */
    bool can_open = left, can_close = right;
    if (s[i] == '_') {
        can_open = left && !(i > 0 && is_word_byte((unsigned char)s[i - 1]));
        can_close = right && !(i + len < n && is_word_byte((unsigned char)s[i + len]));
    }
    emph_stack *es = s[i] == '~' ? &st->emph[6] : &st->emph[(s[i] == '*' ? 0 : 3) + len - 1];
    size_t opener;
    if (can_close && emph_pop(es, &opener)) {
        memset(st->out->data + opener, 0, len);
        st->marked = true;
        return len;
    }
    if (can_open) emph_push(es, st->out->len);
    zhs_buf_append(st->out, s + i, len);
    return len;
}

/* A backtick run at i: a code span when a run of the same length follows,
** whose content is copied verbatim. */
static size_t code_span(inline_state *st, size_t i)
{
    const char *s = st->s;
    size_t n = st->n, len = run_length(s, n, i);
    if (len <= TICK_MAX && !st->no_tick_close[len]) {
        size_t j = i + len;
        while (j < n) {
            const char *p = memchr(s + j, '`', n - j);
            if (!p) break;
            j = (size_t)(p - s);
            size_t k = run_length(s, n, j);
            if (k == len) {
                zhs_buf_append(st->out, s + i + len, j - i - len);
                return j + k - i;
            }
            j += k;
        }
        /* No run of this length anywhere after i: none after a later
        ** opener either. */
        st->no_tick_close[len] = true;
    }
    zhs_buf_append(st->out, s + i, len);
    return len;
}

/* '[' at i opens a link when "](" and a ')' follow; the text is then
** processed as usual and the "](url)" skipped when reached. */
static bool link_opens(inline_state *st, size_t i)
{
    /* One link at a time; a pending one whose ']' was swallowed by a code
    ** span is given up. */
    if (st->link_close != SIZE_MAX && st->link_close >= i) return false;
    size_t rb = find_byte(&st->rbracket, st->s, st->n, i + 1, ']');
    if (rb + 1 >= st->n || st->s[rb + 1] != '(') return false;
    size_t rp = find_byte(&st->rparen, st->s, st->n, rb + 2, ')');
    if (rp >= st->n) return false;
    st->link_close = rb;
    st->link_end = rp + 1;
    return true;
}

/* Drops the NUL markers left by matched emphasis openers. */
static void squeeze(zhs_buf *out, size_t start)
{
    char *d = out->data + start;
    for (size_t i = start; i < out->len; i++)
        if (out->data[i]) *d++ = out->data[i];
    out->len = (size_t)(d - out->data);
    out->data[out->len] = 0;
}

static size_t special_char(inline_state *st, size_t i)
{
    const char *s = st->s;
    size_t n = st->n;
    switch (s[i]) {
    case '\\':
        if (i + 1 < n && is_ascii_punct((unsigned char)s[i + 1])) {
            zhs_buf_putc(st->out, s[i + 1]);
            return 2;
        }
        break;
    case '`':
        return code_span(st, i);
    case '*':
    case '_':
    case '~':
        return emphasis(st, i);
    case '!':
        if (i + 1 < n && s[i + 1] == '[' && link_opens(st, i + 1)) return 2;
        break;
    case '[':
        if (link_opens(st, i)) return 1;
        break;
    case ']':
        if (i == st->link_close) {
            st->link_close = SIZE_MAX;
            return st->link_end - i;
        }
        break;
    }
    zhs_buf_putc(st->out, s[i]);
    return 1;
}

bool corpus_md_has_markup(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (special[(unsigned char)s[i]]) return true;
    return false;
}

bool corpus_md_inline(zhs_buf *out, const char *s, size_t n)
{
    inline_state st;
    memset(&st, 0, sizeof st);
    st.s = s;
    st.n = n;
    st.out = out;
    st.start = out->len;
    st.link_close = SIZE_MAX;
    if (!zhs_buf_reserve(out, n)) return false;
    size_t i = 0;
    while (i < n) {
        size_t j = i;
        while (j < n && !special[(unsigned char)s[j]]) j++;
        if (j > i) {
            zhs_buf_append(out, s + i, j - i);
            i = j;
            continue;
        }
        i += special_char(&st, i);
        if (out->oom) return false;
    }
    if (st.marked) squeeze(out, st.start);
    return !out->oom;
}
