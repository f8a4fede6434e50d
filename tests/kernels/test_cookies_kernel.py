"""The cookie formatter, over both twins, against http.cookies itself."""

import http.cookies
import time
from datetime import UTC
from types import ModuleType
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st


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
    from datetime import datetime
    from email.utils import format_datetime

    moment = datetime(2024, 2, 29, 23, 59, 59, 999999, tzinfo=UTC)
    assert cookies_impl.http_date(moment) == format_datetime(moment, usegmt=True)
    with pytest.raises(ValueError, match="usegmt option requires a UTC datetime"):
        cookies_impl.http_date(datetime(2024, 1, 1))
