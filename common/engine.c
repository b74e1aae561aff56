/*
** engine.c — the registry of engines: the one place that lists them.
*/
#include "engine.h"

extern const zhs_engine_reader zhs_native_reader;
extern const zhs_engine_writer zhs_native_writer;
#ifdef ZHS_WITH_XAPIAN
extern const zhs_engine_reader zhs_xapian_reader;
extern const zhs_engine_writer zhs_xapian_writer;
#endif

static const zhs_engine_reader *const readers[] = {
    &zhs_native_reader,
#ifdef ZHS_WITH_XAPIAN
    &zhs_xapian_reader,
#endif
};

static const zhs_engine_writer *const writers[] = {
    &zhs_native_writer,
#ifdef ZHS_WITH_XAPIAN
    &zhs_xapian_writer,
#endif
};

#define COUNT(a) (sizeof(a) / sizeof(a)[0])

const zhs_engine_reader *zhs_engine_reader_get(int kind)
{
    for (size_t i = 0; i < COUNT(readers); i++)
        if (readers[i]->kind == kind && readers[i]->abi == ZHS_ENGINE_ABI) return readers[i];
    return NULL;
}

const zhs_engine_writer *zhs_engine_writer_get(int kind)
{
    for (size_t i = 0; i < COUNT(writers); i++)
        if (writers[i]->kind == kind && writers[i]->abi == ZHS_ENGINE_ABI) return writers[i];
    return NULL;
}

const zhs_engine_reader *zhs_engine_reader_remote(void)
{
    for (size_t i = 0; i < COUNT(readers); i++)
        if (readers[i]->open_remote && readers[i]->abi == ZHS_ENGINE_ABI) return readers[i];
    return NULL;
}

/* ------------------------------------------------------------ names */

/* Names are part of the format (MANIFEST says "engine xapian"), so they
** are known here whether or not this build has the engine. */
static const char *const engine_names[] = {"native", "xapian"};

const char *zhs_engine_name(int kind)
{
    return kind >= 0 && (size_t)kind < COUNT(engine_names) ? engine_names[kind] : "unknown";
}

int zhs_engine_kind_of(const char *name)
{
    for (size_t i = 0; i < COUNT(engine_names); i++)
        if (!strcmp(name, engine_names[i])) return (int)i;
    return -1;
}

int zhs_engine_from_name(int *kind, const char *name, zhs_error *err)
{
    zhs_error local;
    ZHS_ERR_LOCAL(err, local);
    if (zhs_err_code(err)) return err->code;
    for (size_t i = 0; i < COUNT(engine_names); i++)
        if (!strcmp(name, engine_names[i])) {
            if (!zhs_engine_writer_get((int)i))
                return zhs_fail(err, ZHS_EINVAL, "engine '%s' is not part of this build of zhsearch "
                                "(it was configured with ZHS_WITH_XAPIAN=OFF)", name);
            *kind = (int)i;
            return ZHS_OK;
        }
    return zhs_fail(err, ZHS_EINVAL, "unknown engine '%s': use native or xapian", name);
}
