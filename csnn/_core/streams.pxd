# cython: language_level=3
"""Stimulation devices as per-target event streams: records and inline functions (see streams.pyx)."""
from libc.stdint cimport int32_t, int64_t

from csnn._core.events cimport INFINITY
from csnn._core.rng cimport Xoshiro256, next_exponential


cdef enum GeneratorKind:
    GEN_SPIKES = 0      # spike_generator: explicit spike times
    GEN_POISSON = 1     # poisson_generator: piecewise-constant rate (Hz)
    GEN_CURRENT = 2     # dc_generator: piecewise-constant current (pA)


cdef struct Generator:
    int32_t kind
    int32_t gid
    const double* times     # GEN_SPIKES: emission times; otherwise schedule breakpoints (ms)
    const double* values    # GEN_SPIKES: spike weights (NULL: 1); otherwise value after each breakpoint
    const double* mults     # GEN_SPIKES: multiplicities (NULL: 1)
    int64_t n


cdef struct Stream:
    int32_t target      # engine index of the target neuron
    int32_t gen         # index of the generator
    int32_t source      # global id of the generator (tie order)
    int32_t rank        # ordinal of this connection at its generator (tie order)
    int32_t port        # receptor port
    int32_t pending     # CURRENT: the next change is the value at the stream's start
    double weight       # connection weight
    double delay        # connection delay (ms)
    double pos          # POISSON: time of the last emission or of the stream's start (ms)
    double budget       # POISSON: exponential(1) budget left for the next emission
    double next_emit    # POISSON: emission time of the next spike (ms)
    double next_t       # arrival time of the next event (ms), inf when none
    double next_value   # weight of the next spike, or current after the next change (pA)
    double value        # CURRENT: current in effect at the target (pA), set when the change arrives
    int64_t cursor      # index of the next spike / breakpoint; POISSON: segment of pos
    int64_t next_mult   # multiplicity of the next spike
    Xoshiro256 rng      # POISSON: the stream's own random numbers




cdef inline int64_t _first_after(const double* times, int64_t n, double t) noexcept nogil:
    """Index of the first entry > t in a sorted array (n if none)."""
    cdef int64_t lo = 0, hi = n, mid
    while lo < hi:
        mid = (lo + hi) // 2
        if times[mid] <= t:
            lo = mid + 1
        else:
            hi = mid
    return lo


cdef inline double _value_after(Generator* g, double t) noexcept nogil:
    """Schedule value for emission times just after ``t``."""
    cdef int64_t i = _first_after(g.times, g.n, t)
    return g.values[i - 1] if i > 0 else 0.0


cdef inline void _poisson_next(Stream* s, Generator* g) noexcept nogil:
    """Next emission after ``pos`` for the budget left: walk the rate schedule from pos's segment."""
    cdef double t = s.pos
    cdef double budget = s.budget
    cdef int64_t i = s.cursor          # segment (times[i], times[i + 1]]; -1 before times[0]
    cdef double rate, seg_end, te
    while True:
        rate = g.values[i] * 1e-3 if i >= 0 else 0.0      # Hz -> 1/ms
        seg_end = g.times[i + 1] if i + 1 < g.n else INFINITY
        if rate > 0.0:
            te = t + budget / rate
            if te <= seg_end:
                s.next_emit = te
                s.next_t = te + s.delay
                return
            budget -= (seg_end - t) * rate
        if seg_end == INFINITY:
            s.next_emit = INFINITY
            s.next_t = INFINITY
            return
        t = seg_end
        i += 1


cdef inline void _cursor_next(Stream* s, Generator* g) noexcept nogil:
    """Next spike or breakpoint at the cursor."""
    if s.cursor >= g.n:
        s.next_t = INFINITY
        return
    s.next_t = g.times[s.cursor] + s.delay
    if g.kind == GEN_SPIKES:
        s.next_value = s.weight * (g.values[s.cursor] if g.values != NULL else 1.0)
        s.next_mult = <int64_t> g.mults[s.cursor] if g.mults != NULL else 1
    else:
        s.next_value = s.weight * g.values[s.cursor]


cdef inline void stream_start(Stream* s, Generator* g, double t0) noexcept nogil:
    """Position a new stream so that it yields the events emitted after ``t0``."""
    cdef double initial
    s.pending = 0
    if g.kind == GEN_POISSON:
        s.pos = t0
        s.budget = next_exponential(&s.rng)
        s.cursor = _first_after(g.times, g.n, t0) - 1
        _poisson_next(s, g)
        return
    s.cursor = _first_after(g.times, g.n, t0)
    if g.kind == GEN_CURRENT:
        s.value = 0.0
        initial = _value_after(g, t0) * s.weight
        if initial != 0.0:
            s.pending = 1
            s.next_t = t0 + s.delay
            s.next_value = initial
            return
    _cursor_next(s, g)


cdef inline void stream_pop(Stream* s, Generator* g) noexcept nogil:
    """Consume the stream's next event and find the one after it."""
    if g.kind == GEN_POISSON:
        s.pos = s.next_emit
        s.budget = next_exponential(&s.rng)
        s.cursor = _first_after(g.times, g.n, s.pos) - 1
        _poisson_next(s, g)
        return
    if s.pending:
        s.pending = 0
    else:
        s.cursor += 1
    _cursor_next(s, g)


cdef inline void stream_retime(Stream* s, Generator* g) noexcept nogil:
    """Recompute the next event after the generator's data changed beyond what was emitted."""
    if g.kind == GEN_POISSON:
        s.cursor = _first_after(g.times, g.n, s.pos) - 1
        _poisson_next(s, g)
    elif not s.pending:
        _cursor_next(s, g)
