# cython: language_level=3
"""Rigorous upper bounds of a free psc membrane trajectory (psc.pxd's neurons), in closed form:
psc_upper_bound bounds U = V - E_L on any span of a free trajectory (the bound of crossing.pyx's
dyadic search, whose first leaf that reaches V_th holds the spike); psc_free_span gives a span
from the trajectory's start on which U surely stays below threshold.
"""
from libc.math cimport exp, fabs, log1p

from csnn._core.events cimport INFINITY
from csnn._core.psc_step cimport PscDecay, PscPoint, PscRates, psc_decay, psc_membrane, psc_propagate


cdef struct PscTrajectory:
    # free evolution from a state: U(s) = V(t0 + s) - E_L, s >= 0 (ms)
    PscPoint start
    double u_inf             # asymptote under the constant currents (mV)
    PscRates k
    double tau_ex
    double tau_in
    bint alpha               # alpha currents (their derivative terms matter)
    # the last point and decay psc_upper_bound computed (pure functions of s and of the
    # width: a search evaluates each interval's start and width twice, as parent and child)
    double memo_s            # -1: none
    PscPoint memo_point
    double memo_width        # -1: none
    PscDecay memo_decay


cdef inline void psc_trajectory(PscTrajectory* tr, const PscPoint* start, double u_inf, const PscRates* k,
                                double tau_ex, double tau_in) noexcept nogil:
    tr.start = start[0]
    tr.u_inf = u_inf
    tr.k = k[0]
    tr.tau_ex = tau_ex
    tr.tau_in = tau_in
    tr.alpha = start.di_ex != 0.0 or start.di_in != 0.0
    tr.memo_s = -1.0
    tr.memo_width = -1.0


cdef inline const PscDecay* _decay_of(PscTrajectory* tr, double w) noexcept nogil:
    if w != tr.memo_width:
        psc_decay(w, &tr.k, tr.alpha, &tr.memo_decay)
        tr.memo_width = w
    return &tr.memo_decay


cdef inline const PscPoint* _point_at(PscTrajectory* tr, double s) noexcept nogil:
    cdef PscDecay d
    if s == 0.0:
        return &tr.start
    if s != tr.memo_s:
        psc_decay(s, &tr.k, tr.alpha, &d)
        psc_propagate(&tr.start, &d, s, tr.u_inf, tr.k.inv_c_m, &tr.memo_point)
        tr.memo_s = s
    return &tr.memo_point


cdef inline void _current_range(double i0, double d0, double tau, double w, double es,
                                double* low, double* high) noexcept nogil:
    """Bounds of the current (i0 + d0 s) e^{-s/tau} on [0, w] given es = e^{-w/tau}: its ends,
    and for an alpha current its one extremum d0 tau e^{-x} at s* = tau - i0 / d0 = x tau
    when inside, taken with e^{-x} <= 1 - x + x^2 / 2 (tight to x^3 / 6) for small x, which
    bounds a maximum (d0 > 0) from above and a minimum (d0 < 0) from below."""
    cdef double v = (i0 + d0 * w) * es
    cdef double peak, x, decay
    low[0] = i0 if i0 < v else v
    high[0] = i0 if i0 > v else v
    if d0 != 0.0:
        peak = tau - i0 / d0
        if 0.0 < peak < w:
            x = peak / tau
            decay = 1.0 - x + 0.5 * x * x if x < 0.125 else exp(-x)
            v = d0 * tau * decay
            if v < low[0]:
                low[0] = v
            if v > high[0]:
                high[0] = v


