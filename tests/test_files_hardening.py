"""FileResponse when the file on disk is hostile or changes between stat and send.

Issue 4, "Files": non-regular files swapped in, descriptors, 64-bit lengths, symlinks,
and statuses that carry no body (fastresp/files.py, difference 10). Each scenario runs
on the active path (the suite runs again with FASTRESP_NO_EXTENSIONS=1).
"""

import errno
import os
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import anyio
import pytest
import starlette.responses

import fastresp
import fastresp._speedups
from fastresp._asgi import Message

from file_support import LINUX, body, fds_to, record, start, stat_headers
from support import call

pytestmark = pytest.mark.anyio

SIZE = 200_000
PATHSEND: dict[str, Any] = {"http.response.pathsend": {}}
needs_proc = pytest.mark.skipif(not LINUX, reason="reads /proc/self/fd")
needs_dev_zero = pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")


@pytest.fixture
def big(tmp_path: Path) -> Path:
    path = tmp_path / "big.bin"
    path.write_bytes(os.urandom(SIZE))
    return path


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.fixture
def cold_open(monkeypatch: pytest.MonkeyPatch) -> Callable[[os.stat_result], None]:
    """Open in a worker thread (no cached open), with `stat_file` answering `stale`:
    the file looked like `stale` when stat'ed, then something else was swapped in."""
    kernels = fastresp._speedups.files

    def use(stale: os.stat_result) -> None:
        monkeypatch.setattr(kernels, "open_cached", lambda path: None)
        monkeypatch.setattr(kernels, "stat_file", lambda path: stale)

    return use


# --- non-regular files: never opened blocking, never streamed ------------------------------


@needs_dev_zero
@pytest.mark.parametrize("method", ["GET", "HEAD"])
@pytest.mark.parametrize("extensions", [{}, PATHSEND])
async def test_dev_zero_is_refused(method: str, extensions: dict[str, Any]) -> None:
    log: list[Message] = []
    with pytest.raises(RuntimeError, match=r"^File at path /dev/zero is not a file\.$"):
        await record(fastresp.FileResponse("/dev/zero"), log, method=method, extensions=extensions)
    assert log == []


@needs_dev_zero
@pytest.mark.parametrize("range_value", [None, b"bytes=0-9", b"bytes=0-0,5-9"])
async def test_dev_zero_with_a_regular_stat_result_is_never_streamed(
    big: Path, tmp_path: Path, range_value: bytes | None
) -> None:
    link = tmp_path / "zero"
    link.symlink_to("/dev/zero")
    headers = [] if range_value is None else [(b"range", range_value)]
    for path in ("/dev/zero", link):
        log: list[Message] = []
        response = fastresp.FileResponse(path, stat_result=os.stat(big))
        with anyio.fail_after(5), pytest.raises(RuntimeError, match="is not a file"):
            await record(response, log, headers=headers)
        assert log == []


@needs_dev_zero
async def test_device_swapped_in_after_the_stat_is_refused(
    big: Path, tmp_path: Path, cold_open: Callable[[os.stat_result], None]
) -> None:
    link = tmp_path / "swapped"
    link.symlink_to("/dev/zero")
    cold_open(os.stat(big))
    log: list[Message] = []
    with anyio.fail_after(5), pytest.raises(RuntimeError, match="is not a file"):
        await record(fastresp.FileResponse(link), log)
    assert log == []


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
async def test_fifo_swapped_in_after_the_stat_neither_blocks_nor_streams(
    big: Path, tmp_path: Path, cold_open: Callable[[os.stat_result], None]
) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    cold_open(os.stat(big))
    before = open_fds() if LINUX else 0
    log: list[Message] = []
    # NOTE: without O_NONBLOCK the open would wait for a writer, forever.
    with anyio.fail_after(5), pytest.raises(RuntimeError, match="is not a file"):
        await record(fastresp.FileResponse(fifo), log)
    assert log == []
    if LINUX:
        assert open_fds() == before


@pytest.mark.skipif(not hasattr(os, "O_NONBLOCK"), reason="POSIX open flags")
async def test_opened_nonblocking_then_read_blocking(
    big: Path, monkeypatch: pytest.MonkeyPatch, cold_open: Callable[[os.stat_result], None]
) -> None:
    cold_open(os.stat(big))
    flags: list[int] = []
    blocking: list[bool] = []
    real_open, real_fstat = os.open, os.fstat

    def spy_open(path: Any, flag: int, *args: Any, **kwargs: Any) -> int:
        flags.append(flag)
        return real_open(path, flag, *args, **kwargs)

    def spy_fstat(fd: int) -> os.stat_result:
        blocking.append(os.get_blocking(fd))
        return real_fstat(fd)

    monkeypatch.setattr(os, "open", spy_open)
    monkeypatch.setattr(os, "fstat", spy_fstat)
    ex = await call(fastresp.FileResponse(big))
    assert ex.body == big.read_bytes()
    assert flags and all(flag & os.O_NONBLOCK for flag in flags)
    assert blocking == [False]  # the fstat sees the fd as opened: non-blocking


