"""The PyNEST API: get/set and GetStatus/SetStatus shapes, models, kernel status, connection
rules and their statistics, random parameters, GetConnections (NodeCollection itself:
test_node_collection.py)."""
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import csnn


@pytest.fixture(autouse=True)
def fresh_kernel():
    csnn.ResetKernel()


def test_get_and_set_shapes():
    nrns = csnn.Create("iaf_psc_delta", 3)
    vm = nrns.get("V_m")
    assert vm == (-70.0,) * 3 and isinstance(vm[0], float)      # a tuple of floats, as NEST's
    both = nrns.get(["V_m", "V_th"])
    assert set(both) == {"V_m", "V_th"} and both["V_th"] == (-55.0,) * 3
    assert nrns.get("V_m", "C_m")["C_m"] == (250.0,) * 3
    everything = nrns.get()
    assert everything["model"] == ("iaf_psc_delta",) * 3 and everything["tau_m"] == (10.0,) * 3
    assert list(everything) == sorted(everything)
    assert nrns[0].get(["V_m"]) == {"V_m": -70.0}
    nrns.set(I_e=[1.0, 2.0, 3.0])
    assert nrns.I_e == (1.0, 2.0, 3.0)
    nrns.V_th = -50.0
    assert nrns.get("V_th") == (-50.0,) * 3
    nrns.set([{"C_m": 100.0}, {"C_m": 200.0}, {"C_m": 300.0}])
    assert nrns.C_m == (100.0, 200.0, 300.0)
    nrns.set({"refractory_input": True})
    assert nrns.refractory_input == (True,) * 3


def test_nest2_status_functions():
    nrns = csnn.Create("iaf_psc_delta", 2)
    status = csnn.GetStatus(nrns)
    assert isinstance(status, tuple) and len(status) == 2 and status[0]["V_reset"] == -70.0
    assert status[1]["global_id"] == 2 and status[0]["model"] == "iaf_psc_delta"
    assert csnn.GetStatus(nrns, "V_th") == (-55.0, -55.0)
    assert csnn.GetStatus(nrns, ["V_reset", "V_th"]) == ((-70.0, -55.0), (-70.0, -55.0))
    csnn.SetStatus(nrns, {"I_e": 376.0})
    csnn.SetStatus(nrns[1:], "V_m", -65.0)
    csnn.SetStatus(nrns, [{"t_ref": 1.0}, {"t_ref": 3.0}])
    assert csnn.GetStatus(nrns, "I_e") == (376.0, 376.0)
    assert csnn.GetStatus(nrns, "V_m") == (-70.0, -65.0)
    assert csnn.GetStatus(nrns, "t_ref") == (1.0, 3.0)
    assert csnn.GetStatus([1], "I_e") == (376.0,)
    assert csnn.GetStatus(nrns)[0]["I_e"] == 376.0


def test_create_params_forms():
    a = csnn.Create("iaf_psc_delta", 3, params={"I_e": np.array([1.0, 2.0, 3.0]), "V_th": -50.0})
    assert a.I_e == (1.0, 2.0, 3.0) and a.V_th == (-50.0,) * 3
    b = csnn.Create("iaf_psc_delta", 2, params=[{"I_e": 5.0}, {"I_e": 6.0}])
    assert b.I_e == (5.0, 6.0)
    csnn.SetKernelStatus({"rng_seed": 42})
    c = csnn.Create("iaf_psc_delta", 1000, params={"V_m": csnn.random.uniform(-70.0, -60.0)})
    v = np.array(c.V_m)
    assert v.min() >= -70.0 and v.max() < -60.0 and abs(v.mean() + 65.0) < 4 * (10 / math.sqrt(12)) / math.sqrt(1000)
    d = csnn.Create("iaf_psc_delta", 2, positions=np.array([[0.0, 1.0], [2.0, 3.0]]))
    assert csnn.GetPosition(d) == ((0.0, 1.0), (2.0, 3.0))


def test_models_defaults_and_copies():
    assert "iaf_psc_delta" in csnn.Models() and "static_synapse" in csnn.Models("synapses")
    assert "static_synapse" not in csnn.Models("nodes")
    assert csnn.Models(sel="parrot") == ("parrot_neuron", "parrot_neuron_ps")
    assert csnn.node_models == csnn.GetKernelStatus("node_models")
    assert csnn.GetDefaults("iaf_psc_delta", "C_m") == 250.0
    assert csnn.GetDefaults("iaf_psc_delta", ["C_m", "V_th"]) == [250.0, -55.0]
    csnn.SetDefaults("iaf_psc_delta", {"V_th": -50.0})
    assert csnn.Create("iaf_psc_delta").get("V_th") == -50.0
    csnn.CopyModel("iaf_psc_delta", "fast_neuron", {"tau_m": 2.0})
    fast = csnn.Create("fast_neuron")
    assert fast.get("tau_m") == 2.0 and fast.get("model") == "fast_neuron"
    csnn.CopyModel("static_synapse", "excitatory", {"weight": 0.5, "delay": 1.5})
    nrns = csnn.Create("iaf_psc_delta", 10)
    csnn.Connect(nrns, nrns, {"rule": "fixed_indegree", "indegree": 3}, "excitatory")
    assert csnn.GetDefaults("excitatory")["num_connections"] == 30
    assert csnn.GetKernelStatus("num_connections") == 30
    conns = csnn.GetConnections(synapse_model="excitatory")
    assert len(conns) == 30 and set(conns.get("weight")) == {0.5}
    csnn.ResetKernel()
    assert csnn.GetDefaults("iaf_psc_delta", "V_th") == -55.0
    with pytest.raises(csnn.CSNNError):
        csnn.GetDefaults("excitatory")


