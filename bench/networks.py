"""The benchmark networks, written once against the PyNEST API that csnn and NEST share.

Each network function takes the simulator module ``sim`` (``csnn`` or ``nest``), builds and
simulates its network in a fresh kernel and returns the build and simulate wall times (s) and
``figures``: the output numbers that show the simulators did the same thing, keyed by the
column header run.py prints (memory: the measurements run.py turns into bytes per synapse).
``reference`` (optional) holds simulator-independent values of some figures (the analytic LIF
rate).  Parameters, inputs and the figures' formulas come from ``shared.py``, which the Brian 2
versions of the same networks (``brian2_networks.py``) use too.

run.py runs this file once per measurement, in a fresh process:

    python networks.py SIMULATOR SUITE PARAMS_JSON

or, for csnn on K MPI processes (bench/processes.py),

    mpiexec -n K python networks.py csnn SUITE PARAMS_JSON      (brunel_delta and brunel_alpha)

SIMULATOR is ``csnn`` or ``nest`` (imported as ``sim`` and run through the functions here),
``brian2`` / ``brian2_standalone`` (Brian 2 in its runtime or C++ standalone mode, run through
``brian2_networks.py``) or ``brunel_grid`` / ``brunel_ps`` (the yardsticks, brunel_delta only:
PARAMS names the compiled program as "binary").  The JSON result is the last line of stdout.
"""
import importlib
import json
import math
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

import shared
from shared import SEED


def brunel_delta(sim, order, simtime):
    """NEST's brunel_delta_nest example (Brunel 2000, random balanced network, delta synapses):
    4 order excitatory and order inhibitory iaf_psc_delta neurons, fixed in-degrees, one
    poisson_generator driving every neuron, simtime (ms) simulated."""
    return brunel(sim, "iaf_psc_delta", shared.brunel_parameters(order), simtime)


def brunel_alpha(sim, order, simtime):
    """NEST's brunel_alpha_nest example: brunel_delta's network in iaf_psc_alpha neurons with
    alpha-shaped currents (tau_syn 0.5 ms; shared.brunel_alpha_parameters), simtime (ms)
    simulated."""
    return brunel(sim, "iaf_psc_alpha", shared.brunel_alpha_parameters(order), simtime)


def brunel(sim, model, p, simtime):
    """The random balanced network of NEST's brunel examples in neurons of ``model`` with the
    parameters ``p`` (shared.brunel_parameters or brunel_alpha_parameters): NE excitatory and
    NI inhibitory neurons, fixed in-degrees CE and CI, one poisson_generator at p_rate driving
    every neuron, spike recorders on N_rec neurons of each population; simtime (ms) simulated."""
    NE, NI, N_rec = p["NE"], p["NI"], p["N_rec"]

    start = time.perf_counter()
    nodes_ex = sim.Create(model, NE, params=p["neuron"])
    nodes_in = sim.Create(model, NI, params=p["neuron"])
    noise = sim.Create("poisson_generator", params={"rate": p["p_rate"]})
    espikes = sim.Create("spike_recorder", params={"record_to": "memory"})
    ispikes = sim.Create("spike_recorder", params={"record_to": "memory"})
    ei_synapse_models(sim, p)
    sim.Connect(noise, nodes_ex, syn_spec="excitatory")
    sim.Connect(noise, nodes_in, syn_spec="excitatory")
    sim.Connect(nodes_ex[:N_rec], espikes, syn_spec="excitatory")
    sim.Connect(nodes_in[:N_rec], ispikes, syn_spec="excitatory")
    connect_ei(sim, nodes_ex, nodes_in, p)
    built = time.perf_counter()
    sim.Simulate(simtime)
    simulated = time.perf_counter()

    # local_spike_counter counts the spikes of all neurons (of the process: summed over them)
    espikes, ispikes = recorded(sim, espikes), recorded(sim, ispikes)
    figures = shared.brunel_figures(p, simtime, espikes["times"].size, ispikes["times"].size,
                                    over_processes(sim, sim.GetKernelStatus("num_connections"), sum),
                                    over_processes(sim, sim.GetKernelStatus("local_spike_counter"), sum))
    result = {"build_s": over_processes(sim, built - start, max),
              "simulate_s": over_processes(sim, simulated - built, max), "figures": figures,
              "spikes_sha256": shared.spike_digest(np.concatenate([espikes["senders"], ispikes["senders"]]),
                                                   np.concatenate([espikes["times"], ispikes["times"]]))}
    if sim.__name__ == "csnn":
        # what each process does for every spike of the network: the windows' serial ends
        # (sorting and batching), and on several processes the spike exchange: wall time in its
        # collectives (waiting for the slowest process included), of the slowest and of the
        # average process, and its windows (docs/scaling.md)
        status = sim.GetKernelStatus()
        result["serial_end_s"] = over_processes(sim, status["time_batch_spike_data"], max)
        result["spikes"] = over_processes(sim, status["local_spike_counter"], sum)
        if processes(sim) > 1:
            result["exchange"] = {"processes": processes(sim), "windows": status["spike_exchanges"],
                                  "bytes per process": status["spike_exchange_bytes"],
                                  "max_s": over_processes(sim, status["time_communicate_spike_data"], max),
                                  "mean_s": over_processes(sim, status["time_communicate_spike_data"], sum)
                                  / processes(sim)}
    return result


