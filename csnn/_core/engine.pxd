# cython: language_level=3
"""The event loop (see engine.pyx)."""
from libc.stdint cimport int32_t, int64_t, uint8_t, uint16_t

from csnn._core.events cimport InEvent, SpikeBuffer
from csnn._core.stdp cimport PostHistory, ReadoutLog, StdpSet, WeightBuffer
from csnn._core.inbox cimport Bucket, Inbox, InboxPart
from csnn._core.recorders cimport MeterPlan, Sampler
from csnn._core.streams cimport Generator, Stream
from csnn._core.synapses cimport CodedColumn, SynapseTable


cdef enum:
    # marks the events of plastic synapses: their rank in the plastic table, with this bit set,
    # so that they sort apart from the static synapses of the same source
    PLASTIC_RANK = 0x40000000


cdef enum ModelCode:
    MODEL_IAF_PSC_DELTA = 0
    MODEL_PARROT_NEURON = 1
    MODEL_IAF_PSC_EXP = 2
    MODEL_IAF_PSC_ALPHA = 3
    MODEL_HH_PSC_ALPHA = 4
    MODEL_SRM_PSC_EXP = 5


cdef struct Population:
    # all neurons of one model: rows of the model's struct
    int32_t model
    char* data
    int64_t n
    const int32_t* nidx       # engine index of each row


cdef struct Window:
    # everything a neuron reads while it processes one window
    double t0                 # window start (exclusive for events, inclusive for samples)
    double t1                 # window end (inclusive for events, exclusive for samples)
    InboxPart* parts          # inbox events of the window, grouped by target, in target ranges
    Stream* streams
    const int64_t* st_offsets
    const int32_t* st_perm    # streams of neuron i: streams[st_perm[st_offsets[i]:st_offsets[i + 1]]]
    double* st_next           # per neuron: arrival of its streams' next event (ms), inf if none
    double* wake              # per neuron: nothing happens to it before this time (ms)
    int nonfinite             # set when a neuron's synaptic state became NaN or infinite
    Generator* generators
    Sampler* samplers
    const int64_t* smp_offsets
    MeterPlan* plans
    # plasticity (read when spikes are routed): the plastic table's columns, parameter sets,
    # postsynaptic archives
    double* p_weight
    CodedColumn p_delay
    const uint16_t* p_set
    double* p_kplus
    double* p_kplus_triplet
    double* p_t_last
    const StdpSet* sets
    # stdp_facetshw_synapse_hom's columns (NULL without such synapses) and readout logs
    const double* p_a_thresh_th
    const double* p_a_thresh_tl
    double* p_next_readout
    ReadoutLog* readout_logs
    PostHistory* archives
    const int32_t* gids


cdef class Engine:
    # neurons
    cdef Population* pops
    cdef int n_pops
    cdef object _pop_arrays                 # keeps the bound arrays alive
    cdef readonly int64_t n_neurons
    cdef object _gids                       # int32 array: engine index -> global id
    cdef const int32_t* gids
    # synapses, CSR by source: static ones, and plastic ones with their state
    cdef readonly SynapseTable static
    cdef readonly SynapseTable plastic
    # stimulation streams, in creation order, and their CSR by target
    cdef object _streams
    cdef object _st_offsets, _st_perm
    cdef object _st_next                    # float64 per neuron (Window.st_next)
    cdef object _wake                       # float64 per neuron (Window.wake)
    cdef Generator* generators
    cdef int32_t n_generators
    cdef object _generator_data             # keeps the generators' arrays alive
    # recorders
    cdef object spike_logs                  # EventLog per spike recorder
    cdef object _sr_window                  # (n, 2) array: active interval (t_on, t_off]
    cdef object _sr_pairs                   # (neurons, recorder) blocks attached
    cdef object _sr_offsets, _sr_index      # CSR: recorders of neuron i
    cdef object meter_logs                  # EventLog per multimeter
    cdef object _meters                     # per multimeter: interval, t_on, t_off, variables, targets
    cdef object _samplers, _smp_offsets
    cdef MeterPlan* plans
    # the clock and the queue
    cdef readonly double t_now
    cdef Inbox inbox
    cdef double width
    cdef bint dirty
    cdef readonly int n_threads
    cdef SpikeBuffer* outbufs               # spikes emitted in the window, one buffer per thread
    cdef SpikeBuffer spikes                 # all of them, sorted by (time, neuron)
    cdef Bucket* scratch                    # per thread: a neuron's stream events of the window
    cdef WeightBuffer* wbufs                # per thread: transmissions seen by weight recorders
    # plasticity
    cdef object _sets                       # StdpSet records (stdp.set_dtype())
    cdef ReadoutLog* readout_logs           # per stdp_facetshw_synapse_hom model
    cdef int64_t n_readout_logs
    cdef PostHistory* archives              # per neuron
    cdef int64_t n_archives
    cdef object _tau_minus, _tau_minus_triplet   # per neuron (ms)
    cdef object weight_logs                 # EventLog per weight recorder
    cdef readonly int64_t n_spikes          # spikes emitted so far (local_spike_counter)
    cdef readonly int64_t n_events          # events filed for delivery so far (spikes x synapses)

    cdef void _free_thread_buffers(self)
    cdef int _plan_meters(self, double t0, double t1) except -1
    cdef int _run_window(self, double t1) except -1
    cdef int _check_finite(self, double t0, double t1, int nonfinite) except -1
    cdef int _collect_spikes(self) except -1
    cdef int _route(self, Window* w) except -1
    cdef int _route_table(self, SynapseTable table, int32_t rank_flag, Window* w) noexcept
    cdef int64_t _route_part(self, SynapseTable table, int32_t rank_flag, int part, Window* w) noexcept nogil
    cdef int _record_spikes(self) except -1
    cdef int _record_weights(self) except -1
    cdef int _prepare_archives(self) except -1
    cdef void _free_readout_logs(self)
    cdef int _number_facets_synapses(self) except -1
