"""RFC 9110 §13 preconditions (`fastresp._conditional`): pure Python, same on both paths."""

import calendar
import functools
import itertools
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fastresp._conditional import evaluate, not_modified_headers, parse_http_date

Headers = list[tuple[bytes, bytes]]

ETAG = b'"abc"'
WEAK_ETAG = b'W/"abc"'
LAST_MODIFIED = b"Sun, 06 Nov 1994 08:49:37 GMT"
LAST_MODIFIED_TS = 784111777
BEFORE = b"Sat, 05 Nov 1994 08:49:37 GMT"
SECOND_BEFORE = b"Sun, 06 Nov 1994 08:49:36 GMT"
AFTER = b"Mon, 07 Nov 1994 08:49:37 GMT"
FUTURE = b"Fri, 01 Jan 2100 00:00:00 GMT"
BEFORE_RFC850 = b"Saturday, 05-Nov-94 08:49:37 GMT"
BEFORE_ASCTIME = b"Sat Nov  5 08:49:37 1994"
SAME_RFC850 = b"Sunday, 06-Nov-94 08:49:37 GMT"
SAME_ASCTIME = b"Sun Nov  6 08:49:37 1994"

IM, INM = b"if-match", b"if-none-match"
IMS, IUS = b"if-modified-since", b"if-unmodified-since"
NOISE: Headers = [(b"host", b"example.com"), (b"accept", b"*/*"), (b"if-range", ETAG)]

