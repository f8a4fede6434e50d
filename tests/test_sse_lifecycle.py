"""EventSourceResponse over a stream's life, the same from sse-starlette and fastresp:
client disconnects, send and iterator errors, send timeouts, pings."""

import re
from collections.abc import AsyncIterator, Callable
from types import SimpleNamespace
from typing import Any

import anyio
import pytest
from stream_support import frozen_call

from fastresp._asgi import Message

from sse_support import (
    END,
    START,
    Recorder,
    body,
    bounded_call,
    clear_shutdown_flags,
    sse_module,
)
from support import Exchange, make_scope

pytestmark = pytest.mark.anyio


@pytest.fixture(autouse=True)
def no_shutdown() -> None:
    clear_shutdown_flags()


@pytest.mark.parametrize("spec_version", ["2.0", "2.4", None])
async def test_client_disconnect(flavour: SimpleNamespace, spec_version: str | None) -> None:
    state: list[str] = []
    closed: list[Message] = []

    async def gen() -> AsyncIterator[str]:
        try:
            yield "a"
            yield "b"
            await anyio.sleep_forever()
        finally:
            state.append("finally")

    async def on_close(message: Message) -> None:
        closed.append(message)

    response = flavour.EventSourceResponse(gen(), client_close_handler_callable=on_close)
    ex = await bounded_call(response, disconnect_after=3, spec_version=spec_version)
    assert ex.messages == [START, body(b"data: a\r\n\r\n"), body(b"data: b\r\n\r\n")]
    assert state == ["finally"]
    assert closed == [{"type": "http.disconnect"}]
    assert response.active is False


async def test_send_error_closes_the_iterator(flavour: SimpleNamespace) -> None:
    source = Recorder("a", "b", "c")
    with pytest.raises(OSError, match="client went away"):
        await bounded_call(
            flavour.EventSourceResponse(source.gen()), send_error_after=2, spec_version="2.4"
        )
    assert source.closed


async def test_encoding_error_closes_the_iterator(flavour: SimpleNamespace) -> None:
    source = Recorder("a", {"retry": "soon"})
    with pytest.raises(TypeError, match=r"^retry argument must be int$"):
        await bounded_call(flavour.EventSourceResponse(source.gen()))
    assert source.closed


async def test_iterator_error(flavour: SimpleNamespace) -> None:
    async def gen() -> AsyncIterator[str]:
        yield "a"
        raise ValueError("broken")

    with pytest.raises(ValueError, match=r"^broken$"):
        await bounded_call(flavour.EventSourceResponse(gen()))


def is_data(message: Message) -> bool:
    return bytes(message.get("body", b"")).startswith(b"data: b")


def is_ping(message: Message) -> bool:
    return bytes(message.get("body", b"")).startswith(b":")


@pytest.mark.parametrize("frozen", [is_data, is_ping], ids=["event", "ping"])
async def test_send_timeout(flavour: SimpleNamespace, frozen: Callable[[Message], bool]) -> None:
    source = Recorder("a", "b")
    response = flavour.EventSourceResponse(source.gen(), send_timeout=0.05, ping=0.05)
    with pytest.raises(TimeoutError) as caught:
        await frozen_call(response, frozen)
    assert type(caught.value) is sse_module(flavour).SendTimeoutError
    assert source.closed


def normalise(messages: list[Message]) -> list[Message]:
    return [
        {**m, "body": re.sub(rb"ping - [^\r\n]+", b"ping - <time>", m["body"])}
        if "body" in m
        else m
        for m in messages
    ]


async def pinged(flavour: SimpleNamespace, count: int, **kwargs: Any) -> Exchange:
    """Stream "a", wait for `count` pings, stream "b"."""
    seen = anyio.Event()

    async def gen() -> AsyncIterator[str]:
        yield "a"
        await seen.wait()
        yield "b"

    ex = Exchange()

    async def receive() -> Message:
        await anyio.sleep_forever()
        raise AssertionError

    async def send(message: Message) -> None:
        ex.messages.append(message)
        if sum(map(is_ping, ex.messages)) == count:
            seen.set()

    with anyio.fail_after(5):
        await flavour.EventSourceResponse(gen(), ping=0.05, **kwargs)(make_scope(), receive, send)
    return ex


async def test_ping(flavour: SimpleNamespace) -> None:
    ex = await pinged(flavour, 2, sep="\n")
    ping = body(b": ping - <time>\n\n")
    assert normalise(ex.messages) == [
        START,
        body(b"data: a\n\n"),
        ping,
        ping,
        body(b"data: b\n\n"),
        END,
    ]
    assert re.fullmatch(
        rb": ping - \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.?\d*\+00:00\n\n", ex.messages[2]["body"]
    )


async def test_ping_message_factory(flavour: SimpleNamespace) -> None:
    ex = await pinged(
        flavour, 1, ping_message_factory=lambda: flavour.ServerSentEvent(comment="hi")
    )
    assert ex.messages == [
        START,
        body(b"data: a\r\n\r\n"),
        body(b": hi\r\n\r\n"),
        body(b"data: b\r\n\r\n"),
        END,
    ]


async def test_ping_zero_sends_no_pings(flavour: SimpleNamespace) -> None:
    async def gen() -> AsyncIterator[str]:
        yield "a"
        await anyio.sleep(0.05)
        yield "b"

    ex = await bounded_call(flavour.EventSourceResponse(gen(), ping=0))
    assert ex.messages == [START, body(b"data: a\r\n\r\n"), body(b"data: b\r\n\r\n"), END]
