"""The PyNEST introduction, part 1 (the NEST 2-era tutorial), run by csnn.

The calls are the tutorial's NEST 2 calls, unchanged but for ``import csnn as nest``:
``Models``, ``GetStatus``/``SetStatus`` with one key, a list of keys or a dict, a
``multimeter`` with ``withtime``, a ``spike_detector`` with ``withgid``/``withtime``, lists of
node ids in ``Connect`` and events read from ``GetStatus(...)[0]["events"]``.  Three
experiments, each in a fresh kernel:

1. one ``iaf_psc_alpha`` neuron driven by I_e = 376 pA (just above its rheobase of 375 pA):
   its membrane potential and spikes;
2. the same neuron driven by two Poisson generators (80 kHz excitatory with weight 1.2 pA,
   15 kHz inhibitory with weight -2.0 pA) instead of the DC, next to a second neuron of the
   NEST 2 model ``iaf_neuron`` with the DC, both on one multimeter and de-interleaved with
   ``[::2]`` and ``[1::2]``;
3. two neurons: the first (I_e = 376 pA) drives the second through a synapse of weight 20 pA
   and delay 1 ms.

    python examples/pynest_intro_part1.py [--out-prefix pynest_intro] [--no-plot]

saves <prefix>_1_vm.png, <prefix>_1_spikes.png, <prefix>_2_noise.png and
<prefix>_3_two_neurons.png.
"""
import argparse

import numpy as np

import csnn as nest
from csnn.plot import script_pyplot


def one_neuron(t_sim=1000.0):
    """Experiment 1: the membrane potential (times, V_m) and spikes (senders, times) of a
    neuron driven by 376 pA."""
    nest.ResetKernel()
    neuron = nest.Create("iaf_psc_alpha")
    print("models available:", len(nest.Models()))
    print("I_e:", nest.GetStatus(neuron, "I_e"))
    print("V_reset, V_th:", nest.GetStatus(neuron, ["V_reset", "V_th"]))
    nest.SetStatus(neuron, {"I_e": 376.0})

    multimeter = nest.Create("multimeter")
    nest.SetStatus(multimeter, {"withtime": True, "record_from": ["V_m"]})
    spikedetector = nest.Create("spike_detector", params={"withgid": True, "withtime": True})
    nest.Connect(multimeter, neuron)
    nest.Connect(neuron, spikedetector)
    nest.Simulate(t_sim)

    dmm = nest.GetStatus(multimeter)[0]
    spikes = nest.GetStatus(spikedetector, keys="events")[0]
    return {"times": dmm["events"]["times"], "V_m": dmm["events"]["V_m"],
            "spike_senders": spikes["senders"], "spike_times": spikes["times"]}


def noise_and_second_neuron(t_sim=1000.0):
    """Experiment 2: V_m of the Poisson-driven neuron and of an iaf_neuron with 376 pA, recorded
    by one multimeter (time-major: the two neurons alternate)."""
    nest.ResetKernel()
    neuron = nest.Create("iaf_psc_alpha")
    neuron2 = nest.Create("iaf_neuron")
    nest.SetStatus(neuron2, {"I_e": 376.0})
    noise = nest.Create("poisson_generator", 2)
    nest.SetStatus(noise, [{"rate": 80000.0}, {"rate": 15000.0}])
    multimeter = nest.Create("multimeter")
    nest.SetStatus(multimeter, {"withtime": True, "record_from": ["V_m"]})

    nest.Connect([noise[0]], neuron, syn_spec={"weight": 1.2, "delay": 1.0})
    nest.Connect([noise[1]], neuron, syn_spec={"weight": -2.0, "delay": 1.0})
    nest.Connect(multimeter, neuron)
    nest.Connect(multimeter, neuron2)
    nest.Simulate(t_sim)

    events = nest.GetStatus(multimeter)[0]["events"]
    V_m, times = events["V_m"], events["times"]
    return {"times": times[::2], "V_m_noise": V_m[::2], "V_m_dc": V_m[1::2],
            "senders_noise": events["senders"][::2], "senders_dc": events["senders"][1::2]}


