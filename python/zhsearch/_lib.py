"""The C library: finding libzhs.so, the structs of zhs.h and the
prototypes of its functions, mirrored field by field for ctypes.

Keep this file in step with include/zhs.h: python/tests checks every
struct's size and field offsets against the C compiler's.
"""
import ctypes
import ctypes.util
import os
import shutil
import subprocess
import sys
import threading

c_char_p = ctypes.c_char_p
c_int = ctypes.c_int
c_uint = ctypes.c_uint
c_double = ctypes.c_double
c_size_t = ctypes.c_size_t
c_uint32 = ctypes.c_uint32
c_uint64 = ctypes.c_uint64
c_void_p = ctypes.c_void_p
POINTER = ctypes.POINTER
byref = ctypes.byref

ERROR_MAX = 1024        # ZHS_ERROR_MAX

# enum zhs_status
OK = 0
DONE = 1
EINVAL = -1
ENOMEM = -2
EIO = -3
ECORRUPT = -4
EVERSION = -5
EANALYZER = -6
EQUERY = -7
EICU = -8
EXAPIAN = -9
ENOTFOUND = -10
EINTERNAL = -11

WRITER_OPTIONS_VERSION = 1
SEARCH_OPTIONS_VERSION = 3

# ---------------------------------------------------------------------------
# Structs (zhs.h order and types)
# ---------------------------------------------------------------------------


class Error(ctypes.Structure):
    _fields_ = [("code", c_int), ("message", ctypes.c_char * ERROR_MAX)]


class Token(ctypes.Structure):
    _fields_ = [("text", c_char_p), ("len", c_uint32), ("kind", c_uint32),
                ("position", c_uint32), ("start", c_uint32), ("end", c_uint32)]


class AnalyzerConfig(ctypes.Structure):
    _fields_ = [("fold_traditional", c_int), ("words", c_int), ("bigrams", c_int), ("chars", c_int),
                ("segmenter", c_int), ("user_dict", c_char_p), ("on_warning", c_void_p),
                ("warning_ctx", c_void_p), ("article_terms", c_int), ("number_units", c_int),
                ("particle_zhe", c_int)]


# enum zhs_fold, enum zhs_segmenter
FOLD_NONE, FOLD_CHARS, FOLD_PHRASES = 0, 1, 2
CHARS_NONE, CHARS_ALL, CHARS_WRITTEN = 0, 1, 2    # enum zhs_chars
ENGINE_NATIVE, ENGINE_XAPIAN = 0, 1                # enum zhs_engine
SEGMENTER_DICT, SEGMENTER_ICU, SEGMENTER_DICT_V1 = 0, 1, 2


class Passage(ctypes.Structure):
    # text is a pointer, not c_char_p: it has text_len bytes.
    _fields_ = [("id", c_char_p), ("text", POINTER(ctypes.c_char)), ("text_len", c_size_t),
                ("title", c_char_p), ("heading", c_char_p), ("label", c_char_p),
                ("path", c_char_p), ("line", c_uint32),
                ("date", c_char_p), ("category", c_char_p), ("status", c_char_p),
                ("issuer", c_char_p), ("extra", c_char_p)]


class RepealInfo(ctypes.Structure):
    _fields_ = [("day", ctypes.c_char * 11), ("by_date", ctypes.c_char * 11), ("by", ctypes.c_char * 512)]


class Document(ctypes.Structure):
    _fields_ = [("path", c_char_p), ("title", c_char_p), ("passages", POINTER(Passage)),
                ("npassages", c_size_t), ("bytes", c_size_t), ("invalid_utf8", c_size_t)]


WARN_FN = ctypes.CFUNCTYPE(None, c_void_p, c_char_p, c_char_p)


class CorpusOptions(ctypes.Structure):
    _fields_ = [("version", c_uint), ("warn", WARN_FN), ("warn_ctx", c_void_p), ("max_file_bytes", c_size_t),
                ("order", c_int)]


