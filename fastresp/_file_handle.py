"""`FileHandle`: one response's file descriptor, used from worker threads, closed once.

anyio's shield stops anyio cancellation, but not a native asyncio `task.cancel()`
(`asyncio.timeout`, `wait_for`, the disconnect watcher in `_asgi`): the awaiting task
moves on while its worker thread is still opening or reading. So:

- a thread that finishes opening after the response gave up closes what it opened;
- a close requested while a read is in flight is left to that read's thread, so a
  descriptor is never closed under a read (whose number could then be reused);
- whichever side closes claims the descriptor under a lock: exactly one `os.close`.
"""

import os
import threading

import anyio
import anyio.to_thread

from ._speedups import files as _files

__all__ = ["FileHandle"]


class FileHandle:
    """Open, read and close one regular file; safe against cancellation at any await."""

    __slots__ = ("_closing", "_fd", "_lock", "_reading")

    def __init__(self) -> None:
        self._fd = -1
        self._closing = False
        self._reading = False
        self._lock = threading.Lock()

    @property
    def is_open(self) -> bool:
        return self._fd >= 0

    async def open(self, path: str) -> os.stat_result:
        """Open `path` in a worker thread; the fstat of the opened descriptor."""
        return await anyio.to_thread.run_sync(self._open, path)

    async def read(self, size: int, offset: int) -> bytes:
        """`size` bytes at `offset` (fewer only at end of file), read in a worker thread."""
        return await anyio.to_thread.run_sync(self._read, size, offset)

    async def aclose(self) -> None:
        """Close the descriptor (if any); finishes even when the caller is cancelled."""
        with self._lock:
            self._closing = True  # an open still running in a thread closes its own fd
            if self._fd < 0 and not self._reading:
                return
        try:
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(self._close)
        finally:
            self._close()  # a no-op unless a native cancel cut the hop short

    def _open(self, path: str) -> os.stat_result:
        fd, result = _files.open_file(path)
        with self._lock:
            self._fd = fd
            abandoned = self._closing
        if abandoned:
            self._close()
        return result

    def _read(self, size: int, offset: int) -> bytes:
        with self._lock:
            self._reading = True
            fd = self._fd
        try:
            return _files.read_at(fd, size, offset)
        finally:
            with self._lock:
                self._reading = False
                abandoned = self._closing
            if abandoned:
                self._close()

    def _close(self) -> None:
        with self._lock:
            self._closing = True
            if self._reading:  # the reading thread closes when its read returns
                return
            fd, self._fd = self._fd, -1
        if fd >= 0:
            os.close(fd)
