"""File kernels, over both twins: what opens, what is refused, positioned reads."""

import os
import socket
import stat
import sys
from pathlib import Path
from types import ModuleType

import pytest

import fastresp._files_py
from fastresp._errors import NotARegularFile

posix = pytest.mark.skipif(sys.platform == "win32", reason="POSIX file types")
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
def test_fifo_swapped_in_after_the_stat_is_refused(
    path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The fstat of the opened fd is what counts; O_NONBLOCK keeps the open from hanging.
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    regular = os.stat(path)
    monkeypatch.setattr(fastresp._files_py, "stat_file", lambda name: regular)
    before = open_fd_count()
    with pytest.raises(NotARegularFile):
        fastresp._files_py.open_file(str(fifo))
    assert open_fd_count() == before


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
    assert sorted(files_impl.__all__) == ["open_file", "read_at", "stat_file"]
