# cython: binding=False, embedsignature.format=clinic, autotestdict=False
# NOTE: clinic-format signatures give these builtins a real `inspect.signature` (twin
# parity, stubtest) without Cython 3's default binding=True, whose function objects cost
# ~4 ns more per call. autotestdict=False keeps a stray `__test__` dict out of the
# module (stubtest).
"""JSON kernel, compiled twin of `_json_py` (the reference: its docstring lists what is
written for each type, following the stdlib's C encoder).

The value is walked once and written as UTF-8 straight into one bytes object, which
grows by doubling and is cut to size at the end. Strings are read from their own
storage (1-, 2- or 4-byte characters; `_cutf8`); floats go through `_cfloat`.

NOTE: anything this walk does not write itself hands the WHOLE value to the pure twin
(the stdlib encoder), which then gives the stdlib's bytes or raises the stdlib's
exception: a type JSON has no form for, NaN or an infinity, a lone surrogate, an int
whose repr the int-max-str-digits limit refuses, nesting deeper than MAX_DEPTH (which
a circular structure reaches too), a dict whose size changes while it is walked, an
error of any kind. The walk runs no user code, except a dict subclass's `items()` and a
list or tuple subclass's `__iter__`, called as the stdlib calls them; when such a value
falls back they are called again by the stdlib. An error that is not an `Exception`
(KeyboardInterrupt...) raised by them propagates as is.

COMPAT: the stdlib of 3.12+ walks an exact dict live, as this walk does, but 3.11's
walks a copy of its items taken first: there, what user code changes in a dict being
walked is not written. So on 3.11 a value that would run user code (a dict subclass, a
list or tuple subclass with its own `__iter__`) inside an exact dict falls back before
running it, and the stdlib walks it alone.
"""

from cpython.object cimport PyObject, PyTypeObject
from libc.math cimport isfinite
from libc.string cimport memcpy, memset

from fastresp._cfloat cimport count_digits, fill_pow10_table, put_digits, write_double
from fastresp._cutf8 cimport fastresp_plain_run, fill_escape_tables, write_ucs1, write_wide

from . import _json_py as _py

cdef extern from *:
    """
    #if PY_VERSION_HEX < 0x030C0000
    #define fastresp_str_ready(o) PyUnicode_READY(o)
    #else
    #define fastresp_str_ready(o) 0
    #endif
    #define fastresp_long_repr(o) (PyLong_Type.tp_repr(o))
    /* the stdlib walks exact dicts live (3.12+), not a copy of their items (3.11) */
    #define FASTRESP_LIVE_DICTS (PY_VERSION_HEX >= 0x030C0000)
    /* a list or tuple subclass with an __iter__ of its own */
    #define fastresp_own_iter(t) \
        ((t)->tp_iter != PyList_Type.tp_iter && (t)->tp_iter != PyTuple_Type.tp_iter)
    """
    bint LIVE_DICTS "FASTRESP_LIVE_DICTS"
    bint fastresp_own_iter(PyTypeObject* t)
    int fastresp_str_ready(PyObject* o)
    PyObject* fastresp_long_repr(PyObject* o)  # int.__repr__: a new str, or NULL

