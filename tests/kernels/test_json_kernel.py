"""The JSON kernel, over both twins: Starlette's bytes and errors for every kind of value."""

import math
import sys
from types import ModuleType
from typing import Any

import pytest
from json_support import (
    NESTED_TOO_DEEPLY,
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

SAME: list[Any] = [
    None,
    True,
    False,
    0,
    -1,
    2**63 - 1,
    -(2**63),
    2**63,
    -(2**64) - 1,
    10**100,
    0.0,
    -0.0,
    1.5,
    1e16,
    1e-5,
    5e-324,
    1.7976931348623157e308,
    "",
    "plain ascii",
    '"\\/\b\f\n\r\t\x00\x1f\x7f',
    "caf\u00e9 \u00ff \u0100 \u4e2d\u6587 \u2028\u2029 \ufeff \U0001f600",
    "\x80" * 9 + "\\" * 9 + "\u07ff\u0800\uffff\U00010000\U0010ffff",
    "a" * 1000 + '"' + "b" * 7,
    [],
    (),
    {},
    [1, [2, [3, [4, []]]], {"a": {"b": {}}}],
    (1, "two", 3.0, None),
    {"id": 1, "name": "x", "price": 9.99, "ok": True, "tags": ["a", "b"]},
    {2: "int", 1.5: "float", True: "true", False: "false", None: "null", "s": "str"},
    {-0.0: 0, 1e16: 1, 2**70: 2, Level.LOW: 3, Text("k\u00e9"): 4, Number(7): 5, Real(2.5): 6},
    Text("a\nb\u00e9"),
    Number(-42),
    Real(0.1),
    Items([1, 2]),
    Reversed([1, 2, 3]),
    Pair((1, 2)),
    Mapping(a=1, b=[2]),
    Mapping(),
    Renamed({1: "one", 2: "two"}),
    Renamed(),
    Level.LOW,
    Mode.READ,
    Ratio.HALF,
    [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]],
    [{"k": [{"k": [{"k": None}]}]}],
    list(range(10000)),
    {str(i): i for i in range(2000)},
]

FAILING: list[Any] = [
    math.nan,
    math.inf,
    -math.inf,
    [1, 2, math.nan],
    {"a": -math.inf},
    {math.nan: 1},
    {math.inf: 1},
    object(),
    [1, {2, 3}],
    b"bytes",
    bytearray(b"x"),
    Color.RED,
    {"a": Color.RED},
    {(1, 2): "tuple key"},
    {frozenset(): 1},
    {b"k": 1},
    "\ud800",
    ["ok", "x\udfffy"],
    {"\udc80": 1},
    10**5000,
    [1, -(10**5000)],
    {10**5000: 1},
    BadItems(a=1),
    complex(1, 2),
]


@pytest.mark.parametrize("value", SAME, ids=range(len(SAME)))
def test_same_bytes_as_starlette(json_impl: ModuleType, value: Any) -> None:
    assert json_impl.dumps(value) == starlette_json(value)


@pytest.mark.parametrize("value", FAILING, ids=range(len(FAILING)))
def test_same_error_as_starlette(json_impl: ModuleType, value: Any) -> None:
    expected = outcome(starlette_json, value)
    assert expected[0] != "ok"
    assert outcome(json_impl.dumps, value) == expected


def test_lone_surrogate_error_is_the_utf8_codecs(json_impl: ModuleType) -> None:
    with pytest.raises(UnicodeEncodeError) as info:
        json_impl.dumps({"key": ["abc", "d\ud83de"]})
    # NOTE: the position counts characters of the whole JSON text, as .encode() sees it
    assert info.value.start == 16 and info.value.reason == "surrogates not allowed"


def test_circular_structures(json_impl: ModuleType) -> None:
    loop: list[Any] = [1]
    loop.append(loop)
    mapping: dict[str, Any] = {}
    mapping["self"] = [mapping]
    for value in (loop, mapping, {"x": loop}):
        with pytest.raises(ValueError, match=r"^Circular reference detected$"):
            json_impl.dumps(value)


def test_shared_but_not_circular(json_impl: ModuleType) -> None:
    leaf = {"a": [1, 2]}
    value = [leaf, leaf, [leaf, (leaf,)]]
    assert json_impl.dumps(value) == starlette_json(value)


