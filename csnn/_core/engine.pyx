# cython: language_level=3
"""The event loop: min-delay windows, each neuron's events in exact time order.

``run(t_stop)`` advances the simulation in windows ``(t0, t1]`` no longer than the smallest
synaptic delay.  Inside a window no spike emitted can arrive before the window ends, so every
neuron processes its window on its own (in parallel over neurons when OpenMP is available):

1. its inbox events of the window, sorted by (time, source, rank);
2. the events of its stimulation streams (generators connected to it);
3. its own threshold crossings, computed exactly from its state;
4. the samples of the multimeters attached to it (times ``j * interval`` in ``[t0, t1)``).

Simultaneous inputs are summed before the threshold is checked; a crossing that coincides with
an input comes first (as in NEST's precise models); samples see the state after all events at
their time.  Spikes emitted in the window are then routed through the source-CSR of static
synapses into the inbox buckets of the windows in which they arrive, and recorded.

State is advanced lazily: a neuron's state changes only at its own events, never at window
boundaries, so two ``Simulate`` calls of 50 ms give bit for bit the results of one of 100 ms,
and the thread count never changes a result.
"""
import signal

import numpy as np

cimport cython
cimport numpy as cnp
from cpython.exc cimport PyErr_CheckSignals
from cython.parallel cimport prange, threadid
from libc.math cimport isfinite, nextafter
from libc.stdint cimport int32_t, int64_t, uint8_t, uint16_t
from libc.stdlib cimport free, calloc, malloc, qsort, realloc
from libc.string cimport memcpy

cimport csnn._core.iaf_psc_delta as iaf_delta
cimport csnn._core.parrot_neuron as parrot
from csnn._core.events cimport (INFINITY, PORT_PARROT_IGNORED, PORT_CURRENT, InEvent, SpikeBuffer, SpikeOut,
                                grow_array, spike_buffer_push)
from csnn._core.iaf_psc_delta cimport IafPscDelta
from csnn._core.inbox cimport Bucket, Inbox, InboxPart, bucket_push, event_before, sort_events
from csnn._core.parrot_neuron cimport ParrotNeuron
from csnn._core.psc cimport (PscNeuron, psc_advance, psc_fire, psc_next_spike, psc_receive,
                             psc_refresh, psc_value_at)
from csnn._core.hh_psc_alpha cimport (HhPscAlpha, hh_advance, hh_fire, hh_next_spike, hh_receive,
                                      hh_value_at)
from csnn._core.recorders cimport EventLog, MeterPlan, Sampler
from csnn._core.stdp cimport (RULE_FACETSHW, FacetsSynapse, HistoryEntry, PostHistory, ReadoutLog, StdpSet,
                              WeightBuffer, WeightEvent, facetshw_pre_spike, history_add,
                              readout_log_add, stdp_pre_spike, weight_buffer_push)
from csnn._core.stdp import PLASTIC_COLUMNS, set_dtype
from csnn.errors import NumericalError
from csnn._core.synapses cimport SynapseTable, column_value
from csnn._core.synapses import SynapseTable
from csnn._core.streams cimport (GEN_AC, GEN_CURRENT, GEN_NOISE, GEN_OU, GEN_POISSON, GEN_SPIKES,
                                 Generator, Stream, stream_pop, stream_retime, stream_start)

cnp.import_array()

cdef extern from *:
    """
    #ifndef CSNN_OPENMP
    #define CSNN_OPENMP 0
    #endif
    """
    int CSNN_OPENMP

cdef extern from *:
    """
    #if defined(__GLIBC__)
    #include <malloc.h>
    static void csnn_release_free_heap(void) { malloc_trim(0); }
    #else
    static void csnn_release_free_heap(void) {}
    #endif
    """
    # glibc keeps freed heap pages resident (and raises its mmap threshold after large frees,
    # so the next large arrays come from the heap too); building the tables frees the queued
    # blocks and temporaries, several times the tables' size, so prepare hands them back
    void csnn_release_free_heap() nogil


#: model codes used by the facade's registry
MODEL_CODES = {"iaf_psc_delta": MODEL_IAF_PSC_DELTA, "parrot_neuron": MODEL_PARROT_NEURON,
               "iaf_psc_exp": MODEL_IAF_PSC_EXP, "iaf_psc_alpha": MODEL_IAF_PSC_ALPHA,
               "hh_psc_alpha": MODEL_HH_PSC_ALPHA, "srm_psc_exp": MODEL_SRM_PSC_EXP}
_MODEL_NAMES = {code: name for name, code in MODEL_CODES.items()}
#: state variables of the closed-form neuron models that must stay finite (_check_finite)
_FINITE_FIELDS = ("V_m", "I_syn_ex", "dI_syn_ex", "I_syn_in", "dI_syn_in")
#: True when the engine was compiled with OpenMP
OPENMP = bool(CSNN_OPENMP)
#: longest window when no synapse bounds it (ms): bounds the memory of per-window buffers
MAX_WINDOW = 10.0

_STREAM_FIELDS = ("target", "gen", "source", "rank", "port", "pending", "weight", "delay", "pos",
                  "budget", "next_emit", "next_t", "next_value", "value", "aux", "hold_budget",
                  "hold_aux", "cursor", "next_mult")


cdef Stream _stream_probe


def stream_dtype():
    """numpy dtype of the C ``Stream`` record (the facade builds stream arrays with it)."""
    cdef char* base = <char*> &_stream_probe
    offsets = [
        <char*> &_stream_probe.target - base, <char*> &_stream_probe.gen - base,
        <char*> &_stream_probe.source - base, <char*> &_stream_probe.rank - base,
        <char*> &_stream_probe.port - base, <char*> &_stream_probe.pending - base,
        <char*> &_stream_probe.weight - base, <char*> &_stream_probe.delay - base,
        <char*> &_stream_probe.pos - base, <char*> &_stream_probe.budget - base,
        <char*> &_stream_probe.next_emit - base, <char*> &_stream_probe.next_t - base,
        <char*> &_stream_probe.next_value - base, <char*> &_stream_probe.value - base,
        <char*> &_stream_probe.aux - base, <char*> &_stream_probe.hold_budget - base,
        <char*> &_stream_probe.hold_aux - base,
        <char*> &_stream_probe.cursor - base, <char*> &_stream_probe.next_mult - base,
    ]
    formats = ["i4"] * 6 + ["f8"] * 11 + ["i8"] * 2
    names = list(_STREAM_FIELDS) + ["rng"]
    offsets.append(<char*> &_stream_probe.rng - base)
    formats.append(("u8", 4))
    return np.dtype({"names": names, "formats": formats, "offsets": offsets,
                     "itemsize": sizeof(Stream)})


# ---------------------------------------------------------------------------------------------
# Model dispatch: one generic neuron loop, specialised per model at compile time
# ---------------------------------------------------------------------------------------------

ctypedef fused neuron_t:
    IafPscDelta
    ParrotNeuron
    PscNeuron
    HhPscAlpha


cdef inline void _advance(neuron_t* n, double t) noexcept nogil:
    if neuron_t is IafPscDelta:
        iaf_delta.advance(n, t)
    elif neuron_t is PscNeuron:
        psc_advance(n, t)
    elif neuron_t is HhPscAlpha:
        hh_advance(n, t)
    else:
        parrot.advance(n, t)


cdef inline double _next_spike(neuron_t* n, double limit) noexcept nogil:
    """Time of the neuron's next spike without further input, if no later than ``limit``."""
    if neuron_t is IafPscDelta:
        return n.s.t_cross if n.s.t_cross <= limit else INFINITY
    elif neuron_t is PscNeuron:
        return psc_next_spike(n, limit)
    elif neuron_t is HhPscAlpha:
        return hh_next_spike(n, limit)
    else:
        return INFINITY


cdef inline void _refresh(neuron_t* n) noexcept nogil:
    """Recompute what the model caches after its state or parameters changed."""
    if neuron_t is IafPscDelta:
        iaf_delta.update_crossing(n)
    elif neuron_t is PscNeuron:
        psc_refresh(n)


cdef inline int _receive(neuron_t* n, double t, double w_sum, double w_ex, double w_in,
                         int mult) noexcept nogil:
    """Inputs arriving together at t: their summed weight, its positive and negative parts and
    their multiplicity.  Returns the multiplicity of a spike to emit at once (0: none)."""
    if neuron_t is IafPscDelta:
        return iaf_delta.receive(n, t, w_sum, mult)
    elif neuron_t is PscNeuron:
        return psc_receive(n, w_ex, w_in)
    elif neuron_t is HhPscAlpha:
        return hh_receive(n, w_ex, w_in)
    else:
        return parrot.receive(n, t, w_sum, mult)


