# cython: language_level=3
"""The plasticity state the engine owns: the plastic synapses' parameter sets, the readout logs
of stdp_facetshw_synapse_hom (which numbers its synapses in the order of their first spike) and
every neuron's postsynaptic archive (stdp.pxd) with its trace time constants.

The updates themselves run in the delivery loop, through the inline functions of
plasticity.pxd, on the views :meth:`Plasticity.views` gives of the plastic table and of this
state.
"""
import numpy as np

cimport numpy as cnp
from libc.stdlib cimport calloc, free, realloc
from libc.string cimport memcpy

from csnn._core.events cimport grow_array
from csnn._core.stdp cimport HistoryEntry, readout_log_add
from csnn._core.stdp import SET_DTYPE, SHARED_TRACES
from csnn._core.traces import FIELDS as TRACE_FIELDS

cnp.import_array()


cdef double* _column_or_null(SynapseTable table, str name):
    """A float column's data, or NULL when the table has no such column (no rule needs it)."""
    return <double*> cnp.PyArray_DATA(table.columns[name]) if table.has_column(name) else NULL


cdef class Plasticity:
    """Parameter sets, readout logs and postsynaptic archives (see the module docstring)."""

    def __cinit__(self):
        self.sets = np.zeros(1, dtype=SET_DTYPE)
        self.readout_logs = NULL
        self.n_readout_logs = 0
        self.archives = NULL
        self.n_archives = 0
        self.tau_minus = np.zeros(0)
        self.tau_minus_triplet = np.zeros(0)

    def __dealloc__(self):
        cdef int64_t k
        if self.archives != NULL:
            for k in range(self.n_archives):
                free(self.archives[k].entries)
            free(self.archives)
        self._free_readout_logs()

    def set_stdp_sets(self, records, readout_base):
        """The plastic synapses' parameter sets (records of stdp.SET_DTYPE), indexed by 'set';
        ``readout_base``: per stdp_facetshw_synapse_hom model (the sets' ``readout_log``), the
        synapses it has numbered so far."""
        cdef int64_t k
        cdef ReadoutLog* logs
        records = np.ascontiguousarray(records, dtype=SET_DTYPE)
        self.sets = records if records.shape[0] else np.zeros(1, dtype=SET_DTYPE)
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

    def trace_sharers(self, SynapseTable plastic):
        """Trace field -> which synapses of ``plastic`` have rules that read it from their trace
        group."""
        rules = self.sets["rule"][plastic.columns["set"]]
        return {name: np.isin(rules, [rule for rule, fields in SHARED_TRACES.items() if name in fields])
                for name in TRACE_FIELDS}

    cdef void views(self, SynapseTable plastic, PlasticView* pv, FacetsView* fv):
        """What the delivery loop reads and writes of the plastic table ``plastic`` and of this
        state (``fv``: only when a stdp_facetshw_synapse_hom model exists)."""
        pv.weight = plastic.weight.plain      # plain: the rules write it
        pv.delay = plastic.delay
        pv.set = <const uint16_t*> cnp.PyArray_DATA(plastic.columns["set"])
        pv.kplus = _column_or_null(plastic, "Kplus")
        pv.kplus_triplet = _column_or_null(plastic, "Kplus_triplet")
        pv.group = (<const uint32_t*> cnp.PyArray_DATA(plastic.columns["group"])
                    if plastic.has_column("group") else NULL)
        pv.t_last = _column_or_null(plastic, "t_last")
        pv.a_thresh_th = _column_or_null(plastic, "a_thresh_th")
        pv.a_thresh_tl = _column_or_null(plastic, "a_thresh_tl")
        pv.next_readout = _column_or_null(plastic, "next_readout_time")
        pv.sets = <const StdpSet*> cnp.PyArray_DATA(self.sets)
        pv.readout_logs = self.readout_logs
        fv.sets = pv.sets
        fv.set = pv.set
        if self.n_readout_logs > 0:          # (the facetshw columns exist once such a synapse does)
            fv.numbered = <uint8_t*> cnp.PyArray_DATA(plastic.columns["init_flag"])
            fv.synapse_id = <int64_t*> cnp.PyArray_DATA(plastic.columns["synapse_id"])
            fv.next_readout = pv.next_readout

    cdef int number_facets_synapses(self, FacetsView* fv, const int64_t* off, const SpikeBuffer* spikes,
                                    int64_t first) noexcept nogil:
        """Number the stdp_facetshw_synapse_hom synapses (rows ``off`` of the plastic table)
        that transmit their first spike in this window (``spikes`` from ``first`` on), in the
        order of the spikes (time, then source), as the hardware controller does: this fixes
        their first readout.  Serial, between windows.  Returns -1 when memory is exhausted."""
        cdef const StdpSet* p
        cdef ReadoutLog* log
        cdef int64_t i, s, src, number
        for i in range(first, spikes.n):
            src = spikes.data[i].neuron
            for s in range(off[src], off[src + 1]):
                p = &fv.sets[fv.set[s]]
                if p.rule != RULE_FACETSHW or fv.numbered[s]:
                    continue
                log = &self.readout_logs[p.readout_log]
                number = log.base + log.n
                fv.synapse_id[s] = number
                fv.next_readout[s] = (number // p.synapses_per_driver) * p.driver_readout_time
                fv.numbered[s] = 1
                if readout_log_add(log, spikes.data[i].t) != 0:
                    return -1
        return 0

    def set_trace_constants(self, tau_minus, tau_minus_triplet):
        """Time constants (ms) of each neuron's postsynaptic traces, by engine index (the
        archives take them at :meth:`prepare_archives`)."""
        self.tau_minus = np.ascontiguousarray(tau_minus, dtype=np.float64)
        self.tau_minus_triplet = np.ascontiguousarray(tau_minus_triplet, dtype=np.float64)

    cdef int prepare_archives(self, int64_t n_neurons, SynapseTable plastic) except -1:
        """One archive per neuron (kept across calls), with its in-degree in ``plastic``, their
        longest delay and its trace time constants."""
        cdef int64_t k, n = n_neurons
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
        targets = plastic.columns["target"]
        incoming_array = np.bincount(targets, minlength=n).astype(np.int32)
        max_delay_array = np.zeros(n)
        np.maximum.at(max_delay_array, targets, plastic.column("delay"))
        tau_array = np.full(n, 20.0)
        tau_array[:self.tau_minus.shape[0]] = self.tau_minus[:n]
        tau3_array = np.full(n, 110.0)
        tau3_array[:self.tau_minus_triplet.shape[0]] = self.tau_minus_triplet[:n]
        cdef cnp.int32_t[::1] incoming = incoming_array
        cdef double[::1] tau = tau_array, tau3 = tau3_array, max_delay = max_delay_array
        for k in range(n):
            self.archives[k].n_incoming = incoming[k]
            self.archives[k].max_delay = max_delay[k]
            self.archives[k].tau_minus = tau[k]
            self.archives[k].tau_minus_triplet = tau3[k]
        return 0

    def checkpoint(self):
        """What a checkpoint keeps: the parameter sets, the trace time constants and the
        archives: per neuron its number of entries, the entries (bytes) and its traces (K-,
        triplet K-, last spike)."""
        cdef int64_t k, j = 0
        cdef PostHistory* h
        lengths = np.array([self.archives[k].n - self.archives[k].start for k in range(self.n_archives)],
                           dtype=np.int64)
        entries = np.empty(int(lengths.sum()) * sizeof(HistoryEntry), dtype=np.uint8)
        cdef HistoryEntry* out = <HistoryEntry*> cnp.PyArray_DATA(entries)
        traces = np.empty((self.n_archives, 3))
        for k in range(self.n_archives):
            h = &self.archives[k]
            if h.n > h.start:
                memcpy(&out[j], &h.entries[h.start], (h.n - h.start) * sizeof(HistoryEntry))
                j += h.n - h.start
            traces[k] = (h.Kminus, h.Kminus_triplet, h.last_spike)
        return {"sets": self.sets, "tau_minus": self.tau_minus, "tau_minus_triplet": self.tau_minus_triplet,
                "archive_lengths": lengths, "archive_entries": entries, "archive_traces": traces}

    def restore(self, state):
        """The parameter sets and trace time constants :meth:`checkpoint` kept, in a new
        Plasticity (the archives follow once they exist: :meth:`restore_archives`)."""
        self.sets = state["sets"]
        self.set_trace_constants(state["tau_minus"], state["tau_minus_triplet"])

    def restore_archives(self, state):
        """Give the archives that exist the entries and traces :meth:`checkpoint` kept."""
        cdef int64_t k, j = 0, length
        cdef PostHistory* h
        lengths = state["archive_lengths"]
        traces = state["archive_traces"]
        cdef cnp.ndarray data = np.ascontiguousarray(state["archive_entries"], dtype=np.uint8)
        cdef HistoryEntry* saved = <HistoryEntry*> cnp.PyArray_DATA(data)
        for k in range(min(self.n_archives, lengths.shape[0])):
            h = &self.archives[k]
            length = lengths[k]
            if length > 0:
                if grow_array(<void**> &h.entries, &h.cap, sizeof(HistoryEntry), length) != 0:
                    raise MemoryError("csnn: out of memory for spike archives")
                memcpy(h.entries, &saved[j], length * sizeof(HistoryEntry))
                j += length
            h.start = 0
            h.n = length
            h.Kminus, h.Kminus_triplet, h.last_spike = traces[k]
