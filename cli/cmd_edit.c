/*
** cmd_edit.c — 'zhs add' and 'zhs delete': change an index file by file,
** for scripts that know what changed, without naming the whole corpus as
** 'zhs index --update' must.  Both are one edit (zhs_writer_open_edit):
** the files not named stay as they are, and the commit is atomic.
*/
#include "cli.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct edit_ctx {
    zhs_writer *w;
    zhs_buf file;
    char **named;               /* absolute paths given: files or folders */
    char **logical;             /* the same, symbolic links not followed (logical_path) */
    bool *used;                 /* per named path: some corpus file is it or below it */
    size_t n;
} edit_ctx;

static bool below(const char *path, const char *dir)
{
    size_t n = strlen(dir);
    return strncmp(path, dir, n) == 0 && (path[n] == 0 || path[n] == '/' || (n && dir[n - 1] == '/'));
}

/* arg as an absolute path without following symbolic links: the working
** directory joined with a relative arg, then ".", "" and ".." taken out
** as written.  The corpus walk names a file under a linked folder of the
** corpus (corpus/linked -> ../shared) by the link, as the index records
** it, which realpath would leave for the folder linked to.  NULL when out
** of memory or the working directory is unknown. */
static char *logical_path(const char *arg)
{
    char cwd[ZHS_PATH_MAX];
    /* the shell's working directory as the user reached it (through a
    ** link: cd corpus/linked), when it is the same directory as "." */
    const char *pwd = getenv("PWD");
    struct stat a, d;
    if (arg[0] != '/' && pwd && pwd[0] == '/' && strlen(pwd) < sizeof cwd && stat(pwd, &a) == 0 &&
        stat(".", &d) == 0 && a.st_dev == d.st_dev && a.st_ino == d.st_ino)
        snprintf(cwd, sizeof cwd, "%s", pwd);
    else if (arg[0] != '/' && !getcwd(cwd, sizeof cwd))
        return NULL;
    size_t len = (arg[0] == '/' ? 0 : strlen(cwd)) + strlen(arg) + 2;
    char *joined = malloc(len), *out = malloc(len);
    if (!joined || !out) {
        free(joined);
        free(out);
        return NULL;
    }
    snprintf(joined, len, "%s/%s", arg[0] == '/' ? "" : cwd, arg);
    size_t o = 0;
    for (char *p = joined; *p;) {
        while (*p == '/') p++;
        char *e = p;
        while (*e && *e != '/') e++;
        size_t n = (size_t)(e - p);
        if (n == 2 && p[0] == '.' && p[1] == '.') {
            while (o > 0 && out[o - 1] != '/') o--;
            if (o > 0) o--;
        } else if (n && !(n == 1 && p[0] == '.')) {
            out[o++] = '/';
            memcpy(out + o, p, n);
            o += n;
        }
        p = e;
    }
    if (o == 0) out[o++] = '/';
    out[o] = 0;
    free(joined);
    return out;
}

/* Reads only the files named (or below a named folder). */
static int on_file(void *vctx, const zhs_corpus_file *f, zhs_error *err)
{
    edit_ctx *c = vctx;
    bool take = false;
    for (size_t i = 0; i < c->n; i++)
        if (below(f->path, c->named[i]) || (c->logical[i] && below(f->path, c->logical[i])))
            take = c->used[i] = true;
    return take ? cli_writer_source(c->w, &c->file, f, err) : 0;
}

/* The index's analyzer, for an edit: passages are analysed as it was built. */
static int open_edit(zhs_writer **w, zhs_analyzer **an, const char *dir, zhs_error *err)
{
    zhs_index *ix = NULL;
    int rc = zhs_index_open(&ix, dir, err);
    if (rc == ZHS_OK) rc = zhs_index_open_analyzer(an, ix, err);
    zhs_index_close(ix);
    if (rc == ZHS_OK) rc = zhs_writer_open_edit(w, dir, *an, NULL, err);
    return rc;
}

