# cython: language_level=3
"""Conductance-based LIF neurons: iaf_cond_exp, iaf_cond_alpha and iaf_cond_beta (see their
``.pyx``), their state and the neuron contract (neurons.pxd.in), on the integrator of ode.pxd.

The membrane

    C_m dV/dt = -g_L (V - E_L) - g_ex(t) (V - E_ex) - g_in(t) (V - E_in) + I_e + I_stim

is the one component the integrator steps.  Its conductances are linear and known in closed
form from the neuron's last own event (its *anchor*: an input, a spike, a current change), s
after it: with G and D the conductance and its derivative term there,

    dg(s) = D e^{-s/tau_d},    g(s) = G e^{-s/tau_g} + D K(s),
    K(s) = (e^{-s/tau_d} - e^{-s/tau_g}) / (1/tau_g - 1/tau_d)    (s e^{-s/tau} when equal),

the solution of dg/ds = -dg/tau_d, dg_/ds = dg - g/tau_g (NEST's equations; iaf_cond_exp has
D = 0, iaf_cond_alpha tau_g = tau_d, iaf_cond_beta tau_g = tau_rise, tau_d = tau_decay), so a
sampled conductance is exact to rounding, and the right-hand side sees the exact conductances
at the integrator's nodes: e^{-s/tau} at a step's start is carried from step to step, and at its
nodes s + c h (c = k/90, k = 0, 18, 27, 72, 80, 90) it is that times a power of e^{-h/(90 tau)}, so
a step takes one exponential per time constant, of a small argument, which a Taylor polynomial
gives to an ulp (the node factors are within ~1e-13 relative after a thousand steps, far below
what V's tolerance can see).

State and trajectory
    ``CondState`` is the state at the anchor; everything later is computed from it alone.
    ``CondTrack`` is how far the integration of the trajectory from the anchor has come (its
    present step, with dense output, and how far the threshold search has looked): a cache,
    which ``refresh`` discards (the steps are then taken again, to the same bits), so that a
    neuron's struct depends only on its events, not on the windows that asked about it.
    The trajectory starts at the anchor, or, while refractory, at the end of the refractory
    period with V = V_reset (V is held there over (t_spike, t_spike + t_ref] while the
    conductances evolve and take inputs, as in NEST).  Its first step tries the size of the step
    that held the anchor in the previous trajectory.

Inputs and spikes
    An input at t ends the trajectory there: V(t) is the dense output of the step that holds t
    (an input ends its step exactly at its time), the conductances jump (weight w > 0: the
    excitatory one, else the inhibitory one with -w; by w (nS) for iaf_cond_exp, their
    derivative terms by w times the normalisation that makes the conductance peak at w nS for
    the others), and a new trajectory starts.  A spike is the first time the trajectory reaches
    V_th, found on each step's dense output by ode_reach (no crossing inside a step is
    missed); the state then moves there and V is reset.
"""
from libc.math cimport exp, expm1, fabs, isfinite, nextafter

from csnn._core.events cimport (INFINITY, NAN, REC_G_EX, REC_G_IN, REC_T_REF_REMAINING, Pending,
                               pending_add)
from csnn._core.ode cimport (ODE_DENSE, OdeClock, OdeSystem, ode_cover, ode_next, ode_node, ode_reach,
                            ode_restart, ode_step, ode_value)


cdef struct CondSynapse:
    # one conductance kernel (excitatory or inhibitory), derived from the parameters
    double rate              # 1/tau_g: the conductance's own decay (1/ms)
    double rate_d            # 1/tau_d: its derivative term's decay (1/ms)
    double delta             # rate - rate_d (1/ms)
    double to_g              # jump of g per nS of weight (iaf_cond_exp: 1)
    double to_dg             # jump of dg per nS of weight (1/ms; the others: the normalisation)


