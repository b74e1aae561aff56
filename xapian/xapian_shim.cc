/*
** xapian_shim.cc — the C interface of xapian_shim.h over libxapian 1.4.
**
** Every entry point is noexcept in effect: its body runs inside a
** try/catch that turns Xapian::Error, std::bad_alloc and any other
** exception into a zhs_error (see fail_current()).
*/
#include <xapian.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <new>
#include <string>
#include <utility>
#include <vector>

#include <stdbool.h>

#include "xapian_shim.h"

extern "C" {
#include "common.h"
}

namespace {

/* ------------------------------------------------------------ errors */

/* Classifies the exception being handled (call only inside a catch
** block) and records it in err with "xapian: <what> <where>: <Xapian's
** description>".  Never throws. */
int fail_current(zhs_error *err, const char *what, const char *where,
                 const char *extra = nullptr) noexcept
{
    int code = ZHS_EXAPIAN;
    const char *desc = "unknown exception";
    std::string d;
    try {
        try {
            throw;
        } catch (const Xapian::DatabaseNotFoundError &e) {
            code = ZHS_ENOTFOUND; d = e.get_description();
        } catch (const Xapian::DatabaseVersionError &e) {
            code = ZHS_EVERSION; d = e.get_description();
        } catch (const Xapian::DatabaseCorruptError &e) {
            code = ZHS_ECORRUPT; d = e.get_description();
        } catch (const Xapian::DatabaseOpeningError &e) {
            code = ZHS_EIO; d = e.get_description();
        } catch (const Xapian::DatabaseCreateError &e) {
            code = ZHS_EIO; d = e.get_description();
        } catch (const Xapian::DatabaseLockError &e) {
            code = ZHS_EIO; d = e.get_description();
        } catch (const Xapian::NetworkError &e) {
            code = ZHS_EIO; d = e.get_description();
        } catch (const Xapian::InvalidArgumentError &e) {
            code = ZHS_EINVAL; d = e.get_description();
        } catch (const Xapian::Error &e) {
            code = ZHS_EXAPIAN; d = e.get_description();
        } catch (const std::bad_alloc &) {
            code = ZHS_ENOMEM; desc = "out of memory";
        } catch (const std::exception &e) {
            code = ZHS_EXAPIAN; desc = e.what();
        } catch (...) {
            code = ZHS_EINTERNAL; desc = "unknown C++ exception";
        }
        if (!d.empty()) desc = d.c_str();
    } catch (...) {
        /* building the description itself failed (out of memory) */
        if (code == ZHS_EXAPIAN) code = ZHS_ENOMEM;
        desc = "out of memory while reporting a Xapian error";
    }
    return zhs_fail(err, code, "xapian: %s %s: %s%s", what, where ? where : "",
                    desc, extra ? extra : "");
}

#define SHIM_CHECK_ERR(err) do { if (zhs_err_code(err)) return (err)->code; } while (0)

/* ------------------------------------------------------------ helpers */

struct endpoint {
    std::string host;
    unsigned port;
    std::string name;       /* as given: "host:port" */
};

/* Parses "host:port" or "[v6]:port".  Returns false when malformed. */
bool parse_hostport(const char *s, endpoint &ep)
{
    std::string str(s);
    size_t colon = str.rfind(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 >= str.size()) return false;
    std::string host = str.substr(0, colon), port = str.substr(colon + 1);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    else if (host.find(':') != std::string::npos)
        return false;               /* IPv6 literal without brackets */
    if (host.empty() || port.size() > 5) return false;
    unsigned long p = 0;
    for (char c : port) {
        if (c < '0' || c > '9') return false;
        p = p * 10 + (unsigned long)(c - '0');
    }
    if (p == 0 || p > 65535) return false;
    ep.host = host;
    ep.port = (unsigned)p;
    ep.name = str;
    return true;
}

bool finite_nonneg(double x) { return std::isfinite(x) && x >= 0; }

} // namespace

/* ===================================================================== */
/* Building                                                              */
/* ===================================================================== */

struct zhs_xdb {
    Xapian::WritableDatabase db;
    std::string path;
    bool in_txn = false;    /* a (flushed) transaction is open */
    bool failed = false;    /* an add/commit failed: only close() is allowed */
};

namespace {

int xdb_usable(zhs_xdb *db, const char *what, zhs_error *err)
{
    if (!db) return zhs_fail(err, ZHS_EINVAL, "xapian: %s: no database", what);
    if (db->failed)
        return zhs_fail(err, ZHS_EINVAL,
                        "xapian: %s %s: an earlier write failed and Xapian discarded "
                        "the uncommitted changes; close the database and rebuild",
                        what, db->path.c_str());
    return ZHS_OK;
}

} // namespace

