"""fastresp behind a real uvicorn (h11 and httptools) on 127.0.0.1, spoken to by httpx.

Exact status, headers and body bytes. The server runs without its Date and Server
headers, so every header in an answer comes from fastresp, except the
`transfer-encoding: chunked` that uvicorn adds to bodies of unknown length.
"""

import hashlib
import os
import re
import time
import uuid
from email.utils import formatdate

import httpx
import pytest
from e2e_server import Server

import fastresp

pytestmark = pytest.mark.e2e

Raw = list[tuple[bytes, bytes]]
CHUNKED = (b"transfer-encoding", b"chunked")
TEXT_PLAIN = b"text/plain; charset=utf-8"
HTTP_DATE = rb"[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT"


def raw(response: httpx.Response) -> Raw:
    """Headers as sent, names lowercased (h11 title-cases the ones it adds)."""
    return [(name.lower(), value) for name, value in response.headers.raw]


def file_headers(server: Server) -> Raw:
    stat = os.stat(server.file)
    # RFC 9110 §8.8.3: an opaque validator; Starlette's is md5("<mtime>-<size>").
    etag = hashlib.md5(f"{stat.st_mtime}-{stat.st_size}".encode(), usedforsecurity=False)
    return [
        (b"content-type", TEXT_PLAIN),
        (b"accept-ranges", b"bytes"),
        (b"content-disposition", b'attachment; filename="data.txt"'),
        (b"content-length", str(stat.st_size).encode()),
        (b"last-modified", formatdate(stat.st_mtime, usegmt=True).encode()),
        (b"etag", b'"%s"' % etag.hexdigest().encode()),
    ]


def replace(headers: Raw, name: bytes, value: bytes) -> Raw:
    return [(k, value if k == name else v) for k, v in headers]


def parse_byteranges(body: bytes, boundary: bytes) -> list[tuple[dict[bytes, bytes], bytes]]:
    """Split a multipart/byteranges body (RFC 9110 §14.6) into (headers, data) parts."""
    delimiter = b"--" + boundary
    assert body.startswith(delimiter + b"\r\n")
    assert body.endswith(b"\r\n" + delimiter + b"--")
    inner = body[len(delimiter) + 2 : -(len(delimiter) + 4)]
    parts = []
    for part in inner.split(b"\r\n" + delimiter + b"\r\n"):
        head, data = part.split(b"\r\n\r\n", 1)
        headers = dict(line.split(b": ", 1) for line in head.split(b"\r\n"))
        parts.append((headers, data))
    return parts


def test_server_runs_the_fastresp_under_test(client: httpx.Client) -> None:
    info = client.get("/raw/info").json()
    assert info["file"] == fastresp.__file__
    assert info["compiled"] == fastresp.COMPILED
    assert info["spec"]["version"] == "3.0"


def test_plain_text(client: httpx.Client) -> None:
    response = client.get("/text")
    assert response.status_code == 200
    assert response.content == b"Hello, world!"
    assert raw(response) == [(b"content-length", b"13"), (b"content-type", TEXT_PLAIN)]


def test_json(client: httpx.Client) -> None:
    response = client.get("/json")
    body = '{"message":"héllo","items":[1,2.5,null,true]}'.encode()
    assert response.status_code == 201
    assert response.content == body
    assert raw(response) == [
        (b"content-length", str(len(body)).encode()),
        (b"content-type", b"application/json"),
    ]


def test_cookies(client: httpx.Client) -> None:
    response = client.get("/cookies")
    assert response.content == b"cookies"
    assert raw(response)[:2] == [(b"content-length", b"7"), (b"content-type", TEXT_PLAIN)]
    cookies = [v for k, v in raw(response) if k == b"set-cookie"]
    assert len(raw(response)) == 5
    assert cookies[0] == b"session=abc123; HttpOnly; Max-Age=3600; Path=/; SameSite=strict"
    assert cookies[1] == b"theme=dark; Path=/app; SameSite=lax; Secure"
    assert re.fullmatch(b'old=""; expires=' + HTTP_DATE + b"; Max-Age=0; Path=/; SameSite=lax",
                        cookies[2])  # fmt: skip
    assert client.cookies["session"] == "abc123"
    assert "old" not in client.cookies


