"""Graceful shutdown for event streams, on any ASGI server and any anyio backend.

An event stream never ends by itself, so a server that waits for open responses
before it exits would wait forever. While it streams, each `EventSourceResponse`
enters a `ShutdownWatch` over its task group. When shutdown is requested the watch
sets the response's `shutdown_event`, then cancels the task group: at once, or when
`shutdown_grace_period` has passed (the cancel scope's deadline moves to
now + grace, so a stream that finishes earlier is never cut short).

Shutdown is requested while `AppStatus.should_exit` reads true, which is:
- after anyone sets it (the application, its own signal handler, a test), or calls
  `AppStatus.handle_exit()` (sse-starlette's entry point) while automatic drain is on, or
- while automatic drain is on and the SIGTERM handler is a bound method of an object
  whose `should_exit` is true. uvicorn installs `Server.handle_exit` that way while it
  serves, so uvicorn is found without being imported or patched, and a finished
  server (its handler restored) no longer counts.

One watcher per event loop polls that flag. It needs no detached task, which trio
does not allow: it runs among the helper tasks of one of the live responses (its
host), and when the host ends it moves to another live response; with none left it
stops, and the next response starts it again. So every task ends with the response
that hosts it. The host's exit does the move, not the watcher's `finally:`, because
a helper may never start (`fastresp._asgi.Helpers`).
"""

import asyncio
import importlib
import signal
import weakref
from collections.abc import Callable, Coroutine
from typing import Any, Protocol

import anyio
from anyio.lowlevel import RunVar

__all__ = ["AppStatus", "Group", "ShutdownWatch"]

# NOTE: sse-starlette polls every 0.5 s too; tests shorten it.
_POLL_INTERVAL = 0.5
_SIGTERM = int(signal.SIGTERM)
# PERF: the raw handler: 3.11's `signal.getsignal` first tries to make any handler an
# enum member, which for a bound method raises and catches a ValueError (~5% of a
# 20-event stream's time under uvicorn, py-spy). `_signal` has no type stubs.
_raw_getsignal: Callable[[int], object] = importlib.import_module("_signal").getsignal


def _server_is_exiting() -> bool:
    handler = _raw_getsignal(_SIGTERM)
    return getattr(getattr(handler, "__self__", None), "should_exit", False) is True


class _AppStatusType(type):
    _exit_requested: bool
    enable_automatic_graceful_drain: bool
    original_handler: Callable[..., object] | None

    @property
    def should_exit(cls) -> bool:
        """True once shutdown is requested, by the flag or by the server (see the module)."""
        if cls._exit_requested:
            return True
        return cls.enable_automatic_graceful_drain and _server_is_exiting()

    @should_exit.setter
    def should_exit(cls, value: bool) -> None:
        cls._exit_requested = value

    @should_exit.deleter
    def should_exit(cls) -> None:
        # NOTE: what `monkeypatch.setattr` and `mock.patch` undo with: clear the flag.
        cls._exit_requested = False


class AppStatus(metaclass=_AppStatusType):
    """Process-wide shutdown switch, with sse-starlette's `AppStatus` surface.

    Set `AppStatus.should_exit = True`, or call `AppStatus.handle_exit()`, to end every
    event stream (after its grace period); reset `should_exit` to False to stream
    again. It also reads True while uvicorn shuts down, unless
    `disable_automatic_graceful_drain()` was called.
    """

    _exit_requested = False
    enable_automatic_graceful_drain = True
    # COMPAT: sse-starlette stores uvicorn's `Server.handle_exit` here when it patches
    # it; fastresp patches nothing, so it is None until the application sets one.
    original_handler: Callable[..., object] | None = None

    @staticmethod
    def disable_automatic_graceful_drain() -> None:
        """Ignore the server's shutdown: streams end only when `should_exit` is set."""
        AppStatus.enable_automatic_graceful_drain = False

    @staticmethod
    def enable_automatic_graceful_drain_mode() -> None:
        """End streams when the server shuts down again (the default)."""
        AppStatus.enable_automatic_graceful_drain = True

    @staticmethod
    def handle_exit(*args: Any, **kwargs: Any) -> None:
        """Request shutdown, as sse-starlette's does: set `should_exit` unless automatic
        drain is disabled, then call `original_handler(*args, **kwargs)` if one is set
        (a signal handler's `(signum, frame)` pass straight through)."""
        if AppStatus.enable_automatic_graceful_drain:
            AppStatus.should_exit = True
        if AppStatus.original_handler is not None:
            AppStatus.original_handler(*args, **kwargs)


