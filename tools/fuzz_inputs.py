"""Hostile arguments for the kernel fuzzer (tools/fuzz.py), chosen by parameter name.

Every choice goes through a `Source`, so the same generators serve a seeded
`random.Random` (reproducible by seed and case number) and atheris' byte-driven
`FuzzedDataProvider` (coverage-guided). Loops are bounded by drawn counts, never by
"continue while lucky": an exhausted atheris input draws minimal values forever.
"""

import os
import stat
import tempfile
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, Protocol, TypeVar

T = TypeVar("T")


class Source(Protocol):
    def int(self, lo: int, hi: int) -> int: ...


def pick(src: Source, seq: Sequence[T]) -> T:
    return seq[src.int(0, len(seq) - 1)]


def chance(src: Source, percent: int) -> bool:
    return src.int(0, 99) < percent


class Text(str):
    """A str subclass whose str() is other text: checked text must be written text."""

    def __str__(self) -> str:
        return "sub\r\nclassed"


class Number(int):
    """An int subclass (IntEnum-like)."""


class Event:
    """The SSE `event_class`: items of this class encode themselves."""

    def __init__(self, payload: bytes) -> None:
        self.payload = payload

    def encode(self) -> bytes:
        return self.payload

    def __repr__(self) -> str:
        return f"Event({self.payload!r})"


class Unprintable:
    def __str__(self) -> str:
        raise RuntimeError("no str() for you")

    def __repr__(self) -> str:
        return "Unprintable()"


# --- text and numbers -------------------------------------------------------------------

ATOMS = (
    *'aZ09 \t\r\n\x00\x01\x0b\x1f\x7f;,=-/"\\%+_:*.',
    "\r\n",
    "bytes",
    "%0",
    "%41",
    "%zz",
    "\x85",
    "\xa0",
    "\xe9",
    "\xff",
    "\u0100",
    "\u0130",
    "\u212a",
    "\u2028",
    "\u3000",
    "\u0663",  # ARABIC-INDIC DIGIT THREE: int() accepts it
    "\U0001d7d8",  # MATHEMATICAL DOUBLE-STRUCK DIGIT ZERO
    "\U0001f36a",
    "\ud800",  # a lone surrogate: no encoding accepts it
)
BLOBS = (
    " " * 100_000,
    "\t" * 100_000,
    "9" * 5000,
    "0" * 4300,
    "-" * 10_000,
    "\xe9" * 10_000,
    "\u3000" * 10_000,
    "a\r\n" * 1000,
)
EDGES = (
    0, 1, -1, 2, 7, 255, 256, 65535, 65536, 2**31 - 1, 2**31, 2**32 - 1, 2**32, 2**53 + 1,
    2**62, 2**63 - 1, 2**63, 2**64 - 1, 2**64, -(2**31), -(2**63), -(2**63) - 1, -(2**64),
    10**30, 10**400,
)  # fmt: skip


# Printable ASCII only: the inputs most calls succeed on, so their values get compared.
PLAIN = tuple(a for a in ATOMS if len(a) == 1 and " " <= a < "\x7f" and a not in ';"\\')


def text(src: Source, max_atoms: int = 12) -> str:
    if chance(src, 3):
        return _atoms(src, 3) + pick(src, BLOBS) + _atoms(src, 3)
    return _atoms(src, max_atoms)


def _atoms(src: Source, max_atoms: int) -> str:
    atoms = PLAIN if chance(src, 50) else ATOMS
    return "".join(pick(src, atoms) for _ in range(src.int(0, max_atoms)))


def digits(src: Source) -> str:
    """A number as a client may write it: huge, signed, padded, separated or exotic."""
    kind = src.int(0, 9)
    if kind == 0:
        return "9" * src.int(19, 25) if chance(src, 50) else "1" + "0" * src.int(300, 5000)
    if kind == 1:
        return pick(src, ("+1", "-1", " 1 ", "1_0", "\u0663", "0x10", "1e3", "", " ", "0" * 50))
    return str(src.int(0, 10 ** src.int(1, 19)))


