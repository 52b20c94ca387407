"""Hebbian associative memory: a linear associator learned by STDP in a spiking network.

The classic course exercise: two populations of 6 neurons, f (input) and g (output).  One
co-activation of the patterns f = [0,0,0,1,1,1] and g = [1,1,0,1,0,0] teaches the Hebbian
matrix A = k g f^T (A_ij = k g_i f_j: a synapse grows only when its presynaptic and its
postsynaptic neuron are active together), and presenting f recalls G = A f = k (f . f) g,
proportional to g.  Several memories add up, A = k sum_m g_m f_m^T; presenting f_1 recalls
k sum_m (f_m . f_1) g_m, which is clean (proportional to g_1) only when the f patterns are
orthogonal.

The spiking version, with csnn:

* f neurons are parrot neurons replaying spike generators: while learning, each active one
  fires every ``PERIOD`` ms; while recalling, each active one fires ``RECALL_SPIKES`` times
  (the neurons staggered by 0.1 ms, so that every input arrives alone);
* g neurons are perfect integrators (``iaf_psc_delta``, tau_m = 1e9 ms, no leak in practice,
  reset to 0 mV): while learning a teacher spike generator forces the active ones to fire
  ``LAG`` ms after each f volley (their threshold is out of reach, so the f input cannot make
  them fire); while recalling their threshold is ``THRESHOLD`` = 2.5 learned units, so each
  spike takes 3 inputs of one unit and the spike counts are RECALL_SPIKES (A f)_i / 3,
  rounded down;
* f -> g synapses are ``stdp_synapse`` (additive: mu_plus = mu_minus = 0), all starting at 0:
  a pairing pre-then-post potentiates; pre without post, or post without pre, does nothing
  (the depression by a post spike PERIOD - LAG ms before the next pre spike is e^-4.7 ~ 1 %
  of a potentiation, the same for every active pair, so A keeps its form); plasticity is
  switched off (lambda = 0) before recall.  NEST's rule applies a potentiation at the next
  presynaptic spike, so a memory's last pairing counts only for the synapses whose f neuron
  is active in a later memory (5 % more weight, visible with overlapping patterns).

    python examples/hebbian_memory.py [--out hebbian.png] [--no-plot]

prints the matrices and spike counts and saves a figure of the learned weights and recalls.
"""
import argparse

import numpy as np

import csnn as nest
from csnn.plot import script_pyplot

F = np.array([0, 0, 0, 1, 1, 1])
G = np.array([1, 1, 0, 1, 0, 0])
#: a second memory whose f is orthogonal to F, and one whose f overlaps F
ORTHOGONAL = (np.array([1, 1, 1, 0, 0, 0]), np.array([0, 0, 1, 0, 1, 1]))
OVERLAPPING = (np.array([0, 0, 1, 1, 0, 0]), np.array([0, 0, 1, 0, 1, 1]))

PERIOD = 100.0         # ms between pairings while learning
LAG = 5.0              # ms from an f volley to the teacher's g spikes
PAIRINGS = 20          # pairings per memory
DELAY = 1.0            # ms, every connection
RECALL_SPIKES = 40     # spikes of each active f neuron while recalling
THRESHOLD = 2.5        # learned units of charge per g spike while recalling (3 unit inputs)
STDP = {"synapse_model": "stdp_synapse", "weight": 0.0, "Wmax": 1000.0, "lambda": 0.01, "alpha": 1.0,
        "mu_plus": 0.0, "mu_minus": 0.0, "tau_plus": 20.0, "delay": DELAY}
UNREACHABLE = 1e9      # mV: a threshold no f input reaches while learning


def hebbian_matrix(memories, k=1.0):
    """A = k sum_m g_m f_m^T for memories [(f, g), ...]."""
    return k * sum(np.outer(g, f) for f, g in memories)


def spike_trains(pattern, times):
    """Spike generator parameters: ``times`` for the active neurons of ``pattern``, none for
    the others."""
    return [{"spike_times": list(times) if active else []} for active in pattern]


