"""`FileHandle`: one response's file descriptor: opened, read ahead, closed once.

Where the work runs (shared/notes/starlette-profile.md §6-8: a worker-thread round trip
costs 90-190 us here, copying 64 KiB from the page cache ~4 us):

- `open` first tries the kernels' `open_cached` on the event loop: a local filesystem
  and a path in the dentry cache, so no I/O. Otherwise one worker-thread hop opens
  the file and, given a plan, reads ahead and closes it once it is all read: stat,
  open, read and close of a small file in one hop.
- `read` serves the chunks of the plan set by `expect` (or a lone chunk) in order,
  read from the page cache on the loop, never waiting for storage (`RWF_NOWAIT`):
  the first chunk alone, then up to `LOOP_BYTES` at a time. On a miss, one hop to a
  thread reads ahead up to `HOP_BYTES` of the plan. `take` is `read` for a chunk
  that needs no suspension, without a coroutine.
  Cancellation points are spaced by bytes read without a suspension: one per
  `YIELD_BYTES` (a client that leaves is noticed within 1 MiB, or two under ASGI 2.3,
  whose watch on receive() starts at the first); a multipart body of many small parts
  is not slowed. Not a yield per chunk: a server's `send` suspends when the socket
  cannot take more, so that buys no fairness, and under load each yield lets the
  other responses in between: their buffers push this one's out of the CPU caches.
- A descriptor opened on the loop is closed on the loop (a local filesystem's close
  does not wait) as soon as its last planned byte is read; one opened in a thread is
  closed in a thread: by the hop that read its last byte, or by `aclose`.

anyio's shield stops anyio cancellation, but not a native asyncio `task.cancel()`
(`asyncio.timeout`, `wait_for`): the awaiting task moves on while its worker thread
is still opening or reading. So:

- a thread that finishes opening after the response gave up closes what it opened;
- a close requested while a read is in flight is left to that read's thread, so a
  descriptor is never closed under a read (whose number could then be reused);
- whichever side closes claims the descriptor under a lock: exactly one `os.close`.
"""

import asyncio
import os
import threading
from collections import deque
from collections.abc import Awaitable, Callable, Generator

import anyio
import anyio.lowlevel
import anyio.to_thread

from ._speedups import files as _files

__all__ = [
    "HOP_BYTES",
    "LOOP_BYTES",
    "YIELD_BYTES",
    "FileHandle",
    "Plan",
    "Span",
    "open_on_loop",
    "read_small",
]

Span = tuple[int, int]  # half-open [start, end)
Plan = tuple[list[Span], int]  # spans, chunk size
Chunk = tuple[int, int, bytes]  # offset, planned size, data (shorter only at end of file)

# PERF: 1 MiB per worker-thread hop, sent as chunk_size pieces: the hop's fixed cost
# is spread over 16 chunks of 64 KiB instead of paid per chunk (starlette-profile §7).
HOP_BYTES = 1024 * 1024
# NOTE: the most copied from the page cache in one step on the loop (~25-60 us), so
# other tasks never wait long; bigger chunks are read in worker threads.
LOOP_BYTES = 256 * 1024
# PERF: the most read between two cancellation points (~0.3-0.7 ms of page-cache
# reads and sends under load). Under uvicorn and wrk (32 connections), /file1m ran at
# 0.72 of a raw-ASGI ceiling with three early yields a chunk apart, and at 0.95-1.0
# without: the reads and socket writes themselves took half the time (py-spy),
# since the interleaved responses' buffers no longer evicted each other's.
YIELD_BYTES = 1024 * 1024


def open_on_loop(path: str) -> tuple[int, os.stat_result] | None:
    """`open_cached(path)`: a descriptor and its stat, or None (then `FileHandle.open`).

    The caller owns the descriptor: it gives it to `FileHandle.adopt`, or reads it with
    `read_small` and closes it, on the loop.
    """
    return _files.open_cached(path)


