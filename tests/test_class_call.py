"""Calling fastresp's own classes: `ServerSentEvent(...)` and the five complete responses
are made by a compiled kernel on the compiled path (fastresp/_cclass_call.pxd). Each call
must give what `type.__call__` itself gives (the pure path, and the kernels' fallback):
the same attributes in the same order, or the same error; and a class changed at run
time (its `__init__`, `__new__`, attribute hooks, DEFAULT_SEPARATOR) must be honoured."""

import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fastresp import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
    _speedups,
)
from fastresp.sse import JSONServerSentEvent, ServerSentEvent

Outcome = tuple[Any, ...]


@contextmanager
def defined(cls: type, name: str, value: object) -> Iterator[None]:
    """`cls.name = value` for the block, then deleted (so inherited again)."""
    assert name not in vars(cls)
    setattr(cls, name, value)
    try:
        yield
    finally:
        delattr(cls, name)


def outcome(make: Callable[[], object]) -> Outcome:
    """The instance's class and attributes in order, or the error's type and message."""
    try:
        made = make()
    except Exception as exc:
        return (type(exc), str(exc))
    return (type(made), list(vars(made).items()))


def assert_as_type_call(cls: type, *args: Any, **kwargs: Any) -> Outcome:
    expected = outcome(lambda: type.__call__(cls, *args, **kwargs))
    assert outcome(lambda: cls(*args, **kwargs)) == expected
    return expected


# --- ServerSentEvent ------------------------------------------------------------------

FIELDS = ("data", "event", "id", "retry", "comment", "sep")
values = st.one_of(st.none(), st.text(max_size=5), st.integers(-3, 3), st.just(b"x"))
keywords = st.dictionaries(
    st.one_of(st.sampled_from(FIELDS), st.sampled_from(["bogus", "self", "Data"])),
    values,
    max_size=7,
)


@settings(max_examples=300, deadline=None)
@given(args=st.lists(values, max_size=3), kwargs=keywords)
def test_event_calls_match_type_call(args: list[object], kwargs: dict[str, object]) -> None:
    assert_as_type_call(ServerSentEvent, *args, **kwargs)


def test_event_attributes_and_errors() -> None:
    made = assert_as_type_call(ServerSentEvent, "d", id="1", event="tick")
    assert made[1] == [
        ("data", "d"),
        ("event", "tick"),
        ("id", "1"),
        ("retry", None),
        ("comment", None),
        ("_sep", "\r\n"),
    ]
    assert_as_type_call(ServerSentEvent, "d", sep="\n")
    assert_as_type_call(ServerSentEvent, data="d", sep=None)
    too_many = assert_as_type_call(ServerSentEvent, "a", "b")
    assert too_many[0] is TypeError and "positional" in str(too_many[1])
    twice = assert_as_type_call(ServerSentEvent, "a", data="b")
    assert "multiple values for argument 'data'" in str(twice[1])
    unknown = assert_as_type_call(ServerSentEvent, tick=1)
    assert "unexpected keyword argument 'tick'" in str(unknown[1])
    # a keyword made at run time (not the interned literal) is matched by value
    name = "".join(["ev", "ent"])
    assert assert_as_type_call(ServerSentEvent, **{name: "e"})[1][1] == ("event", "e")


