"""NodeCollection: ``nodes[i]`` and iteration give one-node collections behaving as NEST 3's
(attribute access, ``+``, comparisons, slicing, ``in``, ``index``, ``tolist``, ``global_id``,
numpy conversion), the NEST 2 meanings csnn keeps (a single node equals and hashes as its id,
``int()``, lists mixing ids and single nodes), for every node kind, cross-checked against NEST 3."""
import operator

import numpy as np
import pytest

import csnn
from csnn import analysis
from csnn.errors import BadParameterError, BadTypeError, UnknownAttributeError, UnknownParameterError
from conftest import quiet

pytestmark = pytest.mark.usefixtures("fresh_kernel")

#: per node model, a parameter and a valid value other than its default
PARAMETER = {
    "ac_generator": ("amplitude", 5.0),
    "dc_generator": ("amplitude", 100.0),
    "hh_psc_alpha": ("V_m", -60.0),
    "iaf_psc_alpha": ("V_m", -60.0),
    "iaf_psc_delta": ("V_m", -60.0),
    "iaf_psc_exp": ("V_m", -60.0),
    "inhomogeneous_poisson_generator": ("start", 5.0),
    "multimeter": ("interval", 0.5),
    "noise_generator": ("std", 10.0),
    "ou_noise_generator": ("std", 10.0),
    "parrot_neuron": ("tau_minus", 15.0),
    "poisson_generator": ("rate", 5.0),
    "pulsepacket_generator": ("sdev", 1.0),
    "spike_generator": ("spike_times", [1.0, 2.5]),
    "spike_recorder": ("start", 10.0),
    "srm_psc_exp": ("V_th", 400.0),
    "step_current_generator": ("stop", 50.0),
    "voltmeter": ("interval", 0.5),
    "weight_recorder": ("start", 1.0),
}


def plain(value):
    """``value`` with numpy arrays as lists (in dicts too), for comparing statuses with ==."""
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    return value.tolist() if isinstance(value, np.ndarray) else value


def status(node):
    """A node's status without its id (which tells nodes apart)."""
    return {key: plain(value) for key, value in node.get().items() if key != "global_id"}


def test_every_node_model_has_a_parameter_here():
    assert set(PARAMETER) == set(csnn.Models("nodes"))


# -- one node of every kind --------------------------------------------------------------------

@pytest.mark.parametrize("model", sorted(PARAMETER))
def test_attribute_assignment_on_one_node_is_set(model):
    name, value = PARAMETER[model]
    nodes = csnn.Create(model, 4)
    untouched = status(nodes[0])
    setattr(nodes[1], name, value)                   # nodes[1].<name> = value
    nodes[2].set({name: value})
    assert status(nodes[1]) == status(nodes[2]) != untouched
    assert status(nodes[0]) == status(nodes[3]) == untouched
    assert plain(getattr(nodes[1], name)) == plain(nodes[1].get(name)) == value
    # negative indices and iteration give the same nodes
    setattr(nodes[-1], name, value)
    assert status(list(nodes)[3]) == status(nodes[1])
    # a slice: attribute assignment sets every node of it
    setattr(nodes[0:2], name, value)
    assert status(nodes[0]) == status(nodes[1])


@pytest.mark.parametrize("model", sorted(PARAMETER))
def test_unknown_attribute_of_one_node_raises_and_changes_nothing(model):
    nodes = csnn.Create(model, 2)
    before = [status(n) for n in nodes]
    with pytest.raises(UnknownParameterError) as by_attribute:
        nodes[1].bogus_parameter = 1.0
    with pytest.raises(UnknownParameterError) as by_set:
        nodes[1].set(bogus_parameter=1.0)
    assert str(by_attribute.value) == str(by_set.value) and "bogus_parameter" in str(by_set.value)
    # reading: the unknown-parameter error, which is also an AttributeError (hasattr works)
    with pytest.raises(UnknownAttributeError, match="bogus_parameter"):
        nodes[1].bogus_parameter
    assert not hasattr(nodes[1], "bogus_parameter") and getattr(nodes[1], "bogus_parameter", 7) == 7
    assert [status(n) for n in nodes] == before


