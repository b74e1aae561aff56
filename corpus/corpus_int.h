/*
** corpus_int.h — internals of the corpus reader, shared by the files of
** corpus/ and nothing else.
**
** The data flow inside the reader:
**
**   walk.c       paths -> sorted file list (at open)
**   order.c      the list in the order files are read (like names together)
**   reader.c     file -> bytes (zlib for .gz) -> valid UTF-8 -> a parser
**   document.c   lines -> front matter, comments, Markdown blocks, headings
**   inline.c     one line of Markdown -> plain text
**   paragraph.c  lines -> paragraphs (hard wraps repaired)
**   article.c    "第十条" labels at the start of a paragraph
**   passage.c    paragraphs -> passages (articles, groups, ids)
**   jsonl.c      JSON lines -> one passage per record
*/
#ifndef ZHS_CORPUS_INT_H
#define ZHS_CORPUS_INT_H

#include "common.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Directories nested deeper than this below a directory argument are not
** entered: deep trees are almost always a symlink trick or a mistake. */
#define CORPUS_MAX_DEPTH 64
#define CORPUS_DEFAULT_MAX_FILE ((size_t)1 << 30)

/* Passage sizes, in code points.  Text outside articles is grouped into
** passages of GROUP_MIN..GROUP_MAX at paragraph boundaries; a paragraph
** longer than the limit of its passage is split at sentence ends; a sentence
** longer than SENTENCE_MAX is cut into pieces of CUT.  An article is kept
** whole up to ARTICLE_MAX (the longest in the laws corpus has 3,852), past
** that it goes on in further passages with the same label. */
#define CORPUS_GROUP_MIN 100
#define CORPUS_GROUP_MAX 500
#define CORPUS_ARTICLE_MAX 5000
#define CORPUS_SENTENCE_MAX 2000
#define CORPUS_CUT 500

/* A paragraph of one line this short (in code points) is read as a heading
** and never continued across a blank line: 第一章 总则, 一、总体要求 and
** headlines are shorter, a column of newspaper text (18-24) is longer. */
#define CORPUS_HEADING_MAX 15

/* A JSONL file is handed out as documents of this many records each, so
** that the passages of a huge file never sit in memory all at once. */
#define CORPUS_JSONL_CHUNK 1000
/* Bad JSONL lines warned about per file; the rest are only counted. */
#define CORPUS_JSONL_WARN_MAX 10
/* Slots of the table of a JSONL file's ids (duplicates are warned about):
** half as many ids. */
#define CORPUS_JSONL_IDS_MAX ((size_t)1 << 22)

/* ------------------------------------------------------------ names.c */

typedef enum corpus_kind {
    CORPUS_NONE = 0,
    CORPUS_MD,
    CORPUS_TXT,
    CORPUS_JSONL
} corpus_kind;

/* The kind of a file from its name; *gz tells whether it ends in .gz. */
corpus_kind corpus_kind_of(const char *name, bool *gz);
/* The last component of path. */
const char *corpus_basename(const char *path);
/* Bytes of name without its .gz and .md/.txt/.jsonl extensions. */
size_t corpus_stem_len(const char *name);
/* The stem without the version date at its end (反垄断法(2022-06-24).txt:
** 反垄断法): the title of a document whose text has none, so that two
** dated files of one law are its versions. */
size_t corpus_title_len(const char *name);

/* ------------------------------------------------------------- text.c */

/* Bytes of whitespace (ASCII, U+3000, U+00A0, U+FEFF) at the start or end. */
size_t corpus_space_prefix(const char *s, size_t n);
size_t corpus_space_suffix(const char *s, size_t n);
void corpus_trim(const char **s, size_t *n);
uint32_t corpus_first_cp(const char *s, size_t n);
uint32_t corpus_last_cp(const char *s, size_t n);
/* Appends s with every run of whitespace made one space, trimmed. */
bool corpus_collapse_spaces(zhs_buf *out, const char *s, size_t n);
/* Offset of needle in s[0..n), n if absent. */
size_t corpus_find(const char *s, size_t n, const char *needle, size_t m);

/* ---------------------------------------------------------- article.c */