cdef extern from "Python.h":
    Py_ssize_t PY_SSIZE_T_MAX
    PyObject* PY_NONE "Py_None"
    PyObject* PY_TRUE "Py_True"
    PyObject* PY_FALSE "Py_False"
    PyObject* PyExc_Exception
    PyTypeObject PyUnicode_Type, PyLong_Type, PyFloat_Type, PyDict_Type, PyList_Type
    PyTypeObject PyTuple_Type
    PyTypeObject* TYPE "Py_TYPE"(PyObject* o)
    void INCREF "Py_INCREF"(PyObject* o)
    void DECREF "Py_DECREF"(PyObject* o)
    void XDECREF "Py_XDECREF"(PyObject* o)
    bint PyUnicode_Check(PyObject* o)
    bint PyLong_Check(PyObject* o)
    bint PyFloat_Check(PyObject* o)
    bint PyList_Check(PyObject* o)
    bint PyTuple_Check(PyObject* o)
    bint PyDict_Check(PyObject* o)
    bint PyDict_CheckExact(PyObject* o)
    Py_ssize_t PyUnicode_GET_LENGTH(PyObject* o)
    int PyUnicode_KIND(PyObject* o)
    void* PyUnicode_DATA(PyObject* o)
    long long PyLong_AsLongLongAndOverflow(PyObject* o, int* overflow)
    double PyFloat_AS_DOUBLE(PyObject* o)
    Py_ssize_t PyDict_GET_SIZE(PyObject* o)
    int PyDict_Next(PyObject* o, Py_ssize_t* pos, PyObject** key, PyObject** value)
    PyObject* PyMapping_Items(PyObject* o)
    Py_ssize_t PyList_GET_SIZE(PyObject* o)
    PyObject* PyList_GET_ITEM(PyObject* o, Py_ssize_t i)
    Py_ssize_t PyTuple_GET_SIZE(PyObject* o)
    PyObject* PyTuple_GET_ITEM(PyObject* o, Py_ssize_t i)
    PyObject* PySequence_Fast(PyObject* o, const char* message)
    Py_ssize_t PySequence_Fast_GET_SIZE(PyObject* o)
    PyObject* PySequence_Fast_GET_ITEM(PyObject* o, Py_ssize_t i)
    PyObject* PyBytes_FromStringAndSize(const char* data, Py_ssize_t size)
    char* PyBytes_AS_STRING(PyObject* o)
    int _PyBytes_Resize(PyObject** o, Py_ssize_t size)
    PyObject* PyErr_Occurred()
    int PyErr_ExceptionMatches(PyObject* exc)
    void PyErr_Clear()

__all__ = ["dumps"]

cdef enum:
    # NOTE: the walk recurses in C, ~230 bytes of stack per level (less than the
    # stdlib's encoder uses for the same value), and stops at half of the stdlib's
    # least limit (3.11: the recursion limit, 1000): deeper values, and circular ones,
    # go to the stdlib encoder, whose RecursionError becomes the ValueError.
    MAX_DEPTH = 512
    FIRST_SIZE = 256  # bytes: a small response needs no second allocation
    CHUNK = 16384  # characters of a string written per reservation
    KEYS = 64  # slots of the key cache (a power of 2)
    KEY_MAX = 64  # the longest encoded key it keeps, in bytes

fill_escape_tables()
fill_pow10_table()


cdef struct Key:
    PyObject* key  # an exact str written as a dict key in this call
    Py_ssize_t at  # where its encoding starts in the output
    Py_ssize_t size  # its length there, quotes included


cdef struct Writer:
    PyObject* out  # the bytes object being filled (its only reference)
    char* p  # where the next byte goes
    char* end  # the end of out's capacity
    # PERF: the dicts of a list mostly share their key objects: a key written before is
    # copied from the output (-30% instructions on the 1000-dict benchmark, callgrind).
    # NOTE: a slot is trusted by the key's address alone, which holds as long as no
    # object can be freed: until user code runs (a subclass's items() or __iter__),
    # which empties the cache.
    Key keys[KEYS]
    int walking  # exact dicts being walked, around the current value


cdef int _grow(Writer* w, Py_ssize_t need) noexcept:
    # Room for `need` more bytes; amortised: the capacity at least doubles.
    cdef char* base = PyBytes_AS_STRING(w.out)
    cdef Py_ssize_t used = w.p - base, size = w.end - base
    if need > PY_SSIZE_T_MAX // 2 - used:
        return -1
    size = used + need if used + need > 2 * size else 2 * size
    if _PyBytes_Resize(&w.out, size) < 0:
        return -1
    base = PyBytes_AS_STRING(w.out)
    w.p = base + used
    w.end = base + size
    return 0


cdef inline int _room(Writer* w, Py_ssize_t need) noexcept:
    if w.end - w.p >= need:
        return 0
    return _grow(w, need)


