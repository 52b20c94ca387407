"""Random parameters: ``csnn.random.normal(...)`` as in NEST 3, and NEST 2 distribution dicts.

A :class:`Parameter` is drawn once per node (``Create``, ``set``) or per connection (weights
and delays in ``syn_spec``), vectorised, from the kernel's seeded generator, so the same
``rng_seed`` gives the same network.  Parameters combine with arithmetic
(``2 * normal() + 1``) and the functions of :mod:`csnn.math`.

NEST 2 scripts give distributions as dicts, e.g. ``{'distribution': 'normal', 'mu': 0.0,
'sigma': 1.0}``; :func:`from_spec` turns them into parameters.
"""
import numbers

import numpy as np

from .errors import BadParameterError, BadTypeError, unknown_name

__all__ = ["Parameter", "uniform", "uniform_int", "normal", "lognormal", "exponential", "from_spec"]


class Parameter:
    """A value drawn per node or per connection: ``sample(rng, n)`` returns ``n`` values."""

    def __init__(self, draw, description):
        self._draw = draw
        self.description = description

    def sample(self, rng, n):
        """Draw ``n`` values (float array) from numpy Generator ``rng``."""
        values = np.asarray(self._draw(rng, n), dtype=float)
        return np.broadcast_to(values, (n,)).copy() if values.ndim == 0 else values

    def __repr__(self):
        return f"<csnn Parameter {self.description}>"

    # arithmetic -----------------------------------------------------------------------------

    def _combine(self, other, op, symbol, reflected=False):
        other_p = as_parameter(other)
        if reflected:
            return Parameter(lambda rng, n: op(other_p.sample(rng, n), self.sample(rng, n)),
                             f"({other_p.description} {symbol} {self.description})")
        return Parameter(lambda rng, n: op(self.sample(rng, n), other_p.sample(rng, n)),
                         f"({self.description} {symbol} {other_p.description})")

    def __add__(self, other):
        return self._combine(other, np.add, "+")

    def __radd__(self, other):
        return self._combine(other, np.add, "+", reflected=True)

    def __sub__(self, other):
        return self._combine(other, np.subtract, "-")

    def __rsub__(self, other):
        return self._combine(other, np.subtract, "-", reflected=True)

    def __mul__(self, other):
        return self._combine(other, np.multiply, "*")

    def __rmul__(self, other):
        return self._combine(other, np.multiply, "*", reflected=True)

    def __truediv__(self, other):
        return self._combine(other, np.divide, "/")

    def __rtruediv__(self, other):
        return self._combine(other, np.divide, "/", reflected=True)

    def __pow__(self, other):
        return self._combine(other, np.power, "**")

    def __neg__(self):
        return Parameter(lambda rng, n: -self.sample(rng, n), f"-{self.description}")


def constant(value):
    """A parameter that is ``value`` everywhere."""
    return Parameter(lambda rng, n: np.full(n, float(value)), repr(float(value)))


def as_parameter(value):
    """``value`` as a Parameter (numbers become constants)."""
    if isinstance(value, Parameter):
        return value
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return constant(value)
    raise BadTypeError(f"cannot combine a random parameter with {value!r} of type "
                       f"{type(value).__name__}: only numbers and parameters are accepted")


def _check(name, value, condition, accepted):
    if not (isinstance(value, numbers.Real) and not isinstance(value, bool) and np.isfinite(value)
            and condition(value)):
        raise BadParameterError(f"random parameter argument {name} = {value!r} is invalid: "
                                f"must be {accepted}")
    return float(value)


def uniform(min=0.0, max=1.0):
    """Uniform on [min, max)."""
    lo = _check("min", min, lambda v: True, "a finite number")
    hi = _check("max", max, lambda v: v > lo, f"a finite number > min = {lo}")
    return Parameter(lambda rng, n: rng.uniform(lo, hi, n), f"uniform(min={lo}, max={hi})")


def uniform_int(max):
    """Uniform integers 0, 1, ..., max - 1."""
    hi = _check("max", max, lambda v: v >= 1 and float(v).is_integer(), "an integer >= 1")
    return Parameter(lambda rng, n: rng.integers(0, int(hi), n).astype(float), f"uniform_int(max={int(hi)})")


def normal(mean=0.0, std=1.0):
    """Normal with mean ``mean`` and standard deviation ``std``."""
    mu = _check("mean", mean, lambda v: True, "a finite number")
    sd = _check("std", std, lambda v: v >= 0, "a finite number >= 0")
    return Parameter(lambda rng, n: rng.normal(mu, sd, n), f"normal(mean={mu}, std={sd})")


