# cython: language_level=3
"""An embedded Runge-Kutta integrator with dense output and exact event location, for the
neuron models whose membrane has no closed form (iaf_cond_exp, iaf_cond_alpha, iaf_cond_beta).

One implementation serves every such model: a model hands the integrator an ``OdeSystem``
built on the stack in each call (its struct, its right-hand side, its number of components,
its tolerances and where in its struct the integration's state lives), so the steps, the error
control, the dense output and the threshold search are written once.

Method
    Dormand and Prince's RK5(4)7M (the fifth-order solution is propagated, the embedded
    fourth-order one estimates the error; the seventh stage is the derivative at the step's
    end), with Hairer's quartic dense output: on a step [t0, t0 + h] each component is the
    polynomial

        p(theta) = y0 + theta (d + (1 - theta) (b + theta (c + (1 - theta) e))),
        theta = (t - t0) / h,

    which takes the values y0 and y1 and the slopes h f(y0) and h f(y1) at the ends, so the
    trajectory made of the steps' polynomials is continuous with a continuous derivative, and
    is within O(h^5) of the exact solution inside the step.

Error control
    A step of size h is accepted when every component's estimated local error is within that
    component's tolerance (``atol``, in the component's unit: absolute, per step); otherwise
    it is tried again with a smaller h.  The next step's size is
    h min(5, max(0.2, 0.9 err^{-1/5})) (no growth right after a rejection), err the largest
    ratio of estimate to tolerance.  A step that would be shorter than 1e-12 of the time it
    starts at (or 1e-12 ms), or whose state is not finite, fails (``ode_step`` returns -1): the
    model reports a NumericalError instead of stepping forever.

Determinism
    A step depends only on where it starts (time, state, the size to try); the model's
    ``nodes`` function provides what its right-hand side needs at the step's nodes (say
    conductances in closed form).  Callers take the steps of a trajectory in order from the
    model's last own event, never ending one at a window boundary or at a limit, so the steps
    (and every value computed from them) are the same whatever the windows, the Simulate splits
    or the threads.  An input ends the trajectory at its time: the model takes the dense
    output there as its new state and starts a new trajectory from it, with the input applied.

Event location (``ode_reach``)
    The first time in (t0, t0 + h] at which a component's polynomial reaches a level, found on
    the polynomial's Bernstein form: a quartic on [0, 1] is the weighted mean of its five
    Bernstein coefficients, so it lies between their smallest and largest (the convex hull
    property), and halving the interval (de Casteljau) gives the coefficients of each half,
    whose hulls shrink to the polynomial as O(width^2).  The search goes depth first, earliest
    half first, skipping every interval whose largest coefficient lies below the level, down to
    intervals of 2^-ODE_LEAF_BITS ms; the first leaf that may reach the level holds the crossing, and
    its right end is returned.  Bracketing argument: every step's polynomial is bounded over its
    whole interval, not only at its ends, and consecutive steps tile the trajectory without gaps
    (each starts where the previous ended), so no crossing of the computed trajectory is missed,
    even one that rises above the level and falls back inside one step, or touches it
    tangentially (its leaf's hull then reaches the level); the crossing is located to
    2^-ODE_LEAF_BITS ms (about 1e-12 ms) on the polynomial.  What the search cannot see is the
    integration error itself: the computed trajectory is within a small multiple of the
    tolerance of the exact one (the models: ~1e-7 mV at their default 1e-9 mV per step, tested
    against a tight reference), so an exact trajectory that exceeds the level by less than
    that may be found or not.
"""
from libc.math cimport fabs
from libc.stdint cimport int64_t

cdef extern from "<math.h>" nogil:
    const double INFINITY
    const double NAN

cdef enum:
    ODE_MAX = 4              # the most components a system may have (stack workspace of a step)
    ODE_AUX = 64             # doubles a model's ``nodes`` may write for its right-hand side
    ODE_NODES = 7            # stages of a step; ``rhs`` is asked at nodes 0 .. 6
    ODE_DENSE = 4            # doubles of dense output per component (besides its start value)
    ODE_SEARCH_DEPTH = 80    # the deepest halving of a step (its leaves then are 2^-80 of it)
    ODE_LEAF_BITS = 40       # the search's leaves: 2^-40 ms (~9.1e-13 ms), or 2^-80 of the step


cdef inline double ode_node(int i) noexcept nogil:
    """The offset of node i (0 .. 6) in a step, in units of the step's size."""
    if i == 0:
        return 0.0
    if i == 1:
        return 0.2
    if i == 2:
        return 0.3
    if i == 3:
        return 0.8
    if i == 4:
        return 8.0 / 9.0
    return 1.0