# (method, request headers, response etag, response last-modified, expected)
Case = tuple[str, Headers, bytes | None, bytes | None, int]
CASES: dict[str, Case] = {
    # No precondition: one scan, 200.
    "none": ("GET", [], ETAG, LAST_MODIFIED, 200),
    "unrelated fields": ("GET", NOISE, ETAG, LAST_MODIFIED, 200),
    # §13.2.1: methods that select no representation ignore preconditions.
    "OPTIONS ignores all": ("OPTIONS", [(IM, b'"x"'), (INM, ETAG)], ETAG, None, 200),
    "TRACE ignores all": ("TRACE", [(IUS, BEFORE)], ETAG, LAST_MODIFIED, 200),
    "CONNECT ignores all": ("CONNECT", [(INM, b"*")], ETAG, LAST_MODIFIED, 200),
    # Step 1: If-Match, strong comparison (§13.1.1).
    "if-match equal": ("GET", [(IM, ETAG)], ETAG, LAST_MODIFIED, 200),
    "if-match differs": ("GET", [(IM, b'"xyz"')], ETAG, LAST_MODIFIED, 412),
    "if-match list": ("GET", [(IM, b'"xyz", "abc"')], ETAG, LAST_MODIFIED, 200),
    "if-match list no space": ("GET", [(IM, b'"xyz","abc"')], ETAG, LAST_MODIFIED, 200),
    "if-match over two lines": (
        "GET",
        [(IM, b'"xyz"'), *NOISE, (IM, b'"abc"')],
        ETAG,
        LAST_MODIFIED,
        200,
    ),
    "if-match none on any line": (
        "GET",
        [(IM, b'"xyz"'), (IM, b'"uvw"')],
        ETAG,
        LAST_MODIFIED,
        412,
    ),
    "if-match weak request tag": ("GET", [(IM, WEAK_ETAG)], ETAG, LAST_MODIFIED, 412),
    "if-match weak response tag": ("GET", [(IM, ETAG)], WEAK_ETAG, LAST_MODIFIED, 412),
    "if-match both weak": ("GET", [(IM, WEAK_ETAG)], WEAK_ETAG, LAST_MODIFIED, 412),
    "if-match star": ("GET", [(IM, b"*")], ETAG, LAST_MODIFIED, 200),
    "if-match star, weak etag": ("GET", [(IM, b"*")], WEAK_ETAG, LAST_MODIFIED, 200),
    "if-match star, no etag": ("GET", [(IM, b"*")], None, LAST_MODIFIED, 200),
    "if-match star on 2nd line": ("GET", [(IM, b'"x"'), (IM, b"*")], ETAG, None, 200),
    "if-match, no etag": ("GET", [(IM, ETAG)], None, LAST_MODIFIED, 412),
    "if-match, invalid etag": ("GET", [(IM, b"abc")], b"abc", LAST_MODIFIED, 412),
    "if-match quoted star": ("GET", [(IM, b'"*"')], ETAG, LAST_MODIFIED, 412),
    "if-match comma in tag": ("GET", [(IM, b'"a,b"')], b'"a,b"', None, 200),
    "if-match comma splits no tag": ("GET", [(IM, b'"a,b"')], b'"a"', None, 412),
    "if-match prefix only": ("GET", [(IM, b'"abcd"')], ETAG, None, 412),
    "if-match lowercase w": ("GET", [(IM, b'w/"abc"')], ETAG, None, 200),
    "if-match garbage": ("GET", [(IM, b"garbage")], ETAG, LAST_MODIFIED, 412),
    "if-match garbage then tag": ("GET", [(IM, b'foo, "abc"')], ETAG, None, 200),
    "if-match quote pairing": ("GET", [(IM, b'"x"abc""abc"')], ETAG, None, 412),
    "if-match W/ in a tag": ("GET", [(IM, b'"W/"abc"')], ETAG, None, 412),
    "if-match unterminated": ("GET", [(IM, b'"abc')], ETAG, None, 412),
    "if-match blank": ("GET", [(IM, b"")], ETAG, LAST_MODIFIED, 200),
    "if-match whitespace": ("GET", [(IM, b" \t ")], ETAG, LAST_MODIFIED, 200),
    "if-match OWS around": ("GET", [(IM, b' \t"abc" ')], ETAG, LAST_MODIFIED, 200),
    "if-match on PUT": ("PUT", [(IM, b'"xyz"')], ETAG, LAST_MODIFIED, 412),
    "if-match ok on DELETE": ("DELETE", [(IM, ETAG)], ETAG, LAST_MODIFIED, 200),
    # Step 2: If-Unmodified-Since (§13.1.4).
    "ius same": ("GET", [(IUS, LAST_MODIFIED)], ETAG, LAST_MODIFIED, 200),
    "ius later": ("GET", [(IUS, AFTER)], ETAG, LAST_MODIFIED, 200),
    "ius earlier": ("GET", [(IUS, BEFORE)], ETAG, LAST_MODIFIED, 412),
    "ius one second earlier": ("GET", [(IUS, SECOND_BEFORE)], ETAG, LAST_MODIFIED, 412),
    "ius rfc850 earlier": ("GET", [(IUS, BEFORE_RFC850)], ETAG, LAST_MODIFIED, 412),
    "ius asctime earlier": ("GET", [(IUS, BEFORE_ASCTIME)], ETAG, LAST_MODIFIED, 412),
    "ius future": ("POST", [(IUS, FUTURE)], ETAG, LAST_MODIFIED, 200),
    "ius unparseable": ("GET", [(IUS, b"yesterday")], ETAG, LAST_MODIFIED, 200),
    "ius two members": ("GET", [(IUS, BEFORE), (IUS, BEFORE)], ETAG, LAST_MODIFIED, 200),
    "ius list on one line": ("GET", [(IUS, BEFORE + b", " + BEFORE)], ETAG, LAST_MODIFIED, 200),
    "ius no last-modified": ("GET", [(IUS, BEFORE)], ETAG, None, 200),
    "ius bad last-modified": ("GET", [(IUS, BEFORE)], ETAG, b"1994-11-06", 200),
    "ius on POST": ("POST", [(IUS, BEFORE)], ETAG, LAST_MODIFIED, 412),
    # If-Match wins over If-Unmodified-Since.
    "if-match beats ius": ("GET", [(IUS, BEFORE), (IM, ETAG)], ETAG, LAST_MODIFIED, 200),
    "failed if-match, ius ok": ("GET", [(IM, b'"x"'), (IUS, AFTER)], ETAG, LAST_MODIFIED, 412),
    "blank if-match, ius": ("GET", [(IM, b""), (IUS, BEFORE)], ETAG, LAST_MODIFIED, 412),
    # Step 3: If-None-Match, weak comparison (§13.1.2).
    "inm equal GET": ("GET", [(INM, ETAG)], ETAG, LAST_MODIFIED, 304),
    "inm equal HEAD": ("HEAD", [(INM, ETAG)], ETAG, LAST_MODIFIED, 304),
    "inm equal POST": ("POST", [(INM, ETAG)], ETAG, LAST_MODIFIED, 412),
    "inm equal PUT": ("PUT", [(INM, ETAG)], ETAG, LAST_MODIFIED, 412),
    "inm lowercase method": ("get", [(INM, ETAG)], ETAG, LAST_MODIFIED, 412),
    "inm differs": ("GET", [(INM, b'"xyz"')], ETAG, LAST_MODIFIED, 200),
    "inm differs POST": ("POST", [(INM, b'"xyz"')], ETAG, LAST_MODIFIED, 200),
    "inm weak request": ("GET", [(INM, WEAK_ETAG)], ETAG, LAST_MODIFIED, 304),
    "inm weak response": ("GET", [(INM, ETAG)], WEAK_ETAG, LAST_MODIFIED, 304),
    "inm both weak": ("GET", [(INM, WEAK_ETAG)], WEAK_ETAG, LAST_MODIFIED, 304),
    "inm list": ("GET", [(INM, b'"x", W/"y", W/"abc"')], ETAG, LAST_MODIFIED, 304),
    "inm over lines": ("GET", [(INM, b'"x"'), *NOISE, (INM, b'"abc"')], ETAG, None, 304),
    "inm star": ("GET", [(INM, b"*")], ETAG, LAST_MODIFIED, 304),
    "inm star, no validators": ("GET", [(INM, b"*")], None, None, 304),
    "inm star POST": ("POST", [(INM, b"*")], ETAG, LAST_MODIFIED, 412),
    "inm no etag": ("GET", [(INM, ETAG)], None, LAST_MODIFIED, 200),
    "inm comma in tag": ("GET", [(INM, b'"a,b"')], b'"a,b"', None, 304),
    "inm comma in tag, no split": ("GET", [(INM, b'"a,b"')], b'"b"', None, 200),
    "inm space in tag is invalid": ("GET", [(INM, b'"a b"')], b'"a b"', None, 200),
    "inm garbage": ("GET", [(INM, b"abc")], ETAG, LAST_MODIFIED, 200),
    "inm blank": ("GET", [(INM, b"")], ETAG, LAST_MODIFIED, 200),
    # If-None-Match wins over If-Modified-Since, whichever way each would go.
    "inm miss beats ims": ("GET", [(INM, b'"x"'), (IMS, AFTER)], ETAG, LAST_MODIFIED, 200),
    "inm hit beats ims": ("GET", [(IMS, BEFORE), (INM, ETAG)], ETAG, LAST_MODIFIED, 304),
    "blank inm, ims": ("GET", [(INM, b" "), (IMS, AFTER)], ETAG, LAST_MODIFIED, 304),
    # Step 1/2 failures win over step 3.
    "if-match fails before inm": ("GET", [(INM, ETAG), (IM, b'"x"')], ETAG, None, 412),
    "ius fails before inm": ("GET", [(INM, ETAG), (IUS, BEFORE)], ETAG, LAST_MODIFIED, 412),
    "if-match ok then inm": ("GET", [(IM, ETAG), (INM, ETAG)], ETAG, LAST_MODIFIED, 304),
    "both stars": ("GET", [(IM, b"*"), (INM, b"*")], ETAG, LAST_MODIFIED, 304),
    "if-match ok then ims": ("GET", [(IM, ETAG), (IMS, AFTER)], ETAG, LAST_MODIFIED, 304),
    # Step 4: If-Modified-Since (§13.1.3).
    "ims same": ("GET", [(IMS, LAST_MODIFIED)], ETAG, LAST_MODIFIED, 304),
    "ims later": ("GET", [(IMS, AFTER)], ETAG, LAST_MODIFIED, 304),
    "ims future": ("GET", [(IMS, FUTURE)], ETAG, LAST_MODIFIED, 304),
    "ims earlier": ("GET", [(IMS, BEFORE)], ETAG, LAST_MODIFIED, 200),
    "ims one second earlier": ("GET", [(IMS, SECOND_BEFORE)], ETAG, LAST_MODIFIED, 200),
    "ims HEAD": ("HEAD", [(IMS, LAST_MODIFIED)], ETAG, LAST_MODIFIED, 304),
    "ims POST ignored": ("POST", [(IMS, AFTER)], ETAG, LAST_MODIFIED, 200),
    "ims rfc850 same": ("GET", [(IMS, SAME_RFC850)], ETAG, LAST_MODIFIED, 304),
    "ims rfc850 earlier": ("GET", [(IMS, BEFORE_RFC850)], ETAG, LAST_MODIFIED, 200),
    "ims asctime same": ("GET", [(IMS, SAME_ASCTIME)], ETAG, LAST_MODIFIED, 304),
    "ims asctime earlier": ("GET", [(IMS, BEFORE_ASCTIME)], ETAG, LAST_MODIFIED, 200),
    "ims asctime last-modified": ("GET", [(IMS, LAST_MODIFIED)], ETAG, SAME_ASCTIME, 304),
    "ims OWS around": ("GET", [(IMS, b" " + AFTER + b"\t")], ETAG, LAST_MODIFIED, 304),
    "ims unparseable": ("GET", [(IMS, b"Sun, 06 Nov 1994 08:49:37 UTC")], ETAG, LAST_MODIFIED, 200),
    "ims lowercase": ("GET", [(IMS, AFTER.lower())], ETAG, LAST_MODIFIED, 200),
    "ims two members": ("GET", [(IMS, AFTER), (IMS, AFTER)], ETAG, LAST_MODIFIED, 200),
    "ims list on one line": ("GET", [(IMS, AFTER + b", " + AFTER)], ETAG, LAST_MODIFIED, 200),
    "ims blank line ignored": ("GET", [(IMS, b""), (IMS, AFTER)], ETAG, LAST_MODIFIED, 304),
    "ims no last-modified": ("GET", [(IMS, AFTER)], ETAG, None, 200),
    "ims bad last-modified": ("GET", [(IMS, AFTER)], ETAG, b"06 Nov 1994", 200),
    "ims no etag": ("GET", [(IMS, AFTER)], None, LAST_MODIFIED, 304),
    # Both date fields: If-Unmodified-Since passes, then If-Modified-Since decides.
    "ius ok then ims": ("GET", [(IUS, AFTER), (IMS, AFTER)], ETAG, LAST_MODIFIED, 304),
}


