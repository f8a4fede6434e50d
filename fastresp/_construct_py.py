"""Response-construction kernels, pure twin (the reference for `_construct_c`).

`Response.__init__` and `RedirectResponse.__init__` in one call each; the headers they
build come from the header kernels (`_headers_py`).
"""

from collections.abc import Mapping
from typing import Any, Protocol

from ._headers_py import quote_url, set_header

__all__ = ["declare_stock_methods", "init_redirect", "init_response"]


class _Response(Protocol):
    """What `init_response` sets and calls on a `fastresp.Response`."""

    status_code: int
    media_type: str | None
    background: Any
    body: bytes | memoryview
    raw_headers: list[tuple[bytes, bytes]]

    def render(self, content: Any) -> bytes | memoryview: ...
    def init_headers(self, headers: Mapping[str, str] | None = None) -> None: ...


def init_response(
    response: _Response,
    content: Any,
    status_code: int,
    headers: Mapping[str, str] | None,
    media_type: str | None,
    background: Any,
) -> None:
    """`Response.__init__`: set the attributes, then `render()` and `init_headers()`."""
    response.status_code = status_code
    if media_type is not None:
        response.media_type = media_type
    response.background = background
    response.body = response.render(content)
    response.init_headers(headers)


def init_redirect(
    response: _Response,
    url: Any,
    status_code: int,
    headers: Mapping[str, str] | None,
    background: Any,
) -> None:
    """`RedirectResponse.__init__`: `init_response` with no content, then a Location of
    `quote_url(str(url))` replacing any that `headers` gave (as Starlette's
    `self.headers["location"] = ...`)."""
    init_response(response, b"", status_code, headers, None, background)
    raw = response.raw_headers
    set_header(raw, b"location", quote_url(str(url)).encode("latin-1"))


def declare_stock_methods(render: Any, render_json: Any, init_headers: Any) -> None:
    """Name fastresp's own `Response.render`, `JSONResponse.render` and
    `Response.init_headers`: the compiled `init_response` does their work inline for a
    class that inherits them. This twin always calls the methods, so it ignores them."""