cdef struct CondParams:
    double V_th              # spike threshold (mV)
    double V_reset           # reset potential (mV)
    double t_ref             # refractory period (ms)
    double g_L               # leak conductance (nS)
    double C_m               # membrane capacitance (pF)
    double E_ex              # excitatory reversal potential (mV)
    double E_in              # inhibitory reversal potential (mV)
    double E_L               # leak reversal potential (mV)
    double I_e               # constant input current (pA)
    double error_tol         # local error allowed per integration step in V (mV)
    double tau_syn_ex        # iaf_cond_exp, iaf_cond_alpha: conductance time constants (ms)
    double tau_syn_in
    double tau_rise_ex       # iaf_cond_beta: rise and decay time constants (ms)
    double tau_decay_ex
    double tau_rise_in
    double tau_decay_in
    # derived from the parameters (cond.pyx's kernels)
    double inv_c_m           # 1 / C_m (1/pF)
    CondSynapse ex
    CondSynapse inh


cdef struct CondState:
    # the state at the anchor, the neuron's last own event
    double V_m               # membrane potential (mV)
    double g_ex              # excitatory conductance (nS)
    double dg_ex             # its derivative term (nS/ms)
    double g_in              # inhibitory conductance (nS)
    double dg_in             # its derivative term (nS/ms)
    double t                 # the anchor's time (ms)
    double h                 # the first step to try from the anchor (ms)
    double refr_end          # end of the refractory period (ms)
    double I_stim            # current from stimulation devices (pA)
    double t_spike           # time of the last spike (ms), -1 before the first
    double failed            # when the integration failed (ms), inf if never


cdef struct CondTrack:
    # the integration of the trajectory from the anchor (a cache: refresh restarts it)
    double v                 # V at clock.t (mV)
    OdeClock clock           # its present step (not the struct's first field: Cython's buffer
                             # check misreads a struct that opens a struct)
    double dense[4]          # the present step's dense output of V (ode.pxd)
    double decay[4]          # e^{-rate s}, e^{-rate_d s} of the excitatory, then the inhibitory
                             # kernel, s = clock.t - the anchor: exact at the trajectory's start,
                             # then carried from step to step (_nodes, _move)
    double decay_next[4]     # the same at the end of the step last tried
    double t_clear           # no crossing up to here (ms); -inf: the start is not checked yet
    double t_next            # the crossing found (ms), inf if none yet


cdef struct CondNeuron:
    CondState s
    CondTrack k
    CondParams p


# -- conductances ------------------------------------------------------------------------------

cdef inline double _kernel_k(const CondSynapse* k, double s, double e_g, double e_d) noexcept nogil:
    """K(s) given e_g = e^{-s rate} and e_d = e^{-s rate_d}: the difference of the exponentials
    where it loses no precision, expm1 near tau_g == tau_d."""
    cdef double x = s * k.delta
    if k.delta == 0.0:
        return s * e_g
    if fabs(x) >= 0.5:
        return (e_d - e_g) / k.delta
    return e_g * expm1(x) / k.delta


cdef inline double cond_g(const CondSynapse* k, double g0, double dg0, double s) noexcept nogil:
    """The conductance s ms after the anchor (g0, dg0 there), exact to rounding."""
    cdef double e_g
    if dg0 == 0.0:
        return g0 * exp(-s * k.rate) if g0 != 0.0 else 0.0
    e_g = exp(-s * k.rate)
    return g0 * e_g + dg0 * _kernel_k(k, s, e_g, e_g if k.delta == 0.0 else exp(-s * k.rate_d))


cdef inline double cond_dg(const CondSynapse* k, double dg0, double s) noexcept nogil:
    return dg0 * exp(-s * k.rate_d) if dg0 != 0.0 else 0.0


cdef inline double _exp_minus(double x) noexcept nogil:
    """e^{-x} for x >= 0: by its Taylor polynomial of degree 9 where x < 1/16 (its remainder,
    x^10 / 10!, is below 1e-18 there: within an ulp or two, as exp(); a step's node factors
    mostly are, and a library call costs five times more), else exp()."""
    if x >= 0.0625:
        return exp(-x)
    return 1.0 - x * (1.0 - x * (0.5 - x * (1.0 / 6.0 - x * (1.0 / 24.0 - x * (1.0 / 120.0 - x * (
        1.0 / 720.0 - x * (1.0 / 5040.0 - x * (1.0 / 40320.0 - x * (1.0 / 362880.0)))))))))