@pytest.mark.parametrize(
    ("method", "headers", "etag", "modified", "expected"), CASES.values(), ids=list(CASES)
)
def test_evaluate(
    method: str, headers: Headers, etag: bytes | None, modified: bytes | None, expected: int
) -> None:
    assert evaluate(method, headers, etag, modified) == expected


def test_evaluate_accepts_a_tuple_of_headers() -> None:
    assert evaluate("GET", ((INM, ETAG),), ETAG, None) == 304


# --- HTTP-date parsing (RFC 9110 §5.6.7) ---------------------------------------------

VALID_DATES = {
    b"Sun, 06 Nov 1994 08:49:37 GMT": LAST_MODIFIED_TS,
    b"Sunday, 06-Nov-94 08:49:37 GMT": LAST_MODIFIED_TS,
    b"Sun Nov  6 08:49:37 1994": LAST_MODIFIED_TS,
    b"Sun Nov 06 08:49:37 1994": LAST_MODIFIED_TS,
    b"Thu, 01 Jan 1970 00:00:00 GMT": 0,
    b"Wed, 31 Dec 1969 23:59:59 GMT": -1,
    b"Tue, 29 Feb 2000 12:00:00 GMT": 951825600,
    b"Fri, 31 Dec 9999 23:59:59 GMT": 253402300799,
    b"Sat, 01 Jan 0000 00:00:00 GMT": -62167219200,
    # Day names are checked for syntax only: 1994-11-06 was a Sunday.
    b"Mon, 06 Nov 1994 08:49:37 GMT": LAST_MODIFIED_TS,
    # A leap second is the next minute's second 0.
    b"Sat, 31 Dec 2016 23:59:60 GMT": 1483228800,
}

