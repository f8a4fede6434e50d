# Integer helpers shared by the compiled kernels; inline, so each kernel gets its own copy
# of the machine code without a second copy of the source.
from cpython.long cimport PyLong_AsLongLongAndOverflow
from libc.string cimport memcpy


cdef inline bint as_ll(object value, long long *out):
    """`*out = value` for an exact int that fits in a long long; False otherwise."""
    cdef int overflow = 0
    if type(value) is not int:
        return False
    out[0] = PyLong_AsLongLongAndOverflow(value, &overflow)
    return overflow == 0


cdef inline char *write_int(char *out, long long value) noexcept nogil:
    """Write str(value) at `out` (at most 20 bytes); return the end."""
    cdef unsigned long long u = <unsigned long long>value
    cdef char tmp[24]
    cdef int i = 24
    if value < 0:
        u = 0ULL - u
        out[0] = b'-'
        out += 1
    while True:
        i -= 1
        tmp[i] = <char>(48 + u % 10)
        u //= 10
        if u == 0:
            break
    memcpy(out, &tmp[i], 24 - i)
    return out + 24 - i
