# cython: language_level=3
"""Spikes in flight as arrival batches, bucketed by the min-delay window in which they arrive.

A spike reaches the synapses of its sender's row in *batches*: runs of consecutive synapses
with the same delay, which the spike reaches at one time (NEST scripts give a row one or a few
delays, so a spike makes one or a few batches; a row with continuous random delays makes a
batch per synapse, and the sort below orders them all the same).  No record is written per
synapse: the window's batches are taken in arrival order and each is pushed into its targets.

Windows are ``(bounds[j], bounds[j + 1]]``.  When the width is m whole steps of the resolution
grid (the smallest delay is, as NEST's delays are) and the first window starts on a step, bound
j is the time of step first_step + j m, computed as every grid time is (gridtime.pxd): a spike
emitted at a grid time inside a window through a delay of at least m steps then arrives at a
later step, after the window's end.  Otherwise bounds are repeated sums of the width.  Either
way a spike emitted in a window at time ``t`` with a delay ``d >= width`` arrives after the
window, up to rounding: an off-grid arrival that rounding puts at or before the present
window's end (one emitted within an ulp or two of the window's start) is moved to the next
representable time after that end, so a window never receives batches while it runs.  (With
sums of the width, a gridded spike could meet that case too: 8.8 + 0.8 ms, in windows of 0.8
ms summed to 9.6, arrived at 9.600000000000001, not at step 96's 9.6.)  A ring of ``nb``
buckets covers the maximal delay; later arrivals wait in an overflow bucket.

Batches are made from a synapse table through its ``RowsView`` (delivery.pxd): the row offsets,
targets, weights, delays and ports, each delay code's length in grid steps and each row's shape
(one delay; targets ascending within its runs), all computed once per run (``delay_code_steps``,
``row_shapes``).
"""
from libc.math cimport nextafter
from libc.stdlib cimport free, malloc, calloc
from libc.string cimport memmove

from csnn._core.events cimport INFINITY, SpikeOut
from csnn._core.gridtime cimport OFF_GRID, arrival, grid_time, make_grid, on_grid
from csnn._core.synapses cimport column_value

import numpy as np

cimport numpy as cnp

cnp.import_array()

cdef enum:
    NB_CAP = 65536  # ring size cap: later arrivals wait in the overflow bucket


cdef void _insertion_sort(Batch* b, int64_t n) noexcept nogil:
    cdef int64_t i, j
    cdef Batch x
    for i in range(1, n):
        x = b[i]
        j = i - 1
        while j >= 0 and batch_before(&x, &b[j]):
            b[j + 1] = b[j]
            j -= 1
        b[j + 1] = x


cdef void sort_batches(Batch* b, int64_t n) noexcept nogil:
    """In-place sort into arrival order: quicksort, insertion sort for short runs.  Spikes are
    batched in emission order, so with one delay the batches arrive sorted: one pass."""
    cdef int64_t i
    for i in range(1, n):
        if batch_before(&b[i], &b[i - 1]):
            break
    else:
        return
    _quicksort(b, n)


cdef void _quicksort(Batch* b, int64_t n) noexcept nogil:
    cdef int64_t i, j, mid
    cdef Batch pivot, tmp
    while n > 16:
        mid = n // 2
        # median of three into b[mid]
        if batch_before(&b[mid], &b[0]):
            tmp = b[mid]; b[mid] = b[0]; b[0] = tmp
        if batch_before(&b[n - 1], &b[0]):
            tmp = b[n - 1]; b[n - 1] = b[0]; b[0] = tmp
        if batch_before(&b[n - 1], &b[mid]):
            tmp = b[n - 1]; b[n - 1] = b[mid]; b[mid] = tmp
        pivot = b[mid]
        i = 0
        j = n - 1
        while True:
            while batch_before(&b[i], &pivot):
                i += 1
            while batch_before(&pivot, &b[j]):
                j -= 1
            if i >= j:
                break
            tmp = b[i]; b[i] = b[j]; b[j] = tmp
            i += 1
            j -= 1
        # recurse into the smaller part, loop on the larger one
        if j + 1 < n - j - 1:
            _quicksort(b, j + 1)
            b += j + 1
            n -= j + 1
        else:
            _quicksort(b + j + 1, n - j - 1)
            n = j + 1
    _insertion_sort(b, n)


cdef void _free_ring(BatchBucket* ring, int64_t nb) noexcept nogil:
    cdef int64_t j
    if ring != NULL:
        for j in range(nb):
            free(ring[j].b)
        free(ring)


