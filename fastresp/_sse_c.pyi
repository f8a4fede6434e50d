from fastresp._sse_py import Encodable

__all__ = ["bind_event_class", "encode_event", "encode_item"]

def bind_event_class(event_class: type) -> None: ...
def encode_event(
    data: object,
    event: str | None,
    id: str | None,
    retry: int | None,
    comment: object,
    sep: str,
) -> bytes: ...
def encode_item(item: object, sep: str, event_class: type[Encodable]) -> bytes: ...