def integer(src: Source) -> int:
    kind = src.int(0, 3)
    if kind == 0:
        return pick(src, EDGES)
    if kind == 1:
        return src.int(-(2**64), 2**64)
    return src.int(0, 1000)


def size(src: Source) -> int:
    """Mostly a plausible file size, sometimes an edge."""
    return pick(src, EDGES) if chance(src, 15) else src.int(0, 10 ** src.int(0, 12))


def wrong(src: Source) -> object:
    """A value of a type no kernel parameter expects (or a subclass of one it does)."""
    return pick(
        src,
        (None, True, 1.5, float("nan"), b"x\r\n", bytearray(b"b"), memoryview(b"m"), [], (),
         {}, Text("t"), Number(3), Unprintable(), datetime(2030, 1, 1), 10**400),
    )  # fmt: skip


# --- protocol values --------------------------------------------------------------------


def range_header(src: Source) -> str:
    """`Range` values: wrong units, odd separators, huge numbers and counts (RFC 9110 §14)."""
    unit = pick(src, ("bytes", "bytes", "BYTES", " bytes ", "items", "", "bytes\x00", "byt\xe9s"))
    equals = pick(src, ("=", "=", "=", "", "==", " = "))

    def part() -> str:
        shape = src.int(0, 5)
        first = digits(src) if shape != 4 else ""
        last = digits(src) if shape not in (3, 5) else ""
        return pick(src, ("", " ", "\t")) + first + pick(src, ("-", "-", "--", "", " - ")) + last

    count = pick(src, (0, 1, 1, 2, 3, 5, 8, 17, 200, 10_000))
    comma = pick(src, (",", ",", ", ", " ,", ",,", ";"))
    if count > 20:  # NOTE: a few parts repeated: building 10,000 distinct ones is slow
        pattern = comma.join(part() for _ in range(3))
        body = comma.join([pattern] * (count // 3))
    else:
        body = comma.join(part() for _ in range(count))
    if chance(src, 5):
        body = pick(src, BLOBS) + body + pick(src, BLOBS)
    return unit + equals + body


def spans(src: Source, bound: int) -> list[tuple[int, int]]:
    result = []
    for _ in range(src.int(0, 6)):
        start = src.int(0, bound)
        result.append((start, start + src.int(0, bound)))
    return sorted(result) if chance(src, 80) else result


def moment(src: Source) -> object:
    zone = pick(src, (UTC, UTC, None, timezone(timedelta(0)), timezone(timedelta(hours=-3))))
    stamp = src.int(-62135596800, 253402300799)
    return datetime.fromtimestamp(stamp, UTC).replace(tzinfo=zone)


def sse_item(src: Source) -> object:
    kind = src.int(0, 7)
    if kind == 0:
        return text(src).encode("utf-8", "surrogatepass")
    if kind == 1:
        return Event(text(src).encode("utf-8", "surrogatepass"))
    if kind == 2:
        fields = ("data", "event", "id", "retry", "comment", "sep", "bogus")
        return {pick(src, fields): sse_field(src) for _ in range(src.int(0, 4))}
    if kind == 3:
        return pick(src, (memoryview(b"mv"), 12, None, Text("t"), Unprintable(), [1]))
    return text(src)


def sse_field(src: Source) -> object:
    return wrong(src) if chance(src, 5) else pick(src, (text(src), text(src), None))


# --- files ------------------------------------------------------------------------------


class Files:
    """Real paths and descriptors to read: a regular file, an empty one, a directory,
    a FIFO, symlinks (good, dangling, looping), bad names and bad descriptors.

    Descriptors of FIFOs and devices are never handed out: a read of them could block.
    """

    def __init__(self) -> None:
        self.root = tempfile.mkdtemp(prefix="fastresp-fuzz-")
        self.data = os.urandom(3 * 65536 + 123)
        join = os.path.join
        regular = join(self.root, "file")
        with open(regular, "wb") as f:
            f.write(self.data)
        open(join(self.root, "empty"), "wb").close()
        os.mkdir(join(self.root, "dir"))
        os.mkfifo(join(self.root, "fifo"))
        os.symlink(regular, join(self.root, "link"))
        os.symlink(join(self.root, "missing"), join(self.root, "dangling"))
        os.symlink(join(self.root, "loop"), join(self.root, "loop"))
        names = ("file", "empty", "dir", "fifo", "link", "dangling", "loop", "missing")
        self.paths = [join(self.root, n) for n in names] + [
            regular + "\x00x", join(self.root, "\udcff"), join(self.root, "x" * 5000), "",
            "/dev/null", "/dev/zero", regular + "/", "relative-missing",
        ]  # fmt: skip
        self.fds = [os.open(p, os.O_RDONLY) for p in (regular, join(self.root, "empty"))]
        self.fds.append(os.open(join(self.root, "dir"), os.O_RDONLY))
        self.bad_fds = [-1, 99_999, 2**31, 2**63, -(2**63) - 1]

    def path(self, src: Source) -> object:
        return pick(src, self.paths)

    def fd(self, src: Source) -> int:
        return pick(src, self.fds) if chance(src, 90) else pick(src, self.bad_fds)

    def close(self) -> None:
        for fd in self.fds:
            os.close(fd)
        for name in os.listdir(self.root):
            full = os.path.join(self.root, name)
            if stat.S_ISDIR(os.lstat(full).st_mode):
                os.rmdir(full)
            else:
                os.unlink(full)
        os.rmdir(self.root)


def read_size(src: Source) -> int:
    """Sizes that are really read: bounded, since a twin may allocate them up front."""
    return pick(src, (-1, 0, 1, -(2**63) - 1, 2**64)) if chance(src, 10) else src.int(0, 2**18)


def chunk_size(src: Source) -> int:
    return pick(src, (0, -1, 1, 7, 2**64)) if chance(src, 10) else src.int(512, 2**17)


# --- construction ------------------------------------------------------------------------


class Blank:
    """A response class to construct: each twin is handed a fresh, uninitialised instance
    (tools/fuzz.py), whose attributes are compared afterwards."""

    def __init__(self, cls: type[Any]) -> None:
        self.cls = cls

    def new(self) -> object:
        return self.cls.__new__(self.cls)

    def __repr__(self) -> str:
        return f"Blank({self.cls.__name__})"


def response_classes() -> list[type[Any]]:
    """fastresp's complete responses and subclasses that take the compiled kernel's
    generic path (imported late: atheris instruments fastresp at its import)."""
    from fastresp import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response

    class Rendering(Response):
        def render(self, content: Any) -> bytes:
            return repr(content).encode()

    class Latin1(PlainTextResponse):
        charset = "latin-1"

    return [Response, HTMLResponse, PlainTextResponse, JSONResponse, RedirectResponse,
            Rendering, Latin1]  # fmt: skip


def content(src: Source) -> object:
    kind = src.int(0, 4)
    if kind == 0:
        return text(src)
    if kind == 1:
        return text(src).encode("utf-8", "surrogatepass")
    if kind == 2:
        return {text(src): pick(src, (integer(src), None, 1.5, float("nan"), [True]))}
    return pick(src, (None, memoryview(b"mv"), b"", [1, "\ud800"], {1, 2}, 12, Text("t")))


# --- arguments by parameter name --------------------------------------------------------

Gen = Callable[[Source], Any]


def generators(files: Files | None) -> dict[str, Gen]:
    """`area.param` or `param` -> generator; the area-specific key wins."""
    responses = response_classes()
    headers: Gen = lambda s: pick(  # noqa: E731
        s,
        (
            None,
            {text(s): text(s) for _ in range(s.int(0, 4))},
            {"Content-Length": "1", "content-type": text(s)},
            [("a", "b")],
        ),
    )
    gens: dict[str, Gen] = {
        # headers
        "headers.headers": headers,
        "content_length": lambda s: pick(s, (-1, 0, 5, s.int(-5, 2**64), 2**63, 2**63 - 1)),
        "headers.content_type": lambda s: pick(
            s, (None, b"text/plain", text(s).encode("utf-8", "surrogatepass"))
        ),
        "media_type": text,
        "charset": lambda s: pick(s, ("utf-8", "latin-1", text(s))),
        "url": lambda s: pick(s, ("/a?b=c#d", "http://h/\u00e9 x", "%41%zz%", "")) + text(s),
        "disposition_type": lambda s: pick(s, ("attachment", "inline", text(s))),
        "filename": text,
        # construct
        "construct.headers": headers,
        "response": lambda s: Blank(pick(s, responses)) if chance(s, 95) else wrong(s),
        "content": content,
        "status_code": lambda s: pick(s, (200, 201, 204, 304, 101, 599, integer(s), True, "200")),
        "background": lambda s: None,
        # cookies
        "key": lambda s: pick(s, ("k", "sid", "a.b", "k", "Path", "max-AGE", "a b", "", text(s))),
        "value": lambda s: text(s) if chance(s, 80) else integer(s),
        "max_age": lambda s: pick(s, (None, "", integer(s), digits(s), text(s), True)),
        "expires": lambda s: pick(s, (None, "", integer(s), text(s), moment(s), 10**12)),
        "cookies.path": lambda s: pick(s, (None, "", "/", "/app", text(s))),
        "domain": lambda s: pick(s, (None, "", "example.com", text(s))),
        "samesite": lambda s: pick(s, (None, "lax", "Strict", "NONE", "", text(s))),
        "secure": lambda s: pick(s, (True, False)),
        "httponly": lambda s: pick(s, (True, False)),
        "partitioned": lambda s: pick(s, (True, False)),
        "moment": moment,
        # ranges
        "header": range_header,
        "ranges.size": size,
        "max_ranges": lambda s: pick(s, (16, 100, 2**63, s.int(-3, 20_000), 0, 1)),
        "start": integer,
        "end": integer,
        "boundary": lambda s: pick(s, ("3d6b6a416f9b5", text(s))),
        "ranges.content_type": lambda s: pick(s, ("text/plain", text(s))),
        "ranges.ranges": lambda s: spans(s, 2 ** s.int(0, 64)),
        # sse
        "data": lambda s: pick(s, (text(s), None, s.int(-5, 5), Text("d"))),
        "event": sse_field,
        "id": sse_field,
        "retry": lambda s: pick(s, (None, integer(s), "5", 1.5, True)),
        "comment": sse_field,
        "sep": lambda s: pick(s, ("\n", "\r\n", "\r", "\r\n", "", text(s), Text("\n"))),
        "item": sse_item,
        "event_class": lambda s: Event,
    }
    if files is None:
        return gens
    return gens | {
        "files.path": files.path,
        "fd": files.fd,
        "files.size": read_size,
        "offset": lambda s: pick(s, (0, 1, 65536, 2**62, 2**63 - 1, 2**63, -1, s.int(0, 2**18))),
        "chunk_size": chunk_size,
        "nowait": lambda s: pick(s, (True, False)),
        "spans": lambda s: spans(s, 2**18),
        "cursor": lambda s: (s.int(-1, 6), s.int(-1, 2**18)),
        "budget": lambda s: pick(s, (-1, 0, 2**63, s.int(0, 2**19))),
    }


def anything(src: Source) -> object:
    """For a parameter this module does not know yet: a mix of everything."""
    return pick(src, (text(src), integer(src), wrong(src), None))
