from collections.abc import Mapping
from typing import Any

from ._headers_py import _Response

__all__ = [
    "build_raw_headers",
    "content_disposition",
    "content_type_header",
    "declare_stock_methods",
    "encode_header",
    "init_redirect",
    "init_response",
    "json_body",
    "quote_url",
    "response_headers",
    "set_header",
]

def encode_header(name: str, value: str) -> tuple[bytes, bytes]: ...
def content_type_header(media_type: str, charset: str) -> bytes: ...
def build_raw_headers(
    headers: Mapping[str, str] | None, content_length: int, content_type: bytes | None
) -> list[tuple[bytes, bytes]]: ...
def response_headers(
    headers: Mapping[str, str] | None,
    status_code: int,
    body: Any,
    media_type: str | None,
    charset: str,
) -> list[tuple[bytes, bytes]]: ...
def json_body(content: Any) -> bytes: ...
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
def set_header(raw: list[tuple[bytes, bytes]], name: bytes, value: bytes) -> None: ...
def declare_stock_methods(render: Any, render_json: Any, init_headers: Any) -> None: ...
def quote_url(url: str) -> str: ...
def content_disposition(disposition_type: str, filename: str) -> str: ...
