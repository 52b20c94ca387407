# cython: language_level=3
"""Conductance-based LIF neurons (see cond.pxd): the struct layout iaf_cond_exp, iaf_cond_alpha
and iaf_cond_beta share, their conductance kernels (the struct fields derived from their time
constants), and what the engine says when such a neuron's integration fails."""
import numpy as np

from csnn._core.declarations import flat_dtype, struct_dtype

cdef CondNeuron _probe

#: the facade's names of the struct's fields that are not theirs in C (declarations.flat_dtype)
RENAME = {**{f"k.clock.{name}": f"track_{name}" for name in ("t", "h", "h_done", "t_end", "h_next")},
          "k.v": "track_v", "k.dense": "track_dense", "k.decay": "track_decay",
          "k.decay_next": "track_decay_next",
          **{f"p.{syn}.{name}": f"{name}_{kind}" for syn, kind in (("ex", "ex"), ("inh", "in"))
             for name in ("rate", "rate_d", "delta", "to_g", "to_dg")}}
#: the C struct's own dtype (declarations.py), and the population array's: its fields by name
STRUCT = struct_dtype(<CondNeuron[:1]> &_probe, _probe)
DTYPE = flat_dtype(STRUCT, RENAME)

#: csnn's local error tolerance per integration step (mV), the models' parameter ``error_tol``:
#: it keeps V within 1e-6 mV of a tight reference solution over seconds of Poisson input
#: (tests/test_cond.py); NEST's GSL solver runs at an absolute 1e-3 (its models have no
#: parameter for it)
ERROR_TOL = 1e-9

#: what every conductance-based LIF model declares alike (NEST's defaults): the parameters before
#: its synaptic time constants, those after them, its read-only state, and the state of a model
#: whose conductances carry a derivative term (alpha and beta shapes)
MEMBRANE_PARAMETERS = (
    ("V_th", -55.0, "mV", "threshold", "Spike threshold (inf: the neuron never fires)"),
    ("V_reset", -60.0, "mV", "finite", "Reset potential"),
    ("t_ref", 2.0, "ms", "nonnegative", "Duration of the refractory period"),
    ("g_L", 16.6667, "nS", "nonnegative", "Leak conductance"),
    ("C_m", 250.0, "pF", "positive", "Membrane capacitance"),
    ("E_ex", 0.0, "mV", "finite", "Excitatory reversal potential"),
    ("E_in", -85.0, "mV", "finite", "Inhibitory reversal potential"),
    ("E_L", -70.0, "mV", "finite", "Leak reversal potential"),
)
INPUT_PARAMETERS = (
    ("I_e", 0.0, "pA", "finite", "Constant input current"),
    ("error_tol", ERROR_TOL, "mV", "positive", "Local error allowed per integration step in V (csnn's; NEST has none)"),
)
READ_ONLY = (
    ("t_spike", -1.0, "ms", "Time of the last spike, -1 before the first"),
)
STATE_WITH_DERIVATIVES = (
    ("V_m", -70.0, "mV", "finite", "Membrane potential"),
    ("g_ex", 0.0, "nS", "finite", "Excitatory conductance"),
    ("dg_ex", 0.0, "nS/ms", "finite", "Derivative term of the excitatory conductance"),
    ("g_in", 0.0, "nS", "finite", "Inhibitory conductance"),
    ("dg_in", 0.0, "nS/ms", "finite", "Derivative term of the inhibitory conductance"),
)


def check_layout(rows):
    """sizeof the C struct, once Cython has taken ``rows`` (of STRUCT) as it (declarations.py)."""
    cdef CondNeuron[::1] checked = rows
    return sizeof(CondNeuron)


