# cython: language_level=3
"""The first threshold crossing of a trajectory that has a rigorous upper bound on intervals.

Between two inputs the membrane potential of a neuron with synaptic currents can rise above
threshold and fall back, so checking it at the inputs misses spikes.  ``first_crossing`` finds
the first time a trajectory reaches the threshold, or proves that it does not before a limit,
given a function that bounds the trajectory from above on any interval [a, b]:

* intervals are searched depth first, earliest first, in a fixed dyadic tree: blocks of 1 ms
  after the trajectory's start, halved down to 2**-40 ms (9.1e-13 ms); an interval whose bound
  lies below the threshold holds no crossing and is skipped;
* the first leaf whose bound reaches the threshold holds the crossing; its right end is returned.

The tree does not depend on the search limit (the limit only stops the search), so a crossing
found while processing one window equals the one found over a later window, and split
simulations stay bit-identical.  A crossing is never missed: a trajectory that touches the
threshold, even tangentially, makes the bound of every interval around the touching point reach
it.  How fast the search decides a near-miss depends on how quickly the bound tightens as
intervals shrink (quadratically for the bound of csnn/_core/psc_bounds.pxd); a trajectory passing
within the bound's rounding margin (~1e-14 mV) of the threshold counts as touching it.
"""
from libc.math cimport floor

from csnn._core.events cimport INFINITY


cdef double first_crossing(upper_bound_fn bound, void* trajectory, double theta,
                           double s_from, double s_limit) noexcept nogil:
    """Smallest leaf end s <= ~s_limit where the trajectory may reach theta, else INFINITY
    (the trajectory must start below theta).  [0, s_from] must be known to hold no crossing
    (an earlier search covered it): tree nodes inside it are skipped, which, the bound being
    monotone under inclusion, finds the same leaf."""
    cdef double stack_a[CROSSING_STACK]
    cdef double stack_w[CROSSING_STACK]
    cdef int top
    cdef double block = floor(s_from), a, w
    cdef double leaf = 1.0 / (<double> (1 << 20)) / (<double> (1 << 20))
    if bound(trajectory, s_from, s_limit) < theta:
        return INFINITY
    while block < s_limit:
        top = 0
        stack_a[0] = block
        stack_w[0] = 1.0
        while top >= 0:
            a = stack_a[top]
            w = stack_w[top]
            top -= 1
            if a >= s_limit:
                return INFINITY
            if a + w <= s_from or bound(trajectory, a, a + w) < theta:
                continue
            if w <= leaf:
                return a + w
            # right half below the left one: the earliest interval is searched first
            top += 1
            stack_a[top] = a + 0.5 * w
            stack_w[top] = 0.5 * w
            top += 1
            stack_a[top] = a
            stack_w[top] = 0.5 * w
        block += 1.0
    return INFINITY
