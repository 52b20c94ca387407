"""Functions of parameters shaped as distributions, as ``nest.spatial_distributions``.

Each takes parameters (usually :data:`csnn.spatial.distance` or its components) and gives a
parameter: ``gaussian(csnn.spatial.distance, std=0.25)`` as a connection probability ``p``.
The values are NEST's: the densities' shapes, not normalised to 1 (except :func:`gamma`, which
is the gamma density).  ``x``, ``mean``, ``std``, ``beta`` and ``theta`` are in the units of
the positions; angles in degrees.
"""
import math

import numpy as np

from .errors import BadParameterError, to_float
from .random import as_parameter, derived

__all__ = ["exponential", "gaussian", "gaussian2D", "gamma", "gabor"]


def _number(name, value, positive=False):
    value = to_float(value, f"spatial distribution argument {name}") if not isinstance(value, bool) else None
    if value is None or not np.isfinite(value) or (positive and not value > 0):
        raise BadParameterError(f"spatial distribution argument {name} = {value!r} is invalid: must be a finite "
                                f"number{' > 0' if positive else ''}")
    return value


def _described(name, x, **numbers):
    arguments = ", ".join([as_parameter(x).description] + [f"{key}={value}" for key, value in numbers.items()])
    return f"{name}({arguments})"


def exponential(x, beta=1.0):
    """exp(-x / beta), beta > 0."""
    beta = _number("beta", beta, positive=True)
    return derived(lambda v: np.exp(-v / beta), _described("exponential", x, beta=beta), x)


def gaussian(x, mean=0.0, std=1.0):
    """exp(-(x - mean)^2 / (2 std^2)), std > 0."""
    mean, std = _number("mean", mean), _number("std", std, positive=True)
    return derived(lambda v: np.exp(-(v - mean) ** 2 / (2 * std * std)), _described("gaussian", x, mean=mean, std=std),
                   x)


def gaussian2D(x, y, mean_x=0.0, mean_y=0.0, std_x=1.0, std_y=1.0, rho=0.0):
    """The bivariate Gaussian's shape in (x, y): exp(-(dx^2/std_x^2 + dy^2/std_y^2 - 2 rho dx dy
    / (std_x std_y)) / (2 (1 - rho^2))) with dx = x - mean_x, dy = y - mean_y; std > 0, -1 < rho < 1."""
    mean_x, mean_y = _number("mean_x", mean_x), _number("mean_y", mean_y)
    std_x, std_y = _number("std_x", std_x, positive=True), _number("std_y", std_y, positive=True)
    rho = _number("rho", rho)
    if not -1 < rho < 1:
        raise BadParameterError(f"spatial distribution argument rho = {rho!r} is invalid: must lie in (-1, 1)")
    scale = 1 - rho * rho

    def shape(vx, vy):
        dx, dy = vx - mean_x, vy - mean_y
        return np.exp(-dx * dx / (2 * scale * std_x * std_x) - dy * dy / (2 * scale * std_y * std_y)
                      + dx * dy * rho / (scale * std_x * std_y))
    description = _described("gaussian2D", x, y=as_parameter(y).description, mean_x=mean_x, mean_y=mean_y,
                             std_x=std_x, std_y=std_y, rho=rho)
    return derived(shape, description, x, y)


def gamma(x, kappa=1.0, theta=1.0):
    """The gamma density x^(kappa - 1) exp(-x / theta) / (theta^kappa Gamma(kappa)); kappa, theta > 0."""
    kappa, theta = _number("kappa", kappa, positive=True), _number("theta", theta, positive=True)
    norm = (1 / theta) ** kappa / math.gamma(kappa)
    return derived(lambda v: v ** (kappa - 1) * np.exp(-v / theta) * norm,
                   _described("gamma", x, kappa=kappa, theta=theta), x)


def gabor(x, y, theta=0.0, gamma=1.0, std=1.0, lam=1.0, psi=0.0):
    """NEST's rectified Gabor function of displacements (x, y): with (x', y') the displacement
    turned by -theta degrees, exp(-(gamma^2 x'^2 + y'^2) / (2 std^2)) max(cos(2 pi y' / lam +
    psi), 0), psi in degrees; gamma, std > 0."""
    theta, psi, lam = _number("theta", theta), _number("psi", psi), _number("lam", lam)
    gamma, std = _number("gamma", gamma, positive=True), _number("std", std, positive=True)
    cos, sin = math.cos(math.radians(theta)), math.sin(math.radians(theta))

    def shape(vx, vy):
        along, across = vx * cos + vy * sin, -vx * sin + vy * cos
        envelope = np.exp(-(gamma * gamma * along * along + across * across) / (2 * std * std))
        return envelope * np.maximum(np.cos(2 * np.pi * across / lam + math.radians(psi)), 0.0)
    description = _described("gabor", x, y=as_parameter(y).description, theta=theta, gamma=gamma, std=std, lam=lam,
                             psi=psi)
    return derived(shape, description, x, y)