@pytest.mark.parametrize("model", sorted(PARAMETER))
def test_one_node_is_a_one_node_collection(model):
    csnn.Create("iaf_psc_delta", 2)                  # ids of ``nodes`` start at 3
    nodes = csnn.Create(model, 3)
    one = nodes[1]
    assert isinstance(one, csnn.NodeCollection) and len(one) == 1 and bool(one)
    assert one.tolist() == [4] and one.global_id == 4 and np.asarray(one).tolist() == [4]
    assert one.get("global_id") == 4 and one.get("model") == model
    assert repr(one) == f"NodeCollection(metadata=None, model={model}, size=1, first=4)"
    assert one[0] == one and one[-1] == one and one[:] == one and list(one) == [one]
    assert [n.tolist() for n in nodes] == [[3], [4], [5]]
    assert one in nodes and 4 in nodes and np.int64(4) in nodes and 2 not in nodes
    assert nodes.index(one) == 1 and nodes.index(5) == 2
    with pytest.raises(IndexError, match="out of range"):
        one[1]
    with pytest.raises(ValueError, match="node 2 is not in"):
        nodes.index(2)


# -- + ------------------------------------------------------------------------------------------

def test_plus_joins_nodes_in_id_order():
    a = csnn.Create("iaf_psc_alpha", 5)
    g = csnn.Create("poisson_generator", 2)
    assert (a[0] + a[1]).tolist() == [1, 2]
    assert (a[3] + a[1]).tolist() == [2, 4]              # NEST 3: a union, in id order
    assert (g[1] + a[0]).tolist() == [1, 7] and (g + a[2:4]).tolist() == [3, 4, 6, 7]
    assert (a[4] + a[0] + a[2]).tolist() == [1, 3, 5]
    assert sum([a[3], a[0], g[0]]).tolist() == [1, 4, 6]   # sum() starts from 0
    assert (a[0] + 0).tolist() == (0 + a[0]).tolist() == [1]
    # a joined collection is a collection: parameters and Connect follow its id order
    both = a[3] + a[1]
    both.V_m = [-60.0, -50.0]
    assert a.V_m.tolist() == [-70.0, -60.0, -70.0, -50.0, -70.0]


def test_plus_refuses_shared_nodes_and_non_collections():
    a = csnn.Create("iaf_psc_alpha", 3)
    with pytest.raises(BadParameterError, match=r"share nodes \[2\]"):
        a[1] + a[1]
    with pytest.raises(BadParameterError, match=r"share nodes \[2, 3\]"):
        a[1:] + a
    for other in (1, np.int64(2), 1.5, [2], "a", None):
        combinations = [lambda: a[0] + other, lambda: a[0] - other]
        if not isinstance(other, np.generic):      # numpy computes np.int64(2) + a[0] itself, see below
            combinations += [lambda: other + a[0], lambda: other - a[0]]
        for combined in combinations:
            with pytest.raises(BadTypeError, match=r"cannot be combined with [+-]: .* nodes\[0\]\.global_id \+ 1"):
                combined()
    # numpy converts the collection to an array of its ids (as in NEST 3): arrays of ids and
    # numpy integers combine with one node's id elementwise
    assert (np.array([3, 4]) - a[0]).tolist() == [2, 3] and (np.int64(2) + a[0]).tolist() == [3]


# -- comparisons, hashing, int() ----------------------------------------------------------------

