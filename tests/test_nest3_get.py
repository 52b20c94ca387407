"""What get, GetStatus and attribute access return, in NEST 3.10's shapes (csnn/network/results.py).

Nodes: a tuple of plain Python values for several nodes, the value for one, a dict of those
for several keys, every key sorted for ``get()``, None where a node's model lacks a key; a
recorder's events stay a dict of numpy arrays.  Connections: lists instead of tuples.
``output='json'`` and ``output='pandas'`` as NEST builds them; GetStatus's tuples.

The kernel status: NEST's timers (create, connect, the last Simulate), the spike counter of the
last call, min_delay and max_delay set together before connections exist, and every key of
NEST 3.10's GetKernelStatus() given or refused by name.  The tests marked ``nest`` make the
same calls on NEST and compare the types and values, and run NEST's cuba.py.
"""
import json
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest

import csnn
from csnn.errors import BadParameterError, BadTypeError, MissingDependencyError, UnknownParameterError

from conftest import quiet


@pytest.fixture(autouse=True)
def fresh_kernel():
    quiet(csnn)
    csnn.ResetKernel()


def network(sim):
    """Two neurons, a parrot, two spike recorders (one records both neurons), static
    connections between the neurons both ways and an stdp_synapse from the first neuron to the parrot; 50 ms run."""
    n = sim.Create("iaf_psc_alpha", 2, params={"I_e": 500.0})
    parrot = sim.Create("parrot_neuron")
    sr = sim.Create("spike_recorder", 2)
    sim.Connect(n, sr[0])
    for source, target in ((n[0], n[1]), (n[1], n[0])):
        sim.Connect(source, target, syn_spec={"weight": 2.0, "delay": 1.5})
    sim.Connect(n[0], parrot, syn_spec={"synapse_model": "stdp_synapse", "weight": 3.0})
    sim.Simulate(50.0)
    return n, parrot, sr


# -- nodes ----------------------------------------------------------------------------------------

def test_several_nodes_give_tuples_of_plain_values_one_node_the_value():
    n, parrot, sr = network(csnn)
    assert n.get("C_m") == (250.0, 250.0) and n.C_m == (250.0, 250.0)
    assert all(type(v) is float for v in n.get("V_m"))
    assert n[0].get("C_m") == 250.0 and type(n[0].C_m) is float
    assert n.get(["C_m", "V_th"]) == {"C_m": (250.0, 250.0), "V_th": (-55.0, -55.0)}
    assert n.get(("C_m", "V_th")) == n.get({"C_m", "V_th"}) == n.get(["C_m", "V_th"])
    assert n[1].get(["C_m", "V_th"]) == {"C_m": 250.0, "V_th": -55.0}
    assert n.get("global_id") == (1, 2) and n.get("local") == (True, True)
    assert n.get("model") == ("iaf_psc_alpha",) * 2 and n.get("recordables")[0] == n[0].get("recordables")
    counts = sr.get("n_events")
    assert counts[0] > 0 and counts[1] == 0 and all(type(c) is int for c in counts)
    assert type(sr[0].get("stop")) is float               # no numpy scalars
    everything = n.get()
    assert list(everything) == sorted(everything) and everything["I_e"] == (500.0, 500.0)
    assert list(n[0].get()) == sorted(n[0].get()) and n[0].get()["I_e"] == 500.0


def test_a_key_some_nodes_lack_is_none_for_them():
    n, parrot, sr = network(csnn)
    mixed = n + sr[0]
    assert mixed.get("C_m") == (250.0, 250.0, None)
    assert mixed.get(["global_id", "model"]) == {"global_id": (1, 2, 4),
                                                 "model": ("iaf_psc_alpha", "iaf_psc_alpha", "spike_recorder")}
    everything = mixed.get()
    assert everything["C_m"] == (250.0, 250.0, None) and everything["n_events"][:2] == (None, None)
    assert everything["recordables"][2] is None and list(everything) == sorted(everything)
    assert csnn.GetStatus(mixed, "C_m") == (250.0, 250.0, None)
    with pytest.raises(UnknownParameterError, match=r"unknown parameter of iaf_psc_alpha 'C_n'\. Did you mean 'C_m'"):
        mixed.get("C_n")


