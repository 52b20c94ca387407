"""NodeCollection: ``nodes[i]`` and iteration give one-node collections behaving as NEST 3's
(attribute access, ``+``, comparisons, slicing, ``in``, ``index``, ``tolist``, ``global_id``,
numpy conversion), the NEST 2 meanings csnn keeps (a single node equals and hashes as its id,
``int()``, lists mixing ids and single nodes), for every node kind, cross-checked against NEST 3;
and csnn's own versions of the three NEST example scripts that silently computed nonsense while
``nodes[i]`` was an int (``one_neuron_with_noise.py``, ``balancedneuron.py``, ``pong/``)."""
import math
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
    "iaf_cond_alpha": ("V_m", -60.0),
    "iaf_cond_beta": ("V_m", -60.0),
    "iaf_cond_exp": ("V_m", -60.0),
    "iaf_psc_alpha": ("V_m", -60.0),
    "iaf_psc_delta": ("V_m", -60.0),
    "iaf_psc_exp": ("V_m", -60.0),
    "iaf_psc_alpha_ps": ("V_m", -60.0),
    "iaf_psc_delta_ps": ("V_m", -60.0),
    "iaf_psc_exp_ps": ("V_m", -60.0),
    "parrot_neuron_ps": ("tau_minus", 15.0),
    "inhomogeneous_poisson_generator": ("start", 5.0),
    "multimeter": ("interval", 0.5),
    "noise_generator": ("std", 10.0),
    "ou_noise_generator": ("std", 10.0),
    "parrot_neuron": ("tau_minus", 15.0),
    "poisson_generator": ("rate", 5.0),
    "poisson_generator_ps": ("dead_time", 2.0),
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
    assert set(PARAMETER) == set(csnn.node_models)


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
    assert a.V_m == (-70.0, -60.0, -70.0, -50.0, -70.0)


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
    assert a[1:5:3].tolist() == [2, 5] and a[-5:].tolist() == a[:5].tolist() == a.tolist()
    assert a[:100].tolist() == a.tolist()        # clipped, as Python's slices (NEST 3 raises)
    for step in (-1, 0):                          # as NEST 3: steps of at least 1
        with pytest.raises(IndexError, match=f"slice step {step} is invalid: it must be an integer >= 1"):
            a[::step]
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
    assert a[0:2].V_m == (-70.0, -60.0)


# -- NEST 2: ids and lists of ids ---------------------------------------------------------------

def test_nest2_id_lists_take_ids_and_single_nodes():
    noise = csnn.Create("poisson_generator", 2, params=[{"rate": 1000.0}, {"rate": 2000.0}])
    neurons = csnn.Create("iaf_psc_delta", 3)
    recorder = csnn.Create("spike_recorder")
    csnn.Connect([noise[0]], neurons[0], syn_spec={"weight": 20.0})
    csnn.Connect([noise[1]], [neurons[1], 5], syn_spec={"weight": 20.0})
    csnn.Connect((neurons[0], neurons[1], 5), recorder)
    pairs = csnn.GetConnections(noise).get(["source", "target"])
    assert sorted(zip(pairs["source"], pairs["target"])) == [(1, 3), (2, 4), (2, 5)]
    assert sorted(csnn.GetConnections([neurons[0], 4, neurons[2]], recorder).get("source")) == [3, 4, 5]
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
    "a[1:5:3]": lambda sim, a, g: a[1:5:3],
    "a[::2][1]": lambda sim, a, g: a[::2][1],
    "a[-2:]": lambda sim, a, g: a[-2:],
    "a[::-1]": lambda sim, a, g: a[::-1],
    "a[::0]": lambda sim, a, g: a[::0],
    "a[1:3] == a[1] + a[2]": lambda sim, a, g: a[1:3] == a[1] + a[2],
    "a[1:3] == a[1:4]": lambda sim, a, g: a[1:3] == a[1:4],
    "(a + g).tolist()": lambda sim, a, g: (a + g).tolist(),
    "(g + a[1:3]).index(3)": lambda sim, a, g: (g + a[1:3]).index(3),
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


# -- the NEST example scripts, as csnn tests ---------------------------------------------------

