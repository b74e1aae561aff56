/*
** walk.c — builds the list of files to read, at open.
**
** Directories are walked depth first with the entries of each directory in
** byte order of their names, so that a corpus always yields its documents
** (and so its passage ids and index order) in the same order.  Symbolic
** links are followed; a directory that is already on the current path
** (dev, inode) is a loop and is skipped, and so is anything nested deeper
** than CORPUS_MAX_DEPTH.  Knowing the list up front also gives the total
** size for progress reports.
*/
#include "corpus_int.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>

typedef struct dir_id {
    dev_t dev;
    ino_t ino;
} dir_id;

typedef struct walker {
    zhs_corpus *c;
    zhs_buf path;               /* directory or file being looked at */
    zhs_buf rel;                /* the same relative to the argument */
    dir_id stack[CORPUS_MAX_DEPTH + 1];     /* directories on the path */
    size_t depth;
} walker;

static int nomem(zhs_error *err, const char *path)
{
    return zhs_fail(err, ZHS_ENOMEM, "out of memory listing %s", path);
}

static mode_t root_st_mode(const zhs_corpus *c)
{
    return c->walk_root_mode;
}

static int add_file(zhs_corpus *c, const char *path, const char *rel, const struct stat *st,
                    zhs_error *err)
{
    bool gz;
    corpus_kind kind = corpus_kind_of(corpus_basename(path), &gz);
    if (kind == CORPUS_NONE) {
        corpus_skip(c, &c->stats.skipped_type, path,
                    "not a .md, .txt or .jsonl file (optionally .gz): skipped");
        return ZHS_OK;
    }
    if ((uint64_t)st->st_size > c->max_file_bytes) {
        corpus_skip(c, &c->stats.skipped_error, path,
                    "%llu bytes, over the limit of %zu bytes: skipped",
                    (unsigned long long)st->st_size, c->max_file_bytes);
        return ZHS_OK;
    }
    if (c->nfiles == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 256;
        corpus_file *v = realloc(c->files, cap * sizeof *v);
        if (!v) return nomem(err, path);
        c->files = v;
        c->cap = cap;
    }
    corpus_file *f = &c->files[c->nfiles];
    f->path = zhs_arena_strndup(&c->names, path, strlen(path));
    f->rel = zhs_arena_strndup(&c->names, rel, strlen(rel));
    if (!f->path || !f->rel) return nomem(err, path);
    f->size = (uint64_t)st->st_size;
    f->root = c->walk_root;
    f->rel_skip = c->rel_skip;
    f->root_is_file = !S_ISDIR(root_st_mode(c));
    f->mtime_ns = (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
    f->kind = kind;
    f->gz = gz;
    c->nfiles++;
    c->total_bytes += f->size;
    return ZHS_OK;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void free_names(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++) free(names[i]);
    free(names);
}

/* The sorted entry names of the directory w->path; NULL with *n = 0 when
** it cannot be read (warned) or is empty. */
static int list_dir(walker *w, char ***out, size_t *n, zhs_error *err)
{
    *out = NULL;
    *n = 0;
    const char *dirpath = zhs_buf_cstr(&w->path);
    DIR *dir = opendir(dirpath);
    if (!dir) {
        corpus_skip(w->c, &w->c->stats.skipped_error, dirpath, "cannot open directory: %s",
                    strerror(errno));
        return ZHS_OK;
    }
    char **names = NULL;
    size_t count = 0, cap = 0;
    bool oom = false;
    int e_read = 0;
    for (;;) {
        errno = 0;
        struct dirent *e = readdir(dir);
        if (!e) {
            e_read = errno;
            break;
        }
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        if (count == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            char **v = realloc(names, ncap * sizeof *v);
            if (!v) { oom = true; break; }
            names = v;
            cap = ncap;
        }
        if (!(names[count] = strdup(e->d_name))) { oom = true; break; }
        count++;
    }
    closedir(dir);
    if (oom) {
        free_names(names, count);
        return nomem(err, dirpath);
    }
    if (e_read)
        corpus_warn(w->c, dirpath, "directory only partly read: %s", strerror(e_read));
    if (count > 1) qsort(names, count, sizeof *names, cmp_names);
    *out = names;
    *n = count;
    return ZHS_OK;
}

static bool on_path(const walker *w, const struct stat *st)
{
    for (size_t i = 0; i <= w->depth; i++)
        if (w->stack[i].dev == st->st_dev && w->stack[i].ino == st->st_ino) return true;
    return false;
}

static int walk_dir(walker *w, zhs_error *err);

/* One entry of a directory: w->path and w->rel already name it. */
static int walk_entry(walker *w, zhs_error *err)
{
    zhs_corpus *c = w->c;
    const char *path = zhs_buf_cstr(&w->path);
    struct stat st;
    if (stat(path, &st) != 0) {
        corpus_skip(c, &c->stats.skipped_error, path, "cannot read: %s", strerror(errno));
        return ZHS_OK;
    }
    if (S_ISREG(st.st_mode)) return add_file(c, path, zhs_buf_cstr(&w->rel), &st, err);
    if (!S_ISDIR(st.st_mode)) {
        corpus_skip(c, &c->stats.skipped_type, path, "not a regular file: skipped");
        return ZHS_OK;
    }
    if (w->depth + 1 > CORPUS_MAX_DEPTH) {
        corpus_skip(c, &c->stats.skipped_error, path,
                    "directory nested more than %d levels deep: skipped", CORPUS_MAX_DEPTH);
        return ZHS_OK;
    }
    if (on_path(w, &st)) {
        corpus_skip(c, &c->stats.skipped_error, path,
                    "symbolic link loop (the directory contains itself): skipped");
        return ZHS_OK;
    }
    w->depth++;
    w->stack[w->depth].dev = st.st_dev;
    w->stack[w->depth].ino = st.st_ino;
    int rc = walk_dir(w, err);
    w->depth--;
    return rc;
}

static int walk_dir(walker *w, zhs_error *err)
{
    char **names;
    size_t n;
    int rc = list_dir(w, &names, &n, err);
    size_t path_len = w->path.len, rel_len = w->rel.len;
    for (size_t i = 0; i < n && !rc; i++) {
        zhs_buf_putc(&w->path, '/');
        zhs_buf_puts(&w->path, names[i]);
        if (w->rel.len) zhs_buf_putc(&w->rel, '/');
        zhs_buf_puts(&w->rel, names[i]);
        rc = w->path.oom || w->rel.oom ? nomem(err, names[i]) : walk_entry(w, err);
        w->path.len = path_len;
        w->path.data[path_len] = 0;
        w->rel.len = rel_len;
        if (w->rel.data) w->rel.data[rel_len] = 0;
    }
    free_names(names, n);
    return rc;
}

int corpus_walk(zhs_corpus *c, const char *path, const char *id_root, zhs_error *err)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        corpus_skip(c, &c->stats.skipped_error, path, "cannot read: %s", strerror(errno));
        return ZHS_OK;
    }
    /* the root as given, without trailing slashes: what an index's file
    ** table records its files under */
    size_t rl = strlen(path);
    while (rl > 1 && path[rl - 1] == '/') rl--;
    c->walk_root = zhs_arena_strndup(&c->names, path, rl);
    if (!c->walk_root) return nomem(err, path);
    c->walk_root_mode = st.st_mode;
    if (!S_ISDIR(st.st_mode)) {
        if (!S_ISREG(st.st_mode)) {
            corpus_skip(c, &c->stats.skipped_type, path, "not a regular file: skipped");
            return ZHS_OK;
        }
        return add_file(c, path, path, &st, err);
    }
    walker w;
    memset(&w, 0, sizeof w);
    w.c = c;
    zhs_buf_init(&w.path);
    zhs_buf_init(&w.rel);
    size_t n = strlen(path);
    while (n > 1 && path[n - 1] == '/') n--;
    zhs_buf_append(&w.path, path, n);
    zhs_buf_reset(&w.rel);
    /* With several folders given, ids start with id_root, the folder's
    ** name (reader.c root_id_name), so that two roots holding the same
    ** relative path give different ids (one folder keeps the ids it
    ** always had). */
    if (id_root) {
        zhs_buf_puts(&w.rel, id_root);
        c->rel_skip = w.rel.len + 1;
    } else {
        c->rel_skip = 0;
    }
    w.stack[0].dev = st.st_dev;
    w.stack[0].ino = st.st_ino;
    int rc = w.path.oom ? nomem(err, path) : walk_dir(&w, err);
    zhs_buf_free(&w.path);
    zhs_buf_free(&w.rel);
    return rc;
}
