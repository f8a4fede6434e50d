"""The cookie formatter, over both twins, against http.cookies itself and each other."""

import http.cookies
import importlib.util
import os
import re
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from types import ModuleType
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import fastresp
from fastresp import _cookies_py

# What RFC 6265 §4.1.1 forbids in an attribute value (fastresp's difference 5).
UNSAFE = re.compile(r"[\x00-\x1f\x7f;]")


def reference(key: str, value: Any, **attrs: Any) -> Any:
    """What http.cookies.SimpleCookie makes of the same cookie, or its error."""
    cookie: http.cookies.SimpleCookie = http.cookies.SimpleCookie()
    try:
        cookie[key] = value
        for name, attr in attrs.items():
            cookie[key][name] = attr
        return cookie.output(header="").strip().encode("latin-1")
    except (http.cookies.CookieError, UnicodeEncodeError) as exc:
        return (type(exc).__name__, str(exc))


def ours(impl: ModuleType, key: str, value: Any, **attrs: Any) -> Any:
    try:
        return impl.format_set_cookie(
            key,
            value,
            attrs.get("max-age"),
            attrs.get("expires"),
            attrs.get("path"),
            attrs.get("domain"),
            attrs.get("secure", False),
            attrs.get("httponly", False),
            attrs.get("samesite"),
        )
    except (http.cookies.CookieError, UnicodeEncodeError) as exc:
        return (type(exc).__name__, str(exc))


@settings(max_examples=500, deadline=None)
@given(
    key=st.text(min_size=0, max_size=8),
    value=st.text(max_size=12),
    path=st.one_of(st.none(), st.text(max_size=6)),
    domain=st.one_of(st.none(), st.text(max_size=6)),
    max_age=st.one_of(st.none(), st.integers(), st.text(max_size=3)),
    expires=st.one_of(st.none(), st.integers(-(10**6), 10**6), st.text(max_size=5)),
)
def test_matches_simplecookie(cookies_impl: ModuleType, **fields: Any) -> None:
    """Same bytes as http.cookies wherever fastresp does not refuse (differences 5-6)."""
    for name in ("path", "domain", "max_age", "expires"):
        if isinstance(fields[name], str) and UNSAFE.search(fields[name]):
            return
    if isinstance(fields["max_age"], str) and not re.fullmatch("-?[0-9]+|", fields["max_age"]):
        return
    attrs = {
        name: fields[arg]
        for name, arg in (
            ("path", "path"),
            ("domain", "domain"),
            ("max-age", "max_age"),
            ("expires", "expires"),
        )
        if fields[arg] is not None
    }
    with pytest.MonkeyPatch.context() as patch:  # integer expiry is relative to now
        patch.setattr(time, "time", lambda: 1_000_000_000.0)
        assert ours(cookies_impl, fields["key"], fields["value"], **attrs) == reference(
            fields["key"], fields["value"], **attrs
        )


def test_http_date(cookies_impl: ModuleType) -> None:
    from email.utils import format_datetime

    moment = datetime(2024, 2, 29, 23, 59, 59, 999999, tzinfo=UTC)
    assert cookies_impl.http_date(moment) == format_datetime(moment, usegmt=True)
    with pytest.raises(ValueError, match="usegmt option requires a UTC datetime"):
        cookies_impl.http_date(datetime(2024, 1, 1))


# --- compiled vs pure, on hostile input -------------------------------------------------

Outcome = tuple[str, object]


def outcome(fn: Callable[..., object], *args: object) -> Outcome:
    try:
        return ("ok", fn(*args))
    except Exception as exc:
        return (type(exc).__name__, str(exc))


def both_twins() -> tuple[ModuleType, ModuleType]:
    if importlib.util.find_spec("fastresp._cookies_c") is None:
        if os.environ.get("FASTRESP_REQUIRE_COMPILED"):
            pytest.fail("compiled kernel fastresp._cookies_c is required but missing")
        pytest.skip("compiled kernels not built")
    from fastresp import _cookies_c

    return _cookies_c, _cookies_py


