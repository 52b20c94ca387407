"""The Python side of a simulation: nodes, models, connections, status and ``Simulate``.

One :class:`Kernel` exists at a time (``ResetKernel`` replaces it).  It validates every input,
keeps each neuron model's parameters and state in a numpy structured array whose layout is the
model's C struct, and hands the core (:class:`csnn._core.engine.Engine`) flat typed arrays.
"""
import collections
import functools
import numbers
import os
import warnings

import numpy as np

from . import connect as cconnect
from . import expressions as cexpr
from . import memory as cmemory
from . import progress as cprogress
from . import random as crandom
from . import spatial as cspatial
from ._core import rng as crng
from ._core.engine import Engine, MAX_WINDOW, OPENMP
from ._core.stimulation import STREAM_DTYPE
from .devices import Generator, Multimeter, Recorder, WeightRecorder
from .errors import (BadParameterError, BadTypeError, CSNNWarning, IllegalConnectionError,
                     KernelStateError, UnknownNodeError, as_numbers, shown, to_float, unknown_name)
from ._core import stdp as cstdp
from .models import (ARCHIVE_PARAMETERS, RECORDABLE_CODES, Registry, check_neurons, check_plastic_weights,
                     unknown_parameter)

_ARCHIVE_KEYS = tuple(row[0] for row in ARCHIVE_PARAMETERS)
from .nodes import NodeCollection, SynapseCollection, as_ids

NEURON, GENERATOR, SPIKE_RECORDER, METER, WEIGHT_RECORDER = 0, 1, 2, 3, 4
_KIND_NAMES = {NEURON: "neurons", GENERATOR: "stimulation devices", SPIKE_RECORDER: "spike recorders",
               METER: "multimeters", WEIGHT_RECORDER: "weight recorders"}

#: threads a kernel runs (each has its own spike and event buffers): more than machines have cores
MAX_THREADS = 1024
#: nodes a kernel holds: the engine's node ids are int32 (csnn/_core/engine.pyx)
MAX_NODES = 2 ** 31 - 1
#: node keys every node reports, read-only
_NODE_KEYS = ("model", "global_id", "element_type", "local", "thread", "vp")

#: kernel status: key -> (default, writable, description)
_KERNEL_KEYS = {
    "biological_time": (0.0, False, "Simulated time (ms)"),
    "time": (0.0, False, "NEST 2 name of biological_time (ms)"),
    "rng_seed": (143202461, True, "Seed of every random number drawn"),
    "resolution": (0.1, True, "Step of poisson_generator's grid and of the times that coincide exactly; "
                              "recorder intervals must be multiples of it (ms)"),
    "local_num_threads": (1, True, "Threads that process neurons in parallel"),
    "total_num_virtual_procs": (1, True, "Same as local_num_threads (one process)"),
    "print_time": (False, True, "Print the progress of Simulate (NEST's switch: forces progress_bar on)"),
    "progress_bar": ("auto", True, "When Simulate shows its progress: 'auto' (on a terminal, once a run "
                                   "has taken 2 s), True or False (csnn/progress.py)"),
    "overwrite_files": (False, True, "Let recorders overwrite existing files"),
    "data_path": ("", True, "Directory of files written by recorders"),
    "data_prefix": ("", True, "Prefix of files written by recorders"),
    "dict_miss_is_error": (True, True, "Accepted for NEST compatibility; unknown keys are always errors"),
    "min_delay": (None, False, "Smallest synaptic delay (ms)"),
    "max_delay": (None, False, "Largest synaptic delay (ms)"),
    "num_connections": (0, False, "Number of connections"),
    "network_size": (0, False, "Number of nodes"),
    "node_models": ((), False, "Names of node models"),
    "synapse_models": ((), False, "Names of synapse models"),
    "connection_rules": (tuple(cconnect.RULES), False, "Connection rules"),
    "num_processes": (1, False, "MPI processes (always 1)"),
    "off_grid_spiking": (True, False, "Spike times are continuous"),
    "local_spike_counter": (0, False, "Spikes emitted so far"),
    "version": (None, False, "csnn version"),
    "threads_model": (None, False, "'openmp' when built with OpenMP, else 'none'"),
}

_current = None


def current():
    """The present kernel (created on first use)."""
    global _current
    if _current is None:
        _current = Kernel()
    return _current


def reset():
    """Discard the kernel and start a fresh one (``ResetKernel``)."""
    return install(Kernel())


def status_keys(keys, what):
    """The ``keys`` of a status query (None, a name, or a list or tuple of names) as None or a
    list of names."""
    if keys is None:
        return None
    names = [keys] if isinstance(keys, str) else list(keys) if isinstance(keys, (list, tuple)) else None
    if names is None or not all(isinstance(name, str) for name in names):
        raise BadTypeError(f"{what}: keys = {keys!r} is invalid; give a parameter name or a list of names")
    return names


def install(kernel):
    """Make ``kernel`` the present kernel (a fresh one, or one loaded from a checkpoint),
    closing the files of the one it replaces."""
    global _current
    old, _current = _current, kernel
    if old is not None:
        old.close_files()
    return _current


class Population:
    """All neurons of one built-in neuron model: rows of the model's C struct."""

    def __init__(self, model):
        self.dtype = model.core.DTYPE
        self.model = model
        self.data = np.zeros(16, dtype=self.dtype)
        self.nidx = np.zeros(16, dtype=np.int32)
        self.n = 0

    def grow(self, count):
        """Append ``count`` rows; returns their row numbers."""
        need = self.n + count
        if need > self.data.shape[0]:
            cap = max(need, 2 * self.data.shape[0])
            data = np.zeros(cap, dtype=self.dtype)
            data[:self.n] = self.data[:self.n]
            nidx = np.zeros(cap, dtype=np.int32)
            nidx[:self.n] = self.nidx[:self.n]
            self.data, self.nidx = data, nidx
        rows = np.arange(self.n, need)
        self.n = need
        return rows

    def bound(self):
        return self.model.code, self.data[:self.n], self.nidx[:self.n]


