"""set_cookie / delete_cookie against Starlette, byte for byte."""

import re
import sys
import time
from datetime import UTC, date, datetime, timedelta, timezone
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import fastresp

FROZEN = 1_700_000_000.25


@pytest.fixture
def frozen_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(time, "time", lambda: FROZEN)


def cookie_header(flavour: SimpleNamespace, method: str, *args: Any, **kwargs: Any) -> Any:
    r = flavour.Response()
    try:
        getattr(r, method)(*args, **kwargs)
    except Exception as exc:  # compared by kind and text
        return (type(exc).__name__, str(exc))
    return r.raw_headers[-1]


CASES: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = [
    ("set_cookie", ("session", "abc123"), {}),
    ("set_cookie", ("k",), {}),
    ("set_cookie", ("k", 'with space;semi,comma"quote\\back'), {}),
    ("set_cookie", ("k", "ünïcode"), {}),
    ("set_cookie", ("k", "\x00\x1f\x7f\xff"), {}),
    ("set_cookie", ("k", 123), {}),
    ("set_cookie", ("k", "v"), {"max_age": 3600}),
    ("set_cookie", ("k", "v"), {"max_age": 0}),
    ("set_cookie", ("k", "v"), {"max_age": -1}),
    ("set_cookie", ("k", "v"), {"max_age": True}),
    ("set_cookie", ("k", "v"), {"max_age": "3600"}),
    ("set_cookie", ("k", "v"), {"max_age": ""}),
    ("set_cookie", ("k", "v"), {"expires": 60}),
    ("set_cookie", ("k", "v"), {"expires": 0}),
    ("set_cookie", ("k", "v"), {"expires": "Wed, 21 Oct 2015 07:28:00 GMT"}),
    ("set_cookie", ("k", "v"), {"expires": datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)}),
    ("set_cookie", ("k", "v"), {"expires": datetime(999, 1, 2, tzinfo=UTC)}),
    ("set_cookie", ("k", "v"), {"expires": datetime(2030, 1, 2)}),
    (
        "set_cookie",
        ("k", "v"),
        {"expires": datetime(2030, 1, 2, tzinfo=timezone(timedelta(hours=1)))},
    ),
    ("set_cookie", ("k", "v"), {"path": None}),
    ("set_cookie", ("k", "v"), {"path": ""}),
    ("set_cookie", ("k", "v"), {"path": "/app "}),
    ("set_cookie", ("k", "v"), {"path": "/app ", "samesite": None}),
    ("set_cookie", ("k", "v"), {"domain": "example.com"}),
    ("set_cookie", ("k", "v"), {"domain": ""}),
    ("set_cookie", ("k", "v"), {"secure": True, "httponly": True}),
    ("set_cookie", ("k", "v"), {"samesite": "Strict"}),
    ("set_cookie", ("k", "v"), {"samesite": "NONE"}),
    ("set_cookie", ("k", "v"), {"samesite": None}),
    (
        "set_cookie",
        ("k", "v"),
        {
            "max_age": 10,
            "expires": 10,
            "path": "/p",
            "domain": "d.org",
            "secure": True,
            "httponly": True,
            "samesite": "strict",
        },
    ),
    ("set_cookie", ("a b", "v"), {}),
    ("set_cookie", ("", "v"), {}),
    ("set_cookie", ("Path", "v"), {}),
    ("set_cookie", ("max-age", "v"), {}),
    ("set_cookie", ("k", "Ā"), {}),
    ("set_cookie", ("!#$%&'*+-.^_`|~:", "v"), {}),
    ("delete_cookie", ("k",), {}),
    ("delete_cookie", ("k",), {"path": "/x", "domain": "d", "secure": True, "httponly": True}),
    ("delete_cookie", ("k",), {"samesite": None}),
]


@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_cookie_parity(
    case: tuple[str, tuple[Any, ...], dict[str, Any]], frozen_time: None
) -> None:
    from support import flavour as load

    method, args, kwargs = case
    theirs = cookie_header(load("starlette"), method, *args, **kwargs)
    ours = cookie_header(load("fastresp"), method, *args, **kwargs)
    assert ours == theirs


