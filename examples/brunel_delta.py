"""Balanced random network with delta synapses (Brunel 2000), written as a PyNEST script.

The network of NEST's ``brunel_delta_nest.py`` example: 4 * order excitatory and order
inhibitory iaf_psc_delta neurons, 10 % connectivity (fixed in-degree), delay 1.5 ms, external
Poisson drive at twice the threshold rate.  Only the imports say csnn: the rest is PyNEST.

    python examples/brunel_delta.py [--order 500] [--time 1000] [--threads 2] [--no-plot]
    mpiexec -n 2 python examples/brunel_delta.py [...]          (pip install "csnn-sim[mpi]")

takes 6.6 s at the defaults on a 2-core machine (order 100: 1.6 s; order 2500: 40 s on one thread,
20 s on two).  On several MPI processes each simulates a share of the neurons and records its
own; process 0 gathers the spikes (``gather_events``) and reports, with the same figures.
"""
import argparse
import time

import numpy as np

import csnn as nest
from csnn.plot import script_pyplot

#: simulation wall time (s) per neuron and simulated second on a 2-core VM, one thread: 1.9 ms
#: at order 100, 2.4 ms at 500, 3.1 ms at 1000, 3.2 ms at 2500 (the recurrent input grows with it)
SECONDS_PER_NEURON_SECOND = 3e-3


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--order", type=int, default=500, help="5 * order neurons (default 500)")
    parser.add_argument("--time", type=float, default=1000.0, help="simulated time, ms (default 1000)")
    parser.add_argument("--threads", type=int, default=1, help="threads (default 1)")
    parser.add_argument("--seed", type=int, default=12345, help="rng_seed (default 12345)")
    parser.add_argument("--out", default="brunel_delta.png", help="raster figure (default brunel_delta.png)")
    parser.add_argument("--no-plot", action="store_true", help="do not draw the raster")
    args = parser.parse_args()
    plt = script_pyplot(__file__, args.no_plot)
    estimate = SECONDS_PER_NEURON_SECOND * 5 * args.order * args.time / 1000.0 / args.threads
    if nest.Rank() == 0:
        print(f"Brunel (2000) balanced network of {5 * args.order} neurons, {args.time:g} ms on {args.threads} "
              f"thread(s) x {nest.NumProcesses()} process(es): about {estimate / nest.NumProcesses():.0f} s on a "
              "2-core machine", flush=True)

    nest.ResetKernel()
    nest.SetKernelStatus({"rng_seed": args.seed, "local_num_threads": args.threads})
    start = time.perf_counter()

    order = args.order
    n_ex, n_in = 4 * order, order
    c_ex, c_in = int(0.1 * n_ex), int(0.1 * n_in)
    tau_m, theta, j, g, eta, delay = 20.0, 20.0, 0.1, 5.0, 2.0, 1.5
    nu_th = theta / (j * c_ex * tau_m)
    p_rate = 1000.0 * eta * nu_th * c_ex

    neuron = {"C_m": 1.0, "tau_m": tau_m, "t_ref": 2.0, "E_L": 0.0, "V_reset": 0.0, "V_m": 0.0, "V_th": theta}
    nodes_ex = nest.Create("iaf_psc_delta", n_ex, params=neuron)
    nodes_in = nest.Create("iaf_psc_delta", n_in, params=neuron)
    noise = nest.Create("poisson_generator", params={"rate": p_rate})
    espikes = nest.Create("spike_recorder")
    ispikes = nest.Create("spike_recorder")

    nest.CopyModel("static_synapse", "excitatory", {"weight": j, "delay": delay})
    nest.CopyModel("static_synapse", "inhibitory", {"weight": -g * j, "delay": delay})
    nest.Connect(noise, nodes_ex + nodes_in, syn_spec="excitatory")
    nest.Connect(nodes_ex[:50], espikes)
    nest.Connect(nodes_in[:50], ispikes)
    nest.Connect(nodes_ex, nodes_ex + nodes_in, {"rule": "fixed_indegree", "indegree": c_ex}, "excitatory")
    nest.Connect(nodes_in, nodes_ex + nodes_in, {"rule": "fixed_indegree", "indegree": c_in}, "inhibitory")
    built = time.perf_counter()

    nest.Simulate(args.time)
    done = time.perf_counter()

    # every process's spikes, on process 0 (the others get None and are done)
    espikes, ispikes = nest.gather_events(espikes), nest.gather_events(ispikes)
    synapses = nest.GetKernelStatus("num_connections")      # this process's
    if nest.Rank() != 0:
        return
    rate_ex = espikes["times"].size / args.time * 1000.0 / 50
    rate_in = ispikes["times"].size / args.time * 1000.0 / 50
    print(f"neurons          {n_ex + n_in}")
    print(f"synapses         {synapses}" + (" (process 0's)" if nest.NumProcesses() > 1 else ""))
    print(f"excitatory rate  {rate_ex:.2f} Hz")
    print(f"inhibitory rate  {rate_in:.2f} Hz")
    print(f"build time       {built - start:.2f} s")
    print(f"simulation time  {done - built:.2f} s")

    if plt is not None:
        import csnn.raster_plot
        csnn.raster_plot.from_data(np.column_stack([espikes["senders"], espikes["times"]]), hist=True)
        plt.savefig(args.out, dpi=120)
        print(f"raster saved to  {args.out}")


if __name__ == "__main__":
    main()
