"""NEST 3's API as NEST's own example scripts use it: nest.set/nest.get, kernel attributes read
and written on the module (tics, memory, build information), Create(model, params) with the
dict in second place, an unknown kernel attribute refused instead of stored, hierarchical
get("events", "senders"), SynapseCollection.set with one dict per connection and its
sources()/targets(), Models() listing NEST 2's names, NEST's exception names
(nest.NESTErrors), GetLocalNodeCollection, GetDefaults with a set of keys, V_th = inf and
CreateParameter."""
import builtins

import numpy as np
import pytest
from hypothesis import given, strategies as st

import csnn
from csnn.errors import BadParameterError, KernelStateError


@pytest.fixture(autouse=True)
def fresh_kernel():
    csnn.ResetKernel()


def test_set_and_get_are_the_kernel_status():
    csnn.set(rng_seed=12, resolution=0.05)
    assert csnn.GetKernelStatus(["rng_seed", "resolution"]) == (12, 0.05)
    assert csnn.get("rng_seed") == 12
    assert csnn.get("rng_seed", "resolution") == (12, 0.05)
    # the same status three ways, but for what is measured anew on each call (resident memory
    # and the wall-clock timers)
    def stable(status):
        return {k: v for k, v in status.items() if k != "memory_size" and not k.startswith("time_")}
    assert stable(csnn.get()) == stable(csnn.GetKernelStatus()) == stable(csnn.kernel_status)
    assert set(csnn.get()) == set(csnn.GetKernelStatus()) == set(csnn.kernel_status)
    with pytest.raises(csnn.CSNNError, match="unknown kernel status key 'rng_sed'"):
        csnn.set(rng_sed=1)


def test_the_package_keeps_the_builtin_set():
    # csnn.set is NEST's kernel setter; the package's own code still has Python's set
    assert csnn.set is not builtins.set
    rec = csnn.Create("spike_recorder")
    csnn.Create("iaf_psc_delta", 2)
    assert csnn.GetNodes({"model": "spike_recorder"}).tolist() == rec.tolist()


@given(st.sampled_from([1000.0, 1024.0, 2.0 ** 14, 32.0, 10.0]), st.integers(1, 400))
def test_tics_follow_nest(tics_per_ms, tics_per_step):
    """The resolution is a whole number of tics; ms_per_tic and tics_per_step follow from both."""
    csnn.ResetKernel()
    resolution = tics_per_step / tics_per_ms
    csnn.set(tics_per_ms=tics_per_ms, resolution=resolution)
    assert csnn.tics_per_ms == tics_per_ms and csnn.resolution == resolution
    assert csnn.ms_per_tic == 1.0 / tics_per_ms
    assert csnn.tics_per_step == tics_per_step


def test_a_resolution_between_tics_is_refused():
    with pytest.raises(BadParameterError, match=r"resolution = 0\.0625 ms is not a whole number of tics"):
        csnn.resolution = 2 ** -4          # 62.5 tics of NEST's default 1 us
    assert csnn.resolution == 0.1
    csnn.set(tics_per_ms=2 ** 14, resolution=2 ** -4)   # as NEST's scripts set both at once
    assert csnn.tics_per_step == 2 ** 10
    with pytest.raises(BadParameterError, match=r"tics_per_ms = 0 is invalid: must be a finite number > 0"):
        csnn.tics_per_ms = 0


def test_tics_cannot_change_after_nodes_exist():
    csnn.Create("iaf_psc_delta")
    with pytest.raises(KernelStateError, match="tics_per_ms cannot change after nodes have been created"):
        csnn.tics_per_ms = 2000.0
    csnn.tics_per_ms = 1000.0              # the same value is no change


def test_read_only_attributes():
    assert csnn.memory_size > 1000         # KiB: this interpreter with numpy is more than 1 MiB
    info = csnn.build_info
    assert info["version"] == csnn.__version__ and info["threading"] in ("openmp", "no")
    for name, value in [("memory_size", 1), ("ms_per_tic", 0.001), ("build_info", {})]:
        with pytest.raises(csnn.CSNNError, match=f"'{name}' is read-only"):
            setattr(csnn, name, value)
    with pytest.raises(AttributeError, match="kernel_status is read-only"):
        csnn.kernel_status = {}