def test_event_separator_is_read_from_the_class_as_it_is_now(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert ServerSentEvent().encode() == b"\r\n"
    monkeypatch.setattr(ServerSentEvent, "DEFAULT_SEPARATOR", "\n")
    assert vars(ServerSentEvent("x"))["_sep"] == "\n"
    assert ServerSentEvent("x").encode() == b"data: x\n\n"

    class Separator:
        def __get__(self, instance: object, owner: type) -> str:
            return "\r" if instance is not None else "?"

    monkeypatch.setattr(ServerSentEvent, "DEFAULT_SEPARATOR", Separator())
    assert vars(ServerSentEvent("x"))["_sep"] == "\r"
    monkeypatch.undo()
    assert vars(ServerSentEvent("x"))["_sep"] == "\r\n"


def test_event_class_changed_at_run_time(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[object, ...]] = []
    original = ServerSentEvent.__init__

    def init(self: ServerSentEvent, *args: Any, **kwargs: Any) -> None:
        calls.append(args)
        original(self, *args, **kwargs)
        self.comment = "patched"

    monkeypatch.setattr(ServerSentEvent, "__init__", init)
    assert ServerSentEvent("x", id="1").comment == "patched"
    assert calls == [("x",)]

    monkeypatch.undo()
    assert ServerSentEvent("x").comment is None

    stored: list[str] = []

    def setattr_hook(self: object, name: str, value: object) -> None:
        stored.append(name)
        object.__setattr__(self, name, value)

    with defined(ServerSentEvent, "__setattr__", setattr_hook):
        ServerSentEvent("x", event="e")
    assert stored == ["data", "event", "id", "retry", "comment", "_sep"]


def test_event_subclasses_keep_their_own_construction() -> None:
    class Plain(ServerSentEvent):
        pass

    class Own(ServerSentEvent):
        def __init__(self, text: str) -> None:
            super().__init__(text.upper(), event="own")

    assert_as_type_call(Plain, "x", id="2")
    assert vars(Own("x"))["data"] == "X"
    assert_as_type_call(Own, "x", id="2")  # TypeError, from Own's own signature
    assert_as_type_call(JSONServerSentEvent, {"a": [1]}, id="3")


# --- the complete responses -----------------------------------------------------------

RESPONSES = (Response, HTMLResponse, PlainTextResponse, JSONResponse)
contents = st.one_of(st.none(), st.text(max_size=5), st.binary(max_size=5))
response_keywords = st.dictionaries(
    st.sampled_from(["content", "status_code", "headers", "media_type", "background", "url"]),
    st.one_of(st.none(), st.sampled_from([200, 204, 404, "x"]), st.just({"a": "b"})),
    max_size=4,
)


@settings(max_examples=300, deadline=None)
@given(
    cls=st.sampled_from((*RESPONSES, RedirectResponse)),
    args=st.lists(st.one_of(contents, st.sampled_from([201, 307])), max_size=3),
    kwargs=response_keywords,
)
def test_response_calls_match_type_call(
    cls: type, args: list[object], kwargs: dict[str, object]
) -> None:
    assert_as_type_call(cls, *args, **kwargs)


@pytest.mark.parametrize("cls", RESPONSES)
def test_response_attributes(cls: type) -> None:
    content = {"k": "v"} if cls is JSONResponse else "text"
    made = assert_as_type_call(cls, content, 201, {"x-a": "1"}, "text/x")
    assert made[0] is cls
    assert [name for name, _ in made[1]] == [
        "status_code",
        "media_type",
        "background",
        "body",
        "raw_headers",
    ]
    assert_as_type_call(cls, content, status_code=404, headers=None)
    assert_as_type_call(cls, content, bogus=1)
    assert_as_type_call(cls, content, 200, content=content)


def test_redirect_attributes() -> None:
    made = assert_as_type_call(RedirectResponse, "/a b", headers={"location": "/old"})
    assert (b"location", b"/a%20b") in dict(made[1])["raw_headers"]
    assert_as_type_call(RedirectResponse, url="/x", status_code=301)
    assert_as_type_call(RedirectResponse)


def test_response_class_changed_at_run_time(monkeypatch: pytest.MonkeyPatch) -> None:
    original = Response.__init__

    def init(self: Response, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        self.raw_headers.append((b"x-patched", b"1"))

    # patched on a base: the subclasses that inherit it see it too
    monkeypatch.setattr(Response, "__init__", init)
    for cls in (Response, HTMLResponse, PlainTextResponse):
        assert (b"x-patched", b"1") in cls("x").raw_headers
    assert (b"x-patched", b"1") not in JSONResponse(1).raw_headers
    monkeypatch.undo()
    assert (b"x-patched", b"1") not in PlainTextResponse("x").raw_headers


def test_response_subclasses_keep_their_own_construction() -> None:
    class Own(JSONResponse):
        def __init__(self, content: object) -> None:
            super().__init__({"wrapped": content}, status_code=202)

    assert Own(1).body == b'{"wrapped":1}'
    assert Own(1).status_code == 202
    assert_as_type_call(Own, 1)
    assert_as_type_call(Own, 1, 2)  # TypeError from Own's signature


# NOTE: CPython cannot take a class's `__new__` back (deleting it leaves object.__new__
# refusing arguments), so these run in an interpreter of their own.
NEW_ON_THE_CLASS = """
from fastresp import HTMLResponse
from fastresp.sse import ServerSentEvent

made = []
def new(cls, *args, **kwargs):
    made.append(args)
    return object.__new__(cls)

for cls in (ServerSentEvent, HTMLResponse):
    cls.__new__ = new
    print(cls.__name__, vars(cls("x", headers={"a": "b"}) if cls is HTMLResponse else cls("x")))
print(made)
"""


def test_new_set_on_the_class_is_honoured() -> None:
    result = subprocess.run(
        [sys.executable, "-c", NEW_ON_THE_CLASS], capture_output=True, text=True, check=True
    )
    lines = result.stdout.splitlines()
    assert lines[0].startswith("ServerSentEvent {'data': 'x'")
    assert lines[1].startswith("HTMLResponse {'status_code': 200")
    assert lines[2] == "[('x',), ('x',)]"


@pytest.mark.parametrize("cls", [int, 3, type("Meta", (type,), {})("X", (), {})])
def test_only_classes_from_class_statements_are_bound(cls: object) -> None:
    # a builtin type's vectorcall is shared by every interpreter: it must never be set
    with pytest.raises(TypeError, match="a class defined in Python is required"):
        _speedups.construct.bind_response_classes(cls)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="a class defined in Python is required"):
        _speedups.sse.bind_event_class(cls)  # type: ignore[arg-type]
