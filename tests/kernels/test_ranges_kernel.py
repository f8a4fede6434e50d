"""Range kernels, over both twins: Starlette's answers, hostile input, multipart framing."""

import sys
import time
from functools import cache
from types import ModuleType

import pytest
import starlette.responses
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fastresp._errors import MalformedRangeHeader, RangeNotSatisfiable

Outcome = tuple[str, object]


def outcome(impl: ModuleType, header: str, size: int, max_ranges: int = 100) -> Outcome:
    try:
        return ("ok", impl.parse_range(header, size, max_ranges))
    except MalformedRangeHeader as exc:
        return ("400", str(exc))
    except RangeNotSatisfiable as exc:
        return ("416", exc.size)


@cache
def _starlette_class(max_ranges: int) -> type[starlette.responses.FileResponse]:
    return type("Capped", (starlette.responses.FileResponse,), {"max_ranges": max_ranges})


def starlette_outcome(header: str, size: int, max_ranges: int = 100) -> Outcome:
    try:
        return ("ok", _starlette_class(max_ranges)._parse_range_header(header, size))
    except starlette.responses.MalformedRangeHeader as exc:
        return ("400", exc.content)
    except starlette.responses.RangeNotSatisfiable as exc:
        return ("416", exc.max_size)


MALFORMED = ("400", "Malformed range header.")
NOT_BYTES = ("400", "Only support bytes range")
NO_RANGE = ("400", "Range header: range must be requested")
INVERTED = ("400", "Range header: start must be less than end")

CASES: list[tuple[str, int, Outcome]] = [
    ("bytes=0-9", 100, ("ok", [(0, 10)])),
    ("bytes=10-", 100, ("ok", [(10, 100)])),
    ("bytes=-5", 100, ("ok", [(95, 100)])),
    ("bytes=-500", 100, ("ok", [(0, 100)])),  # suffix clamped
    ("bytes=90-500", 100, ("ok", [(90, 100)])),  # end clamped
    ("bytes=99-99", 100, ("ok", [(99, 100)])),
    ("bytes=0-0,2-2", 100, ("ok", [(0, 1), (2, 3)])),
    ("bytes=2-2,0-0", 100, ("ok", [(0, 1), (2, 3)])),
    ("bytes=0-5,3-9,20-", 100, ("ok", [(0, 10), (20, 100)])),
    ("bytes=0-49,50-99", 100, ("ok", [(0, 100)])),  # exactly the file: kept
    ("bytes=0-4,5-9", 100, ("ok", [(0, 10)])),  # adjacent spans join
    ("bytes=0-4,6-9", 100, ("ok", [(0, 5), (6, 10)])),
    ("Bytes = 1-2", 100, ("ok", [(1, 3)])),
    ("bytes=\t1 - 2 ,", 100, ("ok", [(1, 3)])),
    ("bytes=\xa01-2\x85", 100, ("ok", [(1, 3)])),  # Unicode whitespace, as str.strip()
    ("bytes=+1-+2", 100, ("ok", [(1, 3)])),  # COMPAT: int() quirks
    ("bytes=1_0-2_0", 100, ("ok", [(10, 21)])),
    ("bytes=\u0663-\u0665", 100, ("ok", [(3, 6)])),  # Arabic-Indic digits
    ("bytes=x,1-2,a-b,-,5", 100, ("ok", [(1, 3)])),  # unparseable parts skipped
    ("bytes=0--5", 100, INVERTED),  # int("-5") works: end -4
    ("bytes=--5", 100, ("416", 100)),  # suffix of -5: starts past the end
    ("bytes=-0", 100, ("416", 100)),
    ("bytes=100-", 100, ("416", 100)),
    ("bytes=0-", 0, ("416", 0)),
    ("bytes=-5", 0, ("416", 0)),
    ("bytes=5-3", 100, INVERTED),
    ("bytes=5-3,200-", 100, ("416", 100)),  # 416 wins over an inverted part
    ("bytes=200-,5-3", 100, ("416", 100)),
    ("bytes", 100, MALFORMED),
    ("", 100, MALFORMED),
    ("0-1", 100, MALFORMED),
    ("bytes=", 100, NO_RANGE),
    ("bytes=-", 100, NO_RANGE),
    ("bytes=,", 100, NO_RANGE),
    ("bytes=abc", 100, NO_RANGE),
    ("bytes=1-2=3", 100, NO_RANGE),
    ("bytes=" + "9" * 5000 + "-", 100, NO_RANGE),  # past int()'s digit limit: skipped
    ("bytes=" + "9" * 40 + "-", 100, ("416", 100)),
    ("bytes=0-" + "9" * 40, 100, ("ok", [(0, 100)])),
    ("bytes=0-1", 2**63 + 5, ("ok", [(0, 2)])),
    ("bytes=-1", 2**63 + 5, ("ok", [(2**63 + 4, 2**63 + 5)])),
]


