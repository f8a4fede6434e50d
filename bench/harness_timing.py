"""Timing with pytest-benchmark: stepped, batched on a loop, or plain calls.

Entering an event loop costs 20-75 us per `run_until_complete` on the reference VM,
more than a whole floor response, so a round on the loop runs a calibrated batch of N
responses inside one loop entry and the recorded times are divided by N
(`extra_info["responses_per_round"]`, pytest-benchmark's "Iterations" column).
"""

import sys
import time
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from harness_drivers import (
    App,
    BlockingReceive,
    Flavour,
    LoopDriver,
    Scope,
    discard,
    load_flavour,
    step_app,
)
from harness_parity import record_async, record_sync, verify

import fastresp

__all__ = ["Bench", "configure", "describe", "run_member", "time_async", "time_calls", "time_sync"]

T = TypeVar("T")

# Seconds of timed rounds per member, and the fewest rounds: pytest-benchmark's
# --benchmark-max-time and --benchmark-min-rounds (see `configure`), which the stepped
# benchmarks get from pytest-benchmark itself.
BENCH_TIME = 1.0
MIN_ROUNDS = 5
BATCH_TIME = 0.01  # a batch long enough that one loop entry is < 1% of it
MAX_BATCH = 5000


class Bench(Protocol):
    """The parts of pytest-benchmark's `BenchmarkFixture` used here, typed."""

    extra_info: dict[str, Any]
    group: str | None
    stats: Any

    @property
    def enabled(self) -> bool: ...

    def __call__(self, function_to_benchmark: Callable[..., T], *args: Any) -> T: ...

    def pedantic(
        self,
        target: Callable[..., T],
        args: tuple[Any, ...] = (),
        *,
        rounds: int = 1,
        warmup_rounds: int = 0,
    ) -> T: ...


def configure(max_time: float, min_rounds: int) -> None:
    """Apply pytest-benchmark's time budget to the batched and pedantic benchmarks too."""
    global BENCH_TIME, MIN_ROUNDS
    BENCH_TIME, MIN_ROUNDS = max_time, min_rounds


def describe(benchmark: Bench, member: str, driver: str) -> None:
    """Record who ran and how in `extra_info` (read by tools/bench_table.py)."""
    benchmark.extra_info.update(
        member=member,
        fastresp_compiled=fastresp.COMPILED,
        driver=driver,
        python=sys.version.split()[0],
    )


def time_sync(benchmark: Bench, member: str, app: App, scope: Scope) -> None:
    """Time a response that never suspends, stepped directly (pytest-benchmark rounds)."""
    describe(benchmark, member, "step")
    benchmark(step_app, app, scope, BlockingReceive(), discard)


def _per_response(benchmark: Bench, per_round: int) -> None:
    """Make pytest-benchmark report per response when a round ran `per_round` of them."""
    benchmark.extra_info["responses_per_round"] = per_round
    if per_round == 1 or not benchmark.enabled:
        return
    meta = benchmark.stats
    stats = meta.stats
    # Fail loudly if pytest-benchmark ever computes its statistics before we rescale.
    if not isinstance(stats.data, list) or {"min", "median", "mean"} & vars(stats).keys():
        raise RuntimeError("pytest-benchmark internals changed: cannot rescale rounds")
    stats.data[:] = [duration / per_round for duration in stats.data]
    meta.iterations = per_round


def _rounds(seconds_per_round: float) -> int:
    return max(MIN_ROUNDS, int(BENCH_TIME / max(seconds_per_round, 1e-9)))


def time_async(benchmark: Bench, member: str, driver: LoopDriver, app: App, scope: Scope) -> float:
    """Time a suspending response on `driver`'s loop; returns the median per response.

    The batch size N is calibrated (doubling) until one batch takes >= BATCH_TIME; this
    also warms the loop, the thread pool and any caches before timing.
    """
    describe(benchmark, member, driver.name)

    async def batch(n: int) -> None:
        for _ in range(n):
            await app(scope, BlockingReceive(), discard)

    n = 1
    while True:
        began = time.perf_counter()
        driver.run(batch(n))
        elapsed = time.perf_counter() - began
        if elapsed >= BATCH_TIME or n >= MAX_BATCH:
            break
        n = min(MAX_BATCH, max(2 * n, int(n * BATCH_TIME * 1.2 / max(elapsed, 1e-9))))
    benchmark.pedantic(lambda: driver.run(batch(n)), rounds=_rounds(elapsed), warmup_rounds=1)
    _per_response(benchmark, n)
    return _median(benchmark)


def time_calls(benchmark: Bench, member: str, fn: Callable[[], object]) -> float:
    """Time a heavy synchronous call (e.g. reading a file) in calibrated rounds."""
    describe(benchmark, member, "call")
    began = time.perf_counter()
    fn()
    benchmark.pedantic(fn, rounds=_rounds(time.perf_counter() - began), warmup_rounds=1)
    return _median(benchmark)


def _median(benchmark: Bench) -> float:
    if not benchmark.enabled:
        return float("nan")
    median: float = benchmark.stats.stats.median
    return median


def run_member(
    benchmark: Bench,
    member: str,
    build: Callable[[Flavour], App],
    floor: App,
    scope: Scope,
    loop: LoopDriver | None = None,
    *,
    head: bool = False,
) -> float:
    """Check `member` against Starlette once, then time it: stepped when `loop` is None,
    else batched on the loop. `build` makes the Starlette/fastresp app from a flavour.
    Returns the median seconds per response (NaN when benchmarks are disabled)."""
    app = floor if member == "floor" else build(load_flavour(member))
    record = record_sync if loop is None else record_async
    verify(
        str(benchmark.group),
        member,
        lambda: record(app, scope),
        lambda: record(build(load_flavour("starlette")), scope),
        head=head,
    )
    if loop is None:
        time_sync(benchmark, member, app, scope)
        return _median(benchmark)
    return time_async(benchmark, member, loop, app, scope)
