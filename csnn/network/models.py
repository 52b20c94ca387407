"""The model registry: every model's name, kind, parameters (defaults, units, docs) and aliases.

Neuron models come from their core modules (``csnn/_core/<model>.pyx``: the dtype derived from
the C struct, the parameter table, the recordables and the checks), one per entry of ``csnn/_core/model_list.py``; devices
from :mod:`csnn.devices`; synapse models are defined here.  ``CopyModel`` and ``SetDefaults``
act on a kernel's own registry, so ``ResetKernel`` restores the built-in defaults, as in NEST.
"""
import copy
import importlib
import numbers

import numpy as np

from .. import _core
from .._core import populations as _populations
from .._core import stdp as _stdp
from .._core.declarations import default_text
from .._core.model_list import MODELS as _CORE_MODELS
from ..errors import BadParameterError, BadTypeError, UnknownModelError, as_numbers, close_names, to_float

#: old names that still work, mapped to the current ones
ALIASES = {"spike_detector": "spike_recorder", "iaf_neuron": "iaf_psc_alpha"}

#: NEST's precise-timing models (``*_ps``) -> the csnn model each is: csnn's models are exact in
#: continuous time already, so these names are NEST 3's current names for them, listed in
#: ``node_models`` and reported as nodes' ``model`` as NEST does, each a built-in copy of the
#: csnn model with defaults of its own (as ``voltmeter`` is of ``multimeter``).  Their
#: parameters, defaults, units, state and receptors are NEST's model's, but for what
#: PRECISE_DIFFERENCES says (tests/test_nest_crosscheck.py compares them with NEST's).
PRECISE_NAMES = {"iaf_psc_delta_ps": "iaf_psc_delta", "iaf_psc_exp_ps": "iaf_psc_exp",
                 "iaf_psc_alpha_ps": "iaf_psc_alpha", "parrot_neuron_ps": "parrot_neuron"}
_NO_V_MIN = ("NEST's V_min (a lower bound of V, -inf by default) is not provided: V is unbounded below, "
             "as with NEST's default; setting it is refused")
_NO_IS_REFRACTORY = "NEST's read-only is_refractory is not reported"
#: where NEST's *_ps model differs from the csnn model its name stands for
PRECISE_DIFFERENCES = {
    "iaf_psc_delta_ps": (_NO_IS_REFRACTORY, "an input arriving exactly at the end of the refractory period, "
                         "t_spike + t_ref, is discarded (as by NEST's grid model) where NEST's iaf_psc_delta_ps "
                         "adds it: an instant that continuous input times never hit"),
    "iaf_psc_exp_ps": (_NO_V_MIN, _NO_IS_REFRACTORY, "I_syn_ex and I_syn_in are recordable too (NEST: V_m only)"),
    "iaf_psc_alpha_ps": (_NO_V_MIN, _NO_IS_REFRACTORY),
    "parrot_neuron_ps": (),
}

#: the core module of every neuron model, in model_list's order
NEURON_CORES = tuple(importlib.import_module(f"{_core.__name__}.{name}") for name, _, _ in _CORE_MODELS)

#: every recordable variable -> its global code: what the models' core modules declare
#: (RECORDABLES, from csnn/_core/events.pxd's enum Recordable)
RECORDABLE_CODES = {name: code for core in NEURON_CORES for name, code in core.RECORDABLES.items()}


