"""Kernel tests run over both twins in one process (`-m "not compiled"` deselects the C side)."""

import importlib
import importlib.util
import os
from types import ModuleType
from typing import Any

import pytest

REQUIRE_COMPILED = bool(os.environ.get("FASTRESP_REQUIRE_COMPILED"))


def twins(area: str) -> list[Any]:
    """The pure twin always; the compiled one when it is built (or required)."""
    params: list[Any] = ["py"]
    if REQUIRE_COMPILED or importlib.util.find_spec(f"fastresp._{area}_c") is not None:
        params.append(pytest.param("c", marks=pytest.mark.compiled))
    return params


def load_twin(area: str, kind: str) -> ModuleType:
    try:
        return importlib.import_module(f"fastresp._{area}_{kind}")
    except ImportError:
        pytest.fail(f"compiled kernel fastresp._{area}_c is required but missing")


@pytest.fixture(scope="session", params=twins("headers"))
def headers_impl(request: pytest.FixtureRequest) -> ModuleType:
    return load_twin("headers", request.param)


@pytest.fixture(scope="session", params=twins("construct"))
def construct_impl(request: pytest.FixtureRequest) -> ModuleType:
    return load_twin("construct", request.param)


@pytest.fixture(scope="session", params=twins("cookies"))
def cookies_impl(request: pytest.FixtureRequest) -> ModuleType:
    return load_twin("cookies", request.param)


@pytest.fixture(scope="session", params=twins("ranges"))
def ranges_impl(request: pytest.FixtureRequest) -> ModuleType:
    return load_twin("ranges", request.param)


@pytest.fixture(scope="session", params=twins("sse"))
def sse_impl(request: pytest.FixtureRequest) -> ModuleType:
    return load_twin("sse", request.param)


@pytest.fixture(scope="session", params=twins("files"))
def files_impl(request: pytest.FixtureRequest) -> ModuleType:
    return load_twin("files", request.param)


@pytest.fixture(scope="session", params=twins("json"))
def json_impl(request: pytest.FixtureRequest) -> ModuleType:
    return load_twin("json", request.param)
