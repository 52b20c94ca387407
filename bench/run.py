"""Benchmark csnn against peer simulators on the networks of networks.py.

    python bench/run.py [--suite NAME ...] [--peers nest brian2 brian2_standalone] [--repeats 3] [--quick]
                        [--threads N ...] [--processes K ...] [--yardsticks DIR]
                        [--update-results | --out DIR]

Every run is a fresh process (``networks.py``) started with the interpreter of its simulator,
so import time, build time and peak memory are per run.  Runs alternate between simulators
(csnn, nest, brian2, ..., csnn, nest, ...) and the median of ``--repeats`` runs is reported: one
markdown table per suite on stdout, and every run in ``<suite>.json`` in the git-ignored
``bench/results/local/`` (``--update-results``: the tracked ``bench/results/``, which the READMEs
quote; ``--out DIR``: DIR).  Every simulator runs on the first of ``--threads``; csnn also on
each further one ("csnn N threads", whose recorded spikes must be csnn's), and on each number K
of ``--processes`` ("csnn K processes": ``mpiexec -n K`` of the MPI extra, same spikes again).
``--yardsticks``:
the exact C programs brunel_grid.c and brunel_ps.c of DIR join brunel_delta as peers.
"""
import argparse
import datetime
import hashlib
import importlib.util
import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
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

#: csnn on a further thread count of --threads ("csnn N threads"): the suites it skips, and why
THREADED_CSNN = Peer("csnn", skip={
    "stdp_pattern": "examples/masquelier2008.py's simulate() runs on one thread",
    "memory": "bytes per synapse are measured on the first thread count only"})

#: the yardsticks of --yardsticks DIR: exact event-driven C programs of brunel_delta's network
#: (DIR/<name>.c; README.md there), peers of that suite alone.  brunel_grid: NEST's
#: poisson_generator (a Poisson count per 0.1 ms step); brunel_ps: every drive input at its own
#: continuous time
YARDSTICKS = ("brunel_grid", "brunel_ps")
YARDSTICK_SUITE = "brunel_delta"


@dataclass(frozen=True)
class Runner:
    """A column of a suite's runs: networks.py runs ``simulator`` (one of its SIMULATORS) with the
    interpreter ``python`` on ``threads`` threads, under ``mpiexec -n processes`` when processes
    > 1; ``binary``: a yardstick's compiled program."""
    simulator: str
    python: str
    threads: int
    binary: str | None = None
    processes: int = 1

#: the times of a run (csnn and NEST report no compile_s; exchange_s: csnn on several MPI
#: processes, the mean process's wall time in spike exchanges, waiting for the others included)
TIMES = ("build_s", "compile_s", "simulate_s", "exchange_s", "total_s", "peak_rss_mb")

#: suites csnn runs on several MPI processes (--processes): networks.py gathers their figures
MPI_SUITES = ("brunel_delta", "brunel_alpha")


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


def run_once(runner, suite, params):
    """One run in a fresh process: the child's JSON result plus the process's wall time."""
    params = dict(params, threads=runner.threads, **({"binary": runner.binary} if runner.binary else {}))
    command = [runner.python, str(NETWORKS), runner.simulator, suite, json.dumps(params)]
    if runner.processes > 1:
        command = [mpiexec(runner.python), "-n", str(runner.processes), *command]
    start = time.perf_counter()
    proc = subprocess.run(command, capture_output=True, text=True, env=dict(os.environ, PYNEST_QUIET="1"))
    total = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"{shlex.join(command)} failed (exit code {proc.returncode}):\n{proc.stderr[-4000:]}")
    result = json.loads(proc.stdout.splitlines()[-1])
    result["total_s"] = total
    if "exchange" in result:
        result["exchange_s"] = result["exchange"]["mean_s"]
    figures = result["figures"]
    if shared.SYN_EVENTS in figures:
        figures[shared.SYN_EVENT_RATE] = shared.syn_event_rate(figures[shared.SYN_EVENTS], result["simulate_s"],
                                                               runner.threads * runner.processes)
    return result


