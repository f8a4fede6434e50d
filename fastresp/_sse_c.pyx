"""Server-sent event kernels, compiled twin of `_sse_py` (the reference: same names,
results and errors; see it for the behaviour).

An event is built straight into one bytes object: each value's UTF-8 bytes (an ASCII
str's own buffer, else CPython's encoding of it) are scanned once for line breaks,
which sizes the result, then copied once, split into lines. A surrogate, which UTF-8
cannot encode, sends the event to `_encode_text`: it builds the text as the pure twin
does, so that `str.encode` raises the very same UnicodeEncodeError.
"""

from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize
from cpython.tuple cimport PyTuple_GET_ITEM, PyTuple_GET_SIZE
from cpython.dict cimport PyDict_Next
from cpython.object cimport PyObject, PyTypeObject
from libc.string cimport memchr, memcpy

from fastresp._cclass_call cimport (
    PyVectorcall_NARGS,
    class_call_replays,
    fastresp_object_new,
    fastresp_set_class_call,
    fastresp_type_call,
    require_python_class,
)

cdef extern from "Python.h":
    Py_ssize_t PY_SSIZE_T_MAX
    bint PyUnicode_Check(object)
    bint PyUnicode_CheckExact(object)
    bint PyLong_Check(object)
    bint PyUnicode_IS_ASCII(object)
    void* PyUnicode_DATA(object)
    Py_ssize_t PyUnicode_GET_LENGTH(object)
    object PyUnicode_AsUTF8String(object)
    Py_ssize_t PyBytes_GET_SIZE(object)
    int PyObject_IsInstance(object, object) except -1
    object PyObject_Str(object)
    Py_ssize_t PyUnicode_FindChar(object, Py_UCS4, Py_ssize_t, Py_ssize_t, int) except -2

__all__ = ["bind_event_class", "encode_event", "encode_item"]

_FIELDS = frozenset(("data", "event", "id", "retry", "comment", "sep"))

# PERF: dict keys written as literals are these very (interned) objects: a pointer
# comparison per key finds every field without hashing (3.1x fewer instructions per
# 3-field dict than the set check and look-ups of keys made at run time; callgrind).
cdef object _DATA = "data"
cdef object _EVENT = "event"
cdef object _ID = "id"
cdef object _RETRY = "retry"
cdef object _COMMENT = "comment"
cdef object _SEP = "sep"
cdef tuple _VIEWS = (bytes, memoryview)


cdef struct Span:
    # The UTF-8 bytes of a str value, and what the scan learnt of them.
    const char* data
    Py_ssize_t length  # bytes
    Py_ssize_t size  # bytes, CR and LF left out
    Py_ssize_t breaks  # line breaks; CR LF is one


cdef inline void _scan(Span* span) noexcept nogil:
    # Count the line breaks of `span`, and its bytes without CR and LF.
    cdef Py_ssize_t i = 0, size = 0, breaks = 0, n = span.length
    cdef const char* data = span.data
    # PERF: the usual value has no line break at all, which memchr (vectorised) tells.
    # A byte loop below 64 bytes, or a word-at-a-time test, saved <= 3% of the
    # instructions of a 3-field event; the word test took 1.8x memchr's instructions
    # on a 500-byte value (callgrind).
    if memchr(data, 13, n) == NULL and memchr(data, 10, n) == NULL:
        span.size = n
        span.breaks = 0
        return
    while i < n:
        if data[i] == 13:
            breaks += 1
            if i + 1 < n and data[i + 1] == 10:
                i += 1
        elif data[i] == 10:
            breaks += 1
        else:
            size += 1
        i += 1
    span.size = size
    span.breaks = breaks


cdef inline void _ascii(object value, Span* span) noexcept:
    # `span` for an ASCII str: its own buffer is its UTF-8.
    span.data = <const char*>PyUnicode_DATA(value)
    span.length = PyUnicode_GET_LENGTH(value)


