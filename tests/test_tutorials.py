"""The classic tutorials as csnn examples: each runs as a script, and its results are checked
against NEST 3 or against the analytic results the tutorial teaches."""
import numpy as np
import pytest

from conftest import quiet
from test_examples import ROOT, load_example, run


def test_pynest_intro_runs_as_a_script(tmp_path):
    out = run([str(ROOT / "examples" / "pynest_intro_part1.py"), "--out-prefix", "intro"], tmp_path)
    assert "16 spikes in 1 s at 376 pA" in out, out
    for name in ("1_vm", "1_spikes", "2_noise", "3_two_neurons"):
        assert (tmp_path / f"intro_{name}.png").stat().st_size > 0


def nest_precise(nest, t_sim):
    """NEST 3's version of the tutorial's experiments 1 and 3 with its precise-spike-timing
    model iaf_psc_alpha_ps (the grid model iaf_psc_alpha spikes on its 0.1 ms grid): spike
    times of neuron 1 and the V_m samples (every 0.1 ms) of both neurons."""
    quiet(nest)
    nest.ResetKernel()
    neuron1, neuron2 = nest.Create("iaf_psc_alpha_ps", params={"I_e": 376.0}), nest.Create("iaf_psc_alpha_ps")
    meter = nest.Create("multimeter", params={"record_from": ["V_m"], "interval": 0.1})
    spikes = nest.Create("spike_recorder")
    nest.Connect(neuron1, neuron2, syn_spec={"weight": 20.0, "delay": 1.0})
    nest.Connect(meter, neuron1 + neuron2)
    nest.Connect(neuron1, spikes)
    nest.Simulate(t_sim)
    events = meter.get("events")
    # NEST 3 orders samples by neuron within each min-delay slice, not time-major: split by sender
    first, second = (events["senders"] == neuron1.global_id), (events["senders"] == neuron2.global_id)
    return spikes.get("events")["times"], events["times"][first], events["V_m"][first], events["V_m"][second]


def test_pynest_intro_matches_nest():
    nest = pytest.importorskip("nest")
    intro = load_example("pynest_intro_part1")
    quiet(intro.nest)
    one = intro.one_neuron()
    noisy = intro.noise_and_second_neuron()
    pair = intro.two_neurons()
    spikes_nest, times_nest, vm1_nest, vm2_nest = nest_precise(nest, 1000.0)

    # exact spike times in both (NEST's _ps models to ~1e-12 ms; tests/test_psc_models.py)
    np.testing.assert_allclose(one["spike_times"], spikes_nest, rtol=0, atol=1e-6)
    np.testing.assert_allclose(pair["spike_times_1"], spikes_nest, rtol=0, atol=1e-6)
    # NEST withholds the samples of its last min-delay slice: compare its prefix
    n = times_nest.size
    np.testing.assert_allclose(pair["times"][:n], times_nest, rtol=0, atol=1e-9)
    # 1e-6 mV: V_m is exact in both; the spike times' 1e-12 ms error moves it by ~1e-10 mV
    np.testing.assert_allclose(pair["V_m_1"][:n], vm1_nest, rtol=0, atol=1e-6)
    np.testing.assert_allclose(pair["V_m_2"][:n], vm2_nest, rtol=0, atol=1e-6)

    # one multimeter, two neurons: [::2] and [1::2] de-interleave them; iaf_neuron (NEST 2's
    # name of iaf_psc_alpha) with 376 pA traces what experiment 1's neuron traced
    assert set(noisy["senders_noise"].tolist()) == {1} and set(noisy["senders_dc"].tolist()) == {2}
    np.testing.assert_array_equal(noisy["V_m_dc"], one["V_m"])
    # the Poisson drive's mean current, (80 kHz x 1.2 - 15 kHz x 2.0) pA x e tau_syn (an alpha
    # PSC's charge per pA of peak) = 359 pA, holds V_m below V_inf = -55.6 mV, well above E_L
    assert -62.0 < np.mean(noisy["V_m_noise"]) < -55.0


def unit_weight(hebb):
    """The weight one memory's schedule gives a synapse whose neurons are both active, from the
    stdp_synapse formulas (additive, Wmax = 1000, lambda = 0.01, tau_plus = tau_minus = 20 ms):
    the f parrot fires at v_k + d, the forced g neuron at v_k + LAG + d and its spike reaches
    the synapse d later.  Each presynaptic spike k >= 2 first applies the potentiation by post
    spike k - 1 (K+ at its arrival, from pre spikes m <= k - 1), then the depression by K- at
    t_pre - d = v_k (post spikes m < k); the last pairing's potentiation waits for a next pre
    spike."""
    P, n = hebb.PERIOD, hebb.PAIRINGS
    lag = hebb.LAG + hebb.DELAY     # post spike k reaches the synapse at v_k + LAG + 2d
    step = hebb.STDP["lambda"] * hebb.STDP["Wmax"]
    w = 0.0
    for k in range(2, n + 1):
        w += step * sum(np.exp(-(lag + P * (k - 1 - m)) / 20.0) for m in range(1, k))
        w -= step * sum(np.exp(-(P * (k - m) - lag) / 20.0) for m in range(1, k))
    return w


def test_hebbian_memory_learns_the_outer_product_and_recalls():
    hebb = load_example("hebbian_memory")
    quiet(hebb.nest)
    unit = unit_weight(hebb)

    # one co-activation: w = unit x g f^T, exactly zero where either neuron was silent
    weights, learned_unit, counts = hebb.simulate([(hebb.F, hebb.G)], hebb.F)
    np.testing.assert_allclose(weights, unit * np.outer(hebb.G, hebb.F), rtol=1e-12, atol=0)
    assert learned_unit == pytest.approx(unit, rel=1e-12)
    # recall: each spike takes 3 unit inputs; A f = 3 g
    np.testing.assert_array_equal(counts, hebb.RECALL_SPIKES * 3 * hebb.G // 3)

    # orthogonal f patterns: A = unit (g1 f1^T + g2 f2^T) and f1 recalls g1 alone
    memories = [(hebb.F, hebb.G), hebb.ORTHOGONAL]
    weights, _, counts = hebb.simulate(memories, hebb.F)
    np.testing.assert_allclose(weights, unit * hebb.hebbian_matrix(memories), rtol=1e-12, atol=0)
    np.testing.assert_array_equal(counts, hebb.RECALL_SPIKES * hebb.G)

    # overlapping f patterns (f1 . f2 = 1): the recall of f1 also excites g2's neurons, by
    # (f1 . f2) / (f1 . f1) = 1/3 of the clean response
    memories = [(hebb.F, hebb.G), hebb.OVERLAPPING]
    _, _, counts = hebb.simulate(memories, hebb.F)
    crosstalk = (hebb.OVERLAPPING[1] == 1) & (hebb.G == 0)
    assert crosstalk.any()
    np.testing.assert_array_equal(counts[crosstalk], hebb.RECALL_SPIKES // 3)
    np.testing.assert_array_equal(counts[hebb.G == 1], hebb.RECALL_SPIKES)
    assert np.all(counts[(hebb.G == 0) & ~crosstalk] == 0)


def test_hebbian_memory_runs_as_a_script(tmp_path):
    out = run([str(ROOT / "examples" / "hebbian_memory.py"), "--out", "h.png"], tmp_path)
    assert "g spike counts = [40 40  0 40  0  0]" in out, out
    assert (tmp_path / "h.png").stat().st_size > 0