def mpiexec(python):
    """The mpiexec next to ``python`` (the MPI extra installs MPICH's into its environment), else
    the one on PATH."""
    here = Path(python).parent / "mpiexec"
    found = str(here) if here.exists() else shutil.which("mpiexec")
    if found is None:
        sys.exit(f"--processes needs mpiexec: pip install \"csnn-sim[mpi]\" into the environment of {python}")
    return found


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
    """Markdown table of the medians; ratios are csnn / peer (< 1: csnn is faster; for "csnn N
    threads" the speedup of N threads).  The column "compile s" appears when a simulator reports
    it (Brian 2), "spikes = csnn's" when csnn ran on further thread counts."""
    keys = list(cases[0]["median"]["csnn"]["figures"])
    times = [key for key in TIMES if any(key in m for case in cases for m in case["median"].values())]
    checked = any(case["same_spikes"] for case in cases)
    header = ["network", "simulator", *(TIME_HEADERS[key] for key in times), *keys,
              "simulate csnn/peer", "total csnn/peer", *(["spikes = csnn's"] if checked else [])]
    rows = []
    for case in cases:
        network = label(case["params"])
        for name, m in case["median"].items():
            ratios = case["ratios"].get(name, {"simulate": "", "total": ""})
            same = case["same_spikes"].get(name)
            rows.append([network, name, *(m.get(key) for key in times), *(m["figures"].get(key) for key in keys),
                         ratios["simulate"], ratios["total"],
                         *([{None: "", True: "yes", False: "NO"}[same]] if checked else [])])
        reference = case["runs"]["csnn"][0].get("reference")
        if reference:
            rows.append([network, "LIF formula", *([""] * len(times)), *(reference.get(key, "") for key in keys),
                         "", "", *([""] if checked else [])])
    return render(header, rows)


TIME_HEADERS = {"build_s": "build s", "compile_s": "compile s", "simulate_s": "simulate s",
                "exchange_s": "exchange s", "total_s": "total s", "peak_rss_mb": "peak RSS MB"}


def memory_table(cases):
    """Markdown table of bytes per synapse (shared.bytes_per_synapse): a synapse model's growth
    of resident memory minus that of the same network without synapses, over the number of
    synapses; ratios are csnn / peer (< 1: csnn uses less memory)."""
    names = list(cases[0]["median"])
    peers = names[1:]
    header = ["network", "synapse", "synapses", *(f"{name} B/syn" for name in names),
              *(f"csnn/{peer}" for peer in peers), "csnn table B/syn",
              *(f"{name} B/syn trimmed" for name in names), *(f"{name} build s" for name in names)]
    trimmed = [per_synapse for _, per_synapse in shared.bytes_per_synapse(cases, "trimmed growth bytes")]
    rows = []
    for (case, rss), rss_trimmed in zip(shared.bytes_per_synapse(cases), trimmed):
        params = dict(case["params"])
        synapse = params.pop("synapse")
        figures = {name: m["figures"] for name, m in case["median"].items()}
        rows.append([label(params), synapse, figures["csnn"]["synapses"], *rss.values(),
                     *(rss["csnn"] / rss[peer] for peer in peers),
                     figures["csnn"]["table bytes"] / figures["csnn"]["synapses"],
                     *rss_trimmed.values(), *(f["build s"] for f in figures.values())])
    fixed = [label({k: v for k, v in case["params"].items() if k != "synapse"}) + ": "
             + ", ".join(f"{name} {m['figures']['rss growth bytes'] / 1024 ** 2:.3g} MB"
                         for name, m in case["median"].items())
             for case in cases if case["params"]["synapse"] == "none"]
    return (render(header, rows) + "\n\nSubtracted: growth of resident memory without synapses, "
            + "; ".join(fixed) + ".")


def render(header, rows):
    lines = [header, ["---"] * len(header), *([fmt(v) for v in row] for row in rows)]
    return "\n".join("| " + " | ".join(line) + " |" for line in lines)


#: suite -> (its table, what a csnn/peer ratio < 1 means); other suites: TABLE
TABLES = {"memory": (memory_table, "csnn uses less memory")}
TABLE = (table, "csnn faster")


def run_suite(suite, runners, args):
    """Run every network of ``suite`` with every runner (a dict name -> Runner, csnn's first),
    alternating, ``args.repeats`` times: the cases of the suite's record."""
    cases = []
    networks = CASES[suite][:1] if args.quick else CASES[suite]
    for params in [dict(network, **variant) for network in networks for variant in VARIANTS.get(suite, [{}])]:
        runs = {name: [] for name in runners}
        with tempfile.TemporaryDirectory(prefix=f"csnn-bench-{suite}-") as scratch:
            extra = PREPARE[suite](params, scratch) if suite in PREPARE else {}
            for repeat in range(args.repeats):
                for name, runner in runners.items():
                    print(f"{suite} [{label(params)}] {name}: run {repeat + 1}/{args.repeats}", file=sys.stderr,
                          flush=True)
                    result = run_once(runner, suite, dict(params, **extra))
                    runs[name].append(SCORE[suite](result, params, extra) if suite in SCORE else result)
        medians = {name: median(r) for name, r in runs.items()}
        ratios = {name: {"simulate": medians["csnn"]["simulate_s"] / m["simulate_s"],
                         "total": medians["csnn"]["total_s"] / m["total_s"]}
                  for name, m in medians.items() if name != "csnn"}
        cases.append({"params": params, "runs": runs, "median": medians, "ratios": ratios,
                      "same_spikes": same_spikes(runs, runners)})
    return cases


