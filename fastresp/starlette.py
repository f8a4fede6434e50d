"""fastresp's responses as Starlette subclasses, for FastAPI (opt-in; imports Starlette).

FastAPI recognises a returned response, a `-> Response` annotation and a JSON
`response_class` (whose model schema it then documents) by `isinstance`/`issubclass`
against `starlette.responses` classes: a plain fastresp object returned from an
endpoint would be serialised as data. Each class here is fastresp's class AND the
matching Starlette class, with fastresp first in the MRO: fastresp's `__init__`,
`render`, `init_headers`, `headers`, cookies and `__call__` run; Starlette's class
only lends its identity. Switching is one import line:

    from fastresp.starlette import JSONResponse  # was: from fastapi.responses import ...

`EventSourceResponse` subclasses `starlette.responses.Response`, as sse-starlette's
does, and not FastAPI's own SSE class (that would make FastAPI encode the events).

Plain Starlette apps do not need this module: any fastresp object is an ASGI app.
The core package never imports it, so Starlette stays an optional dependency.

Deliberate differences from `starlette.responses` / `sse_starlette` (each has its own test):

1. `headers` is a `fastresp.MutableHeaders`, not a Starlette one: same reads and
   writes, and `headers.raw` is the live list that is sent, but
   `isinstance(response.headers, starlette.datastructures.MutableHeaders)` is False.
2. `BackgroundTask` and `BackgroundTasks` exported here are fastresp's, not subclasses
   of Starlette's. Every `background=` (and FastAPI's attaching its own tasks to a
   returned response) accepts either kind, or any awaitable callable.
3. `EventSourceResponse.media_type` is "text/event-stream" on the class (sse-starlette:
   None on the class, set per instance), so FastAPI's OpenAPI shows that content type
   for `response_class=EventSourceResponse`. Only an explicit `media_type=None` sees a
   difference: the stream keeps Content-Type text/event-stream instead of having none.
4. `StreamingResponse.stream_response()` and `.listen_for_disconnect()` are Starlette's
   own, inherited: calling them works, but fastresp's `__call__` never calls them, so
   a subclass that overrides them changes nothing (in Starlette it changes the body).
"""

import starlette.responses as _starlette

from . import _errors, background, base, files, headers, sse, streaming

__all__ = [
    "BackgroundTask",
    "BackgroundTasks",
    "ClientDisconnect",
    "EventSourceResponse",
    "FileResponse",
    "HTMLResponse",
    "InvalidHeader",
    "JSONResponse",
    "JSONServerSentEvent",
    "MalformedRangeHeader",
    "MutableHeaders",
    "PlainTextResponse",
    "RangeNotSatisfiable",
    "RedirectResponse",
    "Response",
    "SendTimeoutError",
    "ServerSentEvent",
    "StreamingResponse",
]

BackgroundTask = background.BackgroundTask
BackgroundTasks = background.BackgroundTasks
ClientDisconnect = _errors.ClientDisconnect
InvalidHeader = _errors.InvalidHeader
MalformedRangeHeader = _errors.MalformedRangeHeader
RangeNotSatisfiable = _errors.RangeNotSatisfiable
MutableHeaders = headers.MutableHeaders
ServerSentEvent = sse.ServerSentEvent
JSONServerSentEvent = sse.JSONServerSentEvent
SendTimeoutError = sse.SendTimeoutError

# NOTE: mypy reports the two bases' differing annotations (our `MutableHeaders` vs
# Starlette's, `Background` vs `BackgroundTask`, ...) as incompatible definitions;
# fastresp's always win at run time, which tests/test_starlette_compat.py pins.


class Response(base.Response, _starlette.Response):  # type: ignore[misc]
    """`fastresp.Response` that FastAPI treats as a `starlette.responses.Response`."""


# Each subclass also derives from `Response` above, so `isinstance(x, Response)` holds
# for all of them as it does in Starlette; the MRO stays fastresp, then Starlette.


class HTMLResponse(base.HTMLResponse, Response, _starlette.HTMLResponse):  # type: ignore[misc]
    """`fastresp.HTMLResponse` that is also a `starlette.responses.HTMLResponse`."""


class PlainTextResponse(  # type: ignore[misc]
    base.PlainTextResponse, Response, _starlette.PlainTextResponse
):
    """`fastresp.PlainTextResponse` that is also a `starlette.responses.PlainTextResponse`."""


class JSONResponse(base.JSONResponse, Response, _starlette.JSONResponse):  # type: ignore[misc]
    """`fastresp.JSONResponse` that is also a `starlette.responses.JSONResponse`.

    Being a Starlette `JSONResponse` subclass is what makes FastAPI attach a route's
    `response_model` schema to its OpenAPI document.
    """


class RedirectResponse(  # type: ignore[misc]
    base.RedirectResponse, Response, _starlette.RedirectResponse
):
    """`fastresp.RedirectResponse` that is also a `starlette.responses.RedirectResponse`."""


class StreamingResponse(  # type: ignore[misc]
    streaming.StreamingResponse, Response, _starlette.StreamingResponse
):
    """`fastresp.StreamingResponse` that is also a `starlette.responses.StreamingResponse`."""


class FileResponse(files.FileResponse, Response, _starlette.FileResponse):  # type: ignore[misc]
    """`fastresp.FileResponse` that is also a `starlette.responses.FileResponse`."""


class EventSourceResponse(sse.EventSourceResponse, Response):  # type: ignore[misc]
    """`fastresp.EventSourceResponse`, a `starlette.responses.Response` as in sse-starlette."""

    # COMPAT: FastAPI documents a `response_class` by its class-level `media_type`;
    # sse-starlette sets it only per instance, so its routes show no content type.
    media_type = "text/event-stream"