def test_hierarchical_get_gives_a_list_per_entry_for_several_recorders():
    n, parrot, sr = network(csnn)
    events = sr.get("events")
    assert isinstance(events, tuple) and all(isinstance(e["times"], np.ndarray) for e in events)
    times = sr.get("events", "times")
    assert isinstance(times, list) and np.array_equal(times[0], events[0]["times"]) and times[1].size == 0
    both = sr.get("events", ["senders", "times"])
    assert set(both) == {"senders", "times"} and isinstance(both["senders"], list)
    assert isinstance(sr[0].get("events", "times"), np.ndarray)
    assert isinstance(sr[0].events["senders"], np.ndarray)


def test_an_empty_collection_has_nothing_to_get():
    empty = csnn.Create("iaf_psc_delta", 3)[0:0]
    with pytest.raises(BadParameterError, match="the NodeCollection is empty"):
        empty.get("V_m")
    with pytest.raises(BadParameterError, match="the NodeCollection is empty"):
        empty.get()
    with pytest.raises(AttributeError, match="cannot get 'V_m' of an empty NodeCollection"):
        empty.V_m
    assert not hasattr(empty, "V_m")
    assert csnn.GetStatus(empty) == () and csnn.GetStatus(empty, "V_m") == ()
    assert csnn.GetStatus(empty, output="json") == "[]"
    none = csnn.GetConnections()
    assert none.get() == {} and none.get("weight") == () and none.get(["weight"]) == ()
    assert none.get(output="json") == "{}"


# -- connections ----------------------------------------------------------------------------------

def test_connections_give_lists_one_connection_the_value():
    n, parrot, sr = network(csnn)
    static = csnn.GetConnections(n, n)
    assert static.get("weight") == [2.0, 2.0] and static.weight == [2.0, 2.0]
    assert static.get(["source", "target"]) == {"source": [1, 2], "target": [2, 1]}
    assert static[0].get("weight") == 2.0 and type(static[0].get("source")) is int
    assert static[0].get(["weight", "delay"]) == {"weight": 2.0, "delay": 1.5}
    assert list(static.get()) == sorted(static.get()) and static.get()["synapse_model"] == ["static_synapse"] * 2


def test_a_plastic_property_is_none_for_the_static_connections():
    n, parrot, sr = network(csnn)
    conns = csnn.GetConnections(n[0], n[1] + parrot)
    models = conns.get("synapse_model")
    assert sorted(models) == ["static_synapse", "stdp_synapse"]
    tau_plus = conns.get("tau_plus")
    assert [t for t, m in zip(tau_plus, models) if m == "static_synapse"] == [None]
    assert [t for t, m in zip(tau_plus, models) if m == "stdp_synapse"] == [20.0]
    assert conns.get()["Wmax"].count(None) == 1
    with pytest.raises(UnknownParameterError, match="unknown connection property 'tau_pluss'"):
        conns.get("tau_pluss")


def test_synapse_collections_compare_by_their_connections():
    n, parrot, sr = network(csnn)
    static = csnn.GetConnections(n, n)
    assert static == csnn.GetConnections(n, n) and static[0] == static[:1] and static[0] != static[1]
    assert static[0] in static and static[::-1].get("source") == [2, 1] and static != 3
    with pytest.raises(TypeError, match="unhashable"):
        hash(static)


def test_synapse_id_is_the_models_synapse_modelid():
    csnn.CopyModel("static_synapse", "my_synapse")
    n = csnn.Create("iaf_psc_delta", 2)
    csnn.Connect(n[0], n[1], syn_spec="my_synapse")
    csnn.Connect(n[1], n[0], syn_spec={"synapse_model": "stdp_synapse"})
    for connection in csnn.GetConnections():
        model = connection.get("synapse_model")
        assert connection.get("synapse_id") == csnn.GetDefaults(model, "synapse_modelid")
    ids = {model: csnn.GetDefaults(model)["synapse_modelid"] for model in ("static_synapse", "stdp_synapse", "my_synapse")}
    assert len(set(ids.values())) == 3 and ids["my_synapse"] > max(ids["static_synapse"], ids["stdp_synapse"])


# -- GetStatus -------------------------------------------------------------------------------------

