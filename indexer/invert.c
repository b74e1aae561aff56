/*
** invert.c — passages' terms become posting streams, split by term over
** shards that invert in threads of their own.
**
** A term belongs to the shard its hash falls to, so each shard owns a
** disjoint set of terms, with its own table, posting streams, RAM budget
** (an equal share of the build's) and runs.  The caller's thread hashes
** each passage's terms and appends each to its shard's batch (the term's
** hash, key and position; a passage record per shard); a full batch goes
** to the shard's thread.  Every shard sees the passages in order and,
** for each of its terms, the tokens in passage order, so every term's
** stream is the one a single table would have built.  At commit each shard
** sorts its terms and encodes them (blocks, skips, positions: the bulk of
** writing a segment) in its thread, from memory or from its runs merged,
** and hands the encoded terms over in blocks (handoff.c); the caller merges
** them by key as they come and only copies bytes and writes the
** dictionary.  The segment is byte for byte
** that of a one-thread build, however the budget cut the runs.
**
** With one shard, or when a shard's thread cannot be started (then the
** build falls back to one shard), the caller inverts the batches itself as
** they fill.
**
** Why not invert whole batches of passages in the analysis workers: the
** terms of two workers would then interleave by passage within a term,
** and every term would need a merge by document at the end; split by
** term, the shards never share a term and the end is a merge of keys.
**
** Memory: the shards' posting streams and keys stay within the RAM
** budget together; on top of it each shard holds at most RING batches of
** BATCH_TOKENS tokens (docs/ARCHITECTURE.md states the constant).
*/
#include "indexer_int.h"
#include "terms.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define BATCH_TOKENS 16384
#define RING 2

/* A token on its way to its shard; the key is in the batch's keys. */
typedef struct sh_tok {
    uint64_t h;
    uint32_t key_off, len, pos;
} sh_tok;

/* A passage as one shard sees it: its title tokens (sent only when the
** title changed: the shard keeps them), then its body tokens. */
typedef struct sh_doc {
    uint32_t doc;
    uint32_t ntitle, n;         /* tokens of the batch from the previous doc's end */
    bool title_changed;
} sh_doc;

typedef struct sh_batch {
    sh_doc *docs;
    size_t ndocs, docs_cap;
    sh_tok *toks;
    size_t ntoks, toks_cap;
    zhs_buf keys;
} sh_batch;

/* Per-term accumulator. */
typedef struct term_acc {
    uint64_t kw;                /* load_word of the key: the whole key up to 8 bytes */
    uint32_t key_off;           /* in keys */
    uint32_t keylen;
    uint32_t last_doc1;         /* last passage with this term + 1, 0: none */
    bool pos;                   /* its stream carries positions (zhs_term_keeps_positions) */
    uint32_t doc_tf;            /* occurrences in the passage being added */
    uint32_t last_pos;
    uint8_t *buf;               /* posting stream */
    uint32_t len, cap;
} term_acc;

/* One of the distinct terms of a title, in order of first use: how often
** the title has it, and its positions there as its stream holds them
** (the first, then gaps: bytes_len bytes of the shard's tt_bytes), so
** that every passage under the title appends them at once. */
typedef struct title_term {
    uint32_t id, count, last_pos;
    uint32_t bytes_off, bytes_len;
    uint32_t fill;              /* while planning: where its next position goes */
} title_term;

typedef struct shard {
    zhs_inverter *iv;
    unsigned idx;
    size_t budget;

    /* term table: open addressing over term ids */
    term_acc *terms;
    uint32_t nterms, terms_cap;
    uint32_t *slots;            /* term id + 1; 0 = empty */
    uint32_t nslots;
    size_t terms_mapped, slots_mapped;  /* zhs_table_map's sizes of the two */
    zhs_buf keys;
    zhs_pool pool;              /* the posting streams' memory (stream_pool.c) */
    size_t mem;                 /* bytes held by posting streams + table */
    /* What flushing frees: postings buffers, keys and term entries.  The
    ** flush decision counts only this, since the hash and term tables keep
    ** their capacity after a flush (otherwise a small budget would be
    ** filled by empty tables and flush a run per passage). */
    size_t live;

    /* per passage scratch */
    uint32_t *tids;             /* term id of each token, in order */
    uint32_t *tpos;
    size_t ntids, tids_cap;
    uint32_t *touched;
    size_t ntouched, touched_cap;

    /* this shard's tokens of the current title, and their term ids (looked
    ** up once per title, and again after a flush renumbers the terms) */
    sh_tok *title;
    size_t ntitle, title_cap;
    zhs_buf title_keys;
    uint32_t *title_ids;
    size_t title_ids_cap;
    bool title_ids_valid;       /* and the plan below */
    title_term *tt;
    size_t ntt, tt_cap;
    zhs_buf tt_bytes;
    uint32_t *tt_pos;           /* the title's positions grouped by term */

    char **runs;
    size_t nruns;
    uint32_t *sorted;           /* term ids in key order, after finish */
    zhs_handoff out;            /* its terms encoded, to the segment's merge */

    /* batches by sequence number s in ring[s % RING]: done <= queued;
    ** the caller fills ring[queued % RING] */
    sh_batch ring[RING];
    uint64_t queued, done;
    sh_batch *fill;             /* ring[queued % RING] and its last passage, */
    sh_doc *fill_doc;           /* while zhs_inverter_add hands out tokens */
    bool finish;                /* no more batches: sort the terms */
    bool finished;
    zhs_seg_writer *sw;         /* set: encode the terms for it */
    bool encoded;
    pthread_t th;
    bool started;
    bool failed;
    zhs_error err;
    /* Each shard has its lock and conditions: with one for all, every
    ** batch woke every waiting shard thread (all but one back to sleep)
    ** and the shards' threads contended with each other for the lock.
    ** It guards queued, done, finish, finished, sw, encoded, failed, err
    ** and stop. */
    pthread_mutex_t mu;
    pthread_cond_t work;        /* a batch was queued, or finish, sw, stop */
    pthread_cond_t progress;    /* a batch was inverted, the terms sorted or encoded */
    bool stop;
} shard;

struct zhs_inverter {
    shard *sh;
    unsigned nsh;
    char tmpdir[ZHS_DIR_MAX + 64];
    unsigned nlocks;            /* shards whose mu, work and progress exist */
    bool locks;                 /* every shard's lock and conditions exist */
    bool word_positions;
    uint64_t *h;                /* hash_key of each of a passage's terms */
    size_t hcap;
    bool have_title;            /* a passage was added: its title was sent */
};

