"""Server-sent events with sse-starlette 3.7's API and wire output.

`EventSourceResponse` streams the items of an (async) iterable as events. How a
response runs:
- `http.response.start` goes out first; then the calling task sends the events
  while helper tasks run beside it (`fastresp._asgi.Helpers`): a ping task (none
  when `ping=0`), a disconnect listener on `receive()` (every ASGI spec version, as
  sse-starlette), `data_sender_callable`, and maybe the shutdown watcher
  (`fastresp._shutdown`). On asyncio they are plain tasks around one cancel scope,
  unless `data_sender_callable` or `client_close_handler_callable` is given: user
  code gets an anyio task group, as in sse-starlette. The stream ending, the client
  leaving, the pings stopping or shutdown end the helpers, and they are waited for,
  so no task outlives the response; a lone error surfaces unwrapped.
- Items are encoded by the `sse` kernel in one call each (dict, str, bytes and
  event dispatch included). A send gets a cancel scope only when `send_timeout`
  asks for one, and the per-chunk debug record only when enabled.
- When encoding or sending fails, or the response is cancelled (disconnect, send
  timeout of an event or a ping, shutdown), the iterator is closed in a shielded
  scope bounded by `cleanup_timeout` before the error goes on.
- HEAD, and a status that has no content (1xx, 204, 304), get the headers and an
  empty body: the iterator is closed without being started.
- On shutdown, `shutdown_event` is set and the helpers' deadline moves to now +
  `shutdown_grace_period` (no polling of `active` in 0.1 s steps).

Deliberate differences from `sse_starlette` (each has its own test). Headers and
`status_code` are checked at construction, as for every response class:
`fastresp.responses` differences 5 and 6; `JSONServerSentEvent` data is encoded as
JSONResponse content is (`fastresp.responses` difference 9), with sse-starlette's errors.

1. Shutdown is detected on every anyio backend, trio included (sse-starlette watches
   only on asyncio), and on any server through `AppStatus.should_exit`.
2. uvicorn is neither imported nor patched: `AppStatus.should_exit` reads True while a
   uvicorn server shuts down (found through its SIGTERM handler) instead of being set
   for the rest of the process by a patched `Server.handle_exit`; so
   `AppStatus.original_handler` is None until the application sets one (`handle_exit()`
   itself behaves as sse-starlette's).
3. `ping`, `shutdown_grace_period` and `cleanup_timeout` refuse NaN with the
   ValueError they raise for negative values (sse-starlette accepts NaN).
4. An event `id` or `event` that is not a str, or a dict item with an unknown key,
   raises TypeError with a message naming the field (sse-starlette raises TypeError
   too, from `re` or from `ServerSentEvent.__init__`).
5. The events are sent from the task that calls the response, not from a child task,
   so context variables the iterator sets stay visible to the caller afterwards (as
   with Starlette's `StreamingResponse` on ASGI 2.4).
6. Log records come from the `fastresp.sse` logger, and per-chunk debug records are
   written only while that logger is enabled for DEBUG when the response starts.
7. A status without content (1xx, 204, 304; RFC 9110 §15.2, §15.3.5, §15.4.5) sends
   the headers and an empty body, and closes the iterator without starting it, as
   for HEAD; sse-starlette streams the events anyway.
8. An event `id` containing NUL raises ValueError when the event is encoded (a
   client ignores such an id field: WHATWG HTML §9.2.6); sse-starlette sends it.
9. `retry` must be a non-negative int: a bool raises TypeError (sse-starlette writes
   `retry: True`), a negative int ValueError (it writes `retry: -1`, which clients
   ignore), and the value is written as its decimal digits, so an int subclass's
   `__format__` cannot add a line break (sse-starlette writes `f"{retry}"`).
   Unchanged, and tested: line breaks (CR, LF, CR LF) in an `id` or `event` are
   removed, and each line of a `comment` or of the data is its own comment or data
   line, as sse-starlette writes them: no value can start a field of its own.
"""

import json
import logging
from collections.abc import AsyncIterable, Awaitable, Callable, Coroutine, Iterable, Mapping
from datetime import UTC, datetime
from types import AsyncGeneratorType
from typing import Any

import anyio

from ._asgi import Helpers, Message, Receive, Scope, Send, deny_websocket
from ._shutdown import AppStatus, ShutdownWatch
from ._speedups import headers as _headers
from ._speedups import json as _json
from ._speedups import sse as _sse
from .background import Background
from .base import Response
from .headers import MutableHeaders
from .streaming import _ThreadedIterator