def lognormal(mean=0.0, std=1.0):
    """Lognormal: exp of a normal with mean ``mean`` and standard deviation ``std``."""
    mu = _check("mean", mean, lambda v: True, "a finite number")
    sd = _check("std", std, lambda v: v >= 0, "a finite number >= 0")
    return Parameter(lambda rng, n: rng.lognormal(mu, sd, n), f"lognormal(mean={mu}, std={sd})")


def exponential(beta=1.0):
    """Exponential with scale (mean) ``beta``."""
    b = _check("beta", beta, lambda v: v > 0, "a finite number > 0")
    return Parameter(lambda rng, n: rng.exponential(b, n), f"exponential(beta={b})")


def _clipped(draw, low, high, description):
    """Redraw values outside [low, high] (NEST 2's *_clipped distributions)."""
    def sample(rng, n):
        values = draw(rng, n)
        for _ in range(1000):
            bad = (values < low) | (values > high)
            if not bad.any():
                return values
            values[bad] = draw(rng, int(bad.sum()))
        raise BadParameterError(f"{description}: could not draw values inside [{low}, {high}] in "
                                "1000 attempts; the interval is too unlikely")
    return Parameter(sample, description)


# NEST 2 distribution dicts: name -> (required keys, optional keys with defaults, builder)
_NEST2 = {
    "uniform": ({}, {"low": 0.0, "high": 1.0}, lambda p: uniform(p["low"], p["high"])),
    "uniform_int": ({}, {"low": 0, "high": 1},
                    lambda p: uniform_int(p["high"] - p["low"] + 1) + float(p["low"])),
    "normal": ({}, {"mu": 0.0, "sigma": 1.0}, lambda p: normal(p["mu"], p["sigma"])),
    "normal_clipped": ({}, {"mu": 0.0, "sigma": 1.0, "low": -np.inf, "high": np.inf},
                       lambda p: _clipped(lambda rng, n: rng.normal(p["mu"], p["sigma"], n),
                                          p["low"], p["high"], f"normal_clipped({p})")),
    "lognormal": ({}, {"mu": 0.0, "sigma": 1.0}, lambda p: lognormal(p["mu"], p["sigma"])),
    "lognormal_clipped": ({}, {"mu": 0.0, "sigma": 1.0, "low": 0.0, "high": np.inf},
                          lambda p: _clipped(lambda rng, n: rng.lognormal(p["mu"], p["sigma"], n),
                                             p["low"], p["high"], f"lognormal_clipped({p})")),
    "exponential": ({}, {"lambda": 1.0}, lambda p: exponential(1.0 / _check("lambda", p["lambda"], lambda v: v > 0, "> 0"))),
    "gamma": ({}, {"order": 1.0, "scale": 1.0},
              lambda p: Parameter(lambda rng, n: rng.gamma(_check("order", p["order"], lambda v: v > 0, "> 0"),
                                                           _check("scale", p["scale"], lambda v: v > 0, "> 0"), n),
                                  f"gamma({p})")),
    "poisson": ({}, {"lambda": 1.0},
                lambda p: Parameter(lambda rng, n: rng.poisson(_check("lambda", p["lambda"], lambda v: v >= 0, ">= 0"), n),
                                    f"poisson({p})")),
    "binomial": ({}, {"n": 1, "p": 0.5},
                 lambda p: Parameter(lambda rng, n: rng.binomial(int(p["n"]), _check("p", p["p"], lambda v: 0 <= v <= 1, "in [0, 1]"), n),
                                     f"binomial({p})")),
}


def from_spec(spec, what):
    """A Parameter from a NEST 2 dict such as ``{'distribution': 'normal', 'mu': 1., 'sigma': .1}``.

    ``what`` names the argument in error messages (e.g. ``"syn_spec['weight']"``).
    """
    if "distribution" not in spec:
        raise BadParameterError(f"{what} = {spec!r} is a dict without 'distribution': give a number, "
                                "an array, a csnn.random parameter or a dict such as "
                                "{'distribution': 'normal', 'mu': 0.0, 'sigma': 1.0}")
    name = spec["distribution"]
    if name not in _NEST2:
        raise unknown_name(f"distribution in {what}", name, _NEST2, BadParameterError)
    _, optional, build = _NEST2[name]
    extra = set(spec) - {"distribution"} - set(optional)
    if extra:
        raise BadParameterError(f"{what}: unknown key(s) {sorted(extra)} for distribution {name!r}; "
                                f"valid: {sorted(optional)}")
    params = dict(optional)
    params.update({k: v for k, v in spec.items() if k != "distribution"})
    return build(params)
