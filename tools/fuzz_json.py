"""JSON fuzzer: the compiled JSON kernel against the stdlib, for as long as asked.

    python tools/fuzz_json.py --seconds 300           # floats, then values; the seed is printed
    python tools/fuzz_json.py --seconds 60 --seed 42 --only floats
    python tools/fuzz.py --areas json --seconds 300   # the same, from the main fuzzer

Floats: the known hard cases first (every power of 2 and of 10 and their neighbours,
every binade's ends, subnormals, the points where repr switches notation), then random
64-bit patterns, 100,000 per batch: each finite double must come out as `float.__repr__`
writes it. Values: random values (every code point class, str/int/float/list/tuple/dict
subclasses and enums, special floats, huge ints, deep and wide nesting, non-str keys,
circular structures, unsupported objects) must give the bytes of the stdlib call
Starlette makes, or its exception (type and message).

Exit status: 0 clean; 1 a mismatch, printed with the seed and case that reproduce it.
"""

import argparse
import enum
import json
import math
import os
import random
import struct
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

# NOTE: run as a script, the checkout it lives in is what gets fuzzed.
if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from fastresp import _json_c

BATCH = 100_000
Outcome = tuple[str, object]


def starlette_json(value: object) -> bytes:
    return json.dumps(
        value, ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":")
    ).encode("utf-8")


def outcome(fn: Callable[[object], bytes], value: object) -> Outcome:
    try:
        return ("ok", fn(value))
    except RecursionError:  # fastresp's difference 8
        return ("ValueError", "JSON content is nested too deeply to serialise")
    except Exception as exc:
        return (type(exc).__name__, str(exc))


# --- floats -------------------------------------------------------------------------------


def _double(bits: int) -> float:
    value: float = struct.unpack("<d", struct.pack("<Q", bits))[0]
    return value


def hard_floats() -> list[float]:
    """Powers of 2 and 10 with two neighbours each side, every binade's ends, the first
    and last subnormals and repr's notation switch points."""
    out: list[float] = []
    centres = [math.ldexp(1.0, e) for e in range(-1074, 1024)]
    centres += [float(f"1e{e}") for e in range(-323, 309)]
    centres += [1e-5, 1e-4, 1e15, 1e16, 9.999999999999999e-05, 9999999999999998.0]
    for x in centres:
        below = above = x
        out.append(x)
        for _ in range(2):
            below, above = math.nextafter(below, 0.0), math.nextafter(above, math.inf)
            out += [below, above]
    ends = [0, 1, 2, (1 << 52) - 1, (1 << 52) - 2, 1 << 51]
    out += [_double(b << 52 | m) for b in range(2047) for m in ends]
    out += [_double(c) for c in range(1, 20_000)]
    return [x for x in out if math.isfinite(x)]


def check_floats(values: list[float], mirror: bool = False) -> float | None:
    """The first value (or, with `mirror`, its negation) whose text is not its repr."""
    values = [x for x in values if math.isfinite(x)]
    values += [-x for x in values] if mirror else []
    # NOTE: float.__repr__ is the bottleneck: ~1.5 us for a random double (the kernel: 0.1)
    if _json_c.dumps(values) == ("[" + ",".join(map(repr, values)) + "]").encode():
        return None
    return next(x for x in values if _json_c.dumps(x) != repr(x).encode())


def fuzz_floats(seed: int, seconds: float) -> tuple[int, str | None]:
    """(doubles checked, a report of the first mismatch or None)."""
    bad = check_floats(hard_floats(), mirror=True)
    if bad is not None:
        return 0, f"hard case {bad!r} ({bad.hex()}): {_json_c.dumps(bad)!r}"
    rng = random.Random(seed)
    count, deadline = 0, time.monotonic() + seconds
    while time.monotonic() < deadline:
        bad = check_floats(list(struct.unpack(f"<{BATCH}d", rng.randbytes(8 * BATCH))))
        count += BATCH
        if bad is not None:
            return count, f"random {bad!r} ({bad.hex()}): {_json_c.dumps(bad)!r}"
    return count, None


# --- values -------------------------------------------------------------------------------


class Text(str):
    def __str__(self) -> str:
        return "lie"


class Number(int):
    def __repr__(self) -> str:
        return "lie"


class Real(float):
    def __repr__(self) -> str:
        return "lie"


class Items(list[Any]):
    pass


class Backwards(list[Any]):
    def __iter__(self) -> Iterator[Any]:
        return iter(list.copy(self)[::-1])


class Pair(tuple[Any, ...]):
    pass


class Mapping(dict[Any, Any]):
    pass


class Renamed(dict[Any, Any]):
    def items(self) -> Any:
        return [(f"k{key}", value) for key, value in dict.items(self)]


class Color(enum.Enum):
    RED = 1


class Level(enum.IntEnum):
    LOW = 1


RANGES = [(0, 0x1F), (0x20, 0x7F), (0x80, 0xFF), (0x100, 0x7FF), (0x800, 0xFFFF),
          (0xD800, 0xDFFF), (0x10000, 0x10FFFF)]  # fmt: skip
