# cython: language_level=3
"""Plain C records shared by the engine's modules.

Times are doubles in ms, continuous.  A neuron's inputs of one time are collected in its
``Pending`` record and settled together; emitted spikes are ``SpikeOut`` records, sorted by
(time, neuron) before they are recorded and batched for delivery (delivery.pyx).
"""
from libc.stdint cimport int32_t, int64_t, uint16_t, uint32_t, uint64_t
from libc.stdlib cimport realloc

cdef extern from "<math.h>" nogil:
    const double INFINITY
    const double NAN


cdef enum:
    # receptor ports; a model declares which ones it accepts
    PORT_DEFAULT = 0


cpdef enum Recordable:
    # global codes of recordable state variables (multimeter ``record_from``), REC_ and the
    # variable's name; events.pyx gives them to Python, where each model's module declares its
    # recordables with them (events.recordable_codes)
    REC_V_M = 0
    REC_I_SYN_EX = 1
    REC_I_SYN_IN = 2
    REC_ACT_M = 3
    REC_INACT_H = 4
    REC_ACT_N = 5
    REC_G_EX = 6
    REC_G_IN = 7
    REC_T_REF_REMAINING = 8


cdef struct Pending:
    # the inputs a neuron received at one time and has not settled yet (see neurons.pxd.in):
    # settled together, so that simultaneous inputs are summed before the threshold is checked
    double t            # their time (ms), -INFINITY when there are none
    double w_sum        # summed weight
    double w_ex         # summed positive weights
    double w_in         # summed negative weights
    int32_t mult        # summed multiplicity of the spikes


cdef inline void pending_clear(Pending* p) noexcept nogil:
    p.t = -INFINITY
    p.w_sum = 0.0
    p.w_ex = 0.0
    p.w_in = 0.0
    p.mult = 0


cdef inline void pending_add(Pending* p, double w, int32_t mult) noexcept nogil:
    """Add one input of weight w (its multiplicity included) carried by ``mult`` spikes."""
    p.w_sum += w
    # without a branch (excitatory and inhibitory inputs interleave at random): adding +0.0
    # leaves the other sum as it is (neither is ever -0.0: both start at +0.0)
    p.w_ex += w if w > 0.0 else 0.0
    p.w_in += 0.0 if w > 0.0 else w
    p.mult += mult


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

