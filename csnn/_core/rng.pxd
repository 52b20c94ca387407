# cython: language_level=3
"""xoshiro256** streams: a 32-byte C state per stream and free ``nogil`` draws.

Each stochastic stream in the engine (one per Poisson connection, for instance) owns one
``Xoshiro256`` state, seeded from numpy's ``SeedSequence`` (see ``rng.pyx``), so results do
not depend on the order in which neurons or threads draw numbers.
"""
from libc.stdint cimport uint64_t
from libc.math cimport cos, log, sqrt


cdef struct Xoshiro256:
    uint64_t s[4]


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


cdef inline double next_exponential(Xoshiro256* st) noexcept nogil:
    """Exponential variate with mean 1."""
    return -log(next_open_unit(st))


cdef inline double next_normal(Xoshiro256* st) noexcept nogil:
    """Standard normal variate (Box-Muller, one of the pair)."""
    cdef double radius = sqrt(-2.0 * log(next_open_unit(st)))
    return radius * cos(6.283185307179586 * next_open_unit(st))
