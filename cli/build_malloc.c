/*
** build_malloc.c — the allocator's settings for a command that builds an
** index (`zhs index`, and the bench's build child, which runs its calls;
** merge and add keep glibc's defaults: not measured with these settings):
** memory kept, not given back and asked for again.
*/
#include "cli.h"

#ifdef __GLIBC__
#include <malloc.h>
#endif

void cli_build_malloc(void)
{
#ifdef __GLIBC__
    /* A build grows and frees buffers of a few MB all along (the shards'
    ** posting streams, the hand-off blocks, the store's blocks).  With
    ** glibc's defaults each is a fresh mmap whose pages the kernel faults
    ** in and zeroes (huge pages: clear_page was ~3.4% of a laws build's
    ** samples) and munmaps when freed, and the heap's top is trimmed as it
    ** shrinks.  Served from the heap and kept there, a freed buffer's pages
    ** are reused.  Laws at two threads, main's binary with these values
    ** (GLIBC_TUNABLES) against without, six alternated rounds: user time
    ** 7.68 -> 7.05 s (medians), peak RSS +12 MB (bench/RESULTS.md,
    ** seventeenth session, bld7).  Peak memory is still what the build
    ** holds at once: freed memory is reused before the heap grows. */
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
    mallopt(M_TOP_PAD, 64 << 20);
#endif
}
