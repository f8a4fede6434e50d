"""FileResponse and conditional requests, end to end (fastresp/files.py, difference 11).

The precondition logic itself is tested in test_conditional.py; here, its wiring: which
responses are evaluated, with which validators, and what a 304 or 412 sends.
"""

import inspect
import os
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import starlette.responses

import fastresp
from fastresp._asgi import Message

from file_support import body, fds_to, record, start, stat_headers, unboundaried
from support import Exchange, call

pytestmark = pytest.mark.anyio

SIZE = 100_000
PAST = b"Mon, 01 Jan 2001 00:00:00 GMT"
RawHeaders = list[tuple[bytes, bytes]]


@pytest.fixture
def path(tmp_path: Path) -> Path:
    file = tmp_path / "page.html"
    file.write_bytes(os.urandom(SIZE))
    return file


def validators(path: Path) -> dict[bytes, bytes]:
    return dict(stat_headers(path)[1:])  # last-modified, etag


def full_headers(path: Path) -> RawHeaders:
    return [
        (b"content-type", b"text/html; charset=utf-8"),
        (b"accept-ranges", b"bytes"),
        *stat_headers(path),
    ]


def not_modified(path: Path) -> list[Message]:
    kept = [(k, v) for k, v in full_headers(path) if k in (b"last-modified", b"etag")]
    return [start(304, kept), body(b"", False)]


def failed(path: Path) -> list[Message]:
    kept = [(k, v) for k, v in full_headers(path) if k in (b"last-modified", b"etag")]
    return [start(412, [*kept, (b"content-length", b"0")]), body(b"", False)]


async def ask(response: Any, *headers: tuple[bytes, bytes], **scope: Any) -> Exchange:
    return await call(response, headers=list(headers), **scope)


@pytest.mark.parametrize("method", ["GET", "HEAD"])
async def test_if_none_match_with_the_etag_is_304(path: Path, method: str) -> None:
    etag = validators(path)[b"etag"]
    for value in (etag, b'"other", ' + etag, b"W/" + etag, b"*"):
        ex = await ask(fastresp.FileResponse(path), (b"if-none-match", value), method=method)
        assert ex.messages == not_modified(path), value


@pytest.mark.parametrize("method", ["GET", "HEAD"])
async def test_if_modified_since_last_modified_is_304(path: Path, method: str) -> None:
    modified = validators(path)[b"last-modified"]
    ex = await ask(fastresp.FileResponse(path), (b"if-modified-since", modified), method=method)
    assert ex.messages == not_modified(path)


async def test_modified_since_an_earlier_date_is_the_file(path: Path) -> None:
    ex = await ask(fastresp.FileResponse(path), (b"if-modified-since", PAST))
    assert ex.status == 200 and ex.body == path.read_bytes()


@pytest.mark.parametrize("method", ["GET", "HEAD", "POST", "DELETE"])
async def test_if_match_mismatch_is_412(path: Path, method: str) -> None:
    ex = await ask(fastresp.FileResponse(path), (b"if-match", b'"nope"'), method=method)
    assert ex.messages == failed(path)


async def test_if_unmodified_since_an_earlier_date_is_412(path: Path) -> None:
    ex = await ask(fastresp.FileResponse(path), (b"if-unmodified-since", PAST))
    assert ex.messages == failed(path)


async def test_if_none_match_on_other_methods_is_412(path: Path) -> None:
    etag = validators(path)[b"etag"]
    ex = await ask(fastresp.FileResponse(path), (b"if-none-match", etag), method="POST")
    assert ex.messages == failed(path)


async def test_if_match_with_the_etag_sends_the_file_and_its_range(path: Path) -> None:
    etag = validators(path)[b"etag"]
    ex = await ask(fastresp.FileResponse(path), (b"if-match", etag))
    assert ex.status == 200 and ex.body == path.read_bytes()
    ex = await ask(fastresp.FileResponse(path), (b"if-match", etag), (b"range", b"bytes=5-9"))
    assert ex.status == 206 and ex.body == path.read_bytes()[5:10]


async def test_preconditions_come_before_the_range(path: Path) -> None:
    etag = validators(path)[b"etag"]
    ranged = (b"range", b"bytes=0-9,20-29")
    ex = await ask(fastresp.FileResponse(path), (b"if-none-match", etag), ranged)
    assert ex.messages == not_modified(path)
    ex = await ask(fastresp.FileResponse(path), (b"if-none-match", b'"old"'), ranged)
    assert ex.status == 206
    ex = await ask(fastresp.FileResponse(path), (b"if-match", b'"old"'), (b"range", b"bytes=x"))
    assert ex.status == 412  # not the 400 the Range alone would get


async def test_the_validators_sent_are_the_ones_compared(path: Path) -> None:
    given = {"ETag": '"mine"', "Last-Modified": "Sat, 01 Jan 2000 00:00:00 GMT"}
    response = fastresp.FileResponse(path, headers=given)
    ex = await ask(response, (b"if-none-match", b'"mine"'))
    assert ex.status == 304 and ex.header(b"etag") == b'"mine"'
    file_etag = validators(path)[b"etag"]
    ex = await ask(fastresp.FileResponse(path, headers=given), (b"if-none-match", file_etag))
    assert ex.status == 200
    since = (b"if-modified-since", b"Sat, 01 Jan 2000 00:00:00 GMT")
    ex = await ask(fastresp.FileResponse(path, headers=given), since)
    assert ex.status == 304


