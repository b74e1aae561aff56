/*
** xapian_shim.h — a plain C interface to the Xapian backend (libxapian 1.4).
**
** This is the only place where zhsearch meets C++: xapian_shim.cc wraps
** Xapian::WritableDatabase, Xapian::Database (local shards, remote shards
** served by xapian-tcpsrv) and Xapian::Enquire, and turns every C++
** exception into a zhs_error.  No exception ever crosses into C.
**
** Conventions are those of zhs.h: functions return ZHS_OK or a negative
** ZHS_E* code; the last argument is a zhs_error* (may be NULL); a call that
** finds err->code != 0 on entry does nothing and returns that code (it only
** sets *out to NULL); close/free(NULL) is a no-op.
**
** Error codes:
**   ZHS_EINVAL    bad argument (NULL, malformed host:port, bad query tree,
**                 k1 < 0, b outside [0,1], ...) or Xapian's
**                 InvalidArgumentError (e.g. a term longer than
**                 ZHS_XTERM_MAX bytes)
**   ZHS_ENOMEM    std::bad_alloc
**   ZHS_EIO       Xapian::DatabaseOpeningError / DatabaseCreateError /
**                 DatabaseLockError, and Xapian::NetworkError (including
**                 timeouts): a shard that cannot be reached
**   ZHS_ENOTFOUND Xapian::DatabaseNotFoundError (no database at path)
**   ZHS_EVERSION  Xapian::DatabaseVersionError
**   ZHS_ECORRUPT  Xapian::DatabaseCorruptError
**   ZHS_EXAPIAN   any other Xapian::Error or std::exception
** The message names the operation, the database path or "host:port", and
** Xapian's own description ("NetworkError: ... (Connection refused)").
**
** Threads: a handle is not thread-safe (neither are Xapian's objects); use
** one zhs_xreader per thread.  Different handles may be used concurrently.
**
** ---------------------------------------------------------------------------
** Weighting: Xapian::BM25Weight(k1, k2 = 0, k3 = 1, b, min_normlen).
**
** For a query term t with wqf q, in a document d with wdf f (the number of
** occurrences, as summed from the zhs_xterm.wdf increments):
**
**   Xapian:  w(t,d) = idf_x * (k3+1)q/(k3+q) * (k1+1) f / (f + k1*(1-b+b*L))
**              idf_x = ln(R') where R = (N - n + 0.5) / (n + 0.5) and
**                      R' = R when R >= 2, else R' = 1 + R/2
**              L     = max(len(d) / avglen, min_normlen)
**   native:  w(t,d) = idf_l * (k1+1) f / (f + k1*(1-b+b*len(d)/avglen))
**              idf_l = ln(1 + (N - n + 0.5) / (n + 0.5))        (Lucene)
**
** with N = documents (passages), n = documents containing t.  The score of
** a document is the sum of w(t,d) over the query terms it matches (k2 = 0
** adds no per-document extra).  Differences from the native BM25:
**   - idf: Xapian uses the classic Robertson/Sparck Jones ln(R) instead of
**     ln(1 + R).  For rare terms the two differ by ln(1 + 1/R), which is
**     small (< 0.41, and -> 0 as R grows).  For a term in more than about a
**     third of the documents (R < 2) Xapian's idf is ln(1 + R/2) against
**     the native ln(1 + R): still positive, but common terms weigh
**     relatively less under Xapian.
**   - document length: Xapian's len(d) is the sum of the wdf of every term
**     of the passage (all postings, words and bigrams alike, plus terms added
**     without a position), and avglen is the total of those over all
**     documents of all shards / N.  If the native index counts length
**     differently (e.g. in characters or in one kind of token only) the
**     length normalisation differs accordingly.  Terms added with wdf
**     ZHS_XWDF_ZERO count 0: zhsearch adds its title-field terms so, and
**     the lengths are then exactly the native ones.
**   - min_normlen: Xapian floors len(d)/avglen at min_normlen so that very
**     short documents do not get very large weights.  The native formula
**     has no floor.  Our default is ZHS_XBM25_MIN_NORMLEN = 0.0 (Xapian's
**     own default is 0.5): with 0 the tf/length factor is exactly the native
**     one, so that Xapian and native scores differ only through idf (and the
**     length definition).  Pass 0.5 for Xapian's stock behaviour, which
**     ranks very short passages (headings, "第十条") lower.
**   - query terms: with k3 = 1 the factor (k3+1)q/(k3+q) is 1 for wqf q = 1
**     (neutral); a term given twice as wqf = 2 weighs 4/3, not 2 (it
**     saturates), unlike a native query that adds the term twice.
**   - AND_NOT and FILTER score only their first kid; PHRASE scores like the
**     AND of its terms (the phrase itself has no frequency of its own).
** Xapian's idf cannot be changed without a weighting scheme of our own,
** which xapian-tcpsrv would not know.  But a scored term can be scaled
** (OP_SCALE_WEIGHT), by a factor computed before the search from the
** term's global n: zhs_xsearch_opts.weight = ZHS_XWEIGHT_NATIVE scales
** each scored TERM by wqf * ln(1 + R) / ln(R'), which turns the idf and
** the wqf factor into the native ones.  With min_normlen 0 and wdf-0 title
** terms, Xapian's score is then the native score up to rounding (the
** zhsearch engine searches so; tests/test_agreement.c measures relative
** differences below 1e-15).
** Statistics (N, n, avglen) are always global over all shards, local or
** remote, so a sharded search gives the same scores as one database.
** ---------------------------------------------------------------------------
*/
#ifndef ZHS_XAPIAN_SHIM_H
#define ZHS_XAPIAN_SHIM_H

