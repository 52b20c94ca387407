# cython: language_level=3
"""Recorded events: growable columns owned by one thin class, and the engine's recorders (see
recorders.pyx)."""
from libc.stdint cimport int32_t, int64_t

from csnn._core.events cimport SpikeBuffer
from csnn._core.stdp cimport WeightBuffer


cdef struct Sampler:
    # one multimeter attached to one neuron
    int32_t meter       # index of the multimeter
    int32_t column      # position of the neuron among the multimeter's targets
    int64_t j_next      # next sample index in the current window (sample time j * interval)


cdef struct MeterPlan:
    # a multimeter's samples in the current window: j_lo <= j <= j_hi, sample j at plan_time
    double interval
    double q            # 1 / interval when whole (sample times j / q), else 0
    double base         # the time of sample ``shift`` (ms): 0, or the multimeter's offset
    int64_t shift       # 0, or 1 with an offset (its first sample, j = 1, is at the offset)
    int64_t j_lo
    int64_t j_hi
    int64_t first_row   # log row of sample j_lo of the first target
    int32_t n_targets
    int32_t n_values
    const int32_t* variables   # recordable codes
    double* values      # the log's value column, reserved for this window


cdef class EventLog:
    cdef int64_t* senders
    cdef double* times
    cdef double* values        # row-major, n_values per event
    cdef int64_t n
    cdef int64_t cap
    cdef readonly int64_t total    # events ever recorded, including cleared ones
    cdef readonly int n_values

    cdef int reserve(self, int64_t rows) except -1
    cdef void unreserve(self, int64_t rows)
    cdef int append_spike(self, int64_t sender, double t) except -1


cdef class Recorders:
    cdef object spike_logs                  # EventLog per spike recorder
    cdef object sr_window                   # (n, 2) array: active interval (t_on, t_off]
    cdef object sr_pairs                    # (neurons, recorder) blocks attached
    cdef object sr_offsets, sr_index        # CSR: recorders of neuron i
    cdef object meter_logs                  # EventLog per multimeter
    cdef object meters                      # per multimeter: interval, t_on, t_off, variables, targets
    cdef object samplers                    # Sampler records by target (Slot.smp_lo, smp_hi)
    cdef MeterPlan* plans                   # per multimeter: its samples in the present chunk
    cdef object weight_logs                 # EventLog per weight recorder
    cdef bint changed                       # recorders added or attached since prepare

    cdef object prepare(self, int64_t n)
    cdef int64_t rows_per_window(self, double width) except -1
    cdef int plan_meters(self, double t0, double t1, const int32_t* gids) except -1
    cdef void trim_meters(self, double t_end)
    cdef int record_spikes(self, const SpikeBuffer* spikes, const int32_t* gids) except -1
    cdef int record_weights(self, WeightBuffer* weights) except -1


cdef inline double inverse_interval(double interval) noexcept nogil:
    """1 / interval when it is a whole number (then sample times are j / q, exactly rounded), else 0."""
    cdef double q = 1.0 / interval
    if q == <double> (<int64_t> q) and q * interval == 1.0:
        return q
    return 0.0


cdef inline double sample_time(int64_t j, double interval, double q) noexcept nogil:
    """The time of sample j (ms): j / q when q (inverse_interval) is not 0, else j * interval."""
    return j / q if q > 0.0 else j * interval


cdef inline double plan_time(const MeterPlan* plan, int64_t j) noexcept nogil:
    """The time of a multimeter's sample j (ms): ``base + (j - shift) interval``, computed as
    sample_time; without an offset (base 0, shift 0), j interval."""
    return plan.base + sample_time(j - plan.shift, plan.interval, plan.q)
