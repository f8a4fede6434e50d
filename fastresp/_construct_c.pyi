from collections.abc import Mapping
from typing import Any

from ._construct_py import _Response

__all__ = [
    "bind_response_classes",
    "declare_stock_methods",
    "init_json",
    "init_redirect",
    "init_response",
]

def init_response(
    self: _Response,
    content: Any = None,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
    media_type: str | None = None,
    background: Any = None,
) -> None: ...
def init_json(
    self: _Response,
    content: Any,
    status_code: int = 200,
    headers: Mapping[str, str] | None = None,
    media_type: str | None = None,
    background: Any = None,
) -> None: ...
def init_redirect(
    self: _Response,
    url: Any,
    status_code: int = 307,
    headers: Mapping[str, str] | None = None,
    background: Any = None,
) -> None: ...
def declare_stock_methods(render: Any, render_json: Any, init_headers: Any) -> None: ...
def bind_response_classes(*classes: type) -> None: ...
