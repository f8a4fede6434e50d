"""Event kernels, over both twins, against sse-starlette's encoder and against each other."""

import array
import os
from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sse_starlette.event import ServerSentEvent as TheirEvent
from sse_starlette.event import ensure_bytes

from fastresp.sse import ServerSentEvent

SEPS = ("\r\n", "\r", "\n")
REQUIRE_COMPILED = bool(os.environ.get("FASTRESP_REQUIRE_COMPILED"))


def changed(expected: tuple[str, object], id: object, retry: object) -> tuple[str, object]:
    """sse-starlette's outcome, as fastresp changes it (differences 8-9), for str fields."""
    if isinstance(id, str) and "\0" in id:
        return ("ValueError", None)  # checked before the retry and the UTF-8 encoding
    if expected[0] == "ok" and isinstance(retry, bool):
        return ("TypeError", None)
    if expected[0] == "ok" and isinstance(retry, int) and retry < 0:
        return ("ValueError", None)
    return expected


def outcome(fn: Callable[..., object], *args: object, **kwargs: object) -> tuple[str, object]:
    try:
        return ("ok", fn(*args, **kwargs))
    except Exception as exc:
        return (type(exc).__name__, None)


def theirs(
    data: Any = None,
    event: Any = None,
    id: Any = None,
    retry: Any = None,
    comment: Any = None,
    sep: str = "\r\n",
) -> tuple[str, object]:
    return outcome(
        lambda: TheirEvent(data, event=event, id=id, retry=retry, comment=comment, sep=sep).encode()
    )


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((None, None, None, None, None, "\r\n"), b"\r\n"),
        (("x", None, None, None, None, "\r\n"), b"data: x\r\n\r\n"),
        (("", None, None, None, None, "\n"), b"data: \n\n"),
        (("a\r\nb\rc\nd", None, None, None, None, "\n"), b"data: a\ndata: b\ndata: c\ndata: d\n\n"),
        (("a\n", None, None, None, None, "\r"), b"data: a\rdata: \r\r"),
        (("\r\r\n", None, None, None, None, "\n"), b"data: \ndata: \ndata: \n\n"),
        ((None, "e\r\nv", "1\n2\r", None, None, "\n"), b"id: 12\nevent: ev\n\n"),
        ((None, None, None, 3000, None, "\r\n"), b"retry: 3000\r\n\r\n"),
        ((None, None, None, None, "c1\nc2", "\n"), b": c1\n: c2\n\n"),
        (
            ("d", "e", "i", 5, "c", "\r\n"),
            b": c\r\nid: i\r\nevent: e\r\ndata: d\r\nretry: 5\r\n\r\n",
        ),
        (("é ✓ \U0001f600", None, None, None, None, "\n"), "data: é ✓ \U0001f600\n\n".encode()),
        # Only CR and LF break lines; other Unicode line separators stay in the value.
        (
            ("a\u2028b\x85c\x0bd", None, None, None, None, "\n"),
            "data: a\u2028b\x85c\x0bd\n\n".encode(),
        ),
    ],
)
def test_encode_event(sse_impl: ModuleType, args: tuple[Any, ...], expected: bytes) -> None:
    assert sse_impl.encode_event(*args) == expected
    data, event, id, retry, comment, sep = args
    assert theirs(data, event, id, retry, comment, sep) == ("ok", expected)


def test_encode_event_refuses_a_non_int_retry(sse_impl: ModuleType) -> None:
    for retry in ("5", 1.5):
        with pytest.raises(TypeError, match=r"^retry argument must be int$"):
            sse_impl.encode_event("x", None, None, retry, None, "\n")
        assert theirs("x", retry=retry)[0] == "TypeError"


@pytest.mark.parametrize("field", ["id", "event"])
@pytest.mark.parametrize("value", [5, b"x", 1.5])
def test_encode_event_refuses_a_non_str_id_or_event(
    sse_impl: ModuleType, field: str, value: object
) -> None:
    # Difference 4 (fastresp.sse): the message names the field; the type is the same.
    fields: dict[str, Any] = {"id": None, "event": None, field: value}
    with pytest.raises(TypeError, match=f"^{field} must be str, not "):
        sse_impl.encode_event("x", fields["event"], fields["id"], None, None, "\n")
    assert theirs("x", event=fields["event"], id=fields["id"])[0] == "TypeError"


def test_encode_event_refuses_surrogates(sse_impl: ModuleType) -> None:
    with pytest.raises(UnicodeEncodeError):
        sse_impl.encode_event("\ud800", None, None, None, None, "\n")
    assert theirs("\ud800")[0] == "UnicodeEncodeError"