def test_get_status_gives_nests_tuples():
    n, parrot, sr = network(csnn)
    assert csnn.GetStatus(n, "C_m") == (250.0, 250.0) and csnn.GetStatus(n[0], "C_m") == (250.0,)
    assert csnn.GetStatus(n, ["C_m", "V_th"]) == ((250.0, -55.0), (250.0, -55.0))
    rows = csnn.GetStatus(n)
    assert isinstance(rows, tuple) and len(rows) == 2 and rows[1]["global_id"] == 2 and list(rows[0]) == sorted(rows[0])
    assert csnn.GetStatus([1, 2], "C_m") == (250.0, 250.0)          # NEST 2's id lists
    static = csnn.GetConnections(n, n)
    assert csnn.GetStatus(static, "weight") == [2.0, 2.0]           # a list for connections, as NEST's
    assert csnn.GetStatus(static[0], "weight") == (2.0,)
    assert csnn.GetStatus(static, ["weight", "delay"]) == ((2.0, 1.5), (2.0, 1.5))
    assert csnn.GetStatus(static[0])[0]["weight"] == 2.0


# -- json and pandas --------------------------------------------------------------------------------

def test_json_output_is_the_result_as_a_json_string():
    n, parrot, sr = network(csnn)
    assert n.get("C_m", output="json") == "[250.0, 250.0]"
    assert json.loads(n.get(["C_m", "V_th"], output="json")) == {"C_m": [250.0, 250.0], "V_th": [-55.0, -55.0]}
    assert json.loads(n[0].get(output="json"))["global_id"] == 1
    assert json.loads(sr[0].get("events", output="json"))["senders"] == sr[0].events["senders"].tolist()
    static = csnn.GetConnections(n, n)
    assert static.get("weight", output="json") == "[2.0, 2.0]"
    assert csnn.GetStatus(n, "C_m", output="json") == "[250.0, 250.0]"
    assert json.loads(csnn.GetStatus(n, output="json"))[0]["C_m"] == 250.0
    assert json.loads(csnn.to_json({"nodes": n, "connections": static}))["nodes"] == [1, 2]
    assert json.loads(csnn.to_json(static))["weight"] == [2.0, 2.0]
    assert csnn.serialize_data((np.float64(1.5), np.arange(2))) == [1.5, [0, 1]]
    assert csnn.to_json(float("inf")) == "Infinity"                  # as NEST's (json's default)


def test_a_bad_output_is_refused():
    n = csnn.Create("iaf_psc_delta", 2)
    for call in (lambda: n.get("V_m", output="csv"), lambda: csnn.GetStatus(n, output="csv"),
                 lambda: csnn.GetConnections().get(output="csv")):
        with pytest.raises(BadTypeError, match=r"output = 'csv' is invalid; accepted: '' \(default\), 'json', 'pandas'"):
            call()


def test_pandas_output_without_pandas_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)            # import pandas then fails
    n = csnn.Create("iaf_psc_delta", 2)
    with pytest.raises(MissingDependencyError, match=r"get\(output='pandas'\) needs pandas.*pip install pandas"):
        n.get("V_m", output="pandas")
    with pytest.raises(MissingDependencyError, match="needs pandas"):
        csnn.GetConnections().get(output="pandas")


def test_pandas_output_is_a_frame_indexed_by_node_id_or_source():
    pandas = pytest.importorskip("pandas")
    n, parrot, sr = network(csnn)
    frame = n.get(["C_m", "V_th"], output="pandas")
    assert isinstance(frame, pandas.DataFrame) and frame.index.tolist() == [1, 2]
    assert frame["C_m"].tolist() == [250.0, 250.0] and frame.columns.tolist() == ["C_m", "V_th"]
    assert n.get("C_m", output="pandas").columns.tolist() == ["C_m"]
    assert n[1].get("C_m", output="pandas").index.tolist() == [2]
    assert n.get(output="pandas").columns.tolist() == sorted(n.get())
    static = csnn.GetConnections(n, n)
    weights = static.get("weight", output="pandas")
    assert weights.index.tolist() == [1, 2] and weights["weight"].tolist() == [2.0, 2.0]


# -- cross-checks against NEST ------------------------------------------------------------------------

def described(value):
    """A value as a comparable description: its type and, for plain values, the value itself;
    arrays by their kind only (spike times differ: NEST's are on the grid)."""
    if isinstance(value, np.ndarray):
        return ("array", value.dtype.kind if value.size else "empty")
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, [described(v) for v in value])
    if isinstance(value, dict):
        return ("dict", {k: described(v) for k, v in value.items()})
    return (type(value).__name__, value)


