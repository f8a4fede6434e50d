"""FileResponse on the event loop (uvloop if installed), ASGI spec 2.3 scope.

Scenarios from shared/notes/starlette-profile.md §6-8: a 4 KiB file (GET and HEAD), a
64 MiB file (with MB/s, and the page cache read with `os.pread` as the ceiling), one
range (99 KB of a 1 MiB file), 50 ranges (multipart/byteranges) and parsing a
100-range header on its own. Files are written once per session and read once first,
so every member reads from a warm page cache.
"""

import os
import random
from collections.abc import Callable
from pathlib import Path
from secrets import token_hex

import pytest
from harness_drivers import (
    FASTRESP_ID,
    App,
    Flavour,
    LoopDriver,
    Message,
    Receive,
    Scope,
    Send,
    make_scope,
)
from harness_files import BenchFiles, file_headers, parse_ranges_floor
from harness_timing import Bench, describe, run_member, time_calls
from starlette.responses import FileResponse as StarletteFileResponse

import fastresp
from fastresp import _speedups

CHUNK_SIZE = 64 * 1024  # Starlette's FileResponse.chunk_size
TEXT_TYPE = b"text/plain; charset=utf-8"
BINARY_TYPE = b"application/octet-stream"

SINGLE_RANGE = "bytes=1000-99999"  # 99,000 bytes of the 1 MiB file
MULTI_RANGES = "bytes=" + ", ".join(f"{i * 20_000}-{i * 20_000 + 1023}" for i in range(50))
_spans = [(i * 10_000, i * 10_000 + 99) for i in range(100)]
random.Random(7).shuffle(_spans)
PARSE_RANGES = "bytes=" + ", ".join(f"{start}-{last}" for start, last in _spans)
PARSE_SIZE = 1024 * 1024


def _file(path: Path) -> Callable[[Flavour], App]:
    def build(f: Flavour) -> App:
        cls = f.FileResponse
        return lambda scope, receive, send: cls(path)(scope, receive, send)

    return build


def _start(headers: list[tuple[bytes, bytes]], status: int = 200) -> Message:
    return {"type": "http.response.start", "status": status, "headers": headers}


def _file_floor(path: Path, content_type: bytes) -> App:
    """Raw ASGI: open, fstat, pread and close on the loop; no thread, no watch."""

    async def floor(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] == "HEAD":
            await send(_start(file_headers(content_type, os.stat(path))))
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            return
        fd = os.open(path, os.O_RDONLY)
        try:
            st = os.fstat(fd)
            headers = file_headers(content_type, st)
            header = next((v for k, v in scope["headers"] if k == b"range"), None)
            if header is None:
                await send(_start(headers))
                offset = 0
                while True:
                    chunk = os.pread(fd, CHUNK_SIZE, offset)
                    offset += len(chunk)
                    more = 0 < len(chunk) and offset < st.st_size
                    await send({"type": "http.response.body", "body": chunk, "more_body": more})
                    if not more:
                        return
            spans = parse_ranges_floor(header.decode("latin-1"), st.st_size)
            if len(spans) == 1:
                start, end = spans[0]
                headers[2] = (b"content-length", str(end - start).encode())
                headers.append((b"content-range", f"bytes {start}-{end - 1}/{st.st_size}".encode()))
                await send(_start(headers, 206))
                body = os.pread(fd, end - start, start)
                await send({"type": "http.response.body", "body": body, "more_body": False})
                return
            await _send_multipart(fd, send, spans, st.st_size, headers, content_type)
        finally:
            os.close(fd)

    return floor


async def _send_multipart(
    fd: int,
    send: Send,
    spans: list[tuple[int, int]],
    size: int,
    headers: list[tuple[bytes, bytes]],
    content_type: bytes,
) -> None:
    boundary = token_hex(13)
    kind = content_type.decode("latin-1")
    heads = [
        f"--{boundary}\r\nContent-Type: {kind}\r\nContent-Range: bytes {start}-{end - 1}/{size}"
        "\r\n\r\n".encode("latin-1")
        for start, end in spans
    ]
    length = sum(len(h) + end - start + 2 for h, (start, end) in zip(heads, spans, strict=True))
    length += len(boundary) + 4
    headers[0] = (b"content-type", f"multipart/byteranges; boundary={boundary}".encode())
    headers[2] = (b"content-length", str(length).encode())
    await send(_start(headers, 206))
    for head, (start, end) in zip(heads, spans, strict=True):
        part = head + os.pread(fd, end - start, start) + b"\r\n"
        await send({"type": "http.response.body", "body": part, "more_body": True})
    closing = f"--{boundary}--".encode("latin-1")
    await send({"type": "http.response.body", "body": closing, "more_body": False})


