"""One network with every neuron model, generator kind, recorder and synapse type, shared by
tests/test_checkpoint.py and the AddressSanitizer driver (.ci/asan_network.py)."""
import csnn

#: the plastic synapse models; each is used through a copy named ``<model>_rec``
PLASTIC = ("stdp_synapse", "stdp_synapse_hom", "stdp_triplet_synapse", "stdp_nn_restr_synapse", "stdp_nn_symm_synapse",
           "stdp_nn_pre_centered_synapse", "stdp_facetshw_synapse_hom")


def build(threads, seed=17, indegree=5, plastic_indegree=2):
    """A fresh kernel with ``threads`` and ``seed``: iaf_psc_delta/exp/alpha, hh_psc_alpha,
    srm_psc_exp, iaf_cond_exp/alpha/beta and parrot neurons driven by every generator kind
    (spikes of multiplicity > 1 through the parrots), static synapses (``indegree`` per LIF
    neuron, and from the parrots) and every plastic model (``plastic_indegree``; all but the
    facetshw model watched by one weight_recorder), a spike recorder, three multimeters and a
    voltmeter; delays 0.6 to 4 ms.
    Returns the node collections by name, and ``generators`` by model (a poisson_generator on the
    grid and a poisson_generator_ps with a dead time among them)."""
    csnn.ResetKernel()
    csnn.SetKernelStatus({"rng_seed": seed, "local_num_threads": threads})
    net = {"delta": csnn.Create("iaf_psc_delta", 40, params={"V_m": csnn.random.uniform(-70.0, -56.0)}),
           "exp": csnn.Create("iaf_psc_exp", 30), "alpha": csnn.Create("iaf_psc_alpha", 30),
           "hh": csnn.Create("hh_psc_alpha", 4), "srm": csnn.Create("srm_psc_exp", 6),
           "parrots": csnn.Create("parrot_neuron", 20),
           "cond": (csnn.Create("iaf_cond_exp", 4) + csnn.Create("iaf_cond_alpha", 4)
                    + csnn.Create("iaf_cond_beta", 4, params={"tau_rise_ex": 0.1, "tau_decay_ex": 1.0}))}
    lif = net["lif"] = net["delta"] + net["exp"] + net["alpha"]
    hh, srm, parrots = net["hh"], net["srm"], net["parrots"]
    stimuli = [
        ("poisson_generator", {"rate": 12000.0}, lif + hh, 30.0),
        ("poisson_generator_ps", {"rate": 2000.0, "dead_time": 0.3}, lif, 10.0),
        ("noise_generator", {"mean": 200.0, "std": 100.0, "dt": 0.5}, net["exp"], 1.0),
        ("ou_noise_generator", {"mean": 250.0, "std": 80.0, "tau": 3.0}, net["alpha"], 1.0),
        ("ac_generator", {"amplitude": 100.0, "offset": 300.0, "frequency": 40.0}, net["delta"], 1.0),
        ("step_current_generator", {"amplitude_times": [10.0, 60.0], "amplitude_values": [500.0, 800.0]}, hh, 1.0),
        ("dc_generator", {"amplitude": 100.0}, hh, 1.0),
        # multiplicities > 1, which the parrots pass on to static and plastic synapses
        ("spike_generator", {"spike_times": [5.0, 20.5, 44.0, 44.01, 70.0],
                             "spike_multiplicities": [1, 3, 2, 1, 4]}, parrots, 1.0),
        ("pulsepacket_generator", {"pulse_times": [30.0, 80.0], "activity": 3, "sdev": 2.0}, parrots, 1.0),
        ("inhomogeneous_poisson_generator", {"rate_times": [1.0, 50.0], "rate_values": [800.0, 2000.0]}, srm, 80.0),
        # conductances in nS, and a current
        ("poisson_generator", {"rate": 9000.0}, net["cond"], 2.5),
        ("noise_generator", {"mean": 100.0, "std": 100.0, "dt": 0.5}, net["cond"], 1.0),
    ]
    net["generators"] = {}
    for model, params, targets, weight in stimuli:
        generator = csnn.Create(model, params=params)
        net["generators"].setdefault(model, generator)
        csnn.Connect(generator, targets, syn_spec={"weight": weight, "delay": 0.7})
    csnn.Connect(net["cond"], net["cond"], {"rule": "fixed_indegree", "indegree": 3},
                 {"weight": csnn.random.uniform(-3.0, 3.0), "delay": csnn.random.uniform(0.6, 4.0)})
    csnn.Connect(lif, lif, {"rule": "fixed_indegree", "indegree": indegree},
                 {"weight": csnn.random.normal(5.0, 10.0), "delay": csnn.random.uniform(0.6, 4.0)})
    csnn.Connect(parrots, lif + hh, {"rule": "fixed_outdegree", "outdegree": 5}, {"weight": 20.0, "delay": 1.3})
    net["weights"] = csnn.Create("weight_recorder")
    for model in PLASTIC:
        facets = model == "stdp_facetshw_synapse_hom"
        csnn.CopyModel(model, f"{model}_rec", {} if facets else {"weight_recorder": net["weights"]})
        csnn.Connect(lif + parrots, lif + srm, {"rule": "fixed_indegree", "indegree": plastic_indegree},
                     {"synapse_model": f"{model}_rec", "weight": 1.0 if facets else 20.0,
                      "delay": csnn.random.uniform(0.6, 4.0)})
    csnn.Connect(parrots, net["cond"], {"rule": "fixed_indegree", "indegree": plastic_indegree},
                 {"synapse_model": "stdp_synapse_rec", "weight": 2.0, "delay": csnn.random.uniform(0.6, 4.0)})
    net["spikes"] = csnn.Create("spike_recorder")
    net["meter"] = csnn.Create("multimeter", params={"record_from": ["V_m", "I_syn_ex"], "interval": 0.3})
    net["hh_meter"] = csnn.Create("multimeter", params={"record_from": ["V_m", "Act_m"], "interval": 0.2})
    net["voltmeter"] = csnn.Create("voltmeter", params={"interval": 0.5})
    net["cond_meter"] = csnn.Create("multimeter", params={"record_from": ["V_m", "g_ex", "g_in"], "interval": 0.4})
    csnn.Connect(lif + hh + srm + parrots + net["cond"], net["spikes"])
    csnn.Connect(net["cond_meter"], net["cond"][::2])
    csnn.Connect(net["meter"], net["exp"][:3] + net["alpha"][:3])
    csnn.Connect(net["hh_meter"], hh)
    csnn.Connect(net["voltmeter"], net["delta"][:4] + srm[:2])
    return net
