"""Command line: ``python -m csnn --version | demo | info | bench``.

``demo`` simulates NEST's balanced random network (Brunel 2000, delta synapses), prints its
rates and speed, checks a neuron's spike times against the closed form, and saves a raster
figure (a PNG; without matplotlib it writes none and says how to install it).  ``info``
prints the version, build flags, threads and models.  ``bench`` runs the benchmark suites of
``bench/run.py`` (they ship with the source, not with the wheel), passing its arguments on.
"""
import argparse
import importlib.metadata
import math
import os
import pathlib
import subprocess
import sys
import time

import numpy as np

from .errors import MissingDependencyError


def brunel_delta(nest, order, t_sim, seed=1):
    """NEST's brunel_delta_nest network; returns (events of 50 E neurons, stats)."""
    nest.ResetKernel()
    nest.SetKernelStatus({"rng_seed": seed})
    n_e, n_i = 4 * order, order
    c_e, c_i = int(0.1 * n_e), int(0.1 * n_i)
    theta, tau_m, j, g, eta, delay = 20.0, 20.0, 0.1, 5.0, 2.0, 1.5
    params = {"C_m": 1.0, "tau_m": tau_m, "t_ref": 2.0, "E_L": 0.0, "V_reset": 0.0, "V_m": 0.0, "V_th": theta}
    p_rate = 1000.0 * eta * theta / (j * c_e * tau_m) * c_e
    start = time.perf_counter()
    exc = nest.Create("iaf_psc_delta", n_e, params=params)
    inh = nest.Create("iaf_psc_delta", n_i, params=params)
    noise = nest.Create("poisson_generator", params={"rate": p_rate})
    recorder = nest.Create("spike_recorder")
    nest.CopyModel("static_synapse", "excitatory", {"weight": j, "delay": delay})
    nest.CopyModel("static_synapse", "inhibitory", {"weight": -g * j, "delay": delay})
    nest.Connect(noise, exc + inh, syn_spec="excitatory")
    nest.Connect(exc[:50], recorder)
    nest.Connect(exc, exc + inh, {"rule": "fixed_indegree", "indegree": c_e}, "excitatory")
    nest.Connect(inh, exc + inh, {"rule": "fixed_indegree", "indegree": c_i}, "inhibitory")
    built = time.perf_counter()
    nest.Simulate(t_sim)
    done = time.perf_counter()
    rate = recorder.get("n_events") / 50 / (t_sim / 1000.0)
    spikes = nest.GetKernelStatus("local_spike_counter")
    # every neuron has c_e + c_i inputs, so a spike is delivered c_e + c_i times on average
    stats = {"neurons": n_e + n_i, "synapses": nest.GetKernelStatus("num_connections"), "rate": rate,
             "build": built - start, "simulate": done - built, "spikes": spikes,
             "events": spikes * (c_e + c_i)}
    return recorder.get("events"), stats


def exactness_check(nest):
    """Largest deviation of a DC-driven neuron's spike times from the closed form (ms)."""
    nest.ResetKernel()
    nrn = nest.Create("iaf_psc_delta", params={"I_e": 420.0})
    rec = nest.Create("spike_recorder")
    nest.Connect(nrn, rec)
    nest.Simulate(1000.0)
    times = rec.get("events")["times"]
    p = nest.GetDefaults("iaf_psc_delta")
    v_inf = p["E_L"] + 420.0 * p["tau_m"] / p["C_m"]
    first = p["tau_m"] * math.log((v_inf - p["E_L"]) / (v_inf - p["V_th"]))
    period = p["t_ref"] + p["tau_m"] * math.log((v_inf - p["V_reset"]) / (v_inf - p["V_th"]))
    expected = first + period * np.arange(times.size)
    return times.size, float(np.max(np.abs(times - expected)))


