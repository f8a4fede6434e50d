"""Start and stop a real uvicorn serving tests/e2e/app.py on 127.0.0.1."""

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

import fastresp

HERE = Path(__file__).resolve().parent
# Where the tests' own fastresp lives: the source tree, or site-packages for a wheel.
FASTRESP_HOME = Path(fastresp.__file__).resolve().parents[1]
STARTUP_TIMEOUT = 20.0
STOP_TIMEOUT = 10.0

Process = subprocess.Popen[bytes]


@dataclass
class Server:
    url: str
    http: str
    file: Path
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def file_content() -> bytes:
    """200 KiB of numbered lines: several 64 KiB chunks, every offset recognisable."""
    lines = b"".join(b"%06d abcdefghijklmnopqrstuvwxyz\n" % n for n in range(6000))
    return lines[: 200 * 1024]


def stop(process: Process) -> None:
    """SIGTERM, then SIGKILL if uvicorn has not exited in time; always reaped."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(STOP_TIMEOUT)


def wait_until_up(process: Process, port: int, log_path: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while True:
        if process.poll() is not None:
            pytest.fail(
                f"uvicorn exited with {process.returncode} before accepting connections:\n"
                + log_path.read_text(errors="replace")
            )
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                pytest.fail(
                    f"uvicorn did not accept connections within {STARTUP_TIMEOUT} s:\n"
                    + log_path.read_text(errors="replace")
                )
            time.sleep(0.05)


@contextmanager
def uvicorn_server(
    app: str, http: str, workdir: Path, served: Path, env: dict[str, str], args: Sequence[str]
) -> Iterator[Server]:
    """uvicorn serving `app` (tests/e2e's `module:attr`) with `--http <http>` in a
    subprocess, up and accepting until the block ends; `env` and `args` are added."""
    log_path = workdir / "server.log"
    port = free_port()
    environment = {
        **os.environ,
        # The server imports the same fastresp as the tests, compiled or not.
        "PYTHONPATH": os.pathsep.join(
            filter(None, [str(FASTRESP_HOME), os.environ.get("PYTHONPATH")])
        ),
        **env,
    }
    command = [
        sys.executable, "-m", "uvicorn", app, "--app-dir", str(HERE),
        "--host", "127.0.0.1", "--port", str(port), "--http", http,
        "--lifespan", "off", "--no-access-log", "--timeout-graceful-shutdown", "3", *args,
    ]  # fmt: skip
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            env=environment, cwd=workdir,
        )  # fmt: skip
    try:
        wait_until_up(process, port, log_path)
        yield Server(url=f"http://127.0.0.1:{port}", http=http, file=served, log_path=log_path)
    finally:
        stop(process)


@contextmanager
def running_server(http: str, workdir: Path) -> Iterator[Server]:
    """tests/e2e/app.py under uvicorn `--http <http>`, until the block ends."""
    served = workdir / "data.txt"
    served.write_bytes(file_content())
    with uvicorn_server(
        "app:app",
        http,
        workdir,
        served,
        {
            "FASTRESP_NO_EXTENSIONS": os.environ.get("FASTRESP_NO_EXTENSIONS", ""),
            "FASTRESP_E2E_FILE": str(served),
        },
        ["--no-server-header", "--no-date-header"],
    ) as server:
        yield server
