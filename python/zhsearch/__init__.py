"""zhsearch: full-text search for Chinese documents, from Python.

A thin layer (ctypes) over the C library libzhs.so; nothing is compiled when
the package is installed.

    import zhsearch
    zhsearch.build_index("corpus/sample", "sample.idx")
    with zhsearch.Index("sample.idx") as ix:
        for hit in ix.search("个人信息 处理者", k=5):
            print(hit.score, hit.title, hit.label, hit.path, hit.line)

Offsets are given twice: in characters of the Python string (start, end,
highlights) and in bytes of its UTF-8 encoding (byte_start, byte_end,
highlight_bytes), the library's own unit.

Threads: an Index may be shared by threads (each thread gets its own query
analyzer; a Xapian index's searches are serialised, since a Xapian database
handle is not thread-safe).  An Analyzer is one thread's.

The library is found as python/README.md describes ($ZHSEARCH_LIBRARY, then
pkg-config, then the dynamic loader, then common prefixes).
"""
import ctypes
import os
import threading
from dataclasses import dataclass, field
from typing import Callable, List, Optional, Sequence, Tuple, Union

from . import _lib as L
from ._errors import (AnalyzerMismatchError, CorruptIndexError, ICUError, InternalError,
                      InvalidArgumentError, LibraryNotFoundError, NotFoundError,
                      OutOfMemoryError, QueryError, VersionError, XapianError, ZhsError,
                      ZhsIOError, error_for)
from ._lib import library_path

__version__ = "0.1.0"

__all__ = [
    "Index", "Analyzer", "Hit", "Results", "Token", "IndexInfo", "BuildStats",
    "build_index", "analyze", "segment", "verify", "engines", "library_path",
    "ZhsError", "InvalidArgumentError", "OutOfMemoryError", "ZhsIOError", "CorruptIndexError",
    "VersionError", "AnalyzerMismatchError", "QueryError", "ICUError", "XapianError",
    "NotFoundError", "InternalError", "LibraryNotFoundError",
]

PathLike = Union[str, bytes, "os.PathLike[str]"]
TOKEN_KINDS = ("word", "bigram", "latin", "number", "char")      # enum zhs_token_kind


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------

def _check(status, err):
    """Raises the exception of a negative status, with the library's message."""
    if status < 0:
        lib = L.load()
        name = (lib.zhs_status_name(status) or b"").decode("utf-8", "replace")
        message = err.message.decode("utf-8", "replace") or name
        raise error_for(status, message, name)
    return status


def _str(b):
    return b.decode("utf-8", "replace") if b is not None else ""


def _char_offsets(data):
    """For UTF-8 bytes, a list mapping each byte offset (0..len) to the
    character offset in the decoded string."""
    out = [0] * (len(data) + 1)
    n = 0
    for i, byte in enumerate(data):
        out[i] = n
        if byte & 0xC0 != 0x80:
            n += 1
        else:
            out[i] = n - 1 if n else 0
    out[len(data)] = n
    return out


def _encode_text(text, what):
    if isinstance(text, str):
        return text.encode("utf-8", "surrogatepass")
    if isinstance(text, (bytes, bytearray)):
        return bytes(text)
    raise TypeError("%s must be str or bytes, not %s" % (what, type(text).__name__))


