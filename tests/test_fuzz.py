"""Fuzzing: hypothesis state machines drive random sequences of csnn's public API.

The issue: "hypothesis state-machine tests drive random sequences of Create/Connect/SetStatus/
Simulate/GetStatus with valid and invalid arguments; every invalid call raises a documented
exception, no call crashes the process, and the kernel stays usable after an error."

:class:`APIMachine` keeps a model of the kernel (the nodes and their kinds, the multimeters'
attachments, the number of connections, the simulated time, the resolution) and classifies
every call it makes before making it:

* ``VALID``: the call must succeed;
* ``INVALID``: the call must raise a ``csnn.CSNNError`` (csnn/errors.py), whatever the random
  draws of the call;
* ``MAYBE``: the outcome depends on something the model does not predict (random draws, a
  value that is only wrong when connections are made); success and a CSNNError are both fine.

Any other exception (a TypeError, ValueError, IndexError, KeyError, ZeroDivisionError,
AttributeError, SystemError... that is not a CSNNError) fails the test, and so does a
MemoryError unless csnn raised it on purpose (its messages start with "csnn").  After a failed
call the kernel must be unchanged (no nodes, connections or time added; SetStatus and
SetKernelStatus change nothing), and the invariants below must still hold.

Invariants, after every step: ``biological_time`` is finite and equals the simulated time of the
model (so it never decreases until ResetKernel); ``network_size`` and ``num_connections`` equal
the model's counts, and ``GetConnections()`` holds ``num_connections`` connections; spike
recorders hold events sorted by time in (0, biological_time]; multimeter samples lie on their
interval grid, before biological_time, and are finite; weight recorders hold finite weights;
membrane potentials are finite.  Rule ``probe_network`` checks that the kernel still simulates
correctly (an input spike at t0 + 1 ms makes a neuron spike at exactly t0 + 2 ms).

``test_api_never_crashes_the_process`` runs the machine in a child process (a crash of the
engine would take the test runner with it) and fails with the tail of the child's trace and
stderr when the child dies from a signal.

The tests at the end of this file reproduce, minimally, the bugs the fuzzing found (each failed
before its fix); the machine draws their inputs too.  ``CSNN_FUZZ_EXAMPLES=500 pytest
tests/test_fuzz.py`` runs a longer search.
"""
import functools
import math
import os
import subprocess
import sys
import tempfile
import textwrap
import traceback
import warnings
from dataclasses import dataclass, field

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, note, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test

import csnn

NAN, INF = math.nan, math.inf

#: examples of the in-process state machine (each a sequence of up to STEPS rules)
EXAMPLES = int(os.environ.get("CSNN_FUZZ_EXAMPLES", "100"))
STEPS = int(os.environ.get("CSNN_FUZZ_STEPS", "50"))
#: the child process of test_api_never_crashes_the_process: CHILD_EXAMPLES x CHILD_STEPS steps
CHILD_EXAMPLES = int(os.environ.get("CSNN_FUZZ_CHILD_EXAMPLES", "8"))
CHILD_STEPS = int(os.environ.get("CSNN_FUZZ_CHILD_STEPS", "50"))
#: print every API call to stderr (the child does, so that a crash shows the calls before it)
TRACE = os.environ.get("CSNN_FUZZ_TRACE") == "1"

# -- verdicts ------------------------------------------------------------------------------------

VALID, MAYBE, INVALID = 0, 1, 2          # ordered: a call is as bad as its worst part
VERDICT = {VALID: "valid", MAYBE: "maybe valid", INVALID: "invalid"}


def invalid_if(condition):
    """INVALID when ``condition`` holds (the bad value is certainly used), else MAYBE."""
    return INVALID if condition else MAYBE


def documented(exc):
    """An exception csnn raises on purpose: a CSNNError, or a MemoryError of csnn's own."""
    if isinstance(exc, csnn.CSNNError):
        return True
    return isinstance(exc, MemoryError) and str(exc).startswith("csnn")


def traced(method):
    """With CSNN_FUZZ_TRACE=1, report a step that fails on stderr (the child's trace)."""
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except Exception as exc:          # not hypothesis's own StopTest (a BaseException)
            if TRACE:
                print(f"csnn-fuzz: !! {method.__name__} failed: {type(exc).__name__}: {exc}", file=sys.stderr,
                      flush=True)
                traceback.print_exc(limit=-12)
            raise
    return wrapper


def short(value, limit=160):
    """A short repr for messages; NodeCollections are shown by their ids."""
    if isinstance(value, csnn.NodeCollection):
        ids = value.tolist()
        return f"NodeCollection({ids if len(ids) <= 4 else f'{ids[0]}..{ids[-1]}'})"
    if isinstance(value, dict):
        text = "{" + ", ".join(f"{k!r}: {short(v, limit)}" for k, v in value.items()) + "}"
    elif isinstance(value, (list, tuple)) and len(value) < 50:
        inner = ", ".join(short(v, limit) for v in value)
        text = f"[{inner}]" if isinstance(value, list) else f"({inner}{',' if len(value) == 1 else ''})"
    else:
        text = repr(value)
    return text if len(text) <= limit else text[:limit] + "...'"


