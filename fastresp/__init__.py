"""fastresp: fast, strict drop-in replacements for Starlette's responses and SSE."""

from ._errors import (
    ClientDisconnect,
    CookieError,
    InvalidHeader,
    MalformedRangeHeader,
    RangeNotSatisfiable,
)
from ._speedups import COMPILED
from .background import BackgroundTask, BackgroundTasks
from .headers import MutableHeaders
from .responses import (
    EventSourceResponse,
    FileResponse,
    HTMLResponse,
    JSONResponse,
    JSONServerSentEvent,
    PlainTextResponse,
    RedirectResponse,
    Response,
    SendTimeoutError,
    ServerSentEvent,
    StreamingResponse,
)

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
]
