"""The README's performance summary: one small table from the tracked benchmark results.

    python bench/summary.py [--results DIR]

reads ``bench/results/<suite>.json`` (written by ``python bench/run.py --update-results``) and
prints a markdown table: for each benchmark's main network, csnn's simulate time and its ratio
to every peer's simulate time measured in the same run (below 1: csnn is faster).  The
README quotes this output between its ``bench-summary`` markers; tests/test_readme.py checks
that it still does.
"""
import argparse
import json
from pathlib import Path

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


def summary_table(results_dir=TRACKED_RESULTS):
    """The summary as markdown lines; a benchmark without results in ``results_dir`` is left out."""
    lines = ["| benchmark | csnn simulate s | " + " | ".join(f"csnn / {name}" for _, name in PEERS) + " |",
             "| --- | --- | " + " | ".join("---" for _ in PEERS) + " |"]
    for suite, params, what in ROWS:
        path = Path(results_dir) / f"{suite}.json"
        if not path.exists():
            continue
        case = _case(json.loads(path.read_text()), params)
        if case is None or "csnn" not in case["median"]:
            continue
        ratios = case.get("ratios", {})
        cells = [f"{ratios[peer]['simulate']:.2f}" if peer in ratios else "" for peer, _ in PEERS]
        lines.append(f"| {what} | {case['median']['csnn']['simulate_s']:.3g} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=TRACKED_RESULTS,
                        help="directory of the <suite>.json files (default: the tracked bench/results)")
    print(summary_table(parser.parse_args().results))


if __name__ == "__main__":
    main()
