"""The classic tutorials as csnn examples: each runs as a script, and its results are checked
against NEST 3 or against the analytic results the tutorial teaches."""
import numpy as np
import pytest

from conftest import quiet
from test_examples import ROOT, load_example, run

pytestmark = pytest.mark.source_tree     # the tutorials are scripts in examples/


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


# -- Brian 2's "Introduction to Brian part 2: Synapses" ---------------------------------------------

def neuron_samples(result, neuron):
    """Sample times and V_m of ``neuron`` in a driven_neuron_excites result."""
    samples = result["samples"]
    mine = np.asarray(samples["senders"]) == neuron
    return np.asarray(samples["times"])[mine], np.asarray(samples["V_m"])[mine]


def neuron_spikes(result, neuron):
    spikes = result["spikes"]
    return np.asarray(spikes["times"])[np.asarray(spikes["senders"]) == neuron]


def passive_response(arrivals, weight, tau_m, times, threshold=1.0):
    """V_m (mV) at ``times`` and spike times of a passive neuron at rest at 0 mV, with no
    refractory period, whose inputs of ``weight`` mV arrive at ``arrivals`` (ms): V_m decays
    as exp(-t / tau_m) between arrivals, jumps by the weight at each, and is reset to 0 mV by
    reaching ``threshold``.  Arrivals after the last of ``times`` are not counted."""
    v, t_last, k = 0.0, 0.0, 0
    trace, spikes = [], []
    for t in times:
        while k < len(arrivals) and arrivals[k] <= t:
            v = v * np.exp(-(arrivals[k] - t_last) / tau_m) + weight
            t_last = arrivals[k]
            # no arrival comes within 1e-9 mV of the threshold, so the tolerances below
            # cannot decide whether the neuron fires
            assert abs(v - threshold) > 1e-9
            if v >= threshold:
                v = 0.0
                spikes.append(t_last)
            k += 1
        trace.append(v * np.exp(-(t - t_last) / tau_m))
    return np.array(trace), np.array(spikes)


def check_driven_neuron_and_targets(brian, result, weights, delays):
    """G's spikes and V_m are those of the LIF closed form, and each H neuron's V_m jumps by its
    synapse's weight when G's spikes arrive after its delay."""
    lif = brian.LIF
    v_inf, tau = brian.V_INF, brian.TAU_DRIVEN
    # from reset (0 mV) V_m = V_inf (1 - exp(-t / tau)) reaches V_th after tau ln(V_inf / (V_inf - V_th)),
    # and spikes repeat at that period (t_ref = 0); 1e-9 ms: csnn's threshold crossings are exact
    # to rounding (tests/test_iaf_psc_delta.py)
    period = lif["t_ref"] + tau * np.log(v_inf / (v_inf - lif["V_th"]))
    g_spikes = neuron_spikes(result, result["driven"])
    assert g_spikes.size == int(brian.T_SYNAPSES / period)
    np.testing.assert_allclose(g_spikes, period * np.arange(1, g_spikes.size + 1), rtol=0, atol=1e-9)
    times, v_g = neuron_samples(result, result["driven"])
    assert times[0] < g_spikes[0] and times[-1] > g_spikes[-1]       # the samples cover every spike
    since_spike = times - np.concatenate([[0.0], g_spikes])[np.searchsorted(g_spikes, times, side="right")]
    # 1e-12 mV: V_m of a few mV is exact in closed form, to a few roundings
    np.testing.assert_allclose(v_g, v_inf * (1 - np.exp(-since_spike / tau)), rtol=0, atol=1e-12)

    synapses = result["synapses"]
    np.testing.assert_array_equal(synapses["source"], result["driven"])
    np.testing.assert_array_equal(synapses["target"], result["passive"])
    # the expressions' values, computed the same way with numpy: equal to the last bit
    np.testing.assert_array_equal(synapses["weight"], weights)
    np.testing.assert_array_equal(synapses["delay"], delays)
    for neuron, weight, delay in zip(result["passive"], weights, delays):
        times, v_h = neuron_samples(result, neuron)
        expected, spikes = passive_response(g_spikes + delay, weight, brian.TAU_PASSIVE, times)
        # zero until G's first spike arrives, then jumps of exactly the weight (1e-12 mV)
        assert np.all(v_h[times < g_spikes[0] + delay] == 0.0)
        np.testing.assert_allclose(v_h, expected, rtol=0, atol=1e-12)
        np.testing.assert_allclose(neuron_spikes(result, neuron), spikes, rtol=0, atol=1e-9)


def test_brian2_synapses_simplest_weights_and_delays():
    brian = load_example("brian2_synapses")
    quiet(brian.nest)
    # the tutorial's I = 2 is V_inf = 2 mV, from 0.2 pA into 1 pF with tau_m = 10 ms
    assert brian.I_DRIVE == pytest.approx(0.2, rel=1e-15)
    check_driven_neuron_and_targets(brian, brian.simplest_synapse(), [0.2], [brian.SHORTEST_DELAY])
    j = np.arange(3)
    check_driven_neuron_and_targets(brian, brian.weights(), (j + 1) * 0.2, [brian.SHORTEST_DELAY] * 3)
    delayed = brian.delays()
    check_driven_neuron_and_targets(brian, delayed, (j + 1) * 0.2, (j + 1) * 2.0)
    # every H neuron fires at least once: the checks above covered resets too
    assert all(neuron_spikes(delayed, neuron).size > 0 for neuron in delayed["passive"])


