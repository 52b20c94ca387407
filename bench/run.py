"""Benchmark csnn against peer simulators on the networks of networks.py.

    python bench/run.py [--suite NAME ...] [--peers nest brian2 brian2_standalone] [--repeats 3] [--quick]
                        [--update-results | --out DIR]

Every run is a fresh process (``networks.py``) started with the interpreter of its simulator,
so import time, build time and peak memory are per run.  Runs alternate between simulators
(csnn, nest, brian2, ..., csnn, nest, ...) and the median of ``--repeats`` runs is reported: one
markdown table per suite on stdout, and every run in ``<suite>.json`` in the git-ignored
``bench/results/local/`` (``--update-results``: the tracked ``bench/results/``, which the READMEs
quote; ``--out DIR``: DIR).
"""
import argparse
import datetime
import importlib.util
import json
import os
import platform
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import shared
from csnn.errors import MissingDependencyError

BENCH = Path(__file__).resolve().parent
NETWORKS = BENCH / "networks.py"

#: suite -> its networks (keyword arguments of the suite's function in networks.py);
#: --quick runs only the first one
CASES = {
    "brunel_delta": [{"order": 500, "simtime": 1000.0}, {"order": 2500, "simtime": 1000.0}],
    "brunel_alpha": [{"order": 500, "simtime": 1000.0}, {"order": 2500, "simtime": 1000.0}],
    "fi_lif": [{"n": 1000, "simtime": 10000.0}],
    "memory": [{"n": 2000, "indegree": 100, "simtime": 10.0}, {"n": 50000, "indegree": 200, "simtime": 10.0}],
    "cuba": [{"simtime": 1000.0}, {"simtime": 10000.0}],
    "hh": [{"n": 100, "simtime": 1000.0}],
    "stdp_pattern": [{"simtime": 100000.0}, {"simtime": 450000.0}],
    "stdp_network": [{"order": 500, "simtime": 1000.0}, {"order": 2500, "simtime": 1000.0}],
    # size sweep at shared.SCALING_RATE, then rate sweep at shared.SCALING_N (its 10 Hz point is
    # the size sweep's n = 10000 case)
    "scaling": [{"n": 1000, "rate": 10.0, "simtime": 1000.0}, {"n": 10000, "rate": 10.0, "simtime": 1000.0},
                {"n": 100000, "rate": 10.0, "simtime": 1000.0},
                {"n": 10000, "rate": 2.0, "simtime": 1000.0}, {"n": 10000, "rate": 40.0, "simtime": 1000.0}],
}

#: suite -> variants run on each of its networks (further keyword arguments), one case each.
#: memory: "none" (no synapses, listed first) measures the fixed cost the others are net of.
VARIANTS = {"memory": [{"synapse": "none"}, {"synapse": "static_synapse"}, {"synapse": "stdp_synapse"}]}

#: suite -> function of shared.py run here (in csnn's interpreter) before a network's runs:
#: f(params, directory) writes the inputs all simulators read into ``directory`` (temporary,
#: one per network) and returns the parameters that name them, added to the runs' params.
PREPARE = {"stdp_pattern": shared.write_pattern_input}

#: suite -> function of shared.py run here on every run's result: f(result, params, extra)
#: turns raw outputs into figures, the same way for every simulator (the peers' interpreters
#: cannot import csnn's examples).
SCORE = {"stdp_pattern": shared.score_pattern}

#: suite -> function of shared.py run here after the suite: f(cases, path) saves a plot of the
#: medians to <suite>.png next to the results
PLOT = {"scaling": shared.plot_scaling}


@dataclass(frozen=True)
class Peer:
    """A peer simulator.  run.py gives its name to networks.py, which knows how to run it (csnn
    and nest through the PyNEST API, brian2 and brian2_standalone through brian2_networks.py);
    its interpreter must import ``module``: the option --<module>-python names one, by default
    see default_python.  ``skip``: suite -> why the peer does not run it."""
    module: str
    skip: dict = field(default_factory=dict)


PEERS = {
    "nest": Peer("nest"),
    "brian2": Peer("brian2"),
    "brian2_standalone": Peer("brian2", skip={
        "memory": "its network is built and freed inside the compiled binary, so the growth of resident "
                  "memory from before to after connecting cannot be measured as for the others"}),
}

#: the times of a run (csnn and NEST report no compile_s)
TIMES = ("build_s", "compile_s", "simulate_s", "total_s", "peak_rss_mb")


def default_python(module):
    """This interpreter if it can import ``module``, else ../venv-peers next to the checkout."""
    if importlib.util.find_spec(module) is not None:
        return sys.executable
    venv = BENCH.parent.parent / "venv-peers" / "bin" / "python"
    return str(venv) if venv.exists() else None


