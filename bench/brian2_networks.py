"""The benchmark networks in Brian 2: the same networks as networks.py, in Brian's API.

Brian 2 does not offer the PyNEST API, so every suite is written again here, from the same
parameters, inputs and figure formulas (``shared.py``), with the same seed (``SEED``) and
NEST's time step of 0.1 ms unless a suite says otherwise.  Units: ms, mV, pA, pF, nS, Hz.

networks.py calls :func:`run` for the simulators

* ``brian2``: Brian's runtime mode with the Cython code generation target.  Compiled Cython
  modules are cached on disk (``~/.cython/brian_extensions``), so only a run in a fresh cache
  compiles them.
* ``brian2_standalone``: the ``cpp_standalone`` device: Brian writes a C++ project into a
  temporary directory (removed afterwards), compiles it and runs the binary.

Times reported, in both modes (s):

* ``build_s``: creating the Brian objects in Python, plus, in standalone mode, the binary's
  time outside the simulation loop (it creates the synapses and writes the results there).
* ``compile_s``: runtime: what ``Network.run`` spends before its loop (code generation,
  compiling or loading the Cython modules); standalone: ``device.build`` (code generation
  and C++ compilation).
* ``simulate_s``: the time of the simulation loop as Brian reports it
  (``device._last_run_time``; standalone: measured by the binary itself), comparable to
  csnn's and NEST's ``Simulate``.

In standalone mode ``peak_rss_mb`` is that of the simulation binary when it exceeds the
Python process's (the compiler is not counted).
"""
import math
import os
import sys
import tempfile
import time

import brian2 as b2
import numpy as np
from brian2 import Hz, mV, ms, pA, pF, nS

import shared
from shared import SEED

MODES = {"brian2": "runtime", "brian2_standalone": "cpp_standalone"}

# Runs the standalone binary (its command line follows the file name) and writes the largest
# resident set size of its children, the binary, to the file (KiB on Linux).
PEAK_RSS_WRAPPER = ("import resource, subprocess, sys\n"
                    "code = subprocess.call(sys.argv[2:])\n"
                    "with open(sys.argv[1], 'w') as f:\n"
                    "    f.write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))\n"
                    "sys.exit(code)\n")


class NotApplicable(Exception):
    """A suite that a Brian 2 mode cannot measure as the others do."""


class Session:
    """One network in one Brian 2 mode: device, seed, and the timing of build, compile and run.

    A suite calls :meth:`start` before creating its first object and :meth:`run` to simulate;
    after run the monitors hold the results in both modes."""

    def __init__(self, simulator, threads, directory):
        self.mode = MODES[simulator]
        self.directory = directory
        b2.prefs.logging.file_log = False
        if self.mode == "cpp_standalone":
            b2.set_device("cpp_standalone", directory=directory, build_on_run=False)
            if threads > 1:
                b2.prefs.devices.cpp_standalone.openmp_threads = threads
            self.rss_file = os.path.join(directory, "binary_peak_rss_kib")
            b2.prefs.devices.cpp_standalone.run_cmd_unix = [sys.executable, "-c", PEAK_RSS_WRAPPER,
                                                            self.rss_file, "./main"]
        else:
            b2.prefs.codegen.target = "cython"     # one thread: runtime mode does not use more
        b2.seed(SEED)
        self.started = None

    def start(self):
        self.started = time.perf_counter()

    def run(self, objects, simtime, namespace, dt=0.1):
        """Simulate the Brian objects ``objects`` for simtime (ms) with time step dt (ms);
        ``namespace``: the constants their equations name.  Returns the times (s) and, in
        standalone mode, the binary's peak RSS (MB)."""
        b2.defaultclock.dt = dt * ms
        net = b2.Network(*objects)
        built = time.perf_counter()
        build = built - self.started
        if self.mode == "runtime":
            net.run(simtime * ms, namespace=namespace)
            simulate = b2.device._last_run_time
            return {"build_s": build, "compile_s": time.perf_counter() - built - simulate, "simulate_s": simulate}
        net.run(simtime * ms, namespace=namespace)         # records the run into the project
        start = time.perf_counter()
        b2.device.build(directory=self.directory, compile=True, run=False, with_output=False)
        compiled = time.perf_counter()
        b2.device.run(directory=self.directory, with_output=False)
        binary = time.perf_counter() - compiled
        simulate = b2.device._last_run_time
        with open(self.rss_file) as f:
            peak = int(f.read()) / 1024
        return {"build_s": build + binary - simulate, "compile_s": compiled - start, "simulate_s": simulate,
                "peak_rss_mb": peak}