cdef void _renumber_bucket(BatchBucket* bucket, int table, const int64_t* off, const int64_t* kept) noexcept nogil:
    """BatchQueue.renumber for the batches of one bucket."""
    cdef int64_t i, row
    cdef Batch* b
    for i in range(bucket.n):
        b = &bucket.b[i]
        if b.table == table:
            row = off[b.source]
            b.lo = <int32_t> (kept[row + b.lo] - kept[row])
            b.hi = <int32_t> (kept[row + b.hi] - kept[row])


cdef class BatchQueue:
    """Owner of the ring of window buckets (C arrays freed in ``__dealloc__``)."""

    def __cinit__(self):
        self.ring = NULL
        self.overflow.b = NULL
        self.overflow.n = 0
        self.overflow.cap = 0
        self.overflow_min = INFINITY
        self.window.b = NULL
        self.window.n = 0
        self.window.cap = 0
        self.bounds = NULL
        self.nb = 0
        self.head = 0
        self.width = INFINITY
        self.inv_width = 0.0

    def __dealloc__(self):
        _free_ring(self.ring, self.nb)
        free(self.overflow.b)
        free(self.window.b)
        free(self.bounds)

    @property
    def start(self):
        """The start of the present window (exclusive), ms."""
        return self.bounds[0] if self.nb > 0 else None

    @property
    def end(self):
        """The end of the present window (inclusive), ms."""
        return self.bounds[1] if self.nb > 0 else None

    @property
    def resolution(self):
        """The step of the grid the windows were laid on (ms)."""
        return self.grid.h

    def bound(self, int64_t k, double t_stop):
        """The end of the k-th window from the present one (k = 1: the present window's end) as
        close_window will compute it, or the first window end at or after ``t_stop`` if that
        comes first (ms)."""
        cdef double end = self.bounds[k if k <= self.nb else self.nb]
        cdef int64_t j
        for j in range(self.nb, k):
            if end >= t_stop:
                break
            end = self._bound_after(end, j + 1)
        return end

    cdef double _bound_after(self, double previous, int64_t j) noexcept nogil:
        """Bound j (counted from the present window's start, bounds[0]), which follows
        ``previous``: a grid time on an aligned grid, else previous + width."""
        if self.step_width > 0:
            return grid_time(&self.grid, self.first_step + j * self.step_width)
        return previous + self.width

    cdef int regrid(self, double t_start, double width, double max_delay, const Grid* grid) except -1:
        """Start a new window grid at ``t_start``, keeping every batch in flight; on the
        resolution ``grid`` when ``width`` is whole steps of it and ``t_start`` one of them."""
        cdef BatchBucket pending
        cdef int64_t j, i, nb
        cdef BatchBucket* ring
        cdef double* bounds
        pending.b = NULL
        pending.n = 0
        pending.cap = 0
        try:
            for j in range(self.nb):
                for i in range(self.ring[j].n):
                    if bucket_push(&pending, &self.ring[j].b[i]) != 0:
                        raise MemoryError("csnn: out of memory while re-bucketing spikes in flight")
            for i in range(self.overflow.n):
                if bucket_push(&pending, &self.overflow.b[i]) != 0:
                    raise MemoryError("csnn: out of memory while re-bucketing spikes in flight")
            # in double precision first: a tiny width must not overflow the integer
            nb = <int64_t> min(max_delay / width + 2.0, <double> NB_CAP)
            ring = <BatchBucket*> calloc(nb, sizeof(BatchBucket))
            bounds = <double*> malloc((nb + 1) * sizeof(double))
            if ring == NULL or bounds == NULL:
                free(ring)
                free(bounds)
                raise MemoryError("csnn: out of memory for the ring of arrival windows")
            _free_ring(self.ring, self.nb)
            free(self.bounds)
            self.overflow.n = 0
            self.overflow_min = INFINITY
            self.ring = ring
            self.bounds = bounds
            self.nb = nb
            self.head = 0
            self.width = width
            self.inv_width = 1.0 / width
            self.grid = grid[0]
            self.step_width = delay_steps(grid, width)
            if self.step_width == OFF_GRID or grid_time(grid, self.step_width) != width \
                    or not on_grid(grid, t_start, &self.first_step):
                self.step_width = 0
            bounds[0] = t_start
            for j in range(1, nb + 1):
                bounds[j] = self._bound_after(bounds[j - 1], j)
            for i in range(pending.n):
                if self.push(&pending.b[i]) != 0:
                    raise MemoryError("csnn: out of memory while re-bucketing spikes in flight")
        finally:
            free(pending.b)
        return 0

    def regrid_at(self, double t_start, double width, double max_delay, double resolution):
        """:meth:`regrid` from Python (the engine's prepare and checkpoint restore), on the grid
        of ``resolution`` (ms)."""
        cdef Grid grid = make_grid(resolution)
        self.regrid(t_start, width, max_delay, &grid)

    def pending(self):
        """Every batch in flight (ring buckets and overflow), as the bytes of their Batch
        records, for a checkpoint; :meth:`refill` files them again."""
        cdef int64_t n = self.overflow.n, j, i
        for j in range(self.nb):
            n += self.ring[j].n
        out = np.empty(n * sizeof(Batch), dtype=np.uint8)
        cdef Batch* batches = <Batch*> cnp.PyArray_DATA(out)
        n = 0
        for j in range(self.nb):
            for i in range(self.ring[j].n):
                batches[n] = self.ring[j].b[i]
                n += 1
        for i in range(self.overflow.n):
            batches[n] = self.overflow.b[i]
            n += 1
        return out

    def renumber(self, int table, old_offsets, kept_before):
        """Synapses of ``table`` were removed (SynapseTable.remove gave ``kept_before``;
        ``old_offsets``: its rows before): the batches in flight through it keep the synapses
        that remain of their ranks, which are consecutive in the row again; a batch of removed
        synapses only is left empty and delivers nothing."""
        cdef const int64_t[::1] off = np.ascontiguousarray(old_offsets, dtype=np.int64)
        cdef const int64_t[::1] kept = np.ascontiguousarray(kept_before, dtype=np.int64)
        cdef int64_t j, i
        for j in range(self.nb):
            _renumber_bucket(&self.ring[j], table, &off[0], &kept[0])
        _renumber_bucket(&self.overflow, table, &off[0], &kept[0])

    def refill(self, pending):
        """File the batches :meth:`pending` gave into the present grid (all arrive after its
        start: they were in flight at the same time)."""
        cdef cnp.ndarray data = np.ascontiguousarray(pending, dtype=np.uint8)
        cdef Batch* batches = <Batch*> cnp.PyArray_DATA(data)
        cdef int64_t i, n = data.shape[0] // sizeof(Batch)
        for i in range(n):
            if self.push(&batches[i]) != 0:
                raise MemoryError("csnn: out of memory for spikes in flight")

    cdef int push(self, const Batch* b) noexcept nogil:
        """File a batch with arrival ``b.t > bounds[0]`` in the bucket of its window."""
        cdef int64_t j
        if b.t > self.bounds[self.nb]:
            if b.t < self.overflow_min:
                self.overflow_min = b.t
            return bucket_push(&self.overflow, b)
        # a guess by multiplication (bounds are rounded, so the guess can be one off),
        # corrected against the bounds themselves; the ring index wraps without a division
        j = <int64_t> ((b.t - self.bounds[0]) * self.inv_width)
        if j >= self.nb:
            j = self.nb - 1
        if j < 0:
            j = 0
        while j > 0 and b.t <= self.bounds[j]:
            j -= 1
        while b.t > self.bounds[j + 1]:
            j += 1
        j += self.head
        if j >= self.nb:
            j -= self.nb
        return bucket_push(&self.ring[j], b)

    cdef int open_window(self, double t_end) noexcept nogil:
        """Move the present bucket's batches arriving by ``t_end`` into ``window``, in arrival
        order; later ones (a simulation that stops inside a window) stay in the bucket.
        Returns -1 when memory is exhausted."""
        cdef BatchBucket* cur = &self.ring[self.head]
        cdef int64_t i, kept = 0
        self.window.n = 0
        for i in range(cur.n):
            if cur.b[i].t <= t_end:
                if bucket_push(&self.window, &cur.b[i]) != 0:
                    return -1
            else:
                cur.b[kept] = cur.b[i]
                kept += 1
        cur.n = kept
        sort_batches(self.window.b, self.window.n)
        return 0

    cdef int close_window(self) noexcept nogil:
        """Retire the present window (it must be complete) and move the grid one window on."""
        cdef int64_t i, kept = 0
        cdef int rc = 0
        cdef double new_min = INFINITY
        self.window.n = 0
        self.head = (self.head + 1) % self.nb
        memmove(self.bounds, self.bounds + 1, self.nb * sizeof(double))
        self.first_step += self.step_width
        self.bounds[self.nb] = self._bound_after(self.bounds[self.nb - 1], self.nb)
        if self.overflow_min > self.bounds[self.nb]:
            return 0
        for i in range(self.overflow.n):
            if self.overflow.b[i].t <= self.bounds[self.nb]:
                if rc == 0:
                    rc = bucket_push(&self.ring[(self.head + self.nb - 1) % self.nb], &self.overflow.b[i])
            else:
                if self.overflow.b[i].t < new_min:
                    new_min = self.overflow.b[i].t
                self.overflow.b[kept] = self.overflow.b[i]
                kept += 1
        self.overflow.n = kept
        self.overflow_min = new_min
        return rc

    cdef int batch_spikes(self, const RowsView* tables, const SpikeBuffer* spikes, int64_t first,
                          const Grid* grid, const int32_t* gids) noexcept nogil:
        """Batch a window's spikes (``spikes`` from ``first`` on, sorted by time and neuron;
        ``gids``: the global ids of the engine indices) for the windows in which they arrive:
        per spike and table, one batch per run of equal delays in the sender's row.  An
        off-grid arrival that rounding puts at or before the present window's end is moved to
        the next representable time after it, so that a window never receives batches while it
        runs.

        A spike emitted exactly at the time of grid step k arrives through a delay of m whole
        steps at the time of step k + m (gridtime.pxd), the same double as every other input of
        that step: the spike is checked once, and a run's m read from its delay code.
        Returns -1 when memory is exhausted."""
        cdef double bound = self.bounds[1]
        cdef double after = nextafter(bound, INFINITY)
        cdef const RowsView* view
        cdef Batch batch
        cdef int table_id
        cdef int64_t i, s, e, row_lo, row_hi, step
        cdef bint gridded
        cdef SpikeOut* sp
        for i in range(first, spikes.n):
            sp = &spikes.data[i]
            gridded = on_grid(grid, sp.t, &step)
            batch.t_spike = sp.t
            batch.source = sp.neuron
            batch.gid = gids[sp.neuron]
            batch.mult = sp.mult
            for table_id in range(2):
                view = &tables[table_id]
                batch.table = table_id
                row_lo = view.off[sp.neuron]
                row_hi = view.off[sp.neuron + 1]
                s = row_lo
                while s < row_hi:
                    if view.shape[sp.neuron] & ROW_ONE_DELAY:
                        e = row_hi
                    else:
                        e = s + 1
                        while e < row_hi and same_delay(&view.delay, s, e):
                            e += 1
                    if gridded:
                        batch.t = arrival(grid, step, run_steps(view, grid, s), column_value(&view.delay, s))
                    else:
                        batch.t = sp.t + column_value(&view.delay, s)
                    if batch.t <= bound:
                        batch.t = after
                    batch.lo = <int32_t> (s - row_lo)
                    batch.hi = <int32_t> (e - row_lo)
                    if self.push(&batch) != 0:
                        return -1
                    s = e
        return 0


