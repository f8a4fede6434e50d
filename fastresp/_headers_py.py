"""Header kernels, pure twin (the reference for `_headers_c`).

Validation (every header fastresp builds from user input goes through here):
- A name, once lower-cased and latin-1 encoded, must be a non-empty token (RFC 9110
  §5.6.2: letters, digits and ``!#$%&'*+-.^_`|~``).
- A value must not contain a control character other than HTAB: NUL, CR and LF are the
  injection vectors (a new header or a smuggled response), and the rest of 0x00-0x1F and
  0x7F are outside RFC 9110 §5.5's field-value too. uvicorn's httptools protocol refuses
  those with a `RuntimeError` only after the response has started, which the application
  can no longer turn into a clean 500; refusing them here, at construction, it still can.
  Bytes 0x80-0xFF (obs-text) and leading or trailing spaces pass, as in Starlette.
Both raise `InvalidHeader` (a `ValueError`), naming the header as it was given.
"""

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from ._errors import InvalidHeader

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
# Every character `quote(url, safe=_REDIRECT_SAFE)` leaves untouched.
_NEEDS_NO_QUOTING = re.compile(r"[A-Za-z0-9_.\-~:/%#?=@\[\]!$&'()*+,;]*").fullmatch

# SECURITY: RFC 9110 §5.6.2 token (header names, disposition types) and the control
# characters that RFC 9110 §5.5 keeps out of a field value (HTAB is allowed).
_TOKEN = "!#$%&'*+\\-.^_`|~0-9A-Za-z"
_IS_TOKEN = re.compile(f"[{_TOKEN}]+").fullmatch
_IS_TOKEN_BYTES = re.compile(f"[{_TOKEN}]+".encode()).fullmatch
_FIND_CONTROL = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]").search

# The content-type cache: the header depends only on (media_type, charset).
_CONTENT_TYPES: dict[tuple[str, str], tuple[bytes, bytes]] = {}
_CONTENT_TYPES_MAX = 256  # bounded: per-request media types cannot grow it without limit


def _check_value(name: object, value: bytes) -> None:
    bad = _FIND_CONTROL(value)
    if bad is not None:
        raise InvalidHeader(
            f"header {name!r} has a control character ({chr(value[bad.start()])!r}) at "
            f"index {bad.start()} of its value (RFC 9110 §5.5)"
        )


def encode_header(name: str, value: str) -> tuple[bytes, bytes]:
    """`(name lower-cased, value)` latin-1 encoded, or `InvalidHeader` (module docstring)."""
    raw = (name.lower().encode("latin-1"), value.encode("latin-1"))
    if _IS_TOKEN_BYTES(raw[0]) is None:
        raise InvalidHeader(f"header name {name!r} is not a token (RFC 9110 §5.6.2)")
    _check_value(name, raw[1])
    return raw


def content_type_header(media_type: str, charset: str) -> bytes:
    """The Content-Type value: `text/*` gains `; charset=...` unless it names one."""
    if media_type.startswith("text/") and "charset=" not in media_type.lower():
        media_type = media_type + "; charset=" + charset
    value = media_type.encode("latin-1")
    _check_value("content-type", value)
    return value


def build_raw_headers(
    headers: Mapping[str, str] | None, content_length: int, content_type: bytes | None
) -> list[tuple[bytes, bytes]]:
    """Encode and validate `headers` (as `encode_header`) and add the computed ones.

    Content-Length (when `content_length >= 0`) and Content-Type (when not None) are
    appended only if `headers` does not already carry them.
    """
    if headers is None:
        raw: list[tuple[bytes, bytes]] = []
        missing_length = missing_type = True
    else:
        raw = [encode_header(k, v) for k, v in headers.items()]
        missing_length = missing_type = True
        for name, _ in raw:
            if name == b"content-length":
                missing_length = False
            elif name == b"content-type":
                missing_type = False
    if content_length >= 0 and missing_length:
        raw.append((b"content-length", b"%d" % content_length))
    if content_type is not None and missing_type:
        raw.append((b"content-type", content_type))
    return raw


