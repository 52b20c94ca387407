"""csnn.analysis against analytic results: rates and intervals of regular trains, Poisson
statistics, the population rate, the F-I curve of iaf_psc_delta, the STDP window simulated by
csnn, weight matrices and neo export; and the errors for bad input."""
import math
import sys

import numpy as np
import pytest
from hypothesis import assume, given, settings, strategies as st

import csnn
from csnn import analysis
from csnn.errors import BadParameterError, BadTypeError, KernelStateError, UnknownModelError, UnknownParameterError

from conftest import quiet


def regular_trains(period, phases, t_end):
    """(times, senders) of trains phi_i + k period, k >= 0, up to t_end, senders 1, 2, ...,
    interleaved in time order as a recorder gives them."""
    times = [phase + period * np.arange(math.ceil((t_end - phase) / period) + 1) for phase in phases]
    senders = [np.full(t.size, i + 1) for i, t in enumerate(times)]
    times, senders = np.concatenate(times), np.concatenate(senders)
    order = np.argsort(times, kind="stable")
    return times[order], senders[order]


def poisson_train(rng, rate, duration):
    """Spike times (ms) of a Poisson process of ``rate`` Hz over [0, duration)."""
    n = rng.poisson(rate * duration / 1000.0)
    return np.sort(rng.uniform(0.0, duration, n))


# -- rates, intervals, variability ------------------------------------------------------------------

regular = dict(period=st.floats(0.5, 100.0), n_periods=st.integers(1, 50), t_start=st.floats(0.0, 1000.0),
               phase_fractions=st.lists(st.floats(0.0, 0.999), min_size=1, max_size=5))


@settings(max_examples=50, deadline=None)
@given(**regular)
def test_rates_of_regular_trains(period, n_periods, t_start, phase_fractions):
    """A half-open window of n whole periods holds exactly n spikes of a regular train, whatever
    its phase: every rate is 1000 / period Hz."""
    phases = [f * period for f in phase_fractions]
    t_stop = t_start + n_periods * period
    times, senders = regular_trains(period, phases, t_stop + period)
    # a spike within rounding of an edge may fall on either side of it
    assume(np.all(np.minimum(np.abs(times - t_start), np.abs(times - t_stop)) > 1e-9))
    ids, rates = analysis.firing_rates((times, senders), t_start, t_stop)
    assert ids.tolist() == list(range(1, len(phases) + 1))
    np.testing.assert_allclose(rates, 1000.0 / period, rtol=1e-9)
    assert analysis.mean_firing_rate((times, senders), t_start, t_stop) == pytest.approx(1000.0 / period, rel=1e-9)


@settings(max_examples=50, deadline=None)
@given(**regular)
def test_regular_trains_have_cv_and_fano_zero(period, n_periods, t_start, phase_fractions):
    """Equal intervals: CV 0.  Bins of one period: one spike in each, so the counts' variance and
    the Fano factor are 0.  (Rounding makes the intervals differ by ~1e-16 of the spike times.)"""
    phases = [f * period for f in phase_fractions]
    t_stop = t_start + n_periods * period
    times, senders = regular_trains(period, phases, t_stop + period)
    assume(np.all(np.minimum(np.abs(times - t_start), np.abs(times - t_stop)) > 1e-9))
    _, cvs = analysis.cv_isi((times, senders))
    assert np.all(cvs < 1e-9)
    # bin edges are t_start + k period: no spike within rounding of an edge (checked above)
    _, fanos = analysis.fano_factor((times, senders), t_start, t_stop, period)
    np.testing.assert_array_equal(fanos, 0.0)


@settings(max_examples=50, deadline=None)
@given(data=st.data(), n_neurons=st.integers(1, 5))
def test_isis_are_the_differences_of_each_train(data, n_neurons):
    times = np.array(data.draw(st.lists(st.floats(0.0, 1000.0), max_size=60, unique=True)))
    senders = np.array(data.draw(st.lists(st.integers(1, n_neurons), min_size=times.size, max_size=times.size)),
                       dtype=int)
    window = sorted(data.draw(st.lists(st.floats(0.0, 1000.0), min_size=2, max_size=2, unique=True)))
    isis = analysis.isis((times, senders))
    assert sorted(isis) == sorted(set(senders.tolist()))
    for i, intervals in isis.items():
        np.testing.assert_array_equal(intervals, np.diff(np.sort(times[senders == i])))
    in_window = analysis.isis((times, senders), *window)
    for i, intervals in in_window.items():
        inside = times[(senders == i) & (times >= window[0]) & (times < window[1])]
        np.testing.assert_array_equal(intervals, np.diff(np.sort(inside)))


