# cython: language_level=3
"""A target neuron's own events, processed lazily when an input reaches it or a window ends.

The engine pushes each window's inputs into their targets in arrival order (``engine.pyx``).
Before an input at time t is added, :func:`touch` brings the target up to t: its pending
inputs of an earlier time are settled, and its stream events (generators connected to it),
threshold crossings and multimeter samples before t are processed in time order.  At the
window's end :func:`close` does the same up to the window's end, inclusive.  A neuron's state
changes only at its own events (inputs, stream events, crossings), never at window boundaries,
so neither the window grid nor the thread that owns the neuron can change a result.

Order of the events of one time t: a threshold crossing at t comes first (as in NEST's precise
models); then every input of t, from the network and from streams, is received and the sum
settled at once (simultaneous inputs are summed before the threshold is checked); samples at t
see all of it.

All functions are generic over the neuron kernels (``neuron_t``, neurons.pxd) and run without
the GIL on the thread that owns the neuron.
"""
from libc.stdint cimport int32_t, int64_t, uint8_t

from csnn._core.agenda cimport Agenda, agenda_touch
from csnn._core.events cimport INFINITY, Pending, SpikeBuffer, pending_clear, spike_buffer_push
from csnn._core.neurons cimport (neuron_t, advance, check_state, fire, initialize, next_crossing,
                                 quiet_until, receive, refresh, sample, set_current, settle,
                                 state_time)
from csnn._core.recorders cimport MeterPlan, Sampler, plan_time
from csnn._core.stdp cimport PostHistory, WeightBuffer, history_add
from csnn._core.streams cimport (GEN_POISSON_GRID, Generator, Stream, grid_input, grid_pop,
                                 stream_input, stream_pop)


cdef extern from *:
    """
    #if defined(__GNUC__)
    #define csnn_prefetch(p) __builtin_prefetch((const void*) (p))
    #else
    #define csnn_prefetch(p) ((void) (p))
    #endif
    """
    # a hint that the cache line at p will be read soon (no effect on results; none without GCC/clang)
    void prefetch "csnn_prefetch"(const void* p) noexcept nogil


cdef struct Slot:
    # the engine's record of one neuron: what an input reaching it reads, in one cache line
    Pending pending             # inputs received and not settled yet
    double st_next              # arrival of its streams' next event (ms), inf if none
    int32_t st_lo               # its streams: streams[st_perm[st_lo:st_hi]]
    int32_t st_hi
    int32_t smp_lo              # its multimeter samplers: samplers[smp_lo:smp_hi]
    int32_t smp_hi


cdef struct Window:
    # what the threads read and write while they process one window (t0, t1]
    double t0
    double t1
    char** neuron               # per engine index: its struct (in its model's population array)
    const uint8_t* model        # per engine index: its model code (neurons.pxd ModelCode)
    Slot* slots                 # per engine index: its Slot
    double* wake                # per engine index: nothing happens to it before this time (ms);
                                # -inf while it is on its thread's due list (agenda.pxd)
    double* queued              # per engine index: the time of its entry in the agenda's calendar
    Stream* streams
    const int32_t* st_perm
    Generator* generators
    Sampler* samplers
    MeterPlan* plans
    PostHistory* archives       # per engine index: its spikes, read by plastic synapses onto it
    const int32_t* gids


cdef struct ThreadState:
    # one thread's output of a window
    SpikeBuffer spikes          # spikes emitted
    WeightBuffer weights        # transmissions through synapses that weight recorders watch
    int64_t delivered           # inputs delivered: through synapses and from generators
    Agenda agenda               # which of its neurons each window closes
    int failed                  # memory exhausted
    int nonfinite               # a neuron's state stopped being finite


cdef enum:
    # how many targets ahead a loop over targets asks for their records: enough inputs to cover
    # a miss (~100 ns), few enough that the lines stay in L1 (brunel_delta order 2500: 16 beat 8)
    PREFETCH_AHEAD = 16


