# cython: binding=False, embedsignature.format=clinic, autotestdict=False
# NOTE: clinic-format signatures give these builtins a real `inspect.signature` (twin
# parity, stubtest) without Cython 3's default binding=True, whose function objects cost
# ~4 ns more per call (PERF: 1.1x on quote_url's fast path). autotestdict=False keeps a
# stray `__test__` dict out of the module (stubtest).
"""Header kernels, compiled twin of `_headers_py` (the reference: read its docstrings,
including what is validated and why). `_headers_c.pxd` shares `_response_headers` and
`_location` with the construction kernels (`_construct_c`) at C level.

NOTE: the C paths take exact builtin types only (str, dict, int, bytes) and latin-1
text; anything else (subclasses, other Mappings, wider strings...), and every input that
must be refused, is handed to the pure twin before any user code has run, so it behaves
identically by construction: same values, same exceptions, same messages.
"""

from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from cpython.dict cimport PyDict_Next
from cpython.object cimport PyObject
from cpython.unicode cimport (
    Py_UCS1,
    PyUnicode_1BYTE_DATA,
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
    "encode_header",
    "quote_url",
    "response_headers",
    "set_header",
]

# COMPAT: the `safe` set Starlette passes to `quote()` for redirect URLs.
_REDIRECT_SAFE = ":/%#?=@[]!$&'()*+,;"
_TOKEN_CHARS = b"!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

# NOTE: byte tables, filled once at import from the same character sets as the pure twin.
cdef Py_UCS1 _NAME[256]  # c lower-cased when it is a token character (RFC 9110 §5.6.2), else 0
cdef bint _CONTROL[256]  # SECURITY: CTLs but HTAB, refused in values (RFC 9110 §5.5)
cdef bint _REDIRECT_OK[256]  # characters quote(url, safe=_REDIRECT_SAFE) keeps
cdef bint _FILENAME_OK[256]  # characters quote(filename) keeps (its default safe="/")
cdef bint _TOKEN_OK[256]  # token characters


cdef int _init_tables() except -1:
    cdef int i
    cdef unsigned char c
    cdef bytes always = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~"
    for i in range(256):
        _NAME[i] = 0
        _CONTROL[i] = (i < 32 and i != 9) or i == 127
        _REDIRECT_OK[i] = _FILENAME_OK[i] = _TOKEN_OK[i] = False
    for c in always:
        _REDIRECT_OK[c] = _FILENAME_OK[c] = True
    for c in _REDIRECT_SAFE.encode("ascii"):
        _REDIRECT_OK[c] = True
    _FILENAME_OK[47] = True  # "/"
    for c in _TOKEN_CHARS:
        _TOKEN_OK[c] = True
        _NAME[c] = c + 32 if 65 <= c <= 90 else c  # NOTE: tokens are ASCII: only A-Z fold
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


cdef inline bint _clean(const Py_UCS1 *data, Py_ssize_t n) noexcept:
    """No byte of `data[:n]` is a control character refused in a value."""
    cdef Py_ssize_t i
    for i in range(n):
        if _CONTROL[data[i]]:
            return False
    return True


cdef inline bytes _value_bytes(object value):
    """The latin-1 bytes of an exact, 1-byte-kind, clean str; None otherwise."""
    cdef Py_ssize_t n
    cdef const Py_UCS1 *data
    if type(value) is not str or PyUnicode_KIND(value) != 1:
        return None
    n = PyUnicode_GET_LENGTH(value)
    data = PyUnicode_1BYTE_DATA(value)
    if not _clean(data, n):
        return None
    # NOTE: a 1-byte-kind str's data is its latin-1 encoding.
    return PyBytes_FromStringAndSize(<const char *>data, n)


cdef inline bytes _name_bytes(object name):
    """An exact 1-byte-kind str lower-cased into bytes if it is a token; None otherwise.

    PERF: one pass and one allocation for lower() + encode() + the token check (1.6x
    over lower().encode() on 10 headers, before validation existed).
    """
    cdef Py_ssize_t n, i
    cdef const Py_UCS1 *src
    cdef char *out
    cdef Py_UCS1 c
    cdef bytes result
    if type(name) is not str or PyUnicode_KIND(name) != 1:
        return None
    n = PyUnicode_GET_LENGTH(name)
    if n == 0:
        return None
    src = PyUnicode_1BYTE_DATA(name)
    result = PyBytes_FromStringAndSize(NULL, n)
    out = PyBytes_AS_STRING(result)
    for i in range(n):
        c = _NAME[src[i]]
        if c == 0:
            return None
        out[i] = <char>c
    return result


