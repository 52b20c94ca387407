# cython: language_level=3
"""iaf_psc_exp: leaky integrate-and-fire neuron with exponential synaptic currents.

Dynamics
    C_m dV/dt = -(C_m / tau_m) (V - E_L) + I_syn_ex + I_syn_in + I_e + I_stim(t),
    dI_syn_X/dt = -I_syn_X / tau_syn_X.
    A spike of weight w (pA) arriving at t adds w to I_syn_ex when w > 0, to I_syn_in when
    w < 0 (simultaneous spikes are summed by sign, as in NEST).  Between events the state is
    advanced by the exact propagator (csnn/_core/psc_step.pxd), stable for every pair of time
    constants, including tau_syn == tau_m.

Spikes
    The neuron fires when V reaches V_th.  Because the synaptic currents keep changing V
    between inputs, V can rise above threshold and fall back between two events; csnn finds the
    first crossing exactly (csnn/_core/crossing.pyx with the bound of psc_bounds.pxd: rigorous
    bounds on the exact trajectory, refined to 2**-40 ms, never missing a crossing, even a
    grazing one).  After a spike V is set to V_reset and held there for t_ref,
    (t_spike, t_spike + t_ref], while the synaptic currents keep evolving and keep receiving
    input (as in NEST).

NEST's stochastic-threshold parameters of its grid model (``rho``, ``delta``) are not provided:
the threshold is deterministic, as in NEST's default (delta = 0) and its ``iaf_psc_exp_ps``.
"""
from csnn._core.declarations import parameter_doc
from csnn._core.events import recordable_codes
from csnn._core.psc import DTYPE, derive, describe_failure, reset_below_threshold

NAME = "iaf_psc_exp"
PARAMETERS = (
    ("E_L", -70.0, "mV", "finite", "Resting membrane potential"),
    ("C_m", 250.0, "pF", "positive", "Membrane capacitance"),
    ("tau_m", 10.0, "ms", "positive", "Membrane time constant"),
    ("t_ref", 2.0, "ms", "nonnegative", "Duration of the refractory period"),
    ("V_th", -55.0, "mV", "threshold", "Spike threshold (inf: the neuron never fires)"),
    ("V_reset", -70.0, "mV", "finite", "Reset potential"),
    ("I_e", 0.0, "pA", "finite", "Constant input current"),
    ("tau_syn_ex", 2.0, "ms", "positive", "Time constant of the excitatory synaptic current"),
    ("tau_syn_in", 2.0, "ms", "positive", "Time constant of the inhibitory synaptic current"),
)
STATE = (
    ("V_m", -70.0, "mV", "finite", "Membrane potential"),
    ("I_syn_ex", 0.0, "pA", "finite", "Excitatory synaptic current"),
    ("I_syn_in", 0.0, "pA", "finite", "Inhibitory synaptic current"),
)
READ_ONLY = (
    ("t_spike", -1.0, "ms", "Time of the last spike, -1 before the first"),
)
#: struct fields the model sets itself (not parameters)
FIXED = {"alpha": 0.0, "w_scale": 1.0, "flush": 0.0}
RECORDABLES = recordable_codes(("V_m", "I_syn_ex", "I_syn_in"))
ACCEPTS_CURRENT = True
PORTS = (0,)
# the documentation's tables of parameters and state, from the declaration above
__doc__ += parameter_doc(PARAMETERS, STATE, READ_ONLY, RECORDABLES)


def check(values):
    """The problem with a parameter combination the model cannot run with, or None."""
    return reset_below_threshold(NAME, values)