cdef inline void prefetch_ahead(Window* w, const int32_t* targets, int64_t k, int64_t end) noexcept nogil:
    """In a loop over ``targets[k]`` up to ``end``, ask for the records of the targets ahead to
    be in cache: the Slot and struct pointer of the one 2 PREFETCH_AHEAD ahead, the first two
    cache lines of the struct (what an input reads of it) of the one PREFETCH_AHEAD ahead, whose
    pointer has arrived by then.  Inputs reach targets in random order, so at thousands of
    neurons each input would otherwise wait for its Slot's and its struct's misses in turn.
    Measured on brunel_delta at order 2500: simulate about 10% faster than without; asking for
    the struct's third line and the target's stream too gained less (more lines in flight than
    the core tracks)."""
    cdef int32_t i
    cdef const char* n
    if k + 2 * PREFETCH_AHEAD < end:
        i = targets[k + 2 * PREFETCH_AHEAD]
        prefetch(&w.slots[i])
        prefetch(&w.neuron[i])
    if k + PREFETCH_AHEAD < end:
        n = w.neuron[targets[k + PREFETCH_AHEAD]]
        prefetch(n)
        prefetch(n + 64)


cdef inline int emit(neuron_t* n, int32_t i, double t, int mult, Window* w, ThreadState* ts) noexcept nogil:
    """Fire ``mult`` spikes at t: the model's reset, the spike, and one entry per spike in the
    archive read by plastic synapses onto this neuron (as NEST archives them)."""
    cdef int k
    fire(n, t)
    if w.archives[i].n_incoming > 0:
        for k in range(mult):
            if history_add(&w.archives[i], t) != 0:
                return -1
    return spike_buffer_push(&ts.spikes, t, i, mult)


cdef inline void _grid_step_input(neuron_t* n, double t, Stream* st, Generator* g, Pending* acc,
                                  ThreadState* ts) noexcept nogil:
    """A grid Poisson drive's event at t (the stream's next): its step's count, as one input of
    that many times the weight, joins the inputs of t in ``acc``; the stream moves on to its
    next step with a count (its only event of t: steps have distinct times)."""
    cdef double weight
    cdef int mult
    grid_input(st, &weight, &mult)
    receive(n, t, weight, st.port, mult, acc)
    ts.delivered += 1
    grid_pop(st, g)


cdef inline Stream* _grid_drive(Slot* slot, Window* w) noexcept nogil:
    """The neuron's stream when it has one and that one is a grid Poisson drive, else NULL."""
    cdef Stream* st
    if slot.st_hi - slot.st_lo != 1:
        return NULL
    st = &w.streams[w.st_perm[slot.st_lo]]
    return st if w.generators[st.gen].kind == GEN_POISSON_GRID else NULL


cdef inline void _stream_events_at(neuron_t* n, int32_t i, double t, Window* w, ThreadState* ts) noexcept nogil:
    """Receive the events of neuron i's streams that arrive at exactly t (its state is at t):
    spikes join its pending inputs (and count as delivered inputs), current changes its device
    current; note when its streams next deliver.  A neuron whose one stream is a grid drive
    (brunel's, whose steps mostly coincide with network inputs) takes its step directly."""
    cdef int64_t k
    cdef Stream* st
    cdef Generator* g
    cdef double weight, current, next_t = INFINITY
    cdef int mult
    cdef bint current_changed = False
    cdef Slot* slot = &w.slots[i]
    st = _grid_drive(slot, w)
    if st != NULL:
        _grid_step_input(n, t, st, &w.generators[st.gen], &slot.pending, ts)
        slot.st_next = st.next_t
        return
    for k in range(slot.st_lo, slot.st_hi):
        st = &w.streams[w.st_perm[k]]
        g = &w.generators[st.gen]
        while st.next_t == t:
            if stream_input(st, g, &weight, &mult):
                receive(n, t, weight, st.port, mult, &slot.pending)
                ts.delivered += 1
            else:
                st.value = st.next_value
                current_changed = True
            stream_pop(st, g)
        if st.next_t < next_t:
            next_t = st.next_t
    slot.st_next = next_t
    if current_changed:
        current = 0.0
        for k in range(slot.st_lo, slot.st_hi):
            current += w.streams[w.st_perm[k]].value
        set_current(n, current)