cdef inline void _powers(double e0, double rate, double h, double* e) noexcept nogil:
    """e[j] = e0 e^{-rate c_j h} at the six distinct nodes c_j = 0, 1/5, 3/10, 4/5, 8/9, 1 of a
    step: one exponential, the rest as powers of q = e^{-rate h / 90} (within ~100 ulp)."""
    cdef double q = _exp_minus(rate * h / 90.0)
    cdef double q2 = q * q
    cdef double q8 = (q2 * q2) * (q2 * q2)
    cdef double q9 = q8 * q
    cdef double q18 = q9 * q9
    cdef double q72 = (q18 * q18) * (q18 * q18)
    e[0] = e0
    e[1] = e0 * q18
    e[2] = e0 * (q18 * q9)
    e[3] = e0 * q72
    e[4] = e0 * (q72 * q8)
    e[5] = e0 * (q72 * q18)


cdef inline void _g_nodes(const CondSynapse* k, double g0, double dg0, double s0, double h,
                          const double* decay, double* decay_next, double* g) noexcept nogil:
    """The conductance at the six distinct nodes of a step [s0, s0 + h] after the anchor, given
    decay = (e^{-rate s0}, e^{-rate_d s0}); decay_next: the same at s0 + h."""
    cdef double e_g[6]
    cdef double e_d[6]
    cdef double s
    cdef int j
    if g0 == 0.0 and dg0 == 0.0:
        for j in range(6):
            g[j] = 0.0
        return
    _powers(decay[0], k.rate, h, e_g)
    decay_next[0] = e_g[5]
    if dg0 == 0.0:
        for j in range(6):
            g[j] = g0 * e_g[j]
        return
    if k.delta == 0.0:
        decay_next[1] = e_g[5]
        for j in range(6):
            g[j] = g0 * e_g[j] + dg0 * (s0 + ode_node(j) * h) * e_g[j]
        return
    _powers(decay[1], k.rate_d, h, e_d)
    decay_next[1] = e_d[5]
    for j in range(6):
        s = s0 + ode_node(j) * h
        g[j] = g0 * e_g[j] + dg0 * _kernel_k(k, s, e_g[j], e_d[j])


# -- the system the integrator steps -------------------------------------------------------------

cdef inline void _nodes(void* model, double t0, double h, double* aux) noexcept nogil:
    """dV/dt = A - B V at the step's nodes: aux[2 j] = A, aux[2 j + 1] = B at the six distinct
    nodes (node 6 is node 5); the kernels' decay at the step's end noted for _move."""
    cdef CondNeuron* n = <CondNeuron*> model
    cdef double g_ex[6]
    cdef double g_in[6]
    cdef double s0 = t0 - n.s.t
    cdef double drive = n.p.g_L * n.p.E_L + n.p.I_e + n.s.I_stim
    cdef int j
    _g_nodes(&n.p.ex, n.s.g_ex, n.s.dg_ex, s0, h, n.k.decay, n.k.decay_next, g_ex)
    _g_nodes(&n.p.inh, n.s.g_in, n.s.dg_in, s0, h, &n.k.decay[2], &n.k.decay_next[2], g_in)
    for j in range(6):
        aux[2 * j] = (drive + g_ex[j] * n.p.E_ex + g_in[j] * n.p.E_in) * n.p.inv_c_m
        aux[2 * j + 1] = (n.p.g_L + g_ex[j] + g_in[j]) * n.p.inv_c_m


cdef inline void _rhs(const void* model, const double* aux, int i, const double* y, double* f) noexcept nogil:
    cdef int j = 5 if i == 6 else i
    f[0] = aux[2 * j] - aux[2 * j + 1] * y[0]


cdef inline void _move(void* model) noexcept nogil:
    cdef CondNeuron* n = <CondNeuron*> model
    cdef int j
    for j in range(4):
        n.k.decay[j] = n.k.decay_next[j]


cdef inline void _system(CondNeuron* n, OdeSystem* sys) noexcept nogil:
    sys.model = n
    sys.nodes = _nodes
    sys.rhs = _rhs
    sys.move = _move
    sys.n = 1
    sys.atol = &n.p.error_tol
    sys.clock = &n.k.clock
    sys.y = &n.k.v
    sys.dense = n.k.dense


