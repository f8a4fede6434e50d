# cython: binding=False, embedsignature.format=clinic, autotestdict=False
# NOTE: the same directives as the other kernels: clinic-format signatures give these
# builtins a real `inspect.signature` (twin parity, stubtest) without binding=True.
#
# File kernels, compiled twin of fastresp/_files_py.py (the reference: docstrings there).
#
# PERF: the reads are the point. Each piece is a fresh `bytes` allocated first and read
# into in place by one preadv/preadv2 per group of pieces, with the GIL released: no
# bytearray to zero, no copy into `bytes` afterwards, one syscall per group instead of
# one per piece. The pure twin copies every nowait piece once more and calls openat2,
# statx and fstatfs through ctypes (_files_linux.py). stat_file/open_file are
# syscall-bound: the reference's lines, compiled.

import os
import stat

from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize
from cpython.exc cimport PyErr_CheckSignals, PyErr_SetFromErrno

cdef extern from "Python.h":
    bytes PyUnicode_EncodeFSDefault(object unicode)
from libc.errno cimport EINTR, EINVAL, errno

from cpython.pyport cimport PY_SSIZE_T_MAX, PY_SSIZE_T_MIN
from libc.limits cimport INT_MAX, INT_MIN

from fastresp._cnum cimport as_ll

from . import _files_py as _py
from ._errors import NotARegularFile

__all__ = [
    "open_cached",
    "open_file",
    "read_at",
    "read_chunks",
    "read_plan",
    "stat_cached",
    "stat_file",
]

