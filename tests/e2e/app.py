"""The app tests/e2e serves with a real uvicorn: Starlette routing, fastresp responses.

Run by `tests/e2e/conftest.py` as `python -m uvicorn app:app --app-dir tests/e2e`;
`FASTRESP_E2E_FILE` names the file to serve. The paths under `/raw/` bypass Starlette
and call fastresp responses as bare ASGI apps.
"""

import os
from collections.abc import AsyncIterator, Iterator

import anyio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.routing import Route

import fastresp
from fastresp import (
    EventSourceResponse,
    FileResponse,
    JSONResponse,
    JSONServerSentEvent,
    PlainTextResponse,
    RedirectResponse,
    Response,
    ServerSentEvent,
    StreamingResponse,
)
from fastresp._asgi import Message, Receive, Scope, Send

FILE = os.environ["FASTRESP_E2E_FILE"]

# Endless stream id -> "started" or "closed": what the generator's `finally` recorded.
STREAMS: dict[str, str] = {}
# NOTE: the generators are kept alive here, so garbage collection cannot be what runs
# their `finally`: only the response closing them can (see `raw_endless`).
GENERATORS: dict[str, AsyncIterator[bytes]] = {}


async def text(request: Request) -> Response:
    return PlainTextResponse("Hello, world!")


async def json(request: Request) -> Response:
    return JSONResponse({"message": "héllo", "items": [1, 2.5, None, True]}, status_code=201)


async def cookies(request: Request) -> Response:
    response = PlainTextResponse("cookies")
    response.set_cookie("session", "abc123", max_age=3600, httponly=True, samesite="strict")
    response.set_cookie("theme", "dark", path="/app", secure=True)
    response.delete_cookie("old")
    return response


async def redirect(request: Request) -> Response:
    return RedirectResponse("/text?from=redirect ü", status_code=302)


async def file(request: Request) -> Response:
    return FileResponse(FILE, filename="data.txt")


async def stream(request: Request) -> Response:
    async def chunks() -> AsyncIterator[str | bytes]:
        for n in range(5):
            yield f"chunk {n}\n" if n % 2 else f"chunk {n}\n".encode()
            await anyio.sleep(0.001)

    return StreamingResponse(chunks(), media_type="text/plain", headers={"X-Stream": "async"})


async def stream_sync(request: Request) -> Response:
    def lines() -> Iterator[bytes]:
        yield from (b"line %d\n" % n for n in range(3))

    return StreamingResponse(lines(), media_type="application/x-ndjson")


async def stream_state(request: Request) -> Response:
    return PlainTextResponse(STREAMS.get(request.path_params["stream_id"], "unknown"))


async def sse(request: Request) -> Response:
    async def events() -> AsyncIterator[ServerSentEvent | dict[str, object] | str]:
        yield ServerSentEvent("first", id="1", event="greeting")
        yield JSONServerSentEvent({"n": 2, "ok": True}, id="2")
        yield {"data": "multi\nline", "retry": 2500}
        yield "plain"

    return EventSourceResponse(events(), ping=0)


async def sse_ping(request: Request) -> Response:
    custom = request.query_params.get("custom") == "1"

    async def events() -> AsyncIterator[str]:
        yield "a"
        await anyio.sleep(0.35)
        yield "b"

    return EventSourceResponse(
        events(),
        ping=0.1,
        ping_message_factory=(lambda: ServerSentEvent(comment="ping")) if custom else None,
    )


async def sse_endless(request: Request) -> Response:
    async def events() -> AsyncIterator[str]:
        while True:
            yield "tick"
            await anyio.sleep(0.01)

    return EventSourceResponse(events(), headers={"X-Endless": "1"})


async def raw_echo(scope: Scope, receive: Receive, send: Send) -> None:
    """Read the whole request body and send it back."""
    parts: list[bytes] = []
    more_body = True
    while more_body:
        message: Message = await receive()
        parts.append(message.get("body", b""))
        more_body = message.get("more_body", False)
    body = b"".join(parts)
    response = Response(
        body, media_type="application/octet-stream", headers={"X-Received": str(len(body))}
    )
    await response(scope, receive, send)


async def raw_info(scope: Scope, receive: Receive, send: Send) -> None:
    """Which fastresp this server runs, so tests can check it is the one under test."""
    info = {"file": fastresp.__file__, "compiled": fastresp.COMPILED, "spec": scope["asgi"]}
    await JSONResponse(info)(scope, receive, send)


async def raw_endless(scope: Scope, receive: Receive, send: Send) -> None:
    """An endless body whose generator never awaits: a client disconnect cancels the
    response inside `send`, never inside the generator, so only the response closing
    the generator can run its `finally` (it is kept alive in GENERATORS)."""
    stream_id = scope["path"].rpartition("/")[2]

    async def forever() -> AsyncIterator[bytes]:
        STREAMS[stream_id] = "started"
        try:
            while True:
                yield b"x" * 4096
        finally:
            STREAMS[stream_id] = "closed"

    async def paced_send(message: Message) -> None:
        await send(message)
        await anyio.sleep(0.001)  # the one checkpoint per chunk, outside the generator

    GENERATORS[stream_id] = forever()
    response = StreamingResponse(GENERATORS[stream_id], media_type="application/octet-stream")
    await response(scope, receive, paced_send)


RAW = {"/raw/echo": raw_echo, "/raw/info": raw_info}

starlette_app = Starlette(
    routes=[
        Route("/text", text),
        Route("/json", json),
        Route("/cookies", cookies),
        Route("/redirect", redirect),
        Route("/file", file, methods=["GET", "HEAD"]),
        Route("/stream", stream),
        Route("/stream-sync", stream_sync),
        Route("/streams/{stream_id}", stream_state),
        Route("/sse", sse),
        Route("/sse-ping", sse_ping),
        Route("/sse-endless", sse_endless),
    ]
)


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    path = scope.get("path", "")
    if scope["type"] == "http" and path.startswith("/raw/endless/"):
        await raw_endless(scope, receive, send)
    elif scope["type"] == "http" and path in RAW:
        await RAW[path](scope, receive, send)
    else:
        await starlette_app(scope, receive, send)
