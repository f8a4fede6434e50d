"""Long file bodies: cancellation points spaced by bytes, not one per chunk, and still
prompt. The first `EARLY_YIELDS` come a chunk apart, then `YIELD_BYTES` apart; a
cancelled or disconnected response stops within that bound, its descriptor closed,
even when `send` never suspends (a fast client, nothing buffered).
"""

import asyncio
import itertools
import os
from pathlib import Path

import anyio
import pytest

import fastresp
from fastresp._asgi import Message
from fastresp._file_handle import EARLY_YIELDS, YIELD_BYTES, FileHandle

from file_support import LINUX, fds_to
from support import call, make_scope

pytestmark = pytest.mark.anyio

CHUNK = 64 * 1024
SIZE = 16 * 1024 * 1024  # 256 chunks
BOUND = YIELD_BYTES // CHUNK  # chunks between two late cancellation points


@pytest.fixture(scope="module")
def long_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("yields") / "long.bin"
    path.write_bytes(os.urandom(SIZE))
    return path


def expected_yields(chunks: int) -> list[int]:
    """The chunk indexes read right after a cancellation point."""
    points: list[int] = []
    gap, unyielded = CHUNK, 0
    for index in range(chunks):
        if unyielded >= gap:
            points.append(index)
            unyielded = 0
            if len(points) >= EARLY_YIELDS:
                gap = YIELD_BYTES
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
    assert points[:EARLY_YIELDS] == [1, 2, 3]  # a client leaving at once: noticed soon
    gaps = [b - a for a, b in itertools.pairwise(points)]
    assert gaps[EARLY_YIELDS - 1 :] == [BOUND] * (len(points) - EARLY_YIELDS)
    assert len(points) < 24  # not one per chunk (255)


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
    # At most one gap of YIELD_BYTES past the cancellation (a chunk early on).
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
    # ASGI spec 2.3: the watch on receive() sees the disconnect when the body suspends
    # next, and the body stops at the suspension after that: two gaps at most.
    ex = await call(fastresp.FileResponse(long_file), disconnect_after=after)
    assert not ex.complete
    assert after <= len(ex.messages) <= after + 2 * BOUND
    if LINUX:
        assert fds_to(long_file) == 0
