"""hh_psc_alpha (RK4 with a fixed step h) and csnn.hh against references written here.

The reference integrates the model's equations, written below from the docstring of
``csnn/_core/hh_psc_alpha.pyx`` (not from csnn's code), with scipy's DOP853 at rtol = atol =
1e-10, piecewise between input arrivals: at an arrival of weight w the derivative term
dI_syn_X jumps by w e / tau_syn_X, and a current switch changes the constant drive.  Its own
error is < 1e-6 mV (measured: 2e-7 mV between rtol 1e-10 and 1e-12 over 20 ms of firing), far
below every tolerance used here.

csnn's step grid: RK4 steps end at anchor + k h, the anchor being the last input's arrival (0 at
the start); a spike is emitted at the end of the first full step, outside t_ref after the last
spike, in which V fell and is >= 0 mV.  Spike times are checked against that rule applied to
the reference trajectory.
"""
import math
import os
import pathlib
import re
import subprocess
import sys
import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from scipy.integrate import solve_ivp
from scipy.optimize import curve_fit

import csnn
import csnn.hh as hh
from csnn.errors import CSNNError, NumericalError

pytestmark = pytest.mark.usefixtures("fresh_kernel")

ROOT = pathlib.Path(__file__).resolve().parent.parent

DEFAULTS = dict(C_m=100.0, g_Na=12000.0, g_K=3600.0, g_L=30.0, E_Na=50.0, E_K=-77.0, E_L=-54.402,
                tau_syn_ex=0.2, tau_syn_in=2.0, I_e=0.0, t_ref=2.0)
H = 0.01                       # csnn's default RK4 step (ms)
RECORD = ["V_m", "Act_m", "Inact_h", "Act_n", "I_syn_ex", "I_syn_in"]
GATES = {"Act_m": 1, "Inact_h": 2, "Act_n": 3}     # row of each gate in the reference state

# -- tolerances ---------------------------------------------------------------------------------
# RK4's global error is C h^4 (test_rk4_convergence_order measures the order).  At h = 0.01 ms it
# is 1.1e-4 mV in V_m over 200 ms of repetitive firing (the error sits on the upstrokes, where
# dV/dt ~ 500 mV/ms turns a phase error of 2e-7 ms into 1e-4 mV) and does not grow from spike
# to spike.  1e-3 mV leaves a 10x margin and is 50x stricter than the 0.05 mV a plot would
# resolve; a modelling error (a wrong rate, an input misplaced by one step of 0.01 ms, a step
# straddling a current switch) shows up as 0.05 mV or more.
V_TOL = 1e-3                   # mV
# The gates' RK4 error is that of V times their voltage sensitivity: measured <= 7e-7 (Act_m,
# the fastest gate), 1.5e-7 (Inact_h, Act_n).  1e-5 keeps a >10x margin.
GATE_TOL = 1e-5
# The alpha current of a 1e4 pA input: RK4 at h / tau_syn_ex = 0.05 is accurate to 2.2e-7 of
# its peak (measured); 1e-5 of the peak (0.1 pA) leaves a 40x margin.
I_SYN_REL_TOL = 1e-5
# Each spike time is decided by comparing V at two step ends.  Where the reference's V
# differences at the deciding steps are larger than V_TOL, csnn's V error cannot flip the
# decision and the spike time is predicted exactly; closer calls are checked only against the
# peak window below.
# Near its peak V(t) ~ V_p - c (t - t_p)^2, so V(g) < V(g - h) exactly when g - t_p > h / 2: the
# first falling step ends in (t_p + h/2, t_p + 3h/2].  The cubic term of V shifts that window
# by O(h^2 V'''/V'') < 1e-4 ms and the RK4 phase error is < 1e-6 ms: SPIKE_SLACK = 1e-3 ms.
SPIKE_SLACK = 1e-3             # ms


# -- the reference model, from the equations ------------------------------------------------------

def _x_over_1_minus_exp(x, scale):
    """x / (1 - exp(-x / scale)); its limit `scale` (Taylor series) within 1e-6 of x = 0."""
    u = x / scale
    if abs(u) < 1e-6:
        return scale * (1.0 + u / 2.0 + u * u / 12.0)
    return x / (1.0 - math.exp(-u))


def ref_alpha_n(v):
    return 0.01 * _x_over_1_minus_exp(v + 55.0, 10.0)


def ref_beta_n(v):
    return 0.125 * math.exp(-(v + 65.0) / 80.0)


def ref_alpha_m(v):
    return 0.1 * _x_over_1_minus_exp(v + 40.0, 10.0)


def ref_beta_m(v):
    return 4.0 * math.exp(-(v + 65.0) / 18.0)


def ref_alpha_h(v):
    return 0.07 * math.exp(-(v + 65.0) / 20.0)


def ref_beta_h(v):
    return 1.0 / (1.0 + math.exp(-(v + 35.0) / 10.0))


REF_RATES = {"alpha_m": ref_alpha_m, "beta_m": ref_beta_m, "alpha_h": ref_alpha_h,
             "beta_h": ref_beta_h, "alpha_n": ref_alpha_n, "beta_n": ref_beta_n}


def ref_steady(gate, v):
    a, b = REF_RATES[f"alpha_{gate}"](v), REF_RATES[f"beta_{gate}"](v)
    return a / (a + b)


