# cython: language_level=3
"""Spike-timing dependent plasticity: parameter sets, the postsynaptic spike archive and the
weight updates, applied when a presynaptic spike reaches its target (see stdp.pyx)."""
from libc.math cimport exp, pow
from libc.stdint cimport int32_t, int64_t
from libc.stdlib cimport realloc
from libc.string cimport memmove

cdef extern from *:
    """
    /* pairs of spikes closer than this (ms) count as simultaneous (NEST's stdp_eps) */
    #define CSNN_STDP_EPS 1e-9
    """
    double CSNN_STDP_EPS

cdef enum PlasticityRule:
    RULE_STDP = 1                 # stdp_synapse: all-to-all pairs


cdef struct StdpSet:
    # parameters shared by the synapses of one set (csnn/models.py builds them)
    int32_t rule
    int32_t weight_recorder       # index of the weight recorder, -1 for none
    double tau_plus               # time constant of the presynaptic trace (ms)
    double lambda_                # learning rate
    double alpha                  # depression relative to potentiation
    double mu_plus                # weight dependence exponent of potentiation
    double mu_minus               # weight dependence exponent of depression
    double Wmax                   # maximal weight


cdef struct WeightEvent:
    # a transmission through a synapse watched by a weight recorder
    double t                      # presynaptic spike time (ms)
    double weight
    int32_t sender                # global ids
    int32_t target
    int32_t recorder
    int32_t receptor              # the target's receptor port
    int32_t port                  # the synapse's index among its source's synapses


cdef struct WeightBuffer:
    WeightEvent* data
    int64_t n
    int64_t cap


cdef inline int weight_buffer_push(WeightBuffer* b, double t, double weight, int32_t sender,
                                   int32_t target, int32_t recorder, int32_t receptor,
                                   int32_t port) noexcept nogil:
    cdef WeightEvent* grown
    cdef int64_t cap
    if b.n == b.cap:
        cap = b.cap * 2 if b.cap > 0 else 64
        grown = <WeightEvent*> realloc(b.data, cap * sizeof(WeightEvent))
        if grown == NULL:
            return -1
        b.data = grown
        b.cap = cap
    b.data[b.n].t = t
    b.data[b.n].weight = weight
    b.data[b.n].sender = sender
    b.data[b.n].target = target
    b.data[b.n].recorder = recorder
    b.data[b.n].receptor = receptor
    b.data[b.n].port = port
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
    cdef HistoryEntry* grown
    cdef int64_t live, cap
    while (h.n - h.start > 1 and h.entries[h.start].reads >= h.n_incoming
           and t - h.entries[h.start + 1].t > 2.0 * h.max_delay + CSNN_STDP_EPS):
        h.start += 1
    if h.n == h.cap:
        live = h.n - h.start
        if h.start > 0:
            memmove(h.entries, h.entries + h.start, live * sizeof(HistoryEntry))
            h.start = 0
            h.n = live
        if h.n == h.cap:
            cap = h.cap * 2 if h.cap > 0 else 16
            grown = <HistoryEntry*> realloc(h.entries, cap * sizeof(HistoryEntry))
            if grown == NULL:
                return -1
            h.entries = grown
            h.cap = cap
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


cdef inline double history_trace(PostHistory* h, double t, bint triplet) noexcept nogil:
    """The postsynaptic trace at t, from the spikes strictly before t (to within the eps)."""
    cdef int64_t i = h.n - 1
    while i >= h.start:
        if t - h.entries[i].t > CSNN_STDP_EPS:
            if triplet:
                return h.entries[i].Kminus_triplet * exp((h.entries[i].t - t) / h.tau_minus_triplet)
            return h.entries[i].Kminus * exp((h.entries[i].t - t) / h.tau_minus)
        i -= 1
    return 0.0


# -- the rules: each updates one synapse at a presynaptic spike and returns the weight sent -----

cdef inline double _facilitate(const StdpSet* p, double w, double kplus) noexcept nogil:
    cdef double norm_w = w / p.Wmax + p.lambda_ * pow(1.0 - w / p.Wmax, p.mu_plus) * kplus
    return norm_w * p.Wmax if norm_w < 1.0 else p.Wmax


cdef inline double _depress(const StdpSet* p, double w, double kminus) noexcept nogil:
    cdef double norm_w = w / p.Wmax - p.alpha * p.lambda_ * pow(w / p.Wmax, p.mu_minus) * kminus
    return norm_w * p.Wmax if norm_w > 0.0 else 0.0


cdef inline double stdp_pre_spike(const StdpSet* p, double* weight, double* kplus, double* kplus_triplet,
                                  double* t_last, PostHistory* h, double t_pre, double delay) noexcept nogil:
    """Update a synapse for a presynaptic spike emitted at t_pre with (dendritic) delay ``delay``.

    The whole delay is dendritic, as in NEST: a postsynaptic spike at t reaches the synapse at
    t + delay.  Potentiation pairs each postsynaptic spike that reached the synapse since the
    last presynaptic one with the presynaptic trace; depression pairs this presynaptic spike
    with the postsynaptic trace at t_pre - delay.
    """
    cdef int64_t first, last, k
    cdef double w = weight[0]
    history_range(h, t_last[0] - delay, t_pre - delay, &first, &last)
    for k in range(first, last):
        w = _facilitate(p, w, kplus[0] * exp((t_last[0] - (h.entries[k].t + delay)) / p.tau_plus))
    w = _depress(p, w, history_trace(h, t_pre - delay, False))
    kplus[0] = kplus[0] * exp((t_last[0] - t_pre) / p.tau_plus) + 1.0
    t_last[0] = t_pre
    weight[0] = w
    return w
