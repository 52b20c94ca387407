# cython: language_level=3
"""Times on the resolution grid, carried as integers.

Spike times and delays are continuous doubles, but some events are defined on the grid of the
kernel's resolution h: ``poisson_generator`` draws a count per step and stamps it with the
step's end, and NEST scripts give spike times and delays that are multiples of h.  Such times
are carried as step numbers k and turned into a double only once, always by ``grid_time``:
k / (1 / h) when 1 / h is a whole number (so step 3 of 0.1 ms is exactly 0.3, the double
nearest 3 / 10), else k * h.  A delay within 1e-9 (relative) of m steps counts as m steps, and
an event emitted at step k arrives at ``grid_time(k + m)``: inputs that coincide on the grid
reach a neuron at the same double, whatever path they took (a generator's event stamped 1.2
with delay 0.1 and a spike at 0.3 with delay 1.0 both arrive at grid_time(13)), and are summed
before its threshold is checked, as NEST sums them.  Off the grid, the arrival is the emission
time plus the delay, as before.
"""
from libc.math cimport fabs, floor, nearbyint
from libc.stdint cimport int64_t

cdef extern from *:
    """
    #define CSNN_MAX_STEP ((int64_t) 1 << 62)
    """
    # largest step number used: schedules end here (2^62 steps of 0.1 ms are 15 million years)
    const int64_t MAX_STEP "CSNN_MAX_STEP"


cdef enum:
    # ``delay_steps`` of a delay that is not a whole number of steps
    OFF_GRID = -1


cdef struct Grid:
    double h            # resolution (ms)
    double inverse      # 1 / h when that is a whole number (exact grid times k / inverse), else 0


cdef inline Grid make_grid(double h) noexcept nogil:
    cdef Grid g
    cdef double q = 1.0 / h
    g.h = h
    g.inverse = q if q == floor(q) and q * h == 1.0 else 0.0
    return g


cdef inline double grid_time(const Grid* g, int64_t k) noexcept nogil:
    """Time of step k (ms)."""
    return k / g.inverse if g.inverse > 0.0 else k * g.h


cdef inline bint near_steps(const Grid* g, double t, int64_t* k) noexcept nogil:
    """Whether t (ms) is within 1e-9 (relative) of a whole number of steps, stored in ``k``."""
    cdef double steps = t / g.h
    cdef double whole = nearbyint(steps)
    if fabs(steps) >= <double> MAX_STEP or fabs(steps - whole) > 1e-9 * (fabs(steps) if fabs(steps) > 1.0 else 1.0):
        return False
    k[0] = <int64_t> whole
    return True


cdef inline bint on_grid(const Grid* g, double t, int64_t* k) noexcept nogil:
    """Whether t (ms) is exactly the time of a step (``grid_time``), stored in ``k``: one
    division, one rounding and one comparison."""
    cdef double steps = t / g.h
    cdef int64_t whole
    if fabs(steps) >= <double> MAX_STEP:
        return False
    whole = <int64_t> nearbyint(steps)
    if grid_time(g, whole) != t:
        return False
    k[0] = whole
    return True


cdef inline int64_t last_step(const Grid* g, double t) noexcept nogil:
    """The last step whose time is at or before t (ms): t's own step when t lies within 1e-9
    of the grid, else the step before it."""
    cdef int64_t k
    if near_steps(g, t, &k):
        return k
    if t / g.h >= <double> MAX_STEP:
        return MAX_STEP
    if t / g.h <= -<double> MAX_STEP:
        return -MAX_STEP
    return <int64_t> floor(t / g.h)


cdef inline int64_t delay_steps(const Grid* g, double delay) noexcept nogil:
    """A delay (ms) as a whole number (>= 1) of steps, or OFF_GRID."""
    cdef int64_t m
    if near_steps(g, delay, &m) and m >= 1:
        return m
    return OFF_GRID


cdef inline double arrival(const Grid* g, int64_t k, int64_t m, double delay) noexcept nogil:
    """Arrival time (ms) of an event emitted at step k through a delay of m steps (``delay`` ms
    when m is OFF_GRID)."""
    if m != OFF_GRID:
        return grid_time(g, k + m)
    return grid_time(g, k) + delay


cdef inline double arrival_at(const Grid* g, double t, int64_t m, double delay) noexcept nogil:
    """Arrival time (ms) of an event emitted at time t through a delay of m steps (``delay`` ms;
    m is OFF_GRID when it is not a whole number of steps): on the grid when both are."""
    cdef int64_t k
    if m != OFF_GRID and on_grid(g, t, &k):
        return grid_time(g, k + m)
    return t + delay
