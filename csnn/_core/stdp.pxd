# cython: language_level=3
"""Spike-timing dependent plasticity: parameter sets, the postsynaptic spike archive and the
weight updates, applied when a presynaptic spike reaches its target (see stdp.pyx)."""
from libc.math cimport copysign, exp, fabs, pow, round
from libc.stdint cimport int32_t, int64_t, uint8_t
from libc.string cimport memmove

from csnn._core.events cimport grow_array
from csnn._core.traces cimport Traces

cdef extern from *:
    """
    /* pairs of spikes closer than this (ms) count as simultaneous (NEST's stdp_eps) */
    #define CSNN_STDP_EPS 1e-9
    """
    double CSNN_STDP_EPS

cdef enum PlasticityRule:
    RULE_STDP = 1                 # stdp_synapse: all-to-all pairs
    RULE_NN_SYMM = 2              # stdp_nn_symm_synapse: symmetric nearest-neighbour pairs
    RULE_NN_PRE_CENTERED = 3      # stdp_nn_pre_centered_synapse
    RULE_NN_RESTR = 4             # stdp_nn_restr_synapse: restricted symmetric nearest neighbours
    RULE_TRIPLET = 5              # stdp_triplet_synapse (Pfister & Gerstner 2006)
    RULE_FACETSHW = 6             # stdp_facetshw_synapse_hom: FACETS hardware emulation


cdef struct StdpSet:
    # parameters shared by the synapses of one set (csnn/network/plastic_sets.py builds them from the models)
    int32_t rule
    int32_t weight_recorder       # index of the weight recorder, -1 for none
    double tau_plus               # time constant of the presynaptic trace (ms)
    double lambda_                # learning rate
    double alpha                  # depression relative to potentiation
    double mu_plus                # weight dependence exponent of potentiation
    double mu_minus               # weight dependence exponent of depression
    double Wmax                   # maximal weight
    # stdp_triplet_synapse
    double tau_plus_triplet       # time constant of the slow presynaptic trace (ms)
    double Aplus                  # pair potentiation amplitude
    double Aminus                 # pair depression amplitude
    double Aplus_triplet          # triplet potentiation amplitude
    double Aminus_triplet         # triplet depression amplitude
    # stdp_facetshw_synapse_hom
    double tau_minus_stdp         # time constant of the acausal accumulation (ms)
    double weight_per_lut_entry   # weight step of the 4-bit weights: Wmax / 15
    double driver_readout_time    # time to process one group of synapses (ms)
    int64_t synapses_per_driver   # synapses processed at once
    int64_t readout_log           # index of its model's readout log (-1 for other rules)
    uint8_t lookuptable[3][16]    # new discrete weight, per table, per discrete weight
    uint8_t configbit[2][4]       # the two evaluation functions' configuration bits
    uint8_t reset_pattern[6]      # per table: reset a_causal, a_acausal after its use


cdef struct ReadoutLog:
    # stdp_facetshw_synapse_hom: the synapses of one model in the order of their first
    # presynaptic spike, which is how the hardware's controller numbers them
    int64_t base                  # synapses numbered before this run
    double* t_first               # first presynaptic spike of each synapse numbered since (ms)
    int64_t n
    int64_t cap


cdef struct WeightEvent:
    # a transmission through a synapse watched by a weight recorder
    double t                      # presynaptic spike time (ms)
    double t_arrival              # when it reached the target (ms): the order of the records
    double weight
    int32_t sender                # global ids
    int32_t target
    int32_t recorder
    int32_t receptor              # the target's receptor port
    int32_t port                  # the synapse's index among its source's synapses
    int32_t seq                   # which of the spike's multiplicity (their updates' order)


cdef struct WeightBuffer:
    WeightEvent* data
    int64_t n
    int64_t cap


cdef inline int weight_buffer_push(WeightBuffer* b, double t, double t_arrival, double weight,
                                   int32_t sender, int32_t target, int32_t recorder, int32_t receptor,
                                   int32_t port, int32_t seq) noexcept nogil:
    if b.n == b.cap and grow_array(<void**> &b.data, &b.cap, sizeof(WeightEvent), 64) != 0:
        return -1
    b.data[b.n].t = t
    b.data[b.n].t_arrival = t_arrival
    b.data[b.n].weight = weight
    b.data[b.n].sender = sender
    b.data[b.n].target = target
    b.data[b.n].recorder = recorder
    b.data[b.n].receptor = receptor
    b.data[b.n].port = port
    b.data[b.n].seq = seq
    b.n += 1
    return 0


cdef struct HistoryEntry:
    double t                      # postsynaptic spike time (ms)
    double Kminus                 # postsynaptic trace just after it
    double Kminus_triplet
    int32_t reads                 # plastic synapses that have read this entry


