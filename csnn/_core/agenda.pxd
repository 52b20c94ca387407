# cython: language_level=3
"""Which of a thread's neurons a window must close, without looking at every neuron.

A neuron is closed in a window when an input touched it there, when it is sampled, or when
one of its own events (a stream event, a possible threshold crossing) falls in the window:
its wake time (targets.pxd ``close``) is at most the window's end.  Reading every neuron's
wake time in every window costs O(neurons) per window, which dominates networks with short
delays and sparse activity (Masquelier et al. 2008: 2 000 parrots, windows of 0.1 ms, 35 %
of the instructions).  Each thread's Agenda keeps instead

- the due list: the neurons to close in the present window.  A neuron is on it exactly when
  its wake time is -inf (touch() puts a touched neuron there once);
- the next list: those closed now that must be closed in the next window as well (sampled,
  or an own event by the end of the next window);
- a calendar of the later wake times: a ring of AGENDA_BUCKETS buckets of one window's width
  each, bucket ``key`` holding the entries (time, neuron) with floor(time / width) = key, for
  the keys from the present window's on; an entry beyond the ring goes to a min-heap.  A
  window takes its due entries from the buckets up to its end's key, O(1) per entry; with a
  heap alone each cost two comparisons per level of a heap of all waiting neurons, 17 % of
  the engine's instructions in Masquelier's experiment (5 % with the calendar).  Since
  floor(t / width), computed in floating point, never decreases as t grows, an entry due by
  the window's end t1 lies in a bucket up to t1's, and one after t1 in t1's bucket or a later
  one: no rounding can make a window miss an entry or take one early.  ``queued[i]`` is the
  time of neuron i's live entry (inf: none); an entry whose time is not its neuron's
  ``queued`` is stale and dropped when it is reached.  A neuron whose wake time moves later
  keeps its earlier entry instead of a second one, so the calendar holds about one entry per
  neuron.

Closing a neuron earlier than its wake time, or twice, changes nothing: its state changes only
at its own events (targets.pxd), so the agenda decides cost, never results.
"""
from libc.math cimport INFINITY, floor
from libc.stdint cimport int32_t, int64_t
from libc.stdlib cimport calloc, free

from csnn._core.events cimport grow_array


cdef enum:
    AGENDA_BUCKETS = 1024       # the calendar's ring: windows ahead (a power of two)


cdef struct WakeEntry:
    double t            # when the neuron has an own event (ms)
    int32_t neuron      # its engine index


cdef struct NeuronList:
    int32_t* data
    int64_t n
    int64_t cap


cdef struct WakeList:
    WakeEntry* data
    int64_t n
    int64_t cap


cdef struct Agenda:
    NeuronList due      # closed in the present window
    NeuronList next     # closed in the next window too
    WakeList* ring      # AGENDA_BUCKETS buckets: key k's entries in ring[k % AGENDA_BUCKETS]
    int64_t first_key   # the earliest key with entries: the ring holds keys [first_key, + AGENDA_BUCKETS)
    double inv_width    # 1 / the windows' width (1/ms): an entry's key is floor(t * inv_width)
    WakeEntry* heap     # entries beyond the ring: min-heap by time
    int64_t n_heap
    int64_t cap_heap


cdef inline int list_push(NeuronList* lst, int32_t i) noexcept nogil:
    """Append a neuron; -1 when memory is exhausted."""
    if lst.n == lst.cap and grow_array(<void**> &lst.data, &lst.cap, sizeof(int32_t), 256) != 0:
        return -1
    lst.data[lst.n] = i
    lst.n += 1
    return 0


cdef inline void agenda_free(Agenda* a) noexcept nogil:
    cdef int64_t k
    free(a.due.data)
    free(a.next.data)
    free(a.heap)
    if a.ring != NULL:
        for k in range(AGENDA_BUCKETS):
            free(a.ring[k].data)
        free(a.ring)
    a.due.data = NULL
    a.next.data = NULL
    a.heap = NULL
    a.ring = NULL
    a.due.n = a.due.cap = a.next.n = a.next.cap = a.n_heap = a.cap_heap = 0


cdef inline int64_t _key(const Agenda* a, double t) noexcept nogil:
    """The bucket key of a finite time t (ms)."""
    return <int64_t> floor(t * a.inv_width)


cdef inline int agenda_reset(Agenda* a, int32_t lo, int32_t hi, int rank, int n_ranks, double t0, double width,
                             double* wake, double* queued) noexcept nogil:
    """Every neuron lo <= i < hi of this MPI process (i % n_ranks == rank) due in the next window
    (a run starts at t0, ms: any state may have been set), the calendar empty and its buckets
    ``width`` ms wide (the windows'); -1 when memory is exhausted."""
    cdef int32_t i
    cdef int64_t k
    if a.ring == NULL:
        a.ring = <WakeList*> calloc(AGENDA_BUCKETS, sizeof(WakeList))
        if a.ring == NULL:
            return -1
    for k in range(AGENDA_BUCKETS):
        a.ring[k].n = 0
    a.inv_width = 1.0 / width
    a.first_key = _key(a, t0)
    a.due.n = 0
    a.next.n = 0
    a.n_heap = 0
    i = lo + (rank - lo % n_ranks + n_ranks) % n_ranks       # the first of this process's
    while i < hi:
        wake[i] = -INFINITY
        queued[i] = INFINITY
        if list_push(&a.due, i) != 0:
            return -1
        i += n_ranks
    return 0