cdef object _utf8(object value, Span* span):
    # `span` for any other str: CPython's UTF-8 encoding of it, returned to be kept
    # alive; None when `value` holds a surrogate (which UTF-8 cannot encode).
    # PERF: -21% (CJK) to -51% (mostly ASCII) instructions on 1,000 characters against
    # encoding each character here, +11% on 12 (callgrind); the byte scan after it is
    # exact, as CR and LF never occur inside a multi-byte sequence.
    try:
        owner = PyUnicode_AsUTF8String(value)
    except UnicodeEncodeError:
        return None
    span.data = PyBytes_AS_STRING(owner)
    span.length = PyBytes_GET_SIZE(owner)
    return owner


cdef inline object _view(object value, Span* span):
    # `span` over value's UTF-8 bytes; returns what owns them (keep it alive), or None
    # when `value` holds a surrogate. NOTE: PyUnicode_IS_ASCII is only set on a ready str.
    if PyUnicode_IS_ASCII(value):
        _ascii(value, span)
        return value
    return _utf8(value, span)


cdef inline char* _write(
    const Span* span,
    char* out,
    bint split,
    const char* sep,
    Py_ssize_t sep_size,
    const char* prefix,
    Py_ssize_t prefix_size,
) noexcept nogil:
    # `prefix`, the value, then `sep`; each line break of the value becomes
    # `sep + prefix` if `split`, else nothing.
    cdef Py_ssize_t i = 0, start = 0, n = span.length
    cdef const char* data = span.data
    memcpy(out, prefix, prefix_size)
    out += prefix_size
    if span.breaks:
        while i < n:
            if data[i] == 13 or data[i] == 10:
                memcpy(out, data + start, i - start)
                out += i - start
                if data[i] == 13 and i + 1 < n and data[i + 1] == 10:
                    i += 1
                if split:
                    memcpy(out, sep, sep_size)
                    memcpy(out + sep_size, prefix, prefix_size)
                    out += sep_size + prefix_size
                start = i + 1
            i += 1
    memcpy(out, data + start, n - start)
    out += n - start
    memcpy(out, sep, sep_size)
    return out + sep_size


cdef inline Py_ssize_t _grow(Py_ssize_t total, Py_ssize_t size) except -1:
    # total + size, or MemoryError where a Py_ssize_t would overflow (the pure twin
    # cannot build such a str either).
    if size > PY_SSIZE_T_MAX - total:
        raise MemoryError()
    return total + size


cdef inline Py_ssize_t _grow_lines(Py_ssize_t total, Py_ssize_t lines, Py_ssize_t each) except -1:
    # total + lines * each, as `_grow`.
    # PERF: no division for the usual single line: -12% time (-6% instructions) per
    # 3-field event against checking every product with a division.
    if lines == 1:
        return _grow(total, each)
    if lines > (PY_SSIZE_T_MAX - total) // each:
        raise MemoryError()
    return total + lines * each


cdef inline object _field(
    object value,
    Span* span,
    Py_ssize_t prefix_size,
    Py_ssize_t sep_size,
    bint split,
    Py_ssize_t* total,
):
    # One field of an event: `span` over value's UTF-8 bytes, scanned, and `total` grown
    # by what `_write` will write for it (each line with the prefix and `sep` if
    # `split`, else the value without its line breaks, once). Returns what owns the
    # bytes (keep it alive), or None when `value` holds a surrogate.
    owner = _view(value, span)
    if owner is None:
        return None
    _scan(span)
    if split:
        total[0] = _grow(_grow_lines(total[0], span.breaks + 1, prefix_size + sep_size), span.size)
    else:
        total[0] = _grow(_grow(total[0], span.size), prefix_size + sep_size)
    return owner


cdef object _as_str(str name, object value):
    # A field that must be a str (a subclass is read by its characters).
    if PyUnicode_Check(value):
        return value
    # COMPAT: isinstance() as the pure twin calls it, so a faked `__class__` counts,
    # and then str.__str__ refuses the object with its own TypeError, as there.
    if not PyObject_IsInstance(value, str):
        raise TypeError(f"{name} must be str, not {type(value).__name__}")
    return str.__str__(value)


