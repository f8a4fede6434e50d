"""Headers and status codes, checked on every route they arrive by, for every class.

fastresp/base.py differences 5 and 6 (each class's `init_headers` goes through the
same kernel, so the streaming, file and SSE responses are covered without code of their
own), fastresp/headers.py difference 1 (writes through `response.headers`), and the
Content-Disposition and Location values that fastresp builds itself (issue 4, point 6).
"""

import re
import string
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import quote, unquote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fastresp
from fastresp import InvalidHeader, MutableHeaders

from support import call

TOKEN = frozenset(string.ascii_letters + string.digits + "!#$%&'*+-.^_`|~")
CONTROL = frozenset(chr(c) for c in [*range(0x20), 0x7F]) - {"\t"}
REDIRECT_SAFE = ":/%#?=@[]!$&'()*+,;"
NOWHERE = "/nonexistent/fastresp-test.txt"  # FileResponse does not touch it when built


def _chunks() -> Iterator[bytes]:
    yield b"x"


# Every class, built with the given keyword arguments.
BUILDERS: dict[str, Callable[..., Any]] = {
    "Response": lambda **kw: fastresp.Response(b"x", **kw),
    "HTMLResponse": lambda **kw: fastresp.HTMLResponse("x", **kw),
    "PlainTextResponse": lambda **kw: fastresp.PlainTextResponse("x", **kw),
    "JSONResponse": lambda **kw: fastresp.JSONResponse({"x": 1}, **kw),
    "RedirectResponse": lambda **kw: fastresp.RedirectResponse("/x", **kw),
    "StreamingResponse": lambda **kw: fastresp.StreamingResponse(_chunks(), **kw),
    "FileResponse": lambda **kw: fastresp.FileResponse(NOWHERE, **kw),
    "EventSourceResponse": lambda **kw: fastresp.EventSourceResponse(_chunks(), **kw),
}
WITH_MEDIA_TYPE = [name for name in BUILDERS if name != "RedirectResponse"]

BAD_NAMES = ["", "x y", "x:y", "x\r\ny", "x\n", "x\x00", "é", "x(y)", "x/y", "x,y", '"x"', "x\t"]
BAD_VALUES = ["a\rb", "a\nb", "a\r\nSet-Cookie: evil=1", "a\x00b", "\x01", "a\x1f", "a\x7f", "\x0b"]


# --- the headers= mapping, every class ----------------------------------------------------


@pytest.mark.parametrize("cls", BUILDERS)
@pytest.mark.parametrize("name", BAD_NAMES)
def test_bad_header_names_refused(cls: str, name: str) -> None:
    with pytest.raises(
        InvalidHeader, match=re.escape(f"header name {name!r} is not a token")
    ) as err:
        BUILDERS[cls](headers={"x-ok": "1", name: "v"})
    assert isinstance(err.value, ValueError)


@pytest.mark.parametrize("cls", BUILDERS)
@pytest.mark.parametrize("value", BAD_VALUES)
def test_control_characters_in_values_refused(cls: str, value: str) -> None:
    index = next(i for i, c in enumerate(value) if c in CONTROL)
    with pytest.raises(
        InvalidHeader,
        match=re.escape(
            f"header 'X-Val' has a control character ({value[index]!r}) at index {index}"
        ),
    ):
        BUILDERS[cls](headers={"X-Val": value})


@pytest.mark.parametrize("cls", BUILDERS)
def test_allowed_values_and_names_pass_unchanged(cls: str) -> None:
    headers = {
        "X-Tab": "a\tb",
        "X-Latin": "café ÿ",
        "X-Empty": "",
        "X-Spaces": " padded ",
        "!#$%&'*+-.^_`|~09azAZ": "v",
    }
    raw = BUILDERS[cls](headers=headers).raw_headers
    for name, value in headers.items():
        assert (name.lower().encode("latin-1"), value.encode("latin-1")) in raw


