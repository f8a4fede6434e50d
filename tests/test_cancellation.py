"""Streams and cancellation (issue 4): StreamingResponse and EventSourceResponse, on
asyncio, uvloop and trio. Each response must end promptly, close its body iterator
(so its `finally:` runs) and leave no task behind, checked right after it returns."""

import inspect
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import anyio
import anyio.lowlevel
import pytest
from stream_support import END, frozen_call, live_tasks

import fastresp
from fastresp._asgi import Message
from fastresp.sse import SendTimeoutError

from support import REQUEST, call, make_scope

pytestmark = pytest.mark.anyio

CLASSES = {"streaming": fastresp.StreamingResponse, "sse": fastresp.EventSourceResponse}


class Body:
    """An endless body, async or sync, that records how far it got."""

    def __init__(self, sync: bool = False, delay: float = 0) -> None:
        self.sync = sync
        self.delay = delay  # before each item
        self.started = False
        self.closed = False

    def make(self) -> Any:
        return self.gen() if self.sync else self.agen()

    async def agen(self) -> AsyncIterator[bytes]:
        self.started = True
        try:
            while True:
                if self.delay:
                    await anyio.sleep(self.delay)
                yield b"data: x\n\n"
        finally:
            self.closed = True

    def gen(self) -> Iterator[bytes]:
        self.started = True
        try:
            while True:
                if self.delay:
                    time.sleep(self.delay)  # in a worker thread
                yield b"data: x\n\n"
        finally:
            self.closed = True


def response(kind: str, body: Any, **kwargs: Any) -> Any:
    if kind == "sse":
        kwargs.setdefault("ping", 0.01)  # a ping task runs beside the stream too
    return CLASSES[kind](body, **kwargs)


async def slow_client(app: Any, *, after: int, style: str) -> tuple[list[Message], float]:
    """A client that stops reading after `after` messages: `send` blocks from then on.

    "receive": `receive()` then reports `http.disconnect` (ASGI < 2.4, spec 2.3 scope);
    "oserror": the blocked `send` raises OSError a moment later (ASGI 2.4 scope).
    Returns what was sent and how long the response took once the client left.
    """
    sent: list[Message] = []
    blocked = anyio.Event()
    left_at = 0.0
    requested = False

    async def receive() -> Message:
        nonlocal requested, left_at
        if not requested:
            requested = True
            return dict(REQUEST)
        if style == "receive":
            await blocked.wait()
            left_at = time.monotonic()
            return {"type": "http.disconnect"}
        await anyio.sleep_forever()
        raise AssertionError

    async def send(message: Message) -> None:
        nonlocal left_at
        if len(sent) >= after:
            blocked.set()
            if style == "oserror":
                await anyio.sleep(0.01)
                left_at = time.monotonic()
                raise OSError("client went away")
            await anyio.sleep_forever()
        sent.append(message)

    spec = "2.3" if style == "receive" else "2.4"
    with anyio.fail_after(5):
        await app(make_scope(spec_version=spec), receive, send)
    return sent, time.monotonic() - left_at


@pytest.mark.parametrize("kind", CLASSES)
@pytest.mark.parametrize("style", ["receive", "oserror"])
@pytest.mark.parametrize("sync", [False, True], ids=["async", "sync"])
async def test_disconnect_while_send_is_blocked(kind: str, style: str, sync: bool) -> None:
    before = live_tasks()
    body = Body(sync)
    app = response(kind, body.make())
    expected: type[BaseException] | None = None
    if style == "oserror":
        expected = fastresp.ClientDisconnect if kind == "streaming" else OSError
    try:
        sent, took = await slow_client(app, after=3, style=style)
    except BaseException as exc:
        # NOTE: the SSE ping task may be in `send` too when the client goes away: both
        # sends fail and both errors are raised as a group (as sse-starlette's task group).
        group = kind == "sse" and isinstance(exc, BaseExceptionGroup)
        errors = list(exc.exceptions) if group else [exc]  # type: ignore[attr-defined]
        assert expected is not None and all(type(e) is expected for e in errors), exc
    else:
        assert expected is None
        assert took < 1
        assert sent[-1]["more_body"] is True
    assert body.closed
    assert live_tasks() == before


@pytest.mark.parametrize("kind", CLASSES)
@pytest.mark.parametrize("method_or_status", ["HEAD", 100, 204, 304])
@pytest.mark.parametrize("sync", [False, True], ids=["async", "sync"])
async def test_no_content_never_iterates(kind: str, method_or_status: Any, sync: bool) -> None:
    before = live_tasks()
    body = Body(sync)
    iterator = body.make()
    method, status = ("HEAD", 200) if method_or_status == "HEAD" else ("GET", method_or_status)
    with anyio.fail_after(5):
        ex = await call(response(kind, iterator, status_code=status), method=method)
    assert [m["type"] for m in ex.messages] == ["http.response.start", "http.response.body"]
    assert ex.messages[0]["status"] == status
    assert ex.messages[1] == END
    assert not body.started
    if sync:
        assert inspect.getgeneratorstate(iterator) == "GEN_CLOSED"
    else:
        assert iterator.ag_frame is None  # closed
    assert live_tasks() == before


