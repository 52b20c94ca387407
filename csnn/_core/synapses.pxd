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
    cdef object _lookup                   # coded column -> {float64 bits: code}, in code order
    cdef object _values                   # coded column -> float64 array: value of each code
    # raw pointers to the routing columns, valid after ``build``.  weight and delay are either
    # one double per slot (``weight``) or a 16-bit code per slot into a small table of distinct
    # values (``weight_code``, ``weight_values``); the pointer of the other form is NULL
    cdef const int64_t* off
    cdef const int32_t* target
    cdef double* weight
    cdef const double* delay
    cdef const uint16_t* weight_code
    cdef const uint16_t* delay_code
    cdef const double* weight_values
    cdef const double* delay_values
    cdef const uint16_t* port
    cdef const uint16_t* model

    cdef void _bind(self)

    cdef inline double weight_of(self, int64_t slot) noexcept nogil:
        if self.weight_code != NULL:
            return self.weight_values[self.weight_code[slot]]
        return self.weight[slot]

    cdef inline double delay_of(self, int64_t slot) noexcept nogil:
        if self.delay_code != NULL:
            return self.delay_values[self.delay_code[slot]]
        return self.delay[slot]
