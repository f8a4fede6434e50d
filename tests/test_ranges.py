"""FileResponse with Range: parity with Starlette 1.10 (both flavours, explicit expectations).

The parser itself, on hostile input and against Starlette's on random input, is tested
in kernels/test_ranges_kernel.py.
"""

import os
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import starlette.responses

import fastresp
from fastresp._asgi import Message

from file_support import CHUNK, RawHeaders, body, span, start, stat_headers, unboundaried
from support import Exchange, call

pytestmark = pytest.mark.anyio

SIZE = 200_000
OCTETS = (b"content-type", b"application/octet-stream")
RANGES = (b"accept-ranges", b"bytes")


@pytest.fixture
def path(tmp_path: Path) -> Path:
    file = tmp_path / "data.bin"
    file.write_bytes(os.urandom(SIZE))
    return file


async def get(response: Any, range_value: str, **scope_args: Any) -> Exchange:
    headers = [(b"range", range_value.encode("latin-1")), *scope_args.pop("headers", [])]
    return await call(response, headers=headers, **scope_args)


def single_headers(path: Path, start_: int, end: int) -> RawHeaders:
    """Starlette's 206 headers: Content-Length replaced in place, Content-Range appended."""
    stats = stat_headers(path)
    return [
        OCTETS,
        RANGES,
        (b"content-length", str(end - start_).encode()),
        *stats[1:],
        (b"content-range", f"bytes {start_}-{end - 1}/{SIZE}".encode()),
    ]


@pytest.mark.parametrize(
    ("value", "start_", "end"),
    [
        ("bytes=0-9", 0, 10),
        ("bytes=10-", 10, SIZE),
        ("bytes=-5", SIZE - 5, SIZE),
        ("bytes=-999999", 0, SIZE),  # suffix longer than the file: clamped
        ("bytes=100-999999", 100, SIZE),  # end past the file: clamped
        ("bytes=0-", 0, SIZE),
        ("bytes=7-7", 7, 8),
        ("bytes=1000-150000", 1000, 150_001),  # several chunks
        ("bytes=0-65535", 0, CHUNK),  # exactly one chunk: no trailing empty message
        (" BYTES = 3 - 4 ", 3, 5),
        ("bytes=0-1,,", 0, 2),
        ("bytes=x-y,5-6", 5, 7),  # COMPAT: a non-numeric part is skipped
        ("bytes=nodash,5-6", 5, 7),
    ],
)
async def test_single_range(
    flavour: SimpleNamespace, path: Path, value: str, start_: int, end: int
) -> None:
    ex = await get(flavour.FileResponse(path), value)
    data = path.read_bytes()[start_:end]
    assert ex.messages == [start(206, single_headers(path, start_, end)), *span(data, False)]


async def test_single_range_head(flavour: SimpleNamespace, path: Path) -> None:
    ex = await get(flavour.FileResponse(path), "bytes=5-14", method="HEAD")
    assert ex.messages == [start(206, single_headers(path, 5, 15)), body(b"", False)]


async def test_response_headers_are_not_mutated(flavour: SimpleNamespace, path: Path) -> None:
    response = flavour.FileResponse(path)
    await get(response, "bytes=5-14")
    await get(response, "bytes=0-1,5-6")
    assert response.headers.raw == [OCTETS, RANGES, *stat_headers(path)]
    ex = await call(response)
    assert ex.messages[0] == start(200, [OCTETS, RANGES, *stat_headers(path)])


async def test_single_range_with_given_headers(flavour: SimpleNamespace, path: Path) -> None:
    given = {"Content-Range": "bogus", "X-A": "1", "Content-Length": "1"}
    ex = await get(flavour.FileResponse(path, headers=given), "bytes=0-3")
    assert ex.headers[:3] == [
        (b"content-range", f"bytes 0-3/{SIZE}".encode()),
        (b"x-a", b"1"),
        (b"content-length", b"4"),
    ]
    assert ex.body == path.read_bytes()[:4]


