# cython: language_level=3
"""Exact propagators of current-based LIF neurons (see psc.pxd): the struct layout shared by
iaf_psc_exp and iaf_psc_alpha, the reset/threshold check all LIF models use, and what the
engine says when such a neuron's state stops being finite."""
import numpy as np

from csnn._core.declarations import flat_dtype, struct_dtype
from csnn._core.psc_step cimport psc_rates, psc_synapse

cdef PscNeuron _probe

#: the modes of the state, in the order of psc_step.pxd's arrays: membrane, excitatory and
#: inhibitory current; the facade names an array's items <array>_<mode>
_MODES = ("m", "ex", "in")
#: the per-mode arrays of the struct, by the facade's name
_PER_MODE = {"p.k.rate": "rate", "p.k.span": "span", "p.k.next_frame": "next_frame", "s.frame.e": "frame_e",
             "s.frame.k": "frame_k"}
#: the facade's names of the struct's fields that are not theirs in C (declarations.flat_dtype)
RENAME = {"s.frame.t": "frame_t", **{path: [f"{name}_{mode}" for mode in _MODES] for path, name in _PER_MODE.items()}}
#: the C struct's own dtype (declarations.py), and the population array's: its fields by name
STRUCT = struct_dtype(<PscNeuron[:1]> &_probe, _probe)
DTYPE = flat_dtype(STRUCT, RENAME)


def check_layout(rows):
    """sizeof the C struct, once Cython has taken ``rows`` (of STRUCT) as it (declarations.py)."""
    cdef PscNeuron[::1] checked = rows
    return sizeof(PscNeuron)


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


def rates(tau_m, tau_ex, tau_in, c_m):
    """The struct fields of psc_step.pxd's PscRates (constants of the propagators) for the
    parameters (ms, pF; arrays over neurons or scalars), and the state's frames marked as not
    computed (they depend on the time constants): a dict of arrays."""
    tau_m, tau_ex, tau_in, c_m = (np.ascontiguousarray(a, dtype=float).reshape(-1)
                                  for a in np.broadcast_arrays(tau_m, tau_ex, tau_in, c_m))
    names = ("inv_tau_m", "inv_tau_ex", "inv_tau_in", "y_ex", "y_in", "inv_c_m", "r_m", "frames",
             *(f"{kind}_{mode}" for kind in ("rate", "span", "next_frame") for mode in _MODES))
    table = np.empty((tau_m.size, len(names)))
    cdef double[:, ::1] out = table
    cdef const double[::1] tm = tau_m, te = tau_ex, ti = tau_in, cm = c_m
    cdef PscRates k
    cdef Py_ssize_t i
    cdef int j
    for i in range(out.shape[0]):
        psc_rates(tm[i], te[i], ti[i], cm[i], &k)
        out[i, 0], out[i, 1], out[i, 2] = k.inv_tau_m, k.inv_tau_ex, k.inv_tau_in
        out[i, 3], out[i, 4], out[i, 5], out[i, 6] = k.y_ex, k.y_in, k.inv_c_m, k.r_m
        out[i, 7] = k.frames
        for j in range(3):
            out[i, 8 + j], out[i, 11 + j], out[i, 14 + j] = k.rate[j], k.span[j], k.next_frame[j]
    fields = {name: table[:, j] for j, name in enumerate(names)}
    fields["frame_t"] = np.full(tau_m.size, -np.inf)
    return fields


def derive(values):
    """The struct fields iaf_psc_exp and iaf_psc_alpha compute from their parameters
    (``values``: arrays over neurons): the propagators' constants."""
    return rates(values["tau_m"], values["tau_syn_ex"], values["tau_syn_in"], values["C_m"])


cdef PscTrajectory _trajectory(double u0, double u_inf, double tau_m, double c_m, double i_ex, double di_ex,
                               double tau_ex, double i_in, double di_in, double tau_in):
    cdef PscTrajectory tr
    cdef PscPoint start
    cdef PscRates k
    start.u = u0
    start.i_ex = i_ex
    start.di_ex = di_ex
    start.i_in = i_in
    start.di_in = di_in
    psc_rates(tau_m, tau_ex, tau_in, c_m, &k)
    psc_trajectory(&tr, &start, u_inf, &k, tau_ex, tau_in)
    return tr


