"""fastresp: fast, strict drop-in replacements for Starlette's responses and SSE.

A facade: it only re-exports (the classes live in `base`, `streaming`, `files`, `sse`).
"""

from ._errors import (
    ClientDisconnect,
    CookieError,
    InvalidHeader,
    MalformedRangeHeader,
    RangeNotSatisfiable,
)
from ._speedups import COMPILED
from .background import BackgroundTask, BackgroundTasks
from .base import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
    json_dumps,
)
from .files import FileResponse
from .headers import MutableHeaders
from .sse import EventSourceResponse, JSONServerSentEvent, SendTimeoutError, ServerSentEvent
from .streaming import StreamingResponse

__version__ = "0.1.0"

__all__ = [
    "COMPILED",
    "BackgroundTask",
    "BackgroundTasks",
    "ClientDisconnect",
    "CookieError",
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
    "__version__",
    "json_dumps",
]
