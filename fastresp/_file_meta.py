"""What a `FileResponse` derives from names, stats and request headers, cached where
that pays: the media type guessed from a file name, Last-Modified and ETag."""

import hashlib
import mimetypes
import os
from collections.abc import Sequence
from email.utils import formatdate

__all__ = ["guess_media_type", "request_fields", "stat_validators"]

# PERF: `mimetypes.guess_type` costs ~2 us and depends only on the name's extensions
# for a plain path; bounded so that odd names cannot grow it without limit.
_MEDIA_TYPES: dict[str, str] = {}
_MEDIA_TYPES_MAX = 256


# PERF: Last-Modified and ETag of a file served again, keyed by the ETag's input
# ("<st_mtime>-<st_size>", which fixes both values): 0.5 us instead of ~6 us for
# formatdate and md5. Emptied when full, so changed files do not pin it.
_STAT_HEADERS: dict[tuple[float, int] | str, tuple[bytes, bytes]] = {}
_STAT_HEADERS_MAX = 1024


def _extensions(name: str) -> str | None:
    """All that `guess_type` reads in `name`, or None when that is not clear-cut.

    For a name with no scheme (":") and no backslash (a separator on Windows only),
    `guess_type` splits extensions off the last "/"-separated part, where leading dots
    do not start one: "/a/photo.tar.gz" and "x.tar.gz" are guessed alike.
    """
    if ":" in name or "\\" in name:
        return None
    base = name[name.rfind("/") + 1 :].lstrip(".")
    dot = base.find(".")
    return base[dot:] if dot >= 0 else ""


def guess_media_type(name: str | os.PathLike[str]) -> str:
    name = os.fspath(name)
    key = _extensions(name) if isinstance(name, str) else None
    media_type = None if key is None else _MEDIA_TYPES.get(key)
    if media_type is None:
        media_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        if key is not None and len(_MEDIA_TYPES) < _MEDIA_TYPES_MAX:
            _MEDIA_TYPES[key] = media_type
    return media_type


# NOTE: the request fields RFC 9110 §13.2.2 evaluates.
_CONDITIONS = frozenset(
    (b"if-match", b"if-none-match", b"if-modified-since", b"if-unmodified-since")
)


def request_fields(
    headers: Sequence[tuple[bytes, bytes]],
) -> tuple[str | None, str | None, bool]:
    """The first `Range` and `If-Range` values, and whether a precondition is present."""
    range_value = if_range = None
    conditions = False
    for name, value in headers:
        if name == b"range":
            if range_value is None:
                range_value = value.decode("latin-1")
        elif name == b"if-range":
            if if_range is None:
                if_range = value.decode("latin-1")
        elif name in _CONDITIONS:
            conditions = True
    return range_value, if_range, conditions


def stat_validators(stat_result: os.stat_result) -> tuple[bytes, bytes]:
    """Last-Modified and ETag for `stat_result`, as Starlette derives them."""
    mtime = stat_result.st_mtime
    size = stat_result.st_size
    # PERF: keyed by the values, not their text: a float's repr is ~7k instructions
    # (callgrind, 4 KiB GET 71.6k -> 64.6k). Equal floats have one repr but 0.0 and -0.0;
    # other types (a caller's stat_result may hold an int: "5" is not "5.0") key by text.
    key: tuple[float, int] | str = (
        (mtime, size) if type(mtime) is float and mtime and type(size) is int else f"{mtime}-{size}"
    )
    values = _STAT_HEADERS.get(key)
    if values is None:
        # COMPAT: Starlette's ETag: md5 of "<st_mtime>-<st_size>"; not a security use.
        etag = hashlib.md5(f"{mtime}-{size}".encode(), usedforsecurity=False).hexdigest()
        modified = formatdate(mtime, usegmt=True)
        values = modified.encode("latin-1"), f'"{etag}"'.encode("latin-1")
        if len(_STAT_HEADERS) >= _STAT_HEADERS_MAX:
            _STAT_HEADERS.clear()
        _STAT_HEADERS[key] = values
    return values
