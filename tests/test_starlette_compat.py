"""`fastresp.starlette`: Starlette identity, fastresp behaviour.

The MRO trick only holds while every name Starlette's classes define resolves to
fastresp's code. These tests pin Starlette 1.10.0's class surface, so a new Starlette
method or attribute fails here until it is implemented or listed in `INHERITED`.
"""

import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import sse_starlette
import starlette.background
import starlette.datastructures
import starlette.responses as sr

import fastresp
import fastresp.starlette as compat

from support import call

ROOT = Path(__file__).resolve().parents[1]

COMPAT_CLASSES: dict[str, type[Any]] = {
    "Response": compat.Response,
    "HTMLResponse": compat.HTMLResponse,
    "PlainTextResponse": compat.PlainTextResponse,
    "JSONResponse": compat.JSONResponse,
    "RedirectResponse": compat.RedirectResponse,
    "StreamingResponse": compat.StreamingResponse,
    "FileResponse": compat.FileResponse,
    "EventSourceResponse": compat.EventSourceResponse,
}

ORIGINALS: dict[str, type[Any]] = {
    **{name: getattr(sr, name) for name in COMPAT_CLASSES if name != "EventSourceResponse"},
    "EventSourceResponse": sse_starlette.EventSourceResponse,
}

# What each class of `starlette.responses` 1.10.0 defines in its own body.
STARLETTE_SURFACE: dict[str, set[str]] = {
    "Response": {
        "__call__", "__init__", "_wrap_websocket_denial_send", "charset", "delete_cookie",
        "headers", "init_headers", "media_type", "render", "set_cookie",
    },
    "HTMLResponse": {"media_type"},
    "PlainTextResponse": {"media_type"},
    "JSONResponse": {"__init__", "media_type", "render"},
    "RedirectResponse": {"__init__"},
    "StreamingResponse": {"__call__", "__init__", "listen_for_disconnect", "stream_response"},
    "FileResponse": {
        "__call__", "__init__", "_handle_multiple_ranges", "_handle_simple",
        "_handle_single_range", "_open_file", "_parse_range_header", "_parse_ranges",
        "_should_use_range", "chunk_size", "generate_multipart", "max_ranges",
        "set_stat_headers",
    },
}  # fmt: skip

# What sse-starlette 3.7.0's EventSourceResponse defines in its own body.
SSE_STARLETTE_SURFACE = {
    "DEFAULT_CLEANUP_TIMEOUT", "DEFAULT_PING_INTERVAL", "DEFAULT_SEPARATOR", "__call__",
    "__init__", "_listen_for_disconnect", "_listen_for_exit_signal",
    "_listen_for_exit_signal_with_grace", "_ping", "_send_with_timeout", "_stream_response",
    "enable_compression", "ping_interval",
}  # fmt: skip

# Public names a compat class deliberately takes from Starlette, with the reason.
_UNUSED_BY_CALL = (
    "public Starlette helper that fastresp's `__call__` does not use: calling it works (it "
    "reads only `body_iterator`, `raw_headers`, `charset` or `receive`), but overriding it "
    "in a subclass changes nothing"
)
INHERITED: dict[tuple[str, str], str] = {
    ("StreamingResponse", "listen_for_disconnect"): _UNUSED_BY_CALL,
    ("StreamingResponse", "stream_response"): _UNUSED_BY_CALL,
}
# NOTE: private names (`_handle_simple`, `_wrap_websocket_denial_send`, ...) may resolve
# either way: fastresp's methods only call fastresp's own helpers, so a Starlette helper
# that is still reachable serves only user subclasses that call it on purpose.

# Instance attributes that a Starlette (or sse-starlette) instance has and ours need not.
NOT_MIRRORED: dict[str, str] = {
    "_headers": "cache behind Starlette's `headers` property, which fastresp's replaces",
}

# Generic names every class body gets.
_CLASS_NOISE = {
    "__module__", "__doc__", "__dict__", "__weakref__", "__qualname__", "__firstlineno__",
    "__static_attributes__", "__annotations__", "__annotate__", "__annotate_func__",
    "__annotations_cache__",
}  # fmt: skip


def is_private(name: str) -> bool:
    return name.startswith("_") and not name.endswith("__")


def own_names(cls: type[Any]) -> set[str]:
    return set(vars(cls)) - _CLASS_NOISE


def starlette_bases(cls: type[Any]) -> list[type[Any]]:
    return [base for base in cls.__mro__ if base.__module__ == "starlette.responses"]


def owner(cls: type[Any], name: str) -> type[Any]:
    return next(klass for klass in cls.__mro__ if name in vars(klass))


