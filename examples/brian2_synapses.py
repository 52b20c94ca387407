"""Brian 2's tutorial "Introduction to Brian part 2: Synapses", expressed in csnn.

Each step of the tutorial, with csnn's PyNEST API (``import csnn as nest``) and its Brian-style
connection expressions:

1. the simplest synapse: a neuron G driven above threshold by a constant current excites a
   passive neuron H; each spike of G makes H's potential jump by the weight;
2. weights: G excites three H neurons with weights given as an expression of the target's
   index, ``syn_spec={'weight': '(j + 1) * 0.2'}``;
3. delays: the same, with delays given as an expression too, ``'delay': '(j + 1) * 2'`` (ms);
4. connectivity of 10 neurons: by probability (``{'rule': 'expression', 'condition': 'i != j',
   'p': p}`` for p = 0.1, 0.5, 1), one to one (``'j': 'i'``), by condition (the band
   ``'abs(i - j) < 4 and i != j'``) and by generator (``'j': 'k for k in range(i - 3, i + 4)
   if i != k'`` with ``'skip_if_invalid': True``), drawn as the tutorial draws them;
5. distance-dependent weights: neurons on a line with positions given to ``Create``, weights
   ``'exp(-(x_pre - x_post)**2 / (2 * width**2))'`` with ``'namespace': {'width': ...}``;
6. STDP: how a ``stdp_synapse`` holds its presynaptic trace K+ and changes its weight, and its
   window: 100 pairs of parrot neurons replaying spikes with t_post - t_pre from -50 to 50 ms,
   the measured weight changes against :func:`csnn.analysis.stdp_window`.

The tutorial's neurons are dimensionless, ``dv/dt = (I - v) / tau`` with threshold 1 and reset
0.  Here they are ``iaf_psc_delta`` neurons in mV: E_L = V_reset = 0, V_th = 1 mV, C_m = 1 pF
and t_ref = 0 (Brian's neurons have no refractory period unless given one), so a current I_e
(pA) drives V_m towards V_inf = I_e tau_m / C_m: the tutorial's I = 2 is I_e = 0.2 pA with
tau_m = 10 ms.  A delta synapse of weight w makes V_m jump by w mV, Brian's ``v_post += w``.

Three differences from Brian 2 show up on the way:

* csnn's delays must be > 0 (Brian's default delay is 0): where the tutorial has none, the
  synapses here have the shortest delay of this example, 0.1 ms;
* ``i`` and ``j`` are indices in the pre and the post collection of one ``Connect`` call, from 0:
  the tutorial's H neurons are neurons 1 and 2 of G's group, ours a collection of their own, so
  its ``'j * 0.2'`` is ``'(j + 1) * 0.2'`` here;
* as in NEST, a ``stdp_synapse`` changes its weight only at presynaptic spikes: a
  postsynaptic spike's potentiation is applied at the next presynaptic spike, and the whole
  delay d is dendritic, so the window is centred on t_post - t_pre = -d, not 0.

Every simulation is event-driven and exact: spike times and potentials are closed-form values,
with no time step.

    python examples/brian2_synapses.py [--out-prefix brian2_synapses] [--no-plot]

saves <prefix>_1_simplest.png, <prefix>_2_weights.png, <prefix>_3_delays.png,
<prefix>_4_connectivity.png, <prefix>_5_distance.png and <prefix>_6_stdp.png.
"""
import argparse

import numpy as np

import csnn as nest
from csnn.plot import script_pyplot

#: the tutorial's dimensionless neurons in mV (threshold 1, reset 0, no refractory period)
LIF = {"E_L": 0.0, "V_reset": 0.0, "V_m": 0.0, "V_th": 1.0, "C_m": 1.0, "t_ref": 0.0}
TAU_DRIVEN = 10.0       # ms, G's membrane time constant
TAU_PASSIVE = 100.0     # ms, the H neurons'
V_INF = 2.0             # mV, where G's current drives it (the tutorial's I = 2)
I_DRIVE = V_INF * LIF["C_m"] / TAU_DRIVEN      # pA
SHORTEST_DELAY = 0.1    # ms: Brian's synapses default to no delay, csnn's delays must be > 0
T_SYNAPSES = 100.0      # ms simulated in sections 1 to 3
SAMPLE_INTERVAL = 0.1   # ms between V_m samples

N_CONNECTIVITY = 10
PROBABILITIES = (0.1, 0.5, 1.0)
CONNECTIVITY_SEED = 2024

