# cython: language_level=3
"""Plain C records shared by the engine's modules.

Times are doubles in ms, continuous.  Every record that enters a neuron's window carries the
key (time, source, rank) that orders simultaneous events deterministically: ``source`` is the
global id of the sending node and ``rank`` the synapse's position in its source's row (or the
connection's ordinal at a generator), both stable when connections are added later.
"""
from libc.stdint cimport int32_t, int64_t, uint16_t, uint32_t, uint64_t
from libc.stdlib cimport realloc

cdef extern from "<math.h>" nogil:
    const double INFINITY
    const double NAN


cdef enum:
    # receptor ports; a model declares which ones it accepts
    PORT_DEFAULT = 0
    # parrot_neuron: spikes accepted but not repeated (a plastic synapse still updates)
    PORT_PARROT_IGNORED = 1
    # marks a generator's current change among a neuron's events (never a receptor)
    PORT_CURRENT = 65535


cdef enum Recordable:
    # global codes of recordable state variables (multimeter ``record_from``; csnn/models.py)
    REC_V_M = 0
    REC_I_SYN_EX = 1
    REC_I_SYN_IN = 2
    REC_ACT_M = 3
    REC_INACT_H = 4
    REC_ACT_N = 5


cdef struct InEvent:
    double t            # arrival time at the target (ms)
    double w            # synaptic weight times multiplicity (model units; plastic synapses:
                        # the sum of the weights of the spikes it carries, set when routed)
    int32_t source      # global id of the sending node
    int32_t rank        # rank of the synapse in its source's row
    int32_t target      # engine index of the receiving neuron
    uint16_t port       # receptor port
    uint16_t mult       # multiplicity (parrot neurons repeat it)


cdef struct SpikeOut:
    double t            # emission time (ms)
    int32_t neuron      # engine index of the emitting neuron
    int32_t mult        # multiplicity


cdef struct SpikeBuffer:
    # growable array of emitted spikes, one per thread
    SpikeOut* data
    int64_t n
    int64_t cap


cdef inline int grow_array(void** data, int64_t* cap, size_t itemsize, int64_t first) noexcept nogil:
    """Double the capacity of a growable array (``first`` items for an empty one); -1 when memory
    is exhausted."""
    cdef int64_t new_cap = cap[0] * 2 if cap[0] > 0 else first
    cdef void* grown = realloc(data[0], new_cap * itemsize)
    if grown == NULL:
        return -1
    data[0] = grown
    cap[0] = new_cap
    return 0


cdef inline int spike_buffer_push(SpikeBuffer* buf, double t, int32_t neuron, int32_t mult) noexcept nogil:
    """Append a spike; returns -1 when memory is exhausted."""
    if buf.n == buf.cap and grow_array(<void**> &buf.data, &buf.cap, sizeof(SpikeOut), 64) != 0:
        return -1
    buf.data[buf.n].t = t
    buf.data[buf.n].neuron = neuron
    buf.data[buf.n].mult = mult
    buf.n += 1
    return 0