def free_span(double u0, double u_inf, double tau_m, double c_m, double i_ex, double di_ex, double tau_ex,
              double i_in, double di_in, double tau_in, double theta):
    """The span (ms) from the start of a free trajectory U(s) = V - E_L (mV; currents in pA,
    pA/ms; C_m in pF) over which ``psc_free_span`` proves U below theta without a search."""
    cdef PscTrajectory tr = _trajectory(u0, u_inf, tau_m, c_m, i_ex, di_ex, tau_ex, i_in, di_in, tau_in)
    return psc_free_span(&tr, theta)


cdef void _free_neuron(PscNeuron* n, double t0, double u0, double u_inf, double tau_m, double c_m, double i_ex,
                       double di_ex, double tau_ex, double i_in, double di_in, double tau_in, double held,
                       double u_reset):
    """A neuron whose U = V - E_L is u0 (mV) at t0 (ms), with the currents i_ex, i_in (pA) and
    their derivative terms di_ex, di_in (pA/ms; alpha currents when either is not 0) and
    U_inf = u_inf; with ``held`` > t0, V is held at u_reset up to ``held`` (ms)."""
    n.p.E_L = 0.0
    n.p.C_m = c_m
    n.p.tau_m = tau_m
    n.p.tau_syn_ex = tau_ex
    n.p.tau_syn_in = tau_in
    n.p.I_e = u_inf * c_m / tau_m
    n.p.V_reset = u_reset
    n.p.flush = 0.0
    n.p.alpha = 1.0 if di_ex != 0.0 or di_in != 0.0 else 0.0
    psc_rates(tau_m, tau_ex, tau_in, c_m, &n.p.k)
    n.s.V_m = u0
    n.s.I_syn_ex = i_ex
    n.s.dI_syn_ex = di_ex
    n.s.I_syn_in = i_in
    n.s.dI_syn_in = di_in
    n.s.I_stim = 0.0
    n.s.t = t0
    n.s.frame.t = -INFINITY
    n.s.refr_end = held if held > t0 else -INFINITY


def span_bounds(double u0, double u_inf, double tau_m, double c_m, double i_ex, double di_ex, double tau_ex,
                double i_in, double di_in, double tau_in, double h, double held=0.0, double u_reset=0.0):
    """The bounds in closed form that let next_crossing skip the search: upper bounds of
    U = V - E_L (mV) over [0, h] (ms) of a free trajectory from U0 = u0 with the currents
    i_ex, i_in (pA) and their derivative terms di_ex, di_in (pA/ms), U_inf = u_inf.  With
    ``held`` > 0, V is held at u_reset up to ``held`` (ms, < h; the refractory period) and
    evolves freely from there.  Returns (_quick_bound, _decayed_bound), the latter nan when
    held (it is not used then), with h's factors from frames where the time constants allow
    (as next_crossing takes them)."""
    cdef PscNeuron n
    cdef double u_start, u_top
    _free_neuron(&n, 0.0, u0, u_inf, tau_m, c_m, i_ex, di_ex, tau_ex, i_in, di_in, tau_in, held, u_reset)
    quick = _quick_bound(&n, h, &u_start, &u_top)
    return quick, (float("nan") if _held(&n) else _decayed_bound(&n, h, True))


def free_step(double t0, double t, double u0, double u_inf, double tau_m, double c_m, double i_ex, double di_ex,
              double tau_ex, double i_in, double di_in, double tau_in, bint frames):
    """The state (U, I_ex, dI_ex, I_in, dI_in) at t (ms) of a free trajectory that starts at t0
    from U0 = u0 (mV) with the currents i_ex, i_in (pA) and their derivative terms di_ex, di_in
    (pA/ms), U_inf = u_inf, as the engine's advance computes it: with ``frames``, from frames
    where the time constants allow, else directly (psc_decay)."""
    cdef PscNeuron n
    _free_neuron(&n, t0, u0, u_inf, tau_m, c_m, i_ex, di_ex, tau_ex, i_in, di_in, tau_in, -INFINITY, 0.0)
    if frames:
        # the state's last step was to a shared time: it knows t0's frames
        psc_frame_of(frame_at(t0, n.p.k.rate, n.p.k.span), &n.s.frame)
    else:
        n.p.k.frames = 0.0
    advance(&n, t, True)
    return n.s.V_m, n.s.I_syn_ex, n.s.dI_syn_ex, n.s.I_syn_in, n.s.dI_syn_in


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