class Kernel:
    """Nodes, models, connections and the clock of one simulation."""

    def __init__(self):
        from ._version import __version__
        self.engine = Engine()
        self.models = Registry()
        self.status = {k: v[0] for k, v in _KERNEL_KEYS.items() if v[1]}
        self.engine.set_resolution(self.status["resolution"])
        self.version = __version__
        self.node_model = []                          # Model of node gid - 1
        self.node_kind = np.zeros(0, dtype=np.int8)
        self.node_row = np.zeros(0, dtype=np.int64)   # neurons: row in their population
        self.neuron_gid = np.zeros(0, dtype=np.int64)  # engine index -> gid
        self.node_nidx = np.zeros(0, dtype=np.int64)  # gid - 1 -> engine index (-1 for devices)
        self.populations = {}
        self.devices = {}
        self.positions = {}
        self.n_generators = 0
        self.syn_model_names = []                     # synapse model id -> name
        self.stream_model = np.zeros(0, dtype=np.int64)
        self.attachments = {"source": [], "target": [], "model": [], "weight": [], "delay": []}
        self.archive = {key: np.zeros(0) for key in _ARCHIVE_KEYS}   # by engine index
        self.stdp_sets = {}                           # parameter-set key -> index
        self.readout_models = []                      # models with a readout log in the engine
        self.attached_meters = set()
        self.prepared = False
        self.started = False
        self.reseed()

    # -- helpers ------------------------------------------------------------------------------

    def reseed(self):
        seed = self.status["rng_seed"]
        self.rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(seed, spawn_key=(crng.PURPOSE_CONNECT,))))

    def check_not_prepared(self, what):
        """The network and the synapse parameters are fixed between Prepare and Cleanup (the
        engine was given them at Prepare), as in NEST."""
        if self.prepared:
            raise KernelStateError(f"{what}: the network cannot change between Prepare and Cleanup; call "
                                   "Cleanup first")

    def engine_generator_index(self):
        self.n_generators += 1
        return self.n_generators - 1

    def check_ids(self, ids, what="nodes"):
        n = len(self.node_model)
        bad = (ids < 1) | (ids > n)
        if bad.any():
            raise UnknownNodeError(f"{what}: node id {int(ids[bad][0])} does not exist; ids run from 1 "
                                   f"to {n}" if n else f"{what}: node id {int(ids[bad][0])} does not exist; "
                                   "no nodes have been created")

    def models_of(self, ids):
        return [self.node_model[i - 1] for i in ids.tolist()]

    def synapse_model_id(self, name):
        if name not in self.syn_model_names:
            self.syn_model_names.append(name)
        return self.syn_model_names.index(name)

    # -- nodes --------------------------------------------------------------------------------

    def create(self, model_name, n=1, params=None, positions=None):
        self.check_not_prepared("Create")
        model = self.models.get(model_name, "model", "nodes")
        if model.kind == "synapse":
            raise BadParameterError(f"Create: {model.name!r} is a synapse model; nodes are created from "
                                    f"node models: {', '.join(self.models.names('nodes'))}")
        if isinstance(n, bool) or not isinstance(n, (numbers.Integral, np.integer)) or n < 1:
            raise BadParameterError(f"Create: n = {shown(n)} is invalid: must be an integer >= 1")
        n = int(n)
        if isinstance(positions, cspatial.Layout):
            n = positions.number_of_nodes(n)
        self._check_room(model, n)
        if positions is not None:
            positions = self._positions(positions, n)
        first = len(self.node_model) + 1
        gids = np.arange(first, first + n, dtype=np.int64)
        per_node = self._expand(model, n, params, "Create params", defaults=True)
        if model.kind == "neuron":
            self._create_neurons(model, gids, per_node)
        else:
            self._check_new_devices(model, n, per_node)
            kind = {"generator": GENERATOR, "spike_recorder": SPIKE_RECORDER, "multimeter": METER,
                    "weight_recorder": WEIGHT_RECORDER}[model.kind if model.kind == "generator" else model.base]
            # devices are built (and may still fail) before any of them is registered
            devices = [model.device(self, gid, model, {key: column[k] for key, column in per_node.items()})
                       for k, gid in enumerate(gids.tolist())]
            self._register(model, gids, kind, -1)
            self.devices.update(zip(gids.tolist(), devices))
        if positions is not None:
            self.positions.update(zip(gids.tolist(), positions))
        return NodeCollection._from_ids(self, gids)

    def _check_room(self, model, n):
        """Refuse to create ``n`` nodes of ``model`` beyond the engine's int32 ids or the memory
        available."""
        exist = len(self.node_model)
        if n > MAX_NODES - exist:
            raise BadParameterError(f"Create: n = {shown(n)} is invalid: a kernel holds at most {MAX_NODES} "
                                    f"nodes ({exist} exist)")
        # a neuron: its struct row (twice while the population array grows), one trial column
        # per parameter and its rows in the node tables; a device: a Python object with a
        # parameter dict (about 1.4 kB measured with tracemalloc for a multimeter)
        each = 2 * model.core.DTYPE.itemsize + 8 * len(model.specs) + 64 if model.kind == "neuron" else 2048
        cmemory.require(n * each, f"Create: {n} {model.name} nodes", f"({each} bytes each)", "create fewer nodes")

    def _register(self, model, gids, kind, rows):
        self.node_model.extend([model] * gids.size)
        self.node_kind = np.concatenate([self.node_kind, np.full(gids.size, kind, dtype=np.int8)])
        self.node_row = np.concatenate([self.node_row, np.broadcast_to(rows, gids.shape).astype(np.int64)])

    def _check_new_devices(self, model, n, per_node):
        owner = f"{model.name}"
        for k in range(n):
            trial = dict(model.defaults, **{key: column[k] for key, column in per_node.items()})
            model.device.check_defaults(owner, trial)
            if issubclass(model.device, Multimeter):
                unknown = [v for v in trial["record_from"] if v not in RECORDABLE_CODES]
                if unknown:
                    raise BadParameterError(f"{owner}: record_from contains {unknown[0]!r}; recordable "
                                            f"variables: {sorted(RECORDABLE_CODES)}")

    def _create_neurons(self, model, gids, per_node):
        pop = self.populations.get(model.base)
        if pop is None:
            pop = self.populations[model.base] = Population(self.models.get(model.base))
        n = gids.size
        trial = {key: np.full(n, _store(model.defaults[key])) for key in model.defaults
                 if model.specs[key].writable}
        for key, column in per_node.items():
            trial[key] = np.asarray([_store(v) for v in column] if isinstance(column, list) else column, dtype=float)
        check_neurons(model, trial)
        for key in _ARCHIVE_KEYS:
            self.archive[key] = np.concatenate([self.archive[key], trial.pop(key)])
        rows = pop.grow(n)
        for key, column in trial.items():
            pop.data[key][rows] = column
        for key, spec in model.specs.items():
            if not spec.writable:
                pop.data[key][rows] = spec.default
        for key, value in getattr(model.core, "FIXED", {}).items():
            pop.data[key][rows] = value
        _write_derived(model, pop, rows, trial)
        nidx = np.arange(self.engine.n_neurons, self.engine.n_neurons + n, dtype=np.int32)
        self.engine.add_neurons(gids.astype(np.int32))
        pop.nidx[rows] = nidx
        self.engine.rows(model.code, pop.data, rows.astype(np.int64), "initialize")
        self._register(model, gids, NEURON, rows)
        self.neuron_gid = np.concatenate([self.neuron_gid, gids])
        node_nidx = np.full(gids[-1], -1, dtype=np.int64)
        node_nidx[:self.node_nidx.size] = self.node_nidx
        node_nidx[gids - 1] = nidx
        self.node_nidx = node_nidx

    def _positions(self, positions, n):
        """Create's ``positions`` (an array of n positions, or a csnn.spatial layout of n
        nodes) -> array of shape (n, 2 or 3)."""
        if isinstance(positions, cspatial.Layout):
            return positions.coordinates(n, self.rng)
        coordinates = cspatial.as_coordinates(positions, "Create: positions")
        if len(coordinates) != n:
            raise BadParameterError(f"Create: positions must be an array of shape ({n}, 2) or ({n}, 3), got "
                                    f"shape {coordinates.shape}")
        return coordinates

    def position_array(self, ids):
        """Positions of nodes ``ids``: an array of shape (len(ids), 3), NaN where a node has no
        position (or no z)."""
        out = np.full((ids.size, 3), np.nan)
        for row, gid in enumerate(ids.tolist()):
            position = self.positions.get(gid)
            if position is not None:
                out[row, :position.size] = position
        return out

    def _expand(self, model, n, params, what, defaults=False):
        """Validate ``params`` for ``n`` nodes of ``model`` -> {key: per-node values}.

        Accepts one dict (numbers apply to all nodes; lists/arrays of length n and random
        parameters give one value per node), or a list of n dicts.
        """
        if params is None:
            return {}
        if isinstance(params, (list, tuple)):
            if len(params) == 1 and n > 1:
                params = list(params) * n
            if len(params) != n or not all(isinstance(p, dict) for p in params):
                raise BadParameterError(f"{what}: a list of parameter dicts needs one dict per node "
                                        f"({n}), got {len(params)} entries")
            keys = sorted(set().union(*(p.keys() for p in params)))
            missing = [k for k in keys if any(k not in p for p in params)]
            if missing:
                raise BadParameterError(f"{what}: every dict of the list must set the same keys; "
                                        f"{missing[0]!r} is missing in some")
            params = {k: [p[k] for p in params] for k in keys}
        if not isinstance(params, dict):
            raise BadTypeError(f"{what} must be a dict or a list of dicts, got {params!r}")
        if model.kind == "recorder":
            params = Recorder.translate_legacy(model.name, params)
        out = {}
        for key, value in params.items():
            spec = model.specs.get(key)
            if spec is None:
                if key in _NODE_KEYS or key == "recordables":
                    raise BadParameterError(f"{what}: {key!r} of {model.name} is read-only")
                raise unknown_parameter(model, key)
            if not spec.writable and not (key == "n_events"):
                raise BadParameterError(f"{what}: {key!r} of {model.name} is read-only")
            out[key] = self._per_node_values(model, spec, value, n, what)
        return out

    def _per_node_values(self, model, spec, value, n, what):
        owner = model.name
        if isinstance(value, crandom.Parameter):
            return spec.check_array(owner, value.sample(self.rng, n))
        if isinstance(value, dict) and "distribution" in value:
            return spec.check_array(owner, crandom.from_spec(value, f"{what}[{spec.name!r}]").sample(self.rng, n))
        per_node = isinstance(value, (list, tuple, np.ndarray)) and not spec.is_array
        if spec.is_array and isinstance(value, (list, tuple)) and len(value) == n and n > 1 and all(
                isinstance(v, (list, tuple, np.ndarray)) for v in value):
            per_node = True   # one array per node
        if per_node:
            if len(value) != n:
                raise BadParameterError(f"{what}[{spec.name!r}] has {len(value)} values for {n} nodes; "
                                        "give one value or one per node")
            return spec.check_array(owner, value) if not spec.is_array else [spec.check(owner, v) for v in value]
        checked = spec.check(owner, value)
        return [checked] * n if not isinstance(checked, (float, int)) or isinstance(checked, bool) else np.full(n, checked)

    # -- status -------------------------------------------------------------------------------

    def node_status(self, gid):
        """Every parameter of node ``gid`` (a dict)."""
        model = self.node_model[gid - 1]
        base = {"model": model.name, "global_id": gid, "element_type": model.element_type,
                "local": True, "thread": 0, "vp": 0}
        if model.kind == "neuron":
            d = {key: self.column([gid], key)[0] for key in model.specs}
            d["recordables"] = list(model.recordables)
        else:
            d = self.devices[gid].status()
        d.update(base)
        return d

    def column(self, ids, key):
        """Values of ``key`` for nodes ``ids`` (list, one per node)."""
        ids = np.asarray(ids, dtype=np.int64)
        out = [None] * ids.size
        models = self.models_of(ids)
        for model in {m.name: m for m in models}.values():
            where = np.flatnonzero([m is model for m in models])
            gids = ids[where]
            if key in _NODE_KEYS or key == "recordables":
                values = [self.node_status_key(model, g, key) for g in gids.tolist()]
            elif model.kind == "neuron":
                values = self._neuron_column(model, gids, key)
            elif key in model.specs or key in ("events", "n_events"):
                values = [self.devices[g].status()[key] for g in gids.tolist()]
            else:
                raise unknown_parameter(model, key)
            for k, v in zip(where.tolist(), values):
                out[k] = v
        return out

    def node_status_key(self, model, gid, key):
        return {"model": model.name, "global_id": gid, "element_type": model.element_type, "local": True,
                "thread": 0, "vp": 0, "recordables": list(model.recordables)}[key]

    def _neuron_column(self, model, gids, key):
        spec = model.specs.get(key)
        if spec is None:
            raise unknown_parameter(model, key)
        pop = self.populations[model.base]
        rows = self.node_row[gids - 1]
        if key in RECORDABLE_CODES and key in model.recordables:
            values = self.engine.rows(model.code, pop.data, rows, "values", RECORDABLE_CODES[key])
        elif key in _ARCHIVE_KEYS:
            values = self.archive[key][self.node_nidx[gids - 1]]
        else:
            values = pop.data[key][rows]
        if spec.constraint == "bool":
            return [bool(v) for v in values]
        return [float(v) for v in values]

    def get_status(self, ids, keys=None):
        """A list of dicts, one per node, with ``keys`` (all parameters when None)."""
        if keys is None:
            return [self.node_status(g) for g in ids.tolist()]
        columns = {k: self.column(ids, k) for k in keys}
        return [{k: columns[k][i] for k in keys} for i in range(ids.size)]

    def set_status(self, ids, params):
        """Set parameters of nodes ``ids`` (dict, per-node values, or list of dicts).  Every
        change is checked before any is made: a call that fails changes nothing."""
        if isinstance(params, (list, tuple)) and len(params) == 1:
            params = params[0]
        if isinstance(params, (list, tuple)):
            if len(params) != ids.size:
                raise BadParameterError(f"SetStatus: a list of {len(params)} dicts for {ids.size} nodes; "
                                        "give one dict, or one per node")
            changes = [change for gid, p in zip(ids.tolist(), params) for change in self._changes(np.array([gid]), p)]
        else:
            changes = self._changes(ids, params)
        for apply in changes:
            apply()

    def _changes(self, ids, params):
        """Check setting ``params`` (a dict) on nodes ``ids`` -> the functions that make the
        changes, one per model (none of them fails)."""
        if not isinstance(params, dict):
            raise BadTypeError(f"SetStatus: params must be a dict or a list of dicts, got {params!r}")
        models = self.models_of(ids)
        changes = []
        for model in {m.name: m for m in models}.values():
            where = np.flatnonzero([m is model for m in models])
            sub = {k: ([v[i] for i in where.tolist()] if _is_per_node(model, k, v, ids.size) else v)
                   for k, v in params.items()}
            values = self._expand(model, where.size, sub, "SetStatus")
            if not values:
                continue
            if model.kind == "neuron":
                changes.append(self._neuron_changes(model, ids[where], values))
            else:
                devices = [(self.devices[gid], {key: column[k] for key, column in values.items()})
                           for k, gid in enumerate(ids[where].tolist())]
                for device, change in devices:
                    device.validate(change)
                changes.append(functools.partial(_set_devices, devices))
        return changes

    def _neuron_changes(self, model, gids, values):
        """Check new ``values`` of neurons ``gids`` -> the function that sets them."""
        archive = {key: np.asarray(values.pop(key), dtype=float) for key in _ARCHIVE_KEYS if key in values}
        nidx = self.node_nidx[gids - 1]
        pop = self.populations[model.base]
        rows = self.node_row[gids - 1]
        trial = None
        if values:
            trial = {key: pop.data[key][rows].copy() for key, s in model.specs.items()
                     if s.writable and key not in _ARCHIVE_KEYS}
            for key, column in values.items():
                trial[key] = np.asarray([_store(v) for v in column] if isinstance(column, list) else column,
                                        dtype=float)
            if "V_m" in trial and "V_m" not in values:
                trial["V_m"] = np.asarray(self.engine.rows(model.code, pop.data, rows, "values",
                                                           RECORDABLE_CODES["V_m"]))
            check_neurons(model, trial)

        def apply():
            for key, column in archive.items():
                self.archive[key][nidx] = column
            if archive:
                self.engine.set_archive_parameters(self.archive["tau_minus"], self.archive["tau_minus_triplet"])
            if trial is not None:
                self.engine.rows(model.code, pop.data, rows, "commit")
                for key in values:
                    pop.data[key][rows] = trial[key]
                _write_derived(model, pop, rows, trial)
                self.engine.rows(model.code, pop.data, rows, "refresh")
        return apply

    # -- kernel status ------------------------------------------------------------------------

    def kernel_status(self, keys=None):
        d = dict(self.status)
        d.update({
            "biological_time": self.engine.t_now, "time": self.engine.t_now,
            "min_delay": self.engine.min_delay if np.isfinite(self.engine.min_delay) else self.status["resolution"],
            "max_delay": self.engine.max_delay if self.engine.max_delay > 0 else self.status["resolution"],
            "num_connections": self.num_connections(), "network_size": len(self.node_model),
            "node_models": tuple(self.models.names("nodes")),
            "synapse_models": tuple(self.models.names("synapse")),
            "connection_rules": tuple(cconnect.RULES), "num_processes": 1, "off_grid_spiking": True,
            "local_spike_counter": self.engine.n_spikes, "version": self.version,
            "threads_model": "openmp" if OPENMP else "none",
            "total_num_virtual_procs": self.status["local_num_threads"],
        })
        if keys is None:
            return d
        if isinstance(keys, str):
            if keys not in d:
                raise unknown_name("kernel status key", keys, d)
            return d[keys]
        keys = status_keys(keys, "GetKernelStatus")
        for k in keys:
            if k not in d:
                raise unknown_name("kernel status key", k, d)
        return [d[k] for k in keys]

    def set_kernel_status(self, params):
        if not isinstance(params, dict):
            raise BadTypeError(f"SetKernelStatus: params must be a dict, got {params!r}")
        checked = {}
        for key, value in params.items():
            if key not in _KERNEL_KEYS:
                raise unknown_name("kernel status key", key, [k for k, v in _KERNEL_KEYS.items() if v[1]])
            if not _KERNEL_KEYS[key][1]:
                raise BadParameterError(f"SetKernelStatus: {key!r} is read-only")
            checked[key] = self._check_kernel_value(key, value)
        if "resolution" in checked and checked["resolution"] != self.status["resolution"] and self.node_model:
            raise KernelStateError("SetKernelStatus: the resolution cannot change after nodes have been "
                                   "created (as in NEST); set it right after ResetKernel")
        if "total_num_virtual_procs" in checked:
            checked.setdefault("local_num_threads", checked.pop("total_num_virtual_procs"))
        self.status.update(checked)
        if "resolution" in checked:
            self.engine.set_resolution(checked["resolution"])
        if "local_num_threads" in checked:
            if checked["local_num_threads"] > 1 and not OPENMP:
                warnings.warn("csnn was built without OpenMP: neurons are processed on one thread "
                              f"whatever local_num_threads ({checked['local_num_threads']}) says",
                              CSNNWarning, stacklevel=3)
            self.engine.set_threads(checked["local_num_threads"])
        if "rng_seed" in checked:
            self.reseed()

    def _check_kernel_value(self, key, value):
        if key in ("rng_seed", "local_num_threads", "total_num_virtual_procs"):
            low, high, accepted = ((0, 2 ** 32 - 1, "[0, 2**32)") if key == "rng_seed" else
                                   (1, MAX_THREADS, f"[1, {MAX_THREADS}]"))
            if isinstance(value, bool) or not isinstance(value, (numbers.Integral, np.integer)) \
                    or not low <= value <= high:
                raise BadParameterError(f"SetKernelStatus: {key} = {shown(value)} is invalid: must be an integer "
                                        f"in {accepted}")
            return int(value)
        if key == "resolution":
            if isinstance(value, bool) or not isinstance(value, numbers.Real) or \
                    not np.isfinite(to_float(value, "SetKernelStatus: resolution")) or value <= 0:
                raise BadParameterError(f"SetKernelStatus: resolution = {value!r} is invalid: must be a finite number > 0 (ms)")
            return float(value)
        if key == "progress_bar":
            if not any(value is mode or (isinstance(value, str) and value == mode) for mode in cprogress.MODES):
                raise BadParameterError(f"SetKernelStatus: progress_bar = {value!r} is invalid; accepted: "
                                        f"{', '.join(map(repr, cprogress.MODES))}")
            return value
        if key in ("print_time", "overwrite_files", "dict_miss_is_error"):
            if not isinstance(value, (bool, np.bool_)):
                raise BadTypeError(f"SetKernelStatus: {key} = {value!r} is invalid: must be True or False")
            return bool(value)
        if not isinstance(value, str):
            raise BadTypeError(f"SetKernelStatus: {key} = {value!r} is invalid: must be a string")
        if key == "data_path" and value and not os.path.isdir(value):
            # as in NEST: recorders write there, so it is checked now rather than at the first write
            raise BadParameterError(f"SetKernelStatus: data_path = {value!r} is invalid: it is not an existing "
                                    "directory ('' is the working directory)")
        return value

    # -- connections --------------------------------------------------------------------------

    def num_connections(self):
        return self.engine.num_synapses + int(self.stream_model.size) + sum(a.size for a in self.attachments["source"])

    def connect(self, pre, post, conn_spec=None, syn_spec=None, return_synapsecollection=False):
        self.check_not_prepared("Connect")
        pre_ids = as_ids(pre, "pre")
        post_ids = as_ids(post, "post")
        if pre_ids.size == 0 or post_ids.size == 0:
            raise IllegalConnectionError(f"Connect: {'pre' if pre_ids.size == 0 else 'post'} is empty")
        spec = cconnect.parse_conn_spec(conn_spec)
        syn_model, syn_params, common = self._parse_syn_spec(syn_spec)
        pre_kind = self._single_kind(pre_ids, "pre")
        post_kind = self._single_kind(post_ids, "post")
        self._check_direction(pre_ids, pre_kind, post_ids, post_kind)
        # memory: checked before drawing when the rule tells the number, else as the pairs are
        # drawn (the expression rule draws in blocks of bounded size)
        kind = "plastic" if syn_model.rule else "static"
        expected = cconnect.expected_connections(spec, pre_ids.size, post_ids.size)
        if expected is not None:
            cconnect.check_memory(expected, kind, spec["rule"])
        endpoints = cexpr.Endpoints(pre_ids, post_ids, self.position_array)
        i_pre, i_post, shape, keep = cconnect.pairs(spec, pre_ids, post_ids, self.rng, endpoints, kind)
        n = i_pre.size
        connections = (i_pre, i_post, endpoints)
        weight = cconnect.values("weight", syn_params["weight"], n, shape, keep, self.rng, spec["rule"], connections)
        delay = cconnect.values("delay", syn_params["delay"], n, shape, keep, self.rng, spec["rule"], connections)
        _check_weights_delays(weight, delay)
        receptor = syn_params["receptor_type"]
        model_id = self.synapse_model_id(syn_model.name)
        before = self._connection_counts() if return_synapsecollection else None
        if pre_kind != METER and post_kind == NEURON:
            self._check_receptor(post_ids, receptor)
        if syn_model.rule and not (pre_kind == NEURON and post_kind == NEURON):
            raise IllegalConnectionError(
                f"Connect: {syn_model.name} is plastic and connects neurons only, not "
                f"{_KIND_NAMES[pre_kind if pre_kind != NEURON else post_kind]}; to make a generator's spikes "
                "plastic, send them through a parrot_neuron")
        if syn_model.rule:
            columns, recorder = self._plastic_columns(syn_model, syn_params, weight, shape, keep, spec["rule"])
        if n == 0:
            # checked, but the rule drew no pair (p = 0, indegree 0, a condition nobody meets)
            return self._new_connections(before) if return_synapsecollection else None
        if pre_kind == NEURON and post_kind == NEURON:
            # engine indices through the (small) collections, not per synapse through the node table
            pre_nidx = self.node_nidx[pre_ids - 1].astype(np.int32)
            post_nidx = self.node_nidx[post_ids - 1].astype(np.int32)
            if syn_model.rule:
                self._connect_plastic(syn_model, common, columns, recorder, pre_nidx[i_pre], post_nidx[i_post],
                                      weight, delay, receptor, model_id)
            else:
                self.engine.static.add(pre_nidx[i_pre], target=post_nidx[i_post], weight=weight, delay=delay,
                                       model=model_id, port=receptor)
        elif pre_kind == GENERATOR:
            self._connect_generators(pre_ids[i_pre], post_ids[i_post], weight, delay, receptor, model_id)
        else:
            self._attach(pre_kind, pre_ids[i_pre], post_ids[i_post], weight, delay, model_id)
        syn_model.num_connections += n
        if return_synapsecollection:
            return self._new_connections(before)
        return None

    def _plastic_columns(self, model, params, weight, shape, keep, rule):
        """Check the per-connection parameters and state of the plastic connections of a
        Connect call (``weight``: theirs) -> (columns of values, the weight recorder given in the
        syn_spec or None)."""
        n = weight.size
        spec = cstdp.SYNAPSE_MODELS[model.base]
        columns = {}
        for name, *_ in spec["parameters"] + spec["state"]:
            value = params[name]
            if isinstance(value, (numbers.Real, np.number)):   # one value for all: checked once
                columns[name] = np.full(n, model.specs[name].check(model.name, value))
            else:
                values = cconnect.values(name, value, n, shape, keep, self.rng, rule)
                columns[name] = model.specs[name].check_array(model.name, values)
        wmax = columns["Wmax"] if "Wmax" in columns else np.full(n, model.defaults["Wmax"])
        check_plastic_weights(model.name, model.rule, weight, wmax)
        recorder = params["weight_recorder"]
        if recorder is not None:
            recorder = int(as_ids(recorder, "syn_spec weight_recorder")[0])
        self._weight_recorder_index(model.name, recorder if recorder is not None else model.defaults["weight_recorder"])
        return columns, recorder

    def _connect_plastic(self, model, common, columns, recorder, src, tgt, weight, delay, receptor, model_id):
        """Plastic synapses with checked ``columns`` (:meth:`_plastic_columns`): per-connection
        parameter values become parameter sets; common parameters given in the syn_spec (NEST 2
        scripts) go to the model."""
        spec = cstdp.SYNAPSE_MODELS[model.base]
        if common:
            self._set_common(model, common)
        set_index = self._parameter_sets(model, recorder, {name: columns[name] for name, *_ in spec["parameters"]},
                                         src.size)
        self.engine.plastic.add_columns({row[5]: cstdp.RULE_COLUMNS[row[5]] for row in spec["state"]
                                         if row[5] in cstdp.RULE_COLUMNS})
        state = {row[5]: np.asarray(columns[row[0]]) for row in spec["state"]}
        traces = {_trace_field(column): state.pop(column) for column in list(state) if _trace_field(column)}
        state.update(self.engine.traces.block_columns(self.engine.plastic, src, delay, set_index, traces))
        self.engine.plastic.add(src, target=tgt, weight=weight, delay=delay, model=model_id, port=receptor,
                                set=set_index, **state)

    def _set_common(self, model, common):
        """Apply common parameters given in a syn_spec to the model, as NEST 2 did, warning when
        this changes synapses that exist already."""
        changed = [key for key, value in common.items()
                   if not np.array_equal(np.asarray(model.defaults[key]), np.asarray(value))]
        self.models.set_defaults(model, common)
        if changed and model.num_connections:
            warnings.warn(f"Connect: {', '.join(changed)} given in syn_spec are common properties of "
                          f"{model.name}: they now apply to its {model.num_connections} existing synapses too",
                          CSNNWarning, stacklevel=4)

    def _parameter_sets(self, model, recorder, columns, n):
        """Set index of each connection: one set per (model, weight recorder, parameter row);
        the common parameters of ``_hom`` models are read from the model when the sets are
        built.  ``recorder``: the weight recorder given in the syn_spec, None for the model's."""
        names = sorted(columns)
        # each row's code in the mixed radix of its columns' distinct values (one value per
        # column, the usual case, gives a single code without sorting rows)
        code = np.zeros(n, dtype=np.int64)
        distinct = []
        for name in names:
            column = np.asarray(columns[name], dtype=float)
            if column.size and np.all(column == column[0]):
                values, inverse = column[:1], np.zeros(n, dtype=np.int64)
            else:
                values, inverse = np.unique(column, return_inverse=True)
            code = code * values.size + np.ravel(inverse)
            distinct.append(values)
        if code.any():
            codes, inverse = np.unique(code, return_inverse=True)
        else:
            codes, inverse = np.zeros(1, dtype=np.int64), code
        index = np.empty(codes.size, dtype=np.int64)
        for u, c in enumerate(codes.tolist()):
            row = []
            for values in reversed(distinct):
                c, k = divmod(c, values.size)
                row.append(float(values[k]))
            key = (model.name, recorder) + tuple(zip(names, reversed(row)))
            if key not in self.stdp_sets:
                if len(self.stdp_sets) >= 65535:
                    raise BadParameterError(f"{model.name}: more than 65535 distinct parameter sets; give "
                                            "plasticity parameters as a few values, not one per synapse")
                self.stdp_sets[key] = len(self.stdp_sets)
            index[u] = self.stdp_sets[key]
        return index[np.ravel(inverse)]

    def _weight_recorder_index(self, owner, gid):
        """The engine index of the weight recorder with id ``gid`` (-1 for None)."""
        if gid is None:
            return -1
        gid = int(as_ids(gid, f"{owner}'s weight_recorder")[0])
        device = self.devices.get(gid)
        if not isinstance(device, WeightRecorder):
            raise IllegalConnectionError(f"{owner}: weight_recorder {gid} is a "
                                         f"{self.node_model[gid - 1].name}, not a weight_recorder")
        return device.index

    def _set_records(self):
        """The parameter sets as records for the engine, and the models with a readout log
        (stdp_facetshw_synapse_hom, in the order of the records' ``readout_log``)."""
        records = np.zeros(len(self.stdp_sets), dtype=cstdp.SET_DTYPE)
        logged = []
        for key, index in self.stdp_sets.items():
            name, recorder, *pairs = key
            model = self.models.get(name)
            record = records[index:index + 1]
            record["rule"] = model.rule
            record["weight_recorder"] = self._weight_recorder_index(
                name, recorder if recorder is not None else model.defaults["weight_recorder"])
            record["readout_log"] = -1
            if "no_synapses" in model.common:
                if model not in logged:
                    logged.append(model)
                record["readout_log"] = logged.index(model)
            for param, value in pairs + [(c, model.defaults[c]) for c in model.common if c != "no_synapses"]:
                record[param] = value
            for param, value in model.derived.items():
                if param in records.dtype.names:
                    record[param] = value(model.defaults)
        return records, logged

    def _parse_syn_spec(self, syn_spec):
        if syn_spec is None:
            syn_spec = {}
        elif isinstance(syn_spec, str):
            syn_spec = {"synapse_model": syn_spec}
        elif not isinstance(syn_spec, dict):
            raise BadTypeError(f"syn_spec must be a synapse model name or a dict, got {syn_spec!r}")
        syn_spec = dict(syn_spec)
        namespace = cexpr.check_namespace(syn_spec.pop("namespace", {}), "syn_spec['namespace']")
        if "model" in syn_spec:
            if "synapse_model" in syn_spec:
                raise BadParameterError("syn_spec gives both 'model' (NEST 2) and 'synapse_model'; give one")
            syn_spec["synapse_model"] = syn_spec.pop("model")
        model = self.models.get(syn_spec.pop("synapse_model", "static_synapse"), "synapse model", "synapse")
        if model.kind != "synapse":
            raise BadParameterError(f"syn_spec: {model.name!r} is a node model, not a synapse model; "
                                    f"synapse models: {', '.join(self.models.names('synapse'))}")
        params = dict(model.defaults)
        params["weight_recorder"] = None           # the model's, unless the syn_spec names one
        common = {}
        for key, value in syn_spec.items():
            if key not in model.specs:
                raise unknown_name(f"syn_spec key for {model.name}", key, model.specs)
            if not model.specs[key].writable:
                raise BadParameterError(f"syn_spec: {model.name} parameter {key!r} is read-only")
            if key == "weight_recorder" and not model.rule:
                raise BadParameterError(f"syn_spec: {model.name} has a fixed weight; a weight_recorder records "
                                        "plastic synapses")
            if key in model.common:
                common[key] = model.specs[key].check(model.name, value)
                continue
            if key == "receptor_type":
                value = model.specs[key].check(model.name, value)
            if key in ("weight", "delay") and isinstance(value, str):
                value = cexpr.parse(value, f"syn_spec[{key!r}]", namespace, cexpr.NUMBER)
            params[key] = value
        return model, params, common

    def _single_kind(self, ids, what):
        kinds = np.unique(self.node_kind[ids - 1])
        if kinds.size > 1:
            names = " and ".join(_KIND_NAMES[int(k)] for k in kinds)
            raise IllegalConnectionError(f"Connect: {what} mixes {names}; connect them in separate calls")
        return int(kinds[0])

    def _describe(self, gid):
        return f"{self.node_model[gid - 1].name} (id {gid})"

    def _check_direction(self, pre_ids, pre_kind, post_ids, post_kind):
        first_pre, first_post = int(pre_ids[0]), int(post_ids[0])
        if WEIGHT_RECORDER in (pre_kind, post_kind):
            gid = first_pre if pre_kind == WEIGHT_RECORDER else first_post
            raise IllegalConnectionError(f"Connect: {self._describe(gid)} is not connected: give it to a plastic "
                                         "synapse model, CopyModel('stdp_synapse', 'stdp_rec', "
                                         "{'weight_recorder': recorder})")
        if post_kind == GENERATOR:
            raise IllegalConnectionError(f"Connect: {self._describe(first_post)} is a stimulation device and "
                                         "cannot receive connections; connect it as Connect(generator, neurons)")
        if pre_kind == SPIKE_RECORDER:
            raise IllegalConnectionError(f"Connect: {self._describe(first_pre)} records the spikes sent to it and "
                                         "cannot be a source; connect as Connect(neurons, recorder)")
        if post_kind == METER:
            raise IllegalConnectionError(f"Connect: {self._describe(first_post)} samples the neurons it is "
                                         "connected to and cannot be a target; connect as Connect(multimeter, neurons)")
        if post_kind == SPIKE_RECORDER and pre_kind != NEURON:
            raise IllegalConnectionError(f"Connect: {self._describe(first_post)} records spikes of neurons, not of "
                                         f"{self._describe(first_pre)}; to record a generator's spikes, "
                                         "connect it to a parrot_neuron and record the parrot")
        if pre_kind == METER and post_kind != NEURON:
            raise IllegalConnectionError(f"Connect: {self._describe(first_pre)} can only sample neurons, not "
                                         f"{self._describe(first_post)}")
        if pre_kind == GENERATOR:
            models = {self.node_model[g - 1].name: self.node_model[g - 1] for g in np.unique(post_ids).tolist()}
            for gen_gid in np.unique(pre_ids).tolist():
                device = self.devices[gen_gid]
                for m in models.values():
                    if device.ACCEPTS == "current" and not m.core.ACCEPTS_CURRENT:
                        raise IllegalConnectionError(f"Connect: {m.name} does not accept currents, so "
                                                     f"{self._describe(gen_gid)} cannot be connected to it")
        if pre_kind == METER:
            for gen_gid in np.unique(pre_ids).tolist():
                meter = self.devices[gen_gid]
                for g in np.unique(post_ids).tolist():
                    m = self.node_model[g - 1]
                    missing = [v for v in meter.params["record_from"] if v not in m.recordables]
                    if missing:
                        raise IllegalConnectionError(
                            f"Connect: {self._describe(gen_gid)} records {missing[0]!r}, which {m.name} "
                            f"(id {g}) does not have; its recordables: {list(m.recordables)}")

    def _check_receptor(self, targets, receptor):
        for m in {self.node_model[g - 1].name: self.node_model[g - 1] for g in np.unique(targets).tolist()}.values():
            if receptor not in m.core.PORTS:
                raise IllegalConnectionError(f"Connect: receptor_type {receptor} is not a receptor of {m.name}; "
                                             f"accepted: {list(m.core.PORTS)}")

    def _connect_generators(self, src, tgt, weight, delay, receptor, model_id):
        records = []
        for gen_gid in np.unique(src).tolist():
            sel = np.flatnonzero(src == gen_gid)
            device = self.devices[gen_gid]
            rec = np.zeros(sel.size, dtype=STREAM_DTYPE)
            rec["target"] = self.node_nidx[tgt[sel] - 1]
            rec["gen"] = device.index
            rec["source"] = gen_gid
            rec["rank"] = device.n_out + np.arange(sel.size)
            rec["port"] = receptor
            rec["weight"] = weight[sel]
            rec["delay"] = delay[sel]
            rec["rng"] = crng.stream_states(self.status["rng_seed"], crng.PURPOSE_POISSON, gen_gid,
                                            device.blocks, sel.size)
            device.n_out += sel.size
            device.blocks += 1
            records.append((sel, rec))
        order = np.concatenate([sel for sel, _ in records])
        recs = np.concatenate([rec for _, rec in records])
        inverse = np.empty_like(order)
        inverse[order] = np.arange(order.size)
        self.engine.add_streams(recs[inverse])
        self.stream_model = np.concatenate([self.stream_model, np.full(order.size, model_id)])

    def _attach(self, pre_kind, src, tgt, weight, delay, model_id):
        if pre_kind == NEURON:      # neurons -> spike recorder
            for rec_gid in np.unique(tgt).tolist():
                sel = src[tgt == rec_gid]
                recorder = self.devices[rec_gid]
                self.engine.recorders.attach_spike_recorder(recorder.index, self.node_nidx[sel - 1])
                recorder.n_in += sel.size
        else:                       # multimeter -> neurons: every pair is checked before any is attached
            pairs = collections.Counter(zip(src.tolist(), tgt.tolist()))
            twice = {pair for pair, count in pairs.items() if count > 1} | (pairs.keys() & self.attached_meters)
            if twice:
                meter_gid, gid = min(twice)
                raise IllegalConnectionError(f"Connect: {self._describe(meter_gid)} is already connected to "
                                             f"{self._describe(gid)}; each neuron is sampled once per multimeter")
            self.attached_meters |= set(pairs)
            for meter_gid in np.unique(src).tolist():
                sel = tgt[src == meter_gid]
                meter = self.devices[meter_gid]
                self.engine.recorders.attach_meter(meter.index, self.node_nidx[sel - 1])
                meter.n_out += sel.size
        for key, column in (("source", src), ("target", tgt), ("model", np.full(src.size, model_id)),
                            ("weight", weight), ("delay", delay)):
            self.attachments[key].append(np.asarray(column))

    def _connection_counts(self):
        self.engine.build()
        return (self.engine.static.offsets.copy(), self.engine.plastic.offsets.copy(), self.stream_model.size,
                sum(a.size for a in self.attachments["source"]))

    def _tables(self):
        """The synapse tables by connection kind (0: static, 3: plastic)."""
        self.engine.build()
        return {0: self.engine.static, 3: self.engine.plastic}

    def _all_connections(self):
        """Every connection: (kind, a, b, source gid, target gid, model id) arrays.

        Kinds: 0 static and 3 plastic synapses (a: source engine index, b: rank in its row),
        1 generator streams (a: stream id), 2 recorder attachments (a: attachment id).
        """
        parts = []
        for kind, table in self._tables().items():
            src_idx, rank = table.rows()
            parts.append((np.full(src_idx.size, kind, np.int8), src_idx, rank, self.neuron_gid[src_idx],
                          self.neuron_gid[table.columns["target"]], table.column("model").astype(np.int64)))
        streams = self.engine.stimulation.streams
        parts.append((np.ones(streams.size, np.int8), np.arange(streams.size), np.zeros(streams.size, np.int64),
                      streams["source"].astype(np.int64), self.neuron_gid[streams["target"]], self.stream_model))
        att_src = _cat(self.attachments["source"])
        parts.append((np.full(att_src.size, 2, np.int8), np.arange(att_src.size), np.zeros(att_src.size, np.int64),
                      att_src, _cat(self.attachments["target"]), _cat(self.attachments["model"])))
        return tuple(np.concatenate(column) for column in zip(*parts))

    def _new_connections(self, before):
        static_before, plastic_before, n_streams, n_att = before
        kind, a, b, source, target, model = self._all_connections()
        new = np.ones(kind.size, bool)
        for code, offsets_before in ((0, static_before), (3, plastic_before)):
            old_rows = np.zeros(self.engine.n_neurons, dtype=np.int64)
            old_rows[:offsets_before.size - 1] = np.diff(offsets_before)
            sel = kind == code
            new[sel] = b[sel] >= old_rows[a[sel]]
        new[kind == 1] = a[kind == 1] >= n_streams
        new[kind == 2] = a[kind == 2] >= n_att
        order = np.lexsort((target[new], source[new]))
        return SynapseCollection(self, kind[new][order], a[new][order], b[new][order])

    def get_connections(self, source=None, target=None, synapse_model=None):
        kind, a, b, src, tgt, model = self._all_connections()
        keep = np.ones(kind.size, bool)
        if source is not None:
            keep &= np.isin(src, as_ids(source, "source"))
        if target is not None:
            keep &= np.isin(tgt, as_ids(target, "target"))
        if synapse_model is not None:
            m = self.models.get(synapse_model, "synapse model", "synapse")
            keep &= model == (self.syn_model_names.index(m.name) if m.name in self.syn_model_names else -1)
        order = np.lexsort((tgt[keep], src[keep]))
        return SynapseCollection(self, kind[keep][order], a[keep][order], b[keep][order])

    def _plastic_rule(self, sc):
        """The plasticity rule's model spec when every connection of ``sc`` is plastic with one
        rule (its parameters and state are then connection properties), else None."""
        if len(sc) == 0 or not np.all(sc._kind == 3):
            return None
        table = self._tables()[3]
        models = {self.syn_model_names[m] for m in table.gather("model", table.slots(sc._a, sc._b)).tolist()}
        bases = {self.models.get(m).base for m in models}
        return cstdp.SYNAPSE_MODELS[bases.pop()] if len(bases) == 1 else None

    def connection_table(self, sc, keys=None):
        """Columns of connection properties for a SynapseCollection."""
        tables = self._tables()
        streams = self.engine.stimulation.streams
        kind, a, b = sc._kind, sc._a, sc._b
        n = kind.size
        columns = {"source": np.zeros(n, np.int64), "target": np.zeros(n, np.int64), "weight": np.zeros(n),
                   "delay": np.zeros(n), "receptor": np.zeros(n, np.int64), "port": np.zeros(n, np.int64),
                   "synapse_id": np.zeros(n, np.int64), "target_thread": np.zeros(n, np.int64)}
        for code, table in tables.items():
            sel = kind == code
            slot = table.slots(a[sel], b[sel])
            columns["source"][sel] = self.neuron_gid[a[sel]]
            columns["target"][sel] = self.neuron_gid[table.columns["target"][slot]]
            columns["weight"][sel] = table.gather("weight", slot)
            columns["delay"][sel] = table.gather("delay", slot)
            columns["receptor"][sel] = table.gather("port", slot)
            columns["synapse_id"][sel] = table.gather("model", slot)
            columns["port"][sel] = b[sel]
        k1, k2 = kind == 1, kind == 2
        st = streams[a[k1]]
        columns["source"][k1] = st["source"]
        columns["target"][k1] = self.neuron_gid[st["target"]]
        columns["weight"][k1] = st["weight"]
        columns["delay"][k1] = st["delay"]
        columns["receptor"][k1] = st["port"]
        columns["synapse_id"][k1] = self.stream_model[a[k1]]
        columns["port"][k1] = st["rank"]
        for key, col in (("source", "source"), ("target", "target"), ("weight", "weight"), ("delay", "delay"),
                         ("synapse_id", "model")):
            columns[key][k2] = _cat(self.attachments[col])[a[k2]]
        columns["synapse_model"] = np.array([self.syn_model_names[i] for i in columns["synapse_id"].tolist()],
                                            dtype=object) if n else np.zeros(0, dtype=object)
        rule = self._plastic_rule(sc)
        if rule is not None:
            table = tables[3]
            slot = table.slots(a, b)
            records = self._set_records()[0][table.columns["set"][slot]]
            for name, *_ in rule["parameters"]:
                columns[name] = records[name].copy()
            for name, default, *_, column in rule["state"]:
                values = (self.engine.traces.values(_trace_field(column), table, slot)
                          if _trace_field(column) else table.columns[column][slot])
                columns[name] = values.astype(type(default))
            models = [self.models.get(name) for name in columns["synapse_model"].tolist()]
            for name, *_ in rule.get("common", ()):
                values = [m.defaults[name] for m in models]
                columns[name] = (np.array(values + [None], dtype=object)[:-1] if isinstance(values[0], list)
                                 else np.array(values))
        if keys is None:
            return columns
        for key in keys:
            if key not in columns:
                raise unknown_name("connection property", key, columns)
        return {k: columns[k] for k in keys}

    def set_connections(self, sc, params):
        if not isinstance(params, dict):
            raise BadTypeError(f"set(): params must be a dict, got {params!r}")
        if set(params) - {"weight"}:
            # weights may change between runs of one Prepare; delays and rule parameters not
            self.check_not_prepared(f"set({', '.join(map(repr, sorted(set(params) - {'weight'})))})")
        n = len(sc)
        rule = self._plastic_rule(sc)
        plastic_keys = [name for name, *_ in rule["parameters"] + rule["state"]] if rule else []
        checked = {}
        for key, value in params.items():
            if rule is not None and key in [name for name, *_ in rule.get("common", ())]:
                raise BadParameterError(f"set(): {key!r} is common to all synapses of the model; change it with "
                                        f"SetDefaults(model, {{{key!r}: value}})")
            if key not in ("weight", "delay") and key not in plastic_keys:
                if key in ("source", "target", "synapse_model", "receptor", "port", "synapse_id", "target_thread"):
                    raise BadParameterError(f"connection property {key!r} is read-only")
                raise unknown_name("connection property", key, ["weight", "delay"] + plastic_keys)
            if isinstance(value, crandom.Parameter):
                arr = value.sample(self.rng, n)
            elif isinstance(value, dict):
                arr = crandom.from_spec(value, key).sample(self.rng, n)
            else:
                arr = as_numbers(value, f"set(): {key}")
                if arr.shape not in ((), (n,)):
                    raise BadTypeError(f"set(): {key} must be a number or one value per connection ({n}), got an "
                                       f"array of shape {arr.shape}")
                arr = np.broadcast_to(arr, (n,)).copy()
            checked[key] = arr
        _check_weights_delays(checked.get("weight", np.zeros(0)), checked.get("delay", np.ones(0)))
        kind, a, b = sc._kind, sc._a, sc._b
        k1 = kind == 1
        if k1.any() and self.started:
            gens = self.engine.stimulation.streams["gen"][a[k1]]
            is_current = np.isin(gens, [d.index for d in self.devices.values()
                                        if isinstance(d, Generator) and d.ACCEPTS == "current"])
            if "delay" in checked or ("weight" in checked and is_current.any()):
                raise KernelStateError("the weight of a current generator's connection and the delay of any "
                                       "generator connection cannot change once the simulation has started; "
                                       "change the generator's parameters instead")
        traces = self._set_plastic(sc, rule, checked) if rule is not None else {}
        for code, table in self._tables().items():
            sel = kind == code
            slot = table.slots(a[sel], b[sel])
            for key in ("weight", "delay"):
                if key in checked:
                    table.scatter(key, slot, checked[key][sel])
        new_sets = rule is not None and any(name in checked for name, *_ in rule["parameters"])
        if traces or new_sets or "delay" in checked:
            self._regroup_traces(sc, traces)
        for key in ("weight", "delay"):
            if key not in checked:
                continue
            self.engine.stimulation.streams[key][a[k1]] = checked[key][k1]
            column = _cat(self.attachments[key], float)
            column[a[kind == 2]] = checked[key][kind == 2]
            self.attachments[key] = [column]
        if "delay" in checked:
            self.engine.refresh_delays()
        if k1.any() and not self.started:
            self.engine.restart_streams(a[k1])

    def _set_plastic(self, sc, rule, checked):
        """New parameter values or states for plastic connections (parameters: new sets, which
        keep the weight recorder the connections had).  Returns the new values of the traces
        kept in trace groups (field -> values), which :meth:`_regroup_traces` applies."""
        table = self._tables()[3]
        slot = table.slots(sc._a, sc._b)
        models = table.gather("model", slot)
        names = [name for name, *_ in rule["parameters"]]
        for key in names + [name for name, *_ in rule["state"]]:
            if key in checked:
                model = self.models.get(self.syn_model_names[int(models[0])])
                checked[key] = model.specs[key].check_array(model.name, checked[key])
        old_sets = table.columns["set"][slot]
        records = self._set_records()[0][old_sets]
        wmax = checked.get("Wmax", records["Wmax"])
        weight = checked.get("weight", table.gather("weight", slot))
        check_plastic_weights("set()", records["rule"], weight, wmax)
        if any(key in checked for key in names):
            keys = list(self.stdp_sets)
            recorders = np.array([keys[k][1] for k in old_sets.tolist()] + [None], dtype=object)[:-1]
            groups = {(m, r) for m, r in zip(models.tolist(), recorders.tolist())}
            for model_id, recorder in groups:
                sel = (models == model_id) & np.array([r == recorder for r in recorders.tolist()], dtype=bool)
                columns = {name: checked.get(name, records[name])[sel] for name in names}
                model = self.models.get(self.syn_model_names[model_id])
                table.columns["set"][slot[sel]] = self._parameter_sets(model, recorder, columns, int(sel.sum()))
        traces = {}
        for name, *_, column in rule["state"]:
            if name in checked and _trace_field(column):
                traces[_trace_field(column)] = checked[name]
            elif name in checked:
                table.columns[column][slot] = checked[name]
        return traces

    def _regroup_traces(self, sc, traces):
        """The plastic connections of ``sc`` whose delay, parameters or traces (``traces``: field
        -> new value per connection of ``sc``) changed move to the trace groups of their new
        keys (copy on write: the groups' other synapses keep theirs), or get them as their own
        when the table keeps traces per synapse."""
        table = self._tables()[3]
        sel = sc._kind == 3
        if not sel.any():
            return
        slot = table.slots(sc._a[sel], sc._b[sel])
        self.engine.traces.rewrite(table, slot, sc._a[sel], table.gather("delay", slot), table.columns["set"][slot],
                                   {field: values[sel] for field, values in traces.items()})

    # -- simulation ---------------------------------------------------------------------------

    def prepare(self):
        if self.prepared:
            raise KernelStateError("Prepare: the kernel is already prepared; call Cleanup first")
        self.engine.bind([pop.bound() for pop in self.populations.values()])
        self.engine.set_archive_parameters(self.archive["tau_minus"], self.archive["tau_minus_triplet"])
        records, self.readout_models = self._set_records()
        if self.readout_models:
            table = self._tables()[3]
            sets = table.columns["set"]
            check_plastic_weights("Prepare", records["rule"][sets], table.column("weight"), records["Wmax"][sets])
        self.engine.plasticity.set_stdp_sets(records, [m.defaults["no_synapses"] for m in self.readout_models])
        del records                # before the engine hands the freed memory back
        self.engine.prepare()
        slow = short_delay_message(self.engine.min_delay, self.status["resolution"])
        if slow:
            warnings.warn(slow, CSNNWarning, stacklevel=3)
        for device in self.devices.values():
            if isinstance(device, Recorder):
                device.open()
        self.prepared = True

    def run(self, t):
        if not self.prepared:
            raise KernelStateError("Run: call Prepare first (or use Simulate)")
        t = _check_time("Run", t)
        if t == 0:
            return
        self.started = True
        t_stop = _snap(self.engine.t_now + t, self.status["resolution"])
        try:
            serviced = [device for device in self.devices.values() if isinstance(device, Recorder) and device.bounded]
            cprogress.run(self.engine, t_stop, True if self.status["print_time"] else self.status["progress_bar"],
                          between=functools.partial(_service, serviced) if serviced else None)
        finally:
            # the synapses stdp_facetshw_synapse_hom models numbered (a common property)
            for model, count in zip(self.readout_models, self.engine.plasticity.readout_counts().tolist()):
                model.defaults["no_synapses"] = count

    def cleanup(self):
        if not self.prepared:
            raise KernelStateError("Cleanup: the kernel is not prepared")
        for device in self.devices.values():
            if isinstance(device, Recorder):
                device.flush()
        self.prepared = False

    def simulate(self, t):
        _check_time("Simulate", t)
        self.prepare()
        try:
            self.run(t)
        finally:
            self.cleanup()

    def close_files(self):
        for device in self.devices.values():
            if isinstance(device, Recorder):
                device.close()


