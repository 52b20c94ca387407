# cython: language_level=3
"""Philox4x64-10 (Salmon et al. 2011, "Parallel random numbers: as easy as 1, 2, 3"), the
counter-based generator of numpy's ``Philox``: a block of four 64-bit words is a keyed bijection
of a four-word counter, so any block is computed directly, without the blocks before it.

csnn draws the random numbers of a connection from counters that say where it is (its target's
stream, its index there, the draw), so a process computes the random numbers of its own
targets' connections alone and gets those one process gets (``csnn/target_streams.py``).
"""
import numpy as np

cimport numpy as cnp
from libc.stdint cimport uint64_t

cnp.import_array()


cdef extern from *:
    """
    /* the high and low words of a 64 x 64-bit product (GCC and Clang have a 128-bit type) */
    static inline uint64_t csnn_mulhilo64(uint64_t a, uint64_t b, uint64_t* hi) {
        unsigned __int128 product = (unsigned __int128) a * b;
        *hi = (uint64_t) (product >> 64);
        return (uint64_t) product;
    }
    """
    uint64_t mulhilo64 "csnn_mulhilo64"(uint64_t a, uint64_t b, uint64_t* hi) noexcept nogil


# the round multipliers and the key's Weyl increments of Philox4x64 (Random123's constants)
cdef uint64_t M0 = 0xD2E7470EE14C6C93ULL
cdef uint64_t M1 = 0xCA5A826395121157ULL
cdef uint64_t W0 = 0x9E3779B97F4A7C15ULL
cdef uint64_t W1 = 0xBB67AE8584CAA73BULL


cdef inline void philox(const uint64_t* counter, uint64_t k0, uint64_t k1, uint64_t* out) noexcept nogil:
    """The block of ``counter`` (four words) under key (k0, k1): ten rounds, the key bumped
    before every round but the first."""
    cdef uint64_t c0 = counter[0], c1 = counter[1], c2 = counter[2], c3 = counter[3]
    cdef uint64_t hi0, hi1, lo0, lo1
    cdef int r
    for r in range(10):
        if r > 0:
            k0 += W0
            k1 += W1
        lo0 = mulhilo64(M0, c0, &hi0)
        lo1 = mulhilo64(M1, c2, &hi1)
        c0, c1, c2, c3 = hi1 ^ c1 ^ k0, lo1, hi0 ^ c3 ^ k1, lo0
    out[0] = c0
    out[1] = c1
    out[2] = c2
    out[3] = c3


def blocks(index, stream, uint64_t draw, attempt, uint64_t k0, uint64_t k1):
    """The blocks of counters (index[e], stream[e], draw, attempt[e]) under key (k0, k1):
    (n, 4) uint64.  ``index``, ``stream``, ``attempt``: arrays of n counters' words (or one
    word for all)."""
    index, stream, attempt = np.broadcast_arrays(*(np.asarray(w, dtype=np.uint64) for w in (index, stream, attempt)))
    cdef const cnp.uint64_t[::1] c0 = np.ascontiguousarray(index.ravel())
    cdef const cnp.uint64_t[::1] c1 = np.ascontiguousarray(stream.ravel())
    cdef const cnp.uint64_t[::1] c3 = np.ascontiguousarray(attempt.ravel())
    cdef Py_ssize_t e, n = c0.shape[0]
    out = np.empty((n, 4), dtype=np.uint64)
    cdef cnp.uint64_t[:, ::1] words = out
    cdef uint64_t counter[4]
    with nogil:
        counter[2] = draw
        for e in range(n):
            counter[0] = c0[e]
            counter[1] = c1[e]
            counter[3] = c3[e]
            philox(counter, k0, k1, &words[e, 0])
    return out


def row_words(stream, Py_ssize_t k, uint64_t draw, uint64_t k0, uint64_t k1):
    """``k`` words for each of the streams ``stream`` (uint64): word j of a stream is word
    j % 4 of the block of counter (j // 4, stream, draw, 0): (len(stream), k) uint64."""
    cdef const cnp.uint64_t[::1] rows = np.ascontiguousarray(stream, dtype=np.uint64)
    cdef Py_ssize_t r, j, n = rows.shape[0]
    out = np.empty((n, k), dtype=np.uint64)
    cdef cnp.uint64_t[:, ::1] words = out
    cdef uint64_t counter[4]
    cdef uint64_t block[4]
    with nogil:
        counter[2] = draw
        counter[3] = 0
        for r in range(n):
            counter[1] = rows[r]
            for j in range(k):
                if j % 4 == 0:
                    counter[0] = <uint64_t> (j // 4)
                    philox(counter, k0, k1, block)
                words[r, j] = block[j % 4]
    return out


def below(words, uint64_t bound):
    """Integers in [0, bound) (int64, so bound <= 2^63) from uniform 64-bit ``words`` by Lemire's multiply-shift method
    (2019): (value int64, rejected bool), one each per word.  A word is rejected with
    probability below bound / 2^64; the accepted values are exactly uniform."""
    if not 0 < bound <= 2 ** 63:
        raise ValueError(f"csnn: below() takes a bound in [1, 2**63], not {bound}")
    flat = np.ascontiguousarray(words, dtype=np.uint64).ravel()
    cdef const cnp.uint64_t[::1] w = flat
    cdef Py_ssize_t e, n = w.shape[0]
    values = np.empty(n, dtype=np.int64)
    rejected = np.zeros(n, dtype=bool)
    cdef cnp.int64_t[::1] v = values
    cdef cnp.uint8_t[::1] bad = rejected.view(np.uint8)
    cdef uint64_t hi, lo, threshold = (0 - bound) % bound
    with nogil:
        for e in range(n):
            lo = mulhilo64(w[e], bound, &hi)
            v[e] = <cnp.int64_t> hi
            bad[e] = lo < threshold
    shape = np.shape(words)
    return values.reshape(shape), rejected.reshape(shape)