cdef int _str(Writer* w, PyObject* text) noexcept:
    # A str (or subclass: its own characters) as a JSON string.
    if fastresp_str_ready(text) < 0:
        return -1
    cdef Py_ssize_t n = PyUnicode_GET_LENGTH(text), start = 0, size
    cdef int kind = PyUnicode_KIND(text)
    cdef const char* data = <const char*>PyUnicode_DATA(text)
    if n <= 64:  # PERF: a short string (keys, names): one reservation for the worst case
        if _room(w, 6 * n + 2) < 0:
            return -1
        w.p[0] = b'"'
        if kind == 1:
            w.p = write_ucs1(w.p + 1, <const unsigned char*>data, n)
        else:
            w.p = write_wide(w.p + 1, data, n, kind)
            if w.p == NULL:  # a lone surrogate: the stdlib's UnicodeEncodeError
                return -1
        w.p[0] = b'"'
        w.p += 1
        return 0
    if kind == 1:
        # PERF: the plain start of a long string at once, with room for just that: a
        # 1 MiB output then is one allocation of its size, which malloc serves from
        # warm pages next time (5x faster than growing by doubling into fresh ones).
        start = fastresp_plain_run(<const unsigned char*>data, n)
    if _room(w, start + 2) < 0:
        return -1
    w.p[0] = b'"'
    memcpy(w.p + 1, data, start)
    w.p += start + 1
    while start < n:
        # PERF: room for the worst case (\u00xx: 6 bytes a character) of CHUNK characters
        # at a time, not of the whole string: a long one grows the output by doubling
        # from what it really takes (1 MiB of ASCII: 4x faster than reserving 6 MiB).
        size = n - start if n - start < CHUNK else CHUNK
        if _room(w, 6 * size + 1) < 0:
            return -1
        if kind == 1:
            w.p = write_ucs1(w.p, <const unsigned char*>data + start, size)
        else:
            w.p = write_wide(w.p, data + start * kind, size, kind)
            if w.p == NULL:  # a lone surrogate: the stdlib's UnicodeEncodeError
                return -1
        start += size
    w.p[0] = b'"'
    w.p += 1
    return 0


cdef int _int(Writer* w, PyObject* number, bint quoted) noexcept:
    # An int (or subclass) as int.__repr__ writes it, between quotes for a key.
    cdef int overflow = 0
    cdef long long value = PyLong_AsLongLongAndOverflow(number, &overflow)
    cdef PyObject* text
    cdef Py_ssize_t n
    cdef unsigned long long magnitude
    cdef int digits
    if overflow == 0:
        if _room(w, 24) < 0:
            return -1
        w.p[0] = b'"'
        w.p += quoted
        magnitude = <unsigned long long>value
        if value < 0:
            w.p[0] = b"-"
            w.p += 1
            magnitude = 0ULL - magnitude
        # PERF: two digits per step (_cnum.write_int makes one): -35% per int
        digits = count_digits(magnitude)
        w.p += digits
        put_digits(w.p, magnitude)
    else:
        text = fastresp_long_repr(number)  # NOTE: the int-max-str-digits limit applies
        if text == NULL:
            return -1
        n = PyUnicode_GET_LENGTH(text)
        if _room(w, n + 2) < 0:
            DECREF(text)
            return -1
        w.p[0] = b'"'
        memcpy(w.p + quoted, PyUnicode_DATA(text), n)  # ASCII: its bytes are its UTF-8
        w.p += n + quoted
        DECREF(text)
    w.p[0] = b'"'
    w.p += quoted
    return 0


cdef int _float(Writer* w, PyObject* number, bint quoted) noexcept:
    # A float (or subclass) as float.__repr__ writes it, between quotes for a key.
    cdef double value = PyFloat_AS_DOUBLE(number)
    if not isfinite(value) or _room(w, 42) < 0:  # NaN, inf: the stdlib's ValueError
        return -1
    w.p[0] = b'"'
    w.p = write_double(w.p + quoted, value)
    w.p[0] = b'"'
    w.p += quoted
    return 0