/* Bytes of the article label ("第十条", "第二百二十四条之一") that starts s,
** when it is followed by a space, U+3000 or the end; 0 otherwise. */
size_t corpus_article_label(const char *s, size_t n);
/* Bytes of a numbered heading's marker at s (一、 （一） ① 第二章 第一节
** 1.), 0 if none. */
size_t corpus_numbered_heading(const char *s, size_t n);
/* The rank of the structural heading a line is (第一编 总则: 1 for 编 部分
** 篇 卷, 2 分编, 3 章, 4 节), 0 when it is none: a 第X章 marker and a name of
** 30 characters at most without the marks of a sentence.  The _unit_ form
** looks at the marker alone (a heading already taken as one). */
int corpus_structure_rank(const char *s, size_t n);
int corpus_structure_unit_rank(const char *s, size_t n);

/* ----------------------------------------------------------- inline.c */

/* Appends the plain text of one line of Markdown: emphasis markers, code
** spans, links and images reduced to their text, backslash escapes
** resolved.  Returns false when out of memory. */
bool corpus_md_inline(zhs_buf *out, const char *s, size_t n);
/* Whether s holds any character corpus_md_inline() would look at. */
bool corpus_md_has_markup(const char *s, size_t n);

/* -------------------------------------------------------- paragraph.c */

/* Where each source line starts inside a paragraph's text. */
typedef struct corpus_mark {
    size_t off;
    uint32_t line;
} corpus_mark;

typedef struct corpus_para {
    zhs_buf text;           /* lines joined, hard wraps repaired */
    corpus_mark *marks;
    size_t nmarks, cap;
    size_t label_len;       /* article label at the start of text, or 0 */
    bool label_alone;       /* the label ended its line: join with a space */
    bool oom;
} corpus_para;

void corpus_para_init(corpus_para *p);
void corpus_para_free(corpus_para *p);
void corpus_para_reset(corpus_para *p);
/* Adds one trimmed, non-empty line; label_len is its article label length
** (only looked at for the first line). */
void corpus_para_add(corpus_para *p, const char *s, size_t n, uint32_t line, size_t label_len);
/* The source line of the text at byte off; *cursor (start at 0) makes a
** run of increasing offsets linear. */
uint32_t corpus_para_line_at(const corpus_para *p, size_t off, size_t *cursor);

/* ---------------------------------------------------------- passage.c */

/* How many of the document's passages so far have a label (passage.c). */
typedef struct corpus_label_count {
    const char *label;          /* in the document's arena */
    uint64_t hash;
    uint32_t doc;               /* the document it counts for: others' are empty */
    uint32_t count;
} corpus_label_count;

typedef struct corpus_builder {
    zhs_arena *arena;           /* the current document's memory */
    const char *path, *rel;     /* rel names passages: "rel#n" */
    bool root_file;             /* the file was given itself, not found in a folder: no category */
    zhs_passage *v;             /* the document's passages */
    size_t n, cap;
    /* The passages' labels counted, so that an id's ordinal is one look-up
    ** rather than a pass over the document's passages so far (quadratic
    ** in a file of thousands of passages, as a JSONL file without ids). */
    corpus_label_count *labels;
    uint32_t nlabels, labels_bits, doc;
    zhs_buf cur;                /* the passage being built */
    size_t cur_chars;
    uint32_t cur_line;
    const char *cur_heading;
    const char *label;          /* label of the current article, "" if none */
    bool article;               /* inside an article (until a heading) */
    bool record;                /* JSONL: one passage per record */
    const char *rec_id, *rec_title;
    const char *heading;        /* current heading path */
    /* Metadata given to the passages to come ("" when unknown): the
    ** document's, or a JSONL record's. */
    const char *date, *category, *status, *issuer, *extra;
} corpus_builder;

