"""Scripts users run: the examples, ``python -m csnn demo`` and NEST's own brunel_delta_nest.py
with only its imports changed."""
import argparse
import hashlib
import importlib.util
import json
import os
import pathlib
import re
import subprocess
import sys

import numpy as np
import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent


def run(args, cwd, timeout=300):
    env = dict(os.environ, MPLBACKEND="Agg")
    result = subprocess.run([sys.executable] + args, cwd=cwd, env=env, capture_output=True, text=True,
                            timeout=timeout)
    assert result.returncode == 0, result.stderr
    return result.stdout


def rates(output):
    return [float(x) for x in re.findall(r"(?:Excitatory|Inhibitory|excitatory|inhibitory) rate\s*:?\s*([0-9.]+)", output)]


@pytest.mark.source_tree
def test_brunel_example(tmp_path):
    out = run([str(ROOT / "examples" / "brunel_delta.py"), "--order", "100", "--time", "300",
               "--out", str(tmp_path / "raster.png")], tmp_path)
    # the asynchronous irregular state of this network fires at tens of Hz
    assert all(20.0 < r < 100.0 for r in rates(out)) and len(rates(out)) == 2
    assert (tmp_path / "raster.png").stat().st_size > 0


def test_cli_demo_and_version(tmp_path):
    out = run(["-m", "csnn", "demo", "--order", "50", "--time", "200", "--out", str(tmp_path / "demo.png")], tmp_path)
    assert "excitatory rate" in out and "Figure saved" in out
    deviation = float(re.search(r"closed form: ([0-9.e+-]+) ms", out).group(1))
    assert deviation < 1e-9
    import csnn
    assert run(["-m", "csnn", "--version"], tmp_path).strip() == f"csnn-sim {csnn.__version__}"
    assert "node models" in run(["-m", "csnn", "info"], tmp_path)


@pytest.mark.source_tree
def test_checkpoint_benchmark_continues_identically(tmp_path):
    """bench/checkpoint.py on a small network: a fresh process that loads the checkpoint fires
    the same spikes as the process that went on (it exits with 1 when they differ)."""
    out = run([str(ROOT / "bench" / "checkpoint.py"), "--order", "40", "--simtime", "50"], tmp_path)
    assert "(identical)" in out and "bytes per connection" in out


def test_cli_bench_hands_over_to_bench_run(tmp_path, monkeypatch, capsys):
    import csnn.__main__ as cli
    if cli.BENCH_RUN.exists():            # an editable install of a checkout (not CI's wheel)
        assert "--suite NAME" in run(["-m", "csnn", "bench", "--help"], tmp_path)
    monkeypatch.setattr(cli, "BENCH_RUN", tmp_path / "bench" / "run.py")     # as in an installed wheel
    assert cli.main(["bench", "--quick"]) == 2
    assert "ship with csnn's source" in capsys.readouterr().err


@pytest.mark.source_tree
def test_bench_run_writes_where_it_is_told(tmp_path):
    """The scaling suite's smallest network, csnn alone: its table and plot go to --out."""
    out = run([str(ROOT / "bench" / "run.py"), "--suite", "scaling", "--quick", "--peers", "--repeats", "1",
               "--out", "results"], tmp_path)
    assert out.splitlines()[-1] == "results: results"
    record = json.loads((tmp_path / "results" / "scaling.json").read_text())
    assert record["suite"] == "scaling" and record["cases"][0]["params"]["n"] == 1000
    assert (tmp_path / "results" / "scaling.png").stat().st_size > 0


@pytest.mark.source_tree
def test_bench_results_go_to_an_ignored_directory_unless_asked(tmp_path, monkeypatch):
    shared = load_module(ROOT / "bench" / "shared.py")
    # git ignores the default directory, so a benchmark leaves the checkout clean
    assert f"{shared.LOCAL_RESULTS.relative_to(ROOT).as_posix()}/" in (ROOT / ".gitignore").read_text().splitlines()
    assert shared.LOCAL_RESULTS.parent == shared.TRACKED_RESULTS == ROOT / "bench" / "results"
    parser = argparse.ArgumentParser()
    shared.add_results_options(parser)
    monkeypatch.setattr(shared, "LOCAL_RESULTS", tmp_path / "local")
    monkeypatch.setattr(shared, "TRACKED_RESULTS", tmp_path / "tracked")
    for options, directory in (([], "local"), (["--update-results"], "tracked"),
                               (["--out", str(tmp_path / "mine")], "mine")):
        assert shared.results_dir(parser.parse_args(options)) == tmp_path / directory
        assert (tmp_path / directory).is_dir()


#: a stand-in for a yardstick of run.py's --yardsticks: checks its arguments (order, ms, seed)
#: as run.py gives them and prints an output line of brunel_grid.c's form
FAKE_YARDSTICK = r"""#include <stdio.h>
#include <string.h>
int main(int argc, char **argv) {
  if (argc != 4 || strcmp(argv[1], "500") || strcmp(argv[2], "1000.0") || strcmp(argv[3], "12345")) return 3;
  printf("{\"order\": 500, \"simtime\": 1000, \"build_s\": 0.5, \"sim_s\": %s, \"rate_E\": 50.0, \"rate_I\": 52.5}\n",
         SIM_S);
  return 0;
}
"""