cdef inline int _const(Writer* w, const char* word, Py_ssize_t n) noexcept:
    # PERF: inline, with a literal n at every call: the copy is a few moves
    if _room(w, n) < 0:
        return -1
    memcpy(w.p, word, n)
    w.p += n
    return 0


cdef int _key(Writer* w, PyObject* key) noexcept:
    # COMPAT: the stdlib's key conversions, in its order: str, float, bool/None, int.
    if PyUnicode_Check(key):
        return _str(w, key)
    if PyFloat_Check(key):
        return _float(w, key, True)
    if key == PY_TRUE:
        return _const(w, b'"true"', 6)
    if key == PY_FALSE:
        return _const(w, b'"false"', 7)
    if key == PY_NONE:
        return _const(w, b'"null"', 6)
    if PyLong_Check(key):
        return _int(w, key, True)
    return -1  # the stdlib's TypeError


cdef int _str_key(Writer* w, PyObject* key) noexcept:
    # An exact str key: from the cache when this call wrote it before.
    cdef Key* slot = &w.keys[(<size_t>key >> 4) & (KEYS - 1)]
    cdef Py_ssize_t at, i
    cdef char* source
    if slot.key == key:
        if _room(w, slot.size + 8) < 0:
            return -1
        # PERF: whole words; the source is followed by written bytes, the target by room
        source = PyBytes_AS_STRING(w.out) + slot.at
        for i in range(0, slot.size, 8):
            memcpy(w.p + i, source + i, 8)
        w.p += slot.size
        return 0
    at = w.p - PyBytes_AS_STRING(w.out)
    if _str(w, key) < 0:
        return -1
    if w.p - PyBytes_AS_STRING(w.out) - at <= KEY_MAX:
        slot.key = key
        slot.at = at
        slot.size = w.p - PyBytes_AS_STRING(w.out) - at
    return 0


cdef inline int _member(Writer* w, PyObject* key, PyObject* value, int depth, bint comma) noexcept:
    if comma and _const(w, b",", 1) < 0:
        return -1
    if (_str_key(w, key) if TYPE(key) == &PyUnicode_Type else _key(w, key)) < 0:
        return -1
    if _const(w, b":", 1) < 0:
        return -1
    return _value(w, value, depth)


cdef int _dict(Writer* w, PyObject* mapping, int depth) noexcept:
    cdef Py_ssize_t pos = 0, size = PyDict_GET_SIZE(mapping), i
    cdef PyObject* key
    cdef PyObject* value
    cdef PyObject* items
    cdef PyObject* item
    if size == 0:  # COMPAT: a subclass's items() is not called either
        return _const(w, b"{}", 2)
    if _const(w, b"{", 1) < 0:
        return -1
    if PyDict_CheckExact(mapping):
        w.walking += 1
        while PyDict_Next(mapping, &pos, &key, &value):
            if _member(w, key, value, depth, pos > 1) < 0:
                return -1
            if PyDict_GET_SIZE(mapping) != size:  # changed by a subclass's items()
                return -1
        w.walking -= 1
    else:
        if not LIVE_DICTS and w.walking:  # COMPAT: user code in a dict 3.11 copies
            return -1
        items = PyMapping_Items(mapping)  # COMPAT: as the stdlib walks a subclass
        memset(w.keys, 0, sizeof(w.keys))  # user code ran
        if items == NULL:
            return -1
        for i in range(PyList_GET_SIZE(items)):
            item = PyList_GET_ITEM(items, i)
            if (
                not PyTuple_Check(item)
                or PyTuple_GET_SIZE(item) != 2  # the stdlib's ValueError
                or _member(w, PyTuple_GET_ITEM(item, 0), PyTuple_GET_ITEM(item, 1), depth, i > 0)
                < 0
            ):
                DECREF(items)
                return -1
        DECREF(items)
    return _const(w, b"}", 1)