WHOLE: Outcome = ("ok", [])

# NOTE: where RFC 9110 §14.2 lets the server ignore the header (fastresp/_ranges_py.py):
# (header, size, fastresp's answer, Starlette's answer).
DIFFERENCES: list[tuple[str, int, Outcome, Outcome]] = [
    ("items=0-1", 100, WHOLE, NOT_BYTES),  # another unit: MUST be ignored
    ("=0-1", 100, WHOLE, NOT_BYTES),
    (" BYTEs2=0-1", 100, WHOLE, NOT_BYTES),
    ("x" * 100_000 + "=0-1", 100, WHOLE, NOT_BYTES),
    ("items=5-3", 100, WHOLE, NOT_BYTES),  # the unit first: nothing else is read
    ("bytes=50-,0-99", 100, WHOLE, ("ok", [(0, 100)])),  # 150 bytes of a 100-byte file
    ("bytes=0-99,10-20", 100, WHOLE, ("ok", [(0, 100)])),
    ("bytes=0-0,0-0", 1, WHOLE, ("ok", [(0, 1)])),
    ("bytes=0-49,50-99,0-0", 100, WHOLE, ("ok", [(0, 100)])),  # one byte too many
    ("bytes=-60,-60", 100, WHOLE, ("ok", [(40, 100)])),  # suffixes count clamped
    ("bytes=-500,0-0", 100, WHOLE, ("ok", [(0, 100)])),
    ("bytes=" + ",".join(["0-"] * 99), 2**63 - 1, WHOLE, ("ok", [(0, 2**63 - 1)])),
    ("bytes=" + ",".join(["1-2"] * 99) + " " * 100_000, 100, WHOLE, ("ok", [(1, 3)])),
]


@pytest.mark.parametrize(("header", "size", "expected", "starlettes"), DIFFERENCES)
def test_parse_range_differences(
    ranges_impl: ModuleType, header: str, size: int, expected: Outcome, starlettes: Outcome
) -> None:
    assert timed(ranges_impl, header, size) == expected
    assert starlette_outcome(header, size) == starlettes


@pytest.mark.parametrize(
    ("header", "size", "expected"),
    [
        ("items=0-1,2-3", 100, WHOLE),
        ("bytes=0-0,0-0,200-", 100, ("416", 100)),  # 416 wins over the length rule
        ("bytes=0-99,5-3", 100, INVERTED),  # and so does 400
        ("bytes=0-99,0-99", 2**63 - 1, ("ok", [(0, 100)])),
        ("bytes=0-,1-", 2**63 - 1, WHOLE),  # no overflow summing 63-bit lengths
        ("bytes=0-" + "9" * 30 + ",1-", 2**63 - 1, WHOLE),
        ("bytes=" + ",".join(["0-"] * 99), 2**63 + 1, WHOLE),  # past 64 bits: the pure twin
    ],
)
def test_ignored_headers(
    ranges_impl: ModuleType, header: str, size: int, expected: Outcome
) -> None:
    assert timed(ranges_impl, header, size) == expected


@pytest.mark.parametrize(("header", "size", "expected"), CASES)
def test_parse_range(ranges_impl: ModuleType, header: str, size: int, expected: Outcome) -> None:
    assert outcome(ranges_impl, header, size) == expected


@pytest.mark.parametrize(("header", "size", "expected"), CASES)
def test_cases_are_starlettes_answers(header: str, size: int, expected: Outcome) -> None:
    assert starlette_outcome(header, size) == expected


@pytest.mark.parametrize(
    ("commas", "max_ranges", "expected"),
    [(99, 100, "ranges"), (100, 100, "whole"), (0, 1, "ranges"), (1, 1, "whole"), (0, 0, "whole")],
)
def test_max_ranges_counts_commas(
    ranges_impl: ModuleType, commas: int, max_ranges: int, expected: str
) -> None:
    header = "bytes=0-0" + ",".join([""] * (commas + 1))  # empty parts count too
    assert header.count(",") == commas
    result = ranges_impl.parse_range(header, 10, max_ranges)
    assert result == ([(0, 1)] if expected == "ranges" else [])
    assert starlette_outcome(header, 10, max_ranges) == ("ok", result)