cdef inline void _fire(neuron_t* n, double t) noexcept nogil:
    if neuron_t is IafPscDelta:
        iaf_delta.fire(n, t)
        iaf_delta.update_crossing(n)
    elif neuron_t is PscNeuron:
        psc_fire(n, t)
    elif neuron_t is HhPscAlpha:
        hh_fire(n, t)
    else:
        parrot.fire(n, t)


cdef inline void _set_current(neuron_t* n, double current) noexcept nogil:
    if neuron_t is IafPscDelta:
        iaf_delta.set_current(n, current)
    elif neuron_t is PscNeuron:
        n.s.I_stim = current
        psc_refresh(n)
    elif neuron_t is HhPscAlpha:
        n.s.I_stim = current


cdef inline double _value_at(neuron_t* n, double t, int var) noexcept nogil:
    if neuron_t is IafPscDelta:
        return iaf_delta.value_at(n, t, var)
    elif neuron_t is PscNeuron:
        return psc_value_at(n, t, var)
    elif neuron_t is HhPscAlpha:
        return hh_value_at(n, t, var)
    else:
        return 0.0


cdef inline double _state_time(neuron_t* n) noexcept nogil:
    return n.s.t


cdef int _draw_stream(Window* w, Stream* st, int32_t slot, Bucket* out) noexcept nogil:
    """Append the events of one stream that arrive in the window; -1 when memory is exhausted."""
    cdef Generator* g = &w.generators[st.gen]
    cdef InEvent ev
    ev.source = st.source
    ev.rank = st.rank
    ev.target = slot
    while st.next_t <= w.t1:
        ev.t = st.next_t
        if g.kind == GEN_CURRENT or g.kind == GEN_NOISE or g.kind == GEN_OU or g.kind == GEN_AC:
            ev.port = PORT_CURRENT
            ev.w = st.next_value
            ev.mult = 0
        elif g.kind == GEN_POISSON:
            ev.port = <uint16_t> st.port
            ev.w = st.weight
            ev.mult = 1
        else:
            ev.port = <uint16_t> st.port
            ev.w = st.next_value * st.next_mult
            ev.mult = <uint16_t> st.next_mult
        if bucket_push(out, &ev) != 0:
            return -1
        stream_pop(st, g)
    return 0


cdef int _stream_events(Window* w, int32_t i, int64_t s_lo, int64_t s_hi, Bucket* out) noexcept nogil:
    """Draw the events of neuron i's streams that arrive in the window, sorted like the inbox,
    and note when its next stream event comes (``st_next``).

    Current changes get ``port = PORT_CURRENT``, their new value in ``w`` and the stream's slot in
    ``target``.  Returns -1 when memory is exhausted.
    """
    cdef int64_t k
    cdef int active = 0
    cdef double next_t = INFINITY
    cdef Stream* st
    out.n = 0
    for k in range(s_lo, s_hi):
        st = &w.streams[w.st_perm[k]]
        if st.next_t <= w.t1:
            active += 1
            if _draw_stream(w, st, <int32_t> k, out) != 0:
                return -1
        if st.next_t < next_t:
            next_t = st.next_t
    w.st_next[i] = next_t
    if active > 1:
        sort_events(out.ev, out.n)
    return 0


cdef inline int _emit(neuron_t* n, int32_t i, double t, int mult, Window* w, SpikeBuffer* out) noexcept nogil:
    """Fire ``mult`` spikes at t: the model's reset, the spike, and one entry per spike in the
    archive read by plastic synapses onto this neuron (as NEST archives them)."""
    cdef int k
    _fire(n, t)
    if w.archives[i].n_incoming > 0:
        for k in range(mult):
            if history_add(&w.archives[i], t) != 0:
                return -1
    return spike_buffer_push(out, t, i, mult)


cdef double* _column_or_null(SynapseTable table, str name):
    """A float column's data, or NULL when the table has no such column (no rule needs it)."""
    return <double*> cnp.PyArray_DATA(table.columns[name]) if table.has_column(name) else NULL


cdef inline double* _slot_or_null(double* column, int64_t slot) noexcept nogil:
    return column + slot if column != NULL else NULL


cdef inline double _plastic_update(Window* w, int64_t slot, int32_t rank, int32_t i, double t_pre,
                                   int mult, int32_t source, uint16_t receptor, WeightBuffer* wbuf,
                                   int* failed) noexcept nogil:
    """Update plastic synapse ``slot`` (the rank-th of its source, global id ``source``, onto
    neuron i with receptor ``receptor``) for a spike of
    multiplicity ``mult`` emitted at t_pre (ms): once per spike it carries, as NEST delivers
    them; returns the sum of the weights sent.

    Called when the spike is routed, as NEST updates its synapses when it sends a spike: every
    postsynaptic spike the rule pairs with (those that reached the synapse by t_pre, the whole
    delay d >= min_delay being dendritic) lies before the window that just ended, whose
    neurons have all been advanced, and each thread updates the synapses of its own targets."""
    cdef const StdpSet* p = &w.sets[w.p_set[slot]]
    cdef double d = column_value(&w.p_delay, slot)
    cdef double weight, total = 0.0
    cdef int k
    cdef FacetsSynapse facets
    if p.rule == RULE_FACETSHW:
        facets.a_causal = w.p_kplus + slot
        facets.a_acausal = w.p_kplus_triplet + slot
        facets.a_thresh_th = &w.p_a_thresh_th[slot]
        facets.a_thresh_tl = &w.p_a_thresh_tl[slot]
        facets.next_readout_time = &w.p_next_readout[slot]
    for k in range(mult):
        if p.rule == RULE_FACETSHW:
            weight = facetshw_pre_spike(p, &w.p_weight[slot], facets, &w.p_t_last[slot], &w.archives[i],
                                        &w.readout_logs[p.readout_log], t_pre, d)
        else:
            # a rule's trace columns exist once one of its synapses does; it reads no other
            weight = stdp_pre_spike(p, &w.p_weight[slot], _slot_or_null(w.p_kplus, slot),
                                    _slot_or_null(w.p_kplus_triplet, slot),
                                    &w.p_t_last[slot], &w.archives[i], t_pre, d)
        if p.weight_recorder >= 0:
            if weight_buffer_push(wbuf, t_pre, weight, source, w.gids[i], p.weight_recorder, receptor,
                                  rank) != 0:
                failed[0] = 1
        total += weight
    return total