def processes(sim):
    """The MPI processes the simulator runs on (NEST's pip wheel and csnn without a launcher: 1)."""
    return sim.NumProcesses()


def over_processes(sim, value, how):
    """``value`` of every MPI process combined with ``how`` (sum, max); ``value`` on one process."""
    if processes(sim) == 1:
        return value
    from mpi4py import MPI
    return how(MPI.COMM_WORLD.allgather(value))


def recorded(sim, recorder):
    """A spike recorder's events, those of every MPI process (csnn.gather_events) on several."""
    return sim.gather_events(recorder, root=None) if processes(sim) > 1 else recorder.get("events")


def stdp_network(sim, order, simtime):
    """brunel_delta with plastic excitatory-to-excitatory synapses (shared.stdp_network_parameters:
    stdp_synapse, Wmax = 2 J): the excitatory spikes of every neuron and the inhibitory ones of
    N_rec neurons recorded, simtime (ms) simulated; figures include the plastic weights of the
    first N_rec excitatory neurons' synapses at the end."""
    p = shared.stdp_network_parameters(order)
    NE, NI, N_rec = p["NE"], p["NI"], p["N_rec"]

    start = time.perf_counter()
    nodes_ex = sim.Create("iaf_psc_delta", NE, params=dict(p["neuron"], tau_minus=p["tau_minus"]))
    nodes_in = sim.Create("iaf_psc_delta", NI, params=p["neuron"])
    noise = sim.Create("poisson_generator", params={"rate": p["p_rate"]})
    espikes = sim.Create("spike_recorder", params={"record_to": "memory"})
    ispikes = sim.Create("spike_recorder", params={"record_to": "memory"})
    ei_synapse_models(sim, p)
    sim.CopyModel("stdp_synapse", "plastic", dict(p["stdp"], weight=p["J"], delay=p["delay"]))
    sim.Connect(noise, nodes_ex + nodes_in, syn_spec="excitatory")
    sim.Connect(nodes_ex, espikes, syn_spec="excitatory")
    sim.Connect(nodes_in[:N_rec], ispikes, syn_spec="excitatory")
    indegree = {"rule": "fixed_indegree", "indegree": p["CE"]}
    sim.Connect(nodes_ex, nodes_ex, indegree, "plastic")
    sim.Connect(nodes_ex, nodes_in, indegree, "excitatory")
    sim.Connect(nodes_in, nodes_ex + nodes_in, {"rule": "fixed_indegree", "indegree": p["CI"]}, "inhibitory")
    built = time.perf_counter()
    sim.Simulate(simtime)
    simulated = time.perf_counter()

    # the plastic synapses of N_rec sources: NEST's GetConnections of all 10^7 exhausts 24 GB
    weights = sim.GetConnections(nodes_ex[:N_rec], nodes_ex, synapse_model="plastic").get("weight")
    figures = shared.stdp_network_figures(p, simtime, espikes.get("n_events"), ispikes.get("n_events"),
                                          sim.GetKernelStatus("num_connections"), weights,
                                          sim.GetKernelStatus("local_spike_counter"), simulated - built)
    return {"build_s": built - start, "simulate_s": simulated - built, "figures": figures,
            "spikes_sha256": spike_digest(espikes, ispikes)}


def ei_synapse_models(sim, p):
    """The static synapse models "excitatory" (weight J: mV for delta synapses, pA for
    currents) and "inhibitory" (-g J) with the delay of ``p`` (shared.brunel_parameters,
    brunel_alpha_parameters or scaling_parameters)."""
    sim.CopyModel("static_synapse", "excitatory", {"weight": p["J"], "delay": p["delay"]})
    sim.CopyModel("static_synapse", "inhibitory", {"weight": -p["g"] * p["J"], "delay": p["delay"]})


