"""Nodes: creating them, and the tables that say what each node is.

:class:`NodeManager` owns the node tables (each node's model and kind; a neuron's row in its
model's population array and its engine index; the engine index's node id), the populations
(each built-in neuron model's rows of its C struct, in a numpy structured array), the device
objects, the layers of the nodes created with positions (:class:`csnn.spatial.Layer`), and the
postsynaptic trace constants every neuron has (``tau_minus``, ``tau_minus_triplet``, by engine
index).  Other managers ask it what a node is through the methods below.
"""
import numbers

import numpy as np

from .. import memory as cmemory
from .. import spatial as cspatial
from ..devices.generators import Generator
from ..devices.recorders import Recorder
from ..errors import BadParameterError, IllegalConnectionError, UnknownNodeError, shown
from .kinds import NodeKind
from .models import ARCHIVE_PARAMETERS, RECORDABLE_CODES, check_neurons
from .node_params import expand, store, write_derived
from .nodes import NodeCollection

#: nodes a kernel holds: the engine's node ids are int32 (csnn/_core/engine.pyx)
MAX_NODES = 2 ** 31 - 1
#: the postsynaptic trace constants every neuron has, kept by engine index
ARCHIVE_KEYS = tuple(row[0] for row in ARCHIVE_PARAMETERS)


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