N_LINE = 30
SPACING = 50.0          # µm between neighbours on the line (csnn takes positions in any unit)
WIDTH = N_LINE / 4 * SPACING    # µm, the width of the weights' Gaussian profile

#: the tutorial's STDP rule: tau_pre = tau_post = 20 ms, A_pre = 0.01 and
#: A_post = -1.05 A_pre, as an additive stdp_synapse (mu_plus = mu_minus = 0) whose changes,
#: Wmax lambda = 0.01 and Wmax alpha lambda = 0.0105, never reach the bounds 0 and Wmax
STDP = {"synapse_model": "stdp_synapse", "weight": 0.5, "Wmax": 1.0, "lambda": 0.01, "alpha": 1.05,
        "mu_plus": 0.0, "mu_minus": 0.0, "tau_plus": 20.0, "delay": SHORTEST_DELAY}
TAU_MINUS = 20.0        # ms, the postsynaptic trace's time constant (a neuron parameter in NEST)
N_PAIRS = 100
T_MAX = 50.0            # ms, the largest |t_post - t_pre|
T_FIRST = 10.0          # ms, the first spike of the STDP sections
T_FLUSH = 1000.0        # ms after the pairs: a last presynaptic spike applies their potentiations
REPLAY_DELAY = 0.1      # ms from a spike generator to the parrot neuron replaying it


def driven_neuron_excites(n_targets, weight, delay, t_sim=T_SYNAPSES):
    """G, driven by I_DRIVE, excites ``n_targets`` passive H neurons through delta synapses of
    ``weight`` (mV) and ``delay`` (ms): numbers or expressions of the target index j.

    Returns V_m samples of G and the H neurons (the multimeter's events, every
    SAMPLE_INTERVAL ms), their spikes (a spike recorder's events), the synapses as built
    (source, target, weight, delay), and the ids of G and of the H neurons."""
    nest.ResetKernel()
    driven = nest.Create("iaf_psc_delta", params=dict(LIF, tau_m=TAU_DRIVEN, I_e=I_DRIVE))
    passive = nest.Create("iaf_psc_delta", n_targets, params=dict(LIF, tau_m=TAU_PASSIVE))
    nest.Connect(driven, passive, "all_to_all", {"weight": weight, "delay": delay})
    multimeter = nest.Create("multimeter", params={"record_from": ["V_m"], "interval": SAMPLE_INTERVAL})
    recorder = nest.Create("spike_recorder")
    nest.Connect(multimeter, driven + passive)
    nest.Connect(driven + passive, recorder)
    nest.Simulate(t_sim)
    synapses = nest.GetConnections(driven, passive).get(["source", "target", "weight", "delay"])
    # as in NEST, one connection's values come as scalars: make every column an array
    return {"samples": multimeter.get("events"), "spikes": recorder.get("events"),
            "synapses": {key: np.atleast_1d(column) for key, column in synapses.items()},
            "driven": driven.tolist()[0], "passive": passive.tolist()}


def simplest_synapse():
    """Section 1: G excites one H neuron, weight 0.2 mV, after the shortest delay."""
    return driven_neuron_excites(1, 0.2, SHORTEST_DELAY)


def weights():
    """Section 2: G excites three H neurons with weights 0.2, 0.4 and 0.6 mV from the expression
    '(j + 1) * 0.2', after the shortest delay."""
    return driven_neuron_excites(3, "(j + 1) * 0.2", SHORTEST_DELAY)


def delays():
    """Section 3: as section 2, with delays 2, 4 and 6 ms from the expression '(j + 1) * 2'
    (the tutorial's 'j * 2 * ms' with its j = 1, 2; j = 0 would give a delay of 0)."""
    return driven_neuron_excites(3, "(j + 1) * 0.2", "(j + 1) * 2")


def connectivity_rules():
    """The conn_specs of section 4, by name: the probability rule for each of PROBABILITIES,
    one to one, the band by condition and the same band by generator."""
    rules = {f"p = {p}": {"rule": "expression", "condition": "i != j", "p": p} for p in PROBABILITIES}
    rules["one to one"] = {"rule": "expression", "j": "i"}
    rules["condition"] = {"rule": "expression", "condition": "abs(i - j) < 4 and i != j"}
    # the band again: range(i - 3, i + 4) runs past both ends, skip_if_invalid drops those targets
    rules["generator"] = {"rule": "expression", "j": "k for k in range(i - 3, i + 4) if i != k",
                          "skip_if_invalid": True}
    return rules


