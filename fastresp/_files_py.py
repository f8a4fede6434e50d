"""File kernels, pure twin (the reference for `_files_c`).

Blocking calls: the caller runs each one in a worker thread. Reads are positioned
(`pread`), so a descriptor has no file offset to keep in step and no seek is needed.
"""

import os
import stat

from ._errors import NotARegularFile

__all__ = ["open_file", "read_at", "stat_file"]

# NOTE: O_NONBLOCK so that a FIFO swapped in after the stat cannot block the open
# (it is refused by the fstat check right after); O_NOCTTY so a terminal never becomes
# the controlling one; O_BINARY stops Windows from translating line ends.
_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_BINARY", 0)
)
_CLEAR_NONBLOCK = hasattr(os, "O_NONBLOCK")


def stat_file(path: str) -> os.stat_result:
    """`os.stat(path)`, refusing anything but a regular file with `NotARegularFile`."""
    result = os.stat(path)
    if not stat.S_ISREG(result.st_mode):
        raise NotARegularFile(f"not a regular file: {path!r}")
    return result


def open_file(path: str) -> tuple[int, os.stat_result]:
    """Open a regular file for reading: `(fd, fstat of that fd)`.

    Raises what `os.stat`/`os.open` raise (`FileNotFoundError`, `PermissionError`...)
    or `NotARegularFile`; never leaves a descriptor open when it raises.
    """
    # SECURITY: stat before opening, as Starlette does, so a device node is never
    # opened (opening some has side effects); the fstat below closes the race.
    stat_file(path)
    fd = os.open(path, _OPEN_FLAGS)
    try:
        result = os.fstat(fd)
        if not stat.S_ISREG(result.st_mode):
            raise NotARegularFile(f"not a regular file: {path!r}")
        if _CLEAR_NONBLOCK:  # NOTE: not needed by local filesystems; some FUSE ones honour it
            os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd, result


def read_at(fd: int, size: int, offset: int) -> bytes:
    """Read `size` bytes at `offset`; fewer only when the file ends first."""
    data = _pread(fd, size, offset)
    if len(data) == size or not data:
        return data
    # NOTE: a short read before EOF (signals, network and FUSE filesystems): keep
    # reading, so chunks are as full as a buffered read's.
    parts = [data]
    done = len(data)
    while done < size:
        data = _pread(fd, size - done, offset + done)
        if not data:
            break
        parts.append(data)
        done += len(data)
    return b"".join(parts)


if hasattr(os, "pread"):
    _pread = os.pread
else:  # NOTE: Windows has no pread; each descriptor is read by one response at a time

    def _pread(fd: int, size: int, offset: int) -> bytes:
        os.lseek(fd, offset, os.SEEK_SET)
        return os.read(fd, size)