def connect_ei(sim, nodes_ex, nodes_in, p):
    """Recurrent connections of a random E/I network: fixed in-degrees CE from ``nodes_ex`` and
    CI from ``nodes_in`` onto every neuron of both, through ei_synapse_models' models."""
    sim.Connect(nodes_ex, nodes_ex + nodes_in, {"rule": "fixed_indegree", "indegree": p["CE"]}, "excitatory")
    sim.Connect(nodes_in, nodes_ex + nodes_in, {"rule": "fixed_indegree", "indegree": p["CI"]}, "inhibitory")


def scaling(sim, n, rate, simtime):
    """Cost per synaptic event against network size and firing rate: n iaf_psc_delta neurons
    (NEST's defaults, shared.scaling_parameters), 80 % excitatory, fixed in-degrees 80 + 20
    (J = 0.1 mV, g = 5, delay 1.5 ms), DC drives I_e spread over [0, I_max] with I_max chosen
    for the target ``rate`` (Hz, shared.scaling_drive), initial V_m uniform in [V_reset,
    V_th], no recorder (the kernel's spike counter counts the spikes); simtime (ms) simulated."""
    shared.check_defaults(sim, "iaf_psc_delta", shared.IAF_PSC_DELTA)
    p = shared.scaling_parameters(n, rate)
    start = time.perf_counter()
    neurons = sim.Create("iaf_psc_delta", n, params={"I_e": shared.scaling_drive(p), "V_m": shared.scaling_initial_v(p)})
    ei_synapse_models(sim, p)
    connect_ei(sim, neurons[:p["NE"]], neurons[p["NE"]:], p)
    built = time.perf_counter()
    sim.Simulate(simtime)
    simulated = time.perf_counter()
    figures = shared.scaling_figures(p, simtime, sim.GetKernelStatus("local_spike_counter"),
                                     sim.GetKernelStatus("num_connections"), simulated - built)
    return {"build_s": built - start, "simulate_s": simulated - built, "figures": figures}


def fi_lif(sim, n, simtime):
    """f-I curve: n iaf_psc_delta neurons (NEST defaults), I_e from 0 to 1000 pA, one recorder,
    simtime (ms) simulated.  ``reference``: the analytic LIF rate of the probed neurons."""
    shared.check_defaults(sim, "iaf_psc_delta", shared.IAF_PSC_DELTA)
    I_e = np.linspace(0.0, 1000.0, n)
    start = time.perf_counter()
    neurons = sim.Create("iaf_psc_delta", n, params={"I_e": I_e})
    recorder = sim.Create("spike_recorder")
    sim.Connect(neurons, recorder)
    built = time.perf_counter()
    sim.Simulate(simtime)
    simulated = time.perf_counter()

    figures = shared.fi_figures(I_e, spike_counts(recorder, neurons), simtime, shared.FI_LIF_PROBES)
    reference = {}
    p = sim.GetDefaults("iaf_psc_delta")
    for k in shared.nearest(I_e, shared.FI_LIF_PROBES):
        reference[f"rate Hz @ {I_e[k]:.1f} pA"] = shared.lif_rate(
            I_e[k], p["tau_m"], p["C_m"], p["t_ref"], p["E_L"], p["V_th"], p["V_reset"])
    return {"build_s": built - start, "simulate_s": simulated - built, "figures": figures, "reference": reference,
            "spikes_sha256": spike_digest(recorder)}


def hh(sim, n, simtime):
    """f-I curve of the Hodgkin-Huxley neuron: n hh_psc_alpha neurons (NEST defaults: g_Na
    12000 nS, g_K 3600 nS, g_L 30 nS, C_m 100 pF, E_Na 50 mV, E_K -77 mV, E_L -54.402 mV,
    V_m -65 mV), I_e from 0 to 1000 pA, one recorder, simtime (ms) simulated."""
    shared.check_defaults(sim, "hh_psc_alpha", dict(shared.HH_PSC_ALPHA, **shared.hh_gates(shared.HH_PSC_ALPHA["V_m"])))
    I_e = np.linspace(0.0, 1000.0, n)
    start = time.perf_counter()
    neurons = sim.Create("hh_psc_alpha", n, params={"I_e": I_e})
    recorder = sim.Create("spike_recorder")
    sim.Connect(neurons, recorder)
    built = time.perf_counter()
    sim.Simulate(simtime)
    simulated = time.perf_counter()
    figures = shared.fi_figures(I_e, spike_counts(recorder, neurons), simtime, shared.HH_PROBES)
    return {"build_s": built - start, "simulate_s": simulated - built, "figures": figures,
            "spikes_sha256": spike_digest(recorder)}


