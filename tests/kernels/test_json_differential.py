"""Differential tests: the compiled JSON kernel against the stdlib call Starlette makes.

Same bytes, or the same exception type and message, for generated values that reach
every code point class (in short and long strings), subclasses and enums, special
floats, huge ints, deep and wide nesting, non-str keys, circular structures and
unsupported objects. Skipped when the
compiled kernels are not built (failed under FASTRESP_REQUIRE_COMPILED).
"""

import importlib
import math
import os
import struct
import sys
from types import ModuleType
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from json_support import (
    BadItems,
    Color,
    Items,
    Level,
    Mapping,
    Mode,
    Number,
    Pair,
    Ratio,
    Real,
    Renamed,
    Reversed,
    Text,
    outcome,
    starlette_json,
)


def _compiled() -> ModuleType:
    try:
        return importlib.import_module("fastresp._json_c")
    except ImportError:
        if os.environ.get("FASTRESP_REQUIRE_COMPILED"):
            raise
        pytest.skip("compiled kernels not built", allow_module_level=True)


json_c = _compiled()
pytestmark = pytest.mark.compiled
SETTINGS = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FEW = settings(SETTINGS, max_examples=60)

# Every class of code point the encoder treats differently.
chars = st.one_of(
    st.characters(min_codepoint=0, max_codepoint=0x1F),  # escaped controls
    st.sampled_from('"\\/\x7f\u2028\u2029\ufeff'),
    st.characters(min_codepoint=0x20, max_codepoint=0x7E),  # ASCII
    st.characters(min_codepoint=0x80, max_codepoint=0xFF),  # latin-1: 1-byte kind
    st.characters(min_codepoint=0x100, max_codepoint=0x7FF),  # 2 UTF-8 bytes
    st.characters(min_codepoint=0x800, max_codepoint=0xFFFF, exclude_categories=["Cs"]),
    st.characters(min_codepoint=0x10000),  # astral: 4-byte kind
    st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF),  # lone surrogates
)
# PERF of the test: long ASCII runs reach the 8-byte scan, rarely surrogates.
texts = st.one_of(
    st.text(chars, max_size=12),
    st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), min_size=8, max_size=40),
    st.builds(
        lambda a, b, c: a + b + c, st.text(max_size=20), st.text(chars, max_size=3), st.text()
    ),
)


def _double(bits: int) -> float:
    value: float = struct.unpack("<d", struct.pack("<Q", bits))[0]
    return value


floats = st.one_of(
    st.floats(),  # NaN and infinities included
    st.integers(0, 2**64 - 1).map(_double),  # random bit patterns
    st.integers(1, 2**52 - 1).map(_double),  # subnormals
    st.builds(lambda e, d: d * 10.0**e, st.integers(-7, 18), st.sampled_from([1.0, 9.99999])),
    st.sampled_from([0.0, -0.0, 5e-324, 1.7976931348623157e308, 1e-5, 1e16, 0.1]),
    st.floats(allow_nan=False).map(Real),
)
ints = st.one_of(
    st.integers(),
    st.integers(-(2**70), 2**70),
    st.sampled_from([2**63 - 1, 2**63, -(2**63), -(2**63) - 1, 2**64]),
    st.sampled_from([4299, 4300]).map(lambda digits: -(10**digits)),  # the repr limit
    st.integers().map(Number),
    st.just(Level.LOW),
)
keys = st.one_of(
    texts,
    texts.map(Text),
    ints,
    floats,
    st.sampled_from([True, False, None, (1, 2), b"k", Mode.READ, Color.RED]),
)
leaves = st.one_of(
    st.none(),
    st.booleans(),
    ints,
    floats,
    texts,
    texts.map(Text),
    st.sampled_from([Mode.READ, Ratio.HALF, Color.RED, object(), {1}, b"x", 1j]),
)


def _containers(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.lists(children, max_size=6),
        st.lists(children, max_size=6).map(tuple),
        st.lists(children, max_size=4).map(Items),
        st.lists(children, max_size=4).map(Reversed),
        st.lists(children, max_size=4).map(Pair),
        st.dictionaries(texts, children, max_size=6),
        st.dictionaries(keys, children, max_size=4),
        st.dictionaries(texts, children, max_size=4).map(Mapping),
        st.dictionaries(ints, children, max_size=3).map(Renamed),
        st.dictionaries(texts, children, max_size=2).map(BadItems),
    )


values = st.recursive(leaves, _containers, max_leaves=30)


@SETTINGS
@given(value=values)
def test_same_outcome_as_starlette(value: Any) -> None:
    assert outcome(json_c.dumps, value) == outcome(starlette_json, value)


@FEW
@given(
    head=st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=100),
    piece=st.text(chars, min_size=1, max_size=6),
    times=st.integers(1, 8000),
    tail=st.text(chars, max_size=4),
)
def test_long_strings(head: str, piece: str, times: int, tail: str) -> None:
    # Past the short-string path (64 characters) and the 16,384-character reservations:
    # a plain start copied at once, then escapes, wide characters and surrogates anywhere.
    text = head + piece * times + tail
    for value in (text, [text, text[::-1]], {text: text}):
        assert outcome(json_c.dumps, value) == outcome(starlette_json, value)


@FEW
@given(value=values, depth=st.integers(1, 600), as_dict=st.booleans())
def test_deep_values(value: Any, depth: int, as_dict: bool) -> None:
    for _ in range(depth):
        value = {"k": value} if as_dict else [value]
    assert outcome(json_c.dumps, value) == outcome(starlette_json, value)


@FEW
@given(value=leaves, width=st.integers(0, 3000))
def test_wide_values(value: Any, width: int) -> None:
    wide = {f"key{i}": value for i in range(width)} if width % 2 else [value] * width
    assert outcome(json_c.dumps, wide) == outcome(starlette_json, wide)


@FEW
@given(value=leaves, where=st.integers(0, 5), as_dict=st.booleans())
def test_circular_values(value: Any, where: int, as_dict: bool) -> None:
    loop: Any = {} if as_dict else []
    inner: Any = loop
    for _ in range(where):
        inner = [value, inner]
    if as_dict:
        loop["x"] = value
        loop["loop"] = inner
    else:
        loop.extend([value, inner])
    assert outcome(json_c.dumps, loop) == outcome(starlette_json, loop)


@FEW
@given(value=values)
def test_float_keys_nan_and_huge_ints(value: Any) -> None:
    mapping = {math.nan: value, 1.5: value}
    assert outcome(json_c.dumps, mapping) == outcome(starlette_json, mapping)
    big = [value, 10**5000]
    assert outcome(json_c.dumps, big) == outcome(starlette_json, big)


def test_recursion_limit_of_the_caller() -> None:
    # The deep-nesting ValueError whatever the recursion limit.
    value: Any = []
    for _ in range(2000):
        value = [value]
    limit = sys.getrecursionlimit()
    try:
        sys.setrecursionlimit(1000)
        assert outcome(json_c.dumps, value) == outcome(starlette_json, value)
    finally:
        sys.setrecursionlimit(limit)
