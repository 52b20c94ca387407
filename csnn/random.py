"""Random parameters: ``csnn.random.normal(...)`` as in NEST 3, and NEST 2 distribution dicts.

A :class:`Parameter` is drawn once per node (``Create``, ``set``) or per connection (weights
and delays in ``syn_spec``), vectorised, from the kernel's seeded generator or, for the
connection rules drawn target by target, from each connection's own random streams
(:mod:`csnn.target_streams`), so the same ``rng_seed`` gives the same network on any number of
processes.  Parameters combine with arithmetic
(``2 * normal() + 1``) and the functions of :mod:`csnn.math`.

NEST 2 scripts give distributions as dicts, e.g. ``{'distribution': 'normal', 'mu': 0.0,
'sigma': 1.0}``; :func:`from_spec` turns them into parameters.
"""
import numbers

import numpy as np

from .errors import BadParameterError, BadTypeError, shown, to_float, unknown_name
from .target_streams import ConnectionDraws

__all__ = ["Parameter", "uniform", "uniform_int", "normal", "lognormal", "exponential", "from_spec",
           "create_parameter", "derived", "PARAMETER_TYPES"]


def _no_kernel():
    raise RuntimeError("csnn.random: no kernel has set the generator of Parameter.GetValue")


#: () -> the numpy Generator GetValue draws from: the present kernel's, set by the network layer
#: (csnn.network.kernel) when it is imported; this module lies below it and cannot ask it
_value_generator = _no_kernel


def set_value_generator(generator_of):
    """Make GetValue draw from ``generator_of()`` (the present kernel's generator)."""
    global _value_generator
    _value_generator = generator_of


class Parameter:
    """A value drawn per node or per connection: ``sample(rng, n)`` returns ``n`` values.

    Parameters combine with ``+ - * / **``, unary ``-`` and the comparisons ``< <= == != >=
    >`` (1.0 where true, 0.0 where false, for :func:`csnn.logic.conditional`), as NEST's do;
    a comparison is a Parameter, not a bool.  Spatial parameters (:mod:`csnn.spatial`) read
    the positions of the nodes or of a connection's ends from ``where`` (a
    :class:`csnn.spatial.parameters.Where`); the others ignore it.
    """

    def __init__(self, draw, description):
        self._draw = draw
        self.description = description

    def sample(self, rng, n, where=None):
        """Draw ``n`` values (float array) from numpy Generator ``rng``; spatial parameters
        read the positions they depend on from ``where``."""
        values = np.asarray(self._values(rng, n, where), dtype=float)
        return np.broadcast_to(values, (n,)).copy() if values.ndim == 0 else values

    def _values(self, rng, n, where):
        return self._draw(rng, n)

    def is_spatial(self):
        """Whether the values depend on positions (NEST's ``Parameter.is_spatial``)."""
        return False

    def GetValue(self):
        """One value (NEST's ``Parameter.GetValue``), drawn from the present kernel's generator
        (the one Connect and Create draw from), so that a seeded script draws the same values."""
        if self.is_spatial():
            raise BadParameterError(f"GetValue(): {self.description} depends on positions; give them with "
                                    "apply(nodes) (as in NEST)")
        return float(self.sample(_value_generator(), 1)[0])

    def apply(self, spatial_nc, positions=None):
        """NEST's ``Parameter.apply``: the values for the nodes of ``spatial_nc`` (created with
        positions), or, with ``positions``, for connections from the one node of
        ``spatial_nc`` to each of these positions (a tuple of values)."""
        rng, where, n = spatial_nc._spatial_context(positions)
        return tuple(self.sample(rng, n, where).tolist())

    def __repr__(self):
        return f"<csnn Parameter {self.description}>"

    # arithmetic and comparisons -----------------------------------------------------------

    def _combine(self, other, op, symbol, reflected=False):
        other_p = as_parameter(other)
        first, second = (other_p, self) if reflected else (self, other_p)
        return derived(op, f"({first.description} {symbol} {second.description})", first, second)

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
        return derived(np.negative, f"-{self.description}", self)

    def __pos__(self):
        return self

    def __lt__(self, other):
        return self._combine(other, _as_float(np.less), "<")

    def __le__(self, other):
        return self._combine(other, _as_float(np.less_equal), "<=")

    def __eq__(self, other):
        return self._combine(other, _as_float(np.equal), "==")

    def __ne__(self, other):
        return self._combine(other, _as_float(np.not_equal), "!=")

    def __ge__(self, other):
        return self._combine(other, _as_float(np.greater_equal), ">=")

    def __gt__(self, other):
        return self._combine(other, _as_float(np.greater), ">")

    # == gives a Parameter, so a Parameter hashes by identity (as every object by default)
    __hash__ = object.__hash__