cdef extern from *:
    """
    #include <errno.h>
    #include <limits.h>
    #include <stdint.h>
    #include <stdio.h>
    #include <sys/types.h>
    #if defined(_WIN32)
    typedef struct { void *iov_base; size_t iov_len; } fr_iovec;
    #define FR_PREAD 0
    #else
    #include <fcntl.h>
    #include <unistd.h>
    #include <sys/uio.h>
    typedef struct iovec fr_iovec;
    #define FR_PREAD 1
    #endif

    /* Same condition as os.preadv's flags and os.RWF_NOWAIT: the twins agree. */
    #if defined(__linux__) && defined(HAVE_PREADV2) && defined(RWF_NOWAIT)
    #define FR_NOWAIT 1
    #else
    #define FR_NOWAIT 0
    #endif

    #if defined(__linux__) && defined(O_PATH)
    #include <sys/stat.h>
    #include <sys/syscall.h>
    #include <sys/sysmacros.h>
    #include <sys/vfs.h>
    #if !defined(SYS_openat2) && (defined(__x86_64__) || defined(__aarch64__) || \\
        defined(__i386__) || defined(__arm__) || defined(__riscv) || \\
        defined(__powerpc__) || defined(__s390__) || defined(__loongarch__))
    #define SYS_openat2 437  /* same number on every architecture but alpha and mips */
    #endif
    #endif
    #if defined(SYS_openat2) && defined(STATX_BASIC_STATS) && defined(AT_STATX_DONT_SYNC)
    #ifndef STATX_MNT_ID
    #define STATX_MNT_ID 0x1000U
    #endif
    #define FR_CACHED 1
    #else
    #define FR_CACHED 0
    #endif

    static int fr_would_block(int err) {
        return err == EAGAIN || err == EWOULDBLOCK || err == EOPNOTSUPP || err == ENOSYS;
    }

    /* One positioned read into iov[0..cnt): bytes read, or -1 and errno. */
    static Py_ssize_t fr_read_iov(int fd, fr_iovec *iov, int cnt, long long offset, int nowait) {
    #if defined(__linux__)
        if (nowait) {
    #if FR_NOWAIT
            return preadv2(fd, iov, cnt, (off_t)offset, RWF_NOWAIT);
    #else
            errno = EOPNOTSUPP;
            return -1;
    #endif
        }
        return preadv(fd, iov, cnt, (off_t)offset);
    #elif FR_PREAD
        (void)cnt;
        if (nowait) {
            errno = EOPNOTSUPP;
            return -1;
        }
        return pread(fd, iov[0].iov_base, iov[0].iov_len, (off_t)offset);
    #else
        (void)fd; (void)iov; (void)cnt; (void)offset; (void)nowait;
        errno = ENOSYS;
        return -1;
    #endif
    }

    /* An O_PATH descriptor resolved from the dentry cache alone (openat2 RESOLVE_CACHED),
       or -1. */
    static int fr_open_path(const char *path) {
    #if FR_CACHED
        struct { uint64_t flags, mode, resolve; } how = {O_PATH | O_CLOEXEC, 0, 0x20};
        return (int)syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof how);
    #else
        (void)path;
        errno = ENOSYS;
        return -1;
    #endif
    }

    /* The fields of os.stat_result, from statx without asking a network server. */
    typedef struct {
        unsigned long long mode, ino, dev, nlink, uid, gid, size, blksize, blocks, rdev;
        unsigned long long mount;
        long long sec[3];  /* atime, mtime, ctime */
        unsigned long nsec[3];
    } fr_stat;

    static int fr_statx(int fd, fr_stat *out) {
    #if FR_CACHED
        struct statx info;
        if (statx(fd, "", AT_EMPTY_PATH | AT_STATX_DONT_SYNC, STATX_BASIC_STATS | STATX_MNT_ID,
                  &info) != 0 || (info.stx_mask & STATX_BASIC_STATS) != STATX_BASIC_STATS)
            return -1;
        out->mode = info.stx_mode;
        out->ino = info.stx_ino;
        out->dev = makedev(info.stx_dev_major, info.stx_dev_minor);
        out->nlink = info.stx_nlink;
        out->uid = info.stx_uid;
        out->gid = info.stx_gid;
        out->size = info.stx_size;
        out->blksize = info.stx_blksize;
        out->blocks = info.stx_blocks;
        out->rdev = makedev(info.stx_rdev_major, info.stx_rdev_minor);
        out->mount = (info.stx_mask & STATX_MNT_ID) ? info.stx_mnt_id : 0;
        out->sec[0] = info.stx_atime.tv_sec;
        out->nsec[0] = info.stx_atime.tv_nsec;
        out->sec[1] = info.stx_mtime.tv_sec;
        out->nsec[1] = info.stx_mtime.tv_nsec;
        out->sec[2] = info.stx_ctime.tv_sec;
        out->nsec[2] = info.stx_ctime.tv_nsec;
        return 0;
    #else
        (void)fd; (void)out;
        return -1;
    #endif
    }

    /* 1 for a filesystem (statfs.f_type, linux/magic.h) that never waits on a device or
       a network in open, fstat or close once the path is cached, 0 for another, -1 if
       fstatfs fails. */
    static int fr_is_local(int fd) {
    #if FR_CACHED
        struct statfs info;
        if (fstatfs(fd, &info) != 0)
            return -1;
        switch ((uint32_t)info.f_type) {
        case 0xEF53u:      /* ext2/3/4 */
        case 0x58465342u:  /* xfs */
        case 0x9123683Eu:  /* btrfs */
        case 0x01021994u:  /* tmpfs */
        case 0x858458F6u:  /* ramfs */
        case 0x794C7630u:  /* overlayfs */
        case 0xF2F52010u:  /* f2fs */
        case 0x2FC12FC1u:  /* zfs */
        case 0xCA451A4Eu:  /* bcachefs */
        case 0x73717368u:  /* squashfs */
        case 0xE0F5E1E2u:  /* erofs */
            return 1;
        }
    #else
        (void)fd;
    #endif
        return 0;
    }

    /* A descriptor for reading `path`, resolved from the dentry cache alone, or -1.
       O_NONBLOCK: a FIFO found there cannot block the open (`fr_set_blocking` clears
       it once the file is checked); O_NOCTTY: a terminal never becomes the
       controlling one. */
    static int fr_open_read(const char *path) {
    #if FR_CACHED
        struct { uint64_t flags, mode, resolve; } how = {
            O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC, 0, 0x20};
        return (int)syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof how);
    #else
        (void)path;
        errno = ENOSYS;
        return -1;
    #endif
    }

    /* Clear O_NONBLOCK (no other status flag was set): 0, or -1 with errno. */
    static int fr_set_blocking(int fd) {
    #if FR_CACHED
        return fcntl(fd, F_SETFL, 0);
    #else
        (void)fd;
        errno = ENOSYS;
        return -1;
    #endif
    }

    /* Reopen an O_PATH descriptor for reading through /proc/self/fd: the same inode. */
    static int fr_reopen(int fd) {
    #if FR_CACHED
        char name[40];
        snprintf(name, sizeof name, "/proc/self/fd/%d", fd);
        return open(name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    #else
        (void)fd;
        errno = ENOSYS;
        return -1;
    #endif
    }

    static void fr_close(int fd) {
    #if FR_PREAD
        close(fd);
    #else
        (void)fd;
    #endif
    }
    """
    ctypedef struct fr_iovec:
        void *iov_base
        size_t iov_len
    const int FR_PREAD
    const int FR_NOWAIT
    const int FR_CACHED
    const long long LLONG_MAX
    ctypedef struct fr_stat:
        unsigned long long mode, ino, dev, nlink, uid, gid, size, blksize, blocks, rdev
        unsigned long long mount
        long long sec[3]
        unsigned long nsec[3]
    int fr_statx(int fd, fr_stat *out)
    bint fr_would_block(int err) nogil
    Py_ssize_t fr_read_iov(int fd, fr_iovec *iov, int cnt, long long offset, int nowait) nogil
    int fr_open_path(const char *path)
    int fr_open_read(const char *path)
    int fr_set_blocking(int fd)
    int fr_is_local(int fd)
    int fr_reopen(int fd)
    void fr_close(int fd)