def test_brian2_synapses_connectivity_is_the_brute_force_sets():
    brian = load_example("brian2_synapses")
    quiet(brian.nest)
    n = brian.N_CONNECTIVITY
    pairs = {name: list(zip(i.tolist(), j.tolist())) for name, (i, j) in brian.connectivity().items()}
    every = list(range(n))
    not_self = {(i, j) for i in every for j in every if i != j}
    band = {(i, j) for i in every for j in every if abs(i - j) < 4 and i != j}
    generated = {(i, k) for i in every for k in range(i - 3, i + 4) if i != k and 0 <= k < n}
    assert generated == band            # the tutorial's point: two ways to the same synapses
    for name, expected in (("condition", band), ("generator", generated),
                           ("one to one", {(i, i) for i in every}), ("p = 1.0", not_self)):
        assert len(pairs[name]) == len(expected) and set(pairs[name]) == expected, name
    for p in brian.PROBABILITIES:
        drawn = pairs[f"p = {p}"]
        assert len(set(drawn)) == len(drawn) and set(drawn) <= not_self
        # a binomial count of n (n - 1) trials; seeded, so this is one fixed draw, and 4 standard
        # deviations would reject a correct rule for fewer than 1 seed in 10^4
        trials = len(not_self)
        assert abs(len(drawn) - p * trials) <= 4 * np.sqrt(trials * p * (1 - p)), (p, len(drawn))


def test_brian2_synapses_distance_dependent_weights():
    brian = load_example("brian2_synapses")
    quiet(brian.nest)
    line = brian.distance_dependent_weights()
    x, i, j = line["x"], line["i"], line["j"]
    np.testing.assert_array_equal(x, brian.SPACING * np.arange(brian.N_LINE))
    assert set(zip(i.tolist(), j.tolist())) == {(a, b) for a in range(brian.N_LINE)
                                                for b in range(brian.N_LINE) if a != b}
    assert i.size == brian.N_LINE * (brian.N_LINE - 1)
    # exp of arguments up to 7.5, each within an ulp or two of numpy's: relative errors of a few 1e-15
    np.testing.assert_allclose(line["weight"], np.exp(-(x[i] - x[j]) ** 2 / (2 * brian.WIDTH ** 2)),
                               rtol=1e-14, atol=0)


def test_brian2_synapses_stdp_window_and_traces():
    brian = load_example("brian2_synapses")
    quiet(brian.nest)
    from csnn import analysis
    stdp, d = brian.STDP, brian.STDP["delay"]
    window = brian.measured_stdp_window()
    delta_t, dw = window["delta_t"], window["dw"]
    # the parrots replay the schedule: t_post - t_pre from T_MAX down to -T_MAX in equal steps
    n = brian.N_PAIRS
    np.testing.assert_allclose(delta_t, (n - 1 - 2 * np.arange(n)) * brian.T_MAX / (n - 1), rtol=0, atol=1e-12)
    # 1e-12 Wmax: csnn's STDP is exact to ~1e-13 of Wmax (tests/test_stdp.py); the flushing
    # spike's depression, exp(-T_FLUSH / tau_minus) ~ 2e-22 of a change, is far below
    atol = 1e-12 * stdp["Wmax"]
    np.testing.assert_allclose(dw, analysis.stdp_window(delta_t, window["params"]), rtol=0, atol=atol)
    # the tutorial's window, A_pre exp(-s / tau) and A_post exp(s / tau), A_post = -1.05 A_pre,
    # at s = delta_t + d, where the pair meets at the synapse (the whole delay is dendritic)
    a_pre = stdp["Wmax"] * stdp["lambda"]
    s = delta_t + d
    np.testing.assert_allclose(dw, np.where(s > 0, a_pre * np.exp(-s / stdp["tau_plus"]),
                                            -1.05 * a_pre * np.exp(s / brian.TAU_MINUS)), rtol=0, atol=atol)
    # potentiation where the post spike reaches the synapse after the pre spike, else depression
    assert np.all(dw[delta_t > -d] > 0) and np.all(dw[delta_t < -d] < 0)
    assert (delta_t > -d).sum() == n // 2

    traces = brian.stdp_traces()
    times, tau = traces["times"], stdp["tau_plus"]
    first, second = brian.T_FIRST, 4 * brian.T_FIRST       # the pre spikes
    # K+ as stored: +1 at each presynaptic spike, decayed only then
    expected_kplus = np.where(times < first, 0.0, np.where(times < second, 1.0, 1.0 + np.exp(-30.0 / tau)))
    np.testing.assert_allclose(traces["Kplus"], expected_kplus, rtol=0, atol=1e-12)
    # the weight waits for the second presynaptic spike: the post spike at 20 ms potentiates with
    # K+ at its arrival at the synapse, 20 + d, the second pre spike depresses with K- at 40 - d
    change = a_pre * np.exp(-(2 * brian.T_FIRST + d - brian.T_FIRST) / tau) \
        - 1.05 * a_pre * np.exp(-(4 * brian.T_FIRST - d - 2 * brian.T_FIRST) / brian.TAU_MINUS)
    expected_weight = stdp["weight"] + np.where(times < second, 0.0, change)
    np.testing.assert_allclose(traces["weight"], expected_weight, rtol=0, atol=atol)


def test_brian2_synapses_runs_as_a_script(tmp_path):
    out = run([str(ROOT / "examples" / "brian2_synapses.py"), "--out-prefix", "b2"], tmp_path)
    assert "4: synapses among 10 neurons: " in out and "condition: 48, generator: 48" in out, out
    assert "3_delays: G fires 14 times" in out, out
    for name in ("1_simplest", "2_weights", "3_delays", "4_connectivity", "5_distance", "6_stdp"):
        assert (tmp_path / f"b2_{name}.png").stat().st_size > 0
