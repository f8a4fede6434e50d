"""StreamingResponse: parity with Starlette 1.10 (differences: test_streaming_differences.py)."""

import threading
from collections.abc import AsyncIterator, Iterable, Iterator
from types import SimpleNamespace
from typing import Any

import anyio
import anyio.lowlevel
import pytest
from stream_support import END, START_PLAIN, agen, chunk, logging_send

from fastresp._asgi import Message

from support import call, make_scope

pytestmark = pytest.mark.anyio


# --- parity: the same scenario sends the same messages under both flavours ---


async def test_async_chunks_of_every_type(flavour: SimpleNamespace) -> None:
    view = memoryview(b"world")
    content = agen("héllo", b" ", view)
    response = flavour.StreamingResponse(content, media_type="text/plain")
    assert response.body_iterator is content
    ex = await call(response)
    assert ex.messages == [START_PLAIN, chunk("héllo".encode()), chunk(b" "), chunk(b"world"), END]
    assert ex.messages[3]["body"] is view  # sent as it is, not copied


async def test_subclasses_of_the_chunk_types(flavour: SimpleNamespace) -> None:
    class Text(str):
        pass

    class Raw(bytes):
        pass

    ex = await call(flavour.StreamingResponse(agen(Text("é"), Raw(b"r")), media_type="text/plain"))
    assert ex.messages == [START_PLAIN, chunk("é".encode()), chunk(b"r"), END]


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


@pytest.mark.parametrize("status", [200, 201, 299, 404, 500])  # 1xx/204/304: difference 5
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