def test_kernel_status_and_attributes():
    csnn.SetKernelStatus({"resolution": 0.1, "print_time": False, "rng_seed": 5})
    assert csnn.GetKernelStatus("rng_seed") == 5
    assert csnn.GetKernelStatus(["rng_seed", "resolution"]) == (5, 0.1)
    csnn.rng_seed = 6
    assert csnn.rng_seed == 6 and csnn.biological_time == 0.0
    csnn.Create("iaf_psc_delta")
    csnn.Simulate(12.5)
    assert csnn.biological_time == 12.5 and csnn.GetKernelStatus()["time"] == 12.5
    assert csnn.network_size == 1
    csnn.set_verbosity("M_WARNING")
    csnn.verbosity = csnn.VerbosityLevel.ERROR
    assert csnn.get_verbosity() == csnn.VerbosityLevel.ERROR
    csnn.set_verbosity("M_INFO")


def test_run_prepare_cleanup():
    nrn = csnn.Create("iaf_psc_delta", params={"I_e": 500.0})
    csnn.Prepare()
    csnn.Run(10.0)
    csnn.Run(10.0)
    csnn.Cleanup()
    with csnn.RunManager():
        csnn.Run(5.0)
    assert csnn.biological_time == 25.0
    other = csnn.Create("iaf_psc_delta", params={"I_e": 500.0})
    csnn.Simulate(20.0)
    # a neuron created at 25 ms starts there from E_L: V_inf - E_L = 20 mV, first spike
    # tau ln(20 / 5) later, as the first neuron's first spike after t = 0
    assert other.get("t_spike") == pytest.approx(25.0 + 10.0 * math.log(4.0), abs=1e-9)
    assert nrn.get("t_spike") > 25.0


def indegrees(conns, targets):
    return np.bincount(np.array(conns.get("target")) - targets[0].global_id, minlength=len(targets))


@pytest.mark.parametrize("multapses", [True, False])
@pytest.mark.parametrize("autapses", [True, False])
def test_fixed_indegree_and_outdegree(autapses, multapses):
    nrns = csnn.Create("iaf_psc_delta", 50)
    spec = {"rule": "fixed_indegree", "indegree": 10, "allow_autapses": autapses, "allow_multapses": multapses}
    csnn.Connect(nrns, nrns, spec)
    conns = csnn.GetConnections()
    src, tgt = np.array(conns.get("source")), np.array(conns.get("target"))
    assert np.all(indegrees(conns, nrns) == 10)
    if not autapses:
        assert not np.any(src == tgt)
    if not multapses:
        assert np.unique(src * 1000 + tgt).size == src.size
    csnn.ResetKernel()
    nrns = csnn.Create("iaf_psc_delta", 50)
    csnn.Connect(nrns, nrns, {"rule": "fixed_outdegree", "outdegree": 7, "autapses": autapses, "multapses": multapses})
    src = np.array(csnn.GetConnections().get("source"))
    assert np.all(np.bincount(src - 1, minlength=50) == 7)


def test_all_to_all_one_to_one_total_number_bernoulli():
    pre = csnn.Create("iaf_psc_delta", 20)
    post = csnn.Create("iaf_psc_delta", 30)
    weights = np.arange(600.0).reshape(30, 20)
    csnn.Connect(pre, post, "all_to_all", {"weight": weights})
    conns = csnn.GetConnections(pre, post)
    table = conns.get(["source", "target", "weight"])
    assert len(conns) == 600
    # weight[i_post, i_pre] for each pair, as in NEST
    np.testing.assert_array_equal(table["weight"], weights[np.array(table["target"]) - 21, np.array(table["source"]) - 1])
    csnn.Connect(pre, pre, "one_to_one", {"weight": np.arange(20.0), "delay": 2.0})
    conns = csnn.GetConnections(pre, pre)
    assert conns.get("source") == conns.get("target") and set(conns.delay) == {2.0}
    csnn.Connect(pre, post, {"rule": "fixed_total_number", "N": 123})
    assert csnn.GetKernelStatus("num_connections") == 600 + 20 + 123
    csnn.ResetKernel()
    a = csnn.Create("iaf_psc_delta", 200)
    csnn.Connect(a, a, {"rule": "pairwise_bernoulli", "p": 0.1, "allow_autapses": False})
    n = csnn.GetKernelStatus("num_connections")
    mean, sd = 0.1 * 200 * 199, math.sqrt(200 * 199 * 0.1 * 0.9)
    assert abs(n - mean) < 4 * sd


