"""Disconnect (NEST 3): which connections ``Disconnect(pre, post, conn_spec, syn_spec)`` and
``SynapseCollection.disconnect()`` remove, the errors for connections that do not exist, spikes
no longer travelling removed synapses between Simulate calls (in flight too), the plastic state
of the synapses that remain, collections got before a removal, and a cross-check of the
connections left and of the spikes against NEST."""

import numpy as np
import pytest

import csnn
from csnn.errors import BadParameterError, BadTypeError, IllegalConnectionError, KernelStateError

from conftest import fresh_nest

pytestmark = pytest.mark.usefixtures("fresh_kernel")


def triples(sim, **which):
    """(source, target, weight) of the connections GetConnections(**which) gives, sorted."""
    conns = sim.GetConnections(**which)
    if len(conns) == 0:
        return []
    got = conns.get(["source", "target", "weight"])
    return sorted(zip(*(np.atleast_1d(got[k]).tolist() for k in ("source", "target", "weight"))))


def build_and_disconnect(sim):
    """A sequence of Connect and Disconnect calls NEST's and csnn's results are compared on:
    multapses (the oldest of a pair goes first), both rules, a synapse model filter."""
    n = sim.Create("iaf_psc_alpha", 4)
    sim.Connect(n[:3], n[1:], "one_to_one", {"weight": 2.0})
    sim.Connect(n, n, "all_to_all", {"weight": 3.0})
    sim.Connect(n[0], n[1], syn_spec={"weight": 4.0})
    sim.Connect(n[2], n[3], syn_spec={"synapse_model": "stdp_synapse", "weight": 5.0})
    sim.Disconnect(n[:2], n[1:3], conn_spec="all_to_all")
    sim.Disconnect(n[0], n[1])
    sim.Disconnect(n[2], n[3], syn_spec={"synapse_model": "stdp_synapse"})
    sim.Disconnect(n[1:3], n[2:4], conn_spec="one_to_one")
    return n


def test_one_connection_per_pair_is_removed_the_oldest_first():
    build_and_disconnect(csnn)
    # made: (1,2) (2,3) (3,4) of weight 2, all 16 pairs of weight 3, (1,2) of weight 4 and the
    # stdp (3,4); all_to_all took (1,2) w2, (1,3), (2,2), (2,3) w2; then (1,2) w3; the stdp
    # one; one_to_one (2,3) w3 and (3,4) w2
    left = triples(csnn)
    assert [w for s, t, w in left if (s, t) == (1, 2)] == [4.0]
    assert [w for s, t, w in left if (s, t) == (3, 4)] == [3.0]
    assert not [w for s, t, w in left if (s, t) in ((1, 3), (2, 2), (2, 3))]
    assert len(left) == 21 - 4 - 1 - 1 - 2
    assert csnn.GetKernelStatus("num_connections") == len(left)
    assert csnn.GetDefaults("stdp_synapse", "num_connections") == 0
    assert csnn.GetDefaults("static_synapse", "num_connections") == len(left)


def test_a_pair_without_a_connection_removes_nothing_and_is_named():
    n = csnn.Create("iaf_psc_delta", 3)
    csnn.Connect(n[:2], n[1:], "one_to_one")
    before = triples(csnn)
    with pytest.raises(csnn.NESTErrors.InexistentConnection, match="from node 1 to node 3"):
        csnn.Disconnect(n[:2], n[1:], conn_spec="all_to_all")
    with pytest.raises(IllegalConnectionError, match="no stdp_synapse connection .* from node 1 to node 2"):
        csnn.Disconnect(n[0], n[1], syn_spec="stdp_synapse")
    assert triples(csnn) == before                  # nothing removed (NEST removes the pairs before)
    csnn.Disconnect(n[0], n[1])
    with pytest.raises(IllegalConnectionError, match="from node 1 to node 2; nothing was disconnected"):
        csnn.Disconnect(n[0], n[1])


def test_specs_devices_and_the_prepared_kernel_are_refused_with_what_is_accepted():
    n = csnn.Create("iaf_psc_delta", 2)
    csnn.Connect(n, n)
    with pytest.raises(BadParameterError, match="rule 'fixed_indegree' is invalid; accepted .*'one_to_one'"):
        csnn.Disconnect(n, n, conn_spec={"rule": "fixed_indegree", "indegree": 1})
    with pytest.raises(BadParameterError, match="syn_spec keys \\['weight'\\] are invalid"):
        csnn.Disconnect(n, n, syn_spec={"synapse_model": "static_synapse", "weight": 1.0})
    with pytest.raises(BadParameterError, match="one size, got 2 and 1"):
        csnn.Disconnect(n, n[0])
    with pytest.raises(BadParameterError, match="node model"):
        csnn.Disconnect(n, n, syn_spec="iaf_psc_delta")
    with pytest.raises(BadTypeError, match="no post, conn_spec or syn_spec"):
        csnn.Disconnect(csnn.GetConnections(), n)
    generator, recorder = csnn.Create("poisson_generator"), csnn.Create("spike_recorder")
    csnn.Connect(generator, n)
    csnn.Connect(n, recorder)
    with pytest.raises(IllegalConnectionError, match="pre holds stimulation devices"):
        csnn.Disconnect(generator, n[0])
    with pytest.raises(IllegalConnectionError, match="post holds spike recorders"):
        csnn.Disconnect(n[0], recorder)
    with pytest.raises(IllegalConnectionError, match="is a device's"):
        csnn.GetConnections(generator).disconnect()
    with csnn.RunManager():
        with pytest.raises(KernelStateError):
            csnn.Disconnect(n, n)


