import os

__all__ = [
    "open_cached",
    "open_file",
    "read_at",
    "read_chunks",
    "read_plan",
    "stat_cached",
    "stat_file",
]

def stat_file(path: str) -> os.stat_result: ...
def open_file(path: str) -> tuple[int, os.stat_result]: ...
def stat_cached(path: str) -> os.stat_result | None: ...
def open_cached(path: str) -> tuple[int, os.stat_result] | None: ...
def read_at(fd: int, size: int, offset: int) -> bytes: ...
def read_chunks(
    fd: int, offset: int, size: int, chunk_size: int, nowait: bool = False
) -> list[bytes]: ...
def read_plan(
    fd: int,
    spans: list[tuple[int, int]],
    chunk_size: int,
    cursor: tuple[int, int],
    budget: int,
    nowait: bool = False,
) -> tuple[list[tuple[int, int, bytes]], tuple[int, int]]: ...
