"""FileResponse: each deliberate difference (fastresp/files.py docstring), errors, descriptors."""

import mimetypes
import os
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import anyio
import pytest
import starlette.responses

import fastresp
import fastresp._file_meta
from fastresp._asgi import Message

from file_support import LINUX, body, fds_to, record, start, stat_headers, wait_until_closed
from support import call

pytestmark = pytest.mark.anyio

PATHSEND: dict[str, Any] = {"http.response.pathsend": {}}
SIZE = 200_000
needs_proc = pytest.mark.skipif(not LINUX, reason="counts descriptors in /proc/self/fd")


@pytest.fixture
def big(tmp_path: Path) -> Path:
    path = tmp_path / "big.bin"
    path.write_bytes(os.urandom(SIZE))
    return path


def truncate_after(path: Path, messages: int, size: int) -> Any:
    """An `on_message` hook that cuts the file to `size` bytes after `messages` messages."""
    seen = 0

    def hook(message: Message) -> None:
        nonlocal seen
        seen += 1
        if seen == messages:
            os.truncate(path, size)

    return hook


# --- 1. pathsend carries an absolute path ------------------------------------------------


@pytest.mark.parametrize("name", ["rel.txt", "sub/../rel.txt", "./rel.txt"])
async def test_difference_1_pathsend_path_is_absolute(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "rel.txt").write_bytes(b"x")
    monkeypatch.chdir(tmp_path)
    ours = await call(fastresp.FileResponse(name), extensions=PATHSEND)
    theirs = await call(starlette.responses.FileResponse(name), extensions=PATHSEND)
    # Joined to the working directory, not normalised ("link/.." may be elsewhere).
    assert ours.messages[1] == {"type": "http.response.pathsend", "path": f"{tmp_path}/{name}"}
    assert theirs.messages[1] == {"type": "http.response.pathsend", "path": name}
    assert ours.messages[0] == theirs.messages[0]


# --- 2. the file is opened before anything is sent ---------------------------------------


