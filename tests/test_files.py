"""FileResponse: whole-file parity with Starlette 1.10 (both flavours, explicit expectations).

Ranges are in test_ranges.py; deliberate differences, errors and descriptors in
test_files_differences.py.
"""

import os
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from file_support import CHUNK, body, start, stat_headers, whole
from support import call

pytestmark = pytest.mark.anyio

PATHSEND: dict[str, Any] = {"http.response.pathsend": {}}


@pytest.fixture
def small(tmp_path: Path) -> Path:
    path = tmp_path / "small.txt"
    path.write_bytes(b"hello, world\n")
    return path


@pytest.fixture
def big(tmp_path: Path) -> Path:
    path = tmp_path / "big.bin"
    path.write_bytes(os.urandom(200_000))
    return path


TEXT = (b"content-type", b"text/plain; charset=utf-8")
OCTETS = (b"content-type", b"application/octet-stream")
RANGES = (b"accept-ranges", b"bytes")


async def test_small_get(flavour: SimpleNamespace, small: Path) -> None:
    ex = await call(flavour.FileResponse(small))
    assert ex.messages == [
        start(200, [TEXT, RANGES, *stat_headers(small)]),
        body(b"hello, world\n", False),
    ]


async def test_file_larger_than_a_chunk(flavour: SimpleNamespace, big: Path) -> None:
    ex = await call(flavour.FileResponse(big))
    assert ex.messages == [
        start(200, [OCTETS, RANGES, *stat_headers(big)]),
        *whole(big.read_bytes()),
    ]
    assert [len(m["body"]) for m in ex.messages[1:]] == [CHUNK, CHUNK, CHUNK, 200_000 - 3 * CHUNK]


@pytest.mark.parametrize("size", [0, CHUNK, 2 * CHUNK, CHUNK - 1, CHUNK + 1])
async def test_chunk_boundaries(flavour: SimpleNamespace, tmp_path: Path, size: int) -> None:
    # COMPAT: a size that is a multiple of chunk_size ends with an empty message.
    path = tmp_path / "f.bin"
    data = os.urandom(size)
    path.write_bytes(data)
    ex = await call(flavour.FileResponse(path))
    assert ex.messages[1:] == whole(data)
    assert ex.messages[-1]["body"] == (b"" if size % CHUNK == 0 else data[-(size % CHUNK) :])


async def test_chunk_size_is_respected(flavour: SimpleNamespace, big: Path) -> None:
    class Small(flavour.FileResponse):  # type: ignore[name-defined,misc]
        chunk_size = 50_000

    ex = await call(Small(big))
    assert ex.messages[1:] == whole(big.read_bytes(), 50_000)
    assert len(ex.messages) == 1 + 5  # four full chunks and an empty last one


async def test_head(flavour: SimpleNamespace, big: Path) -> None:
    ex = await call(flavour.FileResponse(big), method="HEAD")
    assert ex.messages == [start(200, [OCTETS, RANGES, *stat_headers(big)]), body(b"", False)]


@pytest.mark.parametrize(
    ("filename", "disposition"),
    [
        ("report.txt", b'attachment; filename="report.txt"'),
        ("r\xe9sum\xe9.txt", b"attachment; filename*=utf-8''r%C3%A9sum%C3%A9.txt"),
        ('a"b.txt', b"attachment; filename*=utf-8''a%22b.txt"),
        ("a b.txt", b"attachment; filename*=utf-8''a%20b.txt"),
        ("\u6587\u4ef6.pdf", b"attachment; filename*=utf-8''%E6%96%87%E4%BB%B6.pdf"),
    ],
)
async def test_filename(
    flavour: SimpleNamespace, small: Path, filename: str, disposition: bytes
) -> None:
    ex = await call(flavour.FileResponse(small, filename=filename))
    media_type = ex.headers[0]
    assert ex.headers == [
        media_type,
        RANGES,
        (b"content-disposition", disposition),
        *stat_headers(small),
    ]


async def test_filename_drives_the_media_type(flavour: SimpleNamespace, small: Path) -> None:
    response = flavour.FileResponse(small, filename="data.json")
    assert response.media_type == "application/json"
    ex = await call(response)
    assert ex.headers[:3] == [
        (b"content-type", b"application/json"),
        RANGES,
        (b"content-disposition", b'attachment; filename="data.json"'),
    ]


async def test_inline_disposition(flavour: SimpleNamespace, small: Path) -> None:
    response = flavour.FileResponse(small, filename="a.txt", content_disposition_type="inline")
    assert response.headers["content-disposition"] == 'inline; filename="a.txt"'
    ex = await call(response)
    assert (b"content-disposition", b'inline; filename="a.txt"') in ex.headers


