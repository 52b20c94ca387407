"""How csnn's distribution over MPI processes scales: the measured split of brunel_delta's time
and a model that extrapolates it to a network of 10^6 neurons on 64 and 1024 processes.

    python bench/scaling_model.py [--results DIR]

reads brunel_delta's tracked results (``python bench/run.py --suite brunel_delta --threads 1 2
--processes 2 --update-results``), order 2500, and prints the markdown that docs/scaling.md
quotes between its ``scaling-model`` markers (tests/test_readme.py checks that it still does).

The model: a window of the smallest delay d costs every process

    compute / P            its share of the inputs, c_e seconds each (one thread)
  + s_w * c_b(s_w)         the serial end: every spike of the network sorted and batched
  + 2 ceil(log2 P) alpha   the two collectives' latency (header, spikes)
  + (P - 1) / P * 16 s_w / beta     the spikes' bytes (SpikeOut records, exchange.pyx)

with s_w = N nu d the network's spikes per window; c_e and c_b are measured on one process
(c_b at two network sizes, as a + b log2 s_w: the sorts grow with the logarithm),
alpha and beta (an interconnect's latency and bandwidth) are assumed, since this machine has
one node.  Waiting for the slowest process is not modelled (measured: see the table).
"""
import argparse
import json
import math
import statistics
from pathlib import Path

import shared
from csnn._core.exchange import SPIKE_BYTES

BENCH = Path(__file__).resolve().parent
TRACKED_RESULTS = BENCH / "results"
MEASURED = {"order": 2500, "simtime": 1000.0}
#: the smaller network of the same run: is the serial end's cost per spike or per window?
SMALLER = {"order": 500, "simtime": 1000.0}
#: the network extrapolated to: N neurons with NEST's hpc_benchmark in-degree (9000 excitatory
#: + 2250 inhibitory; brunel_delta's 10 % would be 10^5 synapses per neuron at this size), the
#: measured rate, brunel_delta's drive and delay
NETWORK = {"N": 1_000_000, "K_in": 11250}
#: an InfiniBand-class interconnect: latency per step of a collective (s), bandwidth per process (B/s)
ALPHA, BETA = 2e-6, 5e9
PROCESSES = (64, 1024)


def measured(results_dir, params=MEASURED):
    """The medians of brunel_delta's case ``params``: simulate, serial-end and exchange seconds,
    spikes, windows, events, per run name."""
    record = json.loads((Path(results_dir) / "brunel_delta.json").read_text())
    case = next(c for c in record["cases"] if c["params"] in (params, repr(params)))
    out = {}
    for name, runs in case["runs"].items():
        if not name.startswith("csnn"):
            continue
        out[name] = {key: statistics.median(run[key] for run in runs)
                     for key in ("simulate_s", "serial_end_s", "spikes") if key in runs[0]}
        out[name]["events"] = statistics.median(run["figures"][shared.SYN_EVENTS] for run in runs)
        if "exchange" in runs[0]:
            for key in ("mean_s", "max_s", "windows", "bytes per process"):
                out[name]["exchange " + key] = statistics.median(run["exchange"][key] for run in runs)
    return out


def model(c_e, c_b, rate, processes, p=None):
    """Seconds per simulated second of NETWORK on ``processes`` processes: (compute, serial,
    exchange, total); ``c_b(s)``: the serial end's seconds per spike at s spikes per window."""
    p = p or shared.brunel_parameters(MEASURED["order"])
    n, k_in, d = NETWORK["N"], NETWORK["K_in"], p["delay"]
    windows = 1000.0 / d
    s_w = n * rate * d / 1000.0
    compute = n * (rate * k_in + p["p_rate"]) * c_e / processes
    serial = windows * s_w * c_b(s_w)
    exchange = windows * (2 * math.ceil(math.log2(processes)) * ALPHA
                          + (processes - 1) / processes * SPIKE_BYTES * s_w / BETA)
    return compute, serial, exchange, compute + serial + exchange