async def test_single_range_with_given_stat_result(flavour: SimpleNamespace, path: Path) -> None:
    st = os.stat(path)
    ex = await get(flavour.FileResponse(path, stat_result=st), "bytes=-3")
    assert ex.messages == [
        start(206, single_headers(path, SIZE - 3, SIZE)),
        body(path.read_bytes()[-3:], False),
    ]


async def test_ranges_past_4_gib(flavour: SimpleNamespace, tmp_path: Path) -> None:
    # 64-bit offsets, in a sparse 6 GiB file (its holes read as zeros).
    big = tmp_path / "sparse.bin"
    size = 6 * 1024**3
    with open(big, "wb") as file:
        file.truncate(size)
        file.seek(5 * 1024**3)
        file.write(b"fastresp")
    at = 5 * 1024**3
    ex = await get(flavour.FileResponse(big), f"bytes={at}-{at + 7}")
    assert ex.status == 206
    assert ex.header(b"content-range") == f"bytes {at}-{at + 7}/{size}".encode()
    assert ex.body == b"fastresp"
    ex = await get(flavour.FileResponse(big), f"bytes=0-1,{at + 2}-{at + 4},-2")
    assert ex.status == 206
    assert b"\r\n\r\nstr\r\n" in ex.body and ex.body.count(b"\x00\x00") == 2


def multipart(
    path: Path, spans: list[tuple[int, int]], content_type: str, chunk: int = CHUNK
) -> list[Message]:
    """Starlette's multi-range messages, with the boundary spelled BOUNDARY."""
    data = path.read_bytes()
    messages: list[Message] = []
    for s, e in spans:
        head = (
            f"--BOUNDARY\r\nContent-Type: {content_type}\r\n"
            f"Content-Range: bytes {s}-{e - 1}/{len(data)}\r\n\r\n"
        )
        messages += [body(head.encode(), True), *span(data[s:e], True, chunk), body(b"\r\n", True)]
    messages.append(body(b"--BOUNDARY--", False))
    return messages


def multi_headers(path: Path, expected: list[Message]) -> RawHeaders:
    """Starlette's multi-range headers; the length counts a real 26-digit boundary."""
    stats = stat_headers(path)
    boundaries = sum(m["body"].count(b"BOUNDARY") for m in expected)
    length = sum(len(m["body"]) for m in expected) + boundaries * (26 - len("BOUNDARY"))
    return [
        (b"content-type", b"multipart/byteranges; boundary=BOUNDARY"),
        RANGES,
        (b"content-length", str(length).encode()),
        *stats[1:],
    ]


@pytest.mark.parametrize(
    ("value", "spans"),
    [
        ("bytes=0-9,20-29", [(0, 10), (20, 30)]),
        ("bytes=20-29,0-9", [(0, 10), (20, 30)]),  # sorted
        ("bytes=0-50,40-60,100-110", [(0, 61), (100, 111)]),  # overlap merged
        ("bytes=0-9,10-19,30-39", [(0, 20), (30, 40)]),  # adjacent merged
        ("bytes=-10,0-4", [(0, 5), (SIZE - 10, SIZE)]),
        ("bytes=0-70000,100000-", [(0, 70_001), (100_000, SIZE)]),  # several chunks each
        ("bytes=5-6,1-2,9-,0-0", [(0, 3), (5, 7), (9, SIZE)]),
    ],
)
async def test_multi_range(
    flavour: SimpleNamespace, path: Path, value: str, spans: list[tuple[int, int]]
) -> None:
    ex = await get(flavour.FileResponse(path), value)
    messages = unboundaried(ex.messages)
    expected = multipart(path, spans, "application/octet-stream")
    assert messages == [start(206, multi_headers(path, expected)), *expected]
    assert len(ex.body) == int(ex.header(b"content-length") or 0)  # the random boundary too


async def test_overlapping_ranges_merge_into_one(flavour: SimpleNamespace, path: Path) -> None:
    ex = await get(flavour.FileResponse(path), "bytes=0-10,5-20,20-30")
    assert ex.messages == [
        start(206, single_headers(path, 0, 31)),
        body(path.read_bytes()[:31], False),
    ]


