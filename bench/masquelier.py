"""Masquelier et al. (2008) over many seeds: success rate, discharges to selectivity, wall time.

    python bench/masquelier.py [--seeds 20] [--first 0] [--duration 450] [--jobs 2]
                               [--update-results | --out DIR]

Runs ``examples/masquelier2008.py`` (one process per seed, ``--jobs`` at a time, each with one
thread) and prints a summary table; every run goes to ``masquelier.json`` with the machine, the
versions and the command line, in the git-ignored ``bench/results/local/`` (``--update-results``:
the tracked ``bench/results/``, which the READMEs quote; ``--out DIR``: DIR).  Success is the
paper's: over the last 150 s, hit rate > 98%, no false alarm, mean latency < 10 ms.  The paper
and the replication of Hathway & Goodman (2018) report success in more than 95% of their runs.
"""
import argparse
import datetime
import importlib.util
import json
import multiprocessing
import platform
import statistics
import sys

import csnn
import shared
from pathlib import Path

BENCH = Path(__file__).resolve().parent
EXAMPLE = BENCH.parent / "examples" / "masquelier2008.py"


def run_seed(seed_and_duration):
    """One run in this worker process: the example's summary."""
    seed, duration = seed_and_duration
    spec = importlib.util.spec_from_file_location("masquelier2008", EXAMPLE)
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    return example.main(["--seed", str(seed), "--duration", str(duration), "--no-plot"])


def summary_table(runs):
    walls = [r["wall_simulation_s"] for r in runs]
    successes = sum(r["success"] for r in runs)
    discharges = [r["discharges_to_selectivity"] for r in runs]
    rows = [
        ("runs", f"{len(runs)}"),
        ("success (hit rate > 98%, no false alarm, latency < 10 ms)", f"{successes} / {len(runs)} ({successes / len(runs):.0%})"),
        ("hit rate, median (min)", f"{statistics.median(r['hit_rate'] for r in runs):.4f} ({min(r['hit_rate'] for r in runs):.4f})"),
        ("false alarms in the last 150 s, median (max)", f"{statistics.median(r['false_alarms'] for r in runs)} ({max(r['false_alarms'] for r in runs)})"),
        ("mean latency (ms), median", f"{statistics.median(r['mean_latency'] for r in runs):.2f}"),
        ("discharges to selectivity, median (range)", f"{statistics.median(discharges):.0f} ({min(discharges)} to {max(discharges)})"),
        ("wall time of the simulation per run (s), median", f"{statistics.median(walls):.1f}"),
        ("wall time of the input per run (s), median", f"{statistics.median(r['wall_input_s'] for r in runs):.1f}"),
    ]
    lines = ["| quantity | value |", "| --- | --- |"] + [f"| {k} | {v} |" for k, v in rows]
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=20, help="number of seeds (default 20)")
    parser.add_argument("--first", type=int, default=0, help="first seed (default 0)")
    parser.add_argument("--duration", type=float, default=450.0, help="simulated time per run (s)")
    parser.add_argument("--jobs", type=int, default=2, help="runs at a time (default 2)")
    shared.add_results_options(parser)
    args = parser.parse_args(argv)
    if args.seeds < 1 or args.jobs < 1:
        parser.error("--seeds and --jobs must be >= 1")
    seeds = [(args.first + k, args.duration) for k in range(args.seeds)]
    with multiprocessing.get_context("spawn").Pool(args.jobs) as pool:
        runs = []
        for run in pool.imap_unordered(run_seed, seeds):
            runs.append(run)
            print(f"seed {run['seed']}: success {run['success']}, {run['wall_simulation_s']:.0f} s", file=sys.stderr)
    runs.sort(key=lambda r: r["seed"])
    record = {"date": datetime.datetime.now().isoformat(timespec="seconds"), "command": sys.argv,
              "machine": {"platform": platform.platform(), "python": platform.python_version()},
              "csnn": csnn.__version__, "jobs": args.jobs, "runs": runs}
    path = shared.results_dir(args) / "masquelier.json"
    path.write_text(json.dumps(record, indent=1))
    print(summary_table(runs))
    print(f"results: {path}")


if __name__ == "__main__":
    main()
