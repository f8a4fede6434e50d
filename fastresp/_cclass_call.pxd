# Calling a Python class through its own vectorcall slot. Inline, like _cutf8.pxd.
#
# `cls(...)` on a class defined in Python runs type.__call__: keyword arguments are put
# in a dict, `__init__` is looked up and called with the dict turned back into a vector,
# in a Python frame (or a binding function's wrapper) of its own. PyTypeObject's
# `tp_vectorcall` ("used for calls of this type object", never inherited: subclasses
# keep type.__call__) lets a kernel build the instance directly. A kernel set there
# must do exactly what the class's `__init__` does, for as long as that `__init__` is
# still the class's (checked through `class_call_replays`), and hand every other call to
# type.__call__ itself (`fastresp_type_call`), so its results and errors are Python's.
from cpython.object cimport PyObject, PyTypeObject

cdef extern from *:
    """
    static void fastresp_set_class_call(PyObject *cls, void *kernel) {
        ((PyTypeObject *)cls)->tp_vectorcall = (vectorcallfunc)kernel;
    }
    static int fastresp_is_heap_type(PyObject *cls) {
        return PyType_HasFeature((PyTypeObject *)cls, Py_TPFLAGS_HEAPTYPE);
    }
    /* object.__new__(cls), as type.__call__ makes it for a class that inherits it */
    static PyObject *fastresp_object_new(PyObject *cls) {
        PyObject *empty = PyTuple_New(0), *obj;
        if (empty == NULL) return NULL;
        obj = PyBaseObject_Type.tp_new((PyTypeObject *)cls, empty, NULL);
        Py_DECREF(empty);
        return obj;
    }
    static int fastresp_new_is_object_new(PyObject *cls) {
        return ((PyTypeObject *)cls)->tp_new == PyBaseObject_Type.tp_new;
    }
    /* type.__call__(cls, *args, **kwargs) from a vectorcall's arguments */
    static PyObject *fastresp_type_call(PyObject *cls, PyObject *const *args,
                                        size_t nargsf, PyObject *kwnames);
    /* What type.__call__ does for a class made by object.__new__ whose __init__ is
       `init`: the instance, then `init(instance, *args, **kwargs)` as a vectorcall (no
       tuple, no dict, no look-up). */
    static PyObject *fastresp_new_then_init(PyObject *cls, PyObject *init,
                                            PyObject *const *args, size_t nargsf,
                                            PyObject *kwnames) {
        Py_ssize_t nargs = PyVectorcall_NARGS(nargsf);
        Py_ssize_t total = nargs + (kwnames == NULL ? 0 : PyTuple_GET_SIZE(kwnames));
        PyObject *stack[16], *obj, *result;
        if (total >= 16) return fastresp_type_call(cls, args, nargsf, kwnames);
        obj = fastresp_object_new(cls);
        if (obj == NULL) return NULL;
        stack[0] = obj;
        memcpy(stack + 1, args, total * sizeof(PyObject *));
        result = PyObject_Vectorcall(init, stack, nargs + 1, kwnames);
        if (result == NULL) {
            Py_DECREF(obj);
            return NULL;
        }
        if (result != Py_None) {
            PyErr_Format(PyExc_TypeError, "__init__() should return None, not '%.200s'",
                         Py_TYPE(result)->tp_name);
            Py_DECREF(result);
            Py_DECREF(obj);
            return NULL;
        }
        Py_DECREF(result);
        return obj;
    }
    static PyObject *fastresp_type_call(PyObject *cls, PyObject *const *args,
                                        size_t nargsf, PyObject *kwnames) {
        Py_ssize_t nargs = PyVectorcall_NARGS(nargsf), i;
        Py_ssize_t nkw = kwnames == NULL ? 0 : PyTuple_GET_SIZE(kwnames);
        PyObject *tuple = PyTuple_New(nargs), *kwargs = NULL, *result = NULL;
        if (tuple == NULL) return NULL;
        for (i = 0; i < nargs; i++) {
            Py_INCREF(args[i]);
            PyTuple_SET_ITEM(tuple, i, args[i]);
        }
        if (nkw) {
            kwargs = PyDict_New();
            if (kwargs == NULL) goto done;
            for (i = 0; i < nkw; i++) {
                if (PyDict_SetItem(kwargs, PyTuple_GET_ITEM(kwnames, i), args[nargs + i]) < 0)
                    goto done;
            }
        }
        result = PyType_Type.tp_call(cls, tuple, kwargs);
    done:
        Py_DECREF(tuple);
        Py_XDECREF(kwargs);
        return result;
    }
    """
    void fastresp_set_class_call(object cls, void *kernel)
    bint fastresp_is_heap_type(object cls)
    object fastresp_object_new(object cls)
    bint fastresp_new_is_object_new(object cls)
    object fastresp_type_call(object cls, PyObject **args, size_t nargsf, PyObject *kwnames)
    object fastresp_new_then_init(object cls, object init, PyObject **args, size_t nargsf,
                                  PyObject *kwnames)
    Py_ssize_t PyVectorcall_NARGS(size_t nargsf)


cdef inline int require_python_class(object cls) except -1:
    """TypeError unless `cls` is a class from a class statement (metaclass `type`): only
    such a class may have its vectorcall set (a builtin type's is shared by every
    interpreter and must never change)."""
    if type(cls) is not type or not fastresp_is_heap_type(cls):
        raise TypeError(f"a class defined in Python is required, not {cls!r}")
    return 0


cdef inline bint class_call_replays(object cls, object init) except -1:
    """True while `cls.__init__` is `init` and `cls` is made by object.__new__ under
    type.__call__: what its vectorcall kernel replays. Cold: a kernel keeps the answer
    for a version of the class (CPython gives a class a fresh, never reused
    `tp_version_tag` after any change to it or its bases; 0: none yet)."""
    return (
        type(cls) is type
        and fastresp_new_is_object_new(cls)
        and getattr(cls, "__init__", None) is init
    )