def encode_header(name, value):
    cdef bytes raw_name = _name_bytes(name)
    cdef bytes raw_value
    if raw_name is not None:
        raw_value = _value_bytes(value)
        if raw_value is not None:
            return (raw_name, raw_value)
    return _py.encode_header(name, value)


cdef bytes _content_type_header(str media_type, str charset):
    cdef str value = media_type
    # NOTE: cold (cached by _content_type); Cython's str methods.
    if value.startswith("text/") and "charset=" not in value.lower():
        value = value + "; charset=" + charset
    result = _value_bytes(value)
    if result is None:  # not latin-1, or a control character: the pure twin raises
        return _py.content_type_header(media_type, charset)
    return result


def content_type_header(media_type, charset):
    if type(media_type) is not str or type(charset) is not str:
        return _py.content_type_header(media_type, charset)
    return _content_type_header(media_type, charset)


# PERF: Content-Type bytes depend only on (media_type, charset); Starlette re-derives them
# on every response (~35% of a small one). A direct-mapped cache keyed by the identity
# of the two strs (class attributes and literals are the same objects every time): a hit
# is two pointer compares, and gives the whole (name, value) item, shared by every
# response (tuples are immutable). Bounded by construction; a miss just recomputes.
cdef enum:
    _SLOTS = 16
cdef list _CONTENT_TYPES = [None] * _SLOTS  # (media_type, charset, item) or None


cdef tuple _content_type_item(str media_type, str charset):
    cdef size_t slot = ((<size_t><PyObject *>media_type >> 4) ^ (<size_t><PyObject *>charset >> 5))
    cdef tuple entry
    cdef object found = _CONTENT_TYPES[slot % _SLOTS]
    if found is not None:
        entry = <tuple>found
        if entry[0] is media_type and entry[1] is charset:
            return <tuple>entry[2]
    item = (b"content-type", _content_type_header(media_type, charset))
    _CONTENT_TYPES[slot % _SLOTS] = (media_type, charset, item)
    return item


cdef bytes _decimal(long long value):
    """b"%d" % value."""
    cdef char buf[24]
    return PyBytes_FromStringAndSize(buf, write_int(buf, value) - buf)


# PERF: empty bodies (redirects, HEAD-style answers) share one item, as content types do.
cdef tuple _EMPTY_LENGTH = (b"content-length", b"0")


cdef inline tuple _length_item(long long length):
    # PERF: digits written in C: 1.4x (2 digits) to 1.8x (7) over b"%d" % n.
    return _EMPTY_LENGTH if length == 0 else (b"content-length", _decimal(length))


cdef list _build(object headers, long long length, tuple content_type):
    """build_raw_headers for an int length and a ready (b"content-type", value) item or
    None; None when the pure twin must do it (unusual input, or something to refuse)."""
    cdef list raw
    cdef Py_ssize_t pos = 0
    cdef PyObject *key
    cdef PyObject *value
    cdef object name_str, value_str
    cdef bytes name, value_bytes
    cdef bint missing_length = True, missing_type = True
    if headers is None:
        # PERF: the usual call; the list is built at its final size (1.24x vs appends).
        if length >= 0:
            if content_type is not None:
                return [_length_item(length), content_type]
            return [_length_item(length)]
        return [] if content_type is None else [content_type]
    if type(headers) is not dict:
        return None
    raw = []
    # PERF: one pass over the dict in C, each name lower-cased, encoded and checked in
    # one pass, each value checked and copied in another.
    while PyDict_Next(headers, &pos, &key, &value):
        # NOTE: owned references: allocating below may run the GC, hence finalizers.
        name_str = <object>key
        value_str = <object>value
        name = _name_bytes(name_str)
        if name is None:
            return None
        value_bytes = _value_bytes(value_str)
        if value_bytes is None:
            return None
        if PyBytes_GET_SIZE(name) == 14 and memcmp(PyBytes_AS_STRING(name), b"content-length", 14) == 0:
            missing_length = False
        elif PyBytes_GET_SIZE(name) == 12 and memcmp(PyBytes_AS_STRING(name), b"content-type", 12) == 0:
            missing_type = False
        raw.append((name, value_bytes))
    if length >= 0 and missing_length:
        raw.append(_length_item(length))
    if content_type is not None and missing_type:
        raw.append(content_type)
    return raw


