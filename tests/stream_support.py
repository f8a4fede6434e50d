"""Helpers shared by the StreamingResponse and cancellation tests."""

import asyncio
import threading
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Generator
from typing import Any

import anyio
import anyio.lowlevel
import sniffio

from fastresp._asgi import Message, Receive, Scope, Send

from support import Exchange, make_scope

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


def live_tasks() -> int:
    """How many tasks run now, on the current backend."""
    if sniffio.current_async_library() != "trio":
        return len(asyncio.all_tasks())
    import trio

    def count(task: trio.lowlevel.Task) -> int:
        return 1 + sum(count(t) for n in task.child_nurseries for t in n.child_tasks)

    root = trio.lowlevel.current_root_task()
    assert root is not None
    return count(root)


async def frozen_call(response: Any, frozen: Callable[[Message], bool]) -> list[Message]:
    """Drive `response` with a send that never returns for the messages `frozen` picks."""
    sent: list[Message] = []

    async def receive() -> Message:
        await anyio.sleep_forever()
        raise AssertionError

    async def send(message: Message) -> None:
        if frozen(message):
            await anyio.sleep_forever()
        sent.append(message)

    with anyio.fail_after(5):
        await response(make_scope(), receive, send)
    return sent
