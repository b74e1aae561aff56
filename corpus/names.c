/*
** names.c — what a file name says: its kind, and the title a document gets
** when its text has none.
*/
#include "corpus_int.h"
#include "meta.h"

/* Extensions are matched without regard to ASCII case: "LAW.MD" is as much
** Markdown as "law.md". */
static bool ends_with(const char *s, size_t n, const char *suffix)
{
    size_t m = strlen(suffix);
    if (n < m) return false;
    for (size_t i = 0; i < m; i++) {
        char c = s[n - m + i];
        if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
        if (c != suffix[i]) return false;
    }
    return true;
}

static corpus_kind kind_of(const char *name, size_t n, size_t *ext)
{
    if (ends_with(name, n, ".md")) { *ext = 3; return CORPUS_MD; }
    if (ends_with(name, n, ".txt")) { *ext = 4; return CORPUS_TXT; }
    if (ends_with(name, n, ".jsonl")) { *ext = 6; return CORPUS_JSONL; }
    *ext = 0;
    return CORPUS_NONE;
}

corpus_kind corpus_kind_of(const char *name, bool *gz)
{
    size_t n = strlen(name), ext;
    *gz = ends_with(name, n, ".gz");
    if (*gz) n -= 3;
    return kind_of(name, n, &ext);
}

const char *corpus_basename(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

size_t corpus_stem_len(const char *name)
{
    size_t n = strlen(name), ext;
    if (ends_with(name, n, ".gz")) n -= 3;
    kind_of(name, n, &ext);
    /* A file called ".md" keeps its name rather than become untitled. */
    return n > ext ? n - ext : strlen(name);
}

size_t corpus_title_len(const char *name)
{
    size_t n = corpus_stem_len(name), cl = 0;
    if (n && name[n - 1] == ')') cl = 1;
    else if (n >= 3 && memcmp(name + n - 3, "\xEF\xBC\x89", 3) == 0) cl = 3;     /* ） */
    if (!cl) return n;
    size_t open = 0, ol = 0;
    for (size_t i = n - cl; i > 0 && !ol;) {
        i--;
        if (name[i] == '(') open = i, ol = 1;
        else if (i >= 2 && memcmp(name + i - 2, "\xEF\xBC\x88", 3) == 0) open = i - 2, ol = 3;     /* （ */
    }
    uint32_t d;
    if (!ol || !zhs_date_parse(name + open + ol, n - cl - open - ol, &d)) return n;
    size_t t = open;
    while (t > 0 && name[t - 1] == ' ') t--;
    return t ? t : n;       /* a name that is only a date keeps it */
}
