"""Functions of random parameters, as ``nest.math``: ``exp``, ``sin``, ``cos``, ``min``, ``max``, ``redraw``."""
import numpy as np

from .errors import BadParameterError
from .random import as_parameter, derived, redrawn

__all__ = ["exp", "sin", "cos", "min", "max", "redraw"]


def exp(parameter):
    """Exponential of a parameter."""
    return derived(np.exp, f"exp({as_parameter(parameter).description})", parameter)


def sin(parameter):
    """Sine of a parameter (radians)."""
    return derived(np.sin, f"sin({as_parameter(parameter).description})", parameter)


def cos(parameter):
    """Cosine of a parameter (radians)."""
    return derived(np.cos, f"cos({as_parameter(parameter).description})", parameter)


def min(parameter, value):
    """Elementwise minimum of a parameter and a number."""
    return derived(np.minimum, f"min({as_parameter(parameter).description}, {value})", parameter, value)


def max(parameter, value):
    """Elementwise maximum of a parameter and a number."""
    return derived(np.maximum, f"max({as_parameter(parameter).description}, {value})", parameter, value)


def redraw(parameter, min, max):
    """Redraw values until they lie in [min, max] (e.g. to keep delays positive)."""
    p = as_parameter(parameter)
    if not min <= max:
        raise BadParameterError(f"redraw: min = {min} must not exceed max = {max}")
    return redrawn(p, min, max, f"redraw({p.description}, min={min}, max={max})")
