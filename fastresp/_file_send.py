"""The messages of `FileResponse`: a whole file, one range, or multipart/byteranges.

The header lists of 206 responses are built here; each `BodySender` method sends the
start message it is given, then the announced bytes, read through a `FileHandle`
in `chunk_size` pieces. Never more than announced (a file that grew is cut at the
announced length), and a short read raises before the body is marked complete
(fastresp/files.py, differences 3 and 4).
"""

from collections.abc import Callable

from ._asgi import Message, Send
from ._file_handle import FileHandle
from ._speedups import ranges as _ranges
from .headers import RawHeaders, set_raw

__all__ = [
    "BodySender",
    "last_body",
    "multipart_headers",
    "range_headers",
    "send_read",
    "start_message",
]


def start_message(status: int, headers: RawHeaders) -> Message:
    return {"type": "http.response.start", "status": status, "headers": headers}


def last_body() -> Message:
    return {"type": "http.response.body", "body": b"", "more_body": False}


def range_headers(raw: RawHeaders, start: int, end: int, size: int) -> RawHeaders:
    """A 206's headers for the span `[start, end)` (RFC 9110 §14.4)."""
    # COMPAT: a copy: the response's own headers are left alone (Starlette #3144).
    raw = list(raw)
    set_raw(raw, b"content-range", _ranges.content_range(start, end, size).encode("latin-1"))
    set_raw(raw, b"content-length", b"%d" % (end - start))
    return raw


def multipart_headers(raw: RawHeaders, boundary: str, length: int) -> RawHeaders:
    """A multipart/byteranges 206's headers (RFC 9110 §14.6)."""
    raw = list(raw)
    set_raw(raw, b"content-type", b"multipart/byteranges; boundary=%s" % boundary.encode())
    set_raw(raw, b"content-length", b"%d" % length)
    return raw


async def send_read(
    send: Send,
    start_message: Message,
    pieces: list[bytes],
    span: tuple[int, int],
    chunk_size: int,
    whole: bool,
    shorter: Callable[[], Exception],
) -> None:
    """Send a body read by `_file_handle.read_small` as `BodySender.whole` (`whole`) or `one_range`
    would have: the same messages, and a short piece raises `shorter()` before it."""
    await send(start_message)
    offset, end = span
    more_body = True
    for piece in pieces:
        count = min(chunk_size, end - offset)
        if len(piece) < count:
            raise shorter()
        offset += count
        # COMPAT: as BodySender.whole, a whole file ends with a piece short of
        # chunk_size, maybe an empty one; a range ends with its last byte.
        more_body = count == chunk_size if whole else offset < end
        await send({"type": "http.response.body", "body": piece, "more_body": more_body})
    if more_body:
        await send(last_body())


class BodySender:
    """Send one response's start message, then its body, to `send`."""

    __slots__ = ("_chunk_size", "_handle", "_send", "_shorter")

    def __init__(
        self,
        send: Send,
        handle: FileHandle,
        chunk_size: int,
        shorter: Callable[[], Exception],
    ) -> None:
        self._send = send
        self._handle = handle
        self._chunk_size = chunk_size
        self._shorter = shorter  # NOTE: the error for a file shorter than announced

    async def whole(self, start: Message, size: int) -> None:
        send = self._send
        await send(start)
        handle = self._handle
        chunk_size = self._chunk_size
        offset = 0
        more_body = True
        while more_body:
            left = size - offset
            count = chunk_size if left > chunk_size else left  # PERF: min() parses arguments
            chunk = handle.take(count, offset) if count else b""
            if chunk is None:
                chunk = await handle.read(count, offset)
            if len(chunk) < count:
                raise self._shorter()
            offset += count
            # COMPAT: Starlette reads until a short chunk, so a size that is a multiple
            # of chunk_size ends with an empty `more_body=False` message.
            more_body = count == chunk_size
            await send({"type": "http.response.body", "body": chunk, "more_body": more_body})

    async def one_range(self, start_message: Message, start: int, end: int) -> None:
        await self._send(start_message)
        await self._span(start, end, True)

    async def ranges(
        self,
        start: Message,
        spans: list[tuple[int, int]],
        boundary: str,
        part_header: Callable[[int, int], bytes],
    ) -> None:
        """A multipart/byteranges body: `spans`, each after its part header."""
        send = self._send
        await send(start)
        handle = self._handle
        chunk_size = self._chunk_size
        for first, end in spans:
            await send(
                {"type": "http.response.body", "body": part_header(first, end), "more_body": True}
            )
            if end - first <= chunk_size:  # PERF: one chunk, the usual part: no coroutine
                chunk = handle.take(end - first, first)
                if chunk is None:
                    chunk = await handle.read(end - first, first)
                if len(chunk) < end - first:
                    raise self._shorter()
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            else:
                await self._span(first, end, False)
            await send({"type": "http.response.body", "body": b"\r\n", "more_body": True})
        await send(
            {
                "type": "http.response.body",
                "body": f"--{boundary}--".encode("latin-1"),
                "more_body": False,
            }
        )

    async def _span(self, start: int, end: int, last: bool) -> None:
        """Send bytes `[start, end)` in chunks; the final one ends the body if `last`."""
        send = self._send
        handle = self._handle
        chunk_size = self._chunk_size
        while start < end:
            count = min(chunk_size, end - start)
            chunk = handle.take(count, start)
            if chunk is None:
                chunk = await handle.read(count, start)
            if len(chunk) < count:
                raise self._shorter()
            start += count
            more_body = start < end or not last
            await send({"type": "http.response.body", "body": chunk, "more_body": more_body})