#: the effect of a delta synapse of weight {w} on an iaf_psc_delta neuron: input arriving
#: during refractoriness is discarded, as in NEST
DELTA_SYNAPSE = "v_post += {w} * int(not_refractory_post)"


def ei_synapses(neurons, p, effect=DELTA_SYNAPSE):
    """The recurrent synapses of a random E/I network (``neurons``: NE excitatory, then NI
    inhibitory; p: shared.brunel_parameters, brunel_alpha_parameters or scaling_parameters):
    ``effect`` with {w} the weight, J for the excitatory and -g J for the inhibitory ones (J
    and g named in the namespace), delay, fixed in-degrees CE and CI drawn as NEST's
    fixed_indegree does (shared.fixed_indegree).  Returns the two Synapses and their number
    of synapses."""
    NE, NI = p["NE"], p["NI"]
    excitatory = b2.Synapses(neurons[:NE], neurons, on_pre=effect.format(w="J"), delay=p["delay"] * ms)
    inhibitory = b2.Synapses(neurons[NE:], neurons, on_pre=effect.format(w="-g * J"), delay=p["delay"] * ms)
    synapses, rng = 0, np.random.default_rng(SEED)
    for group, n_pre, indegree in ((excitatory, NE, p["CE"]), (inhibitory, NI, p["CI"])):
        sources, targets = shared.fixed_indegree(rng, n_pre, NE + NI, indegree)
        group.connect(i=sources, j=targets)
        synapses += sources.size
    return excitatory, inhibitory, synapses


def brunel_neurons(p):
    """The neurons of brunel_delta and stdp_network (p: shared.brunel_parameters):
    iaf_psc_delta's dv/dt = (E_L - v) / tau_m, v >= V_th fires, v is reset to V_reset and held
    there for t_ref, and their Poisson drive: a PoissonInput per neuron, CE inputs at
    p_rate / CE Hz each, weight J, discarded during refractoriness as NEST's iaf_psc_delta
    discards input.  Returns the group, the drive and the namespace of both (with J and g)."""
    n = p["neuron"]
    namespace = {"tau_m": n["tau_m"] * ms, "E_L": n["E_L"] * mV, "V_th": n["V_th"] * mV,
                 "V_reset": n["V_reset"] * mV, "J": p["J"] * mV, "g": p["g"]}
    neurons = b2.NeuronGroup(p["NE"] + p["NI"], "dv/dt = (E_L - v) / tau_m : volt (unless refractory)",
                             threshold="v >= V_th", reset="v = V_reset", refractory=n["t_ref"] * ms,
                             method="exact")
    neurons.v = n["V_m"] * mV
    drive = b2.PoissonInput(neurons, "v", N=p["CE"], rate=p["p_rate"] / p["CE"] * Hz,
                            weight="J * int(not_refractory)")
    return neurons, drive, namespace


def brunel_delta(session, order, simtime):
    """brunel_delta (networks.brunel_delta) in Brian 2.

    iaf_psc_delta: dv/dt = (E_L - v) / tau_m (E_L = 0), v >= V_th = 20 mV fires, v is reset to
    0 and held there for t_ref = 2 ms.  Delta synapses ``v_post += J`` (J = 0.1 mV, -g J
    inhibitory), delay 1.5 ms, fixed in-degrees drawn as NEST's fixed_indegree does
    (shared.fixed_indegree).  Drive: a PoissonInput per neuron, CE inputs at p_rate / CE Hz
    each, weight J.  As in NEST's iaf_psc_delta, inputs that arrive during refractoriness
    are discarded (``* int(not_refractory)``).  simtime in ms."""
    p = shared.brunel_parameters(order)
    session.start()
    neurons, drive, namespace = brunel_neurons(p)
    return brunel(session, p, neurons, drive, namespace, DELTA_SYNAPSE, simtime)