def test_one_node_equals_and_hashes_as_its_id():
    a = csnn.Create("iaf_psc_alpha", 3)
    assert a[0] == 1 and 1 == a[0] and a[0] == np.int64(1) and a[0] != 2 and not a[0] != 1
    assert a[0] == a[0:1] == csnn.NodeCollection([1]) and a[0] != a[1] and a[0] != a[0:2]
    assert a[0:2] != 1 and a[0] != "1" and a[0] != None and a[0] != [1] and a[0] != True  # noqa: E711, E712
    assert hash(a[1]) == hash(2) and hash(a[1]) == hash(np.int64(2))
    assert hash(a[0:2]) == hash(a[:2]) and a[0:2] == a[:2]
    by_node = {node: i for i, node in enumerate(a)}
    assert by_node[3] == by_node[np.int64(3)] == by_node[a[2]] == 2
    assert a[1] in [2, 3] and a[1] in {2, 3} and 2 in {a[1]}
    # a recorder's senders find their node (NEST 2 scripts compared them with nodes[i])
    recorder = csnn.Create("spike_recorder")
    a.I_e = [0.0, 500.0, 0.0]
    csnn.Connect(a, recorder)
    csnn.Simulate(50.0)
    senders = recorder.events["senders"]
    assert senders.size and all(sender == a[1] for sender in senders.tolist())
    assert np.all(senders == a[1]) and not np.any(senders == a[0])
    # collections of a replaced kernel are not equal to the new kernel's, whatever their ids
    old = a[0]
    csnn.ResetKernel()
    assert csnn.Create("iaf_psc_alpha")[0] != old


def test_int_of_one_node_is_its_id_and_other_sizes_are_refused():
    a = csnn.Create("iaf_psc_alpha", 3)
    assert int(a[2]) == 3 and operator.index(a[2]) == 3 and isinstance(int(a[2]), int)
    assert ["x", "y", "z", "w"][a[2]] == "w" and list(range(a[0], a[2])) == [1, 2]
    for nodes, n in ((a, 3), (a[0:2], 2), (a[0:0], 0)):
        with pytest.raises(BadTypeError, match=rf"takes one node .* got a NodeCollection of {n} nodes"):
            int(nodes)
        with pytest.raises(BadTypeError, match=rf"of {n} nodes"):
            operator.index(nodes)
    with pytest.raises(BadTypeError, match="of 2 nodes"):
        a[0:2] in a
    with pytest.raises(BadTypeError, match="got 1.5"):
        a.index(1.5)


# -- slicing and iteration ----------------------------------------------------------------------

def test_slicing_and_iteration_results():
    a = csnn.Create("iaf_psc_delta", 5)
    b = csnn.Create("parrot_neuron", 2)
    assert len(a) == 5 and a.tolist() == [1, 2, 3, 4, 5] and a.global_id == (1, 2, 3, 4, 5)
    assert [n.global_id for n in a] == [1, 2, 3, 4, 5] and [int(n) for n in a] == [1, 2, 3, 4, 5]
    assert all(isinstance(n, csnn.NodeCollection) and len(n) == 1 for n in a)
    assert a[1:3].tolist() == [2, 3] and a[::2].tolist() == [1, 3, 5] and a[-2:].tolist() == [4, 5]
    assert a[[0, 4]].tolist() == [1, 5] and a[np.array([True, False, True, False, False])].tolist() == [1, 3]
    assert a[[]].tolist() == [] and len(a[5:]) == 0 and not a[5:]
    assert a[1:3][1] == 3 and a[1:3][-1] == a[2]
    assert (a + b).tolist() == [1, 2, 3, 4, 5, 6, 7] and np.asarray(b).tolist() == [6, 7]
    with pytest.raises(IndexError):
        a[5]
    with pytest.raises(IndexError):
        a[-6]
    with pytest.raises(BadParameterError, match=r"select nodes \[2\] twice"):
        a[[1, 1]]
    with pytest.raises(BadParameterError, match=r"select nodes \[5\] twice"):
        a[[4, -1]]
    # get on one node gives its value, on a slice one value per node
    a[1].set(V_m=-60.0)
    assert a[1].V_m == a[1].get("V_m") == -60.0 and a[1].get(["V_m"]) == {"V_m": -60.0}
    assert a[0:2].V_m.tolist() == [-70.0, -60.0]


# -- NEST 2: ids and lists of ids ---------------------------------------------------------------