/* Commits, lets the merge policy bound the segments, and says what was done. */
static int finish(zhs_writer **w, zhs_analyzer *an, const char *dir, bool quiet, double t0, zhs_error *err)
{
    if (zhs_writer_commit(*w, err)) return err->code;
    zhs_update_counts uc;
    zhs_writer_update_counts(*w, &uc);
    zhs_writer_close(*w);       /* its lock: the merge takes it */
    *w = NULL;
    unsigned merged = 0;
    if (zhs_index_merge(dir, an, NULL, &merged, err)) return err->code;
    if (!quiet) {
        printf("%s: %llu added, %llu changed, %llu deleted, %llu unchanged files; %llu passages added, "
               "%llu deleted; %u segments in %.2f s\n", dir, (unsigned long long)uc.added,
               (unsigned long long)uc.changed, (unsigned long long)uc.deleted, (unsigned long long)uc.unchanged,
               (unsigned long long)uc.passages_added, (unsigned long long)uc.passages_deleted, uc.segments,
               zhs_now() - t0);
        if (merged) printf("merged %u segments\n", merged);
    }
    return ZHS_OK;
}

static bool is_jsonl(const char *path)
{
    size_t n = strlen(path);
    return (n >= 6 && !strcmp(path + n - 6, ".jsonl")) || (n >= 9 && !strcmp(path + n - 9, ".jsonl.gz"));
}

static void free_strings(char **v, size_t n)
{
    if (!v) return;
    for (size_t i = 0; i < n; i++) free(v[i]);
    free(v);
}

static const char add_help[] =
    "usage: zhs add INDEX FILE...\n"
    "Indexes FILEs (files or folders inside the corpus folders INDEX was built from)\n"
    "into INDEX: new files are added, changed ones replace their old passages,\n"
    "unchanged ones are left; every other file of the index stays as it is.  A JSONL\n"
    "record replaces any passage of the index with the same id.\n"
    "  -q, --quiet           print nothing but errors\n";