def brunel_alpha(session, order, simtime):
    """brunel_alpha (networks.brunel_alpha) in Brian 2: brunel_delta's network in iaf_psc_alpha
    neurons (shared.brunel_alpha_parameters; NEST's iaf_psc_alpha written out):

        dv/dt = (E_L - v) / tau_m + I / C_m  (unless refractory),
        dI/dt = y - I / tau_syn,   dy/dt = -y / tau_syn,

    a spike of weight w (pA) adding w e / tau_syn to y, so that I = w (t / tau_syn)
    e^{1 - t / tau_syn} peaks at w; v >= V_th fires, v is reset to V_reset and held for t_ref
    while the currents go on and take input (as in NEST).  Synapses and drive as in
    brunel_delta with J = 20.68 pA (a PSP peak of 0.1 mV) on y; simtime in ms."""
    p = shared.brunel_alpha_parameters(order)
    n = p["neuron"]
    namespace = {"tau_m": n["tau_m"] * ms, "C_m": n["C_m"] * pF, "tau_syn": p["tau_syn"] * ms,
                 "E_L": n["E_L"] * mV, "V_th": n["V_th"] * mV, "V_reset": n["V_reset"] * mV,
                 "J": p["J"] * pA * math.e / (p["tau_syn"] * ms), "g": p["g"]}
    session.start()
    neurons = b2.NeuronGroup(p["NE"] + p["NI"], """dv/dt = (E_L - v) / tau_m + I / C_m : volt (unless refractory)
                                                   dI/dt = y - I / tau_syn : amp
                                                   dy/dt = -y / tau_syn : amp / second""",
                             threshold="v >= V_th", reset="v = V_reset", refractory=n["t_ref"] * ms,
                             method="exact")
    neurons.v = n["V_m"] * mV
    drive = b2.PoissonInput(neurons, "y", N=p["CE"], rate=p["p_rate"] / p["CE"] * Hz, weight="J")
    return brunel(session, p, neurons, drive, namespace, "y_post += {w}", simtime)


def brunel(session, p, neurons, drive, namespace, effect, simtime):
    """The random balanced network of the brunel suites (p: their parameters) from its neurons
    and drive: the recurrent synapses (ei_synapses with ``effect``), spike monitors on N_rec
    neurons of each population and a counter of all spikes; simtime (ms) simulated."""
    NE, N_rec = p["NE"], p["N_rec"]
    excitatory, inhibitory, synapses = ei_synapses(neurons, p, effect)
    espikes = b2.SpikeMonitor(neurons[:N_rec])
    ispikes = b2.SpikeMonitor(neurons[NE:NE + N_rec])
    counter = b2.SpikeMonitor(neurons, record=False)      # counts every neuron's spikes
    times = session.run([neurons, excitatory, inhibitory, drive, espikes, ispikes, counter], simtime, namespace)
    # counted as NEST counts them: one drive connection per neuron, one per recorded neuron
    synapses += NE + p["NI"] + 2 * N_rec
    figures = shared.brunel_figures(p, simtime, espikes.num_spikes, ispikes.num_spikes, synapses,
                                    counter.num_spikes)
    return dict(times, figures=figures)