def rhs(t, y, p, i_drive):
    """State y = V, m, h, n, dI_ex, I_ex, dI_in, I_in (mV, 1, 1, 1, pA/ms, pA, pA/ms, pA)."""
    v, m, h, n, di_ex, i_ex, di_in, i_in = y
    i_ion = (p["g_Na"] * m ** 3 * h * (v - p["E_Na"]) + p["g_K"] * n ** 4 * (v - p["E_K"])
             + p["g_L"] * (v - p["E_L"]))
    return [(-i_ion + i_ex + i_in + p["I_e"] + i_drive) / p["C_m"],
            ref_alpha_m(v) * (1.0 - m) - ref_beta_m(v) * m,
            ref_alpha_h(v) * (1.0 - h) - ref_beta_h(v) * h,
            ref_alpha_n(v) * (1.0 - n) - ref_beta_n(v) * n,
            -di_ex / p["tau_syn_ex"], di_ex - i_ex / p["tau_syn_ex"],
            -di_in / p["tau_syn_in"], di_in - i_in / p["tau_syn_in"]]


def initial_state(v=-65.0):
    return [v, ref_steady("m", v), ref_steady("h", v), ref_steady("n", v), 0.0, 0.0, 0.0, 0.0]


class Reference:
    """The model integrated by solve_ivp, piecewise between events.

    ``arrivals``: (time, weight in pA) of synaptic inputs; ``switches``: (time, current in pA)
    from which on an extra constant current drives the neuron.  ``peaks``: times of the maxima
    of V above 0 mV (dV/dt crossing 0 downwards)."""

    def __init__(self, t_end, arrivals=(), switches=(), params=None, tol=1e-10):
        self.p = p = dict(DEFAULTS, **(params or {}))
        events = sorted([(t, "spike", w) for t, w in arrivals] + [(t, "current", i) for t, i in switches])
        bounds = [0.0] + [t for t, _, _ in events] + [t_end]
        y = np.array(initial_state())
        drive = 0.0
        self.segments, peaks = [], []

        def falling(t, y, p, i_drive):
            return rhs(t, y, p, i_drive)[0]
        falling.direction = -1.0

        for k in range(len(bounds) - 1):
            if k > 0:
                _, kind, value = events[k - 1]
                if kind == "current":
                    drive = value
                elif value > 0:
                    y[4] += value * math.e / p["tau_syn_ex"]
                else:
                    y[6] += value * math.e / p["tau_syn_in"]
            if bounds[k + 1] > bounds[k]:
                sol = solve_ivp(rhs, (bounds[k], bounds[k + 1]), y, method="DOP853", rtol=tol, atol=tol,
                                dense_output=True, events=falling, args=(p, drive))
                assert sol.success, sol.message
                self.segments.append((bounds[k], bounds[k + 1], sol.sol))
                peaks += [t for t, ye in zip(sol.t_events[0], sol.y_events[0]) if ye[0] > 0.0]
                y = sol.y[:, -1].copy()
        self.peaks = np.array(peaks)
        self.anchors = np.array([0.0] + [t for t, kind, _ in events])

    def __call__(self, times):
        """The state (8 rows) at ``times``; at an event time, the state just before it (V, the
        gates and the currents are continuous there)."""
        times = np.atleast_1d(np.asarray(times, dtype=float))
        out = np.full((8, times.size), np.nan)
        done = np.zeros(times.size, dtype=bool)
        for a, b, sol in self.segments:
            sel = ~done & (times >= a) & (times <= b)
            if sel.any():
                out[:, sel] = sol(times[sel])
                done |= sel
        assert done.all(), "sample outside the reference's time span"
        return out

    def v(self, times):
        return self(times)[0]


def predicted_spikes(ref, h, t_ref=2.0, margin=V_TOL):
    """csnn's spike rule applied to the reference on csnn's step grid.

    Returns (times, decided): the end of the first full step after each peak (outside t_ref
    after the previous spike) in which V fell and is >= 0, and whether each decision holds with
    a margin larger than ``margin`` mV (otherwise csnn's own V error might flip it)."""
    anchors = np.append(ref.anchors, np.inf)
    times, decided = [], []
    refr_end = -np.inf
    for tp in ref.peaks:
        # the full steps ending in (tp, tp + 5h], from the anchor in force
        steps = []
        for a, nxt in zip(anchors[:-1], anchors[1:]):
            k = max(1, int(math.floor((tp - a) / h)) - 1)
            while True:
                g = a + k * h                       # csnn's formula: anchor + steps * h
                if g > nxt or g > tp + 5 * h:
                    break
                if g > tp:
                    steps.append((a + (k - 1) * h if k > 1 else a, g))
                k += 1
        steps.sort(key=lambda s: s[1])
        values = ref.v([v for s in steps for v in s]).reshape(-1, 2)
        ok = True
        for (start, end), (v0, v1) in zip(steps, values):
            close = abs(v1 - v0) < margin or abs(v1) < margin
            if end > refr_end and v1 >= 0.0 and v1 < v0:
                ok = ok and not close
                times.append(end)
                decided.append(ok)
                refr_end = end + t_ref
                break
            ok = ok and not (close and end > refr_end)
        else:
            # no spike only if detection is paused throughout the downstroke's first steps
            assert steps and steps[-1][1] <= refr_end, f"no falling step within 5 h after the peak at {tp} ms"
    return np.array(times), np.array(decided, dtype=bool)


# -- csnn runs ------------------------------------------------------------------------------------