cdef inline int agenda_touch(Agenda* a, int32_t i, double* wake) noexcept nogil:
    """Neuron i received an input in the present window: close it there; -1 when memory is
    exhausted."""
    if wake[i] == -INFINITY:
        return 0
    wake[i] = -INFINITY
    return list_push(&a.due, i)


cdef inline int _heap_push(Agenda* a, double t, int32_t i) noexcept nogil:
    cdef int64_t k, parent
    if a.n_heap == a.cap_heap and grow_array(<void**> &a.heap, &a.cap_heap, sizeof(WakeEntry), 256) != 0:
        return -1
    k = a.n_heap
    a.n_heap += 1
    while k > 0:
        parent = (k - 1) >> 1
        if a.heap[parent].t <= t:
            break
        a.heap[k] = a.heap[parent]
        k = parent
    a.heap[k].t = t
    a.heap[k].neuron = i
    return 0


cdef inline void _heap_pop(Agenda* a) noexcept nogil:
    cdef int64_t k = 0, child
    cdef WakeEntry last
    a.n_heap -= 1
    if a.n_heap == 0:
        return
    last = a.heap[a.n_heap]
    while True:
        child = 2 * k + 1
        if child >= a.n_heap:
            break
        if child + 1 < a.n_heap and a.heap[child + 1].t < a.heap[child].t:
            child += 1
        if last.t <= a.heap[child].t:
            break
        a.heap[k] = a.heap[child]
        k = child
    a.heap[k] = last


cdef inline int _take_due(Agenda* a, double t, int32_t i, double* wake, double* queued) noexcept nogil:
    """An entry (t, i) reached: neuron i due now unless the entry is stale; -1 when memory is
    exhausted."""
    if queued[i] != t:
        return 0
    queued[i] = INFINITY
    return agenda_touch(a, i, wake)


cdef inline int agenda_wake(Agenda* a, double t1, double* wake, double* queued) noexcept nogil:
    """Put on the due list the neurons whose live entry falls by t1 (the window's end); -1 when
    memory is exhausted."""
    cdef int64_t last = _key(a, t1), key, k, kept
    cdef WakeList* bucket
    cdef WakeEntry e
    # the buckets up to t1's: theirs are due, but for those of t1's own key after t1 (floor(t
    # * inv_width) never decreases as t grows, so no later bucket holds an entry due by t1)
    for key in range(a.first_key, min(last + 1, a.first_key + AGENDA_BUCKETS)):
        bucket = &a.ring[key & (AGENDA_BUCKETS - 1)]
        kept = 0
        for k in range(bucket.n):
            e = bucket.data[k]
            if e.t > t1:
                bucket.data[kept] = e
                kept += 1
            elif _take_due(a, e.t, e.neuron, wake, queued) != 0:
                return -1
        bucket.n = kept
    if last > a.first_key:
        a.first_key = last
    while a.n_heap > 0 and a.heap[0].t <= t1:
        e = a.heap[0]
        _heap_pop(a)
        if _take_due(a, e.t, e.neuron, wake, queued) != 0:
            return -1
    return 0


cdef inline int _schedule(Agenda* a, double t, int32_t i) noexcept nogil:
    """An entry (t, i): in its bucket when the ring reaches its key, else in the heap; -1 when
    memory is exhausted."""
    cdef int64_t key
    cdef WakeList* bucket
    if t * a.inv_width >= <double> (a.first_key + AGENDA_BUCKETS):
        return _heap_push(a, t, i)
    # t is after the present window's end t1, so its key is at least t1's, first_key
    key = _key(a, t)
    bucket = &a.ring[key & (AGENDA_BUCKETS - 1)]
    if bucket.n == bucket.cap and grow_array(<void**> &bucket.data, &bucket.cap, sizeof(WakeEntry), 16) != 0:
        return -1
    bucket.data[bucket.n].t = t
    bucket.data[bucket.n].neuron = i
    bucket.n += 1
    return 0


cdef inline int agenda_plan(Agenda* a, int32_t i, double horizon, double* wake, double* queued) noexcept nogil:
    """Neuron i was just closed and its wake time set: due in the next window when it falls by
    ``horizon`` (the next window's expected end), else in the calendar; -1 when memory is
    exhausted."""
    cdef double t = wake[i]
    if t <= horizon:
        wake[i] = -INFINITY
        return list_push(&a.next, i)
    if t < queued[i]:
        queued[i] = t
        return _schedule(a, t, i)
    return 0


cdef inline void agenda_turn(Agenda* a) noexcept nogil:
    """The next window begins: its due list is what the present one planned."""
    cdef NeuronList done = a.due
    a.due = a.next
    a.next = done
    a.next.n = 0
