"""`FileResponse` with Starlette 1.10's API and wire output, byte ranges included.

Deliberate differences from `starlette.responses.FileResponse` (each has its own test):

1. `http.response.pathsend` carries an absolute path, as the ASGI spec requires
   ("the absolute file path"); Starlette sends `str(path)`, which may be relative.
2. The file is opened, and checked to be a regular file, before the start message.
   Any failure to open it raises before anything is sent. With a caller-supplied
   `stat_result`, a missing path or one that is not a regular file raises Starlette's
   own `RuntimeError`s ("... does not exist.", "... is not a file."); Starlette sends
   the start message first, then fails in `open()` with an `OSError` (or, for a FIFO,
   blocks a worker thread until a writer appears).
3. A file shorter than announced raises `RuntimeError("File at path ... is shorter
   than expected.")` and the response is never reported complete: no final
   `more_body=False`. Starlette does so for multi-range bodies only; whole files and
   single ranges end early with `more_body=False`, as if complete. A shortfall already
   visible when the file is opened (a stale caller-supplied `stat_result`) raises before
   the start message.
4. A file that grew after it was stat'ed: exactly the announced bytes are sent.
   Starlette sends the whole file, past its Content-Length.
5. Media types guessed from file names are cached per extension (`.tar.gz`, `.jpg`),
   so a later `mimetypes.add_type()` for an extension that was already served is
   not seen.
6. The body is read ahead of sending: the first chunk alone, then up to 256 KiB at a
   time from the page cache, or 1 MiB per worker-thread hop (fastresp._file_handle).
   A change to the file after its bytes were read is not sent; Starlette reads each
   chunk just before sending it.
7. A body of two chunks' worth or less is sent without watching `receive()` for a
   disconnect (ASGI spec < 2.4): after a disconnect its second chunk is still read
   and handed to the server, which drops it. The watch costs more than that read.

Where the work runs: a cached path and cached data are opened and read on the event
loop, never waiting for storage (Linux `openat2(RESOLVE_CACHED)`, `RWF_NOWAIT`);
anything else takes as few worker-thread hops as possible, one for a small file.
"""

import hashlib
import mimetypes
import os
from collections.abc import Awaitable, Callable, Mapping, Sequence
from email.utils import formatdate
from functools import partial
from secrets import token_hex

import anyio
import anyio.to_thread

from ._asgi import Receive, Scope, Send, deny_websocket, run_until_disconnect, spec_version
from ._errors import MalformedRangeHeader, NotARegularFile, RangeNotSatisfiable
from ._file_handle import FileHandle, Plan
from ._speedups import files as _files
from ._speedups import headers as _headers
from ._speedups import ranges as _ranges
from .background import Background
from .headers import RawHeaders, set_raw, setdefault_raw
from .responses import PlainTextResponse, Response

__all__ = ["FileResponse"]

# PERF: against Starlette 1.10 on a busy 2-vCPU VM (uvloop, ASGI spec 2.3, a blocking
# receive, a discarding send): 4 KiB GET 16x (670 us against 40 us), HEAD 9x, one 99 KB
# range of 1 MiB 16x, 50 ranges 45x, 64 MiB at ~62% of a bare 64 KiB pread loop's rate
# (~9x); pure kernels 10x, 5.7x, 10x, 22x, 43%. Before: 1.1-1.6x (a hop per chunk).


# PERF: `mimetypes.guess_type` costs ~2 us and depends only on the name's extensions
# for a plain path; bounded so that odd names cannot grow it without limit.
_MEDIA_TYPES: dict[str, str] = {}
_MEDIA_TYPES_MAX = 256


# PERF: Last-Modified and ETag of a file served again, keyed by the ETag's input
# ("<st_mtime>-<st_size>", which fixes both values): 0.5 us instead of ~6 us for
# formatdate and md5. Emptied when full, so changed files do not pin it.
_STAT_HEADERS: dict[str, tuple[bytes, bytes]] = {}
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


