"""The Linux calls the pure file kernels need and Python does not expose, through
ctypes: `openat2(RESOLVE_CACHED)`, `statx(AT_STATX_DONT_SYNC)` and `fstatfs` (the
compiled twin, fastresp/_files_c.pyx, makes the same calls in C), and which
filesystems count as local. `bind_linux()` is None where any of it is missing (other
systems, architectures without a known openat2 number, builds without ctypes).
"""

import os
import struct
import sys
from collections.abc import Callable

__all__ = ["LOCAL_FILESYSTEMS", "Linux", "Statx", "bind_linux"]

# NOTE: filesystems whose open, fstat and close never wait on a device or a network
# once the path is in the dentry cache (`statfs.f_type`, linux/magic.h). Network and
# FUSE filesystems (NFS, CIFS, 9p, virtiofs, sshfs...) may call a server in open()
# or close(), so they are left to worker threads.
LOCAL_FILESYSTEMS = frozenset(
    (
        0xEF53,  # ext2/3/4
        0x58465342,  # xfs
        0x9123683E,  # btrfs
        0x01021994,  # tmpfs
        0x858458F6,  # ramfs
        0x794C7630,  # overlayfs (containers)
        0xF2F52010,  # f2fs
        0x2FC12FC1,  # zfs
        0xCA451A4E,  # bcachefs
        0x73717368,  # squashfs
        0xE0F5E1E2,  # erofs
    )
)


_RESOLVE_CACHED = 0x20  # linux/openat2.h
_AT_EMPTY_PATH = 0x1000  # linux/fcntl.h
_AT_STATX_DONT_SYNC = 0x4000
_STATX_BASIC_STATS = 0x7FF  # linux/stat.h
_STATX_MNT_ID = 0x1000
# NOTE: struct statx up to stx_mnt_id; each timestamp is {s64 sec, u32 nsec, s32}.
_STATX = struct.Struct("@IIQIIIHHQQQQqIiqIiqIiqIiIIIIQ")
_AT_FDCWD = -100
# NOTE: openat2 has the same number on every architecture but alpha and mips.
_SYS_OPENAT2 = 437
_OPENAT2_ARCHS = ("x86_64", "aarch64", "arm", "i386", "i686", "riscv", "ppc", "s390", "loong")


Statx = tuple[tuple[int, int], os.stat_result]
Linux = tuple[Callable[[bytes, int], int], Callable[[int], int], Callable[[int], Statx | None]]


def bind_linux() -> Linux | None:
    """`openat2(path, flags)` with RESOLVE_CACHED, `f_type(fd)` (-1 on error) and
    `statx(fd)`: `((st_dev, mount id), stat)` or None, where they exist."""
    if not sys.platform.startswith("linux") or not hasattr(os, "O_PATH"):
        return None
    machine = os.uname().machine
    if not machine.startswith(_OPENAT2_ARCHS):
        return None
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        syscall = libc.syscall
        fstatfs = libc.fstatfs
        statx = libc.statx
    except (ImportError, OSError, AttributeError):  # NOTE: some builds lack ctypes
        return None
    syscall.restype = ctypes.c_long
    fstatfs.argtypes = (ctypes.c_int, ctypes.c_void_p)
    fstatfs.restype = ctypes.c_int
    statx.argtypes = (ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_uint, ctypes.c_void_p)
    statx.restype = ctypes.c_int
    how_type = ctypes.c_uint64 * 3  # struct open_how {flags, mode, resolve}
    # NOTE: statfs.f_type is the first field: a long, but an unsigned int on s390x.
    f_type_type = ctypes.c_uint if machine.startswith("s390") else ctypes.c_long

    def openat2(path: bytes, flags: int) -> int:
        how = how_type(flags, 0, _RESOLVE_CACHED)
        fd = syscall(
            ctypes.c_long(_SYS_OPENAT2),
            ctypes.c_int(_AT_FDCWD),
            ctypes.c_char_p(path),
            ctypes.byref(how),
            ctypes.c_size_t(ctypes.sizeof(how)),
        )
        return int(fd)

    def f_type(fd: int) -> int:
        buffer = (ctypes.c_char * 256)()  # NOTE: struct statfs is 120 bytes on 64-bit
        if fstatfs(fd, buffer) != 0:
            return -1
        return int(f_type_type.from_buffer(buffer).value)

    def statx_fd(fd: int) -> Statx | None:
        buffer = (ctypes.c_char * 256)()  # NOTE: struct statx is 256 bytes
        flags = _AT_EMPTY_PATH | _AT_STATX_DONT_SYNC
        if statx(fd, b"", flags, _STATX_BASIC_STATS | _STATX_MNT_ID, buffer) != 0:
            return None
        return _stat_result(_STATX.unpack_from(buffer))

    return openat2, f_type, statx_fd


def _stat_result(fields: tuple[int, ...]) -> Statx | None:
    """The `os.fstat` result, field for field, from the fields of a struct statx."""
    mask, blksize, _, nlink, uid, gid, mode, _, ino, size, blocks = fields[:11]
    if mask & _STATX_BASIC_STATS != _STATX_BASIC_STATS:
        return None
    a_sec, a_nsec, m_sec, m_nsec, c_sec, c_nsec = fields[12:14] + fields[21:23] + fields[18:20]
    rdev_major, rdev_minor, dev_major, dev_minor, mount = fields[24:29]
    dev = os.makedev(dev_major, dev_minor)
    result = os.stat_result(
        (
            *(mode, ino, dev, nlink, uid, gid, size, a_sec, m_sec, c_sec),
            *(a_sec + a_nsec * 1e-9, m_sec + m_nsec * 1e-9, c_sec + c_nsec * 1e-9),
            *(a_sec * 10**9 + a_nsec, m_sec * 10**9 + m_nsec, c_sec * 10**9 + c_nsec),
            *(blksize, blocks, os.makedev(rdev_major, rdev_minor)),
        )
    )
    return (dev, mount if mask & _STATX_MNT_ID else 0), result
