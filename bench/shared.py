"""What every implementation of the benchmark networks shares: parameters, inputs and figures.

``networks.py`` (the PyNEST API of csnn and NEST) and ``brian2_networks.py`` (Brian 2) build
the same networks from the parameters defined here once, and turn their raw outputs (spike
counts, numbers of synapses, wall times) into the figures of the tables with the same
functions, so the figure keys and their meaning cannot drift apart between simulators.

Units are NEST's throughout: ms, mV, pA, pF, nS, Hz.  This module needs only numpy; the two
functions that need csnn (``write_pattern_input``, ``score_pattern``) import it when called,
from run.py, which runs in csnn's interpreter.
"""
import ctypes
import hashlib
import importlib.util
import math
from pathlib import Path

import numpy as np

BENCH = Path(__file__).resolve().parent
#: the results the READMEs quote (tracked by git), written only when asked (--update-results)
TRACKED_RESULTS = BENCH / "results"
#: where results go by default: git ignores it, so running a benchmark leaves the checkout clean
LOCAL_RESULTS = TRACKED_RESULTS / "local"
#: examples/masquelier2008.py: the stdp_pattern experiment as csnn runs it
PATTERN_EXAMPLE = BENCH.parent / "examples" / "masquelier2008.py"

#: seed of every simulator's random numbers and of the inputs drawn here
SEED = 12345


#: the figure of the synaptic events of a network's simulation: every input its neurons were
#: delivered, recurrent and external, by a formula of the network's figures (brunel_events,
#: cuba_figures, scaling_figures) from spike counts, the same for every simulator
SYN_EVENTS = "syn. events"
#: the figure run.py derives from it (syn_event_rate)
SYN_EVENT_RATE = "syn. events/s/thread"


def syn_event_rate(events, simulate_s, threads):
    """Synaptic events (SYN_EVENTS) per second of simulate time (s) per thread: the work one
    core did per second."""
    return events / simulate_s / threads


def csnn_on_threads(threads):
    """The name under which run.py lists csnn on a further thread count of its --threads."""
    return f"csnn {threads} threads"


def csnn_on_processes(processes):
    """The name under which run.py lists csnn on a number of MPI processes of its --processes."""
    return f"csnn {processes} processes"


def spike_digest(senders, times):
    """A fingerprint of a set of spikes that does not depend on the order a recorder lists them
    in: the SHA-256 (hex) of the (sender, time) pairs in lexicographic order, ids as int64 and
    times (ms) as float64 bit for bit."""
    senders = np.asarray(senders, dtype=np.int64)
    times = np.asarray(times, dtype=np.float64)
    order = np.lexsort((times, senders))
    digest = hashlib.sha256(senders[order].tobytes())
    digest.update(times[order].tobytes())
    return digest.hexdigest()


def add_results_options(parser):
    """The options that choose where a benchmark script writes its results (see results_dir)."""
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--update-results", action="store_true",
                       help=f"write into the tracked {TRACKED_RESULTS.relative_to(BENCH.parent)}/, whose files the "
                            "READMEs quote (default: the git-ignored "
                            f"{LOCAL_RESULTS.relative_to(BENCH.parent)}/)")
    where.add_argument("--out", type=Path, metavar="DIR", help="write the results into DIR instead")


def results_dir(args):
    """The directory the options of add_results_options chose, created if needed."""
    directory = TRACKED_RESULTS if args.update_results else args.out or LOCAL_RESULTS
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def check_defaults(sim, model, expected):
    """Raise if ``sim``'s defaults of ``model`` differ from ``expected`` (dict), which the
    Brian 2 version writes out: the PyNEST runs use the defaults, so this proves all use the
    same parameters."""
    defaults = sim.GetDefaults(model)
    wrong = {key: (defaults[key], value) for key, value in expected.items()
             if not math.isclose(defaults[key], value, rel_tol=1e-12, abs_tol=1e-12)}
    if wrong:
        raise RuntimeError(f"{sim.__name__}'s defaults of {model} differ from those the benchmark writes out "
                           f"for Brian 2 (name: (default, benchmark)): {wrong}; update bench/shared.py")


