"""fastresp.MutableHeaders behaves as Starlette's MutableHeaders on the same operations."""

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.datastructures import MutableHeaders as StarletteHeaders

from fastresp import MutableHeaders

NAMES = st.sampled_from(["a", "A", "b", "Vary", "vary", "content-type", "X-Up", "x-UP"])
VALUES = st.text(alphabet="xyz ,é", max_size=4)
OPS = st.lists(
    st.one_of(
        st.tuples(st.just("set"), NAMES, VALUES),
        st.tuples(st.just("del"), NAMES),
        st.tuples(st.just("setdefault"), NAMES, VALUES),
        st.tuples(st.just("append"), NAMES, VALUES),
        st.tuples(st.just("vary"), VALUES),
        st.tuples(st.just("update"), st.dictionaries(NAMES, VALUES, max_size=3)),
        st.tuples(st.just("ior"), st.dictionaries(NAMES, VALUES, max_size=3)),
    ),
    max_size=12,
)


def apply(headers: Any, ops: list[tuple[Any, ...]]) -> list[Any]:
    seen: list[Any] = []
    for op, *args in ops:
        if op == "set":
            headers[args[0]] = args[1]
        elif op == "del":
            del headers[args[0]]
        elif op == "setdefault":
            seen.append(headers.setdefault(*args))
        elif op == "append":
            headers.append(*args)
        elif op == "vary":
            headers.add_vary_header(args[0])
        elif op == "update":
            headers.update(args[0])
        else:
            headers |= args[0]
        seen.append(
            (list(headers.raw), headers.items(), headers.keys(), headers.values(), len(headers))
        )
        for name in ("a", "VARY", "content-type", "x-up", "x-ü", "missing"):
            seen.append((name in headers, headers.getlist(name), headers.get(name)))
    seen.append(repr(headers).split("(", 1)[1])
    return seen


@settings(max_examples=300, deadline=None)
@given(start=st.dictionaries(NAMES, VALUES, max_size=3), ops=OPS)
def test_same_results_as_starlette(start: dict[str, str], ops: list[tuple[Any, ...]]) -> None:
    assert apply(MutableHeaders(start), ops) == apply(StarletteHeaders(start), ops)


def test_raw_is_the_live_list() -> None:
    raw: list[tuple[bytes, bytes]] = [(b"a", b"1")]
    h = MutableHeaders(raw=raw)
    h["b"] = "2"
    del h["a"]
    assert h.raw is raw and raw == [(b"b", b"2")]


def test_getitem_missing_raises_keyerror() -> None:
    with pytest.raises(KeyError):
        MutableHeaders()["nope"]


def test_equality_with_starlette_headers() -> None:
    ours = MutableHeaders({"A": "1", "b": "2"})
    assert ours == StarletteHeaders({"b": "2", "a": "1"})
    assert ours != StarletteHeaders({"a": "1"})
    assert ours != {"a": "1", "b": "2"}


def test_or_returns_a_copy() -> None:
    h = MutableHeaders({"a": "1"})
    merged = h | {"b": "2"}
    assert h.raw == [(b"a", b"1")] and merged.raw == [(b"a", b"1"), (b"b", b"2")]
    with pytest.raises(TypeError, match="Expected a mapping but got list"):
        h | [("x", "y")]  # type: ignore[operator]


def test_mutablecopy_is_independent() -> None:
    h = MutableHeaders({"a": "1"})
    copy = h.mutablecopy()
    copy["a"] = "2"
    assert h["a"] == "1" and copy["a"] == "2"


def test_both_headers_and_raw_refused() -> None:
    with pytest.raises(TypeError, match="either headers or raw"):
        MutableHeaders({"a": "1"}, raw=[])
