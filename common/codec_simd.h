/*
** codec_simd.h — the vector kernels behind zhs_unpack_padded and
** zhs_unpack_docs_padded (format.h), and the choice between them and the
** scalar loops.  Internal to common/: codec.c dispatches, the tests call
** both sides to compare them.
*/
#ifndef ZHS_CODEC_SIMD_H
#define ZHS_CODEC_SIMD_H

#include "common.h"

/* The widest bit width the AVX2 kernels take: a value is read from a 32-bit
** window at a byte boundary, so its shift (0..7) plus its width must fit. */
#define ZHS_AVX2_MAX_BITS 25

/* True when this process decodes with AVX2: the CPU has it, the build did
** not leave it out (-DZHS_SIMD=OFF), and ZHS_SIMD=scalar was not set in the
** environment when the library was loaded.  Decided once, never changed. */
bool zhs_simd_avx2(void);
/* The CPU (and the build) could: what the tests compare against. */
bool zhs_simd_avx2_supported(void);

/* Scalar and AVX2 versions of zhs_unpack_padded, zhs_unpack_tfs_padded and
** zhs_unpack_docs_padded (same contracts).  The AVX2 ones need bits <= ZHS_AVX2_MAX_BITS and
** zhs_simd_avx2_supported(). */
void zhs_unpack_padded_scalar(uint32_t *v, const uint8_t *in, size_t n, unsigned bits);
void zhs_unpack_tfs_padded_scalar(uint32_t *v, const uint8_t *in, size_t n, unsigned bits);
uint64_t zhs_unpack_docs_padded_scalar(uint32_t *v, const uint8_t *in, size_t n, unsigned bits, int64_t prev);
void zhs_unpack_padded_avx2(uint32_t *v, const uint8_t *in, size_t n, unsigned bits);
void zhs_unpack_tfs_padded_avx2(uint32_t *v, const uint8_t *in, size_t n, unsigned bits);
void zhs_unpack_docs_padded_avx2(uint32_t *v, const uint8_t *in, size_t n, unsigned bits, uint32_t base);

#endif