def _check_status(status_code: object) -> None:
    if not isinstance(status_code, int) or isinstance(status_code, bool):
        raise TypeError(f"status_code must be an int, not {type(status_code).__name__}")
    if not 100 <= status_code <= 599:
        raise ValueError(f"status_code must be between 100 and 599, not {status_code}")


def _content_type(media_type: str, charset: str) -> tuple[bytes, bytes]:
    """The (b"content-type", value) item, cached for exact strs (the usual class
    attributes): shared by every response, as tuples are immutable."""
    if type(media_type) is not str or type(charset) is not str:  # NOTE: no lying subclasses
        return (b"content-type", content_type_header(media_type, charset))
    key = (media_type, charset)
    item = _CONTENT_TYPES.get(key)
    if item is None:
        item = (b"content-type", content_type_header(media_type, charset))
        if len(_CONTENT_TYPES) < _CONTENT_TYPES_MAX:
            _CONTENT_TYPES[key] = item
    return item


def response_headers(
    headers: Mapping[str, str] | None,
    status_code: int,
    body: Any,
    media_type: str | None,
    charset: str,
) -> list[tuple[bytes, bytes]]:
    """`Response.init_headers`: check `status_code` (an int in 100..599, not a bool), then
    `headers` plus Content-Length (the length of `body` unless it is None or the status
    has no content: 1xx, 204, 304, RFC 9110 §8.6) and Content-Type (`media_type`)."""
    # PERF: the usual response (an exact int status, no `headers`) is built in this one
    # frame (the pure path against Starlette's init_headers).
    if type(status_code) is not int or not 100 <= status_code <= 599:
        _check_status(status_code)
    length = -1
    if body is not None and not (status_code < 200 or status_code == 204 or status_code == 304):
        length = body.nbytes if type(body) is memoryview else len(body)
    if headers is not None:
        return build_raw_headers(
            headers, length, None if media_type is None else _content_type(media_type, charset)[1]
        )
    raw = [] if length < 0 else [(b"content-length", b"%d" % length)]
    if media_type is not None:
        item = None
        if type(media_type) is str and type(charset) is str:  # the cache hit, inline
            item = _CONTENT_TYPES.get((media_type, charset))
        raw.append(item or _content_type(media_type, charset))
    return raw


def set_header(raw: list[tuple[bytes, bytes]], name: bytes, value: bytes) -> None:
    """Set `name` in a raw header list: the first entry replaced in place, later ones
    dropped, appended if there is none (`MutableHeaders.__setitem__`)."""
    found = False
    index = 0
    while index < len(raw):
        if raw[index][0] == name:
            if found:
                del raw[index]
                continue
            raw[index] = (name, value)
            found = True
        index += 1
    if not found:
        raw.append((name, value))


def quote_url(url: str) -> str:
    """Percent-encode a redirect target exactly as Starlette does (existing `%xx` kept).

    The result is ASCII with no control characters: CR, LF, NUL and non-ASCII text are
    %XX-escaped (UTF-8), so it can never break out of the Location header.
    """
    if _NEEDS_NO_QUOTING(url) is not None:  # PERF: most URLs need no quoting at all
        return url
    return quote(url, safe=_REDIRECT_SAFE)


def content_disposition(disposition_type: str, filename: str) -> str:
    """`<type>; filename="..."`, or RFC 5987 `filename*=utf-8''...` when quoting changes it.

    `disposition_type` must be a token (RFC 6266 §4.1) or `InvalidHeader` is raised. The
    quoted form is used only for names made of unreserved characters and "/", so a `"`,
    CR, LF or non-ASCII name is always %XX-escaped and cannot break out of the header.
    """
    if _IS_TOKEN(disposition_type) is None:
        raise InvalidHeader(
            f"content_disposition_type {disposition_type!r} is not a token (RFC 6266 §4.1)"
        )
    quoted = quote(filename)
    if quoted != filename:
        return f"{disposition_type}; filename*=utf-8''{quoted}"
    return f'{disposition_type}; filename="{filename}"'
