"""End-to-end benchmark: one uvicorn worker (httptools, uvloop) on 127.0.0.1 serving
bench/e2e_app.py, each endpoint three ways (Starlette, fastresp, raw-ASGI ceiling),
loaded by wrk when installed, else by a Python client.

    python bench/e2e_run.py [--duration 2] [--rounds 3] [--connections 32] [--pure]

First checks that the three members of every endpoint send identical bytes; then, in
each round, loads every endpoint's members one after another (the order rotated per
round) and prints a Markdown table: median requests/s over the rounds, and the
median of the per-round ratios. Where /proc exists, the last column compares the
server's CPU time per request instead (ceiling's / fastresp's): the rate also moves
with the CPU time the machine gives the server, the CPU time per request far less.
`bash bench/run_e2e.sh` does the same from a fresh clone. Timings on a shared machine
are noisy: compare the ratios, not the rates.
"""

import argparse
import asyncio
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

HERE = Path(__file__).resolve().parent
MEMBERS = ("starlette", "fastresp", "ceiling")
ENDPOINTS = ("plain", "json", "file4k", "file1m", "stream", "sse")
STARTUP_TIMEOUT = 20.0


def write_files(directory: Path) -> None:
    """The served files: 4 KiB of text and 1 MiB of bytes, read once (page cache)."""
    line = b"The quick brown fox jumps over the lazy dog. 0123456789\n"
    (directory / "4k.txt").write_bytes((line * 80)[: 4 * 1024])
    (directory / "1m.bin").write_bytes(bytes(range(256)) * 4096)
    for name in ("4k.txt", "1m.bin"):
        (directory / name).read_bytes()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def server(directory: Path, env: dict[str, str] | None = None) -> Iterator[tuple[int, int]]:
    """uvicorn serving e2e_app with one worker; yields its port and pid, stops it after."""
    port = _free_port()
    fastresp_home = str(HERE.parent)
    environment = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [fastresp_home, os.environ.get("PYTHONPATH")])),
        "FASTRESP_E2E_DIR": str(directory),
        **(env or {}),
    }
    command = [
        sys.executable, "-m", "uvicorn", "e2e_app:app", "--app-dir", str(HERE),
        "--host", "127.0.0.1", "--port", str(port), "--http", "httptools", "--loop", "uvloop",
        "--workers", "1", "--lifespan", "off", "--no-access-log", "--log-level", "warning",
        "--no-server-header", "--no-date-header",
    ]  # fmt: skip
    log = directory / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            env=environment, cwd=directory,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"uvicorn exited early:\n{log.read_text()}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"uvicorn did not start:\n{log.read_text()}") from None
                time.sleep(0.05)
        yield port, process.pid
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


def fetch(port: int, path: str) -> bytes:
    """The response to one GET, exactly as sent (status line, headers, body)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n".encode())
        parts = []
        while data := sock.recv(1 << 20):
            parts.append(data)
    return b"".join(parts)


def check_identical(port: int, endpoints: Sequence[str] = ENDPOINTS) -> None:
    """Every member of an endpoint sends the same bytes, a 200; else AssertionError."""
    for endpoint in endpoints:
        answers = {member: fetch(port, f"/{member}/{endpoint}") for member in MEMBERS}
        if not answers["ceiling"].startswith(b"HTTP/1.1 200 "):
            raise AssertionError(f"/{endpoint}: {answers['ceiling'][:200]!r}")
        for member in ("starlette", "fastresp"):
            if answers[member] != answers["ceiling"]:
                raise AssertionError(
                    f"/{member}/{endpoint} differs from the ceiling:\n"
                    f"{answers[member][:400]!r}\n{answers['ceiling'][:400]!r}"
                )


# --- load --------------------------------------------------------------------------------


def load_wrk(url: str, duration: float, connections: int) -> float:
    out = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(duration))}s", url],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    if "Non-2xx" in out or "Socket errors" in out:
        raise RuntimeError(f"wrk saw errors on {url}:\n{out}")
    match = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if match is None:
        raise RuntimeError(f"no rate in wrk's output:\n{out}")
    return float(match.group(1))


async def _client(port: int, path: str, until: float) -> int:
    """Keep-alive GETs on one connection until `until`; the responses read in full."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    request = f"GET {path} HTTP/1.1\r\nHost: bench\r\n\r\n".encode()
    done = 0
    loop = asyncio.get_running_loop()
    while loop.time() < until:
        writer.write(request)
        head = await reader.readuntil(b"\r\n\r\n")
        if not head.startswith(b"HTTP/1.1 200 "):
            raise RuntimeError(f"{path}: {head[:100]!r}")
        length = re.search(rb"(?i)\r\ncontent-length: *(\d+)", head)
        if length is not None:
            await reader.readexactly(int(length.group(1)))
        else:  # chunked
            while size := int((await reader.readuntil(b"\r\n"))[:-2], 16):
                await reader.readexactly(size + 2)
            await reader.readexactly(2)
        done += 1
    writer.close()
    return done


async def _clients(port: int, path: str, duration: float, connections: int) -> int:
    until = asyncio.get_running_loop().time() + duration
    counts = await asyncio.gather(*(_client(port, path, until) for _ in range(connections)))
    return sum(counts)


