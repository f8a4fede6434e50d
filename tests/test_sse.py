"""EventSourceResponse and events: the same messages from sse-starlette and from fastresp
(event encoding, headers, status, validation, HEAD, websockets, iterables, background).
Disconnects, errors, timeouts and pings: tests/test_sse_lifecycle.py."""

import importlib
import math
from collections.abc import AsyncIterator, Callable, Iterator
from types import SimpleNamespace
from typing import Any

import anyio
import pytest

from sse_support import (
    END,
    SSE_HEADERS,
    START,
    body,
    bounded_call,
    clear_shutdown_flags,
    events,
    stream,
)

pytestmark = pytest.mark.anyio

Items = Callable[[SimpleNamespace], list[Any]]


@pytest.fixture(autouse=True)
def no_shutdown() -> None:
    clear_shutdown_flags()


ITEMS: dict[str, tuple[Items, list[bytes]]] = {
    "str": (lambda f: ["hello"], [b"data: hello\r\n\r\n"]),
    "str-lines": (
        lambda f: ["a\r\nb\rc\nd\n"],
        [b"data: a\r\ndata: b\r\ndata: c\r\ndata: d\r\ndata: \r\n\r\n"],
    ),
    "str-empty": (lambda f: [""], [b"data: \r\n\r\n"]),
    "unicode": (lambda f: ["é ✓ \U0001f600"], ["data: é ✓ \U0001f600\r\n\r\n".encode()]),
    "bytes": (lambda f: [b"raw\n"], [b"raw\n"]),
    "memoryview": (lambda f: [memoryview(b"view")], [b"view"]),
    "int-and-none": (lambda f: [42, None], [b"data: 42\r\n\r\n", b"data: None\r\n\r\n"]),
    "dict": (
        lambda f: [{"data": "d\ne", "event": "ev", "id": "7", "retry": 1000, "comment": "c"}],
        [b": c\r\nid: 7\r\nevent: ev\r\ndata: d\r\ndata: e\r\nretry: 1000\r\n\r\n"],
    ),
    "dict-own-sep-ignored": (lambda f: [{"data": "x", "sep": "\n"}], [b"data: x\r\n\r\n"]),
    "dict-no-data": (lambda f: [{"event": "ping"}], [b"event: ping\r\n\r\n"]),
    "event": (
        lambda f: [f.ServerSentEvent("x", event="e", id="1")],
        [b"id: 1\r\nevent: e\r\ndata: x\r\n\r\n"],
    ),
    "event-comment": (lambda f: [f.ServerSentEvent(comment="a\r\nb")], [b": a\r\n: b\r\n\r\n"]),
    "event-id-event-newlines": (
        lambda f: [f.ServerSentEvent(id="1\r\n2", event="a\nb\r")],
        [b"id: 12\r\nevent: ab\r\n\r\n"],
    ),
    "event-retry": (lambda f: [f.ServerSentEvent(retry=15000)], [b"retry: 15000\r\n\r\n"]),
    "event-empty": (lambda f: [f.ServerSentEvent()], [b"\r\n"]),
    "event-own-sep-kept": (
        lambda f: [f.ServerSentEvent("a\nb", sep="\n")],
        [b"data: a\ndata: b\n\n"],
    ),
    "event-data-object": (lambda f: [f.ServerSentEvent(3.5)], [b"data: 3.5\r\n\r\n"]),
    "json": (
        lambda f: [f.JSONServerSentEvent({"é": [1, 2.5, None, True]}, event="j")],
        ['event: j\r\ndata: {"é":[1,2.5,null,true]}\r\n\r\n'.encode()],
    ),
    "json-none": (lambda f: [f.JSONServerSentEvent(None, comment="x")], [b": x\r\n\r\n"]),
    "json-text-with-newline": (
        lambda f: [f.JSONServerSentEvent("a\nb")],
        [b'data: "a\\nb"\r\n\r\n'],
    ),
}


@pytest.mark.parametrize("case", ITEMS)
async def test_items(flavour: SimpleNamespace, case: str) -> None:
    make, chunks = ITEMS[case]
    assert await events(flavour, make(flavour)) == [START, *map(body, chunks), END]


