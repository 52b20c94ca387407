# cython: language_level=3
"""The spike exchange of a run on several MPI processes.

Each process simulates the neurons it owns and emits their spikes; at the end of every window,
between the threads' barriers, thread 0 sends its window's spikes (``SpikeOut`` records, 16
bytes each) to every process and receives theirs: an ``MPI_Allgather`` of a 16-byte header per
process (its spike count and its status), then an ``MPI_Allgatherv`` of the spikes.  Every
process then holds the window's spikes of the whole network, sorted by (time, neuron) as one
process would have them, and batches them for its own synapses.

A process that fails in a window (a neuron's state not finite, memory exhausted) still takes
part in the exchange and reports it there, so that every process stops after the same window
and raises an error instead of waiting forever for a process that stopped.

The core is not linked against MPI: the facade (``csnn.network.processes``) hands over the
addresses of MPI_Allgather, MPI_Allgatherv and MPI_Abort in the MPI library mpi4py loaded, the handles of the
communicator and of ``MPI_BYTE``, and whether handles are C ints (MPICH and its derivatives) or
pointers (Open MPI); csnn without mpi4py never needs an MPI library.
"""
from libc.stdint cimport int64_t, intptr_t
from libc.stdlib cimport calloc, free, realloc

from csnn._core.events cimport SpikeOut
from csnn._core.threads cimport csnn_clock, merge_spike_runs

# MPI's signatures, with the handles as C ints (MPICH) or as pointers (Open MPI)
ctypedef int (*allgather_int)(const void*, int, int, void*, int, int, int) noexcept nogil
ctypedef int (*allgather_ptr)(const void*, int, void*, void*, int, void*, void*) noexcept nogil
ctypedef int (*allgatherv_int)(const void*, int, int, void*, const int*, const int*, int, int) noexcept nogil
ctypedef int (*allgatherv_ptr)(const void*, int, void*, void*, const int*, const int*, void*, void*) noexcept nogil
ctypedef int (*abort_int)(int, int) noexcept nogil
ctypedef int (*abort_ptr)(void*, int) noexcept nogil

cdef extern from "<stdio.h>" nogil:
    ctypedef struct FILE
    FILE* stderr
    int fprintf(FILE* stream, const char* format, ...)

#: bytes of one spike on the wire: a SpikeOut record
SPIKE_BYTES = sizeof(SpikeOut)


cdef int _allgather(Exchange* x, const void* mine, int nbytes, void* all) noexcept nogil:
    """Every process's ``nbytes`` bytes into ``all``, in rank order; MPI's error code."""
    if x.int_handles:
        return (<allgather_int> x.allgather)(mine, nbytes, <int> x.byte, all, nbytes, <int> x.byte, <int> x.comm)
    return (<allgather_ptr> x.allgather)(mine, nbytes, <void*> x.byte, all, nbytes, <void*> x.byte,
                                         <void*> x.comm)


cdef int _allgatherv(Exchange* x, const void* mine, int nbytes, void* all) noexcept nogil:
    """Every process's bytes (``x.counts``) into ``all`` at ``x.displs``; MPI's error code."""
    if x.int_handles:
        return (<allgatherv_int> x.allgatherv)(mine, nbytes, <int> x.byte, all, x.counts, x.displs,
                                               <int> x.byte, <int> x.comm)
    return (<allgatherv_ptr> x.allgatherv)(mine, nbytes, <void*> x.byte, all, x.counts, x.displs,
                                           <void*> x.byte, <void*> x.comm)


cdef void _abort(Exchange* x, const char* why) noexcept nogil:
    """End every process of the job (the others wait in a collective this one cannot join)."""
    fprintf(stderr, b"csnn: MPI process %d: %s; aborting every process\n", x.rank, why)
    if x.int_handles:
        (<abort_int> x.abort)(<int> x.comm, 1)
    else:
        (<abort_ptr> x.abort)(<void*> x.comm, 1)