cdef int _array(Writer* w, PyObject* sequence, int depth) noexcept:
    cdef PyObject* fast = sequence
    cdef Py_ssize_t i = 0
    cdef int status = 0
    if TYPE(sequence) != &PyList_Type and TYPE(sequence) != &PyTuple_Type:
        if not LIVE_DICTS and w.walking and fastresp_own_iter(TYPE(sequence)):
            return -1  # COMPAT: user code in a dict 3.11 copies
        fast = PySequence_Fast(sequence, "")  # COMPAT: a subclass through its __iter__
        memset(w.keys, 0, sizeof(w.keys))  # user code ran
        if fast == NULL:
            return -1
    else:
        INCREF(fast)
    if PySequence_Fast_GET_SIZE(fast) == 0:
        status = _const(w, b"[]", 2)
    else:
        status = _const(w, b"[", 1)
        # NOTE: the size is read again each time, as the stdlib reads it
        while status == 0 and i < PySequence_Fast_GET_SIZE(fast):
            if i > 0:
                status = _const(w, b",", 1)
            if status == 0:
                status = _value(w, PySequence_Fast_GET_ITEM(fast, i), depth)
            i += 1
        if status == 0:
            status = _const(w, b"]", 1)
    DECREF(fast)
    return status


cdef int _container(Writer* w, PyObject* value, int depth) noexcept:
    cdef int status
    if depth >= MAX_DEPTH:
        return -1
    # NOTE: a container is held while it is walked: items() or __iter__ of a subclass
    # inside it may drop every other reference to it.
    INCREF(value)
    if PyList_Check(value) or PyTuple_Check(value):
        status = _array(w, value, depth + 1)
    else:
        status = _dict(w, value, depth + 1)
    DECREF(value)
    return status


cdef int _subclass(Writer* w, PyObject* value, int depth) noexcept:
    # COMPAT: the stdlib's order (bool and None are singletons, checked before).
    if PyUnicode_Check(value):
        return _str(w, value)
    if PyLong_Check(value):
        return _int(w, value, False)
    if PyFloat_Check(value):
        return _float(w, value, False)
    if PyList_Check(value) or PyTuple_Check(value) or PyDict_Check(value):
        return _container(w, value, depth)
    return -1  # the stdlib's TypeError


cdef inline int _value(Writer* w, PyObject* value, int depth) noexcept:
    # PERF: inline in the dict and list loops, the exact builtin types first: -5%
    # instructions on the 1000-dict payload (callgrind).
    cdef PyTypeObject* kind = TYPE(value)
    if kind == &PyUnicode_Type:
        return _str(w, value)
    if kind == &PyLong_Type:
        return _int(w, value, False)
    if kind == &PyFloat_Type:
        return _float(w, value, False)
    if value == PY_TRUE:
        return _const(w, b"true", 4)
    if value == PY_FALSE:
        return _const(w, b"false", 5)
    if value == PY_NONE:
        return _const(w, b"null", 4)
    if kind == &PyDict_Type or kind == &PyList_Type or kind == &PyTuple_Type:
        return _container(w, value, depth)
    return _subclass(w, value, depth)


cdef int _pending() except -1:
    return -1  # propagates the exception that is set


def dumps(value):
    """`value` as compact UTF-8 JSON, exactly as Starlette's JSONResponse renders it."""
    cdef Writer w
    w.out = PyBytes_FromStringAndSize(NULL, FIRST_SIZE)
    if w.out == NULL:
        _pending()
    w.p = PyBytes_AS_STRING(w.out)
    w.end = w.p + FIRST_SIZE
    memset(w.keys, 0, sizeof(w.keys))
    w.walking = 0
    if _value(&w, <PyObject*>value, 0) == 0:
        if _PyBytes_Resize(&w.out, w.p - PyBytes_AS_STRING(w.out)) < 0:
            _pending()
        result = <object>w.out
        DECREF(w.out)
        return result
    XDECREF(w.out)
    if PyErr_Occurred() != NULL:
        if not PyErr_ExceptionMatches(PyExc_Exception):
            _pending()  # KeyboardInterrupt, SystemExit...: not ours to retry
        PyErr_Clear()
    return _py.dumps(value)
