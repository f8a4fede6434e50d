"""StreamingResponse: parity with Starlette 1.10, then each deliberate difference."""

import asyncio
import inspect
import threading
import types
from collections.abc import AsyncGenerator, AsyncIterator, Generator, Iterable, Iterator
from types import SimpleNamespace
from typing import Any

import anyio
import anyio.lowlevel
import pytest

import fastresp
from fastresp._asgi import Message, Receive, Scope, Send

from support import Exchange, call, make_scope

pytestmark = pytest.mark.anyio

START_PLAIN = {
    "type": "http.response.start",
    "status": 200,
    "headers": [(b"content-type", b"text/plain; charset=utf-8")],
}
END = {"type": "http.response.body", "body": b"", "more_body": False}


def chunk(body: bytes) -> Message:
    return {"type": "http.response.body", "body": body, "more_body": True}


async def agen(*chunks: Any) -> AsyncIterator[Any]:
    for item in chunks:
        yield item


def yielding_send(app: Any) -> Any:
    """Make `send` suspend after each message, as a server's may (flow control).

    A disconnect then lands in `send`, with the generator suspended at its `yield`.
    """

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        async def send_then_yield(message: Message) -> None:
            await send(message)
            await anyio.lowlevel.checkpoint()

        await app(scope, receive, send_then_yield)

    return wrapped


def logging_send(app: Any, log: list[object]) -> Any:
    """Log each message as it is sent, in order with other events, even if the app fails."""

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        async def send_and_log(message: Message) -> None:
            log.append(message)
            await send(message)

        await app(scope, receive, send_and_log)

    return wrapped


def assert_cut_after_two_chunks(ex: Exchange) -> None:
    """The client left after 3 messages; trio's scheduling may let one more chunk out."""
    assert ex.messages[:3] == [{**START_PLAIN, "headers": []}, chunk(b"x"), chunk(b"x")]
    assert ex.messages[3:] in ([], [chunk(b"x")])


class Tracked:
    """An endless generator, async or sync, that records how far it got.

    "Endless" stops at `LIMIT` items so that a broken HEAD path fails instead of hanging.
    """

    LIMIT = 10_000

    def __init__(self) -> None:
        self.started = False
        self.closed_in: int | None = None  # thread ident where `finally` ran

    async def agen(self) -> AsyncGenerator[bytes, None]:
        self.started = True
        try:
            for _ in range(self.LIMIT):
                yield b"x"
            raise AssertionError("the endless generator was iterated to its limit")
        finally:
            self.closed_in = threading.get_ident()

    def gen(self) -> Generator[bytes, None, None]:
        self.started = True
        try:
            for _ in range(self.LIMIT):
                yield b"x"
            raise AssertionError("the endless generator was iterated to its limit")
        finally:
            self.closed_in = threading.get_ident()


# --- parity: the same scenario sends the same messages under both flavours ---


async def test_async_chunks_of_every_type(flavour: SimpleNamespace) -> None:
    view = memoryview(b"world")
    content = agen("héllo", b" ", view)
    response = flavour.StreamingResponse(content, media_type="text/plain")
    assert response.body_iterator is content
    ex = await call(response)
    assert ex.messages == [START_PLAIN, chunk("héllo".encode()), chunk(b" "), chunk(b"world"), END]
    assert ex.messages[3]["body"] is view  # sent as it is, not copied


def letters() -> Iterator[str | bytes]:
    yield from ("a", b"b")


@pytest.mark.parametrize(
    "make", [lambda: ["a", b"b"], lambda: iter(["a", b"b"]), letters], ids=["list", "iter", "gen"]
)
async def test_sync_iterables(flavour: SimpleNamespace, make: Any) -> None:
    content: Iterable[str | bytes] = make()
    ex = await call(flavour.StreamingResponse(content, media_type="text/plain"))
    assert ex.messages == [START_PLAIN, chunk(b"a"), chunk(b"b"), END]


