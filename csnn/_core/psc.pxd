# cython: language_level=3
"""Exact propagators of current-based LIF neurons with exponential or alpha-shaped currents.

Shared by iaf_psc_exp and iaf_psc_alpha.  A synaptic current is I(u) = (I0 + D0 u) exp(-u/tau_s)
(D0 = 0 for exponential currents); the membrane, U = V - E_L,

    dU/du = -U / tau_m + (I_const + I_ex(u) + I_in(u)) / C_m,

has the exact solution

    U(h) = U_inf + (U0 - U_inf) e^{-h/tau_m} + sum_syn (I0 K1(h) + D0 K2(h)) / C_m,

K1(h) = int_0^h e^{-u/tau_s} e^{-(h-u)/tau_m} du and K2(h) = int_0^h u e^{-u/tau_s} e^{-(h-u)/tau_m} du.
Both are evaluated without cancellation or overflow for any pair of time constants, the
singular case tau_s == tau_m included: with y = 1/tau_m - 1/tau_s and z = h y,
K1 = h e^{-h/tau_m} phi1(z) and K2 = h^2 e^{-h/tau_m} phi2(z), phi1(z) = (e^z - 1)/z and
phi2(z) = (e^z (z - 1) + 1)/z^2 taken from their series near z = 0.
"""
from libc.math cimport exp, expm1, fabs, nextafter

from csnn._core.crossing cimport first_crossing
from csnn._core.events cimport INFINITY


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


cdef inline void psc_kernels(double h, double tau_m, double tau_s, double* k1, double* k2) noexcept nogil:
    """K1(h) and K2(h) of the module docstring."""
    cdef double y = 1.0 / tau_m - 1.0 / tau_s
    cdef double z = h * y
    cdef double em = exp(-h / tau_m)
    cdef double es
    if fabs(z) > 1.0:
        es = exp(-h / tau_s)
        k1[0] = (es - em) / y
        k2[0] = (es * (z - 1.0) + em) / (y * y)
    else:
        k1[0] = h * em * _phi1(z)
        k2[0] = h * h * em * _phi2(z)


cdef inline double psc_membrane(double u0, double u_inf, double tau_m, double c_m, double h,
                                double i_ex, double di_ex, double tau_ex,
                                double i_in, double di_in, double tau_in) noexcept nogil:
    """U(h) for the initial U0, the constant-current asymptote U_inf and the synaptic states."""
    cdef double k1, k2, u
    # U0 + (U0 - U_inf)(e^{-h/tau_m} - 1): accurate increments even for a huge U_inf
    u = u0 + (u0 - u_inf) * expm1(-h / tau_m)
    if i_ex != 0.0 or di_ex != 0.0:
        psc_kernels(h, tau_m, tau_ex, &k1, &k2)
        u += (i_ex * k1 + di_ex * k2) / c_m
    if i_in != 0.0 or di_in != 0.0:
        psc_kernels(h, tau_m, tau_in, &k1, &k2)
        u += (i_in * k1 + di_in * k2) / c_m
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


cdef inline double _current_max(double i0, double d0, double tau, double a, double b) noexcept nogil:
    """Maximum of (i0 + d0 s) e^{-s/tau} on [a, b]: at an end or at its one extremum
    s* = tau - i0 / d0."""
    cdef double m = (i0 + d0 * a) * exp(-a / tau)
    cdef double v = (i0 + d0 * b) * exp(-b / tau)
    cdef double peak
    if v > m:
        m = v
    if d0 != 0.0:
        peak = tau - i0 / d0
        if a < peak < b:
            v = (i0 + d0 * peak) * exp(-peak / tau)
            if v > m:
                m = v
    return m


cdef inline double psc_upper_bound(const void* trajectory, double a, double b) noexcept nogil:
    """A rigorous upper bound of U on [a, b] without cancellation for any time constants.

    By comparison, U stays below the solution of dU/ds = (U_inf - U) / tau_m + J_max / C_m that
    starts at U(a), J_max being the largest synaptic current on [a, b]; that solution is
    monotone, so its largest value is at a or b.  The bound's excess over the true maximum
    shrinks as (b - a)^2, which decides near-misses in a few dozen halvings.  A margin covers
    the rounding of U(a).
    """
    cdef const PscTrajectory* tr = <const PscTrajectory*> trajectory
    cdef double u_a = psc_membrane(tr.u0, tr.u_inf, tr.tau_m, tr.c_m, a, tr.i_ex, tr.di_ex, tr.tau_ex,
                                   tr.i_in, tr.di_in, tr.tau_in)
    cdef double j_max = (_current_max(tr.i_ex, tr.di_ex, tr.tau_ex, a, b)
                         + _current_max(tr.i_in, tr.di_in, tr.tau_in, a, b))
    cdef double u_top = tr.u_inf + j_max * tr.tau_m / tr.c_m
    cdef double u_b = u_a + (u_a - u_top) * expm1(-(b - a) / tr.tau_m)
    cdef double bound = u_b if u_b > u_a else u_a
    return bound + 16.0 * 2.220446049250313e-16 * (fabs(u_a) + fabs(u_top) + fabs(tr.u0))


