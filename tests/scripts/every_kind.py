"""A network with every neuron model, generator and plastic rule of csnn (all but
stdp_facetshw_synapse_hom, which runs on one process only) and a spatial layer, run under any number of MPI
processes and threads; process 0 writes what it recorded, gathered from all processes, to an
npz file.  tests/test_distributed.py compares the files of several (processes, threads).

Usage: [mpiexec -n K] python every_kind.py THREADS OUT.npz [SAVE_AT CHECKPOINT]
(with SAVE_AT, the run stops there, saves a checkpoint, and a fresh kernel loaded from it runs
to the end).
"""
import sys

import numpy as np

import csnn as nest

threads, out = int(sys.argv[1]), sys.argv[2]
save_at, checkpoint = (float(sys.argv[3]), sys.argv[4]) if len(sys.argv) > 4 else (None, None)
T = 120.0

nest.ResetKernel()
nest.SetKernelStatus({"local_num_threads": threads, "rng_seed": 11})
delta = nest.Create("iaf_psc_delta", 24, params={"V_m": nest.random.uniform(-70.0, -56.0)})
exp = nest.Create("iaf_psc_exp", 12, params={"V_m": nest.random.uniform(-70.0, -56.0)})
alpha = nest.Create("iaf_psc_alpha", 12, params={"V_m": nest.random.uniform(-70.0, -56.0)})
hh = nest.Create("hh_psc_alpha", 5)
srm = nest.Create("srm_psc_exp", 6)
sheet = nest.Create("iaf_psc_delta", positions=nest.spatial.grid(shape=[5, 4], extent=[1.0, 0.8], edge_wrap=True),
                    params={"V_m": nest.random.uniform(-70.0, -56.0)})
cond = (nest.Create("iaf_cond_exp", 4) + nest.Create("iaf_cond_alpha", 4)
        + nest.Create("iaf_cond_beta", 4, params={"tau_rise_ex": 0.1, "tau_decay_ex": 1.0}))
parrots = nest.Create("parrot_neuron", 10)
neurons = delta + exp + alpha + hh + srm + sheet + cond
everyone = neurons + parrots

drive = nest.Create("poisson_generator", params={"rate": 9000.0})
drive_ps = nest.Create("poisson_generator_ps", params={"rate": 3000.0})
nest.Connect(drive, delta, syn_spec={"weight": 0.2, "delay": 1.0})            # mV
nest.Connect(drive, exp + alpha + hh + srm, syn_spec={"weight": 18.0, "delay": 1.0})  # pA
nest.Connect(drive_ps, exp + alpha + srm, syn_spec={"weight": 40.0, "delay": 0.7})
nest.Connect(drive, cond, syn_spec={"weight": 3.0, "delay": 1.0})                   # nS
nest.Connect(nest.Create("spike_generator", params={"spike_times": [1.3, 7.9, 22.0, 22.0, 50.5, 80.1]}),
             parrots)
nest.Connect(nest.Create("poisson_generator", params={"rate": 40.0}), parrots, syn_spec={"delay": 0.5})
nest.Connect(nest.Create("pulsepacket_generator", params={"pulse_times": [30.0, 90.0], "activity": 5,
                                                          "sdev": 2.0}), parrots)
nest.Connect(nest.Create("inhomogeneous_poisson_generator", params={"rate_times": [10.0, 60.0],
                                                                    "rate_values": [50.0, 150.0]}), parrots)
nest.Connect(nest.Create("dc_generator", params={"amplitude": 180.0, "start": 20.0, "stop": 70.0}), delta[:6])
nest.Connect(nest.Create("ac_generator", params={"amplitude": 100.0, "offset": 150.0, "frequency": 20.0}), exp)
nest.Connect(nest.Create("noise_generator", params={"mean": 200.0, "std": 100.0, "dt": 0.5}), alpha)
nest.Connect(nest.Create("ou_noise_generator", params={"mean": 100.0, "std": 200.0, "tau": 5.0}), delta[6:12])
nest.Connect(nest.Create("step_current_generator", params={"amplitude_times": [15.0, 45.0],
                                                           "amplitude_values": [900.0, 0.0]}), hh)

nest.Connect(neurons, neurons, {"rule": "fixed_indegree", "indegree": 6},
             {"weight": nest.random.uniform(-4.0, 6.0), "delay": nest.random.uniform(0.8, 3.0)})
nest.Connect(exp + alpha, exp + alpha, {"rule": "pairwise_bernoulli", "p": 0.2}, {"weight": 60.0, "delay": 1.5})
nest.Connect(delta, delta, {"rule": "pairwise_bernoulli", "p": nest.random.uniform(0.0, 0.2)},
             {"weight": nest.random.normal(0.5, 0.2), "delay": 1.2})
