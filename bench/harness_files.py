"""Scenario files and the file floors' helpers."""

import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from email.utils import formatdate
from pathlib import Path
from typing import ClassVar

__all__ = ["BenchFiles", "file_headers", "parse_ranges_floor"]


class BenchFiles:
    """Scenario files, written on first use in a session temp dir, then read once so
    that every member starts from a warm page cache."""

    SIZES: ClassVar[dict[str, int]] = {
        "small.txt": 4 * 1024,
        "medium.bin": 1024 * 1024,
        "large.bin": 64 * 1024 * 1024,
    }

    def __init__(self, root: Path) -> None:
        self._root = root

    def __getitem__(self, name: str) -> Path:
        path = self._root / name
        if not path.exists():
            size = self.SIZES[name]
            if name.endswith(".txt"):
                line = b"The quick brown fox jumps over the lazy dog. 0123456789\n"
                data = (line * (size // len(line) + 1))[:size]
            else:
                data = os.urandom(size)
            path.write_bytes(data)
            with _open_fd(path) as fd:
                for offset in range(0, size, 1 << 20):
                    os.pread(fd, 1 << 20, offset)
        return path


@contextmanager
def _open_fd(path: Path | str) -> Iterator[int]:
    fd = os.open(path, os.O_RDONLY)
    try:
        yield fd
    finally:
        os.close(fd)


def file_headers(content_type: bytes, st: os.stat_result) -> list[tuple[bytes, bytes]]:
    """The headers Starlette's FileResponse sends for a whole file, in its order."""
    tag = hashlib.md5(f"{st.st_mtime}-{st.st_size}".encode(), usedforsecurity=False).hexdigest()
    return [
        (b"content-type", content_type),
        (b"accept-ranges", b"bytes"),
        (b"content-length", str(st.st_size).encode()),
        (b"last-modified", formatdate(st.st_mtime, usegmt=True).encode()),
        (b"etag", f'"{tag}"'.encode()),
    ]


def parse_ranges_floor(header: str, size: int) -> list[tuple[int, int]]:
    """A minimal `Range: bytes=...` parser: merged, sorted half-open spans.

    Accepts what the scenarios send; anything odd raises ValueError.
    """
    units, _, spec = header.partition("=")
    if units.strip().lower() != "bytes":
        raise ValueError("not a bytes range")
    spans: list[tuple[int, int]] = []
    for part in spec.split(","):
        first, _, last = part.strip().partition("-")
        if first:
            start = int(first)
            end = min(int(last) + 1, size) if last else size
        else:
            start, end = max(size - int(last), 0), size
        if not 0 <= start < end:
            raise ValueError("unsatisfiable range")
        spans.append((start, end))
    spans.sort()
    merged = [spans[0]]
    for start, end in spans[1:]:
        last_start, last_end = merged[-1]
        if start <= last_end:
            merged[-1] = (last_start, max(last_end, end))
        else:
            merged.append((start, end))
    return merged
