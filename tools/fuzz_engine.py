"""The fuzzer's engine (tools/fuzz.py is its command line): cases built from an area's
`__all__` and tools/fuzz_inputs.py, both twins called, outcomes compared, reports."""

import importlib
import inspect
import os
import random
import time
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import fuzz_inputs as inputs

AREAS = ("headers", "construct", "cookies", "ranges", "sse", "files")
# NOTE: these configure the compiled module rather than compute (fastresp.base and
# fastresp.sse call them once, naming their own classes and methods).
NOT_FUZZED = frozenset({"declare_stock_methods", "bind_response_classes", "bind_event_class"})
Outcome = tuple[Any, ...]
Pairs = dict[str, tuple[ModuleType, ModuleType]]  # area -> (compiled, pure)


@dataclass
class Target:
    area: str
    name: str
    compiled: Callable[..., object]
    pure: Callable[..., object]
    params: list[str]


@dataclass
class Case:
    target: Target
    args: list[object]
    clock: float | None = None  # time.time() during the calls, for integer cookie expiry


@dataclass
class Divergence:
    case: Case
    compiled: Outcome
    pure: Outcome
    index: int | None = None


@dataclass
class Stats:
    cases: int = 0
    outcomes: Counter[tuple[str, str]] = field(default_factory=Counter)


class RandomSource:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def int(self, lo: int, hi: int) -> int:
        return self.rng.randint(lo, hi)


class DataSource:
    """atheris' FuzzedDataProvider as a Source."""

    def __init__(self, fdp: Any) -> None:
        self.fdp = fdp

    def int(self, lo: int, hi: int) -> int:
        return int(self.fdp.ConsumeIntInRange(lo, hi))


def load_pairs(areas: list[str]) -> Pairs:
    return {
        area: (
            importlib.import_module(f"fastresp._{area}_c"),
            importlib.import_module(f"fastresp._{area}_py"),
        )
        for area in areas
    }


def targets_of(pairs: Pairs) -> list[Target]:
    found = []
    for area, (compiled, pure) in pairs.items():
        if sorted(compiled.__all__) != sorted(pure.__all__):
            raise SystemExit(f"{area}: __all__ differs: {compiled.__all__} != {pure.__all__}")
        for name in sorted(set(pure.__all__) - NOT_FUZZED):
            fn = getattr(pure, name)
            params = list(inspect.signature(fn).parameters)
            found.append(Target(area, name, getattr(compiled, name), fn, params))
    return found


def make_case(src: inputs.Source, targets: list[Target], gens: dict[str, inputs.Gen]) -> Case:
    target = inputs.pick(src, targets)
    args = []
    for param in target.params:
        gen = gens.get(f"{target.area}.{param}") or gens.get(param) or inputs.anything
        args.append(gen(src))
    if args and inputs.chance(src, 4):  # a wrong type anywhere
        args[src.int(0, len(args) - 1)] = inputs.wrong(src)
    clock = None
    if target.area == "cookies":
        clock = inputs.pick(src, (1.7e9 + 0.25, 0.0, 253402300799.5, src.int(0, 2**35) / 7))
    return Case(target, args, clock)


def _fresh(value: object) -> object:
    """A copy of the mutable containers, so one twin cannot change the other's input."""
    if isinstance(value, list):
        return [_fresh(v) for v in value]
    if isinstance(value, dict):
        return {k: _fresh(v) for k, v in value.items()}
    if type(value) is tuple:
        return tuple(_fresh(v) for v in value)
    if isinstance(value, inputs.Blank):
        return value.new()
    return value


def normalise(value: object) -> object:
    """Comparable form: types kept, descriptors closed, stat results by stable fields."""
    if isinstance(value, os.stat_result):
        return ("stat", value.st_mode, value.st_ino, value.st_dev, value.st_size, value.st_mtime_ns)
    if type(value) is tuple and len(value) == 2 and isinstance(value[1], os.stat_result):
        os.close(value[0])  # open_file / open_cached: (fd, fstat)
        return ("opened", normalise(value[1]))
    if type(value) in (list, tuple):
        return (type(value).__name__, [normalise(v) for v in value])  # type: ignore[attr-defined]
    return (type(value).__name__, value)