class CorpusStats(ctypes.Structure):
    _fields_ = [(name, c_uint64) for name in (
        "files_read", "files_skipped", "skipped_type", "skipped_binary", "skipped_error",
        "skipped_empty", "bytes", "passages", "invalid_utf8", "bad_records", "other_encoding")]


class Progress(ctypes.Structure):
    _fields_ = [("passages", c_uint64), ("tokens", c_uint64), ("bytes_in", c_uint64),
                ("seconds", c_double), ("phase", c_char_p)]


PROGRESS_FN = ctypes.CFUNCTYPE(None, c_void_p, POINTER(Progress))


class CorpusFile(ctypes.Structure):
    _fields_ = [("root", c_char_p), ("rel", c_char_p), ("path", c_char_p), ("size", c_uint64),
                ("mtime_ns", ctypes.c_int64)]


class Source(ctypes.Structure):
    _fields_ = [("root", c_char_p), ("rel", c_char_p), ("size", c_uint64), ("mtime_ns", ctypes.c_int64),
                ("hash", c_uint64)]


FILTER_FN = ctypes.CFUNCTYPE(c_int, c_void_p, POINTER(CorpusFile), POINTER(Error))
SOURCE_UNCHANGED, SOURCE_NEEDS_HASH = 2, 3      # enum zhs_source_state


class WriterOptions(ctypes.Structure):
    _fields_ = [("version", c_uint), ("engine", c_int), ("ram_budget", c_size_t),
                ("shards", c_uint), ("k1", c_double), ("b", c_double),
                ("title_weight", c_uint), ("progress", PROGRESS_FN), ("progress_ctx", c_void_p),
                ("threads", c_uint)]


class IndexInfo(ctypes.Structure):
    _fields_ = [("engine", c_int), ("engine_name", c_char_p), ("shareable", c_int),
                ("passages", c_uint64), ("tokens", c_uint64), ("terms", c_uint64),
                ("source_bytes", c_uint64), ("avglen", c_double), ("k1", c_double),
                ("b", c_double), ("generation", c_uint64), ("shards", c_uint),
                ("analyzer", c_char_p)]


class IndexFile(ctypes.Structure):
    _fields_ = [("label", ctypes.c_char * 24), ("file", ctypes.c_char * 64), ("bytes", c_uint64)]


class SearchOptions(ctypes.Structure):
    _fields_ = [("version", c_uint), ("k", c_size_t), ("k1", c_double), ("b", c_double),
                ("exhaustive", c_int), ("count_only", c_int),
                ("aliases", ctypes.c_void_p),     # version 2: a zhs_aliases *, NULL: the built-in list
                ("all_versions", c_int), ("as_of", c_char_p), ("filter", c_char_p),
                ("group_size", c_uint),
                ("proximity", c_double),         # version 3: 0 the default, < 0 plain BM25
                ("no_expand", c_int)]            # version 4: 1 no statutes' wording for everyday words


class Hit(ctypes.Structure):
    _fields_ = [("doc", c_uint32), ("score", c_double)]


class Span(ctypes.Structure):
    _fields_ = [("start", c_uint32), ("end", c_uint32)]


# Every struct of zhs.h, by its C name (the ABI test walks this table).
STRUCTS = {
    "zhs_error": Error, "zhs_token": Token, "zhs_analyzer_config": AnalyzerConfig,
    "zhs_passage": Passage, "zhs_document": Document, "zhs_corpus_options": CorpusOptions,
    "zhs_corpus_stats": CorpusStats, "zhs_progress": Progress,
    "zhs_writer_options": WriterOptions, "zhs_index_info": IndexInfo,
    "zhs_index_file": IndexFile, "zhs_search_options": SearchOptions,
    "zhs_hit": Hit, "zhs_span": Span, "zhs_repeal_info": RepealInfo,
}