cdef inline object _text(object value):
    # COMPAT: str(), as sse-starlette applies it to the data and the comment.
    if PyUnicode_CheckExact(value):
        return value
    return PyObject_Str(value)


cdef object _retry(object retry):
    # The pure twin's `_retry`: the digits of a non-negative int that is not a bool.
    if not PyLong_Check(retry) and not PyObject_IsInstance(retry, int):
        raise TypeError("retry argument must be int")
    if PyObject_IsInstance(retry, bool):
        raise TypeError("retry must be an int, not bool")
    # SECURITY: the value's own digits; a subclass's __format__ could add a line break.
    digits = int.__repr__(retry)
    if PyUnicode_FindChar(digits, 45, 0, 1, 1) == 0:  # "-"
        raise ValueError("retry must be >= 0")
    return digits


cdef str _exact(object value):
    return value if PyUnicode_CheckExact(value) else str.__str__(value)


cdef str _lines(str prefix, str value, str sep):
    # The pure twin's `_lines`, for `_encode_text`.
    if "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    if "\n" in value:
        return prefix + value.replace("\n", sep + prefix) + sep
    return prefix + value + sep


cdef bytes _encode_text(data, event, id, retry_text, comment, sep):
    # The pure twin's text, built as it builds it (values checked and converted), then
    # encoded: with a surrogate in it, str.encode raises its exact UnicodeEncodeError.
    cdef str sep_text = _exact(sep)
    cdef str text = "" if comment is None else _lines(": ", _exact(comment), sep_text)
    if id is not None:
        text += "id: " + _exact(id).replace("\r", "").replace("\n", "") + sep_text
    if event is not None:
        text += "event: " + _exact(event).replace("\r", "").replace("\n", "") + sep_text
    if data is not None:
        text += _lines("data: ", _exact(data), sep_text)
    if retry_text is not None:
        text += "retry: " + _exact(retry_text) + sep_text
    return (text + sep_text).encode("utf-8")


cdef bytes _encode(data, event, id, retry, comment, sep):
    # encode_event, callable from C.
    cdef Span s_sep, s_comment, s_id, s_event, s_data, s_retry
    cdef Py_ssize_t sep_size, total
    cdef object retry_text = None
    cdef bytes result
    cdef char* out
    # Owners of the UTF-8 bytes of values that are not ASCII.
    cdef object o_sep = None, o_comment = None, o_id = None, o_event = None, o_data = None
    cdef object o_retry = None

    sep = _as_str("sep", sep)
    # COMPAT: sse-starlette's order of conversions and checks: comment, id, event,
    # data, retry; so the same error wins when several fields are wrong.
    if comment is not None:
        comment = _text(comment)
    if id is not None:
        id = _as_str("id", id)
        # SECURITY: WHATWG HTML §9.2.6: a client ignores an id field with NUL.
        # NOTE: the characters themselves, whatever a subclass's `in` says.
        if PyUnicode_FindChar(id, 0, 0, PY_SSIZE_T_MAX, 1) != -1:
            raise ValueError("id must not contain NUL")
    if event is not None:
        event = _as_str("event", event)
    if data is not None:
        data = _text(data)
    if retry is not None:
        retry_text = _retry(retry)

    # The UTF-8 bytes of each value (an ASCII str's own, else kept by its `o_` owner)
    # and the total size. Any surrogate: the pure twin's text and UnicodeEncodeError.
    o_sep = _view(sep, &s_sep)
    if o_sep is None:
        return _encode_text(data, event, id, retry_text, comment, sep)
    sep_size = s_sep.length
    total = sep_size
    if comment is not None:
        o_comment = _field(comment, &s_comment, 2, sep_size, True, &total)
        if o_comment is None:
            return _encode_text(data, event, id, retry_text, comment, sep)
    if id is not None:
        o_id = _field(id, &s_id, 4, sep_size, False, &total)
        if o_id is None:
            return _encode_text(data, event, id, retry_text, comment, sep)
    if event is not None:
        o_event = _field(event, &s_event, 7, sep_size, False, &total)
        if o_event is None:
            return _encode_text(data, event, id, retry_text, comment, sep)
    if data is not None:
        o_data = _field(data, &s_data, 6, sep_size, True, &total)
        if o_data is None:
            return _encode_text(data, event, id, retry_text, comment, sep)
    if retry_text is not None:
        o_retry = _field(retry_text, &s_retry, 7, sep_size, False, &total)
        if o_retry is None:
            return _encode_text(data, event, id, retry_text, comment, sep)

    result = PyBytes_FromStringAndSize(NULL, total)
    out = PyBytes_AS_STRING(result)
    if comment is not None:
        out = _write(&s_comment, out, True, s_sep.data, sep_size, ": ", 2)
    if id is not None:
        out = _write(&s_id, out, False, s_sep.data, sep_size, "id: ", 4)
    if event is not None:
        out = _write(&s_event, out, False, s_sep.data, sep_size, "event: ", 7)
    if data is not None:
        out = _write(&s_data, out, True, s_sep.data, sep_size, "data: ", 6)
    if retry_text is not None:
        out = _write(&s_retry, out, False, s_sep.data, sep_size, "retry: ", 7)
    memcpy(out, s_sep.data, sep_size)
    return result