def same_spikes(runs, runners):
    """For each further csnn runner (other thread counts): whether all its runs recorded the
    spikes of all of csnn's runs (the same spikes_sha256); empty where networks.py reports no
    digest."""
    reference = {run.get("spikes_sha256") for run in runs["csnn"]}
    if None in reference:
        return {}
    return {name: len(reference) == 1 and {run["spikes_sha256"] for run in runs[name]} == reference
            for name, runner in runners.items() if runner.simulator == "csnn" and name != "csnn"}


def suite_runners(suite, peers, threads, yardsticks, processes=()):
    """The runners of ``suite`` (name -> Runner, csnn's first) and the skipped ones (name ->
    why): csnn on threads[0] threads, the peers (name -> interpreter) on as many (Brian 2's
    runtime mode on one), the yardsticks (name -> binary, None: no --yardsticks) for
    brunel_delta, csnn on each further thread count and on each number of MPI processes."""
    runners = {"csnn": Runner("csnn", sys.executable, threads[0])}
    skipped = {}
    for name, python in peers.items():
        if suite in PEERS[name].skip:
            skipped[name] = PEERS[name].skip[suite]
        else:
            runners[name] = Runner(name, python, 1 if name == "brian2" else threads[0])
    if suite == YARDSTICK_SUITE:
        for name, binary in yardsticks.items():
            if binary is None:
                skipped[name] = "no --yardsticks DIR given (the directory of brunel_grid.c and brunel_ps.c)"
            else:
                runners[name] = Runner(name, sys.executable, 1, binary)
    for count in threads[1:]:
        name = shared.csnn_on_threads(count)
        if suite in THREADED_CSNN.skip:
            skipped[name] = THREADED_CSNN.skip[suite]
        else:
            runners[name] = Runner("csnn", sys.executable, count)
    for count in processes:
        name = shared.csnn_on_processes(count)
        if suite in MPI_SUITES:
            runners[name] = Runner("csnn", sys.executable, threads[0], processes=count)
        else:
            skipped[name] = f"networks.py gathers the figures of several MPI processes in {', '.join(MPI_SUITES)} only"
    return runners, skipped


def compile_yardsticks(directory, build):
    """Compile DIR/<name>.c of every yardstick (``directory``: --yardsticks) with ``$CC`` (default
    cc) -O3 into the directory ``build``: name -> its program."""
    binaries = {}
    for name in YARDSTICKS:
        source = Path(directory) / f"{name}.c"
        binary = Path(build) / name
        command = [os.environ.get("CC", "cc"), "-O3", "-o", str(binary), str(source), "-lm"]
        proc = subprocess.run(command, capture_output=True, text=True)
        if proc.returncode != 0:
            sys.exit(f"{shlex.join(command)} failed (exit code {proc.returncode}):\n{proc.stderr[-4000:]}")
        binaries[name] = str(binary)
    return binaries