@pytest.mark.parametrize("code", range(256))
def test_each_character_in_names_and_values(code: int) -> None:
    char = chr(code)
    if char in TOKEN:
        assert fastresp.Response(headers={f"x{char}": "v"}).raw_headers[0][0] == (
            f"x{char}".lower().encode("latin-1")
        )
    else:
        with pytest.raises(InvalidHeader):
            fastresp.Response(headers={f"x{char}": "v"})
    if char in CONTROL:
        with pytest.raises(InvalidHeader):
            fastresp.Response(headers={"x": f"a{char}b"})
    else:
        assert fastresp.Response(headers={"x": f"a{char}b"}).raw_headers[0] == (
            b"x",
            f"a{char}b".encode("latin-1"),
        )


@pytest.mark.parametrize("cls", WITH_MEDIA_TYPE)
@pytest.mark.parametrize("media_type", ["text/plain\r\nX-Evil: 1", "text/plain\x00", "a/b\n"])
def test_media_type_checked(cls: str, media_type: str) -> None:
    with pytest.raises(InvalidHeader, match="header 'content-type' has a control character"):
        BUILDERS[cls](media_type=media_type)


# --- status codes, every class ------------------------------------------------------------


@pytest.mark.parametrize("cls", BUILDERS)
@pytest.mark.parametrize("status_code", [True, "200", 200.0, None])
def test_status_code_type_refused(cls: str, status_code: Any) -> None:
    name = type(status_code).__name__
    with pytest.raises(TypeError, match=f"status_code must be an int, not {name}$"):
        BUILDERS[cls](status_code=status_code)


@pytest.mark.parametrize("cls", BUILDERS)
@pytest.mark.parametrize("status_code", [99, 600, -1, 2**70])
def test_status_code_range_refused(cls: str, status_code: int) -> None:
    with pytest.raises(
        ValueError, match=f"status_code must be between 100 and 599, not {status_code}"
    ):
        BUILDERS[cls](status_code=status_code)


# --- later writes through response.headers ------------------------------------------------


def _writes() -> dict[str, Callable[[MutableHeaders, str, str], object]]:
    def ior(h: MutableHeaders, k: str, v: str) -> object:
        h |= {k: v}
        return h

    return {
        "setitem": lambda h, k, v: h.__setitem__(k, v),
        "append": lambda h, k, v: h.append(k, v),
        "setdefault": lambda h, k, v: h.setdefault(k, v),
        "update": lambda h, k, v: h.update({k: v}),
        "ior": ior,
        "or": lambda h, k, v: h | {k: v},
        "init": lambda h, k, v: MutableHeaders({k: v}),
    }


WRITES = _writes()


@pytest.mark.parametrize("write", WRITES)
@pytest.mark.parametrize(
    ("name", "value"), [("x y", "v"), ("", "v"), ("x", "a\r\nb"), ("x", "\x00")]
)
def test_header_writes_checked(write: str, name: str, value: str) -> None:
    response = fastresp.PlainTextResponse("x", headers={"x": "old"})
    before = list(response.raw_headers)
    with pytest.raises(InvalidHeader):
        WRITES[write](response.headers, name, value)
    assert response.raw_headers == before  # nothing half-written


def test_setdefault_checks_the_value_even_if_present() -> None:
    headers = MutableHeaders({"x": "1"})
    with pytest.raises(InvalidHeader):
        headers.setdefault("x", "a\nb")


def test_valid_writes_unchanged() -> None:
    response = fastresp.Response()
    response.headers["X-A"] = "1\t2"
    response.headers.append("x-b", "é")
    response.headers.add_vary_header("Accept")
    assert response.raw_headers == [
        (b"content-length", b"0"),
        (b"x-a", b"1\t2"),
        (b"x-b", b"\xe9"),
        (b"vary", b"Accept"),
    ]


def test_raw_list_edits_are_not_checked() -> None:
    # Documented: bytes put straight into the raw list are the caller's own.
    response = fastresp.Response()
    response.headers.raw.append((b"x y", b"a\r\nb"))
    response.raw_headers.extend([(b"", b"\x00")])
    assert response.raw_headers[-2:] == [(b"x y", b"a\r\nb"), (b"", b"\x00")]


