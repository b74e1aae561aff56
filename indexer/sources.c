/*
** sources.c — the file table of an index: which source files its passages
** came from, so that an update re-reads only what changed.
**
** g<GEN>.files: magic ZHSFILE1, then
**     varint nroots, per root: varint length, bytes
**     varint nfiles, per file: varint root, varint length and bytes of the
**     path below the root, varint size, varint mtime (ns, as u64), u64 hash,
**     varint length and bytes of the segment name, varint first, varint count
** and the usual footer (docs/FORMAT.md).  From format 9 the magic is
** ZHSFILE2 and the same body is compressed (common/ztable.h): the paths
** of a corpus repeat their directories, ten bytes in eleven of the table.
*/
#include "indexer_int.h"
#include "ztable.h"

#include <stdlib.h>

void zhs_src_table_free(zhs_src_table *t)
{
    for (size_t i = 0; i < t->nroots; i++) free(t->roots[i]);
    free(t->roots);
    for (size_t i = 0; i < t->n; i++) free(t->e[i].rel);
    free(t->e);
    free(t->slots);
    memset(t, 0, sizeof *t);
}

long zhs_src_root(zhs_src_table *t, const char *root)
{
    for (size_t i = 0; i < t->nroots; i++)
        if (!strcmp(t->roots[i], root)) return (long)i;
    char **r = realloc(t->roots, (t->nroots + 1) * sizeof *r);
    if (!r) return -1;
    t->roots = r;
    if (!(r[t->nroots] = strdup(root))) return -1;
    return (long)t->nroots++;
}

static uint64_t key_hash(const char *root, const char *rel)
{
    uint64_t h = 1469598103934665603ULL;
    for (const char *p = root; *p; p++) h = (h ^ (uint8_t)*p) * 1099511628211ULL;
    h = (h ^ 0xFF) * 1099511628211ULL;
    for (const char *p = rel; *p; p++) h = (h ^ (uint8_t)*p) * 1099511628211ULL;
    return h;
}

zhs_src *zhs_src_add(zhs_src_table *t, const zhs_src *e)
{
    if (!zhs_grow(&t->e, &t->cap, t->n + 1, sizeof *t->e, 256)) return NULL;
    zhs_src *d = &t->e[t->n];
    *d = *e;
    if (!(d->rel = strdup(e->rel))) return NULL;
    t->n++;
    free(t->slots);     /* the look-up no longer covers every entry */
    t->slots = NULL;
    return d;
}

bool zhs_src_index(zhs_src_table *t)
{
    free(t->slots);
    size_t ns = 16;
    while (ns < t->n * 2) ns *= 2;
    t->slots = calloc(ns, sizeof *t->slots);
    if (!t->slots) return false;
    t->nslots = ns;
    for (size_t i = 0; i < t->n; i++) {
        size_t s = (size_t)key_hash(t->roots[t->e[i].root], t->e[i].rel) & (ns - 1);
        while (t->slots[s]) s = (s + 1) & (ns - 1);
        t->slots[s] = (uint32_t)i + 1;
    }
    return true;
}

zhs_src *zhs_src_find(const zhs_src_table *t, const char *root, const char *rel)
{
    if (!t->n || !t->slots) return NULL;
    size_t s = (size_t)key_hash(root, rel) & (t->nslots - 1);
    for (; t->slots[s]; s = (s + 1) & (t->nslots - 1)) {
        zhs_src *e = &t->e[t->slots[s] - 1];
        if (!strcmp(e->rel, rel) && !strcmp(t->roots[e->root], root)) return e;
    }
    return NULL;
}

static bool put_str(zhs_buf *b, const char *s)
{
    size_t n = strlen(s);
    return zhs_buf_put_varint(b, n) && zhs_buf_append(b, s, n);
}

