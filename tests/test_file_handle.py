"""FileHandle: the descriptor is closed exactly once, whatever cancels the response;
and where the work runs: on the loop when nothing can wait for storage, otherwise in as
few worker-thread hops as possible.

Slow kernels (a worker thread that is still opening or reading) are swapped in where
`fastresp._file_handle` binds them; `os.close` is wrapped to count closes, and
`anyio.to_thread.run_sync` to count hops.
"""

import asyncio
import os
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import anyio
import anyio.to_thread
import pytest

import fastresp
import fastresp._file_handle
import fastresp.files
from fastresp._asgi import Message
from fastresp._file_handle import HOP_BYTES, FileHandle
from fastresp._speedups import files as kernels

from file_support import LINUX, fds_to, record, wait_until_closed
from page_cache import ATTEMPTS, evict_path, no_cold_read_seen
from support import call

pytestmark = pytest.mark.anyio

DELAY = 0.1
# Native cancellation (`task.cancel()`) exists on asyncio only.
ASYNCIO_ONLY = pytest.mark.parametrize(
    "anyio_backend",
    [("asyncio", {}), ("asyncio", {"use_uvloop": True})],
    ids=["asyncio", "uvloop"],
)


class Slow:
    """Kernels that sleep in the worker thread, and a log of events in order.

    Nothing is opened or read on the loop: every open and read hops to a thread, as
    on a network filesystem or with a cold page cache.
    """

    def __init__(self, open_delay: float = 0.0, read_delay: float = 0.0) -> None:
        self.open_delay = open_delay
        self.read_delay = read_delay
        self.events: list[str] = []
        self.done = threading.Event()
        # Gates that hold a blocking read until the test lets it go (no timing).
        self.reading = threading.Event()
        self.release: threading.Event | None = None

    def open_file(self, path: str) -> tuple[int, os.stat_result]:
        time.sleep(self.open_delay)
        fd, st = kernels.open_file(path)
        self.events.append("opened")
        return fd, st

    def open_cached(self, path: str) -> None:
        return None

    def read_plan(
        self,
        fd: int,
        spans: list[tuple[int, int]],
        chunk_size: int,
        cursor: tuple[int, int],
        budget: int,
        nowait: bool = False,
    ) -> tuple[list[tuple[int, int, bytes]], tuple[int, int]]:
        if nowait:
            return [], cursor
        self.reading.set()
        if self.release is not None:
            assert self.release.wait(10), "the test never released the read"
        time.sleep(self.read_delay)
        result = kernels.read_plan(fd, spans, chunk_size, cursor, budget)
        self.events.append("read")
        return result