class NodeManager:
    """The nodes of one kernel: their tables, populations, devices and positions."""

    def __init__(self, kernel):
        self.kernel = kernel
        self.node_model = []                          # Model of node gid - 1
        self.node_kind = np.zeros(0, dtype=np.int8)   # NodeKind of node gid - 1
        self.node_row = np.zeros(0, dtype=np.int64)   # neurons: row in their population
        self.neuron_gid = np.zeros(0, dtype=np.int64)  # engine index -> gid
        self.node_nidx = np.zeros(0, dtype=np.int64)  # gid - 1 -> engine index (-1 for devices)
        self.populations = {}
        self.devices = {}
        self.layers = []                              # (first gid, Layer) of each Create with positions
        self.archive = {key: np.zeros(0) for key in ARCHIVE_KEYS}   # by engine index
        self.n_generators = 0

    def check_ids(self, ids, what="nodes"):
        n = len(self.node_model)
        bad = (ids < 1) | (ids > n)
        if bad.any():
            raise UnknownNodeError(f"{what}: node id {int(ids[bad][0])} does not exist; ids run from 1 "
                                   f"to {n}" if n else f"{what}: node id {int(ids[bad][0])} does not exist; "
                                   "no nodes have been created")

    def models_of(self, ids):
        return [self.node_model[i - 1] for i in ids.tolist()]

    def create(self, model_name, n=1, params=None, positions=None):
        """Create ``n`` nodes of ``model_name`` (csnn.Create), timed as NEST's
        time_construction_create."""
        with self.kernel.kernel_status.timed("time_construction_create"):
            return self._create(model_name, n, params, positions)

    def _create(self, model_name, n, params, positions):
        self.kernel.check_not_prepared("Create")
        model = self.kernel.models.get(model_name, "model", "nodes")
        if model.kind == "synapse":
            raise BadParameterError(f"Create: {model.name!r} is a synapse model; nodes are created from "
                                    f"node models: {', '.join(self.kernel.models.names('nodes'))}")
        if isinstance(n, bool) or not isinstance(n, (numbers.Integral, np.integer)) or n < 1:
            raise BadParameterError(f"Create: n = {shown(n)} is invalid: must be an integer >= 1")
        n = int(n)
        if isinstance(positions, cspatial.Layout):
            n = positions.number_of_nodes(n)
        self._check_room(model, n)
        if positions is not None:
            layer = (positions.layer(n, self.kernel.rng) if isinstance(positions, cspatial.Layout)
                     else cspatial.array_layer(positions, n, "Create: positions"))
        first = len(self.node_model) + 1
        gids = np.arange(first, first + n, dtype=np.int64)
        where = None if positions is None else cspatial.Where(layer, nodes=layer.positions)
        per_node = expand(model, n, params, "Create params", self.kernel.rng, where)
        if model.kind == "neuron":
            self._create_neurons(model, gids, per_node)
        else:
            self._check_new_devices(model, n, per_node)
            kind = {"generator": NodeKind.GENERATOR, "spike_recorder": NodeKind.SPIKE_RECORDER, "multimeter": NodeKind.METER,
                    "weight_recorder": NodeKind.WEIGHT_RECORDER}[model.kind if model.kind == "generator" else model.base]
            # devices are built (and may still fail) before any of them is registered
            devices = [model.device(self.kernel, gid, model, {key: column[k] for key, column in per_node.items()})
                       for k, gid in enumerate(gids.tolist())]
            self._register(model, gids, kind, -1)
            self.devices.update(zip(gids.tolist(), devices))
        if positions is not None:
            self.layers.append((first, layer))
        return NodeCollection._from_ids(self.kernel, gids)

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
            model.device.check_new(self.kernel, owner, trial)

    def _create_neurons(self, model, gids, per_node):
        pop = self.populations.get(model.base)
        if pop is None:
            pop = self.populations[model.base] = Population(self.kernel.models.get(model.base))
        n = gids.size
        trial = {key: np.full(n, store(model.defaults[key])) for key in model.defaults
                 if model.specs[key].writable}
        for key, column in per_node.items():
            trial[key] = np.asarray([store(v) for v in column] if isinstance(column, list) else column, dtype=float)
        check_neurons(model, trial)
        for key in ARCHIVE_KEYS:
            self.archive[key] = np.concatenate([self.archive[key], trial.pop(key)])
        rows = pop.grow(n)
        for key, column in trial.items():
            pop.data[key][rows] = column
        for key, spec in model.specs.items():
            if not spec.writable:
                pop.data[key][rows] = spec.default
        for key, value in getattr(model.core, "FIXED", {}).items():
            pop.data[key][rows] = value
        write_derived(model, pop, rows, trial)
        nidx = np.arange(self.kernel.engine.n_neurons, self.kernel.engine.n_neurons + n, dtype=np.int32)
        self.kernel.engine.add_neurons(gids.astype(np.int32))
        pop.nidx[rows] = nidx
        self.kernel.engine.rows(model.code, pop.data, rows.astype(np.int64), "initialize")
        self._register(model, gids, NodeKind.NEURON, rows)
        self.neuron_gid = np.concatenate([self.neuron_gid, gids])
        node_nidx = np.full(gids[-1], -1, dtype=np.int64)
        node_nidx[:self.node_nidx.size] = self.node_nidx
        node_nidx[gids - 1] = nidx
        self.node_nidx = node_nidx

    def position_array(self, ids):
        """Positions of nodes ``ids``: an array of shape (len(ids), 3), NaN where a node has no
        position (or no z)."""
        out = np.full((ids.size, 3), np.nan)
        for first, layer in self.layers:
            rows = ids - first
            here = (rows >= 0) & (rows < len(layer.positions))
            out[here, :layer.dimensions] = layer.positions[rows[here]]
        return out

    def layer_of(self, ids):
        """(the Layer, the rows of ``ids`` in it) when all nodes ``ids`` (at least one) were
        created by one Create call with positions, else None."""
        if ids.size == 0:
            return None
        for first, layer in self.layers:
            rows = ids - first
            if rows.min() >= 0 and rows.max() < len(layer.positions):
                return layer, rows
        return None

    def spatial_context(self, ids, positions=None):
        """(the kernel's generator, the :class:`csnn.spatial.Where`, the number of values) of
        Parameter.apply: the nodes ``ids`` (of one layer) where they are or, with
        ``positions``, connections from the one node ``ids`` to each of ``positions``."""
        found = self.layer_of(ids)
        if found is None:
            raise BadParameterError("Parameter.apply: the nodes must have been created with positions, by one "
                                    "Create call")
        layer, rows = found
        if positions is None:
            return self.kernel.rng, cspatial.Where(layer, nodes=layer.positions[rows]), rows.size
        if rows.size != 1:
            raise BadParameterError(f"Parameter.apply: with positions, give one node (the source), not {rows.size}")
        targets = cspatial.as_coordinates(positions, "Parameter.apply: positions")
        if targets.shape[1] != layer.dimensions:
            raise BadParameterError(f"Parameter.apply: positions have {targets.shape[1]} dimensions, the node "
                                    f"{layer.dimensions}")
        source = np.broadcast_to(layer.positions[rows], targets.shape)
        return self.kernel.rng, cspatial.Where(layer, source=source, target=targets), len(targets)

    # -- what other managers ask --------------------------------------------------------------

    def size(self):
        """Number of nodes (ids run from 1 to it)."""
        return len(self.node_model)

    def model(self, gid):
        """The Model of node ``gid``."""
        return self.node_model[gid - 1]

    def describe(self, gid):
        """Node ``gid`` in messages: its model and id."""
        return f"{self.node_model[gid - 1].name} (id {gid})"

    def single_kind(self, ids, what):
        """The NodeKind of nodes ``ids``, which must all be of one kind (``what`` names them in
        Connect's error)."""
        kinds = np.unique(self.node_kind[ids - 1])
        if kinds.size > 1:
            names = " and ".join(NodeKind(int(k)).plural for k in kinds)
            raise IllegalConnectionError(f"Connect: {what} mixes {names}; connect them in separate calls")
        return NodeKind(int(kinds[0]))

    def device(self, gid):
        """The device object of node ``gid`` (None for a neuron)."""
        return self.devices.get(gid)

    def recorders(self):
        """Every recorder device, in id order."""
        return [device for device in self.devices.values() if isinstance(device, Recorder)]

    def current_generator_indices(self):
        """Engine indices of the generators that send currents (not spikes)."""
        return [device.index for device in self.devices.values()
                if isinstance(device, Generator) and device.ACCEPTS == "current"]

    def generator_index(self):
        """The engine index of a new generator."""
        self.n_generators += 1
        return self.n_generators - 1

    def recordable_codes(self, owner, names):
        """The engine's codes of recordable variables ``names``; BadParameterError naming
        ``owner`` (a multimeter) for a name that is no recordable."""
        unknown = [v for v in names if v not in RECORDABLE_CODES]
        if unknown:
            raise BadParameterError(f"{owner}: record_from contains {unknown[0]!r}; recordable "
                                    f"variables: {sorted(RECORDABLE_CODES)}")
        return [RECORDABLE_CODES[name] for name in names]

    def engine_indices(self, gids):
        """Engine indices of neurons ``gids`` (an int64 array; -1 for devices, also those
        created after the last neuron, beyond the table)."""
        known = gids <= self.node_nidx.size
        out = np.full(gids.shape, -1, dtype=np.int64)
        out[known] = self.node_nidx[gids[known] - 1]
        return out

    def placement(self, gids):
        """Where nodes ``gids`` (an int64 array) live, as NEST says it: (local, thread, vp) arrays.
        A neuron belongs to MPI process engine index % K and, there, to the thread whose part of
        the engine indices holds it; its virtual process is thread * K + process.  Devices exist
        on every process (recorders record the neurons of theirs), on thread 0."""
        engine = self.kernel.engine
        k, threads = engine.n_ranks, engine.n_threads
        nidx = self.engine_indices(gids)
        neuron = nidx >= 0
        local = np.ones(gids.shape, dtype=bool)
        local[neuron] = engine.owned(nidx[neuron])
        thread = np.zeros(gids.shape, dtype=np.int64)
        # the engine's thread parts (threads.pxd part_start): part p of P holds the engine
        # indices i with p * n // P <= i, so i's part is ((i + 1) * P - 1) // n
        n = int(engine.n_neurons)
        parts = max(1, min(threads, n))
        thread[neuron] = ((nidx[neuron] + 1) * parts - 1) // max(n, 1)
        rank = np.where(neuron, nidx % k, engine.rank)
        return local, thread, thread * k + rank

    def gids_at(self, nidx):
        """Node ids of the neurons at engine indices ``nidx``."""
        return self.neuron_gid[nidx]

    def rows(self, gids):
        """Rows of neurons ``gids`` in their population."""
        return self.node_row[gids - 1]

    def population(self, model):
        """The Population of neuron ``model`` (its built-in base model's)."""
        return self.populations[model.base]

    def bound_populations(self):
        """Each population as the engine binds it: (model code, rows, engine indices)."""
        return [pop.bound() for pop in self.populations.values()]

    def archive_values(self, key, gids):
        """Trace constant ``key`` (ARCHIVE_KEYS) of neurons ``gids``."""
        return self.archive[key][self.node_nidx[gids - 1]]

    def set_archive(self, gids, columns):
        """New trace constants (key -> one value per neuron of ``gids``), checked."""
        nidx = self.node_nidx[gids - 1]
        for key, column in columns.items():
            self.archive[key][nidx] = column
        self.send_archive()

    def send_archive(self):
        """Give the engine every neuron's trace constants."""
        self.kernel.engine.set_archive_parameters(self.archive["tau_minus"], self.archive["tau_minus_triplet"])
