/*
** snapshot.c — the index the server answers from, and its replacement.
**
** A writer publishes a new version by renaming a new MANIFEST over the old
** one (docs/FORMAT.md), then removes the old generation's files.  A
** watcher thread stats MANIFEST every reload_ms; when its inode, size or
** mtime differ from the version opened, it opens the new version (checksums
** verified, outside the lock, so requests go on meanwhile) and swaps it in.
** Requests hold a reference on the snapshot they started on: the old one
** is closed when the last of them finishes.  Its files may already be
** unlinked by then, which is fine because they are mapped or open.
**
** Per snapshot, one slot per request thread: an analyzer each (not
** thread-safe), and for Xapian an index handle each (a Xapian::Database is
** not thread-safe either); a native handle is shared by all slots.  Xapian
** handles are opened up front, because the files they read may be removed
** once a newer version is published.
*/
#include "server.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static void snapshot_free(srv_snapshot *s)
{
    if (!s) return;
    for (size_t i = 0; i < s->nslots; i++) {
        zhs_analyzer_close(s->slots[i].an);
        if (s->slots[i].ix != s->shared) zhs_index_close(s->slots[i].ix);
    }
    zhs_index_close(s->shared);
    free(s->slots);
    free(s);
}

static int snapshot_open(srv_snapshot **out, const char *dir, size_t nslots, zhs_error *err)
{
    *out = NULL;
    double t0 = zhs_now();
    srv_snapshot *s = calloc(1, sizeof *s);
    if (!s || !(s->slots = calloc(nslots, sizeof *s->slots))) {
        free(s);
        return zhs_fail(err, ZHS_ENOMEM, "out of memory opening %s", dir);
    }
    s->nslots = nslots;
    zhs_index *first;
    if (zhs_index_open(&first, dir, err)) goto fail;
    zhs_index_info_get(first, &s->info);
    if (s->info.shareable) s->shared = first;   /* else one handle per thread slot */
    else s->slots[0].ix = first;
    for (size_t i = 0; i < nslots; i++) {
        if (s->shared) s->slots[i].ix = s->shared;
        else if (i > 0 && zhs_index_open(&s->slots[i].ix, dir, err)) goto fail;
        if (s->slots[i].ix) {
            zhs_index_info info;
            zhs_index_info_get(s->slots[i].ix, &info);
            /* A replacement between two opens would mix versions in one
            ** snapshot; the watcher simply tries again. */
            if (info.generation != s->info.generation) {
                zhs_fail(err, ZHS_EIO, "%s changed while it was being opened: trying again", dir);
                goto fail;
            }
        }
        if (zhs_index_open_analyzer(&s->slots[i].an, s->slots[i].ix, err)) goto fail;
    }
    snprintf(s->analyzer, sizeof s->analyzer, "%s", s->info.analyzer ? s->info.analyzer : "");
    s->info.analyzer = s->analyzer;
    s->nfree = nslots;
    s->refs = 1;
    s->opened_at = zhs_now();
    s->open_seconds = s->opened_at - t0;
    *out = s;
    return ZHS_OK;
fail:
    snapshot_free(s);
    return err->code;
}

/* Drops a reference with x->mu held; returns the snapshot to free (outside
** the lock: closing unmaps files) or NULL. */
static srv_snapshot *unref_locked(srv_snapshot *s)
{
    return --s->refs == 0 ? s : NULL;
}

static bool same_file(const struct stat *a, const struct stat *b)
{
    return a->st_ino == b->st_ino && a->st_dev == b->st_dev && a->st_size == b->st_size &&
           a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

void srv_index_poll(srv_index *x)
{
    char path[ZHS_PATH_MAX];
    struct stat st;
    bool exists = zhs_path_join(path, sizeof path, x->dir, "MANIFEST") && stat(path, &st) == 0;
    pthread_mutex_lock(&x->mu);
    bool changed = !x->cur || !exists || !x->seen_valid || !same_file(&st, &x->seen);
    bool have = x->cur != NULL;
    pthread_mutex_unlock(&x->mu);
    /* A MANIFEST that vanished while a snapshot is open: keep serving the
    ** open one (a rebuild into a fresh directory is under way, or someone
    ** removed the index; either way the old answers are still right). */
    if (!changed || (!exists && have)) return;

    srv_snapshot *s;
    zhs_error e;
    zhs_error_clear(&e);
    int rc = snapshot_open(&s, x->dir, x->nslots, &e);
    srv_snapshot *old = NULL;
    pthread_mutex_lock(&x->mu);
    if (rc == ZHS_OK) {
        old = x->cur ? unref_locked(x->cur) : NULL;
        if (x->cur) x->reloads++;
        x->cur = s;
        x->seen = st;
        x->seen_valid = exists;
        zhs_error_clear(&x->last_error);
    } else {
        if (x->cur) x->failed_reloads++;
        /* Log a failure once, not on every tick. */
        if (strcmp(x->last_error.message, e.message) != 0)
            fprintf(stderr, "zhs serve: %s%s\n", e.message, x->cur ? " (still serving the version already open)" : "");
        x->last_error = e;
    }
    pthread_mutex_unlock(&x->mu);
    if (old) snapshot_free(old);
}

static void *watch(void *arg)
{
    srv_index *x = arg;
    pthread_mutex_lock(&x->mu);
    while (!x->stop) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_nsec += (long)(x->reload_ms % 1000) * 1000000L;
        ts.tv_sec += x->reload_ms / 1000 + ts.tv_nsec / 1000000000L;
        ts.tv_nsec %= 1000000000L;
        pthread_cond_timedwait(&x->wake, &x->mu, &ts);
        if (x->stop) break;
        pthread_mutex_unlock(&x->mu);
        srv_index_poll(x);
        pthread_mutex_lock(&x->mu);
    }
    pthread_mutex_unlock(&x->mu);
    return NULL;
}