cdef inline int _apply_pending(neuron_t* n, int32_t i, double t, Pending* p, Window* w,
                               ThreadState* ts) noexcept nogil:
    """Neuron i's inputs of time t in ``p`` (its state is at t), all received, are summed and
    applied; a spike they cause goes out at t."""
    cdef int fired = settle(n, t, p)
    pending_clear(p)
    if fired > 0 and emit(n, i, t, fired, w, ts) != 0:
        return -1
    refresh(n)
    return 0


cdef inline int _settle(neuron_t* n, int32_t i, Window* w, ThreadState* ts) noexcept nogil:
    """Neuron i's pending inputs (its state is at their time t), joined by its stream events at
    t, are summed and applied; a spike they cause goes out at t."""
    cdef double t = w.slots[i].pending.t
    if w.slots[i].st_next == t:
        _stream_events_at(n, i, t, w, ts)
    return _apply_pending(n, i, t, &w.slots[i].pending, w, ts)


cdef inline int _crossings_until(neuron_t* n, int32_t i, double limit, Window* w, ThreadState* ts) noexcept nogil:
    """Neuron i's own spikes up to ``limit``, each emitted at its crossing (a model's
    next_crossing may move its state on to the crossing it finds, so each one found is taken).
    Returns -1 when memory is exhausted."""
    cdef double tx = next_crossing(n, limit)
    while tx <= limit:
        advance(n, tx, False)
        if emit(n, i, tx, 1, w, ts) != 0:
            return -1
        tx = next_crossing(n, limit)
    return 0


cdef inline int _grid_drive_until(neuron_t* n, int32_t i, double t, bint closing, Stream* st,
                                  Generator* g, Window* w, ThreadState* ts) noexcept nogil:
    """The events before t (at t too when ``closing``) of neuron i's one stream ``st``, a grid
    Poisson drive of generator ``g``, when nothing else of the neuron's comes first (no pending
    input, no sample): its crossings and each step's input in turn, as the general loop of
    process_until takes them, without that loop's search for the next kind of
    event.  A step's input is the only one of its time, so it is received and settled in a
    Pending of its own, which stays in registers.  Returns -1 when memory is exhausted."""
    cdef double te = st.next_t
    cdef Pending step
    pending_clear(&step)
    while te < t or (closing and te == t):
        if _crossings_until(n, i, te, w, ts) != 0:
            return -1
        advance(n, te, False)
        _grid_step_input(n, te, st, g, &step, ts)
        if _apply_pending(n, i, te, &step, w, ts) != 0:
            return -1
        te = st.next_t
    w.slots[i].st_next = te
    return 0


cdef inline double _next_sample(int32_t i, Window* w) noexcept nogil:
    """The time of neuron i's next sample in the window, inf if none."""
    cdef int64_t k
    cdef double t_smp = INFINITY, ts
    cdef Sampler* smp
    cdef MeterPlan* plan
    for k in range(w.slots[i].smp_lo, w.slots[i].smp_hi):
        smp = &w.samplers[k]
        plan = &w.plans[smp.meter]
        if smp.j_next <= plan.j_hi:
            ts = plan_time(plan, smp.j_next)
            if ts < t_smp:
                t_smp = ts
    return t_smp


cdef inline void _take_samples(neuron_t* n, int32_t i, double t, Window* w) noexcept nogil:
    """Write neuron i's samples at time t into the rows its multimeters reserved."""
    cdef int64_t k, row
    cdef int v
    cdef Sampler* smp
    cdef MeterPlan* plan
    for k in range(w.slots[i].smp_lo, w.slots[i].smp_hi):
        smp = &w.samplers[k]
        plan = &w.plans[smp.meter]
        if smp.j_next <= plan.j_hi and plan_time(plan, smp.j_next) == t:
            row = plan.first_row + (smp.j_next - plan.j_lo) * plan.n_targets + smp.column
            for v in range(plan.n_values):
                plan.values[row * plan.n_values + v] = sample(n, t, plan.variables[v])
            smp.j_next += 1


