# cython: language_level=3
"""The threads of a chunk of windows: what each leaves at a window's end, merged into the chunk's
buffers in an order that does not depend on the thread count, and their buffers freed.

Each thread owns a part of the engine indices (engine.pyx) and collects the spikes its neurons
emit and the transmissions through synapses weight recorders watch (targets.pxd's ThreadState).
Thread 0 merges them between the window's barriers: spikes sorted by (time, neuron), weight
events by arrival, so that recorders, batches and the facetshw numbering see the same sequence
whatever the thread count.
"""
import numpy as np

cimport numpy as cnp
from libc.stdlib cimport free, malloc, qsort, realloc
from libc.string cimport memcpy

from csnn._core.agenda cimport agenda_free
from csnn._core.events cimport SpikeOut, grow_array
from csnn._core.stdp cimport WeightEvent

cnp.import_array()


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


cdef int collect_spikes(const ThreadState* threads, int n_parts, SpikeBuffer* chunk, SpikeBuffer* scratch) noexcept nogil:
    """Append the window's spikes of threads [0, n_parts) to the chunk's, sorted by (time,
    neuron) from its previous end on (``scratch``: sort_spikes' buffer).  Returns -1 when
    memory is exhausted."""
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
    return sort_spikes(chunk.data + first, chunk.n - first, scratch)


cdef enum:
    # sort_spikes sorts runs of this many spikes by insertion, then merges them
    SORT_RUN = 8


cdef int sort_spikes(SpikeOut* data, int64_t n, SpikeBuffer* scratch) noexcept nogil:
    """Sort ``n`` spikes by (time, neuron) in place: runs of SORT_RUN by insertion, then merged
    (``scratch`` grows to n).  The serial end of every window sorts the window's spikes, on every
    MPI process (docs/scaling.md): C's qsort, with its call per comparison and its copies,
    took 2.1 times the instructions (callgrind, brunel_delta order 2500; runs of 4, 8 and 16
    by insertion differ by 7 %).  Returns -1 when memory is exhausted."""
    cdef int64_t lo = 0, i, j
    cdef SpikeOut x
    while lo < n:
        for i in range(lo + 1, min(lo + SORT_RUN, n)):
            x = data[i]
            j = i
            while j > lo and spike_before(&x, &data[j - 1]):
                data[j] = data[j - 1]
                j -= 1
            data[j] = x
        lo += SORT_RUN
    return merge_spike_runs(data, n, NULL, (n + SORT_RUN - 1) // SORT_RUN, scratch)


cdef inline int64_t _run_start(const int64_t* starts, int64_t k, int64_t n_runs, int64_t n) noexcept nogil:
    """Where run k starts (n past the last run); runs of SORT_RUN spikes when ``starts`` is NULL."""
    if k >= n_runs:
        return n
    return starts[k] if starts != NULL else k * SORT_RUN


cdef int merge_spike_runs(SpikeOut* data, int64_t n, const int64_t* starts, int64_t n_runs,
                          SpikeBuffer* scratch) noexcept nogil:
    """Merge ``n_runs`` sorted runs of ``data`` (run k holds [starts[k], starts[k + 1]), the last
    ending at n; runs of SORT_RUN when ``starts`` is NULL) into one, sorted by (time, neuron):
    pairwise, round after round, between ``data`` and ``scratch``.  Returns -1 when memory is
    exhausted."""
    cdef int64_t width = 1, k, a, b, end
    cdef SpikeOut* src = data
    cdef SpikeOut* dst
    cdef SpikeOut* swap
    if n_runs <= 1:
        return 0
    if scratch.cap < n:
        swap = <SpikeOut*> realloc(scratch.data, n * sizeof(SpikeOut))
        if swap == NULL:
            return -1
        scratch.data = swap
        scratch.cap = n
    dst = scratch.data
    while width < n_runs:
        k = 0
        while k < n_runs:
            a = _run_start(starts, k, n_runs, n)
            b = _run_start(starts, k + width, n_runs, n)
            end = _run_start(starts, k + 2 * width, n_runs, n)
            _merge(src + a, b - a, src + b, end - b, dst + a)
            k += 2 * width
        swap = src
        src = dst
        dst = swap
        width *= 2
    if src != data:
        memcpy(data, src, n * sizeof(SpikeOut))
    return 0


cdef inline void _merge(const SpikeOut* a, int64_t n_a, const SpikeOut* b, int64_t n_b, SpikeOut* out) noexcept nogil:
    cdef int64_t i = 0, j = 0, k = 0
    while i < n_a and j < n_b:
        if spike_before(&b[j], &a[i]):
            out[k] = b[j]
            j += 1
        else:
            out[k] = a[i]
            i += 1
        k += 1
    while i < n_a:
        out[k] = a[i]
        i += 1
        k += 1
    while j < n_b:
        out[k] = b[j]
        j += 1
        k += 1


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


def sorted_spikes(times, neurons, starts=None):
    """The spikes (``times`` in ms, ``neurons``: engine indices) in (time, neuron) order, as the
    serial end orders them: by sort_spikes, or with ``starts`` (where each of the sorted runs
    starts) by merge_spike_runs.  For tests: (times, neurons) arrays."""
    cdef int64_t k, n = len(times)
    cdef SpikeBuffer scratch
    cdef SpikeOut* data = <SpikeOut*> malloc(max(n, 1) * sizeof(SpikeOut))
    cdef cnp.int64_t[::1] bounds = np.ascontiguousarray(starts if starts is not None else [0], dtype=np.int64)
    if data == NULL:
        raise MemoryError("csnn: out of memory for the spikes")
    scratch.data = NULL
    scratch.cap = 0
    try:
        for k in range(n):
            data[k].t = times[k]
            data[k].neuron = neurons[k]
            data[k].mult = 1
        if (sort_spikes(data, n, &scratch) if starts is None
                else merge_spike_runs(data, n, <const int64_t*> &bounds[0], bounds.shape[0], &scratch)) != 0:
            raise MemoryError("csnn: out of memory for the spikes")
        return (np.array([data[k].t for k in range(n)], dtype=np.float64),
                np.array([data[k].neuron for k in range(n)], dtype=np.int64))
    finally:
        free(data)
        free(scratch.data)
