"""The README's performance summary and the engine's targets, from the tracked benchmark results.

    python bench/summary.py [--targets] [--results DIR]

reads ``bench/results/<suite>.json`` (written by ``python bench/run.py --update-results``) and
prints a markdown table: for each benchmark's main network, csnn's simulate time and its ratio
to every peer's simulate time measured in the same run (below 1: csnn is faster).  The
README quotes this output between its ``bench-summary`` markers; tests/test_readme.py checks
that it still does.  ``--targets``: instead, the targets csnn's engine is built to meet
(TARGETS), each with its measured value, its goal and whether it is met; bench/README.md
quotes it between its ``bench-targets`` markers.
"""
import argparse
import json
import operator
from dataclasses import dataclass
from pathlib import Path

import shared

BENCH = Path(__file__).resolve().parent
TRACKED_RESULTS = BENCH / "results"

#: (suite, the main network's parameters as run.py labels them, what the row says)
ROWS = [
    ("brunel_delta", {"order": 500, "simtime": 1000.0}, "Brunel, `iaf_psc_delta`, 2 500 neurons, 1 s"),
    ("brunel_delta", {"order": 2500, "simtime": 1000.0}, "Brunel, `iaf_psc_delta`, 12 500 neurons, 1 s"),
    ("cuba", {"simtime": 1000.0}, "CUBA, `iaf_psc_exp`, 4 000 neurons, 1 s"),
    ("fi_lif", {"n": 1000, "simtime": 10000.0}, "f-I curve, 1 000 `iaf_psc_delta`, 10 s"),
    ("hh", {"n": 100, "simtime": 1000.0}, "f-I curve, 100 `hh_psc_alpha`, 1 s"),
    ("stdp_network", {"order": 2500, "simtime": 1000.0}, "Brunel with 10^7 `stdp_synapse`s, 1 s"),
    ("stdp_pattern", {"simtime": 100000.0}, "Masquelier et al. (2008), 100 s"),
]

#: peers in the order of the table's columns
PEERS = [("nest", "NEST 3"), ("brian2", "Brian 2 runtime"), ("brian2_standalone", "Brian 2 standalone")]


def _case(results, params):
    """The case of a suite's results that ran ``params`` (run.py stores them as repr)."""
    for case in results["cases"]:
        if case["params"] == repr(params) or case["params"] == params:
            return case
    return None


class NotMeasured(Exception):
    """A target's measurement is not in the results: the message says what is missing."""


def _record(results_dir, suite):
    path = Path(results_dir) / f"{suite}.json"
    if not path.exists():
        raise NotMeasured(f"no {suite}.json")
    return json.loads(path.read_text())


def _measured_case(results_dir, suite, params, name):
    """The case of ``suite`` that ran ``params``, if ``name`` (a simulator of run.py) ran in it."""
    record = _record(results_dir, suite)
    case = _case(record, params)
    if case is None:
        raise NotMeasured(f"{suite} has no " + ", ".join(f"{key}={value:g}" for key, value in params.items()))
    if name not in case["median"]:
        why = record.get("skipped", {}).get(name, "not among the simulators run")
        raise NotMeasured(f"{name}: {why}")
    return case


