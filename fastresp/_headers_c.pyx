# cython: binding=False, embedsignature.format=clinic, autotestdict=False
# NOTE: clinic-format signatures give these builtins a real `inspect.signature` (twin
# parity, stubtest) without Cython 3's default binding=True, whose function objects cost
# ~4 ns more per call (PERF: 1.1x on quote_url's fast path). autotestdict=False keeps a
# stray `__test__` dict out of the module (stubtest).
"""Header kernels, compiled twin of `_headers_py` (the reference: read its docstrings).

NOTE: the C paths take exact builtin types only (str, dict, int, bytes) and latin-1
text; anything else (subclasses, other Mappings, wider strings...) is handed to the
pure twin before any user code has run, so it behaves identically by construction.
"""

from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize
from cpython.dict cimport PyDict_Next
from cpython.object cimport PyObject
from cpython.unicode cimport (
    Py_UCS1,
    PyUnicode_1BYTE_DATA,
    PyUnicode_AsLatin1String,
    PyUnicode_GET_LENGTH,
    PyUnicode_KIND,
)
from libc.string cimport memcmp

from fastresp._cnum cimport as_ll, write_int

from urllib.parse import quote

from . import _headers_py as _py

cdef extern from "Python.h":
    bint PyUnicode_IS_ASCII(object o)

__all__ = [
    "build_raw_headers",
    "content_disposition",
    "content_type_header",
    "quote_url",
]

# COMPAT: the `safe` set Starlette passes to `quote()` for redirect URLs.
_REDIRECT_SAFE = ":/%#?=@[]!$&'()*+,;"

# NOTE: byte tables, filled once at import from the same character sets as the pure twin.
cdef Py_UCS1 _LOWER[256]  # str.lower() of each latin-1 character (checked in the tests)
cdef bint _REDIRECT_OK[128]  # characters quote(url, safe=_REDIRECT_SAFE) keeps
cdef bint _FILENAME_OK[128]  # characters quote(filename) keeps (its default safe="/")


cdef int _init_tables() except -1:
    cdef int i
    cdef bytes always = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~"
    for i in range(256):
        # NOTE: latin-1 upper case is A-Z and U+00C0-U+00DE except U+00D7 (x sign).
        _LOWER[i] = i + 32 if 65 <= i <= 90 or (0xC0 <= i <= 0xDE and i != 0xD7) else i
    for i in range(128):
        _REDIRECT_OK[i] = _FILENAME_OK[i] = False
    for i in always:
        _REDIRECT_OK[i] = _FILENAME_OK[i] = True
    for i in _REDIRECT_SAFE.encode("ascii"):
        _REDIRECT_OK[i] = True
    _FILENAME_OK[47] = True  # "/"
    return 0


_init_tables()


cdef inline bint _all_in(str text, const bint *table) noexcept:
    """Every character of `text` is ASCII and marked in `table`."""
    cdef const Py_UCS1 *data
    cdef Py_ssize_t i
    if not PyUnicode_IS_ASCII(text):
        return False
    data = PyUnicode_1BYTE_DATA(text)
    for i in range(PyUnicode_GET_LENGTH(text)):
        if not table[data[i]]:
            return False
    return True


def content_type_header(media_type, charset):
    cdef str value
    if type(media_type) is not str or type(charset) is not str:
        return _py.content_type_header(media_type, charset)
    # NOTE: cold (responses.py caches the result per media type); Cython's str methods.
    value = media_type
    if value.startswith("text/") and "charset=" not in value.lower():
        value = value + "; charset=" + <str>charset
    return PyUnicode_AsLatin1String(value)


cdef bytes _decimal(long long value):
    """b"%d" % value."""
    cdef char buf[24]
    return PyBytes_FromStringAndSize(buf, write_int(buf, value) - buf)


def build_raw_headers(headers, content_length, content_type):
    cdef long long length = 0
    cdef list raw
    cdef Py_ssize_t pos = 0, n, i
    cdef PyObject *key
    cdef PyObject *value
    cdef const Py_UCS1 *src
    cdef char *name
    cdef bytes name_bytes
    cdef object name_str, value_str
    cdef bint missing_length = True, missing_type = True
    if not as_ll(content_length, &length) or (
        content_type is not None and type(content_type) is not bytes
    ):
        return _py.build_raw_headers(headers, content_length, content_type)
    if headers is None:
        # PERF: the usual call; the list is built at its final size (1.24x vs appends).
        if length >= 0:
            if content_type is not None:
                return [(b"content-length", _decimal(length)), (b"content-type", content_type)]
            return [(b"content-length", _decimal(length))]
        return [] if content_type is None else [(b"content-type", content_type)]
    if type(headers) is dict:
        raw = []
        # PERF: one pass over the dict in C; each name is lower-cased straight into its
        # bytes, one allocation instead of lower() + encode() (1.6x on 10 headers).
        while PyDict_Next(headers, &pos, &key, &value):
            # NOTE: owned references: allocating below may run the GC, hence finalizers.
            name_str = <object>key
            value_str = <object>value
            if (
                type(name_str) is not str
                or type(value_str) is not str
                or PyUnicode_KIND(name_str) != 1
                or PyUnicode_KIND(value_str) != 1
            ):
                # NOTE: nothing was called on user objects yet: the reference starts over.
                return _py.build_raw_headers(headers, content_length, content_type)
            n = PyUnicode_GET_LENGTH(name_str)
            src = PyUnicode_1BYTE_DATA(name_str)
            name_bytes = PyBytes_FromStringAndSize(NULL, n)
            name = PyBytes_AS_STRING(name_bytes)
            for i in range(n):
                name[i] = <char>_LOWER[src[i]]
            if n == 14 and memcmp(name, b"content-length", 14) == 0:
                missing_length = False
            elif n == 12 and memcmp(name, b"content-type", 12) == 0:
                missing_type = False
            # NOTE: a 1-byte-kind str's data is its latin-1 encoding.
            raw.append((
                name_bytes,
                PyBytes_FromStringAndSize(
                    <const char *>PyUnicode_1BYTE_DATA(value_str), PyUnicode_GET_LENGTH(value_str)
                ),
            ))
    else:
        return _py.build_raw_headers(headers, content_length, content_type)
    if length >= 0 and missing_length:
        # PERF: digits written in C: 1.4x (2 digits) to 1.8x (7) over b"%d" % n.
        raw.append((b"content-length", _decimal(length)))
    if content_type is not None and missing_type:
        raw.append((b"content-type", content_type))
    return raw


def quote_url(url):
    if type(url) is not str:
        return _py.quote_url(url)
    # PERF: one C scan over the code points replaces the regex fullmatch (4.8x).
    if _all_in(url, _REDIRECT_OK):
        return url
    return quote(url, safe=_REDIRECT_SAFE)


def content_disposition(disposition_type, filename):
    if type(disposition_type) is not str or type(filename) is not str:
        return _py.content_disposition(disposition_type, filename)
    # PERF: quote() is only called when some character needs it (it then always
    # changes the name: every other character becomes a %XX escape): 7x on "report.pdf".
    if _all_in(filename, _FILENAME_OK):
        return f'{disposition_type}; filename="{filename}"'
    return f"{disposition_type}; filename*=utf-8''{quote(filename)}"