def nearest(values, targets):
    """Index of the element of ``values`` nearest to each target."""
    values = np.asarray(values, float)
    return [int(np.argmin(np.abs(values - t))) for t in targets]


# --- brunel_delta ---------------------------------------------------------------------------

def brunel_parameters(order):
    """NEST's brunel_delta_nest.py for NE = 4 order excitatory and NI = order inhibitory
    neurons: in-degrees CE, CI; weight J (mV), relative inhibition g, delay (ms), threshold
    theta (mV), tau_m (ms), the rate of the Poisson drive of each neuron p_rate (Hz: CE inputs
    at eta times the threshold rate), the iaf_psc_delta parameters and N_rec, the recorded
    neurons of each population."""
    NE, NI = 4 * order, order
    CE, CI = int(0.1 * NE), int(0.1 * NI)
    J, g, eta, delay, theta, tau_m = 0.1, 5.0, 2.0, 1.5, 20.0, 20.0
    return {
        "NE": NE, "NI": NI, "N_rec": 50, "CE": CE, "CI": CI, "J": J, "g": g, "delay": delay,
        "p_rate": 1000.0 * eta * theta / (J * CE * tau_m) * CE,
        "neuron": {"C_m": 1.0, "tau_m": tau_m, "t_ref": 2.0, "E_L": 0.0, "V_reset": 0.0, "V_m": 0.0,
                   "V_th": theta},
    }


def brunel_figures(p, simtime, events_ex, events_in, synapses, spikes):
    """brunel_delta's figures: rates (Hz) of the N_rec recorded neurons of each population,
    synapses counted as NEST counts them (network synapses, one drive connection per neuron
    and one recorder connection per recorded neuron), recorded spikes, and the synaptic events
    of ``spikes``, the spikes of all neurons (brunel_events)."""
    return {
        "rate E Hz": events_ex / p["N_rec"] / simtime * 1000.0,
        "rate I Hz": events_in / p["N_rec"] / simtime * 1000.0,
        "synapses": int(synapses),
        "recorded spikes": int(events_ex + events_in),
        SYN_EVENTS: brunel_events(p, simtime, spikes),
    }


def brunel_events(p, simtime, spikes):
    """The inputs a brunel network delivers in simtime (ms) in which its neurons fired
    ``spikes`` spikes: every spike reaches CE + CI targets on average (the mean out-degree of
    both populations under fixed in-degrees: N CE synapses from NE sources, CE + CI each, the
    same from the NI sources), and every neuron receives its Poisson drive at p_rate (Hz).
    The drive counts its expected number of inputs (the simulators' draws differ from it by
    about 1e-4 relative at order 500)."""
    return int(round(spikes * (p["CE"] + p["CI"]) + p["p_rate"] * (p["NE"] + p["NI"]) * simtime / 1000.0))


def yardstick_figures(p, simtime, output):
    """brunel_delta's figures from a yardstick's output line (``output``: the JSON of
    brunel_grid.c or brunel_ps.c, rates rate_E and rate_I in Hz over all neurons of each
    population): the rates, and the synaptic events of brunel_events from the spikes those
    rates mean.  No synapses or recorded spikes: a yardstick counts spikes without recorders."""
    spikes = (output["rate_E"] * p["NE"] + output["rate_I"] * p["NI"]) * simtime / 1000.0
    return {"rate E Hz": output["rate_E"], "rate I Hz": output["rate_I"],
            SYN_EVENTS: brunel_events(p, simtime, spikes)}


