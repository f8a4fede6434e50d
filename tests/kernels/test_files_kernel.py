"""File kernels, over both twins: what opens, what is refused, positioned reads."""

import errno
import importlib.util
import inspect
import os
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fastresp._files_py
from fastresp._errors import NotARegularFile

from page_cache import ATTEMPTS, evict, no_cold_read_seen, resident_pages

posix = pytest.mark.skipif(sys.platform == "win32", reason="POSIX file types")
linux = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux-only syscalls")
DATA = bytes(range(256)) * 40  # 10,240 bytes


@pytest.fixture
def path(tmp_path: Path) -> Path:
    file = tmp_path / "f.bin"
    file.write_bytes(DATA)
    return file


def open_fd_count() -> int:
    return len(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else 0


def test_open_file(files_impl: ModuleType, path: Path) -> None:
    fd, st = files_impl.open_file(str(path))
    try:
        assert stat.S_ISREG(st.st_mode)
        assert st.st_size == len(DATA)
        assert (st.st_ino, st.st_dev) == (os.stat(path).st_ino, os.stat(path).st_dev)
        assert not os.get_inheritable(fd)  # O_CLOEXEC
        assert os.get_blocking(fd)  # O_NONBLOCK cleared after the checks
        assert os.lseek(fd, 0, os.SEEK_CUR) == 0
    finally:
        os.close(fd)


def test_open_file_follows_symlinks(files_impl: ModuleType, path: Path, tmp_path: Path) -> None:
    link = tmp_path / "link"
    link.symlink_to(path)
    fd, st = files_impl.open_file(str(link))
    os.close(fd)
    assert st.st_size == len(DATA)


def test_missing_file(files_impl: ModuleType, tmp_path: Path) -> None:
    before = open_fd_count()
    with pytest.raises(FileNotFoundError):
        files_impl.open_file(str(tmp_path / "nope"))
    with pytest.raises(FileNotFoundError):
        files_impl.stat_file(str(tmp_path / "nope"))
    assert open_fd_count() == before


def test_not_a_directory(files_impl: ModuleType, path: Path) -> None:
    with pytest.raises(NotADirectoryError):
        files_impl.open_file(str(path / "x"))


def refusals(tmp_path: Path) -> list[str]:
    """Paths that exist but are not regular files."""
    paths = [str(tmp_path)]
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "fifo")  # opening it without O_NONBLOCK would block
        paths.append(str(tmp_path / "fifo"))
    if os.path.exists("/dev/null"):
        paths.append("/dev/null")
    if hasattr(socket, "AF_UNIX"):
        sock = socket.socket(socket.AF_UNIX)
        sock.bind(str(tmp_path / "sock"))
        sock.close()
        paths.append(str(tmp_path / "sock"))
    return paths


def test_refuses_non_regular_files(files_impl: ModuleType, tmp_path: Path) -> None:
    before = open_fd_count()
    for name in refusals(tmp_path):
        with pytest.raises(NotARegularFile, match="not a regular file"):
            files_impl.open_file(name)
        with pytest.raises(NotARegularFile):
            files_impl.stat_file(name)
    assert open_fd_count() == before


def test_not_a_regular_file_is_an_oserror() -> None:
    assert issubclass(NotARegularFile, OSError)


@posix
@pytest.mark.parametrize("swapped", ["fifo", "/dev/zero", "/dev/null", "directory"])
def test_non_regular_file_swapped_in_after_the_stat_is_refused(
    files_impl: ModuleType,
    path: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    swapped: str,
) -> None:
    # The fstat of the opened fd is what counts; O_NONBLOCK keeps the open from hanging.
    target = tmp_path / "swapped"
    if swapped == "fifo":
        os.mkfifo(target)
    elif swapped == "directory":
        target.mkdir()
    elif os.path.exists(swapped):
        target.symlink_to(swapped)
    else:
        pytest.skip(f"no {swapped}")
    regular = os.stat(path)
    # NOTE: both twins look `stat_file` up in their module at call time.
    monkeypatch.setattr(files_impl, "stat_file", lambda name: regular)
    before = open_fd_count()
    with pytest.raises(NotARegularFile, match="not a regular file"):
        files_impl.open_file(str(target))
    assert open_fd_count() == before


