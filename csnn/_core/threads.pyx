# cython: language_level=3
"""The threads of a chunk of windows: what each leaves at a window's end, merged into the chunk's
buffers in an order that does not depend on the thread count, and their buffers freed.

Each thread owns a part of the engine indices (engine.pyx) and collects the spikes its neurons
emit and the transmissions through synapses weight recorders watch (targets.pxd's ThreadState).
Thread 0 merges them between the window's barriers: spikes sorted by (time, neuron), weight
events by arrival, so that recorders, batches and the facetshw numbering see the same sequence
whatever the thread count.
"""
from libc.stdlib cimport free, qsort, realloc

from csnn._core.agenda cimport agenda_free
from csnn._core.events cimport SpikeOut, grow_array
from csnn._core.stdp cimport WeightEvent


cdef void free_threads(ThreadState* threads, int n_threads) noexcept nogil:
    """Free ``threads`` (of ``n_threads``) and their buffers; NULL is allowed."""
    cdef int k
    if threads == NULL:
        return
    for k in range(n_threads):
        free(threads[k].spikes.data)
        free(threads[k].weights.data)
        agenda_free(&threads[k].agenda)
    free(threads)


cdef int collect_spikes(const ThreadState* threads, int n_parts, SpikeBuffer* chunk) noexcept nogil:
    """Append the window's spikes of threads [0, n_parts) to the chunk's, sorted by (time,
    neuron) from its previous end on.  Returns -1 when memory is exhausted."""
    cdef int64_t first = chunk.n, total = chunk.n, i
    cdef int k
    cdef SpikeOut* grown
    for k in range(n_parts):
        total += threads[k].spikes.n
    if total > chunk.cap:
        grown = <SpikeOut*> realloc(chunk.data, max(total, 2 * chunk.cap) * sizeof(SpikeOut))
        if grown == NULL:
            return -1
        chunk.data = grown
        chunk.cap = max(total, 2 * chunk.cap)
    for k in range(n_parts):
        for i in range(threads[k].spikes.n):
            chunk.data[chunk.n] = threads[k].spikes.data[i]
            chunk.n += 1
    qsort(chunk.data + first, chunk.n - first, sizeof(SpikeOut), spike_order)
    return 0


cdef int collect_weights(const ThreadState* threads, int n_parts, WeightBuffer* chunk) noexcept nogil:
    """Append the window's weight events of threads [0, n_parts) to the chunk's, in arrival
    order from its previous end on.  Returns -1 when memory is exhausted."""
    cdef int64_t start = chunk.n, i
    cdef int k
    for k in range(n_parts):
        for i in range(threads[k].weights.n):
            if chunk.n == chunk.cap and grow_array(
                    <void**> &chunk.data, &chunk.cap, sizeof(WeightEvent), 64) != 0:
                return -1
            chunk.data[chunk.n] = threads[k].weights.data[i]
            chunk.n += 1
    qsort(chunk.data + start, chunk.n - start, sizeof(WeightEvent), _weight_event_order)
    return 0


cdef int _weight_event_order(const void* a, const void* b) noexcept nogil:
    """Arrival order (time, sender, target, the synapse's rank, the spike's multiplicity): a
    total order, which where a Simulate call ends cannot change."""
    cdef const WeightEvent* x = <const WeightEvent*> a
    cdef const WeightEvent* y = <const WeightEvent*> b
    if x.t_arrival != y.t_arrival:
        return -1 if x.t_arrival < y.t_arrival else 1
    if x.sender != y.sender:
        return -1 if x.sender < y.sender else 1
    if x.target != y.target:
        return -1 if x.target < y.target else 1
    if x.port != y.port:
        return -1 if x.port < y.port else 1
    return (x.seq > y.seq) - (x.seq < y.seq)


cdef int spike_order(const void* a, const void* b) noexcept nogil:
    """(time, neuron) order of SpikeOut records, for qsort."""
    cdef const SpikeOut* x = <const SpikeOut*> a
    cdef const SpikeOut* y = <const SpikeOut*> b
    if x.t != y.t:
        return -1 if x.t < y.t else 1
    return (x.neuron > y.neuron) - (x.neuron < y.neuron)