@pytest.mark.parametrize(
    ("kind", "error"), [("missing", "does not exist"), ("dir", "is not a file")]
)
async def test_difference_2_given_stat_result_path_checked_first(
    tmp_path: Path, kind: str, error: str
) -> None:
    path = tmp_path / "f.txt"
    path.write_bytes(b"abc")
    st = os.stat(path)
    path.unlink()
    if kind == "dir":
        path.mkdir()
    ours: list[Message] = []
    with pytest.raises(RuntimeError, match=rf"^File at path {path} {error}\.$"):
        await record(fastresp.FileResponse(path, stat_result=st), ours)
    assert ours == []
    theirs: list[Message] = []
    with pytest.raises(OSError):  # FileNotFoundError or IsADirectoryError, after the start
        await record(starlette.responses.FileResponse(path, stat_result=st), theirs)
    assert [m["type"] for m in theirs] == ["http.response.start"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
async def test_difference_2_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    regular = tmp_path / "f.txt"
    regular.write_bytes(b"abc")
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    log: list[Message] = []
    with anyio.fail_after(5), pytest.raises(RuntimeError, match="is not a file"):
        # A stat_result that claims a regular file (as a stale one could).
        await record(fastresp.FileResponse(fifo, stat_result=os.stat(regular)), log)
    assert log == []


async def test_difference_2_any_open_failure_raises_before_the_start(
    big: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(path: str) -> tuple[int, os.stat_result]:
        raise PermissionError(13, "Permission denied", path)

    # Root ignores file modes, so the refusal is simulated where the kernel is bound
    # (with no open on the loop, so that the worker thread's open_file is reached).
    real = fastresp._speedups.files
    kernels = SimpleNamespace(
        open_file=refuse, open_cached=lambda path: None, read_plan=real.read_plan
    )
    monkeypatch.setattr(fastresp._file_handle, "_files", kernels)
    log: list[Message] = []
    with pytest.raises(PermissionError):
        await record(fastresp.FileResponse(big), log)
    with pytest.raises(PermissionError):
        await record(fastresp.FileResponse(big, stat_result=os.stat(big)), log)
    assert log == []


# --- 3. a file shorter than announced is never reported complete ------------------------


@pytest.mark.parametrize(
    ("range_value", "cut_at"),
    [
        (None, 70_000),  # whole file, cut in the second chunk
        (None, 65_536),  # cut at a chunk boundary
        ("bytes=0-199999,-1", 70_000),  # single range after merging
        ("bytes=10-", 0),
        ("bytes=0-9,100000-199999", 50_000),  # multi-range
    ],
)
async def test_difference_3_truncated_file_raises(
    big: Path, range_value: str | None, cut_at: int
) -> None:
    log: list[Message] = []
    headers = [] if range_value is None else [(b"range", range_value.encode())]
    hook = truncate_after(big, 2, cut_at)
    with pytest.raises(RuntimeError, match=rf"^File at path {big} is shorter than expected\.$"):
        await record(fastresp.FileResponse(big), log, on_message=hook, headers=headers)
    assert len(log) >= 2
    assert all(m.get("more_body") for m in log[1:])
    assert sum(len(m["body"]) for m in log[1:]) < int(dict(log[0]["headers"])[b"content-length"])
    assert wait_until_closed(big) == 0 if LINUX else True


async def test_difference_3_starlette_reports_a_short_whole_file_complete(big: Path) -> None:
    log: list[Message] = []
    hook = truncate_after(big, 2, 70_000)
    await record(starlette.responses.FileResponse(big), log, on_message=hook)
    assert log[-1] == body(log[-1]["body"], False)
    assert sum(len(m["body"]) for m in log[1:]) == 70_000  # of 200,000 announced


async def test_difference_3_stale_stat_result_raises_before_the_start(big: Path) -> None:
    st = os.stat(big)
    os.truncate(big, 1000)
    log: list[Message] = []
    with pytest.raises(RuntimeError, match="is shorter than expected"):
        await record(fastresp.FileResponse(big, stat_result=st), log)
    with pytest.raises(RuntimeError, match="is shorter than expected"):
        await record(
            fastresp.FileResponse(big, stat_result=st), log, headers=[(b"range", b"bytes=0-0,-1")]
        )
    assert log == []
    # Ranges within what is left are still served, as Starlette does.
    ex = await call(fastresp.FileResponse(big, stat_result=st), headers=[(b"range", b"bytes=0-9")])
    assert ex.status == 206
    assert ex.body == big.read_bytes()[:10]
    assert ex.header(b"content-range") == f"bytes 0-9/{SIZE}".encode()


# --- 4. a file that grew: the announced bytes only ---------------------------------------


@pytest.mark.parametrize("given_stat", [False, True])
async def test_difference_4_grown_file_sends_the_announced_bytes(
    big: Path, given_stat: bool
) -> None:
    original = big.read_bytes()

    def grow(message: Message) -> None:
        if message["type"] == "http.response.start":
            with open(big, "ab") as file:
                file.write(b"x" * 100_000)

    ours: list[Message] = []
    st = os.stat(big) if given_stat else None
    await record(fastresp.FileResponse(big, stat_result=st), ours, on_message=grow)
    assert b"".join(m["body"] for m in ours[1:]) == original
    assert ours[-1]["more_body"] is False
    os.truncate(big, SIZE)
    theirs: list[Message] = []
    await record(starlette.responses.FileResponse(big, stat_result=st), theirs, on_message=grow)
    assert len(b"".join(m["body"] for m in theirs[1:])) == SIZE + 100_000


# --- 5. media type guesses are cached per extension --------------------------------------


async def test_difference_5_media_type_cache_ignores_later_add_type(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fastresp._file_meta, "_MEDIA_TYPES", {})
    first = tmp_path / "a.fastresp-test"
    assert fastresp.FileResponse(first).media_type == "application/octet-stream"
    monkeypatch.setitem(mimetypes.types_map, ".fastresp-test", "application/x-later")
    other = tmp_path / "b.fastresp-test"
    assert fastresp.FileResponse(other).media_type == "application/octet-stream"
    assert starlette.responses.FileResponse(other).media_type == "application/x-later"


NAMES = [
    "a.txt",
    "A.TXT",
    "a.Txt",
    ".bashrc",
    "..txt",
    "x..txt",
    "a.",
    ".",
    "",
    "a.txt.",
    "noext",
    "dir.d/noext",
    "dir.d/.x.json",
    "d/a.tar.gz",
    ".a.tar.gz",
    "..tar.gz",
    "a.tgz",
    "a.TGZ",
    "a.gz",
    "a.GZ",
    "a.Z",
    "a.bz2",
    "a.xz",
    "a.br",
    "a.svgz",
    "a.taz",
    "a.tz",
    "a.b.c.d.html",
    "/srv/x/y/z.JPG",
    "data:text/html,x",
    "C:\\a.txt",
    "a\\b.txt",
    "a.b\\c",
    "x/.tar.gz",
    "weird.%20",
    "a.js",
    "a.mjs",
    "a.wasm",
    "a.json.gz",
    "a.JSON.GZ",
    "a.tar.Z",
    "q?x.png",
    "a#b.css",
    "a;b.csv",
    "http://host/x.html",
    "x.html?y.png",
]


def test_media_type_cache_agrees_with_mimetypes(monkeypatch: pytest.MonkeyPatch) -> None:
    # Every name, in both orders, after every other name warmed the cache.
    for names in (NAMES, NAMES[::-1]):
        monkeypatch.setattr(fastresp._file_meta, "_MEDIA_TYPES", {})
        for name in names + names:
            expected = mimetypes.guess_type(name)[0] or "application/octet-stream"
            assert fastresp._file_meta.guess_media_type(name) == expected, name


def test_media_type_cache_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fastresp._file_meta, "_MEDIA_TYPES", {})
    for i in range(1000):
        fastresp._file_meta.guess_media_type(f"f.ext{i}")
    assert len(fastresp._file_meta._MEDIA_TYPES) == fastresp._file_meta._MEDIA_TYPES_MAX
    assert fastresp._file_meta.guess_media_type("f.ext999") == "application/octet-stream"


# --- 6. the body is read ahead of sending ------------------------------------------------


async def test_difference_6_bytes_read_ahead_are_sent_as_read(big: Path) -> None:
    # Cut after the second chunk went out: the rest had been read with it (the first
    # chunk is read alone, then up to 256 KiB at a time).
    original = big.read_bytes()
    ours: list[Message] = []
    await record(fastresp.FileResponse(big), ours, on_message=truncate_after(big, 3, 70_000))
    assert b"".join(m["body"] for m in ours[1:]) == original
    assert ours[-1]["more_body"] is False
    big.write_bytes(original)
    theirs: list[Message] = []
    hook = truncate_after(big, 3, 70_000)
    await record(starlette.responses.FileResponse(big), theirs, on_message=hook)
    assert sum(len(m["body"]) for m in theirs[1:]) == 2 * 65_536  # the rest was cut


# --- 7. no disconnect watch for a body of one or two chunks --------------------------------


@pytest.mark.parametrize(
    "anyio_backend", [("asyncio", {}), ("asyncio", {"use_uvloop": True})], ids=["asyncio", "uvloop"]
)  # NOTE: Starlette's watch stops two chunks in time on asyncio, not always on trio
@pytest.mark.parametrize(
    ("two_chunks", "more"),
    [
        (None, None),  # the whole file, cut to 100,000 bytes: in 64 KiB or 30 KB chunks
        ("bytes=0-99999", "bytes=0-99999"),
        ("bytes=0-49999,60000-89999", "bytes=0-49999,60000-99999"),
    ],
)
@pytest.mark.usefixtures("small_yield_bound")
async def test_difference_7_two_chunks_are_sent_without_a_watch(
    big: Path, two_chunks: str | None, more: str | None
) -> None:
    os.truncate(big, 100_000)

    def headers(value: str | None) -> list[tuple[bytes, bytes]]:
        return [] if value is None else [(b"range", value.encode())]

    ours = await call(fastresp.FileResponse(big), disconnect_after=2, headers=headers(two_chunks))
    assert ours.complete
    theirs = await call(
        starlette.responses.FileResponse(big), disconnect_after=2, headers=headers(two_chunks)
    )
    assert not theirs.complete

    class Smaller(fastresp.FileResponse):
        chunk_size = 10_000

    # More than two chunks' worth: watched, as in Starlette. NOTE: the watch starts at
    # the body's first suspension (fastresp._asgi.Helpers), so it stops a few chunks in.
    ex = await call(Smaller(big), disconnect_after=2, headers=headers(more))
    assert not ex.complete


# --- errors before anything is sent -------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "HEAD"])
@pytest.mark.parametrize("pathsend", [False, True])
async def test_missing_and_directory_raise_before_any_message(
    tmp_path: Path, method: str, pathsend: bool
) -> None:
    extensions = PATHSEND if pathsend else {}
    for path, error in ((tmp_path / "nope", "does not exist"), (tmp_path, "is not a file")):
        log: list[Message] = []
        with pytest.raises(RuntimeError, match=rf"^File at path {path} {error}\.$"):
            await record(fastresp.FileResponse(path), log, method=method, extensions=extensions)
        assert log == []


# --- descriptors --------------------------------------------------------------------------


@needs_proc
@pytest.mark.parametrize(
    "range_value", [None, "bytes=0-9", "bytes=0-9,20-29", "bytes=9-1", "bytes=-0"]
)
async def test_fd_closed_after_success(big: Path, range_value: str | None) -> None:
    headers = [] if range_value is None else [(b"range", range_value.encode())]
    ex = await call(fastresp.FileResponse(big), headers=headers)
    assert ex.complete
    assert fds_to(big) == 0


@needs_proc
@pytest.mark.parametrize("spec", ["2.3", "2.4"])
async def test_fd_closed_after_send_fails(big: Path, spec: str) -> None:
    with pytest.raises(OSError, match="client went away"):
        await call(fastresp.FileResponse(big), send_error_after=2, spec_version=spec)
    assert wait_until_closed(big) == 0


@needs_proc
@pytest.mark.usefixtures("small_yield_bound")
@pytest.mark.parametrize("range_value", [None, "bytes=0-99999,100000-"])
async def test_fd_closed_after_disconnect(big: Path, range_value: str | None) -> None:
    headers = [] if range_value is None else [(b"range", range_value.encode())]
    ex = await call(fastresp.FileResponse(big), disconnect_after=2, headers=headers)
    assert not ex.complete
    assert wait_until_closed(big) == 0


@needs_proc
@pytest.mark.usefixtures("small_yield_bound")
async def test_fd_closed_after_cancellation(big: Path) -> None:
    log: list[Message] = []
    with anyio.CancelScope() as scope:

        def cancel(message: Message) -> None:
            if len(log) == 2:
                scope.cancel()

        await record(fastresp.FileResponse(big), log, on_message=cancel, spec_version="2.4")
    assert scope.cancelled_caught
    assert len(log) == 2
    assert wait_until_closed(big) == 0


@needs_proc
async def test_fd_not_opened_for_head_or_pathsend(big: Path) -> None:
    opened: list[int] = []

    class Spy(fastresp.FileResponse):
        async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
            async def spy(message: Message) -> None:
                opened.append(fds_to(big))
                await send(message)

            await super().__call__(scope, receive, spy)

    await call(Spy(big), method="HEAD")
    await call(Spy(big), extensions=PATHSEND)
    assert opened == [0, 0, 0, 0]


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX descriptor flags")
async def test_fd_is_close_on_exec(big: Path) -> None:
    inheritable: list[bool] = []

    def check(message: Message) -> None:
        if message["type"] == "http.response.start":
            fds = [int(n) for n in os.listdir("/proc/self/fd")] if LINUX else []
            mine = [fd for fd in fds if _points_to(fd, big)]
            inheritable.extend(os.get_inheritable(fd) for fd in mine)

    await record(fastresp.FileResponse(big), [], on_message=check)
    assert inheritable == ([False] if LINUX else [])


def _points_to(fd: int, path: Path) -> bool:
    try:
        return os.readlink(f"/proc/self/fd/{fd}") == str(path.resolve())
    except OSError:
        return False


async def test_background_not_run_after_an_error(big: Path) -> None:
    ran: list[str] = []

    async def task() -> None:
        ran.append("x")

    response = fastresp.FileResponse(big, background=fastresp.BackgroundTask(task))
    with pytest.raises(RuntimeError):
        await record(response, [], on_message=truncate_after(big, 2, 10))
    assert ran == []


async def test_range_response_with_given_stat_result_headers(big: Path) -> None:
    # The headers come from the caller's stat_result, as in Starlette, not from fstat.
    st = os.stat(big)
    fake = os.stat_result((st.st_mode, 0, 0, 1, 0, 0, st.st_size, 0, 1_000_000_000, 1_000_000_000))
    ex = await call(
        fastresp.FileResponse(big, stat_result=fake), headers=[(b"range", b"bytes=0-0")]
    )
    assert ex.messages == [
        start(
            206,
            [
                (b"content-type", b"application/octet-stream"),
                (b"accept-ranges", b"bytes"),
                (b"content-length", b"1"),
                *stat_headers(big, fake)[1:],
                (b"content-range", f"bytes 0-0/{SIZE}".encode()),
            ],
        ),
        body(big.read_bytes()[:1], False),
    ]
