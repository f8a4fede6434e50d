"""The app tests/e2e/test_soak.py serves with a real uvicorn under load.

Run as `python -m uvicorn soak_app:app --app-dir tests/e2e`; `FASTRESP_SOAK_FILE` names
the file to serve. Every body iterator counts its start and its `finally:` per kind,
and `/debug` reports them with the process's open descriptors, asyncio tasks, threads,
RSS and the requests in flight, so the test can check that nothing is left behind.
`/error/app` and `/error/stream` fail on purpose, with the messages in `DELIBERATE`.
"""

import asyncio
import ctypes
import os
import threading
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
from typing import TypeVar
from urllib.parse import parse_qs

import anyio

import fastresp
from fastresp import (
    EventSourceResponse,
    FileResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from fastresp._asgi import Receive, Scope, Send

FILE = os.environ.get("FASTRESP_SOAK_FILE", "")
DELIBERATE = {
    "/error/app": "RuntimeError: deliberate soak failure before the response",
    "/error/stream": "RuntimeError: deliberate soak failure mid-stream",
}
PAGE = os.sysconf("SC_PAGE_SIZE")
T = TypeVar("T")

STATS: Counter[str] = Counter()  # "<kind>.started", "<kind>.closed"
IN_FLIGHT = 0
# NOTE: every body iterator is kept alive here until its `finally:` ran, so garbage
# collection cannot be what closes one: only the response closing it can.
LIVE: dict[object, object] = {}


def tracked(make: Callable[[object], T]) -> T:
    """`make(token)`, kept in LIVE under `token` until it drops itself from there."""
    token = object()
    LIVE[token] = body = make(token)
    return body


def stream_chunk(n: int) -> bytes:
    """Chunk `n` of /stream: numbered, 1 KiB."""
    return (b"%06d " % n) * 146 + b"chunk\n"


async def chunks(
    token: object, kind: str, count: int | None, fail_at: int | None = None
) -> AsyncIterator[bytes]:
    STATS[kind + ".started"] += 1
    try:
        n = 0
        while count is None or n < count:
            if n == fail_at:
                raise RuntimeError(DELIBERATE["/error/stream"].partition(": ")[2])
            yield stream_chunk(n)
            await anyio.sleep(0)
            n += 1
    finally:
        STATS[kind + ".closed"] += 1
        del LIVE[token]


def sync_chunks(token: object, count: int) -> Iterator[bytes]:
    STATS["stream_sync.started"] += 1
    try:
        yield from (stream_chunk(n) for n in range(count))
    finally:
        STATS["stream_sync.closed"] += 1
        del LIVE[token]


async def events(
    token: object, kind: str, count: int | None, pause: float
) -> AsyncIterator[dict[str, str]]:
    STATS[kind + ".started"] += 1
    try:
        n = 0
        while count is None or n < count:
            yield {"data": f"event {n}", "id": str(n)}
            await anyio.sleep(pause)
            n += 1
    finally:
        STATS[kind + ".closed"] += 1
        del LIVE[token]


def debug() -> dict[str, object]:
    try:  # NOTE: freed memory kept in glibc's arenas is not a leak: return it first
        ctypes.CDLL(None).malloc_trim(0)
    except (AttributeError, OSError):
        pass
    with open("/proc/self/statm") as statm:
        rss = int(statm.read().split()[1]) * PAGE
    return {
        "fds": len(os.listdir("/proc/self/fd")) - 1,  # minus the listing's own
        "tasks": len(asyncio.all_tasks()),
        "threads": threading.active_count(),
        "rss": rss,
        "in_flight": IN_FLIGHT,
        "live_iterators": len(LIVE),
        "stats": dict(STATS),
        "compiled": fastresp.COMPILED,
        "fastresp": fastresp.__file__,
    }


def route(scope: Scope) -> Response:
    path = scope["path"]
    query = {k: v[0] for k, v in parse_qs(scope["query_string"].decode()).items()}
    count = int(query.get("n", "8"))
    if path == "/text":
        response: Response = PlainTextResponse("soak")
        response.set_cookie("session", "s0ak", max_age=60, httponly=True)
        return response
    if path == "/json":
        return JSONResponse({"n": count, "items": [1, 2.5, None, "é"]})
    if path == "/redirect":
        return RedirectResponse("/text?from=soak ü", status_code=302)
    if path == "/file":
        return FileResponse(FILE, filename="soak.bin")
    if path == "/stream":
        if query.get("sync") == "1":
            return StreamingResponse(
                tracked(lambda t: sync_chunks(t, count)), media_type="text/plain"
            )
        return StreamingResponse(
            tracked(lambda t: chunks(t, "stream", count)), media_type="text/plain"
        )
    if path == "/endless":
        return StreamingResponse(tracked(lambda t: chunks(t, "endless", None)))
    if path == "/sse":
        return EventSourceResponse(tracked(lambda t: events(t, "sse", count, 0.002)), ping=0.001)
    if path == "/sse-endless":
        body = tracked(lambda t: events(t, "sse_endless", None, 0.001))
        return EventSourceResponse(body, ping=0.001)
    if path == "/error/stream":
        return StreamingResponse(tracked(lambda t: chunks(t, "failing", None, fail_at=2)))
    if path == "/error/app":
        raise RuntimeError(DELIBERATE["/error/app"].partition(": ")[2])
    if path == "/debug":
        return JSONResponse(debug())
    return PlainTextResponse("not found", status_code=404)


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    global IN_FLIGHT
    if scope["type"] != "http":
        return
    IN_FLIGHT += 1
    try:
        await route(scope)(scope, receive, send)
    finally:
        IN_FLIGHT -= 1