def alpha_psp_peak(tau_m, C_m, tau_syn):
    """Peak (mV) of the membrane's response to an alpha current of unit amplitude (1 pA),
    (t / tau_syn) e^{1 - t / tau_syn}, in an iaf_psc_alpha neuron (ms, pF).

    The response, with b = 1/tau_syn - 1/tau_m, is

        V(t) = e / (tau_syn C_m b) ((e^{-t/tau_m} - e^{-t/tau_syn}) / b - t e^{-t/tau_syn});

    it rises while the current exceeds the leak, dV/dt = I(t) / C_m - V / tau_m > 0, and
    falls after its one maximum, which bisection on that sign locates (NEST's example finds
    it with Lambert's W function; this needs no scipy in the peers' interpreters)."""
    b = 1.0 / tau_syn - 1.0 / tau_m

    def v(t):
        return math.e / (tau_syn * C_m * b) * ((math.exp(-t / tau_m) - math.exp(-t / tau_syn)) / b
                                               - t * math.exp(-t / tau_syn))

    def rising(t):
        return t / tau_syn * math.exp(1.0 - t / tau_syn) / C_m - v(t) / tau_m > 0.0

    low, high = 0.0, 20.0 * max(tau_m, tau_syn)
    for _ in range(100):
        mid = 0.5 * (low + high)
        low, high = (mid, high) if rising(mid) else (low, mid)
    return v(0.5 * (low + high))


def brunel_alpha_parameters(order):
    """NEST's brunel_alpha_nest.py: brunel_delta's network (brunel_parameters: sizes,
    in-degrees, g, eta, delay, N_rec) with iaf_psc_alpha neurons (C_m 250 pF, tau_m 20 ms,
    tau_syn 0.5 ms, t_ref 2 ms, E_L = V_reset = V_m = 0, V_th 20 mV) whose excitatory
    current amplitude J (pA) evokes a PSP peaking at J_psp = 0.1 mV (alpha_psp_peak), and
    the Poisson drive at eta times the threshold rate nu_th = V_th C_m / (J CE e tau_m
    tau_syn) (the rate at which CE inputs' mean current, J e tau_syn each, holds V at V_th)."""
    p = brunel_parameters(order)
    C_m, tau_m, tau_syn, theta, eta = 250.0, 20.0, 0.5, 20.0, 2.0
    J_psp = p["J"]
    J = J_psp / alpha_psp_peak(tau_m, C_m, tau_syn)
    nu_th = theta * C_m / (J * p["CE"] * math.e * tau_m * tau_syn)
    p.update({"J_psp": J_psp, "J": J, "tau_syn": tau_syn, "p_rate": 1000.0 * eta * nu_th * p["CE"],
              "neuron": {"C_m": C_m, "tau_m": tau_m, "tau_syn_ex": tau_syn, "tau_syn_in": tau_syn,
                         "t_ref": 2.0, "E_L": 0.0, "V_reset": 0.0, "V_m": 0.0, "V_th": theta}})
    return p


def stdp_network_parameters(order):
    """brunel_delta's network (brunel_parameters) with its excitatory-to-excitatory synapses
    plastic: NEST's stdp_synapse (all-to-all pairing, weight-dependent updates, mu_plus =
    mu_minus = 1) with its default lambda, alpha and tau_plus (iaf_psc_delta's default
    tau_minus is also 20 ms) and Wmax = 2 J, at which uncorrelated firing keeps the mean weight
    near its initial J (w* = Wmax / (1 + alpha))."""
    p = brunel_parameters(order)
    p["stdp"] = {"tau_plus": 20.0, "lambda": 0.01, "alpha": 1.0, "mu_plus": 1.0, "mu_minus": 1.0,
                 "Wmax": 2 * p["J"]}
    p["tau_minus"] = 20.0
    return p