def test_delete_cookie_exact_bytes(frozen_time: None) -> None:
    r = fastresp.Response()
    r.delete_cookie("sid", domain="example.com")
    stamp = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(FROZEN))
    assert r.raw_headers == [
        (b"content-length", b"0"),
        (
            b"set-cookie",
            b'sid=""; Domain=example.com; expires=%s; Max-Age=0; Path=/; SameSite=lax'
            % stamp.encode(),
        ),
    ]


def test_several_cookies_keep_order() -> None:
    r = fastresp.Response()
    for i in range(3):
        r.set_cookie(f"c{i}", str(i))
    assert [v for k, v in r.raw_headers if k == b"set-cookie"] == [
        b"c0=0; Path=/; SameSite=lax",
        b"c1=1; Path=/; SameSite=lax",
        b"c2=2; Path=/; SameSite=lax",
    ]


def refusal(**kwargs: Any) -> tuple[str, str] | None:
    """fastresp's own refusal of these arguments (differences 5-8), if any, else None.

    An independent statement of the rules: attributes are checked in the order they are
    written (Domain, expires, Max-Age, Path), after the name and samesite.
    """
    for name in ("domain", "expires", "max_age", "path"):
        value = kwargs.get(name)
        if not isinstance(value, str) or value == "":
            continue
        if re.search(r"[\x00-\x1f\x7f;]", value):
            return (
                "CookieError",
                f"Illegal cookie {name} {value!r}: control characters and ';' are refused",
            )
        if name == "max_age" and not re.fullmatch("-?[0-9]+", value):
            return ("CookieError", f"Illegal cookie max_age {value!r}: not an integer")
    return None


# Characters that matter to quoting and to header framing, then anything at all.
SPECIAL = ' "\\;,=\t\r\n\x00\x01\x1f\x7f\x80\x85\xa0\xff\u0100\u2028\U0001f36a'


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"max_age": 5, "domain": "example.com", "httponly": True}, {"samesite": None}],
)
def test_partitioned_is_starlettes_where_starlette_has_it(
    kwargs: dict[str, Any], frozen_time: None
) -> None:
    """Starlette writes `Partitioned` from Python 3.14 on and raises ValueError before
    (difference 2): on 3.14+ the bytes must be Starlette's, which fastresp writes on
    every Python."""
    from support import flavour as load

    kwargs = {"secure": True, "partitioned": True, **kwargs}
    ours = cookie_header(load("fastresp"), "set_cookie", "k", "v", **kwargs)
    theirs = cookie_header(load("starlette"), "set_cookie", "k", "v", **kwargs)
    if sys.version_info >= (3, 14):
        assert ours == theirs
    else:
        assert theirs[0] == "ValueError"
        assert b"; Partitioned" in ours[1]


special_text = st.text(st.one_of(st.sampled_from(SPECIAL), st.characters()))
legal_keys = st.text(alphabet="abcXYZ019!#$%&'*+-.^_`|~:", min_size=1)


@settings(max_examples=500, deadline=None)
@given(
    key=st.one_of(legal_keys, st.text()),
    value=st.one_of(special_text, st.text(), st.integers()),
    max_age=st.one_of(st.none(), st.integers(-(2**70), 2**70), special_text, st.just("3600")),
    expires=st.one_of(st.none(), st.integers(-(10**6), 10**6), special_text),
    path=st.one_of(st.none(), special_text),
    domain=st.one_of(st.none(), special_text),
    secure=st.booleans(),
    httponly=st.booleans(),
    samesite=st.sampled_from([None, "lax", "strict", "none", "Lax", "STRICT"]),
)
def test_cookie_differential(**kwargs: Any) -> None:
    """Starlette's header bytes (or its error), except where fastresp refuses."""
    from support import flavour as load

    with pytest.MonkeyPatch.context() as patch:  # integer expiry is relative to now
        patch.setattr(time, "time", lambda: FROZEN)
        ours = cookie_header(load("fastresp"), "set_cookie", **kwargs)
        theirs = cookie_header(load("starlette"), "set_cookie", **kwargs)
    # Starlette raising before it encodes (a bad name) wins; an encoding error at the end
    # comes after fastresp's checks.
    raised_first = isinstance(theirs[0], str) and theirs[0] != "UnicodeEncodeError"
    refused = None if raised_first else refusal(**kwargs)
    assert ours == (refused or theirs)


