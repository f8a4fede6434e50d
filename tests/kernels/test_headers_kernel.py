"""Header kernels, over both twins."""

import array
import re
from http import HTTPStatus
from types import ModuleType
from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from twin_strategies import (
    SETTINGS,
    TOKEN,
    agree,
    bodies,
    hostile,
    hostile_text,
    load_pair,
    media_types,
    statuses,
)

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


# --- compiled vs pure: same value, or same exception type and message ------------------------


@pytest.fixture(scope="module")
def pair() -> tuple[ModuleType, ModuleType]:
    """(compiled, pure)."""
    return load_pair("headers")


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