#include <stddef.h>
#include <stdint.h>

#include "zhs.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Longest term, in bytes, that the glass backend accepts.  Longer terms
** make zhs_xdb_add() fail with ZHS_EINVAL: drop or truncate them first. */
#define ZHS_XTERM_MAX 245

/* Defaults used by zhs_xsearch_opts_default() and when opts is NULL: the
** project's (zhs.h), so that a shim search and a zhs search agree unless
** told otherwise. */
#define ZHS_XBM25_K1 ZHS_DEFAULT_K1
#define ZHS_XBM25_B ZHS_DEFAULT_B
#define ZHS_XBM25_MIN_NORMLEN 0.0
#define ZHS_XSEARCH_K ZHS_DEFAULT_K

/* Remote timeout used when timeout_ms is 0 (Xapian's own default). */
#define ZHS_XREMOTE_TIMEOUT_MS 10000u

/* ===================================================================== */
/* Building a database                                                   */
/* ===================================================================== */

typedef struct zhs_xdb zhs_xdb;         /* a writable database */

/* One term of a passage.  term need not be NUL-terminated. */
typedef struct zhs_xterm {
    const char *term;
    uint32_t len;           /* bytes in term, 1..ZHS_XTERM_MAX */
    uint32_t pos;           /* 1-based position; 0 = no position */
    uint32_t wdf;           /* wdf increment, >= 1 (0 is read as 1), or
                            ** ZHS_XWDF_ZERO */
} zhs_xterm;

/* A wdf increment of 0: the term is indexed (it matches, and keeps its
** position) but adds nothing to the document's wdf and so nothing to its
** length.  For terms that only filter, never score: zhsearch's title-field
** terms ("T..."), which the native engine does not count in the length
** either.  A term added only this way has wdf 0 and weighs 0 if scored. */
#define ZHS_XWDF_ZERO UINT32_MAX

/* Creates a database at path, replacing any database already there
** (Xapian::DB_CREATE_OR_OVERWRITE).  Nothing is visible to readers until
** zhs_xdb_commit().  The database stays locked until zhs_xdb_close(). */
int zhs_xdb_create(zhs_xdb **out, const char *path, zhs_error *err);

/* Adds one passage as one Xapian document: each term with pos > 0 is added
** with add_posting(term, pos, wdf), each with pos == 0 with add_term(term,
** wdf); data (datalen bytes, may contain NULs, may be NULL when datalen is
** 0) becomes the document data returned in zhs_xhit.data.  Documents get
** docids 1, 2, 3, ... in the order they are added.  A document with no
** term is stored but never matches.
** Terms are checked first (ZHS_EINVAL, nothing changed, the handle stays
** usable).  If Xapian itself then fails (here, in set_metadata or in
** commit) it has already thrown away every uncommitted change, so the
** handle refuses all further writes with ZHS_EINVAL: close it and rebuild. */
int zhs_xdb_add(zhs_xdb *db, const zhs_xterm *terms, size_t n,
                const void *data, size_t datalen, zhs_error *err);

