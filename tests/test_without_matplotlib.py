"""Without matplotlib (a plain ``pip install``) everything that does not draw works, and what
draws says in one line how to install it (or, in the examples, how to skip the figures).

Each test runs Python in a subprocess whose ``sitecustomize`` sets ``sys.modules['matplotlib']``
to None, so that ``import matplotlib`` raises ImportError there as if it were not installed.
"""
import json
import os
import subprocess
import sys

import pytest

from csnn.plot import PLOT_INSTALL
from test_examples import ROOT

EXAMPLES = sorted((ROOT / "examples").glob("*.py"))
#: arguments that make an example's run short (the others take about a second as they are)
SHORT = {"brunel_delta.py": ["--order", "50", "--time", "100"], "lif_noise_input.py": ["--duration", "500"],
         "masquelier2008.py": ["--duration", "2"]}


@pytest.fixture
def without_matplotlib(tmp_path):
    """run(args): Python with ``args`` in an empty directory, matplotlib hidden; the result."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text("import sys\nsys.modules['matplotlib'] = None\n")
    work = tmp_path / "work"
    work.mkdir()
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")])))

    def run(args, timeout=120):
        return subprocess.run([sys.executable, *args], cwd=work, env=env, capture_output=True, text=True,
                              timeout=timeout)

    run.work = work
    return run


def test_matplotlib_is_hidden(without_matplotlib):
    result = without_matplotlib(["-c", "import matplotlib"])
    assert result.returncode == 1 and "ModuleNotFoundError" in result.stderr


def test_the_plot_extra_is_the_install_hint():
    assert PLOT_INSTALL.startswith("pip install ") and PLOT_INSTALL.endswith('[plot]"')


@pytest.mark.source_tree
@pytest.mark.parametrize("example", EXAMPLES, ids=lambda path: path.name)
def test_example_stops_at_once_with_one_line(without_matplotlib, example):
    """With no arguments: the message before any simulation (masquelier2008.py's default run
    takes minutes; the timeout would stop it), nothing on stdout, exit code 1."""
    result = without_matplotlib([str(example)], timeout=60)
    assert result.returncode == 1, result.stderr
    assert result.stdout == ""
    assert result.stderr == (f"{example.name} draws with matplotlib, which is not installed: {PLOT_INSTALL}, "
                             "or run with --no-plot to skip the figures\n")


@pytest.mark.source_tree
@pytest.mark.parametrize("example", EXAMPLES, ids=lambda path: path.name)
def test_example_runs_with_no_plot(without_matplotlib, example):
    result = without_matplotlib([str(example), "--no-plot", *SHORT.get(example.name, [])])
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip()
    assert not list(without_matplotlib.work.iterdir())        # no figure, no file


def test_demo_runs_and_says_it_writes_no_figure(without_matplotlib):
    result = without_matplotlib(["-m", "csnn", "demo", "--order", "50", "--time", "100"])
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert any(line.startswith("  excitatory rate") for line in lines)
    assert lines[-1] == ("No figure written: python -m csnn demo draws with matplotlib, which is not installed: "
                         f"{PLOT_INSTALL}")
    assert not list(without_matplotlib.work.iterdir())


@pytest.mark.source_tree
def test_bench_writes_its_results_and_says_the_plot_is_not_drawn(without_matplotlib):
    result = without_matplotlib([str(ROOT / "bench" / "run.py"), "--suite", "scaling", "--quick", "--peers",
                                 "--repeats", "1", "--out", "results"])
    assert result.returncode == 0, result.stderr
    assert (f"note: scaling.png not drawn: bench/run.py draws with matplotlib, which is not installed: "
            f"{PLOT_INSTALL}") in result.stdout.splitlines()
    assert sorted(path.name for path in (without_matplotlib.work / "results").iterdir()) == ["scaling.json"]


#: every drawing function of csnn, on the recordings of a small network; prints one JSON line
#: per function: what it raised (classes) and the message, or what it returned
DRAW_EVERYTHING = """
import json
import numpy as np
import csnn, csnn.raster_plot, csnn.voltage_trace

