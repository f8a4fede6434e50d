"""FastAPI acceptance matrix for `fastresp.starlette` (shared/notes/ecosystem.md §1.2-1.3).

Every scenario goes through a real FastAPI app over `httpx.ASGITransport`, on each
`anyio_backend` (asyncio, uvloop, trio), and asserts the exact status, headers and body.
"""

import inspect
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import starlette.background
import starlette.responses
from fastapi import BackgroundTasks as FastAPIBackgroundTasks
from fastapi import Depends, FastAPI
from fastapi import Response as InjectedResponse
from pydantic import BaseModel

import fastresp
from fastresp.starlette import (
    BackgroundTask,
    EventSourceResponse,
    FileResponse,
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
    ServerSentEvent,
    StreamingResponse,
)

pytestmark = pytest.mark.anyio

Raw = list[tuple[bytes, bytes]]


class Item(BaseModel):
    name: str
    price: float


async def request(app: FastAPI, method: str, url: str, **kwargs: Any) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        return await client.request(method, url, **kwargs)


# --- returned responses pass through untouched ----------------------------------------


async def test_returned_json_passes_through_and_gets_fastapi_background() -> None:
    app = FastAPI()
    ran: list[str] = []

    @app.get("/")
    async def endpoint(tasks: FastAPIBackgroundTasks) -> JSONResponse:
        tasks.add_task(ran.append, "fastapi task")
        return JSONResponse({"x": 1}, status_code=201, headers={"X-Custom": "yes"})

    response = await request(app, "GET", "/")
    assert response.status_code == 201
    assert response.content == b'{"x":1}'
    assert response.headers.raw == [
        (b"x-custom", b"yes"),
        (b"content-length", b"7"),
        (b"content-type", b"application/json"),
    ]
    assert ran == ["fastapi task"]  # the response had no background: FastAPI attached its own


async def test_core_classes_need_the_compat_module() -> None:
    """Why `fastresp.starlette` exists: FastAPI serialises a core fastresp object as data."""
    app = FastAPI()

    @app.get("/", response_model=None)  # as for an endpoint without a return annotation
    def endpoint() -> Any:
        return fastresp.JSONResponse({"x": 1}, status_code=201)

    response = await request(app, "GET", "/")
    assert response.status_code == 200
    assert response.json()["status_code"] == 201  # the object's attributes, not its body


async def test_returned_response_keeps_its_own_background() -> None:
    app = FastAPI()
    ran: list[str] = []

    async def own() -> None:
        ran.append("own task")

    @app.get("/")
    async def endpoint(tasks: FastAPIBackgroundTasks) -> PlainTextResponse:
        tasks.add_task(ran.append, "fastapi task")
        return PlainTextResponse("hi", background=BackgroundTask(own))

    response = await request(app, "GET", "/")
    assert (response.status_code, response.content) == (200, b"hi")
    # COMPAT: FastAPI only fills in `background` when it is None, as with Starlette's class.
    assert ran == ["own task"]


async def test_returned_plain_response_sub_classes() -> None:
    app = FastAPI()

    @app.get("/html")
    def html() -> HTMLResponse:
        return HTMLResponse("<p>é</p>")

    @app.get("/bytes")
    def raw() -> Response:
        return Response(b"\x00\x01", media_type="application/octet-stream", status_code=202)

    response = await request(app, "GET", "/html")
    assert response.content == "<p>é</p>".encode()
    assert response.headers.raw == [
        (b"content-length", b"9"),
        (b"content-type", b"text/html; charset=utf-8"),
    ]
    response = await request(app, "GET", "/bytes")
    assert (response.status_code, response.content) == (202, b"\x00\x01")
    assert response.headers.raw == [
        (b"content-length", b"2"),
        (b"content-type", b"application/octet-stream"),
    ]


