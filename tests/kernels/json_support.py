"""The oracle of the JSON kernel tests: Starlette's JSONResponse encoding, called as it calls
it, and value types that exercise the stdlib encoder's rules."""

import enum
import json
from collections.abc import Callable, Iterator
from typing import Any

NESTED_TOO_DEEPLY = "JSON content is nested too deeply to serialise"


def starlette_json(value: object) -> bytes:
    """What Starlette 1.10's JSONResponse.render returns (a RecursionError aside)."""
    return json.dumps(
        value, ensure_ascii=False, allow_nan=False, indent=None, separators=(",", ":")
    ).encode("utf-8")


def outcome(fn: Callable[[object], bytes], value: object) -> tuple[str, object]:
    """The bytes, or the exception's type name and message (a RecursionError as fastresp's
    ValueError, difference 8)."""
    try:
        return ("ok", fn(value))
    except RecursionError:
        return ("ValueError", NESTED_TOO_DEEPLY)
    except Exception as exc:
        return (type(exc).__name__, str(exc))


class Text(str):
    """A str subclass whose own methods lie: only its characters may be written."""

    def __str__(self) -> str:
        return "lie"

    def encode(self, *args: Any, **kwargs: Any) -> bytes:
        return b"lie"


class Number(int):
    def __repr__(self) -> str:
        return "lie"

    __str__ = __repr__


class Real(float):
    def __repr__(self) -> str:
        return "lie"

    __str__ = __repr__


class Items(list[Any]):
    pass


class Reversed(list[Any]):
    """A list subclass whose iteration order is its own: the stdlib walks its __iter__."""

    def __iter__(self) -> Iterator[Any]:
        return iter(list.copy(self)[::-1])


class Pair(tuple[Any, ...]):
    pass


class Mapping(dict[Any, Any]):
    pass


class Renamed(dict[Any, Any]):
    """A dict subclass whose items() differ from its storage: the stdlib calls items()."""

    def items(self) -> Any:
        return [(f"k{key}", value) for key, value in dict.items(self)]


class BadItems(dict[Any, Any]):
    def items(self) -> Any:
        return [("a", 1, 2)]


class Color(enum.Enum):
    RED = 1


class Level(enum.IntEnum):
    LOW = 1


class Mode(enum.StrEnum):
    READ = "r\u00e9ad"


class Ratio(float, enum.Enum):
    HALF = 0.5