def build_raw_headers(headers, content_length, content_type):
    cdef long long length = 0
    cdef list raw = None
    if as_ll(content_length, &length) and (
        content_type is None or type(content_type) is bytes
    ):
        raw = _build(headers, length, None if content_type is None else (b"content-type", content_type))
    if raw is None:
        # NOTE: nothing was called on user objects yet: the reference starts over.
        return _py.build_raw_headers(headers, content_length, content_type)
    return raw


cdef list _response_headers(headers, status_code, body, media_type, charset):
    cdef long long status = 0
    cdef long long length = -1
    cdef tuple content_type = None
    cdef list raw
    # NOTE: in the pure twin's order (status, body length, content type, headers); the
    # pure twin takes over at the first input this path does not handle.
    if not as_ll(status_code, &status) or not 100 <= status <= 599:
        return _py.response_headers(headers, status_code, body, media_type, charset)
    if body is not None and not (status < 200 or status == 204 or status == 304):
        if type(body) is bytes:
            length = PyBytes_GET_SIZE(body)
        elif type(body) is memoryview:
            length = body.nbytes  # NOTE: raises for a released view, as in the twin
        else:  # len() may run user code
            return _py.response_headers(headers, status_code, body, media_type, charset)
    if media_type is not None:
        if type(media_type) is not str or type(charset) is not str:
            return _py.response_headers(headers, status_code, body, media_type, charset)
        content_type = _content_type_item(media_type, charset)
    raw = _build(headers, length, content_type)
    if raw is None:
        return _py.response_headers(headers, status_code, body, media_type, charset)
    return raw


def response_headers(headers, status_code, body, media_type, charset):
    return _response_headers(headers, status_code, body, media_type, charset)


cdef bytes _location(object url):
    """quote_url(str(url)) as latin-1 bytes: the Location value of a redirect."""
    if type(url) is str and _all_in(url, _REDIRECT_OK):
        # PERF: the usual URL needs no quoting: its ASCII data are the header value.
        return PyBytes_FromStringAndSize(
            <const char *>PyUnicode_1BYTE_DATA(url), PyUnicode_GET_LENGTH(url)
        )
    return quote_url(str(url)).encode("latin-1")


def set_header(raw, name, value):
    cdef list items
    cdef Py_ssize_t index = 0
    cdef bint found = False
    if type(raw) is not list:
        return _py.set_header(raw, name, value)
    # NOTE: the reference's operations, in its order; only the loop is compiled.
    items = <list>raw
    while index < len(items):
        if items[index][0] == name:
            if found:
                del items[index]
                continue
            items[index] = (name, value)
            found = True
        index += 1
    if not found:
        items.append((name, value))


def quote_url(url):
    if type(url) is not str:
        return _py.quote_url(url)
    # PERF: one C scan over the code points replaces the regex fullmatch (4.8x).
    if _all_in(url, _REDIRECT_OK):
        return url
    return quote(url, safe=_REDIRECT_SAFE)


def content_disposition(disposition_type, filename):
    if (
        type(disposition_type) is not str
        or type(filename) is not str
        or PyUnicode_GET_LENGTH(disposition_type) == 0
        or not _all_in(disposition_type, _TOKEN_OK)
    ):
        return _py.content_disposition(disposition_type, filename)
    # PERF: quote() is only called when some character needs it (it then always
    # changes the name: every other character becomes a %XX escape): 7x on "report.pdf".
    if _all_in(filename, _FILENAME_OK):
        return f'{disposition_type}; filename="{filename}"'
    return f"{disposition_type}; filename*=utf-8''{quote(filename)}"