def _guess_media_type(name: str | os.PathLike[str]) -> str:
    name = os.fspath(name)
    key = _extensions(name) if isinstance(name, str) else None
    media_type = None if key is None else _MEDIA_TYPES.get(key)
    if media_type is None:
        media_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        if key is not None and len(_MEDIA_TYPES) < _MEDIA_TYPES_MAX:
            _MEDIA_TYPES[key] = media_type
    return media_type


def _range_request(headers: Sequence[tuple[bytes, bytes]]) -> tuple[str | None, str | None]:
    """The first `Range` and `If-Range` values of the request, if any."""
    range_value = if_range = None
    for name, value in headers:
        if name == b"range":
            if range_value is None:
                range_value = value.decode("latin-1")
        elif name == b"if-range" and if_range is None:
            if_range = value.decode("latin-1")
    return range_value, if_range


def _absolute(path: str) -> str:
    # NOTE: joined, not os.path.abspath(): normalising "link/.." away could name another file.
    return path if os.path.isabs(path) else os.path.join(os.getcwd(), path)


class _FileErrors:
    """Starlette's errors for a path that is missing or not a regular file."""

    __slots__ = ("_path",)

    def __init__(self, path: object) -> None:
        self._path = path

    def __enter__(self) -> None:  # PERF: a class, not @contextmanager: 0.3 us, not 1.5
        return None

    def __exit__(self, kind: object, exc: BaseException | None, tb: object) -> None:
        if isinstance(exc, FileNotFoundError):
            raise RuntimeError(f"File at path {self._path} does not exist.") from exc
        if isinstance(exc, NotARegularFile):
            raise RuntimeError(f"File at path {self._path} is not a file.") from exc


async def _stat(path: str) -> os.stat_result:
    """`stat_file(path)`: on the loop when that cannot wait for I/O, else in a thread."""
    result = _files.stat_cached(path)
    if result is None:
        result = await anyio.to_thread.run_sync(_files.stat_file, path)
    return result


def _last_body() -> dict[str, object]:
    return {"type": "http.response.body", "body": b"", "more_body": False}


