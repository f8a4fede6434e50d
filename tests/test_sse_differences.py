"""EventSourceResponse: deliberate differences 4-7 from sse-starlette (8-9, the event
fields: tests/kernels/test_sse_fields.py)."""

import contextvars
import importlib
import logging
from collections.abc import AsyncIterator
from types import SimpleNamespace

import anyio
import pytest

from fastresp.sse import EventSourceResponse

from support import call

pytestmark = pytest.mark.anyio


@pytest.fixture(autouse=True)
def no_shutdown() -> None:
    """Both libraries' process-wide shutdown flags are clear, whatever ran before."""
    importlib.import_module("fastresp.sse").AppStatus.should_exit = False
    importlib.import_module("sse_starlette.sse").AppStatus.should_exit = False


VAR: contextvars.ContextVar[str] = contextvars.ContextVar("VAR", default="unset")


async def test_difference_5_stream_runs_in_the_calling_task(flavour: SimpleNamespace) -> None:
    async def gen() -> AsyncIterator[str]:
        VAR.set("set by the stream")
        yield "x"

    token = VAR.set("caller")
    try:
        await call(flavour.EventSourceResponse(gen(), ping=0))
        expected = "set by the stream" if flavour.name == "fastresp" else "caller"
        assert VAR.get() == expected
    finally:
        VAR.reset(token)


async def test_difference_6_debug_records(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="fastresp.sse")
    await call(EventSourceResponse(iter(["quiet"]), ping=0))
    assert not caplog.records
    caplog.set_level(logging.DEBUG, logger="fastresp.sse")
    await call(EventSourceResponse(iter(["loud"]), ping=0))
    assert [r.name for r in caplog.records] == ["fastresp.sse"]
    assert "data: loud" in caplog.records[0].getMessage()


async def test_difference_4_field_errors_name_the_field(flavour: SimpleNamespace) -> None:
    module = importlib.import_module(flavour.EventSourceResponse.__module__)
    assert module.ServerSentEvent is flavour.ServerSentEvent
    with pytest.raises(TypeError) as caught:
        await call(flavour.EventSourceResponse(iter([{"data": "x", "id": 7}]), ping=0))
    if flavour.name == "fastresp":
        assert str(caught.value) == "id must be str, not int"
    else:
        assert "id" not in str(caught.value)


@pytest.mark.parametrize("status", [101, 204, 304])
async def test_difference_7_no_content_statuses(flavour: SimpleNamespace, status: int) -> None:
    started: list[bool] = []

    async def gen() -> AsyncIterator[str]:
        started.append(True)
        yield "x"

    with anyio.fail_after(5):
        ex = await call(flavour.EventSourceResponse(gen(), status_code=status, ping=0))
    bodies = [m["body"] for m in ex.messages[1:]]
    if flavour.name == "fastresp":
        assert bodies == [b""]
        assert started == []
    else:  # sse-starlette streams the events
        assert bodies == [b"data: x\r\n\r\n", b""]
    assert ex.complete
