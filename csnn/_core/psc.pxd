# cython: language_level=3
"""Exact propagators of current-based LIF neurons with exponential or alpha-shaped currents.

Shared by iaf_psc_exp, iaf_psc_alpha and srm_psc_exp (whose kernels are the same sums of
exponentials; it differs at spikes, see ``flush``).  A synaptic current is I(u) = (I0 + D0 u) exp(-u/tau_s)
(D0 = 0 for exponential currents); the membrane, U = V - E_L,

    dU/du = -U / tau_m + (I_const + I_ex(u) + I_in(u)) / C_m,

has the exact solution

    U(h) = U_inf + (U0 - U_inf) e^{-h/tau_m} + sum_syn (I0 K1(h) + D0 K2(h)) / C_m,

K1(h) = int_0^h e^{-u/tau_s} e^{-(h-u)/tau_m} du and K2(h) = int_0^h u e^{-u/tau_s} e^{-(h-u)/tau_m} du
(psc_decay: every factor a step of h needs, from two or three exponentials).
Both are evaluated without cancellation or overflow for any pair of time constants, the
singular case tau_s == tau_m included: with y = 1/tau_m - 1/tau_s and z = h y,
K1 = h e^{-h/tau_m} phi1(z) and K2 = h^2 e^{-h/tau_m} phi2(z), phi1(z) = (e^z - 1)/z and
phi2(z) = (e^z (z - 1) + 1)/z^2 taken from their series near z = 0.

Threshold crossings (next_crossing).  The spike is the first leaf of crossing.pyx's dyadic
search whose rigorous upper bound (psc_upper_bound) reaches V_th.  The engine asks before every
input, up to that input's time, so between two inputs the question is mostly whether V stays
below threshold until the next one: bounds in closed form from the state (_stays_below, no
exponential at all in the common case) answer it, and the search runs only where they cannot
(a membrane about to cross).  They clear a span only with a margin far above rounding, so the
search would find no crossing there either: spikes are the same with or without them.
"""
from libc.math cimport exp, expm1, fabs, isfinite, log1p, nextafter

from csnn._core.crossing cimport first_crossing
from csnn._core.events cimport INFINITY, Pending, pending_add
from csnn._core.frames cimport FRAME_SPAN, FrameTime, frame_at, frame_decay


cdef struct PscRates:
    # constants of the propagators that follow from the parameters (psc.pyx's derive writes
    # them whenever the parameters are set): multiplications instead of divisions per input
    double inv_tau_m         # 1 / tau_m (1/ms)
    double inv_tau_ex        # 1 / tau_syn_ex (1/ms)
    double inv_tau_in        # 1 / tau_syn_in (1/ms)
    double y_ex              # 1 / tau_m - 1 / tau_syn_ex (1/ms)
    double y_in              # 1 / tau_m - 1 / tau_syn_in (1/ms)
    double inv_c_m           # 1 / C_m (1/pF)
    double r_m               # tau_m / C_m (mV/pA): the asymptote's shift per pA of constant current
    double frames            # 1: steps to shared times take their factors from frames (frames.pxd),
                             # 0: the synaptic time constants are too near tau_m (_apart)
    double rate[3]           # 1 / tau of the modes: membrane, excitatory, inhibitory current (1/ms)
    double span[3]           # their frame spans FRAME_SPAN tau (ms)
    double next_frame[3]     # e^{-span / tau}: the decay over one frame


cdef inline bint _apart(double y, double tau_m, double tau_s) noexcept nogil:
    """Whether a synaptic time constant is far enough from tau_m for K1 = (e^{-h/tau_s} -
    e^{-h/tau_m}) / y and K2 = (e^{-h/tau_s} (h y - 1) + e^{-h/tau_m}) / y^2 to lose at most a
    few bits to cancellation (|y| min(tau_m, tau_s) >= 1/4: the rounding of the exponentials is
    amplified at most 4 times relative to the current's effect tau_m I / C_m, and 32 times
    relative to tau_m tau_s D / C_m); nearer, psc_decay's phi-functions are exact."""
    return fabs(y) * (tau_m if tau_m < tau_s else tau_s) >= 0.25