def run_csnn(t_sim, arrivals=(), params=None, interval=0.1, dc=None):
    """One hh_psc_alpha neuron; inputs through a spike_generator (spike time = arrival - 1 ms,
    delay 1 ms), in a fresh kernel.  Returns the multimeter events, the spike times and the
    neuron."""
    csnn.ResetKernel()
    csnn.set_verbosity("M_ERROR")
    neuron = csnn.Create("hh_psc_alpha", params=params or {})
    if len(arrivals):
        gen = csnn.Create("spike_generator", params={"spike_times": [t - 1.0 for t, _ in arrivals],
                                                     "spike_weights": [w for _, w in arrivals]})
        csnn.Connect(gen, neuron, syn_spec={"weight": 1.0, "delay": 1.0})
    if dc is not None:
        gen = csnn.Create("dc_generator", params=dc["params"])
        csnn.Connect(gen, neuron, syn_spec={"weight": 1.0, "delay": dc["delay"]})
    meter = csnn.Create("multimeter", params={"record_from": RECORD, "interval": interval})
    recorder = csnn.Create("spike_recorder")
    csnn.Connect(meter, neuron)
    csnn.Connect(neuron, recorder)
    csnn.Simulate(t_sim)
    events = {k: np.asarray(v) for k, v in meter.get("events").items()}
    return events, np.asarray(recorder.get("events")["times"], dtype=float), neuron


#: NEST's tutorial experiment: inputs of 1e3 pA (subthreshold) and 1e4 pA (one spike)
SEED_ARRIVALS = ((10.0, 1e3), (50.0, 1e4))

_REFERENCES = {}


def reference(name):
    """Shared references (each is computed once per session)."""
    if name not in _REFERENCES:
        _REFERENCES[name] = {
            "seed": lambda: Reference(100.0, SEED_ARRIVALS),
            "dc800": lambda: Reference(200.0, params={"I_e": 800.0}),
            "dc1000": lambda: Reference(200.0, params={"I_e": 1000.0}),
        }[name]()
    return _REFERENCES[name]


EXPERIMENTS = {
    "seed": (100.0, SEED_ARRIVALS, None),
    "dc800": (200.0, (), {"I_e": 800.0}),
    "dc1000": (200.0, (), {"I_e": 1000.0}),
}


def check_trace(events, ref, i_syn_scale=None):
    t = events["times"]
    expected = ref(t)
    dev = np.abs(events["V_m"] - expected[0])
    err_v = dev.max()
    assert err_v < V_TOL, f"V_m differs from the reference by {err_v} mV (t = {t[np.argmax(dev)]} ms)"
    for name, row in GATES.items():
        err = np.max(np.abs(events[name] - expected[row]))
        assert err < GATE_TOL, f"{name} differs from the reference by {err}"
    if i_syn_scale:
        for name, row in (("I_syn_ex", 5), ("I_syn_in", 7)):
            err = np.max(np.abs(events[name] - expected[row]))
            assert err < I_SYN_REL_TOL * i_syn_scale, f"{name} differs from the reference by {err} pA"
    return err_v


# -- 1. traces against the reference --------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(EXPERIMENTS))
def test_trace_matches_reference(name):
    t_sim, arrivals, params = EXPERIMENTS[name]
    events, spikes, _ = run_csnn(t_sim, arrivals, params)
    # samples at k * 0.1 ms, k >= 1, before the end of the simulation
    np.testing.assert_allclose(events["times"], np.arange(1, round(t_sim / 0.1)) * 0.1, rtol=0, atol=1e-9)
    ref = reference(name)
    check_trace(events, ref, i_syn_scale=1e4 if arrivals else 1.0)
    if name == "seed":
        # the 1e3 pA input is subthreshold (a depolarisation of a few mV), the 1e4 pA one fires once
        v = events["V_m"]
        t = events["times"]
        assert 1.0 < v[(t > 10) & (t < 20)].max() + 65.0 < 10.0
        assert len(spikes) == 1 and 50.0 < spikes[0] < 52.0
    else:
        assert len(spikes) >= 12          # repetitive firing, ~70 Hz


def test_resting_state_is_steady():
    # V_m = -65 with the gates at their steady state is (almost) an equilibrium: E_L = -54.402
    # is chosen so that the leak balances the resting Na and K currents.  Without input V stays
    # within 0.01 mV of -65 over 50 ms, as in the reference.
    events, spikes, _ = run_csnn(50.0)
    ref = Reference(50.0)
    assert np.max(np.abs(events["V_m"] + 65.0)) < 0.01
    assert np.max(np.abs(events["V_m"] - ref.v(events["times"]))) < 1e-6   # RK4 on a slow trajectory
    assert len(spikes) == 0


def test_dc_generator_switches_at_exact_times():
    # A dc_generator is an input: it switches at start + delay and stop + delay exactly (off the
    # step grid here), where the step grid restarts.  A step straddling the switch would make an
    # O(h) error in dV/dt for one step: I h / C_m ~ 0.1 mV, far above V_TOL.
    start, stop, delay = 20.003, 80.0071, 1.3
    events, spikes, _ = run_csnn(150.0, dc={"params": {"amplitude": 1000.0, "start": start, "stop": stop},
                                            "delay": delay})
    ref = Reference(150.0, switches=[(start + delay, 1000.0), (stop + delay, 0.0)])
    check_trace(events, ref)
    assert len(spikes) == len(ref.peaks) >= 3
    predicted, decided = predicted_spikes(ref, H)
    np.testing.assert_array_equal(spikes[decided], predicted[decided])


