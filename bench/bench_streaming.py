"""Streaming responses on the event loop (uvloop if installed).

Scenarios from shared/notes/starlette-profile.md §5 and §9:
- `StreamingResponse` of 100 chunks of 64 B from an async generator, under ASGI spec
  2.3 (uvicorn: Starlette and fastresp watch `receive()` for a disconnect; the floor
  does not, so it is a bound there) and 2.4 (a failed `send` reports a disconnect:
  nobody watches).
- `EventSourceResponse` of 10,000 events, yielded as `ServerSentEvent(data, id, event)`
  objects, as dicts of the same fields, or as plain strings (data only). Both members
  listen for a disconnect under every spec version, as sse-starlette does.
The floor formats each event's bytes from the same field values with an f-string: it
builds no event object and no dict, so their cost counts against the members.
"""

from collections.abc import AsyncIterator, Callable
from typing import Any

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


@pytest.mark.benchmark(group="streaming-100x64B-asgi2.4")
def bench_streaming_asgi24(benchmark: Bench, member: str, loop: LoopDriver) -> None:
    scope = make_scope(spec_version="2.4")
    run_member(benchmark, member, _streaming, _streaming_floor, scope, loop)


# --- EventSourceResponse ---------------------------------------------------------------

Events = Callable[[Flavour], AsyncIterator[Any]]


async def _objects(f: Flavour) -> AsyncIterator[Any]:
    event = f.ServerSentEvent
    for i in range(EVENTS):
        yield event(data=f"payload {i}", id=str(i), event="tick")


async def _dicts(f: Flavour) -> AsyncIterator[dict[str, str]]:
    for i in range(EVENTS):
        yield {"id": str(i), "event": "tick", "data": f"payload {i}"}


async def _strings(f: Flavour) -> AsyncIterator[str]:
    for i in range(EVENTS):
        yield f"payload {i}"


def _sse(events: Events) -> Callable[[Flavour], App]:
    def build(f: Flavour) -> App:
        cls = f.EventSourceResponse
        return lambda scope, receive, send: cls(events(f))(scope, receive, send)

    return build


_SSE_HEADERS = [
    (b"cache-control", b"no-store"),
    (b"connection", b"keep-alive"),
    (b"x-accel-buffering", b"no"),
    (b"content-type", b"text/event-stream; charset=utf-8"),
]


async def _fields() -> AsyncIterator[tuple[str, str]]:
    for i in range(EVENTS):
        yield str(i), f"payload {i}"


async def _sse_fields_floor(scope: Scope, receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": _SSE_HEADERS})
    async for id, data in _fields():
        # The scenario's fields have no line breaks: the floor skips the split.
        text = f"id: {id}\r\nevent: tick\r\ndata: {data}\r\n\r\n"
        await send({"type": "http.response.body", "body": text.encode(), "more_body": True})
    await send({"type": "http.response.body", "body": b"", "more_body": False})


async def _data() -> AsyncIterator[str]:
    for i in range(EVENTS):
        yield f"payload {i}"


async def _sse_data_floor(scope: Scope, receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": _SSE_HEADERS})
    async for data in _data():
        text = f"data: {data}\r\n\r\n"
        await send({"type": "http.response.body", "body": text.encode(), "more_body": True})
    await send({"type": "http.response.body", "body": b"", "more_body": False})


@pytest.mark.benchmark(group="sse-10k-objects")
def bench_sse_objects(benchmark: Bench, member: str, loop: LoopDriver) -> None:
    run_member(benchmark, member, _sse(_objects), _sse_fields_floor, make_scope(), loop)


@pytest.mark.benchmark(group="sse-10k-dicts")
def bench_sse_dicts(benchmark: Bench, member: str, loop: LoopDriver) -> None:
    run_member(benchmark, member, _sse(_dicts), _sse_fields_floor, make_scope(), loop)


@pytest.mark.benchmark(group="sse-10k-strings")
def bench_sse_strings(benchmark: Bench, member: str, loop: LoopDriver) -> None:
    run_member(benchmark, member, _sse(_strings), _sse_data_floor, make_scope(), loop)