int cmd_add(int argc, char **argv)
{
    const char *dir = NULL;
    bool quiet = false;
    edit_ctx c;
    memset(&c, 0, sizeof c);
    c.named = calloc((size_t)argc + 1, sizeof *c.named);
    c.logical = calloc((size_t)argc + 1, sizeof *c.logical);
    c.used = calloc((size_t)argc + 1, sizeof *c.used);
    char **ids = NULL;
    size_t nids = 0, capids = 0;
    if (!c.named || !c.logical || !c.used) {
        free(c.named);
        free(c.logical);
        free(c.used);
        fputs("zhs: out of memory\n", stderr);
        return CLI_ERR;
    }
    int status = CLI_ERR;
    zhs_error err = {0};
    zhs_analyzer *an = NULL;
    zhs_corpus *corpus = NULL;
    zhs_buf_init(&c.file);
    double t0 = zhs_now();
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(add_help, stdout);
            status = CLI_OK;
            goto out;
        } else if (cli_opt_flag(argv, i, "-q") || cli_opt_flag(argv, i, "--quiet")) {
            quiet = true;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            cli_usage_error("add", "unknown option %s", argv[i]);
            goto out;
        } else if (!dir) {
            dir = argv[i];
        } else if (!(c.named[c.n] = realpath(argv[i], NULL))) {
            fprintf(stderr, "zhs add: %s: %s: give existing files or folders\n", argv[i], strerror(errno));
            goto out;
        } else {
            c.logical[c.n] = logical_path(argv[i]);
            c.n++;
        }
    }
    if (!dir || !c.n) {
        cli_usage_error("add", "give the INDEX and at least one FILE");
        goto out;
    }
    if (open_edit(&c.w, &an, dir, &err)) goto fail;
    const char *const *roots;
    size_t nroots = zhs_writer_roots(c.w, &roots);
    /* A file outside the corpus folders has no id the index could keep
    ** (ids are paths below a root): refuse it rather than guess. */
    for (size_t i = 0; i < c.n; i++) {
        bool inside = false;
        for (size_t r = 0; r < nroots && !inside; r++)
            inside = below(c.named[i], roots[r]) || below(roots[r], c.named[i]) ||
                     (c.logical[i] && (below(c.logical[i], roots[r]) || below(roots[r], c.logical[i])));
        if (!inside) {
            zhs_buf b;
            zhs_buf_init(&b);
            for (size_t r = 0; r < nroots; r++) zhs_buf_printf(&b, "%s%s", r ? ", " : "", roots[r]);
            fprintf(stderr, "zhs add: %s is outside the corpus of %s (%s): put it in one of those folders, "
                    "or rebuild with 'zhs index --replace' naming all the folders\n", c.named[i], dir,
                    b.len ? zhs_buf_cstr(&b) : "no files recorded");
            zhs_buf_free(&b);
            goto out;
        }
    }
    zhs_corpus_options co = ZHS_CORPUS_OPTIONS_INIT;
    if (zhs_corpus_open(&corpus, roots, nroots, &co, &err)) goto fail;
    zhs_corpus_set_filter(corpus, on_file, &c);
    for (;;) {
        const zhs_document *doc;
        int rc = zhs_corpus_next(corpus, &doc, &err);
        if (rc == ZHS_DONE) break;
        if (rc) goto fail;
        bool records = is_jsonl(doc->path);
        for (size_t i = 0; i < doc->npassages; i++) {
            if (zhs_writer_add(c.w, &doc->passages[i], &err)) goto fail;
            /* a record's id names it wherever it was before: collect them */
            if (!records || (nids && !strcmp(ids[nids - 1], doc->passages[i].id))) continue;
            if (nids == capids) {
                size_t cap = capids ? capids * 2 : 64;
                char **v = realloc(ids, cap * sizeof *v);
                if (!v) goto oom;
                ids = v;
                capids = cap;
            }
            if (!(ids[nids] = strdup(doc->passages[i].id))) goto oom;
            nids++;
        }
    }
    for (size_t i = 0; i < c.n; i++)
        if (!c.used[i]) {
            fprintf(stderr, "zhs add: %s holds no corpus file (.md, .txt, .jsonl, each also .gz): nothing "
                    "was changed\n", c.named[i]);
            goto out;
        }
    if (zhs_writer_delete_ids(c.w, (const char *const *)ids, nids, NULL, &err)) goto fail;
    if (finish(&c.w, an, dir, quiet, t0, &err)) goto fail;
    status = CLI_OK;
    goto out;
oom:
    zhs_fail(&err, ZHS_ENOMEM, "out of memory adding to %s", dir);
fail:
    status = cli_error(&err);
out:
    zhs_corpus_close(corpus);
    zhs_writer_close(c.w);      /* without a commit: the index is as it was */
    zhs_analyzer_close(an);
    zhs_buf_free(&c.file);
    free_strings(c.named, c.n);
    free_strings(c.logical, c.n);
    free(c.used);
    free_strings(ids, nids);
    return status;
}

static const char delete_help[] =
    "usage: zhs delete INDEX PATH|ID...\n"
    "Deletes from INDEX the passages of each PATH (a file or folder of its corpus,\n"
    "as a path that exists or as the path below its corpus folder, which need not\n"
    "exist any more; a folder, or a path ending in /, takes every file below it) and\n"
    "each passage whose id is ID (\"regulations/x.md#第八条\", a JSONL record's id);\n"
    "what names no file and no id is tried as a folder gone from disk.\n"
    "An argument that names nothing is an error, and nothing is deleted.\n"
    "  -q, --quiet           print nothing but errors\n";

