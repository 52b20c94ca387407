# cython: language_level=3
"""Recorded events: growable columns of senders, times and values, owned by one thin class.

A spike recorder appends (sender, time) once per spike and multiplicity; a multimeter reserves
all rows of a window at once (time-major, targets in id order within a time, as NEST orders
them) and each target writes its own values into its rows, in parallel with the others.
"""
import numpy as np

cimport numpy as cnp

from libc.stdlib cimport free, realloc
from libc.string cimport memcpy


cdef class EventLog:
    """Events of one recorder: ``senders`` (ids), ``times`` (ms) and ``n_values`` values each."""

    def __cinit__(self, int n_values=0):
        self.senders = NULL
        self.times = NULL
        self.values = NULL
        self.n = 0
        self.cap = 0
        self.total = 0
        self.n_values = n_values

    def __dealloc__(self):
        free(self.senders)
        free(self.times)
        free(self.values)

    cdef int reserve(self, int64_t rows) except -1:
        """Append ``rows`` rows whose contents the caller fills in."""
        cdef int64_t cap = self.cap
        cdef void* p
        if self.n + rows > cap:
            cap = max(2 * cap, self.n + rows, 64)
            p = realloc(self.senders, cap * sizeof(int64_t))
            if p == NULL:
                raise MemoryError(f"csnn: out of memory for {cap} recorded events")
            self.senders = <int64_t*> p
            p = realloc(self.times, cap * sizeof(double))
            if p == NULL:
                raise MemoryError(f"csnn: out of memory for {cap} recorded events")
            self.times = <double*> p
            if self.n_values > 0:
                p = realloc(self.values, cap * self.n_values * sizeof(double))
                if p == NULL:
                    raise MemoryError(f"csnn: out of memory for {cap} recorded samples")
                self.values = <double*> p
            self.cap = cap
        self.n += rows
        self.total += rows
        return 0

    cdef void truncate(self, int64_t rows):
        """Keep only the first ``rows`` rows (rows reserved and not filled)."""
        if rows < self.n:
            self.total -= self.n - rows
            self.n = rows

    cdef int append_spike(self, int64_t sender, double t) except -1:
        self.reserve(1)
        self.senders[self.n - 1] = sender
        self.times[self.n - 1] = t
        return 0

    @property
    def n_events(self):
        """Number of events held."""
        return self.n

    def arrays(self, int64_t start=0):
        """Copies of the rows from ``start`` on: (senders, times, values of shape (rows, n_values))."""
        cdef int64_t rows = max(self.n - start, 0)
        senders = np.empty(rows, dtype=np.int64)
        times = np.empty(rows, dtype=np.float64)
        values = np.empty((rows, self.n_values), dtype=np.float64)
        cdef cnp.int64_t[::1] s_view = senders
        cdef double[::1] t_view = times
        cdef double[:, ::1] v_view = values
        if rows > 0:
            memcpy(&s_view[0], self.senders + start, rows * sizeof(int64_t))
            memcpy(&t_view[0], self.times + start, rows * sizeof(double))
            if self.n_values > 0:
                memcpy(&v_view[0, 0], self.values + start * self.n_values, rows * self.n_values * sizeof(double))
        return senders, times, values

    def __reduce__(self):
        # a checkpoint (csnn.save) pickles the events held and the count of all ever recorded
        senders, times, values = self.arrays()
        return (_restore_log, (self.n_values, senders, times, values, self.total))

    def clear(self):
        """Forget the events held (memory is kept for reuse)."""
        self.n = 0

    def truncate(self, int64_t rows):
        """Keep the first ``rows`` events held, forget the later ones."""
        if 0 <= rows < self.n:
            self.n = rows


def _restore_log(int n_values, senders, times, values, int64_t total):
    """An EventLog holding the events its ``__reduce__`` gave (csnn.load)."""
    cdef EventLog log = EventLog(n_values)
    cdef int64_t rows = len(times)
    cdef cnp.int64_t[::1] s_view = np.ascontiguousarray(senders, dtype=np.int64)
    cdef double[::1] t_view = np.ascontiguousarray(times, dtype=np.float64)
    cdef double[:, ::1] v_view = np.ascontiguousarray(values, dtype=np.float64).reshape(rows, n_values)
    log.reserve(rows)
    if rows > 0:
        memcpy(log.senders, &s_view[0], rows * sizeof(int64_t))
        memcpy(log.times, &t_view[0], rows * sizeof(double))
        if n_values > 0:
            memcpy(log.values, &v_view[0, 0], rows * n_values * sizeof(double))
    log.total = total
    return log
