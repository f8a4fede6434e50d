"""The Starlette app `bench/e2e.py` serves under uvicorn: one endpoint set, three ways.

`/<member>/<endpoint>`, where member is `starlette` (starlette.responses and
sse-starlette), `fastresp`, or `ceiling`: a hand-written raw-ASGI callable returned
from the same kind of endpoint, sending the same bytes with no checks and no
disconnect watch (the most any response class can gain inside Starlette). Endpoints:
`plain`, `json`, `file4k`, `file1m`, `stream` (100 chunks of 64 B) and `sse` (20 events
with id, event and data). `FASTRESP_E2E_DIR` holds `4k.txt` and `1m.bin`
(written by `bench/e2e.py`).
"""

import json
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from email.utils import formatdate
from hashlib import md5
from typing import Any

import sse_starlette
from starlette import responses as starlette_responses
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.routing import Route

import fastresp

Message = dict[str, Any]
Send = Callable[[Message], Awaitable[None]]
ASGI = Callable[[dict[str, Any], Callable[[], Awaitable[Message]], Send], Awaitable[None]]

DIR = os.environ["FASTRESP_E2E_DIR"]
FILES = {"file4k": os.path.join(DIR, "4k.txt"), "file1m": os.path.join(DIR, "1m.bin")}
MEDIA = {"file4k": b"text/plain; charset=utf-8", "file1m": b"application/octet-stream"}
CHUNK_SIZE = 64 * 1024
STREAM_CHUNK = bytes(range(64))
STREAM_CHUNKS = 100
EVENTS = 20
DOCUMENT = {"message": "Hello, world!", "items": [1, 2, 3], "ok": True, "ratio": 0.5}


async def _stream() -> AsyncIterator[bytes]:
    for _ in range(STREAM_CHUNKS):
        yield STREAM_CHUNK


async def _events() -> AsyncIterator[dict[str, str]]:
    for i in range(EVENTS):
        yield {"id": str(i), "event": "tick", "data": f"payload {i}"}


def _classes(module: Any, sse: Any) -> Callable[[str], Any]:
    def respond(endpoint: str) -> Any:
        if endpoint == "plain":
            return module.PlainTextResponse("Hello, world!")
        if endpoint == "json":
            return module.JSONResponse(DOCUMENT)
        if endpoint in FILES:
            return module.FileResponse(FILES[endpoint])
        if endpoint == "stream":
            return module.StreamingResponse(_stream(), media_type="text/plain")
        return sse(_events())

    return respond


# --- the ceiling: raw ASGI, the same bytes -----------------------------------------------


def _start(status: int, headers: list[tuple[bytes, bytes]]) -> Message:
    return {"type": "http.response.start", "status": status, "headers": headers}


def _complete(body: bytes, media_type: bytes) -> ASGI:
    headers = [(b"content-length", b"%d" % len(body)), (b"content-type", media_type)]

    async def app(scope: Any, receive: Any, send: Send) -> None:
        await send(_start(200, headers))
        await send({"type": "http.response.body", "body": body})

    return app


def _json() -> ASGI:
    # Serialised per request, as any response class must; Starlette's settings.
    body = json.dumps(
        DOCUMENT, ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":")
    ).encode()
    return _complete(body, b"application/json")


_VALIDATORS: dict[tuple[float, int], tuple[bytes, bytes]] = {}


def _file(endpoint: str) -> ASGI:
    """open, fstat, pread in 64 KiB chunks and close, on the loop; validators cached."""
    path = FILES[endpoint]
    media_type = MEDIA[endpoint]

    async def app(scope: Any, receive: Any, send: Send) -> None:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        try:
            st = os.fstat(fd)
            key = (st.st_mtime, st.st_size)
            validators = _VALIDATORS.get(key)
            if validators is None:
                tag = md5(f"{st.st_mtime}-{st.st_size}".encode(), usedforsecurity=False)
                modified = formatdate(st.st_mtime, usegmt=True).encode()
                validators = _VALIDATORS[key] = modified, f'"{tag.hexdigest()}"'.encode()
            headers = [
                (b"content-type", media_type),
                (b"accept-ranges", b"bytes"),
                (b"content-length", b"%d" % st.st_size),
                (b"last-modified", validators[0]),
                (b"etag", validators[1]),
            ]
            await send(_start(200, headers))
            offset = 0
            while True:
                chunk = os.pread(fd, CHUNK_SIZE, offset)
                offset += len(chunk)
                more = len(chunk) == CHUNK_SIZE
                await send({"type": "http.response.body", "body": chunk, "more_body": more})
                if not more:
                    return
        finally:
            os.close(fd)

    return app


async def _stream_ceiling(scope: Any, receive: Any, send: Send) -> None:
    await send(_start(200, [(b"content-type", b"text/plain; charset=utf-8")]))
    async for chunk in _stream():
        await send({"type": "http.response.body", "body": chunk, "more_body": True})
    await send({"type": "http.response.body", "body": b""})


_SSE_HEADERS = [
    (b"cache-control", b"no-store"),
    (b"connection", b"keep-alive"),
    (b"x-accel-buffering", b"no"),
    (b"content-type", b"text/event-stream; charset=utf-8"),
]


async def _sse_ceiling(scope: Any, receive: Any, send: Send) -> None:
    await send(_start(200, _SSE_HEADERS))
    async for event in _events():
        text = f"id: {event['id']}\r\nevent: {event['event']}\r\ndata: {event['data']}\r\n\r\n"
        await send({"type": "http.response.body", "body": text.encode(), "more_body": True})
    await send({"type": "http.response.body", "body": b""})


def _ceiling(endpoint: str) -> ASGI:
    if endpoint == "plain":
        return _complete(b"Hello, world!", b"text/plain; charset=utf-8")
    if endpoint == "json":
        return _json()
    if endpoint in FILES:
        return _file(endpoint)
    return _stream_ceiling if endpoint == "stream" else _sse_ceiling


MEMBERS = ("starlette", "fastresp", "ceiling")
ENDPOINTS = ("plain", "json", "file4k", "file1m", "stream", "sse")
_BUILDERS = {
    "starlette": _classes(starlette_responses, sse_starlette.EventSourceResponse),
    "fastresp": _classes(fastresp, fastresp.EventSourceResponse),
}


def _route(member: str, endpoint: str) -> Route:
    # NOTE: every member builds its response per request, the ceiling included.
    build = _ceiling if member == "ceiling" else _BUILDERS[member]

    async def handler(request: Request) -> Any:
        return build(endpoint)

    return Route(f"/{member}/{endpoint}", handler)


app = Starlette(routes=[_route(m, e) for m in MEMBERS for e in ENDPOINTS])
