"""Soak: a real uvicorn (h11 and httptools) under mixed load, then nothing left behind.

For `FASTRESP_SOAK_SECONDS` seconds per HTTP implementation (default 8; the long
variant is opt-in, e.g. `FASTRESP_SOAK_SECONDS=600 pytest tests/e2e/test_soak.py`),
against `soak_app.py` on 127.0.0.1:
- 50 httpx clients send plain, JSON, cookie, redirect, file, HEAD, single and
  multi-range, 416, stream (async and sync), event stream and error requests, and
  check every answer byte for byte;
- 4 slow readers read files, streams and event streams over a small TCP window a
  few hundred bytes at a time, so the server's sends block on flow control, then
  check the whole body;
- 6 clients start files, multi-range files, endless streams and endless event
  streams and close the socket (some with an RST) after part of the body, or
  before any of it.
Then: every request was answered as expected or cleanly aborted; once the clients
are gone the server is back to its starting descriptors and tasks, no request is in
flight, every body iterator that started was closed, worker threads stayed within
anyio's limiter and RSS stayed flat after warm-up; the server logged nothing but the
deliberate failures of the error endpoints, one per request, matched exactly.
"""

import asyncio
import importlib.util
import os
import re
import ssl
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from e2e_server import Server, uvicorn_server
from soak_app import DELIBERATE
from soak_clients import ERRORS, Tally, httpx_client, leaver, new_client, slow_reader

import fastresp

LEVEL = re.compile(r"(DEBUG|INFO|WARNING|ERROR|CRITICAL):  ")  # uvicorn's record prefix
SECONDS = float(os.environ.get("FASTRESP_SOAK_SECONDS", "8"))
HTTPX_CLIENTS, SLOW_READERS, LEAVERS = 50, 4, 6
SETTLE = 15.0  # seconds for the server to notice every closed connection
THREAD_LIMIT = 40 + 2  # anyio's default limiter, the main thread, one spare
# NOTE: growth after the first quarter: catches a gross leak in the CI variant (~1,000
# requests: over 16 KiB a request), a small one in the long variant (600 s: ~300 B).
RSS_BOUND = 16 * 1024 * 1024

# Checks every soak must have run at least once, however short or slow.
MUST_RUN = {
    "check_file", "check_ranges", "check_sse", "check_error_app", "check_error_stream",
    "slow_file", "slow_sse", "leave_file_ranges", "leave_endless", "leave_sse-endless",
}  # fmt: skip

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(2 * SECONDS + 120)]


def soak_data() -> bytes:
    """600 KiB of numbered lines (more than the 256 KiB fastresp reads on the loop at
    once): a misplaced byte range shows."""
    return b"".join(b"%07d soak line 0123456789\n" % n for n in range(20_000))[: 600 * 1024]


@contextmanager
def soak_server(http: str, workdir: Path) -> Iterator[Server]:
    served = workdir / "soak.bin"
    served.write_bytes(soak_data())
    env = {"FASTRESP_SOAK_FILE": str(served)}
    with uvicorn_server("soak_app:app", http, workdir, served, env, ["--backlog", "512"]) as server:
        yield server


async def debug(url: str, tls: ssl.SSLContext) -> dict[str, Any]:
    """The server's state, over a connection of its own that it closes at once."""
    async with new_client(url, tls) as client:
        state: dict[str, Any] = (await client.get("/debug", headers={"Connection": "close"})).json()
        return state


def settled(state: dict[str, Any], base: dict[str, Any]) -> bool:
    stats = state["stats"]
    kinds = {key.partition(".")[0] for key in stats}
    return (
        state["fds"] == base["fds"]
        and state["tasks"] == base["tasks"]
        and state["in_flight"] == 1  # the /debug request itself
        and state["live_iterators"] == 0
        and all(stats.get(k + ".started", 0) == stats.get(k + ".closed", 0) for k in kinds)
    )