/* ---------------------------------------------------------------- terms */

/* Keys are short (a bigram is 7 bytes, a character 4): the hash reads
** them a word at a time, the last word overlapping the one before, instead
** of a byte at a time (FNV-1a), and each term's entry holds its last word,
** which for up to 8 bytes is the whole key (below).  Only shard, slot and
** term numbering depend on the hash, and none reaches the files. */
static inline uint64_t load_word(const char *k, size_t n)
{
    uint64_t w;
    uint32_t a, b;
    if (n >= 8) {
        memcpy(&w, k + n - 8, 8);
        return w;
    }
    if (n >= 4) {
        memcpy(&a, k, 4);
        memcpy(&b, k + n - 4, 4);
        return (uint64_t)a << 32 | b;
    }
    if (n == 0) return 0;
    return (uint64_t)(uint8_t)k[0] << 16 | (uint64_t)(uint8_t)k[n / 2] << 8 | (uint8_t)k[n - 1];
}

static uint64_t hash_key(const char *k, size_t n)
{
    uint64_t h = 0x9e3779b97f4a7c15ull ^ n;
    for (; n > 8; k += 8, n -= 8) {
        uint64_t w;
        memcpy(&w, k, 8);
        h = (h ^ w) * 0xff51afd7ed558ccdull;
        h ^= h >> 32;
    }
    h ^= load_word(k, n);
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    return h ^ (h >> 33);
}

/* Whether keys a and b of n > 8 bytes, whose last 8 are equal, are. */
static inline bool same_head(const char *a, const char *b, size_t n)
{
    if (n > 16) return memcmp(a, b, n - 8) == 0;
    uint64_t x, y;
    memcpy(&x, a, 8);
    memcpy(&y, b, 8);
    return x == y;
}

/* The shard of a term: from the hash's high bits, since the low ones
** pick the slot in the shard's table (a shard chosen by them would use a
** fraction of its slots). */
static unsigned shard_of(uint64_t h, unsigned nsh)
{
    return (unsigned)((h >> 40) % nsh);
}

static bool grow_slots(shard *s)
{
    uint32_t n = s->nslots ? s->nslots * 2 : 1u << 16;
    size_t mapped;
    uint32_t *sl = zhs_table_map((size_t)n * sizeof *sl, &mapped);
    if (!sl) return false;
    for (uint32_t id = 0; id < s->nterms; id++) {
        term_acc *t = &s->terms[id];
        uint64_t h = hash_key(s->keys.data + t->key_off, t->keylen);
        uint32_t i = (uint32_t)h & (n - 1);
        while (sl[i]) i = (i + 1) & (n - 1);
        sl[i] = id + 1;
    }
    zhs_table_unmap(s->slots, s->slots_mapped);
    /* the mapping, not the slots: from 2 MB up it is whole huge pages */
    s->mem += mapped - s->slots_mapped;
    s->slots = sl;
    s->slots_mapped = mapped;
    s->nslots = n;
    return true;
}

/* Returns the term id of key (whose hash_key is h), adding it if new;
** UINT32_MAX on OOM. */
static uint32_t term_id(shard *s, const char *key, size_t n, uint64_t h)
{
    if ((uint64_t)(s->nterms + 1) * 2 > s->nslots && !grow_slots(s)) return UINT32_MAX;
    uint32_t i = (uint32_t)h & (s->nslots - 1);
    /* A key of up to 8 bytes is its word and length: its entry alone says
    ** whether it is the term, without a third cache miss on its bytes. */
    uint64_t kw = load_word(key, n);
    for (;;) {
        uint32_t sl = s->slots[i];
        if (!sl) break;
        term_acc *t = &s->terms[sl - 1];
        if (t->kw == kw && t->keylen == n && (n <= 8 || same_head(s->keys.data + t->key_off, key, n))) return sl - 1;
        i = (i + 1) & (s->nslots - 1);
    }
    if (s->nterms == s->terms_cap) {
        /* mapped rather than realloc'd: a thread's glibc arena grows a
        ** page at a time, each a fault (a quarter of a laws build's) */
        uint32_t cap = s->terms_cap ? s->terms_cap * 2 : 1u << 14;
        size_t mapped;
        term_acc *t = zhs_table_map((size_t)cap * sizeof *t, &mapped);
        if (!t) return UINT32_MAX;
        if (s->nterms) memcpy(t, s->terms, (size_t)s->nterms * sizeof *t);
        zhs_table_unmap(s->terms, s->terms_mapped);
        s->mem += mapped - s->terms_mapped;
        s->terms = t;
        s->terms_cap = cap;
        s->terms_mapped = mapped;
    }
    term_acc *t = &s->terms[s->nterms];
    memset(t, 0, sizeof *t);
    t->kw = kw;
    t->key_off = (uint32_t)s->keys.len;
    t->keylen = (uint32_t)n;
    t->pos = zhs_term_keeps_positions(key, n, s->iv->word_positions);
    size_t before = s->keys.cap;
    if (!zhs_buf_append(&s->keys, key, n) || s->keys.len > UINT32_MAX) return UINT32_MAX;
    s->mem += s->keys.cap - before;
    s->live += n + sizeof *t + 2 * sizeof *s->slots;
    s->slots[i] = s->nterms + 1;
    return s->nterms++;
}

/* A look-up is two dependent cache misses on a large table (its slot,
** then its entry): each token's slot and then entry are prefetched a few
** tokens before its turn, so that the misses overlap.  32 rather than
** 16 (sixth session): the slot loaded 8 tokens after its prefetch still
** missed; inverting 800 laws on one shard took 0.559 -> 0.521 s (medians
** of 9, bench/tools/inv_cpu.c); 64 gave 0.538. */
#define AHEAD 32

static void prefetch_slot(const shard *s, uint64_t h)
{
    if (s->nslots) __builtin_prefetch(&s->slots[(uint32_t)h & (s->nslots - 1)]);
}

static void prefetch_entry(const shard *s, uint64_t h)
{
    if (!s->nslots) return;
    uint32_t sl = s->slots[(uint32_t)h & (s->nslots - 1)];
    if (sl && sl <= s->nterms) __builtin_prefetch(&s->terms[sl - 1]);
}

