# cython: language_level=3
"""Seeding of the engine's xoshiro256** streams from numpy's ``SeedSequence``.

A stream's seed depends only on ``(rng_seed, purpose, owner, block, ordinal)``: the kernel
seed, what the stream is for, the node that owns it, which of that node's ``Connect`` calls made
it and its ordinal in that call.  Creating other nodes or connections, or changing the thread
count, never changes a stream.
"""
import numpy as np

cimport numpy as cnp

cnp.import_array()

#: purposes of stream families (part of the SeedSequence spawn key)
PURPOSE_POISSON = 1
PURPOSE_CONNECT = 2
PURPOSE_PARAMETER = 3


def stream_states(rng_seed, purpose, owner, block, count):
    """Return ``count`` xoshiro256** states (uint64 array of shape (count, 4)).

    The states of one block (for instance, the targets of one ``Connect`` call from a
    generator) come from ``SeedSequence(rng_seed, spawn_key=(purpose, owner, block))``; row
    ``i`` seeds the block's ``i``-th stream.
    """
    seq = np.random.SeedSequence(rng_seed, spawn_key=(purpose, owner, block))
    states = seq.generate_state(4 * count, np.uint64).reshape(count, 4)
    zero = ~states.any(axis=1)
    states[zero, 0] = 1  # xoshiro's state must not be all zero
    return states


def exponential_draws(cnp.uint64_t[::1] state, Py_ssize_t n):
    """Draw ``n`` exponential(1) variates from one stream (for tests of the core generator)."""
    cdef Xoshiro256 st
    cdef Py_ssize_t i
    cdef cnp.ndarray[double, ndim=1] out = np.empty(n)
    for i in range(4):
        st.s[i] = state[i]
    for i in range(n):
        out[i] = next_exponential(&st)
    return out
