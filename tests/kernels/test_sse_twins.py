"""Event kernels: the compiled twin agrees with the pure one (same bytes, or the same
exception type and message), on hostile input of every sort."""

import enum
import importlib
import importlib.util
import inspect
import os
from collections.abc import Callable
from types import ModuleType
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fastresp import _sse_py

SEPS = ("\r\n", "\r", "\n")
REQUIRE_COMPILED = bool(os.environ.get("FASTRESP_REQUIRE_COMPILED"))


class Stub:
    """Stands for the event class: the kernel only calls `encode()`."""

    def __init__(self, payload: bytes) -> None:
        self.payload = payload

    def encode(self) -> bytes:
        return self.payload


@pytest.fixture(scope="module", params=[pytest.param("c", marks=pytest.mark.compiled)])
def sse_c() -> ModuleType:
    """The compiled twin, for the differential tests (skipped when it is not built)."""
    if not REQUIRE_COMPILED and importlib.util.find_spec("fastresp._sse_c") is None:
        pytest.skip("compiled kernels not built")
    try:
        return importlib.import_module("fastresp._sse_c")
    except ImportError:
        pytest.fail("compiled kernel fastresp._sse_c is required but missing")


def exact(fn: Callable[..., object], *args: object, **kwargs: object) -> tuple[str, object]:
    """The value, or the exception's type and message (the twins must agree on both)."""
    try:
        return ("ok", fn(*args, **kwargs))
    except Exception as exc:
        return (type(exc).__name__, str(exc))


def agree(sse_c: ModuleType, name: str, *args: object) -> tuple[str, object]:
    ours = exact(getattr(sse_c, name), *args)
    assert ours == exact(getattr(_sse_py, name), *args)
    return ours


def test_twins_share_names_and_signatures(sse_c: ModuleType) -> None:
    assert sse_c.__all__ == _sse_py.__all__
    for name in _sse_py.__all__:
        pure = inspect.signature(getattr(_sse_py, name))
        compiled = inspect.signature(getattr(sse_c, name))
        assert list(compiled.parameters) == list(pure.parameters)
        assert [p.default for p in compiled.parameters.values()] == [
            p.default for p in pure.parameters.values()
        ]


SURROGATES = ["\ud800", "\udbff\udc00", "\udfff", "\ud83d"]
# Pieces that stress the scan: every line break form, NUL, and characters of each
# UTF-8 length and str kind (latin-1, BMP, astral), plus lone surrogates.
HOSTILE_PARTS = st.sampled_from(
    [
        *["\r", "\n", "\r\n", "\n\r", "\r\r\n", "\x00", "a", " ", ":", "é", "\xff", "\u0800"],
        *["✓", "\uffff", "\U0001f600", "\U0010ffff", "\u2028", "\x85", *SURROGATES],
    ]
)
HOSTILE_TEXT = st.one_of(
    st.text(),
    st.text(st.characters() | st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)),
    st.lists(HOSTILE_PARTS | st.text(max_size=3), max_size=30).map("".join),
)