cdef inline void _restart(CondNeuron* n) noexcept nogil:
    """Start the trajectory from the anchor: there, or at the end of the refractory period
    from V_reset; nothing searched yet."""
    cdef int j
    cdef double s = 0.0
    if n.s.t <= n.s.refr_end:
        ode_restart(&n.k.clock, n.s.refr_end, n.s.h)
        n.k.v = n.p.V_reset
        s = n.s.refr_end - n.s.t
    else:
        ode_restart(&n.k.clock, n.s.t, n.s.h)
        n.k.v = n.s.V_m
    n.k.decay[0] = exp(-s * n.p.ex.rate) if s > 0.0 else 1.0
    n.k.decay[1] = exp(-s * n.p.ex.rate_d) if s > 0.0 else 1.0
    n.k.decay[2] = exp(-s * n.p.inh.rate) if s > 0.0 else 1.0
    n.k.decay[3] = exp(-s * n.p.inh.rate_d) if s > 0.0 else 1.0
    for j in range(4):
        n.k.decay_next[j] = n.k.decay[j]
    for j in range(ODE_DENSE):
        n.k.dense[j] = 0.0
    n.k.t_clear = -INFINITY
    n.k.t_next = INFINITY


cdef inline double _v_on_track(CondNeuron* n, double t) noexcept nogil:
    """V at t (>= the anchor) on the trajectory, taking its steps up to the one that holds t
    (clock.t < t <= clock.t_end; NaN when they fail): the trajectory's start value at its start."""
    cdef OdeSystem sys
    if t <= n.k.clock.t:
        _restart(n)
        if t <= n.k.clock.t:
            return n.k.v
    _system(n, &sys)
    if ode_cover(&sys, t) != 0:
        return NAN
    return ode_value(&sys, 0, t)


# -- the neuron contract (neurons.pxd.in) ------------------------------------------------------

cdef inline void advance(CondNeuron* n, double t, bint shared) noexcept nogil:
    """Move the anchor to t (> its time): V from the trajectory's dense output at t, the
    conductances in closed form; the next trajectory tries the size of the step that held t."""
    cdef double s, v
    if t <= n.s.t:
        return
    if n.s.failed == INFINITY and (n.s.t > n.s.refr_end or t > n.s.refr_end):
        # (else V is held at V_reset up to t)
        v = _v_on_track(n, t)
        if v != v:
            n.s.failed = n.k.clock.t
        else:
            n.s.V_m = v
            n.s.h = n.k.clock.h_done
    s = t - n.s.t
    n.s.g_ex, n.s.dg_ex = cond_g(&n.p.ex, n.s.g_ex, n.s.dg_ex, s), cond_dg(&n.p.ex, n.s.dg_ex, s)
    n.s.g_in, n.s.dg_in = cond_g(&n.p.inh, n.s.g_in, n.s.dg_in, s), cond_dg(&n.p.inh, n.s.dg_in, s)
    n.s.t = t
    _restart(n)


cdef inline double next_crossing(CondNeuron* n, double limit) noexcept nogil:
    """The first time the trajectory reaches V_th, if no later than ``limit``, else inf: its
    steps are searched in order (ode_reach), each over its whole span, whatever the limit; the
    search stops after the step that reaches past the limit (kept for the next call)."""
    cdef OdeSystem sys
    cdef double tx
    if n.p.V_th == INFINITY or n.s.failed < INFINITY:
        return INFINITY
    if n.k.t_next < INFINITY or limit <= n.k.t_clear:
        return n.k.t_next if n.k.t_next <= limit else INFINITY
    if limit <= n.k.clock.t:
        return INFINITY
    if n.k.t_clear == -INFINITY:
        if n.k.v >= n.p.V_th:
            # a state set at or above threshold (or put there by the rounding of an input's
            # time): fire at the first instant after it
            n.k.t_next = nextafter(n.k.clock.t, INFINITY)
            n.k.t_clear = n.k.t_next
            return n.k.t_next if n.k.t_next <= limit else INFINITY
        n.k.t_clear = n.k.clock.t
    _system(n, &sys)
    while True:
        if ode_step(&sys) != 0:
            n.s.failed = n.k.clock.t
            return INFINITY
        if n.k.t_clear < n.k.clock.t_end:
            tx = ode_reach(&sys, 0, n.p.V_th)
            if tx < INFINITY:
                if tx <= n.s.t:
                    tx = nextafter(n.s.t, INFINITY)
                n.k.t_next = tx
                n.k.t_clear = tx
                return tx if tx <= limit else INFINITY
            n.k.t_clear = n.k.clock.t_end
        if n.k.clock.t_end >= limit:
            return INFINITY
        ode_next(&sys)