#: a smallest delay below resolution / SHORT_DELAY_FRACTION warns at Prepare (short_delay_message)
SHORT_DELAY_FRACTION = 10


def short_delay_message(min_delay, resolution):
    """The warning for a smallest delay (ms) far below the resolution (ms), else None.

    Simulate advances in windows of the smallest delay, and a window costs 5 to 10 us even when
    nothing happens in it (docs/design.md), so a tiny delay makes every simulated second slow.
    NEST refuses delays below the resolution; csnn's delays are continuous, so it accepts them,
    but one below a tenth of the resolution is most likely a delay written in seconds (Brian 2's
    units: 0.0015 for 1.5 ms) or a placeholder for "no delay".
    """
    if not min_delay < resolution / SHORT_DELAY_FRACTION:
        return None
    windows = f"{1000.0 / min(min_delay, MAX_WINDOW):,.0f}".replace(",", " ")
    return (f"delays are in ms: the smallest delay, {min_delay:g} ms, with resolution {resolution:g} ms means "
            f"{windows} windows per simulated second (Simulate advances in windows of the smallest delay, a few "
            f"microseconds each even when nothing happens).  If the delays were meant in seconds, give them in ms "
            f"({min_delay:g} s = {min_delay * 1000.0:g} ms); delays of at least resolution / {SHORT_DELAY_FRACTION} "
            f"= {resolution / SHORT_DELAY_FRACTION:g} ms do not warn.")