class _Derived(Parameter):
    """A function of other parameters' values (arithmetic, comparisons, :mod:`csnn.math`):
    spatial when one of them is."""

    def __init__(self, function, description, operands):
        super().__init__(None, description)
        self._function, self._operands = function, operands

    def _values(self, rng, n, where):
        return self._function(*(operand.sample(rng, n, where) for operand in self._operands))

    def is_spatial(self):
        return any(operand.is_spatial() for operand in self._operands)


def derived(function, description, *operands):
    """A Parameter whose values are ``function(values of each operand)``, elementwise."""
    return _Derived(function, description, [as_parameter(operand) for operand in operands])


def _as_float(comparison):
    return lambda a, b: comparison(a, b).astype(float)


def constant(value):
    """A parameter that is ``value`` everywhere."""
    value = to_float(value, "a random parameter's constant")
    return Parameter(lambda rng, n: np.full(n, value), repr(value))


def as_parameter(value):
    """``value`` as a Parameter (numbers become constants)."""
    if isinstance(value, Parameter):
        return value
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return constant(value)
    raise BadTypeError(f"cannot combine a random parameter with {value!r} of type "
                       f"{type(value).__name__}: only numbers and parameters are accepted")


def _check(name, value, condition, accepted):
    """``value`` as a float if it is a number (not NaN) meeting ``condition``, else
    BadParameterError saying ``accepted``."""
    number = isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))
    if number:
        value = to_float(value, f"random parameter argument {name}")
    if not (number and not np.isnan(value) and condition(value)):
        raise BadParameterError(f"random parameter argument {name} = {shown(value)} is invalid: "
                                f"must be {accepted}")
    return value


def _finite(condition=lambda v: True):
    """``condition``, and the value is finite."""
    return lambda v: np.isfinite(v) and condition(v)


def uniform(min=0.0, max=1.0):
    """Uniform on [min, max)."""
    lo = _check("min", min, _finite(), "a finite number")
    hi = _check("max", max, _finite(lambda v: v > lo), f"a finite number > min = {lo}")
    return Parameter(lambda rng, n: rng.uniform(lo, hi, n), f"uniform(min={lo}, max={hi})")


def uniform_int(max):
    """Uniform integers 0, 1, ..., max - 1."""
    hi = _check("max", max, _finite(lambda v: 1 <= v < 2 ** 63 and v.is_integer()), "an integer in [1, 2**63)")
    return Parameter(lambda rng, n: rng.integers(0, int(hi), n).astype(float), f"uniform_int(max={int(hi)})")


def normal(mean=0.0, std=1.0):
    """Normal with mean ``mean`` and standard deviation ``std``."""
    mu = _check("mean", mean, _finite(), "a finite number")
    sd = _check("std", std, _finite(lambda v: v >= 0), "a finite number >= 0")
    return Parameter(lambda rng, n: rng.normal(mu, sd, n), f"normal(mean={mu}, std={sd})")