async def test_ensure_bytes(flavour: SimpleNamespace) -> None:
    module = importlib.import_module(flavour.ServerSentEvent.__module__)
    items = ["a\nb", b"raw", {"data": 1, "id": "2"}, flavour.ServerSentEvent("x", sep="\r")]
    assert [module.ensure_bytes(item, "\n") for item in items] == [
        b"data: a\ndata: b\n\n",
        b"raw",
        b"id: 2\ndata: 1\n\n",
        b"data: x\r\r",
    ]


@pytest.mark.parametrize("sep", ["\r\n", "\r", "\n"])
async def test_sep(flavour: SimpleNamespace, sep: str) -> None:
    items = ["a\nb", {"data": "c", "event": "e"}, flavour.ServerSentEvent("d", sep="\r\n")]
    s = sep.encode()
    assert await events(flavour, items, sep=sep) == [
        START,
        body(b"data: a" + s + b"data: b" + s + s),
        body(b"event: e" + s + b"data: c" + s + s),
        body(b"data: d\r\n\r\n"),
        END,
    ]


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"X-Custom": "1"}, [(b"x-custom", b"1"), *SSE_HEADERS]),
        (
            {"Cache-Control": "no-cache", "X-Custom": "1"},
            [(b"cache-control", b"no-cache"), (b"x-custom", b"1"), *SSE_HEADERS[1:]],
        ),
        (
            {"connection": "close", "X-Accel-Buffering": "yes", "x-a": "é"},
            [
                (b"connection", b"keep-alive"),
                (b"x-accel-buffering", b"no"),
                (b"x-a", b"\xe9"),
                SSE_HEADERS[0],
                SSE_HEADERS[3],
            ],
        ),
        (
            {"Content-Type": "text/plain", "X-A": "1", "x-a": "2"},
            [(b"content-type", b"text/plain"), (b"x-a", b"2"), *SSE_HEADERS[:3]],
        ),
    ],
)
async def test_headers(
    flavour: SimpleNamespace, headers: dict[str, str], expected: list[tuple[bytes, bytes]]
) -> None:
    ex = await bounded_call(flavour.EventSourceResponse(stream([]), headers=headers, ping=0))
    assert ex.headers == expected
    assert ex.messages[1:] == [END]


@pytest.mark.parametrize(
    ("kwargs", "status", "content_type"),
    [
        ({"status_code": 201}, 201, b"text/event-stream; charset=utf-8"),
        ({"media_type": "text/plain"}, 200, b"text/plain; charset=utf-8"),
        ({"media_type": None}, 200, None),
    ],
)
async def test_status_and_media_type(
    flavour: SimpleNamespace, kwargs: dict[str, Any], status: int, content_type: bytes | None
) -> None:
    ex = await bounded_call(flavour.EventSourceResponse(stream(["x"]), ping=0, **kwargs))
    assert ex.status == status
    assert ex.header(b"content-type") == content_type
    assert ex.headers[:3] == SSE_HEADERS[:3]


async def test_response_attributes(flavour: SimpleNamespace) -> None:
    response = flavour.EventSourceResponse(stream([]))
    assert flavour.EventSourceResponse.DEFAULT_PING_INTERVAL == 15
    assert response.ping_interval == 15
    assert response.sep == "\r\n"
    assert response.active is True
    assert response.headers["cache-control"] == "no-store"
    response.ping_interval = 2.5
    assert response.ping_interval == 2.5
    with pytest.raises(
        NotImplementedError, match=r"^Compression is not supported for SSE streams\.$"
    ):
        response.enable_compression()


def outcome(make: Callable[[], object]) -> tuple[str, str]:
    try:
        make()
    except Exception as exc:
        return (type(exc).__name__, str(exc))
    return ("ok", "")


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        (
            {"sep": "\r\n\r\n"},
            ("ValueError", "sep must be one of: \\r\\n, \\r, \\n, got: \r\n\r\n"),
        ),
        ({"sep": ""}, ("ValueError", "sep must be one of: \\r\\n, \\r, \\n, got: ")),
        ({"ping": "5"}, ("TypeError", "ping interval must be int or float")),
        ({"ping": -1}, ("ValueError", "ping interval must be >= 0 (0 disables ping)")),
        ({"shutdown_grace_period": -0.1}, ("ValueError", "shutdown_grace_period must be >= 0")),
        ({"cleanup_timeout": -1}, ("ValueError", "cleanup_timeout must be >= 0")),
        ({"ping": 0}, ("ok", "")),
        ({"ping": True}, ("ok", "")),
        ({"cleanup_timeout": None}, ("ok", "")),
    ],
)
async def test_validation(
    flavour: SimpleNamespace, kwargs: dict[str, Any], expected: tuple[str, str]
) -> None:
    assert outcome(lambda: flavour.EventSourceResponse(stream([]), **kwargs)) == expected


