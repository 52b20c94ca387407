"""STDP finds the start of a repeating pattern: Masquelier, Guyonneau & Thorpe (2008).

Masquelier T, Guyonneau R, Thorpe SJ (2008) "Spike timing dependent plasticity finds the start
of repeating patterns in continuous spike trains", PLoS ONE 3(1): e1377, and its replication
by Hathway & Goodman (2018), ReScience 4(1).

* Input (``csnn.stimuli.masquelier_pattern``, the paper's defaults): 2000 afferents firing as
  Poisson processes with randomly drifting rates (0 to 90 Hz, at least one spike every 50 ms);
  a 50 ms pattern of afferents 0-999, cut from their activity, is pasted into a quarter of the
  50 ms windows (never two in a row) with 1 ms Gaussian jitter; 10 Hz Poisson noise on every
  afferent.  150 s of input are presented three times (450 s).
* Neuron: ``srm_psc_exp``, the paper's spike response model (tau_m = 10 ms, tau_s = 2.5 ms,
  threshold 500, after-potential K1 = 2, K2 = 4), integrated exactly: spike times are
  continuous, which is what the learning needs (grid-bound simulators need dt <= 0.01 ms).
* Plasticity: additive STDP restricted to nearest neighbours (``stdp_nn_restr_synapse``,
  mu = 0, Wmax = 1, lambda = 2^-5, alpha = 0.85, tau_plus = 16.8 ms; tau_minus = 33.7 ms on
  the neuron), initial weights 0.475.
* The afferents are spike generators relayed by parrot neurons (plastic synapses connect
  neurons).  Generator -> parrot and parrot -> neuron delays are 0.1 ms each, so an input
  spike at t reaches the neuron at t + 0.2 ms; times below are the input's (the neuron's
  spike times minus 0.2 ms), so that latencies count from the pattern's onset.

Success, as in the paper, is judged over the last 150 s: the neuron fires in more than 98% of
the pattern presentations (hit rate), never outside them (false alarms: spikes outside every
pattern window), with a mean latency below 10 ms from the pattern's onset.

    python examples/masquelier2008.py [--seed 1] [--duration 450] [--out FILE.npz] [--no-plot]

prints the metrics and saves FILE.npz (``post_spikes`` (ms), ``pattern_onsets`` (ms),
``weights`` (final, by afferent id), ``pattern_afferents`` (ids)) and masquelier2008.png.  The
paper's 450 s take a few minutes and 2.5 GB of memory; ``--duration 30`` takes seconds, and the
neuron learns the pattern in its first 10 s or so.
"""
import argparse
import time

import numpy as np

import csnn as nest
from csnn.plot import script_pyplot
from csnn.stimuli import masquelier_pattern

NEURON = {"tau_m": 10.0, "tau_s": 2.5, "V_th": 500.0, "K1": 2.0, "K2": 4.0, "tau_minus": 33.7}
STDP = {"synapse_model": "stdp_nn_restr_synapse", "weight": 0.475, "Wmax": 1.0, "lambda": 2.0 ** -5,
        "alpha": 0.85, "mu_plus": 0.0, "mu_minus": 0.0, "tau_plus": 16.8}
DELAY = 0.1              # ms: generator -> parrot and parrot -> neuron
BLOCK = 150_000.0        # ms of input generated, then repeated (the paper's 150 s)
PATTERN = 50.0           # ms: pattern length
JUDGED = 150_000.0       # ms at the end over which success is judged
V_WINDOW = 1000.0        # ms of V_m recorded early and late
#: wall time (s) and peak memory (MB) per simulated second on a 2-core VM, input included
#: (--duration 30: 7.7 s, 220 MB; 450: 96 to 180 s depending on the machine's load, 2.5 GB)
WALL_PER_SECOND, MB_PER_SECOND = 0.3, 6.0


def make_input(seed, duration):
    """The input of ``duration`` ms: 150 s blocks (or one shorter block) repeated."""
    block = min(BLOCK, duration)
    repeats = int(np.ceil(duration / block))
    return masquelier_pattern(duration=block, repeats=repeats, pattern_duration=PATTERN, seed=seed)