def _service(recorders):
    """Between chunks of a run: recorders write out or bound their events (Recorder.service)."""
    for recorder in recorders:
        recorder.service()


def _snap(t, resolution):
    """``t`` moved onto the resolution grid when rounding alone separates them (within 1e-9 of a
    step): then 1000 calls of Simulate(0.1) end at exactly 100.0 ms.  Grid times are computed
    as k / (1 / resolution) when that is exact, so 0.3 is 0.3."""
    steps = t / resolution
    k = round(steps)
    if k == 0 or abs(steps - k) > 1e-9:
        return t
    inverse = 1.0 / resolution
    return k / inverse if inverse == round(inverse) else k * resolution


def _set_devices(devices):
    """Apply changes the devices validated: (device, change) pairs."""
    for device, change in devices:
        device.set(change)


def _check_time(what, t):
    """A simulation duration: a finite number of ms >= 0."""
    if isinstance(t, (bool, np.bool_)) or not isinstance(t, (numbers.Real, np.number)):
        raise BadTypeError(f"{what}: t = {t!r} is invalid: must be a finite number of ms >= 0, got a {type(t).__name__}")
    t = to_float(t, f"{what}: t")
    if not np.isfinite(t) or t < 0:
        raise BadParameterError(f"{what}: t = {t!r} is invalid: must be a finite number of ms >= 0")
    return t


