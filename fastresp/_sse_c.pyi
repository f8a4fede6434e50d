from fastresp._sse_py import Encodable

__all__ = ["encode_event", "encode_item"]

def encode_event(
    data: object,
    event: str | None,
    id: str | None,
    retry: int | None,
    comment: object,
    sep: str,
) -> bytes: ...
def encode_item(item: object, sep: str, event_class: type[Encodable]) -> bytes: ...
