"""StreamingResponse: each deliberate difference from Starlette 1.10, by its number."""

import asyncio
import inspect
import threading
import types
from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any

import anyio
import anyio.lowlevel
import pytest
from stream_support import (
    END,
    START_PLAIN,
    Tracked,
    agen,
    assert_cut_after_two_chunks,
    chunk,
    logging_send,
    yielding_send,
)

import fastresp
from fastresp._asgi import Message, Receive, Scope, Send

from support import call, make_scope

pytestmark = pytest.mark.anyio


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


@pytest.mark.parametrize("status", [100, 103, 199, 204, 304])
@pytest.mark.parametrize("sync", [False, True], ids=["async", "sync"])
async def test_5_no_content_statuses_never_iterate(status: int, sync: bool) -> None:
    body = Tracked()
    gen = body.gen() if sync else body.agen()
    ran: list[bool] = []

    async def task() -> None:
        ran.append(True)

    response = fastresp.StreamingResponse(
        gen, status_code=status, background=fastresp.BackgroundTask(task)
    )
    with anyio.fail_after(5):
        ex = await call(response)
    assert ex.messages == [{"type": "http.response.start", "status": status, "headers": []}, END]
    assert body.started is False
    if isinstance(gen, types.GeneratorType):
        assert inspect.getgeneratorstate(gen) == "GEN_CLOSED"
    else:
        assert isinstance(gen, types.AsyncGeneratorType)
        assert gen.ag_frame is None
    assert ran == [True]


@pytest.mark.parametrize("status", [101, 204, 304])
async def test_5_no_content_statuses_differ_from_starlette(
    flavour: SimpleNamespace, status: int
) -> None:
    ex = await call(flavour.StreamingResponse(agen(b"a"), status_code=status))
    start = {"type": "http.response.start", "status": status, "headers": []}
    if flavour.name == "fastresp":
        assert ex.messages == [start, END]
    else:  # Starlette sends the content and leaves it to the server
        assert ex.messages == [start, chunk(b"a"), END]


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
