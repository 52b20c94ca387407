# cython: language_level=3
"""Synapses in a CSR by source (see synapses.pyx)."""
from libc.stdint cimport int32_t, int64_t, uint16_t


cdef struct CodedColumn:
    # a float64 column: one double per slot (``plain``), or a 16-bit code per slot into the
    # table of its distinct values (``code``, ``values``); the pointers of the other form are NULL
    double* plain
    const uint16_t* code
    const double* values


cdef inline double column_value(const CodedColumn* column, int64_t slot) noexcept nogil:
    if column.code != NULL:
        return column.values[column.code[slot]]
    return column.plain[slot]


cdef struct CodedPort:
    # the uint16 receptor port column: plain, or the codes of its coded group and each code's port
    const uint16_t* plain
    const uint16_t* code
    const uint16_t* values


cdef inline uint16_t port_value(const CodedPort* column, int64_t slot) noexcept nogil:
    if column.code != NULL:
        return column.values[column.code[slot]]
    return column.plain[slot]


cdef class SynapseTable:
    cdef readonly object offsets          # int64, n_sources + 1: row of each source
    cdef readonly dict columns            # name -> numpy array, one entry per slot
    cdef readonly double min_delay
    cdef readonly double max_delay
    cdef readonly int rank                # the table keeps the synapses onto targets i with
    cdef readonly int n_ranks             # i % n_ranks == rank (this MPI process's neurons)
    cdef object _pending                  # blocks (source, {name: array}) not merged yet
    cdef object _view                     # (n_sources, table): view()'s merge of the queue, until it changes
    cdef object _dtypes                   # name -> dtype of every column, coded ones included
    cdef object _defaults                 # name -> default of the columns that have one
    cdef object _coded                    # coded group -> its column names
    cdef object _lookup                   # coded group -> {int64 key: code}, in code order
    cdef object _values                   # column of a coded group -> its value of each code
    # raw pointers to the routing columns, valid after ``build``
    cdef const int64_t* off
    cdef const int32_t* target
    cdef CodedColumn weight
    cdef CodedColumn delay
    cdef CodedPort port

    cdef void _bind(self)
    cdef void _bind_coded(self, str name, CodedColumn* column)
