# cython: language_level=3
"""hh_psc_alpha kernel: Hodgkin-Huxley neuron with alpha currents, integrated by RK4 (see .pyx)."""
from libc.math cimport exp, expm1, fabs

from csnn._core.events cimport (INFINITY, REC_ACT_M, REC_ACT_N, REC_I_SYN_EX, REC_I_SYN_IN, REC_INACT_H, Pending,
                               pending_add)

cdef enum:
    N_STATE = 8
    Y_V = 0
    Y_M = 1
    Y_H = 2
    Y_N = 3
    Y_DI_EX = 4
    Y_I_EX = 5
    Y_DI_IN = 6
    Y_I_IN = 7


cdef struct HhParams:
    double t_ref             # spikes are not detected for t_ref after a spike (ms)
    double g_Na              # sodium peak conductance (nS)
    double g_K               # potassium peak conductance (nS)
    double g_L               # leak conductance (nS)
    double C_m               # membrane capacitance (pF)
    double E_Na              # sodium reversal potential (mV)
    double E_K               # potassium reversal potential (mV)
    double E_L               # leak reversal potential (mV)
    double tau_syn_ex        # rise time of the excitatory alpha current (ms)
    double tau_syn_in        # rise time of the inhibitory alpha current (ms)
    double I_e               # constant input current (pA)
    double h                 # RK4 step (ms)


cdef struct HhState:
    double y[N_STATE]        # V_m (mV), m, h, n, dI_ex (pA/ms), I_ex (pA), dI_in (pA/ms), I_in (pA)
    double t                 # time the state refers to (ms)
    double anchor            # RK4 steps end at anchor + k h: the last input's time (ms)
    double steps             # steps taken since the anchor
    double refr_end          # spikes are detected again after this time (ms)
    double I_stim            # current from stimulation devices (pA)
    double t_spike           # time of the last spike (ms), -1 before the first
    double failed            # time at which the state stopped being finite (ms), inf if never


cdef struct HhPscAlpha:
    HhParams p
    HhState s


# -- rate functions (1/ms) of the Hodgkin-Huxley gates, V in mV ---------------------------------

cdef inline double _x_over_one_minus_exp(double x, double scale, double q) noexcept nogil:
    """x / (1 - e^{-x/scale}), given q = e^{-x/scale}: from q where 1 - q loses no precision
    (|x| >= scale/2), from expm1 nearer 0, and continuous at x = 0 (where it equals scale)."""
    cdef double u = x / scale
    if fabs(u) >= 0.5:
        return x / (1.0 - q)
    if fabs(u) < 1e-8:
        return scale * (1.0 + 0.5 * u)
    return x / (-expm1(-u))


cdef struct GateRates:
    double alpha_m
    double beta_m
    double alpha_h
    double beta_h
    double alpha_n
    double beta_n


cdef inline void gate_rates(double v, GateRates* r) noexcept nogil:
    """The six rate functions at v, from one exponential (an RK4 step evaluates them four
    times; exponentials dominate its cost).  Every exponential of the rates is a constant times
    a power of E = e^{-(V + 65)/720}: e^{-(V + 65)/c} for c = 80, 20, 18 is E^9, E^36, E^40, and
    e^{-(V + c)/10} for c = 55, 40, 35 is e, e^2.5, e^3 times E^72.  Each is within about
    1e-14 (relative) of its own exp(), far below the step's truncation error; alpha_n and
    alpha_m take expm1 near their removable singularities."""
    cdef double e1 = exp(-(v + 65.0) / 720.0)
    cdef double e4 = e1 * e1 * e1 * e1
    cdef double e9 = e4 * e4 * e1
    cdef double e36 = e9 * e9 * e9 * e9
    cdef double e72 = e36 * e36
    r.alpha_n = 0.01 * _x_over_one_minus_exp(v + 55.0, 10.0, 2.718281828459045 * e72)
    r.beta_n = 0.125 * e9
    r.alpha_m = 0.1 * _x_over_one_minus_exp(v + 40.0, 10.0, 12.182493960703473 * e72)
    r.beta_m = 4.0 * e36 * e4
    r.alpha_h = 0.07 * e36
    r.beta_h = 1.0 / (1.0 + 20.085536923187668 * e72)


cdef inline void hh_derivatives(const HhPscAlpha* n, const double* y, double* f) noexcept nogil:
    """The right-hand side of the model's ODEs (NEST's hh_psc_alpha)."""
    cdef double v = y[Y_V], m = y[Y_M], hg = y[Y_H], ng = y[Y_N]
    cdef double i_na = n.p.g_Na * m * m * m * hg * (v - n.p.E_Na)
    cdef double i_k = n.p.g_K * ng * ng * ng * ng * (v - n.p.E_K)
    cdef double i_l = n.p.g_L * (v - n.p.E_L)
    cdef GateRates r
    gate_rates(v, &r)
    f[Y_V] = (-(i_na + i_k + i_l) + n.s.I_stim + n.p.I_e + y[Y_I_EX] + y[Y_I_IN]) / n.p.C_m
    f[Y_M] = r.alpha_m * (1.0 - m) - r.beta_m * m
    f[Y_H] = r.alpha_h * (1.0 - hg) - r.beta_h * hg
    f[Y_N] = r.alpha_n * (1.0 - ng) - r.beta_n * ng
    f[Y_DI_EX] = -y[Y_DI_EX] / n.p.tau_syn_ex
    f[Y_I_EX] = y[Y_DI_EX] - y[Y_I_EX] / n.p.tau_syn_ex
    f[Y_DI_IN] = -y[Y_DI_IN] / n.p.tau_syn_in
    f[Y_I_IN] = y[Y_DI_IN] - y[Y_I_IN] / n.p.tau_syn_in