@posix
def test_open_file_is_nonblocking_until_checked(
    files_impl: ModuleType, path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    flags: list[int] = []
    real_open = os.open

    def spy(name: Any, flag: int, *args: Any, **kwargs: Any) -> int:
        flags.append(flag)
        return real_open(name, flag, *args, **kwargs)

    monkeypatch.setattr(os, "open", spy)
    fd, _ = files_impl.open_file(str(path))
    try:
        assert flags == [flags[0]] and flags[0] & os.O_NONBLOCK and flags[0] & os.O_CLOEXEC
        assert os.get_blocking(fd)  # cleared once it is known to be a regular file
    finally:
        os.close(fd)


def test_stat_file(files_impl: ModuleType, path: Path) -> None:
    st = files_impl.stat_file(str(path))
    assert st.st_size == len(DATA)
    assert st.st_mtime == os.stat(path).st_mtime


@pytest.mark.parametrize(
    ("size", "offset", "expected"),
    [
        (10, 0, DATA[:10]),
        (100, 5000, DATA[5000:5100]),
        (len(DATA), 0, DATA),
        (100, len(DATA) - 10, DATA[-10:]),  # short only at the end
        (100, len(DATA), b""),
        (100, len(DATA) + 1000, b""),
        (0, 0, b""),
    ],
)
def test_read_at(
    files_impl: ModuleType, path: Path, size: int, offset: int, expected: bytes
) -> None:
    fd, _ = files_impl.open_file(str(path))
    try:
        assert files_impl.read_at(fd, size, offset) == expected
        assert os.lseek(fd, 0, os.SEEK_CUR) == 0 or not hasattr(os, "pread")  # no seek
    finally:
        os.close(fd)


@posix
@pytest.mark.parametrize("size", [0, 1, 65536])
@pytest.mark.parametrize("offset", [0, 65536])
def test_read_at_a_directory(
    files_impl: ModuleType, tmp_path: Path, size: int, offset: int
) -> None:
    # NOTE: size 0 too: pread checks the descriptor where preadv of nothing does not.
    fd = os.open(tmp_path, os.O_RDONLY)
    try:
        with pytest.raises(IsADirectoryError):
            files_impl.read_at(fd, size, offset)
    finally:
        os.close(fd)


def test_read_at_bad_fd(files_impl: ModuleType) -> None:
    with pytest.raises(OSError):
        files_impl.read_at(-1, 10, 0)


def test_read_at_keeps_reading_after_short_reads(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Pure twin only: a filesystem that returns one byte per read (FUSE, signals).
    calls: list[tuple[int, int]] = []

    def trickle(fd: int, size: int, offset: int) -> bytes:
        calls.append((size, offset))
        return os.pread(fd, min(size, 1), offset)

    monkeypatch.setattr(fastresp._files_py, "_pread", trickle)
    fd = os.open(path, os.O_RDONLY)
    try:
        assert fastresp._files_py.read_at(fd, 5, 100) == DATA[100:105]
        assert calls == [(5, 100), (4, 101), (3, 102), (2, 103), (1, 104)]
        calls.clear()
        assert fastresp._files_py.read_at(fd, 5, len(DATA) - 2) == DATA[-2:]
        assert calls[-1] == (3, len(DATA))  # stopped by end of file
    finally:
        os.close(fd)


def test_twin_api(files_impl: ModuleType) -> None:
    assert sorted(files_impl.__all__) == [
        "open_cached",
        "open_file",
        "read_at",
        "read_chunks",
        "read_plan",
        "stat_cached",
        "stat_file",
    ]
    for name in files_impl.__all__:
        assert parameters(getattr(files_impl, name)) == parameters(
            getattr(fastresp._files_py, name)
        ), name


def parameters(fn: Callable[..., Any]) -> list[tuple[str, Any, Any]]:
    """Names, kinds and defaults (compiled functions carry no annotations)."""
    return [(p.name, p.kind, p.default) for p in inspect.signature(fn).parameters.values()]


# --- read_chunks -------------------------------------------------------------------------

NOWAIT = [False, pytest.param(True, marks=linux)]


@pytest.mark.parametrize("nowait", NOWAIT)
@pytest.mark.parametrize(
    ("offset", "size", "chunk_size", "lengths"),
    [
        (0, len(DATA), 4096, [4096, 4096, 2048]),
        (0, len(DATA), len(DATA), [len(DATA)]),
        (0, len(DATA), 1 << 20, [len(DATA)]),  # one chunk, larger than the file
        (100, 1000, 300, [300, 300, 300, 100]),
        (0, 8192, 4096, [4096, 4096]),
        (0, 8192 + 1, 4096, [4096, 4096, 1]),
        (0, len(DATA) + 5000, 4096, [4096, 4096, 2048]),  # short at end of file
        (0, len(DATA) + 5000, 2048, [2048] * 5 + [0]),  # ends on a chunk boundary: b""
        (len(DATA) - 10, 100, 7, [7, 3]),
        (len(DATA), 100, 10, [0]),
        (len(DATA) + 1, 100, 10, [0]),
        (2**40, 100, 10, [0]),  # 64-bit offsets
        (5, 0, 10, []),
        (0, 300, 1, [1] * 300),  # more pieces than one preadv takes
    ],
)
def test_read_chunks(
    files_impl: ModuleType,
    path: Path,
    nowait: bool,
    offset: int,
    size: int,
    chunk_size: int,
    lengths: list[int],
) -> None:
    fd, _ = files_impl.open_file(str(path))
    try:
        chunks = files_impl.read_chunks(fd, offset, size, chunk_size, nowait)
        assert [len(c) for c in chunks] == lengths
        assert b"".join(chunks) == DATA[offset : offset + size]
        assert all(type(c) is bytes for c in chunks)
        # Fresh objects: a server may keep each one until it is sent.
        assert len({id(c) for c in chunks if c}) == len([c for c in chunks if c])
        assert os.lseek(fd, 0, os.SEEK_CUR) == 0  # positioned reads: no seek
    finally:
        os.close(fd)


def test_read_chunks_large_file_pieces(files_impl: ModuleType, tmp_path: Path) -> None:
    # Several preadv groups (64 pieces, 4 MiB each in the compiled twin).
    data = os.urandom(5 * 1024 * 1024 + 123)
    file = tmp_path / "big.bin"
    file.write_bytes(data)
    fd, _ = files_impl.open_file(str(file))
    try:
        for chunk_size in (65536, 1 << 20, 3 * 1024 * 1024, 1000):
            chunks = files_impl.read_chunks(fd, 7, len(data), chunk_size)
            assert b"".join(chunks) == data[7:]
            assert all(len(c) == chunk_size for c in chunks[:-1])
            assert 0 < len(chunks[-1]) <= chunk_size
    finally:
        os.close(fd)


@pytest.mark.parametrize("nowait", [False, True])
def test_read_chunks_argument_errors(files_impl: ModuleType, path: Path, nowait: bool) -> None:
    fd, _ = files_impl.open_file(str(path))
    try:
        with pytest.raises(ValueError, match=r"^size must not be negative$"):
            files_impl.read_chunks(fd, 0, -1, 10, nowait)
        with pytest.raises(ValueError, match=r"^chunk_size must be positive$"):
            files_impl.read_chunks(fd, 0, 10, 0, nowait)
        # NOTE: a negative offset would make preadv2 read at the file position.
        with pytest.raises(OSError) as caught:
            files_impl.read_chunks(fd, -1, 10, 10, nowait)
        assert caught.value.errno == errno.EINVAL
        with pytest.raises(OverflowError):
            files_impl.read_chunks(fd, 2**63, 10, 10, nowait)
    finally:
        os.close(fd)


@linux
@pytest.mark.parametrize("nowait", [False, True])
def test_read_chunks_os_errors(files_impl: ModuleType, tmp_path: Path, nowait: bool) -> None:
    with pytest.raises(OSError) as caught:
        files_impl.read_chunks(-1, 0, 10, 10, nowait)
    assert caught.value.errno == errno.EBADF
    # The kernel refuses a read that would end past 2**63 - 1.
    fd = os.open(tmp_path, os.O_RDONLY)  # a directory: EISDIR, or cannot tell without waiting
    try:
        if nowait:
            assert files_impl.read_chunks(fd, 0, 10, 10, True) == []
        else:
            with pytest.raises(IsADirectoryError):
                files_impl.read_chunks(fd, 0, 10, 10)
    finally:
        os.close(fd)


@linux
def test_read_chunks_past_the_largest_offset(files_impl: ModuleType, path: Path) -> None:
    fd, _ = files_impl.open_file(str(path))
    try:
        for nowait in (False, True):
            with pytest.raises(OSError) as caught:
                files_impl.read_chunks(fd, 2**63 - 5, 10, 10, nowait)
            assert caught.value.errno == errno.EINVAL
            # A first piece that fits is read (end of file) and nothing after it.
            assert files_impl.read_chunks(fd, 2**63 - 20, 30, 10, nowait) == [b""]
    finally:
        os.close(fd)


@linux
def test_read_chunks_nowait_reads_only_the_page_cache(
    files_impl: ModuleType, tmp_path: Path
) -> None:
    data = os.urandom(4 * 1024 * 1024)
    file = tmp_path / "cold.bin"
    file.write_bytes(data)
    fd, _ = files_impl.open_file(str(file))
    try:
        for _ in range(ATTEMPTS):  # NOTE: a miss starts readahead (tests/page_cache.py)
            evict(fd)
            cold = files_impl.read_chunks(fd, 0, len(data), 65536, True)
            assert b"".join(cold) == data[: 65536 * len(cold)]
            if not cold:
                break
        else:
            no_cold_read_seen(fd)
        # A blocking read brings the pages in; then the loop may read them.
        assert b"".join(files_impl.read_chunks(fd, 0, 65536 * 3, 65536)) == data[: 65536 * 3]
        warm = files_impl.read_chunks(fd, 0, 65536 * 3, 65536, True)
        assert b"".join(warm) == data[: 65536 * 3]
        # Only whole pieces: one the cache holds in part is left for a later read.
        evict(fd)
        files_impl.read_chunks(fd, 0, 65536 + 4096, 65536 + 4096)  # 1 piece and a page
        some = files_impl.read_chunks(fd, 0, len(data), 65536, True)
        assert all(len(c) == 65536 for c in some)
        assert b"".join(some) == data[: 65536 * len(some)]
    finally:
        os.close(fd)


def test_read_chunks_nowait_unavailable(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Pure twin only: no RWF_NOWAIT (macOS, Windows, old kernels): nothing is read.
    monkeypatch.setattr(fastresp._files_py, "_NOWAIT", 0)
    fd = os.open(path, os.O_RDONLY)
    try:
        assert fastresp._files_py.read_chunks(fd, 0, 100, 10, True) == []
        assert len(fastresp._files_py.read_chunks(fd, 0, 100, 10)) == 10
    finally:
        os.close(fd)


def test_read_chunks_keeps_reading_after_short_reads(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Pure twin only: every piece is as full as read_at's.
    monkeypatch.setattr(fastresp._files_py, "_pread", lambda fd, n, at: os.pread(fd, min(n, 3), at))
    fd = os.open(path, os.O_RDONLY)
    try:
        chunks = fastresp._files_py.read_chunks(fd, 1, 25, 10)
        assert [len(c) for c in chunks] == [10, 10, 5]
        assert b"".join(chunks) == DATA[1:26]
    finally:
        os.close(fd)


# --- read_plan ---------------------------------------------------------------------------

SPANS = [(0, 10), (100, 5000), (5000, 5001), (9000, len(DATA))]


@pytest.mark.parametrize("nowait", NOWAIT)
@pytest.mark.parametrize(
    ("spans", "chunk_size", "cursor", "budget", "expected", "after"),
    [
        # (offset, planned size, length read) of each chunk, and the new cursor.
        (SPANS, 4096, (0, 0), 1 << 20, [(0, 10, 10), (100, 4096, 4096), (4196, 804, 804),
                                         (5000, 1, 1), (9000, 1240, 1240)], (4, 10240)),
        (SPANS, 4096, (1, 100), 5000, [(100, 4096, 4096), (4196, 804, 804), (5000, 1, 1)],
         (3, 9000)),
        (SPANS, 4096, (1, 100), 4900, [(100, 4096, 4096), (4196, 804, 804)], (2, 5000)),
        (SPANS, 4096, (1, 100), 4000, [(100, 4096, 4096)], (1, 4196)),  # one at least
        (SPANS, 4096, (1, 100), 0, [(100, 4096, 4096)], (1, 4196)),
        (SPANS, 4096, (1, 4196), 0, [(4196, 804, 804)], (2, 5000)),  # never past the span
        (SPANS, 4096, (4, 0), 100, [], (4, 0)),  # all read already
        ([(0, 20_000)], 4096, (0, 0), 1 << 20, [(0, 4096, 4096), (4096, 4096, 4096),
                                                 (8192, 4096, 2048)], (1, 8192)),  # cut short
        ([(0, 8192), (9000, 9100)], 8192, (0, 0), 1 << 20, [(0, 8192, 8192), (9000, 100, 100)],
         (2, 9100)),
        ([(0, 8192), (9000, 9100)], 4096, (0, 0), 8192, [(0, 4096, 4096), (4096, 4096, 4096)],
         (1, 9000)),
        ([(20_000, 20_100)], 64, (0, 20_000), 1 << 20, [(20_000, 64, 0)], (1, 20_000)),
        ([(2**40, 2**40 + 5)], 64, (0, 2**40), 10, [(2**40, 5, 0)], (1, 2**40)),
    ],
)  # fmt: skip
def test_read_plan(
    files_impl: ModuleType,
    path: Path,
    nowait: bool,
    spans: list[tuple[int, int]],
    chunk_size: int,
    cursor: tuple[int, int],
    budget: int,
    expected: list[tuple[int, int, int]],
    after: tuple[int, int],
) -> None:
    fd, _ = files_impl.open_file(str(path))
    try:
        chunks, new_cursor = files_impl.read_plan(fd, spans, chunk_size, cursor, budget, nowait)
        assert [(at, count, len(data)) for at, count, data in chunks] == expected
        assert all(data == DATA[at : at + count] for at, count, data in chunks)
        assert new_cursor == after
    finally:
        os.close(fd)


def test_read_plan_argument_errors(files_impl: ModuleType, path: Path) -> None:
    fd, _ = files_impl.open_file(str(path))
    try:
        with pytest.raises(ValueError, match=r"^chunk_size must be positive$"):
            files_impl.read_plan(fd, [(0, 10)], 0, (0, 0), 10)
        with pytest.raises(ValueError, match=r"^budget must not be negative$"):
            files_impl.read_plan(fd, [(0, 10)], 10, (0, 0), -1)
        with pytest.raises(ValueError, match=r"^size must not be negative$"):
            files_impl.read_plan(fd, [(0, 10)], 10, (0, 20), 10)  # cursor past its span
        with pytest.raises(OSError) as caught:
            files_impl.read_plan(fd, [(-5, 10)], 10, (0, -5), 10)
        assert caught.value.errno == errno.EINVAL
        with pytest.raises(OSError) as caught:
            files_impl.read_plan(-1, [(0, 10)], 10, (0, 0), 10)
        assert caught.value.errno == errno.EBADF
    finally:
        os.close(fd)


@linux
def test_read_plan_nowait_stops_at_the_page_cache(files_impl: ModuleType, tmp_path: Path) -> None:
    data = os.urandom(2 * 1024 * 1024)
    file = tmp_path / "cold.bin"
    file.write_bytes(data)
    fd, _ = files_impl.open_file(str(file))
    spans = [(0, 1000), (1024 * 1024, 1024 * 1024 + 1000)]

    def plan() -> list[tuple[int, int]]:
        chunks, cursor = files_impl.read_plan(fd, spans, 4096, (0, 0), 1 << 20, True)
        for at, _, chunk in chunks:  # whatever was read is the file's data
            assert chunk == data[at : at + len(chunk)]
        read = [(at, len(chunk)) for at, _, chunk in chunks]
        assert cursor == [(0, 0), (1, 1024 * 1024), (2, 1024 * 1024 + 1000)][len(read)]
        return read

    def stops_at_each_evicted_span() -> bool:
        evict(fd)  # verified (tests/page_cache.py), or the test is skipped with the reason
        if plan():
            return False
        files_impl.read_chunks(fd, 0, 4096, 4096)  # the first span's page comes in
        evict(fd, 1024 * 1024)  # and the second span stays out, whatever the readahead
        if not resident_pages(fd, 0, 1000):
            return False  # NOTE: memory pressure dropped the page just read
        return plan() == [(0, 1000)]

    try:
        # NOTE: a miss starts readahead, which may serve the read itself (page_cache.py)
        if not any(stops_at_each_evicted_span() for _ in range(ATTEMPTS)):
            no_cold_read_seen(fd, 1024 * 1024)
    finally:
        os.close(fd)


# --- stat_cached, open_cached -------------------------------------------------------------


def cached(call: Callable[[str], Any], name: str) -> Any:
    """`call(name)` right after a stat put `name` in the dentry cache.

    NOTE: under memory pressure the kernel may drop the dentry in between (then the
    answer is a correct None), so this tries a few times.
    """
    for _ in range(5):
        os.stat(name)
        result = call(name)
        if result is not None:
            return result
    return None


@linux
def test_stat_cached(files_impl: ModuleType, path: Path) -> None:
    st = cached(files_impl.stat_cached, str(path))
    assert st == os.stat(path)
    assert st.st_mtime == os.stat(path).st_mtime  # the ETag's input, to the last bit


@linux
def test_open_cached(files_impl: ModuleType, path: Path) -> None:
    before = open_fd_count()
    opened = cached(files_impl.open_cached, str(path))
    assert opened is not None
    fd, st = opened
    try:
        assert st == os.stat(path)
        assert (st.st_ino, st.st_dev) == (os.fstat(fd).st_ino, os.fstat(fd).st_dev)
        assert not os.get_inheritable(fd)  # O_CLOEXEC
        assert os.get_blocking(fd)
        assert os.lseek(fd, 0, os.SEEK_CUR) == 0
        assert os.pread(fd, 10, 5) == DATA[5:15]
        assert open_fd_count() == before + 1  # the O_PATH descriptor is closed
    finally:
        os.close(fd)


@linux
@pytest.mark.parametrize("swapped", ["regular", "fifo", "/dev/null", "directory", "gone"])
def test_a_known_path_is_checked_again(files_impl: ModuleType, path: Path, swapped: str) -> None:
    # Once a path opened as a local regular file, it is opened directly: what stands
    # there later is served only if it is a local regular file too, else the path is
    # forgotten (the O_PATH route decides again) and nothing is left open or waited on.
    name = str(path)
    opened = cached(files_impl.open_cached, name)
    assert opened is not None
    os.close(opened[0])
    assert os.fsencode(name) in files_impl._KNOWN_PATHS
    path.unlink()
    if swapped == "regular":
        path.write_bytes(b"replaced")
    elif swapped == "fifo":
        os.mkfifo(path)  # opening it without O_NONBLOCK would block
    elif swapped == "directory":
        path.mkdir()
    elif swapped != "gone":
        path.symlink_to(swapped)
    before = open_fd_count()
    if swapped == "gone":
        opened = files_impl.open_cached(name)
    else:
        opened = cached(files_impl.open_cached, name)
    if swapped != "regular":
        assert opened is None
        assert open_fd_count() == before
        assert os.fsencode(name) not in files_impl._KNOWN_PATHS
        return
    assert opened is not None
    fd, st = opened
    try:
        assert st == os.stat(path)
        assert os.pread(fd, 100, 0) == b"replaced"
        assert os.get_blocking(fd)  # O_NONBLOCK cleared, as on the first route
        assert not os.get_inheritable(fd)
        assert open_fd_count() == before + 1
    finally:
        os.close(fd)
    assert os.fsencode(name) in files_impl._KNOWN_PATHS


@linux
def test_known_paths_are_bounded(files_impl: ModuleType, tmp_path: Path) -> None:
    names = []
    for index in range(1100):
        name = tmp_path / f"{index}.txt"
        name.write_bytes(b"x")
        names.append(str(name))
    for name in names:
        opened = cached(files_impl.open_cached, name)
        assert opened is not None
        os.close(opened[0])
        assert len(files_impl._KNOWN_PATHS) <= 1024
    assert os.fsencode(names[-1]) in files_impl._KNOWN_PATHS


@linux
def test_cached_calls_follow_symlinks(files_impl: ModuleType, path: Path, tmp_path: Path) -> None:
    link = tmp_path / "link"
    # NOTE: a short target lives in the inode; a long one in a data block, which RCU
    # path walk may not read (EAGAIN, so None) until it has been written back.
    link.symlink_to(path.name)
    st = cached(files_impl.stat_cached, str(link))
    assert st is not None and st.st_ino == os.stat(path).st_ino
    opened = cached(files_impl.open_cached, str(link))
    assert opened is not None
    os.close(opened[0])


@linux
def test_cached_calls_on_tmpfs(files_impl: ModuleType) -> None:
    if not os.path.isdir("/dev/shm"):
        pytest.skip("no /dev/shm")
    fd, name = tempfile.mkstemp(dir="/dev/shm")
    try:
        os.write(fd, b"shm")
        assert cached(files_impl.stat_cached, name) == os.stat(name)
        opened = cached(files_impl.open_cached, name)
        assert opened is not None
        assert os.pread(opened[0], 10, 0) == b"shm"
        os.close(opened[0])
    finally:
        os.close(fd)
        os.unlink(name)


def test_cached_calls_answer_none(files_impl: ModuleType, tmp_path: Path) -> None:
    # Anything but a cached regular file on a local filesystem: the thread decides.
    names = [*refusals(tmp_path), str(tmp_path / "nope"), str(tmp_path / "a\0b"), "", "x" * 5000]
    if os.path.exists("/proc/self/status"):
        names.append("/proc/self/status")  # procfs: not a local disk filesystem
    before = open_fd_count()
    for name in names:
        os.path.exists(name.replace("\0", ""))  # cached, where it exists
        assert files_impl.stat_cached(name) is None, name
        assert files_impl.open_cached(name) is None, name
    assert open_fd_count() == before


STAT_FIELDS = [name for name in dir(os.stat_result) if name.startswith("st_")]


@linux
def test_cached_stat_is_fstat_field_for_field(files_impl: ModuleType, path: Path) -> None:
    # The stat comes from statx, not fstat: every field as os.stat gives it.
    with tempfile.NamedTemporaryFile(dir="/dev/shm" if os.path.isdir("/dev/shm") else None) as shm:
        check_cached_stat(files_impl, [str(path), shm.name])


@linux
@settings(max_examples=100, deadline=None)
@given(times=st.tuples(*[st.integers(-(2**40), 2**40) for _ in range(2)]))
def test_cached_stat_times_to_the_bit(files_impl: ModuleType, times: tuple[int, int]) -> None:
    # The float times are os.stat's, bit for bit (the ETag and Last-Modified inputs).
    with tempfile.NamedTemporaryFile() as file:
        os.utime(file.name, ns=times)
        check_cached_stat(files_impl, [file.name])


def check_cached_stat(files_impl: ModuleType, names: list[str]) -> None:
    for name in names:
        st = cached(files_impl.stat_cached, name)
        assert st is not None, name
        expected = os.stat(name)
        assert {f: getattr(st, f) for f in STAT_FIELDS} == {
            f: getattr(expected, f) for f in STAT_FIELDS
        }
        opened = cached(files_impl.open_cached, name)
        assert opened is not None
        os.close(opened[0])
        assert {f: getattr(opened[1], f) for f in STAT_FIELDS} == {
            f: getattr(expected, f) for f in STAT_FIELDS
        }


@linux
def test_locality_is_decided_once_per_mount(
    files_impl: ModuleType, path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    devices: dict[tuple[int, int], bool] = {}
    monkeypatch.setattr(files_impl, "_LOCAL_DEVICES", devices)
    other = path.with_name("other.bin")
    other.write_bytes(b"x")
    assert cached(files_impl.stat_cached, str(path)) is not None
    assert cached(files_impl.stat_cached, str(other)) is not None
    [(mount, local)] = devices.items()  # one mount, one fstatfs
    assert local and mount[0] == os.stat(path).st_dev
    # The table decides from then on: a mount known as a network one (faked here)
    # is left to threads, and never asked again on the loop.
    devices[mount] = False
    assert files_impl.stat_cached(str(path)) is None
    assert files_impl.open_cached(str(path)) is None
    assert devices == {mount: False}


@linux
def test_locality_table_decides_for_other_filesystems(
    files_impl: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    # procfs is not a local disk filesystem: None, until the table says otherwise.
    devices: dict[tuple[int, int], bool] = {}
    monkeypatch.setattr(files_impl, "_LOCAL_DEVICES", devices)
    name = "/proc/self/status"
    if not os.path.exists(name):
        pytest.skip("no procfs")
    assert files_impl.stat_cached(name) is None
    [(mount, local)] = devices.items()
    assert not local
    devices[mount] = True
    st = files_impl.stat_cached(name)
    assert st is not None and stat.S_ISREG(st.st_mode)


@linux
def test_locality_table_is_bounded(
    files_impl: ModuleType, path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    devices = {(-1, i): False for i in range(64)}
    monkeypatch.setattr(files_impl, "_LOCAL_DEVICES", devices)
    assert cached(files_impl.stat_cached, str(path)) is not None
    assert len(devices) == 1 and next(iter(devices))[0] == os.stat(path).st_dev


@linux
def test_fstatfs_once_per_mount(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Pure twin, counted through its binding (the compiled one: the strace test below).
    assert fastresp._files_py._LINUX is not None
    openat2, f_type, statx = fastresp._files_py._LINUX
    calls: list[int] = []

    def counted(fd: int) -> int:
        calls.append(fd)
        return f_type(fd)

    monkeypatch.setattr(fastresp._files_py, "_LINUX", (openat2, counted, statx))
    monkeypatch.setattr(fastresp._files_py, "_LOCAL_DEVICES", {})
    for _ in range(5):
        assert cached(fastresp._files_py.stat_cached, str(path)) is not None
        opened = fastresp._files_py.open_cached(str(path))
        assert opened is not None
        os.close(opened[0])
    assert len(calls) == 1


STRACED = """
import os, sys
from fastresp import _files_{kind} as files
name = sys.argv[1]
os.stat(name)
os.write(1, b"start\\n")
for _ in range(5):
    assert files.stat_cached(name) is not None
    fd, _ = files.open_cached(name)
    os.close(fd)
"""


@linux
@pytest.mark.parametrize("kind", ["py", pytest.param("c", marks=pytest.mark.compiled)])
def test_fstatfs_once_per_mount_straced(kind: str, path: Path, tmp_path: Path) -> None:
    if shutil.which("strace") is None:
        pytest.skip("no strace")
    if importlib.util.find_spec(f"fastresp._files_{kind}") is None:
        pytest.skip("compiled kernels not built")
    log = tmp_path / "strace.log"
    traced = "trace=fstatfs,fstat,newfstatat,statx,write"
    argv = ["strace", "-f", "-qq", "-e", traced, "-o", str(log)]
    argv += [sys.executable, "-c", STRACED.format(kind=kind), str(path)]
    done = subprocess.run(argv, capture_output=True, check=False)
    if done.returncode != 0 and b"ptrace" in done.stderr:
        pytest.skip("ptrace not permitted")
    assert done.returncode == 0, done.stderr
    calls = log.read_text().split('write(1, "start')[1].splitlines()
    assert sum("fstatfs(" in line for line in calls) == 1
    # NOTE: no fstat of the descriptors either: statx answers, without syncing.
    assert not [line for line in calls if "fstat(" in line or "fstatat(" in line]
    assert sum("AT_STATX_DONT_SYNC" in line for line in calls) == 10


def test_cached_calls_without_openat2(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Pure twin only: no openat2 (other systems, kernels before 5.12, no ctypes).
    monkeypatch.setattr(fastresp._files_py, "_LINUX", None)
    assert fastresp._files_py.stat_cached(str(path)) is None
    assert fastresp._files_py.open_cached(str(path)) is None


# --- the twins agree ---------------------------------------------------------------------

TWINS = pytest.mark.skipif(
    importlib.util.find_spec("fastresp._files_c") is None, reason="compiled kernels not built"
)


def outcome(fn: Callable[..., Any], *args: Any) -> tuple[str, Any]:
    """The value, or the exception's type and errno (messages of int conversions differ)."""
    try:
        return ("ok", fn(*args))
    except Exception as exc:
        return (type(exc).__name__, getattr(exc, "errno", None))


@pytest.fixture(scope="module")
def twin_fd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    file = tmp_path_factory.mktemp("twins") / "data.bin"
    file.write_bytes(os.urandom(300_000))
    fd = os.open(file, os.O_RDONLY)
    yield fd
    os.close(fd)


@TWINS
@settings(max_examples=300, deadline=None)
@given(
    # NOTE: within C's integer ranges: conversion errors come before the checks in C.
    offset=st.one_of(st.integers(-3, 400_000), st.integers(2**63 - 70_000, 2**63 - 1)),
    size=st.integers(-2, 400_000),
    chunk_size=st.integers(-1, 200_000),
    nowait=st.booleans(),
)
def test_read_chunks_twins_agree(
    twin_fd: int, offset: int, size: int, chunk_size: int, nowait: bool
) -> None:
    import fastresp._files_c  # type: ignore[import-not-found,unused-ignore]

    args = (twin_fd, offset, size, chunk_size, nowait)
    compiled = outcome(fastresp._files_c.read_chunks, *args)
    assert compiled == outcome(fastresp._files_py.read_chunks, *args)


@st.composite
def plans(draw: st.DrawFn) -> tuple[list[tuple[int, int]], tuple[int, int]]:
    """Spans (sorted, as parse_range gives, or not) and a cursor, sometimes off."""
    starts = draw(st.lists(st.integers(0, 350_000), min_size=1, max_size=8))
    spans = [(start, start + draw(st.integers(1, 80_000))) for start in starts]
    if draw(st.booleans()):
        spans.sort()
    index = draw(st.integers(0, len(spans)))
    offset = spans[index][0] if index < len(spans) else draw(st.integers(-2, 10))
    if draw(st.integers(0, 9)) == 0:
        offset += draw(st.integers(-100_000, 100_000))
    return spans, (index, offset)


@TWINS
@settings(max_examples=300, deadline=None)
@given(
    plan=plans(),
    chunk_size=st.integers(-1, 100_000),
    budget=st.integers(-2, 1_200_000),
    nowait=st.booleans(),
)
def test_read_plan_twins_agree(
    twin_fd: int,
    plan: tuple[list[tuple[int, int]], tuple[int, int]],
    chunk_size: int,
    budget: int,
    nowait: bool,
) -> None:
    import fastresp._files_c  # type: ignore[import-not-found,unused-ignore]

    spans, cursor = plan
    args = (twin_fd, spans, chunk_size, cursor, budget, nowait)
    compiled = outcome(fastresp._files_c.read_plan, *args)
    assert compiled == outcome(fastresp._files_py.read_plan, *args)


@TWINS
@settings(max_examples=200, deadline=None)
@given(
    fd=st.sampled_from([-1, 10_000, 0]),
    size=st.integers(-2, 400_000),
    offset=st.one_of(st.integers(-2, 400_000), st.integers(2**63 - 10, 2**63 + 1)),
)
def test_read_at_twins_agree(twin_fd: int, fd: int, size: int, offset: int) -> None:
    import fastresp._files_c  # type: ignore[import-not-found,unused-ignore]

    args = (twin_fd if fd == 0 else fd, size, offset)
    assert outcome(fastresp._files_c.read_at, *args) == outcome(fastresp._files_py.read_at, *args)


@TWINS
def test_path_kernels_twins_agree(tmp_path: Path) -> None:
    import fastresp._files_c  # type: ignore[import-not-found,unused-ignore]

    c, py = fastresp._files_c, fastresp._files_py
    file = tmp_path / "f.txt"
    file.write_bytes(b"abc")
    names: list[Any] = [str(file), str(tmp_path), str(tmp_path / "nope"), *refusals(tmp_path)]
    names += [str(file) + "\0", b"/etc/hostname", str(file / "x")]
    for name in names:
        assert outcome(c.stat_file, name) == outcome(py.stat_file, name), name
        assert outcome(c.stat_cached, name) == outcome(py.stat_cached, name), name
        for kernel in (c.open_file, py.open_file, c.open_cached, py.open_cached):
            result = outcome(kernel, name)
            if result[0] == "ok" and result[1] is not None:
                os.close(result[1][0])
                result = ("ok", result[1][1])
            assert result == outcome(py.stat_file, name) or result == ("ok", None), name