@pytest.mark.parametrize(
    ("name", "media_type"),
    [
        ("a.txt", "text/plain"),
        ("a.HTML", "text/html"),
        ("a.tar.gz", "application/x-tar"),
        ("a.tgz", "application/x-tar"),
        ("a.gz", "application/octet-stream"),
        (".bashrc", "application/octet-stream"),
        ("noext", "application/octet-stream"),
        ("dir.d/noext", "application/octet-stream"),
        ("x.png", "image/png"),
    ],
)
async def test_media_type_guess(
    flavour: SimpleNamespace, tmp_path: Path, name: str, media_type: str
) -> None:
    path = tmp_path / name
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(b"x")
    response = flavour.FileResponse(path)
    assert response.media_type == media_type
    assert response.headers["content-type"].split(";")[0] == media_type


async def test_explicit_media_type(flavour: SimpleNamespace, small: Path) -> None:
    ex = await call(flavour.FileResponse(small, media_type="text/csv", filename="x.json"))
    assert ex.headers[0] == (b"content-type", b"text/csv; charset=utf-8")


async def test_custom_headers(flavour: SimpleNamespace, small: Path) -> None:
    # Given headers come first and win over every computed one, in their own positions,
    # even a wrong Content-Length (the whole file is sent anyway, as Starlette does).
    headers = {
        "X-Trace": "1",
        "Content-Length": "5",
        "ETag": '"mine"',
        "Accept-Ranges": "none",
        "Content-Disposition": "inline",
        "Cache-Control": "no-cache",
    }
    ex = await call(flavour.FileResponse(small, headers=headers, filename="x.txt"))
    computed = dict(stat_headers(small))
    assert ex.headers == [
        (b"x-trace", b"1"),
        (b"content-length", b"5"),
        (b"etag", b'"mine"'),
        (b"accept-ranges", b"none"),
        (b"content-disposition", b"inline"),
        (b"cache-control", b"no-cache"),
        TEXT,
        (b"last-modified", computed[b"last-modified"]),
    ]
    assert ex.body == small.read_bytes()


async def test_given_content_type_is_kept(flavour: SimpleNamespace, small: Path) -> None:
    response = flavour.FileResponse(small, headers={"content-type": "application/x-mine"})
    ex = await call(response)
    assert ex.headers[0] == (b"content-type", b"application/x-mine")
    assert response.media_type == "text/plain"


async def test_given_stat_result(flavour: SimpleNamespace, small: Path) -> None:
    st = os.stat(small)
    response = flavour.FileResponse(small, stat_result=st)
    # The stat headers are there from the constructor on.
    assert response.headers.raw == [TEXT, RANGES, *stat_headers(small, st)]
    ex = await call(response)
    assert ex.messages == [
        start(200, [TEXT, RANGES, *stat_headers(small, st)]),
        body(small.read_bytes(), False),
    ]


async def test_given_stat_result_head_needs_no_file(flavour: SimpleNamespace, small: Path) -> None:
    st = os.stat(small)
    response = flavour.FileResponse(small, stat_result=st)
    small.unlink()
    ex = await call(response, method="HEAD")
    assert ex.messages == [start(200, [TEXT, RANGES, *stat_headers(small, st)]), body(b"", False)]


async def test_set_stat_headers_is_public(flavour: SimpleNamespace, small: Path) -> None:
    response = flavour.FileResponse(small)
    assert response.headers.raw == [TEXT, RANGES]
    fake = os.stat_result((0o100644, 0, 0, 1, 0, 0, 1234, 0, 1_700_000_000.5, 1_700_000_000.5))
    response.set_stat_headers(fake)
    response.set_stat_headers(os.stat(small))  # setdefault: the first values stay
    assert response.headers.raw == [TEXT, RANGES, *stat_headers(small, fake)]
    assert response.headers["last-modified"] == "Tue, 14 Nov 2023 22:13:20 GMT"


@pytest.mark.parametrize(
    "times",
    [(5, 5.0), (0.0, -0.0), (-0.0, 0), (1_700_000_000.5, 1_700_000_000.5)],
    ids=["int-float", "zero-negative-zero", "negative-zero-int", "same"],
)
async def test_stat_headers_follow_the_text_of_st_mtime(
    flavour: SimpleNamespace, small: Path, times: tuple[float, float]
) -> None:
    # Values that compare equal but are written differently give different ETags, as
    # Starlette's md5 of f"{st_mtime}-{st_size}" does, however often each is served.
    for _ in range(2):
        for mtime in times:
            fake = os.stat_result((0o100644, 0, 0, 1, 0, 0, 1234, 0, mtime, mtime))
            response = flavour.FileResponse(small, stat_result=fake)
            assert response.headers.raw == [TEXT, RANGES, *stat_headers(small, fake)]


async def test_stat_headers_are_kept_after_the_call(flavour: SimpleNamespace, small: Path) -> None:
    response = flavour.FileResponse(small)
    await call(response)
    assert response.headers.raw == [TEXT, RANGES, *stat_headers(small)]


async def test_attributes(flavour: SimpleNamespace, small: Path) -> None:
    response = flavour.FileResponse(small, status_code=203, filename="f.txt")
    assert (response.path, response.filename, response.stat_result) == (small, "f.txt", None)
    assert (response.status_code, response.chunk_size, response.max_ranges) == (203, 65536, 100)
    assert flavour.FileResponse.chunk_size == 64 * 1024
    assert flavour.FileResponse.max_ranges == 100
    assert response.charset == "utf-8"
    assert not hasattr(response, "body")