def encode_event(data, event, id, retry, comment, sep):
    return _encode(data, event, id, retry, comment, sep)


cdef inline Py_ssize_t _field_index(PyObject *name) noexcept:
    # The event field a key or keyword names, by identity (the interned literals code
    # passes), in `ServerSentEvent.__init__`'s order; -1 for any other object.
    if name == <PyObject *>_DATA:
        return 0
    if name == <PyObject *>_EVENT:
        return 1
    if name == <PyObject *>_ID:
        return 2
    if name == <PyObject *>_RETRY:
        return 3
    if name == <PyObject *>_COMMENT:
        return 4
    if name == <PyObject *>_SEP:
        return 5
    return -1


cdef inline object _or_none(PyObject *value):
    return <object>value if value != NULL else None


cdef bytes _encode_fields(dict fields, sep):
    # Event fields, as sse-starlette's `ServerSentEvent(**{**fields, "sep": sep})` takes them.
    cdef Py_ssize_t pos = 0, index
    cdef PyObject* k
    cdef PyObject* v
    cdef PyObject* values[6]
    for index in range(6):
        values[index] = NULL
    while PyDict_Next(fields, &pos, &k, &v):
        index = _field_index(k)
        if index < 0:
            break
        values[index] = v
    else:
        # NOTE: values[5], the fields' own sep, is replaced by `sep`. No user code runs
        # between the loop and these reads: the borrowed values are still the dict's.
        return _encode(
            _or_none(values[0]),
            _or_none(values[1]),
            _or_none(values[2]),
            _or_none(values[3]),
            _or_none(values[4]),
            sep,
        )
    # Some key is not one of the interned names: look them up as the pure twin does.
    if not fields.keys() <= _FIELDS:
        unknown = next(key for key in fields if key not in _FIELDS)
        raise TypeError(f"unexpected event field {unknown!r}")
    get = fields.get
    return _encode(get("data"), get("event"), get("id"), get("retry"), get("comment"), sep)


def encode_item(item, sep, event_class):
    kind = type(item)
    # The three usual items first, by exact type.
    if kind is str:
        return _encode(item, None, None, None, None, sep)
    if kind is bytes:
        return item
    if kind is dict:
        return _encode_fields(item, sep)
    # PERF: an instance of exact `event_class` is neither bytes nor a memoryview:
    # checked before them, it skips two isinstance() misses, each looking up
    # `__class__` on the item (-1,100 instructions per event object; callgrind).
    if kind is event_class:
        return item.encode()
    # NOTE: PyObject_IsInstance, not Cython's type-check macros: isinstance() honours
    # `__instancecheck__` and a faked `__class__`, as in the pure twin.
    if PyObject_IsInstance(item, _VIEWS):
        return bytes(item)
    if PyObject_IsInstance(item, event_class):
        return item.encode()
    if PyObject_IsInstance(item, dict):
        # COMPAT: copied as `{**fields}` copies: a subclass's own `get` is not called.
        return _encode_fields(dict(item), sep)
    return _encode(_text(item), None, None, None, None, sep)


