import os
from types import SimpleNamespace

import pytest

import fastresp

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


@pytest.fixture(params=["starlette", "fastresp"])
def flavour(request: pytest.FixtureRequest) -> SimpleNamespace:
    """Both implementations: the same scenario must send the same messages."""
    return load_flavour(request.param)