cdef struct PostHistory:
    # a neuron's archive of its spikes, read by its incoming plastic synapses (NEST's
    # ArchivingNode): entries every synapse has read are dropped
    HistoryEntry* entries
    int64_t start                 # entries[start:n] are live
    int64_t n
    int64_t cap
    int32_t n_incoming            # plastic synapses onto this neuron
    double max_delay              # longest delay among them (ms)
    double tau_minus              # time constant of the postsynaptic trace (ms)
    double tau_minus_triplet
    double Kminus                 # traces just after the last spike
    double Kminus_triplet
    double last_spike             # time of the last spike (ms), -1 before the first


cdef inline int history_add(PostHistory* h, double t) noexcept nogil:
    """Archive a spike at t: drop the entries no synapse will read again, update the traces,
    append.  Returns -1 when memory is exhausted.

    A synapse of delay d reads the trace at t_pre - d when its spike arrives at t_pre + d >= t,
    so lookups go back to t - 2 max_delay: the first entry may go once every synapse has read
    it and the next one lies before that horizon (NEST keeps max_delay + min_delay, the same
    for uniform delays, less when delays differ).
    """
    cdef int64_t live
    while (h.n - h.start > 1 and h.entries[h.start].reads >= h.n_incoming
           and t - h.entries[h.start + 1].t > 2.0 * h.max_delay + CSNN_STDP_EPS):
        h.start += 1
    if h.n == h.cap:
        live = h.n - h.start
        if h.start > 0:
            memmove(h.entries, h.entries + h.start, live * sizeof(HistoryEntry))
            h.start = 0
            h.n = live
        # 16 entries first: every neuron with plastic inputs has an archive
        if h.n == h.cap and grow_array(<void**> &h.entries, &h.cap, sizeof(HistoryEntry), 16) != 0:
            return -1
    h.Kminus = h.Kminus * exp((h.last_spike - t) / h.tau_minus) + 1.0
    h.Kminus_triplet = h.Kminus_triplet * exp((h.last_spike - t) / h.tau_minus_triplet) + 1.0
    h.last_spike = t
    h.entries[h.n].t = t
    h.entries[h.n].Kminus = h.Kminus
    h.entries[h.n].Kminus_triplet = h.Kminus_triplet
    h.entries[h.n].reads = 0
    h.n += 1
    return 0


cdef inline void history_range(PostHistory* h, double t1, double t2, int64_t* first,
                               int64_t* last) noexcept nogil:
    """Entries with t1 < t <= t2 (to within the eps) are entries[first:last]; each is marked
    as read once more."""
    cdef int64_t i = h.start, k
    while i < h.n and h.entries[i].t < t1 + CSNN_STDP_EPS:
        i += 1
    first[0] = i
    while i < h.n and h.entries[i].t < t2 + CSNN_STDP_EPS:
        h.entries[i].reads += 1
        i += 1
    last[0] = i


cdef enum Trace:
    TRACE_PAIR = 0                # K-: sum over all earlier spikes (tau_minus)
    TRACE_NEAREST = 1             # the latest spike only (tau_minus)
    TRACE_TRIPLET = 2             # sum over all earlier spikes (tau_minus_triplet)


cdef inline double history_trace(PostHistory* h, double t, int trace) noexcept nogil:
    """A postsynaptic trace at t, from the spikes strictly before t (to within the eps)."""
    cdef int64_t i = h.n - 1
    while i >= h.start:
        if t - h.entries[i].t > CSNN_STDP_EPS:
            if trace == TRACE_PAIR:
                return h.entries[i].Kminus * exp((h.entries[i].t - t) / h.tau_minus)
            if trace == TRACE_NEAREST:
                return exp((h.entries[i].t - t) / h.tau_minus)
            return h.entries[i].Kminus_triplet * exp((h.entries[i].t - t) / h.tau_minus_triplet)
        i -= 1
    return 0.0


# -- the rules: each updates one synapse at a presynaptic spike and returns the weight sent -----

cdef inline double _weight_power(double x, double mu) noexcept nogil:
    """x ** mu for the weight dependence of the updates: the additive (mu = 0) and
    multiplicative (mu = 1) rules, by far the commonest, skip pow, whose results they equal
    exactly (pow(x, 0) = 1 also for x = 0, pow(x, 1) = x)."""
    if mu == 1.0:
        return x
    if mu == 0.0:
        return 1.0
    return pow(x, mu)


cdef inline double _facilitate(const StdpSet* p, double w, double kplus) noexcept nogil:
    cdef double norm_w = w / p.Wmax + p.lambda_ * _weight_power(1.0 - w / p.Wmax, p.mu_plus) * kplus
    return norm_w * p.Wmax if norm_w < 1.0 else p.Wmax