/* Makes room for n more bytes of the term's stream. */
static bool acc_room(shard *s, term_acc *t, uint32_t n)
{
    if (t->cap - t->len >= n) return true;
    if (t->cap > UINT32_MAX / 4) return false;
    uint32_t cap = t->cap ? t->cap * 2 : 16;
    while (cap - t->len < n) cap *= 2;
    size_t carved = zhs_pool_carved(&s->pool);
    uint8_t *b = zhs_pool_grow(&s->pool, t->buf, t->len, t->cap, cap);
    if (!b) return false;
    s->mem += cap - t->cap;
    /* the budget counts the pool's memory (blocks waiting on its free
    ** lists and carved-off chunk tails included) and malloc's streams,
    ** not the streams' blocks: freed blocks of one size do not serve
    ** streams of another */
    s->live += zhs_pool_carved(&s->pool) - carved;
    if (cap > ZHS_POOL_MAX_BLOCK) s->live += cap - (t->cap > ZHS_POOL_MAX_BLOCK ? t->cap : 0);
    t->buf = b;
    t->cap = cap;
    return true;
}

/* Appends a varint of at most 32 bits (5 bytes), room made. */
static inline void acc_put(term_acc *t, uint32_t v)
{
    while (v >= 0x80) {
        t->buf[t->len++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    t->buf[t->len++] = (uint8_t)v;
}

static void free_terms(shard *s)
{
    s->title_ids_valid = false;
    for (uint32_t i = 0; i < s->nterms; i++) zhs_pool_drop(s->terms[i].buf, s->terms[i].cap);
    zhs_pool_reset(&s->pool);
    s->nterms = 0;
    if (s->slots) memset(s->slots, 0, (size_t)s->nslots * sizeof *s->slots);
    zhs_buf_reset(&s->keys);
    s->mem = s->slots_mapped + s->terms_mapped + s->keys.cap;
    s->live = 0;
    /* Tables that outgrew the budget go back, to grow again as needed. */
    if (s->mem > s->budget) {
        zhs_table_unmap(s->slots, s->slots_mapped);
        zhs_table_unmap(s->terms, s->terms_mapped);
        zhs_buf_free(&s->keys);
        s->slots = NULL;
        s->terms = NULL;
        s->slots_mapped = s->terms_mapped = 0;
        s->nslots = s->terms_cap = 0;
        s->mem = 0;
    }
}

/* ---------------------------------------------------------------- sort, flush */

static int cmp_tid(const shard *s, uint32_t a, uint32_t b)
{
    const term_acc *x = &s->terms[a], *y = &s->terms[b];
    size_t m = x->keylen < y->keylen ? x->keylen : y->keylen;
    int c = memcmp(s->keys.data + x->key_off, s->keys.data + y->key_off, m);
    return c ? c : (x->keylen > y->keylen) - (x->keylen < y->keylen);
}

/* A term to sort: its key's first 8 bytes as a big-endian number (zero
** padded), whose order is the keys' order wherever two differ (a key
** that ends there is a prefix of the other, and pads with 0 against a
** byte that is not); only equal heads compare the keys themselves. */
typedef struct sort_key {
    uint64_t head;
    uint32_t id;
} sort_key;

static uint64_t key_head(const char *k, size_t n)
{
    uint64_t h = 0;
    for (size_t i = 0; i < 8; i++) h = h << 8 | (i < n ? (uint8_t)k[i] : 0);
    return h;
}

static inline bool key_before(const shard *s, const sort_key *x, const sort_key *y)
{
    return x->head != y->head ? x->head < y->head : cmp_tid(s, x->id, y->id) < 0;
}

/* Term ids in key order.  A bottom-up merge sort rather than qsort(),
** whose comparator has no context argument in C11: no global state, so
** shards in several threads never interfere.  It sorts the heads with
** the ids, so that a comparison seldom reads the keys, each a cache miss
** of its own. */
static uint32_t *sorted_terms(shard *s)
{
    size_t n = s->nterms;
    /* the two arrays of the sort mapped as the tables are (a tenth of a
    ** laws build's faults were theirs through malloc) */
    size_t a_mapped, tmp_mapped;
    sort_key *a = zhs_table_map((n + 1) * sizeof *a, &a_mapped);
    sort_key *tmp = zhs_table_map((n + 1) * sizeof *tmp, &tmp_mapped);
    uint32_t *ids = malloc((n + 1) * sizeof *ids);
    if (!a || !tmp || !ids) {
        zhs_table_unmap(a, a_mapped);
        zhs_table_unmap(tmp, tmp_mapped);
        free(ids);
        return NULL;
    }
    for (uint32_t i = 0; i < n; i++) {
        a[i].head = key_head(s->keys.data + s->terms[i].key_off, s->terms[i].keylen);
        a[i].id = i;
    }
    for (size_t width = 1; width < n; width *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * width) {
            size_t mid = lo + width < n ? lo + width : n, hi = lo + 2 * width < n ? lo + 2 * width : n;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi) tmp[k++] = key_before(s, &a[j], &a[i]) ? a[j++] : a[i++];
            while (i < mid) tmp[k++] = a[i++];
            while (j < hi) tmp[k++] = a[j++];
        }
        sort_key *t = a;
        a = tmp;
        tmp = t;
        size_t m = a_mapped;
        a_mapped = tmp_mapped;
        tmp_mapped = m;
    }
    for (size_t i = 0; i < n; i++) ids[i] = a[i].id;
    zhs_table_unmap(a, a_mapped);
    zhs_table_unmap(tmp, tmp_mapped);
    return ids;
}

/* Term i of the shard's sorted order as a chunk, its entry, stream and
** key asked for a few terms ahead (each a miss: the ids are in key order,
** the entries in order of first use). */
static zhs_chunk sorted_chunk(const shard *s, uint32_t i)
{
    if (i + 8 < s->nterms) __builtin_prefetch(&s->terms[s->sorted[i + 8]]);
    if (i + 4 < s->nterms) {
        const term_acc *u = &s->terms[s->sorted[i + 4]];
        __builtin_prefetch(u->buf);
        __builtin_prefetch(s->keys.data + u->key_off);
    }
    const term_acc *t = &s->terms[s->sorted[i]];
    return (zhs_chunk){t->buf, t->len};
}

