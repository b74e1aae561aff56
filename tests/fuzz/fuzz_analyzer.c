/*
** fuzz_analyzer.c — the analyzer on arbitrary bytes (invalid UTF-8, NULs,
** every script), in its four configurations.
**
** Checks, for every token of zhs_analyzer_run: its byte range is inside
** the input, non-empty, and starts and ends on code point boundaries (as
** zhs_utf8_decode walks the input, so also for invalid sequences); its
** text is valid UTF-8 of the length it claims; a bigram is two code
** points; the kind is known.  Running the same text twice gives the same
** tokens (the analyzer's lazy tables must not change results).  For
** zhs_analyzer_segment: the output is NUL-terminated, no longer than
** twice the input, and made of the input's bytes in order.
*/
#include "fuzz_common.h"

#include <stdlib.h>
#include <string.h>

/* zhs_utf8_decode_any is internal (common.h: the general case of the
** inline zhs_utf8_decode, the same results) but exported by the library. */
size_t zhs_utf8_decode_any(const char *s, size_t n, uint32_t *cp);

/* 0-3 the dict segmenter (default, no folding, no bigrams, no words), 4 ICU's */
static zhs_analyzer *an[5];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    for (int i = 0; i < 5; i++) {
        zhs_analyzer_config cfg;
        zhs_analyzer_config_default(&cfg);
        if (i == 1) cfg.fold_traditional = 0;
        if (i == 2) cfg.bigrams = 0;
        if (i == 3) cfg.words = 0;
        if (i == 4) cfg.segmenter = ZHS_SEGMENTER_ICU;
        zhs_error err = {0};
        if (zhs_analyzer_open(&an[i], &cfg, &err)) fuzz_die(__FILE__, __LINE__, "analyzer", "%s", err.message);
    }
    return 0;
}

static size_t cps(const char *s, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80) c++;
    return c;
}

typedef struct tok_copy {
    uint32_t start, end, kind, position, len;
    uint64_t hash;
} tok_copy;

static uint64_t hash(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) h = (h ^ (uint8_t)s[i]) * 1099511628211ull;
    return h;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 64 * 1024) return -1;
    const char *text = (const char *)data;
    /* code point boundaries as the library decodes them */
    uint8_t *bound = calloc(size + 1, 1);
    for (size_t i = 0; i < size;) {
        bound[i] = 1;
        uint32_t cp;
        size_t l = zhs_utf8_decode_any(text + i, size - i, &cp);
        FUZZ_ASSERT(l >= 1 && l <= 4 && l <= size - i, "decode length %zu at %zu", l, i);
        i += l;
    }
    bound[size] = 1;

    for (int a = 0; a < 5; a++) {
        const zhs_token *tok;
        size_t n;
        zhs_error err = {0};
        int rc = zhs_analyzer_run(an[a], &tok, &n, text, size, &err);
        FUZZ_ASSERT(rc == ZHS_OK, "analyzer %d: %s", a, err.message);
        tok_copy *first = malloc((n + 1) * sizeof *first);
        for (size_t i = 0; i < n; i++) {
            const zhs_token *t = &tok[i];
            FUZZ_ASSERT(t->start < t->end && t->end <= size, "analyzer %d token %zu: range [%u,%u) of %zu", a, i,
                        t->start, t->end, size);
            FUZZ_ASSERT(bound[t->start] && bound[t->end], "analyzer %d token %zu: [%u,%u) not on code point boundaries",
                        a, i, t->start, t->end);
            FUZZ_ASSERT(t->len > 0 && t->text[t->len] == 0 && memchr(t->text, 0, t->len) == NULL,
                        "analyzer %d token %zu: text length %u", a, i, t->len);
            FUZZ_ASSERT(fuzz_utf8_valid(t->text, t->len), "analyzer %d token %zu: invalid UTF-8 term", a, i);
            FUZZ_ASSERT(t->kind <= ZHS_TOKEN_CHAR, "analyzer %d token %zu: kind %u", a, i, t->kind);
            FUZZ_ASSERT(t->kind != ZHS_TOKEN_CHAR || cps(t->text, t->len) == 1,
                        "analyzer %d token %zu: a character token of %zu characters", a, i, cps(t->text, t->len));
            FUZZ_ASSERT(t->kind != ZHS_TOKEN_BIGRAM || cps(t->text, t->len) == 2,
                        "analyzer %d token %zu: bigram of %zu code points", a, i, cps(t->text, t->len));
            FUZZ_ASSERT(a != 2 || t->kind != ZHS_TOKEN_BIGRAM, "bigram from an analyzer without bigrams");
            FUZZ_ASSERT(t->position <= size, "analyzer %d token %zu: position %u", a, i, t->position);
            first[i] = (tok_copy){t->start, t->end, t->kind, t->position, t->len, hash(t->text, t->len)};
        }
        /* the same text again: the same tokens */
        size_t n2;
        rc = zhs_analyzer_run(an[a], &tok, &n2, text, size, &err);
        FUZZ_ASSERT(rc == ZHS_OK && n2 == n, "analyzer %d: second run gives %zu tokens, first %zu", a, n2, n);
        for (size_t i = 0; i < n; i++) {
            const zhs_token *t = &tok[i];
            FUZZ_ASSERT(first[i].start == t->start && first[i].end == t->end && first[i].kind == t->kind &&
                        first[i].position == t->position && first[i].len == t->len &&
                        first[i].hash == hash(t->text, t->len),
                        "analyzer %d: token %zu differs on a second run", a, i);
        }
        free(first);

        const char *out;
        size_t outlen;
        rc = zhs_analyzer_segment(an[a], &out, &outlen, text, size, &err);
        FUZZ_ASSERT(rc == ZHS_OK, "segment %d: %s", a, err.message);
        FUZZ_ASSERT(out[outlen] == 0, "segment output not NUL-terminated");
        FUZZ_ASSERT(outlen <= 2 * size, "segment output %zu bytes for %zu", outlen, size);
        /* the output's bytes but spaces are a subsequence of the input */
        size_t j = 0;
        for (size_t i = 0; i < outlen; i++) {
            if (out[i] == ' ') continue;
            while (j < size && text[j] != out[i]) j++;
            FUZZ_ASSERT(j < size, "segment output byte %zu (0x%02x) is not from the input, in order", i,
                        (unsigned char)out[i]);
            j++;
        }
    }
    free(bound);
    return 0;
}