class Group(Protocol):
    """What a watch needs of a response's helpers: a task group, or `_asgi.Helpers`."""

    @property
    def cancel_scope(self) -> anyio.CancelScope: ...

    def start_soon(self, func: Callable[..., Coroutine[Any, Any, Any]], *args: Any) -> None: ...


class _Registry:
    """The streams of one event loop, and which one hosts the watcher (None: no watcher)."""

    __slots__ = ("host", "streams")

    def __init__(self) -> None:
        self.streams: dict[ShutdownWatch, None] = {}  # an ordered set
        self.host: ShutdownWatch | None = None

    def start_watcher(self) -> None:
        """Start the watcher in the first live stream, if any."""
        self.host = None
        for stream in self.streams:
            if not stream.group.cancel_scope.cancel_called:
                self.host = stream
                stream.group.start_soon(_watch, self, stream)
                return


_REGISTRY: RunVar[_Registry] = RunVar("fastresp.sse.shutdown")
# PERF: the last asyncio loop's registry, found again without `RunVar.get`, which asks
# sniffio for the backend (~10k instructions per event stream).
_last: "tuple[weakref.ref[asyncio.AbstractEventLoop], _Registry] | None" = None


def _registry() -> _Registry:
    """The registry of the running event loop (one per loop, as a RunVar)."""
    global _last
    try:
        loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
    except RuntimeError:  # trio
        loop = None
    last = _last
    if last is not None and loop is not None and last[0]() is loop:
        return last[1]
    registry = _REGISTRY.get(None)
    if registry is None:
        registry = _Registry()
        _REGISTRY.set(registry)
    if loop is not None:
        _last = (weakref.ref(loop), registry)
    return registry


async def _watch(registry: _Registry, host: "ShutdownWatch") -> None:
    while not AppStatus.should_exit:
        await anyio.sleep(_POLL_INTERVAL)
    if registry.host is not host:  # the host ended while this task was ending too
        return
    registry.host = None
    streams = list(registry.streams)
    registry.streams.clear()
    for stream in streams:
        stream.shut_down()


class ShutdownWatch:
    """Ends `group` on shutdown while the `with` block runs (one per streaming response)."""

    __slots__ = ("_event", "_grace", "_registry", "group")

    def __init__(self, group: Group, event: anyio.Event | None, grace: float) -> None:
        self.group = group
        self._event = event
        self._grace = grace
        self._registry: _Registry | None = None

    def __enter__(self) -> None:
        if AppStatus.should_exit:
            self.shut_down()
            return
        registry = self._registry = _registry()
        registry.streams[self] = None
        if registry.host is None:
            registry.start_watcher()

    def __exit__(self, *exc_info: Any) -> None:
        registry = self._registry
        if registry is not None:
            registry.streams.pop(self, None)
            if registry.host is self:  # move the watcher to another live stream, if any
                registry.start_watcher()

    def shut_down(self) -> None:
        """Set the shutdown event, then cancel the group now or after the grace period."""
        if self._event is not None:
            self._event.set()
        scope = self.group.cancel_scope
        if self._grace > 0:
            scope.deadline = min(scope.deadline, anyio.current_time() + self._grace)
        else:
            scope.cancel()
