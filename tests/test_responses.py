"""Response, HTMLResponse, PlainTextResponse, JSONResponse, RedirectResponse.

Parity tests run one scenario under Starlette and fastresp and demand identical ASGI
messages; the deliberate differences (fastresp/base.py docstring) are tested below.
"""

import array
import http.cookies
import math
import os
import subprocess
import sys
from http import HTTPStatus
from types import SimpleNamespace
from typing import Any
from unittest import mock

import pytest

import fastresp

from support import call

pytestmark = pytest.mark.anyio


def build(flavour: SimpleNamespace, spec: tuple[str, tuple[Any, ...], dict[str, Any]]) -> Any:
    cls_name, args, kwargs = spec
    return getattr(flavour, cls_name)(*args, **kwargs)


SCENARIOS: dict[str, tuple[str, tuple[Any, ...], dict[str, Any]]] = {
    "empty": ("Response", (), {}),
    "bytes": ("Response", (b"\x00\xffraw",), {}),
    "str-no-media-type": ("Response", ("héllo",), {}),
    "str-media-type": ("Response", ("héllo",), {"media_type": "text/csv"}),
    "media-type-with-charset": ("Response", ("x",), {"media_type": "text/plain; Charset=latin-1"}),
    "non-text-media-type": ("Response", ("{}",), {"media_type": "application/x-thing"}),
    "status-201": ("Response", (b"made",), {"status_code": 201}),
    "status-204": ("Response", (), {"status_code": 204}),
    "status-304": ("Response", (), {"status_code": 304, "media_type": "text/plain"}),
    "status-101": ("Response", (), {"status_code": 101}),
    "status-500": ("Response", ("boom",), {"status_code": 500, "media_type": "text/plain"}),
    "headers": ("Response", (b"ok",), {"headers": {"X-One": "1", "x-two": "2", "Vary": "a"}}),
    "header-content-length": ("Response", (b"ok",), {"headers": {"Content-Length": "99"}}),
    "header-content-type": (
        "PlainTextResponse",
        ("ok",),
        {"headers": {"content-type": "text/x-custom"}},
    ),
    "latin-1-header": ("Response", (b"ok",), {"headers": {"x-name": "café"}}),
    "memoryview": ("Response", (memoryview(b"abcdef"),), {}),
    "memoryview-typed": ("Response", (memoryview(array.array("i", [1, 2, 3])),), {}),
    "memoryview-strided": ("Response", (memoryview(b"abcdefgh")[::2],), {}),
    "memoryview-2d": ("Response", (memoryview(bytes(range(12))).cast("B", (3, 4)),), {}),
    "html": ("HTMLResponse", ("<h1>Hi ✓</h1>",), {}),
    "html-bytes": ("HTMLResponse", (b"<p>",), {"status_code": 404}),
    "plain": ("PlainTextResponse", ("Hello, world!",), {}),
    "json-dict": ("JSONResponse", ({"a": 1, "b": [True, None, 1.5], "ü": "✓"},), {}),
    "json-list": ("JSONResponse", ([1, "two", {"3": 4.0}],), {}),
    "json-none": ("JSONResponse", (None,), {}),
    "json-str": ("JSONResponse", ('quote " and \\ and \n',), {}),
    "json-bigint": ("JSONResponse", ({"n": 2**100},), {"status_code": 202}),
    "json-media-type": ("JSONResponse", ([],), {"media_type": "application/vnd.api+json"}),
    "json-headers": ("JSONResponse", ({},), {"headers": {"x-a": "b"}}),
    "redirect": ("RedirectResponse", ("/login?next=/account",), {}),
    "redirect-quoting": ("RedirectResponse", ("/a b/ü?q=x y&r=%20#frag",), {}),
    "redirect-crlf": ("RedirectResponse", ("/x\r\nSet-Cookie: evil=1",), {}),
    "redirect-absolute": ("RedirectResponse", ("https://example.com:8443/p?a=1",), {}),
    "redirect-302": ("RedirectResponse", ("/",), {"status_code": 302}),
    "redirect-headers": ("RedirectResponse", ("/n",), {"headers": {"x-a": "1"}}),
    "redirect-replaces-location": (
        "RedirectResponse",
        ("/new",),
        {"headers": {"Location": "/old", "x-b": "2"}},
    ),
}


@pytest.mark.parametrize("name", SCENARIOS)
async def test_parity(name: str) -> None:
    from support import flavour as load

    sent = [await call(build(load(f), SCENARIOS[name])) for f in ("starlette", "fastresp")]
    assert sent[1].messages == sent[0].messages