def _store(value):
    """Parameter value as stored in a struct field (bools as 0/1)."""
    return float(value)


def _is_per_node(model, key, value, n):
    spec = model.specs.get(key)
    if spec is None or isinstance(value, (str, dict, crandom.Parameter)):
        return False
    if spec.is_array:
        return isinstance(value, (list, tuple)) and len(value) == n and n > 1 and all(
            isinstance(v, (list, tuple, np.ndarray)) for v in value)
    return isinstance(value, (list, tuple, np.ndarray)) and len(value) == n


def _trace_field(column):
    """The trace-group field a plastic state row is kept in (its column "traces.<field>"), or
    None for a column of the plastic table."""
    return column[len("traces."):] if column.startswith("traces.") else None


def _cat(blocks, dtype=None):
    return np.concatenate(blocks) if blocks else np.zeros(0, dtype=dtype or np.int64)


def _write_derived(model, pop, rows, values):
    """Struct fields a core model computes from its parameters (``derive``), if it has any."""
    derive = getattr(model.core, "derive", None)
    if derive is not None:
        for key, column in derive(values).items():
            pop.data[key][rows] = column


def _check_weights_delays(weight, delay):
    if weight.size and not np.all(np.isfinite(weight)):
        bad = float(weight[~np.isfinite(weight)][0])
        raise BadParameterError(f"weight = {bad!r} is invalid: weights must be finite numbers")
    if delay.size and not np.all(np.isfinite(delay) & (delay > 0)):
        bad = float(delay[~(np.isfinite(delay) & (delay > 0))][0])
        raise BadParameterError(f"delay = {bad!r} ms is invalid: delays must be finite and > 0 ms "
                                "(csnn's delays are continuous; any positive value works)")
