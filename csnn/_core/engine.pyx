# cython: language_level=3
"""The event loop: min-delay windows, each window's spikes pushed into their targets in arrival
order.

``run(t_stop)`` advances the simulation in windows ``(t0, t1]`` no longer than the smallest
synaptic delay, so no spike emitted in a window arrives before the window ends.  A window:

1. its arrival batches (delivery.pyx: the synapses of one sender with one delay, reached by one
   spike at one time) are taken in arrival order, and each synapse's target is brought up to
   the arrival time (targets.pxd: its own stream events, threshold crossings and samples before
   then) and given the input: no record is written per synapse and nothing is sorted per
   target.  Plastic synapses update their weight then, on the way to the target;
2. every neuron that has anything left in the window (inputs to settle, stream events, a
   possible crossing, samples) is brought to the window's end;
3. the window's spikes are sorted by (time, neuron), recorded, and turned into the batches of
   the windows in which they arrive.

Threads own their targets: part k of the engine indices belongs to thread k, which walks every
batch and touches only its own targets, so a neuron sees the same inputs in the same order
whatever the thread count.  A neuron's state changes only at its own events, never at window
boundaries: two ``Simulate`` calls of 50 ms give bit for bit the results of one of 100 ms.
"""
import importlib
import signal

import numpy as np

cimport numpy as cnp
from cpython.exc cimport PyErr_CheckSignals
from cython.parallel cimport parallel, threadid
from libc.math cimport nextafter
from libc.stdint cimport int32_t, int64_t, uint8_t, uint16_t, uint32_t
from libc.stdlib cimport calloc, free, malloc, qsort, realloc
from libc.string cimport memcpy

from csnn._core.agenda cimport Agenda, agenda_free, agenda_plan, agenda_reset, agenda_turn, agenda_wake
from csnn._core.delivery cimport TABLE_PLASTIC, TABLE_STATIC, Batch, BatchQueue
from csnn._core.delivery import BatchQueue
from csnn._core.dispatch cimport (ROWS_COMMIT, ROWS_FAILURES, ROWS_INITIALIZE, ROWS_REFRESH, ROWS_VALUES,
                                  apply_rows, close_target, receive_input, touch_target)
from csnn._core.events cimport INFINITY, SpikeOut, grow_array, pending_clear
from csnn._core.model_list import MODELS
from csnn._core.recorders cimport EventLog, MeterPlan, Sampler, inverse_interval, sample_time
from csnn._core.stdp cimport (RULE_FACETSHW, FacetsSynapse, HistoryEntry, PostHistory, ReadoutLog, StdpSet,
                              WeightBuffer, WeightEvent, facetshw_pre_spike, kplus_per_synapse, readout_log_add,
                              stdp_pre_spike, weight_buffer_push)
from csnn._core.stdp import PLASTIC_COLUMNS, SHARED_TRACES, set_dtype
from csnn.errors import NumericalError
from csnn._core.synapses cimport CodedColumn, SynapseTable, column_value, port_value
from csnn._core.synapses import SynapseTable
from csnn._core.gridtime cimport Grid, arrival, delay_steps, make_grid, on_grid
from csnn._core.rng cimport PoissonTables
from csnn._core.traces cimport TraceGroup, TraceGroups, Traces
from csnn._core.traces import FIELDS as TRACE_FIELDS, TraceGroups
from csnn._core.streams cimport GEN_POISSON_GRID, Generator, Stream, stream_retime, stream_start
from csnn._core.targets cimport Slot, ThreadState, Window

cnp.import_array()

cdef extern from "<stdlib.h>" nogil:
    void* aligned_alloc(size_t alignment, size_t size)

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


#: model codes used by the facade's registry: a model's position in model_list.MODELS
MODEL_CODES = {name: code for code, (name, _, _) in enumerate(MODELS)}
_MODEL_NAMES = {code: name for name, code in MODEL_CODES.items()}
#: RowAction codes of Engine.rows
_ROW_ACTIONS = {"initialize": ROWS_INITIALIZE, "commit": ROWS_COMMIT, "refresh": ROWS_REFRESH,
                "values": ROWS_VALUES}
#: True when the engine was compiled with OpenMP
OPENMP = bool(CSNN_OPENMP)
#: longest window when no synapse bounds it (ms): bounds the memory of per-window buffers
MAX_WINDOW = 10.0
#: wall time (s) after which a chunk of windows ends, so that Ctrl-C and the progress display
#: are served between chunks
CHUNK_SECONDS = 0.05
#: samples a chunk reserves at most in the multimeters' logs (it runs fewer windows when more
#: would be needed, at least one)
CHUNK_SAMPLES = 1 << 20

cdef enum:
    # why a chunk stopped early (ChunkControl.error)
    CHUNK_OK = 0
    CHUNK_OUT_OF_MEMORY = 1

_STREAM_FIELDS = ("target", "gen", "source", "rank", "port", "pending", "weight", "delay", "pos",
                  "budget", "next_emit", "next_t", "next_value", "value", "aux", "hold_budget",
                  "hold_aux", "cursor", "next_mult", "step", "next_step", "delay_steps")


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
        <char*> &_stream_probe.step - base, <char*> &_stream_probe.next_step - base,
        <char*> &_stream_probe.delay_steps - base,
    ]
    formats = ["i4"] * 6 + ["f8"] * 11 + ["i8"] * 5
    names = list(_STREAM_FIELDS) + ["rng"]
    offsets.append(<char*> &_stream_probe.rng - base)
    formats.append(("u8", 4))
    return np.dtype({"names": names, "formats": formats, "offsets": offsets,
                     "itemsize": sizeof(Stream)})


# a Slot is what an input reaching a neuron reads first: one cache line
assert sizeof(Slot) == 64

