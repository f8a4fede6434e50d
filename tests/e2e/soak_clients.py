"""The clients of the soak test: httpx requests checked byte for byte, and raw sockets
that read slowly or leave mid-response (tests/e2e/test_soak.py runs them)."""

import asyncio
import random
import socket
import ssl
import struct
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import httpx
from soak_app import stream_chunk

MAX_FAILURES = 20  # kept in full; the rest are only counted


@dataclass
class Tally:
    """What the clients did, and everything that was not as expected."""

    done: Counter[str] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    failed: int = 0

    def fail(self, kind: str, problem: str) -> None:
        self.failed += 1
        if len(self.failures) < MAX_FAILURES:
            self.failures.append(f"{kind}: {problem}")


class Mismatch(AssertionError):
    pass


def expect(condition: bool, what: str) -> None:
    if not condition:
        raise Mismatch(what)


def byteranges(body: bytes, content_type: str) -> list[tuple[str, bytes]]:
    """(Content-Range, data) of each part of a multipart/byteranges body (RFC 9110 §14.6)."""
    boundary = content_type.partition("boundary=")[2].encode()
    delimiter = b"--" + boundary
    expect(body.startswith(delimiter + b"\r\n") and body.endswith(b"\r\n" + delimiter + b"--"),
           "multipart framing")  # fmt: skip
    parts = []
    for part in body[len(delimiter) + 2 : -len(delimiter) - 4].split(b"\r\n" + delimiter + b"\r\n"):
        head, data = part.split(b"\r\n\r\n", 1)
        fields = dict(line.split(b": ", 1) for line in head.split(b"\r\n"))
        parts.append((fields[b"Content-Range"].decode(), data))
    return parts


def sse_data(body: bytes) -> list[str]:
    """The data of each event, pings (comments) left out."""
    return [
        line[6:]
        for line in body.decode().split("\r\n")
        if line.startswith("data: ")
    ]  # fmt: skip


# --- httpx clients: each request checked -------------------------------------------------

Check = Callable[[httpx.AsyncClient, random.Random, bytes], Awaitable[None]]


async def check_text(client: httpx.AsyncClient, rng: random.Random, data: bytes) -> None:
    response = await client.get("/text")
    expect(response.status_code == 200 and response.content == b"soak", "text")
    cookie = "session=s0ak; HttpOnly; Max-Age=60; Path=/; SameSite=lax"
    expect(response.headers["set-cookie"] == cookie, "cookie")


async def check_json(client: httpx.AsyncClient, rng: random.Random, data: bytes) -> None:
    n = rng.randrange(1000)
    response = await client.get("/json", params={"n": n})
    body = '{"n":%d,"items":[1,2.5,null,"é"]}' % n
    expect(response.status_code == 200 and response.content == body.encode(), "json")


async def check_redirect(client: httpx.AsyncClient, rng: random.Random, data: bytes) -> None:
    response = await client.get("/redirect")
    expect(response.status_code == 302, "redirect status")
    expect(response.headers["location"] == "/text?from=soak%20%C3%BC", "location")


async def check_file(client: httpx.AsyncClient, rng: random.Random, data: bytes) -> None:
    response = await client.get("/file")
    expect(response.status_code == 200 and response.content == data, "file body")
    expect(response.headers["content-length"] == str(len(data)), "file length")


async def check_head(client: httpx.AsyncClient, rng: random.Random, data: bytes) -> None:
    response = await client.head("/file")
    expect(response.status_code == 200 and response.content == b"", "HEAD")
    expect(response.headers["content-length"] == str(len(data)), "HEAD length")


async def check_range(client: httpx.AsyncClient, rng: random.Random, data: bytes) -> None:
    start = rng.randrange(len(data))
    end = rng.randrange(start, min(len(data), start + 300_000))
    response = await client.get("/file", headers={"Range": f"bytes={start}-{end}"})
    expect(response.status_code == 206 and response.content == data[start : end + 1], "range")
    expect(response.headers["content-range"] == f"bytes {start}-{end}/{len(data)}", "range hdr")