#: calls made on both simulators: (n, parrot, sr, static connections, mixed connections) -> result
CALLS = {
    "n.get('C_m')": lambda s, n, p, sr, st, mx: n.get("C_m"),
    "n[0].get('C_m')": lambda s, n, p, sr, st, mx: n[0].get("C_m"),
    "n.get(['C_m', 'V_th'])": lambda s, n, p, sr, st, mx: n.get(["C_m", "V_th"]),
    "n[0].get(['C_m', 'V_th'])": lambda s, n, p, sr, st, mx: n[0].get(["C_m", "V_th"]),
    "n.C_m": lambda s, n, p, sr, st, mx: n.C_m,
    "n.get('global_id')": lambda s, n, p, sr, st, mx: n.get("global_id"),
    "n.get('local')": lambda s, n, p, sr, st, mx: n.get("local"),
    "n.get('model')": lambda s, n, p, sr, st, mx: n.get("model"),
    "n.get({'C_m', 'I_e'})": lambda s, n, p, sr, st, mx: n.get({"C_m", "I_e"}),
    "(n + sr[0]).get('C_m')": lambda s, n, p, sr, st, mx: (n + sr[0]).get("C_m"),
    "(n + sr[0]).get(['global_id', 'model'])": lambda s, n, p, sr, st, mx: (n + sr[0]).get(["global_id", "model"]),
    "sr.get('n_events')": lambda s, n, p, sr, st, mx: (type(sr.get("n_events")), [type(v) for v in sr.get("n_events")]),
    "sr.get('events')": lambda s, n, p, sr, st, mx: sr.get("events"),
    "sr.get('events', 'times')": lambda s, n, p, sr, st, mx: sr.get("events", "times"),
    "sr[0].get('events', ['senders', 'times'])": lambda s, n, p, sr, st, mx: sr[0].get("events", ["senders", "times"]),
    "sr.get('events', ['senders', 'times'])": lambda s, n, p, sr, st, mx: sr.get("events", ["senders", "times"]),
    "GetStatus(n, 'C_m')": lambda s, n, p, sr, st, mx: s.GetStatus(n, "C_m"),
    "GetStatus(n[0], 'C_m')": lambda s, n, p, sr, st, mx: s.GetStatus(n[0], "C_m"),
    "GetStatus(n, ['C_m', 'V_th'])": lambda s, n, p, sr, st, mx: s.GetStatus(n, ["C_m", "V_th"]),
    "GetStatus(n, ['global_id', 'global_id'])": lambda s, n, p, sr, st, mx: s.GetStatus(n, ["global_id", "global_id"]),
    "GetStatus(n)[0]['C_m']": lambda s, n, p, sr, st, mx: (type(s.GetStatus(n)), s.GetStatus(n)[0]["C_m"]),
    "GetStatus(n, 'C_m', output='json')": lambda s, n, p, sr, st, mx: s.GetStatus(n, "C_m", output="json"),
    "n.get(['C_m', 'V_th'], output='json')": lambda s, n, p, sr, st, mx: n.get(["C_m", "V_th"], output="json"),
    "st.get('weight')": lambda s, n, p, sr, st, mx: st.get("weight"),
    "st.weight": lambda s, n, p, sr, st, mx: st.weight,
    "st[0].get('weight')": lambda s, n, p, sr, st, mx: st[0].get("weight"),
    "st.get(['source', 'target', 'delay'])": lambda s, n, p, sr, st, mx: st.get(["source", "target", "delay"]),
    "st[0].get(['weight', 'delay'])": lambda s, n, p, sr, st, mx: st[0].get(["weight", "delay"]),
    "st.get('weight', output='json')": lambda s, n, p, sr, st, mx: st.get("weight", output="json"),
    "GetStatus(st, 'weight')": lambda s, n, p, sr, st, mx: s.GetStatus(st, "weight"),
    "GetStatus(st[0], 'weight')": lambda s, n, p, sr, st, mx: s.GetStatus(st[0], "weight"),
    "GetStatus(st, ['weight', 'delay'])": lambda s, n, p, sr, st, mx: s.GetStatus(st, ["weight", "delay"]),
    "sorted(mx.get('tau_plus'))": lambda s, n, p, sr, st, mx: sorted(mx.get("tau_plus"), key=str),
    "st == st[:]": lambda s, n, p, sr, st, mx: st == st[:],
    "st[0] == st[1]": lambda s, n, p, sr, st, mx: st[0] == st[1],
    "st[0] in st": lambda s, n, p, sr, st, mx: st[0] in st,
    "st[::-1].get('source')": lambda s, n, p, sr, st, mx: st[::-1].get("source"),
    "synapse_id is synapse_modelid": lambda s, n, p, sr, st, mx: [
        c.get("synapse_id") == s.GetDefaults(c.get("synapse_model"))["synapse_modelid"] for c in mx],
    "empty.get()": lambda s, n, p, sr, st, mx: s.GetConnections(p).get(),
    "empty.get('weight')": lambda s, n, p, sr, st, mx: s.GetConnections(p).get("weight"),
}


