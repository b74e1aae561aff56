/*
** common.h — internal helpers shared by every stage: error reporting,
** growable buffers, arenas, UTF-8, varints and file I/O.  Not installed;
** nothing outside the library includes it.
*/
#ifndef ZHS_COMMON_H
#define ZHS_COMMON_H

#include "zhs.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if defined(__GNUC__)
#define ZHS_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define ZHS_LIKELY(x) __builtin_expect(!!(x), 1)
#define ZHS_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define ZHS_PRINTF(f, a)
#define ZHS_LIKELY(x) (x)
#define ZHS_UNLIKELY(x) (x)
#endif

/* ---------------------------------------------------------------- errors */

/* Records code and a formatted message in err (if err is non-NULL and
** holds no earlier error) and returns code, so callers can write
** `return zhs_fail(err, ZHS_EIO, "...")`. */
int zhs_fail(zhs_error *err, int code, const char *fmt, ...) ZHS_PRINTF(3, 4);

/* Every public entry point that takes a zhs_error starts with this: when
** the caller passed NULL, err points at the entry point's own local error
** from then on, so that the code below (and the internal functions it
** calls, which require a non-NULL err) can read err->code.  The status is
** returned either way; only the message is dropped. */
#define ZHS_ERR_LOCAL(err, local) \
    do { \
        if (!(err)) { \
            zhs_error_clear(&(local)); \
            (err) = &(local); \
        } \
    } while (0)

/* The status already stored in err (0 when err is NULL). */
static inline int zhs_err_code(const zhs_error *err) { return err ? err->code : 0; }

/* ---------------------------------------------------------------- buffers */

/* A growable byte buffer.  data is always NUL-terminated when len > 0 or
** after zhs_buf_cstr(). */
typedef struct zhs_buf {
    char *data;
    size_t len, cap;
    bool oom;           /* an allocation failed: further appends are dropped */
} zhs_buf;

void zhs_buf_init(zhs_buf *b);
void zhs_buf_free(zhs_buf *b);
static inline void zhs_buf_reset(zhs_buf *b) { b->len = 0; b->oom = false; if (b->data) b->data[0] = 0; }
bool zhs_buf_reserve(zhs_buf *b, size_t extra);
/* The growing path of zhs_buf_append. */
bool zhs_buf_append_grow(zhs_buf *b, const void *p, size_t n);
/* Inline: the analyzer appends a character at a time, and a call per
** append was 10% of an index build's CPU (bench/RESULTS.md, parallel
** indexing, third session). */
static inline bool zhs_buf_append(zhs_buf *b, const void *p, size_t n)
{
    if (b->oom || n >= b->cap - b->len) return zhs_buf_append_grow(b, p, n);
    if (n) memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = 0;
    return true;
}
static inline bool zhs_buf_puts(zhs_buf *b, const char *s) { return zhs_buf_append(b, s, strlen(s)); }
static inline bool zhs_buf_putc(zhs_buf *b, char c) { return zhs_buf_append(b, &c, 1); }

/* Growable arrays: makes the array at *(T **)arr, of *cap elements of size
** bytes, hold at least need elements, doubling its capacity from first.
** False when out of memory (or the size overflows), with the array and
** *cap unchanged: the caller says what could not be done. */
bool zhs_grow_to(void *arr, size_t *cap, size_t need, size_t size, size_t first);
/* Inline: the analyzer asks once per token, and a call each was 1% of a
** build. */
static inline bool zhs_grow(void *arr, size_t *cap, size_t need, size_t size, size_t first)
{
    return need <= *cap || zhs_grow_to(arr, cap, need, size, first);
}
bool zhs_buf_printf(zhs_buf *b, const char *fmt, ...) ZHS_PRINTF(2, 3);
bool zhs_buf_put_varint(zhs_buf *b, uint64_t v);
bool zhs_buf_put_u32(zhs_buf *b, uint32_t v);     /* little endian */
bool zhs_buf_put_u64(zhs_buf *b, uint64_t v);
const char *zhs_buf_cstr(zhs_buf *b);             /* "" when empty */

/* ---------------------------------------------------------------- arenas */

/* Bump allocator for per-query and per-batch memory: everything allocated
** from it is freed at once by zhs_arena_reset() or zhs_arena_free(). */
typedef struct zhs_arena_chunk zhs_arena_chunk;
typedef struct zhs_arena {
    zhs_arena_chunk *head;
    size_t chunk_size;
    size_t total;       /* bytes handed out since the last reset */
} zhs_arena;

