"""Floats: the kernel writes `float.__repr__`'s text for every finite double.

The suite checks a sample: every binade (its smallest, largest and a few other
significands), powers of 2 and 10 with their neighbours, subnormals, the points where
repr switches between fixed and exponent notation, and 100,000 random bit patterns.
`python tools/fuzz_json.py` checks as many more random doubles as it is given time for.
"""

import math
import random
import struct
from types import ModuleType

import pytest


def _double(bits: int) -> float:
    value: float = struct.unpack("<d", struct.pack("<Q", bits))[0]
    return value


def _check(impl: ModuleType, values: list[float]) -> None:
    values = [x for x in values if math.isfinite(x)]
    values += [-x for x in values]
    expected = ("[" + ",".join(map(repr, values)) + "]").encode()
    if impl.dumps(values) != expected:  # find the first culprit for the message
        for x in values:
            assert impl.dumps(x) == repr(x).encode(), (x, x.hex())


def _neighbours(x: float, steps: int = 2) -> list[float]:
    out = [x]
    below = above = x
    for _ in range(steps):
        below, above = math.nextafter(below, -math.inf), math.nextafter(above, math.inf)
        out += [below, above]
    return out


def test_every_binade(json_impl: ModuleType) -> None:
    significands = [0, 1, 2, 3, (1 << 51), (1 << 52) - 1, (1 << 52) - 2, 0x123456789ABCD]
    _check(json_impl, [_double(b << 52 | m) for b in range(2047) for m in significands])


def test_powers_of_ten_and_two(json_impl: ModuleType) -> None:
    tens = [x for e in range(-324, 309) for x in _neighbours(float(f"1e{e}"))]
    twos = [x for e in range(-1074, 1024) for x in _neighbours(math.ldexp(1.0, e), 1)]
    _check(json_impl, tens + twos)


def test_subnormals_and_boundaries(json_impl: ModuleType) -> None:
    subnormals = [_double(c) for c in range(1, 5000)]
    subnormals += [_double((1 << 52) - c) for c in range(1, 5000)]
    edges = [
        5e-324,
        2.2250738585072009e-308,
        2.2250738585072014e-308,
        1.7976931348623157e308,
        *_neighbours(2.0**53, 3),
        *_neighbours(2.0**63, 3),
        *_neighbours(2.0**64, 3),
        0.1,
        0.2,
        0.3,
        1 / 3,
        2 / 3,
        9007199254740993.0,
        123456789012345680.0,
        5e-310,
        4.9406564584124654e-324,
        # digits on ties and near-ties of the shortest search
        9.5367431640625e-07,
        1.8014398509481984e16,
        2.9802322387695312e-08,
        1e23,
        8.41e21,
        5.0e-324 * 3,
    ]
    _check(json_impl, subnormals + edges)


def test_notation_switch_points(json_impl: ModuleType) -> None:
    # COMPAT: repr writes 1e-05 but 0.0001, 1e+16 but 1000000000000000.0
    points = [1e-5, 1e-4, 1e15, 1e16, 9.999999999999999e-05, 9999999999999998.0]
    values = [x for p in points for x in _neighbours(p, 4)]
    assert json_impl.dumps([1e-5, 0.0001, 1e16, 1e15]) == b"[1e-05,0.0001,1e+16,1000000000000000.0]"
    _check(json_impl, values)


def test_integral_floats(json_impl: ModuleType) -> None:
    _check(json_impl, [float(i) for i in range(-1000, 1000)] + [float(10**e) for e in range(23)])


def test_random_bit_patterns(json_impl: ModuleType) -> None:
    rng = random.Random(20201)  # NOTE: fixed: the fuzz tool draws fresh ones
    _check(json_impl, [_double(rng.getrandbits(64)) for _ in range(100_000)])


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_not_finite_is_refused(json_impl: ModuleType, value: float) -> None:
    with pytest.raises(ValueError, match=r"^Out of range float values are not JSON compliant"):
        json_impl.dumps([1.0, value])