/* The absolute path of arg, a relative path that no longer exists (a
** folder removed from disk: 'zhs delete IDX sb' after 'rm -rf sb'): the
** working directory joined with it, trailing '/' and leading "./" dropped;
** NULL when that fails. */
static char *gone_path(const char *arg)
{
    char cwd[ZHS_PATH_MAX];
    if (!getcwd(cwd, sizeof cwd)) return NULL;
    while (arg[0] == '.' && arg[1] == '/') arg += 2;
    size_t n = strlen(arg);
    while (n > 1 && arg[n - 1] == '/') n--;
    size_t len = strlen(cwd) + n + 2;
    char *p = malloc(len);
    if (p) snprintf(p, len, "%s/%.*s", cwd, (int)n, arg);
    return p;
}

/* Deletes the recorded file or folder arg names: an existing path at or
** below a root, a path below a root as recorded (it may be gone from
** disk), or an absolute path below a root.  A path that exists is read
** only as itself, never as a path below another root.  ZHS_ENOTFOUND
** (err clear) when it names no recorded file. */
static int delete_file(zhs_writer *w, const char *arg, const char *const *roots, size_t nroots, zhs_error *err)
{
    char *abs = realpath(arg, NULL);
    bool real = abs != NULL;
    /* a file under a linked folder of the corpus, named through the link */
    char *logi = real ? logical_path(arg) : NULL;
    if (!abs && arg[0] != '/') abs = gone_path(arg);
    /* a folder (every file below it) when it is one on disk, is written
    ** with a trailing '/', or is a root: never an id that merely looks
    ** like a folder's name (a record "2021" beside a folder 2021/) */
    struct stat st;
    size_t al = strlen(arg);
    bool folder = (real && stat(abs, &st) == 0 && S_ISDIR(st.st_mode)) || (al && arg[al - 1] == '/');
    bool tried_real = false;
    zhs_buf rel = {0};
    int rc = ZHS_ENOTFOUND;
    for (int pass = 0; pass < 2 && rc == ZHS_ENOTFOUND; pass++)
        for (size_t r = 0; r < nroots && rc == ZHS_ENOTFOUND; r++) {
            const char *p = NULL;
            size_t rl = strlen(roots[r]);
            if (pass == 0) {
                if (abs && below(abs, roots[r])) p = abs[rl] == '/' ? abs + rl + 1 : abs + rl;
                else if (arg[0] == '/' && below(arg, roots[r])) p = arg[rl] == '/' ? arg + rl + 1 : arg + rl;
                else if (logi && below(logi, roots[r])) p = logi[rl] == '/' ? logi + rl + 1 : logi + rl;
                if (p && real) tried_real = true;
            } else if (!tried_real && arg[0] != '/') {
                p = arg;    /* the path below a root as recorded (it may be gone from disk) */
            }
            if (!p) continue;
            zhs_buf_reset(&rel);
            zhs_buf_puts(&rel, p);
            if (folder && rel.len && rel.data[rel.len - 1] != '/') zhs_buf_putc(&rel, '/');
            if (rel.oom) {
                rc = zhs_fail(err, ZHS_ENOMEM, "out of memory deleting %s", arg);
                break;
            }
            zhs_error e = {0};
            rc = zhs_writer_delete_source(w, roots[r], zhs_buf_cstr(&rel), &e);
            if (rc && rc != ZHS_ENOTFOUND) *err = e;
        }
    zhs_buf_free(&rel);
    free(abs);
    free(logi);
    return rc;
}

/* The root below which arg is a folder on disk, or NULL. */
static const char *folder_below(const char *arg, const char *const *roots, size_t nroots)
{
    struct stat st;
    char path[ZHS_PATH_MAX];
    for (size_t r = 0; r < nroots; r++)
        if ((size_t)snprintf(path, sizeof path, "%s/%s", roots[r], arg) < sizeof path && stat(path, &st) == 0 &&
            S_ISDIR(st.st_mode))
            return roots[r];
    return NULL;
}