cdef int _run_neuron(neuron_t* n, int32_t i, Window* w, SpikeBuffer* out, Bucket* scratch,
                     WeightBuffer* wbuf) noexcept nogil:
    """Process neuron ``i``'s window: its inbox and stream events, merged in (time, source,
    rank) order, its threshold crossings and its samples.  Returns -1 when memory is exhausted.
    """
    cdef const InboxPart* part = w.parts
    cdef InEvent* ev
    cdef int64_t ne
    cdef int64_t e = 0, f = 0, k, row
    cdef int64_t s_lo = w.st_offsets[i], s_hi = w.st_offsets[i + 1]
    cdef int64_t p_lo = w.smp_offsets[i], p_hi = w.smp_offsets[i + 1]
    cdef double t1 = w.t1, t_in, t_smp, t_x, t_first, limit, ts, w_sum, w_ex, w_in, current
    cdef int m_sum, fired, v, failed = 0
    cdef double weight
    cdef bint current_changed
    cdef InEvent* sev
    cdef InEvent* next_ev
    cdef Stream* st
    cdef Sampler* smp
    cdef MeterPlan* plan

    while i >= part.hi:
        part += 1
    ev = part.window.ev + part.offsets[i - part.lo]
    ne = part.offsets[i - part.lo + 1] - part.offsets[i - part.lo]
    if ne == 0 and w.st_next[i] > t1 and p_hi == p_lo and _next_spike(n, t1) == INFINITY:
        return 0                  # nothing happens to this neuron in this window
    if ne > 1:
        sort_events(ev, ne)
    if w.st_next[i] <= t1:
        if _stream_events(w, i, s_lo, s_hi, scratch) != 0:
            return -1
    else:
        scratch.n = 0
    sev = scratch.ev
    for k in range(p_lo, p_hi):
        w.samplers[k].j_next = w.plans[w.samplers[k].meter].j_lo

    while True:
        # the earliest input of the window (inbox or streams), and the next sample in [t0, t1)
        t_in = INFINITY
        if e < ne:
            t_in = ev[e].t
        if f < scratch.n and sev[f].t < t_in:
            t_in = sev[f].t
        t_smp = INFINITY
        for k in range(p_lo, p_hi):
            smp = &w.samplers[k]
            plan = &w.plans[smp.meter]
            if smp.j_next <= plan.j_hi:
                ts = _sample_time(smp.j_next, plan.interval, plan.q)
                if ts < t_smp:
                    t_smp = ts
        t_first = t_in if t_in < t_smp else t_smp
        # the neuron's own spikes up to the next event (a crossing comes before inputs and
        # samples at the same time) or to the window's end
        limit = t_first if t_first < t1 else t1
        t_x = _next_spike(n, limit)
        while t_x <= limit:
            _advance(n, t_x)
            if _emit(n, i, t_x, 1, w, out) != 0:
                return -1
            t_x = _next_spike(n, limit)
        if t_first == INFINITY:
            break
        if t_in <= t_smp:
            _advance(n, t_in)
            w_sum = 0.0
            w_ex = 0.0
            w_in = 0.0
            m_sum = 0
            current_changed = False
            # every input at t_in, inbox and streams merged in (source, rank) order
            while True:
                if e < ne and ev[e].t == t_in and not (f < scratch.n and sev[f].t == t_in
                                                       and event_before(&sev[f], &ev[e])):
                    next_ev = &ev[e]
                    e += 1
                elif f < scratch.n and sev[f].t == t_in:
                    next_ev = &sev[f]
                    f += 1
                else:
                    break
                if next_ev.port == PORT_CURRENT:
                    w.streams[w.st_perm[next_ev.target]].value = next_ev.w
                    current_changed = True
                elif not (neuron_t is ParrotNeuron and next_ev.port == PORT_PARROT_IGNORED):
                    # (NEST's protocol for exact STDP experiments: the plastic synapse between two
                    # parrots targets receptor 1, so its weight evolves, when the spike is routed,
                    # but its spikes are not repeated: the parrot repeats only its own drive)
                    weight = next_ev.w
                    w_sum += weight
                    if weight > 0.0:
                        w_ex += weight
                    else:
                        w_in += weight
                    m_sum += next_ev.mult
            if current_changed:
                current = 0.0
                for k in range(s_lo, s_hi):
                    st = &w.streams[w.st_perm[k]]
                    current += st.value
                _set_current(n, current)
            if failed:
                return -1
            if m_sum > 0:
                fired = _receive(n, t_in, w_sum, w_ex, w_in, m_sum)
                # an overflowing sum of inputs: the window's end reports which neuron (one flag
                # for all threads; any that sets it writes the same value)
                if neuron_t is PscNeuron and not isfinite(n.s.I_syn_ex + n.s.dI_syn_ex + n.s.I_syn_in
                                                          + n.s.dI_syn_in):
                    w.nonfinite = 1
                if fired > 0 and _emit(n, i, t_in, fired, w, out) != 0:
                    return -1
            _refresh(n)
        else:
            for k in range(p_lo, p_hi):
                smp = &w.samplers[k]
                plan = &w.plans[smp.meter]
                if smp.j_next <= plan.j_hi and _sample_time(smp.j_next, plan.interval, plan.q) == t_smp:
                    row = plan.first_row + (smp.j_next - plan.j_lo) * plan.n_targets + smp.column
                    for v in range(plan.n_values):
                        plan.values[row * plan.n_values + v] = _value_at(n, t_smp, plan.variables[v])
                    smp.j_next += 1
    return 0


cdef int _run_population(neuron_t* rows, Population* pop, Window* w, SpikeBuffer* outbufs,
                         Bucket* scratch, WeightBuffer* wbufs, int n_threads) noexcept nogil:
    """Process every neuron of one population; returns -1 when memory is exhausted."""
    cdef Py_ssize_t r
    cdef int failed = 0
    cdef int tid
    cdef int32_t i
    for r in prange(pop.n, num_threads=n_threads, schedule="dynamic", chunksize=64):
        i = pop.nidx[r]
        # a neuron without inputs, stream events, samples or a possible spike in this window
        # is not visited: one comparison instead of a call
        if w.wake[i] <= w.t1:
            tid = threadid()
            if _run_neuron(&rows[r], i, w, &outbufs[tid], &scratch[tid], &wbufs[tid]) != 0:
                failed = 1
            w.wake[i] = _wake_time(&rows[r], i, w)
    return -1 if failed else 0


cdef inline double _wake_time(neuron_t* n, int32_t i, Window* w) noexcept nogil:
    """When neuron i must next be visited, inputs from the inbox aside (opening a window marks
    their targets): its next stream event, or the end of what its crossing search has cleared
    (HH integrates in every window); always, if it is sampled."""
    cdef double quiet
    if w.smp_offsets[i + 1] > w.smp_offsets[i]:
        return -INFINITY
    if neuron_t is IafPscDelta:
        quiet = n.s.t_cross
    elif neuron_t is PscNeuron:
        quiet = n.s.t_clear
    elif neuron_t is HhPscAlpha:
        quiet = -INFINITY
    else:
        quiet = INFINITY
    return quiet if quiet < w.st_next[i] else w.st_next[i]


# helpers applied to chosen rows of a population, between simulation calls

cdef void _rows_initialize(neuron_t* rows, const int64_t* sel, int64_t n, double t) noexcept nogil:
    cdef int64_t k
    for k in range(n):
        if neuron_t is IafPscDelta:
            rows[sel[k]].s.refr_end = -INFINITY
            rows[sel[k]].s.refr_input = 0.0
            rows[sel[k]].s.I_stim = 0.0
        elif neuron_t is PscNeuron:
            rows[sel[k]].s.refr_end = -INFINITY
            rows[sel[k]].s.I_stim = 0.0
        elif neuron_t is HhPscAlpha:
            rows[sel[k]].s.refr_end = -INFINITY
            rows[sel[k]].s.I_stim = 0.0
            rows[sel[k]].s.anchor = t
            rows[sel[k]].s.steps = 0.0
            rows[sel[k]].s.failed = INFINITY
        rows[sel[k]].s.t = t
        _refresh(&rows[sel[k]])


cdef void _rows_commit(neuron_t* rows, const int64_t* sel, int64_t n, double t) noexcept nogil:
    cdef int64_t k
    for k in range(n):
        if t > _state_time(&rows[sel[k]]):
            _advance(&rows[sel[k]], t)


cdef void _rows_refresh(neuron_t* rows, const int64_t* sel, int64_t n) noexcept nogil:
    cdef int64_t k
    for k in range(n):
        _refresh(&rows[sel[k]])


cdef void _rows_values(neuron_t* rows, const int64_t* sel, int64_t n, double t, int var,
                       double* out) noexcept nogil:
    cdef int64_t k
    for k in range(n):
        out[k] = _value_at(&rows[sel[k]], t, var)


cdef _rows_apply(neuron_t* rows, const int64_t* sel, int64_t n, str action, int var, double t,
                 double* out):
    if action == "initialize":
        _rows_initialize(rows, sel, n, t)
    elif action == "commit":
        _rows_commit(rows, sel, n, t)
    elif action == "refresh":
        _rows_refresh(rows, sel, n)
    else:
        _rows_values(rows, sel, n, t, var, out)


