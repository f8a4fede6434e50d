# cython: binding=False, embedsignature.format=clinic, autotestdict=False, cdivision=True
# NOTE: clinic-format signatures give these builtins a real `inspect.signature` (twin
# parity, stubtest) without Cython 3's default binding=True, whose function objects cost
# ~4 ns more per call (PERF: 1.1x on quote_url's fast path). autotestdict=False keeps a
# stray `__test__` dict out of the module (stubtest).
# cdivision=True: C `//` and `%` (operands are non-negative, or go through _floor_div):
# PERF: 1.1-1.17x on http_date.
"""Set-Cookie formatting, compiled twin of `_cookies_py` (the reference: read its docstrings).

The header is written straight into its bytes object: one pass to measure, one to copy,
with http.cookies' quoting done byte by byte from tables built from the pure twin's sets.

NOTE: the C path takes exact builtin types only (str of latin-1 text, int, bool, None,
datetime); anything else (subclasses, wider strings, huge ints...) is handed to the pure
twin before any user code has run, so it behaves identically by construction.
"""

import time
from datetime import UTC

from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize
from cpython.datetime cimport (
    PyDateTime_CheckExact,
    PyDateTime_DATE_GET_HOUR,
    PyDateTime_DATE_GET_MINUTE,
    PyDateTime_DATE_GET_SECOND,
    PyDateTime_GET_DAY,
    PyDateTime_GET_MONTH,
    PyDateTime_GET_YEAR,
    datetime_tzinfo,
    import_datetime,
)
from cpython.float cimport PyFloat_AS_DOUBLE
from cpython.unicode cimport (
    Py_UCS1,
    Py_UNICODE_ISSPACE,
    PyUnicode_1BYTE_DATA,
    PyUnicode_GET_LENGTH,
    PyUnicode_KIND,
)
from libc.math cimport floor
from libc.string cimport memcmp, memcpy

from fastresp._cnum cimport as_ll, write_int

from . import _cookies_py as _py
from ._errors import CookieError

cdef extern from "Python.h":
    bint PyUnicode_IS_ASCII(object o)
    object PyUnicode_DecodeASCII(const char *s, Py_ssize_t size, const char *errors)

import_datetime()

__all__ = ["format_set_cookie", "http_date"]