def cpu_model():
    """The CPU's model name (from /proc/cpuinfo on Linux)."""
    cpuinfo = Path("/proc/cpuinfo")
    lines = cpuinfo.read_text().splitlines() if cpuinfo.exists() else []
    names = [line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")]
    return names[0] if names else platform.processor()


def run_once(python, simulator, suite, params, threads):
    """One run in a fresh process: the child's JSON result plus the process's wall time."""
    command = [python, str(NETWORKS), simulator, suite, json.dumps(dict(params, threads=threads))]
    start = time.perf_counter()
    proc = subprocess.run(command, capture_output=True, text=True, env=dict(os.environ, PYNEST_QUIET="1"))
    total = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"{shlex.join(command)} failed (exit code {proc.returncode}):\n{proc.stderr[-4000:]}")
    result = json.loads(proc.stdout.splitlines()[-1])
    result["total_s"] = total
    return result


def median(runs):
    out = {key: statistics.median(r[key] for r in runs) for key in TIMES if key in runs[0]}
    out["figures"] = {key: statistics.median(r["figures"][key] for r in runs) for key in runs[0]["figures"]}
    return out


def label(params):
    return ", ".join(f"{key}={fmt(value)}" for key, value in params.items())


def fmt(value):
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.4g}"


def table(cases):
    """Markdown table of the medians; ratios are csnn / peer (< 1: csnn is faster).  The column
    "compile s" appears when a simulator reports it (Brian 2)."""
    keys = list(cases[0]["median"]["csnn"]["figures"])
    times = [key for key in TIMES if any(key in m for case in cases for m in case["median"].values())]
    header = ["network", "simulator", *(TIME_HEADERS[key] for key in times), *keys,
              "simulate csnn/peer", "total csnn/peer"]
    rows = []
    for case in cases:
        network = label(case["params"])
        for name, m in case["median"].items():
            ratios = case["ratios"].get(name, {"simulate": "", "total": ""})
            rows.append([network, name, *(m.get(key) for key in times), *(m["figures"].get(key) for key in keys),
                         ratios["simulate"], ratios["total"]])
        reference = case["runs"]["csnn"][0].get("reference")
        if reference:
            rows.append([network, "LIF formula", *([""] * len(times)), *(reference.get(key, "") for key in keys),
                         "", ""])
    return render(header, rows)


TIME_HEADERS = {"build_s": "build s", "compile_s": "compile s", "simulate_s": "simulate s", "total_s": "total s",
                "peak_rss_mb": "peak RSS MB"}


def memory_table(cases):
    """Markdown table of bytes per synapse: a synapse model's growth of resident memory minus
    that of the same network without synapses, over the number of synapses; ratios are
    csnn / peer (< 1: csnn uses less memory)."""
    names = list(cases[0]["median"])
    peers = names[1:]
    header = ["network", "synapse", "synapses", *(f"{name} B/syn" for name in names),
              *(f"csnn/{peer}" for peer in peers), "csnn table B/syn",
              *(f"{name} B/syn trimmed" for name in names), *(f"{name} build s" for name in names)]
    rows, fixed, baseline = [], [], {}
    for case in cases:
        params = dict(case["params"])
        synapse = params.pop("synapse")
        network = label(params)
        figures = {name: m["figures"] for name, m in case["median"].items()}
        if synapse == "none":
            baseline[network] = figures
            fixed.append(f"{network}: " + ", ".join(f"{name} {f['rss growth bytes'] / 1024 ** 2:.3g} MB"
                                                    for name, f in figures.items()))
            continue
        rss, trimmed = ({name: (f[key] - baseline[network][name][key]) / f["synapses"] for name, f in figures.items()}
                        for key in ("rss growth bytes", "trimmed growth bytes"))
        rows.append([network, synapse, figures["csnn"]["synapses"], *rss.values(),
                     *(rss["csnn"] / rss[peer] for peer in peers),
                     figures["csnn"]["table bytes"] / figures["csnn"]["synapses"],
                     *trimmed.values(), *(f["build s"] for f in figures.values())])
    return (render(header, rows) + "\n\nSubtracted: growth of resident memory without synapses, "
            + "; ".join(fixed) + ".")


def render(header, rows):
    lines = [header, ["---"] * len(header), *([fmt(v) for v in row] for row in rows)]
    return "\n".join("| " + " | ".join(line) + " |" for line in lines)


#: suite -> (its table, what a csnn/peer ratio < 1 means); other suites: TABLE
TABLES = {"memory": (memory_table, "csnn uses less memory")}
TABLE = (table, "csnn faster")