class Shown:
    """Not a str: written as `str()` gives it."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return "Shown()"  # the same in both twins' messages


class Sly(str):
    """A str whose methods lie: only its characters may count."""

    def __contains__(self, key: object) -> bool:
        return False

    def replace(self, *args: Any) -> str:
        return "replaced"

    def __radd__(self, other: object) -> str:
        return "added"

    def __add__(self, other: object) -> str:
        return "added"


class OwnStr(str):
    def __str__(self) -> str:
        return Sly("own\r\nstr")


class Boom:
    def __str__(self) -> str:
        raise ValueError("no text")


class FakeStr:
    """Claims to be a str through `__class__`: isinstance() believes it."""

    @property  # type: ignore[misc]
    def __class__(self) -> type:
        return str


class Retry(int):
    def __format__(self, spec: str) -> str:
        return "7\r\n8 é"


class Color(enum.IntEnum):
    RED = 1


def values(text: st.SearchStrategy[str]) -> st.SearchStrategy[Any]:
    """Field values: text of every sort, str subclasses and non-str objects."""
    return st.one_of(
        st.none(),
        text,
        text.map(Sly),
        text.map(OwnStr),
        text.map(Shown),
        st.sampled_from([0, -1, 2**70, 1.5, b"x\n", bytearray(b"y"), Boom(), FakeStr(), True]),
    )


RETRIES = st.one_of(
    st.none(),
    st.integers(),
    st.booleans(),
    st.floats(),
    st.sampled_from([Retry(5), Color.RED, "5", b"5", FakeStr()]),
)
SEPARATORS = st.one_of(
    st.sampled_from(SEPS), HOSTILE_TEXT.map(lambda s: s[:3]), st.sampled_from([b"\n", None, 1])
)


@settings(max_examples=1500, deadline=None)
@given(
    data=values(HOSTILE_TEXT),
    event=values(HOSTILE_TEXT),
    id=values(HOSTILE_TEXT),
    retry=RETRIES,
    comment=values(HOSTILE_TEXT),
    sep=SEPARATORS,
)
def test_encode_event_twins_agree(
    sse_c: ModuleType, data: Any, event: Any, id: Any, retry: Any, comment: Any, sep: Any
) -> None:
    agree(sse_c, "encode_event", data, event, id, retry, comment, sep)


@settings(max_examples=500, deadline=None)
@given(data=HOSTILE_TEXT, sep=SEPARATORS)
def test_encode_event_twins_agree_on_data_alone(sse_c: ModuleType, data: str, sep: Any) -> None:
    # The fast path of both twins: one data field, maybe on one line.
    agree(sse_c, "encode_event", data, None, None, None, None, sep)


def test_encode_event_twins_agree_by_keyword(sse_c: ModuleType) -> None:
    kwargs: dict[str, Any] = {
        "data": "d",
        "event": "e",
        "id": "i",
        "retry": 1,
        "comment": "c",
        "sep": "\n",
    }
    assert sse_c.encode_event(**kwargs) == _sse_py.encode_event(**kwargs)


@pytest.mark.parametrize(
    "args",
    [
        ("a\ud800b", None, None, None, None, "\n"),  # position 7 of the text
        ("x\n\udc00\udc01y", None, None, None, None, "\r\n"),  # a run: positions 13-14
        (None, "\ud800", None, None, "c\n", "\n"),
        (None, None, "\r\ud800\n", None, None, "\n"),
        (None, None, None, Retry(1), "\udfff", "\n"),
        (None, None, None, None, None, "\ud800"),
        ("ok", None, None, None, None, "\n\udfff"),
        ("é" * 10_000 + "\ud800", None, None, None, None, "\n"),
    ],
)
def test_surrogates_raise_the_pure_twins_error(sse_c: ModuleType, args: tuple[Any, ...]) -> None:
    kind, message = agree(sse_c, "encode_event", *args)
    assert kind == "UnicodeEncodeError"
    assert "surrogates not allowed" in str(message)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ((None, 5, None, None, None, "\n"), ("TypeError", "event must be str, not int")),
        ((None, None, b"1", None, None, "\n"), ("TypeError", "id must be str, not bytes")),
        (("x", None, None, None, None, b"\n"), ("TypeError", "sep must be str, not bytes")),
        (("x", None, None, None, None, None), ("TypeError", "sep must be str, not NoneType")),
        ((None, None, None, 1.0, None, "\n"), ("TypeError", "retry argument must be int")),
        ((Boom(), None, None, None, None, "\n"), ("ValueError", "no text")),
        # COMPAT: sse-starlette's order: comment, id, event, data, retry.
        ((Boom(), None, 5, None, None, "\n"), ("TypeError", "id must be str, not int")),
        ((None, 5, None, "x", Boom(), "\n"), ("ValueError", "no text")),
        ((Boom(), None, None, 1.5, None, "\n"), ("ValueError", "no text")),
        (
            (Sly("a\nb"), Sly("e\rv"), None, None, None, "\n"),
            ("ok", b"event: ev\ndata: a\ndata: b\n\n"),
        ),
        ((OwnStr("x"), None, None, None, None, Sly("\n")), ("ok", b"data: own\ndata: str\n\n")),
        (
            (Shown("s"), None, None, Color.RED, Shown("c"), "\n"),
            ("ok", b": c\ndata: s\nretry: 1\n\n"),
        ),
        # SECURITY: an int subclass's __format__ cannot add a line break (difference 9).
        ((None, None, None, Retry(0), None, "\n"), ("ok", b"retry: 0\n\n")),
        ((None, None, None, True, None, "\n"), ("TypeError", "retry must be an int, not bool")),
        ((None, None, None, -1, None, "\n"), ("ValueError", "retry must be >= 0")),
        ((None, None, None, -(2**70), None, "\n"), ("ValueError", "retry must be >= 0")),
        # Difference 8: a NUL id is refused, where NUL elsewhere is only a character.
        (("\x00", None, "\x00", None, None, "\x00"), ("ValueError", "id must not contain NUL")),
        (
            ("\x00", "\x00", None, None, "\x00", "\x00"),
            ("ok", b": \x00\x00event: \x00\x00data: \x00\x00\x00"),
        ),
        # The id is checked when it is read: after the comment, before the event.
        ((None, 5, "\x00", None, Boom(), "\n"), ("ValueError", "no text")),
        ((None, 5, Sly("a\x00"), None, None, "\n"), ("ValueError", "id must not contain NUL")),
        (("a", None, None, None, None, ""), ("ok", b"data: a")),
        ((None, None, None, None, None, "é"), ("ok", "é".encode())),
    ],
)
def test_encode_event_edge_cases(
    sse_c: ModuleType, args: tuple[Any, ...], expected: tuple[str, object]
) -> None:
    assert agree(sse_c, "encode_event", *args) == expected


def test_a_fake_str_is_refused_as_the_pure_twin_refuses_it(sse_c: ModuleType) -> None:
    kind, message = agree(sse_c, "encode_event", None, FakeStr(), None, None, None, "\n")
    assert kind == "TypeError"
    assert "__str__" in str(message)


def huge(unit: str, size: int = 1_000_000) -> str:
    return unit * (size // len(unit))


@pytest.mark.parametrize(
    "text",
    [
        huge("x"),
        huge("line\n"),
        huge("a\r\nb\rc"),
        huge("é"),  # latin-1 beyond ASCII: two bytes each
        huge("✓\n"),
        huge("\U0001f600\r"),
        huge("y") + "\ud800",
        "\n" * 1_000_000,
    ],
    ids=["ascii", "lf", "mixed-breaks", "latin-1", "bmp", "astral", "surrogate-at-end", "lfs"],
)
def test_huge_values_twins_agree(sse_c: ModuleType, text: str) -> None:
    for args in [
        (text, None, None, None, None, "\r\n"),
        (None, text, text, None, text, "\n"),
        (text[:5000], None, None, 3, None, huge("\r\n", 1000)),  # a long separator
    ]:
        agree(sse_c, "encode_event", *args)


class Items(dict[Any, Any]):
    """A dict whose own look-ups lie: items are copied as `{**fields}` copies them."""

    def get(self, key: Any, default: Any = None) -> Any:
        return "lie"

    def keys(self) -> Any:
        return ["data"]


class Key:
    """A key equal to a field name without being a str."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __hash__(self) -> int:
        return hash(self.name)

    def __eq__(self, other: object) -> bool:
        return other == self.name

    def __repr__(self) -> str:
        return f"Key({self.name!r})"