def sample(cls: type[Any], tmp_path: Path) -> Any:
    """One instance of `cls`, built the same way for ours and the original."""
    name = cls.__name__
    if name == "RedirectResponse":
        return cls("/elsewhere")
    if name in ("StreamingResponse", "EventSourceResponse"):
        return cls(iter([b"x"]))
    if name == "FileResponse":
        path = tmp_path / "f.txt"
        path.write_bytes(b"abc")
        return cls(path, filename="f.txt")
    return cls({"a": 1}) if name == "JSONResponse" else cls("x")


# --- the pinned surface ------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(STARLETTE_SURFACE))
def test_starlette_surface_is_pinned(name: str) -> None:
    """Fails when a Starlette release adds or removes names: review the MRO, then update."""
    assert own_names(getattr(sr, name)) == STARLETTE_SURFACE[name]


@pytest.mark.parametrize("name", sorted(COMPAT_CLASSES))
def test_every_starlette_name_resolves_to_fastresp(name: str) -> None:
    cls = COMPAT_CLASSES[name]
    bases = starlette_bases(cls)
    assert bases, f"{name} is not a Starlette subclass"
    for base in bases:
        for attr in sorted(STARLETTE_SURFACE[base.__name__]):
            where = owner(cls, attr)
            if (base.__name__, attr) in INHERITED:
                assert where is base, f"{name}.{attr}: listed as inherited but overridden"
            elif not is_private(attr):
                assert where.__module__.startswith("fastresp."), (
                    f"{name}.{attr} resolves to {where.__module__}.{where.__qualname__}"
                )


def test_sse_starlette_surface_is_pinned_and_present() -> None:
    assert own_names(sse_starlette.EventSourceResponse) == SSE_STARLETTE_SURFACE
    for attr in sorted(SSE_STARLETTE_SURFACE):
        if not is_private(attr):
            where = owner(compat.EventSourceResponse, attr)
            assert where.__module__.startswith("fastresp."), f"EventSourceResponse.{attr}"
    for attr in ("DEFAULT_CLEANUP_TIMEOUT", "DEFAULT_PING_INTERVAL", "DEFAULT_SEPARATOR"):
        assert getattr(compat.EventSourceResponse, attr) == getattr(
            sse_starlette.EventSourceResponse, attr
        )


@pytest.mark.parametrize("name", sorted(COMPAT_CLASSES))
def test_fastresp_classes_come_first_in_the_mro(name: str) -> None:
    modules = [klass.__module__ for klass in COMPAT_CLASSES[name].__mro__[:-1]]
    first_starlette = modules.index("starlette.responses")
    assert all(m.startswith("fastresp") for m in modules[:first_starlette])
    assert all(m == "starlette.responses" for m in modules[first_starlette:])


@pytest.mark.parametrize("name", sorted(COMPAT_CLASSES))
def test_instances_carry_starlette_attributes(name: str, tmp_path: Path) -> None:
    """Every attribute the original's constructor sets, ours sets too (Starlette-typed
    code such as FastAPI reads them)."""
    ours, theirs = sample(COMPAT_CLASSES[name], tmp_path), sample(ORIGINALS[name], tmp_path)
    for attr in sorted(set(vars(theirs)) - set(NOT_MIRRORED)):
        if name == "EventSourceResponse" and attr.startswith("_"):
            continue  # sse-starlette's private state
        assert hasattr(ours, attr), f"{name} instance lacks {attr!r}"
    assert type(ours.status_code) is int
    assert ours.headers.raw is ours.raw_headers


@pytest.mark.parametrize("name", sorted(COMPAT_CLASSES))
def test_identity(name: str, tmp_path: Path) -> None:
    cls = COMPAT_CLASSES[name]
    response = sample(cls, tmp_path)
    assert isinstance(response, getattr(fastresp, name))
    assert isinstance(response, compat.Response)
    assert isinstance(response, sr.Response)
    if hasattr(sr, name):
        assert isinstance(response, getattr(sr, name))
    assert cls.__module__ == "fastresp.starlette"
    assert name in compat.__all__


def test_class_media_types() -> None:
    for name in ("Response", "HTMLResponse", "PlainTextResponse", "JSONResponse"):
        assert COMPAT_CLASSES[name].media_type == getattr(sr, name).media_type
    assert compat.RedirectResponse.media_type is None
    assert compat.StreamingResponse.media_type is None
    assert compat.FileResponse.media_type is None
    assert compat.FileResponse.chunk_size == sr.FileResponse.chunk_size
    assert compat.FileResponse.max_ranges == sr.FileResponse.max_ranges


# --- Starlette stays optional -------------------------------------------------------------