extern "C" int zhs_xdb_create(zhs_xdb **out, const char *path, zhs_error *err)
{
    if (out) *out = nullptr;
    SHIM_CHECK_ERR(err);
    if (!out || !path || !*path)
        return zhs_fail(err, ZHS_EINVAL, "xapian: create database: no path given");
    zhs_xdb *db = nullptr;
    try {
        db = new zhs_xdb;
        db->path = path;
        db->db = Xapian::WritableDatabase(db->path, Xapian::DB_CREATE_OR_OVERWRITE);
        /* Keep a transaction open between commits, so that closing without
        ** a commit cancels it instead of Xapian's commit-on-destruction. */
        db->db.begin_transaction(true);
        db->in_txn = true;
    } catch (...) {
        int rc = fail_current(err, "cannot create database", path);
        delete db;
        return rc;
    }
    *out = db;
    return ZHS_OK;
}

extern "C" int zhs_xdb_add(zhs_xdb *db, const zhs_xterm *terms, size_t n,
                           const void *data, size_t datalen, zhs_error *err)
{
    SHIM_CHECK_ERR(err);
    int rc = xdb_usable(db, "add passage to", err);
    if (rc) return rc;
    if ((n && !terms) || (datalen && !data))
        return zhs_fail(err, ZHS_EINVAL, "xapian: add passage to %s: NULL terms or data",
                        db->path.c_str());
    /* Validate first: Xapian discards ALL uncommitted changes when
    ** add_document() throws. */
    for (size_t i = 0; i < n; i++) {
        if (!terms[i].term || terms[i].len == 0 || terms[i].len > ZHS_XTERM_MAX)
            return zhs_fail(err, ZHS_EINVAL,
                            "xapian: add passage to %s: term %zu has length %u "
                            "(must be 1..%d bytes)", db->path.c_str(), i,
                            (unsigned)terms[i].len, ZHS_XTERM_MAX);
    }
    try {
        Xapian::Document doc;
        std::string t;
        for (size_t i = 0; i < n; i++) {
            t.assign(terms[i].term, terms[i].len);
            Xapian::termcount wdf = terms[i].wdf == ZHS_XWDF_ZERO ? 0
                                    : terms[i].wdf ? terms[i].wdf
                                                   : 1;
            if (terms[i].pos) doc.add_posting(t, terms[i].pos, wdf);
            else doc.add_term(t, wdf);
        }
        if (datalen) doc.set_data(std::string(static_cast<const char *>(data), datalen));
        db->db.add_document(doc);
    } catch (...) {
        db->failed = true;
        return fail_current(err, "cannot add passage to", db->path.c_str());
    }
    return ZHS_OK;
}

extern "C" int zhs_xdb_set_metadata(zhs_xdb *db, const char *key, const char *value,
                                    zhs_error *err)
{
    SHIM_CHECK_ERR(err);
    int rc = xdb_usable(db, "set metadata in", err);
    if (rc) return rc;
    if (!key || !*key || !value)
        return zhs_fail(err, ZHS_EINVAL, "xapian: set metadata in %s: empty key or NULL value",
                        db->path.c_str());
    try {
        db->db.set_metadata(key, value);
    } catch (...) {
        db->failed = true;
        std::string where;
        try { where = db->path + " (key \"" + key + "\")"; } catch (...) {}
        return fail_current(err, "cannot set metadata in", where.c_str());
    }
    return ZHS_OK;
}

extern "C" int zhs_xdb_commit(zhs_xdb *db, zhs_error *err)
{
    SHIM_CHECK_ERR(err);
    int rc = xdb_usable(db, "commit", err);
    if (rc) return rc;
    try {
        if (db->in_txn) {
            db->in_txn = false;         /* Xapian ends it even if it throws */
            db->db.commit_transaction();
        } else {
            db->db.commit();
        }
        db->db.begin_transaction(true);
        db->in_txn = true;
    } catch (...) {
        db->failed = true;
        return fail_current(err, "cannot commit", db->path.c_str());
    }
    return ZHS_OK;
}

extern "C" int zhs_xdb_open(zhs_xdb **out, const char *path, zhs_error *err)
{
    if (out) *out = nullptr;
    SHIM_CHECK_ERR(err);
    if (!out || !path || !*path) return zhs_fail(err, ZHS_EINVAL, "xapian: open database: no path given");
    zhs_xdb *db = nullptr;
    try {
        db = new zhs_xdb;
        db->path = path;
        db->db = Xapian::WritableDatabase(db->path, Xapian::DB_OPEN);
        db->db.begin_transaction(true);
        db->in_txn = true;
    } catch (...) {
        int rc = fail_current(err, "cannot open for update", path);
        delete db;
        return rc;
    }
    *out = db;
    return ZHS_OK;
}