def simulate(inp, duration, seed):
    """Run the experiment; returns the output spikes, the final weights by afferent and V_m
    early and late (all times in input time, ms)."""
    nest.ResetKernel()
    nest.SetKernelStatus({"rng_seed": seed + 1})
    trains = inp.trains()
    generators = nest.Create("spike_generator", inp.n_afferents,
                             params=[{"spike_times": t[t < duration]} for t in trains])
    afferents = nest.Create("parrot_neuron", inp.n_afferents)
    neuron = nest.Create("srm_psc_exp", params=NEURON)
    nest.Connect(generators, afferents, "one_to_one", {"delay": DELAY})
    nest.Connect(afferents, neuron, "all_to_all", dict(STDP, delay=DELAY))
    spikes = nest.Create("spike_recorder")
    nest.Connect(neuron, spikes)
    lag = 2 * DELAY
    meters = [nest.Create("multimeter", params={"record_from": ["V_m"], "interval": 0.1,
                                                "start": t0 + lag, "stop": t0 + lag + V_WINDOW})
              for t0 in (0.0, max(duration - V_WINDOW, 0.0))]
    for meter in meters:
        nest.Connect(meter, neuron)
    wall = time.perf_counter()
    nest.Simulate(duration + lag)
    wall = time.perf_counter() - wall
    connections = nest.GetConnections(afferents, neuron)
    weights = np.empty(inp.n_afferents)
    weights[np.asarray(connections.get("source")) - afferents[0].get("global_id")] = connections.get("weight")
    traces = [(m.get("events")["times"] - lag, m.get("events")["V_m"]) for m in meters]
    return {"post_spikes": spikes.get("events")["times"] - lag, "weights": weights, "traces": traces,
            "wall": wall}


def metrics(post_spikes, onsets, duration, judged=JUDGED, pattern=PATTERN):
    """The paper's criteria over the last ``judged`` ms, and the discharges before selectivity.

    hit rate: fraction of presentations in the judged span with a spike inside their window;
    false alarms: spikes in the judged span outside every pattern window; latency: first spike
    of each hit presentation minus its onset (ms).  Discharges to selectivity: output spikes up
    to and including the last one of the whole run outside every pattern window (0 when there
    is none).
    """
    post_spikes = np.sort(np.asarray(post_spikes, float))
    onsets = np.asarray(onsets, float)
    window = np.searchsorted(onsets, post_spikes, side="right") - 1
    inside = (window >= 0) & (post_spikes < onsets[np.maximum(window, 0)] + pattern)
    start = duration - judged
    judged_onsets = onsets[(onsets >= start) & (onsets + pattern <= duration)]
    first = np.searchsorted(post_spikes, judged_onsets)
    hit = (first < post_spikes.size) & (post_spikes[np.minimum(first, post_spikes.size - 1)]
                                         < judged_onsets + pattern)
    latencies = np.where(hit, post_spikes[np.minimum(first, max(post_spikes.size - 1, 0))] - judged_onsets, np.nan)
    false = ~inside
    false_alarms = int(np.count_nonzero(false & (post_spikes >= start)))
    last_false = np.flatnonzero(false)
    hit_rate = float(hit.mean()) if hit.size else 0.0
    mean_latency = float(np.nanmean(latencies)) if hit.any() else float("nan")
    return {"hit_rate": hit_rate, "false_alarms": false_alarms, "mean_latency": mean_latency,
            "presentations": int(judged_onsets.size),
            "discharges_to_selectivity": int(last_false[-1] + 1) if last_false.size else 0,
            "success": bool(hit_rate > 0.98 and false_alarms == 0 and mean_latency < 10.0),
            "latencies": latencies, "judged_onsets": judged_onsets}


