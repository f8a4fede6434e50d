"""Streaming responses on the event loop (uvloop if installed), ASGI spec 2.3 scope.

Scenarios from shared/notes/starlette-profile.md §5 and §9: `StreamingResponse` of 100
chunks of 64 B from an async generator, and `EventSourceResponse` of 10,000 events.
Under spec 2.3 (uvicorn) both members watch `receive()` for a disconnect; the floor
does not (it shows what the server allows).
"""

from collections.abc import AsyncIterator

import pytest
from harness_drivers import App, Flavour, LoopDriver, Receive, Scope, Send, make_scope
from harness_timing import Bench, run_member

CHUNK = bytes(range(64))
CHUNKS = 100
EVENTS = 10_000


# --- StreamingResponse -----------------------------------------------------------------


async def _chunks() -> AsyncIterator[bytes]:
    for _ in range(CHUNKS):
        yield CHUNK


def _streaming(f: Flavour) -> App:
    cls = f.StreamingResponse
    return lambda scope, receive, send: cls(_chunks())(scope, receive, send)


async def _streaming_floor(scope: Scope, receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    async for chunk in _chunks():
        await send({"type": "http.response.body", "body": chunk, "more_body": True})
    await send({"type": "http.response.body", "body": b"", "more_body": False})


@pytest.mark.benchmark(group="streaming-100x64B")
def bench_streaming(benchmark: Bench, member: str, loop: LoopDriver) -> None:
    run_member(benchmark, member, _streaming, _streaming_floor, make_scope(), loop)


# --- EventSourceResponse ---------------------------------------------------------------


async def _events() -> AsyncIterator[dict[str, str]]:
    for i in range(EVENTS):
        yield {"id": str(i), "event": "tick", "data": f"payload {i}"}


def _sse(f: Flavour) -> App:
    cls = f.EventSourceResponse
    return lambda scope, receive, send: cls(_events())(scope, receive, send)


_SSE_HEADERS = [
    (b"cache-control", b"no-store"),
    (b"connection", b"keep-alive"),
    (b"x-accel-buffering", b"no"),
    (b"content-type", b"text/event-stream; charset=utf-8"),
]


async def _sse_floor(scope: Scope, receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": _SSE_HEADERS})
    async for event in _events():
        # The scenario's fields have no line breaks: the floor skips the split.
        text = f"id: {event['id']}\r\nevent: {event['event']}\r\ndata: {event['data']}\r\n\r\n"
        await send({"type": "http.response.body", "body": text.encode(), "more_body": True})
    await send({"type": "http.response.body", "body": b"", "more_body": False})


@pytest.mark.benchmark(group="sse-10k-events")
def bench_sse(benchmark: Bench, member: str, loop: LoopDriver) -> None:
    run_member(benchmark, member, _sse, _sse_floor, make_scope(), loop)
