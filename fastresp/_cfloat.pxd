# NOTE: divisions here are of unsigned values by unsigned constants, which Cython
# compiles to plain C division (a signed operand would get Python's floor semantics).
#
# The shortest-round-trip float formatter of the compiled JSON kernel, laid out exactly
# as `float.__repr__` lays out its digits. Inline, like _cnum.pxd: the one module that
# cimports it gets the machine code.
#
# Digits: Schubfach (R. Giulietti, "The Schubfach way to render doubles", 2020). For
# v = c * 2**q, with k chosen so that v * 10**-k has 16 or 17 digits, it computes the
# scaled value and the two ends of v's rounding interval, each times 4 and rounded to
# odd, from one 128-bit approximation g of 10**-k (rounded up); the shortest decimal in
# the interval is then one of two multiples of 10 (one digit less) or of 1, and ties go
# to the candidate closest to v, then to the even one: the digits CPython's dtoa (mode
# 0, what repr uses) picks, checked against repr over many millions of doubles
# (tools/fuzz_json.py) and every power of 2 and 10 (tests/kernels/test_json_float.py).
from libc.stdint cimport int64_t, uint32_t, uint64_t
from libc.string cimport memcpy

cdef extern from *:
    """
    #include <stdint.h>
    #define FASTRESP_C_MIN ((uint64_t)1 << 52)  /* the smallest normal significand */
    /* g for 10**e, e = -292..324: the 128 bits of 10**e * 2**-r, r such that the top
       bit is bit 127, plus 1; filled at import by fill_pow10_table() below. */
    static uint64_t fastresp_g_hi[617];
    static uint64_t fastresp_g_lo[617];
    static int fastresp_g_log2[617];  /* floor(log2(10**e)) */
    static const char fastresp_digits2[201] =
        "0001020304050607080910111213141516171819202122232425262728293031323334353637383940"
        "4142434445464748495051525354555657585960616263646566676869707172737475767778798081"
        "828384858687888990919293949596979899";

    /* floor(g * cp / 2**128) for g = hi:lo, round to odd: the lowest bit is set when
       the fraction's top 63 bits are not all 0 (the lowest of the 64 is the error of g) */
    static inline uint64_t fastresp_rop(uint64_t hi, uint64_t lo, uint64_t cp) {
    #if defined(__SIZEOF_INT128__)
        unsigned __int128 x = (unsigned __int128)lo * cp;
        unsigned __int128 y = (unsigned __int128)hi * cp + (uint64_t)(x >> 64);
        uint64_t frac = (uint64_t)y;
        return (uint64_t)(y >> 64) | (frac > 1);
    #else
        /* no 128-bit type (MSVC): 64x64 products from four 32x32 ones */
        uint64_t p[2][2];
        uint64_t in[2] = {lo, hi};
        for (int i = 0; i < 2; i++) {
            uint64_t a = in[i], a0 = a & 0xffffffffu, a1 = a >> 32;
            uint64_t b0 = cp & 0xffffffffu, b1 = cp >> 32;
            uint64_t m00 = a0 * b0, m01 = a0 * b1, m10 = a1 * b0, m11 = a1 * b1;
            uint64_t mid = (m00 >> 32) + (m01 & 0xffffffffu) + (m10 & 0xffffffffu);
            p[i][0] = (mid << 32) | (m00 & 0xffffffffu);
            p[i][1] = m11 + (m01 >> 32) + (m10 >> 32) + (mid >> 32);
        }
        uint64_t frac = p[1][0] + p[0][1];
        uint64_t top = p[1][1] + (frac < p[0][1]);
        return top | (frac > 1);
    #endif
    }
    """
    uint64_t fastresp_g_hi[617]
    uint64_t fastresp_g_lo[617]
    int fastresp_g_log2[617]
    const char* fastresp_digits2
    uint64_t C_MIN "FASTRESP_C_MIN"
    uint64_t fastresp_rop(uint64_t hi, uint64_t lo, uint64_t cp) noexcept nogil

cdef enum:
    E_MIN = -292  # the smallest e of the table (10**e for the largest doubles)
    Q_MIN = -1074  # the exponent of subnormals


