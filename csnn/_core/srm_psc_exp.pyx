# cython: language_level=3
"""srm_psc_exp: the spike response model of Masquelier, Guyonneau & Thorpe (2008).

Dynamics
    The potential V (arbitrary units, 0 at rest) is a sum of kernels,

        V(t) = eta(t - t_hat) + sum over input spikes j after t_hat of  w_j eps(t - t_j),

    with t_hat the neuron's last spike and, for s >= 0,

        eps(s) = K (exp(-s / tau_m) - exp(-s / tau_s)),     K such that max eps = 1,
        eta(s) = V_th (K1 exp(-s / tau_m) - K2 (exp(-s / tau_m) - exp(-s / tau_s))),

    so a spike of weight w evokes a postsynaptic potential that peaks at w (about 4.6 ms after
    the spike for the defaults), and each output spike flushes all running postsynaptic
    potentials and starts the after-potential eta: a positive spike (K1 V_th at s = 0) followed
    by a negative undershoot.  Both kernels are sums of the two exponentials, so V is the
    membrane of a current-based LIF neuron (tau_m, synaptic time constant tau_s, C_m = 1) and
    csnn integrates it exactly with the propagators of csnn/_core/psc_step.pxd: an input adds w / K'
    to the synaptic current (K' the peak response to a unit current), a spike sets V to K1 V_th
    and the current to K2 V_th (1/tau_m - 1/tau_s).  Weights may be negative (inhibitory
    kernels, same shape).

Spikes
    The neuron fires when V reaches V_th, found exactly between inputs (csnn/_core/crossing.pyx:
    never missing a crossing).  For t_ref after a spike it cannot fire again (V evolves and
    receives input meanwhile: nothing is held); if V is at or above V_th when t_ref ends, it
    fires at once.  t_ref must cover the supra-threshold start of eta (eta(t_ref) < V_th);
    with the defaults eta falls below V_th 0.86 ms after the spike, and t_ref = 1 ms is the
    refractory period of the Brian 2 replication (Hathway & Goodman 2018).  The paper's
    defaults: tau_m = 10 ms, tau_s = 2.5 ms, V_th = 500, K1 = 2, K2 = 4.
"""
import numpy as np

from csnn._core.declarations import flat_dtype, parameter_doc
from csnn._core.events import recordable_codes
from csnn._core.psc import RENAME, STRUCT, describe_failure, rates, synapse_response

NAME = "srm_psc_exp"
PARAMETERS = (
    ("tau_m", 10.0, "ms", "positive", "Membrane time constant (decay of the kernels)"),
    ("tau_s", 2.5, "ms", "positive", "Synaptic time constant (rise of the postsynaptic potential)"),
    ("V_th", 500.0, "", "positive", "Spike threshold above rest (arbitrary units)"),
    ("K1", 2.0, "", "nonnegative", "Spike amplitude of the after-potential, in units of V_th"),
    ("K2", 4.0, "", "nonnegative", "Undershoot amplitude of the after-potential, in units of V_th"),
    ("t_ref", 1.0, "ms", "nonnegative", "Time after a spike without spikes"),
)
STATE = (
    ("V_m", 0.0, "", "finite", "Potential above rest (arbitrary units)"),
)
READ_ONLY = (
    ("t_spike", -1.0, "ms", "Time of the last spike, -1 before the first"),
)
#: struct fields the model sets itself: the LIF membrane its kernels amount to
FIXED = {"alpha": 0.0, "flush": 1.0, "E_L": 0.0, "C_m": 1.0, "I_e": 0.0}
RECORDABLES = recordable_codes(("V_m",))
ACCEPTS_CURRENT = False
PORTS = (0,)
# the documentation's tables of parameters and state, from the declaration above
__doc__ += parameter_doc(PARAMETERS, STATE, READ_ONLY, RECORDABLES)
#: psc.pxd's struct, with tau_s naming the excitatory synaptic time constant
DTYPE = flat_dtype(STRUCT, RENAME, aliases={"tau_s": "tau_syn_ex"})


def _peak_response(tau_m, tau_s):
    """Peak of the membrane's response to a unit current jump (C_m = 1), reached at
    h* = tau_s ln(tau_m / tau_s) / (1 - tau_s / tau_m) (h* = tau_m when they are equal)."""
    r = np.asarray(tau_s, float) / np.asarray(tau_m, float)
    # ln(1/r) / (1 - r) -> 1 as r -> 1; log1p keeps it accurate near there
    ratio = np.where(r == 1.0, 1.0, -np.log1p(r - 1.0) / np.where(r == 1.0, 1.0, 1.0 - r))
    return synapse_response(tau_s * ratio, tau_m, tau_s)


def _after_potential(values, s):
    """eta(s) of each neuron (``values``: arrays of parameters)."""
    tau_m, tau_s, v_th = (np.asarray(values[k], float) for k in ("tau_m", "tau_s", "V_th"))
    k1, k2 = np.asarray(values["K1"], float), np.asarray(values["K2"], float)
    return v_th * (k1 * np.exp(-s / tau_m) + k2 * (1.0 / tau_m - 1.0 / tau_s) * synapse_response(s, tau_m, tau_s))


def derive(values):
    """The struct fields that follow from the parameters (``values``: arrays over neurons).
    Steps take no frames (psc_step.pxd): the model's experiments are single neurons under many
    afferents, whose inputs share no times with other neurons (each would miss the frame
    cache), and Masquelier et al.'s learning, chaotic to the last bit, stays as it was."""
    tau_m, tau_s, v_th = (np.asarray(values[k], float) for k in ("tau_m", "tau_s", "V_th"))
    return {"tau_syn_in": tau_s, "V_reset": np.asarray(values["K1"], float) * v_th,
            "I_reset": np.asarray(values["K2"], float) * v_th * (1.0 / tau_m - 1.0 / tau_s),
            "w_scale": 1.0 / _peak_response(tau_m, tau_s), **rates(tau_m, tau_s, tau_s, FIXED["C_m"]),
            "frames": np.zeros(np.broadcast(tau_m, tau_s).size)}


def check(values):
    """The problem with a parameter combination the model cannot run with, or None."""
    eta = _after_potential(values, np.asarray(values["t_ref"], float))
    v_th = np.broadcast_to(np.asarray(values["V_th"], float), eta.shape)
    bad = np.flatnonzero(np.atleast_1d(eta >= v_th))
    if bad.size:
        k = bad[0]
        t_ref = float(np.broadcast_to(np.asarray(values["t_ref"], float), eta.shape).flat[k])
        return (f"{NAME}: t_ref = {t_ref} ms is too short: the after-potential is still "
                f"{float(eta.flat[k]):.6g} >= V_th = {float(v_th.flat[k])} when it ends, so the neuron would "
                f"fire again at once; t_ref must cover the spike (K1, K2, tau_m and tau_s set its length)")
    return None