def yardstick_source(directory, name):
    """Where the yardstick ``name`` of ``directory`` (--yardsticks) came from: its source file
    and the SHA-256 of its text."""
    source = Path(directory) / f"{name}.c"
    return {"source": str(source.resolve()), "source_sha256": hashlib.sha256(source.read_bytes()).hexdigest()}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--suite", nargs="+", choices=CASES, default=list(CASES), metavar="NAME",
                        help=f"suites to run (default: all): {', '.join(CASES)}")
    parser.add_argument("--peers", nargs="*", choices=PEERS, default=list(PEERS),
                        help=f"peer simulators to compare with: {', '.join(PEERS)} (default: all; none: csnn alone)")
    parser.add_argument("--repeats", type=int, default=3, help="runs per simulator and network (median reported)")
    parser.add_argument("--quick", action="store_true", help="run only the first (smallest) network of each suite")
    parser.add_argument("--threads", type=int, nargs="+", default=[1], metavar="N",
                        help="local_num_threads of every simulator (default 1); further values run csnn "
                             "alone on as many threads, as 'csnn N threads' (e.g. --threads 1 2)")
    parser.add_argument("--processes", type=int, nargs="+", default=[], metavar="K",
                        help="also run csnn on K MPI processes of the first --threads each (mpiexec -n K), as "
                             f"'csnn K processes', in {' and '.join(MPI_SUITES)} (default: none)")
    parser.add_argument("--yardsticks", type=Path, metavar="DIR",
                        help=f"directory of {' and '.join(f'{name}.c' for name in YARDSTICKS)}: compiled and "
                             f"run as peers of {YARDSTICK_SUITE} (default: not run)")
    for module in dict.fromkeys(peer.module for peer in PEERS.values()):
        users = ", ".join(name for name, peer in PEERS.items() if peer.module == module)
        parser.add_argument(f"--{module}-python", metavar="PYTHON",
                            help=f"interpreter that can import {module}, for {users} (default: this one if "
                                 "it can, else venv-peers/bin/python next to the checkout)")
    shared.add_results_options(parser)
    args = parser.parse_args()
    if any(k < 2 for k in args.processes) or len(set(args.processes)) < len(args.processes):
        parser.error(f"--processes: each number of processes (>= 2) once, got {' '.join(map(str, args.processes))}")
    if args.repeats < 1 or min(args.threads) < 1:
        parser.error(f"--repeats and --threads must be >= 1, got --repeats {args.repeats} "
                     f"--threads {' '.join(map(str, args.threads))}")
    if len(set(args.threads)) < len(args.threads):
        parser.error(f"--threads: each thread count once, got {' '.join(map(str, args.threads))}")
    missing = [name for name in YARDSTICKS if args.yardsticks and not (args.yardsticks / f"{name}.c").is_file()]
    if missing:
        parser.error(f"--yardsticks {args.yardsticks}: no {', '.join(f'{name}.c' for name in missing)} there; "
                     f"DIR must hold {' and '.join(f'{name}.c' for name in YARDSTICKS)}")
    return args


def find_peers(args):
    """The peers to run: name -> the interpreter that imports its module (a note for each
    peer without one)."""
    peers = {}
    for name in dict.fromkeys(args.peers):
        module = PEERS[name].module
        python = getattr(args, f"{module}_python") or default_python(module)
        if python is None:
            print(f"note: {name} skipped: no interpreter found that imports {module} "
                  f"(give one with --{module}-python)\n")
        else:
            peers[name] = python
    if "brian2" in peers and args.threads[0] > 1:
        print("note: brian2 (runtime mode) runs on one thread whatever --threads\n")
    return peers


def main():
    args = parse_args()
    peers = find_peers(args)
    results = shared.results_dir(args)
    with ExitStack() as stack:
        yardsticks = dict.fromkeys(YARDSTICKS)
        if args.yardsticks and YARDSTICK_SUITE in args.suite:
            build = stack.enter_context(tempfile.TemporaryDirectory(prefix="csnn-bench-yardsticks-"))
            yardsticks = compile_yardsticks(args.yardsticks, build)
        for suite in args.suite:
            runners, skipped = suite_runners(suite, peers, args.threads, yardsticks, args.processes)
            cases = run_suite(suite, runners, args)
            report(suite, runners, skipped, cases, args, results)
    print(f"results: {results}")


def report(suite, runners, skipped, cases, args, results):
    """Print the suite's table and write its record (and plot) into ``results``."""
    tabulate, meaning = TABLES.get(suite, TABLE)
    markdown = tabulate(cases)
    quick = " (--quick: first network only)" if args.quick else ""
    threads = " and ".join(f"{runner.processes} x {runner.threads}" if runner.processes > 1 else f"{runner.threads}"
                           for runner in runners.values() if runner.simulator == "csnn")
    not_run = "".join(f"not run: {name}: {why}\n" for name, why in skipped.items())
    print(f"### {suite}{quick}\n\nmedian of {args.repeats} run(s), csnn on {threads} thread(s), the peers on "
          f"{args.threads[0]}; ratio < 1: {meaning}\n{not_run}\n{markdown}\n")
    record = {
        "suite": suite,
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "command": shlex.join([sys.executable, *sys.argv]),
        "repeats": args.repeats,
        "quick": args.quick,
        "threads": args.threads,
        "machine": {"platform": platform.platform(), "cpu": cpu_model(),
                    "cpu_count": os.cpu_count(), "python": platform.python_version()},
        "simulators": {name: {"python": runner.python, "threads": runner.threads,
                              "version": cases[0]["runs"][name][0]["version"],
                              "python_version": cases[0]["runs"][name][0]["python"],
                              **(yardstick_source(args.yardsticks, name) if runner.binary else {})}
                       for name, runner in runners.items()},
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


if __name__ == "__main__":
    main()
