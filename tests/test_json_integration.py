"""The JSON kernel behind the public API: `fastresp.json_dumps`, `JSONResponse` and
`JSONServerSentEvent` send Starlette's / sse-starlette's bytes and raise their errors."""

import math
import sys
from typing import Any

import pytest
import sse_starlette.event
import starlette.responses

import fastresp
from fastresp import _speedups

SAMPLES: list[Any] = [
    {"id": 1, "name": "Widget", "price": 9.99, "ok": True, "tags": ["a", "b"]},
    [{"id": i, "price": i / 7, "big": 2**70 + i, "t": "\u4e2d\U0001f600"} for i in range(50)],
    [1e16, 1e-5, -0.0, 5e-324, 0.1, 1e22, 123456789.125],
    {1: "int key", 2.5: "float key", None: "null", False: "false"},
    "x" * 5000,
]


def test_json_dumps_is_public_and_the_kernel() -> None:
    assert "json_dumps" in fastresp.__all__
    assert fastresp.json_dumps is _speedups.json.dumps


@pytest.mark.parametrize("content", SAMPLES, ids=range(len(SAMPLES)))
def test_same_bytes_as_starlette(content: Any) -> None:
    theirs = starlette.responses.JSONResponse(content)
    ours = fastresp.JSONResponse(content)
    assert ours.body == theirs.body == fastresp.json_dumps(content)
    assert ours.raw_headers == theirs.raw_headers


@pytest.mark.parametrize("data", SAMPLES, ids=range(len(SAMPLES)))
def test_json_server_sent_event_bytes(data: Any) -> None:
    theirs = sse_starlette.event.JSONServerSentEvent(data, event="e", id="1").encode()
    assert fastresp.JSONServerSentEvent(data, event="e", id="1").encode() == theirs


def _deep(depth: int) -> Any:
    value: Any = []
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize(
    "data",
    [math.nan, {"k": math.inf}, object(), {(1,): 2}, ["ok", "\ud800"], _deep(200_000)],
    ids=["nan", "inf", "object", "tuple-key", "surrogate", "deep"],
)
def test_json_server_sent_event_errors_are_sse_starlettes(data: Any) -> None:
    # COMPAT: sse-starlette's errors, raised where it raises them: a lone surrogate only
    # when the event is encoded, deep nesting as RecursionError.
    def outcome(cls: Any) -> tuple[str, str]:
        try:
            cls(data).encode()
        except Exception as exc:
            return (type(exc).__name__, str(exc))
        return ("ok", "")

    theirs = outcome(sse_starlette.event.JSONServerSentEvent)
    assert theirs[0] != "ok"
    assert outcome(fastresp.JSONServerSentEvent) == theirs
    if isinstance(data, list) and data and data[0] == "ok":
        event = fastresp.JSONServerSentEvent(data)  # constructed fine, fails on encode
        with pytest.raises(UnicodeEncodeError):
            event.encode()


def test_json_response_deep_nesting_is_still_difference_8() -> None:
    with pytest.raises(ValueError, match="nested too deeply") as info:
        fastresp.JSONResponse(_deep(200_000))
    assert isinstance(info.value.__cause__, RecursionError)
    assert sys.getrecursionlimit() > 0  # the interpreter is still usable
