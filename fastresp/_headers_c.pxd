# The header kernels' C-level entry points, shared with `_construct_c` (PERF: a response's
# construction builds its headers without a Python call).

cdef list _response_headers(object headers, object status_code, object body, object media_type, object charset)
cdef bytes _location(object url)