def connectivity(n=N_CONNECTIVITY, seed=CONNECTIVITY_SEED):
    """Section 4: ``n`` neurons connected among themselves by each of :func:`connectivity_rules`,
    each in a fresh kernel (node ids 1 to n, index i is id - 1) with random seed ``seed``.

    Returns {name: (i, j)}: the index arrays of the connections, pre and post."""
    pairs = {}
    for name, conn_spec in connectivity_rules().items():
        nest.ResetKernel()
        nest.SetKernelStatus({"rng_seed": seed})
        neurons = nest.Create("iaf_psc_delta", n)
        nest.Connect(neurons, neurons, conn_spec)
        table = nest.GetConnections(neurons, neurons).get(["source", "target"])
        first = neurons.tolist()[0]
        pairs[name] = (np.asarray(table["source"]) - first, np.asarray(table["target"]) - first)
    return pairs


def distance_dependent_weights(n=N_LINE, spacing=SPACING, width=WIDTH):
    """Section 5: ``n`` neurons ``spacing`` µm apart on a line, every one connected to every
    other with the weight exp(-(x_pre - x_post)**2 / (2 width**2)) (width in µm).

    Returns the neurons' x positions (µm, read back with GetPosition) and the connections'
    pre and post indices and weights."""
    nest.ResetKernel()
    line = np.column_stack([spacing * np.arange(n), np.zeros(n)])
    neurons = nest.Create("iaf_psc_delta", positions=nest.spatial.free(line))
    nest.Connect(neurons, neurons, {"rule": "expression", "condition": "i != j"},
                 {"weight": "exp(-(x_pre - x_post)**2 / (2 * width**2))", "namespace": {"width": width}})
    table = nest.GetConnections(neurons, neurons).get(["source", "target", "weight"])
    first = neurons.tolist()[0]
    return {"x": np.array(nest.GetPosition(neurons))[:, 0],
            "i": np.asarray(table["source"]) - first, "j": np.asarray(table["target"]) - first,
            "weight": np.asarray(table["weight"])}


def stdp_parameters():
    """The parameters of :func:`csnn.analysis.stdp_window` for STDP and TAU_MINUS."""
    return dict({key: value for key, value in STDP.items() if key != "synapse_model"}, tau_minus=TAU_MINUS)


def replayed_pairs(pre_times, post_times):
    """Parrot neurons replaying ``pre_times[k]`` (a list of spike times, ms) and
    ``post_times[k]``, pair k joined by one STDP synapse.  Returns (pre, post, synapses)."""
    n = len(pre_times)
    pre = nest.Create("parrot_neuron", n)
    post = nest.Create("parrot_neuron", n, params={"tau_minus": TAU_MINUS})
    for parrots, times in ((pre, pre_times), (post, post_times)):
        generators = nest.Create("spike_generator", n,
                                 params=[{"spike_times": np.asarray(t) - REPLAY_DELAY} for t in times])
        nest.Connect(generators, parrots, "one_to_one", {"delay": REPLAY_DELAY})
    # receptor 1 of a parrot neuron takes part in STDP but is not replayed: the post parrots
    # spike only when told to
    nest.Connect(pre, post, {"rule": "expression", "j": "i"}, dict(STDP, receptor_type=1))
    return pre, post, nest.GetConnections(pre, post)


def stdp_traces(pre_times=(T_FIRST, 4 * T_FIRST), post_time=2 * T_FIRST, t_sim=6 * T_FIRST, step=0.5):
    """Section 6, first part: one pair, presynaptic spikes at ``pre_times`` and a postsynaptic
    one at ``post_time`` (ms), as in the tutorial's trace plot.  The synapse's weight and its
    stored presynaptic trace K+ (the value after the latest presynaptic spike) are read every
    ``step`` ms, half a step off the spike times.  Returns the spike times, and the reading
    times, weights and K+ values."""
    nest.ResetKernel()
    _, _, synapse = replayed_pairs([list(pre_times)], [[post_time]])
    times = np.arange(step / 2, t_sim, step)
    readings = []
    for t in times:
        nest.Simulate(t - nest.GetKernelStatus("biological_time"))
        readings.append(synapse.get(["weight", "Kplus"]))
    return {"pre_times": pre_times, "post_time": post_time, "times": times,
            "weight": np.array([r["weight"] for r in readings]), "Kplus": np.array([r["Kplus"] for r in readings])}


