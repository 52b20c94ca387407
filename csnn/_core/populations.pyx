# cython: language_level=3
"""The neurons' population arrays seen from the core: each model's code, a model's helpers
applied to rows of its array (dispatch.pxd's apply_rows: initialize, commit, refresh, values,
failures), and which neuron's state stopped being finite when a run meets one.

The facade owns the arrays (one numpy struct array per model, of ``DTYPE`` in the model's
module); the engine binds their rows to engine indices at Prepare (Engine.bind).
"""
import importlib

import numpy as np

cimport numpy as cnp
from libc.stdint cimport int64_t

from csnn._core.dispatch cimport (ROWS_COMMIT, ROWS_FAILURES, ROWS_INITIALIZE, ROWS_REFRESH, ROWS_VALUES,
                                  apply_rows)
from csnn._core.model_list import MODELS
from csnn.errors import NumericalError

cnp.import_array()

#: model codes used by the facade's registry: a model's position in model_list.MODELS
MODEL_CODES = {name: code for code, (name, _, _) in enumerate(MODELS)}
_MODEL_NAMES = {code: name for name, code in MODEL_CODES.items()}
#: RowAction codes of :func:`apply_model_rows`
_ROW_ACTIONS = {"initialize": ROWS_INITIALIZE, "commit": ROWS_COMMIT, "refresh": ROWS_REFRESH,
                "values": ROWS_VALUES, "failures": ROWS_FAILURES}


def apply_model_rows(int model, cnp.ndarray data, cnp.int64_t[::1] sel, str action, int var, double t):
    """Apply model ``model``'s helper ``action`` to rows ``sel`` of its population array ``data``
    at time ``t`` (ms); returns one value per row (what ``"values"`` and ``"failures"`` give).

    ``action``: ``"initialize"`` (fresh rows start at t), ``"commit"`` (advance to t before a
    change), ``"refresh"`` (recompute cached crossings after a change), ``"values"`` (value of
    recordable ``var`` at t) or ``"failures"`` (inf, or when each row's state stopped being
    finite).
    """
    cdef int64_t n = sel.shape[0]
    cdef const int64_t* s = <const int64_t*> &sel[0] if n > 0 else NULL
    out = np.empty(n)
    cdef double[::1] out_view = out
    if action not in _ROW_ACTIONS:
        raise ValueError(f"csnn: unknown row action {action!r}")
    if apply_rows(model, <char*> cnp.PyArray_DATA(data), s, n, _ROW_ACTIONS[action], var, t,
                  &out_view[0] if n > 0 else NULL) != 0:
        raise ValueError(f"csnn: unknown model code {model}")
    return out


def check_finite(populations, gids, double t0, double t1):
    """Raise NumericalError for the first neuron (by global id, ``gids`` by engine index) of
    ``populations`` (model code, struct array, engine indices) whose state stopped being finite
    in the window (t0, t1] that the run stopped in (its clock still at t0); the model's module
    says what went wrong (``describe_failure``)."""
    found = []
    for model, data, nidx in populations:
        failed_at = apply_model_rows(model, data, np.arange(len(nidx), dtype=np.int64), "failures", 0, t0)
        rows = np.flatnonzero(failed_at < np.inf)
        if rows.size:
            found.append((gids[nidx[rows[0]]], model, data, int(rows[0]), float(failed_at[rows[0]])))
    if not found:
        return
    gid, model, data, row, failed_at = min(found, key=lambda f: f[0])
    name = _MODEL_NAMES[model]
    describe = getattr(importlib.import_module(f"csnn._core.{name}"), "describe_failure", None)
    values = {field: data[field][row] for field in data.dtype.names}
    what = (describe(values, t0, t1, failed_at) if describe is not None else
            f"the state became NaN or infinite between t = {t0} and {t1} ms")
    raise NumericalError(f"{name} neuron {gid}: {what}")
