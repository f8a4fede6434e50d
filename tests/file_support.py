"""Helpers for the FileResponse tests: expected messages, a failure-tolerant driver, fds."""

import hashlib
import os
import re
import sys
import time
from collections.abc import Callable
from email.utils import formatdate
from pathlib import Path
from typing import Any

from fastresp._asgi import Message

from support import REQUEST, make_scope

CHUNK = 64 * 1024
RawHeaders = list[tuple[bytes, bytes]]


def stat_headers(path: Path | str, stat_result: os.stat_result | None = None) -> RawHeaders:
    """Content-Length, Last-Modified and ETag as Starlette derives them from a stat."""
    st = stat_result or os.stat(path)
    etag = hashlib.md5(f"{st.st_mtime}-{st.st_size}".encode(), usedforsecurity=False).hexdigest()
    return [
        (b"content-length", str(st.st_size).encode()),
        (b"last-modified", formatdate(st.st_mtime, usegmt=True).encode()),
        (b"etag", f'"{etag}"'.encode()),
    ]


def start(status: int, headers: RawHeaders) -> Message:
    return {"type": "http.response.start", "status": status, "headers": headers}


def body(data: bytes, more: bool) -> Message:
    return {"type": "http.response.body", "body": data, "more_body": more}


def whole(data: bytes, chunk: int = CHUNK) -> list[Message]:
    """The body messages of a whole file: full chunks, then a short (maybe empty) last one."""
    messages = [
        body(data[i : i + chunk], True) for i in range(0, len(data) // chunk * chunk, chunk)
    ]
    return [*messages, body(data[len(data) // chunk * chunk :], False)]


def span(data: bytes, more_at_end: bool, chunk: int = CHUNK) -> list[Message]:
    """The body messages of one range's bytes: chunks, the last one ending or not."""
    parts = [data[i : i + chunk] for i in range(0, len(data), chunk)]
    return [body(p, i < len(parts) - 1 or more_at_end) for i, p in enumerate(parts)]


def headers_of(messages: list[Message]) -> RawHeaders:
    return [(bytes(k), bytes(v)) for k, v in messages[0]["headers"]]


_BOUNDARY = re.compile(rb"multipart/byteranges; boundary=([0-9a-f]+)")


def unboundaried(messages: list[Message]) -> list[Message]:
    """`messages` with the random multipart boundary replaced by "BOUNDARY"."""
    found = [_BOUNDARY.fullmatch(v) for k, v in headers_of(messages) if k == b"content-type"]
    if not found or found[0] is None:
        return messages
    boundary = found[0].group(1)

    def swap(value: bytes) -> bytes:
        return value.replace(boundary, b"BOUNDARY")

    result: list[Message] = [
        {**messages[0], "headers": [(k, swap(v)) for k, v in headers_of(messages)]}
    ]
    result += [{**m, "body": swap(bytes(m["body"]))} if "body" in m else m for m in messages[1:]]
    return result


async def record(
    app: Any,
    log: list[Message],
    *,
    on_message: Callable[[Message], None] | None = None,
    receive_disconnect: bool = False,
    **scope_args: Any,
) -> None:
    """Run `app`, appending each message to `log` (kept when the app raises).

    `receive` yields one request, then blocks forever, or reports a disconnect at
    once when `receive_disconnect`. `on_message` runs after each message is logged.
    """
    import anyio

    requested = False

    async def receive() -> Message:
        nonlocal requested
        if not requested:
            requested = True
            return dict(REQUEST)
        if not receive_disconnect:
            await anyio.sleep_forever()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        log.append(message)
        if on_message is not None:
            on_message(message)

    await app(make_scope(**scope_args), receive, send)


def fds_to(path: Path) -> int:
    """How many descriptors of this process refer to `path` (Linux /proc)."""
    target = str(path.resolve())
    count = 0
    for name in os.listdir("/proc/self/fd"):
        try:
            if os.readlink(f"/proc/self/fd/{name}") == target:
                count += 1
        except OSError:  # closed since listed
            pass
    return count


def wait_until_closed(path: Path, timeout: float = 2.0) -> int:
    """`fds_to(path)` once it is 0, or after `timeout`: a thread may still be finishing."""
    deadline = time.monotonic() + timeout
    while (count := fds_to(path)) and time.monotonic() < deadline:
        time.sleep(0.005)
    return count


LINUX = sys.platform.startswith("linux")
