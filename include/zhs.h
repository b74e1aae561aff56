/*
** zhs.h — the public interface of zhsearch, a full-text search engine for
** Chinese documents.
**
** The header goes from the simple API to the advanced one:
**   1. status codes and errors, and the defaults
**   2. the analyzer (ICU normalisation, dictionary or ICU segmentation)
**   3. corpus reading (files -> passages)
**   4. building an index (either engine)
**   5. searching it
**
** Conventions (the same everywhere):
**   - Every function that can fail returns an int status: ZHS_OK (0) or a
**     negative ZHS_E* code.  Iterators return ZHS_DONE (1) when exhausted.
**   - The last argument is a zhs_error*.  A call that finds err->code != 0 on
**     entry does nothing and returns that code, so calls can be chained and
**     checked once (the ICU way).  err may be NULL when the caller does not
**     want the message: the status is returned all the same.  Other pointer
**     arguments must not be NULL unless a function says what NULL means.
**   - Options structs carry a version.  Start from the *_OPTIONS_INIT
**     initialiser (or the *_default() function) and set what you need; a
**     struct zeroed with {0} is read as "defaults" field by field, so that
**     it can never mean "title weight 0" or "b = 0" by accident.
**   - Out-parameters come first.  Objects are opaque handles with
**     zhs_X_open()/zhs_X_close() pairs; close(NULL) is a no-op.
**   - Memory returned through a const pointer is owned by the handle that
**     returned it and stays valid until the next call on that handle (the
**     comment on each function says so when it is otherwise).
*/
#ifndef ZHS_H
#define ZHS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ZHS_VERSION "0.1.0"

/* ===================================================================== */
/* 1. Status codes and errors                                            */
/* ===================================================================== */

enum zhs_status {
    ZHS_OK = 0,
    ZHS_DONE = 1,               /* an iterator has nothing more */
    ZHS_EINVAL = -1,            /* bad argument or option */
    ZHS_ENOMEM = -2,            /* out of memory */
    ZHS_EIO = -3,               /* a file could not be read or written */
    ZHS_ECORRUPT = -4,          /* an index file fails a checksum or invariant */
    ZHS_EVERSION = -5,          /* index format version not supported */
    ZHS_EANALYZER = -6,         /* index built with another analyzer */
    ZHS_EQUERY = -7,            /* query could not be parsed */
    ZHS_EICU = -8,              /* ICU reported an error */
    ZHS_EXAPIAN = -9,           /* Xapian reported an error */
    ZHS_ENOTFOUND = -10,        /* no such index, file or term */
    ZHS_EINTERNAL = -11         /* a bug: please report it */
};

#define ZHS_ERROR_MAX 1024

typedef struct zhs_error {
    int code;                       /* 0 while no error has happened */
    char message[ZHS_ERROR_MAX];    /* what failed, on what, what to do */
} zhs_error;

/* The defaults, also what a zeroed options struct gets. */
#define ZHS_DEFAULT_K1 1.2              /* BM25 (chosen on ../shared/eval, docs/RANKING.md) */
#define ZHS_DEFAULT_B 0.5
#define ZHS_DEFAULT_TITLE_WEIGHT 2u     /* a title token counts this many times in the body */
#define ZHS_DEFAULT_PROXIMITY 1.0      /* weight of the term-proximity bonus (docs/RANKING.md) */
#define ZHS_DEFAULT_HEADING_WEIGHT 1u   /* a heading-path token counts this many times (docs/RANKING.md) */
#define ZHS_DEFAULT_RAM_BUDGET ((size_t)256 << 20)  /* bytes of postings held before a flush */
#define ZHS_DEFAULT_WRITER_THREADS 1u   /* a library build analyses on the caller's thread */
#define ZHS_DEFAULT_K 10u               /* hits a search returns */
#define ZHS_MAX_K 100000u               /* the most hits a search returns */

/* Resets err to "no error". */
void zhs_error_clear(zhs_error *err);

/* A short constant name for a status code ("corrupt index", ...). */
const char *zhs_status_name(int code);

/* ===================================================================== */
/* 2. The analyzer                                                       */
/* ===================================================================== */

/* Token kinds.  Terms of different kinds never collide in an index: the
** term text of a bigram carries the prefix "B" (docs/ANALYZER.md, index terms). */
enum zhs_token_kind {
    ZHS_TOKEN_WORD = 0,     /* a Han word (dictionary segmenter or ICU) */
    ZHS_TOKEN_BIGRAM = 1,   /* two adjacent Han characters */
    ZHS_TOKEN_LATIN = 2,    /* a run of letters/digits: "ai", "g20", "5g" */
    ZHS_TOKEN_NUMBER = 3,   /* a number: "3.5", "2024" */
    ZHS_TOKEN_CHAR = 4      /* one Han character, every one of a run (term "U…"):
                            ** what a one-character query matches */
};

