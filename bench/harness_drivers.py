"""Competitors, ASGI plumbing and the two drivers.

- `step`: responses that never suspend are stepped with `coro.send(None)`; no event
  loop is timed. A coroutine that does suspend is an error, not a silent fallback.
- `LoopDriver`: uvloop if installed, else asyncio; one loop per benchmark, entered once
  per round (see `harness_timing.time_async` for why a round is a batch of responses).
"""

import asyncio
import importlib
from collections.abc import Awaitable, Callable, Coroutine, MutableMapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import fastresp

__all__ = [
    "FASTRESP_ID",
    "MEMBERS",
    "App",
    "BlockingReceive",
    "Exchange",
    "Flavour",
    "LoopDriver",
    "Message",
    "Receive",
    "Scope",
    "Send",
    "discard",
    "load_flavour",
    "make_scope",
    "step",
    "step_app",
]

T = TypeVar("T")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Coroutine[Any, Any, None]]

MEMBERS = ("starlette", "fastresp", "floor")
FASTRESP_ID = "fastresp-compiled" if fastresp.COMPILED else "fastresp-pure"


# --- competitors -----------------------------------------------------------------------


@dataclass(frozen=True)
class Flavour:
    """The response classes of one implementation, by their Starlette names."""

    name: str
    Response: Any
    HTMLResponse: Any
    PlainTextResponse: Any
    JSONResponse: Any
    RedirectResponse: Any
    StreamingResponse: Any
    FileResponse: Any
    EventSourceResponse: Any
    ServerSentEvent: Any


def load_flavour(member: str) -> Flavour:
    """`starlette` (starlette.responses + sse_starlette) or `fastresp`."""
    if member == "starlette":
        responses = importlib.import_module("starlette.responses")
        sse = importlib.import_module("sse_starlette")
    elif member == "fastresp":
        responses = sse = fastresp
    else:
        raise ValueError(f"no response classes for member {member!r}")
    return Flavour(
        name=member,
        Response=responses.Response,
        HTMLResponse=responses.HTMLResponse,
        PlainTextResponse=responses.PlainTextResponse,
        JSONResponse=responses.JSONResponse,
        RedirectResponse=responses.RedirectResponse,
        StreamingResponse=responses.StreamingResponse,
        FileResponse=responses.FileResponse,
        EventSourceResponse=sse.EventSourceResponse,
        ServerSentEvent=sse.ServerSentEvent,
    )


# --- ASGI plumbing ---------------------------------------------------------------------

_UVICORN_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"host", b"127.0.0.1:8000"),
    (b"user-agent", b"bench/1.0"),
    (b"accept", b"*/*"),
    (b"accept-encoding", b"gzip, deflate"),
    (b"connection", b"keep-alive"),
)


def make_scope(
    method: str = "GET",
    path: str = "/",
    headers: Sequence[tuple[bytes, bytes]] = (),
    *,
    spec_version: str = "2.3",
) -> dict[str, Any]:
    """An HTTP scope as uvicorn builds it: ASGI spec 2.3, so streaming responses watch
    `receive()` for a disconnect (under 2.4 a failed `send` reports it instead)."""
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": spec_version},
        "http_version": "1.1",
        "server": ("127.0.0.1", 8000),
        "client": ("127.0.0.1", 50000),
        "scheme": "http",
        "method": method,
        "root_path": "",
        "path": path,
        "raw_path": path.encode("ascii"),
        "query_string": b"",
        "headers": [*_UVICORN_HEADERS, *headers],
        "state": {},
    }


_REQUEST: Message = {"type": "http.request", "body": b"", "more_body": False}


class BlockingReceive:
    """`receive` for one response: an empty request, then blocks forever (the client
    never disconnects; the watcher is cancelled when the response ends)."""

    __slots__ = ("_requested",)

    def __init__(self) -> None:
        self._requested = False

    async def __call__(self) -> Message:
        if not self._requested:
            self._requested = True
            return dict(_REQUEST)
        await asyncio.get_running_loop().create_future()
        raise AssertionError("the never-resolving future resolved")


async def discard(message: Message) -> None:
    """`send` for timed runs: the server's work is not what is measured."""


@dataclass
class Exchange:
    """What a member sent for one response, body chunks copied as they went out."""

    messages: list[tuple[str, Message]] = field(default_factory=list)

    async def send(self, message: Message) -> None:
        # NOTE: copy now: a file response may reuse its read buffer for the next chunk.
        kept = dict(message)
        if "body" in kept:
            kept["body"] = bytes(kept["body"])
        if "headers" in kept:
            kept["headers"] = [(bytes(k), bytes(v)) for k, v in kept["headers"]]
        self.messages.append((str(message["type"]), kept))


# --- drivers ---------------------------------------------------------------------------


def step(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine that never suspends to completion without an event loop."""
    try:
        coro.send(None)
    except StopIteration as stop:
        result: T = stop.value
        return result
    coro.close()
    raise RuntimeError(
        "the coroutine suspended: this scenario needs the event-loop driver, not `step`"
    )


def step_app(app: App, scope: Scope, receive: Receive, send: Send) -> None:
    step(app(scope, receive, send))


def _loop_factory() -> tuple[str, Callable[[], asyncio.AbstractEventLoop]]:
    try:
        import uvloop
    except ImportError:
        return "asyncio", asyncio.new_event_loop
    return "uvloop", uvloop.new_event_loop


class LoopDriver:
    """One event loop (uvloop if installed, else asyncio) for one benchmark."""

    def __init__(self) -> None:
        self.name, factory = _loop_factory()
        self._runner = asyncio.Runner(loop_factory=factory)
        self._loop = self._runner.get_loop()

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return self._loop.run_until_complete(coro)

    def close(self) -> None:
        """Cancel leftover tasks (watchers, pollers) and close the loop."""
        self._runner.close()
