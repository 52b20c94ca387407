# cython: language_level=3
"""The threads of a chunk of windows: the parts of the engine indices they own, their team size,
barrier and wall clock (C), and what each leaves at a window's end merged into the chunk's
buffers in an order that does not depend on the thread count (see threads.pyx)."""
from libc.stdint cimport int32_t, int64_t

from csnn._core.events cimport SpikeBuffer, SpikeOut
from csnn._core.stdp cimport WeightBuffer
from csnn._core.targets cimport ThreadState


# the threads of a chunk: how many, their barrier, the wall clock
cdef extern from *:
    """
    #if defined(CSNN_OPENMP) && CSNN_OPENMP
    #include <omp.h>
    static int csnn_team_size(void) { return omp_get_num_threads(); }
    #else
    static int csnn_team_size(void) { return 1; }
    #endif
    #include <sched.h>
    #include <time.h>
    static double csnn_clock(void) {
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        return t.tv_sec + 1e-9 * t.tv_nsec;
    }
    /* A sense-reversing barrier for the threads of a chunk: each waits spinning briefly, then
       yielding its core, so that a thread the system has descheduled (more threads than free
       cores) gets to run instead of finding its peers spinning for a whole time slice, as an
       OpenMP barrier's waiters do.  Its stores and loads order the window's data as a barrier must. */
    typedef struct { int count; int sense; } csnn_barrier_t;
    static void csnn_barrier_init(csnn_barrier_t* b) { b->count = 0; b->sense = 0; }
    static void csnn_barrier_wait(csnn_barrier_t* b, int team, int* local_sense) {
        int sense = !*local_sense, spins = 0;
        *local_sense = sense;
        if (__atomic_add_fetch(&b->count, 1, __ATOMIC_ACQ_REL) == team) {
            __atomic_store_n(&b->count, 0, __ATOMIC_RELAXED);
            __atomic_store_n(&b->sense, sense, __ATOMIC_RELEASE);
            return;
        }
        while (__atomic_load_n(&b->sense, __ATOMIC_ACQUIRE) != sense) {
            if (++spins > 4000) sched_yield();
    #if defined(__x86_64__) || defined(__i386__)
            else __builtin_ia32_pause();
    #endif
        }
    }
    """
    ctypedef struct csnn_barrier_t:
        pass
    void csnn_barrier_init(csnn_barrier_t* b) nogil
    void csnn_barrier_wait(csnn_barrier_t* b, int team, int* local_sense) nogil
    int csnn_team_size() nogil
    double csnn_clock() nogil      # monotonic wall clock (s)


cdef inline int32_t part_start(int64_t n_neurons, int part, int n_parts) noexcept nogil:
    """The first engine index of thread part ``part`` (parts are equal ranges of indices; part
    n_parts starts past the last neuron)."""
    return <int32_t> (part * n_neurons // n_parts)


cdef inline void reset_threads(ThreadState* threads, int n_parts) noexcept nogil:
    """Empty the window's output of threads [0, n_parts)."""
    cdef int k
    for k in range(n_parts):
        threads[k].spikes.n = 0
        threads[k].weights.n = 0
        threads[k].delivered = 0
        threads[k].failed = 0
        threads[k].nonfinite = 0


cdef void free_threads(ThreadState* threads, int n_threads) noexcept nogil
cdef inline bint spike_before(const SpikeOut* a, const SpikeOut* b) noexcept nogil:
    """(time, neuron) order of emitted spikes: a total order (a neuron fires once at a time)."""
    return a.t < b.t or (a.t == b.t and a.neuron < b.neuron)


cdef int sort_spikes(SpikeOut* data, int64_t n, SpikeBuffer* scratch) noexcept nogil
cdef int merge_spike_runs(SpikeOut* data, int64_t n, const int64_t* starts, int64_t n_runs,
                          SpikeBuffer* scratch) noexcept nogil
cdef int collect_spikes(const ThreadState* threads, int n_parts, SpikeBuffer* chunk, SpikeBuffer* scratch) noexcept nogil
cdef int collect_weights(const ThreadState* threads, int n_parts, WeightBuffer* chunk) noexcept nogil
