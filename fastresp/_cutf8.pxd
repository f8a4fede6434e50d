# The UTF-8 writers of the compiled JSON kernel: a str's characters, read from its own
# 1-, 2- or 4-byte storage, written as `json.dumps(ensure_ascii=False)` writes them and
# then `.encode("utf-8")` encodes them. Inline, like _cnum.pxd.
from libc.stdint cimport uint64_t
from libc.string cimport memcpy

cdef extern from *:
    """
    /* per ASCII character, what ensure_ascii=False writes: 0 itself, 'u' \\u00xx, else
       the letter of its two-character escape (filled at import) */
    static char fastresp_escape[128];
    /* per byte: 1 for the characters written as they are (U+0020 to U+007F but " and \\) */
    static unsigned char fastresp_plain[256];
    static const char fastresp_hex[17] = "0123456789abcdef";

    #if defined(__SSE2__) || defined(_M_X64) || defined(_M_AMD64)
    #include <emmintrin.h>
    #endif
    /* 1 when none of the 8 bytes of x is below 0x20, '"', '\\' or non-ASCII (each
       test is exact once no byte has its top bit set, which the last term checks) */
    static inline int fastresp_plain8(uint64_t x) {
        const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
        uint64_t quote = x ^ (0x22 * ones), slash = x ^ (0x5C * ones);
        return ((((x - 0x20 * ones) & ~x) | ((quote - ones) & ~quote)
                 | ((slash - ones) & ~slash) | x) & high) == 0;
    }
    /* How many of the n bytes at s are written as they are, from the start. PERF: 16
       bytes per step with SSE2 (every x86-64), else 8 with word arithmetic: a long
       ASCII string is copied at once (1 MiB: 4.6x faster than a byte loop). */
    static inline Py_ssize_t fastresp_plain_run(const unsigned char *s, Py_ssize_t n) {
        Py_ssize_t i = 0;
    #if defined(__SSE2__) || defined(_M_X64) || defined(_M_AMD64)
        const __m128i space = _mm_set1_epi8(0x20), quote = _mm_set1_epi8(0x22);
        const __m128i slash = _mm_set1_epi8(0x5C);
        for (; i + 16 <= n; i += 16) {
            __m128i v = _mm_loadu_si128((const __m128i *)(s + i));
            /* signed: bytes 0x80-0xFF are below 0x20 too, and stop the run */
            __m128i stop = _mm_or_si128(_mm_cmplt_epi8(v, space),
                                        _mm_or_si128(_mm_cmpeq_epi8(v, quote),
                                                     _mm_cmpeq_epi8(v, slash)));
            if (_mm_movemask_epi8(stop)) break;
        }
    #else
        for (; i + 8 <= n; i += 8) {
            uint64_t x;
            memcpy(&x, s + i, 8);
            if (!fastresp_plain8(x)) break;
        }
    #endif
        while (i < n && fastresp_plain[s[i]]) i++;
        return i;
    }
    """
    char fastresp_escape[128]
    unsigned char fastresp_plain[256]
    const char* fastresp_hex
    Py_ssize_t fastresp_plain_run(const unsigned char* s, Py_ssize_t n) noexcept nogil
    bint fastresp_plain8(uint64_t x) noexcept nogil


cdef inline int fill_escape_tables() except -1:
    for c in range(32):
        fastresp_escape[c] = b"u"
    for c, letter in zip(b'"\\\b\f\n\r\t', b'"\\bfnrt'):
        fastresp_escape[c] = letter
    for c in range(0x20, 0x80):
        fastresp_plain[c] = c != 0x22 and c != 0x5C
    return 0


cdef inline char* ascii_char(char* p, unsigned int c) noexcept nogil:
    cdef char escape = fastresp_escape[c]
    if escape == 0:
        p[0] = <char>c
        return p + 1
    p[0] = b"\\"
    if escape != b"u":
        p[1] = escape
        return p + 2
    memcpy(p + 1, b"u00", 3)
    p[4] = fastresp_hex[c >> 4]
    p[5] = fastresp_hex[c & 15]
    return p + 6


cdef inline char* write_ucs1(char* p, const unsigned char* data, Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t i = 0, run
    cdef unsigned int c
    cdef uint64_t word
    while i < n:
        if n - i >= 64:
            run = fastresp_plain_run(data + i, n - i)
            memcpy(p, data + i, run)
            p += run
            i += run
            if i == n:
                break
        elif n - i >= 8:
            # PERF: a short string's plain words are copied whole (-50% on "item 123")
            memcpy(&word, data + i, 8)
            if fastresp_plain8(word):
                memcpy(p, &word, 8)
                p += 8
                i += 8
                continue
        c = data[i]
        if fastresp_plain[c]:  # PERF: one load and test per character of a short key
            p[0] = <char>c
            p += 1
        elif c < 0x80:
            p = ascii_char(p, c)
        else:
            p[0] = <char>(0xC0 | (c >> 6))
            p[1] = <char>(0x80 | (c & 0x3F))
            p += 2
        i += 1
    return p


cdef inline char* write_wide(char* p, const void* data, Py_ssize_t n, int kind) noexcept nogil:
    # 2- or 4-byte characters; NULL at a surrogate, which UTF-8 cannot encode.
    cdef const unsigned short* ucs2 = <const unsigned short*>data
    cdef const unsigned int* ucs4 = <const unsigned int*>data
    cdef Py_ssize_t i
    cdef unsigned int c
    for i in range(n):
        c = ucs2[i] if kind == 2 else ucs4[i]
        if c < 0x80:
            p = ascii_char(p, c)
        elif c < 0x800:
            p[0] = <char>(0xC0 | (c >> 6))
            p[1] = <char>(0x80 | (c & 0x3F))
            p += 2
        elif c < 0x10000:
            if 0xD800 <= c <= 0xDFFF:
                return NULL
            p[0] = <char>(0xE0 | (c >> 12))
            p[1] = <char>(0x80 | ((c >> 6) & 0x3F))
            p[2] = <char>(0x80 | (c & 0x3F))
            p += 3
        else:
            p[0] = <char>(0xF0 | (c >> 18))
            p[1] = <char>(0x80 | ((c >> 12) & 0x3F))
            p[2] = <char>(0x80 | ((c >> 6) & 0x3F))
            p[3] = <char>(0x80 | (c & 0x3F))
            p += 4
    return p