def test_random_off_grid_inputs():
    # Many inputs at arbitrary times: each restarts the step grid, inhibitory ones (w < 0) go to
    # the slow inhibitory alpha current.  Trace and spike times as for the other experiments.
    # (Inhibition is kept moderate: below V ~ -141 mV, h beta_m(V) exceeds RK4's stability
    # bound 2.78 at h = 0.01 ms and the fixed-step integration blows up.)
    rng = np.random.default_rng(20240611)
    times = np.sort(rng.uniform(1.0, 150.0, 120))
    # csnn's arrival is (spike time) + delay = (t - 1) + 1, which can differ from t by an ulp:
    # use those doubles in the reference too, so that both grids start at the same anchors
    times = (times - 1.0) + 1.0
    assert np.all((times - 1.0) + 1.0 == times)
    weights = rng.choice([3e3, 6e3, -1e3], size=times.size, p=[0.5, 0.3, 0.2])
    arrivals = list(zip(times, weights))
    events, spikes, _ = run_csnn(160.0, arrivals)
    ref = Reference(160.0, arrivals)
    check_trace(events, ref, i_syn_scale=6e3)
    assert events["V_m"].min() < -80.0 and np.abs(events["I_syn_in"]).max() > 1e3
    assert len(spikes) == len(ref.peaks) >= 5
    predicted, decided = predicted_spikes(ref, H)
    # near ties (a peak within ~1e-4 ms of a step's middle) are not asserted exactly; with random
    # input times 3 of these 10 peaks happen to be such ties (csnn still agrees on all 10)
    assert decided.sum() >= len(decided) // 2
    np.testing.assert_array_equal(spikes[decided], predicted[decided])
    assert np.all((spikes - ref.peaks > H / 2 - SPIKE_SLACK) & (spikes - ref.peaks <= 1.5 * H + SPIKE_SLACK))


# -- 2. spike times -------------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(EXPERIMENTS))
def test_spike_times_follow_the_peaks(name):
    t_sim, arrivals, params = EXPERIMENTS[name]
    _, spikes, neuron = run_csnn(t_sim, arrivals, params)
    ref = reference(name)
    assert len(spikes) == len(ref.peaks)
    delay = spikes - ref.peaks
    # just past the peak: within (h/2, 3h/2] after it (see SPIKE_SLACK), a fortiori within 0.05 ms
    assert np.all(delay > H / 2 - SPIKE_SLACK) and np.all(delay <= 1.5 * H + SPIKE_SLACK), delay
    assert np.all(np.abs(delay) < 0.05)
    # exactly the step end the rule picks on the reference trajectory
    predicted, decided = predicted_spikes(ref, H)
    assert decided.sum() >= len(decided) - 1
    np.testing.assert_array_equal(spikes[decided], predicted[decided])
    assert neuron.get("t_spike") == spikes[-1]


def test_spike_detection_pauses_for_t_ref():
    # With t_ref longer than an interspike interval (~14.6 ms at 1000 pA), every other action
    # potential is not reported; the dynamics (no reset) are unchanged.
    ref = reference("dc1000")
    events, spikes, _ = run_csnn(200.0, params={"I_e": 1000.0, "t_ref": 20.0})
    check_trace(events, ref)
    predicted, decided = predicted_spikes(ref, H, t_ref=20.0)
    assert len(spikes) == len(predicted) < len(ref.peaks)
    np.testing.assert_array_equal(spikes[decided], predicted[decided])
    assert np.all(np.diff(spikes) > 20.0)


# -- 3. convergence order of RK4 ------------------------------------------------------------------

def test_rk4_convergence_order():
    # 20 ms of DC drive: two action potentials (at 2.1 and 17.1 ms), upstrokes included.  V does
    # not depend on spike detection (no reset), so the error is RK4's alone.  Error e(h) is the
    # RMS over the 0.1 ms samples against a reference at rtol = atol = 1e-12.
    t_sim, params = 20.0, {"I_e": 1000.0}
    ref = Reference(t_sim, params=params, tol=1e-12)
    coarser_ref = Reference(t_sim, params=params, tol=1e-11)
    steps = [0.04, 0.02, 0.01, 0.005, 0.0025]
    traces = [run_csnn(t_sim, params=dict(params, h=h))[0] for h in steps]
    t = traces[0]["times"]
    v_ref = ref.v(t)
    ref_error = np.sqrt(np.mean((coarser_ref.v(t) - v_ref) ** 2))
    errors = np.array([np.sqrt(np.mean((tr["V_m"] - v_ref) ** 2)) for tr in traces])
    # the smallest error (3.5e-8 mV) is still 20x above the difference between the references at
    # 1e-11 and 1e-12 (1.6e-9 mV), which bounds the error of the 1e-11 one and so, by more than
    # 10x, that of the 1e-12 one: the ratios measure csnn's error, not the reference's
    assert errors[-1] > 10 * ref_error, (errors, ref_error)
    ratios = errors[:-1] / errors[1:]
    # 4th order: halving h divides the error by 2^4 = 16 asymptotically.  At h = 0.04 ms RK4 is
    # near its stability limit (~2.8 / (g_Na / C_m) ~ 0.023-0.05 ms during the upstroke), so the
    # first ratio is pre-asymptotic; the others approach 16 with an O(h) correction (measured
    # 18.7, 17.3, 16.6), i.e. an observed order 4.2 -> 4.05.  [12, 20] excludes orders 3 (8)
    # and 5 (32).
    assert np.all((ratios[1:] > 12.0) & (ratios[1:] < 20.0)), ratios
    assert abs(ratios[-1] - 16.0) < abs(ratios[1] - 16.0)          # the ratios approach 16
    # the same from Richardson differences, without the reference: |u_h - u_{h/2}| also scales
    # as h^4
    diffs = [np.sqrt(np.mean((a["V_m"] - b["V_m"]) ** 2)) for a, b in zip(traces[:-1], traces[1:])]
    richardson = np.array(diffs[:-1]) / np.array(diffs[1:])
    assert np.all((richardson[1:] > 12.0) & (richardson[1:] < 20.0)), richardson
    # and the default h = 0.01 ms is what V_TOL assumes
    assert errors[2] < V_TOL / 5