class FakeDict:
    @property  # type: ignore[misc]
    def __class__(self) -> type:
        return dict


def runtime(name: str) -> str:
    """`name` as a new str object, not the interned literal."""
    return "".join(list(name))


FIELD_KEYS = st.sampled_from(["data", "event", "id", "retry", "comment", "sep"])
DICT_KEYS = st.one_of(
    FIELD_KEYS,
    FIELD_KEYS.map(runtime),
    FIELD_KEYS.map(Key),
    st.sampled_from(["Data", "colour", 1, None, b"data", ("data",)]),
)


@st.composite
def hostile_items(draw: st.DrawFn) -> Any:
    kind = draw(st.sampled_from(["value", "dict", "fields", "dict-sub", "view", "event", "odd"]))
    if kind == "value":
        return draw(values(HOSTILE_TEXT))
    if kind in ("dict", "dict-sub"):
        pairs = draw(st.lists(st.tuples(DICT_KEYS, values(HOSTILE_TEXT) | RETRIES), max_size=7))
        return (dict if kind == "dict" else Items)(pairs)
    if kind == "fields":  # only known names: the compiled twin's fast path
        fields = draw(st.dictionaries(FIELD_KEYS, values(HOSTILE_TEXT) | RETRIES))
        return fields
    if kind == "view":
        return memoryview(draw(st.binary()))
    if kind == "event":
        return Stub(draw(st.binary()))
    return draw(st.sampled_from([FakeDict(), FakeStr(), bytearray(b"z"), [1], Items(), object]))


@settings(max_examples=1500, deadline=None)
@given(item=hostile_items(), sep=SEPARATORS)
def test_encode_item_twins_agree(sse_c: ModuleType, item: Any, sep: Any) -> None:
    agree(sse_c, "encode_item", item, sep, Stub)


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        ({runtime("data"): "x", "id": "1"}, ("ok", b"id: 1\ndata: x\n\n")),
        ({Key("data"): "x"}, ("ok", b"data: x\n\n")),
        ({Key("colour"): "x"}, ("TypeError", "unexpected event field Key('colour')")),
        ({"data": "x", 1: 2}, ("TypeError", "unexpected event field 1")),
        ({"data": "x", "sep": b"ignored"}, ("ok", b"data: x\n\n")),
        ({"data": None, "retry": True}, ("TypeError", "retry must be an int, not bool")),
        (Items(data="a\nb"), ("ok", b"data: a\ndata: b\n\n")),
        (FakeDict(), ("TypeError", "'FakeDict' object is not iterable")),
        (b"", ("ok", b"")),
        (bytearray(b"\r\n"), ("ok", b"data: bytearray(b'\\r\\n')\n\n")),
    ],
)
def test_encode_item_edge_cases(sse_c: ModuleType, item: Any, expected: tuple[str, object]) -> None:
    assert agree(sse_c, "encode_item", item, "\n", Stub) == expected


def test_encode_item_returns_ready_bytes_unchanged(sse_impl: ModuleType) -> None:
    raw = b"data: x\n\n"
    assert sse_impl.encode_item(raw, "\n", Stub) is raw