async def test_exact_plain_text_message() -> None:
    ex = await call(fastresp.PlainTextResponse("Hello, world!"))
    assert ex.messages == [
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [
                (b"content-length", b"13"),
                (b"content-type", b"text/plain; charset=utf-8"),
            ],
        },
        {"type": "http.response.body", "body": b"Hello, world!"},
    ]


async def test_charset_override_parity(flavour: SimpleNamespace) -> None:
    class Latin(flavour.PlainTextResponse):  # type: ignore[name-defined,misc]
        charset = "latin-1"

    ex = await call(Latin("café"))
    assert ex.header(b"content-type") == b"text/plain; charset=latin-1"
    assert ex.body == "café".encode("latin-1")


async def test_websocket_denial_parity(flavour: SimpleNamespace) -> None:
    ex = await call(flavour.PlainTextResponse("no", status_code=403), scope_type="websocket")
    assert [m["type"] for m in ex.messages] == [
        "websocket.http.response.start",
        "websocket.http.response.body",
    ]
    assert ex.messages[0]["status"] == 403 and ex.body == b"no"


async def test_background_runs_after_body(flavour: SimpleNamespace) -> None:
    log: list[str] = []

    async def async_job(tag: str) -> None:
        log.append(f"async {tag}")

    def sync_job(tag: str) -> None:
        log.append(f"sync {tag}")

    tasks = flavour.BackgroundTasks()
    tasks.add_task(sync_job, "1")
    tasks.add_task(async_job, tag="2")

    async def send_and_log(message: Any) -> None:
        log.append(message["type"])

    response = flavour.Response(b"x", background=tasks)
    from support import make_scope

    async def receive() -> dict[str, Any]:
        raise AssertionError("not called")

    await response(make_scope(), receive, send_and_log)
    assert log == ["http.response.start", "http.response.body", "sync 1", "async 2"]


async def test_starlette_background_task_accepted() -> None:
    from starlette.background import BackgroundTask as StarletteTask

    ran: list[int] = []
    await call(fastresp.Response(b"", background=StarletteTask(ran.append, 7)))
    assert ran == [7]


def test_attributes_match_starlette(flavour: SimpleNamespace) -> None:
    r = flavour.JSONResponse({"a": 1}, status_code=201, headers={"x": "y"})
    assert (r.status_code, r.media_type, r.charset, r.body) == (
        201,
        "application/json",
        "utf-8",
        b'{"a":1}',
    )
    assert r.raw_headers == [
        (b"x", b"y"),
        (b"content-length", b"7"),
        (b"content-type", b"application/json"),
    ]
    assert r.background is None


def test_headers_view_is_live() -> None:
    r = fastresp.Response(b"abc", headers={"X-A": "1"})
    r.headers["x-b"] = "2"
    r.headers.raw.extend([(b"x-c", b"3")])
    assert r.headers is r.headers
    assert r.headers.raw is r.raw_headers
    assert r.raw_headers[-2:] == [(b"x-b", b"2"), (b"x-c", b"3")]
    del r.headers["content-length"]
    assert "content-length" not in r.headers


def test_body_assignment_after_init_is_sent_as_is() -> None:
    # FastAPI blanks `body` for 204 after construction; Content-Length was never added.
    r = fastresp.Response(b"data", status_code=204)
    r.body = b""
    assert r.raw_headers == []


@pytest.mark.parametrize(
    "content",
    [float("nan"), math.inf, {"k": -math.inf}, {1, 2}, object(), {"k": b"bytes"}],
    ids=["nan", "inf", "nested-inf", "set", "object", "bytes"],
)
def test_json_errors_match_stdlib(content: Any) -> None:
    import starlette.responses

    with pytest.raises(Exception) as ours:
        fastresp.JSONResponse(content)
    with pytest.raises(Exception) as theirs:
        starlette.responses.JSONResponse(content)
    assert (type(ours.value), str(ours.value)) == (type(theirs.value), str(theirs.value))


def test_json_circular_raises_value_error() -> None:
    loop: list[Any] = []
    loop.append(loop)
    with pytest.raises(ValueError, match="Circular reference"):
        fastresp.JSONResponse(loop)


def test_json_render_override_like_orjson_recipe() -> None:
    class Custom(fastresp.JSONResponse):
        def render(self, content: Any) -> bytes:
            return repr(content).encode()

    r = Custom({"a": 1})
    assert r.body == b"{'a': 1}"
    assert r.headers["content-length"] == "8"


def test_redirect_accepts_url_objects() -> None:
    from starlette.datastructures import URL

    r = fastresp.RedirectResponse(URL("http://h/a b"))
    assert r.headers["location"] == "http://h/a%20b"


# Deliberate differences (fastresp/base.py docstring) ----------------------------