def stdp_network(session, order, simtime):
    """stdp_network (networks.stdp_network) in Brian 2: brunel_delta's neurons and drive
    (brunel_neurons), its static synapses from the inhibitory neurons to all and from the
    excitatory to the inhibitory ones, and NEST's stdp_synapse from the excitatory neurons to
    each other (shared.stdp_network_parameters; mu_plus = mu_minus = 1):

    * the "plasticity" pathway, at the presynaptic spike, without delay: depression
      w -= alpha lambda w Kminus (clipped at 0), then Kplus += 1;
    * the "transmission" pathway, after the delay d: v_post += w (not during refractoriness);
    * the postsynaptic pathway, after the same delay d (NEST's whole delay is dendritic: a
      postsynaptic spike reaches the synapse d later): facilitation w += lambda (Wmax - w)
      Kplus (clipped at Wmax), then Kminus += 1.

    Kplus and Kminus are per-synapse event-driven traces, as Brian stores them.  Fixed
    in-degrees drawn by shared.fixed_indegree; simtime in ms."""
    p = shared.stdp_network_parameters(order)
    NE, NI, N_rec, s = p["NE"], p["NI"], p["N_rec"], p["stdp"]
    session.start()
    neurons, drive, namespace = brunel_neurons(p)
    namespace.update({"tau_plus": s["tau_plus"] * ms, "tau_minus": p["tau_minus"] * ms, "lambda_": s["lambda"],
                      "alpha": s["alpha"], "Wmax": s["Wmax"] * mV})
    delay = p["delay"] * ms
    plastic = b2.Synapses(neurons[:NE], neurons[:NE], """w : volt
                          dKplus/dt = -Kplus / tau_plus : 1 (event-driven)
                          dKminus/dt = -Kminus / tau_minus : 1 (event-driven)""",
                          on_pre={"plasticity": """w = clip(w - alpha * lambda_ * w * Kminus, 0 * mV, Wmax)
                                                   Kplus += 1""",
                                  "transmission": "v_post += w * int(not_refractory_post)"},
                          on_post="""w = clip(w + lambda_ * (Wmax - w) * Kplus, 0 * mV, Wmax)
                                     Kminus += 1""",
                          delay={"plasticity": 0 * ms, "transmission": delay, "post": delay})
    to_inhibitory = b2.Synapses(neurons[:NE], neurons[NE:], on_pre="v_post += J * int(not_refractory_post)",
                                delay=delay)
    inhibitory = b2.Synapses(neurons[NE:], neurons, on_pre="v_post += -g * J * int(not_refractory_post)",
                             delay=delay)
    rng = np.random.default_rng(SEED)
    for group, n_pre, n_post, indegree in ((plastic, NE, NE, p["CE"]), (to_inhibitory, NE, NI, p["CE"]),
                                           (inhibitory, NI, NE + NI, p["CI"])):
        sources, targets = shared.fixed_indegree(rng, n_pre, n_post, indegree)
        group.connect(i=sources, j=targets)
    plastic.w = p["J"] * mV
    espikes = b2.SpikeMonitor(neurons[:NE], record=False)
    ispikes = b2.SpikeMonitor(neurons[NE:NE + N_rec], record=False)
    counter = b2.SpikeMonitor(neurons, record=False)
    times = session.run([neurons, drive, plastic, to_inhibitory, inhibitory, espikes, ispikes, counter],
                        simtime, namespace)
    # counted as NEST counts them: one drive connection per neuron, one per recorded neuron
    synapses = len(plastic) + len(to_inhibitory) + len(inhibitory) + NE + NI + NE + N_rec
    figures = shared.stdp_network_figures(p, simtime, espikes.num_spikes, ispikes.num_spikes, synapses,
                                          plastic.w[:][plastic.i[:] < N_rec] / mV, counter.num_spikes,
                                          times["simulate_s"])
    return dict(times, figures=figures)


def fi_lif(session, n, simtime):
    """fi_lif (networks.fi_lif) in Brian 2: n LIF neurons with iaf_psc_delta's NEST defaults,
    dv/dt = (E_L - v) / tau_m + I_e / C_m, I_e from 0 to 1000 pA; simtime in ms."""
    p = shared.IAF_PSC_DELTA
    namespace = {"tau_m": p["tau_m"] * ms, "C_m": p["C_m"] * pF, "E_L": p["E_L"] * mV, "V_th": p["V_th"] * mV,
                 "V_reset": p["V_reset"] * mV}
    I_e = np.linspace(0.0, 1000.0, n)
    session.start()
    neurons = b2.NeuronGroup(n, """dv/dt = (E_L - v) / tau_m + I_e / C_m : volt (unless refractory)
                                   I_e : amp (constant)""",
                             threshold="v >= V_th", reset="v = V_reset", refractory=p["t_ref"] * ms,
                             method="exact")
    neurons.v = p["V_m"] * mV
    neurons.I_e = I_e * pA
    spikes = b2.SpikeMonitor(neurons)
    times = session.run([neurons, spikes], simtime, namespace)
    return dict(times, figures=shared.fi_figures(I_e, spikes.count[:], simtime, shared.FI_LIF_PROBES))