void corpus_builder_init(corpus_builder *b, zhs_arena *arena);
void corpus_builder_free(corpus_builder *b);
/* Starts a document: forgets the passages of the last one. */
void corpus_builder_start(corpus_builder *b, const char *path, const char *rel);
/* Takes a finished paragraph. */
int corpus_builder_paragraph(corpus_builder *b, const corpus_para *p, zhs_error *err);
/* Ends the current passage (and article) at a heading or a hard break. */
int corpus_builder_break(corpus_builder *b, zhs_error *err);
/* Records the heading path (an arena string) for the passages to come. */
void corpus_builder_set_heading(corpus_builder *b, const char *heading);
/* JSONL: everything between begin and end becomes one passage.  id NULL:
** "rel#n"; title NULL: the document title. */
void corpus_builder_begin_record(corpus_builder *b, const char *id, const char *title,
                                 uint32_t line);
int corpus_builder_end_record(corpus_builder *b, bool *made, zhs_error *err);
/* The document's metadata from its place in the corpus: the version date
** "(YYYY-MM-DD)" at the end of the file name, and the category, the first
** folder of rel (strings in the builder's arena). */
int corpus_builder_file_meta(corpus_builder *b, zhs_error *err);
/* Sets one metadata field from a front matter or JSONL value: "date"
** (normalised to YYYY-MM-DD; not a date: ignored), "status", "issuer",
** "category".  False for another key; *oom when out of memory. */
/* A Markdown document's date lines (corpus_doc): its date and day in
** force where neither its name nor its front matter gave one, also for
** the passages it has already handed over.  False when out of memory. */
bool corpus_builder_info_dates(corpus_builder *b, uint32_t date, uint32_t effective);
bool corpus_builder_set_meta(corpus_builder *b, const char *key, size_t keylen, const char *v, size_t n,
                             bool *oom);
/* Gives every passage without a title this one. */
void corpus_builder_finish(corpus_builder *b, const char *title);

/* --------------------------------------------------------- document.c */

typedef struct corpus_doc {
    corpus_builder *b;
    zhs_arena *arena;
    corpus_para para;
    zhs_buf nocomment;          /* a line with its HTML comments removed */
    zhs_buf clean;              /* a line as plain text */
    zhs_buf tmp;
    zhs_buf heads[7];           /* heading text by level 1..6 */
    bool markdown;
    bool in_comment, in_fence, in_quote;
    bool held;                  /* para kept open over blank lines: a column break? */
    bool printed;               /* a file's text, which may hold page furniture (not a JSONL record) */
    bool after_folio;           /* a framed page number was dropped; blank lines since */
    bool blank_before;          /* the line before was blank (or the text starts) */
    const char *text_end;       /* the end of the text being parsed */
    size_t paragraphs;          /* paragraphs of the document so far */
    char fence_char;
    size_t fence_len;
    const char *title;          /* first level-1 heading, NULL if none yet */
    /* the date lines before the laws corpus's <!-- INFO END -->: the
    ** latest a version was adopted, amended or published on, and the
    ** latest it says it is in force from (YYYYMMDD, 0: none) */
    uint32_t info_date, info_effective;
    bool info_done;             /* INFO END seen: no more date lines */
} corpus_doc;

void corpus_doc_init(corpus_doc *d, corpus_builder *b, zhs_arena *arena);
void corpus_doc_free(corpus_doc *d);
/* Starts a document: Markdown or plain text. */
/* A document's start: Markdown or plain text; printed: a file's text,
** whose page numbers and running headers are dropped (a JSONL record's
** text is taken as it is). */
void corpus_doc_begin(corpus_doc *d, bool markdown, bool printed);
/* Feeds text whose first line is first_line to the builder, paragraph by
** paragraph; the last paragraph is handed over too.  Passages are left
** open: the caller breaks or ends the record. */
int corpus_doc_parse(corpus_doc *d, const char *text, size_t len, uint32_t first_line,
                     zhs_error *err);

/* ------------------------------------------------------ walk / reader */

typedef struct corpus_file {
    const char *path;           /* to open, and to show */
    const char *rel;            /* for ids */
    const char *root;           /* the corpus argument it was found under */
    bool root_is_file;          /* the argument named this file */
    size_t rel_skip;            /* rel + rel_skip: the path below the root */
    uint64_t size;              /* on disk */
    int64_t mtime_ns;
    corpus_kind kind;
    bool gz;
} corpus_file;

struct zhs_corpus {
    zhs_warn_fn warn;
    void *warn_ctx;
    size_t max_file_bytes;
    int order;                  /* enum zhs_order */