cdef inline void receive(CondNeuron* n, double t, double w, int port, int mult, Pending* acc) noexcept nogil:
    """An input of weight ``w`` (nS) at ``t``: summed with the others of its time."""
    pending_add(acc, w, mult)


cdef inline int settle(CondNeuron* n, double t, Pending* acc) noexcept nogil:
    """The summed weights of time t (the anchor is at t): positive ones raise the excitatory
    conductance (or its derivative term), the others the inhibitory one by -w.  Inputs change
    conductances only: they never fire the neuron at once.  (The trajectory, restarted when the
    anchor moved to t, has taken no step yet: nothing of it depends on the conductances.)"""
    if acc.mult == 0:
        return 0
    n.s.g_ex += acc.w_ex * n.p.ex.to_g
    n.s.dg_ex += acc.w_ex * n.p.ex.to_dg
    n.s.g_in -= acc.w_in * n.p.inh.to_g
    n.s.dg_in -= acc.w_in * n.p.inh.to_dg
    return 0


cdef inline void fire(CondNeuron* n, double t) noexcept nogil:
    """Emit at t (the anchor is at t): V is reset and held for t_ref."""
    n.s.V_m = n.p.V_reset
    n.s.refr_end = t + n.p.t_ref
    n.s.t_spike = t
    _restart(n)


cdef inline void set_current(CondNeuron* n, double current) noexcept nogil:
    n.s.I_stim = current
    _restart(n)


cdef inline double sample(CondNeuron* n, double t, int var) noexcept nogil:
    """Recordable ``var`` at t (>= the anchor), from a copy: the state is unchanged."""
    cdef CondNeuron c
    cdef double s = t - n.s.t
    if var == REC_G_EX:
        return cond_g(&n.p.ex, n.s.g_ex, n.s.dg_ex, s)
    if var == REC_G_IN:
        return cond_g(&n.p.inh, n.s.g_in, n.s.dg_in, s)
    if var == REC_T_REF_REMAINING:
        return n.s.refr_end - t if n.s.refr_end > t else 0.0
    if t <= n.s.t:
        return n.s.V_m
    if n.s.failed < INFINITY:
        return NAN
    c = n[0]
    return _v_on_track(&c, t)


cdef inline void refresh(CondNeuron* n) noexcept nogil:
    """Discard the integration's cache: the trajectory starts again from the anchor."""
    _restart(n)


cdef inline double quiet_until(CondNeuron* n) noexcept nogil:
    """Without input nothing happens before the crossing found, or the end of what the search
    covered (at least the start of the trajectory: the end of the refractory period)."""
    if n.p.V_th == INFINITY or n.s.failed < INFINITY:
        return INFINITY
    if n.k.t_next < INFINITY:
        return n.k.t_next
    return n.k.t_clear if n.k.t_clear > n.k.clock.t else n.k.clock.t


cdef inline double check_state(CondNeuron* n) noexcept nogil:
    """inf while the anchor is finite and the integration has not failed."""
    if n.s.failed < INFINITY:
        return n.s.failed
    if isfinite(n.s.V_m + n.s.g_ex + n.s.dg_ex + n.s.g_in + n.s.dg_in):
        return INFINITY
    return n.s.t


cdef inline void initialize(CondNeuron* n, double t) noexcept nogil:
    n.s.t = t
    n.s.h = 0.1
    n.s.refr_end = -INFINITY
    n.s.I_stim = 0.0
    n.s.failed = INFINITY
    _restart(n)


cdef inline double state_time(CondNeuron* n) noexcept nogil:
    return n.s.t
