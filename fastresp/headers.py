"""`MutableHeaders`: a case-insensitive view over a response's live raw header list.

Reads behave like `starlette.datastructures.MutableHeaders`; writes edit the very list
that `__call__` sends, so `response.headers.raw.extend(...)` (as FastAPI does) works.

Deliberate difference from Starlette (tested in tests/test_header_validation.py):

1. Every write through the view (`h[k] = v`, `append`, `setdefault`, `update`, `|=`,
   `|`, `add_vary_header`, `MutableHeaders(headers=...)`) checks the name and value
   as `headers=` does (fastresp/base.py, difference 5) and raises
   `fastresp.InvalidHeader` (a `ValueError`) instead of storing a header that would
   split the response. `setdefault` checks its value even when the header exists.
   Bytes put straight into the raw list (`raw.append(...)`, `raw.extend(...)`, as
   FastAPI copies its sub-response's headers) are the caller's own, already-encoded
   headers and are not checked.
"""

from collections.abc import Iterator, Mapping

from ._speedups import headers as _headers

__all__ = ["MutableHeaders", "set_raw", "setdefault_raw"]

RawHeaders = list[tuple[bytes, bytes]]


def _name(key: str) -> bytes:
    return key.lower().encode("latin-1")


# Set `name` in a raw header list: the first entry replaced in place, later ones dropped,
# appended if there is none. PERF: callers with a raw list skip the view; compiled loop.
set_raw = _headers.set_header


def setdefault_raw(raw: RawHeaders, name: bytes, value: bytes) -> bytes:
    """The value of `name` in a raw header list, appending `value` if it has none."""
    for key, existing in raw:
        if key == name:
            return existing
    raw.append((name, value))
    return value


class MutableHeaders(Mapping[str, str]):
    """A mutable multidict of headers; `raw` is the underlying list itself."""

    __slots__ = ("_list",)

    def __init__(self, headers: Mapping[str, str] | None = None, raw: RawHeaders | None = None):
        if headers is not None and raw is not None:
            raise TypeError("pass either headers or raw, not both")
        if raw is not None:
            self._list = raw
        elif headers is not None:
            self._list = _headers.build_raw_headers(headers, -1, None)
        else:
            self._list = []

    @property
    def raw(self) -> RawHeaders:
        return self._list

    def keys(self) -> list[str]:  # type: ignore[override]
        return [k.decode("latin-1") for k, _ in self._list]

    def values(self) -> list[str]:  # type: ignore[override]
        return [v.decode("latin-1") for _, v in self._list]

    def items(self) -> list[tuple[str, str]]:  # type: ignore[override]
        return [(k.decode("latin-1"), v.decode("latin-1")) for k, v in self._list]

    def getlist(self, key: str) -> list[str]:
        name = _name(key)
        return [v.decode("latin-1") for k, v in self._list if k == name]

    def mutablecopy(self) -> "MutableHeaders":
        return MutableHeaders(raw=self._list[:])

    def __getitem__(self, key: str) -> str:
        name = _name(key)
        for k, v in self._list:
            if k == name:
                return v.decode("latin-1")
        raise KeyError(key)

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return False
        name = _name(key)
        return any(k == name for k, _ in self._list)

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    def __len__(self) -> int:
        return len(self._list)

    def __eq__(self, other: object) -> bool:
        # Equal to any headers object with the same (name, value) multiset,
        # Starlette's included (it exposes `.raw` too).
        other_raw = getattr(other, "raw", None)
        if not isinstance(other_raw, list):
            return NotImplemented
        return sorted(self._list) == sorted(other_raw)

    def __repr__(self) -> str:
        as_dict = dict(self.items())
        if len(as_dict) == len(self._list):
            return f"{type(self).__name__}({as_dict!r})"
        return f"{type(self).__name__}(raw={self._list!r})"

    def __setitem__(self, key: str, value: str) -> None:
        """Set `key`, replacing the first entry in place and dropping later duplicates."""
        set_raw(self._list, *_headers.encode_header(key, value))

    def __delitem__(self, key: str) -> None:
        """Remove every entry for `key` (no error when there is none, as Starlette)."""
        name = _name(key)
        self._list[:] = [item for item in self._list if item[0] != name]

    def setdefault(self, key: str, value: str) -> str:
        return setdefault_raw(self._list, *_headers.encode_header(key, value)).decode("latin-1")

    def update(self, other: Mapping[str, str]) -> None:
        for key, value in other.items():
            self[key] = value

    def append(self, key: str, value: str) -> None:
        """Add an entry, keeping existing ones for the same name."""
        self._list.append(_headers.encode_header(key, value))

    def add_vary_header(self, vary: str) -> None:
        self["vary"] = ", ".join([*self.getlist("vary"), vary])

    def __ior__(self, other: Mapping[str, str]) -> "MutableHeaders":
        if not isinstance(other, Mapping):
            raise TypeError(f"Expected a mapping but got {type(other).__name__}")
        self.update(other)
        return self

    def __or__(self, other: Mapping[str, str]) -> "MutableHeaders":
        if not isinstance(other, Mapping):
            raise TypeError(f"Expected a mapping but got {type(other).__name__}")
        merged = self.mutablecopy()
        merged.update(other)
        return merged