INVALID_DATES = [
    b"",
    b"Sun, 06 Nov 1994 08:49:37 UTC",
    b"Sun, 06 Nov 1994 08:49:37 gmt",
    b"sun, 06 Nov 1994 08:49:37 GMT",
    b"Sun, 06 nov 1994 08:49:37 GMT",
    b"Foo, 06 Nov 1994 08:49:37 GMT",
    b"Sun, 06 Nox 1994 08:49:37 GMT",
    b"Sun, 6 Nov 1994 08:49:37 GMT",
    b"Sun,  6 Nov 1994 08:49:37 GMT",
    b"Sun, 06 Nov 94 08:49:37 GMT",
    b"Sun, 06 Nov 1994 8:49:37 GMT",
    b"Sun, 06 Nov 1994 08:49:37 GMT ",
    b" Sun, 06 Nov 1994 08:49:37 GMT",
    b"Sun, 06 Nov 1994 08:49:37",
    b"Sun, 06 Nov 1994 08-49-37 GMT",
    b"Sun, 06 Nov 1994 24:00:00 GMT",
    b"Sun, 06 Nov 1994 08:60:37 GMT",
    b"Sun, 06 Nov 1994 08:49:61 GMT",
    b"Sun, 00 Nov 1994 08:49:37 GMT",
    b"Sun, 31 Nov 1994 08:49:37 GMT",
    b"Sun, 30 Feb 2000 08:49:37 GMT",
    b"Sun, 29 Feb 1900 08:49:37 GMT",
    b"Sun, 29 Feb 1999 08:49:37 GMT",
    b"Sun, +6 Nov 1994 08:49:37 GMT",
    b"Sun, 06 Nov 1_94 08:49:37 GMT",
    b"Sun, 06 Nov \xd9\xa1994 08:49:37 GMT",  # an Arabic-Indic digit
    b"Sun, 06 Nov 1994 08:49:37 GMT".replace(b" ", b"\t"),
    b"Sunday, 06 Nov 1994 08:49:37 GMT",
    b"Sun, 06-Nov-94 08:49:37 GMT",
    b"Sunday, 06-Nov-1994 08:49:37 GMT",
    b"Sunday, 06-Nov-94 08:49:37 UTC",
    b"Sunday, 6-Nov-94 08:49:37 GMT",
    b"Sunday, 06 Nov 94 08:49:37 GMT",
    b"Sunday, 06-Nov-9x 08:49:37 GMT",
    b"Funday, 06-Nov-94 08:49:37 GMT",
    b"Sun Nov  6 08:49:37 94",
    b"Sun Nov 6 08:49:37 1994",
    b"Sun Nov  6 08:49:37 1994 GMT",
    b"Sun Nov _6 08:49:37 1994",
    b"Sun, Nov  6 08:49:37 1994",
    b"1994-11-06T08:49:37Z",
    b"784111777",
    b"Sun, 06 Nov 1994 08:49:37 GMT, Sun, 06 Nov 1994 08:49:37 GMT",
]