@pytest.fixture
def closes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Every fd `FileHandle` called `os.close` on, from any thread (not the kernels'
    own short-lived descriptors)."""
    seen: list[int] = []
    real_close = os.close

    def close(fd: int) -> None:
        if sys._getframe(1).f_globals["__name__"] == "fastresp._file_handle":
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
    kernels = SimpleNamespace(
        open_file=slow.open_file, open_cached=slow.open_cached, read_plan=slow.read_plan
    )
    monkeypatch.setattr(fastresp._file_handle, "_files", kernels)


async def settle() -> None:
    """Let worker threads that were abandoned finish their call."""
    await anyio.sleep(3 * DELAY)


async def until(condition: Any, timeout: float = 10.0) -> None:
    """Wait, without a fixed delay, for a worker thread to make `condition()` true."""
    with anyio.fail_after(timeout):
        while not condition():
            await anyio.sleep(0.005)


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
    await handle.open(str(path))  # NOTE: outside the scope: a slow machine may take DELAY/4
    with anyio.move_on_after(DELAY / 4) as scope:
        try:
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
    await until(lambda: closes)
    await settle()  # and no second close
    assert slow.events == ["opened"]
    assert len(closes) == 1  # closed by the opening thread itself
    if LINUX:
        assert fds_to(path) == 0


@ASYNCIO_ONLY
async def test_native_cancel_during_read(
    path: Path, closes: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    slow = Slow()
    slow.release = threading.Event()
    use(monkeypatch, slow)

    async def job() -> None:
        handle = FileHandle()
        try:
            await handle.open(str(path))
            await handle.read(10, 0)
        finally:
            await handle.aclose()

    task = asyncio.ensure_future(job())
    await anyio.to_thread.run_sync(slow.reading.wait, 10)  # the read is in its thread
    task.cancel()  # a native cancellation
    with pytest.raises(asyncio.CancelledError):
        await task
    assert closes == []  # never under a read in flight
    slow.release.set()
    await until(lambda: closes)
    assert slow.events == ["opened", "read"]
    assert len(closes) == 1  # closed by the reading thread once its read returned


@ASYNCIO_ONLY
async def test_native_cancel_during_close(
    path: Path, closes: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The task is cancelled again while its close hop is pending: the fd is still
    # closed once, by the thread or by the fallback on the loop.
    use(monkeypatch, Slow())  # opened in a thread, so closed in a thread
    handle = FileHandle()
    await handle.open(str(path))
    task = asyncio.current_task()
    assert task is not None
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await handle.aclose()
    task.uncancel()
    await until(lambda: closes)
    await settle()  # and no second close
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


# --- where the work runs -----------------------------------------------------------------

linux = pytest.mark.skipif(not LINUX, reason="openat2 and RWF_NOWAIT are Linux-only")
CHUNK = 64 * 1024


@pytest.fixture
def hops(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The name of every function run in a worker thread, in order."""
    seen: list[str] = []
    real = anyio.to_thread.run_sync

    async def run_sync(func: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(getattr(func, "__name__", repr(func)))
        return await real(func, *args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", run_sync)
    return seen


def cold(monkeypatch: pytest.MonkeyPatch) -> Slow:
    """Nothing cached: every stat, open and read needs a worker thread."""
    slow = Slow()
    use(monkeypatch, slow)
    files_kernels = SimpleNamespace(stat_cached=lambda path: None, stat_file=kernels.stat_file)
    monkeypatch.setattr(fastresp.files, "_files", files_kernels)
    return slow


def whole_plan(st: os.stat_result) -> tuple[list[tuple[int, int]], int]:
    return [(0, st.st_size)], CHUNK


@linux
async def test_cached_file_is_served_from_the_loop(
    path: Path, closes: list[int], hops: list[str]
) -> None:
    for _ in range(5):  # NOTE: memory pressure may evict the dentry: then a thread opens
        hops.clear()
        os.stat(path)
        handle = FileHandle()
        st = await handle.open(str(path))
        if not hops:
            break
        await handle.aclose()
        closes.clear()
    handle.expect([(0, st.st_size)], 3000)
    parts = [await handle.read(min(3000, 10_000 - at), at) for at in range(0, 10_000, 3000)]
    assert b"".join(parts) == path.read_bytes()
    # Closed (on the loop) as soon as the last planned byte was read.
    assert len(closes) == 1 and not handle.is_open
    await handle.aclose()
    assert hops == []
    assert len(closes) == 1


@linux
async def test_evicted_pages_are_read_in_a_thread(
    tmp_path: Path, closes: list[int], hops: list[str]
) -> None:
    data = os.urandom(3 * HOP_BYTES + 5)
    file = tmp_path / "cold.bin"
    file.write_bytes(data)
    for _ in range(ATTEMPTS):  # NOTE: a miss starts readahead, which may serve the read
        evict_path(file)  # verified, or the test is skipped with the reason
        closes.clear()
        hops.clear()
        handle = FileHandle()
        await handle.open(str(file))
        handle.expect([(0, len(data))], CHUNK)
        parts = [
            await handle.read(min(CHUNK, len(data) - at), at) for at in range(0, len(data), CHUNK)
        ]
        assert b"".join(parts) == data
        assert hops.count("_hop") <= 4  # a MiB a hop; the kernel's readahead may help
        assert set(hops) <= {"_open", "_hop"}  # "_open" only if the dentry was evicted too
        assert len(closes) == 1  # on the loop, after the last read
        await handle.aclose()
        assert len(closes) == 1
        if hops.count("_hop"):
            return
    fd = os.open(file, os.O_RDONLY)
    try:
        no_cold_read_seen(fd)
    finally:
        os.close(fd)


async def test_one_hop_opens_reads_and_closes_a_small_file(
    path: Path, closes: list[int], hops: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    cold(monkeypatch)
    handle = FileHandle()
    st = await handle.open(str(path), whole_plan)
    assert hops == ["_open"]
    assert len(closes) == 1  # all of it read ahead: closed in that same hop
    handle.expect([(0, st.st_size)], CHUNK)
    assert await handle.read(10_000, 0) == path.read_bytes()
    await handle.aclose()
    assert hops == ["_open"]
    assert len(closes) == 1


async def test_hops_read_a_mebibyte_each(
    tmp_path: Path, closes: list[int], hops: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    slow = cold(monkeypatch)
    data = os.urandom(3 * HOP_BYTES + 5)
    file = tmp_path / "big.bin"
    file.write_bytes(data)
    handle = FileHandle()
    await handle.open(str(file), whole_plan)
    handle.expect([(0, len(data))], CHUNK)
    parts = [await handle.read(min(CHUNK, len(data) - at), at) for at in range(0, len(data), CHUNK)]
    assert b"".join(parts) == data
    assert hops == ["_open", "_hop", "_hop", "_hop"]  # 1 MiB, 1 MiB, 1 MiB, 5 bytes
    assert slow.events == ["opened", "read", "read", "read", "read"]
    assert len(closes) == 1  # by the last hop
    await handle.aclose()
    assert len(hops) == 4


async def test_one_hop_reads_many_ranges(
    path: Path, closes: list[int], hops: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    cold(monkeypatch)
    spans = [(i * 200, i * 200 + 10) for i in range(50)]
    handle = FileHandle()
    await handle.open(str(path), lambda st: (spans, CHUNK))
    handle.expect(spans, CHUNK)
    data = path.read_bytes()
    for start, end in spans:
        assert await handle.read(end - start, start) == data[start:end]
    assert hops == ["_open"]
    assert len(closes) == 1


async def test_a_wrong_guess_is_not_served(
    tmp_path: Path, hops: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    cold(monkeypatch)
    data = os.urandom(2 * HOP_BYTES)
    file = tmp_path / "f.bin"
    file.write_bytes(data)
    handle = FileHandle()
    await handle.open(str(file), whole_plan)  # reads ahead the first MiB
    handle.expect([(5, 25)], 10)
    assert await handle.read(10, 5) == data[5:15]
    assert await handle.read(10, 15) == data[15:25]
    assert hops == ["_open", "_hop"]
    await handle.aclose()


async def test_a_wrong_guess_read_in_full_is_an_error(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The guess was read and the file closed in the same hop: nothing else can be read.
    cold(monkeypatch)
    handle = FileHandle()
    await handle.open(str(path), lambda st: ([(0, 100)], 10))
    with pytest.raises(RuntimeError, match="closed once the announced reads were done"):
        handle.expect([(5, 25)], 10)
    await handle.aclose()


async def test_read_ahead_stops_at_the_end_of_the_file(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cold(monkeypatch)
    handle = FileHandle()
    await handle.open(str(path), lambda st: ([(0, 30_000)], 4096))
    handle.expect([(0, 30_000)], 4096)
    sizes = [len(await handle.read(4096, at)) for at in range(0, 12_288, 4096)]
    assert sizes == [4096, 4096, 10_000 - 8192]  # short: the file ended
    await handle.aclose()


async def test_a_read_after_the_bound_is_a_cancellation_point(
    path: Path, small_yield_bound: int
) -> None:
    assert small_yield_bound == 1000  # a chunk here
    handle = FileHandle()
    await handle.open(str(path))
    handle.expect([(0, 10_000)], 1000)
    try:
        with anyio.CancelScope() as scope:
            scope.cancel()
            first = await handle.read(1000, 0)  # nothing read yet: goes on
            await handle.read(1000, 1000)
        assert first == path.read_bytes()[:1000]
        assert scope.cancelled_caught
        # Many small parts: one cancellation point per bound's worth of them.
        handle.expect([(i * 10, i * 10 + 5) for i in range(600)], 1000)
        reads = 0
        with anyio.CancelScope() as scope:
            scope.cancel()
            for i in range(600):
                await handle.read(5, i * 10)
                reads += 1
        assert reads == 200  # 1000 bytes in 5-byte parts
    finally:
        await handle.aclose()
    # A small plan, two chunks' worth at most, is read without a suspension.
    handle = FileHandle()
    await handle.open(str(path))
    handle.expect([(0, 1000), (5000, 6000)], 1000)
    assert handle.small
    try:
        with anyio.CancelScope() as scope:
            scope.cancel()
            assert await handle.read(1000, 0) + await handle.read(1000, 5000) == (
                path.read_bytes()[:1000] + path.read_bytes()[5000:6000]
            )
        assert not scope.cancelled_caught
    finally:
        await handle.aclose()


async def test_take_is_read_without_a_suspension(
    path: Path, small_yield_bound: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = path.read_bytes()
    handle = FileHandle()
    await handle.open(str(path))
    handle.expect([(0, 10_000)], 1000)
    try:
        # Each chunk as read() gives it; None (nothing consumed) where read() would be a
        # cancellation point: every 1,000 bytes here.
        assert handle.take(1000, 0) == data[:1000]
        assert handle.take(1000, 1000) is None
        with anyio.CancelScope() as scope:
            scope.cancel()
            await handle.read(1000, 1000)
        assert scope.cancelled_caught
        assert await handle.read(1000, 1000) == data[1000:2000]
        assert handle.take(1000, 2000) is None
        assert await handle.read(1000, 2000) == data[2000:3000]
        # No cancellation point due: the rest, chunk by chunk.
        monkeypatch.setattr(fastresp._file_handle, "YIELD_BYTES", 1 << 30)
        rest = [handle.take(1000, at) for at in range(3000, 10_000, 1000)]
        assert b"".join(chunk or b"?" for chunk in rest) == data[3000:]
        assert handle.take(0, 10_000) == b""
    finally:
        await handle.aclose()
    # Nothing on the loop (a cold page cache): None, and read() hops to a thread.
    slow = Slow()
    use(monkeypatch, slow)
    handle = FileHandle()
    await handle.open(str(path))
    handle.expect([(0, 10_000)], 1000)
    try:
        assert handle.take(1000, 0) is None
        assert await handle.read(1000, 0) == data[:1000]
        assert handle.take(1000, 1000) == data[1000:2000]  # read ahead by that hop
    finally:
        await handle.aclose()


@linux
@pytest.mark.parametrize(
    ("size", "range_value", "method"),
    [
        (4096, None, "GET"),
        (4096, None, "HEAD"),
        (10 * CHUNK + 7, None, "GET"),
        (1 << 20, "bytes=1000-99999", "GET"),
        (
            1 << 20,
            "bytes=" + ",".join(f"{i * 20_000}-{i * 20_000 + 1023}" for i in range(50)),
            "GET",
        ),
    ],
)
async def test_cached_responses_need_no_thread(
    tmp_path: Path, hops: list[str], size: int, range_value: str | None, method: str
) -> None:
    file = tmp_path / "f.bin"
    file.write_bytes(os.urandom(size))
    headers = [] if range_value is None else [(b"range", range_value.encode())]
    for _ in range(5):  # NOTE: memory pressure may evict the dentry: then a thread opens
        hops.clear()
        os.stat(file)
        ex = await call(fastresp.FileResponse(file), headers=headers, method=method)
        assert ex.complete
        if not hops:
            break
    assert hops == []
    assert fds_to(file) == 0


@pytest.mark.parametrize(
    ("range_value", "method", "expected"),
    [
        (None, "GET", ["_open"]),  # stat, open, read and close in one hop
        (None, "HEAD", ["stat_file"]),
        ("bytes=10-19", "GET", ["_open"]),
        ("bytes=10-19,30-39", "GET", ["_open"]),
        ("bytes=99999-", "GET", ["_open", "_close"]),  # a 416: nothing to read
    ],
)
async def test_uncached_small_file_needs_one_hop(
    path: Path,
    hops: list[str],
    monkeypatch: pytest.MonkeyPatch,
    range_value: str | None,
    method: str,
    expected: list[str],
) -> None:
    cold(monkeypatch)
    headers = [] if range_value is None else [(b"range", range_value.encode())]
    ex = await call(fastresp.FileResponse(path), headers=headers, method=method)
    assert ex.complete
    assert hops == expected


@linux
async def test_descriptor_closed_before_the_last_message(tmp_path: Path) -> None:
    # Opened on the loop: closed as soon as the last byte is read, before it is sent.
    file = tmp_path / "f.bin"
    file.write_bytes(os.urandom(3 * CHUNK + 10))
    open_at_send: list[int] = []

    def check(message: Message) -> None:
        open_at_send.append(fds_to(file))

    for _ in range(5):  # NOTE: memory pressure may evict the dentry: then a thread opens
        open_at_send.clear()
        os.stat(file)
        await record(fastresp.FileResponse(file), [], on_message=check)
        if open_at_send[-1] == 0:
            break
    assert open_at_send[0] == 1  # the start message
    assert open_at_send[-1] == 0


async def test_bodies_are_never_reused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A server may keep every body until it is written: each must be its own bytes.
    data = os.urandom(3 * HOP_BYTES + 12_345)
    file = tmp_path / "f.bin"
    file.write_bytes(data)
    for cached in (True, False):
        if not cached:
            cold(monkeypatch)
        log: list[Message] = []
        await record(fastresp.FileResponse(file), log)
        bodies = [m["body"] for m in log[1:]]
        assert all(type(b) is bytes for b in bodies)
        assert b"".join(bodies) == data  # after the response ended: nothing overwritten
        assert len({id(b) for b in bodies if b}) == len([b for b in bodies if b])


MEMORY_SCRIPT = """
import asyncio, os, sys
import fastresp


def peak_kib():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))


async def serve(path):
    sent = 0

    async def receive():
        await asyncio.Event().wait()

    async def send(message):
        nonlocal sent
        sent += len(message.get("body", b""))

    scope = {"type": "http", "asgi": {"spec_version": "2.3"}, "method": "GET", "headers": []}
    await fastresp.FileResponse(path)(scope, receive, send)
    return sent


class Cold:  # the kernels, but nothing is read on the loop: every read is a 1 MiB hop

    def __init__(self, kernels):
        self.kernels = kernels

    def __getattr__(self, name):
        return getattr(self.kernels, name)

    def read_plan(self, fd, spans, chunk_size, cursor, budget, nowait=False):
        if nowait:
            return [], cursor
        return self.kernels.read_plan(fd, spans, chunk_size, cursor, budget)


async def main(big, warm):
    import fastresp._file_handle

    assert await serve(warm) == os.path.getsize(warm)  # threads, buffers: warmed up
    base = peak_kib()
    assert await serve(big) == os.path.getsize(big)  # holes: read on the loop
    on_loop = peak_kib() - base
    fastresp._file_handle._files = Cold(fastresp._file_handle._files)
    assert await serve(warm) == os.path.getsize(warm)
    base = peak_kib()
    assert await serve(big) == os.path.getsize(big)
    print(max(on_loop, peak_kib() - base))


asyncio.run(main(*sys.argv[1:]))
"""


@linux
def test_memory_stays_flat(tmp_path: Path) -> None:
    # 1 GiB of holes (ext4 and tmpfs serve them without waiting: read on the loop),
    # then again with every read in a worker thread (1 MiB of read-ahead a hop).
    big = tmp_path / "sparse.bin"
    with open(big, "wb") as file:
        file.truncate(1 << 30)
    warm = tmp_path / "warm.bin"
    warm.write_bytes(os.urandom(4 * HOP_BYTES))
    evict_path(warm)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    out = subprocess.run(
        [sys.executable, "-c", MEMORY_SCRIPT, str(big), str(warm)],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=True,
    )
    growth_kib = int(out.stdout)
    assert growth_kib < 4 * 1024  # a few MiB at most, for a 1 GiB body
