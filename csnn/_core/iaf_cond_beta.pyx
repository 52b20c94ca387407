# cython: language_level=3
"""iaf_cond_beta: leaky integrate-and-fire neuron with beta-shaped synaptic conductances.

Dynamics (NEST's iaf_cond_beta; Rotter and Diesmann 1999, Roth and van Rossum 2010)
    C_m dV/dt = -g_L (V - E_L) - g_ex (V - E_ex) - g_in (V - E_in) + I_e + I_stim(t),
    d(dg_X)/dt = -dg_X / tau_decay_X,    dg_X/dt = dg_X - g_X / tau_rise_X    (X = ex, in).
    A spike of weight w (nS) arriving at t_0 raises dg_ex by w c_ex when w > 0, dg_in by -w c_in
    otherwise (simultaneous spikes are summed by sign, as in NEST), so a single input gives

        g(t) = w c (e^{-s/tau_decay} - e^{-s/tau_rise}) / (1/tau_rise - 1/tau_decay),  s = t - t_0,

    normalised by c so that it peaks at w nS, at s = tau_rise tau_decay ln(tau_decay /
    tau_rise) / (tau_decay - tau_rise) (NEST's normalisation).  With tau_rise == tau_decay = tau
    it is the alpha function w (s/tau) e^{1 - s/tau}, approached continuously (NEST switches to
    that form when the time constants are within rounding; csnn's formulas, with expm1 and
    log1p, stay accurate however near they are).

Integration
    The conductances are computed in closed form (exact to rounding).  V is integrated by the
    adaptive Dormand-Prince 5(4) method of csnn/_core/ode.pxd with dense output, each step's
    local error in V held within ``error_tol`` (mV; default 1e-9, which keeps V within 1e-6 mV
    of a tight reference over seconds of input).  Steps run from the neuron's last input, spike
    or current change; an input ends the step that holds it exactly at its time (V there comes
    from the step's dense output), so it acts at its exact time, and window boundaries and
    Simulate calls never end a step: split simulations are bit-identical.  NEST integrates on
    its time grid with GSL's RKF45 at an absolute tolerance of 1e-3 and checks the threshold
    at the grid's steps; it has no parameter for the tolerance.

Spikes
    The neuron fires when V reaches V_th, at the continuous time of the crossing, found on each
    step's dense output (to ~1e-12 ms; no crossing inside a step is missed, see ode.pxd).  V is
    then reset to V_reset and held there over (t_spike, t_spike + t_ref], while the conductances
    keep evolving and receiving input (as in NEST); ``t_ref_remaining`` records what is left of
    the period (NEST: on its grid).  NEST evaluates the right-hand side with V capped at V_th,
    which matters only above threshold, where csnn has already fired.
"""
import numpy as np

from csnn._core.cond import (DTYPE, INPUT_PARAMETERS, MEMBRANE_PARAMETERS, READ_ONLY,
                             STATE_WITH_DERIVATIVES, beta_peak_factor, describe_failure, kernels)
from csnn._core.declarations import parameter_doc
from csnn._core.events import recordable_codes
from csnn._core.psc import reset_below_threshold

NAME = "iaf_cond_beta"
PARAMETERS = MEMBRANE_PARAMETERS + (
    ("tau_rise_ex", 0.2, "ms", "positive", "Rise time of the excitatory conductance"),
    ("tau_decay_ex", 0.2, "ms", "positive", "Decay time of the excitatory conductance"),
    ("tau_rise_in", 2.0, "ms", "positive", "Rise time of the inhibitory conductance"),
    ("tau_decay_in", 2.0, "ms", "positive", "Decay time of the inhibitory conductance"),
) + INPUT_PARAMETERS
STATE = STATE_WITH_DERIVATIVES
RECORDABLES = recordable_codes(("V_m", "g_ex", "g_in", "t_ref_remaining"))
ACCEPTS_CURRENT = True
PORTS = (0,)
# the documentation's tables of parameters and state, from the declaration above
__doc__ += parameter_doc(PARAMETERS, STATE, READ_ONLY, RECORDABLES)


def check(values):
    """The problem with a parameter combination the model cannot run with, or None."""
    return reset_below_threshold(NAME, values)


def derive(values):
    """The struct fields computed from the parameters: the beta kernels (g decays with
    tau_rise, dg with tau_decay; a weight of one nS raises dg by the factor that makes g peak
    at one nS) and 1 / C_m."""
    fields = {"inv_c_m": 1.0 / values["C_m"]}
    for kind in ("ex", "in"):
        rise = np.asarray(values[f"tau_rise_{kind}"], dtype=float)
        decay = np.asarray(values[f"tau_decay_{kind}"], dtype=float)
        fields.update(kernels(kind, rise, decay, 0.0, beta_peak_factor(rise, decay)))
    return fields
