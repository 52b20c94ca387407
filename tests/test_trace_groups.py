"""Trace groups (csnn/_core/traces.pyx): plastic synapses of one source that share its
presynaptic traces behave exactly as synapses with traces of their own, whatever the thread
count, across copy on write (set Kplus) and synapses made after their source has spiked."""
import numpy as np
import pytest

import csnn
from test_stdp import D0, RULES, STATE_TOL, W_TOL_EXACT, assert_weights, poisson_offgrid, reference_for

pytestmark = pytest.mark.usefixtures("fresh_kernel")

T1, T2 = 300.0, 600.0     # ms: the network changes at T1
DELAY = 1.5               # ms, every plastic synapse's
SET_KPLUS = 2.5           # set at T1 on some synapses of the first source


def trains(seed):
    """Generator times of 3 sources (none within 5 ms before T1, so that no spike is in flight
    when the network changes), 5 targets and 2 targets made at T1 (spiking after it)."""
    rng = np.random.default_rng(seed)
    quiet = [t[(t < T1 - 5.0) | (t > T1 + 1.0)] for t in (poisson_offgrid(rng, 40.0, T2 - 10.0) for _ in range(3))]
    posts = [poisson_offgrid(rng, 30.0, T2 - 10.0) for _ in range(5)]
    late = [poisson_offgrid(rng, 30.0, T2 - 10.0, t_min=T1 + 1.0) for _ in range(2)]
    return quiet, posts, late


def parrots(trains):
    """One parrot per train, driven by a spike generator with its times."""
    out = []
    for times in trains:
        parrot = csnn.Create("parrot_neuron")
        csnn.Connect(csnn.Create("spike_generator", params={"spike_times": times}), parrot, syn_spec={"delay": D0})
        out.append(parrot)
    return out


def run(model, threads, seed=3):
    """The network: every source onto every target (weight 40), again onto the first two
    (weight 60, another Connect call: the same groups); at T1 Kplus set on the first source's
    synapses onto the first target (where the rule has a Kplus), two targets added and every
    source connected onto them.  Returns the connections' table at T2, the group count after
    the first and the second Simulate, and each synapse's key per group (checked below)."""
    csnn.ResetKernel()
    csnn.SetKernelStatus({"local_num_threads": threads})
    pre_trains, post_trains, late_trains = trains(seed)
    pres, posts = parrots(pre_trains), parrots(post_trains)
    spec = {"synapse_model": model, "delay": DELAY, "receptor_type": 1}
    for targets, weight in ((posts, 40.0), (posts[:2], 60.0)):
        for pre in pres:
            csnn.Connect(pre, csnn.NodeCollection([p.tolist()[0] for p in targets]), "all_to_all",
                         dict(spec, weight=weight))
    engine = csnn.network.kernel.current().engine
    initial = csnn.GetConnections(synapse_model=model).get("weight")
    csnn.Simulate(T1)
    groups_before = len(engine.traces)
    if "Kplus" in RULES[model].defaults:
        csnn.GetConnections(pres[0], posts[0]).set(Kplus=SET_KPLUS)
    late = parrots(late_trains)
    for pre in pres:
        csnn.Connect(pre, csnn.NodeCollection([p.tolist()[0] for p in late]), "all_to_all", dict(spec, weight=50.0))
    csnn.Simulate(T2 - T1)
    ids = [p.tolist()[0] for p in pres + posts + late]
    table = csnn.GetConnections(csnn.NodeCollection(ids), synapse_model=model).get(
        ["source", "target", "weight"] + [k for k in ("Kplus", "Kplus_triplet") if k in RULES[model].defaults])
    source, _ = engine.plastic.rows()
    keys = np.stack([source, engine.plastic.column("delay").view(np.int64), engine.plastic.columns["set"]], axis=1)
    members = [keys[engine.plastic.columns["group"] == g] for g in range(len(engine.traces))]
    setup = {"pre": pre_trains, "post": post_trains, "late": late_trains, "initial": np.asarray(initial),
             "ids": ([p.tolist()[0] for p in pres], [p.tolist()[0] for p in posts], [p.tolist()[0] for p in late])}
    return {k: np.asarray(v) for k, v in table.items()}, groups_before, len(engine.traces), members, setup


@pytest.mark.parametrize("model", ["stdp_synapse", "stdp_triplet_synapse", "stdp_nn_pre_centered_synapse",
                                   "stdp_nn_symm_synapse"])
def test_shared_traces_match_each_synapse_reference_on_any_thread_count(model):
    table, groups_before, groups_after, members, setup = run(model, threads=1)
    # one group per source, shared by both Connect calls; then one for the synapses whose Kplus
    # was set (copy on write) and one per source for the synapses made after it spiked
    has_kplus = "Kplus" in RULES[model].defaults and model != "stdp_nn_pre_centered_synapse"
    assert groups_before == 3
    assert groups_after == 3 + 3 + (1 if has_kplus else 0)
    for keys in members:
        assert keys.size and np.all(keys == keys[0]), "a group's synapses share source, delay and parameters"
    pre_ids, post_ids, late_ids = setup["ids"]
    late = np.isin(table["target"], late_ids)
    w0 = np.full(late.size, 50.0)
    w0[~late] = setup["initial"]           # (source, target) order, multapses in connection order
    for k in range(table["source"].size):
        s, t = pre_ids.index(int(table["source"][k])), int(table["target"][k])
        post = setup["late"][late_ids.index(t)] if late[k] else setup["post"][post_ids.index(t)]
        pre = setup["pre"][s][setup["pre"][s] > T1] if late[k] else setup["pre"][s]
        changed = "Kplus" in RULES[model].defaults and s == 0 and t == post_ids[0]
        [ref] = reference_for(model, [dict(pre=0, delay=DELAY, weight=w0[k])], [pre], post + D0,
                              change=(T1, {"Kplus": SET_KPLUS}) if changed else None)
        assert ref.weights.size > 3
        assert_weights(table["weight"][k], ref.final, 100.0, what=f"synapse {k}")
        for name in ("Kplus", "Kplus_triplet"):
            if name in table:
                assert abs(table[name][k] - ref.state[name]) <= STATE_TOL * max(1.0, ref.state[name]), name
    threaded = run(model, threads=3)[0]
    for name, values in table.items():
        np.testing.assert_array_equal(threaded[name], values, err_msg=name)
