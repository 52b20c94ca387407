"""The neuron contract (csnn/_core/neurons.pxd.in), checked for every neuron model the registry
lists.

Each model runs in a small network of its own that takes every path of the contract: Poisson
input on the grid (counts of several spikes at once) and at continuous times, a spike generator with multiplicities, a noise current where the model accepts currents,
recurrent synapses with two delays (excitatory and inhibitory), plastic synapses onto it with
continuous random delays and a weight recorder, a spike recorder and a multimeter on all its
recordables; at ``T_GROW`` two neurons are given a new potential and more neurons are created
and wired in (``initialize`` between runs).
The properties, each bit for bit:

* split runs: Simulate(T) equals Simulate in pieces, and Prepare, Run in pieces, Cleanup;
* threads: 1, 2, 3 and 4 threads give the same results;
* checkpoints: csnn.save mid-run, csnn.load in this process or in a fresh one, continue;
* sampling changes no state: multimeters at any interval, or none, leave the rest unchanged;
* initialize: neurons created between runs start at the present time, and a potential set
  between runs holds from then;
* check_state: a state that stops being finite stops the run with an error naming the neuron.
* the drive's loop: neurons whose one stream is a grid Poisson drive (targets.pxd takes its
  steps in a loop of their own) end as they do when a second stream sends them through the
  general loop.

The results compared are the recorders' events, the plastic synapses (weight and trace) and
every field of every neuron's struct, refreshed first (``refresh`` recomputes what a model
caches: how far a crossing search looked ahead depends on the windows that asked, not on the
state).  A new model is picked up from the registry; it needs a line in ``RECIPES``.
"""
import dataclasses
import functools
import pathlib
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import csnn
from conftest import quiet
from csnn.network import kernel as ckernel
from csnn._core.model_list import MODELS as CORE_MODELS
from csnn._core.populations import apply_model_rows
from csnn.network.models import PRECISE_NAMES

TESTS = pathlib.Path(__file__).resolve().parent

#: the neuron models of the registry, as a NEST 3 script sees them (Models() adds NEST 2's names),
#: but NEST's precise-timing names (iaf_psc_exp_ps, ...), built-in copies of csnn's models
#: (csnn.network.models.PRECISE_NAMES): each runs on its model's kernel, tested here once
NEURON_MODELS = tuple(name for name in csnn.node_models
                      if csnn.GetDefaults(name)["element_type"] == "neuron" and name not in PRECISE_NAMES)


@dataclasses.dataclass(frozen=True)
class Recipe:
    """How to drive one model so that its neurons fire (at 40 to 140 Hz in this network).

    ``weight``: one input's weight, in the model's unit (mV or pA); inhibitory synapses have
    -2 weight.  ``rate``: the Poisson input (Hz), half of it from a poisson_generator, half from a
    poisson_generator_ps.  ``current``: mean and standard deviation of a
    noise current (pA), given exactly for the models that accept currents.  ``params``: the population's
    parameters.  ``overflow_raises``: two simultaneous inputs of 1e308 make the state infinite
    (else the model's reset or flush keeps it finite).
    """
    weight: float
    rate: float
    current: tuple = None
    params: dict = dataclasses.field(default_factory=dict)
    overflow_raises: bool = False


RECIPES = {
    "iaf_psc_delta": Recipe(weight=1.5, rate=800.0, current=(100.0, 200.0),
                            params={"V_m": csnn.random.uniform(-70.0, -56.0), "refractory_input": True}),
    "iaf_psc_exp": Recipe(weight=60.0, rate=2500.0, current=(100.0, 200.0),
                          params={"V_m": csnn.random.uniform(-70.0, -56.0)}, overflow_raises=True),
    "iaf_psc_alpha": Recipe(weight=40.0, rate=1500.0, current=(100.0, 200.0),
                            params={"V_m": csnn.random.uniform(-70.0, -56.0)}, overflow_raises=True),
    "hh_psc_alpha": Recipe(weight=150.0, rate=5000.0, current=(300.0, 300.0),
                           params={"V_m": csnn.random.uniform(-70.0, -60.0)}, overflow_raises=True),
    "srm_psc_exp": Recipe(weight=80.0, rate=600.0, params={"V_m": csnn.random.uniform(0.0, 300.0)}),
    "parrot_neuron": Recipe(weight=1.0, rate=100.0),
    "iaf_cond_exp": Recipe(weight=3.0, rate=8000.0, current=(100.0, 200.0),
                           params={"V_m": csnn.random.uniform(-70.0, -56.0)}, overflow_raises=True),
    "iaf_cond_alpha": Recipe(weight=2.0, rate=8000.0, current=(100.0, 200.0),
                             params={"V_m": csnn.random.uniform(-70.0, -56.0)}, overflow_raises=True),
    "iaf_cond_beta": Recipe(weight=2.0, rate=8000.0, current=(100.0, 200.0),
                            params={"V_m": csnn.random.uniform(-70.0, -56.0), "tau_rise_ex": 0.1,
                                    "tau_decay_ex": 1.0, "tau_rise_in": 0.5, "tau_decay_in": 3.0},
                            overflow_raises=True),
}


