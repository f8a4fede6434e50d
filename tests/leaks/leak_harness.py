"""The in-process ASGI side of the leak run: a client per response, body iterators
that record being started and closed, and the checks scenarios make."""

from collections.abc import AsyncIterator, Awaitable, Iterator
from dataclasses import dataclass
from typing import Any

import anyio

Message = dict[str, Any]
CHUNK = b"0123456789abcdef" * 64  # 1 KiB


class Mismatch(AssertionError):
    """A response sent or raised something other than what the scenario expects."""


class Boom(Exception):
    """Raised on purpose by a body iterator."""


@dataclass
class Body:
    """What one body iterator did: started (its first step ran) and closed (`finally`)."""

    started: bool = False
    closed: bool = False


@dataclass
class Totals:
    """Counts over the whole run (the driver reports them)."""

    responses: int = 0
    started: int = 0
    closed: int = 0
    background: int = 0


TOTALS = Totals()


class Client:
    """One request's ASGI side: `receive` and `send`, recording what was sent.

    `receive` gives the request, then blocks until `disconnect_after` messages were
    sent (never if None). `send` raises OSError once `fail_after` messages went out;
    with `freeze_after` it blocks forever instead (a client that stopped reading).
    """

    __slots__ = ("_gone", "_requested", "chunks", "disconnect_after", "fail_after", "freeze_after",
                 "messages", "more_body", "status")  # fmt: skip

    def __init__(
        self,
        disconnect_after: int | None = None,
        fail_after: int | None = None,
        freeze_after: int | None = None,
    ) -> None:
        TOTALS.responses += 1
        self.disconnect_after = disconnect_after
        self.fail_after = fail_after
        self.freeze_after = freeze_after
        self.messages = 0
        self.status = 0
        self.more_body = True
        self.chunks: list[bytes] = []
        self._requested = False
        self._gone = anyio.Event()
        if disconnect_after == 0:
            self._gone.set()

    async def receive(self) -> Message:
        if not self._requested:
            self._requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await self._gone.wait()
        return {"type": "http.disconnect"}

    async def send(self, message: Any) -> None:
        if self.fail_after is not None and self.messages >= self.fail_after:
            raise OSError("client went away")
        if self.freeze_after is not None and self.messages >= self.freeze_after:
            await anyio.Event().wait()
        self.messages += 1
        if message["type"] == "http.response.start":
            self.status = message["status"]
        else:
            self.chunks.append(bytes(message.get("body", b"")))
            self.more_body = message.get("more_body", False)
        if self.disconnect_after is not None and self.messages >= self.disconnect_after:
            self._gone.set()

    @property
    def body(self) -> bytes:
        return b"".join(self.chunks)

    @property
    def complete(self) -> bool:
        return self.messages > 1 and not self.more_body


def scope(method: str = "GET", headers: list[tuple[bytes, bytes]] | None = None,
          spec: str = "2.3") -> dict[str, Any]:  # fmt: skip
    return {
        "type": "http", "method": method, "path": "/", "raw_path": b"/", "query_string": b"",
        "headers": headers or [], "http_version": "1.1", "scheme": "http",
        "server": ("127.0.0.1", 8000), "client": ("127.0.0.1", 50000), "root_path": "",
        "extensions": {}, "asgi": {"version": "3.0", "spec_version": spec},
    }  # fmt: skip


def expect(condition: bool, what: str) -> None:
    if not condition:
        raise Mismatch(what)


async def expect_raises(
    kind: type[BaseException] | tuple[type[BaseException], ...], call: Awaitable[None]
) -> BaseException:
    try:
        await call
    except kind as exc:
        return exc
    raise Mismatch(f"expected {kind}")


# --- bodies ----------------------------------------------------------------------------


async def agen(body: Body, count: int | None, fail_at: int | None = None) -> AsyncIterator[bytes]:
    """`count` chunks (endless if None), a checkpoint after each; raises Boom at `fail_at`."""
    body.started = True
    TOTALS.started += 1
    try:
        n = 0
        while count is None or n < count:
            if n == fail_at:
                raise Boom("iterator failed on purpose")
            yield CHUNK
            await anyio.sleep(0)
            n += 1
    finally:
        body.closed = True
        TOTALS.closed += 1


def sgen(body: Body, count: int | None, fail_at: int | None = None) -> Iterator[bytes]:
    """The sync twin of `agen` (stepped in worker threads)."""
    body.started = True
    TOTALS.started += 1
    try:
        n = 0
        while count is None or n < count:
            if n == fail_at:
                raise Boom("iterator failed on purpose")
            yield CHUNK
            n += 1
    finally:
        body.closed = True
        TOTALS.closed += 1


async def events(body: Body, count: int | None, pause: float, fail_at: int | None = None
                 ) -> AsyncIterator[dict[str, str]]:  # fmt: skip
    body.started = True
    TOTALS.started += 1
    try:
        n = 0
        while count is None or n < count:
            if n == fail_at:
                raise Boom("event source failed on purpose")
            yield {"data": f"event {n}\nline two", "id": str(n), "event": "tick"}
            await anyio.sleep(pause)
            n += 1
    finally:
        body.closed = True
        TOTALS.closed += 1


async def count_background() -> None:
    TOTALS.background += 1