def measured_stdp_window(n_pairs=N_PAIRS, t_max=T_MAX):
    """Section 6: the tutorial's STDP window.  Pair k's neurons spike once each, the pre one at
    T_FIRST + k t_max / (n_pairs - 1), the post one at T_FIRST + (n_pairs - 1 - k) t_max /
    (n_pairs - 1) ms; a last presynaptic spike T_FLUSH ms later applies the potentiations
    (its own depression is damped by exp(-T_FLUSH / TAU_MINUS), ~1e-22).

    Returns t_post - t_pre of each pair (ms, from the recorded spikes), its weight change and
    the synapse's parameters (as :func:`csnn.analysis.stdp_window` takes them)."""
    nest.ResetKernel()
    steps = np.arange(n_pairs) * t_max / (n_pairs - 1)
    flush = T_FIRST + t_max + T_FLUSH
    pre, post, synapses = replayed_pairs([[T_FIRST + s, flush] for s in steps],
                                         [[T_FIRST + s] for s in steps[::-1]])
    recorder = nest.Create("spike_recorder")
    nest.Connect(pre + post, recorder)
    nest.Simulate(flush + 1.0)
    trains = nest.analysis.spike_trains(recorder, neurons=pre + post)
    first_spikes = {neuron: times[0] for neuron, times in trains.items()}
    delta_t = np.array([first_spikes[b] - first_spikes[a] for a, b in zip(pre.tolist(), post.tolist())])
    table = synapses.get(["source", "weight"])
    dw = np.empty(n_pairs)
    dw[np.asarray(table["source"]) - pre.tolist()[0]] = np.asarray(table["weight"]) - STDP["weight"]
    return {"delta_t": delta_t, "dw": dw, "params": stdp_parameters()}


def plot_driven(plt, result, title, path):
    fig, ax = plt.subplots(figsize=(7, 3.5))
    nest.plot.voltage_traces(result["samples"], spikes=result["spikes"], spike_top=1.3, ax=ax)
    ax.axhline(LIF["V_th"], color="0.6", linestyle=":", linewidth=1)
    synapses = result["synapses"]
    labels = [f"G (id {result['driven']}, I_e = {I_DRIVE:g} pA)"] + [
        f"H (id {target}): w = {w:g} mV, d = {d:g} ms"
        for target, w, d in zip(synapses["target"], synapses["weight"], synapses["delay"])]
    ax.legend(ax.get_lines()[:len(labels)], labels, loc="upper left", bbox_to_anchor=(1.01, 1.0),
              fontsize="small")
    ax.set_title(title)
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)


def draw_lines(ax, i, j, n):
    """The tutorial's connectivity diagram: sources in a column on the left, targets on the
    right, a line per connection."""
    ax.plot(np.zeros(n), np.arange(n), "ok", ms=6)
    ax.plot(np.ones(n), np.arange(n), "ok", ms=6)
    for a, b in zip(i, j):
        ax.plot([0, 1], [a, b], "-k", linewidth=0.8)
    ax.set(xticks=[0, 1], xticklabels=["source i", "target j"], xlim=(-0.1, 1.1), ylim=(-1, n), ylabel="index")