HH_EQUATIONS = """
dv/dt = (I_e - g_Na * m**3 * h * (v - E_Na) - g_K * n**4 * (v - E_K) - g_L * (v - E_L)) / C_m : volt
dm/dt = alpha_m * (1 - m) - beta_m * m : 1
dh/dt = alpha_h * (1 - h) - beta_h * h : 1
dn/dt = alpha_n * (1 - n) - beta_n * n : 1
alpha_m = 1 / exprel(-(v / mV + 40) / 10) / ms : Hz
beta_m = 4 * exp(-(v / mV + 65) / 18) / ms : Hz
alpha_h = 0.07 * exp(-(v / mV + 65) / 20) / ms : Hz
beta_h = 1 / (1 + exp(-(v / mV + 35) / 10)) / ms : Hz
alpha_n = 0.1 / exprel(-(v / mV + 55) / 10) / ms : Hz
beta_n = 0.125 * exp(-(v / mV + 65) / 80) / ms : Hz
I_e : amp (constant)
"""


def hh(session, n, simtime):
    """hh (networks.hh) in Brian 2: hh_psc_alpha's equations (NEST's defaults, shared.HH_PSC_ALPHA;
    alpha_m = 0.1 (V + 40) / (1 - exp(-(V + 40) / 10)) written as 1 / exprel(-(V + 40) / 10),
    alpha_n likewise, finite at their removable singularities), integrated by classic
    Runge-Kutta (rk4) with dt = 0.01 ms as csnn does (NEST: adaptive RKF45), V from -65 mV with
    the gates at their steady state there.  A spike is counted
    when v rises above 0 mV, and no other until it has fallen below again (NEST counts one at
    the peak above 0 mV, then pauses detection for t_ref = 2 ms: the same count).  I_e from
    0 to 1000 pA; simtime in ms."""
    p = shared.HH_PSC_ALPHA
    namespace = {"g_Na": p["g_Na"] * nS, "g_K": p["g_K"] * nS, "g_L": p["g_L"] * nS, "C_m": p["C_m"] * pF,
                 "E_Na": p["E_Na"] * mV, "E_K": p["E_K"] * mV, "E_L": p["E_L"] * mV}
    I_e = np.linspace(0.0, 1000.0, n)
    gates = shared.hh_gates(p["V_m"])
    session.start()
    neurons = b2.NeuronGroup(n, HH_EQUATIONS, threshold="v > 0*mV", refractory="v > 0*mV",
                             method="rk4")
    neurons.v = p["V_m"] * mV
    neurons.m, neurons.h, neurons.n = gates["Act_m"], gates["Inact_h"], gates["Act_n"]
    neurons.I_e = I_e * pA
    spikes = b2.SpikeMonitor(neurons)
    times = session.run([neurons, spikes], simtime, namespace, dt=0.01)
    return dict(times, figures=shared.fi_figures(I_e, spikes.count[:], simtime, shared.HH_PROBES))