async def test_returned_redirect() -> None:
    app = FastAPI()

    @app.get("/old")
    def old() -> RedirectResponse:
        return RedirectResponse("/new path?q=ü", status_code=301)

    response = await request(app, "GET", "/old", follow_redirects=False)
    assert response.status_code == 301
    assert response.content == b""
    assert response.headers.raw == [
        (b"content-length", b"0"),
        (b"location", b"/new%20path?q=%C3%BC"),
    ]


async def test_cookies_on_returned_response() -> None:
    app = FastAPI()

    @app.get("/")
    def endpoint() -> JSONResponse:
        response = JSONResponse({"ok": True})
        response.set_cookie("session", "abc", max_age=60, httponly=True, secure=True)
        response.delete_cookie("old", path="/x")
        return response

    response = await request(app, "GET", "/")
    assert response.content == b'{"ok":true}'
    cookies = response.headers.get_list("set-cookie")
    assert cookies[0] == "session=abc; HttpOnly; Max-Age=60; Path=/; SameSite=lax; Secure"
    assert cookies[1].startswith('old=""; expires=')
    assert cookies[1].endswith(" GMT; Max-Age=0; Path=/x; SameSite=lax")
    assert len(cookies) == 2
    assert response.cookies["session"] == "abc"


# --- route definition and OpenAPI ---------------------------------------------------------


async def test_return_annotation_disables_response_model() -> None:
    app = FastAPI()

    @app.get("/j")
    def j() -> JSONResponse:  # a non-Response annotation here would raise FastAPIError
        return JSONResponse([1, 2])

    @app.get("/s")
    def s() -> StreamingResponse:
        return StreamingResponse(iter([b"a"]))

    @app.get("/f")
    def f() -> FileResponse:
        return FileResponse(__file__)

    @app.get("/e")
    def e() -> EventSourceResponse:
        return EventSourceResponse(iter([]))

    paths = app.openapi()["paths"]
    for path in ("/j", "/s", "/f", "/e"):
        content = paths[path]["get"]["responses"]["200"]["content"]
        assert content == {"application/json": {"schema": {}}}, path
    response = await request(app, "GET", "/j")
    assert response.content == b"[1,2]"


async def test_default_response_class_with_response_model() -> None:
    rendered: list[Any] = []

    class SpyJSON(JSONResponse):
        def render(self, content: Any) -> bytes:
            rendered.append(content)
            return super().render(content)

    app = FastAPI(default_response_class=SpyJSON)

    @app.get("/item", response_model=Item)
    def item() -> dict[str, Any]:
        return {"name": "pen", "price": 1.5, "secret": "dropped by the model"}

    response = await request(app, "GET", "/item")
    assert response.status_code == 200
    assert response.content == b'{"name":"pen","price":1.5}'
    assert response.headers.raw == [
        (b"content-length", b"26"),
        (b"content-type", b"application/json"),
    ]
    assert rendered == [{"name": "pen", "price": 1.5}]  # our class did the rendering

    schema = app.openapi()
    ok = schema["paths"]["/item"]["get"]["responses"]["200"]
    assert ok["content"] == {"application/json": {"schema": {"$ref": "#/components/schemas/Item"}}}
    assert set(schema["components"]["schemas"]["Item"]["properties"]) == {"name", "price"}


async def test_openapi_media_types_and_default_status() -> None:
    app = FastAPI()

    @app.get("/html", response_class=HTMLResponse)
    def html() -> str:
        return "<b>x</b>"

    @app.get("/text", response_class=PlainTextResponse)
    def text() -> str:
        return "x"

    @app.get("/go", response_class=RedirectResponse)
    def go() -> str:
        return "/html"

    @app.get("/events", response_class=EventSourceResponse)
    def events() -> None: ...

    paths = app.openapi()["paths"]
    assert paths["/html"]["get"]["responses"]["200"]["content"] == {
        "text/html": {"schema": {"type": "string"}}
    }
    assert paths["/text"]["get"]["responses"]["200"]["content"] == {
        "text/plain": {"schema": {"type": "string"}}
    }
    # FastAPI reads the default status from `inspect.signature(cls.__init__)`.
    assert list(paths["/go"]["get"]["responses"]) == ["307"]
    assert list(paths["/events"]["get"]["responses"]) == ["200"]
    assert paths["/events"]["get"]["responses"]["200"]["content"] == {
        "text/event-stream": {"schema": {"type": "string"}}
    }

    response = await request(app, "GET", "/html")
    assert response.content == b"<b>x</b>"
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    response = await request(app, "GET", "/text")
    assert response.headers.raw == [
        (b"content-length", b"1"),
        (b"content-type", b"text/plain; charset=utf-8"),
    ]
    response = await request(app, "GET", "/go", follow_redirects=False)
    assert response.status_code == 307
    assert response.headers["location"] == "/html"