def _encode_option(value, what):
    """A text option (filter, as_of) as the library takes it: None stays
    None; anything but str is a TypeError naming the option."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise TypeError("%s must be str, not %s" % (what, type(value).__name__))
    try:
        data = value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidArgumentError("%s holds a lone surrogate, which is no character" % what, L.EINVAL,
                                   "bad argument") from None
    if b"\0" in data:
        raise InvalidArgumentError("%s contains a NUL character" % what, L.EINVAL, "bad argument")
    return data


def _encode_query(query):
    if isinstance(query, str):
        try:
            q = query.encode("utf-8")
        except UnicodeEncodeError as ex:
            raise QueryError("the query holds a lone surrogate (%r at character %d), which is no character: "
                             "pass text, not UTF-16 halves" % (query[ex.start], ex.start + 1), L.EQUERY,
                             "bad query") from None
    else:
        q = _encode_text(query, "query")
    if b"\0" in q:
        raise QueryError("the query contains a NUL character", L.EQUERY, "bad query")
    return q


# ---------------------------------------------------------------------------
# the analyzer
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Token:
    """One token of the analyzer.  text is the normalised term; original
    the characters of the input it comes from, input[start:end]."""
    text: str
    kind: str                   # "word", "bigram", "latin", "number" or "char"
    position: int               # see docs/ANALYZER.md
    start: int                  # character offsets in the input string
    end: int
    byte_start: int             # byte offsets in its UTF-8 encoding
    byte_end: int
    original: str


_CHARS = {"all": L.CHARS_ALL, "written": L.CHARS_WRITTEN, "none": L.CHARS_NONE}
_CHARS_NAME = {L.CHARS_ALL: "all", L.CHARS_WRITTEN: "written", L.CHARS_NONE: "none"}


def _config(fold_traditional, words, bigrams, chars=None, segmenter="dict", user_dict=None, article_terms=True,
            number_units=True):
    """An analyzer configuration: the library's defaults, then the options.
    fold_traditional: True (OpenCC, by phrase), "chars" (one character at a
    time, as indexes built before OpenCC), False (none).  chars: None (the
    library's default, "written"), "all" or True (every Han character a
    term, as `zhs index --chars`), "written" or False (only the characters
    OpenCC folded away, as --no-chars: a native index makes the others'
    lists from bigrams at query time), "none" (no character terms)."""
    lib = L.load()
    cfg = L.AnalyzerConfig()
    lib.zhs_analyzer_config_default(ctypes.byref(cfg))
    if fold_traditional == "chars":
        cfg.fold_traditional = L.FOLD_CHARS
    elif not fold_traditional:
        cfg.fold_traditional = L.FOLD_NONE
    cfg.words = int(bool(words))
    cfg.bigrams = int(bool(bigrams))
    if chars is not None:
        # True and False by identity: 1 and 0 (the C enum's values) would
        # equal them as dictionary keys
        if chars is True or chars is False:
            cfg.chars = L.CHARS_ALL if chars else L.CHARS_WRITTEN
        elif isinstance(chars, str) and chars in _CHARS:
            cfg.chars = _CHARS[chars]
        else:
            raise InvalidArgumentError("chars must be 'all', 'written', 'none', True or False, not %r" % (chars,),
                                       L.EINVAL, "bad argument")
    if segmenter not in ("dict", "icu"):
        raise InvalidArgumentError("segmenter must be 'dict' or 'icu', not %r" % (segmenter,), L.EINVAL,
                                   "bad argument")
    cfg.segmenter = L.SEGMENTER_DICT if segmenter == "dict" else L.SEGMENTER_ICU
    if user_dict is not None:
        cfg.user_dict = os.fsencode(user_dict)
    cfg.article_terms = int(bool(article_terms))
    cfg.number_units = int(bool(number_units))
    return cfg


class _Closeable:
    """with-statement support and a last close when collected, for the
    classes that own a library handle (close() frees it, twice is fine)."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass


class Analyzer(_Closeable):
    """The analyzer (ICU normalisation, segmentation, bigrams).  Not
    thread-safe: use one per thread (zhsearch.analyze() does)."""

    def __init__(self, fold_traditional=True, words=True, bigrams=True, *, chars=None, segmenter="dict",
                 user_dict=None, article_terms=True, number_units=True, _handle=None):
        self._lib = L.load()
        self._h = L.Handle()
        if _handle is not None:
            self._h = _handle
            return
        cfg = _config(fold_traditional, words, bigrams, chars, segmenter, user_dict, article_terms, number_units)
        err = L.Error()
        _check(self._lib.zhs_analyzer_open(ctypes.byref(self._h), ctypes.byref(cfg),
                                           ctypes.byref(err)), err)

    def _handle(self):
        if not self._h:
            raise InvalidArgumentError("the analyzer is closed", L.EINVAL, "bad argument")
        return self._h

    @property
    def fingerprint(self) -> str:
        """The analyzer's version and configuration, as indexes record it."""
        return _str(self._lib.zhs_analyzer_fingerprint(self._handle()))

    @property
    def config(self) -> dict:
        cfg = L.AnalyzerConfig()
        self._lib.zhs_analyzer_config_get(self._handle(), ctypes.byref(cfg))
        return {"fold_traditional": bool(cfg.fold_traditional), "words": bool(cfg.words),
                "bigrams": bool(cfg.bigrams), "chars": _CHARS_NAME.get(cfg.chars, str(cfg.chars)),
                "article_terms": bool(cfg.article_terms), "number_units": bool(cfg.number_units),
                "particle_zhe": bool(cfg.particle_zhe),
                "segmenter": "icu" if cfg.segmenter == L.SEGMENTER_ICU
                else "dict" if cfg.segmenter == L.SEGMENTER_DICT else "dict-v1",
                "fold": ("none", "chars", "phrases")[cfg.fold_traditional]
                if 0 <= cfg.fold_traditional <= 2 else str(cfg.fold_traditional)}

    def analyze(self, text) -> List[Token]:
        """The tokens of text (str, or UTF-8 bytes)."""
        data = _encode_text(text, "text")
        toks = ctypes.POINTER(L.Token)()
        n = ctypes.c_size_t()
        err = L.Error()
        _check(self._lib.zhs_analyzer_run(self._handle(), ctypes.byref(toks), ctypes.byref(n),
                                          data, len(data), ctypes.byref(err)), err)
        chars = _char_offsets(data)
        decoded = data.decode("utf-8", "replace") if isinstance(text, (bytes, bytearray)) else text
        out = []
        for i in range(n.value):
            t = toks[i]
            s, e = chars[t.start], chars[t.end]
            kind = TOKEN_KINDS[t.kind] if t.kind < len(TOKEN_KINDS) else str(t.kind)
            out.append(Token(ctypes.string_at(t.text, t.len).decode("utf-8", "replace"), kind,
                             t.position, s, e, t.start, t.end, decoded[s:e]))
        return out

    def segment(self, text) -> List[str]:
        """The words of text, in their original characters."""
        data = _encode_text(text, "text")
        out = ctypes.POINTER(ctypes.c_char)()
        n = ctypes.c_size_t()
        err = L.Error()
        _check(self._lib.zhs_analyzer_segment(self._handle(), ctypes.byref(out), ctypes.byref(n),
                                              data, len(data), ctypes.byref(err)), err)
        return ctypes.string_at(out, n.value).decode("utf-8", "replace").split()

    def close(self):
        if self._h:
            self._lib.zhs_analyzer_close(self._h)
            self._h = L.Handle()



_analyzers = threading.local()


def _thread_analyzer(fold_traditional, words, bigrams):
    key = (bool(fold_traditional), bool(words), bool(bigrams))
    cache = getattr(_analyzers, "cache", None)
    if cache is None:
        cache = _analyzers.cache = {}
    an = cache.get(key)
    if an is None:
        an = cache[key] = Analyzer(*key)
    return an


def analyze(text, *, fold_traditional=True, words=True, bigrams=True) -> List[Token]:
    """The analyzer's tokens of text (one analyzer per thread and configuration)."""
    return _thread_analyzer(fold_traditional, words, bigrams).analyze(text)


def segment(text, *, fold_traditional=True) -> List[str]:
    """The words of text, in their original characters."""
    return _thread_analyzer(fold_traditional, True, True).segment(text)


# ---------------------------------------------------------------------------
# building
# ---------------------------------------------------------------------------

@dataclass
class BuildStats:
    """What build_index() read and wrote."""
    passages: int = 0
    files_read: int = 0
    files_skipped: int = 0
    bytes: int = 0
    invalid_utf8: int = 0
    warnings: List[Tuple[str, str]] = field(default_factory=list)   # (path, message)