@pytest.mark.parametrize("content", [5, None], ids=["int", "None"])
async def test_non_iterable_content_fails_after_start(
    flavour: SimpleNamespace, content: object
) -> None:
    sent: list[object] = []
    response = flavour.StreamingResponse(content)  # no error yet, as in Starlette
    with pytest.raises(TypeError) as info:
        await call(logging_send(response, sent))
    assert str(info.value) == f"'{type(content).__name__}' object is not iterable"
    assert sent == [{**START_PLAIN, "headers": []}]


async def test_sync_iterator_runs_off_the_loop(flavour: SimpleNamespace) -> None:
    threads: list[int] = []

    def gen() -> Iterator[bytes]:
        threads.append(threading.get_ident())
        yield b"a"
        threads.append(threading.get_ident())

    ex = await call(flavour.StreamingResponse(gen()))
    assert ex.body == b"a"
    assert len(threads) == 2
    assert threading.get_ident() not in threads


async def test_no_content_and_no_body(flavour: SimpleNamespace) -> None:
    ex = await call(flavour.StreamingResponse(agen()))
    assert ex.messages == [{"type": "http.response.start", "status": 200, "headers": []}, END]
    assert not hasattr(flavour.StreamingResponse(agen()), "body")


async def test_media_type_and_charset(flavour: SimpleNamespace) -> None:
    class CSVResponse(flavour.StreamingResponse):  # type: ignore[name-defined,misc]
        media_type = "text/csv"
        charset = "latin-1"

    ex = await call(CSVResponse(agen("é;1\n")))
    assert ex.headers == [(b"content-type", b"text/csv; charset=latin-1")]
    assert ex.messages[1:] == [chunk(b"\xe9;1\n"), END]
    ex = await call(CSVResponse(agen(), media_type="application/x-ndjson"))
    assert ex.headers == [(b"content-type", b"application/x-ndjson")]


async def test_headers_given(flavour: SimpleNamespace) -> None:
    headers = {"X-Accel-Buffering": "no", "Cache-Control": "no-cache"}
    response = flavour.StreamingResponse(agen(b"a"), headers=headers, media_type="text/plain")
    response.set_cookie("k", "v")
    ex = await call(response)
    assert ex.headers == [
        (b"x-accel-buffering", b"no"),
        (b"cache-control", b"no-cache"),
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"set-cookie", b"k=v; Path=/; SameSite=lax"),
    ]


@pytest.mark.parametrize("status", [200, 201, 204, 304, 404, 500])
async def test_status_codes(flavour: SimpleNamespace, status: int) -> None:
    ex = await call(
        flavour.StreamingResponse(agen("a"), status_code=status, media_type="text/html")
    )
    assert ex.messages == [
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"text/html; charset=utf-8")],
        },
        chunk(b"a"),
        END,
    ]


@pytest.mark.parametrize("spec", [None, "2.3", "2.4"])
async def test_background_runs_after_the_body(flavour: SimpleNamespace, spec: str | None) -> None:
    events: list[object] = []

    async def task(name: str) -> None:
        events.append(name)

    response = flavour.StreamingResponse(
        agen("a", "b"), background=flavour.BackgroundTask(task, "background")
    )
    await call(logging_send(response, events), spec_version=spec)
    assert events == [{**START_PLAIN, "headers": []}, chunk(b"a"), chunk(b"b"), END, "background"]


async def test_websocket_denial(flavour: SimpleNamespace) -> None:
    ran: list[bool] = []

    async def task() -> None:
        ran.append(True)

    response = flavour.StreamingResponse(
        agen("no"),
        status_code=403,
        media_type="text/plain",
        background=flavour.BackgroundTask(task),
    )
    ex = await call(response, scope_type="websocket")
    assert ex.messages == [
        {**START_PLAIN, "type": "websocket.http.response.start", "status": 403},
        {**chunk(b"no"), "type": "websocket.http.response.body"},
        {**END, "type": "websocket.http.response.body"},
    ]
    assert ran == [True]


