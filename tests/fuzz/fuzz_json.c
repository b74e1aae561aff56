/*
** fuzz_json.c — the JSON field reader (common/json.h), which reads query
** files, evaluation sets and JSONL corpora.
**
** The input is the text of an object.  zhs_json_get is asked for a few
** keys and must return -1, 0 or 1 without reading past the input (ASan
** sees to that: the input is copied to an exact-size buffer, no NUL).
** Then a round trip: the value found (or the input itself) is written with
** zhs_json_str into {"k": ...} and read back: it must come back byte for
** byte.
*/
#include "fuzz_common.h"

#include "json.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 20) return -1;
    char *text = malloc(size ? size : 1);
    memcpy(text, data, size);
    /* "" last: a key no caller uses, but the function takes any string.
    ** ZHS_FUZZ_SKIP_KNOWN=1 leaves it out (crashes/fuzz_json-empty-key:
    ** a known bug, so that a long run can look for others). */
    static const char *const keys[] = {"id", "text", "query", "title", "qid", "relevant", ""};
    static int nkeys = -1;
    if (nkeys < 0) nkeys = getenv("ZHS_FUZZ_SKIP_KNOWN") ? 6 : 7;
    zhs_buf out, enc, back;
    zhs_buf_init(&out);
    zhs_buf_init(&enc);
    zhs_buf_init(&back);
    int found_any = 0;
    for (int k = 0; k < nkeys; k++) {
        zhs_buf_reset(&out);
        int rc = zhs_json_get(&out, text, size, keys[k]);
        FUZZ_ASSERT(rc == -1 || rc == 0 || rc == 1, "zhs_json_get returned %d", rc);
        FUZZ_ASSERT(rc == 1 || out.len == 0 || rc == -1, "value appended for an absent key");
        if (rc == 1 && !found_any) {
            found_any = 1;
            /* round trip of the value */
            zhs_buf_reset(&enc);
            zhs_buf_puts(&enc, "{\"k\":");
            zhs_json_str(&enc, out.data ? out.data : "", out.len);
            zhs_buf_puts(&enc, "}");
            zhs_buf_reset(&back);
            int rc2 = zhs_json_get(&back, enc.data, enc.len, "k");
            FUZZ_ASSERT(rc2 == 1 && back.len == out.len && memcmp(back.data ? back.data : "", out.data ? out.data : "",
                                                                  out.len) == 0,
                        "round trip of a %zu-byte value failed (rc %d, %zu bytes back)", out.len, rc2, back.len);
        }
    }
    /* round trip of the raw input as a string */
    zhs_buf_reset(&enc);
    zhs_buf_puts(&enc, "{\"a\": [1, {\"x\": null}], \"k\" : ");
    zhs_json_str(&enc, text, size);
    zhs_buf_puts(&enc, " , \"z\":\"\\ud83d\\ude00\"}");
    zhs_buf_reset(&back);
    int rc = zhs_json_get(&back, enc.data, enc.len, "k");
    FUZZ_ASSERT(rc == 1 && back.len == size && memcmp(back.data ? back.data : "", text, size) == 0,
                "round trip of the %zu-byte input failed (rc %d, %zu bytes back)", size, rc, back.len);
    zhs_buf_free(&out);
    zhs_buf_free(&enc);
    zhs_buf_free(&back);
    free(text);
    return 0;
}
