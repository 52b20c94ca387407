"""Functions of random parameters, as ``nest.math``: ``exp``, ``sin``, ``cos``, ``min``, ``max``, ``redraw``."""
import numpy as np

from .errors import BadParameterError
from .random import Parameter, as_parameter, redrawn

__all__ = ["exp", "sin", "cos", "min", "max", "redraw"]


def _apply(function, name, parameter):
    p = as_parameter(parameter)
    return Parameter(lambda rng, n: function(p.sample(rng, n)), f"{name}({p.description})")


def exp(parameter):
    """Exponential of a parameter."""
    return _apply(np.exp, "exp", parameter)


def sin(parameter):
    """Sine of a parameter (radians)."""
    return _apply(np.sin, "sin", parameter)


def cos(parameter):
    """Cosine of a parameter (radians)."""
    return _apply(np.cos, "cos", parameter)


def min(parameter, value):
    """Elementwise minimum of a parameter and a number."""
    return _apply(lambda x: np.minimum(x, value), f"min[{value}]", parameter)


def max(parameter, value):
    """Elementwise maximum of a parameter and a number."""
    return _apply(lambda x: np.maximum(x, value), f"max[{value}]", parameter)


def redraw(parameter, min, max):
    """Redraw values until they lie in [min, max] (e.g. to keep delays positive)."""
    p = as_parameter(parameter)
    if not min <= max:
        raise BadParameterError(f"redraw: min = {min} must not exceed max = {max}")
    return redrawn(p.sample, min, max, f"redraw({p.description}, min={min}, max={max})")