cdef inline int fill_pow10_table() except -1:
    """Compute the table exactly, with Python ints (~1 ms, once at import)."""
    cdef int i
    cdef object e  # NOTE: a Python int, so that 10**e is exact
    for i in range(617):
        e = i + E_MIN
        if e >= 0:
            power = 10**e
            shift = power.bit_length() - 128  # g = floor(10**e / 2**shift) + 1
            g = (power >> shift if shift > 0 else power << -shift) + 1
            fastresp_g_log2[i] = power.bit_length() - 1
        else:
            power = 10**-e  # not a power of 2: floor(log2(10**e)) = -bit_length(10**-e)
            g = (1 << (power.bit_length() + 127)) // power + 1
            fastresp_g_log2[i] = -power.bit_length()
        fastresp_g_hi[i] = g >> 64
        fastresp_g_lo[i] = g & 0xFFFFFFFFFFFFFFFF
    return 0


cdef inline int flog10pow2(int q) noexcept nogil:
    # floor(q * log10(2)), exact for |q| <= 1650 (checked over -1100..1000 by the tests)
    return (q * 78913) >> 18


cdef inline int flog10_three_quarters_pow2(int q) noexcept nogil:
    # floor(log10(3/4 * 2**q)) (checked over -1100..1000 by the tests)
    return <int>((q * <int64_t>661971961083 - <int64_t>274743187321) >> 41)


