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
whatever the thread count.  MPI processes are one more level of the same ownership: process r
of K owns the neurons i % K == r, stores only the synapses onto them, and between steps 2 and 3
sends its window's spikes to every process and receives theirs (exchange.pyx), so that each
batches the spikes of the whole network, in the order one process would.  A neuron's state
changes only at its own events, never at window boundaries: two ``Simulate`` calls of 50 ms
give bit for bit the results of one of 100 ms.

The Engine coordinates: it holds the neurons' bindings and Slots, the synapse tables, the
clock, the batch queue and the threads, and owns one object per other concern, each in its own
module: ``Stimulation`` (stimulation.pyx: generators and streams), ``Recorders``
(recorders.pyx: spike recorders, multimeters, weight recorders) and ``Plasticity``
(plasticity.pyx: parameter sets, readout logs, postsynaptic archives; a plastic synapse's
update is inline in plasticity.pxd).  Spikes become batches in delivery.pyx, the threads'
output is merged in threads.pyx, and a model's helpers reach population rows through
populations.pyx.
"""
import signal

import numpy as np

cimport numpy as cnp
from cpython.exc cimport PyErr_CheckSignals
from cython.parallel cimport parallel, threadid
from libc.stdint cimport int32_t, int64_t, uint8_t, uint16_t
from libc.stdlib cimport calloc, free

from csnn._core.agenda cimport Agenda, agenda_plan, agenda_reset, agenda_turn, agenda_wake
from csnn._core.delivery cimport (TABLE_PLASTIC, TABLE_STATIC, Batch, BatchQueue, RowsView, delay_code_steps,
                                  narrow_to_targets, rows_view)
from csnn._core.delivery import BatchQueue, row_shapes
from csnn._core.dispatch cimport close_target, deliver_input, receive_input, touch_target
from csnn._core.events cimport SpikeBuffer, pending_clear
from csnn._core.exchange cimport (PROCESS_NONFINITE, PROCESS_OK, PROCESS_OUT_OF_MEMORY, SpikeExchange,
                                  exchange_window)
from csnn._core.gridtime cimport make_grid
from csnn._core.plasticity cimport FacetsView, PlasticView, Plasticity, plastic_update
from csnn._core.populations import apply_model_rows, check_finite
from csnn._core.recorders cimport Recorders, Sampler
from csnn._core.stdp import PLASTIC_COLUMNS
from csnn._core.stimulation cimport Stimulation
from csnn._core.streams cimport Stream
from csnn._core.synapses cimport SynapseTable, column_value, port_value
from csnn._core.synapses import SynapseTable
from csnn._core.targets cimport Slot, ThreadState, Window, prefetch_ahead
from csnn._core.threads cimport (collect_spikes, collect_weights, csnn_barrier_init, csnn_barrier_wait,
                                 csnn_clock, csnn_team_size, free_threads, part_start, reset_threads)
from csnn._core.traces cimport TraceGroup, TraceGroups
from csnn._core.traces import TraceGroups

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
    CHUNK_PEER_FAILED = 2       # another MPI process failed in the window (it raises the error)

# a Slot is what an input reaching a neuron reads first: one cache line
assert sizeof(Slot) == 64


cdef class Engine:
    """The compiled simulation kernel: neurons, synapses, streams, recorders and the clock.

    The facade (the kernel's managers, ``csnn/network/``) owns the neurons' parameter/state
    arrays and binds them before each run; it validates everything it passes here.
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
        self.stimulation = Stimulation()
        self._wake = np.full(1, -np.inf)
        self._queued = np.full(1, np.inf)
        self.grid = make_grid(0.1)
        self._delay_steps = [None, None]
        self._row_shapes = [np.ones(1, dtype=np.uint8), np.ones(1, dtype=np.uint8)]
        self.recorders = Recorders()
        self.t_now = 0.0
        self.queue = BatchQueue()
        self.width = 0.0
        self.dirty = True
        self.n_threads = 1
        self.n_parts = 1
        self.rank = 0
        self.n_ranks = 1
        self.exchange = None
        self._network_delays = (np.inf, 0.0)
        self.threads = <ThreadState*> calloc(1, sizeof(ThreadState))
        if self.threads == NULL:
            raise MemoryError("csnn: out of memory for the threads' buffers")
        self.plasticity = Plasticity()
        self.spikes.data = NULL
        self.spikes.n = 0
        self.spikes.cap = 0
        self.sort_scratch.data = NULL
        self.sort_scratch.n = 0
        self.sort_scratch.cap = 0
        self.n_spikes = 0
        self.n_events = 0
        self.end_seconds = 0.0

    def __dealloc__(self):
        free(self.spikes.data)
        free(self.sort_scratch.data)
        free(self.slots)
        free(self.weights.data)
        free_threads(self.threads, self.n_threads)

    # -- checkpoints --------------------------------------------------------------------------

    def __reduce__(self):
        """A checkpoint (csnn.save) pickles what the engine was given and what it holds between
        runs: spikes in flight, the postsynaptic archives, the clock and counters.  What it
        derives (CSRs of streams, samplers and recorders, each neuron's wake time) is derived
        again by the next run; neurons are bound by the kernel at Prepare."""
        state = {"gids": self._gids, "static": self.static, "plastic": self.plastic, "traces": self.traces,
                 "n_threads": self.n_threads, "t_now": self.t_now, "n_spikes": self.n_spikes,
                 "n_events": self.n_events, "in_flight": self.queue.pending(), "resolution": self.grid.h,
                 "ownership": (self.rank, self.n_ranks),
                 # the window grid (its present window's start, the width): a loaded kernel runs
                 # the windows an uninterrupted one would
                 "grid": (self.queue.start, self.width) if self.queue.nb > 0 else None}
        state.update(self.stimulation.checkpoint())
        state.update(self.recorders.checkpoint())
        state.update(self.plasticity.checkpoint())
        return (_restore_engine, (state,))

    # -- neurons ------------------------------------------------------------------------------

    def add_neurons(self, cnp.int32_t[::1] gids):
        """Register new neurons by global id; returns the engine index of the first."""
        first = self.n_neurons
        self._gids = np.concatenate([self._gids, np.asarray(gids, dtype=np.int32)])
        cdef cnp.int32_t[::1] view = self._gids
        self.gids = &view[0] if view.shape[0] > 0 else NULL
        self.n_neurons = self._gids.shape[0]
        self.dirty = True
        return first

    def distribute(self, SpikeExchange exchange):
        """Run as one of several MPI processes, exchanging spikes through ``exchange``: this
        process owns the neurons i % n_ranks == rank.  Set before the first neuron, or on an
        engine restored from a checkpoint of the same process of as many processes."""
        if self.n_neurons > 0 or self.num_synapses > 0:
            if (self.rank, self.n_ranks) != (exchange.rank, exchange.n_ranks):
                raise ValueError(f"csnn: this engine holds the neurons of process {self.rank} of {self.n_ranks}, "
                                 f"not of process {exchange.rank} of {exchange.n_ranks}")
        else:
            self.rank = exchange.rank
            self.n_ranks = exchange.n_ranks
            self.static.own(self.rank, self.n_ranks)
            self.plastic.own(self.rank, self.n_ranks)
        self.exchange = exchange
        self.dirty = True                # the next run agrees on the windows with the others

    def owned(self, nidx):
        """Whether this process owns each of the engine indices ``nidx`` (a bool array)."""
        return np.asarray(nidx, dtype=np.int64) % self.n_ranks == self.rank

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
        """Apply a model helper to rows ``sel`` of a population's array at the present time
        (populations.apply_model_rows); ``"values"`` returns the values of recordable ``var``."""
        out = apply_model_rows(model, data, sel, action, var, self.t_now)
        return out if action == "values" else None

    # -- synapses -----------------------------------------------------------------------------

    @property
    def min_delay(self):
        """Smallest synaptic delay (ms), inf without synapses (on several processes: of every
        process's synapses as of the last Prepare, and this one's since)."""
        return min(self.static.min_delay, self.plastic.min_delay, self._network_delays[0])

    @property
    def max_delay(self):
        """Largest synaptic delay (ms), 0 without synapses (as :attr:`min_delay`)."""
        return max(self.static.max_delay, self.plastic.max_delay, self._network_delays[1])

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

    def remove_synapses(self, bint plastic, slots):
        """Remove the synapses at ``slots`` of the plastic or the static table (Disconnect,
        between runs).  The other synapses of a row keep their order; spikes in flight keep
        reaching those that remain and no longer reach the removed ones."""
        cdef int code = TABLE_PLASTIC if plastic else TABLE_STATIC
        table = self.plastic if plastic else self.static
        self.build()
        old_offsets = table.offsets
        kept_before = table.remove(slots)
        self.queue.renumber(code, old_offsets, kept_before)
        if plastic:
            self.traces.synapses_left()
        self.dirty = True

    # -- generators and streams ---------------------------------------------------------------

    def set_resolution(self, double resolution):
        """The kernel's resolution (ms): the grid of poisson_generator's steps and of the times
        that coincide exactly (gridtime.pxd).  Set before any generator exists."""
        self.grid = make_grid(resolution)
        self.stimulation.grid = self.grid
        self.dirty = True

    @property
    def resolution(self):
        return self.grid.h

    def set_generator(self, int index, int kind, int gid, times, values=None, mults=None):
        """Create generator ``index`` (the next one) or replace its data at the present time
        (Stimulation.set_generator)."""
        self.stimulation.set_generator(index, kind, gid, times, values, mults, self.t_now)

    def add_streams(self, records, bint recorded=False):
        """Append streams (records of ``stimulation.STREAM_DTYPE``), each starting at the present
        time; ``recorded``: streams to spike recorders (Stimulation.add_streams)."""
        self.stimulation.add_streams(records, self.t_now, recorded)
        self.dirty = True

    def restart_streams(self, ids):
        """Restart streams ``ids`` from the present time (after their weight or delay changed)."""
        self.stimulation.restart_streams(ids, self.t_now)

    # -- plasticity ------------------------------------------------------------------------

    def set_archive_parameters(self, tau_minus, tau_minus_triplet):
        """Time constants (ms) of each neuron's postsynaptic traces, by engine index."""
        self.plasticity.set_trace_constants(tau_minus, tau_minus_triplet)
        if self.plasticity.n_archives:
            self.plasticity.prepare_archives(self.n_neurons, self.plastic)

    # -- preparation --------------------------------------------------------------------------

    def set_threads(self, int n_threads):
        """Number of threads that process neurons in parallel (results do not depend on it)."""
        cdef ThreadState* threads
        if n_threads < 1:
            raise ValueError("csnn: the number of threads must be >= 1")
        threads = <ThreadState*> calloc(n_threads, sizeof(ThreadState))
        if threads == NULL:
            raise MemoryError("csnn: out of memory for the threads' buffers")
        free_threads(self.threads, self.n_threads)
        self.threads = threads
        self.n_threads = n_threads
        self.dirty = True

    def prepare(self):
        """Build the CSRs that changed and (re)grid the arrival windows when the delays changed."""
        self.build()
        if not (self.dirty or self.recorders.changed):
            return
        cdef int64_t n = self.n_neurons
        st_offsets = self.stimulation.by_target(n)
        smp_offsets = self.recorders.prepare(n)
        self.plasticity.prepare_archives(self.n_neurons, self.plastic)
        self._prepare_slots(st_offsets, smp_offsets)
        self._delay_steps = [delay_code_steps(self.static, &self.grid), delay_code_steps(self.plastic, &self.grid)]
        self._row_shapes = [row_shapes(self.static, n), row_shapes(self.plastic, n)]
        # the threads' parts: equal ranges of engine indices
        self.n_parts = max(1, min(self.n_threads, n))
        self.dirty = False
        # the window grid: every process runs the same windows, those of the network's
        # smallest delay (each process stores only the synapses onto its own neurons)
        if self.exchange is not None:
            delays = np.frombuffer(b"".join(self.exchange.gather(np.array([self.min_delay, self.max_delay]).tobytes())),
                                   np.float64).reshape(-1, 2)
            self._network_delays = (float(delays[:, 0].min()), float(delays[:, 1].max()))
        width = min(self.min_delay, MAX_WINDOW)
        if self.exchange is None and self.n_ranks > 1 and self.width > 0:
            # restored from a checkpoint, before it rejoins the other processes: the saved windows
            width = self.width
        if width != self.width or self.queue.nb == 0 or self.queue.resolution != self.grid.h:
            self.queue.regrid_at(self.t_now, width, self.max_delay, self.grid.h)
            self.width = width
        csnn_release_free_heap()

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
            self.traces.begin(self.n_parts, self.plastic, lambda: self.plasticity.trace_sharers(self.plastic))
            # when each neuron's streams next deliver (kept by the targets from here on)
            st_next = self.stimulation.first_events(self.n_neurons)
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

    cdef int _reset_agendas(self) except -1:
        """Each thread's agenda: every neuron of its part due in the next window."""
        cdef int part
        cdef int64_t n = self.n_neurons
        self._wake = np.empty(max(n, 1))
        self._queued = np.empty(max(n, 1))
        cdef double* wake = <double*> cnp.PyArray_DATA(self._wake)
        cdef double* queued = <double*> cnp.PyArray_DATA(self._queued)
        for part in range(self.n_parts):
            if agenda_reset(&self.threads[part].agenda, part_start(n, part, self.n_parts),
                            part_start(n, part + 1, self.n_parts), self.rank, self.n_ranks, self.t_now, self.width,
                            wake, queued) != 0:
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
        cdef int64_t rows_per_window
        cdef double t1 = self.queue.end
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
        if self.recorders.samplers.shape[0] > 0:
            # multimeters reserve their rows for the chunk's samples in advance: bound the chunk
            rows_per_window = self.recorders.rows_per_window(self.width)
            c.t_planned = min(t_stop, self.queue.bound(max(1, CHUNK_SAMPLES // rows_per_window), t_stop))
            self.recorders.plan_meters(self.t_now, c.t_planned, self.gids)
        if self.queue.open_window(t1) != 0:
            raise MemoryError("csnn: out of memory while opening a window")
        self._window_view(&w, t1)
        rows_view(self.static, self._delay_steps[TABLE_STATIC], self._row_shapes[TABLE_STATIC],
                  &tables[TABLE_STATIC])
        rows_view(self.plastic, self._delay_steps[TABLE_PLASTIC], self._row_shapes[TABLE_PLASTIC],
                  &tables[TABLE_PLASTIC])
        self.plasticity.views(self.plastic, &pv, &fv)
        self.spikes.n = 0
        self.weights.n = 0
        reset_threads(self.threads, self.n_parts)
        with nogil, parallel(num_threads=self.n_threads):
            self._window_loop(&w, tables, &pv, &fv, &c)
        if self.recorders.samplers.shape[0] > 0:
            self.recorders.trim_meters(self.t_now)
        self.recorders.record_spikes(&self.spikes, self.gids)
        self.recorders.record_weights(&self.weights)
        if c.error == CHUNK_OUT_OF_MEMORY:
            raise MemoryError("csnn: out of memory while processing a window")
        if c.error == CHUNK_PEER_FAILED:
            raise RuntimeError(f"csnn: MPI process(es) {self.exchange.failed_ranks()} failed in the window "
                               f"({w.t0}, {w.t1}] ms and every process stopped there; the failing process "
                               f"reports why")
        if c.nonfinite:
            check_finite(self._pop_arrays, self._gids, w.t0, w.t1)
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

    cdef void _end_window(self, Window* w, const RowsView* tables, FacetsView* fv,
                          ChunkControl* c) noexcept nogil:
        """Thread 0, between the barriers: the window's spikes sorted (and exchanged with the
        other MPI processes) and batched for the windows in which they arrive, the grid moved
        on, and the next window opened unless the chunk ends here."""
        cdef int k, status = PROCESS_OK
        cdef int64_t first = self.spikes.n, batched_from = first
        cdef const SpikeBuffer* batched = &self.spikes
        cdef double t1
        # what every process does for every spike of the network (docs/scaling.md)
        cdef double started = csnn_clock(), exchanged = 0.0
        for k in range(self.n_parts):
            self.n_events += self.threads[k].delivered
            if self.threads[k].nonfinite:
                c.nonfinite = 1
            if self.threads[k].failed:
                c.error = CHUNK_OUT_OF_MEMORY
        if c.error == CHUNK_OK and not c.nonfinite and (
                collect_spikes(self.threads, self.n_parts, &self.spikes, &self.sort_scratch) != 0
                or collect_weights(self.threads, self.n_parts, &self.weights) != 0):
            c.error = CHUNK_OUT_OF_MEMORY
        if self.exchange is not None:
            # every process takes part, failed or not, so that all stop after this window
            if c.nonfinite:
                status = PROCESS_NONFINITE
            elif c.error != CHUNK_OK:
                status = PROCESS_OUT_OF_MEMORY
            exchanged = self.exchange.x.seconds
            if (exchange_window(&self.exchange.x, status, self.spikes.data + first, self.spikes.n - first)
                    != PROCESS_OK and status == PROCESS_OK):
                c.error = CHUNK_PEER_FAILED
            exchanged = self.exchange.x.seconds - exchanged
            batched = &self.exchange.x.all
            batched_from = 0
        if c.nonfinite:
            # the run stops in this window: NumericalError names the neuron (populations.check_finite)
            c.stop = 1
            return
        if (c.error == CHUNK_OK and (
                (self.plasticity.n_readout_logs > 0
                    and self.plasticity.number_facets_synapses(fv, self.plastic.off, &self.spikes, first) != 0)
                or self.queue.batch_spikes(tables, batched, batched_from, &self.grid, self.gids) != 0
                or (w.t1 == self.queue.bounds[1] and self.queue.close_window() != 0))):
            c.error = CHUNK_OUT_OF_MEMORY
        self.n_spikes += self.spikes.n - first
        reset_threads(self.threads, self.n_parts)
        self.end_seconds += csnn_clock() - started - exchanged
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

    cdef void _window_view(self, Window* w, double t1):
        """What the threads read and write in the window (t_now, t1]."""
        w.t0 = self.t_now
        w.t1 = t1
        w.neuron = <char**> cnp.PyArray_DATA(self._neuron_ptr)
        w.model = <const uint8_t*> cnp.PyArray_DATA(self._model_of)
        w.slots = self.slots
        w.wake = <double*> cnp.PyArray_DATA(self._wake)
        w.queued = <double*> cnp.PyArray_DATA(self._queued)
        w.streams = <Stream*> cnp.PyArray_DATA(self.stimulation._streams)
        w.st_perm = <const int32_t*> cnp.PyArray_DATA(self.stimulation.st_perm)
        w.generators = self.stimulation.generators
        w.samplers = <Sampler*> cnp.PyArray_DATA(self.recorders.samplers)
        w.plans = self.recorders.plans
        w.archives = self.plasticity.archives
        w.gids = self.gids

    cdef int _deliver_part(self, Window* w, ThreadState* ts, const RowsView* tables, PlasticView* pv,
                           int part) noexcept nogil:
        """Thread ``part``'s share of the window: every batch's synapses onto its targets (the
        engine indices [lo, hi)), in arrival order, then its neurons that have anything left
        in the window (its agenda's due list), up to its end.  Returns -1 when memory is
        exhausted."""
        cdef int32_t lo = part_start(self.n_neurons, part, self.n_parts)
        cdef int32_t hi = part_start(self.n_neurons, part + 1, self.n_parts)
        cdef const Batch* b
        cdef const RowsView* tab
        cdef int64_t k, s, row, first, last
        cdef int32_t i
        cdef uint16_t port
        cdef double weight
        cdef Agenda* agenda = &ts.agenda
        cdef TraceGroup* groups = self.traces.part_copies(part)
        for k in range(self.queue.window.n):
            b = &self.queue.window.b[k]
            tab = &tables[b.table]
            row = tab.off[b.source]
            first = row + b.lo
            last = row + b.hi
            if self.n_parts > 1:
                narrow_to_targets(tab, b.source, lo, hi, &first, &last)
            for s in range(first, last):
                prefetch_ahead(w, tab.target, s, last)
                i = tab.target[s]
                if i < lo or i >= hi:
                    continue
                port = port_value(&tab.port, s)
                if b.table == TABLE_STATIC:
                    if deliver_input(w, ts, i, b.t, column_value(&tab.weight, s) * b.mult, port, b.mult) != 0:
                        return -1
                else:
                    # the target is touched first: the weight pairs the spike with its spikes before b.t
                    if touch_target(w, ts, i, b.t) != 0:
                        return -1
                    # the synapse's rank in its row (weight recorders' ports)
                    weight = plastic_update(pv, groups, w, s, <int32_t> (s - row), i,
                                            b.t_spike, b.t, b.mult, b.gid, port, &ts.weights, &ts.failed)
                    receive_input(w, i, b.t, weight, port, b.mult)
                ts.delivered += 1
        if agenda_wake(agenda, w.t1, w.wake, w.queued) != 0:
            return -1
        for k in range(agenda.due.n):
            prefetch_ahead(w, agenda.due.data, k, agenda.due.n)
            i = agenda.due.data[k]
            if (close_target(w, ts, i) != 0
                    or agenda_plan(agenda, i, w.t1 + (w.t1 - w.t0), w.wake, w.queued) != 0):
                return -1
        agenda_turn(agenda)
        return 0

def _restore_engine(state):
    """An Engine from the state its ``__reduce__`` gave (csnn.load).  Spikes in flight are
    filed again on the saved window grid; the archives get their entries back once they
    exist."""
    cdef Engine engine = Engine()
    engine.add_neurons(np.asarray(state["gids"], dtype=np.int32))
    # the process's share of the network; it joins the other processes with distribute()
    engine.rank, engine.n_ranks = state["ownership"]
    engine.set_threads(state["n_threads"])
    engine.set_resolution(state["resolution"])
    engine.static = state["static"]
    engine.plastic = state["plastic"]
    engine.traces = state["traces"]
    engine.stimulation.restore(state)
    engine.recorders.restore(state)
    engine.plasticity.restore(state)
    engine.t_now = state["t_now"]
    engine.n_spikes = state["n_spikes"]
    engine.n_events = state["n_events"]
    if state["grid"] is not None:
        # the same window boundaries as before the save: they continue by repeated addition
        origin, width = state["grid"]
        engine.build()
        engine.queue.regrid_at(origin, width, engine.max_delay, engine.grid.h)
        engine.width = width
    engine.prepare()                               # (the grid when there was none) one archive per neuron
    engine.queue.refill(state["in_flight"])
    engine.plasticity.restore_archives(state)
    return engine