cdef inline double psc_bound_over(const PscTrajectory* tr, const PscPoint* a, double w,
                               const PscDecay* d) noexcept nogil:
    """A rigorous upper bound of U on the span w (ms) from the point ``a`` (d: the decay over w),
    without cancellation for any time constants.

    By comparison, U stays between the solutions of dU/ds = (U_inf - U) / tau_m + J / C_m that
    start at U(a) with J held at the smallest and at the largest synaptic current on the span;
    those solutions are monotone, so their extremes are at its ends, and the upper one's excess
    over the true maximum shrinks as w^2.  When these bounds also prove the sign of dU/ds on
    the span (U is then monotone), the bound is U at the right end: exact.  A margin covers
    rounding.
    """
    cdef double j_lo, j_hi, j_lo_in, j_hi_in, u_top, u_bottom, upper, lower, bound, u_b
    _current_range(a.i_ex, a.di_ex, tr.tau_ex, w, d.es_ex, &j_lo, &j_hi)
    _current_range(a.i_in, a.di_in, tr.tau_in, w, d.es_in, &j_lo_in, &j_hi_in)
    u_top = tr.u_inf + (j_hi + j_hi_in) * tr.k.r_m
    u_bottom = tr.u_inf + (j_lo + j_lo_in) * tr.k.r_m
    upper = a.u + (a.u - u_top) * d.em1
    lower = a.u + (a.u - u_bottom) * d.em1
    bound = upper if upper > a.u else a.u
    if u_bottom - bound >= 0.0:
        # dU/ds >= (U_inf - max U) / tau_m + J_min / C_m >= 0: U rises, its maximum is at the end
        u_b = psc_membrane(d, a, tr.u_inf, tr.k.inv_c_m)
        if u_b < bound:
            bound = u_b
    elif u_top - (lower if lower < a.u else a.u) <= 0.0:
        # dU/ds <= 0: U falls, its maximum is at the start
        bound = a.u
    return bound + 16.0 * 2.220446049250313e-16 * (fabs(a.u) + fabs(u_top) + fabs(tr.start.u))


cdef inline double psc_upper_bound(void* trajectory, double a, double b) noexcept nogil:
    """A rigorous upper bound of U on [a, b] (psc_bound_over from the point at a).  A pure function
    of (trajectory, a, b), so that the search's tree decides the same whatever it evaluated
    before (its memo only saves recomputing)."""
    cdef PscTrajectory* tr = <PscTrajectory*> trajectory
    cdef const PscPoint* at = _point_at(tr, a)
    return psc_bound_over(tr, at, b - a, _decay_of(tr, b - a))


cdef inline void _current_hull(double i0, double d0, double tau, double* low, double* high) noexcept nogil:
    """Range of (i0 + d0 s) e^{-s/tau} over all s >= 0: i0, the limit 0 and, for alpha currents,
    its one extremum s* = tau - i0 / d0 if s* > 0."""
    cdef double peak, v
    low[0] = i0 if i0 < 0.0 else 0.0
    high[0] = i0 if i0 > 0.0 else 0.0
    if d0 != 0.0:
        peak = tau - i0 / d0
        if peak > 0.0:
            v = d0 * tau * exp(-peak / tau)
            if v < low[0]:
                low[0] = v
            if v > high[0]:
                high[0] = v


cdef inline double psc_free_span(const PscTrajectory* tr, double theta) noexcept nogil:
    """A span [0, S] over which U surely stays below theta, found without a search.

    With J(s) <= J_hi for all s >= 0 and U_hi = U_inf + J_hi tau_m / C_m the asymptote under
    that current, dU/ds <= (U_hi - U) / tau_m, so by comparison U(s) <= W(s) = U_hi + (U0 - U_hi)
    e^{-s/tau_m}, which reaches theta' = theta - margin at s = tau_m ln((U_hi - U0) / (U_hi -
    theta')).  Returns inf when U_hi is below theta' (U never reaches it).  The relative margin
    of 1e-9, far above rounding, keeps U clearly below theta on the span, so that the canonical
    search, which the span lets skip its start, finds the same crossing as a search from 0.
    """
    cdef double j_lo, j_hi, j_lo_in, j_hi_in, u_hi
    cdef double margin
    cdef double u0 = tr.start.u
    _current_hull(tr.start.i_ex, tr.start.di_ex, tr.tau_ex, &j_lo, &j_hi)
    _current_hull(tr.start.i_in, tr.start.di_in, tr.tau_in, &j_lo_in, &j_hi_in)
    u_hi = tr.u_inf + (j_hi + j_hi_in) * tr.k.r_m
    margin = 1e-9 * (fabs(theta) + fabs(u0) + fabs(u_hi))
    if theta - u0 <= margin:
        return 0.0
    if u_hi <= theta - margin:
        return INFINITY
    return log1p((theta - margin - u0) / (u_hi - theta + margin)) / tr.k.inv_tau_m
