# cython: language_level=3
"""Exact propagators of current-based LIF neurons (see psc.pxd): the struct layout shared by
iaf_psc_exp and iaf_psc_alpha, the reset/threshold check all LIF models use, and what the
engine says when such a neuron's state stops being finite."""
import numpy as np

cdef PscNeuron _probe


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
        "tau_syn_ex": <char*> &_probe.p.tau_syn_ex - base,
        "tau_syn_in": <char*> &_probe.p.tau_syn_in - base,
        "alpha": <char*> &_probe.p.alpha - base,
        "w_scale": <char*> &_probe.p.w_scale - base,
        "flush": <char*> &_probe.p.flush - base,
        "I_reset": <char*> &_probe.p.I_reset - base,
        "K1": <char*> &_probe.p.K1 - base,
        "K2": <char*> &_probe.p.K2 - base,
        "V_m": <char*> &_probe.s.V_m - base,
        "I_syn_ex": <char*> &_probe.s.I_syn_ex - base,
        "dI_syn_ex": <char*> &_probe.s.dI_syn_ex - base,
        "I_syn_in": <char*> &_probe.s.I_syn_in - base,
        "dI_syn_in": <char*> &_probe.s.dI_syn_in - base,
        "t": <char*> &_probe.s.t - base,
        "refr_end": <char*> &_probe.s.refr_end - base,
        "I_stim": <char*> &_probe.s.I_stim - base,
        "t_spike": <char*> &_probe.s.t_spike - base,
        "t_clear": <char*> &_probe.s.t_clear - base,
        "t_next": <char*> &_probe.s.t_next - base,
    }
    return {name: (offset, "f8") for name, offset in fields.items()}, sizeof(PscNeuron)


def synapse_response(h, tau_m, tau_s):
    """The membrane's response at h (ms) to a unit current jump decaying with tau_s, for
    C_m = 1: int_0^h e^{-u/tau_s} e^{-(h-u)/tau_m} du (ms), elementwise over arrays, accurate
    for tau_s == tau_m too."""
    h, tau_m, tau_s = np.broadcast_arrays(np.asarray(h, float), np.asarray(tau_m, float),
                                          np.asarray(tau_s, float))
    out = np.empty(h.shape)
    cdef double[::1] o = out.reshape(-1)
    cdef const double[::1] hv = np.ascontiguousarray(h).reshape(-1)
    cdef const double[::1] tm = np.ascontiguousarray(tau_m).reshape(-1)
    cdef const double[::1] ts = np.ascontiguousarray(tau_s).reshape(-1)
    cdef Py_ssize_t k
    for k in range(o.shape[0]):
        o[k] = psc_synapse(hv[k], tm[k], ts[k], 1.0, 0.0)
    return out


def free_span(double u0, double u_inf, double tau_m, double c_m, double i_ex, double di_ex, double tau_ex,
              double i_in, double di_in, double tau_in, double theta):
    """The span (ms) from the start of a free trajectory U(s) = V - E_L (mV; currents in pA,
    pA/ms; C_m in pF) over which ``psc_free_span`` proves U below theta without a search."""
    cdef PscTrajectory tr
    tr.u0 = u0
    tr.u_inf = u_inf
    tr.tau_m = tau_m
    tr.c_m = c_m
    tr.i_ex = i_ex
    tr.di_ex = di_ex
    tr.tau_ex = tau_ex
    tr.i_in = i_in
    tr.di_in = di_in
    tr.tau_in = tau_in
    return psc_free_span(&tr, theta)


def reset_below_threshold(name, values):
    """The problem when V_reset >= V_th for some neuron, or None (``values``: arrays over neurons)."""
    v_reset, v_th = np.asarray(values["V_reset"], float), np.asarray(values["V_th"], float)
    bad = np.flatnonzero(v_reset >= v_th)
    if bad.size:
        k = bad[0]
        return (f"{name}: V_reset = {float(v_reset.flat[k])} mV must be smaller than "
                f"V_th = {float(v_th.flat[k])} mV")
    return None


#: the state variables whose first non-finite value describe_failure reports, in this order
_FINITE_FIELDS = ("V_m", "I_syn_ex", "dI_syn_ex", "I_syn_in", "dI_syn_in")


def describe_failure(values, t0, t1, t_failed):
    """What went wrong when a neuron's state stopped being finite in the window (t0, t1]
    (``values``: its struct's fields): only an overflowing sum of inputs does that to the
    closed form."""
    field = next((f for f in _FINITE_FIELDS if f in values and not np.isfinite(values[f])), "the state")
    value = values[field] if field in values else float("nan")
    return (f"{field} became {value} between t = {t0} and {t1} ms (check the weights and inputs: "
            "their sum overflowed)")
