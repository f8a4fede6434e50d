"""The mixed responses of the leak run: each scenario drives fastresp responses
in-process through the public API and checks what they sent or raised.

A scenario returns the body trackers it used, so the driver can check that each
response closed its body iterator before it returned; it raises `Mismatch` when a
response sent or raised something other than expected.
"""

import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from leak_harness import (
    CHUNK,
    Body,
    Boom,
    Client,
    Mismatch,
    agen,
    count_background,
    events,
    expect,
    expect_raises,
    scope,
    sgen,
)

import fastresp
import fastresp._file_handle
from fastresp import (
    ClientDisconnect,
    EventSourceResponse,
    FileResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
    SendTimeoutError,
    StreamingResponse,
)

SMALL_SIZE = 5000
MEDIUM_SIZE = 200 * 1024  # four 64 KiB chunks: FileResponse watches for a disconnect
# NOTE: a cancellation point every 16 KiB read, not every MiB, so that the medium file's
# body suspends and the disconnect watch, its cancellation and its join all run here.
fastresp._file_handle.YIELD_BYTES = 16 * 1024


# --- files -------------------------------------------------------------------------------


@dataclass
class Files:
    """The real files served: a small one, a medium one, and a directory for scratch files."""

    root: Path
    small: Path = field(init=False)
    medium: Path = field(init=False)
    small_data: bytes = field(init=False)
    medium_data: bytes = field(init=False)
    serial: int = 0

    def __post_init__(self) -> None:
        self.small, self.medium = self.root / "small.txt", self.root / "medium.bin"
        self.small_data = bytes(range(256)) * (SMALL_SIZE // 256) + b"x" * (SMALL_SIZE % 256)
        self.medium_data = os.urandom(MEDIUM_SIZE)
        self.small.write_bytes(self.small_data)
        self.medium.write_bytes(self.medium_data)

    def scratch(self, data: bytes) -> Path:
        """A new file (names are reused, so the directory stays small)."""
        self.serial += 1
        path = self.root / f"scratch-{self.serial % 32}"
        path.write_bytes(data)
        return path


# --- small responses ---------------------------------------------------------------------


async def small(files: Files) -> list[Body]:
    response = PlainTextResponse("Hello, world!", headers={"X-Id": "1"},
                                 background=fastresp.BackgroundTask(count_background))  # fmt: skip
    response.set_cookie("session", "abc 123", max_age=60, httponly=True, samesite="strict")
    response.delete_cookie("old")
    client = Client()
    await response(scope(), client.receive, client.send)
    expect(client.status == 200 and client.body == b"Hello, world!", "plain text")
    return []


async def json(files: Files) -> list[Body]:
    response = JSONResponse({"a": [1, 2.5, None, "é"]}, status_code=201)
    response.set_cookie("theme", "dark", path="/app", secure=True)
    client = Client()
    await response(scope(), client.receive, client.send)
    expect(client.status == 201 and client.body == '{"a":[1,2.5,null,"é"]}'.encode(), "json")
    return []


async def redirect(files: Files) -> list[Body]:
    response = RedirectResponse("/next?q=ü x", status_code=302)
    response.set_cookie("seen", "1")
    client = Client()
    await response(scope(), client.receive, client.send)
    expect(client.status == 302 and client.complete, "redirect")
    return []


async def bytes_response(files: Files) -> list[Body]:
    response = Response(CHUNK * 4, media_type="application/octet-stream")
    client = Client()
    await response(scope("HEAD"), client.receive, client.send)
    # COMPAT: as Starlette, the body goes to the server, which drops it for HEAD
    expect(client.status == 200 and client.body == CHUNK * 4, "HEAD of a Response")
    return []


# --- streams -----------------------------------------------------------------------------


async def stream_async(files: Files) -> list[Body]:
    body = Body()
    response = StreamingResponse(agen(body, 8), media_type="application/octet-stream")
    client = Client()
    await response(scope(), client.receive, client.send)
    expect(client.complete and client.body == CHUNK * 8, "async stream body")
    return [body]


async def stream_async_disconnect(files: Files) -> list[Body]:
    body = Body()
    response = StreamingResponse(agen(body, None))
    client = Client(disconnect_after=4)
    await response(scope(), client.receive, client.send)
    expect(not client.complete, "disconnected stream reported complete")
    return [body]


async def stream_async_oserror(files: Files) -> list[Body]:
    body = Body()
    response = StreamingResponse(agen(body, None))
    client = Client(fail_after=3)
    await expect_raises(ClientDisconnect, response(scope(spec="2.4"), client.receive, client.send))
    return [body]


async def stream_async_raises(files: Files) -> list[Body]:
    body = Body()
    response = StreamingResponse(agen(body, None, fail_at=3))
    client = Client()
    await expect_raises(Boom, response(scope(), client.receive, client.send))
    expect(not client.complete, "failed stream reported complete")
    return [body]


async def stream_sync(files: Files) -> list[Body]:
    body = Body()
    response = StreamingResponse(sgen(body, 3))
    client = Client()
    await response(scope(), client.receive, client.send)
    expect(client.complete and client.body == CHUNK * 3, "sync stream body")
    return [body]


async def stream_sync_disconnect(files: Files) -> list[Body]:
    body = Body()
    response = StreamingResponse(sgen(body, None))
    client = Client(disconnect_after=3)
    await response(scope(), client.receive, client.send)
    expect(not client.complete, "disconnected sync stream reported complete")
    return [body]


async def stream_sync_raises(files: Files) -> list[Body]:
    body = Body()
    response = StreamingResponse(sgen(body, None, fail_at=2))
    client = Client()
    await expect_raises(Boom, response(scope(spec="2.4"), client.receive, client.send))
    return [body]


async def stream_head(files: Files) -> list[Body]:
    body = Body()
    response = StreamingResponse(agen(body, None))
    client = Client()
    await response(scope("HEAD"), client.receive, client.send)
    expect(client.complete and not body.started, "HEAD iterated the stream")
    return [body]


async def file_whole(files: Files) -> list[Body]:
    client = Client()
    await FileResponse(files.small)(scope(), client.receive, client.send)
    expect(client.complete and client.body == files.small_data, "small file body")
    client = Client()
    await FileResponse(files.medium)(scope(), client.receive, client.send)
    expect(client.complete and client.body == files.medium_data, "medium file body")
    return []


async def file_ranges(files: Files) -> list[Body]:
    client = Client()
    headers = [(b"range", b"bytes=100-4099")]
    await FileResponse(files.medium)(scope(headers=headers), client.receive, client.send)
    expect(client.status == 206 and client.body == files.medium_data[100:4100], "range")
    client = Client()
    headers = [(b"range", b"bytes=0-9,1000-1999,-50")]
    await FileResponse(files.medium)(scope(headers=headers), client.receive, client.send)
    body = client.body
    expect(client.status == 206 and client.complete, "multi-range status")
    for part in (files.medium_data[:10], files.medium_data[1000:2000], files.medium_data[-50:]):
        expect(part in body, "multi-range part missing")
    return []


async def file_head_and_416(files: Files) -> list[Body]:
    client = Client()
    await FileResponse(files.medium)(scope("HEAD"), client.receive, client.send)
    expect(client.status == 200 and client.complete and client.body == b"", "HEAD of a file")
    client = Client()
    headers = [(b"range", b"bytes=%d-" % (MEDIUM_SIZE + 10))]
    await FileResponse(files.medium)(scope(headers=headers), client.receive, client.send)
    expect(client.status == 416 and client.complete, "416")
    return []


async def file_disconnect(files: Files) -> list[Body]:
    client = Client(disconnect_after=2)
    await FileResponse(files.medium)(scope(), client.receive, client.send)
    expect(not client.complete, "disconnected file reported complete")
    client = Client(fail_after=2)
    await expect_raises(OSError, FileResponse(files.medium)(scope(spec="2.4"), client.receive,
                                                            client.send))  # fmt: skip
    return []


async def file_vanished(files: Files) -> list[Body]:
    path = files.scratch(files.small_data)
    stat = path.stat()
    response = FileResponse(path, stat_result=stat)
    path.unlink()
    client = Client()
    await expect_raises(RuntimeError, response(scope(), client.receive, client.send))
    expect(client.messages == 0, "vanished file: a message was sent")
    path = files.scratch(files.small_data)
    response = FileResponse(path, stat_result=path.stat())
    os.truncate(path, 1000)
    client = Client()
    await expect_raises(RuntimeError, response(scope(), client.receive, client.send))
    expect(not client.complete, "truncated file reported complete")
    client = Client()
    missing = FileResponse(files.root / "never-there")
    await expect_raises(RuntimeError, missing(scope(), client.receive, client.send))
    return []


# --- server-sent events ------------------------------------------------------------------


async def sse(files: Files) -> list[Body]:
    body = Body()
    response = EventSourceResponse(events(body, 3, 0.002), ping=0.001)
    client = Client()
    await response(scope(), client.receive, client.send)
    expect(client.complete and b"id: 2\r\n" in client.body, "event stream body")
    return [body]


async def sse_disconnect(files: Files) -> list[Body]:
    body = Body()
    response = EventSourceResponse(events(body, None, 0), ping=0.001)
    client = Client(disconnect_after=5)
    await response(scope(), client.receive, client.send)
    expect(not client.complete, "disconnected event stream reported complete")
    return [body]


async def sse_oserror(files: Files) -> list[Body]:
    body = Body()
    response = EventSourceResponse(events(body, None, 0), ping=0.001)
    client = Client(fail_after=4)
    try:
        await response(scope(spec="2.4"), client.receive, client.send)
    except OSError:
        pass
    else:
        raise Mismatch("expected OSError")
    return [body]


async def sse_raises_or_freezes(files: Files) -> list[Body]:
    body = Body()
    response = EventSourceResponse(events(body, None, 0, fail_at=2), ping=0.001)
    client = Client()
    await expect_raises(Boom, response(scope(), client.receive, client.send))
    other = Body()
    frozen = EventSourceResponse(events(other, None, 0), ping=0.001, send_timeout=0.002)
    client = Client(freeze_after=3)
    await expect_raises(SendTimeoutError, frozen(scope(), client.receive, client.send))
    return [body, other]


async def sse_sync(files: Files) -> list[Body]:
    body = Body()
    response = EventSourceResponse(sgen(body, None), ping=0)
    client = Client(disconnect_after=3)
    await response(scope(), client.receive, client.send)
    return [body]


Scenario = Callable[[Files], Awaitable[list[Body]]]

# Each scenario with its weight in the mix; the driver cycles through them, shuffled.
MIX: list[tuple[Scenario, int]] = [
    (small, 12), (json, 9), (redirect, 6), (bytes_response, 4),
    (stream_async, 7), (stream_async_disconnect, 5), (stream_async_oserror, 4),
    (stream_async_raises, 3), (stream_sync, 2), (stream_sync_disconnect, 2),
    (stream_sync_raises, 2), (stream_head, 3),
    (file_whole, 7), (file_ranges, 6), (file_head_and_416, 4), (file_disconnect, 4),
    (file_vanished, 3),
    (sse, 4), (sse_disconnect, 3), (sse_oserror, 2), (sse_raises_or_freezes, 1), (sse_sync, 1),
]  # fmt: skip