# NOTE: the same sets as the pure twin (RFC 6265 via http.cookies).
_LEGAL = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-.^_`|~:"
_UNESCAPED = _LEGAL + " ()/<=>?@[]{}"
_RESERVED = _py._RESERVED  # NOTE: "partitioned" is reserved on Python 3.14+ only
_SAMESITE = ("strict", "lax", "none")

cdef enum:
    _MAX_RESERVED = 16
    _MAX_ATTRIBUTES = 8

# NOTE: the reserved names as C strings (kept alive by _RESERVED_BYTES), for _reserved().
_RESERVED_BYTES = tuple(sorted(word.encode("ascii") for word in _RESERVED))
cdef const char *_RESERVED_WORDS[_MAX_RESERVED]
cdef Py_ssize_t _RESERVED_LEN[_MAX_RESERVED]
cdef int _RESERVED_COUNT = 0
cdef bint _IS_LEGAL[256]  # may appear in a name, or in a value unquoted
cdef bint _IS_UNSAFE[256]  # refused in an attribute value: CTLs and ";" (RFC 6265 §4.1.1)
cdef unsigned char _QUOTED_LEN[256]  # bytes each character takes inside quotes: 1, 2 or 4
cdef const char *_DAYS = b"MonTueWedThuFriSatSun"
cdef const char *_MONTHS = b"JanFebMarAprMayJunJulAugSepOctNovDec"
# NOTE: time.gmtime as imported; a replaced one (tests patch time.time, not this) is
# called as the pure twin would call it.
_GMTIME = time.gmtime
# NOTE: 9999-12-31T23:59:59 + 1: below it, every year has four digits.
cdef double _YEAR_10000 = 253402300800.0


cdef int _init_tables() except -1:
    global _RESERVED_COUNT
    cdef int i
    if len(_RESERVED_BYTES) > _MAX_RESERVED:
        raise RuntimeError("more reserved cookie names than _MAX_RESERVED")
    for i in range(256):
        _IS_LEGAL[i] = False
        _IS_UNSAFE[i] = i < 32 or i == 127 or i == 59
        _QUOTED_LEN[i] = 4  # "\\%03o"
    for i in _LEGAL.encode("ascii"):
        _IS_LEGAL[i] = True
    for i in _UNESCAPED.encode("ascii"):
        _QUOTED_LEN[i] = 1
    _QUOTED_LEN[34] = _QUOTED_LEN[92] = 2  # '\\"' and '\\\\'
    for word in _RESERVED_BYTES:
        _RESERVED_WORDS[_RESERVED_COUNT] = <bytes>word
        _RESERVED_LEN[_RESERVED_COUNT] = len(<bytes>word)
        _RESERVED_COUNT += 1
    return 0


_init_tables()


# --- dates ------------------------------------------------------------------------------


cdef inline long long _floor_div(long long a, long long b) noexcept:
    return a // b if a >= 0 else -((-a + b - 1) // b)


cdef long long _days_from_civil(long long y, int m, int d) noexcept:
    """Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm)."""
    cdef long long era, yoe, doy, doe
    if m <= 2:
        y -= 1
    era = _floor_div(y, 400)
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


cdef void _civil_from_days(long long z, int *year, int *month, int *day) noexcept:
    """The inverse of _days_from_civil, for z >= 0 (1970 onwards)."""
    cdef long long era, doe, yoe, doy, mp
    z += 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day[0] = <int>(doy - (153 * mp + 2) // 5 + 1)
    month[0] = <int>(mp + 3 if mp < 10 else mp - 9)
    year[0] = <int>(yoe + era * 400 + (1 if month[0] <= 2 else 0))


cdef inline void _two(char *out, int value) noexcept:
    out[0] = <char>(48 + value // 10)
    out[1] = <char>(48 + value % 10)


cdef void _write_date(
    char *out, long long days, int year, int month, int day, int hour, int minute, int second
) noexcept:
    """"Www, DD Mmm YYYY HH:MM:SS GMT" (29 bytes) for 1 <= year <= 9999."""
    cdef int weekday = <int>(days - 7 * _floor_div(days + 3, 7) + 3)  # Monday = 0
    memcpy(out, _DAYS + 3 * weekday, 3)
    out[3] = b','
    out[4] = b' '
    _two(out + 5, day)
    out[7] = b' '
    memcpy(out + 8, _MONTHS + 3 * (month - 1), 3)
    out[11] = b' '
    _two(out + 12, year // 100)
    _two(out + 14, year % 100)
    out[16] = b' '
    _two(out + 17, hour)
    out[19] = b':'
    _two(out + 20, minute)
    out[22] = b':'
    _two(out + 23, second)
    memcpy(out + 25, b" GMT", 4)


cdef void _write_datetime(char *out, object moment) noexcept:
    cdef int year = PyDateTime_GET_YEAR(moment)
    cdef int month = PyDateTime_GET_MONTH(moment)
    cdef int day = PyDateTime_GET_DAY(moment)
    _write_date(
        out,
        _days_from_civil(year, month, day),
        year,
        month,
        day,
        PyDateTime_DATE_GET_HOUR(moment),
        PyDateTime_DATE_GET_MINUTE(moment),
        PyDateTime_DATE_GET_SECOND(moment),
    )


def http_date(moment):
    cdef char buf[29]
    # PERF: an exact datetime in timezone.utc is read through the C API, no weekday()
    # call, no %-formatting (12x); anything else takes the reference's checks.
    if PyDateTime_CheckExact(moment) and datetime_tzinfo(moment) is UTC:
        _write_datetime(buf, moment)
        return PyUnicode_DecodeASCII(buf, 29, NULL)
    return _py.http_date(moment)


cdef str _expires_in(long long seconds, char *buf):
    """Write `_cookies_py._expires_in(seconds)` into buf (29 bytes) and return None, or
    return the text itself where C cannot reproduce gmtime()."""
    cdef long long whole, days, rest
    cdef int year, month, day
    # COMPAT: time.time() is looked up on each call, as in the pure twin (tests patch it).
    stamp = time.time() + seconds
    gmtime = time.gmtime
    if (
        type(stamp) is float
        and gmtime is _GMTIME
        and 0.0 <= PyFloat_AS_DOUBLE(stamp) < _YEAR_10000
    ):
        # PERF: gmtime() and "%"-formatting done in C: 8x on delete_cookie's arguments.
        # NOTE: gmtime() floors a float timestamp, as here.
        whole = <long long>floor(PyFloat_AS_DOUBLE(stamp))
        days = whole // 86400
        rest = whole - days * 86400
        _civil_from_days(days, &year, &month, &day)
        _write_date(buf, days, year, month, day, rest // 3600, rest // 60 % 60, rest % 60)
        return None
    t = gmtime(stamp)
    return "%s, %02d %3s %4d %02d:%02d:%02d GMT" % (
        _py._DAYS[t.tm_wday],
        t.tm_mday,
        _py._MONTHS[t.tm_mon],
        t.tm_year,
        t.tm_hour,
        t.tm_min,
        t.tm_sec,
    )


# --- format_set_cookie ------------------------------------------------------------------


cdef inline bint _latin1(object text) noexcept:
    """An exact str whose data is its latin-1 encoding."""
    return type(text) is str and PyUnicode_KIND(text) == 1


cdef inline bint _flag(object value) noexcept:
    return value is True or value is False


cdef bint _reserved(str key) except -1:
    """key.lower() in _RESERVED."""
    cdef char lower[12]
    cdef const Py_UCS1 *data
    cdef Py_ssize_t n = PyUnicode_GET_LENGTH(key), i
    if not PyUnicode_IS_ASCII(key):
        return key.lower() in _RESERVED  # NOTE: Unicode case rules stay Python's
    if n < 4 or n > 11:  # NOTE: "path" .. "partitioned"
        return False
    data = PyUnicode_1BYTE_DATA(key)
    for i in range(n):
        lower[i] = <char>(data[i] + 32 if 65 <= data[i] <= 90 else data[i])
    # PERF: compared in C, no lower() string and no set lookup (1.3x on a whole cookie).
    for i in range(_RESERVED_COUNT):
        if _RESERVED_LEN[i] == n and memcmp(lower, _RESERVED_WORDS[i], n) == 0:
            return True
    return False


cdef bint _valid_samesite(str samesite) except -1:
    """samesite.lower() in _SAMESITE."""
    cdef const Py_UCS1 *data
    cdef Py_ssize_t n = PyUnicode_GET_LENGTH(samesite), i
    cdef char lower[6]
    if not PyUnicode_IS_ASCII(samesite):
        return samesite.lower() in _SAMESITE
    if n < 3 or n > 6:
        return False
    data = PyUnicode_1BYTE_DATA(samesite)
    for i in range(n):
        lower[i] = <char>(data[i] + 32 if 65 <= data[i] <= 90 else data[i])
    return (
        (n == 6 and memcmp(lower, b"strict", 6) == 0)
        or (n == 3 and memcmp(lower, b"lax", 3) == 0)
        or (n == 4 and memcmp(lower, b"none", 4) == 0)
    )


cdef int _check_attribute(str name, str text) except -1:
    """Raise as the pure twin's `_attribute` does; text is latin-1 (1-byte kind)."""
    cdef const Py_UCS1 *data = PyUnicode_1BYTE_DATA(text)
    cdef Py_ssize_t i
    for i in range(PyUnicode_GET_LENGTH(text)):
        if _IS_UNSAFE[data[i]]:
            raise CookieError(
                f"Illegal cookie {name} {text!r}: control characters and ';' are refused"
            )
    return 0


cdef int _check_max_age(str text) except -1:
    """Raise as the pure twin's `_max_age` does for a str that is not `-?[0-9]+`."""
    cdef const Py_UCS1 *data = PyUnicode_1BYTE_DATA(text)
    cdef Py_ssize_t n = PyUnicode_GET_LENGTH(text), i = 0
    _check_attribute("max_age", text)
    if n and data[0] == 45:  # "-"
        i = 1
    if i == n:
        raise CookieError(f"Illegal cookie max_age {text!r}: not an integer")
    while i < n:
        if not 48 <= data[i] <= 57:
            raise CookieError(f"Illegal cookie max_age {text!r}: not an integer")
        i += 1
    return 0


cdef struct Part:
    const char *label  # e.g. "Domain=", or the whole of "HttpOnly"
    Py_ssize_t label_len
    const char *data  # latin-1 bytes after the label, or NULL
    Py_ssize_t data_len


cdef inline void _part(Part *part, const char *label, Py_ssize_t label_len, const char *data,
                       Py_ssize_t data_len) noexcept:
    part.label = label
    part.label_len = label_len
    part.data = data
    part.data_len = data_len


cdef inline void _text(Part *part, const char *label, Py_ssize_t label_len, str text) noexcept:
    _part(part, label, label_len, <const char *>PyUnicode_1BYTE_DATA(text),
          PyUnicode_GET_LENGTH(text))


cdef inline bint _given(object value) noexcept:
    """value is not None and value != "" (for the exact types the C path takes)."""
    if type(value) is str:
        return PyUnicode_GET_LENGTH(value) != 0
    return value is not None


cdef Py_ssize_t _quoted_len(const Py_UCS1 *data, Py_ssize_t n) noexcept:
    cdef Py_ssize_t i, total = 2
    for i in range(n):
        total += _QUOTED_LEN[data[i]]
    return total


cdef char *_write_quoted(char *out, const Py_UCS1 *data, Py_ssize_t n) noexcept:
    """'"' + value.translate(_ESCAPES) + '"' for latin-1 data."""
    cdef Py_ssize_t i
    cdef Py_UCS1 c
    out[0] = b'"'
    out += 1
    for i in range(n):
        c = data[i]
        if _QUOTED_LEN[c] == 1:
            out[0] = <char>c
            out += 1
        elif _QUOTED_LEN[c] == 2:  # '\\"' or '\\\\'
            out[0] = b'\\'
            out[1] = <char>c
            out += 2
        else:  # "\\%03o"
            out[0] = b'\\'
            out[1] = <char>(48 + (c >> 6))
            out[2] = <char>(48 + ((c >> 3) & 7))
            out[3] = <char>(48 + (c & 7))
            out += 4
    out[0] = b'"'
    return out + 1


def format_set_cookie(
    key,
    value="",
    max_age=None,
    expires=None,
    path="/",
    domain=None,
    secure=False,
    httponly=False,
    samesite="lax",
    partitioned=False,
):
    cdef long long age = 0, seconds = 0
    cdef Part parts[_MAX_ATTRIBUTES]
    cdef Part *last
    cdef int count = 0, i
    cdef Py_ssize_t key_len, n, total, trim = 0
    cdef const Py_UCS1 *data
    cdef bint quote
    cdef char date[29]
    cdef char age_digits[24]
    cdef char *out
    cdef str text
    if not (
        type(key) is str
        and _latin1(value)
        and (max_age is None or _latin1(max_age) or as_ll(max_age, &age))
        and (
            expires is None
            or _latin1(expires)
            or as_ll(expires, &seconds)
            or PyDateTime_CheckExact(expires)
        )
        and (path is None or _latin1(path))
        and (domain is None or _latin1(domain))
        and _flag(secure)
        and _flag(httponly)
        and (samesite is None or type(samesite) is str)
        and _flag(partitioned)
    ):
        return _py.format_set_cookie(
            key, value, max_age, expires, path, domain, secure, httponly, samesite, partitioned
        )

    if _reserved(key):
        raise CookieError(f"Attempt to set a reserved key {key!r}")
    key_len = PyUnicode_GET_LENGTH(key)
    if key_len == 0 or not PyUnicode_IS_ASCII(key):
        raise CookieError(f"Illegal key {key!r}")
    data = PyUnicode_1BYTE_DATA(key)
    for i in range(key_len):
        if not _IS_LEGAL[data[i]]:
            raise CookieError(f"Illegal key {key!r}")
    if samesite is not None and not _valid_samesite(samesite):
        raise ValueError("samesite must be either 'strict', 'lax' or 'none'")

    # COMPAT: http.cookies emits the attributes sorted by name; they are checked in that
    # order too, as in the pure twin.
    if _given(domain):
        _check_attribute("domain", domain)
        _text(&parts[count], b"Domain=", 7, domain)
        count += 1
    if _given(expires):
        if type(expires) is str:
            _check_attribute("expires", expires)
            _text(&parts[count], b"expires=", 8, expires)
        elif type(expires) is int:
            text = _expires_in(seconds, date)
            if text is None:
                _part(&parts[count], b"expires=", 8, date, 29)
            else:  # NOTE: ASCII, from "%"-formatting
                _text(&parts[count], b"expires=", 8, text)
        elif datetime_tzinfo(expires) is UTC:
            _write_datetime(date, expires)
            _part(&parts[count], b"expires=", 8, date, 29)
        else:  # COMPAT: the reference's tz checks and errors
            text = _py.http_date(expires)
            _text(&parts[count], b"expires=", 8, text)
        count += 1
    if httponly:
        _part(&parts[count], b"HttpOnly", 8, NULL, 0)
        count += 1
    if _given(max_age):
        if type(max_age) is str:
            _check_max_age(max_age)
            _text(&parts[count], b"Max-Age=", 8, max_age)
        else:  # PERF: "%d" in C (2.1x on a cookie with max_age=3600)
            _part(&parts[count], b"Max-Age=", 8, age_digits,
                  write_int(age_digits, age) - age_digits)
        count += 1
    if partitioned:
        _part(&parts[count], b"Partitioned", 11, NULL, 0)
        count += 1
    if _given(path):
        _check_attribute("path", path)
        _text(&parts[count], b"Path=", 5, path)
        count += 1
    if samesite is not None:  # NOTE: validated above, so never ""
        _text(&parts[count], b"SameSite=", 9, samesite)
        count += 1
    if secure:
        _part(&parts[count], b"Secure", 6, NULL, 0)
        count += 1

    # NOTE: http.cookies' _quote, measured in C: the value goes out as is when every
    # character is legal, else in quotes with each character 1, 2 or 4 bytes long.
    n = PyUnicode_GET_LENGTH(value)
    data = PyUnicode_1BYTE_DATA(value)
    quote = n == 0
    for i in range(n):
        if not _IS_LEGAL[data[i]]:
            quote = True
            break
    total = key_len + 1 + (_quoted_len(data, n) if quote else n)
    # COMPAT: Starlette strips the output; only the last attribute's text can end in
    # whitespace (the name is legal, labels and quoted values end in non-space).
    if count:
        last = &parts[count - 1]
        while last.data_len and Py_UNICODE_ISSPACE(<Py_UCS1>last.data[last.data_len - 1]):
            last.data_len -= 1
    for i in range(count):
        total += 2 + parts[i].label_len + parts[i].data_len

    # PERF: written straight into the result (a 1-byte-kind str's data is its latin-1
    # encoding): no parts list, no join, no strip, no encode. 6.5-12x vs the pure twin.
    result = PyBytes_FromStringAndSize(NULL, total)
    out = PyBytes_AS_STRING(result)
    memcpy(out, PyUnicode_1BYTE_DATA(key), key_len)
    out[key_len] = b'='
    out += key_len + 1
    if quote:
        out = _write_quoted(out, data, n)
    else:
        memcpy(out, data, n)
        out += n
    for i in range(count):
        out[0] = b';'
        out[1] = b' '
        memcpy(out + 2, parts[i].label, parts[i].label_len)
        out += 2 + parts[i].label_len
        memcpy(out, parts[i].data, parts[i].data_len)
        out += parts[i].data_len
    return result
