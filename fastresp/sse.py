"""Server-sent events (being written)."""

from .responses import Response

__all__ = ["EventSourceResponse", "JSONServerSentEvent", "SendTimeoutError", "ServerSentEvent"]


class SendTimeoutError(TimeoutError):
    pass


class ServerSentEvent:
    pass


class JSONServerSentEvent(ServerSentEvent):
    pass


class EventSourceResponse(Response):
    def __init__(self, *args: object, **kwargs: object) -> None:
        raise NotImplementedError