def cuba(session, simtime):
    """cuba (networks.cuba) in Brian 2, as Brian's CUBA example writes it (shared.cuba_parameters):
    tau_m dv/dt = ge + gi - (v - E_L) (unless refractory), ge and gi decaying with 5 and
    10 ms, a spike adding 1.62 mV to ge or -9 mV to gi of its targets after 0.1 ms,
    ``connect(p=0.02)`` from each population to all 4000 neurons, the same initial v as the
    PyNEST versions; simtime in ms."""
    p = shared.cuba_parameters()
    n = p["neuron"]
    namespace = {"tau_m": n["tau_m"] * ms, "tau_e": n["tau_syn_ex"] * ms, "tau_i": n["tau_syn_in"] * ms,
                 "E_L": n["E_L"] * mV, "V_th": n["V_th"] * mV, "V_reset": n["V_reset"] * mV,
                 "we": p["we_mV"] * mV, "wi": p["wi_mV"] * mV}
    session.start()
    neurons = b2.NeuronGroup(p["N"], """dv/dt = (ge + gi - (v - E_L)) / tau_m : volt (unless refractory)
                                        dge/dt = -ge / tau_e : volt
                                        dgi/dt = -gi / tau_i : volt""",
                             threshold="v > V_th", reset="v = V_reset", refractory=n["t_ref"] * ms,
                             method="exact")
    neurons.v = shared.cuba_initial_v(p) * mV
    excitatory = b2.Synapses(neurons[:p["NE"]], neurons, on_pre="ge_post += we", delay=p["delay"] * ms)
    inhibitory = b2.Synapses(neurons[p["NE"]:], neurons, on_pre="gi_post += wi", delay=p["delay"] * ms)
    excitatory.connect(p=p["p"])
    inhibitory.connect(p=p["p"])
    spikes = b2.SpikeMonitor(neurons)
    times = session.run([neurons, excitatory, inhibitory, spikes], simtime, namespace)
    synapses = len(excitatory) + len(inhibitory)
    return dict(times, figures=shared.cuba_figures(p, simtime, spikes.count[:], synapses))


def scaling(session, n, rate, simtime):
    """scaling (networks.scaling) in Brian 2: n LIF neurons with iaf_psc_delta's NEST defaults,
    dv/dt = (E_L - v) / tau_m + I_e / C_m (unless refractory), threshold v >= V_th, reset to
    V_reset, t_ref 2 ms, the drives and initial v of shared.scaling_drive and
    shared.scaling_initial_v, the recurrent delta synapses of ei_synapses (J = 0.1 mV, g = 5,
    delay 1.5 ms, in-degrees 80 + 20); simtime in ms."""
    p = shared.scaling_parameters(n, rate)
    q = p["neuron"]
    namespace = {"tau_m": q["tau_m"] * ms, "C_m": q["C_m"] * pF, "E_L": q["E_L"] * mV, "V_th": q["V_th"] * mV,
                 "V_reset": q["V_reset"] * mV, "J": p["J"] * mV, "g": p["g"]}
    session.start()
    neurons = b2.NeuronGroup(n, """dv/dt = (E_L - v) / tau_m + I_e / C_m : volt (unless refractory)
                                   I_e : amp (constant)""",
                             threshold="v >= V_th", reset="v = V_reset", refractory=q["t_ref"] * ms,
                             method="exact")
    neurons.v = shared.scaling_initial_v(p) * mV
    neurons.I_e = shared.scaling_drive(p) * pA
    excitatory, inhibitory, synapses = ei_synapses(neurons, p)
    counter = b2.SpikeMonitor(neurons, record=False)      # counts every neuron's spikes
    times = session.run([neurons, excitatory, inhibitory, counter], simtime, namespace)
    return dict(times, figures=shared.scaling_figures(p, simtime, int(counter.num_spikes), synapses,
                                                      times["simulate_s"]))