/* Writes the shard's terms (in the order ids gives, or sorted here) as a
** run and frees them. */
static int flush_run(shard *s, const uint32_t *ids, zhs_error *err)
{
    if (s->nterms == 0) return ZHS_OK;
    uint32_t *own = ids ? NULL : sorted_terms(s);
    if (!ids) ids = own;
    const char **keys = malloc(((size_t)s->nterms + 1) * sizeof *keys);
    uint32_t *lens = malloc(((size_t)s->nterms + 1) * sizeof *lens);
    zhs_chunk *streams = malloc(((size_t)s->nterms + 1) * sizeof *streams);
    char **runs = realloc(s->runs, (s->nruns + 1) * sizeof *runs);
    if (runs) s->runs = runs;
    char path[ZHS_PATH_MAX];
    snprintf(path, sizeof path, "%s/run-%03u-%06zu", s->iv->tmpdir, s->idx, s->nruns);
    char *copy = strdup(path);
    int rc;
    if (!ids || !keys || !lens || !streams || !runs || !copy) {
        rc = zhs_fail(err, ZHS_ENOMEM, "out of memory flushing postings");
        free(copy);
    } else {
        for (uint32_t i = 0; i < s->nterms; i++) {
            term_acc *t = &s->terms[ids[i]];
            keys[i] = s->keys.data + t->key_off;
            lens[i] = t->keylen;
            streams[i].p = t->buf;
            streams[i].len = t->len;
        }
        rc = zhs_run_write(path, keys, lens, streams, s->nterms, err);
        if (rc == ZHS_OK) s->runs[s->nruns++] = copy;
        else free(copy);
    }
    free(own);
    free(keys);
    free(lens);
    free(streams);
    if (rc == ZHS_OK) free_terms(s);
    return rc;
}

/* ---------------------------------------------------------------- invert */

static bool push_tid(shard *s, uint32_t id, uint32_t pos)
{
    if (s->ntids == s->tids_cap) {
        /* two arrays of one capacity (see t2s.c's reserve) */
        size_t ca = s->tids_cap, cb = s->tids_cap;
        if (!zhs_grow(&s->tids, &ca, s->ntids + 1, sizeof *s->tids, 1024) ||
            !zhs_grow(&s->tpos, &cb, s->ntids + 1, sizeof *s->tpos, 1024))
            return false;
        s->tids_cap = cb;
    }
    s->tids[s->ntids] = id;
    s->tpos[s->ntids] = pos;
    s->ntids++;
    return true;
}

static int no_memory(zhs_error *err)
{
    return zhs_fail(err, ZHS_ENOMEM, "out of memory holding postings: lower the RAM budget");
}

/* Appends this passage's postings: one header (doc gap, tf) per term, then
** the term's positions in token order, for a term that keeps them (more
** than half the tokens are characters or words whose positions the
** segment drops: their streams are headers only). */
static int emit_postings(shard *s, uint32_t doc, zhs_error *err)
{
    s->ntouched = 0;
    if (s->ntids + s->ntt > s->touched_cap) {
        uint32_t *t = realloc(s->touched, (s->ntids + s->ntt) * sizeof *t);
        if (!t) return zhs_fail(err, ZHS_ENOMEM, "out of memory");
        s->touched = t;
        s->touched_cap = s->ntids + s->ntt;
    }
    /* The first pass counts; it also asks for the line each term's
    ** stream ends on, which the second pass appends to: the misses on
    ** those lines, one per term and passage, overlap instead of stalling
    ** the appends one after the other.  The title's terms come first, each
    ** once (they are distinct and the passage's first tokens). */
    for (size_t k = 0; k < s->ntt; k++) {
        term_acc *t = &s->terms[s->tt[k].id];
        t->doc_tf = s->tt[k].count;
        s->touched[s->ntouched++] = s->tt[k].id;
        if (t->buf) __builtin_prefetch(t->buf + t->len, 1);
    }
    for (size_t i = 0; i < s->ntids; i++) {
        term_acc *t = &s->terms[s->tids[i]];
        if (t->doc_tf++ == 0) {
            s->touched[s->ntouched++] = s->tids[i];
            if (t->buf) __builtin_prefetch(t->buf + t->len, 1);
        }
    }
    for (size_t k = 0; k < s->ntt; k++) {
        const title_term *tt = &s->tt[k];
        term_acc *t = &s->terms[tt->id];
        if (!acc_room(s, t, 10 + tt->bytes_len)) return no_memory(err);
        acc_put(t, doc + 1 - t->last_doc1);
        acc_put(t, t->doc_tf);
        t->last_doc1 = doc + 1;
        if (t->pos) {
            memcpy(t->buf + t->len, s->tt_bytes.data + tt->bytes_off, tt->bytes_len);
            t->len += tt->bytes_len;
        }
        t->last_pos = tt->last_pos;
    }
    for (size_t i = 0; i < s->ntids; i++) {
        term_acc *t = &s->terms[s->tids[i]];
        if (t->last_doc1 != doc + 1) {
            if (!acc_room(s, t, 15)) return no_memory(err);
            acc_put(t, doc + 1 - t->last_doc1);
            acc_put(t, t->doc_tf);
            t->last_doc1 = doc + 1;
            if (t->pos) acc_put(t, s->tpos[i]);
        } else if (t->pos) {
            if (!acc_room(s, t, 5)) return no_memory(err);
            acc_put(t, s->tpos[i] - t->last_pos);
        }
        t->last_pos = s->tpos[i];
    }
    for (size_t i = 0; i < s->ntouched; i++) s->terms[s->touched[i]].doc_tf = 0;
    return ZHS_OK;
}

/* Keeps a copy of the shard's tokens of a new title (toks, keys in kb). */
static int set_title(shard *s, const sh_tok *toks, size_t n, const char *kb, zhs_error *err)
{
    s->title_ids_valid = false;
    s->ntitle = 0;
    zhs_buf_reset(&s->title_keys);
    if (n > s->title_cap) {
        sh_tok *t = realloc(s->title, n * sizeof *t);
        uint32_t *ids = t ? realloc(s->title_ids, n * sizeof *ids) : NULL;
        if (t) s->title = t;
        if (ids) s->title_ids = ids;
        if (!t || !ids) return no_memory(err);
        s->title_cap = s->title_ids_cap = n;
    }
    for (size_t i = 0; i < n; i++) {
        s->title[i] = toks[i];
        s->title[i].key_off = (uint32_t)s->title_keys.len;
        if (!zhs_buf_append(&s->title_keys, kb + toks[i].key_off, toks[i].len)) return no_memory(err);
    }
    s->ntitle = n;
    return ZHS_OK;
}

