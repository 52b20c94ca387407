"""csnn.plot: each figure holds the data it was given (read back from its artists), drawing on
the axes passed in; and importing csnn does not import matplotlib."""
import subprocess
import sys

import matplotlib
import numpy as np
import pytest

import csnn
from csnn import analysis, plot
from csnn.errors import BadParameterError, BadTypeError

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after choosing the backend)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture
def lif_run(fresh_kernel):
    """Three iaf_psc_delta neurons driven at different rates for 200 ms, with a spike recorder
    and a voltmeter sampling every 0.1 ms."""
    neurons = csnn.Create("iaf_psc_delta", 3, params={"I_e": np.array([300.0, 400.0, 600.0])})
    recorder = csnn.Create("spike_recorder")
    meter = csnn.Create("voltmeter", params={"interval": 0.1})
    csnn.Connect(neurons, recorder)
    csnn.Connect(meter, neurons)
    csnn.Simulate(200.0)
    return neurons, recorder, meter


def bar_heights(ax):
    return np.array([patch.get_height() for patch in ax.patches])


def test_importing_csnn_plot_does_not_import_matplotlib(tmp_path):
    code = "import sys, csnn, csnn.plot, csnn.analysis; print('matplotlib' in sys.modules)"
    # from a temporary directory: the installed csnn, not the source tree, is imported
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_raster_dots_are_the_spikes(lif_run):
    neurons, recorder, _ = lif_run
    events = recorder.get("events")
    ax = plot.raster(recorder)
    np.testing.assert_array_equal(ax.collections[0].get_offsets(), np.column_stack([events["times"], events["senders"]]))
    only = plot.raster(events, neurons=neurons[2])
    keep = events["senders"] == neurons[2]
    np.testing.assert_array_equal(only.collections[0].get_offsets(),
                                  np.column_stack([events["times"][keep], events["senders"][keep]]))


def test_raster_with_rate_draws_the_population_rate_below(lif_run):
    neurons, recorder, _ = lif_run
    ax_raster, ax_rate = plot.raster_with_rate(recorder, bin_size=20.0, t_stop=200.0, neurons=neurons)
    assert ax_raster.get_shared_x_axes().joined(ax_raster, ax_rate)
    edges, rates = analysis.population_rate(recorder, 0.0, 200.0, 20.0, neurons)
    np.testing.assert_array_equal(bar_heights(ax_rate), rates)
    np.testing.assert_array_equal([patch.get_x() for patch in ax_rate.patches], edges[:-1])
    assert len(ax_raster.collections[0].get_offsets()) == recorder.get("n_events")
    # axes given are drawn on and returned
    _, given = plt.subplots(2)
    assert plot.raster_with_rate(recorder, axes=given) == tuple(given)
    with pytest.raises(BadTypeError, match="axes must be a pair"):
        plot.raster_with_rate(recorder, axes=given[0])


def test_rate_histogram_bars_sum_to_the_spike_count(lif_run):
    neurons, recorder, _ = lif_run
    ax = plot.rate_histogram(recorder, bin_size=10.0, neurons=neurons)
    # rate per bin x neurons x bin width (s) = spikes per bin; bins cover every spike
    assert bar_heights(ax).sum() * len(neurons) * 10.0 / 1000.0 == pytest.approx(recorder.get("n_events"))