cdef int exchange_window(Exchange* x, int status, const SpikeOut* spikes, int64_t n) noexcept nogil:
    """Send this process's window: its ``status`` and its ``n`` spikes (sorted by (time,
    neuron)); receive every process's into ``x.reports`` and ``x.all`` (sorted).  Returns the
    worst status of all processes; when the spikes do not fit in this one's memory (or in MPI's
    int counts), every process is aborted: the others are already in the collective."""
    cdef ProcessReport mine
    cdef int64_t total = 0, nbytes
    cdef int k, worst = PROCESS_OK
    cdef SpikeOut* grown
    cdef double t0 = csnn_clock()
    mine.n_spikes = n
    mine.status = status
    mine.rank = x.rank
    _allgather(x, &mine, sizeof(ProcessReport), x.reports)
    for k in range(x.n_ranks):
        if x.reports[k].status > worst:
            worst = x.reports[k].status
        x.displs[k] = <int> (total * sizeof(SpikeOut))
        x.starts[k] = total
        total += x.reports[k].n_spikes
        x.counts[k] = <int> (x.reports[k].n_spikes * sizeof(SpikeOut))
    if worst != PROCESS_OK:
        # every process learns it from the headers: none enters the second collective
        x.all.n = 0
        x.seconds += csnn_clock() - t0
        return worst
    nbytes = total * sizeof(SpikeOut)
    if nbytes > 0x7fffffff:
        _abort(x, b"a window's spikes exceed MPI's int count of bytes (134 million spikes)")
    if total > x.all.cap:
        grown = <SpikeOut*> realloc(x.all.data, total * sizeof(SpikeOut))
        if grown == NULL:
            _abort(x, b"out of memory for a window's spikes")
        x.all.data = grown
        x.all.cap = total
    if total > 0:
        _allgatherv(x, spikes, <int> (n * sizeof(SpikeOut)), x.all.data)
        # each process's spikes are sorted: merged into the (time, neuron) order one process has
        if merge_spike_runs(x.all.data, total, x.starts, x.n_ranks, &x.scratch) != 0:
            _abort(x, b"out of memory for a window's spikes")
    x.all.n = total
    x.n_exchanges += 1
    x.n_bytes += nbytes + x.n_ranks * sizeof(ProcessReport)
    x.seconds += csnn_clock() - t0
    return PROCESS_OK


cdef class SpikeExchange:
    """The spike exchange between ``n_ranks`` MPI processes, this one being ``rank``.

    ``allgather``, ``allgatherv``, ``abort``: addresses of MPI_Allgather, MPI_Allgatherv and
    MPI_Abort; ``comm``, ``byte``: the handles of the communicator and of MPI_BYTE;
    ``int_handles``: whether MPI handles are C ints (MPICH) or pointers (Open MPI).
    """

    def __cinit__(self, int rank, int n_ranks, intptr_t allgather, intptr_t allgatherv, intptr_t abort,
                  intptr_t comm, intptr_t byte, bint int_handles):
        if n_ranks < 1 or not 0 <= rank < n_ranks:
            raise ValueError(f"csnn: rank {rank} of {n_ranks} processes is invalid")
        if allgather == 0 or allgatherv == 0 or abort == 0:
            raise ValueError("csnn: the addresses of MPI_Allgather, MPI_Allgatherv and MPI_Abort are needed")
        self.x.rank = rank
        self.x.n_ranks = n_ranks
        self.x.allgather = <void*> allgather
        self.x.allgatherv = <void*> allgatherv
        self.x.abort = <void*> abort
        self.x.comm = comm
        self.x.byte = byte
        self.x.int_handles = int_handles
        self.x.reports = <ProcessReport*> calloc(n_ranks, sizeof(ProcessReport))
        self.x.counts = <int*> calloc(n_ranks, sizeof(int))
        self.x.displs = <int*> calloc(n_ranks, sizeof(int))
        self.x.starts = <int64_t*> calloc(n_ranks, sizeof(int64_t))
        if self.x.reports == NULL or self.x.counts == NULL or self.x.displs == NULL or self.x.starts == NULL:
            raise MemoryError("csnn: out of memory for the spike exchange")

    def __dealloc__(self):
        free(self.x.reports)
        free(self.x.counts)
        free(self.x.displs)
        free(self.x.starts)
        free(self.x.all.data)
        free(self.x.scratch.data)

    @property
    def rank(self):
        return self.x.rank

    @property
    def n_ranks(self):
        return self.x.n_ranks

    def gather(self, bytes mine):
        """Every process's ``mine`` (the same length on each), in rank order: a list of bytes."""
        cdef int nbytes = len(mine)
        out = bytearray(nbytes * self.x.n_ranks)
        cdef unsigned char[::1] view = out
        cdef const unsigned char* src = mine
        if nbytes > 0:
            with nogil:
                _allgather(&self.x, src, nbytes, &view[0])
        return [bytes(out[k * nbytes:(k + 1) * nbytes]) for k in range(self.x.n_ranks)]

    def failed_ranks(self):
        """The ranks whose last window ended in a failure."""
        return [k for k in range(self.x.n_ranks) if self.x.reports[k].status != PROCESS_OK]

    def statistics(self):
        """Windows exchanged, bytes received and wall time (s) in the collectives so far."""
        return {"exchanges": self.x.n_exchanges, "bytes": self.x.n_bytes, "seconds": self.x.seconds}
