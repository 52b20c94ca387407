# cython: language_level=3
"""iaf_psc_delta kernel: parameters, state and the exact update functions (see iaf_psc_delta.pyx)."""
from libc.math cimport exp, expm1, log1p, nextafter

from csnn._core.events cimport INFINITY, REC_V_M, Pending, pending_add


cdef struct IafPscDeltaParams:
    double E_L               # resting membrane potential (mV)
    double C_m               # membrane capacitance (pF)
    double tau_m             # membrane time constant (ms)
    double t_ref             # duration of the refractory period (ms)
    double V_th              # spike threshold (mV)
    double V_reset           # reset potential (mV)
    double I_e               # constant input current (pA)
    double V_min             # absolute lower bound of the membrane potential (mV)
    double refractory_input  # 1: buffer input arriving while refractory, 0: discard it
    # derived from the parameters whenever they are set (iaf_psc_delta.pyx's derive), so that
    # an input multiplies instead of dividing
    double inv_tau_m         # 1 / tau_m (1/ms)
    double r_m               # tau_m / C_m (mV/pA): the asymptote's shift per pA of current


cdef struct IafPscDeltaState:
    double V_m          # membrane potential at time t (mV)
    double t            # time the state refers to (ms)
    double refr_end     # end of the current refractory period (ms)
    double refr_input   # input buffered while refractory, decayed to refr_end (mV)
    double I_stim       # current from stimulation devices (pA)
    double t_spike      # time of the last spike (ms), -1 before the first
    double t_cross      # cached time of the next threshold crossing (ms), inf if none


cdef struct IafPscDelta:
    IafPscDeltaParams p
    IafPscDeltaState s


cdef inline double _at_least(double v, double lower) noexcept nogil:
    # a plain comparison: libm's fmax is a function call (NaN rules) and this is the hot path
    return v if v > lower else lower


cdef inline double _u_inf(IafPscDelta* n) noexcept nogil:
    """Asymptotic potential relative to E_L under the present currents (mV)."""
    return (n.p.I_e + n.s.I_stim) * n.p.r_m


cdef inline bint _refractory(IafPscDelta* n) noexcept nogil:
    """True while the state lies in the refractory period (t_spike, t_spike + t_ref]."""
    return n.s.t <= n.s.refr_end


cdef inline double _free_start_v(IafPscDelta* n) noexcept nogil:
    """Potential at which free evolution starts: after refractoriness, buffered input is added."""
    if _refractory(n):
        return _at_least(n.s.V_m + n.s.refr_input, n.p.V_min)
    return n.s.V_m


cdef inline double _free_start_t(IafPscDelta* n) noexcept nogil:
    return n.s.refr_end if _refractory(n) else n.s.t


cdef inline double _evolve(IafPscDelta* n, double v0, double dt) noexcept nogil:
    """Exact solution after ``dt`` ms of free evolution from ``v0``."""
    cdef double u0 = v0 - n.p.E_L
    # U = U_0 + (U_0 - U_inf) (e^{-dt/tau_m} - 1), relative to E_L: with expm1 the increment is
    # accurate even when U_inf is huge (tau_m very long); the trajectory is monotone, so
    # clamping the end point equals clamping continuously
    return _at_least(n.p.E_L + u0 + (u0 - _u_inf(n)) * expm1(-dt * n.p.inv_tau_m), n.p.V_min)


cdef inline double value_at(IafPscDelta* n, double t, int var) noexcept nogil:
    """Membrane potential at time ``t`` >= state time, without changing the state."""
    if t <= n.s.refr_end:
        return n.s.V_m
    return _evolve(n, _free_start_v(n), t - _free_start_t(n))


cdef inline void advance(IafPscDelta* n, double t, bint shared) noexcept nogil:
    """Move the state to time ``t`` (>= state time) along the exact solution."""
    cdef double v0, t0
    if t <= n.s.refr_end:
        n.s.t = t
        return
    v0 = _free_start_v(n)
    t0 = _free_start_t(n)
    n.s.refr_input = 0.0
    n.s.V_m = _evolve(n, v0, t - t0)
    n.s.t = t