async def test_other_status_code(flavour: SimpleNamespace, small: Path) -> None:
    ex = await call(flavour.FileResponse(str(small), status_code=404))
    assert ex.messages == [
        start(404, [TEXT, RANGES, *stat_headers(small)]),
        body(small.read_bytes(), False),
    ]


async def test_pathsend(flavour: SimpleNamespace, small: Path) -> None:
    # An absolute path is sent as given (a relative one: test_files_differences.py).
    ex = await call(flavour.FileResponse(small), extensions=PATHSEND)
    assert ex.messages == [
        start(200, [TEXT, RANGES, *stat_headers(small)]),
        {"type": "http.response.pathsend", "path": str(small)},
    ]


async def test_pathsend_head_sends_no_path(flavour: SimpleNamespace, small: Path) -> None:
    ex = await call(flavour.FileResponse(small), extensions=PATHSEND, method="HEAD")
    assert ex.messages == [start(200, [TEXT, RANGES, *stat_headers(small)]), body(b"", False)]


@pytest.mark.parametrize("spec", ["2.4", "2.5"])
async def test_spec_2_4_sends_without_a_watch(
    flavour: SimpleNamespace, big: Path, spec: str
) -> None:
    # receive() is never called: a disconnect reported right away changes nothing.
    ex = await call(flavour.FileResponse(big), spec_version=spec, disconnect_after=0)
    assert ex.messages[1:] == whole(big.read_bytes())


@pytest.mark.usefixtures("small_yield_bound")
async def test_no_spec_version_means_2_0(flavour: SimpleNamespace, big: Path) -> None:
    ex = await call(flavour.FileResponse(big), spec_version=None, disconnect_after=2)
    assert not ex.complete


@pytest.mark.usefixtures("small_yield_bound")
async def test_disconnect_stops_the_transfer(flavour: SimpleNamespace, big: Path) -> None:
    ran: list[str] = []

    async def task() -> None:
        ran.append("background")

    response = flavour.FileResponse(big, background=flavour.BackgroundTask(task))
    ex = await call(response, disconnect_after=2)
    assert ex.messages[0]["status"] == 200
    assert not ex.complete
    assert len(ex.messages) < 5
    assert ran == ["background"]  # as in Starlette, the task runs after a disconnect


@pytest.mark.parametrize("method", ["GET", "HEAD"])
async def test_background_task(flavour: SimpleNamespace, small: Path, method: str) -> None:
    log: list[str] = []

    async def task(word: str) -> None:
        log.append(word)

    ex = await call(
        flavour.FileResponse(small, background=flavour.BackgroundTask(task, "done")), method=method
    )
    assert ex.complete
    assert log == ["done"]


async def test_websocket_denial(flavour: SimpleNamespace, small: Path) -> None:
    ex = await call(flavour.FileResponse(small), scope_type="websocket")
    assert ex.messages == [
        {
            "type": "websocket.http.response.start",
            "status": 200,
            "headers": [TEXT, RANGES, *stat_headers(small)],
        },
        {"type": "websocket.http.response.body", "body": small.read_bytes(), "more_body": False},
    ]


async def test_websocket_ignores_pathsend(flavour: SimpleNamespace, small: Path) -> None:
    ex = await call(flavour.FileResponse(small), scope_type="websocket", extensions=PATHSEND)
    assert [m["type"] for m in ex.messages] == [
        "websocket.http.response.start",
        "websocket.http.response.body",
    ]


async def test_response_can_be_sent_twice(flavour: SimpleNamespace, big: Path) -> None:
    response = flavour.FileResponse(big)
    first = await call(response)
    second = await call(response)
    assert first.messages == second.messages


async def test_missing_file(flavour: SimpleNamespace, tmp_path: Path) -> None:
    path = tmp_path / "nope.txt"
    with pytest.raises(RuntimeError, match=r"^File at path .*nope\.txt does not exist\.$"):
        await call(flavour.FileResponse(path))


@pytest.mark.parametrize("method", ["GET", "HEAD"])
async def test_directory(flavour: SimpleNamespace, tmp_path: Path, method: str) -> None:
    with pytest.raises(RuntimeError, match=r"^File at path .* is not a file\.$"):
        await call(flavour.FileResponse(tmp_path), method=method)


async def test_not_a_directory(flavour: SimpleNamespace, small: Path) -> None:
    with pytest.raises(NotADirectoryError):
        await call(flavour.FileResponse(small / "inner"))


async def test_generate_multipart(flavour: SimpleNamespace, small: Path) -> None:
    length, header = flavour.FileResponse(small).generate_multipart(
        [(0, 5), (10, 13)], "abc", 13, "text/plain"
    )
    assert (
        header(10, 13)
        == b"--abc\r\nContent-Type: text/plain\r\nContent-Range: bytes 10-12/13\r\n\r\n"
    )
    assert length == len(header(0, 5)) + 5 + 2 + len(header(10, 13)) + 3 + 2 + len(b"--abc--")