LINE_PARTS = st.sampled_from(["\r", "\n", "\r\n", "\r\r\n", "\n\r", "a", "é", "✓", " ", ":"])
TEXT = st.one_of(st.text(), st.lists(LINE_PARTS | st.text(max_size=3)).map("".join))
FIELD = st.none() | TEXT


@settings(max_examples=250, deadline=None)
@given(
    data=FIELD,
    event=FIELD,
    id=FIELD,
    retry=st.none() | st.integers() | st.booleans() | st.floats(allow_nan=False),
    comment=FIELD,
    sep=st.sampled_from(SEPS) | st.text(max_size=2),
)
def test_encode_event_matches_sse_starlette(
    sse_impl: ModuleType,
    data: str | None,
    event: str | None,
    id: str | None,
    retry: Any,
    comment: str | None,
    sep: str,
) -> None:
    ours = outcome(sse_impl.encode_event, data, event, id, retry, comment, sep)
    assert ours == changed(theirs(data, event, id, retry, comment, sep), id, retry)


class Stub:
    """Stands for the event class: the kernel only calls `encode()`."""

    def __init__(self, payload: bytes) -> None:
        self.payload = payload

    def encode(self) -> bytes:
        return self.payload


class Text(str):
    def __str__(self) -> str:
        return "shown"


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        ("x\ny", b"data: x\ndata: y\n\n"),
        (Text("hidden"), b"data: shown\n\n"),
        (b"raw", b"raw"),
        (bytearray(b"ba"), b"data: bytearray(b'ba')\n\n"),
        (memoryview(b"view"), b"view"),
        (memoryview(array.array("H", [1])), bytes(array.array("H", [1]))),
        (Stub(b"stub"), b"stub"),
        ({}, b"\n"),
        ({"data": 1, "event": "e", "sep": "\r\n"}, b"event: e\ndata: 1\n\n"),
        ({"data": None, "comment": 2, "id": "7", "retry": 9}, b": 2\nid: 7\nretry: 9\n\n"),
        (5, b"data: 5\n\n"),
        (None, b"data: None\n\n"),
        ([1, "a"], b"data: [1, 'a']\n\n"),
    ],
)
def test_encode_item(sse_impl: ModuleType, item: object, expected: bytes) -> None:
    assert sse_impl.encode_item(item, "\n", Stub) == expected


def test_encode_item_returns_bytes_for_views_and_subclasses(sse_impl: ModuleType) -> None:
    class Raw(bytes):
        pass

    for item in (memoryview(b"ab"), Raw(b"ab")):
        assert type(sse_impl.encode_item(item, "\n", Stub)) is bytes


@pytest.mark.parametrize("fields", [{"colour": "red"}, {1: "x"}, {"data": "x", "Data": "y"}])
def test_encode_item_refuses_unknown_fields(sse_impl: ModuleType, fields: dict[Any, Any]) -> None:
    # Difference 4 (fastresp.sse): the message names the key; the type is the same.
    with pytest.raises(TypeError, match=r"^unexpected event field "):
        sse_impl.encode_item(fields, "\n", Stub)
    assert outcome(ensure_bytes, fields, "\n")[0] == "TypeError"


SCALAR = st.one_of(TEXT, st.integers(), st.none(), st.binary(), st.floats(allow_nan=False))


@st.composite
def items(draw: st.DrawFn) -> tuple[str, Any]:
    """A stream item, as a kind and arguments both libraries can turn into one."""
    kind = draw(st.sampled_from(["scalar", "view", "dict", "event"]))
    if kind == "scalar":
        return kind, draw(SCALAR)
    if kind == "view":
        return kind, draw(st.binary())
    fields = draw(
        st.fixed_dictionaries(
            {},
            optional={
                "data": FIELD | st.integers(),
                "event": FIELD,
                "id": FIELD,
                "retry": st.none() | st.integers(),
                "comment": FIELD | st.integers(),
                "sep": st.sampled_from(SEPS),
            },
        )
    )
    return kind, fields


def build(kind: str, value: Any, event_class: type[Any]) -> Any:
    if kind == "view":
        return memoryview(value)
    if kind == "event":
        return event_class(**value)
    return value


@settings(max_examples=250, deadline=None)
@given(item=items(), sep=st.sampled_from(SEPS))
def test_encode_item_matches_sse_starlette(
    sse_impl: ModuleType, item: tuple[str, Any], sep: str
) -> None:
    kind, value = item
    ours = outcome(sse_impl.encode_item, build(kind, value, ServerSentEvent), sep, ServerSentEvent)
    expected = outcome(ensure_bytes, build(kind, value, TheirEvent), sep)
    if kind in ("dict", "event"):
        expected = changed(expected, value.get("id"), value.get("retry"))
    assert ours == expected