def test_spikes_stop_travelling_a_removed_synapse_also_those_in_flight():
    # source -> a and b with one delay: a spike's batch holds both synapses; removing the one
    # to a must leave the spike in flight to b alone (the source relays the generator's 9.5 at
    # 10.0, the end of the first call; it arrives at 11.0)
    generator = csnn.Create("spike_generator", params={"spike_times": [1.0, 5.0, 9.5, 20.0, 30.0]})
    source, a, b = (csnn.Create("parrot_neuron") for _ in range(3))
    recorder = csnn.Create("spike_recorder")
    csnn.Connect(generator, source, syn_spec={"delay": 0.5})
    csnn.Connect(source, a + b, syn_spec={"delay": 1.0})
    csnn.Connect(a + b, recorder)
    csnn.Simulate(10.0)
    csnn.Disconnect(source, a)
    csnn.Simulate(30.0)
    events = recorder.get("events")
    times, senders = events["times"], events["senders"]
    assert times[senders == a.global_id].tolist() == [2.5, 6.5]
    assert times[senders == b.global_id].tolist() == [2.5, 6.5, 11.0, 21.5, 31.5]


def test_collections_got_before_a_removal_find_their_connections_again():
    n = csnn.Create("iaf_psc_delta", 5)
    csnn.Connect(n, n, "all_to_all", {"weight": np.arange(25.0).reshape(5, 5) + 1.0})
    conns = csnn.GetConnections()
    weights = dict(zip(zip(conns.sources(), conns.targets()), conns.get("weight")))
    for k, connection in enumerate(conns):           # NEST's loop: each one renumbered past the last
        if k % 3 == 0:
            connection.disconnect()
    kept = conns[1::3] + conns[2::3]
    got = kept.get(["source", "target", "weight"])
    assert got["weight"] == [weights[s, t] for s, t in zip(got["source"], got["target"])]
    assert len(csnn.GetConnections()) == len(kept) == 16
    with pytest.raises(IllegalConnectionError, match="connection 0 of this SynapseCollection was removed"):
        conns.get("weight")
    with pytest.raises(IllegalConnectionError, match="was removed by Disconnect"):
        csnn.Disconnect(conns[0])


def stdp_weights(removed_at):
    """Weights of the stdp_synapses from parrots 0..3 onto parrots 4..7 (receptor 1: the
    targets do not repeat these inputs, so their spikes are their generators' alone) after
    200 ms, where the synapses onto parrot 4 are removed at ``removed_at`` ms (None: never made)."""
    csnn.ResetKernel()
    csnn.SetKernelStatus({"rng_seed": 7})
    drive = csnn.Create("poisson_generator", params={"rate": 80.0})
    parrots = csnn.Create("parrot_neuron", 8)
    csnn.Connect(drive, parrots)
    pre, post = parrots[:4], parrots[4:]
    spec = {"synapse_model": "stdp_synapse", "weight": 1.0, "receptor_type": 1}
    targets = post if removed_at is not None else post[1:]
    csnn.Connect(pre, targets, "all_to_all", spec)
    if removed_at is None:
        csnn.Simulate(200.0)
    else:
        csnn.Simulate(removed_at)
        csnn.Disconnect(pre, post[0], conn_spec="all_to_all", syn_spec="stdp_synapse")
        csnn.Simulate(200.0 - removed_at)
    return triples(csnn, synapse_model="stdp_synapse")


def test_the_synapses_that_remain_keep_their_plastic_state():
    # a synapse's weight depends on its pre and post spikes only; the removed synapses shared
    # trace groups with the kept ones (same source and delay) until they went
    never = stdp_weights(None)
    assert len(never) == 12 and len({w for _, _, w in never}) > 1      # the weights did change
    assert stdp_weights(100.0) == never


@pytest.mark.nest
def test_the_connections_left_are_nests():
    nest = fresh_nest()
    build_and_disconnect(nest)
    build_and_disconnect(csnn)
    assert triples(csnn) == triples(nest)


def delta_network_spikes(sim):
    """Spikes of four iaf_psc_delta neurons driven through parrots by spike trains on the grid,
    with a Disconnect at 50 ms between Simulate calls (no spike in flight then: the trains
    pause from 45 to 55 ms)."""
    rng = np.random.default_rng(3)
    times = [np.unique(np.r_[rng.integers(10, 450, 30), rng.integers(550, 1000, 30)]) / 10.0 for _ in range(4)]
    generators = sim.Create("spike_generator", 4)
    for g, t in zip(generators, times):
        g.set(spike_times=t.tolist())
    parrots = sim.Create("parrot_neuron", 4)
    neurons = sim.Create("iaf_psc_delta", 4)
    recorder = sim.Create("spike_recorder")
    sim.Connect(generators, parrots, "one_to_one")
    sim.Connect(parrots, neurons, "all_to_all", {"weight": 8.0, "delay": 1.0})
    sim.Connect(neurons, recorder)
    sim.Simulate(50.0)
    sim.Disconnect(parrots[:2], neurons[1:3], conn_spec="one_to_one")
    sim.Disconnect(parrots[3], neurons[0])
    sim.Simulate(50.0)
    events = recorder.get("events")
    # the times are grid steps: NEST computes step * 0.1 (3.8000000000000003), csnn step / 10
    return sorted(zip(np.asarray(events["senders"]).tolist(), np.round(events["times"], 9).tolist()))


@pytest.mark.nest
def test_spikes_after_a_disconnect_are_nests():
    nest = fresh_nest()
    expected = delta_network_spikes(nest)
    assert len(expected) > 20 and max(t for _, t in expected) > 55.0
    assert delta_network_spikes(csnn) == expected