# --- Content-Disposition (FileResponse) ---------------------------------------------------


@pytest.mark.parametrize(
    "disposition_type", ["", "attachment\r\nX-Evil: 1", "inline; x=1", "a b", "é", "a\x00"]
)
def test_content_disposition_type_must_be_a_token(disposition_type: str) -> None:
    with pytest.raises(InvalidHeader, match=r"content_disposition_type .* is not a token"):
        fastresp.FileResponse(NOWHERE, filename="f.txt", content_disposition_type=disposition_type)


def _disposition(filename: str) -> str:
    return fastresp.FileResponse(NOWHERE, filename=filename).headers["content-disposition"]


@pytest.mark.parametrize(
    ("filename", "expected"),
    [
        ("report.pdf", 'attachment; filename="report.pdf"'),
        ('a"; filename="evil.exe', "attachment; filename*=utf-8''a%22%3B%20filename%3D%22evil.exe"),
        ("a\r\nSet-Cookie: x=1", "attachment; filename*=utf-8''a%0D%0ASet-Cookie%3A%20x%3D1"),
        ("a\x00b", "attachment; filename*=utf-8''a%00b"),
        ("naïve ✓.txt", "attachment; filename*=utf-8''na%C3%AFve%20%E2%9C%93.txt"),
    ],
)
def test_filename_cannot_break_out(filename: str, expected: str) -> None:
    assert _disposition(filename) == expected


@settings(max_examples=300, deadline=None)
@given(filename=st.text(max_size=20))
def test_any_filename_stays_inside_its_parameter(filename: str) -> None:
    value = _disposition(filename)
    assert not set(value) & CONTROL and value.isascii()
    if value.startswith('attachment; filename="'):
        assert value == f'attachment; filename="{filename}"' and '"' not in filename
        assert set(filename) <= set(string.ascii_letters + string.digits + "_.-~/")
    else:
        prefix = "attachment; filename*=utf-8''"
        assert value.startswith(prefix)
        encoded = value[len(prefix) :]
        assert not set(encoded) & set('"; \\') and unquote(encoded) == filename


# --- Location (RedirectResponse) ----------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "location"),
    [
        ("/x\r\nSet-Cookie: evil=1", b"/x%0D%0ASet-Cookie:%20evil=1"),
        ("/a\x00b", b"/a%00b"),
        ("/caf\xe9/\u2713", b"/caf%C3%A9/%E2%9C%93"),
        ("/already%20quoted%2F?q=%41", b"/already%20quoted%2F?q=%41"),
        ("https://h/p?a=1&b=[x]#f", b"https://h/p?a=1&b=[x]#f"),
    ],
)
def test_redirect_location_is_percent_encoded(url: str, location: bytes) -> None:
    assert dict(fastresp.RedirectResponse(url).raw_headers)[b"location"] == location


@settings(max_examples=300, deadline=None)
@given(
    url=st.lists(
        st.one_of(
            st.text(st.characters(codec="utf-8"), max_size=4),
            st.sampled_from(["%", "%2F", "%41", "\r", "\n", "\x00", " ", '"', "\u2028", "/"]),
        ),
        max_size=8,
    ).map("".join)
)
def test_redirect_location_matches_urllib(url: str) -> None:
    location = dict(fastresp.RedirectResponse(url).raw_headers)[b"location"]
    assert location == quote(url, safe=REDIRECT_SAFE).encode("ascii")
    assert all(0x21 <= byte < 0x7F for byte in location)


@pytest.mark.anyio
async def test_checked_headers_reach_the_wire_unchanged() -> None:
    ex = await call(fastresp.PlainTextResponse("x", headers={"X-A": "b\tc"}))
    assert ex.headers == [
        (b"x-a", b"b\tc"),
        (b"content-length", b"1"),
        (b"content-type", b"text/plain; charset=utf-8"),
    ]
