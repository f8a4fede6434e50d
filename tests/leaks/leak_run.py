"""Drive the mixed responses of `leak_scenarios` and sample the process as they go.

Run as a script in a fresh interpreter (tests/leaks/test_leaks.py does so):

    python tests/leaks/leak_run.py --backend uvloop --responses 100000 --dir /tmp/x

It prints one JSON object: samples of open descriptors, threads, tasks, RSS and
pymalloc blocks at each mark (taken at a quiet moment: no response in flight, after a
short settle and a garbage collection), the counts of started and closed body
iterators, and every scenario that misbehaved. `--leak-bytes N` keeps an N-byte
object alive per scenario run (one response each in the small-response scenarios):
a deliberate leak, to show that the checks catch one.
"""

import argparse
import asyncio
import ctypes
import gc
import json
import os
import random
import sys
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anyio
import anyio.to_thread
from leak_harness import TOTALS
from leak_scenarios import MIX, Files

import fastresp

WORKERS = 64  # responses in flight at once
PAGE = os.sysconf("SC_PAGE_SIZE")


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd")) - 1  # NOTE: minus the listing's own descriptor


def _malloc_trim() -> Callable[[int], int]:
    """glibc's malloc_trim, or a no-op elsewhere (musl, other platforms)."""
    try:
        trim: Callable[[int], int] = ctypes.CDLL(None).malloc_trim
    except (AttributeError, OSError):
        return lambda pad: 0
    return trim


# NOTE: freed memory that glibc keeps in its per-thread arenas is not a leak, but it
# swings RSS by megabytes as worker threads come and go; returned to the kernel
# before each sample, RSS follows the memory actually in use.
malloc_trim = _malloc_trim()


def rss() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE


def live_tasks() -> int:
    try:
        return len(asyncio.all_tasks())
    except RuntimeError:  # trio: count the whole task tree
        import trio

        root = trio.lowlevel.current_root_task()
        count, stack = 0, [root] if root is not None else []
        while stack:
            task = stack.pop()
            count += 1
            for nursery in task.child_nurseries:
                stack.extend(nursery.child_tasks)
        return count


class Run:
    def __init__(self, files: Files, leak_bytes: int, only: set[str] | None) -> None:
        self.files = files
        mix = [(f, w) for f, w in MIX if only is None or f.__name__ in only]
        self.table = [scenario for scenario, weight in mix for _ in range(weight)]
        random.Random(4).shuffle(self.table)  # interleaved, the same order every run
        self.next = 0
        self.errors: Counter[str] = Counter()
        self.first_error: dict[str, str] = {}
        self.left_open: Counter[str] = Counter()
        self.leaked: list[bytes] = []
        # NOTE: a bytes object of n bytes takes 33 + n in memory (sys.getsizeof)
        self.leak_size = max(0, leak_bytes - sys.getsizeof(b""))
        self.samples: list[dict[str, Any]] = []
        self.spent: dict[str, float] = {}  # seconds per scenario, since the last sample
        self.started = time.monotonic()

    async def worker(self, until: int) -> None:
        while TOTALS.responses < until:
            scenario = self.table[self.next % len(self.table)]
            self.next += 1
            name = scenario.__name__
            began = time.monotonic()
            try:
                bodies = await scenario(self.files)
            except Exception as exc:
                self.errors[name] += 1
                self.first_error.setdefault(name, "".join(traceback.format_exception(exc)))
                continue
            finally:
                self.spent[name] = self.spent.get(name, 0.0) + time.monotonic() - began
            self.left_open[name] += sum(b.started and not b.closed for b in bodies)
            if self.leak_size:
                self.leaked.append(bytes(self.leak_size))

    async def until(self, mark: int) -> None:
        async with anyio.create_task_group() as group:
            for _ in range(WORKERS):
                group.start_soon(self.worker, mark)
        await self.sample()

    async def sample(self) -> None:
        for _ in range(5):  # helper tasks end within a few loop turns of their response
            await anyio.sleep(0.005)
        gc.collect()
        malloc_trim(0)
        self.samples.append(
            {
                "responses": TOTALS.responses,
                "seconds": round(time.monotonic() - self.started, 2),
                "fds": open_fds(),
                "threads": threading.active_count(),
                "tasks": live_tasks(),
                "rss": rss(),
                "blocks": sys.getallocatedblocks(),
                "iterators_started": TOTALS.started,
                "iterators_closed": TOTALS.closed,
                "slowest": {
                    k: round(v, 2) for k, v in sorted(self.spent.items(), key=lambda kv: -kv[1])[:3]
                },
            }
        )
        self.spent.clear()


async def main(args: argparse.Namespace) -> dict[str, Any]:
    run = Run(
        Files(Path(args.dir)), args.leak_bytes, set(args.only.split(",")) if args.only else None
    )
    await run.sample()  # the baseline: the loop is up, no response has run yet
    step = args.responses // 5
    for mark in [args.responses // 50, *range(step, args.responses + 1, step)]:
        await run.until(mark)
    return {
        "backend": args.backend,
        "compiled": fastresp.COMPILED,
        "samples": run.samples,
        "errors": dict(run.errors),
        "first_error": run.first_error,
        "left_open": {name: n for name, n in run.left_open.items() if n},
        "background_tasks_run": TOTALS.background,
        "thread_limit": anyio.to_thread.current_default_thread_limiter().total_tokens,
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", choices=["asyncio", "uvloop", "trio"], default="asyncio")
    parser.add_argument("--responses", type=int, default=100_000)
    parser.add_argument("--leak-bytes", type=int, default=0)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--only", help="comma-separated scenario names (default: the whole mix)")
    arguments = parser.parse_args()
    backend, options = {
        "asyncio": ("asyncio", {}),
        "uvloop": ("asyncio", {"use_uvloop": True}),
        "trio": ("trio", {}),
    }[arguments.backend]
    result = anyio.run(main, arguments, backend=backend, backend_options=options)
    json.dump(result, sys.stdout)
