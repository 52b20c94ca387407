"""csnn's compiled engine.

The modules here are Cython extensions; the facade in :mod:`csnn` validates every input and
hands the core typed numpy arrays.  The core assumes valid arrays and skips bounds checks.
"""