# -- the model functions the engine calls (see iaf_psc_exp.pyx and iaf_psc_alpha.pyx) --------

cdef inline double _u_inf(PscNeuron* n) noexcept nogil:
    return (n.p.I_e + n.s.I_stim) * n.p.tau_m / n.p.C_m


cdef inline double _advance_copy(PscNeuron* n, double t, PscState* out) noexcept nogil:
    """The state at t (>= state time) in ``out``; V is held at V_reset through the refractory
    period (t_spike, t_spike + t_ref] while the currents evolve."""
    cdef double t0 = n.s.t, h
    out[0] = n.s
    if t <= t0:
        return t0
    if t0 <= n.s.refr_end:
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


cdef inline void psc_advance(PscNeuron* n, double t) noexcept nogil:
    """Move the state to time t along the exact solution."""
    cdef PscState next_state
    _advance_copy(n, t, &next_state)
    n.s = next_state


cdef inline double psc_value_at(PscNeuron* n, double t, int var) noexcept nogil:
    """Recordable ``var`` at time t, without changing the state."""
    cdef PscState at
    _advance_copy(n, t, &at)
    if var == 1:
        return at.I_syn_ex
    if var == 2:
        return at.I_syn_in
    return at.V_m


cdef inline void psc_refresh(PscNeuron* n) noexcept nogil:
    """Forget the crossing search after the state or the parameters changed."""
    n.s.t_clear = -INFINITY
    n.s.t_next = INFINITY


cdef inline double psc_next_spike(PscNeuron* n, double limit) noexcept nogil:
    """Time of the next threshold crossing if it comes no later than ``limit``, else inf.

    The search starts where free evolution starts (the state's time, or the end of the
    refractory period) and runs the canonical tree of crossing.first_crossing with
    psc_upper_bound, so its result does not depend on ``limit``.  It looks ahead at least ten of the slowest time constants
    and remembers what it covered, so a neuron without input costs one comparison per window.
    """
    cdef PscState start = n.s
    cdef double t0 = n.s.t
    cdef double theta = n.p.V_th - n.p.E_L
    cdef double s, horizon, slowest
    cdef PscTrajectory tr
    if limit <= n.s.t_clear:
        return n.s.t_next if n.s.t_next <= limit else INFINITY
    if t0 <= n.s.refr_end:
        t0 = _advance_copy(n, n.s.refr_end, &start)
        start.V_m = n.p.V_reset
    if limit < t0:
        return INFINITY
    if start.V_m >= n.p.V_th:
        # a state set at or above threshold (V_reset < V_th): fire at the first instant after it
        n.s.t_next = nextafter(t0, INFINITY)
        n.s.t_clear = n.s.t_next
        return n.s.t_next if n.s.t_next <= limit else INFINITY
    slowest = n.p.tau_m
    if n.p.tau_syn_ex > slowest:
        slowest = n.p.tau_syn_ex
    if n.p.tau_syn_in > slowest:
        slowest = n.p.tau_syn_in
    horizon = limit if limit > t0 + 10.0 * slowest else t0 + 10.0 * slowest
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
    s = first_crossing(psc_upper_bound, &tr, theta, horizon - t0)
    n.s.t_next = t0 + s
    n.s.t_clear = n.s.t_next if n.s.t_next <= horizon else horizon
    return n.s.t_next if n.s.t_next <= limit else INFINITY


cdef inline int psc_receive(PscNeuron* n, double w_ex, double w_in) noexcept nogil:
    """Add summed excitatory (> 0) and inhibitory (< 0) weights (pA): a jump of the current,
    or for alpha currents of its derivative by w e / tau_s, so that the current peaks at w
    tau_s after the spike.  Input changes currents only: it never fires the neuron at once."""
    psc_refresh(n)
    if n.p.alpha != 0.0:
        n.s.dI_syn_ex += w_ex * 2.718281828459045 / n.p.tau_syn_ex
        n.s.dI_syn_in += w_in * 2.718281828459045 / n.p.tau_syn_in
    else:
        n.s.I_syn_ex += w_ex
        n.s.I_syn_in += w_in
    return 0


cdef inline void psc_fire(PscNeuron* n, double t) noexcept nogil:
    """Emit at t (state already at t): reset and become refractory for t_ref."""
    n.s.V_m = n.p.V_reset
    n.s.refr_end = t + n.p.t_ref
    n.s.t_spike = t
    psc_refresh(n)
