"""Set-Cookie formatting, pure twin (the reference for `_cookies_c`).

Produces the bytes Starlette gets from `http.cookies.SimpleCookie(...).output()`,
without building a SimpleCookie: the name is checked and the value quoted by the same
rules, and the attributes come out in the same (alphabetical) order.
"""

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
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _quote(value: str) -> str:
    if value and _LEGAL.issuperset(value):
        return value
    return '"' + value.translate(_ESCAPES) + '"'


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

    Raises `CookieError` for an illegal or reserved name and `ValueError` for a
    `samesite` other than strict/lax/none (any case).
    """
    if key.lower() in _RESERVED:
        raise CookieError(f"Attempt to set a reserved key {key!r}")
    if not key or not _LEGAL.issuperset(key):
        raise CookieError(f"Illegal key {key!r}")
    if samesite is not None and samesite.lower() not in _SAMESITE:
        raise ValueError("samesite must be either 'strict', 'lax' or 'none'")
    parts = [key + "=" + _quote(str(value))]
    # COMPAT: http.cookies skips attributes equal to "" and emits them sorted by name.
    if domain is not None and domain != "":
        parts.append(f"Domain={domain}")
    if expires is not None and expires != "":
        if isinstance(expires, datetime):
            parts.append("expires=" + http_date(expires))
        elif isinstance(expires, int):
            parts.append("expires=" + _expires_in(expires))
        else:
            parts.append(f"expires={expires}")
    if httponly:
        parts.append("HttpOnly")
    if max_age is not None and max_age != "":
        parts.append("Max-Age=%d" % max_age if isinstance(max_age, int) else f"Max-Age={max_age}")
    if partitioned:
        parts.append("Partitioned")
    if path is not None and path != "":
        parts.append(f"Path={path}")
    if samesite is not None and samesite != "":
        parts.append(f"SameSite={samesite}")
    if secure:
        parts.append("Secure")
    # COMPAT: Starlette strips the `output()` string, trailing whitespace included.
    return "; ".join(parts).strip().encode("latin-1")