cdef inline void psc_rates(double tau_m, double tau_ex, double tau_in, double c_m, PscRates* k) noexcept nogil:
    cdef int j
    k.inv_tau_m = 1.0 / tau_m
    k.inv_tau_ex = 1.0 / tau_ex
    k.inv_tau_in = 1.0 / tau_in
    k.y_ex = k.inv_tau_m - k.inv_tau_ex
    k.y_in = k.inv_tau_m - k.inv_tau_in
    k.inv_c_m = 1.0 / c_m
    k.r_m = tau_m / c_m
    k.frames = 1.0 if _apart(k.y_ex, tau_m, tau_ex) and _apart(k.y_in, tau_m, tau_in) else 0.0
    k.rate[0] = k.inv_tau_m
    k.rate[1] = k.inv_tau_ex
    k.rate[2] = k.inv_tau_in
    for j in range(3):
        k.span[j] = FRAME_SPAN / k.rate[j]
        k.next_frame[j] = exp(-k.span[j] * k.rate[j])


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
    double always_search     # private, for tests: 1 runs the dyadic search for every crossing
                             # query (no bounds in closed form first)
    PscRates k


cdef struct PscFrame:
    # the frame factors E and frames k (frames.pxd) of a time, per mode (membrane, excitatory,
    # inhibitory current): a pure function of the time and the time constants
    double t                 # the time they belong to (ms): the state's time when its last step
                             # was to a shared time (_decay_to), else an earlier one or -inf
    double e[3]
    double k[3]


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
    PscFrame frame           # the frames of t (when the rates' ``frames``)


cdef struct PscNeuron:
    PscParams p
    PscState s


cdef inline double _phi1_of(double z, double ez1) noexcept nogil:
    """(e^z - 1) / z given ez1 = expm1(z) (near z = 0 from its series)."""
    if fabs(z) < 1e-5:
        return 1.0 + z * (0.5 + z / 6.0)
    return ez1 / z


cdef inline double _phi2_of(double z, double ez1) noexcept nogil:
    """(e^z (z - 1) + 1) / z^2 given ez1 = expm1(z); for |z| < 0.1 its series
    sum_k z^k (k + 1) / (k + 2)! to k = 11 (the next term is below 1e-22), in pairs of terms
    combined by powers of z^2 (Estrin's scheme: a short chain of dependent operations)."""
    cdef double z2, z4
    if fabs(z) < 0.1:
        z2 = z * z
        z4 = z2 * z2
        return ((0.5 + z / 3.0) + z2 * (1.0 / 8.0 + z / 30.0)
                + z4 * ((1.0 / 144.0 + z / 840.0) + z2 * (1.0 / 5760.0 + z / 45360.0))
                + z4 * z4 * ((1.0 / 403200.0 + z / 3991680.0) + z2 * (1.0 / 43545600.0 + z / 518918400.0)))
    return (ez1 * (z - 1.0) + z) / (z * z)


cdef struct PscDecay:
    # what propagates a state by h (ms) along the exact solution of the module docstring
    double em1               # expm1(-h / tau_m)
    double es_ex             # exp(-h / tau_syn_ex): the decay of the excitatory current
    double k1_ex             # K1(h) and K2(h) (ms, ms^2) of the excitatory current
    double k2_ex
    double es_in             # the same for the inhibitory current
    double k1_in
    double k2_in


cdef inline void _synapse_decay(double h, double inv_tau_s, double y, double em, bint alpha,
                                double* es, double* k1, double* k2) noexcept nogil:
    """The decay e^{-h/tau_s} of a current and its K1(h), K2(h) (K2 only for alpha currents),
    given y = 1/tau_m - 1/tau_s and em = e^{-h/tau_m}.  For |z| <= 1 all three come from one
    expm1(z) (e^{-h/tau_s} = em e^z)."""
    cdef double z = h * y
    cdef double ez1
    if fabs(z) > 1.0:
        es[0] = exp(-h * inv_tau_s)
        k1[0] = (es[0] - em) / y
        if alpha:
            k2[0] = (es[0] * (z - 1.0) + em) / (y * y)
        return
    ez1 = expm1(z)
    es[0] = em + em * ez1
    k1[0] = h * em * _phi1_of(z, ez1)
    if alpha:
        k2[0] = h * h * em * _phi2_of(z, ez1)