@pytest.mark.source_tree
def test_bench_runs_csnn_on_more_threads_and_the_yardsticks_in_one_invocation(tmp_path):
    """--threads 1 2: csnn's second column, its speedup and the same spikes; --yardsticks: the C
    programs compiled and run as brunel_delta's peers, their ratios in the table."""
    limits = tmp_path / "limits"
    limits.mkdir()
    sim_s = {"brunel_grid": 0.25, "brunel_ps": 0.5}
    for name, seconds in sim_s.items():
        (limits / f"{name}.c").write_text(FAKE_YARDSTICK.replace("SIM_S", f'"{seconds}"'))
    out = run([str(ROOT / "bench" / "run.py"), "--suite", "brunel_delta", "--quick", "--peers", "--repeats", "1",
               "--threads", "1", "2", "--yardsticks", str(limits), "--out", "results"], tmp_path)
    record = json.loads((tmp_path / "results" / "brunel_delta.json").read_text())
    case = record["cases"][0]
    assert list(case["median"]) == ["csnn", "brunel_grid", "brunel_ps", "csnn 2 threads"]
    assert case["same_spikes"] == {"csnn 2 threads": True}
    csnn_s = case["median"]["csnn"]["simulate_s"]
    for name, seconds in sim_s.items():
        assert case["ratios"][name]["simulate"] == csnn_s / seconds
        assert case["median"][name]["figures"]["rate I Hz"] == 52.5
        source = (limits / f"{name}.c").read_bytes()
        assert record["simulators"][name]["source_sha256"] == hashlib.sha256(source).hexdigest()
    two = case["median"]["csnn 2 threads"]
    assert case["ratios"]["csnn 2 threads"]["simulate"] == csnn_s / two["simulate_s"]
    # the same network and spikes: the same synaptic events, per second shared by two threads
    figures = two["figures"]
    assert figures["syn. events"] == case["median"]["csnn"]["figures"]["syn. events"]
    assert figures["syn. events/s/thread"] == figures["syn. events"] / two["simulate_s"] / 2
    assert "| csnn 2 threads |" in out and "| brunel_grid |" in out and "spikes = csnn's" in out


