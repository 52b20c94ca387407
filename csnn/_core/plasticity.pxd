# cython: language_level=3
"""The plastic path: what a spike does to a plastic synapse on its way to the target (inline, in
the delivery loop), and the plasticity state the engine owns between runs (see plasticity.pyx)."""
from libc.stdint cimport int32_t, int64_t, uint8_t, uint16_t, uint32_t

from csnn._core.events cimport SpikeBuffer
from csnn._core.stdp cimport (RULE_FACETSHW, FacetsSynapse, PostHistory, ReadoutLog, StdpSet, WeightBuffer,
                              facetshw_pre_spike, kplus_per_synapse, stdp_pre_spike, weight_buffer_push)
from csnn._core.synapses cimport CodedColumn, SynapseTable, column_value
from csnn._core.targets cimport Window
from csnn._core.traces cimport TraceGroup, Traces


cdef struct PlasticView:
    # the plastic table's state columns (NULL when no rule in use needs them), its parameter
    # sets and stdp_facetshw_synapse_hom's readout logs
    double* weight
    CodedColumn delay
    const uint16_t* set
    const uint32_t* group         # each synapse's trace group (traces.pyx), NULL when per synapse:
    double* t_last                # then its traces are here, in kplus and in kplus_triplet
    double* kplus
    double* kplus_triplet
    const double* a_thresh_th
    const double* a_thresh_tl
    double* next_readout
    const StdpSet* sets
    ReadoutLog* readout_logs


cdef struct FacetsView:
    # what numbering stdp_facetshw_synapse_hom synapses reads and writes (plastic table columns)
    const StdpSet* sets
    const uint16_t* set
    uint8_t* numbered
    int64_t* synapse_id
    double* next_readout


cdef class Plasticity:
    # the plastic synapses' parameter sets, stdp_facetshw_synapse_hom's readout logs and every
    # neuron's postsynaptic archive
    cdef object sets                        # StdpSet records (stdp.SET_DTYPE), indexed by 'set'
    cdef ReadoutLog* readout_logs           # per stdp_facetshw_synapse_hom model
    cdef int64_t n_readout_logs
    cdef PostHistory* archives              # per neuron
    cdef int64_t n_archives
    cdef object tau_minus, tau_minus_triplet     # per neuron (ms)

    cdef void _free_readout_logs(self)
    cdef int prepare_archives(self, int64_t n_neurons, SynapseTable plastic) except -1
    cdef void views(self, SynapseTable plastic, PlasticView* pv, FacetsView* fv)
    cdef int number_facets_synapses(self, FacetsView* fv, const int64_t* off, const SpikeBuffer* spikes,
                                    int64_t first) noexcept nogil


cdef inline double* _slot_or_null(double* column, int64_t slot) noexcept nogil:
    return column + slot if column != NULL else NULL


cdef inline void own_traces(const PlasticView* pv, int64_t slot, Traces* seen) noexcept nogil:
    """A synapse's traces when the plastic table keeps them per synapse (traces.pyx); a column
    that does not exist holds no trace its rule reads."""
    seen.t_last = pv.t_last[slot]
    seen.kplus = pv.kplus[slot] if pv.kplus != NULL else 0.0
    seen.kplus_triplet = pv.kplus_triplet[slot] if pv.kplus_triplet != NULL else 0.0


cdef inline void keep_own_traces(PlasticView* pv, int rule, int64_t slot, const Traces* seen) noexcept nogil:
    """Store what :func:`own_traces` read after the rule advanced it; the columns the rule
    updates itself (facetshw's accumulations, the pre-centred rule's K+) are left alone."""
    pv.t_last[slot] = seen.t_last
    if rule == RULE_FACETSHW:
        return
    if pv.kplus != NULL and not kplus_per_synapse(rule):
        pv.kplus[slot] = seen.kplus
    if pv.kplus_triplet != NULL:
        pv.kplus_triplet[slot] = seen.kplus_triplet


cdef inline double plastic_update(PlasticView* pv, TraceGroup* groups, Window* w, int64_t slot, int32_t rank,
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
        own_traces(pv, slot, &seen)
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
            # a trace group's other synapses leave the traces to its first (the same numbers)
            weight = stdp_pre_spike(p, &pv.weight[slot], &seen, _slot_or_null(pv.kplus, slot),
                                    &w.archives[i], t_pre, d, group == NULL or first or k + 1 < mult)
        if p.weight_recorder >= 0:
            if weight_buffer_push(wbuf, t_pre, t_arrival, weight, source, w.gids[i], p.weight_recorder,
                                  receptor, rank, k) != 0:
                failed[0] = 1
        total += weight
    if group == NULL:
        keep_own_traces(pv, p.rule, slot, &seen)
    elif first:
        group.now = seen
    return total