/* Sets a user metadata entry (both NUL-terminated).  An empty value
** deletes the key.  Committed with the documents. */
int zhs_xdb_set_metadata(zhs_xdb *db, const char *key, const char *value,
                         zhs_error *err);

/* Makes every change so far durable and visible to readers, atomically.
** Changes are streamed to disk as they are added (memory stays bounded),
** but a reader sees either all or none of the changes of one commit. */
int zhs_xdb_commit(zhs_xdb *db, zhs_error *err);

/* ---- Updating a database in place (one shard; xapian_engine.c) ---- */

/* Opens the existing database at path for changes, in a transaction as
** zhs_xdb_create does: nothing is visible to readers, or durable, before
** zhs_xdb_commit.  ZHS_ENOTFOUND when there is none. */
int zhs_xdb_open(zhs_xdb **out, const char *path, zhs_error *err);

/* Deletes the documents with docids [first, first + n) that exist; adds
** how many to *removed and the sum of their lengths to *length. */
int zhs_xdb_delete_range(zhs_xdb *db, uint64_t first, uint64_t n, uint64_t *removed,
                         uint64_t *length, zhs_error *err);

/* Deletes the documents indexed by term (len bytes) whose docid is at
** most maxdocid; adds to *removed and *length as above. */
int zhs_xdb_delete_term(zhs_xdb *db, const char *term, size_t len, uint64_t maxdocid,
                        uint64_t *removed, uint64_t *length, zhs_error *err);

/* The writer's view, uncommitted changes included: documents, the highest
** docid ever used, and the sum of the document lengths. */
int zhs_xdb_stats(zhs_xdb *db, uint64_t *doccount, uint64_t *lastdocid, uint64_t *total_length,
                  zhs_error *err);

/* The data of document docid (malloc'ed; free it), uncommitted changes
** included.  ZHS_ENOTFOUND (err left clear) when there is no such
** document. */
int zhs_xdb_document(zhs_xdb *db, uint64_t docid, char **data, size_t *len, zhs_error *err);

/* Closes the database and releases its lock WITHOUT committing: changes
** since the last zhs_xdb_commit() are discarded (the shim keeps a Xapian
** transaction open between commits and cancels it here, so Xapian's
** commit-on-destruction does not happen).  A database that was never
** committed is left empty (but exists). */
void zhs_xdb_close(zhs_xdb *db);

/* Writes a compacted copy of the database at src (committed, and closed
** by its writer) to dst, which must not exist yet: B-tree blocks filled
** up, the same docids and metadata (Xapian::Database::compact with
** DBCOMPACT_NO_RENUMBER, as xapian-compact does).  A database built in
** one go comes out about a fifth smaller (the laws: 663 -> 520 MB); it
** stays writable.  On failure dst may hold part of the copy. */
int zhs_xdb_compact(const char *src, const char *dst, zhs_error *err);

/* Runs Xapian's own consistency check (Xapian::Database::check, as
** xapian-check does) over every table of the database at path: B-tree
** structure, checksums, and that postings, positions, document lengths
** and statistics agree.  ZHS_ECORRUPT when it finds errors (the message
** quotes the first one Xapian printed), the open errors otherwise. */
int zhs_xdb_check(const char *path, zhs_error *err);

/* ===================================================================== */
/* Reading: one or more shards                                           */
/* ===================================================================== */

typedef struct zhs_xreader zhs_xreader;

/* Opens n >= 1 local databases as one (Xapian::Database::add_database).
** With shards, the docid of document j (1-based) of shard s (0-based) is
** (j-1)*n + s + 1: when passage i (0-based) was put in shard i % n, its
** docid is i + 1, the same as in a single database. */
int zhs_xreader_open_local(zhs_xreader **out, const char *const *paths,
                           size_t n, zhs_error *err);

