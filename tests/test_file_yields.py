"""Long file bodies: cancellation points spaced by bytes, not one per chunk, and still
prompt. They come `YIELD_BYTES` apart; a cancelled or disconnected response stops
within that bound (two of them under ASGI 2.3, whose disconnect watch starts at the
first), its descriptor closed, even when `send` never suspends (a fast client,
nothing buffered).
"""

import asyncio
import itertools
import os
from pathlib import Path

import anyio
import pytest

import fastresp
import fastresp.files
from fastresp._asgi import Message
from fastresp._file_handle import YIELD_BYTES, FileHandle

from file_support import LINUX, fds_to
from support import call, make_scope

pytestmark = pytest.mark.anyio

CHUNK = 64 * 1024
SIZE = 16 * 1024 * 1024  # 256 chunks
BOUND = YIELD_BYTES // CHUNK  # chunks between two cancellation points


@pytest.fixture(scope="module")
def long_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("yields") / "long.bin"
    path.write_bytes(os.urandom(SIZE))
    return path


def expected_yields(chunks: int) -> list[int]:
    """The chunk indexes read right after a cancellation point."""
    points: list[int] = []
    unyielded = 0
    for index in range(chunks):
        if unyielded >= YIELD_BYTES:
            points.append(index)
            unyielded = 0
        unyielded += CHUNK
    return points


async def test_cancellation_points_are_spaced_by_bytes(long_file: Path) -> None:
    handle = FileHandle()
    await handle.open(str(long_file))
    handle.expect([(0, SIZE)], CHUNK)
    points: list[int] = []
    index = 0
    real = handle._checkpoint

    async def counted() -> None:
        points.append(index)
        await real()

    handle._checkpoint = counted
    try:
        for index in range(SIZE // CHUNK):
            assert len(await handle.read(CHUNK, index * CHUNK)) == CHUNK
    finally:
        await handle.aclose()
    assert points == expected_yields(SIZE // CHUNK)
    assert points[0] == BOUND  # none in a body of up to 1 MiB (a 64 KiB chunk each)
    gaps = [b - a for a, b in itertools.pairwise(points)]
    assert gaps == [BOUND] * (len(points) - 1)
    assert len(points) == SIZE // YIELD_BYTES - 1  # not one per chunk (255)


def endless_send(log: list[Message], after: int, stop: anyio.CancelScope) -> object:
    """A `send` that never suspends, and cancels `stop` once `after` messages went out."""

    async def send(message: Message) -> None:
        log.append(message)
        if len(log) == after:
            stop.cancel()

    return send


async def never_receive() -> Message:
    await anyio.sleep_forever()
    raise AssertionError


@pytest.mark.parametrize("spec", ["2.3", "2.4"])
@pytest.mark.parametrize("after", [3, 40, 100])
async def test_a_long_file_is_cancelled_within_the_bound(
    long_file: Path, spec: str, after: int
) -> None:
    log: list[Message] = []
    with anyio.CancelScope() as scope:
        send = endless_send(log, after, scope)
        await fastresp.FileResponse(long_file)(make_scope(spec_version=spec), never_receive, send)
    assert scope.cancelled_caught
    assert log[-1]["more_body"]  # never reported complete
    # At most one gap of YIELD_BYTES past the cancellation.
    assert after <= len(log) <= after + BOUND
    if LINUX:
        assert fds_to(long_file) == 0


@pytest.mark.parametrize("anyio_backend", [("asyncio", {"use_uvloop": True})], ids=["uvloop"])
async def test_a_long_file_is_cancelled_natively_within_the_bound(long_file: Path) -> None:
    log: list[Message] = []
    task: asyncio.Task[None] | None = None

    async def send(message: Message) -> None:
        log.append(message)
        if len(log) == 40:
            assert task is not None
            task.cancel()

    scope = make_scope(spec_version="2.4")
    task = asyncio.create_task(fastresp.FileResponse(long_file)(scope, never_receive, send))
    with pytest.raises(asyncio.CancelledError):
        await task
    assert 40 <= len(log) <= 40 + BOUND
    if LINUX:
        assert fds_to(long_file) == 0


@pytest.mark.parametrize("after", [2, 40, 100])
async def test_a_long_file_notices_a_disconnect_within_the_bound(
    long_file: Path, after: int
) -> None:
    # ASGI spec 2.3: the watch on receive() starts at the first cancellation point, this
    # driver's receive() sees the disconnect at the next (an anyio Event's wait() is a
    # checkpoint even once set), and the body stops at the one after: three gaps at most.
    ex = await call(fastresp.FileResponse(long_file), disconnect_after=after)
    assert not ex.complete
    assert after <= len(ex.messages) <= after + 3 * BOUND
    if LINUX:
        assert fds_to(long_file) == 0


async def test_a_body_sent_before_its_first_cancellation_point_is_not_watched(
    tmp_path: Path, anyio_backend: tuple[str, dict[str, object]]
) -> None:
    # ASGI spec 2.3, a send that suspends at every message (a server's socket buffer
    # filling up): 8 chunks, less than YIELD_BYTES, end before the watch would start
    # on asyncio (fastresp._asgi.LateWatch); trio's starts at once.
    path = tmp_path / "eight.bin"
    path.write_bytes(os.urandom(8 * CHUNK))
    received: list[Message] = []
    sent: list[Message] = []

    async def receive() -> Message:
        received.append({})
        await anyio.sleep_forever()
        raise AssertionError("unreachable")

    async def send(message: Message) -> None:
        sent.append(message)
        await anyio.sleep(0)

    await fastresp.FileResponse(path)(make_scope(), receive, send)
    assert b"".join(m.get("body", b"") for m in sent) == path.read_bytes()
    assert sent[-1]["more_body"] is False
    assert len(received) == (0 if anyio_backend[0] == "asyncio" else 1)
    if LINUX:
        assert fds_to(path) == 0


async def test_a_send_that_waits_for_a_client_that_left_is_watched_after_a_while(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A spec 2.3 server whose send() waits on a gone client until cancelled, and reports
    # the disconnect through receive() only: the watch starts WATCH_AFTER seconds in.
    monkeypatch.setattr(fastresp.files, "WATCH_AFTER", 0.05)
    path = tmp_path / "eight.bin"
    path.write_bytes(os.urandom(8 * CHUNK))
    sent: list[Message] = []
    requests = iter([{"type": "http.request", "body": b"", "more_body": False}])

    async def receive() -> Message:
        return next(requests, {"type": "http.disconnect"})

    async def send(message: Message) -> None:
        sent.append(message)
        if len(sent) == 3:
            await anyio.sleep_forever()

    with anyio.fail_after(10):
        await fastresp.FileResponse(path)(make_scope(), receive, send)
    assert len(sent) == 3
    if LINUX:
        assert fds_to(path) == 0