def test_redirect(client: httpx.Client) -> None:
    response = client.get("/redirect")
    assert response.status_code == 302
    assert response.content == b""
    assert raw(response) == [
        (b"content-length", b"0"),
        (b"location", b"/text?from=redirect%20%C3%BC"),
    ]
    followed = client.get("/redirect", follow_redirects=True)
    assert (followed.status_code, followed.content) == (200, b"Hello, world!")
    assert str(followed.url).endswith("/text?from=redirect%20%C3%BC")


def test_file(client: httpx.Client, server: Server) -> None:
    response = client.get("/file")
    assert response.status_code == 200
    assert response.content == server.file.read_bytes()
    assert raw(response) == file_headers(server)


def test_file_head(client: httpx.Client, server: Server) -> None:
    response = client.head("/file")
    assert response.status_code == 200
    assert response.content == b""
    assert raw(response) == file_headers(server)


def test_file_single_range(client: httpx.Client, server: Server) -> None:
    data = server.file.read_bytes()
    response = client.get("/file", headers={"Range": "bytes=70000-140000"})
    assert response.status_code == 206
    assert response.content == data[70000:140001]
    expected = replace(file_headers(server), b"content-length", b"70001")
    assert raw(response) == [*expected, (b"content-range", b"bytes 70000-140000/%d" % len(data))]


def test_file_overlapping_ranges_merge_into_one(client: httpx.Client, server: Server) -> None:
    data = server.file.read_bytes()
    response = client.get("/file", headers={"Range": "bytes=10-19, 15-29"})
    assert response.status_code == 206
    assert response.content == data[10:30]
    assert response.headers["content-range"] == f"bytes 10-29/{len(data)}"


def test_file_multiple_ranges(client: httpx.Client, server: Server) -> None:
    data = server.file.read_bytes()
    size = len(data)
    response = client.get("/file", headers={"Range": "bytes=100000-100099, 0-9, -20"})
    assert response.status_code == 206
    content_type = response.headers["content-type"]
    match = re.fullmatch(r"multipart/byteranges; boundary=([0-9A-Za-z]+)", content_type)
    assert match, content_type
    boundary = match.group(1).encode()
    expected = replace(file_headers(server), b"content-type", content_type.encode())
    expected = replace(expected, b"content-length", str(len(response.content)).encode())
    assert raw(response) == expected
    parts = parse_byteranges(response.content, boundary)
    spans = [(0, 10), (100000, 100100), (size - 20, size)]  # sorted, as Starlette sends them
    assert parts == [
        (
            {b"Content-Type": TEXT_PLAIN, b"Content-Range": b"bytes %d-%d/%d" % (a, b - 1, size)},
            data[a:b],
        )
        for a, b in spans
    ]


def test_file_range_not_satisfiable(client: httpx.Client, server: Server) -> None:
    size = len(server.file.read_bytes())
    response = client.get("/file", headers={"Range": f"bytes={size}-"})
    assert response.status_code == 416
    assert response.content == b""
    assert raw(response) == [
        (b"content-range", b"bytes */%d" % size),
        (b"content-length", b"0"),
        (b"content-type", TEXT_PLAIN),
    ]


def test_streaming_async_generator(client: httpx.Client) -> None:
    response = client.get("/stream")
    assert response.status_code == 200
    assert response.content == b"".join(b"chunk %d\n" % n for n in range(5))
    assert raw(response) == [(b"x-stream", b"async"), (b"content-type", TEXT_PLAIN), CHUNKED]


def test_streaming_sync_iterator(client: httpx.Client) -> None:
    response = client.get("/stream-sync")
    assert response.content == b"line 0\nline 1\nline 2\n"
    assert raw(response) == [(b"content-type", b"application/x-ndjson"), CHUNKED]


