"""Differential fuzzer: every compiled kernel against its pure twin, for as long as asked.

    python tools/fuzz.py --seconds 300                  # all areas; the seed is printed
    python tools/fuzz.py --seconds 60 --areas ranges,cookies --seed 42
    python tools/fuzz.py --seed 42 --replay 1234        # one case again, both outcomes shown
    python tools/fuzz.py --engine atheris --seconds 300 # coverage-guided (needs atheris)
    python tools/fuzz.py --areas json --seconds 300     # JSON vs the stdlib (tools/fuzz_json.py)

Each case calls one function of an area's `__all__` (headers, cookies, ranges, sse,
files) on both twins with the same hostile arguments (tools/fuzz_inputs.py): both must
return the same value, types included, or raise the same exception type with the same
message. Integer cookie expiry runs on a frozen clock; `*_cached` file calls are warmed
first; descriptors are counted after each file case (a leak is a failure too).

Exit status: 0 clean; 1 a divergence (or leak), printed with its reproducer; 2 a crash
(the worker died by a signal) or a hang (no progress for `--hang` seconds). The seeded
engine runs in a worker process so that a crash or hang is still reported with the case
that caused it; the atheris engine leaves crashes and hangs to libFuzzer, which saves
the input (replay: `python tools/fuzz.py --engine atheris <crash file>`).
"""

import argparse
import importlib
import inspect
import mmap
import os
import random
import struct
import subprocess
import sys
import tempfile
import time
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

# NOTE: run as a script, the checkout it lives in is what gets fuzzed; imported (tests),
# the fastresp already imported is.
TOOLS = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [TOOLS, os.path.dirname(TOOLS)] if __name__ == "__main__" else [TOOLS]
import fuzz_inputs as inputs  # noqa: E402  (a sibling module; tools/ is no package)

AREAS = ("headers", "cookies", "ranges", "sse", "files")
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
        for name in sorted(pure.__all__):
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
    # NOTE: wrong-typed paths (bytearray, memoryview) make os.stat warn, on both twins alike.
    with frozen(case.clock), warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            result = fn(*[_fresh(a) for a in case.args])
        except Exception as exc:
            try:
                message = str(exc)
            except Exception:  # NOTE: a message that cannot be printed
                message = "<unprintable>"
            return ("raise", f"{type(exc).__module__}.{type(exc).__qualname__}", message)
    return ("ok", normalise(result))


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


def _kind(result: Outcome) -> str:
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


# --- worker process, so that a crash or a hang still names its case ----------------------


def supervise(command: list[str], progress_path: str, hang: float, limit: float) -> tuple[str, int]:
    """Run a worker; `(verdict, last case index)`: "ok", "diverged", "crash ..." or "hang"."""
    started = time.monotonic()
    proc = subprocess.Popen(command)
    last, changed = -1, time.monotonic()
    while True:
        try:
            code = proc.wait(timeout=0.2)
            break
        except subprocess.TimeoutExpired:
            index = read_progress(progress_path)
            now = time.monotonic()
            if index != last:
                last, changed = index, now
            elif now - changed > hang or now - started > limit:
                proc.kill()
                proc.wait()
                return "hang", index
    index = read_progress(progress_path)
    if code == 0:
        return "ok", index
    if code == 1:
        return "diverged", index
    return f"crash (exit status {code})", index


def read_progress(path: str) -> int:
    with open(path, "rb") as f:
        return int(struct.unpack("q", f.read(8).ljust(8, b"\0"))[0])


def progress_writer(path: str) -> Callable[[int], None]:
    fd = os.open(path, os.O_RDWR)
    shared = mmap.mmap(fd, 8)
    os.close(fd)

    def write(index: int) -> None:
        struct.pack_into("q", shared, 0, index)

    return write


