import pytest

from support import call

pytestmark = pytest.mark.anyio


async def test_plain_text_parity(flavour) -> None:
    ex = await call(flavour.PlainTextResponse("Hello, world!"))
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