def test_too_many_ranges_wins_over_errors(ranges_impl: ModuleType) -> None:
    header = "bytes=" + ",".join(["9-1"] * 101)
    assert ranges_impl.parse_range(header, 10, 100) == []


# --- hostile input: results only; time is guarded loosely against quadratic blowups ----


def timed(impl: ModuleType, header: str, size: int, max_ranges: int = 100) -> Outcome:
    began = time.thread_time()  # NOTE: CPU time: a busy machine does not count
    result = outcome(impl, header, size, max_ranges)
    # NOTE: ~16 ms for 10,000 ranges and well under 1 ms for 100 KB of whitespace
    # (pure twin, this VM); the bound only catches a quadratic parse.
    assert time.thread_time() - began < 1.0
    return result


def test_ten_thousand_ranges(ranges_impl: ModuleType) -> None:
    header = "bytes=" + ",".join(f"{i * 3}-{i * 3 + 1}" for i in range(10_000))
    assert timed(ranges_impl, header, 10**9) == ("ok", [])
    expected = [(i * 3, i * 3 + 2) for i in range(10_000)]
    assert timed(ranges_impl, header, 10**9, 20_000) == ("ok", expected)


def test_ten_thousand_overlapping_ranges_reversed(ranges_impl: ModuleType) -> None:
    header = "bytes=" + ",".join(f"{i}-{i + 5}" for i in reversed(range(10_000)))
    assert timed(ranges_impl, header, 10**9, 20_000) == ("ok", [(0, 10_005)])


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("bytes=" + " " * 100_000, NO_RANGE),
        ("bytes=1" + " " * 100_000 + "-2", ("ok", [(1, 3)])),
        (" " * 100_000 + "bytes=1-2", ("ok", [(1, 3)])),
        ("bytes=" + "-" * 100_000, NO_RANGE),
        ("bytes=" + "9" * 100_000, NO_RANGE),
        ("bytes=" + "1-" * 50_000, NO_RANGE),
        ("bytes=" + ",".join(["1" * 4000 + "-"] * 99), ("416", 100)),
        ("bytes=" + "=" * 100_000, NO_RANGE),
        ("bytes=" + ",".join(["1-1"] * 99) + " " * 100_000, ("ok", [(1, 2)])),
    ],
)
def test_100kb_headers(ranges_impl: ModuleType, header: str, expected: Outcome) -> None:
    assert timed(ranges_impl, header, 100) == expected
    assert starlette_outcome(header, 100) == expected


def test_huge_numbers(ranges_impl: ModuleType) -> None:
    big = 10**4000
    assert timed(ranges_impl, f"bytes={big}-", 100) == ("416", 100)
    assert timed(ranges_impl, f"bytes=0-{big}", 100) == ("ok", [(0, 100)])
    assert timed(ranges_impl, f"bytes=-{big}", 100) == ("ok", [(0, 100)])
    assert timed(ranges_impl, f"bytes=0-{big}", big * 10) == ("ok", [(0, big + 1)])


@pytest.mark.skipif(not hasattr(sys, "set_int_max_str_digits"), reason="no int digit limit")
def test_int_digit_limit_is_respected(ranges_impl: ModuleType) -> None:
    header = "bytes=" + "1" * 5000 + "-"
    assert outcome(ranges_impl, header, 100) == NO_RANGE
    limit = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(0)
    try:
        assert outcome(ranges_impl, header, 100) == ("416", 100) == starlette_outcome(header, 100)
    finally:
        sys.set_int_max_str_digits(limit)


# --- differential: Starlette's parser on generated headers ------------------------------


def rfc_outcome(header: str, size: int, max_ranges: int = 100) -> Outcome:
    """Starlette's answer, but for the cases fastresp ignores (see DIFFERENCES)."""
    answer = starlette_outcome(header, size, max_ranges)
    if answer == NOT_BYTES:
        return WHOLE
    if answer[0] == "ok" and answer[1]:
        asked = starlette.responses.FileResponse._parse_ranges(header.split("=", 1)[1], size)
        if len(asked) > 1 and sum(end - start for start, end in asked) > size:
            return WHOLE
    return answer