def lognormal(mean=0.0, std=1.0):
    """Lognormal: exp of a normal with mean ``mean`` and standard deviation ``std``."""
    mu = _check("mean", mean, _finite(), "a finite number")
    sd = _check("std", std, _finite(lambda v: v >= 0), "a finite number >= 0")
    return Parameter(lambda rng, n: rng.lognormal(mu, sd, n), f"lognormal(mean={mu}, std={sd})")


def exponential(beta=1.0):
    """Exponential with scale (mean) ``beta``."""
    b = _check("beta", beta, _finite(lambda v: v > 0), "a finite number > 0")
    return Parameter(lambda rng, n: rng.exponential(b, n), f"exponential(beta={b})")


class _Redrawn(Parameter):
    """``parameter`` drawn again where its values lie outside [low, high] (NEST 2's *_clipped
    distributions, :func:`csnn.math.redraw`).  Every round draws all values and keeps the new
    ones where the old were outside, so a value depends on its own draws only; with a
    connection's own draws (:mod:`csnn.target_streams`) the rounds take a branch of their own,
    since how many there are depends on the values of the connections drawn together."""

    def __init__(self, parameter, low, high, description):
        super().__init__(None, description)
        self._parameter, self._low, self._high = parameter, low, high

    def _values(self, rng, n, where):
        if isinstance(rng, ConnectionDraws):
            rng = rng.branch()
        values = self._parameter.sample(rng, n, where)
        for _ in range(1000):
            bad = (values < self._low) | (values > self._high)
            if not bad.any():
                return values
            values = np.where(bad, self._parameter.sample(rng, n, where), values)
        raise BadParameterError(f"{self.description}: no values inside [{self._low}, {self._high}] after 1000 "
                                "attempts; the interval is too unlikely")

    def is_spatial(self):
        return self._parameter.is_spatial()


def redrawn(parameter, low, high, description):
    """``parameter`` redrawn where its values lie outside [low, high]."""
    return _Redrawn(parameter, low, high, description)


def _clipped(draw, low, high, description):
    """NEST 2's *_clipped distributions: ``draw`` redrawn outside [low, high]."""
    if not low < high:
        raise BadParameterError(f"{description}: low = {low} must be smaller than high = {high}")
    return redrawn(Parameter(draw, description), low, high, description)


#: what NEST 2 distribution parameters accept: (description, condition on the float value)
_ANY = ("a finite number", _finite())
_POSITIVE = ("a finite number > 0", _finite(lambda v: v > 0))
_NONNEGATIVE = ("a finite number >= 0", _finite(lambda v: v >= 0))
_BOUND = ("a number or +-inf", lambda v: True)
_INTEGER = ("an integer", _finite(lambda v: v.is_integer() and abs(v) < 2 ** 62))
_PROBABILITY = ("a probability in [0, 1]", lambda v: 0 <= v <= 1)
# numpy draws Poisson and binomial numbers as 64-bit integers; its Poisson sampler refuses
# rates near 2**63
_RATE = ("a finite number in [0, 1e18]", lambda v: 0 <= v <= 1e18)
_TRIALS = ("an integer in [0, 2**62]", lambda v: v.is_integer() and 0 <= v <= 2 ** 62)


def _uniform_int(p):
    if not p["high"] >= p["low"]:
        raise BadParameterError(f"distribution 'uniform_int': high = {p['high']:g} must not be smaller than "
                                f"low = {p['low']:g}")
    return uniform_int(p["high"] - p["low"] + 1) + p["low"]