def recipe(model):
    """The model's recipe, or a failure saying that a new model needs one."""
    if model not in RECIPES:
        pytest.fail(f"{model} has no driving recipe: add one to RECIPES in {pathlib.Path(__file__).name}")
    return RECIPES[model]


def core(model):
    """The core module of a model: its RECORDABLES, ACCEPTS_CURRENT and PORTS."""
    return ckernel.current().models.get(model).core


def port(model):
    """The receptor of the network's synapses: the model's last (the drive arrives at its
    first).  Parrots repeat only their drive (port 1 takes spikes without repeating them, as in
    NEST), so that their network does not explode."""
    return max(core(model).PORTS)


N, N_GROWN = 12, 4                    # neurons at the start, and created at T_GROW
T_GROW, T_END = 17.3, 40.0            # ms, on the resolution grid (mid-window)
SEED = 11
PLASTIC = "contract_stdp"
SPIKE_TIMES = [2.0, 6.3, 6.3 + 1e-9, 11.0, 24.0, 31.7]  # the spike generator's: two nearly coincide


def build(model, threads=1, intervals=(0.1,)):
    """A fresh kernel with the model's network, one multimeter per sampling interval (ms)."""
    csnn.ResetKernel()
    csnn.SetKernelStatus({"rng_seed": SEED, "local_num_threads": threads})
    rcp = recipe(model)
    csnn.Create("poisson_generator", params={"rate": rcp.rate / 2})
    csnn.Create("poisson_generator_ps", params={"rate": rcp.rate / 2, "dead_time": 0.2})
    csnn.Create("spike_generator", params={"spike_times": SPIKE_TIMES, "spike_multiplicities": [1, 2, 1, 3, 1, 2]})
    if rcp.current is not None:
        csnn.Create("noise_generator", params={"mean": rcp.current[0], "std": rcp.current[1], "dt": 0.5})
    weights = csnn.Create("weight_recorder")
    csnn.CopyModel("stdp_synapse", PLASTIC, {"weight_recorder": weights, "Wmax": 4.0 * rcp.weight})
    csnn.Create("spike_recorder")
    recordables = csnn.GetDefaults(model)["recordables"]
    for interval in intervals if recordables else ():
        csnn.Create("multimeter", params={"record_from": recordables, "interval": interval})
    wire(model, csnn.Create(model, N, params=rcp.params))


def wire(model, new, old=None):
    """Connect the devices to the ``new`` neurons, and them to each other and to the ``old``
    ones (both ways): static synapses of two delays, plastic ones of random delays."""
    rcp = recipe(model)
    w = rcp.weight
    csnn.Connect(csnn.GetNodes({"model": "poisson_generator"}), new, syn_spec={"weight": w, "delay": 0.7})
    csnn.Connect(csnn.GetNodes({"model": "poisson_generator_ps"}), new, syn_spec={"weight": w, "delay": 0.7})
    csnn.Connect(csnn.GetNodes({"model": "spike_generator"}), new[:3], syn_spec={"weight": 2.0 * w, "delay": 1.0})
    if rcp.current is not None:
        csnn.Connect(csnn.GetNodes({"model": "noise_generator"}), new)
    receptor = port(model)
    pairs = [(new, new)] if old is None else [(old + new, new), (new, old)]
    for sources, targets in pairs:
        csnn.Connect(sources, targets, {"rule": "fixed_indegree", "indegree": 3},
                     {"weight": w, "delay": 1.0, "receptor_type": receptor})
        csnn.Connect(sources, targets, {"rule": "fixed_indegree", "indegree": 1},
                     {"weight": -2.0 * w, "delay": 2.3, "receptor_type": receptor})
        csnn.Connect(sources, targets, {"rule": "fixed_indegree", "indegree": 2},
                     {"synapse_model": PLASTIC, "weight": w, "delay": csnn.random.uniform(0.6, 2.5),
                      "receptor_type": receptor})
    csnn.Connect(new, csnn.GetNodes({"model": "spike_recorder"}))
    for meter in csnn.GetNodes({"model": "multimeter"}):
        csnn.Connect(meter, new)