def test_poisson_trains_have_cv_and_fano_one():
    """Five Poisson trains of 20 Hz over 1000 s (seeded).  Sampling errors (delta method):
    the CV of n exponential intervals has standard error 1/sqrt(n), n ~ 20000: 0.007; the Fano
    factor of K Poisson counts has standard error sqrt(2/K), K = 10000 bins of 100 ms: 0.014;
    the rate (N ~ 20000 spikes) has standard error sqrt(N)/1000 s ~ 0.14 Hz.  Bounds: 4 errors."""
    rng = np.random.default_rng(7)
    rate, duration, n_neurons = 20.0, 1_000_000.0, 5
    trains = [poisson_train(rng, rate, duration) for _ in range(n_neurons)]
    spikes = {"times": np.concatenate(trains), "senders": np.repeat(np.arange(1, 6), [t.size for t in trains])}
    _, rates = analysis.firing_rates(spikes, 0.0, duration)
    np.testing.assert_array_less(np.abs(rates - rate), 4 * math.sqrt(rate * duration / 1000.0) / (duration / 1000.0))
    _, cvs = analysis.cv_isi(spikes)
    np.testing.assert_array_less(np.abs(cvs - 1.0), 4 / math.sqrt(rate * duration / 1000.0))
    _, fanos = analysis.fano_factor(spikes, 0.0, duration, 100.0)
    np.testing.assert_array_less(np.abs(fanos - 1.0), 4 * math.sqrt(2 / (duration / 100.0)))


def test_undefined_cv_and_fano_are_nan():
    """Two spikes give one interval (no CV); a neuron silent in the window has no Fano factor."""
    spikes = (np.array([1.0, 2.0, 3.0, 4.0, 50.0, 60.0]), np.array([1, 1, 1, 1, 2, 2]))
    _, cvs = analysis.cv_isi(spikes)
    assert cvs[0] == 0.0 and np.isnan(cvs[1])
    _, fanos = analysis.fano_factor(spikes, 0.0, 10.0, 1.0)
    assert np.isnan(fanos[1])


def test_silent_neurons_count_only_when_listed():
    spikes = {"times": np.array([10.0, 20.0, 30.0, 40.0]), "senders": np.array([3, 3, 3, 3])}
    ids, rates = analysis.firing_rates(spikes, 0.0, 100.0)
    assert ids.tolist() == [3] and rates.tolist() == [40.0]
    ids, rates = analysis.firing_rates(spikes, 0.0, 100.0, neurons=[5, 3, 4])
    assert ids.tolist() == [5, 3, 4] and rates.tolist() == [0.0, 40.0, 0.0]
    assert analysis.mean_firing_rate(spikes, 0.0, 100.0, neurons=[5, 3, 4]) == pytest.approx(40.0 / 3)
    # a neuron that fired only outside the window is still found, at 0 Hz
    ids, rates = analysis.firing_rates(spikes, 50.0, 100.0)
    assert ids.tolist() == [3] and rates.tolist() == [0.0]


@settings(max_examples=50, deadline=None)
@given(data=st.data(), n_neurons=st.integers(1, 5), bin_size=st.floats(0.5, 50.0),
       n_bins=st.integers(1, 40), t_start=st.floats(0.0, 500.0))
def test_population_rate_counts_every_spike_in_its_bin(data, n_neurons, bin_size, n_bins, t_start):
    times = np.array(data.draw(st.lists(st.floats(0.0, 2500.0), max_size=100)))
    senders = np.array(data.draw(st.lists(st.integers(1, n_neurons), min_size=times.size, max_size=times.size)),
                       dtype=int)
    neurons = list(range(1, n_neurons + 1))
    t_stop = t_start + n_bins * bin_size
    edges, rates = analysis.population_rate((times, senders), t_start, t_stop, bin_size, neurons)
    assert edges.size == n_bins + 1 and edges[0] == t_start and edges[-1] == t_stop
    counts = rates * n_neurons * bin_size / 1000.0
    in_window = np.sum((times >= t_start) & (times < t_stop))
    assert counts.sum() == pytest.approx(in_window, abs=1e-9)
    expected = [np.sum((times >= lo) & (times < hi)) for lo, hi in zip(edges[:-1], edges[1:])]
    np.testing.assert_allclose(counts, expected, atol=1e-9)