def test_voltage_traces_and_spike_marks(lif_run):
    neurons, recorder, meter = lif_run
    samples, spikes = meter.get("events"), recorder.get("events")
    ax = plot.voltage_traces(meter, spikes=recorder)
    assert len(ax.lines) == 3
    for line, i in zip(ax.lines, neurons.tolist()):
        mine = samples["senders"] == i
        np.testing.assert_array_equal(line.get_xdata(), samples["times"][mine])
        np.testing.assert_array_equal(line.get_ydata(), samples["V_m"][mine])
    # neuron 1 stays below threshold (V_inf = -58 mV): marks for the other two only
    marks = ax.collections
    assert [len(m.get_segments()) for m in marks] == [np.sum(spikes["senders"] == i) for i in neurons.tolist()[1:]]
    top = max(line.get_ydata().max() for line in ax.lines)
    for mark in marks:
        segments = np.array(mark.get_segments())          # (spike, bottom/top, x/y)
        # vertical lines at the spike times, from the last sample before the spike (below the
        # threshold, -55 mV) to above every trace
        assert np.all(segments[:, 0, 0] == segments[:, 1, 0])
        assert np.all(segments[:, 0, 1] <= -55.0) and np.all(segments[:, 1, 1] > top)
    marked = np.sort(np.concatenate([np.array(m.get_segments())[:, 0, 0] for m in marks]))
    np.testing.assert_array_equal(marked, np.sort(spikes["times"]))
    # one neuron, marks up to a given height, in the line's colour
    ax = plot.voltage_traces(samples, neurons=[neurons[2]], spikes=spikes, spike_top=20.0)
    (mark,) = ax.collections
    assert np.all(np.array(mark.get_segments())[:, 1, 1] == 20.0)
    assert matplotlib.colors.same_color(mark.get_color(), ax.lines[0].get_color())


def test_voltage_traces_bad_samples(lif_run):
    neurons, recorder, meter = lif_run
    with pytest.raises(BadParameterError, match=r"samples: node \d+ is a spike_recorder, not a multimeter or voltmeter"):
        plot.voltage_traces(recorder)
    with pytest.raises(BadParameterError, match=r"the events have no \['g_ex'\]"):
        plot.voltage_traces(meter, variable="g_ex")
    with pytest.raises(BadParameterError, match=r"neurons \[99\] have no samples of 'V_m'"):
        plot.voltage_traces(meter, neurons=[99])


def test_weight_histogram_bars_are_the_counts(fresh_kernel):
    pre, post = csnn.Create("iaf_psc_delta", 20), csnn.Create("iaf_psc_delta", 10)
    conns = csnn.Connect(pre, post, syn_spec={"weight": csnn.random.uniform(0.0, 5.0)},
                         return_synapsecollection=True)
    weights = conns.get("weight")
    ax = plot.weight_histogram(conns, bins=12)
    np.testing.assert_array_equal(bar_heights(ax), np.histogram(weights, bins=12)[0])
    with pytest.raises(BadParameterError, match="weights is empty"):
        plot.weight_histogram([])


def test_weight_bars_stand_at_the_ids(fresh_kernel):
    inputs, neuron = csnn.Create("parrot_neuron", 8), csnn.Create("iaf_psc_delta")
    weights = np.linspace(0.5, 4.0, 8)
    csnn.Connect(inputs, neuron, syn_spec={"weight": weights[None, :]})
    ax = plot.weight_bars(csnn.GetConnections(target=neuron))
    np.testing.assert_array_equal([p.get_x() + p.get_width() / 2 for p in ax.patches], inputs.tolist())
    np.testing.assert_array_equal(bar_heights(ax), weights)
    with pytest.raises(BadParameterError, match="connections share target ids, so their bars would overlap"):
        plot.weight_bars(csnn.GetConnections(target=neuron), by="target")
    with pytest.raises(BadParameterError, match=r"by = 'weight': accepted: 'source', 'target'"):
        plot.weight_bars(csnn.GetConnections(target=neuron), by="weight")


def test_connectivity_scatter_and_matrix(fresh_kernel):
    pre, post = csnn.Create("iaf_psc_delta", 6), csnn.Create("iaf_psc_delta", 4)
    csnn.SetKernelStatus({"rng_seed": 3})
    csnn.Connect(pre, post, {"rule": "pairwise_bernoulli", "p": 0.5}, {"weight": csnn.random.uniform(1.0, 2.0)})
    conns = csnn.GetConnections(pre, post)
    table = conns.get(["source", "target", "weight"])
    ax = plot.connectivity_scatter((table["source"], table["target"]))
    np.testing.assert_array_equal(ax.collections[0].get_offsets(), np.column_stack([table["source"], table["target"]]))
    ax = plot.connectivity_matrix(conns, sources=pre, targets=post)
    matrix = analysis.weight_matrix(conns, pre, post)[0]
    np.testing.assert_array_equal(ax.images[0].get_array(), matrix)
    # tick labels name ids, not matrix indices
    plt.gcf().canvas.draw()
    labels = {tick.get_text() for tick in ax.get_xticklabels()} - {""}
    assert labels <= {str(i) for i in pre.tolist()} and labels


