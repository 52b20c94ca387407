# cython: language_level=3
"""Spikes in flight as arrival batches, bucketed by the min-delay window in which they arrive,
and the views of the synapse tables' rows they are made from (see delivery.pyx)."""
from libc.stdint cimport int32_t, int64_t, uint8_t

from csnn._core.events cimport SpikeBuffer, grow_array
from csnn._core.gridtime cimport Grid, delay_steps
from csnn._core.synapses cimport CodedColumn, CodedPort, SynapseTable


cdef enum:
    # the synapse table a batch goes through
    TABLE_STATIC = 0
    TABLE_PLASTIC = 1


cpdef enum RowShape:
    # what a source's row is known to be (flags of RowsView.shape)
    ROW_ONE_DELAY = 1       # all its synapses have one delay: a spike makes one batch of it
    ROW_ASCENDING = 2       # its targets do not decrease within each run of equal delays: a
                            # thread finds the synapses onto its own targets by bisection


cdef struct RowsView:
    # the routing columns of a synapse table, read while batches are made and delivered
    const int64_t* off
    const int32_t* target
    CodedColumn weight
    CodedColumn delay
    const int64_t* code_steps   # per delay code: the delay in steps, or OFF_GRID (NULL: plain delays)
    const uint8_t* shape        # per source: its row's RowShape flags
    CodedPort port


cdef void rows_view(SynapseTable table, object code_steps, object shapes, RowsView* view)
cdef object delay_code_steps(SynapseTable table, const Grid* grid)


cdef inline bint same_delay(const CodedColumn* delay, int64_t a, int64_t b) noexcept nogil:
    if delay.code != NULL:
        return delay.code[a] == delay.code[b]
    return delay.plain[a] == delay.plain[b]


cdef inline int64_t run_steps(const RowsView* view, const Grid* grid, int64_t s) noexcept nogil:
    """The delay of synapse ``s`` in whole steps, or OFF_GRID: read from its code's, converted
    for a plain delay column."""
    if view.code_steps != NULL:
        return view.code_steps[view.delay.code[s]]
    return delay_steps(grid, view.delay.plain[s])


cdef inline int64_t _first_target_at_least(const int32_t* target, int64_t a, int64_t b, int32_t i) noexcept nogil:
    """The first synapse in [a, b) whose target is >= i (b if none); the targets ascend there."""
    cdef int64_t mid
    while a < b:
        mid = a + (b - a) // 2
        if target[mid] < i:
            a = mid + 1
        else:
            b = mid
    return a


cdef inline void narrow_to_targets(const RowsView* view, int32_t source, int32_t lo, int32_t hi,
                                   int64_t* first, int64_t* last) noexcept nogil:
    """Narrow a batch's synapses [first, last) of ``source``'s row to those onto the targets
    [lo, hi) when the row's runs ascend (ROW_ASCENDING); other rows keep the whole range (the
    caller skips the other targets one by one)."""
    if view.shape[source] & ROW_ASCENDING:
        first[0] = _first_target_at_least(view.target, first[0], last[0], lo)
        last[0] = _first_target_at_least(view.target, first[0], last[0], hi)


cdef struct Batch:
    # the synapses of one sender, with one delay, that one spike reaches at one time
    double t            # arrival time at the targets (ms)
    double t_spike      # emission time (ms): what plastic synapses pair with
    int32_t source      # engine index of the sender
    int32_t gid         # its global id (the order of batches that arrive together)
    int32_t lo          # the synapses: ranks lo <= r < hi in the sender's row of the table
    int32_t hi
    int32_t mult        # multiplicity of the spike
    int32_t table       # TABLE_STATIC or TABLE_PLASTIC


cdef struct BatchBucket:
    Batch* b
    int64_t n
    int64_t cap


cdef inline int bucket_push(BatchBucket* bucket, const Batch* batch) noexcept nogil:
    """Append a batch; returns -1 when memory is exhausted."""
    if bucket.n == bucket.cap and grow_array(<void**> &bucket.b, &bucket.cap, sizeof(Batch), 64) != 0:
        return -1
    bucket.b[bucket.n] = batch[0]
    bucket.n += 1
    return 0


cdef inline bint batch_before(const Batch* a, const Batch* b) noexcept nogil:
    """The order in which batches reach their targets: time, sender, table, synapses."""
    if a.t != b.t:
        return a.t < b.t
    if a.gid != b.gid:
        return a.gid < b.gid
    if a.table != b.table:
        return a.table < b.table
    return a.lo < b.lo


cdef class BatchQueue:
    cdef BatchBucket* ring     # ring[(head + j) % nb]: arrivals in window j after the current one
    cdef BatchBucket overflow  # arrivals beyond bounds[nb]
    cdef double overflow_min   # earliest arrival in the overflow bucket
    cdef BatchBucket window    # the batches of the window being processed, in arrival order
    cdef double* bounds        # bounds[j] = start of window j (exclusive), j = 0..nb; bounds[0]: current window
    cdef readonly int64_t nb
    cdef int64_t head
    cdef readonly double width
    cdef double inv_width      # 1 / width: the bucket guess multiplies
    # windows on the resolution grid (width m whole steps, the grid starting on a step): bounds[j]
    # is the time of step first_step + j m, as every time on the grid is computed; else
    # (step_width 0) bounds are sums of width
    cdef Grid grid
    cdef int64_t step_width
    cdef int64_t first_step

    cdef int push(self, const Batch* b) noexcept nogil
    cdef int open_window(self, double t_end) noexcept nogil
    cdef int close_window(self) noexcept nogil
    cdef double _bound_after(self, double previous, int64_t j) noexcept nogil
    cdef int regrid(self, double t_start, double width, double max_delay, const Grid* grid) except -1
    cdef int batch_spikes(self, const RowsView* tables, const SpikeBuffer* spikes, int64_t first,
                          const Grid* grid, const int32_t* gids) noexcept nogil