void zhs_arena_init(zhs_arena *a, size_t chunk_size);
void *zhs_arena_alloc(zhs_arena *a, size_t n);      /* 16-byte aligned, NULL on OOM */
void *zhs_arena_calloc(zhs_arena *a, size_t n);
char *zhs_arena_strndup(zhs_arena *a, const char *s, size_t n);
void zhs_arena_reset(zhs_arena *a);                 /* keeps the first chunk */
void zhs_arena_free(zhs_arena *a);
/* A point to come back to: everything allocated after zhs_arena_save is
** freed by zhs_arena_rewind to it (a try whose results are dropped); what
** came before stays.  Marks nest; a rewind past a reset is undefined. */
typedef struct zhs_arena_mark {
    zhs_arena_chunk *head;
    size_t used, total;
} zhs_arena_mark;
zhs_arena_mark zhs_arena_save(const zhs_arena *a);
void zhs_arena_rewind(zhs_arena *a, zhs_arena_mark m);

/* ---------------------------------------------------------------- UTF-8 */

/* The ASCII character a code point of the full-width forms block stands
** for (Ｔ U+FF34 -> 'T', ＝ U+FF1D -> '='), else cp itself. */
static inline uint32_t zhs_fold_fullwidth(uint32_t cp)
{
    return cp >= 0xFF01 && cp <= 0xFF5E ? cp - 0xFEE0 : cp;
}

/* Bytes of s[0..n) that spell the lower-case ASCII word `word` in any case
** and in full-width forms as well (title, TITLE, ＴＩＴＬＥ), 0 if s does
** not start with it.  As people type field names and keywords. */
size_t zhs_ascii_word_at(const char *s, size_t n, const char *word);

/* The general case of zhs_utf8_decode: every sequence, checked. */
size_t zhs_utf8_decode_any(const char *s, size_t n, uint32_t *cp);