__all__ = [
    "AppStatus",
    "EventSourceResponse",
    "JSONServerSentEvent",
    "SendTimeoutError",
    "ServerSentEvent",
    "ensure_bytes",
]

logger = logging.getLogger(__name__)

_encode_event = _sse.encode_event
_encode_item = _sse.encode_item

# COMPAT: sse-starlette's JSON options (compact, no ASCII escaping, NaN refused).
_json_encode = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode


def _json_text(data: Any) -> str:
    # PERF: the JSON kernel, then one decode: 12x faster on 1000 records, 8.7x on 3 keys.
    try:
        return _json.dumps(data).decode("utf-8")
    except ValueError:
        # COMPAT: errors as sse-starlette raises them: a lone surrogate only when the
        # event is encoded, nesting too deep as RecursionError (UnicodeEncodeError is a
        # ValueError too).
        return _json_encode(data)


class SendTimeoutError(TimeoutError):
    """A send (event or ping) took longer than `send_timeout`."""


class ServerSentEvent:
    """One event; `encode()` gives its bytes (fields are read when it is encoded)."""

    DEFAULT_SEPARATOR = "\r\n"

    def __init__(
        self,
        data: Any = None,
        *,
        event: str | None = None,
        id: str | None = None,
        retry: int | None = None,
        comment: str | None = None,
        sep: str | None = None,
    ) -> None:
        self.data = data
        self.event = event
        self.id = id
        self.retry = retry
        self.comment = comment
        self._sep = self.DEFAULT_SEPARATOR if sep is None else sep

    def encode(self) -> bytes:
        # NOTE: the kernel applies str() to data and comment, in sse-starlette's order.
        # PERF: a Python method: its specialised attribute reads cost less than a
        # compiled method's generic ones (a compiled method, or the fields read in the
        # kernel: +130 and +300 instructions per event; callgrind).
        return _encode_event(self.data, self.event, self.id, self.retry, self.comment, self._sep)


# PERF: the compiled twin makes `ServerSentEvent(...)` without type.__call__ (same attributes).
_sse.bind_event_class(ServerSentEvent)


class JSONServerSentEvent(ServerSentEvent):
    """An event whose data is `data` as compact JSON (None: no data line)."""

    def __init__(
        self,
        data: Any = None,
        *,
        event: str | None = None,
        id: str | None = None,
        retry: int | None = None,
        comment: str | None = None,
        sep: str | None = None,
    ) -> None:
        super().__init__(
            None if data is None else _json_text(data),
            event=event,
            id=id,
            retry=retry,
            comment=comment,
            sep=sep,
        )


def ensure_bytes(data: Any, sep: str) -> bytes:
    """The bytes `EventSourceResponse` sends for the stream item `data` (sse-starlette's)."""
    return _encode_item(data, sep, ServerSentEvent)


def _stream_headers(headers: Mapping[str, str] | None) -> Mapping[str, str]:
    # COMPAT: user headers first, then the SSE ones, in sse-starlette's order and with
    # its precedence (Cache-Control only if absent, the others replaced).
    if headers is None:
        return {"cache-control": "no-store", "connection": "keep-alive", "x-accel-buffering": "no"}
    merged = MutableHeaders()
    merged.update(headers)
    merged.setdefault("cache-control", "no-store")
    merged["connection"] = "keep-alive"
    merged["x-accel-buffering"] = "no"
    return merged


_STOCK_INIT_HEADERS = Response.init_headers
# The raw form of `_stream_headers(None)`, before Content-Type, as `init_headers` makes it.
_STREAM_RAW = tuple(_headers.response_headers(_stream_headers(None), 200, None, None, "utf-8"))


