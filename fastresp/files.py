"""`FileResponse` with Starlette 1.10's API and wire output, byte ranges included.

Deliberate differences from `starlette.responses.FileResponse` (each has its own test).
Headers, `media_type`, `content_disposition_type` and `status_code` are checked at
construction, as for every response class: `fastresp.responses` differences 5 and 6.

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
7. A disconnect or a cancellation is noticed at the body's cancellation points, one
   per MiB read without a suspension (`_file_handle.YIELD_BYTES`), or when `send`
   suspends. Under ASGI spec < 2.4 the `receive()` watch (none for two chunks' worth
   or less) starts at the first cancellation point or `WATCH_AFTER` (1 s) into the
   body, whichever comes first (at once on trio): most bodies end unwatched. So up to
   about 1 MiB (2 MiB under spec < 2.4) is still read and handed to a server that
   drops it, and a `send` that waits on a client that left, on a server that reports
   the disconnect through `receive()` alone, is given up 1 s in. Starlette hops to a
   thread per chunk and stops within a chunk or two; a yield per chunk would cost
   every response a round of the loop (difference measured in bench/e2e_run.py).
8. A `Range` in a unit other than `bytes` is ignored: the whole file, 200 (RFC 9110
   §14.2: MUST ignore). Starlette answers 400 "Only support bytes range".
9. Ranges whose lengths add up to more than the file (each clamped to the file, counted
   before overlaps are coalesced) are ignored: the whole file, 200, as Go and nginx
   answer; Starlette coalesces them into a 206. Syntax errors in a `bytes=` value
   (no `=`, no readable range, an inverted range) still get Starlette's 400, unreadable
   parts are still skipped, and more than `max_ranges` parts still mean the whole file.
10. A 1xx, 204 or 304 `status_code` sends headers only (RFC 9110 §6.4.1); the file is
   stat'ed, never read. A 1xx or 204 carries no Content-Length (§8.6), a 304 only the
   fields `_conditional.not_modified_headers` keeps (§15.4.5). Starlette sends the file.
11. Conditional requests (RFC 9110 §13), on by default; `conditional=False` answers as
   Starlette does. For a 2xx `status_code` over HTTP, If-Match, If-Unmodified-Since,
   If-None-Match and If-Modified-Since are checked (`fastresp._conditional`, with the
   method as sent) against the ETag and Last-Modified the response carries, given ones
   included: 304 (headers as in 10, empty body), or 412 with `content-length: 0`, the
   other headers but those describing a body, and an empty body; else Range and If-Range
   apply as before. The file is stat'ed but not opened before the check. The background
   task runs after a 304 or 412 as after any response sent whole (only Starlette's
   400/416 refusals, which replace the response, skip it).

Where the work runs: a cached path and cached data are opened and read on the event
loop, never waiting for storage (Linux `openat2(RESOLVE_CACHED)`, `RWF_NOWAIT`; a path
is opened directly once it named a local regular file: `_files_py.open_cached`);
anything else takes as few worker-thread hops as possible, one for a small file.
"""

import os
from collections.abc import Awaitable, Callable, Mapping, Sequence
from functools import partial
from secrets import token_hex

import anyio
import anyio.to_thread

from . import _conditional
from ._asgi import (
    LateWatch,
    Message,
    Receive,
    Scope,
    Send,
    deny_websocket,
    run_until_disconnect,
    spec_version,
)
from ._errors import MalformedRangeHeader, NotARegularFile, RangeNotSatisfiable
from ._file_handle import FileHandle, Plan, open_on_loop, read_small
from ._file_meta import guess_media_type, request_fields, stat_validators
from ._file_send import (
    BodySender,
    last_body,
    multipart_headers,
    range_headers,
    send_read,
    start_message,
)
from ._speedups import files as _files
from ._speedups import headers as _headers
from ._speedups import ranges as _ranges
from .background import Background
from .base import PlainTextResponse, Response
from .headers import RawHeaders, setdefault_raw

__all__ = ["FileResponse"]

# PERF: against Starlette 1.10 on a busy 2-vCPU VM (uvloop, ASGI spec 2.3, a blocking
# receive, a discarding send): 4 KiB GET 16x (670 us against 40 us), HEAD 9x, one 99 KB
# range of 1 MiB 16x, 50 ranges 45x, 64 MiB at ~62% of a bare 64 KiB pread loop's rate
# (~9x); pure kernels 10x, 5.7x, 10x, 22x, 43%. Before: 1.1-1.6x (a hop per chunk).


# The most time a body is sent without a watch on receive() (ASGI spec < 2.4), unless
# it reaches a cancellation point first: a slow client's download, or a server whose
# send() waits on a client that has left, is watched from then on.
WATCH_AFTER = 1.0

