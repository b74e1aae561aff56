/*
** manifest.c — reading and atomically replacing MANIFEST.
*/
#include "manifest.h"
#include "engine.h"
#include "format.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <zlib.h>

int zhs_manifest_write(const zhs_manifest *m, const char *dir, zhs_error *err)
{
    if (zhs_err_code(err)) return err->code;
    zhs_buf b;
    zhs_buf_init(&b);
    zhs_buf_printf(&b, "zhsearch-index %d\n", m->version);
    zhs_buf_printf(&b, "engine %s\n", zhs_engine_name(m->engine));
    zhs_buf_printf(&b, "generation %llu\n", (unsigned long long)m->generation);
    zhs_buf_printf(&b, "analyzer %s\n", m->analyzer);
    zhs_buf_printf(&b, "passages %llu\n", (unsigned long long)m->passages);
    zhs_buf_printf(&b, "tokens %llu\n", (unsigned long long)m->tokens);
    zhs_buf_printf(&b, "terms %llu\n", (unsigned long long)m->terms);
    zhs_buf_printf(&b, "source_bytes %llu\n", (unsigned long long)m->source_bytes);
    zhs_buf_printf(&b, "avglen %.17g\n", m->avglen);
    zhs_buf_printf(&b, "k1 %.17g\n", m->k1);
    zhs_buf_printf(&b, "b %.17g\n", m->b);
    zhs_buf_printf(&b, "title_weight %u\n", m->title_weight);
    zhs_buf_printf(&b, "shards %u\n", m->shards);
    for (unsigned i = 0; i < m->nsegments; i++) {
        zhs_buf_printf(&b, "segment %s %llu %llu", m->seg[i].name,
                       (unsigned long long)m->seg[i].base, (unsigned long long)m->seg[i].count);
        if (m->seg[i].deletions[0]) zhs_buf_printf(&b, " %s", m->seg[i].deletions);
        zhs_buf_putc(&b, '\n');
        /* a separate key: readers of version 1 before segments could be
        ** added ignore it (and refuse more than one segment) */
        zhs_buf_printf(&b, "segmeta %s %llu %llu %.17g %llu\n", m->seg[i].name,
                       (unsigned long long)m->seg[i].terms, (unsigned long long)m->seg[i].tokens,
                       m->seg[i].avglen, (unsigned long long)m->seg[i].deleted);
    }
    if (m->files[0]) zhs_buf_printf(&b, "files %s\n", m->files);
    uint32_t crc = (uint32_t)crc32(crc32(0L, Z_NULL, 0), (const Bytef *)b.data, (uInt)b.len);
    zhs_buf_printf(&b, "crc32 %08x\n", crc);
    if (b.oom) {
        zhs_buf_free(&b);
        return zhs_fail(err, ZHS_ENOMEM, "out of memory writing the manifest");
    }
    char tmp[ZHS_PATH_MAX], final[ZHS_PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s/MANIFEST.tmp", dir);
    snprintf(final, sizeof final, "%s/MANIFEST", dir);
    int rc = zhs_file_write(tmp, b.data, b.len, err);
    zhs_buf_free(&b);
    if (rc) return rc;
    if (rename(tmp, final) != 0) {
        int e = errno;
        unlink(tmp);
        return zhs_fail(err, ZHS_EIO, "cannot rename %s to %s: %s", tmp, final, strerror(e));
    }
    return zhs_dir_sync(dir, err);
}

/* Names in the manifest are file names inside the index: no paths. */
static bool safe_name(const char *s)
{
    for (const char *c = s; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-' || *c == '.') ||
            (*c == '.' && c[1] == '.'))
            return false;
    return true;
}

static int bad(zhs_error *err, const char *path, unsigned line, const char *what)
{
    return zhs_fail(err, ZHS_ECORRUPT, "%s: line %u: %s: the manifest is damaged; rebuild the index",
                    path, line, what);
}

int zhs_manifest_read(zhs_manifest *m, const char *dir, zhs_error *err)
{
    if (zhs_err_code(err)) return err->code;
    memset(m, 0, sizeof *m);
    char path[ZHS_PATH_MAX];
    snprintf(path, sizeof path, "%s/MANIFEST", dir);
    if (access(path, F_OK) != 0) {
        if (access(dir, F_OK) != 0)
            return zhs_fail(err, ZHS_ENOTFOUND, "index %s does not exist: build it first", dir);
        return zhs_fail(err, ZHS_ENOTFOUND, "%s is not a zhsearch index (it has no MANIFEST): give the directory "
                        "built by zhsearch, or build one into a new or empty directory", dir);
    }
    zhs_buf b;
    zhs_buf_init(&b);
    int rc = zhs_file_read(&b, path, false, 1 << 20, err);
    if (rc) {
        zhs_buf_free(&b);
        return rc;
    }
    /* The crc line closes the file; everything before it is covered. */
    const char *data = zhs_buf_cstr(&b);
    const char *crcline = NULL;
    for (const char *p = data; (p = strstr(p, "crc32 ")) != NULL; p++)
        if (p == data || p[-1] == '\n') crcline = p;
    if (!crcline) {
        zhs_buf_free(&b);
        return zhs_fail(err, ZHS_ECORRUPT, "%s: no crc32 line (truncated?): rebuild the index", path);
    }
    uint32_t want = (uint32_t)strtoul(crcline + 6, NULL, 16);
    uint32_t got = (uint32_t)crc32(crc32(0L, Z_NULL, 0), (const Bytef *)data, (uInt)(crcline - data));
    if (want != got || strlen(crcline) != 15 || crcline[14] != '\n') {
        zhs_buf_free(&b);
        return zhs_fail(err, ZHS_ECORRUPT, "%s: checksum mismatch at offset %zu: the manifest is damaged; rebuild the index",
                        path, (size_t)(crcline - data));
    }
    unsigned lineno = 0, seen_meta = 0;
    rc = ZHS_OK;
    m->title_weight = 1;
    for (const char *p = data; p < crcline && !rc;) {
        const char *nl = memchr(p, '\n', (size_t)(crcline - p));
        if (!nl) nl = crcline;
        char line[512];
        size_t n = (size_t)(nl - p);
        lineno++;
        if (n >= sizeof line) { rc = bad(err, path, lineno, "line too long"); break; }
        memcpy(line, p, n);
        line[n] = 0;
        p = nl + 1;
        char *sp = strchr(line, ' ');
        if (!sp) { rc = bad(err, path, lineno, "no value"); break; }
        *sp = 0;
        const char *k = line, *v = sp + 1;
        if (lineno == 1) {
            if (strcmp(k, "zhsearch-index") != 0) { rc = bad(err, path, lineno, "not a zhsearch manifest"); break; }
            m->version = atoi(v);
            if (m->version < ZHS_FORMAT_VERSION_MIN || m->version > ZHS_FORMAT_VERSION) {
                rc = zhs_fail(err, ZHS_EVERSION, "%s: index format version %d, this zhsearch reads versions %d to %d: rebuild the index with this version",
                              path, m->version, ZHS_FORMAT_VERSION_MIN, ZHS_FORMAT_VERSION);
                break;
            }
        } else if (!strcmp(k, "engine")) {
            m->engine = zhs_engine_kind_of(v);
            if (m->engine < 0) rc = bad(err, path, lineno, "unknown engine");
        } else if (!strcmp(k, "generation")) m->generation = strtoull(v, NULL, 10);
        else if (!strcmp(k, "analyzer")) snprintf(m->analyzer, sizeof m->analyzer, "%s", v);
        else if (!strcmp(k, "passages")) m->passages = strtoull(v, NULL, 10);
        else if (!strcmp(k, "tokens")) m->tokens = strtoull(v, NULL, 10);
        else if (!strcmp(k, "terms")) m->terms = strtoull(v, NULL, 10);
        else if (!strcmp(k, "source_bytes")) m->source_bytes = strtoull(v, NULL, 10);
        else if (!strcmp(k, "avglen")) m->avglen = strtod(v, NULL);
        else if (!strcmp(k, "k1")) m->k1 = strtod(v, NULL);
        else if (!strcmp(k, "b")) m->b = strtod(v, NULL);
        else if (!strcmp(k, "title_weight")) m->title_weight = (unsigned)strtoul(v, NULL, 10);
        else if (!strcmp(k, "shards")) m->shards = (unsigned)strtoul(v, NULL, 10);
        else if (!strcmp(k, "segment")) {
            if (m->nsegments == ZHS_MAX_SEGMENTS) { rc = bad(err, path, lineno, "too many segments"); break; }
            zhs_manifest_segment *s = &m->seg[m->nsegments];
            unsigned long long base, count;
            int nf = sscanf(v, "%31s %llu %llu %31s", s->name, &base, &count, s->deletions);
            if (nf < 3) { rc = bad(err, path, lineno, "bad segment line"); break; }
            if (nf == 3) s->deletions[0] = 0;
            if (!safe_name(s->name) || !safe_name(s->deletions)) {
                rc = bad(err, path, lineno, "bad segment or deletion file name");
                break;
            }
            s->base = base;
            s->count = count;
            m->nsegments++;
        } else if (!strcmp(k, "segmeta")) {
            char name[32];
            unsigned long long terms, tokens, deleted;
            double avg;
            if (sscanf(v, "%31s %llu %llu %lg %llu", name, &terms, &tokens, &avg, &deleted) != 5) {
                rc = bad(err, path, lineno, "bad segmeta line");
                break;
            }
            zhs_manifest_segment *s = NULL;
            for (unsigned i = 0; i < m->nsegments && !s; i++)
                if (!strcmp(m->seg[i].name, name)) s = &m->seg[i];
            if (!s || deleted > s->count) { rc = bad(err, path, lineno, "segmeta names no segment"); break; }
            s->terms = terms;
            s->tokens = tokens;
            s->avglen = avg;
            s->deleted = deleted;
            seen_meta++;
        } else if (!strcmp(k, "files")) {
            if (sscanf(v, "%31s", m->files) != 1 || !safe_name(m->files)) { rc = bad(err, path, lineno, "bad files line"); break; }
        }
        /* Unknown keys are ignored: later minor versions may add some. */
    }
    zhs_buf_free(&b);
    if (!rc && m->version == 0) rc = bad(err, path, 1, "no version line");
    /* An index from before segments could be added: its one segment holds
    ** every passage, built with the index's own figures. */
    if (!rc && seen_meta == 0 && m->nsegments == 1) {
        m->seg[0].terms = m->terms;
        m->seg[0].tokens = m->tokens;
        m->seg[0].avglen = m->avglen;
        m->seg[0].deleted = 0;
    } else if (!rc && seen_meta != m->nsegments) {
        rc = bad(err, path, 0, "a segment has no segmeta line");
    }
    /* Without its analyzer an index cannot be queried: that is damage, not
    ** an index of another analyzer. */
    if (!rc && !m->analyzer[0]) rc = bad(err, path, 0, "no analyzer line");
    if (!rc && m->passages > 0 && !(m->avglen > 0))
        rc = bad(err, path, 0, "average length is not positive");
    return rc;
}

static const char *const seg_exts[] = {".dict", ".post", ".pos", ".len", ".store"};

bool zhs_manifest_names(const zhs_manifest *m, const char *name)
{
    if (m->files[0] && !strcmp(name, m->files)) return true;
    /* the generation's metadata table and user dictionary */
    char own[64];
    snprintf(own, sizeof own, "g%llu.meta", (unsigned long long)m->generation);
    if (!strcmp(name, own)) return true;
    snprintf(own, sizeof own, "g%llu.userdict", (unsigned long long)m->generation);
    if (!strcmp(name, own)) return true;
    for (unsigned i = 0; i < m->nsegments; i++) {
        const zhs_manifest_segment *s = &m->seg[i];
        if (s->deletions[0] && !strcmp(name, s->deletions)) return true;
        size_t n = strlen(s->name);
        if (strncmp(name, s->name, n) != 0) continue;
        for (size_t e = 0; e < sizeof seg_exts / sizeof seg_exts[0]; e++)
            if (!strcmp(name + n, seg_exts[e])) return true;
    }
    return false;
}

uint64_t zhs_manifest_shard_gen(const zhs_manifest *m)
{
    if (m->nsegments >= 1 && m->seg[0].name[0] == 'g' && m->seg[0].name[1] >= '0' && m->seg[0].name[1] <= '9')
        return strtoull(m->seg[0].name + 1, NULL, 10);
    return m->generation;
}

void zhs_manifest_set_single(zhs_manifest *m, uint64_t gen, uint64_t terms, unsigned shards)
{
    m->terms = terms;
    m->shards = shards;
    m->nsegments = 1;
    snprintf(m->seg[0].name, sizeof m->seg[0].name, "g%llu", (unsigned long long)gen);
    m->seg[0].base = 0;
    m->seg[0].count = m->passages;
    m->seg[0].deletions[0] = 0;
    m->seg[0].terms = terms;
    m->seg[0].tokens = m->tokens;
    m->seg[0].avglen = m->avglen;
    m->seg[0].deleted = 0;
}
