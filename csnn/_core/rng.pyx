# cython: language_level=3
"""Seeding of the engine's xoshiro256** streams from numpy's ``SeedSequence``, the exponential
ziggurat's tables and the Poisson count tables (the draws are inline, in ``rng.pxd``).

A stream's seed depends only on ``(rng_seed, purpose, owner, block, ordinal)``: the kernel
seed, what the stream is for, the node that owns it, which of that node's ``Connect`` calls made
it and its ordinal in that call.  Creating other nodes or connections, or changing the thread
count, never changes a stream.
"""
import numpy as np

cimport numpy as cnp
from libc.math cimport exp, expm1, floor, log1p
from libc.stdint cimport int64_t

cnp.import_array()

#: purposes of stream families (part of the SeedSequence spawn key)
PURPOSE_POISSON = 1
PURPOSE_CONNECT = 2
PURPOSE_PARAMETER = 3

#: edge R of the base layer of the 256-layer exponential ziggurat (Marsaglia and Tsang 2000):
#: the base layer, [0, R] below e^{-R} plus the tail beyond R, has the area (1 + R) e^{-R} of
#: every layer
ZIGGURAT_EDGE = 7.69711747013104972

#: counts with a mean below this skip their empty steps by a geometric jump (one exponential
#: variate per non-empty step instead of one uniform variate per step): measured, a jump is
#: cheaper per step up to a mean of about 1.5 (0.75: 9 ns against 18 ns per step), drawing every
#: step from about 1.75 on (2.5: 10 ns against 18 ns)
SKIP_BELOW = 1.5

#: a count table ends where the probability of the counts beyond it, relative to the most
#: likely count's, falls below 2^-70 (a 53-bit uniform variate cannot reach them)
_TAIL = 2.0 ** -70


cdef void _build_ziggurat(double edge) noexcept:
    """Fill the tables of rng.pxd: layer edges x_0 = (1 + R) (the base layer's virtual width,
    area / e^{-R}), x_1 = R, x_{i+1} from x_i so that every layer has the same area, x_256 = 0."""
    cdef double area = (1.0 + edge) * exp(-edge)
    cdef double x[ZIGGURAT_LAYERS + 1]
    cdef double two53 = 9007199254740992.0
    cdef int i
    x[0] = area / exp(-edge)
    x[1] = edge
    for i in range(1, ZIGGURAT_LAYERS - 1):
        # e^{-x_{i+1}} = area / x_i + e^{-x_i}, near 1 at the top: log1p keeps its digits
        x[i + 1] = -log1p(area / x[i] + expm1(-x[i]))
    x[ZIGGURAT_LAYERS] = 0.0
    for i in range(ZIGGURAT_LAYERS):
        zig_scale[i] = x[i] / two53
        zig_inner[i] = <uint64_t> floor(x[i + 1] / x[i] * two53)
        zig_height[i] = exp(-x[i])
    zig_height[ZIGGURAT_LAYERS] = 1.0
    global zig_edge
    zig_edge = edge


_build_ziggurat(ZIGGURAT_EDGE)


def ziggurat_layers():
    """The ziggurat's layer edges x_0 .. x_256 and heights e^{-x_i} (for tests)."""
    edges = np.array([zig_scale[i] * 9007199254740992.0 for i in range(ZIGGURAT_LAYERS)] + [0.0])
    heights = np.array([zig_height[i] for i in range(ZIGGURAT_LAYERS + 1)])
    return edges, heights


def stream_states(rng_seed, purpose, owner, block, count):
    """Return ``count`` xoshiro256** states (uint64 array of shape (count, 4)).

    The states of one block (for instance, the targets of one ``Connect`` call from a
    generator) come from ``SeedSequence(rng_seed, spawn_key=(purpose, owner, block))``; row
    ``i`` seeds the block's ``i``-th stream.
    """
    seq = np.random.SeedSequence(rng_seed, spawn_key=(purpose, owner, block))
    states = seq.generate_state(4 * count, np.uint64).reshape(count, 4)
    zero = ~states.any(axis=1)
    states[zero, 0] = 1  # xoshiro's state must not be all zero
    return states


cdef Xoshiro256 _state(cnp.uint64_t[::1] state):
    cdef Xoshiro256 st
    cdef int i
    for i in range(4):
        st.s[i] = state[i]
    return st