@pytest.mark.parametrize("content", [12345, 1.5, ["list"], bytearray(b"x")])
def test_difference_1_bad_content_type_error(content: Any) -> None:
    with pytest.raises(
        TypeError, match=f"content must be str, bytes or memoryview, not {type(content).__name__}"
    ):
        fastresp.Response(content)


@pytest.mark.parametrize("samesite", ["evil", "", "LAXX"])
def test_difference_2_samesite_is_a_value_error(samesite: str) -> None:
    with pytest.raises(ValueError, match="samesite must be either 'strict', 'lax' or 'none'"):
        fastresp.Response().set_cookie("k", "v", samesite=samesite)  # type: ignore[arg-type]


def test_difference_2_partitioned_on_every_python() -> None:
    r = fastresp.Response()
    r.set_cookie("k", "v", secure=True, samesite="none", partitioned=True)
    assert r.raw_headers[-1] == (b"set-cookie", b"k=v; Partitioned; Path=/; SameSite=none; Secure")


@pytest.mark.parametrize("key", ["a b", "", "k;x", "ü", "path", "Expires"])
def test_difference_3_cookie_error_is_both_kinds(key: str) -> None:
    with pytest.raises(http.cookies.CookieError) as err:
        fastresp.Response().set_cookie(key, "v")
    assert isinstance(err.value, ValueError) and isinstance(err.value, fastresp.CookieError)


def test_difference_4_typed_memoryview_body_counts_bytes() -> None:
    class Raw(fastresp.Response):
        def render(self, content: Any) -> memoryview:
            return memoryview(array.array("d", [1.0, 2.0]))

    assert Raw(None).headers["content-length"] == "16"


FIRST_ARGUMENTS: list[tuple[Any, Any]] = [
    (fastresp.Response, b""),
    (fastresp.PlainTextResponse, "x"),
    (fastresp.JSONResponse, {}),
    (fastresp.RedirectResponse, "/"),
]


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({"x a": "1"}, "header name 'x a' is not a token"),
        ({"": "1"}, "header name '' is not a token"),
        ({"x-a": "1\r\nSet-Cookie: evil=1"}, r"header 'x-a' has a control character \('\\r'\)"),
        ({"x-a": "a\x00b"}, r"control character \('\\x00'\) at index 1"),
    ],
)
def test_difference_5_invalid_headers_refused(headers: dict[str, str], message: str) -> None:
    for cls, content in FIRST_ARGUMENTS:
        with pytest.raises(fastresp.InvalidHeader, match=message) as err:
            cls(content, headers=headers)
        assert isinstance(err.value, ValueError)


@pytest.mark.parametrize("media_type", ["text/html\r\nX-Evil: 1", "text/x\x00", "a\x7fb"])
def test_difference_5_media_type_checked(media_type: str) -> None:
    with pytest.raises(fastresp.InvalidHeader, match="header 'content-type'"):
        fastresp.Response(b"", media_type=media_type)


def test_difference_5_charset_checked() -> None:
    class Evil(fastresp.PlainTextResponse):
        charset = "utf-8\r\nX-Evil: 1"

    with pytest.raises(fastresp.InvalidHeader, match="header 'content-type'"):
        Evil(b"x")


@pytest.mark.parametrize("status_code", [True, False, "200", 200.0, None, b"200"])
def test_difference_6_status_code_must_be_an_int(status_code: Any) -> None:
    name = type(status_code).__name__
    for cls, content in FIRST_ARGUMENTS:
        with pytest.raises(TypeError, match=f"status_code must be an int, not {name}$"):
            cls(content, status_code=status_code)


@pytest.mark.parametrize("status_code", [0, 99, 600, -200, 2**64, 10**30])
def test_difference_6_status_code_range(status_code: int) -> None:
    with pytest.raises(ValueError, match=f"between 100 and 599, not {status_code}$"):
        fastresp.Response(b"", status_code=status_code)


@pytest.mark.parametrize("status_code", [100, 599, HTTPStatus.CREATED, HTTPStatus.NO_CONTENT])
async def test_difference_6_int_subclasses_and_edges_accepted(status_code: int) -> None:
    ex = await call(fastresp.Response(b"x", status_code=status_code))
    assert ex.status == status_code


@pytest.mark.parametrize("status_code", [100, 101, 199, 204, 304])
async def test_difference_7_no_content_statuses_send_no_body(status_code: int) -> None:
    response = fastresp.PlainTextResponse("not sent", status_code=status_code)
    assert response.body == b"not sent"  # kept as rendered, but never sent
    ex = await call(response)
    assert ex.body == b"" and ex.header(b"content-length") is None
    # Also when the status is changed after construction.
    late = fastresp.Response(b"x")
    late.status_code = status_code
    assert (await call(late)).body == b""


