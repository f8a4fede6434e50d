"""Header kernels, over both twins."""

import array
import importlib
import json
import math
import os
import re
import string
from collections.abc import Callable
from http import HTTPStatus
from types import ModuleType
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fastresp import InvalidHeader

REDIRECT_SAFE = ":/%#?=@[]!$&'()*+,;"


@pytest.mark.parametrize(
    ("media_type", "charset", "expected"),
    [
        ("text/plain", "utf-8", b"text/plain; charset=utf-8"),
        ("text/html; charset=latin-1", "utf-8", b"text/html; charset=latin-1"),
        ("text/html; CHARSET=x", "utf-8", b"text/html; CHARSET=x"),
        ("application/json", "utf-8", b"application/json"),
        ("TEXT/plain", "utf-8", b"TEXT/plain"),
        ("text/csv", "latin-1", b"text/csv; charset=latin-1"),
    ],
)
def test_content_type_header(
    headers_impl: ModuleType, media_type: str, charset: str, expected: bytes
) -> None:
    assert headers_impl.content_type_header(media_type, charset) == expected


def test_content_type_header_refuses_non_latin1(headers_impl: ModuleType) -> None:
    with pytest.raises(UnicodeEncodeError):
        headers_impl.content_type_header("text/✓", "utf-8")


def test_build_raw_headers_adds_computed_ones(headers_impl: ModuleType) -> None:
    build = headers_impl.build_raw_headers
    assert build(None, -1, None) == []
    assert build(None, 0, b"t/x") == [(b"content-length", b"0"), (b"content-type", b"t/x")]
    assert build({"X-A": "é"}, 12, None) == [(b"x-a", b"\xe9"), (b"content-length", b"12")]
    assert build({"Content-Length": "5", "CONTENT-TYPE": "a/b"}, 3, b"t/x") == [
        (b"content-length", b"5"),
        (b"content-type", b"a/b"),
    ]
    assert build({}, 2**63 - 1, None) == [(b"content-length", b"9223372036854775807")]


def test_build_raw_headers_returns_a_fresh_list(headers_impl: ModuleType) -> None:
    first = headers_impl.build_raw_headers(None, 1, None)
    first.append((b"x", b"y"))
    assert headers_impl.build_raw_headers(None, 1, None) == [(b"content-length", b"1")]


@settings(max_examples=500, deadline=None)
@given(url=st.text())
def test_quote_url_matches_urllib(headers_impl: ModuleType, url: str) -> None:
    try:
        expected: object = quote(url, safe=REDIRECT_SAFE)
    except UnicodeEncodeError as exc:
        expected = type(exc)
    try:
        got: object = headers_impl.quote_url(url)
    except UnicodeEncodeError as exc:
        got = type(exc)
    assert got == expected


@pytest.mark.parametrize(
    ("filename", "expected"),
    [
        ("report.pdf", 'attachment; filename="report.pdf"'),
        ("a b.txt", "attachment; filename*=utf-8''a%20b.txt"),
        ('a"b.txt', "attachment; filename*=utf-8''a%22b.txt"),
        ("x\r\ny.txt", "attachment; filename*=utf-8''x%0D%0Ay.txt"),
        ("résumé.pdf", "attachment; filename*=utf-8''r%C3%A9sum%C3%A9.pdf"),
        ("dir/f", 'attachment; filename="dir/f"'),
    ],
)
def test_content_disposition(headers_impl: ModuleType, filename: str, expected: str) -> None:
    assert headers_impl.content_disposition("attachment", filename) == expected


# --- validation -----------------------------------------------------------------------------

TOKEN = frozenset(string.ascii_letters + string.digits + "!#$%&'*+-.^_`|~")
CONTROL = frozenset(chr(c) for c in [*range(0x20), 0x7F]) - {"\t"}


@pytest.mark.parametrize("code", range(256))
def test_encode_header_character_sets(headers_impl: ModuleType, code: int) -> None:
    char = chr(code)
    name, value = f"X{char}Y", f"a{char}b"
    if char in TOKEN:
        assert headers_impl.encode_header(name, "v") == (name.lower().encode("latin-1"), b"v")
    else:
        with pytest.raises(InvalidHeader, match=re.escape(f"header name {name!r} is not a token")):
            headers_impl.encode_header(name, "v")
    if char in CONTROL:
        message = f"header 'x' has a control character ({char!r}) at index 1 of its value"
        with pytest.raises(InvalidHeader, match=re.escape(message)):
            headers_impl.encode_header("x", value)
    else:
        assert headers_impl.encode_header("x", value) == (b"x", value.encode("latin-1"))


def test_no_truncation_at_nul(headers_impl: ModuleType) -> None:
    for value in ("a\x00", "\x00", "a" * 1000 + "\x00b"):
        with pytest.raises(InvalidHeader):
            headers_impl.build_raw_headers({"x": value}, -1, None)
    with pytest.raises(InvalidHeader):
        headers_impl.build_raw_headers({"x\x00y": "v"}, -1, None)
    with pytest.raises(InvalidHeader):
        headers_impl.content_type_header("text/plain\x00; x", "utf-8")