def noise_driven_mean_potential(sim, seed):
    """one_neuron_with_noise.py: an iaf_psc_alpha driven by two Poisson generators whose rates
    are set through ``noise[i].rate``; the mean V_m (mV) of 1 s sampled every 1 ms."""
    sim.ResetKernel()
    sim.SetKernelStatus({"rng_seed": seed})
    neuron = sim.Create("iaf_psc_alpha")
    noise = sim.Create("poisson_generator", 2)
    voltmeter = sim.Create("voltmeter")
    noise[0].rate = 80000.0
    noise[1].rate = 15000.0
    assert plain(np.asarray(noise.rate)) == [80000.0, 15000.0]
    sim.Connect(noise, neuron, syn_spec={"weight": [[1.2, -1.0]], "delay": 1.0})
    sim.Connect(voltmeter, neuron)
    sim.Simulate(1000.0)
    return float(np.mean(voltmeter.get("events")["V_m"]))


@pytest.mark.nest
def test_noise_set_through_single_nodes_gives_nests_mean_potential():
    nest = pytest.importorskip("nest")
    quiet(nest)
    # noise_driven_mean_potential scatters over seeds 1-10 with a standard deviation of 0.079 mV
    # (csnn) and 0.048 mV (NEST) about the same mean (-61.21 mV on both: both poisson_generators
    # draw counts per 0.1 ms step).  0.4 mV is more than four standard deviations of the
    # difference of two runs (0.092 mV); with the noise off (the bug) V_m stays at -70 mV.
    assert noise_driven_mean_potential(csnn, 1) == pytest.approx(noise_driven_mean_potential(nest, 1), abs=0.4)


#: rate search (balancedneuron.py): excitatory rate (Hz), weights (pA), target V_m above E_L (mV)
NU_EX, W_EX, W_IN, DV = 8000.0, 20.0, -80.0, 2.0


def inhibitory_rate_for(sim, seed, t_sim=5000.0):
    """Bisect for the inhibitory Poisson rate (Hz) that holds the mean membrane potential of a
    non-spiking iaf_psc_alpha DV above E_L, changing the rate between Simulate calls through
    ``noise[1].rate`` as balancedneuron.py does."""
    sim.ResetKernel()
    sim.SetKernelStatus({"rng_seed": seed})
    neuron = sim.Create("iaf_psc_alpha", params={"V_th": 1000.0})        # never fires
    noise = sim.Create("poisson_generator", 2)
    voltmeter = sim.Create("voltmeter")
    noise[0].rate = NU_EX
    sim.Connect(noise, neuron, syn_spec={"weight": [[W_EX, W_IN]], "delay": 1.0})
    sim.Connect(voltmeter, neuron)

    def excess(rate):
        noise[1].rate = rate
        voltmeter.n_events = 0
        start = sim.GetKernelStatus("biological_time")
        sim.Simulate(t_sim)
        events = voltmeter.get("events")
        settled = events["times"] > start + 50.0           # 5 tau_m after the change of rate
        return np.mean(events["V_m"][settled]) - (neuron.E_L + DV)

    low, high = 1000.0, 3000.0
    assert excess(low) > 0 > excess(high)
    while high - low > 1.0:
        mid = 0.5 * (low + high)
        low, high = (mid, high) if excess(mid) > 0 else (low, mid)
    assert noise[1].rate == pytest.approx(mid)
    return 0.5 * (low + high)


def test_rate_search_through_a_single_node_finds_the_balance():
    # Campbell's theorem: an alpha current of peak w has charge w e tau_syn, so the mean free
    # potential is E_L + tau_m / C_m e tau_syn (nu_ex w_ex + nu_in w_in), nu in 1/ms.
    tau_m, c_m, tau_syn = 10.0, 250.0, 2.0
    expected = (NU_EX * W_EX - 1000.0 * DV * c_m / (tau_m * math.e * tau_syn)) / -W_IN      # 1885.04 Hz
    # inhibitory_rate_for(csnn, seed) scatters over seeds 1-16 with a standard deviation of 10 Hz
    # (mean 1881.8 Hz); 50 Hz is five of those.  With the rates never set (the bug) the first
    # evaluations have the same sign.
    assert inhibitory_rate_for(csnn, 3) == pytest.approx(expected, abs=50.0)


