"""ASGI types and the plumbing every response class shares.

`Helpers` is the one "cheap task group" of fastresp: helper tasks (a disconnect
watcher, SSE pings, ...) that run beside the calling task's work and end with it.
Starlette and sse-starlette open an anyio task group per streaming response, which
costs 100-300 us on asyncio; `Helpers` gives the same guarantees for a fraction:
- the work runs inside an anyio cancel scope (`cancel_scope`), so a helper ends it
  the way a task group would, and anyio shields inside the work are respected;
- a helper's error ends the work and is raised (a lone error unwrapped, several as a
  `BaseExceptionGroup`, as Starlette surfaces a task group's errors);
- when the work ends, every helper is cancelled and waited for: no task outlives it.
On asyncio the helpers are plain tasks, created only once the work first suspends
(a response that never waits pays for no task); other backends (trio) get an anyio
task group.
"""

import asyncio
from collections.abc import Awaitable, Callable, Coroutine, MutableMapping
from types import TracebackType
from typing import Any, NoReturn

import anyio
import anyio.abc

__all__ = [
    "Helpers",
    "LateWatch",
    "Message",
    "Receive",
    "Scope",
    "Send",
    "deny_websocket",
    "disconnects_by_send",
    "raise_unwrapped",
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


_SPECS: dict[str, tuple[int, ...]] = {}
_BY_SEND: dict[str, bool] = {}
_NO_ASGI: dict[str, str] = {}  # NOTE: read only


def spec_version(scope: Scope) -> tuple[int, ...]:
    """The scope's ASGI spec version; "2.0" when the server does not say."""
    text = scope.get("asgi", _NO_ASGI).get("spec_version", "2.0")
    # PERF: a server sends one or two versions: parsed once each (-1 us per response).
    version = _SPECS.get(text)
    if version is None:
        version = tuple(map(int, text.split(".")))
        if len(_SPECS) < 16:
            _SPECS[text] = version
    return version


def disconnects_by_send(scope: Scope) -> bool:
    """Whether the server reports a disconnect by failing `send` (ASGI spec >= 2.4)."""
    text = scope.get("asgi", _NO_ASGI).get("spec_version", "2.0")
    # PERF: one look-up per response, not a parse and a tuple comparison.
    by_send = _BY_SEND.get(text)
    if by_send is None:
        by_send = spec_version(scope) >= (2, 4)
        if len(_BY_SEND) < 16:
            _BY_SEND[text] = by_send
    return by_send


def raise_unwrapped(errors: list[BaseException]) -> NoReturn:
    """Raise `errors`: a lone one as itself (its context kept), several as a group."""
    # COMPAT: as Starlette and sse-starlette surface their task groups' errors.
    while len(errors) == 1 and isinstance(errors[0], BaseExceptionGroup):
        errors = list(errors[0].exceptions)
    if len(errors) != 1:
        raise BaseExceptionGroup("unhandled errors in a TaskGroup", errors)
    error = errors[0]
    context = error.__context__
    try:
        raise error
    finally:
        error.__context__ = context  # NOTE: not the exception being handled here
        del error, context


_scope_class: type[anyio.CancelScope] | None = None


def _new_scope() -> anyio.CancelScope:
    """`anyio.CancelScope()`, on asyncio."""
    # PERF: `anyio.CancelScope()` finds the backend on every call (sniffio, and its
    # `__init__` runs twice): 5.4 -> 3.1 us per scope when the asyncio backend's own
    # class, as anyio returned it the first time, is called directly (timeit, uvloop).
    global _scope_class
    if _scope_class is None:
        scope = anyio.CancelScope()
        _scope_class = type(scope)
        return scope
    return _scope_class()


class Helpers:
    """Helper tasks beside the work of an `async with` block, ended with it.

    `start_soon(func, *args)` runs `func` beside the block; `cancel()` (from a helper)
    ends the block, which then exits normally, and sets `cancelled`. A helper that ends
    the block differently (ends `cancel_scope`, or fails) does not set it. See the
    module docstring for the guarantees. On asyncio the helpers are ended with
    `Task.cancel()`: they must not shield themselves or ignore the cancellation, and
    one that has not started when the block ends never runs. `task_group=True` asks
    for an anyio task group on every backend (for helpers that shield, or must start).
    """

    __slots__ = (
        "_errors",
        "_group",
        "_loop",
        "_pending",
        "_spawner",
        "_tasks",
        "cancel_scope",
        "cancelled",
    )

    def __init__(self, *, task_group: bool = False) -> None:
        self.cancelled = False
        self._group: anyio.abc.TaskGroup | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        if not task_group:
            try:
                self._loop = asyncio.get_running_loop()
            except RuntimeError:  # no asyncio loop running: trio
                pass
        # PERF: lists only when needed: fewer allocations for the cyclic GC to count.
        self._pending: list[tuple[Callable[..., Coroutine[Any, Any, Any]], tuple[Any, ...]]] = []
        self._spawner: asyncio.Handle | None = None
        self._tasks: list[asyncio.Task[None]] | None = None
        self._errors: list[BaseException] | None = None

    async def __aenter__(self) -> "Helpers":
        if self._loop is None:
            group = self._group = anyio.create_task_group()
            await group.__aenter__()
            self.cancel_scope = group.cancel_scope
        else:
            # PERF: one anyio scope (~3 us) instead of a task group (100-300 us).
            self.cancel_scope = _new_scope()
            self.cancel_scope.__enter__()
        return self

    def start_soon(self, func: Callable[..., Coroutine[Any, Any, Any]], *args: Any) -> None:
        """Run `func(*args)` beside the block (on asyncio: once the block first waits)."""
        if self._group is not None:
            self._group.start_soon(func, *args)
            return
        assert self._loop is not None
        self._pending.append((func, args))
        if self._spawner is None:
            # PERF: a callback, not a task: a block that never waits (a stream from
            # memory to a writable socket) ends it for ~0.3 us; creating and
            # cancelling a task costs ~4 us, and tasks pile up until the loop runs.
            self._spawner = self._loop.call_soon(self._start_pending)

    def cancel(self) -> None:
        """End the block; it exits normally, with `cancelled` set."""
        self.cancelled = True
        self.cancel_scope.cancel()

    def _start_pending(self) -> None:
        assert self._loop is not None
        self._spawner = None
        pending, self._pending = self._pending, []
        if self._tasks is None:
            self._tasks = []
        for func, args in pending:
            self._tasks.append(self._loop.create_task(self._guard(func, args)))

    async def _guard(
        self, func: Callable[..., Coroutine[Any, Any, Any]], args: tuple[Any, ...]
    ) -> None:
        try:
            await func(*args)
        except Exception as exc:  # as in a task group: it ends the block, then is raised
            if self._errors is None:
                self._errors = []
            self._errors.append(exc)
            self.cancel_scope.cancel()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool:
        group = self._group
        if group is not None:
            if exc is None:
                group.cancel_scope.cancel()  # the work is done: end the helpers
            try:
                return bool(await group.__aexit__(exc_type, exc, tb))
            except BaseExceptionGroup as group_errors:
                raise_unwrapped([group_errors])
        if self._spawner is not None:
            self._spawner.cancel()
            self._spawner = None
            self._pending.clear()
        tasks = self._tasks
        if tasks is not None:
            for task in tasks:
                task.cancel()
        swallowed = bool(self.cancel_scope.__exit__(exc_type, exc, tb))
        if tasks is not None:
            await _join(tasks)
        errors = self._errors
        if errors is not None:
            # COMPAT: as a task group: a helper's error wins over the cancellation it
            # caused, and joins any other error of the block.
            if exc is not None and not swallowed and not isinstance(exc, asyncio.CancelledError):
                errors.append(exc)
            raise_unwrapped(errors)
        return swallowed


async def _join(tasks: list[asyncio.Task[None]]) -> None:
    """Wait until cancelled `tasks` end, even while the caller is being cancelled."""
    cancelled: asyncio.CancelledError | None = None
    while pending := [task for task in tasks if not task.done()]:
        try:
            await asyncio.wait(pending)
        except asyncio.CancelledError as exc:  # re-raised once nothing is left behind
            cancelled = exc
    if cancelled is not None:
        raise cancelled


async def _watch_disconnect(receive: Receive, helpers: Helpers) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass
    helpers.cancel()


class _Watch:
    """`run_until_disconnect`'s watcher on asyncio: one task, started by a loop callback
    once the job first waits (as `Helpers.start_soon`), that cancels `scope` when the
    client leaves or `receive` fails. With a `LateWatch`, the callback is a timer and
    the job may start the task earlier (`LateWatch.start`)."""

    __slots__ = ("_loop", "_receive", "_scope", "_spawner", "disconnected", "error", "task")

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        receive: Receive,
        scope: anyio.CancelScope,
        delay: float | None,
    ) -> None:
        self._loop = loop
        self._receive = receive
        self._scope = scope
        self.disconnected = False
        self.error: Exception | None = None
        self.task: asyncio.Task[None] | None = None
        self._spawner: asyncio.Handle | None = (
            loop.call_soon(self._start) if delay is None else loop.call_later(delay, self._start)
        )

    def start(self) -> None:
        """Start the task now, unless it was started or stopped already."""
        if self._spawner is not None:
            self._spawner.cancel()
            self._start()

    def _start(self) -> None:
        self._spawner = None
        self.task = self._loop.create_task(self._watch())

    async def _watch(self) -> None:
        try:
            while (await self._receive())["type"] != "http.disconnect":
                pass
        except Exception as exc:  # as in a task group: it ends the job, then is raised
            self.error = exc
        else:
            self.disconnected = True
        self._scope.cancel()

    def stop(self) -> None:
        if self._spawner is not None:
            self._spawner.cancel()
            self._spawner = None
        elif self.task is not None:
            self.task.cancel()