@pytest.mark.parametrize(("value", "expected"), VALID_DATES.items())
def test_parse_http_date_valid(value: bytes, expected: int) -> None:
    assert parse_http_date(value) == expected


@pytest.mark.parametrize("value", INVALID_DATES)
def test_parse_http_date_invalid(value: bytes) -> None:
    assert parse_http_date(value) is None


@pytest.mark.parametrize("this_year", [2026, 2049, 2050, 2090, 2099, 2100])
def test_rfc850_two_digit_year_window(monkeypatch: pytest.MonkeyPatch, this_year: int) -> None:
    """§5.6.7: a year more than 50 years ahead is the most recent past one with those digits."""
    now = time.struct_time((this_year, 6, 1, 0, 0, 0, 0, 152, 0))
    monkeypatch.setattr(time, "gmtime", lambda *_: now)
    for offset in range(-49, 51):
        year = this_year + offset
        value = b"Friday, 01-Jan-%02d 00:00:00 GMT" % (year % 100)
        assert parse_http_date(value) == calendar.timegm((year, 1, 1, 0, 0, 0)), offset


utc_seconds = st.datetimes(
    min_value=datetime(100, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59)
).map(lambda dt: dt.replace(microsecond=0, tzinfo=UTC))


@given(moment=utc_seconds)
def test_imf_fixdate_agrees_with_email_utils(moment: datetime) -> None:
    value = format_datetime(moment, usegmt=True)
    expected = int(parsedate_to_datetime(value).timestamp())
    assert parse_http_date(value.encode()) == expected == int(moment.timestamp())


