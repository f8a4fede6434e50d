"""set_cookie / delete_cookie against Starlette, byte for byte."""

import time
from datetime import UTC, datetime, timedelta, timezone
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


@settings(max_examples=300, deadline=None)
@given(
    key=st.one_of(st.text(alphabet="abcXYZ019!#$%&'*+-.^_`|~:", min_size=1), st.text()),
    value=st.text(),
    max_age=st.one_of(st.none(), st.integers(-(2**40), 2**40)),
    path=st.one_of(st.none(), st.text()),
    domain=st.one_of(st.none(), st.text()),
    secure=st.booleans(),
    httponly=st.booleans(),
    samesite=st.sampled_from([None, "lax", "strict", "none", "Lax", "STRICT"]),
)
def test_cookie_differential(**kwargs: Any) -> None:
    """Any input: the same header bytes, or an error of the same kind and text."""
    from support import flavour as load

    theirs = cookie_header(load("starlette"), "set_cookie", **kwargs)
    ours = cookie_header(load("fastresp"), "set_cookie", **kwargs)
    assert ours == theirs
