"""Conditions on parameters, as ``nest.logic``: :func:`conditional`."""
import numpy as np

from .random import as_parameter, derived

__all__ = ["conditional"]


def conditional(condition, param_if_true, param_if_false):
    """``param_if_true`` where ``condition`` (a comparison of parameters, such as
    ``csnn.spatial.distance < 0.5``) holds, else ``param_if_false`` (parameters or numbers).
    Both are drawn for every node or connection, the values of one kept: the values taken
    have the distribution NEST's have."""
    return derived(lambda where, yes, no: np.where(where != 0.0, yes, no),
                   f"conditional({as_parameter(condition).description}, {as_parameter(param_if_true).description}, "
                   f"{as_parameter(param_if_false).description})", condition, param_if_true, param_if_false)
