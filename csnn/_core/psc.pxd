# cython: language_level=3
"""Exact propagators of current-based LIF neurons with exponential or alpha-shaped currents.

Shared by iaf_psc_exp, iaf_psc_alpha and srm_psc_exp (whose kernels are the same sums of
exponentials; it differs at spikes, see ``flush``).  A synaptic current is I(u) = (I0 + D0 u) exp(-u/tau_s)
(D0 = 0 for exponential currents); the membrane, U = V - E_L,

    dU/du = -U / tau_m + (I_const + I_ex(u) + I_in(u)) / C_m,

has the exact solution

    U(h) = U_inf + (U0 - U_inf) e^{-h/tau_m} + sum_syn (I0 K1(h) + D0 K2(h)) / C_m,

K1(h) = int_0^h e^{-u/tau_s} e^{-(h-u)/tau_m} du and K2(h) = int_0^h u e^{-u/tau_s} e^{-(h-u)/tau_m} du
(psc_synapse).
Both are evaluated without cancellation or overflow for any pair of time constants, the
singular case tau_s == tau_m included: with y = 1/tau_m - 1/tau_s and z = h y,
K1 = h e^{-h/tau_m} phi1(z) and K2 = h^2 e^{-h/tau_m} phi2(z), phi1(z) = (e^z - 1)/z and
phi2(z) = (e^z (z - 1) + 1)/z^2 taken from their series near z = 0.
"""
from libc.math cimport exp, expm1, fabs, isfinite, nextafter

from csnn._core.crossing cimport first_crossing
from csnn._core.events cimport INFINITY, Pending, pending_add


cdef struct PscParams:
    double E_L               # resting membrane potential (mV)
    double C_m               # membrane capacitance (pF)
    double tau_m             # membrane time constant (ms)
    double t_ref             # duration of the refractory period (ms)
    double V_th              # spike threshold (mV)
    double V_reset           # reset potential (mV)
    double I_e               # constant input current (pA)
    double tau_syn_ex        # excitatory synaptic time constant (ms)
    double tau_syn_in        # inhibitory synaptic time constant (ms)
    double alpha             # 1: alpha-shaped currents (iaf_psc_alpha), 0: exponential (iaf_psc_exp)
    double w_scale           # current jump per unit of weight (1; srm_psc_exp: 1 / PSP peak)
    double flush             # 1 (srm_psc_exp): a spike replaces the currents by I_reset and V
                             # evolves freely through t_ref; 0 (iaf): V is held at V_reset
    double I_reset           # the current after a spike when flush (pA)
    double K1                # srm_psc_exp's after-potential amplitudes (units of V_th - E_L)
    double K2


cdef struct PscState:
    double V_m               # membrane potential at time t (mV)
    double I_syn_ex          # excitatory synaptic current (pA)
    double dI_syn_ex         # its derivative term (pA/ms; alpha currents only)
    double I_syn_in          # inhibitory synaptic current (pA)
    double dI_syn_in         # its derivative term (pA/ms; alpha currents only)
    double t                 # time the state refers to (ms)
    double refr_end          # end of the refractory period (ms)
    double I_stim            # current from stimulation devices (pA)
    double t_spike           # time of the last spike (ms), -1 before the first
    double t_clear           # the crossing search of this state covered times up to t_clear (ms)
    double t_next            # the crossing it found (<= t_clear), inf if none


cdef struct PscNeuron:
    PscParams p
    PscState s

cdef inline double _phi1(double z) noexcept nogil:
    if fabs(z) < 1e-5:
        return 1.0 + z * (0.5 + z / 6.0)
    return expm1(z) / z


cdef inline double _phi2(double z) noexcept nogil:
    cdef double term, total
    cdef int k
    if fabs(z) < 0.1:
        # sum_k z^k (k + 1) / (k + 2)!
        total = 0.0
        term = 0.5                         # k = 0: 1 / 2!
        for k in range(12):
            total += term * (k + 1)
            term *= z / (k + 3)
        return total
    return (expm1(z) * (z - 1.0) + z) / (z * z)