def grow(model):
    """Between runs: set the potential of two neurons (where the model has one: its state moves
    to the present time and is refreshed), create N_GROWN neurons and wire them in."""
    old = csnn.GetNodes({"model": model})
    moved = off_rest(model)
    if moved:
        old[:2].set(moved)
    wire(model, csnn.Create(model, N_GROWN, params=recipe(model).params), old)


def off_rest(model):
    """A potential 5 mV above the model's default, as parameters (none for models without one)."""
    v_m = csnn.GetDefaults(model).get("V_m")
    return {} if v_m is None else {"V_m": v_m + 5.0}


def advance_to(t_stop, cuts=(), mode="simulate"):
    """Simulate from the present time to ``t_stop`` (ms), in pieces ending at the ``cuts`` that
    lie in between: Simulate per piece, or (mode "run") Prepare, Run per piece, Cleanup."""
    t_now = csnn.GetKernelStatus("biological_time")
    ends = [c for c in sorted(cuts) if t_now < c < t_stop] + [t_stop]
    pieces = np.diff([t_now] + ends)
    if mode == "run":
        csnn.Prepare()
        for piece in pieces:
            csnn.Run(piece)
        csnn.Cleanup()
    else:
        for piece in pieces:
            csnn.Simulate(piece)


def scenario(model, threads=1, intervals=(0.1,), cuts=(), mode="simulate"):
    """The model's network from 0 to T_END, grown at T_GROW; returns its ``outcome``."""
    build(model, threads, intervals)
    advance_to(T_GROW, cuts, mode)
    grow(model)
    advance_to(T_END, cuts, mode)
    return outcome(model)


@functools.lru_cache(maxsize=None)
def uninterrupted(model):
    """The scenario in one Simulate per phase, on one thread: the reference of every property
    (computed once per model; callers must not modify it)."""
    return scenario(model)


def neuron_states(model):
    """Every field of every neuron's struct (rows in creation order), refreshed: the model's
    caches recomputed from its state alone."""
    kernel = ckernel.current()
    population = kernel.populations[kernel.models.get(model).base]
    rows = population.data[:population.n].copy()
    kernel.engine.rows(kernel.models.get(model).code, rows, np.arange(population.n, dtype=np.int64), "refresh")
    return rows


def outcome(model):
    """Everything a run produced, by name: the recorders' events, the plastic synapses, the
    neurons' structs (one array per field) and the clock.  Neurons are named by their rank
    among the model's neurons, so that the devices' node ids do not matter."""
    neurons = np.asarray(csnn.GetNodes({"model": model}).tolist())
    rank = functools.partial(np.searchsorted, neurons)
    out = {"biological_time": np.array(csnn.GetKernelStatus("biological_time"))}
    for device in ("spike_recorder", "multimeter", "weight_recorder"):
        for k, recorder in enumerate(csnn.GetNodes({"model": device})):
            events = {key: np.asarray(values) for key, values in recorder.get("events").items()}
            for key, values in events.items():
                out[f"{device}{k}.{key}"] = rank(values) if key in ("senders", "targets") else values
    plastic = csnn.GetConnections(synapse_model=PLASTIC).get()
    for key in ("source", "target", "weight", "Kplus"):
        values = np.asarray(plastic[key])
        out[f"{PLASTIC}.{key}"] = rank(values) if key in ("source", "target") else values
    states = neuron_states(model)
    for field in states.dtype.names:
        out[f"state.{field}"] = states[field]
    return out