typedef struct zhs_token {
    const char *text;       /* normalised term text, NUL-terminated */
    uint32_t len;           /* bytes in text */
    uint32_t kind;          /* enum zhs_token_kind */
    uint32_t position;      /* see below */
    uint32_t start, end;    /* byte range in the ORIGINAL input text */
} zhs_token;
/*
** Positions count units: each Han character is one unit and each Latin or
** number token is one unit.  A word and a bigram that start at the same Han
** character share a position, so a phrase can be matched on bigrams.
*/

/* How traditional characters are folded to simplified. */
enum zhs_fold {
    ZHS_FOLD_NONE = 0,      /* kept as written (--no-fold) */
    ZHS_FOLD_CHARS = 1,     /* ICU, one character at a time: indexes built before OpenCC */
    ZHS_FOLD_PHRASES = 2    /* OpenCC tw2sp, Taiwan phrases too (網路 -> 网络); the default */
};

/* How Han text is cut into words.  Zero is the default. */
enum zhs_segmenter {
    ZHS_SEGMENTER_DICT = 0,     /* most probable path over a word dictionary
                                ** (jieba's words + ours + a user dictionary),
                                ** numerals and measure words apart (一/次) */
    ZHS_SEGMENTER_ICU = 1,      /* ICU's word break (the analyzer before 0.2) */
    ZHS_SEGMENTER_DICT_V1 = 2   /* the dict segmenter before its numeral rules
                                ** (一次 one word): read back from the
                                ** fingerprints of indexes built then */
};

enum zhs_chars { ZHS_CHARS_NONE = 0, ZHS_CHARS_ALL = 1, ZHS_CHARS_WRITTEN = 2 };

typedef struct zhs_analyzer_config {
    int fold_traditional;   /* enum zhs_fold (default ZHS_FOLD_PHRASES) */
    int words;              /* emit Han words (default 1) */
    int bigrams;            /* emit Han bigrams (default 1) */
    /* Character (CHAR) tokens: ZHS_CHARS_ALL every Han character;
    ** ZHS_CHARS_WRITTEN (the default) only a character as written where
    ** OpenCC's phrases folded it into another (網路 -> 网络: 路), the one
    ** thing bigrams cannot give back; ZHS_CHARS_NONE none (indexes built
    ** with --no-chars before ZHS_CHARS_WRITTEN, which made it the
    ** default; the index format is 6 either way).  A native index makes a one-character
    ** query's list from the bigrams and words that hold it
    ** (docs/QUERY.md); a Xapian index cannot: build it with
    ** ZHS_CHARS_ALL ('zhs index --engine xapian' does). */
    int chars;
    int segmenter;          /* enum zhs_segmenter (default ZHS_SEGMENTER_DICT) */
    /* A user dictionary for the dict segmenter: a UTF-8 file, one word a
    ** line, optionally a tab and a frequency (as in jieba's counts; without
    ** one the word is made just likelier than its own split).  NULL: none.
    ** A bad line is skipped and reported to on_warning, if set, as
    ** "FILE:LINE: what is wrong". */
    const char *user_dict;
    void (*on_warning)(void *ctx, const char *message);
    void *warning_ctx;
    /* Index an article-number term ("N第二十条") wherever the bigrams of
    ** 第 + Chinese numerals + 条 stand in a row in a passage's text, so
    ** that a query part spelled by such a number is matched from one short
    ** list (docs/RANKING.md, "Article numbers").  Default 1; off in
    ** indexes built before it (their fingerprints have no "arts=1"). */
    int article_terms;
    /* Numbers written with units and lists (docs/ANALYZER.md, "Numbers
    ** and units"): a number and the letters right after it are two tokens
    ** (0.1MPa is 0.1 and mpa, so that MPa finds it), and the full-width
    ** comma and semicolon of Chinese text end a number (5，10 is 5 and 10,
    ** not the number 5,10).  Default 1; off in indexes built before it
    ** (their fingerprints have no "units=1").  A field added at the end:
    ** code built against an older zhs.h must be rebuilt. */
    int number_units;
    /* 著 read as the particle 着 where a traditional run (one OpenCC folds)
    ** has it outside the words in which it is zhù (著作, 著名, 显著, 名著,
    ** 土著 …): 隨著 is 随着, 意味著 意味着, as mainland text writes them
    ** (docs/ANALYZER.md).  Default 1, with fold_traditional
    ** ZHS_FOLD_PHRASES; off in indexes built before it (their fingerprints
    ** have no "zhe=1").  A field added at the end: code built against an
    ** older zhs.h must be rebuilt. */
    int particle_zhe;
} zhs_analyzer_config;

/* The default configuration (all on, dict segmenter, no user dictionary). */
void zhs_analyzer_config_default(zhs_analyzer_config *cfg);

/* Reads the configuration back from a fingerprint (as recorded in an
** index), so that a query analyzes text the way the index did.  Returns
** ZHS_EINVAL when fp is not a zhsearch analyzer fingerprint.  A fingerprint
** that names no segmenter was written before there was a choice: ICU.  A
** user dictionary cannot be read back from a fingerprint (it names only its
** hash): zhs_index_open_analyzer() loads the copy stored in the index. */
int zhs_analyzer_config_from_fingerprint(zhs_analyzer_config *cfg, const char *fp);

