"""Header kernels, over both twins."""

from types import ModuleType
from urllib.parse import quote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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