# Opaque handles are void pointers.
Handle = c_void_p
ERR = POINTER(Error)

# name: (restype, argtypes)
PROTOTYPES = {
    "zhs_error_clear": (None, [ERR]),
    "zhs_status_name": (c_char_p, [c_int]),
    "zhs_analyzer_config_default": (None, [POINTER(AnalyzerConfig)]),
    "zhs_analyzer_config_from_fingerprint": (c_int, [POINTER(AnalyzerConfig), c_char_p]),
    "zhs_analyzer_open": (c_int, [POINTER(Handle), POINTER(AnalyzerConfig), ERR]),
    "zhs_analyzer_close": (None, [Handle]),
    "zhs_analyzer_config_get": (None, [Handle, POINTER(AnalyzerConfig)]),
    "zhs_analyzer_run": (c_int, [Handle, POINTER(POINTER(Token)), POINTER(c_size_t),
                                 c_char_p, c_size_t, ERR]),
    "zhs_analyzer_fingerprint": (c_char_p, [Handle]),
    "zhs_analyzer_segment": (c_int, [Handle, POINTER(POINTER(ctypes.c_char)), POINTER(c_size_t),
                                     c_char_p, c_size_t, ERR]),
    "zhs_corpus_open": (c_int, [POINTER(Handle), POINTER(c_char_p), c_size_t,
                                POINTER(CorpusOptions), ERR]),
    "zhs_corpus_next": (c_int, [Handle, POINTER(POINTER(Document)), ERR]),
    "zhs_corpus_stats_get": (None, [Handle, POINTER(CorpusStats)]),
    "zhs_corpus_total_bytes": (c_uint64, [Handle]),
    "zhs_corpus_close": (None, [Handle]),
    "zhs_engine_name": (c_char_p, [c_int]),
    "zhs_engine_from_name": (c_int, [POINTER(c_int), c_char_p, ERR]),
    "zhs_writer_options_default": (None, [POINTER(WriterOptions)]),
    "zhs_corpus_options_default": (None, [POINTER(CorpusOptions)]),
    "zhs_writer_open": (c_int, [POINTER(Handle), c_char_p, Handle, POINTER(WriterOptions), ERR]),
    "zhs_writer_add": (c_int, [Handle, POINTER(Passage), ERR]),
    "zhs_writer_commit": (c_int, [Handle, ERR]),
    "zhs_writer_check_roots": (c_int, [Handle, POINTER(c_char_p), c_size_t, ERR]),
    "zhs_writer_source": (c_int, [Handle, POINTER(Source), POINTER(c_int), ERR]),
    "zhs_source_hash": (c_uint64, [c_char_p, c_size_t]),
    "zhs_corpus_set_filter": (None, [Handle, FILTER_FN, c_void_p]),
    "zhs_writer_close": (None, [Handle]),
    "zhs_index_open": (c_int, [POINTER(Handle), c_char_p, ERR]),
    "zhs_index_close": (None, [Handle]),
    "zhs_index_open_remote": (c_int, [POINTER(Handle), POINTER(c_char_p), c_size_t, c_uint, ERR]),
    "zhs_index_info_get": (None, [Handle, POINTER(IndexInfo)]),
    "zhs_index_open_analyzer": (c_int, [POINTER(Handle), Handle, ERR]),
    "zhs_index_files": (c_int, [POINTER(IndexFile), c_size_t, POINTER(c_size_t), Handle, ERR]),
    "zhs_index_check_analyzer": (c_int, [Handle, Handle, ERR]),
    "zhs_search_options_default": (None, [POINTER(SearchOptions)]),
    "zhs_index_search": (c_int, [POINTER(Handle), Handle, Handle, c_char_p,
                                 POINTER(SearchOptions), ERR]),
    "zhs_results_count": (c_size_t, [Handle]),
    "zhs_results_matches": (c_uint64, [Handle]),
    "zhs_results_warning": (c_char_p, [Handle, c_size_t]),
    "zhs_results_hit": (POINTER(Hit), [Handle, c_size_t]),
    "zhs_results_free": (None, [Handle]),
    "zhs_results_passage": (c_int, [POINTER(Passage), Handle, c_uint32, ERR]),
    "zhs_results_in_force": (c_int, [ctypes.c_char_p, Handle, c_uint32, ERR]),
    "zhs_results_repealed": (c_int, [POINTER(RepealInfo), Handle, c_uint32, ERR]),
    "zhs_results_highlights": (c_int, [POINTER(POINTER(Span)), POINTER(c_size_t), Handle,
                                       Handle, POINTER(Passage), ERR]),
    "zhs_index_verify": (c_int, [c_char_p, ERR]),
}