class Sneaky(str):
    """A str whose str() is different text: what is checked must be what is written."""

    def __str__(self) -> str:
        return "x\r\nSet-Cookie: evil=1"


CTL = "".join(map(chr, range(32))) + "\x7f;"
hostile_text = st.text(
    st.one_of(st.sampled_from(CTL + ' "\\,=/ \x85\xa0\xff\u0100\u3000'), st.characters()),
    max_size=8,
)
attribute_values = st.one_of(
    st.none(),
    st.just(""),
    st.sampled_from(["/", "/app", "example.com", "/a;b", "/a\r\nX: y", "/\x00", "/\t", "/ "]),
    hostile_text,
    hostile_text.map(Sneaky),
    st.integers(-3, 3),
    st.sampled_from([1.5, b"/x", date(2030, 1, 1), timedelta(days=1)]),
)
max_ages = st.one_of(
    attribute_values,
    st.integers(),
    st.sampled_from([True, False, 2**63, -(2**63) - 1, "0", "-1", "007", "-", "+1", "1_0"]),
    st.from_regex(r"-?[0-9]{1,30}", fullmatch=True),
)
expiries = st.one_of(
    attribute_values,
    st.integers(-(10**12), 10**12),
    st.sampled_from([True, 2**63, 10**400, "Wed, 21 Oct 2015 07:28:00 GMT"]),
    st.datetimes(timezones=st.sampled_from([UTC, None])),
)


@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    key=st.one_of(
        st.sampled_from(["k", "Path", "max-AGE", "", "a b", "k;", "\u212aey", 1, None, b"k"]),
        st.text(max_size=4),
        st.text(max_size=4).map(Sneaky),
    ),
    value=st.one_of(hostile_text, hostile_text.map(Sneaky), st.integers(), st.none()),
    max_age=max_ages,
    expires=expiries,
    path=attribute_values,
    domain=attribute_values,
    secure=st.booleans(),
    httponly=st.booleans(),
    samesite=st.one_of(
        st.sampled_from([None, "lax", "Strict", "NONE", "", "evil", "lax\r\n", 1, b"lax"]),
        st.sampled_from(["lax", "x"]).map(Sneaky),
    ),
    partitioned=st.booleans(),
)
def test_twins_agree_on_hostile_input(**fields: Any) -> None:
    """Compiled and pure: the same bytes, or the same exception type and message."""
    compiled, pure = both_twins()
    args = tuple(fields.values())
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(time, "time", lambda: 1_700_000_000.5)
        ours = outcome(compiled.format_set_cookie, *args)
        assert ours == outcome(pure.format_set_cookie, *args)
    if ours[0] == "ok":  # SECURITY: nothing that splits the header or adds an attribute
        header = ours[1]
        assert isinstance(header, bytes)
        assert not re.search(rb"[\x00-\x1f\x7f]", header)


# --- deliberate differences 5-8, on each twin ---------------------------------------------

REFUSED_ATTRIBUTES = [
    ("path", "/app\r\nSet-Cookie: admin=1"),
    ("path", "/app\n"),
    ("path", "/app; Domain=evil.example"),
    ("path", "/\x00x"),
    ("path", "/\tx"),
    ("path", "/\x7f"),
    ("domain", "example.com\r\n"),
    ("domain", "example.com;x"),
    ("domain", "\x00"),
    ("expires", "Wed, 21 Oct 2015 07:28:00 GMT\r\nX: y"),
    ("expires", "Wed; Secure"),
    ("expires", "\x1f"),
    ("max_age", "1\r\n"),
    ("max_age", "1; Secure"),
]


