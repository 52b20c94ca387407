# cython: language_level=3
"""The stimulation the engine owns: generators and their streams (see stimulation.pyx)."""
from libc.stdint cimport int32_t

from csnn._core.gridtime cimport Grid
from csnn._core.streams cimport Generator


cdef class Stimulation:
    cdef object _streams                    # Stream records (STREAM_DTYPE), in creation order
    cdef object _recorded                   # streams to spike recorders (drain_recorded), likewise
    cdef object st_perm                     # streams by target, then (source, rank)
    cdef Generator* generators
    cdef int32_t n_generators
    cdef object _generator_data             # keeps the generators' arrays alive
    cdef object _generator_tables           # per generator: its PoissonTables (grid Poisson) or None
    cdef Grid grid                          # the kernel's resolution grid (poisson_generator's steps)
