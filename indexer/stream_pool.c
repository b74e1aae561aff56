/*
** stream_pool.c — the memory of a shard's posting streams (invert.c).
**
** A laws build grows ~330,000 streams by doubling, 16 bytes up, to about
** 100 MB of postings.  Through malloc each growth was a realloc in the
** shard thread's glibc arena, whose heap grows a page at a time (an
** mprotect call per 4 KB: 11,000 of them) and whose every new page is a
** page fault: the streams were three quarters of the build's 56,000
** faults, each ~13 us of CPU on this kind of virtual machine (a 200 MB
** touch: ~0.9 s of 4 KB faults, 0.02-0.45 s of 2 MB ones).  The pool maps
** its own chunks, 2 MB aligned and marked for transparent huge pages
** (where the kernel does them on request: "madvise" mode), and carves
** power-of-two blocks from them; a freed block waits on its size's list
** for the next stream that grows to that size, as glibc's bins would
** reuse it.  Streams past ZHS_POOL_MAX_BLOCK are malloc's (glibc maps
** those itself and grows them with mremap, without copying).
**
** A pool is one shard's: only the thread that inverts the shard uses it.
*/
#include "indexer_int.h"

#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#define HUGE_PAGE ((size_t)2 << 20)

void zhs_pool_init(zhs_pool *p)
{
    memset(p, 0, sizeof *p);
}

static unsigned size_class(size_t cap)
{
    unsigned c = ZHS_POOL_MIN_SHIFT;
    while (((size_t)1 << c) < cap) c++;
    return c;
}

static void push_free(zhs_pool *p, uint8_t *b, unsigned c)
{
    memcpy(b, &p->free[c], sizeof p->free[c]);
    p->free[c] = b;
}

/* The current chunk's rest as free blocks, largest first, so that moving
** on to the next chunk loses nothing. */
static void carve_rest(zhs_pool *p)
{
    for (unsigned c = ZHS_POOL_MAX_SHIFT; c >= ZHS_POOL_MIN_SHIFT; c--)
        while ((size_t)(p->end - p->next) >= ((size_t)1 << c)) {
            push_free(p, p->next, c);
            p->next += (size_t)1 << c;
        }
}

/* Maps n bytes (a multiple of HUGE_PAGE) at a 2 MB boundary (a huge page
** needs one), over-mapping and unmapping the ends. */
static uint8_t *map_huge(size_t n)
{
    size_t over = n + HUGE_PAGE;
    uint8_t *m = mmap(NULL, over, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) return NULL;
    uint8_t *a = (uint8_t *)(((uintptr_t)m + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1));
    if (a > m) munmap(m, (size_t)(a - m));
    if (a + n < m + over) munmap(a + n, (size_t)(m + over - (a + n)));
#ifdef MADV_HUGEPAGE
    /* advice only: without it (THP off) the mapping is ordinary pages */
    madvise(a, n, MADV_HUGEPAGE);
#endif
    return a;
}

static uint8_t *map_chunk(void)
{
    return map_huge(ZHS_POOL_CHUNK);
}

/* A block of class c, or NULL when no chunk can be mapped. */
static uint8_t *take(zhs_pool *p, unsigned c)
{
    size_t size = (size_t)1 << c;
    if (p->free[c]) {
        uint8_t *b = p->free[c];
        memcpy(&p->free[c], b, sizeof p->free[c]);
        return b;
    }
    if (!p->next || (size_t)(p->end - p->next) < size) {
        if (p->next) carve_rest(p);
        size_t at = p->next ? p->cur + 1 : 0;   /* after a reset the chunks are used again in order */
        if (at == p->nchunks) {
            if (p->nchunks == p->chunks_cap) {
                size_t cap = p->chunks_cap ? 2 * p->chunks_cap : 16;
                uint8_t **ch = realloc(p->chunks, cap * sizeof *ch);
                if (!ch) return NULL;
                p->chunks = ch;
                p->chunks_cap = cap;
            }
            uint8_t *m = map_chunk();
            if (!m) return NULL;
            p->chunks[p->nchunks++] = m;
        }
        p->cur = at;
        p->next = p->chunks[at];
        p->end = p->next + ZHS_POOL_CHUNK;
    }
    uint8_t *b = p->next;
    p->next += size;
    return b;
}

uint8_t *zhs_pool_grow(zhs_pool *p, uint8_t *buf, size_t len, size_t cap, size_t newcap)
{
    if (newcap > ZHS_POOL_MAX_BLOCK) {
        if (cap > ZHS_POOL_MAX_BLOCK) return realloc(buf, newcap);
        uint8_t *b = malloc(newcap);
        if (!b) return NULL;
        if (len) memcpy(b, buf, len);
        if (buf) zhs_pool_release(p, buf, cap);
        return b;
    }
    /* The newest block grows where it is when the chunk has the room:
    ** no copy (a stream that grows several times in a row). */
    if (buf && p->next && buf + cap == p->next && (size_t)(p->end - buf) >= newcap) {
        p->next = buf + newcap;
        return buf;
    }
    uint8_t *b = take(p, size_class(newcap));
    if (!b) return NULL;
    if (len) memcpy(b, buf, len);
    if (buf) zhs_pool_release(p, buf, cap);
    return b;
}

void zhs_pool_release(zhs_pool *p, uint8_t *buf, size_t cap)
{
    if (!buf) return;
    if (cap > ZHS_POOL_MAX_BLOCK) free(buf);
    else push_free(p, buf, size_class(cap));
}

void zhs_pool_drop(uint8_t *buf, size_t cap)
{
    if (cap > ZHS_POOL_MAX_BLOCK) free(buf);
}

void zhs_pool_reset(zhs_pool *p)
{
    memset(p->free, 0, sizeof p->free);
    p->cur = 0;
    p->next = p->end = NULL;
}

size_t zhs_pool_carved(const zhs_pool *p)
{
    return p->next ? p->cur * ZHS_POOL_CHUNK + (size_t)(p->next - p->chunks[p->cur]) : 0;
}

void zhs_pool_free(zhs_pool *p)
{
    for (size_t i = 0; i < p->nchunks; i++) munmap(p->chunks[i], ZHS_POOL_CHUNK);
    free(p->chunks);
    zhs_pool_init(p);
}

/* The tables grow by doubling from well under a huge page: below one they
** are ordinary pages (a huge page would hold a small build's table at
** 2 MB); from one up, whole huge pages, at most one partly used. */
void *zhs_table_map(size_t bytes, size_t *mapped)
{
    *mapped = 0;
    if (bytes == 0 || bytes > SIZE_MAX - HUGE_PAGE) return NULL;
    void *p;
    size_t n;
    if (bytes >= HUGE_PAGE) {
        n = (bytes + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
        p = map_huge(n);
    } else {
        n = bytes;
        p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) p = NULL;
    }
    if (p) *mapped = n;
    return p;
}

void zhs_table_unmap(void *p, size_t mapped)
{
    if (p) munmap(p, mapped);
}
