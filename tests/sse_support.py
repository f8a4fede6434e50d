"""Shared by the EventSourceResponse tests that compare sse-starlette and fastresp."""

import importlib
from collections.abc import AsyncIterator
from types import ModuleType, SimpleNamespace
from typing import Any

import anyio

from fastresp._asgi import Message

from support import Exchange, call


def clear_shutdown_flags() -> None:
    """Both libraries' process-wide shutdown flags are clear, whatever ran before."""
    importlib.import_module("fastresp.sse").AppStatus.should_exit = False
    importlib.import_module("sse_starlette.sse").AppStatus.should_exit = False


async def bounded_call(app: Any, **kwargs: Any) -> Exchange:
    """`call`, failing instead of hanging when the response never ends."""
    with anyio.fail_after(5):
        return await call(app, **kwargs)


def stream(items: list[Any]) -> AsyncIterator[Any]:
    async def gen() -> AsyncIterator[Any]:
        for item in items:
            yield item

    return gen()


async def events(flavour: SimpleNamespace, items: list[Any], **kwargs: Any) -> list[Message]:
    kwargs.setdefault("ping", 0)
    return (await bounded_call(flavour.EventSourceResponse(stream(items), **kwargs))).messages


def body(chunk: bytes) -> Message:
    return {"type": "http.response.body", "body": chunk, "more_body": True}


END: Message = {"type": "http.response.body", "body": b"", "more_body": False}
SSE_HEADERS = [
    (b"cache-control", b"no-store"),
    (b"connection", b"keep-alive"),
    (b"x-accel-buffering", b"no"),
    (b"content-type", b"text/event-stream; charset=utf-8"),
]
START: Message = {"type": "http.response.start", "status": 200, "headers": SSE_HEADERS}


def sse_module(flavour: SimpleNamespace) -> ModuleType:
    """`sse_starlette.sse` or `fastresp.sse`: what `flavour` leaves out."""
    return importlib.import_module(flavour.EventSourceResponse.__module__)