def test_server_sent_events(client: httpx.Client) -> None:
    response = client.get("/sse")
    assert response.status_code == 200
    assert response.content == (
        b"id: 1\r\nevent: greeting\r\ndata: first\r\n\r\n"
        b'id: 2\r\ndata: {"n":2,"ok":true}\r\n\r\n'
        b"data: multi\r\ndata: line\r\nretry: 2500\r\n\r\n"
        b"data: plain\r\n\r\n"
    )
    assert raw(response) == [
        (b"cache-control", b"no-store"),
        (b"connection", b"keep-alive"),
        (b"x-accel-buffering", b"no"),
        (b"content-type", b"text/event-stream; charset=utf-8"),
        CHUNKED,
    ]


def test_server_sent_events_custom_ping(client: httpx.Client) -> None:
    body = client.get("/sse-ping", params={"custom": "1"}).content
    ping = b": ping\r\n\r\n"
    assert body.startswith(b"data: a\r\n\r\n" + ping)  # first ping after 0.1 s, "b" after 0.35 s
    assert body.replace(ping, b"") == b"data: a\r\n\r\ndata: b\r\n\r\n"
    assert 1 <= body.count(ping) <= 4


def test_server_sent_events_default_ping(client: httpx.Client) -> None:
    body = client.get("/sse-ping").content
    pings = re.findall(rb": ping - [^\r\n]*\r\n\r\n", body)
    assert 1 <= len(pings) <= 4
    for ping in pings:  # sse-starlette's comment: str(datetime.now(timezone.utc))
        assert re.fullmatch(
            rb": ping - \d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{6})?\+00:00\r\n\r\n", ping
        ), ping
    assert re.sub(rb": ping - [^\r\n]*\r\n\r\n", b"", body) == b"data: a\r\n\r\ndata: b\r\n\r\n"


def head_framing(server: Server) -> Raw:
    """uvicorn's h11 frames a HEAD answer like its GET (chunked); httptools adds nothing."""
    return [CHUNKED] if server.http == "h11" else []


def test_head_of_endless_stream_sends_headers_only(client: httpx.Client, server: Server) -> None:
    stream_id = uuid.uuid4().hex
    response = client.head(f"/raw/endless/{stream_id}")
    assert response.status_code == 200
    assert response.content == b""
    assert raw(response) == [(b"content-type", b"application/octet-stream"), *head_framing(server)]
    assert client.get(f"/streams/{stream_id}").text == "unknown"  # never iterated


def test_head_of_endless_event_stream_sends_headers_only(
    client: httpx.Client, server: Server
) -> None:
    response = client.head("/sse-endless")
    assert response.status_code == 200
    assert response.content == b""
    assert raw(response) == [
        (b"x-endless", b"1"),
        (b"cache-control", b"no-store"),
        (b"connection", b"keep-alive"),
        (b"x-accel-buffering", b"no"),
        (b"content-type", b"text/event-stream; charset=utf-8"),
        *head_framing(server),
    ]


def test_raw_asgi_echo(client: httpx.Client) -> None:
    payload = os.urandom(300 * 1024)
    response = client.post("/raw/echo", content=payload)
    assert response.status_code == 200
    assert response.content == payload
    assert raw(response) == [
        (b"x-received", str(len(payload)).encode()),
        (b"content-length", str(len(payload)).encode()),
        (b"content-type", b"application/octet-stream"),
    ]


def test_client_disconnect_runs_generator_finally(client: httpx.Client, server: Server) -> None:
    stream_id = uuid.uuid4().hex
    with httpx.Client(base_url=server.url, timeout=10.0, trust_env=False) as streamer:
        with streamer.stream("GET", f"/raw/endless/{stream_id}") as response:
            assert response.status_code == 200
            received = 0
            for chunk in response.iter_raw():
                received += len(chunk)
                if received >= 64 * 1024:
                    assert client.get(f"/streams/{stream_id}").text == "started"
                    break  # leaving `iter_raw` early drops the connection mid-body
    deadline = time.monotonic() + 5.0
    state = client.get(f"/streams/{stream_id}").text
    while state != "closed" and time.monotonic() < deadline:
        time.sleep(0.02)
        state = client.get(f"/streams/{stream_id}").text
    assert state == "closed"


def test_server_log_is_clean(server: Server) -> None:
    """Runs last for each server: nothing above made uvicorn log an error."""
    log = server.log()
    assert "Traceback" not in log, log
    assert "ERROR" not in log, log