def spike_digest(*recorders):
    """shared.spike_digest of the spikes of ``recorders`` (spike recorders of distinct
    neurons) together: the same for two runs exactly when they recorded the same spikes."""
    events = [recorder.get("events") for recorder in recorders]
    return shared.spike_digest(np.concatenate([e["senders"] for e in events]),
                               np.concatenate([e["times"] for e in events]))


def spike_counts(recorder, neurons):
    """Number of spikes of each neuron of ``neurons`` in ``recorder``."""
    ids = neurons.tolist()
    senders = np.asarray(recorder.get("events")["senders"], dtype=np.int64)
    return np.bincount(senders, minlength=max(ids) + 1)[ids]


def cuba(sim, simtime):
    """Brette et al. (2007)'s CUBA benchmark in iaf_psc_exp neurons (parameters and their
    translation from Brian's CUBA example: shared.cuba_parameters): 3200 excitatory and 800
    inhibitory neurons, pairwise_bernoulli p = 0.02, weights 20.25 and -112.5 pA, delay
    0.1 ms, initial V_m uniform in [V_reset, V_th]; simtime (ms) simulated, every neuron
    recorded."""
    p = shared.cuba_parameters()
    start = time.perf_counter()
    neurons = sim.Create("iaf_psc_exp", p["N"], params=dict(p["neuron"], V_m=shared.cuba_initial_v(p)))
    recorder = sim.Create("spike_recorder")
    rule = {"rule": "pairwise_bernoulli", "p": p["p"]}
    sim.Connect(neurons[:p["NE"]], neurons, rule, {"weight": p["w_ex"], "delay": p["delay"]})
    sim.Connect(neurons[p["NE"]:], neurons, rule, {"weight": p["w_in"], "delay": p["delay"]})
    sim.Connect(neurons, recorder)
    built = time.perf_counter()
    sim.Simulate(simtime)
    simulated = time.perf_counter()
    synapses = sim.GetKernelStatus("num_connections") - p["N"]      # minus the recorder's
    figures = shared.cuba_figures(p, simtime, spike_counts(recorder, neurons), synapses)
    return {"build_s": built - start, "simulate_s": simulated - built, "figures": figures,
            "spikes_sha256": spike_digest(recorder)}


def memory(sim, synapse, n, indegree, simtime):
    """Memory of synapses: n iaf_psc_alpha neurons connected to each other with fixed_indegree
    by ``synapse`` (static_synapse, stdp_synapse or "none": no Connect), then a short Simulate
    (simtime, ms), in which NEST builds its connection infrastructure and csnn merges its
    tables.

    The figures are the growth (bytes) of the process's resident anonymous memory from before
    Connect to after Simulate, the same growth once malloc_trim has handed free heap back to
    the system, and, for csnn only, the exact size of its synapse tables and trace groups (read
    from its kernel).  No neuron spikes, so this is the memory of the stored synapses alone.
    """
    neurons = sim.Create("iaf_psc_alpha", n)
    before = shared.anonymous_rss()
    start = time.perf_counter()
    if synapse != "none":
        syn_spec = {"synapse_model": synapse, "weight": 1.0, "delay": 1.0}
        if synapse == "stdp_synapse":
            syn_spec["tau_plus"] = shared.STDP_SYNAPSE["tau_plus"]
        sim.Connect(neurons, neurons, {"rule": "fixed_indegree", "indegree": indegree}, syn_spec)
    built = time.perf_counter()
    sim.Simulate(simtime)
    simulated = time.perf_counter()
    figures = shared.memory_figures(before, sim.GetKernelStatus("num_connections"), simulated - start)
    if sim.__name__ == "csnn":
        engine = sim.kernel.current().engine
        figures["table bytes"] = engine.static.nbytes + engine.plastic.nbytes + engine.traces.nbytes
    return {"build_s": built - start, "simulate_s": simulated - built, "figures": figures}


