"""The Starlette-shaped namespace (`starlette.responses` plus sse-starlette's classes).

A facade: it only re-exports. Each class lives in the module of its kind (`base`,
`streaming`, `files`, `sse`), which imports `base` and never this module, so the import
arrows all point one way. The deliberate differences from Starlette are listed in each
owning module's docstring; those cited as "`fastresp.responses` differences" (header and
status checks, cookies...) are `Response`'s, in fastresp/base.py.
"""

from .base import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from .files import FileResponse
from .sse import EventSourceResponse, JSONServerSentEvent, SendTimeoutError, ServerSentEvent
from .streaming import (
    AsyncContentStream,
    Content,
    ContentStream,
    StreamingResponse,
    SyncContentStream,
)

__all__ = [
    "AsyncContentStream",
    "Content",
    "ContentStream",
    "EventSourceResponse",
    "FileResponse",
    "HTMLResponse",
    "JSONResponse",
    "JSONServerSentEvent",
    "PlainTextResponse",
    "RedirectResponse",
    "Response",
    "SendTimeoutError",
    "ServerSentEvent",
    "StreamingResponse",
    "SyncContentStream",
]