cdef inline uint64_t shortest(uint64_t c, int q, int* exponent) noexcept nogil:
    """The digits s and exponent k of the shortest decimal s * 10**k that reads back as
    the double c * 2**q (c > 0), closest to it when several are as short."""
    cdef uint64_t out = c & 1  # an odd c excludes the interval's ends (round half even)
    cdef uint64_t cb = c << 2, cbr = cb + 2, cbl
    cdef int k
    if c != C_MIN or q == Q_MIN:
        cbl = cb - 2
        k = flog10pow2(q)
    else:  # a power of 2: the gap below is half the gap above
        cbl = cb - 1
        k = flog10_three_quarters_pow2(q)
    cdef int i = -k - E_MIN
    cdef int h = q + fastresp_g_log2[i] + 1  # 1..4
    cdef uint64_t hi = fastresp_g_hi[i], lo = fastresp_g_lo[i]
    cdef uint64_t vb = fastresp_rop(hi, lo, cb << h)
    cdef uint64_t vbl = fastresp_rop(hi, lo, cbl << h)
    cdef uint64_t vbr = fastresp_rop(hi, lo, cbr << h)
    cdef uint64_t s = vb >> 2, sp10, tp10, t
    cdef bint u_in, w_in
    cdef int64_t cmp
    # One digit fewer: the multiples of 10 around v (the interval is narrower than 10,
    # so it holds one at most). NOTE: tried for every s, not only s >= 100: a small
    # subnormal's s has one or two digits (5e-323 is s = 49.4 scaled, 50 shortened).
    sp10 = (s // 10) * 10
    tp10 = sp10 + 10
    u_in = vbl + out <= sp10 << 2
    w_in = (tp10 << 2) + out <= vbr
    if u_in != w_in:
        exponent[0] = k
        return sp10 if u_in else tp10
    t = s + 1
    u_in = vbl + out <= s << 2
    w_in = (t << 2) + out <= vbr
    exponent[0] = k
    if u_in != w_in:
        return s if u_in else t
    # both in: the closer one, the even one on a tie
    cmp = <int64_t>(vb - ((s + t) << 1))
    return s if cmp < 0 or (cmp == 0 and (s & 1) == 0) else t




cdef inline int count_digits(uint64_t s) noexcept nogil:
    cdef int n = 1
    while s >= 10000:
        s //= 10000
        n += 4
    if s >= 100:
        return n + 3 if s >= 1000 else n + 2
    return n + 1 if s >= 10 else n


cdef inline void put_digits(char* end, uint64_t s) noexcept nogil:
    # the decimal digits of s, ending just before `end`
    cdef uint64_t high
    cdef uint32_t low, r
    # PERF: 8 digits per 64-bit division, then 32-bit arithmetic (-45% instructions per
    # 17-digit float against 2 digits per 64-bit step; callgrind)
    while s >= 100000000:
        high = s // 100000000
        low = <uint32_t>(s - high * 100000000)
        s = high
        end -= 8
        r = low // <uint32_t>10000
        low -= r * 10000
        memcpy(end, fastresp_digits2 + 2 * (r // <uint32_t>100), 2)
        memcpy(end + 2, fastresp_digits2 + 2 * (r % <uint32_t>100), 2)
        memcpy(end + 4, fastresp_digits2 + 2 * (low // <uint32_t>100), 2)
        memcpy(end + 6, fastresp_digits2 + 2 * (low % <uint32_t>100), 2)
    low = <uint32_t>s
    while low >= 100:
        r = low % <uint32_t>100
        low //= <uint32_t>100
        end -= 2
        memcpy(end, fastresp_digits2 + 2 * r, 2)
    if low >= 10:
        memcpy(end - 2, fastresp_digits2 + 2 * low, 2)
    else:
        (end - 1)[0] = <char>(48 + low)


cdef inline char* write_double(char* p, double value) noexcept nogil:
    """Write `float.__repr__(value)` at p for a finite value (24 bytes at most, but up
    to 40 are written to); return the end."""
    cdef uint64_t bits
    memcpy(&bits, &value, 8)
    if bits >> 63:
        p[0] = b"-"
        p += 1
    cdef uint64_t c = bits & ((<uint64_t>1 << 52) - 1)
    cdef int biased = <int>((bits >> 52) & 0x7FF), q, k = 0, n, point
    cdef uint64_t s
    cdef char moved[16]
    if biased == 0:
        if c == 0:
            memcpy(p, b"0.0", 3)
            return p + 3
        s = shortest(c, Q_MIN, &k)
    else:
        c |= C_MIN
        q = biased - 1075
        if -52 <= q < 0 and (c & ((<uint64_t>1 << -q) - 1)) == 0:
            s = c >> -q  # PERF: an integer below 2**53 is its own shortest decimal
        else:
            s = shortest(c, q, &k)
    # PERF: the trailing zeros in steps of 8, 4, 2, 1 (a decimal like 37.45 comes out
    # of `shortest` as 3745 followed by 12 zeros): -40% instructions per float
    while s % 100000000 == 0:
        s //= 100000000
        k += 8
    if s % 10000 == 0:
        s //= 10000
        k += 4
    if s % 100 == 0:
        s //= 100
        k += 2
    if s % 10 == 0:
        s //= 10
        k += 1
    n = count_digits(s)
    point = n + k  # the digits are 0.DDD * 10**point
    # COMPAT: repr's layout (PyOS_double_to_string, 'r'): fixed for 1e-4 <= |v| < 1e16
    if -4 < point <= 16:
        if point <= 0:  # 0.000DDD
            memcpy(p, b"0.000000", 8)  # PERF: a fixed size is a single move
            put_digits(p + 2 - point + n, s)
            return p + 2 - point + n
        if point < n:  # DD.DDD
            put_digits(p + n, s)
            # PERF: the fraction (16 digits at most) moves one place right through a
            # fixed-size copy (no division by a power of 10, no call to memmove)
            memcpy(moved, p + point, 16)
            p[point] = b"."
            memcpy(p + point + 1, moved, 16)
            return p + n + 1
        put_digits(p + n, s)  # DDD000.0
        p += n
        while point > n:
            p[0] = b"0"
            p += 1
            point -= 1
        memcpy(p, b".0", 2)
        return p + 2
    # D.DDDe+XX: at least two exponent digits
    put_digits(p + n + 1, s)
    p[0] = p[1]
    if n > 1:
        p[1] = b"."
        p += n + 1
    else:
        p += 1
    point -= 1
    if point < 0:
        memcpy(p, b"e-", 2)
        point = -point
    else:
        memcpy(p, b"e+", 2)
    p += 2
    if point >= 100:
        p[0] = <char>(48 + point // 100)
        p += 1
        point %= 100
    memcpy(p, fastresp_digits2 + 2 * point, 2)
    return p + 2