/* Whether arg exists neither from the working directory nor below any
** root: only then may it name a folder gone from disk (a folder still
** there is never taken for an id that failed: 2021 beside 2021/). */
static bool gone_everywhere(const char *arg, const char *const *roots, size_t nroots)
{
    struct stat st;
    if (stat(arg, &st) == 0) return false;
    char path[4096];
    for (size_t r = 0; r < nroots; r++)
        if ((size_t)snprintf(path, sizeof path, "%s/%s", roots[r], arg) < sizeof path && stat(path, &st) == 0)
            return false;
    return true;
}

int cmd_delete(int argc, char **argv)
{
    const char *dir = NULL;
    bool quiet = false;
    const char **args = calloc((size_t)argc + 1, sizeof *args);
    const char **ids = calloc((size_t)argc + 1, sizeof *ids);
    unsigned char *found = calloc((size_t)argc + 1, 1);
    size_t nargs = 0, nids = 0;
    int status = CLI_ERR;
    zhs_error err = {0};
    zhs_analyzer *an = NULL;
    zhs_writer *w = NULL;
    double t0 = zhs_now();
    if (!args || !ids || !found) {
        fputs("zhs: out of memory\n", stderr);
        goto out;
    }
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(delete_help, stdout);
            status = CLI_OK;
            goto out;
        } else if (cli_opt_flag(argv, i, "-q") || cli_opt_flag(argv, i, "--quiet")) {
            quiet = true;
        } else if (cli_is_option(argv[i])) {
            cli_usage_error("delete", "unknown option %s", argv[i]);
            goto out;
        } else if (!dir) {
            dir = argv[i];
        } else {
            args[nargs++] = argv[i];
        }
    }
    if (!dir || !nargs) {
        cli_usage_error("delete", "give the INDEX and at least one PATH or ID");
        goto out;
    }
    if (open_edit(&w, &an, dir, &err)) goto fail;
    const char *const *roots;
    size_t nroots = zhs_writer_roots(w, &roots);
    /* a path first (an id holds '#', a path seldom does), else an id */
    for (size_t i = 0; i < nargs; i++) {
        int rc = delete_file(w, args[i], roots, nroots, &err);
        if (rc == ZHS_ENOTFOUND) ids[nids++] = args[i];
        else if (rc) goto fail;
    }
    if (zhs_writer_delete_ids(w, ids, nids, found, &err)) goto fail;
    for (size_t i = 0; i < nids; i++) {
        if (found[i]) continue;
        /* neither a file nor an id: a folder gone from disk, written
        ** without its trailing '/' (zhs delete IDX sub after rm -rf sub) */
        size_t l = strlen(ids[i]);
        char *dirarg = l && ids[i][l - 1] != '/' && !strchr(ids[i], '#') && gone_everywhere(ids[i], roots, nroots)
                           ? malloc(l + 2)
                           : NULL;
        int rc = ZHS_ENOTFOUND;
        if (dirarg) {
            memcpy(dirarg, ids[i], l);
            memcpy(dirarg + l, "/", 2);
            rc = delete_file(w, dirarg, roots, nroots, &err);
            free(dirarg);
        }
        if (rc == ZHS_OK) continue;
        if (rc != ZHS_ENOTFOUND) goto fail;
        /* a folder below a root, named from outside it: not taken for
        ** the id that failed (2021 beside 2021/), but said */
        const char *root = folder_below(ids[i], roots, nroots);
        if (root)
            fprintf(stderr, "zhs delete: %s names no file or passage of %s, and %s/%s is a folder: write %s/ "
                    "to delete every file below it; nothing was deleted\n", ids[i], dir, root, ids[i], ids[i]);
        else
            fprintf(stderr, "zhs delete: %s names no file, folder or passage of %s: nothing was deleted "
                    "('zhs search --json' shows passage ids)\n", ids[i], dir);
        goto out;
    }
    if (finish(&w, an, dir, quiet, t0, &err)) goto fail;
    status = CLI_OK;
    goto out;
fail:
    status = cli_error(&err);
out:
    zhs_writer_close(w);
    zhs_analyzer_close(an);
    free(args);
    free(ids);
    free(found);
    return status;
}
