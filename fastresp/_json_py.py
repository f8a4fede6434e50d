"""JSON kernel, pure twin (the reference for `_json_c`).

`dumps(value)` is Starlette's JSONResponse encoding, byte for byte:
`json.dumps(value, ensure_ascii=False, allow_nan=False, indent=None,
separators=(",", ":")).encode("utf-8")`, with the same exceptions and messages, except
that a value nested too deeply for the interpreter's encoder raises `ValueError`,
chained from its `RecursionError` (`fastresp.responses`, difference 8).

What the stdlib's C encoder (Modules/_json.c, 3.11 to 3.14) writes, which `_json_c`
follows:
- `None`, `True`, `False` (by identity) as `null`, `true`, `false`;
- a str or str subclass: its own characters, never its `__str__`, between quotes, with
  `"` `\\` `\\b` `\\f` `\\n` `\\r` `\\t` escaped, the other characters below U+0020 as
  `\\u00xx` (lower-case hex) and everything else as is; a lone surrogate makes the
  final `.encode("utf-8")` raise UnicodeEncodeError;
- an int (subclasses too: IntEnum) as `int.__repr__` writes it, so the interpreter's
  int-max-str-digits limit applies; a float (subclasses too) as `float.__repr__`, NaN
  and infinities refused with ValueError;
- a list or tuple; a subclass is walked as `PySequence_Fast` walks it (its `__iter__`);
- a dict; an exact dict in insertion order (walked live on 3.12+, from a copy of its
  items taken first on 3.11), a subclass through its `items()` (which must give
  2-tuples), an empty one of either kind as `{}` without calling anything;
- dict keys: a str as is, a float as its repr (NaN refused), `True`/`False`/`None` as
  `"true"`/`"false"`/`"null"`, an int as its repr, anything else TypeError;
- anything else: TypeError ("Object of type X is not JSON serializable"), and a
  structure that contains itself: ValueError ("Circular reference detected").
"""

import json.encoder
from collections.abc import Callable
from typing import Any

__all__ = ["dumps"]

# COMPAT: Starlette's JSONResponse options.
_ENCODER = json.encoder.JSONEncoder(ensure_ascii=False, allow_nan=False, separators=(",", ":"))
_MAKE_ENCODER: Any = getattr(json.encoder, "c_make_encoder", None)  # None without C (PyPy)
_DEFAULT = _ENCODER.default
_ENCODE_STR = json.encoder.encode_basestring


def _c_encode(value: object) -> str:
    # PERF: what `JSONEncoder.encode` runs for these options with the C encoder, without
    # its two Python frames (and no JSONEncoder per call, as `json.dumps(**options)`
    # builds): ~1.3x on a small JSONResponse. A fresh `markers` dict per call, as the
    # stdlib does (an error leaves it dirty).
    return "".join(
        _MAKE_ENCODER({}, _DEFAULT, _ENCODE_STR, None, ":", ",", False, False, False)(value, 0)
    )


def _pick_encode() -> Callable[[object], str]:
    """`_c_encode` if this interpreter's C encoder takes those arguments and agrees with
    `JSONEncoder.encode` (a private API), else `JSONEncoder.encode` itself."""
    probe = {"a": [1.5, None, True, "\u00e9\n"], "b": {}}
    try:
        if _MAKE_ENCODER is not None and _c_encode(probe) == _ENCODER.encode(probe):
            return _c_encode
    except TypeError:
        pass
    return _ENCODER.encode


_ENCODE = _pick_encode()


def dumps(value: object) -> bytes:
    """`value` as compact UTF-8 JSON, exactly as Starlette's JSONResponse renders it; a
    structure nested too deeply raises `ValueError` (chained from its `RecursionError`)."""
    try:
        text = _ENCODE(value)
    except RecursionError as exc:
        raise ValueError("JSON content is nested too deeply to serialise") from exc
    return text.encode("utf-8")