@pytest.mark.parametrize("spec", [None, "2.0", "2.3", "2.4", "2.5"])
async def test_spec_versions(flavour: SimpleNamespace, spec: str | None) -> None:
    response = flavour.StreamingResponse(agen("a", b"b"), media_type="text/plain")
    ex = await call(response, spec_version=spec)
    assert ex.messages == [START_PLAIN, chunk(b"a"), chunk(b"b"), END]


@pytest.mark.parametrize(
    "scope_args",
    [{"spec_version": "2.4"}, {"scope_type": "websocket"}],
    ids=["spec-2.4", "websocket"],
)
async def test_no_disconnect_watch(flavour: SimpleNamespace, scope_args: dict[str, Any]) -> None:
    async def receive() -> Message:
        raise AssertionError("receive() was called")

    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)
        await anyio.lowlevel.checkpoint()  # a watcher would get to run here

    response = flavour.StreamingResponse(agen(b"a"))
    await response(make_scope(**scope_args), receive, send)
    assert [m["type"].removeprefix("websocket.") for m in sent] == [
        "http.response.start",
        "http.response.body",
        "http.response.body",
    ]


async def test_disconnect_mid_stream_spec_2_3(flavour: SimpleNamespace) -> None:
    ran: list[bool] = []

    async def stalls() -> AsyncIterator[str]:
        yield "a"
        yield "b"
        await anyio.sleep_forever()
        yield "never"

    async def task() -> None:
        ran.append(True)

    response = flavour.StreamingResponse(
        stalls(), media_type="text/plain", background=flavour.BackgroundTask(task)
    )
    with anyio.fail_after(5):
        ex = await call(response, disconnect_after=3, spec_version="2.3")
    assert ex.messages == [START_PLAIN, chunk(b"a"), chunk(b"b")]
    assert ran == [True]  # Starlette runs the background task after a disconnect too


async def test_client_disconnect_spec_2_4(flavour: SimpleNamespace) -> None:
    ran: list[bool] = []

    async def task() -> None:
        ran.append(True)

    response = flavour.StreamingResponse(
        agen("a", "b", "c"), media_type="text/plain", background=flavour.BackgroundTask(task)
    )
    with pytest.raises(flavour.ClientDisconnect):
        await call(response, send_error_after=2, spec_version="2.4")
    assert ran == []


@pytest.mark.parametrize("spec", [None, "2.3", "2.4"])
async def test_error_mid_stream_propagates(flavour: SimpleNamespace, spec: str | None) -> None:
    sent: list[object] = []

    async def fails() -> AsyncIterator[str]:
        yield "a"
        raise RuntimeError("boom")

    response = flavour.StreamingResponse(fails(), media_type="text/plain")
    with pytest.raises(RuntimeError, match=r"^boom$"):
        await call(logging_send(response, sent), spec_version=spec)
    assert sent == [START_PLAIN, chunk(b"a")]  # never more_body=False


# --- deliberate differences (numbered as in the fastresp.streaming docstring) ---


@pytest.mark.parametrize("bad", [1, None, bytearray(b"x")], ids=["int", "None", "bytearray"])
async def test_1_bad_chunk_type_raises_type_error(flavour: SimpleNamespace, bad: object) -> None:
    sent: list[object] = []
    response = flavour.StreamingResponse(agen("a", bad, "b"), media_type="text/plain")
    expected = TypeError if flavour.name == "fastresp" else AttributeError
    with pytest.raises(expected) as info:
        await call(logging_send(response, sent))
    assert sent == [START_PLAIN, chunk(b"a")]
    if flavour.name == "fastresp":
        kind = type(bad).__name__
        message = f"StreamingResponse chunks must be str, bytes or memoryview, not {kind}"
        assert str(info.value) == message