def test_an_unknown_kernel_attribute_is_refused():
    with pytest.raises(AttributeError, match=r"'rng_type' is NEST's, but csnn does not offer it: .*keyed by rng_seed"):
        csnn.rng_type = "mt19937"          # a NEST kernel attribute csnn does not have
    with pytest.raises(AttributeError, match=r"unknown kernel attribute 'resolutoin'. Did you mean"):
        csnn.resolutoin = 0.1
    assert not hasattr(csnn, "rng_type") and not hasattr(csnn, "resolutoin")


def test_create_takes_the_params_dict_in_second_place():
    nrn = csnn.Create("iaf_psc_alpha", {"I_e": 376.0, "V_th": -50.0})
    assert len(nrn) == 1 and nrn.get("I_e") == 376.0 and nrn.get("V_th") == -50.0
    with pytest.raises(csnn.NESTError, match="only when Create is called with two arguments"):
        csnn.Create("iaf_psc_alpha", {"I_e": 376.0}, {"V_th": -50.0})


def test_hierarchical_get_reads_a_recorders_events():
    """NEST's get("events", "senders"): an entry of a dict-valued parameter."""
    nrn = csnn.Create("iaf_psc_delta", 2, params={"I_e": 500.0})
    rec = csnn.Create("spike_recorder")
    meter = csnn.Create("voltmeter", params={"interval": 1.0})
    csnn.Connect(nrn, rec)
    csnn.Connect(meter, nrn)
    csnn.Simulate(30.0)
    events = rec.get("events")
    assert rec.get("events", "senders").tolist() == events["senders"].tolist()
    both = rec.get("events", ["senders", "times"])
    assert set(both) == {"senders", "times"} and both["times"].tolist() == events["times"].tolist()
    assert meter.get("events", "V_m").tolist() == meter.get("events")["V_m"].tolist()
    # two plain parameters are still two keys
    assert set(nrn.get("V_m", "I_e")) == {"V_m", "I_e"}
    with pytest.raises(csnn.CSNNError, match=r"unknown entry of 'events' 'sender'\. Did you mean"):
        rec.get("events", "sender")


def test_synapse_collection_set_takes_one_dict_per_connection():
    pre, post = csnn.Create("iaf_psc_delta", 2), csnn.Create("iaf_psc_delta")
    csnn.Connect(pre, post, syn_spec={"weight": 1.0, "delay": 1.0})
    conns = csnn.GetConnections()
    conns.set([{"weight": 2.0, "delay": 1.5}, {"weight": 3.0, "delay": 2.0}])
    assert conns.get("weight") == [2.0, 3.0] and conns.get("delay") == [1.5, 2.0]
    csnn.SetStatus(conns, [{"weight": 4.0}, {"weight": 5.0}])
    assert conns.get("weight") == [4.0, 5.0]
    with pytest.raises(csnn.CSNNError, match=r"one dict per connection \(2\)"):
        conns.set([{"weight": 1.0}])
    with pytest.raises(csnn.CSNNError, match="the dicts of a list must have the same keys"):
        conns.set([{"weight": 1.0}, {"delay": 1.0}])
    assert conns.get("weight") == [4.0, 5.0]


def test_models_lists_nest2_names_that_create_takes():
    for alias in ("spike_detector", "iaf_neuron"):
        assert alias in csnn.Models() and alias in csnn.Models("nodes")
        assert alias not in csnn.Models("synapses") and alias not in csnn.node_models
        csnn.Create(alias)
    assert csnn.Models("nodes", sel="detector") == ("spike_detector",)


def test_nests_precise_names_are_models_of_their_own_on_csnns_kernels():
    """iaf_psc_exp_ps (and the other *_ps names) is NEST 3's name of a model csnn has: listed in
    node_models, reported as the nodes' model, with defaults of its own (as in NEST); its
    neurons are those of the csnn model, so the two spike alike and share one population."""
    assert {"iaf_psc_delta_ps", "iaf_psc_exp_ps", "iaf_psc_alpha_ps", "parrot_neuron_ps"} <= set(csnn.node_models)
    csnn.SetDefaults("iaf_psc_exp_ps", {"I_e": 400.0})
    assert csnn.GetDefaults("iaf_psc_exp")["I_e"] == 0.0
    precise = csnn.Create("iaf_psc_exp_ps", 2)
    plain = csnn.Create("iaf_psc_exp", 2, params={"I_e": 400.0})
    assert precise.get("model") == ("iaf_psc_exp_ps",) * 2 and plain.get("model") == ("iaf_psc_exp",) * 2
    assert precise[0].get("model_id") != plain[0].get("model_id")
    recorder = csnn.Create("spike_recorder")
    csnn.Connect(precise + plain, recorder)
    csnn.Simulate(100.0)
    events = recorder.get("events")
    times = {g: events["times"][events["senders"] == g] for g in (precise + plain).tolist()}
    assert times[precise[0].global_id].size == 3
    assert len({tuple(t) for t in times.values()}) == 1
    assert csnn.GetNodes({"model": "iaf_psc_exp_ps"}) == precise


