"""Hodgkin-Huxley action potential and the voltage-clamp exercise, written as a PyNEST script.

(a) An hh_psc_alpha neuron receives two inputs through a spike_generator, of 1e3 pA (below
    threshold) and 1e4 pA (an action potential), as in NEST's Hodgkin-Huxley tutorial; a
    multimeter records V_m and the gates, a spike_recorder the spike.
(b) The voltage-clamp exercise with csnn.hh: clamp steps from -65 mV to several voltages,
    recover the K+ conductance g_K = I_K / (V - E_K), fit n_inf and tau_n of each step from
    g_K^(1/4) = g_K_max^(1/4) (n_inf + (n_0 - n_inf) e^(-t/tau_n)) and compare with
    csnn.hh.x_inf / tau_x.
(c) Saves <prefix>_action_potential.png and <prefix>_voltage_clamp.png.

    python examples/hh_action_potential.py [--out-prefix hh] [--no-plot]
"""
import argparse
import math

import numpy as np

import csnn as nest
import csnn.hh as hh
from csnn.plot import script_pyplot

HOLD = -65.0                                   # mV, holding potential
CLAMP_STEPS = (-55.0, -45.0, -35.0, -25.0, -15.0, -5.0, 5.0, 15.0, 25.0)   # mV
PRE, STEP, POST = 5.0, 25.0, 10.0              # ms: hold, step, back to hold


# -- (a) the action potential -------------------------------------------------------------------

def action_potential(t_sim=100.0):
    nest.ResetKernel()
    nest.set_verbosity("M_ERROR")
    neuron = nest.Create("hh_psc_alpha")
    # spikes at 10 and 50 ms reach the neuron 1 ms later, with weights 1e3 and 1e4 pA
    generator = nest.Create("spike_generator", params={"spike_times": [10.0, 50.0],
                                                        "spike_weights": [1e3, 1e4]})
    multimeter = nest.Create("multimeter", params={"record_from": ["V_m", "Act_m", "Inact_h", "Act_n",
                                                                   "I_syn_ex"],
                                                   "interval": 0.1})
    recorder = nest.Create("spike_recorder")
    nest.Connect(generator, neuron, syn_spec={"weight": 1.0, "delay": 1.0})
    nest.Connect(multimeter, neuron)
    nest.Connect(neuron, recorder)
    nest.Simulate(t_sim)
    return multimeter.get("events"), np.asarray(recorder.get("events")["times"], dtype=float)


# -- (b) voltage clamp --------------------------------------------------------------------------

def relaxation(t, x_inf, x_0, tau):
    return x_inf + (x_0 - x_inf) * np.exp(-t / tau)


def fit_relaxation(t, x):
    """Fit x(t) = x_inf + (x_0 - x_inf) exp(-t / tau): (x_inf, tau).

    Start from three equally spaced points (exact for an exponential), then refine by least
    squares: with scipy's curve_fit if available, otherwise by a log-linear fit of
    log|x - x_inf| against t, alternated with the linear least squares of x_inf."""
    i = len(t) // 3
    y0, y1, y2 = x[0], x[i], x[2 * i]
    tau = -(t[i] - t[0]) / math.log((y2 - y1) / (y1 - y0))
    x_inf = (y0 * y2 - y1 * y1) / (y0 + y2 - 2.0 * y1)
    try:
        from scipy.optimize import curve_fit
    except ImportError:
        for _ in range(3):
            # where x is still well away from x_inf (log|x - x_inf| is linear in t there)
            use = np.abs(x - x_inf) > 1e-3 * abs(x[0] - x_inf)
            slope, _ = np.polyfit(t[use] - t[0], np.log(np.abs(x[use] - x_inf)), 1)
            tau = -1.0 / slope
            e = np.exp(-(t - t[0]) / tau)
            # x = x_inf (1 - e) + x_0 e: linear in (x_inf, x_0)
            (x_inf, _), *_ = np.linalg.lstsq(np.column_stack([1.0 - e, e]), x, rcond=None)
        return x_inf, tau
    (x_inf, _, tau), _ = curve_fit(relaxation, t - t[0], x, p0=[x_inf, y0, tau],
                                   xtol=1e-15, ftol=1e-15, gtol=1e-15)
    return x_inf, tau


def voltage_clamp():
    g_k_max = nest.GetDefaults("hh_psc_alpha")["g_K"]
    results = []
    for v in CLAMP_STEPS:
        clamp = hh.voltage_clamp([HOLD, v, HOLD], [PRE, STEP, POST])
        t = clamp["times"]
        g_k = clamp["I_K"] / (clamp["V"] - clamp["E_K"])       # the classic exercise
        step = (t >= PRE - 1e-9) & (t < PRE + STEP - 1e-9)
        n_fit, tau_fit = fit_relaxation(t[step], (g_k[step] / g_k_max) ** 0.25)
        results.append({"V": v, "clamp": clamp, "g_K": g_k, "n_inf_fit": n_fit, "tau_n_fit": tau_fit,
                        "n_inf": hh.x_inf("n", v), "tau_n": hh.tau_x("n", v)})
    return results


