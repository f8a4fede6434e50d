"""StreamingResponse (being written)."""

from .responses import Response

__all__ = ["StreamingResponse"]


class StreamingResponse(Response):
    def __init__(self, *args: object, **kwargs: object) -> None:
        raise NotImplementedError