def test_build_raw_headers_refuses_at_the_first_bad_entry(headers_impl: ModuleType) -> None:
    with pytest.raises(InvalidHeader, match="'b c'"):
        headers_impl.build_raw_headers({"a": "1", "b c": "\r", "d": "\u2713"}, 0, None)
    with pytest.raises(UnicodeEncodeError):
        headers_impl.build_raw_headers({"a": "\u2713", "b c": "1"}, 0, None)


@pytest.mark.parametrize("disposition_type", ["", "a b", "inline;", "attachment\r\n", "\xe9"])
def test_content_disposition_type_is_a_token(
    headers_impl: ModuleType, disposition_type: str
) -> None:
    with pytest.raises(InvalidHeader, match="is not a token"):
        headers_impl.content_disposition(disposition_type, "f")


# --- response_headers: status codes and lengths ---------------------------------------------


@pytest.mark.parametrize(
    ("status_code", "error", "message"),
    [
        (True, TypeError, "status_code must be an int, not bool"),
        ("200", TypeError, "status_code must be an int, not str"),
        (200.0, TypeError, "status_code must be an int, not float"),
        (99, ValueError, "status_code must be between 100 and 599, not 99"),
        (600, ValueError, "status_code must be between 100 and 599, not 600"),
        (2**64, ValueError, f"status_code must be between 100 and 599, not {2**64}"),
        (-(2**63), ValueError, f"status_code must be between 100 and 599, not {-(2**63)}"),
    ],
)
def test_response_headers_status_codes(
    headers_impl: ModuleType, status_code: object, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=f"^{re.escape(message)}$"):
        headers_impl.response_headers(None, status_code, b"", None, "utf-8")


@pytest.mark.parametrize(
    ("status_code", "body", "expected"),
    [
        (200, b"abc", [(b"content-length", b"3")]),
        (HTTPStatus.OK, b"abc", [(b"content-length", b"3")]),
        (200, None, []),
        (200, memoryview(array.array("i", [1, 2])), [(b"content-length", b"8")]),
        (200, bytearray(b"ab"), [(b"content-length", b"2")]),
        (101, b"abc", []),
        (204, b"abc", []),
        (304, b"abc", []),
        (205, b"abc", [(b"content-length", b"3")]),
    ],
)
def test_response_headers_lengths(
    headers_impl: ModuleType, status_code: int, body: object, expected: list[tuple[bytes, bytes]]
) -> None:
    assert headers_impl.response_headers(None, status_code, body, None, "utf-8") == expected


def test_response_headers_content_type(headers_impl: ModuleType) -> None:
    for _ in range(2):  # the second call hits the cache
        assert headers_impl.response_headers({"X": "1"}, 200, b"", "text/csv", "latin-1") == [
            (b"x", b"1"),
            (b"content-length", b"0"),
            (b"content-type", b"text/csv; charset=latin-1"),
        ]
    for _ in range(2):
        with pytest.raises(InvalidHeader, match="'content-type'"):
            headers_impl.response_headers(None, 200, b"", "text/x\n", "utf-8")


# --- json_body ------------------------------------------------------------------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(content=json_values)
def test_json_body_matches_starlette_options(headers_impl: ModuleType, content: object) -> None:
    expected = json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    assert headers_impl.json_body(content) == expected.encode("utf-8")


@pytest.mark.parametrize(
    ("content", "error"),
    [(float("nan"), ValueError), ([math.inf], ValueError), ({1: object()}, TypeError)],
)
def test_json_body_errors_as_stdlib(
    headers_impl: ModuleType, content: object, error: type[Exception]
) -> None:
    with pytest.raises(error) as expected:
        json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    with pytest.raises(error, match=f"^{re.escape(str(expected.value))}$"):
        headers_impl.json_body(content)


def test_json_body_circular_and_deep(headers_impl: ModuleType) -> None:
    loop: dict[str, object] = {}
    loop["self"] = loop
    with pytest.raises(ValueError, match=r"^Circular reference detected$"):
        headers_impl.json_body(loop)
    deep: list[object] = []
    for _ in range(100_000):
        deep = [deep]
    with pytest.raises(ValueError, match="nested too deeply") as err:
        headers_impl.json_body(deep)
    assert isinstance(err.value.__cause__, RecursionError)
    assert headers_impl.json_body([[1]]) == b"[[1]]"  # no stale state after a failure


# --- compiled vs pure: same value, or same exception type and message ------------------------