def test_synapse_collection_sources_and_targets_iterate_over_ids():
    pre, post = csnn.Create("iaf_psc_delta", 2), csnn.Create("iaf_psc_delta", 2)
    csnn.Connect(pre, post, "one_to_one")
    conns = csnn.GetConnections()
    assert list(conns.sources()) == pre.tolist() and list(conns.targets()) == post.tolist()
    one = csnn.GetConnections(source=pre[1])
    assert list(one.sources()) == [pre[1].global_id] and list(one.targets()) == [post[1].global_id]


def test_nest_error_names_catch_csnns_errors():
    with pytest.raises(csnn.NESTErrors.UnknownModelName):
        csnn.Create("no_such_model")
    with pytest.raises(csnn.NESTErrors.BadProperty):
        csnn.Create("iaf_psc_delta", params={"C_m": -1.0})
    with pytest.raises(csnn.NESTErrors.UnknownNode):
        csnn.NodeCollection([99])
    with pytest.raises(csnn.NESTErrors.IllegalConnection):
        csnn.Connect(csnn.Create("iaf_psc_delta"), csnn.Create("iaf_psc_delta"), "no_such_rule")
    with pytest.raises(csnn.NESTErrors.KernelException):
        csnn.SetKernelStatus({"resolution": -1.0})
    assert issubclass(csnn.NESTErrors.BadDelay, csnn.NESTErrors.KernelException)


def test_get_local_node_collection_on_one_process_is_every_node():
    nodes = csnn.Create("iaf_psc_delta", 3) + csnn.Create("spike_recorder")
    assert csnn.GetLocalNodeCollection(nodes).tolist() == nodes.tolist()
    assert csnn.GetLocalNodeCollection(nodes[1:3]).tolist() == nodes[1:3].tolist()


def test_get_defaults_takes_a_set_of_keys():
    keys = {"V_th", "C_m"}
    assert csnn.GetDefaults("iaf_psc_delta", keys) == [{"V_th": -55.0, "C_m": 250.0}[k] for k in keys]
    assert csnn.GetDefaults("iaf_psc_delta", ("V_th",)) == [-55.0]
    with pytest.raises(csnn.CSNNError, match="keys = 5 is invalid"):
        csnn.GetDefaults("iaf_psc_delta", 5)


@pytest.mark.parametrize("model", ["iaf_psc_delta", "iaf_psc_exp", "iaf_psc_alpha"])
def test_an_infinite_threshold_silences_a_neuron_and_changes_nothing_else(model):
    """NEST's V_th = inf: the neuron never fires, and its membrane follows exactly the
    trajectory it follows under a threshold it cannot reach (1e9 mV: the dynamics do not read
    the threshold); a finite threshold set later makes it fire again."""
    def trace(v_th):
        csnn.ResetKernel()
        nrn = csnn.Create(model, params={"V_th": v_th, "I_e": 400.0})
        drive = csnn.Create("poisson_generator", params={"rate": 20000.0})
        csnn.Connect(drive, nrn, syn_spec={"weight": 5.0, "delay": 1.0})
        meter = csnn.Create("multimeter", params={"record_from": ["V_m"], "interval": 0.1})
        rec = csnn.Create("spike_recorder")
        csnn.Connect(meter, nrn)
        csnn.Connect(nrn, rec)
        csnn.Simulate(100.0)
        return nrn, rec, meter.get("events", "V_m")
    silent, rec, v_inf = trace(float("inf"))
    assert rec.get("n_events") == 0 and silent.get("V_th") == float("inf")
    assert v_inf.max() > -50.0                      # above the default threshold of -55 mV
    _, rec_high, v_high = trace(1e9)
    assert rec_high.get("n_events") == 0
    np.testing.assert_array_equal(v_inf, v_high)
    silent, rec, _ = trace(float("inf"))
    silent.V_th = -55.0
    csnn.Simulate(50.0)
    assert rec.get("n_events") > 0
    with pytest.raises(csnn.CSNNError, match=r"'V_th' = -inf is invalid: must be a finite number, or inf"):
        silent.V_th = -float("inf")