def plot(plt, inp, result, m, duration, path):
    fig, axes = plt.subplots(2, 2, figsize=(12, 8))
    ax = axes[0, 0]
    t0 = inp.pattern_onsets[0] - 100.0 if inp.pattern_onsets.size else 0.0
    sel = (inp.times >= t0) & (inp.times < t0 + 400.0) & (inp.senders < 200)
    for onset in inp.pattern_onsets[(inp.pattern_onsets >= t0) & (inp.pattern_onsets < t0 + 400.0)]:
        ax.axvspan(onset, onset + PATTERN, color="tab:orange", alpha=0.3, lw=0)
    ax.plot(inp.times[sel], inp.senders[sel], "k.", ms=1)
    ax.set(xlabel="time (ms)", ylabel="afferent (first 200)", title="input, pattern windows shaded")
    ax = axes[0, 1]
    for (t, v), label in zip(result["traces"], ("early", "late")):
        ax.plot(t - t[0] if t.size else t, v, lw=0.7, label=f"{label} ({t[0] / 1000:.0f} s)" if t.size else label)
    ax.axhline(NEURON["V_th"], color="gray", ls="--", lw=0.7)
    ax.set(xlabel="time in the recorded second (ms)", ylabel="V_m (a.u.)", title="output neuron")
    ax.legend(loc="lower right")
    ax = axes[1, 0]
    onsets = inp.pattern_onsets[inp.pattern_onsets + PATTERN <= duration]
    first = np.searchsorted(result["post_spikes"], onsets)
    ok = first < result["post_spikes"].size
    lat = np.full(onsets.size, np.nan)
    lat[ok] = result["post_spikes"][first[ok]] - onsets[ok]
    lat[lat >= PATTERN] = np.nan
    ax.plot(onsets / 1000.0, lat, ".", ms=2)
    ax.set(xlabel="time (s)", ylabel="latency (ms)", ylim=(0, PATTERN), title="response latency per presentation")
    ax = axes[1, 1]
    ax.plot(np.arange(inp.n_afferents), result["weights"], ".", ms=2)
    ax.axvline(inp.pattern_afferents.size - 0.5, color="gray", ls="--", lw=0.7)
    ax.set(xlabel="afferent", ylabel="final weight", title="weights (pattern afferents left of the line)")
    fig.suptitle(f"Masquelier et al. 2008 in csnn: hit rate {m['hit_rate']:.1%}, {m['false_alarms']} false "
                 f"alarms, latency {m['mean_latency']:.1f} ms")
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def cost(seconds):
    """What simulating ``seconds`` s takes, roughly: wall time and memory."""
    wall, memory = seconds * WALL_PER_SECOND, seconds * MB_PER_SECOND
    return (f"about {f'{wall / 60:.0f} min' if wall >= 90 else f'{wall:.0f} s'} and "
            f"{f'{memory / 1000:.1f} GB' if memory >= 1000 else f'{memory:.0f} MB'} of memory")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=1, help="seed of the input and of the kernel (default 1)")
    parser.add_argument("--duration", type=float, default=450.0,
                        help="simulated time (s), default 450: the paper's experiment, a few minutes; 30 takes "
                             "seconds")
    parser.add_argument("--out", default=None, help="save the results to this .npz file")
    parser.add_argument("--plot", default="masquelier2008.png", help="figure file (default masquelier2008.png)")
    parser.add_argument("--no-plot", action="store_true", help="do not draw the figure")
    args = parser.parse_args(argv)
    if not args.duration > 0:
        parser.error(f"--duration must be > 0 s, got {args.duration}")
    plt = script_pyplot(__file__, args.no_plot)
    print(f"Masquelier et al. (2008), seed {args.seed}: {args.duration:g} s of input from 2000 afferents into "
          f"one neuron learning by STDP; {cost(args.duration)} on a 2-core machine"
          + ("" if args.duration <= 30 else " (--duration 30 learns the pattern in seconds)"), flush=True)
    duration = args.duration * 1000.0
    wall = time.perf_counter()
    inp = make_input(args.seed, duration)
    t_input = time.perf_counter() - wall
    result = simulate(inp, duration, args.seed)
    m = metrics(result["post_spikes"], inp.pattern_onsets, duration, judged=min(JUDGED, duration / 3))
    print(f"seed {args.seed}: {duration / 1000:.0f} s, {inp.times.size} input spikes, "
          f"{result['post_spikes'].size} output spikes")
    print(f"last {min(JUDGED, duration / 3) / 1000:.0f} s: hit rate {m['hit_rate']:.4f} of {m['presentations']} "
          f"presentations, false alarms {m['false_alarms']}, mean latency {m['mean_latency']:.2f} ms")
    print(f"discharges to selectivity: {m['discharges_to_selectivity']}")
    print(f"success: {m['success']}")
    print(f"wall time: input {t_input:.1f} s, simulation {result['wall']:.1f} s")
    if args.out:
        np.savez(args.out, post_spikes=result["post_spikes"], pattern_onsets=inp.pattern_onsets,
                 weights=result["weights"], pattern_afferents=inp.pattern_afferents)
        print(f"saved {args.out}")
    if plt is not None:
        plot(plt, inp, result, m, duration, args.plot)
        print(f"figure saved to {args.plot}")
    summary = {key: value for key, value in m.items() if key not in ("latencies", "judged_onsets")}
    summary.update(seed=args.seed, duration_s=args.duration, output_spikes=int(result["post_spikes"].size),
                   input_spikes=int(inp.times.size), wall_input_s=t_input, wall_simulation_s=result["wall"])
    return summary


if __name__ == "__main__":
    main()
