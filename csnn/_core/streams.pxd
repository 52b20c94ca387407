# cython: language_level=3
"""Stimulation devices as per-target event streams: records and inline functions (see streams.pyx)."""
from libc.math cimport exp, expm1, floor, sin, sqrt
from libc.stdint cimport int32_t, int64_t

from csnn._core.events cimport INFINITY
from csnn._core.gridtime cimport (MAX_STEP, Grid, arrival, arrival_at, delay_steps, last_step)
from csnn._core.rng cimport (PoissonTable, Xoshiro256, next_exponential, next_normal, next_unit,
                             poisson_each_step)


cdef enum GeneratorKind:
    GEN_SPIKES = 0      # spike_generator, pulsepacket_generator: explicit spike times
    GEN_POISSON = 1     # poisson_generator_ps: continuous times, piecewise-constant rate (Hz)
    GEN_CURRENT = 2     # dc_generator, step_current_generator: piecewise-constant current (pA)
    GEN_NOISE = 3       # noise_generator: Gaussian white noise, constant over steps of dt
    GEN_OU = 4          # ou_noise_generator: Ornstein-Uhlenbeck current, exact on steps of dt
    GEN_AC = 5          # ac_generator: sinusoidal current, constant over steps of dt
    GEN_POISSON_GRID = 6    # poisson_generator, inhomogeneous_poisson_generator: a count per step


cdef enum:
    # parameters of the step-current kinds (GEN_NOISE, GEN_OU, GEN_AC), one row per epoch
    N_PAR = 8
    P_MEAN = 0          # mean (noise, OU) or offset (AC), pA
    P_STD = 1           # standard deviation (noise, OU) or amplitude (AC), pA
    P_DT = 2            # step (ms)
    P_STD_MOD = 3       # noise: modulation amplitude of the standard deviation (pA); OU: tau (ms)
    P_OMEGA = 4         # angular frequency (rad/ms) of the noise modulation or of the sinusoid
    P_PHASE = 5         # phase (rad)
    P_ON = 6            # active for emission times in (P_ON, P_OFF] (ms)
    P_OFF = 7


cdef enum:
    # GEN_POISSON's values, one row per breakpoint
    PS_COLUMNS = 2
    PS_RATE = 0         # rate (Hz)
    PS_DEAD = 1         # dead time after each spike (ms)


cdef struct Generator:
    int32_t kind
    int32_t gid
    const double* times     # GEN_SPIKES: emission times; GEN_POISSON/CURRENT: schedule breakpoints;
                            # step currents: start of each parameter epoch (ms); GEN_POISSON_GRID:
                            # schedule breakpoints as step numbers (whole numbers)
    const double* values    # GEN_SPIKES: spike weights (NULL: 1); GEN_CURRENT/POISSON_GRID: value
                            # after each breakpoint (pA, Hz); GEN_POISSON: PS_COLUMNS per breakpoint;
                            # step currents: N_PAR parameters per epoch
    const double* mults     # GEN_SPIKES: multiplicities (NULL: 1)
    int64_t n
    const PoissonTable* tables  # GEN_POISSON_GRID: the count table after each breakpoint
    Grid grid               # the kernel's resolution


cdef struct Stream:
    int32_t target      # engine index of the target neuron
    int32_t gen         # index of the generator
    int32_t source      # global id of the generator (tie order)
    int32_t rank        # ordinal of this connection at its generator (tie order)
    int32_t port        # receptor port
    int32_t pending     # currents: the next change is the value at the stream's start
    double weight       # connection weight
    double delay        # connection delay (ms)
    double pos          # POISSON: where the budget is used from: the end of the dead time after the
                        # last emission, or the stream's start (ms)
    double budget       # POISSON: exponential(1) budget left for the next emission
    double next_emit    # POISSON: emission time of the next spike (ms)
    double next_t       # arrival time of the next event (ms), inf when none
    double next_value   # weight of the next spike, or current after the next change (pA)
    double value        # currents: current in effect at the target (pA), set when the change arrives
    double aux          # OU: start time of the step whose value ``budget`` holds (ms)
    double hold_budget  # OU: budget and aux before the pending change was drawn
    double hold_aux
    int64_t cursor      # index of the next spike / breakpoint; POISSON: segment of pos; POISSON_GRID:
                        # segment of the next emission
    int64_t next_mult   # multiplicity of the next spike (POISSON_GRID: the count of its step)
    int64_t step        # POISSON_GRID: the steps up to this one are decided (the last emission or
                        # the stream's start)
    int64_t next_step   # POISSON_GRID: the step of the next emission (MAX_STEP when none)
    int64_t delay_steps # the delay in steps, or OFF_GRID (gridtime.pxd)
    Xoshiro256 rng      # POISSON, noise and OU: the stream's own random numbers