async def test_304_keeps_other_fields(path: Path) -> None:
    response = fastresp.FileResponse(path, headers={"Cache-Control": "max-age=60", "X-A": "1"})
    response.set_cookie("session", "abc")
    etag = validators(path)[b"etag"]
    ex = await ask(response, (b"if-none-match", etag))
    names = [k for k, _ in ex.headers]
    assert names == [b"cache-control", b"x-a", b"set-cookie", b"last-modified", b"etag"]


@pytest.mark.parametrize("status", [201, 203, 206, 204])
async def test_any_2xx_is_evaluated(path: Path, status: int) -> None:
    etag = validators(path)[b"etag"]
    ex = await ask(fastresp.FileResponse(path, status_code=status), (b"if-none-match", etag))
    assert ex.status == 304
    ex = await ask(fastresp.FileResponse(path, status_code=status), (b"if-match", b'"x"'))
    assert ex.status == 412


@pytest.mark.parametrize("status", [404, 500, 301])
async def test_other_statuses_are_not_evaluated(path: Path, status: int) -> None:
    etag = validators(path)[b"etag"]
    ex = await ask(fastresp.FileResponse(path, status_code=status), (b"if-none-match", etag))
    assert ex.status == status and ex.body == path.read_bytes()


async def test_websocket_denials_are_not_evaluated(path: Path) -> None:
    etag = validators(path)[b"etag"]
    ex = await ask(fastresp.FileResponse(path), (b"if-none-match", etag), scope_type="websocket")
    assert ex.status == 200 and ex.body == path.read_bytes()


async def test_304_and_412_never_open_the_file(path: Path) -> None:
    etag = validators(path)[b"etag"]
    seen: list[int] = []
    for header in ((b"if-none-match", etag), (b"if-match", b'"x"')):
        log: list[Message] = []
        await record(
            fastresp.FileResponse(path),
            log,
            headers=[header],
            on_message=lambda message: seen.append(fds_to(path)),
        )
    assert seen == [0, 0, 0, 0]
    # With a caller's stat_result the file is not even needed.
    response = fastresp.FileResponse(path, stat_result=os.stat(path))
    path.unlink()
    ex = await ask(response, (b"if-none-match", etag))
    assert ex.status == 304


async def test_pathsend_304(path: Path) -> None:
    etag = validators(path)[b"etag"]
    extensions: dict[str, Any] = {"http.response.pathsend": {}}
    ex = await ask(fastresp.FileResponse(path), (b"if-none-match", etag), extensions=extensions)
    assert ex.messages == not_modified(path)


@pytest.mark.parametrize("header", [(b"if-none-match", None), (b"if-match", b'"x"')])
async def test_background_runs_after_304_and_412(
    path: Path, header: tuple[bytes, bytes | None]
) -> None:
    ran: list[str] = []

    async def task() -> None:
        ran.append("ran")

    value = header[1] or validators(path)[b"etag"]
    response = fastresp.FileResponse(path, background=fastresp.BackgroundTask(task))
    ex = await ask(response, (header[0], value))
    assert ex.status in (304, 412)
    assert ran == ["ran"]


def test_conditional_parameter() -> None:
    parameters = list(inspect.signature(fastresp.FileResponse).parameters.values())
    assert parameters[-1].name == "conditional"
    assert parameters[-1].default is True
    assert parameters[-1].kind is inspect.Parameter.POSITIONAL_OR_KEYWORD
    response = fastresp.FileResponse("x", conditional=False)
    assert response.conditional is False
    assert fastresp.FileResponse("x").conditional is True


# --- parity: conditional=False, or no precondition sent, answers as Starlette does -----------

CONDITIONS = [
    [],
    [(b"if-none-match", b"ETAG")],
    [(b"if-none-match", b"*")],
    [(b"if-modified-since", b"MODIFIED")],
    [(b"if-match", b'"nope"')],
    [(b"if-unmodified-since", PAST)],
    [(b"if-none-match", b"ETAG"), (b"range", b"bytes=0-9,20-29")],
    [(b"if-match", b'"nope"'), (b"range", b"bytes=0-9")],
]


def make(flavour: SimpleNamespace, path: Path, **kwargs: Any) -> Any:
    if flavour.FileResponse is fastresp.FileResponse:
        return fastresp.FileResponse(path, conditional=False, **kwargs)
    return starlette.responses.FileResponse(path, **kwargs)


@pytest.mark.parametrize("conditions", CONDITIONS)
@pytest.mark.parametrize("method", ["GET", "HEAD", "POST"])
async def test_conditional_false_is_starlette(
    flavour: SimpleNamespace, path: Path, conditions: RawHeaders, method: str
) -> None:
    swap = {b"ETAG": validators(path)[b"etag"], b"MODIFIED": validators(path)[b"last-modified"]}
    headers = [(k, swap.get(v, v)) for k, v in conditions]
    ex = await call(make(flavour, path), headers=headers, method=method)
    assert unboundaried(ex.messages)[0]["status"] in (200, 206)
    expected = await call(starlette.responses.FileResponse(path), headers=headers, method=method)
    assert unboundaried(ex.messages) == unboundaried(expected.messages)


@pytest.mark.parametrize(
    "headers",
    [
        [],
        [(b"range", b"bytes=0-9")],
        [(b"if-range", b'"x"'), (b"range", b"bytes=0-9")],
        [(b"accept", b"*/*"), (b"if-none-matc", b"*"), (b"x-if-match", b'"x"')],
    ],
)
async def test_no_precondition_is_starlette(
    flavour: SimpleNamespace, path: Path, headers: RawHeaders
) -> None:
    ex = await call(flavour.FileResponse(path), headers=headers)
    expected = await call(starlette.responses.FileResponse(path), headers=headers)
    assert ex.messages == expected.messages