def stdp_network_figures(p, simtime, spikes_ex, events_in, synapses, weights, spikes, simulate_s):
    """stdp_network's figures: the rate (Hz) of all excitatory neurons (``spikes_ex`` spikes)
    and of the N_rec recorded inhibitory ones, synapses (as brunel_figures counts them), the
    mean and standard deviation of ``weights`` (mV, plastic weights at the end), synaptic
    events (brunel_events of ``spikes``, the spikes of all neurons) and plastic events per
    second of simulation (every excitatory spike reaches CE excitatory targets on average)."""
    weights = np.asarray(weights, float)
    return {
        "rate E Hz": spikes_ex / p["NE"] / simtime * 1000.0,
        "rate I Hz": events_in / p["N_rec"] / simtime * 1000.0,
        "synapses": int(synapses),
        "mean w mV": float(weights.mean()),
        "sd w mV": float(weights.std()),
        SYN_EVENTS: brunel_events(p, simtime, spikes),
        "plastic events/s": spikes_ex * p["CE"] / simulate_s,
    }


def fixed_indegree(rng, n_pre, n_post, indegree):
    """Sources and targets (indices from 0) of NEST's ``fixed_indegree`` rule with its defaults
    (autapses and multapses allowed): each target draws ``indegree`` sources uniformly with
    replacement, from the numpy Generator ``rng``.  For Brian 2, whose ``connect`` samples
    without replacement."""
    sources = rng.integers(0, n_pre, size=n_post * indegree, dtype=np.int32)
    targets = np.repeat(np.arange(n_post, dtype=np.int32), indegree)
    return sources, targets


# --- fi_lif and hh: f-I curves ----------------------------------------------------------------

#: NEST's defaults of iaf_psc_delta (ms, pF, mV)
IAF_PSC_DELTA = {"C_m": 250.0, "tau_m": 10.0, "t_ref": 2.0, "E_L": -70.0, "V_th": -55.0, "V_reset": -70.0,
                 "V_m": -70.0}
FI_LIF_PROBES = (300.0, 400.0, 600.0, 1000.0)     # pA


def lif_rate(I_e, tau_m, C_m, t_ref, E_L, V_th, V_reset):
    """Firing rate (Hz) of a LIF neuron driven by the constant current I_e; 0 below rheobase."""
    V_inf = E_L + I_e * tau_m / C_m
    if V_inf <= V_th:
        return 0.0
    return 1000.0 / (t_ref + tau_m * math.log((V_inf - V_reset) / (V_inf - V_th)))


def fi_figures(I_e, counts, simtime, probes):
    """Figures of an f-I sweep from each neuron's spike count: mean rate (Hz), total spikes
    and the rates (Hz) of the neurons whose I_e (pA) is nearest to each probe."""
    rates = np.asarray(counts, float) / simtime * 1000.0
    figures = {"mean rate Hz": float(rates.mean()), "spikes": int(np.sum(counts))}
    for k in nearest(I_e, probes):
        figures[f"rate Hz @ {I_e[k]:.1f} pA"] = float(rates[k])
    return figures


#: NEST's defaults of hh_psc_alpha (nS, pF, mV, ms); the gates start at their steady state at
#: V_m, which hh_gates gives
HH_PSC_ALPHA = {"g_Na": 12000.0, "g_K": 3600.0, "g_L": 30.0, "C_m": 100.0, "E_Na": 50.0, "E_K": -77.0,
                "E_L": -54.402, "V_m": -65.0, "t_ref": 2.0}
HH_PROBES = (400.0, 650.0, 800.0, 1000.0)     # pA; sustained firing starts near 626 pA


def hh_gates(V):
    """Steady states of the gates m, h, n at the potential V (mV), with hh_psc_alpha's rate
    functions (1/ms): NEST's initial Act_m, Inact_h, Act_n."""
    alpha_n = 0.01 * (V + 55.0) / (1.0 - math.exp(-(V + 55.0) / 10.0))
    beta_n = 0.125 * math.exp(-(V + 65.0) / 80.0)
    alpha_m = 0.1 * (V + 40.0) / (1.0 - math.exp(-(V + 40.0) / 10.0))
    beta_m = 4.0 * math.exp(-(V + 65.0) / 18.0)
    alpha_h = 0.07 * math.exp(-(V + 65.0) / 20.0)
    beta_h = 1.0 / (1.0 + math.exp(-(V + 35.0) / 10.0))
    return {"Act_m": alpha_m / (alpha_m + beta_m), "Inact_h": alpha_h / (alpha_h + beta_h),
            "Act_n": alpha_n / (alpha_n + beta_n)}