typedef struct zhs_analyzer zhs_analyzer;

/* An analyzer is not thread-safe: use one per thread. */
int zhs_analyzer_open(zhs_analyzer **out, const zhs_analyzer_config *cfg,
                      zhs_error *err);
void zhs_analyzer_close(zhs_analyzer *a);

/* The configuration an analyzer runs with (defaults resolved). */
void zhs_analyzer_config_get(const zhs_analyzer *a, zhs_analyzer_config *out);

/* Analyzes len bytes of UTF-8 text.  *tokens points to *ntokens tokens,
** owned by the analyzer and valid until its next call.  Invalid UTF-8 is
** read as U+FFFD and produces no token. */
int zhs_analyzer_run(zhs_analyzer *a, const zhs_token **tokens,
                     size_t *ntokens, const char *text, size_t len,
                     zhs_error *err);

/* A string that names the analyzer's version and configuration.  Indexes
** record it; a query through an analyzer with another fingerprint is
** refused.  Owned by the analyzer. */
const char *zhs_analyzer_fingerprint(const zhs_analyzer *a);

/* Segments text into words for scoring against a gold standard: writes the
** words of text separated by single spaces, each word in its original
** characters.  *out is owned by the analyzer, valid until its next call. */
int zhs_analyzer_segment(zhs_analyzer *a, const char **out, size_t *outlen,
                         const char *text, size_t len, zhs_error *err);

/* ===================================================================== */
/* 3. Corpus reading                                                     */
/* ===================================================================== */

/* One passage: a law article, a group of paragraphs, a JSONL record. */
typedef struct zhs_passage {
    const char *id;         /* external id: JSONL "id", else "relpath#n" */
    const char *text;       /* cleaned passage text, UTF-8, NUL-terminated */
    size_t text_len;
    const char *title;      /* document title ("" if none) */
    const char *heading;    /* heading path joined by " › " ("" if none) */
    const char *label;      /* article label "第十条" ("" if none) */
    const char *path;       /* source file as given or found by the walk */
    uint32_t line;          /* 1-based source line where the passage starts */
    /* Metadata of the passage's document (docs/CORPUS.md says where each
    ** comes from).  The reader and a search always set them, "" when
    ** unknown; a caller of zhs_writer_add may leave them NULL.  Indexes
    ** built before they existed read back "". */
    const char *date;       /* version date "YYYY-MM-DD" */
    const char *category;   /* the first folder under the corpus root (行政法规) */
    const char *status;     /* front matter or JSONL "status" (现行有效) */
    const char *issuer;     /* front matter or JSONL "issuer" */
    const char *extra;      /* JSONL: the record's other members as one JSON
                            ** object ("{\"url\":\"...\"}"), "" when none */
} zhs_passage;

/* One document and its passages.  Owned by the corpus reader; valid until
** the next zhs_corpus_next() or zhs_corpus_close(). */
typedef struct zhs_document {
    const char *path;
    const char *title;
    const zhs_passage *passages;
    size_t npassages;
    size_t bytes;                   /* raw bytes read (uncompressed) */
    size_t invalid_utf8;            /* invalid sequences replaced by U+FFFD */
} zhs_document;

/* Called for every file that is skipped or only partly read. */
typedef void (*zhs_warn_fn)(void *ctx, const char *path, const char *message);

/* The order a corpus hands out its files, and so the order of passage ids.
** ZHS_ORDER_SIMILAR (the default) puts files with like names next to each
** other, which makes an index smaller (docs/ARCHITECTURE.md); ZHS_ORDER_PATH
** keeps the paths in the order given, each folder walked in byte order of
** its entries' names.  Either way a file's passages stay together and in
** order, and the same corpus always gives the same order. */
enum zhs_order { ZHS_ORDER_SIMILAR = 0, ZHS_ORDER_PATH = 1 };

#define ZHS_CORPUS_OPTIONS_VERSION 1

typedef struct zhs_corpus_options {
    unsigned version;               /* ZHS_CORPUS_OPTIONS_VERSION; 0: a zeroed struct */
    zhs_warn_fn warn;               /* NULL: warnings are only counted */
    void *warn_ctx;
    size_t max_file_bytes;          /* 0: default (1 GiB); larger files skipped */
    int order;                      /* enum zhs_order: the order files are read in */
} zhs_corpus_options;
/*
** Every field left at 0 takes its default, whatever the version (0 is the
** default of each).  A version above ZHS_CORPUS_OPTIONS_VERSION is refused:
** the program was built against a newer zhs.h than the library it runs
** with, and its struct may have fields this library would not read.
*/
#define ZHS_CORPUS_OPTIONS_INIT {ZHS_CORPUS_OPTIONS_VERSION, NULL, NULL, 0, ZHS_ORDER_SIMILAR}

/* Sets *o to ZHS_CORPUS_OPTIONS_INIT. */
void zhs_corpus_options_default(zhs_corpus_options *o);

