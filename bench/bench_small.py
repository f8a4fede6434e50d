"""Complete responses that never suspend: stepped directly, no event loop timed.

Scenarios from shared/notes/starlette-profile.md §1-4: plain text, HTML, JSON (small
and ~54 KB), custom headers + cookies, redirect.
"""

import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import pytest
from harness_drivers import App, Flavour, Message, Receive, Scope, Send, make_scope
from harness_timing import Bench, run_member

TEXT = "Hello, world!"
HTML = ("<!doctype html><title>bench</title>" + "<p>Lorem ipsum dolor sit amet.</p>\n" * 400)[
    : 10 * 1024
]
SMALL_JSON = {"id": 1, "name": "Widget", "price": 9.99, "in_stock": True, "tags": ["a", "b"]}
LARGE_JSON = [
    {"id": i, "name": f"item-{i:04d}", "price": round(i * 1.25, 2), "ok": i % 3 != 0}
    for i in range(1000)
]
HEADERS = {
    "Cache-Control": "no-cache, no-store",
    "X-Request-Id": "0f8fad5b-d9cb-469f-a165-70867728950e",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
    "Vary": "Accept-Encoding",
    "X-RateLimit-Limit": "1000",
    "X-RateLimit-Remaining": "999",
    "Server-Timing": "db;dur=53, app;dur=47.2",
}
# (key, value, max_age, path, secure, httponly, samesite)
COOKIES: tuple[tuple[str, str, int | None, str, bool, bool, str], ...] = (
    ("session", "3f2a9c0d7e", 3600, "/", True, True, "lax"),
    ("theme", "dark", None, "/", False, False, "lax"),
    ("csrftoken", "k2j3h4g5f6", 86400, "/app", True, False, "strict"),
)
REDIRECT_URL = "/login?next=/account"

Build = Callable[[Flavour], App]


def _run(benchmark: Bench, member: str, build: Build, floor: App) -> None:
    run_member(benchmark, member, build, floor, make_scope())


def _start(headers: list[tuple[bytes, bytes]], status: int = 200) -> Message:
    return {"type": "http.response.start", "status": status, "headers": headers}


# --- plain text, HTML ------------------------------------------------------------------


def _plaintext(f: Flavour) -> App:
    cls = f.PlainTextResponse
    return lambda scope, receive, send: cls(TEXT)(scope, receive, send)


def _html(f: Flavour) -> App:
    cls = f.HTMLResponse
    return lambda scope, receive, send: cls(HTML)(scope, receive, send)


def _text_floor(content: str, content_type: bytes) -> App:
    async def floor(scope: Scope, receive: Receive, send: Send) -> None:
        body = content.encode("utf-8")
        headers = [(b"content-length", str(len(body)).encode()), (b"content-type", content_type)]
        await send(_start(headers))
        await send({"type": "http.response.body", "body": body})

    return floor


@pytest.mark.benchmark(group="plaintext-13B")
def bench_plaintext(benchmark: Bench, member: str) -> None:
    _run(benchmark, member, _plaintext, _text_floor(TEXT, b"text/plain; charset=utf-8"))


@pytest.mark.benchmark(group="html-10KiB")
def bench_html(benchmark: Bench, member: str) -> None:
    _run(benchmark, member, _html, _text_floor(HTML, b"text/html; charset=utf-8"))


# --- JSON ------------------------------------------------------------------------------

_encode_json = json.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode


def _json(content: Any) -> Build:
    def build(f: Flavour) -> App:
        cls = f.JSONResponse
        return lambda scope, receive, send: cls(content)(scope, receive, send)

    return build


def _json_floor(content: Any) -> App:
    async def floor(scope: Scope, receive: Receive, send: Send) -> None:
        body = _encode_json(content).encode("utf-8")
        headers = [
            (b"content-length", str(len(body)).encode()),
            (b"content-type", b"application/json"),
        ]
        await send(_start(headers))
        await send({"type": "http.response.body", "body": body})

    return floor


@pytest.mark.benchmark(group="json-small")
def bench_json_small(benchmark: Bench, member: str) -> None:
    _run(benchmark, member, _json(SMALL_JSON), _json_floor(SMALL_JSON))


@pytest.mark.benchmark(group="json-1000")
def bench_json_1000(benchmark: Bench, member: str) -> None:
    _run(benchmark, member, _json(LARGE_JSON), _json_floor(LARGE_JSON))


# --- headers and cookies ---------------------------------------------------------------


def _headers_cookies(f: Flavour) -> App:
    cls = f.Response

    def app(scope: Scope, receive: Receive, send: Send) -> Any:
        response = cls(b"ok", headers=HEADERS)
        for key, value, max_age, path, secure, httponly, samesite in COOKIES:
            response.set_cookie(
                key,
                value,
                max_age=max_age,
                path=path,
                secure=secure,
                httponly=httponly,
                samesite=samesite,
            )
        return response(scope, receive, send)

    return app


async def _headers_cookies_floor(scope: Scope, receive: Receive, send: Send) -> None:
    body = b"ok"
    raw = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in HEADERS.items()]
    raw.append((b"content-length", str(len(body)).encode()))
    for key, value, max_age, path, secure, httponly, samesite in COOKIES:
        # Same attribute order as http.cookies.Morsel.OutputString (sorted by key).
        cookie = f"{key}={value}"
        if httponly:
            cookie += "; HttpOnly"
        if max_age is not None:
            cookie += f"; Max-Age={max_age}"
        cookie += f"; Path={path}; SameSite={samesite}"
        if secure:
            cookie += "; Secure"
        raw.append((b"set-cookie", cookie.encode("latin-1")))
    await send(_start(raw))
    await send({"type": "http.response.body", "body": body})


@pytest.mark.benchmark(group="headers10-cookies3")
def bench_headers_cookies(benchmark: Bench, member: str) -> None:
    _run(benchmark, member, _headers_cookies, _headers_cookies_floor)


# --- redirect --------------------------------------------------------------------------


def _redirect(f: Flavour) -> App:
    cls = f.RedirectResponse
    return lambda scope, receive, send: cls(REDIRECT_URL)(scope, receive, send)


# Everything `quote(url, safe=":/%#?=@[]!$&'()*+,;")` leaves as it is.
_NO_QUOTING = re.compile(r"[A-Za-z0-9_.\-~:/%#?=@\[\]!$&'()*+,;]*").fullmatch


async def _redirect_floor(scope: Scope, receive: Receive, send: Send) -> None:
    url = REDIRECT_URL
    if _NO_QUOTING(url) is None:
        url = quote(url, safe=":/%#?=@[]!$&'()*+,;")
    location = url.encode("latin-1")
    await send(_start([(b"content-length", b"0"), (b"location", location)], status=307))
    await send({"type": "http.response.body", "body": b""})


@pytest.mark.benchmark(group="redirect")
def bench_redirect(benchmark: Bench, member: str) -> None:
    _run(benchmark, member, _redirect, _redirect_floor)