# -- 4. NEST --------------------------------------------------------------------------------------

# NEST integrates hh_psc_alpha with GSL's adaptive RKF45 inside each 0.1 ms step, controlling the
# local error to an absolute 1e-3 (mV for V).  Against the reference its V_m is off by 5e-4 mV in
# the seed experiment and by 9e-3 mV after 200 ms of firing at 1000 pA (a phase drift that grows
# slowly from spike to spike: 1.5e-3 mV after the first spikes).  0.05 mV leaves a 5x margin for
# NEST's versions and platforms and is still ~1e-3 of the action potential's amplitude: an input
# misplaced by one NEST step (0.1 ms) would move the action potential by 0.1 ms, tens of mV on
# the upstroke.  Gates: measured 6.5e-5 (Act_m), limit 5e-4.
NEST_V_TOL = 0.05              # mV
NEST_GATE_TOL = 5e-4
NEST_STEP = 0.1                # ms, NEST's resolution
NEST_SPIKE_SLACK = 0.01        # ms, see test_nest_crosscheck


def run_nest(nest, t_sim, arrivals=(), params=None):
    nest.ResetKernel()
    neuron = nest.Create("hh_psc_alpha", params=params or {})
    if arrivals:
        gen = nest.Create("spike_generator", params={"spike_times": [t - 1.0 for t, _ in arrivals],
                                                     "spike_weights": [w for _, w in arrivals]})
        nest.Connect(gen, neuron, syn_spec={"weight": 1.0, "delay": 1.0})
    meter = nest.Create("multimeter", params={"record_from": RECORD, "interval": 0.1})
    recorder = nest.Create("spike_recorder")
    nest.Connect(meter, neuron)
    nest.Connect(neuron, recorder)
    nest.Simulate(t_sim)
    events = {k: np.asarray(v) for k, v in meter.get("events").items()}
    return events, np.asarray(recorder.get("events")["times"], dtype=float)


@pytest.mark.nest
@pytest.mark.parametrize("name", ["seed", "dc1000"])
def test_nest_crosscheck(name):
    nest = pytest.importorskip("nest")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")          # NEST 3.10 flags set_verbosity as legacy
        nest.set_verbosity("M_ERROR")
    t_sim, arrivals, params = EXPERIMENTS[name]
    ref = reference(name)
    n_events, n_spikes = run_nest(nest, t_sim, arrivals, params)
    c_events, c_spikes, _ = run_csnn(t_sim, arrivals, params)
    # NEST's multimeter hands over the last min_delay of samples only in the next call: compare
    # the samples both have
    index = np.searchsorted(c_events["times"], n_events["times"] - 1e-9)
    np.testing.assert_allclose(c_events["times"][index], n_events["times"], rtol=0, atol=1e-9)
    assert n_events["times"].size >= c_events["times"].size - 11
    c_events = {k: v[index] for k, v in c_events.items()}
    expected = ref(n_events["times"])
    nest_err = np.max(np.abs(n_events["V_m"] - expected[0]))
    csnn_err = np.max(np.abs(c_events["V_m"] - expected[0]))
    both = np.max(np.abs(n_events["V_m"] - c_events["V_m"]))
    assert nest_err < NEST_V_TOL, nest_err
    assert csnn_err < V_TOL, csnn_err
    assert both < NEST_V_TOL + V_TOL, both      # the triangle inequality of the two above
    for gate, row in GATES.items():
        assert np.max(np.abs(n_events[gate] - expected[row])) < NEST_GATE_TOL
        assert np.max(np.abs(n_events[gate] - c_events[gate])) < NEST_GATE_TOL + GATE_TOL
    # Spikes: NEST applies the same rule at the end of its 0.1 ms steps, so its spike times are
    # the grid points the rule picks on the reference (margins there >= 0.06 mV against NEST's
    # V error of < 0.01 mV; decisions closer than NEST_V_TOL are not asserted) ...
    assert len(n_spikes) == len(c_spikes) == len(ref.peaks)
    predicted, decided = predicted_spikes(ref, NEST_STEP, margin=NEST_V_TOL)
    np.testing.assert_allclose(n_spikes[decided], predicted[decided], rtol=0, atol=1e-9)
    # ... i.e. in (t_peak + 0.05, t_peak + 0.15] up to the shift by the peak's asymmetry, which
    # grows as h^2 (see SPIKE_SLACK): < 1e-4 ms at h = 0.01, up to ~3e-3 ms (measured) at NEST's
    # 0.1 ms, hence NEST_SPIKE_SLACK = 0.01 ms.  csnn's are in (t_peak + 0.005, t_peak + 0.015]:
    # NEST reports each spike 0.035 to 0.145 ms after csnn (measured 0.05 to 0.14), not always
    # within one NEST step.
    after_peak = n_spikes - ref.peaks
    assert np.all((after_peak > NEST_STEP / 2 - NEST_SPIKE_SLACK) & (after_peak <= 1.5 * NEST_STEP + NEST_SPIKE_SLACK))
    lag = n_spikes - c_spikes
    assert np.all(lag > NEST_STEP / 2 - 1.5 * H - NEST_SPIKE_SLACK), lag
    assert np.all(lag < 1.5 * NEST_STEP - H / 2 + NEST_SPIKE_SLACK), lag


# -- 5. numerical blow-up -------------------------------------------------------------------------

