# cython: language_level=3
"""Sums of exponential-polynomial terms and their first threshold crossing.

Between two input events the membrane potential of a current-based LIF neuron with exponential
or alpha-shaped synaptic currents is

    f(s) = c + sum_k (p0_k + p1_k s + p2_k s**2) exp(-s / tau_k),

one term per time constant (membrane, excitatory and inhibitory synapse; the polynomial parts
arise for alpha currents and when a synaptic time constant equals the membrane's).  Such a sum
can rise above a threshold and fall back between two events, so sampling it at the events
misses spikes.  ``first_crossing`` finds the first time f reaches the threshold, or proves that
it does not before a limit:

* an upper bound of f on an interval [a, b] is the smaller of the sum of each term's exact
  maximum there (at an end point, or where the term's derivative vanishes: a quadratic) and a
  second-order Taylor bound around the midpoint (whose curvature bound comes from the terms of
  f''), plus a margin for rounding; an interval whose bound lies below the threshold contains
  no crossing.  The Taylor bound converges quadratically near a maximum, so trajectories that
  graze the threshold are decided in a few dozen steps;
* intervals are searched depth first, earliest first, in a fixed dyadic tree: blocks of 1 ms
  after the state's time, halved down to 2**-40 ms (9.1e-13 ms).  The first leaf whose bound
  reaches the threshold holds the crossing; its right end is returned.

The tree does not depend on the search limit (the limit only stops the search), so a crossing
found in one window equals the one found when the search runs over a later window, and split
simulations stay bit-identical.  A crossing is never missed: a trajectory that touches the
threshold, even tangentially, makes the bound of every interval around the touching point reach
it.  The price is that a trajectory passing within ~1e-14 mV of the threshold counts as touching.
"""

cdef double first_crossing(const ExpPoly* f, double theta, double s_limit) noexcept nogil:
    """Smallest leaf end s <= ~s_limit where f may reach theta (f(0) < theta), else INFINITY."""
    cdef double stack_a[CROSSING_STACK]
    cdef double stack_w[CROSSING_STACK]
    cdef int top
    cdef double block = 0.0, a, w
    cdef double leaf = 1.0 / (<double> (1 << 20)) / (<double> (1 << 20))
    if exppoly_upper(f, 0.0, s_limit) < theta:
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
            if exppoly_upper(f, a, a + w) < theta:
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


def crossing(double c, terms, double theta, double s_limit):
    """Python access for tests: first crossing of c + sum (p0 + p1 s + p2 s**2) exp(-s/tau).

    ``terms``: up to three (tau, p0, p1, p2) tuples.  Returns the crossing time or inf.
    """
    cdef ExpPoly f
    f.c = c
    f.n = 0
    for tau, p0, p1, p2 in terms:
        exppoly_add(&f, tau, p0, p1, p2)
    exppoly_finish(&f)
    return first_crossing(&f, theta, s_limit)


def upper_bound(double c, terms, double a, double b):
    """Python access for tests: the upper bound of the sum on [a, b]."""
    cdef ExpPoly f
    f.c = c
    f.n = 0
    for tau, p0, p1, p2 in terms:
        exppoly_add(&f, tau, p0, p1, p2)
    exppoly_finish(&f)
    return exppoly_upper(&f, a, b)