cdef inline int64_t _first_after(const double* times, int64_t n, double t) noexcept nogil:
    """Index of the first entry > t in a sorted array (n if none)."""
    cdef int64_t lo = 0, hi = n, mid
    while lo < hi:
        mid = (lo + hi) // 2
        if times[mid] <= t:
            lo = mid + 1
        else:
            hi = mid
    return lo


cdef inline double _value_after(Generator* g, double t) noexcept nogil:
    """Schedule value for emission times just after ``t``."""
    cdef int64_t i = _first_after(g.times, g.n, t)
    return g.values[i - 1] if i > 0 else 0.0


cdef inline double _hazard(Generator* g, int64_t i) noexcept nogil:
    """GEN_POISSON: the rate (1/ms) at which segment i uses up a train's budget outside its dead
    times, rate / (1 - rate * dead time), so that the mean interval, dead time included, is
    1 / rate (infinite when the dead time is the whole interval: the train is regular)."""
    cdef double rate
    if i < 0:
        return 0.0
    rate = g.values[i * PS_COLUMNS + PS_RATE] * 1e-3          # Hz -> 1/ms
    if rate <= 0.0:
        return 0.0
    return rate / (1.0 - rate * g.values[i * PS_COLUMNS + PS_DEAD])


cdef inline void _poisson_next(Stream* s, Generator* g) noexcept nogil:
    """Next emission after ``pos`` for the budget left: walk the rate schedule from pos's segment."""
    cdef double t = s.pos
    cdef double budget = s.budget
    cdef int64_t i = s.cursor          # segment (times[i], times[i + 1]]; -1 before times[0]
    cdef double hazard, seg_end, te
    while True:
        hazard = _hazard(g, i)
        seg_end = g.times[i + 1] if i + 1 < g.n else INFINITY
        if hazard > 0.0:
            te = t + budget / hazard
            if te <= seg_end:
                s.next_emit = te
                s.next_t = te + s.delay
                return
            budget -= (seg_end - t) * hazard
        if seg_end == INFINITY:
            s.next_emit = INFINITY
            s.next_t = INFINITY
            return
        t = seg_end
        i += 1


cdef inline void _poisson_from(Stream* s, Generator* g, double t) noexcept nogil:
    """Use a fresh budget from time t on."""
    s.pos = t
    s.cursor = _first_after(g.times, g.n, t) - 1
    s.budget = next_exponential(&s.rng)
    _poisson_next(s, g)


cdef inline void _poisson_start(Stream* s, Generator* g, double t0) noexcept nogil:
    """Start a train at t0 in equilibrium, as NEST's poisson_generator_ps does: with a dead time
    d and rate r where it first becomes active (at a), the train is inside a dead time there with
    probability r d, which then ends uniformly in (a, a + d]; otherwise it uses its budget from a
    on.  (Its first spike is then at a + U d with probability r d, else at a + d plus an
    exponential interval: NEST's rule, in the form of the interval's two parts.)"""
    cdef int64_t i = _first_after(g.times, g.n, t0) - 1
    cdef double rate, dead, active
    while _hazard(g, i) == 0.0 and i + 1 < g.n:
        i += 1
    if i >= 0:
        rate = g.values[i * PS_COLUMNS + PS_RATE] * 1e-3
        dead = g.values[i * PS_COLUMNS + PS_DEAD]
        if dead > 0.0 and rate > 0.0:
            active = g.times[i] if g.times[i] > t0 else t0
            if next_unit(&s.rng) < rate * dead:
                t0 = active + dead * next_unit(&s.rng)
    _poisson_from(s, g, t0)


cdef inline void _poisson_pop(Stream* s, Generator* g) noexcept nogil:
    """After an emission: its segment's dead time, then a fresh budget."""
    cdef double t = s.next_emit
    cdef int64_t i = _first_after(g.times, g.n, t) - 1
    if i >= 0:
        t += g.values[i * PS_COLUMNS + PS_DEAD]
    _poisson_from(s, g, t)


# the walks over a grid drive's schedule (streams.pyx), called where a step leaves its segment
cdef void grid_next(Stream* s, Generator* g) noexcept nogil
cdef void grid_walk(Stream* s, Generator* g, int64_t k, int64_t i) noexcept nogil


cdef inline void grid_found(Stream* s, Generator* g, int64_t i, int64_t k, int64_t count) noexcept nogil:
    """GEN_POISSON_GRID: the next event is step k, in segment i, with ``count`` spikes."""
    s.cursor = i
    s.next_step = k
    s.next_mult = count
    s.next_t = arrival(&g.grid, k, s.delay_steps, s.delay)


