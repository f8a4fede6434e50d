from collections.abc import Mapping

__all__ = [
    "build_raw_headers",
    "content_disposition",
    "content_type_header",
    "quote_url",
]

def content_type_header(media_type: str, charset: str) -> bytes: ...
def build_raw_headers(
    headers: Mapping[str, str] | None, content_length: int, content_type: bytes | None
) -> list[tuple[bytes, bytes]]: ...
def quote_url(url: str) -> str: ...
def content_disposition(disposition_type: str, filename: str) -> str: ...