def save_raster(senders, times, path, title):
    """A PNG raster of the spikes at ``path``; without matplotlib, MissingDependencyError."""
    from .plot import pyplot
    plt = pyplot("python -m csnn demo", backend="Agg")
    fig, ax = plt.subplots(figsize=(8, 4))
    ax.plot(times, senders, ".", markersize=2)
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("neuron id")
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def demo(args):
    import csnn
    print(f"csnn {csnn.__version__}: Brunel (2000) balanced network, delta synapses, order {args.order}, "
          f"{args.time:g} ms")
    ev, s = brunel_delta(csnn, args.order, args.time)
    print(f"  neurons            {s['neurons']}")
    print(f"  connections        {s['synapses']}")
    print(f"  excitatory rate    {s['rate']:.2f} Hz (50 neurons recorded)")
    print(f"  build time         {s['build']:.2f} s")
    print(f"  spikes             {s['spikes']}")
    print(f"  simulation time    {s['simulate']:.2f} s ({s['events'] / s['simulate']:.3g} synaptic events/s)")
    n, err = exactness_check(csnn)
    print(f"Exactness: a DC-driven iaf_psc_delta fired {n} times in 1 s; largest deviation of its spike "
          f"times from the closed form: {err:.2e} ms")
    try:
        save_raster(ev["senders"], ev["times"], args.out, f"csnn Brunel network, order {args.order}")
    except MissingDependencyError as err:
        print(f"No figure written: {err}")
    else:
        print(f"Figure saved to {args.out}")


def installed_version():
    """The distribution's name and version as pip installed it (``csnn-sim 0.1.0``), with a note
    when the code imported is not what pip recorded: a tree built in place without pip, or an
    install whose record is older than its code."""
    from ._version import DISTRIBUTION, __version__
    try:
        recorded = importlib.metadata.version(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        return f"{DISTRIBUTION} {__version__} (not installed with pip)"
    if recorded != __version__:
        return f"{DISTRIBUTION} {recorded} (as pip recorded it; the code imported is {__version__})"
    return f"{DISTRIBUTION} {recorded}"


def info(args):
    import csnn
    from csnn._core import engine
    print(f"{installed_version()} (Python {sys.version.split()[0]}, numpy {np.__version__})")
    print(f"  imported as csnn from {pathlib.Path(csnn.__file__).resolve().parent}")
    print(f"  OpenMP: {'yes' if engine.OPENMP else 'no (one thread)'}; threads: 1 by default, up to "
          f"{os.cpu_count()} cores here (SetKernelStatus({{'local_num_threads': n}}))")
    print(f"  node models:    {', '.join(csnn.node_models)}")
    print(f"  synapse models: {', '.join(csnn.synapse_models)}")
    print(f"  connection rules: {', '.join(csnn.GetKernelStatus('connection_rules'))}")


#: bench/run.py of a source checkout or unpacked sdist (csnn/ next to bench/)
BENCH_RUN = pathlib.Path(__file__).resolve().parent.parent / "bench" / "run.py"


def bench(arguments):
    """Run bench/run.py with ``arguments``; returns its exit code."""
    if not BENCH_RUN.exists():
        print(f"python -m csnn bench: {BENCH_RUN} does not exist; the benchmarks ship with csnn's source "
              "(git checkout or sdist), not with the installed wheel: run this from a checkout installed "
              "with pip install -e .", file=sys.stderr)
        return 2
    return subprocess.call([sys.executable, str(BENCH_RUN)] + list(arguments))


def main(argv=None):
    # raw: argparse would wrap the --version line at the terminal's width
    parser = argparse.ArgumentParser(prog="python -m csnn", description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=installed_version())
    sub = parser.add_subparsers(dest="command")
    p_demo = sub.add_parser("demo", help="simulate a balanced network, print results, save a figure")
    p_demo.add_argument("--order", type=int, default=500, help="network size: 5 * order neurons (default 500)")
    p_demo.add_argument("--time", type=float, default=1000.0, help="simulated time in ms (default 1000)")
    p_demo.add_argument("--out", default="csnn-demo.png",
                        help="raster figure, PNG (default csnn-demo.png; needs matplotlib)")
    sub.add_parser("info", help="version, build flags, threads and models")
    sub.add_parser("bench", help="run bench/run.py (from a source checkout); its options follow, see "
                                 "python -m csnn bench --help", add_help=False)
    args, rest = parser.parse_known_args(argv)
    if args.command == "bench":
        return bench(rest)
    if rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    if args.command == "demo":
        demo(args)
    elif args.command == "info":
        info(args)
    else:
        parser.print_help()
    return 0


if __name__ == "__main__":
    sys.exit(main())