class ParamSpec:
    """One parameter: default, unit, the constraint its values must meet, and a description.

    ``constraint`` is one of ``finite``, ``positive``, ``nonnegative``, ``notnan``, ``threshold``
    (finite, or +inf: NEST's way to keep a neuron from firing), ``bool``,
    ``count`` (integer >= 0), ``positive_count`` (integer >= 1), ``str``, ``times`` (array of
    finite numbers), ``strings`` (list of names), ``("ints", length, low, high)`` (a list of
    that many integers in [low, high]) or ``any``.  ``writable`` is False for read-only values.
    """

    __slots__ = ("name", "default", "unit", "constraint", "doc", "writable")

    def __init__(self, name, default, unit, constraint, doc, writable=True):
        self.name = name
        self.default = default
        self.unit = unit
        self.constraint = constraint
        self.doc = doc
        self.writable = writable

    @property
    def is_array(self):
        return self.constraint in ("times", "strings") or isinstance(self.constraint, tuple)

    def check(self, owner, value):
        """Return ``value`` converted for storage, or raise naming owner, parameter and value."""
        where = f"{owner} parameter {self.name!r}"
        c = self.constraint
        if c == "bool":
            if isinstance(value, (bool, np.bool_)) or (isinstance(value, numbers.Integral) and value in (0, 1)):
                return bool(value)
            raise BadTypeError(f"{where} = {value!r} is invalid: must be True or False")
        if c == "str":
            if isinstance(value, str):
                return value
            raise BadTypeError(f"{where} = {value!r} is invalid: must be a string")
        if c == "strings":
            if not isinstance(value, (list, tuple, np.ndarray)) or not all(isinstance(v, str) for v in value):
                raise BadTypeError(f"{where} = {value!r} is invalid: must be a list of names")
            return list(value)
        if c == "times":
            arr = as_numbers(value, where).ravel()
            if not np.all(np.isfinite(arr)):
                raise BadParameterError(f"{where} contains {arr[~np.isfinite(arr)][0]!r}: values must be finite")
            return arr
        if c == "any":
            return value
        if isinstance(c, tuple):
            _, length, low, high = c
            accepted = f"a list of {length} integers in [{low}, {high}]"
            arr = as_numbers(value, where).ravel()
            if arr.size != length or not np.all((arr >= low) & (arr <= high) & (arr == np.round(arr))):
                raise BadParameterError(f"{where} = {value!r} is invalid: must be {accepted}")
            return [int(v) for v in arr]
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
            raise BadTypeError(f"{where} = {value!r} is invalid: must be a number"
                               + (f" in {self.unit}" if self.unit else ""))
        value = to_float(value, where)
        if c in ("count", "positive_count"):
            low = 0 if c == "count" else 1
            if not (low <= value < 2 ** 63 and value.is_integer()):
                raise BadParameterError(f"{where} = {value!r} is invalid: must be an integer in [{low}, 2**63)")
            return int(value)
        ok = {"finite": np.isfinite(value), "positive": np.isfinite(value) and value > 0,
              "nonnegative": np.isfinite(value) and value >= 0, "notnan": not np.isnan(value),
              "threshold": np.isfinite(value) or value == np.inf}[c]
        if not ok:
            accepted = {"finite": "a finite number", "positive": "a finite number > 0",
                        "nonnegative": "a finite number >= 0", "notnan": "a number (not NaN)",
                        "threshold": "a finite number, or inf (the neuron never fires)"}[c]
            raise BadParameterError(f"{where} = {value!r} is invalid: must be {accepted}"
                                    + (f" ({self.unit})" if self.unit else ""))
        return value


    def check_array(self, owner, values):
        """Vectorised ``check`` of one value per node for numeric constraints; returns floats."""
        if self.constraint in ("bool", "str", "strings", "times", "any") or self.is_array:
            return [self.check(owner, v) for v in values]
        arr = as_numbers(values, f"{owner} parameter {self.name!r}")
        if arr.ndim != 1:
            raise BadTypeError(f"{owner} parameter {self.name!r}: give one number per node, got an array of shape "
                               f"{arr.shape}")
        ok = {"finite": lambda: np.isfinite(arr), "positive": lambda: np.isfinite(arr) & (arr > 0),
              "nonnegative": lambda: np.isfinite(arr) & (arr >= 0), "notnan": lambda: ~np.isnan(arr),
              "threshold": lambda: np.isfinite(arr) | (arr == np.inf),
              "count": lambda: (arr >= 0) & (arr < 2 ** 63) & (arr == np.round(arr)),
              "positive_count": lambda: (arr >= 1) & (arr < 2 ** 63) & (arr == np.round(arr))}[self.constraint]()
        if not ok.all():
            k = int(np.flatnonzero(~ok)[0])
            self.check(owner, float(arr[k]))  # raises with the standard message
        return arr