@pytest.mark.parametrize("value", [math.nan, -math.inf])
async def test_difference_3_nan_is_refused(flavour: SimpleNamespace, value: float) -> None:
    # sse-starlette accepts NaN (not < 0); fastresp refuses it like a negative value.
    refused = flavour.name == "fastresp" or value < 0
    for name, message in [
        ("ping", "ping interval must be >= 0"),
        ("shutdown_grace_period", "shutdown_grace_period must be >= 0"),
        ("cleanup_timeout", "cleanup_timeout must be >= 0"),
    ]:
        kwargs = {name: value}
        got = outcome(lambda: flavour.EventSourceResponse(stream([]), **kwargs))  # noqa: B023
        assert got[0] == ("ValueError" if refused else "ok")
        assert got[1].startswith(message if refused else "")


async def test_head(flavour: SimpleNamespace) -> None:
    started = False
    ran: list[str] = []

    async def gen() -> AsyncIterator[str]:
        nonlocal started
        started = True
        yield "x"

    async def task() -> None:
        ran.append("background")

    response = flavour.EventSourceResponse(
        gen(), background=flavour.BackgroundTask(task), data_sender_callable=task
    )
    ex = await bounded_call(response, method="HEAD")
    assert ex.messages == [START, END]
    assert not started
    assert ran == ["background"]


async def test_websocket_denial(flavour: SimpleNamespace) -> None:
    ex = await bounded_call(
        flavour.EventSourceResponse(stream(["x"]), ping=0), scope_type="websocket"
    )
    assert ex.messages == [
        {**START, "type": "websocket.http.response.start"},
        {**body(b"data: x\r\n\r\n"), "type": "websocket.http.response.body"},
        {**END, "type": "websocket.http.response.body"},
    ]


async def test_sync_iterator(flavour: SimpleNamespace) -> None:
    def gen() -> Iterator[Any]:
        yield "a"
        yield {"data": "b"}

    assert await events(flavour, [], ping=0) == [START, END]
    ex = await bounded_call(flavour.EventSourceResponse(gen(), ping=0))
    assert ex.messages == [START, body(b"data: a\r\n\r\n"), body(b"data: b\r\n\r\n"), END]


async def test_data_sender_callable(flavour: SimpleNamespace) -> None:
    sender, receiver = anyio.create_memory_object_stream[str](1)

    async def produce() -> None:
        async with sender:
            for text in ("one", "two"):
                await sender.send(text)

    async def consume() -> AsyncIterator[str]:
        async with receiver:
            async for text in receiver:
                yield text

    ex = await bounded_call(
        flavour.EventSourceResponse(consume(), data_sender_callable=produce, ping=0)
    )
    assert ex.messages == [START, body(b"data: one\r\n\r\n"), body(b"data: two\r\n\r\n"), END]


async def test_background_runs_after_the_stream(flavour: SimpleNamespace) -> None:
    order: list[str] = []

    async def gen() -> AsyncIterator[str]:
        yield "x"
        order.append("stream done")

    def task(word: str) -> None:
        order.append(word)

    background = flavour.BackgroundTask(task, "background")
    ex = await bounded_call(flavour.EventSourceResponse(gen(), background=background, ping=0))
    assert ex.complete
    assert order == ["stream done", "background"]


def test_a_subclass_init_headers_gets_the_stream_headers() -> None:
    # The stock init_headers takes a shortcut for the constant SSE fields; an override
    # still receives them as a mapping, as in sse-starlette.
    from fastresp import EventSourceResponse

    seen: list[dict[str, str]] = []

    class Custom(EventSourceResponse):
        def init_headers(self, headers: Any = None) -> None:
            seen.append(dict(headers or {}))
            super().init_headers(headers)

    async def one() -> AsyncIterator[str]:
        yield "x"

    assert Custom(one()).raw_headers == EventSourceResponse(one()).raw_headers
    assert seen == [
        {"cache-control": "no-store", "connection": "keep-alive", "x-accel-buffering": "no"}
    ]
