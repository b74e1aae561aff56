/*
** meta.h — the metadata table of a generation (g<N>.meta), written by the
** generic writer for every engine and read by the index handle, so that
** versions, filters and grouping work the same over both engines without
** reading a single stored record at query time.
**
** Passages of one document are consecutive and share their metadata, so
** the table holds runs: a run is a range of passages with one title group,
** date, category, status and issuer.  On the laws corpus that is one run
** per file (3,468 runs for 151,966 passages: files of one title and date in a row merge).
**
** File: magic ZHSMETA1, body, footer (format.h); from format 9 magic
** ZHSMETA2 and the same body compressed (ztable.h).  Body, little endian:
**   u32 nruns, u32 ngroups, u32 nstrings
**   nstrings x (u32 len, bytes)            the distinct values (index 0: "")
**   nruns x (u32 first passage, u32 group, u32 date YYYYMMDD or 0,
**            u32 category, u32 status, u32 issuer,   (string indexes)
**            u32 in force YYYYMMDD or 0,  (from format 11, ZHSMETA3)
**            u32 repealed YYYYMMDD or 0, u32 repealing group + 1 or 0,
**            u32 repealing version's date)  (from format 12, ZHSMETA4)
** Runs are in passage order and the first starts at passage 0; a group is
** a distinct title.  A run's day in force is the one its document names
** (zhs_effective_clause, or an "effective" member of a JSONL record or a
** front matter), never before its date; 0 when it names none, and read
** as 0 from ZHSMETA1/2.  A run's day repealed is the day in force of the
** version whose text repeals its document (zhs_repeal_clauses: a title
** whose key, analysis/names.h, is the run's title's), for every version
** of that title dated before the repealing one (a law enacted again
** under its old title is not repealed); 0 when none does, and read as 0
** from ZHSMETA1/2/3.
**
** The same builder writes the citation table (g<N>.cite): what a citation
** (query/cite.c) tells its hits apart by, so that it reads no stored
** record to rank them.  Runs here are ranges of passages with one title
** and one version date (zhs_version_date), and each title comes with its
** key (analysis/names.h), computed by the writer's analyzer.
** File: magic ZHSCITE2, body, footer; from format 9 magic ZHSCITE3 and
** the same body compressed (ztable.h).  Body, little endian:
**   u32 nruns, u32 ngroups, u32 ndates
**   ndates x (u32 len, bytes)              the distinct version dates (0: "")
**   ngroups x (u32 len, title, u32 len, key)   a key that ends its title is
**                                          only its length | ZHS_CITE_KEY_SUFFIX
**   nruns x (u32 first passage, u32 group, u32 date)
**   u32 nforms, nforms x (u32 passage, u32 form)   passages increasing
** A label's form tells apart the labels of one article written in other
** ways (第十一条, 第11条, 第十一條): the labels that give the same label
** term (analysis/terms.c) are numbered from 0 in the order they are first
** seen; a passage whose label has form 0, or has no label term, is not
** listed.  Two passages that hold the same label term have the same label
** exactly when they have the same form, so a citation compares labels
** without reading a record.  ZHSCITE1 (before the forms) is the same
** without them: its readers take labels from the records.  An index
** without the file (built before it) is ranked from the records.
*/
#ifndef ZHS_META_H
#define ZHS_META_H

#include "common.h"

#define ZHS_MAGIC_META "ZHSMETA4"       /* runs with the day they are repealed (format 12) */
#define ZHS_MAGIC_META_V3 "ZHSMETA3"    /* runs with their day in force (format 11) */
#define ZHS_MAGIC_META_V2 "ZHSMETA2"    /* the body compressed (formats 9 and 10, ztable.h) */
#define ZHS_MAGIC_META_V1 "ZHSMETA1"    /* the body as it is (formats 2 to 8) */
#define ZHS_META_FILE "%s/g%llu.meta"
#define ZHS_META_RUN_BYTES 40
#define ZHS_META_RUN_BYTES_V3 28
#define ZHS_META_RUN_BYTES_V2 24
#define ZHS_MAGIC_CITE "ZHSCITE3"       /* ZHSCITE2's body compressed (format 9, ztable.h) */
#define ZHS_MAGIC_CITE_V2 "ZHSCITE2"
#define ZHS_MAGIC_CITE_V1 "ZHSCITE1"    /* without label forms */
#define ZHS_CITE_FILE "%s/g%llu.cite"
#define ZHS_CITE_RUN_BYTES 12
#define ZHS_CITE_KEY_SUFFIX 0x80000000u

/* Parses a date: 2022-06-24, 2022/6/24, 2022.06.24, 2022年6月24日 (quotes
** and spaces around it allowed).  *out = YYYYMMDD.  False when s is not a
** real calendar date in 1000..9999. */
bool zhs_date_parse(const char *s, size_t n, uint32_t *out);
/* Writes YYYYMMDD as "YYYY-MM-DD" (11 bytes with the NUL); 0 gives "". */
void zhs_date_format(char out[11], uint32_t date);

