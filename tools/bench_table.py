"""Print a Markdown table from pytest-benchmark JSON (`pytest bench --benchmark-json=F`).

    python tools/bench_table.py .benchmarks/latest.json [more.json ...] [--stat min]

One row per scenario (benchmark group), one column per member: Starlette, fastresp
(pure and/or compiled, whichever the files hold: pass a pure and a compiled run to
see both), the raw-ASGI floor and, where measured, the page-cache ceiling or the fastest reference
encoder (orjson, ssrJSON: JSON groups only, not byte-identical to Starlette). Each cell
is the median time per response and the speed-up against Starlette (Starlette's time
divided by the member's, so `3.2x` means 3.2 times faster), Starlette being taken
from the same file as the member; scenarios that move a known number of bytes also show
MB/s. Later files win on duplicates. No dependencies.
"""

import argparse
import json
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

STATS = ("median", "min", "mean")
FIXED_COLUMNS = ("starlette", "fastresp-pure", "fastresp-compiled", "floor")
TITLES = {
    "starlette": "Starlette",
    "fastresp-pure": "fastresp (pure)",
    "fastresp-compiled": "fastresp (compiled)",
    "floor": "floor",
    "ceiling": "ceiling",
    "reference": "reference (not identical)",
}
SPARE_COLUMNS = ("ceiling", "reference")  # the fastest member of each kind is shown


@dataclass(frozen=True)
class Result:
    group: str
    column: str
    label: str  # the member's own name, for ceilings (e.g. page-cache-1MiB)
    seconds: float
    nbytes: int | None
    driver: str
    source: int  # which file: a ratio compares with Starlette from the same run


def _member(bench: dict[str, Any]) -> str:
    info = bench.get("extra_info") or {}
    member = info.get("member")
    if isinstance(member, str):
        if member == "fastresp":
            return "fastresp-compiled" if info.get("fastresp_compiled") else "fastresp-pure"
        return member
    name = str(bench.get("name", ""))
    return name[name.find("[") + 1 : -1] if name.endswith("]") else name


Results = dict[tuple[str, str], Result]
Baselines = dict[tuple[str, int], Result]


def load(paths: Sequence[Path], stat: str) -> tuple[list[str], Results, Baselines]:
    """Scenario names in first-seen order, the results by (scenario, column), and
    Starlette's result by (scenario, file)."""
    groups: list[str] = []
    results: Results = {}
    baselines: Baselines = {}
    for source, path in enumerate(paths):
        data = json.loads(path.read_text(encoding="utf-8"))
        for bench in data.get("benchmarks", []):
            group = str(bench.get("group") or bench.get("name"))
            if group not in groups:
                groups.append(group)
            label = _member(bench)
            info = bench.get("extra_info") or {}
            spare = "reference" if "byte_identical" in info else "ceiling"
            column = label if label in FIXED_COLUMNS else spare
            nbytes = info.get("bytes_per_response")
            result = Result(
                group=group,
                column=column,
                label=label,
                seconds=float(bench["stats"][stat]),
                nbytes=int(nbytes) if isinstance(nbytes, int | float) else None,
                driver=str(info.get("driver", "")),
                source=source,
            )
            if column == "starlette":
                baselines[(group, source)] = result
            previous = results.get((group, column))
            # Several ceilings (64 KiB and 1 MiB slices) or references: show the fastest.
            if column not in SPARE_COLUMNS or previous is None or result.seconds < previous.seconds:
                results[(group, column)] = result
    return groups, results, baselines


def format_time(seconds: float) -> str:
    if not math.isfinite(seconds) or seconds <= 0:
        return "n/a"
    unit, scale = next(
        ((u, s) for u, s in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)) if seconds >= s),
        ("ns", 1e-9),
    )
    value = seconds / scale
    digits = 0 if value >= 100 else 1 if value >= 10 else 2
    return f"{value:.{digits}f} {unit}"


def format_ratio(ratio: float) -> str:
    return f"{ratio:.0f}x" if ratio >= 100 else f"{ratio:.1f}x"


def cell(result: Result | None, baselines: Baselines) -> str:
    if result is None:
        return "—"
    baseline = baselines.get((result.group, result.source))
    text = format_time(result.seconds)
    if result.nbytes is not None:
        text += f" · {result.nbytes / result.seconds / 1e6:,.0f} MB/s"
    if result.column in SPARE_COLUMNS:
        text += f" ({result.label})"
    if baseline is not None and result is not baseline:
        text += f" **{format_ratio(baseline.seconds / result.seconds)}**"
    return text


def render(groups: Sequence[str], results: Results, baselines: Baselines, stat: str) -> str:
    present = {column for _, column in results}
    columns = [c for c in (*FIXED_COLUMNS, *SPARE_COLUMNS) if c in present]
    header = ["scenario", "driver", *(TITLES[c] for c in columns)]
    lines = [
        "| " + " | ".join(header) + " |",
        "| " + " | ".join(["---", "---", *("---:" for _ in columns)]) + " |",
    ]
    for group in groups:
        drivers = sorted({r.driver for (g, _), r in results.items() if g == group and r.driver})
        row = [
            group,
            "/".join(drivers),
            *(cell(results.get((group, c)), baselines) for c in columns),
        ]
        lines.append("| " + " | ".join(row) + " |")
    lines.append("")
    lines.append(
        f"{stat.capitalize()} time per response; **Nx** = Starlette's time / the member's "
        "(higher is faster). floor = hand-written raw ASGI sending the same bytes; "
        "ceiling = reading the file with os.pread alone; reference = the fastest JSON "
        "library measured, which does not send Starlette's bytes in general."
    )
    if len({source for _, source in baselines}) > 1:
        lines.append(
            "Several runs: each ratio is against Starlette in the member's own run; the "
            "Starlette column shows the last run's."
        )
    return "\n".join(lines)


def _environment(paths: Sequence[Path]) -> str:
    data = json.loads(paths[-1].read_text(encoding="utf-8"))
    machine = data.get("machine_info") or {}
    cpu = machine.get("cpu") or {}
    parts = [
        f"Python {machine.get('python_version', '?')}",
        str(cpu.get("brand_raw") or machine.get("processor") or "unknown CPU"),
        f"{cpu.get('count', '?')} CPUs",
        str(data.get("datetime", "")),
    ]
    return "<!-- " + ", ".join(p for p in parts if p) + " -->"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("files", nargs="+", type=Path, help="pytest-benchmark JSON files")
    parser.add_argument("--stat", choices=STATS, default="median", help="default: median")
    args = parser.parse_args(argv)
    groups, results, baselines = load(args.files, args.stat)
    if not results:
        print("no benchmarks in " + ", ".join(map(str, args.files)), file=sys.stderr)
        return 1
    print(_environment(args.files))
    print(render(groups, results, baselines, args.stat))
    return 0


if __name__ == "__main__":
    sys.exit(main())