@settings(max_examples=500, deadline=None)
@given(key=legal_keys, value=st.one_of(special_text, st.text(max_size=3)))
def test_values_quoted_as_starlette_quotes_them(key: str, value: str) -> None:
    """Any value at all (control characters included): Starlette's bytes or its error."""
    from support import flavour as load

    ours = cookie_header(load("fastresp"), "set_cookie", key, value)
    assert ours == cookie_header(load("starlette"), "set_cookie", key, value)


# --- deliberate differences (fastresp._cookies_py's docstring, 5-8) -------------------------


@pytest.mark.parametrize(
    ("kwargs", "name", "text"),
    [
        ({"path": "/\r\nSet-Cookie: admin=1"}, "path", "/\r\nSet-Cookie: admin=1"),
        ({"path": "/; Domain=evil.example"}, "path", "/; Domain=evil.example"),
        ({"domain": "example.com\x00"}, "domain", "example.com\x00"),
        ({"domain": "a\tb"}, "domain", "a\tb"),
        ({"expires": "never\nX-Evil: 1"}, "expires", "never\nX-Evil: 1"),
        ({"max_age": "1; Secure"}, "max_age", "1; Secure"),
    ],
)
def test_difference_5_unsafe_attributes_refused(
    kwargs: dict[str, Any], name: str, text: str
) -> None:
    from support import flavour as load

    written = cookie_header(load("starlette"), "set_cookie", "k", "v", **kwargs)
    assert text.encode() in written[1]  # Starlette sends it
    with pytest.raises(fastresp.CookieError, match=re.escape(f"Illegal cookie {name} {text!r}")):
        fastresp.Response().set_cookie("k", "v", **kwargs)
    with pytest.raises(ValueError):  # what the issue asks for, before anything is sent
        fastresp.Response().set_cookie("k", "v", **kwargs)


def test_difference_5_delete_cookie_too() -> None:
    with pytest.raises(fastresp.CookieError, match="Illegal cookie path"):
        fastresp.Response().delete_cookie("k", path="/\r\n")
    with pytest.raises(fastresp.CookieError, match="Illegal cookie domain"):
        fastresp.Response().delete_cookie("k", domain="d;x")


@pytest.mark.parametrize(
    ("max_age", "error", "message"),
    [
        (1.5, TypeError, "max_age must be an int or None, not float"),
        (timedelta(days=1), TypeError, "max_age must be an int or None, not timedelta"),
        ("1.5", fastresp.CookieError, "Illegal cookie max_age '1.5': not an integer"),
        ("1 day", fastresp.CookieError, "Illegal cookie max_age '1 day': not an integer"),
    ],
)
def test_difference_6_max_age_must_be_an_integer(
    max_age: object, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=re.escape(message)):
        fastresp.Response().set_cookie("k", "v", max_age=max_age)  # type: ignore[arg-type]


@pytest.mark.parametrize("max_age", [3600, -1, True, "3600", "-1", ""])
def test_difference_6_integers_still_match_starlette(max_age: object) -> None:
    from support import flavour as load

    args = ("set_cookie", "k", "v")
    theirs = cookie_header(load("starlette"), *args, max_age=max_age)
    assert cookie_header(load("fastresp"), *args, max_age=max_age) == theirs


@pytest.mark.parametrize("expires", [1.5, date(2030, 1, 1), b"x"])
def test_difference_7_expires_type(expires: object) -> None:
    with pytest.raises(TypeError, match="expires must be a datetime, int, str or None, not "):
        fastresp.Response().set_cookie("k", "v", expires=expires)  # type: ignore[arg-type]


class Sneaky(str):
    def __str__(self) -> str:
        return "k\r\nX-Evil: 1"


def test_difference_8_types_of_key_and_samesite() -> None:
    with pytest.raises(TypeError, match="cookie name must be a str, not int"):
        fastresp.Response().set_cookie(1, "v")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="samesite must be a str or None, not int"):
        fastresp.Response().set_cookie("k", "v", samesite=1)  # type: ignore[arg-type]
    r = fastresp.Response()
    r.set_cookie(Sneaky("k"), "v")  # Starlette writes the __str__ text, CR LF included
    assert r.raw_headers[-1] == (b"set-cookie", b"k=v; Path=/; SameSite=lax")