@pytest.fixture(scope="module")
def pair() -> tuple[ModuleType, ModuleType]:
    """(compiled, pure); the compiled one told the stock methods, as responses.py does."""
    from fastresp import JSONResponse, Response

    try:
        compiled = importlib.import_module("fastresp._headers_c")
    except ImportError:
        if os.environ.get("FASTRESP_REQUIRE_COMPILED"):
            raise
        pytest.skip("compiled kernels not built")
    compiled.declare_stock_methods(Response.render, JSONResponse.render, Response.init_headers)
    return compiled, importlib.import_module("fastresp._headers_py")


def outcome(fn: Callable[..., object], *args: object) -> tuple[object, ...]:
    try:
        result = fn(*args)
    except Exception as exc:
        return (type(exc).__name__, str(exc))
    return ("ok", type(result), result)


def agree(pair: tuple[ModuleType, ModuleType], name: str, *args: object) -> tuple[object, ...]:
    compiled, pure = (outcome(getattr(twin, name), *args) for twin in pair)
    assert compiled == pure, (name, args)
    return pure


class Lying(str):
    """A str subclass whose lower() lies: only the pure code path calls it."""

    def lower(self) -> str:
        return "content-length"


HOSTILE = "\x00\t\n\r \"'(),/:;=@[]\\{}\x7f\x80\x85\xa0\xe9\xff\u0130\u212a\u2028\ud800"
hostile_text = st.text(
    st.one_of(
        st.sampled_from(HOSTILE),
        st.sampled_from(sorted(TOKEN)),
        st.characters(max_codepoint=0xFF),
        st.characters(),
    ),
    max_size=10,
)
hostile = st.one_of(hostile_text, hostile_text.map(Lying), st.integers(), st.binary(max_size=3))
SETTINGS = settings(max_examples=400, deadline=None)


@pytest.mark.compiled
@SETTINGS
@given(name=hostile, value=hostile)
def test_twins_encode_header(
    pair: tuple[ModuleType, ModuleType], name: object, value: object
) -> None:
    agree(pair, "encode_header", name, value)


@pytest.mark.compiled
@SETTINGS
@given(headers=st.dictionaries(hostile_text, hostile_text, max_size=4), length=st.integers(-1, 99))
def test_twins_build_raw_headers_hostile(
    pair: tuple[ModuleType, ModuleType], headers: dict[str, str], length: int
) -> None:
    agree(pair, "build_raw_headers", headers, length, None)


@pytest.mark.compiled
@SETTINGS
@given(media_type=hostile, charset=hostile)
def test_twins_content_type_header(
    pair: tuple[ModuleType, ModuleType], media_type: object, charset: object
) -> None:
    agree(pair, "content_type_header", media_type, charset)


@pytest.mark.compiled
@SETTINGS
@given(disposition_type=hostile, filename=hostile)
def test_twins_content_disposition(
    pair: tuple[ModuleType, ModuleType], disposition_type: object, filename: object
) -> None:
    agree(pair, "content_disposition", disposition_type, filename)


statuses = st.one_of(
    st.integers(90, 610),
    st.sampled_from([0, -1, 2**63, 2**64, -(2**63) - 1, True, False, 200.0, "200", None]),
    st.sampled_from(list(HTTPStatus)),
)
bodies = st.one_of(
    st.none(),
    st.binary(max_size=5),
    st.binary(max_size=5).map(lambda data: memoryview(data)),
    st.binary(max_size=5).map(bytearray),
    st.builds(lambda: memoryview(array.array("d", [1.0]))),
    st.text(max_size=3),
    st.integers(),
)
media_types = st.one_of(
    st.none(),
    st.sampled_from(["text/plain", "application/json", "text/html; charset=x", "TEXT/csv"]),
    hostile,
)


@pytest.mark.compiled
@SETTINGS
@given(
    headers=st.one_of(st.none(), st.dictionaries(hostile_text, hostile_text, max_size=3)),
    status_code=statuses,
    body=bodies,
    media_type=media_types,
    charset=st.one_of(st.sampled_from(["utf-8", "latin-1"]), hostile),
)
def test_twins_response_headers(
    pair: tuple[ModuleType, ModuleType],
    headers: object,
    status_code: object,
    body: object,
    media_type: object,
    charset: object,
) -> None:
    agree(pair, "response_headers", headers, status_code, body, media_type, charset)


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


@pytest.mark.compiled
@SETTINGS
@given(
    raw=st.lists(
        st.tuples(st.sampled_from([b"a", b"location", b"b"]), st.binary(max_size=2)), max_size=5
    ),
    name=st.sampled_from([b"a", b"location", b"c"]),
)
def test_twins_set_header(
    pair: tuple[ModuleType, ModuleType], raw: list[tuple[bytes, bytes]], name: bytes
) -> None:
    copies = [list(raw), list(raw)]
    for twin, items in zip(pair, copies, strict=True):
        twin.set_header(items, name, b"v")
    assert copies[0] == copies[1]
    assert [v for k, v in copies[0] if k == name] == [b"v"]