def test_population_rate_bins_cover_every_spike_without_t_stop():
    spikes = (np.array([0.5, 12.0, 15.0]), np.array([1, 2, 1]))
    edges, rates = analysis.population_rate(spikes, 0.0, None, 5.0)
    np.testing.assert_array_equal(edges, [0.0, 5.0, 10.0, 15.0, 20.0])
    # 2 neurons, 5 ms bins: one spike is 100 Hz per neuron
    np.testing.assert_array_equal(rates, [100.0, 0.0, 100.0, 100.0])


# -- inputs -----------------------------------------------------------------------------------------

def test_every_spike_input_form_gives_the_same_trains(fresh_kernel):
    neurons = csnn.Create("iaf_psc_delta", 3, params={"I_e": np.array([380.0, 450.0, 600.0])})
    recorder = csnn.Create("spike_recorder")
    csnn.Connect(neurons, recorder)
    csnn.Simulate(200.0)
    events = recorder.get("events")
    forms = [recorder, recorder[0], events, csnn.GetStatus(recorder, "events")[0],
             (events["times"], events["senders"]), (events["times"].tolist(), events["senders"].astype(float))]
    reference = analysis.spike_trains(events)
    assert sorted(reference) == neurons.tolist() and all(t.size > 0 for t in reference.values())
    for form in forms:
        trains = analysis.spike_trains(form)
        assert list(trains) == list(reference)
        for i in reference:
            np.testing.assert_array_equal(trains[i], reference[i])


def test_recorders_other_than_spike_recorders_are_refused(fresh_kernel, tmp_path):
    meter = csnn.Create("voltmeter")
    with pytest.raises(BadParameterError, match=r"spikes: node \d+ is a voltmeter, not a spike_recorder"):
        analysis.spike_trains(meter)
    with pytest.raises(BadParameterError, match="spikes: give one recorder, got 2 nodes"):
        analysis.spike_trains(csnn.Create("spike_recorder", 2))
    csnn.SetKernelStatus({"data_path": str(tmp_path)})
    to_file = csnn.Create("spike_recorder", params={"record_to": "ascii"})
    with pytest.raises(BadParameterError, match="records to 'ascii', so it keeps no events; use record_to='memory' \\(or 'npz'\\), or read its file"):
        analysis.firing_rates(to_file, 0.0, 10.0)


SPIKES = (np.array([1.0, 2.0, 3.0]), np.array([1, 2, 1]))
BAD_INPUTS = [
    (lambda: analysis.firing_rates(SPIKES, 10.0, 5.0), BadParameterError,
     r"t_stop = 5.0 ms must be greater than t_start = 10.0 ms"),
    (lambda: analysis.firing_rates(SPIKES, 5.0, 5.0), BadParameterError,
     r"t_stop = 5.0 ms must be greater than t_start = 5.0 ms"),
    (lambda: analysis.firing_rates(SPIKES, math.nan, 5.0), BadParameterError, r"t_start = nan ms: accepted: a finite"),
    (lambda: analysis.firing_rates(SPIKES, "0", 5.0), BadTypeError, r"t_start must be a time in ms .*'0' of type str"),
    (lambda: analysis.firing_rates(SPIKES, None, 5.0), BadTypeError, r"t_start must be a time in ms .*None"),
    (lambda: analysis.population_rate(SPIKES, 0.0, 10.0, -5.0), BadParameterError,
     r"bin_size = -5.0 ms: accepted: a duration > 0 ms"),
    (lambda: analysis.population_rate(SPIKES, 0.0, 10.0, 3.0), BadParameterError,
     r"bin_size = 3.0 ms does not divide the window \[0.0, 10.0\) ms of 10.0 ms into whole bins"),
    (lambda: analysis.fano_factor(SPIKES, 0.0, 10.0, 20.0), BadParameterError,
     r"bin_size = 20.0 ms does not divide the window"),
    (lambda: analysis.population_rate((SPIKES[0][:0], SPIKES[1][:0]), 0.0, None, 5.0), BadParameterError,
     r"no spike to size the bins by; give t_stop"),
    (lambda: analysis.mean_firing_rate((SPIKES[0][:0], SPIKES[1][:0]), 0.0, 5.0), BadParameterError,
     r"no neurons to average over; pass neurons"),
    (lambda: analysis.spike_trains((SPIKES[0], SPIKES[1][:2])), BadParameterError,
     r"spikes: 3 times but 2 senders"),
    (lambda: analysis.spike_trains((SPIKES[0], [1.0, 2.5, 1.0])), BadTypeError,
     r"senders must be a 1-D array of node ids \(integers\), got \[1.0, 2.5, 1.0\]"),
    (lambda: analysis.spike_trains(([1.0, math.inf], [1, 2])), BadParameterError,
     r"spike times must be finite numbers, got \[1.0, inf\]"),
    (lambda: analysis.spike_trains({"times": SPIKES[0], "sender": SPIKES[1]}), BadParameterError,
     r"the events dict has no \['senders'\]; it has \['sender', 'times'\]"),
    (lambda: analysis.spike_trains([1.0, 2.0]), BadTypeError,
     r"spikes must be a spike recorder, its events dict or a tuple \(times, senders\), got \[1.0, 2.0\] of type list"),
    (lambda: analysis.spike_trains(SPIKES, neurons=[1, 2, 1]), BadParameterError, r"neurons repeats ids \[1, 2, 1\]"),
    (lambda: analysis.spike_trains(SPIKES, neurons=[]), BadParameterError, r"neurons is empty"),
]


