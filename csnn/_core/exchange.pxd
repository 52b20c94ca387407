# cython: language_level=3
"""The spike exchange of a run on several MPI processes (see exchange.pyx): one collective per
window, called by thread 0 without the GIL through MPI's own C functions."""
from libc.stdint cimport int32_t, int64_t, intptr_t

from csnn._core.events cimport SpikeBuffer, SpikeOut


cdef enum ExchangeStatus:
    # what a process reports with its window's spikes; the worst of all processes stops them all
    PROCESS_OK = 0
    PROCESS_NONFINITE = 1          # a neuron's state stopped being finite (NumericalError)
    PROCESS_OUT_OF_MEMORY = 2


cdef struct ProcessReport:
    # a process's header of a window: its spikes follow in the variable part
    int64_t n_spikes
    int32_t status                 # ExchangeStatus
    int32_t rank


cdef struct Exchange:
    int n_ranks
    int rank
    bint int_handles               # MPI handles are C ints (MPICH) rather than pointers (Open MPI)
    void* allgather                # MPI_Allgather and MPI_Allgatherv of the library mpi4py loaded
    void* allgatherv
    void* abort                    # MPI_Abort
    intptr_t comm                  # handles: the communicator, MPI_BYTE
    intptr_t byte
    ProcessReport* reports         # per rank, the last window's
    int* counts                    # per rank, bytes of spikes
    int* displs
    int64_t* starts                # per rank, where its spikes start in ``all``
    SpikeBuffer all                # the window's spikes of every process, sorted by (time, neuron)
    SpikeBuffer scratch            # what merging the processes' sorted spikes needs
    int64_t n_exchanges            # windows exchanged
    int64_t n_bytes                # bytes received
    double seconds                 # wall time in the collectives, waiting for the others included


cdef int exchange_window(Exchange* x, int status, const SpikeOut* spikes, int64_t n) noexcept nogil


cdef class SpikeExchange:
    cdef Exchange x