/* The date a citation orders two versions of an article by: the
** passage's date (its first 10 bytes), else the last "(YYYY-MM-DD)" in its
** path (indexes built before dates were read); "" if neither. */
void zhs_version_date(char out[11], const char *date, const char *path);

typedef struct zhs_meta_run {
    uint32_t first, group, date, category, status, issuer;
    uint32_t in_force;          /* YYYYMMDD, 0: not known (meta.h's header) */
    uint32_t repealed;          /* YYYYMMDD, 0: not repealed */
    uint32_t repealed_by;       /* the repealing document's group + 1, 0: none */
    uint32_t repealed_by_date;  /* and its version date (0: undated) */
} zhs_meta_run;

/* ------------------------------------------------------------- writing */

typedef struct zhs_meta_builder zhs_meta_builder;

int zhs_meta_builder_open(zhs_meta_builder **out, zhs_error *err);
/* Passage doc (numbered from 0, in order) has this metadata. */
int zhs_meta_builder_add(zhs_meta_builder *b, uint32_t doc, const zhs_passage *p, zhs_error *err);
/* key(ctx, title, len, out, err) gives a title's key (zhs_name_key_fn):
** repeals and citations compare titles by their keys.  Each title's key
** is computed once, by the first of the two writes. */
typedef int (*zhs_title_key_fn)(void *ctx, const char *s, size_t n, zhs_buf *out, zhs_error *err);
/* Writes the table to path, fsynced (or its fsync handed to syncs, when
** not NULL: common.h). */
int zhs_meta_builder_write(zhs_meta_builder *b, const char *path, zhs_title_key_fn key, void *ctx,
                           zhs_syncs *syncs, zhs_error *err);
/* Writes the citation table to path (fsynced, or as write). */
int zhs_meta_builder_write_cite(zhs_meta_builder *b, const char *path, zhs_title_key_fn key, void *ctx,
                                zhs_syncs *syncs, zhs_error *err);
void zhs_meta_builder_close(zhs_meta_builder *b);

/* ------------------------------------------------------------- reading */

typedef struct zhs_meta {
    uint32_t npassages;
    zhs_meta_run *runs;
    size_t nruns;
    char **strings;             /* NUL-terminated values */
    size_t nstrings;
    uint32_t ngroups;
    /* Each group's distinct non-zero dates, newest first:
    ** dates[group_off[g] .. group_off[g + 1]), and the day each version
    ** is in force from in in_force[] beside them (its runs' latest day
    ** in force, else its date) */
    uint32_t *group_off;
    uint32_t *dates;
    uint32_t *in_force;
    uint32_t *repealed;         /* beside them: the day each version is repealed, 0: not */
    bool has_in_force;          /* the table holds days in force (ZHSMETA3) */
    bool has_repeals;           /* and days repealed (ZHSMETA4) */
} zhs_meta;

/* Loads path (checking its CRC and every index in it) for an index of
** npassages.  ZHS_ENOTFOUND when the file does not exist. */
int zhs_meta_load(zhs_meta *m, const char *path, uint32_t npassages, zhs_error *err);
void zhs_meta_free(zhs_meta *m);
/* The run holding passage doc (doc < npassages). */
const zhs_meta_run *zhs_meta_run_of(const zhs_meta *m, uint32_t doc);
/* The string index of value s, or UINT32_MAX when no passage has it. */
uint32_t zhs_meta_string(const zhs_meta *m, const char *s);

/* ------------------------------------------------------ citation table */

typedef struct zhs_cite_run {
    uint32_t first, group, date;
} zhs_cite_run;

typedef struct zhs_cite_table {
    uint32_t npassages;
    zhs_cite_run *runs;
    size_t nruns;
    uint32_t ngroups;
    const char **title, **key;  /* per group, NUL-terminated, into blob */
    uint32_t *keylen;
    const char **dates;         /* version dates, into blob */
    size_t ndates;
    char *blob;
    bool has_forms;             /* false: ZHSCITE1, labels are in the records only */
    uint32_t *form_doc, *form;  /* the passages whose label form is not 0, increasing */
    size_t nforms;
} zhs_cite_table;

/* Loads path (checking its CRC and every index in it) for an index of
** npassages.  ZHS_ENOTFOUND when the file does not exist. */
int zhs_cite_table_load(zhs_cite_table *t, const char *path, uint32_t npassages, zhs_error *err);
void zhs_cite_table_free(zhs_cite_table *t);
/* The run holding passage doc (doc < npassages). */
const zhs_cite_run *zhs_cite_run_of(const zhs_cite_table *t, uint32_t doc);
/* Whether b (given every passage) numbered the label forms as t has them. */
bool zhs_meta_builder_same_forms(const zhs_meta_builder *b, const zhs_cite_table *t);
/* The form of passage doc's label (t->has_forms; 0 for most). */
uint32_t zhs_cite_label_form(const zhs_cite_table *t, uint32_t doc);

#endif