/* Condition variables on the monotonic clock, so that setting the wall
** clock neither stalls nor hurries the watcher or a waiting request. */
static int init_cond(pthread_cond_t *c)
{
    pthread_condattr_t a;
    if (pthread_condattr_init(&a)) return -1;
    pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
    int rc = pthread_cond_init(c, &a);
    pthread_condattr_destroy(&a);
    return rc;
}

int srv_index_start(srv_index *x, const char *dir, size_t nslots, unsigned reload_ms, unsigned slot_wait_ms,
                    zhs_error *err)
{
    memset(x, 0, sizeof *x);
    if (strlen(dir) > ZHS_DIR_MAX)
        return zhs_fail(err, ZHS_EINVAL, "the index path is %zu bytes long, over the limit of %d: give a shorter path",
                        strlen(dir), ZHS_DIR_MAX);
    snprintf(x->dir, sizeof x->dir, "%s", dir);
    x->nslots = nslots ? nslots : 1;
    x->reload_ms = reload_ms ? reload_ms : 500;
    x->slot_wait_ms = slot_wait_ms;
    if (pthread_mutex_init(&x->mu, NULL) || init_cond(&x->slot_freed) || init_cond(&x->wake))
        return zhs_fail(err, ZHS_EINTERNAL, "cannot create the server's locks");
    srv_index_poll(x);
    int rc = pthread_create(&x->watcher, NULL, watch, x);
    if (rc) return zhs_fail(err, ZHS_EINTERNAL, "cannot start the index watcher thread: %s", strerror(rc));
    x->watcher_running = true;
    return ZHS_OK;
}

void srv_index_stop(srv_index *x)
{
    pthread_mutex_lock(&x->mu);
    x->stop = true;
    pthread_cond_broadcast(&x->wake);
    pthread_mutex_unlock(&x->mu);
    if (x->watcher_running) pthread_join(x->watcher, NULL);
    x->watcher_running = false;
    srv_snapshot *s = x->cur;
    x->cur = NULL;
    if (s && unref_locked(s)) snapshot_free(s);
    pthread_cond_destroy(&x->wake);
    pthread_cond_destroy(&x->slot_freed);
    pthread_mutex_destroy(&x->mu);
}

int srv_index_acquire(srv_index *x, srv_lease *l, zhs_error *err)
{
    l->snap = NULL;
    l->slot = NULL;
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_nsec += (long)(x->slot_wait_ms % 1000) * 1000000L;
    until.tv_sec += x->slot_wait_ms / 1000 + until.tv_nsec / 1000000000L;
    until.tv_nsec %= 1000000000L;
    pthread_mutex_lock(&x->mu);
    int rc = ZHS_OK;
    for (;;) {
        srv_snapshot *s = x->cur;
        if (!s) {
            rc = zhs_fail(err, ZHS_ENOTFOUND, "the index cannot be opened: %s",
                          x->last_error.message[0] ? x->last_error.message : "not opened yet");
            break;
        }
        if (s->nfree > 0) {
            for (size_t i = 0; i < s->nslots; i++)
                if (!s->slots[i].busy) {
                    l->slot = &s->slots[i];
                    break;
                }
            l->slot->busy = true;
            s->nfree--;
            s->refs++;
            l->snap = s;
            break;
        }
        /* Only when more requests run than the thread pool has threads
        ** (it cannot with one slot per thread, but a bound costs nothing). */
        if (pthread_cond_timedwait(&x->slot_freed, &x->mu, &until) == ETIMEDOUT) {
            rc = zhs_fail(err, ZHS_EIO, "every index handle is busy: try again");
            break;
        }
    }
    pthread_mutex_unlock(&x->mu);
    return rc;
}

void srv_index_release(srv_index *x, srv_lease *l)
{
    if (!l->snap) return;
    pthread_mutex_lock(&x->mu);
    l->slot->busy = false;
    l->snap->nfree++;
    srv_snapshot *dead = unref_locked(l->snap);
    pthread_cond_broadcast(&x->slot_freed);
    pthread_mutex_unlock(&x->mu);
    if (dead) snapshot_free(dead);
    l->snap = NULL;
    l->slot = NULL;
}
