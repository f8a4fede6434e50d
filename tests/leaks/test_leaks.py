"""No leaks over 100,000 mixed responses, each backend in a fresh interpreter.

`leak_run.py` drives the responses of `leak_scenarios.py` in-process (plain, JSON and
redirect responses with cookies, async and sync streams, files whole, ranged and HEAD,
416s, event streams with pings; client disconnects both ASGI ways, failing iterators,
vanished and truncated files, a frozen client), 64 at a time, and samples the process
at quiet moments. The subprocesses inherit the environment, so the suite's second
run (`FASTRESP_NO_EXTENSIONS=1`) checks the pure path. All runs start at once, in
parallel. Checked: every response sent or raised what it should; every body iterator
was closed by the time its response returned; nothing on stderr (no unraisable
exception, no "Task was destroyed"); descriptors back to their baseline; no task but
the main one(s); worker threads within anyio's limiter; RSS (after glibc returns its
free arena memory) and pymalloc blocks flat from the first fifth to the end.

The bounds: with no leak, RSS moved by at most 0.6 MiB and pymalloc blocks by at most
~4,000 (trio; asyncio and uvloop are flat) between 20,000 and 100,000 responses. A leak
of 100 bytes per response adds 7.6 MiB and 80,000 blocks over that window, and
`test_an_injected_leak_is_caught` shows it failing both checks. The trio run is
shorter (20,000 responses: trio costs twice the CPU per response), so its RSS window
shows a leak only from ~200 bytes a response (its blocks window from one object).
"""

import importlib.util
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import fastresp

pytestmark = [pytest.mark.leaks, pytest.mark.timeout(600)]

HERE = Path(__file__).resolve().parent
# Where the tests' own fastresp lives: the source tree, or site-packages for a wheel.
FASTRESP_HOME = Path(fastresp.__file__).resolve().parents[1]

RSS_BOUND = 3 * 1024 * 1024
BLOCKS_BOUND = 10_000

RUNS: dict[str, list[str]] = {
    "asyncio": ["--backend", "asyncio", "--responses", "100000"],
    "uvloop": ["--backend", "uvloop", "--responses", "100000"],
    "trio": ["--backend", "trio", "--responses", "20000"],
    # The same checks on a deliberate leak of 100 bytes per response.
    "leaky": ["--backend", "asyncio", "--responses", "100000", "--leak-bytes", "100",
              "--only", "json,redirect,bytes_response"],
}  # fmt: skip
NEEDS = {"uvloop": "uvloop", "trio": "trio"}


class Runs:
    """The driver subprocesses, all started at once; each result read when first asked."""

    def __init__(self, workdir: Path) -> None:
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(
                filter(None, [str(FASTRESP_HOME), os.environ.get("PYTHONPATH")])
            ),
        }
        self.processes: dict[str, subprocess.Popen[str]] = {}
        self.results: dict[str, dict[str, Any]] = {}
        for name, args in RUNS.items():
            if name in NEEDS and importlib.util.find_spec(NEEDS[name]) is None:
                continue
            scratch = workdir / name
            scratch.mkdir()
            command = [sys.executable, str(HERE / "leak_run.py"), *args, "--dir", str(scratch)]
            self.processes[name] = subprocess.Popen(
                command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
            )

    def result(self, name: str) -> dict[str, Any]:
        if name not in self.processes:
            pytest.skip(f"needs {NEEDS[name]}")
        if name not in self.results:
            out, err = self.processes[name].communicate(timeout=540)
            code = self.processes[name].returncode
            assert code == 0, f"leak run {name} exited with {code}:\n{err}"
            result: dict[str, Any] = json.loads(out)
            result["stderr"] = err
            self.results[name] = result
        return self.results[name]

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.kill()
            process.communicate()


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runs]:
    if not os.path.isdir("/proc/self/fd"):
        pytest.skip("counts descriptors and RSS through /proc")
    started = Runs(tmp_path_factory.mktemp("leaks"))
    try:
        yield started
    finally:
        started.stop()


def problems(result: dict[str, Any]) -> list[str]:
    """Everything that looks like a leak or a wrong response in one run's result."""
    samples = result["samples"]
    base, end = samples[0], samples[-1]
    window = samples[2]  # the first fifth: warm-up done, every cache filled
    found = [
        f"{name} failed {n} times, first:\n{result['first_error'][name]}"
        for name, n in result["errors"].items()
    ]
    found += [
        f"{name}: {n} body iterators still open when the response returned"
        for name, n in result["left_open"].items()
    ]
    if result["stderr"]:
        found.append(f"stderr: {result['stderr']}")
    for sample in samples[1:]:
        at = f"at {sample['responses']} responses"
        if sample["tasks"] != base["tasks"]:
            found.append(f"tasks: {sample['tasks']} alive {at}, {base['tasks']} before")
        if sample["iterators_started"] != sample["iterators_closed"]:
            open_now = sample["iterators_started"] - sample["iterators_closed"]
            found.append(f"iterators: {open_now} open {at}")
        if sample["threads"] > result["thread_limit"] + 2:
            found.append(f"threads: {sample['threads']} {at}")
    if end["fds"] != base["fds"]:
        found.append(f"descriptors: {end['fds']} open at the end, {base['fds']} before")
    if end["rss"] - window["rss"] > RSS_BOUND:
        found.append(f"RSS grew: {end['rss'] - window['rss']} bytes after warm-up")
    if end["blocks"] - window["blocks"] > BLOCKS_BOUND:
        found.append(f"pymalloc blocks grew: {end['blocks'] - window['blocks']} after warm-up")
    return found


@pytest.mark.parametrize("backend", ["asyncio", "uvloop", "trio"])
def test_no_leaks(runs: Runs, backend: str) -> None:
    result = runs.result(backend)
    assert result["compiled"] == fastresp.COMPILED
    assert result["samples"][-1]["responses"] >= int(RUNS[backend][3])
    assert problems(result) == [], table(result)


def table(result: dict[str, Any]) -> str:
    keys = ("responses", "seconds", "fds", "threads", "tasks", "rss", "blocks")
    rows = [" ".join(f"{key}={sample[key]}" for key in keys) for sample in result["samples"]]
    return "\n".join(rows)


def test_an_injected_leak_is_caught(runs: Runs) -> None:
    found = problems(runs.result("leaky"))
    assert [problem.partition(":")[0] for problem in found] == ["RSS grew", "pymalloc blocks grew"]