cdef inline double _depress(const StdpSet* p, double w, double kminus) noexcept nogil:
    cdef double norm_w = w / p.Wmax - p.alpha * p.lambda_ * _weight_power(w / p.Wmax, p.mu_minus) * kminus
    return norm_w * p.Wmax if norm_w > 0.0 else 0.0


cdef inline double _facilitate_triplet(const StdpSet* p, double w, double kplus, double ky) noexcept nogil:
    # on |w|, with the sign of Wmax (inhibitory synapses have negative weights and Wmax)
    cdef double new_w = fabs(w) + kplus * (p.Aplus + p.Aplus_triplet * ky)
    return copysign(new_w if new_w < fabs(p.Wmax) else p.Wmax, p.Wmax)


cdef inline double _depress_triplet(const StdpSet* p, double w, double kminus, double kx) noexcept nogil:
    cdef double new_w = fabs(w) - kminus * (p.Aminus + p.Aminus_triplet * kx)
    return copysign(new_w if new_w > 0.0 else 0.0, p.Wmax)


cdef inline bint kplus_per_synapse(int rule) noexcept nogil:
    """Whether a rule's K+ is the synapse's own: stdp_nn_pre_centered_synapse resets it at
    postsynaptic spikes, so it cannot be shared with the source's other synapses (traces.pyx)."""
    return rule == RULE_NN_PRE_CENTERED


cdef inline double stdp_pre_spike(const StdpSet* p, double* weight, Traces* traces, double* own_kplus,
                                  PostHistory* h, double t_pre, double delay, bint update_traces) noexcept nogil:
    """Update a synapse of a pair or triplet rule for a presynaptic spike emitted at t_pre with
    (dendritic) delay ``delay``; returns the new weight.  ``traces``: the presynaptic traces as
    the synapse saw them after the last presynaptic spike, updated here unless not
    ``update_traces`` (a trace group's other synapses: the group's first synapse to receive
    the spike has computed them, the same numbers; the weight does not depend on them);
    ``own_kplus``: the synapse's own K+ for the rules whose K+ is not shared
    (kplus_per_synapse), else unused, always updated.

    The whole delay is dendritic, as in NEST: a postsynaptic spike at t reaches the synapse at
    t + delay.  Potentiation pairs the postsynaptic spikes that reached the synapse since the
    last presynaptic spike with that spike (or the presynaptic trace); depression pairs this
    presynaptic spike with the postsynaptic trace at t_pre - delay.  The formulas are in
    stdp.pyx.
    """
    cdef int64_t first, last, k
    cdef double w = weight[0], t0 = traces.t_last
    cdef double* kplus = own_kplus if kplus_per_synapse(p.rule) else &traces.kplus
    cdef double* kplus_triplet = &traces.kplus_triplet
    history_range(h, t0 - delay, t_pre - delay, &first, &last)
    if p.rule == RULE_STDP:
        for k in range(first, last):
            w = _facilitate(p, w, kplus[0] * exp((t0 - (h.entries[k].t + delay)) / p.tau_plus))
        w = _depress(p, w, history_trace(h, t_pre - delay, TRACE_PAIR))
        if update_traces:
            kplus[0] = kplus[0] * exp((t0 - t_pre) / p.tau_plus) + 1.0
    elif p.rule == RULE_NN_SYMM:
        # every postsynaptic spike pairs with the latest presynaptic one, and this spike with
        # the latest postsynaptic one
        for k in range(first, last):
            w = _facilitate(p, w, exp((t0 - (h.entries[k].t + delay)) / p.tau_plus))
        w = _depress(p, w, history_trace(h, t_pre - delay, TRACE_NEAREST))
    elif p.rule == RULE_NN_PRE_CENTERED:
        # the first postsynaptic spike since the last presynaptic one pairs with the
        # presynaptic trace, and then erases it
        if first < last:
            w = _facilitate(p, w, kplus[0] * exp((t0 - (h.entries[first].t + delay)) / p.tau_plus))
            kplus[0] = 0.0
        w = _depress(p, w, history_trace(h, t_pre - delay, TRACE_NEAREST))
        kplus[0] = kplus[0] * exp((t0 - t_pre) / p.tau_plus) + 1.0
    elif p.rule == RULE_NN_RESTR:
        # only when a postsynaptic spike lies between two presynaptic ones: the first of them
        # pairs with the earlier presynaptic spike, the latest with this one
        if first < last:
            w = _facilitate(p, w, exp((t0 - (h.entries[first].t + delay)) / p.tau_plus))
            w = _depress(p, w, history_trace(h, t_pre - delay, TRACE_NEAREST))
    elif p.rule == RULE_TRIPLET:
        for k in range(first, last):
            # the slow postsynaptic trace just before that spike (Pfister & Gerstner's t - eps)
            w = _facilitate_triplet(p, w, kplus[0] * exp((t0 - (h.entries[k].t + delay)) / p.tau_plus),
                                    h.entries[k].Kminus_triplet - 1.0)
        kplus_triplet[0] = kplus_triplet[0] * exp((t0 - t_pre) / p.tau_plus_triplet)
        w = _depress_triplet(p, w, history_trace(h, t_pre - delay, TRACE_PAIR), kplus_triplet[0])
        kplus_triplet[0] = kplus_triplet[0] + 1.0
        if update_traces:
            kplus[0] = kplus[0] * exp((t0 - t_pre) / p.tau_plus) + 1.0
    traces.t_last = t_pre
    weight[0] = w
    return w