# -- (c) figures --------------------------------------------------------------------------------

def plot_action_potential(plt, events, spikes, path):
    t = events["times"]
    fig, (ax_v, ax_g, ax_i) = plt.subplots(3, 1, figsize=(8, 8), sharex=True,
                                           gridspec_kw={"height_ratios": [3, 2, 1]})
    ax_v.plot(t, events["V_m"], color="k", lw=1)
    ax_v.plot(spikes, np.full(len(spikes), 45.0), "v", color="tab:red", label="spikes")
    ax_v.set_ylabel("V_m (mV)")
    ax_v.set_title("hh_psc_alpha: inputs of 1e3 pA at 11 ms and 1e4 pA at 51 ms")
    ax_v.legend(loc="upper left")
    for key, label in (("Act_m", "m"), ("Inact_h", "h"), ("Act_n", "n")):
        ax_g.plot(t, events[key], label=label)
    ax_g.set_ylabel("gates")
    ax_g.set_ylim(-0.05, 1.05)
    ax_g.legend(loc="upper left")
    ax_i.plot(t, events["I_syn_ex"], color="tab:green")
    ax_i.set_ylabel("I_syn_ex (pA)")
    ax_i.set_xlabel("time (ms)")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def plot_voltage_clamp(plt, results, path):
    fig, axes = plt.subplots(2, 2, figsize=(10, 7))
    colors = plt.cm.viridis(np.linspace(0.0, 0.9, len(results)))
    for r, c in zip(results, colors):
        t = r["clamp"]["times"]
        axes[0, 0].plot(t, r["clamp"]["I_K"] / 1000.0, color=c, label=f"{r['V']:g} mV")
        axes[0, 1].plot(t, r["g_K"], color=c)
    axes[0, 0].set(xlabel="time (ms)", ylabel="I_K (nA)", title="K+ current, steps from -65 mV")
    axes[0, 0].legend(fontsize=7, ncol=2)
    axes[0, 1].set(xlabel="time (ms)", ylabel="g_K = I_K / (V - E_K) (nS)", title="K+ conductance")
    v = np.linspace(-100.0, 50.0, 301)
    volts = [r["V"] for r in results]
    axes[1, 0].plot(v, hh.x_inf("n", v), "k", label="csnn.hh.x_inf('n', V)")
    axes[1, 0].plot(volts, [r["n_inf_fit"] for r in results], "o", color="tab:red", label="fitted")
    axes[1, 0].set(xlabel="V (mV)", ylabel="n_inf")
    axes[1, 0].legend()
    axes[1, 1].plot(v, hh.tau_x("n", v), "k", label="csnn.hh.tau_x('n', V)")
    axes[1, 1].plot(volts, [r["tau_n_fit"] for r in results], "o", color="tab:red", label="fitted")
    axes[1, 1].set(xlabel="V (mV)", ylabel="tau_n (ms)")
    axes[1, 1].legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out-prefix", default="hh", help="figure file prefix (default hh)")
    parser.add_argument("--no-plot", action="store_true", help="do not draw the figures")
    args = parser.parse_args()
    plt = script_pyplot(__file__, args.no_plot)

    events, spikes = action_potential()
    v = np.asarray(events["V_m"])
    print(f"peak V_m         {v.max():.2f} mV at {events['times'][np.argmax(v)]:.1f} ms")
    print("spike times (ms): " + " ".join(f"{s:.2f}" for s in spikes))

    results = voltage_clamp()
    print()
    print("voltage clamp from -65 mV: n_inf and tau_n fitted from g_K(t)^(1/4), against csnn.hh")
    print(f"{'V (mV)':>8} {'n_inf fit':>16} {'n_inf csnn.hh':>16} {'tau_n fit (ms)':>16} {'tau_n csnn.hh':>16}")
    worst = 0.0
    for r in results:
        print(f"{r['V']:8.1f} {r['n_inf_fit']:16.10g} {r['n_inf']:16.10g} {r['tau_n_fit']:16.10g} {r['tau_n']:16.10g}")
        worst = max(worst, abs(r["n_inf_fit"] / r["n_inf"] - 1.0), abs(r["tau_n_fit"] / r["tau_n"] - 1.0))
    print(f"largest relative deviation of the fits: {worst:.1e}")

    if plt is not None:
        plot_action_potential(plt, events, spikes, f"{args.out_prefix}_action_potential.png")
        plot_voltage_clamp(plt, results, f"{args.out_prefix}_voltage_clamp.png")
        print(f"Figures saved: {args.out_prefix}_action_potential.png, {args.out_prefix}_voltage_clamp.png")


if __name__ == "__main__":
    main()
