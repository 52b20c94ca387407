# cython: language_level=3
"""Sums of exponential-polynomial terms and their first threshold crossing (see exppoly.pyx)."""
from libc.math cimport exp, fabs, sqrt

from csnn._core.events cimport INFINITY

cdef enum:
    MAX_TERMS = 3
    CROSSING_DEPTH = 40          # leaves of a 1 ms block are 2**-40 ms ~ 9.1e-13 ms wide
    CROSSING_STACK = 128


cdef struct ExpTerm:
    double tau                   # decay time constant (ms)
    double p0                    # the term is (p0 + p1 s + p2 s**2) exp(-s / tau)
    double p1
    double p2


cdef struct ExpPoly:
    # f(s) = c + sum of terms, s >= 0 in ms after the state's time
    double c
    int n
    ExpTerm term[MAX_TERMS]
    ExpTerm d1[MAX_TERMS]        # the terms of f' (filled by exppoly_finish)
    ExpTerm d2[MAX_TERMS]        # the terms of f''


cdef inline void exppoly_add(ExpPoly* f, double tau, double p0, double p1, double p2) noexcept nogil:
    """Add a term, merging it with a term of the same time constant."""
    cdef int k
    for k in range(f.n):
        if f.term[k].tau == tau:
            f.term[k].p0 += p0
            f.term[k].p1 += p1
            f.term[k].p2 += p2
            return
    f.term[f.n].tau = tau
    f.term[f.n].p0 = p0
    f.term[f.n].p1 = p1
    f.term[f.n].p2 = p2
    f.n += 1


cdef inline void _derive(const ExpTerm* g, ExpTerm* d) noexcept nogil:
    """d/ds [P(s) exp(-s/tau)] = (P'(s) - P(s)/tau) exp(-s/tau), again a quadratic times exp."""
    d.tau = g.tau
    d.p0 = g.p1 - g.p0 / g.tau
    d.p1 = 2.0 * g.p2 - g.p1 / g.tau
    d.p2 = -g.p2 / g.tau


cdef inline void exppoly_finish(ExpPoly* f) noexcept nogil:
    """Compute the derivative terms once all terms are added."""
    cdef int k
    for k in range(f.n):
        _derive(&f.term[k], &f.d1[k])
        _derive(&f.d1[k], &f.d2[k])


cdef inline double _term_value(const ExpTerm* g, double s) noexcept nogil:
    return (g.p0 + s * (g.p1 + s * g.p2)) * exp(-s / g.tau)


cdef inline double exppoly_value(const ExpPoly* f, double s) noexcept nogil:
    cdef double v = f.c
    cdef int k
    for k in range(f.n):
        v += _term_value(&f.term[k], s)
    return v


cdef inline double _term_max(const ExpTerm* g, double a, double b, double* size) noexcept nogil:
    """Exact maximum of one term on [a, b]: at an end or where its derivative vanishes.

    The derivative's polynomial is a quadratic q2 s**2 + q1 s + q0 whose roots inside (a, b)
    are the interior extrema.  ``size`` receives the largest magnitude evaluated, which scales
    the rounding error.
    """
    cdef double m = _term_value(g, a)
    cdef double v = _term_value(g, b)
    cdef double q2 = -g.p2 / g.tau
    cdef double q1 = 2.0 * g.p2 - g.p1 / g.tau
    cdef double q0 = g.p1 - g.p0 / g.tau
    cdef double disc, r, root, roots[2]
    cdef int n_roots = 0, k
    size[0] = fabs(m) if fabs(m) > fabs(v) else fabs(v)
    if v > m:
        m = v
    if q2 != 0.0:
        disc = q1 * q1 - 4.0 * q2 * q0
        if disc >= 0.0:
            # numerically stable pair of roots
            r = -0.5 * (q1 + (sqrt(disc) if q1 >= 0.0 else -sqrt(disc)))
            roots[0] = r / q2
            n_roots = 1
            if r != 0.0:
                roots[1] = q0 / r
                n_roots = 2
    elif q1 != 0.0:
        roots[0] = -q0 / q1
        n_roots = 1
    for k in range(n_roots):
        root = roots[k]
        if a < root < b:
            v = _term_value(g, root)
            if v > m:
                m = v
            if fabs(v) > size[0]:
                size[0] = fabs(v)
    return m


cdef inline double exppoly_upper(const ExpPoly* f, double a, double b) noexcept nogil:
    """A rigorous upper bound of f on [a, b], plus a margin covering rounding.

    The smaller of two bounds: the sum of the terms' exact maxima (tight on short intervals
    away from extrema) and a second-order Taylor bound around the midpoint m,
    f(m) + |f'(m)| h + max(f'')+ h**2 / 2 with h = (b - a) / 2 and max f'' bounded by the sum of
    its terms' maxima (tight near a maximum, where the terms' slopes cancel).
    """
    cdef double bound = f.c, scale = fabs(f.c), size, h = 0.5 * (b - a), m = a + h
    cdef double value = f.c, slope = 0.0, curvature = 0.0, e
    cdef int k
    for k in range(f.n):
        bound += _term_max(&f.term[k], a, b, &size)
        scale += size
        e = exp(-m / f.term[k].tau)
        value += (f.term[k].p0 + m * (f.term[k].p1 + m * f.term[k].p2)) * e
        slope += (f.d1[k].p0 + m * (f.d1[k].p1 + m * f.d1[k].p2)) * e
        curvature += _term_max(&f.d2[k], a, b, &size)
    if curvature < 0.0:
        curvature = 0.0
    value += fabs(slope) * h + 0.5 * curvature * h * h
    if value < bound:
        bound = value
    return bound + 8.0 * 2.220446049250313e-16 * scale


cdef double first_crossing(const ExpPoly* f, double theta, double s_limit) noexcept nogil