def quiet():
    """csnn's warnings off (spike times in the past, OpenMP, common synapse properties)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        csnn.set_verbosity("M_ERROR")


def same(a, b):
    """Equal status values (numbers, strings, None, and dicts, lists, tuples and arrays of them)."""
    a = a.item() if isinstance(a, np.ndarray) and a.ndim == 0 else a
    b = b.item() if isinstance(b, np.ndarray) and b.ndim == 0 else b
    if isinstance(a, dict) or isinstance(b, dict):
        return isinstance(a, dict) and isinstance(b, dict) and a.keys() == b.keys() and all(
            same(a[k], b[k]) for k in a)
    sequences = (list, tuple, np.ndarray)
    if isinstance(a, sequences) or isinstance(b, sequences):
        return (isinstance(a, sequences) and isinstance(b, sequences) and len(a) == len(b)
                and all(same(x, y) for x, y in zip(a, b)))
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return bool(a == b)


# -- what the machine knows about csnn's models -----------------------------------------------------

NEURON, GENERATOR, SPIKE_RECORDER, METER, WEIGHT_RECORDER = (
    "neuron", "generator", "spike_recorder", "multimeter", "weight_recorder")

#: neuron model -> (recordables, accepts currents, receptor ports) (docs/guide.md "Models"; the cores)
NEURON_MODELS = {
    "iaf_psc_delta": (("V_m",), True, (0,)),
    "iaf_psc_exp": (("V_m", "I_syn_ex", "I_syn_in"), True, (0,)),
    "iaf_psc_alpha": (("V_m", "I_syn_ex", "I_syn_in"), True, (0,)),
    "hh_psc_alpha": (("V_m", "Act_m", "Inact_h", "Act_n", "I_syn_ex", "I_syn_in"), True, (0,)),
    "parrot_neuron": ((), False, (0, 1)),
    "srm_psc_exp": (("V_m",), False, (0,)),
    "iaf_cond_exp": (("V_m", "g_ex", "g_in"), True, (0,)),
    "iaf_cond_alpha": (("V_m", "g_ex", "g_in", "t_ref_remaining"), True, (0,)),
    "iaf_cond_beta": (("V_m", "g_ex", "g_in", "t_ref_remaining"), True, (0,)),
}
#: generator -> whether it sends a current (only neurons that accept currents may receive it)
GENERATOR_MODELS = {
    "poisson_generator": False, "poisson_generator_ps": False, "spike_generator": False,
    "pulsepacket_generator": False, "inhomogeneous_poisson_generator": False, "dc_generator": True, "step_current_generator": True,
    "noise_generator": True, "ou_noise_generator": True, "ac_generator": True,
}
RECORDER_MODELS = {"spike_recorder": SPIKE_RECORDER, "multimeter": METER, "voltmeter": METER,
                   "weight_recorder": WEIGHT_RECORDER}
#: NEST 2 names csnn accepts
ALIASES = {"spike_detector": "spike_recorder", "iaf_neuron": "iaf_psc_alpha"}
RECORDABLES = ("V_m", "I_syn_ex", "I_syn_in", "Act_m", "Inact_h", "Act_n", "g_ex", "g_in", "t_ref_remaining")
PLASTIC_MODELS = ("stdp_synapse", "stdp_nn_restr_synapse", "stdp_nn_symm_synapse",
                  "stdp_nn_pre_centered_synapse", "stdp_triplet_synapse")
RESOLUTIONS = (0.1, 0.05, 0.025, 0.2, 0.5, 1.0)


def kind_of(model):
    model = ALIASES.get(model, model)
    if model in NEURON_MODELS:
        return NEURON
    if model in GENERATOR_MODELS:
        return GENERATOR
    return RECORDER_MODELS[model]


# Valid values are kept in ranges where every network the machine builds is numerically tame
# (no NaN in hh_psc_alpha, bounded spike counts), so that a valid Simulate must succeed.

_LIF = {"I_e": (0.0, 600.0), "V_m": (-75.0, -56.0), "E_L": (-72.0, -65.0), "tau_m": (5.0, 20.0),
        "C_m": (100.0, 300.0), "t_ref": (0.5, 3.0)}
_TRACES = {"tau_minus": (5.0, 40.0), "tau_minus_triplet": (50.0, 200.0)}
_COND = {"I_e": (0.0, 600.0), "V_m": (-75.0, -56.0), "E_L": (-72.0, -65.0), "g_L": (5.0, 30.0), "C_m": (100.0, 300.0),
         "t_ref": (0.5, 3.0), "tau_syn_ex": (0.1, 5.0), "tau_syn_in": (0.5, 5.0), "error_tol": (1e-10, 1e-6), **_TRACES}
#: neuron model -> parameter -> valid range
NEURON_PARAMS = {
    "iaf_psc_delta": {**_LIF, **_TRACES, "V_min": (-200.0, -80.0)},
    "iaf_psc_exp": {**_LIF, **_TRACES, "tau_syn_ex": (0.5, 5.0), "tau_syn_in": (0.5, 5.0)},
    "iaf_psc_alpha": {**_LIF, **_TRACES, "tau_syn_ex": (0.5, 5.0), "tau_syn_in": (0.5, 5.0)},
    "hh_psc_alpha": {"I_e": (0.0, 600.0), "V_m": (-70.0, -60.0), "tau_syn_ex": (0.1, 2.0),
                     "tau_syn_in": (0.5, 3.0), **_TRACES},
    "parrot_neuron": dict(_TRACES),
    "srm_psc_exp": {"V_m": (0.0, 300.0), **_TRACES},
    "iaf_cond_exp": _COND,
    "iaf_cond_alpha": {**_COND, "dg_ex": (0.0, 5.0)},
    "iaf_cond_beta": {**{k: v for k, v in _COND.items() if not k.startswith("tau_syn")}, "dg_ex": (0.0, 5.0),
                      "tau_rise_ex": (0.1, 2.0), "tau_decay_ex": (0.1, 5.0), "tau_rise_in": (0.2, 3.0),
                      "tau_decay_in": (0.5, 5.0)},
}
#: parameters with the same valid range in every model that has them (SetStatus on a mix)
SHARED_NEURON_PARAMS = {**_TRACES}


def floats(lo, hi):
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


def per_node(lo, hi, n):
    """A valid number in [lo, hi] for ``n`` nodes in every form csnn takes: a float, an int, a
    numpy scalar, one value per node (list or array), csnn.random.uniform, a NEST 2 dict."""
    one = floats(lo, hi)
    many = st.lists(one, min_size=n, max_size=n)
    ints = st.integers(math.ceil(lo), math.floor(hi)) if math.ceil(lo) <= math.floor(hi) else one
    return st.one_of(one, one, ints, one.map(np.float64), many, many.map(np.array),
                     st.builds(lambda: csnn.random.uniform(lo, hi)),
                     st.just({"distribution": "uniform", "low": lo, "high": hi}))


def scalar_values(params):
    """Whether every value of ``params`` is one number (so a list of such dicts means the same)."""
    return all(isinstance(v, (float, int, bool, np.floating)) for v in params.values())


def sorted_times(lo=0.1, hi=40.0, min_size=0, max_size=5, strict=False):
    """Increasing times in [lo, hi] (strictly increasing with ``strict``)."""
    return st.lists(floats(lo, hi), min_size=min_size, max_size=max_size, unique=strict).map(sorted)


@st.composite
def start_stop(draw):
    start = draw(floats(0.0, 15.0))
    return {"start": start, "stop": start + draw(floats(0.0, 30.0))}


@st.composite
def generator_params(draw, model, n, resolution, now, create=False):
    """Valid parameters of generator ``model`` for ``n`` nodes at simulated time ``now`` (ms)."""
    options = {"window": lambda: draw(start_stop()), "origin": lambda: {"origin": draw(floats(0.0, 5.0))}}
    if model == "poisson_generator":
        options["rate"] = lambda: {"rate": draw(per_node(0.0, 1.0e4, n))}
    elif model == "poisson_generator_ps":
        # rates up to 100 Hz and dead times up to 10 ms: every combination is valid
        options["rate"] = lambda: {"rate": draw(per_node(0.0, 100.0, n))}
        options["dead_time"] = lambda: {"dead_time": draw(floats(0.0, 10.0))}
    elif model == "spike_generator":
        def spikes():
            times = draw(sorted_times(min_size=0, max_size=6))
            out = {"spike_times": times}
            if times and draw(st.booleans()):
                out["spike_weights"] = draw(st.lists(floats(-3.0, 3.0), min_size=len(times), max_size=len(times)))
            if times and draw(st.booleans()):
                out["spike_multiplicities"] = draw(st.lists(st.integers(1, 3), min_size=len(times),
                                                            max_size=len(times)))
            if n > 1 and draw(st.booleans()):           # one array per node
                out = {"spike_times": [draw(sorted_times()) for _ in range(n)]}
            # weights and multiplicities must match the times the node will have
            out.setdefault("spike_weights", [])
            out.setdefault("spike_multiplicities", [])
            return out
        options["spikes"] = spikes
        options["flags"] = lambda: {"precise_times": draw(st.booleans()),
                                    "allow_offgrid_times": draw(st.booleans())}
    elif model == "dc_generator":
        options["amplitude"] = lambda: {"amplitude": draw(per_node(-300.0, 300.0, n))}
    elif model == "step_current_generator":
        def steps():
            times = draw(sorted_times(min_size=0, max_size=5, strict=True))
            return {"amplitude_times": times,
                    "amplitude_values": draw(st.lists(floats(-300.0, 300.0), min_size=len(times),
                                                      max_size=len(times)))}
        options["steps"] = steps
    elif model in ("noise_generator", "ou_noise_generator"):
        def noise():
            out = {"mean": draw(floats(-200.0, 200.0)), "std": draw(floats(0.0, 200.0)),
                   "dt": resolution * draw(st.integers(1, 10))}
            if model == "ou_noise_generator":
                out["tau"] = draw(floats(1.0, 20.0))
            return out
        options["noise"] = noise
    elif model == "ac_generator":
        options["ac"] = lambda: {"amplitude": draw(floats(-200.0, 200.0)), "offset": draw(floats(-100.0, 100.0)),
                                 "frequency": draw(floats(0.0, 100.0)), "phase": draw(floats(0.0, 360.0))}
    elif model == "pulsepacket_generator":
        options["packets"] = lambda: {"pulse_times": draw(sorted_times(max_size=3)),
                                      "activity": draw(st.integers(0, 5)), "sdev": draw(floats(0.0, 2.0))}
    elif model == "inhomogeneous_poisson_generator":
        def rates():
            # as NEST requires: multiples of the resolution after the present time
            first = math.floor(now / resolution)
            times = [(first + k) * resolution for k in
                     sorted(draw(st.lists(st.integers(1, 400), min_size=0, max_size=4, unique=True)))]
            return {"rate_times": times, "rate_values": draw(st.lists(floats(0.0, 5000.0), min_size=len(times),
                                                                      max_size=len(times)))}
        options["rates"] = rates
    chosen = draw(st.lists(st.sampled_from(sorted(options)), max_size=2, unique=True))
    params = {}
    for name in chosen:
        params.update(options[name]())
    if model == "ou_noise_generator" and "dt" not in params:
        params["dt"] = resolution * draw(st.integers(1, 10))   # its default, 0.1 ms, needs resolution 0.1
    return params


@st.composite
def recorder_params(draw, model, resolution):
    """Valid parameters of recorder ``model`` (memory backend only: the fuzzing writes no file)."""
    base = ALIASES.get(model, model)
    options = {"window": lambda: draw(start_stop()), "label": lambda: {"label": draw(st.text("abc_", max_size=5))},
               "memory": lambda: {"record_to": "memory"}, "precision": lambda: {"precision": draw(st.integers(0, 6))}}
    if base == "spike_recorder":
        options["nest2"] = lambda: {"withgid": True, "withtime": True}
    if base in ("multimeter", "voltmeter"):
        options["interval"] = lambda: {"interval": resolution * draw(st.integers(1, 8))}
    if base == "multimeter":
        options["record_from"] = lambda: {"record_from": draw(st.lists(st.sampled_from(RECORDABLES), max_size=3,
                                                                       unique=True))}
    chosen = draw(st.lists(st.sampled_from(sorted(options)), max_size=3, unique=True))
    params = {}
    for name in chosen:
        params.update(options[name]())
    return params


def invalid_neuron_params(model, n):
    """Parameters every node of ``model`` must reject, checked before anything is changed."""
    base = model
    options = [{"V_thr": -50.0}, {"bogus": 1.0}, {"": 1.0}, {"t_spike": 5.0}, {"global_id": 7},
               {"model": "iaf_psc_delta"}, {"recordables": []}, {"local": False}]
    # tau_minus: every neuron has it, a finite number > 0
    options += [{"tau_minus": v} for v in (-1.0, 0.0, NAN, INF, -INF, "abc", None, True, b"1", {"a": 1},
                                           [5.0] * (n + 1), [], csnn.random.uniform(-2.0, -1.0),
                                           {"distribution": "bogus"}, [[5.0]] * n, ["5"] * n, [True] * n,
                                           np.full((n, 1), 5.0), 10 ** 400, [10 ** 400] * n)]
    if base != "parrot_neuron":
        options += [{"V_m": v} for v in (NAN, INF, -INF, "-70")]
    if base in ("iaf_psc_delta", "iaf_psc_exp", "iaf_psc_alpha"):
        options += [{"t_ref": -0.5}, {"C_m": 0.0}, {"tau_m": -10.0}, {"I_e": NAN}]
    if base == "iaf_psc_delta":
        options += [{"refractory_input": "yes"}, {"refractory_input": 2}, {"V_min": NAN}]
    if base == "srm_psc_exp":
        options += [{"V_th": -1.0}, {"K1": -1.0}]
    if base == "hh_psc_alpha":
        options += [{"h": 0.0}, {"g_Na": -1.0}]
    if base in ("iaf_cond_exp", "iaf_cond_alpha", "iaf_cond_beta"):
        options += [{"t_ref": -0.5}, {"C_m": 0.0}, {"g_L": -1.0}, {"error_tol": 0.0}, {"error_tol": INF}, {"g_ex": NAN},
                    {"tau_rise_ex": 0.0} if base == "iaf_cond_beta" else {"tau_syn_ex": 0.0}]
    return options


def cross_invalid_neuron_params(model):
    """Parameter combinations a model rejects as a whole (each value being valid alone; a
    failing combination must not set the tau_minus given with it either:
    test_failed_set_status_changes_nothing_tau_minus)."""
    if model in ("iaf_psc_delta", "iaf_psc_exp", "iaf_psc_alpha", "iaf_cond_exp", "iaf_cond_alpha", "iaf_cond_beta"):
        return [{"V_reset": -60.0, "V_th": -60.0}, {"V_reset": -50.0, "V_th": -52.0}]
    if model == "srm_psc_exp":
        return [{"t_ref": 0.0}]
    return []


def invalid_device_params(model, resolution):
    """Parameters every device of ``model`` must reject, whatever its present parameters."""
    base = ALIASES.get(model, model)
    options = [{"bogus": 1.0}, {"global_id": 3}, {"start": 10.0, "stop": 5.0}, {"start": NAN},
               {"origin": INF}, {"stop": NAN}, {"start": "0"}]
    if base in ("poisson_generator", "poisson_generator_ps"):
        options += [{"rate": v} for v in (-1.0, NAN, INF, "10", None, [1.0] * 9)] + [{"rates": 1.0}]
    if base == "poisson_generator_ps":
        options += [{"rate": 1000.0, "dead_time": 1.5}, {"dead_time": -1.0}, {"dead_time": NAN}]
    elif base == "spike_generator":
        options += [{"spike_times": [2.0, 1.0]}, {"spike_times": [0.0, 1.0]}, {"spike_times": [-1.0]},
                    {"spike_times": [1.0, NAN]}, {"spike_times": "abc"},
                    {"spike_times": [1.0, 2.0], "spike_weights": [1.0]},
                    {"spike_times": [1.0], "spike_multiplicities": [0]},
                    {"spike_times": [1.0], "spike_multiplicities": [1.5]}, {"precise_times": "no"}]
    elif base in ("dc_generator", "ac_generator"):
        options += [{"amplitude": NAN}, {"amplitude": "1"}]
    elif base == "step_current_generator":
        options += [{"amplitude_times": [1.0, 1.0], "amplitude_values": [1.0, 2.0]},
                    {"amplitude_times": [1.0, 2.0], "amplitude_values": [1.0]},
                    {"amplitude_times": [1.0], "amplitude_values": [INF]}]
    elif base in ("noise_generator", "ou_noise_generator"):
        options += [{"dt": 1.5 * resolution}, {"dt": 0.0}, {"dt": -1.0}, {"std": -1.0}, {"mean": NAN}]
    elif base == "pulsepacket_generator":
        options += [{"activity": -1}, {"activity": 1.5}, {"sdev": -1.0}]
    elif base == "inhomogeneous_poisson_generator":
        options += [{"rate_times": [1.0], "rate_values": [-1.0]}, {"rate_times": [2.0, 1.0], "rate_values": [1.0, 1.0]},
                    {"rate_times": [1.0]}, {"rate_values": [1.0]}, {"rate_times": [-1.0], "rate_values": [1.0]}]
    if base in RECORDER_MODELS:
        options += [{"record_to": "bogus"}, {"record_to": 3}, {"n_events": 5}, {"time_in_steps": 3},
                    {"precision": -1}, {"label": 5}, {"events": {}}, {"filenames": []}]
    if base in ("multimeter", "voltmeter"):
        options += [{"record_from": ["V_x"]}, {"record_from": "V_m"}, {"record_from": [["V_m"]]},
                    {"record_from": 5}, {"record_from": None},
                    {"interval": 1.5 * resolution}, {"interval": 0.0}, {"interval": -1.0}, {"interval": NAN}]
    if base == "spike_recorder":
        options += [{"record_from": ["V_m"]}, {"interval": 1.0}]
    return options


# -- the model's view of the kernel --------------------------------------------------------------

@dataclass(eq=False)
class Nodes:
    """Nodes made by one Create call."""
    nc: object
    model: str          # the name given to Create (an alias or a copy's name)
    base: str           # the built-in model
    kind: str
    positions: int = 0  # dimensions of the positions given to Create (0: none)

    def __repr__(self):
        return f"<{self.model} {short(self.nc)}>"


@dataclass
class Meter:
    """What the model knows of one multimeter (or voltmeter)."""
    record_from: tuple
    interval: float
    attached: set = field(default_factory=set)   # neurons it samples


class APIMachine(RuleBasedStateMachine):
    """Random sequences of csnn calls, valid and invalid, checked against a model of the kernel."""

    def __init__(self):
        super().__init__()
        quiet()
        # csnn's warnings (spike times in the past, OpenMP) are expected here; pytest restores
        # the warning filters after the test
        warnings.filterwarnings("ignore", category=csnn.CSNNWarning)
        warnings.filterwarnings("ignore", category=RuntimeWarning)    # numpy: the bad values drawn
        csnn.ResetKernel()
        self.stale = []                 # NodeCollections of kernels that have been reset
        self.reset_model()
        self.steps_since_reset = 0
        self.steps_since_probe = 0
        self.copies = 0

    def reset_model(self):
        self.bundles = []
        self.node = {}                  # gid -> Nodes
        self.meters = {}                # gid -> Meter
        self.n_nodes = 0
        self.n_connections = 0
        self.t = 0.0
        self.resolution = 0.1
        self.synapse_models = {}        # plastic copies made by CopyModel -> built-in model
        self.node_copies = {}           # neuron copies made by CopyModel -> built-in model

    # -- calling csnn ---------------------------------------------------------------------------

    def call(self, verdict, label, fn, *args, **kwargs):
        """``fn(*args, **kwargs)``, checked against ``verdict``: returns (succeeded, result)."""
        note(f"{label}   [{VERDICT[verdict]}]")
        if TRACE:
            print(f"csnn-fuzz: {label}   [{VERDICT[verdict]}]", file=sys.stderr, flush=True)
        try:
            result = fn(*args, **kwargs)
        except Exception as exc:
            if TRACE:
                print(f"csnn-fuzz:   -> {type(exc).__name__}: {str(exc)[:200]}", file=sys.stderr, flush=True)
            if not documented(exc):
                raise AssertionError(f"{label} raised {type(exc).__name__}, which is not a csnn.CSNNError: "
                                     f"{exc}") from exc
            if verdict == VALID:
                raise AssertionError(f"{label} is valid but raised {type(exc).__name__}: {exc}") from exc
            return False, exc
        if verdict == INVALID:
            raise AssertionError(f"{label} is invalid but was accepted (it returned {short(result)})")
        return True, result

    def status_unchanged(self, before, target, what):
        after = csnn.GetStatus(target)
        for old, new in zip(before, after):
            for key in old:
                if key != "events":
                    assert same(old[key], new[key]), (
                        f"the failed {what} changed {key!r} of node {old.get('global_id')}: {short(old[key])} -> "
                        f"{short(new[key])}")

    def snapshot(self, target):
        return [{k: v for k, v in status.items() if k != "events"} for status in csnn.GetStatus(target)]

    # -- choosing nodes -------------------------------------------------------------------------

    def of_kind(self, *kinds):
        return [b for b in self.bundles if b.kind in kinds]

    def add_bundle(self, nc, model, kind, positions=0):
        base = self.node_copies.get(model, ALIASES.get(model, model))
        bundle = Nodes(nc, model, base, kind, positions)
        self.bundles.append(bundle)
        for gid in nc.tolist():
            self.node[gid] = bundle
        self.n_nodes += len(nc)
        if kind == METER:
            status = csnn.GetStatus(nc)
            for gid, s in zip(nc.tolist(), status):
                self.meters[gid] = Meter(tuple(s["record_from"]), float(s["interval"]))
        return bundle

    def draw_nodes(self, data, role, choices, allow_bad):
        """A pre or post argument of Connect among ``choices``: (the object, its ids or None,
        verdict).  Whole collections, slices, sums (NEST 3: in id order), NEST 2 id lists (also
        mixing ids and single nodes), single nodes (``nodes[i]``, one-node collections) and sums
        of them, and with ``allow_bad`` stale, unknown, empty and mistyped ones."""
        forms = ["bundle"] * 5 + ["slice", "sum", "ids", "single", "singles", "mixed"] + (
            ["bad"] * 3 if allow_bad else [])
        form = data.draw(st.sampled_from(forms), label=f"{role} form")
        if form == "bad":
            bad = data.draw(st.sampled_from(["stale", "unknown", "zero", "empty", "string", "none", "float", "bools"]),
                            label=f"{role} bad")
            if bad == "stale" and self.stale:
                return data.draw(st.sampled_from(self.stale), label=f"{role} stale"), None, INVALID
            return {"stale": [self.n_nodes + 1], "unknown": [self.n_nodes + 7], "zero": [0], "empty": [],
                    "string": "abc", "none": None, "float": [1.5], "bools": [True]}[bad], None, INVALID
        b = data.draw(st.sampled_from(choices), label=role)
        if form == "slice":
            lo = data.draw(st.integers(0, len(b.nc)), label=f"{role} slice start")
            hi = data.draw(st.integers(lo, len(b.nc)), label=f"{role} slice stop")
            nc = b.nc[lo:hi]
            return nc, nc.tolist(), VALID if hi > lo else INVALID
        if form == "sum":
            others = [o for o in choices if o is not b]
            if others:
                o = data.draw(st.sampled_from(others), label=f"{role} + other")
                return b.nc + o.nc, sorted(b.nc.tolist() + o.nc.tolist()), VALID
        if form == "ids":                                      # NEST 2: a list of ids
            return b.nc.tolist(), b.nc.tolist(), VALID
        if form == "mixed":                                    # NEST 2: ids and single nodes
            return [b.nc[0]] + b.nc.tolist()[1:], b.nc.tolist(), VALID
        k = data.draw(st.integers(-len(b.nc), len(b.nc) - 1), label=f"{role} index")
        if form == "singles" and len(b.nc) > 1:                # NEST 3: nodes[i] + nodes[j]
            j = data.draw(st.integers(0, len(b.nc) - 1).filter(lambda j: j != k % len(b.nc)), label=f"{role} j")
            return b.nc[k] + b.nc[j], sorted([b.nc.tolist()[k], b.nc.tolist()[j]]), VALID
        if form in ("single", "singles"):                      # NEST 3: nodes[i]
            return b.nc[k], [b.nc.tolist()[k]], VALID
        return b.nc, b.nc.tolist(), VALID

    # -- Create ---------------------------------------------------------------------------------

    @precondition(lambda self: self.n_nodes < 60)
    @rule(data=st.data())
    @traced
    def create_neurons(self, data):
        """Create of every neuron model (and NEST 2's iaf_neuron, and CopyModel copies) with
        valid parameters in every form (dict, list of dicts, per-node lists and arrays, random
        parameters, distribution dicts), sometimes with positions."""
        models = sorted(NEURON_MODELS) + ["iaf_neuron"] + sorted(self.node_copies)
        model = data.draw(st.sampled_from(models), label="model")
        base = self.node_copies.get(model, ALIASES.get(model, model))
        n = data.draw(st.integers(1, 6), label="n")
        kwargs = {}
        dims = data.draw(st.sampled_from([0, 0, 2, 3]), label="positions")
        if dims == 2 and data.draw(st.booleans(), label="grid"):
            rows, cols = data.draw(st.sampled_from([(1, 2), (2, 2), (2, 3)]), label="grid shape")
            kwargs["positions"] = csnn.spatial.grid(shape=[rows, cols], extent=[1.0, 1.0])
            n = rows * cols                               # a grid sets the number of nodes
        elif dims:
            kwargs["positions"] = np.asarray(data.draw(st.lists(st.lists(floats(-1.0, 1.0), min_size=dims,
                                                                         max_size=dims), min_size=n, max_size=n)))
        table = NEURON_PARAMS[base]
        keys = data.draw(st.lists(st.sampled_from(sorted(table)), max_size=3, unique=True), label="keys")
        form = data.draw(st.sampled_from(["dict", "list_of_dicts", "none", "numpy_n"]), label="form")
        if form == "list_of_dicts":
            params = [{k: data.draw(floats(*table[k])) for k in keys} for _ in range(n)]
        else:
            params = {k: data.draw(per_node(*table[k], n), label=k) for k in keys}
            if base == "iaf_psc_delta" and data.draw(st.booleans()):
                params["refractory_input"] = data.draw(st.booleans())
        if form == "none":
            params = None
        count = np.int64(n) if form == "numpy_n" else n
        ok, nc = self.call(VALID, f"Create({model!r}, {count!r}, params={short(params)}, **{short(kwargs)})",
                           csnn.Create, model, count, params=params, **kwargs)
        assert len(nc) == count and nc.tolist() == list(range(self.n_nodes + 1, self.n_nodes + 1 + int(count)))
        assert set(csnn.GetStatus(nc, "model")) == {ALIASES.get(model, model)}
        self.add_bundle(nc, model, NEURON, dims)

    @precondition(lambda self: self.n_nodes < 60)
    @rule(data=st.data())
    @traced
    def create_devices(self, data):
        """Create of generators and recorders (multimeter with record_from, voltmeter, weight
        recorder, NEST 2's spike_detector) with valid parameters."""
        model = data.draw(st.sampled_from(sorted(GENERATOR_MODELS) + sorted(RECORDER_MODELS) + ["spike_detector"]),
                          label="model")
        kind = kind_of(model)
        n = data.draw(st.integers(1, 3), label="n")
        if kind == GENERATOR:
            params = data.draw(generator_params(model, n, self.resolution, self.t, create=True), label="params")
        else:
            params = data.draw(recorder_params(model, self.resolution), label="params")
        if model in ("ou_noise_generator", "step_current_generator", "inhomogeneous_poisson_generator") \
                or data.draw(st.booleans()):
            args = (model, n, params)
        else:
            args = (model, n)
        ok, nc = self.call(VALID, f"Create{short(args, 300)}", csnn.Create, *args)
        assert len(nc) == n
        self.add_bundle(nc, model, kind)

    @precondition(lambda self: self.n_nodes < 70 and any(b.kind == NEURON for b in self.bundles))
    @rule(data=st.data())
    @traced
    def drive_and_record(self, data):
        """A valid block of calls that makes activity for the invariants to check: a Poisson
        drive into some neurons, their spikes into a spike recorder, their state into a
        multimeter, and sometimes plastic input from driven parrots through a copy of an STDP
        model that has a weight recorder."""
        b = data.draw(st.sampled_from(self.of_kind(NEURON)), label="neurons")
        n = len(b.nc)
        record_from = data.draw(st.lists(st.sampled_from(NEURON_MODELS[b.base][0]), unique=True) if
                                NEURON_MODELS[b.base][0] else st.just([]), label="record_from")
        interval = self.resolution * data.draw(st.integers(1, 10), label="interval steps")
        drive = {"rate": data.draw(floats(2000.0, 20000.0), label="rate")}
        syn = {"weight": data.draw(floats(5.0, 20.0), label="weight"),
               "delay": data.draw(floats(0.1, 3.0), label="delay")}
        made = []
        for model, params in (("poisson_generator", drive), ("spike_recorder", None),
                              ("multimeter", {"record_from": record_from, "interval": interval})):
            ok, nc = self.call(VALID, f"Create({model!r}, params={short(params)})", csnn.Create, model, 1, params)
            made.append(self.add_bundle(nc, model, kind_of(model)))
        gen, recorder, meter = made
        self.call(VALID, f"Connect({short(gen.nc)}, {short(b.nc)}, syn_spec={short(syn)})", csnn.Connect, gen.nc, b.nc,
                  syn_spec=syn)
        self.call(VALID, f"Connect({short(b.nc)}, {short(recorder.nc)})", csnn.Connect, b.nc, recorder.nc)
        self.call(VALID, f"Connect({short(meter.nc)}, {short(b.nc)})", csnn.Connect, meter.nc, b.nc)
        self.n_connections += 3 * n
        self.meters[meter.nc[0]].attached |= set(b.nc.tolist())
        if b.base != "parrot_neuron" and data.draw(st.booleans(), label="plastic input"):
            base = data.draw(st.sampled_from(PLASTIC_MODELS), label="plastic model")
            self.copies += 1
            name = f"fuzz_model_{self.copies}"
            ok, wr = self.call(VALID, "Create('weight_recorder')", csnn.Create, "weight_recorder")
            self.add_bundle(wr, "weight_recorder", WEIGHT_RECORDER)
            ok, parrots = self.call(VALID, "Create('parrot_neuron', 2)", csnn.Create, "parrot_neuron", 2)
            self.add_bundle(parrots, "parrot_neuron", NEURON)
            self.call(VALID, f"CopyModel({base!r}, {name!r}, {{'weight_recorder': {short(wr)}}})", csnn.CopyModel,
                      base, name, {"weight_recorder": wr})
            self.synapse_models[name] = base
            self.call(VALID, f"Connect({short(gen.nc)}, {short(parrots)})", csnn.Connect, gen.nc, parrots)
            plastic = {"synapse_model": name, "weight": syn["weight"], "delay": syn["delay"]}
            self.call(VALID, f"Connect({short(parrots)}, {short(b.nc)}, syn_spec={short(plastic)})", csnn.Connect,
                      parrots, b.nc, syn_spec=plastic)
            self.n_connections += 2 + 2 * n

    @rule(data=st.data())
    @traced
    def create_invalid(self, data):
        """Create with an unknown or synapse model, a bad n, bad parameters (unknown names,
        read-only keys, wrong types, NaN and inf, negative time constants, wrong lengths) or
        bad positions: a CSNNError, and no node is added."""
        what = data.draw(st.sampled_from(["model", "n", "neuron_params", "cross", "device_params", "params_type",
                                          "positions"]), label="what")
        model, n, params, kwargs = "iaf_psc_delta", data.draw(st.integers(1, 4), label="n"), None, {}
        if what == "model":
            model = data.draw(st.sampled_from(["iaf_psc_delt", "", "static_synapse", "stdp_synapse", 5, None,
                                               ["iaf_psc_delta"], "IAF_PSC_DELTA"]), label="bad model")
        elif what == "n":
            n = data.draw(st.sampled_from([0, -1, 1.5, 2.0, "3", True, None, [2], NAN, 2 ** 31, 10 ** 15, 10 ** 400]),
                          label="bad n")
        elif what == "neuron_params":
            model = data.draw(st.sampled_from(sorted(NEURON_MODELS)), label="model")
            params = dict(data.draw(st.sampled_from(invalid_neuron_params(model, n)), label="bad params"))
            table = NEURON_PARAMS[model]
            for k in data.draw(st.lists(st.sampled_from(sorted(table)), max_size=2, unique=True)):
                params.setdefault(k, data.draw(floats(*table[k])))
        elif what == "cross":
            model = data.draw(st.sampled_from(["iaf_psc_delta", "iaf_psc_exp", "srm_psc_exp"]), label="model")
            params = data.draw(st.sampled_from(cross_invalid_neuron_params(model)), label="bad params")
        elif what == "device_params":
            model = data.draw(st.sampled_from(sorted(GENERATOR_MODELS) + sorted(RECORDER_MODELS)), label="model")
            params = data.draw(st.sampled_from(invalid_device_params(model, self.resolution)), label="bad params")
        elif what == "params_type":
            params = data.draw(st.sampled_from(["V_m", 5, {"V_m"}, [1, 2], [{"V_m": -70.0}] * (n + 1), []]),
                               label="bad params")
        else:
            kwargs["positions"] = data.draw(st.sampled_from([np.zeros((n + 1, 2)), [[0.0, NAN]] * n, "here",
                                                             np.zeros((n, 4)), np.zeros(n)]), label="bad positions")
        before = csnn.GetKernelStatus("network_size")
        self.call(INVALID, f"Create({short(model)}, {short(n)}, params={short(params)}, **{short(kwargs)})",
                  csnn.Create, model, n, params, **kwargs)
        assert csnn.GetKernelStatus("network_size") == before == self.n_nodes, "a failed Create added nodes"

    # -- Connect --------------------------------------------------------------------------------

    def kinds(self, ids):
        return {self.node[g].kind for g in ids}

    def direction(self, pre, post):
        """Verdict of the node kinds of a Connect call (csnn/network/connection_manager.py _check_direction)."""
        pre_kinds, post_kinds = self.kinds(pre), self.kinds(post)
        if len(pre_kinds) > 1 or len(post_kinds) > 1:
            return INVALID                                  # one kind of node per side
        (a,), (b,) = pre_kinds, post_kinds
        if WEIGHT_RECORDER in (a, b) or b in (GENERATOR, METER) or a == SPIKE_RECORDER:
            return INVALID
        if b == SPIKE_RECORDER:
            # neurons, and generators of spikes (NEST 3 records them; a current is not recorded)
            if a == GENERATOR:
                return INVALID if any(GENERATOR_MODELS[self.node[g].base] for g in set(pre)) else VALID
            return VALID if a == NEURON else INVALID
        if a == METER:
            if b != NEURON:
                return INVALID
            for m in set(pre):
                for g in set(post):
                    if not set(self.meters[m].record_from) <= set(NEURON_MODELS[self.node[g].base][0]):
                        return INVALID
            return VALID
        if a == GENERATOR:
            if any(GENERATOR_MODELS[self.node[g].base] for g in pre) and not all(
                    NEURON_MODELS[self.node[g].base][1] for g in post):
                return INVALID
        return VALID

    @precondition(lambda self: self.bundles)
    @rule(data=st.data())
    @traced
    def connect(self, data):
        """Connect between random collections (whole, sliced, added, NEST 2 id lists, stale,
        unknown or empty ones) with random rules and synapse specs, valid or not: a valid call
        adds the number of connections its rule gives, a failed one adds none."""
        # which part is meant to be bad (None: all meant to be valid; the verdict is computed
        # from the parts in any case)
        bad = data.draw(st.sampled_from([None] * 5 + ["nodes", "direction", "rule", "syn", "values"]), label="bad part")
        sources = [b for b in self.bundles if b.kind in (NEURON, GENERATOR, METER)] if bad != "direction" else []
        pre, pre_ids, v_pre = self.draw_nodes(data, "pre", sources or self.bundles, bad == "nodes")
        targets = self.targets_for(pre_ids) if bad != "direction" else []
        # never into parrots from neurons: parrot loops repeat every spike to all their targets,
        # so a recurrent group of parrots multiplies its spikes without bound
        if pre_ids and NEURON in self.kinds(pre_ids):
            targets = [b for b in targets or self.bundles if b.base != "parrot_neuron"]
        post, post_ids, v_post = self.draw_nodes(data, "post", targets or self.bundles, bad == "nodes")
        if post_ids and pre_ids and NEURON in self.kinds(pre_ids) and any(
                self.node[g].base == "parrot_neuron" for g in post_ids):
            return
        verdict = max(v_pre, v_post)
        valid_ids = bool(pre_ids) and bool(post_ids)
        conn_spec, v_conn, (lo, hi), shape, rule_name, meter_pairs = self.draw_conn_spec(
            data, pre_ids or [0], post_ids or [0], valid_ids, bad == "rule")
        verdict = max(verdict, v_conn)
        neurons_only = valid_ids and self.kinds(pre_ids) == {NEURON} == self.kinds(post_ids)
        if valid_ids:
            verdict = max(verdict, self.direction(pre_ids, post_ids))
        syn_spec, v_syn, plastic = self.draw_syn_spec(data, pre_ids if valid_ids else None,
                                                      post_ids if valid_ids else None, shape, lo,
                                                      bad == "syn", bad == "values", neurons_only)
        verdict = max(verdict, v_syn)
        if plastic and valid_ids and not neurons_only:
            verdict = INVALID                               # plastic synapses connect neurons only
        meters = [g for g in (pre_ids or []) if g in self.meters] if valid_ids else []
        if meters and verdict < INVALID and self.kinds(post_ids) == {NEURON}:
            verdict = max(verdict, self.meter_verdict(meters, post_ids, rule_name, meter_pairs, lo))
        from_generators = valid_ids and self.kinds(pre_ids) == {GENERATOR}
        if lo == 0 and verdict < INVALID and ((plastic and neurons_only) or from_generators):
            # a Connect that makes no connection: test_connect_that_makes_no_connection
            return
        returned = data.draw(st.booleans(), label="return_synapsecollection")
        before = csnn.GetKernelStatus("num_connections")
        args = (pre, post, conn_spec, syn_spec)
        ok, sc = self.call(verdict, f"Connect({short(pre, 60)}, {short(post, 60)}, {short(conn_spec)}, "
                                    f"{short(syn_spec)}, return_synapsecollection={returned})",
                           csnn.Connect, *args, return_synapsecollection=returned)
        after = csnn.GetKernelStatus("num_connections")
        if not ok:
            assert after == before, f"a failed Connect changed num_connections from {before} to {after}"
            return
        added = after - before
        assert lo <= added <= hi, (f"Connect made {added} connections; its rule gives "
                                   f"{lo if lo == hi else (lo, hi)}")
        self.n_connections += added
        if returned:
            assert isinstance(sc, csnn.SynapseCollection) and len(sc) == added
            if added:
                got = sc.get(["source", "target"])
                assert set(np.atleast_1d(got["source"]).tolist()) <= set(pre_ids)
                assert set(np.atleast_1d(got["target"]).tolist()) <= set(post_ids)
        else:
            assert sc is None
        if meters:
            if meter_pairs is not None:
                for m, g in meter_pairs:
                    self.meters[m].attached.add(g)
            else:
                attached = csnn.GetConnections(source=meters).get(["source", "target"])
                for m, g in zip(np.atleast_1d(attached["source"]).tolist(), np.atleast_1d(attached["target"]).tolist()):
                    self.meters[m].attached.add(g)

    def targets_for(self, pre_ids):
        """The collections ``pre_ids`` may connect to (csnn/network/connection_manager.py _check_direction)."""
        if not pre_ids:
            return []
        kinds = self.kinds(pre_ids)
        if len(kinds) != 1:
            return []
        (kind,) = kinds
        neurons = self.of_kind(NEURON)
        if kind == NEURON:
            return neurons + self.of_kind(SPIKE_RECORDER)
        if kind == GENERATOR:
            if any(GENERATOR_MODELS[self.node[g].base] for g in pre_ids):
                return [b for b in neurons if NEURON_MODELS[b.base][1]]
            return neurons
        if kind == METER:
            wanted = set().union(*(self.meters[g].record_from for g in pre_ids))
            return [b for b in neurons if wanted <= set(NEURON_MODELS[b.base][0])]
        return []

    def meter_verdict(self, meters, post_ids, rule_name, pairs, lo):
        """Multimeters sample each neuron once: a pair made twice, or again, is an error."""
        if pairs is None:                                  # random pairs: duplicates may happen
            return MAYBE if rule_name != "pairwise_bernoulli" or any(
                self.meters[m].attached & set(post_ids) for m in meters) else VALID
        if len(set(pairs)) < len(pairs) or any(g in self.meters[m].attached for m, g in pairs):
            return INVALID
        return VALID

    def draw_conn_spec(self, data, pre, post, valid_ids, allow_bad):
        """A conn_spec and what it gives between ``pre`` and ``post``: (conn_spec, verdict,
        (fewest, most) connections, shape of weight arrays (None: arrays refused), rule name,
        the (pre, post) id pairs when the rule fixes them)."""
        n_pre, n_post = len(pre), len(post)
        overlap = len(set(pre) & set(post))
        everything = n_pre * n_post
        autapses = data.draw(st.sampled_from([None, True, False]), label="allow_autapses")
        multapses = data.draw(st.sampled_from([None, True, False]), label="allow_multapses")
        flags = {}
        if autapses is not None:
            flags["allow_autapses"] = autapses
        if multapses is not None:
            flags["allow_multapses"] = multapses
        auto = autapses is not False
        multi = multapses is not False
        form = data.draw(st.sampled_from(["default", "all_to_all", "one_to_one", "fixed_indegree", "fixed_outdegree",
                                          "fixed_total_number", "pairwise_bernoulli", "expression", "expression"]
                                         + ["invalid", "invalid"] * allow_bad), label="rule")
        if form == "default":
            pairs = [(a, b) for b in post for a in pre]
            return None, VALID, (everything,) * 2, (n_post, n_pre), "all_to_all", pairs
        if form == "all_to_all":
            pairs = [(a, b) for b in post for a in pre if auto or a != b]
            spec = data.draw(st.sampled_from(["all_to_all", {"rule": "all_to_all", **flags}]), label="spec")
            if isinstance(spec, str):
                pairs = [(a, b) for b in post for a in pre]
            return spec, VALID, (len(pairs),) * 2, (n_post, n_pre), "all_to_all", pairs
        if form == "one_to_one":
            if n_pre != n_post:
                return "one_to_one", INVALID, (0, 0), (n_pre,), "one_to_one", []
            pairs = [(a, b) for a, b in zip(pre, post) if auto or a != b]
            return {"rule": "one_to_one", **flags}, VALID, (len(pairs),) * 2, (n_pre,), "one_to_one", pairs
        if form in ("fixed_indegree", "fixed_outdegree"):
            k = data.draw(st.integers(0, 4), label="degree")
            key = "indegree" if form == "fixed_indegree" else "outdegree"
            value = data.draw(st.sampled_from([k, float(k), np.int64(k)]), label=key)
            rows, pool = (n_post, n_pre) if key == "indegree" else (n_pre, n_post)
            count = rows * k
            if k == 0:
                verdict = VALID
            elif not multi and k > pool:
                verdict = INVALID                          # not enough distinct partners
            elif not auto and (pool - 1 <= 0 or (not multi and k > pool - 1)):
                # csnn counts one candidate less without autapses even when pre and post are
                # disjoint (test_fixed_indegree_without_autapses_between_disjoint_groups)
                verdict = MAYBE
            else:
                verdict = VALID
            return ({"rule": form, key: value, **flags}, verdict, (count, count), (rows, k), form, None)
        if form == "fixed_total_number":
            n = data.draw(st.integers(0, 10), label="N")
            if not multi and n > everything:
                verdict = INVALID
            elif n and (not auto and (not multi and n > everything - overlap or everything == overlap)):
                verdict = MAYBE                            # csnn gives up after 10000 draws
            else:
                verdict = VALID
            return {"rule": "fixed_total_number", "N": n, **flags}, verdict, (n, n), (n,), form, None
        if form == "pairwise_bernoulli":
            p = data.draw(st.sampled_from([0.0, 0.3, 1.0, np.float64(0.5), 1]), label="p")
            most = everything - (0 if auto else overlap)
            bounds = (most, most) if p == 1 else (0, 0) if p == 0 else (0, most)
            return {"rule": "pairwise_bernoulli", "p": p, **flags}, VALID, bounds, None, form, None
        if form == "expression":
            return self.draw_expression_rule(data, pre, post, flags, auto, multi, valid_ids, allow_bad)
        bad = data.draw(st.sampled_from([
            "one_to_on", 5, {"rule": "one_to_on"}, {"rule": 5}, {"rule": None}, 3.0, ("all_to_all",),
            {"rule": "fixed_indegree"}, {"rule": "fixed_indegree", "indegree": -1},
            {"rule": "fixed_indegree", "indegree": 1.5}, {"rule": "fixed_indegree", "indegree": "2"},
            {"rule": "fixed_indegree", "indegree": NAN}, {"rule": "fixed_indegree", "indegree": True},
            {"rule": "fixed_outdegree", "outdegree": INF}, {"rule": "fixed_total_number", "N": -3},
            {"rule": "pairwise_bernoulli", "p": 1.5}, {"rule": "pairwise_bernoulli", "p": -0.1},
            {"rule": "pairwise_bernoulli", "p": NAN}, {"rule": "pairwise_bernoulli", "p": "0.5"},
            {"rule": "pairwise_bernoulli"}, {"rule": "all_to_all", "allow_autapse": False},
            {"rule": "all_to_all", "allow_autapses": "yes"}, {"rule": "all_to_all", "allow_multapses": 1},
            {"rule": "all_to_all", "indegree": 2}, {"rule": "one_to_one", "p": 0.5}]), label="bad rule")
        # {'rule': [...]}: test_conn_spec_rule_of_unhashable_type
        return bad, INVALID, (0, 0), None, "bad", None

    #: conditions of rule 'expression' and what they select (i, j: index grids)
    CONDITIONS = {
        "i == j": lambda i, j: i == j,
        "i != j": lambda i, j: i != j,
        "abs(i - j) < 2": lambda i, j: abs(i - j) < 2,
        "i < j": lambda i, j: i < j,
        "(i + j) % 2 == 0": lambda i, j: (i + j) % 2 == 0,
        "0 <= i - j <= 1": lambda i, j: (0 <= i - j) & (i - j <= 1),
        "abs(i - j) < w": lambda i, j: abs(i - j) < 2,            # namespace {'w': 2}
        "True": lambda i, j: np.ones_like(i, bool),
    }
    #: target generators of rule 'expression': text -> (skip_if_invalid, pairs(n_pre, n_post) or None)
    GENERATORS = {
        "i": (True, lambda a, b: [(i, i) for i in range(a) if i < b]),
        "k for k in range(i - 1, i + 2)": (True, lambda a, b: [(i, k) for i in range(a) for k in (i - 1, i, i + 1)
                                                                if 0 <= k < b]),
        "k for k in range(N_post) if k != i": (False, lambda a, b: [(i, k) for i in range(a) for k in range(b)
                                                                     if k != i]),
        "k for k in sample(N_post, size=1)": (False, None),
        "k for k in sample(N_post, p=0.5)": (False, None),
    }

    def draw_expression_rule(self, data, pre, post, flags, auto, multi, valid_ids, allow_bad):
        n_pre, n_post = len(pre), len(post)
        pre_a, post_a = np.asarray(pre), np.asarray(post)
        i, j = np.meshgrid(np.arange(n_pre), np.arange(n_post), indexing="ij")
        which = data.draw(st.sampled_from(["condition", "condition", "generator", "positions"]
                                          + ["invalid"] * (3 * allow_bad)), label="expression form")
        n = data.draw(st.sampled_from([None, 1, 2, "1"]), label="n")
        spec = {"rule": "expression", **flags}
        if n is not None:
            spec["n"] = n
        times = 2 if n == 2 else 1
        if which == "condition":
            text = data.draw(st.sampled_from(sorted(self.CONDITIONS)), label="condition")
            spec["condition"] = text
            if "w" in text:
                spec["namespace"] = {"w": 2}
            p = data.draw(st.sampled_from([None, 1.0, 0.5, "0.5 * (i + 1) / N_pre"]), label="p")
            if p is not None:
                spec["p"] = p
            mask = self.CONDITIONS[text](i, j)
            if not auto:
                mask &= pre_a[i] != post_a[j]
            pairs = [(pre[a], post[b]) for a, b in zip(*np.nonzero(mask))]
            count = len(pairs) * times
            bounds = (count, count) if p in (None, 1.0) else (0, count)
            # n = 2 without multapses: an error when a pair is drawn, certain when p = 1
            verdict = (invalid_if(p in (None, 1.0)) if pairs else VALID) if not multi and times > 1 else VALID
            exact = pairs * times if p in (None, 1.0) else None
            return spec, verdict, bounds, None, "expression", exact
        if which == "generator":
            text = data.draw(st.sampled_from(sorted(self.GENERATORS)), label="j")
            skip, make = self.GENERATORS[text]
            spec["j"] = text
            if skip:
                spec["skip_if_invalid"] = True
            elif text == "i" and n_pre > n_post:
                return spec, INVALID, (0, 0), None, "expression", None
            if make is None:
                most = (n_pre if "size" in text else n_pre * n_post) * times
                lo = n_pre * times if "size" in text and auto else 0
                return spec, VALID if multi or times == 1 else MAYBE, (lo, most), None, "expression", None
            pairs = [(pre[a], post[b]) for a, b in make(n_pre, n_post) if auto or pre[a] != post[b]]
            count = len(pairs) * times
            verdict = INVALID if (not multi and times > 1 and pairs) else VALID
            return spec, verdict, (count, count), None, "expression", pairs * times
        if which == "positions":
            text = data.draw(st.sampled_from(["abs(x_pre - x_post) < 0.5", "y_pre <= y_post",
                                              "hypot(x_pre - x_post, y_pre - y_post) < 1", "z_pre > z_post"]),
                             label="condition")
            spec["condition"] = text
            need = 3 if "z_" in text else 2
            have = valid_ids and all(self.node[g].positions >= need for g in pre + post)
            verdict = VALID if have else INVALID
            if not multi and times > 1:
                verdict = max(verdict, MAYBE)
            return spec, verdict, (0, n_pre * n_post * times), None, "expression", None
        bad = data.draw(st.sampled_from([
            {"condition": "i <"}, {"condition": "i.__class__"}, {"condition": "__import__('os')"},
            {"condition": 3}, {"condition": "i + j"}, {"condition": "widht > 0", "namespace": {"width": 1.0}},
            {"condition": "i == j", "j": "i"}, {"j": "i", "p": 0.5}, {"condition": "i == j", "skip_if_invalid": True},
            {"conditon": "i == j"}, {"p": "j - 0.5"}, {"j": "i + 0.5"}, {"j": "k for k in [0, 1]"},
            {"j": "k for k in range(0, 3, i - i)"}, {"condition": "i == j", "namespace": {"exp": 1.0}},
            {"condition": "i == j", "namespace": {"w": "2"}}, {"condition": "i == j", "namespace": 5},
            {"condition": "i == j", "skip_if_invalid": "yes", "j": "i"}, {"p": 1.5}, {"p": "rand() + 1"},
            {"condition": "print(i)"}, {"condition": "lambda: 1"}, {"condition": "(i"}, {"n": 2 ** 50},
            {"j": "k for k in range(0, int(2 ** 50))", "skip_if_invalid": True},
            {"j": "k for k in range(i, int(inf))", "skip_if_invalid": True}, {"n": "i // 0"},
            {"condition": "w > i", "namespace": {"w": 10 ** 400}}]), label="bad expression")
        return {"rule": "expression", **bad}, INVALID, (0, 0), None, "expression", None

    def draw_values(self, data, name, shape, at_least_one, positions_ok, plastic, allow_bad):
        """A weight or a delay: (value or omitted, verdict)."""
        lo, hi = (0.1, 5.0) if name == "delay" else ((0.0, 30.0) if plastic else (-20.0, 20.0))
        good = ["omit", "number", "number", "int", "numpy", "random", "distribution", "expression"]
        good += ["array", "flat_array"] if shape is not None else []
        good += ["positions"] if positions_ok else []
        bad = ["bad_number", "bad_type", "bad_shape", "bad_expression", "bad_random", "positions"] if allow_bad else []
        form = data.draw(st.sampled_from(good + bad * 2), label=f"{name} form")
        number = floats(lo, hi)
        if form == "omit":
            return None, VALID
        if form == "number":
            return data.draw(number, label=name), VALID
        if form == "int":
            return data.draw(st.integers(math.ceil(lo), math.floor(hi)), label=name), VALID
        if form == "numpy":
            return np.float64(data.draw(number, label=name)), VALID
        if form in ("array", "flat_array", "bad_shape"):
            if shape is None:
                return np.full(3, (lo + hi) / 2), INVALID  # the rule's count is not known in advance
            size = int(np.prod(shape))
            if form == "bad_shape":
                return np.full(size + 1, (lo + hi) / 2).tolist(), INVALID
            values = np.asarray(data.draw(st.lists(number, min_size=size, max_size=size), label=name))
            return (values.reshape(shape) if form == "array" else values.tolist()), VALID
        if form == "random":
            return csnn.random.uniform(lo, hi), VALID
        if form == "distribution":
            return data.draw(st.sampled_from([{"distribution": "uniform", "low": lo, "high": hi},
                                              {"distribution": "normal_clipped", "mu": (lo + hi) / 2, "sigma": 1.0,
                                               "low": lo, "high": hi}]), label=name), VALID
        if form == "expression":
            return data.draw(st.sampled_from(["0.5 + 0.1 * i", "1.0 + 0.5 * abs(i - j)", "2.0 * exp(-abs(i - j))",
                                              "0.2 + (j % 2) * 0.3", "minimum(1 + i, 3)"]), label=name), VALID
        if form == "positions":
            text = "0.1 + abs(x_pre - x_post)" if name == "delay" or plastic else "x_pre - y_post"
            return text, VALID if positions_ok else invalid_if(at_least_one)
        if form == "bad_number":
            bad = [NAN, INF, -INF] + ([0.0, -1.0, -0.0] if name == "delay" else ([-1.0] if plastic else []))
            return data.draw(st.sampled_from(bad), label=name), invalid_if(at_least_one)
        if form == "bad_type":
            return data.draw(st.sampled_from(["abc", None, True, [["a"]], {"a": 1}, {"distribution": "bogus"},
                                              {"distribution": "uniform", "low": 0.0, "hgh": 1.0}, 1j, [1j],
                                              "", object, 10 ** 400, {"distribution": ["normal"]},
                                              {"distribution": "uniform_int", "low": "a"},
                                              {"distribution": "binomial", "n": -1},
                                              {"distribution": "normal_clipped", "mu": "a"},
                                              {"distribution": "poisson", "lambda": 1e30}]), label=name), INVALID
        if form == "bad_expression":
            text = data.draw(st.sampled_from(["widht * i", "__import__('os')", "i.__class__", "i <", "[i]",
                                              "1 / (i - i)", "log(0) + j", "exp(1000)", "(-1) ** 0.5",
                                              "rand(1)", "range(3)"]), label=name)
            always = text not in ("1 / (i - i)", "log(0) + j", "exp(1000)", "(-1) ** 0.5")
            return text, INVALID if always else invalid_if(at_least_one)
        # bad_random: parameters that give values out of range
        return (csnn.random.uniform(-2.0, -1.0) if name == "delay" or plastic else csnn.random.normal(0.0, 1.0) / 0.0,
                invalid_if(at_least_one))

    def draw_syn_spec(self, data, pre, post, shape, at_least_one, allow_bad, bad_values, neurons_only):
        """A syn_spec: (syn_spec, verdict, plastic)."""
        forms = ["none", "name", "static", "static"] + ["plastic"] * (3 if neurons_only or allow_bad else 0)
        form = data.draw(st.sampled_from(forms + ["invalid"] * (3 * allow_bad)), label="syn_spec form")
        positions_ok = pre is not None and all(self.node[g].positions for g in pre + post)
        if form == "none":
            return None, VALID, False
        if form == "name":
            plastic = list(PLASTIC_MODELS) + sorted(self.synapse_models) if neurons_only or allow_bad else []
            name = data.draw(st.sampled_from(["static_synapse"] + plastic), label="synapse model")
            return name, VALID, name != "static_synapse"
        plastic = form == "plastic"
        spec, verdict = {}, VALID
        if plastic:
            model = data.draw(st.sampled_from(list(PLASTIC_MODELS) + sorted(self.synapse_models)), label="model")
            base = self.synapse_models.get(model, model)
            spec[data.draw(st.sampled_from(["synapse_model", "model"]), label="model key")] = model
            spec.update(self.draw_plastic_params(data, base))
            wrs = self.of_kind(WEIGHT_RECORDER)
            if wrs and data.draw(st.booleans(), label="weight_recorder"):
                spec["weight_recorder"] = data.draw(st.sampled_from(wrs)).nc[0:1]
        elif data.draw(st.booleans(), label="name the model"):
            spec["synapse_model"] = "static_synapse"
        for name in ("weight", "delay"):
            value, v = self.draw_values(data, name, shape, at_least_one, positions_ok, plastic, bad_values)
            if value is not None:
                spec[name] = value
                verdict = max(verdict, v)
        if data.draw(st.booleans(), label="receptor_type"):
            ports = (0, 1) if pre is not None and all(self.node[g].base == "parrot_neuron" for g in post) else (0,)
            receptor = data.draw(st.sampled_from([0, 1, 5] if allow_bad else ports), label="receptor_type")
            spec["receptor_type"] = receptor
            into_neurons = pre is not None and self.kinds(post) == {NEURON} and self.kinds(pre) != {METER}
            if receptor not in ports and into_neurons:
                verdict = INVALID
        if form == "invalid":
            bad = data.draw(st.sampled_from([
                "static_synaps", 5, ["static_synapse"], {"synapse_model": "static_synaps"},
                {"synapse_model": "iaf_psc_delta"}, {"wieght": 2.0}, {"receptor_type": -1}, {"receptor_type": 1.5},
                {"receptor_type": "0"}, {"synapse_model": "static_synapse", "model": "static_synapse"},
                {"weight_recorder": 1}, {"tau_plus": 20.0}, {"namespace": {"exp": 1.0}, "weight": "exp"},
                {"namespace": 5}, {"namespace": {"w": "2"}, "weight": "w"},
                {"synapse_model": "stdp_synapse", "tau_plus": -1.0}, {"synapse_model": "stdp_synapse", "lambda": NAN},
                {"synapse_model": "stdp_synapse", "Wmax": "x"}, {"synapse_model": "stdp_synapse", "tau_pls": 1.0},
                {"synapse_model": "stdp_triplet_synapse", "Aplus": -1.0},
                {"synapse_model": "stdp_synapse", "weight_recorder": None, "num_connections": 3}]),
                label="bad syn_spec")
            return bad, INVALID, False
        return spec, verdict, plastic

    def draw_plastic_params(self, data, base):
        """Valid plasticity parameters of ``base`` given as scalars in a syn_spec."""
        table = {"tau_plus": (5.0, 40.0), "Wmax": (30.0, 200.0)}
        if base == "stdp_triplet_synapse":
            table.update({"tau_plus_triplet": (50.0, 200.0), "Aplus": (0.0, 0.01), "Aminus": (0.0, 0.01),
                          "Aplus_triplet": (0.0, 0.01), "Aminus_triplet": (0.0, 0.01)})
        else:
            table.update({"lambda": (0.0, 0.05), "alpha": (0.5, 1.5), "mu_plus": (0.0, 1.0), "mu_minus": (0.0, 1.0)})
        keys = data.draw(st.lists(st.sampled_from(sorted(table)), max_size=3, unique=True), label="plastic keys")
        return {k: data.draw(floats(*table[k]), label=k) for k in keys}

    # -- SetStatus --------------------------------------------------------------------------------

    def valid_params(self, data, bundles, n):
        """Valid parameters for ``n`` nodes of ``bundles`` (one model, or shared keys of several)."""
        models = {b.base for b in bundles}
        kinds = {b.kind for b in bundles}
        if len(models) > 1:
            if kinds == {NEURON}:
                key = data.draw(st.sampled_from(sorted(SHARED_NEURON_PARAMS)), label="key")
                return {key: data.draw(per_node(*SHARED_NEURON_PARAMS[key], n), label=key)}
            if NEURON not in kinds:
                return data.draw(start_stop(), label="window")     # every device has start and stop
            return {}
        (model,) = models
        kind = bundles[0].kind
        if kind == NEURON:
            table = NEURON_PARAMS[model]
            keys = data.draw(st.lists(st.sampled_from(sorted(table)), min_size=1, max_size=3, unique=True),
                             label="keys")
            return {k: data.draw(per_node(*table[k], n), label=k) for k in keys}
        if kind == GENERATOR:
            return data.draw(generator_params(model, n, self.resolution, self.t), label="params")
        params = data.draw(recorder_params(model, self.resolution), label="params")
        if data.draw(st.booleans(), label="clear events"):
            params["n_events"] = 0
        return params

    def device_verdict(self, gids, params):
        """Multimeters: record_from is fixed once connected, interval once simulated."""
        verdict = VALID
        for g in gids:
            meter = self.meters.get(g)
            if meter is None:
                continue
            change = INVALID if meter.attached else VALID
            if "record_from" in params and tuple(params["record_from"]) != meter.record_from:
                verdict = max(verdict, change)
            if "interval" in params and not math.isclose(params["interval"], meter.interval) and self.t > 0:
                verdict = max(verdict, change)
        return verdict

    @precondition(lambda self: self.bundles)
    @rule(data=st.data())
    @traced
    def set_status(self, data):
        """SetStatus / NodeCollection.set / attribute assignment on nodes of one or several
        models (whole collections, slices, sums, single nodes ``nodes[i]``, NEST 2 id lists also
        mixing ids and single nodes), with valid values (read back afterwards) or invalid ones
        (unknown and read-only keys, wrong types, NaN and inf, negative time constants, wrong
        lengths, bad device windows): a failed call changes no node."""
        b = data.draw(st.sampled_from(self.bundles), label="nodes")
        shape = data.draw(st.sampled_from(["all", "all", "slice", "sum", "ids", "mixed", "single", "single"]),
                          label="target")
        bundles, target = [b], b.nc
        if shape == "slice" and len(b.nc) > 1:
            lo = data.draw(st.integers(0, len(b.nc) - 1))
            target = b.nc[lo:]
        elif shape == "sum":
            others = [o for o in self.bundles if o is not b and o.kind == b.kind]
            if others:
                o = data.draw(st.sampled_from(others), label="other")
                bundles, target = [b, o], b.nc + o.nc
        elif shape == "ids":
            target = b.nc.tolist()
        elif shape == "mixed":
            target = b.nc.tolist()[:-1] + [b.nc[-1]]
        elif shape == "single":
            target = b.nc[data.draw(st.integers(-len(b.nc), len(b.nc) - 1), label="index")]
        ids = csnn.NodeCollection(target).tolist()
        n = len(ids)
        invalid = data.draw(st.booleans(), label="invalid")
        if not invalid:
            params = self.valid_params(data, bundles, n)
            verdict = self.device_verdict(ids, params) if b.kind != NEURON else VALID
        else:
            if b.kind == NEURON:
                options = invalid_neuron_params(b.base, n)
                if len(bundles) == 1:
                    options += cross_invalid_neuron_params(b.base)
            else:
                options = invalid_device_params(b.base, self.resolution)
            params = data.draw(st.sampled_from(options), label="bad params")
            if len(bundles) > 1 and "tau_minus" not in params:
                params = dict(params, bogus=1.0)           # certainly invalid for every model of the mix
            verdict = INVALID
        before = self.snapshot(target)
        how = data.draw(st.sampled_from(["SetStatus", "SetStatus_key", "set", "set_kwargs", "attribute",
                                         "list_of_dicts"]), label="how")
        node_like = isinstance(target, csnn.NodeCollection)
        single = len(params) == 1 and isinstance(next(iter(params)), str)
        if how == "SetStatus_key" and single and next(iter(params.values())) is not None:
            (key, value), = params.items()
            label = f"SetStatus({short(target, 60)}, {key!r}, {short(value)})"
            fn, args = csnn.SetStatus, (target, key, value)
        elif how == "set" and node_like:
            label, fn, args = f"{short(target, 60)}.set({short(params)})", target.set, (params,)
        elif how == "set_kwargs" and node_like and all(isinstance(k, str) and k.isidentifier() for k in params):
            label = f"{short(target, 60)}.set(**{short(params)})"
            fn, args = (lambda: target.set(**params)), ()
        elif how == "attribute" and single and node_like and \
                next(iter(params)).isidentifier() and not next(iter(params)).startswith("_"):
            (key, value), = params.items()
            label = f"{short(target, 60)}.{key} = {short(value)}"
            fn, args = (lambda: setattr(target, key, value)), ()
        elif how == "list_of_dicts" and scalar_values(params):
            label = f"SetStatus({short(target, 60)}, [{short(params)}] * {n})"
            fn, args = csnn.SetStatus, (target, [params] * n)
        else:
            label, fn, args = f"SetStatus({short(target, 60)}, {short(params)})", csnn.SetStatus, (target, params)
        ok, _ = self.call(verdict, label, fn, *args)
        if not ok:
            if verdict == INVALID:
                self.status_unchanged(before, target, label)
            return
        # valid values are read back: numbers and lists as given
        for key, value in params.items():
            if key in ("withgid", "withtime"):
                continue                                   # NEST 2 flags, not parameters
            got = csnn.GetStatus(target, key)
            if isinstance(value, (int, float, np.floating)) and not isinstance(value, bool):
                assert all(math.isclose(float(x), float(value), rel_tol=1e-12, abs_tol=1e-12) for x in got), (key, got)
            elif key == "record_from":
                assert all(list(x) == list(value) for x in got), (key, got)
        for g in ids:
            if g in self.meters:
                s = csnn.GetStatus([g])[0]
                self.meters[g].record_from = tuple(s["record_from"])
                self.meters[g].interval = float(s["interval"])

    # -- connections -------------------------------------------------------------------------------

    @precondition(lambda self: self.n_connections)
    @rule(data=st.data())
    @traced
    def set_connections(self, data):
        """GetConnections(...).set / SetStatus on connections: weights and delays of static
        synapses between neurons (valid), of any connection (maybe), and bad values (NaN, delay
        <= 0, unknown and read-only keys, wrong lengths, strings)."""
        neurons = self.of_kind(NEURON)
        valid = bool(neurons) and data.draw(st.booleans(), label="static neuron connections")
        if valid:
            # static synapses from neurons: to neurons, and the spike recorders' attachments
            src = data.draw(st.sampled_from(neurons), label="source")
            sc = csnn.GetConnections(src.nc, synapse_model="static_synapse")
        else:
            b = data.draw(st.sampled_from(self.bundles), label="source")
            sc = csnn.GetConnections(source=b.nc)
        n = len(sc)
        bad = data.draw(st.booleans(), label="invalid")
        if not bad:
            params = {}
            if data.draw(st.booleans(), label="weight"):
                params["weight"] = data.draw(st.one_of(floats(-20.0, 20.0), st.lists(floats(-20.0, 20.0), min_size=n,
                                                                                     max_size=n).map(np.array),
                                                       st.builds(lambda: csnn.random.uniform(-5.0, 5.0))), label="w")
            if data.draw(st.booleans(), label="delay"):
                params["delay"] = data.draw(st.one_of(floats(0.1, 5.0),
                                                      st.builds(lambda: csnn.random.uniform(0.5, 2.0))),
                                            label="d")
            verdict = VALID if valid else MAYBE
        else:
            params = data.draw(st.sampled_from([
                {"weight": NAN}, {"weight": INF}, {"delay": 0.0}, {"delay": -1.0}, {"delay": NAN}, {"wieght": 1.0},
                {"source": 3}, {"target": 1}, {"synapse_model": "x"}, {"weight": "abc"}, {"weight": [1.0] * (n + 1)},
                {"weight": None}, {"weight": {"distribution": "bogus"}}, {"delay": csnn.random.uniform(-2.0, -1.0)},
                5, "weight"]), label="bad params")
            # bad values are only seen when there are connections; bad keys always
            verdict = INVALID if n or not isinstance(params, dict) or not {"weight", "delay"} >= set(params) else MAYBE
        before = sc.get(["weight", "delay"]) if n else None
        how = data.draw(st.sampled_from(["set", "SetStatus", "kwargs"]), label="how")
        if how == "SetStatus":
            label, fn = f"SetStatus(<{n} connections>, {short(params)})", lambda: csnn.SetStatus(sc, params)
        elif how == "kwargs" and isinstance(params, dict) and all(isinstance(k, str) for k in params):
            label, fn = f"<{n} connections>.set(**{short(params)})", lambda: sc.set(**params)
        else:
            label, fn = f"<{n} connections>.set({short(params)})", lambda: sc.set(params)
        ok, _ = self.call(verdict, label, fn)
        if not ok and verdict == INVALID and n:
            after = sc.get(["weight", "delay"])
            assert same(before, after), f"the failed {label} changed weights or delays"
        if ok and n:
            got = sc.get(["weight", "delay"])
            assert np.all(np.isfinite(got["weight"])) and np.all(np.asarray(got["delay"]) > 0)
            if isinstance(params.get("weight"), float):
                assert np.allclose(got["weight"], params["weight"], rtol=1e-12, atol=0)

    @rule(data=st.data())
    @traced
    def get_connections(self, data):
        """GetConnections with filters (valid and bad ones), and get/GetStatus of what it returns."""
        form = data.draw(st.sampled_from(["all", "source", "target", "model", "both", "bad"]), label="filter")
        kwargs, verdict = {}, VALID
        if form in ("source", "both") and self.bundles:
            kwargs["source"] = data.draw(st.sampled_from(self.bundles)).nc
        if form in ("target", "both") and self.bundles:
            kwargs["target"] = data.draw(st.sampled_from(self.bundles)).nc.tolist()
        if form == "model":
            kwargs["synapse_model"] = data.draw(st.sampled_from(["static_synapse"] + list(PLASTIC_MODELS)
                                                                + sorted(self.synapse_models)))
        if form == "bad":
            kwargs = data.draw(st.sampled_from([{"synapse_model": "bogus"}, {"synapse_model": 5},
                                                {"source": [self.n_nodes + 1]}, {"target": "abc"},
                                                {"synapse_label": 3}, {"source": [0]}, "stale"]), label="bad filter")
            if kwargs == "stale":
                kwargs = {"source": self.stale[0]} if self.stale else {"source": [0]}
            verdict = INVALID
        ok, sc = self.call(verdict, f"GetConnections(**{short(kwargs)})", csnn.GetConnections, **kwargs)
        if not ok:
            return
        assert len(sc) <= self.n_connections
        if len(sc):
            table = sc.get()
            for key in ("source", "target", "weight", "delay", "synapse_model"):
                assert key in table, key
            weights = np.atleast_1d(table["weight"])
            delays = np.atleast_1d(table["delay"])
            assert np.all(np.isfinite(weights)) and np.all(np.isfinite(delays)) and np.all(delays > 0)
            sources = np.atleast_1d(table["source"])
            assert np.all((sources >= 1) & (sources <= self.n_nodes))
            if "source" in kwargs:
                assert set(sources.tolist()) <= set(np.asarray(kwargs["source"]).tolist())
            status = csnn.GetStatus(sc)
            assert len(status) == len(sc)
            self.call(INVALID, "<connections>.get('wieght')", sc.get, "wieght")

    # -- status queries ----------------------------------------------------------------------------

    @precondition(lambda self: self.bundles)
    @rule(data=st.data())
    @traced
    def get_status(self, data):
        """GetStatus / get in their NEST 2 and NEST 3 shapes, valid and unknown keys."""
        b = data.draw(st.sampled_from(self.bundles), label="nodes")
        ids = b.nc.tolist()
        status = csnn.GetStatus(b.nc)
        assert len(status) == len(ids) and [s["global_id"] for s in status] == ids
        name = b.model if b.model in self.node_copies else ALIASES.get(b.model, b.model)
        assert {s["model"] for s in status} == {name}
        keys = sorted(k for k in status[0] if k != "events")
        key = data.draw(st.sampled_from(keys), label="key")
        form = data.draw(st.sampled_from(["GetStatus_key", "GetStatus_keys", "get_key", "get_keys", "get_all",
                                          "node_id", "attribute", "bad"]), label="form")
        if form == "GetStatus_key":
            ok, got = self.call(VALID, f"GetStatus({short(b.nc, 60)}, {key!r})", csnn.GetStatus, b.nc, key)
            assert len(got) == len(ids)
        elif form == "GetStatus_keys":
            ok, got = self.call(VALID, f"GetStatus({short(ids)}, [{key!r}, 'global_id'])", csnn.GetStatus, ids,
                                [key, "global_id"])
            assert [row[-1] for row in got] == ids          # a repeated key counts once, as in NEST
        elif form == "get_key":
            self.call(VALID, f"{short(b.nc, 60)}.get({key!r})", b.nc.get, key)
        elif form == "get_keys":
            ok, got = self.call(VALID, f"{short(b.nc, 60)}.get({key!r}, 'global_id')", b.nc.get, key, "global_id")
            assert set(got) == {key, "global_id"}
        elif form == "get_all":
            self.call(VALID, f"{short(b.nc, 60)}.get()", b.nc.get)
        elif form == "node_id":
            self.call(VALID, f"{short(b.nc[0])}.get({key!r})", b.nc[0].get, key)
        elif form == "attribute" and key.isidentifier():
            self.call(VALID, f"{short(b.nc, 60)}.{key}", getattr, b.nc, key)
        else:
            # non-string and unhashable keys: test_get_status_with_a_non_string_key and
            # test_get_with_an_unhashable_key
            bad = data.draw(st.sampled_from(["V_x", "", "bogus", "Events", "V_M"]), label="bad key")
            how = data.draw(st.sampled_from(["GetStatus", "GetStatus_list", "get", "get_list"]))
            if how == "GetStatus":
                self.call(INVALID, f"GetStatus({short(b.nc, 60)}, {bad!r})", csnn.GetStatus, b.nc, bad)
            elif how == "GetStatus_list":
                self.call(INVALID, f"GetStatus({short(b.nc, 60)}, [{key!r}, {bad!r}])", csnn.GetStatus, b.nc,
                          [key, bad])
            elif how == "get":
                self.call(INVALID, f"{short(b.nc, 60)}.get({bad!r})", b.nc.get, bad)
            else:
                self.call(INVALID, f"{short(b.nc, 60)}.get([{bad!r}])", b.nc.get, [bad])

    @rule(data=st.data())
    @traced
    def get_kernel_status_and_models(self, data):
        """GetKernelStatus (all, one key, a list of keys, unknown keys), module attributes,
        Models and GetDefaults."""
        status = csnn.GetKernelStatus()
        key = data.draw(st.sampled_from(sorted(status)), label="key")
        self.call(VALID, f"GetKernelStatus({key!r})", csnn.GetKernelStatus, key)
        ok, both = self.call(VALID, f"GetKernelStatus([{key!r}, 'resolution'])", csnn.GetKernelStatus,
                             [key, "resolution"])
        assert isinstance(both, tuple) and both[1] == self.resolution
        assert csnn.resolution == self.resolution and csnn.network_size == self.n_nodes
        # GetKernelStatus(5): test_get_kernel_status_with_a_non_string_key
        self.call(INVALID, "GetKernelStatus('resolutoin')", csnn.GetKernelStatus, "resolutoin")
        self.call(INVALID, "GetKernelStatus(['rng_seed', 'bogus'])", csnn.GetKernelStatus, ["rng_seed", "bogus"])
        model = data.draw(st.sampled_from(sorted(NEURON_MODELS) + sorted(GENERATOR_MODELS) + sorted(RECORDER_MODELS)
                                          + ["static_synapse"] + list(PLASTIC_MODELS)), label="model")
        ok, defaults = self.call(VALID, f"GetDefaults({model!r})", csnn.GetDefaults, model)
        some = data.draw(st.sampled_from(sorted(defaults)), label="default key")
        self.call(VALID, f"GetDefaults({model!r}, {some!r})", csnn.GetDefaults, model, some)
        self.call(INVALID, f"GetDefaults({model!r}, 'bogus')", csnn.GetDefaults, model, "bogus")
        self.call(INVALID, "GetDefaults('bogus')", csnn.GetDefaults, "bogus")
        mtype = data.draw(st.sampled_from(["all", "nodes", "synapses", "bogus"]), label="mtype")
        self.call(INVALID if mtype == "bogus" else VALID, f"Models({mtype!r})", csnn.Models, mtype)

    # -- kernel status ------------------------------------------------------------------------------

    @rule(data=st.data())
    @traced
    def set_kernel_status(self, data):
        """SetKernelStatus: rng_seed, local_num_threads (1 or 2), resolution (only while no node
        exists), flags; unknown and read-only keys and bad values, which change nothing."""
        invalid = data.draw(st.booleans(), label="invalid")
        if not invalid:
            params = {}
            for key in data.draw(st.lists(st.sampled_from(["rng_seed", "local_num_threads", "total_num_virtual_procs",
                                                           "resolution", "print_time", "dict_miss_is_error",
                                                           "progress_bar"]), min_size=1, max_size=3, unique=True),
                                 label="keys"):
                params[key] = data.draw({
                    "rng_seed": st.one_of(st.integers(0, 2 ** 32 - 1), st.integers(0, 99).map(np.uint32)),
                    "local_num_threads": st.sampled_from([1, 2]), "total_num_virtual_procs": st.sampled_from([1, 2]),
                    "resolution": st.sampled_from(RESOLUTIONS if not self.n_nodes else (self.resolution,)),
                    "print_time": st.just(False), "dict_miss_is_error": st.booleans(),
                    "progress_bar": st.sampled_from([False, "auto"])}[key], label=key)
            if "local_num_threads" in params and "total_num_virtual_procs" in params:
                del params["total_num_virtual_procs"]
            verdict = VALID
        else:
            bad = data.draw(st.sampled_from([
                {"resolutoin": 0.1}, {"biological_time": 5.0}, {"num_connections": 0}, {"network_size": 3},
                {"rng_seed": -1}, {"rng_seed": 2 ** 32}, {"rng_seed": 1.5}, {"rng_seed": "1"}, {"rng_seed": None},
                {"local_num_threads": 0}, {"local_num_threads": -2}, {"local_num_threads": 1.5},
                {"local_num_threads": True}, {"local_num_threads": 10 ** 400}, {"local_num_threads": 2 ** 40},
                {"resolution": 0.0}, {"resolution": -0.1}, {"resolution": NAN},
                {"resolution": INF}, {"resolution": "0.1"}, {"print_time": "yes"}, {"progress_bar": "sometimes"},
                {"data_path": 5}, "rng_seed", 5, [("rng_seed", 1)], {"rng_seed": 3, "local_num_threads": 0},
                {"local_num_threads": 2, "resolution": -1.0}]), label="bad params")
            params, verdict = bad, INVALID
            if self.n_nodes and data.draw(st.booleans(), label="resolution after Create"):
                other = [r for r in RESOLUTIONS if r != self.resolution]
                params = {"resolution": data.draw(st.sampled_from(other))}   # only right after ResetKernel
        watched = ("rng_seed", "resolution", "local_num_threads", "print_time", "dict_miss_is_error", "progress_bar")
        before = csnn.GetKernelStatus(list(watched))
        how = data.draw(st.sampled_from(["SetKernelStatus", "attribute"]), label="how")
        if how == "attribute" and isinstance(params, dict) and len(params) == 1 and \
                next(iter(params)) in ("rng_seed", "resolution", "local_num_threads", "print_time", "biological_time"):
            (key, value), = params.items()
            label, fn = f"csnn.{key} = {short(value)}", lambda: setattr(csnn, key, value)
        else:
            label, fn = f"SetKernelStatus({short(params)})", lambda: csnn.SetKernelStatus(params)
        ok, _ = self.call(verdict, label, fn)
        after = csnn.GetKernelStatus(list(watched))
        if not ok:
            assert after == before, f"the failed {label} changed the kernel status: {before} -> {after}"
            return
        for key, value in params.items():
            if key in watched:
                assert csnn.GetKernelStatus(key) == value, key
        self.resolution = csnn.GetKernelStatus("resolution")

    # -- simulation ---------------------------------------------------------------------------------

    def simulate(self, data):
        """Simulate a short time (0 to 20 ms, in every number type), or a bad time (negative,
        NaN, inf, a string, None, a bool), which leaves the time as it was."""
        invalid = data.draw(st.integers(0, 3), label="invalid") == 0
        if invalid:
            t = data.draw(st.sampled_from([-1.0, -0.1, -1e-12, NAN, INF, -INF, "10", None, True, [5.0], np.array(5.0),
                                           1j, 10 ** 400]), label="bad t")
            verdict = INVALID if not isinstance(t, np.ndarray) else MAYBE
        else:
            t = data.draw(st.one_of(floats(0.1, 20.0), st.integers(0, 20), st.just(0.0), floats(0.0, 0.1),
                                    floats(0.1, 20.0).map(np.float64), st.integers(1, 20).map(np.int64)), label="t")
            verdict = VALID
        before = csnn.GetKernelStatus("biological_time")
        ok, _ = self.call(verdict, f"Simulate({short(t)})", csnn.Simulate, t)
        now = csnn.GetKernelStatus("biological_time")
        if not ok:
            assert now == before, f"a failed Simulate moved the time from {before} to {now}"
            return
        assert math.isclose(now, before + float(t), rel_tol=1e-9, abs_tol=1e-9), (before, t, now)
        self.t = now

    @rule(data=st.data())
    @traced
    def run_in_steps(self, data):
        """Prepare, Run a few times (between the runs: status queries, neuron parameters, and
        calls that are errors while prepared: Simulate, Prepare, Run with bad times), Cleanup;
        and Run or Cleanup without Prepare.

        Create, Connect and synapse or model changes while prepared are refused
        (test_network_changes_between_prepare_and_run_are_refused); the machine makes none."""
        if data.draw(st.integers(0, 4), label="unprepared") == 0:
            which = data.draw(st.sampled_from(["Run", "Cleanup"]))
            if which == "Run":
                self.call(INVALID, "Run(5.0) without Prepare", csnn.Run, 5.0)
            else:
                self.call(INVALID, "Cleanup() without Prepare", csnn.Cleanup)
            return
        self.call(VALID, "Prepare()", csnn.Prepare)
        for _ in range(data.draw(st.integers(1, 4), label="steps")):
            action = data.draw(st.sampled_from(["run", "run", "bad_run", "simulate", "prepare", "status", "set"]),
                               label="action")
            if action == "run":
                t = data.draw(st.one_of(floats(0.0, 10.0), st.integers(0, 10)), label="t")
                before = csnn.GetKernelStatus("biological_time")
                self.call(VALID, f"Run({t!r})", csnn.Run, t)
                assert math.isclose(csnn.GetKernelStatus("biological_time"), before + t, rel_tol=1e-9, abs_tol=1e-9)
                self.t = csnn.GetKernelStatus("biological_time")
            elif action == "bad_run":
                t = data.draw(st.sampled_from([-1.0, NAN, INF, "5", None]), label="bad t")
                self.call(INVALID, f"Run({t!r})", csnn.Run, t)
            elif action == "simulate":
                self.call(INVALID, "Simulate(1.0) while prepared", csnn.Simulate, 1.0)
            elif action == "prepare":
                self.call(INVALID, "Prepare() while prepared", csnn.Prepare)
            elif action == "status":
                csnn.GetKernelStatus()
                for b in self.bundles[:3]:
                    csnn.GetStatus(b.nc)
            else:
                neurons = [b for b in self.of_kind(NEURON) if "I_e" in NEURON_PARAMS[b.base]]
                if neurons:
                    b = data.draw(st.sampled_from(neurons), label="neurons")
                    value = data.draw(floats(0.0, 600.0), label="I_e")
                    self.call(VALID, f"{short(b.nc, 60)}.set(I_e={value!r}) while prepared", b.nc.set, I_e=value)
        self.call(VALID, "Cleanup()", csnn.Cleanup)

    @precondition(lambda self: self.steps_since_probe >= 8)
    @rule()
    @traced
    def probe_network(self):
        """The kernel still works: a spike_generator spike at t0 + 1 ms reaches a fresh
        iaf_psc_delta after 1 ms with 20 mV, which makes it spike at exactly t0 + 2 ms."""
        self.steps_since_probe = 0
        t0 = csnn.GetKernelStatus("biological_time")
        # explicit parameters: SetDefaults may have changed the model's defaults
        neuron = csnn.Create("iaf_psc_delta", params={"I_e": 0.0, "E_L": -70.0, "V_m": -70.0, "V_th": -55.0,
                                                      "V_reset": -70.0, "t_ref": 2.0})
        gen = csnn.Create("spike_generator", params={"spike_times": [t0 + 1.0]})
        recorder = csnn.Create("spike_recorder")
        self.add_bundle(neuron, "iaf_psc_delta", NEURON)
        self.add_bundle(gen, "spike_generator", GENERATOR)
        self.add_bundle(recorder, "spike_recorder", SPIKE_RECORDER)
        csnn.Connect(gen, neuron, syn_spec={"weight": 20.0, "delay": 1.0})
        csnn.Connect(neuron, recorder)
        self.n_connections += 2
        self.call(VALID, "Simulate(5.0) (probe)", csnn.Simulate, 5.0)
        self.t = csnn.GetKernelStatus("biological_time")
        assert math.isclose(self.t, t0 + 5.0, rel_tol=1e-12, abs_tol=1e-9)
        events = recorder.get("events")
        assert events["senders"].tolist() == [neuron[0]] and np.allclose(events["times"], [t0 + 2.0],
                                                                           rtol=1e-12, atol=1e-9), events

    # -- models -----------------------------------------------------------------------------------

    @rule(data=st.data())
    @traced
    def copy_and_set_defaults(self, data):
        """CopyModel (neurons; plastic synapses with a weight_recorder) and SetDefaults with
        valid and invalid values; a failed call changes no defaults and makes no model."""
        what = data.draw(st.sampled_from(["copy_neuron", "copy_plastic", "defaults", "bad_copy", "bad_defaults"]),
                         label="what")
        self.copies += 1
        name = f"fuzz_model_{self.copies}"
        if what == "copy_neuron":
            base = data.draw(st.sampled_from(sorted(NEURON_MODELS)), label="model")
            table = NEURON_PARAMS[base]
            keys = data.draw(st.lists(st.sampled_from(sorted(table)), max_size=2, unique=True))
            params = {k: data.draw(floats(*table[k]), label=k) for k in keys}
            self.call(VALID, f"CopyModel({base!r}, {name!r}, {short(params)})", csnn.CopyModel, base, name, params)
            self.node_copies[name] = base
        elif what == "copy_plastic":
            base = data.draw(st.sampled_from(PLASTIC_MODELS), label="model")
            params = self.draw_plastic_params(data, base)
            wrs = self.of_kind(WEIGHT_RECORDER)
            if wrs and data.draw(st.booleans()):
                params["weight_recorder"] = data.draw(st.sampled_from(wrs)).nc[0:1]
            self.call(VALID, f"CopyModel({base!r}, {name!r}, {short(params)})", csnn.CopyModel, base, name, params)
            self.synapse_models[name] = base
        elif what == "defaults":
            model = data.draw(st.sampled_from(sorted(NEURON_MODELS) + list(PLASTIC_MODELS) + ["static_synapse"]))
            if model in NEURON_MODELS:
                table = NEURON_PARAMS[model]
                key = data.draw(st.sampled_from(sorted(table)))
                params = {key: data.draw(floats(*table[key]))}
            elif model == "static_synapse":
                params = data.draw(st.sampled_from([{"weight": 2.5}, {"delay": 0.7}, {"weight": -1.0, "delay": 1.5}]))
            else:
                params = self.draw_plastic_params(data, model)
            self.call(VALID, f"SetDefaults({model!r}, {short(params)})", csnn.SetDefaults, model, params)
            for key, value in params.items():
                assert csnn.GetDefaults(model, key) == value
        elif what == "bad_copy":
            model, new, params = data.draw(st.sampled_from([
                ("bogus", name, None), ("iaf_psc_delta", "iaf_psc_exp", None), ("iaf_psc_delta", "", None),
                ("iaf_psc_delta", 5, None), ("iaf_psc_delta", "spike_detector", None), (5, name, None),
                ("iaf_psc_delta", name, {"bogus": 1.0}), ("iaf_psc_delta", name, {"tau_m": -1.0}),
                ("iaf_psc_delta", name, {"V_reset": -50.0, "V_th": -50.0}), ("stdp_synapse", name, {"tau_plus": NAN}),
                ("stdp_synapse", name, {"weight": -5.0}), ("spike_generator", name, {"spike_times": [2.0, 1.0]})]),
                label="bad copy")
            self.call(INVALID, f"CopyModel({model!r}, {new!r}, {short(params)})", csnn.CopyModel, model, new, params)
            if isinstance(new, str) and new.startswith("fuzz_model_"):
                self.call(INVALID, f"GetDefaults({new!r}) after the failed CopyModel", csnn.GetDefaults, new)
        else:
            model, params = data.draw(st.sampled_from([
                ("bogus", {"V_m": -70.0}), ("iaf_psc_delta", {"bogus": 1.0}), ("iaf_psc_delta", {"t_ref": -1.0}),
                ("iaf_psc_delta", {"V_reset": -50.0, "V_th": -50.0}), ("iaf_psc_delta", {"t_spike": 1.0}),
                ("iaf_psc_delta", 5), ("static_synapse", {"delay": 0.0}), ("static_synapse", {"weight": NAN}),
                ("stdp_synapse", {"weight": -1.0}), ("stdp_synapse", {"tau_plus": -3.0}),
                ("spike_generator", {"spike_times": [0.0]}), ("multimeter", {"record_to": "bogus"}),
                ("poisson_generator", {"rate": -5.0}), ("srm_psc_exp", {"t_ref": 0.0})]), label="bad defaults")
            before = csnn.GetDefaults(model) if model != "bogus" else None
            self.call(INVALID, f"SetDefaults({model!r}, {short(params)})", csnn.SetDefaults, model, params)
            if before is not None:
                assert same(csnn.GetDefaults(model), before), f"the failed SetDefaults changed {model}'s defaults"

    # -- reset and stale handles --------------------------------------------------------------------

    @precondition(lambda self: self.steps_since_reset >= 12)
    @rule()
    @traced
    def reset_kernel(self):
        """ResetKernel: every node, connection, model change and the time are gone."""
        self.call(VALID, "ResetKernel()", csnn.ResetKernel)
        self.stale = ([b.nc for b in self.bundles[:2]] + self.stale)[:3]
        self.reset_model()
        self.steps_since_reset = 0
        assert csnn.GetKernelStatus("network_size") == 0 and csnn.GetKernelStatus("biological_time") == 0.0
        assert csnn.GetKernelStatus("num_connections") == 0 and csnn.GetKernelStatus("resolution") == 0.1

    @rule()
    @traced
    def save_and_load(self):
        """csnn.save, then csnn.load: the kernel goes on with the same nodes, parameters,
        recorded events, connections and time; the collections of the saved kernel are stale
        afterwards and are re-obtained by id, as in a fresh process."""
        before = self.checkpoint_view()
        with tempfile.TemporaryDirectory() as directory:
            path = os.path.join(directory, "kernel.csnn")
            self.call(VALID, "save(path)", csnn.save, path)
            self.call(VALID, "load(path)", csnn.load, path)
        assert same(self.checkpoint_view(), before), "the loaded kernel differs from the saved one"
        self.stale = ([b.nc for b in self.bundles[:2]] + self.stale)[:3]
        for bundle in self.bundles:
            bundle.nc = csnn.NodeCollection(bundle.nc.tolist())

    def checkpoint_view(self):
        """What a checkpoint must restore: every node's status (events included), the
        connections and the kernel's counts, time and settings."""
        ids = list(range(1, self.n_nodes + 1))
        keys = ["biological_time", "network_size", "num_connections", "resolution", "rng_seed", "local_num_threads"]
        connections = csnn.GetConnections()
        return (csnn.GetStatus(ids) if ids else (), csnn.GetKernelStatus(keys),
                connections.get(["source", "target", "weight", "delay"]) if len(connections) else {})

    @precondition(lambda self: self.stale)
    @rule(data=st.data())
    @traced
    def use_stale_nodes(self, data):
        """A NodeCollection of a reset kernel is refused everywhere (UnknownNodeError)."""
        old = self.stale[data.draw(st.integers(0, len(self.stale) - 1), label="stale")]
        use = data.draw(st.sampled_from(["get", "set", "GetStatus", "SetStatus", "Connect", "GetConnections",
                                         "add"]), label="use")
        calls = {"get": lambda: old.get("global_id"), "set": lambda: old.set(bogus=1.0),
                 "GetStatus": lambda: csnn.GetStatus(old), "SetStatus": lambda: csnn.SetStatus(old, {"V_m": -60.0}),
                 "Connect": lambda: csnn.Connect(old, old), "GetConnections": lambda: csnn.GetConnections(old),
                 "add": lambda: self.bundles[0].nc + old if self.bundles else old + old}
        ok, exc = self.call(INVALID, f"{use} with {short(old, 60)} of a reset kernel", calls[use])
        assert isinstance(exc, csnn.errors.UnknownNodeError), exc

    @rule(data=st.data())
    @traced
    def misc_invalid_calls(self, data):
        """Other calls with bad arguments: set_verbosity, NodeCollection arithmetic and
        construction, GetPosition of nodes without positions, SetStatus with a value but no key."""
        calls = [("set_verbosity('M_LOUD')", lambda: csnn.set_verbosity("M_LOUD")),
                 ("set_verbosity(2.5)", lambda: csnn.set_verbosity(2.5)),
                 ("NodeCollection([1, 1])",
                  lambda: csnn.NodeCollection([1, 1]) if self.n_nodes else csnn.NodeCollection([0])),
                 ("NodeCollection(['a'])", lambda: csnn.NodeCollection(["a"])),
                 ("SetStatus(nodes, {'V_m': 1.0}, 5)", lambda: csnn.SetStatus([1], {"V_m": 1.0}, 5)),
                 ("SetStatus(nodes, 'V_m')", lambda: csnn.SetStatus([1], "V_m"))]
        if self.bundles:
            b = data.draw(st.sampled_from(self.bundles), label="nodes")
            calls.append(("nodes + nodes", lambda: b.nc + b.nc))
            calls.append(("nodes[['a']]", lambda: b.nc[["a"]]))
            if not b.positions:
                calls.append(("GetPosition(nodes without positions)", lambda: csnn.GetPosition(b.nc)))
        label, fn = data.draw(st.sampled_from(calls), label="call")
        self.call(INVALID, label, fn)

    # -- invariants -------------------------------------------------------------------------------

    @invariant()
    @traced
    def count_steps(self):
        self.steps_since_reset += 1
        self.steps_since_probe += 1

    @invariant()
    @traced
    def kernel_counts_match_the_model(self):
        status = csnn.GetKernelStatus()
        t = status["biological_time"]
        assert math.isfinite(t) and t >= 0.0
        assert math.isclose(t, self.t, rel_tol=1e-12, abs_tol=1e-12), f"biological_time {t}, expected {self.t}"
        assert status["network_size"] == self.n_nodes, (status["network_size"], self.n_nodes)
        assert status["num_connections"] == self.n_connections, (status["num_connections"], self.n_connections)
        assert len(csnn.GetConnections()) == self.n_connections
        assert status["resolution"] == self.resolution

    @invariant()
    @traced
    def recorded_events_are_consistent(self):
        t = self.t
        for b in self.bundles:
            if b.kind not in (SPIKE_RECORDER, METER, WEIGHT_RECORDER):
                continue
            for gid, s in zip(b.nc.tolist(), csnn.GetStatus(b.nc)):
                events = s["events"]
                times = np.asarray(events["times"])
                assert s["n_events"] == times.size == np.asarray(events["senders"]).size, (gid, s["n_events"])
                assert np.all(np.isfinite(times)) and np.all(times > 0.0) and np.all(times <= t + 1e-9), (gid, times, t)
                senders = np.asarray(events["senders"]).tolist()
                # spike recorders record neurons and generators (their draws), weight recorders neurons
                senders_kinds = (NEURON, GENERATOR) if b.kind == SPIKE_RECORDER else (NEURON,)
                assert all(self.node[g].kind in senders_kinds for g in senders) if b.kind != METER else True
                if b.kind == SPIKE_RECORDER:
                    assert np.all(np.diff(times) >= 0), f"spike recorder {gid}: events not sorted by time"
                elif b.kind == METER:
                    assert np.all(np.diff(times) >= 0), f"multimeter {gid}: samples not in time order"
                    steps = times / s["interval"]
                    assert np.allclose(steps, np.round(steps), rtol=0, atol=1e-6) and np.all(np.round(steps) >= 1), (
                        f"multimeter {gid}: sample times {times} off the {s['interval']} ms grid")
                    assert set(senders) <= self.meters[gid].attached
                    for name in s["record_from"]:
                        values = np.asarray(events[name])
                        assert values.size == times.size and np.all(np.isfinite(values)), (gid, name)
                else:
                    assert np.all(np.isfinite(events["weights"])), f"weight recorder {gid}: weights not finite"
                    assert all(self.node[g].kind == NEURON for g in np.asarray(events["targets"]).tolist())

    @invariant()
    @traced
    def membrane_potentials_are_finite(self):
        for b in self.bundles:
            if b.kind == NEURON and b.base != "parrot_neuron":
                v = np.atleast_1d(b.nc.get("V_m"))
                assert np.all(np.isfinite(v)), f"{b.model} {b.nc.tolist()}: V_m = {v}"

    def teardown(self):
        # no prepared kernel or large tables left to the next example or test
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                csnn.Cleanup()
            except csnn.CSNNError:
                pass
        csnn.ResetKernel()


APIMachine.TestCase.settings = settings(
    max_examples=EXAMPLES, stateful_step_count=STEPS, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large])
TestAPIMachine = APIMachine.TestCase


# -- the process survives -------------------------------------------------------------------------

def run_child():
    """The machine without shrinking, as run by test_api_never_crashes_the_process."""
    run_state_machine_as_test(APIMachine, settings=settings(
        max_examples=CHILD_EXAMPLES, stateful_step_count=CHILD_STEPS, deadline=None, database=None,
        phases=[Phase.generate], suppress_health_check=list(HealthCheck)))
    print("csnn-fuzz: child finished", file=sys.stderr)


def run_in_child(code, tmp_path, env=None, timeout=600):
    """Run python ``code`` in a child process (in ``tmp_path``); returns the CompletedProcess."""
    child_env = dict(os.environ, PYTHONFAULTHANDLER="1", **(env or {}))
    return subprocess.run([sys.executable, "-X", "faulthandler", "-c", code], cwd=tmp_path, env=child_env,
                          capture_output=True, text=True, timeout=timeout)


def describe_exit(proc, lines=60):
    how = (f"killed by signal {-proc.returncode}" if proc.returncode < 0 else f"exit status {proc.returncode}")
    tail = "\n".join(proc.stderr.splitlines()[-lines:])
    return f"the child process ended with {how}; last lines of its stderr:\n{tail}"


def test_api_never_crashes_the_process(tmp_path):
    """A few hundred random calls in a child process: it must exit normally (a segfault or an
    abort of the engine fails the test with the calls that led to it)."""
    tests = os.path.dirname(os.path.abspath(__file__))
    code = f"import sys; sys.path.insert(0, {tests!r}); import test_fuzz; test_fuzz.run_child()"
    proc = run_in_child(code, tmp_path, env={"CSNN_FUZZ_TRACE": "1"})
    assert proc.returncode == 0, describe_exit(proc)
    assert "csnn-fuzz: child finished" in proc.stderr


# -- minimal reproductions of the bugs the fuzzing found ----------------------------------------------

@pytest.fixture
def kernel():
    quiet()
    csnn.ResetKernel()
    yield
    csnn.ResetKernel()


def assert_csnn_error(fn, *args, **kwargs):
    """``fn`` must raise a documented exception (a CSNNError) and nothing else."""
    try:
        fn(*args, **kwargs)
    except Exception as exc:
        where = traceback.extract_tb(exc.__traceback__)[-1]
        assert documented(exc), (f"{type(exc).__name__} (not a csnn.CSNNError): {exc} "
                                 f"({os.path.basename(where.filename)}:{where.lineno})")
    else:
        pytest.fail("no exception")


def crash_free(code, tmp_path):
    proc = run_in_child(f"import csnn\n{textwrap.dedent(code)}\nprint('survived')", tmp_path, timeout=120)
    assert proc.returncode == 0 and "survived" in proc.stdout, describe_exit(proc, lines=20)


@pytest.mark.parametrize("change", [
    'csnn.Connect(a, a, syn_spec="stdp_synapse")',
    'csnn.GetConnections(a, a).set(tau_plus=3.0)',
    'csnn.Create("iaf_psc_delta")',
    'csnn.SetDefaults("stdp_synapse", {"tau_plus": 3.0})',
    'csnn.CopyModel("stdp_synapse", "other")',
])
def test_network_changes_between_prepare_and_run_are_refused(tmp_path, change):
    """Connect, Create, synapse parameter changes and model changes between Prepare and Run
    once crashed the process (a plastic synapse or parameter set the engine was not given at
    Prepare) or were silently not simulated; they are refused with KernelStateError, and the
    kernel runs on."""
    crash_free(f"""
        a = csnn.Create("iaf_psc_delta", params={{"I_e": 1000.0}})
        csnn.Connect(a, a, syn_spec="stdp_synapse")
        csnn.Prepare()
        try:
            {change}
        except csnn.errors.KernelStateError as err:
            assert "cannot change between Prepare and Cleanup" in str(err), err
        else:
            raise AssertionError("not refused")
        csnn.GetConnections(a, a).set(weight=2.0)     # weights may change between runs
        csnn.Run(10.0)
        csnn.Cleanup()
        {change}                                      # allowed again after Cleanup
        csnn.Simulate(5.0)
    """, tmp_path)


@pytest.mark.parametrize("model", ["step_current_generator", "inhomogeneous_poisson_generator"])
def test_schedule_generators_with_no_steps(kernel, model):
    """Their default, empty schedule once raised IndexError (csnn/devices.py _schedule)."""
    generator = csnn.Create(model)
    neuron = csnn.Create("iaf_psc_delta")
    csnn.Connect(generator, neuron)
    csnn.Simulate(5.0)


@pytest.mark.parametrize("pre_model, syn_spec, conn_spec", [
    ("iaf_psc_delta", "stdp_synapse", {"rule": "pairwise_bernoulli", "p": 0.0}),
    ("iaf_psc_delta", "stdp_triplet_synapse", {"rule": "fixed_indegree", "indegree": 0}),
    ("poisson_generator", None, {"rule": "fixed_total_number", "N": 0}),
    ("dc_generator", None, {"rule": "expression", "condition": "i != i"})],
    ids=["plastic_pairwise_bernoulli", "plastic_fixed_indegree", "poisson_fixed_total_number", "dc_expression"])
def test_connect_that_makes_no_connection(kernel, conn_spec, pre_model, syn_spec):
    pre, post = csnn.Create(pre_model, 2), csnn.Create("iaf_psc_delta", 2)
    csnn.Connect(pre, post, conn_spec, syn_spec)
    assert csnn.GetKernelStatus("num_connections") == 0
    csnn.Simulate(1.0)


def test_connect_that_draws_no_pair_is_still_checked(kernel):
    """A plastic synapse onto a recorder is refused even when the rule draws no pair (the crash
    test's child process found a p = 0.3 draw of nothing accepted)."""
    neuron, recorder = csnn.Create("iaf_psc_delta"), csnn.Create("spike_recorder")
    with pytest.raises(csnn.errors.IllegalConnectionError, match="stdp_synapse is plastic and connects neurons only"):
        csnn.Connect(neuron, recorder, {"rule": "pairwise_bernoulli", "p": 0.0}, "stdp_synapse")
    assert csnn.GetKernelStatus("num_connections") == 0


def test_plastic_parameters_are_checked_when_no_pair_is_drawn(kernel):
    """A mistyped plastic parameter was accepted when the rule drew no pair (the long fuzz run
    found Wmax = 'x' with a condition nobody met)."""
    a = csnn.Create("iaf_psc_delta")
    with pytest.raises(csnn.errors.BadTypeError, match="syn_spec\\['Wmax'\\] = 'x' is invalid"):
        csnn.Connect(a, a, {"rule": "expression", "condition": "i < j"}, {"synapse_model": "stdp_synapse", "Wmax": "x"})


def test_failed_plastic_connect_leaves_common_parameters(kernel):
    """Common parameters given in a syn_spec (NEST 2) were applied to the model before the
    per-connection values were checked, so a failing Connect changed the model."""
    a = csnn.Create("iaf_psc_delta", 2)
    with pytest.raises(csnn.CSNNError, match="weight"):
        csnn.Connect(a, a, syn_spec={"synapse_model": "stdp_facetshw_synapse_hom", "tau_plus": 5.0, "weight": -1.0})
    assert csnn.GetDefaults("stdp_facetshw_synapse_hom", "tau_plus") == 20.0
    assert csnn.GetKernelStatus("num_connections") == 0


def test_repr_of_a_node_collection_of_a_reset_kernel(kernel):
    old = csnn.Create("iaf_psc_delta", 3)
    csnn.ResetKernel()
    assert "iaf_psc_delta" in repr(old) or "reset" in repr(old)


def test_get_status_with_a_non_string_key(kernel):
    assert_csnn_error(csnn.GetStatus, csnn.Create("iaf_psc_delta"), 5)


def test_get_kernel_status_with_a_non_string_key(kernel):
    assert_csnn_error(csnn.GetKernelStatus, 5)


@pytest.mark.parametrize("call", ["get", "GetStatus", "GetKernelStatus"])
def test_get_with_an_unhashable_key(kernel, call):
    nodes = csnn.Create("iaf_psc_delta")
    fn = {"get": lambda: nodes.get([["V_m"]]), "GetStatus": lambda: csnn.GetStatus(nodes, [["V_m"]]),
          "GetKernelStatus": lambda: csnn.GetKernelStatus([["x"]])}[call]
    assert_csnn_error(fn)


def test_conn_spec_rule_of_unhashable_type(kernel):
    a = csnn.Create("iaf_psc_delta")
    assert_csnn_error(csnn.Connect, a, a, {"rule": ["all_to_all"]})


def test_create_an_impossible_number_of_nodes(kernel):
    """numpy's MemoryError (7 PiB) once came out of Create; the engine's int32 ids bound n."""
    assert_csnn_error(csnn.Create, "iaf_psc_delta", 10 ** 15)
    assert csnn.GetKernelStatus("network_size") == 0


def test_simulate_an_int_beyond_float_range(kernel):
    """np.isfinite raised TypeError for an int beyond the range of floats."""
    assert_csnn_error(csnn.Simulate, 10 ** 400)


@pytest.mark.parametrize("route", ["Create", "set"])
def test_nested_per_node_values(kernel, route):
    """Nested per-node values once gave numpy's shape-mismatch ValueError."""
    if route == "Create":
        assert_csnn_error(csnn.Create, "iaf_psc_delta", 2, {"V_m": [[-70.0], [-60.0]]})
    else:
        nodes = csnn.Create("iaf_psc_delta", 2)
        assert_csnn_error(nodes.set, {"V_m": [[-70.0], [-60.0]]})


@pytest.mark.parametrize("value", [5, None])
def test_record_from_that_is_not_a_list(kernel, value):
    """record_from = 5 or None once gave TypeError (not iterable)."""
    assert_csnn_error(csnn.Create, "multimeter", 1, {"record_from": value})


@pytest.mark.parametrize("spec", [{"distribution": "uniform_int", "low": "a"}, {"distribution": "binomial", "n": -1},
                                  {"distribution": "normal_clipped", "low": "a"},
                                  {"distribution": "normal_clipped", "mu": "a"},
                                  {"distribution": "poisson", "lambda": 1e30}, {"distribution": ["normal"]}],
                         ids=["uniform_int_str", "binomial_negative_n", "clipped_str_bound", "clipped_str_mu",
                              "poisson_huge_lambda", "unhashable_name"])
def test_distribution_dict_with_bad_values(kernel, spec):
    """NEST 2 distribution dicts are checked when given, not when drawn (TypeError,
    ValueError from numpy before)."""
    a = csnn.Create("iaf_psc_delta", 2)
    assert_csnn_error(csnn.Connect, a, a, syn_spec={"weight": spec})


@pytest.mark.parametrize("conn_spec", [{"rule": "expression", "n": 2 ** 50},
                                       {"rule": "expression", "j": "k for k in range(0, int(2 ** 50))",
                                        "skip_if_invalid": True},
                                       {"rule": "expression", "j": "k for k in range(i, int(inf))",
                                        "skip_if_invalid": True}], ids=["n", "range", "range_to_inf"])
def test_expression_rule_with_a_huge_count(kernel, conn_spec):
    """The memory check came after drawing: numpy's MemoryError or ValueError came first;
    the pairs are now counted as they are drawn."""
    a = csnn.Create("iaf_psc_delta", 3)
    assert_csnn_error(csnn.Connect, a, a, conn_spec)
    assert csnn.GetKernelStatus("num_connections") == 0


def test_expression_namespace_with_a_huge_int(kernel):
    """OverflowError converting the value to a float."""
    a = csnn.Create("iaf_psc_delta", 3)
    assert_csnn_error(csnn.Connect, a, a, {"rule": "expression", "condition": "w > i", "namespace": {"w": 10 ** 400}})


@pytest.mark.parametrize("conn_spec", [{"rule": "fixed_indegree", "indegree": 2}, {"rule": "expression", "n": 2}],
                         ids=["fixed_indegree", "expression"])
def test_multimeter_connected_twice_to_a_neuron_in_one_call(kernel, conn_spec):
    """IndexError while building the message (the duplicate was looked up in the wrong array)."""
    meter = csnn.Create("multimeter", params={"record_from": ["V_m"]})
    neuron = csnn.Create("iaf_psc_delta")
    with pytest.raises(csnn.CSNNError, match="already connected"):
        csnn.Connect(meter, neuron, conn_spec)


def test_failed_connect_of_two_multimeters_attaches_the_first(kernel):
    """Multimeters were attached one by one, so a failing second one left the first
    sampling, outside GetConnections and num_connections."""
    meters = csnn.Create("multimeter", 2, params={"record_from": ["V_m"]})
    neuron = csnn.Create("iaf_psc_delta")
    csnn.Connect(meters[1:], neuron)
    with pytest.raises(csnn.CSNNError, match="already connected"):
        csnn.Connect(meters, neuron)
    csnn.Simulate(5.0)
    assert len(csnn.GetConnections(meters[:1])) == 0
    assert meters[0].get("n_events") == 0, "the multimeter of the failed Connect samples the neuron"


@pytest.mark.parametrize("case", ["generators", "multimeters", "list_of_dicts"])
def test_failed_set_status_changes_nothing(kernel, case):
    """Devices were set one by one and a list of dicts node by node, so a failure left
    the first ones changed."""
    if case == "generators":
        nodes = csnn.Create("poisson_generator", 2)
        nodes[1].set(start=0.0, stop=5.0)
        params, key = {"start": 7.0}, "start"             # fine for the first, not the second
    elif case == "multimeters":
        nodes = csnn.Create("multimeter", 2, {"record_from": ["V_m"]})
        csnn.Connect(nodes[1:], csnn.Create("iaf_psc_exp"))
        params, key = {"record_from": ["I_syn_ex"]}, "record_from"
    else:
        nodes = csnn.Create("iaf_psc_delta", 2)
        params, key = [{"V_m": -60.0}, {"V_m": NAN}], "V_m"
    before = csnn.GetStatus(nodes, key)
    with pytest.raises(csnn.CSNNError):
        csnn.SetStatus(nodes, params)
    assert same(csnn.GetStatus(nodes, key), before)


def test_failed_set_status_changes_nothing_tau_minus(kernel):
    """tau_minus was written before the other parameters were checked."""
    nodes = csnn.Create("iaf_psc_delta", 2)
    with pytest.raises(csnn.CSNNError, match="V_reset"):
        nodes.set({"tau_minus": 10.0, "V_reset": -60.0, "V_th": -60.0})
    assert nodes.get("tau_minus") == (20.0, 20.0)


def test_fixed_indegree_without_autapses_between_disjoint_groups(kernel):
    """Autapses were discounted from every row's candidates, whether or not the row's
    node was among them; NEST connects."""
    pre, post = csnn.Create("iaf_psc_delta"), csnn.Create("iaf_psc_delta", 2)
    csnn.Connect(pre, post, {"rule": "fixed_indegree", "indegree": 1, "allow_autapses": False})
    assert csnn.GetKernelStatus("num_connections") == 2


@pytest.mark.parametrize("values", [["5", "5"], [True, True], [5.0, "5"]], ids=["strings", "bools", "mixed"])
def test_per_node_values_of_the_wrong_type(kernel, values):
    """Per-node lists are checked as single values are ("1" and True were converted by numpy)."""
    nodes = csnn.Create("iaf_psc_delta", 2)
    with pytest.raises(csnn.errors.BadTypeError, match="tau_minus"):
        nodes.set(tau_minus=values)
    with pytest.raises(csnn.errors.BadTypeError, match="tau_minus"):
        csnn.Create("iaf_psc_delta", 2, {"tau_minus": values})
    assert nodes.get("tau_minus") == (20.0, 20.0)


@pytest.mark.parametrize("text, problem", [("int(inf) + i", "int\\(\\) of inf has no 64-bit integer value"),
                                           ("int(1e30) + i", "int\\(\\) of 1e\\+30 has no 64-bit integer value"),
                                           ("1.0 + i // (j - j)", "integer division by zero \\('//'\\)"),
                                           ("1.0 + i % (j - j)", "integer division by zero \\('%'\\)")])
def test_expressions_without_a_value(kernel, text, problem):
    """numpy answers int(inf) and integer division by zero with arbitrary integers (with a
    warning that expressions silence); they are errors naming the expression."""
    a = csnn.Create("iaf_psc_delta", 3)
    with pytest.raises(csnn.errors.BadParameterError, match=f"syn_spec\\['weight'\\] = .* cannot be evaluated: "
                                                             f"{problem}"):
        csnn.Connect(a, a, syn_spec={"weight": text})
    assert csnn.GetKernelStatus("num_connections") == 0


HUGE = 10 ** 400      # beyond the range of floats (and of int64)


@pytest.mark.parametrize("call", [
    lambda a: csnn.Connect(a, a, syn_spec={"weight": HUGE}),
    lambda a: csnn.Connect(a, a, "one_to_one", syn_spec={"delay": [HUGE, 1.0]}),
    lambda a: csnn.Connect(a, a, syn_spec={"synapse_model": "stdp_synapse", "tau_plus": HUGE}),
    lambda a: csnn.Connect(a, a, {"rule": "fixed_indegree", "indegree": HUGE}),
    lambda a: csnn.Connect(a, a, {"rule": "pairwise_bernoulli", "p": HUGE}),
    lambda a: csnn.GetConnections(a, a).set(weight=HUGE),
    lambda a: csnn.GetConnections(a, a).set(delay=[HUGE] * 4),
    lambda a: csnn.GetStatus([HUGE]),
    lambda a: csnn.SetStatus(HUGE, {"V_m": -60.0}),
    lambda a: csnn.SetDefaults("iaf_psc_delta", {"V_m": HUGE}),
    lambda a: csnn.SetKernelStatus({"resolution": HUGE}),
    lambda a: csnn.SetKernelStatus({"local_num_threads": HUGE}),
    lambda a: csnn.Create("spike_generator", params={"spike_times": [1.0, HUGE]}),
    lambda a: csnn.Create("iaf_psc_delta", positions=[[HUGE, 0.0]]),
    lambda a: csnn.Create("pulsepacket_generator", params={"activity": 2 ** 70}),
    lambda a: csnn.random.uniform(0.0, HUGE),
], ids=["weight", "delay_list", "plastic_parameter", "indegree", "p", "set_weight", "set_delays", "ids",
        "id", "defaults", "resolution", "threads", "spike_times", "positions", "count", "random_bound"])
def test_integers_beyond_float_range(kernel, call):
    """Python integers have no bound: float() raised OverflowError (weights, delays, set(),
    times, positions), int64 conversions OverflowError (node ids, threads), and the count
    message formatting did too (indegree)."""
    a = csnn.Create("iaf_psc_delta", 2)
    csnn.Connect(a, a, "one_to_one", syn_spec="stdp_synapse")
    csnn.Connect(a, a, "one_to_one")
    before = csnn.GetKernelStatus(["num_connections", "network_size"])
    assert_csnn_error(call, a)
    assert csnn.GetKernelStatus(["num_connections", "network_size"]) == before


@pytest.mark.parametrize("weights", [["1", 2.0], [True, 2.0], [None, 2.0], [[1.0, True], [2.0, 3.0]]],
                         ids=["string", "bool", "none", "nested_bool"])
def test_per_connection_values_of_the_wrong_type(kernel, weights):
    """numpy converted "1", True and None (to nan) in weight arrays of Connect and set()."""
    a = csnn.Create("iaf_psc_delta", 2)
    with pytest.raises(csnn.errors.BadTypeError, match="syn_spec\\['weight'\\] contains"):
        csnn.Connect(a, a, "one_to_one", syn_spec={"weight": weights})
    csnn.Connect(a, a, "one_to_one")
    with pytest.raises(csnn.errors.BadTypeError, match="set\\(\\): weight contains"):
        csnn.GetConnections(a, a).set(weight=weights)
    assert csnn.GetConnections(a, a).get("weight") == [1.0, 1.0]


def test_pulse_packets_beyond_memory_and_recorder_precision(kernel):
    """activity = 10**9 spikes was drawn at once and the process was killed for its memory;
    a recorder's precision of 2**40 raised ValueError from str.format at the first write."""
    with pytest.raises(csnn.errors.InsufficientMemoryError, match="activity = 1000000000 spikes in each of 1 packets"):
        csnn.Create("pulsepacket_generator", params={"activity": 10 ** 9, "pulse_times": [1.0]})
    with pytest.raises(csnn.errors.BadParameterError, match=r"precision = 1099511627776 .* \[0, 17\]"):
        csnn.Create("spike_recorder", params={"precision": 2 ** 40, "record_to": "ascii"})
    assert csnn.GetKernelStatus("network_size") == 0