typedef struct zhs_corpus_stats {
    uint64_t files_read;            /* files that produced a document */
    uint64_t files_skipped;         /* all skipped files, any reason */
    uint64_t skipped_type;          /* not .md/.txt/.jsonl(.gz) */
    uint64_t skipped_binary;        /* NUL bytes */
    uint64_t skipped_error;         /* unreadable, too large, bad gzip, loop */
    uint64_t skipped_empty;         /* no text at all */
    uint64_t bytes;                 /* raw bytes read (uncompressed) */
    uint64_t passages;
    uint64_t invalid_utf8;          /* replaced sequences, all files */
    uint64_t bad_records;           /* JSONL lines that were not records */
    uint64_t other_encoding;        /* files read as GB18030 or UTF-16 */
} zhs_corpus_stats;

typedef struct zhs_corpus zhs_corpus;

/* Opens a reader over files and directories (walked recursively, in
** sorted order, symlink loops detected), handed out in opts->order.  opts
** may be NULL: the defaults. */
int zhs_corpus_open(zhs_corpus **out, const char *const *paths, size_t npaths,
                    const zhs_corpus_options *opts, zhs_error *err);

/* Reads the next document.  Returns ZHS_OK with *doc set, ZHS_DONE at the
** end.  A file that cannot be read is skipped with a warning, never an
** error: errors are only returned for things that stop the whole run
** (out of memory). */
int zhs_corpus_next(zhs_corpus *c, const zhs_document **doc, zhs_error *err);

/* Statistics so far. */
void zhs_corpus_stats_get(const zhs_corpus *c, zhs_corpus_stats *out);

/* Total bytes of the files to read (known after open: used for progress). */
uint64_t zhs_corpus_total_bytes(const zhs_corpus *c);

/* A file the corpus is about to read. */
typedef struct zhs_corpus_file {
    const char *root;           /* the path given to zhs_corpus_open it was found under */
    const char *rel;            /* its path below root ("" when root is the file) */
    const char *path;           /* the path it is read from */
    uint64_t size;
    int64_t mtime_ns;
} zhs_corpus_file;

/* Returns 1 to read f, 0 to pass over it (not counted as skipped), or a
** negative status with err set to stop zhs_corpus_next() with it. */
typedef int (*zhs_corpus_filter_fn)(void *ctx, const zhs_corpus_file *f, zhs_error *err);

/* Calls filter before reading each file (set it before the first
** zhs_corpus_next()). */
void zhs_corpus_set_filter(zhs_corpus *c, zhs_corpus_filter_fn filter, void *ctx);

void zhs_corpus_close(zhs_corpus *c);


/* ===================================================================== */
/* 4. Building an index                                                  */
/* ===================================================================== */

enum zhs_engine { ZHS_ENGINE_NATIVE = 0, ZHS_ENGINE_XAPIAN = 1 };

/* The name of an engine ("native", "xapian"; "unknown" for another value). */
const char *zhs_engine_name(int engine);

/* Parses an engine name.  Fails with ZHS_EINVAL for an unknown name or an
** engine this build does not include. */
int zhs_engine_from_name(int *engine, const char *name, zhs_error *err);

/* Called now and then while a corpus is indexed (and once at the end),
** always on the thread that calls zhs_writer_add and zhs_writer_commit,
** however many threads the build uses. */
typedef struct zhs_progress {
    uint64_t passages, tokens, bytes_in;
    double seconds;
    const char *phase;          /* "indexing", "merging", "writing", then "done" once */
} zhs_progress;
typedef void (*zhs_progress_fn)(void *ctx, const zhs_progress *p);

#define ZHS_WRITER_OPTIONS_VERSION 2

typedef struct zhs_writer_options {
    unsigned version;           /* ZHS_WRITER_OPTIONS_VERSION; 0: a zeroed struct, see below */
    int engine;                 /* enum zhs_engine */
    size_t ram_budget;          /* bytes of postings held before a flush; 0: the default */
    unsigned shards;            /* Xapian only: databases to split over; 0/1: one */
    double k1, b;               /* BM25 parameters the block bounds are built for */
    unsigned title_weight;      /* each title token counts this many times in the body */
    zhs_progress_fn progress;
    void *progress_ctx;
    /* Version 2.  Threads that analyse passages: 1 analyses each passage
    ** in zhs_writer_add; N > 1 analyses them in N - 1 worker threads (and
    ** the caller's, while it waits) and gives them to the engine in the
    ** order they were added, so the index is byte for byte the one a
    ** single thread builds; 0: one per online core.  The analyzer given
    ** to the writer is copied for each worker. */
    unsigned threads;
} zhs_writer_options;
/*
** With version 0 (a struct zeroed by {0} or memset) every field left at 0
** takes its default.  With version >= 1 the numbers are taken as given
** (b = 0 and title_weight = 0 are then meaningful), except ram_budget 0,
** which always means the default.  k1 <= 0 or b outside [0, 1] is refused.
** threads is read only when version >= 2 (a struct of version 0 or 1 may
** come from a program built against the smaller struct): otherwise
** ZHS_DEFAULT_WRITER_THREADS.
*/
#define ZHS_WRITER_OPTIONS_INIT \
    {ZHS_WRITER_OPTIONS_VERSION, ZHS_ENGINE_NATIVE, ZHS_DEFAULT_RAM_BUDGET, 1, \
     ZHS_DEFAULT_K1, ZHS_DEFAULT_B, ZHS_DEFAULT_TITLE_WEIGHT, NULL, NULL, ZHS_DEFAULT_WRITER_THREADS}