# nodes(model, t0, h, aux): before the stages of a step [t0, t0 + h] (t0 the track's clock.t),
# what the right-hand side needs at its nodes t0 + ode_node(i) h (say the conductances there),
# written to aux; it may also note, in the model's struct, what ``move`` takes on if this step is
# the one accepted (the last one tried)
ctypedef void (*ode_nodes_fn)(void* model, double t0, double h, double* aux) noexcept nogil
# rhs(model, aux, i, y, f): the derivative f at node i of the step (aux from nodes) and state y
ctypedef void (*ode_rhs_fn)(const void* model, const double* aux, int i, const double* y,
                            double* f) noexcept nogil
# move(model): the present step is taken (ode_next): what the model keeps for the start of the
# step moves on to its end (NULL: nothing)
ctypedef void (*ode_move_fn)(void* model) noexcept nogil


cdef struct OdeClock:
    # where a trajectory's integration has come to, in the model's struct
    double t                 # the present step's start: the state y refers to it (ms)
    double h                 # the size to try for the step from t (ms)
    double h_done            # the present step's accepted size (ms), 0 while it is not computed
    double t_end             # its end, t + h_done (ms)
    double h_next            # the size to try for the step after it (ms)


cdef struct OdeSystem:
    # what a model hands the integrator, built on the stack in each call
    void* model              # its struct
    ode_nodes_fn nodes
    ode_rhs_fn rhs
    ode_move_fn move
    int n                    # components (<= ODE_MAX)
    const double* atol       # error allowed per step, per component (their units)
    OdeClock* clock          # in the model's struct
    double* y                # the state at clock.t (n), in the model's struct
    double* dense            # the present step's dense output (ODE_DENSE n), in the model's struct


cdef union _Bits:
    double d
    int64_t i


cdef inline double _inv_fifth_root(double x) noexcept nogil:
    """x^{-1/5} for x in [1e-4, 1e4] to ~3e-6 relative, by arithmetic alone (a step's size
    factor needs no more, and pow() cost a fifth of a step): a first guess from x's bits (its
    exponent divided by -5, as in the fast inverse square root), then three Newton steps on
    y^-5 = x."""
    cdef _Bits b
    cdef double y, y5
    cdef int k
    b.d = x
    # bits of x^p ~ p bits(x) + (1 - p) bits(1.0), p = -1/5 (bits(1.0) = 0x3FF0000000000000)
    b.i = <int64_t> (1.2 * 4607182418800017408.0 - 0.2 * <double> b.i)
    y = b.d
    for k in range(3):
        y5 = y * y
        y5 = y5 * y5 * y
        y = y * (1.2 - 0.2 * x * y5)
    return y


# -- Dormand-Prince RK5(4)7M ---------------------------------------------------------------------

