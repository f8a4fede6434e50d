"""Differential fuzzer: every compiled kernel against its pure twin, for as long as asked.

    python tools/fuzz.py --seconds 300                  # all areas; the seed is printed
    python tools/fuzz.py --seconds 60 --areas ranges,cookies --seed 42
    python tools/fuzz.py --seed 42 --replay 1234        # one case again, both outcomes shown
    python tools/fuzz.py --engine atheris --seconds 300 # coverage-guided (needs atheris)
    python tools/fuzz.py --areas json --seconds 300     # JSON vs the stdlib (tools/fuzz_json.py)

Each case calls one function of an area's `__all__` (headers, construct, cookies,
ranges, sse, files) on both twins with the same hostile arguments (tools/fuzz_inputs.py):
both must return the same value, types included, or raise the same exception type with
the same message, and a construction kernel must leave the same attributes. Integer
cookie expiry runs on a frozen clock; `*_cached` file calls are warmed first; descriptors
are counted after each file case (a leak is a failure too).

The engine (cases, outcomes, reports) is tools/fuzz_engine.py; this module is the
command line and the worker process.

Exit status: 0 clean; 1 a divergence (or leak), printed with its reproducer; 2 a crash
(the worker died by a signal) or a hang (no progress for `--hang` seconds). The seeded
engine runs in a worker process so that a crash or hang is still reported with the case
that caused it; the atheris engine leaves crashes and hangs to libFuzzer, which saves
the input (replay: `python tools/fuzz.py --engine atheris <crash file>`).
"""

import argparse
import mmap
import os
import random
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable

# NOTE: run as a script, the checkout it lives in is what gets fuzzed; imported (tests),
# the fastresp already imported is.
TOOLS = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [TOOLS, os.path.dirname(TOOLS)] if __name__ == "__main__" else [TOOLS]
import fuzz_engine as engine  # noqa: E402  (sibling modules; tools/ is no package)
import fuzz_inputs as inputs  # noqa: E402

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


def run_atheris(targets: list[engine.Target], gens: dict[str, inputs.Gen], argv: list[str]) -> None:
    import atheris  # type: ignore[import-untyped,import-not-found,unused-ignore]

    def one_input(data: bytes) -> None:
        case = engine.make_case(engine.DataSource(atheris.FuzzedDataProvider(data)), targets, gens)
        divergence, _ = engine.check(case)
        if divergence is not None:
            print(engine.report(divergence, None, []), flush=True)
            raise AssertionError("the twins diverge")

    atheris.Setup(argv, one_input)
    atheris.Fuzz()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--areas", default=",".join(engine.AREAS))
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
            pairs = engine.load_pairs(areas)
    else:
        pairs = engine.load_pairs(areas)
    targets = engine.targets_of(pairs)
    files = inputs.Files() if "files" in areas else None
    gens = inputs.generators(files)
    try:
        if args.engine == "atheris":
            run_atheris(targets, gens, [sys.argv[0], f"-max_total_time={int(args.seconds)}",
                                        f"-timeout={int(args.hang)}", *extra])  # fmt: skip
            return 0
        if args.replay is not None:
            case = engine.case_at(seed, args.replay, targets, gens)
            divergence, result = engine.check(case)
            shown = divergence or engine.Divergence(case, result, result, args.replay)
            print(
                engine.report(shown, seed, areas).replace(
                    "DIVERGENCE", "CASE" if not divergence else "DIVERGENCE"
                )
            )
            return 1 if divergence else 0
        if args.in_process or args.progress:
            write = progress_writer(args.progress) if args.progress else None
            seen: set[tuple[str, object, object]] = set()

            def show(divergence: engine.Divergence) -> None:
                kind = (
                    divergence.case.target.name,
                    engine.kind_of(divergence.compiled),
                    engine.kind_of(divergence.pure),
                )
                if kind not in seen:
                    seen.add(kind)
                    print(engine.report(divergence, seed, areas), flush=True)

            divergence, stats = engine.run(
                targets, gens, seed, args.seconds, args.start, write,
                show if args.keep_going else None,
            )  # fmt: skip
            if divergence is not None:
                print(engine.report(divergence, seed, areas), flush=True)
                return 1
            kinds = f"{len(seen)} kinds of divergence"
            print(engine.summary(stats).replace("no divergence", kinds))
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
    pairs = engine.load_pairs(areas)  # NOTE: regenerated, not called: it crashed or hung
    files = inputs.Files() if "files" in areas else None
    try:
        case = engine.case_at(seed, index, engine.targets_of(pairs), inputs.generators(files))
        print(engine.report(engine.Divergence(case, (verdict,), ("not run",), index), seed, areas))
    finally:
        if files is not None:
            files.close()
    print(f"{verdict.upper()} in case {index}", flush=True)
    return 2


if __name__ == "__main__":
    sys.exit(main())