# drawn whole on every process (fixed_outdegree), and redrawn until inside (a branch of draws)
nest.Connect(delta, exp + srm, {"rule": "fixed_outdegree", "outdegree": 2},
             {"weight": 30.0, "delay": {"distribution": "normal_clipped", "mu": 1.5, "sigma": 0.8, "low": 0.6,
                                        "high": 2.5}})
nest.GetConnections(source=alpha, target=exp + alpha).set(weight=nest.random.normal(-20.0, 5.0))
recorder = nest.Create("weight_recorder")
nest.CopyModel("stdp_synapse", "stdp_watched", {"weight_recorder": recorder})
for model in ("stdp_watched", "stdp_triplet_synapse", "stdp_nn_symm_synapse", "stdp_nn_pre_centered_synapse",
              "stdp_nn_restr_synapse"):
    nest.Connect(parrots, delta + alpha, {"rule": "fixed_indegree", "indegree": 3},
                 {"synapse_model": model, "weight": 40.0, "delay": nest.random.uniform(1.0, 2.0)})

# the periodic layer (sheet) connected through masks, with kernels, weights and delays of distance
# (NEST's spatial module): drawn from the targets' streams, or whole on every process (fixed_outdegree)
near = nest.spatial_distributions.gaussian(nest.spatial.distance, std=0.3) * nest.random.uniform(0.5, 1.0)
nest.Connect(sheet, sheet, {"rule": "pairwise_bernoulli", "p": near, "mask": {"circular": {"radius": 0.4}}},
             {"weight": 2.0 + 3.0 * nest.spatial.distance, "delay": 1.0 + nest.spatial.distance})
nest.Connect(sheet, sheet, {"rule": "fixed_indegree", "indegree": 3, "p": near,
                            "mask": {"rectangular": {"lower_left": [-0.3, -0.3], "upper_right": [0.3, 0.3]}}},
             {"weight": nest.random.normal(1.0, 0.5) + nest.spatial.distance.x, "delay": 1.5})
nest.Connect(sheet, sheet, {"rule": "fixed_outdegree", "outdegree": 2, "mask": {"circular": {"radius": 0.4}}},
             {"weight": 1.0, "delay": 2.0})
nest.Connect(drive, sheet, syn_spec={"weight": 0.2, "delay": 1.0})

spikes = nest.Create("spike_recorder")
nest.Connect(everyone, spikes)
meter = nest.Create("multimeter", params={"record_from": ["V_m"], "interval": 0.5})
nest.Connect(meter, delta[::5] + exp[::4] + alpha[::4] + hh + srm[::3] + cond[::3])
currents = nest.Create("multimeter", params={"record_from": ["I_syn_ex", "I_syn_in"], "interval": 1.0})
nest.Connect(currents, alpha[:4] + hh[:2])

if save_at is None:
    nest.Simulate(T / 3)
    nest.Simulate(T - T / 3)
else:
    nest.Simulate(save_at)
    nest.save(checkpoint)
    nest.ResetKernel()
    nest.load(checkpoint)
    nest.Simulate(T - save_at)
    spikes, meters, recorder = (nest.GetNodes({"model": m}) for m in
                                ("spike_recorder", "multimeter", "weight_recorder"))
    meter, currents = meters[0], meters[1]
    neurons = nest.GetNodes({"element_type": "neuron"})[:-10]

# what one process would hold: every recorder's events, every neuron's state, every synapse
result = {}
for name, device in (("spikes", spikes), ("meter", meter), ("currents", currents), ("weights", recorder)):
    events = nest.gather_events(device)
    for key, value in (events or {}).items():
        result[f"{name}.{key}"] = value
local = np.array(neurons.get("local"))
state = np.array([v if v is not None else np.nan for v in neurons.get("V_m")])
connections = nest.GetConnections().get(["source", "target", "weight", "delay", "synapse_model"])
table = np.array([connections["source"], connections["target"], connections["weight"], connections["delay"]]).T
comm = nest.network.processes.world()
if comm is not None:
    local, state, table = (np.concatenate(comm.allgather(part)) for part in (local, state, table))
if nest.Rank() == 0:
    gids = np.tile(np.array(neurons.tolist()), nest.NumProcesses())
    assert np.sum(local) == len(neurons), "every neuron lives on exactly one process"
    order = np.argsort(gids[local])
    result["V_m.gids"], result["V_m"] = gids[local][order], state[local][order]
    table = table[np.lexsort(table.T[::-1])]
    result["connections"] = table
    np.savez(out, **result)
