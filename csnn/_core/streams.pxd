# cython: language_level=3
"""Stimulation devices as per-target event streams (see streams.pyx)."""
from libc.stdint cimport int32_t, int64_t

from csnn._core.rng cimport Xoshiro256


cdef enum GeneratorKind:
    GEN_SPIKES = 0      # spike_generator: explicit spike times
    GEN_POISSON = 1     # poisson_generator: piecewise-constant rate (Hz)
    GEN_CURRENT = 2     # dc_generator: piecewise-constant current (pA)


cdef struct Generator:
    int32_t kind
    int32_t gid
    const double* times     # GEN_SPIKES: emission times; otherwise schedule breakpoints (ms)
    const double* values    # GEN_SPIKES: spike weights (NULL: 1); otherwise value after each breakpoint
    const double* mults     # GEN_SPIKES: multiplicities (NULL: 1)
    int64_t n


cdef struct Stream:
    int32_t target      # engine index of the target neuron
    int32_t gen         # index of the generator
    int32_t source      # global id of the generator (tie order)
    int32_t rank        # ordinal of this connection at its generator (tie order)
    int32_t port        # receptor port
    int32_t pending     # CURRENT: the next change is the value at the stream's start
    double weight       # connection weight
    double delay        # connection delay (ms)
    double pos          # POISSON: time of the last emission or of the stream's start (ms)
    double budget       # POISSON: exponential(1) budget left for the next emission
    double next_emit    # POISSON: emission time of the next spike (ms)
    double next_t       # arrival time of the next event (ms), inf when none
    double next_value   # weight of the next spike, or current after the next change (pA)
    double value        # CURRENT: current in effect at the target (pA)
    int64_t cursor      # index of the next spike / breakpoint; POISSON: segment of pos
    int64_t next_mult   # multiplicity of the next spike
    Xoshiro256 rng      # POISSON: the stream's own random numbers


cdef void stream_start(Stream* s, Generator* g, double t0) noexcept nogil
cdef void stream_pop(Stream* s, Generator* g) noexcept nogil
cdef void stream_retime(Stream* s, Generator* g) noexcept nogil