def test_nest2_id_lists_take_ids_and_single_nodes():
    noise = csnn.Create("poisson_generator", 2, params=[{"rate": 1000.0}, {"rate": 2000.0}])
    neurons = csnn.Create("iaf_psc_delta", 3)
    recorder = csnn.Create("spike_recorder")
    csnn.Connect([noise[0]], neurons[0], syn_spec={"weight": 20.0})
    csnn.Connect([noise[1]], [neurons[1], 5], syn_spec={"weight": 20.0})
    csnn.Connect((neurons[0], neurons[1], 5), recorder)
    pairs = csnn.GetConnections(noise).get(["source", "target"])
    assert sorted(zip(pairs["source"].tolist(), pairs["target"].tolist())) == [(1, 3), (2, 4), (2, 5)]
    assert sorted(csnn.GetConnections([neurons[0], 4, neurons[2]], recorder).get("source").tolist()) == [3, 4, 5]
    csnn.SetStatus([neurons[0], 5], {"I_e": 100.0})
    csnn.SetStatus(neurons[1], "I_e", 50.0)
    assert csnn.GetStatus([neurons[0], 4, neurons[2]], "I_e") == (100.0, 50.0, 100.0)
    assert csnn.GetStatus(neurons[1], "I_e") == csnn.GetStatus([4], "I_e") == csnn.GetStatus(4, "I_e") == (50.0,)
    assert csnn.NodeCollection([neurons[0], 5]) == neurons[[0, 2]]
    csnn.Simulate(100.0)
    ids, rates = analysis.firing_rates(recorder, 0.0, 100.0, neurons=[neurons[2], 3])
    assert ids.tolist() == [5, 3] and rates.tolist() == analysis.firing_rates(recorder, 0.0, 100.0,
                                                                           neurons=[5, 3])[1].tolist()
    with pytest.raises(BadTypeError, match=r"pre\[1\] takes one node .* NodeCollection of 2 nodes"):
        csnn.Connect([noise[0], neurons[0:2]], recorder)
    with pytest.raises(BadTypeError, match="a NodeCollection cannot contain an id twice"):
        csnn.NodeCollection([neurons[0], 3])


# -- NEST 3 cross-checks ------------------------------------------------------------------------

