# cython: language_level=3
"""iaf_psc_delta: leaky integrate-and-fire neuron with delta-shaped synaptic input.

Dynamics
    Between events the membrane potential follows

        C_m dV/dt = -(C_m / tau_m) (V - E_L) + I_e + I_stim(t),

    with ``I_stim`` the piecewise-constant current of connected generators.  csnn advances
    ``V`` with the exact solution, ``V(t) = V_inf + (V_0 - V_inf) exp(-(t - t_0) / tau_m)`` with
    ``V_inf = E_L + (I_e + I_stim) tau_m / C_m``, and clamps it to ``V_min``.

Synaptic input
    A spike of weight ``w`` (mV) arriving at ``t`` makes ``V`` jump by ``w`` at exactly ``t``.
    Simultaneous spikes are summed before the threshold is checked, as in NEST.

Spikes
    A neuron fires when ``V >= V_th``: either at the arrival of an input (the spike time is the
    arrival time) or, with ``V_inf > V_th``, on its own at the analytic crossing time
    ``t* = t_0 + tau_m ln((V_inf - V_0) / (V_inf - V_th))``.  Spike times are continuous; there is
    no time grid.  After a spike ``V`` is set to ``V_reset`` and held there for ``t_ref``.

Refractoriness (as NEST's ``iaf_psc_delta``)
    After a spike at ``t_spike`` the neuron is refractory over ``(t_spike, t_spike + t_ref]``:
    ``V`` stays at ``V_reset`` and input arriving then is discarded.  With ``refractory_input``
    true such input is instead decayed to the end of the period,
    ``w exp(-(t_spike + t_ref - t) / tau_m)``, summed, and added to ``V`` when the period ends
    (firing at once, at ``t_spike + t_ref``, if that reaches ``V_th``), as in NEST's
    ``iaf_psc_delta_ps``.  The closed end matches NEST's grid model, which is refractory for
    whole steps up to and including ``t_spike + t_ref``; NEST's ``iaf_psc_delta_ps`` accepts input
    arriving exactly at ``t_spike + t_ref``, an instant that continuous input times never hit.

Parameters
    ========== ======= ==========================================================
    E_L        mV      Resting membrane potential (default -70)
    C_m        pF      Membrane capacitance (default 250)
    tau_m      ms      Membrane time constant (default 10)
    t_ref      ms      Duration of the refractory period (default 2)
    V_th       mV      Spike threshold (default -55)
    V_reset    mV      Reset potential (default -70)
    I_e        pA      Constant input current (default 0)
    V_min      mV      Absolute lower bound of the membrane potential (default -DBL_MAX)
    refractory_input   Buffer input arriving while refractory (default False)
    ========== ======= ==========================================================

State
    ========== ======= ==========================================================
    V_m        mV      Membrane potential (default -70); recordable
    t_spike    ms      Time of the last spike, -1 before the first (read-only)
    ========== ======= ==========================================================
"""
import numpy as np

from csnn._core.psc import reset_below_threshold

NAME = "iaf_psc_delta"

#: (name, default, unit, constraint, description); constraints are checked by the facade
PARAMETERS = (
    ("E_L", -70.0, "mV", "finite", "Resting membrane potential"),
    ("C_m", 250.0, "pF", "positive", "Membrane capacitance"),
    ("tau_m", 10.0, "ms", "positive", "Membrane time constant"),
    ("t_ref", 2.0, "ms", "nonnegative", "Duration of the refractory period"),
    ("V_th", -55.0, "mV", "finite", "Spike threshold"),
    ("V_reset", -70.0, "mV", "finite", "Reset potential"),
    ("I_e", 0.0, "pA", "finite", "Constant input current"),
    ("V_min", -1.7976931348623157e308, "mV", "notnan", "Absolute lower bound of the membrane potential"),
    ("refractory_input", False, "", "bool", "Buffer input arriving while refractory"),
)
STATE = (
    ("V_m", -70.0, "mV", "finite", "Membrane potential"),
)
READ_ONLY = (
    ("t_spike", -1.0, "ms", "Time of the last spike, -1 before the first"),
)
RECORDABLES = ("V_m",)
ACCEPTS_CURRENT = True
PORTS = (0,)


def check(values):
    """The problem with a parameter combination the model cannot run with, or None.

    ``values`` maps names to arrays over the neurons being changed.
    """
    return reset_below_threshold(NAME, values)


def derive(values):
    """The struct fields computed from the parameters (``values``: arrays over neurons)."""
    tau_m = np.asarray(values["tau_m"], dtype=float)
    return {"inv_tau_m": 1.0 / tau_m, "r_m": tau_m / np.asarray(values["C_m"], dtype=float)}


cdef IafPscDelta _probe


def layout():
    """Field name -> (byte offset, numpy format) in the C struct, and the struct's size."""
    cdef char* base = <char*> &_probe
    fields = {
        "E_L": <char*> &_probe.p.E_L - base,
        "C_m": <char*> &_probe.p.C_m - base,
        "tau_m": <char*> &_probe.p.tau_m - base,
        "t_ref": <char*> &_probe.p.t_ref - base,
        "V_th": <char*> &_probe.p.V_th - base,
        "V_reset": <char*> &_probe.p.V_reset - base,
        "I_e": <char*> &_probe.p.I_e - base,
        "V_min": <char*> &_probe.p.V_min - base,
        "refractory_input": <char*> &_probe.p.refractory_input - base,
        "inv_tau_m": <char*> &_probe.p.inv_tau_m - base,
        "r_m": <char*> &_probe.p.r_m - base,
        "V_m": <char*> &_probe.s.V_m - base,
        "t": <char*> &_probe.s.t - base,
        "refr_end": <char*> &_probe.s.refr_end - base,
        "refr_input": <char*> &_probe.s.refr_input - base,
        "I_stim": <char*> &_probe.s.I_stim - base,
        "t_spike": <char*> &_probe.s.t_spike - base,
        "t_cross": <char*> &_probe.s.t_cross - base,
    }
    return {name: (offset, "f8") for name, offset in fields.items()}, sizeof(IafPscDelta)
