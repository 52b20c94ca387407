"""iaf_psc_delta against its closed-form solution: membrane trajectories, spike times, F-I curve.

References are computed here from the analytic solution, independently of csnn's code:
between events V(t) = V_inf + (V_0 - V_inf) exp(-(t - t_0)/tau_m), V_inf = E_L + I tau_m / C_m,
and an input of weight w adds w at its arrival time.
"""
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import csnn
from conftest import grid_arrivals

# Tolerances.  Each csnn update is one exact-propagator step whose rounding error is a few ulp
# of |V| (~1e-14 mV at 70 mV); a trajectory of a few hundred events accumulates < 1e-11 mV.
# 1e-9 mV bounds that arithmetic with a wide margin; any modelling error (a wrong decay, a
# misplaced or lost input, a wrong current window) shows up at the 1e-3 mV level or above.
V_TOL = 1e-9          # mV
# Spike times come from t* = t0 + tau ln(...) evaluated in double precision: the relative error
# of log1p and of the sums is ~1e-16, i.e. ~1e-13 ms at t ~ 1000 ms, accumulating over <= 1000
# spikes to < 1e-10 ms.
T_TOL = 1e-9          # ms

params_strategy = st.fixed_dictionaries({
    "tau_m": st.floats(2.0, 50.0),
    "C_m": st.floats(50.0, 500.0),
    "E_L": st.floats(-80.0, -50.0),
})


def lif_reference(t, t0, v0, tau_m, v_inf):
    return v_inf + (v0 - v_inf) * np.exp(-(t - t0) / tau_m)


@settings(max_examples=40, deadline=None)
@given(p=params_strategy,
       dv0=st.floats(-10.0, 10.0),
       i_frac=st.floats(0.0, 0.9),
       inputs=st.lists(st.tuples(st.floats(0.05, 99.0), st.floats(-5.0, 5.0)), min_size=0, max_size=40),
       delay=st.floats(0.1, 5.0))
def test_subthreshold_trajectory_matches_closed_form(p, dv0, i_frac, inputs, delay):
    csnn.ResetKernel()
    threshold_gap = 1000.0          # no spikes: the trajectory stays far below V_th
    # subthreshold drive: I_e * tau / C_m below the threshold gap
    i_e = i_frac * 50.0 * p["C_m"] / p["tau_m"]
    v0 = p["E_L"] + dv0
    nrn = csnn.Create("iaf_psc_delta", params=dict(p, I_e=i_e, V_m=v0, V_th=p["E_L"] + threshold_gap))
    times = np.array(sorted(t for t, _ in inputs))
    weights = np.array([w for _, w in sorted(inputs)])
    if times.size:
        gen = csnn.Create("spike_generator", params={"spike_times": times, "spike_weights": weights})
        csnn.Connect(gen, nrn, syn_spec={"weight": 1.0, "delay": delay})
    vm = csnn.Create("voltmeter", params={"interval": 0.1})
    csnn.Connect(vm, nrn)
    csnn.Simulate(110.0)
    ev = vm.get("events")
    t = ev["times"]
    v_inf = p["E_L"] + i_e * p["tau_m"] / p["C_m"]
    expected = lif_reference(t, 0.0, v0, p["tau_m"], v_inf)
    arrivals = grid_arrivals(times, delay)
    for a, w in zip(arrivals, weights):
        expected = expected + np.where(t >= a, w * np.exp(-(t - a) / p["tau_m"]), 0.0)
    np.testing.assert_allclose(ev["V_m"], expected, rtol=0, atol=V_TOL)


