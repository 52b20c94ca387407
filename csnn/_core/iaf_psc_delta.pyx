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
"""
import numpy as np

from csnn._core.declarations import flat_dtype, parameter_doc, struct_dtype
from csnn._core.events import recordable_codes
from csnn._core.psc import reset_below_threshold

NAME = "iaf_psc_delta"

#: (name, default, unit, constraint, description); constraints are checked by the facade
PARAMETERS = (
    ("E_L", -70.0, "mV", "finite", "Resting membrane potential"),
    ("C_m", 250.0, "pF", "positive", "Membrane capacitance"),
    ("tau_m", 10.0, "ms", "positive", "Membrane time constant"),
    ("t_ref", 2.0, "ms", "nonnegative", "Duration of the refractory period"),
    ("V_th", -55.0, "mV", "threshold", "Spike threshold (inf: the neuron never fires)"),
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
RECORDABLES = recordable_codes(("V_m",))
ACCEPTS_CURRENT = True
PORTS = (0,)
# the documentation's tables of parameters and state, from the declaration above
__doc__ += parameter_doc(PARAMETERS, STATE, READ_ONLY, RECORDABLES)


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
#: the C struct's own dtype (declarations.py) and the population array's, its fields by name
STRUCT = struct_dtype(<IafPscDelta[:1]> &_probe, _probe)
DTYPE = flat_dtype(STRUCT)


def check_layout(rows):
    """sizeof the C struct, once Cython has taken ``rows`` (of STRUCT) as it (declarations.py)."""
    cdef IafPscDelta[::1] checked = rows
    return sizeof(IafPscDelta)