def test_signatures_and_class_attributes_fastapi_reads() -> None:
    defaults: dict[type[Response], int] = {
        Response: 200,
        HTMLResponse: 200,
        PlainTextResponse: 200,
        JSONResponse: 200,
        RedirectResponse: 307,
        StreamingResponse: 200,
        FileResponse: 200,
        EventSourceResponse: 200,
    }
    for cls, status in defaults.items():
        init = cls.__init__  # exactly what fastapi/openapi/utils.py reads
        default = inspect.signature(init).parameters["status_code"].default
        assert type(default) is int and default == status, cls
    assert Response.media_type is None
    assert HTMLResponse.media_type == "text/html"
    assert PlainTextResponse.media_type == "text/plain"
    assert JSONResponse.media_type == "application/json"
    assert issubclass(JSONResponse, starlette.responses.JSONResponse)
    assert issubclass(EventSourceResponse, starlette.responses.Response)
    assert Response.charset == "utf-8"


# --- FastAPI writes to the response it built ---------------------------------------------


async def test_no_body_status_and_injected_headers() -> None:
    app = FastAPI(default_response_class=JSONResponse)

    @app.delete("/thing", status_code=204)
    def delete(response: InjectedResponse) -> None:
        response.headers["X-Deleted"] = "1"
        response.set_cookie("gone", "1")

    @app.get("/made")
    def made(response: InjectedResponse) -> dict[str, int]:
        response.headers["X-Extra"] = "2"
        return {"a": 1}

    response = await request(app, "DELETE", "/thing")
    assert response.status_code == 204
    assert response.content == b""
    # `response.body = b""` after `init_headers`: 204 never had a Content-Length.
    assert response.headers.raw == [
        (b"content-type", b"application/json"),
        (b"x-deleted", b"1"),
        (b"set-cookie", b"gone=1; Path=/; SameSite=lax"),
    ]

    response = await request(app, "GET", "/made")
    assert response.content == b'{"a":1}'
    # FastAPI extends `response.headers.raw`: it must be the list that is sent.
    assert response.headers.raw == [
        (b"content-length", b"7"),
        (b"content-type", b"application/json"),
        (b"x-extra", b"2"),
    ]


def test_body_background_and_raw_headers_are_live() -> None:
    response = JSONResponse({"a": 1})
    response.headers.raw.append((b"x-late", b"1"))
    assert response.raw_headers[-1] == (b"x-late", b"1")
    assert response.headers.raw is response.raw_headers
    response.body = b""
    assert response.body == b""
    task = starlette.background.BackgroundTask(print)
    response.background = task
    assert response.background is task


async def test_starlette_background_tasks_accepted() -> None:
    app = FastAPI()
    ran: list[int] = []

    @app.get("/")
    def endpoint() -> Response:
        tasks = starlette.background.BackgroundTasks()
        tasks.add_task(ran.append, 1)
        tasks.add_task(ran.append, 2)
        return Response("x", background=tasks)

    response = await request(app, "GET", "/")
    assert response.content == b"x"
    assert ran == [1, 2]


# --- streaming, files and server-sent events ---------------------------------------------