@given(moment=utc_seconds)
def test_asctime_agrees_with_imf_fixdate(moment: datetime) -> None:
    day, month = moment.strftime("%a"), moment.strftime("%b")
    clock = f"{moment.hour:02}:{moment.minute:02}:{moment.second:02}"
    asctime = f"{day} {month} {moment.day:2} {clock} {moment.year:04}".encode()
    assert parse_http_date(asctime) == int(moment.timestamp())


@given(offset=st.integers(-49 * 365 * 86400, 49 * 365 * 86400))
def test_rfc850_agrees_with_imf_fixdate(offset: int) -> None:
    moment = datetime.fromtimestamp(time.time() + offset, UTC).replace(microsecond=0)
    value = moment.strftime("%A, %d-%b-%y %H:%M:%S GMT").encode()
    assert parse_http_date(value) == int(moment.timestamp())


def _mutations() -> st.SearchStrategy[bytes]:
    """Valid dates of the three forms with one byte changed, dropped or added."""
    valid = st.sampled_from(list(VALID_DATES))

    def mutate(value: bytes, index: int, byte: int, kind: int) -> bytes:
        index %= len(value) + 1
        if kind == 0:
            return value[:index] + bytes([byte]) + value[index + 1 :]
        if kind == 1:
            return value[:index] + value[index + 1 :]
        return value[:index] + bytes([byte]) + value[index:]

    return st.builds(mutate, valid, st.integers(0, 40), st.integers(0, 255), st.integers(0, 2))


@given(value=st.binary(max_size=64) | _mutations())
def test_parse_http_date_never_raises(value: bytes) -> None:
    result = parse_http_date(value)
    assert result is None or isinstance(result, int)
    if result is not None:  # whatever it accepts is a real instant in years 0-9999
        assert -62167219200 <= result <= 253402300799


# --- evaluate never raises -------------------------------------------------------------

field_names = st.sampled_from([IM, INM, IMS, IUS, b"if-range", b"host", b"If-Match", b""])
field_values = (
    st.binary(max_size=80)
    | _mutations()
    | st.lists(st.sampled_from([b'"abc"', b'W/"abc"', b"*", b",", b" ", b'"', b"W/", b"x"])).map(
        b"".join
    )
)


@given(
    method=st.sampled_from(["GET", "HEAD", "POST", "PUT", "get", ""]),
    headers=st.lists(st.tuples(field_names, field_values), max_size=8),
    etag=st.none() | st.sampled_from([ETAG, WEAK_ETAG, b"abc", b'"', b""]) | st.binary(max_size=12),
    modified=st.none() | st.sampled_from(list(VALID_DATES)) | st.binary(max_size=32),
)
def test_evaluate_never_raises(
    method: str, headers: Headers, etag: bytes | None, modified: bytes | None
) -> None:
    assert evaluate(method, headers, etag, modified) in (200, 304, 412)