def run_suite(suite, simulators, args):
    cases = []
    networks = CASES[suite][:1] if args.quick else CASES[suite]
    for params in [dict(network, **variant) for network in networks for variant in VARIANTS.get(suite, [{}])]:
        runs = {name: [] for name in simulators}
        with tempfile.TemporaryDirectory(prefix=f"csnn-bench-{suite}-") as scratch:
            extra = PREPARE[suite](params, scratch) if suite in PREPARE else {}
            for repeat in range(args.repeats):
                for name, python in simulators.items():
                    print(f"{suite} [{label(params)}] {name}: run {repeat + 1}/{args.repeats}", file=sys.stderr,
                          flush=True)
                    result = run_once(python, name, suite, dict(params, **extra), args.threads)
                    runs[name].append(SCORE[suite](result, params, extra) if suite in SCORE else result)
        medians = {name: median(r) for name, r in runs.items()}
        ratios = {name: {"simulate": medians["csnn"]["simulate_s"] / m["simulate_s"],
                         "total": medians["csnn"]["total_s"] / m["total_s"]}
                  for name, m in medians.items() if name != "csnn"}
        cases.append({"params": params, "runs": runs, "median": medians, "ratios": ratios})
    return cases


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--suite", nargs="+", choices=CASES, default=list(CASES), metavar="NAME",
                        help=f"suites to run (default: all): {', '.join(CASES)}")
    parser.add_argument("--peers", nargs="*", choices=PEERS, default=list(PEERS),
                        help=f"peer simulators to compare with: {', '.join(PEERS)} (default: all; none: csnn alone)")
    parser.add_argument("--repeats", type=int, default=3, help="runs per simulator and network (median reported)")
    parser.add_argument("--quick", action="store_true", help="run only the first (smallest) network of each suite")
    parser.add_argument("--threads", type=int, default=1, help="local_num_threads of every simulator (default 1)")
    for module in dict.fromkeys(peer.module for peer in PEERS.values()):
        users = ", ".join(name for name, peer in PEERS.items() if peer.module == module)
        parser.add_argument(f"--{module}-python", metavar="PYTHON",
                            help=f"interpreter that can import {module}, for {users} (default: this one if "
                                 "it can, else venv-peers/bin/python next to the checkout)")
    shared.add_results_options(parser)
    args = parser.parse_args()
    if args.repeats < 1 or args.threads < 1:
        parser.error("--repeats and --threads must be >= 1")

    peers = {}
    for name in dict.fromkeys(args.peers):
        module = PEERS[name].module
        python = getattr(args, f"{module}_python") or default_python(module)
        if python is None:
            print(f"note: {name} skipped: no interpreter found that imports {module} "
                  f"(give one with --{module}-python)\n")
        else:
            peers[name] = python
    if "brian2" in peers and args.threads > 1:
        print("note: brian2 (runtime mode) runs on one thread whatever --threads\n")

    results = shared.results_dir(args)
    for suite in args.suite:
        simulators = {"csnn": sys.executable}
        skipped = {name: PEERS[name].skip[suite] for name in peers if suite in PEERS[name].skip}
        for name, python in peers.items():
            if name in skipped:
                print(f"note: {name} does not run {suite}: {skipped[name]}\n")
            else:
                simulators[name] = python
        cases = run_suite(suite, simulators, args)
        tabulate, meaning = TABLES.get(suite, TABLE)
        markdown = tabulate(cases)
        quick = " (--quick: first network only)" if args.quick else ""
        print(f"### {suite}{quick}\n\nmedian of {args.repeats} run(s), {args.threads} thread(s); "
              f"ratio < 1: {meaning}\n\n{markdown}\n")
        record = {
            "suite": suite,
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "command": shlex.join([sys.executable, *sys.argv]),
            "repeats": args.repeats,
            "quick": args.quick,
            "threads": args.threads,
            "machine": {"platform": platform.platform(), "cpu": cpu_model(),
                        "cpu_count": os.cpu_count(), "python": platform.python_version()},
            "simulators": {name: {"python": python, "version": cases[0]["runs"][name][0]["version"],
                                  "python_version": cases[0]["runs"][name][0]["python"]}
                           for name, python in simulators.items()},
            "skipped": skipped,
            "cases": cases,
            "table": markdown,
        }
        (results / f"{suite}.json").write_text(json.dumps(record, indent=1) + "\n")
        if suite in PLOT:
            path = results / f"{suite}.png"
            try:
                PLOT[suite](cases, path)
            except MissingDependencyError as err:
                print(f"note: {path.name} not drawn: {err}\n")
            else:
                print(f"plot: {path}\n")
    print(f"results: {results}")


if __name__ == "__main__":
    main()