@pytest.mark.parametrize("no_extensions", ["", "1"])
def test_core_package_never_imports_starlette(no_extensions: str) -> None:
    code = (
        "import sys, fastresp, fastresp.responses;"
        "assert 'starlette' not in sys.modules, sorted(sys.modules);"
        "import fastresp.starlette;"
        "assert 'starlette.responses' in sys.modules"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "FASTRESP_NO_EXTENSIONS": no_extensions}
    subprocess.run([sys.executable, "-c", code], check=True, env=env, cwd=ROOT, timeout=60)


# --- same messages as Starlette ---------------------------------------------------------


def _build(ns: SimpleNamespace, case: str) -> Any:
    if case == "json":
        return ns.JSONResponse({"ü": [1, None]}, status_code=201, headers={"X-A": "b"})
    if case == "html":
        return ns.HTMLResponse("<p>é</p>", background=ns.background)
    if case == "text-cookies":
        response = ns.PlainTextResponse("hi")
        response.set_cookie("k", "v", max_age=5, domain="example.com", samesite="strict")
        response.delete_cookie("gone")
        return response
    if case == "redirect":
        return ns.RedirectResponse("/a b?c=ü", headers={"X-R": "1"})
    return ns.Response(b"\x00", media_type="application/octet-stream", status_code=203)


@pytest.mark.anyio
@pytest.mark.parametrize("case", ["json", "html", "text-cookies", "redirect", "bytes"])
async def test_same_messages_as_starlette(case: str) -> None:
    runs: list[list[str]] = []
    sent: list[list[Any]] = []
    for module in (sr, compat):
        log: list[str] = []

        async def task(log: list[str] = log) -> None:
            log.append("ran")

        ns = SimpleNamespace(**{n: getattr(module, n) for n in STARLETTE_SURFACE})
        ns.background = starlette.background.BackgroundTask(task)
        exchange = await call(_build(ns, case))
        messages = exchange.messages
        if case == "text-cookies":  # the expiry date of the deleted cookie is "now"
            messages = [
                {**m, "headers": [(k, v.split(b"; expires=")[0]) for k, v in m["headers"]]}
                if "headers" in m
                else m
                for m in messages
            ]
        sent.append(messages)
        runs.append(log)
    assert sent[0] == sent[1]
    assert runs[0] == runs[1]


# --- deliberate differences (module docstring) -----------------------------------------


def test_difference_1_headers_are_fastresp_mutable_headers() -> None:
    headers = compat.JSONResponse(None).headers
    assert isinstance(headers, fastresp.MutableHeaders)
    assert not isinstance(headers, starlette.datastructures.MutableHeaders)
    headers["X-A"] = "1"  # same reads and writes, on the list that is sent
    assert headers["x-a"] == "1"
    assert headers.raw[-1] == (b"x-a", b"1")
    assert headers == starlette.datastructures.MutableHeaders(raw=list(headers.raw))


def test_difference_2_background_helpers_are_fastresp_ones() -> None:
    assert compat.BackgroundTask is fastresp.BackgroundTask
    assert compat.BackgroundTasks is fastresp.BackgroundTasks
    assert not issubclass(compat.BackgroundTask, starlette.background.BackgroundTask)


def test_difference_3_event_stream_media_type_on_the_class() -> None:
    assert compat.EventSourceResponse.media_type == "text/event-stream"
    assert sse_starlette.EventSourceResponse.media_type is None
    content_type = (b"content-type", b"text/event-stream; charset=utf-8")
    # Same headers by default...
    ours = compat.EventSourceResponse(iter([]))
    theirs = sse_starlette.EventSourceResponse(iter([]))
    assert ours.raw_headers == theirs.raw_headers
    assert ours.raw_headers[-1] == content_type
    # ...and only an explicit `media_type=None` tells them apart.
    assert compat.EventSourceResponse(iter([]), media_type=None).raw_headers[-1] == content_type
    theirs = sse_starlette.EventSourceResponse(iter([]), media_type=None)  # type: ignore[arg-type]
    assert b"content-type" not in dict(theirs.raw_headers)


@pytest.mark.anyio
async def test_difference_4_stream_response_overrides_are_not_called() -> None:
    assert compat.StreamingResponse.stream_response is sr.StreamingResponse.stream_response
    overridden: list[str] = []

    class Custom(compat.StreamingResponse):
        async def stream_response(self, send: Any) -> None:
            overridden.append("stream_response")

        async def listen_for_disconnect(self, receive: Any) -> None:
            overridden.append("listen_for_disconnect")

    exchange = await call(Custom(iter([b"a", b"b"])))
    assert exchange.body == b"ab"
    assert exchange.complete
    assert overridden == []