def plot_connectivity(plt, pairs, path, n=N_CONNECTIVITY):
    fig, axes = plt.subplots(2, len(pairs), figsize=(3 * len(pairs), 6.5))
    for column, (name, (i, j)) in enumerate(pairs.items()):
        draw_lines(axes[0, column], i, j, n)
        axes[0, column].set_title(f"{name}: {i.size} synapses")
        # csnn's plots take node ids, here index + 1
        nest.plot.connectivity_scatter((i + 1, j + 1), ax=axes[1, column], s=20, color="k")
        axes[1, column].set(xlim=(0.5, n + 0.5), ylim=(0.5, n + 0.5), aspect="equal")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def plot_distance(plt, result, path, width=WIDTH):
    x, i, j, w = result["x"], result["i"], result["j"], result["weight"]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4.2))
    left.scatter(x[i], x[j], s=20 * w, color="k")
    left.set(xlabel="x_pre (µm)", ylabel="x_post (µm)", title="synapses, dot area ~ weight", aspect="equal")
    distance = x[j] - x[i]
    right.plot(distance, w, ".k", label="built synapses")
    curve = np.linspace(distance.min(), distance.max(), 400)
    right.plot(curve, np.exp(-curve ** 2 / (2 * width ** 2)), color="C1", zorder=0,
               label=f"exp(-d² / (2 width²)), width = {width:g} µm")
    right.set(xlabel="x_post - x_pre (µm)", ylabel="weight", title="weight against distance")
    right.legend(loc="upper left", fontsize="small")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def plot_stdp(plt, traces, window, path):
    """The readings of :func:`stdp_traces` and the window of :func:`measured_stdp_window`."""
    fig, axes = plt.subplots(1, 3, figsize=(15, 4))
    times, pre_times, post_time = traces["times"], traces["pre_times"], traces["post_time"]
    axes[0].step(times, traces["Kplus"], where="post", color="C0",
                 label=f"stored K+ (read every {times[1] - times[0]:g} ms)")
    # Brian's apre / A_pre decays continuously; csnn stores K+ at each presynaptic spike and, at
    # the next one, decays it to the arrival of each postsynaptic spike in between
    fine = np.linspace(0.0, times[-1], 1200)
    decayed = sum(np.where(fine >= t, np.exp(-(fine - t) / STDP["tau_plus"]), 0.0) for t in pre_times)
    axes[0].plot(fine, decayed, "--", color="C0", alpha=0.6, label="K+ decayed to t")
    axes[0].set(xlabel="time (ms)", ylabel="K+", title="presynaptic trace")
    axes[0].legend(loc="upper right", fontsize="small")
    axes[1].step(times, traces["weight"], where="post", color="C2")
    axes[1].set(xlabel="time (ms)", ylabel="weight", title="weight: changes at presynaptic spikes only")
    for ax in axes[:2]:
        for t in pre_times:
            ax.axvline(t, color="0.6", linestyle=":", linewidth=1)
        ax.axvline(post_time, color="C3", linestyle=":", linewidth=1)
    axes[1].text(post_time, 0.5, " post spike", color="C3", transform=axes[1].get_xaxis_transform())
    nest.plot.stdp_window(window["delta_t"], window["dw"], params=window["params"], ax=axes[2], color="C1")
    axes[2].set(title=f"STDP window (delay {SHORTEST_DELAY:g} ms)")
    axes[2].legend(loc="upper right")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out-prefix", default="brian2_synapses", help="prefix of the figure files")
    parser.add_argument("--no-plot", action="store_true", help="print results only")
    args = parser.parse_args()
    plt = script_pyplot(__file__, args.no_plot)
    nest.set_verbosity("M_WARNING")

    driven = {"1_simplest": (simplest_synapse(), "the simplest synapse: G excites H"),
              "2_weights": (weights(), "weights '(j + 1) * 0.2'"),
              "3_delays": (delays(), "weights '(j + 1) * 0.2', delays '(j + 1) * 2'")}
    for name, (result, _) in driven.items():
        senders, times = result["spikes"]["senders"], result["spikes"]["times"]
        counts = [int(np.count_nonzero(senders == neuron)) for neuron in result["passive"]]
        first = times[senders == result["driven"]][0]
        print(f"{name}: G fires {np.count_nonzero(senders == result['driven'])} times (first at {first:.4f} ms), "
              f"the H neurons {counts} times")
    pairs = connectivity()
    print(f"4: synapses among {N_CONNECTIVITY} neurons: "
          + ", ".join(f"{name}: {i.size}" for name, (i, _) in pairs.items()))
    line = distance_dependent_weights()
    print(f"5: {line['weight'].size} synapses, weights from {line['weight'].min():.4f} "
          f"to {line['weight'].max():.4f}")
    traces, window = stdp_traces(), measured_stdp_window()
    print(f"6: weight change from {window['dw'].min():.5f} to {window['dw'].max():.5f} over "
          f"t_post - t_pre in [{window['delta_t'].min():g}, {window['delta_t'].max():g}] ms")

    if plt is not None:
        for name, (result, title) in driven.items():
            plot_driven(plt, result, title, f"{args.out_prefix}_{name}.png")
        plot_connectivity(plt, pairs, f"{args.out_prefix}_4_connectivity.png")
        plot_distance(plt, line, f"{args.out_prefix}_5_distance.png")
        plot_stdp(plt, traces, window, f"{args.out_prefix}_6_stdp.png")
        print(f"Figures saved as {args.out_prefix}_*.png")


if __name__ == "__main__":
    main()