def summary_table(results_dir=TRACKED_RESULTS):
    """The summary as markdown lines; a benchmark without results in ``results_dir`` is left out."""
    lines = ["| benchmark | csnn simulate s | " + " | ".join(f"csnn / {name}" for _, name in PEERS) + " |",
             "| --- | --- | " + " | ".join("---" for _ in PEERS) + " |"]
    for suite, params, what in ROWS:
        try:
            case = _measured_case(results_dir, suite, params, "csnn")
        except NotMeasured:
            continue
        ratios = case.get("ratios", {})
        cells = [f"{ratios[peer]['simulate']:.2f}" if peer in ratios else "" for peer, _ in PEERS]
        lines.append(f"| {what} | {case['median']['csnn']['simulate_s']:.3g} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def simulate_ratio(suite, params, peer):
    """csnn's simulate time over ``peer``'s, measured in the same run."""
    return lambda results: _measured_case(results, suite, params, peer)["ratios"][peer]["simulate"]


def speedup(suite, params, threads=None, processes=None):
    """csnn's simulate time on the first thread count over that on ``threads`` threads (or on
    ``processes`` MPI processes); not measured unless the recorded spikes were identical."""
    name = shared.csnn_on_threads(threads) if processes is None else shared.csnn_on_processes(processes)

    def measure(results):
        case = _measured_case(results, suite, params, name)
        if not case.get("same_spikes", {}).get(name):
            raise NotMeasured(f"{name} recorded other spikes than csnn")
        return case["ratios"][name]["simulate"]
    return measure


def csnn_figure(suite, params, key):
    """The median of csnn's figure ``key``."""
    def measure(results):
        figures = _measured_case(results, suite, params, "csnn")["median"]["csnn"]["figures"]
        if key not in figures:
            raise NotMeasured(f"{suite} results without {key}")
        return figures[key]
    return measure


def csnn_bytes_per_synapse(params, synapse):
    """csnn's resident bytes per synapse in the memory suite's network ``params`` (without the
    synapse model) with ``synapse``: shared.bytes_per_synapse."""
    def measure(results):
        _measured_case(results, "memory", dict(params, synapse=synapse), "csnn")
        for case, per_synapse in shared.bytes_per_synapse(_record(results, "memory")["cases"]):
            if case["params"] == dict(params, synapse=synapse):
                return per_synapse["csnn"]
    return measure


@dataclass(frozen=True)
class Target:
    """One of the engine's targets: ``measure`` (results directory -> value, or NotMeasured)
    must be ``op`` ("<=" or ">=") ``goal``; ``unit`` (a key of UNITS) formats the value."""
    what: str
    measure: object
    op: str
    goal: float
    unit: str = "ratio"


BRUNEL_500, BRUNEL_2500 = {"order": 500, "simtime": 1000.0}, {"order": 2500, "simtime": 1000.0}
CUBA_1S = {"simtime": 1000.0}
MEMORY_10M = {"n": 50000, "indegree": 200, "simtime": 10.0}

#: the targets of csnn's engine: simulate times against NEST 3 (its example scripts, one
#: thread), Brian 2's C++ standalone mode and the exact yardstick brunel_grid, delivered
#: synaptic events per second and thread, the speedup of two threads and of two MPI processes
#: (with identical spikes)
#: and resident bytes per synapse (10 M synapses)
TARGETS = [
    Target("brunel_delta order 500: simulate csnn / NEST", simulate_ratio("brunel_delta", BRUNEL_500, "nest"),
           "<=", 0.5),
    Target("brunel_delta order 2500: simulate csnn / NEST", simulate_ratio("brunel_delta", BRUNEL_2500, "nest"),
           "<=", 0.5),
    Target("brunel_alpha order 500: simulate csnn / NEST", simulate_ratio("brunel_alpha", BRUNEL_500, "nest"),
           "<=", 0.5),
    Target("brunel_alpha order 2500: simulate csnn / NEST", simulate_ratio("brunel_alpha", BRUNEL_2500, "nest"),
           "<=", 0.5),
    Target("cuba 1 s: simulate csnn / NEST", simulate_ratio("cuba", CUBA_1S, "nest"), "<=", 0.5),
    Target("stdp_network order 2500: simulate csnn / NEST", simulate_ratio("stdp_network", BRUNEL_2500, "nest"),
           "<=", 0.5),
    Target("brunel_delta order 2500: simulate csnn / Brian 2 standalone",
           simulate_ratio("brunel_delta", BRUNEL_2500, "brian2_standalone"), "<=", 1.0),
    Target("brunel_delta order 2500: simulate csnn / brunel_grid",
           simulate_ratio("brunel_delta", BRUNEL_2500, "brunel_grid"), "<=", 1.25),
    Target("cuba 1 s: simulate csnn / Brian 2 standalone", simulate_ratio("cuba", CUBA_1S, "brian2_standalone"),
           "<=", 2.0),
    Target(f"brunel_delta order 2500: csnn {shared.SYN_EVENT_RATE}",
           csnn_figure("brunel_delta", BRUNEL_2500, shared.SYN_EVENT_RATE), ">=", 5e7, "rate"),
    Target("brunel_delta order 2500: speedup of 2 threads, same spikes", speedup("brunel_delta", BRUNEL_2500, 2),
           ">=", 1.8),
    Target("cuba 1 s: speedup of 2 threads, same spikes", speedup("cuba", CUBA_1S, 2), ">=", 1.8),
    Target("brunel_delta order 2500: speedup of 2 MPI processes, same spikes",
           speedup("brunel_delta", BRUNEL_2500, processes=2), ">=", 1.7),
    Target("memory, 10 M static_synapse: csnn resident B/syn",
           csnn_bytes_per_synapse(MEMORY_10M, "static_synapse"), "<=", 12.0, "bytes"),
    Target("memory, 10 M stdp_synapse: csnn resident B/syn",
           csnn_bytes_per_synapse(MEMORY_10M, "stdp_synapse"), "<=", 24.0, "bytes"),
    Target("stdp_pattern 100 s: simulate csnn / Brian 2 standalone",
           simulate_ratio("stdp_pattern", {"simtime": 100000.0}, "brian2_standalone"), "<=", 1.0),
]

OPERATORS = {"<=": operator.le, ">=": operator.ge}
UNITS = {"ratio": "{:.3f}", "rate": "{:.3g}", "bytes": "{:.1f}"}


def targets_table(results_dir=TRACKED_RESULTS):
    """TARGETS as markdown lines: measured value, goal, met; a target without its measurement
    in ``results_dir`` says what is missing."""
    lines = ["| target | measured | goal | met |", "| --- | --- | --- | --- |"]
    for target in TARGETS:
        form = UNITS[target.unit]
        try:
            value = target.measure(results_dir)
        except NotMeasured as missing:
            measured, met = f"not measured ({missing})", ""
        else:
            measured = form.format(value)
            met = "yes" if OPERATORS[target.op](value, target.goal) else "no"
        lines.append(f"| {target.what} | {measured} | {target.op} {target.goal:g} | {met} |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--targets", action="store_true",
                        help="print the engine's targets against the measured values instead of the summary")
    parser.add_argument("--results", type=Path, default=TRACKED_RESULTS,
                        help="directory of the <suite>.json files (default: the tracked bench/results)")
    args = parser.parse_args()
    print((targets_table if args.targets else summary_table)(args.results))


if __name__ == "__main__":
    main()