extern "C" int zhs_xdb_delete_range(zhs_xdb *db, uint64_t first, uint64_t n, uint64_t *removed,
                                    uint64_t *length, zhs_error *err)
{
    SHIM_CHECK_ERR(err);
    int rc = xdb_usable(db, "delete passages from", err);
    if (rc) return rc;
    try {
        for (uint64_t d = first; d < first + n; d++) {
            Xapian::termcount len;
            try {
                len = db->db.get_doclength((Xapian::docid)d);
            } catch (const Xapian::DocNotFoundError &) {
                continue;           /* deleted before */
            }
            db->db.delete_document((Xapian::docid)d);
            *removed += 1;
            *length += len;
        }
    } catch (...) {
        db->failed = true;
        return fail_current(err, "cannot delete passages from", db->path.c_str());
    }
    return ZHS_OK;
}

extern "C" int zhs_xdb_delete_term(zhs_xdb *db, const char *term, size_t len, uint64_t maxdocid,
                                   uint64_t *removed, uint64_t *length, zhs_error *err)
{
    SHIM_CHECK_ERR(err);
    int rc = xdb_usable(db, "delete passages from", err);
    if (rc) return rc;
    try {
        std::string t(term, len);
        std::vector<Xapian::docid> ids;
        for (Xapian::PostingIterator p = db->db.postlist_begin(t); p != db->db.postlist_end(t); ++p)
            if (*p <= maxdocid) ids.push_back(*p);
        for (Xapian::docid d : ids) {
            *length += db->db.get_doclength(d);
            db->db.delete_document(d);
            *removed += 1;
        }
    } catch (...) {
        db->failed = true;
        return fail_current(err, "cannot delete passages from", db->path.c_str());
    }
    return ZHS_OK;
}

extern "C" int zhs_xdb_stats(zhs_xdb *db, uint64_t *doccount, uint64_t *lastdocid, uint64_t *total_length,
                             zhs_error *err)
{
    SHIM_CHECK_ERR(err);
    int rc = xdb_usable(db, "read the figures of", err);
    if (rc) return rc;
    try {
        *doccount = db->db.get_doccount();
        *lastdocid = db->db.get_lastdocid();
        *total_length = db->db.get_total_length();
    } catch (...) {
        return fail_current(err, "cannot read the figures of", db->path.c_str());
    }
    return ZHS_OK;
}

extern "C" int zhs_xdb_document(zhs_xdb *db, uint64_t docid, char **data, size_t *len, zhs_error *err)
{
    *data = nullptr;
    *len = 0;
    SHIM_CHECK_ERR(err);
    int rc = xdb_usable(db, "read a passage of", err);
    if (rc) return rc;
    try {
        std::string d;
        try {
            d = db->db.get_document((Xapian::docid)docid).get_data();
        } catch (const Xapian::DocNotFoundError &) {
            return ZHS_ENOTFOUND;
        }
        char *p = static_cast<char *>(malloc(d.size() + 1));
        if (!p) return zhs_fail(err, ZHS_ENOMEM, "out of memory reading a passage of %s", db->path.c_str());
        memcpy(p, d.data(), d.size());
        p[d.size()] = 0;
        *data = p;
        *len = d.size();
    } catch (...) {
        return fail_current(err, "cannot read a passage of", db->path.c_str());
    }
    return ZHS_OK;
}

extern "C" void zhs_xdb_close(zhs_xdb *db)
{
    if (!db) return;
    /* Discard what was not committed: cancelling a transaction throws away
    ** every uncommitted change (even ones made outside it). */
    try {
        if (!db->in_txn) {
            db->db.begin_transaction(false);
            db->in_txn = true;
        }
    } catch (...) {
    }
    try {
        if (db->in_txn) {
            db->in_txn = false;
            db->db.cancel_transaction();
        }
    } catch (...) {
    }
    try {
        db->db.close();
    } catch (...) {
    }
    delete db;
}

extern "C" int zhs_xdb_compact(const char *src, const char *dst, zhs_error *err)
{
    SHIM_CHECK_ERR(err);
    if (!src || !*src || !dst || !*dst)
        return zhs_fail(err, ZHS_EINVAL, "xapian: compact: no source or destination path");
    try {
        Xapian::Database db(src);
        db.compact(dst, Xapian::DBCOMPACT_NO_RENUMBER);
        db.close();
    } catch (...) {
        std::string where;
        try { where = std::string(src) + " into " + dst; } catch (...) {}
        return fail_current(err, "cannot compact", where.c_str());
    }
    return ZHS_OK;
}