#: numpy dtype of the C ``Sampler`` record (recorders.pxd)
_SAMPLER_DTYPE = np.dtype([("meter", "i4"), ("column", "i4"), ("j_next", "i8")])
assert _SAMPLER_DTYPE.itemsize == sizeof(Sampler)


cdef double* _column_or_null(SynapseTable table, str name):
    """A float column's data, or NULL when the table has no such column (no rule needs it)."""
    return <double*> cnp.PyArray_DATA(table.columns[name]) if table.has_column(name) else NULL


cdef inline double* _slot_or_null(double* column, int64_t slot) noexcept nogil:
    return column + slot if column != NULL else NULL


cdef void _rows_view(SynapseTable table, object code_steps, object one_delay, RowsView* view):
    """The routing columns of ``table``, with its delay codes in steps (``code_steps``, or None
    for a plain delay column) and its rows of one delay (``one_delay``, uint8 per source)."""
    view.off = table.off
    view.target = table.target
    view.weight = table.weight
    view.delay = table.delay
    view.port = table.port
    view.code_steps = <const int64_t*> cnp.PyArray_DATA(code_steps) if code_steps is not None else NULL
    view.one_delay = <const uint8_t*> cnp.PyArray_DATA(one_delay)


cdef inline double _plastic_update(PlasticView* pv, TraceGroup* groups, Window* w, int64_t slot, int32_t rank,
                                   int32_t i, double t_pre, double t_arrival, int mult, int32_t source,
                                   uint16_t receptor, WeightBuffer* wbuf, int* failed) noexcept nogil:
    """Update plastic synapse ``slot`` (the rank-th of its source, global id ``source``, onto
    neuron i with receptor ``receptor``) for a spike of multiplicity ``mult`` emitted at t_pre
    (ms): once per spike it carries, as NEST delivers them; returns the sum of the weights sent.
    ``groups``: this thread's copies of the trace groups.

    Called when the spike reaches the synapse's target, on the thread that owns the target,
    after the target has been brought up to the arrival time t_pre + d: every postsynaptic
    spike the rule pairs with (those that reached the synapse by t_pre, the whole delay d being
    dendritic) is in the target's archive.  The first synapse of its trace group to receive the
    spike (on this thread) advances the group; the others start from the traces it had before
    (traces.pyx)."""
    cdef const StdpSet* p = &pv.sets[pv.set[slot]]
    cdef double d = column_value(&pv.delay, slot)
    cdef double weight, total = 0.0
    cdef int k
    cdef FacetsSynapse facets
    cdef TraceGroup* group = NULL
    cdef bint first = False
    cdef Traces seen
    if pv.group != NULL:
        group = &groups[pv.group[slot]]
        first = t_pre > group.now.t_last
        if first:
            group.before = group.now
        seen = group.before
    else:
        _own_traces(pv, slot, &seen)
    if p.rule == RULE_FACETSHW:
        facets.a_causal = pv.kplus + slot
        facets.a_acausal = pv.kplus_triplet + slot
        facets.a_thresh_th = &pv.a_thresh_th[slot]
        facets.a_thresh_tl = &pv.a_thresh_tl[slot]
        facets.next_readout_time = &pv.next_readout[slot]
    for k in range(mult):
        if p.rule == RULE_FACETSHW:
            weight = facetshw_pre_spike(p, &pv.weight[slot], facets, &seen.t_last, &w.archives[i],
                                        &pv.readout_logs[p.readout_log], t_pre, d)
        else:
            # the Kplus column exists once a synapse of a rule that keeps its own K+ does
            weight = stdp_pre_spike(p, &pv.weight[slot], &seen, _slot_or_null(pv.kplus, slot),
                                    &w.archives[i], t_pre, d)
        if p.weight_recorder >= 0:
            if weight_buffer_push(wbuf, t_pre, t_arrival, weight, source, w.gids[i], p.weight_recorder,
                                  receptor, rank, k) != 0:
                failed[0] = 1
        total += weight
    if group == NULL:
        _keep_own_traces(pv, p.rule, slot, &seen)
    elif first:
        group.now = seen
    return total


cdef inline void _own_traces(const PlasticView* pv, int64_t slot, Traces* seen) noexcept nogil:
    """A synapse's traces when the plastic table keeps them per synapse (traces.pyx); a column
    that does not exist holds no trace its rule reads."""
    seen.t_last = pv.t_last[slot]
    seen.kplus = pv.kplus[slot] if pv.kplus != NULL else 0.0
    seen.kplus_triplet = pv.kplus_triplet[slot] if pv.kplus_triplet != NULL else 0.0


cdef inline void _keep_own_traces(PlasticView* pv, int rule, int64_t slot, const Traces* seen) noexcept nogil:
    """Store what :func:`_own_traces` read after the rule advanced it; the columns the rule
    updates itself (facetshw's accumulations, the pre-centred rule's K+) are left alone."""
    pv.t_last[slot] = seen.t_last
    if rule == RULE_FACETSHW:
        return
    if pv.kplus != NULL and not kplus_per_synapse(rule):
        pv.kplus[slot] = seen.kplus
    if pv.kplus_triplet != NULL:
        pv.kplus_triplet[slot] = seen.kplus_triplet