cdef inline void psc_decay(double h, const PscRates* k, bint alpha, PscDecay* d) noexcept nogil:
    """The factors that propagate a state by h (ms); an inhibitory time constant equal to the
    excitatory one shares its factors."""
    cdef double em
    d.em1 = expm1(-h * k.inv_tau_m)
    # e^{-h/tau_m} from expm1 where that loses nothing (em >= 1/2), else directly
    em = 1.0 + d.em1 if d.em1 > -0.5 else exp(-h * k.inv_tau_m)
    _synapse_decay(h, k.inv_tau_ex, k.y_ex, em, alpha, &d.es_ex, &d.k1_ex, &d.k2_ex)
    if k.y_in == k.y_ex:
        d.es_in = d.es_ex
        d.k1_in = d.k1_ex
        d.k2_in = d.k2_ex
    else:
        _synapse_decay(h, k.inv_tau_in, k.y_in, em, alpha, &d.es_in, &d.k1_in, &d.k2_in)


cdef inline void _synapse_frames(double h, double y, double em, double es, bint alpha,
                                 double* k1, double* k2) noexcept nogil:
    """K1(h) and K2(h) (K2 only for alpha currents) from the decays em = e^{-h/tau_m} and
    es = e^{-h/tau_s} of time constants that are _apart."""
    k1[0] = (es - em) / y
    if alpha:
        k2[0] = (es * (h * y - 1.0) + em) / (y * y)


cdef inline void psc_frame_decay(double h, const PscFrame* start, const FrameTime* f, const PscRates* k,
                                 bint alpha, PscDecay* d) noexcept nogil:
    """psc_decay for a step of h (ms) from a time whose frames are ``start`` to the time of ``f``:
    the factors of the step shared with every neuron stepping to that time, only K1 and K2 its
    own (time constants _apart only)."""
    cdef double em = frame_decay(start.e[0], start.k[0], f, 0, k.next_frame[0], k.span[0])
    d.em1 = em - 1.0
    d.es_ex = frame_decay(start.e[1], start.k[1], f, 1, k.next_frame[1], k.span[1])
    _synapse_frames(h, k.y_ex, em, d.es_ex, alpha, &d.k1_ex, &d.k2_ex)
    if k.y_in == k.y_ex:
        d.es_in = d.es_ex
        d.k1_in = d.k1_ex
        d.k2_in = d.k2_ex
    else:
        d.es_in = frame_decay(start.e[2], start.k[2], f, 2, k.next_frame[2], k.span[2])
        _synapse_frames(h, k.y_in, em, d.es_in, alpha, &d.k1_in, &d.k2_in)


cdef inline void psc_frame_of(const FrameTime* f, PscFrame* out) noexcept nogil:
    cdef int j
    out.t = f.t
    for j in range(3):
        out.e[j] = f.e[j]
        out.k[j] = f.k[j]


cdef inline double psc_synapse(double h, double tau_m, double tau_s, double i0, double d0) noexcept nogil:
    """I0 K1(h) + D0 K2(h) of the module docstring (K2 only for alpha currents)."""
    cdef double es, k1, k2 = 0.0
    _synapse_decay(h, 1.0 / tau_s, 1.0 / tau_m - 1.0 / tau_s, exp(-h / tau_m), d0 != 0.0, &es, &k1, &k2)
    return i0 * k1 + d0 * k2


cdef struct PscPoint:
    # a point of a free evolution: U = V - E_L (mV) and the synaptic currents (pA, pA/ms)
    double u
    double i_ex
    double di_ex
    double i_in
    double di_in