def test_stdp_window_curve_and_measured_points(fresh_kernel):
    params = {"weight": 40.0, "tau_minus": 30.0, "delay": 2.0}
    ax = plot.stdp_window(params=params)
    (curve,) = [line for line in ax.lines if line.get_label() == "stdp_synapse"]
    np.testing.assert_array_equal(curve.get_xdata(), np.linspace(-100.0, 100.0, 801))
    np.testing.assert_array_equal(curve.get_ydata(), analysis.stdp_window(curve.get_xdata(), params))
    delta_t, dw = [-10.0, 5.0, 20.0], [-0.3, 0.8, 0.5]
    ax = plot.stdp_window(delta_t, dw)
    np.testing.assert_array_equal(ax.collections[0].get_offsets(), np.column_stack([delta_t, dw]))
    assert [line.get_label() for line in ax.lines if line.get_label() == "stdp_synapse"] == []
    ax = plot.stdp_window(delta_t, dw, params=params)
    (curve,) = [line for line in ax.lines if line.get_label() == "stdp_synapse"]
    assert curve.get_xdata()[0] == -10.0 and curve.get_xdata()[-1] == 20.0
    with pytest.raises(BadParameterError, match="dw is given without delta_t"):
        plot.stdp_window(dw=dw)
    with pytest.raises(BadParameterError, match="delta_t has 3 values but dw 2"):
        plot.stdp_window(delta_t, dw[:2])


def test_fi_curve_line():
    currents, rates = [100.0, 400.0, 800.0], [0.0, 25.0, 70.0]
    ax = plot.fi_curve(currents, rates, color="r")
    np.testing.assert_array_equal(ax.lines[0].get_xydata(), np.column_stack([currents, rates]))
    with pytest.raises(BadParameterError, match="currents has 3 values but rates 2"):
        plot.fi_curve(currents, rates[:2])


SPIKES = (np.array([1.0, 2.0, 7.0]), np.array([1, 2, 1]))
CONNECTIONS = (np.array([1, 2]), np.array([3, 3]), np.array([0.5, 1.5]))
DRAWINGS = {
    "raster": lambda ax: plot.raster(SPIKES, ax=ax),
    "rate_histogram": lambda ax: plot.rate_histogram(SPIKES, ax=ax),
    "voltage_traces": lambda ax: plot.voltage_traces({"times": SPIKES[0], "senders": SPIKES[1], "V_m": -SPIKES[0]}, ax=ax),
    "weight_histogram": lambda ax: plot.weight_histogram(CONNECTIONS[2], ax=ax),
    "weight_bars": lambda ax: plot.weight_bars(CONNECTIONS, ax=ax),
    "connectivity_scatter": lambda ax: plot.connectivity_scatter(CONNECTIONS, ax=ax),
    "connectivity_matrix": lambda ax: plot.connectivity_matrix(CONNECTIONS, ax=ax),
    "stdp_window": lambda ax: plot.stdp_window(ax=ax),
    "fi_curve": lambda ax: plot.fi_curve([1.0, 2.0], [0.0, 3.0], ax=ax),
}


@pytest.mark.parametrize("name", sorted(DRAWINGS))
def test_each_function_draws_on_the_axes_given_or_a_new_figure(name):
    fig, ax = plt.subplots()
    assert DRAWINGS[name](ax) is ax and ax.has_data()
    new = DRAWINGS[name](None)
    assert new is not ax and new.figure is not fig and new.has_data()