def beta_peak_factor(tau_rise, tau_decay):
    """The jump of the derivative term dg per nS of weight that makes a beta conductance
    (dg/dt = -dg/tau_decay, dg_/dt = dg - g/tau_rise) peak at the weight: 1 / K(t_peak), with
    K(s) = (e^{-s/tau_decay} - e^{-s/tau_rise}) / (1/tau_rise - 1/tau_decay) and
    t_peak = tau_rise tau_decay ln(tau_decay / tau_rise) / (tau_decay - tau_rise) (NEST's
    normalisation; e / tau in the limit tau_rise == tau_decay, approached continuously here:
    log1p and expm1 keep nearly equal time constants accurate).  Arrays over neurons."""
    tau_r, tau_d = np.broadcast_arrays(np.asarray(tau_rise, float), np.asarray(tau_decay, float))
    x = (tau_d - tau_r) / tau_r
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(x == 0.0, 1.0, np.log1p(x) / np.where(x == 0.0, 1.0, x))   # ln(tau_d/tau_r) tau_r/(tau_d - tau_r)
        t_peak = tau_d * ratio
        delta = 1.0 / tau_r - 1.0 / tau_d
        small = np.abs(t_peak * delta) < 0.5
        k_small = np.exp(-t_peak / tau_r) * t_peak * np.where(
            delta == 0.0, 1.0, np.expm1(t_peak * delta) / np.where(delta == 0.0, 1.0, t_peak * delta))
        k_large = (np.exp(-t_peak / tau_d) - np.exp(-t_peak / tau_r)) / np.where(delta == 0.0, 1.0, delta)
        return 1.0 / np.where(small, k_small, k_large)


def kernels(kind, tau_g, tau_d, to_g, to_dg):
    """The struct fields of a conductance kernel (cond.pxd's CondSynapse) of synapses ``kind``
    ("ex" or "in"): g decays with tau_g, its derivative term with tau_d (ms); a weight of one
    nS raises g by to_g and dg by to_dg.  Arrays over neurons; a dict of arrays."""
    tau_g, tau_d, to_g, to_dg = np.broadcast_arrays(*(np.asarray(a, float) for a in (tau_g, tau_d, to_g, to_dg)))
    rate, rate_d = 1.0 / tau_g, 1.0 / tau_d
    return {f"rate_{kind}": rate, f"rate_d_{kind}": rate_d, f"delta_{kind}": np.where(tau_g == tau_d, 0.0, rate - rate_d),
            f"to_g_{kind}": to_g, f"to_dg_{kind}": to_dg}


def conductance(tau_g, tau_d, double g0, double dg0, s):
    """The conductance (nS) s ms after a time where it was g0 and its derivative term dg0, as
    the neurons compute it (cond.pxd's cond_g), for the time constants tau_g, tau_d (ms);
    ``s`` an array."""
    cdef CondSynapse k
    k.rate, k.rate_d = 1.0 / tau_g, 1.0 / tau_d
    k.delta = 0.0 if tau_g == tau_d else k.rate - k.rate_d
    values = np.asarray(s, dtype=float)
    out = np.empty(values.shape)
    cdef double[::1] o = out.reshape(-1)
    cdef const double[::1] sv = np.ascontiguousarray(values).reshape(-1)
    cdef Py_ssize_t j
    for j in range(o.shape[0]):
        o[j] = cond_g(&k, g0, dg0, sv[j])
    return out


#: the state variables whose first non-finite value describe_failure reports, in this order
_FINITE_FIELDS = ("V_m", "g_ex", "dg_ex", "g_in", "dg_in")


def describe_failure(values, t0, t1, t_failed):
    """What went wrong when a neuron's state stopped being finite or its integration failed, in
    the window (t0, t1] (``values``: its struct's fields)."""
    field = next((f for f in _FINITE_FIELDS if not np.isfinite(values[f])), None)
    if field is not None:
        return (f"{field} became {values[field]} between t = {t0} and {t1} ms (check the weights and inputs: "
                "their sum overflowed)")
    return (f"the integration of V_m failed at t = {t_failed} ms: its state stopped being finite, or the "
            "error tolerance needed steps shorter than 1e-12 of the time (check the weights and parameters: "
            "conductances of many times C_m per ms make the membrane too fast to integrate)")