extern "C" int zhs_xdb_check(const char *path, zhs_error *err)
{
    SHIM_CHECK_ERR(err);
    if (!path || !*path) return zhs_fail(err, ZHS_EINVAL, "xapian: check: no path given");
    try {
        std::ostringstream out;
        size_t errors = Xapian::Database::check(path, Xapian::DBCHECK_FULL_TREE, &out);
        if (errors == 0) return ZHS_OK;
        /* Xapian reports each error on a line of its own, among progress
        ** lines: quote the first that says what is wrong. */
        std::istringstream in(out.str());
        std::string line, first;
        while (std::getline(in, line))
            if (line.find("rror") != std::string::npos || line.find("orrupt") != std::string::npos ||
                line.find("ismatch") != std::string::npos) {
                first = line;
                break;
            }
        return zhs_fail(err, ZHS_ECORRUPT, "xapian: %s: the consistency check found %zu error%s%s%s: "
                        "rebuild the index", path, errors, errors == 1 ? "" : "s",
                        first.empty() ? "" : ", first: ", first.c_str());
    } catch (const Xapian::DatabaseOpeningError &) {
        return fail_current(err, "cannot check", path);
    } catch (const Xapian::DatabaseError &e) {
        /* the check stops at the first structural error with an exception */
        std::string d;
        try { d = e.get_description(); } catch (...) {}
        return zhs_fail(err, ZHS_ECORRUPT, "xapian: %s: the consistency check failed: %s: rebuild the index",
                        path, d.c_str());
    } catch (...) {
        return fail_current(err, "cannot check", path);
    }
}

/* ===================================================================== */
/* Reading                                                               */
/* ===================================================================== */

struct zhs_xreader {
    Xapian::Database db;
    std::vector<Xapian::Database> shards;   /* each on its own */
    std::vector<std::string> uuids;     /* remote: each shard's, at open */
    std::vector<std::string> names;     /* paths or host:port */
    std::vector<endpoint> endpoints;    /* remote only */
    bool remote = false;
    unsigned timeout_ms = 0;
    std::string where;                  /* "path" or "2 shards (a, b)" */
};

namespace {

void set_where(zhs_xreader *r)
{
    if (r->names.size() == 1) {
        r->where = r->names[0];
        return;
    }
    /* name at most 4 shards: the message must leave room for Xapian's
    ** description (which names a failing remote in its context) */
    r->where = std::to_string(r->names.size()) + " shards (";
    for (size_t i = 0; i < r->names.size() && i < 4; i++) {
        if (i) r->where += ", ";
        r->where += r->names[i];
    }
    r->where += r->names.size() > 4 ? ", ...)" : ")";
}

/* After a failure over remote shards: which of them cannot be reached
** now?  Opens a fresh connection to each (bounded by the timeout) and
** returns " [unreachable shard: host:port (reason); ...]" or "".  When
** every shard answers and fresh is given, the new connections are left
** there, in shard order. */
std::string probe_remote(const zhs_xreader *r, std::vector<Xapian::Database> *fresh) noexcept
{
    std::string out;
    try {
        for (const endpoint &ep : r->endpoints) {
            try {
                Xapian::Database d = Xapian::Remote::open(ep.host, ep.port, r->timeout_ms,
                                                          r->timeout_ms);
                if (fresh) fresh->push_back(d);
                else d.close();
            } catch (const Xapian::Error &e) {
                out += out.empty() ? " [unreachable shard: " : "; ";
                out += ep.name + " (" + e.get_description() + ")";
            }
        }
        if (!out.empty()) out += "]";
    } catch (...) {
    }
    if (!out.empty() && fresh) fresh->clear();
    return out;
}

} // namespace

extern "C" int zhs_xreader_open_local(zhs_xreader **out, const char *const *paths, size_t n,
                                      zhs_error *err)
{
    if (out) *out = nullptr;
    SHIM_CHECK_ERR(err);
    if (!out || !paths || n == 0)
        return zhs_fail(err, ZHS_EINVAL, "xapian: open: no database path given");
    for (size_t i = 0; i < n; i++)
        if (!paths[i] || !*paths[i])
            return zhs_fail(err, ZHS_EINVAL, "xapian: open: database path %zu is empty", i);
    zhs_xreader *r = nullptr;
    size_t i = 0;
    try {
        r = new zhs_xreader;
        for (i = 0; i < n; i++) {
            r->names.emplace_back(paths[i]);
            Xapian::Database shard(r->names.back());
            r->db.add_database(shard);
            r->shards.push_back(shard);
        }
        set_where(r);
    } catch (...) {
        int rc = fail_current(err, "cannot open database", i < n ? paths[i] : "");
        delete r;
        return rc;
    }
    *out = r;
    return ZHS_OK;
}