#: operations on ``a`` (5 iaf_psc_alpha, ids 1-5) and ``g`` (2 poisson_generators, ids 6-7) that
#: NEST 3 defines; csnn must give the same result or raise the same kind of error
OPERATIONS = {
    "a[0]": lambda sim, a, g: a[0],
    "a[-1]": lambda sim, a, g: a[-1],
    "a[0] + a[1]": lambda sim, a, g: a[0] + a[1],
    "a[3] + a[1]": lambda sim, a, g: a[3] + a[1],
    "g[1] + a[0]": lambda sim, a, g: g[1] + a[0],
    "g + a": lambda sim, a, g: g + a,
    "a[1] + a[1]": lambda sim, a, g: a[1] + a[1],
    "a[1:3] + a[2]": lambda sim, a, g: a[1:3] + a[2],
    "a[0] + 0": lambda sim, a, g: a[0] + 0,
    "0 + a[0]": lambda sim, a, g: 0 + a[0],
    "sum": lambda sim, a, g: sum([a[2], a[0]]),
    "a[0] + 1": lambda sim, a, g: a[0] + 1,
    "1 + a[0]": lambda sim, a, g: 1 + a[0],
    "a[0] + [2]": lambda sim, a, g: a[0] + [2],
    "a[0] + None": lambda sim, a, g: a[0] + None,
    "a[0] - 1": lambda sim, a, g: a[0] - 1,
    "a[0] == a[0:1]": lambda sim, a, g: a[0] == a[0:1],
    "a[0] != a[1]": lambda sim, a, g: a[0] != a[1],
    "a[0] == a[1]": lambda sim, a, g: a[0] == a[1],
    "np.int64(1) == a[0]": lambda sim, a, g: np.int64(1) == a[0],
    "len(a[0])": lambda sim, a, g: len(a[0]),
    "list(a[0])": lambda sim, a, g: list(a[0]),
    "list(a)": lambda sim, a, g: list(a),
    "a[0][0]": lambda sim, a, g: a[0][0],
    "a[0][1]": lambda sim, a, g: a[0][1],
    "a[0][:]": lambda sim, a, g: a[0][:],
    "a[5]": lambda sim, a, g: a[5],
    "a[-6]": lambda sim, a, g: a[-6],
    "a[1:4]": lambda sim, a, g: a[1:4],
    "a[0:4:2]": lambda sim, a, g: a[0:4:2],
    "a[[0, 2]]": lambda sim, a, g: a[[0, 2]],
    "a[[1, 1]]": lambda sim, a, g: a[[1, 1]],
    "a[0].tolist()": lambda sim, a, g: a[0].tolist(),
    "a[0].global_id": lambda sim, a, g: a[0].global_id,
    "a[1:3].global_id": lambda sim, a, g: a[1:3].global_id,
    "np.asarray(a[0])": lambda sim, a, g: np.asarray(a[0]),
    "bool(a[0])": lambda sim, a, g: bool(a[0]),
    "2 in a": lambda sim, a, g: 2 in a,
    "7 in a": lambda sim, a, g: 7 in a,
    "np.int64(2) in a": lambda sim, a, g: np.int64(2) in a,
    "a.index(3)": lambda sim, a, g: a.index(3),
    "a.index(9)": lambda sim, a, g: a.index(9),
    "a[0].V_m": lambda sim, a, g: a[0].V_m,
    "a[0].get('V_m')": lambda sim, a, g: a[0].get("V_m"),
    "a[0].get(['V_m'])": lambda sim, a, g: a[0].get(["V_m"]),
    "a[0].get()['C_m']": lambda sim, a, g: a[0].get()["C_m"],
    "g[1].rate = 5.0": lambda sim, a, g: (setattr(g[1], "rate", 5.0), g.get("rate"))[1],
    "a[2].V_m = -50.0": lambda sim, a, g: (setattr(a[2], "V_m", -50.0), a.get("V_m"))[1],
    "a[2].V_m = [-50.0]": lambda sim, a, g: (setattr(a[2], "V_m", [-50.0]), a.get("V_m"))[1],
    "a[1:3].V_m = -55.0": lambda sim, a, g: (setattr(a[1:3], "V_m", -55.0), a.get("V_m"))[1],
    "g[0].rate = -5.0": lambda sim, a, g: setattr(g[0], "rate", -5.0),
    "a[2].bogus = 1.0": lambda sim, a, g: setattr(a[2], "bogus", 1.0),
    "a[0].spike_times": lambda sim, a, g: a[0].spike_times,
    "Connect(g[0], a[1])": lambda sim, a, g: (sim.Connect(g[0], a[1]), sim.GetConnections(g[0]).get("target"))[1],
    "GetConnections(g[1], a[2])": lambda sim, a, g: (sim.Connect(g[1], a), len(sim.GetConnections(g[1], a[2])))[1],
}


#: the built-in errors NEST raises for these operations, which csnn's errors derive from too
BUILT_IN_ERRORS = (IndexError, TypeError, ValueError)


def outcome(sim, operation):
    """What ``operation`` gives on a fresh ``sim`` (csnn or nest): ('value', plain result) or
    ('raises', the built-in error class of BUILT_IN_ERRORS it derives from, else 'other')."""
    sim.ResetKernel()
    a = sim.Create("iaf_psc_alpha", 5)
    g = sim.Create("poisson_generator", 2)
    try:
        result = operation(sim, a, g)
    except Exception as err:
        return "raises", next((kind for kind in BUILT_IN_ERRORS if isinstance(err, kind)), "other")
    return "value", _comparable(sim, result)


def _comparable(sim, result):
    if isinstance(result, sim.NodeCollection):
        return "NodeCollection", result.tolist()
    if isinstance(result, (list, tuple)):
        return [_comparable(sim, item) for item in result]
    if isinstance(result, dict):
        return {key: _comparable(sim, value) for key, value in result.items()}
    return plain(np.asarray(result)) if isinstance(result, (np.ndarray, np.generic)) else result


@pytest.mark.nest
@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_single_node_operations_match_nest(name):
    nest = pytest.importorskip("nest")
    quiet(nest)
    expected = outcome(nest, OPERATIONS[name])
    got = outcome(csnn, OPERATIONS[name])
    if expected == ("raises", "other"):
        # NEST's own errors (BadProperty, UnaccessedDictionaryEntry) and its KeyError for an
        # unknown name; csnn raises a CSNNError (UnknownParameterError, BadParameterError)
        assert got[0] == "raises", (name, got)
    else:
        assert got == expected, name