@pytest.mark.source_tree
def test_bench_yardsticks_must_name_a_directory_of_both_programs(tmp_path):
    (tmp_path / "brunel_grid.c").write_text("int main(void) { return 0; }\n")
    result = subprocess.run([sys.executable, str(ROOT / "bench" / "run.py"), "--suite", "brunel_delta", "--peers",
                             "--yardsticks", str(tmp_path)], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 2
    assert f"--yardsticks {tmp_path}: no brunel_ps.c there" in result.stderr


@pytest.mark.source_tree
def test_spike_digest_sees_every_spike_and_not_the_order(tmp_path):
    shared = load_module(ROOT / "bench" / "shared.py")
    rng = np.random.default_rng(1)
    senders, times = rng.integers(1, 50, 200), rng.uniform(0.0, 100.0, 200)
    order = rng.permutation(200)
    digest = shared.spike_digest(senders, times)
    assert shared.spike_digest(senders[order], times[order]) == digest
    moved = times.copy()
    moved[7] = np.nextafter(moved[7], np.inf)
    assert shared.spike_digest(senders, moved) != digest
    assert shared.spike_digest(senders[1:], times[1:]) != digest


def case(params, medians, ratios=None, same_spikes=None):
    """A case of run.py's records: its parameters, medians (simulator -> simulate_s, figures),
    csnn/peer simulate ratios and same_spikes."""
    return {"params": params, "median": medians, "same_spikes": same_spikes or {},
            "ratios": {name: {"simulate": ratio, "total": ratio} for name, ratio in (ratios or {}).items()}}


@pytest.mark.source_tree
def test_bench_targets_are_met_exactly_where_the_measurements_reach_their_goals(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(ROOT / "bench"))
    import summary
    order_500, order_2500 = {"order": 500, "simtime": 1000.0}, {"order": 2500, "simtime": 1000.0}
    brunel = {"suite": "brunel_delta", "skipped": {"brunel_grid": "no --yardsticks DIR given"}, "cases": [
        case(order_500, {"csnn": {}, "nest": {}}, {"nest": 0.5}),
        case(order_2500, {"csnn": {"figures": {"syn. events/s/thread": 4.9e7}}, "nest": {}, "csnn 2 threads": {}},
             {"nest": 0.51, "csnn 2 threads": 1.9}, {"csnn 2 threads": False})]}
    memory = {"suite": "memory", "cases": [
        case({"n": 50000, "indegree": 200, "simtime": 10.0, "synapse": synapse},
             {"csnn": {"figures": {"synapses": synapses, "rss growth bytes": 1e6 + synapses * bytes_per}}})
        for synapse, synapses, bytes_per in (("none", 0, 0), ("static_synapse", 10 ** 7, 12.0),
                                             ("stdp_synapse", 10 ** 7, 24.5))]}
    for record in (brunel, memory):
        (tmp_path / f"{record['suite']}.json").write_text(json.dumps(record))
    rows = {line.split(" | ")[0][2:]: line.split(" | ")[1:] for line in summary.targets_table(tmp_path).splitlines()}
    assert rows["brunel_delta order 500: simulate csnn / NEST"] == ["0.500", "<= 0.5", "yes |"]
    assert rows["brunel_delta order 2500: simulate csnn / NEST"] == ["0.510", "<= 0.5", "no |"]
    assert rows["brunel_delta order 2500: csnn syn. events/s/thread"] == ["4.9e+07", ">= 5e+07", "no |"]
    assert rows["memory, 10 M static_synapse: csnn resident B/syn"] == ["12.0", "<= 12", "yes |"]
    assert rows["memory, 10 M stdp_synapse: csnn resident B/syn"] == ["24.5", "<= 24", "no |"]
    # what is missing is said, and nothing is met without its measurement
    assert rows["brunel_delta order 2500: simulate csnn / brunel_grid"][0] == \
        "not measured (brunel_grid: no --yardsticks DIR given)"
    assert rows["brunel_delta order 2500: speedup of 2 threads, same spikes"][0] == \
        "not measured (csnn 2 threads recorded other spikes than csnn)"
    assert rows["cuba 1 s: simulate csnn / NEST"] == ["not measured (no cuba.json)", "<= 0.5", " |"]
    assert len(rows) == 2 + len(summary.TARGETS)


def nest_example(name):
    spec = importlib.util.find_spec("nest")
    if spec is None or spec.origin is None:
        pytest.skip("NEST is not installed")
    path = pathlib.Path(spec.origin).parent / "doc" / "examples" / "pynest" / name
    if not path.exists():
        pytest.skip(f"NEST's example {name} is not shipped with this NEST")
    return path.read_text()


@pytest.mark.nest
def test_nest_brunel_delta_example_runs_with_only_its_imports_changed(tmp_path):
    source = nest_example("brunel_delta_nest.py")
    source = re.sub(r"^import nest\.raster_plot$", "import csnn.raster_plot", source, flags=re.M)
    source = re.sub(r"^import nest$", "import csnn as nest", source, flags=re.M)
    # a smaller network keeps the test short; nothing else changes
    source = re.sub(r"^order = \d+", "order = 100", source, flags=re.M)
    assert "import csnn as nest" in source
    script = tmp_path / "brunel_delta_csnn.py"
    script.write_text(source)
    out = run([str(script)], tmp_path)
    found = rates(out)
    assert len(found) == 2 and all(20.0 < r < 100.0 for r in found), out
    # the example records to ascii files, one per recorder, which raster_plot read back
    assert len(list(tmp_path.glob("brunel-py-*.dat"))) == 2


def load_module(path):
    """The module of the file ``path`` (a script of examples/ or bench/), imported."""
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_example(name):
    return load_module(ROOT / "examples" / f"{name}.py")


@pytest.mark.source_tree
def test_masquelier_neuron_becomes_selective_to_the_pattern(tmp_path):
    """One seed of Masquelier et al. (2008), 30 s instead of 450 s: the paper's neuron becomes
    selective after about 700 discharges, about 10 s of input, so the last 10 s are judged by
    the paper's criteria, recomputed here from the saved file."""
    out = run([str(ROOT / "examples" / "masquelier2008.py"), "--seed", "1", "--duration", "30",
               "--out", "m.npz", "--plot", "m.png"], tmp_path)
    assert "success: True" in out, out
    saved = np.load(tmp_path / "m.npz")
    assert set(saved.files) == {"post_spikes", "pattern_onsets", "weights", "pattern_afferents"}
    m = load_example("masquelier2008").metrics(saved["post_spikes"], saved["pattern_onsets"], 30_000.0,
                                               judged=10_000.0)
    assert m["presentations"] > 25            # a quarter of the 200 windows of 10 s, roughly
    assert m["hit_rate"] > 0.98 and m["false_alarms"] == 0 and m["mean_latency"] < 10.0, m
    assert 0 < m["discharges_to_selectivity"] < saved["post_spikes"].size
    # STDP has driven the synapses apart: the strong ones (near Wmax = 1) are pattern afferents
    weights = saved["weights"]
    pattern = np.zeros(weights.size, bool)
    pattern[saved["pattern_afferents"]] = True
    strong = weights > 0.9
    assert strong.sum() > 50 and not np.any(strong & ~pattern)
    assert np.all(weights >= 0.0) and np.all(weights <= 1.0)
    assert (tmp_path / "m.png").stat().st_size > 0
