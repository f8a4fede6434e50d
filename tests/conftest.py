import os
from types import SimpleNamespace

import pytest

import fastresp
import fastresp._file_handle

from support import flavour as load_flavour

BACKENDS = [
    pytest.param(("asyncio", {}), id="asyncio"),
    pytest.param(("asyncio", {"use_uvloop": True}), id="uvloop"),
    pytest.param(("trio", {}), id="trio"),
]


def pytest_report_header() -> str:
    path = "compiled" if fastresp.COMPILED else "pure-Python"
    return f"fastresp {fastresp.__version__}: {path} kernels"


def pytest_sessionstart(session: pytest.Session) -> None:
    if os.environ.get("FASTRESP_REQUIRE_COMPILED") and not fastresp.COMPILED:
        raise pytest.UsageError("FASTRESP_REQUIRE_COMPILED is set but the kernels are pure")


@pytest.fixture(params=BACKENDS)
def anyio_backend(request: pytest.FixtureRequest) -> tuple[str, dict[str, object]]:
    backend: tuple[str, dict[str, object]] = request.param
    return backend


@pytest.fixture
def small_yield_bound(monkeypatch: pytest.MonkeyPatch) -> int:
    """A file body's cancellation points every 1,000 bytes read instead of every MiB (a
    chunk or less in these tests), so a test's 200 KB file reaches them;
    tests/test_file_yields.py checks the real bound."""
    bound = 1000
    monkeypatch.setattr(fastresp._file_handle, "YIELD_BYTES", bound)
    return bound


@pytest.fixture(params=["starlette", "fastresp"])
def flavour(request: pytest.FixtureRequest) -> SimpleNamespace:
    """Both implementations: the same scenario must send the same messages."""
    return load_flavour(request.param)