cdef inline double _dp_attempt(OdeSystem* s, double h, double* y1, double* dense) noexcept nogil:
    """One step of size h from (clock.t, y): the fifth-order end point in y1, the dense output
    in ``dense``; returns the error estimate relative to the tolerances (<= 1: acceptable; NaN
    when the state is not finite)."""
    cdef double aux[ODE_AUX]
    cdef double k1[ODE_MAX]
    cdef double k2[ODE_MAX]
    cdef double k3[ODE_MAX]
    cdef double k4[ODE_MAX]
    cdef double k5[ODE_MAX]
    cdef double k6[ODE_MAX]
    cdef double k7[ODE_MAX]
    cdef double z[ODE_MAX]
    cdef const double* y = s.y
    cdef int i, n = s.n
    cdef double err = 0.0, e, ydiff, bspl
    s.nodes(s.model, s.clock.t, h, aux)
    s.rhs(s.model, aux, 0, y, k1)
    for i in range(n):
        z[i] = y[i] + h * (0.2 * k1[i])
    s.rhs(s.model, aux, 1, z, k2)
    for i in range(n):
        z[i] = y[i] + h * (3.0 / 40.0 * k1[i] + 9.0 / 40.0 * k2[i])
    s.rhs(s.model, aux, 2, z, k3)
    for i in range(n):
        z[i] = y[i] + h * (44.0 / 45.0 * k1[i] - 56.0 / 15.0 * k2[i] + 32.0 / 9.0 * k3[i])
    s.rhs(s.model, aux, 3, z, k4)
    for i in range(n):
        z[i] = y[i] + h * (19372.0 / 6561.0 * k1[i] - 25360.0 / 2187.0 * k2[i] + 64448.0 / 6561.0 * k3[i]
                           - 212.0 / 729.0 * k4[i])
    s.rhs(s.model, aux, 4, z, k5)
    for i in range(n):
        z[i] = y[i] + h * (9017.0 / 3168.0 * k1[i] - 355.0 / 33.0 * k2[i] + 46732.0 / 5247.0 * k3[i]
                           + 49.0 / 176.0 * k4[i] - 5103.0 / 18656.0 * k5[i])
    s.rhs(s.model, aux, 5, z, k6)
    for i in range(n):
        y1[i] = y[i] + h * (35.0 / 384.0 * k1[i] + 500.0 / 1113.0 * k3[i] + 125.0 / 192.0 * k4[i]
                            - 2187.0 / 6784.0 * k5[i] + 11.0 / 84.0 * k6[i])
    s.rhs(s.model, aux, 6, y1, k7)
    for i in range(n):
        # the difference of the fifth- and fourth-order solutions
        e = h * (71.0 / 57600.0 * k1[i] - 71.0 / 16695.0 * k3[i] + 71.0 / 1920.0 * k4[i]
                 - 17253.0 / 339200.0 * k5[i] + 22.0 / 525.0 * k6[i] - 1.0 / 40.0 * k7[i])
        e = fabs(e) / s.atol[i]
        if not fabs(y1[i]) <= 1e300:
            e = NAN
        if err == err and not e <= err:     # the largest, NaN once one is NaN
            err = e
        # Hairer's dense output: p(0) = y0, p(1) = y1, p'(0) = h k1, p'(1) = h k7
        ydiff = y1[i] - y[i]
        bspl = h * k1[i] - ydiff
        dense[ODE_DENSE * i] = y1[i]
        dense[ODE_DENSE * i + 1] = bspl
        dense[ODE_DENSE * i + 2] = ydiff - h * k7[i] - bspl
        dense[ODE_DENSE * i + 3] = h * (-12715105075.0 / 11282082432.0 * k1[i]
                                        + 87487479700.0 / 32700410799.0 * k3[i]
                                        - 10690763975.0 / 1880347072.0 * k4[i]
                                        + 701980252875.0 / 199316789632.0 * k5[i]
                                        - 1453857185.0 / 822651844.0 * k6[i]
                                        + 69997945.0 / 29380423.0 * k7[i])
    return err


cdef inline bint _too_short(double t, double h) noexcept nogil:
    """Whether a step of size h from t is too short to take (or not a number)."""
    cdef double floor_h = 1e-12 * fabs(t)
    if floor_h < 1e-12:
        floor_h = 1e-12
    return not h >= floor_h


cdef inline int ode_step(OdeSystem* s) noexcept nogil:
    """Compute the present step from clock.t if it is not computed yet: try clock.h, and
    smaller sizes while the error is too large.  Returns 0, or -1 when no acceptable step
    exists (the state is not finite, or the step would be shorter than 1e-12 of t)."""
    cdef OdeClock* c = s.clock
    cdef double y1[ODE_MAX]
    cdef double h, err, fac
    cdef bint rejected = False
    if c.h_done > 0.0:
        return 0
    h = c.h
    while True:
        if _too_short(c.t, h):
            return -1
        err = _dp_attempt(s, h, y1, s.dense)
        if err <= 1.0:
            break
        # rejected (or NaN: a step too long for the state to stay finite): shorter
        fac = 0.2
        if err == err and err < 3125.0:
            fac = 0.9 * _inv_fifth_root(err)
            if fac < 0.2:
                fac = 0.2
        h *= fac
        rejected = True
    fac = 5.0
    if err > 1.889568e-4:          # (0.9 / 5)^5: below it the factor is 5 anyway
        fac = 0.9 * _inv_fifth_root(err)
        if fac > 5.0:
            fac = 5.0
        elif fac < 0.2:
            fac = 0.2
    if rejected and fac > 1.0:
        fac = 1.0
    c.h_done = h
    c.t_end = c.t + h
    c.h_next = h * fac
    return 0


cdef inline void ode_next(OdeSystem* s) noexcept nogil:
    """Move on to the step after the present one (computed): its end becomes the start."""
    cdef OdeClock* c = s.clock
    cdef int i
    if s.move != NULL:
        s.move(s.model)
    for i in range(s.n):
        s.y[i] = s.dense[ODE_DENSE * i]
    c.t = c.t_end
    c.h = c.h_next
    c.h_done = 0.0


cdef inline void ode_restart(OdeClock* c, double t, double h) noexcept nogil:
    """A trajectory starts at t (its state set by the caller), with a first step of size h to try."""
    c.t = t
    c.h = h
    c.h_done = 0.0
    c.t_end = -INFINITY
    c.h_next = 0.0