# --- cuba -------------------------------------------------------------------------------------

def cuba_parameters():
    """Brette et al. (2007)'s CUBA benchmark as Brian's example CUBA.py writes it, translated to
    NEST's ``iaf_psc_exp``.

    Brian's equations (v, ge, gi in mV):

        tau_m dv/dt = ge + gi - (v - E_L),   dge/dt = -ge / tau_e,   dgi/dt = -gi / tau_i,

    a spike adding we = 60 * 0.27 / 10 mV = 1.62 mV to ge (excitatory) or wi = -20 * 4.5 / 10
    mV = -9 mV to gi (inhibitory).  iaf_psc_exp's membrane is

        C_m dV/dt = -(C_m / tau_m) (V - E_L) + I_ex + I_in,

    i.e. tau_m dV/dt = -(V - E_L) + (tau_m / C_m) (I_ex + I_in), so ge = (tau_m / C_m) I_ex:
    the same membrane and the same postsynaptic potentials for any C_m when a spike adds
    w = we C_m / tau_m to I_ex (and wi C_m / tau_m to I_in).  With NEST's default C_m =
    250 pF and tau_m = 20 ms: 1.62 mV * 250 pF / 20 ms = 20.25 pA and -9 mV * 250 pF / 20 ms
    = -112.5 pA (mV pF / ms = pA).  Brian's ``(unless refractory)`` on v alone matches NEST:
    V is clamped at V_reset for t_ref while the synaptic currents keep decaying and summing.

    Returns the population sizes N, NE (the first NE neurons are excitatory), the connection
    probability p (every ordered pair independently, autapses allowed: PyNEST's
    ``pairwise_bernoulli``, Brian's ``connect(p=...)``), the weights w_ex, w_in (pA) and their
    Brian form we_mV, wi_mV, the delay (ms: NEST's minimum, 0.1 ms; Brian's example has none)
    and the iaf_psc_exp parameters.  E_L = -49 mV is above V_th = -50 mV: without input every
    neuron fires regularly, and the network's inhibition shapes the activity.
    """
    C_m, tau_m = 250.0, 20.0
    we_mV, wi_mV = 60.0 * 0.27 / 10.0, -20.0 * 4.5 / 10.0
    return {
        "N": 4000, "NE": 3200, "p": 0.02, "delay": 0.1,
        "we_mV": we_mV, "wi_mV": wi_mV, "w_ex": we_mV * C_m / tau_m, "w_in": wi_mV * C_m / tau_m,
        "neuron": {"C_m": C_m, "tau_m": tau_m, "tau_syn_ex": 5.0, "tau_syn_in": 10.0, "t_ref": 5.0,
                   "E_L": -49.0, "V_th": -50.0, "V_reset": -60.0, "I_e": 0.0},
    }


def cuba_initial_v(p, seed=SEED):
    """Initial membrane potentials (mV), uniform in [V_reset, V_th], the same array for every
    simulator."""
    return np.random.default_rng(seed).uniform(p["neuron"]["V_reset"], p["neuron"]["V_th"], p["N"])


def cuba_figures(p, simtime, counts, synapses):
    """cuba's figures from each neuron's spike count: mean rates (Hz) of the excitatory and
    inhibitory populations, network synapses, spikes, and synaptic events (spikes times the
    mean out-degree, synapses / N; the network has no external input)."""
    counts = np.asarray(counts)
    return {
        "mean rate E Hz": float(counts[:p["NE"]].mean() / simtime * 1000.0),
        "mean rate I Hz": float(counts[p["NE"]:].mean() / simtime * 1000.0),
        "synapses": int(synapses),
        "spikes": int(counts.sum()),
        SYN_EVENTS: int(round(counts.sum() * synapses / p["N"])),
    }