def engines() -> List[str]:
    """The engines this build of the library includes ("native", "xapian")."""
    lib = L.load()
    out = []
    for name in ("native", "xapian"):
        e = ctypes.c_int()
        if lib.zhs_engine_from_name(ctypes.byref(e), name.encode(), None) == L.OK:
            out.append(name)
    return out


def build_index(corpus_paths: Union[PathLike, Sequence[PathLike]], out_dir: PathLike, *,
                engine: str = "native", ram: Optional[float] = None,
                title_weight: Optional[int] = None, k1: Optional[float] = None,
                b: Optional[float] = None, shards: Optional[int] = None,
                fold_traditional: bool = True, words: bool = True, bigrams: bool = True,
                chars=None, replace: bool = False,
                on_warning: Optional[Callable[[str, str], None]] = None,
                progress: Optional[Callable[[dict], None]] = None) -> BuildStats:
    """Builds the index in out_dir from files and folders of .md, .txt and
    .jsonl (each also .gz), like 'zhs index', and publishes it atomically.

    engine        "native" (default) or "xapian"
    ram           megabytes of postings held before a flush (default 256)
    title_weight  each title token counts this many times (default 2)
    k1, b         BM25 parameters the index is built for (default 1.2, 0.5)
    shards        Xapian: split the passages over this many databases
    fold_traditional, words, bigrams   the analyzer's configuration
    chars         as Analyzer's; None: every character term for a Xapian
                  index or without bigrams (as 'zhs index' does: only a
                  native index with bigrams makes the lists it lacks),
                  the library's default ("written") otherwise
    replace       an index of another corpus in out_dir is replaced (as
                  'zhs index --replace'); without it that is an error
    on_warning    called (path, message) for a file skipped or partly read
    progress      called with a dict (passages, tokens, bytes_in, seconds, phase)

    As 'zhs index', and for the same reason (a typo in a path must not
    empty an index): a corpus path that does not exist, a folder given
    twice or inside another, a corpus that gives no passage, and (without
    replace) an index in out_dir built from other corpus paths raise
    InvalidArgumentError and write nothing.  Unreadable files are warnings,
    not errors (see BuildStats.warnings).  On an error nothing is published
    and an index already in out_dir is left as it was.  An exception raised
    by a callback stops the build the same way and is re-raised.
    """
    lib = L.load()
    if isinstance(corpus_paths, (str, bytes, os.PathLike)):
        corpus_paths = [corpus_paths]
    paths = [os.fsencode(p) for p in corpus_paths]
    if not paths:
        raise InvalidArgumentError("build_index: no corpus path", L.EINVAL, "bad argument")
    # the index records each file by its absolute path (as 'zhs index')
    for i, p in enumerate(paths):
        if not os.path.exists(p):
            raise InvalidArgumentError("build_index: corpus path %s: no such file or folder: give existing files "
                                       "or folders" % _str(p), L.EINVAL, "bad argument")
        paths[i] = os.path.realpath(p)
    for i, p in enumerate(paths):
        for j, q in enumerate(paths):
            if i != j and (p == q and i > j or p.startswith(q.rstrip(b"/") + b"/")):
                raise InvalidArgumentError("build_index: corpus path %s %s %s: give each folder once, and no folder "
                                           "inside another" % (_str(p), "is given twice as" if p == q else
                                                               "is inside", _str(q)), L.EINVAL, "bad argument")

    err = L.Error()
    opts = L.WriterOptions()
    lib.zhs_writer_options_default(ctypes.byref(opts))
    e = ctypes.c_int()
    _check(lib.zhs_engine_from_name(ctypes.byref(e), str(engine).encode(), ctypes.byref(err)), err)
    opts.engine = e.value
    if ram is not None:
        if ram <= 0:
            raise InvalidArgumentError("ram must be a positive number of megabytes", L.EINVAL,
                                       "bad argument")
        opts.ram_budget = int(ram * (1 << 20))
    if title_weight is not None:
        if not 1 <= int(title_weight) <= 16:
            raise InvalidArgumentError("title_weight takes a number from 1 to 16, not %r" % (title_weight,),
                                       L.EINVAL, "bad argument")
        opts.title_weight = int(title_weight)
    if k1 is not None:
        opts.k1 = float(k1)
    if b is not None:
        opts.b = float(b)
    if shards is not None:
        opts.shards = int(shards)

    stats = BuildStats()
    failure = []        # an exception raised by a callback

    def warn(ctx, path, message):
        w = (_str(path), _str(message))
        stats.warnings.append(w)
        if on_warning and not failure:
            try:
                on_warning(*w)
            except BaseException as ex:      # noqa: B902 - re-raised below
                failure.append(ex)

    def report(ctx, p):
        if progress and not failure:
            q = p.contents
            try:
                progress({"passages": q.passages, "tokens": q.tokens, "bytes_in": q.bytes_in,
                          "seconds": q.seconds, "phase": _str(q.phase)})
            except BaseException as ex:      # noqa: B902 - re-raised below
                failure.append(ex)

    warn_fn = L.WARN_FN(warn)           # kept alive until the end of the call
    progress_fn = L.PROGRESS_FN(report)
    opts.progress = progress_fn
    copts = L.CorpusOptions()
    lib.zhs_corpus_options_default(ctypes.byref(copts))
    copts.warn = warn_fn
    cpaths = (ctypes.c_char_p * len(paths))(*paths)

    an, w, c = L.Handle(), L.Handle(), L.Handle()
    if chars is None and (not bigrams or opts.engine != L.ENGINE_NATIVE):
        chars = "all"
    cfg = _config(fold_traditional, words, bigrams, chars)
    try:
        # Chained: once a call fails, the next ones do nothing (zhs.h).
        lib.zhs_analyzer_open(ctypes.byref(an), ctypes.byref(cfg), ctypes.byref(err))
        lib.zhs_writer_open(ctypes.byref(w), os.fsencode(out_dir), an, ctypes.byref(opts),
                            ctypes.byref(err))
        if not replace and not err.code and lib.zhs_writer_check_roots(w, cpaths, len(paths), ctypes.byref(err)) != L.OK:
            if err.code != L.EINVAL:
                _check(err.code, err)           # the file table unreadable, out of memory: as it is
            raise InvalidArgumentError("build_index: %s (pass replace=True to replace it with an index of this "
                                       "corpus)" % _str(err.message), L.EINVAL, "bad argument")
        lib.zhs_corpus_open(ctypes.byref(c), cpaths, len(paths), ctypes.byref(copts),
                            ctypes.byref(err))
        # each file recorded as the CLI records it: its later builds are
        # checked against the same corpus, and 'zhs index --update' works
        def on_file(ctx, f, e):
            # an exception cannot cross the C frames: it stops the build
            # (a negative status ends zhs_corpus_next) and is re-raised below,
            # so that a Ctrl-C never publishes an index without this file
            try:
                fc = f.contents
                src = L.Source(fc.root, fc.rel, fc.size, fc.mtime_ns, 0)
                state = ctypes.c_int()
                rc = lib.zhs_writer_source(w, ctypes.byref(src), ctypes.byref(state), e)
                if rc != L.OK:
                    return rc
                # a build names every file anew (never SOURCE_NEEDS_HASH, an update's)
                return 0 if state.value == L.SOURCE_UNCHANGED else 1
            except BaseException as ex:      # noqa: B902 - re-raised below
                failure.append(ex)
                e.contents.code = L.EINVAL
                e.contents.message = b"build_index: stopped by an exception in Python"
                return L.EINVAL

        filter_fn = L.FILTER_FN(on_file)    # kept alive until the end of the call
        if not err.code:
            lib.zhs_corpus_set_filter(c, filter_fn, None)
        doc = ctypes.POINTER(L.Document)()
        added = 0
        while not failure and lib.zhs_corpus_next(c, ctypes.byref(doc), ctypes.byref(err)) == L.OK:
            d = doc.contents
            added += d.npassages
            for i in range(d.npassages):
                if lib.zhs_writer_add(w, d.passages[i], ctypes.byref(err)) != L.OK:
                    break
        if failure:
            raise failure[0]
        _check(err.code, err)
        if added == 0:
            cs = L.CorpusStats()
            lib.zhs_corpus_stats_get(c, ctypes.byref(cs))
            raise InvalidArgumentError("build_index: no passages found in the corpus (%d files read, %d skipped): "
                                       "give folders or files with .md, .txt or .jsonl text; nothing was written"
                                       % (cs.files_read, cs.files_skipped), L.EINVAL, "bad argument")
        lib.zhs_writer_commit(w, ctypes.byref(err))
        if failure:
            raise failure[0]
        _check(err.code, err)
        if c:
            cs = L.CorpusStats()
            lib.zhs_corpus_stats_get(c, ctypes.byref(cs))
            stats.passages = cs.passages
            stats.files_read = cs.files_read
            stats.files_skipped = cs.files_skipped
            stats.bytes = cs.bytes
            stats.invalid_utf8 = cs.invalid_utf8
        return stats
    finally:
        lib.zhs_corpus_close(c)
        lib.zhs_writer_close(w)         # without a commit: the build is dropped
        lib.zhs_analyzer_close(an)