    corpus_file *files;
    size_t nfiles, cap, next;
    const char *walk_root;      /* the argument being walked (in names) */
    unsigned walk_root_mode;    /* its st_mode */
    bool multi_root;            /* several arguments: ids name their folder */
    size_t rel_skip;
    zhs_corpus_filter_fn filter;        /* the caller's, or NULL */
    void *filter_ctx;
    zhs_arena names;            /* strings of the file list */
    uint64_t total_bytes;
    zhs_corpus_stats stats;

    zhs_buf raw;                /* the current file as read */
    zhs_buf valid;              /* the same made valid UTF-8, when needed */
    const char *text;           /* raw or valid, without a BOM */
    size_t text_len;
    size_t invalid;             /* replacements in the current file */

    zhs_arena arena;            /* the current document */
    corpus_builder builder;
    corpus_doc parser;
    zhs_document doc;

    /* A JSONL file handed out in chunks. */
    const corpus_file *jsonl;   /* NULL when none is open */
    size_t jsonl_pos;
    uint32_t jsonl_line;
    uint64_t jsonl_bad;
    bool jsonl_first;           /* no chunk handed out yet */
    uint64_t *id_hash;          /* the JSONL record ids read so far, of every file: hash, or 0 */
    uint32_t *id_line;          /* and the line that gave it */
    uint32_t *id_file;          /* in which file (its place in files[]) */
    size_t id_cap, id_n;        /* slots (a power of two), ids held */
    uint64_t id_dups;           /* ids of the file given before (in it or in another) */
    zhs_buf rec_id, rec_title, rec_text, rec_key;
    zhs_buf rec_val, rec_extra;     /* a metadata value; the other members, as JSON */
    const char *rec_key_raw;        /* the current key as written (quotes included) */
    size_t rec_key_rawlen;
    const char *file_meta[4];       /* the file's date, category, status, issuer */
};

/* Puts the walked files in ZHS_ORDER_SIMILAR order (order.c). */
int corpus_order(zhs_corpus *c, zhs_error *err);

/* Calls the warn callback with a formatted message. */
void corpus_warn(zhs_corpus *c, const char *path, const char *fmt, ...) ZHS_PRINTF(3, 4);
/* Counts a skipped file under *counter and warns about it. */
void corpus_skip(zhs_corpus *c, uint64_t *counter, const char *path, const char *fmt, ...)
    ZHS_PRINTF(4, 5);

/* encoding.c: text that is not UTF-8.  Whether s[0..n), with `invalid`
** invalid UTF-8 sequences, is mostly not UTF-8; s[0..n) decoded from an
** ICU encoding into out as UTF-8, false at the first invalid byte (or
** *oom); and s[0..n) read as UTF-16 (with a byte order mark, or without
** one when it decodes to plausible text as little or big endian) into
** out, giving the encoding read, NULL when it is not UTF-16 (or *oom). */
bool corpus_mostly_invalid(const char *s, size_t n, size_t invalid);
bool corpus_decode(zhs_buf *out, const char *s, size_t n, const char *encoding, bool *oom);
const char *corpus_read_utf16(zhs_buf *out, const char *s, size_t n, bool *oom);
/* corpus_decode of s[0..n), else of it without its last 1 to cut bytes (a
** file cut inside a character), which then end in U+FFFD (*was_cut). */
bool corpus_decode_cut(zhs_buf *out, const char *s, size_t n, const char *encoding, size_t cut, bool *oom,
                       bool *was_cut);

/* walk.c: appends the files under path (a file or a directory); the ids of
** files in a folder start with id_root (NULL: relative to the folder). */
int corpus_walk(zhs_corpus *c, const char *path, const char *id_root, zhs_error *err);

/* jsonl.c: starts reading the JSONL file f from c->text. */
void corpus_jsonl_begin(zhs_corpus *c, const corpus_file *f);
/* Fills c->doc with the next chunk of records; *made is false (and the
** file closed) when the file has no more. */
int corpus_jsonl_next(zhs_corpus *c, bool *made, zhs_error *err);

#endif /* ZHS_CORPUS_INT_H */