class FileResponse(Response):
    """A file sent from disk, with `Range` support (single and multipart).

    Accepts the same arguments as Starlette's; see the module docstring for the few
    deliberate differences, all on error paths or in the ASGI pathsend message.
    """

    chunk_size = 64 * 1024
    max_ranges = 100

    def __init__(
        self,
        path: str | os.PathLike[str],
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        background: Background | None = None,
        filename: str | None = None,
        stat_result: os.stat_result | None = None,
        content_disposition_type: str = "attachment",
    ) -> None:
        self.path = path
        self.status_code = status_code
        self.filename = filename
        self.media_type = media_type or _guess_media_type(filename or path)
        self.background = background
        self.init_headers(headers)
        raw = self.raw_headers
        setdefault_raw(raw, b"accept-ranges", b"bytes")
        if filename is not None:
            disposition = _headers.content_disposition(content_disposition_type, filename)
            setdefault_raw(raw, b"content-disposition", disposition.encode("latin-1"))
        self.stat_result = stat_result
        if stat_result is not None:
            self.set_stat_headers(stat_result)

    def set_stat_headers(self, stat_result: os.stat_result) -> None:
        """Set Content-Length, Last-Modified and ETag from `stat_result`, unless present."""
        size = stat_result.st_size
        mtime = stat_result.st_mtime
        key = f"{mtime}-{size}"
        values = _STAT_HEADERS.get(key)
        if values is None:
            # COMPAT: Starlette's ETag: md5 of "<st_mtime>-<st_size>"; not a security use.
            etag = hashlib.md5(key.encode(), usedforsecurity=False).hexdigest()
            modified = formatdate(mtime, usegmt=True)
            values = modified.encode("latin-1"), f'"{etag}"'.encode("latin-1")
            if len(_STAT_HEADERS) >= _STAT_HEADERS_MAX:
                _STAT_HEADERS.clear()
            _STAT_HEADERS[key] = values
        raw = self.raw_headers
        setdefault_raw(raw, b"content-length", b"%d" % size)
        setdefault_raw(raw, b"last-modified", values[0])
        setdefault_raw(raw, b"etag", values[1])

    def generate_multipart(
        self,
        ranges: Sequence[tuple[int, int]],
        boundary: str,
        max_size: int,
        content_type: str,
    ) -> tuple[int, Callable[[int, int], bytes]]:
        """The `multipart/byteranges` body length, and a builder of each part's header."""
        length = _ranges.multipart_length(list(ranges), boundary, content_type, max_size)

        def part_header(start: int, end: int) -> bytes:
            return _ranges.multipart_header(boundary, content_type, start, end, max_size)

        return length, part_header

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope_type = scope["type"]
        is_http = scope_type == "http"
        method = scope["method"].upper() if is_http else ""
        head = method == "HEAD"
        pathsend = is_http and "http.response.pathsend" in scope.get("extensions", {})
        respond = deny_websocket(send) if scope_type == "websocket" else send
        range_value = if_range = None
        # COMPAT: ranges only for 200 responses to GET or HEAD (Starlette #3568, #3679).
        if self.status_code == 200 and (not is_http or method in ("GET", "HEAD")):
            range_value, if_range = _range_request(scope["headers"])

        path = os.fspath(self.path)
        handle = FileHandle()
        try:
            stat_result = self.stat_result
            opened = False
            if stat_result is None:
                with _FileErrors(self.path):
                    if head or (pathsend and range_value is None):
                        stat_result = await _stat(path)
                    else:  # PERF: stat, open and fstat at once: on the loop, or in one hop
                        plan = self._guess_plan(range_value, if_range)
                        stat_result = await handle.open(path, plan)
                        opened = True
                self.set_stat_headers(stat_result)
            size = stat_result.st_size

            ranges: list[tuple[int, int]] = []
            if range_value is not None and (if_range is None or self._should_use_range(if_range)):
                try:
                    ranges = _ranges.parse_range(range_value, size, self.max_ranges)
                except MalformedRangeHeader as exc:
                    await PlainTextResponse(str(exc), status_code=400)(scope, receive, send)
                    return  # COMPAT: like Starlette, no background task after a 400 or 416
                except RangeNotSatisfiable as exc:
                    # NOTE: a 416 names the current length (RFC 9110 §15.5.17).
                    refusal = PlainTextResponse(
                        status_code=416, headers={"Content-Range": f"bytes */{exc.size}"}
                    )
                    await refusal(scope, receive, send)
                    return

            if pathsend and not head and not ranges:
                await respond(self._start(self.status_code, self.raw_headers))
                await respond({"type": "http.response.pathsend", "path": _absolute(path)})
            else:
                chunk_size = self.chunk_size
                spans = ranges or [(0, size)]
                if not head:
                    if not opened:  # the caller's stat_result: open now
                        with _FileErrors(self.path):
                            now = await handle.open(path, lambda _: (spans, chunk_size))
                        if now.st_size < spans[-1][1]:
                            raise self._shorter()
                    handle.expect(spans, chunk_size)
                job = self._sender(respond, handle, ranges, size, head)
                # PERF: no disconnect watch (~30 us: a task and a cancel scope) for a
                # small body, two chunks' worth at most: it is read in one step and sent
                # without a suspension, so there is nothing a watch could stop.
                if is_http and not (head or handle.small) and spec_version(scope) < (2, 4):
                    await run_until_disconnect(receive, job)
                else:
                    await job()
        finally:
            await handle.aclose()

        if self.background is not None:
            await self.background()

    def _guess_plan(
        self, range_value: str | None, if_range: str | None
    ) -> Callable[[os.stat_result], Plan] | None:
        """What to read ahead if the file is opened in a worker thread: the body the
        response will send, computed from the fstat in that thread."""
        chunk_size = self.chunk_size
        if range_value is None:
            return lambda st: ([(0, st.st_size)], chunk_size)
        if if_range is not None:  # NOTE: needs the stat headers; rare: no read-ahead
            return None
        max_ranges = self.max_ranges

        def plan(st: os.stat_result) -> Plan:
            # NOTE: raises for a 400 or 416, as the loop's own parse will: no read-ahead.
            spans = _ranges.parse_range(range_value, st.st_size, max_ranges)
            return spans or [(0, st.st_size)], chunk_size

        return plan

    def _should_use_range(self, if_range: str) -> bool:
        # COMPAT: a weak validator never matches: If-Range needs a strong one (RFC 9110
        # §13.1.5, Starlette #3567). Compared with the headers as sent, the given ones too.
        if if_range.startswith("W/"):
            return False
        headers = self.headers
        return if_range == headers["last-modified"] or if_range == headers["etag"]

    def _shorter(self) -> RuntimeError:
        return RuntimeError(f"File at path {self.path} is shorter than expected.")

    @staticmethod
    def _start(status: int, headers: RawHeaders) -> dict[str, object]:
        return {"type": "http.response.start", "status": status, "headers": headers}

    def _sender(
        self, send: Send, handle: FileHandle, ranges: list[tuple[int, int]], size: int, head: bool
    ) -> Callable[[], Awaitable[None]]:
        if not ranges:
            return partial(self._send_whole, send, handle, size, head)
        if len(ranges) == 1:
            start, end = ranges[0]
            return partial(self._send_range, send, handle, start, end, size, head)
        return partial(self._send_ranges, send, handle, ranges, size, head)

    async def _send_whole(self, send: Send, handle: FileHandle, size: int, head: bool) -> None:
        await send(self._start(self.status_code, self.raw_headers))
        if head:
            await send(_last_body())
            return
        chunk_size = self.chunk_size
        offset = 0
        more_body = True
        while more_body:
            count = min(chunk_size, size - offset)
            chunk = await handle.read(count, offset) if count else b""
            if len(chunk) < count:
                raise self._shorter()
            offset += count
            # COMPAT: Starlette reads until a short chunk, so a size that is a multiple
            # of chunk_size ends with an empty `more_body=False` message.
            more_body = count == chunk_size
            await send({"type": "http.response.body", "body": chunk, "more_body": more_body})

    async def _send_range(
        self, send: Send, handle: FileHandle, start: int, end: int, size: int, head: bool
    ) -> None:
        # COMPAT: a copy: the response's own headers are left alone (Starlette #3144).
        raw = list(self.raw_headers)
        set_raw(raw, b"content-range", _ranges.content_range(start, end, size).encode("latin-1"))
        set_raw(raw, b"content-length", b"%d" % (end - start))
        await send(self._start(206, raw))
        if head:
            await send(_last_body())
            return
        await self._send_span(send, handle, start, end, True)

    async def _send_ranges(
        self,
        send: Send,
        handle: FileHandle,
        ranges: list[tuple[int, int]],
        size: int,
        head: bool,
    ) -> None:
        # NOTE: 13 random bytes, about the entropy browsers put in their boundaries.
        boundary = token_hex(13)
        length, part_header = self.generate_multipart(
            ranges, boundary, size, self.headers["content-type"]
        )
        raw = list(self.raw_headers)
        set_raw(raw, b"content-type", b"multipart/byteranges; boundary=%s" % boundary.encode())
        set_raw(raw, b"content-length", b"%d" % length)
        await send(self._start(206, raw))
        if head:
            await send(_last_body())
            return
        chunk_size = self.chunk_size
        for start, end in ranges:
            await send(
                {"type": "http.response.body", "body": part_header(start, end), "more_body": True}
            )
            if end - start <= chunk_size:  # PERF: one chunk, the usual part: no coroutine
                chunk = await handle.read(end - start, start)
                if len(chunk) < end - start:
                    raise self._shorter()
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            else:
                await self._send_span(send, handle, start, end, False)
            await send({"type": "http.response.body", "body": b"\r\n", "more_body": True})
        await send(
            {
                "type": "http.response.body",
                "body": f"--{boundary}--".encode("latin-1"),
                "more_body": False,
            }
        )

    async def _send_span(
        self, send: Send, handle: FileHandle, start: int, end: int, last: bool
    ) -> None:
        """Send bytes `[start, end)` in chunks; the final one ends the body if `last`."""
        chunk_size = self.chunk_size
        while start < end:
            count = min(chunk_size, end - start)
            chunk = await handle.read(count, start)
            if len(chunk) < count:
                raise self._shorter()
            start += count
            more_body = start < end or not last
            await send({"type": "http.response.body", "body": chunk, "more_body": more_body})