SPECIAL = '"\\/\b\f\n\r\t\x7f\u2028\u2029\ufeff'


class Values:
    """Random values for the encoder, from one seeded generator."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.budget = 0  # leaves left for the current case

    def text(self) -> str:
        rng = self.rng
        if rng.random() < 0.3:  # long runs reach the 8-byte scan
            return "".join(chr(rng.randint(0x20, 0x7E)) for _ in range(rng.randint(8, 60)))
        chars = []
        for _ in range(rng.randint(0, 12)):
            if rng.random() < 0.15:
                chars.append(rng.choice(SPECIAL))
            else:
                lo, hi = rng.choice(RANGES[:5] + RANGES[6:] if rng.random() < 0.97 else RANGES)
                chars.append(chr(rng.randint(lo, hi)))
        if rng.random() < 0.01:  # past the 64-character and 16,384-character paths
            plain = "x" * rng.choice([50, 70, 20_000])
            return plain + "".join(chars) * rng.randint(1, 3000) + plain[:9]
        return "".join(chars)

    def number(self) -> object:
        rng = self.rng
        kind = rng.randrange(9)
        if kind == 0:
            return rng.randint(-(2**63), 2**63)
        if kind == 1:
            return rng.randint(-(2**200), 2**200)
        if kind == 2:
            return -(10 ** rng.choice([4299, 4300])) if rng.random() < 0.1 else rng.randint(-9, 99)
        if kind == 3:
            return _double(rng.getrandbits(64))  # NaN and infinities too
        if kind == 4:
            return rng.choice([0.0, -0.0, 5e-324, 1e-5, 1e16, 0.1, 1.7976931348623157e308])
        if kind == 5:
            return rng.randint(1, 9) * 10.0 ** rng.randint(-8, 20)
        if kind == 6:
            return Number(rng.randint(-(2**70), 2**70))
        if kind == 7:
            return Real(rng.uniform(-1e6, 1e6))
        return rng.choice([True, False, None, Level.LOW])

    def key(self) -> object:
        rng = self.rng
        roll = rng.random()
        if roll < 0.7:
            return self.text() if rng.random() < 0.9 else Text(self.text())
        if roll < 0.97:
            return self.number()
        return rng.choice([(1, 2), b"k", Color.RED, frozenset()])

    def leaf(self) -> object:
        rng = self.rng
        roll = rng.random()
        if roll < 0.45:
            return self.text() if rng.random() < 0.95 else Text(self.text())
        if roll < 0.98:
            return self.number()
        return rng.choice([object(), {1}, b"x", 1j, Color.RED, bytearray()])

    def value(self, depth: int = 0) -> object:
        rng = self.rng
        self.budget -= 1
        if depth > 6 or self.budget <= 0 or rng.random() < 0.4:
            return self.leaf()
        size = rng.choice([0, 1, 2, 3, 5, 8, rng.randint(0, 40)])
        if rng.random() < 0.4:
            items = [self.value(depth + 1) for _ in range(size)]
            return rng.choice([list, list, tuple, Items, Backwards, Pair])(items)
        pairs = {self.key(): self.value(depth + 1) for _ in range(size)}
        return rng.choice([dict, dict, dict, Mapping, Renamed])(pairs)

    def case(self) -> object:
        rng = self.rng
        self.budget = rng.choice([10, 50, 300])
        value = self.value()
        roll = rng.random()
        if roll < 0.05:  # deep; NOTE: not near the stdlib's limit, where the outcome
            # depends on how deep the caller's stack already is
            for _ in range(rng.randint(100, 900) if rng.random() < 0.9 else 100_000):
                value = [value] if rng.random() < 0.5 else {"k": value}
        elif roll < 0.08:  # circular
            loop: list[Any] = [value]
            loop.append({"back": [loop]} if rng.random() < 0.5 else loop)
            value = loop
        elif roll < 0.1:  # wide
            value = [value] * rng.randint(100, 3000)
        return value


def fuzz_values(seed: int, seconds: float) -> tuple[int, str | None]:
    """(values checked, a report of the first mismatch or None)."""
    values = Values(random.Random(seed))
    count, deadline = 0, time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = values.case()
        ours, theirs = outcome(_json_c.dumps, value), outcome(starlette_json, value)
        if ours != theirs:
            return count, f"case {count}:\n  compiled: {ours!r:.600}\n  stdlib:   {theirs!r:.600}"
        count += 1
    return count, None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--only", choices=("floats", "values"), default=None)
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(2**32)
    share = args.seconds if args.only else args.seconds / 2
    print(f"fuzzing json for {args.seconds:g} s, seed {seed}", flush=True)
    status = 0
    for name, fuzz in (("floats", fuzz_floats), ("values", fuzz_values)):
        if args.only in (None, name):
            count, failure = fuzz(seed, share)
            print(f"{name}: {count:,} checked, {'MISMATCH' if failure else 'no mismatch'}")
            if failure:
                print(f"  {failure}\n  reproduce: python tools/fuzz_json.py --seed {seed} "
                      f"--only {name} --seconds {share:g}")  # fmt: skip
                status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