class LateWatch:
    """`run_until_disconnect(..., late=LateWatch(delay))`: on asyncio, the watch starts
    `delay` seconds into the job, or when the job calls `start()`, not at its first
    suspension. For a job that bounds on its own what it does unwatched (a file body:
    `start()` at its first cancellation point) and usually ends sooner: a watch costs a
    task and a few rounds of the loop (~20% of a 1 MiB file response's instructions).
    On other backends the watch starts at once."""

    __slots__ = ("_watch", "delay")

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self._watch: _Watch | None = None

    def start(self) -> None:
        if self._watch is not None:
            self._watch.start()


async def run_until_disconnect(
    receive: Receive,
    job: Callable[..., Awaitable[None]],
    *args: Any,
    late: LateWatch | None = None,
) -> bool:
    """Run `job(*args)` while watching `receive` for `http.disconnect`.

    Returns True if the client disconnected first (the job was cancelled), False if
    the job finished. Errors from the job or from `receive` propagate unwrapped. The
    guarantees are `Helpers`' (the job runs in an anyio cancel scope, so its shields
    hold; the watcher ends with it). The watch starts at the job's first suspension,
    or as `late` says.
    """
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:  # no asyncio loop running: trio, with an anyio task group
        async with Helpers() as helpers:
            helpers.start_soon(_watch_disconnect, receive, helpers)
            await job(*args)
        return helpers.cancelled
    # PERF: `Helpers` without its generality (one helper, no lists, no `async with`):
    # -7,000 instructions per response (callgrind), of the ~31,000 the watch costs.
    scope = _new_scope()
    if late is None:
        watch = _Watch(loop, receive, scope, None)
    else:
        watch = late._watch = _Watch(loop, receive, scope, late.delay)
    scope.__enter__()
    try:
        await job(*args)
    except BaseException as exc:
        watch.stop()
        swallowed = scope.__exit__(type(exc), exc, exc.__traceback__)
        if watch.task is not None:
            await _join([watch.task])
        if watch.error is not None:
            # COMPAT: as a task group: the watcher's error wins over the cancellation it
            # caused, and joins any other error of the job.
            errors: list[BaseException] = [watch.error]
            if not swallowed and not isinstance(exc, asyncio.CancelledError):
                errors.append(exc)
            raise_unwrapped(errors)
        if not swallowed:
            raise
    else:
        watch.stop()
        scope.__exit__(None, None, None)
        if watch.task is not None:
            await _join([watch.task])
        if watch.error is not None:
            raise_unwrapped([watch.error])
    return watch.disconnected