async def test_headers_come_from_the_descriptor_read(
    big: Path, tmp_path: Path, cold_open: Callable[[os.stat_result], None]
) -> None:
    # The path was a 3-byte file when stat'ed; the fstat of what was opened counts.
    other = tmp_path / "other"
    other.write_bytes(b"abc")
    cold_open(os.stat(other))
    ex = await call(fastresp.FileResponse(big))
    assert ex.messages == [start(200, headers_for(big)), *whole_body(big.read_bytes())]


def headers_for(path: Path) -> list[tuple[bytes, bytes]]:
    return [
        (b"content-type", b"application/octet-stream"),
        (b"accept-ranges", b"bytes"),
        *stat_headers(path),
    ]


def whole_body(data: bytes) -> list[Message]:
    chunk = 64 * 1024
    cuts = list(range(0, len(data), chunk))
    return [body(data[i : i + chunk], i != cuts[-1]) for i in cuts]


# --- 64-bit lengths and offsets (a sparse 6 GiB file) ---------------------------------------

GIB = 1024**3


@pytest.fixture(scope="module")
def sparse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sparse") / "sparse.bin"
    with open(path, "wb") as file:
        file.truncate(6 * GIB)
        file.seek(4 * GIB - 4)
        file.write(b"acrossfour")  # 4 bytes before the 4 GiB mark, 6 after
    return path


async def test_head_of_a_file_past_4_gib(flavour: SimpleNamespace, sparse: Path) -> None:
    ex = await call(flavour.FileResponse(sparse), method="HEAD")
    assert ex.header(b"content-length") == str(6 * GIB).encode() == b"6442450944"


@pytest.mark.parametrize("method", ["GET", "HEAD"])
async def test_range_across_the_4_gib_mark(
    flavour: SimpleNamespace, sparse: Path, method: str
) -> None:
    at = 4 * GIB - 4
    ex = await call(
        flavour.FileResponse(sparse),
        headers=[(b"range", b"bytes=%d-%d" % (at, at + 9))],
        method=method,
    )
    assert ex.status == 206
    assert ex.header(b"content-range") == b"bytes 4294967292-4294967301/6442450944"
    assert ex.header(b"content-length") == b"10"
    assert ex.body == (b"acrossfour" if method == "GET" else b"")


async def test_multipart_past_4_gib_is_exactly_as_long_as_announced(
    flavour: SimpleNamespace, sparse: Path
) -> None:
    at = 4 * GIB - 4
    value = b"bytes=0-1,%d-%d,%d-%d,-3" % (at, at + 3, 5 * GIB, 5 * GIB + 9)
    ex = await call(flavour.FileResponse(sparse), headers=[(b"range", value)])
    assert ex.status == 206
    assert int(ex.header(b"content-length") or 0) == len(ex.body)
    assert b"Content-Range: bytes 4294967292-4294967295/6442450944\r\n\r\nacro\r\n" in ex.body
    assert b"Content-Range: bytes 6442450941-6442450943/6442450944\r\n" in ex.body


# --- descriptors: closed on every way out ------------------------------------------------


async def cancelled_mid_body(response: Any, log: list[Message]) -> None:
    with anyio.CancelScope() as scope:

        def cancel(message: Message) -> None:
            if len(log) == 2:
                scope.cancel()

        await record(response, log, on_message=cancel)


async def failing_send(response: Any, log: list[Message]) -> None:
    def fail(message: Message) -> None:
        if len(log) == 2:
            raise OSError("client went away")

    with pytest.raises(OSError, match="went away"):
        await record(response, log, on_message=fail)


async def truncated(response: Any, log: list[Message]) -> None:
    def cut(message: Message) -> None:
        if len(log) == 1:
            os.truncate(response.path, 1000)

    with pytest.raises(RuntimeError, match="shorter than expected"):
        await record(response, log, on_message=cut)


async def disconnected(response: Any, log: list[Message]) -> None:
    await record(response, log, receive_disconnect=True)


async def succeeded(response: Any, log: list[Message]) -> None:
    await record(response, log, headers=[(b"range", b"bytes=0-99999,150000-")])


