"""Shared by the EventSourceResponse tests that compare sse-starlette and fastresp."""

import importlib
from collections.abc import AsyncIterator, Callable
from types import ModuleType, SimpleNamespace
from typing import Any

import anyio

from fastresp._asgi import Message

from support import REQUEST, Exchange, call, make_scope


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


class Recorder:
    """Yields `items`, then waits forever; records whether its cleanup ran."""

    def __init__(self, *items: Any) -> None:
        self.items = items
        self.closed = False

    async def gen(self) -> AsyncIterator[Any]:
        try:
            for item in self.items:
                yield item
            await anyio.sleep_forever()
        finally:
            self.closed = True


async def drive(
    response: Any, on_send: Callable[[list[Message]], object] | None = None
) -> list[Message]:
    """Run `response` for a client that never leaves; `on_send` sees the messages so far."""
    sent: list[Message] = []
    requested = False

    async def receive() -> Message:
        nonlocal requested
        if not requested:
            requested = True
            return dict(REQUEST)
        await anyio.sleep_forever()
        raise AssertionError

    async def send(message: Message) -> None:
        sent.append(message)
        if on_send is not None:
            on_send(sent)

    await response(make_scope(), receive, send)
    return sent


def after(count: int, action: Callable[[], object]) -> Callable[[list[Message]], object]:
    return lambda sent: action() if len(sent) == count else None
