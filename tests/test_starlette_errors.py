"""`fastresp.starlette`: where Starlette's class raises a Starlette exception, the compat
class raises one that is an instance of Starlette's and of fastresp's (both paths: the
suite runs compiled and pure).

The audit below reads Starlette's and sse-starlette's sources for every `raise` of one of
their own exceptions, so a new raise site in a later release fails here until handled."""

import ast
import inspect
from collections.abc import AsyncIterator
from types import ModuleType

import pytest
import sse_starlette.sse as their_sse
import starlette.requests
import starlette.responses as sr

import fastresp
import fastresp.starlette as compat

from support import call

# (class, method, exception) for each raise of a Starlette exception in Starlette 1.10's
# response classes, and how the compat class answers it.
STARLETTE_RAISES = {
    ("StreamingResponse", "__call__", "ClientDisconnect"),  # converted: tested below
    ("FileResponse", "_parse_range_header", "MalformedRangeHeader"),  # Starlette's method
    ("FileResponse", "_parse_range_header", "RangeNotSatisfiable"),
}
CONVERTED = {("StreamingResponse", "__call__")}


def own_raises(module: ModuleType, package: str) -> set[tuple[str, str, str]]:
    """(class, method, exception) for each `raise` in `module` of an exception class that
    `package` defines."""
    found = set()
    tree = ast.parse(inspect.getsource(module))
    for cls in (node for node in tree.body if isinstance(node, ast.ClassDef)):
        for method in (
            n for n in cls.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
        ):
            for node in ast.walk(method):
                if not isinstance(node, ast.Raise) or node.exc is None:
                    continue
                target = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
                if not isinstance(target, ast.Name):
                    continue
                value = getattr(module, target.id, None)
                if (
                    isinstance(value, type)
                    and issubclass(value, BaseException)
                    and value.__module__.split(".")[0] == package
                ):
                    found.add((cls.name, method.name, target.id))
    return found


def test_every_starlette_raise_site_is_known() -> None:
    assert own_raises(sr, "starlette") == STARLETTE_RAISES


def test_sites_not_converted_run_starlettes_own_code() -> None:
    for cls_name, method, _ in STARLETTE_RAISES:
        if (cls_name, method) in CONVERTED:
            continue
        ours = inspect.getattr_static(getattr(compat, cls_name), method)
        theirs = inspect.getattr_static(getattr(sr, cls_name), method)
        assert ours is theirs, (cls_name, method)


def test_sse_starlette_raises_no_starlette_exception() -> None:
    assert own_raises(their_sse, "starlette") == set()


def test_client_disconnect_class() -> None:
    assert issubclass(compat.ClientDisconnect, starlette.requests.ClientDisconnect)
    assert issubclass(compat.ClientDisconnect, fastresp.ClientDisconnect)


# --- the converted site: StreamingResponse under ASGI 2.4 -----------------------------


class Body:
    """An endless body that records whether its cleanup ran."""

    def __init__(self) -> None:
        self.closed = False

    async def gen(self) -> AsyncIterator[bytes]:
        try:
            while True:
                yield b"chunk"
        finally:
            self.closed = True


@pytest.mark.anyio
@pytest.mark.parametrize("sent_before", [0, 1, 3], ids=["at-start", "first-chunk", "later"])
async def test_streaming_disconnect_is_starlettes_client_disconnect(sent_before: int) -> None:
    body = Body()
    response = compat.StreamingResponse(body.gen())
    with pytest.raises(starlette.requests.ClientDisconnect) as caught:
        await call(response, send_error_after=sent_before, spec_version="2.4")
    assert isinstance(caught.value, fastresp.ClientDisconnect)
    assert isinstance(caught.value.__cause__, OSError)
    assert body.closed or sent_before == 0  # a generator never started has no cleanup


@pytest.mark.anyio
async def test_starlette_middleware_catches_it() -> None:
    """A handler written for Starlette around a compat response."""
    caught: list[BaseException] = []
    response = compat.StreamingResponse(Body().gen())

    async def app(scope: dict[str, object], receive: object, send: object) -> None:
        try:
            await response(scope, receive, send)  # type: ignore[arg-type]
        except starlette.requests.ClientDisconnect as exc:
            caught.append(exc)

    await call(app, send_error_after=2, spec_version="2.4")
    assert len(caught) == 1


@pytest.mark.anyio
async def test_the_core_class_still_raises_fastresps_own() -> None:
    with pytest.raises(fastresp.ClientDisconnect) as caught:
        await call(fastresp.StreamingResponse(Body().gen()), send_error_after=1, spec_version="2.4")
    assert not isinstance(caught.value, starlette.requests.ClientDisconnect)


@pytest.mark.anyio
async def test_other_errors_pass_through() -> None:
    async def failing() -> AsyncIterator[bytes]:
        yield b"a"
        raise OSError("from the body, not the client")

    with pytest.raises(OSError, match="from the body"):
        await call(compat.StreamingResponse(failing()), spec_version="2.4")