# --- scaling ----------------------------------------------------------------------------------

#: the scaling suite's reference rate (Hz) and size: the size sweep runs at SCALING_RATE, the
#: rate sweep at SCALING_N, and each panel of the plot takes the cases at the other's value
SCALING_RATE, SCALING_N = 10.0, 10000


def scaling_parameters(n, rate):
    """The scaling suite's network: n iaf_psc_delta neurons with NEST's defaults
    (IAF_PSC_DELTA), NE = 0.8 n excitatory and NI = n - NE inhibitory, fixed in-degrees CE = 80
    from the excitatory and CI = 20 from the inhibitory population (K = 100 static synapses per
    neuron; each neuron's out-degree is K on average too), weight J = 0.1 mV, -g J inhibitory
    (g = 5), delay 1.5 ms, and I_max (pA): the DC drives I_e of the neurons are spread evenly
    over [0, I_max] (scaling_drive), I_max chosen so that the mean of their analytic LIF rates
    (lif_rate, without the recurrent input) is the target ``rate`` (Hz).

    A single I_e for all cannot give low rates: with tau_m = 10 ms a LIF neuron fires at
    1 / (t_ref + tau_m ln((V_inf - V_reset) / (V_inf - V_th))), above about 20 Hz unless V_inf
    is within microvolts of V_th, and the recurrent input at these weights is too weak to
    drive it from below.  The recurrent input is net inhibitory (g = 5 > NE / NI), so the
    measured rate (a figure) comes out somewhat below the target."""
    NE = int(round(0.8 * n))
    q = IAF_PSC_DELTA
    rheobase = (q["V_th"] - q["E_L"]) * q["C_m"] / q["tau_m"]

    def mean_rate(I_max):
        return np.mean([lif_rate(I, q["tau_m"], q["C_m"], q["t_ref"], q["E_L"], q["V_th"], q["V_reset"])
                        for I in np.linspace(0.0, I_max, 2001)])

    low, high = rheobase, 100.0 * rheobase
    for _ in range(60):      # bisection: mean_rate grows with I_max
        low, high = (low, (low + high) / 2) if mean_rate((low + high) / 2) > rate else ((low + high) / 2, high)
    return {"N": n, "NE": NE, "NI": n - NE, "CE": 80, "CI": 20, "J": 0.1, "g": 5.0, "delay": 1.5,
            "I_max": (low + high) / 2, "neuron": IAF_PSC_DELTA}


def scaling_drive(p, seed=SEED):
    """The DC drives I_e (pA): N values evenly spaced over [0, I_max], shuffled (so that both
    populations get all drives), the same array for every simulator."""
    return np.random.default_rng(seed).permutation(np.linspace(0.0, p["I_max"], p["N"]))


def scaling_initial_v(p, seed=SEED):
    """Initial membrane potentials (mV), uniform in [V_reset, V_th], the same array for every
    simulator (a common start would make the neurons of equal drive fire in step)."""
    n = p["neuron"]
    return np.random.default_rng(seed + 1).uniform(n["V_reset"], n["V_th"], p["N"])


def scaling_figures(p, simtime, spikes, synapses, simulate_s):
    """scaling's figures: neurons, network synapses, mean rate (Hz), spikes of all neurons,
    synaptic events (spikes x K: every spike reaches K = CE + CI targets on average), synaptic
    events per second of simulation and the wall time per synaptic event (ns)."""
    events = spikes * (p["CE"] + p["CI"])
    return {
        "neurons": p["N"],
        "synapses": int(synapses),
        "rate Hz": spikes / p["N"] / simtime * 1000.0,
        "spikes": int(spikes),
        "syn. events": int(events),
        "syn. events/s": events / simulate_s if simulate_s > 0 else float("nan"),
        "ns per syn. event": simulate_s / events * 1e9 if events else float("nan"),
    }