def test_random_weights_and_delays():
    csnn.SetKernelStatus({"rng_seed": 1})
    nrns = csnn.Create("iaf_psc_delta", 100)
    csnn.Connect(nrns, nrns, {"rule": "fixed_indegree", "indegree": 50},
                 {"weight": csnn.random.normal(mean=2.0, std=0.5),
                  "delay": {"distribution": "uniform", "low": 1.0, "high": 3.0}})
    w, d = map(np.array, csnn.GetConnections().get(["weight", "delay"]).values())
    assert abs(w.mean() - 2.0) < 4 * 0.5 / math.sqrt(w.size) and abs(w.std() - 0.5) < 0.03
    assert d.min() >= 1.0 and d.max() < 3.0 and abs(d.mean() - 2.0) < 4 * (2 / math.sqrt(12)) / math.sqrt(d.size)
    clipped = csnn.math.redraw(csnn.random.normal(1.0, 2.0), min=0.1, max=np.inf)
    assert clipped.sample(np.random.default_rng(0), 1000).min() >= 0.1


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**16), simulate=st.booleans(), picks=st.lists(st.integers(1, 40), max_size=6))
def test_connections_from_some_sources_are_those_of_all_from_them(seed, simulate, picks):
    """GetConnections(source=S) reads only the rows of S's neurons (and the devices' own
    connections): it gives exactly the connections of GetConnections() whose source is in S,
    in the same order, for neurons, generators, recorders and ids beyond the last neuron,
    before and after the first Simulate."""
    csnn.ResetKernel()
    csnn.SetKernelStatus({"rng_seed": seed + 1})
    a = csnn.Create("iaf_psc_delta", 12)
    g = csnn.Create("poisson_generator", params={"rate": 100.0})
    b = csnn.Create("iaf_psc_exp", 10)
    sr = csnn.Create("spike_recorder")
    csnn.Connect(a, b, {"rule": "fixed_indegree", "indegree": 3})
    csnn.Connect(b, a, {"rule": "pairwise_bernoulli", "p": 0.2}, {"synapse_model": "stdp_synapse"})
    csnn.Connect(g, a[:4])
    csnn.Connect(a[::3], sr)
    if simulate:
        csnn.Simulate(2.0)
    everything = csnn.GetConnections()
    last = sr.global_id
    sources = sorted({min(p, last) for p in picks})
    if not sources:
        return
    some = csnn.GetConnections(source=csnn.NodeCollection(sources))
    mine = np.isin(everything.get("source"), sources)
    for key in ("source", "target", "weight", "delay", "synapse_model"):
        assert np.atleast_1d(some.get(key)).tolist() == np.atleast_1d(everything.get(key))[mine].tolist()


def test_get_connections_set_weights_and_live_values():
    gen = csnn.Create("spike_generator", params={"spike_times": [1.0]})
    parrot = csnn.Create("parrot_neuron")
    nrns = csnn.Create("iaf_psc_delta", 3)
    csnn.Connect(gen, parrot)
    csnn.Connect(parrot, nrns, syn_spec={"weight": 1.0})
    conns = csnn.GetConnections(parrot, nrns)
    conns.set(weight=[1.0, 2.0, 3.0])
    assert csnn.GetStatus(conns, "weight") == [1.0, 2.0, 3.0]         # a list for connections, as NEST's
    # a later Connect keeps the collection valid
    csnn.Connect(parrot, nrns, syn_spec={"weight": 10.0})
    assert conns.get("weight") == [1.0, 2.0, 3.0]
    csnn.Simulate(3.5)
    # inputs 1+10, 2+10, 3+10 mV arrived at 3.0 ms
    np.testing.assert_allclose(nrns.V_m, -70.0 + np.array([11.0, 12.0, 13.0]) * np.exp(-0.05), atol=1e-12)
    all_conns = csnn.GetConnections()
    assert len(all_conns) == 7
    assert csnn.GetConnections(source=gen).get("target") == parrot.global_id
    new = csnn.Connect(parrot, nrns[:1], return_synapsecollection=True)
    assert len(new) == 1 and new.get("target") == nrns[0]


def test_recorders_attach_in_nest_directions():
    nrns = csnn.Create("iaf_psc_delta", 2, params={"I_e": 500.0})
    sr = csnn.Create("spike_recorder")
    vm = csnn.Create("voltmeter")
    csnn.Connect(nrns, sr)
    csnn.Connect(vm, nrns)
    csnn.Simulate(50.0)
    assert sr.n_events > 0 and set(sr.events["senders"].tolist()) == {1, 2}
    assert vm.get("record_from") == ["V_m"] and vm.events["V_m"].size == 2 * 49