# NOTE: O_NONBLOCK so that a FIFO swapped in after the stat cannot block the open.
_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_BINARY", 0)
)
_CLEAR_NONBLOCK = hasattr(os, "O_NONBLOCK")
# NOTE: the locality of each mount seen, keyed by (st_dev, mount id), bounded.
_LOCAL_DEVICES = {}
cdef Py_ssize_t _DEVICES_MAX = 64
# NOTE: the encoded paths `open_cached` found to be local regular files, bounded.
_KNOWN_PATHS = {}
cdef Py_ssize_t _KNOWN_MAX = 1024
_StatResult = os.stat_result

# PERF: up to 64 pieces (4 MiB) per preadv: a 1 MiB hop of 64 KiB chunks is one syscall.
# NOTE: |value| < 2**61 keeps read_plan's span and cursor arithmetic in 63 bits.
cdef long long _SMALL = 1LL << 61

cdef enum:
    GROUP_PIECES = 64
    GROUP_BYTES = 4 * 1024 * 1024


def stat_file(path):
    result = os.stat(path)
    if not stat.S_ISREG(result.st_mode):
        raise NotARegularFile(f"not a regular file: {path!r}")
    return result


def open_file(path):
    stat_file(path)
    fd = os.open(path, _OPEN_FLAGS)
    try:
        result = os.fstat(fd)
        if not stat.S_ISREG(result.st_mode):
            raise NotARegularFile(f"not a regular file: {path!r}")
        if _CLEAR_NONBLOCK:
            os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd, result


def stat_cached(path):
    cdef int fd = _open_path(path)
    if fd < 0:
        return None
    try:
        return _local_regular_stat(fd)
    finally:
        fr_close(fd)


