/*
** warn.c — how the reader reports a file it skips or reads only in part:
** through the caller's callback, and counted in the statistics.
*/
#include "corpus_int.h"

#include <stdio.h>

static void vwarn(zhs_corpus *c, const char *path, const char *fmt, va_list ap)
{
    if (!c->warn) return;
    char msg[1024];
    vsnprintf(msg, sizeof msg, fmt, ap);
    c->warn(c->warn_ctx, path, msg);
}

void corpus_warn(zhs_corpus *c, const char *path, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vwarn(c, path, fmt, ap);
    va_end(ap);
}

void corpus_skip(zhs_corpus *c, uint64_t *counter, const char *path, const char *fmt, ...)
{
    (*counter)++;
    c->stats.files_skipped++;
    va_list ap;
    va_start(ap, fmt);
    vwarn(c, path, fmt, ap);
    va_end(ap);
}