_STAT_FIELDS = frozenset((b"content-length", b"last-modified", b"etag"))


def _first(raw: RawHeaders, name: bytes) -> bytes | None:
    for key, value in raw:
        if key == name:
            return value
    return None


def _bodiless_headers(status: int, raw: RawHeaders) -> RawHeaders:
    """The headers of a response without content (1xx, 204, 304, 412)."""
    if status == 304:  # RFC 9110 §15.4.5: no fields that describe the absent body
        return _conditional.not_modified_headers(raw)
    if status == 412:  # NOTE: not the file's fields either: its content is empty
        return [*_conditional.not_modified_headers(raw), (b"content-length", b"0")]
    # RFC 9110 §8.6: no Content-Length in a 1xx or 204.
    return [(name, value) for name, value in raw if name != b"content-length"]


def _absolute(path: str) -> str:
    # NOTE: joined, not os.path.abspath(): normalising "link/.." away could name another file.
    return path if os.path.isabs(path) else os.path.join(os.getcwd(), path)


def _file_error(path: object, exc: FileNotFoundError | NotARegularFile) -> RuntimeError:
    """Starlette's error for a path that is missing or not a regular file."""
    if isinstance(exc, FileNotFoundError):
        return RuntimeError(f"File at path {path} does not exist.")
    return RuntimeError(f"File at path {path} is not a file.")