extern "C" int zhs_xreader_open_remote(zhs_xreader **out, const char *const *hostports,
                                       size_t n, unsigned timeout_ms, zhs_error *err)
{
    if (out) *out = nullptr;
    SHIM_CHECK_ERR(err);
    if (!out || !hostports || n == 0)
        return zhs_fail(err, ZHS_EINVAL, "xapian: open remote: no host:port given");
    if (timeout_ms == 0) timeout_ms = ZHS_XREMOTE_TIMEOUT_MS;
    zhs_xreader *r = nullptr;
    size_t i = 0;
    try {
        r = new zhs_xreader;
        r->remote = true;
        r->timeout_ms = timeout_ms;
        for (i = 0; i < n; i++) {
            endpoint ep;
            if (!hostports[i] || !parse_hostport(hostports[i], ep)) {
                int rc = zhs_fail(err, ZHS_EINVAL,
                                  "xapian: open remote: \"%s\" is not host:port",
                                  hostports[i] ? hostports[i] : "(null)");
                delete r;
                return rc;
            }
            r->names.push_back(ep.name);
            r->endpoints.push_back(ep);
            Xapian::Database shard = Xapian::Remote::open(ep.host, ep.port, timeout_ms,
                                                          timeout_ms);
            r->db.add_database(shard);
            r->shards.push_back(shard);
            r->uuids.push_back(shard.get_uuid());
        }
        set_where(r);
    } catch (...) {
        int rc = fail_current(err, "cannot open remote shard",
                              i < n && hostports[i] ? hostports[i] : "");
        delete r;
        return rc;
    }
    *out = r;
    return ZHS_OK;
}

namespace {

/* A malloc'd, NUL-terminated copy of v for a C caller; NULL when out of
** memory. */
char *c_copy(const std::string &v)
{
    char *p = static_cast<char *>(malloc(v.size() + 1));
    if (!p) return nullptr;
    memcpy(p, v.data(), v.size());
    p[v.size()] = 0;
    return p;
}

/* Reads metadata key of db (a reader's whole database or one shard, named
** `name` in messages) into a C copy. */
int read_metadata(char **value_out, const Xapian::Database &db, const std::string &name,
                  const char *key, zhs_error *err)
{
    try {
        char *p = c_copy(db.get_metadata(key));
        if (!p) return zhs_fail(err, ZHS_ENOMEM, "xapian: read metadata: out of memory");
        *value_out = p;
    } catch (...) {
        std::string where;
        try { where = name + " (key \"" + key + "\")"; } catch (...) {}
        return fail_current(err, "cannot read metadata from", where.c_str());
    }
    return ZHS_OK;
}

} // namespace

extern "C" int zhs_xreader_metadata(zhs_xreader *r, char **value_out, const char *key,
                                    zhs_error *err)
{
    if (value_out) *value_out = nullptr;
    SHIM_CHECK_ERR(err);
    if (!r || !value_out || !key || !*key)
        return zhs_fail(err, ZHS_EINVAL, "xapian: read metadata: no reader, key or output");
    return read_metadata(value_out, r->db, r->where, key, err);
}

extern "C" int zhs_xreader_shard_metadata(zhs_xreader *r, size_t shard, char **value_out,
                                          const char *key, zhs_error *err)
{
    if (value_out) *value_out = nullptr;
    SHIM_CHECK_ERR(err);
    if (!r || !value_out || !key || !*key)
        return zhs_fail(err, ZHS_EINVAL, "xapian: read metadata: no reader, key or output");
    if (shard >= r->shards.size())
        return zhs_fail(err, ZHS_EINVAL, "xapian: read metadata: no shard %zu (of %zu)", shard,
                        r->shards.size());
    return read_metadata(value_out, r->shards[shard], r->names[shard], key, err);
}

extern "C" int zhs_xreader_document(char **data_out, size_t *len_out, zhs_xreader *r,
                                    uint64_t docid, zhs_error *err)
{
    if (data_out) *data_out = nullptr;
    if (len_out) *len_out = 0;
    SHIM_CHECK_ERR(err);
    if (!r || !data_out || !len_out || docid == 0 || docid > UINT32_MAX)
        return zhs_fail(err, ZHS_EINVAL, "xapian: read a document: no reader or output, or docid %llu out of range",
                        (unsigned long long)docid);
    try {
        std::string v = r->db.get_document((Xapian::docid)docid).get_data();
        char *p = c_copy(v);
        if (!p) return zhs_fail(err, ZHS_ENOMEM, "xapian: read a document: out of memory");
        *data_out = p;
        *len_out = v.size();
    } catch (...) {
        std::string where;
        try { where = r->where + " (document " + std::to_string(docid) + ")"; } catch (...) {}
        return fail_current(err, "cannot read a document from", where.c_str());
    }
    return ZHS_OK;
}

extern "C" uint64_t zhs_xreader_doccount(zhs_xreader *r)
{
    if (!r) return 0;
    try {
        return r->db.get_doccount();
    } catch (...) {
        return 0;
    }
}

extern "C" double zhs_xreader_avglength(zhs_xreader *r)
{
    if (!r) return 0;
    try {
        return r->db.get_avlength();
    } catch (...) {
        return 0;
    }
}

extern "C" void zhs_xreader_close(zhs_xreader *r)
{
    if (!r) return;
    try {
        r->db.close();
    } catch (...) {
    }
    delete r;
}

/* ===================================================================== */
/* Search                                                                */
/* ===================================================================== */

struct zhs_xresults {
    std::vector<std::string> data;
    std::vector<zhs_xhit> hits;
    uint64_t matches = 0;
};