cdef inline double psc_synapse(double h, double tau_m, double tau_s, double i0, double d0) noexcept nogil:
    """I0 K1(h) + D0 K2(h) of the module docstring (K2 only for alpha currents)."""
    cdef double y = 1.0 / tau_m - 1.0 / tau_s
    cdef double z = h * y
    cdef double em = exp(-h / tau_m)
    cdef double es, v
    if fabs(z) > 1.0:
        es = exp(-h / tau_s)
        v = i0 * (es - em) / y
        if d0 != 0.0:
            v += d0 * (es * (z - 1.0) + em) / (y * y)
    else:
        v = i0 * h * em * _phi1(z)
        if d0 != 0.0:
            v += d0 * h * h * em * _phi2(z)
    return v


cdef inline double psc_membrane(double u0, double u_inf, double tau_m, double c_m, double h,
                                double i_ex, double di_ex, double tau_ex,
                                double i_in, double di_in, double tau_in) noexcept nogil:
    """U(h) for the initial U0, the constant-current asymptote U_inf and the synaptic states."""
    # U0 + (U0 - U_inf)(e^{-h/tau_m} - 1): accurate increments even for a huge U_inf
    cdef double u = u0 + (u0 - u_inf) * expm1(-h / tau_m)
    if i_ex != 0.0 or di_ex != 0.0:
        u += psc_synapse(h, tau_m, tau_ex, i_ex, di_ex) / c_m
    if i_in != 0.0 or di_in != 0.0:
        u += psc_synapse(h, tau_m, tau_in, i_in, di_in) / c_m
    return u


cdef inline void psc_current(double* i, double* di, double tau_s, double h) noexcept nogil:
    """Advance a synaptic current I(u) = (I0 + D0 u) e^{-u/tau_s} by h."""
    cdef double e = exp(-h / tau_s)
    i[0] = (i[0] + di[0] * h) * e
    di[0] = di[0] * e


cdef struct PscTrajectory:
    # free evolution from a state: U(s) = V(t0 + s) - E_L, s >= 0 (ms)
    double u0
    double u_inf             # asymptote under the constant currents (mV)
    double tau_m
    double c_m
    double i_ex
    double di_ex
    double tau_ex
    double i_in
    double di_in
    double tau_in


cdef inline void _current_range(double i0, double d0, double tau, double a, double b,
                                double* low, double* high) noexcept nogil:
    """Range of (i0 + d0 s) e^{-s/tau} on [a, b]: its extremes are at the ends or at its one
    extremum s* = tau - i0 / d0."""
    cdef double u = (i0 + d0 * a) * exp(-a / tau)
    cdef double v = (i0 + d0 * b) * exp(-b / tau)
    cdef double peak
    low[0] = u if u < v else v
    high[0] = u if u > v else v
    if d0 != 0.0:
        peak = tau - i0 / d0
        if a < peak < b:
            v = (i0 + d0 * peak) * exp(-peak / tau)
            if v < low[0]:
                low[0] = v
            if v > high[0]:
                high[0] = v


cdef inline double _trajectory_u(const PscTrajectory* tr, double s) noexcept nogil:
    return psc_membrane(tr.u0, tr.u_inf, tr.tau_m, tr.c_m, s, tr.i_ex, tr.di_ex, tr.tau_ex,
                        tr.i_in, tr.di_in, tr.tau_in)


