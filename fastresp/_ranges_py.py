"""Range kernels, pure twin (the reference for `_ranges_c`).

`parse_range` gives Starlette 1.10's answer for every `Range` header, in one pass over
the header: `str.find` hops from comma to comma (no `split` lists, no regex, so no
backtracking), and the range count is capped before any part is parsed.
"""

from ._errors import MalformedRangeHeader, RangeNotSatisfiable

__all__ = ["content_range", "multipart_header", "multipart_length", "parse_range"]

# COMPAT: Starlette's 400 bodies, word for word.
_NO_EQUALS = "Malformed range header."
_NOT_BYTES = "Only support bytes range"
_NO_RANGE = "Range header: range must be requested"
_INVERTED = "Range header: start must be less than end"

# NOTE: bytes in one multipart part besides its numbers, boundary, type and data:
# "--" CRLF "Content-Type: " CRLF "Content-Range: bytes " "-" "/" CRLF CRLF, and the
# CRLF after the data (RFC 9110 §14.6).
_PART_OVERHEAD = 49
# NOTE: "--" boundary "--" closes the body (RFC 2046 §5.1.1).
_CLOSE_OVERHEAD = 4


def parse_range(header: str, size: int, max_ranges: int) -> list[tuple[int, int]]:
    """Parse a `Range` value into sorted, merged, half-open `(start, end)` spans.

    An empty list means "ignore the header and send the whole file" (more than
    `max_ranges` parts). Raises `MalformedRangeHeader` (answered with 400) or
    `RangeNotSatisfiable` (416) exactly where Starlette does.
    """
    equals = header.find("=")
    if equals < 0:
        raise MalformedRangeHeader(_NO_EQUALS)
    # NOTE: Starlette ignores case and whitespace around the unit (str.strip/lower,
    # Unicode-aware), and answers any unit other than bytes with 400; RFC 9110 §14.2
    # would ignore the header instead.
    if header[:equals].strip().lower() != "bytes":
        raise MalformedRangeHeader(_NOT_BYTES)
    # SECURITY: cap the part count before parsing any part (Starlette #3430); one
    # C-level scan, counting empty parts too, as Starlette does. Too many parts means
    # the whole file, like nginx's `max_ranges` (CVE-2025-62727 was a quadratic parse).
    if header.count(",", equals + 1) >= max_ranges:
        return []

    ranges: list[tuple[int, int]] = []
    unsatisfiable = inverted = False
    length = len(header)
    pos = equals + 1
    while pos <= length:
        comma = header.find(",", pos)
        if comma < 0:
            comma = length
        part = header[pos:comma].strip()
        pos = comma + 1
        dash = part.find("-")
        if dash < 0:  # COMPAT: an empty part or one without "-" is skipped
            continue
        first = part[:dash].strip()
        last = part[dash + 1 :].strip()
        # COMPAT: numbers are read with int(), as Starlette does, so a sign, "_"
        # separators, Unicode digits and surrounding whitespace are accepted, and a
        # part int() refuses (including one past sys.get_int_max_str_digits()) is
        # skipped, never an error. RFC 9110 §14.1.1 allows ASCII digits only.
        try:
            if first:
                start = int(first)
                end = size
                if last:
                    stop = int(last)
                    if stop < size:
                        end = stop + 1
            else:  # COMPAT: a suffix range, clamped to the file (Starlette #3307)
                start = max(size - int(last), 0)
                end = size
        except ValueError:
            continue
        ranges.append((start, end))
        # COMPAT: every range is checked before answering; an unsatisfiable one
        # anywhere wins over an inverted one anywhere (416 before 400).
        if not 0 <= start < size:
            unsatisfiable = True
        elif start >= end:
            inverted = True

    if not ranges:
        raise MalformedRangeHeader(_NO_RANGE)
    if unsatisfiable:
        raise RangeNotSatisfiable(size)
    if inverted:
        raise MalformedRangeHeader(_INVERTED)
    if len(ranges) == 1:
        return ranges
    # NOTE: sort, then one merge pass: O(n log n) (Starlette #3138). Overlapping and
    # adjacent spans are joined (RFC 9110 §14.2 allows coalescing).
    ranges.sort()
    merged = [ranges[0]]
    last_start, last_end = ranges[0]
    for start, end in ranges[1:]:
        if start <= last_end:
            if end > last_end:
                last_end = end
                merged[-1] = (last_start, last_end)
        else:
            merged.append((start, end))
            last_start, last_end = start, end
    return merged


def content_range(start: int, end: int, size: int) -> str:
    """The `Content-Range` value for the half-open span `[start, end)` (RFC 9110 §14.4)."""
    return f"bytes {start}-{end - 1}/{size}"


def multipart_header(boundary: str, content_type: str, start: int, end: int, size: int) -> bytes:
    """The framing before one part of a `multipart/byteranges` body (RFC 9110 §14.6)."""
    return (
        f"--{boundary}\r\nContent-Type: {content_type}\r\n"
        f"Content-Range: bytes {start}-{end - 1}/{size}\r\n\r\n"
    ).encode("latin-1")


def multipart_length(
    ranges: list[tuple[int, int]], boundary: str, content_type: str, size: int
) -> int:
    """The exact byte length of the `multipart/byteranges` body for `ranges`."""
    fixed = _PART_OVERHEAD + len(boundary) + len(content_type) + len(str(size))
    total = _CLOSE_OVERHEAD + len(boundary)
    for start, end in ranges:
        total += fixed + len(str(start)) + len(str(end - 1)) + end - start
    return total
