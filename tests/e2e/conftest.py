"""Fixtures: one real uvicorn per HTTP implementation (h11, httptools) per module."""

import importlib.util
from collections.abc import Iterator

import httpx
import pytest
from e2e_server import Server, running_server


@pytest.fixture(scope="module", params=["h11", "httptools"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    http: str = request.param
    if importlib.util.find_spec(http) is None:
        pytest.skip(f"uvicorn --http {http} needs the {http} package")
    with running_server(http, tmp_path_factory.mktemp(f"e2e-{http}")) as server:
        yield server


@pytest.fixture
def client(server: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=10.0, trust_env=False) as client:
        yield client