# --- whole files -----------------------------------------------------------------------


@pytest.mark.benchmark(group="file-4KiB-GET")
def bench_file_4k(benchmark: Bench, member: str, loop: LoopDriver, bench_files: BenchFiles) -> None:
    path = bench_files["small.txt"]
    run_member(benchmark, member, _file(path), _file_floor(path, TEXT_TYPE), make_scope(), loop)


@pytest.mark.benchmark(group="file-4KiB-HEAD")
def bench_file_4k_head(
    benchmark: Bench, member: str, loop: LoopDriver, bench_files: BenchFiles
) -> None:
    path = bench_files["small.txt"]
    scope = make_scope("HEAD")
    floor = _file_floor(path, TEXT_TYPE)
    run_member(benchmark, member, _file(path), floor, scope, loop, head=True)


def _pread_all(path: Path, slice_size: int) -> Callable[[], int]:
    """The page-cache ceiling: read the whole file with os.pread, nothing else."""

    def read() -> int:
        fd = os.open(path, os.O_RDONLY)
        try:
            offset = 0
            while chunk := os.pread(fd, slice_size, offset):
                offset += len(chunk)
            return offset
        finally:
            os.close(fd)

    return read


PAGE_CACHE = {"page-cache-64KiB": 64 * 1024, "page-cache-1MiB": 1024 * 1024}


@pytest.mark.benchmark(group="file-64MiB")
@pytest.mark.parametrize(
    "member",
    ["starlette", "fastresp", "floor", *PAGE_CACHE],
    ids=["starlette", FASTRESP_ID, "floor", *PAGE_CACHE],
)
def bench_file_64m(
    benchmark: Bench, member: str, loop: LoopDriver, bench_files: BenchFiles
) -> None:
    path = bench_files["large.bin"]
    size = BenchFiles.SIZES["large.bin"]
    if member in PAGE_CACHE:
        read = _pread_all(path, PAGE_CACHE[member])
        if read() != size:
            raise AssertionError(f"{member} did not read the whole file")
        median = time_calls(benchmark, member, read)
    else:
        floor = _file_floor(path, BINARY_TYPE)
        median = run_member(benchmark, member, _file(path), floor, make_scope(), loop)
    benchmark.extra_info["bytes_per_response"] = size
    benchmark.extra_info["MB/s"] = round(size / median / 1e6, 1)


# --- ranges ----------------------------------------------------------------------------


@pytest.mark.benchmark(group="range-single-99KB")
def bench_range_single(
    benchmark: Bench, member: str, loop: LoopDriver, bench_files: BenchFiles
) -> None:
    path = bench_files["medium.bin"]
    scope = make_scope(headers=[(b"range", SINGLE_RANGE.encode())])
    run_member(benchmark, member, _file(path), _file_floor(path, BINARY_TYPE), scope, loop)


@pytest.mark.benchmark(group="range-multi-50")
def bench_range_multi(
    benchmark: Bench, member: str, loop: LoopDriver, bench_files: BenchFiles
) -> None:
    path = bench_files["medium.bin"]
    scope = make_scope(headers=[(b"range", MULTI_RANGES.encode())])
    run_member(benchmark, member, _file(path), _file_floor(path, BINARY_TYPE), scope, loop)


def _range_parser(member: str) -> Callable[[str, int], list[tuple[int, int]]]:
    if member == "starlette":
        return StarletteFileResponse._parse_range_header
    if member == "fastresp":
        kernel = _speedups.ranges.parse_range
        max_ranges = fastresp.FileResponse.max_ranges
        return lambda header, size: kernel(header, size, max_ranges)
    return parse_ranges_floor


@pytest.mark.benchmark(group="range-parse-100")
def bench_range_parse(benchmark: Bench, member: str) -> None:
    parse = _range_parser(member)
    want = StarletteFileResponse._parse_range_header(PARSE_RANGES, PARSE_SIZE)
    got = [tuple(span) for span in parse(PARSE_RANGES, PARSE_SIZE)]
    if len(want) != 100 or got != want:
        raise AssertionError(f"{member} parses {got[:3]}... but starlette {want[:3]}...")
    describe(benchmark, member, "call")
    benchmark(parse, PARSE_RANGES, PARSE_SIZE)