class Model:
    """A model of the registry: built-in or a copy made by ``CopyModel``."""

    def __init__(self, name, kind, specs, doc, base=None, core=None, device=None, rule=0, common=(), derived=None):
        self.name = name
        self.kind = kind                      # "neuron", "generator", "recorder" or "synapse"
        self.specs = {s.name: s for s in specs}
        self.defaults = {s.name: copy.deepcopy(s.default) for s in specs}
        self.doc = doc
        self.base = base or name              # the built-in model it derives from
        self.core = core                      # neurons: the core module
        self.device = device                  # devices: the device class
        self.rule = rule                      # synapse models: 0 static, else the plasticity rule
        self.common = tuple(common)           # _hom synapse models: parameters shared by all synapses
        self.derived = derived or {}          # read-only values computed from the defaults
        self.num_connections = 0              # synapse models

    def __getstate__(self):
        # a checkpoint (csnn.save) names the core module; loading imports it again
        state = dict(self.__dict__)
        if self.core is not None:
            state["core"] = self.core.__name__
        return state

    def __setstate__(self, state):
        if state["core"] is not None:
            state["core"] = importlib.import_module(state["core"])
        self.__dict__.update(state)

    @property
    def element_type(self):
        return {"neuron": "neuron", "generator": "stimulator", "recorder": "recorder",
                "synapse": "synapse"}[self.kind]

    @property
    def code(self):
        return _populations.MODEL_CODES[self.base]

    @property
    def recordables(self):
        return tuple(self.core.RECORDABLES) if self.core is not None else ()

    def writable(self):
        return [name for name, s in self.specs.items() if s.writable]

    def copy(self, new_name):
        twin = copy.copy(self)
        twin.name = new_name
        twin.defaults = copy.deepcopy(self.defaults)
        twin.num_connections = 0
        return twin


#: parameters every neuron has for the postsynaptic traces its plastic inputs read (NEST's
#: ArchivingNode); stored by the kernel, not in the model's struct
ARCHIVE_PARAMETERS = (
    ("tau_minus", 20.0, "ms", "positive", "Time constant of the postsynaptic trace read by STDP"),
    ("tau_minus_triplet", 110.0, "ms", "positive", "Time constant of the slow postsynaptic trace (triplet STDP)"),
)


def _neuron(core):
    specs = [ParamSpec(*row) for row in core.PARAMETERS + core.STATE + ARCHIVE_PARAMETERS]
    specs += [ParamSpec(name, default, unit, "any", doc, writable=False)
              for name, default, unit, doc in core.READ_ONLY]
    return Model(core.NAME, "neuron", specs, core.__doc__, core=core)


def _precise(model, name):
    """NEST's precise-timing name ``name`` for the csnn model ``model``: a built-in copy of it."""
    twin = model.copy(name)
    differences = PRECISE_DIFFERENCES[name]
    twin.doc = (f"{name}: NEST's name for the precise-timing {model.name}, which csnn's is already (exact in "
                f"continuous time).\n\nThe same model under NEST's name, with defaults of its own"
                + (". Differences from NEST's " + name + ": " + "; ".join(differences) if differences else "")
                + f".\n\n{model.doc}")
    return twin


SYNAPSE_DOC = """{name}: {summary}.

A spike emitted at ``t`` reaches the target at exactly ``t + delay`` with the synapse's weight
(in the target model's unit: mV for iaf_psc_delta, pA for current-based models).  Delays are
continuous, > 0.{details}
"""


