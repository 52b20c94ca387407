# cython: language_level=3
"""Trace groups: presynaptic traces shared by the plastic synapses of a source (see traces.pyx)."""
from libc.stdint cimport int64_t


cdef struct Traces:
    # what a presynaptic spike train leaves in its synapses after a spike
    double t_last             # time of the last presynaptic spike (ms); 0 before the first, as in NEST
    double kplus              # trace K+ (time constant tau_plus)
    double kplus_triplet      # the triplet rule's slow trace (time constant tau_plus_triplet)


cdef struct TraceGroup:
    # one thread's copy of a group's traces
    Traces now                # after the last spike the group's synapses on this thread received
    Traces before             # before that spike: what the group's other synapses read at it


cdef class TraceGroups:
    cdef readonly object state          # Traces of every group (traces_dtype()), up to date between runs
    cdef object _fresh                  # key -> group, for the groups made since the last run began
    cdef bint _orphans                  # groups may have lost their last synapse (regroup)
    cdef TraceGroup* copies             # the copies of the threads' parts: part k's are copies[k * n_copies:]
    cdef readonly int64_t n_copies      # groups per part
    cdef readonly int n_parts
    cdef readonly bint per_synapse      # the traces are the plastic table's columns (no groups)

    cdef TraceGroup* part_copies(self, int part) noexcept nogil
