# cython: language_level=3
"""The inbox: spikes in flight, bucketed by the min-delay window in which they arrive."""
from libc.stdint cimport int32_t, int64_t

from csnn._core.events cimport InEvent, grow_array


cdef struct Bucket:
    InEvent* ev
    int64_t n
    int64_t cap


cdef inline int bucket_push(Bucket* b, InEvent* e) noexcept nogil:
    """Append an event; returns -1 when memory is exhausted."""
    if b.n == b.cap and grow_array(<void**> &b.ev, &b.cap, sizeof(InEvent), 64) != 0:
        return -1
    b.ev[b.n] = e[0]
    b.n += 1
    return 0


cdef inline bint event_before(const InEvent* a, const InEvent* b) noexcept nogil:
    """Deterministic order of events: (time, source, rank)."""
    if a.t != b.t:
        return a.t < b.t
    if a.source != b.source:
        return a.source < b.source
    return a.rank < b.rank


cdef void sort_events(InEvent* ev, int64_t n) noexcept nogil


cdef struct InboxPart:
    # the events in flight to one contiguous range of targets [lo, hi); parts are filled and
    # opened by different threads
    Bucket* ring               # ring[(head + j) % nb] holds arrivals in window j after the current one
    Bucket overflow            # arrivals beyond bounds[nb]
    double overflow_min        # earliest arrival in the overflow bucket
    Bucket window              # events of the window being processed, grouped by target
    int64_t* offsets           # window.ev[offsets[i - lo]:offsets[i - lo + 1]] are target i's events
    int32_t lo
    int32_t hi


cdef class Inbox:
    cdef InboxPart* parts
    cdef int n_parts
    cdef double* bounds        # bounds[j] = start of window j (exclusive), j = 0..nb; bounds[0] = current window start
    cdef int64_t nb
    cdef int64_t head
    cdef double width
    cdef double inv_width      # 1 / width: the bucket guess multiplies
    cdef int64_t n_targets

    cdef int push(self, InEvent* e, int part) noexcept nogil
    cdef int part_of(self, int32_t target) noexcept nogil
    cdef int open_window(self, double t_end, int part, double* wake) noexcept nogil
    cdef int close_window(self) noexcept nogil
    cdef int regrid(self, double t_start, double width, double max_delay, int64_t n_targets,
                    int n_parts) except -1