@pytest.mark.nest
@pytest.mark.filterwarnings("ignore:\\s*GetStatus\\(\\) is deprecated:UserWarning")     # NEST 3.10 warns
@pytest.mark.parametrize("call", sorted(CALLS))
def test_get_returns_what_nest_returns(call):
    nest = pytest.importorskip("nest")
    quiet(nest)
    results = []
    for sim in (nest, csnn):
        sim.ResetKernel()
        n, parrot, sr = network(sim)
        static = sim.GetConnections(n, n)
        mixed = sim.GetConnections(n[0], n[1] + parrot)
        results.append(described(CALLS[call](sim, n, parrot, sr, static, mixed)))
    assert results[1] == results[0]


@pytest.mark.nest
def test_pandas_frames_are_nests():
    pytest.importorskip("pandas")
    nest = pytest.importorskip("nest")
    quiet(nest)
    frames = []
    for sim in (nest, csnn):
        sim.ResetKernel()
        n, parrot, sr = network(sim)
        static = sim.GetConnections(n, n)
        frames.append([n.get(["C_m", "V_th"], output="pandas"), n.get("I_e", output="pandas"),
                       n[0].get(["C_m"], output="pandas"), static.get(["weight", "delay"], output="pandas"),
                       static[0].get("weight", output="pandas")])
    for ours, theirs in zip(frames[1], frames[0]):
        assert ours.equals(theirs) and ours.index.tolist() == theirs.index.tolist()


# -- kernel status ------------------------------------------------------------------------------------

def test_the_timers_measure_create_connect_and_the_last_simulate():
    status = csnn.GetKernelStatus()
    assert all(status[key] == 0.0 for key in status if key.startswith("time_construction") or key.startswith("time_sim"))
    nodes = csnn.Create("iaf_psc_delta", 2000, params={"I_e": 400.0})
    created = csnn.GetKernelStatus("time_construction_create")
    assert created > 0.0 and csnn.GetKernelStatus("time_construction_connect") == 0.0
    csnn.Connect(nodes, nodes, {"rule": "fixed_indegree", "indegree": 100}, {"weight": 0.1})
    connected = csnn.GetKernelStatus("time_construction_connect")
    assert connected > 0.0 and csnn.GetKernelStatus("time_construction_create") == created
    csnn.Create("iaf_psc_delta")
    assert csnn.GetKernelStatus("time_construction_create") > created          # summed since ResetKernel
    csnn.Simulate(500.0)
    long_run = csnn.GetKernelStatus("time_simulate")
    csnn.Simulate(0.1)
    assert 0.0 < csnn.GetKernelStatus("time_simulate") < long_run               # the last call's
    assert csnn.GetKernelStatus("time_construction_connect") == connected
    csnn.Prepare()
    csnn.Run(100.0)
    first = csnn.GetKernelStatus("time_simulate")
    csnn.Run(100.0)
    assert csnn.GetKernelStatus("time_simulate") > first                       # Prepare and its Runs
    csnn.Cleanup()
    assert all(csnn.GetKernelStatus(f"{key}_cpu") >= 0.0 for key in ("time_construction_create", "time_simulate"))
    csnn.ResetKernel()
    assert csnn.GetKernelStatus("time_construction_create") == csnn.GetKernelStatus("time_simulate") == 0.0


