"""The benchmark networks, written once against the PyNEST API that csnn and NEST share.

Each network function takes the simulator module ``sim`` (``csnn`` or ``nest``), builds and
simulates its network in a fresh kernel and returns the build and simulate wall times (s) and
``figures``: the output numbers that show both simulators did the same thing, keyed by the
column header run.py prints (memory: the measurements run.py turns into bytes per synapse).
``reference`` (optional) holds simulator-independent values of some figures (the analytic LIF
rate).

run.py runs this file once per measurement, in a fresh process:

    python networks.py SIMULATOR SUITE PARAMS_JSON

and reads the JSON result from the last line of stdout.
"""
import ctypes
import importlib
import json
import math
import platform
import resource
import sys
import time

import numpy as np

SEED = 12345


def brunel_delta(sim, order, simtime):
    """NEST's brunel_delta_nest example (Brunel 2000, random balanced network, delta synapses)."""
    NE, NI, N_rec = 4 * order, order, 50
    CE, CI = int(0.1 * NE), int(0.1 * NI)
    J, g, eta, delay, theta, tau_m = 0.1, 5.0, 2.0, 1.5, 20.0, 20.0
    p_rate = 1000.0 * eta * theta / (J * CE * tau_m) * CE
    neuron = {"C_m": 1.0, "tau_m": tau_m, "t_ref": 2.0, "E_L": 0.0, "V_reset": 0.0, "V_m": 0.0, "V_th": theta}

    start = time.perf_counter()
    nodes_ex = sim.Create("iaf_psc_delta", NE, params=neuron)
    nodes_in = sim.Create("iaf_psc_delta", NI, params=neuron)
    noise = sim.Create("poisson_generator", params={"rate": p_rate})
    espikes = sim.Create("spike_recorder", params={"record_to": "memory"})
    ispikes = sim.Create("spike_recorder", params={"record_to": "memory"})
    sim.CopyModel("static_synapse", "excitatory", {"weight": J, "delay": delay})
    sim.CopyModel("static_synapse", "inhibitory", {"weight": -g * J, "delay": delay})
    sim.Connect(noise, nodes_ex, syn_spec="excitatory")
    sim.Connect(noise, nodes_in, syn_spec="excitatory")
    sim.Connect(nodes_ex[:N_rec], espikes, syn_spec="excitatory")
    sim.Connect(nodes_in[:N_rec], ispikes, syn_spec="excitatory")
    sim.Connect(nodes_ex, nodes_ex + nodes_in, {"rule": "fixed_indegree", "indegree": CE}, "excitatory")
    sim.Connect(nodes_in, nodes_ex + nodes_in, {"rule": "fixed_indegree", "indegree": CI}, "inhibitory")
    built = time.perf_counter()
    sim.Simulate(simtime)
    simulated = time.perf_counter()

    events_ex, events_in = espikes.get("n_events"), ispikes.get("n_events")
    # Every neuron has CE + CI inputs, so its mean out-degree is CE + CI too: each spike is
    # delivered CE + CI times on average.  local_spike_counter counts the spikes of all neurons.
    spikes = sim.GetKernelStatus("local_spike_counter")
    return {
        "build_s": built - start,
        "simulate_s": simulated - built,
        "figures": {
            "rate E Hz": events_ex / N_rec / simtime * 1000.0,
            "rate I Hz": events_in / N_rec / simtime * 1000.0,
            "synapses": sim.GetKernelStatus("num_connections"),
            "recorded spikes": events_ex + events_in,
            "syn. events/s": spikes * (CE + CI) / (simulated - built),
        },
    }


