/*
** paths.c — path joining, recursive removal and size: the helpers every
** stage had its own copy of.
*/
#include "common.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

bool zhs_path_join(char *out, size_t n, const char *dir, const char *name)
{
    int k = snprintf(out, n, "%s/%s", dir, name);
    return k >= 0 && (size_t)k < n;
}

/* Index directories are at most two levels deep (a Xapian database, a
** build's scratch); the limit only stops a runaway on a hostile tree. */
enum { MAX_DEPTH = 32 };

/* Calls fn on every entry of directory path but . and ..; stops at the
** first call that returns non-zero and returns it (-1 with errno when the
** directory cannot be read). */
static int each_child(const char *path, int (*fn)(const char *child, void *ctx), void *ctx)
{
    DIR *d = opendir(path);
    if (!d) return -1;
    int rc = 0;
    struct dirent *e;
    size_t plen = strlen(path);
    while (rc == 0 && (e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        size_t n = plen + strlen(e->d_name) + 2;
        char *child = malloc(n);
        if (!child) {
            errno = ENOMEM;
            rc = -1;
            break;
        }
        zhs_path_join(child, n, path, e->d_name);
        rc = fn(child, ctx);
        free(child);
    }
    int saved = errno;
    closedir(d);
    errno = saved;
    return rc;
}

typedef struct walk {
    int depth;
    uint64_t bytes;
} walk;

static int remove_at(const char *path, void *ctx)
{
    walk *w = ctx;
    struct stat st;
    if (lstat(path, &st) != 0) return errno == ENOENT ? 0 : -1;
    if (!S_ISDIR(st.st_mode)) return unlink(path) == 0 || errno == ENOENT ? 0 : -1;
    if (w->depth >= MAX_DEPTH) {
        errno = ELOOP;
        return -1;
    }
    walk sub = {w->depth + 1, 0};
    if (each_child(path, remove_at, &sub) != 0) return -1;
    return rmdir(path) == 0 || errno == ENOENT ? 0 : -1;
}

int zhs_path_remove(const char *path)
{
    walk w = {0, 0};
    return remove_at(path, &w);
}

static int size_at(const char *path, void *ctx)
{
    walk *w = ctx;
    struct stat st;
    if (lstat(path, &st) != 0) return 0;
    if (S_ISREG(st.st_mode)) w->bytes += (uint64_t)st.st_size;
    if (!S_ISDIR(st.st_mode) || w->depth >= MAX_DEPTH) return 0;
    walk sub = {w->depth + 1, 0};
    each_child(path, size_at, &sub);
    w->bytes += sub.bytes;
    return 0;
}

uint64_t zhs_path_size(const char *path)
{
    walk w = {0, 0};
    size_at(path, &w);
    return w.bytes;
}