/* Sets *o to ZHS_WRITER_OPTIONS_INIT. */
void zhs_writer_options_default(zhs_writer_options *o);

typedef struct zhs_writer zhs_writer;

/* Starts a new version of the index in dir (created if missing).  An
** existing index stays readable, unchanged, until zhs_writer_commit()
** replaces it atomically; a directory that holds something else is
** refused.  The analyzer is borrowed: it must outlive the writer.  Its
** user dictionary, if it has one, is stored with the new version, so that
** zhs_index_open_analyzer() gives queries the same words. */
int zhs_writer_open(zhs_writer **out, const char *dir, zhs_analyzer *an,
                    const zhs_writer_options *opts, zhs_error *err);

/* Adds a passage (copied; the caller keeps ownership). */
int zhs_writer_add(zhs_writer *w, const zhs_passage *p, zhs_error *err);

/* Writes, syncs and publishes the new version.  Afterwards the writer can
** only be closed.  An update (zhs_writer_open_update, _edit) that changes
** nothing (no passage added or deleted, no file added, changed, gone or
** touched) publishes nothing: the index keeps its generation, and its
** readers have nothing to reopen. */
int zhs_writer_commit(zhs_writer *w, zhs_error *err);

/* Frees the writer; without a commit, everything it wrote is removed and
** the previous index is untouched. */
void zhs_writer_close(zhs_writer *w);

/* ---- Incremental updates ----
**
** An update keeps the index's segments, adds one segment for the passages
** it is given and marks the passages of changed and removed source files
** deleted, committed atomically like a build (docs/FORMAT.md).  Scores
** afterwards equal those of a fresh build of the same passages.  The index
** records its source files (root, path below it, size, mtime, content
** hash) when the passages of a build or update are given file by file
** through zhs_writer_source(). */

/* Opens dir for an update.  The analyzer must be the index's
** (zhs_index_open_analyzer); the BM25 parameters and title weight are the
** index's, whatever opts says (only progress and ram_budget are used).
** Without an index at dir this is a new build.  A Xapian index of one
** shard is changed in place (docs/ENGINES.md); one of several shards is
** refused (ZHS_EINVAL). */
int zhs_writer_open_update(zhs_writer **out, const char *dir, zhs_analyzer *an,
                           const zhs_writer_options *opts, zhs_error *err);

/* Opens dir for an edit: an update in which the files not named stay as
** they are (what 'zhs add' and 'zhs delete' do).  Files are named with
** zhs_writer_source() as in an update; zhs_writer_delete_source() and
** zhs_writer_delete_ids() remove passages.  ZHS_ENOTFOUND when dir holds
** no index; a Xapian index is refused like an update. */
int zhs_writer_open_edit(zhs_writer **out, const char *dir, zhs_analyzer *an,
                         const zhs_writer_options *opts, zhs_error *err);

/* The corpus roots the index records (valid until the writer is closed). */
size_t zhs_writer_roots(const zhs_writer *w, const char *const **roots);

/* In an update or edit: deletes the passages of the recorded file rel
** below root and forgets the file.  A rel that ends with '/' names a
** folder below root ("" the whole root): every recorded file below it
** goes.  ZHS_ENOTFOUND when that names no recorded file. */
int zhs_writer_delete_source(zhs_writer *w, const char *root, const char *rel, zhs_error *err);

/* In an update or edit: deletes every passage of the index as it was
** opened whose id is one of ids[0..n) (passages added by this writer
** stay).  found (may be NULL) receives, per id, 1 when a live passage had it,
** else 0.  Reads every stored record once: on the laws corpus 0.3 s. */
int zhs_writer_delete_ids(zhs_writer *w, const char *const *ids, size_t n, unsigned char *found,
                          zhs_error *err);

/* A corpus file as an index records it. */
typedef struct zhs_source {
    const char *root;           /* the corpus argument it was found under */
    const char *rel;            /* its path below root ("" when root is the file) */
    uint64_t size;
    int64_t mtime_ns;
    uint64_t hash;              /* zhs_source_hash() of its bytes; 0: not computed */
} zhs_source;

enum zhs_source_state {
    ZHS_SOURCE_ADDED = 0,       /* new: add its passages now */
    ZHS_SOURCE_CHANGED = 1,     /* its old passages are deleted: add the new ones now */
    ZHS_SOURCE_UNCHANGED = 2,   /* the index has it as it is: add nothing */
    ZHS_SOURCE_NEEDS_HASH = 3   /* size or mtime differ: call again with the hash */
};

