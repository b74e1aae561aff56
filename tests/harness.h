/*
** harness.h — a minimal test harness: CHECK macros that report file:line
** and keep going, and a summary line at exit.
*/
#ifndef ZHS_TEST_HARNESS_H
#define ZHS_TEST_HARNESS_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

extern int zt_checks, zt_failures;

#define CHECK(cond) do { zt_checks++; if (!(cond)) { zt_failures++; \
    fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); } } while (0)
#define CHECK_MSG(cond, ...) do { zt_checks++; if (!(cond)) { zt_failures++; \
    fprintf(stderr, "%s:%d: CHECK failed: %s: ", __FILE__, __LINE__, #cond); \
    fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); } } while (0)
#define CHECK_STR(a, b) do { const char *a_ = (a), *b_ = (b); zt_checks++; \
    if (!a_ || !b_ || strcmp(a_, b_) != 0) { zt_failures++; \
    fprintf(stderr, "%s:%d: CHECK failed: \"%s\" != \"%s\"\n", __FILE__, __LINE__, \
            a_ ? a_ : "(null)", b_ ? b_ : "(null)"); } } while (0)
#define CHECK_OK(rc, err) do { int rc_ = (rc); zt_checks++; if (rc_ != 0) { zt_failures++; \
    fprintf(stderr, "%s:%d: %s returned %d: %s\n", __FILE__, __LINE__, #rc, rc_, (err).message); } } while (0)

/* Prints the summary and returns the exit code (0 or 1). */
int zt_done(const char *name);
/* Exits with 77 (skip) after printing why. */
void zt_skip(const char *why);
/* Path of ../shared next to the source tree, or NULL when absent. */
const char *zt_shared_dir(void);
/* Path inside the source tree (static buffer rotation of 8). */
const char *zt_src(const char *rel);
/* A fresh empty temporary directory (removed at exit); the string is
** the caller's for the life of the process. */
const char *zt_tmpdir(void);

/* The next number of a xorshift64 generator whose state is *s (never 0):
** deterministic, so that a failing random test repeats. */
uint32_t zt_xorshift(uint64_t *s);
/* A NUL-terminated copy of n bytes of s (exits on out of memory); the
** caller frees it. */
char *zt_dup_n(const char *s, size_t n);
/* Creates the directories on the way to path (those that exist stay). */
void zt_make_parents(const char *path);
/* Writes n bytes to dir/name, creating its folders; exits 2 on failure. */
void zt_write_bytes(const char *dir, const char *name, const void *data, size_t n);

/* Writes an index file's bytes (footer included) to path with the
** footer's checksum made to match them: damage as tampering or a writer's
** bug could leave it, past what opening checks.  Failures are CHECKs. */
void zt_write_repaired(const char *path, const void *data, size_t len);

/* A zhs_corpus filter (ctx: the zhs_writer) that names each file to the
** writer as 'zhs index' does, so that the index records its sources and
** can be updated or edited; it reads a file only when the index does not
** have it as it is (the files are hashed on their first 64 KB and size). */
#include "zhs.h"
int zt_name_source(void *writer, const zhs_corpus_file *f, zhs_error *err);
/* Indexes corpus/sample into dir (native engine, sources named) and calls
** each(ctx, passage) for every passage it adds.  Failures are CHECKs;
** returns the number of passages. */
size_t zt_index_sample(const char *dir, zhs_analyzer *an, void (*each)(void *ctx, const zhs_passage *p), void *ctx);
/* Checks that two result sets of query q (searched for k hits) hold the
** same hits, rank for rank, to the last bit of the score; `b_is` names
** the second's path in the messages ("exhaustive"). */
void zt_check_same_hits(const zhs_results *a, const zhs_results *b, const char *q, size_t k, const char *b_is);
/* The same over the files and folders paths[0..npaths). */
size_t zt_index_paths(const char *dir, zhs_analyzer *an, const char *const *paths, size_t npaths,
                      void (*each)(void *ctx, const zhs_passage *p), void *ctx);

#endif
