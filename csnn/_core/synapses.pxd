# cython: language_level=3
"""Synapses in a CSR by source (see synapses.pyx)."""
from libc.stdint cimport int32_t, int64_t, uint16_t


cdef class SynapseTable:
    cdef readonly object offsets          # int64, n_sources + 1: row of each source
    cdef readonly dict columns            # name -> numpy array, one entry per slot
    cdef readonly double min_delay
    cdef readonly double max_delay
    cdef object _pending                  # blocks (source, {name: array}) not merged yet
    cdef object _dtypes                   # name -> dtype of every column
    cdef object _defaults                 # name -> default of the columns that have one
    # raw pointers to the routing columns, valid after ``build``
    cdef const int64_t* off
    cdef const int32_t* target
    cdef double* weight
    cdef const double* delay
    cdef const uint16_t* port
    cdef const uint16_t* model

    cdef void _bind(self)
