/*
** dict_blob.c — the built-in dictionary, embedded at build time.
**
** The build (analysis/gen/mkdict.c, run by CMake) writes ZHS_DICT_BIN; the
** assembler copies it into the library's read-only data, so the program
** has no file to find at run time and every copy of the library carries
** exactly the dictionary its fingerprints name.
*/
#include "dict.h"

#ifndef ZHS_DICT_BIN
#error "ZHS_DICT_BIN must name the generated dictionary (CMake sets it)"
#endif

/* Hidden: the symbols serve this file only, whatever links the library. */
__asm__(".pushsection .rodata\n"
        ".balign 16\n"
        ".globl zhs_dict_blob_start\n"
        ".hidden zhs_dict_blob_start\n"
        "zhs_dict_blob_start:\n"
        ".incbin \"" ZHS_DICT_BIN "\"\n"
        ".globl zhs_dict_blob_end\n"
        ".hidden zhs_dict_blob_end\n"
        "zhs_dict_blob_end:\n"
        ".popsection\n");

extern const uint8_t zhs_dict_blob_start[], zhs_dict_blob_end[];

bool zhs_dict_builtin(zhs_dict *d)
{
    return zhs_dict_view(d, zhs_dict_blob_start, (size_t)(zhs_dict_blob_end - zhs_dict_blob_start));
}