/* Plans the title's part of every passage under it from its term ids:
** its distinct terms, their counts and their positions encoded.  A term's
** doc_tf, zero between passages, numbers it in the plan meanwhile. */
static int plan_title(shard *s, zhs_error *err)
{
    s->ntt = 0;
    zhs_buf_reset(&s->tt_bytes);
    if (s->ntitle > s->tt_cap) {
        title_term *tt = realloc(s->tt, s->ntitle * sizeof *tt);
        uint32_t *tp = tt ? realloc(s->tt_pos, s->ntitle * sizeof *tp) : NULL;
        if (tt) s->tt = tt;
        if (tp) s->tt_pos = tp;
        if (!tt || !tp) return no_memory(err);
        s->tt_cap = s->ntitle;
    }
    for (size_t i = 0; i < s->ntitle; i++) {
        term_acc *t = &s->terms[s->title_ids[i]];
        if (!t->doc_tf) {
            s->tt[s->ntt] = (title_term){.id = s->title_ids[i]};
            t->doc_tf = (uint32_t)++s->ntt;
        }
        s->tt[t->doc_tf - 1].count++;
    }
    uint32_t at = 0;
    for (size_t k = 0; k < s->ntt; k++) {
        s->tt[k].fill = at;
        at += s->tt[k].count;
    }
    for (size_t i = 0; i < s->ntitle; i++)
        s->tt_pos[s->tt[s->terms[s->title_ids[i]].doc_tf - 1].fill++] = s->title[i].pos;
    for (size_t k = 0; k < s->ntt; k++) s->terms[s->tt[k].id].doc_tf = 0;
    at = 0;
    for (size_t k = 0; k < s->ntt; k++) {
        title_term *tt = &s->tt[k];
        const uint32_t *p = s->tt_pos + at;
        at += tt->count;
        tt->last_pos = p[tt->count - 1];
        tt->bytes_off = (uint32_t)s->tt_bytes.len;
        if (s->terms[tt->id].pos)
            for (uint32_t j = 0; j < tt->count; j++) zhs_buf_put_varint(&s->tt_bytes, j ? p[j] - p[j - 1] : p[0]);
        tt->bytes_len = (uint32_t)(s->tt_bytes.len - tt->bytes_off);
    }
    if (s->tt_bytes.oom) return no_memory(err);
    return ZHS_OK;
}

static int invert_doc(shard *s, const sh_doc *d, const sh_tok *toks, const char *kb, zhs_error *err)
{
    if (d->title_changed && set_title(s, toks, d->ntitle, kb, err)) return err->code;
    toks += d->ntitle;
    s->ntids = 0;
    if (!s->title_ids_valid) {
        for (size_t i = 0; i < s->ntitle; i++) {
            const sh_tok *t = &s->title[i];
            s->title_ids[i] = term_id(s, s->title_keys.data + t->key_off, t->len, t->h);
            if (s->title_ids[i] == UINT32_MAX) return no_memory(err);
        }
        if (plan_title(s, err)) return err->code;
        s->title_ids_valid = true;
    }
    for (size_t i = 0; i < d->n; i++) {
        if (i + AHEAD < d->n) prefetch_slot(s, toks[i + AHEAD].h);
        if (i + AHEAD / 2 < d->n) prefetch_entry(s, toks[i + AHEAD / 2].h);
        const sh_tok *t = &toks[i];
        uint32_t id = term_id(s, kb + t->key_off, t->len, t->h);
        if (id == UINT32_MAX || !push_tid(s, id, t->pos)) return no_memory(err);
    }
    if ((s->ntids || s->ntt) && emit_postings(s, d->doc, err)) return err->code;
    if (s->live >= s->budget && flush_run(s, NULL, err)) return err->code;
    return ZHS_OK;
}

static int invert_batch(shard *s, const sh_batch *b, zhs_error *err)
{
    const sh_tok *t = b->toks;
    for (size_t i = 0; i < b->ndocs; i++) {
        if (invert_doc(s, &b->docs[i], t, b->keys.data, err)) return err->code;
        t += b->docs[i].ntitle + b->docs[i].n;
    }
    return ZHS_OK;
}

static void batch_reset(sh_batch *b)
{
    b->ndocs = b->ntoks = 0;
    zhs_buf_reset(&b->keys);
}

/* ---------------------------------------------------------------- threads */

static int encode_shard(shard *s, const zhs_seg_writer *sw, zhs_error *err);

