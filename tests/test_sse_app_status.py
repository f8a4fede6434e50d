"""`AppStatus`: sse-starlette 3.7's public surface (`should_exit`, `handle_exit`,
`original_handler`, the two drain switches), compared with sse-starlette's own class, and
streams ended by `handle_exit()` on every backend, trio included."""

import inspect
import os
import signal
from collections.abc import AsyncIterator, Iterator
from typing import Any

import anyio
import pytest
from sse_starlette import sse as their_sse

from fastresp import _shutdown
from fastresp._asgi import Message
from fastresp.sse import AppStatus, EventSourceResponse

from support import REQUEST, make_scope

POLL = 0.01
SURFACE = (
    "should_exit",
    "handle_exit",
    "original_handler",
    "enable_automatic_graceful_drain",
    "disable_automatic_graceful_drain",
    "enable_automatic_graceful_drain_mode",
)
Status = Any  # either library's AppStatus class


@pytest.fixture(autouse=True)
def clean_status(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Both classes' process-wide state is restored; fastresp polls quickly."""
    monkeypatch.setattr(_shutdown, "_POLL_INTERVAL", POLL)
    saved = [(cls, cls.original_handler) for cls in (AppStatus, their_sse.AppStatus)]
    yield
    for cls, handler in saved:
        cls.should_exit = False
        cls.original_handler = handler
        cls.enable_automatic_graceful_drain_mode()


class Calls:
    """An `original_handler` that records its arguments."""

    def __init__(self) -> None:
        self.calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = []

    def __call__(self, *args: Any, **kwargs: Any) -> None:
        self.calls.append((args, kwargs))


def scenario(cls: Status) -> list[object]:
    """What code written for sse-starlette does with `AppStatus`, and what it observes."""
    seen: list[object] = []
    handler = Calls()
    cls.original_handler = handler
    cls.handle_exit(signal.SIGTERM, None)  # drain on: a shutdown request, then the handler
    seen += [cls.should_exit, list(handler.calls)]
    cls.should_exit = False
    cls.disable_automatic_graceful_drain()
    cls.handle_exit(2, frame=None)  # drain off: only the handler runs
    seen += [cls.should_exit, cls.enable_automatic_graceful_drain, list(handler.calls)]
    cls.enable_automatic_graceful_drain_mode()
    cls.original_handler = None
    cls.handle_exit()  # no handler to call
    seen += [cls.should_exit, cls.enable_automatic_graceful_drain]
    cls.should_exit = False
    seen.append(cls.should_exit)
    return seen


def test_same_surface_as_sse_starlette() -> None:
    for name in SURFACE:
        assert hasattr(AppStatus, name), name
    for name in ("handle_exit", "disable_automatic_graceful_drain"):
        ours = inspect.signature(getattr(AppStatus, name))
        theirs = inspect.signature(getattr(their_sse.AppStatus, name))
        assert [(p.name, p.kind) for p in ours.parameters.values()] == [
            (p.name, p.kind) for p in theirs.parameters.values()
        ]
    assert AppStatus.original_handler is None  # fastresp patches no server


def test_handle_exit_behaves_as_sse_starlette() -> None:
    ours = scenario(AppStatus)
    assert ours == scenario(their_sse.AppStatus)
    assert ours[:2] == [True, [((signal.SIGTERM, None), {})]]


# --- streams end on handle_exit(), on every backend -------------------------------------


async def stream(action: Any) -> tuple[list[Message], bool]:
    """An endless stream; `action()` runs once the first event is out. (messages, closed)"""
    closed = False

    async def events() -> AsyncIterator[str]:
        nonlocal closed
        try:
            yield "a"
            await anyio.sleep_forever()
        finally:
            closed = True

    sent: list[Message] = []
    requested = False

    async def receive() -> Message:
        nonlocal requested
        if not requested:
            requested = True
            return dict(REQUEST)
        await anyio.sleep_forever()
        raise AssertionError

    async def send(message: Message) -> None:
        sent.append(message)
        if len(sent) == 2:
            action()

    with anyio.fail_after(5):
        await EventSourceResponse(events())(make_scope(), receive, send)
    return sent, closed


@pytest.mark.anyio
async def test_handle_exit_ends_the_stream() -> None:
    handler = Calls()
    AppStatus.original_handler = handler
    sent, closed = await stream(lambda: AppStatus.handle_exit(signal.SIGTERM, None))
    assert closed and len(sent) == 2  # cut off after the first event, as for should_exit
    assert handler.calls == [((signal.SIGTERM, None), {})]
    assert AppStatus.should_exit is True  # as in sse-starlette: until reset


@pytest.mark.anyio
async def test_handle_exit_with_drain_disabled_leaves_the_stream_to_should_exit() -> None:
    AppStatus.disable_automatic_graceful_drain()

    def exit_then_request() -> None:
        AppStatus.handle_exit()
        assert AppStatus.should_exit is False
        AppStatus.should_exit = True  # what sse-starlette's docs tell such code to do

    sent, closed = await stream(exit_then_request)
    assert closed and len(sent) == 2


@pytest.mark.anyio
async def test_handle_exit_as_the_signal_handler() -> None:
    """sse-starlette code under another server installs it as its SIGTERM handler."""
    previous = signal.signal(signal.SIGTERM, AppStatus.handle_exit)
    try:
        sent, closed = await stream(lambda: os.kill(os.getpid(), signal.SIGTERM))
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert closed and len(sent) == 2
