"""Exception classes raised by both twins and by the public classes."""

from http.cookies import CookieError as _StdlibCookieError

__all__ = [
    "ClientDisconnect",
    "CookieError",
    "InvalidHeader",
    "MalformedRangeHeader",
    "NotARegularFile",
    "RangeNotSatisfiable",
]


class ClientDisconnect(Exception):
    """The client went away while the response was being sent (ASGI spec >= 2.4)."""


class CookieError(_StdlibCookieError, ValueError):
    """An illegal cookie name.

    Subclasses both `http.cookies.CookieError` (what Starlette raises, so existing
    handlers still catch it) and `ValueError`.
    """


class InvalidHeader(ValueError):
    """A header name that is not an RFC 9110 token, or a value with a control character.

    Raised at construction (or at the `response.headers[...] = ...` write), before
    anything is sent, so the application can still answer a clean 500.
    """


class MalformedRangeHeader(ValueError):
    """A `Range` header that cannot be parsed."""


class RangeNotSatisfiable(ValueError):
    """No requested range overlaps the file; answered with 416."""

    def __init__(self, size: int) -> None:
        super().__init__(f"no range is satisfiable for a file of {size} bytes")
        self.size = size


class NotARegularFile(OSError):
    """The path names a directory, FIFO, device or socket, not a regular file."""