cdef inline double psc_membrane(const PscDecay* d, const PscPoint* p, double u_inf, double inv_c_m) noexcept nogil:
    """U a step after the point p (d: the decay over the step), U_inf the constant-current asymptote."""
    # U0 + (U0 - U_inf)(e^{-h/tau_m} - 1): accurate increments even for a huge U_inf
    cdef double u = p.u + (p.u - u_inf) * d.em1
    cdef double syn = 0.0
    if p.i_ex != 0.0 or p.di_ex != 0.0:
        syn = p.i_ex * d.k1_ex + (p.di_ex * d.k2_ex if p.di_ex != 0.0 else 0.0)
    if p.i_in != 0.0 or p.di_in != 0.0:
        syn += p.i_in * d.k1_in + (p.di_in * d.k2_in if p.di_in != 0.0 else 0.0)
    return u + syn * inv_c_m


cdef inline void psc_current(double* i, double* di, double es, double h) noexcept nogil:
    """Advance a synaptic current I(u) = (I0 + D0 u) e^{-u/tau_s} by h, es = e^{-h/tau_s}."""
    i[0] = (i[0] + di[0] * h) * es
    di[0] = di[0] * es


cdef inline void psc_propagate(const PscPoint* p, const PscDecay* d, double h, double u_inf, double inv_c_m,
                               PscPoint* out) noexcept nogil:
    """The point h after ``p`` (d: the decay over h)."""
    out.u = psc_membrane(d, p, u_inf, inv_c_m)
    out.i_ex = p.i_ex
    out.di_ex = p.di_ex
    out.i_in = p.i_in
    out.di_in = p.di_in
    psc_current(&out.i_ex, &out.di_ex, d.es_ex, h)
    psc_current(&out.i_in, &out.di_in, d.es_in, h)


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


