"""File kernels, pure twin (the reference for `_files_c`).

Two kinds of call:

- blocking ones, run in a worker thread: `stat_file`, `open_file`, `read_at`,
  `read_chunks` and `read_plan`;
- ones that never wait for storage, safe on the event loop: `stat_cached`,
  `open_cached`, and the reads with `nowait=True`. They answer None (or no chunks)
  whenever they would have to wait, and the caller falls back to a worker thread.

Reads are positioned (`pread`), so a descriptor has no file offset to keep in step
and no seek is needed.

Waiting is avoided with Linux primitives, the ones io_uring uses for its inline
(no worker) attempts: `openat2(RESOLVE_CACHED)` resolves a path from the dentry cache
or fails with EAGAIN (Linux 5.12), and `preadv2(RWF_NOWAIT)` reads what the page cache
holds or fails with EAGAIN (Linux 4.14). Python exposes the second but not the first,
so `openat2`, `statx` and `fstatfs` are called through ctypes (`_files_linux`); where
any of that is missing (other systems, old kernels, seccomp filters) the cached calls always answer
None.

On a network filesystem even `fstat` and `fstatfs` may ask the server, and a recently
used path can still be in the dentry cache. So the cached calls stat with `statx(...,
AT_STATX_DONT_SYNC)`, which answers from the inode as it is, and decide whether a
filesystem is local once per mount (`fstatfs` on the first file seen there, kept in a
bounded table keyed by device and mount id): a known network mount is never asked.
"""

import errno
import os
import stat

from ._errors import NotARegularFile
from ._files_linux import LOCAL_FILESYSTEMS, bind_linux

__all__ = [
    "open_cached",
    "open_file",
    "read_at",
    "read_chunks",
    "read_plan",
    "stat_cached",
    "stat_file",
]

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
# NOTE: a reopen through /proc/self/fd opens the very inode that was checked, so
# it cannot be swapped for a FIFO: no O_NONBLOCK to clear afterwards.
_REOPEN_FLAGS = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0)
# NOTE: "would block" and "cannot tell without blocking" (RWF_NOWAIT unsupported by
# the kernel, the filesystem or the libc): either way the caller uses a thread.
_WOULD_BLOCK = frozenset((errno.EAGAIN, errno.EWOULDBLOCK, errno.EOPNOTSUPP, errno.ENOSYS))
_NOWAIT: int = getattr(os, "RWF_NOWAIT", 0) if hasattr(os, "preadv") else 0

# NOTE: the locality of each mount seen, keyed by (st_dev, mount id): at most
# _DEVICES_MAX entries, emptied when full (a handful of mounts serve files).
_LOCAL_DEVICES: dict[tuple[int, int], bool] = {}
_DEVICES_MAX = 64
# NOTE: the encoded paths `open_cached` found to be local regular files: at most
# _KNOWN_MAX, emptied when full.
_KNOWN_PATHS: dict[bytes, None] = {}
_KNOWN_MAX = 1024


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


def stat_cached(path: str) -> os.stat_result | None:
    """`stat_file(path)` if that needs no storage or network I/O, else None.

    None also when the path is missing or is not a regular file, and on any error:
    `stat_file` in a worker thread then gives the authoritative answer.
    """
    encoded = _encode_path(path)
    if encoded is None:
        return None
    fd = _open_path(encoded)
    if fd < 0:
        return None
    try:
        return _local_regular_stat(fd)
    finally:
        os.close(fd)


def open_cached(path: str) -> tuple[int, os.stat_result] | None:
    """`open_file(path)` if that needs no storage or network I/O, else None.

    The path is resolved from the dentry cache alone. The first time, to an O_PATH
    descriptor, which opens nothing: only a regular file on a local filesystem is then
    reopened for reading, through /proc/self/fd (never by name again, so it cannot be
    swapped), and the path becomes known. A known path is opened for reading at once
    and kept only if it still names a local regular file; else it is forgotten and
    takes the first route again. Never raises for a missing or unreadable file: None,
    and `open_file` in a worker thread raises the authoritative error.
    """
    encoded = _encode_path(path)
    if encoded is None:
        return None
    if encoded in _KNOWN_PATHS:
        # SECURITY: a path opened before as a local regular file, then swapped for
        # something else, gets that thing opened once, with O_NONBLOCK (a FIFO cannot
        # block) and O_NOCTTY, before the statx check refuses it: a device's driver
        # sees one open(), a network filesystem one call on the loop. The first route
        # never opens anything but a checked inode.
        assert _LINUX is not None
        fd = _LINUX[0](encoded, _OPEN_FLAGS)
        if fd >= 0:
            result = _local_regular_stat(fd)
            try:
                if result is not None:
                    os.set_blocking(fd, True)  # NOTE: as the first route's descriptor
                    return fd, result
            except OSError:
                pass
            os.close(fd)
        _KNOWN_PATHS.pop(encoded, None)  # NOTE: another thread may have cleared it
    fd = _open_path(encoded)
    if fd < 0:
        return None
    try:
        result = _local_regular_stat(fd)
        if result is None:
            return None
        try:
            reopened = os.open(f"/proc/self/fd/{fd}", _REOPEN_FLAGS)
        except OSError:  # no /proc (some sandboxes), or permission denied
            return None
        if len(_KNOWN_PATHS) >= _KNOWN_MAX:
            _KNOWN_PATHS.clear()
        _KNOWN_PATHS[encoded] = None
        return reopened, result
    finally:
        os.close(fd)


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


