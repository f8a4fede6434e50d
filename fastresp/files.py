"""FileResponse (being written)."""

from .responses import Response

__all__ = ["FileResponse"]


class FileResponse(Response):
    def __init__(self, *args: object, **kwargs: object) -> None:
        raise NotImplementedError