async def _stat(path: str) -> os.stat_result:
    """`stat_file(path)`: on the loop when that cannot wait for I/O, else in a thread."""
    result = _files.stat_cached(path)
    if result is None:
        result = await anyio.to_thread.run_sync(_files.stat_file, path)
    return result


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
        conditional: bool = True,
    ) -> None:
        self.path = path
        self.status_code = status_code
        self.filename = filename
        self.media_type = media_type or guess_media_type(filename or path)
        self.background = background
        self.init_headers(headers)
        raw = self.raw_headers
        setdefault_raw(raw, b"accept-ranges", b"bytes")
        if filename is not None:
            disposition = _headers.content_disposition(content_disposition_type, filename)
            setdefault_raw(raw, b"content-disposition", disposition.encode("latin-1"))
        self.stat_result = stat_result
        self.conditional = conditional
        if stat_result is not None:
            self.set_stat_headers(stat_result)

    def set_stat_headers(self, stat_result: os.stat_result) -> None:
        """Set Content-Length, Last-Modified and ETag from `stat_result`, unless present."""
        modified, etag = stat_validators(stat_result)
        raw = self.raw_headers
        length = b"%d" % stat_result.st_size
        for name, _ in raw:
            if name in _STAT_FIELDS:
                break
        else:  # PERF: none of them given (the usual case): one pass, not three
            raw += ((b"content-length", length), (b"last-modified", modified), (b"etag", etag))
            return
        setdefault_raw(raw, b"content-length", length)
        setdefault_raw(raw, b"last-modified", modified)
        setdefault_raw(raw, b"etag", etag)

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
        method = scope["method"] if is_http else ""
        head = method.upper() == "HEAD"
        status = self.status_code
        pathsend = is_http and "http.response.pathsend" in scope.get("extensions", {})
        respond = deny_websocket(send) if scope_type == "websocket" else send
        # COMPAT: ranges only for 200 responses to GET or HEAD (Starlette #3568, #3679).
        ranged = status == 200 and (not is_http or method.upper() in ("GET", "HEAD"))
        # NOTE: preconditions only for a 2xx response (RFC 9110 §13.2.1), over HTTP.
        conditional = is_http and self.conditional and 200 <= status < 300
        range_value = if_range = None
        if ranged or conditional:
            range_value, if_range, conditions = request_fields(scope["headers"])
            conditional = conditional and conditions
            if not ranged:
                range_value = if_range = None
        # RFC 9110 §6.4.1: no content in a 1xx, 204 or 304 response; Starlette sends it.
        bodiless = status < 200 or status == 204 or status == 304

        path = os.fspath(self.path)
        # PERF: no handle for a response that never opens the file (HEAD, 304...):
        # FileHandle() + aclose() cost 3-7 us here, of a 30-60 us HEAD (timed alone).
        handle: FileHandle | None = None
        fd = -1  # NOTE: opened on the loop, not yet given to a handle
        try:
            stat_result = self.stat_result
            if stat_result is None:
                # PERF: try/except, free when nothing is raised; a context manager: 0.3 us
                try:
                    if head or bodiless or conditional or (pathsend and range_value is None):
                        stat_result = await _stat(path)
                    elif (opened := open_on_loop(path)) is not None:
                        fd, stat_result = opened  # PERF: stat, open and fstat on the loop
                    else:  # PERF: stat, open and fstat in one hop, which reads ahead too
                        plan = self._guess_plan(range_value, if_range)
                        handle = FileHandle()
                        stat_result = await handle.open(path, plan)
                except (FileNotFoundError, NotARegularFile) as exc:
                    raise _file_error(self.path, exc) from exc
                self.set_stat_headers(stat_result)
            size = stat_result.st_size

            if conditional:
                raw = self.raw_headers
                etag = _first(raw, b"etag")
                modified = _first(raw, b"last-modified")
                status = _conditional.evaluate(method, scope["headers"], etag, modified)
                bodiless = bodiless or status != 200
                if status == 200:
                    status = self.status_code

            ranges: list[tuple[int, int]] = []
            if (
                range_value is not None
                and not bodiless
                and (if_range is None or self._should_use_range(if_range))
            ):
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

            if bodiless:  # NOTE: headers only, and the file is not read
                await respond(start_message(status, _bodiless_headers(status, self.raw_headers)))
                await respond(last_body())
            elif pathsend and not head and not ranges:
                await respond(start_message(status, self.raw_headers))
                await respond({"type": "http.response.pathsend", "path": _absolute(path)})
            elif head:
                await respond(self._start(ranges, size)[0])
                await respond(last_body())
            else:
                chunk_size = self.chunk_size
                spans = ranges or [(0, size)]
                if fd >= 0:
                    # PERF: a body of one span, two chunks at most, all in the page cache:
                    # read at once and sent without a handle (-5 us of a 16 us 4 KiB GET).
                    pieces = read_small(fd, spans, chunk_size)
                    opened_fd, fd = fd, -1
                    if pieces is not None:
                        os.close(opened_fd)  # NOTE: a local filesystem's close does not wait
                        start = self._start(ranges, size)[0]
                        whole = not ranges
                        await send_read(
                            respond, start, pieces, spans[0], chunk_size, whole, self._shorter
                        )
                        if self.background is not None:
                            await self.background()
                        return
                    handle = FileHandle()
                    handle.adopt(opened_fd)
                if handle is None:  # the caller's stat_result, or a conditional request
                    handle = FileHandle()
                    try:
                        now = await handle.open(path, lambda _: (spans, chunk_size))
                    except (FileNotFoundError, NotARegularFile) as exc:
                        raise _file_error(self.path, exc) from exc
                    if now.st_size < spans[-1][1]:
                        raise self._shorter()
                handle.expect(spans, chunk_size)
                job = self._sender(respond, handle, ranges, size)
                # PERF: no disconnect watch (~30 us: a task and a cancel scope) for a
                # small body, two chunks' worth at most: it is read in one step and sent
                # without a suspension, so there is nothing a watch could stop.
                if is_http and not handle.small and spec_version(scope) < (2, 4):
                    # PERF: watched from the first cancellation point, or WATCH_AFTER
                    # seconds in: most bodies are sent by then (difference 7).
                    late = LateWatch(WATCH_AFTER)
                    handle.on_checkpoint = late.start
                    await run_until_disconnect(receive, job, late=late)
                else:
                    await job()
        finally:
            if fd >= 0:
                os.close(fd)
            if handle is not None:
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

    def _start(
        self, ranges: list[tuple[int, int]], size: int
    ) -> tuple[Message, str, Callable[[int, int], bytes] | None]:
        """The start message; for multipart, its boundary and part header builder too."""
        if not ranges:
            return start_message(self.status_code, self.raw_headers), "", None
        if len(ranges) == 1:
            start, end = ranges[0]
            return start_message(206, range_headers(self.raw_headers, start, end, size)), "", None
        # NOTE: 13 random bytes, about the entropy browsers put in their boundaries.
        boundary = token_hex(13)
        length, part_header = self.generate_multipart(
            ranges, boundary, size, self.headers["content-type"]
        )
        raw = multipart_headers(self.raw_headers, boundary, length)
        return start_message(206, raw), boundary, part_header

    def _sender(
        self, send: Send, handle: FileHandle, ranges: list[tuple[int, int]], size: int
    ) -> Callable[[], Awaitable[None]]:
        start, boundary, part_header = self._start(ranges, size)
        sender = BodySender(send, handle, self.chunk_size, self._shorter)
        if not ranges:
            return partial(sender.whole, start, size)
        if part_header is None:
            return partial(sender.one_range, start, *ranges[0])
        return partial(sender.ranges, start, ranges, boundary, part_header)