async def test_2_closed_on_disconnect_spec_2_3(flavour: SimpleNamespace) -> None:
    body = Tracked()
    gen = body.agen()
    response = flavour.StreamingResponse(gen)
    with anyio.fail_after(5):
        ex = await call(yielding_send(response), disconnect_after=3, spec_version="2.3")
    assert_cut_after_two_chunks(ex)
    if flavour.name == "fastresp":
        assert body.closed_in == threading.get_ident()
    else:  # Starlette leaves the generator suspended at its yield
        assert body.closed_in is None
        await gen.aclose()


async def test_2_closed_when_send_fails_spec_2_4(flavour: SimpleNamespace) -> None:
    body = Tracked()
    gen = body.agen()
    with pytest.raises(flavour.ClientDisconnect):
        await call(flavour.StreamingResponse(gen), send_error_after=2, spec_version="2.4")
    if flavour.name == "fastresp":
        assert body.closed_in == threading.get_ident()
    else:
        assert body.closed_in is None
        await gen.aclose()


@pytest.mark.parametrize("spec", ["2.3", "2.4"])
async def test_2_sync_generator_closed_in_a_thread(flavour: SimpleNamespace, spec: str) -> None:
    body = Tracked()
    gen = body.gen()
    response = flavour.StreamingResponse(gen)
    with anyio.fail_after(5):
        if spec == "2.3":
            ex = await call(response, disconnect_after=3, spec_version=spec)
            assert_cut_after_two_chunks(ex)
        else:
            with pytest.raises(flavour.ClientDisconnect):
                await call(response, send_error_after=3, spec_version=spec)
    if flavour.name == "fastresp":
        assert body.closed_in is not None
        assert body.closed_in != threading.get_ident()  # not on the event loop
    else:
        assert body.closed_in is None
        gen.close()


async def test_2_closed_when_iteration_fails() -> None:
    closed: list[bool] = []

    async def body() -> AsyncIterator[Any]:
        try:
            yield b"a"
            yield 1
            yield b"never"
        finally:
            closed.append(True)

    with pytest.raises(TypeError):
        await call(fastresp.StreamingResponse(body()))
    assert closed == [True]


@pytest.mark.parametrize("spec", ["2.3", "2.4"])
async def test_2_close_is_shielded_from_cancellation(spec: str) -> None:
    finished: list[bool] = []
    sent: list[object] = []

    async def body() -> AsyncIterator[bytes]:
        try:
            while True:
                yield b"x"
        finally:
            await anyio.sleep(0)  # would raise if the close were not shielded
            finished.append(True)

    with anyio.CancelScope() as cancel_scope:

        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            async def send_then_cancel(message: Message) -> None:
                sent.append(message)
                await send(message)
                if len(sent) == 2:
                    cancel_scope.cancel()
                await anyio.lowlevel.checkpoint()

            await fastresp.StreamingResponse(body())(scope, receive, send_then_cancel)

        await call(app, spec_version=spec)
    assert cancel_scope.cancelled_caught
    assert len(sent) == 2
    assert finished == [True]


async def test_2_close_failure_is_a_note_on_the_error_in_flight() -> None:
    async def body() -> AsyncIterator[bytes]:
        try:
            while True:
                yield b"x"
        finally:
            raise ValueError("cleanup failed")

    with pytest.raises(fastresp.ClientDisconnect) as info:
        await call(fastresp.StreamingResponse(body()), send_error_after=2, spec_version="2.4")
    assert info.value.__notes__ == [
        "closing the body iterator also failed: ValueError('cleanup failed')"
    ]


async def test_2_close_failure_after_a_disconnect_propagates() -> None:
    ran: list[bool] = []

    async def body() -> AsyncIterator[bytes]:
        try:
            while True:
                yield b"x"
        finally:
            raise ValueError("cleanup failed")

    async def task() -> None:
        ran.append(True)

    response = fastresp.StreamingResponse(body(), background=fastresp.BackgroundTask(task))
    with anyio.fail_after(5), pytest.raises(ValueError, match=r"^cleanup failed$"):
        await call(yielding_send(response), disconnect_after=3, spec_version="2.3")
    assert ran == []


