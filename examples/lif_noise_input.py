"""A leaky integrate-and-fire neuron driven by DC, Gaussian white noise and OU noise.

The experiment of Neuromatch Academy's LIF tutorial (a LIF neuron under direct current and
under Gaussian white noise: voltage traces, F-I curves for several noise levels, ISI
histograms and the coefficient of variation of the ISIs), written as a PyNEST script for csnn:

* the neuron is ``iaf_psc_delta`` with the tutorial's parameters (g_L = 10 nS, tau_m = 10 ms,
  E_L = V_reset = -75 mV, V_th = -55 mV, t_ref = 2 ms; rheobase g_L (V_th - E_L) = 200 pA);
* (a) DC: ``dc_generator``, (b) Gaussian white noise: ``noise_generator`` (a new normal value
  every dt = 0.1 ms), (c) Ornstein-Uhlenbeck noise: ``ou_noise_generator`` (tau = 5 ms);
* F-I curves: a few neurons per mean current (their ``I_e``) and one noise generator per noise
  level connected to all of them; every target of a noise generator gets its own independent
  noise, so the neurons are independent samples;
* ISI statistics: a population of neurons at one mean current near rheobase per noise level.

csnn integrates the membrane exactly between input changes, so at zero noise the firing rate
equals the closed form 1 / (t_ref + tau_m ln((V_inf - V_reset) / (V_inf - V_th))) to the last
printed digit.  Rates are 1000 / mean ISI, the ISIs of all neurons of a condition pooled (the
stationary rate; spikes / time when there are no ISIs).

    python examples/lif_noise_input.py [--duration 5000] [--out-prefix lif_noise] [--no-plot]

takes about 7 s at the defaults on a 2-core machine.

saves <prefix>_traces.png, <prefix>_fi.png and <prefix>_isi.png.
"""
import argparse
import time

import numpy as np

import csnn as nest
from csnn.plot import script_pyplot

NEURON = {"C_m": 100.0, "tau_m": 10.0, "E_L": -75.0, "V_reset": -75.0, "V_th": -55.0, "t_ref": 2.0,
          "V_m": -75.0}
G_L = NEURON["C_m"] / NEURON["tau_m"]                            # nS
RHEOBASE = G_L * (NEURON["V_th"] - NEURON["E_L"])                # pA

MEANS = np.arange(0.0, 501.0, 25.0)        # pA: mean currents of the F-I curves
WHITE_STDS = (0.0, 200.0, 400.0, 800.0)    # pA: white-noise levels (0 = DC)
WHITE_DT = 0.1                             # ms: a new noise value every dt
OU_STD, OU_TAU = 60.0, 5.0                 # pA, ms
I_ISI = 220.0                              # pA: mean current of the ISI statistics (near rheobase)
N_ISI = 50                                 # neurons per noise level for the ISI statistics
N_FI = 10                                  # neurons per mean current and noise level for the F-I curves
I_TRACE = 220.0                            # pA: mean current of the example traces
T_TRACE = 300.0                            # ms of traces recorded
#: wall time (s) per simulated second of the 1303 neurons on a 2-core VM (1.1 to 1.3 s measured)
SECONDS_PER_SECOND = 1.3


def analytic_rate(I):
    """Firing rate (Hz) of the LIF neuron under a constant current I (pA)."""
    v_inf = NEURON["E_L"] + I / G_L
    if v_inf <= NEURON["V_th"]:
        return 0.0
    period = NEURON["t_ref"] + NEURON["tau_m"] * np.log((v_inf - NEURON["V_reset"]) / (v_inf - NEURON["V_th"]))
    return 1000.0 / period


def free_v_sd(kind, std):
    """Standard deviation (mV) of the free membrane potential (no threshold) under the noise:
    white noise held for dt is an AR(1) input, V sd = std / g_L sqrt((1 - a) / (1 + a)),
    a = exp(-dt / tau_m); OU noise gives std / g_L sqrt(tau / (tau + tau_m))."""
    if kind == "white":
        a = np.exp(-WHITE_DT / NEURON["tau_m"])
        return std / G_L * np.sqrt((1 - a) / (1 + a))
    return std / G_L * np.sqrt(OU_TAU / (OU_TAU + NEURON["tau_m"]))


