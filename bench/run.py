"""Benchmark csnn against peer simulators on the networks of networks.py.

    python bench/run.py [--suite NAME ...] [--peers nest] [--repeats 3] [--quick]

Every run is a fresh process (``networks.py``) started with the interpreter of its simulator,
so import time, build time and peak memory are per run.  Runs alternate between simulators
(csnn, nest, csnn, nest, ...) and the median of ``--repeats`` runs is reported: one markdown
table per suite on stdout, and every run in ``bench/results/<suite>.json``.
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
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
NETWORKS = BENCH / "networks.py"

#: suite -> its networks (keyword arguments of the suite's function in networks.py);
#: --quick runs only the first one
CASES = {
    "brunel_delta": [{"order": 500, "simtime": 1000.0}, {"order": 2500, "simtime": 1000.0}],
    "fi_lif": [{"n": 1000, "simtime": 10000.0}],
    "memory": [{"n": 2000, "indegree": 100, "simtime": 10.0}, {"n": 10000, "indegree": 200, "simtime": 10.0}],
}

#: suite -> variants run on each of its networks (further keyword arguments), one case each.
#: memory: "none" (no synapses, listed first) measures the fixed cost the others are net of.
VARIANTS = {"memory": [{"synapse": "none"}, {"synapse": "static_synapse"}, {"synapse": "stdp_synapse"}]}

#: peer -> the module its runs import as ``sim``.  A peer must offer the PyNEST functions that
#: networks.py uses; a simulator with another API (Brian2) needs a module wrapping it in them.
PEERS = {"nest": "nest"}

TIMES = ("build_s", "simulate_s", "total_s", "peak_rss_mb")


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


def run_once(python, module, suite, params, threads):
    """One run in a fresh process: the child's JSON result plus the process's wall time."""
    command = [python, str(NETWORKS), module, suite, json.dumps(dict(params, threads=threads))]
    start = time.perf_counter()
    proc = subprocess.run(command, capture_output=True, text=True, env=dict(os.environ, PYNEST_QUIET="1"))
    total = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"{shlex.join(command)} failed (exit code {proc.returncode}):\n{proc.stderr[-4000:]}")
    result = json.loads(proc.stdout.splitlines()[-1])
    result["total_s"] = total
    return result


def median(runs):
    out = {key: statistics.median(r[key] for r in runs) for key in TIMES}
    out["figures"] = {key: statistics.median(r["figures"][key] for r in runs) for key in runs[0]["figures"]}
    return out


def label(params):
    return ", ".join(f"{key}={fmt(value)}" for key, value in params.items())


def fmt(value):
    if isinstance(value, str):
        return value
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.4g}"


def table(cases):
    """Markdown table of the medians; ratios are csnn / peer (< 1: csnn is faster)."""
    keys = list(cases[0]["median"]["csnn"]["figures"])
    header = ["network", "simulator", "build s", "simulate s", "total s", "peak RSS MB", *keys,
              "simulate csnn/peer", "total csnn/peer"]
    rows = []
    for case in cases:
        network = label(case["params"])
        for name, m in case["median"].items():
            ratios = case["ratios"].get(name, {"simulate": "", "total": ""})
            rows.append([network, name, *(m[key] for key in TIMES), *m["figures"].values(),
                         ratios["simulate"], ratios["total"]])
        reference = case["runs"]["csnn"][0].get("reference")
        if reference:
            rows.append([network, "LIF formula", "", "", "", "", *(reference.get(key, "") for key in keys), "", ""])
    return render(header, rows)


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
        for repeat in range(args.repeats):
            for name, (module, python) in simulators.items():
                print(f"{suite} [{label(params)}] {name}: run {repeat + 1}/{args.repeats}", file=sys.stderr, flush=True)
                runs[name].append(run_once(python, module, suite, params, args.threads))
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
                        help="peer simulators to compare with (default: all; none: csnn alone)")
    parser.add_argument("--repeats", type=int, default=3, help="runs per simulator and network (median reported)")
    parser.add_argument("--quick", action="store_true", help="run only the first (smallest) network of each suite")
    parser.add_argument("--threads", type=int, default=1, help="local_num_threads of every simulator (default 1)")
    for peer, module in PEERS.items():
        parser.add_argument(f"--{peer}-python", metavar="PYTHON",
                            help=f"interpreter that can import {module} (default: this one if it can, "
                                 "else venv-peers/bin/python next to the checkout)")
    args = parser.parse_args()
    if args.repeats < 1 or args.threads < 1:
        parser.error("--repeats and --threads must be >= 1")

    simulators = {"csnn": ("csnn", sys.executable)}
    for peer in args.peers:
        python = getattr(args, f"{peer}_python") or default_python(PEERS[peer])
        if python is None:
            print(f"note: {peer} skipped: no interpreter found that imports {PEERS[peer]} "
                  f"(give one with --{peer}-python)\n")
        else:
            simulators[peer] = (PEERS[peer], python)

    (BENCH / "results").mkdir(exist_ok=True)
    for suite in args.suite:
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
            "simulators": {name: {"module": module, "python": python, "version": cases[0]["runs"][name][0]["version"],
                                  "python_version": cases[0]["runs"][name][0]["python"]}
                           for name, (module, python) in simulators.items()},
            "cases": cases,
            "table": markdown,
        }
        (BENCH / "results" / f"{suite}.json").write_text(json.dumps(record, indent=1) + "\n")


if __name__ == "__main__":
    main()