csnn.set_verbosity("M_ERROR")
neurons = csnn.Create("iaf_psc_delta", 3, params={"I_e": [400.0, 500.0, 600.0]})
recorder = csnn.Create("spike_recorder")
voltmeter = csnn.Create("voltmeter")
csnn.Connect(neurons, neurons, syn_spec={"weight": 0.1, "delay": 1.0})
csnn.Connect(neurons, recorder)
csnn.Connect(voltmeter, neurons)
csnn.Simulate(200.0)
connections = csnn.GetConnections(neurons, neurons[0])
layer = csnn.Create("iaf_psc_delta", positions=csnn.spatial.grid(shape=[3, 3]))
circle = {"circular": {"radius": 0.4}}
calls = {
    "csnn.plot.raster": lambda: csnn.plot.raster(recorder),
    "csnn.plot.rate_histogram": lambda: csnn.plot.rate_histogram(recorder),
    "csnn.plot.raster_with_rate": lambda: csnn.plot.raster_with_rate(recorder),
    "csnn.plot.voltage_traces": lambda: csnn.plot.voltage_traces(voltmeter, spikes=recorder),
    "csnn.plot.weight_histogram": lambda: csnn.plot.weight_histogram(connections),
    "csnn.plot.weight_bars": lambda: csnn.plot.weight_bars(connections),
    "csnn.plot.connectivity_scatter": lambda: csnn.plot.connectivity_scatter(connections),
    "csnn.plot.connectivity_matrix": lambda: csnn.plot.connectivity_matrix(connections),
    "csnn.plot.stdp_window": lambda: csnn.plot.stdp_window(),
    "csnn.plot.fi_curve": lambda: csnn.plot.fi_curve([400.0, 500.0], [10.0, 20.0]),
    "csnn.raster_plot.from_device": lambda: csnn.raster_plot.from_device(recorder),
    "csnn.voltage_trace.from_device": lambda: csnn.voltage_trace.from_device(voltmeter),
    "csnn.PlotLayer": lambda: csnn.PlotLayer(layer),
    "csnn.PlotTargets": lambda: csnn.PlotTargets(layer[4], layer, mask=circle),
    "csnn.PlotSources": lambda: csnn.PlotSources(layer, layer[4]),
    "csnn.PlotProbabilityParameter": lambda: csnn.PlotProbabilityParameter(layer[4], mask=circle),
    # analysis does not draw
    "csnn.analysis.population_rate": lambda: csnn.analysis.population_rate(recorder, 0.0, 200.0, 100.0)[1].tolist(),
}
for name, call in calls.items():
    try:
        outcome = {"returned": call()}
    except Exception as err:
        outcome = {"raised": [cls.__name__ for cls in type(err).__mro__], "message": str(err)}
    print(json.dumps({"call": name, **outcome}))
"""


def test_every_drawing_function_says_how_to_install_matplotlib(without_matplotlib):
    result = without_matplotlib(["-c", DRAW_EVERYTHING])
    assert result.returncode == 0, result.stderr
    outcomes = {line["call"]: line for line in map(json.loads, result.stdout.splitlines())}
    assert len(outcomes) == 17
    analysis = outcomes.pop("csnn.analysis.population_rate")
    assert len(analysis["returned"]) == 2 and min(analysis["returned"]) > 0
    for name, outcome in outcomes.items():
        assert {"MissingDependencyError", "CSNNError", "ImportError"} <= set(outcome["raised"]), outcome
        # csnn.plot's functions draw on new axes through one helper, which names the module;
        # raster_with_rate and the layer plots name themselves
        drawer = name if name == "csnn.plot.raster_with_rate" or name.count(".") == 1 else name.rsplit(".", 1)[0]
        assert outcome["message"] == f"{drawer} draws with matplotlib, which is not installed: {PLOT_INSTALL}"
