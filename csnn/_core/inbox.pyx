# cython: language_level=3
"""The inbox: spikes in flight, bucketed by the min-delay window in which they arrive.

Windows are ``(bounds[j], bounds[j + 1]]`` with ``bounds[j + 1] = bounds[j] + width`` computed
by repeated addition from the grid's origin, so a spike emitted in a window at time ``t`` with a
delay ``d >= width`` arrives at ``fl(t + d) >= bounds[k + 1]``, never inside the window being
processed.  The one exception, ``fl(t + d) == bounds[k + 1]`` after rounding, is moved to the next
representable time (a shift of one ulp), so that a window never receives events while it runs.

A ring of ``nb`` buckets covers the maximal delay; later arrivals wait in an overflow bucket.
When a window opens, its events are grouped by target with a counting sort; each neuron then
sorts its own few events by (time, source, rank), in parallel with the others.  The targets are
split into equal ranges (parts, one per thread), each with its own ring, so that threads file
and open their parts' events at the same time.
"""
from libc.math cimport nextafter
from libc.stdlib cimport free, malloc, realloc, calloc
from libc.string cimport memmove

from csnn._core.events cimport INFINITY, InEvent

import numpy as np

cimport numpy as cnp

cnp.import_array()

cdef enum:
    NB_CAP = 65536  # ring size cap: later arrivals wait in the overflow bucket


cdef void _insertion_sort(InEvent* ev, int64_t n) noexcept nogil:
    cdef int64_t i, j
    cdef InEvent x
    for i in range(1, n):
        x = ev[i]
        j = i - 1
        while j >= 0 and event_before(&x, &ev[j]):
            ev[j + 1] = ev[j]
            j -= 1
        ev[j + 1] = x


cdef void sort_events(InEvent* ev, int64_t n) noexcept nogil:
    """In-place sort by (time, source, rank): quicksort, insertion sort for short runs.

    Spikes are routed in emission order, so with equal delays a neuron's events arrive sorted:
    that common case costs one pass.
    """
    cdef int64_t i
    for i in range(1, n):
        if event_before(&ev[i], &ev[i - 1]):
            break
    else:
        return
    _quicksort(ev, n)


cdef void _quicksort(InEvent* ev, int64_t n) noexcept nogil:
    cdef int64_t i, j, mid
    cdef InEvent pivot, tmp
    while n > 16:
        mid = n // 2
        # median of three into ev[mid]
        if event_before(&ev[mid], &ev[0]):
            tmp = ev[mid]; ev[mid] = ev[0]; ev[0] = tmp
        if event_before(&ev[n - 1], &ev[0]):
            tmp = ev[n - 1]; ev[n - 1] = ev[0]; ev[0] = tmp
        if event_before(&ev[n - 1], &ev[mid]):
            tmp = ev[n - 1]; ev[n - 1] = ev[mid]; ev[mid] = tmp
        pivot = ev[mid]
        i = 0
        j = n - 1
        while True:
            while event_before(&ev[i], &pivot):
                i += 1
            while event_before(&pivot, &ev[j]):
                j -= 1
            if i >= j:
                break
            tmp = ev[i]; ev[i] = ev[j]; ev[j] = tmp
            i += 1
            j -= 1
        # recurse into the smaller part, loop on the larger one
        if j + 1 < n - j - 1:
            _quicksort(ev, j + 1)
            ev += j + 1
            n -= j + 1
        else:
            _quicksort(ev + j + 1, n - j - 1)
            n = j + 1
    _insertion_sort(ev, n)


cdef void _free_parts(InboxPart* parts, int n_parts, int64_t nb) noexcept nogil:
    cdef int k
    cdef int64_t j
    if parts == NULL:
        return
    for k in range(n_parts):
        if parts[k].ring != NULL:
            for j in range(nb):
                free(parts[k].ring[j].ev)
            free(parts[k].ring)
        free(parts[k].overflow.ev)
        free(parts[k].window.ev)
        free(parts[k].offsets)
    free(parts)


