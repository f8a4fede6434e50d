"""EventSourceResponse: graceful shutdown and task hygiene (differences 1-2)."""

import asyncio
import signal
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from types import FrameType
from unittest import mock

import anyio
import pytest
from sse_starlette import sse as their_sse

from fastresp import _shutdown
from fastresp._asgi import Message
from fastresp.sse import AppStatus, EventSourceResponse

from sse_support import Recorder, after, drive
from support import call

pytestmark = pytest.mark.anyio

POLL = 0.01
START: Message = {
    "type": "http.response.start",
    "status": 200,
    "headers": [
        (b"cache-control", b"no-store"),
        (b"connection", b"keep-alive"),
        (b"x-accel-buffering", b"no"),
        (b"content-type", b"text/event-stream; charset=utf-8"),
    ],
}
END: Message = {"type": "http.response.body", "body": b"", "more_body": False}


def body(text: str) -> Message:
    return {
        "type": "http.response.body",
        "body": f"data: {text}\r\n\r\n".encode(),
        "more_body": True,
    }


@pytest.fixture(autouse=True)
def app_status(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Both libraries' process-wide flags start and end cleared; fastresp polls quickly."""
    monkeypatch.setattr(_shutdown, "_POLL_INTERVAL", POLL)

    def reset() -> None:
        AppStatus.should_exit = False
        AppStatus.enable_automatic_graceful_drain_mode()
        their_sse.AppStatus.should_exit = False

    reset()
    yield
    reset()


def request_shutdown() -> None:
    AppStatus.should_exit = True


async def test_shutdown_ends_the_stream() -> None:
    # Difference 1: this runs on trio too.
    source = Recorder("a")
    event = anyio.Event()
    response = EventSourceResponse(source.gen(), shutdown_event=event)
    with anyio.fail_after(5):
        sent = await drive(response, after(2, request_shutdown))
    assert sent == [START, body("a")]
    assert event.is_set()
    assert source.closed


@pytest.mark.parametrize("anyio_backend", ["trio"])
async def test_difference_1_sse_starlette_misses_shutdown_on_trio() -> None:
    async def shut_down_later() -> None:
        await anyio.sleep(0.05)  # every task of the response is waiting by now
        their_sse.AppStatus.should_exit = True

    response = their_sse.EventSourceResponse(Recorder("a").gen(), ping=0)
    with anyio.move_on_after(0.3) as scope:
        async with anyio.create_task_group() as group:
            group.start_soon(shut_down_later)
            await drive(response)
    assert scope.cancelled_caught  # still streaming: nobody watched the flag


async def test_shutdown_already_requested() -> None:
    request_shutdown()
    source = Recorder("a")
    event = anyio.Event()
    with anyio.fail_after(5):
        sent = await drive(EventSourceResponse(source.gen(), shutdown_event=event))
    assert sent == [START, body("a")]
    assert event.is_set()
    assert source.closed


async def test_shutdown_grace_lets_the_stream_say_goodbye() -> None:
    event = anyio.Event()

    async def gen() -> AsyncIterator[str]:
        yield "a"
        await event.wait()
        yield "bye"

    response = EventSourceResponse(gen(), shutdown_event=event, shutdown_grace_period=30)
    with anyio.fail_after(5):
        sent = await drive(response, after(2, request_shutdown))
    assert sent == [START, body("a"), body("bye"), END]


async def test_shutdown_grace_period_is_honoured() -> None:
    grace = 0.2
    source = Recorder("a")
    event = anyio.Event()
    times: dict[str, float] = {}

    def shut_down() -> None:
        times["requested"] = anyio.current_time()
        request_shutdown()

    async def note_event() -> None:
        await event.wait()
        times["event"] = anyio.current_time()

    response = EventSourceResponse(source.gen(), shutdown_event=event, shutdown_grace_period=grace)
    with anyio.fail_after(5):
        async with anyio.create_task_group() as group:
            group.start_soon(note_event)
            sent = await drive(response, after(2, shut_down))
            times["ended"] = anyio.current_time()
    assert sent == [START, body("a")]
    assert times["event"] - times["requested"] < grace
    # NOTE: uvloop rounds timers to the millisecond, so the deadline may fire a hair early.
    assert grace - 0.005 <= times["ended"] - times["requested"] < grace + 1
    assert source.closed


async def test_shutdown_ends_every_stream_of_the_loop() -> None:
    sources = [Recorder(str(index)) for index in range(4)]
    started = 0

    def count_start(sent: list[Message]) -> None:
        nonlocal started
        if len(sent) == 2:
            started += 1
            if started == len(sources):
                request_shutdown()

    with anyio.fail_after(5):
        async with anyio.create_task_group() as group:
            for index, source in enumerate(sources):
                response = EventSourceResponse(source.gen(), shutdown_grace_period=index * POLL)
                group.start_soon(drive, response, count_start)
    assert all(source.closed for source in sources)


async def test_watcher_moves_to_a_live_stream() -> None:
    release = anyio.Event()
    first_done = anyio.Event()
    second_started = anyio.Event()

    async def first() -> AsyncIterator[str]:
        yield "a"
        await release.wait()

    async def run_first() -> None:
        await drive(EventSourceResponse(first()))
        first_done.set()

    second = Recorder("b")
    with anyio.fail_after(5):
        async with anyio.create_task_group() as group:
            group.start_soon(run_first)  # registers first: hosts the watcher
            await anyio.sleep(POLL)
            group.start_soon(drive, EventSourceResponse(second.gen()), after(2, second_started.set))
            await second_started.wait()
            release.set()
            await first_done.wait()  # the watcher's host is gone
            await anyio.sleep(POLL * 3)
            request_shutdown()
    assert second.closed
    registry = _shutdown._REGISTRY.get()
    assert not registry.streams
    assert registry.host is None


class FakeServer:
    """Installs its bound `handle_exit` as the SIGTERM handler, as uvicorn does."""

    def __init__(self) -> None:
        self.should_exit = False

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        self.should_exit = True


@pytest.fixture
def server() -> Iterator[FakeServer]:
    server = FakeServer()
    previous = signal.signal(signal.SIGTERM, server.handle_exit)
    try:
        yield server
    finally:
        signal.signal(signal.SIGTERM, previous)


async def test_difference_2_server_shutdown_is_read_not_patched(server: FakeServer) -> None:
    source = Recorder("a")
    assert AppStatus.should_exit is False
    with anyio.fail_after(5):
        sent = await drive(
            EventSourceResponse(source.gen()), after(2, lambda: server.handle_exit(15, None))
        )
    assert sent == [START, body("a")]
    assert source.closed
    assert AppStatus.should_exit is True  # while the server exits
    AppStatus.disable_automatic_graceful_drain()
    assert AppStatus.should_exit is False
    AppStatus.enable_automatic_graceful_drain_mode()
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # the server restored its handler
    assert AppStatus.should_exit is False
    assert AppStatus.original_handler is None  # nothing was patched


async def test_disabled_drain_ignores_the_server(server: FakeServer) -> None:
    AppStatus.disable_automatic_graceful_drain()
    source = Recorder("a")
    with anyio.fail_after(5):
        async with anyio.create_task_group() as group:

            async def shut_down_later() -> None:
                server.should_exit = True
                await anyio.sleep(POLL * 10)
                assert not source.closed  # the server's shutdown was ignored
                request_shutdown()

            sent = await drive(
                EventSourceResponse(source.gen()),
                after(2, lambda: group.start_soon(shut_down_later)),
            )
    assert sent == [START, body("a")]
    assert source.closed


def test_import_neither_starlette_nor_uvicorn() -> None:
    code = (
        "import sys, fastresp, fastresp.sse\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in "
        "('starlette', 'sse_starlette', 'uvicorn')]\n"
        "assert not bad, bad\n"
        "import uvicorn.server\n"
        "assert uvicorn.server.Server.handle_exit.__module__ == 'uvicorn.server'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def live_tasks(backend: str) -> int:
    if backend != "trio":
        return len(asyncio.all_tasks())
    import trio

    def count(task: trio.lowlevel.Task) -> int:
        return 1 + sum(count(t) for n in task.child_nurseries for t in n.child_tasks)

    root = trio.lowlevel.current_root_task()
    assert root is not None
    return count(root)


async def test_no_task_outlives_the_responses(anyio_backend_name: str) -> None:
    before = live_tasks(anyio_backend_name)

    async def sender() -> None:
        await anyio.sleep_forever()

    async def one(index: int) -> None:
        response = EventSourceResponse(
            Recorder("a").gen(), ping=POLL, data_sender_callable=sender, send_timeout=1
        )
        await call(response, disconnect_after=2 + index % 3)

    with anyio.fail_after(5):
        async with anyio.create_task_group() as group:
            for index in range(6):
                group.start_soon(one, index)
                await anyio.sleep(POLL / 2)
    await anyio.sleep(POLL * 3)
    assert live_tasks(anyio_backend_name) == before
    assert _shutdown._REGISTRY.get().host is None


async def test_no_task_outlives_the_responses_without_user_callbacks(
    anyio_backend_name: str,
) -> None:
    # Without data_sender_callable or client_close_handler_callable, asyncio takes the
    # plain-task path instead of a task group: it must leave nothing behind either.
    before = live_tasks(anyio_backend_name)

    async def one(index: int) -> None:
        response = EventSourceResponse(Recorder("a").gen(), ping=POLL, send_timeout=1)
        await call(response, disconnect_after=2 + index % 3)

    with anyio.fail_after(5):
        async with anyio.create_task_group() as group:
            for index in range(6):
                group.start_soon(one, index)
                await anyio.sleep(POLL / 2)
    await anyio.sleep(POLL * 3)
    assert live_tasks(anyio_backend_name) == before
    assert _shutdown._REGISTRY.get().host is None


async def test_disconnect_runs_the_generator_cleanup_while_pinging() -> None:
    source = Recorder("a")
    with anyio.fail_after(5):
        ex = await call(EventSourceResponse(source.gen(), ping=POLL), disconnect_after=4)
    assert ex.messages[:2] == [START, body("a")]
    assert all(m["body"].startswith(b": ping - ") for m in ex.messages[2:])
    assert source.closed


def test_patching_should_exit_is_undone(monkeypatch: pytest.MonkeyPatch) -> None:
    # Tests written for sse-starlette patch the class attribute; undoing must work.
    with monkeypatch.context() as patch:
        patch.setattr(AppStatus, "should_exit", True)
        assert AppStatus.should_exit is True
    assert AppStatus.should_exit is False
    with mock.patch.object(AppStatus, "should_exit", True):
        assert AppStatus.should_exit is True
    assert AppStatus.should_exit is False


def test_each_event_loop_has_its_own_registry() -> None:
    # The last asyncio loop's registry is cached; a new loop must not get it.
    async def twice() -> tuple[object, object]:
        return _shutdown._registry(), _shutdown._registry()

    first = asyncio.run(twice())
    second = asyncio.run(twice())
    on_trio = anyio.run(twice, backend="trio")
    assert first[0] is first[1] and second[0] is second[1] and on_trio[0] is on_trio[1]
    assert len({id(first[0]), id(second[0]), id(on_trio[0])}) == 3
