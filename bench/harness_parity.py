"""The parity check: every member must put Starlette's bytes on the wire.

Each member is run once, outside the timed loop, and compared with Starlette's output
for the same scenario (recorded once per session); a member that differs, or raises,
fails its benchmark loudly, so a group can never compare different work. Only what may
legitimately differ is normalised: the multipart boundary (random), SSE pings (timed),
a `date` header, and header order (a warning, not a failure).
"""

import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass

from harness_drivers import App, BlockingReceive, Exchange, LoopDriver, Scope, step

__all__ = ["record_async", "record_sync", "verify"]


@dataclass(frozen=True)
class _Wire:
    status: int
    headers: tuple[tuple[bytes, bytes], ...]
    body: bytes


_BOUNDARY = re.compile(rb"multipart/byteranges; boundary=(\S+)")
_SSE_PING = re.compile(rb": ping - [^\r\n]*(?:\r\n|\r|\n)(?:\r\n|\r|\n)")


def _to_wire(exchange: Exchange, *, head: bool) -> _Wire:
    """Validate one response's messages and normalise what may legitimately differ:
    the multipart boundary (random), SSE pings (timed) and a `date` header."""
    kinds = [kind for kind, _ in exchange.messages]
    if not kinds or kinds[0] != "http.response.start" or "http.response.start" in kinds[1:]:
        raise AssertionError(f"expected one http.response.start first, got {kinds[:5]}...")
    if kinds[-1] != "http.response.body" or exchange.messages[-1][1].get("more_body", False):
        raise AssertionError(f"the response did not finish: last message {kinds[-1]!r}")
    if set(kinds[1:]) - {"http.response.body"}:
        raise AssertionError(f"unexpected message types {sorted(set(kinds[1:]))}")
    start = exchange.messages[0][1]
    headers = [(k, v) for k, v in start["headers"] if k != b"date"]
    body = b"".join(m["body"] for _, m in exchange.messages[1:] if "body" in m)
    declared = [v for k, v in headers if k == b"content-length"]
    if declared and not head and int(declared[0]) != len(body):
        raise AssertionError(f"content-length {declared[0]!r} but {len(body)} body bytes")
    for i, (name, value) in enumerate(headers):
        match = _BOUNDARY.fullmatch(value) if name == b"content-type" else None
        if match is not None:
            body = body.replace(b"--" + match.group(1), b"--BOUNDARY")
            headers[i] = (name, b"multipart/byteranges; boundary=BOUNDARY")
            headers = [
                (k, str(len(body)).encode() if k == b"content-length" else v) for k, v in headers
            ]
            break
    if any(k == b"content-type" and v.startswith(b"text/event-stream") for k, v in headers):
        body = _SSE_PING.sub(b"", body)
    return _Wire(int(start["status"]), tuple(headers), body)


def _describe_difference(member: str, got: _Wire, want: _Wire) -> str:
    lines = [f"{member} does not send the same bytes as starlette:"]
    if got.status != want.status:
        lines.append(f"  status {got.status} != {want.status}")
    if sorted(got.headers) != sorted(want.headers):
        lines.append(f"  headers {list(got.headers)}")
        lines.append(f"       != {list(want.headers)}")
    if got.body != want.body:
        at = next(
            (i for i, (a, b) in enumerate(zip(got.body, want.body, strict=False)) if a != b),
            min(len(got.body), len(want.body)),
        )
        lines.append(
            f"  body: {len(got.body)} != {len(want.body)} bytes, first difference at {at}: "
            f"{got.body[at : at + 40]!r} != {want.body[at : at + 40]!r}"
        )
    return "\n".join(lines)


_REFERENCES: dict[str, _Wire] = {}


def verify(
    scenario: str,
    member: str,
    record: Callable[[], Exchange],
    reference: Callable[[], Exchange],
    *,
    head: bool = False,
) -> None:
    """Fail unless `member` sends what Starlette sends for `scenario` (checked once per
    member, outside the timed loop; Starlette's output is recorded once per session)."""
    want = _REFERENCES.get(scenario)
    if want is None:
        want = _REFERENCES[scenario] = _to_wire(reference(), head=head)
    if member == "starlette":
        return
    got = _to_wire(record(), head=head)
    if (
        got.status != want.status
        or got.body != want.body
        or sorted(got.headers) != sorted(want.headers)
    ):
        raise AssertionError(_describe_difference(member, got, want))
    if got.headers != want.headers:
        warnings.warn(
            f"{scenario}: {member} sends Starlette's headers in another order: "
            f"{[k for k, _ in got.headers]} vs {[k for k, _ in want.headers]}",
            stacklevel=2,
        )


def record_sync(app: App, scope: Scope) -> Exchange:
    exchange = Exchange()
    step(app(scope, BlockingReceive(), exchange.send))
    return exchange


def record_async(app: App, scope: Scope) -> Exchange:
    exchange = Exchange()
    driver = LoopDriver()
    try:
        driver.run(app(scope, BlockingReceive(), exchange.send))
    finally:
        driver.close()
    return exchange