def read_small(fd: int, spans: list[tuple[int, int]], chunk_size: int) -> list[bytes] | None:
    """The pieces of a one-span body of two chunks at most, as far as the file goes,
    read from the page cache alone; None for a larger body, or one not all cached."""
    if len(spans) != 1:
        return None
    start, end = spans[0]
    if end - start > 2 * chunk_size:
        return None
    if start == end:
        return []
    pieces = _files.read_chunks(fd, start, end - start, chunk_size, True)
    # NOTE: every piece is full but the one where the file ends; a list cut short with
    # no such piece is where the page cache ran out.
    if len(pieces) == -(-(end - start) // chunk_size) or (pieces and len(pieces[-1]) < chunk_size):
        return pieces
    return None


class FileHandle:
    """Open, read and close one regular file; safe against cancellation at any await."""

    __slots__ = (
        "_ahead",
        "_checkpoint",
        "_chunk_size",
        "_close_when_read",
        "_closing",
        "_cursor",
        "_fd",
        "_local",
        "_lock",
        "_reading",
        "_small",
        "_spans",
        "_unyielded",
        "on_checkpoint",
    )

    def __init__(self) -> None:
        self._fd = -1
        self._local = False  # opened on the loop: closed on the loop
        self._closing = False
        self._reading = False
        self._lock = threading.Lock()
        self._spans: list[Span] = []
        self._chunk_size = 1
        self._small = True  # the plan is two chunks' worth at most
        self._cursor: Span = (0, 0)  # (span index, offset) of the next chunk to read
        self._ahead: deque[Chunk] = deque()
        self._close_when_read = False
        self._unyielded = 0  # bytes read since the last suspension
        self._checkpoint = _checkpoint_for_backend()
        self.on_checkpoint: Callable[[], None] | None = None  # NOTE: called at each one

    @property
    def is_open(self) -> bool:
        return self._fd >= 0

    @property
    def small(self) -> bool:
        """The announced reads are two chunks' worth at most: read in one step, with
        no suspension between them (a disconnect watch could not stop anything)."""
        return self._small

    async def open(
        self, path: str, plan: Callable[[os.stat_result], Plan | None] | None = None
    ) -> os.stat_result:
        """Open `path`; the fstat of the opened descriptor.

        On the loop if that cannot wait for I/O, else in a worker thread, which also
        reads ahead what `plan(stat)` names, and closes the file if that is all of it:
        `expect` must then announce that same plan.
        """
        opened = _files.open_cached(path)
        if opened is None:
            return await anyio.to_thread.run_sync(self._open, path, plan)
        self.adopt(opened[0])
        return opened[1]

    def adopt(self, fd: int) -> None:
        """Take `fd`, opened on the loop by `open_cached`: it is closed on the loop."""
        self._fd = fd
        self._local = True

    def expect(self, spans: list[Span], chunk_size: int) -> None:
        """Announce the reads to come: each span in `chunk_size` pieces, in order.

        The descriptor is closed as soon as the last of them is read.
        """
        self._close_when_read = True
        if spans != self._spans or chunk_size != self._chunk_size:
            if self._spans and self._fd < 0:
                raise RuntimeError("the file was closed once the announced reads were done")
            self._replan(spans, chunk_size)  # else: read ahead by the open hop, kept

    async def read(self, size: int, offset: int) -> bytes:
        """`size` bytes at `offset` (fewer only at end of file).

        A cancellation point (but in a `small` plan) once `YIELD_BYTES` were read since
        the last suspension.
        """
        if self._unyielded >= YIELD_BYTES and not self._small:
            self._unyielded = 0
            if self.on_checkpoint is not None:
                self.on_checkpoint()
            await self._checkpoint()
        chunk = self.take(size, offset)
        if chunk is None:  # NOTE: not in the page cache: a worker thread reads ahead
            await self._fill_in_thread()
            self._unyielded += size
            chunk = self._ahead.popleft()[2]
        return chunk

    def take(self, size: int, offset: int) -> bytes | None:
        """What `read(size, offset)` would return, when that needs no suspension: the
        chunk is read ahead or in the page cache, and no cancellation point is due.
        Else None, and nothing is consumed: then `await read(size, offset)`."""
        # PERF: no coroutine per chunk: 10.6k -> 9.4k instructions per 64 KiB chunk of
        # a 64 MiB body, with BodySender.whole's min() gone too (callgrind, uvloop).
        if self._unyielded >= YIELD_BYTES and not self._small:
            return None
        ahead = self._ahead
        if ahead:
            head = ahead[0]
            if head[0] == offset and head[1] == size:
                self._unyielded += size
                return ahead.popleft()[2]
        if not size:
            return b""
        if not self._fill_on_loop(size, offset):
            return None
        self._unyielded += size
        return ahead.popleft()[2]

    async def aclose(self) -> None:
        """Close the descriptor (if any); finishes even when the caller is cancelled."""
        with self._lock:
            self._closing = True  # an open still running in a thread closes its own fd
            if self._fd < 0 and not self._reading:
                return
        if self._local:
            self._close()  # NOTE: no hop: a local filesystem's close does not wait
            return
        try:
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(self._close)
        finally:
            self._close()  # a no-op unless a native cancel cut the hop short

    # --- reading ----------------------------------------------------------------------

    def _replan(self, spans: list[Span], chunk_size: int) -> None:
        self._spans = spans
        self._chunk_size = chunk_size
        self._small = sum(end - start for start, end in spans) <= 2 * chunk_size
        self._cursor = (0, spans[0][0] if spans else 0)
        self._ahead.clear()

    def _fill_on_loop(self, size: int, offset: int) -> bool:
        """Read ahead from `offset`, where a chunk of `size` bytes is expected, from the
        page cache on the loop; False if nothing was read (then `_fill_in_thread`)."""
        index, at = self._cursor
        spans = self._spans
        if (
            self._ahead  # chunks left before this one: skipped
            or at != offset
            or index >= len(spans)
            or size != min(self._chunk_size, spans[index][1] - at)
        ):
            # NOTE: off the plan (a caller reading on its own): a plan of this one chunk
            self._close_when_read = False
            self._replan([(offset, offset + size)], size)
        if size > LOOP_BYTES:
            return False
        # PERF: the first chunk alone, for the earliest first byte (but in a small
        # plan); then LOOP_BYTES per preadv2: 64 MiB at 64% of a bare 64 KiB pread
        # loop's rate, against 55% a chunk at a time.
        first = self._cursor == (0, self._spans[0][0]) and not self._small
        budget = size if first else LOOP_BYTES
        chunks, self._cursor = _files.read_plan(
            self._fd, self._spans, self._chunk_size, self._cursor, budget, True
        )
        if not chunks:
            return False
        self._ahead.extend(chunks)
        self._close_if_read()
        return True

    async def _fill_in_thread(self) -> None:
        """Read ahead in a worker thread (up to `HOP_BYTES`), from the cursor on."""
        plan = (self._spans, self._chunk_size, self._cursor)
        chunks, self._cursor = await anyio.to_thread.run_sync(self._hop, *plan)
        self._unyielded = 0  # NOTE: the hop was a suspension
        self._ahead.extend(chunks)
        self._close_if_read()

    def _close_if_read(self) -> None:
        if self._cursor[0] >= len(self._spans) and self._close_when_read:
            self._close_if_local()

    def _close_if_local(self) -> None:
        if self._local:
            self._close()

    # --- in worker threads ------------------------------------------------------------

    def _open(
        self, path: str, plan: Callable[[os.stat_result], Plan | None] | None
    ) -> os.stat_result:
        fd, result = _files.open_file(path)
        with self._lock:
            self._fd = fd
            abandoned = self._closing
            self._reading = not abandoned and plan is not None
        if abandoned:
            self._close()
        elif plan is not None:
            finished = False
            try:
                planned = plan(result)
                if planned is not None:
                    self._replan(*planned)
                    chunks, self._cursor = _files.read_plan(
                        fd, *planned, self._cursor, HOP_BYTES, False
                    )
                    self._ahead.extend(chunks)
                    finished = self._cursor[0] >= len(self._spans)
            except Exception:  # NOTE: only a guess: a bad Range or a read error shows later
                self._replan([], 1)
            finally:
                with self._lock:
                    self._reading = False
                    abandoned = self._closing
                if abandoned or finished:
                    self._close()  # NOTE: all of it is in memory: open to close in one hop
        return result

    def _hop(self, spans: list[Span], chunk_size: int, cursor: Span) -> tuple[list[Chunk], Span]:
        with self._lock:
            self._reading = True
            fd = self._fd
        finished = False
        try:
            chunks, cursor = _files.read_plan(fd, spans, chunk_size, cursor, HOP_BYTES, False)
            finished = cursor[0] >= len(spans) and self._close_when_read
            return chunks, cursor
        finally:
            with self._lock:
                self._reading = False
                abandoned = self._closing
            if abandoned or (finished and not self._local):
                self._close()

    def _close(self) -> None:
        with self._lock:
            self._closing = True
            if self._reading:  # the reading thread closes when its read returns
                return
            fd, self._fd = self._fd, -1
        if fd >= 0:
            os.close(fd)


class _Yield:
    """One bare yield to the asyncio loop: `asyncio.sleep(0)` without its two calls."""

    __slots__ = ()

    def __call__(self) -> "_Yield":
        return self

    def __await__(self) -> Generator[None, None, None]:
        yield


_YIELD = _Yield()


def _checkpoint_for_backend() -> Callable[[], Awaitable[None]]:
    """The cheapest cancellation point of the running backend."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:  # trio
        return anyio.lowlevel.checkpoint
    # PERF: 1.5 us against 2.2 us for sleep(0) and 3.3 us for anyio's checkpoint
    # (uvloop); anyio delivers a scope's cancellation at any suspension, this one too.
    return _YIELD