cdef inline void rk4_step(const HhPscAlpha* n, double* y, double dt) noexcept nogil:
    """One classic fourth-order Runge-Kutta step of length dt, in place."""
    cdef double k1[N_STATE]
    cdef double k2[N_STATE]
    cdef double k3[N_STATE]
    cdef double k4[N_STATE]
    cdef double tmp[N_STATE]
    cdef int i
    hh_derivatives(n, y, k1)
    for i in range(N_STATE):
        tmp[i] = y[i] + 0.5 * dt * k1[i]
    hh_derivatives(n, tmp, k2)
    for i in range(N_STATE):
        tmp[i] = y[i] + 0.5 * dt * k2[i]
    hh_derivatives(n, tmp, k3)
    for i in range(N_STATE):
        tmp[i] = y[i] + dt * k3[i]
    hh_derivatives(n, tmp, k4)
    for i in range(N_STATE):
        y[i] += dt * (k1[i] + 2.0 * (k2[i] + k3[i]) + k4[i]) / 6.0


cdef inline bint _finite(const double* y) noexcept nogil:
    cdef int i
    for i in range(N_STATE):
        if not fabs(y[i]) <= 1e300:       # false for NaN and inf
            return False
    return True


# -- the model functions the engine calls ----------------------------------------------------

cdef inline double _steps(HhPscAlpha* n, double limit, bint detect) noexcept nogil:
    """Take the RK4 steps that end no later than ``limit`` (at anchor + k h, whatever
    ``limit`` is).  With ``detect``, stop after a step that ends a spike and return its time:
    V at or above 0 mV and lower than at the step's start, just past the peak of an action
    potential (NEST's rule), outside the pause of t_ref after the last spike."""
    cdef double g, v_old
    while n.s.failed == INFINITY:
        g = n.s.anchor + (n.s.steps + 1.0) * n.p.h
        if g > limit:
            break
        v_old = n.s.y[Y_V]
        rk4_step(n, n.s.y, g - n.s.t)
        n.s.t = g
        n.s.steps += 1.0
        if not _finite(n.s.y):
            n.s.failed = g
        elif detect and g > n.s.refr_end and n.s.y[Y_V] >= 0.0 and v_old > n.s.y[Y_V]:
            return g
    return INFINITY


cdef inline double next_crossing(HhPscAlpha* n, double limit) noexcept nogil:
    """Integrate up to ``limit``; the time of the first spike on the way, or inf."""
    return _steps(n, limit, True)


cdef inline void _partial_step(HhPscAlpha* n, double t) noexcept nogil:
    if t > n.s.t and n.s.failed == INFINITY:
        rk4_step(n, n.s.y, t - n.s.t)
        if not _finite(n.s.y):
            n.s.failed = t
    n.s.t = t


cdef inline void advance(HhPscAlpha* n, double t, bint shared) noexcept nogil:
    """Move the state to an input's time t: the steps up to t, then one partial step; the
    input's time becomes the anchor of the following steps."""
    if t <= n.s.t:
        return
    _steps(n, t, False)
    _partial_step(n, t)
    n.s.anchor = t
    n.s.steps = 0.0


cdef inline double sample(HhPscAlpha* n, double t, int var) noexcept nogil:
    """Recordable ``var`` at t (>= state time), from a copy of the state stepped on the grid."""
    cdef HhPscAlpha copy = n[0]
    _steps(&copy, t, False)
    _partial_step(&copy, t)
    if var == REC_I_SYN_EX:
        return copy.s.y[Y_I_EX]
    if var == REC_I_SYN_IN:
        return copy.s.y[Y_I_IN]
    if var == REC_ACT_M:
        return copy.s.y[Y_M]
    if var == REC_INACT_H:
        return copy.s.y[Y_H]
    if var == REC_ACT_N:
        return copy.s.y[Y_N]
    return copy.s.y[Y_V]


cdef inline void receive(HhPscAlpha* n, double t, double w, int port, int mult, Pending* acc) noexcept nogil:
    """An input of weight ``w`` (pA) at ``t``: summed with the others of its time."""
    pending_add(acc, w, mult)


cdef inline int settle(HhPscAlpha* n, double t, Pending* acc) noexcept nogil:
    """Summed excitatory (> 0) and inhibitory (< 0) weights (pA) start alpha currents that peak
    at w tau_syn after the spike."""
    if acc.mult == 0:
        return 0
    n.s.y[Y_DI_EX] += acc.w_ex * 2.718281828459045 / n.p.tau_syn_ex
    n.s.y[Y_DI_IN] += acc.w_in * 2.718281828459045 / n.p.tau_syn_in
    return 0


cdef inline void fire(HhPscAlpha* n, double t) noexcept nogil:
    """A spike at t: no reset (the action potential is the dynamics); detection pauses for t_ref."""
    n.s.refr_end = t + n.p.t_ref
    n.s.t_spike = t


cdef inline void set_current(HhPscAlpha* n, double current) noexcept nogil:
    n.s.I_stim = current


cdef inline void refresh(HhPscAlpha* n) noexcept nogil:
    pass                     # nothing cached: spikes are found by integrating


cdef inline double quiet_until(HhPscAlpha* n) noexcept nogil:
    return -INFINITY         # integrated in every window


cdef inline double check_state(HhPscAlpha* n) noexcept nogil:
    return n.s.failed


cdef inline void initialize(HhPscAlpha* n, double t) noexcept nogil:
    n.s.refr_end = -INFINITY
    n.s.I_stim = 0.0
    n.s.anchor = t
    n.s.steps = 0.0
    n.s.failed = INFINITY
    n.s.t = t


cdef inline double state_time(HhPscAlpha* n) noexcept nogil:
    return n.s.t