cdef inline void _grid_from(Stream* s, Generator* g) noexcept nogil:
    """GEN_POISSON_GRID: the next non-empty step after ``step``, the segment found afresh."""
    s.cursor = _first_after(g.times, g.n, <double> s.step) - 1
    grid_next(s, g)


cdef inline void _cursor_next(Stream* s, Generator* g) noexcept nogil:
    """Next spike or breakpoint at the cursor."""
    if s.cursor >= g.n:
        s.next_t = INFINITY
        return
    s.next_t = arrival_at(&g.grid, g.times[s.cursor], s.delay_steps, s.delay)
    if g.kind == GEN_SPIKES:
        s.next_value = s.weight * (g.values[s.cursor] if g.values != NULL else 1.0)
        s.next_mult = <int64_t> g.mults[s.cursor] if g.mults != NULL else 1
    else:
        s.next_value = s.weight * g.values[s.cursor]


cdef inline bint _is_step_current(Generator* g) noexcept nogil:
    return g.kind == GEN_NOISE or g.kind == GEN_OU or g.kind == GEN_AC


cdef inline double _step_value(Stream* s, Generator* g, const double* p, double t_j) noexcept nogil:
    """Value of the step starting at t_j (drawn once per step, in time order)."""
    cdef double decay
    if g.kind == GEN_AC:
        return p[P_MEAN] + p[P_STD] * sin(p[P_OMEGA] * t_j + p[P_PHASE])
    if g.kind == GEN_NOISE:
        return p[P_MEAN] + (p[P_STD] + p[P_STD_MOD] * sin(p[P_OMEGA] * t_j + p[P_PHASE])) * next_normal(&s.rng)
    # Ornstein-Uhlenbeck: exact transition from the last drawn step (stationary start)
    if s.aux == INFINITY:
        s.budget = p[P_MEAN] + p[P_STD] * next_normal(&s.rng)
    else:
        decay = (t_j - s.aux) / p[P_STD_MOD]
        s.budget = (p[P_MEAN] + (s.budget - p[P_MEAN]) * exp(-decay)
                    + p[P_STD] * sqrt(-expm1(-2.0 * decay)) * next_normal(&s.rng))
    s.aux = t_j
    return s.budget


cdef inline double _step_change(const double* p, double pos, bint inclusive) noexcept nogil:
    """The first change point of a step current with parameters ``p`` after emission time pos
    (at pos itself when ``inclusive``): a step boundary j dt, or an end of the active interval
    (P_ON, P_OFF]."""
    cdef double j, dt = p[P_DT], tc
    if pos >= p[P_OFF]:
        return INFINITY
    if pos < p[P_ON]:
        return p[P_ON]
    if inclusive:
        return pos
    j = floor(pos / dt) + 1.0
    while (j - 1.0) * dt > pos:
        j -= 1.0
    while j * dt <= pos:
        j += 1.0
    tc = j * dt
    return tc if tc < p[P_OFF] else p[P_OFF]


cdef inline void _step_next(Stream* s, Generator* g, bint at_pos) noexcept nogil:
    """The next change of a step current after emission time ``pos`` (at ``pos`` itself when
    ``at_pos``) and its value.  Parameters changed at time T (epoch T) take over at the next
    change point of the parameters before them, as in NEST (a new mean applies from the next
    step boundary), or at once when they end the active interval; the new step grid follows."""
    cdef int64_t epoch = _first_after(g.times, g.n, s.pos) - 1
    cdef const double* p
    cdef double tc, j, dt
    if epoch < 0:
        epoch = 0
    p = g.values + epoch * N_PAR
    tc = _step_change(p, s.pos, at_pos)
    while epoch + 1 < g.n and g.times[epoch + 1] < tc:
        epoch += 1
        p = g.values + epoch * N_PAR
        if tc >= p[P_OFF]:
            tc = g.times[epoch] if g.times[epoch] > p[P_OFF] else p[P_OFF]
        elif tc <= p[P_ON]:
            tc = p[P_ON]
    s.next_emit = tc
    s.next_t = tc + s.delay
    if tc == INFINITY:
        return
    if tc >= p[P_OFF]:
        s.next_value = 0.0
        return
    dt = p[P_DT]
    j = floor(tc / dt)
    while j * dt > tc:
        j -= 1.0
    while (j + 1.0) * dt <= tc:
        j += 1.0
    # remember the OU state before this draw: a parameter change may redraw it
    s.hold_budget = s.budget
    s.hold_aux = s.aux
    s.next_value = s.weight * _step_value(s, g, p, j * dt)


