"""ASGI types and the plumbing every response class shares.

The disconnect watch for ASGI spec < 2.4 is the costly part of Starlette's streaming
responses (an anyio task group per response). On asyncio a plain task on `receive()`
that cancels an anyio scope around the sending code does the same job at a fraction
of the cost; other backends (trio) keep anyio's task group.
"""

import asyncio
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import anyio

__all__ = [
    "Message",
    "Receive",
    "Scope",
    "Send",
    "deny_websocket",
    "run_until_disconnect",
    "spec_version",
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

_DENIAL_TYPES = frozenset(("http.response.start", "http.response.body"))


def deny_websocket(send: Send) -> Send:
    """Wrap `send` so HTTP response messages go out as a websocket denial response."""

    async def denial_send(message: Message) -> None:
        if message["type"] in _DENIAL_TYPES:
            message = {**message, "type": "websocket." + message["type"]}
        await send(message)

    return denial_send


def spec_version(scope: Scope) -> tuple[int, ...]:
    """The scope's ASGI spec version; "2.0" when the server does not say."""
    return tuple(map(int, scope.get("asgi", {}).get("spec_version", "2.0").split(".")))


async def run_until_disconnect(receive: Receive, job: Callable[[], Awaitable[None]]) -> bool:
    """Run `job` while watching `receive` for `http.disconnect`.

    Returns True if the client disconnected first (the job was cancelled), False if
    the job finished. Errors from the job or from `receive` propagate unwrapped.
    """
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:  # no asyncio loop running: trio
        return await _run_in_task_group(receive, job)
    # PERF: a bare watcher task plus one cancel scope costs ~15 us against 100-300 us
    # for an anyio task group (shared/notes/starlette-profile.md §5).
    # NOTE: the watcher cancels the scope, never the task: anyio then delivers the
    # cancellation as a task group would, so shielded scopes inside the job (cleanup,
    # worker-thread waits) are respected. A native task.cancel() would cut through them.
    failure: Exception | None = None
    with anyio.CancelScope() as scope:

        async def watch() -> None:
            nonlocal failure
            try:
                while (await receive())["type"] != "http.disconnect":
                    pass
            except Exception as exc:  # surfaced in the sending task below
                failure = exc
            scope.cancel()

        watcher = loop.create_task(watch())
        try:
            await job()
        finally:
            watcher.cancel()
    if failure is not None:
        raise failure
    return scope.cancel_called


async def _run_in_task_group(receive: Receive, job: Callable[[], Awaitable[None]]) -> bool:
    disconnected = False
    try:
        async with anyio.create_task_group() as group:

            async def watch() -> None:
                nonlocal disconnected
                while (await receive())["type"] != "http.disconnect":
                    pass
                disconnected = True
                group.cancel_scope.cancel()

            group.start_soon(watch)
            await job()
            group.cancel_scope.cancel()
    except BaseExceptionGroup as group_error:
        # COMPAT: like Starlette, surface a lone error as itself, not as a group.
        if len(group_error.exceptions) != 1:
            raise
        error = group_error.exceptions[0]
        raise error from error.__cause__ or (
            None if error.__suppress_context__ else error.__context__
        )
    return disconnected