cdef class Engine:
    """The compiled simulation kernel: neurons, synapses, streams, recorders and the clock.

    The facade (``csnn.kernel``) owns the neurons' parameter/state arrays and binds them before
    each run; it validates everything it passes here.
    """

    def __cinit__(self):
        self.pops = NULL
        self.n_pops = 0
        self._pop_arrays = []
        self.n_neurons = 0
        self._gids = np.zeros(0, dtype=np.int32)
        self.gids = NULL
        self.static = SynapseTable(coded=("weight", "delay"))
        self.plastic = SynapseTable(PLASTIC_COLUMNS, coded=("delay",))
        self._streams = np.zeros(0, dtype=stream_dtype())
        self._st_offsets = np.zeros(1, dtype=np.int64)
        self._st_perm = np.zeros(0, dtype=np.int32)
        self._st_next = np.full(1, np.inf)
        self._wake = np.full(1, -np.inf)
        self.generators = NULL
        self.n_generators = 0
        self._generator_data = []
        self.spike_logs = []
        self._sr_window = np.zeros((0, 2))
        self._sr_offsets = np.zeros(1, dtype=np.int64)
        self._sr_index = np.zeros(0, dtype=np.int32)
        self._sr_pairs = []
        self.meter_logs = []
        self._meters = []
        self._samplers = None
        self._smp_offsets = np.zeros(1, dtype=np.int64)
        self.plans = NULL
        self.t_now = 0.0
        self.inbox = Inbox()
        self.width = 0.0
        self.dirty = True
        self.n_threads = 1
        self.outbufs = <SpikeBuffer*> calloc(1, sizeof(SpikeBuffer))
        self.scratch = <Bucket*> calloc(1, sizeof(Bucket))
        self.wbufs = <WeightBuffer*> calloc(1, sizeof(WeightBuffer))
        if self.outbufs == NULL or self.scratch == NULL or self.wbufs == NULL:
            raise MemoryError("csnn: out of memory for spike buffers")
        self._sets = np.zeros(1, dtype=set_dtype())
        self.archives = NULL
        self.n_archives = 0
        self._tau_minus = np.zeros(0)
        self._tau_minus_triplet = np.zeros(0)
        self.weight_logs = []
        self.spikes.data = NULL
        self.spikes.n = 0
        self.spikes.cap = 0
        self.n_spikes = 0
        self.n_events = 0

    def __dealloc__(self):
        cdef int64_t k
        if self.archives != NULL:
            for k in range(self.n_archives):
                free(self.archives[k].entries)
            free(self.archives)
        free(self.pops)
        free(self.generators)
        free(self.plans)
        free(self.spikes.data)
        self._free_thread_buffers()
        self._free_readout_logs()

    cdef void _free_thread_buffers(self):
        cdef int k
        if self.outbufs != NULL:
            for k in range(self.n_threads):
                free(self.outbufs[k].data)
            free(self.outbufs)
        if self.scratch != NULL:
            for k in range(self.n_threads):
                free(self.scratch[k].ev)
            free(self.scratch)
        if self.wbufs != NULL:
            for k in range(self.n_threads):
                free(self.wbufs[k].data)
            free(self.wbufs)
        self.outbufs = NULL
        self.scratch = NULL
        self.wbufs = NULL

    # -- neurons ------------------------------------------------------------------------------

    def __reduce__(self):
        """A checkpoint (csnn.save) pickles what the engine was given and what it holds between
        runs: spikes in flight, the postsynaptic archives, the clock and counters.  What it
        derives (CSRs of streams, samplers and recorders, the window grid, each neuron's wake
        time) is derived again by the next run; neurons are bound by the kernel at Prepare."""
        cdef int64_t k, j
        cdef PostHistory* h
        generators = [(self.generators[k].kind, self.generators[k].gid) + tuple(self._generator_data[k])
                      for k in range(self.n_generators)]
        lengths = np.array([self.archives[k].n - self.archives[k].start for k in range(self.n_archives)],
                           dtype=np.int64)
        entries = np.empty(int(lengths.sum()) * sizeof(HistoryEntry), dtype=np.uint8)
        cdef HistoryEntry* out = <HistoryEntry*> cnp.PyArray_DATA(entries)
        traces = np.empty((self.n_archives, 3))
        j = 0
        for k in range(self.n_archives):
            h = &self.archives[k]
            if h.n > h.start:
                memcpy(&out[j], &h.entries[h.start], (h.n - h.start) * sizeof(HistoryEntry))
                j += h.n - h.start
            traces[k] = (h.Kminus, h.Kminus_triplet, h.last_spike)
        state = {"gids": self._gids, "static": self.static, "plastic": self.plastic,
                 "streams": self._streams, "generators": generators,
                 "spike_logs": self.spike_logs, "sr_window": self._sr_window, "sr_pairs": self._sr_pairs,
                 "meter_logs": self.meter_logs, "meters": self._meters, "weight_logs": self.weight_logs,
                 "sets": self._sets, "tau_minus": self._tau_minus, "tau_minus_triplet": self._tau_minus_triplet,
                 "n_threads": self.n_threads, "t_now": self.t_now, "n_spikes": self.n_spikes,
                 "n_events": self.n_events, "in_flight": self.inbox.pending(),
                 # the window grid (its present window's start, the width): a loaded kernel runs
                 # the windows an uninterrupted one would
                 "grid": (self.inbox.bounds[0], self.width) if self.inbox.nb > 0 else None,
                 "archive_lengths": lengths, "archive_entries": entries, "archive_traces": traces}
        return (_restore_engine, (state,))

    def add_neurons(self, cnp.int32_t[::1] gids):
        """Register new neurons by global id; returns the engine index of the first."""
        first = self.n_neurons
        self._gids = np.concatenate([self._gids, np.asarray(gids, dtype=np.int32)])
        cdef cnp.int32_t[::1] view = self._gids
        self.gids = &view[0] if view.shape[0] > 0 else NULL
        self.n_neurons = self._gids.shape[0]
        self.dirty = True
        return first

    def bind(self, populations):
        """Bind each model's rows: a list of (model code, struct array, int32 engine indices)."""
        cdef int k
        cdef cnp.ndarray data
        cdef cnp.int32_t[::1] nidx
        cdef Population* pops = <Population*> calloc(max(len(populations), 1), sizeof(Population))
        if pops == NULL:
            raise MemoryError("csnn: out of memory")
        for k, (model, data, nidx_array) in enumerate(populations):
            nidx = nidx_array
            pops[k].model = model
            pops[k].data = <char*> cnp.PyArray_DATA(data)
            pops[k].n = nidx.shape[0]
            pops[k].nidx = &nidx[0] if nidx.shape[0] > 0 else NULL
        free(self.pops)
        self.pops = pops
        self.n_pops = len(populations)
        self._pop_arrays = list(populations)

    def rows(self, int model, cnp.ndarray data, cnp.int64_t[::1] sel, str action, int var=0):
        """Apply a model helper to rows ``sel`` of a population's array at the present time.

        ``action``: ``"initialize"`` (fresh rows start at the present time), ``"commit"``
        (advance to the present time before a change), ``"refresh"`` (recompute cached
        crossings after a change) or ``"values"`` (value of recordable ``var`` now, returned).
        """
        cdef int64_t n = sel.shape[0]
        cdef const int64_t* s = <const int64_t*> &sel[0] if n > 0 else NULL
        cdef char* base = <char*> cnp.PyArray_DATA(data)
        out = np.empty(n)
        cdef double[::1] out_view = out
        cdef double* o = &out_view[0] if n > 0 else NULL
        if action not in ("initialize", "commit", "refresh", "values"):
            raise ValueError(f"csnn: unknown row action {action!r}")
        if model == MODEL_IAF_PSC_DELTA:
            _rows_apply(<IafPscDelta*> base, s, n, action, var, self.t_now, o)
        elif model == MODEL_PARROT_NEURON:
            _rows_apply(<ParrotNeuron*> base, s, n, action, var, self.t_now, o)
        elif model == MODEL_IAF_PSC_EXP or model == MODEL_IAF_PSC_ALPHA or model == MODEL_SRM_PSC_EXP:
            _rows_apply(<PscNeuron*> base, s, n, action, var, self.t_now, o)
        elif model == MODEL_HH_PSC_ALPHA:
            _rows_apply(<HhPscAlpha*> base, s, n, action, var, self.t_now, o)
        else:
            raise ValueError(f"csnn: unknown model code {model}")
        return out if action == "values" else None

    # -- static synapses ----------------------------------------------------------------------

    @property
    def min_delay(self):
        """Smallest synaptic delay (ms), inf without synapses."""
        return min(self.static.min_delay, self.plastic.min_delay)

    @property
    def max_delay(self):
        """Largest synaptic delay (ms), 0 without synapses."""
        return max(self.static.max_delay, self.plastic.max_delay)

    @property
    def num_synapses(self):
        return self.static.size + self.plastic.size

    def build(self):
        """Merge queued synapses into the CSRs (a source's older synapses keep their rank)."""
        changed_static = self.static.build(self.n_neurons)
        changed_plastic = self.plastic.build(self.n_neurons)
        if changed_static or changed_plastic:
            self.dirty = True

    def refresh_delays(self):
        """Recompute the delay range after delays were changed in place."""
        self.build()
        self.static.refresh_delays()
        self.plastic.refresh_delays()
        self.dirty = True

    # -- generators and streams ---------------------------------------------------------------

    def set_generator(self, int index, int kind, int gid, times, values=None, mults=None):
        """Create generator ``index`` (the next one) or replace its data.

        Replacing keeps the meaning of everything before the present time (the facade splices
        the new data after it); every stream of the generator then recomputes its next event.
        """
        cdef Generator* grown
        times = np.ascontiguousarray(times, dtype=np.float64)
        values = None if values is None else np.ascontiguousarray(values, dtype=np.float64)
        mults = None if mults is None else np.ascontiguousarray(mults, dtype=np.float64)
        if index == self.n_generators:
            grown = <Generator*> realloc(self.generators, (index + 1) * sizeof(Generator))
            if grown == NULL:
                raise MemoryError("csnn: out of memory for generators")
            self.generators = grown
            self.n_generators += 1
            self._generator_data.append(None)
        elif not 0 <= index < self.n_generators:
            raise IndexError(f"csnn: generator index {index} out of range")
        self._generator_data[index] = (times, values, mults)
        cdef Generator* g = &self.generators[index]
        g.kind = kind
        g.gid = gid
        g.n = times.shape[0]
        g.times = <const double*> cnp.PyArray_DATA(times)
        g.values = NULL
        g.mults = NULL
        if values is not None:
            g.values = <const double*> cnp.PyArray_DATA(values)
        if mults is not None:
            g.mults = <const double*> cnp.PyArray_DATA(mults)
        cdef Stream* streams = <Stream*> cnp.PyArray_DATA(self._streams)
        cdef int64_t k
        for k in range(self._streams.shape[0]):
            if streams[k].gen == index:
                stream_retime(&streams[k], g)

    def add_streams(self, records):
        """Append streams (records of ``stream_dtype()``), each starting at the present time."""
        cdef cnp.ndarray arr = np.ascontiguousarray(records, dtype=stream_dtype())
        cdef Stream* s = <Stream*> cnp.PyArray_DATA(arr)
        cdef int64_t k
        for k in range(arr.shape[0]):
            stream_start(&s[k], &self.generators[s[k].gen], self.t_now)
        self._streams = np.concatenate([self._streams, arr])
        self.dirty = True

    def restart_streams(self, ids):
        """Restart streams ``ids`` from the present time (after their weight or delay changed)."""
        cdef Stream* s = <Stream*> cnp.PyArray_DATA(self._streams)
        cdef int64_t k
        for k in np.asarray(ids, dtype=np.int64).tolist():
            stream_start(&s[k], &self.generators[s[k].gen], self.t_now)

    @property
    def streams(self):
        """The stream records in creation order (a live view: weights may be changed in place)."""
        return self._streams

    # -- recorders ----------------------------------------------------------------------------

    def add_spike_recorder(self, double t_on, double t_off):
        """A spike recorder keeping spikes emitted in (t_on, t_off]; returns its index."""
        self.spike_logs.append(EventLog(0))
        self._sr_window = np.vstack([self._sr_window, [[t_on, t_off]]])
        return len(self.spike_logs) - 1

    def set_spike_recorder_window(self, int index, double t_on, double t_off):
        self._sr_window[index] = (t_on, t_off)

    def attach_spike_recorder(self, int index, nidx):
        """Record the spikes of neurons ``nidx`` (engine indices) with recorder ``index``."""
        self._sr_pairs.append((np.asarray(nidx, dtype=np.int32), np.full(len(nidx), index, dtype=np.int32)))
        self.dirty = True

    def spike_log(self, int index):
        return self.spike_logs[index]

    def add_meter(self, double interval, double t_on, double t_off, variables):
        """A multimeter sampling recordables ``variables`` (codes) at times k * interval in (t_on, t_off]."""
        variables = np.ascontiguousarray(variables, dtype=np.int32)
        self.meter_logs.append(EventLog(len(variables)))
        self._meters.append({"interval": interval, "t_on": t_on, "t_off": t_off,
                             "variables": variables, "targets": np.zeros(0, dtype=np.int32)})
        self.dirty = True
        return len(self._meters) - 1

    def set_meter_window(self, int index, double interval, double t_on, double t_off):
        self._meters[index].update(interval=interval, t_on=t_on, t_off=t_off)

    def attach_meter(self, int index, nidx):
        """Sample neurons ``nidx`` (engine indices); targets are kept in id order."""
        meter = self._meters[index]
        meter["targets"] = np.unique(np.concatenate([meter["targets"], np.asarray(nidx, dtype=np.int32)]))
        self.dirty = True

    def meter_log(self, int index):
        return self.meter_logs[index]

    # -- plasticity ------------------------------------------------------------------------

    def set_stdp_sets(self, records, readout_base):
        """The plastic synapses' parameter sets (records of stdp.set_dtype()), indexed by 'set';
        ``readout_base``: per stdp_facetshw_synapse_hom model (the sets' ``readout_log``), the
        synapses it has numbered so far."""
        cdef int64_t k
        cdef ReadoutLog* logs
        records = np.ascontiguousarray(records, dtype=set_dtype())
        self._sets = records if records.shape[0] else np.zeros(1, dtype=set_dtype())
        self._free_readout_logs()
        if len(readout_base) == 0:
            return
        logs = <ReadoutLog*> calloc(len(readout_base), sizeof(ReadoutLog))
        if logs == NULL:
            raise MemoryError("csnn: out of memory for the readout logs")
        for k in range(len(readout_base)):
            logs[k].base = readout_base[k]
        self.readout_logs = logs
        self.n_readout_logs = len(readout_base)

    def readout_counts(self):
        """Synapses numbered so far by each stdp_facetshw_synapse_hom model (readout log)."""
        return np.array([self.readout_logs[k].base + self.readout_logs[k].n
                         for k in range(self.n_readout_logs)], dtype=np.int64)

    cdef void _free_readout_logs(self):
        cdef int64_t k
        if self.readout_logs != NULL:
            for k in range(self.n_readout_logs):
                free(self.readout_logs[k].t_first)
            free(self.readout_logs)
        self.readout_logs = NULL
        self.n_readout_logs = 0

    cdef int _number_facets_synapses(self) except -1:
        """Number the stdp_facetshw_synapse_hom synapses that transmit their first spike in this
        window, in the order of the spikes (time, then source), as the hardware controller
        does: this fixes their first readout.  Serial, between windows."""
        cdef const int64_t* off = self.plastic.off
        cdef const uint16_t* set_of = <const uint16_t*> cnp.PyArray_DATA(self.plastic.columns["set"])
        cdef uint8_t* numbered = <uint8_t*> cnp.PyArray_DATA(self.plastic.columns["init_flag"])
        cdef int64_t* synapse_id = <int64_t*> cnp.PyArray_DATA(self.plastic.columns["synapse_id"])
        cdef double* next_readout = <double*> cnp.PyArray_DATA(self.plastic.columns["next_readout_time"])
        cdef const StdpSet* sets = <const StdpSet*> cnp.PyArray_DATA(self._sets)
        cdef const StdpSet* p
        cdef ReadoutLog* log
        cdef int64_t i, s, src, number
        for i in range(self.spikes.n):
            src = self.spikes.data[i].neuron
            for s in range(off[src], off[src + 1]):
                p = &sets[set_of[s]]
                if p.rule != RULE_FACETSHW or numbered[s]:
                    continue
                log = &self.readout_logs[p.readout_log]
                number = log.base + log.n
                synapse_id[s] = number
                next_readout[s] = (number // p.synapses_per_driver) * p.driver_readout_time
                numbered[s] = 1
                if readout_log_add(log, self.spikes.data[i].t) != 0:
                    raise MemoryError("csnn: out of memory for the readout logs")
        return 0

    def set_archive_parameters(self, tau_minus, tau_minus_triplet):
        """Time constants (ms) of each neuron's postsynaptic traces, by engine index."""
        self._tau_minus = np.ascontiguousarray(tau_minus, dtype=np.float64)
        self._tau_minus_triplet = np.ascontiguousarray(tau_minus_triplet, dtype=np.float64)
        if self.n_archives:
            self._prepare_archives()

    def add_weight_recorder(self):
        """A weight recorder's log: senders, times and values (targets, weights, receptors, ports)."""
        self.weight_logs.append(EventLog(4))
        return len(self.weight_logs) - 1

    def weight_log(self, int index):
        return self.weight_logs[index]

    def archive(self, int64_t nidx):
        """A neuron's archived spikes (times) and the number of plastic synapses onto it."""
        if nidx >= self.n_archives:
            return np.zeros(0), 0
        cdef PostHistory* h = &self.archives[nidx]
        return np.array([h.entries[k].t for k in range(h.start, h.n)]), h.n_incoming

    cdef int _prepare_archives(self) except -1:
        """One archive per neuron (kept across calls), with its plastic in-degree, their longest
        delay and its trace time constants."""
        cdef int64_t k, n = self.n_neurons
        cdef PostHistory* grown
        if n > self.n_archives:
            grown = <PostHistory*> realloc(self.archives, n * sizeof(PostHistory))
            if grown == NULL:
                raise MemoryError("csnn: out of memory for spike archives")
            for k in range(self.n_archives, n):
                grown[k].entries = NULL
                grown[k].start = 0
                grown[k].n = 0
                grown[k].cap = 0
                grown[k].Kminus = 0.0
                grown[k].Kminus_triplet = 0.0
                grown[k].last_spike = -1.0
            self.archives = grown
            self.n_archives = n
        targets = self.plastic.columns["target"]
        incoming_array = np.bincount(targets, minlength=n).astype(np.int32)
        max_delay_array = np.zeros(n)
        np.maximum.at(max_delay_array, targets, self.plastic.column("delay"))
        tau_array = np.full(n, 20.0)
        tau_array[:self._tau_minus.shape[0]] = self._tau_minus[:n]
        tau3_array = np.full(n, 110.0)
        tau3_array[:self._tau_minus_triplet.shape[0]] = self._tau_minus_triplet[:n]
        cdef cnp.int32_t[::1] incoming = incoming_array
        cdef double[::1] tau = tau_array, tau3 = tau3_array, max_delay = max_delay_array
        for k in range(n):
            self.archives[k].n_incoming = incoming[k]
            self.archives[k].max_delay = max_delay[k]
            self.archives[k].tau_minus = tau[k]
            self.archives[k].tau_minus_triplet = tau3[k]
        return 0

    # -- preparation --------------------------------------------------------------------------

    def set_threads(self, int n_threads):
        """Number of threads that process neurons in parallel (results do not depend on it)."""
        cdef SpikeBuffer* bufs
        cdef Bucket* scratch
        cdef WeightBuffer* wbufs
        if n_threads < 1:
            raise ValueError("csnn: the number of threads must be >= 1")
        bufs = <SpikeBuffer*> calloc(n_threads, sizeof(SpikeBuffer))
        scratch = <Bucket*> calloc(n_threads, sizeof(Bucket))
        wbufs = <WeightBuffer*> calloc(n_threads, sizeof(WeightBuffer))
        if bufs == NULL or scratch == NULL or wbufs == NULL:
            free(bufs)
            free(scratch)
            free(wbufs)
            raise MemoryError("csnn: out of memory for spike buffers")
        self._free_thread_buffers()
        self.outbufs = bufs
        self.scratch = scratch
        self.wbufs = wbufs
        self.n_threads = n_threads
        self.dirty = True                   # the inbox is split by thread: re-grid it

    def prepare(self):
        """Build the CSRs that changed and (re)grid the inbox when the delays changed."""
        self.build()
        if not self.dirty:
            return
        cdef int64_t n = self.n_neurons
        # streams by target, then (source, rank)
        st = self._streams
        perm = np.lexsort((st["rank"], st["source"], st["target"])).astype(np.int32)
        self._st_perm = perm
        self._st_offsets = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(st["target"], minlength=n), out=self._st_offsets[1:])
        # multimeter samplers by target
        meters, columns, targets = [], [], []
        for m, meter in enumerate(self._meters):
            tg = meter["targets"]
            meters.append(np.full(tg.shape[0], m, dtype=np.int32))
            columns.append(np.arange(tg.shape[0], dtype=np.int32))
            targets.append(tg)
        meters = np.concatenate(meters) if meters else np.zeros(0, dtype=np.int32)
        columns = np.concatenate(columns) if columns else np.zeros(0, dtype=np.int32)
        targets = np.concatenate(targets) if targets else np.zeros(0, dtype=np.int32)
        order = np.lexsort((columns, meters, targets))
        samplers = np.zeros(order.shape[0], dtype=np.dtype([("meter", "i4"), ("column", "i4"), ("j_next", "i8")]))
        assert samplers.dtype.itemsize == sizeof(Sampler)
        samplers["meter"] = meters[order]
        samplers["column"] = columns[order]
        self._samplers = samplers
        self._smp_offsets = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(targets, minlength=n), out=self._smp_offsets[1:])
        cdef MeterPlan* plans = <MeterPlan*> calloc(max(len(self._meters), 1), sizeof(MeterPlan))
        if plans == NULL:
            raise MemoryError("csnn: out of memory")
        free(self.plans)
        self.plans = plans
        # spike recorders by source
        sources = np.concatenate([p[0] for p in self._sr_pairs]) if self._sr_pairs else np.zeros(0, np.int32)
        recorders = np.concatenate([p[1] for p in self._sr_pairs]) if self._sr_pairs else np.zeros(0, np.int32)
        order = np.lexsort((recorders, sources))
        self._sr_index = recorders[order]
        self._sr_offsets = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(sources, minlength=n), out=self._sr_offsets[1:])
        self._prepare_archives()
        self.dirty = False
        # the window grid
        width = min(self.min_delay, MAX_WINDOW)
        if (width != self.width or self.inbox.nb == 0 or self.inbox.n_targets != n
                or self.inbox.n_parts != max(1, min(self.n_threads, n))):
            self.inbox.regrid(self.t_now, width, self.max_delay, n, self.n_threads)
            self.width = width
        csnn_release_free_heap()

    # -- running ------------------------------------------------------------------------------

    def run(self, double t_stop, int64_t max_windows=-1, bint resume=False):
        """Simulate until ``t_stop`` (ms), or for at most ``max_windows`` windows (-1: no limit).

        ``resume``: continue a run that stopped after ``max_windows`` whole windows, as if it
        had not stopped (the progress display and recorders run Simulate in such pieces, which
        must not change a result); a new run (the default) first recomputes what may have
        changed since the last one and visits every neuron.  A KeyboardInterrupt is honoured
        at the next window boundary: the kernel is then consistent at ``t_now`` and a later
        call continues from there.
        """
        # Ctrl-C is honoured between windows only: a KeyboardInterrupt raised inside a window
        # (where the core calls back into Python) would leave it half processed
        interrupted = []
        try:
            previous = signal.signal(signal.SIGINT, lambda signum, frame: interrupted.append(signum))
        except ValueError:                          # not the main thread: Python delivers no signal here
            previous = None
        try:
            self._run_windows(t_stop, max_windows, resume, interrupted)
        finally:
            if previous is not None:
                signal.signal(signal.SIGINT, previous)
        if interrupted:
            # the window is complete: the handler in place before the run decides
            if callable(previous):
                previous(signal.SIGINT, None)
            elif previous == signal.SIG_DFL:
                signal.raise_signal(signal.SIGINT)

    def _run_windows(self, double t_stop, int64_t max_windows, bint resume, list interrupted):
        """The windows of :meth:`run`, until ``interrupted`` (filled by its SIGINT handler)."""
        cdef double t1
        cdef int64_t done = 0
        if not resume:
            self.prepare()
            # when each neuron's streams next deliver (kept by _stream_events from here on)
            st = self._streams
            self._st_next = np.full(max(self.n_neurons, 1), np.inf)
            np.minimum.at(self._st_next, st["target"], st["next_t"])
            # every neuron is visited in the first window (its state may have been set since)
            self._wake = np.full(max(self.n_neurons, 1), -np.inf)
        while self.t_now < t_stop and done != max_windows and not interrupted:
            t1 = self.inbox.bounds[1]
            if t1 > t_stop:
                t1 = t_stop
            self._run_window(t1)
            done += 1
            PyErr_CheckSignals()          # runs the deferring handler (and those of other signals)

    cdef int _plan_meters(self, double t0, double t1) except -1:
        """Reserve each multimeter's rows for its samples in [t0, t1) and fill senders and times."""
        cdef int m
        cdef int64_t j_lo, j_hi, j, c, row, n_t
        cdef double interval, t_on, t_off, q
        cdef EventLog log
        cdef cnp.int32_t[::1] targets
        for m, meter in enumerate(self._meters):
            interval = meter["interval"]
            t_on = meter["t_on"]
            t_off = meter["t_off"]
            targets = meter["targets"]
            n_t = targets.shape[0]
            q = _inverse_interval(interval)
            # first sample at or after t0, after t_on, and j >= 1
            j_lo = <int64_t> (t0 / interval)
            while j_lo > 1 and _sample_time(j_lo - 1, interval, q) >= t0:
                j_lo -= 1
            while _sample_time(j_lo, interval, q) < t0:
                j_lo += 1
            if t_on >= t0:
                j = <int64_t> (t_on / interval)
                while _sample_time(j, interval, q) <= t_on:
                    j += 1
                if j > j_lo:
                    j_lo = j
            if j_lo < 1:
                j_lo = 1
            # last sample before t1, at or before t_off
            j_hi = <int64_t> (t1 / interval) + 1
            while _sample_time(j_hi, interval, q) >= t1:
                j_hi -= 1
            if t_off < t1:
                while j_hi >= j_lo and _sample_time(j_hi, interval, q) > t_off:
                    j_hi -= 1
            log = self.meter_logs[m]
            self.plans[m].interval = interval
            self.plans[m].q = q
            self.plans[m].j_lo = j_lo
            self.plans[m].j_hi = j_hi
            self.plans[m].n_targets = <int32_t> n_t
            self.plans[m].n_values = log.n_values
            self.plans[m].variables = <const int32_t*> cnp.PyArray_DATA(meter["variables"])
            if j_hi < j_lo or n_t == 0:
                self.plans[m].j_hi = j_lo - 1
                self.plans[m].first_row = log.n
                self.plans[m].values = log.values
                continue
            row = log.n
            log.reserve((j_hi - j_lo + 1) * n_t)
            self.plans[m].first_row = row
            self.plans[m].values = log.values
            for j in range(j_lo, j_hi + 1):
                for c in range(n_t):
                    log.senders[row] = self.gids[targets[c]]
                    log.times[row] = _sample_time(j, interval, q)
                    row += 1
        return 0

    cdef int _run_window(self, double t1) except -1:
        """Process the window (t_now, t1] of every neuron, then route and record its spikes."""
        cdef Window w
        cdef int p, k, rc = 0
        cdef Population* pop
        cdef double* wake = <double*> cnp.PyArray_DATA(self._wake)
        with nogil:
            for k in prange(self.inbox.n_parts, num_threads=self.n_threads, schedule="static", chunksize=1):
                if self.inbox.open_window(t1, k, wake) != 0:
                    rc = -1
        if rc != 0:
            raise MemoryError("csnn: out of memory while opening a window")
        self._plan_meters(self.t_now, t1)
        w.t0 = self.t_now
        w.t1 = t1
        w.parts = self.inbox.parts
        w.streams = <Stream*> cnp.PyArray_DATA(self._streams)
        w.st_offsets = <const int64_t*> cnp.PyArray_DATA(self._st_offsets)
        w.st_perm = <const int32_t*> cnp.PyArray_DATA(self._st_perm)
        w.st_next = <double*> cnp.PyArray_DATA(self._st_next)
        w.wake = <double*> cnp.PyArray_DATA(self._wake)
        w.generators = self.generators
        w.samplers = <Sampler*> cnp.PyArray_DATA(self._samplers)
        w.smp_offsets = <const int64_t*> cnp.PyArray_DATA(self._smp_offsets)
        w.plans = self.plans
        w.p_weight = self.plastic.weight.plain      # plain: the rules write it
        w.p_delay = self.plastic.delay
        w.p_set = <const uint16_t*> cnp.PyArray_DATA(self.plastic.columns["set"])
        w.p_kplus = _column_or_null(self.plastic, "Kplus")
        w.p_kplus_triplet = _column_or_null(self.plastic, "Kplus_triplet")
        w.p_t_last = <double*> cnp.PyArray_DATA(self.plastic.columns["t_last"])
        w.sets = <const StdpSet*> cnp.PyArray_DATA(self._sets)
        w.readout_logs = self.readout_logs
        w.p_a_thresh_th = _column_or_null(self.plastic, "a_thresh_th")
        w.p_a_thresh_tl = _column_or_null(self.plastic, "a_thresh_tl")
        w.p_next_readout = _column_or_null(self.plastic, "next_readout_time")
        w.archives = self.archives
        w.gids = self.gids
        w.nonfinite = 0
        for k in range(self.n_threads):
            self.outbufs[k].n = 0
            self.wbufs[k].n = 0
        with nogil:
            for p in range(self.n_pops):
                pop = &self.pops[p]
                if pop.model == MODEL_IAF_PSC_DELTA:
                    rc = _run_population(<IafPscDelta*> pop.data, pop, &w, self.outbufs, self.scratch,
                                         self.wbufs, self.n_threads)
                elif pop.model == MODEL_PARROT_NEURON:
                    rc = _run_population(<ParrotNeuron*> pop.data, pop, &w, self.outbufs, self.scratch,
                                         self.wbufs, self.n_threads)
                elif (pop.model == MODEL_IAF_PSC_EXP or pop.model == MODEL_IAF_PSC_ALPHA
                      or pop.model == MODEL_SRM_PSC_EXP):
                    rc = _run_population(<PscNeuron*> pop.data, pop, &w, self.outbufs, self.scratch,
                                         self.wbufs, self.n_threads)
                elif pop.model == MODEL_HH_PSC_ALPHA:
                    rc = _run_population(<HhPscAlpha*> pop.data, pop, &w, self.outbufs, self.scratch,
                                         self.wbufs, self.n_threads)
                if rc != 0:
                    break
        if rc != 0:
            raise MemoryError("csnn: out of memory for emitted spikes")
        self._check_finite(self.t_now, t1, w.nonfinite)
        self._collect_spikes()
        if self.n_readout_logs:
            self._number_facets_synapses()
        self._route(&w)
        self._record_spikes()
        self._record_weights()
        if t1 == self.inbox.bounds[1]:
            if self.inbox.close_window() != 0:
                raise MemoryError("csnn: out of memory while advancing the inbox")
        else:
            for k in range(self.inbox.n_parts):
                self.inbox.parts[k].window.n = 0
        self.t_now = t1
        return 0

    cdef int _check_finite(self, double t0, double t1, int nonfinite) except -1:
        """Raise NumericalError for the first neuron whose state is no longer finite: HH's
        integration records when it failed; for the closed-form models, whose synaptic state
        only an overflowing sum of inputs (weights near the largest double) makes infinite,
        the window (t0, t1] flagged it (``nonfinite``) and their state variables
        (_FINITE_FIELDS) are searched for the first such neuron."""
        cdef int p
        cdef int64_t r
        cdef HhPscAlpha* rows
        for p in range(self.n_pops):
            if self.pops[p].model != MODEL_HH_PSC_ALPHA:
                continue
            rows = <HhPscAlpha*> self.pops[p].data
            for r in range(self.pops[p].n):
                if rows[r].s.failed < INFINITY:
                    raise NumericalError(
                        f"{_MODEL_NAMES[self.pops[p].model]} neuron {self.gids[self.pops[p].nidx[r]]}: "
                        f"the state became NaN or infinite at t = {rows[r].s.failed} ms (numerical "
                        "blow-up: use a smaller step h or check the parameters and inputs)")
        if not nonfinite:
            return 0
        for model, data, nidx in self._pop_arrays:
            for field in _FINITE_FIELDS:
                if field not in data.dtype.names:
                    continue
                values = data[field]
                if not np.isfinite(values).all():
                    row = int(np.argmin(np.isfinite(values)))
                    raise NumericalError(
                        f"{_MODEL_NAMES[model]} neuron {self.gids[nidx[row]]}: {field} became "
                        f"{values[row]} between t = {t0} and {t1} ms (check the weights and "
                        "inputs: their sum overflowed)")
        return 0

    cdef int _collect_spikes(self) except -1:
        """Gather the threads' spikes into one array sorted by (time, neuron).

        Routing in emission order makes each neuron's inbox arrive sorted when delays are
        equal, and recorders get spikes in time order whatever the thread count.
        """
        cdef int64_t total = 0, i
        cdef int k
        cdef SpikeOut* grown
        for k in range(self.n_threads):
            total += self.outbufs[k].n
        if total > self.spikes.cap:
            grown = <SpikeOut*> realloc(self.spikes.data, total * sizeof(SpikeOut))
            if grown == NULL:
                raise MemoryError("csnn: out of memory for emitted spikes")
            self.spikes.data = grown
            self.spikes.cap = total
        self.spikes.n = 0
        for k in range(self.n_threads):
            for i in range(self.outbufs[k].n):
                self.spikes.data[self.spikes.n] = self.outbufs[k].data[i]
                self.spikes.n += 1
        qsort(self.spikes.data, self.spikes.n, sizeof(SpikeOut), _spike_order)
        self.n_spikes += self.spikes.n
        return 0

    cdef int _route(self, Window* w) except -1:
        """File every emitted spike's deliveries in the inbox buckets of their arrival windows,
        updating the plastic synapses they pass through (``w``: the window just processed)."""
        if self._route_table(self.static, 0, w) != 0 or self._route_table(self.plastic, PLASTIC_RANK, w) != 0:
            raise MemoryError("csnn: out of memory for spikes in flight")
        return 0

    cdef int _route_table(self, SynapseTable table, int32_t rank_flag, Window* w) noexcept:
        """Route through one synapse table; plastic synapses mark their events' rank.  Each
        thread files the events of its part of the inbox (its range of targets)."""
        cdef int failed = 0
        cdef int64_t routed = 0, filed
        cdef int k
        with nogil:
            for k in prange(self.inbox.n_parts, num_threads=self.n_threads, schedule="static", chunksize=1):
                filed = self._route_part(table, rank_flag, k, w)
                # reductions, so that a failure in any part is seen whatever the thread order
                failed += filed < 0
                routed += filed if filed > 0 else 0
        self.n_events += routed
        return -1 if failed else 0

    cdef int64_t _route_part(self, SynapseTable table, int32_t rank_flag, int part, Window* w) noexcept nogil:
        """File the deliveries of the window's spikes to the targets of inbox part ``part``;
        returns how many events it filed, or -1 when memory is exhausted."""
        cdef const int64_t* off = table.off
        cdef double bound = self.inbox.bounds[1]
        cdef double after = nextafter(bound, INFINITY)
        cdef int32_t lo = self.inbox.parts[part].lo, hi = self.inbox.parts[part].hi
        cdef int rc = 0, failed = 0
        cdef int64_t i, s, src, filed = 0
        cdef int32_t left, chunk
        cdef SpikeOut* sp
        cdef InEvent ev
        for i in range(self.spikes.n):
            sp = &self.spikes.data[i]
            src = sp.neuron
            for s in range(off[src], off[src + 1]):
                if table.target[s] < lo or table.target[s] >= hi:
                    continue
                ev.t = sp.t + column_value(&table.delay, s)
                if ev.t <= bound:
                    # one-ulp guard: never deliver into the window being processed
                    ev.t = after
                ev.source = self.gids[src]
                ev.rank = <int32_t> (s - off[src]) | rank_flag
                ev.target = table.target[s]
                ev.port = table.port[s]
                # multiplicities above the event's 16 bits travel as several events
                left = sp.mult
                while left > 0:
                    chunk = left if left < 65535 else 65535
                    ev.mult = <uint16_t> chunk
                    if rank_flag:
                        ev.w = _plastic_update(w, s, <int32_t> (s - off[src]), ev.target, sp.t, chunk,
                                               ev.source, ev.port, &self.wbufs[part], &failed)
                    else:
                        ev.w = column_value(&table.weight, s) * chunk
                    if self.inbox.push(&ev, part) != 0:
                        rc = -1
                    filed += 1
                    left -= chunk
        return -1 if failed or rc else filed

    cdef int _record_weights(self) except -1:
        """Append the window's transmissions through watched synapses to their weight recorders,
        in (time, sender, target) order."""
        cdef int64_t total = 0, i, n = 0
        cdef int k
        cdef WeightEvent* events
        cdef EventLog log
        for k in range(self.n_threads):
            total += self.wbufs[k].n
        if total == 0:
            return 0
        events = <WeightEvent*> malloc(total * sizeof(WeightEvent))
        if events == NULL:
            raise MemoryError("csnn: out of memory while recording weights")
        try:
            for k in range(self.n_threads):
                for i in range(self.wbufs[k].n):
                    events[n] = self.wbufs[k].data[i]
                    n += 1
            qsort(events, n, sizeof(WeightEvent), _weight_event_order)
            for i in range(n):
                log = self.weight_logs[events[i].recorder]
                log.reserve(1)
                log.senders[log.n - 1] = events[i].sender
                log.times[log.n - 1] = events[i].t
                log.values[4 * (log.n - 1)] = events[i].target
                log.values[4 * (log.n - 1) + 1] = events[i].weight
                log.values[4 * (log.n - 1) + 2] = events[i].receptor
                log.values[4 * (log.n - 1) + 3] = events[i].port
        finally:
            free(events)
        return 0

    cdef int _record_spikes(self) except -1:
        """Append the window's spikes (in time order) to the recorders of their senders."""
        cdef const int64_t* off = <const int64_t*> cnp.PyArray_DATA(self._sr_offsets)
        cdef const int32_t* index = <const int32_t*> cnp.PyArray_DATA(self._sr_index)
        cdef double[:, ::1] window = self._sr_window
        cdef int64_t i, r
        cdef int m
        cdef SpikeOut* sp
        cdef EventLog log
        if self._sr_index.shape[0] == 0:
            return 0
        for i in range(self.spikes.n):
            sp = &self.spikes.data[i]
            for r in range(off[sp.neuron], off[sp.neuron + 1]):
                if window[index[r], 0] < sp.t <= window[index[r], 1]:
                    log = self.spike_logs[index[r]]
                    for m in range(sp.mult):
                        log.append_spike(self.gids[sp.neuron], sp.t)
        return 0