def open_cached(path):
    cdef bytes encoded = _encode_path(path)
    cdef int fd, reopened
    if encoded is None:
        return None
    if encoded in _KNOWN_PATHS:
        # PERF: a path known to name a local regular file is opened for reading at
        # once: openat2, statx and fcntl instead of openat2(O_PATH), statx, an open
        # through procfs and a close (-15 us of ~200 us per 4 KiB GET under uvicorn).
        # SECURITY: what now stands there is refused unless it is a local regular
        # file too (see the pure twin).
        fd = fr_open_read(encoded)
        if fd >= 0:
            result = _local_regular_stat(fd)
            if result is not None and fr_set_blocking(fd) == 0:
                return fd, result
            fr_close(fd)
        _KNOWN_PATHS.pop(encoded, None)  # NOTE: another thread may have cleared it
    fd = fr_open_path(encoded)
    if fd < 0:
        return None
    try:
        result = _local_regular_stat(fd)
        if result is None:
            return None
        reopened = fr_reopen(fd)
        if reopened < 0:
            return None
        if len(_KNOWN_PATHS) >= _KNOWN_MAX:
            _KNOWN_PATHS.clear()
        _KNOWN_PATHS[encoded] = None
        return reopened, result
    finally:
        fr_close(fd)


cdef object _encode_path(object path):
    """The path as the system takes it, or None where the cached calls cannot serve."""
    if not FR_CACHED:
        return None
    # PERF: os.fsencode's own encoding and error handler, without its Python frame.
    cdef bytes encoded
    if type(path) is str:
        encoded = PyUnicode_EncodeFSDefault(path)
    else:
        encoded = os.fsencode(path)
    if b"\0" in encoded:
        return None
    return encoded


cdef int _open_path(object path) except -2:
    cdef bytes encoded = _encode_path(path)
    return -1 if encoded is None else fr_open_path(encoded)


cdef object _local_regular_stat(int fd):
    cdef fr_stat info
    cdef int found
    if fr_statx(fd, &info) != 0:
        return None
    mount = (info.dev, info.mount)
    local = _LOCAL_DEVICES.get(mount)
    if local is None:  # NOTE: the first file of this mount: fstatfs, once
        found = fr_is_local(fd)
        if found < 0:
            return None
        local = found == 1
        if len(_LOCAL_DEVICES) >= _DEVICES_MAX:
            _LOCAL_DEVICES.clear()
        _LOCAL_DEVICES[mount] = local
    if not local or not stat.S_ISREG(info.mode):
        return None
    # PERF: statx's fields, not an fstat: openat2, statx and close per cached stat (was
    # fstatfs and fstat too): 5.15 us against 5.32 us, best of 4 alternated runs.
    return _StatResult(
        (
            info.mode, info.ino, info.dev, info.nlink, info.uid, info.gid, info.size,
            info.sec[0], info.sec[1], info.sec[2],
            _seconds(info.sec[0], info.nsec[0]),
            _seconds(info.sec[1], info.nsec[1]),
            _seconds(info.sec[2], info.nsec[2]),
            <object>info.sec[0] * 1000000000 + info.nsec[0],
            <object>info.sec[1] * 1000000000 + info.nsec[1],
            <object>info.sec[2] * 1000000000 + info.nsec[2],
            info.blksize, info.blocks, info.rdev,
        )
    )


cdef inline double _seconds(long long sec, unsigned long nsec):
    # NOTE: os.stat's own float: the same two double operations, bit for bit.
    return <double>sec + <double>nsec * 1e-9


cdef int _raise_errno(int err) except -1:
    global errno
    errno = err
    PyErr_SetFromErrno(OSError)
    return -1


cdef Py_ssize_t _read_into(
    int fd, fr_iovec *iov, int count, long long offset, bint nowait, bint *blocked
) except -1:
    """Fill `iov[0..count)` from `offset`; stop at end of file or, with `nowait`, where
    the page cache runs out (`blocked`). The bytes read; OSError on any other error."""
    cdef Py_ssize_t done = 0
    cdef Py_ssize_t got
    cdef int err = 0
    cdef int first = 0
    while first < count:
        with nogil:
            got = fr_read_iov(fd, iov + first, count - first, offset + done, nowait)
            if got < 0:
                err = errno
        if got < 0:
            if err == EINTR:  # NOTE: as os.pread (PEP 475): run handlers, then retry
                PyErr_CheckSignals()
                continue
            if nowait and fr_would_block(err):
                blocked[0] = True
                return done
            _raise_errno(err)
        if got == 0:
            break
        done += got
        while got > 0 and first < count:  # step over what was filled
            if <size_t>got >= iov[first].iov_len:
                got -= iov[first].iov_len
                first += 1
            else:
                iov[first].iov_base = <char *>iov[first].iov_base + got
                iov[first].iov_len -= got
                got = 0
    return done