async def test_returned_streaming_response() -> None:
    app = FastAPI()

    async def chunks() -> AsyncIterator[str | bytes]:
        yield "héllo "
        yield b"world"

    @app.get("/")
    async def endpoint() -> StreamingResponse:
        return StreamingResponse(chunks(), media_type="text/plain", headers={"X-S": "1"})

    response = await request(app, "GET", "/")
    assert response.status_code == 200
    assert response.content == "héllo world".encode()
    assert response.headers.raw == [(b"x-s", b"1"), (b"content-type", b"text/plain; charset=utf-8")]


async def test_generator_endpoint_with_streaming_response_class() -> None:
    app = FastAPI()

    def add_header(response: InjectedResponse) -> None:
        response.headers["X-Gen"] = "dependency"

    @app.get("/sync", response_class=StreamingResponse, dependencies=[Depends(add_header)])
    def sync_gen() -> Iterator[bytes]:
        yield b"a"
        yield b"b"

    @app.get("/async", response_class=StreamingResponse, status_code=202)
    async def async_gen() -> AsyncIterator[bytes]:
        yield b"c"
        yield b"d"

    response = await request(app, "GET", "/sync")
    assert (response.status_code, response.content) == (200, b"ab")
    assert response.headers.raw == [(b"x-gen", b"dependency")]  # via `.headers.raw.extend`
    response = await request(app, "GET", "/async")
    assert (response.status_code, response.content) == (202, b"cd")
    assert response.headers.raw == []


async def test_returned_file_response(tmp_path: Path) -> None:
    path = tmp_path / "report.txt"
    path.write_bytes(b"0123456789" * 10)
    app = FastAPI()

    @app.get("/file")
    def endpoint() -> FileResponse:
        return FileResponse(path, filename="report.txt")

    response = await request(app, "GET", "/file")
    assert response.status_code == 200
    assert response.content == path.read_bytes()
    headers = dict(response.headers.raw)
    assert headers[b"content-type"] == b"text/plain; charset=utf-8"
    assert headers[b"content-length"] == b"100"
    assert headers[b"accept-ranges"] == b"bytes"
    assert headers[b"content-disposition"] == b'attachment; filename="report.txt"'
    assert headers[b"etag"].startswith(b'"') and headers[b"etag"].endswith(b'"')
    assert headers[b"last-modified"].endswith(b" GMT")
    assert len(response.headers.raw) == 6

    response = await request(app, "GET", "/file", headers={"Range": "bytes=10-14"})
    assert response.status_code == 206
    assert response.content == b"01234"
    assert response.headers["content-range"] == "bytes 10-14/100"
    assert response.headers["content-length"] == "5"


async def test_returned_event_source_response() -> None:
    app = FastAPI()

    async def events() -> AsyncIterator[ServerSentEvent | dict[str, Any] | str]:
        yield ServerSentEvent("one", id="1", event="tick")
        yield {"data": "two", "retry": 1000}
        yield "three\nlines"

    @app.get("/sse")
    async def endpoint() -> EventSourceResponse:
        return EventSourceResponse(events(), ping=0)

    response = await request(app, "GET", "/sse")
    assert response.status_code == 200
    assert response.content == (
        b"id: 1\r\nevent: tick\r\ndata: one\r\n\r\n"
        b"data: two\r\nretry: 1000\r\n\r\n"
        b"data: three\r\ndata: lines\r\n\r\n"
    )
    assert response.headers.raw == [
        (b"cache-control", b"no-store"),
        (b"connection", b"keep-alive"),
        (b"x-accel-buffering", b"no"),
        (b"content-type", b"text/event-stream; charset=utf-8"),
    ]


async def test_generator_endpoint_with_event_source_response_class() -> None:
    app = FastAPI()

    @app.get("/sse", response_class=EventSourceResponse)
    async def endpoint() -> AsyncIterator[dict[str, Any]]:
        for n in range(3):
            yield {"data": f"n={n}", "id": str(n)}

    response = await request(app, "GET", "/sse")
    assert response.status_code == 200
    assert response.content == (
        b"id: 0\r\ndata: n=0\r\n\r\nid: 1\r\ndata: n=1\r\n\r\nid: 2\r\ndata: n=2\r\n\r\n"
    )
    assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
