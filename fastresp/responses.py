"""Response classes with Starlette 1.10's API and wire output.

Deliberate differences from `starlette.responses` (each has its own test):

1. Content that is not str, bytes, memoryview or None raises `TypeError` naming the
   type (Starlette fails with `AttributeError: ... has no attribute 'encode'`).
2. An invalid `samesite` raises `ValueError` (Starlette uses `assert`, which
   `python -O` removes); `partitioned=True` works on every Python (Starlette: 3.14+).
3. An illegal cookie name raises `fastresp.CookieError`, a subclass of both
   `http.cookies.CookieError` (what Starlette raises) and `ValueError`.
4. A `body` that is a typed memoryview set by a subclass's `render()` counts its
   bytes (`nbytes`) for Content-Length, not its items.
"""

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal

from ._asgi import Receive, Scope, Send, deny_websocket
from ._speedups import cookies as _cookies
from ._speedups import headers as _headers
from .background import Background
from .headers import MutableHeaders, set_raw

__all__ = [
    "HTMLResponse",
    "JSONResponse",
    "PlainTextResponse",
    "RedirectResponse",
    "Response",
]

# PERF: Content-Type bytes depend only on (media_type, charset); Starlette re-derives
# them on every response (~35% of a small one). Bounded so that per-request media
# types cannot grow it without limit.
_CONTENT_TYPES: dict[tuple[str, str], bytes] = {}
_CONTENT_TYPES_MAX = 256


def _content_type(media_type: str, charset: str) -> bytes:
    key = (media_type, charset)
    value = _CONTENT_TYPES.get(key)
    if value is None:
        value = _headers.content_type_header(media_type, charset)
        if len(_CONTENT_TYPES) < _CONTENT_TYPES_MAX:
            _CONTENT_TYPES[key] = value
    return value


class Response:
    """A complete response whose body is known up front."""

    media_type: str | None = None
    charset: str = "utf-8"
    _headers: MutableHeaders

    def __init__(
        self,
        content: Any = None,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        background: Background | None = None,
    ) -> None:
        self.status_code = status_code
        if media_type is not None:
            self.media_type = media_type
        self.background = background
        self.body = self.render(content)
        self.init_headers(headers)

    def render(self, content: Any) -> bytes | memoryview:
        """Turn `content` into the body bytes."""
        if content is None:
            return b""
        if isinstance(content, bytes):
            return content
        if isinstance(content, str):
            return content.encode(self.charset)
        if isinstance(content, memoryview):
            # COMPAT: a flat byte view, so len() is the byte length (Starlette 1.9+).
            return content.cast("B") if content.c_contiguous else content.tobytes()
        raise TypeError(
            f"{type(self).__name__} content must be str, bytes or memoryview, "
            f"not {type(content).__name__}"
        )

    def init_headers(self, headers: Mapping[str, str] | None = None) -> None:
        """Build `raw_headers` from `headers` plus Content-Length and Content-Type."""
        body = getattr(self, "body", None)
        status_code = self.status_code
        length = -1
        # RFC 9110 §8.6: no Content-Length for 1xx, 204 and 304.
        if body is not None and not (status_code < 200 or status_code == 204 or status_code == 304):
            length = body.nbytes if type(body) is memoryview else len(body)
        media_type = self.media_type
        content_type = None
        if media_type is not None:
            # PERF: inline cache hit; the call costs as much as the lookup.
            content_type = _CONTENT_TYPES.get((media_type, self.charset)) or _content_type(
                media_type, self.charset
            )
        self.raw_headers = _headers.build_raw_headers(headers, length, content_type)

    @property
    def headers(self) -> MutableHeaders:
        """A mutable, case-insensitive view whose `raw` is `raw_headers` itself."""
        try:
            return self._headers
        except AttributeError:
            self._headers = MutableHeaders(raw=self.raw_headers)
            return self._headers

    def set_cookie(
        self,
        key: str,
        value: str = "",
        max_age: int | None = None,
        expires: datetime | str | int | None = None,
        path: str | None = "/",
        domain: str | None = None,
        secure: bool = False,
        httponly: bool = False,
        samesite: Literal["lax", "strict", "none"] | None = "lax",
        partitioned: bool = False,
    ) -> None:
        """Append a Set-Cookie header (same bytes as Starlette)."""
        self.raw_headers.append(
            (
                b"set-cookie",
                _cookies.format_set_cookie(
                    key,
                    value,
                    max_age,
                    expires,
                    path,
                    domain,
                    secure,
                    httponly,
                    samesite,
                    partitioned,
                ),
            )
        )

    def delete_cookie(
        self,
        key: str,
        path: str = "/",
        domain: str | None = None,
        secure: bool = False,
        httponly: bool = False,
        samesite: Literal["lax", "strict", "none"] | None = "lax",
        partitioned: bool = False,
    ) -> None:
        """Expire a cookie: Max-Age=0 and an expiry of now."""
        self.set_cookie(
            key,
            max_age=0,
            expires=0,
            path=path,
            domain=domain,
            secure=secure,
            httponly=httponly,
            samesite=samesite,
            partitioned=partitioned,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            send = deny_websocket(send)
        await send(
            {"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers}
        )
        await send({"type": "http.response.body", "body": self.body})
        if self.background is not None:
            await self.background()


class HTMLResponse(Response):
    media_type = "text/html"


class PlainTextResponse(Response):
    media_type = "text/plain"


# PERF: one encoder for every JSONResponse; `json.dumps(**options)` builds a new
# JSONEncoder per call (~20% of a small JSONResponse). Same class and options, so the
# same bytes and the same errors (NaN: ValueError, unknown types: TypeError).
_json_encode = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode


class JSONResponse(Response):
    """`content` serialised as compact JSON (no ASCII escaping, NaN refused)."""

    media_type = "application/json"

    def __init__(
        self,
        content: Any,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        background: Background | None = None,
    ) -> None:
        super().__init__(content, status_code, headers, media_type, background)

    def render(self, content: Any) -> bytes:
        return _json_encode(content).encode("utf-8")


class RedirectResponse(Response):
    """A redirect (307 by default) to `url`, percent-encoded as Starlette does."""

    def __init__(
        self,
        url: Any,
        status_code: int = 307,
        headers: Mapping[str, str] | None = None,
        background: Background | None = None,
    ) -> None:
        super().__init__(
            content=b"", status_code=status_code, headers=headers, background=background
        )
        location = _headers.quote_url(str(url)).encode("latin-1")
        set_raw(self.raw_headers, b"location", location)


# NOTE: the streaming classes live in their own modules but are part of this public
# module too, as in `starlette.responses`. `fastresp/__init__.py` imports this module
# first, so `Response` is defined before these modules import it back.
from .files import FileResponse  # noqa: E402
from .sse import (  # noqa: E402
    EventSourceResponse,
    JSONServerSentEvent,
    SendTimeoutError,
    ServerSentEvent,
)
from .streaming import (  # noqa: E402
    AsyncContentStream,
    Content,
    ContentStream,
    StreamingResponse,
    SyncContentStream,
)

__all__ += [
    "AsyncContentStream",
    "Content",
    "ContentStream",
    "EventSourceResponse",
    "FileResponse",
    "JSONServerSentEvent",
    "SendTimeoutError",
    "ServerSentEvent",
    "StreamingResponse",
    "SyncContentStream",
]