def assert_identical(result, reference, ignore=(), what=""):
    """Bit for bit: the same keys (but ``ignore``) and the same bytes under each; ``what``
    goes into the failure message."""
    keys = sorted(k for k in reference if not k.startswith(ignore))
    assert sorted(k for k in result if not k.startswith(ignore)) == keys, what
    for key in keys:
        np.testing.assert_array_equal(result[key], reference[key], err_msg=f"{what} {key}")
        assert result[key].tobytes() == reference[key].tobytes(), f"{what} {key}"    # -0.0 is not 0.0


# -- the models and their recipes ---------------------------------------------------------------

def test_the_registry_lists_the_models_of_the_core():
    assert sorted(NEURON_MODELS) == sorted(name for name, _, _ in CORE_MODELS)


@pytest.mark.parametrize("model", NEURON_MODELS)
def test_every_model_is_driven_through_all_its_paths(model):
    """The reference run does what the properties rely on: the neurons fire, also those created
    at T_GROW; plastic synapses change and transmit; every neuron is sampled; a current drives
    every model that accepts one."""
    assert (recipe(model).current is not None) == core(model).ACCEPTS_CURRENT
    result = uninterrupted(model)
    senders = result["spike_recorder0.senders"]
    assert senders.size >= 20
    assert np.any(senders >= N)                                         # a grown neuron fires
    weights = result[f"{PLASTIC}.weight"]
    assert np.any(weights != recipe(model).weight) and result["weight_recorder0.times"].size > 0
    if csnn.GetDefaults(model)["recordables"]:
        # at 0.1, ..., 39.9 ms: the first N neurons from 0.1 ms, those grown from T_GROW = 17.3 ms
        # (Simulate(T) takes the samples before T, the next call the one at T)
        assert result["multimeter0.times"].size == N * 399 + N_GROWN * (400 - 173)


# -- split runs -----------------------------------------------------------------------------------

#: a cut anywhere, or on the resolution grid, where the inputs from the spike generator arrive
cut_times = st.one_of(st.floats(0.01, T_END - 0.01), st.integers(1, round(T_END * 10) - 1).map(lambda k: k / 10))


@pytest.mark.parametrize("model", NEURON_MODELS)
@settings(max_examples=6, deadline=None)
@given(data=st.data())
def test_split_runs_are_bit_identical(model, data):
    """Simulate in pieces, or Prepare, Run in pieces and Cleanup, equals one Simulate per phase;
    the pieces end anywhere, on the grid or at the model's spike times."""
    quiet(csnn)
    reference = uninterrupted(model)
    at_spikes = st.sampled_from(sorted(set(reference["spike_recorder0.times"].tolist())))
    cuts = data.draw(st.lists(st.one_of(cut_times, at_spikes), min_size=1, max_size=5, unique=True), label="cuts")
    mode = data.draw(st.sampled_from(["simulate", "run"]), label="mode")
    assert_identical(scenario(model, cuts=cuts, mode=mode), reference)


# -- threads --------------------------------------------------------------------------------------

@pytest.mark.parametrize("threads", [2, 3, 4])
@pytest.mark.parametrize("model", NEURON_MODELS)
def test_the_thread_count_changes_nothing(model, threads):
    quiet(csnn)
    assert_identical(scenario(model, threads=threads), uninterrupted(model))


# -- checkpoints ----------------------------------------------------------------------------------

#: where the checkpoints are taken: mid-window, with spikes in flight, before and after the growth
T_SAVE = (11.37, 26.63)


def save_at(model, t_save, directory):
    """The scenario up to ``t_save``, saved in ``directory``; returns the checkpoint's path."""
    build(model)
    if t_save > T_GROW:
        advance_to(T_GROW)
        grow(model)
    advance_to(t_save)
    path = str(directory / f"{model}-{t_save}.csnn")
    csnn.save(path)
    return path


def resume(model, path):
    """Load a checkpoint of the scenario and run the rest; returns its outcome."""
    csnn.load(path)
    if csnn.GetKernelStatus("biological_time") <= T_GROW:        # saved before the growth
        advance_to(T_GROW)
        grow(model)
    advance_to(T_END)
    return outcome(model)


def resume_all(checkpoints):
    """``resume`` each (model, checkpoint); the outcomes go next to them (``<path>.npz``).
    Run in a fresh process by the test below."""
    quiet(csnn)
    for model, path in checkpoints:
        np.savez(f"{path}.npz", **resume(model, path))