/* Starts source file s: the passages added until the next call belong to
** it.  *state says what to do (enum zhs_source_state).  In an update,
** every recorded file of the index that is not named before the commit is
** taken as removed and its passages deleted. */
int zhs_writer_source(zhs_writer *w, const zhs_source *s, int *state, zhs_error *err);

/* The 64-bit content hash recorded for source files (FNV-1a; never 0). */
uint64_t zhs_source_hash(const void *data, size_t len);

/* Fails with ZHS_EINVAL when the index at the writer's directory records
** source roots other than roots[0..n) (a build would replace it with a
** different corpus); ZHS_OK when they agree or nothing is recorded. */
int zhs_writer_check_roots(const zhs_writer *w, const char *const *roots, size_t n, zhs_error *err);

/* In an update: fails with ZHS_EINVAL when a recorded root that still
** holds files is not among roots[0..n) (the update would delete all its
** files as gone), or when a new folder among them would change the ids
** of the files indexed (a second folder added to a one-folder index, a
** folder of a name already indexed).  ZHS_OK otherwise. */
int zhs_writer_check_update_roots(const zhs_writer *w, const char *const *roots, size_t n, zhs_error *err);

typedef struct zhs_update_counts {
    uint64_t added, changed, deleted, unchanged;    /* source files */
    uint64_t passages_added, passages_deleted;
    unsigned segments;          /* after the commit */
} zhs_update_counts;
void zhs_writer_update_counts(const zhs_writer *w, zhs_update_counts *out);

#define ZHS_MERGE_OPTIONS_VERSION 1
typedef struct zhs_merge_options {
    unsigned version;           /* ZHS_MERGE_OPTIONS_VERSION */
    unsigned max_segments;      /* merge until at most this many remain; 0: the policy */
    zhs_progress_fn progress;
    void *progress_ctx;
} zhs_merge_options;
#define ZHS_MERGE_OPTIONS_INIT {ZHS_MERGE_OPTIONS_VERSION, 0, NULL, NULL}

/* Merges segments of the native index at dir into one, dropping deleted
** passages, and commits atomically.  an must be the index's analyzer
** (zhs_index_open_analyzer): the merged passages are analysed again.  With max_segments 0 the tiered policy
** decides (more than ZHS_MERGE_POLICY_SEGMENTS segments: the smallest are
** merged), and nothing is done when it finds nothing to merge.  *merged
** (may be NULL) receives how many segments were merged. */
#define ZHS_MERGE_POLICY_SEGMENTS 4
int zhs_index_merge(const char *dir, zhs_analyzer *an, const zhs_merge_options *opts, unsigned *merged,
                    zhs_error *err);

/* ===================================================================== */
/* 5. Searching                                                          */
/* ===================================================================== */

typedef struct zhs_index zhs_index;

/* Opens an index read-only (either engine), verifying every checksum.
** A native index's handle may be shared by threads that search
** concurrently.  A Xapian index's handle holds a Xapian::Database, which is
** not thread-safe: open one handle per thread. */
int zhs_index_open(zhs_index **out, const char *dir, zhs_error *err);
void zhs_index_close(zhs_index *ix);

/* Opens Xapian shards served by xapian-tcpsrv ("host:port" each) as one
** index with global statistics.  A shard that does not answer within
** timeout_ms (0: 10 s) fails the open or the search, naming it. */
int zhs_index_open_remote(zhs_index **out, const char *const *hostports, size_t n,
                          unsigned timeout_ms, zhs_error *err);

typedef struct zhs_index_info {
    int engine;
    const char *engine_name;    /* zhs_engine_name(engine) */
    int shareable;              /* 1: one handle may serve concurrent threads */
    uint64_t passages, tokens, terms;
    uint64_t source_bytes;      /* passage text indexed, in bytes */
    double avglen, k1, b;
    uint64_t generation;
    unsigned shards;
    const char *analyzer;       /* fingerprint the index was built with */
} zhs_index_info;
void zhs_index_info_get(const zhs_index *ix, zhs_index_info *out);

/* Opens the analyzer the index was built with (its configuration and any
** data the index keeps for it), so that queries are analyzed exactly as the
** passages were.  *out is owned by the caller: zhs_analyzer_close(). */
int zhs_index_open_analyzer(zhs_analyzer **out, const zhs_index *ix, zhs_error *err);

/* The files of the index's current generation, with their sizes: at most
** cap written to out, *n set to how many there are (more than cap: only
** the first cap were written; call again with room for *n). */
typedef struct zhs_index_file {
    char label[24];             /* "postings", "x3-0", ... */
    char file[64];              /* name inside the index directory */
    uint64_t bytes;             /* a directory's: all files below it */
} zhs_index_file;
int zhs_index_files(zhs_index_file *out, size_t cap, size_t *n, const zhs_index *ix, zhs_error *err);

/* Fails with ZHS_EANALYZER and a message saying what to do when the
** analyzer's fingerprint differs from the index's.  A difference in
** chars= only is accepted where the index has bigrams (bigrams=1) and
** holds every character term (chars=1) or is a native index whose
** segments were all written in format 3 or later: there its queries get
** every character term whatever the analyzer's setting. */
int zhs_index_check_analyzer(const zhs_index *ix, const zhs_analyzer *an, zhs_error *err);

