# cython: language_level=3
"""The first threshold crossing of a trajectory with a rigorous upper bound (see crossing.pyx)."""

cdef enum:
    CROSSING_DEPTH = 40          # leaves of a 1 ms block are 2**-40 ms ~ 9.1e-13 ms wide
    CROSSING_STACK = 128

# an upper bound of the trajectory on [a, b] (times after the trajectory's start, ms)
# (the trajectory may memoize what it computes)
ctypedef double (*upper_bound_fn)(void* trajectory, double a, double b) noexcept nogil


cdef double first_crossing(upper_bound_fn bound, void* trajectory, double theta,
                           double s_from, double s_limit) noexcept nogil