cdef inline void grid_pop(Stream* s, Generator* g) noexcept nogil:
    """GEN_POISSON_GRID: consume the next event and find the one after it.  The common case, a
    table that draws every step (a mean of at least SKIP_BELOW, rng.pyx) and the next step with
    a count in the segment of this one, is drawn here, inline, by poisson_each_step (the part
    of poisson_next such a table takes; a drive delivers an event per step or two); the walks
    take the rest."""
    cdef int64_t k = s.next_step, end, count
    cdef int64_t i = s.cursor
    cdef const PoissonTable* p
    s.step = k
    if i >= 0:
        p = &g.tables[i]
        end = <int64_t> g.times[i + 1] if i + 1 < g.n else MAX_STEP
        if p.gap_scale == 0.0 and p.mean > 0.0 and k < end:
            k = poisson_each_step(p, &s.rng, k, end, &count)
            if count > 0:
                grid_found(s, g, i, k, count)
            else:
                grid_walk(s, g, end, i + 1)
            return
    grid_next(s, g)


cdef inline void grid_input(Stream* s, double* weight, int* mult) noexcept nogil:
    """GEN_POISSON_GRID: what the next event gives the target (see stream_input): a step's count
    n is one input of n times the weight (a parrot repeats it n times)."""
    weight[0] = s.weight * s.next_mult
    mult[0] = <int> s.next_mult


cdef inline void stream_start(Stream* s, Generator* g, double t0) noexcept nogil:
    """Position a new stream so that it yields the events emitted after ``t0``."""
    cdef double initial
    s.pending = 0
    s.delay_steps = delay_steps(&g.grid, s.delay)
    if _is_step_current(g):
        s.pos = t0
        s.value = 0.0
        s.aux = INFINITY
        s.pending = 1
        _step_next(s, g, True)
        return
    if g.kind == GEN_POISSON:
        _poisson_start(s, g, t0)
        return
    if g.kind == GEN_POISSON_GRID:
        s.step = last_step(&g.grid, t0)
        _grid_from(s, g)
        return
    s.cursor = _first_after(g.times, g.n, t0)
    if g.kind == GEN_CURRENT:
        s.value = 0.0
        initial = _value_after(g, t0) * s.weight
        if initial != 0.0:
            s.pending = 1
            s.next_t = arrival_at(&g.grid, t0, s.delay_steps, s.delay)
            s.next_value = initial
            return
    _cursor_next(s, g)


cdef inline void stream_pop(Stream* s, Generator* g) noexcept nogil:
    """Consume the stream's next event and find the one after it."""
    if _is_step_current(g):
        s.pos = s.next_emit
        s.pending = 0
        _step_next(s, g, False)
        return
    if g.kind == GEN_POISSON:
        _poisson_pop(s, g)
        return
    if g.kind == GEN_POISSON_GRID:
        grid_pop(s, g)
        return
    if s.pending:
        s.pending = 0
    else:
        s.cursor += 1
    _cursor_next(s, g)


cdef inline void stream_retime(Stream* s, Generator* g, double t_now) noexcept nogil:
    """Recompute the next event after the generator's data changed beyond the present time
    ``t_now`` (what was emitted up to it stays)."""
    cdef int64_t now
    if _is_step_current(g):
        # a pending change emitted after the parameter change is drawn again with the new ones
        if s.next_emit < INFINITY and s.next_emit > g.times[g.n - 1]:
            s.budget = s.hold_budget
            s.aux = s.hold_aux
            _step_next(s, g, s.pending)
        return
    if g.kind == GEN_POISSON:
        s.cursor = _first_after(g.times, g.n, s.pos) - 1
        _poisson_next(s, g)
    elif g.kind == GEN_POISSON_GRID:
        # the steps after the present are drawn again (steps are independent), from the new data
        now = last_step(&g.grid, t_now)
        if s.next_step > now:
            if s.step < now:
                s.step = now
            _grid_from(s, g)
    elif not s.pending:
        _cursor_next(s, g)


cdef inline bint stream_input(Stream* s, Generator* g, double* weight, int* mult) noexcept nogil:
    """What the stream's next event gives its target: a spike input (True; its weight, the
    multiplicity included, and its multiplicity) or a current change (False; the new current
    is ``next_value``)."""
    if g.kind == GEN_CURRENT or _is_step_current(g):
        return False
    if g.kind == GEN_POISSON:
        weight[0] = s.weight
        mult[0] = 1
    elif g.kind == GEN_POISSON_GRID:
        grid_input(s, weight, mult)
    else:
        weight[0] = s.next_value * s.next_mult
        mult[0] = <int> s.next_mult
    return True