@pytest.mark.parametrize("kind", CLASSES)
@pytest.mark.parametrize("spec", ["2.3", "2.4"])
async def test_an_iterator_error_propagates_and_never_completes(kind: str, spec: str) -> None:
    before = live_tasks()
    sent: list[Message] = []

    async def fails() -> AsyncIterator[str]:
        yield "a"
        await anyio.sleep(0.02)  # the helpers get to start
        raise RuntimeError("boom")

    async def app(scope: Any, receive: Any, send: Any) -> None:
        async def send_and_log(message: Message) -> None:
            sent.append(message)
            await send(message)

        await response(kind, fails())(scope, receive, send_and_log)

    with anyio.fail_after(5), pytest.raises(RuntimeError, match=r"^boom$"):
        await call(app, spec_version=spec)
    assert sent[-1]["more_body"] is True
    assert all(m.get("more_body", True) for m in sent)
    assert live_tasks() == before


@pytest.mark.parametrize("chunk", [1, {"data": "x"}, None], ids=["int", "dict", "None"])
async def test_a_wrong_chunk_type_is_a_type_error(chunk: object) -> None:
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    async def receive() -> Message:
        await anyio.sleep_forever()
        raise AssertionError

    async def body() -> AsyncIterator[Any]:
        yield b"a"
        yield chunk

    response = fastresp.StreamingResponse(body())
    with pytest.raises(TypeError) as caught:
        await response(make_scope(), receive, send)
    kind = type(chunk).__name__
    assert str(caught.value) == (
        f"StreamingResponse chunks must be str, bytes or memoryview, not {kind}"
    )
    assert [m.get("more_body") for m in sent] == [None, True]


# --- EventSourceResponse: send_timeout, pings, no spinning -------------------------------


def event_message(message: Message) -> bool:
    return bytes(message.get("body", b"")).startswith(b"data: x")


def ping_message(message: Message) -> bool:
    return bytes(message.get("body", b"")).startswith(b": ping")


@pytest.mark.parametrize("frozen", [event_message, ping_message], ids=["event", "ping"])
@pytest.mark.parametrize("sync", [False, True], ids=["async", "sync"])
async def test_send_timeout_ends_a_frozen_call(
    frozen: Callable[[Message], bool], sync: bool
) -> None:
    before = live_tasks()
    # Events slower than the pings: a ping is sent (and freezes) between them.
    slow = Body(sync, delay=0.03)
    started = time.monotonic()
    app = fastresp.EventSourceResponse(slow.make(), ping=0.01, send_timeout=0.05)
    with pytest.raises(SendTimeoutError):
        await frozen_call(app, frozen)
    assert time.monotonic() - started < 2
    assert slow.closed
    assert live_tasks() == before


async def test_ping_zero_never_spins() -> None:
    async def slow() -> AsyncIterator[str]:
        yield "a"
        await anyio.sleep(0.2)
        yield "b"

    cpu = time.thread_time()
    ex = await call(fastresp.EventSourceResponse(slow(), ping=0))
    # NOTE: CPU time of this thread, not wall time: other processes do not count.
    assert time.thread_time() - cpu < 0.1
    assert ex.complete


@pytest.mark.parametrize("callbacks", [False, True], ids=["own-helpers", "user-callbacks"])
async def test_no_helper_outlives_a_complete_stream(callbacks: bool) -> None:
    before = live_tasks()

    async def sender() -> None:
        await anyio.sleep_forever()

    async def close_handler(message: Message) -> None:
        pass

    async def events() -> AsyncIterator[str]:
        for text in ("a", "b"):
            await anyio.sleep(0.02)  # the ping, listener and sender tasks run meanwhile
            yield text

    extra: dict[str, Any] = {}
    if callbacks:
        extra = {"data_sender_callable": sender, "client_close_handler_callable": close_handler}
    ex = await call(fastresp.EventSourceResponse(events(), ping=0.005, **extra))
    assert ex.complete
    assert live_tasks() == before


async def test_a_dead_client_fails_once_not_twice() -> None:
    """ASGI 2.4: the first failed send ends the stream; no ping is sent after it, so the
    caller sees that one OSError, not a group of it and a ping's."""
    closed = False

    async def events() -> AsyncIterator[dict[str, str]]:
        nonlocal closed
        try:
            while True:
                yield {"data": "x"}
                await anyio.sleep(0)
        finally:
            await anyio.sleep(0.01)  # an async cleanup: pings are due meanwhile
            closed = True

    async def receive() -> Message:
        await anyio.sleep_forever()
        raise AssertionError

    async def send(message: Message) -> None:
        if message["type"] == "http.response.body":
            raise OSError("client went away")

    response = fastresp.EventSourceResponse(events(), ping=0.001)
    with pytest.raises(OSError, match="client went away"):
        await response(make_scope(spec_version="2.4"), receive, send)
    assert closed