def test_the_spike_counter_counts_the_last_call():
    nodes = csnn.Create("iaf_psc_delta", 10, params={"I_e": 400.0})
    rec = csnn.Create("spike_recorder")
    csnn.Connect(nodes, rec)
    csnn.Simulate(100.0)
    first = rec.get("n_events")
    assert first > 0 and csnn.local_spike_counter == first
    csnn.Simulate(100.0)
    assert csnn.local_spike_counter == rec.get("n_events") - first
    csnn.Prepare()
    csnn.Run(50.0)
    before = rec.get("n_events")
    csnn.Run(50.0)
    assert csnn.GetKernelStatus("local_spike_counter") == rec.get("n_events") - before
    csnn.Cleanup()


def test_nests_keys_csnn_does_not_offer_are_refused_by_name():
    for key, reason in [("rng_type", "keyed by rng_seed"), ("use_wfr", "no gap junctions"),
                        ("time_deliver_spike_data", "detailed timers"), ("buffer_size_spike_data", "MPI buffers")]:
        message = rf"kernel status key '{key}' is NEST's, but csnn does not offer it: .*{reason}"
        with pytest.raises(UnknownParameterError, match=message):
            csnn.GetKernelStatus(key)
        with pytest.raises(UnknownParameterError, match=message):
            csnn.GetKernelStatus(["resolution", key])
        with pytest.raises(UnknownParameterError, match=message):
            csnn.SetKernelStatus({key: 1})
        with pytest.raises(AttributeError, match=message):
            getattr(csnn, key)
    assert "rng_type" not in csnn.GetKernelStatus()
    with pytest.raises(UnknownParameterError, match=r"unknown kernel status key 'time_simulat'\. Did you mean"):
        csnn.GetKernelStatus("time_simulat")


def test_what_csnn_adds_from_nests_list():
    status = csnn.GetKernelStatus()
    assert status["mpi_rank"] == 0 and status["prepared"] is False and status["to_do"] == 0
    assert status["modules"] == () and status["stimulation_backends"] == ()
    assert "memory" in status["recording_backends"] and "ascii" in csnn.recording_backends
    csnn.Prepare()
    assert csnn.GetKernelStatus("prepared") is True
    csnn.Cleanup()
    level = csnn.verbosity
    try:
        csnn.SetKernelStatus({"verbosity": csnn.VerbosityLevel.ERROR})
        csnn.ResetKernel()                                   # the process's, as NEST's
        assert csnn.get("verbosity") == csnn.verbosity == csnn.get_verbosity() == csnn.VerbosityLevel.ERROR
        with pytest.raises(csnn.CSNNError, match="SetKernelStatus: verbosity: unknown level 'M_LOUD'"):
            csnn.SetKernelStatus({"rng_seed": 3, "verbosity": "M_LOUD"})
        assert csnn.rng_seed != 3                            # nothing set
    finally:
        csnn.set_verbosity(level)


def test_min_and_max_delay_are_set_together_before_connections():
    csnn.set(min_delay=0.5, max_delay=4.0)
    assert csnn.GetKernelStatus(["min_delay", "max_delay"]) == (0.5, 4.0)
    nodes = csnn.Create("iaf_psc_delta", 2)
    with pytest.raises(BadParameterError, match=r"delay = 5\.0 ms is invalid: it is outside \[min_delay, max_delay\] "
                                                r"= \[0\.5, 4\.0\] ms"):
        csnn.Connect(nodes, nodes, syn_spec={"delay": 5.0})
    with pytest.raises(BadParameterError, match=r"delay = 0\.2 ms is invalid: it is outside"):
        csnn.Connect(nodes, nodes, syn_spec={"delay": 0.2})
    csnn.Connect(nodes, nodes, syn_spec={"delay": 2.0})
    assert csnn.GetKernelStatus(["min_delay", "max_delay"]) == (0.5, 4.0)      # the bounds, as NEST's
    with pytest.raises(BadParameterError, match=r"delay = 4\.5 ms is invalid: it is outside"):
        csnn.GetConnections().set(delay=4.5)
    with pytest.raises(csnn.errors.KernelStateError, match="cannot change once connections exist"):
        csnn.set(min_delay=0.1, max_delay=1.0)
    csnn.ResetKernel()
    with pytest.raises(BadParameterError, match="set together, as in NEST: give both \\(max_delay is missing\\)"):
        csnn.SetKernelStatus({"min_delay": 0.5})
    with pytest.raises(BadParameterError, match="min_delay = 5.0 ms is invalid: it must not exceed max_delay = 0.5 ms"):
        csnn.set(min_delay=5.0, max_delay=0.5)
    with pytest.raises(BadParameterError, match="max_delay = 'a' is invalid: must be a finite number > 0"):
        csnn.set(min_delay=0.5, max_delay="a")
    csnn.Connect(*[csnn.Create("iaf_psc_delta")] * 2, syn_spec={"delay": 7.0})   # no bounds: any delay
    assert csnn.GetKernelStatus(["min_delay", "max_delay"]) == (7.0, 7.0)