async def test_multi_range_head(flavour: SimpleNamespace, path: Path) -> None:
    ex = await get(flavour.FileResponse(path), "bytes=0-9,20-29", method="HEAD")
    expected = multipart(path, [(0, 10), (20, 30)], "application/octet-stream")
    assert unboundaried(ex.messages) == [
        start(206, multi_headers(path, expected)),
        body(b"", False),
    ]


async def test_multi_range_uses_the_content_type_header(
    flavour: SimpleNamespace, path: Path
) -> None:
    given = {"Content-Type": "text/x-mine"}
    ex = await get(flavour.FileResponse(path, headers=given, filename="a.txt"), "bytes=0-0,2-2")
    expected = multipart(path, [(0, 1), (2, 3)], "text/x-mine")
    assert unboundaried(ex.messages)[1:] == expected
    assert (ex.header(b"content-type") or b"").startswith(b"multipart/byteranges; boundary=")


async def test_multi_range_chunk_size(flavour: SimpleNamespace, path: Path) -> None:
    class Small(flavour.FileResponse):  # type: ignore[name-defined,misc]
        chunk_size = 1000

    ex = await get(Small(path), "bytes=0-2499,5000-5001")
    spans = [(0, 2500), (5000, 5002)]
    assert unboundaried(ex.messages)[1:] == multipart(path, spans, "application/octet-stream", 1000)
    assert [len(m["body"]) for m in ex.messages[2:5]] == [1000, 1000, 500]


async def test_boundary_is_fresh_hex(flavour: SimpleNamespace, path: Path) -> None:
    first = await get(flavour.FileResponse(path), "bytes=0-0,2-2")
    second = await get(flavour.FileResponse(path), "bytes=0-0,2-2")
    one, two = (ex.header(b"content-type") for ex in (first, second))
    assert one != two
    assert one is not None and len(one.split(b"=")[1]) == 26


async def test_too_many_ranges_sends_the_whole_file(flavour: SimpleNamespace, path: Path) -> None:
    value = "bytes=" + ",".join(f"{i}-{i}" for i in range(0, 202, 2))  # 101 ranges
    ex = await get(flavour.FileResponse(path), value)
    assert ex.status == 200
    assert ex.body == path.read_bytes()


async def test_max_ranges_class_attribute(flavour: SimpleNamespace, path: Path) -> None:
    class Two(flavour.FileResponse):  # type: ignore[name-defined,misc]
        max_ranges = 2

    assert (await get(Two(path), "bytes=0-0,2-2")).status == 206
    assert (await get(Two(path), "bytes=0-0,2-2,4-4")).status == 200
    assert (await get(Two(path), "bytes=0-0,,")).status == 200  # empty parts count


def refusal(status: int, text: bytes, headers: RawHeaders | None = None) -> list[Message]:
    return [
        start(
            status,
            [
                *(headers or []),
                (b"content-length", str(len(text)).encode()),
                (b"content-type", b"text/plain; charset=utf-8"),
            ],
        ),
        {"type": "http.response.body", "body": text},
    ]


@pytest.mark.parametrize(
    "value", ["bytes=200000-", "bytes=999999-1000000", "bytes=-0", "bytes=0-1,200000-"]
)
async def test_unsatisfiable(flavour: SimpleNamespace, path: Path, value: str) -> None:
    ex = await get(flavour.FileResponse(path), value)
    assert ex.messages == refusal(416, b"", [(b"content-range", f"bytes */{SIZE}".encode())])


async def test_empty_file_is_unsatisfiable(flavour: SimpleNamespace, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.write_bytes(b"")
    ex = await get(flavour.FileResponse(empty), "bytes=0-")
    assert ex.messages == refusal(416, b"", [(b"content-range", b"bytes */0")])


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("bytes", b"Malformed range header."),
        ("0-1", b"Malformed range header."),
        ("bytes=", b"Range header: range must be requested"),
        ("bytes=-", b"Range header: range must be requested"),
        ("bytes=abc", b"Range header: range must be requested"),
        ("bytes=a-b,,", b"Range header: range must be requested"),
        ("bytes=5-3", b"Range header: start must be less than end"),
        ("bytes=0-1,9-2", b"Range header: start must be less than end"),
    ],
)
async def test_malformed(flavour: SimpleNamespace, path: Path, value: str, text: bytes) -> None:
    log: list[str] = []

    async def task() -> None:
        log.append("ran")

    response = flavour.FileResponse(path, background=flavour.BackgroundTask(task))
    ex = await get(response, value)
    assert ex.messages == refusal(400, text)
    assert log == []  # COMPAT: no background task after a 400, as in Starlette


