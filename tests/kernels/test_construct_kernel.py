"""Response-construction kernels (`init_response`, `init_redirect`), over both
twins."""

from types import ModuleType
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from twin_strategies import (
    SETTINGS,
    Lying,
    hostile_text,
    json_values,
    load_pair,
    media_types,
    outcome,
    statuses,
)

# --- compiled vs pure: same value, or same exception type and message ------------------------


@pytest.fixture(scope="module")
def pair() -> tuple[ModuleType, ModuleType]:
    """(compiled, pure); the compiled one told the stock methods, as fastresp/base.py does."""
    from fastresp import JSONResponse, Response

    compiled, pure = load_pair("construct")
    compiled.declare_stock_methods(Response.render, JSONResponse.render, Response.init_headers)
    return compiled, pure


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