def plot_scaling(cases, path):
    """Save the scaling suite's plot to ``path``: the median ns per synaptic event of each
    simulator against the number of neurons (cases at SCALING_RATE, log x) and against the
    measured rate (cases with SCALING_N neurons).  Needs matplotlib (Agg backend); without it,
    csnn's MissingDependencyError."""
    from csnn.plot import pyplot
    plt = pyplot("bench/run.py", backend="Agg")

    fig, axes = plt.subplots(1, 2, figsize=(10, 4), constrained_layout=True)
    panels = ((axes[0], "n", SCALING_RATE, "rate", "neurons", f"at {SCALING_RATE:g} Hz target rate"),
              (axes[1], "rate", SCALING_N, "n", "rate Hz", f"{SCALING_N} neurons"))
    for ax, swept, value, fixed, x_key, title in panels:
        chosen = sorted((c for c in cases if c["params"][fixed] == value), key=lambda c: c["params"][swept])
        for name in (chosen[0]["median"] if chosen else []):
            ax.plot([c["median"][name]["figures"][x_key] for c in chosen],
                    [c["median"][name]["figures"]["ns per syn. event"] for c in chosen], "o-", label=name)
        ax.set_xlabel("neurons" if swept == "n" else "measured mean rate (Hz)")
        ax.set_ylabel("ns per synaptic event (simulate)")
        ax.set_title(title)
        ax.set_ylim(bottom=0)
        if swept == "n":
            ax.set_xscale("log")
        if chosen:
            ax.legend()
    fig.suptitle("scaling: cost per synaptic event (K = 100, median of runs)")
    fig.savefig(path, dpi=120)
    plt.close(fig)


# --- memory -----------------------------------------------------------------------------------

#: NEST's defaults of iaf_psc_alpha (ms, pF, mV) and stdp_synapse (tau_plus as the memory suite
#: passes it; tau_minus is the neuron's, 20 ms); weights in pA
IAF_PSC_ALPHA = {"C_m": 250.0, "tau_m": 10.0, "t_ref": 2.0, "E_L": -70.0, "V_th": -55.0, "V_reset": -70.0,
                 "V_m": -70.0, "tau_syn_ex": 2.0, "tau_syn_in": 2.0, "I_e": 0.0}
STDP_SYNAPSE = {"tau_plus": 16.8, "tau_minus": 20.0, "lambda": 0.01, "alpha": 1.0, "mu_plus": 1.0,
                "mu_minus": 1.0, "Wmax": 100.0}


def anonymous_rss():
    """The process's resident anonymous memory (bytes): RssAnon in /proc/self/status (Linux).

    Heap and private mappings only: VmRSS also counts the pages of shared libraries, which come
    in as their code first runs, and ru_maxrss is a peak, not the present size."""
    with open("/proc/self/status") as status:
        fields = dict(line.split(":", 1) for line in status)
    return int(fields["RssAnon"].split()[0]) * 1024      # kB


def bytes_per_synapse(cases, key="rss growth bytes"):
    """The memory suite's cases (run.py's records, each network's synapse "none" first) as
    (case, {simulator: bytes per synapse}) for every case with synapses: the growth ``key``
    (a memory_figures key) of the network with synapses minus that of the same network
    without, over the number of synapses, from the medians."""
    baseline, out = {}, []
    for case in cases:
        params = dict(case["params"])
        network = tuple(sorted(params.items() - {("synapse", params["synapse"])}))
        figures = {name: m["figures"] for name, m in case["median"].items()}
        if params["synapse"] == "none":
            baseline[network] = figures
        else:
            out.append((case, {name: (f[key] - baseline[network][name][key]) / f["synapses"]
                               for name, f in figures.items()}))
    return out


