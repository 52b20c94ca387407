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
  value is ``values[i]`` for ``times[i] < t <= times[i + 1]``, 0 before ``times[0]``
  (``GEN_POISSON``: a rate and a dead time per breakpoint);
* ``GEN_POISSON_GRID``: the same schedule of rates over steps of the resolution h, with
  breakpoints that are step numbers: step k (the one stamped k h) has the rate of the segment
  holding k;
* step currents (``GEN_NOISE``, ``GEN_OU``, ``GEN_AC``): a current that is constant over the
  steps (j dt, (j + 1) dt] of the active interval, drawn per target and per step: Gaussian
  white noise, an Ornstein-Uhlenbeck process updated exactly between steps, or a sinusoid
  sampled at the step's start.  Their data are parameter epochs (``STEP_PARAMETERS``).

When a device's parameters change at time ``T``, the facade rewrites its data only after ``T``
and keeps everything before it, so events already emitted (in flight for up to one delay) are
delivered as they were, and ``stream_retime`` only recomputes each stream's next event.

``GEN_POISSON`` streams (``poisson_generator_ps``) are exact for piecewise-constant rates: an
exponential(1) budget is used up by the integrated rate, segment by segment (time rescaling);
emission times are continuous.  With a dead time d after each spike the budget is used up at
rate / (1 - rate d) outside the dead times, so that the mean rate stays the rate.

``GEN_POISSON_GRID`` streams (``poisson_generator``, ``inhomogeneous_poisson_generator``)
follow NEST: every step draws an independent Poisson count with mean rate h, and a count n > 0
is one event of multiplicity n (n times the weight at once) stamped with the step's end.  The
stream yields only the non-empty steps: counts come from per-segment tables, and when the mean
is small the empty steps before the next non-empty one are skipped in one draw (``rng.pxd``).
Steps, and the delays that are whole numbers of steps, are integers (``gridtime.pxd``), so an
event stamped k arrives exactly at the time of step k + m.  When the data change, the steps
after the present are drawn again from the new data.
"""

# The stream functions are inline, in streams.pxd, so that the event loop compiles them in; the
# rare walk over a grid drive's schedule is here, out of the loop's way.
import numpy as np

from csnn._core.gridtime cimport Grid, grid_time, last_step, make_grid
from csnn._core.rng cimport poisson_next


cdef void grid_next(Stream* s, Generator* g) noexcept nogil:
    """GEN_POISSON_GRID: the next step after ``step`` whose count is not 0, segment by segment
    of the schedule (breakpoints are step numbers; segment i holds the steps (times[i],
    times[i + 1]]) from segment ``cursor`` (that of step + 1 or an earlier one) on: its step,
    count and arrival, and its segment in ``cursor`` (grid_walk)."""
    cdef int64_t k = s.step
    cdef int64_t i = s.cursor
    while i + 1 < g.n and g.times[i + 1] <= k:
        i += 1
    grid_walk(s, g, k, i)


cdef void grid_walk(Stream* s, Generator* g, int64_t k, int64_t i) noexcept nogil:
    """GEN_POISSON_GRID: from step k of segment i (-1: before the first breakpoint) on, segment
    by segment, the next step whose count is not 0 (grid_found), or none when the schedule ends
    first."""
    cdef int64_t end, count = 0
    while i < g.n:
        end = <int64_t> g.times[i + 1] if i + 1 < g.n else MAX_STEP
        if i >= 0:
            k = poisson_next(&g.tables[i], &s.rng, k, end, &count)
            if count > 0:
                grid_found(s, g, i, k, count)
                return
        k = end
        i += 1
    s.next_step = MAX_STEP
    s.next_t = INFINITY


def stream_kinds():
    """Generator kinds understood by the streams: name -> code."""
    return {"spikes": GEN_SPIKES, "poisson": GEN_POISSON, "current": GEN_CURRENT,
            "noise": GEN_NOISE, "ou": GEN_OU, "ac": GEN_AC, "poisson_grid": GEN_POISSON_GRID}


#: parameters of the step-current kinds, in the order of a row of the generator's ``values``
STEP_PARAMETERS = ("mean", "std", "dt", "std_mod", "omega", "phase", "t_on", "t_off")


def last_steps(times, double resolution):
    """The last step at or before each time (ms) on the grid of ``resolution`` (a time within
    1e-9 of the grid is on it; see gridtime.pxd), as float64 whole numbers, the form of
    ``GEN_POISSON_GRID`` breakpoints; at most MAX_STEP."""
    return _grid_map(times, resolution, True)


def grid_times(steps, double resolution):
    """The time (ms) of each step number on the grid of ``resolution`` (gridtime.pxd)."""
    return _grid_map(steps, resolution, False)


cdef object _grid_map(values, double resolution, bint to_steps):
    """An array like ``values``: each time's last step (``to_steps``), or each step's time."""
    cdef Grid grid = make_grid(resolution)
    values = np.asarray(values, dtype=np.float64)
    out = np.empty(values.shape)
    cdef const double[::1] given = np.ascontiguousarray(values).reshape(-1)
    cdef double[::1] mapped = out.reshape(-1)
    cdef Py_ssize_t i
    for i in range(given.shape[0]):
        mapped[i] = <double> last_step(&grid, given[i]) if to_steps else grid_time(&grid, <int64_t> given[i])
    return out
