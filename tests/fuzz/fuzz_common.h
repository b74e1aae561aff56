/*
** fuzz_common.h — helpers shared by the libFuzzer targets in tests/fuzz/:
** a private temporary directory (removed at exit), a small but complete
** native index built once at start-up, whole-file reads and writes, and
** a check that aborts (so that libFuzzer records the input) with a message.
*/
#ifndef ZHS_FUZZ_COMMON_H
#define ZHS_FUZZ_COMMON_H

#include "zhs.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Aborts with file:line and the formatted message when cond is false. */
#define FUZZ_ASSERT(cond, ...) do { if (!(cond)) fuzz_die(__FILE__, __LINE__, #cond, __VA_ARGS__); } while (0)
void fuzz_die(const char *file, int line, const char *cond, const char *fmt, ...)
    __attribute__((noreturn, format(printf, 4, 5)));

/* A fresh directory under $TMPDIR (or /tmp), removed with everything in it
** when the process exits.  Never returns NULL (aborts instead). */
const char *fuzz_tmpdir(const char *tag);

/* Builds a small index of the given engine (FUZZ_NDOCS passages: some terms span several
** posting blocks, so skip tables are present) into dir.  Aborts on error. */
#define FUZZ_NDOCS 300
void fuzz_build_index(const char *dir, zhs_analyzer *an, int engine);

/* Whole-file helpers; abort on I/O errors. */
uint8_t *fuzz_read(const char *path, size_t *len);
void fuzz_write(const char *path, const void *data, size_t len);

/* True when s[0..n) is valid UTF-8 (the strict definition). */
bool fuzz_utf8_valid(const char *s, size_t n);

#endif