def independent_rk4_failure_time(params, h, t_end):
    """End of the first classic RK4 step (of the reference's equations) whose result is not
    finite, or None."""
    p = dict(DEFAULTS, **params)
    y = np.array(initial_state())
    f = lambda y: np.array(rhs(0.0, y, p, 0.0))   # noqa: E731
    for k in range(1, int(round(t_end / h)) + 1):
        with np.errstate(all="ignore"):
            try:
                k1 = f(y)
                k2 = f(y + h / 2 * k1)
                k3 = f(y + h / 2 * k2)
                k4 = f(y + h * k3)
            except (OverflowError, ZeroDivisionError):
                return k * h               # exp overflowed: the C code's result is inf or NaN
            y = y + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        if not np.all(np.isfinite(y)):
            return k * h
    return None


@pytest.mark.parametrize("params", [{"h": 0.5, "I_e": 1000.0}, {"h": 5.0, "I_e": 1e5}, {"h": 0.1, "I_e": 1000.0}])
def test_blow_up_raises_numerical_error(params):
    # RK4 is unstable for h above ~2.8 / (g_Na / C_m) during an action potential; the blow-up is
    # super-exponential, so the step at which the state leaves the doubles is well defined.
    expected_t = independent_rk4_failure_time(params, params["h"], 50.0)
    assert expected_t is not None
    good = csnn.Create("hh_psc_alpha")                 # id 1: stays finite
    bad = csnn.Create("hh_psc_alpha", params=params)   # id 2
    with pytest.raises(NumericalError) as info:
        csnn.Simulate(50.0)
    message = str(info.value)
    assert isinstance(info.value, CSNNError) and isinstance(info.value, ArithmeticError)
    assert "hh_psc_alpha" in message
    assert re.search(rf"neuron {bad.get('global_id')}\b", message), message
    assert f"neuron {good.get('global_id')}:" not in message
    found = re.search(r"t = ([0-9.eE+-]+) ms", message)
    assert found, message
    assert float(found.group(1)) == pytest.approx(expected_t, abs=1e-9), message


def test_blow_up_with_tiny_capacitance():
    # C_m = 1e-3 pF makes dV/dt ~1e5 times larger: the first step explodes.
    csnn.Create("hh_psc_alpha", params={"C_m": 1e-3, "I_e": 100.0})
    with pytest.raises(NumericalError, match=r"hh_psc_alpha neuron 1\b.*t = 0\.01 ms"):
        csnn.Simulate(10.0)


# -- 6. csnn.hh -----------------------------------------------------------------------------------

