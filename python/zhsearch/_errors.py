"""Exceptions: one class per status code of zhs.h, all ZhsError."""


class ZhsError(Exception):
    """An error reported by libzhs.

    status   the library's status code (a negative ZHS_E* value; None when the
             library itself could not be loaded)
    name     its constant name ("bad query", "corrupt index", ...)
    message  the library's message: what failed, on what, what to do
    """

    status = None

    def __init__(self, message, status=None, name=None):
        super().__init__(message)
        if status is not None:
            self.status = status
        self.name = name
        self.message = message

    def __str__(self):
        return self.message


class InvalidArgumentError(ZhsError, ValueError):
    """ZHS_EINVAL: a bad argument or option."""
    status = -1


class OutOfMemoryError(ZhsError, MemoryError):
    """ZHS_ENOMEM."""
    status = -2


class ZhsIOError(ZhsError, OSError):
    """ZHS_EIO: a file could not be read or written."""
    status = -3

    def __init__(self, message, status=None, name=None):
        ZhsError.__init__(self, message, status, name)

    def __str__(self):
        return self.message


class CorruptIndexError(ZhsError):
    """ZHS_ECORRUPT: an index file fails a checksum or invariant."""
    status = -4


class VersionError(ZhsError):
    """ZHS_EVERSION: the index format version is not supported."""
    status = -5


class AnalyzerMismatchError(ZhsError):
    """ZHS_EANALYZER: the index was built with another analyzer."""
    status = -6


class QueryError(ZhsError, ValueError):
    """ZHS_EQUERY: the query could not be parsed (the message says where)."""
    status = -7


class ICUError(ZhsError):
    """ZHS_EICU: ICU reported an error."""
    status = -8


class XapianError(ZhsError):
    """ZHS_EXAPIAN: Xapian reported an error."""
    status = -9


class NotFoundError(ZhsError, LookupError):
    """ZHS_ENOTFOUND: no such index, file or term."""
    status = -10


class InternalError(ZhsError):
    """ZHS_EINTERNAL: a bug in the library."""
    status = -11


class LibraryNotFoundError(ZhsError, ImportError):
    """libzhs.so could not be found or loaded (status None)."""

    def __init__(self, message):
        ZhsError.__init__(self, message)
        ImportError.__init__(self, message)

    def __str__(self):
        return self.message


BY_STATUS = {cls.status: cls for cls in (
    InvalidArgumentError, OutOfMemoryError, ZhsIOError, CorruptIndexError, VersionError,
    AnalyzerMismatchError, QueryError, ICUError, XapianError, NotFoundError, InternalError)}


def error_for(status, message, name=None):
    """The exception for a status code (ZhsError for an unknown one)."""
    cls = BY_STATUS.get(status, ZhsError)
    return cls(message, status, name)
