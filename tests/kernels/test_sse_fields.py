"""No event value can add a field to the stream: both twins, read back by a WHATWG parser.

Differences 8 and 9 of `fastresp.sse` (a NUL id, a bool or negative retry) are tested
here against sse-starlette's bytes; the rest of the encoding is sse-starlette's.
"""

import re
from types import ModuleType
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sse_starlette.event import ServerSentEvent as TheirEvent

from fastresp.sse import JSONServerSentEvent, ServerSentEvent

SEPS = ("\r\n", "\r", "\n")
BREAKS = re.compile(r"\r\n|\r|\n")


def parse(stream: bytes) -> list[list[tuple[str, str]]]:
    """Events as a client reads them (WHATWG HTML §9.2.6): fields in order, per event."""
    events: list[list[tuple[str, str]]] = []
    fields: list[tuple[str, str]] = []
    lines = BREAKS.split(stream.decode("utf-8"))
    assert lines[-1] == ""  # the stream ends with a line break
    for line in lines[:-1]:
        if not line:
            events.append(fields)
            fields = []
            continue
        name, colon, value = line.partition(":")
        if colon and value.startswith(" "):
            value = value[1:]
        fields.append((name, value))
    assert not fields, "the last event was not ended by a blank line"
    return events


def expected_fields(
    data: str | None, event: str | None, id: str | None, retry: int | None, comment: str | None
) -> list[tuple[str, str]]:
    """What the client must read: each value's lines, and nothing else."""
    fields: list[tuple[str, str]] = []
    if comment is not None:
        fields += [("", line) for line in BREAKS.split(comment)]
    if id is not None:
        fields.append(("id", BREAKS.sub("", id)))
    if event is not None:
        fields.append(("event", BREAKS.sub("", event)))
    if data is not None:
        fields += [("data", line) for line in BREAKS.split(data)]
    if retry is not None:
        fields.append(("retry", str(retry)))
    return fields


PARTS = st.sampled_from(
    ["\r", "\n", "\r\n", "\n\r", "\r\r\n", "\x00", ":", " ", "data: x", "id: 9", "retry: 1"]
)
TEXT = st.one_of(st.text(), st.lists(PARTS | st.text(max_size=4), max_size=12).map("".join))
FIELD = st.none() | TEXT


@settings(max_examples=800, deadline=None)
@given(
    data=FIELD,
    event=FIELD,
    id=FIELD.filter(lambda text: text is None or "\x00" not in text),
    retry=st.none() | st.integers(min_value=0),
    comment=FIELD,
    sep=st.sampled_from(SEPS),
)
def test_no_value_adds_a_field(
    sse_impl: ModuleType,
    data: str | None,
    event: str | None,
    id: str | None,
    retry: int | None,
    comment: str | None,
    sep: str,
) -> None:
    try:
        encoded = sse_impl.encode_event(data, event, id, retry, comment, sep)
    except UnicodeEncodeError:  # a lone surrogate: nothing is sent
        return
    assert parse(encoded) == [expected_fields(data, event, id, retry, comment)]


@pytest.mark.parametrize("sep", SEPS)
@pytest.mark.parametrize(
    ("field", "value", "seen"),
    [
        ("id", "1\r\nevent: x", "1event: x"),
        ("id", "\rretry: 1\n", "retry: 1"),
        ("event", "a\r\ndata: injected", "adata: injected"),
        ("event", "\n\n", ""),
    ],
)
def test_id_and_event_lose_their_line_breaks(
    sse_impl: ModuleType, sep: str, field: str, value: str, seen: str
) -> None:
    # COMPAT: sse-starlette removes them too; these bytes are already safe.
    fields: dict[str, Any] = {"id": None, "event": None, field: value}
    encoded = sse_impl.encode_event(None, fields["event"], fields["id"], None, None, sep)
    assert encoded == f"{field}: {seen}{sep}{sep}".encode()
    their: dict[str, Any] = {field: value, "sep": sep}
    assert encoded == TheirEvent(**their).encode()