cdef inline bint _as_fd(object value, int *out):
    """`*out = value` for an exact int in C `int` range; False otherwise."""
    cdef long long v = 0
    if not as_ll(value, &v) or v < INT_MIN or v > INT_MAX:
        return False
    out[0] = <int>v
    return True


cdef inline bint _as_size(object value, Py_ssize_t *out):
    """`*out = value` for an exact int in `Py_ssize_t` range; False otherwise."""
    cdef long long v = 0
    if not as_ll(value, &v) or v < PY_SSIZE_T_MIN or v > PY_SSIZE_T_MAX:
        return False
    out[0] = <Py_ssize_t>v
    return True


cdef inline bint _small_pair(object value):
    """An exact 2-tuple of exact ints of magnitude below 2**61 (no overflow in sums)."""
    cdef long long a = 0, b = 0
    return (
        type(value) is tuple
        and len(<tuple>value) == 2
        and as_ll((<tuple>value)[0], &a)
        and as_ll((<tuple>value)[1], &b)
        and -_SMALL < a < _SMALL
        and -_SMALL < b < _SMALL
    )


# NOTE: the C paths take exact ints (and bools, lists, tuples) that fit their C types;
# anything else (a descriptor past 2**31, a size past 2**63, a wrong type...) is handed
# to the pure twin before anything is read, so it behaves identically by construction.


def read_at(fd, size, offset):
    cdef int c_fd = 0
    cdef Py_ssize_t c_size = 0
    cdef long long c_offset = 0
    if not (
        FR_PREAD and _as_fd(fd, &c_fd) and _as_size(size, &c_size) and as_ll(offset, &c_offset)
    ):
        return _py.read_at(fd, size, offset)
    if c_size < 0 or c_offset < 0:  # NOTE: os.pread and the kernel say EINVAL
        _raise_errno(EINVAL)
    if c_size == 0:
        # NOTE: preadv of nothing succeeds where pread checks the descriptor (EISDIR
        # for a directory): pread's answer, as the reference's. Never on a hot path.
        return _py.read_at(fd, size, offset)
    cdef bytes data = PyBytes_FromStringAndSize(NULL, c_size)
    cdef fr_iovec iov
    cdef bint blocked = False
    iov.iov_base = PyBytes_AS_STRING(data)
    iov.iov_len = <size_t>c_size
    cdef Py_ssize_t done = _read_into(c_fd, &iov, 1, c_offset, False, &blocked)
    return data if done == c_size else data[:done]


def read_chunks(fd, offset, size, chunk_size, nowait=False):
    cdef int c_fd = 0
    cdef long long c_offset = 0
    cdef Py_ssize_t c_size = 0, c_chunk = 0
    if not (
        FR_PREAD
        and _as_fd(fd, &c_fd)
        and as_ll(offset, &c_offset)
        and _as_size(size, &c_size)
        and _as_size(chunk_size, &c_chunk)
        and type(nowait) is bool
    ):
        return _py.read_chunks(fd, offset, size, chunk_size, nowait)
    if c_size < 0:
        raise ValueError("size must not be negative")
    if c_chunk < 1:
        raise ValueError("chunk_size must be positive")
    if c_offset < 0:
        _raise_errno(EINVAL)
    cdef list chunks = []
    if nowait and not FR_NOWAIT:
        return chunks
    _read_pieces(chunks, NULL, c_fd, c_offset, c_size, c_chunk, nowait)
    return chunks


