"""Rules that test or draw pairs do so ``BLOCK_PAIRS`` pairs at a time, to bound memory: the
blocks of rows they take (shared by :mod:`csnn.network.connect` and
:mod:`csnn.network.pairwise`)."""
import numpy as np

#: pairs tested at once (1 Mi: each int64 or float64 array of a block takes 8 MiB)
BLOCK_PAIRS = 2 ** 20


def row_blocks(row_sizes):
    """(start, stop) of consecutive rows holding ``BLOCK_PAIRS`` items or fewer together (one
    row alone when it holds more)."""
    ends = np.cumsum(row_sizes)
    start = 0
    while start < ends.size:
        before = ends[start - 1] if start else 0
        stop = max(start + 1, int(np.searchsorted(ends, before + BLOCK_PAIRS, side="right")))
        yield start, stop
        start = stop


def join(chunks):
    """The chunks of pairs one block at a time, as one array."""
    return np.concatenate(chunks) if chunks else np.zeros(0, np.int64)