M_SINGULAR, N_SINGULAR = -40.0, -55.0
voltages = st.floats(-150.0, 100.0, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(v=voltages)
def test_rates_match_the_formulas(v):
    # Away from the removable singularities the plain formulas are accurate: 1 - exp(-u) loses
    # at most eps / |u| < 2.2e-16 / 1e-4 relative for |u| = |V - V_s| / 10 > 1e-4 (and exp's
    # own rounding is ~1e-16), so 1e-10 relative is a safe bound.
    plain = {
        "alpha_m": lambda v: 0.1 * (v + 40.0) / (1.0 - math.exp(-(v + 40.0) / 10.0)),
        "beta_m": lambda v: 4.0 * math.exp(-(v + 65.0) / 18.0),
        "alpha_h": lambda v: 0.07 * math.exp(-(v + 65.0) / 20.0),
        "beta_h": lambda v: 1.0 / (1.0 + math.exp(-(v + 35.0) / 10.0)),
        "alpha_n": lambda v: 0.01 * (v + 55.0) / (1.0 - math.exp(-(v + 55.0) / 10.0)),
        "beta_n": lambda v: 0.125 * math.exp(-(v + 65.0) / 80.0),
    }
    for name, formula in plain.items():
        if name == "alpha_m" and abs(v - M_SINGULAR) < 1e-3 or name == "alpha_n" and abs(v - N_SINGULAR) < 1e-3:
            continue
        value = getattr(hh, name)(v)
        assert isinstance(value, float)
        assert value > 0.0
        assert value == pytest.approx(formula(v), rel=1e-10, abs=0.0), name


@settings(max_examples=200, deadline=None)
@given(d=st.floats(-1e-3, 1e-3, allow_nan=False))
def test_rates_at_the_removable_singularities(d):
    # Near V_s, x / (1 - e^{-x/10}) = 10 (1 + u/2 + u^2/12 - u^4/720 ...) with u = x / 10: the
    # series to u^2 is exact to 1e-16 relative for |u| <= 1e-4, so csnn must agree to 1e-12.
    for name, v_s, a in (("alpha_m", M_SINGULAR, 0.1), ("alpha_n", N_SINGULAR, 0.01)):
        x = (v_s + d) - v_s                  # the offset as the float v_s + d carries it
        u = x / 10.0
        series = a * 10.0 * (1.0 + u / 2.0 + u * u / 12.0)
        assert getattr(hh, name)(v_s + d) == pytest.approx(series, rel=1e-12, abs=0.0), (name, d)


def test_rates_are_continuous_through_the_singularities():
    assert hh.alpha_n(N_SINGULAR) == 0.1         # the limit 0.01 * 10
    assert hh.alpha_m(M_SINGULAR) == 1.0         # the limit 0.1 * 10
    for name, v_s, limit, slope in (("alpha_m", M_SINGULAR, 1.0, 0.05), ("alpha_n", N_SINGULAR, 0.1, 0.005)):
        fn = getattr(hh, name)
        # the neighbouring doubles give the limit to within the slope (d alpha / dV = a / 2)
        for v in (np.nextafter(v_s, -np.inf), np.nextafter(v_s, np.inf)):
            assert abs(fn(v) - limit) < 1e-13
        # increasing through the singularity (alpha_x is increasing in V) on a fine grid whose
        # spacing (1e-9 mV, a change of 5e-12 relative) is far above rounding (1e-16): no jump
        # where csnn switches between its series and the formula
        v = v_s + np.arange(-2000, 2001) * 1e-9
        values = fn(v)
        assert values.shape == v.shape
        steps = np.diff(values)
        assert np.all(steps > 0.0)
        np.testing.assert_allclose(steps, slope * 1e-9, rtol=1e-3)
        assert np.all(np.isfinite(fn(np.linspace(v_s - 1e-6, v_s + 1e-6, 10001))))


@settings(max_examples=100, deadline=None)
@given(v=voltages)
def test_steady_states_and_time_constants(v):
    for gate in "mhn":
        a, b = getattr(hh, f"alpha_{gate}")(v), getattr(hh, f"beta_{gate}")(v)
        x_inf, tau = hh.x_inf(gate, v), hh.tau_x(gate, v)
        assert 0.0 <= x_inf <= 1.0 and tau > 0.0
        assert x_inf == pytest.approx(a / (a + b), rel=1e-13)
        assert tau == pytest.approx(1.0 / (a + b), rel=1e-13)
        assert x_inf / tau == pytest.approx(a, rel=1e-12)      # alpha = x_inf / tau_x
        assert x_inf == pytest.approx(ref_steady(gate, v), rel=1e-10)


def test_rate_functions_take_arrays_and_match_the_model_defaults():
    v = np.linspace(-100.0, 50.0, 12).reshape(3, 4)
    for gate in "mhn":
        assert hh.x_inf(gate, v).shape == (3, 4) and hh.tau_x(gate, v).shape == (3, 4)
        np.testing.assert_array_equal(hh.x_inf(gate, v).ravel(), [hh.x_inf(gate, x) for x in v.ravel()])
    # the neuron starts with its gates at steady state at -65 mV
    defaults = csnn.GetDefaults("hh_psc_alpha")
    assert defaults["V_m"] == -65.0
    for gate, key in (("m", "Act_m"), ("h", "Inact_h"), ("n", "Act_n")):
        assert defaults[key] == pytest.approx(hh.x_inf(gate, -65.0), rel=1e-15)
    # the classic shapes: n_inf, m_inf rise and h_inf falls with V; tau_n peaks near -77 mV (NEST's shifted rates)
    volts = np.linspace(-100.0, 50.0, 301)
    assert np.all(np.diff(hh.x_inf("n", volts)) > 0) and np.all(np.diff(hh.x_inf("m", volts)) > 0)
    assert np.all(np.diff(hh.x_inf("h", volts)) < 0)
    assert -80.0 < volts[np.argmax(hh.tau_x("n", volts))] < -75.0
    with pytest.raises(CSNNError, match="gate"):
        hh.x_inf("k", 0.0)
    with pytest.raises(CSNNError, match="gate"):
        hh.tau_x("M", 0.0)


def relaxation(t, x_inf, x_0, tau):
    return x_inf + (x_0 - x_inf) * np.exp(-t / tau)


def fit_gate_from_g(t, g, g_max):
    """Fit x_inf and tau_x of a gate from g(t) = g_max x(t)^4 (n: the K+ conductance)."""
    x = (g / g_max) ** 0.25
    # a start from three equally spaced points of an exponential relaxation, refined by
    # least squares (exact data: the fit only removes rounding)
    i = len(t) // 3
    y0, y1, y2 = x[0], x[i], x[2 * i]
    r = (y2 - y1) / (y1 - y0)
    tau0 = -(t[i] - t[0]) / math.log(r)
    inf0 = (y0 * y2 - y1 * y1) / (y0 + y2 - 2.0 * y1)
    popt, _ = curve_fit(relaxation, t - t[0], x, p0=[inf0, y0, tau0], xtol=1e-15, ftol=1e-15, gtol=1e-15)
    return popt


@pytest.mark.parametrize("v_step", [-50.0, -20.0, 0.0, 30.0])
def test_voltage_clamp_recovers_n_inf_and_tau_n(v_step):
    g_k = DEFAULTS["g_K"]
    clamp = hh.voltage_clamp([-65.0, v_step, -65.0], [5.0, 20.0, 10.0])
    t, volts = clamp["times"], clamp["V"]
    step = (t >= 5.0 - 1e-9) & (t < 25.0 - 1e-9)
    assert np.all(volts[step] == v_step) and np.all(volts[~step] == -65.0)
    # the classic exercise: g_K(t) = I_K / (V - E_K)
    g = clamp["I_K"][step] / (volts[step] - clamp["E_K"])
    np.testing.assert_allclose(g, g_k * clamp["n"][step] ** 4, rtol=1e-12)
    n_inf, n_0, tau = fit_gate_from_g(t[step], g, g_k)
    # the clamp is the exact solution, so the fit recovers the kinetics to rounding: ~1e-6
    # relative is the brief's bound, the fit gets ~1e-10
    assert n_inf == pytest.approx(hh.x_inf("n", v_step), rel=1e-6)
    assert tau == pytest.approx(hh.tau_x("n", v_step), rel=1e-6)
    assert n_0 == pytest.approx(hh.x_inf("n", -65.0), rel=1e-6)
    # before the step: at rest at the holding potential
    np.testing.assert_allclose(clamp["n"][t < 5.0 - 1e-9], hh.x_inf("n", -65.0), rtol=1e-14)
    # after the step back (tail current): n continues from where the step left it
    after = t >= 25.0 - 1e-9
    n_end = relaxation(20.0, hh.x_inf("n", v_step), hh.x_inf("n", -65.0), hh.tau_x("n", v_step))
    np.testing.assert_allclose(clamp["n"][after],
                               relaxation(t[after] - 25.0, hh.x_inf("n", -65.0), n_end, hh.tau_x("n", -65.0)),
                               rtol=1e-12)
    # the returned currents follow from the gates and the reversal potentials
    np.testing.assert_allclose(clamp["I_Na"], DEFAULTS["g_Na"] * clamp["m"] ** 3 * clamp["h"] * (volts - 50.0),
                               rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(clamp["I_L"], DEFAULTS["g_L"] * (volts - DEFAULTS["E_L"]), rtol=1e-12)


def test_voltage_clamp_sodium_current_is_a_transient_inward_current():
    clamp = hh.voltage_clamp([-65.0, 0.0], [2.0, 20.0], dt=0.005)
    t = clamp["times"] - 2.0
    i_na, i_k = clamp["I_Na"], clamp["I_K"]
    early = (t > 0.0) & (t < 2.0)
    # inward (negative, NEST's sign convention) at 0 mV: the driving force V - E_Na = -50 mV
    assert np.all(i_na[early] < 0.0)
    # a transient: it peaks (m opens within ~0.3 ms) and inactivates (h closes, tau_h ~1 ms)
    peak = np.argmin(i_na)
    assert 0.1 < t[peak] < 1.5
    assert abs(i_na[-1]) < 0.05 * abs(i_na[peak])
    # I_K is outward and rises monotonically (n^4: sigmoidal, delayed)
    step = t >= 0.0
    assert np.all(i_k[step] > 0.0) and np.all(np.diff(i_k[step]) > 0.0)
    # the parameters can be overridden: E_Na = 0 mV removes the sodium current at 0 mV
    other = hh.voltage_clamp([-65.0, 0.0], [2.0, 5.0], params={"E_Na": 0.0})
    assert other["E_Na"] == 0.0 and np.all(other["I_Na"][other["V"] == 0.0] == 0.0)


@pytest.mark.parametrize("args, kwargs, pattern", [
    (([-65.0, 0.0], [5.0]), {}, r"V_steps has 2 values and durations 1"),
    (([-65.0, 0.0], [5.0, -1.0]), {}, r"durations must be finite and > 0"),
    (([-65.0], [0.0]), {}, r"durations must be finite and > 0"),
    (([], []), {}, r"V_steps has 0 values"),
    (([np.nan], [1.0]), {}, r"V_steps must be finite"),
    (([-65.0], [1.0]), {"dt": 0.0}, r"dt = 0.0 is invalid"),
    (([-65.0], [1.0]), {"dt": -0.1}, r"dt = -0.1 is invalid"),
    (([-65.0], [1.0]), {"params": {"g_X": 1.0}}, r"unknown parameter.*g_X"),
])
def test_voltage_clamp_bad_arguments(args, kwargs, pattern):
    with pytest.raises(CSNNError, match=pattern) as info:
        hh.voltage_clamp(*args, **kwargs)
    assert isinstance(info.value, ValueError)
    assert str(info.value).startswith("voltage_clamp:")


# -- 7. status after Simulate -------------------------------------------------------------------

def test_status_after_simulate_is_the_state_at_that_time():
    # GetStatus after Simulate(T) reports the state at T, also between step ends
    ref = reference("dc1000")
    for t_sim in (2.1, 2.105, 17.0):
        csnn.ResetKernel()
        neuron = csnn.Create("hh_psc_alpha", params={"I_e": 1000.0})
        csnn.Simulate(t_sim)
        assert neuron.get("V_m") == pytest.approx(ref.v(t_sim)[0], abs=V_TOL)


# -- the example ----------------------------------------------------------------------------------

@pytest.mark.source_tree
def test_example_runs_and_recovers_the_kinetics(tmp_path):
    env = dict(os.environ, MPLBACKEND="Agg")
    result = subprocess.run([sys.executable, str(ROOT / "examples" / "hh_action_potential.py"),
                             "--out-prefix", str(tmp_path / "demo")],
                            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for name in ("demo_action_potential.png", "demo_voltage_clamp.png"):
        assert (tmp_path / name).stat().st_size > 10000, name
    # the seed experiment fires once, just after the 1e4 pA input at 51 ms
    spikes = [float(x) for x in re.search(r"spike times \(ms\):\s*(.*)", out).group(1).split()]
    assert len(spikes) == 1 and 51.0 < spikes[0] < 53.0
    # the table: V (mV), fitted n_inf, csnn n_inf, fitted tau_n, csnn tau_n
    rows = re.findall(r"^\s*(-?[0-9.]+)\s+([0-9.eE+-]+)\s+([0-9.eE+-]+)\s+([0-9.eE+-]+)\s+([0-9.eE+-]+)\s*$",
                      out, flags=re.M)
    assert len(rows) >= 5, out
    for v, n_fit, n_csnn, tau_fit, tau_csnn in rows:
        v = float(v)
        assert float(n_csnn) == pytest.approx(hh.x_inf("n", v), rel=1e-8)
        assert float(tau_csnn) == pytest.approx(hh.tau_x("n", v), rel=1e-8)
        assert float(n_fit) == pytest.approx(hh.x_inf("n", v), rel=1e-6)
        assert float(tau_fit) == pytest.approx(hh.tau_x("n", v), rel=1e-6)
    # --no-plot: no figures
    result = subprocess.run([sys.executable, str(ROOT / "examples" / "hh_action_potential.py"),
                             "--out-prefix", str(tmp_path / "bare"), "--no-plot"],
                            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert not list(tmp_path.glob("bare*"))