async def soak(server: Server, seconds: float) -> dict[str, Any]:
    port = int(server.url.rpartition(":")[2])
    data = server.file.read_bytes()
    tls = ssl.create_default_context()
    base = await debug(server.url, tls)
    tally = Tally()
    samples: list[dict[str, Any]] = []
    deadline = time.monotonic() + seconds

    async def sample() -> None:
        while time.monotonic() < deadline:
            state = await debug(server.url, tls)
            samples.append({"at": time.monotonic() - deadline + seconds, **state})
            await asyncio.sleep(min(1.0, seconds / 10))

    async with asyncio.TaskGroup() as group:
        group.create_task(sample())
        for n in range(HTTPX_CLIENTS):
            group.create_task(httpx_client(server.url, tls, n, deadline, data, tally))
        for n in range(SLOW_READERS):
            group.create_task(slow_reader(port, 1000 + n, deadline, data, tally))
        for n in range(LEAVERS):
            group.create_task(leaver(port, 2000 + n, deadline, data, tally))
    finished = time.monotonic()
    end = await debug(server.url, tls)
    while not settled(end, base) and time.monotonic() < finished + SETTLE:
        await asyncio.sleep(0.1)
        end = await debug(server.url, tls)
    return {"base": base, "end": end, "samples": samples, "tally": tally,
            "settle": time.monotonic() - finished}  # fmt: skip


def log_problems(log: str, expected: dict[str, int]) -> list[str]:
    """Every record of the server's log that is not INFO or one deliberate failure;
    and a count of deliberate failures that differs from the requests made."""
    records: list[list[str]] = []
    for line in log.splitlines():
        if LEVEL.match(line) or not records:
            records.append([line])
        elif line:  # a traceback line, or anything written outside the logging format
            records[-1].append(line)
    found = []
    seen = dict.fromkeys(DELIBERATE, 0)
    deliberate = {line: path for path, line in DELIBERATE.items()}
    for record in records:
        if record[0].startswith("INFO:") and len(record) == 1:
            continue
        tracebacks = sum(line == "Traceback (most recent call last):" for line in record)
        if (
            record[0].split() == ["ERROR:", "Exception", "in", "ASGI", "application"]
            and tracebacks == 1
            and record[-1] in deliberate
        ):
            seen[deliberate[record[-1]]] += 1
        else:
            found.append("\n".join(record))
    if seen != expected:
        found.append(f"deliberate failures logged {seen}, requested {expected}")
    return found


@pytest.mark.parametrize("http", ["h11", "httptools"])
def test_soak(http: str, tmp_path: Path) -> None:
    if importlib.util.find_spec(http) is None:
        pytest.skip(f"uvicorn --http {http} needs the {http} package")
    with soak_server(http, tmp_path) as server:
        result = asyncio.run(soak(server, SECONDS))
    tally: Tally = result["tally"]
    base, end, samples = result["base"], result["end"], result["samples"]
    summary = f"{dict(tally.done)}\nbase {base}\nend {end}\nsettle {result['settle']:.1f} s"
    print(summary)  # NOTE: shown with -rP: what one soak did

    assert (base["compiled"], base["fastresp"]) == (fastresp.COMPILED, fastresp.__file__)
    assert (tally.failed, tally.failures) == (0, []), summary
    assert set(tally.done) >= MUST_RUN, summary
    assert settled(end, base), summary
    assert max(s["threads"] for s in [*samples, end]) <= THREAD_LIMIT, summary
    warm = [s for s in samples if s["at"] >= SECONDS / 4]
    if warm:
        assert max(s["rss"] for s in [*warm, end]) - warm[0]["rss"] < RSS_BOUND, summary
    expected = {path: tally.done[check] for check, path in ERRORS.items()}
    assert log_problems(server.log(), expected) == [], summary


DELIBERATE_RECORD = """ERROR:    Exception in ASGI application
Traceback (most recent call last):
  File "soak_app.py", line 1, in app
    raise RuntimeError(...)
RuntimeError: deliberate soak failure before the response"""


@pytest.mark.parametrize(
    ("extra", "problem"),
    [
        ("", None),
        ("WARNING:  Invalid HTTP request received.", "WARNING:  Invalid HTTP request received."),
        ("ERROR:    ASGI callable returned without completing response.", "ERROR:    ASGI"),
        (DELIBERATE_RECORD, "deliberate failures logged"),
        (DELIBERATE_RECORD.replace("before the response", "elsewhere"), "failure elsewhere"),
        ("Task was destroyed but it is pending!", "Task was destroyed"),
        (DELIBERATE_RECORD + "\n\nDuring handling of the above exception, another exception "
         "occurred:\n\n" + DELIBERATE_RECORD.partition("\n")[2], "During handling"),
    ],
)  # fmt: skip
def test_log_check(extra: str, problem: str | None) -> None:
    """The log check passes the deliberate failures, one per request, and nothing else."""
    log = f"INFO:     Started server process [1]\n{DELIBERATE_RECORD}\n{extra}\nINFO:     Done\n"
    found = log_problems(log, {"/error/app": 1, "/error/stream": 0})
    if problem is None:
        assert found == []
    else:
        assert problem in "\n".join(found), found