cdef class Inbox:
    """Owner of the ring of window buckets, split by target range into parts (C structs freed
    in ``__dealloc__``).  With one part per thread, threads route and open windows in parallel
    without sharing a bucket; a neuron's events are the same whatever the parts, and each
    neuron sorts its own, so results do not depend on the split."""

    def __cinit__(self):
        self.parts = NULL
        self.n_parts = 0
        self.bounds = NULL
        self.nb = 0
        self.head = 0
        self.width = INFINITY
        self.inv_width = 0.0
        self.n_targets = 0

    def __dealloc__(self):
        _free_parts(self.parts, self.n_parts, self.nb)
        free(self.bounds)

    cdef int regrid(self, double t_start, double width, double max_delay, int64_t n_targets,
                    int n_parts) except -1:
        """Start a new window grid at ``t_start`` over ``n_targets`` targets split into
        ``n_parts`` equal ranges, keeping every event in flight."""
        cdef Bucket pending
        cdef int64_t j, i, nb
        cdef int k
        cdef InboxPart* parts
        cdef double* bounds
        cdef bint failed = False
        pending.ev = NULL
        pending.n = 0
        pending.cap = 0
        n_parts = max(1, min(n_parts, n_targets))
        try:
            for k in range(self.n_parts):
                for j in range(self.nb):
                    for i in range(self.parts[k].ring[j].n):
                        if bucket_push(&pending, &self.parts[k].ring[j].ev[i]) != 0:
                            raise MemoryError("csnn: out of memory while re-bucketing spikes in flight")
                for i in range(self.parts[k].overflow.n):
                    if bucket_push(&pending, &self.parts[k].overflow.ev[i]) != 0:
                        raise MemoryError("csnn: out of memory while re-bucketing spikes in flight")
            # in double precision first: a tiny width must not overflow the integer
            nb = <int64_t> min(max_delay / width + 2.0, <double> NB_CAP)
            parts = <InboxPart*> calloc(n_parts, sizeof(InboxPart))
            bounds = <double*> malloc((nb + 1) * sizeof(double))
            if parts != NULL:
                for k in range(n_parts):
                    parts[k].lo = <int32_t> (k * n_targets // n_parts)
                    parts[k].hi = <int32_t> ((k + 1) * n_targets // n_parts)
                    parts[k].overflow_min = INFINITY
                    parts[k].ring = <Bucket*> calloc(nb, sizeof(Bucket))
                    parts[k].offsets = <int64_t*> calloc(parts[k].hi - parts[k].lo + 1, sizeof(int64_t))
                    failed = failed or parts[k].ring == NULL or parts[k].offsets == NULL
            if parts == NULL or bounds == NULL or failed:
                _free_parts(parts, n_parts, nb)
                free(bounds)
                raise MemoryError("csnn: out of memory for the inbox ring")
            _free_parts(self.parts, self.n_parts, self.nb)
            free(self.bounds)
            self.parts = parts
            self.n_parts = n_parts
            self.bounds = bounds
            self.n_targets = n_targets
            self.nb = nb
            self.head = 0
            self.width = width
            self.inv_width = 1.0 / width
            bounds[0] = t_start
            for j in range(1, nb + 1):
                bounds[j] = bounds[j - 1] + width
            for i in range(pending.n):
                if self.push(&pending.ev[i], self.part_of(pending.ev[i].target)) != 0:
                    raise MemoryError("csnn: out of memory while re-bucketing spikes in flight")
        finally:
            free(pending.ev)
        return 0

    def pending(self):
        """Every event in flight (ring buckets and overflow), as the bytes of their InEvent
        records, for a checkpoint; :meth:`refill` files them again."""
        cdef int64_t n = 0, j, i
        cdef int k
        for k in range(self.n_parts):
            n += self.parts[k].overflow.n
            for j in range(self.nb):
                n += self.parts[k].ring[j].n
        out = np.empty(n * sizeof(InEvent), dtype=np.uint8)
        cdef InEvent* events = <InEvent*> cnp.PyArray_DATA(out)
        n = 0
        for k in range(self.n_parts):
            for j in range(self.nb):
                for i in range(self.parts[k].ring[j].n):
                    events[n] = self.parts[k].ring[j].ev[i]
                    n += 1
            for i in range(self.parts[k].overflow.n):
                events[n] = self.parts[k].overflow.ev[i]
                n += 1
        return out

    def refill(self, pending):
        """File the events :meth:`pending` gave into the present grid (all arrive after its
        start: they were in flight at the same time)."""
        cdef cnp.ndarray data = np.ascontiguousarray(pending, dtype=np.uint8)
        cdef InEvent* events = <InEvent*> cnp.PyArray_DATA(data)
        cdef int64_t i, n = data.shape[0] // sizeof(InEvent)
        for i in range(n):
            if self.push(&events[i], self.part_of(events[i].target)) != 0:
                raise MemoryError("csnn: out of memory for spikes in flight")

    cdef int part_of(self, int32_t target) noexcept nogil:
        """The part holding ``target``'s events."""
        cdef int k = <int> (target * <int64_t> self.n_parts // self.n_targets)
        while k > 0 and target < self.parts[k].lo:
            k -= 1
        while target >= self.parts[k].hi:
            k += 1
        return k

    cdef int push(self, InEvent* e, int part) noexcept nogil:
        """File an event with arrival ``e.t > bounds[0]`` in the bucket of its window, in
        ``part`` (the part of its target)."""
        cdef int64_t j
        cdef InboxPart* p = &self.parts[part]
        if e.t > self.bounds[self.nb]:
            if e.t < p.overflow_min:
                p.overflow_min = e.t
            return bucket_push(&p.overflow, e)
        # a guess by multiplication (bounds are sums of width, so the guess can be one off),
        # corrected against the bounds themselves; the ring index wraps without a division
        j = <int64_t> ((e.t - self.bounds[0]) * self.inv_width)
        if j >= self.nb:
            j = self.nb - 1
        if j < 0:
            j = 0
        while j > 0 and e.t <= self.bounds[j]:
            j -= 1
        while e.t > self.bounds[j + 1]:
            j += 1
        j += self.head
        if j >= self.nb:
            j -= self.nb
        return bucket_push(&p.ring[j], e)

    cdef int open_window(self, double t_end, int part, double* wake) noexcept nogil:
        """Group ``part``'s events of the current bucket with time <= ``t_end`` by target, and
        set ``wake`` of their targets to -inf (they must be processed in this window).

        Events after ``t_end`` (a simulation that stops inside a window) stay in the bucket.
        Returns -1 when memory is exhausted.
        """
        cdef InboxPart* p = &self.parts[part]
        cdef Bucket* cur = &p.ring[self.head]
        cdef int64_t i, kept = 0, n_in = 0, tgt, pos, acc, c
        cdef int64_t n_targets = p.hi - p.lo
        cdef int64_t* offsets = p.offsets
        cdef InEvent* grown
        for i in range(n_targets + 1):
            offsets[i] = 0
        for i in range(cur.n):
            if cur.ev[i].t <= t_end:
                offsets[cur.ev[i].target - p.lo + 1] += 1
                n_in += 1
        if n_in > p.window.cap:
            grown = <InEvent*> realloc(p.window.ev, n_in * sizeof(InEvent))
            if grown == NULL:
                return -1
            p.window.ev = grown
            p.window.cap = n_in
        acc = 0
        for i in range(n_targets + 1):
            c = offsets[i]
            offsets[i] = acc
            acc += c
        # offsets[i + 1] is used as the fill cursor of target lo + i, then restored below
        for i in range(cur.n):
            if cur.ev[i].t <= t_end:
                tgt = cur.ev[i].target - p.lo
                wake[cur.ev[i].target] = -INFINITY
                pos = offsets[tgt + 1]
                p.window.ev[pos] = cur.ev[i]
                offsets[tgt + 1] = pos + 1
            else:
                cur.ev[kept] = cur.ev[i]
                kept += 1
        cur.n = kept
        p.window.n = n_in
        return 0

    cdef int close_window(self) noexcept nogil:
        """Retire the current window (it must be complete) and open the grid one window on."""
        cdef int64_t i, kept
        cdef int k, rc = 0
        cdef double new_min
        cdef InboxPart* p
        self.head = (self.head + 1) % self.nb
        memmove(self.bounds, self.bounds + 1, self.nb * sizeof(double))
        self.bounds[self.nb] = self.bounds[self.nb - 1] + self.width
        for k in range(self.n_parts):
            p = &self.parts[k]
            p.window.n = 0
            if p.overflow_min > self.bounds[self.nb]:
                continue
            kept = 0
            new_min = INFINITY
            for i in range(p.overflow.n):
                if p.overflow.ev[i].t <= self.bounds[self.nb]:
                    if rc == 0:
                        rc = bucket_push(&p.ring[(self.head + self.nb - 1) % self.nb], &p.overflow.ev[i])
                else:
                    if p.overflow.ev[i].t < new_min:
                        new_min = p.overflow.ev[i].t
                    p.overflow.ev[kept] = p.overflow.ev[i]
                    kept += 1
            p.overflow.n = kept
            p.overflow_min = new_min
        return rc