def read_plan(fd, spans, chunk_size, cursor, budget, nowait=False):
    # PERF: the loop over spans in C: a multipart body of 50 small parts is read in
    # one call, ~1.5 us per part less than a Python loop over read_chunks.
    cdef int c_fd = 0
    cdef Py_ssize_t c_chunk = 0, c_budget = 0, i
    cdef bint exact = (
        FR_PREAD
        and _as_fd(fd, &c_fd)
        and _as_size(chunk_size, &c_chunk)
        and _as_size(budget, &c_budget)
        and type(nowait) is bool
        and type(spans) is list
        and _small_pair(cursor)
    )
    if exact:
        for i in range(len(<list>spans)):
            if not _small_pair((<list>spans)[i]):
                exact = False
                break
    if not exact:
        return _py.read_plan(fd, spans, chunk_size, cursor, budget, nowait)
    if c_chunk < 1:
        raise ValueError("chunk_size must be positive")
    if c_budget < 0:
        raise ValueError("budget must not be negative")
    cdef list chunks = []
    cdef Py_ssize_t index, count_spans = len(spans)
    cdef long long offset, end, remaining, size
    index, offset = cursor
    while index < count_spans:
        end = spans[index][1]
        remaining = end - offset
        if remaining <= c_budget:
            size = remaining
        elif c_budget >= c_chunk:
            size = c_budget // c_chunk * c_chunk
        elif not chunks:
            size = min(c_chunk, remaining)
        else:
            break
        if size == 0:
            break
        if size < 0:
            raise ValueError("size must not be negative")
        if offset < 0:
            _raise_errno(EINVAL)
        if nowait and not FR_NOWAIT:
            break
        offset = _read_pieces(chunks, &c_budget, c_fd, offset, size, c_chunk, nowait)
        if offset < 0:  # the file ended early
            return chunks, (count_spans, -offset - 1)
        if offset < end:  # a partial span: out of budget, or out of page cache
            break
        index += 1
        if index < count_spans:
            offset = spans[index][0]
    return chunks, (index, offset)


cdef long long _read_pieces(
    list chunks,
    Py_ssize_t *budget,
    int fd,
    long long offset,
    Py_ssize_t size,
    Py_ssize_t chunk_size,
    bint nowait,
) except? -1:
    """Append the pieces of `[offset, offset + size)` to `chunks`: bare `bytes`, or
    `(offset, size, bytes)` when `budget` is given (then reduced by what was read).

    Returns the offset after the last piece read, or `-1 - offset` of a short last
    piece when the file ended there.
    """
    cdef fr_iovec iov[GROUP_PIECES]
    cdef list group
    cdef Py_ssize_t count, total, done
    cdef int pieces, i
    cdef bint blocked
    cdef bytes piece
    while size > 0:
        group = []
        pieces = 0
        total = 0
        while pieces < GROUP_PIECES and total < size:
            count = min(chunk_size, size - total)
            if pieces and (total + count > GROUP_BYTES or count > LLONG_MAX - offset - total):
                break  # NOTE: a piece ending past 2**63 goes first in its own group: EINVAL
            piece = PyBytes_FromStringAndSize(NULL, count)
            group.append(piece)
            iov[pieces].iov_base = PyBytes_AS_STRING(piece)
            iov[pieces].iov_len = <size_t>count
            pieces += 1
            total += count
        blocked = False
        done = _read_into(fd, iov, pieces, offset, nowait, &blocked)
        for i in range(pieces):
            piece = group[i]
            count = len(piece)
            if done >= count:
                chunks.append(piece if budget == NULL else (offset, count, piece))
                done -= count
                offset += count
                if budget != NULL:
                    budget[0] -= count
            elif blocked:  # NOTE: a piece the page cache only partly holds is read later
                return offset
            else:  # end of file: a short (maybe empty) last piece, then nothing
                piece = piece[:done]
                chunks.append(piece if budget == NULL else (offset, count, piece))
                return -1 - offset
        if blocked:
            return offset
        size -= total
    return offset