cdef void rows_view(SynapseTable table, object code_steps, object shapes, RowsView* view):
    """The routing columns of ``table``, with its delay codes in steps (``code_steps``, or None
    for a plain delay column) and its rows' RowShape flags (``shapes``, uint8 per source)."""
    view.off = table.off
    view.target = table.target
    view.weight = table.weight
    view.delay = table.delay
    view.port = table.port
    view.code_steps = <const int64_t*> cnp.PyArray_DATA(code_steps) if code_steps is not None else NULL
    view.shape = <const uint8_t*> cnp.PyArray_DATA(shapes)


cdef object delay_code_steps(SynapseTable table, const Grid* grid):
    """Each coded delay value of ``table`` in steps of ``grid`` (OFF_GRID when it is not a whole
    number of steps), so that batching converts delays once per value, not per run of synapses;
    None for a plain delay column."""
    values = table.code_values("delay")
    if values is None:
        return None
    return np.array([delay_steps(grid, d) for d in values.tolist()], dtype=np.int64)


def row_shapes(SynapseTable table, int64_t n_neurons):
    """Per source (uint8): its row's RowShape flags.  ROW_ONE_DELAY: every synapse of the row
    has the same delay, so that a spike makes one batch of the whole row without comparing
    delays synapse by synapse (rows of several delays are walked: BatchQueue.batch_spikes).
    ROW_ASCENDING: within each run of equal delays its targets do not decrease (rows built by
    target, as fixed_indegree and all_to_all make them), so that each thread bisects a batch
    for the synapses onto its own targets instead of reading them all."""
    offsets = table.offsets
    shapes = np.full(max(n_neurons, offsets.shape[0] - 1, 1), ROW_ONE_DELAY | ROW_ASCENDING, dtype=np.uint8)
    ids = table.identity("delay")
    targets = table.columns["target"]
    new_delay = ids[1:] != ids[:-1]
    # synapses k where the delay changes or the target decreases from synapse k - 1; inside a
    # row they clear its flags (at a row's first synapse, the pair spans two rows)
    k = np.flatnonzero(new_delay | (targets[1:] < targets[:-1])) + 1
    row = np.searchsorted(offsets, k, side="right") - 1
    inner = offsets[row] < k
    k, row = k[inner], row[inner]
    shapes[row[new_delay[k - 1]]] &= np.uint8(0xFF ^ ROW_ONE_DELAY)
    shapes[row[~new_delay[k - 1]]] &= np.uint8(0xFF ^ ROW_ASCENDING)
    return shapes