def fi_lif(sim, n, simtime, probes=(300.0, 400.0, 600.0, 1000.0)):
    """f-I curve: n iaf_psc_delta neurons (NEST defaults), I_e from 0 to 1000 pA, one recorder."""
    I_e = np.linspace(0.0, 1000.0, n)

    start = time.perf_counter()
    neurons = sim.Create("iaf_psc_delta", n, params={"I_e": I_e})
    recorder = sim.Create("spike_recorder")
    sim.Connect(neurons, recorder)
    built = time.perf_counter()
    sim.Simulate(simtime)
    simulated = time.perf_counter()

    senders = np.asarray(recorder.get("events")["senders"])
    rates = np.bincount(senders, minlength=max(neurons.tolist()) + 1)[neurons.tolist()] / simtime * 1000.0
    figures = {"mean rate Hz": float(rates.mean()), "spikes": int(senders.size)}
    reference = {}
    p = sim.GetDefaults("iaf_psc_delta")
    for current in probes:
        k = int(np.argmin(np.abs(I_e - current)))     # the neuron whose I_e is nearest
        key = f"rate Hz @ {I_e[k]:.1f} pA"
        figures[key] = float(rates[k])
        reference[key] = lif_rate(I_e[k], p["tau_m"], p["C_m"], p["t_ref"], p["E_L"], p["V_th"], p["V_reset"])
    return {"build_s": built - start, "simulate_s": simulated - built, "figures": figures, "reference": reference}


def lif_rate(I_e, tau_m, C_m, t_ref, E_L, V_th, V_reset):
    """Firing rate (Hz) of a LIF neuron driven by the constant current I_e; 0 below rheobase."""
    V_inf = E_L + I_e * tau_m / C_m
    if V_inf <= V_th:
        return 0.0
    return 1000.0 / (t_ref + tau_m * math.log((V_inf - V_reset) / (V_inf - V_th)))


def memory(sim, synapse, n, indegree, simtime):
    """Memory of synapses: n iaf_psc_alpha neurons connected to each other with fixed_indegree
    by ``synapse`` (static_synapse, stdp_synapse or "none": no Connect), then a short Simulate,
    in which NEST builds its connection infrastructure and csnn merges its tables.

    The figures are the growth of the process's resident anonymous memory from before Connect
    to after Simulate, the same growth once malloc_trim has handed free heap back to the
    system, and, for csnn only, the exact size of its synapse tables (read from its kernel).
    No neuron spikes, so this is the memory of the stored synapses alone.
    """
    neurons = sim.Create("iaf_psc_alpha", n)
    before = anonymous_rss()
    start = time.perf_counter()
    if synapse != "none":
        syn_spec = {"synapse_model": synapse, "weight": 1.0, "delay": 1.0}
        if synapse == "stdp_synapse":
            syn_spec["tau_plus"] = 16.8
        sim.Connect(neurons, neurons, {"rule": "fixed_indegree", "indegree": indegree}, syn_spec)
    built = time.perf_counter()
    sim.Simulate(simtime)
    simulated = time.perf_counter()
    grown = anonymous_rss() - before
    ctypes.CDLL(None).malloc_trim(0)     # glibc: return the free heap to the system
    figures = {"synapses": sim.GetKernelStatus("num_connections"), "rss growth bytes": grown,
               "trimmed growth bytes": anonymous_rss() - before, "build s": simulated - start}
    if sim.__name__ == "csnn":
        engine = sim.kernel.current().engine
        figures["table bytes"] = sum(column.nbytes for table in (engine.static, engine.plastic)
                                     for column in (table.offsets, *table.columns.values()))
    return {"build_s": built - start, "simulate_s": simulated - built, "figures": figures}


def anonymous_rss():
    """The process's resident anonymous memory (bytes): RssAnon in /proc/self/status (Linux).

    Heap and private mappings only: VmRSS also counts the pages of shared libraries, which come
    in as their code first runs, and ru_maxrss is a peak, not the present size."""
    with open("/proc/self/status") as status:
        fields = dict(line.split(":", 1) for line in status)
    return int(fields["RssAnon"].split()[0]) * 1024      # kB


SUITES = {"brunel_delta": brunel_delta, "fi_lif": fi_lif, "memory": memory}


def main():
    sim_name, suite, params = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    threads = params.pop("threads")
    sim = importlib.import_module(sim_name)
    sim.verbosity = sim.VerbosityLevel.ERROR
    sim.ResetKernel()
    sim.SetKernelStatus({"rng_seed": SEED, "local_num_threads": threads})
    result = SUITES[suite](sim, **params)
    scale = 1024 ** 2 if sys.platform == "darwin" else 1024      # ru_maxrss: bytes on macOS, else KiB
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / scale
    result["version"] = str(sim.__version__)
    result["python"] = platform.python_version()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