cdef inline int32_t _part_start(int64_t n_neurons, int part, int n_parts) noexcept nogil:
    """The first engine index of thread part ``part`` (parts are equal ranges of indices; part
    n_parts starts past the last neuron)."""
    return <int32_t> (part * n_neurons // n_parts)


cdef inline bint _same_delay(const CodedColumn* delay, int64_t a, int64_t b) noexcept nogil:
    if delay.code != NULL:
        return delay.code[a] == delay.code[b]
    return delay.plain[a] == delay.plain[b]


cdef inline int64_t _run_steps(const RowsView* view, const Grid* grid, int64_t s) noexcept nogil:
    """The delay of synapse ``s`` in whole steps, or OFF_GRID: read from its code's, converted
    for a plain delay column."""
    if view.code_steps != NULL:
        return view.code_steps[view.delay.code[s]]
    return delay_steps(grid, view.delay.plain[s])


cdef class Engine:
    """The compiled simulation kernel: neurons, synapses, streams, recorders and the clock.

    The facade (``csnn.kernel``) owns the neurons' parameter/state arrays and binds them before
    each run; it validates everything it passes here.
    """

    def __cinit__(self):
        self._pop_arrays = []
        self.n_neurons = 0
        self._gids = np.zeros(0, dtype=np.int32)
        self.gids = NULL
        self._neuron_ptr = np.zeros(0, dtype=np.uintp)
        self._model_of = np.zeros(0, dtype=np.uint8)
        self.slots = NULL
        self.n_slots = 0
        # a synapse model and a receptor port are coded as a pair: scripts use few of them
        self.static = SynapseTable(coded=("weight", "delay", ("model", "port")))
        self.plastic = SynapseTable(PLASTIC_COLUMNS, coded=("delay", ("model", "port")))
        self.traces = TraceGroups()
        self._streams = np.zeros(0, dtype=stream_dtype())
        self._st_perm = np.zeros(0, dtype=np.int32)
        self._wake = np.full(1, -np.inf)
        self._queued = np.full(1, np.inf)
        self.generators = NULL
        self.n_generators = 0
        self._generator_data = []
        self._generator_tables = []
        self.grid = make_grid(0.1)
        self._delay_steps = [None, None]
        self._one_delay = [np.ones(1, dtype=np.uint8), np.ones(1, dtype=np.uint8)]
        self.spike_logs = []
        self._sr_window = np.zeros((0, 2))
        self._sr_offsets = np.zeros(1, dtype=np.int64)
        self._sr_index = np.zeros(0, dtype=np.int32)
        self._sr_pairs = []
        self.meter_logs = []
        self._meters = []
        self._samplers = np.zeros(0, dtype=_SAMPLER_DTYPE)
        self.plans = NULL
        self.t_now = 0.0
        self.queue = BatchQueue()
        self.width = 0.0
        self.dirty = True
        self.n_threads = 1
        self.n_parts = 1
        self.threads = <ThreadState*> calloc(1, sizeof(ThreadState))
        if self.threads == NULL:
            raise MemoryError("csnn: out of memory for the threads' buffers")
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
        free(self.generators)
        free(self.plans)
        free(self.spikes.data)
        free(self.slots)
        self._free_threads()
        self._free_readout_logs()

    cdef void _free_threads(self):
        cdef int k
        if self.threads != NULL:
            for k in range(self.n_threads):
                free(self.threads[k].spikes.data)
                free(self.threads[k].weights.data)
                agenda_free(&self.threads[k].agenda)
            free(self.threads)
        self.threads = NULL

    # -- neurons ------------------------------------------------------------------------------

    def __reduce__(self):
        """A checkpoint (csnn.save) pickles what the engine was given and what it holds between
        runs: spikes in flight, the postsynaptic archives, the clock and counters.  What it
        derives (CSRs of streams, samplers and recorders, each neuron's wake time) is derived
        again by the next run; neurons are bound by the kernel at Prepare."""
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
        state = {"gids": self._gids, "static": self.static, "plastic": self.plastic, "traces": self.traces,
                 "streams": self._streams, "generators": generators,
                 "spike_logs": self.spike_logs, "sr_window": self._sr_window, "sr_pairs": self._sr_pairs,
                 "meter_logs": self.meter_logs, "meters": self._meters, "weight_logs": self.weight_logs,
                 "sets": self._sets, "tau_minus": self._tau_minus, "tau_minus_triplet": self._tau_minus_triplet,
                 "n_threads": self.n_threads, "t_now": self.t_now, "n_spikes": self.n_spikes,
                 "n_events": self.n_events, "in_flight": self.queue.pending(), "resolution": self.grid.h,
                 # the window grid (its present window's start, the width): a loaded kernel runs
                 # the windows an uninterrupted one would
                 "grid": (self.queue.start, self.width) if self.queue.nb > 0 else None,
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
        """Bind each model's rows: a list of (model code, struct array, int32 engine indices).
        Every neuron gets the address of its struct and its model code."""
        pointers = np.zeros(self.n_neurons, dtype=np.uintp)
        models = np.zeros(self.n_neurons, dtype=np.uint8)
        for model, data, nidx in populations:
            nidx = np.asarray(nidx, dtype=np.int64)
            pointers[nidx] = data.ctypes.data + np.arange(nidx.shape[0], dtype=np.uintp) * data.dtype.itemsize
            models[nidx] = model
        self._neuron_ptr = pointers
        self._model_of = models
        self._pop_arrays = list(populations)

    def rows(self, int model, cnp.ndarray data, cnp.int64_t[::1] sel, str action, int var=0):
        """Apply a model helper to rows ``sel`` of a population's array at the present time.

        ``action``: ``"initialize"`` (fresh rows start at the present time), ``"commit"``
        (advance to the present time before a change), ``"refresh"`` (recompute cached
        crossings after a change) or ``"values"`` (value of recordable ``var`` now, returned).
        """
        cdef int64_t n = sel.shape[0]
        cdef const int64_t* s = <const int64_t*> &sel[0] if n > 0 else NULL
        out = np.empty(n)
        cdef double[::1] out_view = out
        if action not in _ROW_ACTIONS:
            raise ValueError(f"csnn: unknown row action {action!r}")
        if apply_rows(model, <char*> cnp.PyArray_DATA(data), s, n, _ROW_ACTIONS[action], var, self.t_now,
                      &out_view[0] if n > 0 else NULL) != 0:
            raise ValueError(f"csnn: unknown model code {model}")
        return out if action == "values" else None

    # -- synapses -----------------------------------------------------------------------------

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

    def set_resolution(self, double resolution):
        """The kernel's resolution (ms): the grid of poisson_generator's steps and of the times
        that coincide exactly (gridtime.pxd).  Set before any generator exists."""
        self.grid = make_grid(resolution)
        self.dirty = True

    @property
    def resolution(self):
        return self.grid.h

    def set_generator(self, int index, int kind, int gid, times, values=None, mults=None):
        """Create generator ``index`` (the next one) or replace its data.

        Replacing keeps the meaning of everything before the present time (the facade splices
        the new data after it); every stream of the generator then recomputes its next event.
        ``GEN_POISSON_GRID``: ``times`` are step numbers and ``values`` rates (Hz), whose count
        tables are made here.
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
            self._generator_tables.append(None)
        elif not 0 <= index < self.n_generators:
            raise IndexError(f"csnn: generator index {index} out of range")
        self._generator_data[index] = (times, values, mults)
        cdef PoissonTables tables = None
        if kind == GEN_POISSON_GRID:
            # the mean count of a step: rate (Hz) * h (ms) * 1e-3, as NEST computes it
            tables = PoissonTables(values * (self.grid.h * 1e-3))
        self._generator_tables[index] = tables
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
        g.tables = tables.tables if tables is not None else NULL
        g.grid = self.grid
        cdef Stream* streams = <Stream*> cnp.PyArray_DATA(self._streams)
        cdef int64_t k
        for k in range(self._streams.shape[0]):
            if streams[k].gen == index:
                stream_retime(&streams[k], g, self.t_now)

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

    cdef int _number_facets_synapses(self, FacetsView* fv, int64_t first) noexcept nogil:
        """Number the stdp_facetshw_synapse_hom synapses that transmit their first spike in this
        window (the chunk's spikes from ``first`` on), in the order of the spikes (time, then
        source), as the hardware controller does: this fixes their first readout.  Serial,
        between windows.  Returns -1 when memory is exhausted."""
        cdef const int64_t* off = self.plastic.off
        cdef const StdpSet* p
        cdef ReadoutLog* log
        cdef int64_t i, s, src, number
        for i in range(first, self.spikes.n):
            src = self.spikes.data[i].neuron
            for s in range(off[src], off[src + 1]):
                p = &fv.sets[fv.set[s]]
                if p.rule != RULE_FACETSHW or fv.numbered[s]:
                    continue
                log = &self.readout_logs[p.readout_log]
                number = log.base + log.n
                fv.synapse_id[s] = number
                fv.next_readout[s] = (number // p.synapses_per_driver) * p.driver_readout_time
                fv.numbered[s] = 1
                if readout_log_add(log, self.spikes.data[i].t) != 0:
                    return -1
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
        cdef ThreadState* threads
        if n_threads < 1:
            raise ValueError("csnn: the number of threads must be >= 1")
        threads = <ThreadState*> calloc(n_threads, sizeof(ThreadState))
        if threads == NULL:
            raise MemoryError("csnn: out of memory for the threads' buffers")
        self._free_threads()
        self.threads = threads
        self.n_threads = n_threads
        self.dirty = True

    def prepare(self):
        """Build the CSRs that changed and (re)grid the arrival windows when the delays changed."""
        self.build()
        if not self.dirty:
            return
        cdef int64_t n = self.n_neurons
        # streams by target, then (source, rank)
        st = self._streams
        perm = np.lexsort((st["rank"], st["source"], st["target"])).astype(np.int32)
        self._st_perm = perm
        st_offsets = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(st["target"], minlength=n), out=st_offsets[1:])
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
        samplers = np.zeros(order.shape[0], dtype=_SAMPLER_DTYPE)
        samplers["meter"] = meters[order]
        samplers["column"] = columns[order]
        self._samplers = samplers
        smp_offsets = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(targets, minlength=n), out=smp_offsets[1:])
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
        self._prepare_slots(st_offsets, smp_offsets)
        self._delay_steps = [self._code_steps(self.static), self._code_steps(self.plastic)]
        self._one_delay = [self._one_delay_rows(self.static), self._one_delay_rows(self.plastic)]
        # the threads' parts: equal ranges of engine indices
        self.n_parts = max(1, min(self.n_threads, n))
        self.dirty = False
        # the window grid
        width = min(self.min_delay, MAX_WINDOW)
        if width != self.width or self.queue.nb == 0:
            self.queue.regrid_at(self.t_now, width, self.max_delay)
            self.width = width
        csnn_release_free_heap()

    def _code_steps(self, SynapseTable table):
        """Each coded delay value of ``table`` in steps (OFF_GRID when it is not a whole number
        of steps), so that batching converts delays once per value, not per run of synapses;
        None for a plain delay column."""
        values = table.code_values("delay")
        if values is None:
            return None
        return np.array([delay_steps(&self.grid, d) for d in values.tolist()], dtype=np.int64)

    def _one_delay_rows(self, SynapseTable table):
        """Per source (uint8): 1 when every synapse of its row has the same delay, so that a
        spike makes one batch of the whole row without comparing delays synapse by synapse
        (rows of several delays are walked: _make_batches)."""
        offsets = table.offsets
        one = np.ones(max(self.n_neurons, offsets.shape[0] - 1, 1), dtype=np.uint8)
        ids = table.identity("delay")
        # synapses whose delay differs from the previous synapse's; inside a row, the row has
        # several delays (at a row's first synapse, the change is between rows)
        change = np.flatnonzero(ids[1:] != ids[:-1]) + 1
        row = np.searchsorted(offsets, change, side="right") - 1
        one[row[change > offsets[row]]] = 0
        return one

    cdef int _prepare_slots(self, st_offsets, smp_offsets) except -1:
        """Every neuron's Slot: its streams and samplers, no pending input (there is none
        between runs)."""
        cdef int64_t k, n = self.n_neurons
        cdef Slot* slots
        cdef const int64_t* st = <const int64_t*> cnp.PyArray_DATA(st_offsets)
        cdef const int64_t* smp = <const int64_t*> cnp.PyArray_DATA(smp_offsets)
        if n > self.n_slots:
            # aligned, so that a Slot is one cache line
            slots = <Slot*> aligned_alloc(64, max(n, 1) * sizeof(Slot))
            if slots == NULL:
                raise MemoryError("csnn: out of memory for the neurons' records")
            free(self.slots)
            self.slots = slots
            self.n_slots = n
        for k in range(n):
            pending_clear(&self.slots[k].pending)
            self.slots[k].st_lo = <int32_t> st[k]
            self.slots[k].st_hi = <int32_t> st[k + 1]
            self.slots[k].smp_lo = <int32_t> smp[k]
            self.slots[k].smp_hi = <int32_t> smp[k + 1]
        return 0

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
        """The windows of :meth:`run`, in chunks, until ``interrupted`` (filled by its SIGINT
        handler, which runs between chunks)."""
        cdef int64_t done = 0, k
        cdef double[::1] st_next
        if not resume:
            self.prepare()
            self.traces.begin(self.n_parts, self.plastic, self._trace_sharers)
            # when each neuron's streams next deliver (kept by the targets from here on)
            st = self._streams
            st_next_array = np.full(max(self.n_neurons, 1), np.inf)
            np.minimum.at(st_next_array, st["target"], st["next_t"])
            st_next = st_next_array
            for k in range(self.n_neurons):
                self.slots[k].st_next = st_next[k]
            # every neuron is visited in the first window (its state may have been set since)
            self._reset_agendas()
        try:
            while self.t_now < t_stop and done != max_windows and not interrupted:
                done += self._run_chunk(t_stop, max_windows - done if max_windows >= 0 else -1)
                PyErr_CheckSignals()          # runs the deferring handler (and those of other signals)
        finally:
            self.traces.fold()            # the groups' traces as the threads left them

    def _trace_sharers(self):
        """Trace field -> which plastic synapses' rules read it from their trace group."""
        rules = self._sets["rule"][self.plastic.columns["set"]]
        return {name: np.isin(rules, [rule for rule, fields in SHARED_TRACES.items() if name in fields])
                for name in TRACE_FIELDS}

    cdef int _reset_agendas(self) except -1:
        """Each thread's agenda: every neuron of its part due in the next window."""
        cdef int part
        cdef int64_t n = self.n_neurons
        self._wake = np.empty(max(n, 1))
        self._queued = np.empty(max(n, 1))
        cdef double* wake = <double*> cnp.PyArray_DATA(self._wake)
        cdef double* queued = <double*> cnp.PyArray_DATA(self._queued)
        for part in range(self.n_parts):
            if agenda_reset(&self.threads[part].agenda, _part_start(n, part, self.n_parts),
                            _part_start(n, part + 1, self.n_parts), self.t_now, self.width, wake, queued) != 0:
                raise MemoryError("csnn: out of memory for the threads' agendas")
        return 0

    cdef int64_t _run_chunk(self, double t_stop, int64_t max_windows) except -1:
        """Windows from the present one on, in one parallel region with a barrier per window,
        until ``t_stop``, ``max_windows`` windows or CHUNK_SECONDS of wall time; then their
        spikes and weight events go to the recorders.  Returns the windows run."""
        cdef Window w
        cdef RowsView tables[2]
        cdef PlasticView pv
        cdef FacetsView fv
        cdef ChunkControl c
        cdef int64_t j, rows_per_window
        cdef double t1 = self.queue.end
        cdef Sampler* samplers = <Sampler*> cnp.PyArray_DATA(self._samplers)
        if t1 > t_stop:
            t1 = t_stop
        c.t_stop = t_stop
        c.t_planned = t_stop
        c.max_windows = max_windows
        c.done = 0
        c.deadline = csnn_clock() + CHUNK_SECONDS
        c.stop = 0
        c.error = CHUNK_OK
        c.nonfinite = 0
        csnn_barrier_init(&c.barrier)
        if self._samplers.shape[0] > 0:
            # multimeters reserve their rows for the chunk's samples in advance: bound the chunk
            rows_per_window = 1 + sum(int(m["targets"].shape[0] * self.width / m["interval"]) + 1
                                      for m in self._meters)
            c.t_planned = min(t_stop, self.queue.bound(max(1, CHUNK_SAMPLES // rows_per_window), t_stop))
            self._plan_meters(self.t_now, c.t_planned)
            for j in range(self._samplers.shape[0]):
                samplers[j].j_next = self.plans[samplers[j].meter].j_lo
        if self.queue.open_window(t1) != 0:
            raise MemoryError("csnn: out of memory while opening a window")
        self._window_view(&w, t1)
        _rows_view(self.static, self._delay_steps[TABLE_STATIC], self._one_delay[TABLE_STATIC],
                   &tables[TABLE_STATIC])
        _rows_view(self.plastic, self._delay_steps[TABLE_PLASTIC], self._one_delay[TABLE_PLASTIC],
                   &tables[TABLE_PLASTIC])
        pv.weight = self.plastic.weight.plain      # plain: the rules write it
        pv.delay = self.plastic.delay
        pv.set = <const uint16_t*> cnp.PyArray_DATA(self.plastic.columns["set"])
        pv.kplus = _column_or_null(self.plastic, "Kplus")
        pv.kplus_triplet = _column_or_null(self.plastic, "Kplus_triplet")
        pv.group = (<const uint32_t*> cnp.PyArray_DATA(self.plastic.columns["group"])
                    if self.plastic.has_column("group") else NULL)
        pv.t_last = _column_or_null(self.plastic, "t_last")
        pv.a_thresh_th = _column_or_null(self.plastic, "a_thresh_th")
        pv.a_thresh_tl = _column_or_null(self.plastic, "a_thresh_tl")
        pv.next_readout = _column_or_null(self.plastic, "next_readout_time")
        pv.sets = <const StdpSet*> cnp.PyArray_DATA(self._sets)
        pv.readout_logs = self.readout_logs
        fv.sets = pv.sets
        fv.set = pv.set
        if self.n_readout_logs > 0:          # (the facetshw columns exist once such a synapse does)
            fv.numbered = <uint8_t*> cnp.PyArray_DATA(self.plastic.columns["init_flag"])
            fv.synapse_id = <int64_t*> cnp.PyArray_DATA(self.plastic.columns["synapse_id"])
            fv.next_readout = pv.next_readout
        self.spikes.n = 0
        self.weights.n = 0
        self._reset_threads()
        with nogil, parallel(num_threads=self.n_threads):
            self._window_loop(&w, tables, &pv, &fv, &c)
        if self._samplers.shape[0] > 0:
            self._trim_meters(self.t_now)
        self._record_spikes()
        self._record_weights()
        if c.error == CHUNK_OUT_OF_MEMORY:
            raise MemoryError("csnn: out of memory while processing a window")
        if c.nonfinite:
            self._check_finite(w.t0, w.t1)
        return c.done

    cdef void _window_loop(self, Window* w, const RowsView* tables, PlasticView* pv, FacetsView* fv,
                           ChunkControl* c) noexcept nogil:
        """A thread's part of a chunk: per window its targets' deliveries, a barrier, thread
        0's serial end of the window, a barrier.  The threads own equal ranges of engine
        indices (parts); a team smaller than asked for shares the parts out."""
        cdef int tid = threadid()
        cdef int team = csnn_team_size()
        cdef int part, sense = 0
        while True:
            part = tid
            while part < self.n_parts:
                if self._deliver_part(w, &self.threads[part], tables, pv, part) != 0:
                    self.threads[part].failed = 1
                part += team
            csnn_barrier_wait(&c.barrier, team, &sense)
            if tid == 0:
                self._end_window(w, tables, fv, c)
            csnn_barrier_wait(&c.barrier, team, &sense)
            if c.stop:
                break

    cdef void _reset_threads(self) noexcept nogil:
        cdef int k
        for k in range(self.n_parts):
            self.threads[k].spikes.n = 0
            self.threads[k].weights.n = 0
            self.threads[k].delivered = 0
            self.threads[k].failed = 0
            self.threads[k].nonfinite = 0

    cdef void _end_window(self, Window* w, const RowsView* tables, FacetsView* fv,
                          ChunkControl* c) noexcept nogil:
        """Thread 0, between the barriers: the window's spikes sorted and batched for the
        windows in which they arrive, the grid moved on, and the next window opened unless
        the chunk ends here."""
        cdef int k
        cdef int64_t first
        cdef double t1
        for k in range(self.n_parts):
            self.n_events += self.threads[k].delivered
            if self.threads[k].nonfinite:
                c.nonfinite = 1
            if self.threads[k].failed:
                c.error = CHUNK_OUT_OF_MEMORY
        if c.nonfinite:
            # the run stops in this window: NumericalError names the neuron (_check_finite)
            c.stop = 1
            return
        if (c.error == CHUNK_OK and (self._collect_spikes(&first) != 0 or self._collect_weights() != 0
                or (self.n_readout_logs > 0 and self._number_facets_synapses(fv, first) != 0)
                or self._make_batches(tables, first, self.queue.bounds[1]) != 0
                or (w.t1 == self.queue.bounds[1] and self.queue.close_window() != 0))):
            c.error = CHUNK_OUT_OF_MEMORY
        self._reset_threads()
        if c.error != CHUNK_OK:
            c.stop = 1
            return
        self.t_now = w.t1
        c.done += 1
        if (self.t_now >= c.t_planned or c.done == c.max_windows
                or csnn_clock() > c.deadline):
            c.stop = 1
            return
        t1 = self.queue.bounds[1]
        if t1 > c.t_planned:
            t1 = c.t_planned
        if self.queue.open_window(t1) != 0:
            c.error = CHUNK_OUT_OF_MEMORY
            c.stop = 1
            return
        w.t0 = self.t_now
        w.t1 = t1

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
            q = inverse_interval(interval)
            # first sample at or after t0, after t_on, and j >= 1
            j_lo = <int64_t> (t0 / interval)
            while j_lo > 1 and sample_time(j_lo - 1, interval, q) >= t0:
                j_lo -= 1
            while sample_time(j_lo, interval, q) < t0:
                j_lo += 1
            if t_on >= t0:
                j = <int64_t> (t_on / interval)
                while sample_time(j, interval, q) <= t_on:
                    j += 1
                if j > j_lo:
                    j_lo = j
            if j_lo < 1:
                j_lo = 1
            # last sample before t1, at or before t_off
            j_hi = <int64_t> (t1 / interval) + 1
            while sample_time(j_hi, interval, q) >= t1:
                j_hi -= 1
            if t_off < t1:
                while j_hi >= j_lo and sample_time(j_hi, interval, q) > t_off:
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
                    log.times[row] = sample_time(j, interval, q)
                    row += 1
        return 0

    cdef void _trim_meters(self, double t_end):
        """Drop the rows reserved for samples at or after ``t_end`` (a chunk that ended before
        the time it planned for): rows are time-major, so they are the logs' last ones."""
        cdef int m
        cdef int64_t j
        cdef MeterPlan* plan
        cdef EventLog log
        for m in range(len(self._meters)):
            plan = &self.plans[m]
            if plan.j_hi < plan.j_lo:
                continue
            j = plan.j_lo
            while j <= plan.j_hi and sample_time(j, plan.interval, plan.q) < t_end:
                j += 1
            log = self.meter_logs[m]
            log.truncate(plan.first_row + (j - plan.j_lo) * plan.n_targets)

    cdef void _window_view(self, Window* w, double t1):
        """What the threads read and write in the window (t_now, t1]."""
        w.t0 = self.t_now
        w.t1 = t1
        w.neuron = <char**> cnp.PyArray_DATA(self._neuron_ptr)
        w.model = <const uint8_t*> cnp.PyArray_DATA(self._model_of)
        w.slots = self.slots
        w.wake = <double*> cnp.PyArray_DATA(self._wake)
        w.queued = <double*> cnp.PyArray_DATA(self._queued)
        w.streams = <Stream*> cnp.PyArray_DATA(self._streams)
        w.st_perm = <const int32_t*> cnp.PyArray_DATA(self._st_perm)
        w.generators = self.generators
        w.samplers = <Sampler*> cnp.PyArray_DATA(self._samplers)
        w.plans = self.plans
        w.archives = self.archives
        w.gids = self.gids

    cdef int _deliver_part(self, Window* w, ThreadState* ts, const RowsView* tables, PlasticView* pv,
                           int part) noexcept nogil:
        """Thread ``part``'s share of the window: every batch's synapses onto its targets (the
        engine indices [lo, hi)), in arrival order, then its neurons that have anything left
        in the window (its agenda's due list), up to its end.  Returns -1 when memory is
        exhausted."""
        cdef int32_t lo = _part_start(self.n_neurons, part, self.n_parts)
        cdef int32_t hi = _part_start(self.n_neurons, part + 1, self.n_parts)
        cdef const Batch* b
        cdef const RowsView* tab
        cdef int64_t k, s, first, last
        cdef int32_t i
        cdef uint16_t port
        cdef double weight
        cdef Agenda* agenda = &ts.agenda
        cdef TraceGroup* groups = self.traces.part_copies(part)
        for k in range(self.queue.window.n):
            b = &self.queue.window.b[k]
            tab = &tables[b.table]
            first = tab.off[b.source] + b.lo
            last = tab.off[b.source] + b.hi
            for s in range(first, last):
                i = tab.target[s]
                if i < lo or i >= hi:
                    continue
                if touch_target(w, ts, i, b.t) != 0:
                    return -1
                port = port_value(&tab.port, s)
                if b.table == TABLE_STATIC:
                    weight = column_value(&tab.weight, s) * b.mult
                else:
                    weight = _plastic_update(pv, groups, w, s, <int32_t> (b.lo + s - first), i, b.t_spike, b.t,
                                             b.mult, b.gid, port, &ts.weights, &ts.failed)
                receive_input(w, i, b.t, weight, port, b.mult)
                ts.delivered += 1
        if agenda_wake(agenda, w.t1, w.wake, w.queued) != 0:
            return -1
        for k in range(agenda.due.n):
            i = agenda.due.data[k]
            if (close_target(w, ts, i) != 0
                    or agenda_plan(agenda, i, w.t1 + (w.t1 - w.t0), w.wake, w.queued) != 0):
                return -1
        agenda_turn(agenda)
        return 0

    cdef int _check_finite(self, double t0, double t1) except -1:
        """Raise NumericalError for the first neuron (by id) whose state stopped being finite in
        the window (t0, t1]; the model's module says what went wrong (``describe_failure``)."""
        found = []
        for model, data, nidx in self._pop_arrays:
            failed_at = self._failures(model, data, len(nidx))
            rows = np.flatnonzero(failed_at < np.inf)
            if rows.size:
                found.append((self.gids[nidx[rows[0]]], model, data, int(rows[0]), float(failed_at[rows[0]])))
        if not found:
            return 0
        gid, model, data, row, failed_at = min(found, key=lambda f: f[0])
        name = _MODEL_NAMES[model]
        describe = getattr(importlib.import_module(f"csnn._core.{name}"), "describe_failure", None)
        values = {field: data[field][row] for field in data.dtype.names}
        what = (describe(values, t0, t1, failed_at) if describe is not None else
                f"the state became NaN or infinite between t = {t0} and {t1} ms")
        raise NumericalError(f"{name} neuron {gid}: {what}")

    def _failures(self, int model, cnp.ndarray data, int64_t n):
        """check_state of the first n rows of a population array: inf, or when each stopped
        being finite."""
        sel = np.arange(n, dtype=np.int64)
        out = np.empty(n)
        cdef cnp.int64_t[::1] s = sel
        cdef double[::1] o = out
        if n > 0:
            apply_rows(model, <char*> cnp.PyArray_DATA(data), <const int64_t*> &s[0], n, ROWS_FAILURES, 0, self.t_now, &o[0])
        return out

    cdef int _collect_spikes(self, int64_t* first) noexcept nogil:
        """Append the threads' spikes of the window to the chunk's, sorted by (time, neuron),
        from ``first[0]`` on (set here); recorders get them in time order whatever the thread
        count.  Returns -1 when memory is exhausted."""
        cdef int64_t total = self.spikes.n, i
        cdef int k
        cdef SpikeOut* grown
        first[0] = self.spikes.n
        for k in range(self.n_parts):
            total += self.threads[k].spikes.n
        if total > self.spikes.cap:
            grown = <SpikeOut*> realloc(self.spikes.data, max(total, 2 * self.spikes.cap) * sizeof(SpikeOut))
            if grown == NULL:
                return -1
            self.spikes.data = grown
            self.spikes.cap = max(total, 2 * self.spikes.cap)
        for k in range(self.n_parts):
            for i in range(self.threads[k].spikes.n):
                self.spikes.data[self.spikes.n] = self.threads[k].spikes.data[i]
                self.spikes.n += 1
        qsort(self.spikes.data + first[0], self.spikes.n - first[0], sizeof(SpikeOut), _spike_order)
        self.n_spikes += self.spikes.n - first[0]
        return 0

    cdef int _collect_weights(self) noexcept nogil:
        """Append the threads' weight events of the window to the chunk's, in arrival order.
        Returns -1 when memory is exhausted."""
        cdef int64_t start = self.weights.n, i
        cdef int k
        for k in range(self.n_parts):
            for i in range(self.threads[k].weights.n):
                if self.weights.n == self.weights.cap and grow_array(
                        <void**> &self.weights.data, &self.weights.cap, sizeof(WeightEvent), 64) != 0:
                    return -1
                self.weights.data[self.weights.n] = self.threads[k].weights.data[i]
                self.weights.n += 1
        qsort(self.weights.data + start, self.weights.n - start, sizeof(WeightEvent), _weight_event_order)
        return 0

    cdef int _make_batches(self, const RowsView* tables, int64_t first, double bound) noexcept nogil:
        """Batch the window's spikes (the chunk's from ``first`` on, sorted by time and neuron)
        for the windows in which they arrive: per spike and table, one batch per run of equal
        delays in the sender's row.  ``bound``: the window's end; an arrival that rounding puts
        there is moved one ulp later, so that a window never receives batches while it runs.

        A spike emitted exactly at the time of grid step k arrives through a delay of m whole
        steps at the time of step k + m (gridtime.pxd), the same double as every other input of
        that step: the spike is checked once, and a run's m read from its delay code.
        Returns -1 when memory is exhausted."""
        cdef double after = nextafter(bound, INFINITY)
        cdef const RowsView* view
        cdef Batch batch
        cdef int table_id
        cdef int64_t i, s, e, row_lo, row_hi, step
        cdef bint gridded
        cdef SpikeOut* sp
        for i in range(first, self.spikes.n):
            sp = &self.spikes.data[i]
            gridded = on_grid(&self.grid, sp.t, &step)
            batch.t_spike = sp.t
            batch.source = sp.neuron
            batch.gid = self.gids[sp.neuron]
            batch.mult = sp.mult
            for table_id in range(2):
                view = &tables[table_id]
                batch.table = table_id
                row_lo = view.off[sp.neuron]
                row_hi = view.off[sp.neuron + 1]
                s = row_lo
                while s < row_hi:
                    if view.one_delay[sp.neuron]:
                        e = row_hi
                    else:
                        e = s + 1
                        while e < row_hi and _same_delay(&view.delay, s, e):
                            e += 1
                    if gridded:
                        batch.t = arrival(&self.grid, step, _run_steps(view, &self.grid, s),
                                          column_value(&view.delay, s))
                    else:
                        batch.t = sp.t + column_value(&view.delay, s)
                    if batch.t <= bound:
                        batch.t = after
                    batch.lo = <int32_t> (s - row_lo)
                    batch.hi = <int32_t> (e - row_lo)
                    if self.queue.push(&batch) != 0:
                        return -1
                    s = e
        return 0

    cdef int _record_weights(self) except -1:
        """Append the chunk's transmissions through watched synapses to their weight recorders,
        in arrival order."""
        cdef int64_t i
        cdef WeightEvent* events = self.weights.data
        cdef EventLog log
        for i in range(self.weights.n):
            log = self.weight_logs[events[i].recorder]
            log.reserve(1)
            log.senders[log.n - 1] = events[i].sender
            log.times[log.n - 1] = events[i].t
            log.values[4 * (log.n - 1)] = events[i].target
            log.values[4 * (log.n - 1) + 1] = events[i].weight
            log.values[4 * (log.n - 1) + 2] = events[i].receptor
            log.values[4 * (log.n - 1) + 3] = events[i].port
        self.weights.n = 0
        return 0

    cdef int _record_spikes(self) except -1:
        """Append the chunk's spikes (in time order) to the recorders of their senders."""
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
    """Arrival order (time, sender, target, the synapse's rank, the spike's multiplicity): a
    total order, which where a Simulate call ends cannot change."""
    cdef const WeightEvent* x = <const WeightEvent*> a
    cdef const WeightEvent* y = <const WeightEvent*> b
    if x.t_arrival != y.t_arrival:
        return -1 if x.t_arrival < y.t_arrival else 1
    if x.sender != y.sender:
        return -1 if x.sender < y.sender else 1
    if x.target != y.target:
        return -1 if x.target < y.target else 1
    if x.port != y.port:
        return -1 if x.port < y.port else 1
    return (x.seq > y.seq) - (x.seq < y.seq)


cdef int _spike_order(const void* a, const void* b) noexcept nogil:
    cdef const SpikeOut* x = <const SpikeOut*> a
    cdef const SpikeOut* y = <const SpikeOut*> b
    if x.t != y.t:
        return -1 if x.t < y.t else 1
    return (x.neuron > y.neuron) - (x.neuron < y.neuron)


def _restore_engine(state):
    """An Engine from the state its ``__reduce__`` gave (csnn.load).  Spikes in flight are
    filed again on the saved window grid; the archives get their entries back once they
    exist."""
    cdef Engine engine = Engine()
    cdef int64_t k, j = 0, length
    cdef PostHistory* h
    engine.add_neurons(np.asarray(state["gids"], dtype=np.int32))
    engine.set_threads(state["n_threads"])
    engine.set_resolution(state["resolution"])
    engine.static = state["static"]
    engine.plastic = state["plastic"]
    engine.traces = state["traces"]
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
        engine.queue.regrid_at(origin, width, engine.max_delay)
        engine.width = width
    engine.prepare()                               # (the grid when there was none) one archive per neuron
    engine.queue.refill(state["in_flight"])
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