namespace {

const char *op_name(int op)
{
    switch (op) {
    case ZHS_XQ_TERM: return "TERM";
    case ZHS_XQ_OR: return "OR";
    case ZHS_XQ_AND: return "AND";
    case ZHS_XQ_AND_NOT: return "AND_NOT";
    case ZHS_XQ_AND_MAYBE: return "AND_MAYBE";
    case ZHS_XQ_PHRASE: return "PHRASE";
    case ZHS_XQ_FILTER: return "FILTER";
    default: return "?";
    }
}

/* What build_query() needs besides the tree. */
struct qctx {
    Xapian::Database *db;
    int weight;                 /* enum zhs_xweight */
    double ndocs;               /* documents in all shards (NATIVE) */
    const Xapian::MSet *stats;  /* NATIVE: term frequencies, when fetched */
};

/* ln(1 + R) / ln(R'): turns Xapian's idf of a term in n of N documents
** into the Lucene one (see the top of xapian_shim.h; BM25Weight::init
** computes R and R' exactly so). */
double lucene_factor(double N, double n)
{
    double R = (N - n + 0.5) / (n + 0.5);
    double Rx = R < 2 ? R * 0.5 + 1 : R;
    double x = std::log(Rx);
    return x > 0 ? std::log(1 + R) / x : 1;
}

/* A TERM.  scored: its weight counts (it is not inside a PHRASE, nor in a
** non-scoring kid of AND_NOT or FILTER). */
Xapian::Query term_query(const zhs_xq *q, bool scored, const qctx &c)
{
    std::string t(q->term, q->len);
    Xapian::termcount wqf = q->wqf ? q->wqf : 1;
    if (c.weight != ZHS_XWEIGHT_NATIVE || !scored) return Xapian::Query(t, wqf);
    double f = wqf;
    Xapian::doccount n = c.stats ? c.stats->get_termfreq(t) : c.db->get_termfreq(t);
    if (n > 0 && c.ndocs > 0) f *= lucene_factor(c.ndocs, (double)n);
    Xapian::Query leaf(t, 1);
    return f == 1 ? leaf : Xapian::Query(f, leaf);
}

/* Translates q into *out.  Returns a status (ZHS_EINVAL for a malformed
** tree); Xapian and allocation exceptions propagate to the caller. */
int build_query(const zhs_xq *q, int depth, bool scored, const qctx &c, Xapian::Query &out,
                zhs_error *err)
{
    if (!q) return zhs_fail(err, ZHS_EINVAL, "xapian: query: NULL node");
    if (depth > ZHS_XQ_MAX_DEPTH)
        return zhs_fail(err, ZHS_EINVAL, "xapian: query: deeper than %d levels",
                        ZHS_XQ_MAX_DEPTH);
    if (q->op == ZHS_XQ_TERM) {
        if (!q->term || q->len == 0)
            return zhs_fail(err, ZHS_EINVAL, "xapian: query: empty TERM");
        out = term_query(q, scored, c);
        return ZHS_OK;
    }
    if (q->nkids && !q->kids)
        return zhs_fail(err, ZHS_EINVAL, "xapian: query: %s with NULL kids", op_name(q->op));
    std::vector<Xapian::Query> kids(q->nkids);
    switch (q->op) {
    case ZHS_XQ_OR:
    case ZHS_XQ_AND:
        break;
    case ZHS_XQ_AND_NOT:
    case ZHS_XQ_AND_MAYBE:
    case ZHS_XQ_FILTER:
        if (q->nkids == 0)
            return zhs_fail(err, ZHS_EINVAL, "xapian: query: %s needs at least one kid",
                            op_name(q->op));
        break;
    case ZHS_XQ_PHRASE:
        for (size_t i = 0; i < q->nkids; i++)
            if (!q->kids[i] || q->kids[i]->op != ZHS_XQ_TERM)
                return zhs_fail(err, ZHS_EINVAL, "xapian: query: PHRASE kid %zu is not a TERM",
                                i);
        break;
    default:
        return zhs_fail(err, ZHS_EINVAL, "xapian: query: unknown operator %d", q->op);
    }
    for (size_t i = 0; i < q->nkids; i++) {
        bool kid_scored = scored && q->op != ZHS_XQ_PHRASE &&
                          !(i > 0 && (q->op == ZHS_XQ_AND_NOT || q->op == ZHS_XQ_FILTER));
        int rc = build_query(q->kids[i], depth + 1, kid_scored, c, kids[i], err);
        if (rc) return rc;
    }
    switch (q->op) {
    case ZHS_XQ_OR:
        out = Xapian::Query(Xapian::Query::OP_OR, kids.begin(), kids.end());
        break;
    case ZHS_XQ_AND:
        out = Xapian::Query(Xapian::Query::OP_AND, kids.begin(), kids.end());
        break;
    case ZHS_XQ_PHRASE:
        if (kids.size() == 1) {
            out = kids[0];
        } else {
            /* Xapian reads window 0 as nkids but matches nothing with
            ** 0 < window < nkids: make every window < nkids exact. */
            Xapian::termcount window = q->window < kids.size()
                                           ? (Xapian::termcount)kids.size()
                                           : (Xapian::termcount)q->window;
            out = Xapian::Query(Xapian::Query::OP_PHRASE, kids.begin(), kids.end(), window);
        }
        break;
    default: {
        /* kids[0] OP (rest): AND_NOT/AND_MAYBE combine the rest with OR,
        ** FILTER with AND. */
        if (kids.size() == 1) {
            out = kids[0];
            break;
        }
        Xapian::Query::op restop = q->op == ZHS_XQ_FILTER ? Xapian::Query::OP_AND
                                                           : Xapian::Query::OP_OR;
        Xapian::Query rest = kids.size() == 2
                                 ? kids[1]
                                 : Xapian::Query(restop, kids.begin() + 1, kids.end());
        Xapian::Query::op op = q->op == ZHS_XQ_AND_NOT     ? Xapian::Query::OP_AND_NOT
                               : q->op == ZHS_XQ_AND_MAYBE ? Xapian::Query::OP_AND_MAYBE
                                                           : Xapian::Query::OP_FILTER;
        out = Xapian::Query(op, kids[0], rest);
        break;
    }
    }
    return ZHS_OK;
}

/* Keeps the documents a bitmap hides out of the match: Xapian asks it
** before a document takes a place in the MSet. */
class HiddenDecider : public Xapian::MatchDecider {
    const unsigned char *bits_;
    uint64_t n_;

public:
    HiddenDecider(const unsigned char *bits, uint64_t n) : bits_(bits), n_(n) {}
    bool operator()(const Xapian::Document &doc) const override
    {
        uint64_t d = (uint64_t)doc.get_docid() - 1;
        return d >= n_ || !(bits_[d >> 3] >> (d & 7) & 1);
    }
};

void run_search(zhs_xresults *res, zhs_xreader *r, const Xapian::Query &query,
                const zhs_xsearch_opts &o)
{
    Xapian::Enquire enq(r->db);
    enq.set_query(query);
    enq.set_weighting_scheme(Xapian::BM25Weight(o.k1, 0, 1, o.b, o.min_normlen));
    enq.set_sort_by_relevance();
    enq.set_docid_order(Xapian::Enquire::ASCENDING);
    Xapian::doccount dc = r->db.get_doccount();
    Xapian::doccount maxitems = (Xapian::doccount)std::min<size_t>(o.k, dc);
    Xapian::doccount check = o.count_only ? dc : 0;
    HiddenDecider decider(o.hidden, o.hidden_docs);
    Xapian::MSet m = enq.get_mset(0, maxitems, check, nullptr, o.hidden ? &decider : nullptr);
    /* remote shards send every hit's data in one pipelined round, where
    ** reading them one by one later would cost a round trip each */
    bool fetch = !o.ids_only || r->remote;
    if (fetch) m.fetch();
    res->data.clear();
    res->hits.clear();
    res->data.reserve(m.size());
    res->hits.reserve(m.size());
    for (Xapian::MSetIterator it = m.begin(); it != m.end(); ++it) {
        res->data.push_back(fetch ? it.get_document().get_data() : std::string());
        zhs_xhit h;
        h.docid = *it;
        h.score = it.get_weight();
        h.data = nullptr;
        h.datalen = 0;
        res->hits.push_back(h);
    }
    if (fetch)
        for (size_t i = 0; i < res->hits.size(); i++) {
            res->hits[i].data = &res->data[i][0];
            res->hits[i].datalen = res->data[i].size();
        }
    res->matches = m.get_matches_estimated();
}

} // namespace

