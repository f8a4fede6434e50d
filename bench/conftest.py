"""Fixtures for the benchmarks: the competing members, the drivers and the files.

Members of every group: `starlette` (starlette.responses + sse_starlette), fastresp as
imported (id `fastresp-pure` or `fastresp-compiled`, after `fastresp.COMPILED`) and
`floor`, a hand-written raw-ASGI response sending the same bytes. Drivers and helpers
live in `harness_drivers.py`, the parity check in `harness_parity.py`, timing in
`harness_timing.py`, the files in `harness_files.py`.
"""

from collections.abc import Iterator

import pytest
from harness_drivers import FASTRESP_ID, MEMBERS, LoopDriver
from harness_files import BenchFiles
from harness_timing import configure

import fastresp


def pytest_report_header() -> str:
    path = "compiled" if fastresp.COMPILED else "pure-Python"
    return f"fastresp {fastresp.__version__} benchmarks: {path} kernels ({FASTRESP_ID})"


def pytest_configure(config: pytest.Config) -> None:
    configure(
        float(config.getoption("benchmark_max_time")),
        int(config.getoption("benchmark_min_rounds")),
    )


@pytest.fixture(params=MEMBERS, ids=[FASTRESP_ID if m == "fastresp" else m for m in MEMBERS])
def member(request: pytest.FixtureRequest) -> str:
    """Which implementation this benchmark times."""
    name: str = request.param
    return name


@pytest.fixture
def loop() -> Iterator[LoopDriver]:
    """The event-loop driver: one loop per benchmark, closed (tasks cancelled) after."""
    driver = LoopDriver()
    try:
        yield driver
    finally:
        driver.close()


@pytest.fixture(scope="session")
def bench_files(tmp_path_factory: pytest.TempPathFactory) -> BenchFiles:
    """Scenario files; each is written (and its page cache warmed) on first use only."""
    return BenchFiles(tmp_path_factory.mktemp("fastresp-bench"))


_MODULE_ORDER = ("bench_small", "bench_streaming", "bench_files")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run (and so tabulate) the cheap complete responses first, files last."""

    def rank(item: pytest.Item) -> int:
        module = getattr(item, "module", None)
        name = getattr(module, "__name__", "").rpartition(".")[2]
        return _MODULE_ORDER.index(name) if name in _MODULE_ORDER else -1

    items.sort(key=rank)
