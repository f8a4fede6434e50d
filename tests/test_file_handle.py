"""FileHandle: the descriptor is closed exactly once, whatever cancels the response.

Slow kernels (a worker thread that is still opening or reading) are swapped in where
`fastresp._file_handle` binds them; `os.close` is wrapped to count closes.
"""

import asyncio
import os
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import anyio
import pytest

import fastresp
import fastresp._file_handle
from fastresp._file_handle import FileHandle
from fastresp._speedups import files as kernels

from file_support import LINUX, fds_to, record, wait_until_closed

pytestmark = pytest.mark.anyio

DELAY = 0.1
# Native cancellation (`task.cancel()`) exists on asyncio only.
ASYNCIO_ONLY = pytest.mark.parametrize(
    "anyio_backend",
    [("asyncio", {}), ("asyncio", {"use_uvloop": True})],
    ids=["asyncio", "uvloop"],
)


class Slow:
    """Kernels that sleep in the worker thread, and a log of events in order."""

    def __init__(self, open_delay: float = 0.0, read_delay: float = 0.0) -> None:
        self.open_delay = open_delay
        self.read_delay = read_delay
        self.events: list[str] = []
        self.done = threading.Event()

    def open_file(self, path: str) -> tuple[int, os.stat_result]:
        time.sleep(self.open_delay)
        fd, st = kernels.open_file(path)
        self.events.append("opened")
        return fd, st

    def read_at(self, fd: int, size: int, offset: int) -> bytes:
        time.sleep(self.read_delay)
        data = kernels.read_at(fd, size, offset)
        self.events.append("read")
        return data


@pytest.fixture
def closes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Every fd `os.close` was called on, from any thread."""
    seen: list[int] = []
    real_close = os.close

    def close(fd: int) -> None:
        seen.append(fd)
        real_close(fd)

    monkeypatch.setattr(os, "close", close)
    return seen


@pytest.fixture
def path(tmp_path: Path) -> Path:
    file = tmp_path / "f.bin"
    file.write_bytes(b"0123456789" * 1000)
    return file


def use(monkeypatch: pytest.MonkeyPatch, slow: Slow) -> None:
    monkeypatch.setattr(
        fastresp._file_handle,
        "_files",
        SimpleNamespace(open_file=slow.open_file, read_at=slow.read_at),
    )


async def settle() -> None:
    """Let worker threads that were abandoned finish their call."""
    await anyio.sleep(3 * DELAY)


async def test_open_read_close(path: Path, closes: list[int]) -> None:
    handle = FileHandle()
    assert not handle.is_open
    st = await handle.open(str(path))
    assert handle.is_open and st.st_size == 10_000
    assert await handle.read(5, 3) == b"34567"
    assert await handle.read(100, 9_998) == b"89"
    assert await handle.read(100, 20_000) == b""
    await handle.aclose()
    await handle.aclose()
    assert not handle.is_open
    assert len(closes) == 1


async def test_close_without_open(closes: list[int]) -> None:
    await FileHandle().aclose()
    assert closes == []


async def test_anyio_cancel_during_read(
    path: Path, closes: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    slow = Slow(read_delay=DELAY)
    use(monkeypatch, slow)
    handle = FileHandle()
    with anyio.move_on_after(DELAY / 4) as scope:
        try:
            await handle.open(str(path))
            await handle.read(10, 0)
        finally:
            await handle.aclose()
    assert scope.cancel_called
    # anyio does not abandon the thread: the read finished before the close.
    assert slow.events == ["opened", "read"]
    assert len(closes) == 1


@ASYNCIO_ONLY
async def test_native_cancel_during_open(
    path: Path, closes: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    slow = Slow(open_delay=DELAY)
    use(monkeypatch, slow)

    async def job() -> None:
        handle = FileHandle()
        try:
            await handle.open(str(path))
        finally:
            await handle.aclose()

    with pytest.raises(TimeoutError):
        await asyncio.wait_for(job(), DELAY / 4)  # a native task.cancel()
    assert closes == []  # the thread is still opening
    await settle()
    assert slow.events == ["opened"]
    assert len(closes) == 1  # closed by the opening thread itself
    if LINUX:
        assert fds_to(path) == 0


@ASYNCIO_ONLY
async def test_native_cancel_during_read(
    path: Path, closes: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    slow = Slow(read_delay=DELAY)
    use(monkeypatch, slow)

    async def job() -> None:
        handle = FileHandle()
        try:
            await handle.open(str(path))
            await handle.read(10, 0)
        finally:
            await handle.aclose()

    with pytest.raises(TimeoutError):
        await asyncio.wait_for(job(), DELAY / 2)
    assert closes == []  # never under a read in flight
    await settle()
    assert slow.events == ["opened", "read"]
    assert len(closes) == 1  # closed by the reading thread once its read returned


@ASYNCIO_ONLY
async def test_native_cancel_during_close(
    path: Path, closes: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The task is cancelled again while its close hop is pending: the fd is still
    # closed once, by the thread or by the fallback on the loop.
    handle = FileHandle()
    await handle.open(str(path))
    task = asyncio.current_task()
    assert task is not None
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await handle.aclose()
    task.uncancel()
    await settle()
    assert len(closes) == 1


@ASYNCIO_ONLY
async def test_response_cancelled_natively_mid_read(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    slow = Slow(read_delay=DELAY)
    use(monkeypatch, slow)
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(record(fastresp.FileResponse(path), []), DELAY / 2)
    if LINUX:
        assert wait_until_closed(path) == 0