extern "C" void zhs_xsearch_opts_default(zhs_xsearch_opts *o)
{
    if (!o) return;
    o->k1 = ZHS_XBM25_K1;
    o->b = ZHS_XBM25_B;
    o->min_normlen = ZHS_XBM25_MIN_NORMLEN;
    o->weight = ZHS_XWEIGHT_XAPIAN;
    o->k = ZHS_XSEARCH_K;
    o->count_only = 0;
    o->ids_only = 0;
    o->hidden = nullptr;
    o->hidden_docs = 0;
}

namespace {

/* One search: builds the query (after fetching the term frequencies the
** NATIVE weighting needs) and runs it into *res.  Returns a status for a
** malformed tree; Xapian errors propagate. */
int search_once(zhs_xresults *res, zhs_xreader *r, const zhs_xq *q, const zhs_xsearch_opts &o,
                zhs_error *err)
{
    for (int attempt = 0;; attempt++) {
        try {
            qctx c{&r->db, o.weight, 0, nullptr};
            Xapian::MSet stats;
            if (c.weight == ZHS_XWEIGHT_NATIVE) {
                c.ndocs = (double)r->db.get_doccount();
                if (r->remote) {
                    /* One exchange per shard for the frequencies of all the
                    ** query's terms (an MSet of no hits carries them),
                    ** rather than one round trip per term and shard. */
                    qctx plain{&r->db, ZHS_XWEIGHT_XAPIAN, 0, nullptr};
                    Xapian::Query q0;
                    int rc = build_query(q, 0, true, plain, q0, err);
                    if (rc) return rc;
                    Xapian::Enquire enq(r->db);
                    enq.set_query(q0);
                    stats = enq.get_mset(0, 0);
                    c.stats = &stats;
                }
            }
            Xapian::Query query;
            int rc = build_query(q, 0, true, c, query, err);
            if (rc) return rc;
            run_search(res, r, query, o);
            return ZHS_OK;
        } catch (const Xapian::DatabaseModifiedError &) {
            /* a local shard was rewritten under us: reopen once and retry
            ** (the statistics may have changed: start over) */
            if (attempt > 0) throw;
            r->db.reopen();
        }
    }
}

/* After a network error with every shard reachable again (fresh: one new
** connection per shard, from probe_remote): the old connections went
** stale (the server's idle timeout, a restarted server).  Switches r over
** to the new ones if each still serves the same database (same UUID).
** Returns "" when done, else why not. */
std::string reconnect(zhs_xreader *r, std::vector<Xapian::Database> &fresh) noexcept
{
    try {
        if (fresh.size() != r->shards.size()) return " [could not reconnect]";
        for (size_t i = 0; i < fresh.size(); i++)
            if (fresh[i].get_uuid() != r->uuids[i])
                return " [" + r->names[i] + " serves another database than when the index "
                       "was opened: reopen it]";
        Xapian::Database db;
        for (Xapian::Database &d : fresh) db.add_database(d);
        r->db = db;
        r->shards = fresh;
        return "";
    } catch (const Xapian::Error &e) {
        try { return " [reconnecting: " + e.get_description() + "]"; } catch (...) {}
    } catch (...) {
    }
    return " [could not reconnect]";
}

} // namespace