def exponential_draws(cnp.uint64_t[::1] state, Py_ssize_t n):
    """Draw ``n`` exponential(1) variates from one stream (for tests of the core generator)."""
    cdef Xoshiro256 st = _state(state)
    cdef Py_ssize_t i
    cdef cnp.ndarray[double, ndim=1] out = np.empty(n)
    for i in range(n):
        out[i] = next_exponential(&st)
    return out


def _count_weights(double mean, int64_t first):
    """Counts k >= first of a Poisson variate with ``mean`` (> 0) and their relative weights:
    1 at the most likely one, the others by the ratios p(k + 1) / p(k) = mean / (k + 1), down
    to where they fall below _TAIL.  Returns (the smallest count kept, the weights)."""
    cdef int64_t mode = <int64_t> floor(mean) if mean > first else first
    cdef int64_t k
    cdef double w
    below, above = [], [1.0]
    w = 1.0
    k = mode
    while k > first:
        w *= k / mean                  # p(k - 1) / p(k)
        k -= 1
        if w < _TAIL:
            k += 1
            break
        below.append(w)
    w = 1.0
    k = mode
    while True:
        w *= mean / (k + 1)            # p(k + 1) / p(k)
        k += 1
        if w < _TAIL:
            break
        above.append(w)
    return mode - len(below), np.array(below[::-1] + above)


cdef class PoissonTables:
    """The count tables of a schedule of means (one ``PoissonTable`` per mean, in the order
    given): C structs pointing into arrays this object keeps alive."""

    def __cinit__(self, means):
        means = np.ascontiguousarray(means, dtype=np.float64)
        cdef Py_ssize_t n = means.shape[0], i
        cdef int64_t n_cdf, n_guide
        cdfs, guides, firsts = [], [], []
        for mean in means.tolist():
            if not mean > 0.0:
                cdfs.append(np.ones(1))
                guides.append(np.zeros(2, dtype=np.int64))
                firsts.append(0)
                continue
            smallest, weights = _count_weights(mean, 1 if mean < SKIP_BELOW else 0)
            table = np.cumsum(weights) / weights.sum()
            table[-1] = 1.0
            # entry g: the first count above g / G; one more entry guards u * G rounding to G
            starts = np.searchsorted(table, np.arange(table.size + 1) / table.size, side="right")
            cdfs.append(table)
            guides.append(np.minimum(starts, table.size - 1).astype(np.int64))
            firsts.append(smallest)
        self._cdf = np.concatenate(cdfs) if cdfs else np.ones(1)
        self._guide = np.concatenate(guides) if guides else np.zeros(1, dtype=np.int64)
        self._records = np.zeros(max(n, 1) * sizeof(PoissonTable), dtype=np.uint8)
        self.tables = <PoissonTable*> cnp.PyArray_DATA(self._records)
        cdef const double* cdf = <const double*> cnp.PyArray_DATA(self._cdf)
        cdef const int64_t* guide = <const int64_t*> cnp.PyArray_DATA(self._guide)
        cdef const double* mean_of = <const double*> cnp.PyArray_DATA(means)
        for i in range(n):
            self.tables[i].mean = mean_of[i] if mean_of[i] > 0.0 else 0.0
            self.tables[i].gap_scale = 1.0 / mean_of[i] if 0.0 < mean_of[i] < SKIP_BELOW else 0.0
            n_cdf = cdfs[i].size
            n_guide = guides[i].size
            self.tables[i].first = firsts[i]
            self.tables[i].n = n_cdf
            self.tables[i].n_guide = n_guide - 1
            self.tables[i].cdf = cdf
            self.tables[i].guide = guide
            cdf += n_cdf
            guide += n_guide
        self.n = n

    def __len__(self):
        return self.n


def poisson_steps(cnp.uint64_t[::1] state, double mean, int64_t steps):
    """The steps 1 .. ``steps`` with a count of mean ``mean`` that is not 0, and their counts,
    drawn from one stream as generator streams draw them (empty steps skipped at once when the
    mean is small), for tests of the core generator."""
    cdef PoissonTables tables = PoissonTables([mean])
    cdef Xoshiro256 st = _state(state)
    cdef int64_t k = 0, count
    found, counts = [], []
    while True:
        k = poisson_next(&tables.tables[0], &st, k, steps, &count)
        if count == 0:
            return np.array(found, dtype=np.int64), np.array(counts, dtype=np.int64)
        found.append(k)
        counts.append(count)