def read_chunks(
    fd: int, offset: int, size: int, chunk_size: int, nowait: bool = False
) -> list[bytes]:
    """Read bytes `[offset, offset + size)` as pieces of `chunk_size` (the last smaller).

    A fresh `bytes` per piece, so each can be handed to a server that keeps it. The
    file ending early shows as a short last piece (maybe empty), after which nothing
    is read. With `nowait`, only what the page cache holds right now is read: the
    pieces before the first one that would wait for storage (none at all where
    `RWF_NOWAIT` is unavailable). Errors: OSError as from `os.pread` (EINVAL for a
    negative offset); ValueError for a negative size or a chunk size below 1.
    """
    if size < 0:
        raise ValueError("size must not be negative")
    if chunk_size < 1:
        raise ValueError("chunk_size must be positive")
    if offset < 0:  # NOTE: preadv2 would read at the file position for -1
        raise OSError(errno.EINVAL, os.strerror(errno.EINVAL))
    chunks: list[bytes] = []
    if nowait and not _NOWAIT:
        return chunks
    while size:
        count = min(chunk_size, size)
        data = _read_cached(fd, count, offset, _NOWAIT) if nowait else read_at(fd, count, offset)
        if data is None:
            break
        chunks.append(data)
        if len(data) < count:
            break
        offset += count
        size -= count
    return chunks


def read_plan(
    fd: int,
    spans: list[tuple[int, int]],
    chunk_size: int,
    cursor: tuple[int, int],
    budget: int,
    nowait: bool = False,
) -> tuple[list[tuple[int, int, bytes]], tuple[int, int]]:
    """Read the chunks of a plan, from `cursor` on, for about `budget` bytes.

    A plan is `spans` (half-open `(start, end)`), each cut in `chunk_size` pieces; the
    cursor is `(span index, offset)` of the next chunk. Reads whole chunks, at least
    one (`budget` may be exceeded by it), and returns `(chunks, new cursor)` with each
    chunk as `(offset, planned size, data)`. The cursor moves past the last span when
    all is read, or when the file ended early (a short chunk, after which nothing is
    read). With `nowait`, stops where the page cache runs out, maybe at no chunk.
    """
    if chunk_size < 1:
        raise ValueError("chunk_size must be positive")
    if budget < 0:
        raise ValueError("budget must not be negative")
    chunks: list[tuple[int, int, bytes]] = []
    index, offset = cursor
    count_spans = len(spans)
    while index < count_spans:
        end = spans[index][1]
        remaining = end - offset
        if remaining <= budget:
            size = remaining
        elif budget >= chunk_size:
            size = budget // chunk_size * chunk_size
        elif not chunks:
            size = min(chunk_size, remaining)
        else:
            break
        if not size:
            break
        for data in read_chunks(fd, offset, size, chunk_size, nowait):
            count = min(chunk_size, end - offset)
            chunks.append((offset, count, data))
            if len(data) < count:
                return chunks, (count_spans, offset)
            offset += count
            budget -= count
        if offset < end:  # a partial span: out of budget, or out of page cache
            break
        index += 1
        if index < count_spans:
            offset = spans[index][0]
    return chunks, (index, offset)


def _read_cached(fd: int, size: int, offset: int, flags: int) -> bytes | None:
    """`read_at` from the page cache alone, or None if that would wait for storage."""
    buffer = bytearray(size)
    view = memoryview(buffer)
    done = 0
    while done < size:
        try:
            count = os.preadv(fd, [view[done:]], offset + done, flags)
        except OSError as exc:
            if exc.errno in _WOULD_BLOCK:
                return None
            raise
        if not count:
            break
        done += count
    return bytes(buffer) if done == size else bytes(view[:done])


if hasattr(os, "pread"):
    _pread = os.pread
else:  # NOTE: Windows has no pread; each descriptor is read by one response at a time

    def _pread(fd: int, size: int, offset: int) -> bytes:
        os.lseek(fd, offset, os.SEEK_SET)
        return os.read(fd, size)


# --- the cached calls' helpers (Linux) --------------------------------------------------

_LINUX = bind_linux()


def _encode_path(path: str) -> bytes | None:
    """`path` as the system takes it, or None where the cached calls cannot serve."""
    if _LINUX is None:
        return None
    encoded = os.fsencode(path)
    if b"\0" in encoded:  # NOTE: ctypes would cut the path short; os.open raises later
        return None
    return encoded


def _open_path(encoded: bytes) -> int:
    """An O_PATH descriptor for the encoded path, from the dentry cache alone, or -1."""
    assert _LINUX is not None  # NOTE: only reached with a path from _encode_path
    return _LINUX[0](encoded, os.O_PATH | os.O_CLOEXEC)


def _local_regular_stat(fd: int) -> os.stat_result | None:
    """The stat of `fd` if it is a regular file on a local filesystem, else None."""
    assert _LINUX is not None  # NOTE: only reached with a descriptor from _open_path
    found = _LINUX[2](fd)
    if found is None:
        return None
    mount, result = found
    local = _LOCAL_DEVICES.get(mount)
    if local is None:  # NOTE: the first file of this mount: fstatfs, once
        f_type = _LINUX[1](fd)
        if f_type == -1:
            return None
        local = f_type & 0xFFFFFFFF in LOCAL_FILESYSTEMS  # NOTE: an int on 32-bit
        if len(_LOCAL_DEVICES) >= _DEVICES_MAX:
            _LOCAL_DEVICES.clear()
        _LOCAL_DEVICES[mount] = local
    return result if local and stat.S_ISREG(result.st_mode) else None