cdef inline int process_until(neuron_t* n, int32_t i, double t, bint closing, Window* w,
                              ThreadState* ts) noexcept nogil:
    """Process neuron i's own events before t, and at t too when ``closing`` (t is the window's
    end), samples excepted: its pending inputs, stream events, threshold crossings and samples,
    in time order.  Returns -1 when memory is exhausted."""
    cdef double tp, t_st, t_smp, t_first, limit
    cdef Slot* slot = &w.slots[i]
    cdef Stream* st
    while True:
        tp = slot.pending.t
        if tp != -INFINITY and (tp < t or closing):
            if _settle(n, i, w, ts) != 0:
                return -1
            continue
        t_st = slot.st_next
        t_smp = _next_sample(i, w) if slot.smp_hi > slot.smp_lo else INFINITY
        t_first = t_st if t_st < t_smp else t_smp
        # its own spikes up to its next event or t (a crossing comes before the events of its time)
        limit = t_first if t_first < t else t
        if _crossings_until(n, i, limit, w, ts) != 0:
            return -1
        if t_st <= t_smp:
            if t_st > t or (t_st == t and not closing):
                return 0
            st = _grid_drive(slot, w) if t_smp == INFINITY else NULL
            if st != NULL:
                if _grid_drive_until(n, i, t, closing, st, &w.generators[st.gen], w, ts) != 0:
                    return -1
                continue
            # stream events at t_st: received and settled (with any input of that time) next
            advance(n, t_st, False)
            slot.pending.t = t_st
        elif t_smp < t:
            _take_samples(n, i, t_smp, w)
        else:
            # samples at t itself see every event of t: taken after them (the window's end
            # belongs to the next window's samples)
            return 0


cdef inline int touch(neuron_t* n, int32_t i, double t, Window* w, ThreadState* ts) noexcept nogil:
    """Bring neuron i to an input's time t: its own events before t, then its state to t, with
    its inputs of time t pending.  Returns -1 when memory is exhausted."""
    if w.slots[i].pending.t == t:
        # touched at t already and nothing of its own has happened since (only inputs of t
        # joined): the common case of inputs that coincide on the grid, which costs no more
        return 0
    if process_until(n, i, t, False, w, ts) != 0:
        return -1
    if w.slots[i].pending.t != t:
        advance(n, t, True)
        w.slots[i].pending.t = t
    # settled when the window closes at the latest
    return agenda_touch(&ts.agenda, i, w.wake)


cdef inline int close(neuron_t* n, int32_t i, Window* w, ThreadState* ts) noexcept nogil:
    """Neuron i's events up to the window's end, inclusive; when it must next be visited
    (its wake time, which the agenda reads).  Returns -1 when memory is exhausted."""
    cdef double quiet
    if process_until(n, i, w.t1, True, w, ts) != 0:
        return -1
    if check_state(n) < INFINITY:
        ts.nonfinite = 1
    if w.slots[i].smp_hi > w.slots[i].smp_lo:
        w.wake[i] = -INFINITY      # sampled: visited in every window
    else:
        quiet = quiet_until(n)
        w.wake[i] = quiet if quiet < w.slots[i].st_next else w.slots[i].st_next
    return 0


# helpers applied to chosen rows of a population between runs (Engine.rows)

cdef inline void rows_initialize(neuron_t* rows, const int64_t* sel, int64_t n, double t) noexcept nogil:
    cdef int64_t k
    for k in range(n):
        initialize(&rows[sel[k]], t)


cdef inline void rows_commit(neuron_t* rows, const int64_t* sel, int64_t n, double t) noexcept nogil:
    cdef int64_t k
    for k in range(n):
        if t > state_time(&rows[sel[k]]):
            advance(&rows[sel[k]], t, True)


cdef inline void rows_refresh(neuron_t* rows, const int64_t* sel, int64_t n) noexcept nogil:
    cdef int64_t k
    for k in range(n):
        refresh(&rows[sel[k]])


cdef inline void rows_values(neuron_t* rows, const int64_t* sel, int64_t n, double t, int var,
                             double* out) noexcept nogil:
    cdef int64_t k
    for k in range(n):
        out[k] = sample(&rows[sel[k]], t, var)


cdef inline void rows_failures(neuron_t* rows, const int64_t* sel, int64_t n, double* out) noexcept nogil:
    cdef int64_t k
    for k in range(n):
        out[k] = check_state(&rows[sel[k]])