def stdp_pattern(sim, simtime, input_file):
    """Masquelier et al. (2008): 2000 afferents replaying the input file ``input_file`` (written by
    shared.write_pattern_input: a 50 ms pattern repeated in noise) reach one neuron through
    stdp_nn_restr_synapse; simtime (ms) simulated.  Figures: the input spikes given to the
    simulator and the output spikes; ``post_spikes`` (ms, input time), which run.py scores
    with the example's ``metrics`` (hit rate, false alarms, latency).

    csnn runs examples/masquelier2008.py's ``simulate()``: the srm_psc_exp spike response
    model, exact (simulate() resets the kernel itself, with rng_seed SEED + 1 and one thread;
    build s is its time outside Simulate).  NEST has no such neuron: it runs the same input, plasticity rule and
    parrot relays into an iaf_psc_exp neuron on its 0.1 ms grid (nest_pattern_neuron), so
    its figures differ and its column compares cost only.
    """
    inp = shared.load_pattern_input(input_file)
    if sim.__name__ == "csnn":
        from csnn.stimuli import MasquelierInput
        example = shared.load_example()
        start = time.perf_counter()
        result = example.simulate(MasquelierInput(**inp), simtime, SEED)
        elapsed = time.perf_counter() - start
        times = {"build_s": elapsed - result["wall"], "simulate_s": result["wall"]}
        post_spikes = result["post_spikes"]
    else:
        times, post_spikes = nest_pattern(sim, inp, simtime)
    figures = {"output spikes": int(np.size(post_spikes)), "input spikes": int(np.count_nonzero(inp["times"] < simtime))}
    return dict(times, figures=figures, post_spikes=np.asarray(post_spikes, float).tolist())


def nest_pattern_neuron():
    """NEST's stand-in for srm_psc_exp: iaf_psc_exp with the SRM's time constants (tau_m 10 ms,
    tau_syn_ex 2.5 ms), E_L = V_m = 0, V_th = 500 mV, t_ref 1 ms, and

    * C_m = 1.575 pF, the peak response (mV per pA of current jump) of such a membrane, so
      that a weight-1 input evokes a postsynaptic potential peaking at 1 mV, as in the SRM;
    * V_reset = (K1 - K2) V_th = -1000 mV: a few tau_s after a spike the SRM's after-potential
      eta(s) is (K1 - K2) V_th exp(-s / tau_m), which a reset to that value followed by the
      membrane's decay reproduces.

    Unlike the SRM it leaves out eta's brief positive spike, keeps its synaptic currents
    through a spike (the SRM flushes its postsynaptic potentials), holds V_m at V_reset for
    t_ref, and spikes on NEST's 0.1 ms grid."""
    n = shared.PATTERN_NEURON
    tau_m, tau_s = n["tau_m"], n["tau_s"]
    t_peak = tau_m * tau_s * math.log(tau_m / tau_s) / (tau_m - tau_s)
    C_m = tau_m * tau_s / (tau_m - tau_s) * (math.exp(-t_peak / tau_m) - math.exp(-t_peak / tau_s))
    return {"tau_m": tau_m, "tau_syn_ex": tau_s, "C_m": C_m, "E_L": 0.0, "V_m": 0.0, "V_th": n["V_th"],
            "V_reset": (n["K1"] - n["K2"]) * n["V_th"], "t_ref": n["t_ref"], "tau_minus": n["tau_minus"]}


def nest_pattern(sim, inp, simtime):
    """stdp_pattern in NEST (see stdp_pattern): the wall times and the output spikes (ms,
    input time: minus the two relay delays)."""
    n_afferents, times, senders = inp["n_afferents"], inp["times"], inp["senders"]
    keep = times < simtime
    times, senders = times[keep], senders[keep]
    order = np.argsort(senders, kind="stable")     # stable: each train stays in time order
    trains = np.split(times[order], np.cumsum(np.bincount(senders, minlength=n_afferents))[:-1])
    start = time.perf_counter()
    # Off-grid times go to the end of their 0.1 ms step (allow_offgrid_times).
    generators = sim.Create("spike_generator", n_afferents,
                            params=[{"spike_times": t, "allow_offgrid_times": True} for t in trains])
    afferents = sim.Create("parrot_neuron", n_afferents)
    neuron = sim.Create("iaf_psc_exp", params=nest_pattern_neuron())
    sim.Connect(generators, afferents, "one_to_one", {"delay": shared.PATTERN_DELAY})
    sim.Connect(afferents, neuron, "all_to_all", dict(shared.PATTERN_STDP, delay=shared.PATTERN_DELAY))
    spikes = sim.Create("spike_recorder")
    sim.Connect(neuron, spikes)
    lag = 2 * shared.PATTERN_DELAY
    built = time.perf_counter()
    sim.Simulate(simtime + lag)
    simulated = time.perf_counter()
    post_spikes = np.asarray(spikes.get("events")["times"], float) - lag
    return {"build_s": built - start, "simulate_s": simulated - built}, post_spikes