def two_neurons(t_sim=1000.0):
    """Experiment 3: V_m of a neuron driven by 376 pA and of the neuron it excites (weight
    20 pA, delay 1 ms), with the first neuron's spike times."""
    nest.ResetKernel()
    neuron1 = nest.Create("iaf_psc_alpha")
    nest.SetStatus(neuron1, {"I_e": 376.0})
    neuron2 = nest.Create("iaf_psc_alpha")
    multimeter = nest.Create("multimeter", params={"withtime": True, "record_from": ["V_m"], "interval": 0.1})
    spikes = nest.Create("spike_detector")
    nest.Connect(neuron1, neuron2, syn_spec={"weight": 20.0, "delay": 1.0})
    nest.Connect(multimeter, neuron1)
    nest.Connect(multimeter, neuron2)
    nest.Connect(neuron1, spikes)
    nest.Simulate(t_sim)

    events = nest.GetStatus(multimeter)[0]["events"]
    return {"times": events["times"][::2], "V_m_1": events["V_m"][::2], "V_m_2": events["V_m"][1::2],
            "spike_times_1": nest.GetStatus(spikes, "events")[0]["times"]}


def plot(plt, results, prefix):
    one, noisy, pair = results

    fig, ax = plt.subplots(figsize=(7, 3.5))
    ax.plot(one["times"], one["V_m"])
    ax.set(xlabel="time (ms)", ylabel="V_m (mV)", title="iaf_psc_alpha, I_e = 376 pA")
    fig.savefig(f"{prefix}_1_vm.png", dpi=100, bbox_inches="tight")

    fig, ax = plt.subplots(figsize=(7, 2.5))
    ax.plot(one["spike_times"], one["spike_senders"], ".")
    ax.set(xlabel="time (ms)", ylabel="neuron id", title="spikes")
    fig.savefig(f"{prefix}_1_spikes.png", dpi=100, bbox_inches="tight")

    fig, ax = plt.subplots(figsize=(7, 3.5))
    ax.plot(noisy["times"], noisy["V_m_noise"], label="Poisson input (iaf_psc_alpha)")
    ax.plot(noisy["times"], noisy["V_m_dc"], label="376 pA (iaf_neuron)")
    ax.set(xlabel="time (ms)", ylabel="V_m (mV)", title="one multimeter, two neurons: [::2] and [1::2]")
    ax.legend(loc="lower right")
    fig.savefig(f"{prefix}_2_noise.png", dpi=100, bbox_inches="tight")

    fig, ax = plt.subplots(figsize=(7, 3.5))
    ax.plot(pair["times"], pair["V_m_1"], label="neuron 1 (376 pA)")
    ax.plot(pair["times"], pair["V_m_2"], label="neuron 2 (input 20 pA, delay 1 ms)")
    ax.set(xlabel="time (ms)", ylabel="V_m (mV)", title="two connected neurons")
    ax.legend(loc="lower right")
    fig.savefig(f"{prefix}_3_two_neurons.png", dpi=100, bbox_inches="tight")
    plt.close("all")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out-prefix", default="pynest_intro", help="prefix of the figure files")
    parser.add_argument("--no-plot", action="store_true", help="print results only")
    args = parser.parse_args()
    plt = script_pyplot(__file__, args.no_plot)
    nest.set_verbosity("M_WARNING")
    results = (one_neuron(), noise_and_second_neuron(), two_neurons())
    one, noisy, pair = results
    print(f"1: {one['spike_times'].size} spikes in 1 s at 376 pA, first at {one['spike_times'][0]:.4f} ms")
    print(f"2: V_m under Poisson input: mean {np.mean(noisy['V_m_noise']):.2f} mV, "
          f"sd {np.std(noisy['V_m_noise']):.2f} mV")
    print(f"3: neuron 2 peaks at {np.max(pair['V_m_2']):.3f} mV")
    if plt is not None:
        plot(plt, results, args.out_prefix)
        print(f"Figures saved as {args.out_prefix}_*.png")


if __name__ == "__main__":
    main()