def load_python(url: str, duration: float, connections: int) -> float:
    """Two client processes (uvloop when installed), `connections` between them."""
    port, path = re.fullmatch(r"http://127\.0\.0\.1:(\d+)(/.*)", url).groups()  # type: ignore[union-attr]
    share = [connections // 2, connections - connections // 2]
    command = [sys.executable, __file__, "--client", port, path, str(duration)]
    started = time.monotonic()
    processes = [
        subprocess.Popen([*command, str(n)], stdout=subprocess.PIPE, text=True) for n in share
    ]
    total = sum(int(p.communicate()[0]) for p in processes)
    return total / max(duration, time.monotonic() - started - 0.3)


def _client_main(port: str, path: str, duration: str, connections: str) -> None:
    try:
        import uvloop

        run = uvloop.run
    except ImportError:
        run = asyncio.run
    print(run(_clients(int(port), path, float(duration), int(connections))))


def cpu_seconds(pid: int) -> float | None:
    """User plus system CPU time of process `pid` and its threads; None without /proc."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rpartition(")")[2].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# --- report ------------------------------------------------------------------------------


Samples = dict[str, dict[str, list[float]]]  # member -> endpoint -> one value per round


def table(rates: Samples, cpu: Samples | None, endpoints: Sequence[str]) -> str:
    """Median requests/s per member; each ratio is the median of the per-round ratios
    (members of a round run back to back, so a slow drift in the machine's load
    cancels out). `cpu`: the server's CPU seconds per request, for the last column."""

    def ratio(samples: Samples, top: str, bottom: str, endpoint: str) -> float:
        pairs = zip(samples[top][endpoint], samples[bottom][endpoint], strict=True)
        return statistics.median(a / b for a, b in pairs)

    lines = [
        "| endpoint | Starlette req/s | fastresp req/s | ceiling req/s "
        "| fastresp / Starlette | ceiling / Starlette | fastresp / ceiling "
        + ("| fastresp / ceiling (server CPU per request) |" if cpu else "|"),
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |" + (" ---: |" if cpu else ""),
    ]
    for endpoint in endpoints:
        s, f, c = (statistics.median(rates[m][endpoint]) for m in MEMBERS)
        line = (
            f"| /{endpoint} | {s:,.0f} | {f:,.0f} | {c:,.0f} "
            f"| {ratio(rates, 'fastresp', 'starlette', endpoint):.2f}x "
            f"| {ratio(rates, 'ceiling', 'starlette', endpoint):.2f}x "
            f"| {ratio(rates, 'fastresp', 'ceiling', endpoint):.2f} |"
        )
        if cpu:
            line += f" {ratio(cpu, 'ceiling', 'fastresp', endpoint):.2f} |"
        lines.append(line)
    return "\n".join(lines)


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--client":
        _client_main(*sys.argv[2:6])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=2.0, help="seconds per load run")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--endpoints", default=",".join(ENDPOINTS))
    parser.add_argument("--client", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument("--pure", action="store_true", help="FASTRESP_NO_EXTENSIONS=1")
    args = parser.parse_args()
    endpoints = args.endpoints.split(",")
    use_wrk = args.client == "wrk" or (args.client == "auto" and shutil.which("wrk"))
    load = load_wrk if use_wrk else load_python
    env = {"FASTRESP_NO_EXTENSIONS": "1"} if args.pure else {}
    rates: Samples = {m: {e: [] for e in endpoints} for m in MEMBERS}
    cpu: Samples | None = {m: {e: [] for e in endpoints} for m in MEMBERS}
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        write_files(directory)
        with server(directory, env) as (port, pid):
            check_identical(port, endpoints)
            base = f"http://127.0.0.1:{port}"
            for endpoint in endpoints:  # NOTE: warm-up, not counted
                for member in MEMBERS:
                    load(f"{base}/{member}/{endpoint}", 1, args.connections)
            for round_ in range(args.rounds):
                for endpoint in endpoints:
                    order = MEMBERS[round_ % 3 :] + MEMBERS[: round_ % 3]
                    for member in order:
                        before = cpu_seconds(pid)
                        rate = load(f"{base}/{member}/{endpoint}", args.duration, args.connections)
                        after = cpu_seconds(pid)
                        rates[member][endpoint].append(rate)
                        if cpu is not None and before is not None and after is not None:
                            cpu[member][endpoint].append((after - before) / (rate * args.duration))
                        else:
                            cpu = None
                print(f"round {round_ + 1}/{args.rounds} done", file=sys.stderr)
    import fastresp

    path = "pure" if args.pure else ("compiled" if fastresp.COMPILED else "pure")
    print(
        f"<!-- uvicorn httptools+uvloop, 1 worker; {'wrk' if use_wrk else 'python client'}, "
        f"{args.connections} connections, {args.rounds} rounds of {args.duration:g} s; "
        f"fastresp {path}; {os.cpu_count()} CPUs -->"
    )
    print(table(rates, cpu, endpoints))


if __name__ == "__main__":
    main()
