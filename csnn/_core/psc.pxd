# cython: language_level=3
"""Current-based LIF neurons with exponential or alpha-shaped currents: iaf_psc_exp,
iaf_psc_alpha and srm_psc_exp (whose kernels are the same sums of exponentials; it differs at
spikes, see ``flush``), their state and the neuron contract (neurons.pxd.in).

Their membrane is stepped exactly (psc_step.pxd, with frames where the time constants allow),
and their spikes are the threshold crossings of crossing.pyx's dyadic search on the bounds of
psc_bounds.pxd.  The engine asks for the next crossing before every input, up to that input's
time, so between two inputs the question is mostly whether V stays below threshold until the
next one: bounds in closed form from the state (_stays_below, no exponential at all in the
common case) answer it, and the search runs only where they cannot (a membrane about to
cross).  They clear a span only with a margin far above rounding, so the search would find no
crossing there either: spikes are the same with or without them.
"""
from libc.math cimport exp, fabs, isfinite, nextafter

from csnn._core.crossing cimport first_crossing
from csnn._core.events cimport INFINITY, REC_I_SYN_EX, REC_I_SYN_IN, Pending, pending_add
from csnn._core.frames cimport FrameTime, frame_at
from csnn._core.psc_bounds cimport (PscTrajectory, psc_bound_over, psc_free_span, psc_trajectory,
                                    psc_upper_bound)
from csnn._core.psc_step cimport (PscDecay, PscFrame, PscPoint, PscRates, psc_current, psc_decay,
                                  psc_frame_decay, psc_frame_of, psc_propagate)


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
    if var == REC_I_SYN_EX:
        return at.I_syn_ex
    if var == REC_I_SYN_IN:
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
    """An upper bound of U = V - E_L on [t, limit] (t the state's time, V not held): psc_bound_over
    with the decay over the span, whose excess over the true maximum is
    O((limit - t) (J_max - J_min) / C_m), or none where U is monotone.  ``shared``: limit is a
    time other neurons step to as well (_decay_to)."""
    cdef PscTrajectory tr
    cdef PscDecay d
    _trajectory_of(n, &n.s, &tr)
    _decay_to(n, limit, shared, &d)
    return psc_bound_over(&tr, &tr.start, limit - n.s.t, &d)


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
    set).  A threshold of +inf (NEST's way to silence a neuron) is never crossed."""
    if n.p.V_th == INFINITY:
        return INFINITY
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
    crossing, not in every window (nor in every window of its refractory period).  With a
    threshold of +inf nothing ever happens without input."""
    cdef double ahead
    if n.p.V_th == INFINITY:
        return INFINITY
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