@pytest.mark.parametrize("call, error, message", BAD_INPUTS, ids=[m[:40] for _, _, m in BAD_INPUTS])
def test_bad_inputs_name_argument_value_and_what_is_accepted(call, error, message):
    with pytest.raises(error, match=message):
        call()


# -- F-I curve --------------------------------------------------------------------------------------

def lif_rate(I_e, tau_m, C_m, t_ref, E_L=-70.0, V_th=-55.0, V_reset=-70.0):
    """Rate (Hz) of iaf_psc_delta under constant current I_e (pA): 1 / (t_ref + tau_m
    ln((V_inf - V_reset) / (V_inf - V_th))), V_inf = E_L + I_e tau_m / C_m; 0 when V_inf <= V_th."""
    v_inf = E_L + I_e * tau_m / C_m
    if v_inf <= V_th:
        return 0.0
    return 1000.0 / (t_ref + tau_m * math.log((v_inf - V_reset) / (v_inf - V_th)))


@settings(max_examples=15, deadline=None)
@given(currents=st.lists(st.floats(0.0, 2000.0), min_size=1, max_size=6), tau_m=st.floats(2.0, 40.0),
       C_m=st.floats(50.0, 500.0), t_ref=st.floats(0.1, 5.0))
def test_fi_curve_is_the_analytic_lif_rate(currents, tau_m, C_m, t_ref):
    """csnn integrates iaf_psc_delta exactly, so each train is periodic after its first spike and
    [t_start, t_sim) holds floor or ceil of (t_sim - t_start) / period spikes: the rate is within
    one spike over the window, 1000 / 800 Hz, of the analytic rate."""
    quiet(csnn)
    csnn.ResetKernel()
    rates = analysis.fi_curve("iaf_psc_delta", currents, params={"tau_m": tau_m, "C_m": C_m, "t_ref": t_ref},
                              t_sim=1000.0, t_start=200.0)
    expected = [lif_rate(i, tau_m, C_m, t_ref) for i in currents]
    np.testing.assert_array_less(np.abs(rates - expected), 1000.0 / 800.0)


def test_fi_curve_leaves_a_built_network_alone(fresh_kernel):
    neurons = csnn.Create("iaf_psc_delta", 2)
    csnn.Simulate(10.0)
    with pytest.raises(KernelStateError, match="already holds 2 nodes .* call csnn.ResetKernel"):
        analysis.fi_curve("iaf_psc_delta", [500.0])
    assert csnn.GetKernelStatus("network_size") == 2 and csnn.GetKernelStatus("biological_time") == 10.0
    assert neurons.get("I_e") == (0.0, 0.0)


def test_fi_curve_counts_from_the_start_of_its_run(fresh_kernel):
    """An empty kernel already simulated to 500 ms: the window is [500 + t_start, 500 + t_sim)."""
    csnn.Simulate(500.0)
    rates = analysis.fi_curve("iaf_psc_delta", [500.0], t_sim=1000.0, t_start=200.0)
    assert abs(rates[0] - lif_rate(500.0, 10.0, 250.0, 2.0)) < 1000.0 / 800.0