static void *shard_main(void *arg)
{
    shard *s = arg;
    pthread_mutex_lock(&s->mu);
    for (;;) {
        while (!s->stop && s->done == s->queued && !(s->finish && !s->finished) && !(s->sw && !s->encoded))
            pthread_cond_wait(&s->work, &s->mu);
        if (s->stop) break;
        bool failed = s->failed, batch = s->done < s->queued, sort = !batch && s->finish && !s->finished;
        pthread_mutex_unlock(&s->mu);
        zhs_error e = {0};
        int rc = ZHS_OK;
        if (batch) {
            sh_batch *b = &s->ring[s->done % RING];
            if (!failed) rc = invert_batch(s, b, &e);
            batch_reset(b);
            pthread_mutex_lock(&s->mu);
            s->done++;
        } else if (sort) {
            if (!failed && !(s->sorted = sorted_terms(s))) rc = zhs_fail(&e, ZHS_ENOMEM, "out of memory sorting terms");
            pthread_mutex_lock(&s->mu);
            s->finished = true;
        } else {
            if (!failed) rc = encode_shard(s, s->sw, &e);
            else zhs_handoff_end(&s->out, true);
            pthread_mutex_lock(&s->mu);
            s->encoded = true;
        }
        if (rc && !s->failed) {
            s->failed = true;
            s->err = e;
        }
        /* only the caller's thread waits on it */
        pthread_cond_signal(&s->progress);
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

/* Hands the shard its filled batch: to its thread (waiting while its ring
** is full), or inverted here when it has none. */
static int submit(shard *s, zhs_error *err)
{
    if (!s->started) {
        int rc = invert_batch(s, &s->ring[s->queued % RING], err);
        batch_reset(&s->ring[s->queued % RING]);
        return rc;
    }
    pthread_mutex_lock(&s->mu);
    s->queued++;
    pthread_cond_signal(&s->work);
    while (!s->failed && s->queued - s->done == RING) pthread_cond_wait(&s->progress, &s->mu);
    int rc = ZHS_OK;
    if (s->failed) {
        *err = s->err;
        rc = err->code;
    }
    pthread_mutex_unlock(&s->mu);
    return rc;
}

/* ---------------------------------------------------------------- API */

/* Every shard's thread told, under its lock, to stop (stop), to sort its
** terms (finish) or to encode them for sw (sw). */
static void tell_shards(zhs_inverter *iv, bool stop, bool finish, zhs_seg_writer *sw)
{
    for (unsigned k = 0; k < iv->nsh; k++) {
        shard *s = &iv->sh[k];
        pthread_mutex_lock(&s->mu);
        s->stop |= stop;
        s->finish |= finish;
        if (sw) s->sw = sw;
        pthread_cond_signal(&s->work);
        pthread_mutex_unlock(&s->mu);
    }
}

static void stop_threads(zhs_inverter *iv)
{
    if (!iv->locks) return;
    tell_shards(iv, true, false, NULL);
    for (unsigned k = 0; k < iv->nsh; k++)
        if (iv->sh[k].started) {
            pthread_join(iv->sh[k].th, NULL);
            iv->sh[k].started = false;
        }
}

int zhs_inverter_open(zhs_inverter **out, unsigned shards, size_t ram_budget, bool word_positions,
                      const char *tmpdir, zhs_error *err)
{
    *out = NULL;
    if (zhs_err_code(err)) return err->code;
    if (shards < 1) shards = 1;
    zhs_inverter *iv = calloc(1, sizeof *iv);
    shard *sh = iv ? calloc(shards, sizeof *sh) : NULL;
    if (!sh) {
        free(iv);
        return zhs_fail(err, ZHS_ENOMEM, "out of memory opening the index writer");
    }
    iv->sh = sh;
    iv->nsh = shards;
    iv->word_positions = word_positions;
    snprintf(iv->tmpdir, sizeof iv->tmpdir, "%s", tmpdir);
    for (unsigned k = 0; k < shards; k++) {
        shard *s = &sh[k];
        s->iv = iv;
        s->idx = k;
        s->budget = ram_budget / shards ? ram_budget / shards : 1;
        zhs_buf_init(&s->keys);
        zhs_pool_init(&s->pool);
        zhs_buf_init(&s->title_keys);
        zhs_buf_init(&s->tt_bytes);
        for (int r = 0; r < RING; r++) zhs_buf_init(&s->ring[r].keys);
    }
    *out = iv;
    if (shards == 1) return ZHS_OK;
    for (unsigned k = 0; k < shards; k++) {
        shard *s = &sh[k];
        bool mu = pthread_mutex_init(&s->mu, NULL) == 0;
        bool work = mu && pthread_cond_init(&s->work, NULL) == 0;
        if (!work || pthread_cond_init(&s->progress, NULL)) {
            if (work) pthread_cond_destroy(&s->work);
            if (mu) pthread_mutex_destroy(&s->mu);
            zhs_inverter_close(iv);
            *out = NULL;
            return zhs_fail(err, ZHS_ENOMEM, "cannot create the indexing threads' locks");
        }
        iv->nlocks = k + 1;
    }
    iv->locks = true;
    bool all = true;
    for (unsigned k = 0; k < shards; k++) {
        sh[k].started = pthread_create(&sh[k].th, NULL, shard_main, &sh[k]) == 0;
        all &= sh[k].started;
    }
    if (!all) {
        /* A shard without a thread would encode its whole share in memory
        ** before the merge could start (the merge pulls from the others as
        ** they encode): with any thread missing, one shard on the caller's
        ** thread takes every term, within the whole budget (the segment is
        ** the same bytes; the shards beyond the first hold nothing yet). */
        stop_threads(iv);
        for (unsigned k = 0; k < shards; k++) sh[k].stop = false;
        iv->nsh = 1;
        sh[0].budget = ram_budget ? ram_budget : 1;
    }
    return ZHS_OK;
}

static bool batch_room(sh_batch *b, size_t ntoks)
{
    return zhs_grow(&b->docs, &b->docs_cap, b->ndocs + 1, sizeof *b->docs, 256) &&
           zhs_grow(&b->toks, &b->toks_cap, b->ntoks + ntoks, sizeof *b->toks, BATCH_TOKENS);
}

/* Appends term i of pt (hash h) to the batch b, whose room was made for
** it (and 16 bytes more for its key).  Keys of up to 16 bytes (nearly all:
** a character is 4, a bigram 7) are moved as 16 bytes where the passage's
** keys have them, a fixed move instead of a call to memcpy per token. */
static inline void put_token(sh_batch *b, const zhs_passage_terms *pt, size_t i, uint64_t h)
{
    const zhs_pterm *t = &pt->t[i];
    sh_tok *k = &b->toks[b->ntoks++];
    k->h = h;
    k->key_off = (uint32_t)b->keys.len;
    k->len = t->len;
    k->pos = t->pos;
    char *to = b->keys.data + b->keys.len;
    const char *from = pt->keys.data + t->off;
    if (t->len <= 16 && (size_t)t->off + 16 <= pt->keys.cap) memcpy(to, from, 16);
    else memcpy(to, from, t->len);
    b->keys.len += t->len;
}

int zhs_inverter_add(zhs_inverter *iv, uint32_t doc, const zhs_passage_terms *pt, zhs_error *err)
{
    if (zhs_err_code(err)) return err->code;
    if (pt->n > iv->hcap) {
        uint64_t *h = realloc(iv->h, pt->n * sizeof *h);
        if (!h) return no_memory(err);
        iv->h = h;
        iv->hcap = pt->n;
    }
    uint64_t *h = iv->h;
    /* an unchanged title was sent before: the shards keep it */
    bool new_title = pt->title_changed || !iv->have_title;
    size_t first = new_title ? 0 : pt->ntitle, bytes = 0;
    for (size_t i = first; i < pt->n; i++) {
        h[i] = hash_key(pt->keys.data + pt->t[i].off, pt->t[i].len);
        bytes += pt->t[i].len;
    }
    /* room in every shard's batch for all the passage's tokens, so that
    ** one pass hands each token to its shard */
    for (unsigned k = 0; k < iv->nsh; k++) {
        shard *s = &iv->sh[k];
        sh_batch *b = &s->ring[s->queued % RING];
        if (!batch_room(b, pt->n - first) || !zhs_buf_reserve(&b->keys, bytes + 16) ||
            b->keys.len + bytes > UINT32_MAX)
            return no_memory(err);
        sh_doc *d = &b->docs[b->ndocs++];
        memset(d, 0, sizeof *d);
        d->doc = doc;
        d->title_changed = new_title;
        s->fill = b;
        s->fill_doc = d;
    }
    if (iv->nsh == 1) {
        shard *s = &iv->sh[0];
        for (size_t i = first; i < pt->n; i++) put_token(s->fill, pt, i, h[i]);
        s->fill_doc->ntitle = (uint32_t)(pt->ntitle - first);
        s->fill_doc->n = (uint32_t)(pt->n - pt->ntitle);
    } else {
        size_t i = first;
        for (; i < pt->ntitle; i++) {
            shard *s = &iv->sh[shard_of(h[i], iv->nsh)];
            put_token(s->fill, pt, i, h[i]);
            s->fill_doc->ntitle++;
        }
        for (; i < pt->n; i++) {
            shard *s = &iv->sh[shard_of(h[i], iv->nsh)];
            put_token(s->fill, pt, i, h[i]);
            s->fill_doc->n++;
        }
    }
    iv->have_title = true;
    for (unsigned k = 0; k < iv->nsh; k++) {
        shard *s = &iv->sh[k];
        if (s->ring[s->queued % RING].ntoks >= BATCH_TOKENS && submit(s, err)) return err->code;
    }
    return ZHS_OK;
}

int zhs_inverter_finish(zhs_inverter *iv, bool *has_runs, zhs_error *err)
{
    *has_runs = false;
    if (zhs_err_code(err)) return err->code;
    for (unsigned k = 0; k < iv->nsh; k++) {
        shard *s = &iv->sh[k];
        if (s->ring[s->queued % RING].ndocs && submit(s, err)) return err->code;
    }
    if (iv->locks) {
        tell_shards(iv, false, true, NULL);
        for (unsigned k = 0; k < iv->nsh; k++) {
            shard *s = &iv->sh[k];
            pthread_mutex_lock(&s->mu);
            while (s->started && !s->failed && !s->finished) pthread_cond_wait(&s->progress, &s->mu);
            pthread_mutex_unlock(&s->mu);
        }
    }
    for (unsigned k = 0; k < iv->nsh; k++) {
        shard *s = &iv->sh[k];
        if (s->failed) {
            *err = s->err;
            return err->code;
        }
        if (!s->sorted && !(s->sorted = sorted_terms(s))) return zhs_fail(err, ZHS_ENOMEM, "out of memory sorting terms");
        if (s->nruns) *has_runs = true;
    }
    return ZHS_OK;
}

/* ---------------------------------------------------------------- write */

/* A shard's terms encoded go to the segment's merge (handoff.c) as the
** records of a run, whose stream is the term's dictionary figures
** (varints df, cf, postings and positions lengths, u32 bound bits, varints
** max tf and shortest passage), then its postings and positions: the
** writer only copies them. */
typedef struct coder {
    zhs_term_enc *enc;
    zhs_handoff *out;
    zhs_buf head;
} coder;

static int put_encoded(void *ctx, const char *key, size_t keylen, const zhs_chunk *chunks, size_t nchunks,
                       zhs_error *err)
{
    coder *cd = ctx;
    zhs_term_code c;
    if (zhs_term_enc_run(cd->enc, key, keylen, chunks, nchunks, &c, err)) return err->code;
    zhs_buf *h = &cd->head;
    zhs_buf_reset(h);
    zhs_buf_put_varint(h, c.df);
    zhs_buf_put_varint(h, c.cf);
    zhs_buf_put_varint(h, c.post[0].len + c.post[1].len);
    zhs_buf_put_varint(h, c.pos.len);
    uint32_t ubits;
    memcpy(&ubits, &c.ub, 4);
    zhs_buf_put_u32(h, ubits);
    zhs_buf_put_varint(h, c.max_tf);
    zhs_buf_put_varint(h, c.min_len);
    if (h->oom) return zhs_fail(err, ZHS_ENOMEM, "out of memory writing the postings of '%.*s'", (int)keylen, key);
    zhs_chunk parts[4] = {{(const uint8_t *)h->data, h->len}, c.post[0], c.post[1], c.pos};
    return zhs_handoff_put(cd->out, key, keylen, parts, 4, err);
}

/* The writer's side: a shard's encoded term (one key is in one shard
** only) into the segment. */
static int put_decoded(void *sw, const char *key, size_t keylen, const zhs_chunk *chunks, size_t nchunks,
                       zhs_error *err)
{
    const uint8_t *p = chunks[0].p, *end = p + chunks[0].len;
    uint64_t df, cf, post_len, pos_len, max_tf, min_len;
    zhs_term_code c;
    memset(&c, 0, sizeof c);
    bool ok = nchunks == 1 && zhs_varint_get(&p, end, &df) && zhs_varint_get(&p, end, &cf) &&
              zhs_varint_get(&p, end, &post_len) && zhs_varint_get(&p, end, &pos_len) && end - p >= 4;
    if (ok) {
        uint32_t ubits = zhs_get_u32(p);
        memcpy(&c.ub, &ubits, 4);
        p += 4;
        ok = zhs_varint_get(&p, end, &max_tf) && zhs_varint_get(&p, end, &min_len) && df <= UINT32_MAX &&
             max_tf <= UINT32_MAX && min_len <= UINT32_MAX && post_len <= (uint64_t)(end - p) &&
             pos_len == (uint64_t)(end - p) - post_len;
    }
    if (!ok)
        return zhs_fail(err, ZHS_EINTERNAL, "the encoded postings of '%.*s' are damaged (a bug: please report it)",
                        (int)keylen, key);
    c.df = (uint32_t)df;
    c.cf = cf;
    c.max_tf = (uint32_t)max_tf;
    c.min_len = (uint32_t)min_len;
    c.post[1] = (zhs_chunk){p, (size_t)post_len};
    c.pos = (zhs_chunk){p + post_len, (size_t)pos_len};
    return zhs_seg_writer_put(sw, key, keylen, &c, err);
}

/* Encodes the shard's terms in key order into s->out: from memory, or,
** when it flushed runs, the rest as a last run and all of them merged;
** ends s->out either way. */
static int encode_shard(shard *s, const zhs_seg_writer *sw, zhs_error *err)
{
    coder cd;
    memset(&cd, 0, sizeof cd);
    zhs_buf_init(&cd.head);
    cd.out = &s->out;
    int rc = zhs_term_enc_open(&cd.enc, sw, err);
    if (rc == ZHS_OK && s->nruns) {
        rc = flush_run(s, s->sorted, err);
        free(s->sorted);
        s->sorted = NULL;
        /* every stream is in the runs: the chunks go back before the
        ** merge, which may take a while and needs memory of its own */
        if (rc == ZHS_OK) zhs_pool_free(&s->pool);
        if (rc == ZHS_OK)
            rc = zhs_runs_merge(put_encoded, &cd, (const char *const *)s->runs, s->nruns, s->iv->nsh, err);
    } else if (rc == ZHS_OK) {
        for (uint32_t i = 0; i < s->nterms && rc == ZHS_OK; i++) {
            zhs_chunk c = sorted_chunk(s, i);
            term_acc *t = &s->terms[s->sorted[i]];
            rc = put_encoded(&cd, s->keys.data + t->key_off, t->keylen, &c, 1, err);
            /* freed here, in the shard's thread, rather than all at once
            ** by the caller's at close (0.1 s alone at the end on laws) */
            zhs_pool_drop(t->buf, t->cap);
            t->buf = NULL;
            t->len = t->cap = 0;
        }
    }
    /* every stream is encoded (or in the runs): the pool's chunks go back */
    zhs_pool_free(&s->pool);
    zhs_handoff_end(&s->out, rc != ZHS_OK);
    zhs_term_enc_close(cd.enc);
    zhs_buf_free(&cd.head);
    return rc;
}

/* The shards' records merged by key into the segment as they come (no key
** is in two shards).  *shard_failed: a shard ended in failure (its error
** is its own, returned once it stopped). */
static int merge_shards(zhs_inverter *iv, zhs_seg_writer *sw, bool *shard_failed, zhs_error *err)
{
    typedef struct {
        const char *key;
        size_t keylen;
        zhs_chunk stream;
        int r;
    } head;
    head *hd = calloc(iv->nsh, sizeof *hd);
    if (!hd) return zhs_fail(err, ZHS_ENOMEM, "out of memory writing the segment");
    int rc = ZHS_OK;
    for (unsigned k = 0; k < iv->nsh; k++) hd[k].r = zhs_handoff_next(&iv->sh[k].out, &hd[k].key, &hd[k].keylen, &hd[k].stream);
    for (;;) {
        unsigned min = iv->nsh;
        for (unsigned k = 0; k < iv->nsh && rc == ZHS_OK; k++) {
            if (hd[k].r == -1) *shard_failed = true;
            if (hd[k].r < 0)
                rc = zhs_fail(err, ZHS_EINTERNAL, "a shard's encoded postings are damaged (a bug: please report it)");
            else if (hd[k].r == 1 && (min == iv->nsh ||
                                      zhs_run_key_cmp(hd[k].key, hd[k].keylen, hd[min].key, hd[min].keylen) < 0))
                min = k;
        }
        if (rc || min == iv->nsh) break;
        if ((rc = put_decoded(sw, hd[min].key, hd[min].keylen, &hd[min].stream, 1, err)) != ZHS_OK) break;
        hd[min].r = zhs_handoff_next(&iv->sh[min].out, &hd[min].key, &hd[min].keylen, &hd[min].stream);
    }
    free(hd);
    return rc;
}

/* Several shards (each has its thread: a build that could not start them
** all has one shard): each encodes its terms in its thread while the
** caller merges what they encoded into the segment. */
static int write_shards(zhs_inverter *iv, zhs_seg_writer *sw, zhs_error *err)
{
    int rc = ZHS_OK;
    for (unsigned k = 0; k < iv->nsh && rc == ZHS_OK; k++)
        rc = zhs_handoff_init(&iv->sh[k].out, err);
    bool handed = rc == ZHS_OK && iv->locks;
    if (handed) tell_shards(iv, false, false, sw);
    bool shard_failed = false;
    if (rc == ZHS_OK) rc = merge_shards(iv, sw, &shard_failed, err);
    if (rc)
        for (unsigned k = 0; k < iv->nsh; k++) zhs_handoff_abort(&iv->sh[k].out);
    if (handed) {
        for (unsigned k = 0; k < iv->nsh; k++) {
            shard *s = &iv->sh[k];
            pthread_mutex_lock(&s->mu);
            while (s->started && !s->encoded) pthread_cond_wait(&s->progress, &s->mu);
            pthread_mutex_unlock(&s->mu);
        }
    }
    stop_threads(iv);
    if (rc && !shard_failed) return rc;
    for (unsigned k = 0; k < iv->nsh; k++)
        if (iv->sh[k].failed) {
            *err = iv->sh[k].err;
            return err->code;
        }
    return rc;
}

int zhs_inverter_write(zhs_inverter *iv, zhs_seg_writer *sw, bool has_runs, zhs_error *err)
{
    if (zhs_err_code(err)) return err->code;
    if (iv->nsh > 1) return write_shards(iv, sw, err);
    shard *s = &iv->sh[0];
    if (!has_runs) {
        int rc = ZHS_OK;
        for (uint32_t i = 0; i < s->nterms && rc == ZHS_OK; i++) {
            zhs_chunk c = sorted_chunk(s, i);
            const term_acc *t = &s->terms[s->sorted[i]];
            rc = zhs_seg_writer_add(sw, s->keys.data + t->key_off, t->keylen, &c, 1, err);
        }
        return rc;
    }
    /* the rest becomes the last run, merged with the others */
    if (flush_run(s, s->sorted, err)) return err->code;
    free(s->sorted);
    s->sorted = NULL;
    zhs_pool_free(&s->pool);
    return zhs_runs_merge(zhs_seg_writer_add_sink, sw, (const char *const *)s->runs, s->nruns, 1, err);
}

void zhs_inverter_close(zhs_inverter *iv)
{
    if (!iv) return;
    stop_threads(iv);
    for (unsigned k = 0; k < iv->nsh; k++) {
        shard *s = &iv->sh[k];
        for (size_t r = 0; r < s->nruns; r++) {
            unlink(s->runs[r]);
            free(s->runs[r]);
        }
        free(s->runs);
        zhs_handoff_destroy(&s->out);
        for (uint32_t i = 0; i < s->nterms; i++) zhs_pool_drop(s->terms[i].buf, s->terms[i].cap);
        zhs_pool_free(&s->pool);
        zhs_table_unmap(s->terms, s->terms_mapped);
        zhs_table_unmap(s->slots, s->slots_mapped);
        zhs_buf_free(&s->keys);
        free(s->tids);
        free(s->tpos);
        free(s->touched);
        free(s->title);
        free(s->title_ids);
        zhs_buf_free(&s->title_keys);
        free(s->tt);
        free(s->tt_pos);
        zhs_buf_free(&s->tt_bytes);
        free(s->sorted);
        for (int r = 0; r < RING; r++) {
            free(s->ring[r].docs);
            free(s->ring[r].toks);
            zhs_buf_free(&s->ring[r].keys);
        }
    }
    for (unsigned k = 0; k < iv->nlocks; k++) {
        pthread_mutex_destroy(&iv->sh[k].mu);
        pthread_cond_destroy(&iv->sh[k].work);
        pthread_cond_destroy(&iv->sh[k].progress);
    }
    free(iv->sh);
    free(iv->h);
    free(iv);
}