def noise_levels():
    """(label, kind, std, generator model and parameters or None) for every noise level."""
    levels = [("DC" if s == 0 else f"white{s:g}", "white", s,
               None if s == 0 else ("noise_generator", {"mean": 0.0, "std": s, "dt": WHITE_DT}))
              for s in WHITE_STDS]
    levels.append((f"OU{OU_STD:g}", "OU", OU_STD, ("ou_noise_generator", {"mean": 0.0, "std": OU_STD, "tau": OU_TAU})))
    return levels


def population(means, generator):
    """Neurons with the given mean currents (I_e), all driven by one new noise generator."""
    neurons = nest.Create("iaf_psc_delta", len(means), params=dict(NEURON, I_e=np.asarray(means, float)))
    if generator is not None:
        model, params = generator
        nest.Connect(nest.Create(model, params=params), neurons)
    return neurons


def spike_trains(recorder, neurons):
    ev = recorder.get("events")
    senders, times = np.asarray(ev["senders"]), np.asarray(ev["times"])
    return [np.sort(times[senders == gid]) for gid in neurons.tolist()]


def rate_of(trains, duration):
    """Stationary rate (Hz) of a group of neurons: 1000 / mean of their pooled ISIs."""
    pooled = np.concatenate([np.diff(tr) for tr in trains])
    if pooled.size:
        return 1000.0 / pooled.mean()
    return sum(tr.size for tr in trains) * 1000.0 / (duration * len(trains))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=5000.0, help="simulated time, ms (default 5000)")
    parser.add_argument("--seed", type=int, default=2024, help="rng_seed (default 2024)")
    parser.add_argument("--out-prefix", default="lif_noise", help="prefix of the figures (default lif_noise)")
    parser.add_argument("--no-plot", action="store_true", help="do not draw the figures")
    args = parser.parse_args()
    plt = script_pyplot(__file__, args.no_plot)
    duration = args.duration
    print(f"LIF neurons under DC, white noise and OU noise (traces, rates against current, ISIs), {duration:g} ms "
          f"simulated: about {SECONDS_PER_SECOND * duration / 1000:.0f} s on a 2-core machine", flush=True)

    nest.ResetKernel()
    nest.SetKernelStatus({"rng_seed": args.seed})
    start = time.perf_counter()

    # (a)-(c): one neuron under each kind of input, V_m recorded
    inputs = [("DC", "dc_generator", {"amplitude": I_TRACE}),
              (f"white noise, std {WHITE_STDS[2]:g} pA", "noise_generator",
               {"mean": I_TRACE, "std": WHITE_STDS[2], "dt": WHITE_DT}),
              (f"OU noise, std {OU_STD:g} pA, tau {OU_TAU:g} ms", "ou_noise_generator",
               {"mean": I_TRACE, "std": OU_STD, "tau": OU_TAU})]
    trace_neurons = nest.Create("iaf_psc_delta", len(inputs), params=NEURON)
    for k, (_, model, params) in enumerate(inputs):
        nest.Connect(nest.Create(model, params=params), trace_neurons[k:k + 1])
    voltmeter = nest.Create("voltmeter", params={"interval": 0.1, "stop": min(T_TRACE, duration)})
    nest.Connect(voltmeter, trace_neurons)

    # F-I curves and ISI populations, one noise generator per population
    levels = noise_levels()
    fi = [population(np.repeat(MEANS, N_FI), gen) for _, _, _, gen in levels]
    isi = [population(np.full(N_ISI, I_ISI), gen) for _, _, _, gen in levels]
    recorder = nest.Create("spike_recorder")
    nest.Connect(trace_neurons, recorder)
    for pop in fi + isi:
        nest.Connect(pop, recorder)
    built = time.perf_counter()

    nest.Simulate(duration)
    done = time.perf_counter()

    n_neurons = len(trace_neurons) + sum(len(p) for p in fi + isi)
    print(f"neuron: iaf_psc_delta C_m = {NEURON['C_m']:g} pF, tau_m = {NEURON['tau_m']:g} ms, "
          f"E_L = {NEURON['E_L']:g} mV, V_reset = {NEURON['V_reset']:g} mV, V_th = {NEURON['V_th']:g} mV, "
          f"t_ref = {NEURON['t_ref']:g} ms")
    print(f"rheobase {RHEOBASE:g} pA; {n_neurons} neurons, {duration:g} ms simulated in {done - built:.2f} s "
          f"(built in {built - start:.2f} s)")
    print("noise levels (sd of the free membrane potential):",
          ", ".join(f"{label} {free_v_sd(kind, std):.2f} mV" for label, kind, std, _ in levels))
    print()

    rates = np.zeros((len(levels), MEANS.size))
    for k, pop in enumerate(fi):
        trains = spike_trains(recorder, pop)
        for i in range(MEANS.size):
            rates[k, i] = rate_of(trains[i * N_FI:(i + 1) * N_FI], duration)
    print(f"F-I curves: rate (Hz) = 1000 / mean ISI ({N_FI} neurons each), one column per noise level, "
          "and the closed form at zero noise")
    print(f"{'I(pA)':>8}" + "".join(f"{label:>11}" for label, _, _, _ in levels) + f"{'closed':>11}")
    for i, I in enumerate(MEANS):
        print(f"{I:8.1f}" + "".join(f"{rates[k, i]:11.4f}" for k in range(len(levels)))
              + f"{analytic_rate(I):11.4f}")
    print()

    isis, table = [], []
    print(f"ISI statistics at I = {I_ISI:g} pA ({N_ISI} neurons per noise level)")
    print(f"{'noise':<8}{'std(pA)':>9}{'I(pA)':>8}{'rate(Hz)':>11}{'CV':>9}")
    for (label, kind, std, _), pop in zip(levels, isi):
        pooled = np.concatenate([np.diff(tr) for tr in spike_trains(recorder, pop)])
        isis.append(pooled)
        rate = 1000.0 / pooled.mean() if pooled.size else 0.0
        cv = pooled.std() / pooled.mean() if pooled.size > 1 else float("nan")
        table.append((label, rate, cv))
        print(f"{kind:<8}{std:9.1f}{I_ISI:8.1f}{rate:11.4f}{cv:9.4f}")
    print(f"(DC closed form at {I_ISI:g} pA: {analytic_rate(I_ISI):.4f} Hz)")

    if plt is None:
        return

    # V traces with spikes drawn up to 0 mV
    ev = voltmeter.get("events")
    trains = spike_trains(recorder, trace_neurons)
    fig, axes = plt.subplots(len(inputs), 1, figsize=(8, 7), sharex=True, sharey=True)
    for k, (ax, (title, _, _)) in enumerate(zip(axes, inputs)):
        sel = ev["senders"] == trace_neurons.tolist()[k]
        ax.plot(ev["times"][sel], ev["V_m"][sel], lw=0.8, color="k")
        spikes = trains[k][trains[k] <= T_TRACE]
        ax.vlines(spikes, NEURON["V_th"], 0.0, color="k", lw=0.8)
        ax.axhline(NEURON["V_th"], ls="--", color="tab:red", lw=0.8)
        ax.set_title(f"{title}, mean {I_TRACE:g} pA: {len(trains[k])} spikes in {duration:g} ms", fontsize=10)
        ax.set_ylabel("V_m (mV)")
    axes[-1].set_xlabel("time (ms)")
    fig.tight_layout()
    fig.savefig(f"{args.out_prefix}_traces.png", dpi=110)

    # F-I curves
    fig, ax = plt.subplots(figsize=(6, 4.5))
    fine = np.linspace(MEANS[0], MEANS[-1], 400)
    ax.plot(fine, [analytic_rate(I) for I in fine], color="0.7", lw=3, label="DC, closed form")
    for k, (label, kind, std, _) in enumerate(levels):
        ax.plot(MEANS, rates[k], "o-", ms=3, label=label if std else "DC, simulated")
    ax.axvline(RHEOBASE, ls=":", color="k", lw=0.8)
    ax.set_xlabel("mean current (pA)")
    ax.set_ylabel("rate (Hz)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(f"{args.out_prefix}_fi.png", dpi=110)

    # ISI histograms
    fig, axes = plt.subplots(1, len(levels), figsize=(3 * len(levels), 3), sharey=False)
    top = max(np.percentile(p, 99) for p in isis if p.size)
    for ax, pooled, (label, rate, cv) in zip(axes, isis, table):
        ax.hist(pooled, bins=np.linspace(0.0, top, 40), color="tab:blue")
        ax.set_title(f"{label}: {rate:.1f} Hz, CV {cv:.2f}", fontsize=9)
        ax.set_xlabel("ISI (ms)")
    axes[0].set_ylabel("count")
    fig.tight_layout()
    fig.savefig(f"{args.out_prefix}_isi.png", dpi=110)
    print(f"figures saved to {args.out_prefix}_traces.png, {args.out_prefix}_fi.png, {args.out_prefix}_isi.png")


if __name__ == "__main__":
    main()
