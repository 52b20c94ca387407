# cython: language_level=3
"""Stimulation devices as per-target event streams.

Generators are not nodes of the event loop.  Every connection from a generator to a neuron is
a *stream* owned by the target: a cursor into the generator's data that yields the next event
(its arrival time, weight, or the new current) on demand, inside the target's window.  A
generator therefore costs nothing where it is not connected and never limits the min-delay.

A generator's data is a function of emission time:

* ``GEN_SPIKES``: sorted spike times (already filtered to the device's active interval) with
  optional weights and multiplicities;
* ``GEN_POISSON`` / ``GEN_CURRENT``: a schedule of breakpoints ``times[i]`` and values: the
  value is ``values[i]`` for ``times[i] < t <= times[i + 1]``, 0 before ``times[0]``.

When a device's parameters change at time ``T``, the facade rewrites its data only after ``T``
and keeps everything before it, so events already emitted (in flight for up to one delay) are
delivered as they were, and ``stream_retime`` only recomputes each stream's next event.

Poisson streams are exact for piecewise-constant rates: an exponential(1) budget is consumed by
the integrated rate, segment by segment (time rescaling); emission times are continuous.
"""
from csnn._core.events cimport INFINITY
from csnn._core.rng cimport next_exponential


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


cdef void _poisson_next(Stream* s, Generator* g) noexcept nogil:
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


cdef void _cursor_next(Stream* s, Generator* g) noexcept nogil:
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


cdef void stream_start(Stream* s, Generator* g, double t0) noexcept nogil:
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


cdef void stream_pop(Stream* s, Generator* g) noexcept nogil:
    """Consume the stream's next event and find the one after it."""
    if g.kind == GEN_POISSON:
        s.pos = s.next_emit
        s.budget = next_exponential(&s.rng)
        s.cursor = _first_after(g.times, g.n, s.pos) - 1
        _poisson_next(s, g)
        return
    if g.kind == GEN_CURRENT:
        s.value = s.next_value
    if s.pending:
        s.pending = 0
    else:
        s.cursor += 1
    _cursor_next(s, g)


cdef void stream_retime(Stream* s, Generator* g) noexcept nogil:
    """Recompute the next event after the generator's data changed beyond what was emitted."""
    if g.kind == GEN_POISSON:
        s.cursor = _first_after(g.times, g.n, s.pos) - 1
        _poisson_next(s, g)
    elif not s.pending:
        _cursor_next(s, g)