# ---------------------------------------------------------------------------
# Finding and loading libzhs.so
# ---------------------------------------------------------------------------

ENV_VAR = "ZHSEARCH_LIBRARY"
SONAMES = ("libzhs.so.0", "libzhs.so")


def _pkg_config_libdir():
    exe = shutil.which("pkg-config")
    if not exe:
        return None
    try:
        out = subprocess.run([exe, "--variable=libdir", "zhsearch"], capture_output=True,
                             timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    libdir = out.stdout.decode("utf-8", "replace").strip()
    return libdir if out.returncode == 0 and libdir else None


def _candidates():
    """Where libzhs.so is looked for, in order (see python/README.md)."""
    env = os.environ.get(ENV_VAR)
    if env:
        # An explicit choice: nothing else is tried.
        return [("$" + ENV_VAR, env)]
    found = []
    libdir = _pkg_config_libdir()
    if libdir:
        found += [("pkg-config zhsearch", os.path.join(libdir, n)) for n in SONAMES]
    name = ctypes.util.find_library("zhs")
    if name:
        found.append(("ctypes.util.find_library", name))
    prefixes = [sys.prefix, os.path.expanduser("~/.local"), "/usr/local", "/usr"]
    for prefix in dict.fromkeys(prefixes):
        for sub in ("lib", "lib64", "lib/x86_64-linux-gnu", "lib/aarch64-linux-gnu"):
            found += [("prefix " + prefix, os.path.join(prefix, sub, n)) for n in SONAMES]
    return found


_lib = None
_lib_path = None
_lock = threading.Lock()


def load():
    """The loaded library (loaded on first use)."""
    global _lib, _lib_path
    if _lib is not None:
        return _lib
    with _lock:
        if _lib is not None:
            return _lib
        from ._errors import LibraryNotFoundError
        tried = []
        for where, path in _candidates():
            # A bare name (from find_library) goes to the dynamic loader.
            if os.sep in path and not os.path.exists(path):
                continue
            try:
                lib = ctypes.CDLL(path)
            except OSError as e:
                tried.append("%s (%s): %s" % (path, where, e))
                continue
            missing = [n for n in PROTOTYPES if not hasattr(lib, n)]
            if missing:
                tried.append("%s (%s): not zhsearch's library (no %s)" % (path, where, missing[0]))
                continue
            for n, (restype, argtypes) in PROTOTYPES.items():
                fn = getattr(lib, n)
                fn.restype = restype
                fn.argtypes = argtypes
            _lib = lib
            _lib_path = os.path.normpath(path) if os.sep in path else path
            return _lib
        raise LibraryNotFoundError(
            "libzhs.so not found: set %s=/path/to/libzhs.so, or install zhsearch "
            "('cmake --install build --prefix P') and put P/lib/pkgconfig on PKG_CONFIG_PATH "
            "or P/lib on LD_LIBRARY_PATH%s" % (ENV_VAR, "; tried: " + "; ".join(tried) if tried else ""))


def library_path():
    """The path (or loader name) of the libzhs.so in use, loading it if needed."""
    load()
    return _lib_path
