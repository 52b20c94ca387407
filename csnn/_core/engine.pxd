# cython: language_level=3
"""The event loop and the engine that coordinates the core (see engine.pyx)."""
from libc.stdint cimport int32_t, int64_t

from csnn._core.delivery cimport BatchQueue, RowsView
from csnn._core.events cimport SpikeBuffer
from csnn._core.exchange cimport SpikeExchange
from csnn._core.gridtime cimport Grid
from csnn._core.plasticity cimport FacetsView, PlasticView, Plasticity
from csnn._core.recorders cimport Recorders
from csnn._core.stdp cimport WeightBuffer
from csnn._core.stimulation cimport Stimulation
from csnn._core.synapses cimport SynapseTable
from csnn._core.traces cimport TraceGroups
from csnn._core.targets cimport Slot, ThreadState, Window
from csnn._core.threads cimport csnn_barrier_t


cdef struct ChunkControl:
    # a chunk of windows run in one parallel region: what thread 0 decides at each window's end
    double t_stop             # the run's end (ms)
    double t_planned          # the chunk ends here at the latest (ms): multimeter rows are reserved up to it
    int64_t max_windows       # windows it may run (-1: no limit)
    int64_t done              # windows it ran
    double deadline           # wall clock (s, csnn_clock) after which it ends at a window's end
    int stop                  # set by thread 0: the chunk ends after this window
    int error                 # CHUNK_OUT_OF_MEMORY, CHUNK_PEER_FAILED
    int nonfinite             # a neuron's state stopped being finite in the last window
    csnn_barrier_t barrier    # where the threads meet twice per window


cdef class Engine:
    # neurons: per engine index its struct, its model code, its Slot
    cdef object _pop_arrays                 # (model code, struct array, engine indices) per population
    cdef readonly int64_t n_neurons
    cdef object _gids                       # int32 array: engine index -> global id
    cdef const int32_t* gids
    cdef object _neuron_ptr                 # uintp array: engine index -> its struct
    cdef object _model_of                   # uint8 array: engine index -> model code
    cdef Slot* slots
    cdef int64_t n_slots
    cdef object _wake                       # float64 per neuron (Window.wake)
    cdef object _queued                     # float64 per neuron (Window.queued)
    # synapses, CSR by source: static ones, and plastic ones with their state
    cdef readonly SynapseTable static
    cdef readonly SynapseTable plastic
    cdef readonly TraceGroups traces        # the plastic synapses' shared presynaptic traces
    # the resolution grid, and the delay of each code of the static and plastic delay columns in
    # steps (OFF_GRID when it is not a whole number of steps; None for a plain column)
    cdef Grid grid
    cdef object _delay_steps
    cdef object _row_shapes                 # per table: uint8 per source (RowsView.shape)
    # what the engine owns per concern
    cdef readonly Stimulation stimulation   # generators and their streams
    cdef readonly Recorders recorders       # spike recorders, multimeters, weight recorders
    cdef readonly Plasticity plasticity     # parameter sets, readout logs, postsynaptic archives
    # the clock, the spikes in flight and the threads
    cdef readonly double t_now
    cdef BatchQueue queue
    cdef double width
    cdef bint dirty
    cdef readonly int n_threads
    cdef int n_parts                        # threads that own targets: part k owns [lo_k, hi_k)
    # MPI processes: this one owns the neurons i % n_ranks == rank and exchanges spikes with
    # the others once per window (None on one process)
    cdef readonly int rank
    cdef readonly int n_ranks
    cdef readonly SpikeExchange exchange
    cdef object _network_delays             # (smallest, largest) delay of every process, at Prepare
    cdef ThreadState* threads               # per thread: its spikes, weight events, counters
    cdef SpikeBuffer spikes                 # the chunk's spikes, each window's sorted by (time, neuron)
    cdef SpikeBuffer sort_scratch           # what sorting a window's spikes needs
    cdef WeightBuffer weights               # the chunk's weight events, each window's sorted
    cdef readonly int64_t n_spikes          # spikes emitted so far (local_spike_counter)
    cdef readonly int64_t n_events          # inputs delivered so far, through synapses and from generators
    cdef readonly double end_seconds        # wall time (s) of the windows' serial ends, exchanges excluded

    cdef int _prepare_slots(self, st_offsets, smp_offsets) except -1
    cdef int _reset_agendas(self) except -1
    cdef int64_t _run_chunk(self, double t_stop, int64_t max_windows) except -1
    cdef void _window_loop(self, Window* w, const RowsView* tables, PlasticView* pv, FacetsView* fv,
                           ChunkControl* c) noexcept nogil
    cdef void _end_window(self, Window* w, const RowsView* tables, FacetsView* fv,
                          ChunkControl* c) noexcept nogil
    cdef void _window_view(self, Window* w, double t1)
    cdef int _deliver_part(self, Window* w, ThreadState* ts, const RowsView* tables, PlasticView* pv,
                           int part) noexcept nogil
