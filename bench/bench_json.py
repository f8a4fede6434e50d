"""JSON encoding alone (issue 9): Starlette's `JSONResponse.render` against fastresp's
kernel, plain calls, one group per payload.

Members: `starlette`, both fastresp twins (`fastresp-compiled`: the kernel the switch
picked, skipped under FASTRESP_NO_EXTENSIONS=1 or without the extension;
`fastresp-pure`: `_json_py`, the stdlib call with its encoder built once) and, when
installed, orjson and ssrJSON as references only: they are NOT byte-identical to
Starlette in general (`1e16` for `1e+16`, NaN written...);
`extra_info["byte_identical"]` says whether they were on the payload. The whole
responses are timed in bench_small.py (json-small, json-1000).
"""

import functools
import importlib.util
import random
from collections.abc import Callable
from typing import Any

import pytest
from harness_timing import Bench, describe
from starlette.responses import JSONResponse as StarletteJSONResponse

from fastresp import _json_py
from fastresp._speedups import COMPILED
from fastresp._speedups import json as fastresp_json

_rng = random.Random(9)
PAYLOADS: dict[str, Any] = {
    # the payload: 1000 records of an int, a str, a float and a bool
    "json-encode-1000-dicts": [
        {"id": i, "name": f"item {i}", "price": round(_rng.uniform(0, 1000), 2), "ok": i % 2 == 0}
        for i in range(1000)
    ],
    "json-encode-small": {"id": 1, "name": "Widget", "ok": True, "price": 9.99, "tags": ["a", "b"]},
    "json-encode-10k-floats": [_rng.uniform(-1e6, 1e6) for _ in range(10_000)],
    "json-encode-non-ascii": [
        {
            "title": "東京の天気は晴れ、気温は二十度です",
            "note": "Ça va très bien 👍🎉",
            "emoji": "😀🚀✨",
        }
        for _ in range(500)
    ],
    "json-encode-deep": None,  # below
    "json-encode-1MiB-string": "lorem ipsum dolor sit amet, " * ((1 << 20) // 28),
}

# 200 levels of a dict holding a list: 400 nested containers
for _level in range(200):
    PAYLOADS["json-encode-deep"] = {"k": [_level, PAYLOADS["json-encode-deep"]]}

_starlette: Callable[[Any], bytes] = functools.partial(
    StarletteJSONResponse.render,
    None,  # type: ignore[arg-type]  # self is not used
)


def _references() -> dict[str, Callable[[Any], bytes]]:
    found: dict[str, Callable[[Any], bytes]] = {}
    if importlib.util.find_spec("orjson") is not None:
        import orjson

        found["orjson"] = orjson.dumps
    if importlib.util.find_spec("ssrjson") is not None:
        import ssrjson

        found["ssrjson"] = ssrjson.dumps_to_bytes
    return found


REFERENCES = _references()
TWINS: dict[str, Callable[[Any], bytes]] = {
    "fastresp-compiled": fastresp_json.dumps,
    "fastresp-pure": _json_py.dumps,
}
MEMBERS = ["starlette", *TWINS, *REFERENCES]
IDS = [f"{m}-not-identical" if m in REFERENCES else m for m in MEMBERS]


@pytest.fixture(params=MEMBERS, ids=IDS)
def encoder(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


def _bench(benchmark: Bench, member: str, payload: Any) -> None:
    expected = _starlette(payload)
    if member == "starlette":
        encode: Callable[[Any], bytes] = _starlette
    elif member in TWINS:
        if member == "fastresp-compiled" and not COMPILED:
            pytest.skip("the compiled kernels are not in use")
        encode = TWINS[member]
        assert encode(payload) == expected, "fastresp must send Starlette's bytes"
    else:
        encode = REFERENCES[member]
        try:
            benchmark.extra_info["byte_identical"] = encode(payload) == expected
        except Exception as exc:  # orjson refuses more than 255 levels
            pytest.skip(f"{member} refuses this payload: {exc}")
    describe(benchmark, member, "call")
    benchmark.extra_info["nbytes"] = len(expected)
    benchmark(encode, payload)


@pytest.mark.parametrize("group", list(PAYLOADS))
def bench_json_encode(benchmark: Bench, encoder: str, group: str) -> None:
    benchmark.group = group
    _bench(benchmark, encoder, PAYLOADS[group])