def scaling_table(results_dir=TRACKED_RESULTS):
    m = measured(results_dir)
    one, threads, two = m["csnn"], m[shared.csnn_on_threads(2)], m[shared.csnn_on_processes(2)]
    p = shared.brunel_parameters(MEASURED["order"])
    n_measured = p["NE"] + p["NI"]
    simtime = MEASURED["simtime"] / 1000.0
    windows = two["exchange windows"]
    rate = one["spikes"] / n_measured / simtime
    s_w_measured = one["spikes"] / windows
    c_e = (one["simulate_s"] - one["serial_end_s"]) / one["events"]
    small = measured(results_dir, SMALLER)["csnn"]
    # the serial end per spike at the two sizes, fitted as a + b log2(spikes per window): the
    # sorts' comparisons grow with the logarithm (b >= 0: noise must not make it shrink)
    sizes = [small["spikes"] / windows, s_w_measured]
    costs = [small["serial_end_s"] / small["spikes"], one["serial_end_s"] / one["spikes"]]
    slope = max(0.0, (costs[1] - costs[0]) / (math.log2(sizes[1]) - math.log2(sizes[0])))

    def c_b(spikes_per_window):
        return costs[1] + slope * (math.log2(spikes_per_window) - math.log2(sizes[1]))
    lines = [
        f"Measured: brunel_delta, {n_measured} neurons, 1 s ({windows:.0f} windows of {p['delay']} ms, "
        f"{s_w_measured:.0f} spikes per window, {rate:.1f} Hz), medians of the tracked run:",
        "",
        "| processes x threads | simulate s | speedup | serial end s (per process) | exchange s (mean process) "
        "| exchange per window | bytes received per window |",
        "| --- | --- | --- | --- | --- | --- | --- |",
        f"| 1 x 1 | {one['simulate_s']:.2f} | 1 | {one['serial_end_s']:.3f} | | | |",
        f"| 1 x 2 | {threads['simulate_s']:.2f} | {one['simulate_s'] / threads['simulate_s']:.2f} | "
        f"{threads['serial_end_s']:.3f} | | | |",
        f"| 2 x 1 | {two['simulate_s']:.2f} | {one['simulate_s'] / two['simulate_s']:.2f} | "
        f"{two['serial_end_s']:.3f} | {two['exchange mean_s']:.3f} | "
        f"{1e6 * two['exchange mean_s'] / windows:.0f} us | {two['exchange bytes per process'] / windows:.0f} |",
        "",
        f"Two processes against two threads: {threads['simulate_s'] / two['simulate_s']:.2f} (above 1: processes "
        f"faster).  Per input {1e9 * c_e:.1f} ns of one thread; per spike of the network {1e9 * costs[1]:.0f} ns of "
        f"serial end on every process ({1e9 * costs[0]:.0f} ns at order {SMALLER['order']}, {sizes[0]:.0f} spikes "
        f"per window: it costs per spike, and grows by {1e9 * slope:.1f} ns per doubling of the spikes per window, "
        f"which the model extrapolates).",
        "",
        f"Model for {NETWORK['N']:.0e} neurons, {NETWORK['K_in']} inputs each, {rate:.1f} Hz, "
        f"drive {p['p_rate']:.0f} Hz, delay {p['delay']} ms, one thread per process, "
        f"alpha = {1e6 * ALPHA:g} us, beta = {BETA / 1e9:g} GB/s (seconds per simulated second):",
        "",
        "| processes | compute | serial end | exchange | total | compute / total |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for processes in PROCESSES:
        compute, serial, exchange, total = model(c_e, c_b, rate, processes, p)
        lines.append(f"| {processes} | {compute:.3g} | {serial:.3g} | {exchange:.3g} | {total:.3g} | "
                     f"{compute / total:.2f} |")
    compute_1, serial, exchange, _ = model(c_e, c_b, rate, 1024, p)
    even = compute_1 * 1024 / (serial + exchange)
    lines += ["", f"The replicated work (serial end and exchange) equals the compute share at about "
                  f"{even:,.0f} processes."]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=TRACKED_RESULTS,
                        help="directory of brunel_delta.json (default: the tracked bench/results)")
    print(scaling_table(parser.parse_args().results))


if __name__ == "__main__":
    main()