# --- differences 8 and 9: headers RFC 9110 §14.2 lets a server ignore ---------------------


@pytest.mark.parametrize("value", ["items=0-1", "=0-1", " Items = 5-3", "x" * 100_000 + "=0-1"])
@pytest.mark.parametrize("method", ["GET", "HEAD"])
async def test_difference_8_another_unit_sends_the_whole_file(
    path: Path, value: str, method: str
) -> None:
    ours = await get(fastresp.FileResponse(path), value, method=method)
    plain = await call(fastresp.FileResponse(path), method=method)
    assert ours.messages == plain.messages
    assert ours.status == 200 and ours.header(b"content-length") == str(SIZE).encode()
    theirs = await get(starlette.responses.FileResponse(path), value, method=method)
    assert theirs.messages == refusal(400, b"Only support bytes range")


@pytest.mark.parametrize(
    "value",
    [
        "bytes=0-,0-",  # the file twice
        "bytes=0-99999,100000-,0-0",  # one byte too many
        "bytes=-150000,0-99999",  # a clamped suffix and an overlap
        "bytes=" + ",".join(["1-1"] * 99) + ",0-",  # repeats
    ],
)
async def test_difference_9_more_bytes_than_the_file_sends_the_whole_file(
    path: Path, value: str
) -> None:
    ours = await get(fastresp.FileResponse(path), value)
    assert ours.messages == (await call(fastresp.FileResponse(path))).messages
    theirs = await get(starlette.responses.FileResponse(path), value)
    assert theirs.status == 206


async def test_difference_9_exactly_the_file_is_still_a_range(path: Path) -> None:
    ex = await get(fastresp.FileResponse(path), "bytes=0-99999,100000-")
    assert ex.status == 206 and ex.body == path.read_bytes()  # coalesced into one range


@pytest.mark.parametrize("method", ["GET", "HEAD"])
@pytest.mark.parametrize("value", ["bytes=0-0,200000-", "bytes=-0", "bytes=" + "9" * 40 + "-"])
async def test_416_names_the_size(
    flavour: SimpleNamespace, path: Path, value: str, method: str
) -> None:
    ex = await get(flavour.FileResponse(path), value, method=method)
    assert ex.status == 416
    assert ex.header(b"content-range") == f"bytes */{SIZE}".encode()


async def test_refusal_on_a_websocket(flavour: SimpleNamespace, path: Path) -> None:
    ex = await get(flavour.FileResponse(path), "bytes=9-1", scope_type="websocket")
    assert [m["type"] for m in ex.messages] == [
        "websocket.http.response.start",
        "websocket.http.response.body",
    ]
    assert ex.messages[0]["status"] == 400


async def test_range_on_a_websocket(flavour: SimpleNamespace, path: Path) -> None:
    ex = await get(flavour.FileResponse(path), "bytes=0-1", scope_type="websocket")
    assert ex.messages == [
        {
            "type": "websocket.http.response.start",
            "status": 206,
            "headers": single_headers(path, 0, 2),
        },
        {"type": "websocket.http.response.body", "body": path.read_bytes()[:2], "more_body": False},
    ]


def validators(path: Path) -> dict[bytes, bytes]:
    return dict(stat_headers(path))


@pytest.mark.parametrize("which", ["etag", "last-modified"])
async def test_if_range_matching(flavour: SimpleNamespace, path: Path, which: str) -> None:
    if_range = validators(path)[which.encode()]
    ex = await get(flavour.FileResponse(path), "bytes=0-9", headers=[(b"if-range", if_range)])
    assert ex.status == 206
    assert ex.body == path.read_bytes()[:10]