cdef inline int ode_cover(OdeSystem* s, double t) noexcept nogil:
    """Take the steps of the trajectory until the present step (computed) holds t (> clock.t):
    clock.t < t <= clock.t_end.  Returns -1 when a step fails (ode_step)."""
    while True:
        if ode_step(s) != 0:
            return -1
        if t <= s.clock.t_end:
            return 0
        ode_next(s)


cdef inline double ode_value(const OdeSystem* s, int i, double t) noexcept nogil:
    """Component i at t in [clock.t, clock.t_end] of the present step (computed): its dense
    output, exactly its end value at the end."""
    cdef const double* d = &s.dense[ODE_DENSE * i]
    cdef double y0 = s.y[i], th, th1
    if t >= s.clock.t_end:
        return d[0]
    th = (t - s.clock.t) / s.clock.h_done
    th1 = 1.0 - th
    return y0 + th * ((d[0] - y0) + th1 * (d[1] + th * (d[2] + th1 * d[3])))


cdef inline double ode_reach(const OdeSystem* s, int i, double level) noexcept nogil:
    """The first time in (clock.t, clock.t_end] at which component i of the present step
    (computed, starting below ``level``) reaches ``level``: the right end of the first leaf of
    the Bernstein search that may reach it (see the module's docstring); inf if none does."""
    cdef const double* d = &s.dense[ODE_DENSE * i]
    cdef double y0 = s.y[i], y1 = d[0], h = s.clock.h_done
    cdef double r2 = y1 - y0
    cdef double stack_b[ODE_SEARCH_DEPTH + 1][5]
    cdef double stack_a[ODE_SEARCH_DEPTH + 1]
    cdef double stack_w[ODE_SEARCH_DEPTH + 1]
    cdef double b[5]
    cdef double lo[5]
    cdef double hi[5]
    cdef double a, w, top, q01, q12, q23, q34, q012, q123, q234, q0123, q1234, mid
    cdef double leaf = 1.0 / (<double> (1 << (ODE_LEAF_BITS // 2))) / (<double> (1 << (ODE_LEAF_BITS // 2))) / h
    cdef int sp, k
    # the Bernstein coefficients of p - level on [0, 1]
    b[0] = y0 - level
    b[1] = y0 + 0.25 * (r2 + d[1]) - level
    b[2] = y0 + 0.5 * r2 + d[1] / 3.0 + (d[2] + d[3]) / 6.0 - level
    b[3] = y0 + 0.75 * r2 + 0.25 * (d[1] + d[2]) - level
    b[4] = y1 - level
    if b[0] < 0.0 and b[1] < 0.0 and b[2] < 0.0 and b[3] < 0.0 and b[4] < 0.0:
        return INFINITY          # the whole step below the level: most steps
    if leaf < 1.0 / 1208925819614629174706176.0:   # 2^-80 of the step
        leaf = 1.0 / 1208925819614629174706176.0
    sp = 0
    for k in range(5):
        stack_b[0][k] = b[k]
    stack_a[0] = 0.0
    stack_w[0] = 1.0
    while sp >= 0:
        for k in range(5):
            b[k] = stack_b[sp][k]
        a = stack_a[sp]
        w = stack_w[sp]
        sp -= 1
        top = b[0]
        for k in range(1, 5):
            if b[k] > top:
                top = b[k]
        if top < 0.0:
            continue
        if w <= leaf:
            return s.clock.t + (a + w) * h if a + w < 1.0 else s.clock.t_end
        # de Casteljau at the middle: the coefficients of the left and right halves
        q01 = 0.5 * (b[0] + b[1])
        q12 = 0.5 * (b[1] + b[2])
        q23 = 0.5 * (b[2] + b[3])
        q34 = 0.5 * (b[3] + b[4])
        q012 = 0.5 * (q01 + q12)
        q123 = 0.5 * (q12 + q23)
        q234 = 0.5 * (q23 + q34)
        q0123 = 0.5 * (q012 + q123)
        q1234 = 0.5 * (q123 + q234)
        mid = 0.5 * (q0123 + q1234)
        # the right half below the left one: the earlier half is searched first
        sp += 1
        stack_b[sp][0] = mid
        stack_b[sp][1] = q1234
        stack_b[sp][2] = q234
        stack_b[sp][3] = q34
        stack_b[sp][4] = b[4]
        stack_a[sp] = a + 0.5 * w
        stack_w[sp] = 0.5 * w
        sp += 1
        stack_b[sp][0] = b[0]
        stack_b[sp][1] = q01
        stack_b[sp][2] = q012
        stack_b[sp][3] = q0123
        stack_b[sp][4] = mid
        stack_a[sp] = a
        stack_w[sp] = 0.5 * w
    return INFINITY