def simulate(memories, cue):
    """Learn ``memories`` [(f, g), ...] one after the other, then present ``cue`` (an f pattern).

    Returns the learned weights (6 x 6, [g neuron, f neuron]), the weight one pairing schedule
    gives (the unit of A) and the g neurons' spike counts during the recall."""
    nest.ResetKernel()
    f_neurons = nest.Create("parrot_neuron", 6)
    g_neurons = nest.Create("iaf_psc_delta", 6, params={"tau_m": 1e9, "C_m": 1.0, "E_L": 0.0, "V_m": 0.0,
                                                       "V_reset": 0.0, "t_ref": 0.0, "V_th": UNREACHABLE,
                                                       "tau_minus": 20.0})
    f_drive = nest.Create("spike_generator", 6)
    teacher = nest.Create("spike_generator", 6)
    nest.Connect(f_drive, f_neurons, "one_to_one", {"delay": DELAY})
    nest.Connect(teacher, g_neurons, "one_to_one", {"weight": 2 * UNREACHABLE, "delay": DELAY})
    nest.Connect(f_neurons, g_neurons, "all_to_all", STDP)
    synapses = nest.GetConnections(f_neurons, g_neurons)

    # learning: memory m's pairings at volleys m * PAIRINGS * PERIOD + k * PERIOD
    t = 0.0
    for f, g in memories:
        volleys = t + PERIOD * np.arange(1, PAIRINGS + 1)
        nest.SetStatus(f_drive, spike_trains(f, volleys))
        nest.SetStatus(teacher, spike_trains(g, volleys + LAG))
        t = volleys[-1] + PERIOD
        nest.Simulate(t - nest.GetKernelStatus("biological_time"))
    weights = np.zeros((6, 6))
    status = synapses.get(["source", "target", "weight"])
    weights[np.asarray(status["target"]) - g_neurons[0].global_id,
            np.asarray(status["source"]) - f_neurons[0].global_id] = status["weight"]

    # recall: plasticity off, g neurons at rest with a reachable threshold
    synapses.set({"lambda": 0.0})
    unit = _unit_weight(memories, weights)
    nest.SetStatus(g_neurons, {"V_m": 0.0, "V_th": THRESHOLD * unit})
    recorder = nest.Create("spike_recorder")
    nest.Connect(g_neurons, recorder)
    volleys = t + 10.0 * np.arange(1, RECALL_SPIKES + 1)
    nest.SetStatus(f_drive, [{"spike_times": list(volleys + 0.1 * j) if cue[j] else []} for j in range(6)])
    nest.Simulate(volleys[-1] + PERIOD - t)
    senders = recorder.get("events")["senders"]
    counts = np.array([np.count_nonzero(senders == n) for n in g_neurons.tolist()])
    return weights, unit, counts


def _unit_weight(memories, weights):
    """The weight one memory's pairings give a synapse: that of a pair active in exactly one
    memory (every memory has the same schedule)."""
    overlap = sum(np.outer(g, f) for f, g in memories)
    return float(np.median(weights[overlap == 1]))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="hebbian.png", help="figure file")
    parser.add_argument("--no-plot", action="store_true", help="print results only")
    args = parser.parse_args()
    plt = script_pyplot(__file__, args.no_plot)
    nest.set_verbosity("M_WARNING")
    np.set_printoptions(precision=3, suppress=True)
    cases = {"one memory": [(F, G)], "orthogonal f": [(F, G), ORTHOGONAL],
             "overlapping f": [(F, G), OVERLAPPING]}
    results = {}
    for name, memories in cases.items():
        weights, unit, counts = simulate(memories, F)
        A = hebbian_matrix(memories)
        results[name] = (weights, counts, A @ F)
        print(f"{name}: A = sum g f^T =\n{A}\nlearned weights / unit ({unit:.4f}) =\n{weights / unit}")
        print(f"  recall of f = {F}: A f = {A @ F}, g spike counts = {counts} "
              f"(A f x {RECALL_SPIKES} / 3 = {A @ F * RECALL_SPIKES / 3})")
    if plt is not None:
        plot(plt, results, args.out)
        print(f"Figure saved to {args.out}")


def plot(plt, results, path):
    fig, axes = plt.subplots(2, len(results), figsize=(4 * len(results), 7))
    for column, (name, (weights, counts, recalled)) in enumerate(results.items()):
        image = axes[0, column].imshow(weights, cmap="viridis")
        axes[0, column].set(title=f"{name}: learned w", xlabel="f neuron j", ylabel="g neuron i")
        fig.colorbar(image, ax=axes[0, column], shrink=0.8)
        axes[1, column].bar(np.arange(6) - 0.2, counts / counts.max(), 0.4, label="spike counts")
        axes[1, column].bar(np.arange(6) + 0.2, recalled / recalled.max(), 0.4, label="A f")
        axes[1, column].set(title="recall of f (normalised)", xlabel="g neuron i")
    axes[1, 0].legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


if __name__ == "__main__":
    main()
