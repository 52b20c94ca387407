# cython: language_level=3
"""xoshiro256** streams: a 32-byte C state per stream and free ``nogil`` draws.

Each stochastic stream in the engine (one per Poisson connection, for instance) owns one
``Xoshiro256`` state, seeded from numpy's ``SeedSequence`` (see ``rng.pyx``), so results do
not depend on the order in which neurons or threads draw numbers.

Exponential variates come from a ziggurat (Marsaglia and Tsang 2000, 256 layers; the tables are
built when ``rng`` is imported): one 64-bit draw, a multiplication and a comparison in 99 % of
the cases, an ``exp`` in the rest, and never a ``log`` (the tail beyond the base layer's edge
R is R plus another exponential variate).  Poisson counts come from precomputed tables
(``PoissonTable``, built by ``rng.PoissonTables``): inversion of the cumulative distribution,
started from a guide table, so a count costs one uniform variate and about two comparisons
whatever its mean; with a small mean the empty steps before the next non-empty one are skipped
at once (their number is geometric: floor(E / mean) for an exponential variate E) and the
count of that step is drawn conditioned on being at least 1.
"""
from libc.stdint cimport int64_t, uint64_t
from libc.math cimport cos, exp, floor, log, sqrt

from csnn._core.gridtime cimport MAX_STEP


cdef struct Xoshiro256:
    uint64_t s[4]


cdef enum:
    ZIGGURAT_LAYERS = 256


# the exponential ziggurat: layer i covers [0, x_i] at heights [e^{-x_i}, e^{-x_{i+1}}] (the
# base layer, i = 0, the rectangle below e^{-R} with the tail beyond R), all of one area
cdef double zig_scale[ZIGGURAT_LAYERS]         # x_i / 2^53: a 53-bit integer u gives x = u * scale
cdef uint64_t zig_inner[ZIGGURAT_LAYERS]       # u < inner: x < x_{i+1}, below the curve for sure
cdef double zig_height[ZIGGURAT_LAYERS + 1]    # e^{-x_i}, and 1 at the top
cdef double zig_edge                           # R = x_1, the base layer's edge


cdef struct PoissonTable:
    # the count of one step with mean ``mean``, by inversion: count = first + the smallest j
    # with u < cdf[j] for a uniform u in [0, 1), the search starting at guide[floor(u * n_guide)]
    double mean
    double gap_scale        # 1 / mean when empty steps are skipped (counts then start at 1), else 0
    int64_t first           # count of cdf[0]: 1 when empty steps are skipped, else 0
    int64_t n
    int64_t n_guide
    const double* cdf       # n entries, the last one 1
    const int64_t* guide    # n_guide entries


cdef class PoissonTables:
    cdef PoissonTable* tables               # one per mean
    cdef readonly Py_ssize_t n
    cdef object _records, _cdf, _guide      # the arrays the tables live in


cdef inline uint64_t _rotl(uint64_t x, int k) noexcept nogil:
    return (x << k) | (x >> (64 - k))


cdef inline uint64_t next_u64(Xoshiro256* st) noexcept nogil:
    cdef uint64_t result = _rotl(st.s[1] * 5, 7) * 9
    cdef uint64_t t = st.s[1] << 17
    st.s[2] ^= st.s[0]
    st.s[3] ^= st.s[1]
    st.s[1] ^= st.s[2]
    st.s[0] ^= st.s[3]
    st.s[2] ^= t
    st.s[3] = _rotl(st.s[3], 45)
    return result


cdef inline double next_open_unit(Xoshiro256* st) noexcept nogil:
    """Uniform double in (0, 1] with 53 random bits."""
    return ((next_u64(st) >> 11) + 1) * (1.0 / 9007199254740992.0)


cdef inline double next_unit(Xoshiro256* st) noexcept nogil:
    """Uniform double in [0, 1) with 53 random bits."""
    return (next_u64(st) >> 11) * (1.0 / 9007199254740992.0)


cdef inline double next_exponential(Xoshiro256* st) noexcept nogil:
    """Exponential variate with mean 1 (ziggurat)."""
    cdef double offset = 0.0, x
    cdef uint64_t bits, u
    cdef int i
    while True:
        bits = next_u64(st)
        i = <int> (bits & 0xFF)        # the layer: the low 8 bits
        u = bits >> 11                 # the position: the high 53 bits
        x = u * zig_scale[i]
        if u < zig_inner[i]:
            return offset + x
        if i == 0:
            # beyond the base layer's edge: the exponential is memoryless
            offset += zig_edge
        elif zig_height[i] + next_unit(st) * (zig_height[i + 1] - zig_height[i]) < exp(-x):
            return offset + x


cdef inline double next_normal(Xoshiro256* st) noexcept nogil:
    """Standard normal variate (Box-Muller, one of the pair)."""
    cdef double radius = sqrt(-2.0 * log(next_open_unit(st)))
    return radius * cos(6.283185307179586 * next_open_unit(st))


cdef inline int64_t poisson_count(const PoissonTable* p, Xoshiro256* st) noexcept nogil:
    """A count from table ``p`` (at least 1 when it skips empty steps)."""
    cdef double u = next_unit(st)
    cdef int64_t j = p.guide[<int64_t> (u * p.n_guide)]
    while p.cdf[j] <= u:
        j += 1
    return p.first + j


cdef inline int64_t poisson_gap(const PoissonTable* p, Xoshiro256* st) noexcept nogil:
    """The number of empty steps before the next non-empty one (table ``p`` skips them):
    geometric, P(gap >= g) = e^{-mean g}.  At most MAX_STEP."""
    cdef double gap = floor(next_exponential(st) * p.gap_scale)
    return <int64_t> gap if gap < <double> MAX_STEP else MAX_STEP


cdef inline int64_t poisson_next(const PoissonTable* p, Xoshiro256* st, int64_t k, int64_t end,
                                 int64_t* count) noexcept nogil:
    """The first step after step k, up to step ``end``, whose count (stored in ``count``) is not
    0, the counts of steps being independent draws from table ``p``; ``end`` with count 0 when
    there is none (a later call continues from there, with this table or another one)."""
    cdef int64_t gap
    count[0] = 0
    if p.mean <= 0.0:
        return end
    if p.gap_scale > 0.0:
        gap = poisson_gap(p, st)
        if gap >= end - k:
            return end          # (the gap is memoryless: the next table starts afresh at end)
        count[0] = poisson_count(p, st)
        return k + gap + 1
    return poisson_each_step(p, st, k, end, count)


cdef inline int64_t poisson_each_step(const PoissonTable* p, Xoshiro256* st, int64_t k, int64_t end,
                                      int64_t* count) noexcept nogil:
    """poisson_next for a table with a mean > 0 that does not skip empty steps: each step's
    count drawn in turn (``count`` 0 and ``end`` when none up to ``end`` has one)."""
    cdef int64_t c
    while k < end:
        k += 1
        c = poisson_count(p, st)
        if c > 0:
            count[0] = c
            return k
    count[0] = 0
    return end