@pytest.mark.parametrize("kwargs, error, message", [
    ({"params": {"I_e": 5.0}}, BadParameterError, r"params sets I_e = 5.0, which fi_curve sweeps"),
    ({"params": [1.0]}, BadTypeError, r"params must be a dict"),
    ({"model": "parrot_neuron"}, BadParameterError, r"model 'parrot_neuron' has no I_e"),
    ({"model": "iaf_psc_dleta"}, UnknownModelError, r"iaf_psc_dleta"),
    ({"currents": []}, BadParameterError, r"currents is empty"),
    ({"t_start": 1000.0}, BadParameterError, r"t_start = 1000.0 ms must lie in \[0, t_sim = 1000.0 ms\)"),
    ({"t_start": -1.0}, BadParameterError, r"t_start = -1.0 ms must lie in \[0, t_sim"),
])
def test_fi_curve_bad_arguments(fresh_kernel, kwargs, error, message):
    with pytest.raises(error, match=message):
        analysis.fi_curve(**{"model": "iaf_psc_delta", "currents": [100.0], **kwargs})
    assert csnn.GetKernelStatus("network_size") == 0


# -- STDP window ------------------------------------------------------------------------------------

DELTAS = [-60.0, -20.0, -5.0, -1.5, -0.2, 0.0, 0.3, 4.0, 25.0, 70.0]      # t_post - t_pre (ms)


@pytest.mark.parametrize("params", [
    {"weight": 50.0},                                                      # multiplicative (mu = 1)
    {"weight": -10.0, "Wmax": -30.0, "mu_plus": 0.4, "mu_minus": 0.7},    # inhibitory, power law
    {"weight": 90.0, "lambda": 5.0, "mu_plus": 0.0, "mu_minus": 0.0},      # additive, clipped
], ids=["multiplicative", "inhibitory", "clipped"])
def test_stdp_window_is_the_change_csnn_simulates(fresh_kernel, params):
    """One pre spike at 100 ms and one post spike at 100 + delta_t per synapse (parrot neurons,
    the synapse to the post parrot's receptor 1, which does not repeat spikes), and a second pre
    spike at 3100 ms that delivers a potentiation.  The depression that second spike makes with
    the post spike is damped by exp(-(3000 - 70 - d) / tau_minus) ~ 1e-38 (times at most
    alpha lambda |Wmax| = 400 here): the weight changes by the window alone.  Tolerance: csnn's
    STDP is exact to ~1e-13 of |Wmax| (tests/test_stdp.py)."""
    p = dict({"tau_plus": 16.8, "alpha": 0.8, "lambda": 0.05, "delay": 1.5, "tau_minus": 33.7}, **params)
    synapse = {k: v for k, v in p.items() if k != "tau_minus"}
    for delta in DELTAS:
        pre, post = csnn.Create("parrot_neuron", 2, params={"tau_minus": p["tau_minus"]})
        csnn.Connect(csnn.Create("spike_generator", params={"spike_times": [99.0, 3099.0]}), pre)
        csnn.Connect(csnn.Create("spike_generator", params={"spike_times": [99.0 + delta]}), post)
        csnn.Connect(pre, post, syn_spec=dict(synapse, synapse_model="stdp_synapse", receptor_type=1))
    csnn.Simulate(3200.0)
    weights = csnn.GetConnections(synapse_model="stdp_synapse").get("weight")
    np.testing.assert_allclose(np.array(weights) - p["weight"], analysis.stdp_window(DELTAS, p), rtol=0,
                               atol=1e-12 * abs(p["Wmax"] if "Wmax" in p else 100.0))
    # the pair at the synapse is delta_t + d: a post spike up to d before the pre one potentiates
    assert analysis.stdp_window(-0.2, p) * np.sign(p.get("Wmax", 100.0)) > 0
    assert analysis.stdp_window(-p["delay"], p) == 0.0


def test_stdp_window_defaults_and_bad_parameters(fresh_kernel):
    defaults = csnn.GetDefaults("stdp_synapse")
    # default: w~ = 1 / 100, delay 1 ms: at delta_t = 0 the pair is 1 ms apart at the synapse
    assert analysis.stdp_window(0.0) == pytest.approx(
        defaults["Wmax"] * defaults["lambda"] * (1 - 0.01) * math.exp(-1.0 / defaults["tau_plus"]), rel=1e-14)
    assert analysis.stdp_window(np.zeros((2, 3))).shape == (2, 3)
    with pytest.raises(UnknownParameterError, match="unknown stdp_window parameter 'tau_plu'. Did you mean 'tau_plus'"):
        analysis.stdp_window(1.0, {"tau_plu": 10.0})
    with pytest.raises(BadParameterError, match=r"weight = 150.0 with Wmax = 100.0: accepted: .* between 0 and Wmax"):
        analysis.stdp_window(1.0, {"weight": 150.0})
    with pytest.raises(BadParameterError, match=r"tau_minus = -1.0 ms: accepted: a time constant > 0 ms"):
        analysis.stdp_window(1.0, {"tau_minus": -1.0})
    with pytest.raises(BadParameterError, match=r"params\['alpha'\] = nan: accepted: a finite number"):
        analysis.stdp_window(1.0, {"alpha": math.nan})
    with pytest.raises(BadParameterError, match=r"delta_t must be finite numbers"):
        analysis.stdp_window([1.0, math.nan])