# --- ServerSentEvent ------------------------------------------------------------------
# PERF: the class's own vectorcall (fastresp/_cclass_call.pxd): `ServerSentEvent(data=...,
# id=..., event=...)` through type.__call__ took 5.1k instructions, 40% of what an event
# costs in a stream; this kernel 2.8k, half of it the six attribute stores that
# `vars(event)` needs. Calling the Python `__init__` from here instead: 3.4k; a
# positional copy of it: 2.9k (callgrind).

cdef object _EVENT_CLASS = None
cdef object _EVENT_INIT = None
cdef unsigned int _EVENT_TAG = 0  # the version of the class last checked
# The class's DEFAULT_SEPARATOR, when a new instance reads it as it is: a str in the
# class (or a base), no attribute hook. Else None: read it from the instance.
cdef object _EVENT_SEPARATOR = None


def bind_event_class(event_class):
    global _EVENT_CLASS, _EVENT_INIT, _EVENT_TAG
    require_python_class(event_class)
    _EVENT_CLASS, _EVENT_INIT, _EVENT_TAG = event_class, event_class.__init__, 0
    fastresp_set_class_call(event_class, <void *>_new_event)


cdef bint _check_event_class(object cls) except -1:
    # Cold: once per version of the class.
    global _EVENT_TAG, _EVENT_SEPARATOR
    cdef unsigned int tag = (<PyTypeObject *>cls).tp_version_tag
    if not class_call_replays(cls, _EVENT_INIT):
        return False
    _EVENT_SEPARATOR = None
    if cls.__getattribute__ is object.__getattribute__:
        for klass in cls.__mro__:
            if "DEFAULT_SEPARATOR" in klass.__dict__:
                found = klass.__dict__["DEFAULT_SEPARATOR"]
                if type(found) is str:
                    _EVENT_SEPARATOR = found
                break
    if tag != 0 and (<PyTypeObject *>cls).tp_version_tag == tag:
        _EVENT_TAG = tag
    return True


cdef object _new_event(object cls, PyObject **args, size_t nargsf, PyObject *kwnames):
    # `__init__(self, data=None, *, event=None, id=None, retry=None, comment=None,
    # sep=None)`, replayed: the same attributes, set in the same order.
    cdef Py_ssize_t nargs = PyVectorcall_NARGS(nargsf), i, index
    cdef unsigned int tag = (<PyTypeObject *>cls).tp_version_tag
    cdef PyObject *values[6]
    for i in range(6):
        values[i] = NULL
    if (
        cls is not _EVENT_CLASS
        or nargs > 1
        or not ((tag != 0 and tag == _EVENT_TAG) or _check_event_class(cls))
    ):
        return fastresp_type_call(cls, args, nargsf, kwnames)
    if nargs:
        values[0] = args[0]
    if kwnames != NULL:
        for i in range(PyTuple_GET_SIZE(<object>kwnames)):
            index = _field_index(PyTuple_GET_ITEM(<object>kwnames, i))
            if index < 0 or values[index] != NULL:
                # a name made at run time, or a parameter given twice: Python's call
                return fastresp_type_call(cls, args, nargsf, kwnames)
            values[index] = args[nargs + i]
    event = fastresp_object_new(cls)
    event.data = _or_none(values[0])
    event.event = _or_none(values[1])
    event.id = _or_none(values[2])
    event.retry = _or_none(values[3])
    event.comment = _or_none(values[4])
    if values[5] != NULL and values[5] != <PyObject *>None:
        event._sep = <object>values[5]
    elif _EVENT_SEPARATOR is not None:
        event._sep = _EVENT_SEPARATOR
    else:
        event._sep = event.DEFAULT_SEPARATOR
    return event