def memory(session, synapse, n, indegree, simtime):
    """memory (networks.memory) in Brian 2's runtime mode: n neurons with iaf_psc_alpha's
    equations and NEST defaults (alpha currents: dI/dt = y - I / tau_syn, dy/dt = -y / tau_syn,
    a spike of weight w pA adding w e / tau_syn to y), connected by fixed in-degree
    (shared.fixed_indegree) through ``synapse``: static_synapse (a weight w per synapse,
    delay 1 ms), stdp_synapse (NEST's rule with its defaults and tau_plus 16.8 ms: w and the
    traces Kplus, Kminus per synapse, as Brian stores them, and the time of their last update)
    or "none"; then simtime (ms) simulated.  Every per-synapse variable is written once after
    connecting (w = 1, traces 0): numpy's zero-filled arrays would otherwise stay out of
    resident memory until spikes touch them.  Figures: shared.memory_figures (growth of
    resident anonymous memory from before connecting to after the run).  Standalone mode builds and frees the network
    inside its binary, so it cannot be measured this way."""
    if session.mode != "runtime":
        raise NotApplicable("memory: Brian 2 standalone builds its network inside the compiled binary; "
                            "its resident memory cannot be measured before and after connecting")
    p, s = shared.IAF_PSC_ALPHA, shared.STDP_SYNAPSE
    namespace = {"tau_m": p["tau_m"] * ms, "C_m": p["C_m"] * pF, "E_L": p["E_L"] * mV, "V_th": p["V_th"] * mV,
                 "V_reset": p["V_reset"] * mV, "I_e": p["I_e"] * pA, "tau_syn": p["tau_syn_ex"] * ms,
                 "tau_plus": s["tau_plus"] * ms, "tau_minus": s["tau_minus"] * ms, "lambda_": s["lambda"],
                 "alpha": s["alpha"], "Wmax": s["Wmax"]}
    session.start()
    neurons = b2.NeuronGroup(n, """dv/dt = (E_L - v) / tau_m + (I + I_e) / C_m : volt (unless refractory)
                                   dI/dt = y - I / tau_syn : amp
                                   dy/dt = -y / tau_syn : amp / second""",
                             threshold="v >= V_th", reset="v = V_reset", refractory=p["t_ref"] * ms,
                             method="exact")
    neurons.v = p["V_m"] * mV
    objects = [neurons]
    before = shared.anonymous_rss()
    start = time.perf_counter()
    if synapse != "none":
        on_pre = "y_post += w * pA * exp(1) / tau_syn"
        if synapse == "static_synapse":
            group = b2.Synapses(neurons, neurons, "w : 1", on_pre=on_pre, delay=1 * ms)
        elif synapse == "stdp_synapse":     # NEST's stdp_synapse with mu_plus = mu_minus = 1
            group = b2.Synapses(neurons, neurons, """w : 1
                                    dKplus/dt = -Kplus / tau_plus : 1 (event-driven)
                                    dKminus/dt = -Kminus / tau_minus : 1 (event-driven)""",
                                on_pre=f"""w = clip(w - alpha * lambda_ * w * Kminus, 0, Wmax)
                                           Kplus += 1
                                           {on_pre}""",
                                on_post="""w = clip(w + lambda_ * (Wmax - w) * Kplus, 0, Wmax)
                                           Kminus += 1""", delay=1 * ms)
        else:
            raise ValueError(f"memory: unknown synapse {synapse!r}")
        sources, targets = shared.fixed_indegree(np.random.default_rng(SEED), n, n, indegree)
        group.connect(i=sources, j=targets)
        del sources, targets
        # Write every per-synapse variable once, as spikes would: numpy's zero-filled arrays
        # take resident memory only where written.
        group.w = 1.0
        if synapse == "stdp_synapse":
            group.Kplus, group.Kminus, group.lastupdate = 0.0, 0.0, 0 * ms
        objects.append(group)
    times = session.run(objects, simtime, namespace)
    figures = shared.memory_figures(before, len(objects[1]) if synapse != "none" else 0,
                                    time.perf_counter() - start)
    return dict(times, figures=figures)