def memory_figures(before, synapses, build_s):
    """The memory suite's figures: growth (bytes) of resident anonymous memory since ``before``
    (an anonymous_rss), the same after malloc_trim (glibc: return the free heap to the
    system), the number of synapses and the wall time (s) of connecting and simulating."""
    grown = anonymous_rss() - before
    ctypes.CDLL(None).malloc_trim(0)
    return {"synapses": int(synapses), "rss growth bytes": grown,
            "trimmed growth bytes": anonymous_rss() - before, "build s": build_s}


# --- stdp_pattern -----------------------------------------------------------------------------

#: The SRM neuron and the STDP rule of examples/masquelier2008.py (its NEURON, STDP and
#: t_ref, srm_psc_exp's default), written out for the peers, whose interpreters cannot import
#: the example; load_example checks that they still agree.
PATTERN_NEURON = {"tau_m": 10.0, "tau_s": 2.5, "V_th": 500.0, "K1": 2.0, "K2": 4.0, "tau_minus": 33.7,
                  "t_ref": 1.0}
PATTERN_STDP = {"synapse_model": "stdp_nn_restr_synapse", "weight": 0.475, "Wmax": 1.0, "lambda": 2.0 ** -5,
                "alpha": 0.85, "mu_plus": 0.0, "mu_minus": 0.0, "tau_plus": 16.8}
PATTERN_DELAY = 0.1     # ms: generator -> parrot and parrot -> neuron in the PyNEST versions


def load_example():
    """examples/masquelier2008.py as a module (needs csnn), checked against PATTERN_*."""
    spec = importlib.util.spec_from_file_location("masquelier2008", PATTERN_EXAMPLE)
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    neuron = dict(example.NEURON, t_ref=example.nest.GetDefaults("srm_psc_exp")["t_ref"])
    if neuron != PATTERN_NEURON or example.STDP != PATTERN_STDP or example.DELAY != PATTERN_DELAY:
        raise RuntimeError(f"{PATTERN_EXAMPLE} changed its neuron, STDP rule or delay: update PATTERN_NEURON, "
                           "PATTERN_STDP and PATTERN_DELAY in bench/shared.py (and the peers' versions)")
    return example


def write_pattern_input(params, directory):
    """Generate stdp_pattern's input once, with csnn.stimuli through the example's make_input
    (150 s blocks repeated, seed SEED), into ``directory``/pattern_input.npz, which every
    simulator's run loads; returns the parameter that names it."""
    inp = load_example().make_input(SEED, params["simtime"])
    path = Path(directory) / "pattern_input.npz"
    np.savez(path, times=inp.times, senders=inp.senders, pattern_onsets=inp.pattern_onsets,
             pattern_afferents=inp.pattern_afferents, pattern_duration=inp.pattern_duration,
             duration=inp.duration, n_afferents=inp.n_afferents)
    return {"input_file": str(path)}


def load_pattern_input(path):
    """The arrays of write_pattern_input's file, in the fields of csnn.stimuli.MasquelierInput
    (times in ms, ascending; senders: afferent ids)."""
    with np.load(path) as data:
        fields = {key: data[key] for key in data.files}
    for key, kind in (("pattern_duration", float), ("duration", float), ("n_afferents", int)):
        fields[key] = kind(fields[key])
    return fields


def score_pattern(result, params, extra):
    """Turn a stdp_pattern run's output spikes (``result["post_spikes"]``, ms, input time) into
    figures with the example's ``metrics``, over the last third of the run: hit rate, false
    alarms, mean latency (ms).  Runs in run.py's process (csnn's interpreter), for every
    simulator alike; the spike times are dropped from the result afterwards."""
    post_spikes = result.pop("post_spikes")
    with np.load(extra["input_file"]) as data:
        onsets = data["pattern_onsets"]
    duration = params["simtime"]
    m = load_example().metrics(post_spikes, onsets, duration, judged=duration / 3.0)
    result["figures"].update({"hit rate": m["hit_rate"], "false alarms": m["false_alarms"],
                              "latency ms": m["mean_latency"]})
    return result