@pytest.mark.parametrize(("name", "text"), REFUSED_ATTRIBUTES)
def test_unsafe_attribute_refused(cookies_impl: ModuleType, name: str, text: str) -> None:
    message = f"Illegal cookie {name} {text!r}: control characters and ';' are refused"
    with pytest.raises(fastresp.CookieError, match=re.escape(message)) as caught:
        cookies_impl.format_set_cookie("k", "v", **{name: text})
    assert isinstance(caught.value, ValueError)
    assert isinstance(caught.value, http.cookies.CookieError)


@pytest.mark.parametrize("name", ["path", "domain", "expires"])
def test_checked_text_is_written_text(cookies_impl: ModuleType, name: str) -> None:
    with pytest.raises(fastresp.CookieError, match="control characters"):
        cookies_impl.format_set_cookie("k", "v", **{name: Sneaky("/fine")})


@pytest.mark.parametrize(
    ("max_age", "written"),
    [
        (3600, b"3600"),
        (-1, b"-1"),
        (True, b"1"),
        (False, b"0"),
        (2**70, b"%d" % 2**70),
        ("3600", b"3600"),
        ("-5", b"-5"),
        ("007", b"007"),
    ],
)
def test_max_age_accepted(cookies_impl: ModuleType, max_age: object, written: bytes) -> None:
    header = cookies_impl.format_set_cookie("k", "v", max_age, None, None, None, False, False, None)
    assert header == b"k=v; Max-Age=" + written


@pytest.mark.parametrize("text", ["1.5", "-", "+1", "1_0", " 1", "1 ", "\u0661", "one"])
def test_max_age_str_must_be_an_integer(cookies_impl: ModuleType, text: str) -> None:
    message = f"Illegal cookie max_age {text!r}: not an integer"
    with pytest.raises(fastresp.CookieError, match=re.escape(message)):
        cookies_impl.format_set_cookie("k", "v", text)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("max_age", 1.5, "max_age must be an int or None, not float"),
        ("max_age", timedelta(days=1), "max_age must be an int or None, not timedelta"),
        ("max_age", b"1", "max_age must be an int or None, not bytes"),
        ("expires", 1.5, "expires must be a datetime, int, str or None, not float"),
        ("expires", date(2030, 1, 1), "expires must be a datetime, int, str or None, not date"),
        ("key", 1, "cookie name must be a str, not int"),
        ("key", b"k", "cookie name must be a str, not bytes"),
        ("samesite", 1, "samesite must be a str or None, not int"),
        ("samesite", b"lax", "samesite must be a str or None, not bytes"),
    ],
)
def test_wrong_types_raise_type_error(
    cookies_impl: ModuleType, name: str, value: object, message: str
) -> None:
    fields: dict[str, Any] = {"key": "k", "value": "v", name: value}
    with pytest.raises(TypeError, match=re.escape(message)):
        cookies_impl.format_set_cookie(**fields)


def test_str_subclass_key_is_read_by_its_characters(cookies_impl: ModuleType) -> None:
    assert cookies_impl.format_set_cookie(Sneaky("k"), "v") == b"k=v; Path=/; SameSite=lax"
    with pytest.raises(ValueError, match="samesite must be"):
        cookies_impl.format_set_cookie("k", "v", samesite=Sneaky("lax"))


def test_samesite_outside_the_three_values(cookies_impl: ModuleType) -> None:
    for samesite in ("", "evil", "lax\r\n", "laxx", "\u0130"):
        with pytest.raises(ValueError, match="samesite must be either"):
            cookies_impl.format_set_cookie("k", "v", samesite=samesite)


@pytest.mark.parametrize("key", ["", "a b", "k;", "k=", "k\r\n", "k\x00", "\u212aey", "é", "k,"])
def test_names_outside_the_token_set_raise(cookies_impl: ModuleType, key: str) -> None:
    with pytest.raises(fastresp.CookieError, match=re.escape(f"Illegal key {key!r}")):
        cookies_impl.format_set_cookie(key, "v")