async def check_ranges(client: httpx.AsyncClient, rng: random.Random, data: bytes) -> None:
    cuts = sorted(rng.sample(range(len(data)), 6))
    spans = [(cuts[i], cuts[i + 1] - 1) for i in (0, 2, 4)]  # disjoint, not adjacent
    header = "bytes=" + ",".join(f"{a}-{b}" for a, b in spans)
    response = await client.get("/file", headers={"Range": header})
    expect(response.status_code == 206, "multi-range status")
    parts = byteranges(response.content, response.headers["content-type"])
    expected = [(f"bytes {a}-{b}/{len(data)}", data[a : b + 1]) for a, b in spans]
    expect(parts == expected, "multi-range parts")


async def check_416(client: httpx.AsyncClient, rng: random.Random, data: bytes) -> None:
    response = await client.get("/file", headers={"Range": f"bytes={len(data) + 5}-"})
    expect(response.status_code == 416, "416 status")
    expect(response.headers["content-range"] == f"bytes */{len(data)}", "416 header")


async def check_stream(client: httpx.AsyncClient, rng: random.Random, data: bytes) -> None:
    n = rng.randrange(1, 200)
    sync = rng.choice("01")
    response = await client.get("/stream", params={"n": n, "sync": sync})
    expected = b"".join(stream_chunk(i) for i in range(n))
    expect(response.status_code == 200 and response.content == expected, "stream body")


async def check_sse(client: httpx.AsyncClient, rng: random.Random, data: bytes) -> None:
    n = rng.randrange(1, 20)
    response = await client.get("/sse", params={"n": n})
    expect(response.status_code == 200, "sse status")
    expect(sse_data(response.content) == [f"event {i}" for i in range(n)], "sse events")


async def check_error_app(client: httpx.AsyncClient, rng: random.Random, data: bytes) -> None:
    response = await client.get("/error/app")
    expect(response.status_code == 500 and response.content == b"Internal Server Error", "500")


async def check_error_stream(client: httpx.AsyncClient, rng: random.Random, data: bytes) -> None:
    # The server sent two chunks, then the app failed: uvicorn drops the connection
    # without the chunked body's terminator, so the client can tell it is cut short.
    try:
        await client.get("/error/stream")
    except httpx.RemoteProtocolError as exc:
        expect("incomplete chunked read" in str(exc), f"abort: {exc}")
    else:
        raise Mismatch("a failed stream looked complete")


CHECKS: list[tuple[Check, int]] = [
    (check_text, 10), (check_json, 10), (check_redirect, 5), (check_file, 6),
    (check_head, 5), (check_range, 8), (check_ranges, 6), (check_416, 4),
    (check_stream, 10), (check_sse, 6), (check_error_app, 1), (check_error_stream, 1),
]  # fmt: skip
ERRORS = {"check_error_app": "/error/app", "check_error_stream": "/error/stream"}


def new_client(url: str, tls: ssl.SSLContext) -> httpx.AsyncClient:
    # PERF: one TLS context for all (the server speaks plain HTTP): httpx loads the CA
    # bundle for each client otherwise, 10-100 ms each, blocking the loop.
    return httpx.AsyncClient(base_url=url, timeout=30.0, trust_env=False, verify=tls)


async def httpx_client(
    url: str, tls: ssl.SSLContext, seed: int, deadline: float, data: bytes, tally: Tally
) -> None:
    rng = random.Random(seed)
    table = [check for check, weight in CHECKS for _ in range(weight)]
    async with new_client(url, tls) as client:
        # NOTE: the first request of some clients fails on purpose: every soak, however
        # short or slow, checks the log of deliberate failures.
        check = [check_error_app, check_error_stream, rng.choice(table)][min(seed % 8, 2)]
        while time.monotonic() < deadline:
            try:
                await check(client, rng, data)
            except Exception as exc:
                tally.fail(check.__name__, repr(exc))
            tally.done[check.__name__] += 1
            check = rng.choice(table)


# --- raw sockets: slow readers and clients that leave --------------------------------------


@dataclass
class Raw:
    status: int
    headers: dict[str, str]
    body: bytes