/* Decodes one code point at s[0..n) (n >= 1).  Returns its length in bytes
** (1..4) and stores it in *cp; an invalid or truncated sequence returns the
** length of the maximal invalid prefix (at least 1) with *cp = 0xFFFD.
** Inline for ASCII and well-formed three-byte sequences (Han text: about a
** twentieth of a laws build's instructions went to the call and checks);
** the rest, malformed sequences included, takes zhs_utf8_decode_any. */
static inline size_t zhs_utf8_decode(const char *s, size_t n, uint32_t *cp)
{
    const uint8_t *p = (const uint8_t *)s;
    uint8_t c = p[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if ((c & 0xF0) == 0xE0 && n >= 3 && (p[1] & 0xC0) == 0x80 && (p[2] & 0xC0) == 0x80) {
        uint32_t v = (uint32_t)(c & 0x0F) << 12 | (uint32_t)(p[1] & 0x3F) << 6 | (uint32_t)(p[2] & 0x3F);
        /* neither an overlong nor a surrogate */
        if (v >= 0x800 && (v & 0xF800) != 0xD800) {
            *cp = v;
            return 3;
        }
    }
    return zhs_utf8_decode_any(s, n, cp);
}

/* Encodes cp into out (at least 4 bytes).  Returns the length. */
/* Inline: the analyzer writes every token a character at a time. */
static inline size_t zhs_utf8_encode(uint32_t cp, char *out)
{
    uint8_t *o = (uint8_t *)out;
    if (cp < 0x80) { o[0] = (uint8_t)cp; return 1; }
    if (cp < 0x800) {
        o[0] = (uint8_t)(0xC0 | cp >> 6);
        o[1] = (uint8_t)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (uint8_t)(0xE0 | cp >> 12);
        o[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (uint8_t)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (uint8_t)(0xF0 | cp >> 18);
    o[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (uint8_t)(0x80 | (cp & 0x3F));
    return 4;
}

/* Copies src to dst, replacing every invalid sequence with U+FFFD.
** Returns the number of replacements. */
size_t zhs_utf8_sanitize(zhs_buf *dst, const char *src, size_t n);

/* Offset of the first invalid UTF-8 sequence in s[0..n), n if none. */
size_t zhs_utf8_valid_prefix(const char *s, size_t n);

/* Number of code points in s[0..n). */
size_t zhs_utf8_count(const char *s, size_t n);

/* Han ideographs (CJK unified, extensions, compatibility). */
bool zhs_is_han(uint32_t cp);
/* CJK and full-width punctuation (、。，！？；：「」《》（）… ). */
bool zhs_is_cjk_punct(uint32_t cp);

/* ---------------------------------------------------------------- varints */

/* Reads a LEB128 varint from [*p, end).  Returns false (and leaves *p) if
** it runs past end or is longer than 10 bytes. */
bool zhs_varint_get(const uint8_t **p, const uint8_t *end, uint64_t *v);
/* zhs_varint_get with the one-byte case inline, for hot loops where most
** values are below 128 (PFOR exceptions, the indexer's posting streams). */
static inline bool zhs_varint_next(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
    if (*p < end && **p < 0x80) {
        *v = *(*p)++;
        return true;
    }
    return zhs_varint_get(p, end, v);
}

static inline uint32_t zhs_get_u32(const void *p)
{
    const uint8_t *b = (const uint8_t *)p;
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}
static inline uint64_t zhs_get_u64(const void *p)
{
    return (uint64_t)zhs_get_u32(p) | (uint64_t)zhs_get_u32((const uint8_t *)p + 4) << 32;
}
static inline void zhs_set_u32(void *p, uint32_t v)
{
    uint8_t *b = (uint8_t *)p;
    b[0] = (uint8_t)v; b[1] = (uint8_t)(v >> 8); b[2] = (uint8_t)(v >> 16); b[3] = (uint8_t)(v >> 24);
}

/* ---------------------------------------------------------------- files */

/* Every path buffer is this large.  An index directory may be at most
** ZHS_DIR_MAX bytes, which leaves room for any file name inside it. */
#define ZHS_PATH_MAX 4608
#define ZHS_DIR_MAX 4096

/* Reads a whole file (gunzipping it when gz is true) into b, at most max
** bytes of output (0: no limit).  On failure err says which file and why. */
int zhs_file_read(zhs_buf *b, const char *path, bool gz, size_t max, zhs_error *err);

/* Writes a whole file and fsyncs it.  Leaves no partial file behind. */
int zhs_file_write(const char *path, const void *data, size_t n, zhs_error *err);

/* fsyncs a directory so that renames inside it are durable. */
int zhs_dir_sync(const char *dir, zhs_error *err);

/* A build's files synced together (fileio.c): each file handed over has
** its fsync started at once on a thread of its own, so that the disk
** writes them together while the caller goes on to the next file, instead
** of one fsync after another with both cores idle (a laws build waited
** ~0.1 s so).  Whoever publishes the files (the MANIFEST) waits first:
** then every file is durable, or the first failure, in the order handed
** over, is reported with its own errno and the file removed. */
typedef struct zhs_syncs zhs_syncs;
int zhs_syncs_open(zhs_syncs **out, zhs_error *err);
/* Takes fd (an open file's, ours to close from now) and starts its fsync
** (from any thread: the set has a lock);
** path names it in an error.  Without a thread (none could be started)
** the fsync runs here, its result kept for wait all the same. */
void zhs_syncs_add(zhs_syncs *s, int fd, const char *path);
/* Waits for every fsync handed over so far; the set can take more. */
int zhs_syncs_wait(zhs_syncs *s, zhs_error *err);
/* Waits (ignoring failures: an abandoned build) and frees; NULL is fine. */
void zhs_syncs_close(zhs_syncs *s);
/* zhs_file_write whose fsync goes to s (NULL: synced here, as
** zhs_file_write). */
int zhs_file_write_to(zhs_syncs *s, const char *path, const void *data, size_t n, zhs_error *err);

/* Removes a file, or a directory and everything below it (symbolic links
** are removed, never followed).  Returns 0, or -1 with errno set by the
** first failure; a path that does not exist is not a failure. */
int zhs_path_remove(const char *path);

/* Bytes of a file, or of every regular file below a directory (symbolic
** links not followed); 0 when it cannot be read. */
uint64_t zhs_path_size(const char *path);

/* Joins dir and name with a '/' into out (size n).  Returns false when the
** result does not fit (out then holds a truncated, NUL-terminated path). */
bool zhs_path_join(char *out, size_t n, const char *dir, const char *name);

/* Monotonic clock in seconds. */
double zhs_now(void);

#endif /* ZHS_COMMON_H */