/* Abbreviations of law names that citations may use (个保法 for
** 个人信息保护法).  A built-in list is always consulted; a list given in
** the search options comes before it.  A list is read-only once made and
** may be shared by threads.  Format: one "ABBREVIATION NAME" a line,
** blanks between, "#" comments (docs/QUERY.md). */
typedef struct zhs_aliases zhs_aliases;
int zhs_aliases_load(zhs_aliases **out, const char *path, zhs_error *err);
/* The same from text in memory; source names it in messages (may be NULL). */
int zhs_aliases_parse(zhs_aliases **out, const char *text, size_t len, const char *source,
                      zhs_error *err);
void zhs_aliases_free(zhs_aliases *a);

#define ZHS_SEARCH_OPTIONS_VERSION 4

typedef struct zhs_search_options {
    unsigned version;           /* ZHS_SEARCH_OPTIONS_VERSION; 0: a zeroed struct */
    size_t k;                   /* hits wanted; 0: the default; at most ZHS_MAX_K */
    double k1;                  /* BM25 k1; <= 0: the index's; NaN or over 1000: ZHS_EINVAL */
    double b;                   /* BM25 b; < 0: the index's (version 0: 0 too); NaN or over 1: ZHS_EINVAL */
    int exhaustive;             /* 1: score every match, no pruning (the oracle) */
    int count_only;             /* 1: only count matches */
    /* Version 2.  Citations: extra law-name abbreviations; NULL: the
    ** built-in ones only. */
    const zhs_aliases *aliases;
    /* Versions: documents with the same title and different dates are
    ** versions of one law.  By default only the newest version's passages
    ** match. */
    int all_versions;           /* 1: every version matches */
    const char *as_of;          /* "YYYY-MM-DD": only the version in force then
                                ** (the newest dated on or before it); NULL: none */
    /* Conditions on the metadata, all of which a passage must meet,
    ** separated by spaces or ';': date>=2021-01-01 (also <= > < =),
    ** category=行政法规, status=现行有效, issuer=国务院 (also KEY:VALUE).
    ** NULL or "": none. */
    const char *filter;
    unsigned group_size;        /* > 0: at most this many hits per law (title
                                ** and version), the best first; 0: no grouping */
    /* Version 3.  Weight of the term-proximity bonus added to BM25
    ** (docs/RANKING.md); 0: ZHS_DEFAULT_PROXIMITY; < 0: none (plain BM25).
    ** The native engine only: Xapian ranks with plain BM25. */
    double proximity;
    /* Version 4.  1: no statutes' wording added for everyday words
    ** (docs/RANKING.md, "Everyday words") and no article cited for a
    ** crime's name (docs/QUERY.md, "Crime names"): the words as written,
    ** ranked with the features still on; 0: added (the native engine, with
    ** the ranking features on). */
    int no_expand;
} zhs_search_options;
/*
** The version-2 fields are read only when version >= 2, the version-3
** field when version >= 3, the version-4 one when version >= 4 (start
** from ZHS_SEARCH_OPTIONS_INIT): an older
** struct may come from a program built against the smaller struct, so it
** gets their defaults.
** Filters, as_of and group_size need the index's metadata table: on an
** index built before it (or remote shards) they fail with ZHS_EVERSION.
*/
#define ZHS_SEARCH_OPTIONS_INIT {ZHS_SEARCH_OPTIONS_VERSION, ZHS_DEFAULT_K, 0, -1, 0, 0, NULL, 0, NULL, NULL, 0, 0, 0}

/* Sets *o to ZHS_SEARCH_OPTIONS_INIT. */
void zhs_search_options_default(zhs_search_options *o);

typedef struct zhs_hit {
    uint32_t doc;               /* internal passage number */
    double score;
} zhs_hit;

/* Query terms for highlighting: the term keys the query searched for. */
typedef struct zhs_results zhs_results;

/* Parses and runs a query (see docs/QUERY.md for the language).  The
** analyzer must be the index's (zhs_index_check_analyzer).  *out is owned
** by the caller: free it with zhs_results_free(). */
int zhs_index_search(zhs_results **out, zhs_index *ix, zhs_analyzer *an,
                     const char *query, const zhs_search_options *opts, zhs_error *err);

size_t zhs_results_count(const zhs_results *r);          /* hits returned */
/* What a lenient reading of the query ignored or changed (an unterminated
** quote, a lone + or -, terms beyond the limit, ...): the i-th warning, or
** NULL past the last.  Owned by r. */
const char *zhs_results_warning(const zhs_results *r, size_t i);
uint64_t zhs_results_matches(const zhs_results *r);      /* passages matched (exact with count_only or exhaustive) */
const zhs_hit *zhs_results_hit(const zhs_results *r, size_t i);
void zhs_results_free(zhs_results *r);

/* Loads a stored passage.  Its strings live in *r and stay valid until
** zhs_results_free(r). */
int zhs_results_passage(zhs_passage *out, zhs_results *r, uint32_t doc, zhs_error *err);