# NEST 2 distribution dicts: name -> ({parameter: (default, (accepted, condition))}, builder of
# a Parameter from the checked float values)
_NEST2 = {
    "uniform": ({"low": (0.0, _ANY), "high": (1.0, _ANY)}, lambda p: uniform(p["low"], p["high"])),
    "uniform_int": ({"low": (0, _INTEGER), "high": (1, _INTEGER)}, _uniform_int),
    "normal": ({"mu": (0.0, _ANY), "sigma": (1.0, _NONNEGATIVE)}, lambda p: normal(p["mu"], p["sigma"])),
    "normal_clipped": ({"mu": (0.0, _ANY), "sigma": (1.0, _NONNEGATIVE), "low": (-np.inf, _BOUND),
                        "high": (np.inf, _BOUND)},
                       lambda p: _clipped(lambda rng, n: rng.normal(p["mu"], p["sigma"], n),
                                          p["low"], p["high"], f"normal_clipped({p})")),
    "lognormal": ({"mu": (0.0, _ANY), "sigma": (1.0, _NONNEGATIVE)}, lambda p: lognormal(p["mu"], p["sigma"])),
    "lognormal_clipped": ({"mu": (0.0, _ANY), "sigma": (1.0, _NONNEGATIVE), "low": (0.0, _BOUND),
                           "high": (np.inf, _BOUND)},
                          lambda p: _clipped(lambda rng, n: rng.lognormal(p["mu"], p["sigma"], n),
                                             p["low"], p["high"], f"lognormal_clipped({p})")),
    "exponential": ({"lambda": (1.0, _POSITIVE)}, lambda p: exponential(1.0 / p["lambda"])),
    "gamma": ({"order": (1.0, _POSITIVE), "scale": (1.0, _POSITIVE)},
              lambda p: Parameter(lambda rng, n: rng.gamma(p["order"], p["scale"], n), f"gamma({p})")),
    "poisson": ({"lambda": (1.0, _RATE)},
                lambda p: Parameter(lambda rng, n: rng.poisson(p["lambda"], n), f"poisson({p})")),
    "binomial": ({"n": (1, _TRIALS), "p": (0.5, _PROBABILITY)},
                 lambda p: Parameter(lambda rng, n: rng.binomial(int(p["n"]), p["p"], n), f"binomial({p})")),
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
    if not isinstance(name, str) or name not in _NEST2:
        raise unknown_name(f"distribution in {what}", name, _NEST2, BadParameterError)
    accepted, build = _NEST2[name]
    extra = set(spec) - {"distribution"} - set(accepted)
    if extra:
        raise BadParameterError(f"{what}: unknown key(s) {sorted(map(str, extra))} for distribution {name!r}; "
                                f"valid: {sorted(accepted)}")
    params = {key: _check(f"{key!r} of {what}", spec.get(key, default), condition, description)
              for key, (default, (description, condition)) in accepted.items()}
    return build(params)


#: NEST 3's CreateParameter types of random parameters and constants: type -> the function
#: whose keywords its specs are (the spatial ones are csnn.spatial.PARAMETER_TYPES)
PARAMETER_TYPES = {"constant": lambda value: constant(value), "uniform": uniform, "uniform_int": uniform_int,
                   "normal": normal, "lognormal": lognormal, "exponential": exponential}


def create_parameter(parametertype, specs, types=PARAMETER_TYPES):
    """NEST 3's ``CreateParameter(parametertype, specs)``: ``('uniform', {'min': 0., 'max':
    1.})`` is ``uniform(min=0., max=1.)``; the keys of ``specs`` are the keywords of the
    function of the same name in ``types`` (``constant``: ``value``)."""
    if not isinstance(parametertype, str) or parametertype not in types:
        raise unknown_name("parameter type of CreateParameter", parametertype, types, BadParameterError)
    if not isinstance(specs, dict):
        raise BadTypeError(f"CreateParameter: specs = {specs!r} is invalid: give a dict such as {{'min': 0.0, "
                           "'max': 1.0}")
    build = types[parametertype]
    try:
        return build(**specs)
    except TypeError:
        accepted = build.__code__.co_varnames[:build.__code__.co_argcount]
        raise BadParameterError(f"CreateParameter: specs {sorted(specs)} do not fit {parametertype!r}; its keys: "
                                f"{', '.join(accepted)}") from None
