# cython: language_level=3
"""Exact steps of current-based LIF membranes with exponential or alpha-shaped currents
(psc.pxd's neurons: iaf_psc_exp, iaf_psc_alpha, srm_psc_exp).

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

A step to a time other neurons step to as well takes its exponentials from frames
(frames.pxd; psc_frame_decay) where the synaptic time constants are apart from tau_m (_apart).
"""
from libc.math cimport exp, expm1, fabs

from csnn._core.frames cimport FRAME_SPAN, FrameTime, frame_decay


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


cdef struct PscFrame:
    # the frame factors E and frames k (frames.pxd) of a time, per mode (membrane, excitatory,
    # inhibitory current): a pure function of the time and the time constants
    double t                 # the time they belong to (ms): the state's time when its last step
                             # was to a shared time (_decay_to), else an earlier one or -inf
    double e[3]
    double k[3]


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