cdef inline double psc_upper_bound(const void* trajectory, double a, double b) noexcept nogil:
    """A rigorous upper bound of U on [a, b] without cancellation for any time constants.

    By comparison, U stays between the solutions of dU/ds = (U_inf - U) / tau_m + J / C_m that
    start at U(a) with J held at the smallest and at the largest synaptic current on [a, b];
    those solutions are monotone, so their extremes are at a or b, and the upper one's excess
    over the true maximum shrinks as (b - a)^2.  When these bounds also prove the sign of
    dU/ds on [a, b] (U is then monotone), the bound is U at the right end: exact.  A margin
    covers rounding.
    """
    cdef const PscTrajectory* tr = <const PscTrajectory*> trajectory
    cdef double u_a = _trajectory_u(tr, a)
    cdef double j_lo, j_hi, j_lo_in, j_hi_in, u_top, u_bottom, e, upper, lower, bound, u_b
    _current_range(tr.i_ex, tr.di_ex, tr.tau_ex, a, b, &j_lo, &j_hi)
    _current_range(tr.i_in, tr.di_in, tr.tau_in, a, b, &j_lo_in, &j_hi_in)
    j_lo += j_lo_in
    j_hi += j_hi_in
    u_top = tr.u_inf + j_hi * tr.tau_m / tr.c_m
    u_bottom = tr.u_inf + j_lo * tr.tau_m / tr.c_m
    e = expm1(-(b - a) / tr.tau_m)
    upper = u_a + (u_a - u_top) * e
    lower = u_a + (u_a - u_bottom) * e
    bound = upper if upper > u_a else u_a
    if u_bottom - bound >= 0.0:
        # dU/ds >= (U_inf - max U) / tau_m + J_min / C_m >= 0: U rises, its maximum is at b
        u_b = _trajectory_u(tr, b)
        if u_b < bound:
            bound = u_b
    elif u_top - (lower if lower < u_a else u_a) <= 0.0:
        # dU/ds <= 0: U falls, its maximum is at a
        bound = u_a
    return bound + 16.0 * 2.220446049250313e-16 * (fabs(u_a) + fabs(u_top) + fabs(tr.u0))


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

    With J_lo <= J(s) <= J_hi for all s >= 0 and U_lo, U_hi the asymptotes under those currents,
    U stays in [min(U0, U_lo), max(U0, U_hi)] (beyond either end dU/ds points back), so
    dU/ds <= (U_hi - min(U0, U_lo)) / tau_m = r and U(s) <= U0 + r s.  Returns inf when U_hi is
    below theta (U never reaches it).  A relative margin of 1e-9, far above rounding, keeps U
    clearly below theta on the span, so that the canonical search, which the span lets skip
    its start, finds the same crossing as a search from 0.
    """
    cdef double j_lo, j_hi, j_lo_in, j_hi_in, u_hi, u_lo, rate
    cdef double margin
    _current_hull(tr.i_ex, tr.di_ex, tr.tau_ex, &j_lo, &j_hi)
    _current_hull(tr.i_in, tr.di_in, tr.tau_in, &j_lo_in, &j_hi_in)
    u_hi = tr.u_inf + (j_hi + j_hi_in) * tr.tau_m / tr.c_m
    u_lo = tr.u_inf + (j_lo + j_lo_in) * tr.tau_m / tr.c_m
    margin = 1e-9 * (fabs(theta) + fabs(tr.u0) + fabs(u_hi) + fabs(u_lo))
    if theta - tr.u0 <= margin:
        return 0.0
    if u_hi < theta - margin:
        return INFINITY
    rate = (u_hi - (tr.u0 if tr.u0 < u_lo else u_lo)) / tr.tau_m
    return (theta - tr.u0 - margin) / rate


# -- the model functions the engine calls (see iaf_psc_exp.pyx and iaf_psc_alpha.pyx) --------

cdef inline double _u_inf(PscNeuron* n) noexcept nogil:
    return (n.p.I_e + n.s.I_stim) * n.p.tau_m / n.p.C_m


cdef inline double _advance_copy(PscNeuron* n, double t, PscState* out) noexcept nogil:
    """The state at t (>= state time) in ``out``; V is held at V_reset through the refractory
    period (t_spike, t_spike + t_ref] while the currents evolve (unless flush)."""
    cdef double t0 = n.s.t, h
    out[0] = n.s
    if t <= t0:
        return t0
    if t0 <= n.s.refr_end and n.p.flush == 0.0:
        if t <= n.s.refr_end:
            psc_current(&out.I_syn_ex, &out.dI_syn_ex, n.p.tau_syn_ex, t - t0)
            psc_current(&out.I_syn_in, &out.dI_syn_in, n.p.tau_syn_in, t - t0)
            out.t = t
            return t
        psc_current(&out.I_syn_ex, &out.dI_syn_ex, n.p.tau_syn_ex, n.s.refr_end - t0)
        psc_current(&out.I_syn_in, &out.dI_syn_in, n.p.tau_syn_in, n.s.refr_end - t0)
        t0 = n.s.refr_end
    h = t - t0
    out.V_m = n.p.E_L + psc_membrane(out.V_m - n.p.E_L, _u_inf(n), n.p.tau_m, n.p.C_m, h,
                                     out.I_syn_ex, out.dI_syn_ex, n.p.tau_syn_ex,
                                     out.I_syn_in, out.dI_syn_in, n.p.tau_syn_in)
    psc_current(&out.I_syn_ex, &out.dI_syn_ex, n.p.tau_syn_ex, h)
    psc_current(&out.I_syn_in, &out.dI_syn_in, n.p.tau_syn_in, h)
    out.t = t
    return t


cdef inline void advance(PscNeuron* n, double t) noexcept nogil:
    """Move the state to time t along the exact solution."""
    cdef PscState next_state
    _advance_copy(n, t, &next_state)
    n.s = next_state


cdef inline double sample(PscNeuron* n, double t, int var) noexcept nogil:
    """Recordable ``var`` at time t, without changing the state."""
    cdef PscState at
    _advance_copy(n, t, &at)
    if var == 1:
        return at.I_syn_ex
    if var == 2:
        return at.I_syn_in
    return at.V_m


cdef inline void refresh(PscNeuron* n) noexcept nogil:
    """Forget the crossing search after the state or the parameters changed."""
    n.s.t_clear = -INFINITY
    n.s.t_next = INFINITY


cdef inline double next_crossing(PscNeuron* n, double limit) noexcept nogil:
    """Time of the next threshold crossing if it comes no later than ``limit``, else inf.

    The search starts where free evolution starts (the state's time, or the end of the
    refractory period) and runs the canonical tree of crossing.first_crossing with
    psc_upper_bound, so its result does not depend on ``limit``.  It remembers what it covered
    (first trying to clear ten of the slowest time constants at once), so a neuron without
    input costs one comparison per window.
    """
    cdef PscState start = n.s
    cdef double t0 = n.s.t
    cdef double theta = n.p.V_th - n.p.E_L
    cdef double s, s_from, horizon, slowest, reach
    cdef PscTrajectory tr
    if n.s.t_next < INFINITY or limit <= n.s.t_clear:
        # a crossing found for this state is final: searching again from it (a later limit)
        # would skip the leaf it ends and find the next one
        return n.s.t_next if n.s.t_next <= limit else INFINITY
    if t0 <= n.s.refr_end:
        t0 = _advance_copy(n, n.s.refr_end, &start)
        if n.p.flush == 0.0:
            start.V_m = n.p.V_reset
    if limit < t0:
        return INFINITY
    if start.V_m >= n.p.V_th:
        # a state set at or above threshold, or (flush) pushed there by input during t_ref:
        # fire at the first instant after it
        n.s.t_next = nextafter(t0, INFINITY)
        n.s.t_clear = n.s.t_next
        return n.s.t_next if n.s.t_next <= limit else INFINITY
    slowest = n.p.tau_m
    if n.p.tau_syn_ex > slowest:
        slowest = n.p.tau_syn_ex
    if n.p.tau_syn_in > slowest:
        slowest = n.p.tau_syn_in
    tr.u0 = start.V_m - n.p.E_L
    tr.u_inf = _u_inf(n)
    tr.tau_m = n.p.tau_m
    tr.c_m = n.p.C_m
    tr.i_ex = start.I_syn_ex
    tr.di_ex = start.dI_syn_ex
    tr.tau_ex = n.p.tau_syn_ex
    tr.i_in = start.I_syn_in
    tr.di_in = start.dI_syn_in
    tr.tau_in = n.p.tau_syn_in
    # what an earlier search of this state already cleared
    s_from = n.s.t_clear - t0 if n.s.t_clear > t0 else 0.0
    if n.s.t_clear == -INFINITY:
        # a new state: first the span that costs no search (it often lasts until the next
        # input), then one bound over a long look-ahead, which clears a quiet neuron for many
        # windows (when it fails, the state does reach threshold eventually)
        s_from = psc_free_span(&tr, theta)
        if t0 + s_from >= limit:
            n.s.t_clear = t0 + s_from
            n.s.t_next = INFINITY
            return INFINITY
        horizon = t0 + 10.0 * slowest
        if horizon > limit and psc_upper_bound(&tr, s_from, horizon - t0) < theta:
            n.s.t_clear = horizon
            n.s.t_next = INFINITY
            return INFINITY
    s = first_crossing(psc_upper_bound, &tr, theta, s_from, limit - t0)
    if t0 + s <= limit:
        n.s.t_next = t0 + s
        n.s.t_clear = n.s.t_next
        return n.s.t_next
    # clear ahead as far again as the time since the search's start, for the windows to come:
    # the cleared span doubles from call to call until it nears the crossing
    reach = 2.0 * (limit - t0)
    if s == INFINITY and psc_upper_bound(&tr, limit - t0, reach) < theta:
        n.s.t_clear = t0 + reach
    else:
        n.s.t_clear = limit
    n.s.t_next = INFINITY
    return INFINITY


cdef inline void receive(PscNeuron* n, double t, double w, int port, int mult, Pending* acc) noexcept nogil:
    """An input of weight ``w`` (pA, times w_scale) at ``t``: summed with the others of its time."""
    pending_add(acc, w, mult)


cdef inline int settle(PscNeuron* n, double t, Pending* acc) noexcept nogil:
    """Add the summed excitatory (> 0) and inhibitory (< 0) weights of time ``t``: a jump of
    the current, or for alpha currents of its derivative by w e / tau_s, so that the current
    peaks at w tau_s after the spike.  Input changes currents only: it never fires the neuron
    at once."""
    if acc.mult == 0:
        return 0
    refresh(n)
    if n.p.alpha != 0.0:
        n.s.dI_syn_ex += acc.w_ex * 2.718281828459045 / n.p.tau_syn_ex
        n.s.dI_syn_in += acc.w_in * 2.718281828459045 / n.p.tau_syn_in
    else:
        n.s.I_syn_ex += acc.w_ex * n.p.w_scale
        n.s.I_syn_in += acc.w_in * n.p.w_scale
    return 0


cdef inline void fire(PscNeuron* n, double t) noexcept nogil:
    """Emit at t (state already at t): reset and become refractory for t_ref; with flush, the
    synaptic currents are replaced by the after-potential's current."""
    n.s.V_m = n.p.V_reset
    if n.p.flush != 0.0:
        n.s.I_syn_ex = n.p.I_reset
        n.s.I_syn_in = 0.0
        n.s.dI_syn_ex = 0.0
        n.s.dI_syn_in = 0.0
    n.s.refr_end = t + n.p.t_ref
    n.s.t_spike = t
    refresh(n)


cdef inline void set_current(PscNeuron* n, double current) noexcept nogil:
    n.s.I_stim = current
    refresh(n)


cdef inline double quiet_until(PscNeuron* n) noexcept nogil:
    return n.s.t_clear


cdef inline double check_state(PscNeuron* n) noexcept nogil:
    """Only an overflowing sum of inputs (weights near the largest double) makes the closed
    form's state infinite."""
    if isfinite(n.s.V_m + n.s.I_syn_ex + n.s.dI_syn_ex + n.s.I_syn_in + n.s.dI_syn_in):
        return INFINITY
    return n.s.t


cdef inline void initialize(PscNeuron* n, double t) noexcept nogil:
    n.s.refr_end = -INFINITY
    n.s.I_stim = 0.0
    n.s.t = t
    refresh(n)


cdef inline double state_time(PscNeuron* n) noexcept nogil:
    return n.s.t