def _synapse(name, summary, rule=0, parameters=(), state=(), common=(), derived=None):
    """A synapse model; ``state`` rows carry the plastic table column as a sixth entry."""
    specs = [ParamSpec("weight", 1.0, "", "finite", "Synaptic weight (unit of the target's input)"),
             ParamSpec("delay", 1.0, "ms", "positive", "Synaptic delay"),
             ParamSpec("receptor_type", 0, "", "count", "Receptor port of the target")]
    if rule:
        specs.append(ParamSpec("weight_recorder", None, "", "any",
                               "A weight_recorder that records every transmission with its weight"))
    # a common parameter replaces the per-synapse one of that name (static_synapse_hom_w's weight)
    specs = [spec for spec in specs if spec.name not in [row[0] for row in common]]
    specs += [ParamSpec(*row[:5]) for row in list(parameters) + list(common) + list(state)]
    specs += [ParamSpec(key, None, "", "any", "Derived from the other parameters", writable=False)
              for key in (derived or {})]
    details = ("  The weight changes online, by the rule documented in csnn/_core/stdp.pyx, at each "
               "presynaptic spike, when the spike is sent (at the end of the min-delay window it was "
               "emitted in, as NEST updates a synapse when it sends): the spike transmits the new "
               "weight, and the weight read afterwards includes it." if rule else "")
    if common:
        details += ("  The parameters " + ", ".join(f"``{row[0]}``" for row in common) + " are common to "
                    "all synapses of the model: set them with SetDefaults or CopyModel.")
    return Model(name, "synapse", specs, SYNAPSE_DOC.format(name=name, summary=summary, details=details),
                 rule=rule, common=[row[0] for row in common], derived=derived)


class Registry:
    """The models of one kernel, with their current defaults."""

    def __init__(self):
        from .. import devices
        self.models = {}
        for core in NEURON_CORES:
            self._add(_neuron(core))
        for name, base in PRECISE_NAMES.items():
            self._add(_precise(self.models[base], name))
        for device in devices.DEVICES:
            specs = [ParamSpec(*row) for row in device.PARAMETERS]
            specs += [ParamSpec(name, default, unit, "any", doc, writable=False)
                      for name, default, unit, doc in device.READ_ONLY]
            self._add(Model(device.NAME, device.KIND, specs, device.__doc__, device=device))
        voltmeter = self.models["multimeter"].copy("voltmeter")
        voltmeter.base = "multimeter"
        voltmeter.defaults["record_from"] = ["V_m"]
        self._add(voltmeter)
        self._add(_synapse("static_synapse", "a synapse with a fixed weight and delay"))
        self._add(_synapse("static_synapse_hom_w", "a synapse with a fixed delay and a weight common to all "
                           "its synapses", common=[("weight", 1.0, "", "finite", "Weight of every synapse of the "
                                                   "model (unit of the target's input)")]))
        for name, spec in _stdp.SYNAPSE_MODELS.items():
            self._add(_synapse(name, spec["summary"], spec["rule"], spec["parameters"], spec["state"],
                               spec.get("common", ()), spec.get("derived")))

    def _add(self, model):
        self.models[model.name] = model

    def model_id(self, name):
        """The number of model ``name`` in the registry: built-in models in a fixed order, copies
        after them in the order CopyModel made them (NEST's ``model_id``)."""
        return list(self.models).index(name)

    def names(self, kind=None):
        return sorted(name for name, m in self.models.items()
                      if kind is None or (m.kind == "synapse") == (kind == "synapse"))

    def get(self, name, what="model", kind=None):
        """The model called ``name`` (aliases accepted), or an error suggesting close names.

        ``kind``: "synapse" or "nodes" restricts the names suggested and listed.
        """
        if isinstance(name, Model):
            return name
        if not isinstance(name, str):
            raise BadTypeError(f"{what} must be a model name (str), got {name!r} of type {type(name).__name__}")
        name = ALIASES.get(name, name)
        try:
            return self.models[name]
        except KeyError:
            if name.startswith("music_"):
                raise UnknownModelError(f"{what} {name!r} is one of NEST's MUSIC proxies, which csnn does not offer: "
                                        "csnn has no MUSIC interface to exchange spikes or data with other "
                                        "applications (README, Limitations)") from None
            choices = self.names(kind)
            aliases = [a for a in ALIASES if kind != "synapse"]
            raise UnknownModelError(
                f"unknown {what} {name!r}.{close_names(name, choices + aliases)} "
                f"Available: {', '.join(choices)}.") from None

    def copy_model(self, old, new, params=None):
        base = self.get(old, "model to copy")
        if not isinstance(new, str) or not new:
            raise BadTypeError(f"CopyModel: new model name must be a non-empty string, got {new!r}")
        if new in self.models or new in ALIASES:
            raise BadParameterError(f"CopyModel: a model called {new!r} already exists; choose another name")
        twin = base.copy(new)
        self._add(twin)
        if params is not None:
            try:
                self.set_defaults(twin, params)
            except Exception:
                del self.models[new]
                raise
        return twin

    def set_defaults(self, model, params):
        model = self.get(model)
        if not isinstance(params, dict):
            raise BadTypeError(f"the defaults of {model.name}: params = {params!r} is invalid: give a dict of "
                               "parameter values")
        checked = {}
        for key, value in params.items():
            spec = model.specs.get(key)
            if spec is None:
                raise unknown_parameter(model, key)
            if not spec.writable:
                raise BadParameterError(f"{model.name} parameter {key!r} is read-only")
            checked[key] = spec.check(model.name, value)
        trial = dict(model.defaults, **checked)
        if model.core is not None:
            check_neurons(model, {k: np.asarray([v]) for k, v in trial.items()})
        if model.device is not None:
            model.device.check_defaults(model.name, trial)
        if model.rule:
            check_plastic_weights(model.name, model.rule, trial["weight"], trial["Wmax"])
        model.defaults.update(checked)