class Connection:
    """One HTTP/1.1 request on a raw socket, read as slowly as asked."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.slow_until = 0.0  # read in small pieces, pausing, until then
        self.received = 0

    @classmethod
    async def open(cls, port: int, path: str, headers: str = "", slow: float = 0) -> "Connection":
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if slow:  # NOTE: a small window, so the server's sends block on flow control
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.setblocking(False)
        await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", port))
        reader, writer = await asyncio.open_connection(sock=sock, limit=1024 if slow else 65536)
        writer.write(f"GET {path} HTTP/1.1\r\nHost: soak\r\n{headers}\r\n".encode())
        connection = cls(reader, writer)
        connection.slow_until = time.monotonic() + slow
        return connection

    async def exactly(self, size: int) -> bytes:
        parts = []
        while size:
            slow = time.monotonic() < self.slow_until
            part = await self.reader.readexactly(min(size, 512) if slow else size)
            if slow:
                await asyncio.sleep(0.002)
            parts.append(part)
            size -= len(part)
        return b"".join(parts)

    async def head(self) -> tuple[int, dict[str, str]]:
        lines = (await self.reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        headers = dict(line.lower().split(": ", 1) for line in lines[1:] if line)
        return int(lines[0].split()[1]), headers

    async def response(self) -> Raw:
        status, headers = await self.head()
        if headers.get("transfer-encoding") == "chunked":
            parts = []
            while size := int((await self.reader.readuntil(b"\r\n"))[:-2], 16):
                parts.append(await self.exactly(size))
                await self.reader.readexactly(2)
            await self.reader.readexactly(2)
            body = b"".join(parts)
        else:
            body = await self.exactly(int(headers.get("content-length", "0")))
        return Raw(status, headers, body)

    async def leave_after(self, size: int, reset: bool) -> None:
        """Read the head and about `size` bytes, then close (with an RST if `reset`)."""
        await self.head()
        while self.received < size and (part := await self.reader.read(4096)):
            self.received += len(part)
        self.close(reset)

    def close(self, reset: bool = False) -> None:
        if reset:
            sock = self.writer.get_extra_info("socket")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.writer.close()


async def slow_reader(port: int, seed: int, deadline: float, data: bytes, tally: Tally) -> None:
    """Read whole responses a few bytes at a time for a while, then check them exactly."""
    rng = random.Random(seed)
    cases = [
        ("slow_file", "/file", data),
        ("slow_stream", "/stream?n=300", b"".join(stream_chunk(i) for i in range(300))),
        ("slow_sse", "/sse?n=30", None),
    ]
    turn = seed
    while time.monotonic() < deadline:
        kind, path, expected = cases[turn % len(cases)]
        turn += 1
        connection = await Connection.open(port, path, "Connection: close\r\n", rng.uniform(0.2, 1))
        try:
            raw = await asyncio.wait_for(connection.response(), 60)
            expect(raw.status == 200, f"status {raw.status}")
            if expected is None:
                expect(sse_data(raw.body) == [f"event {i}" for i in range(30)], "sse events")
            else:
                expect(raw.body == expected, "body")
        except Exception as exc:
            tally.fail(kind, repr(exc))
        finally:
            connection.close()
        tally.done[kind] += 1


async def leaver(port: int, seed: int, deadline: float, data: bytes, tally: Tally) -> None:
    """Start a long response, read part of it (or nothing), and close the socket."""
    rng = random.Random(seed)
    paths = ["/file", "/endless", "/sse-endless", "/stream?n=2000", "/stream?n=500&sync=1",
             "/file|bytes=0-10,20-30,100000-900000"]  # fmt: skip
    turn = seed
    while time.monotonic() < deadline:
        path, _, ranges = paths[turn % len(paths)].partition("|")
        turn += 1
        headers = f"Range: {ranges}\r\n" if ranges else ""
        slow = rng.choice([0, 0.2])
        kind = "leave_" + path.strip("/").partition("?")[0] + ("_ranges" if ranges else "")
        connection = await Connection.open(port, path, headers, slow)
        try:
            if rng.random() < 0.1:
                await asyncio.sleep(0.01)
                connection.close(reset=rng.random() < 0.5)  # before any byte was read
            else:
                size = rng.choice([1, 5000, 70_000, 300_000])
                await asyncio.wait_for(connection.leave_after(size, rng.random() < 0.5), 30)
        except Exception as exc:
            tally.fail(kind, repr(exc))
            connection.close()
        tally.done[kind] += 1
