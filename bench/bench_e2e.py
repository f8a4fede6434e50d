"""Smoke test of the end-to-end benchmark (bench/e2e_run.py), no timing: the server
starts, and every endpoint's three members send identical bytes."""

import importlib.util
from pathlib import Path

import pytest
from e2e_run import ENDPOINTS, check_identical, cpu_seconds, server, write_files


@pytest.mark.skipif(
    any(importlib.util.find_spec(m) is None for m in ("uvicorn", "httptools", "uvloop")),
    reason="the end-to-end benchmark needs uvicorn, httptools and uvloop",
)
@pytest.mark.timeout(60)
def test_e2e_members_send_identical_bytes(tmp_path: Path) -> None:
    write_files(tmp_path)
    with server(tmp_path) as (port, pid):
        check_identical(port, ENDPOINTS)
        used = cpu_seconds(pid)
        assert used is None or used > 0