def _nested(depth: int) -> list[Any]:
    content: list[Any] = []
    for _ in range(depth):
        content = [content]
    return content


@pytest.mark.parametrize("depth", [5_000, 100_000])
def test_difference_8_deep_json_is_a_value_error(depth: int) -> None:
    with pytest.raises(ValueError, match="nested too deeply") as err:
        fastresp.JSONResponse(_nested(depth))
    assert isinstance(err.value.__cause__, RecursionError)
    assert fastresp.JSONResponse(_nested(100)).body == b"[" * 101 + b"]" * 101


@pytest.mark.parametrize("pure", [False, True], ids=["as-built", "pure"])
def test_difference_8_deep_json_never_crashes_the_process(pure: bool) -> None:
    # A crash (stack overflow in C) must fail this test, not kill pytest: a subprocess.
    script = (
        "import fastresp\n"
        "content = []\n"
        "for _ in range(100_000):\n"
        "    content = [content]\n"
        "d = {}\n"
        "for _ in range(100_000):\n"
        "    d = {'k': d}\n"
        "for value in (content, d):\n"
        "    try:\n"
        "        fastresp.JSONResponse(value)\n"
        "    except ValueError as exc:\n"
        "        print(type(exc).__name__, exc)\n"
    )
    env = {**os.environ, "FASTRESP_NO_EXTENSIONS": "1"} if pure else dict(os.environ)
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, env=env
    )
    assert result.returncode == 0, result.stderr
    assert (
        result.stdout.splitlines()
        == ["ValueError JSON content is nested too deeply to serialise"] * 2
    )


# The compiled constructor does render()/init_headers() inline only for classes that
# inherit them; everything a subclass overrides must still run (both paths).


def test_overridden_methods_and_attributes_are_honoured() -> None:
    calls: list[str] = []

    class Render(fastresp.PlainTextResponse):
        def render(self, content: Any) -> bytes:
            calls.append("render")
            return b"<" + super().render(content) + b">"

    class Init(fastresp.JSONResponse):
        def init_headers(self, headers: Any = None) -> None:
            calls.append("init_headers")
            super().init_headers(headers)
            self.raw_headers.append((b"x-init", b"1"))

    class Hooked(fastresp.Response):
        def __setattr__(self, name: str, value: Any) -> None:
            calls.append(name)
            super().__setattr__(name, value)

    class Prop(fastresp.Response):
        @property
        def media_type(self) -> str:  # type: ignore[override]
            calls.append("media_type")
            return "text/x-prop"

    assert Render("a").body == b"<a>" and Render("a").headers["content-length"] == "3"
    assert Init({"a": 1}).raw_headers[-1] == (b"x-init", b"1")
    assert Hooked(b"x").body == b"x"
    assert Prop(b"x").headers["content-type"] == "text/x-prop; charset=utf-8"
    assert calls.count("render") == 2 and calls.count("init_headers") == 1
    assert {"status_code", "background", "body", "raw_headers"} <= set(calls)
    assert "media_type" in calls


def test_class_attributes_of_subclasses_are_honoured() -> None:
    class Csv(fastresp.Response):
        media_type = "text/csv"
        charset = "latin-1"

    class Preset(fastresp.Response):
        def __init__(self, content: Any) -> None:
            self.charset = "utf-16-le"  # an instance attribute set before the base init
            super().__init__(content, media_type="text/plain")

    csv = Csv("é")
    assert (csv.body, csv.headers["content-type"]) == (b"\xe9", "text/csv; charset=latin-1")
    preset = Preset("é")
    assert preset.body == "é".encode("utf-16-le")
    assert preset.headers["content-type"] == "text/plain; charset=utf-16-le"


def test_methods_patched_later_are_used() -> None:
    class Late(fastresp.PlainTextResponse):
        pass

    assert Late("a").body == b"a"  # the class is now known to the kernel
    try:
        Late.render = lambda self, content: b"patched"  # type: ignore[method-assign]
        assert Late("a").body == b"patched"
        with mock.patch.object(fastresp.Response, "init_headers", lambda self, h=None: None):
            response = fastresp.PlainTextResponse("a")
            assert not hasattr(response, "raw_headers")
    finally:
        del Late.render
    assert Late("a").body == b"a" and fastresp.PlainTextResponse("a").raw_headers


def test_starlette_compat_classes_build_the_same() -> None:
    import fastresp.starlette as compat

    for name in ("Response", "PlainTextResponse", "HTMLResponse", "JSONResponse"):
        ours, theirs = getattr(fastresp, name), getattr(compat, name)
        content = {"a": "é"} if name == "JSONResponse" else "é"
        assert vars(ours(content, headers={"x": "1"})) == vars(theirs(content, headers={"x": "1"}))