@needs_proc
@pytest.mark.parametrize(
    "scenario", [succeeded, cancelled_mid_body, failing_send, truncated, disconnected]
)
@pytest.mark.parametrize("given_stat", [False, True])
async def test_no_descriptor_left_open(
    big: Path, scenario: Callable[[Any, list[Message]], Any], given_stat: bool
) -> None:
    class Small(fastresp.FileResponse):
        chunk_size = 4096  # many chunks: every scenario stops mid-body

    before = open_fds()
    for _ in range(20):
        big.write_bytes(os.urandom(SIZE))
        response = Small(big, stat_result=os.stat(big) if given_stat else None)
        await scenario(response, [])
    with anyio.move_on_after(5):  # NOTE: a worker thread may still be closing
        while fds_to(big):
            await anyio.sleep(0.005)
    assert fds_to(big) == 0
    assert open_fds() == before


# --- symlinks and directories: Starlette's errors, raised before anything is sent -------------


@pytest.mark.parametrize("method", ["GET", "HEAD"])
async def test_symlink_to_a_file_is_served(
    flavour: SimpleNamespace, big: Path, tmp_path: Path, method: str
) -> None:
    link = tmp_path / "link"
    link.symlink_to(big.name)
    ex = await call(flavour.FileResponse(link), method=method)
    assert ex.headers == headers_for(big)  # the target's stat
    assert ex.body == (big.read_bytes() if method == "GET" else b"")


def link_to(kind: str, tmp_path: Path) -> tuple[Path, type[BaseException], str]:
    """A path of `kind`, the error it raises and the message that error must match."""
    path = tmp_path / kind
    if kind == "dangling":
        path.symlink_to("nowhere")
        return path, RuntimeError, rf"^File at path {path} does not exist\.$"
    if kind == "loop":
        path.symlink_to("loop2")
        (tmp_path / "loop2").symlink_to(kind)
        return path, OSError, rf"^\[Errno {errno.ELOOP}\] .*: '{path}'$"
    if kind == "directory":
        path.mkdir()
    else:  # a link to a directory
        (tmp_path / "dir").mkdir()
        path.symlink_to("dir")
    return path, RuntimeError, rf"^File at path {path} is not a file\.$"


@pytest.mark.parametrize("kind", ["dangling", "loop", "directory", "dirlink"])
@pytest.mark.parametrize("method", ["GET", "HEAD"])
@pytest.mark.parametrize("extensions", [{}, PATHSEND])
async def test_unservable_paths_raise_clearly_before_the_start(
    flavour: SimpleNamespace, tmp_path: Path, kind: str, method: str, extensions: dict[str, Any]
) -> None:
    path, error, message = link_to(kind, tmp_path)
    log: list[Message] = []
    with pytest.raises(error, match=message):
        await record(flavour.FileResponse(path), log, method=method, extensions=extensions)
    assert log == []


# --- 10. no body for 1xx, 204 and 304 -------------------------------------------------------


@pytest.mark.parametrize("status", [100, 103, 204, 304])
@pytest.mark.parametrize("method", ["GET", "HEAD"])
@pytest.mark.parametrize("extensions", [{}, PATHSEND])
async def test_difference_10_no_body_and_the_file_is_not_read(
    big: Path, status: int, method: str, extensions: dict[str, Any]
) -> None:
    seen: list[int] = []
    ex: list[Message] = []
    response = fastresp.FileResponse(big, status_code=status, headers={"x-mine": "1"})
    await record(
        response,
        ex,
        method=method,
        extensions=extensions,
        headers=[(b"range", b"bytes=0-9")],
        on_message=lambda message: seen.append(fds_to(big)),
    )
    full = [(b"x-mine", b"1"), *headers_for(big)]
    if status == 304:  # RFC 9110 §15.4.5
        kept = [(k, v) for k, v in full if k in (b"x-mine", b"last-modified", b"etag")]
    else:  # RFC 9110 §8.6
        kept = [(k, v) for k, v in full if k != b"content-length"]
    assert ex == [start(status, kept), body(b"", False)]
    if LINUX:
        assert seen == [0, 0]
    theirs = await call(starlette.responses.FileResponse(big, status_code=status))
    assert theirs.body == big.read_bytes()  # Starlette sends the file


async def test_difference_10_with_a_stat_result_the_file_is_not_needed(
    big: Path, tmp_path: Path
) -> None:
    st = os.stat(big)
    big.unlink()
    ex = await call(fastresp.FileResponse(big, status_code=204, stat_result=st))
    assert ex.status == 204 and ex.body == b"" and ex.complete


async def test_difference_10_missing_file_still_raises(tmp_path: Path) -> None:
    log: list[Message] = []
    with pytest.raises(RuntimeError, match="does not exist"):
        await record(fastresp.FileResponse(tmp_path / "nope", status_code=204), log)
    assert log == []


async def test_difference_10_background_task_runs(big: Path) -> None:
    ran: list[str] = []

    async def task() -> None:
        ran.append("ran")

    response = fastresp.FileResponse(big, status_code=204, background=fastresp.BackgroundTask(task))
    await call(response)
    assert ran == ["ran"]
