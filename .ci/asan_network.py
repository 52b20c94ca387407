"""A small network that drives every path of csnn's compiled core, for .ci/asan (under
AddressSanitizer) and .ci/wheel (from the installed wheel, with its bundled OpenMP runtime).

Under AddressSanitizer an invalid memory access anywhere in the core aborts the process with a
report.  The asserts here check that the paths were really taken (the network spikes, plastic
synapses transmit, recorders fill) and that 1 and 2 threads agree; the numbers themselves are
the test suite's business.

``network``: every neuron model and generator, spike_recorder, multimeter, voltmeter and
weight_recorder, static and plastic synapses (stdp, nn_restr, triplet, facetshw_hom), spikes of
multiplicity > 1 through parrots, Simulate split at odd times, SetStatus of neurons, generators
and synapses mid-run, Create and Connect after Simulate (a new, shorter minimal delay: the windows
are regridded with spikes in flight), Prepare/Run/Cleanup; with 1 and 2 threads, with a
ResetKernel before each.  Its Poisson drive puts thousands of events in every window, so the
inbox, spike, trace-history and weight-log buffers (which start at 16 or 64 entries) grow.
``extras``: recorders bounded by max_events or writing a text file (Simulate then runs in
chunks), delays far beyond the inbox ring (overflow bucket), multiplicities beyond 16 bits, and
save/load of a running kernel.
"""
import os
import sys
import tempfile
import time
import warnings

import numpy as np

import csnn

# the network every engine path runs through, shared with tests/test_checkpoint.py
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))
import every_model  # noqa: E402
from every_model import PLASTIC  # noqa: E402


def network(threads):
    """Build, simulate in pieces with changes between them; return everything recorded."""
    net = every_model.build(threads, seed=5, indegree=10, plastic_indegree=4)
    delta, exp, hh, srm, lif, parrots = (net[name] for name in ("delta", "exp", "hh", "srm", "lif", "parrots"))
    generators, spikes, weights = net["generators"], net["spikes"], net["weights"]
    meter, hh_meter, voltmeter = net["meter"], net["hh_meter"], net["voltmeter"]
    csnn.Simulate(17.3)
    csnn.Simulate(26.07)                                   # splits at odd times, spikes in flight
    # SetStatus mid-run: neurons, generators, static and plastic synapses
    csnn.SetStatus(delta[:10], {"I_e": 200.0})
    exp.set(V_m=csnn.random.uniform(-70.0, -60.0))
    generators["ac_generator"].set(amplitude=50.0, frequency=20.0)
    generators["spike_generator"].set(spike_times=[50.0, 60.5, 61.0], spike_multiplicities=[2, 1, 5])
    csnn.GetConnections(lif, lif, synapse_model="static_synapse").set(weight=csnn.random.normal(4.0, 8.0))
    csnn.GetConnections(synapse_model="stdp_synapse_rec").set(weight=15.0)
    csnn.Simulate(10.0)
    # Create and Connect after Simulate, with a shorter minimal delay: the windows are regridded
    late = csnn.Create("iaf_psc_exp", 10, params={"I_e": 380.0})
    csnn.Connect(late, lif, {"rule": "fixed_outdegree", "outdegree": 8}, {"weight": 10.0, "delay": 0.25})
    csnn.Connect(parrots + late, late, {"rule": "fixed_indegree", "indegree": 3},
                 {"synapse_model": "stdp_triplet_synapse_rec", "weight": 20.0, "delay": 0.4})
    csnn.Connect(late, spikes)
    with csnn.RunManager():                                # Prepare / Run / Cleanup
        csnn.Run(12.5)
        csnn.Run(20.0)
    csnn.Simulate(60.0)

    out = {}
    for name, device in (("spikes", spikes), ("meter", meter), ("hh_meter", hh_meter),
                         ("voltmeter", voltmeter), ("weights", weights)):
        out.update({f"{name}.{k}": v for k, v in device.get("events").items()})
    for model in PLASTIC:
        conns = csnn.GetConnections(synapse_model=f"{model}_rec").get()
        out.update({f"{model}.{k}": np.asarray(conns[k]) for k in ("source", "target", "weight", "delay")})
    out["V_m"] = np.asarray((lif + hh + srm + late).get("V_m"), dtype=float)   # read from the core
    return out


def extras(directory):
    """Bounded and file recorders, the inbox's overflow bucket, 16-bit multiplicities, save/load."""
    csnn.ResetKernel()
    csnn.SetKernelStatus({"rng_seed": 3, "local_num_threads": 2, "overwrite_files": True, "data_path": directory})
    gen = csnn.Create("spike_generator", params={"spike_times": [1.0, 2.0, 3.0], "spike_multiplicities": [35000, 1, 2]})
    a, b = csnn.Create("parrot_neuron", 2), csnn.Create("parrot_neuron")
    csnn.Connect(gen, a, syn_spec={"delay": 0.001})
    csnn.Connect(a, b, syn_spec={"delay": 0.002})
    csnn.Connect(a, b, syn_spec={"delay": 30.0})            # 30000 windows ahead: the overflow bucket
    post = csnn.Create("iaf_psc_alpha", 20)
    csnn.Connect(csnn.Create("poisson_generator", params={"rate": 20000.0}), post, syn_spec={"weight": 30.0})
    csnn.Connect(b, post, syn_spec={"synapse_model": "stdp_synapse", "weight": 0.001, "delay": 0.5})
    sr = csnn.Create("spike_recorder")
    bounded = csnn.Create("spike_recorder", params={"max_events": 100})
    to_file = csnn.Create("spike_recorder", params={"record_to": "ascii", "label": "spikes"})
    meter = csnn.Create("multimeter", params={"record_from": ["V_m"], "interval": 0.1, "max_events": 50})
    csnn.Connect(b, sr)
    csnn.Connect(b + post, bounded)
    csnn.Connect(b + post, to_file)
    csnn.Connect(meter, post)
    csnn.Simulate(10.0)                                    # long-delay spikes still in flight
    path = os.path.join(directory, "run.csnn")
    csnn.save(path)
    csnn.ResetKernel()
    csnn.load(path)
    csnn.Simulate(25.0)
    sr, bounded, to_file = csnn.GetNodes({"model": "spike_recorder"})
    assert sr.get("n_events") == 2 * 2 * (35000 + 1 + 2), sr.get("n_events")   # 2 parrots, 2 paths to b
    assert bounded.get("n_events") == 100 and bounded.get("n_dropped") > 0
    assert os.path.getsize(to_file.get("filenames")[0]) > 0


def main():
    start = time.perf_counter()
    warnings.filterwarnings("ignore", message=".*holds max_events")    # the bounded recorders, on purpose
    one, two = network(1), network(2)
    assert one["spikes.times"].size > 3000, one["spikes.times"].size
    assert one["weights.times"].size > 1000, one["weights.times"].size
    # same seed, any thread count: the same run (a memory error often shows up as a difference)
    assert sorted(one) == sorted(two)
    for key in one:
        np.testing.assert_array_equal(one[key], two[key], err_msg=f"1 and 2 threads differ: {key}")
    with tempfile.TemporaryDirectory() as directory:
        extras(directory)
    print(f"asan_network: {one['spikes.times'].size} spikes, {one['weights.times'].size} weight events, "
          f"{one['meter.times'].size} samples, 1 and 2 threads identical, extras ok "
          f"({time.perf_counter() - start:.1f} s, csnn from {os.path.dirname(csnn.__file__)})")


if __name__ == "__main__":
    sys.exit(main())