@pytest.mark.parametrize("depth", [511, 512, 513, 600, 900])
def test_deep_nesting_within_the_stdlib_limit(json_impl: ModuleType, depth: int) -> None:
    lists: Any = []
    dicts: Any = {}
    for _ in range(depth):
        lists = [lists]
        dicts = {"k": dicts}
    assert json_impl.dumps(lists) == b"[" * (depth + 1) + b"]" * (depth + 1)
    assert json_impl.dumps(dicts) == starlette_json(dicts)


def test_too_deep_is_a_value_error(json_impl: ModuleType) -> None:
    # NOTE: deeper than any interpreter's limit: 3.12+ count C recursion on their own
    value: Any = []
    for _ in range(200_000):
        value = [value, {"k": 1}]
    with pytest.raises(ValueError, match=f"^{NESTED_TOO_DEEPLY}$") as info:
        json_impl.dumps(value)
    assert isinstance(info.value.__cause__, RecursionError)


def test_int_max_str_digits_applies(json_impl: ModuleType) -> None:
    big = 10**800
    limit = sys.get_int_max_str_digits()
    try:
        sys.set_int_max_str_digits(700)
        assert outcome(json_impl.dumps, [big]) == outcome(starlette_json, [big])
        assert outcome(json_impl.dumps, [big])[0] == "ValueError"
    finally:
        sys.set_int_max_str_digits(limit)
    assert json_impl.dumps([big]) == starlette_json([big])


def test_dict_subclass_items_called_once_when_encoded(json_impl: ModuleType) -> None:
    calls = []

    class Counted(dict[str, int]):
        def items(self) -> Any:
            calls.append(1)
            return dict.items(self)

    assert json_impl.dumps([Counted(a=1), Counted()]) == b'[{"a":1},{}]'
    assert calls == [1]  # COMPAT: an empty one is written without calling items()


def _mutating(change: str) -> dict[str, Any]:
    """A dict whose member's items() or __iter__ changes it while it is walked."""
    outer: dict[str, Any] = {}

    def mutate() -> None:
        if change == "drop":
            outer.pop("drop", None)
        elif change == "add":
            outer["added"] = 3
        else:
            outer["later"] = "replaced"

    class MutatingDict(dict[str, int]):
        def items(self) -> Any:
            mutate()
            return dict.items(self)

    class MutatingList(list[int]):
        def __iter__(self) -> Any:
            mutate()
            return list.__iter__(self)

    inner: Any = MutatingList([1]) if change.endswith("-list") else MutatingDict(a=1)
    outer.update(first={"deeper": inner}, drop=[1], later=2)
    return outer


@pytest.mark.parametrize("change", ["drop", "add", "replace", "replace-list", "drop-list"])
def test_dict_changed_while_walked(json_impl: ModuleType, change: str) -> None:
    # COMPAT: 3.11's stdlib writes a copy of a dict's items taken before its members are
    # walked, 3.12+'s walks it live (and the compiled walk falls back when its size
    # changes: the stdlib then encodes it as changed, calling items() again).
    assert outcome(json_impl.dumps, _mutating(change)) == outcome(starlette_json, _mutating(change))


def test_list_subclass_iterated_as_the_stdlib_does(json_impl: ModuleType) -> None:
    class Lying(list[int]):
        def __iter__(self) -> Any:
            raise TypeError("no iteration")

    assert outcome(json_impl.dumps, [Lying([1])]) == outcome(starlette_json, [Lying([1])])
    assert json_impl.dumps(Reversed([1, [2, 3]])) == b"[[2,3],1]"


def test_keyboard_interrupt_from_user_code_propagates(json_impl: ModuleType) -> None:
    class Interrupting(dict[str, int]):
        def items(self) -> Any:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        json_impl.dumps({"a": Interrupting(b=1)})


def test_large_outputs(json_impl: ModuleType) -> None:
    for value in ("x" * (1 << 20), "\u00e9" * 300_000, ["\u4e2d" * 1000] * 300, [1.5] * 50_000):
        assert json_impl.dumps(value) == starlette_json(value)