def nest_script(tmp_path, names, changes=()):
    """NEST's example scripts ``names`` (of brette_et_al_2007/) in ``tmp_path`` with ``import nest``
    changed to ``import csnn as nest`` and the (pattern, replacement) ``changes``."""
    nest = pytest.importorskip("nest")
    folder = pathlib.Path(nest.__file__).parent / "doc" / "examples" / "pynest" / "brette_et_al_2007"
    for name in names:
        source = (folder / name).read_text().replace("\nimport nest\n", "\nimport csnn as nest\n")
        for pattern, replacement in changes:
            source = source.replace(pattern, replacement)
        assert "import csnn as nest" in source
        (tmp_path / name).write_text(source)


@pytest.mark.nest
def test_nests_cuba_benchmark_runs_with_only_its_import_changed(tmp_path):
    """brette_et_al_2007/cuba.py reads time_construction_create, time_construction_connect and
    time_simulate (1 s simulated instead of 10)."""
    nest_script(tmp_path, ["cuba.py", "brette_et_al_2007_benchmark.py"], [('"simtime": 10000.0', '"simtime": 1000.0')])
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    out = subprocess.run([sys.executable, "cuba.py"], cwd=tmp_path, capture_output=True, text=True, timeout=300, env=env)
    assert out.returncode == 0, out.stderr
    assert "Number of Neurons : 4000" in out.stdout and "Simulation time" in out.stdout
    rates = [float(line.split(":")[1].split()[0]) for line in out.stdout.splitlines() if "rate" in line]
    assert len(rates) == 2 and all(1.0 < rate < 50.0 for rate in rates), out.stdout


#: kernel status keys whose values are compared with NEST's on a fresh kernel and after the same run
SAME_AS_NEST = ("resolution", "rng_seed", "local_num_threads", "total_num_virtual_procs", "num_processes",
                "mpi_rank", "tics_per_ms", "ms_per_tic", "tics_per_step", "biological_time", "network_size",
                "num_connections", "min_delay", "max_delay", "prepared", "to_do", "local_spike_counter",
                "print_time", "overwrite_files", "data_path", "data_prefix", "dict_miss_is_error")


@pytest.mark.nest
def test_every_key_of_nests_kernel_status_is_given_or_refused():
    nest = pytest.importorskip("nest")
    quiet(nest)
    nest.ResetKernel()
    for key in nest.GetKernelStatus():
        try:
            csnn.GetKernelStatus(key)
        except UnknownParameterError as err:
            assert f"kernel status key {key!r} is NEST's, but csnn does not offer it" in str(err)


@pytest.mark.nest
def test_kernel_status_values_are_nests():
    nest = pytest.importorskip("nest")
    quiet(nest)
    values = []
    for sim in (nest, csnn):
        sim.ResetKernel()
        fresh = sim.GetKernelStatus(list(SAME_AS_NEST))
        timers = [sim.GetKernelStatus(key) for key in ("time_construction_create", "time_simulate")]
        nodes = sim.Create("iaf_psc_delta", 3, params={"I_e": [400.0, 500.0, 600.0]})
        sim.Connect(nodes[0], nodes[1], syn_spec={"delay": 2.5, "weight": 0.0})
        sim.Simulate(100.0)
        first = sim.GetKernelStatus(list(SAME_AS_NEST))
        sim.Simulate(50.0)
        values.append((fresh, timers, first, sim.GetKernelStatus(list(SAME_AS_NEST))))
    assert values[1] == values[0]
