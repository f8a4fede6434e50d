"""Response-construction kernels (`init_response`, `init_redirect`, `json_body`), over both
twins."""

import json
import math
import re
from types import ModuleType
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from twin_strategies import (
    SETTINGS,
    Lying,
    agree,
    hostile_text,
    json_values,
    load_pair,
    media_types,
    outcome,
    statuses,
)

# --- json_body ------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(content=json_values)
def test_json_body_matches_starlette_options(construct_impl: ModuleType, content: object) -> None:
    expected = json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    assert construct_impl.json_body(content) == expected.encode("utf-8")


@pytest.mark.parametrize(
    ("content", "error"),
    [(float("nan"), ValueError), ([math.inf], ValueError), ({1: object()}, TypeError)],
)
def test_json_body_errors_as_stdlib(
    construct_impl: ModuleType, content: object, error: type[Exception]
) -> None:
    with pytest.raises(error) as expected:
        json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    with pytest.raises(error, match=f"^{re.escape(str(expected.value))}$"):
        construct_impl.json_body(content)


def test_json_body_circular_and_deep(construct_impl: ModuleType) -> None:
    loop: dict[str, object] = {}
    loop["self"] = loop
    with pytest.raises(ValueError, match=r"^Circular reference detected$"):
        construct_impl.json_body(loop)
    deep: list[object] = []
    for _ in range(100_000):
        deep = [deep]
    with pytest.raises(ValueError, match="nested too deeply") as err:
        construct_impl.json_body(deep)
    assert isinstance(err.value.__cause__, RecursionError)
    assert construct_impl.json_body([[1]]) == b"[[1]]"  # no stale state after a failure


# --- compiled vs pure: same value, or same exception type and message ------------------------


@pytest.fixture(scope="module")
def pair() -> tuple[ModuleType, ModuleType]:
    """(compiled, pure); the compiled one told the stock methods, as fastresp/base.py does."""
    from fastresp import JSONResponse, Response

    compiled, pure = load_pair("construct")
    compiled.declare_stock_methods(Response.render, JSONResponse.render, Response.init_headers)
    return compiled, pure


@pytest.mark.compiled
@SETTINGS
@given(
    content=st.one_of(
        json_values,
        st.sampled_from([float("nan"), -math.inf, {1, 2}, b"x", object(), {(1,): 2}]),
        st.lists(st.sampled_from([float("inf"), "\ud800", 1]), max_size=3),
    )
)
def test_twins_json_body(pair: tuple[ModuleType, ModuleType], content: object) -> None:
    result = agree(pair, "json_body", content)
    if result[0] == "ValueError":
        return
    assert result[0] in ("ok", "TypeError", "UnicodeEncodeError")


def _classes() -> list[type[Any]]:
    from fastresp import HTMLResponse, JSONResponse, PlainTextResponse, Response

    class Csv(PlainTextResponse):
        media_type = "text/csv"
        charset = "latin-1"

    class Rendering(Response):
        def render(self, content: Any) -> bytes:
            return repr(content).encode()

    class Property(Response):
        @property
        def charset(self) -> str:  # type: ignore[override]
            return "utf-16-le"

    return [Response, HTMLResponse, PlainTextResponse, JSONResponse, Csv, Rendering, Property]


CLASSES = _classes()


@pytest.mark.compiled
@SETTINGS
@given(
    cls=st.sampled_from(CLASSES),
    content=st.one_of(
        st.none(),
        st.binary(max_size=4),
        hostile_text,
        json_values,
        st.binary(max_size=3).map(lambda data: memoryview(data)),
    ),
    status_code=statuses,
    headers=st.one_of(st.none(), st.dictionaries(hostile_text, hostile_text, max_size=2)),
    media_type=media_types,
)
def test_twins_init_response(
    pair: tuple[ModuleType, ModuleType],
    cls: type[Any],
    content: object,
    status_code: object,
    headers: object,
    media_type: object,
) -> None:
    results = []
    for twin in pair:
        response = object.__new__(cls)
        result = outcome(
            twin.init_response, response, content, status_code, headers, media_type, None
        )
        results.append(
            (
                result,
                {
                    k: bytes(v) if isinstance(v, memoryview) else v
                    for k, v in vars(response).items()
                },
            )
        )
    assert results[0] == results[1]


@pytest.mark.compiled
@SETTINGS
@given(
    url=st.one_of(hostile_text, hostile_text.map(Lying), st.integers()),
    status_code=statuses,
    headers=st.one_of(
        st.none(),
        st.dictionaries(st.sampled_from(["Location", "x", "LOCATION"]), hostile_text, max_size=3),
    ),
)
def test_twins_init_redirect(
    pair: tuple[ModuleType, ModuleType], url: object, status_code: object, headers: object
) -> None:
    from fastresp import RedirectResponse

    results = []
    for twin in pair:
        response = RedirectResponse.__new__(RedirectResponse)
        result = outcome(twin.init_redirect, response, url, status_code, headers, None)
        results.append((result, vars(response)))
    assert results[0] == results[1]