/* Opens n >= 1 remote shards served by xapian-tcpsrv, each given as
** "host:port" ("[v6addr]:port" for IPv6 literals), combined as above.
** timeout_ms (0: ZHS_XREMOTE_TIMEOUT_MS) bounds both connecting and every
** later exchange with a server: a shard that is down fails the open (or a
** later search) within about timeout_ms, with an error naming its
** host:port.  A search that meets a network error reconnects once (see
** zhs_xreader_search), so a reader outlives closed connections.
**
** Notes on xapian-tcpsrv: it closes connections idle for longer than its
** --idle-timeout (default 60 s) or when it restarts; the next search then
** reconnects.  Xapian's remote backend sets SIGPIPE to SIG_IGN in the
** process, so a dead server gives an error, not a signal.  On SIGTERM the
** server signals its whole process group: start it in its own session. */
int zhs_xreader_open_remote(zhs_xreader **out,
                            const char *const *hostports, size_t n,
                            unsigned timeout_ms, zhs_error *err);

/* Reads a user metadata entry.  *value_out is malloc'd and NUL-terminated
** (the caller frees it); a key that is not set reads as "" (Xapian does not
** tell an unset key from an empty one).  With several shards the value
** comes from the first shard only. */
int zhs_xreader_metadata(zhs_xreader *r, char **value_out, const char *key,
                         zhs_error *err);

/* The same, from shard `shard` (0-based, in the order given to open) only. */
int zhs_xreader_shard_metadata(zhs_xreader *r, size_t shard, char **value_out,
                               const char *key, zhs_error *err);

/* Documents in all shards (0 on error or r == NULL). */
uint64_t zhs_xreader_doccount(zhs_xreader *r);

/* The data of document docid: *data_out NUL-terminated after *len_out
** bytes, to be freed with free(). */
int zhs_xreader_document(char **data_out, size_t *len_out, zhs_xreader *r, uint64_t docid,
                         zhs_error *err);

/* Average document length (sum of wdf) over all shards (0 when empty). */
double zhs_xreader_avglength(zhs_xreader *r);

void zhs_xreader_close(zhs_xreader *r);

/* ===================================================================== */
/* Queries and search                                                    */
/* ===================================================================== */

enum zhs_xq_op {
    ZHS_XQ_TERM,        /* term/len, weighted with wqf (0 is read as 1) */
    ZHS_XQ_OR,          /* any kid; scores add up */
    ZHS_XQ_AND,         /* all kids; scores add up */
    ZHS_XQ_AND_NOT,     /* kids[0] AND NOT (kids[1] OR kids[2] ...) */
    ZHS_XQ_AND_MAYBE,   /* kids[0] required, the rest only add to the score */
    ZHS_XQ_PHRASE,      /* kids are TERMs in this order, all within a span
                        ** of `window` positions (window < nkids, e.g. 0,
                        ** means nkids: an exact phrase; Xapian itself would
                        ** match nothing for 0 < window < nkids) */
    ZHS_XQ_FILTER       /* kids[0] scored, kids[1..] must all match but do
                        ** not score (Xapian OP_FILTER) */
};

/* A query tree, built and owned by the caller.  An OR or AND with no kid
** matches nothing; AND_NOT, AND_MAYBE and FILTER need at least kids[0]. */
typedef struct zhs_xq {
    int op;                             /* enum zhs_xq_op */
    const char *term;                   /* TERM: term bytes */
    uint32_t len;                       /* TERM: bytes in term */
    uint32_t wqf;                       /* TERM: within-query frequency */
    uint32_t window;                    /* PHRASE */
    const struct zhs_xq *const *kids;
    size_t nkids;
} zhs_xq;

/* The maximum depth of a query tree (deeper trees are ZHS_EINVAL). */
#define ZHS_XQ_MAX_DEPTH 64

typedef struct zhs_xhit {
    uint64_t docid;     /* see zhs_xreader_open_local() */
    double score;
    char *data;         /* the document data, NUL-terminated after datalen
                        ** bytes, owned by the result set; NULL with
                        ** ids_only on a local database (then see
                        ** zhs_xreader_document) */
    size_t datalen;
} zhs_xhit;

