"""Header kernels, pure twin (the reference for `_headers_c`)."""

import re
from collections.abc import Mapping
from urllib.parse import quote

__all__ = [
    "build_raw_headers",
    "content_disposition",
    "content_type_header",
    "quote_url",
]

# COMPAT: the `safe` set Starlette passes to `quote()` for redirect URLs.
_REDIRECT_SAFE = ":/%#?=@[]!$&'()*+,;"
# Every character `quote(url, safe=_REDIRECT_SAFE)` leaves untouched.
_NEEDS_NO_QUOTING = re.compile(r"[A-Za-z0-9_.\-~:/%#?=@\[\]!$&'()*+,;]*").fullmatch


def content_type_header(media_type: str, charset: str) -> bytes:
    """The Content-Type value: `text/*` gains `; charset=...` unless it names one."""
    if media_type.startswith("text/") and "charset=" not in media_type.lower():
        media_type = media_type + "; charset=" + charset
    return media_type.encode("latin-1")


def build_raw_headers(
    headers: Mapping[str, str] | None, content_length: int, content_type: bytes | None
) -> list[tuple[bytes, bytes]]:
    """Encode `headers` (names lower-cased, latin-1) and add the computed ones.

    Content-Length (when `content_length >= 0`) and Content-Type (when not None) are
    appended only if `headers` does not already carry them.
    """
    if headers is None:
        raw: list[tuple[bytes, bytes]] = []
        missing_length = missing_type = True
    else:
        raw = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
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


def quote_url(url: str) -> str:
    """Percent-encode a redirect target exactly as Starlette does (existing `%xx` kept)."""
    if _NEEDS_NO_QUOTING(url) is not None:  # PERF: most URLs need no quoting at all
        return url
    return quote(url, safe=_REDIRECT_SAFE)


def content_disposition(disposition_type: str, filename: str) -> str:
    """`<type>; filename="..."`, or RFC 5987 `filename*=utf-8''...` when quoting changes it."""
    quoted = quote(filename)
    if quoted != filename:
        return f"{disposition_type}; filename*=utf-8''{quoted}"
    return f'{disposition_type}; filename="{filename}"'
