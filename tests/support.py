"""Shared test plumbing: an in-process ASGI driver and the two flavours under comparison."""

import importlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import anyio

from fastresp._asgi import Message

REQUEST: Message = {"type": "http.request", "body": b"", "more_body": False}


@dataclass
class Exchange:
    """What an ASGI app sent, plus what it was asked."""

    messages: list[Message] = field(default_factory=list)

    @property
    def start(self) -> Message:
        return self.messages[0]

    @property
    def status(self) -> int:
        return int(self.start["status"])

    @property
    def headers(self) -> list[tuple[bytes, bytes]]:
        return [(bytes(k), bytes(v)) for k, v in self.start["headers"]]

    def header(self, name: bytes) -> bytes | None:
        return next((v for k, v in self.headers if k == name), None)

    @property
    def body(self) -> bytes:
        return b"".join(bytes(m.get("body", b"")) for m in self.messages[1:])

    @property
    def complete(self) -> bool:
        last = self.messages[-1] if self.messages else {}
        return last.get("type", "").endswith("http.response.pathsend") or (
            last.get("type", "").endswith("http.response.body") and not last.get("more_body", False)
        )


def make_scope(
    method: str = "GET",
    path: str = "/",
    headers: Sequence[tuple[bytes, bytes]] = (),
    scope_type: str = "http",
    spec_version: str | None = "2.3",
    extensions: dict[str, Any] | None = None,
) -> dict[str, Any]:
    scope: dict[str, Any] = {
        "type": scope_type,
        "method": method,
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": list(headers),
        "http_version": "1.1",
        "scheme": "http",
        "server": ("127.0.0.1", 8000),
        "client": ("127.0.0.1", 50000),
        "root_path": "",
        "extensions": extensions if extensions is not None else {},
    }
    if scope_type == "websocket":
        del scope["method"]
    if spec_version is not None:
        scope["asgi"] = {"version": "3.0", "spec_version": spec_version}
    return scope


async def call(
    app: Any,
    *,
    disconnect_after: int | None = None,
    send_error_after: int | None = None,
    **scope_args: Any,
) -> Exchange:
    """Run `app` once and record its messages.

    `receive` yields one empty request, then blocks until `disconnect_after` messages
    have been sent (never, if None), then reports `http.disconnect`. With
    `send_error_after`, `send` raises OSError once that many messages went out (the
    ASGI 2.4 way of saying the client left).
    """
    exchange = Exchange()
    gone = anyio.Event()
    requested = False

    async def receive() -> Message:
        nonlocal requested
        if not requested:
            requested = True
            return dict(REQUEST)
        await gone.wait()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        if send_error_after is not None and len(exchange.messages) >= send_error_after:
            raise OSError("client went away")
        exchange.messages.append(message)
        if disconnect_after is not None and len(exchange.messages) >= disconnect_after:
            gone.set()

    if disconnect_after == 0:
        gone.set()
    await app(make_scope(**scope_args), receive, send)
    return exchange


def flavour(name: str) -> SimpleNamespace:
    """The response classes of Starlette + sse-starlette, or of fastresp, by one name each."""
    if name == "starlette":
        responses = importlib.import_module("starlette.responses")
        background = importlib.import_module("starlette.background")
        sse = importlib.import_module("sse_starlette")
        extra = {"ClientDisconnect": importlib.import_module("starlette.requests").ClientDisconnect}
    else:
        responses = background = sse = importlib.import_module("fastresp")
        extra = {"ClientDisconnect": responses.ClientDisconnect}
    names = (
        "Response",
        "HTMLResponse",
        "PlainTextResponse",
        "JSONResponse",
        "RedirectResponse",
        "StreamingResponse",
        "FileResponse",
    )
    ns = SimpleNamespace(name=name, **extra)
    for n in names:
        setattr(ns, n, getattr(responses, n))
    for n in ("BackgroundTask", "BackgroundTasks"):
        setattr(ns, n, getattr(background, n))
    for n in ("EventSourceResponse", "ServerSentEvent", "JSONServerSentEvent"):
        setattr(ns, n, getattr(sse, n))
    sse_module = importlib.import_module(ns.EventSourceResponse.__module__)
    ns.SendTimeoutError = sse_module.SendTimeoutError
    return ns
