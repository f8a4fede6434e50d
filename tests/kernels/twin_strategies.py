"""Shared by the header and construction kernel tests: compiled-vs-pure helpers and the
hostile inputs both areas are fed."""

import array
import importlib
import os
import string
from collections.abc import Callable
from http import HTTPStatus
from types import ModuleType

import pytest
from hypothesis import settings
from hypothesis import strategies as st

TOKEN = frozenset(string.ascii_letters + string.digits + "!#$%&'*+-.^_`|~")
SETTINGS = settings(max_examples=400, deadline=None)


def load_pair(area: str) -> tuple[ModuleType, ModuleType]:
    """(compiled, pure) twins of `area`; skipped when not built (failed when required)."""
    try:
        compiled = importlib.import_module(f"fastresp._{area}_c")
    except ImportError:
        if os.environ.get("FASTRESP_REQUIRE_COMPILED"):
            raise
        pytest.skip("compiled kernels not built")
    return compiled, importlib.import_module(f"fastresp._{area}_py")


def outcome(fn: Callable[..., object], *args: object) -> tuple[object, ...]:
    try:
        result = fn(*args)
    except Exception as exc:
        return (type(exc).__name__, str(exc))
    return ("ok", type(result), result)


def agree(pair: tuple[ModuleType, ModuleType], name: str, *args: object) -> tuple[object, ...]:
    compiled, pure = (outcome(getattr(twin, name), *args) for twin in pair)
    assert compiled == pure, (name, args)
    return pure


class Lying(str):
    """A str subclass whose lower() lies: only the pure code path calls it."""

    def lower(self) -> str:
        return "content-length"


HOSTILE = "\x00\t\n\r \"'(),/:;=@[]\\{}\x7f\x80\x85\xa0\xe9\xff\u0130\u212a\u2028\ud800"
hostile_text = st.text(
    st.one_of(
        st.sampled_from(HOSTILE),
        st.sampled_from(sorted(TOKEN)),
        st.characters(max_codepoint=0xFF),
        st.characters(),
    ),
    max_size=10,
)
hostile = st.one_of(hostile_text, hostile_text.map(Lying), st.integers(), st.binary(max_size=3))

statuses = st.one_of(
    st.integers(90, 610),
    st.sampled_from([0, -1, 2**63, 2**64, -(2**63) - 1, True, False, 200.0, "200", None]),
    st.sampled_from(list(HTTPStatus)),
)
bodies = st.one_of(
    st.none(),
    st.binary(max_size=5),
    st.binary(max_size=5).map(lambda data: memoryview(data)),
    st.binary(max_size=5).map(bytearray),
    st.builds(lambda: memoryview(array.array("d", [1.0]))),
    st.text(max_size=3),
    st.integers(),
)
media_types = st.one_of(
    st.none(),
    st.sampled_from(["text/plain", "application/json", "text/html; charset=x", "TEXT/csv"]),
    hostile,
)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)