PIECES = [*"0123456789-,= \t", "bytes", "BYTES", "+", "_", "\xa0", "\u0663", "x", "W/", "9" * 20]
headers = st.one_of(
    st.builds(
        "".join,
        st.tuples(
            st.sampled_from(["bytes=", " Bytes =", "", "items=", "bytes=-"]),
            st.lists(st.sampled_from(PIECES), max_size=30).map("".join),
        ),
    ),
    st.text(max_size=40),
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    header=headers,
    size=st.integers(0, 300) | st.integers(0, 2**70),
    max_ranges=st.integers(0, 8) | st.just(100),
)
def test_parse_range_matches_starlette(
    ranges_impl: ModuleType, header: str, size: int, max_ranges: int
) -> None:
    assert outcome(ranges_impl, header, size, max_ranges) == rfc_outcome(header, size, max_ranges)


number = st.integers(0, 120).map(str) | st.just("") | st.just("9" * 25)
range_lists = st.lists(st.tuples(number, number), min_size=1, max_size=12).map(
    lambda parts: "bytes=" + ",".join(f"{a}-{b}" for a, b in parts)
)


@settings(max_examples=400, deadline=None)
@given(header=range_lists, size=st.integers(0, 130), max_ranges=st.integers(1, 12))
def test_range_lists_match_starlette(
    ranges_impl: ModuleType, header: str, size: int, max_ranges: int
) -> None:
    assert outcome(ranges_impl, header, size, max_ranges) == rfc_outcome(header, size, max_ranges)


@settings(max_examples=300, deadline=None)
@given(
    header=range_lists | headers,
    size=st.integers(0, 130) | st.integers(2**62, 2**64),
    max_ranges=st.integers(0, 12) | st.just(100),
)
def test_twins_agree(header: str, size: int, max_ranges: int) -> None:
    import fastresp._ranges_py as pure

    compiled = pytest.importorskip("fastresp._ranges_c")
    assert outcome(compiled, header, size, max_ranges) == outcome(pure, header, size, max_ranges)


# --- framing ------------------------------------------------------------------------------


def test_content_range(ranges_impl: ModuleType) -> None:
    assert ranges_impl.content_range(0, 10, 100) == "bytes 0-9/100"
    assert ranges_impl.content_range(99, 100, 100) == "bytes 99-99/100"
    assert ranges_impl.content_range(2**63, 2**63 + 1, 2**64) == f"bytes {2**63}-{2**63}/{2**64}"


def test_multipart_header(ranges_impl: ModuleType) -> None:
    assert ranges_impl.multipart_header("b0undary", "text/plain; charset=utf-8", 5, 10, 1234) == (
        b"--b0undary\r\nContent-Type: text/plain; charset=utf-8\r\n"
        b"Content-Range: bytes 5-9/1234\r\n\r\n"
    )
    assert ranges_impl.multipart_header("b", "t/\xe9", 0, 1, 1).endswith(b"bytes 0-0/1\r\n\r\n")
    with pytest.raises(UnicodeEncodeError):
        ranges_impl.multipart_header("b", "t/\u2713", 0, 1, 1)


@pytest.mark.parametrize(
    "ranges",
    [
        [(0, 1), (2, 3)],
        [(0, 10), (99, 100)],
        [(9, 10**12), (10**12 + 1, 10**13)],
        [(i * 10, i * 10 + 3) for i in range(100)],
    ],
)
@pytest.mark.parametrize("content_type", ["application/octet-stream", "text/x; charset=\xe9"])
def test_multipart_length_is_exact(
    ranges_impl: ModuleType, ranges: list[tuple[int, int]], content_type: str
) -> None:
    size = 10**13
    boundary = "0123456789abcdef0123456789"
    framing = (
        b"".join(
            ranges_impl.multipart_header(boundary, content_type, start, end, size) + b"\r\n"
            for start, end in ranges
        )
        + f"--{boundary}--".encode()
    )
    data = sum(end - start for start, end in ranges)
    assert ranges_impl.multipart_length(ranges, boundary, content_type, size) == len(framing) + data
    length, _ = starlette.responses.FileResponse.generate_multipart(
        None,  # type: ignore[arg-type]
        ranges,
        boundary,
        size,
        content_type,
    )
    assert length == len(framing) + data


def test_multipart_length_of_nothing(ranges_impl: ModuleType) -> None:
    assert ranges_impl.multipart_length([], "abc", "t/x", 5) == len("--abc--")


def test_twin_api(ranges_impl: ModuleType) -> None:
    assert sorted(ranges_impl.__all__) == [
        "content_range",
        "multipart_header",
        "multipart_length",
        "parse_range",
    ]