@pytest.mark.parametrize("if_range", [b'"other"', b"Mon, 01 Jan 2001 00:00:00 GMT", b""])
async def test_if_range_not_matching(flavour: SimpleNamespace, path: Path, if_range: bytes) -> None:
    ex = await get(flavour.FileResponse(path), "bytes=0-9", headers=[(b"if-range", if_range)])
    assert ex.status == 200
    assert ex.body == path.read_bytes()


async def test_if_range_weak(flavour: SimpleNamespace, path: Path) -> None:
    weak = b"W/" + validators(path)[b"etag"]
    ex = await get(flavour.FileResponse(path), "bytes=0-9", headers=[(b"if-range", weak)])
    assert ex.status == 200
    # Even equal to the response's own (weak) ETag: If-Range needs a strong validator.
    response = flavour.FileResponse(path, headers={"ETag": 'W/"v1"'})
    ex = await get(response, "bytes=0-9", headers=[(b"if-range", b'W/"v1"')])
    assert ex.status == 200
    assert ex.body == path.read_bytes()


async def test_if_range_matches_a_given_etag(flavour: SimpleNamespace, path: Path) -> None:
    response = flavour.FileResponse(path, headers={"ETag": '"v1"'})
    ex = await get(response, "bytes=0-9", headers=[(b"if-range", b'"v1"')])
    assert ex.status == 206


async def test_if_range_skips_parsing(flavour: SimpleNamespace, path: Path) -> None:
    # A Range that would be a 400 is never parsed when If-Range does not match.
    ex = await get(flavour.FileResponse(path), "nonsense", headers=[(b"if-range", b'"x"')])
    assert ex.status == 200


async def test_first_range_header_wins(flavour: SimpleNamespace, path: Path) -> None:
    ex = await get(flavour.FileResponse(path), "bytes=0-0", headers=[(b"range", b"bytes=1-1")])
    assert ex.body == path.read_bytes()[:1]


@pytest.mark.parametrize("status", [201, 203, 404, 500])
async def test_range_ignored_unless_status_200(
    flavour: SimpleNamespace, path: Path, status: int
) -> None:
    ex = await get(flavour.FileResponse(path, status_code=status), "bytes=0-9")
    assert ex.status == status
    assert ex.body == path.read_bytes()


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "OPTIONS", "post"])
async def test_range_ignored_unless_get_or_head(
    flavour: SimpleNamespace, path: Path, method: str
) -> None:
    ex = await get(flavour.FileResponse(path), "bytes=0-9", method=method)
    assert ex.status == 200
    assert ex.body == path.read_bytes()


async def test_range_with_lowercase_head(flavour: SimpleNamespace, path: Path) -> None:
    ex = await get(flavour.FileResponse(path), "bytes=0-9", method="head")
    assert ex.messages == [start(206, single_headers(path, 0, 10)), body(b"", False)]


async def test_range_with_pathsend_is_read(flavour: SimpleNamespace, path: Path) -> None:
    extensions: dict[str, Any] = {"http.response.pathsend": {}}
    ex = await get(flavour.FileResponse(path), "bytes=0-9", extensions=extensions)
    assert ex.messages == [
        start(206, single_headers(path, 0, 10)),
        body(path.read_bytes()[:10], False),
    ]
    ex = await get(
        flavour.FileResponse(path),
        "bytes=0-9",
        extensions=extensions,
        headers=[(b"if-range", b"x")],
    )
    assert ex.messages[1] == {"type": "http.response.pathsend", "path": str(path)}


@pytest.mark.parametrize("spec", ["2.3", "2.4"])
@pytest.mark.usefixtures("small_yield_bound")  # a cancellation point per chunk here
async def test_range_disconnect(flavour: SimpleNamespace, path: Path, spec: str) -> None:

    class Small(flavour.FileResponse):  # type: ignore[name-defined,misc]
        chunk_size = 1000

    ex = await get(Small(path), "bytes=0-99999,150000-", spec_version=spec, disconnect_after=3)
    if spec == "2.3":
        assert not ex.complete
        assert len(ex.messages) < 10
    else:  # no watch: the transfer runs to the end
        assert ex.complete