# --- entity-tag lists against a character-by-character reference ----------------------


def reference_match(lines: list[bytes], etag: bytes | None, *, strong: bool) -> bool:
    """The obvious parser: quotes pair left to right; `W/` right before one marks it weak."""
    if any(line == b"*" for line in lines):
        return True
    if etag is None or not re.fullmatch(rb'(W/)?"[\x21\x23-\x7e\x80-\xff]*"', etag):
        return False
    weak = etag.startswith(b"W/")
    opaque = etag[2:] if weak else etag
    for line in lines:
        opening = None
        for index, byte in enumerate(line):
            if byte != ord('"'):
                continue
            if opening is None:
                opening = index
                continue
            tag_weak = line[max(opening - 2, 0) : opening] == b"W/"
            if line[opening : index + 1] == opaque and not (strong and (weak or tag_weak)):
                return True
            opening = None
    return False


etag_lines = st.lists(
    st.sampled_from([b'"', b"W/", b"W", b"/", b"a", b"b", b",", b" ", b"*", b'"a"', b'"a,b"']),
    max_size=12,
).map(b"".join)
response_etags = st.sampled_from(
    [b'"a"', b'W/"a"', b'"a,b"', b'""', b'W/""', b'"ab"', b"a", b'"a b"', b'"a"b"', b'"\x80"']
)


@given(lines=st.lists(etag_lines, min_size=1, max_size=3), etag=st.none() | response_etags)
def test_entity_tag_matching_agrees_with_reference(lines: list[bytes], etag: bytes | None) -> None:
    members = [line.strip(b" \t") for line in lines]
    members = [line for line in members if line]  # blank lines state nothing
    passes = not members or reference_match(members, etag, strong=True)
    assert evaluate("GET", [(IM, line) for line in lines], etag, None) == (200 if passes else 412)
    matches = bool(members) and reference_match(members, etag, strong=False)
    assert evaluate("GET", [(INM, line) for line in lines], etag, None) == (304 if matches else 200)


valid_tags = st.builds(
    lambda weak, opaque: (b"W/" if weak else b"") + b'"' + opaque + b'"',
    st.booleans(),
    st.sampled_from([b"", b"a", b"abc", b"a,b", b"x\x80y", b"*"]),
)


@given(
    tags=st.lists(valid_tags, min_size=1, max_size=6),
    cuts=st.sets(st.integers(1, 5)),
    etag=response_etags,
    field=st.sampled_from([IM, INM]),
)
def test_list_over_several_lines_equals_one_line(
    tags: list[bytes], cuts: set[int], etag: bytes, field: bytes
) -> None:
    """RFC 9110 §5.3: field lines combine into one comma-separated list."""
    bounds = [0, *sorted(cut for cut in cuts if cut < len(tags)), len(tags)]
    lines = [(field, b", ".join(tags[a:b])) for a, b in itertools.pairwise(bounds)]
    combined = [(field, b", ".join(tags))]
    assert evaluate("GET", lines, etag, None) == evaluate("GET", combined, etag, None)


# --- hostile entity-tag lists: linear time -----------------------------------------------

HOSTILE = {
    "10k commas": b"," * 10_000 + b'"abc"',
    "100KB commas": b"," * 100_000 + b'"abc"',
    "100KB spaces": b" " * 100_000 + b'"abc"',
    "unterminated quote": b'"' + b"a" * 100_000 + b'"abc',
    "100KB quotes": b'"' * 100_001 + b"abc",
    "W/ repeated": b"W/" * 50_000 + b'"abc"',
    "W/ quote repeated": b'W/"' * 33_000 + b'abc"',
    "tags repeated": b'"abc",' * 17_000,
    "near misses": b'"abcd", ' * 12_500 + b'"abc"',
    "10k empty tags": b'"",' * 10_000,
    "nested quotes": b'"a"b"c"' * 14_000,
    "hits inside other tags": b'"x' + b'"abc"' * 20_000,
    "weak hits": b'W/"abc",' * 12_500,
}