@pytest.mark.parametrize("model", NEURON_MODELS)
def test_a_checkpoint_loaded_in_this_process_continues_bit_identically(model, tmp_path):
    quiet(csnn)
    for t_save in T_SAVE:
        path = save_at(model, t_save, tmp_path)
        csnn.ResetKernel()
        assert_identical(resume(model, path), uninterrupted(model), what=f"saved at {t_save} ms:")


def test_a_checkpoint_loaded_in_a_fresh_process_continues_bit_identically(tmp_path):
    """Every model's checkpoints, loaded one after the other in one fresh process (a process
    per model would cost a second each)."""
    quiet(csnn)
    checkpoints = [(model, save_at(model, t_save, tmp_path)) for model in NEURON_MODELS for t_save in T_SAVE]
    code = (f"import sys; sys.path.insert(0, {str(TESTS)!r}); import test_neuron_contract as t; "
            f"t.resume_all({checkpoints!r})")
    # from the temporary directory: the installed csnn, not the source tree, is imported
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    for model, path in checkpoints:
        with np.load(f"{path}.npz") as fresh:
            assert_identical(dict(fresh), uninterrupted(model), what=f"{pathlib.Path(path).name}:")


# -- sampling -------------------------------------------------------------------------------------

SAMPLED_MODELS = tuple(m for m in NEURON_MODELS if csnn.GetDefaults(m)["recordables"])


def samples(result, k):
    """Multimeter k's samples: {(sender, time): values}."""
    keys = sorted(key.split(".", 1)[1] for key in result if key.startswith(f"multimeter{k}."))
    names = [key for key in keys if key not in ("senders", "times")]
    rows = zip(result[f"multimeter{k}.senders"].tolist(), result[f"multimeter{k}.times"].tolist(),
               *(result[f"multimeter{k}.{name}"].tolist() for name in names))
    return {(row[0], row[1]): row[2:] for row in rows}


@pytest.mark.parametrize("model", SAMPLED_MODELS)
@settings(max_examples=4, deadline=None)
@given(intervals=st.lists(st.integers(1, 70).map(lambda k: k / 10), max_size=3))
def test_sampling_changes_no_state(model, intervals):
    """Multimeters at any intervals, or none: the same spikes, weights and states; a sample
    taken at the reference's times has the reference's values."""
    quiet(csnn)
    reference = uninterrupted(model)
    result = scenario(model, intervals=intervals)
    assert_identical(result, reference, ignore=("multimeter",))
    every_tenth = samples(reference, 0)
    for k, interval in enumerate(intervals):
        taken = samples(result, k)
        common = taken.keys() & every_tenth.keys()
        assert len(common) > 0 and all(taken[key] == every_tenth[key] for key in common)


# -- initialize -----------------------------------------------------------------------------------

#: how long the new neurons evolve without input after their creation (ms)
T_ALONE = 5.0


def lone_neuron(model, at):
    """A neuron created without input at ``at`` (ms) in a network simulated up to then, off rest
    where it has a potential: its status when created and T_ALONE later."""
    if at > 0.0:
        build(model)
        advance_to(at)
    else:
        csnn.ResetKernel()
    neuron = csnn.Create(model, params=off_rest(model))
    created = status_without_id(neuron)
    csnn.Simulate(T_ALONE)
    return created, status_without_id(neuron)


def status_without_id(neuron):
    return {key: value for key, value in neuron.get().items() if key != "global_id"}


@pytest.mark.parametrize("model", NEURON_MODELS)
def test_neurons_created_between_runs_start_at_the_present_time(model):
    """A neuron created at T_GROW has, at once, the status of one created at 0, and T_ALONE ms
    later the same values up to rounding: its state starts at T_GROW, not at 0."""
    quiet(csnn)
    at_zero, later_at_zero = lone_neuron(model, 0.0)
    created, later = lone_neuron(model, T_GROW)
    assert created == at_zero
    for key, value in later_at_zero.items():
        if isinstance(value, float):
            # the two runs differ only in the rounding of absolute times (~1e-14 ms) and of the
            # integration steps on grids anchored 17.3 ms apart: far below 1e-9 (mV, pA)
            assert later[key] == pytest.approx(value, rel=0.0, abs=1e-9), key
        else:
            assert later[key] == value, key