extern "C" int zhs_xreader_search(zhs_xresults **out, zhs_xreader *r, const zhs_xq *q,
                                  const zhs_xsearch_opts *opts, zhs_error *err)
{
    if (out) *out = nullptr;
    SHIM_CHECK_ERR(err);
    if (!out || !r || !q)
        return zhs_fail(err, ZHS_EINVAL, "xapian: search: no reader, query or output");
    zhs_xsearch_opts o;
    if (opts) o = *opts;
    else zhs_xsearch_opts_default(&o);
    if (!finite_nonneg(o.k1) || !finite_nonneg(o.b) || o.b > 1 || !finite_nonneg(o.min_normlen))
        return zhs_fail(err, ZHS_EINVAL,
                        "xapian: search: bad BM25 parameters k1=%g b=%g min_normlen=%g "
                        "(need k1 >= 0, 0 <= b <= 1, min_normlen >= 0)",
                        o.k1, o.b, o.min_normlen);
    if (o.weight != ZHS_XWEIGHT_XAPIAN && o.weight != ZHS_XWEIGHT_NATIVE)
        return zhs_fail(err, ZHS_EINVAL, "xapian: search: unknown weighting %d", o.weight);
    zhs_xresults *res = nullptr;
    for (bool reconnected = false;;) {
        try {
            if (!res) res = new zhs_xresults;
            int rc = search_once(res, r, q, o, err);
            if (rc) {
                delete res;
                return rc;
            }
            break;
        } catch (...) {
            std::string extra;
            bool retry = false;
            try {
                throw;
            } catch (const Xapian::NetworkError &) {
                if (r->remote) {
                    std::vector<Xapian::Database> fresh;
                    extra = probe_remote(r, &fresh);
                    if (extra.empty() && !reconnected) {
                        extra = reconnect(r, fresh);
                        retry = extra.empty();
                    }
                }
            } catch (...) {
            }
            if (retry) {
                reconnected = true;
                continue;
            }
            int rc = fail_current(err, "search failed over", r->where.c_str(),
                                  extra.empty() ? nullptr : extra.c_str());
            delete res;
            return rc;
        }
    }
    *out = res;
    return ZHS_OK;
}

extern "C" size_t zhs_xresults_count(const zhs_xresults *res)
{
    return res ? res->hits.size() : 0;
}

extern "C" uint64_t zhs_xresults_matches(const zhs_xresults *res)
{
    return res ? res->matches : 0;
}

extern "C" const zhs_xhit *zhs_xresults_hit(const zhs_xresults *res, size_t i)
{
    return res && i < res->hits.size() ? &res->hits[i] : nullptr;
}

extern "C" void zhs_xresults_free(zhs_xresults *res)
{
    delete res;
}
