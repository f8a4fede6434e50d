"""Set-Cookie formatting, pure twin (the reference for `_cookies_c`).

Produces the bytes Starlette gets from `http.cookies.SimpleCookie(...).output()`,
without building a SimpleCookie: the name is checked and the value quoted by the same
rules, and the attributes come out in the same (alphabetical) order.

Deliberate differences from Starlette's `set_cookie` (numbering continues
`fastresp.responses`' list; each has its own test in tests/test_cookies.py):

5. `path`, `domain`, a str `expires` or a str `max_age` containing a control
   character (U+0000-U+001F, U+007F: CR, LF, NUL, TAB...) or `;` raises
   `CookieError` (a `ValueError`): RFC 6265 §4.1.1 forbids them in attribute values,
   and Starlette writes them to the wire, where CR/LF split the header and `;`
   adds attributes. The text checked is the text written: `str()` of the argument.
6. `max_age` is an int (a bool counts, as in Starlette: `1`/`0`), `None`, `""`
   (no attribute) or a str of ASCII digits with an optional `-` (written as is);
   another str raises `CookieError`, another type (float, timedelta...) `TypeError`.
   Starlette writes `Max-Age=1.5` or `Max-Age=1 day, 0:00:00`, which browsers
   ignore (RFC 6265 §5.2.2), silently making a session cookie.
7. `expires` is a datetime, an int (seconds from now), a str or None; another type
   (float, date...) raises `TypeError`, where Starlette writes `str()` of it, a date
   browsers cannot parse.
8. A `key` that is not a str and a `samesite` that is neither a str nor None raise
   `TypeError` naming the type (Starlette: `AttributeError` or a `TypeError` from `re`).
   A str subclass is read by its characters: its `__str__` cannot change the name.
"""

import re
import sys
import time
from datetime import UTC, datetime
from typing import Any

from ._errors import CookieError

__all__ = ["format_set_cookie", "http_date"]

# RFC 6265 via http.cookies: characters a name may use and a value may use unquoted.
_LEGAL = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-.^_`|~:")
# Inside quotes these are kept; any other byte below 256 becomes a backslash-octal escape.
_UNESCAPED = _LEGAL | frozenset(" ()/<=>?@[]{}")
_ESCAPES = {n: "\\%03o" % n for n in range(256) if chr(n) not in _UNESCAPED}
_ESCAPES[ord('"')] = '\\"'
_ESCAPES[ord("\\")] = "\\\\"
# Attribute names `http.cookies.Morsel` reserves; a cookie may not use them as its name.
_RESERVED = frozenset(
    ("expires", "path", "comment", "domain", "max-age", "secure", "httponly", "version", "samesite")
    + (("partitioned",) if sys.version_info >= (3, 14) else ())
)
_SAMESITE = ("strict", "lax", "none")
# SECURITY: RFC 6265 §4.1.1: attribute values are "any CHAR except CTLs or ';'".
_UNSAFE = re.compile(r"[\x00-\x1f\x7f;]").search
# RFC 6265 §5.2.2: what a user agent reads as a Max-Age (ASCII digits, optional "-").
_INTEGER = re.compile("-?[0-9]+").fullmatch
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _quote(value: str) -> str:
    if value and _LEGAL.issuperset(value):
        return value
    return '"' + value.translate(_ESCAPES) + '"'


def _text(value: object) -> str:
    # COMPAT: http.cookies writes attributes with "%s", i.e. str(); the result is made an
    # exact str so that what is checked is what is written.
    text = str(value)
    return text if type(text) is str else str.__str__(text)


def _attribute(name: str, value: object) -> str:
    text = _text(value)
    if _UNSAFE(text) is not None:
        raise CookieError(f"Illegal cookie {name} {text!r}: control characters and ';' are refused")
    return text


def _max_age(max_age: object) -> str:
    if isinstance(max_age, int):
        return "%d" % max_age
    if not isinstance(max_age, str):
        raise TypeError(f"max_age must be an int or None, not {type(max_age).__name__}")
    text = _attribute("max_age", max_age)
    if _INTEGER(text) is None:
        raise CookieError(f"Illegal cookie max_age {text!r}: not an integer")
    return text


def _expires(expires: object) -> str:
    if isinstance(expires, datetime):
        return http_date(expires)
    if isinstance(expires, int):
        return _expires_in(expires)
    if not isinstance(expires, str):
        raise TypeError(
            f"expires must be a datetime, int, str or None, not {type(expires).__name__}"
        )
    return _attribute("expires", expires)


def http_date(moment: datetime) -> str:
    """RFC 7231 IMF-fixdate of an aware UTC datetime (as `email.utils.format_datetime`)."""
    if moment.tzinfo is None or moment.tzinfo != UTC:
        raise ValueError("usegmt option requires a UTC datetime")
    return "%s, %02d %s %04d %02d:%02d:%02d GMT" % (
        _DAYS[moment.weekday()],
        moment.day,
        _MONTHS[moment.month],
        moment.year,
        moment.hour,
        moment.minute,
        moment.second,
    )


def _expires_in(seconds: int) -> str:
    # COMPAT: `%4d` (space-padded year), as http.cookies formats integer expiry.
    t = time.gmtime(time.time() + seconds)
    return "%s, %02d %3s %4d %02d:%02d:%02d GMT" % (
        _DAYS[t.tm_wday],
        t.tm_mday,
        _MONTHS[t.tm_mon],
        t.tm_year,
        t.tm_hour,
        t.tm_min,
        t.tm_sec,
    )


def format_set_cookie(
    key: str,
    value: Any = "",
    max_age: Any = None,
    expires: Any = None,
    path: Any = "/",
    domain: Any = None,
    secure: bool = False,
    httponly: bool = False,
    samesite: str | None = "lax",
    partitioned: bool = False,
) -> bytes:
    """One Set-Cookie header value, latin-1 encoded.

    Raises `CookieError` (a `ValueError`) for an illegal or reserved name and for an
    attribute value with a control character or `;`, `ValueError` for a `samesite`
    other than strict/lax/none (any case), and `TypeError` for an argument of the
    wrong type.
    """
    if not isinstance(key, str):
        raise TypeError(f"cookie name must be a str, not {type(key).__name__}")
    if type(key) is not str:
        key = str.__str__(key)
    if key.lower() in _RESERVED:
        raise CookieError(f"Attempt to set a reserved key {key!r}")
    if not key or not _LEGAL.issuperset(key):
        raise CookieError(f"Illegal key {key!r}")
    if samesite is not None:
        if not isinstance(samesite, str):
            raise TypeError(f"samesite must be a str or None, not {type(samesite).__name__}")
        samesite = _text(samesite)
        if samesite.lower() not in _SAMESITE:
            raise ValueError("samesite must be either 'strict', 'lax' or 'none'")
    parts = [key + "=" + _quote(_text(value))]
    # COMPAT: http.cookies skips attributes equal to "" and emits them sorted by name;
    # they are checked in that order too.
    if domain is not None and domain != "":
        parts.append("Domain=" + _attribute("domain", domain))
    if expires is not None and expires != "":
        parts.append("expires=" + _expires(expires))
    if httponly:
        parts.append("HttpOnly")
    if max_age is not None and max_age != "":
        parts.append("Max-Age=" + _max_age(max_age))
    if partitioned:
        parts.append("Partitioned")
    if path is not None and path != "":
        parts.append("Path=" + _attribute("path", path))
    if samesite is not None:
        parts.append("SameSite=" + samesite)
    if secure:
        parts.append("Secure")
    # COMPAT: Starlette strips the `output()` string, trailing whitespace included.
    return "; ".join(parts).strip().encode("latin-1")