def stdp_pattern(session, simtime, input_file):
    """stdp_pattern (networks.stdp_pattern) in Brian 2, as the replication of Hathway & Goodman
    (2018, ReScience 4(1), code/run_simulation.py) writes the experiment, with dt = 0.1 ms as
    there.

    Neuron: the SRM of srm_psc_exp (shared.PATTERN_NEURON) as three linear equations,

        du/dt = (X x - u) / tau_m + A a / tau_s,   dx/dt = -x / tau_s,   da/dt = -a / tau_s,

    an input of weight w adding w to x; X = (tau_s / tau_m)^(tau_m / (tau_s - tau_m)) makes the
    postsynaptic potential peak at w; a spike (u > V_th) sets u = K1 V_th, flushes x and sets
    a = 1, with A = -K2 V_th (tau_m - tau_s) / tau_m, so that the after-potential is the SRM's
    eta.  t_ref = 1 ms only blocks spikes (u evolves and takes input).  Plasticity: the
    replication's restricted nearest-neighbour rule (its default "RNN"), stdp_nn_restr_synapse
    with shared.PATTERN_STDP: a pre spike sets the pre trace to lambda and consumes the
    post trace (depression), a post spike sets the post trace to -alpha lambda and consumes the
    pre trace (facilitation), weights clipped to [0, Wmax], initial 0.475.  Unlike the
    replication, a pre spike's depression applies before it reaches the neuron (as in NEST's
    synapses).

    Input: the file's spikes through a SpikeGeneratorGroup straight to the synapses (no relay,
    no delay).  Brian puts each spike in its 0.1 ms time step and allows one spike per
    afferent and step: later spikes of an afferent in the same step are dropped (as the
    replication's remove_close_spikes does); "input spikes" counts those delivered.  simtime in
    ms; ``post_spikes`` in ms.
    """
    n, s = shared.PATTERN_NEURON, shared.PATTERN_STDP
    tau_m, tau_s, V_th = n["tau_m"], n["tau_s"], n["V_th"]
    namespace = {"tau_m": tau_m * ms, "tau_s": tau_s * ms, "V_th": V_th, "K1": n["K1"],
                 "X": (tau_s / tau_m) ** (tau_m / (tau_s - tau_m)), "A": -n["K2"] * V_th * (tau_m - tau_s) / tau_m,
                 "tau_plus": s["tau_plus"] * ms, "tau_minus": n["tau_minus"] * ms, "a_plus": s["lambda"],
                 "a_minus": s["alpha"] * s["lambda"], "w_max": s["Wmax"]}
    dt = 0.1
    inp = shared.load_pattern_input(input_file)
    keep = inp["times"] < simtime
    steps = ((inp["times"][keep] + 1e-3 * dt) / dt).astype(np.int64)     # Brian's binning
    senders = inp["senders"][keep]
    order = np.lexsort((senders, steps))
    steps, senders = steps[order], senders[order]
    first = np.ones(steps.size, bool)
    first[1:] = (np.diff(steps) != 0) | (np.diff(senders) != 0)
    steps, senders = steps[first], senders[first]
    session.start()
    afferents = b2.SpikeGeneratorGroup(inp["n_afferents"], senders, steps * dt * ms, sorted=True)
    neuron = b2.NeuronGroup(1, """du/dt = (X * x - u) / tau_m + A * a / tau_s : 1
                                  dx/dt = -x / tau_s : 1
                                  da/dt = -a / tau_s : 1""",
                            threshold="u > V_th", reset="u = K1 * V_th; x = 0; a = 1",
                            refractory=n["t_ref"] * ms, method="exact")
    synapses = b2.Synapses(afferents, neuron, """w : 1
                                  dpre_trace/dt = -pre_trace / tau_plus : 1 (event-driven)
                                  dpost_trace/dt = -post_trace / tau_minus : 1 (event-driven)""",
                           on_pre="""w = clip(w + post_trace, 0, w_max)
                                     post_trace = 0
                                     pre_trace = a_plus
                                     x_post += w""",
                           on_post="""w = clip(w + pre_trace, 0, w_max)
                                      pre_trace = 0
                                      post_trace = -a_minus""")
    synapses.connect()
    synapses.w = s["weight"]
    spikes = b2.SpikeMonitor(neuron)
    times = session.run([afferents, neuron, synapses, spikes], simtime, namespace, dt=dt)
    post_spikes = np.asarray(spikes.t / ms, float)
    figures = {"output spikes": int(post_spikes.size), "input spikes": int(steps.size)}
    return dict(times, figures=figures, post_spikes=post_spikes.tolist())


SUITES = {"brunel_delta": brunel_delta, "brunel_alpha": brunel_alpha, "fi_lif": fi_lif, "hh": hh, "cuba": cuba, "memory": memory,
          "stdp_pattern": stdp_pattern, "scaling": scaling, "stdp_network": stdp_network}


def run(simulator, suite, params, threads):
    """One suite in ``simulator`` (a key of MODES), standalone projects in a temporary directory."""
    with tempfile.TemporaryDirectory(prefix=f"csnn-bench-{simulator}-") as directory:
        session = Session(simulator, threads, directory)
        result = SUITES[suite](session, **params)
    result["version"] = str(b2.__version__)
    return result