cdef inline double _bound_over(const PscTrajectory* tr, const PscPoint* a, double w,
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
    """A rigorous upper bound of U on [a, b] (_bound_over from the point at a).  A pure function
    of (trajectory, a, b), so that the search's tree decides the same whatever it evaluated
    before (its memo only saves recomputing)."""
    cdef PscTrajectory* tr = <PscTrajectory*> trajectory
    cdef const PscPoint* at = _point_at(tr, a)
    return _bound_over(tr, at, b - a, _decay_of(tr, b - a))


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


# -- the model functions the engine calls (see iaf_psc_exp.pyx and iaf_psc_alpha.pyx) --------

cdef inline double _u_inf(PscNeuron* n) noexcept nogil:
    return (n.p.I_e + n.s.I_stim) * n.p.k.r_m


cdef inline void _decay_currents(PscState* st, const PscParams* p, double h) noexcept nogil:
    """The synaptic currents alone advanced by h (V held through refractoriness)."""
    cdef double es_ex = exp(-h * p.k.inv_tau_ex)
    cdef double es_in = es_ex if p.k.inv_tau_in == p.k.inv_tau_ex else exp(-h * p.k.inv_tau_in)
    psc_current(&st.I_syn_ex, &st.dI_syn_ex, es_ex, h)
    psc_current(&st.I_syn_in, &st.dI_syn_in, es_in, h)


cdef inline void _point_of(const PscNeuron* n, const PscState* st, PscPoint* p) noexcept nogil:
    p.u = st.V_m - n.p.E_L
    p.i_ex = st.I_syn_ex
    p.di_ex = st.dI_syn_ex
    p.i_in = st.I_syn_in
    p.di_in = st.dI_syn_in


cdef inline void _trajectory_of(PscNeuron* n, const PscState* start, PscTrajectory* tr) noexcept nogil:
    """The free evolution of neuron n from the state ``start``."""
    cdef PscPoint p
    _point_of(n, start, &p)
    psc_trajectory(tr, &p, _u_inf(n), &n.p.k, n.p.tau_syn_ex, n.p.tau_syn_in)


cdef inline const FrameTime* _decay_to(PscNeuron* n, double t, bint shared, PscDecay* d) noexcept nogil:
    """The decay from the state's time to t.  When t is a time other neurons step to as well
    (``shared``) and the time constants allow, returns t's frames (valid until the next
    frame_at), and the decay comes from them if the state knows its own time's frames (its last
    step was to a shared time too); else (NULL) it is computed directly.  Which way only
    depends on the neuron's own events, so runs on any number of threads agree."""
    cdef double h = t - n.s.t
    cdef const FrameTime* f = NULL
    if shared and n.p.k.frames != 0.0:
        f = frame_at(t, n.p.k.rate, n.p.k.span)
        if n.s.frame.t == n.s.t:
            psc_frame_decay(h, &n.s.frame, f, &n.p.k, n.p.alpha != 0.0, d)
            return f
    psc_decay(h, &n.p.k, n.p.alpha != 0.0, d)
    return f


cdef inline void _move_to(PscNeuron* n, double t, bint shared, PscState* out) noexcept nogil:
    """``out``, a copy of the state or the state itself, moved to t (> the state's time); V is
    held at V_reset through the refractory period (t_spike, t_spike + t_ref] while the currents
    evolve (unless flush).  ``shared``: t is a time other neurons step to as well (an input's
    arrival, a window's end, a sample), whose factors come from frames (_decay_to)."""
    cdef double t0 = n.s.t
    cdef double free_from = t0
    cdef PscDecay d
    cdef PscPoint p, q
    cdef const FrameTime* f = NULL
    if t0 <= n.s.refr_end and n.p.flush == 0.0:
        free_from = n.s.refr_end if n.s.refr_end < t else t
        _decay_currents(out, &n.p, free_from - t0)
    if free_from < t:
        if free_from == t0:
            f = _decay_to(n, t, shared, &d)
        else:
            psc_decay(t - free_from, &n.p.k, n.p.alpha != 0.0, &d)
        _point_of(n, out, &p)
        psc_propagate(&p, &d, t - free_from, _u_inf(n), n.p.k.inv_c_m, &q)
        out.V_m = n.p.E_L + q.u
        out.I_syn_ex = q.i_ex
        out.dI_syn_ex = q.di_ex
        out.I_syn_in = q.i_in
        out.dI_syn_in = q.di_in
    if f != NULL:
        psc_frame_of(f, &out.frame)
    out.t = t


cdef inline double _advance_copy(PscNeuron* n, double t, bint shared, PscState* out) noexcept nogil:
    """The state at t (>= state time) in ``out`` (_move_to); returns its time."""
    out[0] = n.s
    if t > n.s.t:
        _move_to(n, t, shared, out)
    return out.t


cdef inline void advance(PscNeuron* n, double t, bint shared) noexcept nogil:
    """Move the state to time t along the exact solution (``shared``: see _move_to)."""
    if t > n.s.t:
        _move_to(n, t, shared, &n.s)


cdef inline double sample(PscNeuron* n, double t, int var) noexcept nogil:
    """Recordable ``var`` at time t, without changing the state."""
    cdef PscState at
    _advance_copy(n, t, True, &at)
    if var == 1:
        return at.I_syn_ex
    if var == 2:
        return at.I_syn_in
    return at.V_m


cdef inline void refresh(PscNeuron* n) noexcept nogil:
    """Forget the crossing search after the state or the parameters changed."""
    n.s.t_clear = -INFINITY
    n.s.t_next = INFINITY


cdef inline double _current_ceiling(double i0, double d0, double inv_tau, double h) noexcept nogil:
    """An upper bound of the current (i0 + d0 s) e^{-s/tau} on s in [0, h], without an
    exponential: its linear part is largest at an end, G; as 0 < e^{-s/tau} <= 1 the current is
    at most G where G >= 0, and where G < 0 at most G e^{-h/tau} <= G (1 - h/tau), or 0."""
    cdef double g = i0 + d0 * h
    cdef double x = h * inv_tau
    if i0 > g:
        g = i0
    if g >= 0.0:
        return g
    return g * (1.0 - x) if x < 1.0 else 0.0


cdef inline bint _clear_of(double bound, double theta, double u0, double u_top) noexcept nogil:
    """Whether an upper bound of U clears theta by the relative margin 1e-9: far above
    rounding, and above the excess of the dyadic search's bounds on its smallest intervals, so
    that the search would find no crossing under it either (spikes do not depend on which
    bound cleared a span)."""
    return bound < theta - 1e-9 * (fabs(theta) + fabs(u0) + fabs(u_top))


cdef inline bint _held(PscNeuron* n) noexcept nogil:
    """V is held at V_reset from the state's time to the end of the refractory period."""
    return n.s.t <= n.s.refr_end and n.p.flush == 0.0


cdef inline double _quick_bound(PscNeuron* n, double limit, double* u0, double* u_top) noexcept nogil:
    """An upper bound of U = V - E_L up to ``limit`` (after the refractory period) without
    exponentials; ``u0``: U where free evolution starts, ``u_top``: the asymptote under the
    largest synaptic current on [t, limit] (t the state's time).

    With s = t' - t on [0, h], h = limit - t, U obeys dU/ds = (U_inf - U) / tau_m + J(s) / C_m,
    so by comparison U stays below the solution W that starts at U0 with J held at a bound
    J_top of J on [0, h] (_current_ceiling); W moves monotonically to U_top = U_inf + J_top
    tau_m / C_m, so U <= max(U0, W) <= U0 + max(0, U_top - U0) h / tau_m.  When V is held
    through the refractory period, the same from its end, where U starts at V_reset - E_L.
    """
    cdef double h = limit - n.s.t, free = h
    u0[0] = n.s.V_m - n.p.E_L
    if _held(n):
        u0[0] = n.p.V_reset - n.p.E_L
        free = limit - n.s.refr_end
    u_top[0] = _u_inf(n) + (_current_ceiling(n.s.I_syn_ex, n.s.dI_syn_ex, n.p.k.inv_tau_ex, h)
                            + _current_ceiling(n.s.I_syn_in, n.s.dI_syn_in, n.p.k.inv_tau_in, h)) * n.p.k.r_m
    if u_top[0] <= u0[0]:
        return u0[0]
    return u0[0] + (u_top[0] - u0[0]) * (free * n.p.k.inv_tau_m)


cdef inline double _decayed_bound(PscNeuron* n, double limit, bint shared) noexcept nogil:
    """An upper bound of U = V - E_L on [t, limit] (t the state's time, V not held): _bound_over
    with the decay over the span, whose excess over the true maximum is
    O((limit - t) (J_max - J_min) / C_m), or none where U is monotone.  ``shared``: limit is a
    time other neurons step to as well (_decay_to)."""
    cdef PscTrajectory tr
    cdef PscDecay d
    _trajectory_of(n, &n.s, &tr)
    _decay_to(n, limit, shared, &d)
    return _bound_over(&tr, &tr.start, limit - n.s.t, &d)


cdef inline bint _stays_below(PscNeuron* n, double limit, bint shared) noexcept nogil:
    """Whether bounds in closed form prove V < V_th up to ``limit`` (after the state's time and
    the refractory period) without a search: between two inputs, the common case.  First
    _quick_bound; where it does not clear V_th, _decayed_bound (two or three exponentials),
    so that only a membrane about to cross goes on to the dyadic search.  Both are held to the
    margin of _clear_of with the quick bound's U_top, which bounds the asymptote on every part
    of the span and so the search's margins there too.  ``shared``: see _decay_to."""
    cdef double u0, u_top
    cdef double theta = n.p.V_th - n.p.E_L
    if _clear_of(_quick_bound(n, limit, &u0, &u_top), theta, u0, u_top):
        return True
    return not _held(n) and _clear_of(_decayed_bound(n, limit, shared), theta, u0, u_top)


cdef inline double _search(PscNeuron* n, double limit) noexcept nogil:
    """The dyadic search for the next crossing (no later than ``limit``), from where free
    evolution starts (the state's time, or the end of the refractory period): the canonical
    tree of crossing.first_crossing with psc_upper_bound, so its result does not depend on
    ``limit``.  It remembers what it covered (first trying to clear ten of the slowest time
    constants at once), so a neuron without input costs one comparison per window."""
    cdef PscState start = n.s
    cdef double t0 = n.s.t
    cdef double theta = n.p.V_th - n.p.E_L
    cdef double s, s_from, horizon, slowest, reach
    cdef PscTrajectory tr
    if t0 <= n.s.refr_end:
        t0 = _advance_copy(n, n.s.refr_end, False, &start)
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
    _trajectory_of(n, &start, &tr)
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
    # search ahead as far again as the time since the search's start, for the windows to come:
    # a crossing found there is final (the tree does not depend on the limit), and the cleared
    # span doubles from call to call until it holds the crossing
    reach = 2.0 * (limit - t0)
    s = first_crossing(psc_upper_bound, &tr, theta, s_from, reach)
    if s < INFINITY:
        n.s.t_next = t0 + s
        n.s.t_clear = n.s.t_next
        return n.s.t_next if n.s.t_next <= limit else INFINITY
    n.s.t_clear = t0 + reach
    n.s.t_next = INFINITY
    return INFINITY


cdef inline double next_crossing(PscNeuron* n, double limit) noexcept nogil:
    """Time of the next threshold crossing if it comes no later than ``limit``, else inf.

    The crossing is the one the dyadic search (_search) finds from the state, whatever the
    limit; where bounds in closed form prove the membrane below threshold up to the limit
    (_stays_below), the search is not run (unless the private test switch always_search is
    set)."""
    if n.s.t_next < INFINITY or limit <= n.s.t_clear:
        # a crossing found for this state is final: searching again from it (a later limit)
        # would skip the leaf it ends and find the next one
        return n.s.t_next if n.s.t_next <= limit else INFINITY
    if limit <= n.s.t or limit <= n.s.refr_end:
        # crossings come after the state's time and after the refractory period
        return INFINITY
    if n.p.always_search == 0.0 and _stays_below(n, limit, True):
        n.s.t_clear = limit
        return INFINITY
    return _search(n, limit)


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
        n.s.dI_syn_ex += acc.w_ex * 2.718281828459045 * n.p.k.inv_tau_ex
        n.s.dI_syn_in += acc.w_in * 2.718281828459045 * n.p.k.inv_tau_in
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


cdef inline double _quiet_span_end(PscNeuron* n) noexcept nogil:
    """The end of a span after the state's time t0 over which bounds in closed form prove V
    below threshold, when no search found a crossing: the free span (psc_free_span) from where
    V evolves freely (t0, or the end of the refractory period, from V_reset, when V is held),
    and at least the end of the refractory period (crossings come after it); when the free span
    ends before what the search already cleared, _stays_below over twice that."""
    cdef double t0 = n.s.t, ahead
    cdef double theta = n.p.V_th - n.p.E_L
    cdef PscTrajectory tr
    _trajectory_of(n, &n.s, &tr)
    if _held(n):
        tr.start.u = n.p.V_reset - n.p.E_L
        return n.s.refr_end + psc_free_span(&tr, theta)
    ahead = t0 + psc_free_span(&tr, theta)
    if t0 <= n.s.refr_end:
        return ahead if ahead > n.s.refr_end else n.s.refr_end
    if ahead <= n.s.t_clear:
        ahead = t0 + 2.0 * (n.s.t_clear - t0)
        if not _stays_below(n, ahead, False):
            ahead = n.s.t_clear
    return ahead


cdef inline double quiet_until(PscNeuron* n) noexcept nogil:
    """Without input nothing happens before the end of what the crossing search covered.  When
    that search found nothing yet, the span is first extended by bounds in closed form
    (_quiet_span_end), so that a neuron without input is visited a few times before its
    crossing, not in every window (nor in every window of its refractory period)."""
    cdef double ahead
    if n.s.t_next == INFINITY and n.s.t_clear < INFINITY and n.p.always_search == 0.0:
        ahead = _quiet_span_end(n)
        if ahead > n.s.t_clear:
            n.s.t_clear = ahead
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
    n.s.frame.t = -INFINITY
    refresh(n)


cdef inline double state_time(PscNeuron* n) noexcept nogil:
    return n.s.t
