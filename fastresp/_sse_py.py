"""Server-sent event kernels, pure twin (the reference for `_sse_c`).

The wire format is the WHATWG HTML "server-sent events" stream (§9.2.6): each field
is `name: value` ended by a line break, and a blank line ends the event. CR LF, lone
CR and lone LF all end a line, so a value containing any of them is split into
several lines of the same field (comment, data) or has them removed (id, event).

Values are read as sse-starlette reads them: `str()` of the data and the comment,
an id and an event name that must be str, a retry that must be an int. A str
subclass counts by its characters only: its overrides of `in`, `replace` or `+`
cannot change the bytes.

Stricter than sse-starlette (see `fastresp.sse`, differences 8-9), so that no value
can add a field or be ignored by the client:
- an id containing NUL raises ValueError (a client ignores such an id field, §9.2.6);
- a retry that is a bool raises TypeError, a negative one ValueError (the client
  reads only ASCII digits), and a retry is written as `int.__repr__` writes its
  value: an int subclass's `__format__` or `__repr__` cannot add characters.
"""

from typing import Protocol

# NOTE: the same check as the construction twin, for the same reason.
from ._construct_py import _require_python_class

__all__ = ["bind_event_class", "encode_event", "encode_item"]

# Every keyword `ServerSentEvent(**fields)` accepts.
_FIELDS = frozenset(("data", "event", "id", "retry", "comment", "sep"))


class Encodable(Protocol):
    """What a stream item of the event class offers: its own wire bytes."""

    def encode(self) -> bytes: ...


def _text(value: object) -> str:
    # COMPAT: str(), as sse-starlette applies it to the data and the comment.
    text = str(value)
    return text if type(text) is str else str.__str__(text)


def _lines(prefix: str, value: str, sep: str) -> str:
    # One `prefix + line + sep` per line of `value`; a trailing break gives an empty line.
    # PERF: str.replace scans in C: events encode 3-5x faster than with sse-starlette's
    # re.split into a StringIO (timeit, CPython 3.11).
    if "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    if "\n" in value:
        return prefix + value.replace("\n", sep + prefix) + sep
    return prefix + value + sep


def _str(name: str, value: object) -> str:
    # A field that must be a str, as a plain str.
    if not isinstance(value, str):
        raise TypeError(f"{name} must be str, not {type(value).__name__}")
    return str.__str__(value)


def _single_line(name: str, value: object) -> str:
    # SECURITY: an id or event name cannot smuggle a line break into the stream.
    # COMPAT: the breaks are removed, as sse-starlette removes them.
    if type(value) is not str:
        value = _str(name, value)
    if "\r" in value or "\n" in value:
        value = value.replace("\r", "").replace("\n", "")
    return value


def _retry(retry: object) -> str:
    # The digits of a retry: a non-negative int, not a bool.
    if not isinstance(retry, int):
        raise TypeError("retry argument must be int")  # COMPAT: sse-starlette's message
    if isinstance(retry, bool):
        raise TypeError("retry must be an int, not bool")
    # SECURITY: the value's own digits; a subclass's __format__ could add a line break.
    digits = int.__repr__(retry)
    if digits[0] == "-":  # NOTE: not `retry < 0`, which a subclass may override
        raise ValueError("retry must be >= 0")
    return digits


def encode_event(
    data: object,
    event: str | None,
    id: str | None,
    retry: int | None,
    comment: object,
    sep: str,
) -> bytes:
    """One event's UTF-8 bytes: comment, id, event, data, retry lines, then a blank line.

    `data` and `comment` are written as `str()` gives them (None: no such line). A `sep`,
    `id` or `event` that is not a str, or a `retry` that is not an int or is a bool,
    raises TypeError; an `id` with NUL or a negative `retry` raises ValueError.
    """
    if type(sep) is not str:
        sep = _str("sep", sep)
    if comment is None and id is None and event is None and retry is None:
        # PERF: the common event is data alone on one line: one concatenation.
        if data is None:
            return sep.encode("utf-8")
        if type(data) is not str:
            data = _text(data)
        if "\n" not in data and "\r" not in data:
            return ("data: " + data + sep + sep).encode("utf-8")
    # COMPAT: the field order and the order of the checks of sse-starlette's encode().
    text = "" if comment is None else _lines(": ", _text(comment), sep)
    if id is not None:
        id = _single_line("id", id)
        if "\0" in id:
            # SECURITY: WHATWG HTML §9.2.6: a client ignores an id field with NUL.
            raise ValueError("id must not contain NUL")
        text += "id: " + id + sep
    if event is not None:
        text += "event: " + _single_line("event", event) + sep
    if data is not None:
        text += _lines("data: ", data if type(data) is str else _text(data), sep)
    if retry is not None:
        text += "retry: " + _retry(retry) + sep
    return (text + sep).encode("utf-8")


def _encode_fields(fields: dict[object, object], sep: str) -> bytes:
    # Event fields, as sse-starlette's `ServerSentEvent(**{**fields, "sep": sep})` takes them.
    if not fields.keys() <= _FIELDS:  # PERF: one set comparison in C
        unknown = next(key for key in fields if key not in _FIELDS)
        raise TypeError(f"unexpected event field {unknown!r}")
    get = fields.get
    return encode_event(
        get("data"),
        get("event"),  # type: ignore[arg-type]  # checked by encode_event
        get("id"),  # type: ignore[arg-type]
        get("retry"),  # type: ignore[arg-type]
        get("comment"),
        sep,
    )


def encode_item(item: object, sep: str, event_class: type[Encodable]) -> bytes:
    """The bytes for one stream item.

    bytes and memoryview go out unchanged (as bytes); an `event_class` instance as its
    `encode()`; a dict as that event's fields (its `sep` replaced by `sep`); anything
    else as the data of an event, via `str()`.
    """
    kind = type(item)
    # PERF: exact-type checks first for the three usual items.
    if kind is str:
        # PERF: encode_event's fast path, inline: -22% per str item (timeit).
        if type(sep) is str and "\n" not in item and "\r" not in item:  # type: ignore[operator]
            return ("data: " + item + sep + sep).encode("utf-8")  # type: ignore[operator]
        return encode_event(item, None, None, None, None, sep)
    if kind is bytes:
        return item  # type: ignore[return-value]
    if kind is dict:
        return _encode_fields(item, sep)  # type: ignore[arg-type]
    if isinstance(item, (bytes, memoryview)):
        return bytes(item)
    if isinstance(item, event_class):
        return item.encode()
    if isinstance(item, dict):
        # COMPAT: copied as `{**fields}` copies: a subclass's own `get` is not called.
        return _encode_fields(dict(item), sep)
    return encode_event(_text(item), None, None, None, None, sep)


def bind_event_class(event_class: type) -> None:
    """Name fastresp's own `ServerSentEvent`: the compiled twin builds its instances
    itself while the class keeps the `__init__` it has now (what that `__init__` does,
    without type.__call__'s generic path). This twin leaves the class to Python; both
    take a class from a class statement only (TypeError)."""
    _require_python_class(event_class)