def verify(path: PathLike) -> None:
    """Checks every file of the index (checksums, invariants); raises
    CorruptIndexError naming the damaged file and offset."""
    lib = L.load()
    err = L.Error()
    _check(lib.zhs_index_verify(os.fsencode(path), ctypes.byref(err)), err)


# ---------------------------------------------------------------------------
# searching
# ---------------------------------------------------------------------------

@dataclass(frozen=True)
class IndexInfo:
    engine: str
    shareable: bool             # one handle may serve concurrent threads
    passages: int
    tokens: int
    terms: int
    source_bytes: int
    avglen: float
    k1: float
    b: float
    generation: int
    shards: int
    analyzer: str               # the analyzer's fingerprint


@dataclass(frozen=True)
class Hit:
    """One ranked passage."""
    rank: int                   # 1-based
    score: float
    doc: int                    # internal passage number
    id: str                     # external id: JSONL "id", else "relpath#n"
    title: str
    heading: str                # heading path joined by " › "
    label: str                  # article label ("第十条"), "" if none
    path: str                   # source file, as given at index time
    line: int                   # 1-based source line
    text: str
    highlights: Tuple[Tuple[int, int], ...]         # (start, end) characters of text
    highlight_bytes: Tuple[Tuple[int, int], ...]    # (start, end) bytes of text in UTF-8
    date: str = ""              # the document's version date, YYYY-MM-DD
    category: str = ""          # first folder under the corpus root
    status: str = ""
    issuer: str = ""
    in_force: str = ""          # the day the version is in force from, YYYY-MM-DD
    repealed: str = ""          # the day another document's text repeals it from, YYYY-MM-DD
    repealed_by: str = ""       # that document's title
    repealed_by_date: str = ""  # and its date

    def marked(self, before: str = "[", after: str = "]") -> str:
        """text with every highlight between before and after."""
        out, last = [], 0
        for s, e in self.highlights:
            out += [self.text[last:s], before, self.text[s:e], after]
            last = e
        out.append(self.text[last:])
        return "".join(out)