def autonomous_spike_times(p, i_e, v0, t_end):
    """Spike times of a DC-driven LIF from the closed form."""
    v_inf = p["E_L"] + i_e * p["tau_m"] / p["C_m"]
    if v_inf <= p["V_th"]:
        return np.zeros(0)
    first = p["tau_m"] * math.log((v_inf - v0) / (v_inf - p["V_th"]))
    period = p["t_ref"] + p["tau_m"] * math.log((v_inf - p["V_reset"]) / (v_inf - p["V_th"]))
    n = int((t_end - first) // period) + 1 if first <= t_end else 0
    return first + period * np.arange(n)


@settings(max_examples=40, deadline=None)
@given(p=params_strategy, gap=st.floats(5.0, 30.0), reset_frac=st.floats(0.0, 0.9),
       t_ref=st.floats(0.0, 5.0), drive=st.floats(1.01, 4.0))
def test_autonomous_spike_times(p, gap, reset_frac, t_ref, drive):
    csnn.ResetKernel()
    p = dict(p, V_th=p["E_L"] + gap, V_reset=p["E_L"] + reset_frac * gap, t_ref=t_ref)
    i_e = drive * gap * p["C_m"] / p["tau_m"]           # V_inf - E_L = drive * gap > gap
    nrn = csnn.Create("iaf_psc_delta", params=dict(p, I_e=i_e, V_m=p["E_L"]))
    sr = csnn.Create("spike_recorder")
    csnn.Connect(nrn, sr)
    csnn.Simulate(500.0)
    got = sr.get("events")["times"]
    expected = autonomous_spike_times(p, i_e, p["E_L"], 500.0)
    # a spike within T_TOL of the end could fall either side of it
    if expected.size and 500.0 - expected[-1] < T_TOL:
        expected = expected[:-1]
        got = got[got < 500.0 - T_TOL]
    assert got.size == expected.size
    np.testing.assert_allclose(got, expected, rtol=0, atol=T_TOL)


def test_fi_curve_matches_analytic_rate():
    """1000 neurons with I_e from 0 to 1000 pA: spike counts equal the closed form's."""
    csnn.ResetKernel()
    currents = np.linspace(0.0, 1000.0, 1000)
    nrns = csnn.Create("iaf_psc_delta", 1000, params={"I_e": currents})
    sr = csnn.Create("spike_recorder")
    csnn.Connect(nrns, sr)
    t_end = 2000.0
    csnn.Simulate(t_end)
    ev = sr.get("events")
    counts = np.bincount(ev["senders"] - nrns[0], minlength=1000)
    p = csnn.GetDefaults("iaf_psc_delta")
    expected = np.array([autonomous_spike_times(p, i, p["V_m"], t_end).size for i in currents])
    np.testing.assert_array_equal(counts, expected)
    # the rheobase: V_inf = V_th at I = (V_th - E_L) C_m / tau_m = 375 pA
    assert counts[currents <= 375.0].sum() == 0 and counts[currents > 376.0].min() > 0


def test_input_driven_spike_is_at_the_arrival_time():
    csnn.ResetKernel()
    nrn = csnn.Create("iaf_psc_delta")
    gen = csnn.Create("spike_generator", params={"spike_times": [10.123456789]})
    csnn.Connect(gen, nrn, syn_spec={"weight": 20.0, "delay": 0.987654321})
    sr = csnn.Create("spike_recorder")
    csnn.Connect(nrn, sr)
    csnn.Simulate(20.0)
    assert sr.get("events")["times"].tolist() == [10.123456789 + 0.987654321]


def test_simultaneous_inputs_are_summed_before_the_threshold_check():
    """+20 mV and -20 mV arriving together cancel (as in NEST): no spike."""
    csnn.ResetKernel()
    nrn = csnn.Create("iaf_psc_delta")
    gen_ex = csnn.Create("spike_generator", params={"spike_times": [5.0]})
    gen_in = csnn.Create("spike_generator", params={"spike_times": [5.0]})
    csnn.Connect(gen_ex, nrn, syn_spec={"weight": 20.0})
    csnn.Connect(gen_in, nrn, syn_spec={"weight": -20.0})
    sr = csnn.Create("spike_recorder")
    csnn.Connect(nrn, sr)
    csnn.Simulate(10.0)
    assert sr.get("n_events") == 0
    assert nrn.get("V_m") == pytest.approx(-70.0, abs=1e-12)


@pytest.mark.parametrize("refractory_input", [False, True])
def test_refractory_input(refractory_input):
    """Input during (t_spike, t_spike + t_ref] is discarded, or buffered with decay."""
    csnn.ResetKernel()
    tau, t_ref = 10.0, 2.0
    nrn = csnn.Create("iaf_psc_delta", params={"t_ref": t_ref, "refractory_input": refractory_input})
    # spike at 5.0 (arrival of a 20 mV input), then inputs at 5.5, 7.0 (= end of refractoriness)
    # and 9.0
    gen = csnn.Create("spike_generator", params={"spike_times": [4.0, 4.5, 6.0, 8.0],
                                                 "spike_weights": [20.0, 3.0, 2.0, 1.0]})
    csnn.Connect(gen, nrn, syn_spec={"weight": 1.0, "delay": 1.0})
    vm = csnn.Create("voltmeter", params={"interval": 0.1})
    csnn.Connect(vm, nrn)
    csnn.Simulate(12.0)
    ev = vm.get("events")
    t, v = ev["times"], ev["V_m"]
    e_l = -70.0
    expected = np.full(t.shape, e_l)
    end = 5.0 + t_ref
    if refractory_input:
        buffered = 3.0 * math.exp(-(end - 5.5) / tau) + 2.0
        after = t > end
        expected[after] += buffered * np.exp(-(t[after] - end) / tau)
    expected[t >= 9.0] += 1.0 * np.exp(-(t[t >= 9.0] - 9.0) / tau)
    np.testing.assert_allclose(v, expected, atol=V_TOL)


def test_v_min_bounds_the_membrane_potential():
    csnn.ResetKernel()
    nrn = csnn.Create("iaf_psc_delta", params={"V_min": -75.0})
    gen = csnn.Create("spike_generator", params={"spike_times": [1.0]})
    csnn.Connect(gen, nrn, syn_spec={"weight": -20.0})
    csnn.Simulate(2.5)
    # clamped at -75 on arrival (2.0), then relaxing towards E_L = -70 mV
    assert nrn.get("V_m") == pytest.approx(-70.0 - 5.0 * math.exp(-0.5 / 10.0), abs=V_TOL)


def test_dc_generator_current_switches_exactly():
    """The neuron receives the amplitude during (start + delay, stop + delay]."""
    csnn.ResetKernel()
    nrn = csnn.Create("iaf_psc_delta")
    dc = csnn.Create("dc_generator", params={"amplitude": 100.0, "start": 10.0, "stop": 30.0})
    csnn.Connect(dc, nrn, syn_spec={"weight": 2.0, "delay": 1.5})
    vm = csnn.Create("voltmeter", params={"interval": 0.1})
    csnn.Connect(vm, nrn)
    csnn.Simulate(60.0)
    ev = vm.get("events")
    t = ev["times"]
    on, off, tau, r = 11.5, 31.5, 10.0, 10.0 / 250.0
    du_inf = 200.0 * r
    u = np.where(t <= on, 0.0, du_inf * (1 - np.exp(-(np.minimum(t, off) - on) / tau)))
    u_off = du_inf * (1 - math.exp(-(off - on) / tau))
    u = np.where(t > off, u_off * np.exp(-(t - off) / tau), u)
    np.testing.assert_allclose(ev["V_m"], -70.0 + u, atol=V_TOL)


def test_setting_i_e_between_calls_changes_the_dynamics_from_then_on():
    csnn.ResetKernel()
    nrn = csnn.Create("iaf_psc_delta")
    csnn.Simulate(20.0)
    nrn.set(I_e=200.0)
    csnn.Simulate(15.0)
    # V_inf - E_L = 200 pA * 10 ms / 250 pF = 8 mV, switched on at t = 20 ms
    assert nrn.get("V_m") == pytest.approx(-70.0 + 8.0 * (1 - math.exp(-1.5)), abs=V_TOL)


def test_initial_potential_above_threshold_fires_at_once():
    csnn.ResetKernel()
    nrn = csnn.Create("iaf_psc_delta", params={"V_m": -50.0})
    sr = csnn.Create("spike_recorder")
    csnn.Connect(nrn, sr)
    csnn.Simulate(5.0)
    times = sr.get("events")["times"]
    # emitted at the first representable instant after t = 0 (NEST: at the end of the first step)
    assert times.size == 1 and 0.0 < times[0] < 1e-300
    assert nrn.get("V_m") == -70.0


@settings(max_examples=15, deadline=None)
@given(p=params_strategy, gap=st.floats(5.0, 30.0), t_ref=st.floats(0.5, 5.0))
def test_fi_curve_for_random_parameters(p, gap, t_ref):
    """Firing rates over a current sweep equal the analytic LIF rate
    r(I) = 1 / (t_ref + tau_m ln((V_inf - V_reset) / (V_inf - V_th))), 0 below rheobase."""
    csnn.ResetKernel()
    p = dict(p, V_th=p["E_L"] + gap, V_reset=p["E_L"], t_ref=t_ref)
    rheobase = gap * p["C_m"] / p["tau_m"]
    currents = np.linspace(0.0, 4.0 * rheobase, 60)
    nrns = csnn.Create("iaf_psc_delta", currents.size, params=dict(p, I_e=currents, V_m=p["V_reset"]))
    sr = csnn.Create("spike_recorder")
    csnn.Connect(nrns, sr)
    t_end = 5000.0
    csnn.Simulate(t_end)
    senders = sr.get("events")["senders"]
    counts = np.bincount(senders - nrns[0], minlength=currents.size)
    v_inf = p["E_L"] + currents * p["tau_m"] / p["C_m"]
    with np.errstate(divide="ignore", invalid="ignore"):
        period = t_ref + p["tau_m"] * np.log((v_inf - p["V_reset"]) / (v_inf - p["V_th"]))
    # starting at V_reset the k-th spike falls at k * period - t_ref: counts are exact
    expected = np.where(v_inf > p["V_th"], np.floor((t_end + t_ref) / period), 0.0)
    near_edge = np.abs((t_end + t_ref) / period - np.round((t_end + t_ref) / period)) < 1e-9
    np.testing.assert_array_equal(counts[~near_edge], expected[~near_edge])
