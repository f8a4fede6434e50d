# cython: binding=False, embedsignature.format=clinic, autotestdict=False
# NOTE: as in _headers_c.pyx: clinic-format signatures for stubtest and twin parity
# without the per-call cost of binding=True; no stray `__test__` dict.
"""Response-construction kernels, compiled twin of `_construct_py` (the reference).

The headers are built by the header kernels' C entry points (`_headers_c.pxd`).
"""

cimport cython
from cpython.object cimport Py_TYPE, PyObject, PyTypeObject
from cpython.unicode cimport PyUnicode_AsUTF8String

from fastresp._cclass_call cimport (
    class_call_replays,
    fastresp_new_then_init,
    fastresp_set_class_call,
    fastresp_type_call,
    require_python_class,
)
from fastresp._headers_c cimport _location, _response_headers

from ._headers_c import set_header
from ._json_c import dumps as _json_dumps

__all__ = [
    "bind_response_classes",
    "declare_stock_methods",
    "init_json",
    "init_redirect",
    "init_response",
]


# --- Response.__init__ ----------------------------------------------------------------
# PERF: for a class that inherits fastresp's own render() and init_headers() the whole
# construction runs here, without their two Python frames. Any class that overrides
# either, or has descriptors or attribute hooks that could see the difference, gets the
# exact generic sequence instead (set attributes, call render, call init_headers).

cdef enum:
    _GENERIC = 0
    _PLAIN = 1
    _JSON = 2

cdef object _STOCK = None  # (Response.render, JSONResponse.render, Response.init_headers)
_CHECKED_ATTRIBUTES = ("status_code", "media_type", "background", "body", "raw_headers", "charset")


def declare_stock_methods(render, render_json, init_headers):
    global _STOCK
    _STOCK = (render, render_json, init_headers)
    _clear_modes()


cdef struct _ModeEntry:
    PyTypeObject *type
    unsigned int tag
    int mode

cdef enum:
    _MODE_SLOTS = 32
cdef _ModeEntry _MODES[_MODE_SLOTS]


cdef void _clear_modes() noexcept:
    cdef int i
    for i in range(_MODE_SLOTS):
        _MODES[i].type = NULL
        _MODES[i].tag = 0


_clear_modes()
_MISSING = object()


cdef object _class_attribute(type cls, str name):
    for klass in cls.__mro__:
        found = klass.__dict__.get(name, _MISSING)
        if found is not _MISSING:
            return found
    return _MISSING


cdef int _classify(type cls) except -1:
    """The construction mode of `cls` (cold: the result is cached per type version)."""
    if _STOCK is None:
        return _GENERIC
    if (
        cls.__setattr__ is not object.__setattr__
        or cls.__getattribute__ is not object.__getattribute__
        or _class_attribute(cls, "__getattr__") is not _MISSING
        or _class_attribute(cls, "init_headers") is not _STOCK[2]
    ):
        return _GENERIC
    for name in _CHECKED_ATTRIBUTES:
        if hasattr(type(_class_attribute(cls, name)), "__get__"):
            return _GENERIC
    render = _class_attribute(cls, "render")
    if render is _STOCK[0]:
        return _PLAIN
    if render is _STOCK[1]:
        return _JSON
    return _GENERIC


cdef inline int _mode(PyTypeObject *tp) except -1:
    # NOTE: CPython gives a type a fresh, never reused version tag after any change to
    # it or its bases (0: none yet), so (address, tag) identifies a class's state.
    cdef _ModeEntry *entry = &_MODES[(<size_t>tp >> 6) % _MODE_SLOTS]
    cdef unsigned int tag = tp.tp_version_tag
    cdef int mode
    if entry.type == tp and entry.tag == tag and tag != 0:
        return entry.mode
    mode = _classify(<type>tp)
    if tag != 0 and tp.tp_version_tag == tag:
        entry.type, entry.tag, entry.mode = tp, tag, mode
    return mode