#: pong-style loop: weights stay on the levels 2000, 2550, 3100 and 3650 pA; an iaf_psc_exp fires
#: 0, 2, 4 and 4 times for 4 input spikes 20 ms apart.  The count changes between 2330 and 2340,
#: 2390 and 2400, 2740 and 2750, 2800 and 2810 pA (the same in both simulators, scanned in steps
#: of 10 pA), >= 150 pA from every level, so NEST's grid and csnn's exact times agree on counts
N_PONG, LEVEL, STEP = 4, 550.0, 200.0


def pong_loop(sim, rounds=4):
    """Pong's R-STDP loop (networks.py): input k (a spike_generator through a parrot) is
    stimulated in turn; the connections from input k are read, updated and written one by one
    (GetConnections(inputs[k]), conn.get, conn.set); recorders are reset with n_events = 0.
    Returns the spike counts of each step, the weights read by iterating over
    GetConnections(inputs, motors) and by GetConnections per node pair, and the weights the
    loop wrote."""
    sim.ResetKernel()
    generators = sim.Create("spike_generator", N_PONG)
    inputs = sim.Create("parrot_neuron", N_PONG)
    sim.Connect(generators, inputs, {"rule": "one_to_one"})
    motors = sim.Create("iaf_psc_exp", N_PONG)
    recorders = sim.Create("spike_recorder", N_PONG)
    sim.Connect(motors, recorders, {"rule": "one_to_one"})
    sim.Connect(inputs, motors, {"rule": "all_to_all"}, {"weight": 0.0})
    written = np.array([[2000.0 + LEVEL * ((i + 2 * j) % 4) for j in range(N_PONG)] for i in range(N_PONG)])
    for i in range(N_PONG):
        for j in range(N_PONG):
            sim.GetConnections(inputs[i], motors[j]).set({"weight": written[i, j]})
    counts = []
    for step in range(rounds * N_PONG):
        k = step % N_PONG
        now = sim.GetKernelStatus("biological_time")
        for generator in generators:
            generator.spike_times = []
        generators[k].spike_times = [round(now + 1.0 + 20.0 * m, 1) for m in range(4)]
        sim.Simulate(STEP)
        fired = [len(events["times"]) for events in recorders.get("events")]
        assert fired == plain(np.asarray(recorders.get("n_events"))) and recorders[k].n_events == fired[k]
        counts.append(fired)
        offset = motors[0].get("global_id")
        for connection in sim.GetConnections(inputs[k]):
            j = connection.get("target") - offset
            # reward the target motor neuron until it fires at every input, punish the others
            change = LEVEL * (fired[j] < 4) if j == k else -LEVEL * (fired[j] > 0)
            connection.set({"weight": connection.get("weight") + change})
            written[k, j] += change
        recorders.n_events = 0
    by_iteration = np.zeros((N_PONG, N_PONG))
    for connection in sim.GetConnections(inputs, motors):
        source, target, weight = connection.get(["source", "target", "weight"]).values()
        by_iteration[source - inputs[0].get("global_id"), target - motors[0].get("global_id")] = weight
    by_pair = np.array([[sim.GetConnections(inputs[i], motors[j]).get("weight") for j in range(N_PONG)]
                        for i in range(N_PONG)])
    return counts, by_iteration, by_pair, written


def test_pong_weight_updates_are_written_and_learned():
    counts, by_iteration, by_pair, written = pong_loop(csnn)
    assert by_iteration.tolist() == by_pair.tolist() == written.tolist()
    assert counts[0] != [0] * N_PONG                      # something fired: the inputs were set
    # learned: in the last round each input makes its own motor neuron fire at every input
    # spike, and no other
    assert counts[-N_PONG:] == [[4 * (j == k) for j in range(N_PONG)] for k in range(N_PONG)]
    assert np.all(np.diag(written) >= 3100.0) and np.all(written[~np.eye(N_PONG, dtype=bool)] <= 2000.0)


@pytest.mark.nest
def test_pong_weight_updates_match_nest():
    nest = pytest.importorskip("nest")
    quiet(nest)
    counts, by_iteration, _, written = pong_loop(nest)
    csnn_counts, csnn_weights, _, _ = pong_loop(csnn)
    assert csnn_counts == counts and csnn_weights.tolist() == by_iteration.tolist() == written.tolist()
