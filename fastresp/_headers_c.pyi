from collections.abc import Mapping
from typing import Any

__all__ = [
    "build_raw_headers",
    "content_disposition",
    "content_type_header",
    "encode_header",
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
def set_header(raw: list[tuple[bytes, bytes]], name: bytes, value: bytes) -> None: ...
def quote_url(url: str) -> str: ...
def content_disposition(disposition_type: str, filename: str) -> str: ...
