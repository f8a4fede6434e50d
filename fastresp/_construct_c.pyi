from collections.abc import Mapping
from typing import Any

from ._construct_py import _Response

__all__ = ["declare_stock_methods", "init_redirect", "init_response"]

def init_response(
    response: _Response,
    content: Any,
    status_code: int,
    headers: Mapping[str, str] | None,
    media_type: str | None,
    background: Any,
) -> None: ...
def init_redirect(
    response: _Response,
    url: Any,
    status_code: int,
    headers: Mapping[str, str] | None,
    background: Any,
) -> None: ...
def declare_stock_methods(render: Any, render_json: Any, init_headers: Any) -> None: ...