SUITES = {"brunel_delta": brunel_delta, "brunel_alpha": brunel_alpha, "fi_lif": fi_lif, "hh": hh, "cuba": cuba, "memory": memory,
          "stdp_pattern": stdp_pattern, "scaling": scaling, "stdp_network": stdp_network}

#: simulator -> how this file runs it: "pynest" (the module of that name as ``sim``, through the
#: functions above), "brian2" (brian2_networks.run, in the mode brian2_networks.MODES names) or
#: "yardstick" (run_yardstick: a compiled C program of run.py's --yardsticks)
SIMULATORS = {"csnn": "pynest", "nest": "pynest", "brian2": "brian2", "brian2_standalone": "brian2",
              "brunel_grid": "yardstick", "brunel_ps": "yardstick"}


def run_pynest(sim_name, suite, params, threads):
    """One suite in csnn or NEST: a fresh kernel with SEED and ``threads``."""
    sim = importlib.import_module(sim_name)
    sim.verbosity = sim.VerbosityLevel.ERROR
    sim.ResetKernel()
    sim.SetKernelStatus({"rng_seed": SEED, "local_num_threads": threads})
    result = SUITES[suite](sim, **params)
    result["version"] = str(sim.__version__)
    return result


def run_yardstick(binary, suite, order, simtime):
    """brunel_delta in a yardstick, the C program ``binary`` (brunel_grid.c or brunel_ps.c
    compiled by run.py): its own build and simulate times, brunel_delta's figures from its
    output line (shared.yardstick_figures) and its peak memory (its process is this one's only
    child)."""
    if suite != "brunel_delta":
        sys.exit(f"networks.py: the yardsticks run brunel_delta only, not {suite!r}")
    command = [binary, str(order), repr(float(simtime)), str(SEED)]
    proc = subprocess.run(command, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"{' '.join(command)} failed (exit code {proc.returncode}):\n{proc.stderr[-4000:]}")
    output = json.loads(proc.stdout.splitlines()[-1])
    figures = shared.yardstick_figures(shared.brunel_parameters(order), simtime, output)
    return {"build_s": output["build_s"], "simulate_s": output["sim_s"], "figures": figures,
            "peak_rss_mb": peak_rss_mb(resource.RUSAGE_CHILDREN), "version": Path(binary).name}


def peak_rss_mb(who):
    """ru_maxrss (MB) of ``who`` (resource.RUSAGE_SELF or RUSAGE_CHILDREN: the largest child)."""
    scale = 1024 ** 2 if sys.platform == "darwin" else 1024      # ru_maxrss: bytes on macOS, else KiB
    return resource.getrusage(who).ru_maxrss / scale


def main():
    sim_name, suite, params = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    threads = params.pop("threads")
    if sim_name not in SIMULATORS or suite not in SUITES:
        sys.exit(f"networks.py: unknown simulator {sim_name!r} or suite {suite!r}; simulators: "
                 f"{', '.join(SIMULATORS)}; suites: {', '.join(SUITES)}")
    if SIMULATORS[sim_name] == "brian2":
        import brian2_networks
        result = brian2_networks.run(sim_name, suite, params, threads)
    elif SIMULATORS[sim_name] == "yardstick":
        result = run_yardstick(suite=suite, **params)
    else:
        result = run_pynest(sim_name, suite, params, threads)
    # A peer may report a larger peak of its own (Brian 2 standalone and the yardsticks: their
    # simulation binary).
    result["peak_rss_mb"] = max(peak_rss_mb(resource.RUSAGE_SELF), result.get("peak_rss_mb", 0.0))
    result["python"] = platform.python_version()
    if SIMULATORS[sim_name] == "pynest":
        # on several MPI processes: the largest process's peak, printed once
        sim = sys.modules[sim_name]
        result["peak_rss_mb"] = over_processes(sim, result["peak_rss_mb"], max)
        if sim.Rank() != 0:
            return
    print(json.dumps(result))


if __name__ == "__main__":
    main()