BOUND = 0.25  # seconds of CPU: ~15 ms is usual on a loaded 2-core VM


def best_time(call: Callable[[], object]) -> float:
    """This thread's CPU time for `call`, the least of three runs: a quadratic scan takes
    seconds on 100 KB; a busy machine (time spent descheduled) does not count."""
    timings = []
    for _ in range(3):
        started = time.thread_time()
        call()
        timings.append(time.thread_time() - started)
    return min(timings)


@pytest.mark.parametrize("value", HOSTILE.values(), ids=list(HOSTILE))
@pytest.mark.parametrize("field", [IM, INM])
def test_hostile_entity_tag_lists_are_linear(field: bytes, value: bytes) -> None:
    for headers in ([(field, value)], [(field, value[:1000])] * 100):
        for method in ("GET", "POST"):
            assert evaluate(method, headers, ETAG, LAST_MODIFIED) in (200, 304, 412)
            call = functools.partial(evaluate, method, headers, ETAG, LAST_MODIFIED)
            assert best_time(call) < BOUND


def test_many_conditional_lines_are_linear() -> None:
    headers = [(INM, b'"x"')] * 10_000 + [(IM, b'"y"')] * 10_000 + [(IMS, AFTER)] * 10_000
    assert evaluate("GET", headers, ETAG, LAST_MODIFIED) == 412
    assert evaluate("GET", headers[:10_000], ETAG, LAST_MODIFIED) == 200
    assert best_time(lambda: evaluate("GET", headers, ETAG, LAST_MODIFIED)) < BOUND


def test_hostile_date_is_cheap() -> None:
    headers = [(IMS, b"Sunday" + b", " * 50_000), (IUS, b"Sun, " * 25_000)]
    assert evaluate("GET", headers, ETAG, LAST_MODIFIED) == 200
    assert best_time(lambda: evaluate("GET", headers, ETAG, LAST_MODIFIED)) < BOUND


# --- 304 headers (RFC 9110 §15.4.5) -----------------------------------------------------


def test_not_modified_headers_keeps_validators_and_cache_fields() -> None:
    raw: Headers = [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"accept-ranges", b"bytes"),
        (b"last-modified", LAST_MODIFIED),
        (b"etag", ETAG),
        (b"content-length", b"1234"),
        (b"content-disposition", b'attachment; filename="a.txt"'),
        (b"cache-control", b"max-age=60"),
        (b"set-cookie", b"session=1; Path=/"),
        (b"vary", b"accept-encoding"),
        (b"content-encoding", b"gzip"),
        (b"content-language", b"en"),
        (b"content-location", b"/a.txt"),
        (b"expires", b"Thu, 01 Dec 1994 16:00:00 GMT"),
        (b"date", LAST_MODIFIED),
        (b"x-request-id", b"42"),
        (b"content-range", b"bytes 0-1/1234"),
        (b"transfer-encoding", b"chunked"),
        (b"set-cookie", b"other=2"),
        (b"Content-Length", b"1234"),
        (b"content-digest", b"sha-256=:x:"),
        (b"repr-digest", b"sha-256=:x:"),
    ]
    assert not_modified_headers(raw) == [
        (b"last-modified", LAST_MODIFIED),
        (b"etag", ETAG),
        (b"cache-control", b"max-age=60"),
        (b"set-cookie", b"session=1; Path=/"),
        (b"vary", b"accept-encoding"),
        (b"content-location", b"/a.txt"),
        (b"expires", b"Thu, 01 Dec 1994 16:00:00 GMT"),
        (b"date", LAST_MODIFIED),
        (b"x-request-id", b"42"),
        (b"set-cookie", b"other=2"),
    ]


def test_not_modified_headers_returns_a_new_list() -> None:
    raw: Headers = [(b"etag", ETAG), (b"content-length", b"3")]
    result = not_modified_headers(raw)
    assert result == [(b"etag", ETAG)] and result is not raw
    assert raw == [(b"etag", ETAG), (b"content-length", b"3")]