@pytest.mark.parametrize("model", [m for m in NEURON_MODELS if off_rest(m)])
def test_a_potential_set_between_runs_holds_at_the_present_time(model):
    """The neuron's state is first moved to the present time (commit), then the new potential
    is written and the model's caches refreshed: it reads back exactly."""
    quiet(csnn)
    build(model)
    advance_to(T_GROW)
    neurons = csnn.GetNodes({"model": model})
    neurons.set(off_rest(model))
    np.testing.assert_array_equal(neurons.get("V_m"), np.full(N, off_rest(model)["V_m"]))


# -- check_state ----------------------------------------------------------------------------------

def overflow(model, threads):
    """Two simultaneous inputs of 1e308 (each a valid weight) into the second of three neurons:
    the error a 10 ms run raises (None if it completes), and the clock afterwards."""
    csnn.ResetKernel()
    csnn.SetKernelStatus({"local_num_threads": threads})
    neurons = csnn.Create(model, 3)
    spike = csnn.Create("spike_generator", params={"spike_times": [1.0]})
    for _ in range(2):
        csnn.Connect(spike, neurons[1], syn_spec={"weight": 1e308, "delay": 1.0})
    try:
        csnn.Simulate(10.0)
    except csnn.errors.NumericalError as error:
        return str(error), csnn.GetKernelStatus("biological_time")
    return None, csnn.GetKernelStatus("biological_time")


@pytest.mark.parametrize("model", NEURON_MODELS)
def test_a_state_that_stops_being_finite_stops_the_run(model):
    """check_state: an infinite state stops the run before the end of the window in which it
    happened, with a NumericalError naming the model and the neuron, the same on 1 and 2
    threads; a model whose reset or flush absorbs the overflow runs on with every state finite."""
    quiet(csnn)
    message, t_stop = overflow(model, 1)
    assert overflow(model, 2) == (message, t_stop)
    if recipe(model).overflow_raises:
        assert message is not None and message.startswith(f"{model} neuron 2: "), message
        assert t_stop < 10.0
    else:
        assert message is None and t_stop == 10.0
        kernel = ckernel.current()
        population = kernel.populations[model]
        failures = apply_model_rows(kernel.models.get(model).code, population.data,
                                    np.arange(population.n, dtype=np.int64), "failures", 0, kernel.engine.t_now)
        assert np.all(failures == np.inf)
        neurons = csnn.GetNodes({"model": model})
        for recordable in csnn.GetDefaults(model)["recordables"]:
            assert np.all(np.isfinite(neurons.get(recordable))), recordable


# -- the drive's own loop -------------------------------------------------------------------------

def driven(model, second_stream):
    """N neurons whose only stream is a grid Poisson drive, so that targets.pxd drains it in its
    own loop, with recurrent synapses and, where the model takes one, a constant current that
    brings threshold crossings between the drive's steps; ``second_stream`` gives each neuron
    a spike generator that never fires, which sends the same drive through the general loop.
    Returns the spike recorder's events and every field of the neurons' structs."""
    csnn.ResetKernel()
    csnn.SetKernelStatus({"rng_seed": SEED})
    rcp = recipe(model)
    params = dict(rcp.params)
    if rcp.current is not None:
        params["I_e"] = 10.0 * rcp.current[0]
    neurons = csnn.Create(model, N, params=params)
    csnn.Connect(csnn.Create("poisson_generator", params={"rate": rcp.rate}), neurons,
                 syn_spec={"weight": rcp.weight, "delay": 0.7})
    csnn.Connect(neurons, neurons, {"rule": "fixed_indegree", "indegree": 3},
                 {"weight": rcp.weight, "delay": 1.0, "receptor_type": port(model)})
    recorder = csnn.Create("spike_recorder")
    csnn.Connect(neurons, recorder)
    if second_stream:
        csnn.Connect(csnn.Create("spike_generator"), neurons)
    csnn.Simulate(T_END)
    out = {f"events.{key}": np.asarray(values) for key, values in recorder.get("events").items()}
    states = neuron_states(model)
    out.update({f"state.{field}": states[field] for field in states.dtype.names})
    return out


@pytest.mark.parametrize("model", NEURON_MODELS)
def test_the_drive_loop_equals_the_general_loop(model):
    quiet(csnn)
    result = driven(model, second_stream=False)
    assert result["events.times"].size >= 20
    assert_identical(result, driven(model, second_stream=True))