def run_atheris(targets: list[Target], gens: dict[str, inputs.Gen], argv: list[str]) -> None:
    import atheris  # type: ignore[import-untyped,import-not-found,unused-ignore]

    def one_input(data: bytes) -> None:
        case = make_case(DataSource(atheris.FuzzedDataProvider(data)), targets, gens)
        divergence, _ = check(case)
        if divergence is not None:
            print(report(divergence, None, []), flush=True)
            raise AssertionError("the twins diverge")

    atheris.Setup(argv, one_input)
    atheris.Fuzz()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--areas", default=",".join(AREAS))
    parser.add_argument("--replay", type=int, default=None, metavar="CASE")
    parser.add_argument("--engine", choices=("seeded", "atheris"), default="seeded")
    parser.add_argument("--hang", type=float, default=15.0, help="seconds without progress")
    parser.add_argument("--in-process", action="store_true", help="no worker process")
    parser.add_argument(
        "--keep-going", action="store_true", help="report each new kind of divergence, go on"
    )
    parser.add_argument("--progress", help=argparse.SUPPRESS)  # set for the worker
    parser.add_argument("--start", type=int, default=0, help=argparse.SUPPRESS)
    args, extra = parser.parse_known_args(argv)
    areas = args.areas.split(",")
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(2**32)
    if "json" in areas:  # NOTE: the JSON area has its own driver, against the stdlib
        import fuzz_json

        areas.remove("json")
        status = fuzz_json.main(["--seconds", str(args.seconds), "--seed", str(seed)])
        if status or not areas:
            return status

    if args.engine == "atheris":
        import atheris  # type: ignore[import-untyped,import-not-found,unused-ignore]

        with atheris.instrument_imports(include=["fastresp"]):
            pairs = load_pairs(areas)
    else:
        pairs = load_pairs(areas)
    targets = targets_of(pairs)
    files = inputs.Files() if "files" in areas else None
    gens = inputs.generators(files)
    try:
        if args.engine == "atheris":
            run_atheris(targets, gens, [sys.argv[0], f"-max_total_time={int(args.seconds)}",
                                        f"-timeout={int(args.hang)}", *extra])  # fmt: skip
            return 0
        if args.replay is not None:
            case = case_at(seed, args.replay, targets, gens)
            divergence, result = check(case)
            shown = divergence or Divergence(case, result, result, args.replay)
            print(
                report(shown, seed, areas).replace(
                    "DIVERGENCE", "CASE" if not divergence else "DIVERGENCE"
                )
            )
            return 1 if divergence else 0
        if args.in_process or args.progress:
            write = progress_writer(args.progress) if args.progress else None
            seen: set[tuple[str, object, object]] = set()

            def show(divergence: Divergence) -> None:
                kind = (
                    divergence.case.target.name,
                    _kind(divergence.compiled),
                    _kind(divergence.pure),
                )
                if kind not in seen:
                    seen.add(kind)
                    print(report(divergence, seed, areas), flush=True)

            divergence, stats = run(
                targets, gens, seed, args.seconds, args.start, write,
                show if args.keep_going else None,
            )  # fmt: skip
            if divergence is not None:
                print(report(divergence, seed, areas), flush=True)
                return 1
            print(summary(stats).replace("no divergence", f"{len(seen)} kinds of divergence"))
            return 1 if seen else 0
    finally:
        if files is not None:
            files.close()
    return _supervised(args, seed, areas)


def _supervised(args: argparse.Namespace, seed: int, areas: list[str]) -> int:
    print(f"fuzzing {','.join(areas)} for {args.seconds:g} s, seed {seed}", flush=True)
    with tempfile.NamedTemporaryFile(prefix="fastresp-fuzz-", suffix=".progress") as progress:
        progress.write(b"\0" * 8)
        progress.flush()
        command = [sys.executable, os.path.abspath(__file__), "--seed", str(seed),
                   "--seconds", str(args.seconds), "--areas", ",".join(areas),
                   "--progress", progress.name]  # fmt: skip
        command += ["--keep-going"] if args.keep_going else []
        verdict, index = supervise(command, progress.name, args.hang, args.seconds + 60)
    if verdict in ("ok", "diverged"):
        return 0 if verdict == "ok" else 1
    pairs = load_pairs(areas)  # NOTE: regenerated, not called: it crashed or hung
    files = inputs.Files() if "files" in areas else None
    try:
        case = case_at(seed, index, targets_of(pairs), inputs.generators(files))
        print(report(Divergence(case, (verdict,), ("not run",), index), seed, areas))
    finally:
        if files is not None:
            files.close()
    print(f"{verdict.upper()} in case {index}", flush=True)
    return 2


if __name__ == "__main__":
    sys.exit(main())
