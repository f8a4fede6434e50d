"""The complete responses, with Starlette 1.10's API and wire output: `Response` (the base
of every fastresp response) and `HTMLResponse`, `PlainTextResponse`, `JSONResponse`,
`RedirectResponse`. Public through the `fastresp` and `fastresp.responses` facades.

Deliberate differences from `starlette.responses` (each has its own test):

1. Content that is not str, bytes, memoryview or None raises `TypeError` naming the
   type (Starlette fails with `AttributeError: ... has no attribute 'encode'`).
2. An invalid `samesite` raises `ValueError` (Starlette uses `assert`, which
   `python -O` removes); `partitioned=True` works on every Python (Starlette: 3.14+).
3. An illegal cookie name raises `fastresp.CookieError`, a subclass of both
   `http.cookies.CookieError` (what Starlette raises) and `ValueError`.
4. A `body` that is a typed memoryview set by a subclass's `render()` counts its
   bytes (`nbytes`) for Content-Length, not its items.
5. Headers are checked where they are built, for every class (Streaming, File and
   EventSource responses too): each name of `headers=` must be an RFC 9110 token and no
   value may hold a control character but HTAB (CR, LF and NUL included), nor may the
   Content-Type made from `media_type` and `charset`, nor FileResponse's
   `content_disposition_type` (a token). Otherwise `fastresp.InvalidHeader`, a
   `ValueError`, is raised at construction (why the other control characters too:
   fastresp/_headers_py.py). Starlette sends them, and a CR/LF splits the response.
   Writes through `response.headers` are checked as well (fastresp/headers.py); bytes put
   straight into `raw_headers` / `headers.raw` are the caller's and are not.
6. `status_code` must be an int in 100..599; int subclasses such as `http.HTTPStatus`
   pass. A bool, str, float or None raises `TypeError`, an int out of range
   `ValueError`, from `init_headers`, so at construction of every class. Starlette
   takes anything and leaves the server to fail, if it does.
7. A 1xx, 204 or 304 response never sends content (RFC 9110 §15.2, §15.3.5, §15.4.5):
   `__call__` sends an empty body whatever `body` holds, as FastAPI's blanking would.
   `body` keeps the rendered bytes (`render()` still runs, so its errors still surface)
   and, as in Starlette, no Content-Length is set. Starlette sends the bytes.
8. JSON content nested too deeply for the encoder raises `ValueError`, chained from the
   `RecursionError` that Starlette lets through. NaN and infinities (`ValueError`),
   unserialisable values (`TypeError`) and circular structures (`ValueError`) raise as
   in Starlette, with the same messages.
9. On the compiled path, a value that the JSON kernel hands to the stdlib encoder (an
   error, or nesting it does not write itself) is encoded again from the start, so a
   dict subclass's `items()` or a list/tuple subclass's `__iter__` in it is called
   twice; a dict that such a call resizes is written as it is afterwards.
"""

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal

from ._asgi import Receive, Scope, Send, deny_websocket
from ._speedups import construct as _construct
from ._speedups import cookies as _cookies
from ._speedups import headers as _headers
from ._speedups import json as _json
from .background import Background
from .headers import MutableHeaders

__all__ = [
    "HTMLResponse",
    "JSONResponse",
    "PlainTextResponse",
    "RedirectResponse",
    "Response",
    "json_dumps",
]

# `value` as the UTF-8 JSON bytes Starlette's JSONResponse sends (the kernel itself).
json_dumps = _json.dumps

# RFC 9110 §15.2, §15.3.5, §15.4.5: these statuses carry no content.
_NO_CONTENT = frozenset([*range(100, 200), 204, 304])


class Response:
    """A complete response whose body is known up front."""

    media_type: str | None = None
    charset: str = "utf-8"
    status_code: int
    background: Background | None
    body: bytes | memoryview
    raw_headers: list[tuple[bytes, bytes]]
    _headers: MutableHeaders

    # `__init__(self, content=None, status_code=200, headers=None, media_type=None,
    # background=None)`: set the attributes, then render() and init_headers(). PERF: the
    # kernel is the method itself (no Python frame in front of it); for a class that
    # inherits both methods the compiled kernel does their work inline.
    __init__ = _construct.init_response

    def render(self, content: Any) -> bytes | memoryview:
        """Turn `content` into the body bytes."""
        if type(content) is str:  # PERF: the usual content first (pure path)
            return content.encode(self.charset)
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
        """Build `raw_headers`: `headers` plus Content-Length and Content-Type; check
        `status_code` and every header (differences 5 and 6)."""
        self.raw_headers = _headers.response_headers(
            headers, self.status_code, getattr(self, "body", None), self.media_type, self.charset
        )

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
        status = self.status_code
        await send({"type": "http.response.start", "status": status, "headers": self.raw_headers})
        body = self.body
        if body and status in _NO_CONTENT:  # SECURITY: difference 7
            body = b""
        await send({"type": "http.response.body", "body": body})
        if self.background is not None:
            await self.background()


class HTMLResponse(Response):
    media_type = "text/html"


class PlainTextResponse(Response):
    media_type = "text/plain"


class JSONResponse(Response):
    """`content` serialised as compact JSON (no ASCII escaping, NaN refused)."""

    media_type: str | None = "application/json"

    # `__init__(self, content, status_code=200, headers=None, media_type=None,
    # background=None)`. COMPAT: `content` is required, as in Starlette. PERF: the kernel.
    __init__ = _construct.init_json

    def render(self, content: Any) -> bytes:
        # PERF: the JSON kernel writes `json.dumps`'s bytes itself (compiled path), with
        # the stdlib's errors (differences 8 and 9).
        return _json.dumps(content)


# NOTE: the compiled `init_response` does these methods' work inline for the classes that
# inherit them (the pure twin always calls them); it must know them by identity.
_construct.declare_stock_methods(Response.render, JSONResponse.render, Response.init_headers)


class RedirectResponse(Response):
    """A redirect (307 by default) to `url`, percent-encoded as Starlette does."""

    # `__init__(self, url, status_code=307, headers=None, background=None)`. PERF: the
    # kernel (init_response, then Location set as Starlette's
    # `self.headers["location"] = quote(str(url), ...)` does).
    __init__ = _construct.init_redirect


# PERF: the compiled twin makes these classes' instances without type.__call__.
_construct.bind_response_classes(
    Response, HTMLResponse, PlainTextResponse, JSONResponse, RedirectResponse
)