@pytest.mark.parametrize("sep", SEPS)
def test_comment_and_data_lines_stay_comments_and_data(sse_impl: ModuleType, sep: str) -> None:
    # COMPAT: each line is its own comment or data line, as in sse-starlette.
    comment = "a\r\nid: 1\rb\n"
    data = "x\r\nevent: y\r"
    encoded = sse_impl.encode_event(data, None, None, None, comment, sep)
    assert encoded == TheirEvent(data, comment=comment, sep=sep).encode()
    assert parse(encoded) == [
        [
            *[("", "a"), ("", "id: 1"), ("", "b"), ("", "")],
            *[("data", "x"), ("data", "event: y"), ("data", "")],
        ]
    ]


# --- difference 8: an id with NUL is refused (a client would ignore the whole field) ---


@pytest.mark.parametrize("id", ["\x00", "a\x00b", "1\r\n\x00"])
def test_difference_8_nul_in_id_is_refused(sse_impl: ModuleType, id: str) -> None:
    with pytest.raises(ValueError, match=r"^id must not contain NUL$"):
        sse_impl.encode_event("x", None, id, None, None, "\n")
    with pytest.raises(ValueError, match=r"^id must not contain NUL$"):
        sse_impl.encode_item({"data": "x", "id": id}, "\n", ServerSentEvent)
    their = TheirEvent("x", id=id, sep="\n").encode()
    assert b"\x00" in their  # sse-starlette sends it


def test_difference_8_nul_elsewhere_is_only_a_character(sse_impl: ModuleType) -> None:
    encoded = sse_impl.encode_event("d\x00", "e\x00", None, None, "c\x00", "\n")
    assert encoded == TheirEvent("d\x00", event="e\x00", comment="c\x00", sep="\n").encode()


# --- difference 9: retry is a non-negative int, written as its digits -------------------


@pytest.mark.parametrize(
    ("retry", "error", "message", "theirs"),
    [
        (True, TypeError, "retry must be an int, not bool", b"retry: True\n\n"),
        (False, TypeError, "retry must be an int, not bool", b"retry: False\n\n"),
        (-1, ValueError, "retry must be >= 0", b"retry: -1\n\n"),
        (1.5, TypeError, "retry argument must be int", None),  # COMPAT: as sse-starlette
        ("5", TypeError, "retry argument must be int", None),
    ],
)
def test_difference_9_retry_is_a_non_negative_int(
    sse_impl: ModuleType, retry: Any, error: type[Exception], message: str, theirs: bytes | None
) -> None:
    with pytest.raises(error, match=f"^{re.escape(message)}$"):
        sse_impl.encode_event(None, None, None, retry, None, "\n")
    if theirs is None:
        with pytest.raises(TypeError):
            TheirEvent(retry=retry, sep="\n").encode()
    else:
        assert TheirEvent(retry=retry, sep="\n").encode() == theirs


class Sneaky(int):
    def __format__(self, spec: str) -> str:
        return "1\r\ndata: injected"

    def __repr__(self) -> str:
        return "2\ndata: injected"

    def __lt__(self, other: object) -> bool:
        return False


def test_difference_9_an_int_subclass_is_written_as_its_value(sse_impl: ModuleType) -> None:
    assert sse_impl.encode_event(None, None, None, Sneaky(3), None, "\n") == b"retry: 3\n\n"
    assert TheirEvent(retry=Sneaky(3), sep="\n").encode() == b"retry: 1\r\ndata: injected\n\n"
    with pytest.raises(ValueError, match=r"^retry must be >= 0$"):
        sse_impl.encode_event(None, None, None, Sneaky(-3), None, "\n")


def test_the_event_classes_refuse_at_encoding() -> None:
    # Fields are read when the event is encoded (as in sse-starlette), so are checked then.
    for event in (ServerSentEvent("x", id="\x00"), JSONServerSentEvent([1], retry=-5)):
        with pytest.raises(ValueError):
            event.encode()
    with pytest.raises(TypeError, match=r"^retry must be an int, not bool$"):
        ServerSentEvent("x", retry=True).encode()