@contextmanager
def frozen(clock: float | None) -> Iterator[None]:
    if clock is None:
        yield
        return
    real = time.time
    time.time = lambda: clock  # NOTE: the kernels look time.time up on every call
    try:
        yield
    finally:
        time.time = real


def outcome(fn: Callable[..., object], case: Case) -> Outcome:
    args = [_fresh(a) for a in case.args]
    # NOTE: wrong-typed paths (bytearray, memoryview) make os.stat warn, on both twins alike.
    with frozen(case.clock), warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            value = fn(*args)
        except Exception as exc:
            try:
                message = str(exc)
            except Exception:  # NOTE: a message that cannot be printed
                message = "<unprintable>"
            result: Outcome = ("raise", f"{type(exc).__module__}.{type(exc).__qualname__}", message)
        else:
            result = ("ok", normalise(value))
    # a construction kernel's work is the attributes it set, whether it returned or raised
    built = [
        normalise(vars(a))
        for a, b in zip(args, case.args, strict=True)
        if isinstance(b, inputs.Blank)
    ]
    return (*result, *built)


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else -1


def check(case: Case) -> tuple[Divergence | None, Outcome]:
    target = case.target
    if target.name.endswith("_cached"):  # NOTE: the first lookup may fill the dentry cache
        outcome(target.pure, case)
    before = _open_fds() if target.area == "files" else 0
    compiled = outcome(target.compiled, case)
    pure = outcome(target.pure, case)
    if compiled != pure:
        return Divergence(case, compiled, pure), pure
    if target.area == "files" and _open_fds() != before:
        return Divergence(case, ("leaked descriptors",), pure), pure
    return None, pure


def case_at(seed: int, index: int, targets: list[Target], gens: dict[str, inputs.Gen]) -> Case:
    return make_case(RandomSource(random.Random(f"{seed}:{index}")), targets, gens)


def run(
    targets: list[Target],
    gens: dict[str, inputs.Gen],
    seed: int,
    seconds: float,
    start: int = 0,
    progress: Callable[[int], None] | None = None,
    keep_going: Callable[[Divergence], None] | None = None,
) -> tuple[Divergence | None, Stats]:
    """The seeded engine: cases start, start+1... until the time is up or one diverges
    (with `keep_going`, each divergence is handed to it and the run goes on)."""
    stats = Stats()
    deadline = time.monotonic() + seconds
    index = start
    while time.monotonic() < deadline:
        if progress is not None:
            progress(index)
        case = case_at(seed, index, targets, gens)
        divergence, result = check(case)
        stats.cases += 1
        stats.outcomes[(f"{case.target.area}.{case.target.name}", str(result[1])[:40])] += 1
        if divergence is not None:
            divergence.index = index
            if keep_going is None:
                return divergence, stats
            keep_going(divergence)
        index += 1
    return None, stats


def kind_of(result: Outcome) -> str:
    """An outcome without its details: the exception type, or the kind of the value."""
    return str(result[1]) if result[0] == "raise" else str(result[0]) + str(result[1:])[:12]


def _short(value: object, limit: int = 300) -> str:
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} chars)"


def report(divergence: Divergence, seed: int | None, areas: list[str]) -> str:
    case = divergence.case
    target = case.target
    lines = [f"DIVERGENCE in {target.area}.{target.name}"]
    lines += [
        f"  {name} = {_short(arg)}" for name, arg in zip(target.params, case.args, strict=True)
    ]
    if case.clock is not None:
        lines.append(f"  (time.time() = {case.clock!r})")
    lines += [f"  compiled: {_short(divergence.compiled, 600)}"]
    lines += [f"  pure:     {_short(divergence.pure, 600)}"]
    if seed is not None and divergence.index is not None:
        lines.append(
            f"  reproduce: python tools/fuzz.py --seed {seed} --areas {','.join(areas)}"
            f" --replay {divergence.index}"
        )
    return "\n".join(lines)


def summary(stats: Stats) -> str:
    per_target: dict[str, Counter[str]] = {}
    for (name, kind), count in stats.outcomes.items():
        per_target.setdefault(name, Counter())[kind] += count
    lines = [f"{stats.cases} cases, no divergence"]
    for name, kinds in sorted(per_target.items()):
        top = ", ".join(f"{k}: {n}" for k, n in kinds.most_common(4))
        lines.append(f"  {name}: {sum(kinds.values())} ({top})")
    return "\n".join(lines)