# -- stdp_facetshw_synapse_hom -------------------------------------------------------------------

cdef struct FacetsSynapse:
    # a stdp_facetshw_synapse_hom synapse's state beyond its weight and last spike time
    double* a_causal              # causal pair accumulation
    double* a_acausal             # acausal pair accumulation
    const double* a_thresh_th     # the evaluation thresholds of this synapse's circuit
    const double* a_thresh_tl
    double* next_readout_time     # when the controller processes this synapse next (ms)


cdef inline int readout_log_add(ReadoutLog* log, double t) noexcept nogil:
    if log.n == log.cap and grow_array(<void**> &log.t_first, &log.cap, sizeof(double), 64) != 0:
        return -1
    log.t_first[log.n] = t
    log.n += 1
    return 0


cdef inline int64_t readout_count(const ReadoutLog* log, double t) noexcept nogil:
    """Synapses numbered by t: those whose first presynaptic spike came at or before t."""
    cdef int64_t lo = 0, hi = log.n, mid
    while lo < hi:
        mid = (lo + hi) // 2
        if log.t_first[mid] <= t:
            lo = mid + 1
        else:
            hi = mid
    return log.base + lo


cdef inline bint _facets_eval(const StdpSet* p, int which, double a_causal, double a_acausal,
                              double th, double tl) noexcept nogil:
    """One evaluation bit of the controller: compares the accumulations with the thresholds."""
    cdef const uint8_t* c = p.configbit[which]
    return ((tl + c[2] * a_causal + c[1] * a_acausal) / (1 + c[2] + c[1])
            > (th + c[0] * a_causal + c[3] * a_acausal) / (1 + c[0] + c[3]))


cdef inline double facetshw_pre_spike(const StdpSet* p, double* weight, FacetsSynapse s, double* t_last,
                                      PostHistory* h, const ReadoutLog* log, double t_pre,
                                      double delay) noexcept nogil:
    """Update a stdp_facetshw_synapse_hom synapse for a presynaptic spike at t_pre: first the
    controller's readout if it is due (4-bit weight through a look-up table), then the
    accumulation of this spike's nearest-neighbour pairs.  Returns the weight sent."""
    cdef int64_t first, last, entry, n_syn
    cdef int table = -1
    cdef bint e0, e1
    cdef double cycle
    if t_pre > s.next_readout_time[0]:
        entry = <int64_t> round(weight[0] / p.weight_per_lut_entry)
        e0 = _facets_eval(p, 0, s.a_causal[0], s.a_acausal[0], s.a_thresh_th[0], s.a_thresh_tl[0])
        e1 = _facets_eval(p, 1, s.a_causal[0], s.a_acausal[0], s.a_thresh_th[0], s.a_thresh_tl[0])
        if e0 and not e1:
            table = 0
        elif e1 and not e0:
            table = 1
        elif e0 and e1:
            table = 2
        if table >= 0:
            entry = p.lookuptable[table][entry]
            if p.reset_pattern[2 * table]:
                s.a_causal[0] = 0.0
            if p.reset_pattern[2 * table + 1]:
                s.a_acausal[0] = 0.0
        # t_pre is the exact emission time, so the count includes this synapse: cycle > 0
        n_syn = readout_count(log, t_pre)
        cycle = <int64_t> ((n_syn - 1.0) / p.synapses_per_driver + 1.0) * p.driver_readout_time
        while t_pre > s.next_readout_time[0]:
            s.next_readout_time[0] += cycle
        weight[0] = entry * p.weight_per_lut_entry
    history_range(h, t_last[0] - delay, t_pre - delay, &first, &last)
    if first < last:
        s.a_causal[0] += exp((t_last[0] - (h.entries[first].t + delay)) / p.tau_plus)
        s.a_acausal[0] += exp((h.entries[last - 1].t + delay - t_pre) / p.tau_minus_stdp)
    t_last[0] = t_pre
    return weight[0]