@pytest.mark.parametrize("spec", [None, "2.3", "2.4"])
async def test_3_head_never_iterates(spec: str | None) -> None:
    body = Tracked()
    gen = body.agen()
    ran: list[bool] = []

    async def task() -> None:
        ran.append(True)

    response = fastresp.StreamingResponse(
        gen, media_type="text/plain", background=fastresp.BackgroundTask(task)
    )
    with anyio.fail_after(5):
        ex = await call(response, method="HEAD", spec_version=spec)
    assert ex.messages == [START_PLAIN, END]
    assert ran == [True]
    assert body.started is False
    assert isinstance(gen, types.AsyncGeneratorType)
    assert gen.ag_frame is None  # closed


async def test_3_head_closes_a_sync_generator() -> None:
    body = Tracked()
    gen = body.gen()
    ex = await call(fastresp.StreamingResponse(gen), method="HEAD")
    assert ex.messages == [{**START_PLAIN, "headers": []}, END]
    assert body.started is False
    assert inspect.getgeneratorstate(gen) == "GEN_CLOSED"


@pytest.mark.parametrize("spec", ["2.0", "2.3"])
async def test_3_head_needs_no_disconnect_watch(spec: str) -> None:
    async def receive() -> Message:
        raise AssertionError("receive() was called")

    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)
        await anyio.lowlevel.checkpoint()  # a watcher would get to run here

    response = fastresp.StreamingResponse(agen(b"a"))
    await response(make_scope(method="HEAD", spec_version=spec), receive, send)
    assert sent == [{**START_PLAIN, "headers": []}, END]


async def test_3_head_differs_from_starlette(flavour: SimpleNamespace) -> None:
    ex = await call(flavour.StreamingResponse(agen("a"), media_type="text/plain"), method="HEAD")
    if flavour.name == "fastresp":
        assert ex.messages == [START_PLAIN, END]
    else:  # Starlette streams the body and leaves dropping it to the server
        assert ex.messages == [START_PLAIN, chunk(b"a"), END]


async def test_4_oserror_from_the_iterator_spec_2_4(flavour: SimpleNamespace) -> None:
    async def body() -> AsyncIterator[bytes]:
        yield b"a"
        raise FileNotFoundError("gone.txt")

    response = flavour.StreamingResponse(body())
    expected = FileNotFoundError if flavour.name == "fastresp" else flavour.ClientDisconnect
    with pytest.raises(expected):
        await call(response, spec_version="2.4")


@pytest.mark.parametrize("failing", [0, 1, 2], ids=["start", "chunk", "end"])
async def test_4_client_disconnect_chains_the_send_error(failing: int) -> None:
    response = fastresp.StreamingResponse(agen(b"a"))
    with pytest.raises(fastresp.ClientDisconnect) as info:
        await call(response, send_error_after=failing, spec_version="2.4")
    assert type(info.value.__cause__) is OSError
    assert str(info.value.__cause__) == "client went away"


# NOTE: counts asyncio tasks; on trio, nurseries guarantee it by construction.
@pytest.mark.parametrize(
    "anyio_backend", [("asyncio", {}), ("asyncio", {"use_uvloop": True})], ids=["asyncio", "uvloop"]
)
@pytest.mark.parametrize("sync", [False, True], ids=["async", "sync"])
async def test_no_task_outlives_a_disconnect(sync: bool) -> None:
    before = asyncio.all_tasks()
    body = Tracked()
    response = fastresp.StreamingResponse(body.gen() if sync else body.agen())
    with anyio.fail_after(5):
        await call(yielding_send(response), disconnect_after=3, spec_version="2.3")
    assert asyncio.all_tasks() == before
    assert body.closed_in is not None
