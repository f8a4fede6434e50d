"""The compiled JSON kernel leaks no references and no memory, on success and on every
kind of fallback (errors included)."""

import gc
import math
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from json_support import BadItems, Color, Mapping, Number, Real, Renamed, Reversed, Text


def _values() -> list[Any]:
    loop: list[Any] = []
    loop.append(loop)
    shared = Text("k\u00e9y")
    return [
        {"id": 1, "name": "x\u4e2d\U0001f600", "price": 9.99, "ok": True, "tags": ["a", "b"]},
        [None, False, 2**100, -(2**63), 1e300, Number(5), Real(0.5), shared, (1, (2,))],
        {shared: [1], 2**70: {}, 1.5: (), None: Mapping(a=[1]), True: Renamed({1: 2})},
        Reversed([{"a": 1}, [2]]),
        # each of these falls back to the stdlib, some after writing a lot
        ["x" * 5000, math.nan],
        [{"k": [1, 2, 3]}, object()],
        {"a": 1, (1,): 2},
        ["fine", "sur\ud800rogate"],
        [1, 10**5000],
        BadItems(a=1),
        {"a": [Color.RED]},
        loop,
    ]


def _rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _encode_all(impl: ModuleType, values: list[Any], rounds: int) -> None:
    for _ in range(rounds):
        for value in values:
            try:
                impl.dumps(value)
            except (TypeError, ValueError):
                pass


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_no_leaks(json_impl: ModuleType) -> None:
    values = _values()
    parts = [item for value in values if isinstance(value, list) for item in value]
    _encode_all(json_impl, values, 200)  # warm up: caches, free lists, the allocator
    gc.collect()
    counts = [sys.getrefcount(x) for x in values + parts]
    objects = len(gc.get_objects())
    rss = _rss_kib()
    _encode_all(json_impl, values, 3000)
    gc.collect()
    assert [sys.getrefcount(x) for x in values + parts] == counts
    assert len(gc.get_objects()) <= objects + 50
    assert _rss_kib() - rss < 2048  # 36,000 encodes: a leak of 64 bytes each shows