cdef object _render(object response, object content, object charset):
    """Response.render for the usual content; the method itself for anything else."""
    if content is None:
        return b""
    if type(content) is bytes:
        return content
    if type(content) is str and type(charset) is str and charset == "utf-8":
        return PyUnicode_AsUTF8String(content)
    return response.render(content)


cdef list _init(response, content, status_code, headers, media_type, background):
    """init_response; returns `raw_headers` when it built them itself, else None."""
    cdef int mode = _mode(Py_TYPE(response))
    cdef list raw
    response.status_code = status_code
    if media_type is not None:
        response.media_type = media_type
    response.background = background
    if mode == _GENERIC:
        response.body = response.render(content)
        response.init_headers(headers)
        return None
    # NOTE: no descriptor for these attributes (_classify), so each read gives what the
    # methods would read, however many times they read it.
    charset = response.charset
    body = _json_dumps(content) if mode == _JSON else _render(response, content, charset)
    response.body = body
    if media_type is None:
        media_type = response.media_type
    raw = _response_headers(headers, status_code, body, media_type, charset)
    response.raw_headers = raw
    return raw


# NOTE: binding=True: these are the classes' `__init__` (fastresp/base.py), so they must
# bind `self` as a method and expose their signatures (FastAPI reads the status default).


@cython.binding(True)
def init_response(self, content=None, status_code=200, headers=None, media_type=None,
                  background=None):
    _init(self, content, status_code, headers, media_type, background)


@cython.binding(True)
def init_json(self, content, status_code=200, headers=None, media_type=None, background=None):
    _init(self, content, status_code, headers, media_type, background)


@cython.binding(True)
def init_redirect(self, url, status_code=307, headers=None, background=None):
    cdef list raw = _init(self, b"", status_code, headers, None, background)
    if raw is None:  # a subclass built the list: the reference sets it
        raw = self.raw_headers
    set_header(raw, b"location", _location(url))


# --- Response(...) ---------------------------------------------------------------------
# PERF: each class's own vectorcall (fastresp/_cclass_call.pxd): the instance, then its
# `__init__` called as a vectorcall, without type.__call__'s tuple, dict and look-up.

cdef struct _Bound:
    PyObject *cls
    PyObject *init  # a strong reference is held by _BOUND_REFS
    unsigned int tag  # the version of the class last checked

cdef enum:
    _BOUND_MAX = 8
cdef _Bound _BOUND[_BOUND_MAX]
cdef Py_ssize_t _BOUND_COUNT = 0
cdef list _BOUND_REFS = []


def bind_response_classes(*classes):
    # NOTE: the classes replace those of an earlier call (a module imported again);
    # an earlier class keeps this vectorcall, which hands its calls to type.__call__.
    global _BOUND_COUNT, _BOUND_REFS
    if len(classes) > _BOUND_MAX:
        raise ValueError(f"at most {_BOUND_MAX} classes")
    for cls in classes:
        require_python_class(cls)
    _BOUND_COUNT = 0
    _BOUND_REFS = [(cls, cls.__init__) for cls in classes]
    for cls, init in _BOUND_REFS:
        _BOUND[_BOUND_COUNT].cls = <PyObject *>cls
        _BOUND[_BOUND_COUNT].init = <PyObject *>init
        _BOUND[_BOUND_COUNT].tag = 0
        _BOUND_COUNT += 1
        fastresp_set_class_call(cls, <void *>_new_response)


cdef object _new_response(object cls, PyObject **args, size_t nargsf, PyObject *kwnames):
    cdef Py_ssize_t i
    cdef _Bound *bound
    cdef unsigned int tag = (<PyTypeObject *>cls).tp_version_tag
    for i in range(_BOUND_COUNT):
        bound = &_BOUND[i]
        if bound.cls != <PyObject *>cls:
            continue
        if tag == 0 or tag != bound.tag:
            if not class_call_replays(cls, <object>bound.init):
                break
            if tag != 0 and (<PyTypeObject *>cls).tp_version_tag == tag:
                bound.tag = tag
        return fastresp_new_then_init(cls, <object>bound.init, args, nargsf, kwnames)
    return fastresp_type_call(cls, args, nargsf, kwnames)
