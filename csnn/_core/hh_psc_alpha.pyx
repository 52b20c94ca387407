# cython: language_level=3
"""hh_psc_alpha: Hodgkin-Huxley neuron with alpha-shaped synaptic currents.

Dynamics (NEST's hh_psc_alpha; Hodgkin & Huxley 1952, Gerstner & Kistler 2002)
    C_m dV/dt = -g_Na m^3 h (V - E_Na) - g_K n^4 (V - E_K) - g_L (V - E_L)
                + I_syn_ex + I_syn_in + I_e + I_stim(t),
    dx/dt = alpha_x(V) (1 - x) - beta_x(V) x for the gates x = m, h, n, with (1/ms, V in mV)
        alpha_n = 0.01 (V + 55) / (1 - e^{-(V + 55)/10}),   beta_n = 0.125 e^{-(V + 65)/80},
        alpha_m = 0.1 (V + 40) / (1 - e^{-(V + 40)/10}),    beta_m = 4 e^{-(V + 65)/18},
        alpha_h = 0.07 e^{-(V + 65)/20},                    beta_h = 1 / (1 + e^{-(V + 35)/10})
    (alpha_n and alpha_m are evaluated in a form that stays finite at their removable
    singularities).  A spike of weight w (pA) starts an alpha current
    w (t/tau_syn) e^{1 - t/tau_syn}, excitatory for w > 0, inhibitory for w < 0.

Integration
    Classic fourth-order Runge-Kutta with a fixed step h (default 0.01 ms; error ~h^4).  Steps
    run from the last input's time; an input's arrival ends a step exactly, so it acts at its
    exact time, and the step grid starts again there.  Window boundaries and Simulate calls never
    end a step, so split simulations are bit-identical.  A state that stops being finite raises
    a NumericalError naming the neuron and the time.  A fixed step is stable while h times the
    fastest gate rate stays below RK4's bound (about 2.8): at h = 0.01 ms this holds above about
    -140 mV (beta_m grows fast below it); for stronger hyperpolarisation use a smaller h.

Spikes
    A spike is emitted at the end of a step in which V, at or above 0 mV, fell: just past the
    peak of an action potential (NEST's rule).  There is no reset; spike detection pauses for
    t_ref after a spike.

The gates start at their steady state at -65 mV, the default V_m.
"""
import numpy as np

cimport numpy as cnp

from csnn._core.declarations import flat_dtype, parameter_doc, struct_dtype
from csnn._core.events import recordable_codes

cnp.import_array()

NAME = "hh_psc_alpha"


def _steady_state(double v):
    cdef GateRates r
    gate_rates(v, &r)
    return (r.alpha_m / (r.alpha_m + r.beta_m), r.alpha_h / (r.alpha_h + r.beta_h),
            r.alpha_n / (r.alpha_n + r.beta_n))


_M0, _H0, _N0 = _steady_state(-65.0)

PARAMETERS = (
    ("t_ref", 2.0, "ms", "nonnegative", "Spike detection pauses this long after a spike"),
    ("g_Na", 12000.0, "nS", "nonnegative", "Sodium peak conductance"),
    ("g_K", 3600.0, "nS", "nonnegative", "Potassium peak conductance"),
    ("g_L", 30.0, "nS", "nonnegative", "Leak conductance"),
    ("C_m", 100.0, "pF", "positive", "Membrane capacitance"),
    ("E_Na", 50.0, "mV", "finite", "Sodium reversal potential"),
    ("E_K", -77.0, "mV", "finite", "Potassium reversal potential"),
    ("E_L", -54.402, "mV", "finite", "Leak reversal potential"),
    ("tau_syn_ex", 0.2, "ms", "positive", "Rise time of the excitatory alpha current"),
    ("tau_syn_in", 2.0, "ms", "positive", "Rise time of the inhibitory alpha current"),
    ("I_e", 0.0, "pA", "finite", "Constant input current"),
    ("h", 0.01, "ms", "positive", "Runge-Kutta step"),
)
STATE = (
    ("V_m", -65.0, "mV", "finite", "Membrane potential"),
    ("Act_m", _M0, "", "nonnegative", "Sodium activation m"),
    ("Inact_h", _H0, "", "nonnegative", "Sodium inactivation h"),
    ("Act_n", _N0, "", "nonnegative", "Potassium activation n"),
    ("I_syn_ex", 0.0, "pA", "finite", "Excitatory synaptic current"),
    ("I_syn_in", 0.0, "pA", "finite", "Inhibitory synaptic current"),
    ("dI_syn_ex", 0.0, "pA/ms", "finite", "Derivative term of the excitatory current"),
    ("dI_syn_in", 0.0, "pA/ms", "finite", "Derivative term of the inhibitory current"),
)
READ_ONLY = (
    ("t_spike", -1.0, "ms", "Time of the last spike, -1 before the first"),
)
RECORDABLES = recordable_codes(("V_m", "Act_m", "Inact_h", "Act_n", "I_syn_ex", "I_syn_in"))
ACCEPTS_CURRENT = True
PORTS = (0,)
# the documentation's tables of parameters and state, from the declaration above
__doc__ += parameter_doc(PARAMETERS, STATE, READ_ONLY, RECORDABLES)


def check(values):
    """The problem with a parameter combination the model cannot run with, or None."""
    return None


def describe_failure(values, t0, t1, t_failed):
    """What went wrong when the state stopped being finite (at ``t_failed``, ms)."""
    return (f"the state became NaN or infinite at t = {t_failed} ms (numerical blow-up: use a smaller "
            "step h or check the parameters and inputs)")


def rates(v):
    """The gates' rate functions (1/ms) at membrane potentials ``v`` (mV), as the model uses
    them: a dict of arrays alpha_m, beta_m, alpha_h, beta_h, alpha_n, beta_n."""
    cdef cnp.ndarray[double, ndim=1] volts = np.ascontiguousarray(np.ravel(v), dtype=np.float64)
    cdef Py_ssize_t k, n = volts.shape[0]
    out = {name: np.empty(n) for name in ("alpha_m", "beta_m", "alpha_h", "beta_h", "alpha_n", "beta_n")}
    cdef double[::1] am = out["alpha_m"], bm = out["beta_m"], ah = out["alpha_h"]
    cdef double[::1] bh = out["beta_h"], an = out["alpha_n"], bn = out["beta_n"]
    cdef GateRates r
    for k in range(n):
        gate_rates(volts[k], &r)
        am[k], bm[k], ah[k], bh[k], an[k], bn[k] = r.alpha_m, r.beta_m, r.alpha_h, r.beta_h, r.alpha_n, r.beta_n
    shape = np.shape(v)
    return {name: values.reshape(shape) for name, values in out.items()}


cdef HhPscAlpha _probe
#: the items of the state vector y (hh_psc_alpha.pxd) by their index
_Y_NAMES = {Y_V: "V_m", Y_M: "Act_m", Y_H: "Inact_h", Y_N: "Act_n", Y_DI_EX: "dI_syn_ex", Y_I_EX: "I_syn_ex",
            Y_DI_IN: "dI_syn_in", Y_I_IN: "I_syn_in"}
#: the C struct's own dtype (declarations.py), and the population array's: its fields by name
STRUCT = struct_dtype(<HhPscAlpha[:1]> &_probe, _probe)
DTYPE = flat_dtype(STRUCT, {"s.y": [_Y_NAMES[k] for k in range(N_STATE)]})


def check_layout(rows):
    """sizeof the C struct, once Cython has taken ``rows`` (of STRUCT) as it (declarations.py)."""
    cdef HhPscAlpha[::1] checked = rows
    return sizeof(HhPscAlpha)
