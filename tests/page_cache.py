"""Page-cache state for the tests that depend on it: evict a file and *verify* it left.

`posix_fadvise(DONTNEED)` is only advice: the kernel keeps pages that are dirty, under
writeback, mapped or locked, and never drops them on tmpfs (there they are the storage).
A test that merely asks would fail now and then without a defect; these helpers check
with `mincore(2)` and retry, and skip the test with the reason when the machine will
not evict.

An evicted page does not stay out either: an `RWF_NOWAIT` read that misses it starts the
kernel's readahead, and on a fast disk (or when a busy CPU delays the read's second
look) the page can be in before the read gives up, so the read returns data without a
defect. A test of a cold read therefore tries its scenario up to `ATTEMPTS` times and,
when no attempt saw the read stop, calls `no_cold_read_seen`.
"""

import ctypes
import mmap
import os
import sys
import time

import pytest

ATTEMPTS = 20

_libc = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None
if _libc is not None:
    _libc.mmap.restype = ctypes.c_void_p
    _libc.mmap.argtypes = [
        ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_long
    ]  # fmt: skip
    _libc.munmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
    _libc.mincore.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.POINTER(ctypes.c_ubyte)]
_MAP_FAILED = ctypes.c_void_p(-1).value


def resident_pages(fd: int, offset: int = 0, length: int | None = None) -> int:
    """How many pages of `fd[offset:offset + length]` are in the page cache (Linux).

    The file is mapped but never touched, so asking does not bring pages in.
    """
    assert _libc is not None, "mincore is Linux-only here"
    start = offset - offset % mmap.PAGESIZE
    end = os.fstat(fd).st_size if length is None else offset + length
    size = end - start
    if size <= 0:
        return 0
    address = _libc.mmap(None, size, mmap.PROT_READ, mmap.MAP_SHARED, fd, start)
    if address in (None, _MAP_FAILED):
        raise OSError(ctypes.get_errno(), "mmap failed")
    try:
        pages = (size + mmap.PAGESIZE - 1) // mmap.PAGESIZE
        vector = (ctypes.c_ubyte * pages)()
        if _libc.mincore(address, size, vector) != 0:
            raise OSError(ctypes.get_errno(), "mincore failed")
        return sum(byte & 1 for byte in vector)
    finally:
        _libc.munmap(address, size)


def evict(fd: int, offset: int = 0, length: int = 0) -> None:
    """Drop `fd[offset:offset + length]` (0: to the end; `offset` page-aligned) from the
    page cache, verified; skip the calling test when the kernel keeps the pages."""
    assert offset % mmap.PAGESIZE == 0, "fadvise keeps a partial first page"
    os.fsync(fd)  # NOTE: only clean pages can be dropped
    for attempt in range(ATTEMPTS):
        os.posix_fadvise(fd, offset, length, os.POSIX_FADV_DONTNEED)
        left = resident_pages(fd, offset, length or None)
        if left == 0:
            return
        time.sleep(0.01 * attempt)  # writeback or another CPU's batch may still hold them
    pytest.skip(
        f"the kernel keeps {left} page(s) of the file cached after {ATTEMPTS} "
        "POSIX_FADV_DONTNEED requests (tmpfs, or pages pinned): cannot test a cold read"
    )


def evict_path(path: "os.PathLike[str] | str") -> None:
    """`evict` the whole file at `path`."""
    fd = os.open(path, os.O_RDONLY)
    try:
        evict(fd)
    finally:
        os.close(fd)


def no_cold_read_seen(fd: int, offset: int = 0) -> None:
    """After `ATTEMPTS` tries of a scenario that never saw an `RWF_NOWAIT` read stop at
    evicted pages of `fd` from `offset`: skip the test if the kernel itself serves most
    such reads (this machine cannot show a cold read), else fail."""
    served = 0
    for _ in range(ATTEMPTS):
        evict(fd, offset)
        try:
            os.preadv(fd, [bytearray(1)], offset, os.RWF_NOWAIT)
            served += 1
        except BlockingIOError:
            pass
    if served > ATTEMPTS // 2:
        pytest.skip(
            f"the kernel served {served} of {ATTEMPTS} RWF_NOWAIT reads of evicted pages "
            "(its readahead completes before the read gives up): cannot test a cold read"
        )
    pytest.fail(
        f"no RWF_NOWAIT read stopped at evicted pages in {ATTEMPTS} attempts, though the "
        f"kernel refused {ATTEMPTS - served} of {ATTEMPTS} raw ones"
    )