class EventSourceResponse(Response):
    """Stream `content` (an async iterable, or an iterable run in a thread) as events.

    Items may be str or any object (the data of an event), dicts of event fields,
    `ServerSentEvent`s, or ready bytes. Parameters are sse-starlette's.
    """

    DEFAULT_PING_INTERVAL = 15
    DEFAULT_SEPARATOR = "\r\n"
    DEFAULT_CLEANUP_TIMEOUT = 30.0

    def __init__(
        self,
        content: AsyncIterable[Any] | Iterable[Any],
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = "text/event-stream",
        background: Background | None = None,
        ping: float | None = None,
        sep: str | None = None,
        ping_message_factory: Callable[[], Any] | None = None,
        data_sender_callable: Callable[[], Coroutine[Any, Any, None]] | None = None,
        send_timeout: float | None = None,
        client_close_handler_callable: Callable[[Message], Awaitable[None]] | None = None,
        shutdown_event: anyio.Event | None = None,
        shutdown_grace_period: float = 0,
        cleanup_timeout: float | None = DEFAULT_CLEANUP_TIMEOUT,
    ) -> None:
        # COMPAT: sse-starlette's checks, order and messages (NaN: difference 3).
        if sep not in (None, "\r\n", "\r", "\n"):
            raise ValueError(f"sep must be one of: \\r\\n, \\r, \\n, got: {sep}")
        self.sep = sep or self.DEFAULT_SEPARATOR
        # PERF: an async generator is told by its type: the ABC check costs ~2.6k
        # instructions of the ~14k of this constructor.
        if type(content) is AsyncGeneratorType or isinstance(content, AsyncIterable):
            self.body_iterator: AsyncIterable[Any] = content
        else:
            # Each `next()` in a worker thread, as Starlette's `iterate_in_threadpool`.
            self.body_iterator = _ThreadedIterator(content)
        self.status_code = status_code
        if media_type is not None:
            self.media_type = media_type
        self.background = background
        self.data_sender_callable = data_sender_callable
        self.send_timeout = send_timeout
        if headers is None and type(self).init_headers is _STOCK_INIT_HEADERS:
            # PERF: the SSE fields are constant: checked once at import, not per
            # response (-5k of the ~12k instructions of this constructor).
            self.init_headers(None)
            self.raw_headers[:0] = _STREAM_RAW
        else:
            self.init_headers(_stream_headers(headers))
        self.ping_interval = self.DEFAULT_PING_INTERVAL if ping is None else ping
        self.ping_message_factory = ping_message_factory
        self.client_close_handler_callable = client_close_handler_callable
        if not shutdown_grace_period >= 0:
            raise ValueError("shutdown_grace_period must be >= 0")
        self._shutdown_event = shutdown_event
        self._shutdown_grace_period = shutdown_grace_period
        if cleanup_timeout is not None and not cleanup_timeout >= 0:
            raise ValueError("cleanup_timeout must be >= 0")
        self._cleanup_timeout = cleanup_timeout
        self.active = True
        # PERF: made by the ping task, the only other sender: anyio.Lock() finds the
        # backend through sniffio (~13k instructions per response without a ping).
        self._send_lock: anyio.Lock | None = None

    @property
    def ping_interval(self) -> float:
        """Seconds between pings; 0 disables them."""
        return self._ping_interval

    @ping_interval.setter
    def ping_interval(self, value: float) -> None:
        if not isinstance(value, (int, float)):
            raise TypeError("ping interval must be int or float")
        if not value >= 0:
            raise ValueError("ping interval must be >= 0 (0 disables ping)")
        self._ping_interval = value

    def enable_compression(self, force: bool = False) -> None:
        raise NotImplementedError("Compression is not supported for SSE streams.")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            send = deny_websocket(send)
        start = {
            "type": "http.response.start",
            "status": self.status_code,
            "headers": self.raw_headers,
        }
        status = self.status_code
        if (
            (scope["type"] == "http" and scope["method"].upper() == "HEAD")
            or status < 200
            or status == 204
            or status == 304
        ):
            # COMPAT: headers and an empty body; the iterator is never started, since
            # an endless stream would never complete (sse-starlette #218).
            # RFC 9110 §9.3.2, §15.3.5, §15.4.5: no content (difference 7).
            try:
                await self._send_with_timeout(send, start)
                await self._send_with_timeout(
                    send, {"type": "http.response.body", "body": b"", "more_body": False}
                )
            finally:
                await self._close_iterator()
        else:
            await send(start)
            await self._run(receive, send)
        if self.background is not None:
            await self.background()

    async def _run(self, receive: Receive, send: Send) -> None:
        # User callbacks may shield, and must start: they get a task group (see Helpers).
        user_code = not (
            self.data_sender_callable is None and self.client_close_handler_callable is None
        )
        # PERF: without user callbacks, a 1-event response takes 81 us instead of
        # 214 us with the task group (uvloop, 300 responses in a row, best of 10).
        async with Helpers(task_group=user_code) as helpers:
            done = helpers.cancel_scope
            with ShutdownWatch(helpers, self._shutdown_event, self._shutdown_grace_period):
                if self._ping_interval > 0:  # NOTE: 0 starts no ping task: no busy loop
                    helpers.start_soon(self._ping, send, done)
                if self.data_sender_callable is not None:
                    helpers.start_soon(self.data_sender_callable)
                helpers.start_soon(self._listen_for_disconnect, receive, done)
                await self._send_events(send)

    async def _send_events(self, send: Send) -> None:
        debug = logger.isEnabledFor(logging.DEBUG)
        # PERF: locals, not attribute and global look-ups, in the per-event loop:
        # -2% instructions per event (callgrind, 10,000 dict events).
        encode = _encode_item
        event_class = ServerSentEvent
        sep = self.sep
        try:
            async for item in self.body_iterator:
                chunk = encode(item, sep, event_class)
                if debug:
                    logger.debug("event bytes: %r", chunk)
                message = {"type": "http.response.body", "body": chunk, "more_body": True}
                if self.send_timeout is None:
                    # PERF: no cancel scope per send, 43% of sse-starlette's per-event
                    # time (shared/notes/starlette-profile.md §9).
                    await send(message)
                else:
                    await self._send_with_timeout(send, message)
        except BaseException:
            # NOTE: no ping after a failed send: on a dead client (ASGI 2.4) it would
            # fail too, and the caller would get a group of two errors, not one.
            self.active = False
            # The iterator may be suspended at its `yield` (or waiting in a worker
            # thread): close it so its cleanup runs before the error (or the
            # cancellation) goes on. An iterator that raised is closed already.
            await self._close_iterator()
            raise
        end = {"type": "http.response.body", "body": b"", "more_body": False}
        lock = self._send_lock
        if lock is not None and lock.locked():  # a ping is being sent: it goes first
            async with lock:
                self.active = False
                await send(end)
        else:
            # PERF: no lock, whose acquire yields to the loop even when free: that
            # yield started the helper tasks of a stream that never waited. No ping
            # starts after this: it takes the lock, then checks `active`.
            self.active = False
            await send(end)

    async def _send_with_timeout(self, send: Send, message: Message) -> None:
        timeout = self.send_timeout
        if timeout is None:
            await send(message)
            return
        with anyio.move_on_after(timeout) as scope:
            await send(message)
        if scope.cancel_called:
            raise SendTimeoutError()

    async def _close_iterator(self) -> None:
        aclose = getattr(self.body_iterator, "aclose", None)
        if aclose is None:
            return
        # NOTE: shielded so that cancellation cannot skip the cleanup, and bounded
        # by `cleanup_timeout` so that a stuck cleanup cannot hang the response.
        with anyio.move_on_after(self._cleanup_timeout, shield=True) as scope:
            try:
                await aclose()
            except Exception:
                logger.exception("closing the event iterator after a failed send raised")
        if scope.cancel_called:
            logger.warning("event iterator cleanup stopped after %s seconds", self._cleanup_timeout)

    async def _ping(self, send: Send, done: anyio.CancelScope) -> None:
        debug = logger.isEnabledFor(logging.DEBUG)
        lock = self._send_lock = anyio.Lock()
        while self.active:
            await anyio.sleep(self._ping_interval)
            if self.ping_message_factory is None:
                comment = f"ping - {datetime.now(UTC)}"
                ping = _encode_event(None, None, None, None, comment, self.sep)
            else:
                ping = _encode_item(self.ping_message_factory(), self.sep, ServerSentEvent)
            if debug:
                logger.debug("ping bytes: %r", ping)
            async with lock:
                if self.active:
                    # NOTE: a timeout here is not followed by closing the iterator:
                    # it is running (awaited by `_send_events`), so the cancellation
                    # of the task group closes it instead.
                    await self._send_with_timeout(
                        send, {"type": "http.response.body", "body": ping, "more_body": True}
                    )
        done.cancel()

    async def _listen_for_disconnect(self, receive: Receive, done: anyio.CancelScope) -> None:
        while self.active:
            message = await receive()
            if message["type"] == "http.disconnect":
                self.active = False
                logger.debug("client disconnected: the event stream stops")
                if self.client_close_handler_callable is not None:
                    await self.client_close_handler_callable(message)
                break
        done.cancel()