# -- connections ------------------------------------------------------------------------------------

def test_weight_matrix_sums_multapses(fresh_kernel):
    pre, post = csnn.Create("iaf_psc_delta", 3), csnn.Create("iaf_psc_delta", 2)
    csnn.Connect(pre, post, "all_to_all", {"weight": 1.0})
    csnn.Connect(pre[0], post[1], syn_spec={"weight": 2.5})           # a multapse
    csnn.Connect(pre[2], post[0], syn_spec={"weight": -4.0})
    matrix, sources, targets = analysis.weight_matrix(csnn.GetConnections(pre, post))
    assert sources.tolist() == pre.tolist() and targets.tolist() == post.tolist()
    np.testing.assert_array_equal(matrix, [[1.0, 1.0, -3.0], [3.5, 1.0, 1.0]])
    # arrays, with an unconnected target listed
    extra = csnn.Create("iaf_psc_delta")
    table = csnn.GetConnections(pre, post).get(["source", "target", "weight"])
    matrix, _, targets = analysis.weight_matrix((table["source"], table["target"], table["weight"]),
                                                targets=post + extra)
    np.testing.assert_array_equal(matrix, [[1.0, 1.0, -3.0], [3.5, 1.0, 1.0], [0.0, 0.0, 0.0]])
    with pytest.raises(BadParameterError, match=r"connections involve ids \[3\] that are not in sources"):
        analysis.weight_matrix(csnn.GetConnections(pre, post), sources=pre[:2])
    with pytest.raises(BadParameterError, match=r"weights are needed; give a tuple \(sources, targets, weights\)"):
        analysis.weight_matrix((table["source"], table["target"]))
    with pytest.raises(BadParameterError, match=r"different lengths \[5, 8\]"):
        analysis.weight_matrix((table["source"][:5], table["target"], table["weight"]))


def test_one_connection_gives_arrays(fresh_kernel):
    a, b = csnn.Create("iaf_psc_delta", 2)
    csnn.Connect(a, b, syn_spec={"weight": 3.0})
    sources, targets, weights = analysis.connection_arrays(csnn.GetConnections(a, b))
    assert sources.tolist() == [a] and targets.tolist() == [b] and weights.tolist() == [3.0]


# -- neo --------------------------------------------------------------------------------------------

def test_neo_export_round_trips_times_and_units():
    neo = pytest.importorskip("neo")
    spikes = (np.array([12.5, 3.25, 7.0, 40.0, 99.875]), np.array([2, 1, 2, 2, 1]))
    trains = analysis.to_neo_spiketrains(spikes, 5.0, 50.0, neurons=[1, 2, 3])
    assert [t.annotations["source_id"] for t in trains] == [1, 2, 3]
    for train, expected in zip(trains, [[], [7.0, 12.5, 40.0], []]):
        assert isinstance(train, neo.SpikeTrain)
        # seconds and back: the unit is carried, the values are exact in binary for these times
        np.testing.assert_array_equal(train.rescale("s").magnitude * 1000.0, expected)
        assert str(train.units.dimensionality) == "ms"
        assert float(train.t_start.rescale("ms")) == 5.0 and float(train.t_stop.rescale("ms")) == 50.0
    segment = analysis.to_neo_segment(spikes, 0.0, 100.0, name="run 1")
    assert segment.name == "run 1" and [t.annotations["source_id"] for t in segment.spiketrains] == [1, 2]
    np.testing.assert_array_equal(segment.spiketrains[0].magnitude, [3.25, 99.875])


def test_neo_missing_names_pip_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "neo", None)        # import neo now raises ImportError
    with pytest.raises(ImportError, match="pip install neo"):
        analysis.to_neo_spiketrains(SPIKES, 0.0, 10.0)