cdef inline void update_crossing(IafPscDelta* n) noexcept nogil:
    """Cache the time of the next threshold crossing with no further input.

    Computed from the state alone, never from window bounds, so splitting a simulation into
    several windows or calls cannot change it.
    """
    cdef double v0 = _free_start_v(n)
    cdef double t0 = _free_start_t(n)
    cdef double u_inf, u0, u_th, t_cross
    if v0 >= n.p.V_th:
        # at the end of refractoriness (buffered input), or at once after a state set above
        # threshold: the spike goes out at the first instant after the state's time
        n.s.t_cross = t0 if _refractory(n) else nextafter(t0, INFINITY)
        return
    u_inf = _u_inf(n)
    u0 = v0 - n.p.E_L
    u_th = n.p.V_th - n.p.E_L
    if u_inf <= u_th:
        n.s.t_cross = INFINITY
        return
    # t* = tau_m ln((U_inf - U0) / (U_inf - U_th)), written with log1p for accuracy near threshold
    t_cross = t0 + n.p.tau_m * log1p((u_th - u0) / (u_inf - u_th))
    # a crossing lies strictly after t0; rounding must not let a neuron fire twice at one time
    n.s.t_cross = t_cross if t_cross > t0 else nextafter(t0, INFINITY)


cdef inline void receive(IafPscDelta* n, double t, double w, int port, int mult, Pending* acc) noexcept nogil:
    """An input of weight ``w`` (mV) at ``t``: summed with the others of its time (``settle``)."""
    pending_add(acc, w, mult)


cdef inline int settle(IafPscDelta* n, double t, Pending* acc) noexcept nogil:
    """Add the summed input of time ``t`` (state already at ``t``).

    Returns the multiplicity of the spike to emit now (1 when the threshold is reached).
    Input arriving while refractory, t_spike < t <= t_spike + t_ref, is discarded or, with
    refractory_input, decayed to the end of the period and added then.
    """
    if acc.mult == 0:
        return 0
    if t <= n.s.refr_end:
        if n.p.refractory_input != 0.0:
            n.s.refr_input += acc.w_sum * exp((t - n.s.refr_end) * n.p.inv_tau_m)
        return 0
    n.s.V_m = _at_least(n.s.V_m + acc.w_sum, n.p.V_min)
    return 1 if n.s.V_m >= n.p.V_th else 0


cdef inline void set_current(IafPscDelta* n, double I) noexcept nogil:
    """Set the device current (pA) from the state's time on."""
    n.s.I_stim = I


cdef inline void fire(IafPscDelta* n, double t) noexcept nogil:
    """Emit at ``t``: reset and become refractory for t_ref."""
    n.s.V_m = n.p.V_reset
    n.s.t = t
    n.s.refr_end = t + n.p.t_ref
    n.s.refr_input = 0.0
    n.s.t_spike = t
    update_crossing(n)


# -- the rest of the neuron contract (neurons.pxd.in) -------------------------------------------

cdef inline double next_crossing(IafPscDelta* n, double limit) noexcept nogil:
    return n.s.t_cross if n.s.t_cross <= limit else INFINITY


cdef inline double sample(IafPscDelta* n, double t, int var) noexcept nogil:
    return value_at(n, t, var)


cdef inline void refresh(IafPscDelta* n) noexcept nogil:
    update_crossing(n)


cdef inline double quiet_until(IafPscDelta* n) noexcept nogil:
    return n.s.t_cross


cdef inline double check_state(IafPscDelta* n) noexcept nogil:
    # the closed form keeps V finite for finite inputs
    return INFINITY


cdef inline void initialize(IafPscDelta* n, double t) noexcept nogil:
    n.s.refr_end = -INFINITY
    n.s.refr_input = 0.0
    n.s.I_stim = 0.0
    n.s.t = t
    update_crossing(n)


cdef inline double state_time(IafPscDelta* n) noexcept nogil:
    return n.s.t