@given(st.integers(0, 2 ** 32 - 1))
def test_create_parameter_is_the_random_function_of_its_type(seed):
    """CreateParameter(type, specs) draws what csnn.random's function of that name draws."""
    cases = [("uniform", {"min": -1.0, "max": 2.0}), ("normal", {"mean": 1.0, "std": 0.5}),
             ("lognormal", {"mean": 0.0, "std": 0.3}), ("exponential", {"beta": 2.0}),
             ("uniform_int", {"max": 7}), ("constant", {"value": 3.5})]
    for kind, specs in cases:
        made = csnn.CreateParameter(kind, specs)
        direct = csnn.random.constant(specs["value"]) if kind == "constant" else getattr(csnn.random, kind)(**specs)
        np.testing.assert_array_equal(made.sample(np.random.default_rng(seed), 50),
                                      direct.sample(np.random.default_rng(seed), 50))


def test_create_parameter_refuses_what_it_cannot_make():
    with pytest.raises(csnn.CSNNError, match=r"specs \['x'\] do not fit 'gaussian2D'; its keys: x, y, mean_x"):
        csnn.CreateParameter("gaussian2D", {"x": 1.0})
    with pytest.raises(csnn.CSNNError, match=r"unknown parameter type of CreateParameter 'unifrom'\. Did you mean"):
        csnn.CreateParameter("unifrom", {})
    with pytest.raises(csnn.CSNNError, match=r"specs \['mu'\] do not fit 'normal'; its keys: mean, std"):
        csnn.CreateParameter("normal", {"mu": 0.0})
    with pytest.raises(csnn.CSNNError, match=r"random parameter argument std = -1\.0 is invalid"):
        csnn.CreateParameter("normal", {"std": -1.0})


def test_get_value_draws_one_value_from_the_seeded_kernel():
    """Parameter.GetValue (NEST): a value of the parameter's distribution, from the kernel's
    generator, so the same seed gives the same values; spatial parameters need positions."""
    def draws():
        csnn.ResetKernel()
        csnn.SetKernelStatus({"rng_seed": 5})
        normal = csnn.CreateParameter("normal", {"mean": 40.0, "std": 4.0})
        return [normal.GetValue() for _ in range(200)], (csnn.random.uniform(2.0, 3.0) + 5.0).GetValue()

    values, shifted = draws()
    assert draws() == (values, shifted)
    assert all(isinstance(v, float) for v in values) and len(set(values)) == 200
    # mean of 200 normal draws of sd 4: within 5 standard errors (4 / sqrt(200) = 0.28) of 40
    assert abs(np.mean(values) - 40.0) < 5 * 4.0 / np.sqrt(200)
    assert 7.0 <= shifted < 8.0
    assert csnn.CreateParameter("constant", {"value": 2.5}).GetValue() == 2.5
    with pytest.raises(csnn.CSNNError, match=r"GetValue\(\): csnn.spatial.distance depends on positions"):
        csnn.spatial.distance.GetValue()


def test_message_prints_what_the_level_lets_through(capsys):
    """nest.message (NEST 3): the text on stderr with its severity and caller, when the
    severity reaches the message level (NEST's scripts, e.g. hpc_benchmark.py, call it)."""
    csnn.set_verbosity("M_INFO")
    csnn.message("Creating excitatory population.")
    csnn.message("a warning", csnn.VerbosityLevel.WARNING, function="build_network")
    csnn.set_verbosity("M_WARNING")
    csnn.message("not shown")
    csnn.message("shown", "M_ERROR")
    assert capsys.readouterr().err.splitlines() == [
        "[Info] test_message_prints_what_the_level_lets_through: Creating excitatory population.",
        "[Warning] build_network: a warning", "[Error] test_message_prints_what_the_level_lets_through: shown"]
    with pytest.raises(csnn.CSNNError, match=r"message: unknown level 'M_LOUD'; accepted: M_ALL"):
        csnn.message("x", "M_LOUD")


def test_model_id_numbers_the_models():
    nrn = csnn.Create("iaf_psc_delta", 2)
    rec = csnn.Create("spike_recorder")
    assert nrn.get("model_id") == (nrn[0].get("model_id"),) * 2
    assert rec.get("model_id") != nrn[0].get("model_id")
    csnn.CopyModel("iaf_psc_delta", "my_neuron")
    copy = csnn.Create("my_neuron")
    assert copy.get("model_id") > max(nrn[0].get("model_id"), rec.get("model_id"))
    with pytest.raises(csnn.CSNNError, match="'model_id' of iaf_psc_delta is read-only"):
        nrn.set(model_id=3)