int zhs_src_table_write(const zhs_src_table *t, const char *path, zhs_syncs *syncs, zhs_error *err)
{
    zhs_buf b;
    zhs_buf_init(&b);
    zhs_buf_put_varint(&b, t->nroots);
    for (size_t i = 0; i < t->nroots; i++) put_str(&b, t->roots[i]);
    zhs_buf_put_varint(&b, t->n);
    for (size_t i = 0; i < t->n; i++) {
        const zhs_src *e = &t->e[i];
        zhs_buf_put_varint(&b, e->root);
        put_str(&b, e->rel);
        zhs_buf_put_varint(&b, e->size);
        zhs_buf_put_varint(&b, (uint64_t)e->mtime_ns);
        zhs_buf_put_u64(&b, e->hash);
        put_str(&b, e->seg);
        zhs_buf_put_varint(&b, e->first);
        zhs_buf_put_varint(&b, e->count);
    }
    int rc = b.oom ? zhs_fail(err, ZHS_ENOMEM, "out of memory writing %s", path)
                   : zhs_ztable_write(syncs, path, ZHS_MAGIC_FILES, b.data, b.len, err);
    zhs_buf_free(&b);
    return rc;
}

static bool get_str(const uint8_t **p, const uint8_t *end, char *out, size_t cap)
{
    uint64_t n;
    if (!zhs_varint_get(p, end, &n) || n >= cap || n > (uint64_t)(end - *p)) return false;
    memcpy(out, *p, n);
    out[n] = 0;
    *p += n;
    return true;
}

int zhs_src_table_read(zhs_src_table *t, const char *path, zhs_error *err)
{
    memset(t, 0, sizeof *t);
    zhs_table_body b;
    if (zhs_table_open(&b, path, ZHS_MAGIC_FILES, zhs_files_plain_magics, "file table", true, err))
        return err->code;
    const uint8_t *p = b.body, *end = b.body + b.len;
    uint64_t nroots, n, v;
    char *str = malloc(ZHS_PATH_MAX);
    bool oom = !str;
    bool ok = str && zhs_varint_get(&p, end, &nroots) && nroots < (1u << 20);
    for (uint64_t i = 0; ok && i < nroots; i++) {
        ok = get_str(&p, end, str, ZHS_PATH_MAX);
        long r = ok ? zhs_src_root(t, str) : 0;
        if (r < 0) oom = true;
        ok = ok && r == (long)i;
    }
    ok = ok && zhs_varint_get(&p, end, &n);
    for (uint64_t i = 0; ok && i < n; i++) {
        zhs_src e;
        memset(&e, 0, sizeof e);
        ok = zhs_varint_get(&p, end, &v) && v < nroots;
        e.root = (uint32_t)v;
        ok = ok && get_str(&p, end, str, ZHS_PATH_MAX);
        e.rel = str;
        ok = ok && zhs_varint_get(&p, end, &e.size) && zhs_varint_get(&p, end, &v) && end - p >= 8;
        if (!ok) break;
        e.mtime_ns = (int64_t)v;
        e.hash = zhs_get_u64(p);
        p += 8;
        ok = get_str(&p, end, e.seg, sizeof e.seg) && zhs_varint_get(&p, end, &v) && v <= UINT32_MAX;
        e.first = (uint32_t)v;
        ok = ok && zhs_varint_get(&p, end, &v) && v <= UINT32_MAX;
        e.count = (uint32_t)v;
        if (ok && !zhs_src_add(t, &e)) {
            ok = false;
            oom = true;
        }
    }
    free(str);
    zhs_table_close(&b);
    if (ok && !zhs_src_index(t)) {
        ok = false;
        oom = true;
    }
    if (oom) {
        zhs_src_table_free(t);
        return zhs_fail(err, ZHS_ENOMEM, "out of memory reading %s", path);
    }
    if (!ok || p != end) {
        zhs_src_table_free(t);
        return zhs_fail(err, ZHS_ECORRUPT, "%s: the file table is damaged: rebuild the index", path);
    }
    return ZHS_OK;
}