typedef struct zhs_xresults zhs_xresults;

/* How scored terms weigh (zhs_xsearch_opts.weight). */
enum zhs_xweight {
    ZHS_XWEIGHT_XAPIAN = 0, /* Xapian's BM25Weight as it is (see the top of
                            ** this file) */
    ZHS_XWEIGHT_NATIVE = 1  /* the native engine's BM25: Lucene idf, and a
                            ** wqf that multiplies (see below) */
};

typedef struct zhs_xsearch_opts {
    double k1, b;           /* BM25 parameters: k1 >= 0, 0 <= b <= 1 */
    double min_normlen;     /* >= 0, see the top of this file */
    int weight;             /* enum zhs_xweight.  ZHS_XWEIGHT_NATIVE looks up
                            ** the global document frequency n of every
                            ** scored TERM first (one lookup per term and
                            ** shard: a round trip per shard for remote
                            ** ones) and runs it as Xapian's
                            ** OP_SCALE_WEIGHT(wqf * ln(1+R) / ln(R'),
                            ** term with wqf 1): Xapian's idf becomes
                            ** ln(1 + R) and a term of wqf 2 weighs twice
                            ** one of wqf 1.  With min_normlen 0 and
                            ** the same document lengths the score is then
                            ** the native one (up to rounding).  Terms
                            ** inside a PHRASE, and the non-scoring kids of
                            ** AND_NOT and FILTER, are left as they are. */
    size_t k;               /* hits to return (may be 0) */
    int count_only;         /* nonzero: make zhs_xresults_matches() exact
                            ** (check_at_least = doccount, which visits
                            ** every match); hits are still returned up to
                            ** k, so set k = 0 to get only the count */
    int ids_only;           /* nonzero, local databases: hits carry docid
                            ** and score, data NULL, so a search costs no
                            ** document reads (zhs_xreader_document reads
                            ** one).  Remote shards always send every hit's
                            ** data, in one pipelined round. */
    const unsigned char *hidden;    /* NULL, or a bitmap over docid - 1 of
                            ** hidden_docs bits: a set bit keeps the
                            ** document out of the match (a MatchDecider,
                            ** so it never takes one of the k places;
                            ** local databases only) */
    uint64_t hidden_docs;
} zhs_xsearch_opts;

/* Fills o with the defaults: k1 1.2, b 0.5 (zhs.h), min_normlen 0,
** weight ZHS_XWEIGHT_XAPIAN, k 10, count_only 0, ids_only 0. */
void zhs_xsearch_opts_default(zhs_xsearch_opts *o);

/* Runs q over r.  Hits are sorted by descending score, ties by ascending
** docid (scores that are equal in exact arithmetic may still differ in the
** last bits between a single database and shards, since each shard sums
** term weights in its own order, so such ties may come out in another
** order).  On a NetworkError over remote shards each shard is probed with
** a new connection (bounded by the timeout): when all of them answer (the
** old connections went stale: the server's idle timeout, a restart) and
** each still serves the database it served at open (same UUID), the
** reader switches to the new connections and the search is run once
** more; otherwise it fails, the message listing the shards that cannot be
** reached now ("[unreachable shard: host:port (...)]") or the one that
** serves another database.  o may be NULL (defaults).  *out must be freed
** with zhs_xresults_free(). */
int zhs_xreader_search(zhs_xresults **out, zhs_xreader *r, const zhs_xq *q,
                       const zhs_xsearch_opts *o, zhs_error *err);

/* Hits returned (<= k). */
size_t zhs_xresults_count(const zhs_xresults *res);

/* Documents matching the query: exact with count_only, else Xapian's
** estimate (exact when fewer than k documents match). */
uint64_t zhs_xresults_matches(const zhs_xresults *res);

/* Hit i (0-based, i < count), or NULL.  Owned by res. */
const zhs_xhit *zhs_xresults_hit(const zhs_xresults *res, size_t i);

void zhs_xresults_free(zhs_xresults *res);

#ifdef __cplusplus
}
#endif
#endif /* ZHS_XAPIAN_SHIM_H */
