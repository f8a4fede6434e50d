"""Response-construction kernels, pure twin (the reference for `_construct_c`).

`Response.__init__`, `JSONResponse.__init__` and `RedirectResponse.__init__` themselves:
fastresp/base.py binds them as the methods (PERF: no Python frame in front of the
kernel), so their parameters are Starlette's. The headers they build come from the
header kernels (`_headers_py`).
"""

from collections.abc import Mapping
from typing import Any, Protocol

from ._headers_py import quote_url, set_header

__all__ = [
    "bind_response_classes",
    "declare_stock_methods",
    "init_json",
    "init_redirect",
    "init_response",
]


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
    self: _Response,
    content: Any = None,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
    media_type: str | None = None,
    background: Any = None,
) -> None:
    """`Response.__init__`: set the attributes, then `render()` and `init_headers()`."""
    self.status_code = status_code
    if media_type is not None:
        self.media_type = media_type
    self.background = background
    self.body = self.render(content)
    self.init_headers(headers)


def init_json(
    self: _Response,
    content: Any,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
    media_type: str | None = None,
    background: Any = None,
) -> None:
    """`JSONResponse.__init__`: `init_response` with `content` required (as Starlette)."""
    # PERF: init_response's body, not a call to it (one frame less).
    self.status_code = status_code
    if media_type is not None:
        self.media_type = media_type
    self.background = background
    self.body = self.render(content)
    self.init_headers(headers)


def init_redirect(
    self: _Response,
    url: Any,
    status_code: int = 307,
    headers: Mapping[str, str] | None = None,
    background: Any = None,
) -> None:
    """`RedirectResponse.__init__`: `init_response` with no content, then a Location of
    `quote_url(str(url))` replacing any that `headers` gave (as Starlette's
    `self.headers["location"] = ...`)."""
    init_response(self, b"", status_code, headers, None, background)
    set_header(self.raw_headers, b"location", quote_url(str(url)).encode("latin-1"))


def declare_stock_methods(render: Any, render_json: Any, init_headers: Any) -> None:
    """Name fastresp's own `Response.render`, `JSONResponse.render` and
    `Response.init_headers`: the compiled `init_response` does their work inline for a
    class that inherits them. This twin always calls the methods, so it ignores them."""


def bind_response_classes(*classes: type) -> None:
    """Name fastresp's own response classes: the compiled twin calls each one's
    `__init__` on a new instance itself, while the class keeps the `__init__` it has
    now (what type.__call__ does, without its generic path). This twin leaves the
    classes to Python; both take at most 8 classes (ValueError), from class statements
    only (TypeError)."""
    if len(classes) > 8:
        raise ValueError("at most 8 classes")
    for cls in classes:
        _require_python_class(cls)


_HEAP_TYPE = 1 << 9  # Py_TPFLAGS_HEAPTYPE: a class made at run time, not a builtin


def _require_python_class(cls: object) -> None:
    """TypeError unless `cls` is a class from a class statement (metaclass `type`)."""
    if type(cls) is not type or not getattr(cls, "__flags__", _HEAP_TYPE) & _HEAP_TYPE:
        raise TypeError(f"a class defined in Python is required, not {cls!r}")