def check_neurons(model, values):
    """Raise BadParameterError when the core model rejects a parameter combination."""
    problem = model.core.check(values)
    if problem is not None:
        raise BadParameterError(problem)


def check_plastic_weights(owner, rule, weight, wmax):
    """NEST's rule for plastic synapses: weight and Wmax have the same sign; a weight of 0 goes
    with either sign (depression ends there, NEST would refuse to set it back with Wmax < 0).
    The 4-bit weights of stdp_facetshw_synapse_hom lie in [0, Wmax]."""
    weight = np.atleast_1d(np.asarray(weight, dtype=float))
    wmax = np.broadcast_to(np.asarray(wmax, dtype=float), weight.shape)
    discrete = np.isin(np.broadcast_to(rule, weight.shape), _stdp.DISCRETE_WEIGHT_RULES)
    bad = np.flatnonzero(np.where(discrete, (weight < 0) | (weight > wmax),
                                  np.sign(weight) * np.sign(wmax) < 0))
    if bad.size:
        k = bad[0]
        accepted = ("lie in [0, Wmax] (its 16 values are multiples of Wmax / 15)" if discrete[k]
                    else "have the same sign as Wmax")
        raise BadParameterError(f"{owner}: weight = {float(weight[k])!r} with Wmax = {float(wmax[k])!r} is "
                                f"invalid: the weight must {accepted}")


def unknown_parameter(model, key):
    from ..errors import unknown_name
    return unknown_name(f"parameter of {model.name}", key, model.specs)


def model_table(registry=None, markup="markdown"):
    """Table of every model: kind, summary, aliases and parameters, in ``markup``: "markdown"
    (docs/guide.md's) or "rst" (a list-table, for the Sphinx documentation)."""
    if markup not in ("markdown", "rst"):
        raise ValueError(f"model_table: markup = {markup!r} is invalid; accepted: 'markdown', 'rst'")
    code = (lambda text: f"`{text}`") if markup == "markdown" else (lambda text: f"``{text}``")
    registry = registry or Registry()
    rows = [("model", "kind", "what it is", "parameters (default, unit)")]
    for name in registry.names():
        m = registry.models[name]
        summary = (m.doc or "").strip().splitlines()[0].split(":", 1)[-1].strip()
        aliases = [a for a, target in ALIASES.items() if target == name]
        if aliases:
            summary += f" (alias: {', '.join(code(a) for a in aliases)})"
        params = ", ".join(
            f"{code(s.name)} ({default_text(m.defaults[s.name])}{', ' + s.unit if s.unit else ''})"
            for s in m.specs.values() if s.writable)
        rows.append((code(name), m.kind, summary, params or "(none)"))
    if markup == "markdown":
        lines = [f"| {' | '.join(rows[0])} |", "|---|---|---|---|"]
        return "\n".join(lines + [f"| {' | '.join(row)} |" for row in rows[1:]])
    lines = [".. list-table::", "   :header-rows: 1", ""]
    for row in rows:
        lines += [f"   * - {row[0]}"] + [f"     - {cell}" for cell in row[1:]]
    return "\n".join(lines)

