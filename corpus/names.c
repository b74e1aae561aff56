/*
** names.c — what a file name says: its kind, and the title a document gets
** when its text has none.
*/
#include "corpus_int.h"

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
