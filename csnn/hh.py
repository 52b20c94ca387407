"""Hodgkin-Huxley gate kinetics of ``hh_psc_alpha``, and a voltage clamp.

The rate functions are the model's own (computed by its compiled kernel), so what you analyse
here is what the neuron integrates::

    import csnn.hh as hh
    v = np.linspace(-100, 50, 301)
    n_inf, tau_n = hh.x_inf("n", v), hh.tau_x("n", v)
    clamp = hh.voltage_clamp([-65, 0, -65], [5, 20, 10])
    g_K = clamp["I_K"] / (clamp["V"] - clamp["E_K"])   # the classic exercise: g_K from I_K

Voltages are in mV, times in ms, rates in 1/ms, conductances in nS, currents in pA (positive
outward, NEST's convention).
"""
import numbers

import numpy as np

from ._core import hh_psc_alpha as _core
from .errors import BadParameterError

__all__ = ["alpha_m", "beta_m", "alpha_h", "beta_h", "alpha_n", "beta_n", "x_inf", "tau_x",
           "voltage_clamp"]

GATES = ("m", "h", "n")


def _rate(name, v):
    values = _core.rates(v)[name]
    return float(values) if np.ndim(v) == 0 else values


def alpha_m(v):
    """Sodium activation opening rate (1/ms) at v (mV)."""
    return _rate("alpha_m", v)


def beta_m(v):
    """Sodium activation closing rate (1/ms)."""
    return _rate("beta_m", v)


def alpha_h(v):
    """Sodium inactivation opening rate (1/ms)."""
    return _rate("alpha_h", v)


def beta_h(v):
    """Sodium inactivation closing rate (1/ms)."""
    return _rate("beta_h", v)


def alpha_n(v):
    """Potassium activation opening rate (1/ms)."""
    return _rate("alpha_n", v)


def beta_n(v):
    """Potassium activation closing rate (1/ms)."""
    return _rate("beta_n", v)


def _check_gate(gate):
    if gate not in GATES:
        raise BadParameterError(f"gate = {gate!r} is invalid; accepted: 'm', 'h', 'n'")


def x_inf(gate, v):
    """Steady state alpha_x / (alpha_x + beta_x) of gate 'm', 'h' or 'n' at v (mV)."""
    _check_gate(gate)
    rates = _core.rates(v)
    value = rates[f"alpha_{gate}"] / (rates[f"alpha_{gate}"] + rates[f"beta_{gate}"])
    return float(value) if np.ndim(v) == 0 else value


def tau_x(gate, v):
    """Time constant 1 / (alpha_x + beta_x) (ms) of gate 'm', 'h' or 'n' at v (mV)."""
    _check_gate(gate)
    rates = _core.rates(v)
    value = 1.0 / (rates[f"alpha_{gate}"] + rates[f"beta_{gate}"])
    return float(value) if np.ndim(v) == 0 else value


def voltage_clamp(V_steps, durations, dt=0.01, V_hold=None, params=None):
    """Clamp the membrane at ``V_steps[k]`` (mV) for ``durations[k]`` (ms), one after the other.

    The gates start at their steady state at ``V_hold`` (default: the first step) and follow
    their exact solution at each constant voltage, x(t) = x_inf + (x_0 - x_inf) e^{-t/tau_x}.
    ``params`` overrides hh_psc_alpha's defaults (g_Na, g_K, g_L, E_Na, E_K, E_L).  Returns a
    dict of arrays sampled every ``dt``: times, V, m, h, n, g_Na = g_Na m^3 h and g_K = g_K n^4
    (nS), I_Na, I_K and I_L (pA), plus the reversal potentials E_Na, E_K, E_L used.
    """
    steps = np.atleast_1d(np.asarray(V_steps, dtype=float))
    lengths = np.atleast_1d(np.asarray(durations, dtype=float))
    if steps.size == 0 or steps.size != lengths.size:
        raise BadParameterError(f"voltage_clamp: V_steps has {steps.size} values and durations {lengths.size}; "
                                "give one duration (ms) per voltage step")
    if not np.all(np.isfinite(steps)):
        raise BadParameterError(f"voltage_clamp: V_steps must be finite, got {steps.tolist()}")
    if not np.all(np.isfinite(lengths) & (lengths > 0)):
        raise BadParameterError(f"voltage_clamp: durations must be finite and > 0 ms, got {lengths.tolist()}")
    if isinstance(dt, bool) or not isinstance(dt, numbers.Real) or not np.isfinite(dt) or dt <= 0:
        raise BadParameterError(f"voltage_clamp: dt = {dt!r} is invalid: must be a finite number > 0 (ms)")
    p = {name: default for name, default, *_ in _core.PARAMETERS}
    unknown = set(params or {}) - set(p)
    if unknown:
        raise BadParameterError(f"voltage_clamp: unknown parameter(s) {sorted(unknown)}; valid: {sorted(p)}")
    p.update(params or {})
    hold = steps[0] if V_hold is None else float(V_hold)
    gates = {g: x_inf(g, hold) for g in GATES}
    times, volts, traces = [], [], {g: [] for g in GATES}
    t0 = 0.0
    for v, length in zip(steps, lengths):
        t = np.arange(0.0, length, dt)
        for g in GATES:
            inf, tau = x_inf(g, v), tau_x(g, v)
            traces[g].append(inf + (gates[g] - inf) * np.exp(-t / tau))
            gates[g] = inf + (gates[g] - inf) * np.exp(-length / tau)
        times.append(t0 + t)
        volts.append(np.full(t.size, v))
        t0 += length
    out = {"times": np.concatenate(times), "V": np.concatenate(volts)}
    out.update({g: np.concatenate(traces[g]) for g in GATES})
    out["g_Na"] = p["g_Na"] * out["m"] ** 3 * out["h"]
    out["g_K"] = p["g_K"] * out["n"] ** 4
    out["I_Na"] = out["g_Na"] * (out["V"] - p["E_Na"])
    out["I_K"] = out["g_K"] * (out["V"] - p["E_K"])
    out["I_L"] = p["g_L"] * (out["V"] - p["E_L"])
    out.update(E_Na=p["E_Na"], E_K=p["E_K"], E_L=p["E_L"])
    return out
