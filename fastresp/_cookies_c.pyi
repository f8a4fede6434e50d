from datetime import datetime
from typing import Any

__all__ = ["format_set_cookie", "http_date"]

def http_date(moment: datetime) -> str: ...
def format_set_cookie(
    key: str,
    value: Any = "",
    max_age: Any = None,
    expires: Any = None,
    path: Any = "/",
    domain: Any = None,
    secure: bool = False,
    httponly: bool = False,
    samesite: str | None = "lax",
    partitioned: bool = False,
) -> bytes: ...