/* A passage's place among the versions of its law: the documents of the
** index with its title, told apart by their dates.  Filled from the
** index's metadata table; an index built before that table existed, or
** remote shards, give date "" and versions 0. */
#define ZHS_MAX_VERSIONS 16
typedef struct zhs_version_info {
    char date[11];              /* this passage's version date, "" if none */
    int newest;                 /* 1: no version of its title is newer */
    uint32_t versions;          /* distinct dates of its title (0: undated) */
    uint32_t ndates;            /* dates listed below, at most ZHS_MAX_VERSIONS */
    char dates[ZHS_MAX_VERSIONS][11];   /* every version's date, newest first */
} zhs_version_info;
int zhs_results_version(zhs_version_info *out, const zhs_results *r, uint32_t doc, zhs_error *err);
/* The day a passage's version is in force from, "YYYY-MM-DD" (11 bytes
** with the NUL) into out: the day its document names (本法自2024年7月1日起
** 施行, or an "effective" member of its JSONL record or front matter), not
** before its date; else its date; "" when it has neither, or the index
** was built before zhsearch read that day (format 11: rebuild it). */
int zhs_results_in_force(char out[11], const zhs_results *r, uint32_t doc, zhs_error *err);
/* Whether a passage's document is repealed by another document of the
** index, whose text says so (《某某条例》同时废止, 废止《某某条例》: docs/
** CORPUS.md), for the versions dated before the repealing one.  day: the
** repealing version's day in force, "YYYY-MM-DD"; "" when the passage is
** not repealed, or the index was built before zhsearch read repeals
** (format 12: rebuild it).  by: the repealing document's title (cut at
** ZHS_REPEAL_TITLE_MAX - 1 bytes), by_date its date ("" if undated). */
#define ZHS_REPEAL_TITLE_MAX 512
typedef struct zhs_repeal_info {
    char day[11];
    char by_date[11];
    char by[ZHS_REPEAL_TITLE_MAX];
} zhs_repeal_info;
int zhs_results_repealed(zhs_repeal_info *out, const zhs_results *r, uint32_t doc, zhs_error *err);

/* Byte ranges of p->text that match the query, sorted and merged.
** Owned by r. */
typedef struct zhs_span { uint32_t start, end; } zhs_span;
int zhs_results_highlights(const zhs_span **spans, size_t *nspans, zhs_results *r,
                           zhs_analyzer *an, const zhs_passage *p, zhs_error *err);
/* The same for any text of a hit, such as p->title or p->heading (a hit
** whose only match is its title or heading has no spans in p->text): byte
** ranges of text.  Owned by r, until the next call of either. */
int zhs_results_highlights_of(const zhs_span **spans, size_t *nspans, zhs_results *r,
                              zhs_analyzer *an, const char *text, size_t len, zhs_error *err);

/* An empty result set on ix, for reading passages by number with
** zhs_results_passage() without running a query.  Free it with
** zhs_results_free(). */
int zhs_index_results(zhs_results **out, zhs_index *ix, zhs_error *err);

/* Why a passage scores what it does: each scoring term of r's query and its
** part of the passage's BM25 score at the index's k1 and b (native indexes
** only: Xapian weighs with its own formula).  The parts add up, in the
** query's term order, to exactly the score a search gives the passage when
** it matches; the explanation does not say whether it matches (required
** and excluded parts are not checked).  Strings and the terms array are
** owned by r. */
typedef struct zhs_explain_term {
    const char *key;            /* the term as indexed (prefix "T": title field, "B": bigram, "U": character) */
    const char *text;           /* its text without the prefixes */
    int title;                  /* 1: the title field */
    uint32_t kind;              /* enum zhs_token_kind */
    uint32_t qtf;               /* times the query names it */
    uint64_t df;                /* passages holding it (0: none, it scores nothing) */
    uint32_t tf;                /* occurrences in this passage */
    double idf;                 /* ln(1 + (N - df + 0.5) / (df + 0.5)) */
    double tf_part;             /* tf * (k1 + 1) / (tf + k1 * length_norm) */
    double score;               /* qtf * idf * tf_part (0 for a question word in a question, docs/RANKING.md) */
} zhs_explain_term;

typedef struct zhs_explanation {
    uint32_t doc;
    uint32_t length;            /* the passage's BM25 length in tokens */
    double k1, b, avglen;
    double length_norm;         /* 1 - b + b * length / avglen */
    double score;               /* the sum of the terms' scores, plus proximity */
    const zhs_explain_term *terms;
    size_t nterms;
    double proximity;           /* the term-proximity bonus (docs/RANKING.md) */
} zhs_explanation;
int zhs_results_explain(zhs_explanation *out, zhs_results *r, uint32_t doc, zhs_error *err);

/* Checks every file of the index: checksums and structural invariants.
** On damage returns ZHS_ECORRUPT naming the file and offset. */
int zhs_index_verify(const char *dir, zhs_error *err);

#ifdef __cplusplus
}
#endif
#endif /* ZHS_H */