cdef int _weight_event_order(const void* a, const void* b) noexcept nogil:
    cdef const WeightEvent* x = <const WeightEvent*> a
    cdef const WeightEvent* y = <const WeightEvent*> b
    if x.t != y.t:
        return -1 if x.t < y.t else 1
    if x.sender != y.sender:
        return -1 if x.sender < y.sender else 1
    return (x.target > y.target) - (x.target < y.target)


cdef int _spike_order(const void* a, const void* b) noexcept nogil:
    cdef const SpikeOut* x = <const SpikeOut*> a
    cdef const SpikeOut* y = <const SpikeOut*> b
    if x.t != y.t:
        return -1 if x.t < y.t else 1
    return (x.neuron > y.neuron) - (x.neuron < y.neuron)


cdef inline double _inverse_interval(double interval) noexcept nogil:
    """1 / interval when it is a whole number (then sample times are j / q, exactly rounded)."""
    cdef double q = 1.0 / interval
    if q == <double> (<int64_t> q) and q * interval == 1.0:
        return q
    return 0.0


cdef inline double _sample_time(int64_t j, double interval, double q) noexcept nogil:
    return j / q if q > 0.0 else j * interval


def _restore_engine(state):
    """An Engine from the state its ``__reduce__`` gave (csnn.load).  Spikes in flight are
    filed again on the saved window grid; the archives get their entries back once they
    exist."""
    cdef Engine engine = Engine()
    cdef int64_t k, j = 0, length
    cdef PostHistory* h
    engine.add_neurons(np.asarray(state["gids"], dtype=np.int32))
    engine.set_threads(state["n_threads"])
    engine.static = state["static"]
    engine.plastic = state["plastic"]
    for k, (kind, gid, times, values, mults) in enumerate(state["generators"]):
        engine.set_generator(k, kind, gid, times, values, mults)
    engine._streams = state["streams"]             # already started: not restarted
    engine.spike_logs = state["spike_logs"]
    engine._sr_window = state["sr_window"]
    engine._sr_pairs = state["sr_pairs"]
    engine.meter_logs = state["meter_logs"]
    engine._meters = state["meters"]
    engine.weight_logs = state["weight_logs"]
    engine._sets = state["sets"]
    engine._tau_minus = state["tau_minus"]
    engine._tau_minus_triplet = state["tau_minus_triplet"]
    engine.t_now = state["t_now"]
    engine.n_spikes = state["n_spikes"]
    engine.n_events = state["n_events"]
    if state["grid"] is not None:
        # the same window boundaries as before the save: they continue by repeated addition
        origin, width = state["grid"]
        engine.build()
        engine.inbox.regrid(origin, width, engine.max_delay, engine.n_neurons, engine.n_threads)
        engine.width = width
    engine.prepare()                               # (the grid when there was none) one archive per neuron
    engine.inbox.refill(state["in_flight"])
    lengths = state["archive_lengths"]
    traces = state["archive_traces"]
    cdef cnp.ndarray entries = np.ascontiguousarray(state["archive_entries"], dtype=np.uint8)
    cdef HistoryEntry* saved = <HistoryEntry*> cnp.PyArray_DATA(entries)
    for k in range(min(engine.n_archives, lengths.shape[0])):
        h = &engine.archives[k]
        length = lengths[k]
        if length > 0:
            if grow_array(<void**> &h.entries, &h.cap, sizeof(HistoryEntry), length) != 0:
                raise MemoryError("csnn: out of memory for spike archives")
            memcpy(h.entries, &saved[j], length * sizeof(HistoryEntry))
            j += length
        h.start = 0
        h.n = length
        h.Kminus, h.Kminus_triplet, h.last_spike = traces[k]
    return engine