class Results(list):
    """The hits of a search, best first (a list of Hit).

    matches        passages that matched (a lower bound unless exact)
    matches_exact  True when matches is exact (exhaustive=True, or count())
    warnings       what a lenient reading of the query ignored or changed
                   (an unterminated quote, a lone + or -, ...), as the CLI
                   prints them; empty when the query was read as written
    """

    def __init__(self, hits, query, matches, matches_exact, warnings=()):
        super().__init__(hits)
        self.query = query
        self.matches = matches
        self.matches_exact = matches_exact
        self.warnings = tuple(warnings)

    def __repr__(self):
        return "<Results %r: %d hits of %s%d matches>" % (
            self.query, len(self), "" if self.matches_exact else ">=", self.matches)


class Index(_Closeable):
    """A search index opened read-only (either engine), every checksum
    verified.  Close it (or use 'with'); its hits stay usable after."""

    def __init__(self, path: PathLike):
        self._lib = L.load()
        self.path = os.fspath(path)
        self._ix = L.Handle()
        err = L.Error()
        _check(self._lib.zhs_index_open(ctypes.byref(self._ix), os.fsencode(path),
                                        ctypes.byref(err)), err)
        info = L.IndexInfo()
        self._lib.zhs_index_info_get(self._ix, ctypes.byref(info))
        self._info = IndexInfo(_str(info.engine_name), bool(info.shareable), info.passages,
                               info.tokens, info.terms, info.source_bytes, info.avglen, info.k1,
                               info.b, info.generation, info.shards, _str(info.analyzer))
        self._local = threading.local()
        self._analyzers = []
        self._lock = threading.RLock()      # close(), the analyzer list; searches if not shareable

    @property
    def info(self) -> IndexInfo:
        return self._info

    @property
    def closed(self) -> bool:
        return not self._ix

    def _handles(self):
        """The index handle and this thread's analyzer for it."""
        if not self._ix:
            raise InvalidArgumentError("the index %s is closed" % self.path, L.EINVAL,
                                       "bad argument")
        an = getattr(self._local, "analyzer", None)
        if an is None:
            h = L.Handle()
            err = L.Error()
            _check(self._lib.zhs_index_open_analyzer(ctypes.byref(h), self._ix,
                                                     ctypes.byref(err)), err)
            an = Analyzer(_handle=h)
            with self._lock:
                self._analyzers.append(an)
            self._local.analyzer = an
        return self._ix, an._h

    def analyzer_fingerprint(self) -> str:
        return self._info.analyzer

    def _run(self, query, k, k1, b, exhaustive, count_only, meta=None):
        q = _encode_query(query)
        opts = L.SearchOptions()
        self._lib.zhs_search_options_default(ctypes.byref(opts))
        if meta:
            # ctypes keeps no reference to the bytes: meta holds them.
            opts.all_versions = int(bool(meta.get("all_versions")))
            opts.as_of = meta.get("as_of")
            opts.filter = meta.get("filter")
            opts.group_size = int(meta.get("per_law") or 0)
            opts.no_expand = int(not meta.get("expand", True))
        if k is not None:
            if int(k) < 1:
                raise InvalidArgumentError("k must be at least 1", L.EINVAL, "bad argument")
            opts.k = int(k)
        if k1 is not None:
            opts.k1 = float(k1)
        if b is not None:
            opts.b = float(b)
        opts.exhaustive = int(bool(exhaustive))
        opts.count_only = int(bool(count_only))
        err = L.Error()
        res = L.Handle()
        ix, an = self._handles()
        status = self._lib.zhs_index_search(ctypes.byref(res), ix, an, q, ctypes.byref(opts),
                                            ctypes.byref(err))
        if status < 0:
            self._lib.zhs_results_free(res)
            _check(status, err)
        return res, an

    def search(self, query: Union[str, bytes], k: int = 10, *, k1: Optional[float] = None,
               b: Optional[float] = None, exhaustive: bool = False, filter: Optional[str] = None,
               as_of: Optional[str] = None, all_versions: bool = False, per_law: int = 0,
               expand: bool = True) -> Results:
        """The best k passages for query (docs/QUERY.md: words, "phrases",
        +required, -excluded, title:word).  Raises QueryError with the
        library's message (which says where) for a query it cannot parse.
        filter: "date>=2021-01-01 category=行政法规"; as_of: the version in
        force at a date; all_versions: every version of a law; per_law: at
        most this many passages of each law (0: no grouping); expand=False:
        no statutes' wording added for everyday words (docs/RANKING.md)."""
        meta = {"filter": _encode_option(filter, "filter"),
                "as_of": _encode_option(as_of, "as_of"),
                "all_versions": all_versions, "per_law": per_law, "expand": expand}
        if self._info.shareable:
            return self._search(query, k, k1, b, exhaustive, meta)
        with self._lock:
            return self._search(query, k, k1, b, exhaustive, meta)

    def _search(self, query, k, k1, b, exhaustive, meta=None):
        lib = self._lib
        res, an = self._run(query, k, k1, b, exhaustive, False, meta)
        try:
            err = L.Error()
            hits = []
            for i in range(lib.zhs_results_count(res)):
                h = lib.zhs_results_hit(res, i).contents
                p = L.Passage()
                _check(lib.zhs_results_passage(ctypes.byref(p), res, h.doc, ctypes.byref(err)), err)
                spans = ctypes.POINTER(L.Span)()
                nspans = ctypes.c_size_t()
                _check(lib.zhs_results_highlights(ctypes.byref(spans), ctypes.byref(nspans), res,
                                                  an, ctypes.byref(p), ctypes.byref(err)), err)
                data = ctypes.string_at(p.text, p.text_len)
                chars = _char_offsets(data)
                hb = tuple((spans[j].start, spans[j].end) for j in range(nspans.value))
                hc = tuple((chars[s], chars[e]) for s, e in hb)
                since = ctypes.create_string_buffer(11)
                _check(lib.zhs_results_in_force(since, res, h.doc, ctypes.byref(err)), err)
                rep = L.RepealInfo()
                _check(lib.zhs_results_repealed(ctypes.byref(rep), res, h.doc, ctypes.byref(err)), err)
                hits.append(Hit(i + 1, h.score, h.doc, _str(p.id), _str(p.title), _str(p.heading),
                                _str(p.label), _str(p.path), p.line,
                                data.decode("utf-8", "replace"), hc, hb, _str(p.date),
                                _str(p.category), _str(p.status), _str(p.issuer), _str(since.value),
                                _str(rep.day), _str(rep.by), _str(rep.by_date)))
            warnings = []
            while True:
                w = lib.zhs_results_warning(res, len(warnings))
                if w is None:
                    break
                warnings.append(_str(w))
            return Results(hits, query, lib.zhs_results_matches(res), bool(exhaustive), warnings)
        finally:
            lib.zhs_results_free(res)

    def count(self, query: Union[str, bytes]) -> int:
        """The exact number of passages that match query."""
        with self._lock if not self._info.shareable else _nolock:
            res, _ = self._run(query, None, None, None, False, True)
            try:
                return self._lib.zhs_results_matches(res)
            finally:
                self._lib.zhs_results_free(res)

    def files(self) -> List[Tuple[str, str, int]]:
        """The files of the index's current generation: (label, file name, bytes)."""
        if not self._ix:
            raise InvalidArgumentError("the index %s is closed" % self.path, L.EINVAL,
                                       "bad argument")
        cap = 256
        while True:
            arr = (L.IndexFile * cap)()
            n = ctypes.c_size_t()
            err = L.Error()
            _check(self._lib.zhs_index_files(arr, cap, ctypes.byref(n), self._ix, ctypes.byref(err)), err)
            if n.value <= cap:
                return [(_str(f.label), _str(f.file), f.bytes) for f in arr[:n.value]]
            cap = n.value

    def close(self):
        """Closes the index and the analyzers its threads used.  Not to be
        called while another thread is searching it."""
        with self._lock:
            for an in self._analyzers:
                an.close()
            self._analyzers = []
            self._local = threading.local()
            if self._ix:
                self._lib.zhs_index_close(self._ix)
                self._ix = L.Handle()


    def __repr__(self):
        return "<zhsearch.Index %r %s, %d passages%s>" % (
            self.path, self._info.engine, self._info.passages, ", closed" if self.closed else "")


class _NoLock:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


_nolock = _NoLock()
